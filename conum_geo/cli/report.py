"""``conum-geo report``: the printable département report (PDF), from the results of ``gaps``."""

from __future__ import annotations

import click

from ..core.settings import Settings
from .options import (
    check_strict,
    default_scenario,
    dept_option,
    echo_outcome,
    json_option,
    kinds_option,
    load_inputs,
    margin_option,
    network_options,
    on_option,
    scenario_option,
    territory_options,
    threshold_option,
)


@click.command()
@dept_option
@scenario_option
@on_option
@threshold_option
@margin_option
@kinds_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, writable=True), required=True,
              help="Dossier où écrire report.pdf et summary.json.")
@json_option
@territory_options
@network_options
def report(dept, scenario, on, threshold_min, margin_min, kinds, out_dir, as_json, **sources):
    """Rapport PDF imprimable du département : chiffres clés, carte, communes qui perdent la couverture, méthode."""
    from ..analysis.gaps import analyse_gaps
    from ..data.cost_files import load_costs
    from ..outputs.report import write_report
    from ..outputs.reports import format_gaps
    from ..outputs.summary import full_summary, result_notices

    scenario = default_scenario(scenario, False, on)
    settings = scenario.settings(Settings()).with_overrides(threshold_min=threshold_min, margin_min=margin_min,
                                                            kinds=kinds)
    territory, graph = load_inputs(dept, sources)
    result = analyse_gaps(territory, graph, scenario=scenario, settings=settings, costs=load_costs())
    check_strict(result_notices(result))
    written = write_report(result, out_dir)
    echo_outcome(full_summary(result), format_gaps(result), written, as_json)
