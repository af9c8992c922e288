"""Is the denominator whole? Each outlet's volume per period, and where it falls silent.

A share is only as sound as its denominator: a week in which one outlet's
scraper broke looks like a week in which everybody wrote about the topic.
:func:`health` tabulates, per outlet and period, how many articles there are,
what is usual for that outlet, and flags where it falls silent or far below,
where its data starts and ends, and how many of its rows are duplicates or not
articles. ``ddj.coverage`` uses the same test (:func:`assess`) for its ``gap``
column.

The test
--------
An outlet's *usual* volume in a period is the median of its totals in the
``window`` (default 8) periods before it that were not flagged themselves
(for ``freq="D"``: the same weekday in the 8 weeks before, so Sundays are
compared with Sundays), once at least half that many are known. A period is
flagged when it holds at most ``below`` (default a quarter) of the usual
volume *and* so few articles would come by chance less than once in
``1/alpha`` (default 1,000) periods if the outlet published at its usual rate
(Poisson lower tail ``P(X <= total; usual) < alpha``): ``silent`` when it holds
none, ``low`` otherwise. Flagged periods never enter the usual volume, so a
lasting fall (a feed that now gives a tenth of what it did) stays flagged
until the outlet recovers: the denominator did change. The chance test means an outlet must usually publish
more than ``ln(1/alpha)`` (6.9) articles a period before its silence can be
told from chance: below that, nothing is flagged. Periods at the edge of the
data (partial) and the periods holding an outlet's first and last article
(``starts``, ``ends``) are never flagged. Periods before an outlet's first or
after its last dated article are ``before`` / ``after``; they are a ``gap``
when the outlet is *regular*: its median volume over its own range is above
``ln(1/alpha)``, so its silence would be flagged.

Examples
--------
>>> h = ddj.health(corpus, freq="M")
>>> h.columns.tolist()[:7]
['period', 'period_end', 'outlet', 'total', 'usual', 'status', 'gap']
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ddj import params, regimes, scan, words
from ddj.constants import FREQ_NAMES, PERIODS
from ddj.corpus import DEMO_ATTR, validate
from ddj.date_parsing import local_times
from ddj.store.layout import repeats

COLUMNS = [
    "period",
    "period_end",
    "outlet",
    "total",
    "usual",
    "status",
    "gap",
    "partial",
    "rows",
    "duplicates",
    "non_articles",
    "undated",
    "first",
    "last",
    "level",
    "regime_from",
]


@dataclass(frozen=True)
class Rule:
    """The settings of the silence test (see the module's docstring)."""

    window: int = 8
    below: float = 0.25
    alpha: float = 0.001

    @classmethod
    def checked(cls, *, window: Any, below: Any, alpha: Any) -> Rule:
        """The settings, each checked by :mod:`ddj.params`."""
        return cls(
            params.whole(window, "window", lo=2, hi=520, example=8),
            params.fraction(below, "below", example=0.25),
            params.fraction(alpha, "alpha", example=0.001),
        )

    @property
    def regular(self) -> float:
        """The volume above which an outlet's silence can be told from chance: ``ln(1/alpha)``."""
        return math.log(1 / self.alpha)


def health(
    corpus: Any,
    *,
    freq: str = "W",
    tz: str = "UTC",
    start: Any = None,
    end: Any = None,
    window: int = 8,
    below: float = 0.25,
    alpha: float = 0.001,
) -> pd.DataFrame:
    """Per outlet and period: articles, the outlet's usual volume, and whether the period is whole.

    Parameters
    ----------
    corpus
        A corpus from ``ddj.load`` or ``ddj.collect``, or a store
        (``ddj.open``), read batch by batch: memory grows with the outlets and
        periods, and 16 bytes a row for finding repeated URLs (and one sort of 8-byte keys at the end).
    freq, tz, start, end
        As for ``ddj.coverage``.
    window
        Periods before each one whose median is the outlet's usual volume.
    below
        A period holding at most this fraction of the usual volume may be flagged.
    alpha
        ...if so few articles would come by chance less often than this
        (Poisson); the false-alarm rate per outlet and period on a steady
        outlet.

    Returns
    -------
    pandas.DataFrame
        One row per outlet (with any dated article) and period: ``period``,
        ``period_end``, ``outlet``, ``total`` (dated articles: what
        ``coverage`` counts), ``usual`` (NaN until enough history),
        ``status`` (``silent``, ``low``, ``before``, ``after``, ``starts``,
        ``ends``, ``ok``), ``gap`` (the period's total lacks this outlet),
        ``partial``, ``rows`` (dated rows of any page type), ``duplicates``
        (rows whose ``id``, the hash of the normalised URL, an earlier row
        has; the summary adds those ``ddj.load`` dropped already),
        ``non_articles`` (``page_type`` other than ``article``), and per
        outlet ``undated``, ``first`` and ``last`` (its first and last dated
        day). ``attrs["summary"]`` says in a few lines what is wrong.

    Raises
    ------
    ParameterError
        A bad option, or no dated article in the window.

    Examples
    --------
    >>> h = ddj.health(corpus, freq="Q")
    >>> h.loc[h["outlet"] == "Harbour Post", ["period", "total", "status"]].head(3)
           period  total  status
    56 2019-01-01      3  starts
    57 2019-04-01      3      ok
    58 2019-07-01      2      ok
    >>> print(h.attrs["summary"].splitlines()[0])
    5 outlets, 5 January 2019 to 30 December 2025: no period flagged.
    """
    period = PERIODS[params.freq(freq)]
    params.tz(tz)
    first, last = params.window(start, end)
    rule = Rule.checked(window=window, below=below, alpha=alpha)
    validate(scan.head(corpus), ("published", "outlet"))
    tally = scan.run(corpus, _Health(tz, period, first, last))
    lo, hi = _bounds(tally, first, last, start, end)
    table = assess(tally.grid(period, lo, hi), rule=rule, period=period)
    table = with_regimes(tally.with_outlet_facts(table), freq=freq)
    table.attrs = {
        "freq": freq,
        "tz": tz,
        "start": str(lo.date()),
        "end": str(hi.date()),
        "window": rule.window,
        "below": rule.below,
        "alpha": rule.alpha,
        "summary": summarize(
            table, freq=freq, dropped=_dropped_duplicates(corpus), undated=tally.undated_rows()
        ),
    }
    demo = corpus.attrs.get(DEMO_ATTR)
    if demo:
        table.attrs[DEMO_ATTR] = demo
    return table


# -- the steps -------------------------------------------------------------------------------

#: The columns :func:`health` reads (from a store, only these are read).
READS = ["id", "url", "outlet", "published", "published_local", "page_type"]


@dataclass
class _Tally:
    """Counts that add up batch by batch: per outlet and period, and per outlet.

    Repeats are found once, at the end: each batch keeps the id hash of every
    row (8 bytes), and of the rows counted where their count went (8 bytes);
    :meth:`summed` marks every row whose id an earlier row has (one sort
    over all of them, ``ddj.store.layout.repeats``) and adds those to ``duplicates``.
    """

    counts: list[pd.DataFrame] = field(default_factory=list)  # rows, total, non_articles
    keys: list[np.ndarray] = field(default_factory=list)  # id hash of every row, in scan order
    counted: list[np.ndarray] = field(default_factory=list)  # positions of the rows counted
    codes: list[np.ndarray] = field(default_factory=list)  # their row in the batch's counts
    undated: list[pd.Series] = field(default_factory=list)
    first: list[pd.Series] = field(default_factory=list)
    last: list[pd.Series] = field(default_factory=list)

    @classmethod
    def of(cls, rows: pd.DataFrame, keys: np.ndarray, inside: np.ndarray) -> _Tally:
        """The counts of one batch's rows (``inside``: dated and in the window)."""
        counted = rows[inside].assign(
            rows=1,
            total=rows.loc[inside, "article"].astype("int64"),
            non_articles=(~rows.loc[inside, "article"]).astype("int64"),
        )
        grouped = counted.groupby(["outlet", "period"], observed=True)
        days = rows.dropna(subset=["day"]).groupby("outlet")["day"]
        return cls(
            [grouped[["rows", "total", "non_articles"]].sum()],
            [keys],
            [np.flatnonzero(inside).astype("int32")],  # a batch holds at most 10M rows
            [grouped.ngroup().to_numpy().astype("int32")],
            [rows.loc[rows["day"].isna(), "outlet"].value_counts()],
            [days.min()],
            [days.max()],
        )

    def add(self, other: _Tally) -> _Tally:
        """Both tallies, in scan order."""
        return _Tally(*(getattr(self, f) + getattr(other, f) for f in _FIELDS))

    def summed(self) -> pd.DataFrame:
        """The counts per outlet and period of every batch, added up, with their repeats."""
        if not self.counts:
            return pd.DataFrame(columns=list(_COUNTS))
        every = np.concatenate(self.keys) if self.keys else np.zeros(0, dtype="uint64")
        repeat = np.zeros(len(every), dtype=bool)
        repeat[repeats(every)[0]] = True  # an earlier row has its id (one sort: ~10 bytes a row)
        parts, offset = [], 0
        for counts, keys, counted, codes in zip(
            self.counts, self.keys, self.counted, self.codes, strict=True
        ):
            seen = repeat[offset : offset + len(keys)][counted]
            offset += len(keys)
            duplicates = np.bincount(codes[seen], minlength=len(counts)).astype("int64")
            parts.append(counts.assign(duplicates=duplicates)[list(_COUNTS)])
        return pd.concat(parts).groupby(level=[0, 1], observed=True).sum()

    def grid(self, period: str, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
        """Every period of the window for every outlet with a dated article in it, ``partial`` set."""
        counts = self.summed()
        grid = pd.period_range(lo.to_period(period), hi.to_period(period), freq=period)
        outlets = sorted(counts.index.get_level_values(0).unique())
        index = pd.MultiIndex.from_product([outlets, grid], names=["outlet", "period"])
        table = counts.reindex(index, fill_value=0).astype("int64").reset_index()
        start = table["period"].dt.start_time.dt.normalize()
        end = table["period"].dt.end_time.dt.normalize()
        return table.assign(partial=((start < lo) | (end > hi)).to_numpy())

    def undated_rows(self) -> pd.Series:
        """Undated rows per outlet, of every outlet (one with no dated row has no row in the table)."""
        if not self.undated:
            return pd.Series(dtype="int64")
        return pd.concat(self.undated).groupby(level=0).sum().astype("int64")

    def with_outlet_facts(self, table: pd.DataFrame) -> pd.DataFrame:
        """Each outlet's undated rows and first and last dated day, on each of its rows."""
        undated = self.undated_rows()
        first = pd.concat(self.first).groupby(level=0).min() if self.first else {}
        last = pd.concat(self.last).groupby(level=0).max() if self.last else {}
        out = table.assign(
            undated=table["outlet"].map(undated).fillna(0).astype("int64"),
            first=table["outlet"].map(first).astype("datetime64[us]"),
            last=table["outlet"].map(last).astype("datetime64[us]"),
        )
        return out.astype({"outlet": "str"})[COLUMNS[:-2]].reset_index(drop=True)


_COUNTS = ("rows", "total", "duplicates", "non_articles")


_FIELDS = ("counts", "keys", "counted", "codes", "undated", "first", "last")


@dataclass(frozen=True)
class _Health(scan.Reduction):
    """``health`` as a reduction: a :class:`_Tally` a batch, in scan order."""

    tz: str
    period: str
    first: pd.Timestamp | None
    last: pd.Timestamp | None

    @property
    def columns(self) -> list[str]:
        """The columns :func:`health` reads (from a store, only these are read)."""
        return READS

    def tally(self, batch: pd.DataFrame, start: int) -> _Tally:
        """The counts of one batch."""
        local = local_times(batch, self.tz)
        rows = _rows(batch, local, self.period)
        return _Tally.of(rows, _keys(batch), scan.in_window(local, self.first, self.last))

    def combine(self, a: _Tally, b: _Tally) -> _Tally:
        """Both, in scan order."""
        return a.add(b)

    def finish(self, total: _Tally, corpus: Any) -> _Tally:
        """The tally: :func:`health` assesses it."""
        return total


def _keys(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of each row's ``id`` (the hash of its normalised URL), to find repeats."""
    ids = frame["id"] if "id" in frame else frame["url"]
    keys = pd.util.hash_pandas_object(ids.astype("str"), index=False).to_numpy()
    return np.where(keys == 0, np.uint64(1), keys)  # 0 stands for "no id" in store.layout.repeats


def _rows(corpus: pd.DataFrame, local: pd.Series, period: str) -> pd.DataFrame:
    """One row per article: outlet, day, period, and whether it is an article."""
    page_type = corpus.get("page_type")
    article = (
        np.ones(len(corpus), dtype=bool)
        if page_type is None
        else page_type.fillna("article").eq("article").to_numpy()
    )
    return pd.DataFrame(
        {
            "outlet": corpus["outlet"].fillna("(unknown)").astype("str").to_numpy(),
            "day": local.dt.normalize().to_numpy(),
            "period": local.dt.to_period(period).to_numpy(),
            "article": article,
        }
    )


def _bounds(tally: _Tally, first, last, start, end) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last day counted: the window given, else the data's."""
    if not any(len(c) for c in tally.counts):
        raise scan.nothing_dated(start, end)
    lo = first if first is not None else pd.concat(tally.first).min()
    hi = last if last is not None else pd.concat(tally.last).max()
    return lo, hi


def assess(table: pd.DataFrame, *, rule: Rule, period: str) -> pd.DataFrame:
    """``usual``, ``status`` and ``gap`` of every outlet and period (the test of the module's docstring).

    Parameters
    ----------
    table
        ``outlet``, ``period`` (pandas Periods, every period of the window for
        each outlet, in order), ``total`` and ``partial``.
    rule
        The settings.
    period
        The pandas period frequency of ``period``.

    Returns
    -------
    pandas.DataFrame
        ``table`` with ``usual``, ``status`` and ``gap``; ``period`` and
        ``period_end`` as first and last days.
    """
    table = table.sort_values(["outlet", "period"], kind="stable").reset_index(drop=True)
    usual = np.full(len(table), np.nan)
    status = np.full(len(table), "ok", dtype=object)
    daily = period == "D"
    for _, where in table.groupby("outlet", sort=False).indices.items():
        part = table.iloc[where]
        u, s = _one_outlet(part["total"].to_numpy(), part["partial"].to_numpy(), daily, rule)
        usual[where], status[where] = u, s
    out = table.assign(usual=usual, status=pd.array(status, dtype="str"))
    regular = _regular(out, rule)
    flagged = out["status"].isin(["silent", "low"])
    outside = out["status"].isin(["before", "after"]) & out["outlet"].map(regular)
    out["gap"] = (flagged | outside).to_numpy()
    out["period_end"] = out["period"].dt.end_time.dt.normalize().astype("datetime64[us]")
    out["period"] = out["period"].dt.start_time.dt.normalize().astype("datetime64[us]")
    return out


def _one_outlet(
    total: np.ndarray, partial: np.ndarray, daily: bool, rule: Rule
) -> tuple[np.ndarray, np.ndarray]:
    """One outlet's usual volume and status in each period, in order."""
    n = len(total)
    usual = np.full(n, np.nan)
    status = np.full(n, "ok", dtype=object)
    present = np.flatnonzero(total > 0)
    if not len(present):
        return usual, np.full(n, "before", dtype=object)
    a, b = present[0], present[-1]
    status[:a], status[b + 1 :] = "before", "after"
    status[a], status[b] = "starts", "ends"
    history: dict[int, deque] = {}
    for t in range(a + 1, b):
        seen = history.setdefault(t % 7 if daily else 0, deque(maxlen=rule.window))
        if len(seen) >= max(2, rule.window // 2):
            usual[t] = float(np.median(seen))
        if not partial[t] and _far_below(int(total[t]), usual[t], rule):
            status[t] = "silent" if total[t] == 0 else "low"
        elif not partial[t]:
            seen.append(int(total[t]))
    return usual, status


def _far_below(k: int, usual: float, rule: Rule) -> bool:
    """At most ``below`` of ``usual``, and that few by chance less often than ``alpha``."""
    if not usual > 0 or k > rule.below * usual:
        return False
    return poisson_cdf(k, usual) < rule.alpha


def poisson_cdf(k: int, mean: float) -> float:
    """``P(X <= k)`` for ``X`` Poisson with ``mean`` (summed in log space: no overflow).

    Examples
    --------
    >>> round(poisson_cdf(0, 6.9), 5), round(poisson_cdf(2, 10.0), 6)
    (0.00101, 0.002769)
    """
    if k < 0:
        return 0.0
    logs = [i * math.log(mean) - mean - math.lgamma(i + 1) for i in range(k + 1)]
    top = max(logs)
    return min(1.0, math.exp(top) * sum(math.exp(v - top) for v in logs))


def _regular(table: pd.DataFrame, rule: Rule) -> pd.Series:
    """Per outlet: whether its median volume over its own range is high enough for silence to show."""
    inside = table[~table["status"].isin(["before", "after"]) & ~table["partial"]]
    median = inside.groupby("outlet")["total"].median()
    return (median > rule.regular).reindex(table["outlet"].unique(), fill_value=False)


def _dropped_duplicates(corpus: Any) -> int:
    """Rows ``ddj.load`` dropped as repeats of another URL (its problems list says so)."""
    return int(scan.problems(corpus)["kind"].eq("duplicate").sum())


# -- the summary -----------------------------------------------------------------------------


def summarize(
    table: pd.DataFrame, *, freq: str, dropped: int = 0, undated: pd.Series | None = None
) -> str:
    """What is wrong with the denominator, in a few lines (the first line sums it up).

    ``undated`` gives the undated rows per outlet of every outlet, as
    :func:`health` passes them, so the undated count is the one ``ddj.load``
    warns of: rows with no publication date, of any page type, at any outlet
    (an outlet with no dated row has no row in ``table``). Without it, the
    ``undated`` column of ``table`` is used.

    Examples
    --------
    >>> print(summarize(ddj.health(corpus, freq="Y"), freq="Y").splitlines()[0])
    5 outlets, 5 January 2019 to 30 December 2025: no period flagged.
    """
    code = params.freq(freq)
    flagged = table[table["gap"]]
    outlets = table["outlet"].nunique()
    lo, hi = table["first"].min(), table["last"].max()
    head = f"{outlets} outlet{'s' if outlets != 1 else ''}, {words.period(lo, 'D')} to {words.period(hi, 'D')}: "
    gaps = flagged["period"].nunique()
    head += (
        "no period flagged."
        if not gaps
        else f"{words.periods(gaps, code)} with a gap in the denominator."
    )
    lines = [head]
    for outlet, part in flagged.groupby("outlet", sort=True):
        lines.append(f"{outlet}: {_flagged_words(part, code)}")
    lines += _share_lines(table, dropped, undated)
    if "regime_from" in table:
        lines += regime_lines(table, freq=freq)
    return "\n".join(lines)


# -- regimes ---------------------------------------------------------------------------------


def with_regimes(
    table: pd.DataFrame, *, freq: str, min_size: int = regimes.MIN_SIZE
) -> pd.DataFrame:
    """``table`` with each outlet's volume regimes: ``level`` (articles a period) and ``regime_from``.

    The regimes are found by PELT on the outlet's complete periods between
    its first and last article (``ddj.regimes``: a Poisson cost over the
    volume's own dispersion, a penalty of ``2 log(n)`` a change, regimes of
    at least ``min_size`` periods). Other periods have no regime (NaN, NaT).

    Examples
    --------
    >>> h = ddj.health(corpus, freq="Q")
    >>> row = h[h["outlet"] == "Harbour Post"].iloc[1]
    >>> float(row["level"]), str(row["regime_from"].date())  # one regime: 2.3 articles a quarter
    (2.3, '2019-04-01')
    """
    level = np.full(len(table), np.nan)
    since = np.full(len(table), np.datetime64("NaT"), dtype="datetime64[us]")
    inside = ~table["status"].isin(["before", "after"]) & ~table["partial"].astype(bool)
    for _, where in table[inside].groupby("outlet", sort=False).indices.items():
        rows = table[inside].iloc[where]
        found = regimes.regimes(rows["period"], rows["total"], kind="poisson", min_size=min_size)
        ends = np.cumsum(found["periods"].to_numpy())
        which = np.searchsorted(ends, np.arange(len(rows)), side="right")
        at = table.index.get_indexer(rows.index)
        level[at] = found["level"].to_numpy()[which]
        since[at] = found["start"].to_numpy().astype("datetime64[us]")[which]
    return table.assign(level=level, regime_from=since)


def regime_lines(table: pd.DataFrame, *, freq: str, limit: int = 10) -> list[str]:
    """A line per change of an outlet's volume ("volume fell from ~310 a week to ~120 from ...")."""
    lines = []
    kept = table.dropna(subset=["regime_from"]).drop_duplicates(["outlet", "regime_from"])
    for outlet, part in kept.groupby("outlet", sort=True):
        levels, starts = part["level"].tolist(), part["regime_from"].tolist()
        lines += [
            regimes.volume_sentence(outlet, levels[i - 1], levels[i], starts[i], freq)
            for i in range(1, len(part))
        ]
    if len(lines) > limit:
        return [*lines[:limit], f"And {len(lines) - limit} more changes of volume."]
    return lines


def _flagged_words(part: pd.DataFrame, code: str) -> str:
    """Say, for one outlet, where it was silent or low and where its data starts and ends."""
    said = []
    for status, what in (("silent", "silent"), ("low", "far below its usual volume")):
        hit = part[part["status"] == status]
        if len(hit):
            shown = ", ".join(words.period(p, code) for p in hit["period"].head(4))
            more = f" and {len(hit) - 4} more" if len(hit) > 4 else ""
            said.append(
                f"{what} in {shown}{more} (usually {hit['usual'].median():g} a {FREQ_NAMES[code]})"
            )
    for status, what in (("before", "no data before"), ("after", "no data after")):
        hit = part[part["status"] == status]
        if len(hit):
            day = part["first"].iloc[0] if status == "before" else part["last"].iloc[0]
            said.append(f"{what} {words.period(day, 'D')} ({words.periods(len(hit), code)})")
    return "; ".join(said) + "."


def _share_lines(table: pd.DataFrame, dropped: int, undated: pd.Series | None) -> list[str]:
    """Undated, duplicate and non-article rows, when there are any."""
    per = table.groupby("outlet").agg(
        rows=("rows", "sum"),
        undated=("undated", "first"),
        duplicates=("duplicates", "sum"),
        non_articles=("non_articles", "sum"),
    )
    if undated is not None:  # every outlet's, those with no dated row too
        per = per.reindex(per.index.union(undated.index), fill_value=0)
        per["undated"] = undated.reindex(per.index, fill_value=0)
    every = int(per["rows"].sum() + per["undated"].sum())
    lines = []
    for column, what in (
        ("undated", "undated (not counted)"),
        ("duplicates", "repeats of a URL seen before"),
        ("non_articles", "not articles (paywalls, errors, index pages; not counted)"),
    ):
        n = int(per[column].sum())
        if not n:
            continue
        worst = (per[column] / (per["rows"] + per["undated"]).clip(lower=1)).idxmax()
        share = per.loc[worst, column] / max(1, per.loc[worst, "rows"] + per.loc[worst, "undated"])
        lines.append(
            f"{words.percent(n / max(1, every))} of rows are {what}: {words.count(n, 'row')}; "
            f"most at {worst} ({words.percent(share)})."
        )
    if dropped:
        lines.append(
            f"ddj.load already dropped {words.count(dropped, 'row')} repeating another's URL."
        )
    return lines
