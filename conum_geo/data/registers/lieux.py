"""Lieux de médiation numérique in the national data standard (TableSchema, CSV).

The standard (LaMednum/ANCT) is the format of the current national exports (cartographie
nationale, data.inclusion). Each lieu becomes a site: ``kind`` ``conum`` when it belongs to
the Conseillers numériques programme, else ``france_services`` when it is a France Services,
else ``mediation``; every programme it carries is kept in ``programmes``, and ``itinerance``
(Fixe/Itinérant) in ``itinerant``. ``programmes=`` keeps only lieux of some national
programmes (``dispositif_programmes_nationaux``).

Validation: the product's own rules on the fields it reads (ids, names, postcode, INSEE code,
coordinates, date) always apply and stop the load with a one-line error; when the official
``schema.json`` is given, every rule of the standard is checked by frictionless (``schema``)
and what it finds is reported per field without stopping the load (a badly formatted phone
number does not make a lieu unusable).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ...core.errors import InputError
from ...core.schema import site_rows
from .hours import osm_hours_column
from .io import (
    COMMUNE_CODE,
    Register,
    check_ids,
    file_as_of,
    insee_code,
    read_csv,
    read_points,
    row_dates,
    spreadsheet_row,
    text_column,
)
from .schema import read_schema, validate_csv, validator_available

KIND = "lieux"
REQUIRED = ("id", "nom", "code_postal", "latitude", "longitude")
CONUM_PROGRAMME = "Conseillers numériques"
FRANCE_SERVICES_PROGRAMME = "France Services"
#: The product's own rules on the fields it uses (violations stop the load): field → pattern.
PATTERNS = {"code_postal": re.compile(r"\d{5}"), "code_insee": COMMUNE_CODE}
#: The standard's fields copied as they are into the site schema (``core.schema``): field → column.
TEXT_FIELDS = {"register_id": "id", "nom": "nom", "code_postal": "code_postal", "commune": "commune",
               "horaires": "horaires", "pivot": "pivot", "adresse": "adresse", "telephone": "telephone"}
#: Fields that must not be empty.
REQUIRED_VALUES = ("id", "nom", "code_postal")


def _check_product_rules(raw: pd.DataFrame, path: Path) -> None:
    """The rules on the fields the product reads: ids, names, codes, date (one-line errors)."""
    for name in REQUIRED_VALUES:
        empty = np.flatnonzero((text_column(raw, name) == "").to_numpy())
        if len(empty):
            raise InputError("valeur vide dans un champ obligatoire", path=path,
                             row=spreadsheet_row(int(empty[0])), field=name)
    check_ids(text_column(raw, "id"), path=path, field_name="id")
    for name, pattern in PATTERNS.items():
        values = text_column(raw, name)
        bad = np.flatnonzero([bool(v) and not pattern.fullmatch(v) for v in values])
        if len(bad):
            raise InputError(f"{values.iloc[bad[0]]!r} ne suit pas le motif {pattern.pattern}", path=path,
                             row=spreadsheet_row(int(bad[0])), field=name)
    dates = text_column(raw, "date_maj")
    for i, value in enumerate(dates):
        if value:
            try:
                dt.date.fromisoformat(value[:10])
            except ValueError:
                raise InputError(f"{value!r} n'est pas une date AAAA-MM-JJ", path=path,
                                 row=spreadsheet_row(i), field="date_maj") from None


def _split(values: pd.Series) -> list[list[str]]:
    return [[part.strip() for part in value.split("|") if part.strip()] for value in values]


def read_lieux(path: str | Path, schema: str | Path | None = None,
               programmes: Iterable[str] | None = None) -> Register:
    """Read a lieux file of the national standard, optionally keeping some programmes only."""
    path = Path(path)
    raw = read_csv(path, REQUIRED)
    _check_product_rules(raw, path)
    problems: list[str] = []
    standard = ""
    if schema is not None:
        info = read_schema(schema)
        standard = f", {info.label}"
        if validator_available():
            problems = validate_csv(path, info)
        else:
            problems = [f"{path} : règles du {info.label} non vérifiées (frictionless absent : "
                        "pip install 'conum-geo[validation]')"]
    lon, lat = read_points(raw, path=path)
    hours = osm_hours_column(text_column(raw, "horaires"), path, spreadsheet_row)
    carried = _split(text_column(raw, "dispositif_programmes_nationaux"))
    kinds = np.array(["conum" if CONUM_PROGRAMME in p else
                      "france_services" if FRANCE_SERVICES_PROGRAMME in p else "mediation"
                      for p in carried], dtype=object)
    ids = text_column(raw, "id")
    frame = site_rows(
        len(raw), **{field: text_column(raw, column) for field, column in TEXT_FIELDS.items()},
        site_id="lmn-" + ids, kind=kinds, code_insee=text_column(raw, "code_insee").map(insee_code),
        lon=lon, lat=lat, presence_h=hours.total_h, evening_h=hours.evening_h, saturday_h=hours.saturday_h,
        hours_problem=hours.problems,
        itinerant=["Itinérant" in p for p in _split(text_column(raw, "itinerance"))],
        programmes=["|".join(p) for p in carried],
        services=text_column(raw, "services").str.replace("|", " ; ", regex=False), as_of=row_dates(raw, path))
    if programmes is not None:
        wanted = set(programmes)
        frame = frame.loc[[bool(wanted & set(p)) for p in carried]].reset_index(drop=True)
    as_of = frame["as_of"].max() if len(frame) else file_as_of(path)
    return Register(kind=KIND, path=path, frame=frame, as_of=as_of, problems=problems,
                    label=f"Source : lieux de médiation numérique, standard national ({path.name}, {as_of}{standard})")
