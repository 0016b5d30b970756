"""The real Nièvre registers of ../shared/data (skipped when absent): gaps report and simulation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def real_territory(shared_data):
    from conum_geo.data.territory import load_territory

    return load_territory("58", data_dir=shared_data)


@pytest.fixture(scope="module")
def real_graph(real_territory):
    from conum_geo.network import load_network

    return load_network(real_territory)


def test_report_flagged_population_is_the_sum_of_its_rows(real_territory, real_graph, tmp_path):
    from conum_geo.analysis.gaps import analyse_gaps
    from conum_geo.core.scenarios import DEFAULT_SCENARIO
    from conum_geo.core.settings import Settings
    from conum_geo.outputs.reports import write_gaps

    result = analyse_gaps(real_territory, real_graph, scenario=DEFAULT_SCENARIO, settings=Settings(ratio_drop_share=0.5))
    write_gaps(result, tmp_path)
    table = pd.read_csv(tmp_path / "communes.csv", dtype={"code_insee": str})
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    flagged = table.loc[table["flagged"]]
    assert summary["sites_illustrative"] is False and summary["communes"] == len(table) == 309
    assert summary["ended_posts"] > 0 and summary["flagged_communes"] == len(flagged) > 0
    assert summary["flagged_population"] == flagged["population"].sum()
    assert summary["population"] == table["population"].sum()
    # Rows: flagged first, most inhabitants first; every flagged row says why.
    assert table["flagged"].iloc[:len(flagged)].all()
    assert flagged["population"].is_monotonic_decreasing
    assert flagged["reason"].str.len().gt(0).all()
    # Fragility is known for the Nièvre (IRIS index): it is carried to the report.
    assert table["fragility"].notna().mean() > 0.9


def test_ratio_sums_supply_on_real_registers(real_territory, real_graph):
    from conum_geo.analysis.coverage import SnappedTerritory, commune_coverage, snapped_times
    from conum_geo.analysis.supply import site_state
    from conum_geo.core.settings import Settings

    settings = Settings(kinds=("france_services",), fragility_weighting=True)
    snapped = SnappedTerritory.build(real_graph, real_territory, settings)
    times = snapped_times(snapped, real_territory, settings.threshold_min)
    state = site_state(real_territory, np.ones(len(real_territory.posts), dtype=bool))
    metrics = commune_coverage(times, state, real_territory.communes, settings)
    reaching = set(times.loc[times["time_s"] <= 1200, "site_id"])
    offer = state.loc[(state["kind"] == "france_services") & state["site_id"].isin(reaching)]
    assert offer["presence_h"].notna().all()
    communes = real_territory.communes.set_index("code_insee")
    fragility = communes["fragility"].astype(float)
    mean = (fragility * communes["population"]).sum() / communes.loc[fragility.notna(), "population"].sum() \
        if fragility.notna().all() else None
    if mean is None:
        pytest.skip("fragility unknown for some communes")
    demand = communes["population"] * fragility / mean
    assert (demand * metrics["ratio"]).sum() / 1000 == pytest.approx(offer["presence_h"].sum())


def test_simulation_on_real_registers(real_territory, real_graph):
    from conum_geo.analysis.simulate import simulate_renewals

    result = simulate_renewals(real_territory, real_graph, draws=200, seed=0)
    summary = result.summary()
    assert 0 <= summary["expected_population_lost"] <= summary["covered_before_population"]
    assert set(summary["p_nonrenewal"]) == set(real_territory.structures["structure_type"])
