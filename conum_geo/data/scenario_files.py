"""Scenario files: the example scenarios shipped with the package, and reading TOML files.

The format is documented in ``core.scenarios``. ``--scenario`` takes a path or the name of
an example (``departement-non-renouvele``; ``example_scenarios()`` lists them). Every error
names the file and the field.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

from ..core.errors import ScenarioError
from ..core.scenarios import AddedPost, MovedPost, Scenario
from .toml_files import read_toml

_ENDS_KEYS = {"post_ids", "structure_ids", "structure_types", "contracts_ending_before",
              "include_neighbours"}
_TOP_KEYS = {"name", "description", "threshold_min", "kinds", "ends", "add", "move"}
_ADD_KEYS = {"post_id", "site_id", "code_insee", "presence_h", "fte"}
_MOVE_KEYS = {"post_id", "site_id", "code_insee", "presence_h"}


def example_scenarios() -> dict[str, Path]:
    """The example scenarios shipped with the package: name → file.

    Returns
    -------
    dict
        Name → path of each scenario shipped with the package (``conum_geo/data/scenarios``).
    """
    folder = resources.files("conum_geo.data") / "scenarios"
    return {Path(str(entry)).stem: Path(str(entry)) for entry in sorted(folder.iterdir(), key=str)
            if str(entry).endswith(".toml")}


def resolve_scenario(name_or_path: str | Path) -> Path:
    """A scenario file from a path, or from the name of an example scenario."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    examples = example_scenarios()
    name = path.name.removesuffix(".toml")
    if len(path.parts) == 1 and name in examples:
        return examples[name]
    raise ScenarioError(f"fichier de scénario introuvable (ni chemin ni exemple parmi : "
                        f"{', '.join(examples)})", path=name_or_path)


def _tuple_of_str(value, field: str, path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ScenarioError("liste de chaînes attendue", path=path, field=field)
    return tuple(value)


def _check_keys(table, allowed: set, path, field: str | None) -> dict:
    if not isinstance(table, dict):
        raise ScenarioError("table attendue", path=path, field=field)
    unknown = set(table) - allowed
    if unknown:
        raise ScenarioError(f"clé(s) inconnue(s) {sorted(unknown)} ; attendu parmi {sorted(allowed)}",
                            path=path, field=field)
    return table


def _optional_str(table: dict, key: str, path, field: str) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise ScenarioError("chaîne attendue", path=path, field=f"{field}.{key}")
    return value


def _placements(data: dict, key: str, allowed: set, path) -> list[tuple[str, dict]]:
    items = data.get(key, [])
    if not isinstance(items, list):
        raise ScenarioError(f"tableau de tables [[{key}]] attendu", path=path, field=key)
    checked = []
    for i, item in enumerate(items):
        field = f"{key}[{i}]"
        _check_keys(item, allowed, path, field)
        if "post_id" not in item:
            raise ScenarioError("post_id manquant", path=path, field=f"{field}.post_id")
        for name in ("post_id", "site_id", "code_insee"):
            _optional_str(item, name, path, field)
        checked.append((field, item))
    return checked


def _bool(table: dict, key: str, path, field: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ScenarioError("true ou false attendu", path=path, field=f"{field}.{key}")
    return value


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario TOML file (a path or an example's name); errors name the file and field.

    Parameters
    ----------
    path
        A TOML file, or the name of a shipped example (``example_scenarios``).

    Returns
    -------
    Scenario
    """
    path = resolve_scenario(path)
    data = read_toml(path, "fichier de scénario introuvable")
    _check_keys(data, _TOP_KEYS, path, None)
    ends = _check_keys(data.get("ends", {}), _ENDS_KEYS, path, "ends")
    before = ends.get("contracts_ending_before")
    if before is not None and (not isinstance(before, dt.date) or isinstance(before, dt.datetime)):
        raise ScenarioError("date TOML attendue, par ex. 2024-01-01", path=path,
                            field="ends.contracts_ending_before")
    name = data.get("name", path.stem)
    if not isinstance(name, str):
        raise ScenarioError("chaîne attendue", path=path, field="name")
    threshold = data.get("threshold_min")
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))):
        raise ScenarioError("nombre de minutes attendu", path=path, field="threshold_min")
    kinds = data.get("kinds")
    added = _placements(data, "add", _ADD_KEYS, path)
    moved = _placements(data, "move", _MOVE_KEYS, path)
    return Scenario(
        name=name,
        description=str(data.get("description", "")),
        end_post_ids=_tuple_of_str(ends.get("post_ids", []), "ends.post_ids", path),
        end_structure_ids=_tuple_of_str(ends.get("structure_ids", []), "ends.structure_ids", path),
        end_structure_types=_tuple_of_str(ends.get("structure_types", []), "ends.structure_types", path),
        contracts_ending_before=before,
        include_neighbours=_bool(ends, "include_neighbours", path, "ends"),
        added_posts=tuple(
            AddedPost(post_id=item["post_id"], presence_h=item.get("presence_h"),
                      site_id=item.get("site_id"), code_insee=item.get("code_insee"),
                      fte=item.get("fte", 1.0))
            for _, item in added),
        moved_posts=tuple(
            MovedPost(post_id=item["post_id"], site_id=item.get("site_id"),
                      code_insee=item.get("code_insee"), presence_h=item.get("presence_h"))
            for _, item in moved),
        threshold_min=None if threshold is None else float(threshold),
        kinds=None if kinds is None else _tuple_of_str(kinds, "kinds", path),
        source=str(path),
    )
