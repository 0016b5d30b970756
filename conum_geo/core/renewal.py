"""Renewal assumptions: what an employer decides when its posts come up for renewal.

Per structure type, the shares of the three answers employers gave — it renews, it does not,
it has not decided — and, for an employer of several posts that renews, the shares renewing
``all`` of them, a ``majority`` (at least half) or a ``minority``. Each has its source line,
said in every output. What the undecided do is an explicit assumption (``UNDECIDED``): they
renew, they do not, or half of them do (``split``, the default: the survey's undecided wanted to
keep their post, 97 %, but in territory B all of them were not renewed).

``SURVEY_2023`` is the default, from the 2023 employer survey (research digest §2.4): the
survey gives no split by type of employer and finds no significant gap between public (5.6 % do
not renew) and private employers (7.6 %), so every type takes the overall shares. Other
assumptions come from a TOML file (``data.renewal_files``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .errors import ParameterError
from .vocabulary import STRUCTURE_TYPES

#: What the undecided employers do (``--undecided``), and its French description.
UNDECIDED = {
    "split": "la moitié des indécis renouvelle",
    "renewed": "les indécis renouvellent",
    "not-renewed": "les indécis ne renouvellent pas",
}
#: Share of the undecided that do not renew, per ``UNDECIDED`` choice.
_UNDECIDED_NO = {"split": 0.5, "renewed": 0.0, "not-renewed": 1.0}


@dataclass(frozen=True)
class Outcomes:
    """Shares of employers that renew, do not, and have not decided (they sum to 1)."""

    renews: float
    no: float
    undecided: float
    source: str


@dataclass(frozen=True)
class RenewalAssumptions:
    """Outcomes per structure type, partial renewal, and what the undecided do (module doc).

    ``outcomes`` has every key of ``STRUCTURE_TYPES``; ``partial`` the shares (all, majority,
    minority) of renewing employers of several posts that renew that many of their posts.

    Attributes
    ----------
    name, source
        What the assumptions are and the survey they come from.
    outcomes
        Renewed / not renewed / undecided shares per structure type (every ``STRUCTURE_TYPES`` key).
    partial
        Of renewing employers of several posts, the shares renewing all, most or few of them.
    partial_source
        Where ``partial`` comes from.
    undecided
        What the undecided do (``UNDECIDED``: ``split``, half renew; ``renewed``; ``not-renewed``).
    overridden
        The structure types whose probabilities the user set outright (said in every output).
    """

    name: str
    source: str
    outcomes: dict[str, Outcomes]
    partial: tuple[float, float, float]
    partial_source: str
    undecided: str = "split"
    overridden: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self):
        if self.undecided not in UNDECIDED:
            raise ParameterError(f"indécis : {self.undecided!r} inconnu ; attendu parmi {', '.join(UNDECIDED)}")
        missing = set(STRUCTURE_TYPES) - set(self.outcomes)
        if missing:
            raise ParameterError(f"hypothèses de renouvellement : type(s) sans probabilités {sorted(missing)}")

    def p_nonrenewal(self, structure_type: str) -> float:
        """Probability that an employer of this type renews none of its posts."""
        o = self.outcomes[structure_type]
        return o.no + _UNDECIDED_NO[self.undecided] * o.undecided

    def with_undecided(self, undecided: str) -> RenewalAssumptions:
        """The same with another ``UNDECIDED`` choice."""
        return replace(self, undecided=undecided)

    def with_p_nonrenewal(self, probabilities: dict[str, float]) -> RenewalAssumptions:
        """The same with the non-renewal probability of some types set outright (no undecided)."""
        outcomes = dict(self.outcomes)
        for structure_type, p in probabilities.items():
            if structure_type not in STRUCTURE_TYPES or not 0.0 <= p <= 1.0:
                raise ParameterError(f"p_nonrenewal : {structure_type}={p} ; type connu et probabilité entre 0 et 1 attendus")
            outcomes[structure_type] = Outcomes(renews=1.0 - p, no=p, undecided=0.0, source="fixée par l'utilisateur")
        return replace(self, outcomes=outcomes, overridden=self.overridden | set(probabilities))

    def describe(self, types) -> dict:
        """JSON-ready description restricted to ``types`` (the types of the territory)."""
        return {
            "name": self.name, "source": self.source, "undecided": self.undecided,
            "undecided_label": UNDECIDED[self.undecided],
            "p_nonrenewal": {t: round(self.p_nonrenewal(t), 6) for t in types},
            "outcomes": {t: {"renews": round(o.renews, 6), "no": round(o.no, 6), "undecided": round(o.undecided, 6),
                             "source": o.source} for t, o in self.outcomes.items() if t in types},
            "partial": dict(zip(("all", "majority", "minority"), (round(s, 6) for s in self.partial))),
            "partial_source": self.partial_source,
        }


def shares(*counts: float) -> tuple[float, ...]:
    """Counts (or shares) as shares summing to 1."""
    total = sum(counts)
    return tuple(c / total for c in counts)


_SURVEY = "Enquête auprès des structures employeuses de conseillers numériques, vague 2 (oct.–nov. 2023, n = 927)"
#: The 2023 employer survey: renew 716 (543 single-post + 118 all + 46 majority + 9 minority),
#: no 61, undecided 150 (001:6361-6376); of the 173 renewing employers of several posts, 118
#: renew all, 46 a majority, 9 a minority.
SURVEY_2023 = RenewalAssumptions(
    name="Enquête employeurs 2023",
    source=_SURVEY,
    outcomes={t: Outcomes(716 / 927, 61 / 927, 150 / 927,
                          source="ensemble des 927 répondants : 716 renouvellent, 61 non, 150 indécis "
                                 "(001:6361-6376) ; écart public/privé non significatif (001:6401-6404)")
              for t in STRUCTURE_TYPES},
    partial=(118 / 173, 46 / 173, 9 / 173),
    partial_source="les 173 employeurs de plusieurs conseillers qui renouvellent : 118 tous les postes, "
                   "46 en majorité, 9 en minorité (001:6361-6376)",
)
