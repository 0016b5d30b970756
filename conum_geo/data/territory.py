"""Where a territory comes from: the embedded demo, or the national registers a user passes.

The national inputs (registers and the national commune layer) are read **once** into a
``NationalInputs`` value; every département is then a slice of it (``NationalInputs.territory``,
about a second), so a national run never re-reads a national file. ``load_territory`` is the
one-département shortcut.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..core.departements import normalise_dept
from ..core.territory import Territory
from ..core.vocabulary import BORDER_KM, CONTRACT_MONTHS
from .assemble import assemble_territory
from .calendar import apply_calendar
from .demo import load_demo
from .national_communes import CommuneLayer, default_layer
from .registers import RegisterSet, load_registers
from .registers.contracts import read_contracts
from .registers.io import Register

PathLike = str | Path
Paths = PathLike | Iterable[PathLike]

#: Keywords of ``load_national`` / ``load_territory`` that pass register files.
REGISTER_OPTIONS = ("communes", "population", "epci", "france_services", "conum", "lieux",
                    "lieux_schema", "fragility", "density", "qpv")


@dataclass
class NationalInputs:
    """The national registers and commune layer, read once; ``territory(dept)`` slices them.

    ``registers`` is None for the embedded demo (illustrative sites: the Nièvre only).
    ``fingerprint`` identifies the inputs (file contents and options): a national run
    skips the départements whose outputs carry the same fingerprint.
    """

    registers: RegisterSet | None
    layer: CommuneLayer | None
    border_km: float = BORDER_KM
    arrondissements: bool | None = None
    place_declared_posts: bool = False
    contracts: Register | None = None
    contract_months: int = CONTRACT_MONTHS
    fingerprint: str = ""
    files: list[str] = field(default_factory=list)

    def territory(self, dept: str) -> Territory:
        """The territory of ``dept``."""
        dept = normalise_dept(dept)
        if self.registers is None:
            territory = load_demo(dept)
        else:
            territory = assemble_territory(dept, self.registers, self.border_km, layer=self.layer,
                                           arrondissements=self.arrondissements,
                                           place_declared_posts=self.place_declared_posts)
        return apply_calendar(territory, self.contracts, contract_months=self.contract_months)


def _fingerprint(registers: list[Register], options: dict) -> tuple[str, list[str]]:
    digest = hashlib.sha256(json.dumps(options, sort_keys=True, default=str).encode())
    files = []
    for register in registers:
        files.append(str(register.path))
        digest.update(str(register.path).encode())
        with open(register.path, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:24], files


def load_national(
    data_dir: PathLike | None = None, *, communes: Paths | None = None, population: PathLike | None = None,
    epci: PathLike | None = None, france_services: PathLike | None = None, conum: Paths | None = None,
    lieux: PathLike | None = None, lieux_schema: PathLike | None = None,
    lieux_programmes: Iterable[str] | None = None, fragility: PathLike | None = None,
    density: PathLike | None = None, qpv: PathLike | None = None, border_km: float | None = None,
    arrondissements: bool | None = None, place_declared_posts: bool = False,
    contracts: PathLike | None = None, contract_months: int = CONTRACT_MONTHS,
) -> NationalInputs:
    """Read the national inputs once (see ``load_territory`` for the keywords)."""
    options = dict(communes=communes, population=population, epci=epci,
                   france_services=france_services, conum=conum, lieux=lieux,
                   lieux_schema=lieux_schema, fragility=fragility, density=density, qpv=qpv)
    border = BORDER_KM if border_km is None else float(border_km)
    settings = {"border_km": border, "arrondissements": arrondissements,
                "lieux_programmes": sorted(lieux_programmes or ()), "place_declared_posts": place_declared_posts,
                "contract_months": contract_months}
    table = read_contracts(contracts) if contracts is not None else None
    extra = [table] if table is not None else []
    if data_dir is None and all(v is None or v == () for v in options.values()):
        fingerprint, files = _fingerprint(extra, settings | {"demo": True})
        return NationalInputs(None, None, border, arrondissements, place_declared_posts, table, contract_months,
                              fingerprint, files)
    registers = load_registers(data_dir, lieux_programmes=lieux_programmes or None, **options)
    fingerprint, files = _fingerprint(registers.all() + extra, settings)
    return NationalInputs(registers, default_layer(), border, arrondissements, place_declared_posts, table,
                          contract_months, fingerprint, files)


def load_territory(dept: str, data_dir: PathLike | None = None, **options) -> Territory:
    """The territory of ``dept``.

    Without any register it is the embedded demo (real communes, illustrative sites). With
    ``data_dir`` (files recognised by their content) and/or explicit files, it is built from
    the national registers (``illustrative=False``; see ``conum_geo.data.registers``).

    Parameters
    ----------
    dept
        A département code (``"58"``, ``"2A"``, ``"971"``; ``"1"`` is read ``"01"``).
    data_dir
        A folder of register files, each recognised by its content.
    options
        Explicit files and choices, by keyword:

    communes
        Commune contours (GeoJSON, GeoPackage, Shapefile), one file or several.
    population, epci
        INSEE COG communes JSON (populations, postcodes, former codes); EPCI JSON.
    france_services
        ANCT list of France services (CSV).
    conum
        Conseillers numériques lieux d'activité JSON and/or employer structures JSON.
    lieux, lieux_schema, lieux_programmes
        Lieux de médiation numérique in the national standard (CSV), its TableSchema, and the
        national programmes to keep (all lieux when None).
    fragility, density, qpv
        IRIS digital-fragility index, INSEE density grid, QPV points.
    border_km
        Sites this close to the département's limits are kept (default ``BORDER_KM``).
    arrondissements
        Paris, Lyon and Marseille by municipal arrondissement (True), as single communes
        (False), or Paris only (None, the default).
    place_declared_posts
        Place the posts an employer declared that no lieu shows at its address (default: only
        reported; ``data.declared_posts``).
    contracts, contract_months
        A contracts table (CSV/XLSX, ``data.registers.contracts``) and the months after which
        a contract with no known end is estimated to end (``data.calendar``).

    Returns
    -------
    Territory
        Communes, sites and posts of the département, with the provenance of each layer.
    """
    return load_national(data_dir, **options).territory(dept)
