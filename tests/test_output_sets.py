"""Outputs: strict JSON, one published set per run with its manifest, warnings in every summary."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from conum_geo.errors import InputError
from conum_geo.outputs.files import dumps_json, read_manifest, write_outputs


def _text(content: str):
    return lambda path: path.write_text(content, encoding="utf-8")


def test_json_is_strict():
    text = dumps_json({"a": math.nan, "b": [np.float64("inf"), np.int64(3)], "c": np.bool_(True)})
    assert json.loads(text) == {"a": None, "b": [None, 3], "c": True}
    assert "NaN" not in text and "Infinity" not in text


def test_a_new_folder_gets_the_whole_set(tmp_path):
    out = tmp_path / "out"
    written = write_outputs(out, {"a.csv": _text("1"), "b.json": _text("{}")})
    assert [p.name for p in written] == ["a.csv", "b.json"]
    manifest = read_manifest(out)
    assert sorted(manifest["files"]) == ["a.csv", "b.json"] and manifest["this_run"] == ["a.csv", "b.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left


def test_a_second_run_replaces_its_files_and_keeps_the_others(tmp_path):
    out = tmp_path / "out"
    write_outputs(out, {"a.csv": _text("first"), "b.json": _text("{}")})
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    write_outputs(out, {"a.csv": _text("second"), "c.tif": _text("x")})
    assert (out / "a.csv").read_text() == "second"
    assert (out / "b.json").read_text() == "{}" and (out / "notes.txt").read_text() == "mine"
    assert sorted(read_manifest(out)["files"]) == ["a.csv", "b.json", "c.tif", "notes.txt"]


def test_a_failing_writer_publishes_nothing(tmp_path):
    out = tmp_path / "out"
    write_outputs(out, {"a.csv": _text("old")})

    def broken(path):
        path.write_text("half")
        raise InputError("boom")

    with pytest.raises(InputError):
        write_outputs(out, {"a.csv": _text("new"), "b.csv": broken})
    assert (out / "a.csv").read_text() == "old" and not (out / "b.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_leftovers_of_killed_runs_are_cleaned_and_a_lost_set_restored(tmp_path):
    out = tmp_path / "out"
    dead = 2**22 + 12345  # beyond the default pid_max range of a test machine
    stale = tmp_path / f".out.conum-geo-staging-{dead}-abcd"
    stale.mkdir()
    (stale / "a.csv").write_text("half")
    old = tmp_path / f".out.conum-geo-old-{dead}-abcd"
    old.mkdir()
    (old / "a.csv").write_text("previous")
    write_outputs(out, {"b.csv": _text("new")})
    assert not stale.exists() and not old.exists()
    assert (out / "a.csv").read_text() == "previous" and (out / "b.csv").read_text() == "new"


def test_a_tampered_set_fails_its_manifest(tmp_path):
    out = tmp_path / "out"
    write_outputs(out, {"a.csv": _text("1")})
    (out / "a.csv").write_text("2")
    with pytest.raises(InputError, match="manifeste"):
        read_manifest(out)


def test_sub_folders_are_refused(tmp_path):
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    with pytest.raises(InputError, match="sous-dossiers"):
        write_outputs(out, {"a.csv": _text("1")})


def test_summary_carries_the_caveat_and_the_warnings(demo_territory, demo_graph):
    from conum_geo.analysis.gaps import analyse_gaps
    from conum_geo.outputs.summary import full_summary

    summary = full_summary(analyse_gaps(demo_territory, demo_graph))
    assert "illustratifs" in summary["caveat"]
    codes = {w["code"] for w in summary["warnings"]}
    assert codes == {n.code for n in demo_territory.warnings}
    for warning in summary["warnings"]:
        assert set(warning) == {"code", "message", "count", "examples"} and warning["count"] >= 1
    json.loads(dumps_json(summary))


def test_the_solver_writes_nothing_on_the_process_streams(capfd, demo_territory, demo_graph):
    pytest.importorskip("highspy")
    from conum_geo.models.redeploy import redeploy

    result = redeploy(demo_territory, demo_graph, n_posts=2, solver="highs")
    assert result.solution.status == "optimal"
    captured = capfd.readouterr()
    assert captured.out == "" and "HiGHS" not in captured.err


@pytest.mark.slow
def test_a_killed_gaps_run_leaves_the_old_set_or_the_new_one(tmp_path):
    """A real ``conum-geo gaps --out`` process killed at random moments (seeded): the folder
    always holds one complete set, old or new, whose manifest checks; the next run cleans up."""
    import random
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    command = [sys.executable, "-m", "conum_geo", "-q", "gaps", "--dept", "58", "--out", str(out)]
    subprocess.run([*command, "--threshold", "15"], check=True, capture_output=True, timeout=120)
    rng = random.Random(7)
    for _ in range(6):
        process = subprocess.Popen([*command, "--threshold", "20"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 3.5))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        manifest = read_manifest(out)  # every file listed is there, whole, with its checksum
        threshold = json.loads((out / "summary.json").read_text(encoding="utf-8"))["threshold_min"]
        assert threshold in (15.0, 20.0) and set(manifest["files"]) >= {"communes.csv", "map.html", "summary.json"}
        if threshold == 20.0:  # a later kill must not bring the old set back
            subprocess.run([*command, "--threshold", "15"], check=True, capture_output=True, timeout=120)
    subprocess.run([*command, "--threshold", "20"], check=True, capture_output=True, timeout=120)
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["threshold_min"] == 20.0
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "out"]
    assert leftovers == []  # staging and old folders of the killed runs are gone
