"""The rule that fills unknown opening hours: hand-computed medians, defaults, marks, notices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conum_geo.core.notices import Notices
from conum_geo.core.site_hours import DEFAULT_HOURS, MIN_KNOWN, fill_unknown_hours


def _sites(kinds, hours, in_dept=None):
    frame = pd.DataFrame({"site_id": [f"s{i}" for i in range(len(kinds))], "kind": kinds, "presence_h": hours})
    if in_dept is not None:
        frame["in_dept"] = in_dept
    return frame


def test_unknown_hours_get_the_median_of_their_kind():
    frame = _sites(["conum"] * 5 + ["france_services"], [10.0, 20.0, 17.0, np.nan, np.nan, 30.0])
    notices = Notices()
    filled = fill_unknown_hours(frame, notices)
    np.testing.assert_allclose(filled["presence_h"], [10, 20, 17, 17, 17, 30])  # median of 10, 17, 20
    assert filled["presence_h_filled"].tolist() == [False, False, False, True, True, False]
    assert (filled["evening_h"] == 0).all() and (filled["saturday_h"] == 0).all()
    [notice] = list(notices)
    assert notice.code == "horaires_remplis" and notice.count == 2 and "17 h" in notice.message
    assert "40 %" in notice.message  # 2 of the 5 conum lieux


def test_too_few_known_sites_use_the_stated_default():
    frame = _sites(["mediation", "mediation", "france_services"], [8.0, np.nan, np.nan])
    assert MIN_KNOWN > 1
    filled = fill_unknown_hours(frame)
    assert filled.loc[1, "presence_h"] == DEFAULT_HOURS["mediation"]
    assert filled.loc[2, "presence_h"] == DEFAULT_HOURS["france_services"] == 24.0


def test_the_median_comes_from_the_departements_own_sites_and_rounds_to_half_hours():
    frame = _sites(["conum"] * 5, [9.0, 10.0, 12.0, 40.0, np.nan], in_dept=[True, True, True, False, True])
    assert fill_unknown_hours(frame).loc[4, "presence_h"] == 10.0  # 40 h beyond the border is not counted
    odd = _sites(["conum"] * 5, [9.0, 10.0, 11.0, 12.0, np.nan])
    assert fill_unknown_hours(odd).loc[4, "presence_h"] == pytest.approx(10.5)


def test_known_hours_are_left_alone():
    frame = _sites(["conum", "conum"], [12.0, 0.0])
    filled = fill_unknown_hours(frame)
    assert filled["presence_h"].tolist() == [12.0, 0.0] and not filled["presence_h_filled"].any()
