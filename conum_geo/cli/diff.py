"""``conum-geo diff``: communes that gain or lose coverage between two vintages of a register."""

from __future__ import annotations

from pathlib import Path

import click

from ..core.settings import Settings
from .options import (
    check_strict,
    dept_option,
    echo_outcome,
    kinds_option,
    margin_option,
    run_options,
    split_options,
    table_format,
    threshold_option,
)


@click.command()
@dept_option
@click.option("--before", "before_path", type=click.Path(dir_okay=False), required=True,
              help="Registre à la première date (ex. liste des France services de 2023).")
@click.option("--after", "after_path", type=click.Path(dir_okay=False), required=True,
              help="Le même registre à une date ultérieure.")
@threshold_option
@margin_option
@kinds_option
@run_options
def diff(dept, before_path, after_path, threshold_min, margin_min, kinds, out_dir, csv_format, xlsx, as_json,
         **sources):
    """Communes qui gagnent ou perdent la couverture entre deux versions d'un registre."""
    from ..analysis.diff import vintage_change
    from ..analysis.gaps import compare_coverage
    from ..data.vintages import REGISTER_SITE_KINDS, load_vintages
    from ..network import load_network
    from ..outputs.reports import format_gaps, write_gaps
    from ..outputs.summary import full_summary, result_notices

    territory_kwargs, network_kwargs = split_options(sources)
    before, after, register = load_vintages(dept, before_path, after_path, **territory_kwargs)
    change = vintage_change(before, after, label=f"{Path(before_path).name} → {Path(after_path).name}")
    settings = Settings(kinds=REGISTER_SITE_KINDS[register]).with_overrides(
        threshold_min=threshold_min, margin_min=margin_min, kinds=kinds)
    graph = load_network(change.territory, **network_kwargs)
    result = compare_coverage(change.territory, graph, change=change, settings=settings)
    check_strict(result_notices(result))
    written = write_gaps(result, out_dir, tables=table_format(csv_format, xlsx)) if out_dir else None
    echo_outcome(full_summary(result), format_gaps(result), written, as_json)
