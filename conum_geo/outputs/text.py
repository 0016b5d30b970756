"""French text and numbers: the one place outputs format figures for people.

Thousands are separated by a narrow no-break space, decimals by a comma (``12 345``,
``20,4 min``); a missing value is ``—``.
"""

from __future__ import annotations

import re

import pandas as pd

from ..data.registers.io import normalised_name

MISSING = "—"


def fmt_int(value: int) -> str:
    """An integer with French thousands separators (narrow no-break spaces)."""
    return f"{value:,}".replace(",", "\u202f")


def fmt_decimal(value: float | None, digits: int = 1, missing: str = MISSING) -> str:
    """``value`` with ``digits`` decimals and a decimal comma; ``missing`` for NaN or None."""
    if pd.isna(value):
        return missing
    return f"{value:.{digits}f}".replace(".", ",")


def fmt_min(value: float) -> str:
    """Minutes with one decimal (``20,4 min``: a 20-min threshold stays readable); '—' when NaN."""
    text = fmt_decimal(value)
    return text if text == "—" else f"{text} min"


def fmt_eur(value: float) -> str:
    """Euros rounded to the euro (``41 000 €``); '—' when NaN."""
    return MISSING if pd.isna(value) else f"{fmt_int(round(value))} €"


def fmt_hours(value: float) -> str:
    """Weekly hours of a site in French (``17,5 h/semaine``), or 'horaires inconnus'."""
    if pd.isna(value):
        return "horaires inconnus"
    return f"{value:.4g}".replace(".", ",") + " h/semaine"


def provenance_warning(network: str, illustrative: bool) -> str:
    """The French caveat every output of an approximate run carries ('' when none applies)."""
    parts = []
    if illustrative:
        parts.append("Sites et postes illustratifs")
    if network == "proxy":
        parts.append("routes approximatives (réseau proxy entre communes contiguës)")
    return " — ".join(parts).capitalize() + "." if parts else ""


def site_labels(sites: pd.DataFrame, territory) -> pd.Series:
    """Name of each site with its commune, indexed by ``site_id``: 'Mairie (Varzy)'.

    A name that already holds its commune's name is kept as is ('Mairie de Marzy'); a site
    beyond the border is named after its commune in the territory's ring ('Mairie (Bonny-sur-
    Loire)'), else its INSEE code.
    """
    names = pd.concat([territory.communes[["code_insee", "nom"]], territory.ring[["code_insee", "nom"]]]
                      ).drop_duplicates("code_insee").set_index("code_insee")["nom"]
    labels = []
    for nom, code in zip(sites["nom"], sites["code_insee"]):
        commune = names.get(code)
        if commune is None:
            labels.append(f"{nom} (commune {code})" if isinstance(code, str) and code else str(nom))
        elif f" {normalised_name(commune)} " in f" {normalised_name(nom)} ":
            labels.append(str(nom))
        else:
            labels.append(f"{nom} ({commune})")
    return pd.Series(labels, index=sites["site_id"].to_numpy(), dtype=object)


def fmt_number(value: float) -> str:
    """A number in French, no longer than it needs (``3,5``, ``80``)."""
    return f"{value:g}".replace(".", ",")


def fmt_pct(share, digits: int = 0) -> str:
    """A share as a French percentage (``93 %``); ``—`` when unknown."""
    text = fmt_decimal(None if share is None else share * 100, digits)
    return text if text == MISSING else f"{text} %"


def fmt_area_km2(value: float) -> str:
    """An area in km² with one decimal (``1 234,5 km²``)."""
    whole = f"{value:,.1f}".replace(",", " ").replace(".", ",")
    return f"{whole} km²"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 poste``, ``3 postes`` (the count in French format)."""
    word = singular if abs(count) <= 1 else (plural_form or singular + "s")
    return f"{fmt_int(count)} {word}"


#: Characters a terminal would obey rather than show: C0 and C1 controls (escape sequences
#: included) but tab and newline, line and paragraph separators, bidirectional overrides.
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def as_codes(pattern: re.Pattern, text: str) -> str:
    """``text`` with each character ``pattern`` matches written as its ``\\uXXXX`` code."""
    return pattern.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def terminal_text(text: str) -> str:
    """``text`` safe to print on a terminal: every character a terminal would obey (an escape
    sequence of a register's name) shown as its ``\\uXXXX`` code instead."""
    return as_codes(_TERMINAL_UNSAFE, text)


def hosts_text(hosts: pd.DataFrame, site_id: str, top: int = 4) -> str:
    """The ``top`` first hosts of a new site, in French: 'Commune — X ; France services Y (8 min)'."""
    chosen = hosts.loc[hosts["site_id"] == site_id].head(top)
    return " ; ".join(h["host"] + (f" ({h['time_min']:.0f} min)" if h["time_min"] > 0 else "")
                      for _, h in chosen.iterrows())
