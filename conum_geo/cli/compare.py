"""``conum-geo compare``: the same posts under centralité, multi-centralité and rayonnement."""

from __future__ import annotations

import json

import click

from ..compare import compare_models
from ..loaders import load_territory
from ..model_report import format_comparison, write_comparison
from ..network import load_network
from ..settings import Settings
from .model_options import assumptions_from, post_options, visit_options
from .options import (
    dept_option, json_option, network_options, out_option, split_options, territory_options,
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
@out_option
@json_option
@territory_options
@network_options
def compare(dept, n_posts, threshold_min, out_dir, as_json, **options):
    """Compare les modèles de déploiement (centralité, multi-centralité, rayonnement)."""
    assumptions, sources = assumptions_from(options)
    settings = Settings().with_overrides(threshold_min=threshold_min)
    territory_kwargs, network_kwargs = split_options(sources)
    territory = load_territory(dept, **territory_kwargs)
    graph = load_network(territory, **network_kwargs)
    result = compare_models(territory, graph, n_posts, settings, assumptions)
    if out_dir:
        written = write_comparison(result, out_dir)
    if as_json:
        click.echo(json.dumps(result.summary(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_comparison(result))
        if out_dir:
            click.echo("\nFichiers écrits : " + ", ".join(str(p) for p in written))
