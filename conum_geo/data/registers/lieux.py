"""Lieux de médiation numérique in the national data standard (TableSchema, CSV).

The standard (LaMednum/ANCT) is the format of the current national exports (cartographie
nationale, data.inclusion). Each lieu becomes a site: ``kind`` ``conum`` when it belongs to
the Conseillers numériques programme, else ``france_services`` when it is a France Services,
else ``mediation``; every programme it carries is kept in ``programmes``, and ``itinerance``
(Fixe/Itinérant) in ``itinerant``. ``programmes=`` keeps only lieux of some national
programmes (``dispositif_programmes_nationaux``).

Validation: the product's own rules (ids, postcode, INSEE code, coordinates, date) always
apply and stop the load; when the official ``schema.json`` is given, every other rule of the
standard is checked too and its violations are reported per field.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from .hours import osm_hours_column
from .io import (
    Register,
    file_as_of,
    insee_code,
    read_csv,
    read_points,
    row_dates,
    spreadsheet_row,
    text_column,
)
from .tableschema import load_schema, validate_table

KIND = "lieux"
REQUIRED = ("id", "nom", "code_postal", "latitude", "longitude")
CONUM_PROGRAMME = "Conseillers numériques"
FRANCE_SERVICES_PROGRAMME = "France Services"
#: The product's own rules on the fields it uses; violations stop the load.
PRODUCT_RULES: dict[str, list[dict]] = {"fields": [
    {"name": "id", "constraints": {"required": True, "unique": True}},
    {"name": "nom", "constraints": {"required": True}},
    {"name": "code_postal", "constraints": {"required": True, "pattern": r"\d{5}"}},
    {"name": "code_insee", "constraints": {"pattern": r"(?:[013-9]\d|2[AB1-9])\d{3}"}},
    {"name": "latitude", "type": "number"},
    {"name": "longitude", "type": "number"},
    {"name": "date_maj", "type": "date"},
]}
STRICT_FIELDS = frozenset(field["name"] for field in PRODUCT_RULES["fields"])


def _split(values: pd.Series) -> list[list[str]]:
    return [[part.strip() for part in value.split("|") if part.strip()] for value in values]


def read_lieux(path: str | Path, schema: str | Path | None = None,
               programmes: Iterable[str] | None = None) -> Register:
    """Read a lieux file of the national standard, optionally keeping some programmes only."""
    path = Path(path)
    raw = read_csv(path, REQUIRED)
    problems = validate_table(raw, PRODUCT_RULES, path=path, strict=set(STRICT_FIELDS))
    if schema is not None:
        problems += validate_table(raw, load_schema(schema), path=path, strict=set(STRICT_FIELDS))
    lon, lat = read_points(raw, path=path)
    hours, hour_problems = osm_hours_column(text_column(raw, "horaires"), path, spreadsheet_row)
    carried = _split(text_column(raw, "dispositif_programmes_nationaux"))
    kinds = np.array(["conum" if CONUM_PROGRAMME in p else
                      "france_services" if FRANCE_SERVICES_PROGRAMME in p else "mediation"
                      for p in carried], dtype=object)
    ids = text_column(raw, "id")
    frame = pd.DataFrame({
        "site_id": "lmn-" + ids,
        "register_id": ids,
        "nom": text_column(raw, "nom"),
        "kind": kinds,
        "code_insee": text_column(raw, "code_insee").map(insee_code),
        "code_postal": text_column(raw, "code_postal"),
        "commune": text_column(raw, "commune"),
        "lon": lon,
        "lat": lat,
        "presence_h": hours,
        "hours_problem": hour_problems,
        "horaires": text_column(raw, "horaires"),
        "itinerant": ["Itinérant" in p for p in _split(text_column(raw, "itinerance"))],
        "programmes": ["|".join(p) for p in carried],
        "pivot": text_column(raw, "pivot"),
        "as_of": row_dates(raw, path),
    })
    if programmes is not None:
        wanted = set(programmes)
        frame = frame.loc[[bool(wanted & set(p)) for p in carried]].reset_index(drop=True)
    as_of = frame["as_of"].max() if len(frame) else file_as_of(path)
    return Register(kind=KIND, path=path, frame=frame, as_of=as_of, problems=problems,
                    label=f"Source : lieux de médiation numérique, standard national ({path.name}, {as_of})")
