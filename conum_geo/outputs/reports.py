"""Deliverables of ``gaps``, ``diff`` and ``simulate``: the files of ``--out`` and the French
terminal summaries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.gaps import GapsResult
from ..analysis.simulate import SimulationResult
from .assumptions import renewal_lines, risk_lines, simulation_figure_lines
from .cost_text import scenario_cost_lines
from .files import result_writer, write_geopackage, write_json, write_outputs
from .map_frame import save_map
from .maps import gaps_map, simulation_map
from .reasons import ended_posts, with_reasons
from .summary import caveat_lines, full_summary, warning_lines
from .tables import Table, TableFormat
from .text import fmt_decimal, fmt_int, fmt_min, plural, site_labels

COMMUNE_COLUMNS = [
    "code_insee", "nom", "commune_code", "population", "fragility", "status", "flagged", "reason", "reason_code",
    "baseline_min", "scenario_min", "delta_min", "baseline_site", "scenario_site",
    "covered_before", "covered_after", "presence_h_before", "presence_h_after", "ratio_before",
    "ratio_after", "evening_h_before", "evening_h_after", "saturday_h_before", "saturday_h_after",
    "france_services_min", "france_services_site", "off_network_m", "site_off_network_m",
]
SIMULATION_COLUMNS = ["code_insee", "nom", "commune_code", "population", "covered_before", "p_lose",
                      "p_lose_se", "expected_population_lost"]


def _write(out_dir: str | Path, communes, columns: list[str], result, make_map, extra: dict | None,
           tables: TableFormat | None, more: dict | None = None) -> list[Path]:
    """Write ``communes.csv``/``.gpkg``, ``map.html``, ``summary.json`` (with ``extra``) and the
    writers of ``more`` as one set."""
    return write_outputs(out_dir, {
        "communes.csv": Table(communes[columns]),
        "communes.gpkg": lambda path: write_geopackage(communes[columns + ["geometry"]], path, layer="communes"),
        "map.html": lambda path: save_map(make_map(result), path),
        **(more or {}),
        "summary.json": lambda path: write_json(full_summary(result, **(extra or {})), path),
    }, tables=tables)


@result_writer
def write_gaps(result: GapsResult, out_dir: str | Path, *, extra: dict | None = None,
               tables: TableFormat | None = None) -> list[Path]:
    """Write the files of a gaps result (``_write``; ``extra`` goes into ``summary.json``).

    Rows: flagged communes first, then those uncovered before, each by population.
    """
    c = with_reasons(result)
    group = pd.Series(np.select([c["flagged"], ~c["covered_before"]], [0, 1], 2), index=c.index)
    communes = c.assign(group=group).sort_values(
        ["group", "population", "code_insee"], ascending=[True, False, True])
    return _write(out_dir, communes, COMMUNE_COLUMNS, result, gaps_map, extra, tables,
                  more={"posts_ended.csv": Table(ended_posts(result)),
                        **({} if result.costs is None else {"costs.csv": Table(result.costs.rename_axis("state").reset_index())})})


#: Short French name of each flag reason, for the terminal table.
SHORT_REASONS = {"lost_cover": "perte", "time_up": "temps", "ratio_down": "ratio"}


def _ended_posts_text(n_posts: int) -> str:
    if n_posts == 0:
        return "aucun poste ne prend fin dans ce scénario"
    return f"{n_posts} poste{'s' if n_posts > 1 else ''} arrêté{'s' if n_posts > 1 else ''}"


def ended_lines(result: GapsResult, top: int = 8) -> list[str]:
    """The posts that end, by employer and reason (the ``top`` largest groups)."""
    ended = ended_posts(result)
    if ended.empty:
        return []
    groups = (ended.assign(employeur=ended["employeur"].fillna(ended["structure_id"]))
              .groupby(["employeur", "reason"], sort=False).size().sort_values(ascending=False, kind="stable"))
    lines = [f"Postes arrêtés ({len(ended)}) :"]
    lines += [f"  - {employer} : {plural(n, 'poste')} — {reason}" for (employer, reason), n in groups.head(top).items()]
    if len(groups) > top:
        lines.append(f"  … et {len(groups) - top} autres groupes (posts_ended.csv)")
    return lines


def _units_text(summary: dict) -> str:
    """`` (20 unités : arrondissements municipaux)`` when units differ from communes."""
    if summary["units"] == summary["communes"] - summary["communes_unlocated"]:
        return ""
    return f" ({summary['units']} unités d'analyse : arrondissements municipaux)"


def format_gaps(result: GapsResult, top: int = 10) -> str:
    """Short French summary with the ``top`` most populous flagged communes.

    Parameters
    ----------
    result
        A ``GapsResult``.
    top
        How many communes the table lists.

    Returns
    -------
    str
    """
    s = result.summary()
    ratio_rule = ("" if s["ratio_drop_share"] is None
                  else f", baisse du ratio de plus de {s['ratio_drop_share'] * 100:g} %")
    lines = [
        f"Département {s['dept']} — scénario : {result.label}",
        f"{plural(s['communes'], 'commune')}{_units_text(s)}, {fmt_int(s['population'])} habitants ; seuil "
        f"{s['threshold_min']:g} min, marge {s['margin_min']:g} min ; réseau {s['network']}"
        + f" ; {_ended_posts_text(s['ended_posts'])}.",
        f"Couvertes avant : {s['covered_before_communes']} communes "
        f"({fmt_int(s['covered_before_population'])} hab.) ; après : "
        f"{s['covered_after_communes']} communes ({fmt_int(s['covered_after_population'])} hab.).",
        f"Non couvertes dès aujourd'hui : {s['uncovered_before_communes']} communes, "
        f"{fmt_int(s['uncovered_before_population'])} habitants.",
        f"Perdent la couverture : {s['lost_cover_communes']} communes, "
        f"{fmt_int(s['lost_cover_population'])} habitants.",
        f"Signalées (perte, hausse du temps de plus de la marge{ratio_rule}) : "
        f"{s['flagged_communes']} communes, {fmt_int(s['flagged_population'])} habitants.",
    ]
    lines.append(f"Présence à horaires adaptés à moins de {s['threshold_min']:g} min (horaires publiés) : le soir "
                 f"(après 18 h) {fmt_int(s['evening_before_population'])} hab. avant, "
                 f"{fmt_int(s['evening_after_population'])} après ; le samedi {fmt_int(s['saturday_before_population'])} "
                 f"avant, {fmt_int(s['saturday_after_population'])} après.")
    if s["gained_communes"]:
        lines.append(f"Gagnent la couverture : {s['gained_communes']} communes, "
                     f"{fmt_int(s['gained_population'])} habitants.")
    lines += ended_lines(result)
    if result.costs is not None:
        lines += scenario_cost_lines(result.costs, result.costs_source)
    lines += caveat_lines(result) + warning_lines(result)
    flagged = result.flagged.head(top)
    if len(flagged):
        lines.append("")
        lines.append(f"{'Commune':<28} {'INSEE':<6} {'Hab.':>7} {'Avant':>9} {'Après':>9} "
                     f"{'Motif':<11} {'Fr. serv.':>9}  Présence la plus proche après")
        labels = site_labels(result.sites, result.territory)
        for _, row in flagged.iterrows():
            reason = "+".join(SHORT_REASONS[c] for c in row["reason_code"].split("+"))
            lines.append(
                f"{row['nom'][:28]:<28} {row['code_insee']:<6} {fmt_int(row['population']):>7} "
                f"{fmt_min(row['baseline_min']):>9} {fmt_min(row['scenario_min']):>9} "
                f"{reason:<11} {fmt_min(row['france_services_min']):>9}  "
                f"{labels.get(row['scenario_site_id'], 'aucune')}"
            )
    return "\n".join(lines)


@result_writer
def write_simulation(result: SimulationResult, out_dir: str | Path, *, extra: dict | None = None,
                     tables: TableFormat | None = None) -> list[Path]:
    """Write the files of a simulation (``_write``); most inhabitants expected to lose coverage first.
    """
    communes = result.communes.sort_values(
        ["expected_population_lost", "population", "code_insee"], ascending=[False, False, True])
    return _write(out_dir, communes, SIMULATION_COLUMNS, result, simulation_map, extra, tables)


def format_simulation(result: SimulationResult, top: int = 10) -> str:
    """Short French summary: assumptions, figures with their errors, main risks, then the ``top``
    communes with most inhabitants expected to lose coverage.

    Parameters
    ----------
    result
        A ``SimulationResult``.
    top
        How many communes the table lists.

    Returns
    -------
    str
    """
    s = result.summary()
    lines = [f"Département {s['dept']} — tirages de renouvellement (graine {s['seed']}) ; seuil "
             f"{s['threshold_min']:g} min ; réseau {s['network']}."]
    lines += renewal_lines(s) + simulation_figure_lines(s) + risk_lines(s)
    lines += caveat_lines(result) + warning_lines(result)
    exposed = result.communes.loc[result.communes["p_lose"] > 0].sort_values(
        ["expected_population_lost", "code_insee"], ascending=[False, True]).head(top)
    if len(exposed):
        lines.append("")
        lines.append(f"{'Commune':<32} {'INSEE':<6} {'Hab.':>8} {'Proba.':>7} {'± (e.t.)':>8} {'Hab. attendus':>14}")
        for _, row in exposed.iterrows():
            lines.append(f"{row['nom'][:32]:<32} {row['code_insee']:<6} {fmt_int(row['population']):>8} "
                         f"{fmt_decimal(row['p_lose'] * 100):>6} % {fmt_decimal(row['p_lose_se'] * 100):>6} pt "
                         f"{fmt_int(round(row['expected_population_lost'])):>13}")
    return "\n".join(lines)
