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
    "couverte": "#74c476",
    "non_couverte": "#bdbdbd",
    "gagne": "#3182bd",
}
SITE_COLOURS = {"conum": "#6a3d9a", "france_services": "#1f78b4", "mediation": "#ff7f00"}
ENDED_COLOUR = "#000000"
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


def gaps_map(result, m=None):
    """Map of a ``GapsResult``: communes by status, sites before/after, legend, sources."""
    import folium

    from .gaps import STATUS_LABELS

    communes = _to_wgs84(result.communes, SIMPLIFY_M)
    bounds = communes.total_bounds
    if m is None:
        m = folium.Map(tiles="OpenStreetMap", control_scale=True)
        m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])

    fields = ["nom", "code_insee", "population", "statut", "avant_min", "apres_min", "site_apres"]
    table = communes.assign(
        statut=communes["status"].map(STATUS_LABELS),
        avant_min=communes["baseline_min"].round(1),
        apres_min=communes["scenario_min"].round(1),
        site_apres=communes["scenario_site"].fillna("aucun"),
    )[fields + ["status", "geometry"]]
    folium.GeoJson(
        table,
        name="Communes : couverture avant / après",
        style_function=lambda f: {
            "fillColor": STATUS_COLOURS[f["properties"]["status"]], "color": "#555555",
            "weight": 0.5, "fillOpacity": 0.65,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=fields,
            aliases=["Commune", "Code INSEE", "Population", "Statut", "Temps avant (min)",
                     "Temps après (min)", "Présence la plus proche après"],
        ),
    ).add_to(m)

    sites = _to_wgs84(result.sites.loc[result.sites["counted"] | (result.sites["kind"] == "france_services")])
    for label, mask, colour in (
        ("Sites maintenus", sites["active_after"], None),
        ("Sites fermés dans le scénario", ~sites["active_after"], ENDED_COLOUR),
    ):
        layer = folium.FeatureGroup(name=label)
        for _, site in sites.loc[mask].iterrows():
            folium.CircleMarker(
                location=[site.geometry.y, site.geometry.x], radius=5,
                color=colour or SITE_COLOURS[site["kind"]], fill=True, fill_opacity=0.9,
                tooltip=f"{site['nom']} ({SITE_KINDS[site['kind']]}, "
                        f"{site['presence_h']:g} h/semaine)" + ("" if colour is None else " — fermé"),
            ).add_to(layer)
        layer.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)

    summary = result.summary()
    entries = [(STATUS_COLOURS[k], "square", v) for k, v in STATUS_LABELS.items()]
    entries += [(SITE_COLOURS[k], "circle", SITE_KINDS[k])
                for k in SITE_KINDS if k in set(sites["kind"])]
    entries.append((ENDED_COLOUR, "circle", "Site fermé dans le scénario"))
    title = f"Couverture numérique — département {summary['dept']}"
    subtitle = (f"Scénario : {result.scenario.name}. Seuil {summary['threshold_min']:g} min. "
                f"{summary['flagged_communes']} communes perdent la couverture "
                f"({summary['flagged_population']:,} habitants).".replace(",", "\u202f"))
    sources = "Sources : " + " ; ".join(result.territory.sources) + \
              f". Réseau routier : {result.network}. Fond : © OpenStreetMap contributors."
    m.get_root().html.add_child(folium.Element(_legend_html(
        title, subtitle, entries,
        provenance_warning(result.network, result.territory.illustrative), sources,
    )))
    return m
