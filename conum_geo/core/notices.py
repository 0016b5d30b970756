"""Warnings the user must see: one structure, collected while loading and analysing.

Every file skipped, row dropped, value filled in or commune left out becomes a ``Notice``
(a stable ``code``, a French ``message``, how many things it concerns and a few examples).
Loaders and analyses append notices to the territory or result they build; every command
prints them on the terminal, writes them to ``summary.json`` (``warnings``) and shows them on
the map; ``--strict`` turns them into an error. Library code never prints: notices are also
logged at WARNING level when they are recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

#: Examples kept per notice.
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class Notice:
    """One warning: what happened (``code``, French ``message``), to how many, e.g. which.

    Computations (``analysis``, ``models``) write no French: their notices carry a ``code`` and
    its ``params`` only, and ``outputs.messages`` writes their ``message`` before anyone reads
    it; loaders at the boundary write theirs directly.
    """

    code: str
    message: str = ""
    count: int = 1
    examples: tuple[str, ...] = ()
    params: dict = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict:
        """JSON-ready form (``summary.json``'s ``warnings``)."""
        return {"code": self.code, "message": self.message, "count": int(self.count),
                "examples": list(self.examples)}

    def text(self) -> str:
        """One French line: the message, then the examples."""
        if not self.examples:
            return self.message
        more = "…" if self.count > len(self.examples) else ""
        return f"{self.message} (ex. {', '.join(self.examples)}{more})"


@dataclass
class Notices:
    """An ordered collection of notices (what loaders and analyses append to)."""

    items: list[Notice] = field(default_factory=list)

    def add(self, code: str, message: str = "", *, count: int = 1, examples: Iterable = (),
            **params) -> Notice:
        """Record (and log) a notice; returns it. ``params`` are what a code-only notice's
        message says (class doc)."""
        shown = tuple(str(e) for e in list(examples)[:MAX_EXAMPLES])
        notice = Notice(code=code, message=message, count=int(count), examples=shown, params=params)
        self.items.append(notice)
        log.info("%s", notice.text() if message else f"{code} {params}")
        return notice

    def extend(self, notices: Iterable[Notice]) -> None:
        self.items.extend(notices)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def merged(*groups: Sequence[Notice]) -> list[Notice]:
    """Notices of several sources, each once (same code and message), in order."""
    seen, out = set(), []
    for group in groups:
        for notice in group:
            key = (notice.code, notice.message)
            if key not in seen:
                seen.add(key)
                out.append(notice)
    return out
