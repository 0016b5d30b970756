"""Deployment models on hand-built territories whose presence and driving are hand-computed."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely

from conum_geo.core.settings import Settings
from conum_geo.core.territory import CRS_METRIC, Territory
from conum_geo.models.compare import compare_models, presence_coverage
from conum_geo.models.deployment import ModelAssumptions, current_posts, deploy_models, posts_by_population
from conum_geo.models.indicators import gini
from conum_geo.network import build_proxy_network
from conum_geo.network.graph import RoadGraph

ASSUME = ModelAssumptions(hours_week=35.0, field_share=0.8, session_h=3.5)  # F = 28 h


def make_graph(xy, arcs_s: dict) -> RoadGraph:
    rows, cols = zip(*arcs_s)
    n = len(xy)
    matrix = sp.csr_matrix((list(arcs_s.values()), (rows, cols)), shape=(n, n))
    return RoadGraph(x=np.array([p[0] for p in xy], float), y=np.array([p[1] for p in xy], float),
                     time_s=matrix, source="test")


def make_territory(communes: list[dict], sites: list[dict], posts: list[dict]) -> Territory:
    """Square communes 1 km wide centred on their origin; posts served at their base only."""
    communes_gdf = gpd.GeoDataFrame(
        [{**c, "origin_x": c["x"], "origin_y": c["y"],
          "geometry": shapely.box(c["x"] - 500, c["y"] - 500, c["x"] + 500, c["y"] + 500)}
         for c in communes], crs=CRS_METRIC).drop(columns=["x", "y"])
    sites_gdf = gpd.GeoDataFrame(
        [{"nom": s["site_id"], "kind": "conum", "presence_h": 10.0, "itinerant": False,
          "source": "test", "as_of": "", **s, "geometry": shapely.Point(s["x"], s["y"])}
         for s in sites], crs=CRS_METRIC).drop(columns=["x", "y"])
    posts_df = pd.DataFrame([{"structure_id": "s1", "fte": 1.0, "hours_week": 35.0, "end_date": pd.NaT,
                              "model": "centralite", "source": "test", "as_of": "", **p} for p in posts])
    return Territory(
        dept="58", communes=communes_gdf, sites=sites_gdf, posts=posts_df,
        post_sites=pd.DataFrame({"post_id": posts_df["post_id"], "site_id": posts_df["base_site_id"],
                                 "share": 1.0}),
        structures=pd.DataFrame([{"structure_id": "s1", "nom": "S", "structure_type": "commune",
                                  "public": True, "n_posts": len(posts), "source": "test", "as_of": ""}]),
        illustrative=True,
    )


@pytest.fixture
def one_base_two_communes():
    """Base at node 0 (inside commune A), A's town hall at node 1, B's at node 2.

    Drives: base→A 5 min, A→base 5 min (round trip 10 min); base→B 10 min, B→base 15 min
    (round trip 25 min: the reverse direction must be used for the way back).
    """
    xy = [(0.0, 0.0), (300.0, 0.0), (5000.0, 0.0)]
    graph = make_graph(xy, {(0, 1): 300, (1, 0): 300, (0, 2): 600, (2, 0): 900, (1, 2): 700, (2, 1): 700})
    territory = make_territory(
        communes=[{"code_insee": "58001", "nom": "A", "population": 1000, "epci_code": "E", "x": 300.0, "y": 0.0},
                  {"code_insee": "58002", "nom": "B", "population": 500, "epci_code": "E", "x": 5000.0, "y": 0.0}],
        sites=[{"site_id": "base", "code_insee": "58001", "x": 0.0, "y": 0.0}],
        posts=[{"post_id": "p1", "base_site_id": "base"}],
    )
    return territory, graph


def test_rayonnement_one_base_two_communes_hand_computed(one_base_two_communes):
    territory, graph = one_base_two_communes
    posts = current_posts(territory, assumptions=ASSUME)
    deployments = deploy_models(territory, graph, posts=posts, assumptions=ASSUME)
    plan = deployments["rayonnement"].schedule.set_index("code_insee")
    # one turn: 2 sessions of 3.5 h + 10 min + 25 min of driving = 91/12 h; 28 h a week
    turns = 28 / (91 / 12)
    assert plan.loc["58001", "round_trip_min"] == pytest.approx(10.0)
    assert plan.loc["58002", "round_trip_min"] == pytest.approx(25.0)
    assert plan.loc["58001", "presence_h"] == pytest.approx(1176 / 91)
    assert plan.loc["58002", "presence_h"] == pytest.approx(1176 / 91)
    assert plan["sessions_per_week"].to_numpy() == pytest.approx([turns, turns])
    assert deployments["rayonnement"].driving_h == pytest.approx(196 / 91)
    assert deployments["rayonnement"].presence_h + deployments["rayonnement"].driving_h == pytest.approx(28)
    # presences sit at the visited communes' town halls
    presences = deployments["rayonnement"].presences.set_index("code_insee")
    assert presences.loc["58002"].geometry.equals(shapely.Point(5000, 0))
    assert presences["itinerant"].all()


def test_centralite_and_multi_centralite_hand_computed(one_base_two_communes):
    territory, graph = one_base_two_communes
    deployments = deploy_models(territory, graph, posts=current_posts(territory, assumptions=ASSUME),
                                assumptions=ModelAssumptions(centres_per_post=2))
    central = deployments["centralite"]
    assert central.presence_h == pytest.approx(28) and central.driving_h == 0
    assert list(central.presences["site_id"]) == ["base"]
    # multi-centralité: the base (no driving) and B (25 min round trip) each turn
    multi = deployments["multi_centralite"].schedule.set_index("site_id")
    turns = 28 / (7 + 25 / 60)
    assert multi.loc["base", "presence_h"] == pytest.approx(3.5 * turns)
    assert multi.loc["visite-58002", "driving_h"] == pytest.approx(25 / 60 * turns)


def test_commune_in_fixed_site_catchment_is_covered_under_centralite():
    # a line of communes 0-1-2, 10 then 30 minutes apart; base at commune 0
    xy = [(0.0, 0.0), (8000.0, 0.0), (30000.0, 0.0)]
    graph = make_graph(xy, {(0, 1): 600, (1, 0): 600, (1, 2): 1800, (2, 1): 1800})
    territory = make_territory(
        communes=[{"code_insee": f"5800{i}", "nom": f"C{i}", "population": 100 * (i + 1),
                   "epci_code": f"E{i}", "x": x, "y": y} for i, (x, y) in enumerate(xy)],
        sites=[{"site_id": "base", "code_insee": "58000", "x": 0.0, "y": 0.0}],
        posts=[{"post_id": "p1", "base_site_id": "base"}],
    )
    result = compare_models(territory, graph, settings=Settings(threshold_min=20), assumptions=ASSUME)
    covered = result.communes.set_index("code_insee")["covered_centralite"]
    assert covered.to_dict() == {"58000": True, "58001": True, "58002": False}
    access = result.communes.set_index("code_insee")["access_min_centralite"]
    assert access.to_numpy() == pytest.approx([0, 10, 40])
    row = result.table.loc["centralite"]
    assert row["population_covered"] == 300 and row["communes_with_presence"] == 1
    assert row["communes_covered"] == 2


def _random_territory(seed: int):
    """A grid of square communes with random populations, EPCIs and post bases."""
    rng = np.random.default_rng(seed)
    nx, ny = 5, 4
    communes = [{"code_insee": f"58{k:03d}", "nom": f"C{k}", "population": int(rng.integers(50, 5000)),
                 "epci_code": f"E{int(rng.integers(0, 3))}", "x": 1000.0 * (k % nx) * 5,
                 "y": 1000.0 * (k // nx) * 5} for k in range(nx * ny)]
    for c in communes:  # 5 km squares so that neighbours touch
        c["geometry"] = shapely.box(c["x"] - 2500, c["y"] - 2500, c["x"] + 2500, c["y"] + 2500)
    chosen = rng.choice(len(communes), size=3, replace=False)
    sites = [{"site_id": f"s{k}", "code_insee": communes[k]["code_insee"],
              "x": communes[k]["x"] + 100, "y": communes[k]["y"]} for k in chosen]
    posts = [{"post_id": f"p{i}", "base_site_id": sites[int(rng.integers(0, 3))]["site_id"]}
             for i in range(int(rng.integers(1, 6)))]
    territory = make_territory([{k: v for k, v in c.items() if k != "geometry"} for c in communes], sites, posts)
    territory.communes["geometry"] = [c["geometry"] for c in communes]
    return territory, build_proxy_network(territory.communes)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("radius_min", [None, 6.0])
def test_rayonnement_never_lowers_communes_with_a_presence(seed, radius_min):
    territory, graph = _random_territory(seed)
    assumptions = ModelAssumptions(radius_min=radius_min)
    result = compare_models(territory, graph, assumptions=assumptions)
    has = result.communes.set_index("code_insee")
    central, radiating = has["has_presence_centralite"], has["has_presence_rayonnement"]
    assert (radiating | ~central).all()  # every commune with a presence keeps one
    assert result.table.loc["rayonnement", "communes_with_presence"] >= \
        result.table.loc["centralite", "communes_with_presence"]
    # every post spends exactly its field time on presence and driving, in every model
    for deployment in result.deployments.values():
        spent = deployment.schedule.groupby("post_id")[["presence_h", "driving_h"]].sum().sum(axis=1)
        assert spent.to_numpy() == pytest.approx(np.full(len(spent), 28.0))
    # posts sharing a base never visit the same commune
    visits = result.deployments["rayonnement"].schedule
    assert not visits.loc[visits["site_id"].str.startswith("visite-"), "code_insee"].duplicated().any()


def test_demo_rayonnement_never_lowers_communes_with_a_presence(demo_territory, demo_graph):
    for n_posts in (None, 24):
        result = compare_models(demo_territory, demo_graph, n_posts=n_posts)
        table = result.table
        assert table.loc["rayonnement", "communes_with_presence"] >= table.loc["centralite", "communes_with_presence"]
        assert table.loc["centralite", "driving_h"] == 0
        assert table.loc["rayonnement", "driving_h"] > table.loc["multi_centralite", "driving_h"] > 0


def test_posts_by_population_shares_posts_among_intercommunalities(demo_territory):
    posts = posts_by_population(demo_territory, 24)
    assert len(posts) == 24 and posts["post_id"].is_unique
    epci = demo_territory.communes.set_index("code_insee")["epci_code"]
    assert posts["base_code_insee"].map(epci).nunique() == demo_territory.communes["epci_code"].nunique()
    assert (posts["hours_week"] == 35.0).all()


def test_presence_coverage_keeps_unserved_sites(one_base_two_communes):
    territory, graph = one_base_two_communes
    presences = deploy_models(territory, graph, posts=current_posts(territory))["centralite"].presences
    metrics = presence_coverage(presences, territory, graph, Settings())
    assert metrics["has_presence"].to_dict() == {"58001": True, "58002": False}


@pytest.mark.parametrize("values, weights, expected", [
    ([1, 1, 1], None, 0.0),
    ([0, 0, 0], None, 0.0),
    ([0, 0, 0, 1], None, 0.75),     # n-1/n for one holder among n
    ([0, 1], [3, 1], 0.75),         # weights act as repeated observations
    ([2, 4], [1, 1], 1 / 6),        # mean absolute difference / (2 × mean) = 2/2 / 6
])
def test_gini_hand_computed(values, weights, expected):
    assert gini(values, weights) == pytest.approx(expected)


def test_bad_assumptions_are_refused():
    from conum_geo.core.errors import ConumGeoError

    with pytest.raises(ConumGeoError, match="field_share"):
        ModelAssumptions(field_share=1.5)


def test_the_models_registry_is_the_vocabulary_and_refuses_an_unknown_model():
    from conum_geo.core.errors import ParameterError
    from conum_geo.core.vocabulary import MODELS
    from conum_geo.models.deployments import REGISTRY, deployment_model

    assert list(REGISTRY) == list(MODELS)
    assert [REGISTRY[m].roving for m in MODELS] == [False, False, True]
    with pytest.raises(ParameterError, match="modèle inconnu 'itinerance'"):
        deployment_model("itinerance")


def test_an_unknown_model_is_never_computed_as_another(demo_territory, demo_graph):
    from conum_geo.core.errors import ParameterError
    from conum_geo.models.deployment import current_posts, deploy_models

    posts = current_posts(demo_territory)
    with pytest.raises(ParameterError, match="modèle inconnu"):
        deploy_models(demo_territory, demo_graph, posts=posts, models=("centralite", "bus"))
