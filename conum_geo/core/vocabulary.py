"""The product's words: every registry of choices, with its French label.

Pure Python, no third-party import: the CLI builds its choices and help texts from these
registries without loading the libraries, so ``conum-geo --help`` answers at once. Every other
module imports its registry from here (one definition each).
"""

from __future__ import annotations

#: Site kinds and their French label.
SITE_KINDS = {
    "conum": "Conseiller numérique",
    "france_services": "France services",
    "mediation": "Lieu de médiation numérique",
}

#: Deployment models and their French label.
MODELS = {
    "centralite": "Centralité",
    "multi_centralite": "Multi-centralité",
    "rayonnement": "Rayonnement",
}

#: Employer structure types and their French label.
STRUCTURE_TYPES = {
    "commune": "Commune",
    "epci": "Intercommunalité (EPCI)",
    "departement": "Département",
    "region": "Région",
    "ccas": "CCAS / CIAS",
    "association": "Association",
    "etat": "Service de l'État",
    "autre_public": "Autre structure publique",
    "autre_prive": "Autre structure privée",
    "inconnu": "Employeur non identifié",
}

#: Road network sources and their French description.
NETWORK_SOURCES = {
    "proxy": "réseau proxy entre communes contiguës (approximation)",
    "osm": "OpenStreetMap : extrait PBF ou XML (--roads), sinon téléchargement Overpass",
    "bdtopo": "IGN BD TOPO, tronçons de route : GeoPackage, Shapefile ou dump PostgreSQL (--roads)",
}

#: What a site offers in the accessibility ratio (a column of the sites table), and its label.
SUPPLY_MEASURES = {
    "presence_h": "heures de présence par semaine",
    "fte": "équivalents temps plein",
}

#: Redeployment objectives and their French description.
OBJECTIVES = {
    "mclp": "Couverture maximale (MCLP) : maximiser la population à moins du seuil",
    "lscp": "Couverture totale (LSCP) : le moins de sites couvrant toutes les communes atteignables",
    "pmedian": "p-médiane : minimiser le temps d'accès moyen pondéré par la population",
    "iso": "À iso : remplacer chaque point de présence perdu par un nouveau à proximité, puis couvrir le plus d'habitants",
}

#: Redeployment solvers (``auto`` chooses; see ``models.optimize``).
SOLVERS = ("auto", "highs", "greedy")

#: Sites this close to the département's limits (km) are kept: people cross borders.
BORDER_KM = 10.0
#: Roads are kept within this distance of the département (km).
DEFAULT_BUFFER_KM = 20.0

#: Weekly hours of a full-time conseiller numérique post (``posts.hours_week`` by default).
POST_HOURS_WEEK = 35.0

#: Catchments: band limits (minutes) and raster cell (m) by default.
CATCHMENT_MINUTES = (10.0, 20.0, 30.0)
CATCHMENT_CELL_M = 100.0

#: Presence a commune can reach within the threshold, and its French label (``coverage``).
PRESENCE_LEVELS = {
    "reguliere": "Permanence régulière",
    "ponctuelle": "Passage ponctuel",
    "aucune": "Aucune présence",
}

#: Status of a commune between before and after a change (scenario, vintage), with its French
#: label: the one vocabulary of the terminal, the tables, the JSON and the maps (``gaps``).
STATUSES = {
    "perd": "Perd la couverture",
    "degradee": "Couverte, accès dégradé",
    "couverte": "Couverte avant et après",
    "gagne": "Gagne la couverture",
    "non_couverte": "Non couverte avant et après",
}

#: Renewal status of a post's contract (contracts table, ``posts.renewal_status``) and its label.
RENEWAL_STATUSES = {
    "renouvele": "Renouvelé",
    "non_renouvele": "Non renouvelé",
    "en_attente": "En attente de décision",
    "inconnu": "Inconnu",
}

#: Months a post's contract lasts when its end is estimated from its start: the State funded
#: each post for 24 months ("Le financement de l'Etat portait sur une durée de 24 mois",
#: research digest 003:828-832).
CONTRACT_MONTHS = 24

#: Formats of the CSV tables (``--csv-format``), and their French description.
CSV_FORMATS = {
    "standard": "séparateur « , », point décimal, True/False (pour les programmes)",
    "fr": "séparateur « ; », virgule décimale, oui/non, UTF-8 avec BOM (pour un tableur en français)",
}

#: Redeployment: the three states compared, with their French labels.
REDEPLOY_STATES = {"baseline": "Avant non-renouvellement", "scenario": "Après non-renouvellement",
                   "redeployed": "Après redéploiement"}
#: Role of a site in a redeployment, with its French label.
SITE_ROLES = {"maintenu": "Site maintenu", "nouveau": "Nouveau site (redéploiement)",
              "ferme": "Site fermé", "autre": "Autre lieu (non compté)"}
#: Status of a commune across a redeployment's three states, with its French label.
REDEPLOY_STATUSES = {
    "retrouvee": "Couverture retrouvée par le redéploiement",
    "gagnee": "Couverture gagnée (non couverte avant)",
    "couverte": "Couverte sans changement",
    "perdue": "Couverture perdue, non retrouvée",
    "non_couverte": "Non couverte",
}
#: Where a redeployment candidate comes from, in order of preference when two coincide.
CANDIDATE_ORIGINS = {
    "fixe": "Site maintenu",
    "lieu": "Lieu existant",
    "france_services": "France services",
    "mairie": "Mairie",
}
#: Why a lost point of presence of an à-iso redeployment has no replacement.
UNREPLACED_REASONS = {
    "out_of_reach": "aucun candidat à moins du rayon de remplacement",
    "too_few_posts": "postes insuffisants",
}
#: Candidate host structures of a new post, in their order of preference at equal time.
HOST_TYPES = {
    "commune": "Commune",
    "epci": "Intercommunalité",
    "france_services": "France services",
    "employeur": "Employeur de conseillers numériques maintenu",
    "lieu": "Lieu de médiation numérique",
}
#: Names of the sites computations create (a scenario's new lieu, a redeployment's new post),
#: before the name of their commune or candidate; and the provenance they carry.
NEW_SITE_NAMES = {"scenario": "Nouveau lieu (scénario)", "redeploy": "Nouveau poste", "model": "Permanence"}
NEW_SITE_SOURCES = {"scenario": "scénario", "redeploy": "redéploiement", "model": "modèle de déploiement"}
#: What a commune's origin point is, after its name (``analysis.nearest.commune_origin``).
TOWN_HALL = "mairie"
#: How catchment bands are drawn, and its French description.
CATCHMENT_METHODS = {
    "surface": "bandes tracées sur une surface de temps (cellules du réseau routier)",
    "communes": "par commune : réseau proxy, temps connus aux seuls chefs-lieux ; chaque commune prend le "
                "temps de son chef-lieu (pas de bandes en étoile le long des liaisons entre chefs-lieux)",
}
#: The name of the bands of all sites together (``catchments``).
ALL_SITES = "Ensemble des sites"
#: Rules that say which communes are rural, and their French description.
RURAL_RULES = {
    "density": "grille communale de densité, niveaux 5 à 7",
    "population": "communes de moins de 2\u202f000 habitants",
}
#: Which way catchment times go: people to the sites, or advisers from them.
TRAVEL_DIRECTIONS = {"toward": "vers les sites", "from": "depuis les sites"}


def band_label(low_min: float, high_min: float) -> str:
    """The French name of a band of travel time (``10 à 20 min``)."""
    return f"{low_min:g} à {high_min:g} min"
