"""ddj.intervals and ddj.stats: every interval and test against scipy and published values; compare; spikes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from scipy.stats.contingency import relative_risk

import ddj
from benchmarks.bench_spikes import series_frame
from ddj import intervals, words

# -- intervals -------------------------------------------------------------------------------

# Newcombe (1998), "Two-sided confidence intervals for the single proportion", table I (Wilson)
PUBLISHED_WILSON = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
]
# Newcombe (1998), "Interval estimation for the difference between independent proportions",
# table II, method 10 (hybrid score)
PUBLISHED_NEWCOMBE = [
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (0, 10, 0, 10, -0.2775, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0000),
    (10, 10, 0, 10, 0.6075, 1.0000),
]
GRID = [(k, n) for n in (1, 2, 5, 13, 30, 57, 263, 1000, 25_000) for k in {0, 1, n // 3, n - 1, n}]


@pytest.mark.parametrize(("k", "n", "low", "high"), PUBLISHED_WILSON)
def test_wilson_matches_published_bounds(k, n, low, high):
    got = intervals.wilson(k, n)
    assert round(got[0], 4) == low and round(got[1], 4) == high


def test_wilson_matches_scipy_and_is_vectorised():
    ks, ns = np.array([k for k, _ in GRID]), np.array([n for _, n in GRID])
    low, high = intervals.wilson(ks, ns)
    for i, (k, n) in enumerate(GRID):
        for confidence in (0.9, 0.95, 0.99):
            ci = sps.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
            one = intervals.wilson(k, n, confidence=confidence)
            assert one == pytest.approx((ci.low, ci.high), abs=1e-12)
        assert (low[i], high[i]) == pytest.approx(intervals.wilson(k, n), abs=0)
    assert low[ks == 0].max() == 0 and high[ks == ns].min() == 1  # exact at the edges


def test_wilson_of_nothing_is_no_interval_and_bad_counts_are_refused():
    low, high = intervals.wilson(0, 0)
    assert math.isnan(low) and math.isnan(high)
    for k, n in ((3, 2), (-1, 5), (1.5, 4)):
        with pytest.raises(ddj.ParameterError, match="whole numbers with 0 <= articles <= total"):
            intervals.wilson(k, n)
    with pytest.raises(ddj.ParameterError, match="confidence=1.5"):
        intervals.wilson(1, 2, confidence=1.5)


@pytest.mark.parametrize(("a", "n1", "c", "n2", "low", "high"), PUBLISHED_NEWCOMBE)
def test_newcombe_difference_matches_published_bounds(a, n1, c, n2, low, high):
    d, lo, hi = intervals.difference_interval(a, n1, c, n2)
    assert d == pytest.approx(a / n1 - c / n2)
    assert round(lo, 4) == low and round(hi, 4) == high


def test_newcombe_difference_matches_the_formula_on_scipy_wilson_bounds():
    for (a, n1), (c, n2) in zip(GRID, reversed(GRID), strict=True):
        w1 = sps.binomtest(a, n1).proportion_ci(method="wilson")
        w2 = sps.binomtest(c, n2).proportion_ci(method="wilson")
        p1, p2 = a / n1, c / n2
        low = p1 - p2 - math.hypot(p1 - w1.low, w2.high - p2)
        high = p1 - p2 + math.hypot(w1.high - p1, p2 - w2.low)
        assert intervals.difference_interval(a, n1, c, n2)[1:] == pytest.approx(
            (low, high), abs=1e-12
        )


def test_katz_ratio_matches_scipy_relative_risk():
    cases = [(30, 100, 15, 100), (41, 1000, 190, 12_000), (1, 13, 3, 104), (5, 5, 3, 21)]
    cases += [(k, n, c, m) for (k, n), (c, m) in zip(GRID, GRID[3:], strict=False) if k and c]
    for a, n1, c, n2 in cases:
        if a == n1 and c == n2:
            continue  # 1/a - 1/n = 0 on both sides: a zero-width interval either way
        rr = relative_risk(a, n1, c, n2)
        ci = rr.confidence_interval()
        got = intervals.ratio_interval(a, n1, c, n2)
        assert got == pytest.approx((rr.relative_risk, ci.low, ci.high), rel=1e-9)


def test_ratio_with_zero_counts_is_bounded_or_absent():
    ratio, low, high = intervals.ratio_interval(0, 50, 10, 500)
    assert ratio == 0 and low == 0
    # Haldane: 0.5 added to each cell, Katz upper bound by hand
    by_hand = math.exp(
        math.log((0.5 / 51) / (10.5 / 501))
        + 1.959964 * math.sqrt(1 / 0.5 - 1 / 51 + 1 / 10.5 - 1 / 501)
    )
    assert high == pytest.approx(by_hand, rel=1e-6)
    assert all(
        math.isnan(v) for v in intervals.ratio_interval(3, 50, 0, 500)
    )  # no baseline article


# -- the test --------------------------------------------------------------------------------


def test_fisher_matches_scipy_two_sided_and_greater():
    tables = [(8, 10, 2, 10), (0, 5, 3, 21), (5, 5, 3, 21), (41, 1000, 190, 12_000)]
    tables += [(1, 13, 0, 104), (3, 13, 0, 104), (12, 59, 40, 470), (0, 0 + 7, 0, 9)]
    tables += [(400, 20_000, 3_000, 200_000), (9_000, 10_000, 80_000, 90_000)]
    for a, n1, c, n2 in tables:
        table = [[a, n1 - a], [c, n2 - c]]
        for alternative in ("two-sided", "greater"):
            p, test = intervals.count_test(a, n1, c, n2, alternative=alternative)
            expected = sps.fisher_exact(table, alternative=alternative).pvalue
            assert test == intervals.FISHER
            assert p == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_a_table_too_large_for_the_exact_sum_uses_the_z_test_and_says_so(monkeypatch):
    monkeypatch.setattr(intervals, "MAX_EXACT", 100)
    p, test = intervals.count_test(400, 20_000, 3_000, 200_000)
    assert test == intervals.Z_TEST
    pooled = 3_400 / 220_000
    z = (400 / 20_000 - 3_000 / 200_000) / math.sqrt(
        pooled * (1 - pooled) * (1 / 20_000 + 1 / 200_000)
    )
    assert p == pytest.approx(2 * sps.norm.sf(abs(z)), rel=1e-9)
    for a in (320, 330, 340):  # near the p-values that decide anything, they agree at that size
        exact = sps.fisher_exact([[a, 20_000 - a], [3_000, 197_000]]).pvalue
        assert intervals.count_test(a, 20_000, 3_000, 200_000)[0] == pytest.approx(exact, rel=0.06)


def test_count_test_refuses_what_it_cannot_test():
    assert math.isnan(intervals.count_test(0, 0, 3, 10)[0])
    with pytest.raises(ddj.ParameterError, match="alternative='less'"):
        intervals.count_test(1, 2, 1, 2, alternative="less")


# -- compare ---------------------------------------------------------------------------------


def weekly(
    articles: list[int], totals: list[int], *, start="2024-07-22", partial_last=False, **extra
) -> pd.DataFrame:
    periods = pd.date_range(start, periods=len(articles), freq="7D")
    cov = pd.DataFrame(
        {
            "period": periods,
            "period_end": periods + pd.Timedelta(days=6),
            "topic": "hong_kong",
            "label": "Hong Kong",
            "articles": articles,
            "total": totals,
            "partial": [False] * (len(articles) - 1) + [partial_last],
            "examples": "",
            **extra,
        }
    )
    cov["share"] = cov["articles"] / cov["total"].where(cov["total"] > 0, 1)
    cov.attrs["freq"] = "W"
    return cov


def test_compare_gives_every_figure_with_its_interval_and_a_sentence():
    # 12 weeks at 16 of 1,000, then the week of 14 October 2024: 41 of 1,000
    cov = weekly([16] * 12 + [41, 5], [1000] * 14, partial_last=True)
    row = ddj.compare(cov, "2024-10-16").iloc[0]
    assert row["period"] == pd.Timestamp("2024-10-14") and row["baseline_periods"] == 12
    assert (row["articles"], row["total"], row["baseline_articles"], row["baseline_total"]) == (
        41, 1000, 192, 12_000,
    )  # fmt: skip
    wilson = sps.binomtest(41, 1000).proportion_ci(method="wilson")
    assert (row["share_low"], row["share_high"]) == pytest.approx((wilson.low, wilson.high))
    rr = relative_risk(41, 1000, 192, 12_000)
    assert row["ratio"] == pytest.approx(rr.relative_risk)
    assert (row["ratio_low"], row["ratio_high"]) == pytest.approx(tuple(rr.confidence_interval()))
    fisher = sps.fisher_exact([[41, 959], [192, 11_808]]).pvalue
    assert row["p_value"] == pytest.approx(fisher) and row["test"].startswith("Fisher's exact")
    assert row["difference_low"] < row["difference"] < row["difference_high"]
    assert row["sentence"] == (
        "Hong Kong was 4.1% of articles in the week of 14 October 2024 (95% CI 3.0–5.5%), "
        "2.6 times its average of the previous 12 weeks (1.6%; p < 0.001)."
    )
    assert not row["small"]


def test_compare_by_outlet_with_a_window_a_year_and_the_latest_complete_period():
    base = weekly([2] * 60, [40] * 60, start="2023-01-02", outlet="A")
    other = weekly([1] * 59 + [9], [30] * 59 + [25], start="2023-01-02", outlet="B")
    cov = pd.concat([base, other], ignore_index=True)
    latest = ddj.compare(cov)  # the last week, both outlets
    assert latest["outlet"].tolist() == ["A", "B"]
    assert latest["period"].unique().tolist() == [pd.Timestamp("2024-02-19")]
    assert (
        latest["sentence"]
        .iloc[1]
        .startswith("Hong Kong was 36.0% of B's articles in the week of 19 February 2024 (95% CI")
    )
    assert "of only 25 articles in all" in latest["sentence"].iloc[1]
    year = ddj.compare(cov, "2024-02-20", baseline="year")
    assert year["baseline_start"].iloc[0] == pd.Timestamp("2023-02-20")
    assert "its share in the same week a year earlier" in year["sentence"].iloc[1]
    span = ddj.compare(cov, ("2024-02-05", "2024-02-25"), baseline=("2023-07-01", "2023-12-31"))
    assert span["articles"].tolist() == [6, 11] and span["baseline_periods"].iloc[0] == 27
    assert "from the week of 5 February to the week of 19 February 2024" in span["sentence"].iloc[0]
    assert (
        "its average from the week of 26 June to the week of 25 December 2023"
        in span["sentence"].iloc[0]
    )
    flat = ddj.compare(cov, "2024-02-12").iloc[0]
    assert (
        "1.00 times its average of the previous 12 weeks (5.0%), a difference within chance (p = 1.00)"
        in flat["sentence"]
    )


@pytest.mark.parametrize(
    ("at", "baseline", "words"),
    [
        ("2024-10-23", 12, "the week of 21 October 2024 is only partly covered"),
        ("2024-10-30", 12, "to the week of 21 October 2024: choose a day inside it"),
        ("2030-01-01", 12, "outside the coverage, which runs from the week of 22 July 2024"),
        ("2024-07-23", 12, "no complete period before the week of 22 July 2024"),
        ("2024-10-16", "year", "a year before the week of 14 October 2024, is not in the coverage"),
        ("2024-10-16", ("2024-10-01", "2024-10-20"), "overlaps the period compared"),
        ("2024-10-16", 0, "baseline=0: give a number of periods"),
        ("2024-10-16", "last year", "baseline='last year'"),
        ("someday", 12, "at='someday' is not a date"),
        (("2024-10-20", "2024-10-01"), 12, "is after"),
    ],
)
def test_compare_refuses_what_it_cannot_compare(at, baseline, words):
    cov = weekly([16] * 12 + [41, 5], [1000] * 14, partial_last=True)
    with pytest.raises(ddj.ParameterError, match=words):
        ddj.compare(cov, at, baseline=baseline)


def test_compare_says_when_the_total_lacks_an_outlet():
    cov = weekly([16] * 12 + [41], [1000] * 13, gap=[False] * 11 + [True, True])
    row = ddj.compare(cov, "2024-10-14").iloc[0]
    assert row["gap"] and row["sentence"].endswith(
        "The total then lacks an outlet that is normally there (see ddj.health), so the share may be off."
    )
    assert not ddj.compare(cov.assign(gap=False), "2024-10-14").iloc[0]["gap"]


def test_compare_names_what_has_no_number_instead_of_printing_one():
    nothing_before = weekly([0, 0, 0, 3], [0, 0, 0, 50])
    with pytest.raises(ddj.ParameterError, match="no articles at all in the previous 3 weeks"):
        ddj.compare(nothing_before, "2024-08-12")
    silent = pd.concat(
        [weekly([1, 1, 4], [20, 20, 20], outlet="A"), weekly([1, 1, 0], [20, 20, 0], outlet="B")],
        ignore_index=True,
    )
    rows = ddj.compare(silent, "2024-08-05").set_index("outlet")
    assert math.isnan(rows.loc["B", "share"]) and math.isnan(rows.loc["B", "ratio"])
    assert rows.loc["B", "sentence"] == (
        "B had no articles in the week of 5 August 2024: there is no share of Hong Kong to compare."
    )
    new = ddj.compare(weekly([0, 0, 6], [40, 40, 40]), "2024-08-05").iloc[0]
    assert (
        math.isnan(new["ratio"])
        and "up from none in the previous 2 weeks (p = 0.001)" in new["sentence"]
    )
    with pytest.raises(ddj.SchemaError, match="lacks"):
        ddj.compare(pd.DataFrame({"period": []}))


def test_compare_reads_a_coverage_frame_without_attrs_and_keeps_the_demo_label():
    cov = weekly([16] * 12 + [41], [1000] * 13)
    cov.attrs = {}  # a frame read back from CSV: the frequency from the length of its periods
    assert "the week of 14 October 2024" in ddj.compare(cov, "2024-10-14")["sentence"].iloc[0]
    quarters = pd.period_range("2021Q1", periods=8, freq="Q-DEC")
    cov = weekly([5] * 8, [100] * 8).assign(
        period=quarters.start_time, period_end=quarters.end_time.normalize()
    )
    cov.attrs = {"freq": "Q", "ddj_demo": "synthetic demo data"}
    out = ddj.compare(cov, "2022-08-01", baseline=4)
    assert out.attrs["ddj_demo"] == "synthetic demo data"
    assert "in the third quarter of 2022" in out["sentence"].iloc[0]
    assert "its average of the previous 4 quarters" in out["sentence"].iloc[0]


# -- spikes ----------------------------------------------------------------------------------


def simulated(seed: int, *, series=400, periods=60) -> pd.DataFrame:
    """Flat series: each its own share, every month's count binomial on a random total."""
    rng = np.random.default_rng(seed)
    months = pd.period_range("2020-01", periods=periods, freq="M")
    totals = rng.integers(40, 401, size=(series, periods))
    shares = rng.uniform(0.02, 0.2, size=(series, 1))
    articles = rng.binomial(totals, shares)
    return series_frame(articles, totals, months.start_time, months.end_time.normalize(), "M")


def test_flat_series_are_quiet_at_the_stated_rate():
    cov = simulated(16)
    tested = len(cov) - 400 * 8  # the first `window` months of each series have no baseline
    rate = {
        (alpha, r): len(intervals.spikes(cov, alpha=alpha, min_ratio=r, method="binomial")) / tested
        for alpha, r in ((0.01, 1.0), (0.01, 1.5), (0.05, 1.0))
    }
    # the figures in spikes()'s docstring
    assert round(rate[0.01, 1.0], 4) == 0.0081 and round(rate[0.01, 1.5], 4) == 0.0058
    assert round(rate[0.05, 1.0], 3) == 0.040
    # at most alpha (the exact test is conservative), and not far below it
    assert 0.004 < rate[0.01, 1.0] <= 0.01 and 0.025 < rate[0.05, 1.0] <= 0.05


def test_an_injected_spike_is_found_with_its_stories():
    cov = simulated(7, series=50)
    hit = cov.index[cov["period"] == pd.Timestamp("2023-06-01")]
    cov.loc[hit, "articles"] = np.minimum(cov.loc[hit, "total"], 4 * cov.loc[hit, "articles"] + 6)
    cov["share"] = cov["articles"] / cov["total"]
    cov.loc[hit, "examples"] = "Raid on newsroom | Protest | Court ruling"
    found = intervals.spikes(cov, method="binomial")
    at_spike = found[found["period"] == pd.Timestamp("2023-06-01")]
    assert len(at_spike) == 50  # every injected spike is found
    assert len(found) - len(at_spike) <= 0.01 * 50 * 52  # false alarms at most alpha
    row = at_spike.iloc[0]
    assert row["stories"] == ["Raid on newsroom", "Protest", "Court ruling"]
    assert row["sentence"].startswith(f"{row['label']} was ") and "in June 2023" in row["sentence"]
    assert row["p_value"] == pytest.approx(
        sps.fisher_exact(
            [
                [row["articles"], row["total"] - row["articles"]],
                [row["baseline_articles"], row["baseline_total"] - row["baseline_articles"]],
            ],
            alternative="greater",
        ).pvalue
    )
    assert "one-sided Fisher's exact test" in found.attrs["method"]


def test_spikes_skip_partial_periods_and_refuse_bad_settings():
    cov = weekly([2] * 10 + [30], [100] * 11, partial_last=True)
    assert intervals.spikes(cov).empty  # the big week is partial: not tested
    cov = weekly([2] * 10 + [30], [100] * 11)
    assert intervals.spikes(cov)["period"].tolist() == [pd.Timestamp("2024-09-30")]
    assert intervals.spikes(cov, window=11).empty  # no week has 11 before it
    for kwargs, message in (
        ({"window": 1}, "window=1"),
        ({"alpha": 0}, "alpha=0"),
        ({"min_ratio": 0.5}, "min_ratio=0.5"),
    ):
        with pytest.raises(ddj.ParameterError, match=message):
            intervals.spikes(cov, **kwargs)


# -- words -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "freq", "text"),
    [
        ("2024-10-14", "W", "in the week of 14 October 2024"),
        ("2024-10-03", "D", "on 3 October 2024"),
        ("2020-07-01", "M", "in July 2020"),
        ("2022-07-01", "Q", "in the third quarter of 2022"),
        ("2021-01-01", "Y", "in 2021"),
        ("2021-01-01", "Y-DEC", "in 2021"),
    ],
)
def test_a_period_in_words(day, freq, text):
    assert words.period(pd.Timestamp(day), freq, preposition=True) == text
