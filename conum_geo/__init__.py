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
from .gaps import GapsResult, analyse_gaps
from .loaders import load_territory
from .network import NETWORK_SOURCES, RoadGraph, load_network
from .report import format_gaps, write_gaps
from .scenarios import DEFAULT_SCENARIO, Scenario, load_scenario
from .settings import Settings
from .tables import MODELS, SITE_KINDS, STRUCTURE_TYPES, Territory

__version__ = "0.1.0"

__all__ = [
    "ConumGeoError", "DataUnavailableError", "InputError", "NetworkError", "ScenarioError",
    "UnknownDepartementError", "GapsResult", "analyse_gaps", "load_territory", "NETWORK_SOURCES",
    "RoadGraph", "load_network", "format_gaps", "write_gaps", "DEFAULT_SCENARIO", "Scenario",
    "load_scenario", "Settings", "MODELS", "SITE_KINDS", "STRUCTURE_TYPES", "Territory",
]
