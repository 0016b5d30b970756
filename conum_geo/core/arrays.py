"""Small array idioms shared across layers, and integer apportionment (sharing a whole number
of posts in proportion to weights)."""

from __future__ import annotations

import numpy as np


def runs(counts) -> tuple[np.ndarray, np.ndarray]:
    """Items laid out as consecutive runs of ``counts[i]`` items: each item's run and its rank
    within it (``runs([2, 0, 3])`` gives ``[0, 0, 2, 2, 2]`` and ``[0, 1, 0, 1, 2]``)."""
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(len(counts)), counts)
    return owner, np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)


def largest_remainder(weights: np.ndarray, total: int, minimum: int = 1) -> np.ndarray:
    """Integer shares of ``total`` proportional to ``weights``, each at least ``minimum``.

    Hamilton's method: every share gets ``minimum``, then the floor of its exact share of the
    rest, and the units left go to the largest remainders (ties: first in order).
    """
    base = np.full(len(weights), minimum)
    rest = total - base.sum()
    exact = weights / weights.sum() * rest
    shares = base + np.floor(exact).astype(int)
    order = np.argsort(-(exact - np.floor(exact)), kind="stable")
    shares[order[: total - shares.sum()]] += 1
    return shares
