"""Change points: where a series settles at a new level (an outlet's volume, a topic's share).

A spike is one period out of line; a *change point* is where a series moves to
a new level and stays there: a feed that now gives a third of what it did, a
topic that became part of the agenda. ``ddj.health`` names the regimes of each
outlet's volume; :func:`changepoints` those of a topic's share.

Method
------
PELT (Killick, Fearnhead & Eckley 2012) finds the segmentation that minimises
the sum of the segments' costs plus a penalty for each change; it is exact (the
same optimum as trying every segmentation). :func:`pelt` is written here, one
numpy step a period over the starts still admissible: 0.05 s for 1,040 weekly
periods with no change (its worst case, nothing pruned), where ``ruptures``'
``Pelt`` with the same cost took 0.64 s, too slow for ``health`` on hundreds of
outlets. The tests check it against ``ruptures`` and against a brute-force
search of every segmentation.

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

from ddj import params, words
from ddj.constants import FREQ_NAMES, SERIES_KEYS
from ddj.errors import ParameterError
from ddj.intervals import coverage_frame, wilson

#: Longest series searched for change points (its latest periods): 20 years of weeks.
MAX_PERIODS = 1_040
#: Fewest periods a regime has unless told otherwise.
MIN_SIZE = 4
#: The method, as results name it.
METHOD = "PELT, {cost} cost over the dispersion phi, penalty {penalty}, regimes of at least {min_size} periods"


class Cost:
    """Twice the negative log-likelihood of a segment at its own level, over ``phi`` (constants dropped).

    ``kind`` ``"poisson"``: ``signal`` is one column of counts, the cost
    ``2 (S - S log(S / L))``. ``"binomial"``: two columns, counts and totals,
    the cost ``-2 (K log(K/N) + (N-K) log(1 - K/N))``. Running sums make
    each segment's cost O(1); :meth:`costs` gives those of many starts at once.
    """

    def __init__(self, kind: str, signal: Any, phi: float = 1.0):
        self.kind, self.phi = kind, phi
        self.signal = np.asarray(signal, dtype=float).reshape(len(signal), -1)
        self.k = np.concatenate(([0.0], np.cumsum(self.signal[:, 0])))
        if kind == "binomial":
            self.n = np.concatenate(([0.0], np.cumsum(self.signal[:, 1])))

    def costs(self, starts: np.ndarray, end: int) -> np.ndarray:
        """The cost of each segment ``[start, end)``."""
        k = self.k[end] - self.k[starts]
        if self.kind == "poisson":
            length = end - starts
            out = -2 * (_xlogy(k, k / length) - k)
        else:
            n = self.n[end] - self.n[starts]
            share = np.divide(k, n, out=np.zeros_like(k), where=n > 0)
            out = -2 * (_xlogy(k, share) + _xlogy(n - k, 1 - share))
        return out / self.phi

    def error(self, start: int, end: int) -> float:
        """The cost of one segment ``[start, end)``."""
        return float(self.costs(np.array([start]), end)[0])


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x log(y)``, 0 where ``x`` is 0."""
    safe = np.where(x > 0, y, 1.0)
    return np.where(x > 0, x * np.log(safe), 0.0)


def pelt(cost: Cost, length: int, min_size: int, penalty: float) -> list[int]:
    """PELT (Killick, Fearnhead & Eckley 2012): the ends of the segmentation of least cost plus penalties.

    ``F(t) = min over tau of F(tau) + C(tau, t) + penalty`` over the starts
    ``tau`` still admissible; a start is dropped once ``F(tau) + C(tau, t) >
    F(t)``: it can never be the last change again (the cost is a negative
    log-likelihood, so splitting a segment never costs more). Each step is
    one numpy operation over the admissible starts.

    Examples
    --------
    >>> pelt(Cost("poisson", [10, 11, 9, 10, 40, 41, 39, 40]), 8, 2, 2 * math.log(8))
    [4, 8]
    """
    best = np.full(length + 1, np.inf)
    best[0] = -penalty
    last = np.zeros(length + 1, dtype=int)
    admissible = np.array([0])
    for t in range(min_size, length + 1):
        if t - min_size >= min_size:
            admissible = np.append(admissible, t - min_size)
        ready = admissible[np.isfinite(best[admissible])]
        if not len(ready):
            continue
        fits = best[ready] + cost.costs(ready, t)
        at = int(np.argmin(fits))
        best[t], last[t] = fits[at] + penalty, ready[at]
        admissible = ready[fits <= best[t]]
    ends, t = [], length
    while t > 0:
        ends.append(int(t))
        t = int(last[t])
    return ends[::-1]


def segment_cost(kind: str, articles: Any, totals: Any = None) -> float:
    """The cost of one segment (before the dispersion): Poisson of ``articles``, or binomial of ``articles`` of ``totals``.

    Examples
    --------
    >>> round(segment_cost("poisson", [3, 5, 4]), 3)  # 2 (12 - 12 log 4)
    -9.271
    """
    k = np.asarray(articles, dtype=float)
    if kind == "poisson":
        return Cost("poisson", k).error(0, len(k))
    n = np.asarray(totals, dtype=float)
    return Cost("binomial", np.column_stack([k, n])).error(0, len(k))


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
        cost = Cost("poisson", k, dispersion("poisson", k))
    elif kind == "binomial":
        signal = np.column_stack([k, np.asarray(totals, dtype=float)])
        cost = Cost("binomial", signal, dispersion("binomial", k, totals))
    else:
        msg = f"kind={kind!r}: use 'poisson' (a volume) or 'binomial' (a share)."
        raise ParameterError(msg)
    n = len(k)
    if n < 2 * min_size:
        return [n]
    pen = 2 * math.log(n) if penalty is None else penalty
    ends = pelt(cost, n, min_size, pen)
    # the dispersion around the regimes found, if larger: fewer, surer changes
    for _ in range(REFITS):
        phi = max(cost.phi, pearson_phi(cost.signal, ends))
        if phi <= cost.phi * 1.01:
            break
        cost.phi = phi
        ends = pelt(cost, n, min_size, pen)
    return ends


#: Times the dispersion is re-estimated around the regimes found (and PELT run again).
REFITS = 3


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
