"""What each site offers once some posts end, move or are added.

A site's weekly presence hours (``sites.presence_h``) are shared among the posts that serve it
in proportion to their contribution ``share × fte`` (``post_sites.share``, ``posts.fte``;
unknown values count as 1, a site whose posts all contribute 0 splits evenly). A post thus
holds some presence hours at each of its sites: when it ends they are lost, when it moves they
follow it. A site served by no post (France services, a lieu with no known post) keeps its
hours whatever happens to posts. A served site stays active while one of its posts is alive.

``SupplyChange`` carries the sites before and after a change (a scenario, or two vintages of
a register) in the shape ``coverage.commune_coverage`` reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import InputError
from ..core.messages import says
from ..core.notices import Notice
from ..core.territory import Territory

#: Columns of a sites state, as ``coverage.commune_coverage`` reads them.
STATE_COLUMNS = ("site_id", "kind", "presence_h", "evening_h", "saturday_h", "fte", "active")


@dataclass(frozen=True)
class PostLinks:
    """Sites × posts matrices of a territory (rows: ``territory.sites``, columns: ``posts``).

    Attributes
    ----------
    shares
        Share of the site's presence hours each post holds (rows of served sites sum to 1).
    fte
        FTE each post spends at each site (``share × fte``).
    holds
        Boolean: the post holds a positive share of the site.
    served
        Per site: at least one post serves it.
    """

    shares: sp.csr_matrix
    fte: sp.csr_matrix
    holds: sp.csr_matrix
    served: np.ndarray

    @classmethod
    def of(cls, territory: Territory) -> PostLinks:
        links = territory.post_sites
        shape = (len(territory.sites), len(territory.posts))
        rows = pd.Index(territory.sites["site_id"]).get_indexer(links["site_id"])
        cols = pd.Index(territory.posts["post_id"]).get_indexer(links["post_id"])
        for index, column in ((rows, "site_id"), (cols, "post_id")):
            if (index < 0).any():
                row = int(np.flatnonzero(index < 0)[0])
                raise InputError(says("unknown_id", column=column, value=links[column].iloc[row]), path="post_sites",
                                 row=row + 1, field=column)
        share = links["share"].astype(float).fillna(1.0).to_numpy()
        post_fte = territory.posts["fte"].astype(float).fillna(1.0).to_numpy()[cols]
        if (share < 0).any() or (post_fte < 0).any():
            raise InputError(says("negative_shares"), path="post_sites", field="share")
        fte = sp.csr_matrix((share * post_fte, (rows, cols)), shape=shape)
        linked = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)
        linked.data[:] = 1.0
        total = np.asarray(fte.sum(axis=1)).ravel()
        even = total == 0
        weights = (fte + sp.diags(even.astype(float)) @ linked).tocsr()
        sums = np.asarray(weights.sum(axis=1)).ravel()
        shares = (sp.diags(np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)) @ weights).tocsr()
        shares.eliminate_zeros()
        holds = shares.copy()
        holds.data[:] = 1.0
        return cls(shares=shares, fte=fte, holds=holds, served=np.diff(linked.indptr) > 0)

    def active(self, alive: np.ndarray) -> np.ndarray:
        """Sites active when only ``alive`` posts remain (``alive``: posts, or posts × draws)."""
        held = self.holds @ np.asarray(alive, dtype=float)
        served = self.served if held.ndim == 1 else self.served[:, None]
        return ~served | (held > 0)


def post_hours(territory: Territory, links: PostLinks) -> pd.Series:
    """Presence hours each post holds over all its sites (NaN when one site's hours are unknown)."""
    hours = sp.diags(territory.sites["presence_h"].to_numpy(dtype=float)) @ links.shares
    total = np.asarray(hours.sum(axis=0)).ravel()
    return pd.Series(total, index=territory.posts["post_id"].to_numpy())


def site_state(territory: Territory, alive: np.ndarray, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """Presence hours, FTE and activity of every site when only ``alive`` posts remain.

    ``extra`` (``site_id``, ``presence_h``, ``fte``) adds what moved or added posts bring to
    sites of ``territory``. Returns ``STATE_COLUMNS``, one row per site (same order). A site's
    own ``fte`` column, when present, is the FTE of sites no post serves (else NaN).
    """
    links = PostLinks.of(territory)
    sites = territory.sites
    alive = np.asarray(alive, dtype=bool)
    lost = links.shares @ (~alive).astype(float)
    active = links.active(alive)
    presence = sites["presence_h"].to_numpy(dtype=float)
    own_fte = sites["fte"].to_numpy(dtype=float) if "fte" in sites else np.full(len(sites), np.nan)
    presence_h = np.where(links.served, np.where(active, presence * np.clip(1.0 - lost, 0.0, 1.0), 0.0),
                          presence)
    fte = np.where(links.served, links.fte @ alive.astype(float), own_fte)
    if extra is not None and len(extra):
        index = pd.Index(sites["site_id"]).get_indexer(extra["site_id"])
        if (index < 0).any():
            raise InputError(says("unknown_id", column="site_id", value=extra["site_id"].iloc[int(np.flatnonzero(index < 0)[0])]),
                             path="extra", field="site_id")
        np.add.at(presence_h, index, extra["presence_h"].to_numpy(dtype=float))
        np.add.at(fte, index, extra["fte"].to_numpy(dtype=float))
        active[index] = True
    # Evening and Saturday hours follow the hours they are part of; added posts bring none.
    kept = np.divide(presence_h, presence, out=np.zeros_like(presence_h), where=presence > 0)
    timed = {column: sites[column].to_numpy(dtype=float) * np.minimum(kept, 1.0) if column in sites
             else np.zeros(len(sites)) for column in ("evening_h", "saturday_h")}
    return pd.DataFrame({"site_id": sites["site_id"].to_numpy(), "kind": sites["kind"].to_numpy(),
                         "presence_h": presence_h, **timed, "fte": fte, "active": active})


@dataclass(frozen=True)
class SupplyChange:
    """Sites before and after a change, with the territory that holds all of them.

    ``territory.sites`` holds every site of either side (sites that exist only after, such as
    a scenario's new sites, are inactive before); ``before`` and ``after`` are site states
    (``STATE_COLUMNS``) in the order of ``territory.sites``; ``ended`` the posts that end
    (``post_id``, French ``reason``); ``notices`` what the change's rules did that the user must
    know.
    """

    territory: Territory
    before: pd.DataFrame
    after: pd.DataFrame
    label: str
    ended: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"post_id": pd.Series(dtype=object), "reason_code": pd.Series(dtype=object)}))
    notices: tuple[Notice, ...] = ()

    @property
    def ended_posts(self) -> int:
        """How many posts end."""
        return len(self.ended)
