"""Which register files to use (a data folder and/or explicit files), and reading them."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path

from ...core.errors import InputError, ParameterError
from .communes import read_cog, read_contours, read_epci
from .conum import read_conum_lieux, read_conum_structures
from .detect import KINDS, MULTIPLE, Scan, detect_kind, scan
from .france_services import read_france_services
from .io import Register
from .lieux import read_lieux
from .territoire import read_density, read_fragility, read_qpv

log = logging.getLogger(__name__)

#: Keyword of ``load_territory`` (and CLI option) → the register kinds it may hold.
OPTION_KINDS = {
    "communes": ("communes",),
    "population": ("population",),
    "epci": ("epci",),
    "france_services": ("france_services",),
    "conum": ("conum_lieux", "conum_structures"),
    "lieux": ("lieux",),
    "lieux_schema": ("lieux_schema",),
    "fragility": ("fragility",),
    "density": ("density",),
    "qpv": ("qpv",),
}


def option_flag(kind: str) -> str:
    """The CLI option that passes files of ``kind`` (for messages)."""
    option = next(name for name, kinds in OPTION_KINDS.items() if kind in kinds)
    return "--" + option.replace("_", "-")


def _paths(value) -> list[Path]:
    values = [value] if isinstance(value, (str, Path)) else list(value)
    paths = [Path(v) for v in values]
    for path in paths:
        if not path.is_file():
            raise InputError("fichier introuvable", path=path)
    return paths


def resolve_files(data_dir=None, **options) -> tuple[dict[str, list[Path]], list[tuple[Path, str]]]:
    """Register files by kind: those recognised in ``data_dir``, replaced kind by kind by the
    files given explicitly (keywords of ``OPTION_KINDS``); and the files of ``data_dir`` left
    aside, with why."""
    unknown = set(options) - set(OPTION_KINDS)
    if unknown:
        raise ParameterError(f"option(s) de registre inconnue(s) : {sorted(unknown)}")
    if data_dir is not None and not Path(data_dir).is_dir():
        raise InputError("dossier de données introuvable", path=data_dir)
    scanned = scan(data_dir) if data_dir is not None else Scan({}, [])
    files = dict(scanned.found)
    for option, value in options.items():
        if value is None or (not isinstance(value, (str, Path)) and not list(value)):
            continue
        kinds = OPTION_KINDS[option]
        given: dict[str, list[Path]] = {}
        for path in _paths(value):
            kind = kinds[0] if len(kinds) == 1 else detect_kind(path)
            if kind not in kinds:
                expected = " ou ".join(KINDS[k] for k in kinds)
                raise InputError(f"non reconnu comme {expected}", path=path)
            given.setdefault(kind, []).append(path)
        files.update(given)
    for kind, paths in files.items():
        if len(paths) > 1 and kind not in MULTIPLE:
            names = ", ".join(str(p) for p in paths)
            raise InputError(f"plusieurs fichiers ressemblent à : {KINDS[kind]} ({names}) ; en choisir un "
                             f"avec {option_flag(kind)}", path=data_dir)
    return files, scanned.skipped


@dataclass
class RegisterSet:
    """Registers read from files (None when not given); ``communes`` may hold several files."""

    communes: list[Register] = field(default_factory=list)
    population: Register | None = None
    epci: Register | None = None
    france_services: Register | None = None
    conum_lieux: Register | None = None
    conum_structures: Register | None = None
    lieux: Register | None = None
    fragility: Register | None = None
    density: Register | None = None
    qpv: Register | None = None
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    def all(self) -> list[Register]:
        """Every register read, contours first."""
        singles = [getattr(self, f.name) for f in fields(self) if f.name not in ("communes", "skipped")]
        return list(self.communes) + [r for r in singles if r is not None]


_READERS = {
    "population": read_cog, "epci": read_epci, "france_services": read_france_services,
    "conum_lieux": read_conum_lieux, "conum_structures": read_conum_structures,
    "fragility": read_fragility, "density": read_density, "qpv": read_qpv,
}


def check_register(kind: str, path: Path) -> None:
    """Raise ``InputError`` unless ``path`` is recognised as ``kind`` and its reader reads it
    (a download is checked so before it replaces a cached file)."""
    found = detect_kind(path)
    if found != kind:
        raise InputError(f"non reconnu comme {KINDS[kind]} (reconnu : {KINDS[found] if found else 'rien'})", path=path)
    if kind == "communes":
        read_contours(path)
    elif kind == "lieux":
        read_lieux(path)
    elif kind in _READERS:
        _READERS[kind](path)


def read_registers(files: dict[str, list[Path]],
                   lieux_programmes: Iterable[str] | None = None) -> RegisterSet:
    """Read every resolved file (see ``resolve_files``)."""
    registers = RegisterSet(communes=[read_contours(p) for p in files.get("communes", [])])
    for kind, reader in _READERS.items():
        if kind in files:
            setattr(registers, kind, reader(files[kind][0]))
    if "lieux" in files:
        schema = files.get("lieux_schema", [None])[0]
        if schema is None:
            log.info("no lieux schema given: only the product's own rules are checked")
        registers.lieux = read_lieux(files["lieux"][0], schema=schema, programmes=lieux_programmes)
    for register in registers.all():
        log.info("%s: %s (%d rows)", register.kind, register.path, len(register.frame))
    return registers


def load_registers(data_dir=None, *, lieux_programmes: Iterable[str] | None = None,
                   **files) -> RegisterSet:
    """Resolve (``resolve_files``) and read (``read_registers``) the registers; at least one
    file must be found."""
    resolved, skipped = resolve_files(data_dir, **files)
    if not resolved:
        seen = f" ({len(skipped)} fichier(s) non reconnu(s), ex. {skipped[0][0].name})" if skipped else ""
        raise InputError(f"aucun fichier de registre reconnu{seen} ; attendu parmi : {', '.join(KINDS.values())}",
                         path=data_dir)
    registers = read_registers(resolved, lieux_programmes=lieux_programmes)
    registers.skipped = skipped
    return registers
