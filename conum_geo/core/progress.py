"""One progress helper: a bar on a terminal, plain lines everywhere else.

On a terminal (stderr is a TTY), long work draws tqdm bars on stderr. Anywhere else (a pipe, a
log file, a batch job, a cluster's logs) it writes lines through the ``conum_geo.core.progress``
logger: one at most every ``LINE_EVERY_S`` seconds (or one per item for coarse items), and one
when the work ends if it lasted that long, e.g.
``départements : 12/101 (12 %) en 1 min 05 s, reste ≈ 8 min``; short work writes nothing. The CLI shows that logger
unless ``-q``; library users see the lines when they configure logging. Library code calls
``progress(...)`` and never prints.
"""

from __future__ import annotations

import logging
import sys
import time

#: The steps of the computations that show progress: their French name and unit (computations
#: name a step, they write no French).
STEPS = {
    "travel_times": ("temps de trajet", "recherche"),
    "draws": ("tirages", "tirage"),
    "isochrones": ("isochrones", "site"),
    "models": ("modèles", "modèle"),
    "states": ("couverture", "état"),
    "departements": ("départements", "dépt"),
}
#: Seconds between two progress lines (when stderr is not a terminal).
LINE_EVERY_S = 10.0
LOGGER = "conum_geo.core.progress"
log = logging.getLogger(LOGGER)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class LineProgress:
    """The tqdm calls the library makes (``update``, ``close``, iteration, ``with``), as log
    lines (module doc)."""

    def __init__(self, iterable=None, *, total=None, desc: str = "", unit: str = "it",
                 every_s: float = LINE_EVERY_S):
        self.iterable = iterable
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)
        self.total, self.desc, self.unit, self.every_s = total, desc, unit, every_s
        self.n = 0
        self.started = self.last = time.monotonic()
        self.closed = False

    def __iter__(self):
        for item in self.iterable:
            yield item
            self.update(1)
        self.close()

    def _line(self, now: float) -> str:
        elapsed = now - self.started
        if not self.total:
            return f"{self.desc} : {self.n} {self.unit} en {_duration(elapsed)}"
        text = f"{self.desc} : {self.n}/{self.total} ({100 * self.n / self.total:.0f} %) en {_duration(elapsed)}"
        if 0 < self.n < self.total:
            text += f", reste ≈ {_duration(elapsed * (self.total - self.n) / self.n)}"
        return text

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        if now - self.last >= self.every_s:
            self.last = now
            log.info("%s", self._line(now))

    def close(self) -> None:
        """The last line, for work that lasted long enough to have lines at all."""
        now = time.monotonic()
        if not self.closed and (self.last > self.started or now - self.started >= self.every_s):
            log.info("%s", self._line(now))
        self.closed = True

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def progress(iterable=None, *, total=None, desc: str = "", unit: str = "it", step: str | None = None,
             line_every_s: float = LINE_EVERY_S):
    """Wrap ``iterable`` (or make a manual bar with ``total``): a tqdm bar on a terminal, else
    log lines (module doc) at most every ``line_every_s`` (0: one per item, for coarse items
    such as départements); nothing at all under ``-q``. ``step`` (a key of ``STEPS``) gives
    the description and the unit."""
    if step is not None:
        desc, unit = STEPS[step]
    quiet = not logging.getLogger("conum_geo").isEnabledFor(logging.WARNING)
    if sys.stderr.isatty() or quiet:
        from tqdm.auto import tqdm

        return tqdm(iterable, total=total, desc=desc, unit=unit, file=sys.stderr, disable=quiet, leave=False)
    return LineProgress(iterable, total=total, desc=desc, unit=unit, every_s=line_every_s)
