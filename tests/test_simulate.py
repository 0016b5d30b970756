"""Monte Carlo renewals: hand-computed probabilities, partial renewals, standard errors against
the binomial formula, ``--draws auto``, agreement with ``gaps``' coverage rule, the CLI."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from click.testing import CliRunner
from test_gaps_invariants import line_of_three

from conum_geo.analysis import simulate as simulate_module
from conum_geo.analysis.coverage import SnappedTerritory, commune_coverage, snapped_times
from conum_geo.analysis.gaps import analyse_gaps
from conum_geo.analysis.simulate import RenewalModel, parse_p_nonrenewal, simulate_renewals
from conum_geo.analysis.supply import site_state
from conum_geo.cli import cli
from conum_geo.core.errors import InputError, ScenarioError
from conum_geo.core.renewal import SURVEY_2023
from conum_geo.core.scenarios import DEFAULT_SCENARIO
from conum_geo.core.settings import Settings
from conum_geo.core.vocabulary import STRUCTURE_TYPES
from conum_geo.data.renewal_files import load_assumptions
from conum_geo.network import build_proxy_network

WHOLE = replace(SURVEY_2023, partial=(1.0, 0.0, 0.0))  # a renewing employer renews all its posts


@pytest.fixture(scope="module")
def line():
    territory = line_of_three()
    return territory, build_proxy_network(territory.communes)


def test_line_probabilities_match_the_hand_computation(line):
    # Within 20 min: 99001 sees only site A (post of the commune), 99003 only site B (post of
    # the Département), 99002 both. It loses cover when every post it sees ends.
    territory, graph = line
    p_commune, p_dep = 0.3, 0.6
    result = simulate_renewals(territory, graph, settings=Settings(threshold_min=20), draws=20_000, seed=5,
                               p_nonrenewal={"commune": p_commune, "departement": p_dep})
    expected = np.array([p_commune, p_commune * p_dep, p_dep])
    se = np.sqrt(expected * (1 - expected) / 20_000)
    assert (np.abs(result.communes["p_lose"].to_numpy() - expected) < 4 * se).all()
    summary = result.summary()
    assert summary["expected_population_lost"] == pytest.approx(
        1000 * p_commune + 500 * p_commune * p_dep + 200 * p_dep, abs=4 * summary["expected_population_lost_se"])
    assert summary["p_nonrenewal"] == {"commune": p_commune, "departement": p_dep}
    assert summary["renewal"]["outcomes"]["commune"]["source"] == "fixée par l'utilisateur"


def test_standard_errors_are_the_binomial_formula(line):
    # One employer that matters (the commune's, p = 0.3), the Département always renews: the
    # population lost per draw is 1,000 × Bernoulli(0.3).
    territory, graph = line
    n = 4000
    result = simulate_renewals(territory, graph, settings=Settings(threshold_min=20), draws=n, seed=11,
                               p_nonrenewal={"commune": 0.3, "departement": 0.0})
    p_hat = result.communes["p_lose"].iloc[0]
    assert result.communes["p_lose_se"].iloc[0] == pytest.approx(math.sqrt(p_hat * (1 - p_hat) / n), rel=1e-12)
    # a sample of 0/1000 values: its standard deviation (ddof 1) is 1000 √(p̂(1 − p̂) n / (n − 1))
    assert result.expected_population_lost_se == pytest.approx(1000 * math.sqrt(p_hat * (1 - p_hat) / (n - 1)),
                                                               rel=1e-9)
    assert result.expected_population_lost_se == pytest.approx(1000 * math.sqrt(0.3 * 0.7 / n), rel=0.05)
    assert abs(p_hat - 0.3) < 4 * math.sqrt(0.3 * 0.7 / n)


def _model(n_posts: int, p_no: float, partial) -> RenewalModel:
    """A model of one employer of ``n_posts`` posts, for its draws only."""
    empty = sp.csr_matrix((n_posts, 1))
    return RenewalModel(p_structure=np.array([p_no]), partial=partial, posts_of=(np.arange(n_posts),),
                        fixed=np.full(n_posts, -1), post_reach=empty, joint_hours=sp.csr_matrix((0, n_posts)),
                        joint_visits=None, joint_reach=sp.csr_matrix((0, 1)), always=np.zeros(1, bool),
                        settings=Settings())


@pytest.mark.parametrize("n_posts, expected", [
    # P(k posts renewed): none 0.2; all 0.8 × 0.5; a majority (≥ half, < all) 0.8 × 0.3 spread
    # evenly; a minority 0.8 × 0.2 spread evenly (for 2 posts a minority is impossible: majority)
    (4, {0: 0.2, 1: 0.16, 2: 0.12, 3: 0.12, 4: 0.4}),
    (5, {0: 0.2, 1: 0.08, 2: 0.08, 3: 0.12, 4: 0.12, 5: 0.4}),
    (2, {0: 0.2, 1: 0.4, 2: 0.4}),
    (1, {0: 0.2, 1: 0.8}),
])
def test_partial_renewal_distribution(n_posts, expected):
    draws = 40_000
    alive = _model(n_posts, 0.2, (0.5, 0.3, 0.2)).draw_alive(np.random.default_rng(1), draws)
    kept = np.bincount(alive.sum(axis=1), minlength=n_posts + 1) / draws
    for k, p in expected.items():
        assert abs(kept[k] - p) < 4 * math.sqrt(p * (1 - p) / draws) + 1e-12, (k, kept[k], p)
    # which posts are kept is symmetric: each post works with the same probability
    mean_kept = sum(k * p for k, p in expected.items()) / n_posts
    assert np.abs(alive.mean(axis=0) - mean_kept).max() < 4 * math.sqrt(0.25 / draws)


def test_undecided_assumption():
    no, undecided = 61 / 927, 150 / 927
    assert SURVEY_2023.p_nonrenewal("commune") == pytest.approx(no + undecided / 2)
    assert SURVEY_2023.with_undecided("renewed").p_nonrenewal("association") == pytest.approx(no)
    assert SURVEY_2023.with_undecided("not-renewed").p_nonrenewal("epci") == pytest.approx(no + undecided)
    assert SURVEY_2023.partial == pytest.approx((118 / 173, 46 / 173, 9 / 173))


def test_certain_withdrawal_reproduces_the_gaps_scenario(demo_territory, demo_graph):
    gaps = analyse_gaps(demo_territory, demo_graph, scenario=DEFAULT_SCENARIO, settings=Settings())
    lost = gaps.communes["covered_before"] & ~gaps.communes["covered_after"]
    certain = {t: 0.0 for t in STRUCTURE_TYPES} | {"departement": 1.0}
    result = simulate_renewals(demo_territory, demo_graph, draws=50, seed=1, assumptions=WHOLE, p_nonrenewal=certain)
    assert (result.communes["p_lose"].to_numpy() == lost.to_numpy().astype(float)).all()
    assert set(result.population_lost) == {gaps.communes.loc[lost, "population"].sum()}
    assert result.expected_population_lost_se == 0
    # the main risk is the Département, and its loss alone is the gaps scenario's
    top = result.risks.iloc[0]
    assert top["structure_id"] == "dep-58" and top["population_lost_alone"] == gaps.communes.loc[lost, "population"].sum()
    nobody = simulate_renewals(demo_territory, demo_graph, draws=50, seed=1, assumptions=WHOLE,
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


def test_draws_auto_stops_at_the_first_chunk_within_tolerance(demo_territory, demo_graph):
    tolerance = 400.0
    auto = simulate_renewals(demo_territory, demo_graph, draws=None, seed=3, tolerance=tolerance)
    assert auto.draws >= simulate_module.AUTO_MIN_DRAWS and auto.draws % simulate_module.DRAWS_PER_CHUNK == 0
    assert auto.expected_population_lost_se <= tolerance
    assert auto.communes["p_lose_se"].max() <= simulate_module.P_LOSE_TOLERANCE
    assert auto.summary()["draws_auto"] and auto.summary()["tolerance_inhabitants"] == tolerance
    # the same stream one chunk shorter had not reached the tolerance yet
    shorter = simulate_renewals(demo_territory, demo_graph, draws=auto.draws - simulate_module.DRAWS_PER_CHUNK,
                                seed=3)
    np.testing.assert_array_equal(shorter.population_lost, auto.population_lost[:shorter.draws])
    assert (shorter.draws < simulate_module.AUTO_MIN_DRAWS or shorter.expected_population_lost_se > tolerance
            or shorter.communes["p_lose_se"].max() > simulate_module.P_LOSE_TOLERANCE)


def test_draws_auto_says_when_it_gives_up(demo_territory, demo_graph, monkeypatch):
    monkeypatch.setattr(simulate_module, "AUTO_MAX_DRAWS", 3000)
    result = simulate_renewals(demo_territory, demo_graph, draws=None, seed=0, tolerance=0.001)
    assert result.draws == 3000
    assert [n.code for n in result.notices] == ["tolerance_non_atteinte"]


def test_contract_statuses_are_not_drawn(demo_territory, demo_graph):
    posts = demo_territory.posts.copy()
    posts["renewal_status"] = np.where(posts["structure_id"] == "dep-58", "renouvele", "inconnu")
    territory = replace(demo_territory, posts=posts)
    certain = {t: 1.0 for t in STRUCTURE_TYPES}
    result = simulate_renewals(territory, demo_graph, draws=20, seed=0, p_nonrenewal=certain)
    # every other employer withdraws; the Département's posts are renewed: its communes stay
    kept = analyse_gaps(territory, demo_graph, scenario=replace(DEFAULT_SCENARIO, end_structure_types=(
        "epci", "commune"), name="x"))
    lost = kept.communes["covered_before"] & ~kept.communes["covered_after"]
    np.testing.assert_array_equal(result.communes["p_lose"].to_numpy(), lost.to_numpy().astype(float))


@pytest.mark.parametrize("kinds", [("conum",), ("conum", "france_services")])
def test_draws_agree_with_the_coverage_rule_of_gaps(demo_territory, demo_graph, kinds):
    # A Département site also held by a post of the town: each holds less than 3.5 h there,
    # so the site is regular only while both work (a site judged jointly); with France
    # services counted, sites that no post serves (regular in every draw).
    shared_site = demo_territory.post_sites.loc[demo_territory.post_sites["post_id"].map(
        demo_territory.posts.set_index("post_id")["structure_id"]) == "dep-58", "site_id"].iloc[0]
    town_post = demo_territory.posts.loc[demo_territory.posts["structure_id"] == "com-58194", "post_id"].iloc[0]
    territory = replace(demo_territory, post_sites=pd.concat([
        demo_territory.post_sites,
        pd.DataFrame({"post_id": [town_post], "site_id": [shared_site], "share": [1.0]})], ignore_index=True))
    settings = Settings(kinds=kinds)
    snapped = SnappedTerritory.build(demo_graph, territory, settings)
    model = RenewalModel.build(territory, snapped, settings, SURVEY_2023)
    assert model.joint_hours.shape[0] == 1
    alive = np.random.default_rng(3).random((24, len(territory.posts))) < 0.5
    alive[0] = True
    alive[1] = False
    covered = model.covered(alive)
    times = snapped_times(snapped, territory, settings.threshold_min)
    for draw, at_work in enumerate(alive):
        expected = commune_coverage(times, site_state(territory, at_work), territory.communes, settings)["covered"]
        np.testing.assert_array_equal(covered[draw], expected.to_numpy())
    np.testing.assert_array_equal(covered[1], model.always)
    assert model.always.any() == ("france_services" in kinds)


def test_parse_p_nonrenewal():
    assert parse_p_nonrenewal("departement=1, association=0.25") == {"departement": 1.0, "association": 0.25}
    for bad in ("departement", "martians=0.1", "epci=1.5", "epci=lots"):
        with pytest.raises(InputError, match="p_nonrenewal"):
            parse_p_nonrenewal(bad)


def test_assumptions_file(tmp_path):
    path = tmp_path / "hyp.toml"
    path.write_text('name = "Comité"\nsource = "réunion"\n[outcomes.default]\nrenews = 3\nno = 1\nsource = "a"\n'
                    '[outcomes.association]\nrenews = 2\nno = 8\nsource = "000:4291-4293"\n'
                    '[partial]\nall = 1\nmajority = 1\nminority = 0\nsource = "b"\n', encoding="utf-8")
    assumptions = load_assumptions(path, undecided="not-renewed")
    assert assumptions.p_nonrenewal("association") == pytest.approx(0.8)
    assert assumptions.p_nonrenewal("commune") == pytest.approx(0.25)
    assert assumptions.partial == pytest.approx((0.5, 0.5, 0.0))
    for text, field in [('[outcomes.default]\nrenews = 1\n', "outcomes.default.source"),
                        ('[outcomes.default]\nrenews = -1\nsource = "x"\n', "outcomes.default.renews"),
                        ('[outcomes.default]\nrenews = 1\nsource = "x"\n[outcomes.martiens]\nno = 1\nsource = "y"\n',
                         "outcomes"),
                        ('[outcomes.commune]\nno = 1\nsource = "x"\n', "outcomes")]:
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ScenarioError, match=f"champ « {field} »"):
            load_assumptions(path)


def test_cli_simulate(tmp_path):
    out = tmp_path / "sim"
    result = CliRunner().invoke(cli, ["simulate", "--dept", "58", "--draws", "200", "--seed", "7",
                                      "--p-nonrenewal", "departement=0.5", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["draws"] == 200 and summary["seed"] == 7 and summary["interval_draws"] == 200
    assert summary["p_nonrenewal"]["departement"] == 0.5
    assert summary["expected_population_lost_se"] > 0
    assert sorted(p.name for p in out.iterdir()) == ["communes.csv", "communes.gpkg", "manifest.json", "map.html", "summary.json"]
    table = pd.read_csv(out / "communes.csv", dtype={"code_insee": str})
    assert len(table) == 309 and table["p_lose"].between(0, 1).all() and (table["p_lose_se"] >= 0).all()
    assert summary["expected_population_lost"] == pytest.approx(table["expected_population_lost"].sum())
    html = (out / "map.html").read_text(encoding="utf-8")
    assert "Non-renouvellements simulés" in html and "Moins de 5 %" in html and "illustratifs" in html
    assert "erreur type Monte Carlo" in html


def test_cli_simulate_auto_reports_its_error():
    result = CliRunner().invoke(cli, ["simulate", "--dept", "58", "--draws", "auto", "--undecided", "not-renewed"])
    assert result.exit_code == 0, result.output
    assert "arrêt automatique" in result.output and "erreur type Monte Carlo ±" in result.output
    assert "les indécis ne renouvellent pas" in result.output and "Principaux risques" in result.output


@pytest.mark.parametrize("args, message", [
    (["--p-nonrenewal", "epci=2"], "probabilité entre 0 et 1 attendue"),
    (["--draws", "beaucoup"], "un nombre de tirages (≥ 2) ou « auto » attendu"),
    (["--tolerance", "10"], "--tolerance va avec --draws auto"),
    (["--hypotheses", "absent.toml"], "fichier d'hypothèses de renouvellement introuvable"),
])
def test_cli_simulate_bad_options(args, message):
    result = CliRunner().invoke(cli, ["simulate", "--dept", "58", *args])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
