"""Travel-time engine: snapping and shortest paths on a CSR graph.

All searches run in ``scipy.sparse.csgraph`` (compiled Dijkstra on the graph's CSR arrays).
A point (site or commune origin) is snapped to the graph's largest strongly connected
component: on real roads onto the nearest road segment, which it splits (it joins both ends,
as the segment's one-ways allow, and every search takes the faster), on the proxy network to
the nearest node; its off-network leg (straight distance at a stated speed) is part of every
time it takes part in.

- ``nearest_source``: one multi-source sweep gives every target its nearest source and the
  time. Sources enter through one *virtual node* each, joined to the node(s) they attach to
  by arcs weighted by their legs, so the sweep is exact with legs and says which source won.
- ``group_time_table``: one multi-source search per group of sources (sources that open and
  close together, e.g. an employer's sites), bounded by ``cutoff_s``: every target's time to
  the nearest source of each group.
- ``time_table``: one search per source node bounded by ``cutoff_s`` (``limit=``), giving
  the sparse long table ``(source, target, time_s)`` of pairs within the cutoff. Searches run
  in *partitions*: sources close to each other with the part of the graph they can reach in
  time (``RoadGraph.max_speed_ms`` bounds how far a trip goes; the whole graph at
  département scale), searched in ``dijkstra`` calls of a few megabytes whose rows are cut
  down to the targets' columns at once, so memory stays bounded and large graphs are not
  swept whole for every source. A partition is self-contained: with an ``executor`` they run
  on other processes or a Dask cluster. When the searches' work is large against the graph
  (or the graph is mostly chains) they run on the graph's *core* (``RoadGraph.core``: chains
  contracted, low-degree nodes eliminated with exact shortcuts, the sources' and targets'
  nodes kept; ``network.contract``, ``network.eliminate``).

Direction: ``toward_sources=True`` gives the time from each target *to* the source (people →
site: searches run on the reversed graph); ``False`` the time *from* the source (a base →
the communes it serves: forward graph). Unreachable is ``NaN`` (or absent from the table),
never a number.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, as_completed, wait
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from ..errors import NetworkError, ParameterError
from ..network.build import spatial_order
from ..network.contract import mostly_chains
from ..network.graph import RoadGraph
from ..progress import progress

log = logging.getLogger(__name__)

#: Bounded searches sharing one window of the graph: sources × window nodes × 8 at most this.
BLOCK_BYTES = 128 * 2**20
#: Distance rows of one ``dijkstra`` call, in bytes: rows this small stay in cache and their
#: memory is reused from call to call (time tables on 46k- and 97k-node graphs ran 10 % and
#: 30 % faster in calls of 4 MB than in calls of 64 MB or more; 1 to 16 MB all did well).
CALL_BYTES = 4 * 2**20
#: Searches run on the graph's core when their work — the nodes within reach of each, summed —
#: reaches this many times the graph's arcs (building the core costs ≈ 0.7 µs per arc, a
#: search ≈ 25-85 ns per node within reach, and runs ≈ 5× faster on the core: synthetic
#: road-like graphs of 5k-390k nodes, 10-600 searches, 20-45 min).
CORE_WORK_PER_ARC = 30
#: Sources sampled to estimate that work.
CORE_WORK_SAMPLE = 1000
#: Partitions submitted to an executor at once (memory: each carries its part of the graph).
PARTITIONS_IN_FLIGHT = 16
#: Searches run this share of the cutoff beyond their bound, so that rounding never drops a
#: pair the final test (legs added, ``<= cutoff``) keeps.
_ROUNDING = 1e-9


@dataclass(frozen=True)
class Snapped:
    """Points attached to a graph: their node and leg (``leg_m`` long, ``leg_s`` to drive);
    ``road_m`` is each point's distance to the nearest road (None: the leg's length).

    On real roads a point splits the road segment it is projected onto: ``ends`` holds the
    segment's two end nodes per point, ``leave_s`` the time from the point to each end (its
    trips start that way), ``arrive_s`` from each end to the point, ``inf`` against a one-way
    road, and ``ends_m`` the distance to each (off-road leg included). ``node``, ``leg_m``
    and ``leg_s`` are then the nearer end's. None: the point joins ``node`` only.
    """

    node: np.ndarray
    leg_m: np.ndarray
    leg_s: np.ndarray
    road_m: np.ndarray | None = None
    ends: np.ndarray | None = None
    ends_m: np.ndarray | None = None
    leave_s: np.ndarray | None = None
    arrive_s: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.node)

    @property
    def off_road_m(self) -> np.ndarray:
        """Distance from each point to the road network (m)."""
        return self.leg_m if self.road_m is None else self.road_m

    def subset(self, index) -> Snapped:
        """The points at ``index`` (positions or boolean mask)."""
        def part(value):
            return None if value is None else value[index]

        return Snapped(self.node[index], self.leg_m[index], self.leg_s[index], part(self.road_m),
                       part(self.ends), part(self.ends_m), part(self.leave_s), part(self.arrive_s))

    def attachments(self, leaving: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every way each point joins the graph, sorted by point: ``(point, node, leg_s,
        leg_m)``, for trips leaving the point (``leaving``) or arriving at it."""
        if self.ends is None:
            return np.arange(len(self)), self.node, self.leg_s, self.leg_m
        assert self.ends_m is not None and self.leave_s is not None and self.arrive_s is not None
        legs_s = self.leave_s if leaving else self.arrive_s
        point, end = np.nonzero(np.isfinite(legs_s))
        return point, self.ends[point, end], legs_s[point, end], self.ends_m[point, end]


def _snap_to_roads(graph: RoadGraph, points: np.ndarray, speed_kmh: float) -> Snapped:
    """Points onto the nearest road segment of the largest strongly connected component
    (``RoadGraph.segments``), splitting it at the projected point: the straight leg to
    it at ``speed_kmh``, then along the segment to either end at that direction's speed."""
    segments = graph.segments
    nearest, road_m, along_m, length_m = segments.nearest(points[:, 0], points[:, 1])
    off_s = road_m / (speed_kmh / 3.6)
    forward, backward = segments.forward_s_per_m[nearest], segments.backward_s_per_m[nearest]
    rest_m = length_m - along_m

    def drive_s(metres, seconds_per_m):  # no time for no distance, even against a one-way
        driven = metres > 0
        return np.where(driven, metres * np.where(driven, seconds_per_m, 0.0), 0.0)

    leave_s = off_s[:, None] + np.column_stack([drive_s(along_m, backward), drive_s(rest_m, forward)])
    arrive_s = off_s[:, None] + np.column_stack([drive_s(along_m, forward), drive_s(rest_m, backward)])
    ends = np.column_stack([segments.low[nearest], segments.high[nearest]])
    ends_m = road_m[:, None] + np.column_stack([along_m, rest_m])
    near = (along_m > rest_m).astype(np.int64)
    rows = np.arange(len(points))
    near_s = np.fmin(leave_s[rows, near], arrive_s[rows, near])
    return Snapped(node=ends[rows, near], leg_m=ends_m[rows, near], leg_s=near_s, road_m=road_m,
                   ends=ends, ends_m=ends_m, leave_s=leave_s, arrive_s=arrive_s)


def snap(graph: RoadGraph, x, y, *, speed_kmh: float) -> Snapped:
    """Attach points (graph CRS) to the graph's largest strongly connected component.

    On real roads (no ``RoadGraph.leg_speed_kmh``) a point goes onto the nearest road segment,
    which it splits: it joins both ends along the segment, as its one-ways allow
    (``_snap_to_roads``). On the proxy network it joins the nearest node by a straight leg at
    that node's own leg speed (a commune's local roads).
    """
    if not speed_kmh > 0:
        raise ParameterError(f"vitesse hors réseau : attendu > 0 km/h, reçu {speed_kmh}")
    if graph.n_nodes == 0:
        raise NetworkError("impossible de raccorder des points à un graphe vide")
    points = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
    if not np.isfinite(points).all():
        raise NetworkError("impossible de raccorder des points sans coordonnées (NaN)")
    if graph.leg_speed_kmh is None and graph.n_arcs:
        return _snap_to_roads(graph, points, float(speed_kmh))
    candidates, tree = graph.snap_index
    leg_m, nearest = tree.query(points)
    leg_m = np.asarray(leg_m, dtype=float).reshape(-1)
    node = candidates[np.asarray(nearest).reshape(-1)]
    speed = graph.leg_speed_kmh[node] if graph.leg_speed_kmh is not None else speed_kmh
    return Snapped(node=node, leg_m=leg_m, leg_s=leg_m / (np.asarray(speed, dtype=float) / 3.6))


def _oriented(graph: RoadGraph, toward_sources: bool) -> sp.csr_matrix:
    return graph.reversed_time_s if toward_sources else graph.time_s


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
        buffers[toward_sources] = _VirtualSourceBuffer(_oriented(graph, toward_sources))
    buffer = buffers[toward_sources]
    shared = buffer.lock.acquire(blocking=False)
    try:
        yield (buffer if shared else _VirtualSourceBuffer(buffer.matrix)).augmented(node, leg_s, starts)
    finally:
        if shared:
            buffer.lock.release()


def _flat(points: Snapped, leaving: bool) -> tuple[Snapped, np.ndarray]:
    """One point per way a point joins the graph (``Snapped.attachments``), and the index of
    the point each comes from (sorted)."""
    if points.ends is None:
        return points, np.arange(len(points))
    point, node, leg_s, leg_m = points.attachments(leaving)
    return Snapped(node, leg_m, leg_s), point


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
        raise ParameterError(f"temps limite : attendu > 0 s, reçu {cutoff_s}")
    member = sp.coo_matrix(groups)
    n_groups = member.shape[0]
    if member.shape[1] != len(sources):
        raise ParameterError(f"les groupes couvrent {member.shape[1]} sources, {len(sources)} attendues")
    nonzero = member.data != 0
    found: tuple[list, list, list] = ([], [], [])
    if len(targets) and nonzero.any():
        flat, of_point = _flat(sources, leaving=not toward_sources)
        # One arc per group and node, with the smallest leg of the group's sources on it.
        group, of_source = member.row[nonzero], member.col[nonzero]
        first_of = np.searchsorted(of_point, np.arange(len(sources) + 1))
        ways = first_of[of_source + 1] - first_of[of_source]
        group = np.repeat(group, ways)
        way = first_of[np.repeat(of_source, ways)] + (np.arange(len(group)) - np.repeat(np.cumsum(ways) - ways, ways))
        node, leg_s = flat.node[way], flat.leg_s[way]
        order = np.lexsort((leg_s, node, group))
        first = np.r_[True, (np.diff(group[order]) != 0) | (np.diff(node[order]) != 0)]
        group, node, leg_s = (a[order][first] for a in (group, node, leg_s))
        starts = np.searchsorted(group, np.arange(n_groups + 1))
        target_point, target_node, target_leg_s, _ = targets.attachments(leaving=toward_sources)
        target_starts = np.searchsorted(target_point, np.arange(len(targets)))
        limit_s = cutoff_s * (1 + _ROUNDING) - float(target_leg_s.min())
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


class _NodeCounter:
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
    count = _NodeCounter(graph)
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


def _core_pays(graph: RoadGraph, nodes: np.ndarray, cutoff_s: float) -> bool:
    """Whether searches from ``nodes`` should run on ``graph.core`` (``CORE_WORK_PER_ARC``):
    always on graphs made mostly of chains, whose core is cheap to build."""
    if mostly_chains(graph):
        return True
    if len(nodes) * graph.n_nodes < CORE_WORK_PER_ARC * graph.n_arcs:
        return False  # not even with the whole graph within reach of every search
    count, radius_m = _NodeCounter(graph), cutoff_s * graph.max_speed_ms
    sample = nodes[np.linspace(0, len(nodes) - 1, min(len(nodes), CORE_WORK_SAMPLE)).astype(np.int64)]
    reach = [min(graph.n_nodes, count(graph.x[v] - radius_m, graph.x[v] + radius_m,
                                      graph.y[v] - radius_m, graph.y[v] + radius_m)) for v in sample]
    return float(np.mean(reach)) * len(nodes) >= CORE_WORK_PER_ARC * graph.n_arcs


def _two_ways(points: Snapped, leaving: bool) -> tuple[np.ndarray, np.ndarray]:
    """Each point's ways into the graph as two slots: nodes ``(n, 2)`` (-1: none) and legs
    ``(n, 2)`` (``inf``: none); a point that does not split a road has its second slot empty."""
    if points.ends is None:
        return (np.column_stack([points.node, np.full(len(points), -1)]),
                np.column_stack([points.leg_s, np.full(len(points), np.inf)]))
    assert points.leave_s is not None and points.arrive_s is not None
    legs_s = points.leave_s if leaving else points.arrive_s
    return np.where(np.isfinite(legs_s), points.ends, -1), legs_s


@dataclass(frozen=True)
class _Starts:
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
    def of(cls, sources: Snapped, leaving: bool) -> _Starts:
        node, legs_s = _two_ways(sources, leaving)
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
        rows = np.repeat(np.arange(len(which)), counts)
        offsets = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
        return self.order[self.start[which][rows] + offsets], rows


@dataclass(frozen=True)
class _Partition:
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


def _partitions(graph: RoadGraph, starts: _Starts, limit_s: float, toward_sources: bool, chunk: int | None,
                block_bytes: int) -> Iterator[_Partition]:
    """Bounded searches from ``starts`` (sources' own legs not added), as partitions of nearby
    searches, each on the part of the graph within their reach. Starts whose leg alone
    exceeds ``limit_s`` are not searched."""
    matrix = _oriented(graph, toward_sources)
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
        yield _Partition(window, sub, local, block, starts.leg_s[block], limit_s)


def bounded_searches(
    graph: RoadGraph, sources: Snapped, *, cutoff_s: float, toward_sources: bool = True,
    chunk: int | None = None, block_bytes: int = BLOCK_BYTES,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """One search per source, bounded by ``cutoff_s``, in blocks of nearby sources.

    Yields ``(source_positions, nodes, time_s)``: ``time_s[i, j]`` is the time between source
    ``source_positions[i]`` (its leg included) and graph node ``nodes[j]``, ``inf`` beyond the
    cutoff. Sources starting alike share one search (``_Starts``); blocks hold at most
    ``chunk`` searches and about ``block_bytes`` of distances, each ``dijkstra`` call about
    ``CALL_BYTES``. Exact: a node reached within the cutoff lies within ``cutoff_s ×
    max_speed_ms`` of its source, and so does every node on the way, so each block searches
    only the part of the graph in that reach.
    """
    if not cutoff_s > 0:
        raise ParameterError(f"temps limite : attendu > 0 s, reçu {cutoff_s}")
    if len(sources) == 0:
        return
    starts = _Starts.of(sources, leaving=not toward_sources)
    for part in _partitions(graph, starts, cutoff_s * (1 + _ROUNDING), toward_sources, chunk, block_bytes):
        for rows, dist in part.calls():
            positions, start_row = starts.sources_of(part.which[rows])
            time_s = dist[start_row] + starts.own_leg_s[positions][:, None]
            time_s[time_s > cutoff_s] = np.inf
            yield positions, part.window, time_s


def _partition_table(part: _Partition, target_at: np.ndarray, target_legs_s: np.ndarray, columns: np.ndarray,
                     cutoff_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """A partition's pairs within ``cutoff_s`` of its targets ``columns``, each reached by
    one or two ways (``target_at`` ``(m, 2)``: window positions, -1 for none or outside;
    ``target_legs_s`` their legs), legs included: ``(start, column, time_s, target_leg_s,
    searches)``, ``start`` indexing the caller's starts, ``time_s`` the time to the target's
    best way without the legs, ``target_leg_s`` that way's leg."""
    found: tuple[list, list, list, list] = ([], [], [], [])
    second = bool((target_at[:, 1] >= 0).any())
    legs_s = np.where(target_at >= 0, target_legs_s, np.inf)
    for rows, dist in part.calls():
        times = dist[:, np.maximum(target_at[:, 0], 0)]
        times[:, target_at[:, 0] < 0] = np.inf
        leg = np.broadcast_to(legs_s[:, 0], times.shape)
        if second:  # the target's other way when it is faster
            other = dist[:, np.maximum(target_at[:, 1], 0)]
            faster = other + legs_s[None, :, 1] < times + legs_s[None, :, 0]
            times = np.where(faster, other, times)
            leg = np.where(faster, legs_s[None, :, 1], leg)
        row, col = np.nonzero(times + (part.legs_s[rows][:, None] + leg) <= cutoff_s)
        for out, values in zip(found, (part.which[rows][row], columns[col], times[row, col], leg[row, col])):
            out.append(values)
    start, column, time_s, leg_s = (np.concatenate(out) if out else np.zeros(0, dtype=dtype)
                                    for out, dtype in zip(found, (np.int64, np.int64, float, float)))
    return start, column, time_s, leg_s, len(part.which)


def _run(tasks: Iterable[tuple], executor: Executor | None) -> Iterator[tuple]:
    """``_partition_table(*task)`` for each task, here or on ``executor`` (at most
    ``PARTITIONS_IN_FLIGHT`` submitted at once: partitions are cut as workers free up)."""
    if executor is None:
        yield from (_partition_table(*task) for task in tasks)
        return
    pending: set = set()
    for task in tasks:
        pending.add(executor.submit(_partition_table, *task))
        if len(pending) >= PARTITIONS_IN_FLIGHT:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from (future.result() for future in done)
    for future in as_completed(pending):
        yield future.result()


def time_table(
    graph: RoadGraph, sources: Snapped, targets: Snapped, *, cutoff_s: float,
    toward_sources: bool = True, source_ids=None, target_ids=None,
    names: tuple[str, str] = ("source", "target"), chunk: int | None = None,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """Sparse long table of every (source, target) pair within ``cutoff_s``, legs included.

    Columns ``names[0]``, ``names[1]`` (positions, or ``source_ids`` / ``target_ids`` when
    given, e.g. ``names=("site_id", "code_insee")``) and ``time_s``. Pairs beyond the cutoff
    or unreachable are absent: never dense ``sources × targets``. ``chunk`` caps the sources
    searched together (see ``bounded_searches``). Large tables run on ``graph.core``
    (``core_pays``: low-degree nodes eliminated, sources' and targets' nodes kept: same times
    up to float rounding). Searches stop at the cutoff less the smallest leg of the sources
    searched together and of all targets. With an ``executor`` (``concurrent.futures``, e.g.
    a ``ProcessPoolExecutor`` or a Dask client's ``get_executor()``) the partitions — nearby
    sources with the part of the graph they can reach — are searched on its workers.
    """
    if not cutoff_s > 0:
        raise ParameterError(f"temps limite : attendu > 0 s, reçu {cutoff_s}")
    found: tuple[list, list, list] = ([], [], [])
    if len(sources) and len(targets):
        starts = _Starts.of(sources, leaving=not toward_sources)
        target_node, target_leg_s = _two_ways(targets, leaving=toward_sources)
        if _core_pays(graph, np.unique(starts.node[:, 0]), cutoff_s):
            nodes = np.concatenate([starts.node.ravel(), target_node.ravel()])
            core = graph.core(nodes[nodes >= 0])
            graph = core.graph
            starts = replace(starts, node=np.where(starts.node >= 0, core.index_of(starts.node), -1))
            target_node = np.where(target_node >= 0, core.index_of(target_node), -1)
        limit_s = cutoff_s * (1 + _ROUNDING) - float(target_leg_s.min())
        partitions = _partitions(graph, starts, limit_s, toward_sources, chunk, BLOCK_BYTES)

        def tasks():
            for part in partitions:
                # The targets with a way in the window and where: only those are kept of each row.
                where = np.minimum(np.searchsorted(part.window, target_node), len(part.window) - 1)
                inside = (part.window[where] == target_node) & (target_node >= 0)
                columns = np.flatnonzero(inside.any(axis=1))
                at = np.where(inside[columns], where[columns], -1)
                yield part, at, target_leg_s[columns], columns, cutoff_s

        with progress(total=len(starts.leg_s), desc="temps de trajet", unit="recherche") as bar:
            for start, column, time_s, leg_s, searches in _run(tasks(), executor):
                positions, of_start = starts.sources_of(start)
                column = column[of_start]
                times = time_s[of_start] + (starts.own_leg_s[positions] + leg_s[of_start])
                keep = times <= cutoff_s
                for out, values in zip(found, (positions[keep], column[keep], times[keep])):
                    out.append(values)
                bar.update(searches)
    source, target, time_s = (np.concatenate(out) if out else np.zeros(0, dtype=dtype)
                              for out, dtype in zip(found, (np.int64, np.int64, float)))
    order = np.lexsort((target, source))
    source, target, time_s = source[order], target[order], time_s[order]
    return pd.DataFrame({
        names[0]: source if source_ids is None else np.asarray(source_ids)[source],
        names[1]: target if target_ids is None else np.asarray(target_ids)[target],
        "time_s": time_s,
    })
