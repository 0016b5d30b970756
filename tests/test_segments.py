"""The nearest road segment (``network.segments``) against shapely's exact distances."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import shapely

from conum_geo.network.graph import RoadGraph
from conum_geo.network.synthetic import synthetic_road_graph


def shapely_nearest(graph: RoadGraph, px, py):
    """Brute force: every segment as a shapely line, the distance to each, the smallest."""
    ax, ay, bx, by = graph.segments.ends_xy(np.arange(len(graph.segments)))
    lines = shapely.linestrings(np.stack([np.column_stack([ax, ay]), np.column_stack([bx, by])], axis=1))
    points = shapely.points(px, py)
    dist = shapely.distance(points[:, None], lines[None, :])
    best = dist.argmin(axis=1)
    return best, dist[np.arange(len(px)), best], shapely.line_locate_point(lines[best], points)


@pytest.mark.parametrize("seed", range(3))
def test_the_nearest_segment_is_shapelys_nearest(seed):
    # A road-like graph plus a few very long segments (samples far apart along them).
    graph = synthetic_road_graph(1500, seed=seed)
    rng = np.random.default_rng(seed)
    tail, head, time_s = graph.arcs()
    far = rng.choice(graph.n_nodes, (6, 2))
    tail, head = np.r_[tail, far[:, 0], far[:, 1]], np.r_[head, far[:, 1], far[:, 0]]
    time_s = np.r_[time_s, np.full(12, 900.0)]
    keep = tail != head
    matrix = sp.coo_matrix((time_s[keep], (tail[keep], head[keep])), shape=(graph.n_nodes,) * 2).tocsr()
    matrix.sum_duplicates()
    graph = RoadGraph(x=graph.x, y=graph.y, time_s=matrix, source="test")
    lo, hi = np.min(graph.x), np.max(graph.x)
    px, py = rng.uniform(lo - 2000, hi + 2000, 400), rng.uniform(lo - 2000, hi + 2000, 400)

    segment, dist, along, length = graph.segments.nearest(px, py)

    want, want_dist, want_along = shapely_nearest(graph, px, py)
    np.testing.assert_allclose(dist, want_dist, rtol=1e-9, atol=1e-6)
    same = segment == want  # ties aside (equal distances), the same segment and place on it
    assert same.mean() > 0.95
    np.testing.assert_allclose(along[same], want_along[same], rtol=1e-9, atol=1e-6)
    ax, ay, bx, by = graph.segments.ends_xy(segment)
    np.testing.assert_allclose(length, np.hypot(bx - ax, by - ay))


def test_each_direction_keeps_its_own_time_per_metre():
    # 0 — 1 100 m: 0 → 1 10 s, 1 → 0 20 s; 1 → 2 one way, 50 s for 100 m.
    matrix = sp.csr_matrix(([10.0, 20.0, 50.0, 5.0], ([0, 1, 1, 2], [1, 0, 2, 0])), shape=(3, 3))
    graph = RoadGraph(x=np.array([0.0, 100.0, 100.0]), y=np.array([0.0, 0.0, 100.0]), time_s=matrix, source="test")
    s = graph.segments
    pairs = {(int(a), int(b)): (f, g) for a, b, f, g in zip(s.low, s.high, s.forward_s_per_m, s.backward_s_per_m)}
    assert pairs[(0, 1)] == pytest.approx((0.1, 0.2))
    assert pairs[(1, 2)][0] == pytest.approx(0.5) and np.isinf(pairs[(1, 2)][1])
    assert pairs[(0, 2)][0] == np.inf and pairs[(0, 2)][1] == pytest.approx(5.0 / np.hypot(100, 100))
