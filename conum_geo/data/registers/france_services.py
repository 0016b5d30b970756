"""The ANCT list of France services (CSV) → normalised site rows.

One row per France services site (main sites and antennas): ``id_fs``, ``lib_fs``,
``insee_com``, ``latitude``/``longitude``, weekly opening hours per day ``h_lundi..h_samedi``,
``type_fs`` (Principal/Antenne) and ``format_fs`` (Fixe, Itinérante, Bus_équivalent,
Multisites, Fixe_antenne(s), ...). Bus and itinerant formats are flagged ``itinerant``.
"""

from __future__ import annotations

from pathlib import Path

from ...core.schema import site_rows
from .hours import FS_DAY_COLUMNS, fs_hours_column
from .io import (
    Register,
    check_ids,
    commune_codes,
    file_as_of,
    read_csv,
    read_points,
    spreadsheet_row,
    text_column,
)

KIND = "france_services"
#: What every France services offers (the list has no per-site services column).
SERVICES = "démarches administratives avec les opérateurs nationaux (France Travail, CAF, Assurance maladie, retraite, impôts, justice, ANTS…)"
REQUIRED = ("id_fs", "lib_fs", "insee_com", "latitude", "longitude", *FS_DAY_COLUMNS,
            "type_fs", "format_fs")
#: The list's columns copied as they are into the site schema (``core.schema``): field → column.
TEXT_FIELDS = {"register_id": "id_fs", "nom": "lib_fs", "code_postal": "code_postal", "commune": "lib_com",
               "format": "format_fs", "fs_type": "type_fs", "adresse": "adresse", "telephone": "telephone"}
#: ``format_fs`` values of sites that move (France services buses and itinerant formats).
ITINERANT_FORMATS = frozenset({"Itinérante", "Bus_équivalent", "Bus"})


def _hours_texts(day_text: dict) -> list[str]:
    """Each row's opening hours as one text (``lundi 09:00 - 12:00 | …``); rows with the same
    week share one string."""
    texts: dict[tuple, str] = {}
    out = []
    for key in zip(*day_text.values()):
        if key not in texts:
            texts[key] = " | ".join(f"{c[2:]} {t}" for c, t in zip(day_text, key) if t)
        out.append(texts[key])
    return out


def read_france_services(path: str | Path) -> Register:
    """Read the France services list; every row is kept, unreadable hours are reported."""
    path = Path(path)
    raw = read_csv(path, REQUIRED, usecols=(*REQUIRED, "code_postal", "lib_com", "adresse", "telephone"))
    ids = text_column(raw, "id_fs")
    check_ids(ids, path=path, field_name="id_fs")
    lon, lat = read_points(raw, path=path)

    day_text = {column: text_column(raw, column).to_numpy() for column in FS_DAY_COLUMNS}
    hours = fs_hours_column(day_text, path, spreadsheet_row)
    as_of = file_as_of(path)
    formats = text_column(raw, "format_fs")
    frame = site_rows(
        len(raw), **{field: text_column(raw, column) for field, column in TEXT_FIELDS.items()},
        site_id="fs-" + ids, kind=KIND,
        code_insee=commune_codes(raw["insee_com"], path=path, field_name="insee_com", allow_empty=True),
        lon=lon, lat=lat, presence_h=hours.total_h, evening_h=hours.evening_h, saturday_h=hours.saturday_h,
        hours_problem=hours.problems, horaires=_hours_texts(day_text),
        itinerant=formats.isin(ITINERANT_FORMATS).to_numpy(), programmes="France Services", services=SERVICES,
        as_of=as_of)
    return Register(
        kind=KIND, path=path, frame=frame, as_of=as_of,
        label=f"Source : ANCT, liste des France services ({path.name}, {as_of})",
    )
