"""The one table of sites every register reader produces, declared once.

A register of places (the France services list, the Conum lieux d'activité, the lieux of the
national standard, any format added later) becomes rows of ``REGISTER_SITES``: each reader
maps its source columns onto these (a small mapping per reader), computes what it must
(hours, ids, kind) and calls ``site_rows``, which fills every column the source lacks with its
stated default, in one order, with one type. What the territory keeps of them is
``core.territory.SITE_COLUMNS`` plus the columns here that the territory carries on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .vocabulary import SITE_KINDS


@dataclass(frozen=True)
class Column:
    """A column of the sites table: its name, type (``text``, ``float``, ``bool``, ``list``),
    the value of a source that has none, and what it holds."""

    name: str
    type: str
    default: object
    doc: str


#: Every column of a register's sites, in order.
REGISTER_SITES = (
    Column("site_id", "text", None, "the site's id in the product: a prefix of its register and its id there"),
    Column("register_id", "text", None, "its id in its register"),
    Column("nom", "text", "", "its name as the register gives it"),
    Column("kind", "text", None, f"what it is: {', '.join(SITE_KINDS)}"),
    Column("code_insee", "text", "", "its commune's code as the register gives it ('' when none: located later)"),
    Column("code_postal", "text", "", "its postcode"),
    Column("commune", "text", "", "its commune's name as the register gives it"),
    Column("lon", "float", np.nan, "WGS84 longitude (NaN when absent)"),
    Column("lat", "float", np.nan, "WGS84 latitude (NaN when absent)"),
    Column("presence_h", "float", np.nan, "weekly opening hours (NaN when unknown: filled by the hours rule)"),
    Column("evening_h", "float", np.nan, "of which after 18:00"),
    Column("saturday_h", "float", np.nan, "of which on Saturday"),
    Column("hours_problem", "text", "", "why its hours could not be read ('' when they could)"),
    Column("horaires", "text", "", "its opening hours as published"),
    Column("itinerant", "bool", False, "whether it moves (a bus, an itinerant lieu)"),
    Column("format", "text", "", "its format in its register (France services: Fixe, Itinérante…)"),
    Column("fs_type", "text", "", "France services: main site or antenna"),
    Column("programmes", "text", "", "the national programmes it carries, '|'-separated"),
    Column("structure_ref", "text", "", "its employer's id in its register (Conum lieux)"),
    Column("pivot", "text", "", "its structure's SIRET"),
    Column("conseiller_ids", "list", (), "the conseillers working there (Conum lieux)"),
    Column("adresse", "text", "", "its address"),
    Column("telephone", "text", "", "its phone number"),
    Column("services", "text", "", "what it offers, ' ; '-separated"),
    Column("as_of", "text", "", "the date of its entry (or of its register)"),
)
SITE_FIELDS = tuple(c.name for c in REGISTER_SITES)


def site_rows(n: int, **values) -> pd.DataFrame:
    """``n`` register sites: ``values`` (each a scalar or ``n`` values) for the columns the
    source has, the defaults of ``REGISTER_SITES`` for the others, in its order and types.
    A name outside the schema is a programming error (``KeyError``): the schema is the one
    place that says what a site is."""
    unknown = set(values) - set(SITE_FIELDS)
    if unknown:
        raise KeyError(f"columns outside the site schema: {sorted(unknown)}")
    columns = {}
    for column in REGISTER_SITES:
        given = values.get(column.name, column.default)
        if column.type == "list":
            items = [list(v) for v in given] if column.name in values else [[] for _ in range(n)]
            columns[column.name] = pd.Series(items, dtype=object)
            continue
        series = pd.Series(np.broadcast_to(np.asarray(given, dtype=object), (n,)), dtype=object)
        if column.type == "float":
            series = series.astype(float)
        elif column.type == "bool":
            series = series.astype(bool)
        columns[column.name] = series
    return pd.DataFrame(columns)
