"""Coverage month by month over the contract calendar.

On the first day of each month, a post is **at work** when its contract has started (its
``start_date`` is on or before that day, or unknown) and has not ended (its ``end_date`` is on
or after that day, or unknown, or the contract is renewed: ``renewal_status`` ``renouvele``).
The sites the posts at work hold then give the month's coverage by the rule of ``coverage`` (the
same as ``gaps``: a regular presence within the threshold). Coverage only changes when a post
starts or ends, so it is evaluated once per distinct set of posts at work, from one people →
site time table; no graph search runs per month.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import ParameterError
from ..core.messages import says
from ..core.notices import Notice, Notices
from ..core.settings import Settings
from ..core.territory import Territory
from ..network.graph import RoadGraph
from .coverage import SnappedTerritory, commune_coverage, snapped_times
from .supply import site_state

log = logging.getLogger(__name__)

#: Longest calendar computed (months).
MAX_MONTHS = 240
MONTH_COLUMNS = ("month", "posts_at_work", "posts_started", "posts_ended", "posts_ended_estimated",
                 "communes_covered", "population_covered", "population_covered_share")


@dataclass
class TimelineResult:
    """The months of the calendar (``months``: ``MONTH_COLUMNS``) and what the user must know.

    Attributes
    ----------
    territory, settings, network
        What it was computed on.
    months
        One row per month (``MONTH_COLUMNS``): posts active and population covered.
    notices
        What the user must know (codes and values).
    """

    territory: Territory
    settings: Settings
    network: str
    months: pd.DataFrame
    notices: tuple[Notice, ...] = ()

    def summary(self) -> dict:
        """Headline figures, JSON-ready."""
        m = self.months
        low = m.loc[m["population_covered"].idxmin()]
        posts = self.territory.posts
        return {
            "dept": self.territory.dept,
            **self.territory.counts(),
            "threshold_min": float(self.settings.threshold_min),
            "kinds": list(self.settings.kinds),
            "first_month": str(m["month"].iloc[0]),
            "last_month": str(m["month"].iloc[-1]),
            "population_covered_first": int(m["population_covered"].iloc[0]),
            "population_covered_last": int(m["population_covered"].iloc[-1]),
            "population_covered_min": int(low["population_covered"]),
            "population_covered_min_month": str(low["month"]),
            "posts": int(len(posts)),
            "posts_end_estimated": int(posts["end_date_estimated"].astype(bool).sum()),
            "posts_end_unknown": int(pd.to_datetime(posts["end_date"]).isna().sum()),
            "posts_renewed": int((posts["renewal_status"] == "renouvele").sum()),
            "months": m.to_dict("records"),
            "network": self.network,
            "network_approximate": self.network == "proxy",
            "sites_illustrative": bool(self.territory.illustrative),
            "sources": list(self.territory.sources),
        }


def _month(value) -> pd.Timestamp:
    return pd.Timestamp(value).to_period("M").to_timestamp()


def at_work(posts: pd.DataFrame, day: pd.Timestamp) -> np.ndarray:
    """Posts at work on ``day`` (module doc)."""
    start = pd.to_datetime(posts["start_date"])
    end = pd.to_datetime(posts["end_date"])
    renewed = (posts["renewal_status"] == "renouvele").to_numpy()
    started = (start.isna() | (start <= day)).to_numpy()
    running = (end.isna() | (end >= day)).to_numpy() | renewed
    return started & running


def coverage_timeline(
    territory: Territory, graph: RoadGraph, *, settings: Settings | None = None,
    first: dt.date | None = None, last: dt.date | None = None,
) -> TimelineResult:
    """Population covered on the first day of each month from ``first`` to ``last`` (default:
    the month of the first contract start or end to the month after the last end).

    Parameters
    ----------
    territory, graph
        The territory (with its contract calendar) and its road graph.
    settings
        ``Settings()`` when None.
    first, last
        The first and last months (default: the span of the posts' known or estimated dates).

    Returns
    -------
    TimelineResult
        One row per month: posts at work, started, ended, communes and population covered.
    """
    settings = Settings() if settings is None else settings
    posts = territory.posts
    start = pd.to_datetime(posts["start_date"])
    end = pd.to_datetime(posts["end_date"])
    dates = pd.concat([start, end]).dropna()
    if dates.empty and (first is None or last is None):
        raise ParameterError(says("timeline_no_dates"))
    first_month = _month(first) if first is not None else _month(dates.min())
    if last is not None:
        last_month = _month(last)
    elif end.notna().any():
        last_month = _month(end.max()) + pd.DateOffset(months=1)
    else:
        last_month = _month(dates.max())
    if last_month < first_month:
        raise ParameterError(says("timeline_order", last=f"{last_month:%Y-%m}", first=f"{first_month:%Y-%m}"))
    months = pd.date_range(first_month, last_month, freq="MS")
    if len(months) > MAX_MONTHS:
        raise ParameterError(says("timeline_length", months=len(months), most=MAX_MONTHS))

    snapped = SnappedTerritory.build(graph, territory, settings)
    times = snapped_times(snapped, territory, settings.threshold_min)
    population = territory.communes["population"].to_numpy(dtype=float)
    alive = np.array([at_work(posts, day) for day in months])
    covered_by_state: dict[bytes, np.ndarray] = {}
    rows = []
    estimated = posts["end_date_estimated"].astype(bool).to_numpy()
    previous = alive[0]
    for day, working in zip(months, alive):
        key = working.tobytes()
        if key not in covered_by_state:
            state = site_state(territory, working)
            covered_by_state[key] = commune_coverage(times, state, territory.communes, settings)["covered"].to_numpy()
        covered = covered_by_state[key]
        ended = previous & ~working
        rows.append({
            "month": f"{day:%Y-%m}", "posts_at_work": int(working.sum()),
            "posts_started": int((~previous & working).sum()), "posts_ended": int(ended.sum()),
            "posts_ended_estimated": int((ended & estimated).sum()),
            "communes_covered": int(covered.sum()), "population_covered": int(population[covered].sum()),
            "population_covered_share": float(population[covered].sum() / population.sum()) if population.sum() else 0.0,
        })
        previous = working
    log.info("timeline %s: %d months, %d distinct states", territory.dept, len(months), len(covered_by_state))
    return TimelineResult(territory=territory, settings=settings, network=graph.source,
                          months=pd.DataFrame(rows, columns=list(MONTH_COLUMNS)),
                          notices=tuple(_notices(posts, months)))


def _notices(posts: pd.DataFrame, months: pd.DatetimeIndex) -> list[Notice]:
    notices = Notices()
    estimated = posts["end_date_estimated"].astype(bool)
    if estimated.any():
        notices.add("fin_de_contrat_estimee", count=int(estimated.sum()), examples=posts.loc[estimated, "post_id"],
                    form="timeline", posts=len(posts))
    unknown = pd.to_datetime(posts["end_date"]).isna()
    if unknown.any():
        notices.add("fin_de_contrat_inconnue", count=int(unknown.sum()), examples=posts.loc[unknown, "post_id"],
                    form="timeline")
    renewed = posts["renewal_status"] == "renouvele"
    if renewed.any():
        notices.add("contrat_renouvele", count=int(renewed.sum()), examples=posts.loc[renewed, "post_id"])
    return list(notices)
