"""The road segments points snap onto, and the exact nearest one to each point.

A segment is a pair of nodes of the largest strongly connected component joined by an arc
either way, from its lower to its higher node, with the time per metre of each direction
(``inf`` where that way has no arc). The nearest segment is found with a KD-tree over sample
points laid along the segments at most ``spacing_m`` apart (so every point of a segment lies
within ``spacing_m / 2`` of one of its samples): the segment of the nearest sample gives an
upper bound ``d`` of the distance, and every segment within ``d`` has a sample within
``d + spacing_m / 2``, so the exact nearest is among those candidates. Plain arrays and one
``cKDTree``: on a France-size graph (6.5 M segments) a fraction of the memory of shapely
geometries in an STRtree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from ..core.arrays import runs

#: Sample spacing: this quantile of the segment lengths (most segments get one sample).
SPACING_QUANTILE = 0.9


def node_pairs(tail: np.ndarray, head: np.ndarray, time_s: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One pair per two distinct nodes joined by an arc either way, from the lower node to the
    higher: ``(low, high, forward_s, backward_s)``, each direction's arc time (``inf``: none).
    Arcs must be unique per (tail, head), as a ``RoadGraph``'s are."""
    distinct = tail != head
    tail, head, time_s = tail[distinct], head[distinct], time_s[distinct]
    low, high = np.minimum(tail, head), np.maximum(tail, head)
    order = np.lexsort((high, low))
    low, high, time_s, forward = low[order], high[order], time_s[order], (tail < head)[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (low[1:] != low[:-1]) | (high[1:] != high[:-1])
    pair = np.cumsum(first) - 1
    forward_s, backward_s = np.full(int(first.sum()), np.inf), np.full(int(first.sum()), np.inf)
    forward_s[pair[forward]], backward_s[pair[~forward]] = time_s[forward], time_s[~forward]
    return low[first], high[first], forward_s, backward_s


@dataclass(frozen=True, eq=False)
class RoadSegments:
    """Segments (module doc) and the sample KD-tree over them."""

    x: np.ndarray  # the graph's node coordinates (not copied)
    y: np.ndarray
    low: np.ndarray
    high: np.ndarray
    forward_s_per_m: np.ndarray
    backward_s_per_m: np.ndarray
    sample_segment: np.ndarray
    tree: cKDTree
    spacing_m: float

    @classmethod
    def of(cls, x: np.ndarray, y: np.ndarray, tail: np.ndarray, head: np.ndarray, time_s: np.ndarray,
           usable: np.ndarray) -> RoadSegments:
        """The segments of the arcs ``tail → head`` (``time_s``) between ``usable`` nodes."""
        inside = usable[tail] & usable[head]
        low, high, forward_s, backward_s = node_pairs(tail[inside], head[inside], time_s[inside])
        count = len(low)
        index = np.int32 if len(x) < np.iinfo(np.int32).max else np.int64
        low, high = low.astype(index), high.astype(index)
        ax, ay, bx, by = x[low], y[low], x[high], y[high]
        length_m = np.hypot(bx - ax, by - ay)
        safe_m = np.maximum(length_m, 1e-9)
        spacing_m = max(float(np.quantile(length_m, SPACING_QUANTILE)) if count else 1.0, 1.0)
        per_segment = np.maximum(1, np.ceil(length_m / spacing_m)).astype(np.int64)
        segment, rank = runs(per_segment)
        segment = segment.astype(index)
        fraction = (rank + 0.5) / per_segment[segment]
        samples = np.column_stack([ax[segment] + fraction * (bx - ax)[segment],
                                   ay[segment] + fraction * (by - ay)[segment]])
        tree = cKDTree(samples, balanced_tree=False, compact_nodes=False) if count else cKDTree(np.zeros((0, 2)))
        return cls(x, y, low, high, forward_s / safe_m, backward_s / safe_m, segment, tree, spacing_m)

    def ends_xy(self, segment: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Coordinates of the low and high ends of ``segment``: ``(ax, ay, bx, by)``."""
        low, high = self.low[segment], self.high[segment]
        return self.x[low], self.y[low], self.x[high], self.y[high]

    def __len__(self) -> int:
        return len(self.low)

    def project(self, segment: np.ndarray, px: np.ndarray, py: np.ndarray):
        """Distance from each point to its ``segment``, distance along it from its low end,
        and the segment's length (m)."""
        ax, ay, bx, by = self.ends_xy(segment)
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(length2 > 0, ((px - ax) * dx + (py - ay) * dy) / length2, 0.0)
        t = np.clip(t, 0.0, 1.0)
        dist = np.hypot(px - (ax + t * dx), py - (ay + t * dy))
        length = np.sqrt(length2)
        return dist, t * length, length

    def nearest(self, px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(segment, dist_m, along_m, length_m)`` of the nearest segment to each point
        (module doc; ties to the lowest segment)."""
        points = np.column_stack([px, py])
        _, sample = self.tree.query(points)
        bound_m, _, _ = self.project(self.sample_segment[sample], px, py)
        candidates = self.tree.query_ball_point(points, bound_m * (1 + 1e-12) + self.spacing_m / 2 + 1e-9)
        counts = np.fromiter((len(c) for c in candidates), dtype=np.int64, count=len(candidates))
        flat = np.fromiter((s for c in candidates for s in c), dtype=np.int64, count=int(counts.sum()))
        point = np.repeat(np.arange(len(points)), counts)
        segment = self.sample_segment[flat]
        dist, _, _ = self.project(segment, px[point], py[point])
        order = np.lexsort((segment, dist, point))
        first = np.ones(len(order), dtype=bool)
        first[1:] = point[order][1:] != point[order][:-1]
        best = segment[order][first]
        dist, along, length = self.project(best, px, py)
        return best, dist, along, length
