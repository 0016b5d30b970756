"""Gaps on a hand-built territory (answers computed by hand) and invariants on the demo."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from conum_geo.analysis.gaps import analyse_gaps
from conum_geo.analysis.scenarios import ended_posts
from conum_geo.core.scenarios import DEFAULT_SCENARIO, Scenario
from conum_geo.core.settings import Settings
from conum_geo.core.territory import CRS_METRIC, Territory
from conum_geo.network import build_proxy_network
from conum_geo.network.proxy import DETOUR_FACTOR

X0, Y0 = 700_000.0, 6_600_000.0  # somewhere in Lambert-93


def line_of_three() -> Territory:
    """Three 10 km square communes in a row; a Conum site at each end commune's origin."""
    squares = [shapely.box(X0 + 10_000 * i, Y0, X0 + 10_000 * (i + 1), Y0 + 10_000) for i in range(3)]
    communes = gpd.GeoDataFrame(
        {"code_insee": ["99001", "99002", "99003"], "nom": ["Amont", "Milieu", "Aval"],
         "population": [1000, 500, 200], "epci_code": ["E"] * 3,
         "origin_x": [X0 + 5_000 + 10_000 * i for i in range(3)], "origin_y": [Y0 + 5_000] * 3},
        geometry=squares, crs=CRS_METRIC,
    )
    sites = gpd.GeoDataFrame(
        {"site_id": ["A", "B"], "nom": ["Site A", "Site B"], "kind": ["conum", "conum"],
         "code_insee": ["99001", "99003"], "presence_h": [20.0, 10.0], "itinerant": [False, False],
         "source": "test", "as_of": "test"},
        geometry=[shapely.Point(X0 + 5_000, Y0 + 5_000), shapely.Point(X0 + 25_000, Y0 + 5_000)],
        crs=CRS_METRIC,
    )
    posts = pd.DataFrame(
        {"post_id": ["pA", "pB"], "structure_id": ["s1", "s2"], "fte": 1.0, "hours_week": 35.0,
         "end_date": pd.NaT, "model": "centralite", "base_site_id": ["A", "B"],
         "source": "test", "as_of": "test"})
    structures = pd.DataFrame(
        {"structure_id": ["s1", "s2"], "nom": ["Commune", "Département"],
         "structure_type": ["commune", "departement"], "public": True, "n_posts": 1,
         "source": "test", "as_of": "test"})
    return Territory(dept="99", communes=communes, sites=sites, posts=posts,
                     post_sites=pd.DataFrame({"post_id": ["pA", "pB"], "site_id": ["A", "B"], "share": 1.0}),
                     structures=structures, illustrative=True)


# 10 km between neighbouring origins × detour factor, at the rural proxy speed of 70 km/h.
HOP_MIN = 10_000 * DETOUR_FACTOR / (70 / 3.6) / 60


def test_hand_computed_times_and_flags():
    territory = line_of_three()
    graph = build_proxy_network(territory.communes)
    result = analyse_gaps(territory, graph, scenario=Scenario(end_structure_types=("departement",)),
                          settings=Settings(threshold_min=20))
    c = result.communes.set_index("code_insee")
    assert HOP_MIN == pytest.approx(11.1429, abs=1e-4)
    np.testing.assert_allclose(c["baseline_min"], [0.0, HOP_MIN, 0.0], atol=1e-9)
    np.testing.assert_allclose(c["scenario_min"], [0.0, HOP_MIN, 2 * HOP_MIN], atol=1e-9)
    assert c["flagged"].tolist() == [False, False, True]  # 22.3 min > 20 min once B closes
    assert c.loc["99003", "scenario_site"] == "Site A"
    assert result.summary()["flagged_population"] == 200


def test_threshold_decides_the_middle_commune():
    territory = line_of_three()
    graph = build_proxy_network(territory.communes)
    below = analyse_gaps(territory, graph, scenario=Scenario(), settings=Settings(threshold_min=10))
    above = analyse_gaps(territory, graph, scenario=Scenario(), settings=Settings(threshold_min=12))
    assert below.communes["covered_before"].tolist() == [True, False, True]
    assert above.communes["covered_before"].tolist() == [True, True, True]


def test_empty_scenario_flags_nothing(demo_territory, demo_graph):
    result = analyse_gaps(demo_territory, demo_graph, scenario=Scenario(), settings=Settings())
    assert not result.communes["flagged"].any()
    np.testing.assert_array_equal(result.communes["baseline_min"], result.communes["scenario_min"])


def test_removing_posts_never_lowers_any_time(demo_territory, demo_graph):
    rng = np.random.default_rng(7)
    order = rng.permutation(demo_territory.posts["post_id"].to_numpy())
    previous = None
    for k in (0, 5, 12, 20, 31):
        result = analyse_gaps(demo_territory, demo_graph, scenario=Scenario(end_post_ids=tuple(order[:k])))
        times = result.communes["scenario_min"].fillna(np.inf).to_numpy()
        if previous is not None:
            assert (times >= previous - 1e-9).all()
        previous = times
    assert np.isinf(previous).all()  # every post ended: no Conum presence left


def test_flagged_population_is_the_sum_over_flagged_communes(demo_territory, demo_graph):
    result = analyse_gaps(demo_territory, demo_graph, scenario=DEFAULT_SCENARIO)
    summary = result.summary()
    flagged = result.communes[result.communes["flagged"]]
    assert summary["flagged_communes"] == len(flagged) > 0
    assert summary["flagged_population"] == flagged["population"].sum()
    # issue 5: flags also cover a time rise beyond the margin, not only a lost cover
    lost = result.communes["covered_before"] & ~result.communes["covered_after"]
    assert result.communes.loc[lost, "flagged"].all()
    assert (flagged["reason_code"] != "").all()


def test_type_rules_spare_neighbouring_employers_unless_asked():
    territory = line_of_three()
    territory.structures["structure_type"] = "departement"
    territory.structures["in_dept"] = [False, True]  # s1 is the next département's Département
    own_only = ended_posts(Scenario(end_structure_types=("departement",)), territory)
    both = ended_posts(Scenario(end_structure_types=("departement",), include_neighbours=True), territory)
    assert own_only.tolist() == [False, True]
    assert both.tolist() == [True, True]
    # Naming a structure or a post always applies, wherever it is.
    assert ended_posts(Scenario(end_structure_ids=("s1",)), territory).tolist() == [True, False]


def test_scenario_file_include_neighbours(tmp_path):
    from conum_geo.core.errors import ScenarioError
    from conum_geo.data.scenario_files import load_scenario

    path = tmp_path / "s.toml"
    path.write_text("[ends]\nstructure_types = ['departement']\ninclude_neighbours = true\n")
    assert load_scenario(path).include_neighbours is True
    path.write_text("[ends]\ninclude_neighbours = 'yes'\n")
    with pytest.raises(ScenarioError, match="ends.include_neighbours » : true ou false attendu"):
        load_scenario(path)
