"""Isochrones and travel-time surfaces: polygons hold the network nodes of their band and no
other (times by networkx), the GeoTIFF reads back, the CLI writes both files on the demo."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from helpers_network import MARSEILLE, SAINT_BARTHELEMY, at_nodes, box_around, graph_to_networkx, reference_times
from scipy.spatial import cKDTree

from conum_geo.analysis.catchments import Grid, SurfaceSampler, band_polygons
from conum_geo.analysis.engine import sweep
from conum_geo.cli import cli
from conum_geo.core.settings import Settings
from conum_geo.network.bdtopo import read_bdtopo
from conum_geo.network.osm import read_pbf
from conum_geo.outputs.catchments import write_surface_tif

OFF_NETWORK_KMH = 20.0
pytest.importorskip("rasterio")


def test_grid_covers_bounds_on_whole_cells():
    grid = Grid.covering((1010.0, 2020.0, 1990.0, 2490.0), 100.0, "EPSG:2154")
    assert (grid.x0, grid.y1, grid.width, grid.height) == (1000.0, 2500.0, 10, 5)
    x, y = grid.centres()
    assert (x[0], y[0]) == (1050.0, 2450.0) and len(x) == 50
    row, col = grid.cell_of([1050.0, 1999.0], [2450.0, 2001.0])
    assert row.tolist() == [0, 4] and col.tolist() == [0, 9]


def check_bands(graph, sites, minutes, cell_m, *, toward=True, sample=400, seed=0):
    """Every network node whose band is unambiguous at this cell size lies in the polygon of
    its band and in no other; returns the share of nodes checked."""
    reference = graph_to_networkx(graph)
    expected = reference_times(reference, sites, np.zeros(len(sites)), toward=toward)
    node_time = np.array([expected.get(i, np.inf) for i in range(graph.n_nodes)])
    grid = Grid.covering(box_around(graph, 500.0).bounds, cell_m, graph.crs)
    sampler = SurfaceSampler(graph, grid, off_network_speed_kmh=OFF_NETWORK_KMH, max_leg_m=2000.0)
    surface = sampler.surface(node_time, toward_sources=toward)
    bands = band_polygons(surface, grid, minutes)
    limits = np.r_[0.0, sorted(minutes)]

    # What a cell holding node i may show: times of network points within one cell diagonal.
    tail, head, time_s = graph.arcs()
    segments = shapely.linestrings(np.stack([np.column_stack([graph.x[tail], graph.y[tail]]),
                                             np.column_stack([graph.x[head], graph.y[head]])], axis=1))
    tree = shapely.STRtree(segments)
    radius = cell_m * np.sqrt(2)
    rng = np.random.default_rng(seed)
    checked = 0
    nodes = rng.choice(graph.n_nodes, min(sample, graph.n_nodes), replace=False)
    for i in nodes:
        point = shapely.Point(graph.x[i], graph.y[i])
        near = tree.query(point, predicate="dwithin", distance=radius)
        ends = np.concatenate([node_time[tail[near]], node_time[head[near]], [node_time[i]]])
        low = ends.min() / 60
        high = (ends.max() + (time_s[near].max() if len(near) else 0) + radius / 2 / (OFF_NETWORK_KMH / 3.6)) / 60
        band = np.searchsorted(limits, low, side="left")  # band k holds (limits[k-1], limits[k]]
        inside_one_band = low > 0 and band == np.searchsorted(limits, high, side="left")
        if not np.isfinite(high) or not inside_one_band and not low > limits[-1]:
            continue
        checked += 1
        for k, (_, _, polygon) in enumerate(bands, start=1):
            assert polygon.contains(point) is bool(k == band), (i, node_time[i] / 60, k)
    return checked / len(nodes), surface, grid, sampler


@pytest.mark.shared_data
def test_real_osm_isochrones_hold_the_nodes_of_their_band(shared_data):
    graph = read_pbf(shared_data / SAINT_BARTHELEMY)
    sites = np.flatnonzero(graph.largest_scc)[[10, 900]]
    for toward in (True, False):
        share, *_ = check_bands(graph, sites, (2.0, 4.0, 6.0), 20.0, toward=toward)
        assert share > 0.7


@pytest.mark.shared_data
def test_real_bdtopo_isochrones_hold_the_nodes_of_their_band(shared_data):
    graph = read_bdtopo(shared_data / MARSEILLE)
    share, *_ = check_bands(graph, np.flatnonzero(graph.largest_scc)[[500]], (2.0, 4.0), 10.0)
    assert share > 0.5  # dense streets: many nodes sit within a cell of another band's road


@pytest.mark.shared_data
def test_union_surface_is_the_minimum_of_the_site_surfaces(shared_data, tmp_path):
    import rasterio

    graph = read_pbf(shared_data / SAINT_BARTHELEMY)
    grid = Grid.covering(box_around(graph, 3000.0).bounds, 50.0, graph.crs)
    sampler = SurfaceSampler(graph, grid, off_network_speed_kmh=OFF_NETWORK_KMH, max_leg_m=2000.0)
    sites = at_nodes(np.flatnonzero(graph.largest_scc)[[5, 300, 1200]], [0.0, 30.0, 60.0])
    each = [sampler.surface(sweep(graph, sites.subset([k]))[0], toward_sources=True) for k in range(3)]
    union = sampler.surface(sweep(graph, sites)[0], toward_sources=True)
    np.testing.assert_allclose(union, np.fmin.reduce(each), rtol=1e-6)
    # The sea around the island stays empty: no cell far from every road has a time.
    tail, head, _ = graph.arcs()
    longest = np.hypot(graph.x[head] - graph.x[tail], graph.y[head] - graph.y[tail]).max()
    x, y = grid.centres()
    far = cKDTree(np.column_stack([graph.x, graph.y])).query(np.column_stack([x, y]))[0] > 2000 + longest
    assert far.any() and np.isnan(union.ravel()[far]).all()

    path = tmp_path / "travel_time.tif"
    write_surface_tif(union, grid, path, tags={"network": "osm"})
    with rasterio.open(path) as raster:
        assert raster.crs.to_string() == graph.crs and raster.res == (50.0, 50.0)
        assert raster.bounds.left == grid.x0 and raster.bounds.top == grid.y1
        assert raster.tags()["units"] == "minutes" and raster.tags()["network"] == "osm"
        np.testing.assert_array_equal(raster.read(1), union)
        # A site's own cell: its time is at most half a cell diagonal of walking away.
        row, col = grid.cell_of(graph.x[sites.node[0]], graph.y[sites.node[0]])
        assert raster.read(1)[row, col] <= 50 * np.sqrt(2) / 2 / (OFF_NETWORK_KMH / 3.6) / 60 + 1e-6


def test_bands_are_disjoint_rings_not_hulls():
    # A plateau: 5 min everywhere except a 12-min hole in the middle and a 25-min rim.
    grid = Grid.covering((0, 0, 1000, 1000), 100.0, "EPSG:2154")
    surface = np.full((10, 10), 5.0, dtype=np.float32)
    surface[4:6, 4:6] = 12.0
    surface[0, :] = 25.0
    surface[9, 9] = np.nan
    bands = band_polygons(surface, grid, (10.0, 20.0, 30.0))
    (_, _, inner), (_, _, middle), (_, _, rim) = bands
    assert inner.area == pytest.approx(100 * 100 * (90 - 4 - 1))
    assert len(inner.geoms[0].interiors) == 1  # the 12-min hole is a hole
    assert middle.area == pytest.approx(4 * 100 * 100) and rim.area == pytest.approx(10 * 100 * 100)
    assert inner.intersection(middle).area == 0 and inner.convex_hull.area > inner.area


def test_catchments_command_on_the_demo_draws_per_commune(tmp_path, demo_territory, demo_graph):
    import rasterio

    from conum_geo.analysis.coverage import SnappedTerritory, access

    result = CliRunner().invoke(cli, ["catchments", "--dept", "58", "--minutes", "10,20", "--cell", "1000",
                                      "--kind", "conum", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["network"] == "proxy" and summary["minutes"] == [10.0, 20.0] and summary["sites"] > 10
    assert summary["method"] == "communes" and "chef-lieu" in summary["method_label"]
    sites = gpd.read_file(tmp_path / "isochrones.gpkg", layer="sites")
    union = gpd.read_file(tmp_path / "isochrones.gpkg", layer="union")
    communes = gpd.read_file(tmp_path / "isochrones.gpkg", layer="communes")
    assert len(union) == 2 and len(sites) == 2 * summary["sites"] and len(communes) == 309
    assert set(sites.geom_type) <= {"MultiPolygon"} and sites.crs.to_string() == "EPSG:2154"
    assert union.loc[0, "geometry"].intersection(union.loc[1, "geometry"]).area < 1.0
    assert "approximatives" in union.loc[0, "caveat"] and "illustratifs" in union.loc[0, "caveat"]
    assert "chef-lieu" in union.loc[0, "method"]
    # Each commune's time is the time of its origin to the nearest Conum site (the engine's,
    # as coverage computes it), and the 0–10 band is exactly the union of those within 10 min.
    settings = Settings(kinds=("conum",))
    snapped = SnappedTerritory.build(demo_graph, demo_territory, settings)
    open_sites = ((demo_territory.sites["kind"] == "conum") & (demo_territory.sites["presence_h"] > 0)).to_numpy()
    expected = access(snapped, demo_territory, open_sites)["access_min"].to_numpy()
    np.testing.assert_allclose(communes["time_min"].to_numpy(), expected, rtol=1e-9)
    within = demo_territory.communes.geometry[expected <= 10.0].union_all()
    first = union.loc[union.min_to == 10.0, "geometry"].item()
    assert first.symmetric_difference(within).area < 1.0
    # Each site's 0-10 band lies in the union's 0-10 band (the union is the nearest site).
    own = sites.loc[sites.min_to == 10.0, "geometry"].union_all()
    assert own.difference(first).area < 1.0
    with rasterio.open(tmp_path / "travel_time.tif") as raster:
        assert raster.crs.to_string() == "EPSG:2154" and raster.res == (1000.0, 1000.0)
        assert "approximatives" in raster.tags()["caveat"] and "chef-lieu" in raster.tags()["method"]
        values = raster.read(1)
        # a cell holds the time of the commune it lies in; outside the communes, no time
        nevers = demo_territory.communes.set_index("code_insee").loc["58194"]
        row, col = raster.index(nevers["origin_x"], nevers["origin_y"])
        assert values[row, col] == pytest.approx(float(communes.set_index("code_insee").loc["58194", "time_min"]))
        assert np.isnan(values[0, 0])
    assert (tmp_path / "map.html").stat().st_size > 0


@pytest.mark.parametrize("args, message", [(["--minutes", "dix"], "minutes"),
                                           (["--kind", "bus"], "bus")])
def test_catchments_command_refuses_bad_options(tmp_path, args, message):
    result = CliRunner().invoke(cli, ["catchments", "--dept", "58", "--out", str(tmp_path), *args])
    assert result.exit_code == 2 and message in result.output


@pytest.mark.shared_data
def test_catchments_on_a_real_network_per_site_and_union(shared_data, tmp_path):
    from types import SimpleNamespace

    from conum_geo.analysis.catchments import catchments
    from conum_geo.outputs.catchments import write_catchments

    graph = read_pbf(shared_data / SAINT_BARTHELEMY)
    nodes = np.flatnonzero(graph.largest_scc)[[10, 900]]
    sites = gpd.GeoDataFrame(
        {"site_id": ["a", "b"], "nom": ["Site A", "Site B"], "kind": ["conum", "conum"],
         "presence_h": [10.0, np.nan]},
        geometry=gpd.points_from_xy(graph.x[nodes] + 30.0, graph.y[nodes]), crs=graph.crs)
    land = box_around(graph, -1000.0)
    island = gpd.GeoDataFrame({"code_insee": ["97701"], "nom": ["Saint-Barthélemy"], "population": [10_000],
                               "epci_code": [""], "origin_x": [land.centroid.x], "origin_y": [land.centroid.y]},
                              geometry=[land], crs=graph.crs)
    sites["code_insee"] = "97701"
    territory = SimpleNamespace(dept="977", sites=sites, communes=island, ring=island.iloc[:0], illustrative=False,
                                sources=(), warnings=[])

    result = catchments(territory, graph, minutes=(3, 6), cell_m=50.0)
    written = write_catchments(result, tmp_path)

    bands = result.bands
    assert sorted(bands.loc[bands.scope == "site", "site_id"].unique()) == ["a", "b"]
    assert (bands["network"] == "osm").all()
    union = bands.loc[bands.scope == "union"].set_index("min_to")["geometry"]
    for site in ("a", "b"):
        own = bands.loc[(bands.scope == "site") & (bands.site_id == site)].set_index("min_to")["geometry"]
        assert own[3.0].area > 0 and own[3.0].difference(union[3.0]).area < 1.0
    assert result.method == "surface" and len(result.communes) == 1
    assert [p.name for p in written] == ["isochrones.gpkg", "travel_time.tif", "map.html", "summary.json"]
    assert gpd.read_file(written[0], layer="union").crs.to_string() == graph.crs
