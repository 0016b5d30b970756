"""Monte Carlo over renewals: how likely each commune is to lose coverage.

Each draw decides, for every employer structure, whether it renews its posts: a structure
of type ``t`` does not renew with probability ``p[t]`` (all its posts end, as when territory
A's Département withdrew). The draw's coverage follows from the people → site time table
computed once: a commune stays covered when a site of the chosen kinds that one of the
draw's live posts holds (or that no post serves) lies within the threshold. All draws are
evaluated at once with sparse products (draws × posts → draws × sites → draws × communes);
no graph search runs per draw.

Default probabilities (``DEFAULT_P_NONRENEWAL``) come from the 2023 employer survey
(``P_NONRENEWAL_SOURCE``); the 16.2 % of employers still undecided are not counted, so the
defaults are a lower bound.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from .coverage import SnappedTerritory, counted_sites, site_times
from .errors import InputError
from .network.graph import RoadGraph
from .progress import progress
from .settings import Settings
from .supply import PostLinks
from .tables import STRUCTURE_TYPES, Territory

log = logging.getLogger(__name__)

_PRIVATE_TYPES = {"association", "autre_prive"}
#: Probability that an employer of each type does not renew its posts (see the module doc);
#: employers the registers could not identify (``inconnu``) get the overall rate.
DEFAULT_P_NONRENEWAL = {t: 0.076 if t in _PRIVATE_TYPES else 0.056 for t in STRUCTURE_TYPES} | {
    "inconnu": 0.066}
#: Where the defaults come from (stated in every output).
P_NONRENEWAL_SOURCE = (
    "Enquête auprès des structures employeuses, vague 2 (Askoria, oct.–nov. 2023, n = 927) : "
    "ne renouvellent pas 5,6 % des structures publiques, 7,6 % des privées, 6,6 % de l'ensemble "
    "(appliqué aux employeurs de type inconnu) ; les 16,2 % d'indécis ne sont pas comptés "
    "(borne basse)."
)
#: Quantiles of the per-draw population losing coverage that bound the 90 % interval.
INTERVAL = (0.05, 0.95)
DRAWS_PER_CHUNK = 512


def parse_p_nonrenewal(text: str) -> dict[str, float]:
    """``"departement=1,association=0.3"`` → ``{"departement": 1.0, "association": 0.3}``."""
    probabilities = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        kind, sep, value = item.partition("=")
        kind = kind.strip()
        if not sep or kind not in DEFAULT_P_NONRENEWAL:
            raise InputError(f"{item!r}: expected TYPE=P with TYPE one of {', '.join(DEFAULT_P_NONRENEWAL)}",
                             field="p_nonrenewal")
        try:
            probability = float(value)
        except ValueError:
            probability = float("nan")
        if not 0.0 <= probability <= 1.0:
            raise InputError(f"{item!r}: expected a probability between 0 and 1", field="p_nonrenewal")
        probabilities[kind] = probability
    return probabilities


@dataclass(frozen=True)
class RenewalModel:
    """What every draw needs, built once from the territory and its time table.

    Attributes
    ----------
    p_structure
        Non-renewal probability of each structure (``territory.structures`` order).
    structure_of_post
        Index of each post's structure.
    links
        Which posts hold which sites (``supply.PostLinks``).
    reach
        Sites × communes, 1 where a site that counts (kind, hours) is within the threshold.
    """

    p_structure: np.ndarray
    structure_of_post: np.ndarray
    links: PostLinks
    reach: sp.csr_matrix

    @classmethod
    def build(cls, territory: Territory, times: pd.DataFrame, settings: Settings,
              p_nonrenewal: dict[str, float]) -> "RenewalModel":
        structures = territory.structures
        unknown = sorted(set(structures["structure_type"]) - set(p_nonrenewal))
        if unknown:
            raise InputError(f"no non-renewal probability for structure type(s) {unknown}",
                             path="structures", field="structure_type")
        of_post = pd.Index(structures["structure_id"]).get_indexer(territory.posts["structure_id"])
        if (of_post < 0).any():
            row = int(np.flatnonzero(of_post < 0)[0])
            raise InputError(f"unknown structure_id {territory.posts['structure_id'].iloc[row]!r}",
                             path="posts", row=row + 1, field="structure_id")
        counted = counted_sites(territory.sites.assign(active=True), settings)  # every post alive
        within = times.loc[times["time_s"] <= settings.threshold_min * 60.0]
        rows = pd.Index(territory.sites["site_id"]).get_indexer(within["site_id"])
        cols = pd.Index(territory.communes["code_insee"]).get_indexer(within["code_insee"])
        keep = (rows >= 0) & (cols >= 0)
        keep[keep] = counted[rows[keep]]
        reach = sp.csr_matrix((np.ones(keep.sum()), (rows[keep], cols[keep])),
                              shape=(len(territory.sites), len(territory.communes)))
        return cls(
            p_structure=structures["structure_type"].map(p_nonrenewal).to_numpy(dtype=float),
            structure_of_post=of_post, links=PostLinks.of(territory), reach=reach,
        )

    def covered(self, alive: np.ndarray) -> np.ndarray:
        """Covered communes for each row of ``alive`` (draws × posts) → draws × communes."""
        active = self.links.active(np.asarray(alive, dtype=float).T)  # sites × draws
        return (self.reach.T @ active.astype(float)).T > 0

    def draw_alive(self, rng: np.random.Generator, draws: int) -> np.ndarray:
        """Draws × posts: True where the post's structure renews in that draw."""
        renews = rng.random((draws, len(self.p_structure))) >= self.p_structure
        return renews[:, self.structure_of_post]

    def baseline(self) -> np.ndarray:
        """Communes covered when every post is renewed."""
        return self.covered(np.ones((1, len(self.structure_of_post)), dtype=bool))[0]

    def lost(self, draws: int, seed: int) -> np.ndarray:
        """Draws × communes: covered with every post, not in the draw."""
        rng = np.random.default_rng(seed)
        baseline = self.baseline()
        parts = []
        for start in progress(range(0, draws, DRAWS_PER_CHUNK), desc="tirages", unit="bloc"):
            alive = self.draw_alive(rng, min(DRAWS_PER_CHUNK, draws - start))
            parts.append(baseline & ~self.covered(alive))
        return np.concatenate(parts) if parts else np.zeros((0, len(baseline)), dtype=bool)


@dataclass
class SimulationResult:
    """Per-commune probabilities of losing coverage and the per-draw population losing it."""

    territory: Territory
    settings: Settings
    network: str
    draws: int
    seed: int
    p_nonrenewal: dict[str, float]
    communes: gpd.GeoDataFrame
    population_lost: np.ndarray

    def summary(self) -> dict:
        """Headline figures, JSON-ready."""
        c = self.communes
        low, high = (np.quantile(self.population_lost, INTERVAL) if self.draws else (np.nan, np.nan))
        used = sorted(set(self.territory.structures["structure_type"]))
        return {
            "dept": self.territory.dept,
            "communes": int(len(c)),
            "population": int(c["population"].sum()),
            "threshold_min": float(self.settings.threshold_min),
            "kinds": list(self.settings.kinds),
            "draws": int(self.draws),
            "seed": int(self.seed),
            "p_nonrenewal": {t: self.p_nonrenewal[t] for t in used},
            "p_nonrenewal_defaults_source": P_NONRENEWAL_SOURCE,
            "covered_before_communes": int(c["covered_before"].sum()),
            "covered_before_population": int(c.loc[c["covered_before"], "population"].sum()),
            "expected_population_lost": float(np.mean(self.population_lost)) if self.draws else None,
            "population_lost_interval_90": [float(low), float(high)] if self.draws else None,
            "communes_at_risk": int((c["p_lose"] > 0).sum()),
            "network": self.network,
            "network_approximate": self.network == "proxy",
            "sites_illustrative": bool(self.territory.illustrative),
            "sources": list(self.territory.sources),
        }


def simulate_renewals(
    territory: Territory, graph: RoadGraph, settings: Settings = Settings(), *, draws: int = 1000,
    seed: int = 0, p_nonrenewal: dict[str, float] | None = None,
) -> SimulationResult:
    """``draws`` seeded renewal draws; ``p_nonrenewal`` overrides ``DEFAULT_P_NONRENEWAL``."""
    if draws < 1:
        raise InputError(f"expected at least 1 draw, got {draws}", field="draws")
    probabilities = DEFAULT_P_NONRENEWAL | (p_nonrenewal or {})
    snapped = SnappedTerritory.build(graph, territory, settings)
    # Times to the sites that may count only (kind and hours are the same in every draw).
    counted = counted_sites(territory.sites.assign(active=True), settings)
    times = site_times(replace(snapped, sites=snapped.sites.subset(counted)),
                       replace(territory, sites=territory.sites[counted]), settings.threshold_min)
    model = RenewalModel.build(territory, times, settings, probabilities)
    lost = model.lost(draws, seed)
    population = territory.communes["population"].to_numpy(dtype=float)
    communes = territory.communes[["code_insee", "nom", "population", "geometry"]].copy()
    communes["covered_before"] = model.baseline()
    communes["p_lose"] = lost.mean(axis=0)
    communes["expected_population_lost"] = communes["p_lose"] * population
    population_lost = lost @ population
    log.info("%d draws: %.0f inhabitants lose coverage on average", draws, population_lost.mean())
    return SimulationResult(territory=territory, settings=settings, network=graph.source,
                            draws=draws, seed=seed, p_nonrenewal=probabilities,
                            communes=communes, population_lost=population_lost)
