"""Geometry helpers shared by the readers: contour repairs, nearness to an area."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely


def polygonal_part(geometry):
    """The polygonal part of a repaired geometry (``shapely.make_valid`` may return a
    collection with lines or points); None when it has none."""
    if geometry is None or geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None


def within_distance(geometries: gpd.GeoSeries, area, distance_m: float) -> np.ndarray:
    """Boolean mask: the geometries within ``distance_m`` of ``area`` (same metric CRS).

    Through the spatial index and GEOS's ``dwithin`` (stops at the first close pair), not a
    full distance to a complex outline: 50 times faster for a département's communes.
    """
    mask = np.zeros(len(geometries), dtype=bool)
    if len(geometries) and area is not None and not area.is_empty:
        mask[geometries.sindex.query(area, predicate="dwithin", distance=distance_m)] = True
    return mask
