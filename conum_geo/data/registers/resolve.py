"""Which register files to use (a data folder and/or explicit files), and reading them."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ...core.cache import file_sha256
from ...core.errors import InputError, ParameterError
from .cache import cached_read
from .detect import Scan, detect_kind, scan
from .formats import BY_KIND, FORMATS, KINDS, MULTIPLE, OPTION_KINDS, ReadOptions, RegisterFormat
from .io import Register

log = logging.getLogger(__name__)

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
    """Registers read from files, by kind (``formats.FORMATS``); ``communes`` may hold several
    files. ``skipped``: the files of a data folder left aside, with why."""

    communes: list[Register] = field(default_factory=list)
    by_kind: dict[str, Register] = field(default_factory=dict)
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    def __getattr__(self, kind: str) -> Register | None:
        """``registers.population`` and the like: the register of that kind, or None."""
        if kind in BY_KIND:
            return self.__dict__.get("by_kind", {}).get(kind)
        raise AttributeError(kind)

    def all(self) -> list[Register]:
        """Every register read, contours first, then in ``FORMATS`` order."""
        return list(self.communes) + [self.by_kind[f.kind] for f in FORMATS if f.kind in self.by_kind]

    def sites(self) -> list[Register]:
        """The registers whose rows are places, in ``FORMATS`` order."""
        return [self.by_kind[f.kind] for f in FORMATS if f.sites and f.kind in self.by_kind]


def check_register(kind: str, path: Path) -> None:
    """Raise ``InputError`` unless ``path`` is recognised as ``kind`` and its reader reads it
    (a download is checked so before it replaces a cached file)."""
    found = detect_kind(path)
    if found != kind:
        raise InputError(f"non reconnu comme {KINDS[kind]} (reconnu : {KINDS[found] if found else 'rien'})", path=path)
    reader = BY_KIND[kind].read
    if reader is not None:
        reader(path, ReadOptions())


def _read(register_format: RegisterFormat, path: Path, options: ReadOptions) -> Register:
    """One file read by its format's reader, parsed once across runs (``registers.cache``)."""
    assert register_format.read is not None
    depends = {}
    if register_format.kind == "lieux":  # what the lieux reader reads besides the file
        schema = options.lieux_schema
        depends = {"schema_sha256": file_sha256(schema) if schema is not None else None,
                   "programmes": sorted(options.programmes) if options.programmes else None}
    return cached_read(register_format.kind, path, depends, lambda: register_format.read(path, options))


def read_registers(files: dict[str, list[Path]],
                   lieux_programmes: Iterable[str] | None = None) -> RegisterSet:
    """Read every resolved file (see ``resolve_files``) with its format's reader."""
    schema = files.get("lieux_schema", [None])[0]
    if "lieux" in files and schema is None:
        log.info("no lieux schema given: only the product's own rules are checked")
    options = ReadOptions(lieux_schema=schema, programmes=tuple(lieux_programmes) if lieux_programmes else None)
    registers = RegisterSet()
    for register_format in FORMATS:
        if register_format.kind not in files or register_format.read is None:
            continue
        read = [_read(register_format, path, options) for path in files[register_format.kind]]
        if register_format.multiple:
            registers.communes = read
        else:
            registers.by_kind[register_format.kind] = read[0]
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
