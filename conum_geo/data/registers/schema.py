"""Validation of a CSV against a Frictionless Table Schema (national data standards).

The reference implementation, ``frictionless`` (extra ``validation``; the schema registry and
validator of data.gouv.fr are built on it), checks the file; its report becomes our French
lines, one per field and kind of error: what was expected, how many rows, the first row (as a
spreadsheet shows it: the header is row 1). The schema's own ``name`` and ``version`` are read
from the schema file and cited. Without frictionless installed, nothing beyond the product's
own checks is verified, and the caller says so.
"""

from __future__ import annotations

import importlib.util
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ...core.errors import InputError
from .io import read_json

#: Frictionless error types → French text (``{note}``: what the rule says).
ERROR_TEXTS = {
    "type-error": "valeur(s) du mauvais type",
    "constraint-error": "valeur(s) hors contrainte",
    "unique-error": "valeur(s) en double (doivent être uniques)",
    "primary-key": "identifiant(s) en double",
    "missing-cell": "cellule(s) manquante(s)",
    "extra-cell": "cellule(s) en trop",
    "blank-row": "ligne(s) vide(s)",
    "missing-label": "colonne(s) du schéma absente(s)",
    "extra-label": "colonne(s) hors schéma",
    "incorrect-label": "en-tête(s) différent(s) du schéma",
    "duplicate-label": "en-tête(s) en double",
}


@dataclass(frozen=True)
class SchemaInfo:
    """A Table Schema file: its path, name and version, and its descriptor."""

    path: Path
    name: str
    version: str
    descriptor: dict = field(repr=False, default_factory=dict)

    @property
    def label(self) -> str:
        return f"schéma {self.name} {self.version}".strip()


def read_schema(path: str | Path) -> SchemaInfo:
    """A Table Schema JSON file; it must have a list of ``fields``."""
    path = Path(path)
    descriptor = read_json(path)
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("fields"), list):
        raise InputError("ce n'est pas un TableSchema : objet avec une liste « fields » attendu", path=path)
    return SchemaInfo(path=path, name=str(descriptor.get("name", "")), version=str(descriptor.get("version", "")),
                      descriptor=descriptor)


_CONSTRAINT_NOTE = re.compile(r'^constraint "(\w+)" is "(.*)"$')


def _french_note(note: str) -> str:
    """A frictionless note in French where we know its form (constraints), else as is."""
    match = _CONSTRAINT_NOTE.match(note)
    return f"contrainte « {match.group(1)} » {match.group(2)}" if match else note


def validator_available() -> bool:
    """True when frictionless (extra ``validation``) is installed."""
    return importlib.util.find_spec("frictionless") is not None


def validate_csv(path: str | Path, schema: SchemaInfo) -> list[str]:
    """The schema's rules broken by the CSV at ``path``, one French line per field and kind."""
    from frictionless import Detector, Resource, Schema, system

    path = Path(path)
    with system.use_context(trusted=True):
        try:
            # schema_sync: fields are matched to the header by name, not by position.
            resource = Resource(path=str(path), schema=Schema.from_descriptor(schema.descriptor), format="csv",
                                detector=Detector(schema_sync=True))
            report = resource.validate()
        except Exception as exc:  # a schema frictionless cannot use
            raise InputError(f"schéma inutilisable par frictionless ({exc})", path=schema.path) from None
    grouped: dict[tuple[str, str], list] = defaultdict(list)
    for task in report.tasks:
        for error in task.errors:
            grouped[(error.type, getattr(error, "field_name", "") or "")].append(error)
    lines = []
    for (kind, field_name), errors in sorted(grouped.items(), key=lambda item: item[0]):
        first = errors[0]
        row = getattr(first, "row_number", None)
        where = f"{path}, champ « {field_name} »" if field_name else str(path)
        cell = getattr(first, "cell", None)
        example = f" : {cell!r}" if cell not in (None, "") else ""
        note = _french_note(getattr(first, "note", "") or "")
        at = f" (première ligne {row}{example}" + (f" ; règle : {note}" if note else "") + ")" \
            if row else (f" ({note})" if note else "")
        lines.append(f"{where} : {len(errors)} {ERROR_TEXTS.get(kind, kind)} selon le {schema.label}{at}")
    return lines
