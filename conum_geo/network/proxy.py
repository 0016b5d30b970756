"""The proxy road network: an approximation used when no road data is given.

Nodes are commune origins (town halls); an arc joins every pair of contiguous communes in
both directions. Length is the straight distance times ``DETOUR_FACTOR``; speed depends on
the population density of the two communes (``PROXY_SPEEDS_KMH``, mean of both ends).
A point (a site, a town hall) joins the node of its nearest commune by a straight leg driven
at that commune's speed over ``DETOUR_FACTOR`` (``RoadGraph.leg_speed_kmh``): inside a commune,
people drive its own roads, not the off-network speed of real networks. The network is built
over the territory's communes *and its ring* (``network.proxy_communes``), so that a site
across the département line is reached by the proxy roads of the neighbouring communes.
Every output built on it says that roads are approximate.

Islands: communes of different land masses are not contiguous. Land masses closer than
``CHANNEL_M`` are joined where they come closest (a channel that narrow is bridged: the
Rivière Salée between Grande-Terre and Basse-Terre), and the bridges over wider water in
``FIXED_LINKS`` join their two communes. Ferries are not modelled: an island without a
bridge is a component of its own, whose communes reach only its own sites
(``analysis.coverage.network_notices`` says which).
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .graph import RoadGraph

log = logging.getLogger(__name__)

#: Straight distance × this factor ≈ road distance (typical of French rural roads).
DETOUR_FACTOR = 1.3
#: (minimum density in inhabitants/km², speed in km/h), densest first.
PROXY_SPEEDS_KMH = ((1500.0, 30.0), (150.0, 50.0), (0.0, 70.0))
#: Polygons closer than this are treated as contiguous (simplified borders leave slivers).
CONTIGUITY_TOLERANCE_M = 50.0
#: Land masses closer than this are joined: a sea channel this narrow is bridged (the
#: Rivière Salée, 80 to 140 m between the contours; the narrowest unbridged channel between a
#: French island and its neighbour, Île-aux-Moines, is 560 m).
CHANNEL_M = 200.0
#: Bridges over wider water: (commune, commune, bridge). The other islands of France are
#: reached by ferry only.
FIXED_LINKS = (
    ("17300", "17297", "pont de l'île de Ré"),
    ("17058", "17093", "pont de l'île d'Oléron"),
    ("85012", "85011", "pont de Noirmoutier"),
)


def _speed_kmh(density_per_km2: np.ndarray) -> np.ndarray:
    speed = np.empty(len(density_per_km2))
    for lower, kmh in reversed(PROXY_SPEEDS_KMH):
        speed[density_per_km2 >= lower] = kmh
    return speed


def _neighbours(communes: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The pairs of communes an arc joins, both ways: contiguous ones, land masses across a
    narrow channel, and the ends of the fixed links; with the links used, by name."""
    geometry = communes.geometry
    left, right = geometry.sindex.query(geometry, predicate="dwithin", distance=CONTIGUITY_TOLERANCE_M)
    n = len(communes)
    _, land = connected_components(sp.csr_matrix((np.ones(len(left)), (left, right)), shape=(n, n)),
                                   directed=False)
    near_left, near_right = geometry.sindex.query(geometry, predicate="dwithin", distance=CHANNEL_M)
    across = land[near_left] != land[near_right]
    links = [f"chenal de moins de {CHANNEL_M:.0f} m"] if across.any() else []
    position = {code: i for i, code in enumerate(communes["code_insee"])}
    fixed = [(position[a], position[b], name) for a, b, name in FIXED_LINKS if a in position and b in position]
    links += [name for *_, name in fixed]
    ends = np.array([(a, b) for a, b, _ in fixed] + [(b, a) for a, b, _ in fixed], dtype=np.int64).reshape(-1, 2)
    left = np.concatenate([left, near_left[across], ends[:, 0]])
    right = np.concatenate([right, near_right[across], ends[:, 1]])
    keep = left != right
    return left[keep], right[keep], links


def build_proxy_network(communes: gpd.GeoDataFrame) -> RoadGraph:
    """Proxy graph over ``communes`` (node i = commune i, at its origin point)."""
    x = communes["origin_x"].to_numpy(dtype=float)
    y = communes["origin_y"].to_numpy(dtype=float)
    area_km2 = communes.geometry.area.to_numpy() / 1e6
    speed_kmh = _speed_kmh(communes["population"].to_numpy() / np.maximum(area_km2, 1e-6))
    speed_ms = speed_kmh / 3.6

    left, right, links = _neighbours(communes)
    dist_m = np.hypot(x[left] - x[right], y[left] - y[right]) * DETOUR_FACTOR
    time_s = np.maximum(dist_m / ((speed_ms[left] + speed_ms[right]) / 2), 1.0)
    n = len(communes)
    matrix = sp.csr_matrix((time_s, (left, right)), shape=(n, n))
    log.info("proxy network: %d nodes, %d arcs", n, matrix.nnz)
    return RoadGraph(
        x=x, y=y, time_s=matrix, source="proxy", crs=communes.crs.to_string(),
        provenance={"detour_factor": DETOUR_FACTOR, "speeds_kmh": PROXY_SPEEDS_KMH, "links": links},
        leg_speed_kmh=speed_kmh / DETOUR_FACTOR,
    )
