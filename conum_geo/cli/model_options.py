"""Options of the deployment-model commands (``compare``, ``redeploy``), defined once.

Keys are ``models.ModelAssumptions`` fields; ``assumptions_from`` builds the value from them.
"""

from __future__ import annotations

from dataclasses import fields

import click

from ..models.parameters import ModelAssumptions
from .options import apply_options

_DEFAULTS = ModelAssumptions()

#: Assumptions of a post, shared by ``compare`` and ``redeploy``.
POST_OPTIONS = {
    "hours_week": click.option(
        "--hours", "hours_week", type=click.FloatRange(min=0, min_open=True), default=None,
        help=f"Heures hebdomadaires d'un poste sans horaires connus ou nouveau (défaut {_DEFAULTS.hours_week:g})."),
    "field_share": click.option(
        "--field-share", type=click.FloatRange(0, 1, min_open=True), default=None,
        help=f"Part du temps d'un poste pour la présence au public et ses trajets "
             f"(défaut {_DEFAULTS.field_share:g})."),
}
#: Assumptions of the visit rule, for ``compare``.
VISIT_OPTIONS = {
    "session_h": click.option(
        "--session-h", type=click.FloatRange(min=0, min_open=True), default=None,
        help=f"Durée d'une permanence en heures (défaut {_DEFAULTS.session_h:g})."),
    "centres_per_post": click.option(
        "--centres", "centres_per_post", type=click.IntRange(min=1), default=None,
        help=f"Multi-centralité : lieux stables par poste, base comprise (défaut {_DEFAULTS.centres_per_post})."),
    "radius_min": click.option(
        "--radius", "radius_min", type=click.FloatRange(min=0, min_open=True), default=None,
        help="Rayonnement : territoire = communes à moins de R minutes de la base "
             "(défaut : l'intercommunalité de la base)."),
}


post_options = apply_options(POST_OPTIONS)
visit_options = apply_options(VISIT_OPTIONS)


def assumptions_from(options: dict) -> tuple[ModelAssumptions, dict]:
    """``ModelAssumptions`` from the given option values, and the remaining options."""
    names = {f.name for f in fields(ModelAssumptions)}
    chosen = {k: v for k, v in options.items() if k in names and v is not None}
    rest = {k: v for k, v in options.items() if k not in names}
    return ModelAssumptions(**chosen), rest
