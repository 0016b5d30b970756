"""Engine times equal networkx's Dijkstra, node by node: seeded synthetic road graphs and the
real Saint-Barthélemy OSM extract (graph built from the raw file independently of conum_geo)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import scipy.sparse as sp
from helpers_network import SAINT_BARTHELEMY, at_nodes, graph_to_networkx, osm_reference, reference_times

from conum_geo.analysis.engine import bounded_searches, group_time_table, nearest_source, snap, sweep, time_table
from conum_geo.network.osm import read_pbf
from conum_geo.network.speeds import DEFAULT_SPEEDS
from conum_geo.network.synthetic import synthetic_road_graph


@pytest.fixture(scope="module", params=[0, 1, 2])
def synthetic(request):
    graph = synthetic_road_graph(2500, seed=request.param)
    return graph, graph_to_networkx(graph), np.random.default_rng(request.param)


def test_synthetic_graph_is_road_like():
    graph = synthetic_road_graph(40_000, seed=0)
    assert 2.2 < graph.n_arcs / graph.n_nodes < 2.6
    assert graph.largest_scc.mean() > 0.8
    # Arc speeds are the three classes' (straight speed ≤ class speed).
    tail, head, time_s = graph.arcs()
    kmh = np.hypot(graph.x[head] - graph.x[tail], graph.y[head] - graph.y[tail]) / time_s * 3.6
    assert kmh.max() <= 110.0 + 1e-9 and kmh.min() > 40.0 / 1.4 / 1.5


@pytest.mark.parametrize("toward", [True, False])
def test_sweep_time_of_every_node_equals_networkx(synthetic, toward):
    graph, reference, rng = synthetic
    nodes = rng.choice(graph.n_nodes, 12, replace=False)
    legs = rng.uniform(0, 120, 12)

    time_s, origin = sweep(graph, at_nodes(nodes, legs), toward_sources=toward)

    expected = reference_times(reference, nodes, legs, toward=toward)
    reached = np.isfinite(time_s)
    assert set(np.flatnonzero(reached)) == set(expected)
    got = time_s[reached]
    np.testing.assert_allclose(got, [expected[n] for n in np.flatnonzero(reached)], rtol=1e-12, atol=1e-9)
    assert (origin[~reached] == -1).all()
    # The reported source reaches the node in exactly that time.
    for node in rng.choice(np.flatnonzero(reached), 10, replace=False):
        k = origin[node]
        alone = reference_times(reference, nodes[[k]], legs[[k]], toward=toward)
        assert alone[node] == pytest.approx(time_s[node], rel=1e-12)


def test_nearest_source_adds_target_legs_and_reports_unreachable(synthetic):
    graph, reference, rng = synthetic
    sources = snap(graph, rng.uniform(0, graph.x.max(), 8), rng.uniform(0, graph.y.max(), 8), speed_kmh=20)
    targets = at_nodes(np.arange(graph.n_nodes), rng.uniform(0, 50, graph.n_nodes))

    time_s, index = nearest_source(graph, sources, targets, toward_sources=True)

    # The sites split their roads: trips arrive at them by either end their one-ways allow.
    _, nodes, legs, _ = sources.attachments(leaving=False)
    assert len(nodes) > len(sources)
    expected = reference_times(reference, nodes, legs, toward=True)
    want = np.array([expected.get(n, np.inf) for n in range(graph.n_nodes)]) + targets.leg_s
    assert np.array_equal(np.isnan(time_s), ~np.isfinite(want))
    assert (index[np.isnan(time_s)] == -1).all()
    np.testing.assert_allclose(time_s[np.isfinite(want)], want[np.isfinite(want)], rtol=1e-12)


@pytest.mark.parametrize("toward", [True, False])
def test_time_table_with_spatial_blocks_equals_networkx(synthetic, toward):
    graph, reference, rng = synthetic
    cutoff_s = 240.0
    nodes = rng.choice(graph.n_nodes, 25, replace=False)
    nodes[1] = nodes[0]  # two sources on one node
    sources = at_nodes(nodes, rng.uniform(0, 40, 25))
    targets = at_nodes(rng.choice(graph.n_nodes, 300, replace=False), rng.uniform(0, 20, 300))

    # Small blocks: the searches run on windows of the graph, not the whole graph.
    windows = [len(n) for _, n, _ in bounded_searches(graph, sources, cutoff_s=cutoff_s, chunk=4,
                                                      toward_sources=toward)]
    assert min(windows) < graph.n_nodes
    table = time_table(graph, sources, targets, cutoff_s=cutoff_s, toward_sources=toward, chunk=4)

    expected = {}
    for i, (node, leg) in enumerate(zip(sources.node, sources.leg_s)):
        times = reference_times(reference, [node], [leg], toward=toward, cutoff=cutoff_s)
        for j, (target, target_leg) in enumerate(zip(targets.node, targets.leg_s)):
            if target in times and times[target] + target_leg <= cutoff_s:
                expected[(i, j)] = times[target] + target_leg
    got = {(int(r.source), int(r.target)): r.time_s for r in table.itertuples()}
    assert got.keys() == expected.keys()
    np.testing.assert_allclose([got[k] for k in expected], list(expected.values()), rtol=1e-12)
    assert table.equals(time_table(graph, sources, targets, cutoff_s=cutoff_s, toward_sources=toward))


@pytest.mark.parametrize("toward", [True, False])
def test_group_time_table_is_the_nearest_member_of_each_group_by_networkx(synthetic, toward):
    graph, reference, rng = synthetic
    cutoff_s = 200.0
    nodes = rng.choice(graph.n_nodes, 10, replace=False)
    nodes[1] = nodes[0]  # two sources of a group on one node, with different legs
    sources = at_nodes(nodes, rng.uniform(0, 40, 10))
    targets = at_nodes(rng.choice(graph.n_nodes, 400, replace=False), rng.uniform(0, 20, 400))
    # Groups sharing a source, a group of one, an empty group.
    members = [[0, 1, 2, 3], [3, 4], [5], [], [6, 7, 8, 9, 0]]
    groups = sp.csr_matrix((np.ones(sum(map(len, members))),
                            (np.repeat(np.arange(len(members)), [len(m) for m in members]),
                             np.concatenate(members).astype(int))), shape=(len(members), 10))

    group, target, time_s = group_time_table(graph, sources, groups, targets, cutoff_s=cutoff_s,
                                             toward_sources=toward)

    per_source = [reference_times(reference, [n], [leg], toward=toward, cutoff=cutoff_s)
                  for n, leg in zip(sources.node, sources.leg_s)]
    expected = {}
    for g, sources_of_group in enumerate(members):
        for j, (node, leg) in enumerate(zip(targets.node, targets.leg_s)):
            best = min((per_source[i].get(node, np.inf) for i in sources_of_group), default=np.inf) + leg
            if best <= cutoff_s:
                expected[(g, j)] = best
    got = dict(zip(zip(group.tolist(), target.tolist()), time_s))
    assert got.keys() == expected.keys() and not any(g == 3 for g, _ in got)
    np.testing.assert_allclose([got[k] for k in expected], list(expected.values()), rtol=1e-12)
    assert list(zip(group, target)) == sorted(zip(group, target))


def test_time_table_names_its_columns_with_ids(synthetic):
    graph, _, rng = synthetic
    sources, targets = at_nodes([3, 7]), at_nodes([3, 7, 11])
    table = time_table(graph, sources, targets, cutoff_s=1e6, source_ids=np.array(["a", "b"]),
                       target_ids=np.array(["58001", "58002", "58003"]), names=("site_id", "code_insee"))
    assert list(table.columns) == ["site_id", "code_insee", "time_s"]
    assert table.loc[(table.site_id == "a") & (table.code_insee == "58001"), "time_s"].item() == 0.0


def test_concurrent_sweeps_do_not_mix_sources(synthetic):
    graph, reference, rng = synthetic
    groups = [rng.choice(graph.n_nodes, 5, replace=False) for _ in range(4)]
    results = [None] * len(groups)

    def run(i):
        for _ in range(5):
            results[i] = sweep(graph, at_nodes(groups[i]))[0]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(groups))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for nodes, got in zip(groups, results):
        expected = reference_times(reference, nodes, np.zeros(len(nodes)), toward=True)
        node = next(iter(expected))
        assert got[node] == pytest.approx(expected[node], rel=1e-12)
        np.testing.assert_allclose(got[list(expected)], list(expected.values()), rtol=1e-12)


# Real OSM extract ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def saint_barthelemy(shared_data):
    pytest.importorskip("osmium")
    path = shared_data / SAINT_BARTHELEMY
    graph = read_pbf(path)
    return graph, osm_reference(path, graph.crs, DEFAULT_SPEEDS)


@pytest.mark.shared_data
@pytest.mark.parametrize("toward", [True, False])
def test_real_osm_times_equal_networkx_on_the_raw_ways(saint_barthelemy, toward):
    graph, reference = saint_barthelemy
    rng = np.random.default_rng(4)
    nodes = rng.choice(np.flatnonzero(graph.largest_scc), 3, replace=False)
    legs = np.array([0.0, 15.0, 40.0])

    time_s, _ = sweep(graph, at_nodes(nodes, legs), toward_sources=toward)

    # networkx on the unsimplified ways, keyed by OSM node id.
    expected = reference_times(reference, graph.node_id[nodes], legs, toward=toward)
    reached = np.isfinite(time_s)
    assert reached.mean() > 0.9
    assert {int(i) for i in graph.node_id[reached]} == {i for i in expected if i in set(graph.node_id.tolist())}
    np.testing.assert_allclose(time_s[reached], [expected[int(i)] for i in graph.node_id[reached]],
                               rtol=1e-9, atol=1e-2)


@pytest.mark.shared_data
def test_real_osm_time_table_equals_networkx(saint_barthelemy):
    graph, reference = saint_barthelemy
    rng = np.random.default_rng(5)
    scc = np.flatnonzero(graph.largest_scc)
    sources, targets = at_nodes(rng.choice(scc, 6, replace=False)), at_nodes(rng.choice(scc, 200, replace=False))
    cutoff_s = 300.0

    table = time_table(graph, sources, targets, cutoff_s=cutoff_s, chunk=2)

    tolerance = 1e-2  # the reference sums segment by segment: float noise, far below this
    for i, node in enumerate(sources.node):
        times = reference_times(reference, [graph.node_id[node]], [0.0], toward=True)
        want = np.array([times.get(int(graph.node_id[t]), np.inf) for t in targets.node])
        got = table.loc[table.source == i].set_index("target")["time_s"]
        inside = np.flatnonzero(want <= cutoff_s - tolerance)
        outside = np.flatnonzero(want > cutoff_s + tolerance)
        assert set(inside) <= set(got.index) and not set(outside) & set(got.index)
        np.testing.assert_allclose(got.loc[inside].to_numpy(), want[inside], rtol=1e-9, atol=tolerance)
