"""Reading a region-size OSM PBF: parse, clip and build the car graph, time and peak memory.

The benchmark writes its own synthetic region with pyosmium's writer (nothing downloaded): a
street lattice over 3° × 2° of south-eastern France (Rhône-Alpes size), every lattice edge
drawn with shape nodes and the lines split into ways of ten edges (one line in ten secondary,
one in fifty primary, the rest residential), plus closed ``building=yes`` ways, which hold most
nodes as in a real extract. It then reads it with ``network.osm.read_pbf`` in a fresh process
per case, so that ``ru_maxrss`` is that case's peak: the whole region, and a département-size
clip (a 100 km square in the middle, as ``load_network`` clips a département and its buffer).
``pyosmium_pass_s`` is one pass of pyosmium over the file with the same filter and location
index but no work of ours: what reading costs before our code runs.

    python benchmarks/bench_pbf.py --nodes-millions 20 --json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

CASES = ("pyosmium_pass", "region", "departement_clip")


def write_region(path: Path, nodes_millions: float) -> dict:
    """The synthetic region (module doc); returns its counts."""
    import numpy as np
    import osmium

    road_share = 0.4
    shape_nodes = 4  # per lattice edge
    lattice = int(((nodes_millions * 1e6 * road_share) / (2 * (shape_nodes + 1))) ** 0.5)
    lon0, lat0, width, height = 3.0, 44.5, 3.0, 2.0
    rng = np.random.default_rng(0)
    writer = osmium.SimpleWriter(str(path), overwrite=True)
    next_id = 1
    step = shape_nodes + 1
    # node ids of line k, position j (j = 0 … (lattice-1)·step); lines 0..lattice-1 are rows
    points_per_line = (lattice - 1) * step + 1
    line_ids = []
    for orientation in ("row", "col"):
        for k in range(lattice):
            along = np.linspace(0.0, 1.0, points_per_line)
            across = np.full(points_per_line, k / (lattice - 1))
            lon = lon0 + width * (along if orientation == "row" else across)
            lat = lat0 + height * (across if orientation == "row" else along)
            ids = np.arange(next_id, next_id + points_per_line)
            next_id += points_per_line
            for node_id, x, y in zip(ids.tolist(), lon.tolist(), lat.tolist()):
                writer.add_node(osmium.osm.mutable.Node(id=node_id, location=(x, y)))
            line_ids.append(ids)
    n_road_nodes = next_id - 1
    n_buildings = int((nodes_millions * 1e6 - n_road_nodes) // 4)
    centres_lon = lon0 + width * rng.random(n_buildings)
    centres_lat = lat0 + height * rng.random(n_buildings)
    d = 1e-4
    first_building_node = next_id
    for x, y in zip(centres_lon.tolist(), centres_lat.tolist()):
        for dx, dy in ((0, 0), (d, 0), (d, d), (0, d)):
            writer.add_node(osmium.osm.mutable.Node(id=next_id, location=(x + dx, y + dy)))
            next_id += 1
    way_id, road_ways = 1, 0
    for k, ids in enumerate(line_ids):
        index = k % lattice
        highway = "primary" if index % 50 == 0 else "secondary" if index % 10 == 0 else "residential"
        for start in range(0, len(ids) - 1, 10 * step):
            refs = ids[start:start + 10 * step + 1].tolist()
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags={"highway": highway}))
            way_id += 1
            road_ways += 1
    for b in range(n_buildings):
        base = first_building_node + 4 * b
        writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=[base, base + 1, base + 2, base + 3, base],
                                              tags={"building": "yes"}))
        way_id += 1
    writer.close()
    return {"nodes": next_id - 1, "road_nodes": n_road_nodes, "road_ways": road_ways, "buildings": n_buildings,
            "file_mb": round(path.stat().st_size / 1e6, 1)}


def run_case(case: str, path: Path) -> dict:
    """One case in this process (called in a child process by ``main``)."""
    import osmium
    import shapely

    from conum_geo.network.osm import NODE_TAGS, read_pbf, reproject

    start = time.perf_counter()
    if case == "pyosmium_pass":
        count = 0
        processor = (osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY | osmium.osm.RELATION)
                     .with_locations().with_filter(osmium.filter.KeyFilter("highway", "type", *NODE_TAGS)))
        for item in processor:
            if item.is_way():
                count += len(item.nodes)
        out = {"refs": count}
    else:
        clip = None
        if case == "departement_clip":
            clip = reproject(shapely.box(3.85, 45.05, 5.15, 45.95), "EPSG:4326", "EPSG:2154")
        graph = read_pbf(path, clip=clip, crs="EPSG:2154")
        out = {"graph_nodes": graph.n_nodes, "graph_arcs": graph.n_arcs}
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"case": case, "seconds": round(seconds, 1), "peak_rss_mb": round(peak_mb), **out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes-millions", type=float, default=20.0)
    parser.add_argument("--file", type=Path, default=None, help="where the synthetic PBF is written (kept)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = args.file or Path(f"/tmp/conum-geo-bench-region-{args.nodes_millions:g}M.osm.pbf")
    if args.case:
        print(json.dumps(run_case(args.case, path)))
        return
    started = time.perf_counter()
    counts = json.loads(path.with_suffix(".json").read_text()) if path.exists() and path.with_suffix(".json").exists() \
        else None
    if counts is None:
        counts = write_region(path, args.nodes_millions)
        counts["write_s"] = round(time.perf_counter() - started, 1)
        path.with_suffix(".json").write_text(json.dumps(counts))
    rows = []
    for case in CASES:
        done = subprocess.run([sys.executable, __file__, "--nodes-millions", str(args.nodes_millions),
                               "--file", str(path), "--case", case], capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    report = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
              "region": counts, "cases": rows}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"région synthétique : {counts}")
    for row in rows:
        print(f"{row['case']:<18} {row['seconds']:>7.1f} s  pic {row['peak_rss_mb']:>6} Mo  "
              + ", ".join(f"{k}={v}" for k, v in row.items() if k not in ("case", "seconds", "peak_rss_mb")))


if __name__ == "__main__":
    main()
