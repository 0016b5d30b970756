"""Folium maps of the deployment-model comparison and of a redeployment.

Both state the model assumptions (hours, visit rule, threshold) in a box on the map. folium is
imported inside the functions (``import conum_geo`` must not import it).
"""

from __future__ import annotations

import html

import shapely

from .mapping import (
    NEW_COLOUR, SIMPLIFY_M, SITE_COLOURS, _finish, _new_map, _to_wgs84, fmt_int,
)
from .tables import MODELS, SITE_KINDS

#: Fill colour of a commune under a model: hosts a presence, covered, not covered.
COVER_COLOURS = {"presence": "#1a9850", "couverte": "#a6d96a", "non_couverte": "#bdbdbd"}
COVER_LABELS = {"presence": "Présence dans la commune", "couverte": "Présence à moins du seuil",
                "non_couverte": "Non couverte"}
#: Fill colour of each redeployment status (``redeploy.STATUS_LABELS``).
REDEPLOY_COLOURS = {"retrouvee": "#3182bd", "gagnee": "#9ecae1", "couverte": "#74c476",
                    "perdue": "#d7301f", "non_couverte": "#bdbdbd"}
ROLE_COLOURS = {"maintenu": SITE_COLOURS["conum"], "nouveau": NEW_COLOUR, "ferme": "#000000",
                "autre": SITE_COLOURS["france_services"]}
COORD_PRECISION_DEG = 1e-5
#: Models shown on the left and right halves of the comparison map.
DUAL_MODELS = ("centralite", "rayonnement")


def _assumptions_html(lines: list[str]) -> str:
    box = ("position:fixed;z-index:9999;background:white;padding:6px 10px;border:1px solid #777;"
           "border-radius:4px;font:11px/1.35 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3);"
           "bottom:30px;left:50%;transform:translateX(-50%);max-width:460px;max-height:40%;overflow:auto")
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return (f'<details open class="conum-assumptions" style="{box}"><summary style="font-weight:bold;'
            f'cursor:pointer">Hypothèses du modèle</summary><ul style="margin:4px 0;padding-left:16px">'
            f'{items}</ul></details>')


def _add_assumptions(m, lines: list[str]) -> None:
    import folium

    m.get_root().html.add_child(folium.Element(_assumptions_html(lines)))


def _model_layers(m, communes, presences, model: str, threshold_min: float, show: bool) -> None:
    """Communes coloured by coverage and the presences of one model, as two layers."""
    import folium

    label = MODELS[model]
    cover = communes[f"has_presence_{model}"].map({True: "presence"}).fillna(
        communes[f"covered_{model}"].map({True: "couverte", False: "non_couverte"}))
    fields = ["nom", "code_insee", "population", "etat", "acces_min", "presence_h", "ratio"]
    table = communes.assign(
        etat=cover.map(COVER_LABELS), cover=cover,
        acces_min=communes[f"access_min_{model}"].round(1),
        presence_h=communes[f"presence_h_{model}"].round(1),
        ratio=communes[f"ratio_{model}"].round(2),
    )[fields + ["cover", "geometry"]]
    folium.GeoJson(
        table, name=f"{label} : couverture des communes", show=show,
        style_function=lambda f: {"fillColor": COVER_COLOURS[f["properties"]["cover"]],
                                  "color": "#555555", "weight": 0.5, "fillOpacity": 0.6},
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=[
            "Commune", "Code INSEE", "Population", f"{label}", "Temps d'accès (min)",
            f"Heures de présence à moins de {threshold_min:g} min", "Ratio (h / 1 000 hab.)"]),
    ).add_to(m)
    layer = folium.FeatureGroup(name=f"{label} : lieux de présence", show=show)
    for _, site in presences.iterrows():
        hours = site["presence_h"]
        known = hours == hours
        folium.CircleMarker(
            location=[site.geometry.y, site.geometry.x], radius=3 + (hours ** 0.5 / 2 if known else 0),
            color=SITE_COLOURS.get(site["kind"], "#333333"), fill=True, fill_opacity=0.8, weight=1,
            tooltip=f"{site['nom']} — " + (f"{hours:.1f} h/semaine" if known else "horaires inconnus"),
        ).add_to(layer)
    layer.add_to(m)


def comparison_map(result):
    """Side-by-side map (``DualMap``): centralité on the left, rayonnement on the right; every
    model can be switched on either side in the layer control."""
    import folium
    from folium.plugins import DualMap

    communes = _to_wgs84(result.communes, SIMPLIFY_M)
    # six commune layers: ~1 m precision keeps the page light
    communes["geometry"] = shapely.set_precision(communes.geometry.values, COORD_PRECISION_DEG)
    bounds = communes.total_bounds
    m = DualMap(layout="horizontal", tiles="OpenStreetMap", control_scale=True)
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    threshold = result.settings.threshold_min
    for side, shown in ((m.m1, DUAL_MODELS[0]), (m.m2, DUAL_MODELS[1])):
        for model, deployment in result.deployments.items():
            _model_layers(side, communes, _to_wgs84(deployment.presences), model, threshold,
                          show=model == shown)
    folium.LayerControl(collapsed=True).add_to(m.m1)  # the title box covers the left corner
    table = result.table
    figures = " ; ".join(
        f"{MODELS[model]} : {fmt_int(int(row['population_covered']))} hab. couverts, "
        f"{row['presence_h']:.0f} h de présence, {row['driving_h']:.0f} h de route"
        for model, row in table.iterrows())
    subtitle = (f"{len(result.posts)} postes ({result.posts_rule}). À gauche : "
                f"{MODELS[DUAL_MODELS[0]]} ; à droite : {MODELS[DUAL_MODELS[1]]} (autres modèles dans "
                f"le sélecteur de couches). Par semaine — {figures}.")
    entries = [(COVER_COLOURS[k], "square", v) for k, v in COVER_LABELS.items()]
    entries += [(SITE_COLOURS[k], "circle", SITE_KINDS[k]) for k in result.settings.kinds]
    _finish(m.m2, result.territory, result.network,
            f"Modèles de déploiement comparés — département {result.territory.dept}", subtitle, entries)
    _add_assumptions(m.m1, result.assumptions.describe(result.settings))
    return m


def redeployment_map(result, m=None):
    """Communes by redeployment status, kept, new and closed sites, and the assumptions."""
    import folium

    from .redeploy import SITE_ROLES, STATUS_LABELS

    communes = _to_wgs84(result.communes, SIMPLIFY_M)
    m = _new_map(communes, m)
    fields = ["nom", "code_insee", "population", "statut", "avant_min", "scenario_min", "apres_min"]
    table = communes.assign(
        statut=communes["status"].map(STATUS_LABELS),
        avant_min=communes["access_min_baseline"].round(1),
        scenario_min=communes["access_min_scenario"].round(1),
        apres_min=communes["access_min_redeployed"].round(1),
    )[fields + ["status", "geometry"]]
    folium.GeoJson(
        table, name="Communes : couverture après redéploiement",
        style_function=lambda f: {"fillColor": REDEPLOY_COLOURS[f["properties"]["status"]],
                                  "color": "#555555", "weight": 0.5, "fillOpacity": 0.6},
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=[
            "Commune", "Code INSEE", "Population", "Statut", "Temps avant (min)",
            "Temps après non-renouvellement (min)", "Temps après redéploiement (min)"]),
    ).add_to(m)
    sites = _to_wgs84(result.sites)
    shown = sites["role"].ne("autre") | sites["kind"].eq("france_services")
    for role, label in SITE_ROLES.items():
        chosen = sites.loc[shown & (sites["role"] == role)]
        if not len(chosen):
            continue
        layer = folium.FeatureGroup(name=label)
        for _, site in chosen.iterrows():
            folium.CircleMarker(
                location=[site.geometry.y, site.geometry.x], radius=6 if role == "nouveau" else 4,
                color=ROLE_COLOURS[role], fill=True, fill_opacity=0.9,
                tooltip=f"{site['nom']} — {label}",
            ).add_to(layer)
        layer.add_to(m)
    summary = result.summary()
    gap = summary["solver"]["gap"]
    subtitle = (f"Scénario : {result.scenario.name}. {result.n_posts} postes à placer ; "
                f"{summary['new_sites']} nouveaux sites ({summary['objective_label']}). "
                f"Population couverte retrouvée : {fmt_int(summary['population_recovered'])} sur "
                f"{fmt_int(summary['population_lost'])} perdus ; nouvellement couverte : "
                f"{fmt_int(summary['population_gained'])}. Solveur : {summary['solver']['method']}"
                + (f", écart à l'optimum ≤ {gap:.2%}." if gap is not None else ", écart inconnu."))
    entries = [(REDEPLOY_COLOURS[k], "square", v) for k, v in STATUS_LABELS.items()]
    entries += [(ROLE_COLOURS[k], "circle", v) for k, v in SITE_ROLES.items()]
    _finish(m, result.territory, result.network,
            f"Redéploiement à iso — département {result.territory.dept}", subtitle, entries)
    _add_assumptions(m, result.describe())
    return m
