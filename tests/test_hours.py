"""Weekly presence hours (in all, evenings, Saturdays) from the OSM opening_hours syntax and the
France services columns.

Expected values are counted by hand from the strings.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conum_geo.data.registers.hours import (
    FS_DAY_COLUMNS,
    HoursError,
    fs_hours_column,
    fs_rule,
    fs_week,
    osm_hours_column,
    osm_week,
)

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


@pytest.mark.parametrize("text, total, evening, saturday", [
    ("Mo-Fr 09:00-12:00,14:00-17:00", 5 * 6, 0, 0),
    ("Mo,We 13:00-17:00", 2 * 4, 0, 0),
    ("Tu-Fr 09:00-12:30,14:00-17:00", 4 * 6.5, 0, 0),
    # a later ";" rule replaces the earlier one for its days (OSM semantics)
    ("Mo-Fr 09:00-12:00; We off", 4 * 3, 0, 0),
    ("Mo-Sa 14:00-18:00; We 10:00-12:00,14:00-18:00", 5 * 4 + 6, 0, 4),
    # ", Sa ..." after a time range adds a rule instead of replacing
    ("Mo-Fr 09:00-12:00, Sa 10:00-12:00", 5 * 3 + 2, 0, 2),
    ("24/7", 168.0, 7 * 6, 24),
    ("09:00-12:00", 7 * 3, 0, 3),  # no weekday: every day
    ("Mo-Fr 9h-12h30,13h30-17h", 5 * 7, 0, 0),  # French notation, rewritten before parsing
    ("Th 09:00-12:15,11:00-18:00", 9.0, 0, 0),  # overlapping ranges are merged
    ("Sa-Mo 10:00-11:00", 3.0, 0, 1),  # wrapping weekday range: Sa, Su, Mo
    ("Mo 22:00-02:00", 4.0, 2, 0),  # past midnight: 22-24 is evening, 0-2 is Tuesday night
    ("Mo-Fr 09:00-12:00; PH off", 15.0, 0, 0),  # the reference weeks hold no public holiday
    ('Mo 09:00-12:00 "sur rendez-vous"', 3.0, 0, 0),
    ("Tu,Th 16:00-20:00; Sa 09:00-12:00", 8 + 3, 4, 3),  # evenings: 18-20 twice
    ("Jan-Jun Mo 09:00-10:00", 0.5, 0, 0),  # half the reference weeks
])
def test_osm_week(text, total, evening, saturday):
    week = osm_week(text)
    assert (week.total_h, week.evening_h, week.saturday_h) == pytest.approx((total, evening, saturday))


@pytest.mark.parametrize("text", ["", "  "])
def test_osm_empty_is_unknown(text):
    assert math.isnan(osm_week(text).total_h)


@pytest.mark.parametrize("text", [
    "Tu 12:30",  # no end time
    "Mo-Fr 08:30-12:00-13:30",  # two dashes
    "Mo 25:00-26:00",
    "Lu-Ve 09:00-12:00",  # French day names are not OSM
])
def test_osm_unparseable_raises(text):
    with pytest.raises(HoursError):
        osm_week(text)


def test_fs_week():
    days = {"h_lundi": "13:30 - 17:00", "h_mardi": "09:00 - 12:00 / 13:30 - 17:00",
            "h_mercredi": "", "h_samedi": "09:00 - 12:00"}
    assert fs_rule(days) == "Mo 13:30-17:00; Tu 09:00-12:00,13:30-17:00; Sa 09:00-12:00"
    week = fs_week(days)
    assert (week.total_h, week.saturday_h) == pytest.approx((3.5 + 6.5 + 3, 3))
    assert math.isnan(fs_week({c: "" for c in FS_DAY_COLUMNS}).total_h)
    assert fs_week({"h_jeudi": "08:00 - 19:30"}).evening_h == pytest.approx(1.5)
    with pytest.raises(HoursError, match="h_mardi"):
        fs_week({"h_mardi": "9 heures"})


def test_problems_name_file_row_and_field():
    hours = osm_hours_column(pd.Series(["Mo 09:00-10:00", "Tu 12:30", ""]), "f.json", lambda i: i + 1)
    np.testing.assert_array_equal(hours.total_h, [1.0, np.nan, np.nan])
    assert hours.problems[0] == "" and hours.problems[2] == ""
    assert "f.json, ligne 2, champ « horaires »" in hours.problems[1] and "Tu 12:30" in hours.problems[1]
    days = {c: np.array(["", "08:00 - 09:00"]) for c in FS_DAY_COLUMNS}
    days["h_jeudi"] = np.array(["", "soir"])
    hours = fs_hours_column(days, "fs.csv", lambda i: i + 2)
    assert hours.problems[0] == "" and "fs.csv, ligne 3" in hours.problems[1] and "h_jeudi" in hours.problems[1]


rule = st.tuples(st.sampled_from(DAYS), st.integers(0, 22), st.integers(1, 4))


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.lists(rule, min_size=1, max_size=5, unique_by=lambda r: r[0]))
def test_one_range_per_day_adds_up(rules):
    """One range per distinct day: the week is the sum of the ranges, each counted once."""
    text = "; ".join(f"{day} {start:02d}:00-{min(start + length, 24):02d}:00" for day, start, length in rules)
    week = osm_week(text)
    expected = sum(min(start + length, 24) - start for _, start, length in rules)
    assert week.total_h == pytest.approx(expected)
    assert week.saturday_h == pytest.approx(sum(min(s + n, 24) - s for d, s, n in rules if d == "Sa"))
    assert week.evening_h == pytest.approx(sum(max(0, min(s + n, 24) - max(s, 18)) for _, s, n in rules))
