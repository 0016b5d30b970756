"""The graph cache: served when nothing changed, rebuilt when the file, the speed table or the
stored key differ, written atomically. Runs on a small hand-made OSM file (no shared data)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from helpers_network import stub_territory

import conum_geo.network.osm as osm
from conum_geo.network import load_network
from conum_geo.network.cache import cached_graph, default_cache_dir, graph_key
from conum_geo.network.speeds import SpeedTable

pytest.importorskip("osmium")


def write_osm(path, *, primary_speed=None) -> None:
    """A square of four streets near Nevers with a one-way diagonal."""
    import osmium

    corners = [(3.150, 46.990), (3.160, 46.990), (3.160, 46.997), (3.150, 46.997)]
    path.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(path))
    for i, location in enumerate(corners, start=1):
        writer.add_node(osmium.osm.mutable.Node(id=i, location=location, version=1))
    primary = {"highway": "primary"} | ({"maxspeed": str(primary_speed)} if primary_speed else {})
    ways = [([1, 2], primary), ([2, 3], {"highway": "residential"}), ([3, 4], {"highway": "residential"}),
            ([4, 1], {"highway": "tertiary"}), ([1, 3], {"highway": "residential", "oneway": "yes"})]
    for k, (nodes, tags) in enumerate(ways, start=100):
        writer.add_way(osmium.osm.mutable.Way(id=k, nodes=nodes, tags=tags, version=1))
    writer.close()


@pytest.fixture
def territory():
    # Lambert-93 box around the square (Nevers is about x 720 km, y 6 654 km).
    return stub_territory(shapely.box(700_000, 6_630_000, 740_000, 6_680_000))


@pytest.fixture
def builds(monkeypatch):
    """Counts the times the PBF is actually read."""
    calls = []
    read = osm.read_pbf

    def counting(*args, **kwargs):
        calls.append(kwargs.get("speeds"))
        return read(*args, **kwargs)

    monkeypatch.setattr(osm, "read_pbf", counting)
    return calls


def test_second_load_is_served_from_the_cache(tmp_path, territory, builds):
    roads = tmp_path / "square.osm.pbf"
    write_osm(roads)
    first = load_network(territory, "osm", roads=roads, cache_dir=tmp_path / "cache")
    second = load_network(territory, "osm", roads=roads, cache_dir=tmp_path / "cache")
    assert len(builds) == 1
    assert np.array_equal(first.x, second.x) and (first.time_s != second.time_s).nnz == 0
    assert np.array_equal(first.node_id, second.node_id)
    assert second.provenance["file_sha256"] == first.provenance["file_sha256"]
    assert list((tmp_path / "cache").glob("*.npz")) and not list((tmp_path / "cache").glob(".graph-*"))


def test_changing_the_speed_table_rebuilds_with_new_times(tmp_path, territory, builds):
    roads = tmp_path / "square.osm.pbf"
    write_osm(roads)
    base = load_network(territory, "osm", roads=roads, cache_dir=tmp_path)
    slower = load_network(territory, "osm", roads=roads, cache_dir=tmp_path, realism_factor=0.5)
    assert len(builds) == 2
    np.testing.assert_allclose(slower.time_s.data, base.time_s.data * 0.85 / 0.5, rtol=1e-12)
    table = SpeedTable(osm_class_kmh=dict(SpeedTable().osm_class_kmh, residential=15.0))
    load_network(territory, "osm", roads=roads, cache_dir=tmp_path, speeds=table)
    assert len(builds) == 3
    load_network(territory, "osm", roads=roads, cache_dir=tmp_path, realism_factor=0.5)
    assert len(builds) == 3  # back to a table already built: served


def test_a_changed_file_is_rebuilt(tmp_path, territory, builds):
    roads = tmp_path / "square.osm.pbf"
    write_osm(roads)
    before = load_network(territory, "osm", roads=roads, cache_dir=tmp_path)
    write_osm(roads, primary_speed=30)
    after = load_network(territory, "osm", roads=roads, cache_dir=tmp_path)
    assert len(builds) == 2 and after.time_s.sum() > before.time_s.sum()


def test_a_cached_file_with_another_key_is_never_served(tmp_path):
    calls = []

    def build(value):
        def make():
            calls.append(value)
            from conum_geo.network.synthetic import synthetic_road_graph
            return synthetic_road_graph(100, seed=value)
        return make

    cached_graph({"input": "a"}, build(1), cache_dir=tmp_path)
    [stored] = tmp_path.glob("*.npz")
    # Forge a file under another key's name: its stored key no longer matches.
    import conum_geo.network.cache as cache

    other = tmp_path / f"{cache._digest(graph_key({'input': 'b'}))}.npz"
    stored.rename(other)
    graph = cached_graph({"input": "b"}, build(2), cache_dir=tmp_path)
    assert calls == [1, 2] and graph.provenance["input"] == "b"


def test_a_corrupt_cache_file_is_rebuilt(tmp_path, territory, builds):
    roads = tmp_path / "square.osm.pbf"
    write_osm(roads)
    cache = tmp_path / "cache"
    reference = load_network(territory, "osm", roads=roads, cache_dir=cache)
    [stored] = cache.glob("*.npz")
    good = stored.read_bytes()
    # a file cut anywhere, a bit flipped anywhere, or not a graph at all: rebuilt, same graph
    damaged = [b"truncated", good[: len(good) // 2], good[:-7]]
    rng = np.random.default_rng(0)
    for offset in rng.integers(0, len(good), 12):
        flipped = bytearray(good)
        flipped[offset] ^= 1 << int(rng.integers(0, 8))
        damaged.append(bytes(flipped))
    rebuilt = 0
    for content in damaged:
        stored.write_bytes(content)
        before = len(builds)
        graph = load_network(territory, "osm", roads=roads, cache_dir=cache)
        assert graph.n_arcs == reference.n_arcs and (graph.time_s != reference.time_s).nnz == 0
        # a rebuild is said (the run's warnings: terminal, summary.json, map); a flip in bytes
        # nothing reads (zip padding) may leave a valid file
        assert (len(builds) > before) == bool(graph.provenance.get("cache_rebuilt"))
        rebuilt += len(builds) > before
    assert "cache_rebuilt" not in load_network(territory, "osm", roads=roads, cache_dir=cache).provenance
    assert rebuilt >= 3 + 9  # the three cuts, and most flips (zip CRCs and our checksum catch them)


def test_default_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CONUM_GEO_CACHE_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path / "networks"
    monkeypatch.delenv("CONUM_GEO_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "conum-geo" / "networks"
