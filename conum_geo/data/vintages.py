"""Two vintages of a register of sites read into the same territory (for ``diff``).

Each vintage is read into the territory of the département with the same other sources
(``load_territory``), so both share their communes; ``analysis.diff`` compares them.
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import InputError
from ..core.territory import Territory
from ..core.vocabulary import SITE_KINDS
from .registers import OPTION_KINDS, detect_kind
from .territory import load_territory

#: Register kinds a diff compares (registers of sites), with the site kinds compared by
#: default for each (``--kinds`` overrides).
REGISTER_SITE_KINDS = {
    "france_services": ("france_services",),
    "conum_lieux": ("conum",),
    "lieux": tuple(SITE_KINDS),
}
#: The ``load_territory`` keyword that passes each register kind of ``REGISTER_SITE_KINDS``.
REGISTER_OPTIONS = {kind: option for option, kinds in OPTION_KINDS.items() for kind in kinds
                    if kind in REGISTER_SITE_KINDS}


def register_kind(path: str | Path) -> str:
    """The sites-register kind of ``path`` (a key of ``REGISTER_SITE_KINDS``)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("fichier introuvable", path=path)
    kind = detect_kind(path)
    if kind not in REGISTER_SITE_KINDS:
        raise InputError(f"ce n'est pas un registre de lieux (reconnu : {kind or 'format inconnu'}) ; attendu "
                         "une liste de France services, des lieux de conseillers numériques ou des lieux "
                         "de médiation",
                         path=path)
    return kind


def load_vintages(dept: str, before: str | Path, after: str | Path, **territory_kwargs
                  ) -> tuple[Territory, Territory, str]:
    """The territory of ``dept`` with the sites of ``before``, then of ``after``; their kind.

    Parameters
    ----------
    dept
        The département's code.
    before, after
        Two files of the same register (two vintages).
    territory_kwargs
        The other registers and options of ``load_territory``.

    Returns
    -------
    tuple
        The territory with the sites of each vintage, and the register kind they are of.
    """
    kinds = [register_kind(before), register_kind(after)]
    if kinds[0] != kinds[1]:
        raise InputError(f"les deux fichiers sont des registres différents ({kinds[0]} et {kinds[1]})",
                         path=after)
    option = REGISTER_OPTIONS[kinds[0]]
    first, second = (load_territory(dept, **(territory_kwargs | {option: path})) for path in (before, after))
    return first, second, kinds[0]
