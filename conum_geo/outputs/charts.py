"""Small self-contained SVG charts: open in any browser, print, forward; no library, no network.

``step_chart`` draws one monthly series as steps (the value holds until the next month), with
French month labels, a title, a subtitle and footnotes (sources and approximations, said where
the figure is shown).
"""

from __future__ import annotations

import math
from html import escape

from .text import fmt_int

MONTHS_FR = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
#: Colour of the series (dark blue, readable by colour-blind readers and in greyscale).
SERIES_COLOUR = "#1f4e79"
MARK_COLOUR = "#b35806"


def month_label(month: str) -> str:
    """``"2023-04"`` → ``"avr. 2023"``."""
    year, number = month.split("-")
    return f"{MONTHS_FR[int(number) - 1]} {year}"


def _nice_top(value: float) -> tuple[float, float]:
    """An axis top ≥ ``value`` and its tick step (1, 2 or 5 × 10^k, about 5 ticks)."""
    if value <= 0:
        return 1.0, 1.0
    raw = value / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return step * math.ceil(value / step), step


def step_chart(months: list[str], values: list[float], *, title: str, subtitle: str, y_label: str,
               marks: dict[str, str] | None = None, notes: list[str] | None = None,
               width: int = 960, height: int = 480) -> str:
    """SVG text of a monthly step chart; ``marks`` labels some months (e.g. ``"−24 postes"``)."""
    marks = marks or {}
    notes = notes or []
    left, right, top = 90, 30, 78
    bottom = 70 + 16 * len(notes)
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(months), 1)
    y_top, step = _nice_top(max(values, default=0))

    def x(i: float) -> float:
        return left + plot_w * i / n

    def y(v: float) -> float:
        return top + plot_h * (1 - v / y_top)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" lang="fr" font-family="sans-serif" font-size="12">',
             f"<title>{escape(title)}</title>",
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{left}" y="28" font-size="17" font-weight="bold">{escape(title)}</text>',
             f'<text x="{left}" y="50" fill="#333">{escape(subtitle)}</text>']
    ticks = int(round(y_top / step))
    for k in range(ticks + 1):
        value = k * step
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                     'stroke="#ddd"/>')
        parts.append(f'<text x="{left - 8}" y="{y(value) + 4:.1f}" text-anchor="end">{fmt_int(round(value))}</text>')
    parts.append(f'<text transform="translate(18 {top + plot_h / 2:.0f}) rotate(-90)" text-anchor="middle">'
                 f"{escape(y_label)}</text>")
    every = max(1, math.ceil(n / 12))
    for i, month in enumerate(months):
        if i % every == 0 and x(i) + 64 <= width:
            parts.append(f'<text x="{x(i) + 2:.1f}" y="{top + plot_h + 18}" >{escape(month_label(month))}</text>')
            parts.append(f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{top + plot_h}" y2="{top + plot_h + 5}" '
                         'stroke="#333"/>')
    path = []
    for i, value in enumerate(values):
        path.append(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(value):.1f} L{x(i + 1):.1f},{y(value):.1f}")
    parts.append(f'<path d="{" ".join(path)}" fill="none" stroke="{SERIES_COLOUR}" stroke-width="2.5"/>')
    for i, month in enumerate(months):
        if month in marks:
            parts.append(f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{top}" y2="{top + plot_h}" '
                         f'stroke="{MARK_COLOUR}" stroke-dasharray="4 3"/>')
            near_end = x(i) > left + plot_w - 90
            parts.append(f'<text x="{x(i) + (-4 if near_end else 4):.1f}" y="{top + 12}" fill="{MARK_COLOUR}" '
                         f'text-anchor="{"end" if near_end else "start"}">{escape(marks[month])}</text>')
    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#333"/>')
    for k, note in enumerate(notes):
        parts.append(f'<text x="{left}" y="{height - bottom + 46 + 16 * k}" fill="#444" font-size="11">'
                     f"{escape(note)}</text>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
