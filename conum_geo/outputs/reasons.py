"""Why, in French: a flagged commune's reasons and an ended post's reason, from their codes.

The analyses say why with codes and values (``analysis.gaps.REASON_CODES`` per commune with its
times and ratios; ``analysis.scenarios.END_REASONS`` per post with its employer and contract);
these functions write the sentences every deliverable shows: the ``reason`` columns of
``communes.csv`` and ``posts_ended.csv``, the map, the terminal, ``summary.json`` and the report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis.gaps import ENDED_COLUMNS, REASON_CODES, GapsResult
from ..core.vocabulary import STRUCTURE_TYPES

#: The posts that end as ``posts_ended.csv`` lists them.
ENDED_FILE_COLUMNS = [c for c in ENDED_COLUMNS if c != "reason_code"] + ["reason"]


def commune_reasons(result: GapsResult) -> pd.Series:
    """The French reasons of each commune of ``result`` ('' for the communes not flagged)."""
    c, settings = result.communes, result.settings
    delta = c["scenario_min"] - c["baseline_min"]
    ratio_drop = (1 - c["ratio_after"] / c["ratio_before"].where(c["ratio_before"] > 0)) * 100
    texts = {
        "lost_cover": np.select(
            [c["scenario_min"].isna(), c["presence_level_after"] == "ponctuelle"],
            ["plus aucune présence accessible",
             f"seulement un passage ponctuel à moins de {settings.threshold_min:g} min"],
            f"plus de permanence régulière à moins de {settings.threshold_min:g} min"),
        "time_up": np.where(delta.notna(), "temps d'accès +" + delta.round().map("{:.0f}".format)
                            + f" min (marge {settings.margin_min:g} min)", "présence devenue inaccessible"),
        "ratio_down": "ratio d'accessibilité −" + ratio_drop.round().map("{:.0f}".format) + " %",
    }
    codes = c["reason_code"].str.split("+")
    text = np.column_stack([np.broadcast_to(np.asarray(texts[n], dtype=object), len(c)) for n in REASON_CODES])
    on = np.column_stack([codes.map(lambda found, n=n: n in found).to_numpy(dtype=bool) for n in REASON_CODES])
    return pd.Series([" ; ".join(row[o]) for row, o in zip(text, on)], index=c.index, dtype=object)


def with_reasons(result: GapsResult) -> pd.DataFrame:
    """``result.communes`` with their French ``reason``, beside ``reason_code``."""
    communes = result.communes.copy()
    communes.insert(communes.columns.get_loc("reason_code"), "reason", commune_reasons(result))
    return communes


def _end_reason(row) -> str:
    code = row["reason_code"]
    if code == "date":
        return f"contrat échu le {row['end_date']} (fin {row['end_date_source']})"
    if code == "type":
        return f"employeur de type « {STRUCTURE_TYPES[row['structure_type']]} »"
    if code == "employer":
        return f"employeur arrêté par le scénario ({row['employeur'] if pd.notna(row['employeur']) else row['structure_id']})"
    return "poste arrêté par le scénario"


def ended_posts(result: GapsResult) -> pd.DataFrame:
    """The posts that end, each with its French ``reason`` (``ENDED_FILE_COLUMNS``)."""
    ended = result.ended.copy()
    ended["reason"] = [_end_reason(row) for _, row in ended.iterrows()] if len(ended) else []
    return ended[ENDED_FILE_COLUMNS]
