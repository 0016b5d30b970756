"""Territorial indicators per commune: digital fragility, density level, QPV count.

- Indice de fragilité numérique (La MedNum), one row per IRIS (CSV, often ``;``-separated):
  ``Insee Com`` and a global score (``FRAGILITY_SCORE_COLUMNS``, the first present is used;
  higher is more fragile). Communes get the population-weighted mean of their IRIS when the
  file has an IRIS population column (``IRIS_POPULATION_COLUMNS``), else the plain mean (IRIS
  are drawn to hold similar populations, and most communes are a single IRIS).
- INSEE grille communale de densité: ``insee_com`` (or ``codgeo``) and ``niveau_densite``
  (the 7-level label or its number 1–7).
- QPV (quartiers prioritaires): points or rows with ``insee_com`` and ``code_qp`` (several
  codes may share one row, comma-separated); a commune's ``n_qpv`` counts distinct QPV.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...core.errors import InputError
from .io import (
    Register,
    commune_codes,
    file_as_of,
    first_column,
    parse_numbers,
    read_csv,
    read_json,
    record_row,
    require_fields,
    spreadsheet_row,
    text_column,
)

FRAGILITY_SCORE_COLUMNS = ("SCORE GLOBAL departement 1", "SCORE GLOBAL region 1", "SCORE GLOBAL")
IRIS_POPULATION_COLUMNS = ("Population", "POP", "P17_POP", "population")
IRIS_CODE_COLUMN = "Code Iris"
DENSITY_CODE_COLUMNS = ("insee_com", "codgeo", "CODGEO", "code_insee")
#: INSEE density grid, 7 levels, densest first.
DENSITY_LEVELS = {
    "Grands centres urbains": 1,
    "Centres urbains intermédiaires": 2,
    "Ceintures urbaines": 3,
    "Petites villes": 4,
    "Bourgs ruraux": 5,
    "Rural à habitat dispersé": 6,
    "Rural à habitat très dispersé": 7,
}


def _once(frame: pd.DataFrame, key: list[str], path: Path, what: str) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with each ``key`` once: rows repeated whole are kept once (and said, in the
    returned problems); rows of one key that disagree raise ``InputError`` naming the row."""
    repeated = frame.duplicated(key, keep="first")
    if not repeated.any():
        return frame, []
    exact = frame.duplicated(keep="first")
    conflicting = np.flatnonzero((repeated & ~exact).to_numpy())
    if len(conflicting):
        i = int(conflicting[0])
        raise InputError(f"{what} {', '.join(str(frame[k].iloc[i]) for k in key)} en double avec des valeurs "
                         "différentes : une ligne par " + what + " attendue", path=path, row=spreadsheet_row(i))
    examples = ", ".join(dict.fromkeys(str(frame[key[0]].iloc[i]) for i in np.flatnonzero(repeated.to_numpy())[:5]))
    return (frame.loc[~repeated.to_numpy()].reset_index(drop=True),
            [f"{path} : {int(repeated.sum())} ligne(s) en double (même {what}, mêmes valeurs) : comptées une fois "
             f"(ex. {examples})"])


def read_fragility(path: str | Path) -> Register:
    """IRIS fragility scores: ``code_insee``, ``score``, ``weight`` (IRIS population or 1)."""
    path = Path(path)
    raw = read_csv(path, ("Insee Com",))
    score_column = str(first_column(raw.columns, FRAGILITY_SCORE_COLUMNS, path=path))
    scores = parse_numbers(raw[score_column], path=path, field_name=score_column)
    population_column = first_column(raw.columns, IRIS_POPULATION_COLUMNS)
    weights = (parse_numbers(raw[population_column], path=path, field_name=population_column)
               if population_column else np.ones(len(raw)))
    frame = pd.DataFrame({"code_insee": commune_codes(raw["Insee Com"], path=path, field_name="Insee Com"),
                          "score": scores,
                          "weight": weights})
    iris = text_column(raw, IRIS_CODE_COLUMN) if IRIS_CODE_COLUMN in raw.columns else None
    frame, problems = _once(frame.assign(iris=iris) if iris is not None else frame,
                            ["iris"] if iris is not None else ["code_insee", "score", "weight"], path, "IRIS")
    frame = frame.drop(columns="iris", errors="ignore")
    as_of = file_as_of(path)
    weighting = "pondéré par la population des IRIS" if population_column else "moyenne des IRIS"
    return Register(kind="fragility", path=path, frame=frame, as_of=as_of, problems=problems,
                    label=f"Source : La MedNum, indice de fragilité numérique ({path.name}, "
                          f"{as_of}, {score_column}, {weighting})")


def commune_fragility(register: Register) -> pd.Series:
    """Fragility score per commune code (weighted mean of its IRIS with a score)."""
    frame = register.frame.dropna(subset=["score", "weight"])
    weighted = (frame["score"] * frame["weight"]).groupby(frame["code_insee"]).sum()
    return weighted / frame.groupby("code_insee")["weight"].sum()


def read_density(path: str | Path) -> Register:
    """INSEE density grid: ``code_insee`` → ``density_level`` (1 densest … 7)."""
    path = Path(path)
    raw = read_csv(path, ("niveau_densite",), usecols=("niveau_densite", *DENSITY_CODE_COLUMNS))
    code_column = first_column(raw.columns, DENSITY_CODE_COLUMNS, path=path)
    labels = text_column(raw, "niveau_densite")
    level_of = {v: int(v) if v.isdigit() and len(v) <= 2 else DENSITY_LEVELS.get(v, 0) for v in labels.unique()}
    levels = labels.map(level_of).astype(np.int64)
    bad = np.flatnonzero(~levels.between(1, 7).to_numpy())
    if len(bad):
        raise InputError(f"« {labels.iloc[bad[0]]} » n'est pas un niveau de densité (1 à 7 ou l'un de "
                         f"{list(DENSITY_LEVELS)})", path=path, row=spreadsheet_row(bad[0]),
                         field="niveau_densite")
    frame = pd.DataFrame({"code_insee": commune_codes(raw[code_column], path=path, field_name=str(code_column)),
                          "density_level": levels.astype(int)})
    frame, problems = _once(frame, ["code_insee"], path, "commune")
    as_of = file_as_of(path)
    return Register(kind="density", path=path, frame=frame, as_of=as_of, problems=problems,
                    label=f"Source : INSEE, grille communale de densité à 7 niveaux ({path.name}, {as_of})")


def read_qpv(path: str | Path) -> Register:
    """QPV of a GeoJSON of points or a CSV: ``code_insee``, ``code_qp``."""
    path = Path(path)
    geojson = path.suffix.lower() in (".geojson", ".json")
    if geojson:
        data = read_json(path)
        features = data.get("features") if isinstance(data, dict) else None
        if not features:
            raise InputError("FeatureCollection GeoJSON avec des entités attendue", path=path)
        bad = next((i for i, f in enumerate(features)
                    if not isinstance(f, dict) or not isinstance(f.get("properties") or {}, dict)), None)
        if bad is not None:
            raise InputError("entité GeoJSON avec un objet « properties » attendue", path=path, row=record_row(bad))
        raw = pd.DataFrame([f.get("properties") or {} for f in features])
        require_fields(raw.columns, ("insee_com", "code_qp"), path=path)
    else:
        raw = read_csv(path, ("insee_com", "code_qp"))
    codes = commune_codes(raw["insee_com"], path=path, field_name="insee_com",
                          row_of=record_row if geojson else spreadsheet_row)
    frame = pd.DataFrame({"code_insee": codes, "code_qp": text_column(raw, "code_qp").str.split(",")})
    frame = frame.explode("code_qp").assign(code_qp=lambda f: f["code_qp"].str.strip())
    frame = frame.loc[frame["code_qp"] != ""].reset_index(drop=True)
    if frame.empty:
        raise InputError("aucun quartier prioritaire (code_qp vide partout)", path=path, field="code_qp")
    frame, problems = _once(frame, ["code_qp", "code_insee"], path, "quartier")  # a quartier may span communes
    as_of = file_as_of(path)
    if as_of.startswith("millésime non indiqué") and len(frame) and frame["code_qp"].str.startswith("QN").all():
        # the QPV of the 2024 list are coded QN…, those of 2015 QP…
        as_of = f"liste des QPV 2024 (codes QN) ; {as_of}"
    return Register(kind="qpv", path=path, frame=frame, as_of=as_of, problems=problems,
                    label="Source : ANCT, quartiers prioritaires de la politique de la ville "
                          f"({path.name}, {as_of})")
