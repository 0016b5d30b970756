"""conum-geo as users run it: the command line, end to end, in fresh processes.

Two cases, each timed in a child process (wall time, CPU time of the process and its
children, peak memory of the largest process, the machine's load average before the run):

- ``--dept 58`` (default): ``gaps`` on the embedded demo (the yardstick), on the real
  registers of ``--data-dir`` with a warm cache (registers parsed, national commune layer
  decoded, by an earlier run), and cold (an empty cache folder: everything parsed and decoded
  again). Interleaved: each repeat runs the three in turn; medians reported.
- ``--national``: ``gaps --dept all --data-dir DIR`` with ``--workers 0`` and ``--workers 2``,
  cold then warm, once each (a national run takes minutes).

Every run writes into a fresh temporary folder; cache folders are temporary too
(``CONUM_GEO_CACHE_DIR``), so the user's cache is never touched.

    python benchmarks/bench_cli.py --data-dir ../shared/data --repeat 5 --json
    python benchmarks/bench_cli.py --data-dir ../shared/data --national --json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _conum_geo() -> list[str]:
    return [sys.executable, "-m", "conum_geo"]


def timed(args: list[str], cache_dir: Path) -> dict:
    """One CLI run in a child process: wall and CPU seconds, peak memory (MB, the largest
    process of the run), load average before it, exit code."""
    load_1min = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="conum-geo-bench-") as out:
        env = {**os.environ, "CONUM_GEO_CACHE_DIR": str(cache_dir)}
        start = time.perf_counter()
        process = subprocess.Popen([*_conum_geo(), "-q", *args, "--out", out], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        wall_s = time.perf_counter() - start
        assert process.stderr is not None
        stderr = process.stderr.read().decode(errors="replace")
        process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(args)} : code {code}\n{stderr[-2000:]}")
    # the child's own usage; worker processes it started are its children (counted when reaped)
    return {"wall_s": round(wall_s, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024), "load_1min": round(load_1min, 2)}


def _median(rows: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in rows), 2)


def department(data_dir: str, dept: str, repeat: int) -> dict:
    """The demo, warm and cold real-register runs of one département, interleaved."""
    args = ["gaps", "--dept", dept]
    real = [*args, "--data-dir", data_dir]
    with tempfile.TemporaryDirectory(prefix="conum-geo-cache-") as warm_cache:
        timed(real, Path(warm_cache))  # fills the warm cache (and warms the disk)
        timed(args, Path(warm_cache))
        runs: dict[str, list[dict]] = {"demo": [], "real_warm": [], "real_cold": []}
        for _ in range(repeat):
            runs["demo"].append(timed(args, Path(warm_cache)))
            runs["real_warm"].append(timed(real, Path(warm_cache)))
            with tempfile.TemporaryDirectory(prefix="conum-geo-cold-") as cold_cache:
                runs["real_cold"].append(timed(real, Path(cold_cache)))
    medians = {case: {key: _median(rows, key) for key in ("wall_s", "cpu_s", "peak_rss_mb")}
               for case, rows in runs.items()}
    return {"dept": dept, "repeat": repeat, "runs": runs, "medians": medians,
            "warm_over_demo": round(medians["real_warm"]["wall_s"] / medians["demo"]["wall_s"], 2)}


def national(data_dir: str, workers: tuple[int, ...]) -> dict:
    """``gaps --dept all`` cold then warm, for each number of workers."""
    rows = []
    for count in workers:
        with tempfile.TemporaryDirectory(prefix="conum-geo-cache-") as cache:
            for state in ("cold", "warm"):
                run = timed(["gaps", "--dept", "all", "--data-dir", data_dir, "--workers", str(count)], Path(cache))
                rows.append({"workers": count, "cache": state, **run})
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return {"runs": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--dept", default="58")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--national", action="store_true")
    parser.add_argument("--workers", default="0,2", help="national: worker counts, comma-separated")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "platform": platform.platform(),
                          "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9, 1)},
              "command": " ".join(sys.argv)}
    if args.national:
        report |= national(args.data_dir, tuple(int(w) for w in args.workers.split(",")))
    else:
        report |= department(args.data_dir, args.dept, args.repeat)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for key, value in report.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
