"""Coverage over time: matching articles and their share of all articles, per period.

``coverage`` turns a corpus and topics into the tidy table a chart or a story
needs. Every period in the range appears (zeros, never gaps); periods only
partly covered by the data or by the ``start``/``end`` window are flagged
``partial`` so nobody reads a half-week as a drop. ``summary`` gives the
figures a reporter quotes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ddj import params, store
from ddj.constants import FREQ_ALIASES, PERIODS
from ddj.corpus import DEMO_ATTR, validate
from ddj.date_parsing import local_times as _local_times
from ddj.errors import DroppedRowsWarning, ParameterError, SchemaError
from ddj.outlets import select as select_outlets
from ddj.stats import SMALL_TOTAL, wilson

#: Friendly frequency names -> pandas period frequencies (weeks run Monday to Sunday).
FREQUENCIES = {name: PERIODS[code] for name, code in FREQ_ALIASES.items()}

COLUMNS = [
    "period",
    "period_end",
    "topic",
    "label",
    "articles",
    "total",
    "share",
    "share_low",
    "share_high",
    "small",
    "partial",
    "examples",
]


def coverage(
    corpus: pd.DataFrame,
    topics: Any,
    *,
    freq: str = "W",
    by: str | None = None,
    start: Any = None,
    end: Any = None,
    tz: str = "UTC",
    rolling: int | None = None,
    dedupe: bool = False,
    pages: Any = "article",
    min_confidence: str | None = None,
    outlets: Any = None,
    client: Any = None,
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
        ``"outlet"`` for one series per outlet, ``"group"`` for one per group
        of outlets (``outlets=``, else every group of the shipped
        ``data/outlets.yml``; an outlet in two groups counts in each).
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
        Count a syndicated story (near-identical text in several outlets; for
        rows without text, near-identical titles or descriptions within three
        days: :mod:`ddj.syndication`) once, at its first publication. With
        ``by="outlet"`` each outlet still counts its own copy: that is how
        much that outlet published.
    outlets
        Count only these outlets: a group name (``"uk-national"``), a list of
        group names and registered domains, or the path of a groups file
        (:func:`ddj.outlets.select`). An article belongs to an outlet by the
        registered domain of its URL.
    pages
        The page types counted (``page_type``): ``"article"`` (the default:
        no paywall teasers, bot challenges, consent walls, error pages or
        indexes), a list of types, or ``"all"``. Rows of other types are left
        out of ``articles`` and ``total``, counted in one
        ``DroppedRowsWarning``; ``ddj.problems(corpus)`` lists them.
    min_confidence
        ``None`` counts every date; ``"medium"`` leaves out dates less sure
        than that (``published_confidence`` low: a day the page never shows
        its reader), ``"high"`` keeps only dates the page marks up and shows
        (or a table or feed states); counted in the same warning.
    client
        With a store (``ddj.open``): a ``dask.distributed.Client`` that counts
        its month partitions on the cluster's workers (:mod:`ddj.store`).

    Returns
    -------
    pandas.DataFrame
        Tidy: ``period`` (start, tz-naive), ``period_end`` (last day),
        ``topic``, ``label``, [``outlet`` | ``group``], ``articles``, ``total``, ``share``
        (0 when ``total`` is 0), ``share_low`` and ``share_high`` (its 95%
        Wilson interval, NaN when ``total`` is 0), ``small`` (``total`` below
        ``ddj.stats.SMALL_TOTAL``), ``partial``, ``gap`` (the period's total
        lacks an outlet that is normally there: silent, far below its usual
        volume, or before or after its data, as :func:`ddj.health` tests it),
        ``examples`` (up to three headlines, joined by " | "). ``attrs``
        records freq, tz, start, end, n_undated, outlets (what ``outlets=``
        chose), outlets_left_out (rows of other outlets), gaps (``{period:
        [outlets]}``) and queries (``{topic: query}``, the definition each
        ``topic`` counted; empty for a frame of flags).

    Raises
    ------
    ParameterError
        A bad ``freq``, ``by``, ``tz``, ``start``/``end``, ``rolling``,
        ``pages`` or ``min_confidence`` (see :mod:`ddj.params`), an unknown
        topic, or no dated article in the window.

    Examples
    --------
    >>> cov = ddj.coverage(corpus, ["hong_kong", "ukraine"], freq="M")
    >>> peak = cov.loc[cov["share"].idxmax()]
    >>> f"{peak['label']}: {peak['share']:.0%} of articles in {peak['period']:%B %Y}"
    'Ukraine war: 80% of articles in November 2022'
    """
    if isinstance(corpus, store.Store):  # a store (ddj.open): counted in batches, or on Dask
        return store.coverage(**locals())
    if client is not None:
        msg = (
            "client= counts a store's partitions on a Dask cluster; this corpus is a DataFrame "
            "in memory, counted here: save it with ddj.save(corpus, 'store/', append=True) and "
            "pass ddj.open('store/'), or leave client out"
        )
        raise ParameterError(msg)
    pages, min_confidence = params.pages(pages), params.confidence(min_confidence)
    how = _How.checked(
        corpus, freq=freq, by=by, start=start, end=end, tz=tz, rolling=rolling, outlets=outlets
    )
    corpus, topics, left_out = _chosen(corpus, topics, how)
    flags, labels = _flags(corpus, topics)
    local = _local_times(corpus, tz)
    keep, n_undated = _kept(
        corpus, local, how, dedupe=dedupe, pages=pages, min_confidence=min_confidence
    )
    rows, times = corpus.loc[keep], local[keep]
    counted, how = _counted(rows, times, flags.loc[keep], labels, how)
    result = _rolled(_assembled(counted, how), how)
    result, gaps = _gapped(result, outlet_totals(rows, times, how), how)
    result = _ordered(result, list(flags.columns), how)
    result.attrs = {
        "freq": freq,
        "tz": tz,
        "start": None if how.first is None else str(how.first.date()),
        "end": None if how.last is None else str(how.last.date()),
        "n_undated": n_undated,
        "by": by,
        "rolling": rolling,
        "dedupe": dedupe,
        "outlets": None if how.chosen is None else how.chosen.label,
        "outlets_left_out": left_out,
        "gaps": gaps,
        "queries": _queries(topics),
    }
    if DEMO_ATTR in corpus.attrs:
        result.attrs[DEMO_ATTR] = corpus.attrs[DEMO_ATTR]
    return result


def by_month(corpus: pd.DataFrame) -> pd.DataFrame:
    """Dated articles per month (rows, ``"YYYY-MM"``) and outlet (columns), zeros filled.

    What a corpus holds at a glance, before any topic: gaps in a month or an
    outlet show a source that stopped. Undated articles are left out.

    Parameters
    ----------
    corpus
        A corpus from ``ddj.load`` or ``ddj.collect``.

    Returns
    -------
    pandas.DataFrame
        One row per month with any dated article, one column per outlet.

    Examples
    --------
    >>> ddj.by_month(corpus).loc["2025-10":, ["Channel Daily", "The Northgate Courier"]]
    ... # doctest: +NORMALIZE_WHITESPACE
    outlet   Channel Daily  The Northgate Courier
    month
    2025-10              0                      1
    2025-11              1                      0
    2025-12              0                      1
    """
    if isinstance(corpus, store.Store):  # a store (ddj.open): two columns streamed
        return store.by_month(corpus)
    validate(corpus, ("published", "outlet"))
    dated = corpus.dropna(subset=["published"])
    month = dated["published"].dt.strftime("%Y-%m").rename("month")
    return dated.groupby([month, "outlet"]).size().unstack(fill_value=0)


def date_signals(corpus: pd.DataFrame) -> pd.DataFrame:
    """How many articles each signal dated (``json-ld``, ``meta``, ``url``, ``none``...), most first.

    Parameters
    ----------
    corpus
        A corpus from ``ddj.load`` or ``ddj.collect``.

    Returns
    -------
    pandas.DataFrame
        One row per ``published_from`` value, with its count in ``date signal``.

    Examples
    --------
    >>> ddj.date_signals(corpus).head(2)  # doctest: +NORMALIZE_WHITESPACE
                    date signal
    published_from
    json-ld                 148
    meta                     60
    """
    if isinstance(corpus, store.Store):  # a store (ddj.open): one column streamed
        return store.date_signals(corpus)
    validate(corpus, ("published_from",))
    return corpus["published_from"].value_counts().rename("date signal").to_frame()


# -- the steps of coverage -------------------------------------------------------------------


@dataclass(frozen=True)
class _How:
    """The checked options of one ``coverage`` call."""

    period: str  # pandas period frequency
    by: str | None
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    rolling: int | None
    start: Any = None  # as given, for the message when nothing falls inside
    end: Any = None
    lo: pd.Timestamp | None = field(default=None, compare=False)  # first day counted
    hi: pd.Timestamp | None = field(default=None, compare=False)  # last day counted
    chosen: Any = field(default=None, compare=False)  # ddj.outlets.Selection of outlets=, or None

    @classmethod
    def checked(
        cls, corpus: pd.DataFrame, *, freq, by, start, end, tz, rolling, outlets=None
    ) -> _How:
        validate(corpus, ("published",))
        period = PERIODS[params.freq(freq)]
        by = params.by(by)
        if by == "outlet":
            validate(corpus, ("outlet",))
        params.tz(tz)
        first, last = params.window(start, end)
        chosen = select_outlets(outlets)
        if by == "group" and chosen is None:
            from ddj.outlets import every_group

            chosen = every_group()
        return cls(period, by, first, last, params.rolling(rolling), start, end, chosen=chosen)

    @property
    def keys(self) -> list[str]:
        """Columns that tell one series from another, besides the topic."""
        return [self.by] if self.by in ("outlet", "group") else []


def _chosen(corpus: pd.DataFrame, topics: Any, how: _How) -> tuple[pd.DataFrame, Any, int]:
    """With ``outlets=``: the rows of the chosen outlets (and of a topics frame), and how many are not."""
    if how.chosen is None:
        return corpus, topics, 0
    hit = how.chosen.contains(corpus)
    if not hit.any():
        from ddj.outlets import nothing_chosen

        raise nothing_chosen(corpus, how.chosen)
    if isinstance(topics, pd.DataFrame) and topics.index.equals(corpus.index):
        topics = topics.loc[hit]
    return corpus.loc[hit], topics, int((~hit).sum())


def _by_group(rows: pd.DataFrame, how: _How) -> tuple[np.ndarray, pd.Series]:
    """Positions of ``rows`` once per group each is in, and those groups (in the selection's order)."""
    masks = how.chosen.masks(rows)
    positions = [np.flatnonzero(m) for m in masks.values()]
    names = [np.full(len(p), name, dtype=object) for name, p in zip(masks, positions, strict=True)]
    pos = np.concatenate(positions) if positions else np.array([], dtype="int64")
    group = np.concatenate(names) if names else np.array([], dtype=object)
    return pos, pd.Series(group, dtype="str", name="group")


def outlet_totals(rows: pd.DataFrame, times: pd.Series, how: _How) -> pd.DataFrame:
    """Articles counted per period and outlet (and group): what the ``gap`` test reads.

    Counts, so a store can sum them batch by batch (``period``, ``outlet``,
    [``group``], ``total``).
    """
    frame = pd.DataFrame(
        {
            "period": times.dt.to_period(how.period).to_numpy(),
            "outlet": rows["outlet"].fillna("(unknown)").astype("str").to_numpy()
            if "outlet" in rows
            else "(unknown)",
        }
    )
    keys = ["period", "outlet"]
    if how.by == "group":
        pos, group = _by_group(rows, how)
        frame = frame.iloc[pos].reset_index(drop=True).assign(group=group.to_numpy())
        keys.append("group")
    return frame.groupby(keys, observed=True).size().rename("total").reset_index()


def _gapped(
    result: pd.DataFrame, totals: pd.DataFrame, how: _How
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """``gap`` (before ``examples``): periods whose total lacks an outlet normally there.

    Returns the result and ``{first day of period: [outlets]}`` of the periods with a gap.
    """
    from ddj.denominator import Rule, assess

    grid = pd.period_range(
        how.lo.to_period(how.period), how.hi.to_period(how.period), freq=how.period
    )
    per_outlet = totals.groupby(["outlet", "period"], observed=True)["total"].sum()
    index = pd.MultiIndex.from_product(
        [sorted(totals["outlet"].unique()), grid], names=["outlet", "period"]
    )
    table = per_outlet.reindex(index, fill_value=0).reset_index()
    start = table["period"].dt.start_time.dt.normalize()
    end = table["period"].dt.end_time.dt.normalize()
    table["partial"] = ((start < how.lo) | (end > how.hi)).to_numpy()
    bad = assess(table, rule=Rule(), period=how.period)
    bad = bad.loc[bad["gap"], ["period", "outlet"]]
    keys = ["period"]
    if how.by == "outlet":
        keys.append("outlet")
    elif how.by == "group":
        bad = bad.merge(totals[["outlet", "group"]].drop_duplicates(), on="outlet")
        keys.append("group")
    hit = pd.MultiIndex.from_frame(bad[keys]) if len(keys) > 1 else pd.Index(bad["period"])
    at = pd.MultiIndex.from_frame(result[keys]) if len(keys) > 1 else pd.Index(result["period"])
    gap = at.isin(hit)
    result = result.copy()
    result.insert(result.columns.get_loc("examples"), "gap", gap)
    gaps = {
        str(day.date()): sorted(names)
        for day, names in bad.groupby("period")["outlet"].agg(set).items()
    }
    return result, gaps


def _kept(
    corpus: pd.DataFrame,
    local: pd.Series,
    how: _How,
    *,
    dedupe: bool,
    pages: tuple[str, ...] | None = ("article",),
    min_confidence: str | None = None,
) -> tuple[np.ndarray, int]:
    """Which rows count, and how many of the wanted rows are undated.

    A row counts when it is of the page types wanted, sure enough of its
    date, dated, inside the window, and (with ``dedupe``) a first copy.
    """
    from ddj.corpus import left_out

    skipped = left_out(corpus, pages=pages, min_confidence=min_confidence)
    if skipped.message is not None:
        warnings.warn(DroppedRowsWarning(skipped.message, skipped.report), stacklevel=3)
    wanted = ~skipped.mask
    dated = local.notna().to_numpy()
    n_undated = int((~dated & wanted).sum())
    if n_undated:
        msg = (
            f"{n_undated} of {int(wanted.sum())} article(s) have no publication date and are not "
            "counted (ddj.problems(corpus) lists them)."
        )
        warnings.warn(DroppedRowsWarning(msg), stacklevel=3)
    keep = dated & wanted
    if how.first is not None:
        keep &= (local >= how.first).to_numpy()
    if how.last is not None:
        keep &= (local < how.last + pd.Timedelta(days=1)).to_numpy()
    if dedupe and how.by is None:
        from ddj.syndication import find_syndicated

        groups = find_syndicated(corpus.loc[keep])  # earliest copy first in each group
        later = groups.loc[groups.duplicated("group", keep="first"), "index"]
        keep &= ~corpus.index.isin(later)
    if not keep.any():
        raise nothing_dated(how)
    return keep, n_undated


def nothing_dated(how: _How) -> ParameterError:
    """The error for a count with no dated article in its window (frames and stores alike)."""
    bounds = f" {how.start} to {how.end}" if how.first is not None or how.last is not None else ""
    msg = (
        f"No dated articles fall inside the window{bounds}: widen start/end, or check the "
        "corpus's dates (corpus['published'].describe())."
    )
    return ParameterError(msg)


def _counted(
    rows: pd.DataFrame,
    times: pd.Series,
    flags: pd.DataFrame,
    labels: dict[str, str],
    how: _How,
) -> tuple[pd.DataFrame, _How]:
    """Articles, totals and example headlines per topic and period, every period of the grid.

    Returns the counts and ``how`` with the first and last day counted (``lo``, ``hi``).
    """
    rows = rows.copy(deep=False)
    rows.attrs = {}  # pandas deep-copies attrs (the problems list) into every group: seconds lost
    lo = how.first if how.first is not None else times.min().normalize()
    hi = how.last if how.last is not None else times.max().normalize()
    how = replace(how, lo=lo, hi=hi)
    grid = pd.period_range(lo.to_period(how.period), hi.to_period(how.period), freq=how.period)
    if how.by == "group":  # one row per article and group it is in
        pos, group = _by_group(rows, how)
        rows = rows.iloc[pos].reset_index(drop=True).assign(group=group.to_numpy())
        times = times.iloc[pos].reset_index(drop=True)
        flags = flags.iloc[pos].reset_index(drop=True)
    groups_key: list[pd.Series] = [times.dt.to_period(how.period).rename("period")]
    index: pd.Index = pd.Index(grid, name="period")
    if how.keys:
        key = how.keys[0]
        groups_key.append(rows[key].fillna("(unknown)").rename(key))
        series = list(how.chosen.domains) if key == "group" else sorted(groups_key[1].unique())
        index = pd.MultiIndex.from_product([grid, series], names=["period", key])
    total = rows.groupby(groups_key, observed=True).size().reindex(index, fill_value=0)
    titles = (
        rows["title"].fillna("(no title)")
        if "title" in rows
        else pd.Series("(no title)", index=rows.index)
    )
    order = np.argsort(times.to_numpy(), kind="stable")
    parts = []
    for name in flags.columns:
        hit = flags[name].to_numpy()
        counts = rows.loc[hit].groupby([k[hit] for k in groups_key], observed=True).size()
        examples = (
            titles.iloc[order][hit[order]]
            .groupby([k.iloc[order][hit[order]] for k in groups_key], observed=True)
            .agg(lambda s: " | ".join(s.head(3)))
        )
        part = pd.DataFrame(
            {
                "articles": counts.reindex(index, fill_value=0).astype("int64"),
                "total": total.astype("int64"),
                "examples": examples.reindex(index, fill_value="").astype("str"),
            }
        ).reset_index()
        parts.append(part.assign(topic=name, label=labels.get(name, name)))
    return pd.concat(parts, ignore_index=True), how


def _assembled(counted: pd.DataFrame, how: _How) -> pd.DataFrame:
    """Shares with their Wilson intervals, small and partial periods, day bounds (:data:`COLUMNS`)."""
    result = counted.copy()
    result["share"] = _ratio(result["articles"], result["total"])
    result["share_low"], result["share_high"] = wilson(
        result["articles"].to_numpy(), result["total"].to_numpy()
    )
    result["small"] = (result["total"] < SMALL_TOTAL).to_numpy()
    pstart = result["period"].dt.start_time.dt.normalize()
    pend = result["period"].dt.end_time.dt.normalize()
    result["partial"] = ((pstart < how.lo) | (pend > how.hi)).to_numpy()
    result["period"] = pstart.astype("datetime64[us]")
    result["period_end"] = pend.astype("datetime64[us]")
    return result[COLUMNS[:4] + how.keys + COLUMNS[4:]]


def _rolled(result: pd.DataFrame, how: _How) -> pd.DataFrame:
    """With ``rolling``: sums over that many periods of each series, and their ratio."""
    if not how.rolling:
        return result
    keys = ["topic", *how.keys]
    result = result.sort_values([*keys, "period"], kind="stable")
    grouped = result.groupby(keys, sort=False)
    for column in ("articles", "total"):
        result[f"{column}_rolling"] = (
            grouped[column]
            .transform(lambda s: s.rolling(how.rolling, min_periods=1).sum())
            .astype("int64")
        )
    result["share_rolling"] = _ratio(result["articles_rolling"], result["total_rolling"])
    return result


def _ordered(result: pd.DataFrame, topics: list[str], how: _How) -> pd.DataFrame:
    """Topics in the order given, then outlet, then period; text columns as ``str``."""
    topic_order = {n: i for i, n in enumerate(topics)}
    sort_keys = ["topic_order", *how.keys, "period"]
    result = (
        result.assign(topic_order=result["topic"].map(topic_order))
        .sort_values(sort_keys, kind="stable")
        .drop(columns="topic_order")
        .reset_index(drop=True)
    )
    return result.astype({"topic": "str", "label": "str"})


def _ratio(part: pd.Series, whole: pd.Series) -> np.ndarray:
    """``part / whole``, 0 where ``whole`` is 0."""
    return np.where(whole > 0, part / whole.where(whole > 0, 1), 0.0)


def summary(cov: pd.DataFrame) -> pd.DataFrame:
    """The figures a reporter quotes, one row per topic (and outlet), each with its interval.

    Parameters
    ----------
    cov
        A frame from :func:`coverage`.

    Returns
    -------
    pandas.DataFrame
        ``topic``, ``label``, [``outlet``], ``articles`` (all matching),
        ``peak_period``, ``peak_articles``, ``peak_share``, ``peak_share_low``,
        ``peak_share_high``, ``peak_small``, ``latest_period``,
        ``latest_articles``, ``latest_share``, ``latest_share_low``,
        ``latest_share_high``, ``latest_small``, ``change_articles`` and
        ``change_share_points`` (latest complete period against the one
        before). Intervals are 95% Wilson intervals (:mod:`ddj.stats`).
        Partial periods are left out of peaks and changes, and so are periods
        with a small denominator (``small``: fewer than
        ``ddj.stats.SMALL_TOTAL`` articles in all) from the peak, unless every
        period is small: then ``peak_small`` is True.

    Raises
    ------
    SchemaError
        Not a coverage frame.

    Examples
    --------
    >>> ddj.summary(cov)[["label", "peak_period", "peak_share", "peak_small"]]
             label peak_period  peak_share  peak_small
    0    Hong Kong  2019-06-01         0.5        True
    1  Ukraine war  2022-11-01         0.8        True
    """
    missing = [
        c
        for c in ("period", "topic", "articles", "total", "share", "partial")
        if c not in cov.columns
    ]
    if missing:
        msg = f"summary() needs a frame from ddj.coverage(); this one lacks {missing}."
        raise SchemaError(msg)
    keys = ["topic", "label"] + [k for k in ("outlet", "group") if k in cov.columns]
    rows = []
    for key, part in _with_intervals(cov).groupby(keys, sort=False):
        whole = part[~part["partial"]].sort_values("period")
        whole = whole if len(whole) else part.sort_values("period")
        latest, previous = whole.iloc[-1], (whole.iloc[-2] if len(whole) > 1 else None)
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        row["articles"] = int(part["articles"].sum())
        row.update(_figures("peak", _peak(whole)))
        row.update(_figures("latest", latest))
        row.update(
            change_articles=None
            if previous is None
            else int(latest["articles"] - previous["articles"]),
            change_share_points=None
            if previous is None
            else round(100 * float(latest["share"] - previous["share"]), 2),
        )
        rows.append(row)
    return pd.DataFrame(rows)


def _with_intervals(cov: pd.DataFrame) -> pd.DataFrame:
    """``cov`` with ``share_low``, ``share_high`` and ``small`` (computed if it lacks them)."""
    if {"share_low", "share_high", "small"} <= set(cov.columns):
        return cov
    low, high = wilson(cov["articles"].to_numpy(), cov["total"].to_numpy())
    return cov.assign(share_low=low, share_high=high, small=cov["total"] < SMALL_TOTAL)


def _peak(whole: pd.DataFrame) -> pd.Series:
    """The period of highest share, among those with a sound denominator when there are any."""
    if not whole["articles"].any():
        return whole.iloc[-1]
    sound = whole[~whole["small"].astype(bool) & (whole["articles"] > 0)]
    pool = sound if len(sound) else whole
    return pool.loc[pool["share"].idxmax()]


def _figures(name: str, row: pd.Series) -> dict[str, Any]:
    return {
        f"{name}_period": row["period"],
        f"{name}_articles": int(row["articles"]),
        f"{name}_share": float(row["share"]),
        f"{name}_share_low": float(row["share_low"]),
        f"{name}_share_high": float(row["share_high"]),
        f"{name}_small": bool(row["small"]),
    }


# -- helpers ---------------------------------------------------------------------------------


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
    matched = match(corpus, chosen, pages="all")  # _kept leaves out the other page types
    return matched[[t.name for t in chosen]], {t.name: t.label for t in chosen}


def _queries(topics: Any) -> dict[str, str]:
    """Each topic's query by its column, for a coverage frame's attrs; ``{}`` for a frame of flags."""
    if isinstance(topics, pd.DataFrame):
        return {}
    from ddj.matching import resolve

    return {t.name: t.query for t in resolve(topics)}
