"""Non-renewal scenarios as data: which posts end, and which sites stay active.

A scenario is a TOML file or a ``Scenario`` object::

    name = "Le Département ne renouvelle pas ses postes"
    [ends]
    structure_types = ["departement"]   # and/or structure_ids, post_ids,
    contracts_ending_before = 2024-01-01  # posts whose end_date is before this date

A ``conum`` site stays active while at least one active post serves it (a register lieu with
no known post stays active); other kinds are not touched by post endings.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ScenarioError
from .tables import STRUCTURE_TYPES, Territory

_ENDS_KEYS = {"post_ids", "structure_ids", "structure_types", "contracts_ending_before"}
_TOP_KEYS = {"name", "description", "ends"}


@dataclass(frozen=True)
class Scenario:
    """Posts that end. An empty scenario changes nothing (the baseline)."""

    name: str = "Situation actuelle"
    description: str = ""
    end_post_ids: tuple[str, ...] = ()
    end_structure_ids: tuple[str, ...] = ()
    end_structure_types: tuple[str, ...] = ()
    contracts_ending_before: dt.date | None = None

    def __post_init__(self):
        unknown = [t for t in self.end_structure_types if t not in STRUCTURE_TYPES]
        if unknown:
            raise ScenarioError(
                f"unknown structure type(s) {unknown}; expected some of {sorted(STRUCTURE_TYPES)}",
                field="ends.structure_types",
            )

    @property
    def is_empty(self) -> bool:
        return not (self.end_post_ids or self.end_structure_ids or self.end_structure_types
                    or self.contracts_ending_before)

    def ended_posts(self, territory: Territory) -> pd.Series:
        """Boolean Series over ``territory.posts``: True for posts that end."""
        posts = territory.posts
        for ids, table, column in (
            (self.end_post_ids, posts, "post_id"),
            (self.end_structure_ids, territory.structures, "structure_id"),
        ):
            missing = sorted(set(ids) - set(table[column]))
            if missing:
                raise ScenarioError(f"unknown {column}(s) {missing[:5]}", field=f"ends.{column}s")
        types = territory.structures.set_index("structure_id")["structure_type"]
        ends = (
            posts["post_id"].isin(self.end_post_ids)
            | posts["structure_id"].isin(self.end_structure_ids)
            | posts["structure_id"].map(types).isin(self.end_structure_types)
        )
        if self.contracts_ending_before is not None:
            end_dates = pd.to_datetime(posts["end_date"])
            ends |= (end_dates < pd.Timestamp(self.contracts_ending_before)).fillna(False)
        return ends.astype(bool)


def active_sites(territory: Territory, ended_posts: pd.Series) -> np.ndarray:
    """Boolean mask over ``territory.sites``: sites still open once ``ended_posts`` end."""
    links = territory.post_sites
    live_posts = set(territory.posts.loc[~ended_posts.to_numpy(), "post_id"])
    served = set(links.loc[links["post_id"].isin(live_posts), "site_id"])
    has_posts = territory.sites["site_id"].isin(set(links["site_id"]))
    is_conum = territory.sites["kind"] == "conum"
    return (~is_conum | ~has_posts | territory.sites["site_id"].isin(served)).to_numpy()


def _tuple_of_str(value, field: str, path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ScenarioError("expected a list of strings", path=path, field=field)
    return tuple(value)


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario TOML file; every error names the file and the field."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError("scenario file not found", path=path) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"not valid TOML ({exc})", path=path) from None
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ScenarioError(f"unknown key(s) {sorted(unknown)}; expected {sorted(_TOP_KEYS)}", path=path)
    ends = data.get("ends", {})
    if not isinstance(ends, dict):
        raise ScenarioError("expected a table [ends]", path=path, field="ends")
    unknown = set(ends) - _ENDS_KEYS
    if unknown:
        raise ScenarioError(f"unknown key(s) {sorted(unknown)}; expected {sorted(_ENDS_KEYS)}",
                            path=path, field="ends")
    before = ends.get("contracts_ending_before")
    if before is not None and not isinstance(before, dt.date):
        raise ScenarioError("expected a TOML date such as 2024-01-01", path=path,
                            field="ends.contracts_ending_before")
    name = data.get("name", path.stem)
    if not isinstance(name, str):
        raise ScenarioError("expected a string", path=path, field="name")
    try:
        return Scenario(
            name=name,
            description=str(data.get("description", "")),
            end_post_ids=_tuple_of_str(ends.get("post_ids", []), "ends.post_ids", path),
            end_structure_ids=_tuple_of_str(ends.get("structure_ids", []), "ends.structure_ids", path),
            end_structure_types=_tuple_of_str(ends.get("structure_types", []), "ends.structure_types", path),
            contracts_ending_before=before,
        )
    except ScenarioError as exc:
        raise ScenarioError(str(exc), path=path) from None


#: The demo's default: the Département's posts are not renewed (territory A of the research).
DEFAULT_SCENARIO = Scenario(
    name="Le Département ne renouvelle pas ses postes",
    description="Tous les postes dont l'employeur est le Département prennent fin.",
    end_structure_types=("departement",),
)
