"""Shared fixtures: the embedded demo, and the real open data of ../shared/data (skipped when absent)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

#: Headless Chromium for the browser tests (they skip without it).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
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


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Playwright), one per test module."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page that can open files and nothing else: every other request is aborted."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.blocked = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(("file:", "data:")):
            return request_route.continue_()
        page.blocked.append(url)
        return request_route.abort()

    page.route("**/*", route)
    page.errors = []
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda message: page.errors.append(f"console: {message.text}")
            if message.type == "error" and "Failed to load resource" not in message.text else None)
    yield page
    page.close()


@pytest.fixture(autouse=True)
def no_user_configuration(monkeypatch, tmp_path_factory):
    """Tests never read the developer's configuration file or mirrors."""
    monkeypatch.setenv("CONUM_GEO_CONFIG", str(tmp_path_factory.getbasetemp() / "absent-config.toml"))
    monkeypatch.delenv("CONUM_GEO_MIRRORS", raising=False)
