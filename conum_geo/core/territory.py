"""The product's normalised tables and the bundle that carries them between layers.

Every loader (embedded demo, national registers) produces these tables; every analysis
consumes them. Geometries are in Lambert-93 (EPSG:2154) for metropolitan France.

- ``communes`` (GeoDataFrame, polygons): ``code_insee``, ``nom``, ``population``,
  ``epci_code``, ``origin_x``, ``origin_y`` (the commune's origin point: town hall, else an
  interior point), ``geometry``; ``epci_nom`` when known.
- ``sites`` (GeoDataFrame, points): ``site_id``, ``nom``, ``kind`` (``SITE_KINDS``),
  ``code_insee``, ``presence_h`` (weekly opening hours; unknown hours are filled when the
  territory is built, ``data.site_hours``, and marked in ``presence_h_filled``), ``evening_h``
  and ``saturday_h`` (hours after 18:00 and on Saturday), ``itinerant``, ``source``, ``as_of``,
  ``geometry``.
- ``posts`` (DataFrame): ``post_id``, ``structure_id``, ``fte``, ``hours_week``,
  ``end_date``, ``model`` (``MODELS``), ``base_site_id``, ``source``, ``as_of``; and the
  contract calendar (``data.calendar``: ``start_date``, ``end_date_source``,
  ``end_date_estimated``, ``renewal_status``), unknown by default.
- ``post_sites`` (DataFrame, long): ``post_id``, ``site_id``, ``share`` (share of the
  post's time at that site; shares of a post sum to 1).
- ``structures`` (DataFrame): ``structure_id``, ``nom``, ``structure_type``
  (``STRUCTURE_TYPES``), ``public``, ``n_posts``, ``source``, ``as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from .departements import metric_crs
from .errors import InputError
from .notices import Notice, Notices
from .site_hours import fill_unknown_hours
from .vocabulary import SITE_KINDS

CRS_METRIC = "EPSG:2154"
CRS_WGS84 = "EPSG:4326"


COMMUNE_COLUMNS = ("code_insee", "nom", "population", "epci_code", "origin_x", "origin_y")
SITE_COLUMNS = ("site_id", "nom", "kind", "code_insee", "presence_h", "itinerant", "source", "as_of")
POST_COLUMNS = (
    "post_id", "structure_id", "fte", "hours_week", "end_date", "model", "base_site_id",
    "source", "as_of",
)
POST_SITE_COLUMNS = ("post_id", "site_id", "share")
#: The contract calendar of posts when nothing says it (``data.calendar``).
_CALENDAR_DEFAULTS = {"start_date": pd.NaT, "end_date_source": "inconnue", "end_date_estimated": False,
                      "renewal_status": "inconnu"}
STRUCTURE_COLUMNS = ("structure_id", "nom", "structure_type", "public", "n_posts", "source", "as_of")


def require_columns(frame: pd.DataFrame, columns, *, table: str) -> None:
    """Raise ``InputError`` naming the first missing column of ``table``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"colonne(s) absente(s) {missing} ; attendu {list(columns)}", path=table)


def require_unique(frame: pd.DataFrame, column: str, *, table: str) -> None:
    """Raise ``InputError`` naming the first duplicated id of ``table``."""
    duplicated = frame[column].duplicated(keep="first")
    if duplicated.any():
        row = int(duplicated.to_numpy().nonzero()[0][0])
        raise InputError(
            f"identifiant en double {frame[column].iloc[row]!r} ; les identifiants doivent être uniques",
            path=table, row=row + 1, field=column,
        )


@dataclass
class Territory:
    """Everything one analysis needs about a département: communes, sites, posts, employers.

    ``illustrative`` is True when sites and posts are made up by a documented rule (the
    embedded demo) rather than read from national registers. ``communes`` are the units
    analysed (communes, or municipal arrondissements; ``commune_code`` names the commune);
    ``ring`` the communes of other départements around it (``COMMUNE_COLUMNS``: network nodes and
    names across the border, never reported); ``unlocated`` the communes counted but without
    any contour (``code_insee``, ``nom``, ``population``, ``commune_code``).

    Attributes
    ----------
    dept
        The département code (``"58"``, ``"2A"``, ``"971"``).
    communes
        The units analysed, one row each (``COMMUNE_COLUMNS``, Lambert-93 or the overseas CRS).
    sites
        Every place of help (``SITE_COLUMNS``): France services, lieux, Conum sites.
    posts, post_sites
        The conseillers numériques' posts (``POST_COLUMNS``) and the sites each works at, with its
        share of time (``POST_SITE_COLUMNS``).
    structures
        The posts' employers (``STRUCTURE_COLUMNS``).
    illustrative
        True for made-up sites and posts (the embedded demo).
    sources
        The files and vintages every layer comes from.
    warnings
        What was skipped, dropped or filled in on the way (``core.notices.Notice``).
    ring, unlocated
        The communes around the département, and those counted without any contour.
    """

    dept: str
    communes: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    posts: pd.DataFrame
    post_sites: pd.DataFrame
    structures: pd.DataFrame
    illustrative: bool
    sources: tuple[str, ...] = ()
    warnings: list[Notice] = field(default_factory=list)
    ring: gpd.GeoDataFrame | None = None
    unlocated: pd.DataFrame | None = None

    def __post_init__(self):
        self._complete()
        self._check()

    def _complete(self) -> None:
        """What a loader may leave out: an empty ring, no unlocated commune, unknown hours
        filled by the rule (said), an unknown contract calendar, communes as their own units."""
        if self.ring is None:
            self.ring = self.communes.iloc[:0][list(COMMUNE_COLUMNS) + ["geometry"]]
        if self.unlocated is None:
            self.unlocated = pd.DataFrame({c: pd.Series(dtype=object) for c in
                                           ("code_insee", "nom", "population", "commune_code")})
        if "presence_h_filled" not in self.sites.columns or self.sites["presence_h"].isna().any():
            notices = Notices()
            self.sites = fill_unknown_hours(self.sites, notices)
            self.warnings = [*self.warnings, *notices]
        missing_calendar = {k: v for k, v in _CALENDAR_DEFAULTS.items() if k not in self.posts.columns}
        if missing_calendar:
            self.posts = self.posts.assign(**missing_calendar)
        if "commune_code" not in self.communes.columns:
            self.communes = self.communes.assign(commune_code=self.communes["code_insee"])

    def _check(self) -> None:
        """The tables' columns, unique ids, site kinds and coordinate system."""
        assert self.ring is not None  # set by _complete
        require_columns(self.ring, COMMUNE_COLUMNS, table="ring")
        for frame, columns, name, key in (
            (self.communes, COMMUNE_COLUMNS, "communes", "code_insee"),
            (self.sites, SITE_COLUMNS, "sites", "site_id"),
            (self.posts, POST_COLUMNS, "posts", "post_id"),
            (self.post_sites, POST_SITE_COLUMNS, "post_sites", None),
            (self.structures, STRUCTURE_COLUMNS, "structures", "structure_id"),
        ):
            require_columns(frame, columns, table=name)
            if key:
                require_unique(frame, key, table=name)
        unknown_kinds = set(self.sites["kind"]) - set(SITE_KINDS)
        if unknown_kinds:
            raise InputError(f"type(s) de lieu inconnu(s) {sorted(unknown_kinds)}", path="sites", field="kind")
        expected = metric_crs(self.dept)
        for name, frame in (("communes", self.communes), ("sites", self.sites), ("ring", self.ring)):
            if frame.crs is None or not frame.crs.equals(expected):
                raise InputError(f"système de coordonnées {expected} attendu pour le territoire "
                                 f"{self.dept}, reçu {frame.crs}", path=name)

    def counts(self) -> dict:
        """Communes (of the COG: arrondissements count as their commune), analysis units,
        communes without contour, and the population of all of them."""
        assert self.unlocated is not None  # set by __post_init__
        unlocated_population = pd.to_numeric(self.unlocated["population"], errors="coerce").fillna(0)
        return {
            "communes": int(self.communes["commune_code"].nunique() + len(self.unlocated)),
            "units": int(len(self.communes)),
            "communes_unlocated": len(self.unlocated),
            "population": int(self.communes["population"].sum() + unlocated_population.sum()),
            "population_unlocated": int(unlocated_population.sum()),
        }

    @property
    def crs(self) -> str:
        """The metric CRS every geometry of the territory is in."""
        return metric_crs(self.dept)
