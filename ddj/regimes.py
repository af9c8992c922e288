"""Change points: where a series settles at a new level (an outlet's volume, a topic's share).

A spike is one period out of line; a *change point* is where a series moves to
a new level and stays there: a feed that now gives a third of what it did, a
topic that became part of the agenda. ``ddj.health`` names the regimes of each
outlet's volume; :func:`changepoints` those of a topic's share.

Method
------
PELT (Killick, Fearnhead & Eckley 2012), as ``ruptures`` implements it
(Truong, Oudre & Vayatis 2020), finds the segmentation that minimises the sum
of the segments' costs plus a penalty for each change; it is exact (the same
optimum as trying every segmentation) and about linear in the series' length.

- **Cost**: twice the negative log-likelihood of a segment with one level,
  computed from running sums in O(1) per segment: Poisson for a volume
  (``2 (S - S log(S / L))`` for ``S`` articles in ``L`` periods), binomial for
  a share (``-2 (K log(K/N) + (N-K) log(1 - K/N))``).
- **Dispersion**: real volumes and shares vary more than Poisson or binomial
  counts. The cost is divided by ``phi``, estimated from the series itself and
  robust to the changes: from the median absolute deviation of the first
  differences (volume: ``(1.4826 MAD(diff))^2 / 2`` over the median volume;
  share: ``(1.4826 MAD(z))^2`` of the differences standardised by their
  binomial standard error), at least 1 (a quasi-likelihood, McCullagh &
  Nelder 1989).
- **Penalty**: ``2 log(n)`` per change on that scale (BIC with the change's
  location counted as a parameter, as the R package ``changepoint`` has it),
  or a number given as ``penalty``.
- **Minimum segment**: ``min_size`` periods (4 by default): a regime of fewer
  periods is a spike, not a level.
- **Bound**: at most :data:`MAX_PERIODS` periods a series (the latest ones);
  longer series are cut and the result says so.

``benchmarks/bench_spikes.py`` measures how often a change is found where
there is none and how often a real one is found (README, "How sure is a number").

Examples
--------
>>> volume = [310, 295, 320, 305, 315, 300, 120, 118, 125, 110, 130, 122]
>>> segments(volume, kind="poisson")
[6, 12]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import ruptures
from ruptures.base import BaseCost

from ddj import params, words
from ddj.constants import FREQ_NAMES, SERIES_KEYS
from ddj.errors import ParameterError
from ddj.intervals import coverage_frame, wilson

#: Longest series searched for change points (its latest periods): 20 years of weeks.
MAX_PERIODS = 1_040
#: Fewest periods a regime has unless told otherwise.
MIN_SIZE = 4
#: The method, as results name it.
METHOD = "PELT (ruptures), {cost} cost over the dispersion phi, penalty {penalty}, regimes of at least {min_size} periods"


class _Poisson(BaseCost):
    """Twice the Poisson negative log-likelihood of a segment at its own mean (constants dropped)."""

    model = "ddj-poisson"
    min_size = 1

    def __init__(self, phi: float = 1.0):
        self.phi = phi

    def fit(self, signal: np.ndarray) -> _Poisson:
        self.signal = np.asarray(signal, dtype=float).reshape(len(signal), -1)
        counts = self.signal[:, 0]
        self.sums = np.concatenate(([0.0], np.cumsum(counts)))
        return self

    def error(self, start: int, end: int) -> float:
        s, length = float(self.sums[end] - self.sums[start]), end - start
        return 0.0 if s <= 0 else 2 * (s - s * math.log(s / length)) / self.phi


class _Binomial(BaseCost):
    """Twice the binomial negative log-likelihood of a segment at its pooled share (constants dropped)."""

    model = "ddj-binomial"
    min_size = 1

    def __init__(self, phi: float = 1.0):
        self.phi = phi

    def fit(self, signal: np.ndarray) -> _Binomial:
        self.signal = signal = np.asarray(signal, dtype=float)
        self.k = np.concatenate(([0.0], np.cumsum(signal[:, 0])))
        self.n = np.concatenate(([0.0], np.cumsum(signal[:, 1])))
        return self

    def error(self, start: int, end: int) -> float:
        k, n = float(self.k[end] - self.k[start]), float(self.n[end] - self.n[start])
        if n <= 0:
            return 0.0
        return -2 * (_xlogy(k, k / n) + _xlogy(n - k, 1 - k / n)) / self.phi


def _xlogy(x: float, y: float) -> float:
    return 0.0 if x <= 0 else x * math.log(y)


def segment_cost(kind: str, articles: Any, totals: Any = None) -> float:
    """The cost of one segment (before the dispersion): Poisson of ``articles``, or binomial of ``articles`` of ``totals``.

    Examples
    --------
    >>> round(segment_cost("poisson", [3, 5, 4]), 3)  # 2 (12 - 12 log 4)
    -9.271
    """
    k = np.asarray(articles, dtype=float)
    if kind == "poisson":
        return _Poisson().fit(k).error(0, len(k))
    n = np.asarray(totals, dtype=float)
    return _Binomial().fit(np.column_stack([k, n])).error(0, len(k))


def dispersion(kind: str, articles: Any, totals: Any = None) -> float:
    """``phi``, how much more the series varies than Poisson or binomial counts (at least 1).

    From the first differences, so a change of level barely moves it: the
    median absolute deviation, times 1.4826, is the standard deviation of a
    normal variable.

    Examples
    --------
    >>> dispersion("poisson", [100, 100, 100, 100, 100])
    1.0
    >>> round(dispersion("poisson", [100, 130, 85, 120, 95, 140, 90, 110]), 2)
    6.54
    """
    k = np.asarray(articles, dtype=float)
    if len(k) < 3:
        return 1.0
    if kind == "poisson":
        diff = np.diff(k)
        sd = 1.4826 * np.median(np.abs(diff - np.median(diff)))
        centre = np.median(k)
        return 1.0 if centre <= 0 else max(1.0, float(sd * sd / 2 / centre))
    n = np.asarray(totals, dtype=float)
    keep = n > 0
    k, n = k[keep], n[keep]
    pooled = k.sum() / n.sum() if n.sum() else 0.0
    if len(k) < 3 or not 0 < pooled < 1:
        return 1.0
    z = np.diff(k / n) / np.sqrt(pooled * (1 - pooled) * (1 / n[1:] + 1 / n[:-1]))
    sd = 1.4826 * np.median(np.abs(z - np.median(z)))
    return max(1.0, float(sd * sd))


def segments(
    articles: Any,
    totals: Any = None,
    *,
    kind: str = "binomial",
    min_size: int = MIN_SIZE,
    penalty: float | None = None,
) -> list[int]:
    """Where the regimes of one series end (the last is its length): PELT with ``kind``'s cost.

    Parameters
    ----------
    articles
        The counts per period, in order (volumes for ``"poisson"``).
    totals
        The totals per period (``"binomial"`` only).
    kind
        ``"poisson"`` (a volume) or ``"binomial"`` (a share).
    min_size
        Fewest periods in a regime.
    penalty
        Cost of a change; None for ``2 log(n)`` (the costs are divided by the dispersion).

    Returns
    -------
    list of int
        The end (exclusive) of each regime.
    """
    k = np.asarray(articles, dtype=float)
    if kind == "poisson":
        signal, cost = k.reshape(-1, 1), _Poisson(dispersion("poisson", k))
    elif kind == "binomial":
        signal = np.column_stack([k, np.asarray(totals, dtype=float)])
        cost = _Binomial(dispersion("binomial", k, totals))
    else:
        msg = f"kind={kind!r}: use 'poisson' (a volume) or 'binomial' (a share)."
        raise ParameterError(msg)
    n = len(k)
    if n < 2 * min_size:
        return [n]
    pen = 2 * math.log(n) if penalty is None else penalty
    ends = _pelt(cost, signal, min_size, pen)
    for _ in range(
        REFITS
    ):  # the dispersion around the regimes found, if larger: fewer, surer changes
        phi = max(cost.phi, pearson_phi(signal, ends))
        if phi <= cost.phi * 1.01:
            break
        cost.phi = phi
        ends = _pelt(cost, signal, min_size, pen)
    return ends


#: Times the dispersion is re-estimated around the regimes found (and PELT run again).
REFITS = 3


def _pelt(cost: BaseCost, signal: np.ndarray, min_size: int, pen: float) -> list[int]:
    search = ruptures.Pelt(custom_cost=cost, min_size=min_size, jump=1).fit(signal)
    return [int(b) for b in search.predict(pen=pen)]


def pearson_phi(signal: np.ndarray, ends: list[int]) -> float:
    """Pearson's chi-square around each regime's level over its degrees of freedom (at least 1).

    ``signal`` is a column of counts (Poisson) or counts and totals (binomial).

    Examples
    --------
    >>> pearson_phi(np.array([[90.0], [110.0], [100.0], [100.0]]), [4])  # 200 / 100 / 3
    1.0
    >>> round(pearson_phi(np.array([[80.0], [120.0], [100.0], [100.0]]), [4]), 3)
    2.667
    """
    chi2, starts = 0.0, [0, *ends[:-1]]
    for start, end in zip(starts, ends, strict=True):
        part = signal[start:end]
        if part.shape[1] == 1:
            mean = part[:, 0].mean()
            chi2 += ((part[:, 0] - mean) ** 2).sum() / mean if mean > 0 else 0.0
        else:
            k, n = part[:, 0], part[:, 1]
            share = k.sum() / n.sum() if n.sum() else 0.0
            if 0 < share < 1:
                keep = n > 0
                chi2 += ((k[keep] - n[keep] * share) ** 2 / (n[keep] * share * (1 - share))).sum()
    df = len(signal) - len(ends)
    return max(1.0, float(chi2 / df)) if df > 0 else 1.0


def _checked(min_size: Any, penalty: Any) -> tuple[int, float | None]:
    min_size = params.whole(min_size, "min_size", lo=1, hi=MAX_PERIODS, example=MIN_SIZE)
    if penalty is not None and not (
        isinstance(penalty, (int, float))
        and not isinstance(penalty, bool)
        and 0 <= penalty < math.inf
    ):
        msg = f"penalty={penalty!r}: give a number of 0 or more (the cost of one change), or None for 2 log(n)."
        raise ParameterError(msg)
    return min_size, penalty


def regimes(
    periods: Any,
    articles: Any,
    totals: Any = None,
    *,
    kind: str = "binomial",
    min_size: int = MIN_SIZE,
    penalty: float | None = None,
) -> pd.DataFrame:
    """The regimes of one series: ``start``, ``end`` (first and last period), ``periods``, ``articles``, ``total``, ``level``.

    ``level`` is the mean volume a period (``"poisson"``) or the pooled share
    (``"binomial"``). At most :data:`MAX_PERIODS` periods, the latest.

    Examples
    --------
    >>> weeks = pd.date_range("2024-01-01", periods=12, freq="W-MON")
    >>> regimes(weeks, [310, 295, 320, 305, 315, 300, 120, 118, 125, 110, 130, 122], kind="poisson")[["start", "level"]]
           start  level
    0 2024-01-01  307.5
    1 2024-02-12  120.8
    """
    min_size, penalty = _checked(min_size, penalty)
    when = pd.to_datetime(pd.Series(periods)).reset_index(drop=True).iloc[-MAX_PERIODS:]
    k = np.asarray(articles, dtype=float)[-MAX_PERIODS:]
    n = np.asarray(totals if totals is not None else articles, dtype=float)[-MAX_PERIODS:]
    ends = segments(
        k, n if kind == "binomial" else None, kind=kind, min_size=min_size, penalty=penalty
    )
    rows = []
    for start, end in zip([0, *ends[:-1]], ends, strict=True):
        a, t = k[start:end].sum(), n[start:end].sum()
        level = a / (end - start) if kind == "poisson" else (a / t if t else math.nan)
        rows.append({
            "start": when.iloc[start], "end": when.iloc[end - 1], "periods": end - start,
            "articles": int(a), "total": int(t), "level": round(level, 1) if kind == "poisson" else level,
        })  # fmt: skip
    return pd.DataFrame(rows, columns=["start", "end", "periods", "articles", "total", "level"])


def about(value: float) -> str:
    """A volume as a reporter rounds it: ``~310``, ``~45``, ``~4.5``.

    Examples
    --------
    >>> about(312.4), about(1234.0), about(44.6), about(4.46)
    ('~310', '~1,200', '~45', '~4.5')
    """
    if value >= 100:
        digits = int(math.floor(math.log10(value))) - 1
        return f"~{round(value, -digits):,.0f}"
    if value >= 10:
        return f"~{value:.0f}"
    return f"~{value:.1f}"


def volume_sentence(outlet: Any, before: float, after: float, start: Any, freq: str) -> str:
    """A change of an outlet's volume in words.

    Examples
    --------
    >>> volume_sentence("Harbour Post", 307.5, 120.8, pd.Timestamp("2024-02-12"), "W")
    'Harbour Post: volume fell from ~310 a week to ~120 from 12 February 2024.'
    """
    way = "fell" if after < before else "rose"
    unit = FREQ_NAMES[words.code(freq)]
    return f"{outlet}: volume {way} from {about(before)} a {unit} to {about(after)} from {words.period(start, 'D')}."


def share_sentence(label: Any, who: Any, before: float, after: float, start: Any) -> str:
    """A change of a topic's share in words.

    Examples
    --------
    >>> share_sentence("Hong Kong", None, 0.021, 0.063, pd.Timestamp("2024-10-07"))
    "Hong Kong's share of articles rose from 2.1% to 6.3% from 7 October 2024."
    """
    way = "fell" if after < before else "rose"
    whose = "" if who is None else words.possessive(who) + " "
    return (
        f"{words.possessive(label)} share of {whose}articles {way} from {words.percent(before)} to "
        f"{words.percent(after)} from {words.period(start, 'D')}."
    )


def changepoints(
    cov: pd.DataFrame,
    *,
    min_size: int = MIN_SIZE,
    penalty: float | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The regimes of each topic's share (and each outlet's or group's): where it settled at a new level.

    Complete periods only (partial ones are left out). See the module's
    docstring for the method: PELT with a binomial cost over the series' own
    dispersion, a penalty of ``2 log(n)`` per change, regimes of at least
    ``min_size`` periods.

    Parameters
    ----------
    cov
        A frame from ``ddj.coverage``.
    min_size
        Fewest periods in a regime (a shorter rise is a spike: ``ddj.spikes``).
    penalty
        The cost of one change on the scale of twice the log-likelihood over
        the dispersion; None for ``2 log(n)``. Higher finds fewer.
    confidence
        Of each regime's share interval (Wilson).

    Returns
    -------
    pandas.DataFrame
        One row per regime: ``topic``, ``label``, [``outlet`` | ``group``],
        ``start``, ``end``, ``periods``, ``articles``, ``total``, ``share``,
        ``share_low``, ``share_high``, ``sentence`` (for each regime after the
        first: how the share moved). ``attrs["method"]`` names the method.

    Examples
    --------
    >>> found = ddj.changepoints(cov)
    >>> found.columns.tolist()[:6]
    ['topic', 'label', 'start', 'end', 'periods', 'articles']
    """
    frame = coverage_frame(cov, "changepoints")
    min_size, penalty = _checked(min_size, penalty)
    keys = ["topic", "label", *[k for k in SERIES_KEYS if k in frame]]
    rows = frame[~frame["partial"].astype(bool)].sort_values([*keys, "period"], kind="stable")
    out, cut = [], 0
    for key, part in rows.groupby(keys, sort=False, dropna=False):
        cut += max(0, len(part) - MAX_PERIODS)
        found = regimes(
            part["period"], part["articles"], part["total"], min_size=min_size, penalty=penalty
        )
        found = found.rename(columns={"level": "share"})
        for column, value in zip(keys, key, strict=True):
            found[column] = value
        who = key[2] if len(keys) > 2 else None
        shares = found["share"].tolist()
        found["sentence"] = [""] + [
            share_sentence(key[1], who, shares[i - 1], shares[i], found["start"].iloc[i])
            for i in range(1, len(found))
        ]
        out.append(found)
    result = pd.concat(out, ignore_index=True) if out else pd.DataFrame()
    columns = [*keys, "start", "end", "periods", "articles", "total", "share"]
    result = result.reindex(columns=[*columns, "sentence"])
    low, high = wilson(
        result["articles"].to_numpy(), result["total"].to_numpy(), confidence=confidence
    )
    result.insert(len(columns), "share_low", low)
    result.insert(len(columns) + 1, "share_high", high)
    result.attrs = {
        "method": METHOD.format(
            cost="binomial",
            penalty="2 log(n)" if penalty is None else f"{penalty:g}",
            min_size=min_size,
        ),
        "cut": cut,
        **{k: v for k, v in cov.attrs.items() if k in ("freq", "by", "ddj_demo")},
    }
    return result
