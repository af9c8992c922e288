"""Coverage over time: matching articles and their share of all articles, per period.

``coverage`` turns a corpus and topics into the tidy table a chart or a story
needs. Every period in the range appears (zeros, never gaps); periods only
partly covered by the data or by the ``start``/``end`` window are flagged
``partial`` so nobody reads a half-week as a drop. ``summary`` gives the
figures a reporter quotes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ddj import params, scan, warns
from ddj.constants import CONFIDENCE as DATE_CONFIDENCE
from ddj.constants import PERIODS, SMALL_TOTAL
from ddj.corpus import DEMO_ATTR, validate
from ddj.date_parsing import local_times
from ddj.denominator import Rule, assess
from ddj.errors import SchemaError
from ddj.intervals import CONFIDENCE, WILSON, wilson
from ddj.keysets import among, distinct, union
from ddj.matching import Topic, match, matching_keys, narrowed_keys, resolve
from ddj.outlets import every_group, nothing_chosen
from ddj.outlets import select as select_outlets
from ddj.store.totals import NO_DATE, QUARTER
from ddj.syndication import find_syndicated

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
        ``ddj.constants.SMALL_TOTAL``), ``partial``, ``gap`` (the period's total
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
    if dedupe:
        scan.refuse_batches(
            corpus,
            "dedupe=True compares every article with every other, which a store streamed in "
            "batches cannot do: load it with to_pandas() for dedupe "
            "(ddj.coverage(store.filter(...).to_pandas(), topics, dedupe=True)), or leave dedupe out.",
        )
    if isinstance(topics, pd.DataFrame):
        scan.refuse_batches(
            corpus,
            "A frame of topic flags cannot be aligned to a store: pass topic names, queries or "
            "Topic objects (ddj.coverage(store, ['hong_kong'])), which are matched batch by batch.",
        )
    rules = _Rules(params.pages(pages), params.confidence(min_confidence), tz)
    how = _How.checked(
        scan.head(corpus),
        freq=freq,
        by=by,
        start=start,
        end=end,
        tz=tz,
        rolling=rolling,
        outlets=outlets,
    )
    asked = (("freq", freq), ("tz", tz), ("by", by), ("rolling", rolling), ("dedupe", dedupe))
    chosen, flags, labels = _topics(corpus, topics, how)
    matched, note = (None, None) if chosen is None else matching_keys(corpus, chosen)
    if matched is None and chosen and client is None and how.chosen is None:
        matched, narrowed = narrowed_keys(corpus, chosen)  # no index, or one that cannot narrow
        if matched is not None:
            note = f"{note} Instead, {narrowed}" if note else f"No index: {narrowed}"
    reduction = _Coverage(how, rules, dedupe, chosen, flags, labels, asked, matched)
    if reduction.countable:  # the totals from the store's kept counts, the topics from the index
        keys = union([np.asarray(k, dtype=np.uint64) for k in matched.values()])
        result, kept = scan.run_counted(corpus, reduction, keys, client=client)
        note = " ".join(n for n in (note, kept) if n)
    else:
        result = scan.run(corpus, reduction, client=client)
    result.attrs["queries"] = _queries(topics)
    if note is not None:
        result.attrs["index"] = note
    demo = corpus.attrs.get(DEMO_ATTR)
    if demo:
        result.attrs[DEMO_ATTR] = demo
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
    return scan.run(corpus, _ByMonth())


@dataclass(frozen=True)
class _ByMonth(scan.Reduction):
    """``by_month``: dated articles per month and outlet, counts that add up."""

    @property
    def columns(self) -> list[str]:
        return ["published", "outlet"]

    def tally(self, batch: pd.DataFrame, start: int) -> pd.Series:
        validate(batch, ("published", "outlet"))
        dated = batch.dropna(subset=["published"])
        month = dated["published"].dt.strftime("%Y-%m").rename("month")
        return dated.groupby([month, "outlet"]).size()

    def combine(self, a: pd.Series, b: pd.Series) -> pd.Series:
        return pd.concat([a, b]).groupby(level=["month", "outlet"]).sum()

    def finish(self, total: pd.Series, corpus: Any) -> pd.DataFrame:
        return total.unstack(fill_value=0)


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
    return scan.run(corpus, _DateSignals())


@dataclass(frozen=True)
class _DateSignals(scan.Reduction):
    """``date_signals``: articles per ``published_from``, first seen first until finished."""

    @property
    def columns(self) -> list[str]:
        return ["published_from"]

    def tally(self, batch: pd.DataFrame, start: int) -> pd.Series:
        validate(batch, ("published_from",))
        return batch["published_from"].value_counts(sort=False)

    def combine(self, a: pd.Series, b: pd.Series) -> pd.Series:
        return pd.concat([a, b]).groupby(level=0, sort=False).sum()

    def finish(self, total: pd.Series, corpus: Any) -> pd.DataFrame:
        counts = total.sort_values(ascending=False, kind="stable")  # value_counts' order
        return counts.rename("date signal").to_frame()


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
            chosen = every_group()
        return cls(period, by, first, last, params.rolling(rolling), start, end, chosen=chosen)

    @property
    def keys(self) -> list[str]:
        """Columns that tell one series from another, besides the topic."""
        return [self.by] if self.by in ("outlet", "group") else []


@dataclass(frozen=True)
class _Rules:
    """Which rows a coverage counts, and on which clock."""

    pages: tuple[str, ...] | None
    min_confidence: str | None
    tz: str


def _topics(
    corpus: Any, topics: Any, how: _How
) -> tuple[list[Topic] | None, pd.DataFrame | None, dict[str, str]]:
    """The topics matched batch by batch, or a frame of flags (checked against the corpus), and labels."""
    if not isinstance(topics, pd.DataFrame):
        chosen = resolve(topics)
        return chosen, None, {t.name: t.label for t in chosen}
    if how.chosen is not None and not how.chosen.contains(corpus).any():
        raise nothing_chosen(corpus, how.chosen)  # before the frame's own checks, as ever
    flags = _flags(corpus, topics)
    return None, flags, {c: c for c in flags.columns}


@dataclass
class Tally:
    """Coverage counts of some rows: they add up, so batches and Dask tasks combine.

    ``total`` and ``articles`` are counts per period (and outlet or group);
    ``examples`` the first three matching headlines of each, with their time
    and position in the scan; ``outlets`` the counts per period and outlet that
    the ``gap`` test reads.
    """

    rows: int = 0  # of the page types and date confidence counted
    undated: int = 0
    inside: int = 0  # rows of the outlets chosen (outlets=)
    left_out: int = 0  # rows of other outlets
    skipped: scan.Skipped = field(default_factory=scan.Skipped)
    copies: int = 0  # later copies of syndicated stories not counted (dedupe=True)
    lo: pd.Timestamp | None = None
    hi: pd.Timestamp | None = None
    total: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))
    articles: dict[str, pd.Series] = field(default_factory=dict)
    examples: pd.DataFrame = field(default_factory=lambda: _first_examples([]))
    outlets: pd.DataFrame = field(default_factory=lambda: _summed_table([]))

    def add(self, other: Tally) -> Tally:
        """The sum of this tally and ``other`` (kept small: counts and three examples a key)."""
        return Tally(
            self.rows + other.rows,
            self.undated + other.undated,
            self.inside + other.inside,
            self.left_out + other.left_out,
            self.skipped.add(other.skipped),
            self.copies + other.copies,
            _pick(min, self.lo, other.lo),
            _pick(max, self.hi, other.hi),
            _summed([self.total, other.total]),
            {
                k: _summed([self.articles.get(k, _NONE), other.articles.get(k, _NONE)])
                for k in dict.fromkeys([*self.articles, *other.articles])
            },
            _first_examples([self.examples, other.examples]),
            _summed_table([self.outlets, other.outlets]),
        )


_NONE = pd.Series(dtype="int64")

#: What a coverage reads of each row when each topic's matching ids are known (from an index):
#: the id, its outlet, dates, page type and confidence, and the title for the examples.
_COUNTED = (
    "id", "url", "outlet", "title", "published", "published_local", "page_type",
    "published_confidence", "source",
)  # fmt: skip


@dataclass(frozen=True)
class _Coverage(scan.Reduction):
    """``coverage`` as a reduction: a :class:`Tally` a batch, added up, assembled once."""

    how: _How
    rules: _Rules
    dedupe: bool
    chosen: list[Topic] | None  # matched batch by batch
    flags: pd.DataFrame | None  # or a frame of flags aligned to the one batch
    labels: dict[str, str]
    asked: tuple[tuple[str, Any], ...]  # freq, tz, by, rolling, dedupe as given: the attrs
    matched: dict[str, np.ndarray] | None = None  # or each topic's matching id keys (an index's)

    @property
    def columns(self) -> list[str] | None:
        """Every column; with the matching ids known, only those the counts read (no text)."""
        if self.matched is None:
            return None
        return list(_COUNTED)

    def tally(self, batch: pd.DataFrame, start: int) -> Tally:
        """The counts of one batch, in order: outlets, topics, page types, dates, window, keys."""
        return self.tally_at(batch, np.arange(start, start + len(batch)))

    def tally_at(self, batch: pd.DataFrame, where: np.ndarray) -> Tally:
        """:meth:`tally` of rows at the positions ``where`` in the scan (ties of time keep its order)."""
        how = self.how
        batch = batch.copy(deep=False)
        batch.attrs = {}  # pandas deep-copies attrs (the problems list) into every step: seconds lost
        inside = np.ones(len(batch), dtype=bool)
        if how.chosen is not None:
            inside = how.chosen.contains(batch)
            batch, where = batch.loc[inside], where[inside]
        if self.matched is not None:
            own = scan.row_keys(batch)
            flags = pd.DataFrame(
                {name: among(own, keys) for name, keys in self.matched.items()},
                index=batch.index,
            )
        elif self.flags is None:
            matched = match(batch, self.chosen, pages="all")  # page types are left out below
            flags = matched[[t.name for t in self.chosen]]
        else:
            flags = self.flags.loc[inside]
        local = local_times(batch, self.rules.tz)
        skipped, out = scan.Skipped.of(batch, self.rules.pages, self.rules.min_confidence)
        wanted = ~out
        dated = local.notna().to_numpy()
        keep = wanted & scan.in_window(local, how.first, how.last)
        if self.dedupe and how.by is None:  # the one batch is the whole corpus
            groups = find_syndicated(batch.loc[keep])  # earliest copy first in each group
            later = groups.loc[groups.duplicated("group", keep="first"), "index"]
            copies = batch.index.isin(later)
            keep &= ~copies
        tally = Tally(
            int(wanted.sum()),
            int((~dated & wanted).sum()),
            int(inside.sum()),
            int((~inside).sum()),
            skipped,
            int(copies.sum()) if self.dedupe and how.by is None else 0,
        )
        if not keep.any():
            return tally
        rows = batch.drop(columns=["text", "description"], errors="ignore").loc[keep]
        times, flags, where = local[keep], flags.loc[keep], where[keep]
        tally.lo, tally.hi = times.min(), times.max()
        tally.outlets = outlet_totals(rows, times, how)
        if how.by == "group":  # one row per article and group it is in
            pos, group = _by_group(rows, how)
            rows = rows.iloc[pos].reset_index(drop=True).assign(group=group.to_numpy())
            times = times.iloc[pos].reset_index(drop=True)
            flags = flags.iloc[pos].reset_index(drop=True)
            where = where[pos]
        keys = [times.dt.to_period(how.period).rename("period")]
        keys += [rows[key].fillna("(unknown)").rename(key) for key in how.keys]
        tally.total = rows.groupby(keys, observed=True).size()
        titles = (
            rows["title"].fillna("(no title)").to_numpy()
            if "title" in rows
            else np.full(len(rows), "(no title)", dtype=object)
        )
        examples = []
        for name in flags.columns:
            hit = flags[name].to_numpy()
            tally.articles[name] = (
                rows.loc[hit].groupby([k[hit] for k in keys], observed=True).size()
            )
            examples.append(_examples(name, keys, times, titles, where, hit))
        tally.examples = _first_examples(examples)
        return tally

    def combine(self, a: Tally, b: Tally) -> Tally:
        return a.add(b)

    # - the totals side from a store's kept totals (ddj.store.totals), see scan.run_counted -

    @property
    def countable(self) -> bool:
        """Whether kept totals can give this coverage's totals (not with ``outlets=``/``by="group"``)."""
        return self.matched is not None and self.how.chosen is None and not self.dedupe

    @property
    def totals_key(self) -> tuple:
        """What the totals of a store depend on: the period, series, window, clock and rules."""
        how = self.how
        return (how.period, how.by, how.first, how.last, self.rules)

    def unplaced(self, kept: pd.DataFrame) -> np.ndarray:
        """Which groups of kept totals fall across a day or the window's edge on this clock."""
        times, ends = _quarter_times(kept, self.rules.tz)
        how = self.how
        across = times.dt.normalize().to_numpy() != ends.dt.normalize().to_numpy()
        inside = scan.in_window(times, how.first, how.last)
        return (
            across | (inside != scan.in_window(ends, how.first, how.last))
        ) & times.notna().to_numpy()

    def from_totals(self, kept: pd.DataFrame, hits: pd.DataFrame | None = None) -> Tally:
        """A :class:`Tally` (no examples) from kept totals; the articles from ``hits``.

        ``hits``: the matched rows' groups (``group``, labels of ``kept``) and
        id keys (``key``), such as :meth:`ddj.store.held.Held.matched` finds; None:
        the totals only.
        """
        how = self.how
        times, _ = _quarter_times(kept, self.rules.tz)
        weight = kept["rows"].to_numpy()
        other, unsure, wanted, keep = self._placed(kept, times)
        types = kept["page_type"]
        kinds = pd.Series(weight[other]).groupby(types[other].to_numpy(), sort=False).sum()
        skipped = scan.Skipped(
            int(weight.sum()),
            {str(k): int(n) for k, n in kinds.items()},
            int(weight[unsure].sum()),
            scan.totals_report(int(weight[other].sum()), int(weight[unsure].sum())),
        )
        dated = times.notna().to_numpy()
        tally = Tally(
            int(weight[wanted].sum()),
            int(weight[~dated & wanted].sum()),
            int(weight.sum()),
            0,
            skipped,
        )
        if not keep.any():
            return tally
        rows, times, weight = kept.loc[keep], times[keep], weight[keep]
        tally.lo, tally.hi = times.min(), times.max()
        period = times.dt.to_period(how.period).rename("period")
        outlet = rows["outlet"].astype("object").fillna("(unknown)").astype("str")
        table = pd.DataFrame({"period": period.array, "outlet": outlet.to_numpy(), "total": weight})
        tally.outlets = (
            table.groupby(["period", "outlet"], observed=True)["total"].sum().reset_index()
        )
        keys = [period] + [outlet.rename(k) for k in how.keys]
        tally.total = pd.Series(weight, index=rows.index).groupby(keys, observed=True).sum()
        if hits is None:
            return tally
        place = kept.index.get_indexer(hits["group"].to_numpy())
        found = hits["key"].to_numpy()
        for name, ids in self.matched.items():
            count = np.bincount(place[among(found, ids)], minlength=len(kept))[keep]
            got = count > 0
            tally.articles[name] = (
                pd.Series(count[got], index=rows.index[got])
                .groupby([k[got] for k in keys], observed=True)
                .sum()
            )
        return tally

    def _placed(
        self, kept: pd.DataFrame, times: pd.Series
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Which groups are of other page types, unsure, wanted, and wanted inside the window."""
        rules, how = self.rules, self.how
        other = np.zeros(len(kept), dtype=bool)
        types = kept["page_type"]
        if rules.pages is not None:  # a missing type is an article, as in the scan
            other = ~(types.isin(rules.pages) | (types.isna() & ("article" in rules.pages)))
            other = other.to_numpy()
        unsure = np.zeros(len(kept), dtype=bool)
        if rules.min_confidence is not None:
            sure = kept["published_confidence"].isin(
                DATE_CONFIDENCE[DATE_CONFIDENCE.index(rules.min_confidence) :]
            )
            unsure = (kept["utc"].to_numpy() != NO_DATE) & ~sure.to_numpy() & ~other
        wanted = ~(other | unsure)
        keep = wanted & scan.in_window(times, how.first, how.last)
        return other, unsure, wanted, keep

    def candidates(self, kept: pd.DataFrame, hits: pd.DataFrame) -> np.ndarray:
        """The ``pos`` of the ``hits`` that may be among the first three examples of their topic and key.

        A group's quarter-hour (on the ``tz`` clock) orders its rows before
        any later quarter-hour's, so the rows of a key after the quarter-hour
        of its third hit cannot be among its first three: only the others are
        read (their exact times decide).
        """
        times, _ = _quarter_times(kept, self.rules.tz)
        keep = self._placed(kept, times)[3]
        place = kept.index.get_indexer(hits["group"].to_numpy())
        inside = keep[place]
        place, found = place[inside], hits["key"].to_numpy()[inside]
        pos = hits["pos"].to_numpy()[inside]
        at = pd.Series(times.array.take(place))
        table = pd.DataFrame({"coarse": at.to_numpy(), "pos": pos})
        table["period"] = at.dt.to_period(self.how.period).array.asi8
        names = ["period"]
        if self.how.by == "outlet":
            table["outlet"] = kept["outlet"].cat.codes.to_numpy()[place]
            names.append("outlet")
        chosen = []
        for ids in self.matched.values():
            mine = table.loc[among(found, ids)].sort_values(["coarse", "pos"], kind="stable")
            first = mine["coarse"].where(mine.groupby(names, sort=False).cumcount() < 3)
            edge = first.groupby([mine[n] for n in names], sort=False).transform("max")
            chosen.append(mine["pos"].to_numpy()[(mine["coarse"] <= edge).to_numpy()])
        return distinct(np.concatenate(chosen)) if chosen else np.array([], dtype=np.int64)

    def with_examples(self, tally: Tally, examples: Tally) -> Tally:
        """``tally`` with the examples of another added (its counts are not taken)."""
        return replace(tally, examples=_first_examples([tally.examples, examples.examples]))

    @property
    def totals_columns(self) -> tuple[str, ...]:
        """Columns only the totals and the warning's report read: the matched rows need not."""
        unread = ["url", "source"]
        if self.rules.tz != "local":
            unread.append("published_local")
        if self.how.by != "outlet":
            unread.append("outlet")
        return tuple(unread)

    def totals_only(self) -> _Coverage:
        """The same coverage counting totals only (no topic matches): for parts read from their columns."""
        return replace(self, matched={name: np.array([], dtype=np.uint64) for name in self.matched})

    def with_hits(self, totals: Tally, hits: Tally) -> Tally:
        """The totals of one tally with the articles and examples of another."""
        return replace(totals, articles=hits.articles, examples=hits.examples)

    def finish(self, tally: Tally, corpus: Any) -> pd.DataFrame:
        """Warnings and errors once, then shares, intervals, ``partial``, rolling sums, ``gap``, order."""
        how = self.how
        if how.chosen is not None and tally.inside == 0:
            raise nothing_chosen(scan.read(corpus, ["url", "outlet"]), how.chosen)
        tally.skipped.warn(self.rules.min_confidence)
        if tally.undated:
            scan.warn(warns.not_counted(tally.undated, tally.rows))
        if tally.lo is None:
            raise scan.nothing_dated(how.start, how.end)
        counted, how = _counted(tally, list(self.labels), self.labels, how)
        result = _rolled(_assembled(counted, how), how)
        result, gaps = _gapped(result, tally.outlets, how)
        result = _ordered(result, list(self.labels), how)
        asked = dict(self.asked)
        result.attrs = {
            "freq": asked["freq"],
            "tz": asked["tz"],
            "start": None if how.first is None else str(how.first.date()),
            "end": None if how.last is None else str(how.last.date()),
            "n_undated": tally.undated,
            "by": asked["by"],
            "rolling": asked["rolling"],
            "dedupe": asked["dedupe"],
            "outlets": None if how.chosen is None else how.chosen.label,
            "outlets_left_out": tally.left_out,
            "gaps": gaps,
            **_counted_rows(tally, self.rules),
        }
        return result


def _quarter_times(kept: pd.DataFrame, tz: str) -> tuple[pd.Series, pd.Series]:
    """The first and last instant of each group's quarter-hour on the clock of ``tz`` (NaT: undated)."""
    bins = kept["local" if tz == "local" else "utc"].to_numpy()
    if tz in ("local", "UTC"):  # the clock of the bins: no zone to convert each to
        dated = bins != NO_DATE
        micros = np.where(dated, bins * QUARTER, 0).astype("datetime64[us]")
        first = pd.Series(micros, index=kept.index).where(dated)
        last = pd.Series(micros + np.timedelta64(QUARTER - 1, "us"), index=kept.index)
        return first, last.where(dated)
    found, at = np.unique(bins, return_inverse=True)
    dated = found != NO_DATE
    micros = np.where(dated, found * QUARTER, 0).astype("datetime64[us]")
    first = pd.Series(micros).where(dated)
    last = pd.Series(micros + np.timedelta64(QUARTER - 1, "us")).where(dated)
    if tz != "local":
        first = first.dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None)
        last = last.dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None)
    index = kept.index
    return (
        pd.Series(first.array.take(at), index=index),
        pd.Series(last.array.take(at), index=index),
    )


def _counted_rows(tally: Tally, rules: _Rules) -> dict[str, Any]:
    """What a coverage counted and left out, for its method note (``ddj.method``): its ``attrs``.

    ``rows_counted`` (of the page types and date confidence counted),
    ``pages`` and ``min_confidence`` (the rules), ``left_out`` (rows of other
    page types by type, rows whose date was less sure than asked),
    ``copies_removed`` (syndicated copies, ``dedupe=True``), ``first_article``
    and ``last_article`` (the first and last dates counted, on the ``tz`` clock),
    ``outlet_articles`` (articles counted per outlet, most first, then by name) and
    ``interval`` (the method and confidence of ``share_low``/``share_high``).
    """
    per_outlet = tally.outlets.groupby("outlet", observed=True)["total"].sum()
    if "group" in tally.outlets:  # an article in two groups is one article of its outlet
        per_outlet = (
            tally.outlets.drop_duplicates(["period", "outlet"]).groupby("outlet")["total"].sum()
        )
    ranked = sorted(per_outlet.items(), key=lambda kv: (-int(kv[1]), str(kv[0])))  # any batching
    return {
        "rows_counted": tally.rows,
        "pages": "all" if rules.pages is None else list(rules.pages),
        "min_confidence": rules.min_confidence,
        "left_out": {
            "page_types": dict(tally.skipped.kinds),
            "unsure_dates": tally.skipped.unsure,
        },
        "copies_removed": tally.copies,
        "first_article": None if tally.lo is None else str(tally.lo.date()),
        "last_article": None if tally.hi is None else str(tally.hi.date()),
        "outlet_articles": {str(k): int(v) for k, v in ranked},
        "interval": {"method": WILSON, "confidence": CONFIDENCE},
    }


def _examples(
    name: str,
    keys: list[pd.Series],
    times: pd.Series,
    titles: np.ndarray,
    where: np.ndarray,
    hit: np.ndarray,
) -> pd.DataFrame:
    idx = np.flatnonzero(hit)
    table = pd.DataFrame({k.name: k.array[idx] for k in keys})  # periods stay a PeriodArray
    table["topic"] = name
    table["time"] = times.array[idx]
    table["pos"] = where[idx]
    table["title"] = titles[idx]
    return _first_examples([table])


def _first_examples(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The first three rows by (time, position in the scan) of each topic and key."""
    tables = [t for t in tables if len(t)]
    if not tables:
        return pd.DataFrame(columns=["topic", "time", "pos", "title"])
    table = pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]
    keys = [c for c in table.columns if c not in ("time", "pos", "title")]
    table = table.sort_values(["time", "pos"], kind="stable")
    return table.groupby(keys, sort=False, observed=True).head(3).reset_index(drop=True)


def _summed(series: list[pd.Series]) -> pd.Series:
    series = [s for s in series if len(s)]
    if not series:
        return pd.Series(dtype="int64")
    if len(series) == 1:
        return series[0]
    joined = pd.concat(series)
    return joined.groupby(level=list(range(joined.index.nlevels)), observed=True).sum()


def _summed_table(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Tables of counts (key columns and ``total``) added up by their keys."""
    tables = [t for t in tables if len(t)]
    if len(tables) <= 1:
        return tables[0] if tables else pd.DataFrame(columns=["period", "outlet", "total"])
    joined = pd.concat(tables, ignore_index=True)
    keys = [c for c in joined.columns if c != "total"]
    return joined.groupby(keys, observed=True)["total"].sum().reset_index()


def _pick(f: Any, a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else f(a, b)


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

    Counts, so batches add up (``period``, ``outlet``, [``group``], ``total``).
    """
    frame = pd.DataFrame(
        {
            "period": times.dt.to_period(how.period).array,  # not objects: a Period each is slow
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


def _counted(
    tally: Tally, names: list[str], labels: dict[str, str], how: _How
) -> tuple[pd.DataFrame, _How]:
    """Articles, totals and example headlines per topic and period, every period of the grid.

    Returns the counts and ``how`` with the first and last day counted (``lo``, ``hi``).
    """
    lo = how.first if how.first is not None else tally.lo.normalize()
    hi = how.last if how.last is not None else tally.hi.normalize()
    how = replace(how, lo=lo, hi=hi)
    grid = pd.period_range(lo.to_period(how.period), hi.to_period(how.period), freq=how.period)
    index: pd.Index = pd.Index(grid, name="period")
    if how.keys:
        key = how.keys[0]
        found = sorted(tally.total.index.get_level_values(key).unique())
        series = list(how.chosen.domains) if key == "group" else found
        index = pd.MultiIndex.from_product([grid, series], names=["period", key])
    parts = []
    for name in names:
        counts = tally.articles.get(name, _NONE)
        joined = _joined(tally.examples, name, how)
        part = pd.DataFrame(
            {
                "articles": counts.reindex(index, fill_value=0).astype("int64"),
                "total": tally.total.reindex(index, fill_value=0).astype("int64"),
                "examples": joined.reindex(index, fill_value="").astype("str"),
            }
        ).reset_index()
        parts.append(part.assign(topic=name, label=labels.get(name, name)))
    return pd.concat(parts, ignore_index=True), how


def _joined(examples: pd.DataFrame, name: str, how: _How) -> pd.Series:
    """Up to three headlines of a topic per key, earliest first, joined by " | "."""
    keys = ["period", *how.keys]
    mine = examples[examples["topic"] == name] if len(examples) else examples
    if not len(mine):
        return pd.Series(dtype="str")
    mine = mine.sort_values(["time", "pos"], kind="stable")
    grouped = mine.groupby(keys if len(keys) > 1 else keys[0], observed=True)["title"]
    return grouped.agg(lambda s: " | ".join(s.head(3)))


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
        ``ddj.constants.SMALL_TOTAL`` articles in all) from the peak, unless every
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


def _flags(corpus: pd.DataFrame, topics: pd.DataFrame) -> pd.DataFrame:
    """The boolean columns of a frame of topic flags, checked to be aligned to ``corpus``."""
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
    return topics[flag_cols]


def _queries(topics: Any) -> dict[str, str]:
    """Each topic's query by its column, for a coverage frame's attrs; ``{}`` for a frame of flags."""
    if isinstance(topics, pd.DataFrame):
        return {}
    return {t.name: t.query for t in resolve(topics)}
