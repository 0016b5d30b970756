"""The directed road graph every travel-time computation runs on."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..errors import NetworkError


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """A directed graph with arc weights in seconds and node coordinates in a metric CRS.

    Attributes
    ----------
    x, y
        Node coordinates (metres, ``crs``).
    time_s
        CSR matrix, ``time_s[i, j]`` is the travel time of arc i → j in seconds (> 0).
    source
        ``"proxy"``, ``"osm"`` or ``"bdtopo"``.
    provenance
        What the graph was built from (file hash, speed table, parameters); the cache key.
    """

    x: np.ndarray
    y: np.ndarray
    time_s: sp.csr_matrix
    source: str
    crs: str = "EPSG:2154"
    provenance: dict = field(default_factory=dict)

    def __post_init__(self):
        n = len(self.x)
        if len(self.y) != n or self.time_s.shape != (n, n):
            raise NetworkError(
                f"inconsistent graph: {n} x, {len(self.y)} y, matrix {self.time_s.shape}"
            )
        if self.time_s.nnz and not (np.isfinite(self.time_s.data).all() and (self.time_s.data > 0).all()):
            raise NetworkError("every arc must have a finite positive travel time")

    @property
    def n_nodes(self) -> int:
        return len(self.x)

    @property
    def n_arcs(self) -> int:
        return int(self.time_s.nnz)

    @cached_property
    def reversed_time_s(self) -> sp.csr_matrix:
        """The transpose as CSR: searches on it give times *towards* the sources."""
        return self.time_s.T.tocsr()

    @cached_property
    def largest_scc(self) -> np.ndarray:
        """Boolean mask of the nodes in the largest strongly connected component."""
        if self.n_nodes == 0:
            return np.zeros(0, dtype=bool)
        _, labels = connected_components(self.time_s, directed=True, connection="strong")
        return labels == np.bincount(labels).argmax()
