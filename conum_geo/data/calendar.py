"""The contract calendar: when each post's contract ends, known or estimated.

Each post of a territory gets:

- ``start_date``: the contract's start from the contracts table, else the date its employer's
  file was validated by the selection committee (structures file), else unknown;
- ``end_date``: the contract's end from the contracts table, else **estimated** as the start plus
  ``contract_months`` (default ``CONTRACT_MONTHS``, 24: the State funded each post for 24
  months), else unknown (such a post never ends by a date rule);
- ``end_date_source``: where the end comes from, in French, said wherever it is used;
  ``end_date_estimated`` marks the estimates;
- ``renewal_status``: ``RENEWAL_STATUSES`` key from the table, ``inconnu`` by default.

A table row names a post (``post_id``, or ``conseiller_id``: the post ``cnfs-c<id>``) or an
employer (``siret``: each of its posts); a post's own row wins over its employer's. Rows that
match no post are a notice; what a date rule does with estimated or unknown ends is said by
the rule (``analysis.scenarios``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ..core.errors import ParameterError
from ..core.notices import Notices
from ..core.territory import Territory
from ..core.vocabulary import CONTRACT_MONTHS
from .registers.io import Register

CALENDAR_COLUMNS = ("start_date", "end_date", "end_date_source", "end_date_estimated", "renewal_status")


def _post_rows(contracts: pd.DataFrame, territory: Territory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contract rows per post id (``post_id`` index), and the rows that match no post."""
    posts = territory.posts
    direct = contracts.loc[contracts["key"] != "siret"].assign(
        post_id=lambda f: np.where(f["key"] == "conseiller_id", "cnfs-c" + f["id"], f["id"]))
    siret_of = (territory.structures.set_index("structure_id")["siret"]
                if "siret" in territory.structures else pd.Series(dtype=object))
    posts_siret = posts[["post_id"]].assign(siret=posts["structure_id"].map(siret_of).fillna("").to_numpy())
    by_employer = contracts.loc[contracts["key"] == "siret"].merge(
        posts_siret, left_on="id", right_on="siret", how="left")
    known = set(posts["post_id"])
    unmatched = pd.concat([direct.loc[~direct["post_id"].isin(known)],
                           by_employer.loc[by_employer["post_id"].isna()]])
    matched = pd.concat([direct.loc[direct["post_id"].isin(known)],
                         by_employer.dropna(subset=["post_id"])]).drop_duplicates("post_id", keep="first")
    return matched.set_index("post_id"), unmatched


def _selection_dates(territory: Territory, posts: pd.DataFrame) -> pd.Series:
    """Each post's employer selection date (NaT when unknown or without a structures file)."""
    if "selection_date" not in territory.structures:
        return pd.Series(pd.NaT, index=range(len(posts)), dtype="datetime64[ns]")
    by_structure = territory.structures.drop_duplicates("structure_id").set_index("structure_id")["selection_date"]
    dates = pd.to_datetime(by_structure.replace("", None), errors="coerce")
    return pd.Series(dates.reindex(posts["structure_id"]).to_numpy(), dtype="datetime64[ns]")


def apply_calendar(territory: Territory, contracts: Register | None = None, *,
                   contract_months: int = CONTRACT_MONTHS) -> Territory:
    """``territory`` whose posts carry their contract calendar (module doc)."""
    if not contract_months > 0:
        raise ParameterError(f"durée de contrat : nombre de mois > 0 attendu, reçu {contract_months}")
    posts = territory.posts.copy()
    notices = Notices()
    rows = pd.DataFrame(columns=["start_date", "end_date", "renewal_status", "row"])
    sources = list(territory.sources)
    if contracts is not None:
        rows, unmatched = _post_rows(contracts.frame, territory)
        sources.append(contracts.label)
        if len(unmatched):
            notices.add("contrat_sans_poste", f"{contracts.path} : {len(unmatched)} ligne(s) ne correspondent "
                        "à aucun poste du territoire : ignorées", count=len(unmatched),
                        examples=[f"ligne {r} ({k} {i})" for r, k, i in
                                  zip(unmatched["row"], unmatched["key"], unmatched["id"])])
    if posts.empty:
        return replace(territory, sources=tuple(dict.fromkeys(sources)), warnings=[*territory.warnings, *notices])
    table = rows.reindex(posts["post_id"]).reset_index(drop=True)
    start_table = pd.to_datetime(table["start_date"])
    start = start_table.fillna(_selection_dates(territory, posts))
    if start.isna().all():
        notices.add("dates_inconnues", f"{len(posts)} poste(s) sans date de début connue (ni tableau des contrats, "
                    "ni date de validation de l'employeur dans un fichier des structures) : aucun ne prend fin par "
                    "une règle de date (--on, contracts_ending_before) ; passer --contrats ou le fichier des "
                    "structures", count=len(posts))
    end_table = pd.to_datetime(table["end_date"])
    estimated = end_table.isna() & start.notna()
    start_from = np.where(start_table.isna(), "validation de l'employeur en comité de sélection",
                          "début du tableau des contrats")
    posts["start_date"] = start.to_numpy()
    posts["end_date"] = end_table.fillna(start + pd.DateOffset(months=contract_months) - pd.Timedelta(days=1)).to_numpy()
    posts["end_date_source"] = np.select(
        [end_table.notna(), estimated],
        ["tableau des contrats", pd.Series(start_from).radd("estimée : ") + f" + {contract_months} mois"],
        "inconnue")
    posts["end_date_estimated"] = estimated.to_numpy()
    posts["renewal_status"] = table["renewal_status"].fillna("inconnu").to_numpy()
    return replace(territory, posts=posts, sources=tuple(dict.fromkeys(sources)),
                   warnings=[*territory.warnings, *notices])
