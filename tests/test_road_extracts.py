"""Regional OSM extracts: chosen for a département and its buffer, fetched from a local
Geofabrik (127.0.0.1) with its index and MD5 files, resumed, refused when wrong, then read by
``--network osm`` without ``--roads``."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers_http import LocalServer
from helpers_network import SAINT_BARTHELEMY, box_around, stub_territory

from conum_geo.cli import cli
from conum_geo.core.errors import DataUnavailableError, InputError
from conum_geo.data.road_extracts import REGION_DEPTS, cached_extracts, extract_url, extracts_for, fetch_extracts

pytest.importorskip("osmium")


REGIONS = ["auvergne", "bourgogne", "centre"]  # the Nièvre (Bourgogne) and its neighbours (Allier, Cher, Loiret)


def region_pbf(source: Path, region: str, folder: Path) -> bytes:
    """``source``'s objects in a PBF whose header box is ``region``'s: the town halls of its
    départements (from the national commune layer) and 0.05° around them."""
    import osmium

    from conum_geo.data.national_communes import commune_layer

    frame = commune_layer().frame
    chosen = frame.loc[frame["dept"].isin(REGION_DEPTS[region]) & frame["town_hall_lon"].notna()]
    lon, lat = chosen["town_hall_lon"], chosen["town_hall_lat"]
    header = osmium.io.Header()
    header.add_box(osmium.osm.Box(lon.min() - 0.05, lat.min() - 0.05, lon.max() + 0.05, lat.max() + 0.05))
    out = folder / f"{region}.osm.pbf"
    with osmium.SimpleWriter(str(out), header=header, overwrite=True) as writer:
        for item in osmium.FileProcessor(str(source)):
            writer.add(item)
    return out.read_bytes()


@pytest.fixture()
def geofabrik(shared_data, monkeypatch, tmp_path):
    (tmp_path / "pbf").mkdir()
    pbfs = {region: region_pbf(shared_data / SAINT_BARTHELEMY, region, tmp_path / "pbf")
            for region in [*REGIONS, "alsace"]}

    def start(regions=REGIONS, md5=None, listed=REGIONS, served=None):
        server = LocalServer()
        monkeypatch.setenv("CONUM_GEO_MIRRORS", f"https://download.geofabrik.de={server.base}")
        index = {"features": [{"properties": {"id": r, "urls": {"pbf": extract_url(r)}}} for r in listed]}
        server.files["/index-v1-nogeom.json"] = json.dumps(index).encode()
        for region in regions:
            path = f"/europe/france/{region}-latest.osm.pbf"
            body = pbfs[(served or {}).get(region, region)]
            server.files[path] = body
            server.files[path + ".md5"] = f"{md5 or hashlib.md5(body).hexdigest()}  {region}-latest.osm.pbf\n".encode()
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return server

    servers: list[LocalServer] = []
    monkeypatch.setenv("CONUM_GEO_CACHE_DIR", str(tmp_path / "cache"))
    yield start, pbfs
    for server in servers:
        server.shutdown()
        server.server_close()


def test_the_extracts_cover_the_departement_and_its_buffer():
    assert extracts_for("58") == REGIONS
    assert extracts_for("58", buffer_km=0.0) == REGIONS  # Allier, Cher and Loiret touch it
    assert extracts_for("2B") == ["corse"]  # the sea all round but for Corse-du-Sud
    with pytest.raises(DataUnavailableError, match="--roads"):
        extracts_for("977")


def test_fetch_then_gaps_reads_the_cached_extracts(geofabrik, tmp_path, shared_data):
    start, pbfs = geofabrik
    server = start()
    result = CliRunner().invoke(cli, ["data", "fetch", "--dept", "58", "--roads"])
    assert result.exit_code == 0, result.output
    cache = tmp_path / "cache" / "roads"
    assert sorted(p.name for p in cache.iterdir()) == [f"{r}-latest.osm.pbf" for r in REGIONS]
    assert all((cache / f"{r}-latest.osm.pbf").read_bytes() == pbfs[r] for r in REGIONS)
    again = CliRunner().invoke(cli, ["data", "fetch", "--dept", "58", "--roads"])
    assert again.output.count("en cache") == 3
    assert len([p for p, _ in server.requests if p.endswith(".pbf")]) == 3  # nothing downloaded twice

    from conum_geo.network import load_network
    from conum_geo.network.osm import read_pbf

    single = read_pbf(shared_data / SAINT_BARTHELEMY)
    island = stub_territory(box_around(single, -500.0), crs=single.crs)
    island.dept = "58"  # the extracts the cache holds for "58" are the island's, three times
    assert cached_extracts("58") == [cache / f"{r}-latest.osm.pbf" for r in REGIONS]
    graph = load_network(island, "osm", buffer_km=1.0, cache_dir=tmp_path / "graphs")
    assert graph.n_nodes == single.n_nodes and graph.n_arcs == single.n_arcs  # overlapping extracts once


def test_a_download_resumes_from_its_partial_file(geofabrik, tmp_path):
    start, pbfs = geofabrik
    server = start()
    pbf = pbfs["auvergne"]
    folder = tmp_path / "cache" / "roads"
    folder.mkdir(parents=True)
    (folder / "auvergne-latest.osm.pbf.part").write_bytes(pbf[: len(pbf) // 2])
    fetch_extracts("58")
    assert (folder / "auvergne-latest.osm.pbf").read_bytes() == pbf
    assert ("/europe/france/auvergne-latest.osm.pbf", f"bytes={len(pbf) // 2}-") in server.requests


def test_a_wrong_checksum_is_refused_and_nothing_is_kept(geofabrik, tmp_path):
    start, _ = geofabrik
    start(md5="0" * 32)
    with pytest.raises(DataUnavailableError):
        fetch_extracts("58")
    assert not list((tmp_path / "cache" / "roads").glob("*.osm.pbf"))


def test_an_extract_the_index_no_longer_lists_is_an_error(geofabrik):
    start, _ = geofabrik
    start(listed=["bourgogne"])
    with pytest.raises(DataUnavailableError, match="absent"):
        fetch_extracts("58")


def test_a_valid_extract_of_another_region_is_refused(geofabrik, tmp_path):
    start, _ = geofabrik
    start(served={"bourgogne": "alsace"})  # a real PBF, but its box is Alsace's
    with pytest.raises(DataUnavailableError, match="ne couvre pas bourgogne"):
        fetch_extracts("58")
    assert not (tmp_path / "cache" / "roads" / "bourgogne-latest.osm.pbf").exists()


def test_cached_extracts_work_offline(geofabrik, tmp_path, monkeypatch):
    start, _ = geofabrik
    start()
    fetch_extracts("58")
    monkeypatch.setenv("CONUM_GEO_MIRRORS", "https://download.geofabrik.de=http://127.0.0.1:9")  # offline
    assert [status for _, _, status in fetch_extracts("58")] == ["en cache"] * 3  # no index asked
    assert len(cached_extracts("58")) == 3
    (tmp_path / "cache" / "roads" / "centre-latest.osm.pbf").write_bytes(
        (tmp_path / "cache" / "roads" / "auvergne-latest.osm.pbf").read_bytes())  # a wrong file in the cache
    with pytest.raises(InputError, match="ne couvre pas centre"):
        cached_extracts("58")


def test_offline_says_so_in_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("CONUM_GEO_MIRRORS", "https://download.geofabrik.de=http://127.0.0.1:9")
    monkeypatch.setenv("CONUM_GEO_CACHE_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["data", "fetch", "--dept", "58", "--roads"])
    assert result.exit_code != 0 and result.output.startswith("Erreur : ") and result.output.count("\n") == 1
    assert "--roads FICHIER.osm.pbf" in result.output and "--data-dir" not in result.output


def test_saint_barthelemy_is_a_territory_on_its_real_roads(shared_data, tmp_path):
    """977 has no French regional extract: its roads are passed as a file, its contour too."""
    import osmium
    import shapely

    pbf = shared_data / SAINT_BARTHELEMY
    points = [(n.location.lon, n.location.lat) for n in osmium.FileProcessor(str(pbf), osmium.osm.NODE)
              if n.location.valid()]
    contour = shapely.MultiPoint(points).convex_hull.buffer(0.002)
    communes = tmp_path / "saint-barthelemy.geojson"
    communes.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"code": "97701", "nom": "Saint-Barthélemy"},
        "geometry": shapely.geometry.mapping(contour)}]}))
    result = CliRunner().invoke(cli, [
        "gaps", "--dept", "977", "--communes", str(communes),
        "--population", str(shared_data / "communes/communes-cog2026.json"),
        "--france-services", str(shared_data / "france-services/liste-fs-20240801.csv"),
        "--network", "osm", "--roads", str(pbf), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["dept"], summary["communes"], summary["population"]) == ("977", 1, 10660)
    assert summary["network"] == "osm" and not summary["network_approximate"]
