"""Travel-time engine: snapping and shortest paths on a CSR graph.

All searches run in ``scipy.sparse.csgraph`` (compiled Dijkstra on the graph's CSR arrays).
A point (site or commune origin) is snapped to the nearest node of the graph's largest
strongly connected component; its off-network leg (straight distance at a stated speed) is
part of every time it takes part in.

- ``nearest_source``: one multi-source sweep gives every target its nearest source and the
  time. Sources enter through one *virtual node* each, joined to their snapped node by an arc
  weighted by their leg, so the sweep is exact with legs and says which source won.
- ``group_time_table``: one multi-source search per group of sources (sources that open and
  close together, e.g. an employer's sites), bounded by ``cutoff_s``: every target's time to
  the nearest source of each group.
- ``time_table``: one search per source node bounded by ``cutoff_s`` (``limit=``), giving
  the sparse long table ``(source, target, time_s)`` of pairs within the cutoff. Searches run
  in blocks of sources close to each other, each on the part of the graph that can be
  reached in time (``RoadGraph.max_speed_ms`` bounds how far a trip goes; the whole graph at
  département scale), in ``dijkstra`` calls of a few megabytes whose rows are cut down to
  the targets' columns at once, so memory stays bounded and large graphs are not swept
  whole for every source. On graphs made mostly of chains the searches run on the graph's
  *core* (``RoadGraph.core``: chains of pass-through nodes contracted into single arcs, the
  sources' and targets' nodes kept; ``network.contract``).

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
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra

from ..errors import NetworkError, ParameterError
from ..network.build import spatial_order
from ..network.contract import worth_contracting
from ..network.graph import RoadGraph

log = logging.getLogger(__name__)

#: Bounded searches sharing one window of the graph: sources × window nodes × 8 at most this.
BLOCK_BYTES = 128 * 2**20
#: Distance rows of one ``dijkstra`` call, in bytes: rows this small stay in cache and their
#: memory is reused from call to call (time tables on 46k- and 97k-node graphs ran 10 % and
#: 30 % faster in calls of 4 MB than in calls of 64 MB or more; 1 to 16 MB all did well).
CALL_BYTES = 4 * 2**20
#: Searches run this share of the cutoff beyond their bound, so that rounding never drops a
#: pair the final test (legs added, ``<= cutoff``) keeps.
_ROUNDING = 1e-9


@dataclass(frozen=True)
class Snapped:
    """Points attached to a graph: their node and leg (``leg_m`` long, ``leg_s`` to drive);
    ``road_m`` is each point's distance to the nearest road (None: the leg's length)."""

    node: np.ndarray
    leg_m: np.ndarray
    leg_s: np.ndarray
    road_m: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.node)

    @property
    def off_road_m(self) -> np.ndarray:
        """Distance from each point to the road network (m)."""
        return self.leg_m if self.road_m is None else self.road_m

    def subset(self, index) -> Snapped:
        """The points at ``index`` (positions or boolean mask)."""
        return Snapped(self.node[index], self.leg_m[index], self.leg_s[index],
                       None if self.road_m is None else self.road_m[index])


def _snap_to_roads(graph: RoadGraph, points: np.ndarray, speed_kmh: float) -> Snapped:
    """Points onto the nearest road segment of the largest strongly connected component
    (``RoadGraph.segment_index``): the leg is the straight line to the projected point, at
    ``speed_kmh``, then along the segment to its nearer end node at the segment's own speed."""
    (tail, head, seconds_per_m, lines), tree = graph.segment_index
    geoms = shapely.points(points)
    where, dist = tree.query_nearest(geoms, return_distance=True, all_matches=False)
    nearest = np.empty(len(points), dtype=np.int64)
    road_m = np.empty(len(points))
    nearest[where[0]], road_m[where[0]] = where[1], dist
    length_m = shapely.length(lines[nearest])
    along_m = shapely.line_locate_point(lines[nearest], geoms)
    to_tail = along_m <= length_m - along_m
    node = np.where(to_tail, tail[nearest], head[nearest])
    along = np.where(to_tail, along_m, length_m - along_m)
    leg_s = road_m / (speed_kmh / 3.6) + along * seconds_per_m[nearest]
    return Snapped(node=node, leg_m=road_m + along, leg_s=leg_s, road_m=road_m)


def snap(graph: RoadGraph, x, y, *, speed_kmh: float) -> Snapped:
    """Attach points (graph CRS) to the graph's largest strongly connected component.

    On real roads (no ``RoadGraph.leg_speed_kmh``) a point goes onto the nearest road segment
    and joins its nearer end node along it (``_snap_to_roads``; the arc is not split: a route
    leaving by the far end drives the piece twice). On the proxy network it joins the nearest
    node by a straight leg at that node's own leg speed (a commune's local roads).
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


def _sweep_all(graph: RoadGraph, sources: Snapped, toward_sources: bool,
               limit_s: float) -> tuple[np.ndarray, np.ndarray]:
    """One multi-source search from the sources' virtual nodes (at least one source).

    Returns ``(time_s, origin)`` over the nodes of the augmented graph (virtual nodes last):
    ``origin`` is the winning virtual node where ``time_s`` is finite.
    """
    n, k = graph.n_nodes, len(sources)
    with _augmented(graph, toward_sources, sources.node, sources.leg_s, np.arange(k + 1)) as matrix:
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
    node_time = dist[targets.node]  # only the targets' nodes: never a pass over the whole graph
    reached = np.isfinite(node_time)
    if not reached.all():
        log.info("%d of %d targets reach no source", int((~reached).sum()), len(targets))
    time_s = np.where(reached, node_time + targets.leg_s, np.nan)
    source_index = np.where(reached, origin[targets.node] - graph.n_nodes, -1)
    return time_s, source_index


def group_time_table(
    graph: RoadGraph, sources: Snapped, groups: sp.csr_matrix, targets: Snapped, *, cutoff_s: float,
    toward_sources: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time between every target and the nearest source of each group, within ``cutoff_s``.

    ``groups`` (groups × sources, nonzero where the source belongs to the group; a source may
    belong to several) gathers sources that open and close together, e.g. the sites of one
    employer's posts. Each group enters the graph through one virtual node with an arc (its
    leg) to each member's node, and one bounded search runs per group: when sources only ever
    change by whole groups this replaces one search per source (``time_table``), and what is
    nearest among any union of groups is the smallest of its groups' times. Returns
    ``(group, target, time_s)`` arrays of the pairs within the cutoff, legs included, sorted
    by group then target.
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
        # One arc per group and node, with the smallest leg of the group's sources on it.
        group, of_source = member.row[nonzero], member.col[nonzero]
        node, leg_s = sources.node[of_source], sources.leg_s[of_source]
        order = np.lexsort((leg_s, node, group))
        first = np.r_[True, (np.diff(group[order]) != 0) | (np.diff(node[order]) != 0)]
        group, node, leg_s = (a[order][first] for a in (group, node, leg_s))
        starts = np.searchsorted(group, np.arange(n_groups + 1))
        limit_s = cutoff_s * (1 + _ROUNDING) - float(targets.leg_s.min())
        n = graph.n_nodes
        with _augmented(graph, toward_sources, node, leg_s, starts) as matrix:
            rows = max(1, CALL_BYTES // (8 * matrix.shape[0]))
            for start in range(0, n_groups, rows):
                stop = min(n_groups, start + rows)
                dist = dijkstra(matrix, directed=True, indices=np.arange(n + start, n + stop), limit=limit_s)
                time_s = np.atleast_2d(dist)[:, targets.node] + targets.leg_s
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


@dataclass(frozen=True)
class _SharedNodes:
    """Sources grouped by node: one search per distinct node serves all the sources on it."""

    node: np.ndarray  # distinct source nodes
    leg_s: np.ndarray  # smallest leg among each node's sources
    order: np.ndarray  # source positions sorted by node...
    start: np.ndarray  # ...those on node k are order[start[k]:start[k + 1]]

    @classmethod
    def of(cls, sources: Snapped) -> _SharedNodes:
        node, of_source = np.unique(sources.node, return_inverse=True)
        of_source = of_source.reshape(-1)
        leg_s = np.full(len(node), np.inf)
        np.minimum.at(leg_s, of_source, sources.leg_s)
        order = np.argsort(of_source, kind="stable")
        return cls(node, leg_s, order, np.searchsorted(of_source[order], np.arange(len(node) + 1)))

    def sources_of(self, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the sources on nodes ``which`` and, for each, its node's index in ``which``."""
        counts = self.start[which + 1] - self.start[which]
        rows = np.repeat(np.arange(len(which)), counts)
        offsets = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
        return self.order[self.start[which][rows] + offsets], rows


def _searches(graph: RoadGraph, nodes: np.ndarray, legs_s: np.ndarray, limit_s: float,
              toward_sources: bool, chunk: int | None, block_bytes: int):
    """Bounded searches from distinct ``nodes``, block by block, legs not added.

    Yields ``(window, calls)`` per block: the graph nodes it searches, and an iterator of
    ``(which, dist)`` per ``dijkstra`` call: ``dist[i, j]`` is the time between
    ``nodes[which[i]]`` and node ``window[j]``, ``inf`` where it exceeds ``limit_s`` minus the
    smallest of ``legs_s[which]``. Nodes whose leg alone exceeds ``limit_s`` are not searched.
    """
    matrix = _oriented(graph, toward_sources)
    radius_m = max(limit_s, 0.0) * graph.max_speed_ms
    searched = np.flatnonzero(legs_s <= limit_s)
    if len(searched) == 0:
        return
    for block in _plan_blocks(graph, nodes[searched], radius_m, block_bytes, chunk):
        block = searched[block]
        window = _reach_window(graph, nodes[block], radius_m)
        if window is None:
            sub, window, local = matrix, np.arange(graph.n_nodes), nodes[block]
        else:
            sub, local = matrix[window][:, window], np.searchsorted(window, nodes[block])
        # Calls take sources of similar legs, so that each stops close to its sources' bound.
        by_leg = np.argsort(legs_s[block], kind="stable")
        yield window, _calls(sub, local[by_leg], block[by_leg], legs_s, limit_s,
                             max(1, CALL_BYTES // (8 * len(window))))


def _calls(matrix: sp.csr_matrix, local: np.ndarray, which: np.ndarray, legs_s: np.ndarray,
           limit_s: float, rows: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``dijkstra`` from ``local`` nodes of ``matrix``, ``rows`` at a time (see ``_searches``)."""
    for start in range(0, len(which), rows):
        part = which[start:start + rows]
        dist = dijkstra(matrix, directed=True, indices=local[start:start + rows],
                        limit=limit_s - float(legs_s[part].min()))
        yield part, np.atleast_2d(dist)


def bounded_searches(
    graph: RoadGraph, sources: Snapped, *, cutoff_s: float, toward_sources: bool = True,
    chunk: int | None = None, block_bytes: int = BLOCK_BYTES,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """One search per source, bounded by ``cutoff_s``, in blocks of nearby sources.

    Yields ``(source_positions, nodes, time_s)``: ``time_s[i, j]`` is the time between source
    ``source_positions[i]`` (its leg included) and graph node ``nodes[j]``, ``inf`` beyond the
    cutoff. Sources on one node share one search; blocks hold at most ``chunk`` searches and
    about ``block_bytes`` of distances, each ``dijkstra`` call about ``CALL_BYTES``. Exact: a
    node reached within the cutoff lies within ``cutoff_s × max_speed_ms`` of its source, and
    so does every node on the way, so each block searches only the part of the graph in that
    reach.
    """
    if not cutoff_s > 0:
        raise ParameterError(f"temps limite : attendu > 0 s, reçu {cutoff_s}")
    if len(sources) == 0:
        return
    shared = _SharedNodes.of(sources)
    for window, calls in _searches(graph, shared.node, shared.leg_s, cutoff_s * (1 + _ROUNDING),
                                   toward_sources, chunk, block_bytes):
        for which, dist in calls:
            positions, node_row = shared.sources_of(which)
            time_s = dist[node_row] + sources.leg_s[positions][:, None]
            time_s[time_s > cutoff_s] = np.inf
            yield positions, window, time_s


def time_table(
    graph: RoadGraph, sources: Snapped, targets: Snapped, *, cutoff_s: float,
    toward_sources: bool = True, source_ids=None, target_ids=None,
    names: tuple[str, str] = ("source", "target"), chunk: int | None = None,
) -> pd.DataFrame:
    """Sparse long table of every (source, target) pair within ``cutoff_s``, legs included.

    Columns ``names[0]``, ``names[1]`` (positions, or ``source_ids`` / ``target_ids`` when
    given, e.g. ``names=("site_id", "code_insee")``) and ``time_s``. Pairs beyond the cutoff
    or unreachable are absent: never dense ``sources × targets``. ``chunk`` caps the sources
    searched together (see ``bounded_searches``). Searches run on ``graph.core`` when that pays
    (``network.contract.worth_contracting``; chains of pass-through nodes contracted, sources'
    and targets' nodes kept: same times up to float rounding) and stop at the cutoff less the
    smallest leg of the sources searched together and of all targets.
    """
    if not cutoff_s > 0:
        raise ParameterError(f"temps limite : attendu > 0 s, reçu {cutoff_s}")
    found: tuple[list, list, list] = ([], [], [])
    if len(sources) and len(targets):
        if worth_contracting(graph):
            # Searches run on the core graph: chains of pass-through nodes contracted, the
            # sources' and targets' nodes kept.
            core = graph.core(np.concatenate([sources.node, targets.node]))
            graph = core.graph
            sources, targets = (Snapped(core.index_of(p.node), p.leg_m, p.leg_s) for p in (sources, targets))
        shared = _SharedNodes.of(sources)
        target_nodes, target_of = np.unique(targets.node, return_inverse=True)
        target_of = target_of.reshape(-1)
        limit_s = cutoff_s * (1 + _ROUNDING) - float(targets.leg_s.min())
        for window, calls in _searches(graph, shared.node, shared.leg_s, limit_s, toward_sources,
                                       chunk, BLOCK_BYTES):
            # The targets in the window and their columns: only those are kept of each row.
            where = np.minimum(np.searchsorted(window, target_nodes), len(window) - 1)
            columns = np.flatnonzero((window[where] == target_nodes)[target_of])
            at = where[target_of[columns]]
            for which, dist in calls:
                positions, node_row = shared.sources_of(which)
                times = dist[:, at][node_row]
                times += sources.leg_s[positions][:, None] + targets.leg_s[columns][None, :]
                rows, cols = np.nonzero(times <= cutoff_s)
                for out, values in zip(found, (positions[rows], columns[cols], times[rows, cols])):
                    out.append(values)
    source, target, time_s = (np.concatenate(out) if out else np.zeros(0, dtype=dtype)
                              for out, dtype in zip(found, (np.int64, np.int64, float)))
    order = np.lexsort((target, source))
    source, target, time_s = source[order], target[order], time_s[order]
    return pd.DataFrame({
        names[0]: source if source_ids is None else np.asarray(source_ids)[source],
        names[1]: target if target_ids is None else np.asarray(target_ids)[target],
        "time_s": time_s,
    })
