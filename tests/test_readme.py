"""The README's command lines run as written.

Every ``conum-geo …`` line of the README's code blocks is run: on the demo as it is, and with
``DIR`` standing for the real open data (skipped without ``../shared/data``). Lines that need
what a test machine lacks — the network (``--adresse``, ``data fetch``, ``--network osm``
without a file), a Dask scheduler, files of the reader's own (``liste-fs-2023.csv``,
``c.geojson``, road files), a whole-France run — are listed in ``NOT_RUN`` with the reason;
a new line must be run or listed, so the README cannot drift unseen.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from conum_geo.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"

#: Lines not run here, by a fragment they contain, and why.
NOT_RUN = {
    "--adresse": "online: the national address service",
    "data fetch": "online: the official download sites",
    "--network osm": "online (Overpass) or a regional extract of the reader's",
    "--network bdtopo": "a BD TOPO file of the reader's",
    "--scheduler": "a Dask cluster",
    "DASK_SCHEDULER_ADDRESS": "a Dask cluster",
    "--dept all": "every département: BENCHMARKS.md's national run",
    "liste-fs-2023.csv": "two vintages of the reader's",
    "c.geojson": "files of the reader's",
}


def readme_commands() -> list[str]:
    """The ``conum-geo`` lines of the README's code blocks, continuation lines joined."""
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", README.read_text(encoding="utf-8"), flags=re.S | re.M)
    lines = []
    for block in blocks:
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            code = line.split("  #")[0].strip()
            if re.match(r"(\w+=\S+\s+)*(\.venv/bin/)?conum-geo ", code):
                lines.append(code)
    return list(dict.fromkeys(lines))  # each line once


def _run_or_skip(line: str) -> bool:
    return not any(fragment in line for fragment in NOT_RUN)


def test_the_readme_has_command_lines_and_every_one_is_run_or_listed():
    lines = readme_commands()
    assert len(lines) > 20
    assert any(_run_or_skip(line) for line in lines)
    assert all(any(f in line for f in NOT_RUN) for line in lines if not _run_or_skip(line))


@pytest.mark.slow
@pytest.mark.parametrize("line", [line for line in readme_commands() if _run_or_skip(line)])
def test_a_readme_command_runs(line, tmp_path, monkeypatch, request):
    monkeypatch.chdir(tmp_path)  # relative --out folders land here
    if "DIR" in line.split():
        data = request.getfixturevalue("shared_data")
        line = line.replace(" DIR", f" {data}")
    args = shlex.split(line.split("conum-geo ", 1)[1])
    result = CliRunner().invoke(cli, ["-q", *args], catch_exceptions=False)
    assert result.exit_code == 0, f"{line}\n{result.output[-2000:]}"
