"""conum-geo: territorial coverage of France's digital-inclusion network.

The Python API mirrors the CLI; every analysis takes ``(territory, graph, *, settings=None,
…)``::

    import conum_geo as cg

    territory = cg.load_territory("58")
    graph = cg.load_network(territory, "proxy")
    result = cg.analyse_gaps(territory, graph, scenario=cg.DEFAULT_SCENARIO,
                             settings=cg.Settings(threshold_min=20))
    result.flagged.head()
    cg.write_gaps(result, "out/")

Names are imported on first use (PEP 562), so ``import conum_geo`` is instant and imports
neither folium nor click; ``conum_geo.<name>`` loads the module that defines it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .core.version import __version__

#: Public name → the module that defines it (relative to the package).
_EXPORTS = {
    # errors
    "ConumGeoError": "core.errors", "DataUnavailableError": "core.errors", "InputError": "core.errors",
    "NetworkError": "core.errors", "ParameterError": "core.errors", "ScenarioError": "core.errors",
    "SolverError": "core.errors", "UnknownDepartementError": "core.errors",
    # vocabulary and settings
    "MODELS": "core.vocabulary", "SITE_KINDS": "core.vocabulary", "STRUCTURE_TYPES": "core.vocabulary",
    "NETWORK_SOURCES": "core.vocabulary", "OBJECTIVES": "core.vocabulary", "Settings": "core.settings",
    # inputs: territory, road network, scenarios
    "Territory": "core.territory", "load_territory": "data.territory", "load_vintages": "data.vintages",
    "RoadGraph": "network.graph", "load_network": "network",
    "Scenario": "core.scenarios", "AddedPost": "core.scenarios",
    "MovedPost": "core.scenarios", "DEFAULT_SCENARIO": "core.scenarios",
    "load_scenario": "data.scenario_files", "example_scenarios": "data.scenario_files",
    "dated": "core.scenarios", "apply_scenario": "analysis.scenarios",
    # coverage, gaps, diff, catchments
    "SnappedTerritory": "analysis.coverage", "site_times": "analysis.coverage",
    "coverage_metrics": "analysis.coverage", "GapsResult": "analysis.gaps",
    "analyse_gaps": "analysis.gaps", "compare_coverage": "analysis.gaps",
    "vintage_change": "analysis.diff", "CatchmentsResult": "analysis.catchments",
    "catchments": "analysis.catchments",
    "format_gaps": "outputs.reports", "write_gaps": "outputs.reports",
    "format_catchments": "outputs.catchments", "write_catchments": "outputs.catchments",
    # Monte Carlo renewals (simulate)
    "SimulationResult": "analysis.simulate", "simulate_renewals": "analysis.simulate",
    "format_simulation": "outputs.reports", "write_simulation": "outputs.reports",
    "RenewalAssumptions": "core.renewal", "SURVEY_2023": "core.renewal",
    "load_assumptions": "data.renewal_files",
    # the contract calendar (gaps --on, timeline)
    "TimelineResult": "analysis.timeline", "coverage_timeline": "analysis.timeline",
    "format_timeline": "outputs.timeline", "write_timeline": "outputs.timeline",
    # deployment models (compare)
    "ModelAssumptions": "models.parameters", "current_posts": "models.deployment",
    "posts_by_population": "models.deployment", "deploy_models": "models.deployment",
    "Comparison": "models.compare", "compare_models": "models.compare",
    "format_comparison": "outputs.model_reports", "write_comparison": "outputs.model_reports",
    # redeployment (redeploy)
    "MCLP": "models.optimize", "LSCP": "models.optimize", "PMedian": "models.optimize",
    "RedeployResult": "models.redeploy", "redeploy": "models.redeploy",
    "format_redeployment": "outputs.model_reports", "write_redeployment": "outputs.model_reports",
    "IsoReplacement": "models.iso",
    # costs of options (compare, gaps --scenario, redeploy)
    "CostTable": "core.costs", "option_costs": "analysis.costs", "load_costs": "data.cost_files",
    # the orientation directory (nearest)
    "Directory": "analysis.nearest", "nearest_places": "analysis.nearest", "commune_origin": "analysis.nearest",
    "geocode": "data.geocode",
    "format_directory": "outputs.directory", "write_directory": "outputs.directory",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'conum_geo' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:  # static analysers see the names without importing them at run time
    from .analysis.catchments import CatchmentsResult, catchments
    from .analysis.coverage import SnappedTerritory, commune_coverage, snapped_times
    from .analysis.diff import vintage_change
    from .analysis.gaps import GapsResult, analyse_gaps, compare_coverage
    from .analysis.scenarios import apply_scenario
    from .analysis.simulate import SimulationResult, simulate_renewals
    from .analysis.timeline import TimelineResult, coverage_timeline
    from .core.errors import (
        ConumGeoError,
        DataUnavailableError,
        InputError,
        NetworkError,
        ParameterError,
        ScenarioError,
        SolverError,
        UnknownDepartementError,
    )
    from .core.renewal import SURVEY_2023, RenewalAssumptions
    from .core.scenarios import (
        DEFAULT_SCENARIO,
        AddedPost,
        MovedPost,
        Scenario,
        dated,
    )
    from .core.settings import Settings
    from .core.territory import Territory
    from .core.vocabulary import MODELS, NETWORK_SOURCES, OBJECTIVES, SITE_KINDS, STRUCTURE_TYPES
    from .data.renewal_files import load_assumptions
    from .data.scenario_files import example_scenarios, load_scenario
    from .data.territory import load_territory
    from .data.vintages import load_vintages
    from .models.compare import Comparison, compare_models
    from .models.deployment import current_posts, deploy_models, posts_by_population
    from .models.optimize import LSCP, MCLP, PMedian
    from .models.parameters import ModelAssumptions
    from .models.redeploy import RedeployResult, redeploy
    from .network import load_network
    from .network.graph import RoadGraph
    from .outputs.catchments import format_catchments, write_catchments
    from .outputs.model_reports import (
        format_comparison,
        format_redeployment,
        write_comparison,
        write_redeployment,
    )
    from .outputs.reports import format_gaps, format_simulation, write_gaps, write_simulation
    from .outputs.timeline import format_timeline, write_timeline
