"""Centralité: one stop, the base site itself; people travel to it (no driving)."""

from __future__ import annotations

import pandas as pd

from ..parameters import ModelAssumptions
from .model import DeploymentModel


def stops(base_stops: pd.DataFrame, visits: pd.DataFrame, posts: pd.DataFrame,
          assumptions: ModelAssumptions) -> pd.DataFrame:
    return base_stops


MODEL = DeploymentModel(name="centralite", stops=stops, roving=False)
