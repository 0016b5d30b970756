"""Redeployment à iso: hand-solved line of communes, and consistency on the embedded demo."""

from __future__ import annotations

import pandas as pd
import pytest
from test_models import make_graph, make_territory

from conum_geo.core.errors import ParameterError
from conum_geo.core.scenarios import DEFAULT_SCENARIO, Scenario
from conum_geo.core.settings import Settings
from conum_geo.models import optimize
from conum_geo.models.redeploy import redeploy

pytestmark = pytest.mark.skipif(not optimize.milp_available(), reason="PuLP/highspy not installed")

ENDS_P2 = Scenario(name="p2 s'arrête", end_post_ids=("p2",))


@pytest.fixture
def line():
    """Five communes on a line, 10 minutes apart; site s0 (post p1) at C0, s4 (post p2) at C4."""
    xy = [(8000.0 * i, 0.0) for i in range(5)]
    arcs = {}
    for i in range(4):
        arcs[(i, i + 1)] = arcs[(i + 1, i)] = 600
    territory = make_territory(
        communes=[{"code_insee": f"5800{i}", "nom": f"C{i}", "population": 100 * (i + 1),
                   "epci_code": "E", "x": x, "y": y} for i, (x, y) in enumerate(xy)],
        sites=[{"site_id": "s0", "code_insee": "58000", "x": 0.0, "y": 0.0},
               {"site_id": "s4", "code_insee": "58004", "x": 32000.0, "y": 0.0}],
        posts=[{"post_id": "p1", "base_site_id": "s0"}, {"post_id": "p2", "base_site_id": "s4"}],
    )
    return territory, make_graph(xy, arcs)


def test_mclp_puts_the_post_where_it_recovers_most(line):
    territory, graph = line
    result = redeploy(territory, graph, n_posts=1, scenario=ENDS_P2, settings=Settings(threshold_min=10))
    # baseline covers C0,C1 (s0) and C3,C4 (s4); without p2 only C0,C1; a site at C3 covers C2-C4
    assert list(result.new_sites["candidate_id"]) == ["mairie-58003"]
    covered = result.table["population_covered"].to_dict()
    assert covered == {"baseline": 100 + 200 + 400 + 500, "scenario": 300, "redeployed": 1500}
    summary = result.summary()
    assert summary["population_lost"] == 900 and summary["population_recovered"] == 900
    assert summary["population_gained"] == 300 and summary["population_covered_change"] == 1200
    assert summary["recovered_share"] == 1.0
    assert summary["solver"]["gap"] == 0.0
    # the optimiser's objective is the coverage the metrics measure
    assert result.solution.objective == covered["redeployed"]
    status = result.communes.set_index("code_insee")["status"].to_dict()
    assert status == {"58000": "couverte", "58001": "couverte", "58002": "gagnee",
                      "58003": "retrouvee", "58004": "retrouvee"}
    # s4 (where the ended post worked) and the town hall at C4 are one candidate, not two
    assert (result.candidates["code_insee"] == "58004").sum() == 1
    roles = result.sites.set_index("site_id")["role"].to_dict()
    assert roles["s0"] == "maintenu" and roles["s4"] == "ferme"
    assert roles["redeploiement-mairie-58003"] == "nouveau"


def test_pmedian_hand_computed(line):
    territory, graph = line
    result = redeploy(territory, graph, n_posts=1, scenario=ENDS_P2, objective="pmedian", settings=Settings(threshold_min=10))
    # new site at C3: C1 and C2 and C4 are 10 min from a presence: 200×10 + 300×10 + 500×10
    assert list(result.new_sites["candidate_id"]) == ["mairie-58003"]
    assert result.solution.objective == pytest.approx(10_000)


def test_lscp_reports_the_sites_needed(line):
    territory, graph = line
    result = redeploy(territory, graph, n_posts=0, scenario=ENDS_P2, objective="lscp", settings=Settings(threshold_min=10))
    assert len(result.new_sites) == 1  # one site at C3 covers C2–C4, s0 covers C0–C1
    assert result.solution.objective == 2  # kept sites count, as in spopt


def test_keep_ids_fixes_only_those_sites(line):
    territory, graph = line
    result = redeploy(territory, graph, n_posts=1, scenario=Scenario(), keep=["p2"], settings=Settings(threshold_min=10))
    fixed = set(result.candidates.loc[result.candidates["fixed"], "candidate_id"])
    assert fixed == {"s4"}
    # s0 is not kept: its place is a candidate again and C0-C1 need the one post
    assert result.table.loc["redeployed", "population_covered"] == 100 + 200 + 300 + 400 + 500
    assert list(result.new_sites["candidate_id"]) == ["mairie-58001"]
    with pytest.raises(ParameterError, match="keep"):
        redeploy(territory, graph, n_posts=1, scenario=Scenario(), keep=["nope"])


def test_too_many_posts_is_an_error(line):
    territory, graph = line
    with pytest.raises(ParameterError, match="lieux candidats libres"):
        redeploy(territory, graph, n_posts=9, scenario=ENDS_P2)


def test_demo_redeploy_keeps_fixed_sites_and_places_n_posts(demo_territory, demo_graph):
    exact = redeploy(demo_territory, demo_graph, n_posts=6, scenario=DEFAULT_SCENARIO)
    greedy = redeploy(demo_territory, demo_graph, n_posts=6, scenario=DEFAULT_SCENARIO, solver="greedy")
    for result in (exact, greedy):
        assert len(result.new_sites) == 6
        assert result.candidates.loc[result.candidates["fixed"], "selected"].all()
        table = result.table
        assert table.loc["redeployed", "population_covered"] >= table.loc["scenario", "population_covered"]
        assert result.solution.objective == table.loc["redeployed", "population_covered"]
    assert exact.solution.objective >= greedy.solution.objective
    assert greedy.solution.bound >= exact.solution.objective  # a valid bound on the optimum
    assert greedy.summary()["solver"]["method"] == "greedy"
    assert pd.notna(greedy.solution.gap)
