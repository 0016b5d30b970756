"""Peak memory of the national register readers, as a multiple of the file's size.

The JSON files are the national registers of ../shared/data as they are; each CSV file is a
real register repeated until it is national-scale or more (ids made unique). Each is read by its conum-geo reader under ``tracemalloc`` (NumPy and pandas
allocations included): ``peak_ratio`` is the peak traced memory over the file's size,
``kept_ratio`` what the returned table holds. ``--worst-case`` adds a France services file
whose every column is one the reader keeps (no column to drop: the hardest case).

    python benchmarks/bench_readers.py --data-dir ../shared/data --json
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import tempfile
import time
import tracemalloc
from pathlib import Path

from conum_geo.data.registers.communes import read_cog
from conum_geo.data.registers.conum import read_conum_lieux
from conum_geo.data.registers.france_services import REQUIRED, read_france_services
from conum_geo.data.registers.territoire import read_density


def _repeat(source: Path, target: Path, times: int, id_column: str | None) -> Path:
    with open(source, encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    header, body = rows[0], rows[1:]
    key = header.index(id_column) if id_column else None
    with open(target, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for k in range(times):
            for row in body:
                if key is not None:
                    row = [*row[:key], f"{row[key]}{k:04d}", *row[key + 1:]]
                writer.writerow(row)
    return target


def _measure(name: str, reader, path: Path) -> dict:
    size = path.stat().st_size
    tracemalloc.start()
    start = time.perf_counter()
    register = reader(path)
    seconds = time.perf_counter() - start
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"reader": name, "file_mb": round(size / 1e6, 1), "rows": len(register.frame),
            "peak_ratio": round(peak / size, 2), "kept_ratio": round(kept / size, 2),
            "seconds_traced": round(seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--times", type=int, default=80, help="repetitions of the France services list")
    parser.add_argument("--worst-case", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data = Path(args.data_dir)
    work = Path(tempfile.mkdtemp(prefix="bench-readers-"))
    rows = [
        _measure("population (COG JSON, streamed)", read_cog, data / "communes/communes-cog2026.json"),
        _measure("conum_lieux (JSON, streamed)", read_conum_lieux,
                 data / "conseillers-numeriques/cnfs-lieux-activite-2022.json"),
        _measure("france_services", read_france_services,
                 _repeat(data / "france-services/liste-fs-20240801.csv", work / "fs.csv", args.times, "id_fs")),
        _measure("density", read_density, _repeat(data / "territoire/densite.csv", work / "densite.csv", 10, None)),
    ]
    if args.worst_case:
        with open(data / "france-services/liste-fs-20240801.csv", encoding="utf-8-sig", newline="") as stream:
            table = list(csv.DictReader(stream))
        narrow = work / "fs-narrow.csv"
        with open(narrow, "w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(REQUIRED), extrasaction="ignore")
            writer.writeheader()
            for k in range(args.times):
                for row in table:
                    writer.writerow({**row, "id_fs": f"{row['id_fs']}{k:04d}"})
        rows.append(_measure("france_services (worst case: only kept columns)", read_france_services, narrow))
    for path in work.iterdir():
        path.unlink()
    work.rmdir()
    result = {"readers": rows, "machine": f"{platform.processor() or platform.machine()}, "
                                          f"Python {platform.python_version()}"}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for row in rows:
            print(f"{row['reader']:<50} {row['file_mb']:>7} MB  peak {row['peak_ratio']:>5}×  kept {row['kept_ratio']:>5}×")


if __name__ == "__main__":
    main()
