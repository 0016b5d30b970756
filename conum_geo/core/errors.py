"""One error hierarchy; the CLI turns any of these into a one-line message and exit code 2.

Messages are in French (they reach the user as they are). ``ConumGeoError`` is the base
class to catch; it is never raised itself: every error says what kind of problem it is. Each
error is also the standard exception of its kind (``ValueError`` for a bad file, row, field
or argument, ``OSError`` for data that cannot be had or a folder that cannot be written,
``RuntimeError`` for a solver), so code that knows nothing of conum-geo catches it too.
"""

from __future__ import annotations


class ConumGeoError(Exception):
    """Base class of every error conum-geo raises on purpose (never raised itself)."""


class InputError(ConumGeoError, ValueError):
    """A file, row or field does not hold what was expected.

    The message names the file, and the row and field when known, then what was expected.
    """

    def __init__(self, message: str, *, path=None, row: int | None = None, field: str | None = None):
        self.path = str(path) if path is not None else None
        self.row = row
        self.field = field
        self.reason = message
        where = []
        if self.path:
            where.append(self.path)
        if row is not None:
            where.append(f"ligne {row}")
        if field:
            where.append(f"champ « {field} »")
        super().__init__(f"{', '.join(where)} : {message}" if where else message)


class ParameterError(ConumGeoError, ValueError):
    """An argument or option value is out of its domain (a threshold ≤ 0, an unknown model…)."""


class UnknownDepartementError(ParameterError):
    """The département code is not a French département, or has no data here."""


class ScenarioError(InputError):
    """A scenario file or object is malformed or names things that do not exist."""


class DataUnavailableError(ConumGeoError, OSError):
    """Data needed for the run cannot be found locally or downloaded."""


class NetworkError(ConumGeoError, ValueError):
    """A road network cannot be built from the given input."""


class OutputError(ConumGeoError, OSError):
    """The output folder cannot be written (full disk, read-only file system, permissions);
    nothing of the run is published and the previous set is kept."""


class SolverError(ConumGeoError, RuntimeError):
    """An optimisation solver failed or found no solution."""


class StrictError(ConumGeoError):
    """``--strict``: the run recorded warnings, and the user asked for them to be errors."""
