"""Exact MILP (PuLP + HiGHS) against the greedy fallback, same run, same instances.

Instances: the embedded Nièvre demo's redeployment (309 communes × the candidates within the
threshold, or within ``compare.ACCESS_CUTOFF_MIN`` for p-median, 24 posts after the default
scenario) and, with ``--synthetic N``, a seeded random instance of N clients and N candidates
(points in a 100 km square, straight-line minutes at 60 km/h, p = N / 20).

Measured per objective (wall clock, ``time.perf_counter``): ``milp_s`` and ``greedy_s``
(formulation included), the objectives, and the greedy's proven gap to its own bound and its
true gap to the MILP optimum.

    python benchmarks/bench_redeploy.py --json
    python benchmarks/bench_redeploy.py --synthetic 1500 --json
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np

from conum_geo.models.optimize import LSCP, MCLP, PMedian

THRESHOLD_MIN = 20.0


def _demo_instance():
    import conum_geo as cg
    from conum_geo.models.compare import ACCESS_CUTOFF_MIN
    from conum_geo.models.redeploy import candidate_costs

    territory = cg.load_territory("58")
    graph = cg.load_network(territory, "proxy")
    settings = cg.Settings(threshold_min=THRESHOLD_MIN)
    change = cg.apply_scenario(cg.DEFAULT_SCENARIO, territory)
    candidates, cost, _ = candidate_costs(change, graph, settings, ("renewed",), ACCESS_CUTOFF_MIN)
    return (cost, change.territory.communes["population"].to_numpy(float),
            candidates["fixed"].to_numpy(), 24)


def _synthetic_instance(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    clients, facilities = rng.uniform(0, 100_000, (n, 2)), rng.uniform(0, 100_000, (n, 2))
    cost = np.hypot(*(clients[:, None, :] - facilities[None, :, :]).transpose(2, 0, 1)) / 1000.0
    weights = rng.lognormal(6, 1.2, n).round()
    return cost, weights, np.zeros(n, dtype=bool), max(n // 20, 1)


def _time(build, solver):
    start = time.perf_counter()
    problem = build().solve(solver)
    return time.perf_counter() - start, problem


def run(cost, weights, fixed, n_posts) -> dict:
    p = int(fixed.sum()) + n_posts
    builders = {
        "mclp": lambda: MCLP.from_cost_matrix(cost, weights, THRESHOLD_MIN, p, fixed),
        "lscp": lambda: LSCP.from_cost_matrix(cost, THRESHOLD_MIN, fixed),
        "pmedian": lambda: PMedian.from_cost_matrix(cost, weights, p, fixed),
    }
    results = {}
    for name, build in builders.items():
        milp_s, exact = _time(build, "highs")
        greedy_s, greedy = _time(build, "greedy")
        results[name] = {
            "milp_s": round(milp_s, 3), "greedy_s": round(greedy_s, 3),
            "speedup": round(milp_s / greedy_s, 1),
            "milp_objective": exact.objective, "greedy_objective": greedy.objective,
            "greedy_bound_gap": round(greedy.gap, 5),
            "greedy_true_gap": round(abs(greedy.objective - exact.objective) / abs(exact.objective), 5),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=None, help="random instance of N × N")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    cost, weights, fixed, n_posts = (_demo_instance() if args.synthetic is None
                                     else _synthetic_instance(args.synthetic))
    report = {
        "instance": "demo-58" if args.synthetic is None else f"synthetic-{args.synthetic}",
        "clients": int(cost.shape[0]), "candidates": int(cost.shape[1]),
        "fixed": int(fixed.sum()), "posts": n_posts,
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "python": platform.python_version(), "results": run(cost, weights, fixed, n_posts),
    }
    print(json.dumps(report, indent=2) if args.json else report)


if __name__ == "__main__":
    main()
