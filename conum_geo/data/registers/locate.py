"""Give every site a current INSEE commune code and a point in Lambert-93.

Order, for each site: the code the register gives (mapped to today's commune through the COG
aliases), else the commune whose contour holds the point, else the postcode: the only commune
of that postcode, else the one whose name matches the register's commune name, else the
candidate nearest the point. A site without coordinates is placed at an interior point of its
commune's contour, and so is a site whose coordinates lie more than ``MISPLACED_M`` from the
commune its register names (Paris coordinates on a lieu of the Nièvre). ``located_by`` says which rule was used (in French, for outputs); a site
that cannot be placed is returned apart, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ...core.territory import CRS_WGS84
from .io import normalised_name

BY_REGISTER = "code du registre"
BY_POINT = "point dans le contour"
BY_POSTCODE = "code postal"
AT_COMMUNE = "point : intérieur de la commune"
MOVED = "coordonnées du registre à"
#: A site whose coordinates lie farther than this from the commune its register names is moved
#: to that commune (m).
MISPLACED_M = 5000.0


@dataclass
class Gazetteer:
    """What locating needs: current commune contours, code aliases, postcodes and names."""

    contours: gpd.GeoDataFrame
    aliases: dict[str, str] = field(default_factory=dict)
    postcodes: dict[str, list[str]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def current(self, codes: pd.Series) -> pd.Series:
        """Codes mapped to today's communes (unknown codes unchanged)."""
        return codes.map(lambda c: self.aliases.get(c, c))


def name_key(name: str) -> str:
    """A commune name for matching: ASCII upper-case words, ``ST``/``STE`` spelt out."""
    words = normalised_name(name).split()
    return " ".join({"ST": "SAINT", "STE": "SAINTE"}.get(w, w) for w in words)


def _by_postcode(gaz: Gazetteer, postcode: str, name: str, point) -> str:
    candidates = gaz.postcodes.get(postcode, [])
    if len(candidates) <= 1:
        return candidates[0] if candidates else ""
    wanted = name_key(name)
    named = [c for c in candidates if name_key(gaz.names.get(c, "")) == wanted]
    if len(named) == 1:
        return named[0]
    if point is not None:
        shapes = gaz.contours.set_index("code_insee").geometry.reindex(candidates).dropna()
        if len(shapes):
            return str(shapes.distance(point).idxmin())
    return ""


def locate_sites(frame: pd.DataFrame, gaz: Gazetteer) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Sites with ``code_insee``, ``located_by`` and a Lambert-93 point; and the rows that
    could not be placed (no coordinates and no known commune contour)."""
    frame = frame.reset_index(drop=True)
    has_point = frame["lon"].notna().to_numpy() & frame["lat"].notna().to_numpy()
    points = gpd.GeoSeries(
        shapely.points(np.where(has_point, frame["lon"], 0.0), np.where(has_point, frame["lat"], 0.0)),
        crs=CRS_WGS84).to_crs(gaz.contours.crs)
    points = points.where(has_point, None)
    codes = gaz.current(frame["code_insee"].fillna(""))
    located_by = np.where(codes != "", BY_REGISTER, "").astype(object)

    todo = np.flatnonzero((codes == "").to_numpy() & has_point)
    if len(todo) and len(gaz.contours):
        point_idx, polygon_idx = gaz.contours.sindex.query(points.iloc[todo], predicate="within")
        rows = todo[point_idx]
        codes.iloc[rows] = gaz.contours["code_insee"].to_numpy()[polygon_idx]
        located_by[rows] = BY_POINT
    for i in np.flatnonzero((codes == "").to_numpy()):
        code = _by_postcode(gaz, frame.at[i, "code_postal"], frame.at[i, "commune"],
                            points.iloc[i] if has_point[i] else None)
        if code:
            codes.iloc[i], located_by[i] = code, BY_POSTCODE

    interior = gaz.contours.set_index("code_insee").geometry.representative_point()
    # A register's code and its coordinates that disagree: the code is the register's statement,
    # the point is moved to the commune (and said so: located_by, then a notice).
    stated = np.flatnonzero(has_point & (located_by == BY_REGISTER) & codes.isin(interior.index).to_numpy())
    if len(stated):
        contours = gaz.contours.set_index("code_insee").geometry.reindex(codes.iloc[stated])
        away_m = contours.distance(points.iloc[stated], align=False).to_numpy()
        far = stated[away_m > MISPLACED_M]
        points.iloc[far] = interior.reindex(codes.iloc[far]).to_numpy()
        located_by[far] = [f"{BY_REGISTER}, {AT_COMMUNE} ({MOVED} {d / 1000:.0f} km de la commune)"
                           for d in away_m[away_m > MISPLACED_M]]
    fill = np.flatnonzero(~has_point & (codes != "").to_numpy() & codes.isin(interior.index).to_numpy())
    points.iloc[fill] = interior.reindex(codes.iloc[fill]).to_numpy()
    located_by[fill] = [f"{how}, {AT_COMMUNE}" for how in located_by[fill]]

    placed = points.notna().to_numpy()
    sites = gpd.GeoDataFrame(frame.assign(code_insee=codes.to_numpy(), located_by=located_by),
                             geometry=points.to_numpy(), crs=gaz.contours.crs)
    return sites.loc[placed].reset_index(drop=True), frame.loc[~placed].reset_index(drop=True)
