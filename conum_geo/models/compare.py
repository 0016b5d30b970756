"""The same posts under each deployment model, measured with the coverage metrics of ``gaps``.

``compare_models`` deploys the posts (the territory's current ones, or ``n_posts`` placed by
``models.posts_by_population``) in centralité, multi-centralité and rayonnement
(``conum_geo.models``), computes each commune's coverage with ``coverage.commune_coverage``
and sums it up per model (``indicators.coverage_indicators``) with the presence hours the
posts deliver and the hours they spend driving.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from ..analysis.costs import option_costs, posts_to_cost
from ..analysis.coverage import SnappedTerritory, commune_coverage, snapped_times
from ..core.costs import CostTable
from ..core.progress import progress
from ..core.settings import Settings
from ..core.territory import Territory
from ..core.vocabulary import MODELS
from ..network.graph import RoadGraph
from .deployment import Deployment, current_posts, deploy_models, posts_by_population
from .indicators import coverage_indicators, rural_mask
from .parameters import ModelAssumptions

log = logging.getLogger(__name__)

#: Travel times are computed up to this many minutes (or the threshold if larger): a commune
#: with no presence closer counts as having none within reach (``unreachable_communes``).
ACCESS_CUTOFF_MIN = 120.0

#: Per-commune metric columns, suffixed with the model in ``Comparison.communes``.
COMMUNE_METRICS = ("access_min", "presence_h", "presence_level", "ratio", "covered", "has_presence")


def presence_times(presences: gpd.GeoDataFrame, territory: Territory, graph: RoadGraph,
                   settings: Settings) -> pd.DataFrame:
    """People → site times (``coverage.snapped_times``) from the territory's communes to a
    site-like ``presences`` table (columns ``SITE_COLUMNS``), up to ``ACCESS_CUTOFF_MIN``."""
    placed = dataclasses.replace(territory, sites=presences)
    snapped = SnappedTerritory.build(graph, placed, settings)
    return snapped_times(snapped, placed, max(settings.threshold_min, ACCESS_CUTOFF_MIN))


def presence_coverage(presences: gpd.GeoDataFrame, territory: Territory, graph: RoadGraph,
                      settings: Settings, times: pd.DataFrame | None = None) -> pd.DataFrame:
    """``commune_coverage`` of a site-like ``presences`` table (columns ``SITE_COLUMNS``,
    ``active``, ``fte``) over the territory's communes, plus ``has_presence``.

    ``times`` is ``presence_times`` of ``presences`` or of a table holding more sites (reused
    across states of the same sites); computed when None.
    """
    if times is None:
        times = presence_times(presences, territory, graph, settings)
    metrics = commune_coverage(times, presences, territory.communes, settings)
    metrics["has_presence"] = metrics.index.isin(presence_communes(presences, settings))
    return metrics


def presence_communes(presences: pd.DataFrame, settings: Settings) -> set[str]:
    """The points of presence: communes with an active site of a counted kind that has hours."""
    return set(presences.loc[presences["active"].astype(bool) & (presences["presence_h"] != 0)
                             & presences["kind"].isin(settings.kinds), "code_insee"])


@dataclass
class Comparison:
    """Deployment models side by side: per model (``table``) and per commune (``communes``).

    Attributes
    ----------
    territory, settings, assumptions, network
        What it was computed on, with the models' assumptions.
    posts
        The posts deployed, each at its base.
    posts_rule
        Which posts: ``current`` (the territory's, at their base) or ``population`` (N shared by
        population).
    posts_without_base
        Current posts left out for want of a known site.
    deployments
        Each model's presences and schedule (``models.deployment.Deployment``).
    communes
        Per commune, its coverage under each model.
    table
        One row per model: the indicators (``models.indicators.coverage_indicators``) and, when
        costed, the costs.
    costs, funding
        The cost table (None: not costed) and ``initial`` or ``renewal`` funding.
    """

    territory: Territory
    settings: Settings
    assumptions: ModelAssumptions
    network: str
    posts: pd.DataFrame
    #: Which posts: the territory's ``current`` ones at their base (those without a known site
    #: left out: ``posts_without_base``), or N shared by ``population``.
    posts_rule: str
    posts_without_base: int
    deployments: dict[str, Deployment]
    communes: gpd.GeoDataFrame
    table: pd.DataFrame
    costs: CostTable | None
    funding: str

    def summary(self) -> dict:
        """Headline figures and assumptions, JSON-ready."""
        _, rural_rule = rural_mask(self.territory.communes)
        return {
            "dept": self.territory.dept,
            **self.territory.counts(),
            "posts": int(len(self.posts)),
            "posts_rule": self.posts_rule,
            "posts_without_base": self.posts_without_base,
            "threshold_min": float(self.settings.threshold_min),
            "kinds": list(self.settings.kinds),
            "assumptions": dataclasses.asdict(self.assumptions),
            "costs_source": self.costs.lines(self.funding) if self.costs is not None else [],
            "rural_rule": rural_rule,
            "models": {m: {k: (None if pd.isna(v) else v) for k, v in row.items()}
                       for m, row in self.table.to_dict(orient="index").items()},
            "network": self.network,
            "network_approximate": self.network == "proxy",
            "sites_illustrative": bool(self.territory.illustrative),
            "sources": list(self.territory.sources),
        }


def compare_models(
    territory: Territory, graph: RoadGraph, *, settings: Settings | None = None,
    n_posts: int | None = None, assumptions: ModelAssumptions | None = None, models=tuple(MODELS),
    costs: CostTable | None = None, funding: str = "initial",
) -> Comparison:
    """Deploy the same posts under each of ``models``, measure the coverage they give and what
    each costs per year with the cost table ``costs`` (``analysis.costs``; None: not costed).

    ``n_posts`` None uses the territory's current posts; a number places that many posts by
    ``models.posts_by_population`` (employed by the communes: public employers).

    Parameters
    ----------
    territory, graph
        The territory and its road graph.
    settings
        ``Settings()`` when None.
    n_posts
        None: the territory's current posts at their base; a number: that many posts placed by
        ``posts_by_population``.
    assumptions
        The models' assumptions (``ModelAssumptions()`` when None).
    models
        The models compared (keys of ``core.vocabulary.MODELS``).
    costs, funding
        A cost table (``load_costs``) and its funding; None: not costed.

    Returns
    -------
    Comparison
        Per model: presences, schedules, coverage per commune, indicators and costs.
    """
    settings = Settings() if settings is None else settings
    assumptions = ModelAssumptions() if assumptions is None else assumptions
    if n_posts is None:
        posts = current_posts(territory, assumptions=assumptions)
        without_base = len(territory.posts) - len(posts)
        rule = "current"
    else:
        posts = posts_by_population(territory, n_posts, assumptions=assumptions)
        without_base = 0
        rule = "population"
    deployments = deploy_models(territory, graph, posts=posts, settings=settings, assumptions=assumptions,
                                models=models)
    field_h = float(posts["hours_week"].sum() * assumptions.field_share)
    costed = posts_to_cost(territory, posts["post_id"], public_default=True)
    communes = territory.communes[["code_insee", "nom", "commune_code", "population", "geometry"]].copy()
    rows = {}
    for model, deployment in progress(deployments.items(), total=len(deployments), step="models"):
        metrics = presence_coverage(deployment.presences, territory, graph, settings)
        for column in COMMUNE_METRICS:
            communes[f"{column}_{model}"] = metrics[column].to_numpy()
        rows[model] = {
            "label": MODELS[model],
            "posts": int(len(posts)),
            "presences": int(deployment.schedule["site_id"].nunique()),
            "presence_h": deployment.presence_h,
            "driving_h": deployment.driving_h,
            "driving_share": deployment.driving_h / field_h if field_h else float("nan"),
            **coverage_indicators(metrics, territory.communes,
                                  metrics.index[metrics["has_presence"]]),
        }
        if costs is not None:
            rows[model] |= option_costs(costed, costs, driving_km_week=deployment.driving_km,
                                        driving_h_week=deployment.driving_h, funding=funding,
                                        population_covered=rows[model]["population_covered"])
        rows[model]["driving_km_week"] = deployment.driving_km
        log.info("%s: %d communes covered, %.0f h presence, %.0f h driving", model,
                 rows[model]["communes_covered"], deployment.presence_h, deployment.driving_h)
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "model"
    return Comparison(territory=territory, settings=settings, assumptions=assumptions,
                      network=graph.source, posts=posts, posts_rule=rule, posts_without_base=without_base,
                      deployments=deployments, communes=communes, table=table, costs=costs, funding=funding)
