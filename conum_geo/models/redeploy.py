"""Redeployment: where to put N posts to restore coverage after non-renewal.

After a scenario (``Scenario.apply``), some sites stay open: they are **fixed** (predefined
facilities). ``keep="renewed"`` fixes every counted site still open; a list of ids fixes only
the listed sites, the sites of the listed posts, and the sites no post serves (those do not
depend on posts). The N posts then go to **candidates** in the département's communes
(a redeployment stays in the département; fixed sites beyond it still count): existing lieux
(conum and mediation sites), France services and town halls; a candidate that sits exactly
where an earlier one does (same snapped node and leg) is dropped, so a town hall that is
already a lieu counts once. Each new post opens a site in centralité with its field time as
presence hours (``ModelAssumptions``: ``hours_week × field_share``).

The objective (``vocabulary.OBJECTIVES``) is solved on the commune × candidate travel-time
matrix (people → site), demand weighted by population (× relative fragility when
``settings.fragility_weighting``):

- ``mclp``: maximise the demand with a presence within the threshold, N new sites;
- ``lscp``: the fewest new sites covering every commune some candidate covers (N is then the
  budget it is compared with);
- ``pmedian``: minimise the demand-weighted time to the nearest presence, N new sites
  (times beyond ``compare.ACCESS_CUTOFF_MIN`` count as twice the largest time);
- ``iso``: give back the lost points of presence, each replaced within R minutes where
  possible, then cover the most demand, ties broken by access time (``models.iso``); N
  defaults to the posts the scenario ends (the posts still funded).

The coverage of the baseline, of the scenario and of the redeployment is measured with the
same metrics as ``gaps`` and ``compare``, with the yearly costs of each state's posts
(``analysis.costs``); every new site comes with its candidate host structures
(``models.hosts``).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from ..analysis.costs import option_costs, posts_to_cost
from ..analysis.coverage import counted_sites, demand_of
from ..analysis.engine import snap, time_table
from ..analysis.scenarios import apply_scenario
from ..analysis.supply import SupplyChange
from ..core.costs import CostTable
from ..core.errors import ParameterError
from ..core.messages import says
from ..core.progress import progress
from ..core.scenarios import DEFAULT_SCENARIO, Scenario
from ..core.settings import Settings
from ..core.territory import Territory
from ..core.vocabulary import (
    CANDIDATE_ORIGINS,
    NEW_SITE_NAMES,
    NEW_SITE_SOURCES,
    OBJECTIVES,
    REDEPLOY_STATES,
    UNREPLACED_REASONS,
)
from ..network.graph import RoadGraph
from .compare import ACCESS_CUTOFF_MIN, presence_communes, presence_coverage, presence_times
from .deployment import PRESENCE_COLUMNS
from .hosts import host_structures
from .indicators import coverage_indicators
from .iso import IsoReplacement
from .optimize import LSCP, MCLP, PMedian, Problem
from .parameters import ModelAssumptions

log = logging.getLogger(__name__)

NEW_SITE_PREFIX = "redeploiement-"
#: The lost points of presence of an à-iso redeployment and what replaces each.
LOST_COLUMNS = ("code_insee", "nom", "population", "replaced_by", "replaced_by_id", "time_min", "reason")


@dataclass
class RedeployResult:
    """The chosen sites, and coverage before, after the scenario and after redeployment.

    Attributes
    ----------
    territory, scenario, settings, assumptions, network
        What it was computed on.
    objective, n_posts, keep
        The objective (``OBJECTIVES``), the posts placed, and which sites were kept.
    candidates
        The places where a post could go, chosen or not.
    communes, sites
        Coverage per commune and the sites before, after the scenario and after redeployment.
    table
        One row per state (before, after the scenario, redeployed): the indicators and costs.
    solution
        The solved problem (``models.optimize.Problem``: method, status, gap).
    lost_points, hosts, replace_within_min
        "À iso": the presence points lost, the hosts that take them, and how far a host may be
        (minutes).
    costs_source
        The cost table's sources (empty: not costed).
    """

    territory: Territory
    scenario: Scenario
    settings: Settings
    assumptions: ModelAssumptions
    network: str
    objective: str
    n_posts: int
    keep: tuple[str, ...]
    candidates: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    table: pd.DataFrame
    solution: Problem
    lost_points: pd.DataFrame
    hosts: pd.DataFrame
    replace_within_min: float
    costs_source: tuple[str, ...] = ()

    @property
    def new_sites(self) -> gpd.GeoDataFrame:
        return self.candidates.loc[self.candidates["selected"] & ~self.candidates["fixed"]]

    def summary(self) -> dict:
        """Headline figures, optimality and assumptions, JSON-ready."""
        t = self.table
        c = self.communes
        lost_mask = c["covered_baseline"].astype(bool) & ~c["covered_scenario"].astype(bool)
        lost = int(c.loc[lost_mask, "population"].sum())
        recovered = int(c.loc[c["status"] == "retrouvee", "population"].sum())
        s = self.solution

        def clean(value):
            return None if pd.isna(value) else value

        return {
            "dept": self.territory.dept,
            **self.territory.counts(),
            "scenario": self.scenario.name,
            "objective": self.objective,
            "objective_label": OBJECTIVES[self.objective],
            "posts": self.n_posts,
            "new_sites": int(len(self.new_sites)),
            "fixed_sites": int(self.candidates["fixed"].sum()),
            "candidates": int(len(self.candidates)),
            "keep": list(self.keep),
            "threshold_min": float(self.settings.threshold_min),
            "kinds": list(self.settings.kinds),
            "population_lost": lost,
            "population_recovered": recovered,
            "recovered_share": clean(recovered / lost) if lost > 0 else None,
            "population_gained": int(c.loc[c["status"] == "gagnee", "population"].sum()),
            "population_covered_change": int(t.loc["redeployed", "population_covered"]
                                             - t.loc["scenario", "population_covered"]),
            "solver": {"method": s.method, "status": s.status, "objective": clean(s.objective),
                       "bound": clean(s.bound), "gap": clean(s.gap),
                       "unreachable_communes": int(len(s.unreachable))},
            **({} if self.objective != "iso" else {
                "replace_within_min": self.replace_within_min,
                "lost_points": int(len(self.lost_points)),
                "replaced_points": int((self.lost_points["replaced_by_id"] != "").sum()),
                "unreplaced": self.lost_points.loc[self.lost_points["replaced_by_id"] == "",
                                                   ["code_insee", "nom", "reason"]].to_dict("records")}),
            "new_sites_hosts": {site: self.hosts.loc[self.hosts["site_id"] == site, "host"].head(5).tolist()
                                for site in NEW_SITE_PREFIX + self.new_sites["candidate_id"]},
            "costs_source": list(self.costs_source),
            "states": {state: {k: clean(v) for k, v in row.items()}
                       for state, row in t.to_dict(orient="index").items()},
            "assumptions": dataclasses.asdict(self.assumptions),
            "network": self.network,
            "network_approximate": self.network == "proxy",
            "sites_illustrative": bool(self.territory.illustrative),
            "sources": list(self.territory.sources),
        }


def _status(baseline: np.ndarray, scenario: np.ndarray, redeployed: np.ndarray) -> np.ndarray:
    return np.select(
        [redeployed & baseline & ~scenario, redeployed & ~baseline, redeployed, baseline],
        ["retrouvee", "gagnee", "couverte", "perdue"], default="non_couverte")


def _fixed_sites(territory: Territory, after: pd.DataFrame, settings: Settings,
                 keep: tuple[str, ...]) -> np.ndarray:
    """Boolean mask over ``territory.sites``: the sites kept open (module doc)."""
    counted = counted_sites(after, settings)
    if keep == ("renewed",):
        return counted
    links = territory.post_sites
    known = set(territory.sites["site_id"]) | set(territory.posts["post_id"])
    unknown = [k for k in keep if k not in known]
    if unknown:
        raise ParameterError(says("keep_unknown", values=unknown[:5]))
    listed = set(keep) | set(links.loc[links["post_id"].isin(keep), "site_id"])
    sites = territory.sites["site_id"]
    return counted & (sites.isin(listed) | ~sites.isin(set(links["site_id"]))).to_numpy()


def _candidates(territory: Territory, fixed: np.ndarray) -> gpd.GeoDataFrame:
    """Fixed sites, lieux, France services and town halls, in that order."""
    sites = territory.sites
    origin = np.select([fixed, sites["kind"] == "france_services"], ["fixe", "france_services"], "lieu")
    existing = gpd.GeoDataFrame({
        "candidate_id": sites["site_id"].to_numpy(), "nom": sites["nom"].to_numpy(),
        "origin": origin, "code_insee": sites["code_insee"].to_numpy(), "fixed": fixed,
    }, geometry=sites.geometry.to_numpy(), crs=territory.crs)
    communes = territory.communes
    town_halls = gpd.GeoDataFrame({
        "candidate_id": "mairie-" + communes["code_insee"], "nom": "Mairie — " + communes["nom"],
        "origin": "mairie", "code_insee": communes["code_insee"], "fixed": False,
    }, geometry=gpd.points_from_xy(communes["origin_x"], communes["origin_y"]), crs=territory.crs)
    rank = {origin: i for i, origin in enumerate(CANDIDATE_ORIGINS)}
    both = pd.concat([existing, town_halls], ignore_index=True)
    return both.iloc[np.argsort(both["origin"].map(rank).to_numpy(), kind="stable")].reset_index(drop=True)


def _cost_matrix(candidates: gpd.GeoDataFrame, territory: Territory, graph: RoadGraph,
                 settings: Settings, cutoff_min: float) -> tuple[np.ndarray, np.ndarray]:
    """Minutes from each commune to each candidate (inf beyond ``cutoff_min``), and the mask
    of candidates kept once those at the same place as an earlier one are dropped."""
    points = snap(graph, candidates.geometry.x, candidates.geometry.y,
                  speed_kmh=settings.off_network_speed_kmh)
    communes = snap(graph, territory.communes["origin_x"], territory.communes["origin_y"],
                    speed_kmh=settings.off_network_speed_kmh)
    place = pd.DataFrame({"node": points.node, "leg": np.round(points.leg_s, 3)})
    unique = ~place.duplicated().to_numpy() | candidates["fixed"].to_numpy()
    table = time_table(graph, points, communes, cutoff_s=cutoff_min * 60.0, toward_sources=True)
    cost = np.full((len(communes), len(candidates)), np.inf)
    cost[table["target"].to_numpy(), table["source"].to_numpy()] = table["time_s"].to_numpy() / 60.0
    return cost, unique


def candidate_costs(change: SupplyChange, graph: RoadGraph, settings: Settings,
                    keep: tuple[str, ...], cutoff_min: float
                    ) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    """The candidates after ``change`` (module doc; ``fixed`` marks the kept sites; new sites
    only in the département's communes), minutes from each commune to each (inf beyond
    ``cutoff_min``), and the mask of kept sites over ``change.territory.sites``."""
    territory = change.territory
    fixed = _fixed_sites(territory, change.after, settings, keep)
    candidates = _candidates(territory, fixed)
    cost, unique = _cost_matrix(candidates, territory, graph, settings, cutoff_min)
    unique &= candidates["fixed"].to_numpy() | candidates["code_insee"].isin(set(territory.communes["code_insee"])).to_numpy()
    return candidates.loc[unique].reset_index(drop=True), cost[:, unique], fixed


def _state_presences(territory: Territory, state: pd.DataFrame) -> gpd.GeoDataFrame:
    """``territory.sites`` with the presence hours, FTE and activity of ``state``."""
    return territory.sites.assign(presence_h=state["presence_h"].to_numpy(),
                                  evening_h=state["evening_h"].to_numpy(), saturday_h=state["saturday_h"].to_numpy(),
                                  visits_per_week=np.nan, fte=state["fte"].to_numpy(),
                                  active=state["active"].to_numpy())[list(PRESENCE_COLUMNS)]


def _lost_points(extended: Territory, change, settings: Settings, cost: np.ndarray, within_min: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Positions (in the communes) of the lost points of presence, and which candidates lie
    within ``within_min`` of each (``cost`` is people → site minutes)."""
    before = presence_communes(_state_presences(extended, change.before), settings)
    after = presence_communes(_state_presences(extended, change.after), settings)
    codes = extended.communes["code_insee"]
    lost = np.flatnonzero(codes.isin(before - after).to_numpy())
    return lost, cost[lost] <= within_min


def iso_points(n_lost: int, n_posts: int, assumptions: ModelAssumptions, settings: Settings) -> int:
    """New points of presence of an à-iso redeployment: as many as were lost, if the posts'
    field time holds that many regular presences (``settings.min_presence_h`` each), and at
    least one per post. The field time of the posts is shared equally between the points;
    the driving between the points of one post is not deducted (said in the outputs)."""
    field_h = assumptions.hours_week * assumptions.field_share
    per_post = max(1, int(field_h // settings.min_presence_h))
    return max(n_posts, min(n_lost, n_posts * per_post)) if n_posts else 0


def _iso_problem(extended: Territory, change, settings: Settings, candidates: gpd.GeoDataFrame, cost: np.ndarray,
                 weights: np.ndarray, n_posts: int, near: np.ndarray) -> IsoReplacement:
    """The à-iso instance (``models.iso``; ``near``: the candidates within R of each lost
    point): openable candidates are in the communes of the département that have no presence
    left after the scenario, one per commune."""
    after = presence_communes(_state_presences(extended, change.after), settings)
    codes = extended.communes["code_insee"].to_numpy()
    position = {code: i for i, code in enumerate(codes)}
    group = np.array([position.get(code, -1) if code not in after else -1 for code in candidates["code_insee"]])
    group[candidates["fixed"].to_numpy()] = -1
    is_fixed = candidates["fixed"].to_numpy()
    return IsoReplacement.from_matrices(cost, weights, settings.threshold_min, near, group,
                                        int(is_fixed.sum()) + n_posts, is_fixed, name="iso")


def _lost_table(extended: Territory, problem: IsoReplacement, lost: np.ndarray, candidates, cost) -> pd.DataFrame:
    """Each lost point of presence, the new site that replaces it (a maximum matching of
    least total time) and its time, or why none does (``LOST_COLUMNS``)."""
    new = np.flatnonzero(candidates["selected"].to_numpy() & ~candidates["fixed"].to_numpy())
    reach = problem.replace[:, new]
    match = np.full(len(lost), -1)
    if reach.any():  # a maximum matching of least total time: unreachable pairs cost more than any other
        times = np.where(reach, cost[np.ix_(lost, new)], np.inf)
        big = (np.nanmax(np.where(reach, times, 0.0)) + 1.0) * (len(lost) + 1)
        rows, cols = linear_sum_assignment(np.where(reach, times, big))
        kept = reach[rows, cols]
        match[rows[kept]] = cols[kept]
    communes = extended.communes
    rows = []
    for k, commune in enumerate(lost):
        j = new[match[k]] if match[k] >= 0 else -1
        rows.append({
            "code_insee": communes["code_insee"].iloc[commune], "nom": communes["nom"].iloc[commune],
            "population": int(communes["population"].iloc[commune]),
            "replaced_by": candidates["nom"].iloc[j] if j >= 0 else "",
            "replaced_by_id": (NEW_SITE_PREFIX + candidates["candidate_id"].iloc[j]) if j >= 0 else "",
            "time_min": float(cost[commune, j]) if j >= 0 else np.nan,
            "reason": "" if j >= 0 else UNREPLACED_REASONS["out_of_reach" if not problem.replace[k].any()
                                                           else "too_few_posts"],
        })
    return pd.DataFrame(rows, columns=list(LOST_COLUMNS))


def _posts_to_place(n_posts, objective: str, change) -> int:
    """``n_posts``, checked; None with the ``iso`` objective: the posts the scenario ends."""
    if n_posts is None and objective == "iso":
        n_posts = change.ended_posts
    if n_posts is None or isinstance(n_posts, bool) or not isinstance(n_posts, (int, np.integer)) or n_posts < 0:
        raise ParameterError(says("n_posts", value=n_posts))
    return int(n_posts)


def _covering_problem(objective: str, cost: np.ndarray, weights: np.ndarray, settings: Settings, n_sites: int,
                      is_fixed: np.ndarray) -> Problem:
    """The MCLP, LSCP or p-median of ``objective`` over the candidates' ``cost`` matrix."""
    if objective == "mclp":
        return MCLP.from_cost_matrix(cost, weights, settings.threshold_min, n_sites, is_fixed, name="mclp")
    if objective == "lscp":
        return LSCP.from_cost_matrix(cost, settings.threshold_min, is_fixed, name="lscp")
    if n_sites == 0:
        raise ParameterError(says("pmedian_nothing"))
    return PMedian.from_cost_matrix(cost, weights, n_sites, is_fixed, name="pmedian")


def _new_sites(chosen: gpd.GeoDataFrame, n_posts: int, assumptions: ModelAssumptions, crs) -> gpd.GeoDataFrame:
    """The new posts' sites at the ``chosen`` candidates, sharing the posts' field time."""
    field_h = assumptions.hours_week * assumptions.field_share
    share = n_posts / len(chosen) if len(chosen) else 1.0  # posts per new site (iso: several sites a post)
    return gpd.GeoDataFrame({
        "site_id": NEW_SITE_PREFIX + chosen["candidate_id"], "nom": f"{NEW_SITE_NAMES['redeploy']} — " + chosen["nom"],
        "kind": "conum", "code_insee": chosen["code_insee"], "presence_h": field_h * share,
        "itinerant": False, "source": NEW_SITE_SOURCES["redeploy"], "as_of": "", "fte": share, "active": True,
        "evening_h": 0.0, "saturday_h": 0.0, "visits_per_week": np.nan,
    }, geometry=chosen.geometry, crs=crs)


def redeploy(
    territory: Territory, graph: RoadGraph, *, n_posts: int | None = None, settings: Settings | None = None,
    scenario: Scenario = DEFAULT_SCENARIO, keep=("renewed",), objective: str = "mclp",
    assumptions: ModelAssumptions | None = None, solver="auto", time_limit_s: float | None = None,
    replace_within_min: float | None = None, costs: CostTable | None = None, funding: str = "initial",
) -> RedeployResult:
    """Place ``n_posts`` posts to restore coverage after ``scenario`` (module doc).

    ``objective="iso"``: ``n_posts`` None is the number of posts the scenario ends (still
    funded); ``replace_within_min`` (default: the threshold) is the radius R within which a
    new site replaces a lost point of presence (``models.iso``). Demand is weighted by
    fragility when ``settings.fragility_weighting``. Costs per state with the cost table
    ``costs`` (``analysis.costs``; None: not costed).

    Parameters
    ----------
    territory, graph
        The territory and its road graph.
    n_posts
        How many posts to place (``iso``: None, the posts the scenario ends).
    settings
        The scenario's own when None.
    scenario
        The non-renewal to restore coverage after.
    keep
        ``("renewed",)``: the sites still open; else the ids of the sites or posts kept.
    objective
        ``mclp``, ``lscp``, ``pmedian`` or ``iso`` (``core.vocabulary.OBJECTIVES``).
    assumptions
        ``ModelAssumptions()`` when None (the new posts' hours).
    solver, time_limit_s
        ``auto``, ``highs``, ``greedy`` or a PuLP solver; its time limit.
    replace_within_min
        ``iso``: the radius within which a new site replaces a lost point (default: the threshold).
    costs, funding
        A cost table and its funding; None: not costed.

    Returns
    -------
    RedeployResult
    """
    if objective not in OBJECTIVES:
        raise ParameterError(says("objective_unknown", objective=objective, known=sorted(OBJECTIVES)))
    settings = scenario.settings() if settings is None else settings
    assumptions = ModelAssumptions() if assumptions is None else assumptions
    keep = tuple(keep)
    change = apply_scenario(scenario, territory)
    n_posts = _posts_to_place(n_posts, objective, change)
    within_min = settings.threshold_min if replace_within_min is None else float(replace_within_min)
    if not (math.isfinite(within_min) and within_min > 0):
        raise ParameterError(says("replace_within", value=within_min))
    extended = change.territory
    cutoff_min = {"pmedian": ACCESS_CUTOFF_MIN, "iso": max(settings.threshold_min, within_min)}.get(
        objective, settings.threshold_min)
    candidates, cost, fixed = candidate_costs(change, graph, settings, keep,
                                              max(cutoff_min, settings.threshold_min))
    is_fixed = candidates["fixed"].to_numpy()
    n_fixed = int(is_fixed.sum())
    if n_fixed + n_posts > len(candidates):
        raise ParameterError(says("too_few_candidates", posts=n_posts, free=len(candidates) - n_fixed))
    weights = demand_of(extended.communes, settings).to_numpy(dtype=float)
    lost = np.zeros(0, dtype=np.int64)  # the lost points of presence (iso only)
    if objective == "iso":
        lost, near = _lost_points(extended, change, settings, cost, within_min)
        problem: Problem = _iso_problem(extended, change, settings, candidates, cost, weights,
                                        iso_points(len(lost), n_posts, assumptions, settings), near)
    else:
        problem = _covering_problem(objective, cost, weights, settings, n_fixed + n_posts, is_fixed)
    problem.solve(solver, time_limit_s=time_limit_s)
    candidates["selected"] = np.isin(np.arange(len(candidates)), problem.selected)
    if objective == "lscp" and len(problem.selected) - n_fixed > n_posts:
        log.warning("LSCP needs %d new sites, more than the %d posts available",
                    len(problem.selected) - n_fixed, n_posts)
    lost_table = (_lost_table(extended, problem, lost, candidates, cost) if isinstance(problem, IsoReplacement)
                  else pd.DataFrame(columns=list(LOST_COLUMNS)))

    chosen = candidates.loc[candidates["selected"] & ~candidates["fixed"]]
    new = _new_sites(chosen, n_posts, assumptions, territory.crs)
    scenario_sites = _state_presences(extended, change.after)
    kept_sites = scenario_sites.copy()
    if keep != ("renewed",):  # the counted sites not kept close
        kept_sites["active"] &= fixed | ~counted_sites(change.after, settings)
    states = {
        "baseline": _state_presences(extended, change.before),
        "scenario": scenario_sites,
        "redeployed": pd.concat([kept_sites, new[list(PRESENCE_COLUMNS)]], ignore_index=True),
    }
    times = presence_times(states["redeployed"], extended, graph, settings)  # every site of every state
    communes = extended.communes[["code_insee", "nom", "commune_code", "population", "geometry"]].copy()
    rows = {}
    for state, presences in progress(states.items(), total=len(states), step="states"):
        metrics = presence_coverage(presences, extended, graph, settings, times)
        for column in ("access_min", "covered", "presence_h", "ratio"):
            communes[f"{column}_{state}"] = metrics[column].to_numpy()
        rows[state] = {"label": REDEPLOY_STATES[state],
                       **coverage_indicators(metrics, extended.communes,
                                             metrics.index[metrics["has_presence"]])}
    role = np.select([fixed, counted_sites(change.before, settings)], ["maintenu", "ferme"], "autre")
    sites = states["redeployed"].assign(role=np.r_[role, np.full(len(new), "nouveau")])
    communes["status"] = _status(*(communes[f"covered_{state}"].to_numpy(dtype=bool) for state in REDEPLOY_STATES))
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "state"
    if costs is not None:
        table = table.join(_state_costs(extended, change, n_posts, table, costs, funding))
    hosts = host_structures(extended, change, graph, settings, new)
    log.info("redeploy %s: %d new sites, %s, gap %.4g", objective, len(chosen), problem.method, problem.gap)
    costs_source = tuple(costs.lines(funding, driving=False)) if costs is not None else ()
    return RedeployResult(territory=extended, scenario=scenario, settings=settings,
                          assumptions=assumptions, network=graph.source, objective=objective,
                          n_posts=n_posts, keep=keep, candidates=candidates, communes=communes,
                          sites=sites, table=table, solution=problem, lost_points=lost_table, hosts=hosts,
                          replace_within_min=within_min, costs_source=costs_source)


def _state_costs(extended: Territory, change, n_posts: int, table: pd.DataFrame, costs: CostTable,
                 funding: str) -> pd.DataFrame:
    """Yearly costs of the posts of each state: all of them, those left after the scenario,
    and those plus the new ones (employed by the communes or intercommunalities that host
    them: public employers). Sites are fixed: no driving."""
    ids = extended.posts["post_id"]
    after = ids[~ids.isin(set(change.ended["post_id"]))]
    new_ids = pd.Series([f"{NEW_SITE_PREFIX}poste-{k + 1}" for k in range(n_posts)], dtype=object)
    posts = {"baseline": ids, "scenario": after, "redeployed": pd.concat([after, new_ids])}
    return pd.DataFrame.from_dict({
        state: option_costs(posts_to_cost(extended, chosen, public_default=True), costs, funding=funding,
                            population_covered=float(table.loc[state, "population_covered"]))
        for state, chosen in posts.items()}, orient="index")
