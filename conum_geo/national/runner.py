"""Many départements at once: in-process, or on Dask (a LocalCluster or a real scheduler).

The partitions are départements (each with its ring, ``jobs.run_departement``); tasks are
coarse, one per département. On Dask the national inputs go to the workers once
(``client.scatter(..., broadcast=True)``), each task receives the scattered future, and results
are collected with ``as_completed`` so that a progress bar moves and one département's failure
is reported while the others finish. Without Dask (``workers=0``) the same function runs in
this process, one département after another, and Dask is never imported.

Scheduler: ``scheduler`` (an address such as ``tcp://10.0.0.5:8786``), else the standard
``DASK_SCHEDULER_ADDRESS`` variable, else a ``LocalCluster`` of ``workers`` processes (one
thread each). On a real cluster ``out_dir`` must be a folder every worker can write to.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..core.errors import DataUnavailableError, ParameterError
from ..core.progress import progress
from ..core.territory import CRS_WGS84
from ..data.territory import NationalInputs
from .jobs import STATUS_DONE, STATUS_FAILED, STATUS_REUSED, DeptOutcome, Job, empty_table, run_departement

log = logging.getLogger(__name__)

SCHEDULER_VARIABLE = "DASK_SCHEDULER_ADDRESS"
#: A LocalCluster with no dashboard, whose scheduler's HTTP server (which Dask starts even
#: without a dashboard, on port 8787 by default) takes a free port of the loopback: two runs on
#: one machine never collide, and nothing listens beyond the machine.
QUIET_CLUSTER = {"dashboard_address": None, "silence_logs": logging.ERROR,
                 "scheduler_kwargs": {"dashboard": False, "dashboard_address": "127.0.0.1:0"}}


@dataclass
class NationalResult:
    """The outcome of every département of a run, in département order."""

    job: Job
    inputs: NationalInputs
    outcomes: list[DeptOutcome]
    mode: str
    workers: int
    wall_s: float
    notes: list[str] = field(default_factory=list)

    @property
    def departements(self) -> pd.DataFrame:
        """One row per département: its headline figures, or why it failed."""
        rows = [{"dept": o.dept, "statut": o.status, "motif": o.reason, **o.row,
                 **{f"temps_{k}_s": v for k, v in o.times_s.items()}} for o in self.outcomes]
        frame = pd.DataFrame(rows)
        frame["dept"] = [o.dept for o in self.outcomes]
        return frame

    @property
    def communes(self) -> gpd.GeoDataFrame:
        """Every commune (or arrondissement) of the départements computed, WGS84."""
        tables = [o.communes for o in self.outcomes if o.communes is not None and len(o.communes)]
        if not tables:
            return empty_table(self.job.command)
        return gpd.GeoDataFrame(pd.concat(tables, ignore_index=True), geometry="geometry", crs=CRS_WGS84)

    @property
    def outlines(self) -> gpd.GeoDataFrame:
        """The outline of each département computed (WGS84), with its row."""
        done = [o for o in self.outcomes if o.outline is not None]
        frame = pd.DataFrame([{"dept": o.dept, **o.row} for o in done])
        return gpd.GeoDataFrame(frame, geometry=[o.outline for o in done], crs=CRS_WGS84)

    def summary(self) -> dict:
        """National totals, failures and where the time went, JSON-ready."""
        deps = self.departements
        done = deps.loc[deps["statut"] != STATUS_FAILED]
        totals = {column: int(pd.to_numeric(done[column], errors="coerce").fillna(0).sum())
                  for column in ("communes", "units", "population", "lost_cover_communes", "lost_cover_population",
                                 "flagged_communes", "flagged_population", "conum_posts")
                  if column in done}
        per_dept = [sum(o.times_s.values()) for o in self.outcomes if o.status == STATUS_DONE and o.times_s]
        steps = sorted({k for o in self.outcomes for k in o.times_s})
        memory: dict[int, float] = {}
        for o in self.outcomes:
            memory[o.pid] = max(memory.get(o.pid, 0.0), o.peak_memory_mb)
        return {
            "command": self.job.command, "mode": self.mode, "workers": self.workers,
            "departements": len(self.outcomes),
            "computed": int((deps["statut"] == STATUS_DONE).sum()),
            "reused": int((deps["statut"] == STATUS_REUSED).sum()),
            "failed": [{"dept": o.dept, "reason": o.reason} for o in self.outcomes if o.status == STATUS_FAILED],
            **totals,
            "wall_s": round(self.wall_s, 2),
            "dept_s": ({"min": round(min(per_dept), 2), "median": round(float(pd.Series(per_dept).median()), 2),
                        "max": round(max(per_dept), 2)} if per_dept else None),
            "time_by_step_s": {k: round(sum(o.times_s.get(k, 0.0) for o in self.outcomes), 2) for k in steps},
            "peak_memory_mb_by_process": {str(pid): round(mb, 1) for pid, mb in memory.items()},
            "inputs": self.inputs.files, "inputs_fingerprint": self.inputs.fingerprint,
            "notes": list(self.notes),
        }


def run_serial(inputs: NationalInputs, depts, job: Job, out_dir: Path | None) -> list[DeptOutcome]:
    """Every département in this process, one after another."""
    return [run_departement(inputs, dept, job, out_dir)
            for dept in progress(list(depts), step="departements", line_every_s=0.0)]


def _client(workers: int, scheduler: str | None):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise DataUnavailableError("le calcul national sur Dask demande dask.distributed : "
                                   "pip install 'conum-geo[national]' (ou --workers 0 : sans Dask)") from None
    # distributed logs through handlers of its own: only its errors reach the terminal (-vv: all).
    verbose = logging.getLogger("conum_geo").isEnabledFor(logging.DEBUG)
    logging.getLogger("distributed").setLevel(logging.DEBUG if verbose else logging.ERROR)
    if scheduler:
        return Client(scheduler), f"dask ({scheduler})"
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, **QUIET_CLUSTER)
    return Client(cluster), f"dask LocalCluster ({workers} processus)"


def run_dask(inputs: NationalInputs, depts, job: Job, out_dir: Path | None, *, workers: int,
             scheduler: str | None) -> tuple[list[DeptOutcome], str]:
    """Every département on Dask (module doc)."""
    client, mode = _client(workers, scheduler)
    from dask.distributed import as_completed

    try:
        shared = client.scatter(inputs, broadcast=True)
        futures = {client.submit(run_departement, shared, dept, job, out_dir, key=f"departement-{dept}", pure=False): dept
                   for dept in depts}
        outcomes = []
        with progress(total=len(futures), step="departements", line_every_s=0.0) as bar:
            for future in as_completed(futures):
                dept = futures[future]
                try:
                    outcomes.append(future.result())
                except Exception as exc:  # a worker lost, a task killed: reported, the others go on
                    outcomes.append(DeptOutcome(dept=dept, status=STATUS_FAILED,
                                                reason=f"tâche Dask perdue ({type(exc).__name__} : {exc})"))
                bar.update(1)
    finally:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()
    return outcomes, mode


def run_departements(inputs: NationalInputs, depts, job: Job, *, out_dir: str | Path | None = None,
                     workers: int | None = None, scheduler: str | None = None) -> NationalResult:
    """Run ``job`` on every département of ``depts`` (module doc).

    ``workers`` 0 runs in this process; None means one worker per core.
    """
    depts = list(dict.fromkeys(depts))
    if not depts:
        raise ParameterError("aucun département à calculer")
    scheduler = scheduler or os.environ.get(SCHEDULER_VARIABLE) or None
    workers = (os.cpu_count() or 1) if workers is None else int(workers)
    if workers < 0:
        raise ParameterError(f"workers : attendu ≥ 0, reçu {workers}")
    folder = Path(out_dir).absolute() if out_dir is not None else None
    start = time.perf_counter()
    if scheduler is None and workers == 0:
        outcomes, mode = run_serial(inputs, depts, job, folder), "en série (sans Dask)"
    else:
        outcomes, mode = run_dask(inputs, depts, job, folder, workers=max(workers, 1), scheduler=scheduler)
    order = {dept: i for i, dept in enumerate(depts)}
    outcomes.sort(key=lambda o: order[o.dept])
    failed = [o for o in outcomes if o.status == STATUS_FAILED]
    log.info("%d départements, %d échecs, %.1f s", len(outcomes), len(failed), time.perf_counter() - start)
    return NationalResult(job=job, inputs=inputs, outcomes=outcomes, mode=mode, workers=workers,
                          wall_s=time.perf_counter() - start)
