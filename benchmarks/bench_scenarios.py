"""Monte Carlo renewals on the Nièvre demo: conum-geo's vectorised draws vs one search per draw.

conum-geo builds the people → site time table once, then evaluates every draw with sparse
products (``simulate.RenewalModel``). The naive method runs one multi-source search
(``engine.nearest_source``) per draw over the sites the draw leaves open. Both start from the
same snapped territory and the same draws, and must find the same covered communes.

``conum_geo_s`` covers the whole conum-geo path (time table, then the draws); ``table_s`` is
the table's share, which an analysis computes once and shares with ``gaps``.

The demo's proxy network has one node per commune (309 for the Nièvre), far smaller than a
real département road graph (tens of thousands of nodes, DESIGN.md §7). By default every
proxy arc is cut into pieces of at most ``--densify-m`` metres (straight between its ends,
time shared evenly): a graph of real size whose travel times between communes are exactly
the proxy's. ``--densify-m 0`` runs on the raw proxy graph.

    python benchmarks/bench_scenarios.py --json [--draws 1000] [--seed 0] [--densify-m 100]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import scipy.sparse as sp

from conum_geo.coverage import SnappedTerritory, counted_sites, site_times
from conum_geo.demo import load_demo
from conum_geo.engine import Snapped, nearest_source
from conum_geo.network import RoadGraph, build_proxy_network
from conum_geo.settings import Settings
from conum_geo.simulate import DEFAULT_P_NONRENEWAL, RenewalModel
from conum_geo.supply import PostLinks, site_state


def densify(graph: RoadGraph, spacing_m: float) -> RoadGraph:
    """``graph`` with every arc cut into straight pieces of at most ``spacing_m`` (same times).

    Both directions of a pair of nodes share the intermediate nodes.
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
        for (i, j), t in directions.items():
            path = chain if i == a else chain[::-1]
            rows += path[:-1]
            cols += path[1:]
            times += [t / pieces] * pieces
    n = len(x)
    return RoadGraph(x=np.array(x), y=np.array(y), source=graph.source,
                     time_s=sp.csr_matrix((times, (rows, cols)), shape=(n, n)),
                     provenance=graph.provenance | {"densify_m": spacing_m})


def conum_geo_draws(territory, snapped, settings, alive: np.ndarray) -> tuple[np.ndarray, float]:
    """Time table once, then every draw at once: draws × communes covered, and the table's time."""
    start = time.perf_counter()
    times = site_times(snapped, territory, settings.threshold_min)
    table_s = time.perf_counter() - start
    model = RenewalModel.build(territory, times, settings, DEFAULT_P_NONRENEWAL)
    return model.covered(alive), table_s


def naive_draws(territory, snapped, settings, alive: np.ndarray) -> np.ndarray:
    """One multi-source graph search per draw over the sites it leaves open."""
    links = PostLinks.of(territory)
    counts = counted_sites(site_state(territory, np.ones(len(territory.posts), dtype=bool)), settings)
    covered = np.zeros((len(alive), len(territory.communes)), dtype=bool)
    for draw, posts in enumerate(alive):
        chosen = np.flatnonzero(counts & links.active(posts))
        sources = Snapped(*(a[chosen] for a in (snapped.sites.node, snapped.sites.leg_m, snapped.sites.leg_s)))
        time_s, _ = nearest_source(snapped.graph, sources, snapped.communes)
        covered[draw] = np.nan_to_num(time_s, nan=np.inf) <= settings.threshold_min * 60.0
    return covered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--densify-m", type=float, default=100.0,
                        help="cut proxy arcs into pieces of at most this many metres (0: raw proxy)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()

    settings = Settings()
    territory = load_demo("58")
    graph = build_proxy_network(territory.communes)
    if args.densify_m > 0:
        graph = densify(graph, args.densify_m)
    snapped = SnappedTerritory.build(graph, territory, settings)
    times = site_times(snapped, territory, settings.threshold_min)
    model = RenewalModel.build(territory, times, settings, DEFAULT_P_NONRENEWAL)
    # Structure-level draws, with every structure at 50 % so that draws differ a lot.
    model = RenewalModel(p_structure=np.full(len(model.p_structure), 0.5),
                         structure_of_post=model.structure_of_post, links=model.links, reach=model.reach)
    alive = model.draw_alive(np.random.default_rng(args.seed), args.draws)

    start = time.perf_counter()
    fast, table_s = conum_geo_draws(territory, snapped, settings, alive)
    conum_geo_s = time.perf_counter() - start
    start = time.perf_counter()
    slow = naive_draws(territory, snapped, settings, alive)
    naive_s = time.perf_counter() - start
    if not np.array_equal(fast, slow):
        raise SystemExit("the two methods disagree on covered communes")

    result = {
        "draws": args.draws,
        "communes": len(territory.communes),
        "sites": len(territory.sites),
        "posts": len(territory.posts),
        "graph_nodes": graph.n_nodes,
        "graph_arcs": graph.n_arcs,
        "densify_m": args.densify_m,
        "conum_geo_s": round(conum_geo_s, 4),
        "naive_s": round(naive_s, 4),
        "ratio": round(naive_s / conum_geo_s, 1),
        "table_s": round(table_s, 4),
        "draws_only_s": round(conum_geo_s - table_s, 4),
        "ratio_draws_only": round(naive_s / (conum_geo_s - table_s), 1),
        "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{args.draws} draws: conum-geo {conum_geo_s:.3f} s, naive {naive_s:.3f} s, "
              f"{result['ratio']}× faster")


if __name__ == "__main__":
    main()
