"""Validation of a CSV table against a Frictionless TableSchema (the subset national data
standards use: ``required``, ``unique``, ``pattern``, ``maxLength``, ``enum``, types ``string``,
``number``, ``integer``, ``date``).

Violations in the fields the product relies on (``strict``) raise ``InputError`` naming the
row and field; other violations are summarised, one line per field, so a national export with
a badly formatted phone number is still usable.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import InputError
from .io import read_json, spreadsheet_row


def load_schema(path: str | Path) -> dict:
    """A TableSchema JSON file; it must have a list of ``fields``."""
    schema = read_json(Path(path))
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        raise InputError("ce n'est pas un TableSchema : objet avec une liste « fields » attendu", path=path)
    return schema


def _type_ok(kind: str, value: str) -> bool:
    try:
        if kind == "number":
            float(value)
        elif kind == "integer":
            int(value)
        elif kind == "date":
            dt.date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


def _violations(spec: dict, values: pd.Series) -> tuple[np.ndarray, str]:
    """Mask of invalid non-empty values of one field and the rule they break."""
    constraints = spec.get("constraints", {})
    filled = values != ""
    checks = []
    if spec.get("type") in ("number", "integer", "date"):
        checks.append((np.array([_type_ok(spec["type"], v) if f else True for v, f in zip(values, filled)]),
                       f"pas de type {spec['type']}"))
    if "pattern" in constraints:
        pattern = re.compile(constraints["pattern"])
        checks.append((np.array([bool(pattern.fullmatch(v)) if f else True for v, f in zip(values, filled)]),
                       f"ne suit pas le motif {constraints['pattern']}"))
    if "maxLength" in constraints:
        checks.append(((values.str.len() <= constraints["maxLength"]).to_numpy() | ~filled.to_numpy(),
                       f"plus de {constraints['maxLength']} caractères"))
    if "enum" in constraints:
        checks.append((values.isin(constraints["enum"]).to_numpy() | ~filled.to_numpy(),
                       f"hors de {constraints['enum']}"))
    for ok, rule in checks:
        if not ok.all():
            return ~ok, rule
    return np.zeros(len(values), dtype=bool), ""


def validate_table(frame: pd.DataFrame, schema: dict, *, path, strict: set[str]) -> list[str]:
    """Check ``frame`` (text cells) against ``schema``; returns the non-strict problems."""
    problems = []
    for spec in schema["fields"]:
        name = spec["name"]
        constraints = spec.get("constraints", {})
        if name not in frame.columns:
            if constraints.get("required"):
                raise InputError("colonne exigée par le schéma absente", path=path, field=name)
            continue
        values = frame[name].fillna("").astype(str).str.strip()

        def fail(i, message, name=name):
            return InputError(message, path=path, row=spreadsheet_row(i), field=name)

        empty = np.flatnonzero((values == "").to_numpy())
        if constraints.get("required") and len(empty):
            if name in strict:
                raise fail(empty[0], "valeur vide dans un champ obligatoire")
            problems.append(f"{path}, champ « {name} » : {len(empty)} valeur(s) vide(s) dans un champ "
                            f"obligatoire (première ligne {spreadsheet_row(empty[0])})")
        if constraints.get("unique"):
            duplicated = np.flatnonzero((values.duplicated() & (values != "")).to_numpy())
            if len(duplicated):
                raise fail(duplicated[0], f"valeur en double {values.iloc[duplicated[0]]!r} ; doit être unique")
        invalid, rule = _violations(spec, values)
        bad = np.flatnonzero(invalid)
        if len(bad):
            if name in strict:
                raise fail(bad[0], f"{values.iloc[bad[0]]!r} {rule}")
            problems.append(f"{path}, champ « {name} » : {len(bad)} valeur(s) : {rule} "
                            f"(première ligne {spreadsheet_row(bad[0])} : {values.iloc[bad[0]]!r})")
    return problems
