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

from ..core.arrays import runs
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
    legs included (module doc); ``toward_sources`` as in ``engine.time_table``, and, for points
    that split their road, by the ends the fastest route uses. NaN when the target is
    unreachable, or beyond ``limit_s`` on the graph (searches stop there)."""
    source, target = np.asarray(source, dtype=np.int64), np.asarray(target, dtype=np.int64)
    matrix = graph.reversed_time_s if toward_sources else graph.time_s
    factor = float(graph.provenance.get("detour_factor", 1.0))
    # Every way of every pair: a way out of its source's point, a way into its target's.
    s_point, s_node, s_leg_s, s_leg_m = sources.attachments(leaving=not toward_sources)
    t_point, t_node, t_leg_s, t_leg_m = targets.attachments(leaving=toward_sources)
    s_first = np.searchsorted(s_point, np.arange(len(sources) + 1))
    t_first = np.searchsorted(t_point, np.arange(len(targets) + 1))
    s_ways = (s_first[1:] - s_first[:-1])[source]
    t_ways = (t_first[1:] - t_first[:-1])[target]
    per_pair = s_ways * t_ways
    pair, offset = runs(per_pair)
    s_way = s_first[source[pair]] + offset // t_ways[pair]
    t_way = t_first[target[pair]] + offset % t_ways[pair]
    time_s, length_m = np.full(len(pair), np.inf), np.full(len(pair), np.nan)
    roots, root_of = np.unique(s_node[s_way], return_inverse=True)
    root_of = root_of.reshape(-1)
    for start in range(0, len(roots), _BLOCK):
        block = roots[start:start + _BLOCK]
        times, predecessors = dijkstra(matrix, indices=block, return_predecessors=True, limit=limit_s)
        times = np.atleast_2d(times)
        for row in range(len(block)):
            ways = np.flatnonzero(root_of == start + row)
            ends = t_node[t_way[ways]]
            time_s[ways] = times[row, ends] + s_leg_s[s_way[ways]] + t_leg_s[t_way[ways]]
            length_m[ways] = _tree_lengths_m(graph, predecessors[row])[ends]
    length_m += s_leg_m[s_way] + t_leg_m[t_way]
    # The fastest way of each pair (ways of a pair are consecutive).
    order = np.lexsort((time_s, pair))
    first = np.r_[True, pair[order][1:] != pair[order][:-1]] if len(pair) else np.zeros(0, dtype=bool)
    best = order[first]
    return np.where(np.isfinite(time_s[best]), length_m[best], np.nan) * factor
