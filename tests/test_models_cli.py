"""``conum-geo compare`` and ``conum-geo redeploy`` on the demo: files, assumptions, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

from conum_geo.cli import cli
from conum_geo.models import optimize


@pytest.fixture(scope="module")
def compare_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare")
    result = CliRunner().invoke(cli, ["compare", "--dept", "58", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_compare_writes_a_table_per_model(compare_run):
    out, output = compare_run
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "models.csv", "communes.csv", "communes.gpkg", "presences.csv", "presences.gpkg",
        "schedule.csv", "assumptions.txt", "summary.json", "map.html", "manifest.json"])
    models = pd.read_csv(out / "models.csv").set_index("model")
    assert list(models.index) == ["centralite", "multi_centralite", "rayonnement"]
    communes = pd.read_csv(out / "communes.csv", dtype={"code_insee": str})
    assert len(communes) == 309
    for model in models.index:
        covered = communes[f"covered_{model}"]
        assert models.loc[model, "communes_covered"] == covered.sum()
        assert models.loc[model, "population_covered"] == communes.loc[covered, "population"].sum()
    schedule = pd.read_csv(out / "schedule.csv")
    hours = schedule.groupby("model")[["presence_h", "driving_h"]].sum()
    assert hours["presence_h"].to_numpy() == pytest.approx(models["presence_h"].to_numpy())
    assert gpd.read_file(out / "presences.gpkg", layer="presences").crs.to_epsg() == 2154
    assert "Rayonnement" in output and "Hypothèses" in output


def test_compare_states_assumptions_in_files_and_map(compare_run):
    out, _ = compare_run
    text = (out / "assumptions.txt").read_text(encoding="utf-8")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    page = (out / "map.html").read_text(encoding="utf-8")
    for needle in ("20 min", "35 h", "aller-retour", "rotation"):
        assert needle in text and needle in page
    assert summary["assumptions"]["field_share"] == 0.8 and summary["threshold_min"] == 20
    assert "Sites et postes illustratifs" in text and "Sites et postes illustratifs" in page
    assert "Hypothèses du modèle" in page


def test_compare_with_n_posts_and_radius():
    result = CliRunner().invoke(cli, ["compare", "--dept", "58", "--posts", "12", "--radius", "15",
                                      "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["posts"] == 12 and summary["assumptions"]["radius_min"] == 15
    assert set(summary["models"]) == {"centralite", "multi_centralite", "rayonnement"}


@pytest.mark.skipif(not optimize.milp_available(), reason="PuLP/highspy not installed")
def test_redeploy_writes_sites_and_reports_the_gap(tmp_path):
    result = CliRunner().invoke(cli, ["redeploy", "--dept", "58", "--posts", "24", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["new_sites"] == 24 and summary["solver"]["gap"] == 0.0
    assert 0 <= summary["population_recovered"] and summary["population_lost"] > 0
    sites = pd.read_csv(tmp_path / "sites.csv")
    assert (sites["role"] == "nouveau").sum() == 24
    assert set(sites["role"]) <= {"maintenu", "nouveau", "ferme"}
    page = (tmp_path / "map.html").read_text(encoding="utf-8")
    text = (tmp_path / "assumptions.txt").read_text(encoding="utf-8")
    for needle in ("20 min", "35 h", "Candidats"):
        assert needle in text and needle in page
    assert "écart à l'optimum" in result.output


@pytest.mark.parametrize("args, message", [
    (["--posts", "2", "--keep", "nope"], "keep"),
    (["--posts", "2", "--keep", "renewed", "--keep", "conum-58194"], "--keep"),
    (["--posts", "2", "--objective", "best"], "--objective"),
    (["--posts", "2", "--field-share", "1.5"], "--field-share"),
])
def test_redeploy_bad_options_exit_2(args, message):
    result = CliRunner().invoke(cli, ["redeploy", "--dept", "58", *args])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.skipif(not optimize.milp_available(), reason="PuLP/highspy not installed")
def test_redeploy_as_a_real_subprocess():
    run = subprocess.run(
        [sys.executable, "-m", "conum_geo", "-q", "redeploy", "--dept", "58", "--posts", "3",
         "--objective", "lscp", "--json"],
        capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["objective"] == "lscp" and summary["posts"] == 3


@pytest.mark.shared_data
@pytest.mark.skipif(not optimize.milp_available(), reason="PuLP/highspy not installed")
def test_compare_and_redeploy_on_the_real_registers(shared_data, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["compare", "--dept", "58", "--data-dir", str(shared_data), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    models = summary["models"]
    assert summary["sites_illustrative"] is False and summary["posts"] > 0
    assert models["rayonnement"]["communes_with_presence"] >= models["centralite"]["communes_with_presence"]
    assert models["centralite"]["fragile_covered_share"] is not None  # IFN fragility read
    assert summary["rural_rule"] == "grille communale de densité, niveaux 5 à 7"

    result = runner.invoke(cli, ["redeploy", "--dept", "58", "--posts", "24", "--data-dir",
                                 str(shared_data), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    states = summary["states"]
    assert states["redeployed"]["population_covered"] >= states["scenario"]["population_covered"]
    assert summary["new_sites"] == 24 and summary["solver"]["status"] == "optimal"
    assert "Hypothèses du modèle" in (tmp_path / "map.html").read_text(encoding="utf-8")
