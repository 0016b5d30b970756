"""The rule that fills unknown opening hours, so that no sum of hours is ever unknown.

A site whose weekly hours are unknown (no opening hours in its register, or hours that cannot
be read) gets the **median weekly hours of the known sites of the same kind in the territory**
(its own département's sites when they are told apart), rounded to the half-hour, when at
least ``MIN_KNOWN`` of them are known; otherwise the stated default of its kind
(``DEFAULT_HOURS``: France services, the 24 h a week of the label's charter). Its evening and
Saturday hours, unknown too, count as none. Every filled site is marked
(``presence_h_filled``) and the territory says how many (a notice, with the share and the
value used): the coverage and the 2SFCA ratio are then defined for every commune that reaches a
site, and the outputs say which figures rest on filled hours.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .notices import Notices
from .vocabulary import SITE_KINDS

#: Weekly hours given to a site of each kind when fewer than ``MIN_KNOWN`` sites of its kind
#: have known hours (France services: the label's minimum of 24 h a week).
DEFAULT_HOURS = {"conum": 14.0, "france_services": 24.0, "mediation": 10.0}
#: Known sites of a kind needed to use their median.
MIN_KNOWN = 3


def fill_unknown_hours(sites: pd.DataFrame, notices: Notices | None = None) -> pd.DataFrame:
    """``sites`` with ``presence_h`` filled by the rule (module doc), ``evening_h`` and
    ``saturday_h`` defined (0 where unknown) and ``presence_h_filled`` marking the filled rows."""
    sites = sites.copy()
    hours = pd.to_numeric(sites["presence_h"], errors="coerce")
    unknown = hours.isna()
    for column in ("evening_h", "saturday_h"):
        values = pd.to_numeric(sites[column], errors="coerce") if column in sites else pd.Series(np.nan, index=sites.index)
        sites[column] = values.where(values.notna(), 0.0).astype(float)
    sites["presence_h_filled"] = unknown.to_numpy()
    if not unknown.any():
        sites["presence_h"] = hours.astype(float)
        return sites
    own = sites["in_dept"].fillna(True).astype(bool) if "in_dept" in sites else pd.Series(True, index=sites.index)
    used = []
    for kind in SITE_KINDS:
        of_kind = (sites["kind"] == kind).to_numpy()
        missing = unknown.to_numpy() & of_kind
        if not missing.any():
            continue
        known = hours[of_kind & ~unknown.to_numpy() & (hours > 0).to_numpy() & own.to_numpy()]
        if len(known) >= MIN_KNOWN:
            value = float(np.round(known.median() * 2) / 2)
            rule = f"médiane des {len(known)} lieux de ce type aux horaires connus"
        else:
            value = DEFAULT_HOURS[kind]
            rule = "valeur par défaut de ce type"
        hours[missing] = value
        used.append((kind, int(missing.sum()), value, rule))
    sites["presence_h"] = hours.astype(float)
    if notices is not None:
        for kind, count, value, rule in used:
            share = count / max(int((sites["kind"] == kind).sum()), 1)
            notices.add("horaires_remplis", f"{count} lieu(x) « {SITE_KINDS[kind]} » sans horaires connus "
                        f"({round(100 * share)} % de ce type) : {f'{value:g}'.replace('.', ',')} h par "
                        f"semaine attribuées ({rule}) ; ni soir ni samedi comptés", count=count,
                        examples=sites.loc[unknown.to_numpy() & (sites["kind"] == kind).to_numpy(), "site_id"])
    return sites
