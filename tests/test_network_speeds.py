"""The French speed table, maxspeed parsing and OSM tag rules."""

from __future__ import annotations

import math

import pytest

from conum_geo.core.errors import ParameterError
from conum_geo.network.speeds import (
    DEFAULT_SPEEDS,
    SpeedTable,
    osm_way_direction,
    osm_way_is_drivable,
    parse_maxspeed,
)


@pytest.mark.parametrize("value, kmh", [
    ("50", 50.0), ("30 mph", 30 * 1.609344), ("90 km/h", 90.0), ("FR:urban", 50.0),
    ("FR:rural", 80.0), ("FR:motorway", 130.0), ("FR:zone30", 30.0), ("walk", 6.0),
    ("50;30", 30.0), (" 70 ", 70.0),
])
def test_maxspeed_values(value, kmh):
    assert parse_maxspeed(value) == pytest.approx(kmh)


@pytest.mark.parametrize("value", [None, float("nan"), "none", "signals", "variable", "0", "", "fast"])
def test_maxspeed_without_a_speed_is_nan(value):
    assert math.isnan(parse_maxspeed(value))


def test_osm_speed_is_the_class_or_maxspeed_times_the_realism_factor():
    table = SpeedTable(realism_factor=0.5)
    assert table.osm_kmh("residential") == 15.0
    assert table.osm_kmh("residential", "50") == 25.0
    assert table.osm_kmh("primary", "none") == 40.0
    assert DEFAULT_SPEEDS.osm_kmh("motorway") == pytest.approx(130 * 0.85)


def test_bdtopo_speed_is_ign_mean_speed_else_the_nature_fallback():
    assert DEFAULT_SPEEDS.bdtopo_kmh("Route à 1 chaussée", 58) == 58.0
    assert DEFAULT_SPEEDS.bdtopo_kmh("Route à 1 chaussée", 0) == 40.0
    assert DEFAULT_SPEEDS.bdtopo_kmh("Rond-point", None) == 25.0
    assert math.isnan(DEFAULT_SPEEDS.bdtopo_kmh("Nature inconnue", float("nan")))


def test_fingerprint_changes_with_any_number():
    base = DEFAULT_SPEEDS.fingerprint()
    assert SpeedTable().fingerprint() == base
    assert DEFAULT_SPEEDS.with_realism(0.9).fingerprint() != base
    faster = dict(DEFAULT_SPEEDS.osm_class_kmh, residential=35.0)
    assert SpeedTable(osm_class_kmh=faster).fingerprint() != base
    assert DEFAULT_SPEEDS.with_realism(None) is DEFAULT_SPEEDS


@pytest.mark.parametrize("kwargs", [{"realism_factor": 0}, {"realism_factor": 3}, {"bdtopo_factor": -1},
                                    {"osm_class_kmh": {"primary": 0.0}}])
def test_bad_speed_tables_are_refused(kwargs):
    with pytest.raises(ParameterError):
        SpeedTable(**kwargs)


@pytest.mark.parametrize("tags, drivable", [
    ({"highway": "primary"}, True),
    ({"highway": "footway"}, False),
    ({"highway": "track"}, False),
    ({"highway": "residential", "access": "private"}, False),
    ({"highway": "residential", "access": "no", "motor_vehicle": "yes"}, True),
    ({"highway": "residential", "motorcar": "no"}, False),
    ({"highway": "service", "service": "parking_aisle"}, False),
    ({"highway": "service"}, True),
    ({"highway": "pedestrian", "area": "yes"}, False),
])
def test_drivable_ways(tags, drivable):
    assert osm_way_is_drivable(tags) is drivable


@pytest.mark.parametrize("tags, direction", [
    ({"highway": "residential"}, 0),
    ({"highway": "residential", "oneway": "yes"}, 1),
    ({"highway": "residential", "oneway": "-1"}, -1),
    ({"highway": "primary", "junction": "roundabout"}, 1),
    ({"highway": "primary", "junction": "roundabout", "oneway": "no"}, 0),
    ({"highway": "motorway"}, 1),
    ({"highway": "motorway", "oneway": "no"}, 0),
])
def test_oneway_rules(tags, direction):
    assert osm_way_direction(tags) == direction
