"""The frame every map shares: one HTML file that renders with no network at all.

A page is a side panel (title, key figures, the provenance caveat, legend, assumptions, sources
with their vintages and the version that computed them) beside one or more Leaflet maps. Each
map has a French official basemap (Plan IGN of the IGN Géoplateforme, no key) with
OpenStreetMap ones in its layer control, landmarks drawn from our own data (the département's
and the intercommunalities' outlines, the main town of each intercommunality) so that it still
reads when no tile loads, a metric scale, search by commune name or INSEE code, full screen and
print, and canvas rendering. Communes and sites answer a click (a popup, for touch screens) as
well as hovering. Leaflet, Leaflet.markercluster and our own script are inlined
(``web_assets``): the page fetches nothing but tiles.

folium is imported inside the functions (``import conum_geo`` must not import it). Geometries
are simplified in the metric CRS, reprojected to WGS84 and rounded to about a metre here.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from ..core.territory import CRS_WGS84
from ..core.vocabulary import SITE_KINDS
from .page_safety import html_text, script_json, with_csp
from .text import provenance_warning
from .web_assets import inline_head

#: Marker colour of each site kind (purple, blue, orange: told apart with any colour vision).
SITE_COLOURS = {"conum": "#6a3d9a", "france_services": "#1f78b4", "mediation": "#e66101"}
#: Commune geometries are simplified by this much (m) before drawing.
SIMPLIFY_M = 30.0
#: Coordinates are rounded to this many degrees (about 1 m).
PRECISION_DEG = 1e-5
#: Outlines of the landmarks layer are simplified by this much (m).
LANDMARK_SIMPLIFY_M = 150.0
#: Marker sizes (px): a site is a dot; a France services is a ring drawn around any dot at its
#: place (inner edge of the ring beyond the largest dot).
DOT_RADIUS_PX = 5.0
RING_RADIUS_PX = 10.0
RING_WEIGHT_PX = 3.0
#: A layer of more sites than this is clustered at low zoom levels.
CLUSTER_MIN_SITES = 150
#: Zoom steps of fitting a map to its territory (fractions fill the window better).
ZOOM_SNAP = 0.25
#: Margin around the territory when a map is fitted to it.
FIT_PADDING_PX = 16
#: Width of the side panel (CSS length).
PANEL_WIDTH = "min(360px, 38vw)"
#: Road networks named in the sources line.
ROAD_SOURCES = {
    "proxy": "réseau proxy entre communes contiguës (approximation)",
    "osm": "OpenStreetMap (© les contributeurs d'OpenStreetMap, ODbL)",
    "bdtopo": "IGN BD TOPO (Licence Ouverte)",
}
OSM_CREDIT = "© les contributeurs d'<a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a>"
#: Basemaps: (xyzservices provider, French name, French attribution); the first is shown.
BASEMAPS = (
    ("GeoportailFrance.plan", "Plan IGN (Géoplateforme)",
     "© <a href=\"https://www.ign.fr/\">IGN</a> – Plan IGN, <a href=\"https://geoservices.ign.fr/\">Géoplateforme</a>"),
    ("OpenStreetMap.France", "OpenStreetMap France", f"{OSM_CREDIT}, fond OpenStreetMap France"),
    ("OpenStreetMap.Mapnik", "OpenStreetMap", OSM_CREDIT),
)
BASEMAP_CREDIT = ("Fond de carte : Plan IGN (© IGN, Géoplateforme) ; autres fonds : © les contributeurs "
                  "d'OpenStreetMap.")
HINT = ("Cliquer (ou survoler) une commune ou un lieu pour le détail ; chercher une commune en haut à gauche ; "
        "couches et fonds de carte en haut à droite.")

Entry = tuple[str | None, str, str]


def to_wgs84(frame: gpd.GeoDataFrame, simplify_m: float = 0.0) -> gpd.GeoDataFrame:
    """``frame`` in WGS84, its geometries first simplified by ``simplify_m`` metres and
    rounded to ``PRECISION_DEG``."""
    out = frame.copy()
    if simplify_m:
        out["geometry"] = out.geometry.simplify(simplify_m, preserve_topology=True)
    out = out.to_crs(CRS_WGS84)
    out["geometry"] = shapely.set_precision(out.geometry.values, PRECISION_DEG)
    return out


def markup(text: str) -> str:
    """``text`` safe inside folium's tooltips and popups (HTML written into a JavaScript
    template string)."""
    return html_text(text).replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def html_element(text: str):
    """A folium element writing the HTML ``text`` as it is: never read as a Jinja template
    (folium's own ``Element(text)`` would run a ``{{ … }}`` of the data)."""
    import folium
    from folium.template import Template

    element = folium.Element()
    element._template = Template("{{ text }}")
    element._template.globals["text"] = text
    return element


def conum_call(m, function: str, *args) -> None:
    """Call ``ConumMap.<function>(*args)`` of our script once ``m`` and the layers added to it
    so far exist: a folium element is passed as its variable, any other value as
    ``page_safety.script_json`` (data never reaches the page as code, nor the template
    engine as a template)."""
    import folium
    from folium.template import Template

    values = ", ".join(a.get_name() if hasattr(a, "get_name") else script_json(a) for a in args)
    element = folium.MacroElement()
    element._template = Template("{% macro script(this, kwargs) %}{{ js }}{% endmacro %}")
    element._template.globals["js"] = f"ConumMap.{function}({values});"
    element.add_to(m)


def new_map(frame: gpd.GeoDataFrame | None = None, m=None, *, first: bool = True, **kwargs):
    """``m``, or a new map fitted to ``frame`` (WGS84): basemaps, metric scale, canvas
    rendering, our controls (search and tools on the ``first`` map of a page).

    ``kwargs`` go to ``folium.Map`` (e.g. the position of one map of several).
    """
    import folium
    import xyzservices.providers as providers

    if m is not None:
        return m
    m = folium.Map(tiles=None, zoom_snap=ZOOM_SNAP, font_size="13px", prefer_canvas=True, **kwargs)
    m.default_js, m.default_css = [], []  # inlined by finish_map: nothing from a CDN
    for i, (provider, name, credit) in enumerate(BASEMAPS):
        tiles = providers.query_name(provider)
        layer = folium.TileLayer(tiles=tiles.build_url(), attr=credit, name=name, max_zoom=19,
                                 max_native_zoom=tiles.get("max_zoom", 19), show=i == 0)
        layer.add_to(m)
        conum_call(m, "tiles", m, layer)
    conum_call(m, "controls", m, first)
    if frame is not None:
        xmin, ymin, xmax, ymax = frame.total_bounds
        m.fit_bounds([[ymin, xmin], [ymax, xmax]], padding=(FIT_PADDING_PX, FIT_PADDING_PX))
    return m


def landmarks_layer(m, territory) -> None:
    """The département's outline, its intercommunalities' outlines and the name of the most
    populous commune of each, as one non-interactive layer (landmarks without tiles)."""
    import folium

    communes = territory.communes
    group = folium.FeatureGroup(name="Repères : limites et villes principales")
    epci = communes.assign(epci_code=communes["epci_code"].fillna("")).dissolve("epci_code").reset_index()
    outline = gpd.GeoDataFrame(geometry=[communes.geometry.union_all()], crs=communes.crs)
    for frame, weight in ((epci, 1.2), (outline, 2.6)):
        lines = to_wgs84(gpd.GeoDataFrame(geometry=frame.geometry.boundary, crs=communes.crs), LANDMARK_SIMPLIFY_M)
        folium.GeoJson(lines[["geometry"]], style_function=lambda f, w=weight: {"color": "#333333", "weight": w,
                                                                                 "opacity": 0.8},
                       interactive=False, control=False).add_to(group)
    towns = communes.sort_values(["population", "code_insee"], ascending=[False, True]).drop_duplicates("epci_code")
    points = gpd.GeoDataFrame(towns[["nom"]], geometry=gpd.points_from_xy(towns["origin_x"], towns["origin_y"]),
                              crs=communes.crs).to_crs(CRS_WGS84)
    for name, point in zip(points["nom"], points.geometry):
        folium.Marker([point.y, point.x], interactive=False,
                      icon=folium.DivIcon(html=f'<span class="conum-landmark">{html_text(name)}</span>',
                                          icon_size=(0, 0), icon_anchor=(0, 0))).add_to(group)
    group.add_to(m)


def site_marker(layer, site, text: str, colour: str | None = None, radius: float = DOT_RADIUS_PX) -> None:
    """Draw ``site`` (a row with ``kind`` and a WGS84 point) on ``layer``: a dot, or a ring
    for a France services; ``colour`` defaults to the colour of its kind; ``text`` is its
    tooltip, and its popup once the layer is added (``add_site_layer``)."""
    import folium

    colour = colour or SITE_COLOURS.get(site["kind"], "#333333")
    style: dict
    if site["kind"] == "france_services":
        style = {"radius": RING_RADIUS_PX, "color": colour, "weight": RING_WEIGHT_PX, "fill": False}
    else:
        style = {"radius": radius, "color": "#ffffff", "weight": 1, "fill_color": colour, "fill_opacity": 0.95}
    folium.CircleMarker(location=[site.geometry.y, site.geometry.x], tooltip=markup(text),
                        class_name=f"conum-site conum-site-{site['kind']}", **style).add_to(layer)


def site_group(name: str, n_sites: int, show: bool = True):
    """A layer for ``n_sites`` site markers: clustered at low zoom when they are many."""
    import folium
    from folium.plugins import MarkerCluster

    if n_sites <= CLUSTER_MIN_SITES:
        return folium.FeatureGroup(name=name, show=show)
    cluster = MarkerCluster(name=name, show=show, options={"disableClusteringAtZoom": 12,
                                                           "showCoverageOnHover": False, "maxClusterRadius": 40})
    cluster.default_js, cluster.default_css = [], []  # inlined by finish_map
    return cluster


def add_site_layer(m, layer) -> None:
    """Add a layer of site markers to ``m``: each marker's tooltip also opens as a popup on a
    click (touch screens have no hover)."""
    layer.add_to(m)
    conum_call(m, "popups", layer)


def site_entries(kinds) -> list[Entry]:
    """Legend entries of the site kinds ``kinds`` (dots; a ring for France services)."""
    return [(SITE_COLOURS[k], "ring" if k == "france_services" else "circle", SITE_KINDS[k])
            for k in SITE_KINDS if k in set(kinds)]


def communes_layer(m, communes: gpd.GeoDataFrame, name: str, columns: dict[str, str],
                   schemes: dict[str, tuple[str, pd.Series]], *, show: bool = True,
                   search: tuple[str, str] = ("code_insee", "nom"), raw: Sequence[str] = (),
                   switch: str = "Colorer les communes par :"):
    """Communes (WGS84) as one searchable layer of ``m``: tooltip and popup showing
    ``columns`` (field → label, values as text, escaped unless listed in ``raw``); filled by
    the first of ``schemes`` (key → (label, colour per commune)), the others a click away
    (``ConumMap.communes``, under the heading ``switch``); found by the ``search`` (code, name)
    columns. Returns the layer."""
    import folium

    code, label = search
    table = communes[[*dict.fromkeys([code, label, *columns]), "geometry"]].copy()
    table["_code"], table["_name"] = table[code].astype(str).map(markup), table[label].astype(str).map(markup)
    for column in columns:  # tooltips and popups write values as HTML
        if column not in raw:
            table[column] = table[column].astype(str).map(markup)
    table = table.drop(columns=[c for c in (code, label) if c not in columns])
    for key, (_, colours) in schemes.items():
        table[f"colour_{key}"] = colours.to_numpy()
    first = f"colour_{next(iter(schemes))}"
    fields, aliases = list(columns), list(columns.values())
    layer = folium.GeoJson(
        table, name=name, show=show,
        style_function=lambda f: {"fillColor": f["properties"][first], "color": "#555555",
                                  "weight": 0.5, "fillOpacity": 0.7},
        highlight_function=lambda f: {"weight": 2.5, "color": "#222222"},
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True),
        popup=folium.GeoJsonPopup(fields=fields, aliases=aliases, localize=False),
    ).add_to(m)
    labels = {key: label for key, (label, _) in schemes.items()}
    conum_call(m, "communes", m, layer, labels, next(iter(schemes)), switch)
    return layer


def legend_rows(entries: Sequence[Entry]) -> str:
    """HTML rows of legend ``entries`` (colour, shape, label; shape ∈ square, circle, ring,
    heading)."""
    rows = []
    for colour, shape, label in entries:
        if shape == "heading":
            rows.append(f'<div class="conum-legend-heading">{html_text(label)}</div>')
            continue
        style = {
            "square": f"background:{colour};border:1px solid #555;border-radius:2px",
            "circle": f"background:{colour};border:1px solid #fff;box-shadow:0 0 0 1px #777;"
                      "border-radius:50%;width:10px;height:10px;margin:2px 8px 2px 2px",
            "ring": f"border:3px solid {colour};border-radius:50%;width:8px;height:8px",
        }[shape]
        rows.append(f'<div class="conum-legend-row"><span class="conum-swatch" style="{style}">'
                    f'</span>{html_text(label)}</div>')
    return "".join(rows)


def scheme_legend(key: str, entries: Sequence[Entry]) -> str:
    """A legend block shown while the communes are coloured by ``key``."""
    return f'<div data-conum-scheme="{html_text(key)}">{legend_rows(entries)}</div>'


def figures_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An HTML table of key figures for the panel."""
    head = "".join(f"<th>{html_text(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html_text(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="conum-figures"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def computed_line() -> str:
    """``Calculs : conum-geo <version>, le <date>``."""
    from ..core.version import __version__

    return f"Calculs : conum-geo {__version__}, le {dt.date.today():%d/%m/%Y}."


#: Warnings listed on the map (the others are counted; all are in summary.json).
MAX_MAP_WARNINGS = 12


def _panel_html(title: str, subtitle: str, legend: str, warning: str, sources: list[str],
                assumptions: Sequence[str], figures: str, warnings: Sequence[str]) -> str:
    """The side panel: title, figures, caveat, legend, assumptions, warnings and sources."""
    warn = f'<p class="conum-warning">{html_text(warning)}</p>' if warning else ""
    listed = ""
    if warnings:
        items = "".join(f"<li>{html_text(line)}</li>" for line in warnings[:MAX_MAP_WARNINGS])
        more = (f"<li>… et {len(warnings) - MAX_MAP_WARNINGS} autre(s) : summary.json</li>"
                if len(warnings) > MAX_MAP_WARNINGS else "")
        listed = (f'<details class="conum-warnings"><summary>Avertissements ({len(warnings)})</summary>'
                  f"<ul>{items}{more}</ul></details>")
    hypotheses = ""
    if assumptions:
        items = "".join(f"<li>{html_text(line)}</li>" for line in assumptions)
        hypotheses = (f'<details open class="conum-assumptions"><summary>Hypothèses du modèle'
                      f'</summary><ul>{items}</ul></details>')
    cited = "".join(f"<li>{html_text(line)}</li>" for line in sources)
    return (
        f'<aside class="conum-panel" lang="fr"><div class="conum-title"><h1>{html_text(title)}</h1>'
        f'<p>{html_text(subtitle)}</p>{figures}{warn}</div>'
        f'<p class="conum-hint">{html_text(HINT)}</p>'
        f'<section class="conum-legend"><h2>Légende</h2>{legend}</section>'
        f'{hypotheses}{listed}'
        f'<section class="conum-sources"><h2>Sources :</h2><ul>{cited}</ul></section></aside>'
    )


def _layout_css(names: list[str]) -> str:
    """The maps ``names`` side by side right of the panel (below it on a narrow screen)."""
    n = len(names)
    wide, narrow = [], []
    for i, name in enumerate(names):
        wide.append(f"#{name}{{position:absolute!important;top:0!important;height:100%!important;"
                    f"left:calc(var(--conum-panel) + (100% - var(--conum-panel)) * {i} / {n})!important;"
                    f"width:calc((100% - var(--conum-panel)) / {n})!important}}")
        narrow.append(f"#{name}{{top:45%!important;height:55%!important;"
                      f"left:calc(100% * {i} / {n})!important;width:calc(100% / {n})!important}}")
    separators = "".join(f"#{name}{{border-left:2px solid #555}}" for name in names[1:])
    return (f"<style>:root{{--conum-panel:{PANEL_WIDTH}}}" + "".join(wide) + separators
            + "@media (max-width:700px){.conum-panel{width:100%;bottom:auto;height:45%;border-right:0;"
            "border-bottom:1px solid #999}" + "".join(narrow) + "}</style>")


def finish_map(maps, sources: Sequence[str], illustrative: bool, network: str, title: str, subtitle: str,
               legend: str | Sequence[Entry], assumptions: Sequence[str] = (), collapsed: bool = False,
               figures: str = "", warnings: Sequence = ()) -> None:
    """Add a layer control to each of ``maps`` (one map or several sharing a page), the inlined
    assets, the page title and the side panel: title, subtitle, key ``figures`` (HTML), the
    provenance caveat, ``legend`` (HTML, or entries for ``legend_rows``), ``assumptions``, the
    run's ``warnings`` (notices) and the sources with the version and day of the computation."""
    import folium

    maps = list(maps) if isinstance(maps, (list, tuple)) else [maps]
    for m in maps:
        folium.LayerControl(collapsed=collapsed).add_to(m)
    sources = [s.removeprefix("Source : ") for s in sources]
    sources = [s[:1].upper() + s[1:] for s in sources]
    sources += [f"Réseau routier : {ROAD_SOURCES.get(network, network)}.", BASEMAP_CREDIT, computed_line()]
    root = maps[0].get_root()
    root.title = html_text(title)
    root.header.add_child(html_element(inline_head()), name="conum_assets")
    root.header.add_child(html_element(_layout_css([m.get_name() for m in maps])))
    legend_html = legend if isinstance(legend, str) else legend_rows(legend)
    root.html.add_child(html_element(_panel_html(
        title, subtitle, legend_html, provenance_warning(network, illustrative), sources, assumptions, figures,
        [w.text() if hasattr(w, "text") else str(w) for w in warnings])))


def tile_hosts() -> list[str]:
    """The hosts the ``BASEMAPS`` tiles come from (``{s}`` subdomains as ``*``), for the
    pages' Content-Security-Policy."""
    import xyzservices.providers as providers

    hosts = []
    for provider, _, _ in BASEMAPS:
        parts = urllib.parse.urlsplit(providers.query_name(provider).build_url())
        hosts.append(f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}")
    return hosts


def save_map(figure, path: Path) -> None:
    """Write a map page (a ``folium.Map`` or the figure of several) in French, as one file
    under its Content-Security-Policy (``page_safety``)."""
    page = figure.get_root().render()
    page = page.replace("<html>", '<html lang="fr">', 1)
    Path(path).write_text(with_csp(page, tile_hosts()), encoding="utf-8")
