"""The national atlas: every commune of France, one row per département, an index map.

``write_atlas(result, out_dir)`` writes, beside the per-département folders, ``france/``
(``result``: a national run, ``national.NationalResult``, read by its attributes only: outputs
sit below the national layer):

- ``communes.csv`` and ``communes.gpkg``: every commune (or arrondissement) computed, WGS84;
- ``departements.csv``: per département, communes, population, sites by kind, conseiller
  numérique posts per 10,000 inhabitants, population and communes losing cover (and per
  10,000), the France services fallback, or why it failed;
- ``summary.json``: national totals, failures, timings, inputs;
- ``index.html``: France by département, coloured by the population losing cover per 10,000
  inhabitants, each département linking to its own map (``../<dept>/map.html``). It stays light:
  outlines simplified, no commune drawn.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .files import write_geopackage, write_json, write_outputs
from .map_frame import markup, save_map
from .tables import Table, TableFormat
from .text import fmt_decimal, fmt_int

#: Classes of the population losing cover per 10,000 inhabitants: (upper bound, colour, label).
LOSS_CLASSES = (
    (0.0, "#f7f7f7", "aucune perte"),
    (100.0, "#fcbba1", "moins de 100"),
    (500.0, "#fb6a4a", "100 à 500"),
    (1500.0, "#cb181d", "500 à 1 500"),
    (np.inf, "#67000d", "1 500 et plus"),
)
FAILED_COLOUR = "#bdbdbd"


def _colour(value) -> str:
    if value is None or pd.isna(value):
        return FAILED_COLOUR
    return next(colour for bound, colour, _ in LOSS_CLASSES if value <= bound)


def index_map(result):
    """The atlas index: départements coloured by loss per 10,000; a click opens a popup with
    the link to the département's own map."""
    import folium

    from .map_frame import communes_layer, finish_map, new_map

    outlines = result.outlines
    value = "lost_cover_per_10k" if "lost_cover_per_10k" in outlines else "expected_lost_per_10k"
    m = new_map(outlines)
    table = outlines.assign(
        departement=[f"{r['nom']} ({r['dept']})" for _, r in outlines.iterrows()],
        habitants=outlines["population"].map(fmt_int),
        perte=outlines[value].map(lambda v: fmt_decimal(v, 1)),
        lien=[f'<a href="../{markup(d)}/map.html" target="_blank">ouvrir la carte du département</a>'
              for d in outlines["dept"]],
    )
    colours = pd.Series([_colour(v) for v in outlines[value]], index=outlines.index)
    communes_layer(m, table, "Départements", {"departement": "Département", "habitants": "Population",
                                              "perte": "Habitants perdant la couverture pour 10 000",
                                              "lien": "Carte"},
                   schemes={"perte": ("perte pour 10 000 habitants", colours)}, search=("dept", "nom"), raw=("lien",))
    labels = folium.FeatureGroup(name="Codes des départements", control=False)  # icons set before display
    for _, row in table.iterrows():
        point = row.geometry.representative_point()
        folium.Marker([point.y, point.x], interactive=False,
                      icon=folium.DivIcon(html=f'<span class="conum-landmark">{markup(row["dept"])}</span>',
                                          icon_size=(0, 0))).add_to(labels)
    labels.add_to(m)
    entries: list[tuple[str | None, str, str]] = [(None, "heading", "Habitants perdant la couverture pour 10 000")]
    entries += [(colour, "square", label) for _, colour, label in LOSS_CLASSES]
    entries.append((FAILED_COLOUR, "square", "non calculé"))
    s = result.summary()
    failed = ", ".join(f["dept"] for f in s["failed"]) or "aucun"
    sources = [f"Source : {Path(f).name}" for f in dict.fromkeys(result.inputs.files)] or [
        "Source : démo illustrative (conum_geo.data.demo)"]
    finish_map(m, sources, result.inputs.registers is None, result.job.network.get("network", "proxy"),
               "Couverture numérique — France",
               f"{s['computed'] + s['reused']} départements calculés ; non calculés : {failed}. "
               "Cliquer un département pour ouvrir sa carte.", entries)
    return m


def write_atlas(result, out_dir: str | Path, *, tables: TableFormat | None = None) -> list[Path]:
    """Write ``france/`` beside the départements' folders (module doc)."""
    communes = result.communes
    departements = result.departements
    folder = Path(out_dir) / "france"
    return write_outputs(folder, {
        "communes.csv": Table(communes),
        "communes.gpkg": lambda path: write_geopackage(communes, path, layer="communes"),
        "departements.csv": Table(departements),
        "summary.json": lambda path: write_json(result.summary(), path),
        "index.html": lambda path: save_map(index_map(result), path),
    }, tables=tables)


def format_national(result, top: int = 15) -> str:
    """French summary of a national run: totals, failures, the départements most affected."""
    s = result.summary()
    lines = [f"{s['departements']} départements — {s['mode']}, {fmt_decimal(s['wall_s'], 1)} s ; "
             f"calculés {s['computed']}, repris {s['reused']}, en échec {len(s['failed'])}."]
    if "population" in s:
        lines.append(f"{fmt_int(s.get('communes', 0))} communes, {fmt_int(s['population'])} habitants.")
    if "lost_cover_population" in s:
        lines.append(f"Perdent la couverture : {fmt_int(s['lost_cover_communes'])} communes, "
                     f"{fmt_int(s['lost_cover_population'])} habitants.")
    for failure in s["failed"]:
        lines.append(f"  échec {failure['dept']} : {failure['reason']}")
    deps = result.departements
    column = "lost_cover_population" if "lost_cover_population" in deps else "expected_population_lost"
    if column in deps:
        ranked = deps.loc[pd.to_numeric(deps[column], errors="coerce").fillna(0) > 0].sort_values(column, ascending=False)
        if len(ranked):
            lines += ["", f"{'Département':<28} {'Hab.':>10} {'Perte':>9} {'/10 000':>8}"]
            per = "lost_cover_per_10k" if column == "lost_cover_population" else "expected_lost_per_10k"
            for _, row in ranked.head(top).iterrows():
                lines.append(f"{(row['nom'] + ' (' + row['dept'] + ')')[:28]:<28} {fmt_int(int(row['population'])):>10} "
                             f"{fmt_int(int(row[column])):>9} {fmt_decimal(row[per], 1):>8}")
    return "\n".join(lines)
