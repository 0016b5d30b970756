"""Rayonnement: every commune of the post's share of the territory is a stop, visited in
rotation (the post's presences away from its base move: they are itinerant)."""

from __future__ import annotations

import pandas as pd

from ..parameters import ModelAssumptions
from .model import DeploymentModel


def stops(base_stops: pd.DataFrame, visits: pd.DataFrame, posts: pd.DataFrame,
          assumptions: ModelAssumptions) -> pd.DataFrame:
    # a post with no commune of its own (more posts than communes at a base) stays at its base
    idle = base_stops.loc[~base_stops["post_id"].isin(visits["post_id"])]
    return pd.concat([visits[list(base_stops.columns)], idle], ignore_index=True)


MODEL = DeploymentModel(name="rayonnement", stops=stops, roving=True)
