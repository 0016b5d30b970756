"""Deliverables of ``compare`` and ``redeploy``: the files of ``--out`` and French summaries.

Every output states the assumptions: ``assumptions.txt`` (French, one per line, with the
provenance caveat), ``summary.json`` (``assumptions`` and ``assumptions_text``) and the map.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..core.vocabulary import RURAL_RULES
from ..models.compare import COMMUNE_METRICS, Comparison
from ..models.indicators import rural_mask
from ..models.redeploy import NEW_SITE_PREFIX, RedeployResult
from .assumptions import assumption_lines, posts_rule_text, redeployment_lines
from .cost_text import COST_COLUMNS, COST_ROWS, FIXED_SITE_COST_ROWS, cost_notes
from .files import result_writer, write_geopackage, write_json, write_lines, write_outputs
from .map_frame import save_map
from .model_maps import comparison_map, redeployment_map
from .summary import caveat_lines, full_summary, warning_lines
from .tables import Table, TableFormat
from .text import fmt_decimal, fmt_int, fmt_min, fmt_pct, hosts_text

MODEL_COLUMNS = [
    "label", "posts", "presences", "presence_h", "driving_h", "driving_share", "population_covered",
    "population_covered_share", "communes_covered", "communes_occasional", "communes_with_presence",
    "mean_access_min", "p90_access_min", "beyond_20_min_share", "beyond_30_min_share", "gini_access",
    "fragile_covered_share", "rural_covered_share", "unreachable_communes", "evening_share", "saturday_share",
    *COST_COLUMNS,
]
#: What each indicator means, in French (stated in every output that shows them).
DEFINITIONS = {
    "population_covered": "habitants d'une commune ayant une permanence régulière à moins du seuil",
    "mean_access_min": "temps moyen jusqu'à la présence la plus proche, pondéré par la population",
    "p90_access_min": "temps en deçà duquel 90 % des habitants atteignent une présence",
    "beyond_20_min_share": "part des habitants à plus de 20 min de toute présence (ou sans présence accessible)",
    "beyond_30_min_share": "part des habitants à plus de 30 min de toute présence (ou sans présence accessible)",
    "communes_regular": "communes ayant une permanence régulière à moins du seuil",
    "communes_occasional": "communes n'ayant qu'un passage ponctuel à moins du seuil",
    "gini_access": "indice de Gini du temps d'accès (proche de 1 quand presque tous sont à 0 min : à lire avec prudence)",
    "evening_share": "part des habitants ayant une présence après 18 h à moins du seuil (horaires publiés)",
    "saturday_share": "part des habitants ayant une présence le samedi à moins du seuil (horaires publiés)",
}


#: Columns of ``presences.csv`` (and, with the geometry, ``presences.gpkg``).
PRESENCE_FILE_COLUMNS = ["model", "site_id", "nom", "kind", "code_insee", "presence_h", "fte", "itinerant"]


def comparison_summary(result: Comparison) -> dict:
    """The JSON of ``compare`` (``--json`` and ``summary.json``)."""
    _, rural_rule = rural_mask(result.territory.communes)
    return full_summary(result, posts_rule=posts_rule_text(result), rural_rule=RURAL_RULES[rural_rule],
                        assumptions_text=assumption_lines(result.assumptions, result.settings),
                        indicator_definitions=DEFINITIONS)


def redeployment_summary(result: RedeployResult) -> dict:
    """The JSON of ``redeploy`` (``--json`` and ``summary.json``)."""
    return full_summary(result, assumptions_text=redeployment_lines(result))


@result_writer
def write_comparison(result: Comparison, out_dir: str | Path, *, tables: TableFormat | None = None) -> list[Path]:
    """Write ``models.csv``, ``communes.csv``/``.gpkg``, ``presences.csv``/``.gpkg``,
    ``schedule.csv``, ``assumptions.txt``, ``summary.json`` and ``map.html``.
    """
    table = result.table.reset_index()
    models = table[[c for c in ("model", *MODEL_COLUMNS) if c in table]]  # cost columns when costed
    columns = ["code_insee", "nom", "population"] + [
        f"{metric}_{model}" for model in result.deployments for metric in COMMUNE_METRICS]
    communes = result.communes[columns + ["geometry"]]
    presences = pd.concat([d.presences.assign(model=m) for m, d in result.deployments.items()],
                          ignore_index=True)[PRESENCE_FILE_COLUMNS + ["geometry"]]
    schedule = pd.concat([d.schedule for d in result.deployments.values()], ignore_index=True)
    assumptions = ([f"Postes : {len(result.posts)} ({posts_rule_text(result)})."]
                   + assumption_lines(result.assumptions, result.settings)
                   + (result.costs.lines(result.funding) if result.costs is not None else [])
                   + caveat_lines(result))
    return write_outputs(out_dir, {
        "models.csv": Table(models),
        "communes.csv": Table(communes),
        "communes.gpkg": lambda path: write_geopackage(communes, path, layer="communes"),
        "presences.csv": Table(presences),
        "presences.gpkg": lambda path: write_geopackage(presences, path, layer="presences"),
        "schedule.csv": Table(schedule),
        "assumptions.txt": lambda path: write_lines(assumptions, path),
        "summary.json": lambda path: write_json(comparison_summary(result), path),
        "map.html": lambda path: save_map(comparison_map(result), path),
    }, tables=tables)


def format_comparison(result: Comparison) -> str:
    """French table of the models, one column per model.

    Parameters
    ----------
    result
        A ``Comparison``.

    Returns
    -------
    str
    """
    t = result.table
    rows = [
        ("Lieux de présence", lambda r: f"{r['presences']:d}"),
        ("Heures de présence / sem.", lambda r: f"{r['presence_h']:.0f} h"),
        ("Heures de route / sem.", lambda r: f"{r['driving_h']:.0f} h ({fmt_pct(r['driving_share'])})"),
        ("Population couverte",
         lambda r: f"{fmt_int(r['population_covered'])} ({fmt_pct(r['population_covered_share'])})"),
        ("Communes couvertes (permanence régulière)", lambda r: f"{r['communes_covered']:d}"),
        ("Communes à passage ponctuel seulement", lambda r: f"{r['communes_occasional']:d}"),
        ("Communes avec présence", lambda r: f"{r['communes_with_presence']:d}"),
        ("Temps d'accès moyen", lambda r: fmt_min(r["mean_access_min"])),
        ("Temps d'accès, 90 % des habitants", lambda r: fmt_min(r["p90_access_min"])),
        ("Habitants à plus de 20 min", lambda r: fmt_pct(r["beyond_20_min_share"])),
        ("Habitants à plus de 30 min", lambda r: fmt_pct(r["beyond_30_min_share"])),
        ("Gini du temps d'accès (*)", lambda r: fmt_decimal(r["gini_access"], 2)),
        ("Couverture communes fragiles", lambda r: fmt_pct(r["fragile_covered_share"])),
        ("Couverture communes rurales", lambda r: fmt_pct(r["rural_covered_share"])),
        ("Habitants avec présence le soir", lambda r: fmt_pct(r["evening_share"])),
        ("Habitants avec présence le samedi", lambda r: fmt_pct(r["saturday_share"])),
        *(COST_ROWS if result.costs is not None else []),
    ]
    width = 24
    lines = [
        f"Département {result.territory.dept} — {len(result.posts)} postes ({posts_rule_text(result)}) ; "
        f"seuil {result.settings.threshold_min:g} min ; réseau {result.network}.",
        "",
        f"{'':<42}" + "".join(f"{t.loc[m, 'label']:>{width}}" for m in t.index),
    ]
    for label, fmt in rows:
        lines.append(f"{label:<42}" + "".join(f"{fmt(t.loc[m]):>{width}}" for m in t.index))
    lines += ["", f"(*) {DEFINITIONS['gini_access']}."]
    if result.costs is not None:
        lines += cost_notes(result.costs, result.funding, int(t["status_unknown_posts"].max()),
                            result.table["driving_time_value_eur"])
    lines += ["", "Hypothèses :"] + [f"- {line}" for line in assumption_lines(result.assumptions, result.settings)]
    lines += caveat_lines(result) + warning_lines(result)
    return "\n".join(lines)


@result_writer
def write_redeployment(result: RedeployResult, out_dir: str | Path, *,
                       tables: TableFormat | None = None) -> list[Path]:
    """Write ``sites.csv``/``.gpkg`` (kept, new and closed sites), ``communes.csv``/``.gpkg``,
    ``states.csv``, ``assumptions.txt``, ``summary.json`` and ``map.html``.
    """
    site_columns = ["site_id", "nom", "kind", "code_insee", "role", "presence_h", "fte", "active"]
    sites = result.sites.loc[result.sites["role"] != "autre"].sort_values(["role", "site_id"])
    sites = sites[site_columns + ["geometry"]]
    commune_columns = ["code_insee", "nom", "population", "status"] + [
        f"{metric}_{state}" for state in ("baseline", "scenario", "redeployed")
        for metric in ("access_min", "covered", "presence_h", "ratio")]
    communes = result.communes.sort_values(["status", "population"], ascending=[True, False])
    communes = communes[commune_columns + ["geometry"]]
    return write_outputs(out_dir, {
        "sites.csv": Table(sites),
        "sites.gpkg": lambda path: write_geopackage(sites, path, layer="sites"),
        "communes.csv": Table(communes),
        "communes.gpkg": lambda path: write_geopackage(communes, path, layer="communes"),
        "states.csv": Table(result.table.reset_index()),
        "hosts.csv": Table(result.hosts),
        **({"lost_points.csv": Table(result.lost_points)} if result.objective == "iso" else {}),
        "assumptions.txt": lambda path: write_lines(redeployment_lines(result) + caveat_lines(result), path),
        "summary.json": lambda path: write_json(redeployment_summary(result), path),
        "map.html": lambda path: save_map(redeployment_map(result), path),
    }, tables=tables)


def iso_lines(result: RedeployResult) -> list[str]:
    """French lines of an à-iso redeployment: the lost points and what replaces them."""
    lost = result.lost_points
    replaced = lost["replaced_by_id"] != ""
    lines = [f"Points de présence perdus : {len(lost)} ; remplacés à moins de {result.replace_within_min:g} min : "
             f"{int(replaced.sum())}."]
    for _, row in lost.loc[~replaced].iterrows():
        lines.append(f"  Non remplacé : {row['nom']} ({row['code_insee']}) — {row['reason']}.")
    return lines


def format_redeployment(result: RedeployResult, top: int = 10) -> str:
    """French summary: coverage in the three states, solver and optimality gap, new sites.

    Parameters
    ----------
    result
        A ``RedeployResult``.
    top
        How many new sites are listed.

    Returns
    -------
    str
    """
    s = result.summary()
    solver = s["solver"]
    gap = "inconnu" if solver["gap"] is None else fmt_pct(solver["gap"], 2)
    lines = [
        f"Département {s['dept']} — scénario : {s['scenario']}",
        f"{s['posts']} postes à placer ; objectif : {s['objective_label']} ; seuil "
        f"{s['threshold_min']:g} min ; {s['fixed_sites']} sites maintenus, {s['candidates']} candidats.",
    ]
    for row in s["states"].values():
        lines.append(f"{row['label']:<26}: {fmt_int(row['population_covered'])} hab. couverts, "
                     f"{row['communes_covered']} communes, accès moyen {fmt_min(row['mean_access_min'])}.")
    recovered = ("" if s["recovered_share"] is None else f" ({fmt_pct(s['recovered_share'])})")
    lines.append(f"Population retrouvée : {fmt_int(s['population_recovered'])} sur "
                 f"{fmt_int(s['population_lost'])} perdus{recovered} ; nouvellement couverte : "
                 f"{fmt_int(s['population_gained'])}.")
    lines.append(f"Solveur : {solver['method']}, {solver['status']} ; écart à l'optimum : {gap}.")
    if result.objective == "iso":
        lines += iso_lines(result)
    if result.costs_source:
        lines += ["", "Coûts annuels des postes (sites fixes, sans déplacements) :",
                  f"{'':<34}" + "".join(f"{row['label']:>28}" for row in s["states"].values())]
        lines += [f"{label:<34}" + "".join(f"{fmt(t):>28}" for _, t in result.table.iterrows())
                  for label, fmt in FIXED_SITE_COST_ROWS]
        lines.append("Les nouveaux postes sont chiffrés comme employés par une collectivité (employeur public).")
        lines += [f"- {line}" for line in result.costs_source]
    if result.objective == "lscp" and s["new_sites"] > s["posts"]:
        lines.append(f"Il faudrait {s['new_sites']} nouveaux sites pour couvrir toutes les communes "
                     f"atteignables, plus que les {s['posts']} postes disponibles.")
    new = result.new_sites.head(top)
    if len(new):
        lines += ["", f"Nouveaux sites ({s['new_sites']}) :"]
        for _, row in new.iterrows():
            hosts = hosts_text(result.hosts, NEW_SITE_PREFIX + row["candidate_id"])
            lines.append(f"- {row['nom']} ({row['code_insee']}) — hôtes possibles : {hosts or 'aucun'}")
        if s["new_sites"] > top:
            lines.append(f"- … et {s['new_sites'] - top} autres (sites.csv)")
    lines += caveat_lines(result) + warning_lines(result)
    return "\n".join(lines)
