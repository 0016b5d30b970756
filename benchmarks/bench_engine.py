"""Travel-time engine against networkx, igraph, pandana and a CCH engine, same run, same graph.

The graph is ``conum_geo.network.synthetic.synthetic_road_graph`` (seeded, hierarchical,
road-like: ~2.4 arcs per node, speeds by class), at département size (~100k nodes) or France
size (~5M nodes, ~12M arcs). Sites and commune origins are random points snapped to it.

Engines are timed in **interleaved repeats** (each repeat runs every engine once, in turn;
the median of ``--repeat`` is reported), so that the shared machine's load falls on all alike.

Nearest-site sweep (people → nearest site, reversed graph):

- ``conum_geo_s``: ``engine.nearest_source`` (site and commune legs included);
- ``raw_dijkstra_s``: one bare ``scipy.sparse.csgraph.dijkstra(min_only=True)`` from the site
  nodes, the kernel underneath; ``ns_per_arc`` of both;
- ``networkx_s``: ``networkx.multi_source_dijkstra_path_length`` (no legs). At France size it
  runs on a smaller graph from the same generator, scaled by ``(n + m) log n``;
- ``igraph_s``: ``igraph.Graph.distances`` from a super-source joined to every site node by
  zero-time arcs (igraph has no multi-source search), when igraph is installed;
- ``pandana_s``: ``pandana.Network.nearest_pois`` (contraction hierarchies, département size),
  when pandana is installed; ``pandana_preprocess_s`` its set-up.

Time table (site → commune pairs within ``--cutoff-min``):

- ``time_table_s``: ``engine.time_table`` (sparse ``(site, commune, time_s)``; on the graph's
  core when that pays); at France size on a sample of sites, scaled;
- ``plain_scipy_table_s`` (département): one bare ``dijkstra(indices=site nodes, limit=...)``;
- ``cch_table_s``: pyroutingkit's CCH (RoutingKit) ``distances_many_to_many``, dense, no
  cutoff (``cch_order_s``: its nested-dissection ordering, ``cch_customize_s``), département
  size, when pyroutingkit is installed; checked against ours;
- ``osmnx_tutorial_s``: one ``networkx.single_source_dijkstra`` per site with the cutoff (the
  osmnx isochrone tutorial's loop), timed on 10 sites and scaled.

National table (France size): every site × every commune within ``--national-cutoff-min``
(45) through ``engine.time_table`` on a ``ProcessPoolExecutor`` of ``--workers``:
``national_core_s`` (building the core), ``national_table_s`` (the searches),
``national_total_s``; ``national_serial_table_s`` the same searches in this process alone,
``national_no_core_s`` without the core (200 sites, scaled); its rows for ``--check-sites`` sites are checked against plain bounded
Dijkstra on the whole graph.

    python benchmarks/bench_engine.py --size dept --json
    python benchmarks/bench_engine.py --size france --json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy.sparse.csgraph import dijkstra

from conum_geo.analysis.engine import Snapped, nearest_source, snap, sweep, time_table
from conum_geo.network.contract import core_of
from conum_geo.network.synthetic import synthetic_road_graph, to_networkx

SIZES = {
    # nodes, sites, communes, networkx sample nodes (None: the whole graph)
    "dept": (100_000, 300, 600, None),
    "france": (5_200_000, 20_000, 35_000, 250_000),
}
OFF_NETWORK_KMH = 20.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker_peak_rss_mb(pid: int) -> float | None:
    """A live process's peak resident memory (Linux ``VmHWM``), None elsewhere."""
    try:
        with open(f"/proc/{pid}/status") as status:
            line = next(line for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return None
    return round(int(line.split()[1]) / 1024.0, 1)


def once(function):
    """(wall time in seconds, result)."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def interleaved(functions: dict, repeat: int) -> dict[str, float]:
    """Median wall time of each function over ``repeat`` rounds, each round running all in turn."""
    seconds: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeat):
        for name, function in functions.items():
            seconds[name].append(once(function)[0])
    return {name: statistics.median(values) for name, values in seconds.items()}


def random_points(graph, count: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Points scattered around random nodes (a few hundred metres off the network)."""
    nodes = rng.choice(graph.n_nodes, count, replace=False)
    return graph.x[nodes] + rng.normal(0, 150, count), graph.y[nodes] + rng.normal(0, 150, count)


def networkx_sweep(graph, site_nodes):
    """A callable: networkx's multi-source Dijkstra from the site nodes, reversed graph."""
    import networkx as nx

    reference = to_networkx(graph, reverse=True)
    sources = set(int(n) for n in site_nodes)
    return lambda: nx.multi_source_dijkstra_path_length(reference, sources, weight="time_s")


def igraph_sweep(graph, site_nodes):
    """A callable: igraph's Dijkstra from a super-source joined to the site nodes (or None)."""
    try:
        import igraph
    except ImportError:
        return None
    tail, head, weight = graph.arcs()
    n = graph.n_nodes
    super_source = n
    edges = np.column_stack([np.r_[head, np.full(len(site_nodes), super_source)],
                             np.r_[tail, site_nodes]])  # reversed graph, then the super-source
    network = igraph.Graph(n=n + 1, edges=edges.tolist(), directed=True)
    weights = np.r_[weight, np.zeros(len(site_nodes))].tolist()
    return lambda: network.distances(source=[super_source], weights=weights, mode="out", algorithm="dijkstra")


def osmnx_tutorial_s(graph, site_nodes, cutoff_s: float, sample: int) -> tuple[float, int]:
    """Seconds for one cutoff search per site (as in the osmnx isochrone tutorial), sampled."""
    import networkx as nx

    reference = to_networkx(graph, reverse=True)
    chosen = site_nodes[:sample]
    start = time.perf_counter()
    for node in chosen:
        nx.single_source_dijkstra_path_length(reference, int(node), cutoff=cutoff_s, weight="time_s")
    return (time.perf_counter() - start) / len(chosen) * len(site_nodes), len(chosen)


@contextlib.contextmanager
def quiet_stdout():
    """Silence a C++ library's prints (pandana writes progress to file descriptor 1)."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "wb") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def pandana_nearest(graph, site_nodes, cutoff_s: float):
    """(callable, facts): pandana's nearest-POI query with the sites as POIs, checked against
    our sweep; (None, {"pandana": "not installed"}) without pandana."""
    try:
        import pandana
    except ImportError:
        return None, {"pandana": "not installed"}
    import pandas as pd

    tail, head, weight = graph.arcs()
    with quiet_stdout():
        preprocess, network = once(lambda: pandana.Network(
            pd.Series(graph.x), pd.Series(graph.y), pd.Series(tail), pd.Series(head),
            pd.DataFrame({"time_s": weight}), twoway=False))
        network.set_pois("sites", cutoff_s, 1, pd.Series(graph.x[site_nodes]), pd.Series(graph.y[site_nodes]))
        nearest = network.nearest_pois(cutoff_s, "sites", num_pois=1)
    ours, _ = sweep(graph, Snapped(site_nodes, np.zeros(len(site_nodes)), np.zeros(len(site_nodes))),
                    toward_sources=True)
    theirs = nearest[1].to_numpy(dtype=float)
    within = ours < cutoff_s * 0.99

    def query():
        with quiet_stdout():
            network.nearest_pois(cutoff_s, "sites", num_pois=1)

    return query, {"pandana_preprocess_s": round(preprocess, 2), "pandana_version": pandana.__version__,
                   "pandana_max_rel_diff": float(np.max(np.abs(theirs[within] - ours[within])
                                                        / np.maximum(ours[within], 1)))}


def best_ends(total: np.ndarray, row_point: np.ndarray, column_point: np.ndarray) -> np.ndarray:
    """Times between points from times between their ends: the smallest over each point's ends
    (rows and columns sorted by point, as ``Snapped.attachments`` gives them)."""
    rows = np.searchsorted(row_point, np.arange(row_point.max() + 1))
    columns = np.searchsorted(column_point, np.arange(column_point.max() + 1))
    return np.minimum.reduceat(np.minimum.reduceat(total, rows, axis=0), columns, axis=1)


def cch_table(graph, sites: Snapped, communes: Snapped, table, cutoff_s: float):
    """(callable, facts): pyroutingkit's CCH many-to-many between the site and commune nodes
    (integer milliseconds, dense, no cutoff), its set-up timed and its times checked against
    ``table``; (None, {...}) without pyroutingkit."""
    try:
        import pyroutingkit
    except ImportError:
        return None, {"cch": "pyroutingkit not installed"}
    tail, head, weight = graph.arcs()
    lon, lat = graph.x.astype(np.float32), graph.y.astype(np.float32)  # planar: only for the ordering
    topology = pyroutingkit.CCHTopology()
    order_s, _ = once(lambda: topology.build(tail.astype(np.uint32), head.astype(np.uint32), lat, lon, graph.n_nodes))
    metric = pyroutingkit.CCHMetric(topology)
    customize_s, _ = once(lambda: metric.customize(np.round(weight * 1000).astype(np.uint32)))
    # Communes → sites on the forward graph (every end each point joins), best ends kept.
    c_point, c_node, c_leg_s, _ = communes.attachments(leaving=True)
    s_point, s_node, s_leg_s, _ = sites.attachments(leaving=False)
    sources, targets = c_node.astype(np.uint32), s_node.astype(np.uint32)
    matrix = metric.distances_many_to_many(sources, targets).astype(float) / 1000.0
    matrix[matrix >= pyroutingkit.INF_WEIGHT / 1000.0] = np.inf
    total = best_ends(matrix + c_leg_s[:, None] + s_leg_s[None, :], c_point, s_point)
    ours = table.to_numpy()
    theirs = total[ours[:, 1].astype(int), ours[:, 0].astype(int)]
    return (lambda: metric.distances_many_to_many(sources, targets)), {
        "cch_order_s": round(order_s, 2), "cch_customize_s": round(customize_s, 2),
        "cch_max_abs_diff_s": round(float(np.max(np.abs(theirs - ours[:, 2]))), 4)}


def national_table(graph, sites: Snapped, communes: Snapped, cutoff_s: float, workers: int,
                   check_sites: int) -> dict:
    """The France-wide table on ``workers`` processes: core, searches, rows, and a check."""
    # Without the core: a sample of sites, scaled (the core is not worth it for so few).
    sample = sites.subset(np.arange(200))
    no_core_s, _ = once(lambda: time_table(graph, sample, communes, cutoff_s=cutoff_s))
    core_s, _ = once(lambda: core_of(graph, np.concatenate([sites.node, communes.node])))
    serial_s, _ = once(lambda: time_table(graph, sites, communes, cutoff_s=cutoff_s))
    # spawned workers: their memory is their own, not pages shared with this process
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as executor:
        table_s, table = once(lambda: time_table(graph, sites, communes, cutoff_s=cutoff_s, executor=executor))
        worker_mb = [worker_peak_rss_mb(pid) for pid in executor._processes]  # before they exit
    core = core_of(graph, np.concatenate([sites.node, communes.node])).graph
    rss = {"national_peak_rss_mb": round(peak_rss_mb(), 1), "national_worker_peak_rss_mb": worker_mb}
    # Check: the first sites' rows against bounded Dijkstra on the whole graph (no core).
    # (each point by every end it joins, the best kept).
    c_point, c_node, c_leg_s, _ = communes.attachments(leaving=True)
    parts = []
    for part in np.array_split(np.arange(check_sites), max(1, check_sites // 5)):
        s_point, s_node, s_leg_s, _ = sites.subset(part).attachments(leaving=False)
        dist = dijkstra(graph.reversed_time_s, indices=s_node, limit=cutoff_s)[:, c_node]
        parts.append(best_ends(dist + s_leg_s[:, None] + c_leg_s[None, :], s_point, c_point))
    total = np.vstack(parts)
    row, col = np.nonzero(total <= cutoff_s)
    mine = table.loc[table.source < check_sites]
    same_pairs = list(zip(mine.source, mine.target)) == list(zip(row.tolist(), col.tolist()))
    return {"national_cutoff_min": cutoff_s / 60.0, "national_workers": workers,
            "national_no_core_s": round(no_core_s * len(sites) / len(sample), 1),
            "national_no_core_sites_timed": len(sample), "national_serial_table_s": round(serial_s, 2),
            "national_core_s": round(core_s, 2), "national_table_s": round(table_s, 2),
            "national_total_s": round(core_s + table_s, 2), "national_rows": int(len(table)),
            "national_pairs_per_site": round(len(table) / len(sites), 1),
            "core_nodes": core.n_nodes, "core_arcs": core.n_arcs,
            "national_checked_sites": check_sites, "national_check_same_pairs": same_pairs,
            "national_check_max_abs_diff_s": float(np.max(np.abs(mine.time_s.to_numpy() - total[row, col])))
            if same_pairs and len(row) else None} | rss


def sweep_benchmark(graph, sites, communes, site_nodes, size: str, seed: int, repeat: int, cutoff_s: float,
                    rng) -> dict:
    """Sweep: ours, the raw kernel, and the other libraries, interleaved (medians); networkx
    on a smaller graph of the same generator, scaled, at France size. ``_nx_graph`` and
    ``_nx_sites``: the graph and sites the networkx figures rest on (for the table step)."""
    n_nodes, n_sites, _, nx_sample = SIZES[size]
    result: dict = {}
    time_s, _ = nearest_source(graph, sites, communes)  # warm: the sweep buffer is built once
    result["unreachable_communes"] = int(np.isnan(time_s).sum())
    sweeps = {"conum_geo_s": lambda: nearest_source(graph, sites, communes),
              "raw_dijkstra_s": lambda: dijkstra(graph.reversed_time_s, indices=site_nodes, min_only=True)}
    if nx_sample is None:
        sweeps["networkx_s"] = networkx_sweep(graph, site_nodes)
    igraph = igraph_sweep(graph, site_nodes)
    if igraph is not None:
        sweeps["igraph_s"] = igraph
    else:
        result["igraph"] = "not installed"
    if size == "dept":
        pandana, facts = pandana_nearest(graph, sites.node, cutoff_s)
        result |= facts
        if pandana is not None:
            sweeps["pandana_s"] = pandana
    result |= {name: round(value, 4) for name, value in interleaved(sweeps, repeat).items()}
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    for name in ("conum_geo_s", "raw_dijkstra_s"):
        result[name.replace("_s", "_ns_per_arc")] = round(result[name] / graph.n_arcs * 1e9, 1)
    if nx_sample is not None:  # networkx on a smaller graph of the same generator, scaled
        nx_graph = synthetic_road_graph(nx_sample, seed=seed)
        nx_sites = np.unique(snap(nx_graph, *random_points(nx_graph, max(1, n_sites * nx_sample // n_nodes), rng),
                                  speed_kmh=OFF_NETWORK_KMH).node)
        sample_s = interleaved({"networkx": networkx_sweep(nx_graph, nx_sites)}, repeat)["networkx"]

        def cost(g):
            return (g.n_nodes + g.n_arcs) * math.log(g.n_nodes)
        result |= {"networkx_extrapolated": True, "networkx_sample_nodes": nx_graph.n_nodes,
                   "networkx_sample_s": round(sample_s, 4), "networkx_scaling": "(nodes + arcs) * log(nodes)",
                   "networkx_s": round(sample_s * cost(graph) / cost(nx_graph), 3)}
    else:
        nx_graph, nx_sites = graph, site_nodes
        result["networkx_extrapolated"] = False
    for other in ("networkx_s", "igraph_s", "pandana_s", "raw_dijkstra_s"):
        if other in result:
            result[f"ratio_{other[:-2]}"] = round(result[other] / result["conum_geo_s"], 2)
    return result | {"_nx_graph": nx_graph, "_nx_sites": nx_sites}


def run(size: str, seed: int, repeat: int, cutoff_min: float, national_cutoff_min: float, workers: int,
        check_sites: int) -> dict:
    n_nodes, n_sites, n_communes, nx_sample = SIZES[size]
    rng = np.random.default_rng(seed)
    build_s, graph = once(lambda: synthetic_road_graph(n_nodes, seed=seed))
    prepare_s, _ = once(lambda: (graph.reversed_time_s, graph.snap_index, graph.max_speed_ms))
    snap_s, (sites, communes) = once(lambda: (
        snap(graph, *random_points(graph, n_sites, rng), speed_kmh=OFF_NETWORK_KMH),
        snap(graph, *random_points(graph, n_communes, rng), speed_kmh=OFF_NETWORK_KMH)))
    cutoff_s = cutoff_min * 60.0
    site_nodes = np.unique(sites.node)
    result: dict = {"size": size, "seed": seed, "repeat": repeat, "nodes": graph.n_nodes, "arcs": graph.n_arcs,
                    "arcs_per_node": round(graph.n_arcs / graph.n_nodes, 3), "sites": n_sites,
                    "communes": n_communes, "build_graph_s": round(build_s, 2), "prepare_s": round(prepare_s, 2),
                    "snap_s": round(snap_s, 3), "peak_rss_after_snap_mb": round(peak_rss_mb(), 1)}

    if size == "france":  # first: its peak memory is not the other libraries'
        result |= national_table(graph, sites, communes, national_cutoff_min * 60.0, workers, check_sites)
    result |= sweep_benchmark(graph, sites, communes, site_nodes, size, seed, repeat, cutoff_s, rng)
    nx_graph, nx_sites = result.pop("_nx_graph"), result.pop("_nx_sites")

    # Time table: ours, the bare scipy call and the CCH engine, interleaved (département);
    # a sample of sites scaled (France).
    table_sites = n_sites if size == "dept" else 200
    sample = sites.subset(np.arange(table_sites))
    table = time_table(graph, sample, communes, cutoff_s=cutoff_s)
    def cold_table():  # the core (when used) built afresh each time, as in a run
        graph.__dict__.pop("_cores", None)
        return time_table(graph, sample, communes, cutoff_s=cutoff_s)

    tables = {"time_table_s": cold_table}
    if size == "dept":
        tables["plain_scipy_table_s"] = lambda: dijkstra(graph.reversed_time_s, indices=site_nodes, limit=cutoff_s)
        cch, facts = cch_table(graph, sites, communes, table, cutoff_s)
        result |= facts
        if cch is not None:
            tables["cch_table_s"] = cch
    timed = interleaved(tables, repeat if size == "dept" else 1)
    timed["time_table_s"] *= n_sites / table_sites
    result |= {name: round(value, 3) for name, value in timed.items()}
    result |= {"time_table_sites_timed": table_sites, "time_table_rows": int(len(table)), "cutoff_min": cutoff_min,
               "peak_rss_after_table_mb": round(peak_rss_mb(), 1)}

    tutorial_s, timed_sites = osmnx_tutorial_s(nx_graph, nx_sites, cutoff_s, sample=10)
    tutorial_s *= n_sites / len(nx_sites)  # per-site cost times every site
    result |= {"osmnx_tutorial_s": round(tutorial_s, 2), "osmnx_tutorial_sites_timed": timed_sites,
               "osmnx_tutorial_ratio_vs_time_table": round(tutorial_s / result["time_table_s"], 1)}
    result["peak_rss_total_mb"] = round(peak_rss_mb(), 1)
    result["machine"] = {"python": platform.python_version(), "processor": platform.processor(),
                         "cpus": os.cpu_count(), "system": platform.platform()}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="dept")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5, help="interleaved repeats (medians)")
    parser.add_argument("--cutoff-min", type=float, default=30.0)
    parser.add_argument("--national-cutoff-min", type=float, default=45.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--check-sites", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    result = run(args.size, args.seed, args.repeat, args.cutoff_min, args.national_cutoff_min, args.workers,
                 args.check_sites)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>36}: {value}")


if __name__ == "__main__":
    main()
