"""Deliverables of ``timeline``: the monthly table, its chart, the summary and the terminal text."""

from __future__ import annotations

from pathlib import Path

from ..analysis.timeline import TimelineResult
from ..core.departements import territory_name
from ..core.vocabulary import SITE_KINDS
from .charts import month_label, step_chart
from .files import result_writer, write_json, write_lines, write_outputs
from .summary import caveat, caveat_lines, full_summary, warning_lines
from .tables import Table, TableFormat
from .text import fmt_int, fmt_pct, plural


def _subtitle(result: TimelineResult) -> str:
    kinds = ", ".join(SITE_KINDS[k] for k in result.settings.kinds)
    return (f"Habitants ayant une permanence régulière ({kinds}) à moins de "
            f"{result.settings.threshold_min:g} min, le 1er de chaque mois")


def timeline_svg(result: TimelineResult) -> str:
    """The chart of the population covered month by month."""
    m = result.months
    s = result.summary()
    marks = {row["month"]: f"−{plural(row['posts_ended'], 'poste')}" for _, row in m.iterrows() if row["posts_ended"]}
    notes = []
    if s["posts_end_estimated"]:
        notes.append(f"Fins de contrat estimées pour {s['posts_end_estimated']} des {s['posts']} postes "
                     "(début + durée de contrat), faute de date connue.")
    if s["posts_end_unknown"]:
        notes.append(f"{s['posts_end_unknown']} poste(s) sans date de fin : comptés au travail tout le calendrier.")
    if caveat(result):
        notes.append(caveat(result))
    notes.append("Sources : " + " ; ".join(result.territory.sources))
    return step_chart(list(m["month"]), list(m["population_covered"]),
                      title=f"Population couverte mois par mois — {territory_name(result.territory.dept)} "
                            f"({result.territory.dept})",
                      subtitle=_subtitle(result), y_label="habitants couverts", marks=marks, notes=notes)


@result_writer
def write_timeline(result: TimelineResult, out_dir: str | Path, *, extra: dict | None = None,
                   tables: TableFormat | None = None) -> list[Path]:
    """Write ``timeline.csv``, ``timeline.svg`` and ``summary.json`` as one set.
    """
    return write_outputs(out_dir, {
        "timeline.csv": Table(result.months),
        "timeline.svg": lambda path: write_lines([timeline_svg(result).rstrip("\n")], path),
        "summary.json": lambda path: write_json(full_summary(result, **(extra or {})), path),
    }, tables=tables)


def format_timeline(result: TimelineResult) -> str:
    """French terminal summary: the headline, then the months where something changes.

    Parameters
    ----------
    result
        A ``TimelineResult``.

    Returns
    -------
    str
    """
    s = result.summary()
    lines = [
        f"Département {s['dept']} — calendrier des contrats, {month_label(s['first_month'])} à "
        f"{month_label(s['last_month'])}",
        _subtitle(result) + ".",
        f"Population couverte : {fmt_int(s['population_covered_first'])} au début, "
        f"{fmt_int(s['population_covered_last'])} à la fin ; au plus bas {fmt_int(s['population_covered_min'])} "
        f"({month_label(s['population_covered_min_month'])}).",
    ]
    lines += caveat_lines(result) + warning_lines(result)
    lines += ["", f"{'Mois':<10} {'Postes':>6} {'Arrivées':>8} {'Départs':>8} {'Communes':>9} {'Habitants':>10} {'Part':>6}"]
    previous = None
    for _, row in result.months.iterrows():
        state = (row["posts_at_work"], row["population_covered"])
        if state == previous:
            continue
        previous = state
        lines.append(f"{month_label(row['month']):<10} {row['posts_at_work']:>6} {row['posts_started']:>8} "
                     f"{row['posts_ended']:>8} {row['communes_covered']:>9} {fmt_int(row['population_covered']):>10} "
                     f"{fmt_pct(row['population_covered_share']):>6}")
    lines.append("(seuls les mois où quelque chose change ; tous les mois dans timeline.csv)")
    return "\n".join(lines)
