"""The assumptions of the deployment models, of a redeployment and of renewal draws, in French.

Every deliverable of ``compare``, ``redeploy`` and ``simulate`` states them: the terminal
summary, ``assumptions.txt``, ``summary.json`` and the map's side panel.
"""

from __future__ import annotations

from ..core.settings import Settings
from ..core.vocabulary import OBJECTIVES, STRUCTURE_TYPES
from ..models.parameters import ModelAssumptions
from ..models.redeploy import RedeployResult
from .text import fmt_decimal, fmt_int, fmt_number, fmt_pct


def assumption_lines(assumptions: ModelAssumptions, settings: Settings) -> list[str]:
    """The deployment-model assumptions in French, one sentence each (files, maps, terminal)."""
    a = assumptions
    territory = (f"les communes à moins de {fmt_number(a.radius_min)} min de route de la base"
                 if a.radius_min else "les communes de l'intercommunalité de la base")
    return [
        f"Couverture : une permanence régulière (au moins {fmt_number(settings.min_presence_h)} h par semaine "
        f"au même lieu) à moins de {fmt_number(settings.threshold_min)} min de trajet ; en deçà, un passage "
        "ponctuel ne couvre pas.",
        f"Chaque poste compte ses heures hebdomadaires (défaut {fmt_number(a.hours_week)} h), dont "
        f"{fmt_number(a.field_share * 100)} % de temps de terrain (présence au public + trajets).",
        f"Une présence = une permanence de {fmt_number(a.session_h)} h.",
        "Centralité : tout le temps de terrain au site de base, sans trajet.",
        f"Multi-centralité : {a.centres_per_post} lieux stables par poste (la base et les "
        "communes les plus peuplées de son territoire), desservis en rotation.",
        f"Rayonnement : le territoire du poste ({territory}) visité en rotation, une "
        "permanence par commune et par tour ; chaque visite coûte l'aller-retour depuis la "
        "base, décompté du temps de terrain.",
        "Une commune partagée entre plusieurs bases va à la plus proche ; les communes d'une "
        "base sont réparties entre ses postes, les plus peuplées d'abord.",
        "Les visites deviennent une présence à la mairie de la commune visitée ; les trajets "
        "domicile-travail ne sont pas comptés.",
    ]


def redeployment_lines(result: RedeployResult) -> list[str]:
    """The redeployment assumptions in French (files, maps, terminal)."""
    a = result.assumptions
    keep = ("tous les sites encore ouverts après le scénario" if result.keep == ("renewed",)
            else "les sites ou postes " + ", ".join(result.keep) + " et les lieux sans poste")
    lines = [
        f"Scénario : {result.scenario.name}.",
        f"Couverture : une permanence régulière (au moins {fmt_number(result.settings.min_presence_h)} h par "
        f"semaine au même lieu) à moins de {fmt_number(result.settings.threshold_min)} min de trajet.",
        f"Sites maintenus : {keep}.",
        "Candidats : lieux existants, France services et mairies des communes du département "
        "(aucun nouveau site hors du département).",
        f"Chaque nouveau poste compte {fmt_number(a.hours_week)} h par semaine, dont "
        f"{fmt_number(a.field_share * 100)} % de présence au public ({fmt_number(a.hours_week * a.field_share)} h).",
        f"Objectif : {OBJECTIVES[result.objective]} ; demande = population des communes"
        + (" × fragilité relative." if result.settings.fragility_weighting else "."),
    ]
    if result.objective == "iso":
        lines += [
            f"À iso : chaque point de présence perdu est remplacé par un nouveau site à moins de "
            f"{fmt_number(result.replace_within_min)} min de lui si possible ; les postes partagent leur "
            f"temps de présence à parts égales entre les nouveaux sites (au moins "
            f"{fmt_number(result.settings.min_presence_h)} h chacun) ; les trajets entre les sites d'un même "
            "poste ne sont pas décomptés.",
            "À égalité, les sites les plus proches des habitants qu'ils couvrent sont préférés.",
        ]
    else:
        lines.append("Chaque nouveau poste ouvre un site en centralité.")
    return lines


def renewal_lines(summary: dict) -> list[str]:
    """The renewal assumptions of a simulation's summary in French (terminal, map, files)."""
    r = summary["renewal"]
    p = r["p_nonrenewal"]
    if len(set(p.values())) == 1:
        probabilities = f"tout employeur : {fmt_pct(next(iter(p.values())), 1)}"
    else:
        probabilities = ", ".join(f"{STRUCTURE_TYPES[t]} {fmt_pct(v, 1)}" for t, v in p.items())
    sources = list(dict.fromkeys(o["source"] for o in r["outcomes"].values()))
    partial = r["partial"]
    return [
        f"Hypothèses de renouvellement : {r['name']} — {r['source']}.",
        f"Probabilité qu'un employeur ne renouvelle aucun poste ({r['undecided_label']}) : {probabilities} "
        f"(sources : {' ; '.join(sources)}).",
        f"Employeurs de plusieurs postes qui renouvellent : tous les postes {fmt_pct(partial['all'])}, une majorité "
        f"{fmt_pct(partial['majority'])}, une minorité {fmt_pct(partial['minority'])} ({r['partial_source']}).",
    ]


def simulation_figure_lines(summary: dict) -> list[str]:
    """The headline figures of a simulation with their Monte Carlo errors, in French."""
    s = summary
    low, high = s["population_lost_interval_90"]
    draws = f"{fmt_int(s['draws'])} tirages" + (f" (arrêt automatique, tolérance {fmt_int(round(s['tolerance_inhabitants']))} "
                                               "hab.)" if s["draws_auto"] else "")
    return [
        f"Habitants perdant la couverture : {fmt_int(round(s['expected_population_lost']))} en moyenne "
        f"(erreur type Monte Carlo ± {fmt_int(round(s['expected_population_lost_se']))}) ; intervalle à 90 % sur "
        f"{draws} : {fmt_int(round(low))} – {fmt_int(round(high))} ; une perte dans {fmt_pct(s['p_any_loss'])} des "
        f"tirages ; {s['communes_at_risk']} communes exposées (erreur type par commune ≤ "
        f"{fmt_decimal(s['p_lose_se_max'] * 100, 2)} points).",
    ]


def risk_lines(summary: dict) -> list[str]:
    """The employers whose withdrawal alone would cost most, in French."""
    risks = [r for r in summary["risks"] if r["population_lost_alone"] > 0]
    if not risks:
        return []
    lines = ["Principaux risques (si cet employeur seul ne renouvelle aucun poste) :"]
    lines += [f"  - {r['employeur']} ({STRUCTURE_TYPES[r['structure_type']]}, {r['posts']} poste"
              f"{'s' if r['posts'] > 1 else ''}) : {fmt_pct(r['p_nonrenewal'], 1)} de non-renouvellement → "
              f"{fmt_int(round(r['population_lost_alone']))} hab. perdraient la couverture" for r in risks]
    return lines


def posts_rule_text(result) -> str:
    """Which posts a comparison deploys, in French."""
    if result.posts_rule == "current":
        left_out = f" ({result.posts_without_base} postes sans site connu écartés)" if result.posts_without_base else ""
        return "postes actuels, à leur site de base" + left_out
    return (f"{len(result.posts)} postes répartis entre intercommunalités selon leur population, basés à la mairie "
            "de la commune la plus peuplée")
