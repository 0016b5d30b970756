"""Redeployment à iso: small instances solved by enumeration, and the demo's guarantees."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from conum_geo.models.iso import IsoReplacement
from conum_geo.models.optimize import milp_available


def _brute_force(cost, weights, radius, replace, group, p, fixed):
    """The best (replaced, covered, −access) over every feasible choice, by enumeration, with
    its own matching (permutations) and access: independent of the module's code."""
    reach = cost <= radius
    demand = weights[:, None] * reach
    access = np.where(reach.any(axis=0), (demand * np.where(reach, cost, 0)).sum(axis=0)
                      / np.maximum(demand.sum(axis=0), 1e-12), 0.0)
    openable = [j for j in range(cost.shape[1]) if group[j] >= 0 and not fixed[j]]
    best = None
    n_new = p - int(fixed.sum())
    for chosen in itertools.combinations(openable, n_new):
        if len({group[j] for j in chosen}) < len(chosen):
            continue
        selected = list(np.flatnonzero(fixed)) + list(chosen)
        replaced = 0
        n_lost = replace.shape[0]
        for order in itertools.permutations([*chosen, *[None] * n_lost], n_lost):  # point k ↔ order[k]
            pairs = sum(j is not None and bool(replace[k, j]) for k, j in enumerate(order))
            replaced = max(replaced, pairs)
        covered = float(weights[reach[:, selected].any(axis=1)].sum())
        key = (replaced, covered, -float(access[list(chosen)].sum()))
        if best is None or key > best[0]:
            best = (key, sorted(selected))
    return best


def _instance(seed):
    rng = np.random.default_rng(seed)
    n_communes, n_candidates = 7, 6
    cost = rng.uniform(0, 40, (n_communes, n_candidates))
    cost[rng.random(cost.shape) < 0.2] = np.inf
    weights = rng.integers(50, 2000, n_communes).astype(float)
    lost = rng.choice(n_communes, 3, replace=False)
    replace = cost[lost] <= 15.0
    group = rng.integers(0, 4, n_candidates)
    fixed = np.zeros(n_candidates, dtype=bool)
    fixed[0] = True
    group[0] = -1
    return cost, weights, replace, group, fixed


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("solver", ["greedy", pytest.param("highs", marks=pytest.mark.skipif(
    not milp_available(), reason="PuLP/HiGHS absent (extra optimize)"))])
def test_iso_equals_enumeration(seed, solver):
    cost, weights, replace, group, fixed = _instance(seed)
    p = 1 + 2
    (replaced, covered, _), _ = _brute_force(cost, weights, 20.0, replace, group, p, fixed)
    problem = IsoReplacement.from_matrices(cost, weights, 20.0, replace, group, p, fixed).solve(solver)
    got = (problem.replaced(problem.selected), problem.covered_weight(problem.selected))
    if solver == "highs":
        assert got == (replaced, covered)
        assert problem.gap == 0.0
    else:  # the greedy is never better than the optimum, and its bound is above it
        assert got <= (replaced, covered)
        assert problem.bound >= problem.evaluate(_brute_force(cost, weights, 20.0, replace, group, p, fixed)[1]) - 1e-9
    chosen_groups = group[problem.selected[~fixed[problem.selected]]]
    assert len(set(chosen_groups)) == len(chosen_groups) and (chosen_groups >= 0).all()


def test_a_point_with_no_candidate_within_r_is_not_counted_replaced():
    cost = np.array([[0.0, 5.0], [30.0, 0.0]])
    replace = np.array([[True, False], [False, False]])  # the second lost point: nothing within R
    problem = IsoReplacement.from_matrices(cost, np.array([100.0, 10.0]), 20.0, replace, np.array([0, 1]), 2)
    problem.solve("greedy")
    assert problem.replaced(problem.selected) == 1 and not problem.replace[1].any()


def test_ties_go_to_the_site_closest_to_the_people_it_covers():
    # both candidates cover the same commune and replace the same point; the second is nearer
    cost = np.array([[12.0, 3.0]])
    problem = IsoReplacement.from_matrices(cost, np.array([500.0]), 20.0, np.array([[True, True]]),
                                           np.array([0, 1]), 1)
    assert problem.solve("greedy").selected.tolist() == [1]
    if milp_available():
        assert problem.solve("highs").selected.tolist() == [1]


def test_demo_iso_redeploy(demo_territory, demo_graph):
    from conum_geo.data.cost_files import load_costs
    from conum_geo.data.scenario_files import load_scenario
    from conum_geo.models.redeploy import redeploy

    scenario = load_scenario("departement-non-renouvele")
    result = redeploy(demo_territory, demo_graph, scenario=scenario, objective="iso", n_posts=3,
                      replace_within_min=15.0, costs=load_costs())
    new = result.new_sites
    assert new["code_insee"].str.startswith("58").all()
    lost = result.lost_points
    replaced = lost["replaced_by_id"] != ""
    assert (lost.loc[replaced, "time_min"] <= 15.0 + 1e-9).all()
    # 3 posts of 28 field hours hold 8 regular presences of 3.5 h each: 24 points at most
    assert len(new) == min(len(lost), 24) and replaced.sum() == len(new)
    assert set(lost.loc[~replaced, "reason"]) <= {"postes insuffisants"}
    # every new site has hosts, its own commune first
    for site in "redeploiement-" + new["candidate_id"]:
        hosts = result.hosts.loc[result.hosts["site_id"] == site]
        assert hosts.iloc[0]["host_type"] == "commune"
    assert result.table.loc["redeployed", "posts"] == result.table.loc["scenario", "posts"] + 3
