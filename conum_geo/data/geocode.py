"""An address → a point, through the Géoplateforme's geocoding service (BAN addresses).

``geocode(text)`` asks ``GEOCODER_URL`` (through its mirror when one is set,
``data.mirrors``: a local server in tests) for the best match, within one deadline and a size
cap (``data.http``), and returns its WGS84 point, label, INSEE code and score. Offline, on a refusal or with no match, it raises ``DataUnavailableError`` with a
French message saying what to give instead (``--commune`` or ``--lonlat``).
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass

from ..core.errors import DataUnavailableError
from .http import Unreachable, fetch_document
from .mirrors import mirrored

GEOCODER_URL = "https://data.geopf.fr/geocodage/search"
#: The whole answer within this time (s).
DEADLINE_S = 10.0
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
    """The best match of the address ``text`` (module doc).

    Parameters
    ----------
    text
        The address.

    Returns
    -------
    Geocoded
        Its WGS84 point, label, INSEE code and score.
    """
    text = text.strip()
    if not text:
        raise DataUnavailableError("adresse vide : donner une adresse, --commune ou --lonlat")
    url = f"{GEOCODER_URL}?{urllib.parse.urlencode({'q': text, 'limit': 1, 'index': 'address'})}"
    fallback = "donner --commune CODE_INSEE ou --lonlat LON,LAT"
    host = urllib.parse.urlsplit(mirrored(GEOCODER_URL)).netloc
    try:
        body = fetch_document(url, max_bytes=MAX_BYTES, deadline_s=DEADLINE_S, timeout_s=DEADLINE_S,
                              allowed_hosts={urllib.parse.urlsplit(GEOCODER_URL).hostname or ""})
    except Unreachable as exc:
        if exc.status is not None:
            raise DataUnavailableError(f"géocodage refusé par {host} (HTTP {exc.status}) : {fallback}") from None
        raise DataUnavailableError(f"géocodage impossible : pas de connexion au service d'adresses "
                                   f"({host}) ; hors ligne, {fallback}") from None
    except DataUnavailableError as exc:  # deadline or size cap
        raise DataUnavailableError(f"géocodage impossible ({exc}) : {fallback}") from None
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
