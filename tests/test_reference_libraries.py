"""The field's own libraries as independent references: PySAL ``access`` for the 2SFCA ratio,
``mapclassify`` for the choropleth classes of the maps (test dependencies only)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conum_geo.analysis.coverage import DECAY_STEPS, RATIO_PER_INHABITANTS, commune_coverage
from conum_geo.core.settings import Settings

access = pytest.importorskip("access")
mapclassify = pytest.importorskip("mapclassify")


def _random_table(seed: int, threshold_min: float):
    rng = np.random.default_rng(seed)
    communes = pd.DataFrame({"code_insee": [f"58{k:03d}" for k in range(40)],
                             "population": rng.integers(20, 5000, 40)})
    sites = pd.DataFrame({"site_id": [f"S{k}" for k in range(12)], "kind": "conum",
                          "presence_h": rng.choice([3.5, 7.0, 14.0, 28.0, 35.0], 12),
                          "fte": 1.0, "active": True})
    pairs = [(s, c, float(rng.uniform(0, threshold_min * 1.3))) for s in sites["site_id"]
             for c in communes["code_insee"] if rng.random() < 0.4]
    times = pd.DataFrame(pairs, columns=["site_id", "code_insee", "time_min"])
    return communes, sites, times


def _steps(threshold_min: float):
    def weight(minutes):
        minutes = np.asarray(minutes, dtype=float)
        out = np.zeros(minutes.shape)
        for share, value in reversed(DECAY_STEPS):
            out[minutes <= share * threshold_min] = value
        return out
    return weight


@pytest.mark.parametrize("seed", range(4))
def test_the_ratio_is_pysal_access_enhanced_2sfca(seed):
    threshold = 20.0
    communes, sites, times = _random_table(seed, threshold)
    ours = commune_coverage(times.assign(time_s=times["time_min"] * 60.0)[["site_id", "code_insee", "time_s"]],
                            sites, communes, Settings(threshold_min=threshold))
    model = access.Access(demand_df=communes.set_index("code_insee"), demand_value="population",
                          supply_df=sites.set_index("site_id"), supply_value="presence_h",
                          cost_df=times, cost_origin="code_insee", cost_dest="site_id", cost_name="time_min")
    reference = model.enhanced_two_stage_fca(name="e2sfca", weight_fn=_steps(threshold), max_cost=threshold)
    expected = reference.iloc[:, 0].reindex(ours.index).fillna(0.0).to_numpy() * RATIO_PER_INHABITANTS
    assert (expected > 0).sum() > 20  # the comparison bites: most communes reach a site
    np.testing.assert_allclose(ours["ratio"].to_numpy(), expected, rtol=1e-9, atol=1e-12)


def test_plain_2sfca_when_every_step_weighs_one(monkeypatch):
    import conum_geo.analysis.coverage as coverage

    monkeypatch.setattr(coverage, "DECAY_STEPS", ((1.0, 1.0),))
    communes, sites, times = _random_table(11, 30.0)
    ours = commune_coverage(times.assign(time_s=times["time_min"] * 60.0)[["site_id", "code_insee", "time_s"]],
                            sites, communes, Settings(threshold_min=30.0))
    model = access.Access(demand_df=communes.set_index("code_insee"), demand_value="population",
                          supply_df=sites.set_index("site_id"), supply_value="presence_h",
                          cost_df=times, cost_origin="code_insee", cost_dest="site_id", cost_name="time_min")
    reference = model.two_stage_fca(name="2sfca", max_cost=30.0)
    expected = reference.iloc[:, 0].reindex(ours.index).fillna(0.0).to_numpy() * RATIO_PER_INHABITANTS
    np.testing.assert_allclose(ours["ratio"].to_numpy(), expected, rtol=1e-9, atol=1e-12)


def test_time_classes_are_mapclassify_user_defined_bins():
    from conum_geo.outputs.maps import TIME_CLASSES, time_colours

    rng = np.random.default_rng(3)
    minutes = pd.Series(np.r_[rng.uniform(0, 60, 500), [0.0, 10.0, 20.0, 30.0, 10.000001]])
    bins = [upper for upper, *_ in TIME_CLASSES if np.isfinite(upper)]
    classes = mapclassify.UserDefined(minutes.to_numpy(), bins=bins).yb  # as geopandas' explore(scheme=…)
    colours = [colour for _, colour, _ in TIME_CLASSES]
    assert time_colours(minutes).tolist() == [colours[k] for k in classes]
