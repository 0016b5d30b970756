"""Duplicate lieux are merged; distinct presences at one place are not."""

from __future__ import annotations

import geopandas as gpd
import shapely

from conum_geo.data.site_duplicates import merge_duplicate_sites
from conum_geo.notices import Notices


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
    kept = merge_duplicate_sites(sites, notices)
    assert list(kept["site_id"]) == ["a", "d", "e", "f", "g", "h"]
    (notice,) = list(notices)
    assert notice.code == "lieux_doublons" and notice.count == 3
    assert list(notice.examples) == ["b = a", "c = a", "i = h"]


def test_no_duplicates_no_notice():
    sites = _sites([("a", "conum", 0.0, 0.0, "", ["c1"]), ("b", "conum", 0.0, 0.0, "", ["c2"])])
    notices = Notices()
    assert len(merge_duplicate_sites(sites, notices)) == 2 and not list(notices)
