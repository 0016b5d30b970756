"""The shared array idioms, by hand."""

from __future__ import annotations

from conum_geo.core.arrays import runs


def test_runs_give_each_item_its_run_and_rank():
    owner, rank = runs([2, 0, 3])
    assert owner.tolist() == [0, 0, 2, 2, 2] and rank.tolist() == [0, 1, 0, 1, 2]
    owner, rank = runs([])
    assert owner.tolist() == [] and rank.tolist() == []
