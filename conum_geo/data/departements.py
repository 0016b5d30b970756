"""French département codes and their validation."""

from __future__ import annotations

from ..errors import UnknownDepartementError

#: Every département code of the COG: 01–95 (20 became 2A/2B), and the five overseas ones.
DEPARTEMENT_CODES = frozenset(
    [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B", "971", "972", "973", "974", "976"]
)


def normalise_dept(code: str | int) -> str:
    """Return the COG code of a département (``58``, ``'2a'`` → ``'2A'``, ``1`` → ``'01'``).

    Raises ``UnknownDepartementError`` for anything that is not a département code.
    """
    text = str(code).strip().upper()
    if text.isdigit() and len(text) == 1:
        text = f"0{text}"
    if text not in DEPARTEMENT_CODES:
        raise UnknownDepartementError(
            f"unknown département {code!r}: expected a COG code such as 01, 2A, 58 or 974"
        )
    return text
