"""National registers: readers for the official formats, validation, and the territory they
make.

One module per register or job: ``communes`` (contours, COG, EPCI), ``france_services``,
``conum`` (lieux d'activité and employer structures → posts), ``lieux`` (national standard),
``territoire`` (fragility, density, QPV), ``hours`` (opening hours), ``detect`` (files by
content), ``locate`` (INSEE codes), ``resolve`` (which files), ``assemble`` (the
``Territory``), ``info`` (what the registers hold).
"""

from .assemble import BORDER_KM, assemble_territory
from .detect import KINDS, detect_kind, scan
from .info import describe, format_info, registers_info
from .io import Register
from .resolve import OPTION_KINDS, RegisterSet, load_registers, read_registers, resolve_files

__all__ = [
    "BORDER_KM", "assemble_territory", "KINDS", "detect_kind", "scan", "Register",
    "describe", "format_info", "registers_info", "OPTION_KINDS", "RegisterSet", "load_registers",
    "read_registers", "resolve_files",
]
