"""Where a territory comes from: the embedded demo, or the national registers a user passes."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..tables import Territory
from ..vocabulary import BORDER_KM
from .assemble import assemble_territory
from .demo import load_demo
from .departements import normalise_dept
from .registers import load_registers

PathLike = str | Path
Paths = PathLike | Iterable[PathLike]


def load_territory(
    dept: str,
    data_dir: PathLike | None = None,
    communes: Paths | None = None,
    population: PathLike | None = None,
    epci: PathLike | None = None,
    france_services: PathLike | None = None,
    conum: Paths | None = None,
    lieux: PathLike | None = None,
    lieux_schema: PathLike | None = None,
    lieux_programmes: Iterable[str] | None = None,
    fragility: PathLike | None = None,
    density: PathLike | None = None,
    qpv: PathLike | None = None,
    border_km: float | None = None,
) -> Territory:
    """The territory of ``dept``.

    Without any register it is the embedded demo (real communes, illustrative sites). With
    ``data_dir`` (files recognised by their content) and/or explicit files, it is built from
    the national registers (``illustrative=False``; see ``conum_geo.registers``):

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
    """
    dept = normalise_dept(dept)
    options = dict(communes=communes, population=population, epci=epci,
                   france_services=france_services, conum=conum, lieux=lieux,
                   lieux_schema=lieux_schema, fragility=fragility, density=density, qpv=qpv)
    if data_dir is None and all(v is None or v == () for v in options.values()):
        return load_demo(dept)
    registers = load_registers(data_dir, lieux_programmes=lieux_programmes or None, **options)
    return assemble_territory(dept, registers, BORDER_KM if border_km is None else border_km)
