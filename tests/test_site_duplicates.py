"""Duplicate lieux are merged; distinct presences at one place are not."""

from __future__ import annotations

import geopandas as gpd
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from conum_geo.core.notices import Notices
from conum_geo.data.site_duplicates import SAME_PLACE_M, merge_duplicate_sites


def _sites(rows):
    return gpd.GeoDataFrame(
        {"site_id": [r[0] for r in rows], "kind": [r[1] for r in rows], "horaires": [r[4] for r in rows],
         "presence_h": 3.0, "conseiller_ids": [r[5] for r in rows]},
        geometry=shapely.points([r[2] for r in rows], [r[3] for r in rows]), crs="EPSG:2154")


def test_copies_are_counted_once_and_distinct_presences_stay():
    sites = _sites([
        ("a", "conum", 700_000.0, 6_600_000.0, "Th 09:00-12:00", ["c1"]),
        ("b", "conum", 700_000.0, 6_600_000.0, "Th 09:00-12:00", ["c1"]),      # copy of a
        ("c", "conum", 700_001.5, 6_599_999.0, "Th 09:00-12:00 ", ["c1"]),     # copy, 1.8 m away
        ("d", "conum", 700_000.0, 6_600_000.0, "Fr 09:00-12:00", ["c1"]),      # other hours
        ("e", "conum", 700_000.0, 6_600_000.0, "Th 09:00-12:00", ["c2"]),      # other conseiller
        ("f", "conum", 700_020.0, 6_600_000.0, "Th 09:00-12:00", ["c1"]),      # 20 m away
        ("g", "france_services", 700_000.0, 6_600_000.0, "Th 09:00-12:00", []),  # other kind
        ("h", "conum", 700_000.0, 6_600_000.0, "Th 09:00-12:00", ["c2", "c1"]),  # two conseillers
        ("i", "conum", 700_000.0, 6_600_000.0, "Th 09:00-12:00", ["c1", "c2"]),  # same two
    ])
    notices = Notices()
    kept = merge_duplicate_sites(sites, notices).sites
    assert list(kept["site_id"]) == ["a", "d", "e", "f", "g", "h"]
    (notice,) = list(notices)
    assert notice.code == "lieux_doublons" and notice.count == 3
    assert list(notice.examples) == ["b = a", "c = a", "i = h"]


def test_no_duplicates_no_notice():
    sites = _sites([("a", "conum", 0.0, 0.0, "", ["c1"]), ("b", "conum", 0.0, 0.0, "", ["c2"])])
    notices = Notices()
    assert len(merge_duplicate_sites(sites, notices).sites) == 2 and not list(notices)


def test_copies_straddling_any_grid_line_are_merged():
    # 0.2 m apart on either side of what a 5 m grid would use as a cell boundary (x = 2.5 m)
    sites = _sites([("a", "conum", 2.4, 0.0, "Mo 09:00-12:00", ["c1"]), ("b", "conum", 2.6, 0.0, "Mo 09:00-12:00", ["c1"]),
                    ("c", "conum", 702_502.4, 6_600_002.4, "", []), ("d", "conum", 702_502.6, 6_600_002.6, "", [])])
    merged = merge_duplicate_sites(sites, Notices())
    assert list(merged.sites["site_id"]) == ["a", "c"]
    assert merged.copies == {"b", "d"}  # the copies, for counting a conseiller's lieux once


@settings(max_examples=200, deadline=None, derandomize=True)
@given(x=st.floats(-1e6, 1e6), y=st.floats(6e6, 7e6), angle=st.floats(0, 6.283), dist=st.floats(0, 10))
def test_two_copies_merge_exactly_when_closer_than_the_distance(x, y, angle, dist):
    """Two copies of a lieu, anywhere, in any direction: one site when closer than
    ``SAME_PLACE_M``, two beyond it (a hand-computed distance, not a grid)."""
    import math

    x2, y2 = x + dist * math.cos(angle), y + dist * math.sin(angle)
    sites = _sites([("a", "conum", x, y, "Tu 14:00-17:00", ["c9"]), ("b", "conum", x2, y2, "Tu 14:00-17:00", ["c9"])])
    measured = math.hypot(x2 - x, y2 - y)
    if abs(measured - SAME_PLACE_M) < 1e-6:
        return  # on the boundary itself, float rounding decides
    kept = merge_duplicate_sites(sites, Notices()).sites
    assert len(kept) == (1 if measured < SAME_PLACE_M else 2)


def test_a_copy_of_a_dropped_copy_is_not_chained_beyond_the_distance():
    # b is a copy of a (4 m), c is 4 m from b but 8 m from a: c stays (it is near no kept site)
    sites = _sites([("a", "conum", 0.0, 0.0, "", ["c1"]), ("b", "conum", 4.0, 0.0, "", ["c1"]),
                    ("c", "conum", 8.0, 0.0, "", ["c1"])])
    assert list(merge_duplicate_sites(sites, Notices()).sites["site_id"]) == ["a", "c"]
