"""Scenarios as data: the shipped examples, posts added and moved, invariants, malformed files."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from test_gaps_invariants import HOP_MIN, X0, Y0, line_of_three

from conum_geo.analysis.gaps import analyse_gaps
from conum_geo.analysis.scenarios import apply_scenario, ended_posts
from conum_geo.analysis.supply import site_state
from conum_geo.core.errors import ScenarioError
from conum_geo.core.scenarios import AddedPost, MovedPost, Scenario
from conum_geo.core.settings import Settings
from conum_geo.data.scenario_files import load_scenario
from conum_geo.network import build_proxy_network

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "conum_geo" / "data" / "scenarios").glob("*.toml"))


def test_examples_are_shipped():
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_each_example_loads_and_runs_on_the_demo(path, demo_territory, demo_graph):
    scenario = load_scenario(path)
    assert scenario.name and scenario.description
    result = analyse_gaps(demo_territory, demo_graph, scenario=scenario)
    summary = result.summary()
    flagged = result.communes.loc[result.communes["flagged"]]
    assert summary["flagged_population"] == flagged["population"].sum()
    if scenario.threshold_min is not None:
        assert summary["threshold_min"] == scenario.threshold_min


def test_redeployment_example_restores_the_poles(demo_territory, demo_graph):
    scenario = load_scenario(next(p for p in EXAMPLES if p.stem == "redeploiement-agglomeration"))
    result = analyse_gaps(demo_territory, demo_graph, scenario=scenario)
    c = result.communes.set_index("code_insee")
    for code in ("58086", "58095", "58079"):  # Cosne, Decize, Clamecy: a presence in the commune
        assert c.loc[code, "scenario_min"] == pytest.approx(0.0)
        assert c.loc[code, "covered_after"]
    moved_from = result.sites.set_index("site_id").loc["conum-58121"]
    assert moved_from["active_before"] and not moved_from["active_after"]  # its only post moved
    new = result.sites.set_index("site_id").loc["scenario-58086"]
    assert not new["active_before"] and new["presence_h_after"] == pytest.approx(25.0)  # hours follow


def test_toml_and_python_objects_are_the_same(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "x"\nthreshold_min = 25\nkinds = ["conum", "mediation"]\n'
        '[ends]\npost_ids = ["pA"]\ncontracts_ending_before = 2024-01-01\n'
        '[[add]]\npost_id = "n1"\ncode_insee = "99002"\npresence_h = 5\n'
        '[[move]]\npost_id = "pB"\nsite_id = "A"\n', encoding="utf-8")
    expected = Scenario(
        name="x", end_post_ids=("pA",), contracts_ending_before=dt.date(2024, 1, 1),
        added_posts=(AddedPost(post_id="n1", presence_h=5, code_insee="99002"),),
        moved_posts=(MovedPost(post_id="pB", site_id="A"),), threshold_min=25.0,
        kinds=("conum", "mediation"), source=str(path))
    assert load_scenario(path) == expected
    assert expected.settings(Settings()) == Settings(threshold_min=25.0, kinds=("conum", "mediation"))


def test_empty_scenario_is_the_baseline(demo_territory):
    change = apply_scenario(Scenario(), demo_territory)
    pd.testing.assert_frame_equal(change.before, change.after)
    np.testing.assert_array_equal(change.before["presence_h"], demo_territory.sites["presence_h"])
    assert change.before["active"].all() and change.ended_posts == 0


def test_more_posts_removed_never_improves_anything(demo_territory, demo_graph):
    rng = np.random.default_rng(11)
    order = rng.permutation(demo_territory.posts["post_id"].to_numpy())
    previous = None
    for k in (0, 3, 9, 18, 31):
        c = analyse_gaps(demo_territory, demo_graph, scenario=Scenario(end_post_ids=tuple(order[:k])),
                         settings=Settings(ratio_drop_share=0.5)).communes
        now = {
            "access": c["scenario_min"].fillna(np.inf).to_numpy(),
            "presence": c["presence_h_after"].to_numpy(),
            "ratio": c["ratio_after"].to_numpy(),
            "covered": c["covered_after"].to_numpy(),
            "flagged": c["flagged"].to_numpy(),
        }
        if previous is not None:
            assert (now["access"] >= previous["access"] - 1e-9).all()
            assert (now["presence"] <= previous["presence"] + 1e-9).all()
            assert (now["ratio"] <= previous["ratio"] + 1e-9).all()
            assert (now["covered"] <= previous["covered"]).all()
            assert (now["flagged"] >= previous["flagged"]).all()
        previous = now
    assert not previous["covered"].any() and (previous["presence"] == 0).all()


def shared_site_territory():
    """The line of three, with site A served by two posts: pA (1 FTE) and pA2 (0.5 FTE)."""
    t = line_of_three()
    posts = pd.concat([t.posts, t.posts.iloc[[0]].assign(post_id="pA2", fte=0.5)], ignore_index=True)
    links = pd.concat([t.post_sites, pd.DataFrame({"post_id": ["pA2"], "site_id": ["A"], "share": [1.0]})],
                      ignore_index=True)
    return dataclasses.replace(t, posts=posts, post_sites=links)


def test_site_hours_are_shared_by_contribution():
    t = shared_site_territory()  # A: 20 h held 2/3 by pA (1 FTE) and 1/3 by pA2 (0.5 FTE)
    state = site_state(t, np.array([True, True, False]))  # pA2 ends
    np.testing.assert_allclose(state["presence_h"], [20 * 2 / 3, 10])
    np.testing.assert_allclose(state["fte"], [1.0, 1.0])
    state = site_state(t, np.array([False, False, True]))  # only pA2 is left
    np.testing.assert_allclose(state["presence_h"], [20 / 3, 0])
    assert state["active"].tolist() == [True, False]


def test_added_and_moved_posts_on_the_line():
    t = line_of_three()
    graph = build_proxy_network(t.communes)
    moved = analyse_gaps(t, graph, scenario=Scenario(moved_posts=(MovedPost("pB", code_insee="99002"),)),
                         settings=Settings(threshold_min=20))
    c = moved.communes.set_index("code_insee")
    np.testing.assert_allclose(c["scenario_min"], [0, 0, HOP_MIN], atol=1e-9)
    # B's 10 hours moved to the middle: within 20 min of 99001 are A (20 h) and the new site (10 h).
    np.testing.assert_allclose(c["presence_h_after"], [30, 30, 10])
    state = apply_scenario(Scenario(moved_posts=(MovedPost("pB", code_insee="99002"),)), t).after.set_index("site_id")
    assert state.loc["scenario-99002", "fte"] == 1.0 and state.loc["B", "fte"] == 0.0
    # 99003 stays covered but its time rises by one hop (11.1 min) > the 10 min margin.
    assert c["flagged"].tolist() == [False, False, True]
    assert c.loc["99003", "reason_code"] == "time_up" and c.loc["99003", "status"] == "degradee"

    added = analyse_gaps(t, graph, scenario=Scenario(end_post_ids=("pB",),
                                            added_posts=(AddedPost("n1", 5.0, site_id="A"),)),
                         settings=Settings(threshold_min=20))
    c = added.communes.set_index("code_insee")
    np.testing.assert_allclose(c["presence_h_after"], [25, 25, 0])
    assert c["flagged"].tolist() == [False, False, True]


def test_contract_end_dates():
    t = line_of_three()
    t.posts["end_date"] = pd.to_datetime(["2023-12-31", None])
    ended = ended_posts(Scenario(contracts_ending_before=dt.date(2024, 1, 1)), t)
    assert ended.tolist() == [True, False]  # unknown end date: the post continues


@pytest.mark.parametrize("content, message", [
    ("[[add]]\ncode_insee = '99002'\npresence_h = 3\n", "champ « add[0].post_id » : post_id manquant"),
    ("[[add]]\npost_id = 'n'\nsite_id = 'A'\ncode_insee = '99002'\npresence_h = 3\n",
     "champ « add[0] » : donner exactement un de site_id ou code_insee"),
    ("[[add]]\npost_id = 'n'\ncode_insee = '12345'\npresence_h = 3\n",
     "champ « add[0].code_insee » : commune inconnue '12345'"),
    ("[[add]]\npost_id = 'n'\ncode_insee = '99002'\n", "champ « add[0].presence_h » : nombre d'heures ≥ 0 attendu"),
    ("[[add]]\npost_id = 'n'\ncode_insee = '99002'\npresence_h = -1\n", "champ « add[0].presence_h »"),
    ("[[add]]\npost_id = 'pA'\ncode_insee = '99002'\npresence_h = 3\n", "le poste 'pA' existe déjà"),
    ("[[add]]\npost_id = 'n'\ncode_insee = '99002'\npresence_h = 3\nfte = 0\n", "champ « add[0].fte »"),
    ("[[add]]\npost_id = 'n'\ncode_insee = '99002'\npresence_h = 3\ncolour = 1\n",
     "champ « add[0] » : clé(s) inconnue(s) ['colour']"),
    ("[[move]]\npost_id = 'nobody'\nsite_id = 'A'\n", "champ « move[0].post_id » : poste inconnu 'nobody'"),
    ("[[move]]\npost_id = 'pB'\nsite_id = 'nowhere'\n", "champ « move[0].site_id » : lieu inconnu"),
    ("[ends]\npost_ids = ['pB']\n[[move]]\npost_id = 'pB'\nsite_id = 'A'\n", "prend déjà fin ou bouge"),
    ("add = 3\n", "champ « add » : tableau de tables"),
    ("kinds = ['conum', 'bakery']\n", "champ « kinds »"),
    ("threshold_min = 'long'\n", "champ « threshold_min » : nombre de minutes attendu"),
    ("threshold_min = -5\n", "champ « threshold_min » : nombre fini de minutes > 0 attendu"),
    ("threshold_min = inf\n", "champ « threshold_min » : nombre fini de minutes > 0 attendu"),
    ("ends = 3\n", "champ « ends » : table attendue"),
    ("[ends]\ncontracts_ending_before = 2024-01-01T10:00:00\n", "date TOML attendue"),
])
def test_malformed_scenario_names_file_and_field(content, message, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        apply_scenario(load_scenario(path), line_of_three())
    text = str(info.value)
    assert text.startswith(str(path)) and message in text and "\n" not in text


def test_moving_to_a_france_services_site_is_refused():
    t = line_of_three()
    fs = gpd.GeoDataFrame({"site_id": ["FS"], "nom": ["FS"], "kind": ["france_services"],
                           "code_insee": ["99002"], "presence_h": [24.0], "itinerant": [False],
                           "source": "test", "as_of": "test"},
                          geometry=[shapely.Point(X0 + 15_000, Y0 + 5_000)], crs=t.sites.crs)
    t = dataclasses.replace(t, sites=pd.concat([t.sites, fs], ignore_index=True))
    with pytest.raises(ScenarioError, match="move\\[0\\].site_id.*type france_services"):
        apply_scenario(Scenario(moved_posts=(MovedPost("pA", site_id="FS"),)), t)
