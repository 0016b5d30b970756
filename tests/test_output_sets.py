"""Outputs: strict JSON, one published set per run with its manifest, warnings in every summary."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from conum_geo.core.errors import InputError
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


# Fault injection at each step of the publication: a child process (fork) runs
# ``write_outputs`` and dies (``os._exit``, no clean-up, as under SIGKILL) just before its N-th
# step — each writer, each rename, link, copy, removal, exchange and the manifest — for every N
# until it completes. After each death the folder holds the complete old set or the complete
# new one (or, where the platform has no atomic exchange, nothing but an old set the next run
# restores), and the next run's clean-up leaves nothing behind.

KILLED = 37
OLD = {"a.csv": "old-a", "c.csv": "old-c", "notes.txt": "mine"}
NEW = {"a.csv": "new-a", "b.csv": "new-b", "c.csv": "old-c", "notes.txt": "mine"}


def _old_set(out):
    write_outputs(out, {"a.csv": _text("old-a"), "c.csv": _text("old-c")})
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    write_outputs(out, {"a.csv": _text("old-a")})  # the user's file enters the manifest


def _contents(out) -> dict:
    read_manifest(out)  # every file listed is there, whole, with its checksum
    return {p.name: p.read_text(encoding="utf-8") for p in out.iterdir() if p.name != "manifest.json"}


def _die_at(out, step: int, atomic_exchange: bool) -> bool:
    """Run the new set's ``write_outputs`` in a child that dies before its ``step``-th step;
    True when it died (False: it completed first)."""
    import os
    import shutil

    from conum_geo.outputs import files

    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            seen = [0]

            def gated(function):
                def call(*args, **kwargs):
                    seen[0] += 1
                    if seen[0] == step:
                        os._exit(KILLED)
                    return function(*args, **kwargs)
                return call

            os.rename, os.link = gated(os.rename), gated(os.link)
            shutil.copy2, shutil.rmtree = gated(shutil.copy2), gated(shutil.rmtree)
            files.write_json = gated(files.write_json)
            files._exchange = gated(files._exchange if atomic_exchange else lambda a, b: False)
            write_outputs(out, {"a.csv": gated(_text("new-a")), "b.csv": gated(_text("new-b"))})
        except BaseException:  # noqa: B036 - the child reports any failure by its exit code
            os._exit(3)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    assert code in (0, KILLED), f"the child failed (exit {code})"
    return code == KILLED


@pytest.mark.parametrize("atomic_exchange", [True, False])
def test_a_run_killed_at_any_step_of_the_publication(tmp_path, atomic_exchange):
    from conum_geo.outputs.files import clean_stale

    step, outcomes = 0, []
    while True:
        step += 1
        out = tmp_path / f"run-{step}" / "out"
        _old_set(out)
        died = _die_at(out, step, atomic_exchange)
        if out.exists():
            state = _contents(out)
        else:  # killed between the two renames of a platform without an atomic exchange
            assert not atomic_exchange, f"step {step}: the folder is gone"
            clean_stale(out)  # what the next run does first
            state = _contents(out)
        assert state in (OLD, NEW), f"step {step}: {state}"
        clean_stale(out)
        assert [p.name for p in out.parent.iterdir()] == ["out"], f"step {step}: leftovers"
        assert _contents(out) == state  # the clean-up never changes the published set
        outcomes.append("old" if state == OLD else "new")
        if not died:
            break
    assert outcomes[-1] == "new" and "old" in outcomes and step >= 6


def test_a_full_disk_or_a_read_only_folder_is_one_line_and_keeps_the_old_set(tmp_path, monkeypatch):
    import errno
    import os

    from conum_geo.core.errors import OutputError
    from conum_geo.outputs import files

    out = tmp_path / "out"
    _old_set(out)

    def full(path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    with pytest.raises(OutputError) as error:
        write_outputs(out, {"a.csv": _text("new-a"), "b.csv": full})
    message = str(error.value)
    assert message.startswith(f"{out} : écriture impossible (disque plein)") and "\n" not in message
    assert "staging" not in message and _contents(out) == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["out"]

    def read_only(a, b):
        raise OSError(errno.EROFS, "Read-only file system", str(b))

    monkeypatch.setattr(files, "_exchange", read_only)
    with pytest.raises(OutputError, match="lecture seule"):
        write_outputs(out, {"a.csv": _text("new-a")})
    assert _contents(out) == OLD
    monkeypatch.setattr(os, "rename", read_only)
    with pytest.raises(OutputError, match=f"{tmp_path / 'new'} : écriture impossible \\(système de fichiers"):
        write_outputs(tmp_path / "new", {"a.csv": _text("new-a")})
    assert not (tmp_path / "new").exists()


def test_a_geopackage_gdal_cannot_commit_is_one_line(tmp_path, monkeypatch, demo_territory):
    import geopandas as gpd
    from pyogrio.errors import DataSourceError

    from conum_geo.core.errors import OutputError
    from conum_geo.outputs.files import write_geopackage

    def fail(*args, **kwargs):
        raise DataSourceError("Failed to commit transaction\nsqlite3_exec(COMMIT) failed: disk I/O error")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", fail)
    frame = demo_territory.communes
    with pytest.raises(OutputError) as error:
        write_outputs(tmp_path / "out", {"communes.gpkg": lambda path: write_geopackage(frame, path, layer="c")})
    assert "Failed to commit transaction sqlite3_exec" in str(error.value) and "\n" not in str(error.value)
