"""Regional OpenStreetMap extracts (Geofabrik): which cover a département, fetched and cached.

Geofabrik publishes France in its former régions (and the overseas départements), each as
``<region>-latest.osm.pbf`` with its MD5 in ``<region>-latest.osm.pbf.md5``. ``REGION_DEPTS``
is our registry of which départements each extract holds; ``extracts_for(dept)`` picks those
covering the département *and* the communes within the network buffer
(``vocabulary.DEFAULT_BUFFER_KM``; the national commune layer says which départements they are
in). ``fetch_extracts`` downloads the ones not cached yet: each is first checked against
Geofabrik's own index (``index-v1-nogeom.json``: a registry entry the publisher no longer
lists is an error, not a 404 later), then downloaded with the project's downloader (resume,
one deadline from connection to last byte, size caps on the index, the ``.md5`` and the
extract, hosts, MD5 verified) into ``<cache>/roads/``; before it replaces anything, the file is
opened by pyosmium and its bounding box must hold the town halls of the départements the
registry assigns to it (a valid extract of the wrong region is refused). ``cached_extracts``
gives the cached files, checked the same way, that ``--network osm`` then reads without
``--roads``, offline: nothing is asked of the server once every extract is cached.
Geofabrik's address can be mirrored (``data.mirrors``). The collectivités 975, 977 and 978
have no French extract: their roads are passed as a file (``--roads``).
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path

import numpy as np

from ..core.cache import cache_root
from ..core.errors import DataUnavailableError, InputError
from .http import MB, Unreachable, fetch_document
from .mirrors import mirrored
from .sources import download, fetch_json, inside_cache, unreachable

log = logging.getLogger(__name__)

GEOFABRIK_URL = "https://download.geofabrik.de"
#: Geofabrik's French extracts (their ids) and the départements each holds.
REGION_DEPTS = {
    "alsace": ("67", "68"), "aquitaine": ("24", "33", "40", "47", "64"), "auvergne": ("03", "15", "43", "63"),
    "basse-normandie": ("14", "50", "61"), "bourgogne": ("21", "58", "71", "89"), "bretagne": ("22", "29", "35", "56"),
    "centre": ("18", "28", "36", "37", "41", "45"), "champagne-ardenne": ("08", "10", "51", "52"),
    "corse": ("2A", "2B"), "franche-comte": ("25", "39", "70", "90"), "haute-normandie": ("27", "76"),
    "ile-de-france": ("75", "77", "78", "91", "92", "93", "94", "95"),
    "languedoc-roussillon": ("11", "30", "34", "48", "66"), "limousin": ("19", "23", "87"),
    "lorraine": ("54", "55", "57", "88"), "midi-pyrenees": ("09", "12", "31", "32", "46", "65", "81", "82"),
    "nord-pas-de-calais": ("59", "62"), "pays-de-la-loire": ("44", "49", "53", "72", "85"),
    "picardie": ("02", "60", "80"), "poitou-charentes": ("16", "17", "79", "86"),
    "provence-alpes-cote-d-azur": ("04", "05", "06", "13", "83", "84"),
    "rhone-alpes": ("01", "07", "26", "38", "42", "69", "73", "74"),
    "guadeloupe": ("971",), "martinique": ("972",), "guyane": ("973",), "reunion": ("974",), "mayotte": ("976",),
}
REGION_OF = {dept: region for region, depts in REGION_DEPTS.items() for dept in depts}
#: Largest regional extract accepted (Rhône-Alpes is about 600 MB in 2026).
MAX_BYTES = 2048 * MB
DEADLINE_S = 3 * 3600.0
#: Geofabrik's index (about 3 MB in 2026) and an ``.md5`` file: at most this big, within this time (s).
INDEX_MAX_BYTES = 64 * MB
MD5_MAX_BYTES = 4096
SMALL_DEADLINE_S = 120.0
#: Share of a region's town halls its extract's bounding box must hold.
MIN_COVER = 0.95
ROADS_DIR = "roads"
ROADS_HINT = "passer les routes avec --roads FICHIER.osm.pbf (ou relancer une fois en ligne)"
_HOSTS = {"download.geofabrik.de"}


def extract_url(region: str) -> str:
    return f"{GEOFABRIK_URL}/europe/france/{region}-latest.osm.pbf"


def _near_depts(dept: str, buffer_km: float) -> set[str]:
    """The départements of the communes within ``buffer_km`` of ``dept`` (itself included)."""
    from ..core.departements import metric_crs
    from .national_communes import commune_layer

    layer = commune_layer()
    own = layer.frame.loc[(layer.frame["dept"] == dept) & layer.frame.geometry.notna()]
    if own.empty:
        return {dept}
    near = layer.near(own.geometry.union_all(), buffer_km * 1000.0, metric_crs(dept))
    return {dept, *near["dept"].astype(str)}


def extracts_for(dept: str, buffer_km: float | None = None) -> list[str]:
    """The Geofabrik regions whose extracts cover ``dept`` and its buffer (module doc)."""
    from ..core.vocabulary import DEFAULT_BUFFER_KM

    if dept not in REGION_OF:
        raise DataUnavailableError(f"pas d'extrait OSM régional publié pour {dept} : passer les routes avec "
                                   "--roads FICHIER.osm.pbf")
    depts = _near_depts(dept, DEFAULT_BUFFER_KM if buffer_km is None else buffer_km)
    return sorted({REGION_OF[d] for d in depts if d in REGION_OF})


def _published(timeout_s: float) -> set[str]:
    """The PBF URLs of Geofabrik's index (``index-v1-nogeom.json``)."""
    url = f"{GEOFABRIK_URL}/index-v1-nogeom.json"
    index = fetch_json(url, max_bytes=INDEX_MAX_BYTES, deadline_s=SMALL_DEADLINE_S, timeout_s=timeout_s,
                       allowed_hosts=_HOSTS, hint=ROADS_HINT, what="index des extraits de Geofabrik")
    features = index.get("features") if isinstance(index, dict) else None
    if not isinstance(features, list):
        raise DataUnavailableError(f"{mirrored(url)} : index de Geofabrik illisible (objet JSON avec une liste "
                                   "« features » attendu)")
    urls = set()
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        links = properties.get("urls") if isinstance(properties, dict) else None
        if isinstance(links, dict) and isinstance(links.get("pbf"), str):
            urls.add(links["pbf"])
    return urls


def _md5(url: str, timeout_s: float) -> str:
    try:
        body = fetch_document(url + ".md5", max_bytes=MD5_MAX_BYTES, deadline_s=SMALL_DEADLINE_S,
                              timeout_s=timeout_s, allowed_hosts=_HOSTS)
    except Unreachable as exc:
        raise unreachable(exc.url, exc.reason, hint=ROADS_HINT) from None
    match = re.match(r"\s*([0-9a-fA-F]{32})\b", body.decode("ascii", errors="replace"))
    if not match:
        raise DataUnavailableError(f"{mirrored(url)}.md5 : somme MD5 publiée illisible")
    return match.group(1).lower()


def _town_halls(depts) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes of the known town halls of ``depts``."""
    from .national_communes import commune_layer

    frame = commune_layer().frame
    chosen = frame.loc[frame["dept"].isin(list(depts)) & frame["town_hall_lon"].notna()]
    return chosen["town_hall_lon"].to_numpy(float), chosen["town_hall_lat"].to_numpy(float)


def check_extract(path: Path, region: str) -> None:
    """The file opens as an OSM file and its bounding box holds at least ``MIN_COVER`` of the
    town halls of the départements ``REGION_DEPTS`` gives ``region`` (``InputError`` else)."""
    try:
        import osmium
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise DataUnavailableError("lire un PBF OSM demande pyosmium : pip install 'conum-geo[osm]'") from exc
    try:
        reader = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
        box = reader.header().box()
        reader.close()
    except RuntimeError as exc:
        raise InputError(f"extrait OSM illisible ({exc})", path=path) from None
    lon, lat = _town_halls(REGION_DEPTS[region])
    if not box.valid():
        raise InputError(f"extrait OSM sans emprise déclarée dans son en-tête : impossible de vérifier qu'il "
                         f"couvre {region}", path=path)
    corner_sw, corner_ne = box.bottom_left, box.top_right
    inside = ((lon >= corner_sw.lon) & (lon <= corner_ne.lon) & (lat >= corner_sw.lat) & (lat <= corner_ne.lat))
    if len(lon) and inside.mean() < MIN_COVER:
        raise InputError(f"l'extrait ne couvre pas {region} (départements {', '.join(REGION_DEPTS[region])}) : son "
                         f"emprise ({corner_sw.lon:.2f}, {corner_sw.lat:.2f}) – ({corner_ne.lon:.2f}, "
                         f"{corner_ne.lat:.2f}) n'en contient que {inside.mean():.0%} des mairies", path=path)


def cached_extracts(dept: str, cache_dir: str | Path | None = None) -> list[Path]:
    """The cached extracts covering ``dept`` and its buffer, each checked (``check_extract``),
    [] unless every one is cached."""
    folder = Path(cache_dir) if cache_dir is not None else cache_root()
    if dept not in REGION_OF or not (folder / ROADS_DIR).is_dir():
        return []
    regions = extracts_for(dept)
    paths = [folder / ROADS_DIR / f"{region}-latest.osm.pbf" for region in regions]
    if not all(p.is_file() for p in paths):
        return []
    for region, path in zip(regions, paths):
        check_extract(path, region)
    return paths


def fetch_extracts(dept: str, cache_dir: str | Path | None = None, *, refresh: bool = False,
                   timeout_s: float = 60.0) -> list[tuple[str, Path, str]]:
    """Download the extracts covering ``dept`` that are not cached (module doc):
    ``(region, path, status)`` each."""
    folder = (Path(cache_dir) if cache_dir is not None else cache_root()) / ROADS_DIR
    targets = {region: inside_cache(folder.parent, folder / f"{region}-latest.osm.pbf")
               for region in extracts_for(dept)}
    missing = [region for region, target in targets.items() if refresh or not target.is_file()]
    if missing:
        published = _published(timeout_s)
        unknown = [r for r in missing if extract_url(r) not in published]
        if unknown:
            raise DataUnavailableError(f"extrait(s) {', '.join(unknown)} absent(s) de l'index de Geofabrik "
                                       f"({mirrored(GEOFABRIK_URL)}/index-v1-nogeom.json) : registre à mettre à jour")
    done = []
    for region, target in targets.items():
        if region not in missing:
            done.append((region, target, "en cache"))
            continue
        url = extract_url(region)
        download(url, target, checksum=("md5", _md5(url, timeout_s)), timeout_s=timeout_s, deadline_s=DEADLINE_S,
                 max_bytes=MAX_BYTES, allowed_hosts=_HOSTS, check=functools.partial(check_extract, region=region),
                 label=f"OSM {region}", hint=ROADS_HINT)
        done.append((region, target, "téléchargé"))
    return done
