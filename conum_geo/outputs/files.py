"""Writers at the edge: a command's files are published as one set, all or nothing.

``write_outputs(out_dir, writers)`` writes every file of a run into a staging folder beside
``out_dir`` (same file system), with a ``manifest.json`` listing each file, its size and
SHA-256, then publishes the whole folder at once:

- ``out_dir`` absent: one ``rename`` of the staging folder;
- ``out_dir`` present: the files already there that this run does not write (another
  command's outputs, the user's own files) are hard-linked into the staging folder first, then
  the two folders are swapped atomically (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two
  renames, and a run killed between them is repaired by the next one) and the old folder is
  deleted.

So a reader never sees files of two runs mixed, nor a half-written file: the folder holds
the complete old set or the complete new set. Staging and old folders left by killed runs
(their process is gone) are removed by the next run that writes beside them. ``out_dir``
may not contain sub-folders (they could not be carried over atomically).
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import functools
import hashlib
import inspect
import json
import logging
import math
import os
import secrets
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from ..core.errors import ConumGeoError, InputError, OutputError
from .tables import Table, TableFormat, write_csv, write_xlsx

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
_STAGING = "conum-geo-staging"
_OLD = "conum-geo-old"

Writer = Callable[[Path], None]
F = TypeVar("F", bound=Callable)

#: The parameters every ``write_<result>`` function shares (one calling convention).
_WRITER_PARAMETERS = {
    "result": "The result to write.",
    "out_dir": "The folder: it holds the complete old set or the complete new one (``outputs.files``).",
    "extra": "More entries for ``summary.json``.",
    "tables": "The formats of the tables (``outputs.tables.TableFormat``; default: standard CSV).",
}


def result_writer(function: F) -> F:
    """Document ``function`` as a writer of one result's set: the shared Parameters (those it
    takes) and Returns are appended to its docstring, written once here."""
    names = [name for name in inspect.signature(function).parameters if name in _WRITER_PARAMETERS]
    lines = ["Parameters", "----------"]
    for name in names:
        lines += [name, f"    {_WRITER_PARAMETERS[name]}"]
    lines += ["", "Returns", "-------", "list of Path", "    The paths written, published as one set."]
    function.__doc__ = inspect.cleandoc(function.__doc__ or "") + "\n\n" + "\n".join(lines)
    return function


def json_safe(value):
    """``value`` with NaN/inf as None and NumPy scalars as Python ones: strict JSON."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def dumps_json(data) -> str:
    """Strict JSON text (never ``NaN`` or ``Infinity``), UTF-8 characters kept."""
    return json.dumps(json_safe(data), ensure_ascii=False, indent=2, allow_nan=False)


def write_json(data, path: Path) -> None:
    path.write_text(dumps_json(data) + "\n", encoding="utf-8")


def write_lines(lines, path: Path) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_geopackage(frame: gpd.GeoDataFrame, path: Path, *, layer: str) -> None:
    """``frame`` as a GeoPackage layer; GDAL's failures (a full disk: "Failed to commit
    transaction") are ``OSError`` like any other write's."""
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
    except (DataSourceError, DataLayerError) as exc:
        raise OSError(errno.EIO, f"GeoPackage : {' '.join(str(exc).split())}", str(path)) from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _siblings(out_dir: Path, tag: str) -> list[tuple[Path, int]]:
    """Folders ``.<name>.<tag>-<pid>-<token>`` beside ``out_dir`` and their pid."""
    found = []
    prefix = f".{out_dir.name}.{tag}-"
    if out_dir.parent.is_dir():
        for path in out_dir.parent.iterdir():
            if path.name.startswith(prefix) and path.is_dir():
                pid = path.name[len(prefix):].split("-")[0]
                found.append((path, int(pid) if pid.isdigit() else -1))
    return found


def clean_stale(out_dir: Path) -> None:
    """Repair what killed runs left beside ``out_dir`` (module doc)."""
    olds = [(path, pid) for path, pid in _siblings(out_dir, _OLD) if not _alive(pid)]
    if not out_dir.exists() and olds:  # killed between the two renames: the old set comes back
        path = max(olds, key=lambda item: item[0].stat().st_mtime)[0]
        os.rename(path, out_dir)
        log.warning("%s : ensemble de fichiers précédent restauré (exécution interrompue)", out_dir)
        olds = [item for item in olds if item[0] != path]
    for path, pid in olds + _siblings(out_dir, _STAGING):
        if not _alive(pid) or pid == -1:
            shutil.rmtree(path, ignore_errors=True)
            log.info("dossier temporaire d'une exécution interrompue supprimé : %s", path)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False when not supported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(a))


def _carry_over(out_dir: Path, staging: Path) -> None:
    """Hard-link (else copy) the files of ``out_dir`` this run does not write into ``staging``."""
    for path in out_dir.iterdir():
        if path.is_dir():
            raise InputError("le dossier de sortie contient des sous-dossiers : choisir un dossier "
                             "vide ou réservé à conum-geo", path=out_dir)
        target = staging / path.name
        if target.exists() or path.name == MANIFEST:
            continue
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)


def _manifest(staging: Path, written: list[str], previous: dict) -> dict:
    files = {name: {"bytes": (staging / name).stat().st_size, "sha256": _sha256(staging / name)}
             for name in sorted(p.name for p in staging.iterdir() if p.name != MANIFEST)}
    return {"producer": "conum-geo", "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "this_run": sorted(written), "files": files, "previous_runs": previous.get("this_run", [])}


def publish(staging: Path, out_dir: Path, written: list[str]) -> None:
    """Publish the staged set as ``out_dir`` (module doc)."""
    previous = {}
    if out_dir.exists():
        if not out_dir.is_dir():
            raise InputError("la sortie attendue est un dossier, c'est un fichier", path=out_dir)
        if (out_dir / MANIFEST).is_file():
            try:
                previous = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                previous = {}
        _carry_over(out_dir, staging)
    write_json(_manifest(staging, written, previous), staging / MANIFEST)
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    old = out_dir.parent / f".{out_dir.name}.{_OLD}-{os.getpid()}-{secrets.token_hex(4)}"
    if _exchange(staging, out_dir):
        shutil.rmtree(staging, ignore_errors=True)  # the staging path now holds the old set
        return
    os.rename(out_dir, old)
    os.rename(staging, out_dir)
    shutil.rmtree(old, ignore_errors=True)


def _expand(writers: Mapping[str, Writer | Table], tables: TableFormat) -> dict[str, Writer]:
    """Writers with every ``Table`` turned into its CSV (and its XLSX with ``tables.xlsx``)."""
    expanded: dict[str, Writer] = {}
    for name, writer in writers.items():
        if not isinstance(writer, Table):
            expanded[name] = writer
            continue
        expanded[name] = functools.partial(write_csv, writer, csv_format=tables.csv)
        if tables.xlsx:
            expanded[str(Path(name).with_suffix(".xlsx"))] = functools.partial(write_xlsx, writer)
    return expanded


def write_outputs(out_dir: str | Path, writers: Mapping[str, Writer | Table], *,
                  tables: TableFormat | None = None) -> list[Path]:
    """Write every ``name → write(path)`` of ``writers`` (a ``Table`` for a ``.csv``: written
    in ``tables``' format, ``tables.TableFormat``) and publish them as one set in ``out_dir``
    (module doc); returns the paths written."""
    planned = _expand(writers, tables or TableFormat())
    out_dir = Path(out_dir).absolute()
    staging = out_dir.parent / f".{out_dir.name}.{_STAGING}-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(out_dir)
        staging.mkdir()
        for name, write in planned.items():
            write(staging / name)
        publish(staging, out_dir, list(planned))
    except ConumGeoError:  # already one line (some are OSErrors too: data unavailable)
        raise
    except OSError as exc:
        raise OutputError(f"{out_dir} : écriture impossible ({_why(exc)}) ; rien n'a été publié, les fichiers "
                          "déjà présents sont gardés") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / name for name in planned]


#: What a failed write means, in French, by errno.
_WHY = {errno.ENOSPC: "disque plein", errno.EDQUOT: "quota disque atteint", errno.EROFS: "système de fichiers en "
        "lecture seule", errno.EACCES: "permission refusée", errno.EPERM: "opération non permise"}


def _why(exc: OSError) -> str:
    return _WHY.get(exc.errno or -1, " ".join(str(exc.strerror or exc).split()))


def read_manifest(out_dir: str | Path) -> dict:
    """The manifest of a published folder, checked against its files (``InputError`` when a
    file is missing or differs: the folder is not a complete set)."""
    out_dir = Path(out_dir)
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"manifeste absent ou illisible ({exc})", path=out_dir / MANIFEST) from None
    for name, meta in manifest.get("files", {}).items():
        path = out_dir / name
        if not path.is_file() or path.stat().st_size != meta["bytes"] or _sha256(path) != meta["sha256"]:
            raise InputError("fichier absent ou différent de celui du manifeste", path=path)
    return manifest
