"""Spreadsheet-ready tables: the French CSV, XLSX, and no formula in any format."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from conum_geo.cli import cli
from conum_geo.core.errors import ParameterError
from conum_geo.outputs.files import write_outputs
from conum_geo.outputs.tables import Table, TableFormat, neutralise

HOSTILE = ["=HYPERLINK(\"http://x\")", "+33 1 23", "-2+3", "@SUM(A1)", "\tcaché", "Mairie"]


def _frame():
    return pd.DataFrame({"code_insee": ["01001", "58086", "2A004", "58001", "58002", "58003"],
                         "nom": HOSTILE, "access_min": [12.345, np.nan, 0.04, 1.0, 2.0, 3.0],
                         "covered": [True, False, True, True, False, True], "population": [10, 20, 30, 40, 50, 60],
                         "ratio": [1.44076733357, 0.0, 2.5, 1 / 3, 0.1, 0.2]})


def test_neutralise_prefixes_what_a_spreadsheet_would_compute():
    out = neutralise(_frame())
    assert out["nom"].tolist() == ["'" + v for v in HOSTILE[:5]] + ["Mairie"]
    assert out["code_insee"].tolist() == _frame()["code_insee"].tolist()  # codes untouched
    assert out["access_min"].equals(_frame()["access_min"])  # numbers untouched


@pytest.mark.parametrize("csv_format", ["standard", "fr"])
def test_csv_formats(tmp_path, csv_format):
    write_outputs(tmp_path, {"t.csv": Table(_frame())}, tables=TableFormat(csv=csv_format))
    raw = (tmp_path / "t.csv").read_bytes()
    if csv_format == "fr":
        assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the accents
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
        assert rows[0] == ["code_insee", "nom", "access_min", "covered", "population", "ratio"]
        assert rows[1][2] == "12,3" and rows[2][2] == "" and rows[3][2] == "0,0"  # minutes to 0.1
        assert rows[1][3] == "oui" and rows[2][3] == "non"
        assert rows[1][5] == "1,4408" and rows[4][5] == "0,3333"
    else:
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
        assert rows[1][2] == "12.345" and rows[1][3] == "True" and rows[1][5] == "1.44076733357"
    assert rows[1][0] == "01001" and rows[3][0] == "2A004"
    assert [r[1] for r in rows[1:]] == ["'" + v for v in HOSTILE[:5]] + ["Mairie"]


def test_xlsx_keeps_text_as_text(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    written = write_outputs(tmp_path, {"t.csv": Table(_frame())}, tables=TableFormat(xlsx=True))
    assert [p.name for p in written] == ["t.csv", "t.xlsx"]
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    names = [sheet.cell(row=r, column=2) for r in range(2, 8)]
    assert [c.value for c in names] == HOSTILE and all(c.data_type == "s" for c in names)  # never a formula
    assert sheet.cell(row=2, column=1).value == "01001" and sheet.cell(row=2, column=3).value == pytest.approx(12.345)
    assert sheet.cell(row=3, column=3).value is None and sheet.cell(row=2, column=4).value is True
    assert sheet.freeze_panes == "A2"


#: Names that try to leave their cell or start a formula past leading whitespace or controls.
ESCAPING = ["\r=1+1", "a\rb", "c\nd", " =2+2", "\x00@x", "\u2028-3", "e\u2028f", "g\x0bh", "i\x1ej", "k\x85l",
            "\u200b+4", "m;n,o\"p"]
NEUTRALISED = ["'\r=1+1", "a\rb", "c\nd", "' =2+2", "'\x00@x", "'\u2028-3", "e\u2028f", "g\x0bh", "i\x1ej", "k\x85l",
               "'\u200b+4", "m;n,o\"p"]


@pytest.mark.parametrize("csv_format", ["standard", "fr"])
def test_csv_cells_never_split_nor_compute(tmp_path, csv_format):
    frame = pd.DataFrame({"nom": ESCAPING, "n": range(len(ESCAPING))})
    write_outputs(tmp_path, {"t.csv": Table(frame)}, tables=TableFormat(csv=csv_format))
    text = (tmp_path / "t.csv").read_bytes().decode("utf-8-sig")
    delimiter = ";" if csv_format == "fr" else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    assert len(rows) == len(ESCAPING) + 1  # one row per name: nothing split a row
    assert [r[0] for r in rows[1:]] == NEUTRALISED and [r[1] for r in rows[1:]] == [str(i) for i in range(12)]
    for value in NEUTRALISED:  # every separator inside quotes, for readers that split lines first
        assert '"' + value.replace('"', '""') + '"' in text
    assert pd.read_csv(io.StringIO(text), sep=delimiter)["nom"].tolist() == NEUTRALISED


def test_xlsx_cells_never_compute_and_hold_no_illegal_character(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    frame = pd.DataFrame({"nom": ESCAPING})
    write_outputs(tmp_path, {"t.csv": Table(frame)}, tables=TableFormat(xlsx=True))
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    cells = [sheet.cell(row=r, column=1) for r in range(2, 2 + len(ESCAPING))]
    assert all(c.data_type == "s" for c in cells)
    values = [c.value for c in cells]  # XML reads a CR as a line feed
    assert values[0] == "\n=1+1" and values[4] == "\\u0000@x" and values[7] == "g\\u000bh"  # illegal ones as codes
    # a quote prefix wherever the written text would compute (the NUL, written as its code, no longer does)
    assert [c.quotePrefix for c in cells] == [True, False, False, True, False, True, False, False, False, False,
                                              True, False]


def test_unknown_csv_format():
    with pytest.raises(ParameterError, match="format CSV"):
        TableFormat(csv="excel")


def test_cli_tables_for_a_french_spreadsheet(tmp_path):
    result = CliRunner().invoke(cli, ["gaps", "--dept", "58", "--out", str(tmp_path), "--csv-format", "fr", "--xlsx"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert {"communes.csv", "communes.xlsx", "posts_ended.csv", "posts_ended.xlsx"} <= set(names)
    table = pd.read_csv(tmp_path / "communes.csv", sep=";", decimal=",", encoding="utf-8-sig",
                        dtype={"code_insee": str})
    assert len(table) == 309 and set(table["covered_before"]) <= {"oui", "non"}
    assert (table["scenario_min"].dropna().round(1) == table["scenario_min"].dropna()).all()
