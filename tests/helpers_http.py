"""A local file server on 127.0.0.1 for the download tests (no internet here): serves
``files`` (path → bytes), honours ``Range``, records the requests, and can cut an answer
halfway (``cut_next``) to test resumption."""

from __future__ import annotations

import http.server
import socket


class LocalServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, files: dict[str, bytes] | None = None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files: dict[str, bytes] = files if files is not None else {}
        self.requests: list[tuple[str, str | None]] = []
        self.cut_next: set[str] = set()  # paths whose next answer stops halfway

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        server = self.server
        path = self.path.split("?")[0]
        server.requests.append((path, self.headers.get("Range")))
        body = server.files.get(path)
        if body is None:
            self.send_error(404)
            return
        start = 0
        if self.headers.get("Range"):
            start = int(self.headers["Range"].removeprefix("bytes=").split("-")[0])
            if start >= len(body):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        if path in server.cut_next:
            server.cut_next.discard(path)
            self.wfile.write(body[start:start + (len(body) - start) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body[start:])
