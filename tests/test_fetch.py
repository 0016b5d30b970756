"""``data fetch`` against a local HTTP server on 127.0.0.1 serving files of ../shared/data:
checksums, resume with HTTP Range, data.gouv.fr dataset resolution, offline errors."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import socket
import threading

import pytest
from click.testing import CliRunner
from helpers_http import LocalServer

from conum_geo.cli import cli
from conum_geo.core.cache import cache_root
from conum_geo.core.errors import DataUnavailableError
from conum_geo.data import sources as sources_module
from conum_geo.data.sources import SOURCES, download, fetch_registers, fetch_source
from conum_geo.data.territory import load_territory

pytestmark = pytest.mark.shared_data

SOURCE = {s.key: s for s in SOURCES}


@pytest.fixture()
def server(shared_data):
    files = {
        "/communes.json": (shared_data / "communes/communes-cog2026.json").read_bytes(),
        "/communes-58.geojson": (shared_data / "communes/communes-58-nievre.geojson").read_bytes(),
        "/fs.csv": (shared_data / "france-services/liste-fs-20240801.csv").read_bytes(),
    }
    files["/api/datasets/fs/"] = json.dumps({"resources": [
        {"format": "pdf", "url": "/notice.pdf", "last_modified": "2024-09-01T00:00:00"},
        {"format": "csv", "url": "OLD", "last_modified": "2023-01-01T00:00:00"},
        {"format": "csv", "url": None, "last_modified": "2024-08-01T10:00:00",
         "checksum": {"type": "sha1", "value": hashlib.sha1(files["/fs.csv"]).hexdigest()}},
    ]}).encode()
    httpd = LocalServer(files)
    latest = json.loads(files["/api/datasets/fs/"])
    latest["resources"][2]["url"] = httpd.url("/fs.csv")
    files["/api/datasets/fs/"] = json.dumps(latest).encode()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _local(server, key: str, path: str, **changes):
    return dataclasses.replace(SOURCE[key], url=server.url(path), **changes)


def test_pinned_checksum_of_the_registry_matches_the_official_file(server, tmp_path, shared_data):
    """The SHA-256 pinned in SOURCES is that of the real COG file: the download verifies."""
    fetched = fetch_source(_local(server, "population", "/communes.json"), "58", tmp_path)
    assert fetched.status == "téléchargé"
    assert fetched.path.read_bytes() == (shared_data / "communes/communes-cog2026.json").read_bytes()
    assert not list(tmp_path.glob("*.part"))
    assert fetch_source(_local(server, "population", "/communes.json"), "58", tmp_path).status == "en cache"


def test_checksum_mismatch_discards_the_download(server, tmp_path):
    wrong = _local(server, "population", "/communes-58.geojson")  # another file, same pinned sum
    with pytest.raises(DataUnavailableError, match="somme de contrôle sha256 différente"):
        fetch_source(wrong, "58", tmp_path)
    assert not list(tmp_path.iterdir())


def test_interrupted_download_resumes_with_range(server, tmp_path):
    body = server.files["/communes.json"]
    server.cut_next.add("/communes.json")
    target = tmp_path / "communes.json"
    with pytest.raises(DataUnavailableError, match="relancer la même commande pour reprendre"):
        download(server.url("/communes.json"), target)
    part = tmp_path / "communes.json.part"
    assert 0 < part.stat().st_size < len(body) and not target.exists()
    download(server.url("/communes.json"), target, checksum=("sha256", hashlib.sha256(body).hexdigest()))
    assert target.read_bytes() == body and not part.exists()
    assert server.requests[-1] == ("/communes.json", f"bytes={len(body) // 2}-")


def test_datagouv_dataset_resolves_to_its_latest_csv_with_its_checksum(server, tmp_path):
    source = _local(server, "france_services", "/api/datasets/fs/")
    fetched = fetch_source(source, "58", tmp_path)
    assert fetched.path.name == "liste-france-services-20240801.csv"
    assert fetched.path.read_bytes() == server.files["/fs.csv"]
    meta = json.loads((tmp_path / "liste-france-services-20240801.csv.meta.json").read_text())
    assert meta["checksum"][0] == "sha1"
    assert fetch_source(source, "58", tmp_path).status == "en cache"


def test_fetched_cache_is_a_data_dir(server, tmp_path):
    local = [
        _local(server, "communes", "/communes-58.geojson"),
        _local(server, "population", "/communes.json"),
        _local(server, "france_services", "/api/datasets/fs/"),
        SOURCE["fragility"],  # no download: to be given by hand
    ]
    results = fetch_registers("58", tmp_path, sources=local)
    assert [r.status for r in results] == ["téléchargé", "téléchargé", "téléchargé", "à fournir"]
    assert (tmp_path / "communes-58.geojson").exists()
    territory = load_territory("58", data_dir=tmp_path)
    assert len(territory.communes) == 309 and int(territory.communes["population"].sum()) == 201_417
    assert (territory.sites["in_dept"] & (territory.sites["kind"] == "france_services")).sum() == 33


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_offline_is_one_line_saying_how_to_pass_files(tmp_path):
    source = dataclasses.replace(SOURCE["france_services"], datagouv=False,
                                 url=f"http://127.0.0.1:{_closed_port()}/fs.csv")
    with pytest.raises(DataUnavailableError) as info:
        fetch_source(source, "58", tmp_path)
    message = str(info.value)
    assert "\n" not in message and message.startswith("impossible de joindre 127.0.0.1")
    assert "--france-services FICHIER" in message and "--data-dir DOSSIER" in message


def test_cli_fetch_offline_exits_2(tmp_path, monkeypatch):
    offline = dataclasses.replace(SOURCE["population"], url=f"http://127.0.0.1:{_closed_port()}/c.json")
    monkeypatch.setattr(sources_module, "SOURCES", (offline,))
    result = CliRunner().invoke(cli, ["data", "fetch", "--dept", "58", "--cache-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "--population FICHIER" in result.output


def test_cli_fetch_lists_files(server, tmp_path, monkeypatch):
    monkeypatch.setattr(sources_module, "SOURCES",
                        (_local(server, "communes", "/communes-58.geojson"), SOURCE["qpv"]))
    result = CliRunner().invoke(cli, ["data", "fetch", "--dept", "58", "--cache-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "téléchargé  communes" in result.output
    assert "à fournir   qpv" in result.output and "--qpv FICHIER" in result.output
    assert f"--data-dir {tmp_path}" in result.output


def test_registers_and_road_networks_share_one_cache_root(tmp_path, monkeypatch):
    from conum_geo.network import cache

    monkeypatch.setenv("CONUM_GEO_CACHE_DIR", str(tmp_path))
    assert cache_root() == tmp_path
    assert cache.default_cache_dir() == tmp_path / "networks"
    monkeypatch.delenv("CONUM_GEO_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.default_cache_dir() == cache_root() / "networks"


def test_registry_is_complete():
    from conum_geo.data.registers import KINDS

    assert {s.kind for s in SOURCES} <= set(KINDS)
    assert all(s.url is None or s.url.startswith("https://") for s in SOURCES)
    assert all(s.page.startswith("https://") for s in SOURCES)
    assert len({s.key for s in SOURCES}) == len(SOURCES)
