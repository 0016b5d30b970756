"""Seeded synthetic road-like graphs, for benchmarks and tests (never for analyses).

A jittered square grid of nodes (``spacing_m`` apart) with a road hierarchy: every
``MOTORWAY_EVERY``-th grid line is a fast road kept whole, every ``PRIMARY_EVERY``-th a main
road kept whole, and local streets are kept at random so that the mean out-degree is about
``degree`` (≈ 2.4 arcs per node, as in simplified French road graphs). Arc length is the
straight distance times a random detour (1.05–1.4); speed depends on the class; a share of
local streets are one-way. Nodes come out in spatial order, as ``build`` numbers real graphs.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .build import graph_from_arcs
from .graph import RoadGraph

MOTORWAY_EVERY = 40
PRIMARY_EVERY = 10
#: Class → speed (km/h): motorway-like, primary, local.
CLASS_KMH = {"motorway": 110.0, "primary": 80.0, "local": 40.0}
ONEWAY_SHARE = 0.08


def synthetic_road_graph(n_nodes: int, *, seed: int = 0, spacing_m: float = 300.0,
                         degree: float = 2.4) -> RoadGraph:
    """A road-like directed graph of about ``n_nodes`` nodes (see module doc)."""
    rng = np.random.default_rng(seed)
    side = max(2, int(round(np.sqrt(n_nodes))))
    grid = np.arange(side * side, dtype=np.int32).reshape(side, side)
    row, col = np.divmod(grid.ravel(), side)
    x = (col + rng.uniform(-0.3, 0.3, side * side)) * spacing_m
    y = (row + rng.uniform(-0.3, 0.3, side * side)) * spacing_m
    del row, col

    # Undirected grid edges and the grid line each lies on.
    u = np.concatenate([grid[:, :-1].ravel(), grid[:-1, :].ravel()])
    v = np.concatenate([grid[:, 1:].ravel(), grid[1:, :].ravel()])
    lines = np.arange(side, dtype=np.int32)
    line = np.concatenate([np.repeat(lines, side - 1), np.tile(lines, side - 1)])
    motorway = line % MOTORWAY_EVERY == 0
    primary = (line % PRIMARY_EVERY == 0) & ~motorway
    local = ~(motorway | primary)
    wanted_edges = degree / 2 * side * side
    keep_local = np.clip((wanted_edges - (~local).sum()) / max(local.sum(), 1), 0.0, 1.0)
    keep = ~local | (rng.random(len(u)) < keep_local)
    u, v, motorway, primary = u[keep], v[keep], motorway[keep], primary[keep]
    del line, local, keep

    speed_ms = np.where(motorway, CLASS_KMH["motorway"],
                        np.where(primary, CLASS_KMH["primary"], CLASS_KMH["local"])) / 3.6
    length_m = np.hypot(x[u] - x[v], y[u] - y[v]) * rng.uniform(1.05, 1.4, len(u))
    time_s = length_m / speed_ms
    oneway = ~(motorway | primary) & (rng.random(len(u)) < ONEWAY_SHARE)
    flip = rng.random(len(u)) < 0.5
    tail, head = np.where(flip, v, u), np.where(flip, u, v)
    both = ~oneway
    graph = graph_from_arcs(
        x, y, np.concatenate([tail, head[both]]), np.concatenate([head, tail[both]]),
        np.concatenate([time_s, time_s[both]]), source="synthetic", crs="EPSG:2154",
        provenance={"generator": "synthetic_road_graph", "n_nodes": n_nodes, "seed": seed},
    )
    return graph


def to_networkx(graph: RoadGraph, *, reverse: bool = False):
    """The graph as a ``networkx.DiGraph`` with ``time_s`` weights (nodes 0..n-1)."""
    import networkx as nx

    matrix = graph.reversed_time_s if reverse else graph.time_s
    G = nx.DiGraph()
    G.add_nodes_from(range(graph.n_nodes))
    coo = sp.coo_matrix(matrix)
    G.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()),
                              weight="time_s")
    return G
