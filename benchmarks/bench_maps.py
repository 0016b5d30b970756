"""Map pages: file size and opening time in headless Chromium with the network blocked.

For each département asked (the demo's Nièvre, and with ``--data-dir`` the real registers of
the Nièvre and of the largest départements), ``conum-geo gaps --out`` writes its ``map.html``;
then every page is opened ``--repeat`` times, pages interleaved, in one Chromium (Playwright,
system Chromium, every request but ``file:`` aborted). ``open_s`` is the median time from the
navigation to the moment every commune of the page is drawn on the canvas and our controls are
in place; ``bytes`` the page's size (everything inlined). With ``--region``, the région's
national run (one process, no Dask) writes the atlas index, measured the same way.

    python benchmarks/bench_maps.py --json
    python benchmarks/bench_maps.py --json --data-dir ../shared/data --depts 58,62,59 --region 32
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from conum_geo.cli import cli

READY_JS = """n => {
    const div = document.querySelector('.folium-map');
    if (!window.L || !div || !document.querySelector('.conum-search')) { return false; }
    let drawn = 0;
    window[div.id].eachLayer(l => { if (l.feature && l.feature.properties && l.feature.properties._code !== undefined
                                        && l._parts && l._parts.length) { drawn += 1; } });
    return drawn >= n;
}"""


def _gaps(args: list[str], out: Path) -> None:
    result = CliRunner().invoke(cli, ["-q", *args, "--out", str(out)])
    if result.exit_code != 0:
        raise SystemExit(result.output)


def _features(page_path: Path) -> int:
    return page_path.read_text(encoding="utf-8").count('"_code"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="real registers (else the demo's Nièvre only)")
    parser.add_argument("--depts", default="58", help="départements with --data-dir (comma-separated)")
    parser.add_argument("--region", help="also the atlas index of this région's national run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="bench-maps-"))
    pages: dict[str, Path] = {}
    _gaps(["gaps", "--dept", "58"], work / "demo-58")
    pages["demo 58"] = work / "demo-58" / "map.html"
    if args.data_dir:
        for dept in args.depts.split(","):
            _gaps(["gaps", "--dept", dept, "--data-dir", args.data_dir], work / f"real-{dept}")
            pages[f"real {dept}"] = work / f"real-{dept}" / "map.html"
        if args.region:
            _gaps(["gaps", "--region", args.region, "--workers", "0", "--data-dir", args.data_dir],
                  work / f"region-{args.region}")
            pages[f"atlas index, région {args.region}"] = work / f"region-{args.region}" / "france" / "index.html"
    times: dict[str, list[float]] = {name: [] for name in pages}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        for _ in range(args.repeat):
            for name, path in pages.items():  # interleaved: a noisy moment hits every page alike
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                           else r.abort())
                start = time.perf_counter()
                page.goto(path.as_uri())
                page.wait_for_function(READY_JS, arg=_features(path), timeout=60_000, polling=20)
                times[name].append(time.perf_counter() - start)
                page.close()
        browser.close()
    rows = [{"page": name, "features": _features(path), "bytes": path.stat().st_size,
             "bytes_per_feature": round(path.stat().st_size / max(_features(path), 1)),
             "open_s": round(statistics.median(times[name]), 3), "open_runs_s": [round(t, 3) for t in times[name]]}
            for name, path in pages.items()]
    result = {"pages": rows, "repeat": args.repeat,
              "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}"}
    shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        for row in rows:
            print(f"{row['page']:<28} {row['features']:>5} entités {row['bytes'] / 1e6:6.2f} Mo  {row['open_s']:.2f} s")


if __name__ == "__main__":
    main()
