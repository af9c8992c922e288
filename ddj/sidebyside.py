"""One topic counted by several sources side by side: a desk's corpus, Media Cloud, GDELT.

Each source counts what it holds (ddj what it was given, Media Cloud what it
indexed, GDELT what it saw), so their shares sit at different levels and are
not compared directly. What can be compared is the shape: each period's share
over the source's own share across the whole window (its *relative
attention*), with the Katz interval of that ratio
(:func:`ddj.intervals.ratio_interval`). In a period where one source's
interval overlaps none of the others', it disagrees with them about whether
the topic rose or fell: ``disagree`` is True for that source and period (with
two sources, both are flagged: there is no majority).

Examples
--------
>>> a = pd.DataFrame({"period": pd.to_datetime(["2024-10-01", "2024-11-01"]),
...     "articles": [10, 40], "total": [1000, 1000], "partial": [False, False]})
>>> [round(v, 2) for v in relative(a)["relative"]]
[0.4, 1.6]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ddj import gdelt as gdelt_source
from ddj import mediacloud as mediacloud_source
from ddj.charts import chart as coverage_chart
from ddj.errors import ParameterError
from ddj.intervals import ratio_interval
from ddj.measure import coverage

__all__ = ["chart_sources", "relative", "triangulate"]

#: What each source's numbers count, for the table and the chart's foot.
CORPUS_COUNTS = "your corpus: the articles ddj was given"


def relative(cov: pd.DataFrame) -> pd.DataFrame:
    """``relative``, ``relative_low``, ``relative_high``: each period's share over the whole window's.

    The baseline is the sum over the frame's complete periods (all periods if
    none is complete); the interval is Katz's for a ratio of two shares.
    """
    full = cov[~cov["partial"]] if (~cov["partial"]).any() else cov
    base_a, base_n = int(full["articles"].sum()), int(full["total"].sum())
    out = cov.copy()
    n = len(out)
    ratio, low, high = ratio_interval(
        out["articles"].to_numpy(),
        out["total"].to_numpy(),
        np.full(n, base_a),
        np.full(n, base_n),
    )
    out["relative"], out["relative_low"], out["relative_high"] = ratio, low, high
    return out


def triangulate(
    query: str,
    *,
    corpus: Any = None,
    mediacloud: Any = None,
    gdelt: Any = None,
    start: Any,
    end: Any,
    freq: str = "W",
    topic: str | None = None,
) -> pd.DataFrame:
    """One topic's coverage from each source in one long table (column ``source``).

    Parameters
    ----------
    query
        A ddj query, counted by ddj in ``corpus`` and translated for the services.
    corpus
        A corpus or a store (``ddj.load``, ``ddj.open``); None to leave it out.
    mediacloud, gdelt
        None to leave the service out, True for its defaults, or a dict of
        the options of :func:`ddj.mediacloud.coverage` /
        :func:`ddj.gdelt.coverage` (``collections=``, ``base_url=``, ``client=``).
    start, end, freq
        The same window and periods for every source.

    Returns
    -------
    DataFrame
        ddj's coverage columns plus ``source``, ``counted_by``, ``relative``
        (with its interval) and ``disagree``; ``attrs["notes"]`` holds each
        source's notes, prefixed by its name.
    """
    given = [corpus is not None, mediacloud not in (None, False), gdelt not in (None, False)]
    if sum(given) < 2:
        msg = "triangulate() compares sources: give at least two of corpus=, mediacloud=, gdelt=."
        raise ParameterError(msg)
    name = topic or query
    parts: list[pd.DataFrame] = []
    notes: list[str] = []
    if corpus is not None:
        cov = coverage(corpus, {name: query}, freq=freq, start=start, end=end)
        parts.append(_labelled(cov, "corpus", CORPUS_COUNTS))
    for source, module, options in (
        ("Media Cloud", mediacloud_source, mediacloud),
        ("GDELT", gdelt_source, gdelt),
    ):
        if options is None or options is False:
            continue
        kwargs = _options(options, source)
        cov = module.coverage(query, start=start, end=end, freq=freq, topic=name, **kwargs)
        parts.append(_labelled(cov, source, module.COUNTED_BY))
        notes.extend(f"{source}: {n}" for n in cov.attrs.get("notes", []))
    table = pd.concat(parts, ignore_index=True)
    table = _flagged(table)
    table.attrs.update(
        {"freq": parts[0].attrs.get("freq", freq), "notes": notes, "queries": {name: query}}
    )
    return table


def chart_sources(table: pd.DataFrame, **options: Any):
    """The sources side by side, one panel each (``ddj.chart`` of the table, faceted by source).

    Each panel's label says what that source counts; the foot lists them.
    """
    frame = table.assign(
        topic=table["source"], label=table["source"] + " (" + table["counted_by"] + ")"
    )
    frame = frame.drop(
        columns=["source", "counted_by", "relative", "relative_low", "relative_high", "disagree"]
    )
    frame.attrs = {k: v for k, v in table.attrs.items() if k in ("freq", "ddj_demo")}
    counted = "; ".join(dict.fromkeys(table["counted_by"]))
    options.setdefault("source", f"Counted by each source: {counted}")
    options.setdefault("kind", "small-multiples")
    return coverage_chart(frame, **options)


def _labelled(cov: pd.DataFrame, source: str, counted_by: str) -> pd.DataFrame:
    if "outlet" in cov.columns or "group" in cov.columns:
        msg = "triangulate() counts one topic over all outlets: leave by= out."
        raise ParameterError(msg)
    out = relative(cov)
    out.insert(0, "source", source)
    out.insert(1, "counted_by", counted_by)
    return out


def _options(options: Any, source: str) -> dict[str, Any]:
    if options is True:
        return {}
    if isinstance(options, Mapping):
        return dict(options)
    msg = f"{source.lower().replace(' ', '')}={options!r}: give True, or a dict of its options (e.g. {{'base_url': ...}})."
    raise ParameterError(msg)


def _flagged(table: pd.DataFrame) -> pd.DataFrame:
    """``disagree``: a complete period where this source's relative interval misses every other's.

    With two sources a disagreement flags both; with three or more, the odd one out.
    """
    out = table.copy()
    disagree = np.zeros(len(out), dtype=bool)
    for _, rows in out.groupby("period", sort=False):
        usable = rows[~rows["partial"] & rows["relative_low"].notna() & (rows["total"] > 0)]
        for i, row in usable.iterrows():
            others = usable.drop(index=i)
            misses = (others["relative_low"] > row["relative_high"]) | (
                others["relative_high"] < row["relative_low"]
            )
            disagree[out.index.get_loc(i)] = bool(len(others)) and bool(misses.all())
    out["disagree"] = disagree
    return out
