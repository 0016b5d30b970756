"""conum-geo: territorial coverage of France's digital-inclusion network.

The Python API mirrors the CLI::

    import conum_geo as cg

    territory = cg.load_territory("58")
    graph = cg.load_network(territory, "proxy")
    result = cg.analyse_gaps(territory, graph, cg.DEFAULT_SCENARIO, cg.Settings(threshold_min=20))
    result.flagged.head()
    cg.write_gaps(result, "out/")

Importing this package imports neither folium nor click.
"""

from .errors import (
    ConumGeoError,
    DataUnavailableError,
    InputError,
    NetworkError,
    ScenarioError,
    UnknownDepartementError,
)
from .models.compare import Comparison, compare_models
from .analysis.coverage import SnappedTerritory, coverage_metrics, site_times
from .analysis.diff import load_vintages, vintage_change
from .analysis.gaps import GapsResult, analyse_gaps, compare_coverage
from .data.territory import load_territory
from .outputs.model_reports import format_comparison, format_redeployment, write_comparison, write_redeployment
from .models.deployment import ModelAssumptions, current_posts, deploy_models, posts_by_population
from .network import NETWORK_SOURCES, RoadGraph, load_network
from .models.optimize import LSCP, MCLP, PMedian
from .models.redeploy import RedeployResult, redeploy
from .outputs.reports import format_gaps, format_simulation, write_gaps, write_simulation
from .analysis.scenarios import DEFAULT_SCENARIO, AddedPost, MovedPost, Scenario, load_scenario
from .settings import Settings
from .analysis.simulate import SimulationResult, simulate_renewals
from .tables import MODELS, SITE_KINDS, STRUCTURE_TYPES, Territory

__version__ = "0.1.0"

__all__ = [
    # errors
    "ConumGeoError", "DataUnavailableError", "InputError", "NetworkError", "ScenarioError",
    "UnknownDepartementError",
    # inputs: territory, road network, settings, scenarios
    "Territory", "load_territory", "MODELS", "SITE_KINDS", "STRUCTURE_TYPES", "RoadGraph",
    "NETWORK_SOURCES", "load_network", "Settings", "Scenario", "AddedPost", "MovedPost",
    "DEFAULT_SCENARIO", "load_scenario",
    # coverage and gaps (gaps, diff)
    "SnappedTerritory", "site_times", "coverage_metrics", "GapsResult", "analyse_gaps",
    "compare_coverage", "load_vintages", "vintage_change", "format_gaps", "write_gaps",
    # Monte Carlo renewals (simulate)
    "SimulationResult", "simulate_renewals", "format_simulation", "write_simulation",
    # deployment models (compare)
    "ModelAssumptions", "current_posts", "posts_by_population", "deploy_models", "Comparison",
    "compare_models", "format_comparison", "write_comparison",
    # redeployment (redeploy)
    "MCLP", "LSCP", "PMedian", "RedeployResult", "redeploy", "format_redeployment",
    "write_redeployment",
]
