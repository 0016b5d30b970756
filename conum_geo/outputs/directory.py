"""The orientation directory (``analysis.nearest``) in French: terminal text and files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..analysis.nearest import Directory
from ..core.vocabulary import SITE_KINDS
from .files import result_writer, write_json, write_outputs
from .summary import caveat_lines, full_summary, warning_lines
from .tables import Table, TableFormat
from .text import fmt_decimal, fmt_hours, fmt_min, fmt_number, site_labels

#: Plural French heading of each kind.
KIND_HEADINGS = {"conum": "Conseillers numériques", "france_services": "France services",
                 "mediation": "Lieux de médiation numérique"}


def _place_line(place: pd.Series, label: str) -> str:
    extra = []
    if place["evening_h"] > 0:
        extra.append(f"soir {fmt_decimal(place['evening_h'])} h")
    if place["saturday_h"] > 0:
        extra.append(f"samedi {fmt_decimal(place['saturday_h'])} h")
    hours = fmt_hours(place["presence_h"]) + (f" (dont {', '.join(extra)})" if extra else "")
    if place["presence_h_filled"] is True:
        hours += " (horaires non publiés : heures estimées)"
    parts = [f"{place['rank']}. {label} — {fmt_min(place['time_min'])}, "
             f"{fmt_decimal(place['dist_km'])} km — {hours}"]
    if place["itinerant"] is True:
        parts.append("itinérant")
    for label, column in (("horaires", "horaires"), ("offre", "services"), ("adresse", "adresse"),
                          ("tél.", "telephone")):
        if isinstance(place[column], str) and place[column]:
            parts.append(f"{label} : {place[column]}")
    return "\n     ".join(parts)


def nearby_codes(nearby: pd.DataFrame, sites: pd.DataFrame, labels: pd.Series
                 ) -> tuple[pd.Series, list[list[str]], list[str]]:
    """The communes' nearest open places in the compact form the maps expand
    (``ConumMap.expand``): per commune (index ``code_insee``) "@k,i,t;…" (heading k of
    ``KIND_HEADINGS``, place i, t tenths of a minute), the places once each ([label, hours
    text]) and the headings. A page thus carries each place's label once, not once per
    commune."""
    info = sites.set_index("site_id")
    kinds = list(KIND_HEADINGS)
    chosen = list(dict.fromkeys(nearby["site_id"]))
    position = {site: i for i, site in enumerate(chosen)}
    places = []
    for site in chosen:
        row = info.loc[site]
        hours = f"{fmt_number(row['presence_h_after'])} h/sem." if pd.notna(row["presence_h_after"]) else "horaires inconnus"
        hours += (", soir" if row["evening_h_after"] > 0 else "") + (", samedi" if row["saturday_h_after"] > 0 else "")
        places.append([str(labels.get(site, site)), hours])
    items = (nearby["kind"].map(kinds.index).astype(str) + "," + nearby["site_id"].map(position).astype(str) + ","
             + (nearby["time_min"] * 10).round().astype(int).astype(str))
    codes = "@" + items.groupby(nearby["code_insee"], sort=False).agg(";".join)
    return codes, places, [KIND_HEADINGS[k] for k in kinds]


def format_directory(result: Directory, cutoff_min: float) -> str:
    """The nearest places of each kind, nearest first.

    Parameters
    ----------
    result
        A ``Directory``.
    cutoff_min
        The time within which places were searched (said when a kind has none).

    Returns
    -------
    str
    """
    lines = [f"Lieux les plus proches de {result.origin} — temps de trajet en voiture (réseau {result.network})."]
    labels = site_labels(result.places, result.territory)
    for kind in SITE_KINDS:
        places = result.places.loc[result.places["kind"] == kind]
        lines += ["", f"{KIND_HEADINGS[kind]} :"]
        if places.empty:
            lines.append(f"  aucun lieu ouvert à moins de {cutoff_min:g} min")
        lines += [f"  {_place_line(place, labels[place['site_id']])}" for _, place in places.iterrows()]
    lines += [""] + [f"{source}" for source in result.territory.sources]
    return "\n".join(lines + caveat_lines(result) + warning_lines(result))


@result_writer
def write_directory(result: Directory, out_dir: str | Path, *, tables: TableFormat | None = None) -> list[Path]:
    """``nearest.csv`` and ``summary.json``.
    """
    return write_outputs(out_dir, {
        "nearest.csv": Table(result.places),
        "summary.json": lambda path: write_json(full_summary(result), path),
    }, tables=tables)
