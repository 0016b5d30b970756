"""Recognise register files by their content, not their name, so that a folder of downloads
(``--data-dir``) can be used as it is.

Each kind is recognised from the header of a CSV, the keys of the first record of a JSON
array, the properties and geometry of the first GeoJSON feature, or the fields of a
GeoPackage/Shapefile layer. Files of no known kind are skipped (logged at debug level).
"""

from __future__ import annotations

import csv
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from ...core.errors import InputError
from .formats import FORMATS

log = logging.getLogger(__name__)

_SUFFIXES = {".csv", ".txt", ".json", ".geojson", ".gpkg", ".shp"}
_HEAD_BYTES = 1 << 20


def _kind_of(probe: str, value) -> str | None:
    """The first format whose ``probe`` predicate (``csv``, ``record``, ``feature``,
    ``fields``) accepts ``value``."""
    return next((f.kind for f in FORMATS if getattr(f, probe) is not None and getattr(f, probe)(value)), None)


def _first_json_item(text: str):
    """The first element of a JSON array, the first feature of a FeatureCollection, or the
    whole object (``text`` must then hold all of it)."""
    decoder = json.JSONDecoder()
    start = text.lstrip()
    if start.startswith("["):
        index = text.index("[") + 1
    else:
        marker = text.find('"features"')
        if marker < 0:
            return json.loads(text)
        index = text.index("[", marker) + 1
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    item, _ = decoder.raw_decode(text, index)
    return item


def _json_kind(path: Path) -> str | None:
    with open(path, "rb") as stream:
        head = stream.read(_HEAD_BYTES).decode("utf-8-sig", errors="replace")
    try:
        item = _first_json_item(head)
    except (ValueError, IndexError):
        try:  # the first item is longer than the head: read the whole file
            item = _first_json_item(Path(path).read_text(encoding="utf-8-sig"))
        except (ValueError, IndexError, UnicodeDecodeError) as exc:
            raise InputError(f"JSON illisible, tronqué ou mal formé ({type(exc).__name__} : {exc})",
                             path=path) from None
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("fields"), list):
        names = {f.get("name") for f in item["fields"] if isinstance(f, dict)}
        return "lieux_schema" if "dispositif_programmes_nationaux" in names else None
    if item.get("type") == "Feature":
        return _kind_of("feature", item)
    return _kind_of("record", item)


def _vector_kind(path: Path) -> str | None:
    import pyogrio

    try:
        info = pyogrio.read_info(path)
    except Exception:  # not a readable vector file
        return None
    polygonal = "Polygon" in str(info.get("geometry_type", ""))
    return _kind_of("fields", set(info["fields"])) if polygonal else None


def detect_kind(path: str | Path) -> str | None:
    """The register kind of ``path`` (a key of ``formats.KINDS``), or None."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".gpkg", ".shp"):
        return _vector_kind(path)
    if suffix in (".json", ".geojson"):
        return _json_kind(path)
    if suffix in (".csv", ".txt"):
        with open(path, "rb") as stream:
            first = stream.readline().decode("utf-8-sig", errors="replace")
        header = set()
        for sep in (",", ";", "\t"):
            try:
                header |= {name.strip() for name in next(csv.reader([first.rstrip("\r\n")], delimiter=sep), [])}
            except csv.Error:
                return None
        return _kind_of("csv", header)
    return None


def _unreadable(path: Path) -> str | None:
    """Why a text file of a register suffix cannot be read as a register ('' when it can)."""
    if path.stat().st_size == 0:
        return "fichier vide"
    if path.suffix.lower() not in (".csv", ".txt", ".json", ".geojson"):
        return None
    with open(path, "rb") as stream:
        head = stream.read(4096)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        return "texte illisible (UTF-16 ou fichier binaire ?) : l'enregistrer en UTF-8"
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut by the 4 kB window
            return None  # Latin-1 text: the reader says so precisely, if the file is used
    if path.suffix.lower() in (".json", ".geojson"):
        text = head.decode("utf-8-sig", errors="replace").lstrip()
        if not text.startswith(("{", "[")):
            return "JSON illisible : ni objet ni tableau au début du fichier"
    return None


@dataclass(frozen=True)
class Scan:
    """What a data folder holds: the recognised files by kind, and the files left aside with
    why (``skipped``: path, French reason)."""

    found: dict[str, list[Path]]
    skipped: list[tuple[Path, str]]


def scan(data_dir: str | Path) -> Scan:
    """Every file below ``data_dir`` with a register suffix: recognised by kind (sorted paths),
    or left aside with its reason. A file that cannot be read at all (empty, UTF-16, binary)
    is an ``InputError`` naming it: it may be the register the run needs."""
    found: dict[str, list[Path]] = {}
    skipped: list[tuple[Path, str]] = []
    for path in sorted(Path(data_dir).rglob("*")):
        relative = path.relative_to(data_dir)
        if (not path.is_file() or path.suffix.lower() not in _SUFFIXES
                or any(part.startswith(".") for part in relative.parts)
                or path.name.endswith(".meta.json")):
            continue
        problem = _unreadable(path)
        if problem:
            raise InputError(f"{problem} ; corriger ou retirer ce fichier du dossier", path=path)
        kind = detect_kind(path)
        log.debug("%s: %s", path, kind or "not a register")
        if kind:
            found.setdefault(kind, []).append(path)
        else:
            skipped.append((path, "contenu non reconnu comme un registre connu"))
    return Scan(found, skipped)
