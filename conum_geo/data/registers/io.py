"""Reading register files at the boundary: text, CSV, JSON, coordinates, ids, dates.

Every check raises ``InputError`` with one line naming the file, the row (as a spreadsheet
shows it: the header is row 1) and the field, then what was expected.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ...core.errors import InputError

#: Bounding boxes (lon_min, lat_min, lon_max, lat_max) of French territories: metropolitan
#: France with Corsica, the five DROM, and the overseas collectivités.
FRANCE_BOXES = {
    "métropole": (-5.6, 41.2, 9.8, 51.3),
    "Guadeloupe": (-61.9, 15.8, -60.9, 16.6),
    "Martinique": (-61.3, 14.3, -60.7, 15.0),
    "Guyane": (-54.7, 2.0, -51.5, 5.9),
    "La Réunion": (55.1, -21.5, 55.9, -20.8),
    "Mayotte": (44.9, -13.1, 45.4, -12.5),
    "Saint-Pierre-et-Miquelon": (-56.5, 46.7, -56.1, 47.2),
    "Saint-Martin / Saint-Barthélemy": (-63.2, 17.8, -62.7, 18.2),
    "Polynésie française": (-155.0, -28.0, -134.0, -7.0),
    "Nouvelle-Calédonie": (163.0, -23.0, 169.0, -19.0),
    "Wallis-et-Futuna": (-178.3, -14.4, -176.0, -13.1),
}
_SEPARATORS = (",", ";", "\t")


@dataclass
class Register:
    """One register file read and normalised: national rows, before any territory filter.

    ``label`` is the French "Source : …" line; ``problems`` lists file-level issues that did
    not stop the load (schema rules on fields the product does not use). Row-level issues that
    keep the row (unreadable opening hours) are in the frame's ``hours_problem`` column.
    ``aliases`` maps former commune codes to current ones (COG registers only).
    """

    kind: str
    path: Path
    frame: pd.DataFrame
    as_of: str
    label: str
    problems: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)

    @property
    def source(self) -> str:
        """The label without its "Source : " prefix, for the ``source`` column of rows."""
        return self.label.removeprefix("Source : ")


def spreadsheet_row(index: int) -> int:
    """The row a spreadsheet shows for the ``index``-th record of a CSV (the header is row 1)."""
    return int(index) + 2


def record_row(index: int) -> int:
    """The number of the ``index``-th record of a JSON array or GeoJSON (the first is 1)."""
    return int(index) + 1


def read_text(path: Path) -> str:
    """UTF-8 text of ``path`` (a BOM is dropped); Latin-1 or empty files are refused."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"texte non UTF-8 (octet 0x{raw[exc.start]:02x} ; Latin-1/Windows-1252 ?) : réencoder le "
            "fichier en UTF-8, par ex. `iconv -f latin1 -t utf-8`",
            path=path, row=line,
        ) from None
    if not text.strip():
        raise InputError("fichier vide", path=path)
    return text


def _separator(header: str, path: Path) -> str:
    counts = {sep: len(next(csv.reader([header], delimiter=sep), [])) for sep in _SEPARATORS}
    sep = max(counts, key=lambda s: counts[s])
    if counts[sep] < 2:
        raise InputError("séparateur de colonnes introuvable (',' ou ';' attendu)", path=path, row=1)
    return sep


def _first_line(path: Path) -> str:
    """The header line of a CSV (BOM dropped); ``InputError`` for an empty or undecodable file."""
    with open(path, "rb") as stream:
        head = stream.readline()
        if not head.removeprefix(codecs.BOM_UTF8).strip() and not stream.read(1 << 16).strip():
            raise InputError("fichier vide", path=path)
    try:
        return head.decode("utf-8-sig")
    except UnicodeDecodeError:
        read_text(path)  # raises the precise error (byte, line)
        raise


def _check_fields(path: Path, sep: str, width: int) -> None:
    """One streaming pass: every row has as many fields as the header (mixed separators are
    named with their row), the text is UTF-8; memory does not grow with the file."""
    with open(path, encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream, delimiter=sep, strict=True)
        try:
            next(reader)
            for index, row in enumerate(reader):
                if len(row) != width and any(cell.strip() for cell in row):
                    other = ";" if sep == "," else ","
                    raise InputError(
                        f"{len(row)} champs alors que l'en-tête en a {width} (séparateur « {sep} » ; "
                        f"une ligne avec « {other} » ou un « {sep} » non protégé dans une valeur ?)",
                        path=path, row=spreadsheet_row(index),
                    )
        except UnicodeDecodeError:
            read_text(path)  # raises the precise error (byte, line)
            raise
        except csv.Error as exc:
            raise InputError(f"CSV illisible ({exc} ; guillemet non fermé ?)", path=path, row=reader.line_num) from None


def read_csv(path: Path, required: Sequence[str], usecols: Sequence[str] | None = None) -> pd.DataFrame:
    """Every cell as text (``usecols``: only those columns, with ``required``); the separator
    (``,`` ``;`` or tab) is read from the header line.

    Raises ``InputError`` for a row whose field count differs from the header's (mixed
    separators), a missing column, a file without data rows, or text that is not UTF-8. Parsed
    by pandas' C reader after a streaming check: memory stays within about 3× the file's size.
    """
    path = Path(path)
    try:
        sep = _separator(_first_line(path).rstrip("\r\n"), path)
        header = [name.strip() for name in next(csv.reader([_first_line(path).rstrip("\r\n")], delimiter=sep))]
        _check_fields(path, sep, len(header))
    except csv.Error as exc:
        raise InputError(f"CSV illisible ({exc})", path=path) from None
    require_fields(header, required, path=path)
    wanted = None if usecols is None else set(usecols) | set(required)
    try:
        frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig", engine="c",
                            usecols=(lambda name: name.strip() in wanted) if wanted is not None else None)
    except (pd.errors.ParserError, ValueError) as exc:  # what the streaming check could not see
        raise InputError(f"CSV illisible ({str(exc).splitlines()[0]})", path=path) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    blank = (frame == "").all(axis=1) if len(frame.columns) else pd.Series(dtype=bool)
    frame = frame.loc[~blank.to_numpy()].reset_index(drop=True) if blank.any() else frame
    if frame.empty:
        raise InputError("aucune ligne de données sous l'en-tête", path=path)
    return frame


def require_fields(present: Sequence[str], required: Sequence[str], *, path) -> None:
    """Raise ``InputError`` naming the first required column missing from ``present``."""
    missing = [name for name in required if name not in set(present)]
    if missing:
        shown = ", ".join(list(present)[:12]) + (", …" if len(present) > 12 else "")
        raise InputError(f"colonne absente ; le fichier a : {shown}", path=path, field=missing[0])


def first_column(columns, candidates: Sequence[str], *, path=None) -> str | None:
    """The first of ``candidates`` among ``columns``; None, or with ``path`` an ``InputError``
    naming the first candidate, when none is there."""
    found = next((name for name in candidates if name in set(columns)), None)
    if found is None and path is not None:
        require_fields(columns, candidates[:1], path=path)
    return found


def read_json(path: Path):
    """Parsed JSON of ``path``; a syntax error names its line."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"JSON invalide ({exc.msg}, colonne {exc.colno})", path=path,
                         row=exc.lineno) from None


_JSON_CHUNK = 1 << 18
_JSON_SPACE = re.compile(r"[ \t\r\n]*")


class _JsonBlocks:
    """A JSON text read in ``_JSON_CHUNK`` blocks: the unread text (``buffer[index:]``), one
    value decoded at a time."""

    def __init__(self, stream):
        self.stream, self.buffer, self.index = stream, "", 0
        self.decoder = json.JSONDecoder()

    def fill(self) -> bool:
        """Append the next block (False at the end of the file)."""
        block = self.stream.read(_JSON_CHUNK)
        self.buffer, self.index = self.buffer[self.index:] + block, 0
        return bool(block)

    def next_char(self) -> str:
        """The next character that is not white space ('' at the end of the file)."""
        while True:
            self.index = _JSON_SPACE.match(self.buffer, self.index).end()  # type: ignore[union-attr]
            if self.index < len(self.buffer) or not self.fill():
                return self.buffer[self.index:self.index + 1]

    def value(self):
        """The next JSON value (``json.JSONDecodeError`` when there is none, whole, to read)."""
        while True:
            try:
                item, end = self.decoder.raw_decode(self.buffer, self.index)
            except json.JSONDecodeError:
                if not self.fill():
                    raise
                continue
            if end == len(self.buffer) and self.fill():  # a number may go on in the next block
                continue
            self.index = end
            return item


def iter_json_array(path: Path):
    """The items of the top-level JSON array of ``path``, decoded one at a time from 256 KiB
    blocks: memory holds one item and one block, whatever the file's size. Errors name the
    record."""
    with open(path, encoding="utf-8-sig") as stream:
        text = _JsonBlocks(stream)
        try:
            if text.next_char() != "[":
                raise InputError("tableau JSON d'objets attendu", path=path)
            text.index += 1
            record = 0
            while (char := text.next_char()) != "]":
                if record:
                    if char != ",":
                        raise InputError(f"JSON invalide après l'enregistrement {record} (« , » ou « ] » attendu)",
                                         path=path, row=record)
                    text.index += 1
                    text.next_char()
                try:
                    item = text.value()
                except json.JSONDecodeError as exc:
                    raise InputError(f"JSON invalide ou tronqué ({exc.msg})", path=path, row=record + 1) from None
                record += 1
                yield item
        except UnicodeDecodeError:
            read_text(path)  # raises the precise error (byte, line)
            raise


def read_json_records(path: Path, required: Sequence[str], keys: Sequence[str] | None = None,
                      repeated: Sequence[str] = ()) -> pd.DataFrame:
    """A JSON array of objects as a frame, streamed (``iter_json_array``), keeping only
    ``keys`` (and ``required``) when given; every required key must be in every record.
    Text values of the ``repeated`` keys (a few distinct values: types, départements, dates)
    share one string object per distinct value, which keeps national files within 3× their size."""
    path = Path(path)
    with open(path, "rb") as stream:
        if not stream.read(1 << 12).strip(b" \t\r\n\xef\xbb\xbf"):
            raise InputError("fichier vide", path=path)
    columns: dict[str, list] = {}
    wanted = None if keys is None else set(keys) | set(required)
    count = 0
    shared: dict[str, str] = {}
    repeated_keys = set(repeated)
    for count, record in enumerate(iter_json_array(path), start=1):
        if not isinstance(record, dict):
            raise InputError("tableau JSON d'objets attendu", path=path, row=count)
        missing = [name for name in required if name not in record]
        if missing:
            raise InputError("clé absente de l'enregistrement", path=path, row=count, field=missing[0])
        for key in (record.keys() if wanted is None else record.keys() & wanted) - columns.keys():
            columns[key] = [None] * (count - 1)
        for key, values in columns.items():
            value = record.get(key)
            if key in repeated_keys and isinstance(value, str):
                value = shared.setdefault(value, value)
            values.append(value)
    if not count:
        raise InputError("aucun enregistrement (tableau JSON vide)", path=path)
    return pd.DataFrame(columns)


def parse_numbers(values: pd.Series, *, path, field_name: str, row_of=spreadsheet_row) -> np.ndarray:
    """Floats from text or numbers (``46,99`` accepted); empty is NaN, anything else an error."""
    out = np.full(len(values), np.nan)
    for i, value in enumerate(values.to_numpy()):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[i] = float(value)
            continue
        text = str(value).strip()
        if not text:
            continue
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            out[i] = float(text)
        except ValueError:
            raise InputError(f"« {value} » n'est pas un nombre", path=path, row=row_of(i),
                             field=field_name) from None
    return out


def in_france(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    inside = np.zeros(len(lon), dtype=bool)
    for lon_min, lat_min, lon_max, lat_max in FRANCE_BOXES.values():
        inside |= (lon >= lon_min) & (lon <= lon_max) & (lat >= lat_min) & (lat <= lat_max)
    return inside


def _check_coordinates(lon: np.ndarray, lat: np.ndarray, *, path, row_of) -> None:
    """Validate WGS84 points row by row: a row with only one of the two values, swapped values
    or a point outside France raises ``InputError`` naming the row."""
    fields = ("longitude", "latitude")
    has_lon, has_lat = ~np.isnan(lon), ~np.isnan(lat)
    half = np.flatnonzero(has_lon != has_lat)
    if len(half):
        i = half[0]
        raise InputError("une seule des deux coordonnées longitude/latitude est donnée", path=path, row=row_of(i),
                         field=fields[0] if not has_lon[i] else fields[1])
    present = has_lon & has_lat
    bad = np.flatnonzero(present & ~in_france(np.nan_to_num(lon), np.nan_to_num(lat)))
    if len(bad):
        i = bad[0]
        if in_france(np.array([lat[i]]), np.array([lon[i]]))[0]:
            message = (f"latitude {lat[i]} et longitude {lon[i]} semblent inversées "
                       f"(un point en France a une latitude ≈ {lon[i]})")
        else:
            message = (f"point (longitude {lon[i]}, latitude {lat[i]}) hors de France ; "
                       "degrés WGS84 attendus")
        raise InputError(message, path=path, row=row_of(i), field=fields[1])


def read_points(raw: pd.DataFrame, *, path, row_of=spreadsheet_row) -> tuple[np.ndarray, np.ndarray]:
    """The checked WGS84 (``longitude``, ``latitude``) of every row of ``raw`` (NaN where
    empty or where ``raw`` has no such column): a row with only one of the two values, swapped
    values or a point outside France raises ``InputError`` naming the row."""
    lon, lat = (parse_numbers(raw[name] if name in raw.columns else pd.Series([None] * len(raw)),
                              path=path, field_name=name, row_of=row_of)
                for name in ("longitude", "latitude"))
    _check_coordinates(lon, lat, path=path, row_of=row_of)
    return lon, lat


def check_ids(values: pd.Series, *, path, field_name: str, row_of=spreadsheet_row) -> None:
    """Raise ``InputError`` at the first empty or repeated id."""
    text = values.map(lambda v: "" if v is None else str(v).strip())
    empty = np.flatnonzero((text == "").to_numpy())
    if len(empty):
        raise InputError("identifiant vide", path=path, row=row_of(empty[0]), field=field_name)
    duplicated = text.duplicated(keep="first").to_numpy()
    if duplicated.any():
        i = int(np.flatnonzero(duplicated)[0])
        first = int(np.flatnonzero((text == text.iloc[i]).to_numpy())[0])
        raise InputError(f"identifiant en double {text.iloc[i]!r} (déjà vu ligne {row_of(first)}) ; "
                         "les identifiants doivent être uniques", path=path, row=row_of(i), field=field_name)


_DATE_PATTERNS = (
    (re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})(?!\d)"), "{0}-{1}-{2}"),
    (re.compile(r"(?<!\d)(20\d{2})-(\d{2})-(\d{2})(?!\d)"), "{0}-{1}-{2}"),
    (re.compile(r"(?<!\d)(20\d{2})-(\d{2})(?!\d)"), "{0}-{1}"),
    (re.compile(r"cog[-_ ]?(20\d{2})", re.IGNORECASE), "COG {0}"),
    (re.compile(r"(?<!\d)(20\d{2})(?!\d)"), "{0}"),
)


def file_as_of(path: Path) -> str:
    """The date a file describes, read from its name (``liste-fs-20240801`` → ``2024-08-01``),
    else ``millésime non indiqué (fichier du <modification day>)``: the day the file was last
    written, which is not the day its data describe, said as such."""
    name = Path(path).name
    for pattern, fmt in _DATE_PATTERNS:
        match = pattern.search(name)
        if match:
            return fmt.format(*match.groups())
    return f"millésime non indiqué (fichier du {dt.date.fromtimestamp(Path(path).stat().st_mtime).isoformat()})"


def row_dates(raw: pd.DataFrame, path) -> pd.Series:
    """Each row's day of update (``date_maj``, first 10 characters), else the file's
    (``file_as_of``)."""
    dates = text_column(raw, "date_maj").str[:10]
    return dates.where(dates != "", file_as_of(path))


def text_column(frame: pd.DataFrame, name: str) -> pd.Series:
    """Column ``name`` as stripped text, missing values as ''."""
    if name not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[name].map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v))
                           else str(v).strip())


#: A commune or arrondissement code of the COG: a département's two digits (2A/2B in Corsica,
#: 97 overseas) and three more.
COMMUNE_CODE = re.compile(r"(?:[013-9]\d|2[AB1-9])\d{3}")


def commune_codes(values: pd.Series, *, path, field_name: str, row_of=spreadsheet_row,
                  allow_empty: bool = False) -> pd.Series:
    """``values`` as commune codes (``insee_code``); a value that is not one (``-1``,
    ``1e308``, ``ABCDE``), or an empty one unless ``allow_empty``, raises ``InputError``
    naming its row."""
    codes = values.map(insee_code)
    bad = np.flatnonzero([not (COMMUNE_CODE.fullmatch(c) or (allow_empty and c == "")) for c in codes])
    if len(bad):
        value = values.iloc[bad[0]]
        reason = ("code commune vide" if codes.iloc[bad[0]] == "" else
                  f"{value!r} n'est pas un code commune INSEE (5 caractères, ex. 58194 ou 2A004)")
        raise InputError(reason, path=path, row=row_of(int(bad[0])), field=field_name)
    return codes


def insee_code(value) -> str:
    """A commune code as 5 characters (``1001`` → ``01001``; ``2A004`` kept); '' when absent."""
    text = "" if value is None else str(value).strip()
    if text.isdigit():  # the common case, without copying the string
        return "" if text == "0" else text.zfill(5)
    text = text.upper()
    if text in ("", "NAN", "NONE", "NULL", "0"):
        return ""
    if text.endswith(".0"):
        text = text[:-2]
    return text.zfill(5) if text.isdigit() else text


def normalised_name(text) -> str:
    """Upper-case ASCII words of a name, for matching (``Saint-Léger`` → ``SAINT LEGER``)."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", " ", ascii_text.upper()).strip()
