"""The deployment models, one module each, and the one table that registers them.

A model says where a post's sessions happen (its ``stops``: the base, stable centres, every
commune of its share of the territory) and whether its presences away from the base move
(``roving``: they are itinerant). Everything else — the visit rule, driving, presence hours —
is common to all (``models.deployment``). Adding a model is one module here defining a
``DeploymentModel`` and one line in ``REGISTRY``; its key must also be in
``core.vocabulary.MODELS`` (its French label). An unknown model is an error, never a default.
"""

from __future__ import annotations

from ...core.errors import ParameterError
from ...core.messages import says
from ...core.vocabulary import MODELS
from . import centralite, multi_centralite, rayonnement
from .model import DeploymentModel

#: Every deployment model, by key (``core.vocabulary.MODELS``).
REGISTRY: dict[str, DeploymentModel] = {m.name: m for m in (
    centralite.MODEL,
    multi_centralite.MODEL,
    rayonnement.MODEL,
)}


def deployment_model(name: str) -> DeploymentModel:
    """The registered model ``name`` (``ParameterError`` for an unknown one)."""
    if name not in REGISTRY:
        raise ParameterError(says("model_unknown", model=name, known=sorted(MODELS)))
    return REGISTRY[name]


__all__ = ["REGISTRY", "DeploymentModel", "deployment_model"]
