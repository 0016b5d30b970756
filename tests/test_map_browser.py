"""Every kind of generated map opened in real headless Chromium: gaps, simulate, diff, compare,
redeploy. Each asserts rendered content (polygons in their documented colours, legend, French
title, caveat, sources, layer control, metric scale) and that the page raised no error.

The machine has no internet, so Leaflet (which folium loads from its CDN) is served from a
local copy shipped by a package of the ``test`` extra; other CDN assets and tiles are aborted.
The comparison's side-by-side view needs no plugin: its synchronisation is our own script,
exercised here by zooming and dragging one map.
"""

from __future__ import annotations

import csv
import importlib.util
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conum_geo.cli import cli
from conum_geo.outputs.maps import ENDED_COLOUR, RISK_CLASSES, SITE_COLOURS, STATUS_COLOURS
from conum_geo.outputs.model_maps import COVER_COLOURS, REDEPLOY_COLOURS, ROLE_COLOURS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed"),
]

CAVEAT_DEMO = ("Sites et postes illustratifs", "routes approximatives")
#: Text of the tooltip of every site marker of the page.
TOOLTIPS_JS = """() => {
    const out = [];
    document.querySelectorAll('.folium-map').forEach(div => window[div.id].eachLayer(layer => {
        if (layer.getLatLng && layer.getTooltip && layer.getTooltip()) {
            const box = document.createElement('div');
            box.innerHTML = layer.getTooltip().getContent();
            out.push(box.textContent.trim());
        }
    }));
    return out;
}"""
#: Fill and stroke of every drawn path, by class, in the page.
PATHS_JS = """els => els.map(e => ({fill: e.getAttribute('fill'), stroke: e.getAttribute('stroke'),
                                    cls: e.getAttribute('class') || ''}))"""


def _leaflet_assets() -> Path:
    spec = importlib.util.find_spec("leaflet")  # django-leaflet's static files
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("django-leaflet (local Leaflet copy) not installed")
    folder = Path(next(iter(spec.submodule_search_locations))) / "static" / "leaflet"
    if not (folder / "leaflet.js").is_file():
        pytest.skip("no leaflet.js in django-leaflet")
    return folder


@pytest.fixture(scope="module")
def browser():
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
    """A fresh page: Leaflet's files served locally, every other request aborted, errors kept."""
    assets = _leaflet_assets()
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    def route(request_route):
        url = request_route.request.url
        if url.startswith("file:"):
            return request_route.continue_()
        if "/leaflet@" in url and "/dist/" in url:
            local = assets / url.split("/dist/", 1)[1]
            if local.is_file():
                return request_route.fulfill(path=str(local))
        return request_route.abort()

    page.route("**/*", route)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    page.close()


def _run(args: list[str], out: Path) -> str:
    result = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return result.output


def _open(page, out: Path) -> list[dict]:
    """Open ``out/map.html``; the drawn paths (fill, stroke, class)."""
    page.goto((out / "map.html").as_uri())
    page.wait_for_selector("path.leaflet-interactive", timeout=20_000)
    return page.locator("path.leaflet-interactive").evaluate_all(PATHS_JS)


def _check_frame(page, title: str, caveat: tuple[str, ...], legend: list[str], layers: list[str],
                 absent_caveat: tuple[str, ...] = (), maps: int = 1) -> None:
    """The side panel (title, caveat, legend, sources), layer control and metric scale."""
    assert page.locator(".conum-panel").is_visible()
    assert title in page.inner_text(".conum-title h1")
    warning = page.inner_text(".conum-warning") if caveat else ""
    assert all(text in warning for text in caveat)
    assert not any(text in page.inner_text(".conum-title") for text in absent_caveat)
    legend_text = page.inner_text(".conum-legend")
    assert legend_text.startswith("Légende") and all(entry in legend_text for entry in legend)
    sources = page.inner_text(".conum-sources")
    assert sources.startswith("Sources :") and "Réseau routier" in sources and "OpenStreetMap" in sources
    controls = page.locator(".leaflet-control-layers")
    assert controls.count() == maps
    control_text = controls.first.text_content()
    assert all(layer in control_text for layer in layers)
    scales = page.locator(".leaflet-control-scale-line").all_inner_texts()
    assert len(scales) == maps and all(re.fullmatch(r"\d+ k?m", s.strip()) for s in scales)
    # the panel and the map do not overlap: the map starts where the panel ends
    panel = page.locator(".conum-panel").bounding_box()
    first = page.locator(".folium-map").first.bounding_box()
    assert first["x"] == pytest.approx(panel["x"] + panel["width"], abs=2)
    assert page.errors == []


def _hover_text(page, x: float, y: float) -> str:
    page.mouse.move(x, y)
    tooltip = page.locator(".leaflet-tooltip").last
    tooltip.wait_for(state="visible", timeout=5_000)
    return tooltip.inner_text()


def _centre(box: dict) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_gaps_map(page, tmp_path):
    _run(["gaps", "--dept", "58"], tmp_path)
    paths = _open(page, tmp_path)

    fills = [p["fill"] for p in paths if "conum-site" not in p["cls"]]
    assert len(fills) == 309 and set(fills) <= set(STATUS_COLOURS.values())  # every commune
    assert STATUS_COLOURS["perd"] in fills  # communes that lose coverage, in the documented colour
    _check_frame(page, "Couverture numérique — département 58", CAVEAT_DEMO,
                 ["Perd la couverture", "Conseiller numérique", "France services", "Sites fermés"],
                 ["Communes : couverture avant / après", "Sites maintenus", "Sites fermés"])
    assert "Nouveau" not in page.inner_text(".conum-legend")  # no new site in this scenario

    # France services are rings drawn around, not under, the dots of closed Conum sites at the
    # same town hall: both can be seen and pointed at.
    rings = page.locator("path.conum-site-france_services")
    assert rings.count() >= 10
    assert all(p["fill"] == "none" and p["stroke"] == SITE_COLOURS["france_services"]
               for p in paths if "conum-site-france_services" in p["cls"])
    checked = shared = 0
    for box in (rings.nth(i).bounding_box() for i in range(rings.count())):
        x, y = _centre(box)
        on_ring, at_centre = page.evaluate("""([x, y, left]) => {
            const ring = document.elementFromPoint(left, y), dot = document.elementFromPoint(x, y);
            if (!ring || ring.closest('.leaflet-control')) { return [null, null]; }
            return [ring.getAttribute('class'), dot.getAttribute('fill')];
        }""", [x, y, box["x"] + 0.5])
        if on_ring is None:  # outside the window or under a map control
            continue
        checked += 1
        assert "conum-site-france_services" in on_ring
        shared += at_centre == ENDED_COLOUR
    assert checked >= 10
    assert shared >= 5  # the demo's closed Département posts sit at the France services' seats

    # tooltips: a closed site names its commune; a commune's times have one decimal
    closed = page.locator(f"path.conum-site-conum[fill='{ENDED_COLOUR}']").first
    text = _hover_text(page, *_centre(closed.bounding_box()))
    assert "fermé" in text and "Conseiller numérique" in text
    page.mouse.move(10, 10)
    lost = page.locator(f"path.leaflet-interactive[fill='{STATUS_COLOURS['perd']}']").nth(40)
    text = _hover_text(page, *_centre(lost.bounding_box()))
    assert "Perd la couverture" in text and "Présence la plus proche après" in text
    assert re.search(r"Temps après\s+\d+,\d min", text)
    page.screenshot(path=str(tmp_path / "map.png"))


def test_gaps_map_on_real_registers(page, tmp_path, shared_data):
    output = _run(["gaps", "--dept", "58", "--data-dir", str(shared_data)], tmp_path)
    # terminal table: one decimal next to a 20-min threshold, sites named with their commune
    rows = output.split("Présence la plus proche après\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert rows and all(re.search(r"\d+,\d min", row) for row in rows)
    assert not any(row.rstrip().endswith(("Mairie", "LA POSTE")) for row in rows)
    _open(page, tmp_path)
    _check_frame(page, "Couverture numérique — département 58", ("Routes approximatives",),
                 ["Perd la couverture", "France services"], ["Sites fermés"],
                 absent_caveat=("illustratifs",))
    assert "ANCT, liste des France services" in page.inner_text(".conum-sources")
    # the register's "Mairie" of Varzy (58304) is named with its commune in its tooltip
    assert any(t.startswith("Mairie (Varzy) — Conseiller numérique") for t in page.evaluate(TOOLTIPS_JS))


def test_simulation_map(page, tmp_path):
    _run(["simulate", "--dept", "58", "--draws", "50"], tmp_path)
    paths = _open(page, tmp_path)
    risk = {colour for _, colour, _ in RISK_CLASSES}
    fills = [p["fill"] for p in paths if "conum-site" not in p["cls"]]
    assert len(fills) == 309 and set(fills) <= risk | {"#bdbdbd"}
    assert len(set(fills) & risk) >= 2  # communes in at least two risk classes
    _check_frame(page, "Non-renouvellements simulés — département 58", CAVEAT_DEMO,
                 ["Aucun risque", "50 % et plus", "Non couverte aujourd'hui", "France services"],
                 ["Communes : probabilité de perdre la couverture", "Lieux actuels"])
    assert page.locator("path.conum-site-france_services").count() >= 10
    assert "50 tirages" in page.inner_text(".conum-title")


AMBIGUOUS_NAME = "Espace France services"


def _france_services_csv(path: Path, sites) -> None:
    """``sites`` (demo France services, WGS84, with an ``id_fs``) as an ANCT France services
    list, all with the same name, as in registers where many sites are just 'Mairie'."""
    days = ["h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi"]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id_fs", "lib_fs", "insee_com", "code_postal", "lib_com", "latitude",
                         "longitude", *days, "type_fs", "format_fs"])
        for _, site in sites.iterrows():
            writer.writerow([site["id_fs"], AMBIGUOUS_NAME, site["code_insee"], "58000", "", site.geometry.y,
                             site.geometry.x, *["09:00 - 12:00"] * 5, "", "Principal", "Fixe"])


def test_diff_map(page, tmp_path, demo_territory):
    sites = demo_territory.sites
    fs = sites.loc[sites["kind"] == "france_services"].to_crs("EPSG:4326")
    fs = fs.assign(id_fs=range(1, len(fs) + 1))
    _france_services_csv(tmp_path / "before.csv", fs)
    _france_services_csv(tmp_path / "after.csv", fs.iloc[3:])  # three sites close
    out = tmp_path / "out"
    _run(["diff", "--dept", "58", "--before", str(tmp_path / "before.csv"),
          "--after", str(tmp_path / "after.csv")], out)
    paths = _open(page, out)
    fills = [p["fill"] for p in paths if "conum-site" not in p["cls"]]
    assert len(fills) == 309 and STATUS_COLOURS["perd"] in fills
    rings = [p for p in paths if "conum-site-france_services" in p["cls"]]
    assert sum(p["stroke"] == ENDED_COLOUR for p in rings) == 3  # the closed ones, in black
    assert sum(p["stroke"] == SITE_COLOURS["france_services"] for p in rings) == len(fs) - 3
    # registers, not the illustrative demo: only the road caveat
    _check_frame(page, "Couverture numérique — département 58", ("Routes approximatives",),
                 ["Perd la couverture", "France services", "Sites fermés"],
                 ["Sites maintenus", "Sites fermés"], absent_caveat=("illustratifs",))
    assert "before.csv → after.csv" in page.inner_text(".conum-title")

    # every site's tooltip names its commune
    names = demo_territory.communes.set_index("code_insee")["nom"]
    expected = sorted(f"{AMBIGUOUS_NAME} ({names[code]}) — France services" for code in fs["code_insee"])
    tooltips = page.evaluate(TOOLTIPS_JS)
    assert sorted(t.split(",")[0] for t in tooltips) == expected
    ring = page.locator("path.conum-site-france_services").first.bounding_box()
    text = _hover_text(page, ring["x"] + 0.5, ring["y"] + ring["height"] / 2)
    assert text.startswith(f"{AMBIGUOUS_NAME} (") and "h/semaine" in text


def _views(page) -> list[dict]:
    return page.evaluate("""() => Array.from(document.querySelectorAll('.folium-map'), div => {
        const m = window[div.id], c = m.getCenter();
        return {zoom: m.getZoom(), lat: c.lat, lng: c.lng};
    })""")


def test_compare_map_side_by_side(page, tmp_path):
    _run(["compare", "--dept", "58"], tmp_path)
    assert "Leaflet.Sync" not in (tmp_path / "map.html").read_text(encoding="utf-8")
    paths = _open(page, tmp_path)
    maps = page.locator(".folium-map")
    assert maps.count() == 2
    left, right = maps.nth(0).bounding_box(), maps.nth(1).bounding_box()
    assert left["width"] == pytest.approx(right["width"], abs=2) and right["x"] > left["x"] + 300
    fills = [p["fill"] for p in paths if "conum-site" not in p["cls"]]
    assert len(fills) == 2 * 309 and set(fills) <= set(COVER_COLOURS.values())
    assert page.locator(".conum-side-label").all_inner_texts() == ["Centralité", "Rayonnement"]
    _check_frame(page, "Modèles de déploiement comparés — département 58", CAVEAT_DEMO,
                 ["Présence dans la commune", "Non couverte", "Conseiller numérique"],
                 [f"{m} : {what}" for m in ("Centralité", "Multi-centralité", "Rayonnement")
                  for what in ("couverture des communes", "lieux de présence")], maps=2)
    assert "Hypothèses du modèle" in page.inner_text(".conum-assumptions")

    # zooming or dragging either map moves the other with it
    start = _views(page)
    assert start[0] == start[1]
    page.locator(".folium-map >> nth=0 >> .leaflet-control-zoom-in").click()
    page.wait_for_function("""zoom => { const d = Array.from(document.querySelectorAll('.folium-map'),
        e => window[e.id].getZoom()); return d[0] === d[1] && d[0] > zoom; }""", arg=start[0]["zoom"])
    x, y = _centre(right)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 120, y + 60, steps=8)
    page.mouse.up()
    page.wait_for_timeout(300)
    views = _views(page)
    assert views[0] == pytest.approx(views[1]) and views[0]["lng"] > start[0]["lng"]

    # switching a model on in the right map's layer control updates that map's label
    control = page.locator(".leaflet-control-layers").nth(1)
    control.hover()
    control.get_by_text("Centralité : couverture des communes", exact=True).click()
    assert page.locator(".conum-side-label").nth(1).inner_text() == "Centralité + Rayonnement"
    assert page.errors == []
    page.screenshot(path=str(tmp_path / "map.png"))


def test_redeploy_map(page, tmp_path):
    _run(["redeploy", "--dept", "58", "--posts", "3", "--solver", "greedy"], tmp_path)
    paths = _open(page, tmp_path)
    fills = [p["fill"] for p in paths if "conum-site" not in p["cls"]]
    assert len(fills) == 309 and set(fills) <= set(REDEPLOY_COLOURS.values())
    assert REDEPLOY_COLOURS["retrouvee"] in fills
    new = [p for p in paths if "conum-site" in p["cls"] and ROLE_COLOURS["nouveau"] in (p["fill"], p["stroke"])]
    assert len(new) == 3
    _check_frame(page, "Redéploiement à iso — département 58", CAVEAT_DEMO,
                 ["Couverture retrouvée par le redéploiement", "Nouveau site (redéploiement)",
                  "Site fermé"],
                 ["Communes : couverture après redéploiement", "Nouveau site (redéploiement)"])
    assumptions = page.inner_text(".conum-assumptions")
    assert "Hypothèses du modèle" in assumptions and "Candidats" in assumptions
