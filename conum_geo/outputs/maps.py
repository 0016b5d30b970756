"""Folium deliverables: self-contained HTML maps with French labels.

Every map has the same frame: a side panel (title, key figures, the provenance caveat, legend,
model assumptions, sources) beside one or more Leaflet maps, each with an OpenStreetMap
background, a metric scale and a layer control. Sites are dots, France services rings, so a
France services and a Conum site at the same town hall both show. The building blocks
(``to_wgs84``, ``new_map``, ``finish_map``, ``site_marker``, ``site_labels``, the French number
formats) are shared with ``model_maps``.

folium is imported inside the functions (``import conum_geo`` must not import it). Geometries
are simplified in the metric CRS and reprojected to WGS84 only here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import geopandas as gpd

from ..tables import CRS_WGS84
from ..vocabulary import SITE_KINDS
from .assumptions import renewal_lines, simulation_figure_lines
from .text import fmt_decimal, fmt_hours, fmt_int, fmt_min, provenance_warning, site_labels

#: Fill colour of each commune status (``vocabulary.STATUSES``).
STATUS_COLOURS = {
    "perd": "#d7301f",
    "degradee": "#fdae61",
    "couverte": "#74c476",
    "non_couverte": "#bdbdbd",
    "gagne": "#3182bd",
}
SITE_COLOURS = {"conum": "#6a3d9a", "france_services": "#1f78b4", "mediation": "#ff7f00"}
ENDED_COLOUR = "#000000"
NEW_COLOUR = "#e7298a"
SIMPLIFY_M = 30.0
#: Marker sizes (px): a site is a dot; a France services is a ring drawn around any dot at its
#: place (inner edge of the ring beyond the largest dot).
DOT_RADIUS_PX = 5.0
RING_RADIUS_PX = 10.0
RING_WEIGHT_PX = 3.0
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
BASEMAP_CREDIT = "Fond de carte : © les contributeurs d'OpenStreetMap."
HINT = "Survoler une commune ou un lieu pour le détail ; couches à afficher en haut à droite de la carte."


def to_wgs84(frame: gpd.GeoDataFrame, simplify_m: float = 0.0) -> gpd.GeoDataFrame:
    """``frame`` in WGS84, its geometries first simplified by ``simplify_m`` metres."""
    out = frame.copy()
    if simplify_m:
        out["geometry"] = out.geometry.simplify(simplify_m, preserve_topology=True)
    return out.to_crs(CRS_WGS84)


def add_script(m, js: str) -> None:
    """Run ``js`` after ``m`` and the layers already added to it are created (``{map}`` in
    ``js`` is the map's variable)."""
    import folium
    from folium.template import Template

    element = folium.MacroElement()
    element._template = Template(
        "{% macro script(this, kwargs) %}" + js.replace("{map}", m.get_name()) + "{% endmacro %}")
    element.add_to(m)


def new_map(frame: gpd.GeoDataFrame | None = None, m=None, **kwargs):
    """``m``, or a new map fitted to ``frame`` (WGS84): OpenStreetMap background, metric scale.

    ``kwargs`` go to ``folium.Map`` (e.g. the position of one map of several).
    """
    import folium

    if m is not None:
        return m
    m = folium.Map(tiles=None, zoom_snap=ZOOM_SNAP, font_size="13px", **kwargs)
    folium.TileLayer("OpenStreetMap", name="Fond OpenStreetMap", control=False).add_to(m)
    add_script(m, "L.control.scale({imperial: false, maxWidth: 160}).addTo({map});")
    if frame is not None:
        xmin, ymin, xmax, ymax = frame.total_bounds
        m.fit_bounds([[ymin, xmin], [ymax, xmax]], padding=(FIT_PADDING_PX, FIT_PADDING_PX))
    return m


def _markup(text: str) -> str:
    """``text`` safe inside folium's tooltips (HTML written into a JavaScript template string)."""
    return html.escape(text).replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def site_marker(layer, site, tooltip: str, colour: str | None = None,
                radius: float = DOT_RADIUS_PX) -> None:
    """Draw ``site`` (a row with ``kind`` and a WGS84 point) on ``layer``: a dot, or a ring
    for a France services; ``colour`` defaults to the colour of its kind."""
    import folium

    colour = colour or SITE_COLOURS.get(site["kind"], "#333333")
    style: dict
    if site["kind"] == "france_services":
        style = {"radius": RING_RADIUS_PX, "color": colour, "weight": RING_WEIGHT_PX, "fill": False}
    else:
        style = {"radius": radius, "color": "#ffffff", "weight": 1, "fill_color": colour,
                 "fill_opacity": 0.95}
    folium.CircleMarker(location=[site.geometry.y, site.geometry.x], tooltip=_markup(tooltip),
                        class_name=f"conum-site conum-site-{site['kind']}", **style).add_to(layer)


def site_entries(kinds) -> list[tuple[str | None, str, str]]:
    """Legend entries of the site kinds ``kinds`` (dots; a ring for France services)."""
    return [(SITE_COLOURS[k], "ring" if k == "france_services" else "circle", SITE_KINDS[k])
            for k in SITE_KINDS if k in set(kinds)]


def communes_layer(m, communes: gpd.GeoDataFrame, name: str, columns: dict[str, str],
                   colour: str = "colour", show: bool = True):
    """Communes filled with their ``colour`` column, the tooltip showing ``columns`` (field →
    label, values as text), as a layer of ``m``; returns the layer."""
    import folium

    table = communes[[*columns, colour, "geometry"]].copy()
    for column in columns:  # the tooltip writes values as HTML
        table[column] = table[column].astype(str).map(_markup)
    return folium.GeoJson(
        table,
        name=name, show=show,
        style_function=lambda f: {"fillColor": f["properties"][colour], "color": "#555555",
                                  "weight": 0.5, "fillOpacity": 0.65},
        highlight_function=lambda f: {"weight": 2.5, "color": "#222222"},
        tooltip=folium.GeoJsonTooltip(fields=list(columns), aliases=list(columns.values())),
    ).add_to(m)


def _legend_rows(entries) -> str:
    rows = []
    for colour, shape, label in entries:
        if shape == "heading":
            rows.append(f'<div class="conum-legend-heading">{html.escape(label)}</div>')
            continue
        style = {
            "square": f"background:{colour};border:1px solid #555;border-radius:2px",
            "circle": f"background:{colour};border:1px solid #fff;box-shadow:0 0 0 1px #777;"
                      "border-radius:50%;width:10px;height:10px;margin:2px 8px 2px 2px",
            "ring": f"border:3px solid {colour};border-radius:50%;width:8px;height:8px",
        }[shape]
        rows.append(f'<div class="conum-legend-row"><span class="conum-swatch" style="{style}">'
                    f'</span>{html.escape(label)}</div>')
    return "".join(rows)


def _panel_html(title: str, subtitle: str, entries, warning: str, sources: list[str],
                assumptions: Sequence[str]) -> str:
    """The side panel: title, figures, caveat, legend, assumptions and sources."""
    warn = f'<p class="conum-warning">{html.escape(warning)}</p>' if warning else ""
    hypotheses = ""
    if assumptions:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in assumptions)
        hypotheses = (f'<details open class="conum-assumptions"><summary>Hypothèses du modèle'
                      f'</summary><ul>{items}</ul></details>')
    cited = "".join(f"<li>{html.escape(line)}</li>" for line in sources)
    return (
        f'<aside class="conum-panel"><div class="conum-title"><h1>{html.escape(title)}</h1>'
        f'<p>{html.escape(subtitle)}</p>{warn}</div>'
        f'<p class="conum-hint">{html.escape(HINT)}</p>'
        f'<section class="conum-legend"><h2>Légende</h2>{_legend_rows(entries)}</section>'
        f'{hypotheses}'
        f'<section class="conum-sources"><h2>Sources :</h2><ul>{cited}</ul></section></aside>'
    )


def _layout_css(names: list[str]) -> str:
    """The panel on the left, the maps ``names`` side by side in the rest of the window
    (below the panel on a narrow screen)."""
    n = len(names)
    wide, narrow = [], []
    for i, name in enumerate(names):
        wide.append(f"#{name}{{position:absolute!important;top:0!important;height:100%!important;"
                    f"left:calc(var(--conum-panel) + (100% - var(--conum-panel)) * {i} / {n})!important;"
                    f"width:calc((100% - var(--conum-panel)) / {n})!important}}")
        narrow.append(f"#{name}{{top:45%!important;height:55%!important;"
                      f"left:calc(100% * {i} / {n})!important;width:calc(100% / {n})!important}}")
    separators = "".join(f"#{name}{{border-left:2px solid #555}}" for name in names[1:])
    return (
        f"<style>:root{{--conum-panel:{PANEL_WIDTH}}}html,body{{margin:0;height:100%}}"
        ".conum-panel{position:fixed;z-index:1000;top:0;left:0;bottom:0;width:var(--conum-panel);"
        "box-sizing:border-box;overflow-y:auto;padding:12px 14px;background:#fff;color:#222;"
        "border-right:1px solid #999;font:13px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif}"
        ".conum-panel h1{font-size:17px;line-height:1.3;font-weight:bold;margin:0 0 6px}"
        ".conum-panel h2,.conum-panel summary{font-size:13px;font-weight:bold;margin:12px 0 4px}"
        ".conum-panel p{margin:0 0 6px}.conum-panel ul{margin:2px 0;padding-left:18px}"
        ".conum-panel summary{cursor:pointer}"
        ".conum-warning{color:#b30000;font-weight:bold}.conum-hint{color:#666;font-size:12px}"
        ".conum-legend-row{display:flex;align-items:center;margin:1px 0}"
        ".conum-legend-heading{font-style:italic;color:#555;margin-top:4px}"
        ".conum-swatch{display:inline-block;flex:none;width:14px;height:14px;margin-right:8px;"
        "box-sizing:content-box}"
        ".conum-assumptions li,.conum-sources li{margin-bottom:2px}"
        ".conum-sources{font-size:11px;color:#444}"
        ".leaflet-tooltip{font-size:12px;line-height:1.35}"
        ".foliumtooltip table{border-collapse:collapse}"
        ".foliumtooltip th,.foliumtooltip td{padding:1px 10px 1px 0;vertical-align:top}"
        ".foliumtooltip th{font-weight:600;color:#444;white-space:normal;max-width:170px}"
        ".foliumtooltip td{white-space:normal;min-width:120px;max-width:260px}"
        + "".join(wide) + separators +
        "@media (max-width:700px){.conum-panel{width:100%;bottom:auto;height:45%;"
        "border-right:0;border-bottom:1px solid #999}" + "".join(narrow) + "}</style>"
    )


def finish_map(maps, sources: Sequence[str], illustrative: bool, network: str, title: str, subtitle: str, entries,
               assumptions: Sequence[str] = (), collapsed: bool = False) -> None:
    """Add a layer control to each of ``maps`` (one map or several sharing a figure) and the
    side panel: title, subtitle, provenance caveat, legend ``entries`` (colour, shape, label;
    shape ∈ square, circle, ring, heading), ``assumptions`` and sources."""
    import folium

    maps = list(maps) if isinstance(maps, (list, tuple)) else [maps]
    for m in maps:
        folium.LayerControl(collapsed=collapsed).add_to(m)
    sources = [s.removeprefix("Source : ") for s in sources]
    sources = [s[:1].upper() + s[1:] for s in sources]
    sources += [f"Réseau routier : {ROAD_SOURCES.get(network, network)}.", BASEMAP_CREDIT]
    root = maps[0].get_root()
    root.header.add_child(folium.Element(_layout_css([m.get_name() for m in maps])))
    root.html.add_child(folium.Element(_panel_html(
        title, subtitle, entries, provenance_warning(network, illustrative), sources,
        assumptions)))


#: States of a site between before and after in the gaps map: layer, colour (None: the
#: colour of its kind), hours column shown, tooltip note.
SITE_STATES = (
    ("Sites maintenus", None, "presence_h_after", ""),
    ("Nouveaux sites", NEW_COLOUR, "presence_h_after", " — nouveau"),
    ("Sites fermés", ENDED_COLOUR, "presence_h_before", " — fermé"),
)


def gaps_map(result, m=None):
    """Map of a ``GapsResult``: communes by status, sites before/after, legend, sources."""
    import folium

    from ..vocabulary import STATUSES as STATUS_LABELS

    territory = result.territory
    labels = site_labels(result.sites, territory)
    communes = to_wgs84(result.communes, SIMPLIFY_M)
    m = new_map(communes, m)
    table = communes.assign(
        habitants=communes["population"].map(fmt_int),
        statut=communes["status"].map(STATUS_LABELS),
        motif=communes["reason"].where(communes["reason"] != "", "—"),
        avant=communes["baseline_min"].map(fmt_min),
        apres=communes["scenario_min"].map(fmt_min),
        site_apres=communes["scenario_site_id"].map(labels).fillna("aucune"),
        fs_min=communes["france_services_min"].map(fmt_min),
        fs_site=communes["france_services_site_id"].map(labels).fillna("aucune"),
        colour=communes["status"].map(STATUS_COLOURS),
    )
    communes_layer(m, table, "Communes : couverture avant / après", {
        "nom": "Commune", "code_insee": "Code INSEE", "habitants": "Population", "statut": "Statut",
        "motif": "Motif", "avant": "Temps avant", "apres": "Temps après",
        "site_apres": "Présence la plus proche après",
        "fs_min": "France services la plus proche", "fs_site": "France services (recours administratif)",
    })

    s = result.sites
    shown = s["counted_before"] | s["counted_after"] | (s["kind"] == "france_services")
    sites = to_wgs84(s.loc[shown])
    masks = (sites["active_before"] & sites["active_after"],
             ~sites["active_before"] & sites["active_after"],
             sites["active_before"] & ~sites["active_after"])
    for (name, colour, hours, note), mask in zip(SITE_STATES, masks):
        if not mask.any():
            continue
        layer = folium.FeatureGroup(name=name)
        for _, site in sites.loc[mask].iterrows():
            site_marker(layer, site, f"{labels[site['site_id']]} — {SITE_KINDS[site['kind']]}, "
                                     f"{fmt_hours(site[hours])}{note}", colour)
        layer.add_to(m)

    summary = result.summary()
    entries: list[tuple[str | None, str, str]] = [(None, "heading", "Communes")]
    entries += [(STATUS_COLOURS[k], "square", v) for k, v in STATUS_LABELS.items()]
    entries += [(None, "heading", "Lieux")] + site_entries(sites["kind"])
    entries += [(colour, "circle", name) for (name, colour, _, _), mask in zip(SITE_STATES, masks)
                if colour and mask.any()]
    subtitle = (f"Scénario : {result.label}. Seuil {summary['threshold_min']:g} min, marge "
                f"{summary['margin_min']:g} min. {summary['lost_cover_communes']} communes perdent la "
                f"couverture ({fmt_int(summary['lost_cover_population'])} habitants) ; "
                f"{summary['flagged_communes']} communes signalées au total "
                f"({fmt_int(summary['flagged_population'])} habitants).")
    finish_map(m, territory.sources, territory.illustrative, result.network,
               f"Couverture numérique — département {summary['dept']}", subtitle, entries)
    return m


#: Classes of the probability of losing coverage: (upper bound, colour, French label).
RISK_CLASSES = (
    (0.0, "#fff5f0", "Aucun risque"),
    (0.05, "#fcbba1", "Moins de 5 %"),
    (0.2, "#fb6a4a", "5 à 20 %"),
    (0.5, "#cb181d", "20 à 50 %"),
    (1.0, "#67000d", "50 % et plus"),
)
UNCOVERED_COLOUR = "#bdbdbd"


def _risk_colour(p_lose: float, covered_before: bool) -> str:
    if not covered_before:
        return UNCOVERED_COLOUR
    return next(colour for bound, colour, _ in RISK_CLASSES if p_lose <= bound or bound == 1.0)


def simulation_map(result, m=None):
    """Map of a ``simulate.SimulationResult``: each commune's probability of losing coverage,
    and today's sites."""
    import folium

    territory = result.territory
    communes = to_wgs84(result.communes, SIMPLIFY_M)
    m = new_map(communes, m)
    table = communes.assign(
        habitants=communes["population"].map(fmt_int),
        probabilite=(communes["p_lose"] * 100).map(fmt_decimal) + " %",
        attendue=communes["expected_population_lost"].round(0).map(fmt_int),
        colour=[_risk_colour(p, c) for p, c in zip(communes["p_lose"], communes["covered_before"])],
    )
    communes_layer(m, table, "Communes : probabilité de perdre la couverture", {
        "nom": "Commune", "code_insee": "Code INSEE", "habitants": "Population",
        "probabilite": "Probabilité de perdre la couverture", "attendue": "Habitants concernés (espérance)",
    })
    kinds = set(result.settings.kinds) | {"france_services"}
    sites = to_wgs84(territory.sites.loc[territory.sites["kind"].isin(kinds)])
    labels = site_labels(sites, territory)
    layer = folium.FeatureGroup(name="Lieux actuels")
    for _, site in sites.iterrows():
        site_marker(layer, site, f"{labels[site['site_id']]} — {SITE_KINDS[site['kind']]}, "
                                 f"{fmt_hours(site['presence_h'])}")
    layer.add_to(m)
    summary = result.summary()
    entries: list[tuple[str | None, str, str]] = [(None, "heading", "Probabilité de perdre la couverture")]
    entries += [(colour, "square", label) for _, colour, label in RISK_CLASSES]
    entries.append((UNCOVERED_COLOUR, "square", "Non couverte aujourd'hui"))
    entries += [(None, "heading", "Lieux actuels")] + site_entries(sites["kind"])
    subtitle = " ".join([f"Seuil {summary['threshold_min']:g} min, graine {summary['seed']}.",
                         *simulation_figure_lines(summary), *renewal_lines(summary)])
    finish_map(m, territory.sources, territory.illustrative, result.network,
               f"Non-renouvellements simulés — département {summary['dept']}", subtitle, entries)
    return m
