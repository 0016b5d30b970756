"""No input, however broken, ends in a traceback: every loader and every command entry point
run under a catch-all on broken files of every shape (empty, binary, JSON of the wrong shape,
CSV without the columns, TOML of the wrong types). Each either works or raises the project's
error (``ConumGeoError``); a command exits 0 or 2 with one line, never 1 or 70 (a bug)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conum_geo.cli import cli
from conum_geo.core.errors import ConumGeoError
from conum_geo.data.cost_files import load_costs
from conum_geo.data.registers.contracts import read_contracts
from conum_geo.data.renewal_files import load_assumptions
from conum_geo.data.scenario_files import load_scenario
from conum_geo.data.territory import load_territory
from conum_geo.data.vintages import load_vintages

FEATURE = {"type": "Feature", "geometry": None, "properties": None}
#: Broken contents of every shape a register file may arrive in.
BROKEN = {
    "vide": b"",
    "binaire": bytes(range(256)) * 4,
    "utf16": "code,nom\n58194,Nevers\n".encode("utf-16"),
    "json-liste": b"[1,2,3]",
    "json-objet": b"{}",
    "json-null": b"null",
    "json-chaine": b'"x"',
    "json-enregistrements": json.dumps([{"code": None, "nom": 5, "type": [], "membres": "x", "id": {},
                                         "conseiller_ids": 3, "raison_sociale": None}]).encode(),
    "json-tronque": b'[{"code": "58194", "nom": "Nev',
    "geojson-entites": json.dumps({"type": "FeatureCollection", "features": [FEATURE, 5, "x"]}).encode(),
    "geojson-proprietes": json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": ["a", None]},
         "properties": {"insee_com": [], "code_qp": {}, "code": None}}]}).encode(),
    "csv-entete": b"a,b,c\n",
    "csv-colonnes": b"a,b,c\n1,2,3\n",
    "csv-guillemet": b'id,nom\n"1,2\n',
    "toml-casse": b"[[[",
    "toml-types": b'name = 5\nthreshold_min = "x"\n[ends]\npost_ids = 5\n[[add]]\npresence_h = []\n',
    "xlsx-faux": b"PK\x03\x04 not a workbook",
}
#: (keyword of ``load_territory``, file suffix) of every register option.
REGISTER_OPTIONS = [("communes", ".geojson"), ("population", ".json"), ("epci", ".json"),
                    ("france_services", ".csv"), ("conum", ".json"), ("lieux", ".csv"),
                    ("lieux_schema", ".json"), ("fragility", ".csv"), ("density", ".csv"), ("qpv", ".geojson"),
                    ("contracts", ".csv")]


def _file(folder: Path, shape: str, suffix: str) -> Path:
    path = folder / f"{shape}{suffix}"
    path.write_bytes(BROKEN[shape])
    return path


def _works_or_says_why(function, *args, **kwargs) -> None:
    try:
        function(*args, **kwargs)
    except ConumGeoError as exc:
        assert "\n" not in str(exc), str(exc)


@pytest.mark.parametrize("option, suffix", REGISTER_OPTIONS)
def test_every_register_loader(tmp_path, option, suffix):
    for shape in BROKEN:
        path = _file(tmp_path, shape, suffix)
        value = [path] if option in ("communes", "conum") else path
        extra = {"lieux": _file(tmp_path, "csv-colonnes", ".csv")} if option == "lieux_schema" else {}
        _works_or_says_why(load_territory, "58", **{option: value}, **extra)


@pytest.mark.parametrize("loader", [load_scenario, load_costs, load_assumptions, read_contracts])
def test_every_file_loader_of_the_commands(tmp_path, loader):
    for shape in BROKEN:
        for suffix in (".toml", ".csv", ".xlsx"):
            _works_or_says_why(loader, _file(tmp_path, shape, suffix))


def test_a_data_folder_of_broken_files(tmp_path):
    for shape in BROKEN:
        folder = tmp_path / shape
        folder.mkdir()
        for suffix in (".json", ".geojson", ".csv"):
            _file(folder, shape, suffix)
        _works_or_says_why(load_territory, "58", folder)


def test_vintages_of_broken_files(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("id_fs,lib_fs\n", encoding="utf-8")
    for shape in BROKEN:
        _works_or_says_why(load_vintages, "58", _file(tmp_path, shape, ".csv"), good)


def _exits_cleanly(args: list[str], out: Path) -> None:
    result = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code in (0, 2), (args, result.output, result.exception)
    if result.exit_code == 2:
        assert result.output.startswith("Erreur : ") and result.output.count("\n") == 1, result.output
        assert not out.exists()  # nothing half-written


#: Each command with the options that take a file of its own.
COMMAND_FILES = {
    "gaps": [["--scenario"], ["--costs"], ["--contrats"], ["--france-services"], ["--population"]],
    "simulate": [["--hypotheses"], ["--conum"]],
    "timeline": [["--contrats"], ["--conum"]],
    "diff": [["--before"], ["--after"]],
    "compare": [["--costs"], ["--communes"]],
    "redeploy": [["--scenario"], ["--lieux"]],
    "catchments": [["--qpv"], ["--density"]],
    "nearest": [["--fragility"], ["--epci"]],
    "report": [["--scenario"], ["--france-services"]],
}
#: Arguments each command needs besides ``--dept 58``.
COMMAND_ARGS = {"simulate": ["--draws", "5"], "redeploy": ["--posts", "1", "--solver", "greedy"],
                "nearest": ["--commune", "58194"], "catchments": ["--cell", "5000"]}


@pytest.mark.parametrize("command", list(COMMAND_FILES))
def test_every_command_on_broken_files(tmp_path, command):
    good_fs = tmp_path / "fs.csv"
    good_fs.write_text("id_fs,lib_fs\n", encoding="utf-8")
    for i, (option,) in enumerate(COMMAND_FILES[command]):
        for shape in ("vide", "binaire", "json-liste", "csv-colonnes", "toml-types"):
            path = _file(tmp_path, shape, ".toml" if option in ("--scenario", "--costs", "--hypotheses") else ".csv")
            args = [command, "--dept", "58", *COMMAND_ARGS.get(command, []), option, str(path)]
            if command == "diff":
                args += ["--after" if option == "--before" else "--before", str(good_fs)]
            _exits_cleanly(args, tmp_path / f"out-{i}-{shape}")


def test_a_cog_without_names_is_one_line(tmp_path):
    path = tmp_path / "cog.json"
    path.write_text(json.dumps([{"code": "58194", "type": "commune-actuelle", "population": 10}]), encoding="utf-8")
    with pytest.raises(ConumGeoError, match="champ « nom » : nom de commune absent"):
        load_territory("58", population=path)


def test_lieux_without_the_structures_file_run_with_unknown_dates(tmp_path, demo_territory):
    """The README's ``--conum lieux.json`` pattern: no employer file, so no contract date."""
    from hostile_registers import write_conum

    write_conum(demo_territory, tmp_path / "lieux.json", tmp_path / "structures.json")
    result = CliRunner().invoke(cli, ["gaps", "--dept", "58", "--conum", str(tmp_path / "lieux.json"), "--json"])
    assert result.exit_code == 0, result.output
    codes = [w["code"] for w in json.loads(result.output)["warnings"]]
    assert "dates_inconnues" in codes


def test_a_bug_is_one_line_with_its_own_exit_code(monkeypatch):
    import conum_geo.analysis.gaps as gaps

    def broken(*args, **kwargs):
        raise RuntimeError("quelque chose\nsur deux lignes")

    monkeypatch.setattr(gaps, "analyse_gaps", broken)
    result = CliRunner().invoke(cli, ["gaps", "--dept", "58"])
    assert result.exit_code == 70 and result.output.count("\n") == 1
    assert result.output.startswith("Erreur interne (RuntimeError : quelque chose sur deux lignes)")
