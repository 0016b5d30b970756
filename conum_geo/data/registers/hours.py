"""Weekly presence hours, and when they fall, from the registers' opening hours.

Both syntaxes go through ``opening-hours-py`` (the Rust implementation of the OSM
``opening_hours`` specification), which knows *when* a place is open:

- OSM ``opening_hours`` (conseillers numériques lieux, national lieux standard), as written;
- France services ``h_lundi..h_samedi`` (``09:00 - 12:00 / 13:30 - 17:00`` per day, empty when
  closed that day): each day is written as the OSM rule it means (``Mo 09:00-12:00,13:30-17:00``),
  our own small step, then read the same way.

What is kept of the library's answer, per value: the hours open per week (``total_h``), those
after 18:00 on any day (``evening_h``) and those on Saturday (``saturday_h``): the research asks
for presence "à des horaires adaptés". A week is the mean of four reference weeks of 2025
(``REFERENCE_WEEKS``, one per season, none with a public holiday), so that seasonal rules
(``Jan-Jun``…) count for their share of the year. Before parsing, the French notation the
specification does not allow (``9h30``, ``9h``) is rewritten ``09:30``, ``09:00`` — the one
correction we make, because lieux are often typed that way. Anything else the library refuses
raises ``HoursError`` with its reason (callers report it, never drop the site); an empty value
is *unknown* (None).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ...core.errors import InputError

#: France services columns, Monday first, and the OSM day each stands for.
FS_DAY_COLUMNS = ("h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi")
_FS_OSM_DAYS = dict(zip(FS_DAY_COLUMNS, ("Mo", "Tu", "We", "Th", "Fr", "Sa")))
#: Mondays of the reference weeks (2025: winter, spring, summer, autumn; no public holiday).
REFERENCE_WEEKS = (dt.date(2025, 1, 13), dt.date(2025, 4, 7), dt.date(2025, 7, 7), dt.date(2025, 10, 6))
#: Presence after this hour counts as evening presence.
EVENING_FROM = dt.time(18, 0)
_FRENCH_TIME = re.compile(r"(?<![\d:])(\d{1,2})h(\d{2})?(?![\d])")
_FS_RANGE = re.compile(r"^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


class HoursError(InputError):
    """An opening-hours value that cannot be read; the message says why."""


@dataclass(frozen=True)
class WeeklyHours:
    """Hours open in a mean week: in all, in the evening (after 18:00), on Saturday."""

    total_h: float
    evening_h: float
    saturday_h: float


UNKNOWN = WeeklyHours(math.nan, math.nan, math.nan)


def _french_times(text: str) -> str:
    return _FRENCH_TIME.sub(lambda m: f"{int(m.group(1)):02d}:{m.group(2) or '00'}", text)


def _split_evening(start: dt.datetime, end: dt.datetime) -> float:
    """Seconds of [start, end) after ``EVENING_FROM`` of each day it covers."""
    seconds, day = 0.0, start.date()
    while dt.datetime.combine(day, dt.time()) < end:
        evening = dt.datetime.combine(day, EVENING_FROM)
        midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
        seconds += max(0.0, (min(end, midnight) - max(start, evening)).total_seconds())
        day += dt.timedelta(days=1)
    return seconds


@lru_cache(maxsize=16384)
def osm_week(text: str) -> WeeklyHours:
    """Mean weekly hours of an OSM ``opening_hours`` value (``UNKNOWN`` when empty)."""
    import opening_hours

    value = _french_times(str(text)).strip()
    if not value:
        return UNKNOWN
    try:
        schedule = opening_hours.OpeningHours(value)
    except Exception as exc:  # the library's ParserError and friends
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise HoursError(reason.removeprefix("Failed to parse expression:").strip() or "syntaxe non reconnue") from None
    total = evening = saturday = 0.0
    for monday in REFERENCE_WEEKS:
        start = dt.datetime.combine(monday, dt.time())
        for begin, end, state, _ in schedule.intervals(start, start + dt.timedelta(days=7)):
            if state != opening_hours.State.OPEN:
                continue
            total += (end - begin).total_seconds()
            evening += _split_evening(begin, end)
            saturday_start = max(begin, dt.datetime.combine(monday + dt.timedelta(days=5), dt.time()))
            saturday_end = min(end, dt.datetime.combine(monday + dt.timedelta(days=6), dt.time()))
            saturday += max(0.0, (saturday_end - saturday_start).total_seconds())
    weeks = 3600.0 * len(REFERENCE_WEEKS)
    return WeeklyHours(total / weeks, evening / weeks, saturday / weeks)


def fs_rule(days: Mapping[str, str | None]) -> str:
    """The France services weekday columns as one OSM ``opening_hours`` value ('' when every
    day is empty: unknown)."""
    rules = []
    for column in FS_DAY_COLUMNS:
        text = (days.get(column) or "").strip()
        if not text:
            continue
        ranges = []
        for part in text.split("/"):
            match = _FS_RANGE.match(part)
            if not match:
                raise HoursError(f"{column} : « {part.strip()} » n'est pas une plage HH:MM - HH:MM")
            ranges.append(f"{match.group(1).zfill(5)}-{match.group(2).zfill(5)}")
        rules.append(f"{_FS_OSM_DAYS[column]} {','.join(ranges)}")
    return "; ".join(rules)  # days not named are closed (OSM semantics)


def fs_week(days: Mapping[str, str | None]) -> WeeklyHours:
    """Mean weekly hours of a France services row (``UNKNOWN`` when every day is empty)."""
    rule = fs_rule(days)
    try:
        return osm_week(rule)
    except HoursError as exc:
        raise HoursError(f"{rule} : {exc}") from None


@dataclass(frozen=True)
class HoursColumns:
    """Per row of a register: the three weekly figures (NaN when unknown) and the problem
    ('' when none) naming file, row and field."""

    total_h: np.ndarray
    evening_h: np.ndarray
    saturday_h: np.ndarray
    problems: list[str]


def _columns(weeks: list[WeeklyHours], problems: list[str]) -> HoursColumns:
    return HoursColumns(np.array([w.total_h for w in weeks], dtype=float),
                        np.array([w.evening_h for w in weeks], dtype=float),
                        np.array([w.saturday_h for w in weeks], dtype=float), problems)


def osm_hours_column(values: pd.Series, path: Path | str, row_of) -> HoursColumns:
    """The weekly figures of each OSM opening-hours value of a register's column (each distinct
    text parsed once)."""
    weeks, problems = [], []
    parsed: dict[str, WeeklyHours | HoursError] = {}
    for i, value in enumerate(values.to_numpy()):
        text = "" if value is None else str(value)
        if text not in parsed:
            try:
                parsed[text] = osm_week(text)
            except HoursError as exc:
                parsed[text] = exc
        outcome = parsed[text]
        if isinstance(outcome, HoursError):
            weeks.append(UNKNOWN)
            problems.append(f"{path}, ligne {row_of(i)}, champ « horaires » : {text!r} illisible ({outcome})")
        else:
            weeks.append(outcome)
            problems.append("")
    return _columns(weeks, problems)


def fs_hours_column(days: Mapping[str, np.ndarray], path: Path | str, row_of) -> HoursColumns:
    """The weekly figures of each France services row (``days``: column → texts; each distinct
    week parsed once)."""
    n = len(next(iter(days.values())))
    weeks, problems = [], []
    parsed: dict[tuple, WeeklyHours | HoursError] = {}
    for i in range(n):
        key = tuple(texts[i] for texts in days.values())
        if key not in parsed:
            try:
                parsed[key] = fs_week(dict(zip(days, key)))
            except HoursError as exc:
                parsed[key] = exc
        outcome = parsed[key]
        if isinstance(outcome, HoursError):
            weeks.append(UNKNOWN)
            problems.append(f"{path}, ligne {row_of(i)}, horaires h_lundi..h_samedi : illisibles ({outcome})")
        else:
            weeks.append(outcome)
            problems.append("")
    return _columns(weeks, problems)
