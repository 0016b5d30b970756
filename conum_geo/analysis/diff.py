"""Two vintages of a register (e.g. France services lists of two dates) → coverage gained or lost.

Both vintages are territories of the same département with the same communes
(``data.vintages.load_vintages`` reads them). Sites are matched by their
register id: a site in one vintage only opens or closes; a site in both keeps its place and
its opening hours may change, unless it moved (more than ``MOVED_M``) or changed kind, in
which case its two versions are two sites. Coverage before and after is then compared as
for a scenario (``gaps.compare_coverage``).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..core.errors import InputError
from ..core.messages import says
from ..core.territory import Territory
from .supply import STATE_COLUMNS, SupplyChange

#: A site of both vintages further apart than this (m) has moved: two sites.
MOVED_M = 50.0


def _state(sites: pd.DataFrame, present: pd.DataFrame) -> pd.DataFrame:
    """Sites state (``STATE_COLUMNS``) of ``sites``: active and with hours where ``present``."""
    active = sites["site_id"].isin(present["site_id"]).to_numpy()
    by_id = present.set_index("site_id")
    hours = {column: np.where(active, sites["site_id"].map(by_id[column]).to_numpy(dtype=float), 0.0)
             if column in by_id else np.zeros(len(sites)) for column in ("presence_h", "evening_h", "saturday_h")}
    return pd.DataFrame({"site_id": sites["site_id"].to_numpy(), "kind": sites["kind"].to_numpy(),
                         **hours, "fte": np.nan, "active": active}, columns=list(STATE_COLUMNS))


def vintage_change(before: Territory, after: Territory, *, label: str) -> SupplyChange:
    """Sites of the two vintages as a ``SupplyChange`` (communes must be the same).

    Parameters
    ----------
    before, after
        The territory with the sites of each vintage (``load_vintages``).
    label
        What the change is called in the outputs.

    Returns
    -------
    SupplyChange
    """
    if before.communes["code_insee"].tolist() != after.communes["code_insee"].tolist():
        raise InputError(says("vintages_communes"))
    b, a = before.sites, after.sites
    both = b[["site_id", "kind", "geometry"]].merge(
        a[["site_id", "kind", "geometry"]], on="site_id", suffixes=("_b", "_a"))
    moved = set(both.loc[(both["kind_b"] != both["kind_a"]) | (
        both["geometry_b"].distance(both["geometry_a"]) > MOVED_M), "site_id"])
    b = b.assign(site_id=b["site_id"].where(~b["site_id"].isin(moved), b["site_id"] + "@avant"))
    a = a.assign(site_id=a["site_id"].where(~a["site_id"].isin(moved), a["site_id"] + "@apres"))
    sites = pd.concat([b, a.loc[~a["site_id"].isin(b["site_id"])]], ignore_index=True)
    sites = sites[[c for c in b.columns if c in sites.columns]]
    territory = dataclasses.replace(  # sites only: posts play no part in a diff
        before, sites=sites, posts=before.posts.iloc[:0], post_sites=before.post_sites.iloc[:0],
        structures=before.structures.iloc[:0], sources=tuple(dict.fromkeys(before.sources + after.sources)))
    return SupplyChange(territory=territory, before=_state(sites, b), after=_state(sites, a),
                        label=label)
