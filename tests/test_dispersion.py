"""ddj.dispersion and the beta-binomial spikes test: against scipy, by hand, and on simulated series."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

import ddj
from benchmarks.bench_spikes import simulate
from ddj import dispersion, intervals


def betabinom_tail(k: int, n: int, p: float, rho: float) -> float:
    """P(X >= k) as the sum of scipy's beta-binomial probabilities (its ``sf``, 1 - cdf, loses
    digits in the far tail: 6.56303e-08 where the sum is 6.56308e-08)."""
    dist = sps.betabinom(n, p * (1 - rho) / rho, (1 - p) * (1 - rho) / rho)
    return float(dist.pmf(np.arange(k, n + 1)).sum())


@pytest.mark.parametrize(
    ("k", "n", "p", "rho"),
    [
        (8, 20, 0.2, 0.05),
        (1, 1, 0.3, 0.1),
        (0, 50, 0.02, 0.01),
        (12, 200, 0.02, 0.002),
        (90, 2500, 0.02, 0.01),
        (700, 5000, 0.1, 0.02),
        (3, 4000, 0.005, 0.3),
        (150, 400, 0.2, 0.49),
    ],
)
def test_upper_tail_is_scipys_betabinom(k, n, p, rho):
    assert dispersion.upper_tail(k, n, p, rho) == pytest.approx(
        betabinom_tail(k, n, p, rho), rel=1e-9, abs=1e-300
    )


@pytest.mark.parametrize(
    ("k", "n", "p"), [(8, 20, 0.2), (0, 5, 0.5), (60, 2500, 0.02), (5, 5, 0.9)]
)
def test_upper_tail_with_rho_zero_is_the_binomial(k, n, p):
    assert dispersion.upper_tail(k, n, p, 0.0) == pytest.approx(sps.binom.sf(k - 1, n, p), rel=1e-9)


def test_upper_tail_beyond_max_terms_is_the_normal_with_the_same_variance():
    n, p, rho = dispersion.MAX_TERMS + 10, 0.01, 0.001
    sd = math.sqrt(n * p * (1 - p) * (1 + (n - 1) * rho))
    k = round(n * p + 2 * sd)
    assert dispersion.upper_tail(k, n, p, rho) == pytest.approx(sps.norm.sf(k - 0.5, n * p, sd))


def test_rho_by_moments_recovers_the_simulated_rho_and_its_formula_by_hand():
    # by hand: the pooled share, Pearson's chi-square, the moment equation
    k, n = np.array([2, 9, 4, 12, 3]), np.array([100, 100, 100, 100, 100])
    p = k.sum() / n.sum()
    chi2 = ((k - n * p) ** 2 / (n * p * (1 - p))).sum()
    by_hand = (chi2 - 4) / (n.sum() - (n**2).sum() / n.sum() - 4)
    assert dispersion.rho_moments(k, n) == pytest.approx(by_hand)
    rng = np.random.default_rng(5)
    for rho in (0.0, 0.005, 0.02):
        estimates = []
        for _ in range(200):
            totals = rng.poisson(1500, 52)
            shares = rng.beta(0.03 * (1 - rho) / rho, 0.97 * (1 - rho) / rho, 52) if rho else 0.03
            estimates.append(dispersion.rho_moments(rng.binomial(totals, shares), totals))
        assert np.mean(estimates) == pytest.approx(rho, abs=0.0015)


def test_rho_cannot_be_estimated_from_too_little_history():
    assert math.isnan(dispersion.rho_moments([1, 2, 3], [50, 50, 50]))  # 3 < MIN_HISTORY
    assert math.isnan(dispersion.rho_moments([0, 0, 0, 0, 0], [50, 50, 50, 50, 50]))  # none match
    assert (
        dispersion.rho_moments([3, 0, 4, 5, 2], [50, 0, 50, 50, 50]) == 0.0
    )  # empty period left out


@pytest.mark.parametrize(
    ("t", "df"), [(2.0, 1), (2.33, 2), (2.33, 7), (-1.0, 4), (3.0, 51), (0.4, 200)]
)
def test_t_upper_is_scipys_student_t(t, df):
    assert dispersion.t_upper(t, df) == pytest.approx(sps.t.sf(t, df), rel=1e-9)


def test_degrees_of_freedom_of_an_estimated_rho_match_a_simulation():
    # the variance of 1 + (n-1) rho_hat over many simulated histories is 2 / df of its square mean
    rng = np.random.default_rng(3)
    rho, p, n = 0.01, 0.04, 1000
    totals = rng.poisson(800, 12)
    shares = rng.beta(p * (1 - rho) / rho, (1 - p) * (1 - rho) / rho, (20_000, 12))
    counts = rng.binomial(totals, shares)
    usual = counts.sum(1, keepdims=True) / totals.sum()
    chi2 = ((counts - totals * usual) ** 2 / (totals * usual * (1 - usual))).sum(1)
    spread = totals.sum() - (totals**2).sum() / totals.sum() - 11
    phi = 1 + (n - 1) * (chi2 - 11) / spread  # unclipped, as the formula assumes
    simulated = 2 * phi.mean() ** 2 / phi.var()
    formula = dispersion.rho_df(n, rho, 12, totals.sum(), (totals**2).sum())
    assert formula == pytest.approx(simulated, rel=0.1)
    p_value = 0.004
    assert dispersion.referred_to_t(p_value, formula) == pytest.approx(
        sps.t.sf(sps.norm.isf(p_value), math.floor(formula)), rel=1e-9
    )
    assert dispersion.referred_to_t(p_value, math.inf) == p_value


def test_a_spike_is_tested_against_the_beta_binomial_of_its_own_history():
    # 20 weeks: 52 of 1,000 then 40, 60, ... around 5%; week 20 has 110 of 1,000
    history = [40, 62, 48, 55, 38, 66, 51, 44, 58, 47, 35, 60, 53, 45, 57, 49, 42, 63, 50, 46]
    counts = [*history, 110]
    weeks = pd.date_range("2024-01-01", periods=len(counts), freq="W-MON")
    cov = pd.DataFrame({
        "period": weeks, "period_end": weeks + pd.Timedelta(days=6), "topic": "t", "label": "T",
        "articles": counts, "total": 1000, "partial": False,
    })  # fmt: skip
    cov.attrs["freq"] = "W"
    found = ddj.spikes(cov)
    row = found.iloc[-1]
    assert row["period"] == weeks[-1] and row["test"] == dispersion.BETA_BINOMIAL
    # independently: rho from the 20 weeks before, the baseline of 8, the widened rho, scipy's tail
    k, n = np.array(history, float), np.full(20, 1000.0)
    usual = k.sum() / n.sum()
    chi2 = ((k - n * usual) ** 2 / (n * usual * (1 - usual))).sum()
    rho = (chi2 - 19) / (n.sum() - (n**2).sum() / n.sum() - 19)
    assert row["rho"] == pytest.approx(rho)
    c, m = sum(history[-8:]), 8000
    variance = 1000 * (1 + 999 * rho) + 1000**2 * 8 * 1000 * (1 + 999 * rho) / m**2
    wider = (variance / 1000 - 1) / 999
    tail = betabinom_tail(110, 1000, c / m, wider)
    c = 1 + 999 * rho
    df = (20_000 - 1000 - 19) ** 2 * c * c / (999**2 * 20 * c * c)  # equal totals: c_i = c
    assert row["p_value"] == pytest.approx(sps.t.sf(sps.norm.isf(tail), math.floor(df)), rel=1e-9)
    binomial = ddj.spikes(cov, method="binomial").iloc[-1]
    assert binomial["test"] == intervals.FISHER and binomial["p_value"] < row["p_value"]


def test_too_little_history_falls_back_to_fishers_test_with_a_note():
    counts, totals = [0] * 9 + [9], [30] * 10  # none in the baseline: no share, no dispersion
    weeks = pd.date_range("2024-01-01", periods=10, freq="W-MON")
    cov = pd.DataFrame({
        "period": weeks, "period_end": weeks + pd.Timedelta(days=6), "topic": "t", "label": "T",
        "articles": counts, "total": totals, "partial": False,
    })  # fmt: skip
    cov.attrs["freq"] = "W"
    with pytest.warns(ddj.DdjWarning, match="1 period.s. tested with Fisher's exact test"):
        found = ddj.spikes(cov, window=8)
    assert found["test"].tolist() == [intervals.FALLBACK] and found.attrs["fallback"] == 1
    with pytest.raises(ddj.ParameterError, match="method='poisson'"):
        ddj.spikes(cov, method="poisson")


def test_on_overdispersed_series_the_new_test_keeps_its_rate_where_fishers_does_not():
    # 300 weekly series like real news (200-5,000 articles a week, shares of 0.5-10%), rho = 0.005
    cov = simulate(11, series=300, rho=0.005)
    tested = len(cov) - 300 * 8
    alpha = 0.01
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rate = {
            m: len(ddj.spikes(cov, alpha=alpha, min_ratio=1.0, method=m)) / tested
            for m in ("binomial", "beta-binomial")
        }
    tolerance = 3 * math.sqrt(alpha * (1 - alpha) / tested)  # three binomial standard errors
    assert rate["beta-binomial"] <= alpha + tolerance
    assert rate["beta-binomial"] > alpha / 3  # not bought by never flagging
    assert rate["binomial"] > 5 * alpha  # the binomial test flags far too often here
