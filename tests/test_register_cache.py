"""Parsed registers cached on disk: read back equal to a fresh parse, rebuilt when damaged or
when anything they depend on changes (``data.registers.cache``)."""

from __future__ import annotations

import logging
import shutil

import geopandas as gpd
import pandas as pd
import pytest

from conum_geo.data.registers import cache as register_cache
from conum_geo.data.registers import load_registers
from conum_geo.data.registers.formats import BY_KIND, ReadOptions


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CONUM_GEO_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "registers"


def _same(cached, fresh) -> None:
    assert type(cached.frame) is type(fresh.frame)
    if isinstance(fresh.frame, gpd.GeoDataFrame):
        assert cached.frame.crs == fresh.frame.crs
        assert cached.frame.geometry.name == fresh.frame.geometry.name
        assert cached.frame.geometry.geom_equals_exact(fresh.frame.geometry, tolerance=0).all()
        cached_rows, fresh_rows = (pd.DataFrame(r.frame.drop(columns=r.frame.geometry.name)) for r in (cached, fresh))
    else:
        cached_rows, fresh_rows = cached.frame, fresh.frame
    pd.testing.assert_frame_equal(cached_rows, fresh_rows, check_exact=True)
    assert (cached.kind, cached.path, cached.as_of, cached.label, cached.problems, cached.aliases) == \
        (fresh.kind, fresh.path, fresh.as_of, fresh.label, fresh.problems, fresh.aliases)


def test_every_real_register_reads_back_as_parsed(shared_data, cache_dir):
    fresh = load_registers(shared_data)  # parses and stores
    stored = sorted(cache_dir.iterdir())
    assert len(stored) == len(fresh.all())
    again = load_registers(shared_data)  # reads the stored files
    for one, other in zip(again.all(), fresh.all(), strict=True):
        _same(one, other)


def test_a_damaged_cache_file_is_parsed_again(shared_data, cache_dir, caplog):
    path = shared_data / "conseillers-numeriques" / "cnfs-structures-2022-06.json"
    read = BY_KIND["conum_structures"].read
    fresh = register_cache.cached_read("conum_structures", path, {}, lambda: read(path, ReadOptions()))
    (stored,) = cache_dir.iterdir()
    stored.write_bytes(stored.read_bytes()[: stored.stat().st_size // 2])  # truncated
    with caplog.at_level(logging.WARNING):
        again = register_cache.cached_read("conum_structures", path, {}, lambda: read(path, ReadOptions()))
    assert "registre en cache illisible" in caplog.text
    _same(again, fresh)
    assert stored.is_file()  # written again, whole
    _same(register_cache.cached_read("conum_structures", path, {}, lambda: pytest.fail("parsed again")), fresh)


def test_a_changed_file_or_option_is_parsed_again(shared_data, tmp_path, cache_dir):
    source = shared_data / "conseillers-numeriques" / "cnfs-structures-2022-06.json"
    path = tmp_path / "structures.json"
    shutil.copy(source, path)
    read = BY_KIND["conum_structures"].read
    calls = []

    def parse():
        calls.append(1)
        return read(path, ReadOptions())

    first = register_cache.cached_read("conum_structures", path, {}, parse)
    register_cache.cached_read("conum_structures", path, {}, parse)
    assert len(calls) == 1
    register_cache.cached_read("conum_structures", path, {"programmes": ["x"]}, parse)
    assert len(calls) == 2
    path.write_text(path.read_text().replace("COMMUNE", "VILLE", 1))  # another file, same path
    changed = register_cache.cached_read("conum_structures", path, {}, parse)
    assert len(calls) == 3 and not changed.frame.equals(first.frame)


def test_a_read_only_cache_does_not_stop_the_run(shared_data, cache_dir, caplog):
    cache_dir.parent.mkdir(parents=True)
    cache_dir.write_text("not a folder")  # the cache cannot be written
    path = shared_data / "conseillers-numeriques" / "cnfs-structures-2022-06.json"
    read = BY_KIND["conum_structures"].read
    with caplog.at_level(logging.WARNING):
        register = register_cache.cached_read("conum_structures", path, {}, lambda: read(path, ReadOptions()))
    assert len(register.frame) == 1450 and "registre non mis en cache" in caplog.text
