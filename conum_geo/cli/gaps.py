"""``conum-geo gaps``: communes that lose coverage in a non-renewal scenario."""

from __future__ import annotations

import json

import click

from ..gaps import analyse_gaps
from ..loaders import load_territory
from ..network import load_network
from ..report import format_gaps, write_gaps
from ..scenarios import DEFAULT_SCENARIO, load_scenario
from ..settings import Settings
from .options import (
    dept_option, json_option, network_options, out_option, split_options, territory_options,
    threshold_option,
)


@click.command()
@dept_option
@click.option("--scenario", "scenario_path", type=click.Path(dir_okay=False), default=None,
              help="Fichier TOML du scénario (défaut : le Département ne renouvelle pas ses postes).")
@threshold_option
@out_option
@json_option
@territory_options
@network_options
def gaps(dept, scenario_path, threshold_min, out_dir, as_json, **sources):
    """Communes qui perdent la couverture après des non-renouvellements."""
    scenario = load_scenario(scenario_path) if scenario_path else DEFAULT_SCENARIO
    settings = Settings().with_overrides(threshold_min=threshold_min)
    territory_kwargs, network_kwargs = split_options(sources)
    territory = load_territory(dept, **territory_kwargs)
    graph = load_network(territory, **network_kwargs)
    result = analyse_gaps(territory, graph, scenario, settings)
    if out_dir:
        written = write_gaps(result, out_dir)
    if as_json:
        click.echo(json.dumps(result.summary(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_gaps(result))
        if out_dir:
            click.echo("\nFichiers écrits : " + ", ".join(str(p) for p in written))
