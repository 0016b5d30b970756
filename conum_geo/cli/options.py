"""Options shared by several commands, defined once.

Light on purpose: it imports only click and the pure-Python registries, so that listing the
commands loads no library; the library is imported when a command runs.
"""

from __future__ import annotations

import click

from ..core.departements import normalise_dept
from ..core.errors import UnknownDepartementError
from ..core.settings import Settings
from ..core.vocabulary import BORDER_KM, CONTRACT_MONTHS, CSV_FORMATS, DEFAULT_BUFFER_KM, NETWORK_SOURCES, SITE_KINDS

_DEFAULTS = Settings()


def _dept(ctx, param, value):
    try:
        return normalise_dept(value)
    except UnknownDepartementError as exc:
        raise click.BadParameter(str(exc)) from None


dept_option = click.option(
    "--dept", required=True, callback=_dept, help="Code du département (COG), ex. 58."
)


def _depts(ctx, param, value):
    from ..core.departements import parse_depts

    if value is None:
        return None
    try:
        return parse_depts(value)
    except UnknownDepartementError as exc:
        raise click.BadParameter(str(exc)) from None


def _region(ctx, param, value):
    from ..core.departements import region_depts

    if value is None:
        return None
    try:
        return region_depts(value)
    except UnknownDepartementError as exc:
        raise click.BadParameter(str(exc)) from None


#: ``--dept`` of the commands that run many départements (``--dept 58,89``, ``--dept all``),
#: with ``--region`` and the options of the national run.
NATIONAL_OPTIONS: dict = {
    "depts": click.option("--dept", "depts", callback=_depts, default=None, metavar="CODE[,CODE]|all",
                          help="Département(s) (COG) : 58, ou 58,89,21, ou all (tous)."),
    "region": click.option("--region", callback=_region, default=None, metavar="CODE",
                           help="Tous les départements d'une région (code COG, ex. 27)."),
    "workers": click.option("--workers", type=click.IntRange(min=0), default=None,
                            help="Plusieurs départements : processus Dask locaux (défaut : un par cœur ; "
                                 "0 = sans Dask, en série)."),
    "scheduler": click.option("--scheduler", default=None, metavar="ADRESSE",
                              help="Plusieurs départements : ordonnanceur Dask (ex. tcp://10.0.0.5:8786 ; "
                                   "défaut : $DASK_SCHEDULER_ADDRESS, sinon un LocalCluster)."),
}


def chosen_depts(depts, region) -> tuple[str, ...]:
    """The départements of ``--dept`` and ``--region`` (at least one is required)."""
    chosen = tuple(dict.fromkeys((depts or ()) + (region or ())))
    if not chosen:
        raise click.UsageError("donner --dept (ex. 58, 58,89 ou all) ou --region")
    return chosen
threshold_option = click.option(
    "--threshold", "threshold_min", type=click.FloatRange(min=0, min_open=True), default=None,
    help=f"Seuil de couverture en minutes de trajet (défaut {_DEFAULTS.threshold_min:g}).",
)
out_option = click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, writable=True), default=None,
    help="Dossier où écrire les tables, la carte et le résumé.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Résumé en JSON sur la sortie standard.")
#: How tables are written with ``--out`` (``outputs.tables``).
TABLE_OPTIONS: dict = {
    "csv_format": click.option(
        "--csv-format", type=click.Choice(list(CSV_FORMATS)), default="standard", show_default=True,
        help="Tableaux CSV : " + " ; ".join(f"{k} = {v}" for k, v in CSV_FORMATS.items()) + "."),
    "xlsx": click.option("--xlsx", is_flag=True, help="Écrit aussi chaque tableau en classeur Excel (.xlsx)."),
}


def table_format(csv_format: str, xlsx: bool):
    """The ``outputs.tables.TableFormat`` of ``--csv-format`` and ``--xlsx``."""
    from ..outputs.tables import TableFormat

    return TableFormat(csv=csv_format, xlsx=xlsx)


#: The scenario of runs on several départements when none is given (it means something in each).
NATIONAL_SCENARIO = "employeurs-prives-non-renouveles"


def _scenario(ctx, param, value):
    from ..data.scenario_files import load_scenario

    return load_scenario(value) if value else None


def default_scenario(scenario, national: bool, on=None):
    """The scenario given, else the default: the Département withdraws (one département), the
    private employers withdraw (several: ``NATIONAL_SCENARIO``). With ``on`` (a date), the
    contracts ended by then end too; alone, it is the whole scenario."""
    from ..core.scenarios import DEFAULT_SCENARIO, dated
    from ..data.scenario_files import load_scenario

    if on is not None:
        return dated(scenario, on.date())
    if scenario is not None:
        return scenario
    return load_scenario(NATIONAL_SCENARIO) if national else DEFAULT_SCENARIO


on_option = click.option(
    "--on", "on", type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]), default=None, metavar="DATE",
    help="Situation à cette date (AAAA-MM-JJ) : les postes dont le contrat est échu (date connue, ou "
         "estimée : --contrats, --duree-contrat) et non renouvelé prennent fin ; s'ajoute à --scenario.",
)


scenario_option = click.option(
    "--scenario", default=None, callback=_scenario, metavar="FICHIER|NOM",
    help="Scénario : fichier TOML ou nom d'un exemple livré (departement-non-renouvele, "
         "associations-non-renouvelees, …) ; défaut : le Département ne renouvelle pas ses postes "
         f"(sur plusieurs départements : {NATIONAL_SCENARIO}).",
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
        "--border-km", type=click.FloatRange(min=0, max=100), default=BORDER_KM, show_default=True,
        help="Lieux gardés jusqu'à cette distance hors du département (les habitants passent la limite).",
    ),
    "arrondissements": click.option(
        "--arrondissements", type=click.Choice(["paris", "tous", "aucun"]), default="paris", show_default=True,
        callback=lambda ctx, param, value: {"paris": None, "tous": True, "aucun": False}[value],
        help="Paris, Lyon et Marseille par arrondissement municipal : Paris seul, les trois, ou aucun.",
    ),
    "place_declared_posts": click.option(
        "--postes-sans-lieu", "place_declared_posts", type=click.Choice(["ignorer", "adresse-employeur"]),
        default="ignorer", show_default=True, callback=lambda ctx, param, value: value == "adresse-employeur",
        help="Postes déclarés par un employeur mais vus dans aucun lieu d'activité : signalés et ignorés, "
             "ou placés à l'adresse de l'employeur (horaires remplis par la règle).",
    ),
    "contracts": click.option(
        "--contrats", "contracts", type=click.Path(dir_okay=False), default=None,
        help="Tableau des contrats (CSV ou XLSX : post_id, conseiller_id ou siret ; date_debut, date_fin ; "
             "statut).",
    ),
    "contract_months": click.option(
        "--duree-contrat", "contract_months", type=click.IntRange(min=1, max=120), default=CONTRACT_MONTHS,
        show_default=True, metavar="MOIS",
        help="Durée d'un contrat sans date de fin connue : fin estimée à son début (validation de "
             "l'employeur) plus ces mois.",
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


def run_options(command):
    """The options every analysis command ends with, in this order: ``--out``, the table
    formats, ``--json``, the territory's sources and the road network."""
    for decorator in (network_options, territory_options, json_option, table_options, out_option):
        command = decorator(command)
    return command


#: ``--dept`` (one or several), ``--region``, ``--workers``, ``--scheduler``.
national_options = apply_options(NATIONAL_OPTIONS)
#: ``--csv-format`` and ``--xlsx``.
table_options = apply_options(TABLE_OPTIONS)


def run_national(command: str, depts, sources: dict, out_dir, as_json: bool, *, workers, scheduler, tables=None,
                 **job) -> None:
    """Run a command on several départements (``national.run_departements``), write the atlas
    with ``--out``, and print the national summary."""
    from ..data.territory import load_national
    from ..national import Job, run_departements
    from ..outputs.atlas import format_national, write_atlas

    territory_kwargs, network_kwargs = split_options(sources)
    inputs = load_national(**territory_kwargs)
    result = run_departements(inputs, depts, Job(command=command, network=network_kwargs, tables=tables, **job),
                              out_dir=out_dir, workers=workers, scheduler=scheduler)
    check_strict([{"message": f"{row['dept']} : {row['warnings']} avertissement(s) (voir son summary.json)"}
                  for _, row in result.departements.iterrows() if row.get("warnings", 0)])
    written = write_atlas(result, out_dir, tables=tables) if out_dir else None
    echo_outcome(result.summary(), format_national(result), written, as_json)


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


def check_strict(warnings) -> None:
    """With ``conum-geo --strict``, raise ``StrictError`` when the run recorded ``warnings``
    (notices, or their dicts): called before anything is written."""
    from ..core.errors import StrictError

    context = click.get_current_context(silent=True)
    strict = bool(context and (context.find_root().obj or {}).get("strict"))
    warnings = list(warnings)
    if strict and warnings:
        first = warnings[0]
        text = first.text() if hasattr(first, "text") else first.get("message", str(first))
        raise StrictError(f"--strict : {len(warnings)} avertissement(s) ; le premier : {text}")


def say(text: str, *, err: bool = False) -> None:
    """Print ``text`` (a line for the user) with what a terminal would obey shown as codes
    (``outputs.text.terminal_text``: register data may hold escape sequences)."""
    from ..outputs.text import terminal_text

    click.echo(terminal_text(text), err=err)


def echo_outcome(summary: dict, text: str, written, as_json: bool) -> None:
    """Print a command's summary (strict JSON with ``--json``, else its French text) and its
    files."""
    if as_json:
        from ..outputs.files import dumps_json

        click.echo(dumps_json(summary))  # JSON escapes every control character itself
        return
    say(text)
    if written:
        say("\nFichiers écrits : " + ", ".join(str(p) for p in written))
