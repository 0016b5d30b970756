"""Registers of the Nièvre whose every text field a page may show is hostile: markup that
would run a script, close a ``<script>`` element, start a JavaScript template or a Jinja
expression, a ``javascript:`` URL, quotes and U+2028. Built from the embedded demo's communes,
sites and posts (no shared data needed): contours, the Conum lieux and structures exports, the
France services list and a lieux file of the national standard, in their official layouts.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd

#: Appended to every text field: each part attacks one context of a page.
HOSTILE = ("</script><svg onload=alert(1)><img src=x onerror=alert(2)>{{ 7*7 }}{% if 1 %}${alert(3)}`"
           "\u2028'\"&amp;")
#: A URL field's value.
HOSTILE_URL = "javascript:alert(4)"
#: A file name part that reaches the sources line of a page.
HOSTILE_FILE = "<img src=x onerror=alert(5)>"
#: The communes given a hostile name (Decize, Clamecy).
HOSTILE_COMMUNES = ("58095", "58079")
OSM_HOURS = "Mo-Fr 09:00-12:00,14:00-17:00"
FS_DAYS = ("h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi")


def _wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.to_crs("EPSG:4326")


def write_contours(territory, path: Path) -> None:
    communes = _wgs84(territory.communes[["code_insee", "nom", "population", "geometry"]])
    communes = communes.rename(columns={"code_insee": "code"})
    hostile = communes["code"].isin(HOSTILE_COMMUNES)
    communes.loc[hostile, "nom"] = communes.loc[hostile, "nom"] + " " + HOSTILE
    communes.to_file(path, driver="GeoJSON")


def write_conum(territory, lieux_path: Path, structures_path: Path) -> None:
    """The Conum lieux d'activité (one per demo Conum site, its conseillers the demo's posts
    there) and their employers."""
    sites = _wgs84(territory.sites.loc[territory.sites["kind"] == "conum"])
    shares = territory.post_sites.merge(territory.posts[["post_id", "structure_id"]], on="post_id")
    structures = territory.structures.reset_index(drop=True)
    siret = {s: f"{21580000000000 + i:014d}" for i, s in enumerate(structures["structure_id"])}
    lieux = []
    for i, (_, site) in enumerate(sites.iterrows()):
        here = shares.loc[shares["site_id"] == site["site_id"]]
        if here.empty:
            continue
        structure = here["structure_id"].iloc[0]
        lieux.append({
            "id": f"lieu{i:04d}", "nom": f"{site['nom']} {HOSTILE}", "code_postal": "58000",
            "commune": f"Commune {HOSTILE}", "adresse": f"1 rue {HOSTILE}", "services": f"Aide {HOSTILE}",
            "latitude": site.geometry.y, "longitude": site.geometry.x,
            "horaires": OSM_HOURS if i % 7 else f"Mo 09:00-12:00 {HOSTILE}",  # some unreadable
            "structureId": structure, "pivot": siret[structure], "date_maj": "2022-06-01",
            "nb_conseillers": len(here), "conseiller_ids": sorted(here["post_id"].unique().tolist()),
        })
    lieux_path.write_text(json.dumps(lieux, ensure_ascii=False), encoding="utf-8")
    rows = []
    for i, (_, s) in enumerate(structures.iterrows()):
        rows.append({
            "id": i + 1, "raison_sociale": f"{s['nom']} {HOSTILE}", "type": "publique" if s["public"] else "privée",
            "siret": siret[s["structure_id"]], "nb_cnfs": int(s["n_posts"]), "insee_com": "58194",
            "insee_dep": "58", "qpv": "non", "zrr": "non",
            "date_de_validation_en_comité_de_sélection": str(s["selection_date"]),
        })
    structures_path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


def write_france_services(territory, path: Path, keep: slice = slice(None)) -> None:
    sites = _wgs84(territory.sites.loc[territory.sites["kind"] == "france_services"]).iloc[keep]
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id_fs", "lib_fs", "insee_com", "code_postal", "lib_com", "adresse", "telephone", "mail",
                         "commentaire", "latitude", "longitude", *FS_DAYS, "type_fs", "format_fs"])
        for i, (_, site) in enumerate(sites.iterrows()):
            writer.writerow([i + 1, f"France services {HOSTILE}", site["code_insee"], "58000", f"Ville {HOSTILE}",
                             f"2 place {HOSTILE}", f"03 86 {HOSTILE}", f"x@{HOSTILE}", f"Bus {HOSTILE}",
                             site.geometry.y, site.geometry.x, *["09:00 - 12:00"] * 5,
                             f"09:00 - 10:00 {HOSTILE}" if i == 0 else "", "Principal", "Fixe"])


def write_lieux(territory, path: Path) -> None:
    """Lieux de médiation numérique of the national standard at ten town halls."""
    communes = territory.communes.sort_values("population", ascending=False).head(10)
    points = gpd.GeoSeries(gpd.points_from_xy(communes["origin_x"], communes["origin_y"]),
                           crs=territory.communes.crs).to_crs("EPSG:4326")
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "nom", "commune", "code_postal", "code_insee", "adresse", "latitude", "longitude",
                         "telephone", "courriels", "site_web", "horaires", "services",
                         "dispositif_programmes_nationaux", "itinerance", "date_maj"])
        for i, (code, point) in enumerate(zip(communes["code_insee"], points)):
            writer.writerow([f"m{i}", f"Médiation {HOSTILE}", f"Commune {HOSTILE}", "58000", code,
                             f"3 rue {HOSTILE}", point.y, point.x, f"03 {HOSTILE}", f"y@{HOSTILE}", HOSTILE_URL,
                             OSM_HOURS, f"Accompagner {HOSTILE}|{HOSTILE_URL}", "", "Fixe", "2024-05-01"])


def write_registers(territory, folder: Path) -> Path:
    """Every hostile register in ``folder`` (a ``--data-dir``), one file with a hostile name."""
    folder.mkdir(parents=True, exist_ok=True)
    write_contours(territory, folder / "communes.geojson")
    write_conum(territory, folder / "lieux-conum.json", folder / "structures-conum.json")
    write_france_services(territory, folder / f"france-services{HOSTILE_FILE}.csv")
    write_lieux(territory, folder / "lieux-mediation.csv")
    return folder
