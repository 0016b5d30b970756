"""The core graph large time tables run on: chains contracted, then low-degree nodes
eliminated (``network.eliminate``), the sources' and targets' nodes kept.

A *pass-through* node has exactly one predecessor and one successor, distinct (one-way
chain), or exactly the same two neighbours both ways (two-way chain). Shortest paths cross
such a node the only way they can (no U-turn is ever shorter), so chains of them become
single arcs whose time is the chain's sum: searches between the kept nodes give the same
times (up to float rounding: sums are added in another order) on far fewer nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .eliminate import eliminate
from .graph import RoadGraph

#: Contract only graphs with at least this share of pass-through nodes: below it, building
#: the core costs more than the smaller searches save (a table of 97 sites on a road-like
#: synthetic graph with 30 % of them: 33 ms contracted vs 28.5 ms not; 99 %: 7 vs 25 ms).
MIN_PASS_THROUGH_SHARE = 0.5


@dataclass(frozen=True)
class Core:
    """A contracted graph: ``graph`` over the original nodes ``nodes`` (sorted)."""

    graph: RoadGraph
    nodes: np.ndarray

    def index_of(self, node: np.ndarray) -> np.ndarray:
        """Core index of original nodes (which must be kept)."""
        return np.searchsorted(self.nodes, node)


#: Cores kept per graph (the last few ``keep`` sets, the oldest dropped first).
CORES_CACHED = 4


def core_of(graph: RoadGraph, keep: np.ndarray) -> Core:
    """The core graph large tables search on (``contract``), the last ``CORES_CACHED`` cached
    on the graph, keyed by ``keep``."""
    keep = np.unique(np.asarray(keep, dtype=np.int64))
    cores = graph.__dict__.setdefault("_cores", {})
    key = keep.tobytes()
    if key not in cores:
        if len(cores) >= CORES_CACHED:
            del cores[next(iter(cores))]
        cores[key] = contract(graph, keep)
    return cores[key]


def pass_through(graph: RoadGraph) -> tuple[np.ndarray, np.ndarray]:
    """Pass-through nodes (mask) and, for each arc into one, the arc it continues on (else -1);
    computed once per graph."""
    if "_pass_through" not in graph.__dict__:
        graph.__dict__["_pass_through"] = _pass_through(graph)
    return graph.__dict__["_pass_through"]


def _pass_through(graph: RoadGraph) -> tuple[np.ndarray, np.ndarray]:
    out, into = graph.time_s, graph.reversed_time_s
    n = graph.n_nodes
    if out.nnz == 0:
        return np.zeros(n, dtype=bool), np.zeros(0, dtype=np.int64)
    out_degree, in_degree = np.diff(out.indptr), np.diff(into.indptr)
    node = np.arange(n)
    # First and second neighbour each way (clamped: only read where the degrees match).
    first_out = np.minimum(out.indptr[:-1], out.nnz - 1)
    second_out = np.minimum(first_out + 1, out.nnz - 1)
    first_in = np.minimum(into.indptr[:-1], into.nnz - 1)
    second_in = np.minimum(first_in + 1, into.nnz - 1)
    a_out, b_out = out.indices[first_out], out.indices[second_out]
    a_in, b_in = into.indices[first_in], into.indices[second_in]
    one_way = (out_degree == 1) & (in_degree == 1) & (a_out != a_in) & (a_out != node) & (a_in != node)
    low_out, high_out = np.minimum(a_out, b_out), np.maximum(a_out, b_out)
    low_in, high_in = np.minimum(a_in, b_in), np.maximum(a_in, b_in)
    two_way = ((out_degree == 2) & (in_degree == 2) & (low_out == low_in) & (high_out == high_in)
               & (a_out != node) & (b_out != node))
    through = one_way | two_way
    tail = np.repeat(node, out_degree)
    head = out.indices
    into_through = through[head]
    following = np.full(out.nnz, -1, dtype=np.int64)
    h, t = head[into_through], tail[into_through]
    start = out.indptr[h].astype(np.int64)
    # A two-way node leaves by the arc that does not go back where the path came from.
    following[into_through] = start + (two_way[h] & (out.indices[start] == t))
    return through, following


def mostly_chains(graph: RoadGraph) -> bool:
    """Whether the graph has ``MIN_PASS_THROUGH_SHARE`` of pass-through nodes (checked first on
    degrees alone, which bound that share from above at almost no cost)."""
    if graph.n_nodes == 0:
        return False
    out_degree, in_degree = np.diff(graph.time_s.indptr), np.diff(graph.reversed_time_s.indptr)
    possible = (out_degree == in_degree) & ((out_degree == 1) | (out_degree == 2))
    return possible.mean() >= MIN_PASS_THROUGH_SHARE and pass_through(graph)[0].mean() >= MIN_PASS_THROUGH_SHARE


def contract(graph: RoadGraph, keep: np.ndarray) -> Core:
    """The core graph: chains contracted (``contract_chains``) when the graph is mostly chains,
    then low-degree nodes eliminated (``network.eliminate``), the nodes ``keep`` kept."""
    keep = np.asarray(keep, dtype=np.int64)
    nodes = np.arange(graph.n_nodes)
    if mostly_chains(graph):
        chains = contract_chains(graph, keep)
        graph, nodes = chains.graph, chains.nodes
        keep = chains.index_of(keep)
    core, remaining = eliminate(graph, keep)
    return Core(core, nodes[remaining])


def contract_chains(graph: RoadGraph, keep: np.ndarray) -> Core:
    """The graph keeping every node that is not pass-through, and the nodes ``keep``."""
    through, following = pass_through(graph)
    kept = ~through
    kept[np.asarray(keep, dtype=np.int64)] = True
    matrix = graph.time_s
    tail = np.repeat(np.arange(graph.n_nodes), np.diff(matrix.indptr))
    head = matrix.indices
    # Walk every chain from its kept first node, all chains a step at a time: each walk ends at
    # a kept node (loops made only of pass-through nodes have none and are never entered).
    starts = np.flatnonzero(kept[tail])
    arc, core_time = starts.copy(), matrix.data[starts].copy()
    walking = np.flatnonzero(~kept[head[arc]])
    for _ in range(graph.n_nodes):  # no chain is longer
        if len(walking) == 0:
            break
        arc[walking] = following[arc[walking]]
        core_time[walking] += matrix.data[arc[walking]]
        walking = walking[~kept[head[arc[walking]]]]
    nodes = np.flatnonzero(kept)
    index = np.cumsum(kept) - 1
    # Chains back to where they started are never on a shortest path: dropped.
    ok = tail[starts] != head[arc]
    row, col, core_time = index[tail[starts][ok]], index[head[arc][ok]], core_time[ok]
    m = len(nodes)
    indptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=m), out=indptr[1:])
    core_matrix = sp.csr_matrix((core_time, col, indptr), shape=(m, m))  # rows in order already
    core_matrix.sort_indices()
    # Two chains between the same pair of nodes: keep the faster.
    row = np.repeat(np.arange(m), np.diff(core_matrix.indptr))
    first = np.ones(core_matrix.nnz, dtype=bool)
    first[1:] = (np.diff(core_matrix.indices) != 0) | (np.diff(row) != 0)
    if not first.all():
        indptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(np.bincount(row[first], minlength=m), out=indptr[1:])
        core_matrix = sp.csr_matrix((np.minimum.reduceat(core_matrix.data, np.flatnonzero(first)),
                                     core_matrix.indices[first], indptr), shape=(m, m))
    return Core(RoadGraph(x=graph.x[nodes], y=graph.y[nodes], time_s=core_matrix, source=graph.source,
                          crs=graph.crs), nodes)

