"""Cost tables (``analysis.costs.CostTable``) read from TOML: the programme's figures by
default (``data/costs/programme-2021.toml``, every figure with its source), or a file of the
same layout given with ``--costs``. Every figure must be a finite number of the right sign
and every table needs its ``source``; errors name the file and the field."""

from __future__ import annotations

import math
from pathlib import Path

from ..core.costs import CostTable
from ..core.errors import ScenarioError
from .toml_files import read_toml

DEFAULT_COSTS = Path(__file__).parent / "costs" / "programme-2021.toml"

_LAYOUT = {
    "subsidy": ("months", "private", "public_mainland", "public_reunion_mayotte", "public_antilles_guyane"),
    "renewal": ("yearly_share", "qpv_zrr_bonus_share"),
    "salary": ("employer_cost_per_fte_year", "salary_share_of_post_cost", "annual_hours", "weekly_hours"),
    "driving": ("eur_per_km",),
}
#: Figures that must be strictly positive (the others may be 0).
_POSITIVE = {"months", "employer_cost_per_fte_year", "salary_share_of_post_cost", "annual_hours", "weekly_hours"}


def _number(value, path: Path, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ScenarioError(f"nombre fini ≥ 0 attendu, reçu {value!r}", path=path, field=field)
    if field.rsplit(".", 1)[-1] in _POSITIVE and value <= 0:
        raise ScenarioError(f"nombre > 0 attendu, reçu {value!r}", path=path, field=field)
    return float(value)


def _section(table, section: str, keys, path: Path) -> dict:
    """The ``CostTable`` fields of one ``[section]`` of a cost table, checked."""
    if not isinstance(table, dict):
        raise ScenarioError(f"table [{section}] attendue", path=path, field=section)
    extra = set(table) - set(keys) - {"source"}
    if extra:
        raise ScenarioError(f"clé(s) inconnue(s) {sorted(extra)} ; attendu {', '.join(keys)}, source",
                            path=path, field=section)
    values: dict = {}
    for key in keys:
        field = f"{section}.{key}"
        if key not in table:
            raise ScenarioError("valeur manquante", path=path, field=field)
        if key == "yearly_share":
            shares = table[key]
            if not isinstance(shares, list) or not shares:
                raise ScenarioError("liste non vide de parts attendue", path=path, field=field)
            values[f"{section}_{key}"] = tuple(_number(v, path, f"{field}[{i}]") for i, v in enumerate(shares))
        else:
            values[f"{section}_{key}" if section in ("subsidy", "renewal") else key] = _number(table[key], path, field)
    source = table.get("source", "")
    if not isinstance(source, str) or not source.strip():
        raise ScenarioError("source manquante : d'où viennent ces chiffres ?", path=path, field=f"{section}.source")
    values[f"{section}_source"] = source.strip()
    return values


def load_costs(path: str | Path | None = None) -> CostTable:
    """Read a cost table (module doc); ``None`` reads the default one.

    Parameters
    ----------
    path
        A TOML cost table; None: the programme's (``data/costs/programme-2021.toml``).

    Returns
    -------
    CostTable
    """
    path = DEFAULT_COSTS if path is None else Path(path)
    data = read_toml(path, "table de coûts introuvable")
    unknown = set(data) - set(_LAYOUT) - {"name", "source", "as_of"}
    if unknown:
        raise ScenarioError(f"clé(s) inconnue(s) {sorted(unknown)} ; attendu name, source, as_of, "
                            f"{', '.join(_LAYOUT)}", path=path)
    values: dict = {}
    for section, keys in _LAYOUT.items():
        values |= _section(data.get(section), section, keys, path)
    if values["salary_share_of_post_cost"] > 1:
        raise ScenarioError("part du salaire dans le coût d'un poste entre 0 et 1 attendue", path=path,
                            field="salary.salary_share_of_post_cost")
    return CostTable(name=str(data.get("name", path.stem)), source=str(data.get("source", path.name)),
                     as_of=str(data.get("as_of", "date non indiquée")), **values)
