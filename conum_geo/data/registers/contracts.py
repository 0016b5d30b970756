"""The contracts table a coordinator keeps: which post ends when, and whether it is renewed.

No national register publishes contract dates, so the product reads the table users keep, as
CSV (``,`` or ``;``) or XLSX (first sheet; extra ``xlsx``). One row per contract, with:

- what it is the contract of, one of: ``post_id`` (the product's post id), ``conseiller_id``
  (the conseiller's id in the lieux d'activité) or ``siret`` (the employer: every post of it);
- ``date_debut`` and/or ``date_fin`` (``AAAA-MM-JJ`` or ``JJ/MM/AAAA``; the end is the contract's
  last day);
- ``statut`` (optional): renouvelé, non renouvelé, en attente (``vocabulary.RENEWAL_STATUSES``).

Headers are matched without case or accents, with English aliases (``start``, ``end``,
``status``). Every problem raises ``InputError`` naming the file, row and field.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from ...core.errors import InputError
from .io import Register, file_as_of, normalised_name, read_csv, spreadsheet_row

KIND = "contracts"
#: Normalised header → column, per column.
_ALIASES = {
    "post_id": ("POST ID", "POSTE", "ID POSTE"),
    "conseiller_id": ("CONSEILLER ID", "ID CONSEILLER", "CONSEILLER"),
    "siret": ("SIRET", "SIRET EMPLOYEUR"),
    "start_date": ("DATE DEBUT", "DEBUT", "DATE DE DEBUT", "START", "START DATE"),
    "end_date": ("DATE FIN", "FIN", "DATE DE FIN", "END", "END DATE"),
    "renewal_status": ("STATUT", "STATUT RENOUVELLEMENT", "RENOUVELLEMENT", "STATUS"),
}
_IDS = ("post_id", "conseiller_id", "siret")
#: Normalised status text → ``RENEWAL_STATUSES`` key.
_STATUSES = {
    "": "inconnu", "INCONNU": "inconnu",
    "RENOUVELE": "renouvele", "RENOUVELEE": "renouvele", "OUI": "renouvele", "RENEWED": "renouvele",
    "NON RENOUVELE": "non_renouvele", "NON RENOUVELEE": "non_renouvele", "NON": "non_renouvele",
    "NOT RENEWED": "non_renouvele",
    "EN ATTENTE": "en_attente", "EN ATTENTE DE DECISION": "en_attente", "INDECIS": "en_attente",
    "NE SAIT PAS": "en_attente", "UNDECIDED": "en_attente",
}
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_FRENCH = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def _table(path: Path) -> pd.DataFrame:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            import openpyxl  # noqa: F401  (pandas' engine for XLSX)
        except ImportError:
            raise InputError("lire un classeur XLSX demande openpyxl : pip install 'conum-geo[xlsx]' "
                             "(ou enregistrer la feuille en CSV)", path=path) from None
        try:
            frame = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many types on a broken workbook (zip, XML, values)
            raise InputError(f"classeur XLSX illisible ({exc.__class__.__name__} : "
                             f"{' '.join(str(exc).split())[:200]})", path=path) from None
        if frame.empty:
            raise InputError("aucune ligne de données sous l'en-tête", path=path)
        return frame
    return read_csv(path, ())


def _date(value, path: Path, row: int, field: str | None) -> pd.Timestamp:
    if isinstance(value, (dt.date, pd.Timestamp)):
        return pd.Timestamp(value).normalize()
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()
    if not text:
        return pd.NaT
    try:
        if _ISO.fullmatch(text[:10]) and (len(text) == 10 or text[10] in " T"):
            return pd.Timestamp(dt.date.fromisoformat(text[:10]))
        match = _FRENCH.fullmatch(text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            return pd.Timestamp(dt.date(year, month, day))
    except ValueError:
        pass
    raise InputError(f"date {text!r} illisible : AAAA-MM-JJ ou JJ/MM/AAAA attendu", path=path, row=row, field=field)


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


def _record(values: dict, columns: dict, path: Path, row: int) -> dict:
    """One contract of the table: its row, key and id, dates and renewal status, checked."""
    ids = {k: _text(values[columns[k]]) if columns[k] else "" for k in _IDS}
    key = next((k for k in _IDS if ids[k]), None)
    if key is None:
        raise InputError("ni post_id, ni conseiller_id, ni siret", path=path, row=row)
    if key == "siret":
        ids["siret"] = re.sub(r"\s", "", ids["siret"]).removesuffix(".0")
        if not re.fullmatch(r"\d{14}", ids["siret"]):
            raise InputError(f"SIRET {ids['siret']!r} : 14 chiffres attendus", path=path, row=row, field=columns["siret"])
    dates = {k: _date(values[columns[k]], path, row, columns[k]) if columns[k] else pd.NaT
             for k in ("start_date", "end_date")}
    if pd.notna(dates["start_date"]) and pd.notna(dates["end_date"]) and dates["end_date"] < dates["start_date"]:
        raise InputError("date_fin avant date_debut", path=path, row=row, field=columns["end_date"])
    status_text = _text(values[columns["renewal_status"]]) if columns["renewal_status"] else ""
    status = _STATUSES.get(normalised_name(status_text))
    if status is None:
        raise InputError(f"statut {status_text!r} inconnu : renouvelé, non renouvelé ou en attente attendu",
                         path=path, row=row, field=columns["renewal_status"])
    return {"row": row, "key": key, "id": ids[key], **dates, "renewal_status": status}


def read_contracts(path: str | Path) -> Register:
    """Read a contracts table (module doc): one row per contract, with its ``row`` number."""
    path = Path(path)
    if not path.is_file():
        raise InputError("fichier introuvable", path=path)
    raw = _table(path)
    by_name = {normalised_name(c): c for c in raw.columns}
    columns = {key: next((by_name[a] for a in aliases if a in by_name), None) for key, aliases in _ALIASES.items()}
    if not any(columns[k] for k in _IDS):
        raise InputError("aucune colonne d'identifiant : post_id, conseiller_id ou siret attendue", path=path, row=1)
    if not (columns["start_date"] or columns["end_date"]):
        raise InputError("ni date_debut ni date_fin : au moins une des deux colonnes attendue", path=path, row=1)
    records = [_record(values, columns, path, spreadsheet_row(index))
               for index, values in enumerate(raw.to_dict("records"))]
    frame = pd.DataFrame(records)
    duplicated = frame.duplicated(["key", "id"], keep=False)
    if duplicated.any():
        first = frame.loc[duplicated].iloc[0]
        rows = frame.loc[(frame["key"] == first["key"]) & (frame["id"] == first["id"]), "row"].tolist()
        raise InputError(f"{first['key']} {first['id']!r} en double (lignes {', '.join(map(str, rows))}) : "
                         "une ligne par contrat attendue", path=path, row=rows[1])
    as_of = file_as_of(path)
    return Register(kind=KIND, path=path, frame=frame, as_of=as_of,
                    label=f"Source : tableau des contrats ({path.name}, {as_of})")
