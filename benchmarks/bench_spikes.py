"""False alarms and detection power of ``ddj.spikes`` (and of change points), on simulated weekly series.

Each series is a topic's weekly count in a corpus of real news' size: a usual
volume of 200 to 5,000 articles a week (log-uniform; each week's total Poisson
around it) and a usual share of 0.5% to 10% (log-uniform). Each week's own
share is drawn from a beta distribution around the usual share with
intra-class correlation ``rho`` (0 is binomial; real news lies above it), and
the week's count is binomial on it: a beta-binomial series.

Spikes: the share of periods tested that are flagged on series with no spike
(the false-alarm rate, against the stated ``alpha``), and the share of injected
spikes found (the week's share multiplied by 1.5, 2 or 3), for the binomial
(Fisher), beta-binomial and quasi-binomial tests, with ``min_ratio=1`` so the
test alone decides.

Change points (``ddj.regimes``): series of 104 weeks, with no change (a false
alarm is a series where any change is found) and with one change of level at
week 52 (found when a change is found within 2 weeks of it): an outlet's
volume (Poisson, or with extra week-to-week variation: a gamma-distributed
rate with a coefficient of variation of 5-20%), and a topic's share
(beta-binomial, ``rho`` 0 to 0.02) multiplied by 1.5, 2 or 3.

    python benchmarks/bench_spikes.py                 # 300 series of 60 weeks a setting
    python benchmarks/bench_spikes.py --series 1000 --alpha 0.05
    python benchmarks/bench_spikes.py --changes 200   # and change points, 200 series a setting
"""

from __future__ import annotations

import argparse
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

import ddj
from ddj import regimes

RHOS = (0.0, 0.002, 0.005, 0.01, 0.02)
CVS = (0.0, 0.05, 0.1, 0.2)
VOLUME_STEPS = (0.5, 0.67, 1.5)
LIFTS = (1.5, 2.0, 3.0)
METHODS = ("binomial", "beta-binomial", "quasi-binomial")


def simulate(
    seed: int,
    *,
    series: int = 300,
    periods: int = 60,
    rho: float = 0.0,
    lift: float = 1.0,
    at: int | None = None,
) -> pd.DataFrame:
    """A coverage frame of ``series`` weekly beta-binomial series; week ``at`` has its share times ``lift``."""
    rng = np.random.default_rng(seed)
    weeks = pd.date_range("2023-01-02", periods=periods, freq="W-MON")
    volume = np.exp(rng.uniform(np.log(200), np.log(5_000), size=(series, 1)))
    share = np.exp(rng.uniform(np.log(0.005), np.log(0.10), size=(series, 1)))
    totals = rng.poisson(volume, size=(series, periods))
    if rho > 0:
        a, b = share * (1 - rho) / rho, (1 - share) * (1 - rho) / rho
        weekly = rng.beta(np.broadcast_to(a, totals.shape), np.broadcast_to(b, totals.shape))
    else:
        weekly = np.broadcast_to(share, totals.shape).copy()
    if at is not None:
        weekly[:, at] = np.minimum(1.0, weekly[:, at] * lift)
    articles = rng.binomial(totals, weekly)
    return series_frame(articles, totals, weeks, weeks + pd.Timedelta(days=6), "W")


def series_frame(
    articles: np.ndarray, totals: np.ndarray, starts: Any, ends: Any, freq: str
) -> pd.DataFrame:
    """A coverage frame of one topic a row of ``articles``/``totals`` (series x periods), periods from ``starts`` to ``ends``."""
    series, periods = totals.shape
    cov = pd.DataFrame(
        {
            "period": np.tile(starts, series),
            "period_end": np.tile(ends, series),
            "topic": np.repeat([f"t{i}" for i in range(series)], periods),
            "articles": articles.ravel(),
            "total": totals.ravel(),
            "partial": False,
            "examples": "",
        }
    )
    cov["label"] = cov["topic"].str.upper()
    cov["share"] = cov["articles"] / cov["total"]
    cov.attrs["freq"] = freq
    return cov


def flagged(cov: pd.DataFrame, method: str, *, alpha: float, window: int = 8) -> pd.DataFrame:
    """``ddj.spikes`` with ``min_ratio=1`` (the test alone decides), its notes silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ddj.spikes(cov, window=window, alpha=alpha, min_ratio=1.0, method=method)


def false_alarm_rate(cov: pd.DataFrame, method: str, *, alpha: float, window: int = 8) -> float:
    """Share of the periods tested (those with ``window`` before them) that are flagged."""
    series = cov["topic"].nunique()
    tested = len(cov) - series * window
    return len(flagged(cov, method, alpha=alpha, window=window)) / tested


def power(cov: pd.DataFrame, method: str, at: pd.Timestamp, *, alpha: float) -> float:
    """Share of the series whose injected week ``at`` is flagged."""
    found = flagged(cov, method, alpha=alpha)
    return (found["period"] == at).sum() / cov["topic"].nunique()


def spike_table(series: int, alpha: float, seed: int) -> pd.DataFrame:
    rows = []
    at = 50
    for rho in RHOS:
        flat = simulate(seed, series=series, rho=rho)
        row = {"rho": rho}
        for method in METHODS:
            row[f"false alarms {method}"] = false_alarm_rate(flat, method, alpha=alpha)
        for lift in LIFTS:
            spiked = simulate(seed + 1, series=series, rho=rho, lift=lift, at=at)
            when = spiked["period"].drop_duplicates().iloc[at]
            for method in METHODS:
                row[f"power {lift:g}x {method}"] = power(spiked, method, when, alpha=alpha)
        rows.append(row)
    return pd.DataFrame(rows)


def volume_series(rng: np.random.Generator, cv: float, step: float, weeks: int = 104) -> np.ndarray:
    """Weekly volume around 200-5,000, with extra variation ``cv``; times ``step`` from the middle on."""
    level = np.exp(rng.uniform(np.log(200), np.log(5_000)))
    rate = np.full(weeks, level)
    rate[weeks // 2 :] *= step
    if cv > 0:
        rate = rate * rng.gamma(1 / cv**2, cv**2, size=weeks)
    return rng.poisson(rate)


def share_series(
    rng: np.random.Generator, rho: float, lift: float, weeks: int = 104
) -> tuple[np.ndarray, np.ndarray]:
    """A topic's weekly count (beta-binomial) on totals of 200-5,000; its share times ``lift`` from the middle."""
    totals = rng.poisson(np.exp(rng.uniform(np.log(200), np.log(5_000))), size=weeks)
    share = np.full(weeks, np.exp(rng.uniform(np.log(0.005), np.log(0.10))))
    share[weeks // 2 :] = np.minimum(1.0, share[weeks // 2 :] * lift)
    if rho > 0:
        share = rng.beta(share * (1 - rho) / rho, (1 - share) * (1 - rho) / rho)
    return rng.binomial(totals, share), totals


def change_rates(ends: list[list[int]], weeks: int = 104, near: int = 2) -> tuple[float, float]:
    """(share of series with any change, share with a change within ``near`` weeks of the middle)."""
    any_change = np.mean([len(e) > 1 for e in ends])
    found = np.mean([any(abs(b - weeks // 2) <= near for b in e[:-1]) for e in ends])
    return float(any_change), float(found)


def change_table(series: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    volume = []
    for cv in CVS:
        row = {"cv": cv}
        for step in (1.0, *VOLUME_STEPS):
            ends = [
                regimes.segments(volume_series(rng, cv, step), kind="poisson")
                for _ in range(series)
            ]
            any_change, found = change_rates(ends)
            row["false alarms" if step == 1.0 else f"found x{step:g}"] = (
                any_change if step == 1.0 else found
            )
        volume.append(row)
    share = []
    for rho in RHOS:
        row = {"rho": rho}
        for lift in (1.0, *LIFTS):
            ends = []
            for _ in range(series):
                k, n = share_series(rng, rho, lift)
                ends.append(regimes.segments(k, n, kind="binomial"))
            any_change, found = change_rates(ends)
            row["false alarms" if lift == 1.0 else f"found x{lift:g}"] = (
                any_change if lift == 1.0 else found
            )
        share.append(row)
    return pd.DataFrame(volume).set_index("cv"), pd.DataFrame(share).set_index("rho")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=300)
    parser.add_argument("--alpha", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=28)
    parser.add_argument(
        "--changes", type=int, default=0, help="series a setting for change points (0: none)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    table = spike_table(args.series, args.alpha, args.seed)
    pd.set_option("display.width", 200)
    print(f"Spikes: {args.series} series of 60 weeks per setting, window 8, alpha={args.alpha:g}")
    shown = table.set_index("rho")
    print("False-alarm rate (share of periods tested that are flagged; stated: alpha)")
    print(shown.filter(like="false alarms").rename(columns=lambda c: c[13:]).to_string(
        float_format=lambda v: f"{v:.4f}"))  # fmt: skip
    for method in METHODS:
        print(f"Detection power, {method} (share of injected spikes found)")
        cols = shown[[f"power {lift:g}x {method}" for lift in LIFTS]]
        print(
            cols.rename(columns=lambda c: c.split()[1]).to_string(float_format=lambda v: f"{v:.3f}")
        )
    ratio = shown["false alarms binomial"] / shown["false alarms beta-binomial"]
    print("Binomial false alarms / beta-binomial false alarms:", ", ".join(
        f"rho={r:g}: {v:.1f}x" for r, v in ratio.items()))  # fmt: skip
    print(f"({time.perf_counter() - started:.1f} s)")
    if args.changes:
        started = time.perf_counter()
        volume, share = change_table(args.changes, args.seed)
        print(f"\nChange points: {args.changes} series of 104 weeks per setting, PELT, penalty 2 log(n), "
              f"regimes of at least {regimes.MIN_SIZE} weeks")  # fmt: skip
        print("Volume (cv: extra week-to-week variation; false alarms: series with any change; "
              "found: a change within 2 weeks of the true one)")  # fmt: skip
        print(volume.to_string(float_format=lambda v: f"{v:.3f}"))
        print("Share (rho: overdispersion)")
        print(share.to_string(float_format=lambda v: f"{v:.3f}"))
        print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
