"""Douglas–Peucker in batches of chains builds the very same graph as in one go."""

from __future__ import annotations

import numpy as np

import conum_geo.network.build as build


def _polylines(seed: int):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 40, 300)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    starts = rng.uniform(0, 50_000, (len(sizes), 2))
    steps = rng.normal(0, 60, (int(offsets[-1]), 2))
    xy = np.repeat(starts, sizes, axis=0) + np.cumsum(steps, axis=0) - np.repeat(
        np.cumsum(steps, axis=0)[offsets[:-1]], sizes, axis=0)
    keys = np.arange(int(offsets[-1]), dtype=np.int64)
    keys[rng.integers(0, len(keys), 400)] = rng.integers(0, 200, 400)  # shared vertices: junctions
    return xy[:, 0], xy[:, 1], offsets, keys, rng.uniform(20, 90, len(sizes)), rng.integers(-1, 2, len(sizes))


def test_batches_change_nothing(monkeypatch):
    for seed in range(3):
        args = _polylines(seed)
        whole = build.graph_from_polylines(*args, source="test", crs="EPSG:2154", provenance={})
        monkeypatch.setattr(build, "DP_BATCH_VERTICES", 57)
        batched = build.graph_from_polylines(*args, source="test", crs="EPSG:2154", provenance={})
        monkeypatch.undo()
        assert np.array_equal(whole.x, batched.x) and np.array_equal(whole.y, batched.y)
        assert (whole.time_s != batched.time_s).nnz == 0 and whole.n_arcs == batched.n_arcs > 100
