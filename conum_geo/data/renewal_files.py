"""Renewal assumptions read from a TOML file (``analysis.renewal``)::

    name = "Hypothèses du comité départemental"
    source = "Réunion des employeurs du 12 mai 2023"

    [outcomes.default]            # every type not listed below
    renews = 716                  # survey counts or shares: they are normalised
    no = 61
    undecided = 150
    source = "enquête employeurs 2023 (001:6361-6376)"

    [outcomes.association]
    renews = 2
    no = 8
    source = "9 (+1) associations enquêtées, 2 renouvelées (000:4291-4293)"

    [partial]                     # renewing employers of several posts
    all = 118
    majority = 46
    minority = 9
    source = "enquête employeurs 2023"

Every table needs its ``source``; every error names the file and the field.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..core.errors import ScenarioError
from ..core.renewal import Outcomes, RenewalAssumptions, shares
from ..core.vocabulary import STRUCTURE_TYPES
from .toml_files import read_toml


def _weights(table, keys: tuple[str, ...], path, field: str) -> tuple[tuple[float, ...], str]:
    if not isinstance(table, dict):
        raise ScenarioError("table attendue", path=path, field=field)
    unknown = set(table) - set(keys) - {"source"}
    if unknown:
        raise ScenarioError(f"clé(s) inconnue(s) {sorted(unknown)} ; attendu {', '.join(keys)}, source",
                            path=path, field=field)
    values = []
    for key in keys:
        value = table.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ScenarioError(f"effectif ou part ≥ 0 attendu, reçu {value!r}", path=path, field=f"{field}.{key}")
        values.append(float(value))
    if sum(values) <= 0:
        raise ScenarioError(f"{', '.join(keys)} : au moins un effectif > 0 attendu", path=path, field=field)
    source = table.get("source", "")
    if not isinstance(source, str) or not source.strip():
        raise ScenarioError("source manquante : d'où viennent ces chiffres ?", path=path, field=f"{field}.source")
    return shares(*values), source


def load_assumptions(path: str | Path, *, undecided: str = "split") -> RenewalAssumptions:
    """Read renewal assumptions (module doc).

    Parameters
    ----------
    path
        A TOML file of renewal assumptions.
    undecided
        What the undecided employers do (``core.renewal.UNDECIDED``).

    Returns
    -------
    RenewalAssumptions
    """
    path = Path(path)
    data = read_toml(path, "fichier d'hypothèses de renouvellement introuvable")
    unknown = set(data) - {"name", "source", "outcomes", "partial"}
    if unknown:
        raise ScenarioError(f"clé(s) inconnue(s) {sorted(unknown)} ; attendu name, source, outcomes, partial", path=path)
    table = data.get("outcomes")
    if not isinstance(table, dict) or "default" not in table:
        raise ScenarioError("table [outcomes.default] attendue", path=path, field="outcomes")
    bad = set(table) - set(STRUCTURE_TYPES) - {"default"}
    if bad:
        raise ScenarioError(f"type(s) de structure inconnu(s) {sorted(bad)} ; attendu parmi {sorted(STRUCTURE_TYPES)}",
                            path=path, field="outcomes")
    read = {}
    for key, weights in table.items():
        (renews, no, undecided_share), source = _weights(weights, ("renews", "no", "undecided"), path, f"outcomes.{key}")
        read[key] = Outcomes(renews, no, undecided_share, source)
    partial, partial_source = _weights(data.get("partial", {"all": 1, "source": "tous les postes renouvelés"}),
                                       ("all", "majority", "minority"), path, "partial")
    return RenewalAssumptions(
        name=str(data.get("name", path.stem)), source=str(data.get("source", path.name)),
        outcomes={t: read.get(t, read["default"]) for t in STRUCTURE_TYPES},
        partial=(partial[0], partial[1], partial[2]), partial_source=partial_source, undecided=undecided)
