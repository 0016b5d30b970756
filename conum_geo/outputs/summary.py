"""What every deliverable says besides its figures: the caveat, the warnings, the JSON summary.

``full_summary(result)`` is the JSON of ``--json`` and of ``summary.json``: the result's own
``summary()`` plus the provenance caveat (illustrative sites, approximate roads) and every
warning of the run (``notices``), so the terminal, the file and the map say the same.
"""

from __future__ import annotations

from ..analysis.gaps import GapsResult
from ..core.notices import Notice, merged
from .messages import rendered
from .reasons import ended_posts
from .text import provenance_warning


def result_notices(result) -> list[Notice]:
    """The warnings of a result: its territory's, then its own (``notices``), each once, each
    with its French message (``outputs.messages``)."""
    territory = getattr(result, "territory", None)
    notices = [*getattr(territory, "warnings", ()), *getattr(result, "notices", ())]
    return merged([rendered(n) for n in notices])


def caveat(result) -> str:
    """The French provenance caveat of a result ('' when none applies)."""
    return provenance_warning(result.network, result.territory.illustrative)


def caveat_lines(result) -> list[str]:
    """``["Attention : …"]`` when a caveat applies, else ``[]``."""
    text = caveat(result)
    return [f"Attention : {text}"] if text else []


def warning_lines(result, limit: int = 10) -> list[str]:
    """The warnings as French terminal lines (the first ``limit``, then how many more)."""
    notices = result_notices(result)
    if not notices:
        return []
    lines = [f"Avertissements ({len(notices)}) :"]
    lines += [f"  - {n.text()}" for n in notices[:limit]]
    if len(notices) > limit:
        lines.append(f"  … et {len(notices) - limit} autres (voir summary.json ou --json)")
    return lines


def full_summary(result, **extra) -> dict:
    """``result.summary()`` with its caveat, its warnings and ``extra`` (module doc); the posts
    a gaps result ends, with their reasons in French."""
    summary = result.summary()
    if isinstance(result, GapsResult):
        summary["ended"] = ended_posts(result)[["post_id", "employeur", "reason"]].to_dict("records")
    return summary | extra | {
        "caveat": caveat(result), "warnings": [n.as_dict() for n in result_notices(result)]}
