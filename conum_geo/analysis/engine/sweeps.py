"""Multi-source searches: the nearest source of every node or target (``sweep``,
``nearest_source``) and the nearest source of each group (``group_time_table``).

Sources enter through *virtual nodes* appended to a copy of the oriented graph made once
(``_VirtualSourceBuffer``), each joined by arcs weighted by its legs to every node its source
(or group) attaches to, so a single ``dijkstra(min_only=True)`` is exact with legs and says
which source won.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from ...core.arrays import runs
from ...core.errors import ParameterError
from ...core.messages import says
from ...network.graph import RoadGraph
from .partitions import CALL_BYTES, ROUNDING, oriented
from .snapping import Snapped

log = logging.getLogger(__name__)


class _VirtualSourceBuffer:
    """CSR arrays of an oriented graph with room for virtual source nodes at the end.

    The graph's arcs are copied once; each search only writes its virtual nodes' rows, so
    large graphs are not copied (and their memory not touched afresh) at every call. A lock
    keeps concurrent searches from sharing the buffer (the loser builds its own copy).
    """

    def __init__(self, matrix: sp.csr_matrix):
        self.matrix, self.lock, self.capacity = matrix, threading.Lock(), 0
        self._grow(64)

    def _grow(self, capacity: int) -> None:
        m, n = self.matrix.nnz, self.matrix.shape[0]
        self.index_type = np.int32 if n + capacity < np.iinfo(np.int32).max else np.int64
        self.data = np.empty(m + capacity)
        self.indices = np.empty(m + capacity, dtype=self.index_type)
        self.indptr = np.empty(n + capacity + 1, dtype=self.index_type)
        self.data[:m], self.indices[:m], self.indptr[:n + 1] = (
            self.matrix.data, self.matrix.indices, self.matrix.indptr)
        self.capacity = capacity

    def augmented(self, node: np.ndarray, leg_s: np.ndarray, starts: np.ndarray) -> sp.csr_matrix:
        """The graph plus one virtual node per group of points: virtual node ``k`` has an arc
        (weight: the leg) to each of ``node[starts[k]:starts[k + 1]]``.

        A zero leg stays an explicit zero, which csgraph reads as an arc of weight 0.
        """
        arcs, k, m, n = len(node), len(starts) - 1, self.matrix.nnz, self.matrix.shape[0]
        if max(arcs, k) > self.capacity:
            self._grow(max(arcs, k, 2 * self.capacity))
        self.data[m:m + arcs] = leg_s
        self.indices[m:m + arcs] = node
        self.indptr[n + 1:n + k + 1] = m + np.asarray(starts[1:])
        return sp.csr_matrix((self.data[:m + arcs], self.indices[:m + arcs], self.indptr[:n + k + 1]),
                             shape=(n + k, n + k), copy=False)


_BUFFERS: weakref.WeakKeyDictionary[RoadGraph, dict] = weakref.WeakKeyDictionary()


@contextlib.contextmanager
def _augmented(graph: RoadGraph, toward_sources: bool, node: np.ndarray, leg_s: np.ndarray,
               starts: np.ndarray) -> Iterator[sp.csr_matrix]:
    """The oriented graph with virtual nodes (``_VirtualSourceBuffer.augmented``), while in use."""
    buffers = _BUFFERS.setdefault(graph, {})
    if toward_sources not in buffers:
        buffers[toward_sources] = _VirtualSourceBuffer(oriented(graph, toward_sources))
    buffer = buffers[toward_sources]
    shared = buffer.lock.acquire(blocking=False)
    try:
        yield (buffer if shared else _VirtualSourceBuffer(buffer.matrix)).augmented(node, leg_s, starts)
    finally:
        if shared:
            buffer.lock.release()


def _min_per_point(point: np.ndarray, time_s: np.ndarray, n_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Per point (``point`` sorted, every point present), the smallest of its ``time_s`` and
    the position of that smallest (first on ties; ``inf`` when all are)."""
    if len(point) == n_points:  # one way each
        return time_s, np.arange(n_points)
    starts = np.searchsorted(point, np.arange(n_points))
    best = np.minimum.reduceat(time_s, starts)
    # the first position of each point's minimum: ties to the lowest position
    hit = np.flatnonzero(time_s == best[point])
    first = np.unique(point[hit], return_index=True)[1]
    return best, hit[first]


def _sweep_all(graph: RoadGraph, sources: Snapped, toward_sources: bool,
               limit_s: float) -> tuple[np.ndarray, np.ndarray]:
    """One multi-source search from the sources' virtual nodes (at least one source), each
    joined to every node its source attaches to (trips to a source arrive at it).

    Returns ``(time_s, origin)`` over the nodes of the augmented graph (virtual nodes last):
    ``origin`` is the winning virtual node where ``time_s`` is finite.
    """
    n, k = graph.n_nodes, len(sources)
    point, node, leg_s, _ = sources.attachments(leaving=not toward_sources)
    starts = np.searchsorted(point, np.arange(k + 1))
    with _augmented(graph, toward_sources, node, leg_s, starts) as matrix:
        dist, _, origin = dijkstra(matrix, directed=True, indices=np.arange(n, n + k),
                                   min_only=True, return_predecessors=True, limit=limit_s)
    return dist, origin


def sweep(graph: RoadGraph, sources: Snapped, *, toward_sources: bool = True,
          limit_s: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
    """Time from (or to) the nearest source for every *node*, legs of sources included.

    Returns ``(time_s, source_index)`` over the graph's nodes: ``inf`` and ``-1`` where no
    source is within ``limit_s``.
    """
    n = graph.n_nodes
    if len(sources) == 0:
        return np.full(n, np.inf), np.full(n, -1)
    dist, origin = _sweep_all(graph, sources, toward_sources, limit_s)
    dist = dist[:n]
    return dist, np.where(np.isfinite(dist), origin[:n] - n, -1)


def nearest_source(
    graph: RoadGraph, sources: Snapped, targets: Snapped, *, toward_sources: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Time to (or from) the nearest source for every target, and that source's index.

    Returns ``(time_s, source_index)``; unreachable targets get ``NaN`` and ``-1``.
    """
    if len(sources) == 0:
        return np.full(len(targets), np.nan), np.full(len(targets), -1)
    dist, origin = _sweep_all(graph, sources, toward_sources, np.inf)
    point, node, leg_s, _ = targets.attachments(leaving=toward_sources)
    # only the targets' nodes: never a pass over the whole graph
    node_time, best = _min_per_point(point, dist[node] + leg_s, len(targets))
    reached = np.isfinite(node_time)
    if not reached.all():
        log.info("%d of %d targets reach no source", int((~reached).sum()), len(targets))
    time_s = np.where(reached, node_time, np.nan)
    source_index = np.where(reached, origin[node[best]] - graph.n_nodes, -1)
    return time_s, source_index


def group_time_table(
    graph: RoadGraph, sources: Snapped, groups: sp.csr_matrix, targets: Snapped, *, cutoff_s: float,
    toward_sources: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time between every target and the nearest source of each group, within ``cutoff_s``.

    ``groups`` (groups × sources, nonzero where the source belongs to the group; a source may
    belong to several) gathers sources that open and close together, e.g. the sites of one
    employer's posts. Each group enters the graph through one virtual node with an arc (its
    leg) to each node its members attach to, and one bounded search runs per group: when
    sources only ever change by whole groups this replaces one search per source
    (``time_table``), and what is nearest among any union of groups is the smallest of its
    groups' times. Returns ``(group, target, time_s)`` arrays of the pairs within the cutoff,
    legs included, sorted by group then target.
    """
    if not cutoff_s > 0:
        raise ParameterError(says("cutoff", value=cutoff_s))
    member = sp.coo_matrix(groups)
    n_groups = member.shape[0]
    if member.shape[1] != len(sources):
        raise ParameterError(says("groups", found=member.shape[1], expected=len(sources)))
    nonzero = member.data != 0
    found: tuple[list, list, list] = ([], [], [])
    if len(targets) and nonzero.any():
        of_point, way_node, way_leg_s, _ = sources.attachments(leaving=not toward_sources)
        # One arc per group and node, with the smallest leg of the group's sources on it.
        group, of_source = member.row[nonzero], member.col[nonzero]
        first_of = np.searchsorted(of_point, np.arange(len(sources) + 1))
        ways = first_of[of_source + 1] - first_of[of_source]
        membership, rank = runs(ways)
        group, way = group[membership], first_of[of_source[membership]] + rank
        node, leg_s = way_node[way], way_leg_s[way]
        order = np.lexsort((leg_s, node, group))
        first = np.r_[True, (np.diff(group[order]) != 0) | (np.diff(node[order]) != 0)]
        group, node, leg_s = (a[order][first] for a in (group, node, leg_s))
        starts = np.searchsorted(group, np.arange(n_groups + 1))
        target_point, target_node, target_leg_s, _ = targets.attachments(leaving=toward_sources)
        target_starts = np.searchsorted(target_point, np.arange(len(targets)))
        limit_s = cutoff_s * (1 + ROUNDING) - float(target_leg_s.min())
        n = graph.n_nodes
        with _augmented(graph, toward_sources, node, leg_s, starts) as matrix:
            rows = max(1, CALL_BYTES // (8 * matrix.shape[0]))
            for start in range(0, n_groups, rows):
                stop = min(n_groups, start + rows)
                dist = dijkstra(matrix, directed=True, indices=np.arange(n + start, n + stop), limit=limit_s)
                time_s = np.atleast_2d(dist)[:, target_node] + target_leg_s
                if len(target_point) > len(targets):  # the best way into each target
                    time_s = np.minimum.reduceat(time_s, target_starts, axis=1)
                row, target = np.nonzero(time_s <= cutoff_s)
                for out, values in zip(found, (row + start, target, time_s[row, target])):
                    out.append(values)
    group_of, target_of, time_of = (np.concatenate(out) if out else np.zeros(0, dtype=dtype)
                                    for out, dtype in zip(found, (np.int64, np.int64, float)))
    return group_of, target_of, time_of
