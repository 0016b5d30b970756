"""Road polylines → ``RoadGraph``: topology, simplification, arc times, node order.

Every real source (OSM, BD TOPO) hands this module the same thing: polylines in a metric
CRS, an identity key per vertex (vertices with equal keys are the same graph node), a speed
and a direction per polyline. The graph is built as follows:

- a vertex is a *junction* when it ends a polyline or its key occurs more than once;
- between junctions, interior vertices are dropped when the line stays within
  ``simplify_m`` of them (Douglas-Peucker) and the kept vertices stay about
  ``max_spacing_m`` apart at most, so that arcs drawn straight between nodes follow the road
  and points snap to a nearby node. Dropping a vertex never changes a travel time: an arc's
  length is the length of the polyline it replaces;
- arc time = length / speed; one arc per direction allowed; between two nodes the fastest
  arc is kept; arcs never last less than ``MIN_ARC_S``;
- nodes are numbered along a Z-order curve so that neighbours sit close in memory (faster
  searches).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from ..core.arrays import runs
from ..core.errors import NetworkError
from .graph import RoadGraph

log = logging.getLogger(__name__)

#: Shortest arc time (s): zero-length arcs (duplicate points) still take this long.
MIN_ARC_S = 1e-3
#: Default Douglas-Peucker tolerance (m) and largest gap between kept vertices (m).
SIMPLIFY_M = 10.0
MAX_SPACING_M = 200.0


def spatial_order(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Permutation that sorts points along a Z-order (Morton) curve."""
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)

    def spread(v: np.ndarray) -> np.ndarray:
        v = v.astype(np.uint64) & np.uint64(0xFFFF)
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
        return (v | (v << np.uint64(1))) & np.uint64(0x55555555)

    def scaled(v: np.ndarray) -> np.ndarray:
        span = max(float(v.max() - v.min()), 1e-9)
        return np.floor((v - v.min()) / span * 65535.0)

    return np.argsort(spread(scaled(x)) | (spread(scaled(y)) << np.uint64(1)), kind="stable")


def split_polylines(offsets: np.ndarray, keep: np.ndarray):
    """Cut polylines where vertices are dropped; pieces shorter than two vertices go.

    Returns ``(vertex, offsets, parent)``: the flat indices of the kept vertices, the offsets
    of the pieces over them, and the original polyline of each piece.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    keep = np.asarray(keep, dtype=bool)
    is_start = np.zeros(len(keep), dtype=bool)
    is_start[offsets[:-1][np.diff(offsets) > 0]] = True
    previous_kept = np.concatenate([[False], keep[:-1]])
    starts_piece = keep & (is_start | ~previous_kept)
    piece = np.cumsum(starts_piece) - 1
    vertex = np.flatnonzero(keep)
    sizes = np.bincount(piece[vertex], minlength=int(starts_piece.sum()))
    long_enough = sizes >= 2
    vertex = vertex[long_enough[piece[vertex]]]
    sizes = sizes[long_enough]
    line = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    parent = line[np.flatnonzero(starts_piece)[long_enough]]
    return vertex, np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64), parent


def graph_from_arcs(
    x: np.ndarray, y: np.ndarray, tail: np.ndarray, head: np.ndarray, time_s: np.ndarray, *,
    source: str, crs: str, provenance: dict, node_id: np.ndarray | None = None,
) -> RoadGraph:
    """A ``RoadGraph`` from arcs over nodes ``0..len(x)-1``: drops loops, unused nodes and
    slower parallel arcs, floors times at ``MIN_ARC_S``, orders nodes spatially.

    The CSR arrays are written directly from the sorted arcs (no COO conversion), with int32
    indices, so that national graphs build without large temporaries.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.asarray(tail) != np.asarray(head)
    tail, head = np.asarray(tail)[keep], np.asarray(head)[keep]
    time_s = np.maximum(np.asarray(time_s, dtype=float)[keep], MIN_ARC_S)
    used = np.zeros(len(x), dtype=bool)
    used[tail] = used[head] = True
    used = np.flatnonzero(used)
    order = used[spatial_order(x[used], y[used])]
    n = len(order)
    index_type = np.int32 if n < np.iinfo(np.int32).max else np.int64
    new_index = np.full(len(x), -1, dtype=index_type)
    new_index[order] = np.arange(n, dtype=index_type)
    tail, head = new_index[tail], new_index[head]
    by = np.lexsort((time_s, head, tail))
    tail, head, time_s = tail[by], head[by], time_s[by]
    del by
    first = np.ones(len(tail), dtype=bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    tail, head, time_s = tail[first], head[first], time_s[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=n), out=indptr[1:])
    matrix = sp.csr_matrix((time_s, head, indptr.astype(index_type)), shape=(n, n))
    return RoadGraph(
        x=x[order], y=y[order], time_s=matrix, source=source, crs=crs, provenance=provenance,
        node_id=None if node_id is None else np.asarray(node_id)[order],
    )


#: Douglas-Peucker runs on chains of at most about this many vertices at a time (memory).
DP_BATCH_VERTICES = 1_000_000


def _kept_by_douglas_peucker(x, y, junction_at, tolerance_m: float) -> np.ndarray:
    """Flat vertex indices Douglas-Peucker keeps between consecutive junctions, in batches of
    chains (``DP_BATCH_VERTICES``) so that the geometries and the matching stay small."""
    same_line = junction_at[1:] - junction_at[:-1] > 1
    starts, ends = junction_at[:-1][same_line], junction_at[1:][same_line]
    if len(starts) == 0:
        return np.zeros(0, dtype=np.int64)
    batch = np.cumsum(ends - starts + 1) // DP_BATCH_VERTICES
    cuts = np.flatnonzero(np.diff(batch)) + 1
    return np.concatenate([_kept_in_chains(x, y, s, e, tolerance_m)
                           for s, e in zip(np.split(starts, cuts), np.split(ends, cuts))])


def _kept_in_chains(x, y, starts, ends, tolerance_m: float) -> np.ndarray:
    sizes = ends - starts + 1
    chain, rank = runs(sizes)
    flat = starts[chain] + rank
    lines = shapely.linestrings(x[flat], y[flat], indices=chain)
    simple = shapely.simplify(lines, tolerance_m, preserve_topology=False)
    coords, owner = shapely.get_coordinates(simple, return_index=True)
    kept = pd.DataFrame({"chain": owner, "x": coords[:, 0], "y": coords[:, 1]}).drop_duplicates()
    every = pd.DataFrame({"chain": chain, "x": x[flat], "y": y[flat], "vertex": flat})
    return every.merge(kept, on=["chain", "x", "y"])["vertex"].to_numpy()


def graph_from_polylines(
    x: np.ndarray, y: np.ndarray, offsets: np.ndarray, keys: np.ndarray,
    speed_kmh: np.ndarray, direction: np.ndarray, *, source: str, crs: str, provenance: dict,
    keys_are_ids: bool = False, simplify_m: float = SIMPLIFY_M,
    max_spacing_m: float = MAX_SPACING_M,
) -> RoadGraph:
    """Build a graph from polylines (see module doc).

    Parameters
    ----------
    x, y
        Vertex coordinates (metres), all polylines one after the other.
    offsets
        Polyline ``i`` is ``x[offsets[i]:offsets[i + 1]]``.
    keys
        Vertex identity (int64): equal keys are one node.
    speed_kmh, direction
        Per polyline: speed (> 0) and ``+1`` along the vertex order, ``-1`` against it,
        ``0`` both ways.
    keys_are_ids
        Keep ``keys`` as the graph's ``node_id`` (OSM node ids).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    offsets = np.asarray(offsets, dtype=np.int64)
    keys = np.asarray(keys, dtype=np.int64)
    speed_kmh, direction = np.asarray(speed_kmh, dtype=float), np.asarray(direction)
    sizes = np.diff(offsets)
    if (sizes < 2).any():
        raise NetworkError("chaque polyligne doit avoir au moins deux sommets")
    if not (np.isfinite(speed_kmh).all() and (speed_kmh > 0).all()):
        raise NetworkError("chaque polyligne doit avoir une vitesse finie > 0 km/h")
    n_lines, n_vertices = len(sizes), len(x)
    if n_lines == 0:
        raise NetworkError("aucune route carrossable dans les données")

    line = np.repeat(np.arange(n_lines), sizes)
    is_start = np.zeros(n_vertices, dtype=bool)
    is_start[offsets[:-1]] = True
    is_end = np.zeros(n_vertices, dtype=bool)
    is_end[offsets[1:] - 1] = True
    step_m = np.hypot(np.diff(x), np.diff(y))
    step_m[is_end[:-1]] = 0.0
    along_m = np.concatenate([[0.0], np.cumsum(step_m)])
    along_m -= np.repeat(along_m[offsets[:-1]], sizes)

    node_keys, node_of = np.unique(keys, return_inverse=True)
    junction = is_start | is_end | (np.bincount(node_of)[node_of] > 1)
    kept = junction.copy()
    if simplify_m > 0:
        kept[_kept_by_douglas_peucker(x, y, np.flatnonzero(junction), simplify_m)] = True
        if max_spacing_m > 0:
            bucket = np.floor(along_m / max_spacing_m)
            kept[1:] |= (bucket[1:] != bucket[:-1]) & ~is_start[1:]
    else:
        kept[:] = True

    at = np.flatnonzero(kept)
    pair = line[at[1:]] == line[at[:-1]]
    a, b = at[:-1][pair], at[1:][pair]
    time_s = (along_m[b] - along_m[a]) / (speed_kmh[line[a]] / 3.6)
    forward = direction[line[a]] >= 0
    backward = direction[line[a]] <= 0
    tail = np.concatenate([node_of[a][forward], node_of[b][backward]])
    head = np.concatenate([node_of[b][forward], node_of[a][backward]])
    times = np.concatenate([time_s[forward], time_s[backward]])

    first = np.full(len(node_keys), -1, dtype=np.int64)
    first[node_of[::-1]] = np.arange(n_vertices)[::-1]
    graph = graph_from_arcs(
        x[first], y[first], tail, head, times, source=source, crs=crs, provenance=provenance,
        node_id=node_keys if keys_are_ids else None,
    )
    log.info("%s graph: %d polylines, %d vertices → %d nodes, %d arcs",
             source, n_lines, n_vertices, graph.n_nodes, graph.n_arcs)
    return graph
