"""``conum-geo data``: what the national registers hold, and downloading them."""

from __future__ import annotations

import click

from ..core.cache import cache_root
from ..core.errors import InputError
from .options import check_strict, dept_option, echo_outcome, json_option, say, territory_options


@click.group()
def data() -> None:
    """Registres nationaux : inventaire (info) et téléchargement (fetch)."""


@data.command()
@dept_option
@json_option
@territory_options
def info(dept, as_json, **sources):
    """Ce que contiennent les registres : effectifs par type, dates, postes, avertissements.

    Sans --data-dir ni fichier, lit le cache de `conum-geo data fetch`.
    """
    from ..data.register_info import format_info, registers_info
    from ..data.territory import REGISTER_OPTIONS

    if all(sources.get(k) in (None, ()) for k in ("data_dir", *REGISTER_OPTIONS)):
        cache = cache_root()
        if not cache.is_dir():
            raise InputError("aucun registre donné et pas de cache de téléchargement : passer "
                             "--data-dir DOSSIER ou lancer d'abord `conum-geo data fetch --dept DEPT`",
                             path=cache)
        sources["data_dir"] = cache
    result = registers_info(dept, **sources)
    check_strict(result["warnings"])
    echo_outcome(result, format_info(result), None, as_json)


@data.command()
@dept_option
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="Dossier du cache (défaut : $CONUM_GEO_CACHE_DIR, sinon $XDG_CACHE_HOME/conum-geo "
                   "ou ~/.cache/conum-geo).")
@click.option("--refresh", is_flag=True, help="Retélécharger même ce qui est en cache.")
@click.option("--roads", is_flag=True,
              help="Télécharger les extraits OpenStreetMap régionaux (Geofabrik) qui couvrent le département "
                   "et ses abords, au lieu des registres ; --network osm les lit ensuite.")
def fetch(dept, cache_dir, refresh, roads):
    """Télécharge les registres officiels dans le cache (reprise et sommes de contrôle)."""
    from ..data.sources import fetch_registers

    cache = cache_dir or cache_root()
    if roads:
        from ..data.road_extracts import fetch_extracts

        for region, path, status in fetch_extracts(dept, cache, refresh=refresh):
            say(f"{status:<11} {region:<16} {path}")
        say(f"\nUtiliser : conum-geo gaps --dept {dept} --network osm")
        return
    for fetched in fetch_registers(dept, cache, refresh=refresh):
        source = fetched.source
        where = fetched.path or f"à télécharger depuis {source.page}, puis {source.option} FICHIER"
        say(f"{fetched.status:<11} {source.key:<16} {where}")
    say(f"\nUtiliser : conum-geo gaps --dept {dept} --data-dir {cache}")
