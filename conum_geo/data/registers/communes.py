"""Communes: contours (GeoJSON, GeoPackage, Shapefile), INSEE COG with populations, EPCI.

- Contours in the ADMIN EXPRESS style (``INSEE_COM``, ``NOM``, ``POPULATION``) or the
  geo.api.gouv.fr / france-geojson style (``code``, ``nom``, optional ``population`` and
  ``codeEpci``). A GeoJSON without a ``crs`` member is longitude/latitude (RFC 7946); if its
  coordinates are not, the file is refused rather than misplaced.
- The INSEE COG JSON (``@etalab/decoupage-administratif``): only ``commune-actuelle`` rows
  are communes; the codes of merged (``anciensCodes``), delegated or associated communes and
  of municipal arrondissements are kept as aliases of their current commune, so registers
  and contours of older vintages land on today's communes.
- EPCI JSON: each current commune's intercommunality (``membres``).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ...core.errors import InputError
from ...core.territory import CRS_WGS84
from ..geometry import polygonal_part
from .io import (
    Register,
    check_ids,
    commune_codes,
    file_as_of,
    first_column,
    in_france,
    insee_code,
    read_json,
    read_json_records,
    record_row,
)

CODE_FIELDS = ("code", "code_insee", "INSEE_COM", "insee_com", "CODGEO", "codgeo")
NAME_FIELDS = ("nom", "NOM", "NOM_COM", "nom_com", "libelle", "LIBGEO")
POPULATION_FIELDS = ("population", "POPULATION", "PMUN")
EPCI_FIELDS = ("codeEpci", "SIREN_EPCI", "siren_epci", "epci_code")
CONTOUR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")
#: A commune code has five characters (a département outline's has two or three).
_COMMUNE_CODE = re.compile(r"\d{5}|2[AB]\d{3}")
#: The largest population a commune or arrondissement may have (Paris: 2.1 million).
MAX_POPULATION = 5_000_000


def recognise_contour_feature(feature: dict) -> bool:
    """Whether the first feature of a GeoJSON is a commune contour: a polygon with a commune
    code (not a QPV's)."""
    properties = feature.get("properties") or {}
    geometry = (feature.get("geometry") or {}).get("type", "")
    code_field = next((name for name in CODE_FIELDS if name in properties), None)
    return (geometry in ("Polygon", "MultiPolygon") and code_field is not None and "code_qp" not in properties
            and bool(_COMMUNE_CODE.fullmatch(str(properties[code_field]))))


def _check_crs(frame: gpd.GeoDataFrame, path: Path) -> None:
    if frame.crs is None:
        raise InputError("aucun système de coordonnées (un Shapefile sans .prj ?) ; "
                         "il en faut un, par ex. EPSG:2154 ou EPSG:4326", path=path)
    if frame.crs.is_geographic:
        xmin, ymin, xmax, ymax = frame.total_bounds
        if xmin < -180 or xmax > 180 or ymin < -90 or ymax > 90:
            raise InputError(
                f"coordonnées ({xmin:.0f}, {ymin:.0f}) qui ne sont pas des longitudes/latitudes alors "
                "que le fichier ne déclare pas d'autre système : un GeoJSON sans membre « crs » doit "
                "être en WGS84 (RFC 7946) ; ajouter un membre « crs » (par ex. EPSG:2154) ou reprojeter",
                path=path)


def _check_in_france(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Every polygon's centre lies in a French territory (axes swapped are named as such)."""
    centres = frame.geometry.representative_point()
    lon, lat = centres.x.to_numpy(), centres.y.to_numpy()
    outside = np.flatnonzero(~in_france(lon, lat))
    if len(outside):
        i = int(outside[0])
        swapped = in_france(np.array([lat[i]]), np.array([lon[i]]))[0]
        reason = ("longitude et latitude inversées (axes échangés)" if swapped else
                  f"contour hors de France (centre {lon[i]:.3f}, {lat[i]:.3f})")
        raise InputError(f"{reason} : coordonnées WGS84 longitude, latitude attendues", path=path,
                         row=record_row(i), field="geometry")


def populations(values: pd.Series, *, path, field_name: str, row_of) -> np.ndarray:
    """Populations as floats (NaN where not given); a value that is not a whole number between
    0 and ``MAX_POPULATION`` raises ``InputError`` naming its row."""
    population = pd.to_numeric(values, errors="coerce").to_numpy(float)
    given = values.map(lambda v: v is not None and not (isinstance(v, float) and np.isnan(v))
                       and v != "").to_numpy(dtype=bool)
    bad = np.flatnonzero((np.isnan(population) & given)
                         | (~np.isnan(population) & ~((population >= 0) & (population <= MAX_POPULATION)
                                                      & (population == np.round(population)))))
    if len(bad):
        value = values.iloc[bad[0]]
        shown = f"{value:g}" if isinstance(value, (float, np.floating)) else repr(value)
        raise InputError(f"population {shown} invalide : entier entre 0 et "
                         f"{MAX_POPULATION:,} attendu".replace(",", "\u202f"), path=path,
                         row=row_of(int(bad[0])), field=field_name)
    return population


def read_contours(path: str | Path) -> Register:
    """Commune polygons in WGS84 with ``code_insee``, ``nom``, ``population`` (NaN when the
    file has none) and ``epci_code`` ('' when none); invalid polygons are made valid (reported
    in ``problems``), a feature without geometry or outside France is an error naming it."""
    path = Path(path)
    if path.suffix.lower() not in CONTOUR_SUFFIXES:
        raise InputError(f"fichier de contours attendu {CONTOUR_SUFFIXES}", path=path)
    if not path.exists():
        raise InputError("fichier introuvable", path=path)
    if path.suffix.lower() in (".geojson", ".json"):
        read_json(path)  # empty, non-UTF-8 or broken JSON: a one-line error naming the line
    try:
        with warnings.catch_warnings(record=True) as gdal_warnings:  # GDAL's, said in problems below
            warnings.simplefilter("always")
            raw = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several GDAL error types
        raise InputError(f"illisible comme fichier vectoriel ({str(exc).splitlines()[0]})", path=path) from None
    gdal_notes = sorted({str(w.message).split(". ")[0] for w in gdal_warnings})
    if raw.empty:
        raise InputError("aucune entité", path=path)
    code_field = first_column(raw.columns, CODE_FIELDS)
    if code_field is None:
        raise InputError(f"propriété de code commune absente ; attendu l'une de {list(CODE_FIELDS)}",
                         path=path, field="code")
    name_field = first_column(raw.columns, NAME_FIELDS)
    _check_crs(raw, path)
    null = raw.geometry.isna().to_numpy() | raw.geometry.is_empty.to_numpy()
    if null.any():
        raise InputError("entité sans géométrie (null ou vide) : un contour de commune est attendu",
                         path=path, row=record_row(int(np.flatnonzero(null)[0])), field="geometry")
    polygonal = raw.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if not polygonal.all():
        i = int(np.flatnonzero(~polygonal)[0])
        raise InputError(f"géométrie {raw.geometry.iloc[i].geom_type}, polygone attendu",
                         path=path, row=record_row(i), field="geometry")
    codes = commune_codes(raw[code_field], path=path, field_name=code_field, row_of=record_row)
    check_ids(codes, path=path, field_name=code_field, row_of=record_row)
    population_field = first_column(raw.columns, POPULATION_FIELDS)
    epci_field = first_column(raw.columns, EPCI_FIELDS)
    frame = gpd.GeoDataFrame(
        {
            "code_insee": codes.to_numpy(),
            "nom": raw[name_field].astype(str).to_numpy() if name_field else codes.to_numpy(),
            "population": (populations(raw[population_field], path=path, field_name=population_field,
                                       row_of=record_row)
                           if population_field else np.full(len(raw), np.nan)),
            "epci_code": (raw[epci_field].fillna("").astype(str).to_numpy()
                          if epci_field else np.full(len(raw), "", dtype=object)),
        },
        geometry=raw.geometry.to_numpy(), crs=raw.crs,
    ).to_crs(CRS_WGS84)
    problems = [f"{path} : avertissement de la lecture (GDAL) : {note}" for note in gdal_notes]
    invalid = ~frame.geometry.is_valid.to_numpy()
    if invalid.any():
        frame.loc[invalid, "geometry"] = [polygonal_part(g) for g in shapely.make_valid(frame.geometry.to_numpy()[invalid])]
        problems.append(f"{path} : {int(invalid.sum())} contour(s) invalide(s) réparé(s) (make_valid), "
                        f"ex. {', '.join(frame.loc[invalid, 'code_insee'].head(5))}")
    _check_in_france(frame, path)
    as_of = file_as_of(path)
    return Register(kind="communes", path=path, frame=frame, as_of=as_of, problems=problems,
                    label=f"Source : contours des communes ({path.name})")


#: Keys of the COG records the reader uses (the others are not kept in memory).
COG_KEYS = ("code", "type", "nom", "departement", "population", "codesPostaux", "anciensCodes", "chefLieu",
            "commune")


def read_cog(path: str | Path) -> Register:
    """Current communes of the INSEE COG JSON, with populations and code aliases.

    ``frame`` has one row per ``commune-actuelle`` (``kind`` ``commune``) and per municipal
    arrondissement (``kind`` ``arrondissement``, ``parent_code`` its commune): ``code_insee``,
    ``nom``, ``dept``, ``population``, ``codes_postaux`` (list). ``aliases`` maps every other
    code of the file (old, delegated, associated; arrondissements too) to its current commune.
    Populations must be whole numbers between 0 and ``MAX_POPULATION``.
    """
    path = Path(path)
    records = read_json_records(path, ("code", "type"), keys=COG_KEYS, repeated=("type", "departement"))
    current = records["type"] == "commune-actuelle"
    if not current.any():
        raise InputError("aucun enregistrement « commune-actuelle » : ce n'est pas un fichier de communes du COG INSEE",
                         path=path, field="type")
    positions = np.flatnonzero(current.to_numpy())
    current_codes = commune_codes(records.loc[current, "code"].reset_index(drop=True), path=path, field_name="code",
                                  row_of=lambda i: record_row(int(positions[i])))
    check_ids(current_codes, path=path, field_name="code", row_of=lambda i: record_row(int(positions[i])))
    names = records["nom"] if "nom" in records.columns else pd.Series(None, index=records.index)
    unnamed = np.flatnonzero(current.to_numpy() & ~names.map(lambda v: isinstance(v, str) and bool(v.strip())).to_numpy())
    if len(unnamed):
        raise InputError("nom de commune absent ou vide", path=path, row=record_row(int(unnamed[0])), field="nom")
    for column in ("population", "codesPostaux", "anciensCodes", "departement", "chefLieu", "commune"):
        if column not in records.columns:
            records[column] = None
    units = current | (records["type"] == "arrondissement-municipal")
    communes = records.loc[units]
    unit_rows = np.flatnonzero(units.to_numpy())
    population = populations(communes["population"], path=path, field_name="population",
                             row_of=lambda i: record_row(int(unit_rows[i])))
    is_arm = (communes["type"] == "arrondissement-municipal").to_numpy()
    frame = pd.DataFrame({
        "code_insee": communes["code"].map(insee_code).to_numpy(),
        "nom": communes["nom"].astype(str).to_numpy(),
        "dept": communes["departement"].astype(str).to_numpy(),
        "population": population,
        "codes_postaux": [v if isinstance(v, list) else [] for v in communes["codesPostaux"]],
        "kind": np.where(is_arm, "arrondissement", "commune"),
        "parent_code": np.where(is_arm, communes["commune"].map(insee_code), ""),
    })
    aliases: dict[str, str] = {}
    for code, olds in zip(frame["code_insee"], communes["anciensCodes"]):
        for old in olds if isinstance(olds, list) else []:
            aliases[insee_code(old)] = code
    others = records.loc[~units]
    parents = others["chefLieu"].where(others["chefLieu"].notna(), others["commune"])
    for code, parent in zip(others["code"], parents):
        if isinstance(parent, str) and parent:
            aliases.setdefault(insee_code(code), insee_code(parent))
    known = set(frame.loc[frame["kind"] == "commune", "code_insee"])
    aliases = {old: new for old, new in aliases.items() if new in known and old not in known}
    # An arrondissement stands for its commune unless the commune is analysed by arrondissement.
    aliases |= dict(zip(frame.loc[is_arm, "code_insee"], frame.loc[is_arm, "parent_code"]))
    as_of = file_as_of(path)
    return Register(kind="population", path=path, frame=frame, as_of=as_of, aliases=aliases,
                    label=f"Source : INSEE, code officiel géographique et populations légales "
                          f"({path.name}, {as_of})")


def read_epci(path: str | Path) -> Register:
    """Membership of communes in EPCI: ``code_insee``, ``epci_code``, ``epci_nom``."""
    path = Path(path)
    records = read_json_records(path, ("code", "nom", "membres"))
    rows: list[tuple[str, str, str, int]] = []
    for index, (code, name, members) in enumerate(records[["code", "nom", "membres"]].itertuples(index=False)):
        if not isinstance(members, list) or not all(isinstance(m, dict) and m.get("code") for m in members):
            raise InputError("liste de communes membres attendue ({\"code\": …} par commune)", path=path,
                             row=record_row(index), field="membres")
        rows.extend((insee_code(m.get("code")), str(code), str(name), index) for m in members)
    if not rows:
        raise InputError("aucune commune membre d'un EPCI", path=path, field="membres")
    frame = pd.DataFrame(rows, columns=["code_insee", "epci_code", "epci_nom", "record"])
    commune_codes(frame["code_insee"], path=path, field_name="membres.code",
                  row_of=lambda i: record_row(frame["record"].iloc[i]))
    check_ids(frame["code_insee"], path=path, field_name="membres.code",
              row_of=lambda i: record_row(frame["record"].iloc[i]))
    frame = frame.drop(columns="record")
    as_of = file_as_of(path)
    return Register(kind="epci", path=path, frame=frame, as_of=as_of,
                    label=f"Source : DGCL / INSEE, composition des EPCI ({path.name}, {as_of})")
