"""Geometry repairs shared by the readers of commune contours."""

from __future__ import annotations

import shapely


def polygonal_part(geometry):
    """The polygonal part of a repaired geometry (``shapely.make_valid`` may return a
    collection with lines or points); None when it has none."""
    if geometry is None or geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None
