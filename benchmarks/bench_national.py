"""The national run: every département on the real registers, in-process vs Dask, one process.

Reads the national inputs once (the registers of ``--data-dir`` and the national commune
layer; ``load_s``, and ``layer_s`` for the layer alone, from its cache), then runs ``gaps``
(the national scenario, proxy network) on every département twice in the same process:
serially without Dask (``workers=0``) and on a ``LocalCluster`` of ``--workers`` processes,
each writing its folders into a fresh temporary directory (outputs included, as
``conum-geo gaps --dept all --out DIR`` does), then the atlas. Reports for each: wall time, time per
département (min / median / max), where the time goes (territory slicing, network, analysis,
outputs), peak memory per process, and checks that both give the same national tables.

    python benchmarks/bench_national.py --data-dir ../shared/data --json [--workers 2] [--depts all]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import tempfile
import time

import pandas as pd

from conum_geo.core.departements import parse_depts
from conum_geo.data.national_communes import commune_layer
from conum_geo.data.scenario_files import load_scenario
from conum_geo.data.territory import load_national
from conum_geo.national import Job, run_departements
from conum_geo.outputs.atlas import write_atlas


def _run(inputs, depts, job, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        result = run_departements(inputs, depts, job, out_dir=folder, workers=workers)
        write_atlas(result, folder)
        wall = time.perf_counter() - start
    summary = result.summary()
    return {"wall_s": round(wall, 2), "dept_s": summary["dept_s"], "time_by_step_s": summary["time_by_step_s"],
            "peak_memory_mb_by_process": summary["peak_memory_mb_by_process"], "failed": summary["failed"],
            "mode": summary["mode"], "_result": result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--depts", default="all")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    start = time.perf_counter()
    commune_layer()
    layer_s = time.perf_counter() - start
    inputs = load_national(args.data_dir)
    load_s = time.perf_counter() - start
    depts = parse_depts(args.depts)
    job = Job(command="gaps", scenario=load_scenario("employeurs-prives-non-renouveles"))
    serial = _run(inputs, depts, job, workers=0)
    dask = _run(inputs, depts, job, workers=args.workers)
    drop = [c for c in serial["_result"].departements if c.startswith("temps_")]
    same_departements = serial["_result"].departements.drop(columns=drop).equals(
        dask["_result"].departements.drop(columns=drop))
    same_communes = pd.DataFrame(serial["_result"].communes.drop(columns="geometry")).equals(
        pd.DataFrame(dask["_result"].communes.drop(columns="geometry")))
    report = {
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}",
        "command": f"python benchmarks/bench_national.py --data-dir {args.data_dir} --workers {args.workers} "
                   f"--depts {args.depts}",
        "departements": len(depts), "layer_s": round(layer_s, 2), "load_s": round(load_s, 2),
        "serial": {k: v for k, v in serial.items() if not k.startswith("_")},
        "dask": {k: v for k, v in dask.items() if not k.startswith("_")},
        "speedup": round(serial["wall_s"] / dask["wall_s"], 2),
        "same_tables": bool(same_departements and same_communes),
        "client_peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else report)


if __name__ == "__main__":
    main()
