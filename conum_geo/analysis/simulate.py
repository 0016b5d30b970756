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
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import InputError, ParameterError
from ..network.graph import RoadGraph
from ..progress import progress
from ..settings import Settings
from ..tables import Territory
from ..vocabulary import STRUCTURE_TYPES
from .coverage import SnappedTerritory, countable_sites
from .engine import group_time_table
from .supply import PostLinks

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
            raise InputError(f"{item!r} : TYPE=P attendu, TYPE parmi {', '.join(DEFAULT_P_NONRENEWAL)}",
                             field="p_nonrenewal")
        try:
            probability = float(value)
        except ValueError:
            probability = float("nan")
        if not 0.0 <= probability <= 1.0:
            raise InputError(f"{item!r} : probabilité entre 0 et 1 attendue", field="p_nonrenewal")
        probabilities[kind] = probability
    return probabilities


@dataclass(frozen=True)
class RenewalModel:
    """What every draw needs, built once from the territory and the graph.

    A draw decides per employer structure, so coverage only depends on which structures
    renew: a commune is covered when a counted site that no post serves, or one held by a post
    of a renewing structure, lies within the threshold. Reach is therefore computed once per
    structure, one multi-source search over the sites its posts hold
    (``engine.group_time_table``), instead of once per site: same coverage as the people →
    site table, a handful of searches instead of one per site.

    Attributes
    ----------
    p_structure
        Non-renewal probability of each structure (``territory.structures`` order).
    structure_of_post
        Index of each post's structure.
    reach
        Structures × communes, True where a counted site (kind, hours) one of the structure's
        posts holds is within the threshold.
    always
        Per commune: a counted site no post serves is within the threshold (covered in
        every draw).
    """

    p_structure: np.ndarray
    structure_of_post: np.ndarray
    reach: np.ndarray
    always: np.ndarray

    @classmethod
    def build(cls, territory: Territory, snapped: SnappedTerritory, settings: Settings,
              p_nonrenewal: dict[str, float]) -> RenewalModel:
        structures = territory.structures
        unknown = sorted(set(structures["structure_type"]) - set(p_nonrenewal))
        if unknown:
            raise InputError(f"aucune probabilité de non-renouvellement pour le(s) type(s) {unknown}",
                             path="structures", field="structure_type")
        of_post = pd.Index(structures["structure_id"]).get_indexer(territory.posts["structure_id"])
        if (of_post < 0).any():
            row = int(np.flatnonzero(of_post < 0)[0])
            raise InputError(f"structure_id inconnu {territory.posts['structure_id'].iloc[row]!r}",
                             path="posts", row=row + 1, field="structure_id")
        links = PostLinks.of(territory)
        counted = countable_sites(territory.sites, settings)
        employs = sp.csr_matrix((np.ones(len(of_post)), (of_post, np.arange(len(of_post)))),
                                shape=(len(structures), len(of_post)))
        # Groups of sites that open and close together: each structure's, then those no post serves.
        groups = sp.vstack([employs @ links.holds.T, sp.csr_matrix(~links.served, dtype=float)])
        groups = groups @ sp.diags(counted.astype(float))
        group, commune, _ = group_time_table(snapped.graph, snapped.sites, groups, snapped.communes,
                                             cutoff_s=settings.threshold_min * 60.0)
        reach = np.zeros((groups.shape[0], len(territory.communes)), dtype=bool)
        reach[group, commune] = True
        return cls(
            p_structure=structures["structure_type"].map(p_nonrenewal).to_numpy(dtype=float),
            structure_of_post=of_post, reach=reach[:-1], always=reach[-1],
        )

    def covered(self, renews: np.ndarray) -> np.ndarray:
        """Covered communes for each row of ``renews`` (draws × structures) → draws × communes."""
        return (np.asarray(renews, dtype=float) @ self.reach > 0) | self.always

    def draw_renews(self, rng: np.random.Generator, draws: int) -> np.ndarray:
        """Draws × structures: True where the structure renews its posts in that draw."""
        return rng.random((draws, len(self.p_structure))) >= self.p_structure

    def baseline(self) -> np.ndarray:
        """Communes covered when every structure renews."""
        return self.covered(np.ones((1, len(self.p_structure)), dtype=bool))[0]

    def lost(self, draws: int, seed: int) -> np.ndarray:
        """Draws × communes: covered when every structure renews, not in the draw."""
        rng = np.random.default_rng(seed)
        baseline = self.baseline()
        parts = []
        for start in progress(range(0, draws, DRAWS_PER_CHUNK), desc="tirages", unit="bloc"):
            renews = self.draw_renews(rng, min(DRAWS_PER_CHUNK, draws - start))
            parts.append(baseline & ~self.covered(renews))
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
            **self.territory.counts(),
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
    territory: Territory, graph: RoadGraph, *, settings: Settings | None = None, draws: int = 1000,
    seed: int = 0, p_nonrenewal: dict[str, float] | None = None,
) -> SimulationResult:
    """``draws`` seeded renewal draws; ``p_nonrenewal`` overrides ``DEFAULT_P_NONRENEWAL``."""
    settings = Settings() if settings is None else settings
    if draws < 1:
        raise ParameterError(f"draws : au moins 1 tirage attendu, reçu {draws}")
    probabilities = DEFAULT_P_NONRENEWAL | (p_nonrenewal or {})
    model = RenewalModel.build(territory, SnappedTerritory.build(graph, territory, settings), settings,
                               probabilities)
    lost = model.lost(draws, seed)
    population = territory.communes["population"].to_numpy(dtype=float)
    communes = territory.communes[["code_insee", "nom", "commune_code", "population", "geometry"]].copy()
    communes["covered_before"] = model.baseline()
    communes["p_lose"] = lost.mean(axis=0)
    communes["expected_population_lost"] = communes["p_lose"] * population
    population_lost = lost @ population
    log.info("%d draws: %.0f inhabitants lose coverage on average", draws, population_lost.mean())
    return SimulationResult(territory=territory, settings=settings, network=graph.source,
                            draws=draws, seed=seed, p_nonrenewal=probabilities,
                            communes=communes, population_lost=population_lost)
