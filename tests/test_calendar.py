"""The contract calendar: the contracts table, estimated ends, date rules and the timeline."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from click.testing import CliRunner

from conum_geo.analysis.gaps import analyse_gaps
from conum_geo.analysis.scenarios import ended_posts
from conum_geo.analysis.timeline import at_work, coverage_timeline
from conum_geo.cli import cli
from conum_geo.core.errors import InputError, ParameterError
from conum_geo.core.scenarios import Scenario, dated
from conum_geo.data.calendar import apply_calendar
from conum_geo.data.registers.contracts import read_contracts


@pytest.fixture(scope="module")
def demo(demo_territory):
    return apply_calendar(demo_territory)


def _csv(tmp_path, text, name="contrats.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_estimated_end_is_selection_plus_24_months_less_a_day(demo):
    posts = demo.posts.set_index("post_id")
    # the Département's file: validated 2021-05-03 (illustrative); 24 months → last day 2023-05-02
    assert posts.loc["dep-58-p01", "start_date"] == pd.Timestamp("2021-05-03")
    assert posts.loc["dep-58-p01", "end_date"] == pd.Timestamp("2023-05-02")
    assert posts.loc["dep-58-p01", "end_date_estimated"]
    assert "estimée" in posts.loc["dep-58-p01", "end_date_source"]
    # 29 February and month ends: 2022-01-03 + 24 months − 1 day = 2024-01-02
    assert posts.loc["com-58194-p01", "end_date"] == pd.Timestamp("2024-01-02")
    shorter = apply_calendar(dataclasses.replace(demo), contract_months=18).posts.set_index("post_id")
    assert shorter.loc["dep-58-p01", "end_date"] == pd.Timestamp("2022-11-02")


def test_contracts_table_wins_post_over_employer(demo, tmp_path):
    siret = "22580001700016"
    structures = demo.structures.assign(siret=["", "", siret])  # the chef-lieu's SIRET
    territory = dataclasses.replace(demo, structures=structures)
    path = _csv(tmp_path, "post_id;siret;date_debut;date_fin;statut\n"
                          "dep-58-p01;;2021-06-01;30/06/2023;non renouvelé\n"
                          f";{siret};;2023-12-31;renouvelé\n"
                          f"com-58194-p02;;;2024-03-31;en attente\n"
                          "inconnu-p9;;;2024-01-01;\n")
    contracts = read_contracts(path)
    posts = apply_calendar(territory, contracts).posts.set_index("post_id")
    assert posts.loc["dep-58-p01", "end_date"] == pd.Timestamp("2023-06-30")
    assert posts.loc["dep-58-p01", "start_date"] == pd.Timestamp("2021-06-01")
    assert posts.loc["dep-58-p01", "renewal_status"] == "non_renouvele"
    assert posts.loc["dep-58-p01", "end_date_source"] == "tableau des contrats"
    assert not posts.loc["dep-58-p01", "end_date_estimated"]
    # the employer's row covers its other posts; the post's own row wins
    assert posts.loc["com-58194-p01", "renewal_status"] == "renouvele"
    assert posts.loc["com-58194-p01", "end_date"] == pd.Timestamp("2023-12-31")
    assert posts.loc["com-58194-p02", "renewal_status"] == "en_attente"
    assert posts.loc["com-58194-p02", "end_date"] == pd.Timestamp("2024-03-31")
    # the other Département posts keep their estimate
    assert posts.loc["dep-58-p02", "end_date_estimated"]
    unmatched = [w for w in apply_calendar(territory, contracts).warnings if w.code == "contrat_sans_poste"]
    assert unmatched and unmatched[0].examples == ("ligne 5 (post_id inconnu-p9)",)


def test_conseiller_id_names_the_register_post(tmp_path):
    frame = read_contracts(_csv(tmp_path, "conseiller_id,date_fin\n60462014871498b5cec20e8a,2023-01-31\n")).frame
    assert frame.loc[0, "key"] == "conseiller_id" and frame.loc[0, "id"] == "60462014871498b5cec20e8a"


def test_xlsx_contracts(tmp_path):
    pytest.importorskip("openpyxl")
    path = tmp_path / "contrats.xlsx"
    pd.DataFrame({"Poste": ["dep-58-p01"], "Date de fin": [dt.datetime(2023, 6, 30)],
                  "Statut": ["Non renouvelé"]}).to_excel(path, index=False)
    frame = read_contracts(path).frame
    assert frame.loc[0, "end_date"] == pd.Timestamp("2023-06-30")
    assert frame.loc[0, "renewal_status"] == "non_renouvele"


@pytest.mark.parametrize("text, message", [
    ("post_id,date_fin\np1,2023-13-01\n", "ligne 2, champ « date_fin » : date '2023-13-01' illisible"),
    ("post_id,date_fin\np1,demain\n", "ligne 2, champ « date_fin » : date 'demain' illisible"),
    ("post_id,date_debut,date_fin\np1,2023-02-01,2023-01-01\n", "ligne 2, champ « date_fin » : date_fin avant date_debut"),
    ("post_id,date_fin,statut\np1,2023-01-01,peut-être\n", "ligne 2, champ « statut » : statut 'peut-être' inconnu"),
    ("siret,date_fin\n1234,2023-01-01\n", "ligne 2, champ « siret » : SIRET '1234' : 14 chiffres attendus"),
    ("post_id,date_fin\np1,2023-01-01\np1,2024-01-01\n", "ligne 3 : post_id 'p1' en double (lignes 2, 3)"),
    ("nom,date_fin\nx,2023-01-01\n", "ligne 1 : aucune colonne d'identifiant"),
    ("post_id,statut\np1,renouvelé\n", "ligne 1 : ni date_debut ni date_fin"),
])
def test_bad_contracts_are_one_line_errors(tmp_path, text, message):
    with pytest.raises(InputError) as error:
        read_contracts(_csv(tmp_path, text))
    assert message in str(error.value) and "contrats.csv" in str(error.value)


def _ending(demo, post_id: str, end: str, status: str = "inconnu"):
    posts = demo.posts.copy()
    row = posts["post_id"] == post_id
    posts.loc[row, "end_date"] = pd.Timestamp(end)
    posts.loc[row, "renewal_status"] = status
    return dataclasses.replace(demo, posts=posts)


@pytest.mark.parametrize("end, status, gone", [
    ("2024-06-29", "inconnu", True),       # ended the day before DATE
    ("2024-06-30", "inconnu", False),      # its last day is DATE: still at work
    ("2024-07-01", "inconnu", False),      # ends the day after
    ("2024-06-29", "renouvele", False),    # ended, but renewed
    ("2024-06-29", "en_attente", True),    # ended, no decision: gone
])
def test_date_rule_boundary(demo, end, status, gone):
    posts = demo.posts.assign(end_date=pd.Timestamp("2030-01-01"))
    territory = _ending(dataclasses.replace(demo, posts=posts), "com-58194-p01", end, status)
    ended = ended_posts(Scenario(contracts_ending_before=dt.date(2024, 6, 30)), territory)
    assert set(territory.posts.loc[ended, "post_id"]) == ({"com-58194-p01"} if gone else set())
    at_date = at_work(territory.posts, pd.Timestamp("2024-06-30"))
    assert bool(at_date[territory.posts["post_id"] == "com-58194-p01"][0]) is not gone


def test_a_date_rule_that_ends_nothing_says_so(demo_territory, demo_graph):
    # without the calendar, no post has an end date
    result = analyse_gaps(demo_territory, demo_graph, scenario=dated(None, dt.date(2024, 1, 1)))
    assert result.ended_posts == 0
    assert any(n.code == "regle_sans_effet" for n in result.notices)


def test_gaps_on_a_date_says_which_posts_end_and_why(demo, demo_graph):
    result = analyse_gaps(demo, demo_graph, scenario=dated(None, dt.date(2023, 6, 30)))
    # the Département's 24 posts ended on 2023-05-02 (estimated); the others run to 2023-08-31 and later
    assert result.ended_posts == 24
    assert set(result.ended["employeur"]) == {"Département (illustratif)"}
    assert (result.ended["reason_code"] == "date").all()
    from conum_geo.outputs.reasons import ended_posts

    assert ended_posts(result)["reason"].str.startswith("contrat échu le 2023-05-02 (fin estimée").all()
    assert any(n.code == "fin_de_contrat_estimee" and n.count == 24 for n in result.notices)


def test_timeline_matches_gaps_on_each_date(demo, demo_graph):
    result = coverage_timeline(demo, demo_graph)
    months = result.months.set_index("month")
    assert months.index[0] == "2021-05" and months.index[-1] == "2024-02"
    assert months.loc["2021-05", "posts_at_work"] == 0  # the first start is on 3 May
    assert months.loc["2022-02", "posts_at_work"] == 31
    assert months.loc["2023-06", ["posts_at_work", "posts_ended", "posts_ended_estimated"]].tolist() == [7, 24, 24]
    for day in ("2023-06-01", "2023-09-01", "2024-01-01"):
        gaps = analyse_gaps(demo, demo_graph, scenario=dated(None, dt.date.fromisoformat(day)))
        covered = gaps.communes.loc[gaps.communes["covered_after"], "population"].sum()
        assert months.loc[day[:7], "population_covered"] == covered


def test_timeline_without_any_date_is_an_error(demo_territory, demo_graph):
    with pytest.raises(ParameterError, match="aucun poste n'a de date de contrat"):
        coverage_timeline(demo_territory, demo_graph)


def test_timeline_cli_writes_table_and_chart(tmp_path):
    result = CliRunner().invoke(cli, ["timeline", "--dept", "58", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "timeline.csv")
    assert list(table.columns[:2]) == ["month", "posts_at_work"]
    svg = (tmp_path / "timeline.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "Population couverte mois par mois — Nièvre (58)" in svg
    assert "Fins de contrat estimées pour 31 des 31 postes" in svg and "−24 postes" in svg
    assert "juin 2023" in result.output
