"""Yearly costs of options, against hand-computed values, and the cost table's file checks."""

from __future__ import annotations

import pandas as pd
import pytest

from conum_geo.analysis.costs import option_costs, posts_to_cost
from conum_geo.core.errors import ScenarioError
from conum_geo.data.cost_files import DEFAULT_COSTS, load_costs

WEEKS = 1607 / 35  # working weeks a year in the default table


def _two_posts():
    """One public post in mainland France, one private post in La Réunion."""
    return pd.DataFrame({"post_id": ["public-58", "prive-974"], "fte": [1.0, 1.0], "public": [True, False],
                         "dept": ["58", "974"], "qpv_zrr": [False, True]})


def test_hand_made_option_costs_what_the_programme_says():
    costs = option_costs(_two_posts(), load_costs(), driving_km_week=100.0, driving_h_week=2.0,
                         population_covered=1000)
    subsidy = 50_000 / 2 + 32_000 / 2  # € per 24 months, per year: public mainland + private
    posts = 2 * 23_500 / 0.90
    driving = 100 * WEEKS * 0.636
    assert costs["state_subsidy_eur"] == pytest.approx(subsidy)
    assert costs["posts_cost_eur"] == pytest.approx(posts)
    assert costs["driving_km"] == pytest.approx(100 * WEEKS)
    assert costs["driving_cost_eur"] == pytest.approx(driving)
    assert costs["driving_time_value_eur"] == pytest.approx(2 * WEEKS * 23_500 / 1607)
    assert costs["employer_remaining_eur"] == pytest.approx(posts + driving - subsidy)
    assert costs["cost_per_inhabitant_covered_eur"] == pytest.approx((posts + driving) / 1000)
    assert costs["status_unknown_posts"] == 0


def test_overseas_public_posts_and_the_renewal_rule(tmp_path):
    text = DEFAULT_COSTS.read_text(encoding="utf-8").replace("qpv_zrr_bonus_share = 0.0", "qpv_zrr_bonus_share = 0.1")
    table = load_costs(_write(tmp_path, text))
    posts = pd.DataFrame({"post_id": ["a", "b", "c"], "fte": [1.0, 0.5, 1.0], "public": [True, True, pd.NA],
                          "dept": ["974", "972", "58"], "qpv_zrr": [True, False, False]})
    initial = option_costs(posts, table)
    assert initial["state_subsidy_eur"] == pytest.approx(67_500 / 2 + 70_000 / 2 + 32_000 / 2)
    assert initial["status_unknown_posts"] == 1  # costed as private
    assert initial["posts_cost_eur"] == pytest.approx(2.5 * 23_500 / 0.9)
    renewal = option_costs(posts, table, funding="renewal")
    mean = (0.75 + 0.5 + 0.5) / 3
    assert renewal["state_subsidy_eur"] == pytest.approx(
        67_500 / 2 * (mean + 0.1) + 70_000 / 2 * mean + 32_000 / 2 * mean)


def _write(tmp_path, text):
    path = tmp_path / "couts.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, field", [
    ("eur_per_km = 0.636", "eur_per_km = -1", "driving.eur_per_km"),
    ("eur_per_km = 0.636", "eur_per_km = inf", "driving.eur_per_km"),
    ("months = 24", "months = 0", "subsidy.months"),
    ("salary_share_of_post_cost = 0.90", "salary_share_of_post_cost = 1.5", "salary.salary_share_of_post_cost"),
    ('source = "barème', 'autre = "barème', "driving"),
])
def test_a_bad_cost_table_names_its_file_and_field(tmp_path, old, new, field):
    text = DEFAULT_COSTS.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(ScenarioError) as error:
        load_costs(_write(tmp_path, text.replace(old, new, 1)))
    assert str(tmp_path / "couts.toml") in str(error.value) and field in str(error.value)


def test_every_figure_of_the_default_table_has_a_source():
    table = load_costs()
    assert all(line.strip() for line in (table.subsidy_source, table.renewal_source, table.salary_source,
                                         table.driving_source))
    assert "hypothèse" in table.salary_source and "hypothèse" in table.renewal_source


def test_posts_take_their_employers_status(demo_territory):
    posts = demo_territory.posts.head(3)["post_id"].tolist()
    costed = posts_to_cost(demo_territory, [*posts, "nouveau"], public_default=True)
    structures = demo_territory.structures.set_index("structure_id")
    expected = demo_territory.posts.set_index("post_id").loc[posts, "structure_id"].map(structures["public"])
    assert costed["public"].tolist() == [*expected.tolist(), True]
    assert costed["dept"].tolist() == ["58"] * 4


def test_compare_reports_costs_per_model(demo_territory, demo_graph):
    from conum_geo.models.compare import compare_models

    result = compare_models(demo_territory, demo_graph, costs=load_costs())
    table = result.table
    assert (table.loc["centralite", "driving_km"] == 0) and (table.loc["rayonnement", "driving_km"] > 0)
    # every model costs the same posts; only the driving differs
    assert table["state_subsidy_eur"].nunique() == 1 and table["posts_cost_eur"].nunique() == 1
    driving = table["total_cost_eur"] - table["posts_cost_eur"]
    assert driving.to_numpy() == pytest.approx(table["driving_km"].to_numpy() * 0.636)
    # km follow the hours driven: a mean speed a car can drive on the proxy roads
    speed = table.loc["rayonnement", "driving_km"] / (table.loc["rayonnement", "driving_h"] * WEEKS)
    assert 20 < speed < 110


def test_gaps_reports_the_subsidy_a_scenario_stops(tmp_path):
    import json

    from click.testing import CliRunner

    from conum_geo.cli import cli

    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["gaps", "--dept", "58", "--scenario", "departement-non-renouvele",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    before, after = summary["costs"]["before"], summary["costs"]["after"]
    ended = summary["ended_posts"]  # the Département's posts: a public employer in mainland France
    assert before["posts"] - after["posts"] == ended
    assert before["state_subsidy_eur"] - after["state_subsidy_eur"] == pytest.approx(ended * 50_000 / 2)
    table = pd.read_csv(out / "costs.csv")
    assert table["state"].tolist() == ["before", "after"]
    assert "Subvention de l'État non reconduite" in result.output
    assert "Subvention de l&#x27;État / an" in (out / "map.html").read_text(encoding="utf-8")  # HTML-escaped
