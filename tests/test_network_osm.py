"""OSM road graphs: PBF (pyosmium), XML (osmnx) and Overpass (osmnx, served locally)."""

from __future__ import annotations

import http.server
import json
import threading

import numpy as np
import pytest
import shapely
from helpers_network import SAINT_BARTHELEMY, box_around, stub_territory
from scipy.sparse.csgraph import dijkstra

from conum_geo.core.errors import DataUnavailableError, InputError, NetworkError, ParameterError
from conum_geo.network import load_network
from conum_geo.network.osm import download_overpass, read_pbf, read_xml, reproject

pytestmark = pytest.mark.shared_data
pytest.importorskip("osmium")
pytest.importorskip("osmnx")


@pytest.fixture(scope="module")
def pbf(shared_data):
    return shared_data / SAINT_BARTHELEMY


@pytest.fixture(scope="module")
def graph(pbf):
    return read_pbf(pbf)


@pytest.fixture(scope="module")
def complete_extract(pbf, tmp_path_factory):
    """The extract without the ways that reference missing nodes (osmnx refuses those),
    as PBF and as XML, plus its nodes and ways as Overpass would return them."""
    import osmium

    folder = tmp_path_factory.mktemp("osm")
    node_ids = {o.id for o in osmium.FileProcessor(str(pbf), osmium.osm.NODE)}
    elements = []
    paths = {"pbf": folder / "complete.osm.pbf", "xml": folder / "complete.osm"}
    writers = [osmium.SimpleWriter(str(p)) for p in paths.values()]
    for obj in osmium.FileProcessor(str(pbf), osmium.osm.NODE | osmium.osm.WAY):
        if obj.is_node():
            elements.append({"type": "node", "id": obj.id, "lat": obj.location.lat,
                             "lon": obj.location.lon, "tags": dict(obj.tags)})
            for writer in writers:
                writer.add_node(obj)
        elif all(r.ref in node_ids for r in obj.nodes):
            elements.append({"type": "way", "id": obj.id, "nodes": [r.ref for r in obj.nodes],
                             "tags": dict(obj.tags)})
            for writer in writers:
                writer.add_way(obj)
    for writer in writers:
        writer.close()
    return paths, {"version": 0.6, "elements": elements}


def times_by_osm_id(graph, osm_sources):
    """Dijkstra from OSM node ids; returns {osm id: time} for every reached node."""
    position = {int(k): i for i, k in enumerate(graph.node_id)}
    dist = dijkstra(graph.time_s, indices=[position[int(s)] for s in osm_sources], min_only=True)
    return {int(k): d for k, d in zip(graph.node_id, dist) if np.isfinite(d)}


def test_pbf_graph_is_built_with_finite_positive_times(graph):
    assert graph.source == "osm" and graph.crs == "EPSG:32620"  # UTM 20N for Saint-Barthélemy
    assert graph.n_nodes > 1000 and graph.n_arcs > 2 * 1000
    assert np.isfinite(graph.time_s.data).all() and (graph.time_s.data > 0).all()
    assert len(np.unique(graph.node_id)) == graph.n_nodes
    assert graph.largest_scc.mean() > 0.9
    # Island of ~25 km²: every node within a 10 km box, and max speed 80 km/h × 0.85.
    assert np.ptp(graph.x) < 10_000 and np.ptp(graph.y) < 10_000
    assert graph.max_speed_ms * 3.6 == pytest.approx(80 * 0.85)


def test_simplification_drops_nodes_but_no_time(pbf, graph):
    full = read_pbf(pbf, simplify_m=0)
    assert graph.n_nodes < 0.7 * full.n_nodes
    kept = graph.node_id[np.flatnonzero(graph.largest_scc)[:4]]
    simple, raw = times_by_osm_id(graph, kept), times_by_osm_id(full, kept)
    assert simple.keys() <= raw.keys()
    np.testing.assert_allclose([simple[k] for k in simple], [raw[k] for k in simple], rtol=1e-12)


def test_roundabouts_are_one_way(pbf):
    import osmium

    roundabouts = [[r.ref for r in w.nodes] for w in osmium.FileProcessor(str(pbf), osmium.osm.WAY)
                   if w.tags.get("junction") == "roundabout"]
    assert roundabouts, "the extract has roundabouts"
    full = read_pbf(pbf, simplify_m=0)
    position = {int(k): i for i, k in enumerate(full.node_id)}
    matrix = full.time_s
    for ring in roundabouts:
        for a, b in zip(ring[:-1], ring[1:]):
            u, v = position[a], position[b]
            assert matrix[u, v] > 0, "along the roundabout"
            assert matrix[v, u] == 0, "never against it"
    # Going round against the flow means the whole loop: much longer.
    u, v = position[roundabouts[0][0]], position[roundabouts[0][1]]
    dist = dijkstra(matrix, indices=[u, v])
    assert dist[1, u] > 3 * dist[0, v]


def test_xml_gives_the_same_times_as_pbf(complete_extract):
    paths, _ = complete_extract
    from_pbf, from_xml = read_pbf(paths["pbf"]), read_xml(paths["xml"])
    assert from_xml.crs == from_pbf.crs
    sources = from_pbf.node_id[np.flatnonzero(from_pbf.largest_scc)[:5]]
    a, b = times_by_osm_id(from_pbf, sources), times_by_osm_id(from_xml, sources)
    assert a.keys() <= b.keys() and len(a) > 1000
    np.testing.assert_allclose([a[k] for k in a], [b[k] for k in a], rtol=1e-9)


class _Overpass(http.server.BaseHTTPRequestHandler):
    answer = b"{}"

    def do_POST(self):  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def overpass_server(complete_extract):
    _Overpass.answer = json.dumps(complete_extract[1]).encode()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Overpass)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()
    server.server_close()


def test_overpass_download_through_osmnx_gives_the_same_times(overpass_server, complete_extract, tmp_path):
    from_pbf = read_pbf(complete_extract[0]["pbf"])
    island = reproject(box_around(from_pbf), from_pbf.crs, "EPSG:4326")
    downloaded = download_overpass(island, crs=from_pbf.crs, overpass_url=overpass_server,
                                   cache_dir=tmp_path / "http")
    sources = from_pbf.node_id[np.flatnonzero(from_pbf.largest_scc)[:5]]
    a, b = times_by_osm_id(from_pbf, sources), times_by_osm_id(downloaded, sources)
    assert a.keys() <= b.keys()
    np.testing.assert_allclose([a[k] for k in a], [b[k] for k in a], rtol=1e-9)
    assert downloaded.provenance["format"] == "overpass"


def test_overpass_unreachable_is_a_clear_error(tmp_path):
    with pytest.raises(DataUnavailableError, match="hors ligne"):
        download_overpass(shapely.box(-62.9, 17.87, -62.79, 17.93), overpass_url="http://127.0.0.1:9/api",
                          cache_dir=tmp_path)


def test_clip_keeps_only_roads_inside(pbf, graph):
    west = shapely.box(graph.x.min() - 1, graph.y.min() - 1, np.median(graph.x), graph.y.max() + 1)
    clipped = read_pbf(pbf, clip=west, crs=graph.crs)
    assert 0 < clipped.n_nodes < graph.n_nodes
    assert shapely.contains_xy(west, clipped.x, clipped.y).all()
    with pytest.raises(NetworkError, match="dans la zone demandée"):
        read_pbf(pbf, clip=shapely.box(0, 0, 10, 10), crs=graph.crs)


def test_load_network_reads_the_extract_for_a_territory(pbf, graph, tmp_path):
    island = stub_territory(box_around(graph, -500.0), crs=graph.crs)
    loaded = load_network(island, "osm", roads=pbf, buffer_km=1.0, cache_dir=tmp_path)
    assert loaded.n_nodes == graph.n_nodes and loaded.provenance["file_sha256"]
    tight = load_network(island, "osm", roads=pbf, buffer_km=0.0, cache_dir=tmp_path)
    assert tight.n_nodes < loaded.n_nodes


def test_unreadable_files_are_input_errors(tmp_path):
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"not a pbf at all")
    with pytest.raises(InputError, match="bad.osm.pbf"):
        read_pbf(bad)
    text = tmp_path / "roads.txt"
    text.write_text("x")
    with pytest.raises(InputError, match="nom de fichier OSM non reconnu"):
        load_network(stub_territory(shapely.box(0, 0, 1, 1)), "osm", roads=text, cache_dir=tmp_path)
    with pytest.raises(ParameterError, match="--network osm ou --network bdtopo"):
        load_network(stub_territory(shapely.box(0, 0, 1, 1)), "proxy", roads=text)
