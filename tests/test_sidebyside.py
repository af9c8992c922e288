"""One topic from several sources side by side: relative attention and disagreement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ddj
from ddj.errors import ParameterError
from ddj.sidebyside import _flagged, _labelled, relative


def _cov(articles, totals, partial=None):
    n = len(articles)
    return pd.DataFrame(
        {
            "period": pd.date_range("2024-09-02", periods=n, freq="W-MON"),
            "articles": articles,
            "total": totals,
            "partial": partial or [False] * n,
        }
    )


def test_relative_is_katz_ratio_against_whole_window_by_hand():
    out = relative(_cov([10, 30], [1000, 1000]))
    # share 1% and 3% against 40/2000 = 2%: ratios 0.5 and 1.5
    assert np.allclose(out["relative"], [0.5, 1.5])
    a, n, c, m = 10, 1000, 40, 2000
    se = np.sqrt(1 / a - 1 / n + 1 / c - 1 / m)
    assert np.isclose(out["relative_low"].iloc[0], 0.5 * np.exp(-1.959964 * se), rtol=1e-5)
    assert np.isclose(out["relative_high"].iloc[0], 0.5 * np.exp(1.959964 * se), rtol=1e-5)


def test_sources_that_disagree_are_flagged_and_agreeing_ones_not():
    flat = _labelled(_cov([200, 200, 200], [10_000] * 3), "corpus", "x")
    same = _labelled(_cov([2000, 2000, 2000], [1_000_000] * 3), "GDELT", "y")
    spike = _labelled(_cov([100, 100, 700], [100_000] * 3), "Media Cloud", "z")
    table = _flagged(pd.concat([flat, same], ignore_index=True))
    assert not table["disagree"].any()
    table = _flagged(pd.concat([flat, same, spike], ignore_index=True))
    # Media Cloud: 1/3 of its own average, then 7/3 (100, 100, 700 of 900 over 3 weeks); the
    # flat sources stay at 1 with intervals that overlap each other and miss Media Cloud's
    flags = table.pivot(index="period", columns="source", values="disagree")
    assert flags["Media Cloud"].all() and not flags["corpus"].any() and not flags["GDELT"].any()
    two = _flagged(pd.concat([flat, spike], ignore_index=True))
    assert two["disagree"].all()  # two sources: no majority, both flagged


def test_partial_periods_are_never_flagged():
    a = _labelled(_cov([10, 10], [100, 100], [True, False]), "corpus", "x")
    b = _labelled(_cov([90, 10], [100, 100], [True, False]), "GDELT", "y")
    assert not _flagged(pd.concat([a, b], ignore_index=True))["disagree"].iloc[[0, 2]].any()


def test_triangulate_needs_two_sources():
    with pytest.raises(ParameterError, match="at least two"):
        ddj.triangulate(
            "protest",
            gdelt={"base_url": "http://127.0.0.1:9/"},
            start="2024-10-01",
            end="2024-10-07",
        )
