"""IGN BD TOPO road segments (``troncon_de_route``) → ``RoadGraph``.

Reads a GeoPackage or Shapefile (through pyogrio), or a PostgreSQL dump (``pg_dump``
plain format, ``COPY ... FROM stdin`` block or ``INSERT`` statements) parsed here without a
database: geometries are hex EWKB, decoded by shapely.

Rules, per segment:

- ``nature`` in ``speeds.BDTOPO_NOT_DRIVABLE`` (paths, stairs, cycle tracks, ferries),
  ``acces_vehicule_leger`` other than ``Libre`` / ``A péage``, or ``etat_de_l_objet``
  other than ``En service`` → not in the car network;
- speed: ``vitesse_moyenne_vl`` (IGN's mean car speed), else the nature's fallback
  (``SpeedTable.bdtopo_kmh``);
- ``sens_de_circulation``: ``Double sens`` (and ``Sans objet``) both ways, ``Sens direct``
  along the digitised direction, ``Sens inverse`` against it;
- segments meet where their end points coincide (to the centimetre); BD TOPO splits roads at
  every junction, so interior vertices never connect (bridges cross without meeting).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from ..core.errors import InputError, NetworkError
from .build import graph_from_polylines, split_polylines
from .graph import RoadGraph
from .speeds import BDTOPO_NOT_DRIVABLE, DEFAULT_SPEEDS, SpeedTable

log = logging.getLogger(__name__)

LAYER = "troncon_de_route"
#: Field → accepted column names (GeoPackage / dump names first, Shapefile names after).
FIELDS = {
    "nature": ("nature",),
    "sens_de_circulation": ("sens_de_circulation", "sens"),
    "vitesse_moyenne_vl": ("vitesse_moyenne_vl", "vit_moy_vl"),
    "acces_vehicule_leger": ("acces_vehicule_leger", "acces_vl"),
    "etat_de_l_objet": ("etat_de_l_objet", "etat"),
}
OPTIONAL_FIELDS = ("etat_de_l_objet",)
DIRECTIONS = {"Double sens": 0, "Sans objet": 0, "Sens direct": 1, "Sens inverse": -1}
OPEN_ACCESS = frozenset({"Libre", "A péage", "À péage"})
CLOSED_ACCESS = frozenset({"Restreint aux ayants droit", "Physiquement impossible"})
IN_SERVICE = "En service"
SQL_SUFFIXES = (".sql", ".dump", ".sql.gz")
#: Coordinates closer than this are the same junction (m).
JUNCTION_PRECISION_M = 0.01

_CREATE = re.compile(r"^CREATE TABLE\s+(?:[\w\"]+\.)?\"?(\w+)\"?\s*\(", re.IGNORECASE)
_COPY = re.compile(r"^COPY\s+(?:[\w\"]+\.)?\"?(\w+)\"?\s*\(([^)]*)\)\s+FROM\s+stdin", re.IGNORECASE)
_INSERT = re.compile(r"^INSERT INTO\s+(?:[\w\"]+\.)?\"?(\w+)\"?\s*(?:\(([^)]*)\))?\s*VALUES\s*",
                     re.IGNORECASE)
_SQL_VALUE = re.compile(r"\s*('(?:[^']|'')*'|[^,()]+?)\s*(,|\))")
_COPY_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\", "b": "\b", "f": "\f", "v": "\v"}


def _sql_literal(token: str):
    if token.startswith("'"):
        return token[1:-1].replace("''", "'")
    if token.upper() == "NULL":
        return None
    return token


def _sql_tuples(text: str, path: Path, row: int):
    """Every ``(...)`` tuple of an ``INSERT ... VALUES`` body, as lists of values."""
    position = 0
    while True:
        start = text.find("(", position)
        if start < 0:
            return
        values, position = [], start + 1
        while True:
            match = _SQL_VALUE.match(text, position)
            if not match:
                raise InputError("instruction INSERT illisible", path=path, row=row)
            values.append(_sql_literal(match.group(1)))
            position = match.end()
            if match.group(2) == ")":
                break
        yield values


def _copy_field(token: str):
    if token == "\\N":
        return None
    return re.sub(r"\\(.)", lambda m: _COPY_ESCAPES.get(m.group(1), m.group(1)), token)


class _DumpTable:
    """One table of a ``pg_dump`` read line by line: its columns (from ``CREATE TABLE``,
    ``COPY`` or ``INSERT``) and its rows (a ``COPY`` block, or ``INSERT`` statements, which may
    run over several lines)."""

    def __init__(self, table: str, path: Path):
        self.table, self.path = table, path
        self.columns: list[str] | None = None
        self.rows: list[list] = []
        self.state = ""  # "create" or "copy" inside such a block
        self.pending = ""  # an INSERT statement not finished yet

    def read(self, line: str, number: int) -> None:
        if self.state == "copy":
            if line.startswith("\\."):
                self.state = ""
            else:
                self.rows.append([_copy_field(t) for t in line.rstrip("\n").split("\t")])
        elif self.state == "create":
            if line.lstrip().startswith(")"):
                self.state = ""
            else:
                assert self.columns is not None
                self.columns.append(line.strip().split()[0].strip('"'))
        elif self.pending:
            self._insert(self.pending + line, number)
        else:
            self._statement(line, number)

    def _statement(self, line: str, number: int) -> None:
        if (match := _CREATE.match(line)) and match.group(1) == self.table:
            self.columns, self.state = [], "create"
        elif (match := _COPY.match(line)) and match.group(1) == self.table:
            self.columns, self.state = _column_list(match.group(2)), "copy"
        elif (match := _INSERT.match(line)) and match.group(1) == self.table:
            if match.group(2):
                self.columns = _column_list(match.group(2))
            self._insert(line[match.end():], number)

    def _insert(self, body: str, number: int) -> None:
        """Rows of an INSERT statement once it is whole (its quotes closed and its ``;`` read)."""
        if body.count("'") % 2 == 0 and body.rstrip().endswith(";"):
            self.rows.extend(_sql_tuples(body, self.path, number))
            self.pending = ""
        else:
            self.pending = body


def _column_list(text: str) -> list[str]:
    return [c.strip().strip('"') for c in text.split(",")]


def read_pg_dump(path: str | Path, table: str = LAYER) -> pd.DataFrame:
    """Rows of ``table`` from a plain ``pg_dump`` file (COPY block or INSERT statements).

    Values are strings (``None`` for NULL), columns named as in the dump.
    """
    path = Path(path)
    dump = _DumpTable(table, path)
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            dump.read(line, number)
    columns, rows = dump.columns, dump.rows
    if columns is None:
        raise InputError(f"pas de table {table!r} (CREATE TABLE, COPY ou INSERT) dans ce dump", path=path)
    bad = next((i for i, r in enumerate(rows) if len(r) != len(columns)), None)
    if bad is not None:
        raise InputError(f"{len(rows[bad])} valeurs pour {len(columns)} colonnes", path=path, row=bad + 1)
    return pd.DataFrame(rows, columns=columns)


def _segments_from_dump(path: Path) -> tuple[pd.DataFrame, np.ndarray, str | None]:
    frame = read_pg_dump(path)
    geometry_column = next((c for c in ("geom", "geometrie", "the_geom", "geometry") if c in frame), None)
    if geometry_column is None:
        raise InputError("pas de colonne de géométrie (geom)", path=path, field="geom")
    try:
        geometry = shapely.from_wkb(frame[geometry_column].to_numpy(), on_invalid="raise")
    except shapely.errors.GEOSException as exc:
        raise InputError(f"géométrie qui n'est pas en EWKB hexadécimal ({exc})", path=path, field=geometry_column) from None
    srids = np.unique(shapely.get_srid(geometry[~shapely.is_missing(geometry)]))
    if len(srids) > 1:
        raise InputError(f"SRID mélangés {srids.tolist()}", path=path, field=geometry_column)
    crs = f"EPSG:{srids[0]}" if len(srids) and srids[0] > 0 else None
    return frame.drop(columns=geometry_column), geometry, crs


def _segments_from_file(path: Path) -> tuple[pd.DataFrame, np.ndarray, str | None]:
    import pyogrio

    try:
        layers = [name for name, _ in pyogrio.list_layers(path)]
    except pyogrio.errors.DataSourceError as exc:
        raise InputError(f"GeoPackage ou Shapefile illisible ({exc})", path=path) from None
    layer = next((name for name in layers if name.lower() == LAYER), None)
    if layer is None:
        if len(layers) != 1:
            raise InputError(f"pas de couche {LAYER!r} ; couches présentes : {layers}", path=path)
        layer = layers[0]
    frame = pyogrio.read_dataframe(path, layer=layer)
    crs = frame.crs.to_string() if frame.crs is not None else None
    return pd.DataFrame(frame.drop(columns="geometry")), frame.geometry.to_numpy(), crs


def _column(frame: pd.DataFrame, field: str, path: Path):
    lower = {c.lower(): c for c in frame.columns}
    name = next((lower[a] for a in FIELDS[field] if a in lower), None)
    if name is None:
        if field in OPTIONAL_FIELDS:
            return None
        raise InputError(f"colonne absente ; attendu l'une de {list(FIELDS[field])}", path=path, field=field)
    return frame[name].astype(object).where(frame[name].notna(), None).to_numpy()


def _check_domain(values, allowed, path, field):
    unknown = [i for i, v in enumerate(values) if v is not None and v not in allowed]
    if unknown:
        row = unknown[0]
        raise InputError(f"valeur inconnue {values[row]!r} ; attendu l'une de {sorted(allowed)}",
                         path=path, row=row + 1, field=field)


def read_bdtopo(path: str | Path, *, clip=None, crs: str | None = None,
                speeds: SpeedTable = DEFAULT_SPEEDS, **simplify) -> RoadGraph:
    """The car network of a BD TOPO ``troncon_de_route`` file (GeoPackage, Shapefile, dump).

    ``crs`` is the graph's CRS (default: the file's); ``clip`` a polygon in it.
    """
    path = Path(path)
    reader = _segments_from_dump if str(path).lower().endswith(SQL_SUFFIXES) else _segments_from_file
    frame, geometry, file_crs = reader(path)
    if file_crs is None:
        raise InputError("système de coordonnées inconnu (ni SRID ni .prj)", path=path, field="geom")
    nature = _column(frame, "nature", path)
    sens = _column(frame, "sens_de_circulation", path)
    access = _column(frame, "acces_vehicule_leger", path)
    state = _column(frame, "etat_de_l_objet", path)
    _check_domain(sens, DIRECTIONS, path, "sens_de_circulation")
    _check_domain(access, OPEN_ACCESS | CLOSED_ACCESS, path, "acces_vehicule_leger")
    mean_speeds = _column(frame, "vitesse_moyenne_vl", path)
    try:
        vitesse = pd.to_numeric(pd.Series(mean_speeds), errors="raise").to_numpy(dtype=float)
    except ValueError as exc:
        raise InputError(f"nombre en km/h attendu ({exc})", path=path,
                         field="vitesse_moyenne_vl") from None

    drivable = np.array([n not in BDTOPO_NOT_DRIVABLE for n in nature])
    drivable &= np.array([a is None or a in OPEN_ACCESS for a in access])
    if state is not None:
        drivable &= np.array([s is None or s == IN_SERVICE for s in state])
    drivable &= ~shapely.is_missing(geometry)
    rows = np.flatnonzero(drivable)
    speed_kmh = np.array([speeds.bdtopo_kmh(nature[i], vitesse[i]) for i in rows])
    if np.isnan(speed_kmh).any():
        row = rows[np.isnan(speed_kmh)][0]
        raise InputError(f"pas de vitesse : vitesse_moyenne_vl est vide et la nature {nature[row]!r} "
                         "n'a pas de vitesse de repli", path=path, row=row + 1, field="vitesse_moyenne_vl")
    direction = np.array([DIRECTIONS.get(sens[i], 0) for i in rows], dtype=np.int8)

    crs = crs or file_crs
    lines = geometry[rows]
    if crs != file_crs:
        from .osm import reproject

        lines = reproject(lines, file_crs, crs)
    parts, part_of = shapely.get_parts(lines, return_index=True)
    if not (shapely.get_type_id(parts) == 1).all():
        raise InputError("géométries (multi)linéaires attendues", path=path, field="geom")
    coords, vertex_part = shapely.get_coordinates(parts, return_index=True)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(vertex_part, minlength=len(parts)))])
    keep = np.ones(len(coords), dtype=bool)
    if clip is not None:
        shapely.prepare(clip)
        keep = shapely.contains_xy(clip, coords[:, 0], coords[:, 1])
    vertex, offsets, piece_part = split_polylines(offsets, keep)
    if len(piece_part) == 0:
        raise NetworkError(f"{path} : aucun tronçon carrossable dans la zone demandée")
    coords = coords[vertex]
    is_end = np.zeros(len(coords), dtype=bool)
    is_end[offsets[:-1]] = True
    is_end[offsets[1:] - 1] = True
    _, end_key = np.unique(np.round(coords[is_end] / JUNCTION_PRECISION_M).astype(np.int64),
                           axis=0, return_inverse=True)
    keys = np.empty(len(coords), dtype=np.int64)
    keys[is_end] = end_key.reshape(-1)
    keys[~is_end] = end_key.max(initial=-1) + 1 + np.arange((~is_end).sum())
    segment = part_of[piece_part]
    log.info("%s: %d of %d segments open to cars", path.name, len(rows), len(frame))
    return graph_from_polylines(
        coords[:, 0], coords[:, 1], offsets, keys, speed_kmh[segment], direction[segment],
        source="bdtopo", crs=crs, provenance={"format": reader.__name__.split("_")[-1],
                                             "speeds": speeds.fingerprint(), "crs": crs},
        **simplify,
    )
