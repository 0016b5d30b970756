"""Monte Carlo renewals: exact probabilities on the line, a graph-search reference, the CLI."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from test_gaps_invariants import line_of_three

from conum_geo.analysis.coverage import SnappedTerritory, counted_sites
from conum_geo.analysis.engine import nearest_source
from conum_geo.analysis.gaps import analyse_gaps
from conum_geo.analysis.scenarios import DEFAULT_SCENARIO
from conum_geo.analysis.simulate import (
    DEFAULT_P_NONRENEWAL,
    RenewalModel,
    parse_p_nonrenewal,
    simulate_renewals,
)
from conum_geo.analysis.supply import site_state
from conum_geo.cli import cli
from conum_geo.errors import InputError
from conum_geo.network import build_proxy_network
from conum_geo.settings import Settings
from conum_geo.vocabulary import STRUCTURE_TYPES


def test_line_probabilities_match_the_hand_computation():
    # Within 20 min: 99001 sees only site A (post of the commune), 99003 only site B (post of
    # the Département), 99002 both. It loses cover when every post it sees ends.
    territory = line_of_three()
    graph = build_proxy_network(territory.communes)
    p_commune, p_dep = 0.3, 0.6
    result = simulate_renewals(territory, graph, settings=Settings(threshold_min=20), draws=20_000, seed=5,
                               p_nonrenewal={"commune": p_commune, "departement": p_dep})
    expected = np.array([p_commune, p_commune * p_dep, p_dep])
    np.testing.assert_allclose(result.communes["p_lose"], expected, atol=0.015)
    summary = result.summary()
    assert summary["expected_population_lost"] == pytest.approx(
        1000 * p_commune + 500 * p_commune * p_dep + 200 * p_dep, abs=15)
    assert summary["p_nonrenewal"] == {"commune": p_commune, "departement": p_dep}
    assert "Askoria" in summary["p_nonrenewal_defaults_source"]


def test_certain_withdrawal_reproduces_the_gaps_scenario(demo_territory, demo_graph):
    gaps = analyse_gaps(demo_territory, demo_graph, scenario=DEFAULT_SCENARIO, settings=Settings())
    lost = gaps.communes["covered_before"] & ~gaps.communes["covered_after"]
    certain = {t: 0.0 for t in STRUCTURE_TYPES} | {"departement": 1.0}
    result = simulate_renewals(demo_territory, demo_graph, draws=50, seed=1, p_nonrenewal=certain)
    assert (result.communes["p_lose"].to_numpy() == lost.to_numpy().astype(float)).all()
    assert set(result.population_lost) == {gaps.communes.loc[lost, "population"].sum()}
    nobody = simulate_renewals(demo_territory, demo_graph, draws=50, seed=1,
                               p_nonrenewal={t: 0.0 for t in STRUCTURE_TYPES})
    assert nobody.summary()["expected_population_lost"] == 0


def test_seeded_and_reproducible(demo_territory, demo_graph):
    first = simulate_renewals(demo_territory, demo_graph, draws=300, seed=42)
    again = simulate_renewals(demo_territory, demo_graph, draws=300, seed=42)
    other = simulate_renewals(demo_territory, demo_graph, draws=300, seed=43)
    np.testing.assert_array_equal(first.population_lost, again.population_lost)
    assert not np.array_equal(first.population_lost, other.population_lost)
    low, high = first.summary()["population_lost_interval_90"]
    assert low <= first.summary()["expected_population_lost"] <= high


@pytest.mark.parametrize("kinds", [("conum",), ("conum", "france_services")])
def test_draws_agree_with_one_graph_search_per_draw(demo_territory, demo_graph, kinds):
    # A Département site also held by a post of the town (a site of two structures) and, with
    # France services counted, sites that no post serves (open in every draw).
    shared_site = demo_territory.post_sites.loc[demo_territory.post_sites["post_id"].map(
        demo_territory.posts.set_index("post_id")["structure_id"]) == "dep-58", "site_id"].iloc[0]
    town_post = demo_territory.posts.loc[demo_territory.posts["structure_id"] == "com-58194", "post_id"].iloc[0]
    territory = replace(demo_territory, post_sites=pd.concat([
        demo_territory.post_sites,
        pd.DataFrame({"post_id": [town_post], "site_id": [shared_site], "share": [1.0]})], ignore_index=True))
    settings = Settings(kinds=kinds)
    snapped = SnappedTerritory.build(demo_graph, territory, settings)
    model = RenewalModel.build(territory, snapped, settings, DEFAULT_P_NONRENEWAL)
    renews = np.random.default_rng(3).random((24, len(territory.structures))) < 0.5
    renews[:3] = [[False, False, True], [False, True, False], [False, False, False]]
    covered = model.covered(renews)
    for draw, alive in enumerate(renews[:, model.structure_of_post]):
        mask = counted_sites(site_state(territory, alive), settings)
        time_s, _ = nearest_source(demo_graph, snapped.sites.subset(mask), snapped.communes)
        np.testing.assert_array_equal(covered[draw], np.nan_to_num(time_s, nan=np.inf) <= 20 * 60)
    # Only the town renews: the shared Département site stays open; nobody renews: only the
    # sites no post serves.
    shared_commune = territory.sites.set_index("site_id").loc[shared_site, "code_insee"]
    assert covered[0][territory.communes["code_insee"].to_numpy() == shared_commune].all()
    np.testing.assert_array_equal(covered[2], model.always)
    assert model.always.any() == ("france_services" in kinds)


def test_parse_p_nonrenewal():
    assert parse_p_nonrenewal("departement=1, association=0.25") == {"departement": 1.0, "association": 0.25}
    for bad in ("departement", "martians=0.1", "epci=1.5", "epci=lots"):
        with pytest.raises(InputError, match="p_nonrenewal"):
            parse_p_nonrenewal(bad)
    assert DEFAULT_P_NONRENEWAL["association"] == 0.076 and DEFAULT_P_NONRENEWAL["commune"] == 0.056


def test_cli_simulate(tmp_path):
    out = tmp_path / "sim"
    result = CliRunner().invoke(cli, ["simulate", "--dept", "58", "--draws", "200", "--seed", "7",
                                      "--p-nonrenewal", "departement=0.5", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["draws"] == 200 and summary["seed"] == 7
    assert summary["p_nonrenewal"]["departement"] == 0.5
    assert sorted(p.name for p in out.iterdir()) == ["communes.csv", "communes.gpkg", "manifest.json", "map.html", "summary.json"]
    table = pd.read_csv(out / "communes.csv", dtype={"code_insee": str})
    assert len(table) == 309 and table["p_lose"].between(0, 1).all()
    assert summary["expected_population_lost"] == pytest.approx(table["expected_population_lost"].sum())
    html = (out / "map.html").read_text(encoding="utf-8")
    assert "Non-renouvellements simulés" in html and "Moins de 5 %" in html and "illustratifs" in html


def test_cli_simulate_bad_probability():
    result = CliRunner().invoke(cli, ["simulate", "--dept", "58", "--p-nonrenewal", "epci=2"])
    assert result.exit_code == 2
    assert "probabilité entre 0 et 1 attendue" in result.output and "Traceback" not in result.output
