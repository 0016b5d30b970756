"""Lengths of the fastest routes, against networkx's paths on the same graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from helpers_network import graph_to_networkx

from conum_geo.analysis.engine import Snapped
from conum_geo.analysis.routes import route_lengths_m
from conum_geo.network.graph import RoadGraph


def _graph(x, y, arcs, **kwargs) -> RoadGraph:
    tail, head, time_s = (np.array(v) for v in zip(*arcs))
    n = len(x)
    return RoadGraph(x=np.array(x, float), y=np.array(y, float),
                     time_s=sp.csr_matrix((time_s.astype(float), (tail, head)), shape=(n, n)), source="test", **kwargs)


def _points(nodes, legs=None):
    nodes = np.asarray(nodes)
    legs = np.zeros(len(nodes)) if legs is None else np.asarray(legs, float)
    return Snapped(node=nodes, leg_m=legs, leg_s=legs / 10.0)


def test_the_fastest_route_is_measured_not_the_shortest():
    # A → B direct: 1 km in 100 s; A → C → B: 2 × 2.06 km in 60 s (the fastest)
    graph = _graph([0, 1000, 500], [0, 0, 2000], [(0, 1, 100.0), (0, 2, 30.0), (2, 1, 30.0), (1, 0, 100.0)])
    out = route_lengths_m(graph, _points([0]), _points([1], [50.0]), [0], [0], toward_sources=False)
    assert out[0] == pytest.approx(2 * np.hypot(500, 2000) + 50.0)
    back = route_lengths_m(graph, _points([0]), _points([1]), [0], [0], toward_sources=True)
    assert back[0] == pytest.approx(1000.0)  # B → A has only the direct arc


def test_the_proxy_detour_factor_and_unreachable_targets():
    graph = _graph([0, 1000, 5000], [0, 0, 0], [(0, 1, 60.0), (1, 0, 60.0)], provenance={"detour_factor": 1.3})
    out = route_lengths_m(graph, _points([0]), _points([1, 2]), [0, 0], [0, 1], toward_sources=False)
    assert out[0] == pytest.approx(1300.0) and np.isnan(out[1])


def test_random_graphs_equal_networkx_paths():
    rng = np.random.default_rng(7)
    for _ in range(5):
        n = 60
        x, y = rng.uniform(0, 10_000, n), rng.uniform(0, 10_000, n)
        pairs = {(int(a), int(b)) for a, b in rng.integers(0, n, (240, 2)) if a != b}
        arcs = [(a, b, float(np.hypot(x[a] - x[b], y[a] - y[b]) / rng.uniform(5, 30))) for a, b in pairs]
        graph = _graph(x, y, arcs)
        reference = graph_to_networkx(graph)
        sources, targets = rng.integers(0, n, 20), rng.integers(0, n, 20)
        got = route_lengths_m(graph, _points(sources), _points(targets), np.arange(20), np.arange(20),
                              toward_sources=False)
        for k, (a, b) in enumerate(zip(sources, targets)):
            try:
                path = nx.dijkstra_path(reference, int(a), int(b), weight="weight")
            except nx.NetworkXNoPath:
                assert np.isnan(got[k])
                continue
            expected = sum(np.hypot(x[u] - x[v], y[u] - y[v]) for u, v in zip(path, path[1:]))
            assert got[k] == pytest.approx(expected, rel=1e-9, abs=1e-6)


def test_a_point_snaps_onto_the_middle_of_a_long_road():
    from conum_geo.analysis.engine import snap

    # one 2 km road A (0, 0) – B (2000, 0), 100 s each way, and a short spur B – C
    graph = _graph([0, 2000, 2000], [0, 0, 300], [(0, 1, 100.0), (1, 0, 100.0), (1, 2, 20.0), (2, 1, 20.0)])
    points = snap(graph, [600.0, 1900.0], [30.0, -40.0], speed_kmh=18.0)  # 18 km/h = 5 m/s off road
    assert points.road_m == pytest.approx([30.0, 40.0])
    assert points.node.tolist() == [0, 1]  # the nearer end of the road each lies beside
    assert points.leg_m == pytest.approx([30.0 + 600.0, 40.0 + 100.0])
    assert points.leg_s == pytest.approx([30.0 / 5.0 + 600.0 * 100.0 / 2000.0, 40.0 / 5.0 + 100.0 * 100.0 / 2000.0])
    # the proxy network keeps its node snapping (its links are not roads)
    proxy = _graph([0, 2000], [0, 0], [(0, 1, 100.0), (1, 0, 100.0)], leg_speed_kmh=np.array([30.0, 30.0]))
    node_snap = snap(proxy, [600.0], [30.0], speed_kmh=18.0)
    assert node_snap.node.tolist() == [0] and node_snap.leg_m == pytest.approx([np.hypot(600.0, 30.0)])


def test_points_far_from_every_road_are_reported():
    from types import SimpleNamespace

    import pandas as pd

    from conum_geo.analysis.coverage import FAR_FROM_ROAD_M, SnappedTerritory, far_from_roads
    from conum_geo.analysis.engine import snap

    graph = _graph([0, 2000], [0, 0], [(0, 1, 100.0), (1, 0, 100.0)])
    communes = snap(graph, [500.0, 800.0], [20.0, FAR_FROM_ROAD_M + 500.0], speed_kmh=18.0)
    sites = snap(graph, [100.0], [10.0], speed_kmh=18.0)
    territory = SimpleNamespace(communes=pd.DataFrame({"code_insee": ["58001", "58002"]}),
                                sites=pd.DataFrame({"site_id": ["s1"]}))
    (notice,) = far_from_roads(SnappedTerritory(graph=graph, sites=sites, communes=communes), territory)
    assert notice.code == "loin_des_routes" and notice.count == 1 and notice.examples == ("58002 (1500 m)",)


def test_what_the_road_graph_filled_in_or_left_out_is_a_warning():
    from types import SimpleNamespace

    import pandas as pd

    from conum_geo.analysis.coverage import SnappedTerritory, network_notices
    from conum_geo.analysis.engine import snap

    graph = _graph([0, 2000], [0, 0], [(0, 1, 100.0), (1, 0, 100.0)],
                   provenance={"ferries": 3, "ferries_without_duration": 2,
                               "turn_restrictions_skipped": {"voie intermédiaire (via way)": 4}})
    points = snap(graph, [500.0], [20.0], speed_kmh=18.0)
    territory = SimpleNamespace(communes=pd.DataFrame({"code_insee": ["58001"]}), sites=pd.DataFrame({"site_id": ["s1"]}))
    notices = network_notices(SnappedTerritory(graph=graph, sites=points, communes=points), territory)
    assert [(n.code, n.count) for n in notices] == [("bac_sans_duree", 2), ("restrictions_non_appliquees", 4)]
    from conum_geo.outputs.messages import rendered

    texts = [rendered(n).text() for n in notices]
    assert "5 km/h" in texts[0] and "voie intermédiaire (via way) : 4" in texts[1]
    clean = _graph([0, 2000], [0, 0], [(0, 1, 100.0), (1, 0, 100.0)])
    assert network_notices(SnappedTerritory(graph=clean, sites=points, communes=points), territory) == ()
