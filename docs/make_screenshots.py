"""The README's pictures, from the embedded demo: the gaps map (opened offline in headless
Chromium) and the first page of the département report (rendered with poppler's pdftoppm).

    make screenshots        # or: .venv/bin/python docs/make_screenshots.py
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from click.testing import CliRunner

from conum_geo.cli import cli

IMAGES = Path(__file__).resolve().parent / "img"


def _run(*args: str) -> None:
    result = CliRunner().invoke(cli, ["-q", *args])
    if result.exit_code != 0:
        raise SystemExit(result.output)


def main() -> None:
    from playwright.sync_api import sync_playwright

    IMAGES.mkdir(exist_ok=True)
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
        page.screenshot(path=str(IMAGES / "gaps-map.png"))
        browser.close()
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(work / "report" / "report.pdf"), str(IMAGES / "report-page-1")], check=True)
    shutil.rmtree(work, ignore_errors=True)
    from PIL import Image

    for name in ("gaps-map.png", "report-page-1.png"):  # a palette keeps the repository light
        Image.open(IMAGES / name).convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(
            IMAGES / name, optimize=True)
    print(f"written: {IMAGES / 'gaps-map.png'}, {IMAGES / 'report-page-1.png'}")


if __name__ == "__main__":
    main()
