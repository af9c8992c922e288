"""How sure a share is: its interval, a test for counts, a figure in words, the periods that spike.

A share of articles is a count out of a total, so every figure here treats it
as a binomial proportion:

- **Share interval**: Wilson's score interval (Wilson 1927; Newcombe 1998,
  method 3). It stays inside 0-100%, is not zero-width at 0 or n articles, and
  covers close to its nominal 95% even for a few articles, where the usual
  "p ± 1.96 se" interval fails (Brown, Cai & DasGupta 2001).
- **Ratio of two shares**: the Katz log interval (Katz et al. 1978), as
  ``scipy.stats.contingency.relative_risk`` computes it; when the period has
  no matching article, 0.5 is added to each cell (Haldane) for the upper bound.
- **Difference of two shares**: Newcombe's hybrid score interval (Newcombe
  1998, method 10), built from the two Wilson intervals.
- **Test**: Fisher's exact test on the 2x2 table (matching / other articles,
  period / baseline). Articles out of a total are two binomial counts;
  conditioning on the margins removes the unknown common share, and the exact
  hypergeometric distribution makes the p-value valid on a handful of articles,
  where the chi-square and z approximations are not; it errs on the side of
  calling a rise chance. When the table is so large that the exact sum would
  run over :data:`MAX_EXACT` terms, the pooled two-proportion z-test (which
  agrees with it at that size) is used, and ``test`` says so.
- **Small denominator**: a period with fewer than :data:`SMALL_TOTAL` articles
  in all. One article more or fewer moves its share by more than 3.3 points,
  and a share of 10% on 30 articles has a 95% interval of 3.5-25.6%.

``spikes`` finds the periods well above their trailing baseline. ``ddj.stats``
builds its comparisons with a baseline from the same functions, and ``ddj.charts``
and ``ddj.publishing`` draw and write the intervals and spikes from here. No
scipy is needed; the tests check every method against scipy and against
published values.

Examples
--------
>>> low, high = wilson(81, 263)  # Newcombe (1998), table I
>>> round(low, 4), round(high, 4)
(0.2553, 0.3662)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from ddj import dispersion, params, warns, words
from ddj.constants import SERIES_KEYS, SMALL_TOTAL
from ddj.errors import ParameterError, SchemaError

#: The confidence level of every interval ddj prints unless told otherwise.
CONFIDENCE = 0.95
#: Largest number of terms the exact test sums; beyond it the z-test is used (and named).
MAX_EXACT = 5_000_000
#: Name of the test in ``compare`` and ``spikes`` results.
FISHER = "Fisher's exact test"
Z_TEST = "two-proportion z-test (table too large for the exact test)"
#: Name of the interval of every share (``share_low``, ``share_high``).
WILSON = "Wilson score interval"


#: The columns every coverage frame has (``ddj.coverage``), which the functions here need.
COVERAGE_COLUMNS = ("period", "topic", "label", "articles", "total", "partial")


# -- intervals -------------------------------------------------------------------------------


def z_value(confidence: float = CONFIDENCE) -> float:
    """The two-sided standard normal quantile for ``confidence`` (1.96 for 0.95).

    Examples
    --------
    >>> round(z_value(0.95), 4)
    1.96
    """
    confidence = params.fraction(confidence, "confidence", example=0.95)
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def wilson(articles: Any, total: Any, *, confidence: float = CONFIDENCE) -> tuple[Any, Any]:
    """Wilson score interval of the share ``articles / total``.

    Parameters
    ----------
    articles, total
        Counts (numbers or arrays of the same shape); ``0 <= articles <= total``.
    confidence
        Coverage of the interval, 0.95 for 95%.

    Returns
    -------
    tuple
        ``(low, high)``, floats or arrays; NaN where ``total`` is 0 (no share).

    Raises
    ------
    ParameterError
        Counts that are negative, not whole, or above their total.

    Examples
    --------
    >>> [round(v, 4) for v in wilson(0, 10)]  # Newcombe (1998): 0 to 0.2775
    [0.0, 0.2775]
    """
    k, n, scalar = _counts(articles, total)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = k / n
        denom = 1 + z * z / n
        centre = (share + z * z / (2 * n)) / denom
        half = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / denom
    low = np.where(k <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(k >= n, 1.0, np.clip(centre + half, 0.0, 1.0))
    low, high = np.where(n > 0, low, np.nan), np.where(n > 0, high, np.nan)
    return _out(low, scalar), _out(high, scalar)


def ratio_interval(
    articles: Any,
    total: Any,
    base_articles: Any,
    base_total: Any,
    *,
    confidence: float = CONFIDENCE,
) -> tuple[Any, Any, Any]:
    """The ratio of two shares and its Katz log interval.

    ``(articles / total) / (base_articles / base_total)``, with
    ``exp(log ratio ± z sqrt(1/a - 1/n + 1/c - 1/m))``. With no matching
    article in the period the ratio is 0, its lower bound 0 and its upper
    bound the Katz bound with 0.5 added to each cell (Haldane's correction).
    With none in the baseline (or a total of 0) there is no ratio: NaN.

    Returns
    -------
    tuple
        ``(ratio, low, high)``, floats or arrays.

    Examples
    --------
    >>> [round(v, 3) for v in ratio_interval(30, 100, 15, 100)]
    [2.0, 1.149, 3.482]
    """
    a, n1, scalar = _counts(articles, total)
    c, n2, _ = _counts(base_articles, base_total)
    z = z_value(confidence)
    zero = a == 0
    aa, nn1, cc, nn2 = (np.where(zero, x + d, x) for x, d in ((a, 0.5), (n1, 1), (c, 0.5), (n2, 1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (a / n1) / (c / n2)
        centre = np.log((aa / nn1) / (cc / nn2))
        se = np.sqrt(1 / aa - 1 / nn1 + 1 / cc - 1 / nn2)
        low = np.where(zero, 0.0, np.exp(centre - z * se))
        high = np.exp(centre + z * se)
    none = (c == 0) | (n1 == 0) | (n2 == 0)
    ratio, low, high = (np.where(none, np.nan, v) for v in (ratio, low, high))
    return _out(ratio, scalar), _out(low, scalar), _out(high, scalar)


def difference_interval(
    articles: Any,
    total: Any,
    base_articles: Any,
    base_total: Any,
    *,
    confidence: float = CONFIDENCE,
) -> tuple[Any, Any, Any]:
    """The difference of two shares and Newcombe's hybrid score interval (method 10).

    With Wilson intervals ``(l1, u1)`` and ``(l2, u2)`` of the two shares
    ``p1`` and ``p2``: ``d - sqrt((p1-l1)² + (u2-p2)²)`` to
    ``d + sqrt((u1-p1)² + (p2-l2)²)``. NaN where a total is 0.

    Returns
    -------
    tuple
        ``(difference, low, high)`` as fractions (0.05 is five points).

    Examples
    --------
    >>> [round(v, 4) for v in difference_interval(56, 70, 48, 80)]  # Newcombe (1998), example (a)
    [0.2, 0.0524, 0.3339]
    """
    a, n1, scalar = _counts(articles, total)
    c, n2, _ = _counts(base_articles, base_total)
    l1, u1 = wilson(a, n1, confidence=confidence)
    l2, u2 = wilson(c, n2, confidence=confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = a / n1, c / n2
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return _out(d, scalar), _out(low, scalar), _out(high, scalar)


# -- the test --------------------------------------------------------------------------------


def count_test(
    articles: int,
    total: int,
    base_articles: int,
    base_total: int,
    *,
    alternative: str = "two-sided",
) -> tuple[float, str]:
    """Fisher's exact test of a share against a baseline share: different (or higher) beyond chance.

    The 2x2 table is ``[[articles, total - articles], [base_articles,
    base_total - base_articles]]``; given its margins, ``articles`` follows a
    hypergeometric distribution when both shares are equal. The two-sided
    p-value sums the probabilities of every table no more likely than the one
    seen (as ``scipy.stats.fisher_exact`` does); ``"greater"`` sums the upper tail.

    Parameters
    ----------
    articles, total, base_articles, base_total
        The counts.
    alternative
        ``"two-sided"`` or ``"greater"`` (the period's share is higher).

    Returns
    -------
    tuple
        ``(p_value, test)``: the test's name, :data:`FISHER` or, beyond
        :data:`MAX_EXACT` terms, :data:`Z_TEST`. NaN when a total is 0.

    Examples
    --------
    >>> p, test = count_test(8, 10, 2, 10)
    >>> round(p, 4), test
    (0.023, "Fisher's exact test")
    """
    a, n1, c, n2 = (int(v) for v in (articles, total, base_articles, base_total))
    _counts(a, n1)
    _counts(c, n2)
    if alternative not in ("two-sided", "greater"):
        msg = f"alternative={alternative!r}: use 'two-sided' or 'greater'."
        raise ParameterError(msg)
    if n1 == 0 or n2 == 0:
        return math.nan, FISHER
    matching = a + c
    lo, hi = max(0, matching - n2), min(matching, n1)
    if hi - lo + 1 > MAX_EXACT:
        return _z_test(a, n1, c, n2, alternative), Z_TEST
    probs = _hypergeometric(matching, n1, n2, lo, hi)
    if alternative == "greater":
        return float(min(1.0, probs[a - lo :].sum())), FISHER
    seen = probs[a - lo]
    return float(min(1.0, probs[probs <= seen * (1 + 1e-7)].sum())), FISHER


def _hypergeometric(matching: int, n1: int, n2: int, lo: int, hi: int) -> np.ndarray:
    """P(X = x) for x in lo..hi, X the matching articles among n1 drawn from n1 + n2."""
    x = np.arange(lo, hi, dtype=float)
    # P(x+1) / P(x) = (K - x)(n1 - x) / ((x + 1)(n2 - K + x + 1)); summed as logs, no factorials
    steps = np.log(matching - x) + np.log(n1 - x) - np.log(x + 1) - np.log(n2 - matching + x + 1)
    logp = np.concatenate(([0.0], np.cumsum(steps)))
    probs = np.exp(logp - logp.max())
    return probs / probs.sum()


def _z_test(a: int, n1: int, c: int, n2: int, alternative: str) -> float:
    pooled = (a + c) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (a / n1 - c / n2) / se
    if alternative == "greater":
        return 0.5 * math.erfc(z / math.sqrt(2))
    return math.erfc(abs(z) / math.sqrt(2))


# -- a figure in words -----------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """How a sentence names a baseline: "its average of the previous 12 weeks", "in ..."."""

    its: str
    inside: str


def sentence(row: dict, when: str, base: Baseline, confidence: float) -> str:
    """The figure as a reporter writes it, or why there is none."""
    who = row.get("outlet", row.get("group"))
    whose = "" if who is None else words.possessive(who) + " "
    if row["total"] == 0:
        return f"{who or 'The corpus'} had no articles {when}: there is no share of {row['label']} to compare."
    ci = f"{confidence:.0%} CI {words.interval(row['share_low'], row['share_high'])}"
    if row["small"]:
        ci += f", of only {words.count(row['total'])} in all"
    head = f"{row['label']} was {words.percent(row['share'])} of {whose}articles {when} ({ci})"
    if row["baseline_total"] == 0:
        return (
            f"{head}; there were no articles at all {base.inside}, so nothing to compare it with."
        )
    p = words.p_value(row["p_value"])
    before = words.percent(row["baseline_share"])
    if row["baseline_articles"] == 0:
        if row["articles"] == 0:
            return f"{head}, and none {base.inside} either."
        return f"{head}, up from none {base.inside} ({p})."
    if row["articles"] == 0:
        return f"{head}, against {before} {base.inside} ({p})."
    if row["p_value"] >= 0.05:
        return f"{head}, {words.times(row['ratio'])} {base.its} ({before}), a difference within chance ({p})."
    return f"{head}, {words.times(row['ratio'])} {base.its} ({before}; {p})."


# -- spikes ----------------------------------------------------------------------------------


def spikes(
    cov: pd.DataFrame,
    *,
    window: int = 8,
    alpha: float = 0.01,
    min_ratio: float = 1.5,
    confidence: float = CONFIDENCE,
    method: str = "beta-binomial",
    history: int = 52,
) -> pd.DataFrame:
    """Periods whose share is well above their trailing baseline, with the stories behind them.

    Method: for each complete period of each series (topic, and outlet or
    group), the baseline is the ``window`` complete periods just before it,
    pooled (all their matching articles over all their articles). The period
    is a spike when its share is at least ``min_ratio`` times the baseline's
    and a one-sided test (period above baseline) gives ``p < alpha``.
    Periods with fewer than ``window`` complete periods before them, and
    partial periods, are not tested.

    The test (``method``):

    - ``"beta-binomial"`` (the default): real news varies more from period
      to period than a binomial count (overdispersion). The dispersion
      ``rho`` of the series is estimated from up to ``history`` complete
      periods before the one tested (method of moments, ``ddj.dispersion``),
      widened for the baseline share being an estimate; the p-value is the
      beta-binomial upper tail of the period's count, referred to Student's t
      on the degrees of freedom ``rho`` came from. With fewer than
      :data:`ddj.dispersion.MIN_HISTORY` baseline periods with articles, or
      no matching article in the baseline, ``rho`` cannot be estimated: that
      period falls back to Fisher's test, its ``test`` column says so and a
      note (a ``DdjWarning``) counts them.
    - ``"binomial"``: Fisher's exact test on the 2x2 table, as before: exact
      when counts are binomial, too eager on real series.
    - ``"quasi-binomial"``: the binomial z-score over ``sqrt(phi)``, ``phi``
      from the baseline's Pearson chi-square (kept for comparison).

    False alarms: on binomial series with no spike (400 flat series of 60
    months, totals of 40 to 400 articles, shares of 2% to 20%, seed 16;
    ``tests/test_stats.py``) Fisher's test flags 0.81% of the periods tested
    at ``alpha=0.01`` with ``min_ratio=1``, 0.58% with ``min_ratio=1.5``, and
    4.0% at ``alpha=0.05``. On series with overdispersion like real news',
    it flags many times ``alpha``; the beta-binomial stays near it
    (``benchmarks/bench_spikes.py``; figures in README, "How sure is a
    number"). ``min_ratio`` keeps a rise of a few percent on a large corpus,
    beyond chance but no story, off the list.

    Parameters
    ----------
    cov
        A frame from ``ddj.coverage``.
    window
        Periods in the trailing baseline (2 to 1,000).
    alpha
        Significance level of the one-sided test (between 0 and 1).
    min_ratio
        Smallest ratio of share to baseline share that counts (1 or more).
    confidence
        Of the share's interval.
    method
        ``"beta-binomial"``, ``"binomial"`` or ``"quasi-binomial"``.
    history
        Complete periods before each one from which the dispersion is
        estimated (at least ``window``; 2 to 1,000): a longer history knows
        it better, and Student's t allows for a short one.

    Returns
    -------
    pandas.DataFrame
        One row per spike: ``topic``, ``label``, [``outlet`` | ``group``],
        ``period``, ``period_end``, ``articles``, ``total``, ``share``,
        ``share_low``, ``share_high``, ``small``, ``baseline_articles``,
        ``baseline_total``, ``baseline_share``, ``ratio`` (inf when the
        baseline had none), ``p_value``, ``test`` (the test that gave it),
        ``rho`` (the dispersion used; NaN for Fisher's test), ``stories`` (the period's example
        headlines, a list) and ``sentence``. ``attrs["method"]`` names the method.

    Examples
    --------
    >>> found = ddj.spikes(cov, method="binomial")
    >>> found["sentence"].tolist()
    ['Ukraine war was 80.0% of articles in November 2022 (95% CI 37.6–96.4%, of only 5 articles in all), 5.2 times its average of the previous 8 months (15.4%; p = 0.010).']
    >>> found["stories"].iloc[0][0]
    'Ukraine war enters another winter'

    Allowing for how much the series varies on its own (the default), four
    articles of five is within it:

    >>> ddj.spikes(cov).empty
    True
    """
    frame = coverage_frame(cov, "spikes")
    window = params.whole(window, "window", lo=2, hi=params.MAX_BASELINE, example=8)
    alpha = params.fraction(alpha, "alpha", example=0.01)
    min_ratio = _min_ratio(min_ratio)
    if method not in SPIKE_METHODS:
        msg = f"method={method!r}: use one of {', '.join(map(repr, SPIKE_METHODS))}."
        raise ParameterError(msg)
    freq = words.frequency(frame)
    keys = ["topic", "label", *[k for k in SERIES_KEYS if k in frame]]
    history = params.whole(history, "history", lo=2, hi=params.MAX_BASELINE, example=52)
    tested = _trailing(frame, keys, window, 0 if method == "binomial" else max(window, history))
    found, fell_back = _significant(
        tested, alpha=alpha, min_ratio=min_ratio, confidence=confidence, method=method
    )
    if fell_back:
        note = (
            f"spikes(): {fell_back:,} period(s) tested with Fisher's exact test instead of the "
            f"{method} test: fewer than {dispersion.MIN_HISTORY} baseline periods with articles, "
            "or none matching, so the dispersion could not be estimated (their 'test' column says so)."
        )
        warnings.warn(warns.note(note), stacklevel=2)
    base = Baseline(
        f"its average of the previous {words.periods(window, freq)}",
        f"in the previous {words.periods(window, freq)}",
    )
    found["stories"] = [
        _stories(e) for e in found.get("examples", pd.Series("", index=found.index))
    ]
    found["sentence"] = [
        sentence(row, words.period(row["period"], freq, preposition=True), base, confidence)
        for row in found.to_dict("records")
    ]
    found = found[[*keys, *_SPIKE_COLUMNS]].reset_index(drop=True)
    found.attrs = {
        "method": f"share at least {min_ratio:g} times the pooled share of the previous {window} "
        f"complete periods, one-sided {SPIKE_METHODS[method]} p < {alpha:g}",
        "fallback": fell_back,
        "parameters": {
            "test": method,
            "window": window,
            "history": history,
            "alpha": alpha,
            "min_ratio": min_ratio,
            "confidence": confidence,
        },  # fmt: skip
        **{k: v for k, v in cov.attrs.items() if k in ("freq", "by", "ddj_demo")},
    }
    return found


_SPIKE_COLUMNS = [
    "period", "period_end", "articles", "total", "share", "share_low", "share_high", "small",
    "baseline_articles", "baseline_total", "baseline_share", "ratio", "p_value", "test", "rho",
    "stories", "sentence",
]  # fmt: skip

#: The tests ``spikes`` can use, and their names in its results.
SPIKE_METHODS = {
    "beta-binomial": dispersion.BETA_BINOMIAL,
    "binomial": FISHER,
    "quasi-binomial": dispersion.QUASI_BINOMIAL,
}
#: The ``test`` of a period tested with Fisher's test because its dispersion could not be estimated.
FALLBACK = f"{FISHER} (too little history for the dispersion)"


def _min_ratio(value: Any) -> float:
    number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, bool
    )
    if not number or not 1 <= value < math.inf:
        msg = f"min_ratio={value!r}: give a number of 1 or more, such as min_ratio=1.5 (1 keeps every significant rise)."
        raise ParameterError(msg)
    return float(value)


def _trailing(frame: pd.DataFrame, keys: list[str], window: int, history: int = 0) -> pd.DataFrame:
    """Complete periods with the sums of the ``window`` (and ``history``) complete periods before each."""
    rows = frame[~frame["partial"].astype(bool)].copy()
    rows["period"] = pd.to_datetime(rows["period"])
    order = {topic: i for i, topic in enumerate(dict.fromkeys(frame["topic"]))}
    rows["topic_order"] = rows["topic"].map(order)  # topics as the coverage gives them
    rows = rows.sort_values(["topic_order", *keys[2:], "period"], kind="stable")
    rows = rows.drop(columns="topic_order")
    series = [rows[k] for k in keys]
    position = rows.groupby(series, sort=False, dropna=False).cumcount().to_numpy()
    a, n = rows["articles"].to_numpy(dtype=float), rows["total"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        # what the dispersion needs, over `history` periods: sum a^2/n, sum n^2, periods with articles
        extra = {"a2n": np.where(n > 0, a * a / n, 0.0), "n2": n * n, "used": (n > 0) * 1.0}
    sums = [("baseline", "articles", a, window), ("baseline", "total", n, window)]
    if history:
        sums.append(("baseline", "n2", extra["n2"], window))
        sums += [("history", name, v, history) for name, v in (("articles", a), ("total", n))]
        sums += [("history", name, v, history) for name, v in extra.items()]
    for prefix, column, values, periods in sums:
        running = pd.Series(values, index=rows.index).groupby(series, sort=False, dropna=False)
        grouped = running.cumsum().groupby(series, sort=False, dropna=False)
        before = grouped.shift(1).fillna(0) - grouped.shift(periods + 1).fillna(0)
        rows[f"{prefix}_{column}"] = np.where(position >= window, before, np.nan)
    return rows.dropna(subset=["baseline_total"]).astype(
        {"baseline_articles": "int64", "baseline_total": "int64"}
    )


def _significant(
    rows: pd.DataFrame, *, alpha: float, min_ratio: float, confidence: float, method: str
) -> tuple[pd.DataFrame, int]:
    a, n1 = rows["articles"].to_numpy(), rows["total"].to_numpy()
    c, n2 = rows["baseline_articles"].to_numpy(), rows["baseline_total"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        share, base = np.where(n1 > 0, a / n1, 0.0), np.where(n2 > 0, c / n2, 0.0)
    candidate = (a > 0) & (n2 > 0) & (share >= min_ratio * base) & (share > base)
    rows = rows.loc[candidate].copy()
    rows["share"], rows["baseline_share"] = share[candidate], base[candidate]
    rows["p_value"], rows["test"], rows["rho"] = _p_values(rows, method)
    fell_back = int((rows["test"] == FALLBACK).sum())
    rows = rows[rows["p_value"] < alpha].copy()
    with np.errstate(divide="ignore"):
        rows["ratio"] = np.where(
            rows["baseline_share"] > 0, rows["share"] / rows["baseline_share"], np.inf
        )
    rows["share_low"], rows["share_high"] = wilson(
        rows["articles"].to_numpy(), rows["total"].to_numpy(), confidence=confidence
    )
    rows["small"] = rows["total"] < SMALL_TOTAL
    if "period_end" not in rows:
        rows["period_end"] = rows["period"]
    return rows, fell_back


def _p_values(rows: pd.DataFrame, method: str) -> tuple[list[float], list[str], np.ndarray]:
    """Each candidate period's one-sided p-value, the test that gave it and the ``rho`` it used."""
    a, n = rows["articles"].to_numpy(), rows["total"].to_numpy()
    c, m = rows["baseline_articles"].to_numpy(), rows["baseline_total"].to_numpy()
    if method == "binomial":
        fisher = [count_test(*v, alternative="greater")[0] for v in zip(a, n, c, m, strict=True)]
        return fisher, [FISHER] * len(rows), np.full(len(rows), np.nan)
    used, sum_sq = rows["history_used"].to_numpy(), rows["history_n2"].to_numpy()
    hc, hm = rows["history_articles"].to_numpy(), rows["history_total"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        share, usual = c / m, hc / hm
        chi2 = np.maximum(0.0, rows["history_a2n"].to_numpy() - usual * hc) / (usual * (1 - usual))
    chi2 = np.where((usual > 0) & (usual < 1) & (share > 0), chi2, np.nan)
    rho = dispersion.rho_from_sums(chi2, used, hm, sum_sq)
    # the window's own spread: sum n_i (1 + (n_i - 1) rho)
    wider = dispersion.predictive_rho(n, rho, m, m + rho * (rows["baseline_n2"].to_numpy() - m))
    p_values, tests = [], []
    for i in range(len(rows)):
        if np.isnan(rho[i]):
            p_values.append(count_test(a[i], n[i], c[i], m[i], alternative="greater")[0])
            tests.append(FALLBACK)
        elif method == "beta-binomial":
            tail = dispersion.upper_tail(a[i], n[i], share[i], wider[i])
            df = dispersion.rho_df(n[i], rho[i], used[i], hm[i], sum_sq[i])
            p_values.append(dispersion.referred_to_t(tail, df))
            tests.append(dispersion.BETA_BINOMIAL)
        else:
            phi = max(1.0, chi2[i] / (used[i] - 1))
            tail = dispersion.quasi_tail(a[i], n[i], share[i], phi, m[i])
            p_values.append(dispersion.referred_to_t(tail, used[i] - 1))
            tests.append(dispersion.QUASI_BINOMIAL)
    return p_values, tests, rho


def _stories(examples: Any) -> list[str]:
    if not isinstance(examples, str) or not examples.strip():
        return []
    return [e.strip() for e in examples.split(" | ") if e.strip()]


# -- helpers ---------------------------------------------------------------------------------


def coverage_frame(cov: Any, name: str, needed: tuple[str, ...] = COVERAGE_COLUMNS) -> pd.DataFrame:
    """``cov`` when it is a coverage frame with rows and the ``needed`` columns, else a SchemaError naming ``name()``."""
    if not isinstance(cov, pd.DataFrame):
        msg = f"{name}() takes a coverage frame from ddj.coverage(), not {type(cov).__name__}."
        raise SchemaError(msg)
    missing = [c for c in needed if c not in cov.columns]
    if missing:
        msg = f"{name}() needs a frame from ddj.coverage(); this one lacks {missing}."
        raise SchemaError(msg)
    if cov.empty:
        raise SchemaError(
            f"{name}(): the coverage frame is empty; check the topics and the window."
        )
    return cov


def _counts(articles: Any, total: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    scalar = np.ndim(articles) == 0 and np.ndim(total) == 0
    k = np.asarray(articles, dtype=float)
    n = np.asarray(total, dtype=float)
    bad = (k < 0) | (k > n) | (k != np.round(k)) | (n != np.round(n)) | ~np.isfinite(n)
    if np.any(bad):
        where = np.flatnonzero(np.broadcast_to(bad, np.broadcast(k, n).shape))
        first = np.unravel_index(where[0], np.broadcast(k, n).shape)
        a, t = np.broadcast_to(k, bad.shape)[first], np.broadcast_to(n, bad.shape)[first]
        place = "" if scalar else f" ({len(where):,} pair(s); the first at position {where[0]:,})"
        msg = (
            f"articles={a:g}, total={t:g}{place}: counts must be whole numbers with "
            "0 <= articles <= total."
        )
        raise ParameterError(msg)
    return k, n, scalar


def _out(value: np.ndarray, scalar: bool) -> Any:
    return float(value) if scalar else value
