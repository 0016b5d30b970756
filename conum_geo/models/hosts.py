"""Who could take a new post over: the candidate host structures of each new site.

For a new site of a redeployment, the hosts are, ranked by road time from the site and then
by ``core.vocabulary.HOST_TYPES`` order:

- the commune the site is in (its town hall) and its intercommunality (EPCI), at the site;
- the France services within ``HOST_WITHIN_MIN``;
- the employers that keep posts after the scenario, through their open sites within
  ``HOST_WITHIN_MIN`` (an employer counts once, at its nearest site);
- the other open lieux de médiation within ``HOST_WITHIN_MIN``.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from ..analysis.engine import snap, time_table
from ..core.settings import Settings
from ..core.territory import Territory
from ..core.vocabulary import HOST_TYPES
from ..network.graph import RoadGraph

#: Hosts are searched this far from a new site (minutes of driving).
HOST_WITHIN_MIN = 30.0
HOST_COLUMNS = ("site_id", "rank", "host", "host_type", "time_min", "via")


def _open_sites(territory: Territory, change) -> pd.DataFrame:
    """Sites open after the change, with the employer keeping posts there (if any)."""
    sites = territory.sites.assign(active=change.after["active"].to_numpy())
    sites = sites.loc[sites["active"].astype(bool)]
    kept = territory.posts.loc[~territory.posts["post_id"].isin(set(change.ended["post_id"]))]
    links = territory.post_sites.merge(kept[["post_id", "structure_id"]], on="post_id")
    employer = links.drop_duplicates("site_id").set_index("site_id")["structure_id"]
    names = territory.structures.set_index("structure_id")["nom"]
    return sites.assign(employer=sites["site_id"].map(employer).map(names))


def host_structures(territory: Territory, change, graph: RoadGraph, settings: Settings,
                    new_sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """The ranked candidate hosts of every new site (module doc; ``HOST_COLUMNS``)."""
    if new_sites.empty:
        return pd.DataFrame(columns=list(HOST_COLUMNS))
    communes = territory.communes.set_index("code_insee")
    rows = []
    for site_id, code in zip(new_sites["site_id"], new_sites["code_insee"]):
        rows.append({"site_id": site_id, "host": f"{HOST_TYPES['commune']} — {communes.at[code, 'nom']}",
                     "host_type": "commune",
                     "time_min": 0.0, "via": ""})
        epci = communes.at[code, "epci_nom"] if "epci_nom" in communes.columns else None
        if isinstance(epci, str) and epci:
            rows.append({"site_id": site_id, "host": epci, "host_type": "epci", "time_min": 0.0, "via": ""})
    sites = _open_sites(territory, change)
    sites = sites.loc[(sites["kind"] == "france_services") | sites["employer"].notna() | (sites["kind"] == "mediation")]
    if len(sites):
        speed = settings.off_network_speed_kmh
        origins = snap(graph, new_sites.geometry.x, new_sites.geometry.y, speed_kmh=speed)
        targets = snap(graph, sites.geometry.x, sites.geometry.y, speed_kmh=speed)
        near = time_table(graph, origins, targets, cutoff_s=HOST_WITHIN_MIN * 60.0, toward_sources=False)
        for origin, target, time_s in near.itertuples(index=False):
            site = sites.iloc[target]
            if site["kind"] == "france_services":
                host, kind, via = site["nom"], "france_services", ""
            elif isinstance(site["employer"], str):
                host, kind, via = site["employer"], "employeur", site["nom"]
            else:
                host, kind, via = site["nom"], "lieu", ""
            rows.append({"site_id": new_sites["site_id"].iloc[origin], "host": host, "host_type": kind,
                         "time_min": time_s / 60.0, "via": via})
    hosts = pd.DataFrame(rows)
    order = {kind: i for i, kind in enumerate(HOST_TYPES)}
    hosts = (hosts.assign(order=hosts["host_type"].map(order))
             .sort_values(["site_id", "time_min", "order", "host"])
             .drop_duplicates(["site_id", "host", "host_type"]))
    hosts["rank"] = hosts.groupby("site_id").cumcount() + 1
    return hosts[list(HOST_COLUMNS)].reset_index(drop=True)
