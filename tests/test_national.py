"""Every département at once: borders by road, national inputs read once, serial and Dask agree."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from conum_geo.analysis.coverage import SnappedTerritory
from conum_geo.analysis.engine import nearest_source
from conum_geo.analysis.gaps import analyse_gaps
from conum_geo.core.departements import DEPARTEMENT_CODES, metric_crs
from conum_geo.core.settings import Settings
from conum_geo.core.territory import Territory
from conum_geo.data.territory import load_national
from conum_geo.national import Job, run_departements
from conum_geo.network import load_network
from conum_geo.network.proxy import DETOUR_FACTOR, PROXY_SPEEDS_KMH

CRS = "EPSG:2154"
X0, Y0 = 700_000.0, 6_650_000.0


def _square(i: int):
    return shapely.box(X0 + i * 4000, Y0, X0 + (i + 1) * 4000, Y0 + 4000)


def _communes(codes):
    frame = gpd.GeoDataFrame({"code_insee": codes, "nom": codes, "population": 100, "epci_code": "e"},
                             geometry=[_square(i) for i in range(len(codes))], crs=CRS)
    centres = frame.geometry.centroid
    return frame.assign(origin_x=centres.x.to_numpy(), origin_y=centres.y.to_numpy())


def _territory(ring: bool) -> Territory:
    """Two communes of 58 in a row and, east of them, a commune of 89 holding the only site."""
    everything = _communes(["58001", "58002", "89001"])
    own, across = everything.iloc[:2].reset_index(drop=True), everything.iloc[2:].reset_index(drop=True)
    site = across.geometry.centroid.iloc[0]
    sites = gpd.GeoDataFrame({"site_id": ["s"], "nom": ["Lieu"], "kind": ["conum"], "code_insee": ["89001"],
                              "presence_h": [20.0], "itinerant": [False], "source": "test", "as_of": "test"},
                             geometry=[site], crs=CRS)
    empty = pd.DataFrame
    return Territory(dept="58", communes=own, sites=sites,
                     posts=empty(columns=["post_id", "structure_id", "fte", "hours_week", "end_date", "model",
                                          "base_site_id", "source", "as_of"]),
                     post_sites=empty(columns=["post_id", "site_id", "share"]),
                     structures=empty(columns=["structure_id", "nom", "structure_type", "public", "n_posts",
                                               "source", "as_of"]),
                     illustrative=True, ring=across if ring else None)


def test_a_site_across_the_border_is_reached_by_the_neighbours_roads():
    rural_kmh = PROXY_SPEEDS_KMH[-1][1]  # 100 inhabitants on 16 km²: the rural speed
    with_ring = _territory(ring=True)
    graph = load_network(with_ring, "proxy")
    assert graph.n_nodes == 3
    snapped = SnappedTerritory.build(graph, with_ring, Settings())
    time_s, _ = nearest_source(graph, snapped.sites, snapped.communes)
    # 58002 → 89001: one proxy arc of 4 km × the detour at the rural speed; 58001: two arcs.
    arc_s = 4000 * DETOUR_FACTOR / (rural_kmh / 3.6)
    np.testing.assert_allclose(time_s, [2 * arc_s, arc_s])
    assert snapped.sites.leg_m[0] == 0.0  # the site is at its commune's node
    # Without the ring the same site hangs off 58002 by a straight leg: slower.
    without = _territory(ring=False)
    graph_without = load_network(without, "proxy")
    assert graph_without.n_nodes == 2
    legged = SnappedTerritory.build(graph_without, without, Settings())
    time_without, _ = nearest_source(graph_without, legged.sites, legged.communes)
    assert legged.sites.leg_m[0] == pytest.approx(4000.0)
    leg_kmh = rural_kmh / DETOUR_FACTOR
    np.testing.assert_allclose(time_without, [arc_s + 4000 / (leg_kmh / 3.6), 4000 / (leg_kmh / 3.6)])


def test_the_ring_is_left_out_of_the_results():
    territory = _territory(ring=True)
    result = analyse_gaps(territory, load_network(territory, "proxy"))
    assert list(result.communes["code_insee"]) == ["58001", "58002"]


def test_buffer_km_chooses_the_proxy_ring():
    territory = _territory(ring=True)
    assert load_network(territory, "proxy", buffer_km=0).n_nodes == 3  # contiguous: distance 0
    far = territory.ring.assign(geometry=territory.ring.geometry.translate(50_000))
    far = far.assign(origin_x=far.geometry.centroid.x, origin_y=far.geometry.centroid.y)
    territory.ring = far
    assert load_network(territory, "proxy", buffer_km=20).n_nodes == 2


def test_a_failing_departement_does_not_stop_the_others(tmp_path):
    inputs = load_national()  # the embedded demo: only the Nièvre has sites
    result = run_departements(inputs, ["21", "58"], Job(), out_dir=tmp_path, workers=0)
    status = {o.dept: o for o in result.outcomes}
    assert status["21"].status == "échec" and "pas de démo embarquée" in status["21"].reason
    assert status["58"].status == "calculé" and (tmp_path / "58" / "map.html").is_file()
    assert not (tmp_path / "21").exists()
    summary = result.summary()
    assert summary["failed"] == [{"dept": "21", "reason": status["21"].reason}]
    assert summary["communes"] == 309 and len(result.communes) == 309
    again = run_departements(inputs, ["58"], Job(), out_dir=tmp_path, workers=0)
    assert again.outcomes[0].status == "repris"
    pd.testing.assert_frame_equal(again.departements[["dept", "population", "lost_cover_population"]],
                                  result.departements.loc[result.departements["dept"] == "58",
                                                          ["dept", "population", "lost_cover_population"]]
                                  .reset_index(drop=True), check_dtype=False)
    changed = run_departements(inputs, ["58"], Job(settings=Settings(threshold_min=25)), out_dir=tmp_path, workers=0)
    assert changed.outcomes[0].status == "calculé"  # other settings: computed again


def test_the_atlas_files(tmp_path):
    from conum_geo.outputs.atlas import write_atlas

    result = run_departements(load_national(), ["58", "21"], Job(), out_dir=tmp_path, workers=0)
    written = write_atlas(result, tmp_path)
    assert sorted(p.name for p in written) == ["communes.csv", "communes.gpkg", "departements.csv", "index.html",
                                               "summary.json"]
    deps = pd.read_csv(tmp_path / "france" / "departements.csv", dtype={"dept": str})
    nievre = deps.set_index("dept").loc["58"]
    assert nievre["statut"] == "calculé" and nievre["population"] == result.communes["population"].sum()
    assert nievre["conum_posts_per_10k"] == pytest.approx(round(10_000 * nievre["conum_posts"] / nievre["population"], 2))
    assert deps.set_index("dept").loc["21", "statut"] == "échec"
    assert "../58/map.html" in (tmp_path / "france" / "index.html").read_text(encoding="utf-8")
    summary = json.loads((tmp_path / "france" / "summary.json").read_text(encoding="utf-8"))
    assert summary["departements"] == 2 and summary["computed"] == 1


@pytest.mark.slow
def test_dask_and_serial_give_identical_national_tables(tmp_path):
    pytest.importorskip("dask.distributed")
    inputs = load_national()
    serial = run_departements(inputs, ["58", "21"], Job(), workers=0)
    on_dask = run_departements(inputs, ["58", "21"], Job(), workers=2)
    assert on_dask.mode.startswith("dask")
    pd.testing.assert_frame_equal(serial.departements.drop(columns=[c for c in serial.departements if c.startswith("temps_")]),
                                  on_dask.departements.drop(columns=[c for c in on_dask.departements if c.startswith("temps_")]))
    pd.testing.assert_frame_equal(pd.DataFrame(serial.communes.drop(columns="geometry")),
                                  pd.DataFrame(on_dask.communes.drop(columns="geometry")))


@pytest.mark.shared_data
def test_the_nievre_loses_fewer_communes_with_its_neighbours_in_the_network(shared_data):
    territory = load_national(shared_data).territory("58")
    with_ring = analyse_gaps(territory, load_network(territory, "proxy")).summary()
    alone = analyse_gaps(territory, load_network(territory, "proxy", buffer_km=0.0)).summary()
    assert with_ring["covered_before_population"] >= alone["covered_before_population"]
    assert with_ring["lost_cover_population"] <= alone["lost_cover_population"]
    assert with_ring["lost_cover_communes"] < alone["lost_cover_communes"] or \
        with_ring["lost_cover_population"] < alone["lost_cover_population"]


@pytest.mark.shared_data
def test_overseas_and_corsica_get_their_own_crs(shared_data):
    inputs = load_national(shared_data)
    for dept, crs in (("974", "EPSG:2975"), ("973", "EPSG:2972"), ("2A", "EPSG:2154")):
        territory = inputs.territory(dept)
        assert metric_crs(dept) == crs and territory.communes.crs.equals(crs)
        assert territory.sites.empty or territory.sites.crs.equals(crs)


@pytest.mark.shared_data
def test_paris_is_analysed_by_arrondissement_by_default(shared_data):
    inputs = load_national(shared_data)
    paris = inputs.territory("75")
    assert len(paris.communes) == 20 and set(paris.communes["commune_code"]) == {"75056"}
    assert paris.counts()["communes"] == 1
    marseille = inputs.territory("13")
    assert "13055" in set(marseille.communes["code_insee"])


@pytest.mark.slow
@pytest.mark.shared_data
def test_every_departement_runs_with_the_cog_counts(shared_data):
    cog = json.loads((shared_data / "communes" / "communes-cog2026.json").read_text(encoding="utf-8"))
    expected = {}
    for row in cog:
        if row["type"] == "commune-actuelle" and row.get("departement") in DEPARTEMENT_CODES:
            communes, population = expected.get(row["departement"], (0, 0))
            expected[row["departement"]] = (communes + 1, population + row.get("population", 0))
    inputs = load_national(shared_data)
    result = run_departements(inputs, sorted(DEPARTEMENT_CODES), Job(), workers=0)
    assert len(result.outcomes) == 101
    for outcome in result.outcomes:
        if outcome.status == "échec":
            assert outcome.reason and "\n" not in outcome.reason, outcome.dept
            continue
        communes, population = expected[outcome.dept]
        assert (outcome.row["communes"], outcome.row["population"]) == (communes, population), outcome.dept
    assert sum(o.status == "calculé" for o in result.outcomes) == 101


def test_a_run_on_dask_leaves_the_dashboard_port_alone():
    """Port 8787 (Dask's dashboard default) taken, by another run or anything else: a national
    run on a LocalCluster starts, warns of nothing and never listens on it."""
    import socket
    import warnings

    pytest.importorskip("dask.distributed")
    taken = socket.socket()
    try:
        taken.bind(("127.0.0.1", 8787))
        taken.listen()
    except OSError:
        pass  # already taken: the case this test makes
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = run_departements(load_national(), ["58"], Job(), workers=1)
    finally:
        taken.close()
    assert result.mode.startswith("dask") and result.summary()["computed"] == 1
    assert not [str(w.message) for w in caught if "8787" in str(w.message) or "dashboard" in str(w.message).lower()]


def test_progress_lines_when_stderr_is_not_a_terminal(tmp_path, demo_territory):
    """A national run in a pipe or a log file: dated progress lines on stderr, none with -q."""
    import subprocess
    import sys

    from hostile_registers import write_registers

    folder = write_registers(demo_territory, tmp_path / "registres")
    command = [sys.executable, "-m", "conum_geo", "gaps", "--dept", "58,89", "--workers", "0",
               "--data-dir", str(folder), "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["departements"] == 2  # stdout stays pure JSON
    lines = [line for line in done.stderr.splitlines() if "départements :" in line]
    assert lines and lines[-1].endswith(tuple("0123456789s")) and "2/2 (100 %) en" in lines[-1]
    assert all(line[:8].count(":") == 2 for line in lines)  # HH:MM:SS
    quiet = subprocess.run([sys.executable, "-m", "conum_geo", "-q", *command[3:]], capture_output=True,
                           text=True, timeout=300)
    assert quiet.returncode == 0 and "départements :" not in quiet.stderr


def test_line_progress_by_hand(caplog):
    import logging

    from conum_geo.core.progress import LOGGER, LineProgress

    with caplog.at_level(logging.INFO, logger=LOGGER):
        for _ in LineProgress(range(4), desc="départements", unit="dépt", every_s=0.0):
            pass
    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert messages[0].startswith("départements : 1/4 (25 %) en 0 s, reste ≈ 0 s")
    assert messages[-1] == "départements : 4/4 (100 %) en 0 s" and len(messages) == 5  # 4 updates, then the end
