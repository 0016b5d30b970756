"""Posts an employer was granted that no lieu d'activité shows.

The structures file gives each employer the posts it was granted (``n_posts_declared``); the
lieux show the conseillers at work (``n_posts``). The difference is posts not (or no longer)
seen anywhere: vacant, in recruitment, or working in places the lieux do not list (the
Département of the Nièvre: 21 granted, 16 seen). They are always reported, per employer. By
default they count neither before nor after a change; with ``place=True`` each such employer's
missing posts are placed **at its address** (the structures file's geocoded point), one conum
site per employer whose hours are unknown (filled later by the rule of ``data.site_hours``, and
marked), its posts in centralité there: an assumption the user asks for, said in a notice.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from ..core.notices import Notices
from ..core.vocabulary import POST_HOURS_WEEK
from .registers.locate import Gazetteer, locate_sites

#: ``located_by`` of a site placed at its employer's address.
AT_EMPLOYER = "adresse de l'employeur (liste des structures)"


@dataclass(frozen=True)
class DeclaredPosts:
    """Sites, posts and post → site links once the declared posts are dealt with."""

    sites: gpd.GeoDataFrame
    posts: pd.DataFrame
    post_sites: pd.DataFrame


def missing_posts(structures: pd.DataFrame) -> pd.Series:
    """Per structure of the département (``structure_id`` index): declared posts not seen in
    any lieu (only the positive counts)."""
    if "n_posts_declared" not in structures:
        return pd.Series(dtype=int)
    own = structures.loc[structures["in_dept"].fillna(False).astype(bool)]
    declared = pd.to_numeric(own["n_posts_declared"], errors="coerce").fillna(0)
    missing = (declared - own["n_posts"]).clip(lower=0).astype(int)
    return missing[missing > 0].set_axis(own.loc[missing > 0, "structure_id"].to_numpy())


def declared_posts(structures: pd.DataFrame, current: DeclaredPosts, gaz: Gazetteer, notices: Notices, *,
                   place: bool, source: str) -> DeclaredPosts:
    """Report the declared posts no lieu shows and, with ``place``, place them (module doc)."""
    missing = missing_posts(structures)
    if missing.empty:
        return current
    by_id = structures.set_index("structure_id")
    declared = pd.to_numeric(by_id["n_posts_declared"], errors="coerce")
    examples = [f"{by_id.at[s, 'nom']} : {m} sur {int(declared[s])}" for s, m in missing.items()]
    total, employers = int(missing.sum()), len(missing)
    if not place:
        notices.add("postes_sans_lieu", f"{total} poste(s) déclaré(s) par {employers} employeur(s) du "
                    "département n'apparaissent dans aucun lieu d'activité : ni avant ni après, ils ne "
                    "comptent pas (--postes-sans-lieu adresse-employeur pour les placer à l'adresse de "
                    "l'employeur)", count=total, examples=examples)
        return current
    frame = by_id.loc[missing.index].reset_index()
    located, unplaced = locate_sites(pd.DataFrame({
        "site_id": frame["structure_id"] + "-adresse",
        "register_id": frame["register_id"] if "register_id" in frame else frame["structure_id"],
        "nom": frame["nom"] + " — adresse de l'employeur (postes déclarés sans lieu)",
        "kind": "conum", "code_insee": frame["code_insee"].fillna("") if "code_insee" in frame else "",
        "code_postal": "", "commune": "", "lon": frame.get("lon"), "lat": frame.get("lat"),
        "presence_h": np.nan, "evening_h": np.nan, "saturday_h": np.nan, "itinerant": False,
        "source": source, "as_of": frame["as_of"], "structure_ref": frame["structure_id"],
        "in_dept": True,
    }), gaz)
    located["located_by"] = AT_EMPLOYER
    placed = missing.loc[located["structure_ref"]]
    notices.add("postes_places_adresse_employeur", f"{int(placed.sum())} poste(s) déclaré(s) sans lieu "
                f"placé(s) à l'adresse de leur employeur ({len(placed)} lieu(x) ajouté(s), horaires "
                "inconnus remplis par la règle des horaires)", count=int(placed.sum()), examples=examples)
    if len(unplaced):
        notices.add("postes_sans_lieu_non_places", f"{len(unplaced)} employeur(s) sans adresse localisable : "
                    "leurs postes déclarés sans lieu ne comptent pas", count=len(unplaced),
                    examples=unplaced["nom"])
    post_ids = [f"{s}-declare-{k + 1}" for s, m in placed.items() for k in range(m)]
    site_of = np.repeat(located["site_id"].to_numpy(), placed.to_numpy())
    posts = pd.DataFrame({
        "post_id": post_ids, "structure_id": np.repeat(placed.index.to_numpy(), placed.to_numpy()),
        "structure_ref": "", "fte": 1.0, "hours_week": POST_HOURS_WEEK, "end_date": pd.NaT,
        "model": "centralite", "base_site_id": site_of, "n_sites": 1, "source": source,
        "as_of": np.repeat(located["as_of"].to_numpy(), placed.to_numpy()),
    })
    links = pd.DataFrame({"post_id": post_ids, "site_id": site_of, "share": 1.0})
    sites = gpd.GeoDataFrame(pd.concat([current.sites, located.to_crs(current.sites.crs)], ignore_index=True),
                             geometry="geometry", crs=current.sites.crs)
    return DeclaredPosts(sites=sites, posts=pd.concat([current.posts, posts], ignore_index=True),
                         post_sites=pd.concat([current.post_sites, links], ignore_index=True))
