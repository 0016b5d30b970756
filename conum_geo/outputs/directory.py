"""The orientation directory (``analysis.nearest``) in French: terminal text and files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..analysis.nearest import Directory
from ..vocabulary import SITE_KINDS
from .files import write_json, write_outputs
from .summary import caveat_lines, full_summary, warning_lines
from .tables import Table, TableFormat
from .text import fmt_decimal, fmt_hours, fmt_min, site_labels

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


def format_directory(result: Directory, cutoff_min: float) -> str:
    """The nearest places of each kind, nearest first."""
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


def write_directory(result: Directory, out_dir: str | Path, *, tables: TableFormat | None = None) -> list[Path]:
    """``nearest.csv`` and ``summary.json``."""
    return write_outputs(out_dir, {
        "nearest.csv": Table(result.places),
        "summary.json": lambda path: write_json(full_summary(result), path),
    }, tables=tables)
