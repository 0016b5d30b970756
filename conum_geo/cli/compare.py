"""``conum-geo compare``: the same posts under centralité, multi-centralité and rayonnement."""

from __future__ import annotations

import click

from ..core.settings import Settings
from .cost_options import cost_options, costs_from
from .model_options import assumptions_from, post_options, visit_options
from .options import (
    check_strict,
    dept_option,
    echo_outcome,
    load_inputs,
    run_options,
    table_format,
    threshold_option,
)


@click.command()
@dept_option
@click.option("--posts", "n_posts", type=click.IntRange(min=1), default=None,
              help="Nombre de postes à déployer, répartis entre intercommunalités selon leur "
                   "population (défaut : les postes actuels).")
@threshold_option
@post_options
@visit_options
@cost_options
@run_options
def compare(dept, n_posts, threshold_min, out_dir, csv_format, xlsx, as_json, **options):
    """Compare les modèles de déploiement (centralité, multi-centralité, rayonnement)."""
    from ..models.compare import compare_models
    from ..outputs.model_reports import comparison_summary, format_comparison, write_comparison
    from ..outputs.summary import result_notices

    costs, funding, options = costs_from(options)
    assumptions, sources = assumptions_from(options)
    settings = Settings().with_overrides(threshold_min=threshold_min)
    territory, graph = load_inputs(dept, sources)
    result = compare_models(territory, graph, settings=settings, n_posts=n_posts, assumptions=assumptions,
                            costs=costs, funding=funding)
    check_strict(result_notices(result))
    written = write_comparison(result, out_dir, tables=table_format(csv_format, xlsx)) if out_dir else None
    echo_outcome(comparison_summary(result), format_comparison(result), written, as_json)
