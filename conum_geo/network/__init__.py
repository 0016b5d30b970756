"""Road networks: one ``RoadGraph`` type, several sources (proxy, OSM, IGN BD TOPO)."""

from .graph import RoadGraph
from .proxy import build_proxy_network

__all__ = ["RoadGraph", "build_proxy_network"]


def load_network(territory, network: str = "proxy") -> RoadGraph:
    """The road graph of ``territory`` from the chosen source (``NETWORK_SOURCES``)."""
    if network not in NETWORK_SOURCES:
        from ..errors import NetworkError

        raise NetworkError(f"unknown network {network!r}; expected one of {sorted(NETWORK_SOURCES)}")
    return build_proxy_network(territory.communes)


#: Network sources and their French description.
NETWORK_SOURCES = {"proxy": "réseau proxy entre communes contiguës (approximation)"}
__all__ += ["load_network", "NETWORK_SOURCES"]
