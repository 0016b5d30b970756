"""Helpers shared by the road-network, engine and catchment tests (independent references)."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import networkx as nx
import numpy as np
import pyproj
import shapely

from conum_geo.analysis.engine import Snapped

SAINT_BARTHELEMY = "osm/saint_barthelemy-2014.osm.pbf"
MARSEILLE = "bdtopo/troncon_route_marseille10.sql"


def reference_times(reference: nx.DiGraph, nodes, legs, *, toward: bool, cutoff: float | None = None) -> dict:
    """Best time between any source (node, leg) and every node, by networkx's Dijkstra.

    ``toward``: from the nodes *to* the sources (searches the reversed graph).
    """
    graph = reference.reverse(copy=True) if toward else reference.copy()
    root = ("root",)
    for k, (node, leg) in enumerate(zip(nodes, legs)):
        graph.add_edge(root, ("source", k), weight=0.0)
        graph.add_edge(("source", k), int(node) if not isinstance(node, tuple) else node, weight=float(leg))
    times = nx.single_source_dijkstra_path_length(graph, root, cutoff=cutoff, weight="weight")
    return {n: t for n, t in times.items() if not (isinstance(n, tuple) and n and n[0] in ("root", "source"))}


def graph_to_networkx(graph) -> nx.DiGraph:
    """A RoadGraph's arcs as a networkx DiGraph (weight = time_s)."""
    tail, head, time_s = graph.arcs()
    reference = nx.DiGraph()
    reference.add_nodes_from(range(graph.n_nodes))
    reference.add_weighted_edges_from(zip(tail.tolist(), head.tolist(), time_s.tolist()))
    return reference


def osm_reference(path, crs: str, speeds) -> nx.DiGraph:
    """Every drivable OSM way segment as a networkx arc between OSM node ids, built directly
    from the file (no simplification, no conum_geo builder): weight = projected length / speed."""
    import osmium

    from conum_geo.network.speeds import osm_way_direction, osm_way_is_drivable

    project = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    reference = nx.DiGraph()
    keys = ("highway", "maxspeed", "oneway", "junction", "access", "motor_vehicle", "motorcar",
            "service", "area")
    for way in osmium.FileProcessor(str(path)).with_locations():
        if not way.is_way():
            continue
        tags = {k: way.tags.get(k) for k in keys if k in way.tags}
        if not osm_way_is_drivable(tags):
            continue
        speed_ms = speeds.osm_kmh(tags["highway"], tags.get("maxspeed")) / 3.6
        direction = osm_way_direction(tags)
        refs = [(r.ref, r.location) for r in way.nodes]
        for (a, la), (b, lb) in zip(refs[:-1], refs[1:]):
            if not (la.valid() and lb.valid()) or a == b:
                continue
            (xa, xb), (ya, yb) = project.transform([la.lon, lb.lon], [la.lat, lb.lat])
            weight = max(float(np.hypot(xb - xa, yb - ya)) / speed_ms, 1e-3)
            for u, v, allowed in ((a, b, direction >= 0), (b, a, direction <= 0)):
                if allowed and (not reference.has_edge(u, v) or reference[u][v]["weight"] > weight):
                    reference.add_edge(u, v, weight=weight)
    return reference


def at_nodes(nodes, legs=None) -> Snapped:
    nodes = np.asarray(nodes)
    legs = np.zeros(len(nodes)) if legs is None else np.asarray(legs, dtype=float)
    return Snapped(node=nodes, leg_m=legs * 5.0, leg_s=legs)


def stub_territory(polygon, crs: str = "EPSG:2154"):
    """What ``load_network`` reads of a territory: its communes' polygons."""
    return SimpleNamespace(communes=gpd.GeoDataFrame(geometry=[polygon], crs=crs))


def box_around(graph, margin_m: float = 1000.0):
    return shapely.box(graph.x.min() - margin_m, graph.y.min() - margin_m,
                       graph.x.max() + margin_m, graph.y.max() + margin_m)
