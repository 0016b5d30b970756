"""Car rules on hand-written OSM fixtures: each rule changes the fastest time by a known amount.

Nodes 1 and 2 are joined by a direct residential way through node 5, and by a detour through
nodes 3 and 4 (three sides of a square). A rule that closes the direct way (or its middle node)
turns the time 1 → 2 from the direct time into the detour's; both are computed here from the
nodes' coordinates and the speed table, independently of the graph builder. Every fixture is
read from PBF and from XML, with the same answer.
"""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
from scipy.sparse.csgraph import dijkstra

from conum_geo.core.errors import NetworkError
from conum_geo.network.osm import read_pbf, read_xml
from conum_geo.network.speeds import DEFAULT_SPEEDS, osm_node_blocks, osm_way_is_drivable

osmium = pytest.importorskip("osmium")
pytest.importorskip("osmnx")

NODES = {1: (3.000, 47.000), 5: (3.005, 47.000), 2: (3.010, 47.000), 3: (3.000, 47.010), 4: (3.010, 47.010)}


def _xml(direct_tags: dict, node5_tags: dict) -> str:
    def tags(mapping):
        return "".join(f'<tag k="{k}" v="{v}"/>' for k, v in mapping.items())

    nodes = "".join(f'<node id="{i}" version="1" lat="{lat}" lon="{lon}">{tags(node5_tags if i == 5 else {})}</node>'
                    for i, (lon, lat) in NODES.items())
    ways = [(10, [1, 5, 2], {"highway": "residential", **direct_tags}),
            (11, [1, 3], {"highway": "residential"}), (12, [3, 4], {"highway": "residential"}),
            (13, [4, 2], {"highway": "residential"})]
    body = "".join(f'<way id="{w}" version="1">' + "".join(f'<nd ref="{n}"/>' for n in refs) + tags(t) + "</way>"
                   for w, refs, t in ways)
    return f"<?xml version='1.0' encoding='UTF-8'?><osm version='0.6' generator='test'>{nodes}{body}</osm>"


def _time_s(path_nodes) -> float:
    """Time along the nodes at the residential speed, lengths in Lambert-93 (the graph's CRS)."""
    to_l93 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
    x, y = to_l93.transform(*np.array([NODES[n] for n in path_nodes]).T)
    return float(np.hypot(np.diff(x), np.diff(y)).sum() / (DEFAULT_SPEEDS.osm_kmh("residential", None) / 3.6))


DIRECT, DETOUR = _time_s([1, 5, 2]), _time_s([1, 3, 4, 2])


def _fastest(graph, a: int, b: int) -> float:
    position = {int(k): i for i, k in enumerate(graph.node_id)}
    if a not in position or b not in position:
        return np.inf
    return float(dijkstra(graph.time_s, indices=position[a])[position[b]])


@pytest.mark.parametrize("direct_tags, node5_tags, expected", [
    ({}, {}, "direct"),
    ({"access": "agricultural"}, {}, "detour"),
    ({"access": "forestry"}, {}, "detour"),
    ({"access": "destination"}, {}, "direct"),
    ({"access": "no", "motorcar": "yes"}, {}, "direct"),          # the most specific tag decides
    ({"vehicle": "no"}, {}, "detour"),
    ({"vehicle": "no", "motor_vehicle": "yes"}, {}, "direct"),
    ({"motor_vehicle": "no", "access": "yes"}, {}, "detour"),
    ({"oneway": "reversible"}, {}, "detour"),
    ({"oneway": "alternating"}, {}, "detour"),
    ({}, {"barrier": "bollard"}, "detour"),
    ({}, {"barrier": "gate"}, "direct"),
    ({}, {"barrier": "lift_gate", "access": "private"}, "detour"),
    ({}, {"barrier": "bollard", "motorcar": "yes"}, "direct"),
])
def test_a_rule_changes_the_time_by_a_known_amount(tmp_path, direct_tags, node5_tags, expected):
    xml = tmp_path / "fixture.osm"
    xml.write_text(_xml(direct_tags, node5_tags), encoding="utf-8")
    pbf = tmp_path / "fixture.osm.pbf"
    writer = osmium.SimpleWriter(str(pbf))
    for obj in osmium.FileProcessor(str(xml)):
        writer.add(obj)
    writer.close()
    want = DIRECT if expected == "direct" else DETOUR
    for graph in (read_pbf(pbf, crs="EPSG:2154"), read_xml(xml, crs="EPSG:2154")):
        assert _fastest(graph, 1, 2) == pytest.approx(want, rel=1e-6)
        assert _fastest(graph, 2, 1) == pytest.approx(want, rel=1e-6)


def test_the_rules_as_functions():
    assert osm_way_is_drivable({"highway": "primary", "access": "destination"})
    assert not osm_way_is_drivable({"highway": "primary", "motorcar": "no", "vehicle": "yes"})
    assert not osm_node_blocks({"barrier": "toll_booth"}) and osm_node_blocks({"barrier": "block"})
    assert osm_node_blocks({"access": "no"}) and not osm_node_blocks({})


# A junction V with roads west (A), east (E) and north (N), and a detour A – P – N that avoids
# it: a restriction at V changes the time A → N from the direct turn to the detour.
TURN_NODES = {1: (3.000, 47.000), 2: (3.010, 47.000), 3: (3.030, 47.000), 4: (3.010, 47.008), 6: (2.990, 47.010)}
A, V, E, N, P = 1, 2, 3, 4, 6


def _turn_xml(relation: str) -> str:
    nodes = "".join(f'<node id="{i}" version="1" lat="{lat}" lon="{lon}"/>' for i, (lon, lat) in TURN_NODES.items())
    ways = [(20, [A, V]), (21, [V, E]), (22, [V, N]), (23, [A, P]), (24, [P, N])]
    body = "".join(f'<way id="{w}" version="1">' + "".join(f'<nd ref="{n}"/>' for n in refs)
                   + '<tag k="highway" v="residential"/></way>' for w, refs in ways)
    return f"<?xml version='1.0' encoding='UTF-8'?><osm version='0.6'>{nodes}{body}{relation}</osm>"


def _restriction(kind: str, from_way=20, via=f'<member type="node" ref="{V}" role="via"/>', to_way=22, extra=""):
    return (f'<relation id="90" version="1"><member type="way" ref="{from_way}" role="from"/>{via}'
            f'<member type="way" ref="{to_way}" role="to"/><tag k="type" v="restriction"/>'
            f'<tag k="restriction" v="{kind}"/>{extra}</relation>')


def _turn_time(nodes) -> float:
    to_l93 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
    x, y = to_l93.transform(*np.array([TURN_NODES[n] for n in nodes]).T)
    return float(np.hypot(np.diff(x), np.diff(y)).sum() / (DEFAULT_SPEEDS.osm_kmh("residential", None) / 3.6))


@pytest.mark.parametrize("relation, a_to_n, a_to_e", [
    ("", [A, V, N], [A, V, E]),
    (_restriction("no_left_turn"), [A, P, N], [A, V, E]),
    (_restriction("only_straight_on", to_way=21), [A, P, N], [A, V, E]),
    # straight on is banned: round by P, or a U-turn at N (allowed, as in OSRM but without its penalty)
    (_restriction("no_straight_on", to_way=21), [A, V, N], [[A, P, N, V, E], [A, V, N, V, E]]),
    (_restriction("no_left_turn", extra='<tag k="except" v="motorcar"/>'), [A, V, N], [A, V, E]),
    # a via way is not applied (counted as skipped): the turn stays open
    (_restriction("no_left_turn", via='<member type="way" ref="21" role="via"/>'), [A, V, N], [A, V, E]),
])
def test_turn_restrictions_change_the_time_by_a_known_amount(tmp_path, relation, a_to_n, a_to_e):
    xml = tmp_path / "turns.osm"
    xml.write_text(_turn_xml(relation), encoding="utf-8")
    graph = read_xml(xml, crs="EPSG:2154")
    for (start, end), paths in (((A, N), a_to_n), ((A, E), a_to_e)):
        paths = paths if isinstance(paths[0], list) else [paths]
        assert _fastest(graph, start, end) == pytest.approx(min(_turn_time(p) for p in paths), rel=1e-6)
    # arriving from the east or the north, every turn stays allowed
    assert _fastest(graph, E, N) == pytest.approx(_turn_time([E, V, N]), rel=1e-6)
    assert _fastest(graph, N, A) == pytest.approx(min(_turn_time([N, V, A]), _turn_time([N, P, A])), rel=1e-6)


def _ferry_xml(ferry_tags: dict) -> str:
    """The fixture with the direct way 1 → 5 → 2 a ferry route (no highway tag)."""
    xml = _xml({}, {})
    ferry = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in ferry_tags.items())
    return xml.replace('<tag k="highway" v="residential"/></way><way id="11"', f'{ferry}</way><way id="11"', 1)


def _crossing_m() -> float:
    to_l93 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
    x, y = to_l93.transform(*np.array([NODES[n] for n in (1, 5, 2)]).T)
    return float(np.hypot(np.diff(x), np.diff(y)).sum())


@pytest.mark.parametrize("ferry_tags, expected", [
    ({"route": "ferry", "duration": "00:01"}, 60.0),            # the timetable's minute
    ({"route": "ferry", "duration": "PT1M30S"}, 90.0),
    ({"route": "ferry", "duration": "2"}, 120.0),               # minutes alone
    ({"route": "ferry"}, "5 km/h"),                             # no duration: OSRM's 5 km/h
    ({"route": "ferry", "duration": "00:01", "motor_vehicle": "no"}, "detour"),  # foot passengers only
    ({"route": "ferry", "duration": "00:01", "oneway": "yes"}, 60.0),
])
def test_a_ferry_takes_its_tagged_duration(tmp_path, ferry_tags, expected):
    xml = tmp_path / "ferry.osm"
    xml.write_text(_ferry_xml(ferry_tags), encoding="utf-8")
    assert 'k="highway" v="residential"/></way><way id="11"' not in xml.read_text()
    graph = read_xml(xml)
    want = {"5 km/h": _crossing_m() / (5.0 / 3.6), "detour": DETOUR}.get(expected, expected)
    assert _fastest(graph, 1, 2) == pytest.approx(min(want, DETOUR), rel=1e-9)
    # The crossing alone (the detour's ways left out): exactly its time, or no way at all.
    alone = tmp_path / "ferry_alone.osm"
    text = xml.read_text()
    alone.write_text(text[:text.index('<way id="11"')] + "</osm>", encoding="utf-8")
    if expected == "detour":
        with pytest.raises(NetworkError):
            read_xml(alone)
    else:
        assert _fastest(read_xml(alone), 1, 2) == pytest.approx(want, rel=1e-9)
    if "oneway" in ferry_tags:
        assert _fastest(graph, 2, 1) == pytest.approx(DETOUR, rel=1e-9)
    ferries = 0 if "motor_vehicle" in ferry_tags else 1
    assert graph.provenance["ferries"] == ferries
    assert graph.provenance["ferries_without_duration"] == int("duration" not in ferry_tags)


def test_the_ferry_duration_parser():
    from conum_geo.network.speeds import parse_duration_s

    assert [parse_duration_s(v) for v in ("PT1H30M", "01:30", "1:30:15", "90", "PT20S")] == \
        [5400.0, 5400.0, 5415.0, 5400.0, 20.0]
    assert all(np.isnan(parse_duration_s(v)) for v in (None, "", "PT", "soon", "0", "-5"))
