"""Gaps deliverables: the files of ``--out`` and the French terminal summary."""

from __future__ import annotations

from pathlib import Path

from .gaps import GapsResult
from .mapping import gaps_map, provenance_warning
from .outputs import staged_outputs, write_geopackage, write_json, write_table_csv

COMMUNE_COLUMNS = [
    "code_insee", "nom", "population", "baseline_min", "scenario_min", "covered_before",
    "covered_after", "flagged", "reason", "status", "baseline_site", "scenario_site",
    "off_network_m",
]


def _fmt_int(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def _fmt_min(value: float) -> str:
    return "—" if value != value else f"{value:.0f} min"


def write_gaps(result: GapsResult, out_dir: str | Path) -> list[Path]:
    """Write ``communes.csv``, ``communes.gpkg``, ``map.html`` and ``summary.json``."""
    communes = result.communes.sort_values(
        ["flagged", "population", "code_insee"], ascending=[False, False, True])
    summary = result.summary() | {"caveat": provenance_warning(result.network, result.territory.illustrative)}
    names = ["communes.csv", "communes.gpkg", "map.html", "summary.json"]
    with staged_outputs(out_dir) as staging:
        write_table_csv(communes[COMMUNE_COLUMNS], staging / names[0])
        write_geopackage(communes[COMMUNE_COLUMNS + ["geometry"]], staging / names[1], layer="communes")
        gaps_map(result).save(str(staging / names[2]))
        write_json(summary, staging / names[3])
    return [Path(out_dir) / name for name in names]


def format_gaps(result: GapsResult, top: int = 10) -> str:
    """Short French summary with the ``top`` most populous communes that lose coverage."""
    s = result.summary()
    lines = [
        f"Département {s['dept']} — scénario : {result.scenario.name}",
        f"{s['communes']} communes, {_fmt_int(s['population'])} habitants ; seuil "
        f"{s['threshold_min']:g} min ; réseau {s['network']} ; {s['ended_posts']} postes non renouvelés.",
        f"Couvertes avant : {s['covered_before_communes']} communes "
        f"({_fmt_int(s['covered_before_population'])} hab.) ; après : "
        f"{s['covered_after_communes']} communes ({_fmt_int(s['covered_after_population'])} hab.).",
        f"Perdent la couverture : {s['flagged_communes']} communes, "
        f"{_fmt_int(s['flagged_population'])} habitants.",
    ]
    warning = provenance_warning(result.network, result.territory.illustrative)
    if warning:
        lines.append(f"Attention : {warning}")
    flagged = result.flagged.head(top)
    if len(flagged):
        lines.append("")
        lines.append(f"{'Commune':<32} {'INSEE':<6} {'Hab.':>8} {'Avant':>8} {'Après':>8}  Présence la plus proche après")
        for _, row in flagged.iterrows():
            lines.append(
                f"{row['nom'][:32]:<32} {row['code_insee']:<6} {_fmt_int(row['population']):>8} "
                f"{_fmt_min(row['baseline_min']):>8} {_fmt_min(row['scenario_min']):>8}  "
                f"{row['scenario_site'] if isinstance(row['scenario_site'], str) else 'aucune'}"
            )
    return "\n".join(lines)
