"""The French speed table: one place that turns road attributes into car speeds.

Speeds are for a light vehicle (véhicule léger) in km/h.

OpenStreetMap
    ``OSM_CLASS_KMH`` gives a reference speed per ``highway`` class, taken from the French
    *Code de la route* (art. R413-2 and R413-3): 130 on motorways, 110 on dual carriageways
    (``trunk``), 80 on other roads outside built-up areas (since 1 July 2018), 50 in built-up
    areas, 30 in the "zones 30" that most towns now apply to residential streets, 20 in
    "zones de rencontre" (``living_street``); links and service roads get the speeds commonly
    used for them. A ``maxspeed`` tag, when present and readable (``parse_maxspeed``),
    replaces the class speed. Legal speeds overstate real ones (junctions, bends, traffic),
    so both are multiplied by ``SpeedTable.realism_factor`` (default 0.85).
IGN BD TOPO
    ``vitesse_moyenne_vl`` is IGN's own mean car speed per segment and is used as is
    (``bdtopo_factor`` = 1). When it is missing or 0 on a segment open to cars,
    ``BDTOPO_NATURE_KMH`` gives a speed by ``nature`` (typical values of
    ``vitesse_moyenne_vl`` for that nature).

``SpeedTable.fingerprint()`` enters the cache key of every graph, so that changing any
speed, or the realism factor, rebuilds the graph instead of serving a stale one.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from ..core.errors import ParameterError

#: Reference speed (km/h) per OSM ``highway`` class; only these classes are drivable.
OSM_CLASS_KMH = MappingProxyType({
    "motorway": 130.0, "motorway_link": 70.0,
    "trunk": 110.0, "trunk_link": 60.0,
    "primary": 80.0, "primary_link": 50.0,
    "secondary": 80.0, "secondary_link": 50.0,
    "tertiary": 70.0, "tertiary_link": 40.0,
    "unclassified": 50.0, "road": 40.0,
    "residential": 30.0, "living_street": 20.0,
    "service": 20.0,
})

#: French implicit ``maxspeed`` values (``FR:urban`` ...) in km/h.
FR_IMPLICIT_MAXSPEED_KMH = MappingProxyType({
    "fr:urban": 50.0, "fr:rural": 80.0, "fr:motorway": 130.0, "fr:trunk": 110.0,
    "fr:zone30": 30.0, "fr:zone:30": 30.0, "fr:zone20": 20.0, "fr:zone:20": 20.0,
    "fr:living_street": 20.0, "fr:walk": 6.0, "walk": 6.0,
})

#: Fallback speed (km/h) per BD TOPO ``nature`` when ``vitesse_moyenne_vl`` is missing or 0.
BDTOPO_NATURE_KMH = MappingProxyType({
    "Type autoroutier": 100.0, "Route à 2 chaussées": 60.0, "Route à 1 chaussée": 40.0,
    "Bretelle": 45.0, "Rond-point": 25.0, "Route empierrée": 10.0, "Chemin": 5.0,
})

#: BD TOPO ``nature`` values that are never driven (paths, stairs, cycle tracks, ferries).
BDTOPO_NOT_DRIVABLE = frozenset({"Sentier", "Escalier", "Piste cyclable", "Bac ou liaison maritime",
                                 "Bac auto", "Bac piéton"})

#: OSM ``service`` values excluded from the car network (as osmnx's "drive" network does).
OSM_EXCLUDED_SERVICE = frozenset({"parking", "parking_aisle", "driveway", "private",
                                  "emergency_access", "alley"})
#: Access tags from the most specific to the most general: the first one present decides (OSRM's
#: car profile order).
OSM_ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")
#: Access values that close a way or a node to cars (OSRM car profile's blacklist).
OSM_CLOSED_ACCESS = frozenset({"no", "private", "agricultural", "forestry", "agricultural;forestry", "emergency",
                               "psv", "customers", "delivery"})
#: Access values that open a barrier (``destination`` is open: a car may drive to it).
OSM_OPEN_ACCESS = frozenset({"yes", "permissive", "designated", "destination"})
#: Barriers a car passes (OSRM car profile's whitelist); any other barrier (bollard, block,
#: chain, ...) blocks unless its own access tags open it.
OSM_PASSABLE_BARRIERS = frozenset({"cattle_grid", "border_control", "toll_booth", "sally_port", "gate", "lift_gate",
                                   "no", "entrance", "height_restrictor", "arch"})
#: ``oneway`` values whose direction changes over the day: not routable (as OSRM).
OSM_UNROUTABLE_ONEWAY = frozenset({"reversible", "alternating"})
#: Speed of a ferry route whose ``duration`` is not tagged or not readable (OSRM car profile's
#: ``route_speeds.ferry``), in km/h; no realism factor (a crossing is not a road).
FERRY_KMH = 5.0
#: Version of these rules: it enters the graph cache key, so a change rebuilds cached graphs.
CAR_RULES_VERSION = 3
_DURATION_ISO = re.compile(r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?"
                           r"(?:(\d+(?:\.\d+)?)S)?)?$")
_DURATION_CLOCK = re.compile(r"^(\d+)(?::(\d{1,2}))?(?::(\d{1,2}))?$")

_MPH_KMH = 1.609344
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$")


def parse_maxspeed(value) -> float:
    """A ``maxspeed`` tag in km/h, or NaN when absent or not a speed.

    Reads numbers (``"50"``), units (``"30 mph"``), French implicit values (``"FR:urban"``)
    and several values (``"50;30"``: the lowest). ``"none"``, ``"signals"`` and the like give
    NaN, so that the class speed applies.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    speeds = []
    for part in str(value).split(";"):
        part = part.strip().lower()
        if part in FR_IMPLICIT_MAXSPEED_KMH:
            speeds.append(FR_IMPLICIT_MAXSPEED_KMH[part])
            continue
        match = _NUMBER.match(part)
        if match:
            kmh = float(match.group(1)) * (_MPH_KMH if match.group(2) == "mph" else 1.0)
            if kmh > 0:
                speeds.append(kmh)
    return min(speeds) if speeds else math.nan


def parse_duration_s(value) -> float:
    """A ferry's ``duration`` tag in seconds, or NaN when absent or unreadable: ISO 8601
    (``PT1H30M``), ``hh:mm:ss``, ``hh:mm`` or a number of minutes (``90``), as OSRM reads it."""
    if value is None:
        return math.nan
    text = str(value).strip().upper()
    iso = _DURATION_ISO.match(text)
    if iso and text not in ("P", "PT"):
        days, hours, minutes, seconds = (float(g) if g else 0.0 for g in iso.groups())
        total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    else:
        clock = _DURATION_CLOCK.match(text)
        if not clock:
            return math.nan
        first, second, third = clock.groups()
        if second is None:
            total = float(first) * 60.0  # minutes alone
        else:
            total = (float(first) * 60.0 + float(second)) * 60.0 + (float(third) if third else 0.0)
    return total if total > 0 else math.nan


@dataclass(frozen=True)
class SpeedTable:
    """Speeds by road class and the realism factors applied to them (see module doc)."""

    osm_class_kmh: MappingProxyType = field(default_factory=lambda: OSM_CLASS_KMH)
    bdtopo_nature_kmh: MappingProxyType = field(default_factory=lambda: BDTOPO_NATURE_KMH)
    realism_factor: float = 0.85
    bdtopo_factor: float = 1.0

    def __post_init__(self):
        for name in ("realism_factor", "bdtopo_factor"):
            value = getattr(self, name)
            if not (0 < value <= 2):
                raise ParameterError(f"table des vitesses : {name} attendu dans ]0, 2], reçu {value}")
        for table in (self.osm_class_kmh, self.bdtopo_nature_kmh):
            bad = {k: v for k, v in table.items() if not (v > 0 and math.isfinite(v))}
            if bad:
                raise ParameterError(f"table des vitesses : vitesses finies et > 0 km/h attendues, reçu {bad}")

    def with_realism(self, realism_factor: float | None) -> SpeedTable:
        """A copy with another realism factor (``None`` keeps this one)."""
        return self if realism_factor is None else replace(self, realism_factor=float(realism_factor))

    def osm_kmh(self, highway: str, maxspeed=None) -> float:
        """Car speed on an OSM way of class ``highway`` (must be drivable)."""
        legal = parse_maxspeed(maxspeed)
        if math.isnan(legal):
            legal = self.osm_class_kmh[highway]
        return legal * self.realism_factor

    def bdtopo_kmh(self, nature: str, vitesse_moyenne_vl) -> float:
        """Car speed on a BD TOPO segment: IGN's mean speed, else the nature's fallback."""
        speed = float(vitesse_moyenne_vl) if vitesse_moyenne_vl is not None else math.nan
        if not speed > 0:
            speed = self.bdtopo_nature_kmh.get(nature, math.nan)
        return speed * self.bdtopo_factor

    def as_dict(self) -> dict:
        """Every number of the table, JSON-ready."""
        return {"osm_class_kmh": dict(self.osm_class_kmh),
                "bdtopo_nature_kmh": dict(self.bdtopo_nature_kmh),
                "realism_factor": self.realism_factor, "bdtopo_factor": self.bdtopo_factor}

    def fingerprint(self) -> str:
        """Stable hash of every number in the table (part of graph cache keys)."""
        text = json.dumps(self.as_dict(), sort_keys=True, ensure_ascii=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


DEFAULT_SPEEDS = SpeedTable()


def osm_access(tags) -> str | None:
    """The car access value of an OSM object: its most specific access tag (``OSM_ACCESS_KEYS``)."""
    for key in OSM_ACCESS_KEYS:
        value = tags.get(key)
        if value is not None:
            return str(value).strip().lower()
    return None


def osm_way_is_drivable(tags) -> bool:
    """Whether an OSM way (mapping of tags) is open to cars in this network: a drivable
    ``highway`` class, not an area nor an excluded service road, not a reversible or alternating
    one-way, and its most specific access tag not closed (``osm_access``)."""
    highway = tags.get("highway")
    if highway not in OSM_CLASS_KMH or tags.get("area") == "yes":
        return False
    if tags.get("service") in OSM_EXCLUDED_SERVICE:
        return False
    if str(tags.get("oneway", "")).lower() in OSM_UNROUTABLE_ONEWAY:
        return False
    return osm_access(tags) not in OSM_CLOSED_ACCESS


def osm_way_is_ferry(tags) -> bool:
    """Whether an OSM way is a ferry route cars may take: ``route=ferry``, its most specific
    access tag not closed (as OSRM's car profile, which does not ask for ``motorcar=yes``)."""
    return tags.get("route") == "ferry" and osm_access(tags) not in OSM_CLOSED_ACCESS


def osm_node_blocks(tags) -> bool:
    """Whether an OSM node (mapping of tags) stops cars: a closed access tag, or a barrier not
    in ``OSM_PASSABLE_BARRIERS`` that its access tags do not open."""
    access = osm_access(tags)
    if access in OSM_CLOSED_ACCESS:
        return True
    barrier = tags.get("barrier")
    return barrier is not None and barrier not in OSM_PASSABLE_BARRIERS and access not in OSM_OPEN_ACCESS


def osm_way_direction(tags) -> int:
    """+1 one-way along the node order, -1 one-way against it, 0 both ways.

    ``oneway=yes|true|1`` and ``-1|reverse`` are read explicitly; ``junction=roundabout`` or
    ``circular`` and ``highway=motorway`` imply a one-way unless ``oneway=no``.
    """
    oneway = str(tags.get("oneway", "")).lower()
    if oneway in ("yes", "true", "1"):
        return 1
    if oneway in ("-1", "reverse"):
        return -1
    if oneway in ("no", "false", "0"):
        return 0
    if tags.get("junction") in ("roundabout", "circular") or tags.get("highway") == "motorway":
        return 1
    return 0
