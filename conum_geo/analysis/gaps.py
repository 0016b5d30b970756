"""Gaps: the communes uncovered today, and those whose coverage degrades after a change.

A change is a scenario (posts end, move or are added) or two vintages of a register
(``conum_geo.diff``). Coverage before and after comes from one people → site time table
(``coverage``); a commune is **flagged** when, with the chosen kinds of sites:

- it loses ``covered`` (``lost_cover``);
- its time to the nearest presence rises by more than ``settings.margin_min`` minutes, or a
  presence it could reach no longer exists (``time_up``);
- its accessibility ratio falls by more than ``settings.ratio_drop_share`` (``ratio_down``,
  only when that setting is given).

Each commune also carries its new nearest presence and time, with no time limit, and the
nearest France services, the administrative fallback.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from ..core.costs import CostTable
from ..core.errors import ParameterError
from ..core.messages import says
from ..core.notices import Notice
from ..core.scenarios import DEFAULT_SCENARIO, Scenario
from ..core.settings import Settings
from ..core.territory import Territory
from ..network.graph import RoadGraph
from .costs import before_after_costs
from .coverage import SnappedTerritory, access, commune_coverage, counted_sites, network_notices, snapped_times
from .nearest import nearest_by_kind
from .scenarios import apply_scenario
from .supply import SupplyChange

log = logging.getLogger(__name__)

#: Places of each kind the maps list for every commune (the orientation directory).
NEARBY_PER_KIND = 1

#: Why a commune is flagged, most severe first.
REASON_CODES = ("lost_cover", "time_up", "ratio_down")
#: Columns of the posts that end (``GapsResult.ended``).
ENDED_COLUMNS = ("post_id", "structure_id", "employeur", "structure_type", "model", "end_date",
                 "end_date_source", "renewal_status", "reason_code")


@dataclass
class GapsResult:
    """Coverage before and after a change, per commune and per site, and the posts that end
    (``ended``: ``ENDED_COLUMNS``).

    Attributes
    ----------
    territory, label, settings, network
        What it was computed on: the territory, the change's name, the settings, the network's key.
    communes
        One row per commune: times and presence before and after, whether it is ``flagged``.
    sites
        Every site with its status before and after.
    ended
        The posts that end (``ENDED_COLUMNS``), with the reason's code.
    notices
        What the user must know about the change (codes and values, said by ``outputs``).
    costs, costs_source
        Yearly costs before and after (``analysis.costs.before_after_costs``) and their sources;
        None when not costed.
    nearby
        Each commune's nearest open places of each kind after the change (None: not computed).
    """

    territory: Territory
    label: str
    settings: Settings
    network: str
    communes: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    ended: pd.DataFrame
    notices: tuple[Notice, ...] = ()
    #: Yearly costs of the posts before and after (``analysis.costs.before_after_costs``),
    #: with the French lines of their sources; None for a change that is not a scenario.
    costs: pd.DataFrame | None = None
    costs_source: tuple[str, ...] = ()
    #: The orientation directory of every commune after the change: its nearest open places
    #: of each kind within the threshold (``analysis.nearest.nearest_by_kind``).
    nearby: pd.DataFrame | None = None

    @property
    def ended_posts(self) -> int:
        """How many posts end."""
        return len(self.ended)

    @property
    def flagged(self) -> gpd.GeoDataFrame:
        """Flagged communes, most inhabitants first."""
        return self.communes.loc[self.communes["flagged"]].sort_values(
            ["population", "code_insee"], ascending=[False, True])

    def summary(self) -> dict:
        """Headline figures, JSON-ready."""
        c = self.communes
        s = self.settings

        def count(mask) -> dict:
            return {"communes": int(mask.sum()), "population": int(c.loc[mask, "population"].sum())}

        return {
            "dept": self.territory.dept,
            "scenario": self.label,
            **self.territory.counts(),
            "threshold_min": float(s.threshold_min),
            "margin_min": float(s.margin_min),
            "ratio_drop_share": s.ratio_drop_share,
            "supply": s.supply,
            "fragility_weighting": s.fragility_weighting,
            "kinds": list(s.kinds),
            **{f"covered_before_{k}": v for k, v in count(c["covered_before"]).items()},
            **{f"covered_after_{k}": v for k, v in count(c["covered_after"]).items()},
            **{f"uncovered_before_{k}": v for k, v in count(~c["covered_before"]).items()},
            **{f"flagged_{k}": v for k, v in count(c["flagged"]).items()},
            **{f"{code}_{k}": v for code in REASON_CODES
               for k, v in count(c["reason_code"].str.contains(code)).items()},
            **{f"gained_{k}": v for k, v in count(c["status"] == "gagne").items()},
            # presence "à des horaires adaptés": after 18:00, on Saturday (published hours)
            **{f"{when}_{side}_{k}": v for when in ("evening", "saturday") for side in ("before", "after")
               for k, v in count(c[f"{when}_h_{side}"].astype(float) > 0).items()},
            # people losing cover who still have a France services within the threshold
            "france_services_fallback_population": int(c.loc[
                c["reason_code"].str.contains("lost_cover")
                & (c["france_services_min"] <= s.threshold_min), "population"].sum()),
            "unreachable_communes": int(c["baseline_min"].isna().sum()),
            "sites_before": int(self.sites["counted_before"].sum()),
            "sites_after": int(self.sites["counted_after"].sum()),
            "ended_posts": int(self.ended_posts),
            "ended": self.ended[["post_id", "employeur", "reason_code"]].to_dict("records"),
            **({} if self.costs is None else {
                "costs": {side: {k: (None if pd.isna(v) else v) for k, v in row.items()}
                          for side, row in self.costs.to_dict(orient="index").items()},
                "costs_source": list(self.costs_source)}),
            "off_network_m_max": {"communes": _max(c["off_network_m"]), "sites": _max(c["site_off_network_m"])},
            "network": self.network,
            "network_approximate": self.network == "proxy",
            "sites_illustrative": bool(self.territory.illustrative),
            "sources": list(self.territory.sources),
        }


def _max(values: pd.Series) -> float | None:
    """The largest finite value (m, rounded), None when there is none."""
    finite = values[np.isfinite(values.to_numpy(dtype=float))]
    return round(float(finite.max()), 1) if len(finite) else None


def status(before: np.ndarray, after: np.ndarray, flagged: np.ndarray) -> np.ndarray:
    """``vocabulary.STATUSES`` key of each commune from its cover before and after and its flag:
    a commune covered neither before nor after is ``non_couverte``, whatever its times do."""
    return np.select(
        [before & ~after, ~before & after, before & after & flagged, before & after],
        ["perd", "gagne", "degradee", "couverte"],
        default="non_couverte",
    )


def _unbounded(metrics: pd.DataFrame, snapped: SnappedTerritory, territory: Territory,
               mask: np.ndarray) -> pd.DataFrame:
    """``metrics`` whose access beyond the table is completed by one search with no limit."""
    missing = metrics["access_min"].isna().to_numpy()
    if missing.any():
        far = access(snapped, territory, mask)
        metrics = metrics.copy()
        metrics.loc[missing, "access_min"] = far["access_min"].to_numpy()[missing]
        metrics.loc[missing, "nearest_site_id"] = far["nearest_site_id"].to_numpy()[missing]
    return metrics


def _reasons(before: pd.DataFrame, after: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Boolean columns ``REASON_CODES`` per commune, and their codes joined (``reason_code``;
    ``outputs.reasons`` says them in French)."""
    delta = after["access_min"] - before["access_min"]
    flags = pd.DataFrame({
        "lost_cover": before["covered"] & ~after["covered"],
        "time_up": (delta > settings.margin_min) | (before["access_min"].notna() & after["access_min"].isna()),
        "ratio_down": False,
    })
    if settings.ratio_drop_share is not None:
        flags["ratio_down"] = (before["ratio"] > 0) & (
            after["ratio"] < before["ratio"] * (1 - settings.ratio_drop_share))
    on = flags[list(REASON_CODES)].to_numpy(dtype=bool)
    flags["reason_code"] = ["+".join(np.array(REASON_CODES)[o]) for o in on]
    return flags


def compare_coverage(territory: Territory, graph: RoadGraph, *, change: SupplyChange,
                     settings: Settings | None = None) -> GapsResult:
    """Coverage of every commune before and after ``change``, and the flags of the gaps.

    Parameters
    ----------
    territory, graph
        The territory the change applies to (``change.territory``: with any site the change
        opens) and its road graph.
    change
        The sites before and after (``analysis.scenarios.apply_scenario``,
        ``analysis.diff.vintage_change``), with the posts that end.
    settings
        ``Settings()`` when None.

    Returns
    -------
    GapsResult
        Coverage before and after per commune and site, and the flags.
    """
    settings = Settings() if settings is None else settings
    if territory is not change.territory:
        raise ParameterError(says("change_territory"))
    snapped = SnappedTerritory.build(graph, territory, settings)
    times = snapped_times(snapped, territory, settings.threshold_min)
    states = {"before": change.before, "after": change.after}
    counted = {side: counted_sites(state, settings) for side, state in states.items()}
    before, after = (_unbounded(commune_coverage(times, state, territory.communes, settings),
                                snapped, territory, counted[side]) for side, state in states.items())
    fallback = access(snapped, territory, counted_sites(
        change.after, replace(settings, kinds=("france_services",))))
    flags = _reasons(before, after, settings)
    flagged = flags[list(REASON_CODES)].any(axis=1).to_numpy()

    names = territory.sites.set_index("site_id")["nom"]
    communes = territory.communes[["code_insee", "nom", "commune_code", "population", "geometry"]].copy()
    communes["fragility"] = (territory.communes["fragility"].astype(float)
                             if "fragility" in territory.communes else np.nan)
    communes["status"] = status(before["covered"].to_numpy(), after["covered"].to_numpy(), flagged)
    communes["flagged"] = flagged
    communes["reason_code"] = flags["reason_code"].to_numpy()
    communes["baseline_min"] = before["access_min"].to_numpy(dtype=float)
    communes["scenario_min"] = after["access_min"].to_numpy(dtype=float)
    communes["delta_min"] = communes["scenario_min"] - communes["baseline_min"]
    communes["baseline_site"] = before["nearest_site_id"].map(names).to_numpy()
    communes["scenario_site"] = after["nearest_site_id"].map(names).to_numpy()
    for column in ("presence_level", "presence_h", "evening_h", "saturday_h", "ratio", "covered"):
        communes[f"{column}_before"] = before[column].to_numpy()
        communes[f"{column}_after"] = after[column].to_numpy()
    communes["france_services_min"] = fallback["access_min"].to_numpy()
    communes["france_services_site"] = fallback["nearest_site_id"].map(names).to_numpy()
    communes["scenario_site_id"] = after["nearest_site_id"].to_numpy()
    communes["france_services_site_id"] = fallback["nearest_site_id"].to_numpy()
    communes["off_network_m"] = snapped.communes.off_road_m
    site_leg_m = pd.Series(snapped.sites.off_road_m, index=territory.sites["site_id"].to_numpy())
    communes["site_off_network_m"] = after["nearest_site_id"].map(site_leg_m).to_numpy(dtype=float)

    open_after = change.after["active"].to_numpy(dtype=bool) & ~(change.after["presence_h"].to_numpy() == 0)
    nearby = nearest_by_kind(times, territory.sites.loc[open_after], NEARBY_PER_KIND)
    sites = territory.sites.copy()
    for side, state in states.items():
        sites[f"active_{side}"] = state["active"].to_numpy()
        for column in ("presence_h", "evening_h", "saturday_h"):
            sites[f"{column}_{side}"] = state[column].to_numpy()
        sites[f"counted_{side}"] = counted[side]
    log.info("%s: %d communes flagged of %d", change.label, flagged.sum(), len(communes))
    return GapsResult(territory=territory, label=change.label, settings=settings,
                      network=graph.source, communes=communes, sites=sites,
                      ended=_ended(change), notices=(*change.notices, *network_notices(snapped, territory)),
                      nearby=nearby.drop(columns="row"))


def _ended(change: SupplyChange) -> pd.DataFrame:
    """The posts that end, with their employer, model, contract end and reason."""
    territory = change.territory
    structures = territory.structures.set_index("structure_id")
    ended = change.ended.merge(territory.posts, on="post_id", how="left")
    ended["employeur"] = ended["structure_id"].map(structures["nom"])
    ended["structure_type"] = ended["structure_id"].map(structures["structure_type"])
    ended["end_date"] = pd.to_datetime(ended["end_date"]).dt.strftime("%Y-%m-%d")
    return ended.reindex(columns=list(ENDED_COLUMNS))


def analyse_gaps(
    territory: Territory, graph: RoadGraph, *, scenario: Scenario = DEFAULT_SCENARIO,
    settings: Settings | None = None, costs: CostTable | None = None, funding: str = "initial",
) -> GapsResult:
    """Coverage before and after ``scenario``; flags the communes whose coverage degrades;
    the yearly costs of the posts before and after with the cost table ``costs``
    (``data.cost_files.load_costs``; None: not costed).

    ``settings`` defaults to the scenario's own (``Scenario.settings``).

    Parameters
    ----------
    territory, graph
        The territory (``load_territory``) and its road graph (``load_network``).
    scenario
        What changes (``core.scenarios.Scenario``; default: the Département's posts end).
    settings
        The scenario's own settings when None (``Scenario.settings``).
    costs, funding
        A cost table (``load_costs``) and ``"initial"`` or ``"renewal"`` funding; None: not costed.

    Returns
    -------
    GapsResult
        Coverage before and after per commune and site, the flags, the posts that end.
    """
    settings = scenario.settings() if settings is None else settings
    change = apply_scenario(scenario, territory)
    result = compare_coverage(change.territory, graph, change=change, settings=settings)
    if costs is None:
        return result
    c = result.communes
    table = before_after_costs(
        result.territory, ended_ids=result.ended["post_id"], added_ids=[p.post_id for p in scenario.added_posts],
        population_before=float(c.loc[c["covered_before"], "population"].sum()),
        population_after=float(c.loc[c["covered_after"], "population"].sum()), table=costs, funding=funding)
    return replace(result, costs=table, costs_source=tuple(costs.lines(funding, driving=False)))
