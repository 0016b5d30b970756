"""Shared fixtures: the embedded demo, and the real open data of ../shared/data (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real open data folder beside the repository; skip the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real open data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def demo_territory():
    from conum_geo.data.demo import load_demo

    return load_demo("58")


@pytest.fixture(scope="session")
def demo_graph(demo_territory):
    from conum_geo.network import build_proxy_network

    return build_proxy_network(demo_territory.communes)
