"""Options shared by several commands, defined once.

Light on purpose: it imports only click and the pure-Python registries, so that listing the
commands loads no library; the library is imported when a command runs.
"""

from __future__ import annotations

import click

from ..data.departements import normalise_dept
from ..errors import UnknownDepartementError
from ..settings import Settings
from ..vocabulary import BORDER_KM, DEFAULT_BUFFER_KM, NETWORK_SOURCES, SITE_KINDS

_DEFAULTS = Settings()


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
    help=f"Seuil de couverture en minutes de trajet (défaut {_DEFAULTS.threshold_min:g}).",
)
out_option = click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, writable=True), default=None,
    help="Dossier où écrire les tables, la carte et le résumé.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Résumé en JSON sur la sortie standard.")


def _scenario(ctx, param, value):
    from ..analysis.scenarios import DEFAULT_SCENARIO
    from ..data.scenario_files import load_scenario

    return load_scenario(value) if value else DEFAULT_SCENARIO


scenario_option = click.option(
    "--scenario", default=None, callback=_scenario, metavar="FICHIER|NOM",
    help="Scénario : fichier TOML ou nom d'un exemple livré (departement-non-renouvele, "
         "associations-non-renouvelees, …) ; défaut : le Département ne renouvelle pas ses postes.",
)


def _kinds(ctx, param, value):
    if value is None:
        return None
    kinds = tuple(k.strip() for k in value.split(",") if k.strip())
    unknown = [k for k in kinds if k not in SITE_KINDS]
    if unknown or not kinds:
        raise click.BadParameter(f"{unknown or value!r} : liste séparée par des virgules attendue, parmi "
                                 f"{', '.join(SITE_KINDS)}")
    return kinds


kinds_option = click.option(
    "--kinds", "--kind", "kinds", callback=_kinds, default=None, metavar="KIND[,KIND]",
    help=f"Types de lieux qui comptent pour la couverture (défaut {','.join(_DEFAULTS.kinds)}), "
         f"parmi : {', '.join(SITE_KINDS)}.",
)
margin_option = click.option(
    "--margin", "margin_min", type=click.FloatRange(min=0), default=None,
    help="Signale aussi les communes dont le temps d'accès augmente de plus de ces minutes "
         f"(défaut {_DEFAULTS.margin_min:g}).",
)

#: Options that choose where the territory (communes, sites, posts) comes from, keyed by the
#: keyword of ``conum_geo.loaders.load_territory`` they feed.
TERRITORY_OPTIONS: dict = {
    "data_dir": click.option(
        "--data-dir", type=click.Path(file_okay=False), default=None,
        help="Dossier de registres nationaux (fichiers reconnus par leur contenu, ex. le cache de "
             "`conum-geo data fetch`). Sans registre : démo illustrative.",
    ),
    "communes": click.option(
        "--communes", multiple=True, type=click.Path(dir_okay=False),
        help="Contours des communes (GeoJSON, GeoPackage, Shapefile) ; répétable.",
    ),
    "population": click.option("--population", type=click.Path(dir_okay=False), default=None,
                               help="Communes du COG INSEE avec populations (JSON)."),
    "epci": click.option("--epci", type=click.Path(dir_okay=False), default=None,
                         help="Composition des EPCI (JSON)."),
    "france_services": click.option("--france-services", type=click.Path(dir_okay=False), default=None,
                                    help="Liste ANCT des France services (CSV)."),
    "conum": click.option(
        "--conum", multiple=True, type=click.Path(dir_okay=False),
        help="Lieux d'activité et/ou structures des conseillers numériques (JSON) ; répétable.",
    ),
    "lieux": click.option("--lieux", type=click.Path(dir_okay=False), default=None,
                          help="Lieux de médiation numérique au standard national (CSV)."),
    "lieux_schema": click.option("--lieux-schema", type=click.Path(dir_okay=False), default=None,
                                 help="Schéma TableSchema du standard (schema.json) pour valider --lieux."),
    "lieux_programmes": click.option(
        "--programme", "lieux_programmes", multiple=True,
        help="Ne garder que les lieux de ce dispositif national (ex. « Conseillers numériques ») ; répétable.",
    ),
    "fragility": click.option("--fragility", type=click.Path(dir_okay=False), default=None,
                              help="Indice de fragilité numérique par IRIS (CSV)."),
    "density": click.option("--density", type=click.Path(dir_okay=False), default=None,
                            help="Grille communale de densité INSEE (CSV)."),
    "qpv": click.option("--qpv", type=click.Path(dir_okay=False), default=None,
                        help="Quartiers prioritaires (GeoJSON de points ou CSV)."),
    "border_km": click.option(
        "--border-km", type=click.FloatRange(min=0), default=BORDER_KM, show_default=True,
        help="Lieux gardés jusqu'à cette distance hors du département (les habitants passent la limite).",
    ),
}
#: Options that choose the road network, keyed by the keyword of
#: ``conum_geo.network.load_network`` they feed.
NETWORK_OPTIONS: dict = {
    "network": click.option(
        "--network", type=click.Choice(list(NETWORK_SOURCES)), default="proxy", show_default=True,
        help="Réseau routier : " + " ; ".join(f"{k} = {v}" for k, v in NETWORK_SOURCES.items()) + ".",
    ),
    "roads": click.option(
        "--roads", type=click.Path(exists=True, dir_okay=False), default=None,
        help="Fichier routier : OSM .osm.pbf/.osm (--network osm) ou BD TOPO .gpkg/.shp/.sql "
             "(--network bdtopo).",
    ),
    "buffer_km": click.option(
        "--buffer-km", type=click.FloatRange(min=0), default=DEFAULT_BUFFER_KM, show_default=True,
        help="Routes gardées jusqu'à cette distance du département (les habitants passent la limite).",
    ),
    "realism_factor": click.option(
        "--realism-factor", type=click.FloatRange(min=0, max=2, min_open=True), default=None,
        help="Facteur appliqué aux vitesses OSM (défaut 0,85 ; voir conum_geo.network.speeds).",
    ),
}


def apply_options(options: dict):
    """A decorator adding every option of the registry ``options`` to a command, in order
    (values arrive as keywords named after the registry's keys)."""
    def wrap(command):
        for decorator in reversed(list(options.values())):
            command = decorator(command)
        return command
    return wrap


#: Add every territory-source option to a command.
territory_options = apply_options(TERRITORY_OPTIONS)
#: Add every network option to a command.
network_options = apply_options(NETWORK_OPTIONS)


def split_options(options: dict) -> tuple[dict, dict]:
    """Split a command's extra keywords into (territory keywords, network keywords)."""
    territory = {k: v for k, v in options.items() if k in TERRITORY_OPTIONS}
    network = {k: v for k, v in options.items() if k in NETWORK_OPTIONS}
    return territory, network


def load_inputs(dept: str, options: dict):
    """The territory and road network a command's territory and network options choose."""
    from ..data.territory import load_territory
    from ..network import load_network

    territory_kwargs, network_kwargs = split_options(options)
    territory = load_territory(dept, **territory_kwargs)
    return territory, load_network(territory, **network_kwargs)


def echo_outcome(summary: dict, text: str, written, as_json: bool) -> None:
    """Print a command's summary (strict JSON with ``--json``, else its French text) and its
    files."""
    if as_json:
        from ..outputs.files import dumps_json

        click.echo(dumps_json(summary))
        return
    click.echo(text)
    if written:
        click.echo("\nFichiers écrits : " + ", ".join(str(p) for p in written))
