"""Deployment models: the same posts deployed in centralité, multi-centralité or rayonnement.

A post has weekly hours ``H`` (``posts.hours_week``), a **base** (a site, or a town hall for
posts placed by ``posts_by_population``) and a **territory**: the communes of the base's
intercommunality (EPCI), or with ``radius_min`` the communes within that many minutes' drive
of the base; the base's own commune always belongs to it. Assumptions
(``ModelAssumptions``, every one stated in the outputs):

- a share ``field_share`` of ``H`` is *field time* ``F``: presence with the public plus the
  driving it needs (the rest is preparation, training, administration);
- presence comes in sessions of ``session_h`` hours (a half-day permanence);
- **visit rule**: a post serves its stops in a fixed rotation, one session per stop per turn;
  every session away from the base costs the round trip base → stop → base (forward graph
  out, reverse graph back; ``engine.time_table``). A turn therefore lasts
  ``C = Σ_stops (session_h + round_trip_h)`` and the post makes ``F / C`` turns a week: each
  stop receives ``session_h × F / C`` presence hours a week on average and the post drives
  ``Σ round_trip_h × F / C`` hours a week (and the length of those routes,
  ``analysis.routes``, in kilometres). Driving to and from home is not counted;
- where a post's sessions happen is its model's (``models.deployments``, one module each:
  **centralité**, one stop, the base site itself, no driving; **multi-centralité**, the base
  site plus the ``centres_per_post − 1`` most populous communes of the post's share;
  **rayonnement**, every commune of its share);
- **shares of a territory**: a commune belonging to several bases' territories goes to the
  nearest base (outbound time); the communes of a base are dealt to its posts in turn, most
  populous first, so that posts sharing a base never visit the same commune;
- presence away from a base sits at the visited commune's origin (its town hall): the
  deployment is a site-like table fed to ``coverage.commune_coverage``, whose ``presence_h``
  is the advisor-hours with the public per week and ``fte`` the share of posts' field time
  spent there. Sites of the counted kinds that no post serves (France services, lieux without
  a known post) are kept unchanged in every model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..analysis.coverage import SnappedTerritory
from ..analysis.engine import snap, time_table
from ..analysis.routes import route_lengths_m
from ..core.arrays import largest_remainder
from ..core.errors import ParameterError
from ..core.messages import says
from ..core.settings import Settings
from ..core.territory import SITE_COLUMNS, Territory
from ..core.vocabulary import MODELS, NEW_SITE_NAMES, NEW_SITE_SOURCES
from ..network.graph import RoadGraph
from .deployments import deployment_model
from .parameters import ModelAssumptions

log = logging.getLogger(__name__)

#: Communes further than this from a base (either way) are never visited from it.
MAX_TRIP_MIN = 180.0

#: Posts to deploy, each with its base (``current_posts``, ``posts_by_population``).
BASED_POST_COLUMNS = ("post_id", "hours_week", "base_id", "base_nom", "base_code_insee", "base_x", "base_y")
#: A site-like table of presences (``Deployment.presences``), as ``commune_coverage`` reads it.
PRESENCE_COLUMNS = (*SITE_COLUMNS, "evening_h", "saturday_h", "visits_per_week", "fte", "active", "geometry")
SCHEDULE_COLUMNS = ("model", "post_id", "site_id", "code_insee", "round_trip_min",
                    "sessions_per_week", "presence_h", "driving_h", "driving_km")


@dataclass
class Deployment:
    """Posts deployed under one model: site-like presences and the per-post schedule."""

    model: str
    presences: gpd.GeoDataFrame
    schedule: pd.DataFrame

    @property
    def presence_h(self) -> float:
        """Advisor-hours with the public per week delivered by the posts."""
        return float(self.schedule["presence_h"].sum())

    @property
    def driving_h(self) -> float:
        """Advisor-hours per week spent driving between bases and stops."""
        return float(self.schedule["driving_h"].sum())

    @property
    def driving_km(self) -> float:
        """Kilometres per week driven between bases and stops."""
        return float(self.schedule["driving_km"].sum())


def current_posts(territory: Territory, *, assumptions: ModelAssumptions | None = None) -> pd.DataFrame:
    """The territory's posts with their base (``BASED_POST_COLUMNS``).

    The base is ``base_site_id``, else the site where the post spends the largest share; posts
    with neither are left out (logged). Unknown hours are ``fte × hours_week`` of the
    assumptions (``fte`` 1 when unknown).

    Parameters
    ----------
    territory
        The territory whose posts are deployed.
    assumptions
        ``ModelAssumptions()`` when None (the weekly hours of a post).

    Returns
    -------
    pandas.DataFrame
        ``BASED_POST_COLUMNS``: each post with a known base site.
    """
    assumptions = ModelAssumptions() if assumptions is None else assumptions
    posts = territory.posts
    sites = territory.sites.set_index("site_id")
    links = territory.post_sites.sort_values(["post_id", "share"], ascending=[True, False])
    main_site = links.drop_duplicates("post_id").set_index("post_id")["site_id"]
    base = posts["base_site_id"].where(posts["base_site_id"].isin(sites.index),
                                       posts["post_id"].map(main_site))
    keep = base.isin(sites.index).to_numpy()
    if not keep.all():
        log.warning("%d posts have no known base site and are left out", (~keep).sum())
    base = base[keep]
    fte = posts["fte"].astype(float).fillna(1.0)
    hours = posts["hours_week"].astype(float).fillna(fte * assumptions.hours_week)
    points = sites.loc[base, "geometry"]
    return pd.DataFrame({
        "post_id": posts["post_id"][keep].to_numpy(),
        "hours_week": hours[keep].to_numpy(),
        "base_id": base.to_numpy(),
        "base_nom": sites.loc[base, "nom"].to_numpy(),
        "base_code_insee": sites.loc[base, "code_insee"].to_numpy(),
        "base_x": points.x.to_numpy(),
        "base_y": points.y.to_numpy(),
    })


def posts_by_population(territory: Territory, n_posts: int, *,
                        assumptions: ModelAssumptions | None = None) -> pd.DataFrame:
    """``n_posts`` posts shared among intercommunalities in proportion to their population.

    Largest remainder, at least one per intercommunality when there are enough posts; each
    post is based at the town hall of its intercommunality's most populous commune.

    Parameters
    ----------
    territory
        The territory.
    n_posts
        How many posts.
    assumptions
        ``ModelAssumptions()`` when None.

    Returns
    -------
    pandas.DataFrame
        ``BASED_POST_COLUMNS``.
    """
    assumptions = ModelAssumptions() if assumptions is None else assumptions
    if n_posts < 1:
        raise ParameterError(says("n_posts_positive", value=n_posts))
    epci = territory.communes["epci_code"]
    communes = territory.communes.assign(
        epci=epci.where(epci.notna() & (epci != ""), territory.communes["code_insee"]))
    ranked = communes.sort_values(["population", "code_insee"], ascending=[False, True])
    groups = ranked.groupby("epci", sort=True)
    seats = groups.head(1).set_index("epci").sort_index()
    population = groups["population"].sum().reindex(seats.index).to_numpy(dtype=float)
    counts = largest_remainder(population, n_posts, minimum=1 if n_posts >= len(seats) else 0)
    rows: list[dict] = []
    for (_, seat), count in zip(seats.iterrows(), counts):
        for _ in range(count):
            rows.append({
                "post_id": f"poste-{len(rows) + 1:03d}", "hours_week": assumptions.hours_week,
                "base_id": f"mairie-{seat['code_insee']}", "base_nom": f"Mairie — {seat['nom']}",
                "base_code_insee": seat["code_insee"], "base_x": seat["origin_x"],
                "base_y": seat["origin_y"],
            })
    return pd.DataFrame(rows, columns=list(BASED_POST_COLUMNS))


def round_trips(posts: pd.DataFrame, snapped: SnappedTerritory, territory: Territory,
                settings: Settings) -> pd.DataFrame:
    """Long table ``(base_id, code_insee, out_s, back_s, round_trip_m)`` of every base ↔
    commune pair whose drives both ways are within ``MAX_TRIP_MIN`` (``round_trip_m``: the
    length of both fastest routes, ``analysis.routes``)."""
    bases = posts.drop_duplicates("base_id")
    points = snap(snapped.graph, bases["base_x"], bases["base_y"],
                  speed_kmh=settings.off_network_speed_kmh)
    cutoff_s = MAX_TRIP_MIN * 60.0
    out = time_table(snapped.graph, points, snapped.communes, cutoff_s=cutoff_s, toward_sources=False)
    back = time_table(snapped.graph, points, snapped.communes, cutoff_s=cutoff_s, toward_sources=True)
    trips = out.merge(back, on=["source", "target"], suffixes=("_out", "_back"))
    source, target = trips["source"].to_numpy(), trips["target"].to_numpy()
    return pd.DataFrame({
        "base_id": bases["base_id"].to_numpy()[source],
        "code_insee": territory.communes["code_insee"].to_numpy()[target],
        "out_s": trips["time_s_out"].to_numpy(),
        "back_s": trips["time_s_back"].to_numpy(),
        "round_trip_m": sum(route_lengths_m(snapped.graph, points, snapped.communes, source, target,
                                            toward_sources=toward, limit_s=cutoff_s) for toward in (False, True)),
    })


def territory_shares(posts: pd.DataFrame, trips: pd.DataFrame, territory: Territory,
                     assumptions: ModelAssumptions) -> pd.DataFrame:
    """Each post's share of its base's territory: ``(post_id, code_insee, population,
    round_trip_s, round_trip_m)``."""
    communes = territory.communes.set_index("code_insee")
    bases = posts.drop_duplicates("base_id").set_index("base_id")
    pairs = trips.copy()
    base_code = pairs["base_id"].map(bases["base_code_insee"])
    if assumptions.radius_min:
        member = pairs["out_s"] <= assumptions.radius_min * 60.0
    else:
        base_epci = base_code.map(communes["epci_code"]).replace("", np.nan)
        member = base_epci.notna() & (pairs["code_insee"].map(communes["epci_code"]) == base_epci)
    pairs = pairs.loc[member | (pairs["code_insee"] == base_code)]
    order = pd.Series(np.arange(len(bases)), index=bases.index)
    pairs = (pairs.assign(rank=pairs["base_id"].map(order))
             .sort_values(["code_insee", "out_s", "rank"]).drop_duplicates("code_insee"))
    pairs["population"] = pairs["code_insee"].map(communes["population"])
    pairs = pairs.sort_values(["base_id", "population", "code_insee"], ascending=[True, False, True])
    post_ids = posts.sort_values("post_id").groupby("base_id")["post_id"].agg(list)
    turn = pairs.groupby("base_id").cumcount().to_numpy()
    pairs["post_id"] = [post_ids[b][t % len(post_ids[b])] for b, t in zip(pairs["base_id"], turn)]
    pairs["round_trip_s"] = pairs["out_s"] + pairs["back_s"]
    return pairs[["post_id", "code_insee", "population", "round_trip_s", "round_trip_m"]].reset_index(drop=True)


def _stops(model: str, posts: pd.DataFrame, shares: pd.DataFrame, assumptions: ModelAssumptions) -> pd.DataFrame:
    """Stops of every post under ``model``: ``(post_id, site_id, code_insee, round_trip_s, round_trip_m)``."""
    base_stops = pd.DataFrame({"post_id": posts["post_id"], "site_id": posts["base_id"],
                               "code_insee": posts["base_code_insee"], "round_trip_s": 0.0, "round_trip_m": 0.0})
    visits = shares.assign(site_id="visite-" + shares["code_insee"])
    return deployment_model(model).stops(base_stops, visits, posts, assumptions)


def schedule(model: str, posts: pd.DataFrame, shares: pd.DataFrame,
             assumptions: ModelAssumptions) -> pd.DataFrame:
    """The visit rule (module doc) applied to every post: ``SCHEDULE_COLUMNS``."""
    stops = _stops(model, posts, shares, assumptions)
    field_h = stops["post_id"].map(posts.set_index("post_id")["hours_week"]) * assumptions.field_share
    round_trip_h = stops["round_trip_s"] / 3600.0
    turn_h = (assumptions.session_h + round_trip_h).groupby(stops["post_id"]).transform("sum")
    turns = field_h / turn_h
    return pd.DataFrame({
        "model": model, "post_id": stops["post_id"], "site_id": stops["site_id"],
        "code_insee": stops["code_insee"], "round_trip_min": round_trip_h * 60.0,
        "sessions_per_week": turns, "presence_h": assumptions.session_h * turns,
        "driving_h": round_trip_h * turns,
        "driving_km": stops["round_trip_m"] / 1000.0 * turns,
    })[list(SCHEDULE_COLUMNS)]


def _presences(model: str, plan: pd.DataFrame, posts: pd.DataFrame, territory: Territory,
               assumptions: ModelAssumptions, settings: Settings) -> gpd.GeoDataFrame:
    """Site-like table of a schedule plus the counted sites no post serves."""
    communes = territory.communes.set_index("code_insee")
    bases = posts.drop_duplicates("base_id").set_index("base_id")
    field_h = plan["post_id"].map(posts.set_index("post_id")["hours_week"]) * assumptions.field_share
    grouped = (plan.assign(fte=plan["presence_h"] / field_h)
               .groupby("site_id", sort=True).agg(code_insee=("code_insee", "first"),
                                                  presence_h=("presence_h", "sum"),
                                                  visits_per_week=("sessions_per_week", "sum"),
                                                  fte=("fte", "sum")))
    at_base = grouped.index.isin(bases.index)
    visit_codes = grouped["code_insee"].where(~at_base)
    x = np.where(at_base, grouped.index.map(bases["base_x"].get), visit_codes.map(communes["origin_x"]))
    y = np.where(at_base, grouped.index.map(bases["base_y"].get), visit_codes.map(communes["origin_y"]))
    names = np.where(at_base, grouped.index.map(bases["base_nom"].get),
                     f"{NEW_SITE_NAMES['model']} — " + visit_codes.map(communes["nom"]).fillna(""))
    deployed = gpd.GeoDataFrame({
        "site_id": grouped.index, "nom": names, "kind": "conum",
        "code_insee": grouped["code_insee"].to_numpy(), "presence_h": grouped["presence_h"].to_numpy(),
        "itinerant": ~at_base & deployment_model(model).roving, "source": NEW_SITE_SOURCES["model"], "as_of": "",
        "active": True, "fte": grouped["fte"].to_numpy(),
        # a model's sessions have no clock time: no evening or Saturday hours are claimed
        "evening_h": 0.0, "saturday_h": 0.0, "visits_per_week": grouped["visits_per_week"].to_numpy(),
    }, geometry=shapely.points(x.astype(float), y.astype(float)), crs=territory.crs)
    sites = territory.sites
    unserved = (sites["kind"].isin(settings.kinds)
                & ~sites["site_id"].isin(territory.post_sites["site_id"])
                & ~sites["site_id"].isin(bases.index))
    kept = sites.loc[unserved].assign(active=True, fte=np.nan, visits_per_week=np.nan)
    if "fte" in sites.columns:
        kept["fte"] = sites.loc[unserved, "fte"]
    return pd.concat([deployed, kept], ignore_index=True)[list(PRESENCE_COLUMNS)]


def deploy(model: str, posts: pd.DataFrame, shares: pd.DataFrame, territory: Territory,
           assumptions: ModelAssumptions, settings: Settings) -> Deployment:
    """Deploy ``posts`` under ``model`` (``models.deployments.REGISTRY``) given their territory ``shares``."""
    deployment_model(model)  # an unknown model is an error, before any work
    plan = schedule(model, posts, shares, assumptions)
    return Deployment(model=model, presences=_presences(model, plan, posts, territory, assumptions, settings),
                      schedule=plan)


def deploy_models(territory: Territory, graph: RoadGraph, *, posts: pd.DataFrame,
                  settings: Settings | None = None, assumptions: ModelAssumptions | None = None,
                  models=tuple(MODELS)) -> dict[str, Deployment]:
    """The same ``posts`` deployed under each of ``models``.

    Parameters
    ----------
    territory, graph
        The territory and its road graph.
    posts
        The posts to deploy, with their bases (``current_posts``, ``posts_by_population``).
    settings
        ``Settings()`` when None.
    assumptions
        ``ModelAssumptions()`` when None.
    models
        The models (keys of ``models.deployments.REGISTRY``); an unknown one is an error.

    Returns
    -------
    dict
        Model → ``Deployment`` (its presences and schedule).
    """
    settings = Settings() if settings is None else settings
    assumptions = ModelAssumptions() if assumptions is None else assumptions
    snapped = SnappedTerritory.build(graph, territory, settings)
    trips = round_trips(posts, snapped, territory, settings)
    shares = territory_shares(posts, trips, territory, assumptions)
    return {m: deploy(m, posts, shares, territory, assumptions, settings) for m in models}
