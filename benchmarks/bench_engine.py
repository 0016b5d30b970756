"""Travel-time engine against networkx, the osmnx-tutorial loop and pandana, same run, same graph.

The graph is ``conum_geo.network.synthetic.synthetic_road_graph`` (seeded, hierarchical,
road-like: ~2.4 arcs per node, speeds by class), at département size (~100k nodes) or France
size (~5M nodes, ~12M arcs). Sites and commune origins are random points snapped to it.

Measured (wall clock, ``time.perf_counter``; best of ``--repeat`` runs at département size):

- ``conum_geo_s``: ``engine.nearest_source`` — one multi-source sweep (people → nearest site,
  reversed graph, site and commune legs included);
- ``networkx_s``: ``networkx.multi_source_dijkstra_path_length`` from the same site nodes on
  the same reversed graph (no legs: slightly less work). At France size networkx runs on a
  smaller graph from the same generator and its time is scaled by ``(n + m) log n``
  (``networkx_extrapolated``: true);
- ``time_table_s``: ``engine.time_table``, one bounded search per site (cutoff
  ``--cutoff-min``) → sparse ``(site, commune, time_s)``; at France size on a sample of sites,
  scaled to all sites. ``plain_scipy_table_s`` (département size): one bare
  ``dijkstra(indices=site nodes, limit=cutoff)`` call, the floor under the time table (dense
  rows, no legs, no table; measured after ``peak_rss_after_table_mb``);
- ``osmnx_tutorial_s``: the osmnx-tutorial way, one ``networkx.single_source_dijkstra`` per
  site with the same cutoff, timed on a sample of sites and scaled to all sites;
- ``pandana_s``: ``pandana.Network.nearest_pois`` (contraction hierarchies) with the sites as
  POIs, when pandana is installed; ``pandana_preprocess_s`` its network set-up;
- ``peak_rss_mb``: peak resident memory of the process after graph generation and the
  sweeps (``peak_rss_after_table_mb``: after the time table too), before networkx/pandana;
  ``graph_mb``: the graph's arrays (both directions).

    python benchmarks/bench_engine.py --size dept --json
    python benchmarks/bench_engine.py --size france --json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import resource
import sys
import time

import numpy as np
from scipy.sparse.csgraph import dijkstra

from conum_geo.analysis.engine import Snapped, nearest_source, snap, sweep, time_table
from conum_geo.network.synthetic import synthetic_road_graph, to_networkx

SIZES = {
    # nodes, sites, communes, networkx sample nodes (None: the whole graph)
    "dept": (100_000, 300, 600, None),
    "france": (5_200_000, 20_000, 35_000, 250_000),
}
OFF_NETWORK_KMH = 20.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(function, repeat: int = 1):
    """(best wall time in seconds, last result)."""
    best, result = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def random_points(graph, count: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Points scattered around random nodes (a few hundred metres off the network)."""
    nodes = rng.choice(graph.n_nodes, count, replace=False)
    return graph.x[nodes] + rng.normal(0, 150, count), graph.y[nodes] + rng.normal(0, 150, count)


def networkx_sweep_s(graph, site_nodes, repeat: int) -> float:
    import networkx as nx

    reference = to_networkx(graph, reverse=True)
    sources = set(int(n) for n in site_nodes)
    seconds, _ = timed(lambda: nx.multi_source_dijkstra_path_length(reference, sources, weight="time_s"),
                       repeat)
    return seconds


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


def pandana_s(graph, site_nodes, cutoff_s: float) -> dict:
    """pandana's nearest-POI query with the sites as POIs, checked against our sweep."""
    try:
        import pandana
    except ImportError:
        return {"pandana": "not installed"}
    import pandas as pd

    tail, head, weight = graph.arcs()
    with quiet_stdout():
        start = time.perf_counter()
        network = pandana.Network(pd.Series(graph.x), pd.Series(graph.y), pd.Series(tail), pd.Series(head),
                                  pd.DataFrame({"time_s": weight}), twoway=False)
        network.set_pois("sites", cutoff_s, 1, pd.Series(graph.x[site_nodes]), pd.Series(graph.y[site_nodes]))
        preprocess = time.perf_counter() - start
        seconds, nearest = timed(lambda: network.nearest_pois(cutoff_s, "sites", num_pois=1))
    # Same question to conum-geo (sites on their nodes, no legs): node → nearest site.
    ours, _ = sweep(graph, Snapped(site_nodes, np.zeros(len(site_nodes)), np.zeros(len(site_nodes))),
                    toward_sources=True)
    theirs = nearest[1].to_numpy(dtype=float)
    within = ours < cutoff_s * 0.99
    return {"pandana_s": round(seconds, 4), "pandana_preprocess_s": round(preprocess, 2),
            "pandana_version": pandana.__version__,
            "pandana_max_rel_diff": float(np.max(np.abs(theirs[within] - ours[within]) / np.maximum(ours[within], 1)))}


def run(size: str, seed: int, repeat: int, cutoff_min: float) -> dict:
    n_nodes, n_sites, n_communes, nx_sample = SIZES[size]
    rng = np.random.default_rng(seed)
    build_s, graph = timed(lambda: synthetic_road_graph(n_nodes, seed=seed))
    prepare_s, _ = timed(lambda: (graph.reversed_time_s, graph.snap_index, graph.max_speed_ms))
    snap_s, (sites, communes) = timed(lambda: (
        snap(graph, *random_points(graph, n_sites, rng), speed_kmh=OFF_NETWORK_KMH),
        snap(graph, *random_points(graph, n_communes, rng), speed_kmh=OFF_NETWORK_KMH)))
    sweep_s, (time_s, _) = timed(lambda: nearest_source(graph, sites, communes), repeat)
    sweep_rss_mb = peak_rss_mb()
    cutoff_s = cutoff_min * 60.0
    table_sites = n_sites if size == "dept" else 200
    sample = sites.subset(np.arange(table_sites))
    table_s, table = timed(lambda: time_table(graph, sample, communes, cutoff_s=cutoff_s))
    table_s *= n_sites / table_sites
    graph_mb = sum(a.nbytes for a in (graph.x, graph.y, graph.time_s.data, graph.time_s.indices,
                                      graph.time_s.indptr, graph.reversed_time_s.data,
                                      graph.reversed_time_s.indices, graph.reversed_time_s.indptr)) / 2**20
    result = {
        "size": size, "seed": seed, "nodes": graph.n_nodes, "arcs": graph.n_arcs,
        "arcs_per_node": round(graph.n_arcs / graph.n_nodes, 3), "sites": n_sites, "communes": n_communes,
        "conum_geo_s": round(sweep_s, 4), "build_graph_s": round(build_s, 2),
        "prepare_s": round(prepare_s, 2), "snap_s": round(snap_s, 3),
        "unreachable_communes": int(np.isnan(time_s).sum()),
        "time_table_s": round(table_s, 3), "time_table_sites_timed": table_sites,
        "time_table_rows": int(len(table)), "cutoff_min": cutoff_min,
        "graph_mb": round(graph_mb, 1), "peak_rss_mb": round(sweep_rss_mb, 1),
        "peak_rss_after_table_mb": round(peak_rss_mb(), 1),
    }
    if size == "dept":
        plain_s, _ = timed(lambda: dijkstra(graph.reversed_time_s, indices=np.unique(sites.node), limit=cutoff_s))
        result["plain_scipy_table_s"] = round(plain_s, 3)

    if nx_sample is None:
        nx_graph, nx_sites = graph, sites.node
    else:
        nx_graph = synthetic_road_graph(nx_sample, seed=seed)
        nx_sites = snap(nx_graph, *random_points(nx_graph, max(1, n_sites * nx_sample // n_nodes), rng),
                        speed_kmh=OFF_NETWORK_KMH).node
    networkx_s = networkx_sweep_s(nx_graph, nx_sites, repeat)
    if nx_sample is not None:
        def cost(g):
            return (g.n_nodes + g.n_arcs) * math.log(g.n_nodes)
        result |= {"networkx_extrapolated": True, "networkx_sample_nodes": nx_graph.n_nodes,
                   "networkx_sample_s": round(networkx_s, 4),
                   "networkx_scaling": "(nodes + arcs) * log(nodes)"}
        networkx_s *= cost(graph) / cost(nx_graph)
    else:
        result["networkx_extrapolated"] = False
    result["networkx_s"] = round(networkx_s, 4)
    result["ratio"] = round(networkx_s / sweep_s, 1)

    tutorial_s, timed_sites = osmnx_tutorial_s(nx_graph, nx_sites, cutoff_s, sample=10)
    tutorial_s *= n_sites / len(nx_sites)  # per-site cost times every site
    result |= {"osmnx_tutorial_s": round(tutorial_s, 2), "osmnx_tutorial_sites_timed": timed_sites,
               "osmnx_tutorial_ratio_vs_time_table": round(tutorial_s / table_s, 1)}
    if size == "dept":
        result |= pandana_s(graph, sites.node, cutoff_s)
    result["peak_rss_total_mb"] = round(peak_rss_mb(), 1)
    result["machine"] = {"python": platform.python_version(), "processor": platform.processor(),
                         "system": platform.platform()}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="dept")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cutoff-min", type=float, default=30.0)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    result = run(args.size, args.seed, args.repeat, args.cutoff_min)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>36}: {value}")


if __name__ == "__main__":
    main()
