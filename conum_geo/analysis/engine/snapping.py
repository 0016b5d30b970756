"""Points onto the graph: the node(s) each joins and the legs to them (``snap``, ``Snapped``).

On real roads a point goes onto the nearest road segment between ``RoadGraph.snappable`` nodes
(big strongly connected components: ``RoadGraph.segments``) and splits it: it joins both ends, as the segment's
one-ways allow, at each direction's speed. On the proxy network it joins the nearest node by
a straight leg at that node's own leg speed (a commune's local roads).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core.errors import NetworkError, ParameterError
from ...core.messages import says
from ...network.graph import RoadGraph


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

    def ways(self, leaving: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each point's ways into the graph as two slots, for trips leaving the point
        (``leaving``) or arriving at it: nodes ``(n, 2)`` (-1: none), ``leg_s`` and ``leg_m``
        ``(n, 2)`` (``inf``: none). A point that splits no road has its second slot empty."""
        if self.ends is None:
            empty = np.full(len(self), np.inf)
            return (np.column_stack([self.node, np.full(len(self), -1)]), np.column_stack([self.leg_s, empty]),
                    np.column_stack([self.leg_m, empty]))
        assert self.ends_m is not None and self.leave_s is not None and self.arrive_s is not None
        legs_s = self.leave_s if leaving else self.arrive_s
        return np.where(np.isfinite(legs_s), self.ends, -1), legs_s, np.where(np.isfinite(legs_s), self.ends_m, np.inf)

    def attachments(self, leaving: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``ways`` flattened, sorted by point: ``(point, node, leg_s, leg_m)``."""
        node, leg_s, leg_m = self.ways(leaving)
        point, way = np.nonzero(node >= 0)
        return point, node[point, way], leg_s[point, way], leg_m[point, way]


def _snap_to_roads(graph: RoadGraph, points: np.ndarray, speed_kmh: float) -> Snapped:
    """Points onto the nearest road segment of a big strongly connected component
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
    """Attach points (graph CRS) to the graph's big strongly connected components
    (``RoadGraph.snappable``).

    On real roads (no ``RoadGraph.leg_speed_kmh``) a point goes onto the nearest road segment,
    which it splits: it joins both ends along the segment, as its one-ways allow
    (``_snap_to_roads``). On the proxy network it joins the nearest node by a straight leg at
    that node's own leg speed (a commune's local roads).
    """
    if not speed_kmh > 0:
        raise ParameterError(says("leg_speed", value=speed_kmh))
    if graph.n_nodes == 0:
        raise NetworkError(says("empty_graph"))
    points = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
    if not np.isfinite(points).all():
        raise NetworkError(says("points_nan"))
    if graph.leg_speed_kmh is None and graph.n_arcs:
        return _snap_to_roads(graph, points, float(speed_kmh))
    candidates, tree = graph.snap_index
    leg_m, nearest = tree.query(points)
    leg_m = np.asarray(leg_m, dtype=float).reshape(-1)
    node = candidates[np.asarray(nearest).reshape(-1)]
    speed = graph.leg_speed_kmh[node] if graph.leg_speed_kmh is not None else speed_kmh
    return Snapped(node=node, leg_m=leg_m, leg_s=leg_m / (np.asarray(speed, dtype=float) / 3.6))
