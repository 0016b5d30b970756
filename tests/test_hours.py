"""Weekly presence hours from the OSM opening_hours syntax and the France services columns.

Expected values are counted by hand from the strings.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conum_geo.data.registers.hours import (
    DAYS,
    FS_DAY_COLUMNS,
    HoursError,
    fs_hours_column,
    fs_weekly_hours,
    osm_hours_column,
    osm_weekly_hours,
)


@pytest.mark.parametrize("text, hours", [
    ("Mo-Fr 09:00-12:00,14:00-17:00", 5 * 6),
    ("Mo,We 13:00-17:00", 2 * 4),
    ("Tu-Fr 09:00-12:30,14:00-17:00", 4 * 6.5),
    # a later ";" rule replaces the earlier one for its days (OSM semantics)
    ("Mo-Fr 09:00-12:00; We off", 4 * 3),
    ("Mo-Sa 14:00-18:00; We 10:00-12:00,14:00-18:00", 5 * 4 + 6),
    # ", Sa ..." after a time range adds a rule instead of replacing
    ("Mo-Fr 09:00-12:00, Sa 10:00-12:00", 5 * 3 + 2),
    ("24/7", 168.0),
    ("09:00-12:00", 7 * 3),  # no weekday: every day
    ("Mo-Fr 9h-12h30,13h30-17h", 5 * 7),  # French notation
    ("Th 09:00-12:15,11:00-18:00", 9.0),  # overlapping ranges are merged
    ("Sa-Mo 10:00-11:00", 3.0),  # wrapping weekday range: Sa, Su, Mo
    ("Mo 22:00-02:00", 4.0),  # past midnight
    ("Mo-Fr 09:00-12:00; PH off", 15.0),  # holidays are not a typical week
    ('Mo 09:00-12:00 "sur rendez-vous"', 3.0),
])
def test_osm_weekly_hours(text, hours):
    assert osm_weekly_hours(text) == pytest.approx(hours)


@pytest.mark.parametrize("text", ["", "  ", None, math.nan])
def test_osm_empty_is_unknown(text):
    assert math.isnan(osm_weekly_hours(text))


@pytest.mark.parametrize("text", [
    "Tu 12:30",  # no end time
    "Mo-Fr 08:30-12:00-13:30",  # two dashes
    "Jan-Jun Mo 09:00-10:00",  # month selectors are not supported
    "Mo 25:00-26:00",
    "Lu-Ve 09:00-12:00",  # French day names are not OSM
])
def test_osm_unparseable_raises(text):
    with pytest.raises(HoursError):
        osm_weekly_hours(text)


def test_fs_weekly_hours():
    days = {"h_lundi": "13:30 - 17:00", "h_mardi": "09:00 - 12:00 / 13:30 - 17:00",
            "h_mercredi": "", "h_samedi": "09:00 - 12:00"}
    assert fs_weekly_hours(days) == pytest.approx(3.5 + 6.5 + 3)
    assert math.isnan(fs_weekly_hours({c: "" for c in FS_DAY_COLUMNS}))
    with pytest.raises(HoursError, match="h_mardi"):
        fs_weekly_hours({"h_mardi": "9 heures"})


def test_columns_report_unreadable_rows_without_dropping_them():
    hours, problems = osm_hours_column(pd.Series(["Mo 09:00-10:00", "Tu 12:30", ""]), "f.json",
                                       lambda i: i + 1)
    assert hours[0] == 1.0 and np.isnan(hours[1]) and np.isnan(hours[2])
    assert problems[0] == "" and problems[2] == ""
    assert "f.json, ligne 2, champ « horaires »" in problems[1] and "Tu 12:30" in problems[1]

    days = {c: np.array(["", "08:00 - 09:00"]) for c in FS_DAY_COLUMNS}
    days["h_jeudi"] = np.array(["", "huit heures"])
    hours, problems = fs_hours_column(days, "fs.csv", lambda i: i + 2)
    assert np.isnan(hours).all()
    assert problems[0] == "" and "fs.csv, ligne 3, champ « h_jeudi »" in problems[1]


_time = st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


@given(st.lists(st.tuples(st.sampled_from(DAYS), _time, _time), min_size=1, max_size=6))
def test_osm_hours_is_a_union_within_the_week(rules):
    """Hours are between the longest single range and the week; repeating the string as an
    additional rule changes nothing (ranges are merged, not summed)."""
    parts = []
    for day, (h1, m1), (h2, m2) in rules:
        parts.append(f"{day} {h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}")
    text = "; ".join(parts)
    hours = osm_weekly_hours(text)
    assert 0 <= hours <= 7 * 48
    doubled = ", ".join(p for p in parts)
    assert osm_weekly_hours(doubled + ", " + doubled) == pytest.approx(osm_weekly_hours(doubled))
