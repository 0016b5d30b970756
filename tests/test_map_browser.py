"""Every kind of generated map opened in real headless Chromium with **every network request
blocked**: gaps, simulate, diff, compare, redeploy, catchments and the national atlas index.

Each page must render from its own file: Leaflet and our script inlined, communes and sites
drawn (canvas), landmarks shown when no tile loads, no JavaScript error (the only console errors
allowed are the blocked basemap tiles), French title and language, the panel's caveat and
sources; and a planner's gestures must work: a click opens a popup, the search finds a
commune, the colouring switch recolours the communes.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CHROMIUM

from conum_geo.cli import cli
from conum_geo.outputs.map_frame import SITE_COLOURS
from conum_geo.outputs.maps import ENDED_COLOUR, RISK_CLASSES, STATUS_COLOURS, TIME_CLASSES
from conum_geo.outputs.model_maps import COVER_COLOURS, REDEPLOY_COLOURS, ROLE_COLOURS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed"),
]

CAVEAT_DEMO = ("Sites et postes illustratifs", "routes approximatives")
#: A département map stays under this size (bytes).
MAX_MAP_BYTES = 1_500_000
#: Every commune feature (searchable layers) and every site marker drawn on the page's maps.
DRAWN_JS = """() => {
    const out = {features: [], sites: []};
    document.querySelectorAll('.folium-map').forEach((div, m) => window[div.id].eachLayer(layer => {
        const p = layer.feature && layer.feature.properties;
        if (p && p._code !== undefined) {
            out.features.push({map: m, code: p._code, fill: layer.options.fillColor});
        } else if (layer.getLatLng && layer.options && (layer.options.className || '').includes('conum-site')) {
            const tip = layer.getTooltip() ? layer.getTooltip().getContent() : '';
            const box = document.createElement('div');
            box.innerHTML = tip;
            out.sites.push({map: m, cls: layer.options.className, fill: layer.options.fillColor,
                            stroke: layer.options.color, ring: layer.options.fill === false,
                            text: box.textContent.trim(), popup: !!layer.getPopup()});
        }
    }));
    return out;
}"""
#: Screen position of the centre of a commune (by INSEE code) on the first map.
COMMUNE_POINT_JS = """code => {
    const div = document.querySelector('.folium-map'), map = window[div.id];
    let point = null;
    map.eachLayer(layer => {
        const p = layer.feature && layer.feature.properties;
        if (p && p._code === code && !point) {
            const c = map.latLngToContainerPoint(layer.getCenter()), box = div.getBoundingClientRect();
            point = [box.left + c.x, box.top + c.y];
        }
    });
    return point;
}"""


def _run(args: list[str], out: Path) -> str:
    result = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return result.output


def _open(page, path: Path) -> dict:
    """Open a map page offline; what it draws (``DRAWN_JS``)."""
    html = path.read_text(encoding="utf-8")
    assert '<html lang="fr">' in html
    assert not re.search(r'<script[^>]+src=|<link[^>]+href="http', html)  # nothing fetched from a CDN
    page.goto(path.as_uri())
    page.wait_for_function("() => window.L && document.querySelector('.leaflet-pane canvas')", timeout=20_000)
    page.wait_for_timeout(300)
    return page.evaluate(DRAWN_JS)


def _check_frame(page, title: str, caveat: tuple[str, ...], legend: list[str], layers: list[str],
                 absent_caveat: tuple[str, ...] = ()) -> None:
    """Title (page and panel), caveat, legend, sources, layer control, scale, offline landmarks."""
    assert title in page.title() and title in page.inner_text(".conum-title h1")
    warning = page.inner_text(".conum-warning") if caveat else ""
    assert all(text in warning for text in caveat)
    assert not any(text in page.inner_text(".conum-title") for text in absent_caveat)
    legend_text = page.inner_text(".conum-legend")
    assert legend_text.startswith("Légende") and all(entry in legend_text for entry in legend), legend_text
    sources = page.inner_text(".conum-sources")
    assert sources.startswith("Sources :") and "Réseau routier" in sources and "Plan IGN" in sources
    assert re.search(r"Calculs : conum-geo \d+\.\d+\.\d+, le \d\d/\d\d/\d{4}", sources)
    control = page.locator(".leaflet-control-layers").first.text_content()
    assert all(layer in control for layer in [*layers, "Plan IGN (Géoplateforme)", "OpenStreetMap"]), control
    assert re.fullmatch(r"\d+ k?m", page.locator(".leaflet-control-scale-line").first.inner_text().strip())
    # offline: the basemap's failure is said, and our own landmarks still show
    page.locator(".conum-offline").first.wait_for(state="visible", timeout=5_000)
    assert page.locator(".conum-landmark").count() >= 5
    assert "Leaflet" in page.inner_text(".leaflet-control-attribution") and "IGN" in page.inner_text(
        ".leaflet-control-attribution")
    assert page.locator(".conum-tools a", has_text="Plein écran").count() == 1
    assert page.locator(".conum-tools a", has_text="Imprimer").count() == 1
    # the panel and the map do not overlap: the map starts where the panel ends
    panel = page.locator(".conum-panel").bounding_box()
    first = page.locator(".folium-map").first.bounding_box()
    assert first["x"] == pytest.approx(panel["x"] + panel["width"], abs=2)
    assert page.blocked and all("geopf.fr" in url or "openstreetmap" in url for url in page.blocked)
    assert page.errors == [] and page.dialogs == []


def _click_commune(page, code: str) -> str:
    page.keyboard.press("Escape")
    x, y = page.evaluate(COMMUNE_POINT_JS, code)
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content").last
    popup.wait_for(state="visible", timeout=5_000)
    return popup.inner_text()


def _search(page, query: str, expected: str) -> str:
    """Search ``query``; the text of the popup that opens (it must name ``expected``)."""
    box = page.locator(".conum-search input")
    box.fill(query)
    box.press("Enter")
    popup = page.locator(".leaflet-popup-content", has_text=expected)
    popup.wait_for(state="visible", timeout=5_000)
    return popup.inner_text()


def test_gaps_map(page, tmp_path):
    _run(["gaps", "--dept", "58"], tmp_path)
    assert (tmp_path / "map.html").stat().st_size <= MAX_MAP_BYTES
    drawn = _open(page, tmp_path / "map.html")
    fills = [f["fill"] for f in drawn["features"]]
    assert len(fills) == 309 and set(fills) <= set(STATUS_COLOURS.values())  # every commune
    assert STATUS_COLOURS["perd"] in fills  # communes that lose coverage, in the documented colour
    _check_frame(page, "Couverture numérique — Nièvre (58)", CAVEAT_DEMO,
                 ["Perd la couverture", "Conseiller numérique", "France services", "Sites fermés"],
                 ["Communes", "Sites maintenus : Conseiller numérique", "Sites maintenus : France services",
                  "Sites fermés", "Repères"])
    assert "Nouveau" not in page.inner_text(".conum-legend")  # no new site in this scenario

    # France services are rings (no fill) around the dots of the closed Conum sites at the same
    # town hall; every marker answers a click with a popup
    rings = [s for s in drawn["sites"] if "france_services" in s["cls"]]
    assert len(rings) >= 10 and all(s["ring"] and s["stroke"] == SITE_COLOURS["france_services"] for s in rings)
    closed = [s for s in drawn["sites"] if s["fill"] == ENDED_COLOUR]
    assert len(closed) >= 20 and all("fermé" in s["text"] and "Conseiller numérique" in s["text"] for s in closed)
    assert all(s["popup"] for s in drawn["sites"])

    # a click (touch screens) opens the commune's popup; search finds a commune by name or code
    text = _click_commune(page, "58095")
    assert "Decize" in text and "Perd la couverture" in text and re.search(r"Temps après\s+\d+,\d min", text)
    # the orientation directory, expanded in the page from its compact codes
    assert "Qui contacter près d'ici" in text and "@" not in text
    assert re.search(r"(Conseillers numériques|France services) : [^·]+ \(\d+,\d min, [\d,]+ h/sem\.", text), text
    assert "58079" in _search(page, "clamecy", "Clamecy")
    assert "58264" in _search(page, "58264", "Saint-Pierre-le-Moûtier")
    assert page.locator(".conum-search-message").inner_text() == ""
    page.locator(".conum-search input").fill("Atlantide")
    page.locator(".conum-search input").press("Enter")
    assert page.locator(".conum-search-message").inner_text() == "Aucune commune ne correspond."

    # the colouring switch: travel time after the scenario, in its classes, with its legend
    page.get_by_role("radio", name="temps d'accès après").check()
    recoloured = {f["fill"] for f in page.evaluate(DRAWN_JS)["features"]}
    assert recoloured <= {c for _, c, _ in TIME_CLASSES} | {"#bdbdbd"} and len(recoloured) >= 3
    assert page.locator("[data-conum-scheme='apres']").is_visible()
    assert not page.locator("[data-conum-scheme='statut']").is_visible()
    assert page.errors == []
    page.screenshot(path=str(tmp_path / "map.png"))


def test_gaps_map_on_real_registers(page, tmp_path, shared_data):
    output = _run(["gaps", "--dept", "58", "--data-dir", str(shared_data)], tmp_path)
    # terminal table: one decimal next to a 20-min threshold, sites named with their commune
    rows = output.split("Présence la plus proche après\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert rows and all(re.search(r"\d+,\d min", row) for row in rows)
    assert not any(row.rstrip().endswith(("Mairie", "LA POSTE")) for row in rows)
    assert (tmp_path / "map.html").stat().st_size <= MAX_MAP_BYTES
    drawn = _open(page, tmp_path / "map.html")
    assert len(drawn["features"]) == 309
    _check_frame(page, "Couverture numérique — Nièvre (58)", ("Routes approximatives",),
                 ["Perd la couverture", "France services"], ["Sites fermés"], absent_caveat=("illustratifs",))
    assert "ANCT, liste des France services" in page.inner_text(".conum-sources")
    # the register's "Mairie" of Varzy (58304) is named with its commune; cross-border sites
    # are named after their commune, never a bare code
    texts = [s["text"] for s in drawn["sites"]]
    assert any(t.startswith("Mairie (Varzy) — Conseiller numérique") for t in texts)
    assert not any("(commune " in t for t in texts)


def test_simulation_map(page, tmp_path):
    _run(["simulate", "--dept", "58", "--draws", "50"], tmp_path)
    drawn = _open(page, tmp_path / "map.html")
    risk = {colour for _, colour, _ in RISK_CLASSES}
    fills = [f["fill"] for f in drawn["features"]]
    assert len(fills) == 309 and set(fills) <= risk | {"#bdbdbd"}
    assert len(set(fills) & risk) >= 2  # communes in at least two risk classes
    _check_frame(page, "Non-renouvellements simulés — Nièvre (58)", CAVEAT_DEMO,
                 ["Aucun risque", "50 % et plus", "Non couverte aujourd'hui", "France services"],
                 ["Communes : probabilité de perdre la couverture", "Lieux actuels : France services"])
    assert sum("france_services" in s["cls"] for s in drawn["sites"]) >= 10
    assert "50 tirages" in page.inner_text(".conum-title")
    text = _click_commune(page, "58086")
    assert "Cosne-Cours-sur-Loire" in text and re.search(r"\d+,\d % \(± \d+,\d\)", text)  # decimal commas


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
    drawn = _open(page, out / "map.html")
    fills = [f["fill"] for f in drawn["features"]]
    assert len(fills) == 309 and STATUS_COLOURS["perd"] in fills
    rings = [s for s in drawn["sites"] if "france_services" in s["cls"]]
    assert sum(s["stroke"] == ENDED_COLOUR for s in rings) == 3  # the closed ones, in black
    assert sum(s["stroke"] == SITE_COLOURS["france_services"] for s in rings) == len(fs) - 3
    # registers, not the illustrative demo: only the road caveat
    _check_frame(page, "Couverture numérique — Nièvre (58)", ("Routes approximatives",),
                 ["Perd la couverture", "France services", "Sites fermés"],
                 ["Sites maintenus : France services", "Sites fermés"], absent_caveat=("illustratifs",))
    assert "before.csv → after.csv" in page.inner_text(".conum-title")
    # every site's text names its commune
    names = demo_territory.communes.set_index("code_insee")["nom"]
    expected = sorted(f"{AMBIGUOUS_NAME} ({names[code]}) — France services" for code in fs["code_insee"])
    assert sorted(s["text"].split(",")[0] for s in rings) == expected
    assert all("h/semaine" in s["text"] for s in rings)


def test_compare_map_three_models(page, tmp_path):
    _run(["compare", "--dept", "58"], tmp_path)
    assert (tmp_path / "map.html").stat().st_size <= MAX_MAP_BYTES
    drawn = _open(page, tmp_path / "map.html")
    assert page.locator(".folium-map").count() == 1
    fills = [f["fill"] for f in drawn["features"]]
    assert len(fills) == 309 and set(fills) <= set(COVER_COLOURS.values())
    _check_frame(page, "Modèles de déploiement comparés — Nièvre (58)", CAVEAT_DEMO,
                 ["Présence dans la commune", "Passage ponctuel seulement", "Conseiller numérique",
                  "taille du point"],
                 [f"{m} : lieux de présence" for m in ("Centralité", "Multi-centralité", "Rayonnement")])
    assert "Hypothèses du modèle" in page.inner_text(".conum-assumptions")
    figures = page.inner_text(".conum-figures")
    assert all(m in figures for m in ("Centralité", "Multi-centralité", "Rayonnement", "Population couverte",
                                      "Heures de route"))
    # the three-way switch: communes recoloured, the chosen model's presences only
    centralite = len(drawn["sites"])
    page.get_by_role("radio", name="Rayonnement").check()
    after = page.evaluate(DRAWN_JS)
    assert [f["fill"] for f in after["features"]] != fills and len(after["sites"]) > centralite
    assert all("Rayonnement" in s["text"] for s in after["sites"])
    text = _click_commune(page, "58095")
    assert all(m in text for m in ("Centralité", "Multi-centralité", "Rayonnement"))
    assert page.errors == []
    page.screenshot(path=str(tmp_path / "map.png"))


def test_redeploy_map(page, tmp_path):
    _run(["redeploy", "--dept", "58", "--posts", "3", "--solver", "greedy"], tmp_path)
    drawn = _open(page, tmp_path / "map.html")
    fills = [f["fill"] for f in drawn["features"]]
    assert len(fills) == 309 and set(fills) <= set(REDEPLOY_COLOURS.values())
    assert REDEPLOY_COLOURS["retrouvee"] in fills
    new = [s for s in drawn["sites"] if ROLE_COLOURS["nouveau"] in (s["fill"], s["stroke"])]
    assert len(new) == 3
    _check_frame(page, "Redéploiement — Nièvre (58)", CAVEAT_DEMO,
                 ["Couverture retrouvée par le redéploiement", "Nouveau site (redéploiement)", "Site fermé"],
                 ["Communes : couverture après redéploiement", "Nouveau site (redéploiement)"])
    assumptions = page.inner_text(".conum-assumptions")
    assert "Hypothèses du modèle" in assumptions and "Candidats" in assumptions


def test_catchments_map(page, tmp_path):
    _run(["catchments", "--dept", "58", "--minutes", "10,20,30", "--cell", "1000"], tmp_path)
    drawn = _open(page, tmp_path / "map.html")
    assert len(drawn["features"]) == 309 and len(drawn["sites"]) > 10
    _check_frame(page, "Temps d'accès aux lieux — Nièvre (58)", CAVEAT_DEMO,
                 ["0 à 10 min", "20 à 30 min", "Plus de 30 min ou inaccessible"],
                 ["Communes : temps jusqu'au lieu le plus proche", "Lieux : Conseiller numérique"])
    assert "par commune" in page.inner_text(".conum-title") and "chef-lieu" in page.inner_text(".conum-title")
    assert re.search(r"Temps \(chef-lieu\)\s+\d+,\d min", _search(page, "58079", "Clamecy"))


def test_national_atlas_index(page, tmp_path, shared_data):
    _run(["gaps", "--dept", "58,89", "--workers", "0", "--data-dir", str(shared_data)], tmp_path)
    drawn = _open(page, tmp_path / "france" / "index.html")
    assert sorted(f["code"] for f in drawn["features"]) == ["58", "89"]
    assert (tmp_path / "france" / "index.html").stat().st_size <= MAX_MAP_BYTES
    assert "Couverture numérique — France" in page.title()
    text = _search(page, "Yonne", "Yonne (89)")
    link = page.locator(".leaflet-popup-content a", has_text="ouvrir la carte du département")
    assert "Yonne (89)" in text and link.get_attribute("href") == "../89/map.html"
    assert page.errors == []
