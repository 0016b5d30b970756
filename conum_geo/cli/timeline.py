"""``conum-geo timeline``: population covered month by month over the contract calendar."""

from __future__ import annotations

import click

from ..core.settings import Settings
from .options import (
    check_strict,
    dept_option,
    echo_outcome,
    kinds_option,
    load_inputs,
    run_options,
    table_format,
    threshold_option,
)

_MONTH = click.DateTime(formats=["%Y-%m", "%Y-%m-%d"])


@click.command()
@dept_option
@click.option("--du", "first", type=_MONTH, default=None, metavar="AAAA-MM",
              help="Premier mois (défaut : le mois du premier début ou de la première fin de contrat).")
@click.option("--au", "last", type=_MONTH, default=None, metavar="AAAA-MM",
              help="Dernier mois (défaut : le mois qui suit la dernière fin de contrat).")
@threshold_option
@kinds_option
@run_options
def timeline(dept, first, last, threshold_min, kinds, out_dir, csv_format, xlsx, as_json, **sources):
    """Population couverte mois par mois, au fil des débuts et fins de contrats (tableau et graphique)."""
    from ..analysis.timeline import coverage_timeline
    from ..outputs.summary import full_summary, result_notices
    from ..outputs.timeline import format_timeline, write_timeline

    settings = Settings().with_overrides(threshold_min=threshold_min, kinds=kinds)
    territory, graph = load_inputs(dept, sources)
    result = coverage_timeline(territory, graph, settings=settings, first=first and first.date(),
                               last=last and last.date())
    check_strict(result_notices(result))
    written = write_timeline(result, out_dir, tables=table_format(csv_format, xlsx)) if out_dir else None
    echo_outcome(full_summary(result), format_timeline(result), written, as_json)
