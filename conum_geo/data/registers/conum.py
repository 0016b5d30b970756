"""Conseillers numériques: lieux d'activité and employer structures → sites, posts, structures.

- Lieux d'activité (JSON): ``id``, ``nom``, ``code_postal``, ``latitude``/``longitude`` (may be
  absent), ``horaires`` (OSM opening_hours), ``structureId`` (employer, in the lieux' own id
  space), ``conseiller_ids``, ``pivot`` (SIRET), ``date_maj``. No INSEE code: sites are located
  by point-in-polygon, then postcode (``locate.py``).
- Structures (JSON): ``id``, ``raison_sociale``, ``type`` (publique/privée), ``siret``,
  ``insee_com``, ``nb_cnfs`` (posts granted), ``qpv``, ``zrr``, selection date.

Rules (documented choices):

- each conseiller is one post (``fte`` 1, ``POST_HOURS_WEEK`` hours); its time is shared
  across the lieux that list it in proportion to their weekly opening hours; a lieu whose
  hours are unknown weighs the mean of the post's known lieux, and equal shares are used when
  none is known;
- the model of a post: one lieu → centralité; several lieux in one commune →
  multi-centralité; lieux in several communes → rayonnement; its base is its lieu with the
  largest share;
- ``structureId`` and the structures file use different ids: a ``structureId`` is matched to
  the structure whose SIRET is the ``pivot`` of most of its lieux, else whose SIREN (the
  first 9 digits) is;
- structure types come from the legal name and the public/private flag of the structures file
  (``classify_structure``); an employer absent from it is named after its lieux and typed from
  their names when they say what it is (a mairie, a CCAS, an association), else ``inconnu``
  (``type_source`` says which); ``n_posts`` counts the conseillers seen in the lieux,
  ``n_posts_declared`` the posts granted in the structures file.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ...core.errors import InputError
from ...core.schema import site_rows
from ...core.vocabulary import POST_HOURS_WEEK
from .hours import osm_hours_column
from .io import (
    Register,
    check_ids,
    commune_codes,
    file_as_of,
    insee_code,
    normalised_name,
    parse_numbers,
    read_json_records,
    read_points,
    record_row,
    row_dates,
    text_column,
)

LIEUX_KIND = "conum_lieux"
STRUCTURES_KIND = "conum_structures"
LIEUX_REQUIRED = ("id", "nom", "code_postal", "horaires", "structureId", "conseiller_ids")
STRUCTURES_REQUIRED = ("id", "raison_sociale", "type", "siret", "nb_cnfs")
#: The lieux' fields copied as they are into the site schema (``core.schema``): field → key.
LIEUX_TEXT_FIELDS = {"register_id": "id", "nom": "nom", "commune": "commune", "horaires": "horaires",
                     "structure_ref": "structureId", "pivot": "pivot", "adresse": "adresse"}
#: Columns of the structures file whose absence leaves a value unknown for every employer.
STRUCTURES_OPTIONAL = ("insee_com", "qpv", "zrr", "date_de_validation_en_comité_de_sélection")
#: Posts one employer can be granted at most (the largest employers had a few hundred).
MAX_POSTS = 5000
#: ``pivot`` values that carry no SIRET.
_NO_SIRET = {"", "00000000000000", "null", "None"}

#: (structure type, pattern on the normalised legal name, public only), first match wins.
_STRUCTURE_RULES = (
    ("ccas", r"\b(CCAS|CIAS)\b|\bC(EN)?TRE (INTER ?)?COM(MUNAL)? (D )?ACTION SOCIALE\b", True),
    ("departement", r"^(DEPARTEMENT|CONSEIL DEPARTEMENTAL)\b", True),
    ("region", r"^(REGION|CONSEIL REGIONAL)\b", True),
    ("epci", r"^(CC|CA|CU)\b|\bCOMMUNAUTE (DE |DES )?COM(MUNES?)?\b|\bAGGLO(MERATION)?\b"
             r"|\bCOMMUNAUTE URBAINE\b|\bCOMMUNAUTE$|\bMETROPOLE\b", True),
    ("commune", r"^(COMMUNE|VILLE|MAIRIE)\b|\bHOTEL DE VILLE\b|\b(MEDIATHEQUE|BIBLIOTHEQUE) MUNICIPALE\b", True),
    ("association", r"\bASS(O|OC|OCIATIONS?)?\b|\bMJC\b|\bFAMILLES RURALES\b"
                    r"|\bMAISON DES JEUNES ET DE LA CULTURE\b|\bCROIX ROUGE\b|\bSECOURS (POPULAIRE|CATHOLIQUE)\b"
                    r"|\bEMMAUS\b|\bPIMMS\b|\bGROUPE SOS\b|\bLIGUE DE L ENSEIGNEMENT\b|\bUDAF\b"
                    r"|\bCENTRE SOCIAL\b|\bFOYER RURAL\b", False),
)


def classify_structure(name: str, public: bool | None) -> str:
    """``vocabulary.STRUCTURE_TYPES`` key of an employer from its legal name and status
    (``public`` None: unknown status; the names that tell it are still read, else ``inconnu``)."""
    normalised = normalised_name(name)
    for structure_type, pattern, public_only in _STRUCTURE_RULES:
        if (public is not False or not public_only) and re.search(pattern, normalised):
            return structure_type
    if public is None:
        return "inconnu"
    return "autre_public" if public else "autre_prive"


def read_conum_lieux(path: str | Path) -> Register:
    """Read the lieux d'activité; sites have no INSEE code yet (located later)."""
    path = Path(path)
    raw = read_json_records(path, LIEUX_REQUIRED,
                            keys=(*LIEUX_REQUIRED, "pivot", "commune", "latitude", "longitude", "date_maj",
                                  "nb_conseillers", "adresse", "services"),
                            repeated=("code_postal", "horaires", "structureId", "pivot", "commune", "date_maj", "services"))
    ids = text_column(raw, "id")
    check_ids(ids, path=path, field_name="id", row_of=record_row)
    lon, lat = read_points(raw, path=path, row_of=record_row)
    not_list = np.flatnonzero([not isinstance(v, list) for v in raw["conseiller_ids"]])
    if len(not_list):
        raise InputError("liste d'identifiants de conseillers attendue", path=path,
                         row=record_row(not_list[0]), field="conseiller_ids")
    if "nb_conseillers" in raw.columns:  # informative (posts are counted from conseiller_ids), still checked
        declared = parse_numbers(raw["nb_conseillers"], path=path, field_name="nb_conseillers", row_of=record_row)
        bad = np.flatnonzero(~np.isnan(declared) & ~(np.isfinite(declared) & (declared >= 0)
                                                   & (declared == np.round(declared))))
        if len(bad):
            raise InputError(f"nombre de conseillers entier positif attendu, reçu {raw['nb_conseillers'].iloc[bad[0]]!r}",
                             path=path, row=record_row(bad[0]), field="nb_conseillers")
    hours = osm_hours_column(text_column(raw, "horaires"), path, record_row)
    frame = site_rows(
        len(raw), **{field: text_column(raw, column) for field, column in LIEUX_TEXT_FIELDS.items()},
        site_id="cnfs-" + ids, kind="conum", code_postal=text_column(raw, "code_postal").map(insee_code),
        lon=lon, lat=lat, presence_h=hours.total_h, evening_h=hours.evening_h, saturday_h=hours.saturday_h,
        hours_problem=hours.problems, programmes="Conseillers numériques",
        conseiller_ids=[[str(c) for c in v] for v in raw["conseiller_ids"]],
        services=text_column(raw, "services").str.replace(";", " ; ", regex=False), as_of=row_dates(raw, path))
    span = f"{frame['as_of'].min()[:7]} à {frame['as_of'].max()[:7]}"
    return Register(kind=LIEUX_KIND, path=path, frame=frame, as_of=span,
                    label=f"Source : conseillers numériques, lieux d'activité ({path.name}, {span})")


def _yes_no(values: pd.Series) -> pd.Series:
    return values.map({"oui": True, "non": False}).astype("boolean")


def read_conum_structures(path: str | Path) -> Register:
    """Read the employer structures of conseillers numériques."""
    path = Path(path)
    raw = read_json_records(path, STRUCTURES_REQUIRED, keys=(
        *STRUCTURES_REQUIRED, *STRUCTURES_OPTIONAL, "insee_dep", "code_département", "latitude", "longitude"))
    ids = text_column(raw, "id")
    check_ids(ids, path=path, field_name="id", row_of=record_row)
    absent = [name for name in STRUCTURES_OPTIONAL if name not in raw.columns]
    problems = ([f"{path} : colonne(s) absente(s) : {', '.join(absent)} ; les valeurs qu'elles portent (date de "
                 "validation, commune, QPV, ZRR) sont inconnues pour tous les employeurs"] if absent else [])
    status = text_column(raw, "type")
    bad = np.flatnonzero(~status.isin(["publique", "privée"]).to_numpy())
    if len(bad):
        raise InputError(f"« {status.iloc[bad[0]]} » n'est ni « publique » ni « privée »", path=path,
                         row=record_row(bad[0]), field="type")
    n_posts = parse_numbers(raw["nb_cnfs"], path=path, field_name="nb_cnfs", row_of=record_row)
    bad = np.flatnonzero(~((n_posts >= 0) & (n_posts <= MAX_POSTS) & (n_posts == np.round(n_posts))))
    if len(bad):
        raise InputError(f"nombre de postes entier entre 0 et {MAX_POSTS} attendu, reçu {raw['nb_cnfs'].iloc[bad[0]]!r}",
                         path=path, row=record_row(bad[0]), field="nb_cnfs")
    lon, lat = read_points(raw, path=path, row_of=record_row)
    public = (status == "publique").to_numpy()
    names = text_column(raw, "raison_sociale")
    dept = text_column(raw, "insee_dep")
    dept = dept.where(dept != "", text_column(raw, "code_département").str.zfill(2))
    as_of = file_as_of(path)
    frame = pd.DataFrame({
        "structure_id": "cnfs-s" + ids,
        "register_id": ids,
        "nom": names,
        "structure_type": [classify_structure(n, p) for n, p in zip(names, public)],
        "public": pd.array(public, dtype="boolean"),
        "siret": text_column(raw, "siret").where(lambda s: ~s.isin(_NO_SIRET), ""),
        "code_insee": commune_codes(text_column(raw, "insee_com"), path=path, field_name="insee_com",
                                    row_of=record_row, allow_empty=True),
        "dept": dept,
        "n_posts_declared": pd.array(n_posts.astype(int), dtype="Int64"),
        "qpv": _yes_no(text_column(raw, "qpv")),
        "zrr": _yes_no(text_column(raw, "zrr")),
        "selection_date": text_column(raw, "date_de_validation_en_comité_de_sélection"),
        "lon": lon,
        "lat": lat,
        "as_of": as_of,
    })
    return Register(kind=STRUCTURES_KIND, path=path, frame=frame, as_of=as_of, problems=problems,
                    label=f"Source : ANCT, structures employeuses de conseillers numériques "
                          f"({path.name}, {as_of})")


def _votes(lieux: pd.DataFrame, structures: pd.DataFrame, digits: int) -> pd.Series:
    """``structureId`` → ``structure_id`` whose first ``digits`` of SIRET most lieux carry."""
    with_siret = structures.loc[structures["siret"] != "", ["siret", "structure_id"]]
    with_siret = with_siret.assign(key=with_siret["siret"].str[:digits]).drop_duplicates("key", keep=False)
    pivots = lieux.loc[~lieux["pivot"].isin(_NO_SIRET), ["structure_ref", "pivot"]]
    votes = pivots.assign(key=pivots["pivot"].str[:digits]).merge(with_siret, on="key")
    if votes.empty:
        return pd.Series(dtype=object)
    counts = votes.groupby(["structure_ref", "structure_id"]).size().rename("n").reset_index()
    best = counts.sort_values(["structure_ref", "n", "structure_id"], ascending=[True, False, True])
    return best.drop_duplicates("structure_ref").set_index("structure_ref")["structure_id"]


def match_structures(lieux: pd.DataFrame, structures: pd.DataFrame) -> pd.Series:
    """``structureId`` → ``structure_id`` of the structures file: by the SIRET most of its lieux
    carry as ``pivot``, else by its SIREN (the first 9 digits: a lieu may carry the SIRET of an
    establishment of the employer); unmatched ids are absent."""
    by_siret = _votes(lieux, structures, 14)
    by_siren = _votes(lieux.loc[~lieux["structure_ref"].isin(by_siret.index)], structures, 9)
    return pd.concat([by_siret, by_siren])


def _shares(links: pd.DataFrame) -> np.ndarray:
    hours = links["presence_h"].to_numpy(float)
    mean_known = links.groupby("post_id")["presence_h"].transform("mean").to_numpy(float)
    weight = np.where(np.isnan(hours), mean_known, hours)
    weight = np.where(np.isnan(weight), 1.0, weight)
    total = pd.Series(weight).groupby(links["post_id"].to_numpy()).transform("sum").to_numpy()
    count = links.groupby("post_id")["site_id"].transform("size").to_numpy()
    return np.where(total > 0, weight / np.where(total > 0, total, 1.0), 1.0 / count)


def no_posts() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Empty posts and post→site tables with their columns."""
    posts = pd.DataFrame(columns=["post_id", "structure_id", "structure_ref", "fte", "hours_week",
                                  "end_date", "model", "base_site_id", "n_sites", "source", "as_of"])
    return posts, pd.DataFrame(columns=["post_id", "site_id", "share"])


def build_posts(sites: pd.DataFrame, structure_of: pd.Series, source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Posts and post→site links from conum sites carrying ``conseiller_ids``.

    ``sites`` needs ``site_id``, ``code_insee``, ``presence_h``, ``structure_ref``,
    ``conseiller_ids`` and ``as_of``.
    """
    links = sites[["site_id", "code_insee", "presence_h", "structure_ref", "conseiller_ids", "as_of"]]
    links = links.explode("conseiller_ids").dropna(subset=["conseiller_ids"])
    links = links.assign(post_id="cnfs-c" + links["conseiller_ids"].astype(str)).reset_index(drop=True)
    if links.empty:
        return no_posts()
    links["share"] = _shares(links)
    grouped = links.groupby("post_id", sort=True)
    n_sites = grouped["site_id"].size()
    n_communes = grouped["code_insee"].nunique()
    employer = grouped["structure_ref"].agg(lambda s: s.mode().iloc[0])
    base = (links.sort_values(["post_id", "share", "site_id"], ascending=[True, False, True])
            .drop_duplicates("post_id").set_index("post_id")["site_id"])
    posts = pd.DataFrame({
        "post_id": n_sites.index,
        "structure_id": [structure_of.get(ref, f"cnfs-{ref}") for ref in employer],
        "structure_ref": employer.to_numpy(),
        "fte": 1.0,
        "hours_week": POST_HOURS_WEEK,
        "end_date": pd.NaT,
        "model": np.select([n_sites.to_numpy() == 1, n_communes.to_numpy() == 1],
                           ["centralite", "multi_centralite"], "rayonnement"),
        "base_site_id": base.reindex(n_sites.index).to_numpy(),
        "n_sites": n_sites.to_numpy(),
        "source": source,
        "as_of": grouped["as_of"].max().to_numpy(),
    })
    return posts, links[["post_id", "site_id", "share"]]


def build_structures(posts: pd.DataFrame, register: Register | None, dept_codes: set[str],
                     dept: str, lieux_source: str, lieux_as_of: str,
                     lieux: pd.DataFrame | None = None) -> pd.DataFrame:
    """Employers of ``posts`` plus the structures of the file located in the département.

    An employer absent from the structures file is named after its lieux (``lieux``:
    ``structure_ref``, ``nom``, ``in_dept``) and typed from those names when they say what it
    is (a mairie, a CCAS, an association…), else ``inconnu``; it is in the département when most
    of its lieux are (``type_source`` says where each type comes from). A structure of the file
    is in the département by its commune, else its département code.
    """
    observed = posts["structure_id"].value_counts()
    rows = []
    if register is not None:
        known = register.frame
        in_dept = known["code_insee"].isin(dept_codes) | ((known["code_insee"] == "") & (known["dept"] == dept))
        chosen = known.loc[in_dept | known["structure_id"].isin(observed.index)].copy()
        chosen["in_dept"] = in_dept.loc[chosen.index].to_numpy()
        chosen["source"] = register.label
        chosen["type_source"] = "liste des structures"
        rows.append(chosen.drop(columns=["dept"]))
        matched = set(known["structure_id"])
    else:
        matched = set()
    unknown = posts.loc[~posts["structure_id"].isin(matched)].drop_duplicates("structure_id")
    if len(unknown):
        refs = unknown["structure_ref"]
        if lieux is not None and len(lieux):
            by_ref = lieux.groupby("structure_ref")
            names = by_ref["nom"].agg(lambda s: s.mode().iloc[0]).reindex(refs).fillna("")
            own = by_ref["in_dept"].mean().reindex(refs) > 0.5
        else:
            names, own = pd.Series("", index=refs), pd.Series(np.nan, index=refs)
        types = [classify_structure(n, None) if n else "inconnu" for n in names]
        rows.append(pd.DataFrame({
            "structure_id": unknown["structure_id"].to_numpy(),
            "register_id": refs.to_numpy(),
            "nom": [f"{n} (employeur absent de la liste des structures)" if n else
                    f"Employeur {ref} (absent de la liste des structures)" for n, ref in zip(names, refs)],
            "structure_type": types,
            "type_source": ["nom de ses lieux" if t != "inconnu" else "" for t in types],
            "public": pd.array([pd.NA] * len(unknown), dtype="boolean"),
            "in_dept": pd.array(own.to_numpy(), dtype="boolean"),
            "source": lieux_source,
            "as_of": lieux_as_of,
        }))
    if not rows:
        return pd.DataFrame(columns=["structure_id", "nom", "structure_type", "public", "n_posts",
                                     "source", "as_of"])
    structures = pd.concat(rows, ignore_index=True)
    structures["n_posts"] = structures["structure_id"].map(observed).fillna(0).astype(int)
    return structures
