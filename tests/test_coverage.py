"""Coverage metrics on a hand-built line of three communes, with answers computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_gaps_invariants import HOP_MIN, line_of_three

from conum_geo.analysis.coverage import (
    DECAY_STEPS,
    SnappedTerritory,
    commune_coverage,
    coverage_by_kind,
    decay_weight,
    snapped_times,
)
from conum_geo.core.errors import InputError
from conum_geo.core.settings import Settings
from conum_geo.network import build_proxy_network

# Communes A, B, C in a row (1000, 500 and 200 inhabitants); site S1 at A, S2 at C; 10 min
# between neighbours. S1: 20 h a week, 1 FTE; S2: 10 h, 0.5 FTE.
COMMUNES = pd.DataFrame({"code_insee": ["A", "B", "C"], "population": [1000, 500, 200]})
TIMES = pd.DataFrame({
    "site_id": ["S1", "S1", "S1", "S2", "S2", "S2"],
    "code_insee": ["A", "B", "C", "C", "B", "A"],
    "time_s": [0.0, 600.0, 1200.0, 0.0, 600.0, 1200.0],
})


def sites(**changes) -> pd.DataFrame:
    frame = pd.DataFrame({"site_id": ["S1", "S2"], "kind": "conum", "presence_h": [20.0, 10.0],
                          "fte": [1.0, 0.5], "active": True})
    for column, values in changes.items():
        frame[column] = values
    return frame


def test_decay_steps_follow_apl_scaled_to_the_threshold():
    # T = 15 min reproduces APL's 5 / 10 / 15 min steps with weights 1, 0.33, 0.10.
    minutes = np.array([0, 5, 5.01, 10, 10.01, 15, 15.01])
    np.testing.assert_allclose(decay_weight(minutes * 60, 15),
                               [1, 1, 0.33, 0.33, 0.10, 0.10, 0])
    assert DECAY_STEPS[-1][0] == 1.0  # nothing counts beyond the threshold


def test_hand_computed_metrics_threshold_15():
    # T = 15: weights 1 at 0 min, 0.33 at 10 min, 0 at 20 min.
    m = commune_coverage(TIMES, sites(), COMMUNES, Settings(threshold_min=15))
    assert list(m.index) == ["A", "B", "C"]
    np.testing.assert_allclose(m["access_min"], [0, 10, 0])
    assert m["nearest_site_id"].tolist() == ["S1", "S1", "S2"]  # B's tie broken by site id
    np.testing.assert_allclose(m["presence_h"], [20, 30, 10])
    demand_1 = 1000 + 0.33 * 500  # S1 reaches A fully and B at 0.33
    demand_2 = 200 + 0.33 * 500
    np.testing.assert_allclose(m["ratio"], [
        1000 * 20 / demand_1,
        1000 * 0.33 * (20 / demand_1 + 10 / demand_2),
        1000 * 10 / demand_2,
    ])
    assert m["covered"].tolist() == [True, True, True]


def test_hand_computed_metrics_threshold_20_and_fte_supply():
    # T = 20: steps at 6.7 / 13.3 / 20 min; 10 min weighs 0.33, 20 min weighs 0.10.
    m = commune_coverage(TIMES, sites(), COMMUNES, Settings(threshold_min=20, supply="fte"))
    np.testing.assert_allclose(m["presence_h"], [30, 30, 30])
    demand_1 = 1000 + 0.33 * 500 + 0.10 * 200
    demand_2 = 200 + 0.33 * 500 + 0.10 * 1000
    np.testing.assert_allclose(m.loc["A", "ratio"], 1000 * (1.0 / demand_1 + 0.10 * 0.5 / demand_2))


def test_ratio_sums_supply():
    for settings in (Settings(threshold_min=15), Settings(threshold_min=20),
                     Settings(threshold_min=20, supply="fte")):
        m = commune_coverage(TIMES, sites(), COMMUNES, settings)
        supply = sites()[settings.supply].sum()
        assert (COMMUNES["population"].to_numpy() * m["ratio"].to_numpy()).sum() / 1000 \
            == pytest.approx(supply)


def test_closed_site_and_unknown_hours():
    m = commune_coverage(TIMES, sites(active=[True, False]), COMMUNES, Settings(threshold_min=15))
    np.testing.assert_allclose(m["access_min"], [0, 10, 20])  # still in the table, beyond T
    assert m["covered"].tolist() == [True, True, False]
    np.testing.assert_allclose(m["presence_h"], [20, 20, 0])
    np.testing.assert_allclose(m.loc["C", "ratio"], 0)

    with pytest.raises(InputError, match="horaires inconnus"):  # never a sum of unknowns
        commune_coverage(TIMES, sites(presence_h=[20.0, np.nan]), COMMUNES, Settings(threshold_min=15))

    zero = commune_coverage(TIMES, sites(presence_h=[20.0, 0.0]), COMMUNES, Settings(threshold_min=15))
    assert zero["covered"].tolist() == [True, True, False]  # open 0 h a week: no presence


@pytest.mark.parametrize("hours, level", [
    (3.5, "reguliere"),  # a weekly half-day permanence
    (3.5 / 5, "ponctuelle"),  # the same half-day once every five weeks
    (0.0, "aucune"),
])
def test_presence_level_follows_weekly_hours(hours, level):
    frame = sites(presence_h=[hours, 0.0])
    m = commune_coverage(TIMES, frame, COMMUNES, Settings(threshold_min=15))
    assert m.loc["A", "presence_level"] == level and m.loc["A", "covered"] == (level == "reguliere")
    stricter = commune_coverage(TIMES, frame, COMMUNES, Settings(threshold_min=15, min_presence_h=7))
    assert not stricter["covered"].any()


def test_evening_and_saturday_hours_add_up_within_the_threshold():
    frame = sites(evening_h=[2.0, 1.0], saturday_h=[3.0, 0.0])
    m = commune_coverage(TIMES, frame, COMMUNES, Settings(threshold_min=15))
    np.testing.assert_allclose(m["evening_h"], [2, 3, 1])
    np.testing.assert_allclose(m["saturday_h"], [3, 3, 0])


def test_nothing_reachable_is_nan_and_none():
    m = commune_coverage(TIMES.iloc[:0], sites(), COMMUNES, Settings())
    assert m["access_min"].isna().all() and m["nearest_site_id"].isna().all()
    assert (m["presence_h"] == 0).all() and (m["ratio"] == 0).all() and not m["covered"].any()


def test_fragility_weighting():
    communes = COMMUNES.assign(fragility=[50.0, 100.0, 200.0])
    m = commune_coverage(TIMES, sites(), communes, Settings(threshold_min=15, fragility_weighting=True))
    mean = (50 * 1000 + 100 * 500 + 200 * 200) / 1700  # population-weighted mean fragility
    demand = np.array([1000 * 50, 500 * 100, 200 * 200]) / mean
    np.testing.assert_allclose(m.loc["A", "ratio"], 1000 * 20 / (demand[0] + 0.33 * demand[1]))
    assert (demand * m["ratio"].to_numpy()).sum() / 1000 == pytest.approx(30)
    with pytest.raises(InputError, match="champ « fragility »"):
        commune_coverage(TIMES, sites(), COMMUNES, Settings(fragility_weighting=True))


def test_kinds_filter_and_by_kind():
    frame = pd.concat([sites(), pd.DataFrame({"site_id": ["FS"], "kind": "france_services",
                                              "presence_h": [24.0], "fte": [2.0], "active": True})])
    times = pd.concat([TIMES, pd.DataFrame({"site_id": "FS", "code_insee": ["B"], "time_s": [60.0]})])
    conum = commune_coverage(times, frame, COMMUNES, Settings(threshold_min=15))
    assert conum["nearest_site_id"].tolist() == ["S1", "S1", "S2"]
    long = coverage_by_kind(times, frame, COMMUNES, Settings(threshold_min=15, kinds=("conum", "france_services")))
    fs = long.loc[long["kind"] == "france_services"].set_index("code_insee")
    assert fs["covered"].tolist() == [False, True, False]
    np.testing.assert_allclose(fs.loc["B", "access_min"], 1.0)
    pd.testing.assert_frame_equal(long.loc[long["kind"] == "conum"].set_index("code_insee")[conum.columns],
                                  conum, check_names=False)


def test_bad_tables_name_the_table_and_field():
    with pytest.raises(InputError, match=r"sites.*colonne\(s\) absente\(s\)"):
        commune_coverage(TIMES, sites().drop(columns="active"), COMMUNES, Settings())
    with pytest.raises(InputError, match="sites, ligne 2, champ « site_id »"):
        commune_coverage(TIMES, sites(site_id=["S1", "S1"]), COMMUNES, Settings())


def test_site_times_on_the_proxy_line():
    territory = line_of_three()
    graph = build_proxy_network(territory.communes)
    snapped = SnappedTerritory.build(graph, territory, Settings())
    times = snapped_times(snapped, territory, cutoff_min=20).sort_values(["site_id", "code_insee"])
    assert times[["site_id", "code_insee"]].values.tolist() == [
        ["A", "99001"], ["A", "99002"], ["B", "99002"], ["B", "99003"]]  # 2 hops = 22 min > 20
    np.testing.assert_allclose(times["time_s"] / 60, [0, HOP_MIN, HOP_MIN, 0], atol=1e-9)
    wide = snapped_times(snapped, territory, cutoff_min=30)
    assert len(wide) == 6
