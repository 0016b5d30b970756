"""Explicit analysis settings, passed as one frozen value (built at the CLI edge)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from .errors import ConumGeoError


@dataclass(frozen=True)
class Settings:
    """Parameters every analysis agrees on.

    Attributes
    ----------
    threshold_min
        A commune is covered when a presence of the chosen kinds is within this travel time.
    off_network_speed_kmh
        Speed of the straight leg between a point and its snapped network node.
    kinds
        Site kinds that count for coverage (see ``conum_geo.tables.SITE_KINDS``).
    margin_min
        Gaps: a commune is flagged when its time to the nearest presence rises by more.
    ratio_drop_share
        Gaps: a commune is flagged when its accessibility ratio falls by more than this share
        (0.5 = halved); ``None`` switches the rule off.
    supply
        What a site offers in the accessibility ratio: ``"presence_h"`` or ``"fte"``
        (``conum_geo.coverage.SUPPLY_MEASURES``).
    fragility_weighting
        Weight each commune's demand by its digital-fragility index in the ratio.
    """

    threshold_min: float = 20.0
    off_network_speed_kmh: float = 20.0
    kinds: tuple[str, ...] = ("conum",)
    margin_min: float = 10.0
    ratio_drop_share: float | None = None
    supply: str = "presence_h"
    fragility_weighting: bool = False

    def __post_init__(self):
        if not self.threshold_min > 0:
            raise ConumGeoError(f"threshold_min must be > 0 minutes, got {self.threshold_min}")
        if not self.off_network_speed_kmh > 0:
            raise ConumGeoError(
                f"off_network_speed_kmh must be > 0, got {self.off_network_speed_kmh}"
            )
        if not self.margin_min >= 0:
            raise ConumGeoError(f"margin_min must be >= 0 minutes, got {self.margin_min}")
        if self.ratio_drop_share is not None and not 0 < self.ratio_drop_share <= 1:
            raise ConumGeoError(f"ratio_drop_share must be in ]0, 1], got {self.ratio_drop_share}")
        from .analysis.coverage import SUPPLY_MEASURES

        if self.supply not in SUPPLY_MEASURES:
            raise ConumGeoError(f"supply must be one of {sorted(SUPPLY_MEASURES)}, got {self.supply!r}")
        from .tables import SITE_KINDS

        unknown = [k for k in self.kinds if k not in SITE_KINDS]
        if unknown or not self.kinds:
            raise ConumGeoError(
                f"kinds must be a non-empty subset of {sorted(SITE_KINDS)}, got {list(self.kinds)}"
            )

    def with_overrides(self, **overrides) -> "Settings":
        """A copy with the given non-None fields replaced (flags > file > defaults)."""
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ConumGeoError(f"unknown setting(s): {sorted(unknown)}")
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})
