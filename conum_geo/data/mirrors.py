"""Mirrors of the official download hosts: the same files served from another address (a
closed administration network's proxy, a local copy, a test server).

A mirror maps the start of official URLs to another start: with
``"https://www.data.gouv.fr" = "http://miroir.local/datagouv"``, the data.gouv.fr API and its
files are asked of ``http://miroir.local/datagouv/…``. Every request of the downloader goes
through ``mirrored`` (registers, the data.gouv.fr API, Geofabrik's index, ``.md5`` files and
extracts), and redirects are judged by the official host they stand for (``official``).

Mirrors are read, the first found winning for each prefix, from:

1. ``$CONUM_GEO_MIRRORS``: ``OFFICIEL=MIROIR`` pairs separated by spaces or ``;``;
2. the ``[mirrors]`` table of the configuration file, ``$CONUM_GEO_CONFIG`` or else
   ``$XDG_CONFIG_HOME/conum-geo/config.toml`` (``~/.config/conum-geo/config.toml``):

   .. code-block:: toml

      [mirrors]
      "https://www.data.gouv.fr" = "http://miroir.local/datagouv"
      "https://download.geofabrik.de" = "http://miroir.local/geofabrik"
"""

from __future__ import annotations

import os
import tomllib
import urllib.parse
from pathlib import Path

from ..core.errors import InputError

MIRRORS_ENV = "CONUM_GEO_MIRRORS"
CONFIG_ENV = "CONUM_GEO_CONFIG"


def config_path() -> Path:
    """The configuration file (module doc); it may not exist."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "conum-geo" / "config.toml"


def _checked(official: str, mirror: str, where: str) -> tuple[str, str]:
    for url in (official, mirror):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InputError(f"miroir {official!r} = {mirror!r} : adresses http(s)://hôte[/chemin] attendues",
                             path=where)
    return official.rstrip("/"), mirror.rstrip("/")


def _from_env() -> dict[str, str]:
    text = os.environ.get(MIRRORS_ENV, "")
    pairs: dict[str, str] = {}
    for item in text.replace(";", " ").split():
        official, sep, mirror = item.partition("=")
        if not sep:
            raise InputError(f"{item!r} : OFFICIEL=MIROIR attendu", path=f"${MIRRORS_ENV}")
        pairs.update([_checked(official, mirror, f"${MIRRORS_ENV}")])
    return pairs


def _from_file() -> dict[str, str]:
    path = config_path()
    if not path.is_file():
        return {}
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("mirrors", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"fichier de configuration illisible ({exc})", path=path) from None
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise InputError("table [mirrors] de chaînes attendue (\"https://officiel\" = \"http://miroir\")",
                         path=path, field="mirrors")
    return dict(_checked(k, v, str(path)) for k, v in table.items())


def mirrors() -> dict[str, str]:
    """Official prefix → mirror prefix, from the environment then the configuration file."""
    return _from_file() | _from_env()


def _rewrite(url: str, table: dict[str, str]) -> str:
    matches = [prefix for prefix in table if url == prefix or url.startswith(prefix + "/")
               or url.startswith(prefix + "?")]
    if not matches:
        return url
    prefix = max(matches, key=len)
    return table[prefix] + url[len(prefix):]


def mirrored(url: str) -> str:
    """``url``, or the same path on its mirror when one is set."""
    return _rewrite(url, mirrors())


def official(url: str) -> str:
    """The official URL a (possibly mirrored) ``url`` stands for."""
    return _rewrite(url, {mirror: prefix for prefix, mirror in mirrors().items()})
