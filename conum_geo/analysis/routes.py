"""Lengths of the fastest routes: the kilometres behind a travel time.

The graph stores arc times, not lengths. A route's length is summed along its fastest path
(``dijkstra`` predecessors, one search per source node, the same arcs ``engine.time_table``
times): each arc counts the straight distance between its two nodes, times the graph's
``detour_factor`` (the proxy network's roads are that much longer than the straight line;
real networks keep their polylines' shape within ``network.build.SIMPLIFY_M``, so the
factor is 1), and each point's leg likewise. The tree's lengths are accumulated for every
node at once by pointer jumping (``log2`` of the tree's depth vectorised passes).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import dijkstra

from ..network.graph import RoadGraph
from .engine import Snapped

#: Source nodes searched in one ``dijkstra`` call (rows of predecessors kept in memory).
_BLOCK = 16


def _tree_lengths_m(graph: RoadGraph, predecessors: np.ndarray) -> np.ndarray:
    """Length from the root to every node of one shortest-path tree (NaN where unreached)."""
    parent = predecessors.astype(np.int64)
    has_parent = parent >= 0
    length = np.zeros(len(parent))
    child = np.flatnonzero(has_parent)
    length[child] = np.hypot(graph.x[child] - graph.x[parent[child]], graph.y[child] - graph.y[parent[child]])
    while has_parent.any():
        up = np.flatnonzero(has_parent)
        length[up] += length[parent[up]]
        parent[up] = parent[parent[up]]
        has_parent[up] = parent[up] >= 0
    return length


def route_lengths_m(graph: RoadGraph, sources: Snapped, targets: Snapped, source: np.ndarray,
                    target: np.ndarray, *, toward_sources: bool, limit_s: float = np.inf) -> np.ndarray:
    """Length (m) of the fastest route of each pair ``(sources[source[k]], targets[target[k]])``,
    legs included (module doc); ``toward_sources`` as in ``engine.time_table``. NaN when the
    target is unreachable, or beyond ``limit_s`` on the graph (searches stop there)."""
    source, target = np.asarray(source, dtype=np.int64), np.asarray(target, dtype=np.int64)
    matrix = graph.reversed_time_s if toward_sources else graph.time_s
    factor = float(graph.provenance.get("detour_factor", 1.0))
    out = np.full(len(source), np.nan)
    roots, root_of = np.unique(sources.node[source], return_inverse=True)
    root_of = root_of.reshape(-1)
    for start in range(0, len(roots), _BLOCK):
        block = roots[start:start + _BLOCK]
        times, predecessors = dijkstra(matrix, indices=block, return_predecessors=True, limit=limit_s)
        for row in range(len(block)):
            pairs = np.flatnonzero(root_of == start + row)
            ends = targets.node[target[pairs]]
            reached = np.isfinite(times[row, ends])
            lengths = _tree_lengths_m(graph, predecessors[row])[ends]
            out[pairs] = np.where(reached, lengths, np.nan)
    return (out + sources.leg_m[source] + targets.leg_m[target]) * factor
