"""One département of a national run: what it computes, and what it hands back.

``run_departement(inputs, dept, job, out_dir)`` is the partition function: it slices the
territory out of the national inputs (its ring included, so the borders are right), builds its
network, runs the job (``gaps`` or ``simulate``), writes the département's folder and returns a
``DeptOutcome``: its headline row, its communes (light columns, WGS84) and its outline for the
atlas, timings and the process's peak memory. It never raises for a département that cannot
be computed: the outcome says why (``status`` ``échec``), so the others still finish. The same
function runs in-process (``runner.run_serial``) and on Dask workers (``runner.run_dask``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from ..core.costs import CostTable
from ..core.departements import territory_name
from ..core.errors import ConumGeoError, InputError
from ..core.renewal import RenewalAssumptions
from ..core.scenarios import Scenario
from ..core.settings import Settings
from ..core.territory import CRS_WGS84, Territory
from ..data.territory import NationalInputs
from ..outputs.tables import TableFormat

log = logging.getLogger(__name__)

JOBS = ("gaps", "simulate")
#: Outline simplification of a département in the atlas index (m).
OUTLINE_SIMPLIFY_M = 300.0
#: Commune geometries of the national table are simplified by this much (m).
COMMUNE_SIMPLIFY_M = 30.0
STATUS_DONE, STATUS_REUSED, STATUS_FAILED = "calculé", "repris", "échec"
#: Columns of each job's communes in the national table.
TABLE_COLUMNS = {
    "gaps": ("code_insee", "nom", "commune_code", "population", "status", "flagged", "reason_code",
             "covered_before", "covered_after", "baseline_min", "scenario_min", "france_services_min"),
    "simulate": ("code_insee", "nom", "commune_code", "population", "covered_before", "p_lose",
                 "expected_population_lost"),
}


@dataclass(frozen=True)
class Job:
    """What every département of a run computes, with the same options."""

    command: str = "gaps"
    settings: Settings = field(default_factory=Settings)
    scenario: Scenario | None = None
    network: dict = field(default_factory=dict)
    draws: int | None = 1000
    seed: int = 0
    assumptions: RenewalAssumptions | None = None
    p_nonrenewal: dict | None = None
    undecided: str = "split"
    tolerance: float | None = None
    tables: TableFormat | None = None
    costs: CostTable | None = None
    funding: str = "initial"

    def __post_init__(self):
        if self.command not in JOBS:
            raise InputError(f"commande nationale inconnue {self.command!r} : attendu l'une de {JOBS}")

    def key(self, inputs: NationalInputs) -> str:
        """Identifies the job on these inputs: outputs with the same key are reused."""
        from ..core.version import __version__

        parts = {"inputs": inputs.fingerprint, "command": self.command, "settings": repr(self.settings),
                 "scenario": repr(self.scenario), "network": self.network, "draws": self.draws,
                 "seed": self.seed, "assumptions": repr(self.assumptions), "p_nonrenewal": self.p_nonrenewal,
                 "undecided": self.undecided, "tolerance": self.tolerance, "costs": repr(self.costs),
                 "funding": self.funding, "version": __version__}
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:24]


@dataclass
class DeptOutcome:
    """What one département of a national run gives back (module doc)."""

    dept: str
    status: str
    reason: str = ""
    row: dict = field(default_factory=dict)
    communes: gpd.GeoDataFrame | None = None
    outline: object = None
    times_s: dict = field(default_factory=dict)
    peak_memory_mb: float = 0.0
    pid: int = 0


def _peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _outline(communes: gpd.GeoDataFrame):
    outline = communes.geometry.union_all().simplify(OUTLINE_SIMPLIFY_M)
    return gpd.GeoSeries([outline], crs=communes.crs).to_crs(CRS_WGS84).iloc[0]


def dept_row(territory: Territory, summary: dict, command: str) -> dict:
    """The département's line of ``france/departements.csv``."""
    sites = territory.sites
    own_sites = sites.loc[sites["in_dept"].astype(bool)] if "in_dept" in sites else sites
    population = summary["population"]
    per_10k = (lambda n: round(10_000 * n / population, 2) if population else None)
    posts = int(len(territory.posts))
    row = {
        "dept": territory.dept, "nom": territory_name(territory.dept), "communes": summary["communes"],
        "units": summary["units"], "population": population,
        **{f"sites_{kind}": int((own_sites["kind"] == kind).sum()) for kind in ("conum", "france_services", "mediation")},
        "conum_posts": posts, "conum_posts_per_10k": per_10k(posts),
    }
    if command == "gaps":
        row |= {
            "lost_cover_communes": summary["lost_cover_communes"],
            "lost_cover_population": summary["lost_cover_population"],
            "lost_cover_per_10k": per_10k(summary["lost_cover_population"]),
            "flagged_communes": summary["flagged_communes"], "flagged_population": summary["flagged_population"],
            "uncovered_before_population": summary["uncovered_before_population"],
            "france_services_fallback_population": summary.get("france_services_fallback_population"),
            "ended_posts": summary["ended_posts"],
        }
    else:
        row |= {"expected_population_lost": summary["expected_population_lost"],
                "expected_lost_per_10k": per_10k(summary["expected_population_lost"] or 0)}
    return row


def _table(communes: pd.DataFrame, territory: Territory, command: str) -> gpd.GeoDataFrame:
    table = communes.copy()
    table["commune_code"] = territory.communes["commune_code"].to_numpy()
    table["dept"] = territory.dept
    table["geometry"] = table.geometry.simplify(COMMUNE_SIMPLIFY_M)
    columns = [*TABLE_COLUMNS[command], "dept", "geometry"]
    return gpd.GeoDataFrame(table[columns], geometry="geometry", crs=communes.crs).to_crs(CRS_WGS84)


def _reuse(folder: Path, key: str, command: str) -> DeptOutcome | None:
    """The outcome stored in ``folder`` by a run with the same key, when its set is complete;
    None when there is none (or it cannot be read: it is computed again)."""
    from ..outputs.files import read_manifest

    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        stored = summary.get("national", {})
        if stored.get("key") != key:
            return None
        read_manifest(folder)
        communes = gpd.read_file(folder / "communes.gpkg", layer="communes", engine="pyogrio")
        table = communes.assign(dept=stored["row"]["dept"])[[*TABLE_COLUMNS[command], "dept", "geometry"]]
        table["geometry"] = table.geometry.simplify(COMMUNE_SIMPLIFY_M)
        return DeptOutcome(dept=stored["row"]["dept"], status=STATUS_REUSED, row=stored["row"],
                           communes=table.to_crs(CRS_WGS84), outline=shapely.from_wkt(stored["outline_wkt"]),
                           peak_memory_mb=_peak_memory_mb(), pid=os.getpid())
    except FileNotFoundError:
        return None
    except Exception as exc:  # damaged or of another version: computed again
        log.info("%s : sorties précédentes non reprises (%s)", folder, exc)
        return None


def run_departement(inputs: NationalInputs, dept: str, job: Job, out_dir: str | Path | None = None) -> DeptOutcome:
    """Run ``job`` on ``dept`` (module doc)."""
    from ..analysis.gaps import GapsResult, analyse_gaps
    from ..analysis.simulate import SimulationResult, simulate_renewals
    from ..network import load_network
    from ..outputs.reports import write_gaps, write_simulation
    from ..outputs.summary import full_summary

    key = job.key(inputs)
    folder = Path(out_dir) / dept if out_dir is not None else None
    if folder is not None and (reused := _reuse(folder, key, job.command)) is not None:
        return reused
    times: dict[str, float] = {}
    start = time.perf_counter()
    try:
        territory = inputs.territory(dept)
        times["territoire"] = time.perf_counter() - start
        graph = load_network(territory, **job.network)
        times["réseau"] = time.perf_counter() - start - sum(times.values())
        result: GapsResult | SimulationResult
        if job.command == "gaps":
            result = analyse_gaps(territory, graph, scenario=job.scenario or Scenario(), settings=job.settings,
                                  costs=job.costs, funding=job.funding)
        else:
            result = simulate_renewals(territory, graph, settings=job.settings, draws=job.draws, seed=job.seed,
                                       assumptions=job.assumptions, p_nonrenewal=job.p_nonrenewal,
                                       undecided=job.undecided, tolerance=job.tolerance)
        times["analyse"] = time.perf_counter() - start - sum(times.values())
        summary = full_summary(result)
        row = dept_row(territory, summary, job.command) | {"warnings": len(summary["warnings"])}
        outline = _outline(territory.communes)
        if folder is not None:
            extra = {"national": {"key": key, "row": row, "outline_wkt": outline.wkt}}
            if isinstance(result, GapsResult):
                write_gaps(result, folder, extra=extra, tables=job.tables)
            else:
                write_simulation(result, folder, extra=extra, tables=job.tables)
        times["sorties"] = time.perf_counter() - start - sum(times.values())
        table = _table(result.communes, territory, job.command)
    except ConumGeoError as exc:
        return DeptOutcome(dept=dept, status=STATUS_FAILED, reason=str(exc), times_s=times,
                           peak_memory_mb=_peak_memory_mb(), pid=os.getpid())
    except Exception as exc:  # one département's bug must not stop the national run
        log.debug("département %s", dept, exc_info=True)
        return DeptOutcome(dept=dept, status=STATUS_FAILED, reason=f"erreur interne ({type(exc).__name__} : {exc})",
                           times_s=times, peak_memory_mb=_peak_memory_mb(), pid=os.getpid())
    return DeptOutcome(dept=dept, status=STATUS_DONE, row=row, communes=table, outline=outline,
                       times_s={k: round(v, 3) for k, v in times.items()}, peak_memory_mb=_peak_memory_mb(),
                       pid=os.getpid())


def empty_table(command: str) -> gpd.GeoDataFrame:
    """The national communes table with no row."""
    return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in (*TABLE_COLUMNS[command], "dept")},
                            geometry=gpd.GeoSeries([], crs=CRS_WGS84), crs=CRS_WGS84)
