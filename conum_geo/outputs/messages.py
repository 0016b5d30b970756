"""The computations' warnings in French: one sentence per notice code, written here.

Analyses and models record what the user must know as a ``core.notices.Notice`` with a code
and its parameters, and no text; ``rendered`` writes its message from ``NOTICES`` before any
output reads it (``outputs.summary.result_notices``: the terminal, ``summary.json``, the map
and the report all say the same). A code with several forms is looked up as
``code/form`` (``params["form"]``). In templates, ``{x:int}`` writes a French integer
(``12 345``), ``{x:date}`` a French date (``30/06/2023``), ``{x:pct}`` a percentage with two
decimals, ``{x:type}`` the label of a structure type.
"""

from __future__ import annotations

import string
from dataclasses import replace

from ..core.notices import Notice
from ..core.vocabulary import STRUCTURE_TYPES
from .text import fmt_decimal, fmt_int

NOTICES = {
    # the road network of a run
    "loin_des_routes/communes": "{count} commune(s) à plus de {distance_m:g} m de toute route du réseau : "
                                "raccordé(s) à la plus proche, trajet à pied ou hors réseau compté",
    "loin_des_routes/sites": "{count} lieu(x) à plus de {distance_m:g} m de toute route du réseau : "
                             "raccordé(s) à la plus proche, trajet à pied ou hors réseau compté",
    "bac_sans_duree": "{count} liaison(s) par bac sans durée renseignée (tag duration) : traversée comptée à "
                      "{speed_kmh:g} km/h",
    "cache_reconstruit": "réseau routier en cache illisible ({damage}) : reconstruit depuis ses fichiers",
    "restrictions_non_appliquees": "{count} interdiction(s) de tourner non appliquée(s)",
    "iles_sans_lien/proxy": "{count} commune(s) sur une île que ni pont ni chenal étroit ne relie au reste du "
                            "réseau approché (les bacs n'y sont pas) : elles n'atteignent que les lieux de "
                            "leur île",
    "iles_sans_lien/routes": "{count} commune(s) sur une partie du réseau routier qu'aucune route ni bac ne "
                             "relie au reste : elles n'atteignent que les lieux de cette partie",
    # scenario rules
    "regle_sans_effet/date": "la règle « contrats échus avant le {day:date} » n'arrête aucun poste ({unknown} "
                             "poste(s) sans date de fin connue ni estimable, {renewed} renouvelé(s) : donner un "
                             "tableau des contrats avec --contrats)",
    "regle_sans_effet/type": "aucun poste d'un employeur du département de type « {structure_type:type} » : "
                             "cette règle n'arrête aucun poste",
    "fin_de_contrat_estimee/scenario": "{count} des {ended} poste(s) arrêtés au {day:date} le sont sur une fin de "
                                       "contrat estimée (début + durée de contrat), faute de date connue",
    "fin_de_contrat_inconnue/scenario": "{count} poste(s) sans date de fin connue ni estimable continuent "
                                        "au-delà du {day:date}",
    # the contract calendar
    "fin_de_contrat_estimee/timeline": "{count} poste(s) sur {posts} : fin de contrat estimée (début + durée de "
                                       "contrat), faute de date connue",
    "fin_de_contrat_inconnue/timeline": "{count} poste(s) sans date de fin connue ni estimable : comptés au "
                                        "travail tout le calendrier",
    "contrat_renouvele": "{count} poste(s) renouvelé(s) : comptés au travail après la fin de leur contrat",
    # Monte Carlo renewals
    "tolerance_non_atteinte": "après {draws:int} tirages, erreur type de {se:int} habitants (tolérance "
                              "{tolerance:int}) et de {p_se:pct} points par commune (tolérance {p_tolerance:g}) : "
                              "chiffres moins précis que demandé",
}


class _French(string.Formatter):
    def format_field(self, value, format_spec: str) -> str:
        if format_spec == "int":
            return fmt_int(round(value))
        if format_spec == "date":
            return f"{value:%d/%m/%Y}"
        if format_spec == "type":
            return STRUCTURE_TYPES[value]
        if format_spec == "pct":
            return fmt_decimal(value * 100, 2)
        return super().format_field(value, format_spec)


_FORMATTER = _French()


def notice_text(notice: Notice) -> str:
    """The French message of a code-only notice (module doc)."""
    params = dict(notice.params)
    form = params.pop("form", None)
    template = NOTICES[f"{notice.code}/{form}" if form else notice.code]
    return _FORMATTER.format(template, count=notice.count, **params)


def rendered(notice: Notice) -> Notice:
    """``notice`` with its message (already there for the loaders' notices)."""
    return notice if notice.message else replace(notice, message=notice_text(notice))
