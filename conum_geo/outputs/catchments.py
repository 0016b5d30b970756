"""Deliverables of ``catchments``: the isochrone GeoPackage, the GeoTIFF surface, the summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..analysis.catchments import CatchmentsResult, Grid
from ..errors import DataUnavailableError
from .files import write_geopackage, write_json, write_outputs
from .summary import caveat, caveat_lines, full_summary, warning_lines
from .text import fmt_area_km2


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
    for scope, layer in (("site", "sites"), ("union", "union")):
        frame = result.bands.loc[result.bands["scope"] == scope].drop(columns="scope").assign(caveat=caveat(result))
        write_geopackage(frame.reset_index(drop=True), path, layer=layer)


def write_catchments(result: CatchmentsResult, out_dir: str | Path) -> list[Path]:
    """``isochrones.gpkg`` (layers ``sites`` and ``union``), ``travel_time.tif`` and
    ``summary.json``, published as one set."""
    tags = {"direction": "vers le site le plus proche" if result.toward_sites else "depuis le site le plus proche",
            "network": result.network, "caveat": caveat(result)}
    return write_outputs(out_dir, {
        "isochrones.gpkg": lambda path: _write_bands(result, path),
        "travel_time.tif": lambda path: write_surface_tif(result.surface_min, result.grid, path, tags=tags),
        "summary.json": lambda path: write_json(full_summary(result), path),
    })


def format_catchments(result: CatchmentsResult) -> str:
    """French summary: the area of each band of the union of the sites."""
    s = result.summary()
    lines = [f"Isochrones de {s['sites']} lieux ({s['direction']}), réseau {s['network']}"]
    lines += [f"  {band} min : {fmt_area_km2(area)}" for band, area in s["union_area_km2"].items()]
    lines += caveat_lines(result) + warning_lines(result)
    return "\n".join(lines)
