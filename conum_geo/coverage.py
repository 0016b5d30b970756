"""Per-commune coverage metrics (centralité: time to the nearest active site)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .engine import Snapped, nearest_source, snap
from .network.graph import RoadGraph
from .settings import Settings
from .tables import Territory


@dataclass(frozen=True)
class SnappedTerritory:
    """A territory's sites and commune origins snapped once to a graph, reused by every run."""

    graph: RoadGraph
    sites: Snapped
    communes: Snapped

    @classmethod
    def build(cls, graph: RoadGraph, territory: Territory, settings: Settings) -> "SnappedTerritory":
        site_points = territory.sites.geometry
        return cls(
            graph=graph,
            sites=snap(graph, site_points.x, site_points.y, speed_kmh=settings.off_network_speed_kmh),
            communes=snap(graph, territory.communes["origin_x"], territory.communes["origin_y"],
                          speed_kmh=settings.off_network_speed_kmh),
        )


def access(
    snapped: SnappedTerritory, territory: Territory, site_mask: np.ndarray
) -> pd.DataFrame:
    """Time from each commune to its nearest site among ``site_mask``.

    Returns one row per commune (same order) with ``access_min`` (NaN when no such site is
    reachable) and ``nearest_site_id`` (None then).
    """
    chosen = np.flatnonzero(site_mask)
    sources = Snapped(*(a[chosen] for a in (snapped.sites.node, snapped.sites.leg_m, snapped.sites.leg_s)))
    time_s, index = nearest_source(snapped.graph, sources, snapped.communes, toward_sources=True)
    site_ids = territory.sites["site_id"].to_numpy()[chosen]
    nearest = np.where(index >= 0, site_ids[np.maximum(index, 0)] if len(chosen) else None, None)
    return pd.DataFrame({"access_min": time_s / 60.0, "nearest_site_id": nearest},
                        index=territory.communes.index)
