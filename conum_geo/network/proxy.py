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
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import scipy.sparse as sp

from .graph import RoadGraph

log = logging.getLogger(__name__)

#: Straight distance × this factor ≈ road distance (typical of French rural roads).
DETOUR_FACTOR = 1.3
#: (minimum density in inhabitants/km², speed in km/h), densest first.
PROXY_SPEEDS_KMH = ((1500.0, 30.0), (150.0, 50.0), (0.0, 70.0))
#: Polygons closer than this are treated as contiguous (simplified borders leave slivers).
CONTIGUITY_TOLERANCE_M = 50.0


def _speed_kmh(density_per_km2: np.ndarray) -> np.ndarray:
    speed = np.empty(len(density_per_km2))
    for lower, kmh in reversed(PROXY_SPEEDS_KMH):
        speed[density_per_km2 >= lower] = kmh
    return speed


def build_proxy_network(communes: gpd.GeoDataFrame) -> RoadGraph:
    """Proxy graph over ``communes`` (node i = commune i, at its origin point)."""
    x = communes["origin_x"].to_numpy(dtype=float)
    y = communes["origin_y"].to_numpy(dtype=float)
    area_km2 = communes.geometry.area.to_numpy() / 1e6
    speed_kmh = _speed_kmh(communes["population"].to_numpy() / np.maximum(area_km2, 1e-6))
    speed_ms = speed_kmh / 3.6

    left, right = communes.geometry.sindex.query(
        communes.geometry, predicate="dwithin", distance=CONTIGUITY_TOLERANCE_M
    )
    keep = left != right
    left, right = left[keep], right[keep]
    dist_m = np.hypot(x[left] - x[right], y[left] - y[right]) * DETOUR_FACTOR
    time_s = np.maximum(dist_m / ((speed_ms[left] + speed_ms[right]) / 2), 1.0)
    n = len(communes)
    matrix = sp.csr_matrix((time_s, (left, right)), shape=(n, n))
    log.info("proxy network: %d nodes, %d arcs", n, matrix.nnz)
    return RoadGraph(
        x=x, y=y, time_s=matrix, source="proxy", crs=communes.crs.to_string(),
        provenance={"detour_factor": DETOUR_FACTOR, "speeds_kmh": PROXY_SPEEDS_KMH},
        leg_speed_kmh=speed_kmh / DETOUR_FACTOR,
    )
