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
import re
from dataclasses import dataclass
from pathlib import Path

from ...core.errors import InputError
from .communes import CODE_FIELDS

log = logging.getLogger(__name__)

#: Register kinds and their French description.
KINDS = {
    "communes": "contours des communes",
    "population": "communes et populations (COG INSEE)",
    "epci": "composition des EPCI",
    "france_services": "liste des France services",
    "conum_lieux": "lieux d'activité des conseillers numériques",
    "conum_structures": "structures employeuses de conseillers numériques",
    "lieux": "lieux de médiation numérique (standard national)",
    "lieux_schema": "schéma du standard des lieux de médiation numérique",
    "fragility": "indice de fragilité numérique (IRIS)",
    "density": "grille communale de densité",
    "qpv": "quartiers prioritaires (QPV)",
}
#: Kinds of which several files are used together (e.g. contours of neighbouring départements).
MULTIPLE = frozenset({"communes"})
_SUFFIXES = {".csv", ".txt", ".json", ".geojson", ".gpkg", ".shp"}
_HEAD_BYTES = 1 << 20
_COMMUNE_CODE = re.compile(r"\d{5}|2[AB]\d{3}")


def _csv_kind(header: set[str]) -> str | None:
    if {"id_fs", "h_lundi"} <= header:
        return "france_services"
    if "dispositif_programmes_nationaux" in header or {"pivot", "horaires", "itinerance"} <= header:
        return "lieux"
    if "niveau_densite" in header:
        return "density"
    if "Insee Com" in header and any(name.startswith("SCORE GLOBAL") for name in header):
        return "fragility"
    if {"insee_com", "code_qp"} <= header:
        return "qpv"
    return None


def _record_kind(record: dict) -> str | None:
    keys = set(record)
    if {"structureId", "conseiller_ids"} & keys:
        return "conum_lieux"
    if {"nb_cnfs", "raison_sociale"} <= keys:
        return "conum_structures"
    if {"code", "membres"} <= keys:
        return "epci"
    if {"code", "type"} <= keys and str(record.get("type", "")).startswith(("commune", "arrondissement")):
        return "population"
    return None


def _feature_kind(feature: dict) -> str | None:
    properties = feature.get("properties") or {}
    geometry = (feature.get("geometry") or {}).get("type", "")
    if "code_qp" in properties:
        return "qpv"
    code_field = next((name for name in CODE_FIELDS if name in properties), None)
    if geometry in ("Polygon", "MultiPolygon") and code_field:
        # a commune code has five characters; a département outline has two or three
        return "communes" if _COMMUNE_CODE.fullmatch(str(properties[code_field])) else None
    return None


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
        return _feature_kind(item)
    return _record_kind(item)


def _vector_kind(path: Path) -> str | None:
    import pyogrio

    try:
        info = pyogrio.read_info(path)
    except Exception:  # not a readable vector file
        return None
    polygonal = "Polygon" in str(info.get("geometry_type", ""))
    return "communes" if polygonal and set(info["fields"]) & set(CODE_FIELDS) else None


def detect_kind(path: str | Path) -> str | None:
    """The register kind of ``path`` (a key of ``KINDS``), or None."""
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
        return _csv_kind(header)
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
