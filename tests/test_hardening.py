"""The hardening campaign's cases, each as a test: nothing silent, nothing lost, one line.

Every bad input below either stops the command with one French line naming the file (exit 2,
nothing written) or reaches the user as a warning on the terminal, in ``summary.json`` and on
the map. Small files in tmp_path; nothing here needs ../shared/data.
"""

from __future__ import annotations

import json

import pytest
import shapely
from click.testing import CliRunner
from test_registers_synthetic import world  # noqa: F401  (the synthetic data folder fixture)

from conum_geo.cli import cli
from conum_geo.core.errors import InputError
from conum_geo.data.registers.communes import read_cog, read_contours
from conum_geo.data.registers.conum import read_conum_lieux
from conum_geo.data.territory import load_territory


def _run(*args):
    return CliRunner().invoke(cli, list(args))


def _one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Erreur : ") and result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, result.output


@pytest.mark.parametrize("name, content, fragment", [
    ("liste-fs.csv", "id_fs,lib_fs\n1,x\n".encode("utf-16"), "texte illisible (UTF-16 ou fichier binaire ?)"),
    ("registre.json", b"\x00\x01\x02binaire", "texte illisible (UTF-16 ou fichier binaire ?)"),
    ("vide.csv", b"", "fichier vide"),
    ("coupe.json", b'[{"code": "58001", "nom": "Saint-Au', "JSON illisible, tronqué ou mal formé"),
])
def test_unreadable_files_in_the_data_dir_are_errors_naming_them(world, tmp_path, name, content,  # noqa: F811
                                                                  fragment):
    (world / name).write_bytes(content)
    out = tmp_path / "out"
    result = _run("gaps", "--dept", "58", "--data-dir", str(world), "--out", str(out))
    _one_line_error(result, name, fragment)
    assert not out.exists()


def test_unrecognised_files_are_listed_everywhere(world, tmp_path):  # noqa: F811
    points = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"nom": "France services 2020"},
         "geometry": {"type": "Point", "coordinates": [3.05, 47.05]}}]}
    (world / "fs-2020.geojson").write_text(json.dumps(points))
    out = tmp_path / "out"
    result = _run("gaps", "--dept", "58", "--data-dir", str(world), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "fichier(s) du dossier de données non reconnu(s)" in result.output and "fs-2020.geojson" in result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    (skipped,) = [w for w in summary["warnings"] if w["code"] == "fichier_non_reconnu"]
    assert skipped["examples"] == ["fs-2020.geojson (contenu non reconnu comme un registre connu)"]
    assert "fs-2020.geojson" in (out / "map.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", [["gaps"], ["simulate", "--draws", "20"], ["compare"],
                                     ["redeploy", "--posts", "2", "--solver", "greedy"], ["timeline"]])
def test_loading_warnings_reach_every_command(command):
    result = _run(*command, "--dept", "58", "--json")
    assert result.exit_code == 0, result.output
    codes = {w["code"] for w in json.loads(result.output)["warnings"]}
    assert "mairie_remplacee" in codes  # 12 communes of the demo without a located town hall


def test_strict_turns_warnings_into_an_error_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = _run("--strict", "gaps", "--dept", "58", "--out", str(out))
    _one_line_error(result, "--strict : 1 avertissement(s)", "sans mairie localisée")
    assert not out.exists()


@pytest.mark.parametrize("population", [1e20, -5, 12.5, "beaucoup"])
def test_implausible_populations_are_refused(tmp_path, population):
    path = tmp_path / "cog.json"
    path.write_text(json.dumps([{"code": "58001", "nom": "A", "type": "commune-actuelle", "departement": "58",
                                 "population": population}]))
    with pytest.raises(InputError, match="population") as error:
        read_cog(path)
    assert str(error.value).startswith(f"{path}, ligne 1")


@pytest.mark.parametrize("count", [-5, 1.5, "inf"])
def test_an_impossible_count_of_conseillers_is_refused(tmp_path, count):
    path = tmp_path / "lieux.json"
    path.write_text(json.dumps([{"id": "l1", "nom": "Mairie", "code_postal": "58000", "horaires": "",
                                 "structureId": "S1", "conseiller_ids": ["c1"], "nb_conseillers": count}]))
    with pytest.raises(InputError, match="nombre de conseillers entier positif attendu") as error:
        read_conum_lieux(path)
    assert str(error.value).startswith(f"{path}, ligne 1") and "nb_conseillers" in str(error.value)


def _contours(path, geometries):
    features = [{"type": "Feature", "properties": {"code": f"5800{i + 1}", "nom": f"C{i}"},
                 "geometry": None if g is None else shapely.geometry.mapping(g)} for i, g in enumerate(geometries)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_swapped_axes_are_named(tmp_path):
    swapped = shapely.box(47.0, 3.0, 47.1, 3.1)  # latitude, longitude: near the Horn of Africa
    with pytest.raises(InputError, match="inversées"):
        read_contours(_contours(tmp_path / "c.geojson", [swapped]))


def test_null_geometry_names_the_feature(tmp_path):
    with pytest.raises(InputError, match="ligne 2, champ « geometry » : entité sans géométrie"):
        read_contours(_contours(tmp_path / "c.geojson", [shapely.box(3.0, 47.0, 3.1, 47.1), None]))


def test_a_self_intersecting_contour_is_repaired_and_said(tmp_path):
    bowtie = shapely.Polygon([(3.0, 47.0), (3.1, 47.1), (3.1, 47.0), (3.0, 47.1)])
    register = read_contours(_contours(tmp_path / "c.geojson", [bowtie]))
    assert register.frame.geometry.is_valid.all()
    assert any("réparé" in problem for problem in register.problems)


def test_a_site_far_from_its_declared_commune_is_moved_there_and_said(world):  # noqa: F811
    header = "id_fs,lib_fs,insee_com,code_postal,lib_com,latitude,longitude,h_lundi,h_mardi,h_mercredi," \
             "h_jeudi,h_vendredi,h_samedi,type_fs,format_fs\n"
    paris = "9,France services de Saint-Aubin,58001,58000,Saint-Aubin,48.8566,2.3522,09:00 - 12:00,,,,,,Principal,Fixe\n"
    (world / "fs.csv").write_text(header + paris)
    territory = load_territory("58", data_dir=world)
    site = territory.sites.set_index("site_id").loc["fs-9"]
    commune = territory.communes.set_index("code_insee").geometry["58001"]
    assert commune.contains(site.geometry) and bool(site["in_dept"])
    (notice,) = [w for w in territory.warnings if w.code == "lieu_coordonnees_incoherentes"]
    assert notice.count == 1 and "km" in notice.examples[0]


@pytest.mark.parametrize("args, fragment", [
    (["--threshold", "inf"], "threshold_min : nombre fini attendu"),
    (["--margin", "nan"], "margin_min : nombre fini attendu"),
])
def test_non_finite_parameters_are_refused(args, fragment):
    _one_line_error(_run("gaps", "--dept", "58", *args), fragment)


@pytest.mark.parametrize("toml, fragment", [
    ('threshold_min = inf\n', "champ « threshold_min »"),
    ('[[add]]\npost_id = "n"\ncode_insee = "58086"\npresence_h = 10\nfte = inf\n', "champ « add[0].fte »"),
    ('[[add]]\npost_id = "n"\ncode_insee = "58086"\npresence_h = nan\n', "champ « add[0].presence_h »"),
])
def test_non_finite_scenario_values_are_refused(tmp_path, toml, fragment):
    path = tmp_path / "s.toml"
    path.write_text('name = "x"\n' + toml)
    _one_line_error(_run("gaps", "--dept", "58", "--scenario", str(path)), str(path), fragment)


# Round two: what was accepted silently is an error or a counted warning.

def _warnings(result) -> dict:
    assert result.exit_code == 0, result.output
    return {w["code"]: w for w in json.loads(result.output)["warnings"]}


def test_sites_without_usable_coordinates_are_counted(world):  # noqa: F811
    lieux = json.loads((world / "c.json").read_text())
    for lieu, value in zip(lieux, ("NaN", "", None)):
        lieu["latitude"] = lieu["longitude"] = value
    (world / "c.json").write_text(json.dumps(lieux))
    warned = _warnings(_run("gaps", "--dept", "58", "--data-dir", str(world), "--json"))
    placed = warned["lieu_sans_coordonnees"]  # l2 and l3, by their postcode and name
    assert placed["count"] == 2 and "placés à l'intérieur de leur commune" in placed["message"]
    assert warned["site_non_localise"]["count"] == 1  # l1: commune "X" of a shared postcode, nowhere to go


def test_a_structures_file_missing_its_optional_columns_is_said(world):  # noqa: F811
    structures = json.loads((world / "d.json").read_text())
    structures[0] = {("commune" if k == "insee_com" else k): v for k, v in structures[0].items()}
    (world / "d.json").write_text(json.dumps(structures))
    warned = _warnings(_run("gaps", "--dept", "58", "--data-dir", str(world), "--json"))
    assert any("insee_com" in w["message"] and "colonne(s) absente(s)" in w["message"]
               for w in warned.values() if w["code"] == "registre_non_conforme")


@pytest.mark.parametrize("content, fragment", [
    ("insee_com,niveau_densite\n58001,Bourgs ruraux\n58001,Bourgs ruraux\n58002,Ceintures urbaines\n",
     "1 ligne(s) en double (même commune, mêmes valeurs) : comptées une fois (ex. 58001)"),
    ("insee_com,niveau_densite\n58001,Bourgs ruraux\n58001,Petites villes\n", "ligne 3 : commune 58001 en double "
     "avec des valeurs différentes"),
    ("insee_com,niveau_densite\n-1,Bourgs ruraux\n", "ligne 2, champ « insee_com » : '-1' n'est pas un code commune"),
    ("insee_com,niveau_densite\n1e308,Bourgs ruraux\n", "'1e308' n'est pas un code commune"),
])
def test_density_rows_are_checked(world, content, fragment):  # noqa: F811
    (world / "densite.csv").write_text(content)
    result = _run("gaps", "--dept", "58", "--data-dir", str(world), "--json")
    if result.exit_code == 2:
        _one_line_error(result, fragment)
    else:
        assert any(fragment in w["message"] for w in _warnings(result).values()), result.output


def test_qpv_and_fragility_duplicates_and_bad_codes(world):  # noqa: F811
    (world / "qpv.csv").write_text("insee_com,code_qp\n58001,QN05801M\n58001,QN05801M\n58002,QN05801M\n")
    warned = _warnings(_run("gaps", "--dept", "58", "--data-dir", str(world), "--json"))
    assert any("1 ligne(s) en double (même quartier" in w["message"] for w in warned.values())
    (world / "qpv.csv").write_text("insee_com,code_qp\nINF,QN05801M\n")
    _one_line_error(_run("gaps", "--dept", "58", "--data-dir", str(world)), "'INF' n'est pas un code commune")
    (world / "qpv.csv").unlink()
    header = "Insee Com;Code Iris;SCORE GLOBAL departement 1\n"
    (world / "ifn.csv").write_text(header + "58001;580010000;120\n58001;580010000;120\n58002;580020000;90\n")
    warned = _warnings(_run("gaps", "--dept", "58", "--data-dir", str(world), "--json"))
    assert any("1 ligne(s) en double (même IRIS" in w["message"] for w in warned.values())


@pytest.mark.parametrize("field, value, fragment", [
    ("population", -100, "population -100 invalide"),
    ("code", "-1", "'-1' n'est pas un code commune"),
    ("code", 1e308, "n'est pas un code commune"),
])
def test_contours_values_are_checked_even_when_the_cog_gives_them(world, field, value, fragment):  # noqa: F811
    contours = json.loads((world / "a.json").read_text())
    contours["features"][-1]["properties"][field] = value  # the first is what identifies the file
    (world / "a.json").write_text(json.dumps(contours))
    _one_line_error(_run("gaps", "--dept", "58", "--data-dir", str(world)), "a.json", fragment)


def test_a_france_services_code_that_is_not_one_is_an_error(tmp_path):
    from test_validation import FS_HEADER, FS_ROWS, write_csv

    rows = [list(FS_ROWS[0]), list(FS_ROWS[1])]
    rows[1][2] = "ABCDE"
    path = write_csv(tmp_path / "fs.csv", FS_HEADER, rows)
    _one_line_error(_run("gaps", "--dept", "58", "--france-services", str(path)),
                    "ligne 3, champ « insee_com » : 'ABCDE' n'est pas un code commune")


def test_a_rebuilt_national_cache_is_said_in_the_summary(tmp_path, monkeypatch):
    from conum_geo.data import national_communes

    monkeypatch.setenv("CONUM_GEO_CACHE_DIR", str(tmp_path))
    national_communes.commune_layer.cache_clear()
    try:
        national_communes.commune_layer()  # builds the cache in tmp_path
        national_communes._cache_path().write_bytes(b"not a cache")
        national_communes.commune_layer.cache_clear()
        warned = _warnings(_run("gaps", "--dept", "58", "--json"))
        assert "cache de la couche nationale des communes illisible" in warned["cache_reconstruit"]["message"]
    finally:
        national_communes.commune_layer.cache_clear()
