"""Coverage frames from counts a service made: daily counts and totals -> ddj's coverage table.

Media Cloud and GDELT answer with counts per day (matching stories and all
stories they hold). :func:`coverage_from_counts` sums them into ddj's periods
and gives the same columns as :func:`ddj.measure.coverage` (shares, Wilson
intervals, small and partial periods), so ``chart``, ``compare``, ``spikes``
and ``publish`` take it. Its ``attrs["counted_by"]`` says what the service
counts, which a chart's reader needs (a service counts what it holds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ddj import params
from ddj.constants import PERIODS, SMALL_TOTAL
from ddj.errors import ParameterError
from ddj.intervals import wilson
from ddj.measure import COLUMNS


def day(value, name: str) -> pd.Timestamp:
    """A calendar day from a date, a string or a Timestamp; a ParameterError naming ``name`` else."""
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if pd.isna(stamp):
        msg = f"{name}={value!r} is not a date: give e.g. {name}='2024-10-01'."
        raise ParameterError(msg)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.normalize()


def coverage_from_counts(
    daily: pd.DataFrame,
    *,
    topic: str,
    label: str,
    start,
    end,
    freq: str = "W",
    counted_by: str,
    query: str,
    notes: tuple[str, ...] = (),
) -> pd.DataFrame:
    """The coverage frame of a service's daily ``date``, ``articles``, ``total``.

    Days the service did not list count as 0 of 0 (no share); periods that run
    past ``start`` or ``end`` are ``partial``.

    Examples
    --------
    >>> daily = pd.DataFrame({"date": ["2024-10-01", "2024-10-02"], "articles": [3, 1],
    ...                       "total": [100, 60]})
    >>> cov = coverage_from_counts(daily, topic="hk", label="Hong Kong", start="2024-10-01",
    ...     end="2024-10-31", freq="M", counted_by="Media Cloud: what it indexed", query="hk")
    >>> cov[["articles", "total", "share", "partial"]].to_dict("records")
    [{'articles': 4, 'total': 160, 'share': 0.025, 'partial': False}]
    """
    freq = params.freq(freq)
    lo, hi = day(start, "start"), day(end, "end")
    if hi < lo:
        msg = f"end={end!r} is before start={start!r}: give the first day, then the last."
        raise ParameterError(msg)
    dates = pd.to_datetime(daily["date"], errors="coerce").dt.normalize()
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    inside = dates.between(lo, hi)
    grid = pd.period_range(
        lo.to_period(PERIODS[freq]), hi.to_period(PERIODS[freq]), freq=PERIODS[freq]
    )
    period = dates[inside].dt.to_period(PERIODS[freq])
    sums = (
        pd.DataFrame(
            {
                "period": period,
                "articles": daily.loc[inside, "articles"].to_numpy(),
                "total": daily.loc[inside, "total"].to_numpy(),
            }
        )
        .groupby("period")[["articles", "total"]]
        .sum()
        .reindex(grid, fill_value=0)
    )
    out = pd.DataFrame(
        {
            "articles": sums["articles"].astype("int64").to_numpy(),
            "total": sums["total"].astype("int64").to_numpy(),
        }
    )
    pstart = grid.start_time.normalize()
    pend = grid.end_time.normalize()
    out.insert(0, "period", pstart.astype("datetime64[us]"))
    out.insert(1, "period_end", pend.astype("datetime64[us]"))
    out.insert(2, "topic", topic)
    out.insert(3, "label", label)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = np.where(
            out["total"] > 0, out["articles"] / out["total"].where(out["total"] > 0, 1), 0.0
        )
    out["share_low"], out["share_high"] = wilson(
        out["articles"].to_numpy(), out["total"].to_numpy()
    )
    out["small"] = (out["total"] < SMALL_TOTAL).to_numpy()
    out["partial"] = np.asarray((pstart < lo) | (pend > hi))
    out["examples"] = ""
    out = out[COLUMNS].astype({"topic": "str", "label": "str", "examples": "str"})
    out.attrs.update(
        {"freq": freq, "queries": {topic: query}, "counted_by": counted_by, "notes": list(notes)}
    )
    return out
