"""An address → a point, through the Géoplateforme's geocoding service (BAN addresses).

``geocode(text)`` asks ``GEOCODER_URL`` (``$CONUM_GEO_GEOCODER_URL`` overrides it, e.g. a
local server in tests) for the best match and returns its WGS84 point, label, INSEE code and
score. Offline, on a refusal or with no match, it raises ``DataUnavailableError`` with a
French message saying what to give instead (``--commune`` or ``--lonlat``).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from ..errors import DataUnavailableError
from .sources import USER_AGENT

GEOCODER_URL = "https://data.geopf.fr/geocodage/search"
TIMEOUT_S = 10.0
MAX_BYTES = 1 << 20
#: Matches scoring below this are not trusted (the service scores 0 to 1).
MIN_SCORE = 0.4


@dataclass(frozen=True)
class Geocoded:
    lon: float
    lat: float
    label: str
    code_insee: str
    score: float


def geocode(text: str) -> Geocoded:
    """The best match of the address ``text`` (module doc)."""
    text = text.strip()
    if not text:
        raise DataUnavailableError("adresse vide : donner une adresse, --commune ou --lonlat")
    base = os.environ.get("CONUM_GEO_GEOCODER_URL", GEOCODER_URL)
    url = f"{base}?{urllib.parse.urlencode({'q': text, 'limit': 1, 'index': 'address'})}"
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    fallback = "donner --commune CODE_INSEE ou --lonlat LON,LAT"
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            body = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise DataUnavailableError(f"géocodage refusé par {urllib.parse.urlsplit(base).netloc} "
                                   f"(HTTP {exc.code}) : {fallback}") from None
    except (urllib.error.URLError, TimeoutError, OSError):
        raise DataUnavailableError(f"géocodage impossible : pas de connexion au service d'adresses "
                                   f"({urllib.parse.urlsplit(base).netloc}) ; hors ligne, {fallback}") from None
    if len(body) > MAX_BYTES:
        raise DataUnavailableError(f"réponse du géocodeur trop volumineuse : {fallback}")
    try:
        feature = json.loads(body)["features"][0]
        lon, lat = (float(v) for v in feature["geometry"]["coordinates"][:2])
        properties = feature["properties"]
        found = Geocoded(lon, lat, str(properties.get("label", text)), str(properties.get("citycode", "")),
                         float(properties.get("score", 0.0)))
    except (ValueError, KeyError, IndexError, TypeError):
        raise DataUnavailableError(f"adresse introuvable : « {text} » ; {fallback}") from None
    if found.score < MIN_SCORE:
        raise DataUnavailableError(f"adresse trop incertaine : « {text} » → « {found.label} » "
                                   f"(score {found.score:.2f}) ; préciser l'adresse ou {fallback}")
    return found
