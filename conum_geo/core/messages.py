"""The catalogue of what the computations' errors say: one French line per code.

Computations (``analysis``, ``models``, the engine) write no French themselves: they raise
``ParameterError(says("cutoff", value=…))`` and the sentence comes from ``ERRORS`` here, so
that every error of the same kind reads the same and a translation or a rewording is one
edit. (The readers of ``data`` write their own lines: each names its file, row and field.)
"""

from __future__ import annotations

ERRORS = {
    # engine
    "cutoff": "temps limite : attendu > 0 s, reçu {value}",
    "groups": "les groupes couvrent {found} sources, {expected} attendues",
    "leg_speed": "vitesse hors réseau : attendu > 0 km/h, reçu {value}",
    "empty_graph": "impossible de raccorder des points à un graphe vide",
    "points_nan": "impossible de raccorder des points sans coordonnées (NaN)",
    # territory tables
    "unknown_id": "{column} inconnu {value!r}",
    "change_territory": "le territoire donné n'est pas celui du changement (change.territory : avec les lieux "
                        "qu'il ouvre)",
    "negative_shares": "parts et ETP ≥ 0 attendus",
    "hours_unknown": "horaires inconnus pour {count} lieu(x) (ex. {example}) : les remplir d'abord "
                     "(core.site_hours.fill_unknown_hours)",
    "fragility_column": "la pondération par la fragilité demande une colonne « fragility » (indice de "
                        "fragilité numérique : --fragility)",
    "fragility_negative": "fragilité négative {value}",
    "fragility_unknown": "la pondération par la fragilité demande au moins une fragilité connue",
    "vintages_communes": "les deux millésimes donnent des communes différentes ; passer les mêmes sources "
                         "du territoire",
    "commune_absent": "commune {code!r} absente du département {dept} (code INSEE à 5 caractères attendu)",
    "per_kind": "nombre de lieux par type : entier ≥ 1 attendu, reçu {value}",
    "cost_columns": "postes à chiffrer : colonne(s) manquante(s) {missing}",
    # catchments
    "cell": "taille de cellule : attendu > 0 m, reçu {value}",
    "bands": "minutes : au moins une limite de bande attendue",
    "no_open_site": "aucun lieu de type {kinds} ouvert au public",
    "rasterio": "les isochrones demandent rasterio : pip install 'conum-geo[raster]'",
    # scenarios
    "scenario_unknown_ids": "{column} inconnu(s) {values}",
    "scenario_place": "donner exactement un de site_id ou code_insee",
    "scenario_commune": "commune inconnue {code!r}",
    "scenario_site": "lieu inconnu {site_id!r}",
    "scenario_site_kind": "le lieu {site_id!r} est de type {kind} ; un poste va dans un lieu de conseiller "
                          "numérique (conum)",
    "scenario_hours": "nombre d'heures ≥ 0 attendu, reçu {value!r}",
    "scenario_post_exists": "le poste {post_id!r} existe déjà",
    "scenario_fte": "ETP fini > 0 attendu, reçu {value!r}",
    "scenario_post_unknown": "poste inconnu {post_id!r}",
    "scenario_post_taken": "le poste {post_id!r} prend déjà fin ou bouge dans ce scénario",
    # renewals (simulate)
    "p_nonrenewal_item": "{item!r} : TYPE=P attendu, TYPE parmi {types}",
    "p_nonrenewal_value": "{item!r} : probabilité entre 0 et 1 attendue",
    "draws": "draws : au moins 2 tirages attendus, reçu {value}",
    "tolerance": "tolérance : nombre d'habitants > 0 attendu, reçu {value}",
    # contract calendar (timeline)
    "timeline_no_dates": "aucun poste n'a de date de contrat connue ou estimable : donner un tableau des "
                         "contrats (--contrats) ou les mois --du et --au",
    "timeline_order": "--au ({last}) avant --du ({first})",
    "timeline_length": "{months} mois demandés : au plus {most}",
    # deployment models and redeployment
    "n_posts_positive": "nombre de postes : attendu ≥ 1, reçu {value}",
    "n_posts": "nombre de postes : entier ≥ 0 attendu, reçu {value!r}",
    "model_unknown": "modèle inconnu {model!r} : attendu l'un de {known}",
    "objective_unknown": "objectif inconnu {objective!r} : attendu l'un de {known}",
    "centres_per_post": "centres_per_post : entier ≥ 1 attendu, reçu {value!r}",
    "keep_unknown": "keep : identifiant(s) de lieu ou de poste inconnu(s) {values} ; attendu « renewed » ou "
                    "des identifiants de lieux ou de postes",
    "replace_within": "rayon de remplacement : nombre fini > 0 de minutes attendu, reçu {value!r}",
    "too_few_candidates": "{posts} postes à placer mais seulement {free} lieux candidats libres",
    "pmedian_nothing": "la p-médiane demande au moins un poste ou un site maintenu",
    # optimisation problems
    "cost_matrix_shape": "cost_matrix : matrice 2-D attendue, reçu la forme {shape}",
    "cost_matrix_negative": "cost_matrix : coûts ≥ 0 attendus (inf ou NaN pour inaccessible)",
    "weights": "weights : {count} poids finis et ≥ 0 attendus",
    "predefined": "predefined_facilities_arr : {count} indicateurs attendus",
    "p_facilities": "p_facilities : attendu entre les {fixed} sites prédéfinis et les {candidates} candidats, "
                    "reçu {value}",
    "p_facilities_undefined": "{name} : nombre de sites à ouvrir non défini",
    "pmedian_one": "p_facilities : la p-médiane demande au moins un site",
    "solver_unknown": "solveur inconnu {solver!r} : attendu auto, highs, greedy ou un solveur PuLP",
    "solver_failed": "{name} : le solveur n'a trouvé aucune solution ({status})",
    "iso_groups": "iso : {count} candidats attendus dans replace et group",
}


def says(error: str, **values) -> str:
    """The French line of ``error`` (a code of ``ERRORS``) with its ``values``."""
    return ERRORS[error].format(**values)
