"""Catchments: travel-time surfaces and isochrone bands, per site and for all sites.

The surface gives, for every cell of a regular grid, the travel time between the cell's
centre and the nearest site, with the same model the engine applies to communes: the point
joins the network at the nearest *network point* (a node, or a point along an arc, sampled
every half cell) by a straight leg at the off-network speed. The time of a point along arc
u → v at fraction f is interpolated along that arc (people → site: ``(1 - f) w + T(v)``; site
→ people: ``T(u) + f w``), the best of both directions when the road is two-way. On a real
network, cells farther than ``MAX_LEG_M`` from any road stay empty (NaN); on the proxy
network every cell is filled (its arcs are not roads).

Bands (0–10, 10–20, 20–30 min by default) are polygonised from the surface with rasterio:
polygons follow the cells, holes included; never a convex hull. The union surface is the
minimum over the per-site surfaces.

On the **proxy network** times are only known at the communes' origins (its arcs join them in
straight lines; they are not roads), so a surface would draw star-shaped spokes along them and
extrapolate beyond the border. There, catchments are drawn **per commune**: each commune takes
the time of its origin, a band is the union of the communes in it, and the surface gives each
cell the time of the commune it lies in (``method`` ``communes``, said in every output). On
every network ``communes`` holds each commune's time to (or from) the nearest site and its band.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from ..core.arrays import runs
from ..core.errors import DataUnavailableError, InputError, ParameterError
from ..core.messages import says
from ..core.progress import progress
from ..core.settings import Settings, check_finite
from ..core.territory import Territory
from ..core.vocabulary import (
    ALL_SITES,
    CATCHMENT_CELL_M,
    CATCHMENT_METHODS,
    CATCHMENT_MINUTES,
    TRAVEL_DIRECTIONS,
    band_label,
)
from ..network.graph import RoadGraph
from ..network.segments import node_pairs
from .engine import bounded_searches, nearest_source, snap, sweep, time_table

log = logging.getLogger(__name__)

#: Margin around the territory (m).
MARGIN_M = 5000.0
#: On real networks, cells farther than this from any road are left empty (m).
MAX_LEG_M = 2000.0


@dataclass(frozen=True)
class Grid:
    """A north-up raster grid: top-left corner, square cells, size, CRS."""

    x0: float
    y1: float
    cell_m: float
    width: int
    height: int
    crs: str

    @classmethod
    def covering(cls, bounds, cell_m: float, crs: str) -> Grid:
        """The smallest grid of ``cell_m`` cells (aligned on multiples of it) covering ``bounds``."""
        if not cell_m > 0:
            raise ParameterError(says("cell", value=cell_m))
        xmin, ymin, xmax, ymax = bounds
        x0, y0 = np.floor(xmin / cell_m) * cell_m, np.floor(ymin / cell_m) * cell_m
        x1, y1 = np.ceil(xmax / cell_m) * cell_m, np.ceil(ymax / cell_m) * cell_m
        width, height = int(round((x1 - x0) / cell_m)), int(round((y1 - y0) / cell_m))
        return cls(float(x0), float(y1), float(cell_m), max(width, 1), max(height, 1), crs)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre coordinates, row-major from the top-left cell."""
        cols = self.x0 + (np.arange(self.width) + 0.5) * self.cell_m
        rows = self.y1 - (np.arange(self.height) + 0.5) * self.cell_m
        xx, yy = np.meshgrid(cols, rows)
        return xx.ravel(), yy.ravel()

    def cell_of(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """(row, col) of the cells holding points (may fall outside the grid)."""
        col = np.floor((np.asarray(x) - self.x0) / self.cell_m).astype(int)
        row = np.floor((self.y1 - np.asarray(y)) / self.cell_m).astype(int)
        return row, col

    @property
    def transform(self):
        from rasterio.transform import from_origin

        return from_origin(self.x0, self.y1, self.cell_m, self.cell_m)


class SurfaceSampler:
    """Network points (nodes, then points along arcs) and each cell's nearest one.

    Built once per graph and grid; ``surface(node_time_s)`` then costs a few array
    operations, so per-site surfaces are cheap.
    """

    def __init__(self, graph: RoadGraph, grid: Grid, *, off_network_speed_kmh: float,
                 max_leg_m: float | None):
        self.graph, self.grid = graph, grid
        # One geometric segment per pair of nodes; the arc in each direction, if any.
        pa, pb, forward_s, backward_s = node_pairs(*graph.arcs())
        length = np.hypot(graph.x[pb] - graph.x[pa], graph.y[pb] - graph.y[pa])
        steps = np.maximum(np.ceil(length / (grid.cell_m / 2)).astype(np.int64), 1)
        inner = steps - 1  # interior points per segment
        pair, k = runs(inner)
        k = k + 1
        g = k / steps[pair]  # fraction from the lower-numbered node a
        self.pa, self.pb, self.g = pa[pair], pb[pair], g
        self.w_ab, self.w_ba = forward_s[pair], backward_s[pair]
        sx = np.concatenate([graph.x, graph.x[self.pa] + g * (graph.x[self.pb] - graph.x[self.pa])])
        sy = np.concatenate([graph.y, graph.y[self.pa] + g * (graph.y[self.pb] - graph.y[self.pa])])
        cx, cy = grid.centres()
        bound = np.inf if max_leg_m is None else float(max_leg_m)
        leg_m, nearest = cKDTree(np.column_stack([sx, sy])).query(
            np.column_stack([cx, cy]), distance_upper_bound=bound)
        self.covered = np.isfinite(leg_m)
        self.nearest = np.where(self.covered, nearest, 0)
        self.leg_s = np.where(self.covered, leg_m, np.nan) / (off_network_speed_kmh / 3.6)
        log.info("surface sampler: %d network points, %d of %d cells within reach",
                 len(sx), int(self.covered.sum()), self.covered.size)

    def point_times(self, node_time_s: np.ndarray, *, toward_sources: bool) -> np.ndarray:
        """Time of every network point from node times (``inf`` when unreached)."""
        t = np.asarray(node_time_s, dtype=float)
        ta, tb, g = t[self.pa], t[self.pb], self.g
        if toward_sources:  # from the point along an arc, then on to the source
            inner = np.minimum((1 - g) * self.w_ab + tb, g * self.w_ba + ta)
        else:  # from the source to the arc's tail, then along the arc
            inner = np.minimum(ta + g * self.w_ab, tb + (1 - g) * self.w_ba)
        return np.concatenate([t, inner])

    def surface(self, node_time_s: np.ndarray, *, toward_sources: bool) -> np.ndarray:
        """Travel time (minutes, float32, NaN = none) per cell, shape ``(height, width)``."""
        times = self.point_times(node_time_s, toward_sources=toward_sources)[self.nearest] + self.leg_s
        times = np.where(self.covered & np.isfinite(times), times / 60.0, np.nan)
        return times.astype(np.float32).reshape(self.grid.height, self.grid.width)


def band_polygons(surface_min: np.ndarray, grid: Grid, minutes) -> list[tuple[float, float, object]]:
    """``(min_from, min_to, geometry)`` per band: cells with ``min_from < t <= min_to``
    (the first band starts at 0, inclusive), polygonised with rasterio (holes kept)."""
    try:
        from rasterio import features
        from rasterio.transform import from_origin
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise DataUnavailableError(says("rasterio")) from exc
    limits = np.asarray(sorted(minutes), dtype=float)
    inside = np.isfinite(surface_min) & (surface_min <= limits[-1])
    bands = []
    if not inside.any():
        return [(lo, hi, shapely.MultiPolygon()) for lo, hi in zip(np.r_[0, limits[:-1]], limits)]
    rows, cols = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
    window = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    labels = np.where(inside, np.searchsorted(limits, surface_min, side="left") + 1, 0)[window]
    transform = from_origin(grid.x0 + cols[0] * grid.cell_m, grid.y1 - rows[0] * grid.cell_m,
                            grid.cell_m, grid.cell_m)
    pieces: dict[int, list] = {}
    for geometry, value in features.shapes(labels.astype(np.uint8), mask=labels > 0,
                                           transform=transform, connectivity=4):
        rings = geometry["coordinates"]
        pieces.setdefault(int(value), []).append(shapely.Polygon(rings[0], rings[1:]))
    for k, (lo, hi) in enumerate(zip(np.r_[0, limits[:-1]], limits), start=1):
        # Pieces of one band are disjoint (they meet at most at cell corners): no union needed.
        bands.append((float(lo), float(hi), shapely.MultiPolygon(pieces.get(k, []))))
    return bands


@dataclass
class CatchmentsResult:
    """Isochrone bands (per site and union) and the union travel-time surface.

    Attributes
    ----------
    territory, settings, network
        What it was computed on: the territory, its settings and the road network's key.
    bands
        One polygon per site and band (``scope`` ``site``), and per band for all sites together
        (``scope`` ``union``).
    surface_min
        The travel-time surface to (or from) the nearest site, minutes per cell (NaN: unreached).
    grid
        Where ``surface_min``'s cells lie (``Grid``).
    minutes
        The band limits, in minutes.
    toward_sites
        True: people's times to the sites; False: times from the sites.
    communes
        Each commune's time and band.
    method
        How the bands were drawn (``CATCHMENT_METHODS``).
    """

    territory: Territory
    settings: Settings
    bands: gpd.GeoDataFrame
    surface_min: np.ndarray
    grid: Grid
    minutes: tuple[float, ...]
    toward_sites: bool
    network: str
    communes: gpd.GeoDataFrame
    method: str = "surface"

    def summary(self) -> dict:
        union = self.bands.loc[self.bands["scope"] == "union"]
        return {
            "method": self.method,
            "method_label": CATCHMENT_METHODS[self.method],
            "dept": self.territory.dept, "kinds": list(self.settings.kinds),
            "minutes": list(self.minutes), "network": self.network,
            "network_approximate": self.network == "proxy",
            "sites_illustrative": bool(self.territory.illustrative),
            "sources": list(self.territory.sources),
            "direction": TRAVEL_DIRECTIONS["toward" if self.toward_sites else "from"],
            "sites": int(self.bands.loc[self.bands["scope"] == "site", "site_id"].nunique()),
            "union_area_km2": {f"{r.min_from:g}-{r.min_to:g}": round(float(r.area_km2), 1)
                               for r in union.itertuples()},
            "cell_m": self.grid.cell_m,
        }


def _band_rows(bands, **columns) -> list[dict]:
    return [{**columns, "min_from": lo, "min_to": hi, "label": band_label(lo, hi),
             "area_km2": geometry.area / 1e6, "geometry": geometry} for lo, hi, geometry in bands]


def catchments(
    territory: Territory, graph: RoadGraph, *, settings: Settings | None = None,
    minutes=CATCHMENT_MINUTES, cell_m: float = CATCHMENT_CELL_M, toward_sites: bool = True,
) -> CatchmentsResult:
    """Isochrone bands around the sites of ``settings.kinds`` and the travel-time surface.

    Sites with no opening hours (``presence_h == 0``: bases of mobile posts) are left out.
    ``toward_sites``: time for people to reach the site (default) or from the site outwards.

    Parameters
    ----------
    territory, graph
        The territory and its road graph.
    settings
        ``Settings()`` when None: the kinds of sites drawn.
    minutes
        The band limits, in minutes.
    cell_m
        The side of a cell of the travel-time surface (m).
    toward_sites
        True: people's times to the sites; False: times from the sites (advisers going out).

    Returns
    -------
    CatchmentsResult
        The bands per site and for all sites, each commune's time and band, the surface.
    """
    settings = Settings() if settings is None else settings
    kinds = settings.kinds
    minutes = tuple(sorted(check_finite("minutes", m, minimum=0, strict=True) for m in minutes))
    if not minutes:
        raise ParameterError(says("bands"))
    sites = territory.sites.loc[territory.sites["kind"].isin(kinds)
                                & ~(territory.sites["presence_h"] == 0)]
    if sites.empty:
        raise InputError(says("no_open_site", kinds=list(kinds)), path="sites", field="kind")
    snapped = snap(graph, sites.geometry.x, sites.geometry.y, speed_kmh=settings.off_network_speed_kmh)
    xmin, ymin, xmax, ymax = territory.communes.total_bounds
    grid = Grid.covering((xmin - MARGIN_M, ymin - MARGIN_M, xmax + MARGIN_M, ymax + MARGIN_M),
                         cell_m, graph.crs)
    origins = snap(graph, territory.communes["origin_x"], territory.communes["origin_y"],
                   speed_kmh=settings.off_network_speed_kmh)
    nearest_s, _ = nearest_source(graph, snapped, origins, toward_sources=toward_sites)
    communes = _commune_bands(territory.communes, nearest_s / 60.0, minutes)
    if graph.source == "proxy":
        rows, surface = _per_commune(territory.communes, graph, snapped, origins, sites, communes, grid,
                                     minutes, toward_sites)
        bands = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=graph.crs).assign(network=graph.source)
        log.info("catchments per commune: %d sites, bands %s min", len(sites), list(minutes))
        return CatchmentsResult(territory=territory, settings=settings, bands=bands, surface_min=surface, grid=grid,
                                minutes=minutes, toward_sites=toward_sites, network=graph.source,
                                communes=communes, method="communes")
    sampler = SurfaceSampler(graph, grid, off_network_speed_kmh=settings.off_network_speed_kmh,
                             max_leg_m=None if graph.source == "proxy" else MAX_LEG_M)
    cutoff_s = minutes[-1] * 60.0

    rows = []
    node_time = np.full(graph.n_nodes, np.inf)
    searches = bounded_searches(graph, snapped, cutoff_s=cutoff_s, toward_sources=toward_sites, chunk=16)
    with progress(total=len(sites), step="isochrones") as bar:
        for positions, nodes, dist in searches:
            for i, position in enumerate(positions):
                node_time[:] = np.inf
                node_time[nodes] = dist[i]
                site = sites.iloc[position]
                surface = sampler.surface(node_time, toward_sources=toward_sites)
                rows += _band_rows(band_polygons(surface, grid, minutes), scope="site",
                                   site_id=site["site_id"], nom=site["nom"], kind=site["kind"])
                bar.update(1)
    union_time, _ = sweep(graph, snapped, toward_sources=toward_sites, limit_s=np.inf)
    surface = sampler.surface(union_time, toward_sources=toward_sites)
    rows += _band_rows(band_polygons(surface, grid, minutes), scope="union", site_id=None,
                       nom=ALL_SITES, kind=",".join(kinds))

    bands = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=graph.crs)
    bands["network"] = graph.source
    log.info("catchments: %d sites, bands %s min", len(sites), list(minutes))
    return CatchmentsResult(territory=territory, settings=settings, bands=bands, surface_min=surface,
                            grid=grid, minutes=minutes, toward_sites=toward_sites, network=graph.source,
                            communes=communes)


def band_index(time_min: np.ndarray, minutes) -> np.ndarray:
    """Index of the band of each time (0: the first band, 0 included), -1 beyond the last or
    unknown."""
    limits = np.asarray(minutes, dtype=float)
    time_min = np.asarray(time_min, dtype=float)
    index = np.searchsorted(limits, np.nan_to_num(time_min, nan=np.inf), side="left")
    return np.where(index < len(limits), index, -1)


def _commune_bands(communes: gpd.GeoDataFrame, time_min: np.ndarray, minutes) -> gpd.GeoDataFrame:
    """Each commune's time to the nearest site and its band label ('' beyond the last)."""
    index = band_index(time_min, minutes)
    labels = [band_label(lo, hi) for lo, hi in zip(np.r_[0, minutes[:-1]], minutes)]
    return gpd.GeoDataFrame({
        "code_insee": communes["code_insee"].to_numpy(), "nom": communes["nom"].to_numpy(),
        "population": communes["population"].to_numpy(), "time_min": time_min,
        "band": [labels[i] if i >= 0 else "" for i in index]}, geometry=communes.geometry.to_numpy(), crs=communes.crs)


def _per_commune(communes, graph: RoadGraph, snapped, origins, sites, commune_bands, grid: Grid, minutes,
                 toward_sites: bool) -> tuple[list[dict], np.ndarray]:
    """Bands as unions of communes (per site and for all sites) and the surface painted per
    commune (module doc)."""
    try:
        from rasterio import features
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise DataUnavailableError(says("rasterio")) from exc
    pairs = time_table(graph, snapped, origins, cutoff_s=minutes[-1] * 60.0, toward_sources=toward_sites)
    geometry = communes.geometry.to_numpy()

    def bands_of(commune_index: np.ndarray, time_min: np.ndarray) -> list[tuple[float, float, object]]:
        band = band_index(time_min, minutes)
        return [(float(lo), float(hi), shapely.MultiPolygon(shapely.get_parts(
                    shapely.union_all(geometry[commune_index[band == k]])).tolist()) if (band == k).any()
                 else shapely.MultiPolygon())
                for k, (lo, hi) in enumerate(zip(np.r_[0, minutes[:-1]], minutes))]

    rows = []
    by_site = dict(tuple(pairs.groupby("source")))
    empty = pairs.iloc[:0]
    for position in range(len(sites)):
        site, group = sites.iloc[position], by_site.get(position, empty)
        rows += _band_rows(bands_of(group["target"].to_numpy(), group["time_s"].to_numpy() / 60.0),
                           scope="site", site_id=site["site_id"], nom=site["nom"], kind=site["kind"])
    rows += _band_rows(bands_of(np.arange(len(communes)), commune_bands["time_min"].to_numpy()), scope="union",
                       site_id=None, nom=ALL_SITES, kind=",".join(sites["kind"].unique()))
    known = np.isfinite(commune_bands["time_min"].to_numpy())
    surface = features.rasterize(
        list(zip(geometry[known], commune_bands["time_min"].to_numpy()[known])), out_shape=(grid.height, grid.width),
        transform=grid.transform, fill=np.nan, dtype="float32")
    return rows, surface

