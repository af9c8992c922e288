"""Coverage over time: matching articles and their share of all articles, per period.

``coverage`` turns a corpus and topics into the tidy table a chart or a story
needs. Every period in the range appears (zeros, never gaps); periods only
partly covered by the data or by the ``start``/``end`` window are flagged
``partial`` so nobody reads a half-week as a drop. ``summary`` gives the
figures a reporter quotes.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ddj.corpus import validate
from ddj.errors import DroppedRowsWarning, ParameterError, SchemaError

#: Friendly frequency names -> pandas period frequencies (weeks run Monday to Sunday).
FREQUENCIES = {
    "D": "D", "day": "D", "daily": "D",
    "W": "W-SUN", "week": "W-SUN", "weekly": "W-SUN", "W-SUN": "W-SUN",
    "M": "M", "ME": "M", "MS": "M", "month": "M", "monthly": "M",
    "Q": "Q-DEC", "QE": "Q-DEC", "QS": "Q-DEC", "quarter": "Q-DEC", "quarterly": "Q-DEC",
    "Y": "Y-DEC", "YE": "Y-DEC", "YS": "Y-DEC", "A": "Y-DEC", "year": "Y-DEC", "yearly": "Y-DEC", "annual": "Y-DEC",
}  # fmt: skip

COLUMNS = [
    "period",
    "period_end",
    "topic",
    "label",
    "articles",
    "total",
    "share",
    "partial",
    "examples",
]


def coverage(
    corpus: pd.DataFrame,
    topics: Any,
    freq: str = "W",
    by: str | None = None,
    start: Any = None,
    end: Any = None,
    tz: str = "UTC",
    rolling: int | None = None,
    dedupe: bool = False,
) -> pd.DataFrame:
    """Count matching articles and their share of all articles, per period (and outlet).

    Parameters
    ----------
    corpus
        A corpus from ``ddj.load``.
    topics
        Topic names, queries, Topic objects, a ``{name: query}`` dict, or a
        boolean frame aligned to the corpus (such as ``ddj.match(...)``).
    freq
        ``D``, ``W`` (Monday to Sunday), ``M``, ``Q`` or ``Y``.
    by
        ``"outlet"`` for one series per outlet.
    start, end
        First and last day to count (inclusive, in ``tz``).
    tz
        Time zone whose calendar days and weeks are counted: ``"UTC"``, an IANA
        name such as ``"Europe/London"``, or ``"local"`` for each publisher's
        own clock (as the page stated it).
    rolling
        Add ``articles_rolling``, ``total_rolling`` and ``share_rolling``: sums
        over this many periods, and their ratio (not a mean of shares).
    dedupe
        Count a syndicated story (near-identical text in several outlets) once,
        at its first publication. With ``by="outlet"`` each outlet still counts
        its own copy: that is how much that outlet published.

    Returns
    -------
    Tidy DataFrame: ``period`` (start, tz-naive), ``period_end`` (last day),
    ``topic``, ``label``, [``outlet``], ``articles``, ``total``, ``share``
    (0 when ``total`` is 0), ``partial``, ``examples`` (up to three headlines,
    joined by " | "). ``attrs`` records freq, tz, start, end and n_undated.

    Examples
    --------
    >>> import ddj
    >>> cov = ddj.coverage(ddj.demo_corpus(), ["hong_kong"], freq="M")  # doctest: +SKIP
    >>> cov.loc[cov["share"].idxmax(), ["period", "share"]]              # doctest: +SKIP
    """
    validate(corpus, ("published",))
    period_freq = _freq(freq)
    if by not in (None, "outlet"):
        msg = f"by={by!r} is not supported: use by=None for all outlets together, or by='outlet'."
        raise ParameterError(msg)
    if by == "outlet":
        validate(corpus, ("outlet",))
    if rolling is not None and (not isinstance(rolling, (int, np.integer)) or rolling < 1):
        msg = f"rolling={rolling!r}: give a whole number of periods (e.g. rolling=4), or None."
        raise ParameterError(msg)
    flags, labels = _flags(corpus, topics)
    local = _local_times(corpus, tz)
    first, last = _window(start, end)

    dated = local.notna().to_numpy()
    n_undated = int((~dated).sum())
    if n_undated:
        msg = (
            f"{n_undated} of {len(corpus)} article(s) have no publication date and are not counted "
            "(ddj.problems(corpus) lists them)."
        )
        warnings.warn(DroppedRowsWarning(msg), stacklevel=2)
    keep = dated.copy()
    if first is not None:
        keep &= (local >= first).to_numpy()
    if last is not None:
        keep &= (local < last + pd.Timedelta(days=1)).to_numpy()
    if dedupe and by is None:
        from ddj.syndication import find_syndicated

        groups = find_syndicated(corpus.loc[keep])  # earliest copy first in each group
        later = groups.loc[groups.duplicated("group", keep="first"), "index"]
        keep &= ~corpus.index.isin(later)

    rows = corpus.loc[keep]
    rows.attrs = {}  # pandas deep-copies attrs (the problems list) into every group: seconds lost
    times = local[keep]
    if len(rows) == 0:
        msg = (
            "No dated articles fall inside the window"
            + (f" {start} to {end}" if first is not None or last is not None else "")
            + ": widen start/end, or check the corpus's dates (corpus['published'].describe())."
        )
        raise ParameterError(msg)
    periods = times.dt.to_period(period_freq)
    data_first = times.min().normalize()
    data_last = times.max().normalize()
    lo = first if first is not None else data_first
    hi = last if last is not None else data_last
    grid = pd.period_range(lo.to_period(period_freq), hi.to_period(period_freq), freq=period_freq)
    groups_key: list[pd.Series] = [periods.rename("period")]
    outlets: list[str] = []
    if by == "outlet":
        groups_key.append(rows["outlet"].fillna("(unknown)").rename("outlet"))
        outlets = sorted(groups_key[1].unique())
    total = rows.groupby(groups_key, observed=True).size()
    frame_flags = flags.loc[keep]
    titles = (
        rows["title"].fillna("(no title)")
        if "title" in rows
        else pd.Series("(no title)", index=rows.index)
    )
    order = np.argsort(times.to_numpy(), kind="stable")
    out = []
    for name in flags.columns:
        hit = frame_flags[name].to_numpy()
        counts = rows.loc[hit].groupby([k[hit] for k in groups_key], observed=True).size()
        examples = (
            titles.iloc[order][hit[order]]
            .groupby([k.iloc[order][hit[order]] for k in groups_key], observed=True)
            .agg(lambda s: " | ".join(s.head(3)))
        )
        index = (
            pd.MultiIndex.from_product([grid, outlets], names=["period", "outlet"])
            if by == "outlet"
            else pd.Index(grid, name="period")
        )
        part = pd.DataFrame(
            {
                "articles": counts.reindex(index, fill_value=0).astype("int64"),
                "total": total.reindex(index, fill_value=0).astype("int64"),
                "examples": examples.reindex(index, fill_value="").astype("str"),
            }
        ).reset_index()
        part["topic"] = name
        part["label"] = labels.get(name, name)
        out.append(part)
    result = pd.concat(out, ignore_index=True)
    result["share"] = np.where(
        result["total"] > 0, result["articles"] / result["total"].where(result["total"] > 0, 1), 0.0
    )
    pstart = result["period"].dt.start_time.dt.normalize()
    pend = result["period"].dt.end_time.dt.normalize()
    result["partial"] = ((pstart < lo) | (pend > hi)).to_numpy()
    result["period"] = pstart.astype("datetime64[us]")
    result["period_end"] = pend.astype("datetime64[us]")
    columns = COLUMNS[:4] + (["outlet"] if by == "outlet" else []) + COLUMNS[4:]
    result = result[columns]
    if rolling:
        keys = ["topic"] + (["outlet"] if by == "outlet" else [])
        result = result.sort_values([*keys, "period"], kind="stable")
        grouped = result.groupby(keys, sort=False)
        result["articles_rolling"] = (
            grouped["articles"]
            .transform(lambda s: s.rolling(rolling, min_periods=1).sum())
            .astype("int64")
        )
        result["total_rolling"] = (
            grouped["total"]
            .transform(lambda s: s.rolling(rolling, min_periods=1).sum())
            .astype("int64")
        )
        result["share_rolling"] = np.where(
            result["total_rolling"] > 0,
            result["articles_rolling"]
            / result["total_rolling"].where(result["total_rolling"] > 0, 1),
            0.0,
        )
    topic_order = {n: i for i, n in enumerate(flags.columns)}
    sort_keys = ["topic_order"] + (["outlet"] if by == "outlet" else []) + ["period"]
    result = (
        result.assign(topic_order=result["topic"].map(topic_order))
        .sort_values(sort_keys, kind="stable")
        .drop(columns="topic_order")
        .reset_index(drop=True)
    )
    result["topic"] = result["topic"].astype("str")
    result["label"] = result["label"].astype("str")
    result.attrs = {
        "freq": freq,
        "tz": tz,
        "start": None if first is None else str(first.date()),
        "end": None if last is None else str(last.date()),
        "n_undated": n_undated,
        "by": by,
        "rolling": rolling,
        "dedupe": dedupe,
    }
    if "ddj_demo" in corpus.attrs:
        result.attrs["ddj_demo"] = corpus.attrs["ddj_demo"]
    return result


def summary(cov: pd.DataFrame) -> pd.DataFrame:
    """The figures a reporter quotes, one row per topic (and outlet).

    Columns: ``topic``, ``label``, [``outlet``], ``articles`` (all matching),
    ``peak_period``, ``peak_articles``, ``peak_share``, ``latest_period``,
    ``latest_articles``, ``latest_share``, ``change_articles`` and
    ``change_share_points`` (latest complete period against the one before).
    Partial periods are left out of peaks and changes.

    Examples
    --------
    >>> summary(cov)[["label", "peak_period", "peak_share"]]  # doctest: +SKIP
    """
    missing = [
        c
        for c in ("period", "topic", "articles", "total", "share", "partial")
        if c not in cov.columns
    ]
    if missing:
        msg = f"summary() needs a frame from ddj.coverage(); this one lacks {missing}."
        raise SchemaError(msg)
    keys = ["topic", "label"] + (["outlet"] if "outlet" in cov.columns else [])
    rows = []
    for key, part in cov.groupby(keys, sort=False):
        whole = part[~part["partial"]].sort_values("period")
        whole = whole if len(whole) else part.sort_values("period")
        peak = whole.loc[whole["share"].idxmax()] if whole["articles"].any() else whole.iloc[-1]
        latest, previous = whole.iloc[-1], (whole.iloc[-2] if len(whole) > 1 else None)
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        row.update(
            articles=int(part["articles"].sum()),
            peak_period=peak["period"],
            peak_articles=int(peak["articles"]),
            peak_share=float(peak["share"]),
            latest_period=latest["period"],
            latest_articles=int(latest["articles"]),
            latest_share=float(latest["share"]),
            change_articles=None
            if previous is None
            else int(latest["articles"] - previous["articles"]),
            change_share_points=None
            if previous is None
            else round(100 * float(latest["share"] - previous["share"]), 2),
        )
        rows.append(row)
    return pd.DataFrame(rows)


# -- helpers ---------------------------------------------------------------------------------


def _freq(freq: Any) -> str:
    if not isinstance(freq, str) or freq.strip() not in FREQUENCIES:
        msg = (
            f"freq={freq!r} is not a frequency ddj counts by. Use 'D' (day), 'W' (week, Monday to Sunday), "
            "'M' (month), 'Q' (quarter) or 'Y' (year)."
        )
        raise ParameterError(msg)
    return FREQUENCIES[freq.strip()]


def _flags(corpus: pd.DataFrame, topics: Any) -> tuple[pd.DataFrame, dict[str, str]]:
    if isinstance(topics, pd.DataFrame):
        flag_cols = [
            c
            for c, dtype in zip(topics.columns, topics.dtypes, strict=True)
            if isinstance(dtype, np.dtype) and dtype.kind == "b"
        ]
        if not flag_cols:
            msg = "The topics frame has no boolean columns: pass ddj.match(corpus, topics) or topic names."
            raise SchemaError(msg)
        repeated = sorted({str(c) for c in flag_cols if flag_cols.count(c) > 1})
        if repeated:
            msg = f"The topics frame has the column(s) {repeated} more than once: each topic needs its own column."
            raise SchemaError(msg)
        if not topics.index.equals(corpus.index):
            msg = "The topics frame is not aligned to the corpus (different index): build it with ddj.match(corpus, ...)."
            raise SchemaError(msg)
        return topics[flag_cols], {c: c for c in flag_cols}
    from ddj.matching import match, resolve

    chosen = resolve(topics)
    matched = match(corpus, chosen)
    return matched[[t.name for t in chosen]], {t.name: t.label for t in chosen}


def _local_times(corpus: pd.DataFrame, tz: str) -> pd.Series:
    if tz == "local":
        if "published_local" not in corpus.columns:
            msg = "tz='local' needs the corpus's published_local column; load the corpus with ddj.load()."
            raise SchemaError(msg)
        return corpus["published_local"].astype("datetime64[us]")
    published = corpus["published"]
    if not isinstance(published.dtype, pd.DatetimeTZDtype):
        msg = "The corpus's 'published' column is not a time-zone-aware datetime: load it with ddj.load()."
        raise SchemaError(msg)
    try:
        return published.dt.tz_convert(tz).dt.tz_localize(None)
    except Exception as exc:
        msg = f"tz={tz!r} is not a time zone: use 'UTC', 'local', or an IANA name such as 'Europe/London'."
        raise ParameterError(msg) from exc


def _window(
    start: Any, end: Any, names: tuple[str, str] = ("start", "end")
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    def day(value: Any, name: str) -> pd.Timestamp | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            ts = pd.Timestamp(value)
        except (ValueError, TypeError) as exc:
            msg = (
                f"{name}={value!r} is not a date: write it as YYYY-MM-DD, e.g. {name}='2024-10-18'."
            )
            raise ParameterError(msg) from exc
        if ts is pd.NaT:
            msg = f"{name}={value!r} is not a date: write it as YYYY-MM-DD."
            raise ParameterError(msg)
        return (ts.tz_localize(None) if ts.tzinfo else ts).normalize()

    first, last = day(start, names[0]), day(end, names[1])
    if first is not None and last is not None and first > last:
        msg = f"{names[0]}={start!r} is after {names[1]}={end!r}: swap them."
        raise ParameterError(msg)
    return first, last
