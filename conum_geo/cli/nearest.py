"""``conum-geo nearest``: the nearest open places from a commune, a point or an address."""

from __future__ import annotations

import click

from .options import (
    check_strict,
    echo_outcome,
    load_inputs,
    run_options,
    table_format,
)


def _lonlat(ctx, param, value):
    if value is None:
        return None
    try:
        lon, lat = (float(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter(f"{value!r} : « LON,LAT » attendu en degrés, ex. 3.16,46.99") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise click.BadParameter(f"{value!r} : longitude entre -180 et 180, latitude entre -90 et 90 attendues")
    return lon, lat


@click.command()
@click.option("--commune", "code_insee", default=None, help="Code INSEE de la commune (départ : sa mairie).")
@click.option("--lonlat", callback=_lonlat, default=None, metavar="LON,LAT", help="Point de départ en degrés (WGS84).")
@click.option("--adresse", "address", default=None,
              help="Adresse de départ, géocodée par le service d'adresses national (en ligne).")
@click.option("--dept", default=None, help="Département (défaut : celui de la commune ou de l'adresse).")
@click.option("--per-kind", type=click.IntRange(min=1, max=20), default=3, show_default=True,
              help="Lieux listés par type (conseillers numériques, France services, médiation).")
@click.option("--max-min", "cutoff_min", type=click.FloatRange(min=1, max=600), default=90.0, show_default=True,
              help="Temps de trajet maximal en minutes.")
@run_options
def nearest(code_insee, lonlat, address, dept, per_kind, cutoff_min, out_dir, csv_format, xlsx, as_json, **sources):
    """Les lieux ouverts les plus proches d'une commune, d'un point ou d'une adresse."""
    from ..analysis.nearest import commune_origin, nearest_places
    from ..core.departements import dept_of_commune, normalise_dept
    from ..outputs.directory import format_directory, write_directory
    from ..outputs.summary import result_notices

    given = [v is not None for v in (code_insee, lonlat, address)]
    if sum(given) != 1:
        raise click.UsageError("donner exactement un point de départ : --commune, --lonlat ou --adresse")
    label = ""
    if address is not None:
        from ..data.geocode import geocode

        found = geocode(address)
        lonlat, label = (found.lon, found.lat), f"{found.label} (adresse géocodée, score {found.score:.2f})"
        dept = dept or (dept_of_commune(found.code_insee) if found.code_insee else None)
    if code_insee is not None:
        code_insee = code_insee.strip().upper()
        dept = dept or dept_of_commune(code_insee)
    if dept is None:
        raise click.UsageError("--dept : département obligatoire avec --lonlat")
    territory, graph = load_inputs(normalise_dept(dept), sources)
    if code_insee is not None:
        x, y, label = commune_origin(territory, code_insee)
    else:
        import pyproj

        x, y = pyproj.Transformer.from_crs("EPSG:4326", territory.crs, always_xy=True).transform(*lonlat)
        label = label or f"{lonlat[0]:.5f}, {lonlat[1]:.5f}"
    result = nearest_places(territory, graph, x, y, origin=label, per_kind=per_kind, cutoff_min=cutoff_min)
    check_strict(result_notices(result))
    from ..outputs.summary import full_summary

    written = write_directory(result, out_dir, tables=table_format(csv_format, xlsx)) if out_dir else None
    echo_outcome(full_summary(result), format_directory(result, cutoff_min), written, as_json)
