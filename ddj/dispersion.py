"""Shares that vary more than chance allows: the beta-binomial tail and its dispersion, from a series' own history.

A binomial test assumes every article of a period is an independent draw with
the same chance of being about the topic. Real news is not like that: stories
come in clusters, a week's agenda moves the share of every topic, and a share
varies from week to week more than binomially (*overdispersion*). A binomial
test then calls ordinary weeks spikes.

The beta-binomial model (Skellam 1948; Williams 1975) lets the period's own
share vary around the usual one, with intra-class correlation ``rho``: the
variance of ``k`` articles out of ``n`` is ``n p (1 - p) (1 + (n - 1) rho)``
instead of the binomial's ``n p (1 - p)``; ``rho = 0`` is the binomial.

- :func:`rho_moments` estimates ``rho`` from the trailing periods by the method
  of moments: Pearson's chi-square of their counts around their pooled share has
  expectation ``(W - 1) + rho * sum((n_i - 1)(1 - n_i / N))`` under the model
  (Kleinman 1973; Tarone 1979), solved for ``rho`` and bounded to
  ``[0, RHO_MAX]``.
- :func:`predictive_rho` widens it for the baseline share being estimated too
  (the variance of ``k - n p_hat``), so that the test of a period against its
  own trailing history holds its level also when ``rho`` is 0.
- :func:`upper_tail` is ``P(X >= k)`` for a beta-binomial ``X``, summed
  exactly (a ratio recurrence, no factorials, no scipy) for up to
  :data:`MAX_TERMS` articles and by its normal approximation beyond.
- :func:`referred_to_t` allows for ``rho`` being an estimate: the tail's
  normal score is referred to Student's t on the degrees of freedom
  :func:`rho_df` gives (Satterthwaite 1946), about the number of periods
  ``rho`` came from, less one.
- :func:`quasi_tail` is the quasi-binomial alternative (McCullagh & Nelder
  1989, section 4.5): the binomial z-score divided by ``sqrt(phi)``, with
  ``phi`` Pearson's chi-square over its degrees of freedom (at least 1).
  ``benchmarks/bench_spikes.py`` measures both; ``ddj.spikes`` uses the
  beta-binomial, which held its level better there (README, "How sure is a
  number").

Examples
--------
>>> round(upper_tail(8, 20, 0.2, 0.0), 4)  # binomial: P(X >= 8), X ~ Bin(20, 0.2)
0.0321
>>> round(upper_tail(8, 20, 0.2, 0.05), 4)  # the same with rho = 0.05: less surprising
0.0946
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np

#: Largest ``rho`` an estimate may take: past it the share of one period says almost nothing.
RHO_MAX = 0.5
#: Fewest trailing periods with articles from which ``rho`` is estimated; fewer, and the test falls back.
MIN_HISTORY = 4
#: Largest ``n`` whose tail is summed exactly; beyond it, the normal approximation with the same variance.
MAX_TERMS = 1_000_000
#: Names of the methods, as ``spikes`` results give them.
BETA_BINOMIAL = "beta-binomial test (rho from the trailing periods)"
QUASI_BINOMIAL = "quasi-binomial z-test (phi from the trailing periods)"


def pearson(articles: Any, totals: Any) -> tuple[float, float, int]:
    """Pearson's chi-square of counts around their pooled share.

    Parameters
    ----------
    articles, totals
        The periods' counts (periods with a total of 0 are left out).

    Returns
    -------
    tuple
        ``(chi2, pooled share, periods with articles)``; chi2 is NaN when the
        pooled share is 0 or 1 (no variation to measure).

    Examples
    --------
    >>> chi2, share, used = pearson([10, 20, 30], [100, 100, 100])
    >>> round(chi2, 3), share, used
    (12.5, 0.2, 3)
    """
    k = np.asarray(articles, dtype=float)
    n = np.asarray(totals, dtype=float)
    keep = n > 0
    k, n = k[keep], n[keep]
    if not len(n):
        return math.nan, math.nan, 0
    p = k.sum() / n.sum()
    if p <= 0 or p >= 1:
        return math.nan, float(p), len(n)
    return float(((k - n * p) ** 2 / (n * p * (1 - p))).sum()), float(p), len(n)


def rho_from_sums(chi2: Any, used: Any, total: Any, sum_sq: Any) -> Any:
    """The method-of-moments ``rho`` from Pearson's chi-square and the totals' sums.

    ``rho = (chi2 - (W - 1)) / (N - sum(n_i^2) / N - (W - 1))``, bounded to
    ``[0, RHO_MAX]``; NaN where ``chi2`` is NaN or there are fewer than
    :data:`MIN_HISTORY` periods. Works on arrays (one value per tested period).
    """
    chi2, used = np.asarray(chi2, dtype=float), np.asarray(used, dtype=float)
    total, sum_sq = np.asarray(total, dtype=float), np.asarray(sum_sq, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = total - sum_sq / total - (used - 1)
        rho = np.where(spread > 0, (chi2 - (used - 1)) / spread, 0.0)
    rho = np.clip(rho, 0.0, RHO_MAX)
    return np.where(np.isnan(chi2) | (used < MIN_HISTORY), np.nan, rho)


def rho_moments(articles: Any, totals: Any) -> float:
    """The beta-binomial ``rho`` of a series, by the method of moments (see the module's docstring).

    Returns
    -------
    float
        ``rho`` in ``[0, RHO_MAX]``, or NaN when fewer than
        :data:`MIN_HISTORY` periods have articles or none (or all) match.

    Examples
    --------
    >>> rho_moments([5, 5, 5, 5], [100, 100, 100, 100])  # steadier than binomial: 0
    0.0
    >>> round(rho_moments([2, 9, 4, 12, 3], [100, 100, 100, 100, 100]), 4)
    0.023
    """
    chi2, _, used = pearson(articles, totals)
    n = np.asarray(totals, dtype=float)
    n = n[n > 0]
    return float(rho_from_sums(chi2, used, n.sum(), (n * n).sum()))


def predictive_rho(n: Any, rho: Any, base_total: Any, base_spread: Any) -> Any:
    """``rho`` widened so the beta-binomial variance of ``k`` is that of ``k - n * p_hat``.

    With the baseline share ``p_hat = C / N`` estimated from periods of
    totals ``n_i``, ``Var(k - n p_hat) = n p q (1 + (n-1) rho) + n^2 p q
    sum(n_i (1 + (n_i-1) rho)) / N^2``. ``base_spread`` is ``sum(n_i (1 +
    (n_i - 1) rho))``. Returns the ``rho`` whose beta-binomial variance for
    ``n`` articles equals it (``rho`` itself where ``n < 2``), at most 0.99.

    Examples
    --------
    >>> round(float(predictive_rho(100, 0.0, 800, 800)), 5)  # binomial baseline of 8 x 100
    0.00126
    """
    n, rho = np.asarray(n, dtype=float), np.asarray(rho, dtype=float)
    base_total = np.asarray(base_total, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        extra = n * np.asarray(base_spread, dtype=float) / (base_total * base_total)
        wider = ((n - 1) * rho + extra) / (n - 1)
    return np.clip(np.where(n >= 2, wider, rho), 0.0, 0.99)


def upper_tail(k: int, n: int, p: float, rho: float) -> float:
    """``P(X >= k)`` for ``X`` beta-binomial with ``n`` trials, mean share ``p`` and correlation ``rho``.

    The beta's parameters are ``a = p (1 - rho) / rho`` and ``b = (1 - p) (1 -
    rho) / rho``; ``rho = 0`` is the binomial. The probabilities are built
    with ``P(x+1) / P(x) = (n - x)(x + a) / ((x + 1)(n - x - 1 + b))`` in logs and
    summed; past :data:`MAX_TERMS` trials, the normal tail with the same mean
    and variance (continuity-corrected).

    Examples
    --------
    >>> round(upper_tail(3, 10, 0.1, 0.0), 4)  # binomial: 1 - P(X <= 2)
    0.0702
    """
    k, n = int(k), int(n)
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    if n > MAX_TERMS:
        sd = math.sqrt(n * p * (1 - p) * (1 + (n - 1) * rho))
        return 1 - NormalDist(n * p, sd).cdf(k - 0.5)
    x = np.arange(n, dtype=float)
    if rho <= 0:
        steps = np.log(n - x) - np.log(x + 1) + math.log(p) - math.log1p(-p)
    else:
        a, b = p * (1 - rho) / rho, (1 - p) * (1 - rho) / rho
        steps = np.log(n - x) + np.log(x + a) - np.log(x + 1) - np.log(n - x - 1 + b)
    logp = np.concatenate(([0.0], np.cumsum(steps)))
    probs = np.exp(logp - logp.max())
    return float(min(1.0, probs[k:].sum() / probs.sum()))


def quasi_tail(k: int, n: int, p: float, phi: float, base_total: float) -> float:
    """One-sided quasi-binomial p-value: ``P(Z >= (k - n p) / sqrt(phi n p q (1 + n / N)))``.

    ``phi`` is the dispersion (at least 1), ``base_total`` the baseline's
    ``N``. A normal approximation: poor on a handful of articles.

    Examples
    --------
    >>> round(quasi_tail(30, 100, 0.2, 1.0, 800), 4)
    0.0092
    """
    if n <= 0 or p <= 0 or p >= 1:
        return math.nan
    sd = math.sqrt(max(1.0, phi) * n * p * (1 - p) * (1 + n / base_total))
    return 1 - NormalDist().cdf((k - n * p) / sd)


#: Degrees of freedom past which Student's t is taken as the normal.
MAX_DF = 200


def t_upper(t: float, df: int) -> float:
    """``P(T >= t)`` for Student's t with whole ``df`` degrees of freedom (normal past :data:`MAX_DF`).

    Abramowitz & Stegun 26.7.3-4: with ``theta = atan(t / sqrt(df))``,
    ``P(|T| <= t)`` is a finite sum of powers of ``cos(theta)``.

    Examples
    --------
    >>> round(t_upper(2.0, 5), 5)
    0.05097
    """
    df = int(df)
    if df < 1:
        msg = f"df={df}: Student's t needs at least 1 degree of freedom."
        raise ValueError(msg)
    if df > MAX_DF:
        return 1 - NormalDist().cdf(t)
    theta = math.atan(abs(t) / math.sqrt(df))
    c2, s = math.cos(theta) ** 2, math.sin(theta)
    if df % 2:
        term, total = math.cos(theta), 0.0
        if df > 1:
            total = term
            for j in range(3, df - 1, 2):
                term *= c2 * (j - 1) / j
                total += term
        inside = 2 / math.pi * (theta + s * total)
    else:
        term, total = 1.0, 1.0
        for j in range(2, df - 1, 2):
            term *= c2 * (j - 1) / j
            total += term
        inside = s * total
    tail = max(0.0, (1 - inside) / 2)
    return tail if t >= 0 else 1 - tail


def rho_df(n: int, rho: float, used: int, total: float, sum_sq: float) -> float:
    """Degrees of freedom of the variance ``n p q (1 + (n-1) rho)`` when ``rho`` is estimated.

    ``rho`` comes from Pearson's chi-square of ``used`` periods (totals
    summing to ``total``, their squares to ``sum_sq``). Each period's term is
    about ``c_i`` times a chi-square on one degree of freedom, ``c_i = 1 + (n_i
    - 1) rho``, so ``Var(rho_hat) = 2 sum(c_i^2) / D^2`` with ``D = N -
    sum(n_i^2) / N - (W - 1)``; matching the relative variance of the
    estimated variance to ``2 / df`` (Satterthwaite 1946) gives ``df = D^2 c^2
    / ((n-1)^2 sum(c_i^2))``, ``c = 1 + (n-1) rho``. With equal totals it is
    about ``W - 1``: the dispersion of a year of weekly history is known to
    about 51 degrees of freedom, that of 8 weeks to 7.

    Examples
    --------
    >>> round(rho_df(1000, 0.01, 8, 8000, 8_000_000), 2)  # 8 weeks of 1,000 articles
    6.12
    """
    if n < 2:
        return math.inf
    spread = total - sum_sq / total - (used - 1)
    sum_c2 = used + 2 * rho * (total - used) + rho * rho * (sum_sq - 2 * total + used)
    c = 1 + (n - 1) * rho
    return spread * spread * c * c / ((n - 1) ** 2 * sum_c2)


def referred_to_t(p_value: float, df: float) -> float:
    """A one-sided p-value from a variance estimated on ``df`` degrees of freedom, referred to Student's t.

    A test that plugs in an estimated dispersion flags too often (about 1.2
    times ``alpha`` with a year of weekly history, 2-4 times with 8 weeks):
    the p-value is turned into its normal score and referred to Student's t
    on ``floor(df)`` degrees of freedom (unchanged past :data:`MAX_DF`).

    Examples
    --------
    >>> round(referred_to_t(0.01, 7), 4)
    0.0264
    >>> referred_to_t(0.01, math.inf)
    0.01
    """
    if p_value >= 1 or not df <= MAX_DF:
        return p_value
    z = -NormalDist().inv_cdf(p_value) if p_value > 1e-300 else 38.0
    return t_upper(z, max(1, math.floor(df)))
