"""``conum-geo catchments``: isochrone bands and a travel-time surface around the sites."""

from __future__ import annotations

import click

from ..core.settings import Settings
from ..core.vocabulary import CATCHMENT_CELL_M, CATCHMENT_MINUTES
from .options import (
    check_strict,
    dept_option,
    echo_outcome,
    json_option,
    kinds_option,
    load_inputs,
    network_options,
    territory_options,
)


def _minutes(ctx, param, value):
    try:
        minutes = tuple(float(m) for m in value.split(",") if m.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} : minutes séparées par des virgules attendues, ex. 10,20,30") from None
    if not minutes or min(minutes) <= 0 or not all(m < float("inf") for m in minutes):
        raise click.BadParameter(f"{value!r} : minutes positives et finies attendues, ex. 10,20,30")
    return minutes


@click.command()
@dept_option
@click.option("--minutes", default=",".join(f"{m:g}" for m in CATCHMENT_MINUTES), callback=_minutes, show_default=True,
              help="Limites des bandes de temps, en minutes.")
@kinds_option
@click.option("--cell", "cell_m", type=click.FloatRange(min=1, max=10_000), default=CATCHMENT_CELL_M,
              show_default=True, help="Taille des cellules de la surface de temps (m).")
@click.option("--from-sites", is_flag=True,
              help="Temps depuis les sites (déplacements des conseillers) au lieu de vers les sites.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, writable=True), required=True,
              help="Dossier où écrire isochrones.gpkg, travel_time.tif et summary.json.")
@json_option
@territory_options
@network_options
def catchments(dept, minutes, kinds, cell_m, from_sites, out_dir, as_json, **sources):
    """Isochrones (bandes de temps de trajet) autour des lieux, et surface de temps."""
    from ..analysis.catchments import catchments as compute_catchments
    from ..outputs.catchments import format_catchments, write_catchments
    from ..outputs.summary import full_summary, result_notices

    territory, graph = load_inputs(dept, sources)
    settings = Settings().with_overrides(kinds=kinds)
    result = compute_catchments(territory, graph, settings=settings, minutes=minutes, cell_m=cell_m,
                                toward_sites=not from_sites)
    check_strict(result_notices(result))
    written = write_catchments(result, out_dir)
    echo_outcome(full_summary(result) | {"files": [str(p) for p in written]}, format_catchments(result),
                 written, as_json)
