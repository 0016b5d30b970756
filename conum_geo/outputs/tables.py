"""Tables at the edge: CSV for programs, CSV for a French spreadsheet, XLSX; never a formula.

A command's tables are ``Table`` values in its writers (``files.write_outputs``), written in the
user's ``TableFormat``: ``standard`` CSV (``,``, decimal point, ``True``/``False``, full
precision: for programs) or ``fr`` (``;``, decimal comma, ``oui``/``non``, UTF-8 with a BOM so
that Excel reads the accents, minutes rounded to 0.1 and other decimals to 4), and with ``xlsx`` the same table as an
Excel workbook beside it (extra ``xlsx``). Register text is third-party, so in every format:

- every text cell is quoted (RFC 4180), so a carriage return, a line feed or any other line
  or field separator inside a name stays inside its cell;
- a text cell that a spreadsheet would read as a formula (its first character, after any
  leading whitespace or control characters, is ``=``, ``+``, ``-`` or ``@``; or it starts
  with a tab or a carriage return: a lieu named ``=HYPERLINK(…)`` or ``"\\r=1+1"``) is
  neutralised: prefixed with an apostrophe in CSV, a text cell with Excel's quote prefix in
  XLSX;
- characters an XLSX file cannot hold (C0 controls but tab, LF and CR) are written as their
  ``\\uXXXX`` code there.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.errors import DataUnavailableError, ParameterError
from ..core.vocabulary import CSV_FORMATS
from .text import as_codes

#: A text a spreadsheet would read as a formula (module doc).
FORMULA = re.compile("^(?:[\t\r]|[\\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]*[=+\\-@])")
#: Characters an XLSX cell cannot hold (openpyxl's ``ILLEGAL_CHARACTERS_RE``).
XLSX_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class TableFormat:
    """How a command writes its tables (module doc)."""

    csv: str = "standard"
    xlsx: bool = False

    def __post_init__(self):
        if self.csv not in CSV_FORMATS:
            raise ParameterError(f"format CSV {self.csv!r} inconnu ; attendu parmi {', '.join(CSV_FORMATS)}")


@dataclass(frozen=True)
class Table:
    """A table to write (geometry dropped): the writers of ``write_outputs`` give these for
    their ``.csv`` files."""

    frame: pd.DataFrame

    def plain(self) -> pd.DataFrame:
        return pd.DataFrame(self.frame.drop(columns="geometry", errors="ignore")).reset_index(drop=True)


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` whose text cells that start like a formula are prefixed with an apostrophe."""
    out = frame.copy()
    for column in _text_columns(out):
        values = out[column]
        risky = values.map(lambda v: isinstance(v, str) and FORMULA.match(v) is not None)
        if risky.any():
            out[column] = values.where(~risky, "'" + values.astype(str))
    return out


#: Decimals of the other numbers in a French table (for a reader, not a program).
FR_DECIMALS = 4


def _french(frame: pd.DataFrame) -> pd.DataFrame:
    """Booleans as oui/non, minutes to 0.1, other decimals to ``FR_DECIMALS``."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_bool_dtype(values):
            out[column] = values.map({True: "oui", False: "non"}).astype(object).where(values.notna(), "")
        elif pd.api.types.is_float_dtype(values):
            out[column] = values.round(1 if str(column).endswith("_min") else FR_DECIMALS)
    return out


def write_csv(table: Table, path: Path, csv_format: str = "standard") -> None:
    """``table`` as CSV in ``csv_format`` (module doc); codes keep their leading zeros."""
    frame = neutralise(table.plain())
    if csv_format == "fr":
        _french(frame).to_csv(path, index=False, sep=";", decimal=",", encoding="utf-8-sig",
                              quoting=csv.QUOTE_NONNUMERIC)
    else:
        frame.to_csv(path, index=False, encoding="utf-8", quoting=csv.QUOTE_NONNUMERIC)


def _cell(value):
    """A table value as an XLSX cell holds it: missing as empty, NumPy and pandas scalars as
    Python ones, text without the characters XLSX cannot hold."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, str):
        return as_codes(XLSX_ILLEGAL, value)
    return value


def write_xlsx(table: Table, path: Path) -> None:
    """``table`` as an Excel workbook: one sheet, header frozen, text never read as a formula."""
    try:
        from openpyxl import Workbook
        from openpyxl.utils import get_column_letter
    except ImportError:
        raise DataUnavailableError("les classeurs XLSX demandent openpyxl : pip install 'conum-geo[xlsx]'") from None
    frame = table.plain()
    book = Workbook()
    sheet = book.active
    sheet.title = path.stem[:31]
    sheet.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False):
        sheet.append([_cell(value) for value in row])
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a string is text, whatever it starts with
                cell.quotePrefix = FORMULA.match(cell.value) is not None  # and stays text once edited
    for i, name in enumerate(frame.columns, start=1):
        width = max([len(str(name)), *(len(str(v)) for v in frame[name].head(200))]) + 2
        sheet.column_dimensions[get_column_letter(i)].width = min(width, 60)
    sheet.freeze_panes = "A2"
    book.save(path)
