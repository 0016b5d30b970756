"""Time tables: every (source, target) pair within a cutoff, one bounded search per start
(``time_table``), and the searches' rows themselves (``bounded_searches``).

Partitions (``partitions``) are searched here or on an ``executor``; large tables run on the
graph's core (``RoadGraph.core``: chains contracted, low-degree nodes eliminated with exact
shortcuts, the sources' and targets' nodes kept) when ``_core_pays``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, as_completed, wait
from dataclasses import replace

import numpy as np
import pandas as pd

from ...core.errors import ParameterError
from ...core.messages import says
from ...core.progress import progress
from ...network.contract import core_of, mostly_chains
from ...network.graph import RoadGraph
from .partitions import BLOCK_BYTES, ROUNDING, NodeCounter, Partition, Starts, plan_partitions
from .snapping import Snapped

#: Searches run on the graph's core when their work — the nodes within reach of each, summed —
#: reaches this many times the graph's arcs (building the core costs ≈ 0.7 µs per arc, a
#: search ≈ 25-85 ns per node within reach, and runs ≈ 5× faster on the core: synthetic
#: road-like graphs of 5k-390k nodes, 10-600 searches, 20-45 min).
CORE_WORK_PER_ARC = 30
#: Sources sampled to estimate that work.
CORE_WORK_SAMPLE = 1000
#: Partitions submitted to an executor at once (memory: each carries its part of the graph).
PARTITIONS_IN_FLIGHT = 16


def _core_pays(graph: RoadGraph, nodes: np.ndarray, cutoff_s: float) -> bool:
    """Whether searches from ``nodes`` should run on ``graph.core`` (``CORE_WORK_PER_ARC``):
    always on graphs made mostly of chains, whose core is cheap to build."""
    if mostly_chains(graph):
        return True
    if len(nodes) * graph.n_nodes < CORE_WORK_PER_ARC * graph.n_arcs:
        return False  # not even with the whole graph within reach of every search
    count, radius_m = NodeCounter(graph), cutoff_s * graph.max_speed_ms
    sample = nodes[np.linspace(0, len(nodes) - 1, min(len(nodes), CORE_WORK_SAMPLE)).astype(np.int64)]
    reach = [min(graph.n_nodes, count(graph.x[v] - radius_m, graph.x[v] + radius_m,
                                      graph.y[v] - radius_m, graph.y[v] + radius_m)) for v in sample]
    return float(np.mean(reach)) * len(nodes) >= CORE_WORK_PER_ARC * graph.n_arcs


def bounded_searches(
    graph: RoadGraph, sources: Snapped, *, cutoff_s: float, toward_sources: bool = True,
    chunk: int | None = None, block_bytes: int = BLOCK_BYTES,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """One search per source, bounded by ``cutoff_s``, in blocks of nearby sources.

    Yields ``(source_positions, nodes, time_s)``: ``time_s[i, j]`` is the time between source
    ``source_positions[i]`` (its leg included) and graph node ``nodes[j]``, ``inf`` beyond the
    cutoff. Sources starting alike share one search (``Starts``); blocks hold at most
    ``chunk`` searches and about ``block_bytes`` of distances, each ``dijkstra`` call about
    ``CALL_BYTES``. Exact: a node reached within the cutoff lies within ``cutoff_s ×
    max_speed_ms`` of its source, and so does every node on the way, so each block searches
    only the part of the graph in that reach.
    """
    if not cutoff_s > 0:
        raise ParameterError(says("cutoff", value=cutoff_s))
    if len(sources) == 0:
        return
    starts = Starts.of(sources, leaving=not toward_sources)
    for part in plan_partitions(graph, starts, cutoff_s * (1 + ROUNDING), toward_sources, chunk, block_bytes):
        for rows, dist in part.calls():
            positions, start_row = starts.sources_of(part.which[rows])
            time_s = dist[start_row] + starts.own_leg_s[positions][:, None]
            time_s[time_s > cutoff_s] = np.inf
            yield positions, part.window, time_s


def _partition_table(part: Partition, target_at: np.ndarray, target_legs_s: np.ndarray, columns: np.ndarray,
                     cutoff_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """A partition's pairs within ``cutoff_s`` of its targets ``columns``, each reached by
    one or two ways (``target_at`` ``(m, 2)``: window positions, -1 for none or outside;
    ``target_legs_s`` their legs), legs included: ``(start, column, time_s, target_leg_s,
    searches)``, ``start`` indexing the caller's starts, ``time_s`` the time to the target's
    best way without the legs, ``target_leg_s`` that way's leg."""
    found: tuple[list, list, list, list] = ([], [], [], [])
    second = bool((target_at[:, 1] >= 0).any())
    legs_s = np.where(target_at >= 0, target_legs_s, np.inf)
    for rows, dist in part.calls():
        times = dist[:, np.maximum(target_at[:, 0], 0)]
        times[:, target_at[:, 0] < 0] = np.inf
        leg = np.broadcast_to(legs_s[:, 0], times.shape)
        if second:  # the target's other way when it is faster
            other = dist[:, np.maximum(target_at[:, 1], 0)]
            faster = other + legs_s[None, :, 1] < times + legs_s[None, :, 0]
            times = np.where(faster, other, times)
            leg = np.where(faster, legs_s[None, :, 1], leg)
        row, col = np.nonzero(times + (part.legs_s[rows][:, None] + leg) <= cutoff_s)
        for out, values in zip(found, (part.which[rows][row], columns[col], times[row, col], leg[row, col])):
            out.append(values)
    start, column, time_s, leg_s = (np.concatenate(out) if out else np.zeros(0, dtype=dtype)
                                    for out, dtype in zip(found, (np.int64, np.int64, float, float)))
    return start, column, time_s, leg_s, len(part.which)


def _run(tasks: Iterable[tuple], executor: Executor | None) -> Iterator[tuple]:
    """``_partition_table(*task)`` for each task, here or on ``executor`` (at most
    ``PARTITIONS_IN_FLIGHT`` submitted at once: partitions are cut as workers free up)."""
    if executor is None:
        yield from (_partition_table(*task) for task in tasks)
        return
    pending: set = set()
    for task in tasks:
        pending.add(executor.submit(_partition_table, *task))
        if len(pending) >= PARTITIONS_IN_FLIGHT:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from (future.result() for future in done)
    for future in as_completed(pending):
        yield future.result()


def time_table(
    graph: RoadGraph, sources: Snapped, targets: Snapped, *, cutoff_s: float,
    toward_sources: bool = True, source_ids=None, target_ids=None,
    names: tuple[str, str] = ("source", "target"), chunk: int | None = None,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """Sparse long table of every (source, target) pair within ``cutoff_s``, legs included.

    Columns ``names[0]``, ``names[1]`` (positions, or ``source_ids`` / ``target_ids`` when
    given, e.g. ``names=("site_id", "code_insee")``) and ``time_s``. Pairs beyond the cutoff
    or unreachable are absent: never dense ``sources × targets``. ``chunk`` caps the sources
    searched together (see ``bounded_searches``). Large tables run on ``graph.core``
    (``_core_pays``: low-degree nodes eliminated, sources' and targets' nodes kept: same times
    up to float rounding). Searches stop at the cutoff less the smallest leg of the sources
    searched together and of all targets. With an ``executor`` (``concurrent.futures``, e.g.
    a ``ProcessPoolExecutor`` or a Dask client's ``get_executor()``) the partitions — nearby
    sources with the part of the graph they can reach — are searched on its workers.
    """
    if not cutoff_s > 0:
        raise ParameterError(says("cutoff", value=cutoff_s))
    found: tuple[list, list, list] = ([], [], [])
    if len(sources) and len(targets):
        starts = Starts.of(sources, leaving=not toward_sources)
        target_node, target_leg_s, _ = targets.ways(leaving=toward_sources)
        if _core_pays(graph, np.unique(starts.node[:, 0]), cutoff_s):
            nodes = np.concatenate([starts.node.ravel(), target_node.ravel()])
            core = core_of(graph, nodes[nodes >= 0])
            graph = core.graph
            starts = replace(starts, node=np.where(starts.node >= 0, core.index_of(starts.node), -1))
            target_node = np.where(target_node >= 0, core.index_of(target_node), -1)
        limit_s = cutoff_s * (1 + ROUNDING) - float(target_leg_s.min())
        partitions = plan_partitions(graph, starts, limit_s, toward_sources, chunk, BLOCK_BYTES)

        def tasks():
            for part in partitions:
                # The targets with a way in the window and where: only those are kept of each row.
                where = np.minimum(np.searchsorted(part.window, target_node), len(part.window) - 1)
                inside = (part.window[where] == target_node) & (target_node >= 0)
                columns = np.flatnonzero(inside.any(axis=1))
                at = np.where(inside[columns], where[columns], -1)
                yield part, at, target_leg_s[columns], columns, cutoff_s

        with progress(total=len(starts.leg_s), step="travel_times") as bar:
            for start, column, time_s, leg_s, searches in _run(tasks(), executor):
                positions, of_start = starts.sources_of(start)
                column = column[of_start]
                times = time_s[of_start] + (starts.own_leg_s[positions] + leg_s[of_start])
                keep = times <= cutoff_s
                for out, values in zip(found, (positions[keep], column[keep], times[keep])):
                    out.append(values)
                bar.update(searches)
    source, target, time_s = (np.concatenate(out) if out else np.zeros(0, dtype=dtype)
                              for out, dtype in zip(found, (np.int64, np.int64, float)))
    order = np.lexsort((target, source))
    source, target, time_s = source[order], target[order], time_s[order]
    return pd.DataFrame({
        names[0]: source if source_ids is None else np.asarray(source_ids)[source],
        names[1]: target if target_ids is None else np.asarray(target_ids)[target],
        "time_s": time_s,
    })
