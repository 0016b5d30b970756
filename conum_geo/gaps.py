"""Gaps: the communes that lose coverage between the baseline and a scenario."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from .coverage import SnappedTerritory, access
from .network.graph import RoadGraph
from .scenarios import Scenario, active_sites
from .settings import Settings
from .tables import Territory

log = logging.getLogger(__name__)

#: Status of a commune between baseline and scenario, with its French label.
STATUS_LABELS = {
    "perd": "Perd la couverture",
    "couverte": "Couverte avant et après",
    "non_couverte": "Non couverte avant et après",
    "gagne": "Gagne la couverture",
}


@dataclass
class GapsResult:
    """Baseline vs scenario, per commune and per site."""

    territory: Territory
    scenario: Scenario
    settings: Settings
    network: str
    communes: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    ended_posts: pd.Series

    @property
    def flagged(self) -> gpd.GeoDataFrame:
        """Flagged communes, most inhabitants first."""
        return self.communes.loc[self.communes["flagged"]].sort_values(
            ["population", "code_insee"], ascending=[False, True])

    def summary(self) -> dict:
        """Headline figures, JSON-ready."""
        c = self.communes
        return {
            "dept": self.territory.dept,
            "scenario": self.scenario.name,
            "communes": int(len(c)),
            "population": int(c["population"].sum()),
            "threshold_min": float(self.settings.threshold_min),
            "kinds": list(self.settings.kinds),
            "covered_before_communes": int(c["covered_before"].sum()),
            "covered_before_population": int(c.loc[c["covered_before"], "population"].sum()),
            "covered_after_communes": int(c["covered_after"].sum()),
            "covered_after_population": int(c.loc[c["covered_after"], "population"].sum()),
            "flagged_communes": int(c["flagged"].sum()),
            "flagged_population": int(c.loc[c["flagged"], "population"].sum()),
            "unreachable_communes": int(c["baseline_min"].isna().sum()),
            "sites_before": int(self.sites["active_before"].sum()),
            "sites_after": int(self.sites["active_after"].sum()),
            "ended_posts": int(self.ended_posts.sum()),
            "network": self.network,
            "network_approximate": self.network == "proxy",
            "sites_illustrative": bool(self.territory.illustrative),
            "sources": list(self.territory.sources),
        }


def _status(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    return np.select(
        [before & ~after, before & after, ~before & after],
        ["perd", "couverte", "gagne"],
        default="non_couverte",
    )


def analyse_gaps(
    territory: Territory, graph: RoadGraph, scenario: Scenario, settings: Settings = Settings()
) -> GapsResult:
    """Coverage before and after ``scenario``; flags communes that lose it."""
    snapped = SnappedTerritory.build(graph, territory, settings)
    ended = scenario.ended_posts(territory)
    of_kind = territory.sites["kind"].isin(settings.kinds).to_numpy()
    active_before = active_sites(territory, pd.Series(False, index=territory.posts.index))
    active_after = active_sites(territory, ended)

    before = access(snapped, territory, of_kind & active_before)
    after = access(snapped, territory, of_kind & active_after)
    threshold = settings.threshold_min
    covered_before = (before["access_min"] <= threshold).to_numpy()
    covered_after = (after["access_min"] <= threshold).to_numpy()

    names = territory.sites.set_index("site_id")["nom"]
    communes = territory.communes[["code_insee", "nom", "population", "geometry"]].copy()
    communes["baseline_min"] = before["access_min"].to_numpy()
    communes["scenario_min"] = after["access_min"].to_numpy()
    communes["baseline_site"] = before["nearest_site_id"].map(names).to_numpy()
    communes["scenario_site"] = after["nearest_site_id"].map(names).to_numpy()
    communes["off_network_m"] = snapped.communes.leg_m
    communes["covered_before"] = covered_before
    communes["covered_after"] = covered_after
    communes["status"] = _status(covered_before, covered_after)
    communes["flagged"] = communes["status"] == "perd"
    communes["reason"] = np.where(
        communes["flagged"],
        np.where(communes["scenario_min"].isna(), "plus aucune présence accessible",
                 f"plus de présence à moins de {threshold:g} min"),
        "",
    )

    sites = territory.sites.copy()
    sites["active_before"] = active_before
    sites["active_after"] = active_after
    sites["counted"] = of_kind
    log.info("%s: %d communes flagged of %d", scenario.name, communes["flagged"].sum(), len(communes))
    return GapsResult(territory=territory, scenario=scenario, settings=settings,
                      network=graph.source, communes=communes, sites=sites,
                      ended_posts=ended)
