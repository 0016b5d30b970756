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
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import ScenarioError
from ..settings import Settings
from ..tables import Territory
from ..vocabulary import SITE_KINDS, STRUCTURE_TYPES
from .supply import PostLinks, SupplyChange, post_hours, site_state

NEW_SITE_PREFIX = "scenario-"


@dataclass(frozen=True)
class AddedPost:
    """A new post at an existing Conum site (``site_id``) or a new site (``code_insee``)."""

    post_id: str
    presence_h: float | None
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
                f"type(s) de structure inconnu(s) {unknown} ; attendu parmi {sorted(STRUCTURE_TYPES)}",
                path=self.source, field="ends.structure_types",
            )
        unknown = [k for k in self.kinds or () if k not in SITE_KINDS]
        if unknown or self.kinds == ():
            raise ScenarioError(f"type(s) de lieu inconnu(s) ou absent(s) {unknown} ; attendu parmi "
                                f"{sorted(SITE_KINDS)}", path=self.source, field="kinds")
        if self.threshold_min is not None and not self.threshold_min > 0:
            raise ScenarioError(f"minutes > 0 attendues, reçu {self.threshold_min}",
                                path=self.source, field="threshold_min")

    def _error(self, message: str, field: str) -> ScenarioError:
        return ScenarioError(message, path=self.source, field=field)

    def settings(self, base: Settings | None = None) -> Settings:
        """``base`` (default ``Settings()``) with the scenario's threshold and kinds, when set."""
        base = Settings() if base is None else base
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
                raise self._error(f"{column} inconnu(s) {missing[:5]}", f"ends.{column}s")
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
            raise self._error("donner exactement un de site_id ou code_insee", field)
        if item.code_insee is not None:
            if item.code_insee not in set(territory.communes["code_insee"]):
                raise self._error(f"commune inconnue {item.code_insee!r}", f"{field}.code_insee")
            return NEW_SITE_PREFIX + item.code_insee
        kinds = territory.sites.set_index("site_id")["kind"]
        if item.site_id not in kinds.index:
            raise self._error(f"lieu inconnu {item.site_id!r}", f"{field}.site_id")
        if kinds[item.site_id] != "conum":
            raise self._error(f"le lieu {item.site_id!r} est de type {kinds[item.site_id]} ; un poste va "
                              "dans un lieu de conseiller numérique (conum)", f"{field}.site_id")
        return item.site_id

    def _hours(self, value, field: str, *, required: bool) -> float | None:
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or value < 0:
            raise self._error(f"nombre d'heures ≥ 0 attendu, reçu {value!r}", field)
        return float(value)

    def _contributions(self, territory: Territory, ended: pd.Series) -> pd.DataFrame:
        """What added and moved posts bring: rows (site_id, presence_h, fte)."""
        post_ids = set(territory.posts["post_id"])
        rows = []
        for i, post in enumerate(self.added_posts):
            field = f"add[{i}]"
            if post.post_id in post_ids:
                raise self._error(f"le poste {post.post_id!r} existe déjà", f"{field}.post_id")
            post_ids.add(post.post_id)
            hours = self._hours(post.presence_h, f"{field}.presence_h", required=True)
            if isinstance(post.fte, bool) or not isinstance(post.fte, (int, float)) or not post.fte > 0:
                raise self._error(f"ETP > 0 attendu, reçu {post.fte!r}", f"{field}.fte")
            rows.append((self._place(post, field, territory), hours, float(post.fte)))
        held = post_hours(territory, PostLinks.of(territory))
        fte = territory.posts.set_index("post_id")["fte"].astype(float).fillna(1.0)
        ended_ids = set(territory.posts.loc[ended.to_numpy(), "post_id"])
        moved: set[str] = set()
        for i, move in enumerate(self.moved_posts):
            field = f"move[{i}]"
            if move.post_id not in held.index:
                raise self._error(f"poste inconnu {move.post_id!r}", f"{field}.post_id")
            if move.post_id in ended_ids or move.post_id in moved:
                raise self._error(f"le poste {move.post_id!r} prend déjà fin ou bouge dans ce scénario",
                                  f"{field}.post_id")
            moved.add(move.post_id)
            hours = self._hours(move.presence_h, f"{field}.presence_h", required=False)
            rows.append((self._place(move, field, territory),
                         held[move.post_id] if hours is None else hours, fte[move.post_id]))
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
         "kind": "conum", "code_insee": codes, "presence_h": 0.0, "evening_h": 0.0, "saturday_h": 0.0, "presence_h_filled": False,
         "fte": 0.0, "itinerant": False,
         "source": "scénario", "as_of": ""},
        geometry=shapely.points(communes["origin_x"].to_numpy(), communes["origin_y"].to_numpy()),
        crs=territory.sites.crs,
    )
    return pd.concat([territory.sites, new], ignore_index=True)


#: The demo's default: the Département's posts are not renewed (territory A of the research).
DEFAULT_SCENARIO = Scenario(
    name="Le Département ne renouvelle pas ses postes",
    description="Tous les postes dont l'employeur est le Département prennent fin.",
    end_structure_types=("departement",),
)
