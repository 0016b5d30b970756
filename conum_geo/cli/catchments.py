"""``conum-geo catchments``: isochrone bands and a travel-time surface around the sites."""

from __future__ import annotations

import click

from ..analysis.catchments import CELL_M, DEFAULT_MINUTES, catchments as compute_catchments, write_catchments
from ..settings import Settings
from .options import (
    dept_option, echo_outcome, json_option, kinds_option, load_inputs, network_options, territory_options,
)


def _minutes(ctx, param, value):
    try:
        minutes = tuple(float(m) for m in value.split(",") if m.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected minutes separated by commas, e.g. 10,20,30") from None
    if not minutes or min(minutes) <= 0:
        raise click.BadParameter(f"{value!r}: expected positive minutes, e.g. 10,20,30")
    return minutes


@click.command()
@dept_option
@click.option("--minutes", default=",".join(f"{m:g}" for m in DEFAULT_MINUTES), callback=_minutes,
              show_default=True, help="Limites des bandes de temps, en minutes.")
@kinds_option
@click.option("--cell", "cell_m", type=click.FloatRange(min=0, min_open=True), default=CELL_M,
              show_default=True, help="Taille des cellules de la surface de temps (m).")
@click.option("--from-sites", is_flag=True,
              help="Temps depuis les sites (déplacements des conseillers) au lieu de vers les sites.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, writable=True), required=True,
              help="Dossier où écrire isochrones.gpkg et travel_time.tif.")
@json_option
@territory_options
@network_options
def catchments(dept, minutes, kinds, cell_m, from_sites, out_dir, as_json, **sources):
    """Isochrones (bandes de temps de trajet) autour des lieux, et surface de temps."""
    territory, graph = load_inputs(dept, sources)
    settings = Settings().with_overrides(kinds=kinds)
    result = compute_catchments(territory, graph, minutes=minutes, kinds=settings.kinds,
                                settings=settings, cell_m=cell_m, toward_sites=not from_sites)
    written = write_catchments(result, out_dir)
    summary = result.summary()
    lines = [f"Isochrones de {summary['sites']} lieux ({summary['direction']}), réseau {summary['network']}"]
    lines += [f"  {band} min : " + f"{area:,.1f}".replace(",", "\u202f").replace(".", ",") + " km²"
              for band, area in summary["union_area_km2"].items()]
    lines += [f"  Attention : {note}" for note in summary["notes"]]
    echo_outcome(summary | {"files": [str(p) for p in written]}, "\n".join(lines), written, as_json)
