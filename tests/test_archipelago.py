"""Islands: points stay on their own land, narrow channels and known bridges join land masses,
an island without a link is said, never reached by a straight leg across the water.

Hand-built archipelagos on the proxy network, two road networks side by side on real-road
rules, and Guadeloupe's real communes and registers (skipped without ``../shared/data``).
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely

import conum_geo as cg
from conum_geo.analysis.coverage import SnappedTerritory, apart, network_notices
from conum_geo.analysis.engine import nearest_source, snap
from conum_geo.core.territory import Territory
from conum_geo.network.graph import SMALL_COMPONENT_NODES, RoadGraph
from conum_geo.network.proxy import CHANNEL_M, DETOUR_FACTOR, FIXED_LINKS, build_proxy_network
from conum_geo.network.synthetic import synthetic_road_graph

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CRS = "EPSG:2154"
SIDE_M = 2000.0


def _island(codes: list[str], x0: float) -> list[dict]:
    """Square communes 2 km wide in a row from ``x0``, town halls at their centres."""
    return [{"code_insee": code, "nom": f"Commune {code}", "population": 1000, "epci_code": "E",
             "origin_x": x0 + SIDE_M * (i + 0.5), "origin_y": SIDE_M / 2,
             "geometry": shapely.box(x0 + SIDE_M * i, 0.0, x0 + SIDE_M * (i + 1), SIDE_M)}
            for i, code in enumerate(codes)]


def _territory(communes: list[dict], sites: list[tuple[str, float]]) -> Territory:
    """Communes and Conum sites (each at a town hall: ``(site_id, x)``), no posts."""
    frame = gpd.GeoDataFrame(communes, geometry="geometry", crs=CRS)
    by_x = frame.set_index("origin_x")["code_insee"]
    site_rows = gpd.GeoDataFrame(
        [{"site_id": site_id, "nom": site_id, "kind": "conum", "code_insee": by_x[x], "presence_h": 20.0,
          "itinerant": False, "source": "test", "as_of": "", "geometry": shapely.Point(x, SIDE_M / 2)}
         for site_id, x in sites], geometry="geometry", crs=CRS)
    no_posts = pd.DataFrame(columns=["post_id", "structure_id", "fte", "hours_week", "end_date", "model",
                                     "base_site_id", "source", "as_of"])
    return Territory(dept="97", communes=frame, sites=site_rows, posts=no_posts,
                     post_sites=pd.DataFrame(columns=["post_id", "site_id", "share"]),
                     structures=pd.DataFrame(columns=["structure_id", "nom", "structure_type", "public", "n_posts",
                                                      "source", "as_of"]),
                     illustrative=True)


def _access(territory: Territory, graph: RoadGraph) -> pd.Series:
    snapped = SnappedTerritory.build(graph, territory, cg.Settings())
    time_s, _ = nearest_source(graph, snapped.sites, snapped.communes, toward_sources=True)
    return pd.Series(time_s / 60.0, index=territory.communes["code_insee"])


@pytest.mark.parametrize("gap_m, joined", [(CHANNEL_M / 2, True), (CHANNEL_M * 10, False)])
def test_a_channel_joins_land_masses_only_when_narrow(gap_m, joined):
    west = _island(["97001", "97002"], 0.0)
    east = _island(["97003", "97004"], 2 * SIDE_M + gap_m)
    territory = _territory(west + east, sites=[("west", west[0]["origin_x"]), ("east", east[1]["origin_x"])])
    graph = build_proxy_network(territory.communes)
    access_min = _access(territory, graph)
    # each island reaches its own site: at its town hall, no leg (never a leg across the water)
    assert access_min["97001"] == 0.0 and access_min["97004"] == 0.0
    if joined:  # one land: the two middle town halls are joined across the channel
        assert graph.time_s[1, 2] > 0 and graph.provenance["links"] == [f"chenal de moins de {CHANNEL_M:.0f} m"]
        assert np.bincount(graph.components).tolist() == [4]
    else:
        assert graph.time_s[1, 2] == 0 and graph.provenance["links"] == []
        assert sorted(np.bincount(graph.components).tolist()) == [2, 2]


def test_an_island_without_a_site_or_a_link_is_said_and_unreached():
    main = _island(["97001", "97002", "97003"], 0.0)
    island = _island(["97004"], 3 * SIDE_M + 3000.0)  # 3 km of sea, no bridge
    territory = _territory(main + island, sites=[("main", main[2]["origin_x"])])
    graph = build_proxy_network(territory.communes)
    access_min = _access(territory, graph)
    assert math.isnan(access_min["97004"])  # not the 3 km leg to the nearest town hall
    snapped = SnappedTerritory.build(graph, territory, cg.Settings())
    (notice,) = apart(snapped, territory)
    assert (notice.code, notice.count, notice.params["form"]) == ("iles_sans_lien", 1, "proxy")
    assert notice.examples == ("Commune 97004 (97004)",)
    assert "iles_sans_lien" in [n.code for n in network_notices(snapped, territory)]
    result = cg.analyse_gaps(territory, graph, scenario=cg.Scenario())
    row = result.communes.set_index("code_insee").loc["97004"]
    assert not row["covered_before"] and math.isnan(row["baseline_min"])


def test_a_fixed_link_joins_its_two_communes_across_wide_water():
    mainland, island_code, name = FIXED_LINKS[0]
    main = _island(["17001", mainland], 0.0)
    island = _island([island_code, "17002"], 2 * SIDE_M + 2500.0)
    territory = _territory(main + island, sites=[("main", main[0]["origin_x"])])
    graph = build_proxy_network(territory.communes)
    assert graph.provenance["links"] == [name]
    # the bridge's arc: the straight distance between the two town halls × the detour, at 50 km/h
    # (both communes 1000 inhabitants on 4 km², 250 per km²: the middle density class)
    dist_m = island[0]["origin_x"] - main[1]["origin_x"]
    assert graph.time_s[1, 2] == pytest.approx(dist_m * DETOUR_FACTOR / (50 / 3.6))
    access_min = _access(territory, graph)
    assert np.isfinite(access_min.to_numpy()).all()


def _two_networks() -> RoadGraph:
    """Two road networks 30 km apart, each of at least ``SMALL_COMPONENT_NODES`` nodes, and a
    two-node fragment (a car park) near the first."""
    west = synthetic_road_graph(1600, seed=1)
    east = synthetic_road_graph(1600, seed=2)
    shift = float(west.x.max() - east.x.min()) + 30_000.0
    n_w, n_e = west.n_nodes, east.n_nodes
    px, py = float(west.x.max()) + 200.0, float(west.y.mean())
    x = np.concatenate([west.x, east.x + shift, [px, px + 50.0]])
    y = np.concatenate([west.y, east.y, [py, py]])
    n = n_w + n_e + 2
    time_s = sp.block_diag([west.time_s, east.time_s, sp.csr_matrix(([5.0, 5.0], ([0, 1], [1, 0])), shape=(2, 2))],
                           format="csr")
    assert time_s.shape == (n, n)
    return RoadGraph(x=x, y=y, time_s=time_s, source="osm", crs=CRS)


def _blocks(graph: RoadGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The nodes of the west network's component, of the east one's, and of the car park."""
    labels = graph.components
    park = np.arange(graph.n_nodes - 2, graph.n_nodes)
    west_side = graph.x < graph.x[park[0]]
    west, east = (np.bincount(labels[side]).argmax() for side in (west_side, graph.x > graph.x[park[1]]))
    return np.flatnonzero(labels == west), np.flatnonzero(labels == east), park


def test_real_roads_snap_to_every_big_component_but_not_to_fragments():
    graph = _two_networks()
    west, east, park = _blocks(graph)
    assert len(west) >= SMALL_COMPONENT_NODES and len(east) >= SMALL_COMPONENT_NODES
    assert np.bincount(graph.components)[graph.components[park[0]]] == 2
    # a point on the smaller of the two networks stays there (before: onto the largest, 30 km away)
    small = west if len(west) < len(east) else east
    point = snap(graph, graph.x[small[:1]] + 1.0, graph.y[small[:1]], speed_kmh=20)
    assert point.node[0] in set(small) and point.road_m[0] < 50
    # a point on the car park goes onto the network beside it instead (OSRM's small components)
    point = snap(graph, graph.x[park[:1]], graph.y[park[:1]], speed_kmh=20)
    assert point.node[0] in set(west)


def test_real_roads_communes_on_another_component_are_said():
    graph = _two_networks()
    west, east, _ = _blocks(graph)
    communes = [{"code_insee": f"9700{i}", "nom": f"C{i}", "population": 10, "epci_code": "E",
                 "origin_x": graph.x[node], "origin_y": graph.y[node],
                 "geometry": shapely.Point(graph.x[node], graph.y[node]).buffer(100)}
                for i, node in enumerate([west[0], west[1], east[0]])]
    territory = _territory(communes, sites=[("w", graph.x[west[0]])])
    snapped = SnappedTerritory.build(graph, territory, cg.Settings())
    (notice,) = apart(snapped, territory)
    assert (notice.count, notice.params["form"], notice.examples) == (1, "routes", ("C2 (97002)",))


@pytest.fixture(scope="module")
def guadeloupe():
    if not DATA.is_dir():
        pytest.skip(f"real open data not found at {DATA}")
    territory = cg.load_territory("971", data_dir=DATA)
    return territory, cg.load_network(territory)


def test_guadeloupe_grande_terre_reaches_its_own_sites(guadeloupe):
    territory, graph = guadeloupe
    result = cg.analyse_gaps(territory, graph, scenario=cg.Scenario())
    communes = result.communes.set_index("code_insee")
    # Le Gosier, Le Moule, Port-Louis: a Conum lieu 30 to 330 m from the town hall, published hours
    for code in ("97113", "97117", "97122"):
        assert communes.loc[code, "covered_before"], communes.loc[code, "nom"]
        assert communes.loc[code, "baseline_min"] < 2.0
    # Grande-Terre and Basse-Terre are one land (the Rivière Salée's bridges); the islands
    # without a bridge are said, and La Désirade, without a Conum lieu, is unreached
    assert graph.provenance["links"] == [f"chenal de moins de {CHANNEL_M:.0f} m"]
    (notice,) = [n for n in result.notices if n.code == "iles_sans_lien"]
    assert notice.count == 6 and any("La Désirade" in e for e in notice.examples)
    assert math.isnan(communes.loc["97110", "baseline_min"])


def test_guadeloupe_duplicate_lieux_do_not_make_a_conseiller_work_elsewhere(guadeloupe):
    territory, _ = guadeloupe
    codes = [n.code for n in territory.warnings]
    assert "lieux_doublons" in codes  # Le Moule's lieu is listed twice in the 2022 register
    assert "conseiller_hors_territoire" not in codes
