"""Weekly presence hours from the two opening-hours syntaxes of the registers.

- OSM ``opening_hours`` (conseillers numériques lieux, national lieux standard):
  ``Mo-Fr 09:00-12:00,14:00-17:00; We off``. Supported: weekday selectors (ranges,
  lists, wrapping ranges such as ``Sa-Mo``), time ranges (``HH:MM`` or the French ``9h30``),
  ``off``/``closed``, ``24/7``, rules without a weekday (every day), ``;`` rules that replace
  earlier ones for their days and ``,`` rules that add to them (OSM semantics), quoted
  comments (ignored). Rules for public or school holidays (``PH``, ``SH``) do not describe a
  typical week and are skipped.
- France services ``h_lundi..h_samedi``: ``09:00 - 12:00 / 13:30 - 17:00`` per day, empty when
  closed that day.

Overlapping ranges of a day are merged before summing. An empty value is *unknown* (NaN);
a value that cannot be parsed raises ``HoursError`` (callers report it, never drop the site).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
#: France services columns, Monday first.
FS_DAY_COLUMNS = ("h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi")

_TIME = r"(\d{1,2})(?::|h)(\d{2})?|(\d{1,2})h"
_TIME_RE = re.compile(rf"^(?:{_TIME})$")
_RANGE_RE = re.compile(r"^(?P<start>[0-9:h]+)\s*-\s*(?P<end>[0-9:h]+)$")
_DAY_TOKEN_RE = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$")
_HOLIDAY_RE = re.compile(r"^(PH|SH)\b")
_COMMENT_RE = re.compile(r'"[^"]*"')


class HoursError(ValueError):
    """An opening-hours value that cannot be read; the message says why."""


def _minutes(text: str) -> int:
    match = _TIME_RE.match(text.strip())
    if not match:
        raise HoursError(f"« {text} » n'est pas une heure")
    hours = match.group(1) or match.group(3)
    minutes = match.group(2) or "0"
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > 24 * 60:
        raise HoursError(f"« {text} » n'est pas une heure valide")
    return value


def _range(text: str) -> tuple[int, int]:
    """Minutes (start, end) of ``09:00-12:00``; an end before the start runs past midnight."""
    match = _RANGE_RE.match(text.strip())
    if not match:
        raise HoursError(f"« {text.strip()} » n'est pas une plage HH:MM-HH:MM")
    start, end = _minutes(match["start"]), _minutes(match["end"])
    if end < start:
        end += 24 * 60
    return start, end


def _merged_hours(ranges: list[tuple[int, int]]) -> float:
    total = 0
    current: tuple[int, int] | None = None
    for start, end in sorted(ranges):
        if current is None or start > current[1]:
            if current is not None:
                total += current[1] - current[0]
            current = (start, end)
        else:
            current = (current[0], max(current[1], end))
    if current is not None:
        total += current[1] - current[0]
    return total / 60.0


def _days(selector: str) -> list[int]:
    days: list[int] = []
    for token in selector.split(","):
        match = _DAY_TOKEN_RE.match(token.strip())
        if not match:
            raise HoursError(f"« {token.strip()} » n'est pas un jour de la semaine")
        first = DAYS.index(match.group(1))
        last = DAYS.index(match.group(2)) if match.group(2) else first
        span = (last - first) % 7
        days.extend((first + k) % 7 for k in range(span + 1))
    return days


def _split_rule(rule: str) -> tuple[list[int], str]:
    """(days, time part) of one rule; a rule without weekday selector applies every day."""
    head, _, rest = rule.partition(" ")
    if _DAY_TOKEN_RE.match(head.split(",")[0]):
        return _days(head), rest.strip()
    return list(range(7)), rule


def _rule_ranges(time_part: str) -> list[tuple[int, int]] | None:
    """Ranges of a rule's time part; None for ``off``/``closed``."""
    if time_part in ("off", "closed"):
        return None
    if not time_part:
        raise HoursError("jour sans heures d'ouverture")
    return [_range(part) for part in time_part.split(",")]


def osm_weekly_hours(text: str | None) -> float:
    """Hours open per week from an OSM ``opening_hours`` value (NaN when empty)."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or not str(text).strip():
        return math.nan
    value = _COMMENT_RE.sub("", str(text)).strip()
    if value == "24/7":
        return 168.0
    week: dict[int, list[tuple[int, int]]] = {d: [] for d in range(7)}
    for rule in filter(None, (r.strip() for r in value.split(";"))):
        if _HOLIDAY_RE.match(rule):
            continue
        # ", Sa 10:00-12:00" after a time range starts an additional (non-overriding) rule.
        pieces = re.split(r"(?<=\d),\s*(?=(?:Mo|Tu|We|Th|Fr|Sa|Su)\b)", rule)
        for index, piece in enumerate(pieces):
            days, time_part = _split_rule(piece.strip())
            ranges = _rule_ranges(time_part)
            for day in days:
                if index == 0:
                    week[day] = []
                if ranges:
                    week[day].extend(ranges)
    return sum(_merged_hours(ranges) for ranges in week.values())


def fs_weekly_hours(days: Mapping[str, str | None]) -> float:
    """Hours open per week from the France services ``h_lundi..h_samedi`` values.

    An empty day is closed; when every day is empty the hours are unknown (NaN).
    """
    texts = {column: (days.get(column) or "").strip() for column in FS_DAY_COLUMNS}
    if not any(texts.values()):
        return math.nan
    total = 0.0
    for column, text in texts.items():
        if text:
            try:
                total += _merged_hours([_range(part) for part in text.split("/")])
            except HoursError as exc:
                raise HoursError(f"{column}: {exc}") from None
    return total


def osm_hours_column(values: pd.Series, path: Path, row_of) -> tuple[np.ndarray, list[str]]:
    """Weekly hours of each OSM opening-hours value, and per row the problem ('' if none)
    naming file, row and field."""
    hours, problems = np.full(len(values), np.nan), [""] * len(values)
    for i, text in enumerate(values.to_numpy()):
        try:
            hours[i] = osm_weekly_hours(text)
        except HoursError as exc:
            problems[i] = f"{path}, ligne {row_of(i)}, champ « horaires » : {text!r} illisible ({exc})"
    return hours, problems


def fs_hours_column(days: Mapping[str, np.ndarray], path: Path, row_of) -> tuple[np.ndarray, list[str]]:
    """Weekly hours of each France services row (``days``: column → texts), and per row the
    problem ('' if none)."""
    n = len(next(iter(days.values())))
    hours, problems = np.full(n, np.nan), [""] * n
    for i in range(n):
        try:
            hours[i] = fs_weekly_hours({column: texts[i] for column, texts in days.items()})
        except HoursError as exc:
            column, _, reason = str(exc).partition(": ")
            problems[i] = f"{path}, ligne {row_of(i)}, champ « {column} » : illisible ({reason})"
    return hours, problems
