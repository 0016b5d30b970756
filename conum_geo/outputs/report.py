"""The département report: a printable PDF in French, drawn with matplotlib (extra ``report``).

From the same ``GapsResult`` as ``gaps``: page 1 gives the key figures and a map of the
communes by status with the sites; then the communes losing cover, grouped by
intercommunality, with their population, their time before and after and the nearest France
services (the administrative fallback); the last page says the method, the assumptions, every
approximation and every source with its date. A4 portrait, in the product's colours.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

from ..analysis.gaps import GapsResult
from ..core.departements import territory_name
from ..core.errors import DataUnavailableError
from ..core.vocabulary import NETWORK_SOURCES, SITE_KINDS, STATUSES
from .files import result_writer, write_json, write_outputs
from .map_frame import SITE_COLOURS
from .maps import ENDED_COLOUR, STATUS_COLOURS
from .reasons import ended_posts
from .summary import caveat, result_notices
from .tables import TableFormat
from .text import fmt_int, fmt_min, fmt_number, site_labels

A4_IN = (8.27, 11.69)
#: Rows of the table of communes on one page.
ROWS_PER_PAGE = 46
#: Pages of the report at most: the table of communes gets those the other pages leave (at
#: least one; the communes that do not fit are counted, not listed).
MAX_PAGES = 4
LEFT, RIGHT = 0.07, 0.93
INK = "#222222"


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise DataUnavailableError("le rapport PDF demande matplotlib : pip install 'conum-geo[report]'") from None
    return plt


#: Text does not go below this height of the page (the footer is beneath).
BOTTOM = 0.06


def _wrap_width(size: float, bold: bool = False) -> int:
    """Characters of a line across the page at ``size`` points (average glyph width)."""
    return int((RIGHT - LEFT) * A4_IN[0] * 72 / (size * (0.64 if bold else 0.6)))


def _line_step(size: float) -> float:
    return size / 72 / A4_IN[1] * 1.45


def _text_block(fig, y: float, lines: list[str], *, size: float = 9.0, gap: float = 0.0, **style) -> float:
    """Write ``lines`` wrapped to the page's width from ``y`` down; returns the next y."""
    for line in lines:
        for part in textwrap.wrap(line, _wrap_width(size, style.get("weight") == "bold")) or [""]:
            fig.text(LEFT, y, part, fontsize=size, color=style.get("color", INK), weight=style.get("weight", "normal"),
                     va="top")
            y -= _line_step(size)
        y -= gap
    return y


class TextFlow:
    """Paragraphs written down the page, onto new pages when one is full."""

    def __init__(self, plt, top: float = 0.93):
        self.plt, self.top = plt, top
        self.figures: list = []
        self._new_page()

    def _new_page(self) -> None:
        self.figures.append(self.plt.figure(figsize=A4_IN))
        self.y = self.top

    def heading(self, text: str) -> None:
        if self.y - 4 * _line_step(9) < BOTTOM:
            self._new_page()
        self.y = _text_block(self.figures[-1], self.y - 0.008, [text], size=11.5, weight="bold", gap=0.004)

    def paragraphs(self, lines: list[str], size: float = 9.0) -> None:
        for line in lines:
            parts = textwrap.wrap(line, _wrap_width(size)) or [""]
            if self.y - len(parts) * _line_step(size) < BOTTOM:
                self._new_page()
            self.y = _text_block(self.figures[-1], self.y, [line], size=size, gap=0.003)


def _header(fig, result: GapsResult, page: int, pages: int) -> None:
    from ..core.version import __version__

    dept = result.territory.dept
    fig.text(LEFT, 0.965, f"Couverture numérique — {territory_name(dept)} ({dept})", fontsize=15, weight="bold",
             color=INK, va="top")
    fig.text(RIGHT, 0.03, f"conum-geo {__version__} — {dt.date.today():%d/%m/%Y} — page {page}/{pages}",
             fontsize=7, color="#666666", ha="right")


def _figures(result: GapsResult) -> list[tuple[str, str, str]]:
    s = result.summary()
    return [
        ("Couvertes aujourd'hui", fmt_int(s["covered_before_communes"]), fmt_int(s["covered_before_population"])),
        ("Couvertes après le scénario", fmt_int(s["covered_after_communes"]), fmt_int(s["covered_after_population"])),
        ("Perdent la couverture", fmt_int(s["lost_cover_communes"]), fmt_int(s["lost_cover_population"])),
        ("Signalées (perte ou hausse du temps)", fmt_int(s["flagged_communes"]), fmt_int(s["flagged_population"])),
        ("Non couvertes dès aujourd'hui", fmt_int(s["uncovered_before_communes"]),
         fmt_int(s["uncovered_before_population"])),
    ]


def _scale_bar(ax, extent_m: float) -> None:
    """A scale bar of a round length in the lower left corner (metric CRS)."""
    xmin, xmax = ax.get_xlim()
    ymin, ymax = ax.get_ylim()
    length = next(v for v in (50_000, 20_000, 10_000, 5_000, 2_000, 1_000) if v <= extent_m / 4)
    x0, y0 = xmin + (xmax - xmin) * 0.04, ymin + (ymax - ymin) * 0.04
    ax.plot([x0, x0 + length], [y0, y0], color=INK, linewidth=3, solid_capstyle="butt")
    ax.text(x0 + length / 2, y0 + (ymax - ymin) * 0.012, f"{length // 1000} km", ha="center", fontsize=8, color=INK)


def _map(fig, result: GapsResult, box) -> None:
    """Communes by status, intercommunality outlines, sites kept, closed and France services."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ax = fig.add_axes(box)
    ax.set_anchor("N")
    communes = result.communes
    communes.plot(ax=ax, color=communes["status"].map(STATUS_COLOURS), edgecolor="#777777", linewidth=0.2)
    territory = result.territory.communes
    epci = territory.dissolve("epci_code") if "epci_code" in territory else territory
    epci.boundary.plot(ax=ax, color="#333333", linewidth=0.7)
    sites = result.sites
    kept = sites["active_before"] & sites["active_after"] & sites["counted_after"]
    closed = sites["active_before"] & ~sites["active_after"]
    fs = sites["kind"] == "france_services"
    for mask, style in ((kept & ~fs, {"color": SITE_COLOURS["conum"], "markersize": 9}),
                        (closed & ~fs, {"color": ENDED_COLOUR, "markersize": 9}),
                        (fs & sites["active_after"], {"facecolor": "none", "edgecolor": SITE_COLOURS["france_services"],
                                                      "markersize": 30, "linewidth": 1.2})):
        if mask.any():
            sites.loc[mask].plot(ax=ax, zorder=3, **style)
    xmin, ymin, xmax, ymax = territory.total_bounds
    ax.set_xlim(xmin - 2000, xmax + 2000)
    ax.set_ylim(ymin - 2000, ymax + 2000)
    ax.set_aspect("equal")
    ax.set_axis_off()
    _scale_bar(ax, xmax - xmin)
    present = set(communes["status"])
    handles: list = [Patch(facecolor=STATUS_COLOURS[k], edgecolor="#777777", label=v) for k, v in STATUSES.items()
                     if k in present]
    handles += [Line2D([], [], marker="o", linestyle="", color=SITE_COLOURS["conum"], label="Présence maintenue"),
                Line2D([], [], marker="o", linestyle="", color=ENDED_COLOUR, label="Présence arrêtée"),
                Line2D([], [], marker="o", linestyle="", markerfacecolor="none",
                       markeredgecolor=SITE_COLOURS["france_services"], label=SITE_KINDS["france_services"])]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7.5, frameon=False)


def _first_page(plt, result: GapsResult):
    fig = plt.figure(figsize=A4_IN)
    s = result.summary()
    y = _text_block(fig, 0.93, [f"Scénario : {result.label}.",
                                f"Une commune est couverte quand une permanence régulière (au moins "
                                f"{fmt_number(result.settings.min_presence_h)} h par semaine) de conseiller numérique est à moins "
                                f"de {s['threshold_min']:g} min de route de sa mairie ; {s['ended_posts']} poste(s) "
                                "arrêté(s) par le scénario."], size=9.5, gap=0.004)
    rows = _figures(result)
    top = y - 0.005
    fig.text(0.60, top, "Communes", fontsize=9, weight="bold", ha="right", va="top")
    fig.text(0.80, top, "Habitants", fontsize=9, weight="bold", ha="right", va="top")
    for i, (label, communes, people) in enumerate(rows, start=1):
        yy = top - i * 0.021
        weight = "bold" if label.startswith("Perdent") else "normal"
        fig.text(LEFT, yy, label, fontsize=9.5, va="top", weight=weight)
        fig.text(0.60, yy, communes, fontsize=9.5, va="top", ha="right", weight=weight)
        fig.text(0.80, yy, people, fontsize=9.5, va="top", ha="right", weight=weight)
    y = top - (len(rows) + 1) * 0.021
    fallback = s["france_services_fallback_population"]
    y = _text_block(fig, y, [f"Parmi les habitants qui perdent la couverture, {fmt_int(fallback)} ont encore une "
                             f"France services à moins de {s['threshold_min']:g} min (recours administratif, pas "
                             "d'accompagnement au numérique dans la durée)."], size=9)
    warning = caveat(result)
    if warning:
        y = _text_block(fig, y - 0.004, [f"Attention : {warning}"], size=9, color="#b30000", weight="bold")
    _map(fig, result, [LEFT, 0.06, 0.66, y - 0.08])
    return fig


def _losing_rows(result: GapsResult, pages: int) -> tuple[list[tuple[str, ...]], int, int]:
    """Table rows of the communes losing cover: the most populous that fit on the pages,
    grouped by intercommunality (the most affected first); how many communes and inhabitants
    are left out."""
    c = result.communes
    lost = c.loc[c["reason_code"].str.contains("lost_cover")].copy()
    names = result.territory.communes.set_index("code_insee")
    epci = names["epci_nom"] if "epci_nom" in names else names["epci_code"]
    lost["epci"] = lost["code_insee"].map(epci).fillna("").replace("", "Sans intercommunalité")
    lost = lost.sort_values(["population", "code_insee"], ascending=[False, True])
    budget = ROWS_PER_PAGE * pages
    shown = lost.iloc[:0]
    for n in range(len(lost), 0, -1):  # the most populous communes whose rows and headers fit
        if n + lost.iloc[:n]["epci"].nunique() <= budget:
            shown = lost.iloc[:n]
            break
    labels = site_labels(result.sites, result.territory)
    totals = lost.groupby("epci")["population"].agg(["sum", "size"])
    rows: list[tuple[str, ...]] = []
    for name in shown.groupby("epci")["population"].sum().sort_values(ascending=False).index:
        rows.append(("epci", f"{name} — {int(totals.at[name, 'size'])} commune(s), "
                             f"{fmt_int(int(totals.at[name, 'sum']))} hab. perdent la couverture"))
        for _, row in shown.loc[shown["epci"] == name].iterrows():
            rows.append(("commune", row["nom"], fmt_int(int(row["population"])), fmt_min(row["baseline_min"]),
                         fmt_min(row["scenario_min"]), labels.get(row["scenario_site_id"], "aucune"),
                         fmt_min(row["france_services_min"])))
    return rows, len(lost) - len(shown), int(lost["population"].sum() - shown["population"].sum())


def _table_pages(plt, result: GapsResult, rows, left_out: tuple[int, int]):
    columns = [(LEFT, "Commune", "left"), (0.40, "Hab.", "right"), (0.49, "Avant", "right"),
               (0.58, "Après", "right"), (0.60, "Présence la plus proche après", "left"), (RIGHT, "Fr. serv.", "right")]
    figures = []
    for start in range(0, max(len(rows), 1), ROWS_PER_PAGE):
        fig = plt.figure(figsize=A4_IN)
        fig.text(LEFT, 0.93, "Communes qui perdent la couverture, par intercommunalité", fontsize=11.5,
                 weight="bold", va="top")
        y = 0.905
        for x, title, align in columns:
            fig.text(x, y, title, fontsize=8, weight="bold", ha=align, va="top")
        y -= 0.018
        for row in rows[start:start + ROWS_PER_PAGE]:
            if row[0] == "epci":
                fig.text(LEFT, y, row[1], fontsize=8, weight="bold", va="top", color="#1f4e79")
            else:
                values = (row[1][:34], row[2], row[3], row[4], row[5][:44], row[6])
                for (x, _, align), value in zip(columns, values):
                    fig.text(x, y, value, fontsize=7.6, ha=align, va="top")
            y -= 0.0178
        if start + ROWS_PER_PAGE >= len(rows) and left_out[0]:
            _text_block(fig, y - 0.01, [f"… et {left_out[0]} autre(s) commune(s) ({fmt_int(left_out[1])} hab.) : "
                                        "liste complète dans communes.csv de `conum-geo gaps --out`."], size=8)
        if not rows:
            fig.text(LEFT, y, "Aucune commune ne perd la couverture dans ce scénario.", fontsize=9, va="top")
        figures.append(fig)
    return figures


def _method_pages(plt, result: GapsResult) -> list:
    flow = TextFlow(plt)
    settings = result.settings
    flow.heading("Méthode")
    flow.paragraphs([
        f"Temps de trajet en voiture de la mairie de chaque commune au lieu le plus proche, sur le réseau : "
        f"{NETWORK_SOURCES.get(result.network, result.network)}.",
        f"Couverte : au moins une présence de type {', '.join(SITE_KINDS[k] for k in settings.kinds)} à moins de "
        f"{settings.threshold_min:g} min offrant une permanence régulière (au moins {fmt_number(settings.min_presence_h)} h "
        "par semaine au même lieu) ; en deçà, un passage ponctuel ne couvre pas.",
        f"Signalée : la commune perd la couverture, ou son temps d'accès augmente de plus de {settings.margin_min:g} "
        "min.",
        "Les heures d'un lieu sont partagées entre les postes qui y travaillent ; un poste qui prend fin emporte "
        "ses heures. La population est celle du recensement (COG INSEE).",
    ])
    ended = ended_posts(result)
    lines = [f"Scénario : {result.label}."]
    if len(ended):
        by_reason = ended.assign(employeur=ended["employeur"].fillna(ended["structure_id"])).groupby(
            ["employeur", "reason"]).size().sort_values(ascending=False)
        lines += [f"{employer} : {n} poste(s) — {reason}" for (employer, reason), n in by_reason.head(8).items()]
    flow.heading("Hypothèses")
    flow.paragraphs(lines, size=8.5)
    notices = result_notices(result)
    approximations = [caveat(result)] if caveat(result) else []
    approximations += [n.message for n in notices]  # their examples are in summary.json
    if notices:
        approximations.append("Exemples de chaque avertissement : summary.json (rubrique warnings).")
    flow.heading("Approximations et avertissements")
    flow.paragraphs(approximations or ["Aucun."], size=7.5)
    sources = [line.removeprefix("Source : ") for line in result.territory.sources]
    sources.append(f"Réseau routier : {NETWORK_SOURCES.get(result.network, result.network)}.")
    flow.heading("Sources")
    flow.paragraphs(sources, size=7.5)
    return flow.figures


def write_report_pdf(result: GapsResult, path: Path) -> None:
    """The report of ``result`` as a PDF (module doc)."""
    plt = _pyplot()
    from matplotlib.backends.backend_pdf import PdfPages

    with plt.rc_context({"font.family": "DejaVu Sans", "pdf.fonttype": 42}):
        method = _method_pages(plt, result)
        rows, *left_out = _losing_rows(result, max(1, MAX_PAGES - 1 - len(method)))
        figures = [_first_page(plt, result), *_table_pages(plt, result, rows, (left_out[0], left_out[1])), *method]
        with PdfPages(path, metadata={"Title": f"Couverture numérique — {territory_name(result.territory.dept)}",
                                      "Author": "conum-geo", "Subject": result.label}) as pdf:
            for page, fig in enumerate(figures, start=1):
                _header(fig, result, page, len(figures))
                pdf.savefig(fig)
                plt.close(fig)


@result_writer
def write_report(result: GapsResult, out_dir: str | Path, *, tables: TableFormat | None = None) -> list[Path]:
    """Write ``report.pdf`` and ``summary.json`` as one set (``tables``: like every writer's;
    this set holds no table)."""
    from .summary import full_summary

    return write_outputs(out_dir, {
        "report.pdf": lambda path: write_report_pdf(result, path),
        "summary.json": lambda path: write_json(full_summary(result), path),
    }, tables=tables)

