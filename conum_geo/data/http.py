"""HTTP for downloads that never trust the server: one deadline from the connection to the
last byte, a size cap on every body, redirects only to the hosts allowed, mirrors applied.

A socket timeout bounds each read, not a request: a server dripping its headers one byte a
second would hold a request forever. A ``Deadline`` therefore watches every socket opened under
it (through our own connection classes, from the TCP connection on, TLS handshake and headers
included) and shuts them down when it passes: whatever read is blocked returns at once, and the
caller raises the one-line error. Name resolution happens before the socket exists and is
bounded by the system resolver only.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from ..core.errors import DataUnavailableError
from .mirrors import mirrored, official

USER_AGENT = "conum-geo (+https://github.com/conum-geo/conum-geo)"
MB = 1 << 20
CHUNK_BYTES = 1 << 16


class Deadline:
    """A time limit for everything a download does (module doc); a context manager."""

    def __init__(self, seconds: float):
        self.seconds = float(seconds)
        self.end = time.monotonic() + self.seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(self.seconds, 0.0), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return max(self.end - time.monotonic(), 0.0)

    def watch(self, sock: socket.socket) -> socket.socket:
        """Shut ``sock`` down when the deadline passes (at once if it has)."""
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            self._shut(sock)
        return sock

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            self._shut(sock)

    def close(self) -> None:
        self._timer.cancel()

    def __enter__(self) -> Deadline:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _watched_connection(base: type, deadline: Deadline):
    """A connection class of ``base`` whose sockets ``deadline`` watches."""

    class Connection(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)

            def create(address, timeout=None, source_address=None):
                limit = deadline.remaining()
                if not limit:
                    raise TimeoutError("délai total dépassé")
                timeout = limit if timeout is None else min(timeout, limit)
                return deadline.watch(socket.create_connection(address, timeout, source_address))

            self._create_connection = create

    return Connection


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline):
        super().__init__()
        self.deadline = deadline

    def http_open(self, req):
        return self.do_open(_watched_connection(http.client.HTTPConnection, self.deadline), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: Deadline):
        super().__init__()
        self.deadline = deadline

    def https_open(self, req):
        return self.do_open(_watched_connection(http.client.HTTPSConnection, self.deadline), req,
                            context=getattr(self, "_context", None))


class _RedirectPolicy(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only when the official URL it stands for is on an ``allowed`` host
    (None: any), through its mirror."""

    def __init__(self, allowed: set[str] | None):
        self.allowed = allowed

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        target = official(urllib.parse.urljoin(req.full_url, newurl))
        host = urllib.parse.urlsplit(target).hostname or ""
        if self.allowed is not None and host not in self.allowed:
            raise DataUnavailableError(f"{req.full_url} : redirection refusée vers {host} (hôte non prévu pour "
                                       f"cette source ; attendus : {', '.join(sorted(self.allowed))})")
        return super().redirect_request(req, fp, code, msg, headers, mirrored(target))


def one_line(reason) -> str:
    """A library's reason as one line (urllib's redirect-loop message has three)."""
    return " ".join(str(reason).split())


class Unreachable(Exception):
    """A server that could not be reached or answered an HTTP error (``status`` when it did)."""

    def __init__(self, url: str, reason: str, status: int | None = None):
        super().__init__(reason)
        self.url, self.reason, self.status = url, reason, status


def deadline_error(url: str, deadline: Deadline, received: int, resume_from=None) -> DataUnavailableError:
    resume = f" ; relancer la même commande pour reprendre depuis {resume_from}" if resume_from else ""
    return DataUnavailableError(f"{url} : délai total de {deadline.seconds:g} s dépassé (connexion, en-têtes et "
                                f"contenu) après {received} octet(s) reçu(s){resume}")


@contextmanager
def opened(url: str, deadline: Deadline, *, headers: dict | None = None, timeout_s: float = 60.0,
           allowed_hosts: set[str] | None = None) -> Iterator[http.client.HTTPResponse]:
    """The response to a GET of ``url`` (its mirror when one is set) under ``deadline``:
    redirects only to ``allowed_hosts`` (None: any). Raises ``Unreachable`` (connection or
    HTTP error), or the deadline's ``DataUnavailableError``."""
    target = mirrored(url)
    request = urllib.request.Request(target, headers={"User-Agent": USER_AGENT, **(headers or {})})
    opener = urllib.request.build_opener(_RedirectPolicy(allowed_hosts), _HTTPHandler(deadline),
                                         _HTTPSHandler(deadline))
    try:
        response = opener.open(request, timeout=max(min(timeout_s, deadline.remaining()), 0.001))  # noqa: S310
    except urllib.error.HTTPError as exc:
        exc.close()
        if str(exc.reason).startswith(urllib.request.HTTPRedirectHandler.inf_msg):
            raise Unreachable(target, f"boucle de redirections (HTTP {exc.code})", exc.code) from None
        raise Unreachable(target, f"HTTP {exc.code} {one_line(exc.reason)}", exc.code) from None
    except (OSError, http.client.HTTPException) as exc:
        if deadline.expired:
            raise deadline_error(target, deadline, 0) from None
        raise Unreachable(target, one_line(getattr(exc, "reason", None) or exc)) from None
    try:
        yield response
    finally:
        response.close()


def blocks(response, deadline: Deadline, url: str, *, max_bytes: int, received: int = 0,
           resume_from=None) -> Iterator[bytes]:
    """The body of ``response`` as it arrives, at most ``max_bytes`` in all (``received``
    already), under ``deadline``; a body cut short or too big is a ``DataUnavailableError``."""
    while True:
        try:
            block = response.read1(CHUNK_BYTES)
        except (OSError, http.client.HTTPException) as exc:
            if deadline.expired:
                raise deadline_error(url, deadline, received, resume_from) from None
            resume = f" ; relancer la même commande pour reprendre depuis {resume_from}" if resume_from else ""
            raise DataUnavailableError(f"téléchargement de {url} interrompu après {received} octets "
                                       f"({exc.__class__.__name__}){resume}") from None
        if deadline.expired:
            raise deadline_error(url, deadline, received, resume_from)
        if not block:
            return
        received += len(block)
        if received > max_bytes:
            raise too_big(url, max_bytes)
        yield block


class TooBig(DataUnavailableError):
    """A body over its size cap (what was received of it is worthless)."""


def too_big(url: str, max_bytes: int) -> TooBig:
    size = f"{max_bytes // MB} Mo" if max_bytes >= MB else f"{max_bytes} octets"
    return TooBig(f"{url} : plus de {size}, la taille maximale prévue pour ce fichier ; téléchargement écarté")


def fetch_document(url: str, *, max_bytes: int, deadline_s: float, timeout_s: float = 60.0,
                   allowed_hosts: set[str] | None = None, headers: dict | None = None) -> bytes:
    """A small document (an API answer, an index, a checksum) in memory: the whole of it
    within ``deadline_s`` and ``max_bytes`` (module doc). Raises ``Unreachable`` or
    ``DataUnavailableError``."""
    with Deadline(deadline_s) as deadline, opened(url, deadline, headers=headers, timeout_s=timeout_s,
                                                  allowed_hosts=allowed_hosts) as response:
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise too_big(mirrored(url), max_bytes)
        return b"".join(blocks(response, deadline, mirrored(url), max_bytes=max_bytes))
