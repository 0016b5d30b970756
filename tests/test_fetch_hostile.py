"""Downloads against hostile servers on 127.0.0.1, on every fetch path: register files, the
data.gouv.fr API, Geofabrik's index, ``.md5`` files and extracts. Names that would leave the
cache, servers that drip their headers or their body, bodies too long or shorter than
announced, answers of the wrong shape, unknown checksum types, redirect loops and redirects
to other hosts, garbage instead of a register. Each is refused in one line within its
deadline, and a good cached file is never replaced by a bad download."""

from __future__ import annotations

import dataclasses
import http.server
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_validation import FS_HEADER, FS_ROWS

from conum_geo.core.errors import DataUnavailableError
from conum_geo.data import road_extracts, sources
from conum_geo.data.sources import MB, SOURCES, download, fetch_source

SOURCE = {s.key: s for s in SOURCES}
FS_BODY = ("\n".join([",".join(FS_HEADER)] + [",".join(r) for r in FS_ROWS]) + "\n").encode()
#: A deadline's error must come this soon after the deadline (s).
PROMPT_S = 1.5


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, dict] = {}

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.server_address[1]}{path}"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    """Answers ``routes[path]``: ``body`` (with ``length``, ``announce``, ``drip`` bytes per
    step), ``redirect``, ``drip_headers`` (seconds per byte of the status line and headers,
    never finishing), ``endless`` (a body that never ends)."""

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        route = self.server.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_error(404)
            return
        try:
            self._answer(route)
        except OSError:  # the client gave up: what a deadline does
            pass

    def _answer(self, route):
        if "drip_headers" in route:
            for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nX-Slow: " + b"a" * 10_000:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(route["drip_headers"])
            return
        if "redirect" in route:
            self.send_response(302)
            self.send_header("Location", route["redirect"])
            self.end_headers()
            return
        self.send_response(200)
        if route.get("endless"):
            self.end_headers()
            while True:
                self.wfile.write(b"x" * 65536)
        body = route.get("body", b"")
        if route.get("length", True):
            self.send_header("Content-Length", str(route.get("announce", len(body))))
        self.end_headers()
        step = route.get("drip")
        for start in range(0, len(body), step or len(body) or 1):
            self.wfile.write(body[start:start + (step or len(body))])
            self.wfile.flush()
            if step:
                time.sleep(0.05)
        self.connection.shutdown(socket.SHUT_RDWR)


@pytest.fixture()
def server():
    httpd = _Server()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _fs_source(server, **changes):
    return dataclasses.replace(SOURCE["france_services"], datagouv=False, url=server.url("/fs.csv"), **changes)


def test_a_server_date_never_becomes_a_path(server, tmp_path):
    cache = tmp_path / "cache"
    server.routes["/api/"] = {"body": json.dumps({"resources": [
        {"format": "csv", "url": server.url("/fs.csv"), "last_modified": "/../../../x"}]}).encode()}
    server.routes["/fs.csv"] = {"body": FS_BODY}
    source = dataclasses.replace(SOURCE["france_services"], url=server.url("/api/"))
    fetched = fetch_source(source, "58", cache)
    assert fetched.path.parent == cache and fetched.path.name.startswith("liste-france-services-20")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]  # nothing written outside


def test_a_dripping_server_hits_the_total_deadline(server, tmp_path):
    server.routes["/fs.csv"] = {"body": FS_BODY * 40, "drip": 64}
    with pytest.raises(DataUnavailableError, match="délai total de 0.3 s dépassé") as error:
        download(server.url("/fs.csv"), tmp_path / "fs.csv", timeout_s=5, deadline_s=0.3)
    assert "\n" not in str(error.value) and not (tmp_path / "fs.csv").exists()
    assert (tmp_path / "fs.csv.part").exists()  # kept, to resume


@pytest.mark.parametrize("length", [True, False])
def test_a_body_over_the_size_cap_is_refused(server, tmp_path, length):
    server.routes["/fs.csv"] = {"body": b"x" * (2 * MB), "length": length}
    with pytest.raises(DataUnavailableError, match="plus de 1 Mo"):
        fetch_source(_fs_source(server, max_bytes=1 * MB), "58", tmp_path)
    assert not list(tmp_path.glob("liste-france-services*"))


def test_a_body_shorter_than_announced_is_not_accepted(server, tmp_path):
    server.routes["/fs.csv"] = {"body": FS_BODY[:50], "announce": len(FS_BODY)}
    with pytest.raises(DataUnavailableError, match="relancer la même commande pour reprendre"):
        fetch_source(_fs_source(server), "58", tmp_path)
    assert not (tmp_path / "liste-france-services.csv").exists()


def test_a_redirect_to_another_host_is_refused(server, tmp_path):
    server.routes["/fs.csv"] = {"redirect": server.url("/elsewhere.csv", host="localhost")}
    server.routes["/elsewhere.csv"] = {"body": FS_BODY}
    with pytest.raises(DataUnavailableError, match="redirection refusée vers localhost"):
        fetch_source(_fs_source(server), "58", tmp_path)
    # a redirect to a host the registry lists for the source is followed
    fetched = fetch_source(_fs_source(server, hosts=("localhost",)), "58", tmp_path)
    assert fetched.path.read_bytes() == FS_BODY


def test_garbage_never_replaces_a_good_cached_file(server, tmp_path):
    server.routes["/fs.csv"] = {"body": FS_BODY}
    good = fetch_source(_fs_source(server), "58", tmp_path).path
    server.routes["/fs.csv"] = {"body": b"\x00\x01garbage" * 1000}
    with pytest.raises(DataUnavailableError, match="le fichier téléchargé est illisible") as error:
        fetch_source(_fs_source(server), "58", tmp_path, refresh=True)
    assert "\n" not in str(error.value)
    assert good.read_bytes() == FS_BODY  # the cached file is kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["liste-france-services.csv",
                                                          "liste-france-services.csv.meta.json"]


def test_a_file_of_another_register_is_refused(server, tmp_path):
    server.routes["/fs.csv"] = {"body": b"insee_com,lib_com,niveau_densite\n58086,Cosne,Bourgs ruraux\n"}
    with pytest.raises(DataUnavailableError, match="non reconnu comme liste des France services"):
        fetch_source(_fs_source(server), "58", tmp_path)


def _raises_promptly(call, deadline_s: float, match: str):
    started = time.monotonic()
    with pytest.raises(DataUnavailableError, match=match) as error:
        call()
    assert time.monotonic() - started < deadline_s + PROMPT_S
    assert "\n" not in str(error.value)
    return error.value


def test_dripping_headers_hit_the_total_deadline_of_a_register_file(server, tmp_path):
    server.routes["/fs.csv"] = {"drip_headers": 0.05}
    _raises_promptly(lambda: download(server.url("/fs.csv"), tmp_path / "fs.csv", timeout_s=5, deadline_s=0.5),
                     0.5, "délai total de 0.5 s dépassé")
    assert not (tmp_path / "fs.csv").exists()


@pytest.fixture()
def datagouv(server, monkeypatch):
    """The France services source resolved through a data.gouv.fr API on 127.0.0.1 (mirror)."""
    monkeypatch.setenv("CONUM_GEO_MIRRORS", f"https://www.data.gouv.fr={server.base}")
    monkeypatch.setattr(sources, "API_DEADLINE_S", 0.5)
    return SOURCE["france_services"]


def _resources(server, **checksum) -> bytes:
    resource = {"format": "csv", "url": "https://www.data.gouv.fr/fs.csv", "last_modified": "2026-05-01"}
    return json.dumps({"resources": [resource | checksum]}).encode()


def test_the_datagouv_api_is_bounded_and_checked(server, datagouv, tmp_path):
    api = "/api/1/datasets/liste-des-structures-france-services/"
    server.routes["/fs.csv"] = {"body": FS_BODY}
    # a working mirror first: the API's resource is fetched through the mirror too
    server.routes[api] = {"body": _resources(server)}
    assert fetch_source(datagouv, "58", tmp_path / "ok").path.read_bytes() == FS_BODY
    # headers dripped, a body that never ends, an answer of the wrong shape, an unknown checksum
    server.routes[api] = {"drip_headers": 0.05}
    _raises_promptly(lambda: fetch_source(datagouv, "58", tmp_path / "a"), 0.5, "délai total de 0.5 s")
    server.routes[api] = {"endless": True}
    _raises_promptly(lambda: fetch_source(datagouv, "58", tmp_path / "b"), 0.5, "plus de 8 Mo|délai total")
    for body in (b"[1,2,3]", b'{"resources": [1, "x", null]}', b"null", b"<html>"):
        server.routes[api] = {"body": body}
        with pytest.raises(DataUnavailableError, match="jeu de données|JSON|aucune ressource") as error:
            fetch_source(datagouv, "58", tmp_path / "c")
        assert "\n" not in str(error.value)
    server.routes[api] = {"body": _resources(server, checksum={"type": "crc32", "value": "1234abcd"})}
    with pytest.raises(DataUnavailableError, match="type 'crc32' inconnu"):
        fetch_source(datagouv, "58", tmp_path / "d")
    assert not list((tmp_path / "d").glob("*.csv"))


def test_a_redirect_loop_is_one_line(server, tmp_path):
    server.routes["/fs.csv"] = {"redirect": server.url("/fs.csv")}
    with pytest.raises(DataUnavailableError) as error:
        fetch_source(_fs_source(server), "58", tmp_path)
    assert "\n" not in str(error.value) and "boucle de redirections" in str(error.value)


@pytest.fixture()
def geofabrik(server, monkeypatch, tmp_path):
    monkeypatch.setenv("CONUM_GEO_MIRRORS", f"https://download.geofabrik.de={server.base}")
    monkeypatch.setattr(road_extracts, "SMALL_DEADLINE_S", 0.5)
    monkeypatch.setattr(road_extracts, "DEADLINE_S", 0.5)
    index = {"features": [{"properties": {"urls": {"pbf": road_extracts.extract_url(r)}}}
                          for r in ("auvergne", "bourgogne", "centre")]}
    server.routes["/index-v1-nogeom.json"] = {"body": json.dumps(index).encode()}
    for region in ("auvergne", "bourgogne", "centre"):
        server.routes[f"/europe/france/{region}-latest.osm.pbf.md5"] = {"body": b"0" * 32 + b"  x.osm.pbf\n"}
        server.routes[f"/europe/france/{region}-latest.osm.pbf"] = {"drip_headers": 0.05}
    return tmp_path / "cache"


@pytest.mark.parametrize("route, answer, match", [
    ("/index-v1-nogeom.json", {"drip_headers": 0.05}, "délai total de 0.5 s"),
    ("/index-v1-nogeom.json", {"endless": True}, "plus de 64 Mo|délai total"),
    ("/index-v1-nogeom.json", {"body": b"[]"}, "index de Geofabrik illisible"),
    ("/index-v1-nogeom.json", {"body": b'{"features": [1, {"properties": []}]}'}, "absent"),
    ("/europe/france/auvergne-latest.osm.pbf.md5", {"drip_headers": 0.05}, "délai total de 0.5 s"),
    ("/europe/france/auvergne-latest.osm.pbf.md5", {"endless": True}, "plus de 4096 octets"),
    ("/europe/france/auvergne-latest.osm.pbf.md5", {"body": b"<html>not found</html>"}, "MD5 publiée illisible"),
    ("/europe/france/auvergne-latest.osm.pbf", {"drip_headers": 0.05}, "délai total de 0.5 s"),
])
def test_every_road_fetch_path_is_bounded(geofabrik, server, route, answer, match):
    server.routes[route] = answer
    _raises_promptly(lambda: road_extracts.fetch_extracts("58", geofabrik), 0.5, match)
    assert not list(geofabrik.glob("roads/*.osm.pbf"))


DRIPPING_CLIENT = """
import sys
from conum_geo.data.sources import download
from conum_geo.core.errors import DataUnavailableError
try:
    download(sys.argv[1], sys.argv[2], timeout_s=30, deadline_s=1.0)
except DataUnavailableError as exc:
    print(exc)
"""


def test_the_process_exits_at_once_after_a_deadline(server, tmp_path):
    """After the deadline the process ends, whatever the server keeps doing."""
    server.routes["/fs.csv"] = {"drip_headers": 0.2}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", DRIPPING_CLIENT, server.url("/fs.csv"), str(tmp_path / "fs.csv")],
                          capture_output=True, text=True, timeout=30)
    assert "délai total de 1 s dépassé" in done.stdout, done.stderr
    assert time.monotonic() - started < 1.0 + 4.0  # the interpreter's start included
    assert not Path(tmp_path / "fs.csv").exists()

