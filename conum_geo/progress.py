"""One progress helper: tqdm bars on stderr for long work, silent when not wanted.

Bars show only when stderr is a terminal and the ``conum_geo`` logger lets INFO through (the
CLI's ``-q`` silences them); library code calls ``progress(...)`` and never prints.
"""

from __future__ import annotations

import logging
import sys


def progress_enabled() -> bool:
    return sys.stderr.isatty() and logging.getLogger("conum_geo").isEnabledFor(logging.WARNING)


def progress(iterable=None, *, total=None, desc: str = "", unit: str = "it"):
    """Wrap ``iterable`` (or make a manual bar with ``total``) in a tqdm bar when enabled."""
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=unit, file=sys.stderr,
                disable=not progress_enabled(), leave=False)
