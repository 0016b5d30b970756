"""``conum-geo gaps``: communes uncovered today and communes whose coverage degrades.

One département runs in this process; several (``--dept 58,89``, ``--dept all``,
``--region 27``) run as a national run (``national``), one folder per département and the
atlas in ``france/``.
"""

from __future__ import annotations

import click

from ..core.settings import Settings
from ..core.vocabulary import SUPPLY_MEASURES
from .cost_options import cost_options, costs_from
from .options import (
    check_strict,
    chosen_depts,
    default_scenario,
    echo_outcome,
    kinds_option,
    load_inputs,
    margin_option,
    national_options,
    on_option,
    run_national,
    run_options,
    scenario_option,
    table_format,
    threshold_option,
)


@click.command()
@national_options
@scenario_option
@on_option
@threshold_option
@margin_option
@kinds_option
@click.option("--ratio-drop", "ratio_drop_share", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="Signale aussi les communes dont le ratio d'accessibilité baisse de plus de cette "
                   "part (ex. 0.5 = divisé par deux ; désactivé par défaut).")
@click.option("--supply", type=click.Choice(list(SUPPLY_MEASURES)), default=None,
              help="Offre d'un lieu dans le ratio : heures de présence (défaut) ou ETP.")
@click.option("--fragility-weighting", is_flag=True, default=None,
              help="Pondère la demande de chaque commune par son indice de fragilité numérique.")
@cost_options
@run_options
def gaps(depts, region, workers, scheduler, scenario, on, threshold_min, margin_min, kinds, ratio_drop_share,
         supply, fragility_weighting, out_dir, csv_format, xlsx, as_json, **sources):
    """Communes non couvertes et communes qui perdent la couverture dans un scénario."""
    costs, funding, sources = costs_from(sources)
    depts = chosen_depts(depts, region)
    national = len(depts) > 1 or region is not None
    tables = table_format(csv_format, xlsx)
    scenario = default_scenario(scenario, national, on)
    settings = scenario.settings(Settings()).with_overrides(
        threshold_min=threshold_min, margin_min=margin_min, kinds=kinds,
        ratio_drop_share=ratio_drop_share, supply=supply, fragility_weighting=fragility_weighting)
    if national:
        run_national("gaps", depts, sources, out_dir, as_json, workers=workers, scheduler=scheduler,
                     settings=settings, scenario=scenario, tables=tables, costs=costs, funding=funding)
        return
    from ..analysis.gaps import analyse_gaps
    from ..outputs.reports import format_gaps, write_gaps
    from ..outputs.summary import full_summary, result_notices

    territory, graph = load_inputs(depts[0], sources)
    result = analyse_gaps(territory, graph, scenario=scenario, settings=settings, costs=costs, funding=funding)
    check_strict(result_notices(result))
    written = write_gaps(result, out_dir, tables=tables) if out_dir else None
    echo_outcome(full_summary(result), format_gaps(result), written, as_json)
