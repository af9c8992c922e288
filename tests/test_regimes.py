"""ddj.regimes: PELT against a brute-force optimal partition, the costs against scipy, regimes in health and shares."""

from __future__ import annotations

import itertools
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import ruptures
from scipy import stats as sps

import ddj
from ddj import regimes
from ddj.corpus import conform
from ddj.display.health import health_chart
from ddj.publishing import publishable


def poisson_loglik(counts) -> float:
    counts = np.asarray(counts)
    return float(sps.poisson.logpmf(counts, counts.mean()).sum()) if counts.sum() else 0.0


def binomial_loglik(k, n) -> float:
    k, n = np.asarray(k), np.asarray(n)
    return float(sps.binom.logpmf(k, n, k.sum() / n.sum()).sum())


def brute_force(loglik, length: int, min_size: int, penalty: float) -> list[int]:
    """Every segmentation with regimes of at least min_size: the one with least -2 loglik / phi + penalty."""
    best, best_ends = math.inf, None
    inner = range(min_size, length - min_size + 1)
    for m in range(length // min_size):
        for cuts in itertools.combinations(inner, m):
            ends = [*cuts, length]
            starts = [0, *cuts]
            if any(e - s < min_size for s, e in zip(starts, ends, strict=True)):
                continue
            total = sum(-2 * loglik(s, e) for s, e in zip(starts, ends, strict=True)) + penalty * m
            if total < best - 1e-9:
                best, best_ends = total, ends
    return best_ends


def optimal(loglik, pearson, length: int, min_size: int, penalty: float, phi: float) -> list[int]:
    """The brute-force optimum, with phi re-estimated around its regimes as ddj.regimes does."""
    ends = brute_force(lambda s, e: loglik(s, e) / phi, length, min_size, penalty)
    for _ in range(regimes.REFITS):
        chi2 = sum(pearson(s, e) for s, e in zip([0, *ends[:-1]], ends, strict=True))
        new = max(phi, chi2 / (length - len(ends)))
        if new <= phi * 1.01:
            break
        phi = new
        ends = brute_force(lambda s, e, phi=phi: loglik(s, e) / phi, length, min_size, penalty)
    return ends


@pytest.mark.parametrize("seed", range(6))
def test_pelt_finds_the_optimal_partition_of_a_volume(seed):
    rng = np.random.default_rng(seed)
    levels = rng.choice([20, 45, 90], size=3)
    counts = np.concatenate([rng.poisson(lv, rng.integers(4, 7)) for lv in levels])[:16]
    counts[5] += 25 * (seed % 2)  # an odd week: more dispersion to re-estimate

    def loglik(s, e):  # scipy's Poisson log-likelihood (constants cancel between partitions)
        return poisson_loglik(counts[s:e])

    def pearson(s, e):
        part = counts[s:e]
        return ((part - part.mean()) ** 2).sum() / part.mean()

    phi = regimes.dispersion("poisson", counts)
    assert regimes.segments(counts, kind="poisson", min_size=3) == optimal(
        loglik, pearson, len(counts), 3, 2 * math.log(len(counts)), phi
    )


def test_a_few_odd_weeks_raise_phi_around_the_regimes_and_the_optimum_follows():
    counts = np.array([50, 50, 51, 50, 49, 50, 95, 50, 50, 51, 50, 8, 50, 50, 49, 50, 50, 51])
    assert regimes.dispersion("poisson", counts) < 1.5  # most weeks differ by 0 or 1

    def loglik(s, e):
        return poisson_loglik(counts[s:e])

    def pearson(s, e):
        part = counts[s:e]
        return ((part - part.mean()) ** 2).sum() / part.mean()

    phi = regimes.dispersion("poisson", counts)
    at_first = brute_force(lambda s, e: loglik(s, e) / phi, len(counts), 3, 2 * math.log(18))
    ends = regimes.segments(counts, kind="poisson", min_size=3)
    assert ends == optimal(loglik, pearson, len(counts), 3, 2 * math.log(18), phi)
    assert len(at_first) > 1 and ends == [18]  # re-estimated, the odd weeks are noise, not regimes


@pytest.mark.parametrize("seed", range(6))
def test_pelt_finds_the_optimal_partition_of_a_share(seed):
    rng = np.random.default_rng(100 + seed)
    totals = rng.integers(50, 400, size=15)
    shares = np.repeat(rng.choice([0.02, 0.06, 0.15], size=3), 5)
    counts = rng.binomial(totals, shares)

    def loglik(s, e):
        return binomial_loglik(counts[s:e], totals[s:e])

    def pearson(s, e):
        k, n = counts[s:e], totals[s:e]
        p = k.sum() / n.sum()
        return ((k - n * p) ** 2 / (n * p * (1 - p))).sum() if 0 < p < 1 else 0.0

    phi = regimes.dispersion("binomial", counts, totals)
    for min_size, penalty in ((3, None), (2, 4.0)):
        pen = 2 * math.log(15) if penalty is None else penalty
        assert regimes.segments(
            counts, totals, kind="binomial", min_size=min_size, penalty=penalty
        ) == optimal(loglik, pearson, 15, min_size, pen, phi)


def test_the_costs_are_twice_scipys_negative_log_likelihood_up_to_constants():
    a, b = np.array([3, 9, 4, 7]), np.array([12, 15, 11])
    # the difference of costs equals the difference of -2 loglik (the log k! terms cancel)
    both = np.concatenate([a, b])
    assert regimes.segment_cost("poisson", both) - regimes.segment_cost(
        "poisson", a
    ) - regimes.segment_cost("poisson", b) == pytest.approx(
        -2 * (poisson_loglik(both) - poisson_loglik(a) - poisson_loglik(b))
    )
    k, n = np.array([3, 9, 4, 0]), np.array([50, 60, 40, 30])
    assert regimes.segment_cost("binomial", k, n) - regimes.segment_cost(
        "binomial", k[:2], n[:2]
    ) - regimes.segment_cost("binomial", k[2:], n[2:]) == pytest.approx(
        -2 * (binomial_loglik(k, n) - binomial_loglik(k[:2], n[:2]) - binomial_loglik(k[2:], n[2:]))
    )


def test_overdispersion_raises_phi_and_keeps_a_noisy_flat_series_in_one_regime():
    rng = np.random.default_rng(8)
    counts = rng.negative_binomial(5, 5 / (5 + 300), size=60)  # mean 300, variance 18,300
    assert regimes.dispersion("poisson", counts) > 20
    assert regimes.segments(counts, kind="poisson") == [60]
    counts[30:] = rng.negative_binomial(5, 5 / (5 + 100), size=30)  # a fall to a third
    assert 30 in regimes.segments(counts, kind="poisson")
    assert regimes.segments(counts, kind="poisson", penalty=0)[:-1]  # no penalty: many changes


def weekly_rows(outlet: str, per_week: list[int]) -> list[dict]:
    monday = pd.Timestamp("2024-01-01", tz="UTC")
    return [
        {"url": f"https://{outlet.lower()}.example/{w}/{i}", "outlet": outlet, "title": "Budget",
         "published": (monday + pd.Timedelta(days=7 * w + i % 7, hours=i % 24)).isoformat()}
        for w, n in enumerate(per_week) for i in range(n)
    ]  # fmt: skip


def test_health_names_the_regimes_of_an_outlets_volume_in_its_words_and_chart():
    rng = np.random.default_rng(2)
    fell = [*rng.poisson(60, 12), *rng.poisson(20, 12)]
    corpus = conform(
        weekly_rows("Harbour Post", fell) + weekly_rows("Steady", list(rng.poisson(30, 24)))
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = ddj.health(corpus, freq="W")
    post = h[h["outlet"] == "Harbour Post"]
    assert post["regime_from"].dropna().unique().tolist() == [
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-03-25"),
    ]
    before, after = np.mean(fell[:12]), np.mean(fell[12:])
    assert post["level"].iloc[3] == round(before, 1) and post["level"].iloc[15] == round(after, 1)
    said = [ln for ln in h.attrs["summary"].splitlines() if ": volume " in ln]
    assert said == [
        f"Harbour Post: volume fell from {regimes.about(before)} a week to {regimes.about(after)} "
        "from 25 March 2024."
    ]
    assert h.loc[h["outlet"] == "Steady", "regime_from"].dropna().nunique() == 1
    spec = health_chart(h)[0].to_dict()
    json.dumps(spec, allow_nan=False)  # strict JSON: no regime or usual volume is null
    marks = spec["layer"][1]["data"]["values"]
    assert marks == [
        {"day": "2024-03-25", "outlet": "Harbour Post", "way": "fell", "sentence": said[0]}
    ]
    assert "1 change(s) of an outlet's volume" in " ".join(spec["title"]["subtitle"])


def test_an_outlet_name_no_renderer_can_draw_is_made_publishable_in_the_health_chart():
    name = "Harbour\u2028Post <img src=x onerror=alert(1)>"
    corpus = conform(weekly_rows(name, [80] * 10 + [10] * 10))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spec = health_chart(ddj.health(corpus, freq="W"))[0].to_dict()
    mark = spec["layer"][1]["data"]["values"][0]
    assert mark["outlet"] == publishable(name) and "\u2028" not in mark["sentence"]
    assert mark["sentence"].startswith(publishable(name) + ": volume fell from ~80 a week to ~10")


def share_frame(counts, totals, *, outlet=None):
    weeks = pd.date_range("2024-01-01", periods=len(counts), freq="W-MON")
    cov = pd.DataFrame({
        "period": weeks, "period_end": weeks + pd.Timedelta(days=6), "topic": "hk", "label": "Hong Kong",
        "articles": counts, "total": totals, "partial": False,
    })  # fmt: skip
    if outlet:
        cov["outlet"] = outlet
    cov.attrs["freq"] = "W"
    return cov


def test_changepoints_name_the_regimes_of_a_topics_share():
    rng = np.random.default_rng(4)
    totals = rng.integers(400, 600, size=30)
    counts = rng.binomial(totals, np.r_[np.full(15, 0.02), np.full(15, 0.06)])
    cov = share_frame(counts, totals, outlet="Harbour Post")
    cov.loc[29, "partial"] = True
    found = ddj.changepoints(cov)
    assert found["start"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-04-15")]
    assert found["periods"].tolist() == [15, 14]  # the partial week is left out
    second = found.iloc[1]
    share = counts[15:29].sum() / totals[15:29].sum()
    assert second["share"] == pytest.approx(share)
    low, high = ddj.intervals.wilson(int(counts[15:29].sum()), int(totals[15:29].sum()))
    assert (second["share_low"], second["share_high"]) == pytest.approx((low, high))
    assert second["sentence"] == (
        f"Hong Kong's share of Harbour Post's articles rose from {ddj.words.percent(found['share'].iloc[0])} "
        f"to {ddj.words.percent(share)} from 15 April 2024."
    )
    assert "PELT" in found.attrs["method"] and "2 log(n)" in found.attrs["method"]
    assert len(ddj.changepoints(cov, penalty=1e6)) == 1  # a change costs more than any gain
    for kwargs, message in (({"min_size": 0}, "min_size=0"), ({"penalty": -1}, "penalty=-1")):
        with pytest.raises(ddj.ParameterError, match=message):
            ddj.changepoints(cov, **kwargs)


def test_a_series_longer_than_the_bound_is_cut_to_its_latest_periods():
    n = regimes.MAX_PERIODS + 20
    cov = share_frame(np.full(n, 5), np.full(n, 100))
    found = ddj.changepoints(cov)
    assert found["periods"].sum() == regimes.MAX_PERIODS and found.attrs["cut"] == 20


class _RupturesCost(ruptures.base.BaseCost):
    """ddj's segment cost, one segment at a time, for ruptures' own PELT."""

    model = "ddj"
    min_size = 1

    def __init__(self, kind: str, phi: float):
        self.kind, self.phi = kind, phi

    def fit(self, signal):
        self.signal = signal
        return self

    def error(self, start, end):
        part = self.signal[start:end]
        totals = part[:, 1] if self.kind == "binomial" else None
        return regimes.segment_cost(self.kind, part[:, 0], totals) / self.phi


@pytest.mark.parametrize("seed", range(4))
def test_pelt_gives_the_segmentation_ruptures_gives(seed):
    rng = np.random.default_rng(50 + seed)
    volume = rng.poisson(np.repeat(rng.uniform(20, 200, size=5), 24))  # 120 weeks, 4 changes
    totals = rng.poisson(800, size=120)
    counts = rng.binomial(totals, np.repeat(rng.uniform(0.01, 0.08, size=4), 30))
    for kind, signal in (
        ("poisson", volume[:, None]),
        ("binomial", np.column_stack([counts, totals])),
    ):
        phi = 1.0 + seed  # any dispersion: the same for both
        for min_size, penalty in ((4, 2 * math.log(120)), (2, 3.0), (10, 30.0)):
            theirs = ruptures.Pelt(custom_cost=_RupturesCost(kind, phi), min_size=min_size, jump=1)
            cost = regimes.Cost(kind, signal.astype(float), phi)
            ours = regimes.pelt(cost, 120, min_size, penalty)
            assert ours == theirs.fit(signal.astype(float)).predict(pen=penalty)
