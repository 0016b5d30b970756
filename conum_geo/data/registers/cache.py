"""Parsed registers on disk: a national file is parsed once, then loaded in a fraction of a
second by every later run (one département after another, a national run's workers).

A parsed ``Register`` is stored under a key hashed from everything its rows depend on: the
SHA-256 of the file, the path as given (messages name it), the read options (the lieux
schema's SHA-256, the programmes kept), the register's kind, the conum-geo version and
``CACHE_FORMAT``. Change any of them and the file is parsed again. The full key is stored in
the file and compared on load; a file that cannot be read back (truncated, bit-flipped, not
ours) is removed and the register parsed again, with a warning in the log: never a traceback,
never a stale table. Files are written atomically (``core.cache.atomic_path``).

Format: ``.npz`` without pickle. Numeric and boolean NumPy columns as arrays; geometries as
WKB; every other column (text, lists, nullable types) as the JSON text of its cells with its
dtype, restored by pandas; the register's own fields (label, vintage, problems, aliases) as
JSON. A frame this codec cannot store exactly is simply not cached.

Location: ``registers`` under the cache root (``core.cache.cache_root``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ...core.cache import atomic_path, cache_root, file_sha256
from ...core.version import __version__
from .io import Register

log = logging.getLogger(__name__)

#: Bump when a reader's output or the stored layout changes.
CACHE_FORMAT = 1


def cache_dir() -> Path:
    """Where parsed registers are kept."""
    return cache_root() / "registers"


def register_key(kind: str, path: Path, options: dict) -> dict:
    """Everything a parsed register depends on (module doc)."""
    return {"kind": kind, "path": str(path), "file_sha256": file_sha256(path), "options": options,
            "conum_geo": __version__, "cache_format": CACHE_FORMAT}


def _file_of(key: dict) -> Path:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return cache_dir() / f"{key['kind']}-{digest}.npz"


class _NotStorable(Exception):
    """A frame the codec cannot store exactly (the register is then not cached)."""


class _OtherKey(Exception):
    """A cached file stored under another key (a hash collision, or not ours)."""


def _json_bytes(value) -> np.ndarray:
    return np.frombuffer(json.dumps(value, ensure_ascii=False).encode(), dtype=np.uint8)


def _encode_column(series: pd.Series) -> tuple[dict, dict]:
    """A column as arrays, and how to restore it."""
    if isinstance(series.dtype, gpd.array.GeometryDtype):
        wkb = shapely.to_wkb(np.asarray(series.array))
        sizes = np.array([0 if w is None else len(w) for w in wkb], dtype=np.int64)
        blob = np.frombuffer(b"".join(w for w in wkb if w is not None), dtype=np.uint8)
        crs = series.crs.to_string() if series.crs is not None else None
        return {"wkb": blob, "sizes": sizes}, {"codec": "wkb", "crs": crs}
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "biuf":
        return {"values": series.to_numpy()}, {"codec": "numpy"}
    cells = [None if (not isinstance(v, (list, tuple, dict)) and pd.isna(v)) else v
             for v in series.astype(object)]
    try:
        text = _json_bytes(cells)
    except (TypeError, ValueError) as exc:
        raise _NotStorable(f"{series.name}: {exc}") from None
    return {"json": text}, {"codec": "json", "dtype": str(series.dtype)}


def _decode_column(arrays, prefix: str, spec: dict):
    if spec["codec"] == "wkb":
        sizes = arrays[f"{prefix}sizes"]
        ends = np.cumsum(sizes)
        blob = arrays[f"{prefix}wkb"].tobytes()
        wkb = np.array([blob[e - s:e] if s else None for s, e in zip(sizes, ends)], dtype=object)
        return gpd.GeoSeries(shapely.from_wkb(wkb), crs=spec["crs"])
    if spec["codec"] == "numpy":
        return pd.Series(arrays[f"{prefix}values"])
    cells = json.loads(arrays[f"{prefix}json"].tobytes())
    if spec["dtype"] == "object":  # as stored: pandas would infer a string dtype
        values = np.empty(len(cells), dtype=object)
        values[:] = cells
        return pd.Series(values, dtype=object)
    return pd.Series(pd.array(cells, dtype=spec["dtype"]))


def _encode(register: Register) -> dict:
    frame = register.frame
    if not isinstance(frame.index, pd.RangeIndex) or frame.columns.duplicated().any():
        raise _NotStorable("index or column names")
    arrays: dict = {}
    columns = []
    for i, name in enumerate(frame.columns):
        stored, spec = _encode_column(frame[name])
        arrays |= {f"c{i}_{part}": value for part, value in stored.items()}
        columns.append({"name": name, **spec})
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    meta = {"columns": columns, "geometry": geometry, "rows": len(frame), "as_of": register.as_of,
            "label": register.label, "problems": register.problems, "aliases": register.aliases}
    return arrays | {"meta": _json_bytes(meta)}


def _decode(stored, path: Path, kind: str) -> Register:
    meta = json.loads(stored["meta"].tobytes())
    data = {c["name"]: _decode_column(stored, f"c{i}_", c) for i, c in enumerate(meta["columns"])}
    frame = pd.DataFrame(data, index=pd.RangeIndex(meta["rows"]))
    if meta["geometry"] is not None:
        frame = gpd.GeoDataFrame(frame, geometry=meta["geometry"])
    return Register(kind=kind, path=path, frame=frame, as_of=meta["as_of"], label=meta["label"],
                    problems=list(meta["problems"]), aliases=dict(meta["aliases"]))


def load(key: dict, path: Path) -> Register | None:
    """The register stored under ``key``, or None (absent, or damaged: removed)."""
    file = _file_of(key)
    if not file.is_file():
        return None
    try:
        with open(file, "rb") as stream, np.load(stream, allow_pickle=False) as stored:
            if json.loads(stored["key"].tobytes()) != json.loads(json.dumps(key, default=str)):
                raise _OtherKey(file)
            register = _decode(stored, path, key["kind"])
    except Exception as exc:  # damaged or foreign: parse the file again
        log.warning("registre en cache illisible (%s : %s) : relu depuis %s", file, type(exc).__name__, path)
        file.unlink(missing_ok=True)
        return None
    log.info("%s: parsed rows read from the cache %s", path, file)
    return register


def store(key: dict, register: Register) -> None:
    """Keep ``register`` under ``key`` (nothing when the codec cannot store it exactly, or the
    cache cannot be written: logged, the run goes on)."""
    try:
        arrays = _encode(register) | {"key": _json_bytes(json.loads(json.dumps(key, default=str)))}
        file = _file_of(key)
        with atomic_path(file, suffix=".npz") as tmp, open(tmp, "wb") as stream:
            np.savez(stream, **arrays)
    except _NotStorable as exc:
        log.info("%s: not cached (%s)", register.path, exc)
    except OSError as exc:
        log.warning("registre non mis en cache (%s) : il sera relu à chaque exécution", exc.strerror or exc)


def cached_read(kind: str, path: Path, options: dict, read) -> Register:
    """``read()``'s register for ``path``, parsed once (module doc). ``options`` names what
    the reader depends on besides the file."""
    try:
        key = register_key(kind, path, options)
    except OSError:  # the reader says what is wrong with the file
        return read()
    cached = load(key, path)
    if cached is not None:
        return cached
    register = read()
    store(key, register)
    return register
