"""What an option costs per year: State subsidy, cost for employers, driving.

An *option* is a set of posts (each with its employer's status, territory and QPV/ZRR flag)
and the driving they do each week. With the cost table (``CostTable``, read by
``data.cost_files``; the default is the programme's own figures with their sources):

- **State subsidy** of a post per year: the grant for its status and territory
  (private; public in mainland France, in La Réunion and Mayotte, in the Antilles and
  Guyane) over its ``months``, times 12; under ``funding="renewal"``, times the mean of the
  renewal's yearly shares, plus the QPV/ZRR bonus share when the employer is so flagged;
- **cost of the posts**: FTE × the employer cost of a full-time post ÷ the salary's share of
  a post's cost (premises, equipment and logistics on top of the salary);
- **driving**: weekly kilometres × working weeks (annual hours ÷ weekly hours) × €/km; the
  time spent driving is valued at the post's hourly cost, already inside the cost of the
  posts (reported, not added);
- **remaining cost for employers** = cost of the posts + driving − State subsidy; **cost per
  inhabitant covered** = that total ÷ the population the option covers.

A post whose employer's status is unknown is costed as private (the lower subsidy) and
counted in ``status_unknown_posts``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError

#: Employer territories with their own subsidy, by département code.
REUNION_MAYOTTE = frozenset({"974", "976"})
ANTILLES_GUYANE = frozenset({"971", "972", "973"})
FUNDING = {"initial": "subvention initiale (24 mois)", "renewal": "renouvellement 2023 (dégressif)"}
#: Columns of a costed option's posts.
COST_POST_COLUMNS = ("post_id", "fte", "public", "dept", "qpv_zrr")


@dataclass(frozen=True)
class CostTable:
    """The figures of a cost table (``data/costs/programme-2021.toml`` documents each)."""

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


def option_costs(posts: pd.DataFrame, table: CostTable, *, driving_km_week: float = 0.0,
                 driving_h_week: float = 0.0, population_covered: float = float("nan"),
                 funding: str = "initial") -> dict:
    """Yearly costs of an option (module doc): ``posts`` has ``COST_POST_COLUMNS``."""
    missing = set(COST_POST_COLUMNS) - set(posts.columns)
    if missing:
        raise ParameterError(f"postes à chiffrer : colonne(s) manquante(s) {sorted(missing)}")
    subsidy = table.yearly_subsidy(posts["public"], posts["dept"], posts["qpv_zrr"], funding).sum()
    fte = float(posts["fte"].sum())
    post_cost = fte * table.employer_cost_per_fte_year / table.salary_share_of_post_cost
    driving_km = float(driving_km_week) * table.working_weeks
    driving_cost = driving_km * table.eur_per_km
    total = post_cost + driving_cost
    covered = float(population_covered)
    return {
        "posts": int(len(posts)),
        "fte": fte,
        "state_subsidy_eur": float(subsidy),
        "posts_cost_eur": float(post_cost),
        "driving_km": driving_km,
        "driving_cost_eur": driving_cost,
        "driving_time_value_eur": float(driving_h_week) * table.working_weeks * table.hourly_cost_eur,
        "total_cost_eur": total,
        "employer_remaining_eur": total - float(subsidy),
        "cost_per_inhabitant_covered_eur": total / covered if covered > 0 else float("nan"),
        "status_unknown_posts": int(pd.array(posts["public"], dtype="boolean").isna().sum()),
    }


def posts_to_cost(territory, post_ids, *, public_default=pd.NA) -> pd.DataFrame:
    """``COST_POST_COLUMNS`` of the posts ``post_ids``: the employer's status, département
    (its commune's, else the territory's) and QPV/ZRR flag from ``territory.structures``.
    Ids not in ``territory.posts`` are new posts: FTE 1, status ``public_default``."""
    from ..data.departements import dept_of_commune

    ids = pd.Index(post_ids)
    posts = territory.posts.set_index("post_id").reindex(ids)
    structures = territory.structures.set_index("structure_id")
    employer = posts["structure_id"]
    public = employer.map(structures["public"]).astype("boolean")
    public = public.where(employer.notna(), public_default).astype("boolean")
    flagged = pd.Series(False, index=structures.index)
    for column in ("qpv", "zrr"):
        if column in structures.columns:
            flagged |= structures[column].astype("boolean").fillna(False).astype(bool)
    codes = (employer.map(structures["code_insee"]) if "code_insee" in structures.columns
             else pd.Series(None, index=employer.index, dtype=object))
    return pd.DataFrame({
        "post_id": ids.to_numpy(),
        "fte": posts["fte"].astype(float).fillna(1.0).to_numpy(),
        "public": public.to_numpy(),
        "dept": [dept_of_commune(c) if isinstance(c, str) and c else territory.dept for c in codes],
        "qpv_zrr": employer.map(flagged).isin([True]).to_numpy(),
    })


def before_after_costs(territory, *, ended_ids, added_ids, population_before: float, population_after: float,
                       table: CostTable, funding: str = "initial") -> pd.DataFrame:
    """Yearly costs of the posts before and after a scenario (rows ``before``, ``after``):
    the posts the scenario adds count only after, those it ends only before. Sites are
    fixed (no rounds), so no driving is costed."""
    ids = territory.posts["post_id"]
    rows = {
        "before": option_costs(posts_to_cost(territory, ids[~ids.isin(set(added_ids))]), table,
                               population_covered=population_before, funding=funding),
        "after": option_costs(posts_to_cost(territory, ids[~ids.isin(set(ended_ids))]), table,
                              population_covered=population_after, funding=funding),
    }
    return pd.DataFrame.from_dict(rows, orient="index")
