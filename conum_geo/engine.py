"""Travel-time engine: snapping and multi-source shortest paths on a CSR graph.

All searches run in ``scipy.sparse.csgraph``. A point (site or commune origin) is snapped to
the nearest node of the graph's largest strongly connected component; its off-network leg
(straight distance at a stated speed) is part of every time it takes part in. Sources enter a
search through one *virtual node* each, joined to their snapped node by an arc weighted by
their leg, so that one multi-source search gives exact times with legs and tells which
source is nearest.

Direction: ``toward_sources=True`` gives the time from each target *to* its nearest source
(people → site: the search runs on the reversed graph); ``False`` gives the time *from* the
sources (a base → the communes it serves: forward graph).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from .errors import NetworkError
from .network.graph import RoadGraph


@dataclass(frozen=True)
class Snapped:
    """Points attached to a graph: their node and off-network leg."""

    node: np.ndarray
    leg_m: np.ndarray
    leg_s: np.ndarray

    def __len__(self) -> int:
        return len(self.node)


def snap(graph: RoadGraph, x, y, *, speed_kmh: float) -> Snapped:
    """Snap points (graph CRS) to the nearest node of the largest strongly connected component."""
    candidates = np.flatnonzero(graph.largest_scc)
    if len(candidates) == 0:
        raise NetworkError("cannot snap points to an empty graph")
    points = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
    leg_m, nearest = cKDTree(np.column_stack([graph.x[candidates], graph.y[candidates]])).query(points)
    leg_m = np.asarray(leg_m, dtype=float).reshape(-1)
    return Snapped(node=candidates[np.asarray(nearest).reshape(-1)], leg_m=leg_m,
                   leg_s=leg_m / (speed_kmh / 3.6))


def _with_virtual_sources(matrix: sp.csr_matrix, sources: Snapped) -> sp.csr_matrix:
    """``matrix`` plus one node per source, with an arc from it to the source's snapped node."""
    n, k = matrix.shape[0], len(sources)
    virtual = sp.csr_matrix(
        (sources.leg_s, (np.arange(k), sources.node)), shape=(k, n + k)
    )
    top = sp.csr_matrix((matrix.data, matrix.indices, matrix.indptr), shape=(n, n + k))
    return sp.vstack([top, virtual], format="csr")


def _oriented(graph: RoadGraph, toward_sources: bool) -> sp.csr_matrix:
    return graph.reversed_time_s if toward_sources else graph.time_s


def nearest_source(
    graph: RoadGraph, sources: Snapped, targets: Snapped, *, toward_sources: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Time to (or from) the nearest source for every target, and that source's index.

    Returns ``(time_s, source_index)``; unreachable targets get ``NaN`` and ``-1``.
    """
    n_targets = len(targets)
    if len(sources) == 0:
        return np.full(n_targets, np.nan), np.full(n_targets, -1)
    n = graph.n_nodes
    augmented = _with_virtual_sources(_oriented(graph, toward_sources), sources)
    dist, _, origin = dijkstra(
        augmented, directed=True, indices=np.arange(n, n + len(sources)),
        min_only=True, return_predecessors=True,
    )
    node_time = dist[targets.node]
    reached = np.isfinite(node_time)
    time_s = np.where(reached, node_time + targets.leg_s, np.nan)
    source_index = np.where(reached, origin[targets.node] - n, -1)
    return time_s, source_index


def time_table(
    graph: RoadGraph, sources: Snapped, targets: Snapped, *, cutoff_s: float,
    toward_sources: bool = True, chunk: int = 64,
) -> pd.DataFrame:
    """Sparse long table ``(source, target, time_s)`` of every pair within ``cutoff_s``.

    One bounded search per source (``limit=``), run in chunks so memory stays
    ``chunk × nodes``; only target columns are kept.
    """
    matrix = _oriented(graph, toward_sources)
    parts = []
    for start in range(0, len(sources), chunk):
        block = Snapped(*(a[start:start + chunk] for a in (sources.node, sources.leg_m, sources.leg_s)))
        dist = dijkstra(matrix, directed=True, indices=block.node, limit=cutoff_s)
        times = dist[:, targets.node] + block.leg_s[:, None] + targets.leg_s[None, :]
        rows, cols = np.nonzero(times <= cutoff_s)
        parts.append(pd.DataFrame(
            {"source": rows + start, "target": cols, "time_s": times[rows, cols]}
        ))
    if not parts:
        return pd.DataFrame({"source": np.array([], int), "target": np.array([], int),
                             "time_s": np.array([], float)})
    return pd.concat(parts, ignore_index=True)
