"""A point projected onto a road splits it: it joins both ends, each at its direction's speed,
and every search (sweep, nearest, tables, group tables, bounded searches, route lengths)
takes the faster end. Hand-computed on a 10 km road whose two directions differ."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from conum_geo.analysis.engine import Snapped, bounded_searches, group_time_table, nearest_source, snap, time_table
from conum_geo.analysis.routes import route_lengths_m
from conum_geo.network.graph import RoadGraph

OFF_ROAD_KMH = 18.0  # 5 m/s: 40 m off the road is 8 s


def road(one_way: bool = False) -> RoadGraph:
    """A (0, 0) — B (10 km, 0): A → B 500 s, B → A 1,000 s (none when ``one_way``); then
    B ⇄ C (10 km, 500 m) 60 s each way."""
    arcs = [(0, 1, 500.0), (1, 2, 60.0), (2, 1, 60.0)] + ([] if one_way else [(1, 0, 1000.0)])
    if one_way:
        arcs.append((2, 0, 5000.0))  # a slow way back so that the graph stays strongly connected
    tail, head, time_s = (np.array(v) for v in zip(*arcs))
    return RoadGraph(x=np.array([0.0, 10_000.0, 10_000.0]), y=np.array([0.0, 0.0, 500.0]), source="test",
                     time_s=sp.csr_matrix((time_s, (tail, head)), shape=(3, 3)))


def site_on_the_road(graph: RoadGraph) -> Snapped:
    return snap(graph, [3000.0], [40.0], speed_kmh=OFF_ROAD_KMH)  # 3 km from A, 40 m off


def at_c() -> Snapped:
    return Snapped(node=np.array([2]), leg_m=np.zeros(1), leg_s=np.zeros(1))


def test_the_point_joins_both_ends_at_each_directions_speed():
    site = site_on_the_road(road())
    assert site.ends.tolist() == [[0, 1]] and site.road_m == pytest.approx([40.0])
    # leaving: to A against A → B's direction, 3 km at 0.1 s/m; to B 7 km at 0.05 s/m
    assert site.leave_s[0] == pytest.approx([8.0 + 300.0, 8.0 + 350.0])
    assert site.arrive_s[0] == pytest.approx([150.0 + 8.0, 700.0 + 8.0])
    assert site.ends_m[0] == pytest.approx([3040.0, 7040.0])
    assert site.node.tolist() == [0] and site.leg_m == pytest.approx([3040.0])  # the nearer end


def test_a_one_way_road_is_left_and_joined_the_one_way_only():
    site = site_on_the_road(road(one_way=True))
    assert site.leave_s[0] == pytest.approx([np.inf, 358.0])
    assert site.arrive_s[0] == pytest.approx([158.0, np.inf])
    point, node, leg_s, _ = site.attachments(leaving=True)
    assert point.tolist() == [0] and node.tolist() == [1] and leg_s == pytest.approx([358.0])


def test_tables_take_the_faster_end_of_the_split_road():
    graph = road()
    site = site_on_the_road(graph)
    # C → site: C → B 60 s, then B → site 708 s (not C → B → A 1,060 s, then A → site 158 s)
    to_site = time_table(graph, site, at_c(), cutoff_s=3600.0, toward_sources=True)
    assert to_site["time_s"].tolist() == pytest.approx([768.0])
    # site → C: site → B 358 s, then 60 s (not site → A 308 s, A → B 500 s, then 60 s)
    from_site = time_table(graph, site, at_c(), cutoff_s=3600.0, toward_sources=False)
    assert from_site["time_s"].tolist() == pytest.approx([418.0])
    assert time_table(graph, site, at_c(), cutoff_s=767.0, toward_sources=True).empty
    time_s, index = nearest_source(graph, site, at_c(), toward_sources=True)
    assert time_s == pytest.approx([768.0]) and index.tolist() == [0]
    group, target, group_s = group_time_table(graph, site, sp.csr_matrix(np.ones((1, 1))), at_c(),
                                              cutoff_s=3600.0, toward_sources=False)
    assert group.tolist() == [0] and target.tolist() == [0] and group_s == pytest.approx([418.0])
    # the commune may split a road too: C's own point, 300 m up B — C (60 s for 500 m)
    commune = snap(graph, [10_000.0], [200.0], speed_kmh=OFF_ROAD_KMH)
    assert commune.leave_s[0] == pytest.approx([200.0 * 0.12, 300.0 * 0.12])
    table = time_table(graph, site, commune, cutoff_s=3600.0, toward_sources=True)
    assert table["time_s"].tolist() == pytest.approx([24.0 + 708.0])


def test_bounded_searches_give_each_node_its_faster_end():
    graph = road()
    site = site_on_the_road(graph)
    ((positions, nodes, time_s),) = list(bounded_searches(graph, site, cutoff_s=3600.0, toward_sources=False))
    assert positions.tolist() == [0] and nodes.tolist() == [0, 1, 2]
    assert time_s[0] == pytest.approx([308.0, 358.0, 418.0])


def test_route_lengths_follow_the_faster_end():
    graph = road()
    site = site_on_the_road(graph)
    # site → C leaves by B: 40 m off road, 7 km along, then B → C
    out = route_lengths_m(graph, site, at_c(), [0], [0], toward_sources=False)
    assert out == pytest.approx([40.0 + 7000.0 + 500.0])
    one_way = road(one_way=True)
    site = site_on_the_road(one_way)
    # C → site on the one-way road must come in from A: C → A, then 3 km along and 40 m off
    back = route_lengths_m(one_way, site, at_c(), [0], [0], toward_sources=True)
    assert back == pytest.approx([np.hypot(10_000.0, 500.0) + 3000.0 + 40.0])
