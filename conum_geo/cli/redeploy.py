"""``conum-geo redeploy``: where to put N posts to restore coverage after non-renewal."""

from __future__ import annotations

import click

from ..core.settings import Settings
from ..core.vocabulary import OBJECTIVES, SOLVERS
from .cost_options import cost_options, costs_from
from .model_options import assumptions_from, post_options
from .options import (
    check_strict,
    default_scenario,
    dept_option,
    echo_outcome,
    load_inputs,
    run_options,
    scenario_option,
    table_format,
    threshold_option,
)


def _keep(ctx, param, value):
    ids = tuple(i.strip() for v in value for i in v.split(",") if i.strip())
    if "renewed" in ids and len(ids) > 1:
        raise click.BadParameter("donner soit « renewed », soit des identifiants de lieux ou de postes, pas les deux")
    return ids or ("renewed",)


@click.command()
@dept_option
@click.option("--posts", "n_posts", type=click.IntRange(min=0), default=None,
              help="Nombre de postes à placer (obligatoire, sauf pour --objective iso : "
                   "défaut, les postes que le scénario arrête, toujours financés).")
@click.option("--keep", multiple=True, callback=_keep, metavar="renewed|ID[,ID]",
              help="Sites maintenus : 'renewed' (défaut : tous les sites encore ouverts après le "
                   "scénario) ou des identifiants de sites ou de postes (répétable).")
@click.option("--objective", type=click.Choice(list(OBJECTIVES)), default="mclp", show_default=True,
              help="mclp : population couverte maximale ; lscp : le moins de sites couvrant tout ; "
                   "pmedian : temps d'accès moyen minimal ; iso : chaque point de présence perdu "
                   "remplacé à proximité.")
@click.option("--replace-within", "replace_within_min", type=click.FloatRange(min=0, min_open=True),
              default=None, help="iso : un point perdu est remplacé par un nouveau site à moins de R "
                                 "minutes (défaut : le seuil).")
@click.option("--fragility-weighting", is_flag=True, default=None,
              help="Pondère la demande de chaque commune par son indice de fragilité numérique.")
@scenario_option
@click.option("--solver", type=click.Choice(list(SOLVERS)), default="auto", show_default=True,
              help="auto : MILP exact (PuLP + HiGHS) si installé et de taille raisonnable, sinon glouton.")
@click.option("--time-limit", "time_limit_s", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Limite de temps du solveur MILP en secondes (l'écart à l'optimum est alors rapporté).")
@threshold_option
@post_options
@cost_options
@run_options
def redeploy(dept, n_posts, keep, objective, replace_within_min, fragility_weighting, scenario, solver,
             time_limit_s, threshold_min, out_dir, csv_format, xlsx, as_json, **options):
    """Où placer N postes pour retrouver la couverture après des non-renouvellements."""
    from ..models.redeploy import redeploy as redeploy_posts
    from ..outputs.model_reports import format_redeployment, redeployment_summary, write_redeployment
    from ..outputs.summary import result_notices

    if n_posts is None and objective != "iso":
        raise click.UsageError("--posts : nombre de postes à placer obligatoire (sauf pour --objective iso)")
    costs, funding, options = costs_from(options)
    assumptions, sources = assumptions_from(options)
    scenario = default_scenario(scenario, national=False)
    settings = scenario.settings(Settings()).with_overrides(threshold_min=threshold_min,
                                                            fragility_weighting=fragility_weighting)
    territory, graph = load_inputs(dept, sources)
    result = redeploy_posts(territory, graph, n_posts=n_posts, settings=settings, scenario=scenario,
                            keep=keep, objective=objective, assumptions=assumptions, solver=solver,
                            time_limit_s=time_limit_s, replace_within_min=replace_within_min, costs=costs,
                            funding=funding)
    check_strict(result_notices(result))
    written = write_redeployment(result, out_dir, tables=table_format(csv_format, xlsx)) if out_dir else None
    echo_outcome(redeployment_summary(result), format_redeployment(result), written, as_json)
