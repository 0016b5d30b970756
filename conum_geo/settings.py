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
    """

    threshold_min: float = 20.0
    off_network_speed_kmh: float = 20.0
    kinds: tuple[str, ...] = ("conum",)

    def __post_init__(self):
        if not self.threshold_min > 0:
            raise ConumGeoError(f"threshold_min must be > 0 minutes, got {self.threshold_min}")
        if not self.off_network_speed_kmh > 0:
            raise ConumGeoError(
                f"off_network_speed_kmh must be > 0, got {self.off_network_speed_kmh}"
            )
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
