"""What a scenario does to a territory: the posts that end and why, the sites before and after.

A scenario (``core.scenarios.Scenario``) says which posts end, are added or move; this module
applies it: ``end_reasons`` (why each post ends), ``apply_scenario`` (the sites before and
after, through ``analysis.supply``) and the notices of rules that did nothing or relied on
estimated dates.
"""

from __future__ import annotations

import math
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..core.errors import ScenarioError
from ..core.messages import says
from ..core.notices import Notice, Notices
from ..core.scenarios import NEW_SITE_PREFIX, Scenario
from ..core.territory import Territory
from ..core.vocabulary import NEW_SITE_NAMES, NEW_SITE_SOURCES
from .supply import PostLinks, SupplyChange, post_hours, site_state


def _error(scenario: Scenario, message: str, field: str) -> ScenarioError:
    return ScenarioError(message, path=scenario.source, field=field)


#: Why a post ends, weakest first (a post ended by several rules says the strongest): its
#: contract ended (``contracts_ending_before``), its employer's type, its employer, itself.
END_REASONS = ("date", "type", "employer", "post")


def end_reasons(scenario: Scenario, territory: Territory) -> pd.Series:
    """Why each post of ``territory.posts`` ends (``END_REASONS``; '' for the posts that do not).

    A date rule ends the posts whose contract's last day is before the date and that are not
    known to be renewed (``renewal_status``); ``end_date_source`` says whether that day is
    known or estimated (``data.calendar``).
    """
    posts = territory.posts
    for ids, table, column in (
        (scenario.end_post_ids, posts, "post_id"),
        (scenario.end_structure_ids, territory.structures, "structure_id"),
    ):
        missing = sorted(set(ids) - set(table[column]))
        if missing:
            raise _error(scenario, says("scenario_unknown_ids", column=column, values=missing[:5]), f"ends.{column}s")
    structures = territory.structures.set_index("structure_id")
    ruled = structures.index
    if not scenario.include_neighbours and "in_dept" in structures:
        # Type rules describe the département's own employers: the posts of a
        # neighbouring Département, kept because people cross borders, do not end.
        ruled = ruled[structures["in_dept"].fillna(True).astype(bool).to_numpy()]
    in_scope = posts["structure_id"].isin(set(ruled)).to_numpy()
    by_type = posts["structure_id"].map(structures["structure_type"])
    reasons = pd.Series("", index=posts.index, dtype=object)
    if scenario.contracts_ending_before is not None:
        # a contract's end is a fact wherever its employer is: dates apply to every post
        reasons[_ended_by_date(scenario, posts)] = "date"
    reasons[in_scope & by_type.isin(scenario.end_structure_types).to_numpy()] = "type"
    reasons[posts["structure_id"].isin(scenario.end_structure_ids).to_numpy()] = "employer"
    reasons[posts["post_id"].isin(scenario.end_post_ids).to_numpy()] = "post"
    return reasons


def _ended_by_date(scenario: Scenario, posts: pd.DataFrame) -> np.ndarray:
    """Posts whose contract ended before ``contracts_ending_before`` and is not renewed."""
    assert scenario.contracts_ending_before is not None
    end_dates = pd.to_datetime(posts["end_date"])
    renewed = posts["renewal_status"].eq("renouvele") if "renewal_status" in posts else False
    return ((end_dates < pd.Timestamp(scenario.contracts_ending_before)).fillna(False) & ~renewed).to_numpy()


def rule_notices(scenario: Scenario, territory: Territory, reasons: pd.Series) -> list[Notice]:
    """What the scenario's rules did, when the user must know: a rule that ends no post,
    the estimated or unknown contract ends a date rule relied on."""
    notices = Notices()
    posts = territory.posts
    if scenario.contracts_ending_before is not None:
        day = scenario.contracts_ending_before
        by_date = (reasons == "date").to_numpy()
        estimated = by_date & posts["end_date_estimated"].astype(bool).to_numpy()
        unknown = pd.to_datetime(posts["end_date"]).isna().to_numpy()
        renewed = (posts["renewal_status"] == "renouvele").to_numpy()
        if not by_date.any():
            notices.add("regle_sans_effet", form="date", day=day, unknown=int(unknown.sum()),
                        renewed=int(renewed.sum()))
        if estimated.any():
            notices.add("fin_de_contrat_estimee", count=int(estimated.sum()), examples=posts.loc[estimated, "post_id"],
                        form="scenario", ended=int(by_date.sum()), day=day)
        if unknown.any() and by_date.any():
            notices.add("fin_de_contrat_inconnue", count=int(unknown.sum()), examples=posts.loc[unknown, "post_id"],
                        form="scenario", day=day)
    by_type = posts["structure_id"].map(territory.structures.set_index("structure_id")["structure_type"])
    for structure_type in scenario.end_structure_types:
        if not ((reasons == "type") & (by_type == structure_type)).any():
            notices.add("regle_sans_effet", form="type", structure_type=structure_type)
    return list(notices)


def ended_posts(scenario: Scenario, territory: Territory) -> pd.Series:
    """Boolean Series over ``territory.posts``: True for posts that end."""
    return end_reasons(scenario, territory) != ""


def _place(scenario: Scenario, item, field: str, territory: Territory) -> str:
    """The site an added or moved post goes to (``NEW_SITE_PREFIX`` + code for a new one)."""
    if (item.site_id is None) == (item.code_insee is None):
        raise _error(scenario, says("scenario_place"), field)
    if item.code_insee is not None:
        if item.code_insee not in set(territory.communes["code_insee"]):
            raise _error(scenario, says("scenario_commune", code=item.code_insee), f"{field}.code_insee")
        return NEW_SITE_PREFIX + item.code_insee
    kinds = territory.sites.set_index("site_id")["kind"]
    if item.site_id not in kinds.index:
        raise _error(scenario, says("scenario_site", site_id=item.site_id), f"{field}.site_id")
    if kinds[item.site_id] != "conum":
        raise _error(scenario, says("scenario_site_kind", site_id=item.site_id, kind=kinds[item.site_id]), f"{field}.site_id")
    return item.site_id


def _hours(scenario: Scenario, value, field: str, *, required: bool) -> float | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or value < 0:
        raise _error(scenario, says("scenario_hours", value=value), field)
    return float(value)


def _contributions(scenario: Scenario, territory: Territory, ended: pd.Series) -> pd.DataFrame:
    """What added and moved posts bring: rows (site_id, presence_h, fte)."""
    post_ids = set(territory.posts["post_id"])
    rows = []
    for i, post in enumerate(scenario.added_posts):
        field = f"add[{i}]"
        if post.post_id in post_ids:
            raise _error(scenario, says("scenario_post_exists", post_id=post.post_id), f"{field}.post_id")
        post_ids.add(post.post_id)
        hours = _hours(scenario, post.presence_h, f"{field}.presence_h", required=True)
        if (isinstance(post.fte, bool) or not isinstance(post.fte, (int, float)) or not math.isfinite(post.fte)
                or not post.fte > 0):
            raise _error(scenario, says("scenario_fte", value=post.fte), f"{field}.fte")
        rows.append((_place(scenario, post, field, territory), hours, float(post.fte)))
    held = post_hours(territory, PostLinks.of(territory))
    fte = territory.posts.set_index("post_id")["fte"].astype(float).fillna(1.0)
    ended_ids = set(territory.posts.loc[ended.to_numpy(), "post_id"])
    moved: set[str] = set()
    for i, move in enumerate(scenario.moved_posts):
        field = f"move[{i}]"
        if move.post_id not in held.index:
            raise _error(scenario, says("scenario_post_unknown", post_id=move.post_id), f"{field}.post_id")
        if move.post_id in ended_ids or move.post_id in moved:
            raise _error(scenario, says("scenario_post_taken", post_id=move.post_id), f"{field}.post_id")
        moved.add(move.post_id)
        hours = _hours(scenario, move.presence_h, f"{field}.presence_h", required=False)
        rows.append((_place(scenario, move, field, territory),
                     held[move.post_id] if hours is None else hours, fte[move.post_id]))
    return pd.DataFrame(rows, columns=["site_id", "presence_h", "fte"])


def apply_scenario(scenario: Scenario, territory: Territory) -> SupplyChange:
    """Sites before and after the scenario (new sites appended to the territory's), the
    posts that end and why.

    Parameters
    ----------
    scenario
        What changes (``core.scenarios.Scenario``).
    territory
        The territory it applies to.

    Returns
    -------
    SupplyChange
        The territory with any site the scenario opens, its sites before and after, the posts that
        end (``reason_code``: ``END_REASONS``) and the notices of its rules.
    """
    reasons = end_reasons(scenario, territory)
    ended = reasons != ""
    extra = _contributions(scenario, territory, ended)
    new_codes = sorted({s[len(NEW_SITE_PREFIX):] for s in extra["site_id"]
                        if s.startswith(NEW_SITE_PREFIX)})
    extended = replace(territory, sites=_with_new_sites(territory, new_codes))
    moved = territory.posts["post_id"].isin([m.post_id for m in scenario.moved_posts]).to_numpy()
    before = site_state(extended, np.ones(len(territory.posts), dtype=bool))
    before.loc[before["site_id"].isin([NEW_SITE_PREFIX + c for c in new_codes]), "active"] = False
    after = site_state(extended, ~ended.to_numpy() & ~moved, extra)
    return SupplyChange(territory=extended, before=before, after=after, label=scenario.name,
                        ended=pd.DataFrame({"post_id": territory.posts.loc[ended, "post_id"].to_numpy(),
                                            "reason_code": reasons[ended].to_numpy()}),
                        notices=tuple(rule_notices(scenario, territory, reasons)))


def _with_new_sites(territory: Territory, codes: list[str]) -> gpd.GeoDataFrame:
    """``territory.sites`` plus one new Conum site (0 h, 0 FTE before) at each commune's origin."""
    if not codes:
        return territory.sites
    communes = territory.communes.set_index("code_insee").loc[codes]
    new = gpd.GeoDataFrame(
        {"site_id": [NEW_SITE_PREFIX + c for c in codes],
         "nom": [f"{NEW_SITE_NAMES['scenario']} — {n}" for n in communes["nom"]],
         "kind": "conum", "code_insee": codes, "presence_h": 0.0, "evening_h": 0.0, "saturday_h": 0.0, "presence_h_filled": False,
         "fte": 0.0, "itinerant": False,
         "source": NEW_SITE_SOURCES["scenario"], "as_of": ""},
        geometry=shapely.points(communes["origin_x"].to_numpy(), communes["origin_y"].to_numpy()),
        crs=territory.sites.crs,
    )
    return pd.concat([territory.sites, new], ignore_index=True)
