"""National registers: one reader per official format, and their validation.

One module per register or job: ``communes`` (contours, COG, EPCI), ``france_services``,
``conum`` (lieux d'activité and employer structures → posts), ``lieux`` (national standard),
``territoire`` (fragility, density, QPV), ``hours`` (opening hours), ``detect`` (files by
content), ``locate`` (INSEE codes), ``resolve`` (which files). The territory they make is
assembled in ``data.assemble``.
"""

from .detect import KINDS, detect_kind, scan
from .io import Register
from .resolve import OPTION_KINDS, RegisterSet, load_registers, read_registers, resolve_files

__all__ = ["KINDS", "detect_kind", "scan", "Register", "OPTION_KINDS", "RegisterSet", "load_registers",
           "read_registers", "resolve_files"]
