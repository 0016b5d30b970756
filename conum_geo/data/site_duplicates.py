"""Duplicate lieux merged: one place counted once.

National exports repeat some lieux: the same permanence entered two or three times (the same
mairie of Saint-Priest-la-Feuille, three times, same hours, same conseiller). Counted as they
come, each copy adds its hours and its share of the conseiller's time, so a commune near it
looks better served than it is. Two sites are **duplicates** when they are of the same kind,
at the same place (within ``SAME_PLACE_M`` metres), with the same opening hours (the register's
text) and the same conseillers. The first in register order is kept, the others dropped, and a
notice lists them. Sites that share a place but not their hours or conseillers (two
conseillers' permanences in one mairie) are distinct presences and stay.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from ..notices import Notices

#: Two sites closer than this (metres) are at the same place.
SAME_PLACE_M = 5.0


def merge_duplicate_sites(sites: gpd.GeoDataFrame, notices: Notices) -> gpd.GeoDataFrame:
    """``sites`` (metric CRS) without their duplicates (module doc), in the same order."""
    if len(sites) < 2:
        return sites
    cell_x = np.round(sites.geometry.x.to_numpy() / SAME_PLACE_M).astype(np.int64)
    cell_y = np.round(sites.geometry.y.to_numpy() / SAME_PLACE_M).astype(np.int64)
    hours = (sites["horaires"].fillna("").astype(str).str.strip() if "horaires" in sites
             else sites["presence_h"].astype(str))
    conseillers = (sites["conseiller_ids"].map(lambda ids: tuple(sorted(ids)) if isinstance(ids, list) else ())
                   if "conseiller_ids" in sites else [()] * len(sites))
    keys = list(zip(sites["kind"], cell_x, cell_y, hours, conseillers))
    first: dict[tuple, str] = {}
    dropped = np.zeros(len(sites), dtype=bool)
    examples = []
    for i, (key, site_id) in enumerate(zip(keys, sites["site_id"])):
        if key in first:
            dropped[i] = True
            examples.append(f"{site_id} = {first[key]}")
        else:
            first[key] = site_id
    if dropped.any():
        notices.add("lieux_doublons", f"{int(dropped.sum())} lieu(x) en double (même type, même endroit, "
                    "mêmes horaires, mêmes conseillers) : comptés une fois", count=int(dropped.sum()),
                    examples=examples)
    return sites.loc[~dropped]
