"""The scipy engine against networkx's Dijkstra on seeded random directed graphs."""

from __future__ import annotations

from itertools import pairwise

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from conum_geo.analysis.engine import Snapped, bounded_searches, nearest_source, partitions, snap, time_table
from conum_geo.network.contract import contract_chains, core_of, mostly_chains, pass_through
from conum_geo.network.graph import RoadGraph
from conum_geo.network.synthetic import synthetic_road_graph


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


def assert_table_equals_networkx(table, reference, sources, targets, cutoff_s, toward):
    """``table`` holds exactly the pairs within ``cutoff_s``, at networkx's times (rtol 1e-9)."""
    got = {(int(r.source), int(r.target)): r.time_s for r in table.itertuples()}
    expected = {}
    for i in range(len(sources)):
        one = Snapped(*(a[[i]] for a in (sources.node, sources.leg_m, sources.leg_s)))
        times = expected_nearest(reference, one, targets, toward=toward)
        expected.update({(i, t): v for t, v in enumerate(times) if v <= cutoff_s})
    assert got.keys() == expected.keys()
    np.testing.assert_allclose([got[k] for k in expected], list(expected.values()), rtol=1e-9)


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

    assert_table_equals_networkx(table, reference, sources, targets, cutoff_s, toward=True)


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


def line_graph() -> RoadGraph:
    """0 — 1 — 2 — 3, 100 m apart, 10 s per arc both ways."""
    rows, cols = [0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]
    matrix = sp.csr_matrix(([10.0] * 6, (rows, cols)), shape=(4, 4))
    return RoadGraph(x=np.arange(4) * 100.0, y=np.zeros(4), time_s=matrix, source="test")


def test_time_table_by_hand_sources_sharing_a_node_and_out_of_reach():
    # Three sources on node 0 (legs 0, 5, 30 s), one on node 3 whose leg alone exceeds the cutoff.
    sources = points([0, 0, 0, 3], [0.0, 5.0, 30.0, 200.0])
    targets = points([0, 1, 2, 3], [0.0, 0.0, 0.0, 2.0])

    table = time_table(line_graph(), sources, targets, cutoff_s=35.0, toward_sources=False)

    expected = [(0, 0, 0.0), (0, 1, 10.0), (0, 2, 20.0), (0, 3, 32.0),
                (1, 0, 5.0), (1, 1, 15.0), (1, 2, 25.0),
                (2, 0, 30.0)]
    assert list(table.itertuples(index=False, name=None)) == expected


def test_time_table_keeps_a_pair_exactly_at_the_cutoff():
    # 7.5 + 3 × 10 + 2.5 = 40 s: the bound is inclusive, legs of both ends included.
    table = time_table(line_graph(), points([0], [7.5]), points([3], [2.5]), cutoff_s=40.0)
    assert table["time_s"].tolist() == [40.0]
    # Here cutoff − target leg − source leg is 121.76999999999998 in floats, short of the
    # 121.77 s arc, although 121.77 + (33.27 + 72.15) == cutoff: the pair is kept all the same.
    graph = RoadGraph(x=np.array([0.0, 100.0]), y=np.zeros(2), source="test",
                      time_s=sp.csr_matrix(([121.77, 121.77], ([0, 1], [1, 0])), shape=(2, 2)))
    cutoff_s = 121.77 + (33.27 + 72.15)
    table = time_table(graph, points([0], [33.27]), points([1], [72.15]), cutoff_s=cutoff_s)
    assert table["time_s"].tolist() == [cutoff_s]


@pytest.mark.parametrize("seed", range(3))
def test_time_table_is_the_same_in_one_call_or_one_call_per_source(seed, monkeypatch):
    graph, reference = random_graph(seed, n=60, p=0.06)
    rng = np.random.default_rng(seed)
    nodes = rng.choice(57, 6, replace=False)
    nodes[2] = nodes[1]
    sources = points(nodes, rng.uniform(0, 40, 6))
    targets = points(np.arange(60), rng.uniform(0, 15, 60))

    together = time_table(graph, sources, targets, cutoff_s=150.0)
    monkeypatch.setattr(partitions, "CALL_BYTES", 1)  # one source node per dijkstra call
    alone = time_table(graph, sources, targets, cutoff_s=150.0)

    assert together.equals(alone)
    for i in range(len(sources)):
        one = Snapped(*(a[[i]] for a in (sources.node, sources.leg_m, sources.leg_s)))
        want = expected_nearest(reference, one, targets, toward=True)
        got = together.loc[together.source == i].set_index("target")["time_s"]
        assert set(got.index) == set(np.flatnonzero(want <= 150.0))
        np.testing.assert_allclose(got.to_numpy(), want[got.index], rtol=1e-12)


def test_bounded_searches_give_one_row_per_source_inf_beyond_the_cutoff():
    graph, reference = random_graph(1)
    sources = points([4, 4, 9], [0.0, 25.0, 10.0])
    cutoff_s = 120.0

    seen = []
    for positions, nodes, time_s in bounded_searches(graph, sources, cutoff_s=cutoff_s, toward_sources=False):
        for position, row in zip(positions, time_s):
            seen.append(int(position))
            one = Snapped(*(a[[position]] for a in (sources.node, sources.leg_m, sources.leg_s)))
            want = expected_nearest(reference, one, points(nodes, np.zeros(len(nodes))), toward=False)
            want[want > cutoff_s] = np.inf
            np.testing.assert_allclose(row, want, rtol=1e-12)
    assert sorted(seen) == [0, 1, 2]


def test_node_counter_bounds_the_nodes_in_any_box():
    graph, _ = random_graph(2, n=500)
    count = partitions.NodeCounter(graph, bins=8)
    rng = np.random.default_rng(0)
    for _ in range(200):
        x0, x1 = np.sort(rng.uniform(-1e3, 11e3, 2))
        y0, y1 = np.sort(rng.uniform(-1e3, 11e3, 2))
        inside = ((graph.x >= x0) & (graph.x <= x1) & (graph.y >= y0) & (graph.y <= y1)).sum()
        assert inside <= count(x0, x1, y0, y1) <= graph.n_nodes
    assert count(-1e9, 1e9, -1e9, 1e9) == graph.n_nodes


# Chain contraction ------------------------------------------------------------------------


def chained_graph(seed: int) -> tuple[RoadGraph, nx.DiGraph]:
    """``random_graph`` with every arc cut into 1-5 pieces (one-way arcs → one-way chains, arcs
    both ways → two-way chains sharing their nodes, times differing by direction), plus a
    one-way and a two-way ring of pass-through nodes alone, and a one-way and a two-way loop
    of pass-through nodes hanging from node 0, and parallel chains between nodes 1, 2, 3."""
    base, _ = random_graph(seed, n=40, p=0.08)
    rng = np.random.default_rng(seed)
    tail, head, _ = base.arcs()
    x, y = list(base.x), list(base.y)
    arcs: list[tuple[int, int, float]] = []

    def new_node() -> int:
        x.append(rng.uniform(0, 1e4))
        y.append(rng.uniform(0, 1e4))
        return len(x) - 1

    def chain(nodes, both_ways):
        for a, b in pairwise(nodes):
            arcs.append((a, b, float(rng.uniform(1, 30))))
            if both_ways:
                arcs.append((b, a, float(rng.uniform(1, 30))))

    pairs = set(zip(tail.tolist(), head.tolist()))
    for a, b in sorted(pairs):
        if (b, a) in pairs and b < a:
            continue
        inner = [new_node() for _ in range(rng.integers(0, 5))]
        chain([a, *inner, b], both_ways=(b, a) in pairs)
    ring = [new_node() for _ in range(5)]
    chain(ring + ring[:1], both_ways=False)
    ring = [new_node() for _ in range(5)]
    chain(ring + ring[:1], both_ways=True)
    for _ in range(3):  # parallel chains 1 → 2, of 1 and 2 pass-through nodes, and 2 ⇄ 3
        chain([1, new_node(), 2], both_ways=False)
        chain([1, new_node(), new_node(), 2], both_ways=False)
        chain([2, new_node(), 3], both_ways=True)
    chain([0, new_node(), new_node(), 0], both_ways=False)
    chain([0, new_node(), new_node(), new_node(), 0], both_ways=True)
    rows, cols, weights = map(np.array, zip(*arcs))
    n = len(x)
    graph = RoadGraph(x=np.array(x), y=np.array(y), source="test",
                      time_s=sp.csr_matrix((weights, (rows.astype(int), cols.astype(int))), shape=(n, n)))
    reference = nx.DiGraph()
    reference.add_nodes_from(range(n))
    reference.add_weighted_edges_from(zip(rows.astype(int).tolist(), cols.astype(int).tolist(), weights.tolist()))
    return graph, reference


def test_pass_through_nodes_by_hand():
    # 0 → 1 → 2 one way; 2 — 3 — 4 both ways; 4 → 5 → 4 (5: same neighbour both ways, a dead
    # end); 4 → 6 (6: only predecessors); 2 → 0 → 6 (0: two successors).
    arcs = [(0, 1), (1, 2), (2, 3), (3, 2), (3, 4), (4, 3), (4, 5), (5, 4), (4, 6), (2, 0), (0, 6)]
    rows, cols = zip(*arcs)
    graph = RoadGraph(x=np.arange(7.0), y=np.zeros(7), source="test",
                      time_s=sp.csr_matrix((np.ones(len(arcs)), (rows, cols)), shape=(7, 7)))
    through, _ = pass_through(graph)
    assert np.flatnonzero(through).tolist() == [1, 3]
    core = contract_chains(graph, np.array([], dtype=np.int64))
    assert core.nodes.tolist() == [0, 2, 4, 5, 6]
    assert core.graph.time_s[core.index_of(0), core.index_of(2)] == 2.0
    assert core.graph.time_s[core.index_of(4), core.index_of(2)] == 2.0
    # Keeping node 3 (a source or target in the middle of the chain) splits the chain there.
    assert contract_chains(graph, np.array([3])).nodes.tolist() == [0, 2, 3, 4, 5, 6]


def test_only_graphs_made_mostly_of_chains_are_contracted():
    assert mostly_chains(chained_graph(0)[0])
    assert not mostly_chains(random_graph(0)[0])
    assert not mostly_chains(synthetic_road_graph(2500, seed=0))  # ≈ 30 % pass-through


def test_core_is_cached_per_set_of_kept_nodes():
    graph, _ = chained_graph(0)
    first = core_of(graph, np.array([5, 3, 3]))
    assert core_of(graph, np.array([3, 5])) is first
    other = core_of(graph, np.array([3, 6]))
    assert other is not first and {3, 6} <= set(other.nodes.tolist())


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("toward", [True, False])
def test_time_table_on_contracted_chains_equals_networkx(seed, toward):
    graph, reference = chained_graph(seed)
    assert mostly_chains(graph)  # mostly chains: time_table runs on the core
    rng = np.random.default_rng(seed)
    # Sources and targets anywhere, many in the middle of chains or on the rings.
    sources = points(rng.choice(graph.n_nodes, 8, replace=False), rng.uniform(0, 10, 8))
    targets = points(rng.choice(graph.n_nodes, 60, replace=False), rng.uniform(0, 5, 60))
    cutoff_s = 90.0

    table = time_table(graph, sources, targets, cutoff_s=cutoff_s, toward_sources=toward)

    assert core_of(graph, np.concatenate([sources.node, targets.node])).graph.n_nodes < 0.7 * graph.n_nodes
    assert_table_equals_networkx(table, reference, sources, targets, cutoff_s, toward=toward)


def test_time_table_keeps_a_pair_in_the_middle_of_chains_exactly_at_the_cutoff():
    # A two-way line 0 — 1 — ... — 9, 10 s per arc, and a one-way line 10 → ... → 19 joined to
    # it at both ends: source and targets in the middle of chains.
    rows, cols = [*range(9), *range(1, 10), *range(10, 19), 9, 19], [*range(1, 10), *range(9), *range(11, 20), 10, 0]
    graph = RoadGraph(x=np.arange(20) * 100.0, y=np.zeros(20), source="test",
                      time_s=sp.csr_matrix((np.full(len(rows), 10.0), (rows, cols)), shape=(20, 20)))
    sources, targets = points([3], [2.5]), points([7, 14, 1], [7.5, 0.0, 0.0])
    table = time_table(graph, sources, targets, cutoff_s=50.0, toward_sources=False)
    assert list(table.itertuples(index=False, name=None)) == [(0, 0, 50.0), (0, 2, 22.5)]
    table = time_table(graph, sources, targets, cutoff_s=112.5, toward_sources=False)
    assert list(table.itertuples(index=False, name=None)) == [(0, 0, 50.0), (0, 1, 112.5), (0, 2, 22.5)]
    table = time_table(graph, sources, targets, cutoff_s=112.4, toward_sources=False)
    assert list(table.itertuples(index=False, name=None)) == [(0, 0, 50.0), (0, 2, 22.5)]
