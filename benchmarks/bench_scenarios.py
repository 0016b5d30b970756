"""Monte Carlo renewals on the Nièvre demo: a real ``simulate`` run vs one search per draw.

Both methods start from the same road graph *as loaded* (a fresh ``RoadGraph`` each, so
each builds its own reversed arcs and snapping index, as a run does) and the same draws, and
must agree on every commune's probability of losing coverage and on the population losing
coverage in every draw.

- conum-geo: ``simulate.simulate_renewals``, the whole library side of ``conum-geo simulate``
  after the graph is loaded: snapping, the post → commune reach (one multi-source search per
  post over the sites it holds that stay regular while it works, one per site that needs
  several posts, bounded at the threshold, ``engine.group_time_table``), the renewal model
  (partial renewals included), every draw with sparse products, the per-commune results. ``table_s`` is the reach's share; ``graph_prep_s`` the graph's lazy
  indexes a run builds first (reversed arcs, snapping index), counted in ``conum_geo_s``;
  ``draws_only_s`` the rest. ``site_table_s``: the people → site time table of the counted
  sites (``coverage.snapped_times``, one bounded search per site node), what the reach
  replaces, timed on the same graph (best of three).
- naive: snapping, then per draw the sites' hours as the draw leaves them (``supply.site_state``'s
  rule, as one sparse product) and one scipy multi-source search (``engine.sweep``, bounded at the threshold) from those
  that count and are regular, and the same aggregation. Drawing the renewals is not counted
  on this side.

Every structure gets a 50 % non-renewal probability so that draws differ a lot. conum-geo
runs ``--repeat`` times (fresh graph each time; the median run is reported, and every run's
total), the naive method once (1,000 searches: already an average). ``naive_unbounded_s`` is
the naive method without the bound (what earlier versions of this benchmark compared with).

The demo's proxy network has one node per commune (309 for the Nièvre), far smaller than a
real département road graph (tens of thousands of nodes, DESIGN.md §7). By default every
proxy arc is cut into pieces of at most ``--densify-m`` metres (straight between its ends,
time shared evenly) and nodes are numbered along a Z-order curve as the real builders do: a
graph of real size whose travel times between communes are the proxy's. ``--densify-m 0``
runs on the raw proxy graph. The densified proxy is almost all pass-through nodes, which
flatters the site table (``time_table`` contracts it to a small core); ``--graph synthetic`` runs instead on a seeded road-like synthetic
graph (``network.synthetic``, ≈ 30 % pass-through nodes, ``--synthetic-nodes`` nodes) laid
over the Nièvre's communes, the same sites and commune origins snapped onto it.

    python benchmarks/bench_scenarios.py --json [--draws 1000] [--seed 0] [--densify-m 100]
    python benchmarks/bench_scenarios.py --json --graph synthetic [--synthetic-nodes 46374]
    python benchmarks/bench_scenarios.py --json --data-dir ../shared/data   # real registers
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import time
from dataclasses import replace

import numpy as np
import pandas as pd

from conum_geo.analysis import simulate
from conum_geo.analysis.coverage import SnappedTerritory, countable_sites, is_regular, snapped_times
from conum_geo.analysis.engine import sweep
from conum_geo.analysis.supply import PostLinks
from conum_geo.core.renewal import SURVEY_2023
from conum_geo.core.settings import Settings
from conum_geo.core.vocabulary import STRUCTURE_TYPES
from conum_geo.data.demo import load_demo
from conum_geo.data.territory import load_territory
from conum_geo.network import RoadGraph, build_proxy_network
from conum_geo.network.build import graph_from_arcs
from conum_geo.network.contract import pass_through
from conum_geo.network.synthetic import synthetic_road_graph

P_NONRENEWAL = {kind: 0.5 for kind in STRUCTURE_TYPES}


def densify(graph: RoadGraph, spacing_m: float) -> RoadGraph:
    """``graph`` with every arc cut into straight pieces of at most ``spacing_m`` (same times).

    Both directions of a pair of nodes share the intermediate nodes; nodes come out in the
    real builders' spatial order.
    """
    arcs = graph.time_s.tocoo()
    pairs = {}
    for i, j, t in zip(arcs.row, arcs.col, arcs.data):
        pairs.setdefault((min(i, j), max(i, j)), {})[(i, j)] = t
    x, y = list(graph.x), list(graph.y)
    rows, cols, times = [], [], []
    for (a, b), directions in pairs.items():
        pieces = max(1, int(np.ceil(np.hypot(graph.x[b] - graph.x[a], graph.y[b] - graph.y[a]) / spacing_m)))
        chain = [a]
        for k in range(1, pieces):
            chain.append(len(x))
            x.append(graph.x[a] + (graph.x[b] - graph.x[a]) * k / pieces)
            y.append(graph.y[a] + (graph.y[b] - graph.y[a]) * k / pieces)
        chain.append(b)
        for (i, _j), t in directions.items():
            path = chain if i == a else chain[::-1]
            rows += path[:-1]
            cols += path[1:]
            times += [t / pieces] * pieces
    return graph_from_arcs(np.array(x), np.array(y), np.array(rows), np.array(cols), np.array(times),
                           source=graph.source, crs=graph.crs,
                           provenance=graph.provenance | {"densify_m": spacing_m})


def synthetic_over(communes: pd.DataFrame, n_nodes: int, seed: int) -> RoadGraph:
    """A seeded road-like synthetic graph of about ``n_nodes`` nodes over the communes' box."""
    x0, y0 = communes["origin_x"].min(), communes["origin_y"].min()
    extent_m = max(communes["origin_x"].max() - x0, communes["origin_y"].max() - y0)
    graph = synthetic_road_graph(n_nodes, seed=seed, spacing_m=extent_m / np.sqrt(n_nodes))
    return RoadGraph(x=graph.x + x0, y=graph.y + y0, time_s=graph.time_s, source="synthetic",
                     provenance={"synthetic_nodes": n_nodes, "seed": seed})


def as_loaded(graph: RoadGraph) -> RoadGraph:
    """The same graph without its lazily built indexes (as ``load_network`` returns it)."""
    return RoadGraph(x=graph.x, y=graph.y, time_s=graph.time_s, source=graph.source, crs=graph.crs,
                     provenance=graph.provenance)


def snapping_index(graph: RoadGraph) -> str:
    """The index points snap with: road segments on road graphs, nodes on the proxy network."""
    return "snap_index" if graph.leg_speed_kmh is not None else "segments"


def prepare(graph: RoadGraph, *names: str) -> None:
    """Build the graph's lazy indexes a run builds on first use."""
    for name in names:
        getattr(graph, name)


@contextlib.contextmanager
def timing(module, name: str, seconds: list):
    """Add the wall time of every call to ``module.name`` to ``seconds`` while active."""
    original = getattr(module, name)

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            seconds.append(time.perf_counter() - start)

    setattr(module, name, timed)
    try:
        yield
    finally:
        setattr(module, name, original)


def conum_geo_run(territory, graph, settings, draws: int, seed: int) -> tuple[simulate.SimulationResult, dict]:
    """A ``simulate`` run on a freshly loaded graph: result and timings."""
    graph = as_loaded(graph)
    table: list[float] = []
    start = time.perf_counter()
    prepare(graph, "reversed_time_s", snapping_index(graph))  # the rest is built inside the table, if needed
    graph_prep_s = time.perf_counter() - start
    with timing(simulate, "group_time_table", table):
        result = simulate.simulate_renewals(territory, graph, settings=settings, draws=draws, seed=seed,
                                            p_nonrenewal=P_NONRENEWAL)
    total = time.perf_counter() - start
    if not table:
        raise SystemExit("simulate_renewals no longer searches through group_time_table: update the benchmark")
    return result, {"conum_geo_s": total, "graph_prep_s": graph_prep_s, "table_s": sum(table),
                    "draws_only_s": total - graph_prep_s - sum(table)}


def naive_run(territory, graph, settings, alive: np.ndarray,
              bounded: bool = True) -> tuple[np.ndarray, np.ndarray, float]:
    """One multi-source search per draw (bounded at the threshold, or not): p_lose per
    commune, population lost per draw, and the seconds spent on the graph's indexes."""
    graph = as_loaded(graph)
    start = time.perf_counter()
    prepare(graph, "reversed_time_s", snapping_index(graph))
    graph_prep_s = time.perf_counter() - start
    snapped = SnappedTerritory.build(graph, territory, settings)
    cutoff_s = settings.threshold_min * 60.0

    links = PostLinks.of(territory)
    presence = territory.sites["presence_h"].to_numpy(dtype=float)
    kinds = territory.sites["kind"].isin(settings.kinds).to_numpy()

    commune_way, way_node, way_leg_s, _ = snapped.communes.attachments(leaving=True)

    def covered(posts: np.ndarray) -> np.ndarray:
        # the sites as the draw leaves them (supply.site_state's hours, with sparse products)
        hours = np.where(links.served, presence * (links.shares @ posts.astype(float)), presence)
        regular = kinds & (hours > 0) & is_regular(hours, None, settings)
        node_time, _ = sweep(graph, snapped.sites.subset(regular), limit_s=cutoff_s if bounded else np.inf)
        best = np.full(len(snapped.communes), np.inf)  # by the best of the ways out of each commune
        np.minimum.at(best, commune_way, node_time[way_node] + way_leg_s)
        return best <= cutoff_s

    baseline = covered(np.ones(alive.shape[1], dtype=bool))
    lost = np.zeros((len(alive), len(territory.communes)), dtype=bool)
    for draw, posts in enumerate(alive):
        lost[draw] = baseline & ~covered(posts)
    return lost.mean(axis=0), lost @ territory.communes["population"].to_numpy(dtype=float), graph_prep_s


def site_table_s(territory, graph, settings) -> float:
    """Best of three people → site time tables of the counted sites (one search per site node),
    each on a fresh graph whose reversed arcs and snapping index are built beforehand."""
    counted = countable_sites(territory.sites, settings)
    territory = replace(territory, sites=territory.sites[counted])
    best = np.inf
    for _ in range(3):
        fresh = as_loaded(graph)
        prepare(fresh, "reversed_time_s", snapping_index(fresh))
        snapped = SnappedTerritory.build(fresh, territory, settings)
        start = time.perf_counter()
        snapped_times(snapped, territory, settings.threshold_min)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5, help="conum-geo runs (median reported)")
    parser.add_argument("--densify-m", type=float, default=100.0,
                        help="cut proxy arcs into pieces of at most this many metres (0: raw proxy)")
    parser.add_argument("--graph", choices=("proxy", "synthetic"), default="proxy",
                        help="the (densified) proxy network, or a road-like synthetic graph over the "
                             "Nièvre with few pass-through nodes")
    parser.add_argument("--synthetic-nodes", type=int, default=46_374,
                        help="nodes of the synthetic graph (default: as many as the densified proxy)")
    parser.add_argument("--data-dir", help="the Nièvre's real registers from this folder (conum-geo "
                             "--data-dir) instead of the demo's illustrative sites and posts")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()

    settings = Settings()
    territory = load_demo("58") if args.data_dir is None else load_territory("58", data_dir=args.data_dir)
    if args.graph == "synthetic":
        graph = synthetic_over(territory.communes, args.synthetic_nodes, args.seed)
    else:
        graph = build_proxy_network(territory.communes)
        if args.densify_m > 0:
            graph = densify(graph, args.densify_m)
    # The draws simulate_renewals makes (same seed, same generator), as live posts for the naive side.
    model = simulate.RenewalModel.build(territory, SnappedTerritory.build(graph, territory, settings),
                                        settings, SURVEY_2023.with_p_nonrenewal(P_NONRENEWAL))
    rng = np.random.default_rng(args.seed)
    alive = np.concatenate([model.draw_alive(rng, min(simulate.DRAWS_PER_CHUNK, args.draws - start))
                            for start in range(0, args.draws, simulate.DRAWS_PER_CHUNK)])

    runs = [conum_geo_run(territory, graph, settings, args.draws, args.seed) for _ in range(args.repeat)]
    fast = runs[-1][0]
    naive = {}
    for bounded in (True, False):
        start = time.perf_counter()
        p_lose, population_lost, prep_s = naive_run(territory, graph, settings, alive, bounded)
        naive[bounded] = (time.perf_counter() - start, prep_s)
        if not (np.array_equal(fast.communes["p_lose"].to_numpy(), p_lose)
                and np.array_equal(fast.population_lost, population_lost)):
            raise SystemExit("the two methods disagree on the communes losing coverage")
    (naive_s, naive_prep_s), (unbounded_s, _) = naive[True], naive[False]

    timings = sorted((run[1] for run in runs), key=lambda t: t["conum_geo_s"])[len(runs) // 2]  # median run
    conum_geo_s = timings["conum_geo_s"]
    result = {
        "draws": args.draws,
        "communes": len(territory.communes),
        "sites": len(territory.sites),
        "site_nodes": int(len(np.unique(SnappedTerritory.build(graph, territory, settings).sites.node))),
        "posts": len(territory.posts),
        "structures": len(territory.structures),
        "registers": "demo" if args.data_dir is None else "real",
        "graph_nodes": graph.n_nodes,
        "graph_arcs": graph.n_arcs,
        "graph": args.graph,
        "pass_through_share": round(float(pass_through(graph)[0].mean()), 3),
        "densify_m": args.densify_m if args.graph == "proxy" else None,
        "threshold_min": settings.threshold_min,
        "conum_geo_s": round(conum_geo_s, 4),
        "conum_geo_runs_s": [round(run[1]["conum_geo_s"], 4) for run in runs],
        "naive_s": round(naive_s, 4),
        "ratio": round(naive_s / conum_geo_s, 1),
        "graph_prep_s": round(timings["graph_prep_s"], 4),
        "table_s": round(timings["table_s"], 4),
        "site_table_s": round(site_table_s(territory, graph, settings), 4),
        "draws_only_s": round(timings["draws_only_s"], 4),
        "ratio_without_graph_prep": round((naive_s - naive_prep_s) / (conum_geo_s - timings["graph_prep_s"]), 1),
        "ratio_draws_only": round(naive_s / timings["draws_only_s"], 1),
        "naive_unbounded_s": round(unbounded_s, 4),
        "ratio_vs_unbounded": round(unbounded_s / conum_geo_s, 1),
        "expected_population_lost": round(float(population_lost.mean()), 1),
        "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{args.draws} draws: conum-geo {conum_geo_s:.3f} s, naive {naive_s:.3f} s, "
              f"{result['ratio']}× faster")


if __name__ == "__main__":
    main()
