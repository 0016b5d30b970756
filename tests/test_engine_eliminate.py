"""Node elimination (``network.eliminate``), the core-or-not rule and partitioned tables on
executors, against scipy's Dijkstra on the full graph and against networkx."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from test_engine_core import assert_table_equals_networkx, points, random_graph

from conum_geo.analysis.engine import Snapped, tables, time_table
from conum_geo.network.eliminate import eliminate
from conum_geo.network.graph import RoadGraph
from conum_geo.network.synthetic import synthetic_road_graph


def test_a_junction_becomes_shortcuts_between_its_neighbours_the_faster_arc_kept():
    # Node 0, a two-way junction of 1, 2, 3 (arcs 1 ⇄ 0: 5 s, 2 ⇄ 0: 7 s, 3 ⇄ 0: 11 s), and a
    # direct road 1 → 2 of 20 s, slower than through 0 (12 s); 2 → 1 has none.
    arcs = [(0, 1, 5.0), (1, 0, 5.0), (0, 2, 7.0), (2, 0, 7.0), (0, 3, 11.0), (3, 0, 11.0), (1, 2, 20.0)]
    rows, cols, weights = zip(*arcs)
    graph = RoadGraph(x=np.arange(4.0), y=np.zeros(4), source="test",
                      time_s=sp.csr_matrix((weights, (rows, cols)), shape=(4, 4)))

    core, nodes = eliminate(graph, np.array([1, 2, 3]))

    assert nodes.tolist() == [1, 2, 3]
    got = {(int(nodes[a]), int(nodes[b])): core.time_s[a, b] for a, b in zip(*core.time_s.nonzero())}
    assert got == {(1, 2): 12.0, (2, 1): 12.0, (1, 3): 16.0, (3, 1): 16.0, (2, 3): 18.0, (3, 2): 18.0}


def test_a_kept_node_stays_and_a_dead_end_goes():
    # 0 — 1 — 2 two-way line with a dead end 3 hanging off 1: keeping 0 and 2 leaves them only.
    rows, cols = [0, 1, 1, 2, 1, 3], [1, 0, 2, 1, 3, 1]
    graph = RoadGraph(x=np.arange(4.0), y=np.zeros(4), source="test",
                      time_s=sp.csr_matrix(([3.0, 3.0, 4.0, 4.0, 1.0, 1.0], (rows, cols)), shape=(4, 4)))
    core, nodes = eliminate(graph, np.array([0, 2]))
    assert nodes.tolist() == [0, 2]
    assert core.time_s.toarray().tolist() == [[0.0, 7.0], [7.0, 0.0]]
    core, nodes = eliminate(graph, np.array([0, 1, 2, 3]))
    assert nodes.tolist() == [0, 1, 2, 3] and core.n_arcs == graph.n_arcs


@pytest.mark.parametrize("seed", range(8))
def test_times_between_kept_nodes_equal_dijkstra_on_the_whole_graph(seed):
    # Random digraphs (one-way arcs, unreachable pairs) and road-like graphs, a few or many kept.
    graph = random_graph(seed, n=120, p=0.03)[0] if seed % 2 else synthetic_road_graph(3000, seed=seed)
    rng = np.random.default_rng(seed)
    keep = np.unique(rng.choice(graph.n_nodes, 5 + 20 * (seed % 3), replace=False))

    core, nodes = eliminate(graph, keep)

    assert set(keep.tolist()) <= set(nodes.tolist())
    if graph.source != "test":
        assert core.n_nodes < 0.5 * graph.n_nodes and core.n_arcs < graph.n_arcs
    full = dijkstra(graph.time_s, indices=keep)[:, keep]
    on_core = dijkstra(core.time_s, indices=np.searchsorted(nodes, keep))[:, np.searchsorted(nodes, keep)]
    assert (np.isinf(full) == np.isinf(on_core)).all()
    finite = np.isfinite(full)
    np.testing.assert_allclose(on_core[finite], full[finite], rtol=1e-12)


@pytest.mark.parametrize("toward", [True, False])
@pytest.mark.parametrize("seed", range(3))
def test_time_table_on_the_eliminated_core_equals_networkx(seed, toward, monkeypatch):
    graph, reference = random_graph(seed, n=90, p=0.04)
    monkeypatch.setattr(tables, "CORE_WORK_PER_ARC", 0)  # always on the core
    rng = np.random.default_rng(seed)
    sources = points(rng.choice(87, 7, replace=False), rng.uniform(0, 20, 7))
    targets = points(np.arange(90), rng.uniform(0, 10, 90))
    table = time_table(graph, sources, targets, cutoff_s=140.0, toward_sources=toward)
    assert len(graph.__dict__["_cores"]) == 1  # the core was built and searched
    assert_table_equals_networkx(table, reference, sources, targets, 140.0, toward=toward)


def test_the_core_is_used_for_large_tables_only():
    graph = synthetic_road_graph(20_000, seed=3)
    rng = np.random.default_rng(0)
    few, many = (np.unique(rng.choice(graph.n_nodes, k, replace=False)) for k in (5, 2000))
    assert not tables._core_pays(graph, few, 1800.0)
    assert not tables._core_pays(graph, many, 30.0)  # a 30-s reach: a handful of nodes each
    assert tables._core_pays(graph, many, 2700.0)


def road_table_case(seed: int = 4):
    graph = synthetic_road_graph(15_000, seed=seed)
    rng = np.random.default_rng(seed)
    sources = Snapped(rng.choice(graph.n_nodes, 300, replace=False), np.zeros(300), rng.uniform(0, 120, 300))
    targets = Snapped(rng.choice(graph.n_nodes, 400, replace=False), np.zeros(400), rng.uniform(0, 60, 400))
    return graph, sources, targets


@pytest.mark.parametrize("make_executor", [
    lambda: ThreadPoolExecutor(2),
    lambda: ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")),  # fresh interpreters
], ids=["threads", "processes"])
def test_partitions_on_an_executor_give_the_table_searched_here(make_executor, monkeypatch):
    graph, sources, targets = road_table_case()
    monkeypatch.setattr(tables, "BLOCK_BYTES", 2**20)  # many partitions, each its own window
    monkeypatch.setattr(tables, "PARTITIONS_IN_FLIGHT", 3)
    here = time_table(graph, sources, targets, cutoff_s=400.0)
    with make_executor() as executor:
        there = time_table(graph, sources, targets, cutoff_s=400.0, executor=executor)
    assert len(here) > 500 and there.equals(here)
    # and the same as plain bounded Dijkstra on the whole graph, legs added
    dist = dijkstra(graph.reversed_time_s, indices=sources.node)[:, targets.node]
    total = dist + sources.leg_s[:, None] + targets.leg_s[None, :]
    source, target = np.nonzero(total <= 400.0)
    assert list(zip(here.source, here.target)) == list(zip(source.tolist(), target.tolist()))
    np.testing.assert_allclose(here.time_s, total[source, target], rtol=1e-12)


def test_partitions_on_a_dask_cluster_give_the_table_searched_here(monkeypatch):
    distributed = pytest.importorskip("distributed")
    graph, sources, targets = road_table_case(5)
    monkeypatch.setattr(tables, "BLOCK_BYTES", 2**20)
    here = time_table(graph, sources, targets, cutoff_s=400.0)
    from conum_geo.national.runner import QUIET_CLUSTER

    with distributed.Client(n_workers=1, threads_per_worker=2, processes=False, **QUIET_CLUSTER) as client:
        there = time_table(graph, sources, targets, cutoff_s=400.0, executor=client.get_executor())
    assert there.equals(here)
