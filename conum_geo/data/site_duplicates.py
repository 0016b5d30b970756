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

from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ..core.notices import Notices

#: Two sites closer than this (metres) are at the same place.
SAME_PLACE_M = 5.0


class Merged(NamedTuple):
    """The sites kept, and the ``site_id`` of the copies dropped (each the copy of a kept one)."""

    sites: gpd.GeoDataFrame
    copies: frozenset[str]


def merge_duplicate_sites(sites: gpd.GeoDataFrame, notices: Notices) -> Merged:
    """``sites`` (metric CRS) without their duplicates (module doc), in the same order: a site
    within ``SAME_PLACE_M`` of an earlier site kept, of the same kind, hours and conseillers,
    is dropped (measured distances, whatever grid the coordinates fall on)."""
    if len(sites) < 2:
        return Merged(sites, frozenset())
    hours = (sites["horaires"].fillna("").astype(str).str.strip() if "horaires" in sites
             else sites["presence_h"].astype(str))
    conseillers = (sites["conseiller_ids"].map(lambda ids: tuple(sorted(ids)) if isinstance(ids, list) else ())
                   if "conseiller_ids" in sites else pd.Series([()] * len(sites), index=sites.index))
    keys = pd.Series(list(zip(sites["kind"], hours, conseillers)), index=sites.index)
    xy = np.column_stack([sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()])
    same_as = np.full(len(sites), -1)
    for rows in pd.Series(np.arange(len(sites))).groupby(keys.factorize()[0]).indices.values():
        if len(rows) < 2:
            continue
        pairs = cKDTree(xy[rows]).query_pairs(SAME_PLACE_M, output_type="ndarray")
        for i, j in sorted(map(tuple, rows[pairs]), key=lambda pair: (pair[1], pair[0])):
            if same_as[i] < 0 and same_as[j] < 0:  # i (earlier) is kept: j is its copy
                same_as[j] = i
    dropped = same_as >= 0
    if dropped.any():
        ids = sites["site_id"].to_numpy()
        notices.add("lieux_doublons", f"{int(dropped.sum())} lieu(x) en double (même type, à moins de "
                    f"{SAME_PLACE_M:g} m, mêmes horaires, mêmes conseillers) : comptés une fois",
                    count=int(dropped.sum()), examples=[f"{ids[j]} = {ids[same_as[j]]}" for j in np.flatnonzero(dropped)])
    return Merged(sites.loc[~dropped], frozenset(sites["site_id"].to_numpy()[dropped]))
