"""Facility location: maximal covering (MCLP), set covering (LSCP), p-median, with spopt's models.

A problem is built from a cost matrix (clients × candidate facilities, e.g. minutes from a
commune to a candidate site; ``inf`` or ``NaN`` where a client cannot reach a candidate) with
``from_cost_matrix``; ``predefined_facilities_arr`` marks facilities that stay open (sites
that are kept). As in spopt, ``p_facilities`` counts **every** open facility, predefined ones
included. ``solve(solver)`` returns the problem with its solution:

- ``solver="auto"`` (default): the exact MILP through PuLP and HiGHS (extra ``optimize``)
  when both are installed and the instance has at most ``MAX_MILP_PAIRS`` client–facility
  pairs; the greedy heuristic otherwise;
- ``"highs"``: the MILP through PuLP's HiGHS interface (``highspy``), solved to a zero
  relative gap unless ``time_limit_s`` stops it first. The MILPs are spopt's (PySAL,
  ``spopt.locate``: ``MCLP``, ``LSCP`` on the coverable clients, ``PMedian`` on the costs
  capped at ``unassigned_cost``), built from the same cost matrix; this module adds what
  spopt lacks: the greedy fallback and its bounds, the solver's proven bound and gap, the
  banner-free solve, and the "à iso" model (``models.iso``) that spopt has no equivalent of;
- ``"greedy"``: add, one at a time, the facility that improves the objective most (ties:
  lowest index); for LSCP, then close the facilities that became redundant; for p-median,
  then swap an open facility for a closed one while that helps (Teitz–Bart interchange,
  skipped beyond ``INTERCHANGE_BUDGET``);
- any PuLP solver object, e.g. ``pulp.PULP_CBC_CMD(msg=False)``.

Solution attributes: ``selected`` (sorted indices of open facilities), ``cli2fac`` (per
client, the open facility serving it or covering it at least cost, ``-1`` when none),
``fac2cli`` (per open facility, its clients), ``objective``, ``bound`` (a proven bound on the
optimum: the solver's dual bound, or for greedy a bound of its own: submodularity for MCLP,
the best single-facility coverage for LSCP, a Lagrangian relaxation of the assignment
constraints for p-median), ``gap`` (``|objective − bound| / |objective|``, 0 when proven
optimal, NaN when unknown), ``method`` and ``status``.

Clients that no candidate can serve are reported (``unreachable``) and left out of LSCP's
constraints; in p-median a client that no open facility reaches costs ``unassigned_cost``.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import logging
import math
import os
import sys
import tempfile
from dataclasses import dataclass, field

import numpy as np

from ..core.errors import ParameterError, SolverError
from ..core.messages import says

log = logging.getLogger(__name__)

#: Instances with more client–facility pairs than this are solved greedily under "auto".
MAX_MILP_PAIRS = 400_000
#: p-median greedy: swaps are tried while clients × facilities × p stays under this.
INTERCHANGE_BUDGET = 5e8
#: p-median greedy: subgradient steps of the Lagrangian bound.
LAGRANGIAN_ITERATIONS = 300

@contextlib.contextmanager
def native_output_to_log():
    """Route what native code writes on file descriptors 1 and 2 during the block (HiGHS
    prints a banner from its constructor, whatever its options) to the debug log.

    Python's streams are flushed before, the C library's before the descriptors come back, so
    nothing of the solver reaches stdout (``--json`` stays pure JSON) or stderr unasked.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    saved = (os.dup(1), os.dup(2))
    try:
        libc = ctypes.CDLL(None)
    except OSError:  # pragma: no cover - no C library to flush
        libc = None
    with tempfile.TemporaryFile() as sink:
        try:
            os.dup2(sink.fileno(), 1)
            os.dup2(sink.fileno(), 2)
            yield
        finally:
            if libc is not None:
                libc.fflush(None)
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            sink.seek(0)
            text = sink.read().decode("utf-8", errors="replace").strip()
            if text:
                log.debug("solver output:\n%s", text)


def milp_available() -> bool:
    """True when PuLP, highspy and spopt (extra ``optimize``) are importable."""
    return all(importlib.util.find_spec(name) is not None for name in ("pulp", "highspy", "spopt"))


@dataclass
class Problem:
    """Shared data and solve loop; subclasses define the model and the greedy step.

    Attributes
    ----------
    cost
        Clients × facilities (minutes; inf: unreachable).
    weights
        Each client's weight (population).
    p_facilities
        How many facilities to open (None: set covering chooses).
    predefined
        Facilities open in any case.
    name
        The problem's name, in logs.
    service_radius
        Covering problems: a facility covers the clients within this cost.
    unassigned_cost
        p-median: the cost of a client no open facility reaches.
    selected, cli2fac
        After ``solve``: the facilities opened, and each client's facility (-1: none).
    objective, bound, gap
        The objective's value, the solver's bound and the gap between them.
    method, status
        How it was solved (``milp (<solver>)`` or the greedy heuristic) and its status
        (``optimal``, ``feasible (stopped early)``, …).
    """

    cost: np.ndarray
    weights: np.ndarray
    p_facilities: int | None
    predefined: np.ndarray
    name: str
    #: Covering problems: a facility covers the clients within this cost.
    service_radius: float = math.inf
    #: p-median: cost of a client that no open facility reaches.
    unassigned_cost: float = math.inf
    selected: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), init=False)
    cli2fac: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), init=False)
    objective: float = field(default=math.nan, init=False)
    bound: float = field(default=math.nan, init=False)
    gap: float = field(default=math.nan, init=False)
    method: str = field(default="", init=False)
    status: str = field(default="not solved", init=False)

    maximize = False

    @staticmethod
    def _validate(cost, weights, p_facilities, predefined, *, name: str):
        cost = np.asarray(cost, dtype=float)
        if cost.ndim != 2:
            raise ParameterError(says("cost_matrix_shape", shape=cost.shape))
        cost = np.where(np.isnan(cost), np.inf, cost)
        if (cost < 0).any():
            raise ParameterError(says("cost_matrix_negative"))
        n_cli, n_fac = cost.shape
        weights = np.ones(n_cli) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
        if len(weights) != n_cli or not np.isfinite(weights).all() or (weights < 0).any():
            raise ParameterError(says("weights", count=n_cli))
        if predefined is None:
            predefined = np.zeros(n_fac, dtype=bool)
        else:
            predefined = np.asarray(predefined).reshape(-1)
            if predefined.dtype != bool:
                mask = np.zeros(n_fac, dtype=bool)
                mask[predefined.astype(int)] = True
                predefined = mask
            if len(predefined) != n_fac:
                raise ParameterError(says("predefined", count=n_fac))
        if p_facilities is not None:
            if not predefined.sum() <= p_facilities <= n_fac:
                raise ParameterError(says("p_facilities", fixed=int(predefined.sum()), candidates=n_fac,
                                          value=p_facilities))
        return cost, weights, (None if p_facilities is None else int(p_facilities)), predefined, name

    @classmethod
    def _covering(cls, cost_matrix, weights, service_radius, p_facilities, predefined, name):
        """A covering problem: a facility covers the clients within ``service_radius``."""
        cost, weights, p, predefined, name = cls._validate(
            cost_matrix, weights, p_facilities, predefined, name=name)
        return cls(np.where(cost <= service_radius, cost, np.inf), weights, p, predefined, name,
                   service_radius=float(service_radius))

    @property
    def n_clients(self) -> int:
        return self.cost.shape[0]

    @property
    def n_facilities(self) -> int:
        return self.cost.shape[1]

    @property
    def reach(self) -> np.ndarray:
        """Boolean clients × facilities: the facility serves (or covers) the client."""
        return np.isfinite(self.cost)

    @property
    def unreachable(self) -> np.ndarray:
        """Indices of clients no candidate can serve."""
        return np.flatnonzero(~self.reach.any(axis=1))

    @property
    def fac2cli(self) -> list[np.ndarray]:
        return [np.flatnonzero(self.cli2fac == j) for j in self.selected]

    def solve(self, solver="auto", *, time_limit_s: float | None = None):
        """Solve with ``solver`` ("auto", "highs", "greedy" or a PuLP solver); return self."""
        if isinstance(solver, str) and solver not in ("auto", "highs", "greedy"):
            raise ParameterError(says("solver_unknown", solver=solver))
        if solver == "auto":
            pairs = int(self.reach.sum())
            solver = "highs" if milp_available() and pairs <= MAX_MILP_PAIRS else "greedy"
            if solver == "greedy":
                log.info("%s: greedy heuristic (%d pairs; MILP available: %s)", self.name, pairs,
                         milp_available())
        if solver == "greedy":
            open_ = self._greedy()
            self.method, self.status = "greedy", "heuristic"
            self._finish(open_, self._greedy_bound(open_))
        else:
            self._solve_milp(solver, time_limit_s)
        return self

    def _finish(self, open_mask: np.ndarray, bound: float) -> None:
        self.selected = np.flatnonzero(open_mask)
        self.objective = self.evaluate(self.selected)
        self.cli2fac = self._assign(open_mask)
        self.bound = bound
        if not math.isfinite(bound):
            self.gap = math.nan
        else:
            slack = (bound - self.objective) if self.maximize else (self.objective - bound)
            self.gap = slack / max(abs(self.objective), 1e-12) if slack > 1e-9 else 0.0

    def _assign(self, open_mask: np.ndarray) -> np.ndarray:
        cost = np.where(open_mask[None, :], self.cost, np.inf)
        best = np.argmin(cost, axis=1)
        return np.where(np.isfinite(cost[np.arange(self.n_clients), best]), best, -1)

    def _solve_milp(self, solver, time_limit_s) -> None:
        import pulp

        if solver == "highs":
            solver = pulp.HiGHS(msg=False, gapRel=0.0, timeLimit=time_limit_s)
        problem, x = self._milp(pulp)
        with native_output_to_log():
            problem.solve(solver)
        solution = pulp.LpSolution[problem.sol_status] if problem.sol_status in pulp.LpSolution else "?"
        if problem.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
            raise SolverError(says("solver_failed", name=self.name, status=solution))
        open_mask = np.array([round(v.value() or 0.0) == 1 for v in x])
        proven = problem.sol_status == pulp.LpSolutionOptimal
        bound = self._dual_bound(problem)
        if math.isnan(bound) and proven:
            bound = self.evaluate(np.flatnonzero(open_mask))
        self.method = f"milp ({solver.name})"
        self.status = "optimal" if proven else "feasible (stopped early)"
        self._finish(open_mask, bound)

    def _dual_bound(self, problem) -> float:
        """HiGHS' proven bound on the optimum, in the problem's own sense (NaN if unknown)."""
        model = getattr(problem, "solverModel", None)
        if model is None or not hasattr(model, "getInfo"):
            return math.nan
        bound = float(model.getInfo().mip_dual_bound)
        if not math.isfinite(bound):
            return math.nan
        return -bound if self.maximize else bound

    def _binary(self, pulp, prefix: str, count: int, lower: np.ndarray | None = None):
        lower = np.zeros(count, dtype=bool) if lower is None else lower
        # Integer in [lower, 1], not "Binary": PuLP resets a binary's lower bound to 0.
        return [pulp.LpVariable(f"{prefix}_{i}", lowBound=int(lower[i]), upBound=1, cat="Integer")
                for i in range(count)]

    @property
    def _spopt_predefined(self) -> np.ndarray | None:
        """The predefined facilities as spopt takes them (a 0/1 array, None when there are none)."""
        return self.predefined.astype(int) if self.predefined.any() else None

    @property
    def p(self) -> int:
        """The number of facilities to open (MCLP, p-median)."""
        if self.p_facilities is None:
            raise ParameterError(says("p_facilities_undefined", name=self.name))
        return self.p_facilities

    # What each problem defines.
    def evaluate(self, selected) -> float:
        """The objective of the facilities ``selected``."""
        raise NotImplementedError

    def _milp(self, pulp):
        """The PuLP model and its facility variables."""
        raise NotImplementedError

    def _greedy(self) -> np.ndarray:
        """The heuristic's open mask."""
        raise NotImplementedError

    def _greedy_bound(self, open_mask: np.ndarray) -> float:
        """A proven bound on the optimum, given the heuristic's solution."""
        raise NotImplementedError


class MCLP(Problem):
    """Maximal covering: open ``p_facilities`` facilities to maximise the covered weight."""

    maximize = True

    @classmethod
    def from_cost_matrix(cls, cost_matrix, weights, service_radius: float, p_facilities: int,
                         predefined_facilities_arr=None, name: str = "mclp") -> MCLP:
        """``cost_matrix`` clients × facilities; a client is covered within ``service_radius``."""
        return cls._covering(cost_matrix, weights, service_radius, p_facilities,
                             predefined_facilities_arr, name)

    def evaluate(self, selected) -> float:
        """Weight of the clients covered by the facilities ``selected``."""
        covered = self.reach[:, np.asarray(selected, dtype=int)].any(axis=1)
        return float(self.weights[covered].sum())

    @property
    def covered(self) -> np.ndarray:
        return self.cli2fac >= 0

    @property
    def perc_cov(self) -> float:
        """Share of the total weight covered (%)."""
        total = self.weights.sum()
        return 100.0 * self.objective / total if total else 0.0

    def _milp(self, pulp):
        from spopt.locate import MCLP as SpoptMCLP

        model = SpoptMCLP.from_cost_matrix(self.cost, self.weights, self.service_radius, self.p,
                                           predefined_facilities_arr=self._spopt_predefined, name=self.name)
        return model.problem, model.fac_vars

    def _gains(self, open_mask):
        uncovered = ~self.reach[:, open_mask].any(axis=1)
        return (self.weights * uncovered) @ self.reach

    def _greedy(self) -> np.ndarray:
        open_mask = self.predefined.copy()
        while open_mask.sum() < self.p:
            gains = np.where(open_mask, -1.0, self._gains(open_mask))
            open_mask[int(np.argmax(gains))] = True
        return open_mask

    def _greedy_bound(self, open_mask) -> float:
        start = self.evaluate(np.flatnonzero(self.predefined))
        gains = np.sort(np.where(self.predefined, 0.0, self._gains(self.predefined)))[::-1]
        extra = gains[: self.p - int(self.predefined.sum())].sum()
        return min(start + extra, self.evaluate(np.arange(self.n_facilities)))


class LSCP(Problem):
    """Set covering: the fewest facilities covering every client some candidate can cover."""

    @classmethod
    def from_cost_matrix(cls, cost_matrix, service_radius: float, predefined_facilities_arr=None,
                         name: str = "lscp") -> LSCP:
        """``cost_matrix`` clients × facilities; a client is covered within ``service_radius``."""
        return cls._covering(cost_matrix, None, service_radius, None, predefined_facilities_arr, name)

    def evaluate(self, selected) -> float:
        """Number of open facilities (inf when a coverable client is left uncovered)."""
        selected = np.asarray(selected, dtype=int)
        coverable = self.reach.any(axis=1)
        if (coverable & ~self.reach[:, selected].any(axis=1)).any():
            return math.inf
        return float(len(selected))

    def _milp(self, pulp):
        from spopt.locate import LSCP as SpoptLSCP

        coverable = self.reach.any(axis=1)  # spopt's LSCP must cover every client it is given
        model = SpoptLSCP.from_cost_matrix(self.cost[coverable], self.service_radius,
                                           predefined_facilities_arr=self._spopt_predefined, name=self.name)
        return model.problem, model.fac_vars

    def _uncovered(self, open_mask):
        return self.reach.any(axis=1) & ~self.reach[:, open_mask].any(axis=1)

    def _greedy(self) -> np.ndarray:
        open_mask = self.predefined.copy()
        while (uncovered := self._uncovered(open_mask)).any():
            counts = np.where(open_mask, -1, uncovered.astype(int) @ self.reach)
            open_mask[int(np.argmax(counts))] = True
        # then close the added facilities that became redundant, the least covering first
        added = np.flatnonzero(open_mask & ~self.predefined)
        for j in added[np.argsort(self.reach[:, added].sum(axis=0), kind="stable")]:
            open_mask[j] = False
            if self._uncovered(open_mask).any():
                open_mask[j] = True
        return open_mask

    def _greedy_bound(self, open_mask) -> float:
        uncovered = self._uncovered(self.predefined)
        most = (uncovered.astype(int) @ self.reach).max() if uncovered.any() else 0
        return float(self.predefined.sum() + (math.ceil(uncovered.sum() / most) if most else 0))


class PMedian(Problem):
    """p-median: open ``p_facilities`` facilities minimising the weighted cost to the nearest."""

    @classmethod
    def from_cost_matrix(cls, cost_matrix, weights, p_facilities: int,
                         predefined_facilities_arr=None, unassigned_cost: float | None = None,
                         name: str = "p-median") -> PMedian:
        """``unassigned_cost``: cost of a client no open facility reaches (default: twice the
        largest finite cost)."""
        cost, weights, p, predefined, name = cls._validate(
            cost_matrix, weights, p_facilities, predefined_facilities_arr, name=name)
        if p is None or p < 1:
            raise ParameterError(says("pmedian_one"))
        finite = cost[np.isfinite(cost)]
        default = 2.0 * (finite.max() if finite.size else 1.0)
        return cls(cost, weights, p, predefined, name,
                   unassigned_cost=float(unassigned_cost if unassigned_cost is not None else default))

    def _client_cost(self, open_mask) -> np.ndarray:
        cost = self.cost[:, open_mask].min(axis=1) if open_mask.any() else np.full(self.n_clients, np.inf)
        return np.minimum(cost, self.unassigned_cost)

    def evaluate(self, selected) -> float:
        """Weighted sum of each client's cost to its nearest facility in ``selected``."""
        mask = np.zeros(self.n_facilities, dtype=bool)
        mask[np.asarray(selected, dtype=int)] = True
        return float(self.weights @ self._client_cost(mask))

    @property
    def mean_cost(self) -> float:
        """Weighted mean cost of the clients (their weights summing to > 0)."""
        total = self.weights.sum()
        return self.objective / total if total else math.nan

    def _milp(self, pulp):
        from spopt.locate import PMedian as SpoptPMedian

        # a client no open facility reaches costs unassigned_cost: the costs capped at it
        model = SpoptPMedian.from_cost_matrix(np.minimum(self.cost, self.unassigned_cost), self.weights, self.p,
                                              predefined_facilities_arr=self._spopt_predefined, name=self.name)
        return model.problem, model.fac_vars

    def _greedy(self) -> np.ndarray:
        open_mask = self.predefined.copy()
        current = self._client_cost(open_mask)
        while open_mask.sum() < self.p:
            saving = self.weights @ np.maximum(current[:, None] - self.cost, 0.0)
            j = int(np.argmax(np.where(open_mask, -1.0, saving)))
            open_mask[j] = True
            current = np.minimum(current, self.cost[:, j])
        if self.n_clients * self.n_facilities * self.p <= INTERCHANGE_BUDGET:
            open_mask = self._interchange(open_mask)
        return open_mask

    def _interchange(self, open_mask: np.ndarray) -> np.ndarray:
        """Swap an open facility for a closed one while that lowers the objective (Teitz–Bart)."""
        best = self.weights @ self._client_cost(open_mask)
        improved = True
        while improved:
            improved = False
            for j in np.flatnonzero(open_mask & ~self.predefined):
                without = open_mask.copy()
                without[j] = False
                rest = self._client_cost(without)
                totals = self.weights @ np.minimum(rest[:, None], self.cost)
                totals[open_mask] = np.inf
                k = int(np.argmin(totals))
                if totals[k] < best - 1e-9 * max(abs(best), 1.0):
                    open_mask, best, improved = without, totals[k], True
                    open_mask[k] = True
                    break
        return open_mask

    def _greedy_bound(self, open_mask) -> float:
        """Lagrangian lower bound (assignment constraints relaxed), by subgradient steps with
        the heuristic's objective as target (Polyak step)."""
        weighted = np.where(self.reach, self.weights[:, None] * self.cost, np.inf)
        unassigned = self.weights * self.unassigned_cost
        free = np.flatnonzero(~self.predefined)
        n_free = self.p - int(self.predefined.sum())
        upper = self.weights @ self._client_cost(open_mask)
        multipliers = np.minimum(weighted.min(axis=1), unassigned)
        best, step, stale = -np.inf, 2.0, 0
        for _ in range(LAGRANGIAN_ITERATIONS):
            reduced = np.minimum(weighted - multipliers[:, None], 0.0)
            rho = reduced.sum(axis=0)
            chosen = self.predefined.copy()
            chosen[free[np.argsort(rho[free], kind="stable")[:n_free]]] = True
            value = multipliers.sum() + rho[chosen].sum() + np.minimum(unassigned - multipliers, 0.0).sum()
            if value > best + 1e-12 * max(abs(value), 1.0):
                best, stale = value, 0
            else:
                stale += 1
                if stale >= 20:
                    step, stale = step / 2, 0
            served = (reduced[:, chosen] < 0).sum(axis=1) + (unassigned < multipliers)
            gradient = 1.0 - served
            norm = float(gradient @ gradient)
            if norm == 0 or step < 1e-6 or upper - best <= 1e-9 * max(abs(upper), 1.0):
                break
            multipliers = multipliers + step * (upper - value) / norm * gradient
        return float(max(best, 0.0))
