"""The orientation directory (``analysis.nearest``) in French: terminal text and files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..analysis.nearest import Directory
from ..vocabulary import SITE_KINDS
from .files import write_json, write_outputs
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


def nearby_texts(nearby: pd.DataFrame, sites: pd.DataFrame, labels: pd.Series) -> pd.Series:
    """Per commune (index ``code_insee``), its nearest open places of each kind as one French
    line for the map: 'France services : X (4,0 min, 24 h/sem., samedi) · …'."""
    info = sites.set_index("site_id")
    rows = nearby.join(info[["presence_h_after", "evening_h_after", "saturday_h_after"]], on="site_id")
    rows = rows.assign(
        text=[f"{labels.get(site, site)} ({fmt_min(time)}, {fmt_number(hours)} h/sem."
              + (", soir" if evening > 0 else "") + (", samedi" if saturday > 0 else "") + ")"
              for site, time, hours, evening, saturday in zip(rows["site_id"], rows["time_min"],
                                                              rows["presence_h_after"], rows["evening_h_after"],
                                                              rows["saturday_h_after"])])
    by_kind = rows.groupby(["code_insee", "kind"], sort=False)["text"].agg(" ; ".join).reset_index()
    by_kind["line"] = by_kind["kind"].map(KIND_HEADINGS) + " : " + by_kind["text"]
    return by_kind.groupby("code_insee", sort=False)["line"].agg(" · ".join)


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
