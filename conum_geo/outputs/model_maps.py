"""Folium maps of the deployment-model comparison and of a redeployment.

Both state the model assumptions (hours, visit rule, threshold) in the side panel. The
comparison puts two maps side by side whose views follow each other (a few lines of our own
JavaScript on Leaflet's events: no plugin to fetch). folium is imported inside the functions
(``import conum_geo`` must not import it).
"""

from __future__ import annotations

import json

import pandas as pd
import shapely

from ..vocabulary import MODELS
from .assumptions import assumption_lines, redeployment_lines
from .maps import (
    NEW_COLOUR,
    SIMPLIFY_M,
    SITE_COLOURS,
    add_script,
    communes_layer,
    finish_map,
    new_map,
    site_entries,
    site_marker,
    to_wgs84,
)
from .text import fmt_decimal, fmt_hours, fmt_int, fmt_min, site_labels

#: Fill colour of a commune under a model: hosts a presence, covered, not covered.
COVER_COLOURS = {"presence": "#1a9850", "couverte": "#a6d96a", "ponctuelle": "#fee08b", "non_couverte": "#bdbdbd"}
COVER_LABELS = {"presence": "Présence dans la commune", "couverte": "Permanence régulière à moins du seuil",
                "ponctuelle": "Passage ponctuel seulement", "non_couverte": "Non couverte"}
#: Fill colour of each redeployment status (``redeploy.STATUS_LABELS``).
REDEPLOY_COLOURS = {"retrouvee": "#3182bd", "gagnee": "#9ecae1", "couverte": "#74c476",
                    "perdue": "#d7301f", "non_couverte": "#bdbdbd"}
#: Marker colour of each site role of a redeployment (None: the colour of the site's kind).
ROLE_COLOURS = {"maintenu": SITE_COLOURS["conum"], "nouveau": NEW_COLOUR, "ferme": "#000000",
                "autre": None}
COORD_PRECISION_DEG = 1e-5
#: Models shown on the left and right maps of the comparison.
DUAL_MODELS = ("centralite", "rayonnement")
#: Keeps the views of several maps equal, and echoes the mouse position of one on the others.
SYNC_JS = """
(function (maps) {
  var syncing = false;
  var cursors = maps.map(function () {
    return L.circleMarker([0, 0], {radius: 6, color: '#000', weight: 2, fill: false, interactive: false});
  });
  maps.forEach(function (source, i) {
    source.on('move', function () {
      if (syncing) { return; }
      syncing = true;
      maps.forEach(function (target) {
        if (target !== source) { target.setView(source.getCenter(), source.getZoom(), {animate: false}); }
      });
      syncing = false;
    });
    source.on('mousemove', function (e) {
      maps.forEach(function (target, j) { if (j !== i) { cursors[j].setLatLng(e.latlng).addTo(target); } });
    });
    source.on('mouseout', function () { cursors.forEach(function (c) { c.remove(); }); });
  });
})([MAPS]);
"""
#: A box on a map naming the models whose communes it shows (follows the layer control).
SIDE_LABEL_JS = """
(function (map, layers) {
  var box = L.control({position: 'topright'});
  box.onAdd = function () {
    var div = L.DomUtil.create('div', 'conum-side-label');
    div.style.cssText = 'background:#fff;padding:3px 10px;border-radius:4px;font:bold 14px sans-serif;'
      + 'box-shadow:0 1px 4px rgba(0,0,0,.4)';
    return div;
  };
  box.addTo(map);
  function update() {
    var names = layers.filter(function (p) { return map.hasLayer(p[0]); }).map(function (p) { return p[1]; });
    box.getContainer().textContent = names.length ? names.join(' + ') : 'Aucun modèle affiché';
  }
  map.on('layeradd layerremove', update);
  update();
})({map}, [LAYERS]);
"""


def side_by_side(frame, n: int = 2):
    """A figure of ``n`` maps side by side, fitted to ``frame`` (WGS84), whose views follow
    each other; and the maps (give them to ``mapping.finish_map``)."""
    import folium

    figure = folium.Figure()
    maps = [new_map(frame) for _ in range(n)]
    for m in maps:
        figure.add_child(m)
    add_script(maps[-1], SYNC_JS.replace("MAPS", ", ".join(m.get_name() for m in maps)))
    return figure, maps


def _model_layers(m, territory, communes, presences, model: str, threshold_min: float, show: bool):
    """Communes coloured by coverage and the presences of one model, as two layers; returns
    the communes layer."""
    import folium

    label = MODELS[model]
    cover = communes[f"has_presence_{model}"].map({True: "presence"}).fillna(
        communes[f"presence_level_{model}"].map({"reguliere": "couverte", "ponctuelle": "ponctuelle",
                                                 "aucune": "non_couverte"}))
    table = communes.assign(
        habitants=communes["population"].map(fmt_int), etat=cover.map(COVER_LABELS),
        colour=cover.map(COVER_COLOURS), acces=communes[f"access_min_{model}"].map(fmt_min),
        presence=communes[f"presence_h_{model}"].map(fmt_decimal) + " h",
        ratio=communes[f"ratio_{model}"].map(lambda v: fmt_decimal(v, 2)),
    )
    shown = communes_layer(m, table, f"{label} : couverture des communes", {
        "nom": "Commune", "code_insee": "Code INSEE", "habitants": "Population", "etat": label,
        "acces": "Temps d'accès", "presence": f"Heures de présence à moins de {threshold_min:g} min",
        "ratio": "Ratio (h / 1 000 hab.)"}, show=show)
    layer = folium.FeatureGroup(name=f"{label} : lieux de présence", show=show)
    labels = site_labels(presences, territory)
    for name, (_, site) in zip(labels, presences.iterrows()):
        hours = site["presence_h"]
        radius = 3 + (0 if pd.isna(hours) else hours ** 0.5 / 2)
        site_marker(layer, site, f"{name} — {fmt_hours(hours)}", radius=radius)
    layer.add_to(m)
    return shown


def comparison_map(result):
    """Two maps side by side (a ``branca`` figure; ``.save(path)`` writes it): centralité on
    the left, rayonnement on the right, views kept equal; every model can be switched on
    either side in its layer control."""
    communes = to_wgs84(result.communes, SIMPLIFY_M)
    # six commune layers per map: ~1 m precision keeps the page light
    communes["geometry"] = shapely.set_precision(communes.geometry.values, COORD_PRECISION_DEG)
    figure, maps = side_by_side(communes)
    threshold = result.settings.threshold_min
    for side, shown in zip(maps, DUAL_MODELS):
        layers = {model: _model_layers(side, result.territory, communes, to_wgs84(deployment.presences), model,
                                       threshold, show=model == shown)
                  for model, deployment in result.deployments.items()}
        add_script(side, SIDE_LABEL_JS.replace("LAYERS", ", ".join(
            f"[{layer.get_name()}, {json.dumps(MODELS[model])}]" for model, layer in layers.items())))
    figures = " ; ".join(
        f"{MODELS[model]} : {fmt_int(int(row['population_covered']))} hab. couverts, "
        f"{row['presence_h']:.0f} h de présence, {row['driving_h']:.0f} h de route"
        for model, row in result.table.iterrows())
    subtitle = (f"{len(result.posts)} postes ({result.posts_rule}). À gauche : "
                f"{MODELS[DUAL_MODELS[0]]} ; à droite : {MODELS[DUAL_MODELS[1]]} (autres modèles dans "
                f"le sélecteur de couches de chaque carte). Par semaine — {figures}.")
    entries: list[tuple[str | None, str, str]] = [(COVER_COLOURS[k], "square", v) for k, v in COVER_LABELS.items()]
    entries += site_entries(result.settings.kinds)
    finish_map(maps, result.territory.sources, result.territory.illustrative, result.network,
               f"Modèles de déploiement comparés — département {result.territory.dept}", subtitle,
               entries, assumptions=assumption_lines(result.assumptions, result.settings), collapsed=True)
    return figure


def redeployment_map(result, m=None):
    """Communes by redeployment status, kept, new and closed sites, and the assumptions."""
    import folium

    from ..models.redeploy import SITE_ROLES, STATUS_LABELS

    communes = to_wgs84(result.communes, SIMPLIFY_M)
    m = new_map(communes, m)
    table = communes.assign(
        habitants=communes["population"].map(fmt_int),
        statut=communes["status"].map(STATUS_LABELS), colour=communes["status"].map(REDEPLOY_COLOURS),
        avant=communes["access_min_baseline"].map(fmt_min),
        scenario=communes["access_min_scenario"].map(fmt_min),
        apres=communes["access_min_redeployed"].map(fmt_min),
    )
    communes_layer(m, table, "Communes : couverture après redéploiement", {
        "nom": "Commune", "code_insee": "Code INSEE", "habitants": "Population", "statut": "Statut",
        "avant": "Temps avant", "scenario": "Temps après non-renouvellement",
        "apres": "Temps après redéploiement"})
    sites = to_wgs84(result.sites)
    sites = sites.loc[sites["role"].ne("autre") | sites["kind"].eq("france_services")]
    labels = site_labels(sites, result.territory)
    for role, label in SITE_ROLES.items():
        chosen = (sites["role"] == role).to_numpy()
        if not chosen.any():
            continue
        layer = folium.FeatureGroup(name=label)
        for name, (_, site) in zip(labels[chosen], sites.loc[chosen].iterrows()):
            site_marker(layer, site, f"{name} — {label}", ROLE_COLOURS[role],
                        radius=7 if role == "nouveau" else 5)
        layer.add_to(m)
    summary = result.summary()
    gap = summary["solver"]["gap"]
    subtitle = (f"Scénario : {result.scenario.name}. {result.n_posts} postes à placer ; "
                f"{summary['new_sites']} nouveaux sites ({summary['objective_label']}). "
                f"Population couverte retrouvée : {fmt_int(summary['population_recovered'])} sur "
                f"{fmt_int(summary['population_lost'])} perdus ; nouvellement couverte : "
                f"{fmt_int(summary['population_gained'])}. Solveur : {summary['solver']['method']}"
                + (f", écart à l'optimum ≤ {fmt_decimal(gap * 100, 2)} %." if gap is not None else ", écart inconnu."))
    entries: list[tuple[str | None, str, str]] = [(None, "heading", "Communes")]
    entries += [(REDEPLOY_COLOURS[k], "square", v) for k, v in STATUS_LABELS.items()]
    entries += [(None, "heading", "Sites")]
    entries += [(ROLE_COLOURS[k], "circle", v) for k, v in SITE_ROLES.items() if k != "autre"]
    others = sites.loc[sites["role"] == "autre", "kind"]
    if len(others):
        entries += [(None, "heading", SITE_ROLES["autre"])] + site_entries(others)
    finish_map(m, result.territory.sources, result.territory.illustrative, result.network,
               f"Redéploiement à iso — département {result.territory.dept}", subtitle, entries,
               assumptions=redeployment_lines(result))
    return m
