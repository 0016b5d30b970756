"""Deliverables of ``compare`` and ``redeploy``: the files of ``--out`` and French summaries.

Every output states the assumptions: ``assumptions.txt`` (French, one per line, with the
provenance caveat), ``summary.json`` (``assumptions`` and ``assumptions_text``) and the map.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .compare import COMMUNE_METRICS, Comparison
from .mapping import fmt_int, provenance_warning
from .model_maps import comparison_map, redeployment_map
from .outputs import staged_outputs, write_geopackage, write_json, write_table_csv
from .redeploy import RedeployResult

MODEL_COLUMNS = [
    "label", "posts", "presences", "presence_h", "driving_h", "driving_share", "population_covered",
    "population_covered_share", "communes_covered", "communes_with_presence", "mean_access_min",
    "gini_access", "fragile_covered_share", "rural_covered_share", "unreachable_communes",
]
PRESENCE_COLUMNS = ["model", "site_id", "nom", "kind", "code_insee", "presence_h", "fte", "itinerant"]


def _caveated(lines: list[str], network: str, illustrative: bool) -> str:
    warning = provenance_warning(network, illustrative)
    return "\n".join(lines + ([f"Attention : {warning}"] if warning else [])) + "\n"


def _pct(value) -> str:
    return "—" if value is None or value != value else f"{value:.0%}"


def write_comparison(result: Comparison, out_dir: str | Path) -> list[Path]:
    """Write ``models.csv``, ``communes.csv``/``.gpkg``, ``presences.csv``/``.gpkg``,
    ``schedule.csv``, ``assumptions.txt``, ``summary.json`` and ``map.html``."""
    models = result.table.reset_index()[["model", *MODEL_COLUMNS]]
    columns = ["code_insee", "nom", "population"] + [
        f"{metric}_{model}" for model in result.deployments for metric in COMMUNE_METRICS]
    presences = pd.concat([d.presences.assign(model=m) for m, d in result.deployments.items()],
                          ignore_index=True)
    schedule = pd.concat([d.schedule for d in result.deployments.values()], ignore_index=True)
    summary = result.summary() | {"caveat": provenance_warning(result.network, result.territory.illustrative)}
    names = ["models.csv", "communes.csv", "communes.gpkg", "presences.csv", "presences.gpkg",
             "schedule.csv", "assumptions.txt", "summary.json", "map.html"]
    with staged_outputs(out_dir) as staging:
        write_table_csv(models, staging / names[0])
        write_table_csv(result.communes[columns], staging / names[1])
        write_geopackage(result.communes[columns + ["geometry"]], staging / names[2], layer="communes")
        write_table_csv(presences[PRESENCE_COLUMNS], staging / names[3])
        write_geopackage(presences[PRESENCE_COLUMNS + ["geometry"]], staging / names[4], layer="presences")
        write_table_csv(schedule, staging / names[5])
        (staging / names[6]).write_text(_caveated(
            [f"Postes : {len(result.posts)} ({result.posts_rule})."]
            + result.assumptions.describe(result.settings), result.network, result.territory.illustrative),
            encoding="utf-8")
        write_json(summary, staging / names[7])
        comparison_map(result).save(str(staging / names[8]))
    return [Path(out_dir) / name for name in names]


def format_comparison(result: Comparison) -> str:
    """French table of the models, one column per model."""
    t = result.table
    rows = [
        ("Lieux de présence", lambda r: f"{r['presences']:d}"),
        ("Heures de présence / sem.", lambda r: f"{r['presence_h']:.0f} h"),
        ("Heures de route / sem.", lambda r: f"{r['driving_h']:.0f} h ({r['driving_share']:.0%})"),
        ("Population couverte", lambda r: f"{fmt_int(r['population_covered'])} ({r['population_covered_share']:.0%})"),
        ("Communes couvertes", lambda r: f"{r['communes_covered']:d}"),
        ("Communes avec présence", lambda r: f"{r['communes_with_presence']:d}"),
        ("Temps d'accès moyen", lambda r: f"{r['mean_access_min']:.1f} min"),
        ("Gini du temps d'accès", lambda r: f"{r['gini_access']:.2f}"),
        ("Couverture communes fragiles", lambda r: _pct(r["fragile_covered_share"])),
        ("Couverture communes rurales", lambda r: _pct(r["rural_covered_share"])),
    ]
    width = 24
    lines = [
        f"Département {result.territory.dept} — {len(result.posts)} postes ({result.posts_rule}) ; "
        f"seuil {result.settings.threshold_min:g} min ; réseau {result.network}.",
        "",
        f"{'':<30}" + "".join(f"{t.loc[m, 'label']:>{width}}" for m in t.index),
    ]
    for label, fmt in rows:
        lines.append(f"{label:<30}" + "".join(f"{fmt(t.loc[m]):>{width}}" for m in t.index))
    lines += ["", "Hypothèses :"] + [f"- {line}" for line in result.assumptions.describe(result.settings)]
    warning = provenance_warning(result.network, result.territory.illustrative)
    if warning:
        lines.append(f"Attention : {warning}")
    return "\n".join(lines)


def write_redeployment(result: RedeployResult, out_dir: str | Path) -> list[Path]:
    """Write ``sites.csv``/``.gpkg`` (kept, new and closed sites), ``communes.csv``/``.gpkg``,
    ``states.csv``, ``assumptions.txt``, ``summary.json`` and ``map.html``."""
    site_columns = ["site_id", "nom", "kind", "code_insee", "role", "presence_h", "fte", "active"]
    sites = result.sites.loc[result.sites["role"] != "autre"].sort_values(["role", "site_id"])
    commune_columns = ["code_insee", "nom", "population", "status"] + [
        f"{metric}_{state}" for state in ("baseline", "scenario", "redeployed")
        for metric in ("access_min", "covered", "presence_h", "ratio")]
    communes = result.communes.sort_values(["status", "population"], ascending=[True, False])
    summary = result.summary() | {"caveat": provenance_warning(result.network, result.territory.illustrative)}
    names = ["sites.csv", "sites.gpkg", "communes.csv", "communes.gpkg", "states.csv",
             "assumptions.txt", "summary.json", "map.html"]
    with staged_outputs(out_dir) as staging:
        write_table_csv(sites[site_columns], staging / names[0])
        write_geopackage(sites[site_columns + ["geometry"]], staging / names[1], layer="sites")
        write_table_csv(communes[commune_columns], staging / names[2])
        write_geopackage(communes[commune_columns + ["geometry"]], staging / names[3], layer="communes")
        write_table_csv(result.table.reset_index(), staging / names[4])
        (staging / names[5]).write_text(
            _caveated(result.describe(), result.network, result.territory.illustrative), encoding="utf-8")
        write_json(summary, staging / names[6])
        redeployment_map(result).save(str(staging / names[7]))
    return [Path(out_dir) / name for name in names]


def format_redeployment(result: RedeployResult, top: int = 10) -> str:
    """French summary: coverage in the three states, solver and optimality gap, new sites."""
    s = result.summary()
    solver = s["solver"]
    gap = "inconnu" if solver["gap"] is None else f"{solver['gap']:.2%}"
    lines = [
        f"Département {s['dept']} — scénario : {s['scenario']}",
        f"{s['posts']} postes à placer ; objectif : {s['objective_label']} ; seuil "
        f"{s['threshold_min']:g} min ; {s['fixed_sites']} sites maintenus, {s['candidates']} candidats.",
    ]
    for state, row in s["states"].items():
        lines.append(f"{row['label']:<26}: {fmt_int(row['population_covered'])} hab. couverts, "
                     f"{row['communes_covered']} communes, accès moyen {row['mean_access_min']:.1f} min.")
    recovered = ("" if s["recovered_share"] is None else f" ({s['recovered_share']:.0%})")
    lines.append(f"Population retrouvée : {fmt_int(s['population_recovered'])} sur "
                 f"{fmt_int(s['population_lost'])} perdus{recovered} ; nouvellement couverte : "
                 f"{fmt_int(s['population_gained'])}.")
    lines.append(f"Solveur : {solver['method']}, {solver['status']} ; écart à l'optimum : {gap}.")
    if result.objective == "lscp" and s["new_sites"] > s["posts"]:
        lines.append(f"Il faudrait {s['new_sites']} nouveaux sites pour couvrir toutes les communes "
                     f"atteignables, plus que les {s['posts']} postes disponibles.")
    new = result.new_sites.head(top)
    if len(new):
        lines += ["", f"Nouveaux sites ({s['new_sites']}) :"]
        lines += [f"- {row['nom']} ({row['code_insee']})" for _, row in new.iterrows()]
        if s["new_sites"] > top:
            lines.append(f"- … et {s['new_sites'] - top} autres (sites.csv)")
    warning = provenance_warning(result.network, result.territory.illustrative)
    if warning:
        lines.append(f"Attention : {warning}")
    return "\n".join(lines)
