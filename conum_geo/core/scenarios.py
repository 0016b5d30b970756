"""Scenarios as data: posts that end, posts added or moved, and the settings they use.

A scenario is a TOML file or the same as a ``Scenario`` object::

    name = "Le Département ne renouvelle pas ses postes"
    description = "..."
    threshold_min = 20            # optional; command-line flags win
    kinds = ["conum"]             # optional: site kinds that count for coverage

    [ends]                        # posts that end, by any of:
    post_ids = ["dep-58-p01"]
    structure_ids = ["dep-58"]
    structure_types = ["departement", "association"]
    contracts_ending_before = 2024-01-01   # posts whose contract ended before this date and
                                  # is not known to be renewed (data.calendar: known or estimated)
    include_neighbours = false    # structure types apply to the département's own employers
                                  # only (the Cher's Département is not the Nièvre's); dates
                                  # apply to every post

    [[add]]                       # a new post, at an existing Conum site (site_id) or at a
    post_id = "nouveau-1"         # new site at a commune's origin point (code_insee)
    code_insee = "58086"
    presence_h = 20               # weekly presence hours it brings there
    fte = 1.0                     # optional, default 1

    [[move]]                      # an existing post moves; its presence hours follow it
    post_id = "dep-58-p03"
    site_id = "conum-58079"
    presence_h = 10               # optional: default, the hours it held at its sites

What a scenario does to a territory is computed in ``analysis.scenarios``; how sites follow
posts in ``analysis.supply``. An empty scenario changes nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace

from .errors import ScenarioError
from .settings import Settings
from .vocabulary import SITE_KINDS, STRUCTURE_TYPES

#: Site ids of the new sites a scenario opens at a commune's origin point (+ its code).
NEW_SITE_PREFIX = "scenario-"


@dataclass(frozen=True)
class AddedPost:
    """A new post at an existing Conum site (``site_id``) or a new site (``code_insee``).

    Attributes
    ----------
    post_id
        The new post's identifier (unique in the scenario).
    presence_h
        Its weekly hours with the public at the site (required: a number of hours).
    site_id, code_insee
        Where it works: an existing site, or a new site at this commune's town hall (one of the two).
    fte
        Its full-time equivalent (costs).
    """

    post_id: str
    presence_h: float | None
    site_id: str | None = None
    code_insee: str | None = None
    fte: float = 1.0


@dataclass(frozen=True)
class MovedPost:
    """An existing post that now works at one site; ``presence_h`` None keeps its hours.

    Attributes
    ----------
    post_id
        The existing post that moves.
    site_id, code_insee
        Where it now works: an existing site, or a new site at this commune's town hall.
    presence_h
        Its weekly hours there (None: those it had).
    """

    post_id: str
    site_id: str | None = None
    code_insee: str | None = None
    presence_h: float | None = None


@dataclass(frozen=True)
class Scenario:
    """Posts that end, are added or move; optional threshold and kinds.

    ``source`` is the file the scenario was read from (named in error messages).

    Attributes
    ----------
    name, description
        What the scenario is called and says (shown in every output).
    end_post_ids, end_structure_ids, end_structure_types
        The posts that end: by post, by employer, by employer type (``STRUCTURE_TYPES``).
    contracts_ending_before
        Posts whose contract ends before this date end too (the contract calendar).
    include_neighbours
        The type rules also end the posts of neighbouring départements' employers (kept because
        people cross borders; by default they do not end).
    added_posts, moved_posts
        New posts, and existing posts that change site.
    threshold_min, kinds
        The scenario's own coverage threshold (minutes) and site kinds (None: the settings').
    source
        The file it was read from (named in error messages), None when built in Python.
    """

    name: str = "Situation actuelle"
    description: str = ""
    end_post_ids: tuple[str, ...] = ()
    end_structure_ids: tuple[str, ...] = ()
    end_structure_types: tuple[str, ...] = ()
    contracts_ending_before: dt.date | None = None
    include_neighbours: bool = False
    added_posts: tuple[AddedPost, ...] = ()
    moved_posts: tuple[MovedPost, ...] = ()
    threshold_min: float | None = None
    kinds: tuple[str, ...] | None = None
    source: str | None = None

    def __post_init__(self):
        unknown = [t for t in self.end_structure_types if t not in STRUCTURE_TYPES]
        if unknown:
            raise ScenarioError(
                f"type(s) de structure inconnu(s) {unknown} ; attendu parmi {sorted(STRUCTURE_TYPES)}",
                path=self.source, field="ends.structure_types",
            )
        unknown = [k for k in self.kinds or () if k not in SITE_KINDS]
        if unknown or self.kinds == ():
            raise ScenarioError(f"type(s) de lieu inconnu(s) ou absent(s) {unknown} ; attendu parmi "
                                f"{sorted(SITE_KINDS)}", path=self.source, field="kinds")
        if self.threshold_min is not None and not (math.isfinite(self.threshold_min) and self.threshold_min > 0):
            raise ScenarioError(f"nombre fini de minutes > 0 attendu, reçu {self.threshold_min}",
                                path=self.source, field="threshold_min")

    def settings(self, base: Settings | None = None) -> Settings:
        """``base`` (default ``Settings()``) with the scenario's threshold and kinds, when set."""
        base = Settings() if base is None else base
        return base.with_overrides(threshold_min=self.threshold_min, kinds=self.kinds)


def dated(scenario: Scenario | None, on: dt.date) -> Scenario:
    """``scenario`` (None: no other change) in which the contracts ended by ``on`` end too.

    Parameters
    ----------
    scenario
        The scenario to extend (None: no other change).
    on
        The day: contracts ended by then end.

    Returns
    -------
    Scenario
    """
    label = f"Contrats échus au {on:%d/%m/%Y}"
    if scenario is None:
        return Scenario(name=label, description=f"Postes dont le contrat est échu avant le {on:%d/%m/%Y} "
                        "et non renouvelé.", contracts_ending_before=on)
    return replace(scenario, name=f"{scenario.name} ; {label.lower()}", contracts_ending_before=on)


#: The demo's default: the Département's posts are not renewed (territory A of the research).
DEFAULT_SCENARIO = Scenario(
    name="Le Département ne renouvelle pas ses postes",
    description="Tous les postes dont l'employeur est le Département prennent fin.",
    end_structure_types=("departement",),
)
