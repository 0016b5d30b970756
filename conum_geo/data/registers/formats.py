"""Every register format the product reads, one line each: what it is, how it is recognised
by its content, how it is read, and whether its rows are places.

``detect`` recognises a file by asking the formats in this order (a CSV by its header, a
JSON array by its first record, a GeoJSON by its first feature, a vector layer by its
fields); ``resolve`` reads each file with its format's reader; ``data.assemble`` takes the
sites of every format whose rows are places (``sites``: the site schema, ``core.schema``).
Adding a register format is one module (a reader returning a ``Register``, and the
predicates that recognise it) and one line in ``FORMATS``, plus its option in
``cli.options.TERRITORY_OPTIONS`` if users pass it by hand (the README's "Adding a register").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .communes import CODE_FIELDS, read_cog, read_contours, read_epci, recognise_contour_feature
from .conum import read_conum_lieux, read_conum_structures
from .france_services import read_france_services
from .io import Register
from .lieux import read_lieux
from .territoire import read_density, read_fragility, read_qpv


@dataclass(frozen=True)
class ReadOptions:
    """What some readers need besides the file: the lieux standard's schema, the national
    programmes to keep."""

    lieux_schema: Path | None = None
    programmes: tuple[str, ...] | None = None


@dataclass(frozen=True)
class RegisterFormat:
    """One register format (module doc). ``option`` is the ``load_territory`` keyword (and CLI
    option) that passes its files; ``read`` is None for a file read by another's reader (the
    lieux schema)."""

    kind: str
    label: str
    option: str
    read: Callable[[Path, ReadOptions], Register] | None
    csv: Callable[[set[str]], bool] | None = None
    record: Callable[[dict], bool] | None = None
    feature: Callable[[dict], bool] | None = None
    fields: Callable[[set[str]], bool] | None = None
    sites: bool = False
    multiple: bool = False


def _keys(*names: str) -> Callable[[set[str]], bool]:
    return lambda present: set(names) <= present


def _any_key(*names: str) -> Callable[[dict], bool]:
    return lambda record: bool(set(names) & set(record))


#: The formats, in the order files are recognised and read.
FORMATS: tuple[RegisterFormat, ...] = (
    RegisterFormat("communes", "contours des communes", "communes", lambda p, o: read_contours(p),
                   feature=recognise_contour_feature, fields=lambda f: bool(f & set(CODE_FIELDS)), multiple=True),
    RegisterFormat("population", "communes et populations (COG INSEE)", "population", lambda p, o: read_cog(p),
                   record=lambda r: {"code", "type"} <= set(r)
                   and str(r.get("type", "")).startswith(("commune", "arrondissement"))),
    RegisterFormat("epci", "composition des EPCI", "epci", lambda p, o: read_epci(p),
                   record=lambda r: {"code", "membres"} <= set(r)),
    RegisterFormat("france_services", "liste des France services", "france_services",
                   lambda p, o: read_france_services(p), csv=_keys("id_fs", "h_lundi"), sites=True),
    RegisterFormat("conum_lieux", "lieux d'activité des conseillers numériques", "conum",
                   lambda p, o: read_conum_lieux(p), record=_any_key("structureId", "conseiller_ids"), sites=True),
    RegisterFormat("conum_structures", "structures employeuses de conseillers numériques", "conum",
                   lambda p, o: read_conum_structures(p), record=lambda r: {"nb_cnfs", "raison_sociale"} <= set(r)),
    RegisterFormat("lieux", "lieux de médiation numérique (standard national)", "lieux",
                   lambda p, o: read_lieux(p, schema=o.lieux_schema, programmes=o.programmes),
                   csv=lambda h: "dispositif_programmes_nationaux" in h or {"pivot", "horaires", "itinerance"} <= h,
                   sites=True),
    RegisterFormat("lieux_schema", "schéma du standard des lieux de médiation numérique", "lieux_schema", None),
    RegisterFormat("density", "grille communale de densité", "density", lambda p, o: read_density(p),
                   csv=lambda h: "niveau_densite" in h),
    RegisterFormat("fragility", "indice de fragilité numérique (IRIS)", "fragility", lambda p, o: read_fragility(p),
                   csv=lambda h: "Insee Com" in h and any(name.startswith("SCORE GLOBAL") for name in h)),
    RegisterFormat("qpv", "quartiers prioritaires (QPV)", "qpv", lambda p, o: read_qpv(p),
                   csv=_keys("insee_com", "code_qp"), feature=lambda f: "code_qp" in (f.get("properties") or {})),
)
BY_KIND = {f.kind: f for f in FORMATS}
#: Register kinds and their French description.
KINDS = {f.kind: f.label for f in FORMATS}
#: Kinds of which several files are used together (e.g. contours of neighbouring départements).
MULTIPLE = frozenset(f.kind for f in FORMATS if f.multiple)
#: Keyword of ``load_territory`` (and CLI option) → the register kinds it may hold.
OPTION_KINDS: dict[str, tuple[str, ...]] = {}
for _format in FORMATS:
    OPTION_KINDS[_format.option] = (*OPTION_KINDS.get(_format.option, ()), _format.kind)
