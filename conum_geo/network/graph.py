"""The directed road graph every travel-time computation runs on."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ..core.errors import NetworkError

#: A strongly connected component of fewer nodes is *small*: points do not snap onto it (a
#: car park, a fragment cut off by one-ways), unless it is the largest. OSRM's default
#: (``osrm-extract --small-component-size``): an island with its own road network of this
#: size is a component of its own, reached only through its ferry routes.
SMALL_COMPONENT_NODES = 1000


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
    crs
        The metric CRS of ``x`` and ``y`` (Lambert-93, or the overseas département's).
    provenance
        What the graph was built from (file hash, speed table, parameters); the cache key.
    node_id
        Optional identifier of each node in its source (OSM node id), else ``None``.
    leg_speed_kmh
        Optional speed of the straight leg between a point and each node (the proxy network:
        a commune's own roads), else ``None`` (the off-network speed of the settings).
    """

    x: np.ndarray
    y: np.ndarray
    time_s: sp.csr_matrix
    source: str
    crs: str = "EPSG:2154"
    provenance: dict = field(default_factory=dict)
    node_id: np.ndarray | None = None
    leg_speed_kmh: np.ndarray | None = None

    def __post_init__(self):
        n = len(self.x)
        if len(self.y) != n or self.time_s.shape != (n, n):
            raise NetworkError(
                f"graphe incohérent : {n} x, {len(self.y)} y, matrice {self.time_s.shape}"
            )
        if self.leg_speed_kmh is not None and not (len(self.leg_speed_kmh) == n and (self.leg_speed_kmh > 0).all()):
            raise NetworkError(f"graphe incohérent : {len(self.leg_speed_kmh)} vitesses de raccordement pour {n} nœuds")
        if self.node_id is not None and len(self.node_id) != n:
            raise NetworkError(f"graphe incohérent : {len(self.node_id)} identifiants pour {n} nœuds")
        if self.time_s.nnz and not (np.isfinite(self.time_s.data).all() and (self.time_s.data > 0).all()):
            raise NetworkError("chaque arc doit avoir un temps de parcours fini et positif")
        # scipy.sparse.csgraph works on float64 data and int32 indices: store them so, once.
        matrix = sp.csr_matrix(self.time_s, dtype=np.float64)
        if not matrix.has_canonical_format:
            matrix = matrix.copy()
            matrix.sort_indices()
            row = np.repeat(np.arange(n), np.diff(matrix.indptr))
            if np.any((np.diff(matrix.indices) == 0) & (np.diff(row) == 0)):
                raise NetworkError("arcs en double : garder un arc (le plus rapide) par paire de nœuds")
            matrix.has_canonical_format = True
        if n < np.iinfo(np.int32).max and matrix.nnz < np.iinfo(np.int32).max:
            matrix.indices = matrix.indices.astype(np.int32, copy=False)
            matrix.indptr = matrix.indptr.astype(np.int32, copy=False)
        object.__setattr__(self, "time_s", matrix)

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

    def arcs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Arrays ``(tail, head, time_s)`` of every arc."""
        matrix = self.time_s
        tail = np.repeat(np.arange(self.n_nodes), np.diff(matrix.indptr))
        return tail, matrix.indices.astype(np.int64), matrix.data

    @cached_property
    def max_speed_ms(self) -> float:
        """The highest straight-line speed of any arc (m/s): no trip is faster than this.

        Every arc spans at most ``time × max_speed_ms`` in straight line, so a node reached in
        ``t`` seconds lies within ``t * max_speed_ms`` metres of the start: an exact bound for
        pruning searches in space.
        """
        if self.n_arcs == 0:
            return 0.0
        tail, head, time_s = self.arcs()
        return float(np.max(np.hypot(self.x[head] - self.x[tail], self.y[head] - self.y[tail]) / time_s))

    @cached_property
    def components(self) -> np.ndarray:
        """Each node's strongly connected component (labels, the largest first)."""
        if self.n_nodes == 0:
            return np.zeros(0, dtype=np.int64)
        _, labels = connected_components(self.time_s, directed=True, connection="strong")
        by_size = np.argsort(-np.bincount(labels), kind="stable")
        return np.argsort(by_size)[labels]

    @property
    def largest_scc(self) -> np.ndarray:
        """Boolean mask of the nodes in the largest strongly connected component."""
        return self.components == 0

    @cached_property
    def snappable(self) -> np.ndarray:
        """Boolean mask of the nodes points may snap to: every component of at least
        ``SMALL_COMPONENT_NODES`` nodes, and the largest. On the proxy network (nodes are
        communes, components land masses) every node: an island's points stay on the island."""
        if self.leg_speed_kmh is not None:
            return np.ones(self.n_nodes, dtype=bool)
        sizes = np.bincount(self.components)
        return ((sizes >= SMALL_COMPONENT_NODES) | (np.arange(len(sizes)) == 0))[self.components]

    @cached_property
    def snap_index(self) -> tuple[np.ndarray, cKDTree]:
        """The nodes points may snap to (``snappable``) and a KD-tree over them."""
        candidates = np.flatnonzero(self.snappable)
        # Unbalanced, uncompacted: built 2-3 times faster, same nearest neighbours.
        return candidates, cKDTree(np.column_stack([self.x[candidates], self.y[candidates]]),
                                   balanced_tree=False, compact_nodes=False)

    @cached_property
    def segments(self):
        """The road segments points snap onto: between ``snappable`` nodes, one per pair of
        nodes, with each direction's time per metre (``network.segments.RoadSegments``)."""
        from .segments import RoadSegments

        return RoadSegments.of(self.x, self.y, *self.arcs(), usable=self.snappable)
