"""MCLP, LSCP and p-median against brute-force enumeration on small instances."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from conum_geo.core.errors import ParameterError
from conum_geo.models import optimize
from conum_geo.models.optimize import LSCP, MCLP, PMedian

needs_milp = pytest.mark.skipif(not optimize.milp_available(), reason="PuLP/highspy not installed")

RADIUS = 10.0


def _instance(seed: int, n_cli: int = 9, n_fac: int = 7, unreachable_share: float = 0.15):
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0, 25, size=(n_cli, n_fac)).round(1)
    cost[rng.random(cost.shape) < unreachable_share] = np.inf
    weights = rng.integers(1, 500, size=n_cli).astype(float)
    return cost, weights


def _subsets(n_fac: int, size: int, fixed: set[int]):
    free = [j for j in range(n_fac) if j not in fixed]
    for extra in itertools.combinations(free, size - len(fixed)):
        yield sorted(fixed | set(extra))


def _brute_mclp(cost, weights, p, fixed):
    return max(weights[(cost[:, s] <= RADIUS).any(axis=1)].sum() for s in _subsets(cost.shape[1], p, fixed))


def _brute_lscp(cost, fixed):
    coverable = (cost <= RADIUS).any(axis=1)
    for size in range(len(fixed), cost.shape[1] + 1):
        for s in _subsets(cost.shape[1], size, fixed):
            if ((cost[:, s] <= RADIUS).any(axis=1) | ~coverable).all():
                return size
    raise AssertionError("unreachable")


def _brute_pmedian(cost, weights, p, fixed, unassigned):
    return min(
        float(weights @ np.minimum(cost[:, s].min(axis=1), unassigned))
        for s in _subsets(cost.shape[1], p, fixed)
    )


@needs_milp
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("fixed", [set(), {2}, {0, 5}])
def test_mclp_milp_equals_brute_force(seed, fixed):
    cost, weights = _instance(seed)
    p = len(fixed) + 2
    model = MCLP.from_cost_matrix(cost, weights, RADIUS, p, predefined_facilities_arr=sorted(fixed))
    model.solve("highs")
    assert model.objective == pytest.approx(_brute_mclp(cost, weights, p, fixed))
    assert fixed <= set(model.selected) and len(model.selected) == p
    assert model.status == "optimal" and model.gap == pytest.approx(0.0, abs=1e-9)
    # every covered client is assigned to an open facility within the radius
    covered = model.cli2fac >= 0
    assert weights[covered].sum() == pytest.approx(model.objective)
    assert (cost[covered, model.cli2fac[covered]] <= RADIUS).all()


@needs_milp
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("fixed", [set(), {1}, {3, 4}])
def test_lscp_milp_equals_brute_force(seed, fixed):
    cost, _ = _instance(seed)
    model = LSCP.from_cost_matrix(cost, RADIUS, predefined_facilities_arr=sorted(fixed)).solve("highs")
    assert model.objective == _brute_lscp(cost, fixed)
    assert fixed <= set(model.selected)
    coverable = (cost <= RADIUS).any(axis=1)
    assert (model.cli2fac[coverable] >= 0).all()
    assert set(model.unreachable) == set(np.flatnonzero(~coverable))


@needs_milp
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("fixed", [set(), {6}, {0, 3}])
def test_pmedian_milp_equals_brute_force(seed, fixed):
    cost, weights = _instance(seed)
    p = len(fixed) + 2
    model = PMedian.from_cost_matrix(cost, weights, p, predefined_facilities_arr=sorted(fixed),
                                     unassigned_cost=40.0).solve("highs")
    assert model.objective == pytest.approx(_brute_pmedian(cost, weights, p, fixed, 40.0))
    assert fixed <= set(model.selected) and len(model.selected) == p


@needs_milp
def test_pmedian_default_unassigned_cost_is_twice_the_largest_cost():
    cost = np.array([[1.0, np.inf], [np.inf, 3.0]])
    model = PMedian.from_cost_matrix(cost, [1, 1], 1).solve("highs")
    assert model.unassigned_cost == 6.0
    assert model.objective == pytest.approx(1.0 + 6.0)  # either facility leaves one client unassigned


@pytest.mark.parametrize("seed", range(6))
def test_greedy_is_feasible_and_its_bound_brackets_the_optimum(seed):
    cost, weights = _instance(seed, n_cli=10, n_fac=8)
    fixed = {1}
    p = 3
    mclp = MCLP.from_cost_matrix(cost, weights, RADIUS, p, [1]).solve("greedy")
    best = _brute_mclp(cost, weights, p, fixed)
    assert 1 in mclp.selected and len(mclp.selected) == p
    assert mclp.objective <= best + 1e-9 <= mclp.bound + 1e-9
    assert mclp.gap == pytest.approx((mclp.bound - mclp.objective) / mclp.objective)

    lscp = LSCP.from_cost_matrix(cost, RADIUS, [1]).solve("greedy")
    best = _brute_lscp(cost, fixed)
    assert lscp.bound <= best <= lscp.objective < math.inf

    pmed = PMedian.from_cost_matrix(cost, weights, p, [1], unassigned_cost=40.0).solve("greedy")
    best = _brute_pmedian(cost, weights, p, fixed, 40.0)
    assert 0 < pmed.bound - 1e-9 <= best <= pmed.objective + 1e-9  # Lagrangian bound, every cost > 0
    assert pmed.method == "greedy"


def test_greedy_mclp_hand_computed():
    # facility 0 covers clients 0,1 (weights 5+4); facility 1 covers 1,2 (4+6); facility 2 covers 3 (1)
    cost = np.array([[1, 99, 99], [2, 3, 99], [99, 4, 99], [99, 99, 1.0]])
    weights = np.array([5, 4, 6, 1.0])
    model = MCLP.from_cost_matrix(cost, weights, 5, 2).solve("greedy")
    assert list(model.selected) == [0, 1]  # 1 first (10), then 0 (+5)
    assert model.objective == 15
    assert model.bound == 16  # min(0 + 10 + 9, total coverable 16)


@needs_milp
def test_auto_falls_back_to_greedy_on_large_instances(monkeypatch):
    cost, weights = _instance(0)
    monkeypatch.setattr(optimize, "MAX_MILP_PAIRS", 3)
    assert MCLP.from_cost_matrix(cost, weights, RADIUS, 2).solve().method == "greedy"
    monkeypatch.setattr(optimize, "MAX_MILP_PAIRS", 10**6)
    assert MCLP.from_cost_matrix(cost, weights, RADIUS, 2).solve().method.startswith("milp")


@needs_milp
def test_other_pulp_solver_is_accepted():
    import pulp

    cbc = pulp.PULP_CBC_CMD(msg=False)
    if not cbc.available():
        pytest.skip("CBC not available")
    cost, weights = _instance(3)
    model = MCLP.from_cost_matrix(cost, weights, RADIUS, 3).solve(cbc)
    assert model.objective == pytest.approx(_brute_mclp(cost, weights, 3, set()))
    assert model.gap == 0.0


@pytest.mark.parametrize("kwargs, field", [
    ({"p_facilities": 1, "predefined_facilities_arr": [0, 1]}, "p_facilities"),
    ({"p_facilities": 9}, "p_facilities"),
    ({"p_facilities": 1, "weights": [1, 2]}, "weights"),
])
def test_bad_input_names_the_field(kwargs, field):
    cost, weights = _instance(0)
    args = {"cost_matrix": cost, "weights": weights, "service_radius": RADIUS} | kwargs
    with pytest.raises(ParameterError, match=field):
        MCLP.from_cost_matrix(**args)


def test_unknown_solver_name():
    cost, weights = _instance(0)
    with pytest.raises(ParameterError, match="solveur"):
        MCLP.from_cost_matrix(cost, weights, RADIUS, 2).solve("cplex-please")
