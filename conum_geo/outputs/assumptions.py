"""The assumptions of the deployment models and of a redeployment, in French sentences.

Every deliverable of ``compare`` and ``redeploy`` states them: the terminal summary,
``assumptions.txt``, ``summary.json`` (``assumptions_text``) and the map's side panel.
"""

from __future__ import annotations

from ..models.parameters import ModelAssumptions
from ..models.redeploy import RedeployResult
from ..settings import Settings
from ..vocabulary import OBJECTIVES
from .text import fmt_number


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
    return [
        f"Scénario : {result.scenario.name}.",
        f"Couverture : une permanence régulière (au moins {fmt_number(result.settings.min_presence_h)} h par "
        f"semaine au même lieu) à moins de {fmt_number(result.settings.threshold_min)} min de trajet.",
        f"Sites maintenus : {keep}.",
        "Candidats : lieux existants, France services et mairies de toutes les communes.",
        f"Chaque nouveau poste ouvre un site en centralité : {fmt_number(a.hours_week)} h par "
        f"semaine, dont {fmt_number(a.field_share * 100)} % de présence au public "
        f"({fmt_number(a.hours_week * a.field_share)} h).",
        f"Objectif : {OBJECTIVES[result.objective]} ; demande = population des communes.",
    ]
