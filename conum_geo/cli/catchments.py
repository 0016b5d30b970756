"""``conum-geo catchments``: isochrone bands and a travel-time surface around the sites."""

from __future__ import annotations

import json

import click

from ..catchments import CELL_M, DEFAULT_MINUTES, catchments as compute_catchments, write_catchments
from ..loaders import load_territory
from ..network import load_network
from ..settings import Settings
from .options import dept_option, json_option, kinds_option, network_options, split_options, territory_options


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
    territory_kwargs, network_kwargs = split_options(sources)
    territory = load_territory(dept, **territory_kwargs)
    graph = load_network(territory, **network_kwargs)
    result = compute_catchments(territory, graph, minutes=minutes, kinds=kinds or ("conum",),
                                settings=Settings(), cell_m=cell_m, toward_sites=not from_sites)
    written = write_catchments(result, out_dir)
    summary = result.summary()
    if as_json:
        click.echo(json.dumps(summary | {"files": [str(p) for p in written]}, ensure_ascii=False, indent=2))
        return
    click.echo(f"Isochrones de {summary['sites']} lieux ({summary['direction']}), réseau {summary['network']}")
    for band, area in summary["union_area_km2"].items():
        click.echo(f"  {band} min : {area:,.1f} km²".replace(",", " "))
    for note in summary["notes"]:
        click.echo(f"  Attention : {note}")
    click.echo("Fichiers écrits : " + ", ".join(str(p) for p in written))
