"""The orientation directory: the nearest open places of each kind from a commune or a point.

"je leur dis qui contacter près de chez eux": for a commune (its town hall) or a point, the
``per_kind`` nearest places of each kind (conseillers numériques, France services, lieux de
médiation numérique) by road time (people → place, the direction of every access time),
with the route's length (``analysis.routes``), weekly hours of presence, evening and
Saturday hours, the opening-hours text and what the place offers when the register says it.
A place is *open* when it has presence hours (unknown hours count as open: said in the
``horaires`` column). Places beyond ``cutoff_min`` are not listed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import ParameterError
from ..core.messages import says
from ..core.settings import Settings
from ..core.territory import Territory
from ..core.vocabulary import SITE_KINDS, TOWN_HALL
from ..network.graph import RoadGraph
from .engine import snap, time_table
from .routes import route_lengths_m

#: Places are searched this far (minutes of driving).
NEAREST_CUTOFF_MIN = 90.0
#: Columns of a directory, in this order.
NEAREST_COLUMNS = ("kind", "rank", "site_id", "nom", "commune", "code_insee", "time_min", "dist_km",
                   "presence_h", "presence_h_filled", "evening_h", "saturday_h", "horaires", "services", "adresse",
                   "telephone",
                   "itinerant", "as_of")


@dataclass(frozen=True)
class Directory:
    """The nearest places from one origin (``places``: ``NEAREST_COLUMNS``).

    Attributes
    ----------
    origin
        Where the places are measured from (a commune's name, an address, coordinates).
    territory
        The territory searched.
    places
        The nearest places of each kind, nearest first (``NEAREST_COLUMNS``).
    network
        The road network's key.
    """

    origin: str
    territory: Territory
    places: pd.DataFrame
    network: str

    def summary(self) -> dict:
        """JSON-ready: the origin and the places of each kind."""
        def clean(record: dict) -> dict:
            return {k: (None if not isinstance(v, (list, str)) and pd.isna(v) else v) for k, v in record.items()}

        return {"dept": self.territory.dept, "origin": self.origin,
                "places": {kind: [clean(r) for r in self.places.loc[self.places["kind"] == kind]
                                  .to_dict("records")] for kind in SITE_KINDS},
                "network": self.network, "network_approximate": self.network == "proxy",
                "sites_illustrative": bool(self.territory.illustrative), "sources": list(self.territory.sources)}


def nearest_by_kind(times: pd.DataFrame, sites: pd.DataFrame, per_kind: int) -> pd.DataFrame:
    """The ``per_kind`` nearest of each kind for every origin of a long ``times`` table
    (``site_id``, ``code_insee``, ``time_s``) over ``sites`` (``site_id``, ``kind``, ``nom``):
    ``code_insee``, ``kind``, ``rank``, ``site_id``, ``time_min`` and ``row`` (the row of
    ``times``), nearest first (ties by name)."""
    info = sites.set_index("site_id")[["kind", "nom"]]
    table = times.assign(row=np.arange(len(times)), time_min=times["time_s"].to_numpy() / 60.0)
    table = table.loc[table["site_id"].isin(info.index)]
    table = table.join(info, on="site_id").sort_values(["code_insee", "kind", "time_min", "nom"], kind="stable")
    table = table.groupby(["code_insee", "kind"], sort=False).head(per_kind)
    table["rank"] = table.groupby(["code_insee", "kind"], sort=False).cumcount() + 1
    return table[["code_insee", "kind", "rank", "site_id", "time_min", "row"]].reset_index(drop=True)


def commune_origin(territory: Territory, code_insee: str) -> tuple[float, float, str]:
    """The origin point (graph CRS) of a commune and its French label.

    Parameters
    ----------
    territory
        The territory holding the commune.
    code_insee
        The commune's INSEE code.

    Returns
    -------
    tuple
        ``(x, y, label)``: the origin point in the territory's metric CRS and its French label.
    """
    communes = territory.communes.set_index("code_insee")
    if code_insee not in communes.index:
        raise ParameterError(says("commune_absent", code=code_insee, dept=territory.dept))
    row = communes.loc[code_insee]
    return float(row["origin_x"]), float(row["origin_y"]), f"{row['nom']} ({code_insee}), {TOWN_HALL}"


def nearest_places(territory: Territory, graph: RoadGraph, x: float, y: float, *, origin: str = "",
                   settings: Settings | None = None, per_kind: int = 3,
                   cutoff_min: float = NEAREST_CUTOFF_MIN) -> Directory:
    """The ``per_kind`` nearest open places of each kind from the point ``(x, y)`` (graph CRS).

    Parameters
    ----------
    territory, graph
        The territory and its road graph.
    x, y
        The starting point, in the territory's metric CRS (``commune_origin``).
    origin
        Its label (said in the outputs).
    settings
        ``Settings()`` when None.
    per_kind
        How many places of each kind.
    cutoff_min
        Places are searched within this time.

    Returns
    -------
    Directory
    """
    settings = Settings() if settings is None else settings
    if per_kind < 1:
        raise ParameterError(says("per_kind", value=per_kind))
    sites = territory.sites
    sites = sites.loc[sites["presence_h"].isna() | (sites["presence_h"] > 0)].reset_index(drop=True)
    speed = settings.off_network_speed_kmh
    here = snap(graph, [x], [y], speed_kmh=speed)
    places = snap(graph, sites.geometry.x, sites.geometry.y, speed_kmh=speed)
    table = time_table(graph, places, here, cutoff_s=cutoff_min * 60.0, toward_sources=True)
    ranked = nearest_by_kind(table.assign(site_id=sites["site_id"].to_numpy()[table["source"].to_numpy()],
                                          code_insee="origin"), sites, per_kind)
    chosen = table["source"].to_numpy()[ranked["row"].to_numpy()]
    found = sites.iloc[chosen].assign(time_min=ranked["time_min"].to_numpy(), rank=ranked["rank"].to_numpy())
    lengths = route_lengths_m(graph, places, here, chosen, np.zeros(len(chosen), dtype=np.int64),
                              toward_sources=True, limit_s=cutoff_min * 60.0)
    found = found.assign(dist_km=lengths / 1000.0)
    names = territory.communes.set_index("code_insee")["nom"]
    found["commune"] = found["code_insee"].map(names).fillna(found["code_insee"])
    for column in NEAREST_COLUMNS:
        if column not in found.columns:
            found[column] = ("" if column in ("horaires", "services", "adresse", "telephone")
                             else False if column == "presence_h_filled" else np.nan)
    order = {kind: i for i, kind in enumerate(SITE_KINDS)}
    found = found.sort_values(["kind", "rank"], key=lambda c: c.map(order) if c.name == "kind" else c)
    return Directory(origin=origin or f"point ({x:.0f}, {y:.0f})", territory=territory,
                     places=pd.DataFrame(found[list(NEAREST_COLUMNS)]).reset_index(drop=True), network=graph.source)
