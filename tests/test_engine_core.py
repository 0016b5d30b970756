"""The scipy engine against networkx's Dijkstra on seeded random directed graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from conum_geo.engine import Snapped, nearest_source, snap, time_table
from conum_geo.network.graph import RoadGraph


def random_graph(seed: int, n: int = 80, p: float = 0.04) -> tuple[RoadGraph, nx.DiGraph]:
    """A sparse random digraph (some nodes unreachable) as RoadGraph and networkx DiGraph."""
    rng = np.random.default_rng(seed)
    mask = rng.random((n, n)) < p
    np.fill_diagonal(mask, False)
    mask[-3:, :] = mask[:, -3:] = False  # three isolated nodes: always unreachable
    rows, cols = np.nonzero(mask)
    weights = rng.uniform(1.0, 100.0, len(rows))
    matrix = sp.csr_matrix((weights, (rows, cols)), shape=(n, n))
    reference = nx.DiGraph()
    reference.add_nodes_from(range(n))
    reference.add_weighted_edges_from(zip(rows.tolist(), cols.tolist(), weights.tolist()))
    graph = RoadGraph(x=rng.uniform(0, 1e4, n), y=rng.uniform(0, 1e4, n), time_s=matrix, source="test")
    return graph, reference


def points(nodes, legs) -> Snapped:
    nodes, legs = np.asarray(nodes), np.asarray(legs, dtype=float)
    return Snapped(node=nodes, leg_m=legs * 5.0, leg_s=legs)


def expected_nearest(reference: nx.DiGraph, sources: Snapped, targets: Snapped, toward: bool):
    """min over sources of leg_source + path + leg_target, computed source by source."""
    graph = reference.reverse(copy=True) if toward else reference
    best = np.full(len(targets), np.inf)
    for node, leg in zip(sources.node, sources.leg_s):
        lengths = nx.single_source_dijkstra_path_length(graph, int(node), weight="weight")
        for t, (target, target_leg) in enumerate(zip(targets.node, targets.leg_s)):
            if int(target) in lengths:
                best[t] = min(best[t], leg + lengths[int(target)] + target_leg)
    return best


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("toward", [True, False])
def test_nearest_source_equals_networkx(seed, toward):
    graph, reference = random_graph(seed)
    rng = np.random.default_rng(100 + seed)
    sources = points(rng.choice(graph.n_nodes - 3, 5, replace=False), rng.uniform(0, 30, 5))
    targets = points(np.arange(graph.n_nodes), rng.uniform(0, 10, graph.n_nodes))

    time_s, source_index = nearest_source(graph, sources, targets, toward_sources=toward)

    expected = expected_nearest(reference, sources, targets, toward)
    unreachable = ~np.isfinite(expected)
    assert unreachable[-3:].all()
    assert np.isnan(time_s[unreachable]).all()
    assert (source_index[unreachable] == -1).all()
    np.testing.assert_allclose(time_s[~unreachable], expected[~unreachable], rtol=1e-9)
    # The reported source achieves the minimum on its own.
    for t in np.flatnonzero(~unreachable)[:20]:
        alone = Snapped(*(a[[source_index[t]]] for a in (sources.node, sources.leg_m, sources.leg_s)))
        own = expected_nearest(reference, alone, points([targets.node[t]], [targets.leg_s[t]]), toward)
        assert own[0] == pytest.approx(time_s[t], rel=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_time_table_equals_networkx_within_cutoff(seed):
    graph, reference = random_graph(seed, n=60, p=0.06)
    rng = np.random.default_rng(seed)
    sources = points(rng.choice(60, 4, replace=False), rng.uniform(0, 20, 4))
    targets = points(np.arange(60), np.zeros(60))
    cutoff_s = 150.0

    table = time_table(graph, sources, targets, cutoff_s=cutoff_s, toward_sources=True, chunk=3)

    got = {(int(r.source), int(r.target)): r.time_s for r in table.itertuples()}
    expected = {}
    for i in range(len(sources)):
        one = Snapped(*(a[[i]] for a in (sources.node, sources.leg_m, sources.leg_s)))
        times = expected_nearest(reference, one, targets, toward=True)
        expected.update({(i, t): v for t, v in enumerate(times) if v <= cutoff_s})
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-9)


def test_no_source_gives_nan_everywhere():
    graph, _ = random_graph(0)
    time_s, index = nearest_source(graph, points([], []), points([0, 1], [0, 0]))
    assert np.isnan(time_s).all() and (index == -1).all()


def test_snap_uses_only_the_largest_strongly_connected_component():
    # Nodes 0-1-2 form a cycle; node 3 is a dead end right next to the query point.
    matrix = sp.csr_matrix(([1.0, 1.0, 1.0, 1.0], ([0, 1, 2, 2], [1, 2, 0, 3])), shape=(4, 4))
    graph = RoadGraph(x=np.array([0.0, 1000, 2000, 5000]), y=np.zeros(4), time_s=matrix, source="test")
    snapped = snap(graph, [4900.0], [0.0], speed_kmh=36.0)
    assert snapped.node.tolist() == [2]
    assert snapped.leg_m[0] == pytest.approx(2900.0)
    assert snapped.leg_s[0] == pytest.approx(290.0)  # 2,900 m at 10 m/s
