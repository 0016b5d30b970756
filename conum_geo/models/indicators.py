"""Headline indicators of a coverage: who is covered, how far people are, how unequal.

- ``population_covered`` / ``communes_covered``: the ``covered`` rule of ``coverage``;
- ``mean_access_min``: population-weighted mean time to the nearest presence, over the
  communes that reach one;
- ``p90_access_min``: the time within which 90 % of that population reaches a presence;
- ``beyond_20_min_share`` / ``beyond_30_min_share``: share of the population whose nearest
  presence is more than 20 / 30 minutes away, or out of reach — these read the right way when
  almost everyone is close (unlike a Gini);
- ``communes_regular`` / ``communes_occasional``: communes whose best presence within the
  threshold is a *permanence régulière* / only a *passage ponctuel* (``coverage``);
- ``gini_access``: population-weighted Gini coefficient of the time (0: everyone equally far;
  1: all the travel burden on one commune). It approaches 1 when almost everyone's time is 0
  (rayonnement): mathematically right and easy to misread, so it comes after the measures
  above;
- ``fragile_covered_share``: share of the population of the most fragile communes (digital
  fragility index in the top ``FRAGILE_QUANTILE`` of communes) that is covered; NaN without
  a ``fragility`` column;
- ``rural_covered_share``: share of the rural population that is covered. Rural communes
  are levels ``RURAL_DENSITY_LEVELS`` of INSEE's 7-level density grid when the communes
  carry ``density_level``, else (stated in ``rural_rule``) communes under
  ``RURAL_POPULATION`` inhabitants, INSEE's definition before 2020.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FRAGILE_QUANTILE = 0.8
RURAL_DENSITY_LEVELS = (5, 6, 7)
RURAL_POPULATION = 2000


def gini(values, weights=None) -> float:
    """Weighted Gini coefficient of non-negative ``values`` (0 when all zero, NaN when empty)."""
    values = np.asarray(values, dtype=float)
    weights = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=float)
    keep = np.isfinite(values) & (weights > 0)
    values, weights = values[keep], weights[keep]
    if len(values) == 0:
        return float("nan")
    if (values * weights).sum() == 0:
        return 0.0
    order = np.argsort(values, kind="stable")
    values, weights = values[order], weights[order]
    cum_w = np.cumsum(weights) / weights.sum()
    cum_v = np.cumsum(values * weights) / (values * weights).sum()
    # area under the Lorenz curve by trapezoids
    lorenz = np.sum((cum_w - np.r_[0.0, cum_w[:-1]]) * (cum_v + np.r_[0.0, cum_v[:-1]]))
    return float(1.0 - lorenz)


def rural_mask(communes: pd.DataFrame) -> tuple[np.ndarray, str]:
    """Rural communes and the rule used (``core.vocabulary.RURAL_RULES``)."""
    if "density_level" in communes.columns and communes["density_level"].notna().any():
        return communes["density_level"].isin(RURAL_DENSITY_LEVELS).to_numpy(), "density"
    return (communes["population"] < RURAL_POPULATION).to_numpy(), "population"


def _covered_share(population: np.ndarray, covered: np.ndarray, mask: np.ndarray) -> float:
    total = population[mask].sum()
    return float(population[mask & covered].sum() / total) if total else float("nan")


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The weighted ``q`` quantile (the smallest value whose cumulative weight reaches ``q``)."""
    if len(values) == 0 or weights.sum() <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return float(values[order][np.searchsorted(cumulative, q - 1e-12)])


def coverage_indicators(metrics: pd.DataFrame, communes: pd.DataFrame,
                        presence_codes=()) -> dict:
    """Indicators (module doc) of per-commune ``metrics`` (``coverage.commune_coverage``).

    ``communes`` are in the same order as ``metrics``; ``presence_codes`` are the communes
    that host a presence.
    """
    population = communes["population"].to_numpy(dtype=float)
    covered = metrics["covered"].to_numpy(dtype=bool)
    access = metrics["access_min"].to_numpy(dtype=float)
    reachable = np.isfinite(access)
    fragile = np.zeros(len(communes), dtype=bool)
    if "fragility" in communes.columns and communes["fragility"].notna().any():
        fragility = communes["fragility"].to_numpy(dtype=float)
        fragile = fragility >= np.nanquantile(fragility, FRAGILE_QUANTILE)
    rural, _ = rural_mask(communes)
    weights = population[reachable]
    return {
        "population_covered": int(population[covered].sum()),
        "population_covered_share": _covered_share(population, covered, np.ones_like(covered)),
        "communes_covered": int(covered.sum()),
        "communes_with_presence": int(communes["code_insee"].isin(set(presence_codes)).sum()),
        "communes_regular": int((metrics["presence_level"] == "reguliere").sum()) if "presence_level" in metrics else int(covered.sum()),
        "communes_occasional": int((metrics["presence_level"] == "ponctuelle").sum()) if "presence_level" in metrics else 0,
        "mean_access_min": (float(np.average(access[reachable], weights=weights))
                            if weights.sum() > 0 else float("nan")),
        "p90_access_min": weighted_quantile(access[reachable], weights, 0.9),
        "beyond_20_min_share": _covered_share(population, ~(np.nan_to_num(access, nan=np.inf) <= 20), np.ones_like(covered)),
        "beyond_30_min_share": _covered_share(population, ~(np.nan_to_num(access, nan=np.inf) <= 30), np.ones_like(covered)),
        "gini_access": gini(access[reachable], weights),
        "fragile_covered_share": _covered_share(population, covered, fragile) if fragile.any() else float("nan"),
        "rural_covered_share": _covered_share(population, covered, rural),
        "unreachable_communes": int((~reachable).sum()),
        **{f"{when}_share": (_covered_share(population, metrics[f"{when}_h"].to_numpy(dtype=float) > 0,
                                            np.ones_like(covered)) if f"{when}_h" in metrics else float("nan"))
           for when in ("evening", "saturday")},
    }
