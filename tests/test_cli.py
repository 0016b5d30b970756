"""The CLI in-process (CliRunner) and once as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from conum_geo.cli import cli


@pytest.fixture(scope="module")
def gaps_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gaps")
    result = CliRunner().invoke(cli, ["gaps", "--dept", "58", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_gaps_writes_its_files(gaps_run):
    out, output = gaps_run
    assert sorted(p.name for p in out.iterdir()) == [
        "communes.csv", "communes.gpkg", "costs.csv", "manifest.json", "map.html", "posts_ended.csv", "summary.json"]
    table = pd.read_csv(out / "communes.csv", dtype={"code_insee": str})
    assert len(table) == 309
    assert table["code_insee"].str.fullmatch(r"58\d{3}").all()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for key in ("dept", "communes", "population", "flagged_communes", "flagged_population",
                "threshold_min", "network", "sites_illustrative"):
        assert key in summary
    assert summary["dept"] == "58" and summary["communes"] == 309
    # presence "à des horaires adaptés": the communes' evening and Saturday hours, and their population
    for when in ("evening", "saturday"):
        for side in ("before", "after"):
            column = f"{when}_h_{side}"
            assert column in table.columns
            reached = table[column] > 0
            assert summary[f"{when}_{side}_population"] == table.loc[reached, "population"].sum()
            assert (table[column] <= table[f"presence_h_{side}"] + 1e-9).all()
    assert summary["network"] == "proxy" and summary["sites_illustrative"] is True
    assert summary["population"] == table["population"].sum()
    flagged = table[table["flagged"]]
    assert summary["flagged_communes"] == len(flagged)
    assert summary["flagged_population"] == flagged["population"].sum()
    assert "Perdent la couverture" in output and "illustratifs" in output


def test_gpkg_matches_csv(gaps_run):
    import geopandas as gpd

    out, _ = gaps_run
    layer = gpd.read_file(out / "communes.gpkg", layer="communes")
    table = pd.read_csv(out / "communes.csv", dtype={"code_insee": str})
    assert layer.crs.to_epsg() == 2154
    assert layer["code_insee"].tolist() == table["code_insee"].tolist()
    assert layer.geometry.is_valid.all()


def test_map_says_sites_are_illustrative_and_roads_approximate(gaps_run):
    html = (gaps_run[0] / "map.html").read_text(encoding="utf-8")
    assert "Sites et postes illustratifs" in html and "routes approximatives" in html
    assert "Légende" in html and "Sources :" in html and "Perd la couverture" in html


def test_json_summary_on_stdout():
    result = CliRunner().invoke(cli, ["gaps", "--dept", "58", "--json", "--threshold", "15"])
    assert result.exit_code == 0
    summary = json.loads(result.output)
    assert summary["threshold_min"] == 15.0


@pytest.mark.parametrize("args, message", [
    (["gaps", "--dept", "99"], "département inconnu '99'"),
    (["gaps", "--dept", "21"], "pas de démo embarquée pour le département 21"),
    (["gaps", "--dept", "58", "--scenario", "missing.toml"], "missing.toml : fichier de scénario introuvable"),
])
def test_bad_input_is_one_line_and_nonzero(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    error_lines = [line for line in result.output.splitlines() if line.startswith("Erreur")]
    assert len(error_lines) == 1


@pytest.mark.parametrize("content, message", [
    ("name = \n", "TOML invalide"),
    ("name = 'x'\ncolour = 'red'\n", "clé(s) inconnue(s) ['colour']"),
    ("[ends]\nstructure_types = ['martians']\n", "type(s) de structure inconnu(s) ['martians']"),
    ("[ends]\npost_ids = 'dep-58-p01'\n", "champ « ends.post_ids » : liste de chaînes attendue"),
    ("[ends]\ncontracts_ending_before = 'soon'\n", "date TOML attendue"),
    ("[ends]\nstructure_ids = ['nobody']\n", "structure_id inconnu(s) ['nobody']"),
])
def test_malformed_scenario_writes_nothing(content, message, tmp_path):
    scenario = tmp_path / "bad.toml"
    scenario.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["gaps", "--dept", "58", "--scenario", str(scenario), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir())


def test_real_subprocess(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "conum_geo", "gaps", "--dept", "58", "--json"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["communes"] == 309


def test_real_subprocess_error_exit_code(tmp_path):
    run = subprocess.run([sys.executable, "-m", "conum_geo", "gaps", "--dept", "99"],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr


def test_import_pulls_neither_folium_nor_click():
    code = "import sys, conum_geo; print(sorted(m for m in ('folium', 'click') if m in sys.modules))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
