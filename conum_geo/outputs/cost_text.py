"""The yearly costs of options (``analysis.costs``) in tables, summaries and maps, in French."""

from __future__ import annotations

from .text import fmt_eur, fmt_int

#: Yearly costs of an option (``analysis.costs.option_costs``), in every table and summary.
COST_COLUMNS = [
    "fte", "state_subsidy_eur", "posts_cost_eur", "driving_km", "driving_cost_eur", "driving_time_value_eur",
    "total_cost_eur", "employer_remaining_eur", "cost_per_inhabitant_covered_eur", "status_unknown_posts",
]
_POST_ROWS = [
    ("Subvention de l'État / an", lambda r: fmt_eur(r["state_subsidy_eur"])),
    ("Coût des postes / an", lambda r: fmt_eur(r["posts_cost_eur"])),
]
_DRIVING_ROWS = [
    ("Kilomètres parcourus / an", lambda r: f"{fmt_int(round(r['driving_km']))} km"),
    ("Frais de déplacement / an", lambda r: fmt_eur(r["driving_cost_eur"])),
]
_RESULT_ROWS = [
    ("Reste à charge employeurs / an", lambda r: fmt_eur(r["employer_remaining_eur"])),
    ("Coût par habitant couvert / an", lambda r: fmt_eur(r["cost_per_inhabitant_covered_eur"])),
]
#: French rows of the cost block of a table of options.
COST_ROWS = [*_POST_ROWS, *_DRIVING_ROWS, *_RESULT_ROWS]
#: The rows of options on fixed sites, which drive nothing (``gaps``, ``redeploy``).
FIXED_SITE_COST_ROWS = [*_POST_ROWS, *_RESULT_ROWS]

def cost_notes(costs, funding: str, status_unknown: int, driving_time_value_eur=()) -> list[str]:
    """French lines under a cost table: what the costs are and where the figures come from."""
    lines = ["", "Coûts annuels : postes (salaire et fonctionnement) + déplacements ; reste à charge = coût − "
                 "subvention de l'État."]
    valued = [v for v in driving_time_value_eur if v > 0]
    if valued:
        lines.append(f"Le temps de conduite (jusqu'à {fmt_eur(max(valued))} par an) est compris dans le coût des postes.")
    if status_unknown:
        lines.append(f"{status_unknown} poste(s) d'employeur de statut inconnu chiffré(s) comme privé(s) "
                     "(subvention la plus basse).")
    return lines + [f"- {line}" for line in costs.lines(funding)]


def cost_rows(costs, rows=COST_ROWS) -> list[list[str]]:
    """``[label, value per option…]`` rows of a costs frame (one row per option)."""
    return [[label, *[fmt(r) for _, r in costs.iterrows()]] for label, fmt in rows]


def scenario_cost_lines(costs, sources) -> list[str]:
    """French lines of the yearly costs before and after a scenario (``GapsResult.costs``)."""
    before, after = costs.loc["before"], costs.loc["after"]
    lines = ["", "Coûts annuels des postes (sites fixes, sans déplacements) :"]
    for label, fmt in FIXED_SITE_COST_ROWS:
        lines.append(f"  {label:<34} avant {fmt(before):>12}   après {fmt(after):>12}")
    saved = before["state_subsidy_eur"] - after["state_subsidy_eur"]
    if saved:
        lines.append(f"  Subvention de l'État non reconduite : {fmt_eur(saved)} par an "
                     f"({fmt_int(int(before['posts'] - after['posts']))} poste(s)).")
    if int(before["status_unknown_posts"]):
        lines.append(f"  {int(before['status_unknown_posts'])} poste(s) d'employeur de statut inconnu chiffré(s) "
                     "comme privé(s) (subvention la plus basse).")
    return lines + [f"  - {line}" for line in sources]
