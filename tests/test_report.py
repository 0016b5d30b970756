"""The PDF département report: pages rendered with poppler are not blank, and their text holds
the key figures of the same run's gaps summary."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

from conum_geo.cli import cli
from conum_geo.outputs.text import fmt_int as french_int

pytest.importorskip("matplotlib")
pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
                                reason="poppler-utils (pdftoppm, pdftotext) not installed")


def _report(tmp_path, *args):
    result = CliRunner().invoke(cli, ["report", "--dept", "58", "--out", str(tmp_path), *args])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    pdf = tmp_path / "report.pdf"
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout.replace("\u202f", " ")
    return summary, sorted(tmp_path.glob("page-*.png")), text


def fmt_int(value) -> str:
    """A French integer as pdftotext gives it (the thin space becomes a space)."""
    return french_int(value).replace("\u202f", " ")


def _ink(png) -> float:
    """Share of the page's pixels that are not white."""
    from PIL import Image

    pixels = np.asarray(Image.open(png).convert("L"))
    return float((pixels < 245).mean())


def test_report_on_the_demo(tmp_path):
    summary, pages, text = _report(tmp_path)
    assert 2 <= len(pages) <= 4
    ink = [_ink(p) for p in pages]
    assert ink[0] > 0.15  # the map page
    assert all(share > 0.01 for share in ink)  # no blank page
    assert "Couverture numérique — Nièvre (58)" in text
    assert "Perdent la couverture" in text
    for key in ("lost_cover_communes", "lost_cover_population", "covered_before_population"):
        assert fmt_int(summary[key]) in text, key
    assert fmt_int(summary["france_services_fallback_population"]) in text
    assert "Communes qui perdent la couverture, par intercommunalité" in text
    assert "Communauté de communes" in text  # grouped by intercommunality
    assert "Sites et postes illustratifs" in text and "Méthode" in text and "Sources" in text
    assert f"page {len(pages)}/{len(pages)}" in text


@pytest.mark.shared_data
def test_report_on_real_registers(tmp_path, shared_data):
    summary, pages, text = _report(tmp_path, "--data-dir", str(shared_data), "--on", "2023-06-30")
    assert 2 <= len(pages) <= 4 and all(_ink(p) > 0.01 for p in pages)
    assert "illustratifs" not in text and "liste-fs-20240801.csv" in text
    assert fmt_int(summary["lost_cover_population"]) in text
    assert "contrat échu le 2023-04-06" in text  # why the posts end, with their estimated date
