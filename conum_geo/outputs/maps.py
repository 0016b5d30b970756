"""Maps of ``gaps``, ``diff`` and ``simulate`` (the frame they share is ``map_frame``).

Colours are safe for colour-blind readers: the commune statuses use the Okabe–Ito palette
(vermillion, orange, sky blue, blue, grey), travel times and risks one sequential hue each.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.departements import territory_name
from ..core.vocabulary import SITE_KINDS
from .assumptions import renewal_lines, simulation_figure_lines
from .cost_text import FIXED_SITE_COST_ROWS, cost_rows
from .directory import nearby_codes
from .map_frame import (
    SIMPLIFY_M,
    Entry,
    add_site_layer,
    communes_layer,
    conum_call,
    figures_table,
    finish_map,
    landmarks_layer,
    legend_rows,
    new_map,
    scheme_legend,
    site_entries,
    site_group,
    site_marker,
    to_wgs84,
)
from .reasons import commune_reasons
from .summary import result_notices
from .text import fmt_decimal, fmt_hours, fmt_int, fmt_min, site_labels

#: Fill colour of each commune status (``vocabulary.STATUSES``).
STATUS_COLOURS = {
    "perd": "#d55e00",
    "degradee": "#e69f00",
    "couverte": "#a6cee3",
    "non_couverte": "#bdbdbd",
    "gagne": "#0072b2",
}
#: Classes of travel time to the nearest presence: (upper bound in minutes, colour, label).
TIME_CLASSES = (
    (10.0, "#fff7bc", "Moins de 10 min"),
    (20.0, "#fec44f", "10 à 20 min"),
    (30.0, "#ec7014", "20 à 30 min"),
    (np.inf, "#8c2d04", "Plus de 30 min"),
)
NO_ACCESS_COLOUR, NO_ACCESS_LABEL = "#bdbdbd", "Aucune présence accessible"
ENDED_COLOUR = "#000000"
NEW_COLOUR = "#e7298a"


def time_colours(minutes: pd.Series) -> pd.Series:
    """The ``TIME_CLASSES`` colour of each time (``NO_ACCESS_COLOUR`` when unknown)."""
    values = minutes.to_numpy(dtype=float)
    bounds = np.array([b for b, _, _ in TIME_CLASSES])
    colours = np.array([c for _, c, _ in TIME_CLASSES], dtype=object)
    index = np.searchsorted(bounds, np.nan_to_num(values, nan=0.0), side="left")
    return pd.Series(np.where(np.isnan(values), NO_ACCESS_COLOUR, colours[np.minimum(index, len(bounds) - 1)]),
                     index=minutes.index)


def time_entries() -> list[Entry]:
    """Legend entries of ``TIME_CLASSES``."""
    entries: list[Entry] = [(c, "square", label) for _, c, label in TIME_CLASSES]
    return entries + [(NO_ACCESS_COLOUR, "square", NO_ACCESS_LABEL)]


def map_title(what: str, dept: str) -> str:
    """``"Couverture numérique — Nièvre (58)"``."""
    return f"{what} — {territory_name(dept)} ({dept})"


#: States of a site between before and after in the gaps map: layer, colour (None: the
#: colour of its kind), hours column shown, tooltip note.
SITE_STATES = (
    ("Sites maintenus", None, "presence_h_after", ""),
    ("Nouveaux sites", NEW_COLOUR, "presence_h_after", " — nouveau"),
    ("Sites fermés", ENDED_COLOUR, "presence_h_before", " — fermé"),
)


def _site_layers(m, sites, labels) -> list[Entry]:
    """Sites kept (one layer per kind: a filter), new and closed; their legend entries."""
    masks = (sites["active_before"] & sites["active_after"], ~sites["active_before"] & sites["active_after"],
             sites["active_before"] & ~sites["active_after"])
    entries: list[Entry] = []
    for (name, colour, hours, note), mask in zip(SITE_STATES, masks):
        chosen = sites.loc[mask]
        groups = ([(f"{name} : {SITE_KINDS[k]}", chosen.loc[chosen["kind"] == k]) for k in SITE_KINDS]
                  if colour is None else [(name, chosen)])
        for layer_name, group in groups:
            if group.empty:
                continue
            layer = site_group(layer_name, len(group))
            for _, site in group.iterrows():
                site_marker(layer, site, f"{labels[site['site_id']]} — {SITE_KINDS[site['kind']]}, "
                                         f"{fmt_hours(site[hours])}{note}", colour)
            add_site_layer(m, layer)
        if colour and mask.any():
            entries.append((colour, "circle", name))
    return entries


def gaps_map(result, m=None):
    """Map of a ``GapsResult``: communes by status (or by time before or after), sites
    before/after, landmarks, legend, figures, sources."""
    from ..core.vocabulary import STATUSES as STATUS_LABELS

    territory = result.territory
    labels = site_labels(result.sites, territory)
    communes = to_wgs84(result.communes, SIMPLIFY_M)
    m = new_map(communes, m)
    table = communes.assign(
        habitants=communes["population"].map(fmt_int),
        statut=communes["status"].map(STATUS_LABELS),
        motif=commune_reasons(result).where(lambda reasons: reasons != "", "—").to_numpy(),
        avant=communes["baseline_min"].map(fmt_min),
        apres=communes["scenario_min"].map(fmt_min),
        site_apres=communes["scenario_site_id"].map(labels).fillna("aucune"),
        fs_min=communes["france_services_min"].map(fmt_min),
        fs_site=communes["france_services_site_id"].map(labels).fillna("aucune"),
    )
    places: list = []
    headings: list = []
    if result.nearby is not None:
        codes, places, headings = nearby_codes(result.nearby, result.sites, labels)
        table["proches"] = communes["code_insee"].map(codes).fillna(
            f"aucun lieu ouvert à moins de {result.settings.threshold_min:g} min")
    else:
        table["proches"] = ""
    threshold = result.settings.threshold_min
    layer = communes_layer(m, table, "Communes", {
        "nom": "Commune", "code_insee": "Code INSEE", "habitants": "Population", "statut": "Statut",
        "motif": "Motif", "avant": "Temps avant", "apres": "Temps après",
        "site_apres": "Présence la plus proche après",
        "fs_min": "France services la plus proche", "fs_site": "France services (recours administratif)",
        "proches": "Qui contacter près d'ici (lieux ouverts après, les plus proches)",
    }, schemes={"statut": ("statut avant / après", communes["status"].map(STATUS_COLOURS)),
                "apres": ("temps d'accès après", time_colours(communes["scenario_min"])),
                "avant": ("temps d'accès avant", time_colours(communes["baseline_min"]))})
    if places:
        conum_call(m, "expand", layer, "proches", places, headings)
    landmarks_layer(m, territory)

    s = result.sites
    shown = s["counted_before"] | s["counted_after"] | (s["kind"] == "france_services")
    sites = to_wgs84(s.loc[shown])
    state_entries = _site_layers(m, sites, labels)

    summary = result.summary()
    legend = (scheme_legend("statut", [(None, "heading", "Communes : statut"),
                                       *[(STATUS_COLOURS[k], "square", v) for k, v in STATUS_LABELS.items()]])
              + scheme_legend("apres", [(None, "heading", "Communes : temps d'accès après"), *time_entries()])
              + scheme_legend("avant", [(None, "heading", "Communes : temps d'accès avant"), *time_entries()])
              + legend_rows([(None, "heading", "Lieux"), *site_entries(sites["kind"]), *state_entries]))
    c = summary
    figures = figures_table(["", "Communes", "Habitants"], [
        ["Couvertes avant", fmt_int(c["covered_before_communes"]), fmt_int(c["covered_before_population"])],
        ["Couvertes après", fmt_int(c["covered_after_communes"]), fmt_int(c["covered_after_population"])],
        ["Perdent la couverture", fmt_int(c["lost_cover_communes"]), fmt_int(c["lost_cover_population"])],
        ["Signalées", fmt_int(c["flagged_communes"]), fmt_int(c["flagged_population"])],
        ["Non couvertes avant", fmt_int(c["uncovered_before_communes"]), fmt_int(c["uncovered_before_population"])],
        ["Présence le soir après", fmt_int(c["evening_after_communes"]), fmt_int(c["evening_after_population"])],
        ["Présence le samedi après", fmt_int(c["saturday_after_communes"]), fmt_int(c["saturday_after_population"])],
    ])
    if result.costs is not None:
        figures += figures_table(["Coûts annuels (sites fixes)", "Avant", "Après"],
                                 cost_rows(result.costs.loc[["before", "after"]], FIXED_SITE_COST_ROWS))
    subtitle = (f"Scénario : {result.label}. Couverte = une permanence régulière à moins de {threshold:g} min ; "
                f"marge {summary['margin_min']:g} min ; {summary['ended_posts']} poste(s) arrêté(s).")
    finish_map(m, territory.sources, territory.illustrative, result.network,
               map_title("Couverture numérique", summary["dept"]), subtitle, legend, figures=figures,
               warnings=result_notices(result))
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
    territory = result.territory
    communes = to_wgs84(result.communes, SIMPLIFY_M)
    m = new_map(communes, m)
    table = communes.assign(
        habitants=communes["population"].map(fmt_int),
        probabilite=(communes["p_lose"] * 100).map(fmt_decimal) + " % (± "
        + (communes["p_lose_se"] * 100).map(fmt_decimal) + ")",
        attendue=communes["expected_population_lost"].round(0).map(fmt_int),
    )
    colours = pd.Series([_risk_colour(p, c) for p, c in zip(communes["p_lose"], communes["covered_before"])],
                        index=communes.index)
    communes_layer(m, table, "Communes : probabilité de perdre la couverture", {
        "nom": "Commune", "code_insee": "Code INSEE", "habitants": "Population",
        "probabilite": "Probabilité de perdre la couverture (erreur type)",
        "attendue": "Habitants concernés (espérance)",
    }, schemes={"risque": ("probabilité de perdre la couverture", colours)})
    landmarks_layer(m, territory)
    kinds = set(result.settings.kinds) | {"france_services"}
    sites = to_wgs84(territory.sites.loc[territory.sites["kind"].isin(kinds)])
    labels = site_labels(sites, territory)
    for kind in SITE_KINDS:
        of_kind = sites.loc[sites["kind"] == kind]
        if of_kind.empty:
            continue
        layer = site_group(f"Lieux actuels : {SITE_KINDS[kind]}", len(of_kind))
        for _, site in of_kind.iterrows():
            site_marker(layer, site, f"{labels[site['site_id']]} — {SITE_KINDS[kind]}, {fmt_hours(site['presence_h'])}")
        add_site_layer(m, layer)
    summary = result.summary()
    entries: list[Entry] = [(None, "heading", "Probabilité de perdre la couverture")]
    entries += [(colour, "square", label) for _, colour, label in RISK_CLASSES]
    entries.append((UNCOVERED_COLOUR, "square", "Non couverte aujourd'hui"))
    entries += [(None, "heading", "Lieux actuels")] + site_entries(sites["kind"])
    subtitle = " ".join([f"Seuil {summary['threshold_min']:g} min, graine {summary['seed']}.",
                         *simulation_figure_lines(summary)])
    finish_map(m, territory.sources, territory.illustrative, result.network,
               map_title("Non-renouvellements simulés", summary["dept"]), subtitle, entries,
               assumptions=renewal_lines(summary),
               warnings=result_notices(result))
    return m
