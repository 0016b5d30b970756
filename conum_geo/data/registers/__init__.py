"""National registers: one reader per official format, and their validation.

One module per register or job: ``communes`` (contours, COG, EPCI), ``france_services``,
``conum`` (lieux d'activité and employer structures → posts), ``lieux`` (national standard),
``territoire`` (fragility, density, QPV), ``hours`` (opening hours), ``formats`` (every format:
one line each), ``detect`` (files by content), ``locate`` (INSEE codes), ``resolve`` (which
files). The territory they make is
assembled in ``data.assemble``.
"""

from .detect import detect_kind, scan
from .formats import FORMATS, KINDS, OPTION_KINDS, RegisterFormat
from .io import Register
from .resolve import RegisterSet, load_registers, read_registers, resolve_files

__all__ = ["FORMATS", "KINDS", "OPTION_KINDS", "RegisterFormat", "detect_kind", "scan", "Register", "RegisterSet",
           "load_registers", "read_registers", "resolve_files"]
