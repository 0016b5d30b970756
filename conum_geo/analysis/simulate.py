"""Monte Carlo over renewals: how likely each commune is to lose coverage.

Each draw decides, for every employer, what it does when its posts come up for renewal, by the
assumptions of ``analysis.renewal`` (default: the 2023 employer survey): it renews none of its
posts with probability ``p_nonrenewal`` of its type (the undecided counted as the user says);
otherwise it renews them all, or — an employer of several posts — a majority (at least half,
fewer than all) or a minority of them, in the survey's proportions, the number uniform in its
range and the posts renewed chosen at random. Posts whose renewal the contracts table states
(``renewal_status`` renewed / not renewed) are not drawn.

Coverage is ``gaps``' rule (a regular presence within the threshold, ``coverage``) on the sites
as the draw leaves them: a site's hours are those of its posts still at work. Most sites stay
regular as long as any one of their posts is (each holds enough hours on its own, or the site
is visited often enough): for those, reach is computed once per post, one multi-source search
over the sites it holds (``engine.group_time_table``). The few sites whose regularity needs
several posts together are searched on their own and judged per draw from their hours. Draws are
then sparse products (draws × posts → draws × communes); no graph search runs per draw.

Every figure carries its Monte Carlo standard error: ``p_lose`` per commune
(``sqrt(p(1 − p)/n)``), the expected population losing coverage (sample standard deviation /
√n). ``draws=None`` draws until both are below their tolerance (``--draws auto``).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import InputError, ParameterError
from ..core.messages import says
from ..core.notices import Notice, Notices
from ..core.progress import progress
from ..core.renewal import SURVEY_2023, RenewalAssumptions
from ..core.settings import Settings
from ..core.territory import Territory
from ..core.vocabulary import STRUCTURE_TYPES
from ..network.graph import RoadGraph
from .coverage import SnappedTerritory, countable_sites, is_regular, site_visits
from .engine import group_time_table
from .supply import PostLinks

log = logging.getLogger(__name__)

#: Quantiles of the per-draw population losing coverage that bound the 90 % interval.
INTERVAL = (0.05, 0.95)
DRAWS_PER_CHUNK = 1000
#: ``--draws auto``: at least this many draws, at most that many.
AUTO_MIN_DRAWS, AUTO_MAX_DRAWS = 2000, 200_000
#: ``--draws auto``: largest standard error of a commune's probability of losing coverage.
P_LOSE_TOLERANCE = 0.005
#: ``--draws auto``: default tolerance on the standard error of the expected population losing
#: coverage, as a share of the population covered today.
TOLERANCE_SHARE = 0.001
#: Employers shown as the main risks.
TOP_RISKS = 5


def parse_p_nonrenewal(text: str) -> dict[str, float]:
    """``"departement=1,association=0.3"`` → ``{"departement": 1.0, "association": 0.3}``."""
    probabilities = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        kind, sep, value = item.partition("=")
        kind = kind.strip()
        if not sep or kind not in STRUCTURE_TYPES:
            raise InputError(says("p_nonrenewal_item", item=item, types=", ".join(STRUCTURE_TYPES)),
                             field="p_nonrenewal")
        try:
            probability = float(value)
        except ValueError:
            probability = float("nan")
        if not 0.0 <= probability <= 1.0:
            raise InputError(says("p_nonrenewal_value", item=item), field="p_nonrenewal")
        probabilities[kind] = probability
    return probabilities


@dataclass(frozen=True)
class RenewalModel:
    """What every draw needs, built once from the territory and the graph (module doc).

    Attributes
    ----------
    p_structure
        Non-renewal probability of each structure (``territory.structures`` order).
    partial
        Shares of renewing employers of several posts that renew all, a majority, a minority.
    posts_of
        Per structure, the indices of its posts that are drawn.
    fixed
        Per post: -1 drawn, 0 known not renewed, 1 known renewed.
    post_reach
        Posts × communes: a site the post holds, regular while the post is at work, is within
        the threshold.
    joint_hours, joint_visits, joint_reach
        The sites whose regularity needs several posts: hours each post holds there (sites ×
        posts), visits a week (None: unknown), and sites × communes within the threshold.
    always
        Per commune: a regular site no post serves is within the threshold.
    """

    p_structure: np.ndarray
    partial: tuple[float, float, float]
    posts_of: tuple[np.ndarray, ...]
    fixed: np.ndarray
    post_reach: sp.csr_matrix
    joint_hours: sp.csr_matrix
    joint_visits: np.ndarray | None
    joint_reach: sp.csr_matrix
    always: np.ndarray
    settings: Settings

    @classmethod
    def build(cls, territory: Territory, snapped: SnappedTerritory, settings: Settings,
              assumptions: RenewalAssumptions) -> RenewalModel:
        structures, posts = territory.structures, territory.posts
        of_post = pd.Index(structures["structure_id"]).get_indexer(posts["structure_id"])
        if (of_post < 0).any():
            row = int(np.flatnonzero(of_post < 0)[0])
            raise InputError(says("unknown_id", column="structure_id", value=posts["structure_id"].iloc[row]),
                             path="posts", row=row + 1, field="structure_id")
        status = posts["renewal_status"] if "renewal_status" in posts else pd.Series("inconnu", index=posts.index)
        fixed = np.select([status == "non_renouvele", status == "renouvele"], [0, 1], -1)
        drawn = fixed < 0
        posts_of = tuple(np.flatnonzero((of_post == s) & drawn) for s in range(len(structures)))

        links = PostLinks.of(territory)
        sites = territory.sites
        counted = countable_sites(sites, settings)
        hours = (sp.diags(sites["presence_h"].to_numpy(dtype=float)) @ links.shares).tocsr()
        visits = site_visits(sites)
        regular_full = is_regular(sites["presence_h"].to_numpy(dtype=float), visits, settings)
        # a served site is regular on any one of its posts when each post's hours suffice
        each = hours.tocoo()
        alone = is_regular(each.data, visits[each.row] if visits is not None else None, settings)
        not_alone = np.bincount(each.row[~alone], minlength=len(sites)) > 0
        served = links.served & counted & regular_full
        single = served & ~not_alone
        joint = np.flatnonzero(served & not_alone)
        always = ~links.served & counted & regular_full
        groups = sp.vstack([
            (links.holds.T @ sp.diags(single.astype(float))).tocsr(),
            sp.csr_matrix((np.ones(len(joint)), (np.arange(len(joint)), joint)), shape=(len(joint), len(sites))),
            sp.csr_matrix(always.astype(float)),
        ]).tocsr()
        group, commune, _ = group_time_table(snapped.graph, snapped.sites, groups, snapped.communes,
                                             cutoff_s=settings.threshold_min * 60.0)
        reach = sp.csr_matrix((np.ones(len(group)), (group, commune)),
                              shape=(groups.shape[0], len(territory.communes)))
        n_posts = len(posts)
        log.info("renewal model: %d posts, %d sites judged jointly", n_posts, len(joint))
        return cls(
            p_structure=np.array([assumptions.p_nonrenewal(t) for t in structures["structure_type"]], dtype=float),
            partial=assumptions.partial, posts_of=posts_of, fixed=fixed,
            post_reach=reach[:n_posts], joint_hours=hours[joint], joint_visits=None if visits is None else visits[joint],
            joint_reach=reach[n_posts:n_posts + len(joint)],
            always=np.asarray(reach[-1].todense()).ravel() > 0, settings=settings,
        )

    def covered(self, alive: np.ndarray) -> np.ndarray:
        """Covered communes when only ``alive`` posts work (draws × posts) → draws × communes."""
        at_work = np.atleast_2d(np.asarray(alive, dtype=float))
        covered = np.asarray(self.post_reach.T @ at_work.T).T > 0
        if self.joint_hours.shape[0]:
            hours = np.asarray(self.joint_hours @ at_work.T).T
            regular = is_regular(hours, None if self.joint_visits is None else
                                 np.broadcast_to(self.joint_visits, hours.shape), self.settings)
            covered |= np.asarray(self.joint_reach.T @ regular.T.astype(float)).T > 0
        return covered | self.always

    def draw_alive(self, rng: np.random.Generator, draws: int) -> np.ndarray:
        """Draws × posts: True where the post is still at work after the renewal (module doc)."""
        n_structures = len(self.p_structure)
        renews = rng.random((draws, n_structures)) >= self.p_structure
        how, within = rng.random((draws, n_structures)), rng.random((draws, n_structures))
        order = rng.random((draws, len(self.fixed)))
        alive = np.ones((draws, len(self.fixed)), dtype=bool)
        all_share, majority_share, _ = self.partial
        for s, posts in enumerate(self.posts_of):
            n = len(posts)
            if n == 0:
                continue
            kept = np.full(draws, n)
            if n >= 2:
                half = math.ceil(n / 2)
                majority = half + np.floor(within[:, s] * (n - half)).astype(int)      # half … n − 1
                minority = 1 + np.floor(within[:, s] * (half - 1)).astype(int)          # 1 … half − 1
                choice = np.select([how[:, s] < all_share, how[:, s] < all_share + majority_share],
                                   [0, 1], 2 if half > 1 else 1)
                kept = np.choose(choice, [kept, majority, minority])
            kept = np.where(renews[:, s], kept, 0)
            rank = np.argsort(np.argsort(order[:, posts], axis=1), axis=1)
            alive[:, posts] = rank < kept[:, None]
        alive[:, self.fixed == 0] = False
        alive[:, self.fixed == 1] = True
        return alive

    def baseline(self) -> np.ndarray:
        """Communes covered when every post works."""
        return self.covered(np.ones((1, len(self.fixed)), dtype=bool))[0]

    def alone_losses(self, population: np.ndarray) -> np.ndarray:
        """Per structure: inhabitants losing coverage if it alone renews none of its drawn posts."""
        alive = np.ones((len(self.posts_of), len(self.fixed)), dtype=bool)
        for s, posts in enumerate(self.posts_of):
            alive[s, posts] = False
        lost = self.baseline() & ~self.covered(alive)
        return lost.astype(float) @ population


@dataclass
class SimulationResult:
    """Per-commune probabilities of losing coverage, the per-draw population losing it, their
    Monte Carlo errors, and the employers whose withdrawal weighs most (``risks``).

    Attributes
    ----------
    territory, settings, network
        What it was computed on.
    draws, seed, tolerance
        How many draws, the seed that replays them, and the error they were run to (None: fixed).
    assumptions
        The renewal assumptions drawn from.
    communes
        Per commune: the probability of losing coverage and its Monte Carlo error.
    population_lost
        The population losing coverage in each draw.
    risks
        The employers whose withdrawal weighs most.
    notices
        What the user must know (codes and values).
    """

    territory: Territory
    settings: Settings
    network: str
    draws: int
    seed: int
    assumptions: RenewalAssumptions
    communes: gpd.GeoDataFrame
    population_lost: np.ndarray
    risks: pd.DataFrame
    tolerance: float | None = None
    notices: tuple[Notice, ...] = ()

    @property
    def expected_population_lost_se(self) -> float:
        """Monte Carlo standard error of the expected population losing coverage."""
        return float(np.std(self.population_lost, ddof=1) / math.sqrt(self.draws)) if self.draws > 1 else math.nan

    def summary(self) -> dict:
        """Headline figures, JSON-ready."""
        c = self.communes
        low, high = np.quantile(self.population_lost, INTERVAL)
        used = sorted(set(self.territory.structures["structure_type"]))
        return {
            "dept": self.territory.dept,
            **self.territory.counts(),
            "threshold_min": float(self.settings.threshold_min),
            "kinds": list(self.settings.kinds),
            "draws": int(self.draws),
            "draws_auto": self.tolerance is not None,
            "tolerance_inhabitants": self.tolerance,
            "seed": int(self.seed),
            "renewal": self.assumptions.describe(used),
            "p_nonrenewal": {t: round(self.assumptions.p_nonrenewal(t), 6) for t in used},
            "covered_before_communes": int(c["covered_before"].sum()),
            "covered_before_population": int(c.loc[c["covered_before"], "population"].sum()),
            "expected_population_lost": float(np.mean(self.population_lost)),
            "expected_population_lost_se": self.expected_population_lost_se,
            "population_lost_interval_90": [float(low), float(high)],
            "interval_draws": int(self.draws),
            "p_any_loss": float(np.mean(self.population_lost > 0)),
            "p_lose_se_max": float(c["p_lose_se"].max()) if len(c) else 0.0,
            "communes_at_risk": int((c["p_lose"] > 0).sum()),
            "risks": self.risks.head(TOP_RISKS).to_dict("records"),
            "network": self.network,
            "network_approximate": self.network == "proxy",
            "sites_illustrative": bool(self.territory.illustrative),
            "sources": list(self.territory.sources),
        }


def _risks(territory: Territory, model: RenewalModel, population: np.ndarray) -> pd.DataFrame:
    """Employers with drawn posts, by expected loss: probability × population lost if alone."""
    structures = territory.structures
    loss = model.alone_losses(population)
    frame = pd.DataFrame({
        "structure_id": structures["structure_id"].to_numpy(), "employeur": structures["nom"].to_numpy(),
        "structure_type": structures["structure_type"].to_numpy(),
        "posts": [len(p) for p in model.posts_of], "p_nonrenewal": model.p_structure,
        "population_lost_alone": loss, "expected_loss": model.p_structure * loss,
    })
    return (frame.loc[frame["posts"] > 0]
            .sort_values(["expected_loss", "population_lost_alone", "structure_id"], ascending=[False, False, True])
            .reset_index(drop=True))


def _draw(model: RenewalModel, baseline: np.ndarray, population: np.ndarray, rng: np.random.Generator,
          draws: int | None, tolerance: float | None) -> tuple[np.ndarray, np.ndarray, Notices]:
    """``draws`` draws (None: until the standard errors are within ``tolerance`` and
    ``P_LOSE_TOLERANCE``, at most ``AUTO_MAX_DRAWS``): how many draws each commune loses cover
    in, the population lost in each draw, and the notice of a tolerance not reached."""
    lost_count = np.zeros(len(population))
    population_lost: list[np.ndarray] = []
    done = 0
    notices = Notices()
    with progress(total=draws, step="draws") as bar:
        while draws is None or done < draws:
            size = DRAWS_PER_CHUNK if draws is None else min(DRAWS_PER_CHUNK, draws - done)
            lost = baseline & ~model.covered(model.draw_alive(rng, size))
            lost_count += lost.sum(axis=0)
            population_lost.append(lost.astype(float) @ population)
            done += size
            bar.update(size)
            if draws is None and _precise_enough(lost_count, np.concatenate(population_lost), done, tolerance,
                                                 notices):
                break
    return lost_count, np.concatenate(population_lost), notices


def _precise_enough(lost_count: np.ndarray, per_draw: np.ndarray, done: int, tolerance: float | None,
                    notices: Notices) -> bool:
    """Whether the draws so far are enough (``_draw``); at ``AUTO_MAX_DRAWS`` they are, with a
    notice."""
    se = np.std(per_draw, ddof=1) / math.sqrt(done)
    p = lost_count / done
    p_se = np.sqrt(p * (1 - p) / done).max(initial=0.0)
    assert tolerance is not None
    if done >= AUTO_MIN_DRAWS and se <= tolerance and p_se <= P_LOSE_TOLERANCE:
        return True
    if done >= AUTO_MAX_DRAWS:
        notices.add("tolerance_non_atteinte", draws=done, se=se, tolerance=tolerance, p_se=p_se,
                    p_tolerance=P_LOSE_TOLERANCE * 100)
        return True
    return False


def simulate_renewals(
    territory: Territory, graph: RoadGraph, *, settings: Settings | None = None, draws: int | None = 1000,
    seed: int = 0, assumptions: RenewalAssumptions | None = None, p_nonrenewal: dict[str, float] | None = None,
    undecided: str | None = None, tolerance: float | None = None,
) -> SimulationResult:
    """Seeded renewal draws (module doc).

    ``assumptions`` default to ``renewal.SURVEY_2023``; ``undecided`` and ``p_nonrenewal``
    (probabilities per structure type, set outright) adjust them. ``draws=None`` draws until the
    standard errors are below ``tolerance`` (inhabitants; default ``TOLERANCE_SHARE`` of the
    population covered today) and ``P_LOSE_TOLERANCE``.

    Parameters
    ----------
    territory, graph
        The territory and its road graph.
    settings
        ``Settings()`` when None.
    draws
        How many draws (None: until the errors are within ``tolerance``).
    seed
        The seed of the draws.
    assumptions, undecided, p_nonrenewal
        The renewal assumptions (``SURVEY_2023`` when None), what the undecided do, and
        probabilities set outright per structure type.
    tolerance
        With ``draws=None``: the standard error sought (inhabitants).

    Returns
    -------
    SimulationResult
    """
    settings = Settings() if settings is None else settings
    if draws is not None and draws < 2:
        raise ParameterError(says("draws", value=draws))
    if tolerance is not None and not (math.isfinite(tolerance) and tolerance > 0):
        raise ParameterError(says("tolerance", value=tolerance))
    assumptions = SURVEY_2023 if assumptions is None else assumptions
    if undecided is not None:
        assumptions = assumptions.with_undecided(undecided)
    if p_nonrenewal:
        assumptions = assumptions.with_p_nonrenewal(p_nonrenewal)
    model = RenewalModel.build(territory, SnappedTerritory.build(graph, territory, settings), settings, assumptions)
    population = territory.communes["population"].to_numpy(dtype=float)
    baseline = model.baseline()
    if draws is None and tolerance is None:
        tolerance = max(1.0, TOLERANCE_SHARE * float(population[baseline].sum()))
    lost_count, population_lost, notices = _draw(model, baseline, population, np.random.default_rng(seed),
                                                 draws, tolerance)
    done = len(population_lost)
    p_lose = lost_count / done
    communes = territory.communes[["code_insee", "nom", "commune_code", "population", "geometry"]].copy()
    communes["covered_before"] = baseline
    communes["p_lose"] = p_lose
    communes["p_lose_se"] = np.sqrt(p_lose * (1 - p_lose) / done)
    communes["expected_population_lost"] = p_lose * population
    per_draw = population_lost
    log.info("%d draws: %.0f inhabitants lose coverage on average", done, per_draw.mean())
    return SimulationResult(territory=territory, settings=settings, network=graph.source, draws=done, seed=seed,
                            assumptions=assumptions, communes=communes, population_lost=per_draw,
                            risks=_risks(territory, model, population),
                            tolerance=tolerance if draws is None else None, notices=tuple(notices))
