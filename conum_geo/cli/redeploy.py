"""``conum-geo redeploy``: where to put N posts to restore coverage after non-renewal."""

from __future__ import annotations

import json

import click

from ..loaders import load_territory
from ..model_report import format_redeployment, write_redeployment
from ..network import load_network
from ..optimize import OBJECTIVES
from ..redeploy import redeploy as redeploy_posts
from ..scenarios import DEFAULT_SCENARIO, load_scenario
from ..settings import Settings
from .model_options import assumptions_from, post_options
from .options import (
    dept_option, json_option, network_options, out_option, split_options, territory_options,
    threshold_option,
)


def _keep(ctx, param, value):
    ids = tuple(i.strip() for v in value for i in v.split(",") if i.strip())
    if "renewed" in ids and len(ids) > 1:
        raise click.BadParameter("give either 'renewed' or ids of sites or posts, not both")
    return ids or ("renewed",)


@click.command()
@dept_option
@click.option("--posts", "n_posts", type=click.IntRange(min=0), required=True,
              help="Nombre de postes à placer.")
@click.option("--keep", multiple=True, callback=_keep, metavar="renewed|ID[,ID]",
              help="Sites maintenus : 'renewed' (défaut : tous les sites encore ouverts après le "
                   "scénario) ou des identifiants de sites ou de postes (répétable).")
@click.option("--objective", type=click.Choice(list(OBJECTIVES)), default="mclp", show_default=True,
              help="mclp : population couverte maximale ; lscp : le moins de sites couvrant tout ; "
                   "pmedian : temps d'accès moyen minimal.")
@click.option("--scenario", "scenario_path", type=click.Path(dir_okay=False), default=None,
              help="Fichier TOML du scénario (défaut : le Département ne renouvelle pas ses postes).")
@click.option("--solver", type=click.Choice(["auto", "highs", "greedy"]), default="auto", show_default=True,
              help="auto : MILP exact (PuLP + HiGHS) si installé et de taille raisonnable, sinon glouton.")
@click.option("--time-limit", "time_limit_s", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Limite de temps du solveur MILP en secondes (l'écart à l'optimum est alors rapporté).")
@threshold_option
@post_options
@out_option
@json_option
@territory_options
@network_options
def redeploy(dept, n_posts, keep, objective, scenario_path, solver, time_limit_s, threshold_min,
             out_dir, as_json, **options):
    """Où placer N postes pour retrouver la couverture après des non-renouvellements."""
    assumptions, sources = assumptions_from(options)
    scenario = load_scenario(scenario_path) if scenario_path else DEFAULT_SCENARIO
    settings = scenario.settings(Settings()).with_overrides(threshold_min=threshold_min)
    territory_kwargs, network_kwargs = split_options(sources)
    territory = load_territory(dept, **territory_kwargs)
    graph = load_network(territory, **network_kwargs)
    result = redeploy_posts(territory, graph, n_posts, scenario, keep, objective, settings,
                            assumptions, solver, time_limit_s)
    if out_dir:
        written = write_redeployment(result, out_dir)
    if as_json:
        click.echo(json.dumps(result.summary(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_redeployment(result))
        if out_dir:
            click.echo("\nFichiers écrits : " + ", ".join(str(p) for p in written))
