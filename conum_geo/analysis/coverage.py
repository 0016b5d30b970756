"""Per-commune coverage: access time, presence hours and level, accessibility ratio, ``covered``.

Every metric comes from one sparse long table of people → site travel times
``(site_id, code_insee, time_s)`` (``snapped_times``). A scenario changes only the sites table
(``active``, ``presence_h``, ``fte``), so evaluating it never runs a graph search.

A site *counts* for a commune when it is of one of ``settings.kinds``, ``active``, and open a
positive number of hours a week (unknown hours are filled before, by the rule of
``data.site_hours``: no sum is ever unknown). With T the threshold:

- ``access_min``: minutes to the nearest counted site in the table (NaN, and
  ``nearest_site_id`` None, when the table holds none);
- ``presence_h``: weekly presence hours of the counted sites within T (0 when there is none);
  ``evening_h`` and ``saturday_h`` their hours after 18:00 and on Saturday, when the sites'
  hours say (``PRESENCE_COLUMNS``);
- ``presence_level``: ``reguliere`` when one presence within T is regular on its own: it
  offers at least ``settings.min_presence_h`` hours a week (default 3.5 h: a half-day
  permanence every week — the norm the research describes, "toutes les semaines (de manière
  fixe)"), or, with ``settings.max_weeks_between_visits`` N, it is visited at least every N
  weeks (``visits_per_week`` of model presences); ``ponctuelle`` when the presences within T
  are all less than that (a half-day every five weeks is 0.7 h a week: scattered monthly visits
  in ten nearby communes are not a permanence anyone can rely on); ``aucune`` when there is
  none (``vocabulary.PRESENCE_LEVELS``);
- ``covered``: the level is ``reguliere``. Centralité and rayonnement are thus measured on
  the same footing: a regular presence a commune can reach, not the mere existence of a visit;
- ``ratio``: a two-step floating catchment area (2SFCA) ratio, the method of the French APL
  indicator. Step 1: each site's supply ``S_j`` (``settings.supply``: presence hours or FTE)
  is divided by the demand it can reach, ``R_j = S_j / sum_i w(t_ij) D_i``; step 2: a
  commune's ratio is ``1000 * sum_j w(t_ij) R_j``, supply per 1,000 inhabitants (per 1,000
  weighted inhabitants with fragility weighting). ``D_i`` is the population, times
  ``fragility_i / mean fragility`` (population-weighted) when ``settings.fragility_weighting``.
  ``w`` is the step decay ``DECAY_STEPS``. Summed over communes, ``D_i * ratio_i / 1000`` gives
  back the supply of every site that reaches some demand. The demand counts the territory's
  own communes (people across the border who use its sites are not counted).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..core.errors import InputError
from ..core.messages import says
from ..core.notices import Notice
from ..core.settings import Settings
from ..core.territory import Territory, require_columns, require_unique
from ..network.graph import RoadGraph
from ..network.speeds import FERRY_KMH
from .engine import Snapped, nearest_source, snap, time_table
from .supply import site_state

log = logging.getLogger(__name__)

#: Step distance decay of the ratio: (upper bound as a share of the threshold T, weight).
#: The French APL indicator (DREES/Irdes, Barlet et al. 2012) weights a practitioner 1 within
#: 5 minutes, 0.33 within 5–10 and 0.10 within 10–15, and 0 beyond 15 minutes; the same steps
#: are scaled here to T (T = 15 reproduces them; T = 20 gives steps at 6.7, 13.3 and 20 min).
DECAY_STEPS = ((1 / 3, 1.0), (2 / 3, 0.33), (1.0, 0.10))

#: The ratio is supply per this many (weighted) inhabitants.
RATIO_PER_INHABITANTS = 1000

TIMES_COLUMNS = ("site_id", "code_insee", "time_s")
#: Columns of hours a site offers, summed over the counted sites within the threshold.
PRESENCE_COLUMNS = ("presence_h", "evening_h", "saturday_h")
METRIC_COLUMNS = ("access_min", "nearest_site_id", "presence_h", "evening_h", "saturday_h",
                  "presence_level", "ratio", "covered")


@dataclass(frozen=True)
class SnappedTerritory:
    """A territory's sites and commune origins snapped once to a graph, reused by every run.

    Attributes
    ----------
    graph
        The road graph.
    sites, communes
        The sites and commune origins attached to it (``engine.Snapped``).
    """

    graph: RoadGraph
    sites: Snapped
    communes: Snapped

    @classmethod
    def build(cls, graph: RoadGraph, territory: Territory, settings: Settings) -> SnappedTerritory:
        site_points = territory.sites.geometry
        return cls(
            graph=graph,
            sites=snap(graph, site_points.x, site_points.y, speed_kmh=settings.off_network_speed_kmh),
            communes=snap(graph, territory.communes["origin_x"], territory.communes["origin_y"],
                          speed_kmh=settings.off_network_speed_kmh),
        )


#: A point farther than this from every road is reported (real road networks).
FAR_FROM_ROAD_M = 1000.0


def far_from_roads(snapped: SnappedTerritory, territory: Territory) -> tuple[Notice, ...]:
    """Notices for the communes' origins and the sites farther than ``FAR_FROM_ROAD_M`` from
    every road of a real network (still joined to the nearest road, their leg said)."""
    if snapped.graph.leg_speed_kmh is not None:
        return ()
    notices = []
    for what, points, names in (("communes", snapped.communes, territory.communes["code_insee"]),
                                ("sites", snapped.sites, territory.sites["site_id"])):
        far = np.flatnonzero(points.off_road_m > FAR_FROM_ROAD_M)
        if len(far):
            notices.append(Notice(
                code="loin_des_routes", count=len(far), params={"form": what, "distance_m": FAR_FROM_ROAD_M},
                examples=tuple(f"{names.iloc[i]} ({points.off_road_m[i]:.0f} m)" for i in far[:5])))
    return tuple(notices)


def apart(snapped: SnappedTerritory, territory: Territory) -> tuple[Notice, ...]:
    """A notice for the communes on another component of the network than most of the
    territory's (an island without a bridge, or a ferry, in the network): they reach only the
    sites of their component, and are unreachable from the others."""
    labels = snapped.graph.components[snapped.communes.node]
    if not len(labels):
        return ()
    away = np.flatnonzero(labels != np.bincount(labels).argmax())
    if not len(away):
        return ()
    names = territory.communes["nom"].to_numpy()
    codes = territory.communes["code_insee"].to_numpy()
    form = "proxy" if snapped.graph.leg_speed_kmh is not None else "routes"
    return (Notice(code="iles_sans_lien", count=len(away), params={"form": form},
                   examples=tuple(f"{names[i]} ({codes[i]})" for i in away[:5])),)


def network_notices(snapped: SnappedTerritory, territory: Territory) -> tuple[Notice, ...]:
    """The notices of the road network a run used: points far from its roads
    (``far_from_roads``), communes on an island of the network (``apart``), ferry crossings
    whose time was filled in, turn restrictions that could not be applied (the graph's
    provenance)."""
    notices = [*far_from_roads(snapped, territory), *apart(snapped, territory)]
    provenance = snapped.graph.provenance
    untimed = int(provenance.get("ferries_without_duration", 0))
    if untimed:
        notices.append(Notice(code="bac_sans_duree", count=untimed, params={"speed_kmh": FERRY_KMH}))
    if provenance.get("cache_rebuilt"):
        notices.append(Notice(code="cache_reconstruit", params={"damage": provenance["cache_rebuilt"]}))
    skipped = provenance.get("turn_restrictions_skipped") or {}
    if sum(skipped.values()):
        notices.append(Notice(code="restrictions_non_appliquees", count=int(sum(skipped.values())),
                              examples=tuple(f"{reason} : {count}" for reason, count in skipped.items())))
    return tuple(notices)


def snapped_times(snapped: SnappedTerritory, territory: Territory, cutoff_min: float) -> pd.DataFrame:
    """Long table ``(site_id, code_insee, time_s)`` of people → site times within ``cutoff_min``.

    Sparse: only the pairs within the cutoff (off-network legs included); one bounded search
    per site.
    """
    return time_table(snapped.graph, snapped.sites, snapped.communes, cutoff_s=cutoff_min * 60.0,
                      toward_sources=True, source_ids=territory.sites["site_id"].to_numpy(),
                      target_ids=territory.communes["code_insee"].to_numpy(),
                      names=("site_id", "code_insee"))


def site_times(territory: Territory, graph: RoadGraph, *, settings: Settings | None = None) -> pd.DataFrame:
    """People → site times of ``territory`` within ``settings.threshold_min``
    (``snapped_times``).

    Parameters
    ----------
    territory, graph
        The territory and its road graph.
    settings
        ``Settings()`` when None: the threshold and the speed of the legs off the network.

    Returns
    -------
    The long table ``(site_id, code_insee, time_s)``.
    """
    settings = Settings() if settings is None else settings
    snapped = SnappedTerritory.build(graph, territory, settings)
    return snapped_times(snapped, territory, settings.threshold_min)


def access(
    snapped: SnappedTerritory, territory: Territory, site_mask: np.ndarray
) -> pd.DataFrame:
    """Time from each commune to its nearest site among ``site_mask``, with no time limit.

    Returns one row per commune (same order) with ``access_min`` (NaN when no such site is
    reachable) and ``nearest_site_id`` (None then).
    """
    chosen = np.flatnonzero(site_mask)
    sources = snapped.sites.subset(chosen)
    time_s, index = nearest_source(snapped.graph, sources, snapped.communes, toward_sources=True)
    site_ids = territory.sites["site_id"].to_numpy()[chosen]
    nearest = np.where(index >= 0, site_ids[np.maximum(index, 0)] if len(chosen) else None, None)
    return pd.DataFrame({"access_min": time_s / 60.0, "nearest_site_id": nearest},
                        index=territory.communes.index)


def countable_sites(sites: pd.DataFrame, settings: Settings) -> np.ndarray:
    """Boolean mask over ``sites``: the sites that count for coverage while active (kind, hours)."""
    return (sites["kind"].isin(settings.kinds) & (sites["presence_h"].fillna(0) > 0)).to_numpy()


#: Hours within this of ``min_presence_h`` count as reaching it (sums of shares are not exact).
HOURS_TOLERANCE = 1e-9


def is_regular(presence_h: np.ndarray, visits_per_week: np.ndarray | None, settings: Settings) -> np.ndarray:
    """Whether presences of these weekly hours (and visits a week, None: unknown) are regular on
    their own (module doc)."""
    presence_h = np.nan_to_num(np.asarray(presence_h, dtype=float))
    regular = presence_h >= settings.min_presence_h - HOURS_TOLERANCE
    if settings.max_weeks_between_visits is not None and visits_per_week is not None:
        visits = np.nan_to_num(np.asarray(visits_per_week, dtype=float), nan=1.0)
        regular |= (visits * settings.max_weeks_between_visits >= 1.0) & (presence_h > 0)
    return regular


def site_visits(sites: pd.DataFrame) -> np.ndarray | None:
    """Visits a week of each site (model presences), None when the sites table does not say."""
    return sites["visits_per_week"].to_numpy(dtype=float) if "visits_per_week" in sites else None


def regular_sites(sites: pd.DataFrame, settings: Settings) -> np.ndarray:
    """Boolean mask over ``sites``: a presence that is regular on its own (module doc)."""
    return is_regular(sites["presence_h"].to_numpy(dtype=float), site_visits(sites), settings)


def counted_sites(sites: pd.DataFrame, settings: Settings) -> np.ndarray:
    """Boolean mask over ``sites``: the sites that count for coverage (see the module doc)."""
    return countable_sites(sites, settings) & sites["active"].astype(bool).to_numpy()


def decay_weight(time_s, threshold_min: float) -> np.ndarray:
    """Weight of a site ``time_s`` seconds away in the ratio (``DECAY_STEPS``, 0 beyond T)."""
    time_s = np.asarray(time_s, dtype=float)
    weight = np.zeros(time_s.shape)
    for share, value in reversed(DECAY_STEPS):
        weight[time_s <= share * threshold_min * 60.0] = value
    return weight


def demand_of(communes: pd.DataFrame, settings: Settings) -> pd.Series:
    """Each commune's demand: its population, weighted by relative fragility when asked."""
    population = communes.set_index("code_insee")["population"].astype(float)
    if not settings.fragility_weighting:
        return population
    if "fragility" not in communes.columns:
        raise InputError(says("fragility_column"), path="communes", field="fragility")
    fragility = communes.set_index("code_insee")["fragility"].astype(float)
    if (fragility < 0).any():
        row = int(np.flatnonzero((fragility < 0).to_numpy())[0])
        raise InputError(says("fragility_negative", value=fragility.iloc[row]), path="communes",
                         row=row + 1, field="fragility")
    known = fragility.notna() & population.notna()
    if not known.any():
        raise InputError(says("fragility_unknown"), path="communes", field="fragility")
    mean = (fragility[known] * population[known]).sum() / population[known].sum()
    if (~known).any():
        log.warning("fragility unknown for %d communes: their demand is not weighted", (~known).sum())
    return population * (fragility / mean).fillna(1.0)


def _sum_by(values: pd.Series, keys: pd.Series) -> pd.Series:
    """Sums per key that are NaN as soon as one summed value is NaN (unknown stays unknown)."""
    total = values.groupby(keys).sum()
    total[values.isna().groupby(keys).any()] = np.nan
    return total


def commune_coverage(
    times: pd.DataFrame, sites: pd.DataFrame, communes: pd.DataFrame, settings: Settings
) -> pd.DataFrame:
    """Coverage of each commune by the counted sites (module doc).

    Parameters
    ----------
    times
        ``(site_id, code_insee, time_s)``; it must hold every pair within the threshold.
    sites
        ``site_id``, ``kind``, ``presence_h``, ``active`` (bool), and ``fte`` when
        ``settings.supply == "fte"``.
    communes
        ``code_insee``, ``population``, and ``fragility`` with fragility weighting.

    Returns
    -------
    One row per commune (index ``code_insee``, communes' order): ``METRIC_COLUMNS``.
    """
    require_columns(times, TIMES_COLUMNS, table="times")
    require_columns(sites, ("site_id", "kind", "presence_h", "active", settings.supply), table="sites")
    require_columns(communes, ("code_insee", "population"), table="communes")
    require_unique(sites, "site_id", table="sites")
    require_unique(communes, "code_insee", table="communes")
    codes = pd.Index(communes["code_insee"], name="code_insee")
    unknown = sites["kind"].isin(settings.kinds) & sites["active"].astype(bool) & sites["presence_h"].isna()
    if unknown.any():
        raise InputError(says("hours_unknown", count=int(unknown.sum()), example=sites.loc[unknown, "site_id"].iloc[0]),
                         path="sites", field="presence_h")
    offer = sites.loc[counted_sites(sites, settings)].set_index("site_id")
    pairs = times.loc[times["site_id"].isin(offer.index) & times["code_insee"].isin(codes)]

    nearest = pairs.sort_values(["code_insee", "time_s", "site_id"]).drop_duplicates("code_insee")
    nearest = nearest.set_index("code_insee").reindex(codes)
    threshold_s = settings.threshold_min * 60.0
    within = pairs.loc[pairs["time_s"] <= threshold_s]
    hours = {column: _sum_by(within["site_id"].map(offer[column]).astype(float), within["code_insee"])
             .reindex(codes, fill_value=0.0).to_numpy() if column in offer else np.zeros(len(codes))
             for column in PRESENCE_COLUMNS}

    weight = pd.Series(decay_weight(within["time_s"], settings.threshold_min), index=within.index)
    demand = demand_of(communes, settings)
    reached = _sum_by(weight * within["code_insee"].map(demand).to_numpy(), within["site_id"])
    supply = offer[settings.supply].astype(float).reindex(reached.index)
    per_demand = supply / reached.where(reached > 0)
    ratio = _sum_by(weight * within["site_id"].map(per_demand).to_numpy(), within["code_insee"])

    access_min = nearest["time_s"].to_numpy() / 60.0
    regular = pd.Series(regular_sites(offer.reset_index(), settings), index=offer.index)
    has_regular = within.loc[within["site_id"].map(regular).astype(bool), "code_insee"].unique()
    level = np.select([codes.isin(has_regular), hours["presence_h"] > 0], ["reguliere", "ponctuelle"], "aucune")
    return pd.DataFrame({
        "access_min": access_min,
        "nearest_site_id": nearest["site_id"].astype(object).where(nearest["site_id"].notna(), None).to_numpy(),
        **hours,
        "presence_level": level,
        "ratio": RATIO_PER_INHABITANTS * ratio.reindex(codes, fill_value=0.0).to_numpy(),
        "covered": level == "reguliere",
    }, index=codes)


def coverage_metrics(territory: Territory, graph: RoadGraph, *, settings: Settings | None = None) -> pd.DataFrame:
    """Today's coverage of each commune of ``territory``: every post at work (``commune_coverage``
    of the sites' state, ``supply.site_state``).

    Parameters
    ----------
    territory, graph
        The territory and its road graph.
    settings
        ``Settings()`` when None: threshold, kinds counted, regular presence, supply, weighting.

    Returns
    -------
    One row per commune (index ``code_insee``): ``METRIC_COLUMNS``.
    """
    settings = Settings() if settings is None else settings
    state = site_state(territory, np.ones(len(territory.posts), dtype=bool))
    return commune_coverage(site_times(territory, graph, settings=settings), state, territory.communes, settings)


def coverage_by_kind(
    times: pd.DataFrame, sites: pd.DataFrame, communes: pd.DataFrame, settings: Settings
) -> pd.DataFrame:
    """``commune_coverage`` for each kind of ``settings.kinds`` on its own, as a long table.

    Returns columns ``code_insee``, ``kind`` and the metric columns.
    """
    parts = [
        commune_coverage(times, sites, communes, replace(settings, kinds=(kind,)))
        .reset_index().assign(kind=kind)
        for kind in settings.kinds
    ]
    return pd.concat(parts, ignore_index=True)[["code_insee", "kind", *METRIC_COLUMNS]]
