"""IGN BD TOPO road graphs: the real Marseille dump, and small hand-made files."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from helpers_network import MARSEILLE
from scipy.sparse.csgraph import dijkstra

from conum_geo.core.errors import InputError
from conum_geo.network.bdtopo import read_bdtopo, read_pg_dump


def node_at(graph, x, y) -> int:
    """The node at a point (to the centimetre)."""
    distance = np.hypot(graph.x - x, graph.y - y)
    assert distance.min() < 0.01
    return int(distance.argmin())


# Hand-made segments (run without the shared data) --------------------------------------

def segments_frame(**overrides) -> gpd.GeoDataFrame:
    """Three segments A-B (two-way), B-C (one-way B→C), C-A (one-way against its drawing:
    drawn A→C, driven C→A), a footpath A-C and a private road B-D."""
    a, b = (700_000.0, 6_600_000.0), (701_000.0, 6_600_000.0)
    c, d = (701_000.0, 6_601_000.0), (702_000.0, 6_600_000.0)
    frame = gpd.GeoDataFrame({
        "nature": ["Route à 1 chaussée", "Route à 2 chaussées", "Route à 1 chaussée", "Sentier", "Route à 1 chaussée"],
        "sens_de_circulation": ["Double sens", "Sens direct", "Sens inverse", "Sans objet", "Double sens"],
        "vitesse_moyenne_vl": [36, 72, 0, 0, 50],
        "acces_vehicule_leger": ["Libre", "Libre", "Libre", "Physiquement impossible", "Restreint aux ayants droit"],
        "etat_de_l_objet": ["En service"] * 5,
    }, geometry=[shapely.LineString([a, b]), shapely.LineString([b, c]), shapely.LineString([a, (700_500.0, 6_600_500.0), c]),
                 shapely.LineString([a, c]), shapely.LineString([b, d])], crs="EPSG:2154")
    for column, values in overrides.items():
        frame[column] = values
    return frame


def test_hand_made_geopackage_times_and_directions(tmp_path):
    path = tmp_path / "troncon_de_route.gpkg"
    segments_frame().to_file(path, layer="troncon_de_route", driver="GPKG")
    graph = read_bdtopo(path, simplify_m=0)
    a, b, c = (node_at(graph, *p) for p in [(700_000, 6_600_000), (701_000, 6_600_000), (701_000, 6_601_000)])
    m = graph.time_s
    assert m[a, b] == pytest.approx(1000 / 10) and m[b, a] == pytest.approx(100.0)  # 36 km/h both ways
    assert m[b, c] == pytest.approx(1000 / 20) and m[c, b] == 0  # one-way, 72 km/h
    # C-A: drawn A → mid → C, 'Sens inverse' → driven C → mid → A at the 40 km/h fallback.
    mid = node_at(graph, 700_500, 6_600_500)
    assert m[c, mid] > 0 and m[mid, a] > 0 and m[a, mid] == 0 and m[mid, c] == 0
    assert dijkstra(m, indices=c)[a] == pytest.approx(np.hypot(1000, 1000) / (40 / 3.6))
    # Neither the footpath nor the private road is in the graph.
    assert graph.n_nodes == 4 and graph.n_arcs == 5  # A⇄B, B→C, C→mid→A


def test_shapefile_field_names_are_understood(tmp_path):
    frame = segments_frame().rename(columns={"nature": "NATURE", "sens_de_circulation": "SENS",
                                             "vitesse_moyenne_vl": "VIT_MOY_VL",
                                             "acces_vehicule_leger": "ACCES_VL", "etat_de_l_objet": "ETAT"})
    frame.to_file(tmp_path / "TRONCON_DE_ROUTE.shp")
    graph = read_bdtopo(tmp_path / "TRONCON_DE_ROUTE.shp")
    assert graph.n_arcs >= 4 and graph.crs == "EPSG:2154"


def test_unknown_direction_names_the_row_and_field(tmp_path):
    path = tmp_path / "t.gpkg"
    segments_frame(sens_de_circulation=["Double sens", "Sens direct", "Dans les deux", "Sans objet",
                                        "Double sens"]).to_file(path, driver="GPKG")
    with pytest.raises(InputError, match=r"t\.gpkg, ligne 3, champ « sens_de_circulation ».*'Dans les deux'"):
        read_bdtopo(path)


def test_missing_speed_without_fallback_is_an_error(tmp_path):
    path = tmp_path / "t.gpkg"
    segments_frame(nature=["Route à 1 chaussée", "Route à 2 chaussées", "Nouvelle nature", "Sentier",
                           "Route à 1 chaussée"]).to_file(path, driver="GPKG")
    with pytest.raises(InputError, match="ligne 3.*vitesse_moyenne_vl"):
        read_bdtopo(path)


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "t.gpkg"
    segments_frame().drop(columns="acces_vehicule_leger").to_file(path, driver="GPKG")
    with pytest.raises(InputError, match="champ « acces_vehicule_leger »"):
        read_bdtopo(path)


# The real Marseille dump ------------------------------------------------------------------

@pytest.fixture(scope="module")
def dump(shared_data):
    return shared_data / MARSEILLE


@pytest.fixture(scope="module")
def rows(dump):
    return read_pg_dump(dump)


@pytest.mark.shared_data
def test_dump_rows_and_columns(rows):
    assert len(rows) == 2936
    assert {"geom", "nature", "sens_de_circulation", "vitesse_moyenne_vl", "acces_vehicule_leger"} <= set(rows)
    assert rows["geom"].str.startswith("01020000A06A080000").all()  # EWKB LineStringZ, SRID 2154
    assert rows.loc[rows.cleabs == "TRONROUT0000000224431292", "nom_collaboratif_gauche"].item() == \
        "CHE DE L'ARMEE D'AFRIQUE"  # quotes unescaped


@pytest.mark.shared_data
def test_marseille_graph_has_finite_positive_times(dump):
    graph = read_bdtopo(dump)
    assert graph.source == "bdtopo" and graph.crs == "EPSG:2154"
    assert graph.n_nodes > 1000 and np.isfinite(graph.time_s.data).all() and (graph.time_s.data > 0).all()
    assert graph.largest_scc.mean() > 0.8
    assert graph.max_speed_ms * 3.6 <= 105.0 + 1e-6  # the A50's 105 km/h is the fastest segment


@pytest.mark.parametrize("sens, forward, backward", [("Sens direct", True, False), ("Sens inverse", False, True),
                                                     ("Double sens", True, True)])
@pytest.mark.shared_data
def test_marseille_one_way_segments_are_driven_one_way(dump, rows, sens, forward, backward):
    graph = read_bdtopo(dump, simplify_m=0)
    chosen = rows.loc[(rows.sens_de_circulation == sens) & (rows.acces_vehicule_leger == "Libre")
                      & (rows.nature == "Route à 1 chaussée")].head(25)
    for row in chosen.itertuples():
        line = shapely.from_wkb(row.geom)
        coords = shapely.get_coordinates(line)
        speed_ms = (float(row.vitesse_moyenne_vl) or 40.0) / 3.6  # 0: the nature's fallback
        for (x0, y0), (x1, y1) in zip(coords[:-1], coords[1:]):
            u, v = node_at(graph, x0, y0), node_at(graph, x1, y1)
            if u == v:
                continue
            assert bool(graph.time_s[u, v] > 0) is forward and bool(graph.time_s[v, u] > 0) is backward
            present = graph.time_s[u, v] if forward else graph.time_s[v, u]
            assert present == pytest.approx(max(np.hypot(x1 - x0, y1 - y0) / speed_ms, 1e-3), rel=1e-9)


@pytest.mark.shared_data
def test_copy_block_and_geopackage_give_the_same_graph(dump, rows, tmp_path):
    from_inserts = read_bdtopo(dump)
    # The same table as a COPY block (pg_dump's default format).
    columns = list(rows.columns)
    lines = ["SET client_encoding = 'UTF8';",
             f"COPY public.troncon_de_route ({', '.join(columns)}) FROM stdin;"]
    escape = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n"})
    for values in rows.itertuples(index=False):
        lines.append("\t".join("\\N" if v is None else str(v).translate(escape) for v in values))
    lines += ["\\.", ""]
    copy_dump = tmp_path / "copy.sql"
    copy_dump.write_text("\n".join(lines), encoding="utf-8")
    from_copy = read_bdtopo(copy_dump)
    assert np.array_equal(from_copy.x, from_inserts.x) and (from_copy.time_s != from_inserts.time_s).nnz == 0

    frame = gpd.GeoDataFrame(rows.drop(columns=["geom", "fid"]), geometry=shapely.from_wkb(rows["geom"]),
                             crs="EPSG:2154")
    frame["vitesse_moyenne_vl"] = pd.to_numeric(frame["vitesse_moyenne_vl"])
    frame.to_file(tmp_path / "bdtopo.gpkg", layer="troncon_de_route", driver="GPKG")
    from_gpkg = read_bdtopo(tmp_path / "bdtopo.gpkg")
    assert from_gpkg.n_nodes == from_inserts.n_nodes
    np.testing.assert_allclose(from_gpkg.time_s.data, from_inserts.time_s.data, rtol=1e-12)
