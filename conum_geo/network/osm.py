"""OpenStreetMap road networks: PBF (pyosmium), XML and Overpass (osmnx).

All three read the same tags with the same rules (``speeds.osm_way_is_drivable``,
``speeds.osm_way_direction``, ``SpeedTable.osm_kmh``) and build the graph through
``build.graph_from_polylines`` in a metric CRS, keeping OSM node ids as ``node_id``.

- PBF and XML: streamed with pyosmium (osmnx reads no PBF, and reads ``oneway=reversible``
  as two-way); ways are split where they leave the clip area, reference a node missing from
  the extract or cross a node that blocks cars (``speeds.osm_node_blocks``); simplified (see
  ``build``).
- Overpass: downloaded by osmnx without its simplification (its merged edges would mix the
  speeds of several ways), reversible and alternating one-ways left out by the query; osmnx
  decides one-ways with its own rules (``oneway`` tag and roundabouts; it does not imply
  one-way motorways as the file reader does).

Heavy imports (osmium, osmnx) happen inside the functions.
"""

from __future__ import annotations

import contextlib
import logging
from array import array
from pathlib import Path

import numpy as np
import pyproj
import shapely

from ..core.errors import DataUnavailableError, InputError, NetworkError
from ..core.progress import progress
from .build import graph_from_polylines, split_polylines
from .graph import RoadGraph
from .speeds import (
    CAR_RULES_VERSION,
    DEFAULT_SPEEDS,
    FERRY_KMH,
    OSM_ACCESS_KEYS,
    OSM_CLASS_KMH,
    OSM_UNROUTABLE_ONEWAY,
    SpeedTable,
    osm_node_blocks,
    osm_way_direction,
    osm_way_is_drivable,
    osm_way_is_ferry,
    parse_duration_s,
)
from .turns import TurnRestrictions, apply_restrictions

log = logging.getLogger(__name__)

#: Tags the readers look at, on ways and on nodes.
OSM_TAGS = ("highway", "maxspeed", "oneway", "junction", *OSM_ACCESS_KEYS, "service", "area", "route", "duration")
NODE_TAGS = ("barrier", *OSM_ACCESS_KEYS)
#: File name endings read as OSM XML.
XML_SUFFIXES = (".osm", ".xml", ".osm.bz2", ".osm.gz", ".xml.bz2", ".xml.gz")
PBF_SUFFIXES = (".pbf", ".osm.pbf")
#: Overpass filter for the ways the car network may use (finer rules apply afterwards).
OVERPASS_FILTER = (f'["highway"~"^({"|".join(OSM_CLASS_KMH)})$"]["area"!~"yes"]'
                   f'["oneway"!~"^({"|".join(sorted(OSM_UNROUTABLE_ONEWAY))})$"]')


def metric_crs(lon: float, lat: float) -> str:
    """Lambert-93 in metropolitan France, else the local UTM zone."""
    if -5.5 <= lon <= 10.0 and 41.0 <= lat <= 51.5:
        return "EPSG:2154"
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def reproject(geometry, src: str, dst: str):
    """A shapely geometry from CRS ``src`` to ``dst``."""
    transformer = pyproj.Transformer.from_crs(src, dst, always_xy=True)
    return shapely.transform(geometry, transformer.transform, interleaved=False)


def _timed_speeds_kmh(x, y, offsets, speed_kmh, duration_s) -> np.ndarray:
    """Per polyline, its speed, or where a duration is given (a ferry's timetable) the speed
    that crosses its projected length in that time (pieces missing a location skipped)."""
    speed_kmh = np.asarray(speed_kmh, dtype=float).copy()
    timed = np.flatnonzero(np.isfinite(duration_s))
    if len(timed) == 0:
        return speed_kmh
    step_m = np.hypot(np.diff(x), np.diff(y))
    step_m[np.isnan(step_m)] = 0.0
    step_m[np.asarray(offsets[1:-1]) - 1] = 0.0  # no step from one polyline to the next
    length_m = np.add.reduceat(np.r_[step_m, 0.0], offsets[:-1])
    ok = timed[length_m[timed] > 0]
    speed_kmh[ok] = length_m[ok] / np.asarray(duration_s)[ok] * 3.6
    return speed_kmh


def _build(lon, lat, offsets, node_ids, speed_kmh, direction, *, clip, crs, speeds, provenance,
           duration_s=None, **simplify) -> RoadGraph:
    """Project, clip and build (shared by every OSM reader); ``duration_s`` (NaN: none) fixes
    the time of whole polylines, ferries."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    valid = np.isfinite(lon) & np.isfinite(lat)
    if not valid.any():
        raise NetworkError("aucune voie OSM carrossable dont les nœuds sont localisés")
    if crs is None:
        crs = metric_crs(float(np.mean(lon[valid])), float(np.mean(lat[valid])))
    x, y = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    valid &= np.isfinite(x) & np.isfinite(y)
    if duration_s is not None:
        speed_kmh = _timed_speeds_kmh(x, y, np.asarray(offsets), speed_kmh, duration_s)
    if clip is not None:
        shapely.prepare(clip)
        valid &= shapely.contains_xy(clip, x, y)
    vertex, offsets, parent = split_polylines(np.asarray(offsets), valid)
    if len(parent) == 0:
        raise NetworkError("aucune voie OSM carrossable dans la zone demandée")
    return graph_from_polylines(
        x[vertex], y[vertex], offsets, np.asarray(node_ids)[vertex],
        np.asarray(speed_kmh)[parent], np.asarray(direction)[parent], source="osm", crs=crs,
        provenance=provenance | {"speeds": speeds.fingerprint(), "crs": crs, "car_rules": CAR_RULES_VERSION},
        keys_are_ids=True,
        **simplify,
    )


def read_pbf(path: str | Path, *, clip=None, crs: str | None = None,
             speeds: SpeedTable = DEFAULT_SPEEDS, **simplify) -> RoadGraph:
    """The car network of an OSM PBF file, read with pyosmium (``read_osm_file``)."""
    return read_osm_file(path, clip=clip, crs=crs, speeds=speeds, file_format="pbf", **simplify)


def read_xml(path: str | Path, *, clip=None, crs: str | None = None,
             speeds: SpeedTable = DEFAULT_SPEEDS, **simplify) -> RoadGraph:
    """The car network of an OSM XML file (``.osm``, ``.osm.bz2``), read with pyosmium as a PBF
    is (``read_osm_file``): osmnx would turn ``oneway=reversible`` into a two-way road."""
    return read_osm_file(path, clip=clip, crs=crs, speeds=speeds, file_format="xml", **simplify)


class _Ways:
    """What ``read_osm_file`` keeps of a stream of OSM objects: the drivable ways and ferry
    routes (node ids and locations, speed, duration, direction), the nodes that block cars
    (nodes come before ways, ways before relations) and the turn restrictions."""

    def __init__(self, speeds: SpeedTable, *, read_once: bool):
        self.speeds, self.read_once = speeds, read_once  # read_once: overlapping extracts, a way once
        self.ids, self.lon, self.lat, self.offsets = array("q"), array("d"), array("d"), array("q", [0])
        self.speed_kmh, self.duration_s, self.direction = array("d"), array("d"), array("b")
        self.is_ferry, self.way_ids = array("b"), array("q")
        self.blocked: set[int] = set()
        self.seen_ways: set[int] = set()
        self.restrictions = TurnRestrictions()

    def read(self, item) -> None:
        if item.is_node():
            if osm_node_blocks({key: item.tags.get(key) for key in NODE_TAGS if key in item.tags}):
                self.blocked.add(item.id)
        elif item.is_relation():
            self.restrictions.read(item)
        elif item.is_way() and item.id not in self.seen_ways:
            if self.read_once:
                self.seen_ways.add(item.id)
            tags = {key: item.tags.get(key) for key in OSM_TAGS if key in item.tags}
            ferry = osm_way_is_ferry(tags)
            if (ferry or osm_way_is_drivable(tags)) and len(item.nodes) >= 2:
                self._add(item, tags, ferry)

    def _add(self, way, tags: dict, ferry: bool) -> None:
        nan = float("nan")
        ids, lon, lat, blocked = self.ids, self.lon, self.lat, self.blocked  # the hot loop: locals
        for ref in way.nodes:
            ids.append(ref.ref)
            location = ref.location
            if location.valid() and ref.ref not in blocked:
                lon.append(location.lon)
                lat.append(location.lat)
            else:
                lon.append(nan)
                lat.append(nan)
        self.offsets.append(len(ids))
        self.way_ids.append(way.id)
        self.is_ferry.append(ferry)
        if ferry:
            self.speed_kmh.append(FERRY_KMH)
            self.duration_s.append(parse_duration_s(tags.get("duration")))
            self.direction.append(osm_way_direction({k: v for k, v in tags.items() if k == "oneway"}))  # its own
        else:
            self.speed_kmh.append(self.speeds.osm_kmh(tags["highway"], tags.get("maxspeed")))
            self.duration_s.append(nan)
            self.direction.append(osm_way_direction(tags))


def read_osm_file(path, *, clip=None, crs: str | None = None, speeds: SpeedTable = DEFAULT_SPEEDS,
                  file_format: str = "pbf", **simplify) -> RoadGraph:
    """The car network of one OSM file (PBF or XML) or several (regional extracts that
    overlap: a way in two of them is read from the first), streamed with pyosmium.

    ``clip`` (a polygon in ``crs``) keeps the road pieces inside it; ``crs`` defaults to
    ``metric_crs`` of the data. A node that blocks cars (``speeds.osm_node_blocks``: a bollard,
    a closed gate) cuts the ways through it: the node and the road pieces touching it go. Turn
    restrictions with a via node are applied by splitting it (``network.turns``).
    """
    try:
        import osmium
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise DataUnavailableError("lire un PBF OSM demande pyosmium : pip install 'conum-geo[osm]'") from exc
    paths = [Path(p) for p in (path if isinstance(path, (list, tuple)) else [path])]
    ways = _Ways(speeds, read_once=len(paths) > 1)
    for one in paths:
        try:
            processor = (osmium.FileProcessor(str(one), osmium.osm.NODE | osmium.osm.WAY | osmium.osm.RELATION)
                         .with_locations()
                         .with_filter(osmium.filter.KeyFilter("highway", "route", "type", *NODE_TAGS)))
            for item in progress(processor, desc=f"OSM {one.name}", unit="objet"):
                ways.read(item)
        except RuntimeError as exc:
            raise InputError(f"fichier OSM {file_format.upper()} illisible ({exc})", path=one) from None
    ids, lon, lat, offsets, way_ids = ways.ids, ways.lon, ways.lat, ways.offsets, ways.way_ids
    speed_kmh, duration_s, direction, is_ferry = ways.speed_kmh, ways.duration_s, ways.direction, ways.is_ferry
    blocked, restrictions = ways.blocked, ways.restrictions
    ferries = np.asarray(is_ferry, dtype=bool)
    untimed = int((ferries & np.isnan(np.asarray(duration_s))).sum())
    log.info("%s: %d drivable ways (%d ferry routes, %d without a duration: %g km/h), %d blocking nodes, "
             "%d turn restrictions", ", ".join(p.name for p in paths), len(speed_kmh), int(ferries.sum()), untimed,
             FERRY_KMH, len(blocked), len(restrictions.items))
    graph = _build(lon, lat, offsets, ids, speed_kmh, direction, clip=clip, crs=crs, speeds=speeds,
                   provenance={"format": file_format, "ferries": int(ferries.sum()),
                               "ferries_without_duration": untimed},
                   duration_s=np.asarray(duration_s), **simplify)
    restrictions.items = list(dict.fromkeys(restrictions.items))  # overlapping extracts repeat them
    wanted = {r.from_way for r in restrictions.items} | {r.to_way for r in restrictions.items}
    way_nodes = {int(w): ids[offsets[k]:offsets[k + 1]] for k, w in enumerate(way_ids) if w in wanted}
    return apply_restrictions(graph, restrictions, way_nodes)


@contextlib.contextmanager
def _osmnx(**overrides):
    """osmnx with some settings changed for the duration of the block, then restored."""
    try:
        import osmnx as ox
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise DataUnavailableError("lire de l'OSM XML ou Overpass demande osmnx : "
                                   "pip install 'conum-geo[osm]'") from exc
    overrides.setdefault("useful_tags_way", sorted(set(ox.settings.useful_tags_way) | set(OSM_TAGS)))
    overrides.setdefault("useful_tags_node", sorted(set(ox.settings.useful_tags_node) | set(NODE_TAGS)))
    saved = {key: getattr(ox.settings, key) for key in overrides}
    try:
        for key, value in overrides.items():
            setattr(ox.settings, key, value)
        yield ox
    finally:
        for key, value in saved.items():
            setattr(ox.settings, key, value)


def _from_osmnx(G, *, clip, crs, speeds, provenance, **simplify) -> RoadGraph:
    """Our graph from an unsimplified osmnx graph: one two-point polyline per osmnx edge."""
    nodes = G.nodes
    blocked = {n for n, data in G.nodes(data=True) if osm_node_blocks(data)}
    ids: list[int] = []
    lon: list[float] = []
    lat: list[float] = []
    speed_kmh: list[float] = []
    for u, v, data in G.edges(data=True):
        tags = {key: data[key] for key in OSM_TAGS if key in data}
        if not osm_way_is_drivable(tags) or u in blocked or v in blocked:
            continue
        ids += (u, v)
        lon += (nodes[u]["x"], nodes[v]["x"])
        lat += (nodes[u]["y"], nodes[v]["y"])
        speed_kmh.append(speeds.osm_kmh(tags["highway"], tags.get("maxspeed")))
    n = len(speed_kmh)
    if n == 0:
        raise NetworkError("aucune voie OSM carrossable dans le graphe osmnx")
    return _build(lon, lat, np.arange(0, 2 * n + 1, 2), ids, speed_kmh, np.ones(n, dtype=np.int8),
                  clip=clip, crs=crs, speeds=speeds, provenance=provenance, **simplify)


def download_overpass(polygon_wgs84, *, crs: str | None = None, speeds: SpeedTable = DEFAULT_SPEEDS,
                      overpass_url: str | None = None, cache_dir: str | Path | None = None,
                      **simplify) -> RoadGraph:
    """The car network inside ``polygon_wgs84`` downloaded from Overpass through osmnx.

    Raises ``DataUnavailableError`` when Overpass cannot be reached (offline).
    """
    overrides: dict[str, object] = {"overpass_rate_limit": False}
    if overpass_url:
        overrides["overpass_url"] = overpass_url
    if cache_dir is not None:
        overrides |= {"cache_folder": str(cache_dir), "use_cache": True}
    with _osmnx(**overrides) as ox:
        try:
            G = ox.graph_from_polygon(polygon_wgs84, network_type="drive", simplify=False,
                                      retain_all=True, truncate_by_edge=True,
                                      custom_filter=OVERPASS_FILTER)
        except Exception as exc:  # requests and osmnx raise many types when offline
            raise DataUnavailableError(
                f"impossible de télécharger les routes depuis Overpass ({type(exc).__name__} : {exc}) ; "
                "hors ligne ? passer un extrait local avec --roads FICHIER.osm.pbf"
            ) from None
    clip = None if crs is None else reproject(polygon_wgs84, "EPSG:4326", crs)
    return _from_osmnx(G, clip=clip, crs=crs, speeds=speeds,
                       provenance={"format": "overpass", "url": overpass_url or "default"}, **simplify)
