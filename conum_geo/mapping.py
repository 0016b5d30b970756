"""Folium deliverables: self-contained HTML maps with French labels.

folium is imported inside the functions (``import conum_geo`` must not import it). Geometries
are simplified in the metric CRS and reprojected to WGS84 only here.
"""

from __future__ import annotations

import html

import geopandas as gpd

from .tables import CRS_WGS84, SITE_KINDS

#: Fill colour of each commune status (see ``gaps.STATUS_LABELS``).
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


def _to_wgs84(frame: gpd.GeoDataFrame, simplify_m: float = 0.0) -> gpd.GeoDataFrame:
    out = frame.copy()
    if simplify_m:
        out["geometry"] = out.geometry.simplify(simplify_m, preserve_topology=True)
    return out.to_crs(CRS_WGS84)


def _legend_html(title: str, subtitle: str, entries: list[tuple[str, str, str]], warning: str,
                 sources: str) -> str:
    """Fixed title, legend and sources boxes (entries: colour, shape, label)."""
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:14px;background:{c};'
        f'border-radius:{"50%" if shape == "circle" else "2px"};margin-right:6px;'
        f'vertical-align:middle;border:1px solid #555"></span>{html.escape(label)}</div>'
        for c, shape, label in entries
    )
    warn = (f'<div class="conum-warning" style="margin-top:6px;color:#b30000;font-weight:bold">'
            f'{html.escape(warning)}</div>') if warning else ""
    box = "position:fixed;z-index:9999;background:white;padding:8px 10px;border:1px solid #777;" \
          "border-radius:4px;font:13px/1.4 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)"
    return (
        f'<div class="conum-title" style="{box};top:10px;left:60px;max-width:520px">'
        f'<div style="font-size:16px;font-weight:bold">{html.escape(title)}</div>'
        f'<div>{html.escape(subtitle)}</div>{warn}</div>'
        f'<div class="conum-legend" style="{box};bottom:30px;left:10px">'
        f'<div style="font-weight:bold;margin-bottom:4px">Légende</div>{rows}</div>'
        f'<div class="conum-sources" style="{box};bottom:30px;right:10px;max-width:420px;'
        f'font-size:11px">{html.escape(sources)}</div>'
    )


def provenance_warning(network: str, illustrative: bool) -> str:
    """The French caveat every output of an approximate run carries ('' when none applies)."""
    parts = []
    if illustrative:
        parts.append("Sites et postes illustratifs")
    if network == "proxy":
        parts.append("routes approximatives (réseau proxy entre communes contiguës)")
    return " — ".join(parts).capitalize() + "." if parts else ""


def _new_map(frame: gpd.GeoDataFrame, m=None):
    """``m``, or a new OpenStreetMap map fitted to ``frame`` (WGS84)."""
    import folium

    if m is None:
        bounds = frame.total_bounds
        m = folium.Map(tiles="OpenStreetMap", control_scale=True)
        m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    return m


def _finish(m, territory, network: str, title: str, subtitle: str, entries) -> None:
    """Add the layer control, and the title, legend, caveat and sources boxes."""
    import folium

    folium.LayerControl(collapsed=False).add_to(m)
    sources = "Sources : " + " ; ".join(territory.sources) + \
              f". Réseau routier : {network}. Fond : © OpenStreetMap contributors."
    m.get_root().html.add_child(folium.Element(_legend_html(
        title, subtitle, entries, provenance_warning(network, territory.illustrative), sources,
    )))


def _communes_layer(m, communes: gpd.GeoDataFrame, name: str, columns: dict[str, str]) -> None:
    """Communes filled with their ``colour`` column; the tooltip shows ``columns`` (field → label)."""
    import folium

    folium.GeoJson(
        communes[[*columns, "colour", "geometry"]],
        name=name,
        style_function=lambda f: {"fillColor": f["properties"]["colour"], "color": "#555555",
                                  "weight": 0.5, "fillOpacity": 0.65},
        tooltip=folium.GeoJsonTooltip(fields=list(columns), aliases=list(columns.values())),
    ).add_to(m)


def fmt_int(value: int) -> str:
    """An integer with French thousands separators (narrow no-break spaces)."""
    return f"{value:,}".replace(",", "\u202f")


def gaps_map(result, m=None):
    """Map of a ``GapsResult``: communes by status, sites before/after, legend, sources."""
    import folium

    from .gaps import STATUS_LABELS

    communes = _to_wgs84(result.communes, SIMPLIFY_M)
    m = _new_map(communes, m)
    table = communes.assign(
        statut=communes["status"].map(STATUS_LABELS),
        motif=communes["reason"].where(communes["reason"] != "", "—"),
        avant_min=communes["baseline_min"].round(1),
        apres_min=communes["scenario_min"].round(1),
        site_apres=communes["scenario_site"].fillna("aucun"),
        fs_min=communes["france_services_min"].round(1),
        fs_site=communes["france_services_site"].fillna("aucune"),
        colour=communes["status"].map(STATUS_COLOURS),
    )
    _communes_layer(m, table, "Communes : couverture avant / après", {
        "nom": "Commune", "code_insee": "Code INSEE", "population": "Population", "statut": "Statut",
        "motif": "Motif", "avant_min": "Temps avant (min)", "apres_min": "Temps après (min)",
        "site_apres": "Présence la plus proche après",
        "fs_min": "France services la plus proche (min)", "fs_site": "France services (recours administratif)",
    })

    s = result.sites
    shown = s["counted_before"] | s["counted_after"] | (s["kind"] == "france_services")
    sites = _to_wgs84(s.loc[shown])
    for label, mask, colour, hours, note in (
        ("Sites maintenus", sites["active_before"] & sites["active_after"], None, "presence_h_after", ""),
        ("Nouveaux sites dans le scénario", ~sites["active_before"] & sites["active_after"], NEW_COLOUR,
         "presence_h_after", " — nouveau"),
        ("Sites fermés dans le scénario", sites["active_before"] & ~sites["active_after"], ENDED_COLOUR,
         "presence_h_before", " — fermé"),
    ):
        if not mask.any():
            continue
        layer = folium.FeatureGroup(name=label)
        for _, site in sites.loc[mask].iterrows():
            folium.CircleMarker(
                location=[site.geometry.y, site.geometry.x], radius=5,
                color=colour or SITE_COLOURS[site["kind"]], fill=True, fill_opacity=0.9,
                tooltip=f"{site['nom']} ({SITE_KINDS[site['kind']]}, {site[hours]:.4g} h/semaine){note}",
            ).add_to(layer)
        layer.add_to(m)

    summary = result.summary()
    entries = [(STATUS_COLOURS[k], "square", v) for k, v in STATUS_LABELS.items()]
    entries += [(SITE_COLOURS[k], "circle", SITE_KINDS[k])
                for k in SITE_KINDS if k in set(sites["kind"])]
    entries += [(NEW_COLOUR, "circle", "Nouveau site"), (ENDED_COLOUR, "circle", "Site fermé")]
    subtitle = (f"Scénario : {result.label}. Seuil {summary['threshold_min']:g} min, marge "
                f"{summary['margin_min']:g} min. {summary['lost_cover_communes']} communes perdent la "
                f"couverture ({fmt_int(summary['lost_cover_population'])} habitants) ; "
                f"{summary['flagged_communes']} communes signalées au total "
                f"({fmt_int(summary['flagged_population'])} habitants).")
    _finish(m, result.territory, result.network,
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
    """Map of a ``simulate.SimulationResult``: each commune's probability of losing coverage."""
    communes = _to_wgs84(result.communes, SIMPLIFY_M)
    m = _new_map(communes, m)
    table = communes.assign(
        probabilite=(communes["p_lose"] * 100).round(1).astype(str) + " %",
        attendue=communes["expected_population_lost"].round(0),
        colour=[_risk_colour(p, c) for p, c in zip(communes["p_lose"], communes["covered_before"])],
    )
    _communes_layer(m, table, "Communes : probabilité de perdre la couverture", {
        "nom": "Commune", "code_insee": "Code INSEE", "population": "Population",
        "probabilite": "Probabilité de perdre la couverture", "attendue": "Habitants concernés (espérance)",
    })
    summary = result.summary()
    low, high = summary["population_lost_interval_90"]
    entries = [(colour, "square", label) for _, colour, label in RISK_CLASSES]
    entries.append((UNCOVERED_COLOUR, "square", "Non couverte aujourd'hui"))
    subtitle = (f"{summary['draws']} tirages (graine {summary['seed']}), seuil "
                f"{summary['threshold_min']:g} min. Habitants perdant la couverture : "
                f"{fmt_int(round(summary['expected_population_lost']))} en moyenne, intervalle à 90 % "
                f"{fmt_int(round(low))} – {fmt_int(round(high))}. {summary['p_nonrenewal_defaults_source']}")
    _finish(m, result.territory, result.network,
            f"Non-renouvellements simulés — département {summary['dept']}", subtitle, entries)
    return m
