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

import pandas as pd

from ..core.costs import COST_POST_COLUMNS, CostTable
from ..core.errors import ParameterError
from ..core.messages import says


def option_costs(posts: pd.DataFrame, table: CostTable, *, driving_km_week: float = 0.0,
                 driving_h_week: float = 0.0, population_covered: float = float("nan"),
                 funding: str = "initial") -> dict:
    """Yearly costs of an option (module doc): ``posts`` has ``COST_POST_COLUMNS``.

    Parameters
    ----------
    posts
        The option's posts: ``COST_POST_COLUMNS``.
    table
        The cost table.
    driving_km_week, driving_h_week
        The kilometres and hours its posts drive each week.
    population_covered
        The inhabitants it covers (for the cost per inhabitant).
    funding
        ``"initial"`` or ``"renewal"``.

    Returns
    -------
    dict
        The yearly figures (``outputs.cost_text.COST_COLUMNS``).
    """
    missing = set(COST_POST_COLUMNS) - set(posts.columns)
    if missing:
        raise ParameterError(says("cost_columns", missing=sorted(missing)))
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
    from ..core.departements import dept_of_commune

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
