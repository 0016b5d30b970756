"""What a deployment model is: a name, where its sessions happen, whether they move."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from ..parameters import ModelAssumptions

#: ``stops(base_stops, visits, posts, assumptions)``: the model's stops of every post,
#: ``(post_id, site_id, code_insee, round_trip_s, round_trip_m)``, from the posts' base stops
#: (no driving) and the visits of their shares of the territory, most populous first.
Stops = Callable[[pd.DataFrame, pd.DataFrame, pd.DataFrame, ModelAssumptions], pd.DataFrame]


@dataclass(frozen=True)
class DeploymentModel:
    """One deployment model (package doc)."""

    name: str
    stops: Stops
    roving: bool
