"""Explicit analysis settings, passed as one frozen value (built at the CLI edge)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from .errors import ParameterError
from .vocabulary import SITE_KINDS, SUPPLY_MEASURES


def check_finite(name: str, value, *, minimum: float | None = None, strict: bool = False,
                 maximum: float | None = None) -> float:
    """``value`` as a float, or ``ParameterError`` when it is not a finite number in range.

    ``minimum`` is excluded when ``strict``; ``maximum`` is included.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ParameterError(f"{name} : nombre fini attendu, reçu {value!r}")
    if minimum is not None and (value <= minimum if strict else value < minimum):
        raise ParameterError(f"{name} : attendu {'>' if strict else '≥'} {minimum:g}, reçu {value:g}")
    if maximum is not None and value > maximum:
        raise ParameterError(f"{name} : attendu ≤ {maximum:g}, reçu {value:g}")
    return float(value)


@dataclass(frozen=True)
class Settings:
    """Parameters every analysis agrees on.

    Attributes
    ----------
    threshold_min
        A commune is covered when a presence of the chosen kinds is within this travel time.
    off_network_speed_kmh
        Speed of the straight leg between a point and the network.
    kinds
        Site kinds that count for coverage (see ``conum_geo.core.vocabulary.SITE_KINDS``).
    margin_min
        Gaps: a commune is flagged when its time to the nearest presence rises by more.
    ratio_drop_share
        Gaps: a commune is flagged when its accessibility ratio falls by more than this share
        (0.5 = halved); ``None`` switches the rule off.
    supply
        What a site offers in the accessibility ratio: ``"presence_h"`` or ``"fte"``
        (``conum_geo.core.vocabulary.SUPPLY_MEASURES``).
    fragility_weighting
        Weight each commune's demand by its digital-fragility index in the ratio.
    min_presence_h
        Weekly hours a presence must offer to be a *permanence régulière* (a commune is covered
        when one lies within the threshold); below, it is a *passage ponctuel*. Default 3.5 h, a
        half-day every week (DESIGN.md: a visit "un mercredi matin sur 2" was judged
        insufficient, a weekly fixed permanence is the norm).
    max_weeks_between_visits
        When set (N), a presence visited at least every N weeks is regular too, whatever its
        hours (deployment models' stops; register sites open every week).
    """

    threshold_min: float = 20.0
    off_network_speed_kmh: float = 20.0
    kinds: tuple[str, ...] = ("conum",)
    margin_min: float = 10.0
    ratio_drop_share: float | None = None
    supply: str = "presence_h"
    fragility_weighting: bool = False
    min_presence_h: float = 3.5
    max_weeks_between_visits: float | None = None

    def __post_init__(self):
        check_finite("threshold_min", self.threshold_min, minimum=0, strict=True)
        check_finite("off_network_speed_kmh", self.off_network_speed_kmh, minimum=0, strict=True)
        check_finite("margin_min", self.margin_min, minimum=0)
        check_finite("min_presence_h", self.min_presence_h, minimum=0, strict=True, maximum=7 * 24)
        if self.max_weeks_between_visits is not None:
            check_finite("max_weeks_between_visits", self.max_weeks_between_visits, minimum=0, strict=True,
                         maximum=52)
        if self.ratio_drop_share is not None:
            check_finite("ratio_drop_share", self.ratio_drop_share, minimum=0, strict=True, maximum=1)
        if self.supply not in SUPPLY_MEASURES:
            raise ParameterError(f"supply : attendu l'un de {sorted(SUPPLY_MEASURES)}, reçu {self.supply!r}")
        unknown = [k for k in self.kinds if k not in SITE_KINDS]
        if unknown or not self.kinds:
            raise ParameterError(f"kinds : attendu une partie non vide de {sorted(SITE_KINDS)}, "
                                 f"reçu {list(self.kinds)}")

    def with_overrides(self, **overrides) -> Settings:
        """A copy with the given non-None fields replaced (flags > file > defaults)."""
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ParameterError(f"réglage(s) inconnu(s) : {sorted(unknown)}")
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})
