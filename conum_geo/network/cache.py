"""On-disk cache of built road graphs, never stale.

A graph is stored under a key hashed from everything it depends on: the SHA-256 of the input
file, the speed table's fingerprint, the conum-geo version, the cache format and the build
parameters (clip area, CRS, simplification). Change any of them (a re-weighted speed table, a
new extract) and the key changes, so the graph is rebuilt. The full key is also stored in the
file and compared on load, with the SHA-256 of the stored arrays: a damaged file (truncated,
bit-flipped) is removed and the graph rebuilt, with a warning. Files are written to a
temporary name then renamed (atomic), so an interrupted run never leaves a half graph behind.

Location: ``$CONUM_GEO_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/conum-geo`` (default
``~/.cache/conum-geo``), sub-folder ``networks``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..core.cache import cache_root
from .graph import RoadGraph

log = logging.getLogger(__name__)

#: Bump when the stored layout or the build rules change.
CACHE_FORMAT = 2


def default_cache_dir() -> Path:
    """Where graphs are cached: ``networks`` under the cache root (``conum_geo.core.cache``)."""
    return cache_root() / "networks"


def package_version() -> str:
    try:
        return version("conum-geo")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def graph_key(parts: dict) -> dict:
    """The full cache key: ``parts`` plus the package version and cache format."""
    return {**parts, "conum_geo": package_version(), "cache_format": CACHE_FORMAT}


def _digest(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:32]


_ARRAYS = ("x", "y", "indptr", "indices", "data", "node_id")


class _Damaged(Exception):
    """A cached graph file that is not what was stored (caught in ``load_graph``)."""


def _checksum(arrays: dict) -> str:
    """SHA-256 of the stored arrays (names, dtypes, shapes and bytes)."""
    digest = hashlib.sha256()
    for name in _ARRAYS:
        if name in arrays:
            array = np.ascontiguousarray(arrays[name])
            digest.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
            digest.update(array.tobytes())
    return digest.hexdigest()


def save_graph(graph: RoadGraph, path: Path, key: dict) -> None:
    """Write ``graph`` with its key and the checksum of its arrays to ``path`` atomically."""
    matrix = graph.time_s
    arrays = {"x": graph.x, "y": graph.y, "indptr": matrix.indptr, "indices": matrix.indices, "data": matrix.data}
    if graph.node_id is not None:
        arrays["node_id"] = graph.node_id
    meta = {"key": key, "source": graph.source, "crs": graph.crs, "provenance": graph.provenance,
            "checksum": _checksum(arrays)}
    arrays["meta"] = np.array(json.dumps(meta, default=str))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=".graph-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def load_graph(path: Path, key: dict) -> tuple[RoadGraph | None, str]:
    """The graph stored at ``path`` if its key equals ``key`` and its arrays their checksum,
    else ``None``; and why a file there was damaged ('' when none was). A file that cannot
    be read (truncated, bit-flipped, not a graph) is removed, to be rebuilt: never a traceback."""
    if not path.exists():
        return None, ""
    try:
        with open(path, "rb") as handle:  # closed even when the file is not an archive at all
            stored = np.load(handle, allow_pickle=False)
            if not isinstance(stored, np.lib.npyio.NpzFile):
                raise _Damaged("pas une archive de graphe")
            with stored:
                meta = json.loads(str(stored["meta"]))
                if meta["key"] != json.loads(json.dumps(key, default=str)):
                    return None, ""
                arrays = {name: stored[name] for name in _ARRAYS if name in stored}
        if meta.get("checksum") != _checksum(arrays):
            raise _Damaged("somme de contrôle différente")
        n = len(arrays["x"])
        matrix = sp.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=(n, n))
        matrix.check_format(full_check=True)
        return RoadGraph(x=arrays["x"], y=arrays["y"], time_s=matrix, source=meta["source"], crs=meta["crs"],
                         provenance=meta["provenance"], node_id=arrays.get("node_id")), ""
    except Exception as exc:  # any damage: the file is a cache, rebuilt from its source
        log.info("damaged graph cache %s (%s: %s): rebuilt", path, type(exc).__name__, exc)
        path.unlink(missing_ok=True)
        return None, f"{path} : {type(exc).__name__}"


def cached_graph(parts: dict, build: Callable[[], RoadGraph], *,
                 cache_dir: str | Path | None = None) -> RoadGraph:
    """The graph for ``parts`` from the cache, else ``build()`` it and store it."""
    key = graph_key(parts)
    path = Path(cache_dir or default_cache_dir()) / f"{_digest(key)}.npz"
    graph, damage = load_graph(path, key)
    if graph is not None:
        log.info("road graph from cache %s", path)
        return graph
    graph = build()
    graph = RoadGraph(x=graph.x, y=graph.y, time_s=graph.time_s, source=graph.source, crs=graph.crs,
                      provenance={**graph.provenance, **key}, node_id=graph.node_id)
    save_graph(graph, path, key)
    log.info("road graph cached in %s", path)
    if damage:  # said by this run's outputs, not stored with the graph
        graph.provenance["cache_rebuilt"] = damage
    return graph
