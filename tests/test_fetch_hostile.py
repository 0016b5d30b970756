"""``data fetch`` against hostile servers on 127.0.0.1: names that would leave the cache, a
server that drips bytes, a body too long or shorter than announced, a redirect to another
host, garbage instead of a register. Each is refused in one line, and a good cached file is
never replaced by a bad download."""

from __future__ import annotations

import dataclasses
import http.server
import json
import socket
import threading
import time

import pytest
from test_validation import FS_HEADER, FS_ROWS

from conum_geo.data.sources import MB, SOURCES, download, fetch_source
from conum_geo.errors import DataUnavailableError

SOURCE = {s.key: s for s in SOURCES}
FS_BODY = ("\n".join([",".join(FS_HEADER)] + [",".join(r) for r in FS_ROWS]) + "\n").encode()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, dict] = {}

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.server_address[1]}{path}"


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        route = self.server.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_error(404)
            return
        if "redirect" in route:
            self.send_response(302)
            self.send_header("Location", route["redirect"])
            self.end_headers()
            return
        body = route.get("body", b"")
        self.send_response(200)
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
