"""Two vintages of the France services list → communes that gain or lose coverage."""

from __future__ import annotations

import csv
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from conum_geo.analysis.coverage import SnappedTerritory
from conum_geo.analysis.diff import vintage_change
from conum_geo.analysis.engine import nearest_source, snap
from conum_geo.analysis.gaps import compare_coverage
from conum_geo.cli import cli
from conum_geo.core.errors import InputError
from conum_geo.core.settings import Settings
from conum_geo.core.territory import CRS_WGS84
from conum_geo.data.demo import load_demo
from conum_geo.data.vintages import load_vintages
from conum_geo.network import build_proxy_network
from conum_geo.outputs.reports import format_gaps

HEADER = ["id_fs", "insee_dep", "lib_fs", "adresse", "complement_adresse", "insee_com", "code_postal",
          "lib_com", "latitude", "longitude", "mail", "telephone", "h_lundi", "h_mardi", "h_mercredi",
          "h_jeudi", "h_vendredi", "h_samedi", "prise_rdv", "commentaire", "type_fs", "format_fs",
          "groupe_fs", "labellisation_fs"]
DAY = "09:00 - 12:00 / 13:30 - 17:00"
NEVERS, CLAMECY, COSNE = "58194", "58079", "58086"


@pytest.fixture(scope="module")
def town_halls():
    communes = load_demo("58").communes.set_index("code_insee")
    return gpd.GeoDataFrame(communes[["nom"]], crs=communes.crs, geometry=gpd.points_from_xy(
        communes["origin_x"], communes["origin_y"])).to_crs(CRS_WGS84)


def write_list(path, town_halls, rows):
    """A France services list in the ANCT format: (id, commune code, weekday hours)."""
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, HEADER)
        writer.writeheader()
        for id_fs, code, day in rows:
            point = town_halls.geometry[code]
            writer.writerow({"id_fs": id_fs, "insee_dep": "58", "lib_fs": f"France services {code}",
                             "insee_com": code, "code_postal": "58000", "lib_com": town_halls.loc[code, "nom"],
                             "latitude": point.y, "longitude": point.x,
                             **{d: day for d in HEADER[12:17]}, "type_fs": "Principal", "format_fs": "Fixe"})
    return path


@pytest.fixture(scope="module")
def vintages(tmp_path_factory, town_halls):
    folder = tmp_path_factory.mktemp("fs")
    before = write_list(folder / "fs-2023.csv", town_halls, [("1", NEVERS, DAY), ("2", CLAMECY, DAY)])
    after = write_list(folder / "fs-2024.csv", town_halls, [("1", NEVERS, "09:00 - 12:00"), ("3", COSNE, DAY)])
    return before, after


@pytest.fixture(scope="module")
def loaded(vintages):
    return load_vintages("58", *vintages)


def reference_covered(graph, territory, codes, settings):
    """Covered communes by France services at ``codes``: one plain multi-source search."""
    by_code = territory.communes.set_index("code_insee")
    sources = snap(graph, by_code.loc[codes, "origin_x"], by_code.loc[codes, "origin_y"],
                   speed_kmh=settings.off_network_speed_kmh)
    snapped = SnappedTerritory.build(graph, territory, settings)
    time_s, _ = nearest_source(graph, sources, snapped.communes)
    return np.nan_to_num(time_s, nan=np.inf) <= settings.threshold_min * 60


def test_gained_and_lost_match_two_plain_searches(loaded):
    before, after, register = loaded
    assert register == "france_services"
    change = vintage_change(before, after, label="2023 → 2024")
    assert sorted(change.territory.sites["site_id"]) == ["fs-1", "fs-2", "fs-3"]
    state = change.after.set_index("site_id")
    assert state.loc["fs-1", "presence_h"] == pytest.approx(15.0)  # 3 h × 5 days, was 32.5 h
    assert not state.loc["fs-2", "active"] and state.loc["fs-3", "active"]

    settings = Settings(kinds=("france_services",))
    graph = build_proxy_network(change.territory.communes)
    result = compare_coverage(change.territory, graph, change=change, settings=settings)
    was = reference_covered(graph, change.territory, [NEVERS, CLAMECY], settings)
    now = reference_covered(graph, change.territory, [NEVERS, COSNE], settings)
    c = result.communes
    np.testing.assert_array_equal(c["covered_before"], was)
    np.testing.assert_array_equal(c["covered_after"], now)
    np.testing.assert_array_equal(c["status"] == "perd", was & ~now)
    np.testing.assert_array_equal(c["status"] == "gagne", ~was & now)
    summary = result.summary()
    assert summary["gained_communes"] == (~was & now).sum() > 0
    assert summary["lost_cover_communes"] == (was & ~now).sum() > 0
    assert summary["ended_posts"] == 0
    assert "Gagnent la couverture" in format_gaps(result)


def test_a_site_that_moves_is_two_sites(tmp_path, town_halls):
    before = write_list(tmp_path / "a.csv", town_halls, [("1", NEVERS, DAY)])
    after = write_list(tmp_path / "b.csv", town_halls, [("1", COSNE, DAY)])
    change = vintage_change(*load_vintages("58", before, after)[:2], label="moved")
    assert change.territory.sites["site_id"].tolist() == ["fs-1@avant", "fs-1@apres"]
    assert change.before["active"].tolist() == [True, False]
    assert change.after["active"].tolist() == [False, True]


def test_cli_diff(vintages, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["diff", "--dept", "58", "--before", str(vintages[0]),
                                      "--after", str(vintages[1]), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["kinds"] == ["france_services"] and summary["scenario"] == "fs-2023.csv → fs-2024.csv"
    table = pd.read_csv(out / "communes.csv", dtype={"code_insee": str})
    flagged = table[table["flagged"]]
    assert summary["flagged_population"] == flagged["population"].sum()
    assert set(table.loc[table["status"] == "gagne", "code_insee"]) >= {COSNE}


def test_wrong_files_are_one_line_errors(vintages, tmp_path):
    other = tmp_path / "notes.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="notes.csv : ce n'est pas un registre de lieux"):
        load_vintages("58", vintages[0], other)
    with pytest.raises(InputError, match="fichier introuvable"):
        load_vintages("58", vintages[0], tmp_path / "missing.csv")
    result = CliRunner().invoke(cli, ["diff", "--dept", "58", "--before", str(vintages[0]), "--after", str(other)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if line.startswith("Erreur")]) == 1


@pytest.mark.shared_data
def test_real_france_services_list_minus_some_sites(shared_data, tmp_path):
    """The real 2024 list against itself without two Nièvre sites: only losses, never gains."""
    source = shared_data / "france-services" / "liste-fs-20240801.csv"
    with open(source, encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    dropped = {"3112", "2441"}  # Clamecy, Cosne-Cours-sur-Loire
    with open(tmp_path / "after.csv", "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, rows[0].keys())
        writer.writeheader()
        writer.writerows(r for r in rows if r["id_fs"] not in dropped)
    before, after, _ = load_vintages("58", source, tmp_path / "after.csv")
    change = vintage_change(before, after, label="réel")
    assert set(change.before["site_id"][~change.after["active"]]) == {"fs-3112", "fs-2441"}
    result = compare_coverage(change.territory, build_proxy_network(change.territory.communes), change=change,
                              settings=Settings(kinds=("france_services",)))
    c = result.communes
    assert not (c["status"] == "gagne").any()
    assert (c["scenario_min"].fillna(np.inf) >= c["baseline_min"] - 1e-9).all()
    assert result.summary()["flagged_population"] == c.loc[c["flagged"], "population"].sum()
