"""The registers over every real file of ../shared/data (skipped when it is absent).

Expected counts are those of the issue and of ../shared/data/README.md.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
from click.testing import CliRunner

from conum_geo.cli import cli
from conum_geo.core.vocabulary import STRUCTURE_TYPES
from conum_geo.data.assemble import assemble_territory
from conum_geo.data.register_info import describe
from conum_geo.data.registers import detect_kind, load_registers
from conum_geo.data.registers.communes import read_cog, read_contours, read_epci
from conum_geo.data.registers.conum import read_conum_lieux, read_conum_structures
from conum_geo.data.registers.france_services import read_france_services
from conum_geo.data.registers.lieux import read_lieux
from conum_geo.data.registers.territoire import read_density, read_fragility, read_qpv
from conum_geo.data.territory import load_territory

pytestmark = pytest.mark.shared_data

EXPECTED_KINDS = {
    "communes/communes-58-nievre.geojson": "communes",
    "communes/communes-89-yonne.geojson": "communes",
    "communes/departement-58-nievre.geojson": None,  # a département outline, not communes
    "communes/communes-cog2026.json": "population",
    "communes/epci-cog2026.json": "epci",
    "communes/departements-cog2026.json": None,
    "france-services/liste-fs-20240801.csv": "france_services",
    "conseillers-numeriques/cnfs-lieux-activite-2022.json": "conum_lieux",
    "conseillers-numeriques/cnfs-structures-2022-06.json": "conum_structures",
    "lieux-mediation-numerique/exemple-valide.csv": "lieux",
    "lieux-mediation-numerique/schema.json": "lieux_schema",
    "fragilite/ifn-mednum-2020-iris-58.csv": "fragility",
    "territoire/densite.csv": "density",
    "territoire/centroide-4326_qpv.geojson": "qpv",
    "osm/saint_barthelemy-2014.osm.pbf": None,
    "bdtopo/troncon_route_marseille10.sql": None,
}


@pytest.fixture(scope="module")
def registers(shared_data):
    return load_registers(shared_data)


@pytest.fixture(scope="module")
def territory(registers):
    return assemble_territory("58", registers)


@pytest.mark.parametrize("relative, kind", sorted(EXPECTED_KINDS.items()))
def test_files_are_recognised_by_content(shared_data, tmp_path, relative, kind):
    assert detect_kind(shared_data / relative) == kind
    if kind:  # the name does not matter: a copy under a neutral name is recognised the same
        copy = tmp_path / ("data" + (shared_data / relative).suffix)
        copy.write_bytes((shared_data / relative).read_bytes())
        assert detect_kind(copy) == kind


def test_every_real_file_reads(shared_data):
    for name in ("03-allier", "18-cher", "21-cote-d-or", "45-loiret", "58-nievre",
                 "71-saone-et-loire", "89-yonne"):
        contours = read_contours(shared_data / f"communes/communes-{name}.geojson").frame
        assert contours["code_insee"].str.fullmatch(r"\d{5}").all()
        assert contours.crs.equals("EPSG:4326")
    cog = read_cog(shared_data / "communes/communes-cog2026.json").frame
    assert (cog["kind"] == "commune").sum() == 34_969 and (cog["kind"] == "arrondissement").sum() == 45
    assert cog["code_insee"].is_unique
    assert len(read_epci(shared_data / "communes/epci-cog2026.json").frame) == 34_871
    assert len(read_france_services(shared_data / "france-services/liste-fs-20240801.csv").frame) == 2_845
    conum = shared_data / "conseillers-numeriques"
    assert len(read_conum_lieux(conum / "cnfs-lieux-activite-2022.json").frame) == 4_930
    assert len(read_conum_structures(conum / "cnfs-structures-2022-06.json").frame) == 1_450
    lieux = read_lieux(shared_data / "lieux-mediation-numerique/exemple-valide.csv",
                       schema=shared_data / "lieux-mediation-numerique/schema.json")
    assert len(lieux.frame) == 1 and lieux.problems == []  # the standard's own example is valid
    assert len(read_fragility(shared_data / "fragilite/ifn-mednum-2020-iris-58.csv").frame) == 341
    assert len(read_density(shared_data / "territoire/densite.csv").frame) == 34_875
    assert read_qpv(shared_data / "territoire/centroide-4326_qpv.geojson").frame["code_qp"].nunique() > 824


def test_national_totals(registers):
    assert len(registers.france_services.frame) == 2_845
    assert len(registers.conum_lieux.frame) == 4_930
    assert registers.conum_lieux.frame["lon"].isna().sum() == 22  # rows without coordinates kept
    assert len(registers.conum_structures.frame) == 1_450


def test_nievre_communes(territory):
    communes = territory.communes
    assert len(communes) == 309
    assert int(communes["population"].sum()) == 201_417
    assert communes["code_insee"].str.startswith("58").all()
    assert (communes["epci_code"] != "").all()
    # origin points: the town hall of the national layer, else an interior point of the contour
    origins = communes.set_geometry(gpd.points_from_xy(communes["origin_x"], communes["origin_y"]))
    interior = communes.geometry.representative_point()
    assert (communes["origin_is_town_hall"] | np.isclose(origins.geometry.x, interior.x)).all()
    assert (origins.distance(communes.geometry) <= 500).all() and communes["origin_is_town_hall"].mean() > 0.9
    assert communes["fragility"].notna().all()
    assert set(communes["density_level"]) <= set(range(1, 8))
    qpv = communes.set_index("code_insee")["n_qpv"]
    assert qpv["58194"] == 3 and qpv["58086"] == 1 and qpv.sum() == 4  # Nevers, Cosne


def test_nievre_sites(territory):
    sites = territory.sites
    in_dept = sites.loc[sites["in_dept"]]
    assert (in_dept["kind"] == "france_services").sum() == 33
    # the file's 39 lieux of the Nièvre, one of which repeats another (same place, hours, conseiller)
    assert (in_dept["kind"] == "conum").sum() == 38
    assert "cnfs-62ac39968255a806e299d22f" not in set(sites["site_id"])
    assert "cnfs-62ac388d8255a806e299d216" in set(sites["site_id"])
    assert any(w.code == "lieux_doublons" and "cnfs-62ac39968255a806e299d22f = cnfs-62ac388d8255a806e299d216"
               in w.examples for w in territory.warnings)
    assert in_dept["code_insee"].str.startswith("58").all()
    # every CNFS lieu of the Nièvre was located by its point (the file has no INSEE code)
    assert (in_dept.loc[in_dept["kind"] == "conum", "located_by"] == "point dans le contour").all()
    # sites just across the border are kept, and only those near it
    across = sites.loc[~sites["in_dept"]]
    assert len(across) > 0 and not across["code_insee"].str.startswith("58").any()
    outline = territory.communes.geometry.union_all()
    assert (across.geometry.distance(outline) <= 10_000).all()
    assert sites["source"].str.len().gt(0).all() and sites["as_of"].str.len().gt(0).all()
    assert not territory.illustrative


def test_border_km_zero_keeps_the_departement_only(registers):
    territory = assemble_territory("58", registers, border_km=0)
    assert territory.sites["in_dept"].all()
    assert len(territory.sites) == 33 + 38


def test_nievre_posts_and_structures(territory):
    posts, links, sites = territory.posts, territory.post_sites, territory.sites
    in_dept_links = links.merge(sites[["site_id", "in_dept"]], on="site_id").query("in_dept")
    assert len(in_dept_links) == 39  # the 40 lieu × conseiller rows of the file, less the repeated lieu
    assert in_dept_links["post_id"].nunique() == 24  # distinct conseillers: one post each
    shares = links.groupby("post_id")["share"].sum()
    assert np.allclose(shares, 1.0)
    base = posts.merge(links, left_on=["post_id", "base_site_id"], right_on=["post_id", "site_id"])
    assert len(base) == len(posts)
    structures = territory.structures
    assert set(structures["structure_type"]) <= set(STRUCTURE_TYPES)
    assert set(posts["structure_id"]) <= set(structures["structure_id"])
    nievre = structures.loc[structures["in_dept"].fillna(False).astype(bool)].set_index("nom")
    listed = nievre.loc[nievre["type_source"] == "liste des structures"]
    assert len(listed) == 3 and int(listed["n_posts_declared"].sum()) == 28
    # employers absent from the list, in the département by their lieux, typed by their lieux' names
    by_name = nievre.loc[nievre["type_source"] == "nom de ses lieux", "structure_type"]
    assert set(by_name) == {"association"} and len(by_name) == 2
    assert (nievre.loc[nievre["type_source"] == "", "structure_type"] == "inconnu").all()
    assert any(w.code == "postes_sans_lieu" and w.count == 8 for w in territory.warnings)  # 5 + 1 + 2
    assert nievre.loc["DEPARTEMENT DE LA NIEVRE", "structure_type"] == "departement"
    assert nievre.loc["COMMUNAUTE D AGGLOMERATION DE NEVERS", "structure_type"] == "epci"
    assert nievre.loc["COMMUNE DE NEVERS", "structure_type"] == "commune"
    # the Département's conseillers are found through the SIRET its lieux carry
    assert nievre.loc["DEPARTEMENT DE LA NIEVRE", "n_posts"] == 16


def test_data_info(registers, territory):
    info = describe(registers, territory)
    assert info["communes"] == {"count": 309, "population": 201_417, "with_fragility": 309,
                                "with_density_level": 309, "qpv": 4}
    assert info["sites"]["france_services"]["in_dept"] == 33
    assert info["sites"]["conum"]["in_dept"] == 38
    assert info["conseillers"]["links_in_dept"] == 39
    assert info["conseillers"]["posts_in_dept"] == 24
    assert info["structures"]["in_dept"] == 7
    assert info["structures"]["posts_declared_in_dept"] == 28
    rows = {f["kind"]: f["rows"] for f in info["files"]}
    assert rows["france_services"] == 2_845 and rows["conum_lieux"] == 4_930


def test_cli_data_info(shared_data):
    result = CliRunner().invoke(cli, ["data", "info", "--dept", "58", "--data-dir", str(shared_data)])
    assert result.exit_code == 0, result.output
    assert "Communes : 309, population 201\u202f417" in result.output
    assert "7 (28 postes attribués, 24 vus dans les lieux)" in result.output
    assert "absents de la liste des structures : 7 (dont 4 de type inconnu)" in result.output


def test_gaps_on_real_registers(shared_data, tmp_path):
    result = CliRunner().invoke(cli, ["gaps", "--dept", "58", "--data-dir", str(shared_data),
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["sites_illustrative"] is False
    assert summary["communes"] == 309 and summary["population"] == 201_417
    assert any("liste-fs-20240801.csv" in s for s in summary["sources"])


def test_explicit_files_match_the_data_dir(shared_data, territory):
    explicit = load_territory(
        "58",
        communes=[shared_data / "communes/communes-58-nievre.geojson"],
        population=shared_data / "communes/communes-cog2026.json",
        france_services=shared_data / "france-services/liste-fs-20240801.csv",
        conum=[shared_data / "conseillers-numeriques/cnfs-lieux-activite-2022.json",
               shared_data / "conseillers-numeriques/cnfs-structures-2022-06.json"],
    )
    assert len(explicit.communes) == 309
    in_dept = explicit.sites.loc[explicit.sites["in_dept"], "site_id"]
    assert set(in_dept) == set(territory.sites.loc[territory.sites["in_dept"], "site_id"])


def test_declared_posts_without_lieu(registers, territory):
    # The structures file grants the Département 21 posts, the agglomeration 4 and Nevers 3;
    # the lieux show 16, 3 and 1 of them.
    (notice,) = [w for w in territory.warnings if w.code == "postes_sans_lieu"]
    assert notice.count == 8
    assert set(notice.examples) == {"DEPARTEMENT DE LA NIEVRE : 5 sur 21",
                                    "COMMUNAUTE D AGGLOMERATION DE NEVERS : 1 sur 4", "COMMUNE DE NEVERS : 2 sur 3"}
    assert not territory.sites["site_id"].str.endswith("-adresse").any()

    placed = assemble_territory("58", registers, place_declared_posts=True)
    new_sites = placed.sites.loc[placed.sites["site_id"].str.endswith("-adresse")].set_index("site_id")
    assert len(new_sites) == 3 and new_sites["presence_h_filled"].all()
    assert (new_sites["located_by"] == "adresse de l'employeur (liste des structures)").all()
    assert set(new_sites["code_insee"]) == {"58194"}  # the three employers are in Nevers
    new_posts = placed.posts.loc[placed.posts["post_id"].str.contains("-declare-")]
    assert len(new_posts) == 8 and (new_posts["model"] == "centralite").all()
    assert len(placed.posts) == len(territory.posts) + 8
    by_employer = new_posts.merge(placed.structures, on="structure_id")["nom"].value_counts().to_dict()
    assert by_employer == {"DEPARTEMENT DE LA NIEVRE": 5, "COMMUNE DE NEVERS": 2,
                           "COMMUNAUTE D AGGLOMERATION DE NEVERS": 1}
    assert any(w.code == "postes_places_adresse_employeur" and w.count == 8 for w in placed.warnings)


def test_gaps_on_a_date_with_estimated_contract_ends(shared_data, tmp_path):
    result = CliRunner().invoke(cli, ["gaps", "--dept", "58", "--data-dir", str(shared_data), "--on", "2023-06-30",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    # the employers of the structures file were validated on 2021-04-07 (Département, agglomération,
    # Nevers: 16 + 3 + 1 posts seen in the lieux): estimated last day 2023-04-06; the 7 posts of
    # employers absent from the file have no date and go on; 4 posts of neighbouring employers
    # validated in 2021 end too
    ended = {(row["employeur"], row["reason"]) for row in summary["ended"]}
    assert ("DEPARTEMENT DE LA NIEVRE", "contrat échu le 2023-04-06 (fin estimée : validation de l'employeur "
            "en comité de sélection + 24 mois)") in ended
    assert summary["ended_posts"] == 24
    codes = {w["code"] for w in summary["warnings"]}
    assert {"fin_de_contrat_estimee", "fin_de_contrat_inconnue"} <= codes
    assert "Postes arrêtés (24) :" in result.output
    table = (tmp_path / "posts_ended.csv").read_text(encoding="utf-8").splitlines()
    assert len(table) == 1 + 24


def test_timeline_on_real_registers(shared_data, tmp_path):
    result = CliRunner().invoke(cli, ["timeline", "--dept", "58", "--data-dir", str(shared_data),
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    months = {m["month"]: m for m in summary["months"]}
    assert months["2023-04"]["posts_at_work"] == 31 and months["2023-05"]["posts_at_work"] == 7
    assert (tmp_path / "timeline.svg").stat().st_size > 0


def test_merged_contours_are_said_only_where_the_territory_uses_them(registers, territory):
    # the data folder's Cher, Côte-d'Or and Yonne contours predate 20 mergers: the Nièvre says
    # those of its ring only, Guadeloupe none of them
    (merged,) = [n for n in territory.warnings if n.code == "commune_fusionnee"]
    used = set(territory.communes["code_insee"]) | set(territory.ring["code_insee"])
    pairs = [example.split(" → ") for example in merged.examples]
    assert pairs and all(new in used for _, new in pairs) and merged.count < 20
    guadeloupe = assemble_territory("971", registers)
    assert "commune_fusionnee" not in [n.code for n in guadeloupe.warnings]
