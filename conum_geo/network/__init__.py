"""Road networks: one ``RoadGraph`` type, several sources (proxy, OSM, IGN BD TOPO).

``load_network`` is the one entry point; ``NETWORK_SOURCES`` (its ``network`` choices)
drives the CLI's ``--network``. Real networks cover the département plus a buffer
(``buffer_km``, default 20 km: people cross borders) and are cached on disk
(``network.cache``).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..core.cache import file_sha256
from ..core.errors import InputError, ParameterError
from ..core.vocabulary import DEFAULT_BUFFER_KM, NETWORK_SOURCES
from .graph import RoadGraph
from .proxy import build_proxy_network
from .speeds import DEFAULT_SPEEDS, SpeedTable

log = logging.getLogger(__name__)

__all__ = ["NETWORK_SOURCES", "RoadGraph", "SpeedTable", "DEFAULT_SPEEDS", "build_proxy_network",
           "load_network", "territory_area"]


def proxy_communes(territory, buffer_km: float = DEFAULT_BUFFER_KM):
    """The communes the proxy network runs over: the territory's and those of its ring within
    ``buffer_km`` of it (the ring reaches ``data.commune_table.RING_KM``)."""
    if not buffer_km >= 0:
        raise ParameterError(f"buffer_km : attendu ≥ 0, reçu {buffer_km}")
    ring = territory.ring
    if len(ring):
        outline = territory.communes.geometry.union_all()
        ring = ring.loc[ring.geometry.distance(outline).to_numpy() <= buffer_km * 1000.0]
    columns = ["code_insee", "population", "origin_x", "origin_y", "geometry"]
    return gpd.GeoDataFrame(pd.concat([territory.communes[columns], ring[columns]], ignore_index=True),
                            geometry="geometry", crs=territory.communes.crs)


def territory_area(territory, buffer_km: float = DEFAULT_BUFFER_KM):
    """The département's outline grown by ``buffer_km`` (territory CRS)."""
    outline = territory.communes.geometry.union_all()
    return outline.buffer(buffer_km * 1000.0, quad_segs=8).simplify(50.0)


def load_network(
    territory, network: str = "proxy", *, roads: str | Path | None = None,
    buffer_km: float = DEFAULT_BUFFER_KM, realism_factor: float | None = None,
    speeds: SpeedTable = DEFAULT_SPEEDS, cache_dir: str | Path | None = None,
    overpass_url: str | None = None,
) -> RoadGraph:
    """The road graph of ``territory`` from the chosen source.

    Parameters
    ----------
    territory
        The territory whose roads are wanted (its communes set the area).
    network
        A key of ``NETWORK_SOURCES``.
    roads
        Road file: OSM ``.osm.pbf`` / ``.osm`` (``osm``), BD TOPO ``.gpkg`` / ``.shp`` /
        ``.sql`` (``bdtopo``). Without it, ``osm`` reads the regional extracts that
        ``conum-geo data fetch --roads`` cached for the département (``data.road_extracts``),
        else downloads from Overpass.
    buffer_km
        Roads are kept within this distance of the département.
    realism_factor
        Overrides the speed table's factor on OSM speeds (see ``network.speeds``).
    cache_dir
        Graph cache folder (default ``network.cache.default_cache_dir()``).
    speeds
        Speeds by road class (``network.speeds.SpeedTable``).
    overpass_url
        The Overpass API asked when ``osm`` has neither file nor cached extract.

    Returns
    -------
    RoadGraph
        Directed, weighted by travel time (s), with its provenance (source, vintage, rules).
    """
    if network not in NETWORK_SOURCES:
        raise ParameterError(f"réseau inconnu {network!r} : attendu l'un de {sorted(NETWORK_SOURCES)}")
    if network == "proxy":
        if roads is not None:
            raise ParameterError(f"--roads {roads} demande --network osm ou --network bdtopo")
        return build_proxy_network(proxy_communes(territory, buffer_km))
    if not buffer_km >= 0:
        raise ParameterError(f"buffer_km : attendu ≥ 0, reçu {buffer_km}")
    speeds = speeds.with_realism(realism_factor)
    crs = territory.communes.crs.to_string()
    area = territory_area(territory, buffer_km)
    from . import cache

    if roads is None and network == "osm":
        from ..data.road_extracts import cached_extracts

        dept = getattr(territory, "dept", None)
        extracts = cached_extracts(dept) if dept else []
        if extracts:  # `conum-geo data fetch --roads` cached them
            from .osm import read_osm_file

            log.info("roads: cached extracts %s", ", ".join(p.name for p in extracts))
            return cache.cached_graph(_graph_key(network, extracts, speeds, crs, buffer_km, area),
                                      lambda: read_osm_file(extracts, clip=area, crs=crs, speeds=speeds),
                                      cache_dir=cache_dir)
    if roads is None:
        if network == "bdtopo":
            raise ParameterError("--network bdtopo demande un fichier BD TOPO : --roads troncon_de_route.gpkg")
        from .osm import download_overpass, reproject

        folder = Path(cache_dir or cache.default_cache_dir()) / "overpass"
        return download_overpass(reproject(area, crs, "EPSG:4326"), crs=crs, speeds=speeds,
                                 overpass_url=overpass_url, cache_dir=folder)

    roads = Path(roads)
    if not roads.is_file():
        raise InputError("fichier routier introuvable", path=roads)
    reader = _reader(network, roads)
    return cache.cached_graph(_graph_key(network, [roads], speeds, crs, buffer_km, area),
                              lambda: reader(roads, clip=area, crs=crs, speeds=speeds), cache_dir=cache_dir)


def _graph_key(network: str, files: list[Path], speeds: SpeedTable, crs: str, buffer_km: float, area) -> dict:
    """What a graph is built from (its cache key): the files' contents, the speeds, the car
    rules, the area and the builder's parameters."""
    from .build import MAX_SPACING_M, SIMPLIFY_M
    from .speeds import CAR_RULES_VERSION

    hashes = [file_sha256(f) for f in files]
    return {"network": network, "file_sha256": hashes[0] if len(hashes) == 1 else hashes,
            "speeds": speeds.as_dict(), "crs": crs, "buffer_km": buffer_km,
            "area_sha256": hashlib.sha256(area.wkb).hexdigest(), "simplify_m": SIMPLIFY_M,
            "max_spacing_m": MAX_SPACING_M, "car_rules": CAR_RULES_VERSION}


def _reader(network: str, roads: Path):
    name = roads.name.lower()
    if network == "bdtopo":
        from .bdtopo import read_bdtopo

        return read_bdtopo
    from .osm import PBF_SUFFIXES, XML_SUFFIXES, read_pbf, read_xml

    if name.endswith(PBF_SUFFIXES):
        return read_pbf
    if name.endswith(XML_SUFFIXES):
        return read_xml
    raise InputError(f"nom de fichier OSM non reconnu ; extension attendue parmi {list(PBF_SUFFIXES + XML_SUFFIXES)}",
                     path=roads)
