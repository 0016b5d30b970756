"""The README's pictures, from the embedded demo: the gaps map (opened offline in headless
Chromium) and the first page of the département report (rendered with poppler's pdftoppm).

The pictures are written to ``out/screenshots`` and compared with the README's (``docs/img``):
the share of pixels that differ is printed, and the tracked pictures change only with
``--update`` (a run's date and the map's random element ids make the bytes differ from run to
run even when nothing a reader sees has changed).

    make screenshots            # or: .venv/bin/python docs/make_screenshots.py
    make screenshots UPDATE=1   # replace docs/img's pictures
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from click.testing import CliRunner

from conum_geo.cli import cli

IMAGES = Path(__file__).resolve().parent / "img"
OUT = Path(__file__).resolve().parents[1] / "out" / "screenshots"
PICTURES = ("gaps-map.png", "report-page-1.png")


def _run(*args: str) -> None:
    result = CliRunner().invoke(cli, ["-q", *args])
    if result.exit_code != 0:
        raise SystemExit(result.output)


def changed_share(new: Path, old: Path) -> float:
    """The share of pixels that differ between two pictures (1.0 when their sizes differ)."""
    import numpy as np
    from PIL import Image

    if not old.is_file():
        return 1.0
    a, b = (np.asarray(Image.open(p).convert("RGB"), dtype=np.int16) for p in (new, old))
    if a.shape != b.shape:
        return 1.0
    return float((np.abs(a - b).max(axis=2) > 8).mean())


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="replace the pictures of docs/img")
    update = parser.parse_args().update
    target = IMAGES if update else OUT
    target.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="conum-geo-screens-"))
    _run("gaps", "--dept", "58", "--out", str(work / "gaps"))
    _run("report", "--dept", "58", "--out", str(work / "report"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
        page.goto((work / "gaps" / "map.html").as_uri())
        page.wait_for_selector(".conum-offline", timeout=20_000)
        page.screenshot(path=str(target / "gaps-map.png"))
        browser.close()
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(work / "report" / "report.pdf"), str(target / "report-page-1")], check=True)
    shutil.rmtree(work, ignore_errors=True)
    from PIL import Image

    for name in PICTURES:  # a palette keeps the repository light
        Image.open(target / name).convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(
            target / name, optimize=True)
        if not update:
            print(f"{target / name}: {changed_share(target / name, IMAGES / name):.1%} des pixels diffèrent "
                  f"de {IMAGES / name}")
    print(f"écrites : {', '.join(str(target / name) for name in PICTURES)}")


if __name__ == "__main__":
    main()
