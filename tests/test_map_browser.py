"""The generated map opened in real headless Chromium: it renders, with legend and polygons.

The machine has no internet, so Leaflet (which folium loads from its CDN) is served from a
local copy shipped by a package of the ``test`` extra; other CDN assets and tiles are aborted.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conum_geo.cli import cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed"),
]


def _leaflet_assets() -> Path:
    spec = importlib.util.find_spec("leaflet")  # django-leaflet's static files
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("django-leaflet (local Leaflet copy) not installed")
    folder = Path(list(spec.submodule_search_locations)[0]) / "static" / "leaflet"
    if not (folder / "leaflet.js").is_file():
        pytest.skip("no leaflet.js in django-leaflet")
    return folder


@pytest.fixture(scope="module")
def page():
    sync_api = pytest.importorskip("playwright.sync_api")
    assets = _leaflet_assets()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})

        def route(request_route):
            url = request_route.request.url
            if url.startswith("file:"):
                return request_route.continue_()
            name = url.rsplit("/", 1)[-1]
            if "leaflet@" in url and name in ("leaflet.js", "leaflet.css"):
                return request_route.fulfill(path=str(assets / name))
            return request_route.abort()

        page.route("**/*", route)
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        yield page
        browser.close()


def test_gaps_map_renders_in_chromium(page, tmp_path):
    result = CliRunner().invoke(cli, ["gaps", "--dept", "58", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    page.goto((tmp_path / "map.html").as_uri())
    page.wait_for_selector("path.leaflet-interactive", timeout=20_000)

    polygons = page.locator("path.leaflet-interactive")
    assert polygons.count() >= 309  # every commune, plus a marker per site shown
    fills = set(polygons.evaluate_all("els => els.map(e => e.getAttribute('fill'))"))
    assert "#d7301f" in fills  # communes that lose coverage, in the documented colour
    assert page.locator(".conum-legend").is_visible()
    assert "Perd la couverture" in page.inner_text(".conum-legend")
    title = page.inner_text(".conum-title")
    assert "Sites et postes illustratifs" in title and "routes approximatives" in title
    assert "Sources :" in page.inner_text(".conum-sources")
    assert "Sites fermés dans le scénario" in page.inner_text(".leaflet-control-layers")
    assert page.errors == []
    page.screenshot(path=str(tmp_path / "map.png"))
