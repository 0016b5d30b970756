"""Small array idioms shared across layers."""

from __future__ import annotations

import numpy as np


def runs(counts) -> tuple[np.ndarray, np.ndarray]:
    """Items laid out as consecutive runs of ``counts[i]`` items: each item's run and its rank
    within it (``runs([2, 0, 3])`` gives ``[0, 0, 2, 2, 2]`` and ``[0, 1, 0, 1, 2]``)."""
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(len(counts)), counts)
    return owner, np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
