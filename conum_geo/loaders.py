"""Where a territory comes from: the embedded demo, or registers a user passes."""

from __future__ import annotations

from .demo import load_demo
from .departements import normalise_dept
from .tables import Territory


def load_territory(dept: str) -> Territory:
    """The territory of ``dept``: the embedded demo (registers come with ``--data-dir``)."""
    return load_demo(normalise_dept(dept))
