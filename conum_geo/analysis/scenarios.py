"""Scenarios as data: posts that end, posts added or moved, and the settings they use.

A scenario is a TOML file or the same as a ``Scenario`` object::

    name = "Le Département ne renouvelle pas ses postes"
    description = "..."
    threshold_min = 20            # optional; command-line flags win
    kinds = ["conum"]             # optional: site kinds that count for coverage

    [ends]                        # posts that end, by any of:
    post_ids = ["dep-58-p01"]
    structure_ids = ["dep-58"]
    structure_types = ["departement", "association"]
    contracts_ending_before = 2024-01-01   # posts whose end_date is before this date
    include_neighbours = false    # structure types and dates apply to the département's own
                                  # employers only (the Cher's Département is not the Nièvre's)

    [[add]]                       # a new post, at an existing Conum site (site_id) or at a
    post_id = "nouveau-1"         # new site at a commune's origin point (code_insee)
    code_insee = "58086"
    presence_h = 20               # weekly presence hours it brings there
    fte = 1.0                     # optional, default 1

    [[move]]                      # an existing post moves; its presence hours follow it
    post_id = "dep-58-p03"
    site_id = "conum-58079"
    presence_h = 10               # optional: default, the hours it held at its sites

How sites follow posts is in ``conum_geo.supply``. An empty scenario changes nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import ScenarioError
from ..settings import Settings
from .supply import PostLinks, SupplyChange, post_hours, site_state
from ..tables import SITE_KINDS, STRUCTURE_TYPES, Territory

_ENDS_KEYS = {"post_ids", "structure_ids", "structure_types", "contracts_ending_before",
              "include_neighbours"}
_TOP_KEYS = {"name", "description", "threshold_min", "kinds", "ends", "add", "move"}
_ADD_KEYS = {"post_id", "site_id", "code_insee", "presence_h", "fte"}
_MOVE_KEYS = {"post_id", "site_id", "code_insee", "presence_h"}
NEW_SITE_PREFIX = "scenario-"


@dataclass(frozen=True)
class AddedPost:
    """A new post at an existing Conum site (``site_id``) or a new site (``code_insee``)."""

    post_id: str
    presence_h: float
    site_id: str | None = None
    code_insee: str | None = None
    fte: float = 1.0


@dataclass(frozen=True)
class MovedPost:
    """An existing post that now works at one site; ``presence_h`` None keeps its hours."""

    post_id: str
    site_id: str | None = None
    code_insee: str | None = None
    presence_h: float | None = None


@dataclass(frozen=True)
class Scenario:
    """Posts that end, are added or move; optional threshold and kinds.

    ``source`` is the file the scenario was read from (named in error messages).
    """

    name: str = "Situation actuelle"
    description: str = ""
    end_post_ids: tuple[str, ...] = ()
    end_structure_ids: tuple[str, ...] = ()
    end_structure_types: tuple[str, ...] = ()
    contracts_ending_before: dt.date | None = None
    include_neighbours: bool = False
    added_posts: tuple[AddedPost, ...] = ()
    moved_posts: tuple[MovedPost, ...] = ()
    threshold_min: float | None = None
    kinds: tuple[str, ...] | None = None
    source: str | None = None

    def __post_init__(self):
        unknown = [t for t in self.end_structure_types if t not in STRUCTURE_TYPES]
        if unknown:
            raise ScenarioError(
                f"unknown structure type(s) {unknown}; expected some of {sorted(STRUCTURE_TYPES)}",
                path=self.source, field="ends.structure_types",
            )
        unknown = [k for k in self.kinds or () if k not in SITE_KINDS]
        if unknown or self.kinds == ():
            raise ScenarioError(f"unknown or no site kind(s) {unknown}; expected some of "
                                f"{sorted(SITE_KINDS)}", path=self.source, field="kinds")
        if self.threshold_min is not None and not self.threshold_min > 0:
            raise ScenarioError(f"expected minutes > 0, got {self.threshold_min}",
                                path=self.source, field="threshold_min")

    def _error(self, message: str, field: str) -> ScenarioError:
        return ScenarioError(message, path=self.source, field=field)

    def settings(self, base: Settings = Settings()) -> Settings:
        """``base`` with the scenario's threshold and kinds, when it sets them."""
        return base.with_overrides(threshold_min=self.threshold_min, kinds=self.kinds)

    def ended_posts(self, territory: Territory) -> pd.Series:
        """Boolean Series over ``territory.posts``: True for posts that end."""
        posts = territory.posts
        for ids, table, column in (
            (self.end_post_ids, posts, "post_id"),
            (self.end_structure_ids, territory.structures, "structure_id"),
        ):
            missing = sorted(set(ids) - set(table[column]))
            if missing:
                raise self._error(f"unknown {column}(s) {missing[:5]}", f"ends.{column}s")
        structures = territory.structures
        ruled = structures["structure_id"]
        if not self.include_neighbours and "in_dept" in structures:
            # Rules (types, dates) describe the département's own employers: the posts of
            # a neighbouring Département, kept because people cross borders, do not end.
            ruled = ruled[structures["in_dept"].fillna(True).astype(bool).to_numpy()]
        in_scope = posts["structure_id"].isin(set(ruled))
        types = structures.set_index("structure_id")["structure_type"]
        by_rule = posts["structure_id"].map(types).isin(self.end_structure_types)
        if self.contracts_ending_before is not None:
            end_dates = pd.to_datetime(posts["end_date"])
            by_rule |= (end_dates < pd.Timestamp(self.contracts_ending_before)).fillna(False)
        ends = (
            posts["post_id"].isin(self.end_post_ids)
            | posts["structure_id"].isin(self.end_structure_ids)
            | (by_rule & in_scope)
        )
        return ends.astype(bool)

    def _place(self, item, field: str, territory: Territory) -> str:
        """The site an added or moved post goes to (``NEW_SITE_PREFIX`` + code for a new one)."""
        if (item.site_id is None) == (item.code_insee is None):
            raise self._error("give exactly one of site_id or code_insee", field)
        if item.code_insee is not None:
            if item.code_insee not in set(territory.communes["code_insee"]):
                raise self._error(f"unknown commune {item.code_insee!r}", f"{field}.code_insee")
            return NEW_SITE_PREFIX + item.code_insee
        kinds = territory.sites.set_index("site_id")["kind"]
        if item.site_id not in kinds.index:
            raise self._error(f"unknown site {item.site_id!r}", f"{field}.site_id")
        if kinds[item.site_id] != "conum":
            raise self._error(f"site {item.site_id!r} is a {kinds[item.site_id]} site; posts go to "
                              "conum sites", f"{field}.site_id")
        return item.site_id

    def _hours(self, value, field: str, *, required: bool) -> float | None:
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or value < 0:
            raise self._error(f"expected a number of hours >= 0, got {value!r}", field)
        return float(value)

    def _contributions(self, territory: Territory, ended: pd.Series) -> pd.DataFrame:
        """What added and moved posts bring: rows (site_id, presence_h, fte)."""
        post_ids = set(territory.posts["post_id"])
        rows = []
        for i, post in enumerate(self.added_posts):
            field = f"add[{i}]"
            if post.post_id in post_ids:
                raise self._error(f"post {post.post_id!r} already exists", f"{field}.post_id")
            post_ids.add(post.post_id)
            hours = self._hours(post.presence_h, f"{field}.presence_h", required=True)
            if isinstance(post.fte, bool) or not isinstance(post.fte, (int, float)) or not post.fte > 0:
                raise self._error(f"expected an FTE > 0, got {post.fte!r}", f"{field}.fte")
            rows.append((self._place(post, field, territory), hours, float(post.fte)))
        held = post_hours(territory, PostLinks.of(territory))
        fte = territory.posts.set_index("post_id")["fte"].astype(float).fillna(1.0)
        ended_ids = set(territory.posts.loc[ended.to_numpy(), "post_id"])
        moved = set()
        for i, post in enumerate(self.moved_posts):
            field = f"move[{i}]"
            if post.post_id not in held.index:
                raise self._error(f"unknown post {post.post_id!r}", f"{field}.post_id")
            if post.post_id in ended_ids or post.post_id in moved:
                raise self._error(f"post {post.post_id!r} already ends or moves in this scenario",
                                  f"{field}.post_id")
            moved.add(post.post_id)
            hours = self._hours(post.presence_h, f"{field}.presence_h", required=False)
            rows.append((self._place(post, field, territory),
                         held[post.post_id] if hours is None else hours, fte[post.post_id]))
        return pd.DataFrame(rows, columns=["site_id", "presence_h", "fte"])

    def apply(self, territory: Territory) -> SupplyChange:
        """Sites before and after the scenario (new sites appended to the territory's)."""
        ended = self.ended_posts(territory)
        extra = self._contributions(territory, ended)
        new_codes = sorted({s[len(NEW_SITE_PREFIX):] for s in extra["site_id"]
                            if s.startswith(NEW_SITE_PREFIX)})
        extended = replace(territory, sites=_with_new_sites(territory, new_codes))
        moved = territory.posts["post_id"].isin([m.post_id for m in self.moved_posts]).to_numpy()
        before = site_state(extended, np.ones(len(territory.posts), dtype=bool))
        before.loc[before["site_id"].isin([NEW_SITE_PREFIX + c for c in new_codes]), "active"] = False
        after = site_state(extended, ~ended.to_numpy() & ~moved, extra)
        return SupplyChange(territory=extended, before=before, after=after, label=self.name,
                            ended_posts=int(ended.sum()))


def _with_new_sites(territory: Territory, codes: list[str]) -> gpd.GeoDataFrame:
    """``territory.sites`` plus one new Conum site (0 h, 0 FTE before) at each commune's origin."""
    if not codes:
        return territory.sites
    communes = territory.communes.set_index("code_insee").loc[codes]
    new = gpd.GeoDataFrame(
        {"site_id": [NEW_SITE_PREFIX + c for c in codes],
         "nom": [f"Nouveau lieu (scénario) — {n}" for n in communes["nom"]],
         "kind": "conum", "code_insee": codes, "presence_h": 0.0, "fte": 0.0, "itinerant": False,
         "source": "scénario", "as_of": ""},
        geometry=shapely.points(communes["origin_x"].to_numpy(), communes["origin_y"].to_numpy()),
        crs=territory.sites.crs,
    )
    return pd.concat([territory.sites, new], ignore_index=True)


def _tuple_of_str(value, field: str, path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ScenarioError("expected a list of strings", path=path, field=field)
    return tuple(value)


def _check_keys(table, allowed: set, path, field: str | None) -> dict:
    if not isinstance(table, dict):
        raise ScenarioError("expected a table", path=path, field=field)
    unknown = set(table) - allowed
    if unknown:
        raise ScenarioError(f"unknown key(s) {sorted(unknown)}; expected {sorted(allowed)}",
                            path=path, field=field)
    return table


def _optional_str(table: dict, key: str, path, field: str) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise ScenarioError("expected a string", path=path, field=f"{field}.{key}")
    return value


def _placements(data: dict, key: str, allowed: set, path) -> list[tuple[str, dict]]:
    items = data.get(key, [])
    if not isinstance(items, list):
        raise ScenarioError(f"expected an array of tables [[{key}]]", path=path, field=key)
    checked = []
    for i, item in enumerate(items):
        field = f"{key}[{i}]"
        _check_keys(item, allowed, path, field)
        if "post_id" not in item:
            raise ScenarioError("missing post_id", path=path, field=f"{field}.post_id")
        for name in ("post_id", "site_id", "code_insee"):
            _optional_str(item, name, path, field)
        checked.append((field, item))
    return checked


def _bool(table: dict, key: str, path, field: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ScenarioError("expected true or false", path=path, field=f"{field}.{key}")
    return value


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario TOML file; every error names the file and the field."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError("scenario file not found", path=path) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"not valid TOML ({exc})", path=path) from None
    _check_keys(data, _TOP_KEYS, path, None)
    ends = _check_keys(data.get("ends", {}), _ENDS_KEYS, path, "ends")
    before = ends.get("contracts_ending_before")
    if before is not None and (not isinstance(before, dt.date) or isinstance(before, dt.datetime)):
        raise ScenarioError("expected a TOML date such as 2024-01-01", path=path,
                            field="ends.contracts_ending_before")
    name = data.get("name", path.stem)
    if not isinstance(name, str):
        raise ScenarioError("expected a string", path=path, field="name")
    threshold = data.get("threshold_min")
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))):
        raise ScenarioError("expected a number of minutes", path=path, field="threshold_min")
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


#: The demo's default: the Département's posts are not renewed (territory A of the research).
DEFAULT_SCENARIO = Scenario(
    name="Le Département ne renouvelle pas ses postes",
    description="Tous les postes dont l'employeur est le Département prennent fin.",
    end_structure_types=("departement",),
)
