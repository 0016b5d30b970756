"""Options shared by several commands, defined once."""

from __future__ import annotations

import click

from ..departements import normalise_dept
from ..errors import UnknownDepartementError


def _dept(ctx, param, value):
    try:
        return normalise_dept(value)
    except UnknownDepartementError as exc:
        raise click.BadParameter(str(exc)) from None


dept_option = click.option(
    "--dept", required=True, callback=_dept, help="Code du département (COG), ex. 58."
)
threshold_option = click.option(
    "--threshold", "threshold_min", type=click.FloatRange(min=0, min_open=True), default=None,
    help="Seuil de couverture en minutes de trajet (défaut 20).",
)
out_option = click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, writable=True), default=None,
    help="Dossier où écrire les tables, la carte et le résumé.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Résumé en JSON sur la sortie standard.")



#: Options that choose where the territory (communes, sites, posts) comes from, keyed by the
#: keyword of ``conum_geo.loaders.load_territory`` they feed.
TERRITORY_OPTIONS: dict = {}
#: Options that choose the road network, keyed by the keyword of
#: ``conum_geo.network.load_network`` they feed.
NETWORK_OPTIONS: dict = {}


def _apply(options: dict):
    def wrap(command):
        for decorator in reversed(list(options.values())):
            command = decorator(command)
        return command
    return wrap


def territory_options(command):
    """Add every territory-source option to ``command`` (values arrive as keywords)."""
    return _apply(TERRITORY_OPTIONS)(command)


def network_options(command):
    """Add every network option to ``command`` (values arrive as keywords)."""
    return _apply(NETWORK_OPTIONS)(command)


def split_options(options: dict) -> tuple[dict, dict]:
    """Split a command's extra keywords into (territory keywords, network keywords)."""
    territory = {k: v for k, v in options.items() if k in TERRITORY_OPTIONS}
    network = {k: v for k, v in options.items() if k in NETWORK_OPTIONS}
    return territory, network
