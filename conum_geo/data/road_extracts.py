"""Regional OpenStreetMap extracts (Geofabrik): which cover a département, fetched and cached.

Geofabrik publishes France in its former régions (and the overseas départements), each as
``<region>-latest.osm.pbf`` with its MD5 in ``<region>-latest.osm.pbf.md5``. ``REGION_DEPTS``
is our registry of which départements each extract holds; ``extracts_for(dept)`` picks those
covering the département *and* the communes within the network buffer
(``vocabulary.DEFAULT_BUFFER_KM``; the national commune layer says which départements they are
in). ``fetch_extracts`` first checks every chosen extract against Geofabrik's own index
(``index-v1-nogeom.json``: a registry entry the publisher no longer lists is an error, not a
404 later), then downloads each with the project's downloader (resume, total deadline, size
cap, hosts, MD5 verified, the file opened by pyosmium before it replaces the cached one) into
``<cache>/roads/``. ``cached_extracts(dept)`` gives the cached files that ``--network osm``
then reads without ``--roads``. ``$CONUM_GEO_GEOFABRIK_URL`` replaces the publisher's address
(a local server in tests). The collectivités 975, 977 and 978 have no French extract: their
roads are passed as a file (``--roads``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import urllib.parse
from pathlib import Path

from ..cache import cache_root
from ..errors import DataUnavailableError, InputError
from .sources import MB, download, inside_cache, open_url, unreachable

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
ROADS_DIR = "roads"


def _base() -> str:
    return os.environ.get("CONUM_GEO_GEOFABRIK_URL", GEOFABRIK_URL).rstrip("/")


def extract_url(region: str) -> str:
    return f"{_base()}/europe/france/{region}-latest.osm.pbf"


def _near_depts(dept: str, buffer_km: float) -> set[str]:
    """The départements of the communes within ``buffer_km`` of ``dept`` (itself included)."""
    from .departements import metric_crs
    from .national_communes import commune_layer

    layer = commune_layer()
    own = layer.frame.loc[(layer.frame["dept"] == dept) & layer.frame.geometry.notna()]
    if own.empty:
        return {dept}
    near = layer.near(own.geometry.union_all(), buffer_km * 1000.0, metric_crs(dept))
    return {dept, *near["dept"].astype(str)}


def extracts_for(dept: str, buffer_km: float | None = None) -> list[str]:
    """The Geofabrik regions whose extracts cover ``dept`` and its buffer (module doc)."""
    from ..vocabulary import DEFAULT_BUFFER_KM

    if dept not in REGION_OF:
        raise DataUnavailableError(f"pas d'extrait OSM régional publié pour {dept} : passer les routes avec "
                                   "--roads FICHIER.osm.pbf")
    depts = _near_depts(dept, DEFAULT_BUFFER_KM if buffer_km is None else buffer_km)
    return sorted({REGION_OF[d] for d in depts if d in REGION_OF})


def _published(timeout_s: float) -> set[str]:
    """The PBF URLs of Geofabrik's index (``index-v1-nogeom.json``)."""
    url = f"{_base()}/index-v1-nogeom.json"
    allowed = {urllib.parse.urlsplit(url).hostname or ""}
    try:
        with open_url(url, {}, timeout_s, None, allowed) as response:
            index = json.loads(response.read(64 * MB))
    except (ValueError, OSError) as exc:
        raise unreachable(url, exc) from None
    return {str(feature.get("properties", {}).get("urls", {}).get("pbf", "")) for feature in index.get("features", [])}


def _md5(url: str, timeout_s: float) -> str:
    allowed = {urllib.parse.urlsplit(url).hostname or ""}
    try:
        with open_url(url + ".md5", {}, timeout_s, None, allowed) as response:
            text = response.read(4096).decode("ascii", errors="replace")
    except OSError as exc:
        raise unreachable(url + ".md5", exc) from None
    match = re.match(r"\s*([0-9a-fA-F]{32})\b", text)
    if not match:
        raise DataUnavailableError(f"{url}.md5 : somme MD5 publiée illisible")
    return match.group(1).lower()


def _check_pbf(path: Path) -> None:
    """The file opens as an OSM file (its header is read by pyosmium)."""
    try:
        import osmium
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise DataUnavailableError("lire un PBF OSM demande pyosmium : pip install 'conum-geo[osm]'") from exc
    try:
        reader = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
        reader.header()
        reader.close()
    except RuntimeError as exc:
        raise InputError(f"extrait OSM illisible ({exc})", path=path) from None


def cached_extracts(dept: str, cache_dir: str | Path | None = None) -> list[Path]:
    """The cached extracts covering ``dept`` and its buffer, [] unless every one is cached."""
    folder = Path(cache_dir) if cache_dir is not None else cache_root()
    if dept not in REGION_OF or not (folder / ROADS_DIR).is_dir():
        return []
    paths = [folder / ROADS_DIR / f"{region}-latest.osm.pbf" for region in extracts_for(dept)]
    return paths if all(p.is_file() for p in paths) else []


def fetch_extracts(dept: str, cache_dir: str | Path | None = None, *, refresh: bool = False,
                   timeout_s: float = 60.0) -> list[tuple[str, Path, str]]:
    """Download the extracts covering ``dept`` (module doc): ``(region, path, status)`` each."""
    folder = (Path(cache_dir) if cache_dir is not None else cache_root()) / ROADS_DIR
    regions = extracts_for(dept)
    published = _published(timeout_s)
    unknown = [r for r in regions if extract_url(r) not in published]
    if unknown:
        raise DataUnavailableError(f"extrait(s) {', '.join(unknown)} absent(s) de l'index de Geofabrik "
                                   f"({_base()}/index-v1-nogeom.json) : registre à mettre à jour")
    done = []
    for region in regions:
        target = inside_cache(folder.parent, folder / f"{region}-latest.osm.pbf")
        if target.is_file() and not refresh:
            done.append((region, target, "en cache"))
            continue
        url = extract_url(region)
        download(url, target, checksum=("md5", _md5(url, timeout_s)), timeout_s=timeout_s, deadline_s=DEADLINE_S,
                 max_bytes=MAX_BYTES, allowed_hosts={urllib.parse.urlsplit(url).hostname or ""}, check=_check_pbf,
                 label=f"OSM {region}")
        done.append((region, target, "téléchargé"))
    return done
