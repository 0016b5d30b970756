"""Cost tables: the figures an option is costed with, each with its source.

``CostTable`` holds the figures of a cost table (read by ``data.cost_files``; the default is
the programme's own, ``data/costs/programme-2021.toml``) and the subsidy rule by employer
status and territory; ``analysis.costs`` costs options with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import ParameterError

#: Employer territories with their own subsidy, by département code.
REUNION_MAYOTTE = frozenset({"974", "976"})
ANTILLES_GUYANE = frozenset({"971", "972", "973"})
FUNDING = {"initial": "subvention initiale (24 mois)", "renewal": "renouvellement 2023 (dégressif)"}
#: Columns of a costed option's posts.
COST_POST_COLUMNS = ("post_id", "fte", "public", "dept", "qpv_zrr")


@dataclass(frozen=True)
class CostTable:
    """The figures of a cost table (``data/costs/programme-2021.toml`` documents each).

    Attributes
    ----------
    name, source, as_of
        What the table is, the text it comes from, and the date its figures hold for.
    subsidy_months
        How many months the State's initial grant of a post covers.
    subsidy_private, subsidy_public_mainland, subsidy_public_reunion_mayotte, subsidy_public_antilles_guyane
        The State's subsidy of a post for the whole grant (EUR, over ``subsidy_months``), by
        employer status and territory.
    subsidy_source
        Where the subsidy figures come from.
    renewal_yearly_share, renewal_qpv_zrr_bonus_share
        The renewal subsidy per year as a share of the post's cost, and the QPV/ZRR bonus share.
    renewal_source
        Where the renewal figures come from.
    employer_cost_per_fte_year, salary_share_of_post_cost
        The employer's yearly cost of a full-time post (EUR) and the salary's share of it.
    annual_hours, weekly_hours
        A full-time post's hours per year and per week.
    salary_source
        Where the salary figures come from.
    eur_per_km
        The cost of a driven kilometre (EUR), for advisers who travel.
    driving_source
        Where that figure comes from.
    """

    name: str
    source: str
    as_of: str
    subsidy_months: float
    subsidy_private: float
    subsidy_public_mainland: float
    subsidy_public_reunion_mayotte: float
    subsidy_public_antilles_guyane: float
    subsidy_source: str
    renewal_yearly_share: tuple[float, ...]
    renewal_qpv_zrr_bonus_share: float
    renewal_source: str
    employer_cost_per_fte_year: float
    salary_share_of_post_cost: float
    annual_hours: float
    weekly_hours: float
    salary_source: str
    eur_per_km: float
    driving_source: str

    @property
    def working_weeks(self) -> float:
        return self.annual_hours / self.weekly_hours

    @property
    def hourly_cost_eur(self) -> float:
        """Cost of one working hour of a post (salary only)."""
        return self.employer_cost_per_fte_year / self.annual_hours

    def yearly_subsidy(self, public, dept, qpv_zrr, funding: str = "initial") -> np.ndarray:
        """State subsidy per year of each post (module doc)."""
        if funding not in FUNDING:
            raise ParameterError(f"financement inconnu {funding!r} : attendu {', '.join(FUNDING)}")
        public = np.asarray(pd.array(public, dtype="boolean").fillna(False), dtype=bool)
        dept = np.asarray(dept, dtype=str)
        grant = np.select(
            [~public, np.isin(dept, list(REUNION_MAYOTTE)), np.isin(dept, list(ANTILLES_GUYANE))],
            [self.subsidy_private, self.subsidy_public_reunion_mayotte, self.subsidy_public_antilles_guyane],
            self.subsidy_public_mainland)
        yearly = grant * 12.0 / self.subsidy_months
        if funding == "renewal":
            flagged = np.asarray(pd.array(qpv_zrr, dtype="boolean").fillna(False), dtype=bool)
            yearly = yearly * (float(np.mean(self.renewal_yearly_share))
                               + np.where(flagged, self.renewal_qpv_zrr_bonus_share, 0.0))
        return yearly

    def lines(self, funding: str = "initial", *, driving: bool = True) -> list[str]:
        """French lines saying where each figure comes from (for outputs); ``driving`` False
        for options on fixed sites, which cost no driving."""
        lines = [f"Coûts : {self.name} ({self.as_of}) ; financement : {FUNDING[funding]}.",
                 f"Subvention de l'État : {self.subsidy_source}.",
                 f"Coût d'un poste : {self.salary_source}."]
        if driving:
            lines.append(f"Déplacements : {self.driving_source}.")
        if funding == "renewal":
            lines.insert(2, f"Renouvellement : {self.renewal_source}.")
        return lines
