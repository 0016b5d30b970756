"""Deliverables of ``catchments``: the isochrone GeoPackage, the GeoTIFF surface, the map, the
summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.catchments import CatchmentsResult, Grid
from ..core.errors import DataUnavailableError
from ..core.vocabulary import CATCHMENT_METHODS as METHODS
from ..core.vocabulary import SITE_KINDS
from .files import result_writer, write_geopackage, write_json, write_outputs
from .map_frame import (
    Entry,
    add_site_layer,
    communes_layer,
    finish_map,
    landmarks_layer,
    legend_rows,
    new_map,
    save_map,
    site_entries,
    site_group,
    site_marker,
    to_wgs84,
)
from .maps import NO_ACCESS_COLOUR, map_title
from .summary import caveat, caveat_lines, full_summary, result_notices, warning_lines
from .tables import TableFormat
from .text import fmt_area_km2, fmt_hours, fmt_int, fmt_min, site_labels

#: Band colours, nearest first (one sequential hue: readable with any colour vision).
BAND_COLOURS = ("#fff7bc", "#fee391", "#fec44f", "#fe9929", "#ec7014", "#cc4c02", "#8c2d04")
#: Band polygons of a real network are simplified by this much (m) on the map.
BAND_SIMPLIFY_M = 50.0


def band_colours(n: int) -> list[str]:
    """``n`` colours of ``BAND_COLOURS``, spread from the lightest to the darkest."""
    picks = np.linspace(0, len(BAND_COLOURS) - 1, n).round().astype(int) if n > 1 else [2]
    return [BAND_COLOURS[i] for i in picks]


def write_surface_tif(surface_min: np.ndarray, grid: Grid, path: Path, *, tags: dict | None = None) -> None:
    """The travel-time surface as a GeoTIFF (float32 minutes, NaN = no value)."""
    try:
        import rasterio
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise DataUnavailableError("la sortie GeoTIFF demande rasterio : pip install 'conum-geo[raster]'") from exc
    profile = {"driver": "GTiff", "width": grid.width, "height": grid.height, "count": 1,
               "dtype": "float32", "crs": grid.crs, "transform": grid.transform, "nodata": np.nan,
               "compress": "deflate", "tiled": True, "blockxsize": 256, "blockysize": 256}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(surface_min.astype(np.float32), 1)
        dst.set_band_description(1, "temps de trajet (minutes)")
        dst.update_tags(units="minutes", **{k: str(v) for k, v in (tags or {}).items()})


def _write_bands(result: CatchmentsResult, path: Path) -> None:
    notes = {"caveat": caveat(result), "method": METHODS[result.method]}
    for scope, layer in (("site", "sites"), ("union", "union")):
        frame = result.bands.loc[result.bands["scope"] == scope].drop(columns="scope").assign(**notes)
        write_geopackage(frame.reset_index(drop=True), path, layer=layer)
    write_geopackage(result.communes.assign(**notes), path, layer="communes")


def catchments_map(result: CatchmentsResult):
    """The bands around every site (per commune on the proxy network), the communes' times and
    the sites."""
    territory = result.territory
    colours = band_colours(len(result.minutes))
    labels_by_band = [f"{lo:g} à {hi:g} min" for lo, hi in zip([0, *result.minutes[:-1]], result.minutes)]
    colour_of = dict(zip(labels_by_band, colours))
    communes = to_wgs84(result.communes, 30.0)
    m = new_map(communes)
    per_commune = result.method == "communes"
    if not per_commune:
        import folium

        union = to_wgs84(result.bands.loc[result.bands["scope"] == "union"], BAND_SIMPLIFY_M)
        union = union.loc[~union.geometry.is_empty]
        folium.GeoJson(union[["label", "geometry"]], name="Bandes de temps (ensemble des lieux)",
                       style_function=lambda f: {"fillColor": colour_of.get(f["properties"]["label"], NO_ACCESS_COLOUR),
                                                 "color": "#777777", "weight": 0.3, "fillOpacity": 0.6},
                       interactive=False).add_to(m)
    table = communes.assign(habitants=communes["population"].map(fmt_int), temps=communes["time_min"].map(fmt_min),
                            bande=communes["band"].where(communes["band"] != "", f"plus de {result.minutes[-1]:g} min"))
    fill = pd.Series([colour_of.get(b, NO_ACCESS_COLOUR) for b in communes["band"]], index=communes.index)
    communes_layer(m, table, "Communes : temps jusqu'au lieu le plus proche",
                   {"nom": "Commune", "code_insee": "Code INSEE", "habitants": "Population",
                    "temps": "Temps (chef-lieu)", "bande": "Bande"},
                   schemes={"bande": ("bande de temps", fill)}, show=per_commune)
    landmarks_layer(m, territory)
    sites = to_wgs84(territory.sites.loc[territory.sites["site_id"].isin(
        result.bands.loc[result.bands["scope"] == "site", "site_id"])])
    names = site_labels(sites, territory)
    for kind in SITE_KINDS:
        of_kind = sites.loc[sites["kind"] == kind]
        if len(of_kind):
            layer = site_group(f"Lieux : {SITE_KINDS[kind]}", len(of_kind))
            for _, site in of_kind.iterrows():
                site_marker(layer, site, f"{names[site['site_id']]} — {SITE_KINDS[kind]}, {fmt_hours(site['presence_h'])}")
            add_site_layer(m, layer)
    summary = result.summary()
    entries: list[Entry] = [(None, "heading", f"Temps {summary['direction']} les plus proches")]
    entries += [(c, "square", label) for label, c in colour_of.items()]
    entries += [(NO_ACCESS_COLOUR, "square", f"Plus de {result.minutes[-1]:g} min ou inaccessible")]
    entries += [(None, "heading", "Lieux")] + site_entries(sites["kind"])
    subtitle = (f"{summary['sites']} lieux ({', '.join(SITE_KINDS[k] for k in result.settings.kinds)}). "
                f"Méthode : {summary['method_label']}.")
    finish_map(m, territory.sources, territory.illustrative, result.network,
               map_title("Temps d'accès aux lieux", territory.dept), subtitle, legend_rows(entries),
               warnings=result_notices(result))
    return m


@result_writer
def write_catchments(result: CatchmentsResult, out_dir: str | Path, *,
                     tables: TableFormat | None = None) -> list[Path]:
    """``isochrones.gpkg`` (layers ``sites``, ``union``, ``communes``), ``travel_time.tif``,
    ``map.html`` and ``summary.json``, published as one set (``tables``: like every writer's;
    this set holds no table).
    """
    tags = {"direction": "vers le site le plus proche" if result.toward_sites else "depuis le site le plus proche",
            "network": result.network, "caveat": caveat(result), "method": METHODS[result.method]}
    return write_outputs(out_dir, {
        "isochrones.gpkg": lambda path: _write_bands(result, path),
        "travel_time.tif": lambda path: write_surface_tif(result.surface_min, result.grid, path, tags=tags),
        "map.html": lambda path: save_map(catchments_map(result), path),
        "summary.json": lambda path: write_json(full_summary(result), path),
    }, tables=tables)


def format_catchments(result: CatchmentsResult) -> str:
    """French summary: the area of each band of the union of the sites, and the method.

    Parameters
    ----------
    result
        A ``CatchmentsResult``.

    Returns
    -------
    str
    """
    s = result.summary()
    lines = [f"Isochrones de {s['sites']} lieux ({s['direction']}), réseau {s['network']}",
             f"Méthode : {s['method_label']}."]
    lines += [f"  {band} min : {fmt_area_km2(area)}" for band, area in s["union_area_km2"].items()]
    lines += caveat_lines(result) + warning_lines(result)
    return "\n".join(lines)
