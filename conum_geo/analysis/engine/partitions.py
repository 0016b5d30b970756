"""Bounded searches cut into partitions: nearby searches with the part of the graph they can
reach within their bound (their halo), each self-contained so that it can run elsewhere.

A search starts once per distinct way in (``Starts``): sources on one node share it, a point
that splits its road starts from a virtual node joined to both ends. ``RoadGraph.max_speed_ms``
bounds how far a trip goes, so the window of a block of nearby starts is the box around them
grown by that reach (the whole graph at département scale), and its searches run in
``dijkstra`` calls of about ``CALL_BYTES``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from ...core.arrays import runs
from ...network.build import spatial_order
from ...network.graph import RoadGraph
from .snapping import Snapped

#: Bounded searches sharing one window of the graph: sources × window nodes × 8 at most this.
BLOCK_BYTES = 128 * 2**20
#: Distance rows of one ``dijkstra`` call, in bytes: rows this small stay in cache and their
#: memory is reused from call to call (time tables on 46k- and 97k-node graphs ran 10 % and
#: 30 % faster in calls of 4 MB than in calls of 64 MB or more; 1 to 16 MB all did well).
CALL_BYTES = 4 * 2**20
#: Searches run this share of the cutoff beyond their bound, so that rounding never drops a
#: pair the final test (legs added, ``<= cutoff``) keeps.
ROUNDING = 1e-9


def oriented(graph: RoadGraph, toward_sources: bool) -> sp.csr_matrix:
    """The arcs searches follow: reversed toward the sources (people → site), else forward."""
    return graph.reversed_time_s if toward_sources else graph.time_s


class NodeCounter:
    """Upper bound of the number of nodes in a box, in O(1) (summed-area table of a coarse grid)."""

    def __init__(self, graph: RoadGraph, bins: int = 64):
        self.x_edges, self.y_edges = (np.linspace(v.min(), v.max(), bins + 1) for v in (graph.x, graph.y))
        cell = [np.minimum(((v - v.min()) * (bins / max(float(np.ptp(v)), 1e-9))).astype(np.int64), bins - 1)
                for v in (graph.x, graph.y)]
        counts = np.bincount(cell[0] * bins + cell[1], minlength=bins * bins).reshape(bins, bins)
        self.table = np.zeros((bins + 1, bins + 1))
        self.table[1:, 1:] = counts.cumsum(axis=0).cumsum(axis=1)

    def __call__(self, x0: float, x1: float, y0: float, y1: float) -> int:
        last = len(self.x_edges) - 1
        i0 = int(np.clip(np.searchsorted(self.x_edges, x0, side="right") - 1, 0, last))
        i1 = int(np.clip(np.searchsorted(self.x_edges, x1, side="left"), 0, last))
        j0 = int(np.clip(np.searchsorted(self.y_edges, y0, side="right") - 1, 0, last))
        j1 = int(np.clip(np.searchsorted(self.y_edges, y1, side="left"), 0, last))
        t = self.table
        return int(t[i1, j1] - t[i0, j1] - t[i1, j0] + t[i0, j0])


def _plan_blocks(graph: RoadGraph, nodes: np.ndarray, radius_m: float, block_bytes: int,
                 chunk: int | None) -> list[np.ndarray]:
    """Groups of positions in ``nodes`` searched on one window of the graph: close in space, at
    most ``chunk``, and sources × nodes within reach of the group at most ``block_bytes / 8``."""
    order = spatial_order(graph.x[nodes], graph.y[nodes])
    limit = chunk if chunk is not None else len(nodes)
    if len(nodes) <= limit and len(nodes) * graph.n_nodes * 8 <= block_bytes:
        return [order]  # one block even with the whole graph in reach: no need to measure
    count = NodeCounter(graph)
    blocks: list[np.ndarray] = []
    current: list[int] = []
    box = None
    for position in order:
        px, py = graph.x[nodes[position]], graph.y[nodes[position]]
        grown = (px, px, py, py) if box is None else (
            min(box[0], px), max(box[1], px), min(box[2], py), max(box[3], py))
        reach = count(grown[0] - radius_m, grown[1] + radius_m, grown[2] - radius_m, grown[3] + radius_m)
        if current and (len(current) >= limit or (len(current) + 1) * reach * 8 > block_bytes):
            blocks.append(np.array(current))
            current, grown = [], (px, px, py, py)
        current.append(position)
        box = grown
    if current:
        blocks.append(np.array(current))
    return blocks


def _reach_window(graph: RoadGraph, nodes: np.ndarray, radius_m: float) -> np.ndarray | None:
    """Nodes within the bounding box of ``nodes`` grown by ``radius_m``; None if that is most."""
    x, y = graph.x, graph.y
    x0, x1 = x[nodes].min() - radius_m, x[nodes].max() + radius_m
    y0, y1 = y[nodes].min() - radius_m, y[nodes].max() + radius_m
    inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    return None if inside.sum() > 0.7 * graph.n_nodes else np.flatnonzero(inside)


@dataclass(frozen=True)
class Starts:
    """Where the searches of a set of sources start, one search serving every source that
    starts alike: sources on one node share it (their legs added afterwards); a source that
    splits its road starts from a virtual node joined to both ends, ``offset_s`` beyond its
    own leg (the smaller of the two)."""

    node: np.ndarray  # (k, 2) start nodes, the second -1 when there is one
    offset_s: np.ndarray  # (k, 2) time to each beyond the source's own leg (0, and inf for none)
    leg_s: np.ndarray  # (k,) smallest own leg among each start's sources
    own_leg_s: np.ndarray  # (n,) each source's own leg
    order: np.ndarray  # source positions sorted by start...
    start: np.ndarray  # ...those of start k are order[start[k]:start[k + 1]]

    @classmethod
    def of(cls, sources: Snapped, leaving: bool) -> Starts:
        node, legs_s, _ = sources.ways(leaving)
        own = legs_s.min(axis=1)
        offset = legs_s - own[:, None]
        swap = offset[:, 1] < offset[:, 0]  # the nearer way first, so that equal starts match
        node[swap], offset[swap] = node[swap][:, ::-1], offset[swap][:, ::-1]
        keys, of_source = np.unique(np.column_stack([node, offset]), axis=0, return_inverse=True)
        of_source = of_source.reshape(-1)
        leg_s = np.full(len(keys), np.inf)
        np.minimum.at(leg_s, of_source, own)
        order = np.argsort(of_source, kind="stable")
        return cls(keys[:, :2].astype(np.int64), keys[:, 2:], leg_s, own, order,
                   np.searchsorted(of_source[order], np.arange(len(keys) + 1)))

    def sources_of(self, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the sources of starts ``which`` and, for each, its start's index in ``which``."""
        counts = self.start[which + 1] - self.start[which]
        rows, offsets = runs(counts)
        return self.order[self.start[which][rows] + offsets], rows


@dataclass(frozen=True)
class Partition:
    """A block of nearby searches with the part of the graph they can reach (their halo):
    self-contained, so that it can be searched in another process."""

    window: np.ndarray  # the graph nodes of the part, sorted
    matrix: sp.csr_matrix  # the oriented graph on those nodes, then one virtual node per start of two nodes
    local: np.ndarray  # the searches' first nodes in the matrix, by increasing leg...
    which: np.ndarray  # ...and their positions in the caller's starts
    legs_s: np.ndarray  # ...and their legs
    limit_s: float

    def calls(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``dijkstra`` calls of about ``CALL_BYTES``: ``(positions, dist)``, ``dist[i, j]`` the
        time between the start at ``positions[i]`` of ``which`` and node ``window[j]``, ``inf``
        beyond ``limit_s`` less the smallest leg of the call."""
        n = len(self.window)
        rows = max(1, CALL_BYTES // (8 * self.matrix.shape[0]))
        for start in range(0, len(self.which), rows):
            part = slice(start, start + rows)
            dist = dijkstra(self.matrix, directed=True, indices=self.local[part],
                            limit=self.limit_s - float(self.legs_s[part].min()))
            yield np.arange(len(self.which))[part], np.atleast_2d(dist)[:, :n]


def _with_virtual_nodes(matrix: sp.csr_matrix, nodes: np.ndarray, offsets_s: np.ndarray) -> sp.csr_matrix:
    """``matrix`` plus one node per row of ``nodes`` (k, 2), with an arc of ``offsets_s`` to
    each (explicit zeros are arcs of weight 0 to csgraph)."""
    k, n = len(nodes), matrix.shape[0]
    data = np.concatenate([matrix.data, offsets_s.ravel()])
    indices = np.concatenate([matrix.indices, nodes.ravel()]).astype(matrix.indices.dtype, copy=False)
    indptr = np.concatenate([matrix.indptr, matrix.nnz + 2 * np.arange(1, k + 1)]).astype(matrix.indptr.dtype)
    return sp.csr_matrix((data, indices, indptr), shape=(n + k, n + k), copy=False)


def plan_partitions(graph: RoadGraph, starts: Starts, limit_s: float, toward_sources: bool,
                    chunk: int | None, block_bytes: int) -> Iterator[Partition]:
    """Bounded searches from ``starts`` (sources' own legs not added), as partitions of nearby
    searches, each on the part of the graph within their reach. Starts whose leg alone
    exceeds ``limit_s`` are not searched."""
    matrix = oriented(graph, toward_sources)
    radius_m = max(limit_s, 0.0) * graph.max_speed_ms
    searched = np.flatnonzero(starts.leg_s <= limit_s)
    if len(searched) == 0:
        return
    for block in _plan_blocks(graph, starts.node[searched, 0], radius_m, block_bytes, chunk):
        block = searched[block]
        # Searches of similar legs side by side, so that each call stops close to its bound.
        block = block[np.argsort(starts.leg_s[block], kind="stable")]
        nodes = starts.node[block]
        window = _reach_window(graph, nodes[nodes >= 0], radius_m)
        if window is None:
            sub, window, local = matrix, np.arange(graph.n_nodes), nodes[:, 0].copy()
        else:
            sub, local = matrix[window][:, window], np.searchsorted(window, nodes[:, 0])
        two = np.flatnonzero(nodes[:, 1] >= 0)
        if len(two):
            both = np.searchsorted(window, nodes[two])
            sub = _with_virtual_nodes(sub, both, starts.offset_s[block[two]])
            local[two] = len(window) + np.arange(len(two))
        yield Partition(window, sub, local, block, starts.leg_s[block], limit_s)
