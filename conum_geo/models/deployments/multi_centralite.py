"""Multi-centralité: stable stops, the base site plus the ``centres_per_post − 1`` most
populous communes of the post's share of the territory."""

from __future__ import annotations

import pandas as pd

from ..parameters import ModelAssumptions
from .model import DeploymentModel


def stops(base_stops: pd.DataFrame, visits: pd.DataFrame, posts: pd.DataFrame,
          assumptions: ModelAssumptions) -> pd.DataFrame:
    base_code = visits["post_id"].map(posts.set_index("post_id")["base_code_insee"])
    centres = (visits.loc[visits["code_insee"] != base_code]
               .groupby("post_id", sort=False).head(assumptions.centres_per_post - 1))
    return pd.concat([base_stops, centres[list(base_stops.columns)]], ignore_index=True)


MODEL = DeploymentModel(name="multi_centralite", stops=stops, roving=False)
