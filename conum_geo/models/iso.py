"""Redeployment "à iso": give back the points of presence a scenario takes away.

The baseline's *points of presence* are the communes with a regular presence; a scenario
loses some (``lost``). With ``N`` posts still funded, ``IsoReplacement`` opens ``N`` new sites
among the candidates (at most one per commune, none in a commune that still has a presence)
so that, lexicographically:

1. the most lost points are **replaced**: a lost point is replaced by a distinct new site
   within ``replace_within`` minutes of it (a bipartite matching of lost points and new
   sites, so the points keep their number *and* their spread);
2. then the most demand is covered (the communes within the threshold of an open site,
   weighted by population, or by population × relative fragility);
3. then, among equal answers, the new sites closest to the people they cover: each
   candidate's *access* is the demand-weighted mean time of the communes it covers, and the
   sum of the new sites' access is minimised.

The three terms are one objective, ``A × replaced + covered − ε × access``, with ``A`` larger
than the total demand and ``ε`` too small for access to outweigh one unit of demand, solved
exactly as a MILP (PuLP + HiGHS) or greedily. The greedy adds, one site at a time, the
candidate that improves the objective most (a maximum matching, ``scipy.sparse.csgraph``,
says whether it replaces one more point); its proven bound is the maximum matching of the
lost points over every candidate (capped at ``N``) and the submodular bound of the covered
demand, so the gap is reported as for the other objectives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_bipartite_matching

from ..core.errors import ParameterError
from ..core.messages import says
from .optimize import Problem


def matching_size(reach: np.ndarray) -> int:
    """Size of a maximum matching of the rows (lost points) to the columns (new sites)."""
    if reach.size == 0 or not reach.any():
        return 0
    match = maximum_bipartite_matching(sp.csr_matrix(reach.astype(np.int8)), perm_type="column")
    return int((match >= 0).sum())


@dataclass
class IsoReplacement(Problem):
    """Module doc. ``cost``: communes × candidates (minutes, covering within the threshold);
    ``replace``: lost points × candidates (within ``replace_within``); ``group``: the commune
    of each candidate (-1 for candidates that may not be opened anew).

    Attributes
    ----------
    replace
        Lost points × candidates: whether a candidate may take a lost point.
    group
        Each candidate's commune (-1: may not be opened anew).
    access
        Each candidate's access: the demand-weighted mean time of the communes it covers.
    """

    replace: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    group: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    access: np.ndarray = field(default_factory=lambda: np.zeros(0))
    maximize = True

    @classmethod
    def from_matrices(cls, cost_matrix, weights, service_radius: float, replace, group, p_facilities: int,
                      predefined_facilities_arr=None, name: str = "iso") -> IsoReplacement:
        problem = cls._covering(cost_matrix, weights, service_radius, p_facilities, predefined_facilities_arr, name)
        replace = np.asarray(replace, dtype=bool)
        group = np.asarray(group, dtype=np.int64)
        if replace.ndim != 2 or replace.shape[1] != problem.n_facilities or len(group) != problem.n_facilities:
            raise ParameterError(says("iso_groups", count=problem.n_facilities))
        problem.group = group
        problem.replace = replace & (group >= 0)[None, :] & ~problem.predefined[None, :]
        reach = problem.reach
        demand = problem.weights[:, None] * reach
        with np.errstate(invalid="ignore"):
            problem.access = np.where(reach.any(axis=0), (demand * np.where(reach, problem.cost, 0)).sum(axis=0)
                                      / np.maximum(demand.sum(axis=0), 1e-12), 0.0)
        return problem

    # The three terms' weights (module doc).
    @property
    def _a(self) -> float:
        return float(self.weights.sum()) + 1.0

    @property
    def _epsilon(self) -> float:
        positive = self.weights[self.weights > 0]
        unit = float(positive.min()) if len(positive) else 1.0
        return 0.5 * unit / (self.p * float(self.access.max(initial=0.0)) + 1.0)

    def replaced(self, selected) -> int:
        """Lost points the new sites among ``selected`` replace."""
        return matching_size(self.replace[:, np.asarray(selected, dtype=int)])

    def covered_weight(self, selected) -> float:
        return float(self.weights[self.reach[:, np.asarray(selected, dtype=int)].any(axis=1)].sum())

    def evaluate(self, selected) -> float:
        selected = np.asarray(selected, dtype=int)
        new = selected[~self.predefined[selected]]
        return (self._a * self.replaced(selected) + self.covered_weight(selected)
                - self._epsilon * float(self.access[new].sum()))

    @property
    def openable(self) -> np.ndarray:
        return (self.group >= 0) & ~self.predefined

    @property
    def p_reachable(self) -> int:
        """Facilities that can be open: the predefined plus one per commune, at most ``p``."""
        groups = len(np.unique(self.group[self.openable]))
        return int(self.predefined.sum()) + min(self.p - int(self.predefined.sum()), groups)

    def _milp(self, pulp):
        problem = pulp.LpProblem(self.name, pulp.LpMaximize)
        x = self._binary(pulp, "x", self.n_facilities, self.predefined)
        for j in np.flatnonzero(~self.openable & ~self.predefined):
            problem += x[j] == 0
        coverable = np.flatnonzero(self.reach.any(axis=1))
        y = {i: pulp.LpVariable(f"y_{i}", cat="Binary") for i in coverable}
        # z[(point, site)]: the lost point is replaced by that new site
        z = {(int(k), int(j)): pulp.LpVariable(f"z_{k}_{j}", cat="Binary") for k, j in zip(*np.nonzero(self.replace))}
        problem += (self._a * pulp.lpSum(z.values()) + pulp.lpSum(self.weights[i] * y[i] for i in coverable)
                    - self._epsilon * pulp.lpSum(self.access[j] * x[j] for j in np.flatnonzero(self.openable)))
        for i in coverable:
            problem += y[i] <= pulp.lpSum(x[j] for j in np.flatnonzero(self.reach[i]))
        by_point: dict[int, list] = {}
        by_site: dict[int, list] = {}
        for (point, site), var in z.items():
            problem += var <= x[site]
            by_point.setdefault(point, []).append(var)
            by_site.setdefault(site, []).append(var)
        for group in (*by_point.values(), *by_site.values()):
            problem += pulp.lpSum(group) <= 1
        for g in np.unique(self.group[self.openable]):
            problem += pulp.lpSum(x[j] for j in np.flatnonzero(self.openable & (self.group == g))) <= 1
        problem += pulp.lpSum(x) == self.p_reachable
        return problem, x

    def _greedy(self) -> np.ndarray:
        open_mask = self.predefined.copy()
        used: set[int] = set()
        for _ in range(self.p_reachable - int(self.predefined.sum())):
            base = self.evaluate(np.flatnonzero(open_mask))
            best, best_gain = -1, -math.inf
            for j in np.flatnonzero(self.openable & ~open_mask):
                if int(self.group[j]) in used:
                    continue
                open_mask[j] = True
                gain = self.evaluate(np.flatnonzero(open_mask)) - base
                open_mask[j] = False
                if gain > best_gain + 1e-12:
                    best, best_gain = int(j), gain
            if best < 0:
                break
            open_mask[best] = True
            used.add(int(self.group[best]))
        return open_mask

    def _greedy_bound(self, open_mask) -> float:
        n_new = self.p_reachable - int(self.predefined.sum())
        replaced = min(n_new, matching_size(self.replace[:, self.openable]))
        start = self.covered_weight(np.flatnonzero(self.predefined))
        uncovered = ~self.reach[:, self.predefined].any(axis=1)
        gains = np.sort(np.where(self.openable, (self.weights * uncovered) @ self.reach, 0.0))[::-1]
        covered = min(start + gains[:n_new].sum(), self.covered_weight(np.arange(self.n_facilities)))
        return self._a * replaced + covered
