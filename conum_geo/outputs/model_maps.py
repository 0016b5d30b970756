"""Maps of the deployment-model comparison and of a redeployment (frame: ``map_frame``).

The comparison shows the three models on one map with a clear three-way switch (the communes'
colours and the presences follow it: one geometry for the three, so the page stays light), and
the key figures as a table; both maps state the model assumptions (hours, visit rule,
threshold) in the side panel.
"""

from __future__ import annotations

import pandas as pd

from ..core.vocabulary import MODELS
from .assumptions import assumption_lines, posts_rule_text, redeployment_lines
from .cost_text import COST_ROWS, FIXED_SITE_COST_ROWS, cost_rows
from .map_frame import (
    SIMPLIFY_M,
    SITE_COLOURS,
    Entry,
    add_site_layer,
    communes_layer,
    conum_call,
    figures_table,
    finish_map,
    landmarks_layer,
    legend_rows,
    new_map,
    site_entries,
    site_group,
    site_marker,
    to_wgs84,
)
from .maps import NEW_COLOUR, map_title
from .summary import result_notices
from .text import fmt_decimal, fmt_hours, fmt_int, fmt_min, fmt_pct, site_labels

#: Fill colour of a commune under a model: hosts a presence, covered, a passing visit only, not
#: covered (one blue hue by lightness, then orange: readable with any colour vision).
COVER_COLOURS = {"presence": "#08519c", "couverte": "#6baed6", "ponctuelle": "#fdae6b", "non_couverte": "#bdbdbd"}
COVER_LABELS = {"presence": "Présence dans la commune", "couverte": "Permanence régulière à moins du seuil",
                "ponctuelle": "Passage ponctuel seulement", "non_couverte": "Non couverte"}
#: Fill colour of each redeployment status (``core.vocabulary.REDEPLOY_STATUSES``).
REDEPLOY_COLOURS = {"retrouvee": "#0072b2", "gagnee": "#009e73", "couverte": "#a6cee3",
                    "perdue": "#d55e00", "non_couverte": "#bdbdbd"}
#: Marker colour of each site role of a redeployment (None: the colour of the site's kind).
ROLE_COLOURS = {"maintenu": SITE_COLOURS["conum"], "nouveau": NEW_COLOUR, "ferme": "#000000",
                "autre": None}
def _cover(communes, model: str) -> pd.Series:
    """Each commune's cover class under ``model`` (``COVER_COLOURS`` keys)."""
    return communes[f"has_presence_{model}"].map({True: "presence"}).fillna(
        communes[f"presence_level_{model}"].map({"reguliere": "couverte", "ponctuelle": "ponctuelle",
                                                 "aucune": "non_couverte"}))


def _presences_layer(m, territory, presences, model: str) -> None:
    """The presences of one model, shown while the communes are coloured by that model."""
    layer = site_group(f"{MODELS[model]} : lieux de présence", len(presences))
    labels = site_labels(presences, territory)
    for name, (_, site) in zip(labels, presences.iterrows()):
        hours = site["presence_h"]
        radius = 3 + (0 if pd.isna(hours) else hours ** 0.5 / 2)
        site_marker(layer, site, f"{name} — {MODELS[model]}, {fmt_hours(hours)}", radius=radius)
    add_site_layer(m, layer)
    conum_call(m, "schemeLayer", m, layer, model)


def comparison_figures(result) -> str:
    """The key figures of the three models, as the panel's table."""
    t = result.table
    rows = [
        ["Population couverte", *[f"{fmt_int(int(r['population_covered']))} ({fmt_pct(r['population_covered_share'])})"
                                  for _, r in t.iterrows()]],
        ["Communes couvertes", *[fmt_int(int(v)) for v in t["communes_covered"]]],
        ["Passage ponctuel seul", *[fmt_int(int(v)) for v in t["communes_occasional"]]],
        ["Lieux de présence", *[fmt_int(int(v)) for v in t["presences"]]],
        ["Heures de présence / sem.", *[fmt_int(round(v)) for v in t["presence_h"]]],
        ["Heures de route / sem.", *[fmt_int(round(v)) for v in t["driving_h"]]],
        ["Temps moyen (min)", *[fmt_decimal(v) for v in t["mean_access_min"]]],
        ["Temps P90 (min)", *[fmt_decimal(v) for v in t["p90_access_min"]]],
        *[[label, *[fmt(r) for _, r in t.iterrows()]] for label, fmt in COST_ROWS if result.costs is not None],
    ]
    return figures_table(["", *[MODELS[m] for m in t.index]], rows)


def comparison_map(result):
    """The three models on one map, a clear switch between them (the communes' colours and the
    presences follow it), and the key figures as a table in the panel."""
    communes = to_wgs84(result.communes, SIMPLIFY_M)
    m = new_map(communes)
    threshold = result.settings.threshold_min
    models = list(result.deployments)
    columns = {"nom": "Commune", "code_insee": "Code INSEE", "habitants": "Population"}
    table = communes.assign(habitants=communes["population"].map(fmt_int))
    schemes = {}
    for model in models:
        cover = _cover(communes, model)
        table[f"etat_{model}"] = (cover.map(COVER_LABELS) + ", " + communes[f"access_min_{model}"].map(fmt_min)
                                  + ", " + communes[f"presence_h_{model}"].map(fmt_decimal) + " h à moins de "
                                  + f"{threshold:g} min")
        columns[f"etat_{model}"] = MODELS[model]
        schemes[model] = (MODELS[model], cover.map(COVER_COLOURS))
    communes_layer(m, table, "Communes : couverture selon le modèle choisi", columns, schemes=schemes,
                   switch="Modèle affiché :")
    landmarks_layer(m, result.territory)
    for model, deployment in result.deployments.items():
        _presences_layer(m, result.territory, to_wgs84(deployment.presences), model)
    subtitle = (f"{len(result.posts)} postes ({posts_rule_text(result)}), les mêmes sous chaque modèle ; choisir le "
                "modèle affiché en bas à gauche de la carte. Couverte = une permanence régulière à moins de "
                f"{threshold:g} min. Par semaine :")
    entries: list[Entry] = [(None, "heading", "Communes, selon le modèle choisi")]
    entries += [(COVER_COLOURS[k], "square", v) for k, v in COVER_LABELS.items()]
    entries += [(None, "heading", "Lieux de présence (taille du point : heures de présence par semaine)")]
    entries += site_entries(result.settings.kinds)
    finish_map(m, result.territory.sources, result.territory.illustrative, result.network,
               map_title("Modèles de déploiement comparés", result.territory.dept), subtitle,
               legend_rows(entries), assumptions=assumption_lines(result.assumptions, result.settings),
               figures=comparison_figures(result),
               warnings=result_notices(result))
    return m


def redeployment_map(result, m=None):
    """Communes by redeployment status, kept, new and closed sites, and the assumptions."""
    from ..core.vocabulary import REDEPLOY_STATES as STATES
    from ..core.vocabulary import REDEPLOY_STATUSES as STATUS_LABELS
    from ..core.vocabulary import SITE_ROLES
    from .text import hosts_text

    communes = to_wgs84(result.communes, SIMPLIFY_M)
    m = new_map(communes, m)
    table = communes.assign(
        habitants=communes["population"].map(fmt_int),
        statut=communes["status"].map(STATUS_LABELS),
        avant=communes["access_min_baseline"].map(fmt_min),
        scenario=communes["access_min_scenario"].map(fmt_min),
        apres=communes["access_min_redeployed"].map(fmt_min),
    )
    communes_layer(m, table, "Communes : couverture après redéploiement", {
        "nom": "Commune", "code_insee": "Code INSEE", "habitants": "Population", "statut": "Statut",
        "avant": "Temps avant", "scenario": "Temps après non-renouvellement",
        "apres": "Temps après redéploiement"},
        schemes={"statut": ("statut", communes["status"].map(REDEPLOY_COLOURS))})
    landmarks_layer(m, result.territory)
    sites = to_wgs84(result.sites)
    sites = sites.loc[sites["role"].ne("autre") | sites["kind"].eq("france_services")]
    labels = site_labels(sites, result.territory)
    for role, label in SITE_ROLES.items():
        chosen = (sites["role"] == role).to_numpy()
        if not chosen.any():
            continue
        layer = site_group(label, int(chosen.sum()))
        for name, (_, site) in zip(labels[chosen], sites.loc[chosen].iterrows()):
            hosts = hosts_text(result.hosts, site["site_id"]) if role == "nouveau" else ""
            site_marker(layer, site, f"{name} — {label}" + (f" — hôtes possibles : {hosts}" if hosts else ""),
                        ROLE_COLOURS[role], radius=7 if role == "nouveau" else 5)
        add_site_layer(m, layer)
    summary = result.summary()
    gap = summary["solver"]["gap"]
    subtitle = (f"Scénario : {result.scenario.name}. {result.n_posts} postes à placer ; "
                f"{summary['new_sites']} nouveaux sites ({summary['objective_label']}). "
                f"Population couverte retrouvée : {fmt_int(summary['population_recovered'])} sur "
                f"{fmt_int(summary['population_lost'])} perdus ; nouvellement couverte : "
                f"{fmt_int(summary['population_gained'])}. Solveur : {summary['solver']['method']}"
                + (f", écart à l'optimum ≤ {fmt_decimal(gap * 100, 2)} %." if gap is not None else ", écart inconnu."))
    entries: list[Entry] = [(None, "heading", "Communes")]
    entries += [(REDEPLOY_COLOURS[k], "square", v) for k, v in STATUS_LABELS.items()]
    entries += [(None, "heading", "Sites")]
    entries += [(ROLE_COLOURS[k], "circle", v) for k, v in SITE_ROLES.items() if k != "autre"]
    others = sites.loc[sites["role"] == "autre", "kind"]
    if len(others):
        entries += [(None, "heading", SITE_ROLES["autre"])] + site_entries(others)
    finish_map(m, result.territory.sources, result.territory.illustrative, result.network,
               map_title("Redéploiement à iso" if result.objective == "iso" else "Redéploiement",
                         result.territory.dept), subtitle, entries,
               assumptions=redeployment_lines(result) + list(result.costs_source),
               figures=(figures_table(["Coûts annuels (sites fixes)", *[STATES[k] for k in result.table.index]],
                                      cost_rows(result.table, FIXED_SITE_COST_ROWS)) if result.costs_source else ""),
               warnings=result_notices(result))
    return m
