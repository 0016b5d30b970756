"""The orientation directory: places in road-time order with their hours, from a commune, a
point or a geocoded address (the geocoder is a local server on 127.0.0.1)."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from click.testing import CliRunner
from helpers_http import LocalServer

from conum_geo.analysis.engine import snap, time_table
from conum_geo.analysis.nearest import commune_origin, nearest_places
from conum_geo.cli import cli
from conum_geo.core.errors import DataUnavailableError
from conum_geo.core.settings import Settings
from conum_geo.data.geocode import geocode


def test_places_come_in_road_time_order_with_their_hours(demo_territory, demo_graph):
    x, y, label = commune_origin(demo_territory, "58194")
    result = nearest_places(demo_territory, demo_graph, x, y, origin=label, per_kind=4)
    places = result.places
    sites = demo_territory.sites.set_index("site_id")
    # independent reference: one search per site of each kind, the 4 smallest times
    speed = Settings().off_network_speed_kmh
    here = snap(demo_graph, [x], [y], speed_kmh=speed)
    for kind in ("conum", "france_services"):
        chosen = places.loc[places["kind"] == kind]
        assert chosen["rank"].tolist() == list(range(1, len(chosen) + 1))
        assert chosen["time_min"].is_monotonic_increasing
        open_ = demo_territory.sites.loc[(demo_territory.sites["kind"] == kind)
                                         & ~(demo_territory.sites["presence_h"] == 0)].reset_index(drop=True)
        points = snap(demo_graph, open_.geometry.x, open_.geometry.y, speed_kmh=speed)
        times = time_table(demo_graph, points, here, cutoff_s=90 * 60.0, toward_sources=True)
        expected = np.sort(times["time_s"].to_numpy() / 60.0)[:4]
        assert chosen["time_min"].to_numpy() == pytest.approx(expected)
        assert (chosen["presence_h"].to_numpy() == sites.loc[chosen["site_id"], "presence_h"].to_numpy()).all()
    assert (places["dist_km"] >= 0).all() and places.loc[places["time_min"] > 1, "dist_km"].gt(0).all()


def test_nearest_command_from_a_commune_and_a_point(demo_territory):
    result = CliRunner().invoke(cli, ["nearest", "--commune", "58194", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["dept"] == "58" and summary["origin"].startswith("Nevers (58194)")
    assert len(summary["places"]["conum"]) == 3 and len(summary["places"]["france_services"]) == 3
    text = CliRunner().invoke(cli, ["nearest", "--lonlat", "3.16,46.99", "--dept", "58"]).output
    assert "Conseillers numériques :" in text and "France services :" in text and "h/semaine" in text
    bad = CliRunner().invoke(cli, ["nearest", "--lonlat", "3.16,46.99"])
    assert bad.exit_code == 2 and "--dept" in bad.output


def _answer(score=0.93, features=True):
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [3.1597, 46.9897]},
               "properties": {"label": "1 Place de l'Hôtel de Ville 58000 Nevers", "citycode": "58194",
                              "score": score}}
    return {"type": "FeatureCollection", "features": [feature] if features else []}


@pytest.fixture()
def geocoder(monkeypatch):
    servers = []

    def start(body):
        server = LocalServer({"/search": json.dumps(body).encode()})
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        monkeypatch.setenv("CONUM_GEO_MIRRORS", f"https://data.geopf.fr/geocodage={server.base}")
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_an_address_is_geocoded_then_its_nearest_places_listed(geocoder):
    geocoder(_answer())
    found = geocode("1 place de l'hôtel de ville, Nevers")
    assert (found.lon, found.lat, found.code_insee) == (3.1597, 46.9897, "58194")
    result = CliRunner().invoke(cli, ["nearest", "--adresse", "1 place de l'hôtel de ville, Nevers", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["origin"].startswith("1 Place de l'Hôtel de Ville 58000 Nevers")


@pytest.mark.parametrize("body, fragment", [(_answer(score=0.2), "trop incertaine"),
                                            (_answer(features=False), "introuvable")])
def test_doubtful_or_missing_addresses_are_said(geocoder, body, fragment):
    geocoder(body)
    with pytest.raises(DataUnavailableError, match=fragment):
        geocode("nulle part")


def test_offline_geocoding_says_what_to_give_instead(monkeypatch):
    monkeypatch.setenv("CONUM_GEO_MIRRORS", "https://data.geopf.fr=http://127.0.0.1:9")
    result = CliRunner().invoke(cli, ["nearest", "--adresse", "1 rue de la Paix, Nevers"])
    assert result.exit_code == 2
    assert "hors ligne" in result.output and "--commune" in result.output and "--lonlat" in result.output


def test_every_commune_of_the_gaps_map_lists_its_nearest_open_places(demo_territory, demo_graph):
    from conum_geo.analysis.coverage import SnappedTerritory, snapped_times
    from conum_geo.analysis.gaps import analyse_gaps
    from conum_geo.data.scenario_files import load_scenario
    from conum_geo.outputs.maps import gaps_map

    result = analyse_gaps(demo_territory, demo_graph, scenario=load_scenario("departement-non-renouvele"))
    settings = result.settings
    snapped = SnappedTerritory.build(demo_graph, result.territory, settings)
    times = snapped_times(snapped, result.territory, settings.threshold_min)
    sites = result.sites.set_index("site_id")
    open_after = sites.index[sites["active_after"] & (sites["presence_h_after"] != 0)]
    times = times.loc[times["site_id"].isin(open_after)].assign(kind=lambda t: t["site_id"].map(sites["kind"]))
    expected = times.groupby(["code_insee", "kind"])["time_s"].min() / 60.0
    first = result.nearby.loc[result.nearby["rank"] == 1].set_index(["code_insee", "kind"])["time_min"]
    assert first.sort_index().to_numpy() == pytest.approx(expected.sort_index().to_numpy())
    assert not result.nearby["site_id"].isin(sites.index[~sites["active_after"]]).any()  # closed places never
    html = gaps_map(result).get_root().render()
    assert "Qui contacter pr\\u00e8s d\\u0027ici" in html  # the popup's label, JSON-escaped
