"""Every bad input of issue 3 gets a one-line error naming the file, the row and the field.

The small files are written from scratch in tmp_path; nothing here needs ../shared/data.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from conum_geo.cli import cli
from conum_geo.core.errors import InputError
from conum_geo.data.registers.communes import read_contours
from conum_geo.data.registers.conum import read_conum_lieux
from conum_geo.data.registers.france_services import read_france_services
from conum_geo.data.registers.lieux import read_lieux
from conum_geo.data.registers.territoire import read_qpv

FS_HEADER = ["id_fs", "lib_fs", "insee_com", "code_postal", "lib_com", "latitude", "longitude",
             "h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi", "type_fs",
             "format_fs"]
FS_ROWS = [
    ["1", "France services de Clamecy", "58079", "58500", "Clamecy", "47.4597", "3.5198",
     "09:00 - 12:00", "", "", "", "", "", "Principal", "Fixe"],
    ["2", "France services de Luzy", "58149", "58170", "Luzy", "46.7906", "3.9706",
     "", "14:00 - 17:00", "", "", "", "", "Principal", "Bus_équivalent"],
]


def write_csv(path, header, rows, sep=",", encoding="utf-8"):
    lines = [sep.join(header)] + [sep.join(row) for row in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def one_line(exc: Exception) -> str:
    text = str(exc)
    assert "\n" not in text
    return text


def test_valid_fs_file_reads(tmp_path):
    register = read_france_services(write_csv(tmp_path / "fs.csv", FS_HEADER, FS_ROWS))
    frame = register.frame
    assert list(frame["site_id"]) == ["fs-1", "fs-2"]
    assert list(frame["presence_h"]) == [3.0, 3.0]
    assert list(frame["itinerant"]) == [False, True]


def test_missing_column(tmp_path):
    header = [c for c in FS_HEADER if c != "latitude"]
    rows = [[v for c, v in zip(FS_HEADER, row) if c != "latitude"] for row in FS_ROWS]
    path = write_csv(tmp_path / "fs.csv", header, rows)
    with pytest.raises(InputError) as info:
        read_france_services(path)
    assert one_line(info.value).startswith(f"{path}, champ « latitude » : colonne absente")


def test_swapped_lat_lon(tmp_path):
    rows = [list(r) for r in FS_ROWS]
    rows[1][5], rows[1][6] = rows[1][6], rows[1][5]
    path = write_csv(tmp_path / "fs.csv", FS_HEADER, rows)
    with pytest.raises(InputError) as info:
        read_france_services(path)
    message = one_line(info.value)
    assert message.startswith(f"{path}, ligne 3, champ « latitude »") and "inversées" in message


def test_coordinates_outside_france(tmp_path):
    rows = [list(r) for r in FS_ROWS]
    rows[0][5], rows[0][6] = "40.7128", "-74.0060"  # New York
    path = write_csv(tmp_path / "fs.csv", FS_HEADER, rows)
    with pytest.raises(InputError, match=r"ligne 2, champ « latitude » : point .* hors de France"):
        read_france_services(path)


def test_overseas_points_are_in_france(tmp_path):
    rows = [list(r) for r in FS_ROWS]
    rows[0][2], rows[0][5], rows[0][6] = "97411", "-20.8823", "55.4504"  # Saint-Denis (La Réunion)
    assert len(read_france_services(write_csv(tmp_path / "fs.csv", FS_HEADER, rows)).frame) == 2


def test_duplicate_ids(tmp_path):
    rows = [list(r) for r in FS_ROWS]
    rows[1][0] = "1"
    path = write_csv(tmp_path / "fs.csv", FS_HEADER, rows)
    with pytest.raises(InputError) as info:
        read_france_services(path)
    assert one_line(info.value) == (f"{path}, ligne 3, champ « id_fs » : identifiant en double '1' (déjà vu "
                                    "ligne 2) ; les identifiants doivent être uniques")


def test_duplicate_ids_in_json(tmp_path):
    records = [{"id": "a", "nom": "A", "code_postal": "58000", "horaires": "", "structureId": "s",
                "conseiller_ids": ["c"], "latitude": 47.0, "longitude": 3.1}] * 2
    path = tmp_path / "lieux.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    with pytest.raises(InputError, match=r"ligne 2, champ « id » : identifiant en double 'a'"):
        read_conum_lieux(path)


@pytest.mark.parametrize("content", [b"", b"   \n", "\ufeff".encode()])
def test_empty_file(tmp_path, content):
    path = tmp_path / "fs.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_france_services(path)
    assert one_line(info.value) == f"{path} : fichier vide"


def test_header_only(tmp_path):
    path = write_csv(tmp_path / "fs.csv", FS_HEADER, [])
    with pytest.raises(InputError, match="aucune ligne de données"):
        read_france_services(path)


def test_empty_json_array(tmp_path):
    path = tmp_path / "lieux.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(InputError, match="aucun enregistrement"):
        read_conum_lieux(path)


def test_latin1_csv_is_refused_with_its_row(tmp_path):
    rows = [list(r) for r in FS_ROWS]
    rows[1][1] = "France services de Château-Chinon"
    path = write_csv(tmp_path / "fs.csv", FS_HEADER, rows, encoding="latin-1")
    with pytest.raises(InputError) as info:
        read_france_services(path)
    message = one_line(info.value)
    assert message.startswith(f"{path}, ligne 3 : texte non UTF-8 (octet 0xe2") and "iconv" in message


def test_semicolon_separator_reads_like_comma(tmp_path):
    comma = read_france_services(write_csv(tmp_path / "a.csv", FS_HEADER, FS_ROWS)).frame
    semicolon_rows = [[v.replace(".", ",") if c in ("latitude", "longitude") else v
                       for c, v in zip(FS_HEADER, row)] for row in FS_ROWS]  # French decimal commas
    semicolon = read_france_services(write_csv(tmp_path / "b.csv", FS_HEADER, semicolon_rows, sep=";")).frame
    columns = ["site_id", "lon", "lat", "presence_h", "itinerant"]
    assert semicolon[columns].equals(comma[columns])


def test_mixed_separators_name_the_row(tmp_path):
    path = write_csv(tmp_path / "fs.csv", FS_HEADER, FS_ROWS)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",", ";")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_france_services(path)
    message = one_line(info.value)
    assert message.startswith(f"{path}, ligne 3 : 1 champs alors que l'en-tête en a 15 (séparateur « , »")


def _square(x, y, size):
    return shapely.box(x, y, x + size, y + size)


def test_geojson_without_crs_is_wgs84(tmp_path):
    features = [{"type": "Feature", "properties": {"code": "58194", "nom": "Nevers"},
                 "geometry": shapely.geometry.mapping(_square(3.1, 46.95, 0.1))}]
    path = tmp_path / "communes.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    frame = read_contours(path).frame.to_crs("EPSG:2154")
    # Nevers is near x = 710 km, y = 6655 km in Lambert-93
    x, y = frame.geometry.iloc[0].centroid.coords[0]
    assert 700_000 < x < 725_000 and 6_640_000 < y < 6_670_000


def test_geojson_without_crs_but_projected_coordinates_is_refused(tmp_path):
    features = [{"type": "Feature", "properties": {"code": "58194", "nom": "Nevers"},
                 "geometry": shapely.geometry.mapping(_square(710_000, 6_650_000, 5_000))}]
    path = tmp_path / "communes.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_contours(path)
    message = one_line(info.value)
    assert message.startswith(f"{path} : coordonnées (710000, 6650000) qui ne sont pas des longitudes/latitudes")
    assert "« crs »" in message


def test_geojson_with_a_crs_member_is_reprojected(tmp_path):
    frame = gpd.GeoDataFrame({"code": ["58194"], "nom": ["Nevers"]},
                             geometry=[_square(710_000, 6_650_000, 5_000)], crs="EPSG:2154")
    path = tmp_path / "communes.geojson"
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    assert "crs" in json.loads(path.read_text(encoding="utf-8"))
    read = read_contours(path).frame
    assert read.crs.equals("EPSG:4326")
    assert read.to_crs("EPSG:2154").geometry.iloc[0].equals_exact(frame.geometry.iloc[0], tolerance=1e-3)


def test_contours_missing_code_property(tmp_path):
    frame = gpd.GeoDataFrame({"name": ["Nevers"]}, geometry=[_square(3.1, 46.9, 0.1)], crs="EPSG:4326")
    path = tmp_path / "communes.gpkg"
    frame.to_file(path, driver="GPKG", engine="pyogrio")
    with pytest.raises(InputError, match=r"champ « code » : propriété de code commune absente"):
        read_contours(path)


def test_lieux_standard_rules(tmp_path):
    header = ["id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "latitude",
              "longitude", "horaires", "itinerance", "dispositif_programmes_nationaux", "date_maj"]
    row = ["l1", "12345678900011", "Médiathèque", "Nevers", "58000", "58194", "1 rue", "46.99",
           "3.16", "Mo 09:00-12:00", "Fixe", "Conseillers numériques", "2024-01-31"]
    bad_postcode = list(row)
    bad_postcode[4] = "580"
    path = write_csv(tmp_path / "lieux.csv", header, [bad_postcode])
    with pytest.raises(InputError) as info:
        read_lieux(path)
    assert one_line(info.value).startswith(f"{path}, ligne 2, champ « code_postal » : '580' ne suit pas le motif")


def test_qpv_empty_commune_code_names_the_row_as_shown(tmp_path):
    # CSV: the header is row 1, so the second data row is row 3; GeoJSON: the second feature is 2.
    path = write_csv(tmp_path / "qpv.csv", ["insee_com", "code_qp"],
                     [["58194", "QN05801M"], ["", "QN05802M"]])
    with pytest.raises(InputError) as info:
        read_qpv(path)
    assert one_line(info.value).startswith(f"{path}, ligne 3, champ « insee_com » : code commune vide")
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [3.16, 46.99]},
                 "properties": {"insee_com": code, "code_qp": "QN05801M"}} for code in ("58194", "")]
    path = tmp_path / "qpv.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_qpv(path)
    assert one_line(info.value).startswith(f"{path}, ligne 2, champ « insee_com » : code commune vide")


def test_cli_prints_one_line_and_exits_2(tmp_path):
    rows = [list(r) for r in FS_ROWS]
    rows[1][5], rows[1][6] = rows[1][6], rows[1][5]
    path = write_csv(tmp_path / "fs.csv", FS_HEADER, rows)
    result = CliRunner().invoke(cli, ["gaps", "--dept", "58", "--france-services", str(path)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith(f"Erreur : {path}, ligne 3")


def test_cli_missing_file_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["data", "info", "--dept", "58", "--france-services",
                                      str(tmp_path / "absent.csv")])
    assert result.exit_code == 2
    assert result.output == f"Erreur : {tmp_path / 'absent.csv'} : fichier introuvable\n"
