"""The one registry of official download sources, and the download cache.

``SOURCES`` lists, per register kind, where the official file lives (URLs checked against
the publishers' documentation and code in November 2026). Version-pinned files carry their
SHA-256; data.gouv.fr datasets are resolved through the data.gouv.fr API to their latest
resource, whose published checksum is verified. Sources with no stable download (``url`` is
None) say on which page a person gets the file, to pass with the CLI option.

``fetch_registers(dept)`` downloads what is missing into a cache directory
(``$CONUM_GEO_CACHE_DIR``, else ``$XDG_CACHE_HOME/conum-geo``, else ``~/.cache/conum-geo``: the
root of the road-network cache too, ``network.cache``), which is then usable as ``--data-dir``.
A download never trusts the server:

- file names come from the registry only (a data.gouv.fr date is kept only if it is a date),
  and every path is checked to stay inside the cache;
- every request (files, the data.gouv.fr API) has one deadline from the connection to the last
  byte, headers included, and a size cap (``data.http``); a file's announced
  ``Content-Length`` and its checksum are verified, and a checksum of a type we cannot verify
  is refused;
- redirects are followed only to hosts the registry lists for the source;
- the content is read by its register's reader before it replaces a cached file;
- every official address can be served by a mirror (``data.mirrors``: ``$CONUM_GEO_MIRRORS``
  or the configuration file).

Downloads resume with HTTP ``Range`` after an interruption (a ``.part`` file is kept), and a
file is moved into place only once complete and checked. When a server cannot be reached the
error is one line saying what failed and how to pass files instead. (pooch, the field's
download cache, verifies checksums but has none of the deadline, size cap, redirect policy,
resume, data.gouv.fr resolution or check by the reader that this needs, so it is not used.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..core.cache import cache_root
from ..core.departements import normalise_dept
from ..core.errors import ConumGeoError, DataUnavailableError
from ..core.progress import progress
from .http import MB, Deadline, TooBig, Unreachable, blocks, fetch_document, one_line, opened, too_big
from .mirrors import mirrored, official

log = logging.getLogger(__name__)

#: A download taking longer than this in all, connection and headers included, is stopped (s);
#: it resumes when run again.
DEADLINE_S = 900.0
#: An answer of the data.gouv.fr API: at most this long (s) and this big.
API_DEADLINE_S = 60.0
API_MAX_BYTES = 8 * MB
#: Checksum algorithms verified (any other is refused).
HASHES = ("md5", "sha1", "sha256", "sha512")
#: Hosts data.gouv.fr serves its resources and redirects from.
DATAGOUV_HOSTS = ("www.data.gouv.fr", "static.data.gouv.fr", "object.files.data.gouv.fr")


@dataclass(frozen=True)
class Source:
    """One official file (or a data.gouv.fr dataset whose latest resource is the file).

    ``filename`` and ``url`` may hold ``{dept}``. ``datagouv`` means ``url`` is a data.gouv.fr
    dataset API URL, resolved to its latest ``resource_format`` resource. ``option`` is the CLI
    option that passes such a file by hand.
    """

    key: str
    kind: str
    title: str
    page: str
    filename: str
    option: str
    url: str | None = None
    sha256: str | None = None
    datagouv: bool = False
    resource_format: str = "csv"
    max_bytes: int = 100 * MB
    hosts: tuple[str, ...] = ()

    def url_for(self, dept: str) -> str | None:
        return self.url.format(dept=dept) if self.url else None

    def allowed_hosts(self) -> set[str]:
        """Hosts this source may be downloaded or redirected from."""
        own = {urllib.parse.urlsplit(self.url).hostname or ""} if self.url else set()
        return own | set(self.hosts) | (set(DATAGOUV_HOSTS) if self.datagouv else set())

    def filename_for(self, dept: str) -> str:
        return self.filename.format(dept=dept)


_DECOUPAGE = "https://unpkg.com/@etalab/decoupage-administratif@6.0.0/data"

#: Official sources, by key. Order is the order of ``data fetch``.
SOURCES: tuple[Source, ...] = (
    Source(
        key="communes", kind="communes", option="--communes",
        title="Contours, populations et EPCI des communes (API Découpage administratif, IGN ADMIN EXPRESS)",
        url="https://geo.api.gouv.fr/departements/{dept}/communes"
            "?fields=nom,code,population,codesPostaux,codeEpci&format=geojson&geometry=contour",
        page="https://geo.api.gouv.fr/decoupage-administratif",
        filename="communes-{dept}.geojson", max_bytes=60 * MB,
    ),
    Source(
        key="population", kind="population", option="--population",
        title="Communes du COG 2026 et populations légales (INSEE, @etalab/decoupage-administratif 6.0.0)",
        url=f"{_DECOUPAGE}/communes.json",
        sha256="6cafec09b4e127d08edc47f366b28261bee70cca323fbfcb957dd169fcad9284",
        page="https://github.com/datagouv/decoupage-administratif",
        filename="communes-cog2026.json", max_bytes=40 * MB,
    ),
    Source(
        key="epci", kind="epci", option="--epci",
        title="Composition des EPCI 2026 (DGCL, @etalab/decoupage-administratif 6.0.0)",
        url=f"{_DECOUPAGE}/epci.json",
        sha256="40758ace686311837c484da81c2a8ba00a9f356bc6210f3316c6b19daa4dc967",
        page="https://github.com/datagouv/decoupage-administratif",
        filename="epci-cog2026.json", max_bytes=20 * MB,
    ),
    Source(
        key="france_services", kind="france_services", option="--france-services", datagouv=True,
        title="Liste des structures labellisées France services (ANCT)",
        url="https://www.data.gouv.fr/api/1/datasets/liste-des-structures-france-services/",
        page="https://www.data.gouv.fr/fr/datasets/liste-des-structures-france-services/",
        filename="liste-france-services.csv", max_bytes=30 * MB,
    ),
    Source(
        key="lieux", kind="lieux", option="--lieux",
        title="Lieux de médiation numérique, standard national (cartographie nationale, ANCT)",
        url="https://www.data.gouv.fr/api/1/datasets/r/398edc71-0d51-4cb6-9cbe-2540a4db573c",
        page="https://cartographie.societenumerique.gouv.fr/",
        filename="lieux-mediation-numerique.csv", max_bytes=300 * MB, hosts=DATAGOUV_HOSTS,
    ),
    Source(
        key="lieux_schema", kind="lieux_schema", option="--lieux-schema",
        title="Schéma du standard des lieux de médiation numérique (LaMednum, TableSchema)",
        url="https://raw.githubusercontent.com/LaMednum/standard-mediation-num/main/schema.json",
        page="https://schema.data.gouv.fr/LaMednum/standard-mediation-num",
        filename="schema-lieux-mediation-numerique.json", max_bytes=2 * MB,
    ),
    Source(
        key="conum", kind="conum_lieux", option="--conum",
        title="Lieux d'activité et structures des conseillers numériques (exports 2022 ; les "
              "exports actuels suivent le standard national, voir « lieux »)",
        page="https://www.data.gouv.fr/fr/datasets/lieux-de-mediation-numerique-sur-le-territoire"
             "-national-fournis-par-conseiller-numerique-1/",
        filename="",
    ),
    Source(
        key="fragility", kind="fragility", option="--fragility",
        title="Indice de fragilité numérique par IRIS (La MedNum)",
        page="https://fragilite-numerique.fr/", filename="",
    ),
    Source(
        key="density", kind="density", option="--density",
        title="Grille communale de densité (INSEE)",
        page="https://www.insee.fr/fr/information/2114627", filename="",
    ),
    Source(
        key="qpv", kind="qpv", option="--qpv",
        title="Quartiers prioritaires de la politique de la ville (ANCT, SIG Ville)",
        page="https://sig.ville.gouv.fr/", filename="",
    ),
)


def unreachable(url: str, reason, source: Source | None = None, hint: str | None = None) -> DataUnavailableError:
    """The one-line French error for a server that cannot be reached, saying what to pass instead."""
    host = urllib.parse.urlsplit(url).netloc or url
    if hint is None:
        hint = (f"passer le fichier avec {source.option} FICHIER (depuis {source.page}) ou --data-dir DOSSIER"
                if source else "passer les fichiers avec --data-dir DOSSIER ou les options de chaque registre")
    return DataUnavailableError(f"impossible de joindre {host} ({one_line(reason)}) pour télécharger {url} : {hint}")


def _file_hash(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_algorithm(algorithm: str, url: str) -> str:
    """``algorithm`` if it is one of ``HASHES``; anything else is refused (a checksum that
    cannot be verified must not pass for verified)."""
    if str(algorithm).lower() not in HASHES:
        raise DataUnavailableError(f"{url} : somme de contrôle de type {algorithm!r} inconnu (attendu : "
                                   f"{', '.join(HASHES)}) ; téléchargement refusé")
    return str(algorithm).lower()


def download(url: str, target: Path, *, checksum: tuple[str, str] | None = None,
             timeout_s: float = 60.0, deadline_s: float = DEADLINE_S, max_bytes: int = 100 * MB,
             allowed_hosts: set[str] | None = None, check: Callable[[Path], None] | None = None,
             source: Source | None = None, label: str = "", hint: str | None = None) -> Path:
    """Download ``url`` (its mirror when one is set) to ``target`` through ``target.part``,
    resuming a previous partial download with an HTTP ``Range`` request (module doc): within
    ``deadline_s`` in all, connection and headers included, and ``max_bytes``, redirects only
    to ``allowed_hosts`` (None: any), the announced length and ``checksum`` = (algorithm, hex)
    verified, then ``check(path)`` (the register's reader) before the file replaces ``target``.
    ``hint`` says what to do when the server cannot be reached."""
    target = Path(target)
    if checksum is not None:
        checksum = (check_algorithm(checksum[0], url), checksum[1])
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    offset = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    shown = mirrored(url)
    with Deadline(deadline_s) as deadline:
        try:
            with opened(url, deadline, headers=headers, timeout_s=timeout_s, allowed_hosts=allowed_hosts) as response:
                written, total = _receive(response, deadline, part, offset, max_bytes, shown, label or target.name)
        except Unreachable as exc:
            if exc.status == 416 and offset:  # the partial file cannot be continued: start again
                part.unlink()
                return download(url, target, checksum=checksum, timeout_s=timeout_s, deadline_s=deadline_s,
                                max_bytes=max_bytes, allowed_hosts=allowed_hosts, check=check, source=source,
                                label=label, hint=hint)
            raise unreachable(exc.url, exc.reason, source, hint) from None
    if total is not None and written != total:
        raise DataUnavailableError(f"téléchargement de {shown} arrêté à {written} octets sur {total} annoncés ; "
                                   f"relancer la même commande pour reprendre depuis {part}")
    if checksum is not None:
        algorithm, expected = checksum
        actual = _file_hash(part, algorithm)
        if actual.lower() != expected.lower():
            part.unlink()
            raise DataUnavailableError(f"{shown} : somme de contrôle {algorithm} différente (attendu {expected}, "
                                       f"reçu {actual}) ; téléchargement écarté, réessayer")
    _install(part, target, check, shown)
    log.info("downloaded %s (%s bytes)", target, written)
    return target


def _receive(response, deadline: Deadline, part: Path, offset: int, max_bytes: int, shown: str,
             label: str) -> tuple[int, int | None]:
    """Write the body of ``response`` into ``part`` (after its ``offset`` bytes when the server
    resumes): the bytes the file then holds, and the total announced (None when not)."""
    resumed = offset > 0 and response.status == 206
    offset = offset if resumed else 0
    length = response.headers.get("Content-Length")
    total = offset + int(length) if length and length.isdigit() else None
    if total is not None and total > max_bytes:
        raise too_big(shown, max_bytes)
    written = offset
    with progress(total=total, desc=label, unit="o") as bar:
        bar.update(offset)
        try:
            with open(part, "ab" if resumed else "wb") as out:
                for block in blocks(response, deadline, shown, max_bytes=max_bytes, received=offset,
                                    resume_from=part):
                    out.write(block)
                    written += len(block)
                    bar.update(len(block))
        except TooBig:
            part.unlink(missing_ok=True)
            raise
    return written, total


def _install(part: Path, target: Path, check: Callable[[Path], None] | None, shown: str) -> None:
    """Move a complete, verified download into place, after ``check`` (its register's reader)
    read it: a file it refuses never replaces the cached one."""
    if check is None:
        os.replace(part, target)
        return
    checked = target.with_name(f".{target.stem}.check{target.suffix}")
    os.replace(part, checked)
    try:
        check(checked)
    except ConumGeoError as exc:
        checked.unlink()
        raise DataUnavailableError(f"{shown} : le fichier téléchargé est illisible ou ne convient pas ({exc}) ; "
                                   "écarté, le fichier en cache (s'il y en a un) est gardé") from None
    os.replace(checked, target)


def fetch_json(url: str, *, max_bytes: int, deadline_s: float, timeout_s: float = 60.0,
               allowed_hosts: set[str] | None = None, source: Source | None = None, hint: str | None = None,
               what: str = "document JSON"):
    """A JSON document (an API answer, an index) under the downloader's bounds; one-line errors."""
    try:
        body = fetch_document(url, max_bytes=max_bytes, deadline_s=deadline_s, timeout_s=timeout_s,
                              allowed_hosts=allowed_hosts, headers={"Accept": "application/json"})
    except Unreachable as exc:
        raise unreachable(exc.url, exc.reason, source, hint) from None
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DataUnavailableError(f"{mirrored(url)} : {what} attendu, réponse illisible en JSON") from None


def _datagouv_resource(source: Source, timeout_s: float) -> dict:
    """The latest resource of ``source.resource_format`` of a data.gouv.fr dataset."""
    assert source.url is not None  # datagouv sources always have their dataset URL
    dataset = fetch_json(source.url, max_bytes=API_MAX_BYTES, deadline_s=API_DEADLINE_S, timeout_s=timeout_s,
                         allowed_hosts=source.allowed_hosts(), source=source,
                         what="jeu de données de l'API de data.gouv.fr")
    resources = dataset.get("resources") if isinstance(dataset, dict) else None
    if not isinstance(resources, list):
        raise DataUnavailableError(f"{mirrored(source.url)} : l'API de data.gouv.fr n'a pas répondu par un jeu de "
                                   "données (objet JSON avec une liste « resources » attendu)")
    wanted = [r for r in resources if isinstance(r, dict) and isinstance(r.get("url"), str) and r["url"]
              and str(r.get("format", "")).lower() == source.resource_format]
    if not wanted:
        raise DataUnavailableError(f"{mirrored(source.url)} : aucune ressource {source.resource_format} dans le "
                                   f"jeu de données ; la télécharger depuis {source.page} et la passer avec {source.option}")
    return max(wanted, key=lambda r: str(r.get("last_modified", "")))


@dataclass(frozen=True)
class Fetched:
    """Outcome of one source: the cached file (None for manual sources) and what happened."""

    source: Source
    path: Path | None
    status: str  # "téléchargé", "en cache", "à fournir"


def _write_meta(path: Path, **meta) -> None:
    meta["fetched_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    path.with_name(path.name + ".meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1),
                                                        encoding="utf-8")


def inside_cache(cache_dir: Path, target: Path) -> Path:
    """``target``, checked to lie inside ``cache_dir`` once resolved."""
    root, resolved = cache_dir.resolve(), target.resolve()
    if root != resolved.parent and root not in resolved.parents:
        raise DataUnavailableError(f"nom de fichier refusé {target.name!r} : il sortirait du cache {cache_dir}")
    return target


def fetch_source(source: Source, dept: str, cache_dir: Path, *, refresh: bool = False,
                 timeout_s: float = 60.0, deadline_s: float = DEADLINE_S) -> Fetched:
    """Bring one source into ``cache_dir`` (a cached file is reused unless ``refresh``)."""
    from .registers.resolve import check_register

    if source.url is None:
        return Fetched(source, None, "à fournir")
    cache_dir = Path(cache_dir)
    url = source.url_for(dept)
    assert url is not None
    checksum = ("sha256", source.sha256) if source.sha256 else None
    if source.datagouv:
        stem, _, suffix = source.filename_for(dept).rpartition(".")
        cached = sorted(cache_dir.glob(f"{stem}-*.{suffix}"))
        if cached and not refresh:
            return Fetched(source, cached[-1], "en cache")
        resource = _datagouv_resource(source, timeout_s)
        url = resource["url"]
        published = resource.get("checksum")
        if isinstance(published, dict) and published.get("value"):
            checksum = (check_algorithm(published.get("type", ""), url), str(published["value"]))
        day = str(resource.get("last_modified", ""))[:10].replace("-", "")
        if not re.fullmatch(r"(19|20)\d{6}", day):  # a name part from the server must be a date
            day = dt.date.today().strftime("%Y%m%d")
        target = cache_dir / f"{stem}-{day}.{suffix}"
    else:
        target = cache_dir / source.filename_for(dept)
        if target.exists() and not refresh:
            if source.sha256 is None or _file_hash(target, "sha256") == source.sha256:
                return Fetched(source, target, "en cache")
            log.warning("%s does not match its checksum: downloading it again", target)
    inside_cache(cache_dir, target)
    if source.datagouv and urllib.parse.urlsplit(official(url)).hostname not in source.allowed_hosts():
        raise DataUnavailableError(f"{url} : ressource sur un hôte non prévu pour cette source "
                                   f"({urllib.parse.urlsplit(url).hostname})")
    download(url, target, checksum=checksum, timeout_s=timeout_s, deadline_s=deadline_s,
             max_bytes=source.max_bytes, allowed_hosts=source.allowed_hosts(),
             check=lambda path: check_register(source.kind, path), source=source, label=source.key)
    _write_meta(target, url=url, source=source.key, checksum=list(checksum) if checksum else None)
    return Fetched(source, target, "téléchargé")


def fetch_registers(dept: str, cache_dir: str | Path | None = None, *, sources=None,
                    refresh: bool = False, timeout_s: float = 60.0) -> list[Fetched]:
    """Download the official registers of ``dept`` (and the national ones) into the cache
    (``sources`` defaults to ``SOURCES``)."""
    dept = normalise_dept(dept)
    cache = Path(cache_dir) if cache_dir is not None else cache_root()
    return [fetch_source(s, dept, cache, refresh=refresh, timeout_s=timeout_s)
            for s in (SOURCES if sources is None else sources)]
