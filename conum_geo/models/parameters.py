"""The assumptions of the deployment models, as one frozen value (light: the CLI reads its
defaults without loading the libraries)."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import ParameterError
from ..core.messages import says
from ..core.settings import check_finite
from ..core.vocabulary import POST_HOURS_WEEK


@dataclass(frozen=True)
class ModelAssumptions:
    """Parameters of the deployment models (``models.deployment`` says how they are used).

    Attributes
    ----------
    hours_week
        Weekly hours of a post whose hours are unknown, and of a new post.
    field_share
        Share of a post's hours spent with the public or driving to it (the rest: preparation,
        training, administration).
    session_h
        Length of one presence (a half-day permanence).
    centres_per_post
        Multi-centralité: stable places per post, its base included.
    radius_min
        Rayonnement: a post's territory is the communes within this drive of its base
        (None: its base's intercommunality).
    """

    hours_week: float = POST_HOURS_WEEK
    field_share: float = 0.8
    session_h: float = 3.5
    centres_per_post: int = 3
    radius_min: float | None = None

    def __post_init__(self):
        check_finite("hours_week", self.hours_week, minimum=0, strict=True, maximum=7 * 24)
        check_finite("field_share", self.field_share, minimum=0, strict=True, maximum=1)
        check_finite("session_h", self.session_h, minimum=0, strict=True, maximum=24)
        if isinstance(self.centres_per_post, bool) or not isinstance(self.centres_per_post, int) \
                or self.centres_per_post < 1:
            raise ParameterError(says("centres_per_post", value=self.centres_per_post))
        if self.radius_min is not None:
            check_finite("radius_min", self.radius_min, minimum=0, strict=True)
