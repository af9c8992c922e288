"""The scan core: every analysis that reads a corpus is one reduction over its batches.

A corpus is a DataFrame in memory or a store on disk (``ddj.open``).
:func:`batches` yields it as DataFrames: a frame is one batch, a store yields
its batches in store order (only the columns an analysis reads). An analysis
(``match``, ``hits``, ``coverage``, ``health``, ``problems``, ``by_month``,
``date_signals``) is a :class:`Reduction`: ``tally(batch, start)`` gives a
partial result of one batch, ``combine(a, b)`` adds two partials (associative:
batches, or Dask tasks, combine in any grouping), and ``finish(total,
corpus)`` makes the result once (shares, intervals, gaps, attrs, warnings).
:func:`run` drives it, locally or with one Dask task a month partition.

This is the only module that tells a frame from a store, and a store with a
search index (:mod:`ddj.store.fulltext`) from one without: :func:`lookup` asks
the index which articles a query can match, and :func:`batches` (``keys=``)
yields only those rows of a store; :func:`index_note` says what was used.

Examples
--------
>>> import ddj
>>> frame = ddj.corpus.conform([{"url": "u1", "page_type": "paywall"}])
>>> len(list(batches(frame))), problems(frame)["reason"].tolist()
(1, ['not an article: paywall'])
"""

from __future__ import annotations

import copy
import hashlib
import sys
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ddj import warns
from ddj.corpus import empty
from ddj.errors import ParameterError
from ddj.keysets import among, distinct, union
from ddj.problem_rows import (
    PROBLEMS_ATTR,
    frame,
    left_out,
    not_articles,
    problem,
    without_url_counts,
    without_url_problems,
)
from ddj.store import Part, Store, rowhashes, totals
from ddj.store.fulltext import Candidates, candidates, has_index
from ddj.store.held import held, stamps
from ddj.store.layout import id_keys
from ddj.store.narrowing import Narrowing
from ddj.utils import remembered

#: Where a row's position goes in a 64-bit key on Dask: the positions of two tasks stay apart.
TASK_SHIFT = 40

_PACKAGE = str(Path(__file__).resolve().parent)


# -- what a corpus is, read in batches ------------------------------------------------------


def in_memory(corpus: Any) -> bool:
    """Whether ``corpus`` is one frame in memory (one batch), not a store read in batches."""
    return not isinstance(corpus, Store)


def batches(
    corpus: Any, columns: Sequence[str] | None = None, keys: np.ndarray | None = None
) -> Iterator[pd.DataFrame]:
    """The corpus as DataFrames in order: a frame is one batch; a store yields ``columns`` of its rows.

    A frame is yielded whole (every column, its own index); a store's batches
    hold the ``columns`` asked (all when None), indexed by their position in
    the store. With ``keys`` (sorted id keys, from :func:`lookup`) only the
    rows whose id key is in ``keys`` are yielded, in the same order.
    """
    if in_memory(corpus):
        yield corpus if keys is None else corpus.loc[kept(corpus, keys)]
    else:
        yield from corpus.only(keys).batches(columns=columns)


def row_keys(batch: pd.DataFrame) -> np.ndarray:
    """The id key of each row of a batch (``ddj.store.layout.id_keys`` of its ``id``)."""
    return id_keys(batch["id"].to_numpy())


def kept(batch: pd.DataFrame, keys: np.ndarray) -> np.ndarray:
    """Which rows of a batch :func:`batches` yields with ``keys``: those keyed in it, and those with no id."""
    own = row_keys(batch)
    return among(own, keys) | (own == 0)


def lookup(corpus: Any, tree: Any, fields: Sequence[str]) -> Candidates | None:
    """What the search index of a store says ``tree`` can match; None: no index (a frame, or a store without one).

    ``ids`` None (with a ``note``) when the index cannot narrow the query:
    the caller scans.
    """
    if in_memory(corpus) or not has_index(corpus.path):
        return None
    return candidates(corpus, tree, fields)


def passing(
    corpus: Any, narrowing: Narrowing
) -> tuple[Iterator[tuple[np.ndarray, pd.DataFrame] | None], Any] | None:
    """Of a store's held rows (:mod:`ddj.store.held`), the id keys and texts of those that may pass ``narrowing``.

    What a coverage of a store without an index matches, so that its counts
    come from the held rows as an index's would (:func:`run_counted`): the
    stream (a batch of None ends it: most texts pass, a scan costs less), and
    the store of the other parts (None: every part is held), which the caller
    scans. None: a frame, a filtered store, or polars cannot run ``narrowing``.
    """
    if in_memory(corpus) or corpus.filtered or corpus.keys is not None:
        return None
    parts = held(corpus).parts
    stream = corpus.passing(parts, narrowing)
    if stream is None:
        return None
    mine = {part.path for part in parts}
    rest = tuple(part for part in corpus.parts if part.path not in mine)
    return stream, replace(corpus, parts=rest) if rest else None


def index_note(corpus: Any, found: Sequence[Candidates | None]) -> str | None:
    """One line saying how a store's index answered (None: it has none): used, partly, or not.

    Examples
    --------
    >>> index_note(empty(), [None]) is None
    True
    """
    asked = [f for f in found if f is not None]
    if not asked:
        return None
    parts = len(corpus.parts)
    notes = list(dict.fromkeys(f.note for f in asked if f.note))
    if any(f.ids is None for f in asked):
        return "Scanned, not answered from the index: " + " ".join(notes)
    line = f"Answered from the index of {parts:,} part(s)."
    return " ".join([line, *notes])


def narrowed(corpus: Any, narrowing: Narrowing | None) -> Any:
    """A store whose scan leaves unread the texts ``narrowing`` says cannot match; a frame as it is.

    (:meth:`ddj.store.Store.narrowed`: its batches hold every row, those texts empty.)
    """
    return corpus if in_memory(corpus) or narrowing is None else corpus.narrowed(narrowing)


def head(corpus: Any) -> pd.DataFrame:
    """No rows, the corpus's columns: what a check of its columns reads."""
    return corpus.iloc[:0] if in_memory(corpus) else empty()


def read(corpus: Any, columns: Sequence[str]) -> pd.DataFrame:
    """The ``columns`` of the whole corpus in memory (a frame: itself)."""
    return corpus if in_memory(corpus) else corpus.to_pandas(columns=list(columns))


def noted(corpus: Any) -> list[dict]:
    """The problems a corpus carries from its loading (a store: its appends' and its read's)."""
    if in_memory(corpus):
        return list(corpus.attrs.get(PROBLEMS_ATTR, []))
    return corpus.noted()


def refuse_batches(corpus: Any, why: str) -> None:
    """Raise ``why`` (a ParameterError's message) unless the corpus is one batch in memory."""
    if not in_memory(corpus):
        raise ParameterError(why)


# -- reductions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reduction:
    """An analysis over batches: ``tally`` each, ``combine`` the partials, ``finish`` once.

    Subclasses set ``columns`` (what a store reads; None: all) and may stop a
    scan early with ``done`` (``hits`` with a ``limit``).
    """

    @property
    def columns(self) -> list[str] | None:
        """The columns read from a store (None: every column)."""
        return None

    def tally(self, batch: pd.DataFrame, start: int) -> Any:
        """The partial result of one batch, whose first row is row ``start`` of the scan."""
        raise NotImplementedError

    def combine(self, a: Any, b: Any) -> Any:
        """Two partials added up (``a``'s rows come first)."""
        raise NotImplementedError

    def finish(self, total: Any, corpus: Any) -> Any:
        """The result, from the partial of every batch."""
        raise NotImplementedError

    def done(self, partial: Any) -> bool:
        """Whether the scan may stop here."""
        return False


def reduce(
    corpus: Any, reduction: Reduction, *, client: Any = None, keys: np.ndarray | None = None
) -> Any:
    """The combined partial of every batch of ``corpus`` (on a Dask cluster with ``client``).

    With ``keys`` (a store's, from :func:`lookup`), of its rows with those id keys only.
    """
    if client is not None:
        return _reduce_on(client, corpus if keys is None else corpus.only(keys), reduction)
    return _reduce(batches(corpus, reduction.columns, keys), reduction, base=0)


def run(corpus: Any, reduction: Reduction, *, client: Any = None) -> Any:
    """``reduction`` over ``corpus``: tallied batch by batch, combined, finished once."""
    return reduction.finish(reduce(corpus, reduction, client=client), corpus)


def run_counted(
    corpus: Any, reduction: Any, keys: np.ndarray, *, client: Any = None
) -> tuple[Any, str | None]:
    """``reduction`` over a store whose totals come from its kept totals, and a note saying so.

    The totals come from each part's kept counts (:mod:`ddj.store.totals`,
    made for a part that lacks them), and are read from the columns of the
    parts whose counts cannot answer (a part read with repeats left out, an
    older schema, a quarter-hour the clock or the window cuts). The articles
    of ``keys`` (a store's index's answer): here, those of parts counted from
    kept totals are counted into their groups by the id keys kept beside
    them, and only the rows that may be example headlines are read; on Dask,
    the matched rows are read on the workers. ``reduction`` has
    ``unplaced``, ``from_totals``, ``candidates``, ``tally_at``,
    ``with_examples``, ``totals_only`` and ``with_hits`` (``ddj.measure``'s
    coverage). A frame, or a store narrowed by ``filter``,
    runs as :func:`run` (note None).
    """
    if in_memory(corpus) or corpus.filtered or corpus.keys is not None:
        return run(corpus, reduction, client=client), None
    if client is None:
        return _counted_here(corpus, reduction, keys)
    found, joined, cut, runs = _kept_runs(
        corpus, reduction, corpus.parts, {p.path for p in corpus.whole_parts()}
    )
    number = {part.path: i for i, (part, _) in enumerate(found) if i not in cut}
    partial = None
    for kept, parts in runs:
        if kept:
            chosen = joined
            if len(number) < len(found) or len(parts) < len(number):
                wanted = [number[p.path] for p in parts]
                chosen = joined.loc[joined["part"].isin(wanted)]
            tallied = reduction.from_totals(chosen)
        else:
            only = replace(corpus, parts=tuple(parts))
            tallied = reduce(only, reduction.totals_only(), client=client)
        partial = tallied if partial is None else reduction.combine(partial, tallied)
    if partial is None:
        partial = _reduce(iter(()), reduction.totals_only(), base=0)
    hits = reduce(corpus, reduction, client=client, keys=keys)
    read = len(corpus.parts) - sum(len(parts) for kept, parts in runs if kept)
    return _noted(corpus, reduction, reduction.with_hits(partial, hits), read)


#: Parts whose kept totals :func:`run_counted` holds at once here (about 1,200 articles a part).
COUNTED_PARTS = 400


def _kept_runs(
    corpus: Any, reduction: Any, parts: Sequence[Part], whole: set[Path]
) -> tuple[list[tuple[Part, totals.Kept]], pd.DataFrame, set[int], list[tuple[bool, list[Part]]]]:
    """Of ``parts``: those with kept totals, and the totals joined, and the cut ones.

    The cut ones (by place in the first) have groups that a clock or the window
    cuts. The runs are consecutive parts counted the same way, in store order.
    """
    chosen = tuple(p for p in parts if p.path in whole)
    found = [(part, t) for part, t in totals.kept(corpus, chosen) if t is not None]
    joined = totals.frame([t for _, t in found])
    cut = set(np.unique(joined["part"].to_numpy()[reduction.unplaced(joined)]).tolist())
    number = {part.path for i, (part, _) in enumerate(found) if i not in cut}
    runs: list[tuple[bool, list[Part]]] = []
    for part in parts:  # in store order
        kept = part.path in number
        if runs and runs[-1][0] == kept:
            runs[-1][1].append(part)
        else:
            runs.append((kept, [part]))
    return found, joined, cut, runs


def _noted(corpus: Any, reduction: Any, partial: Any, read: int) -> tuple[Any, str]:
    result = reduction.finish(partial, corpus)
    note = f"Totals from the counts kept with {len(corpus.parts) - read:,} part(s)"
    note += f"; {read:,} part(s) read from their columns." if read else "."
    return result, note


def _counted_here(corpus: Any, reduction: Any, keys: np.ndarray) -> tuple[Any, str]:
    """:func:`run_counted` here: matched rows counted by the store's held rows, unread.

    The totals of the held parts (:mod:`ddj.store.held`) come from
    :func:`_held_totals`; the matched rows among them are found in the held
    rows and counted into their groups; only the rows that may be example
    headlines are read whole. Parts not held, or cut by the clock or the
    window, are read as a scan reads them.

    A row's place in the scan is its part's place in the store (high bits) and
    its own in the part (low bits): examples tied in time keep the scan's order.
    """
    found_stamps = stamps(corpus.parts)  # the parts as they are now, once
    rows = held(corpus, found_stamps)
    base = _held_totals(corpus, reduction, rows, found_stamps)
    place = {part.path: i for i, part in enumerate(corpus.parts)}
    found = rows.matched(keys, without=base.cut)
    at = np.array([place[part.path] for part in rows.parts], dtype=np.int64)
    pos = (at[found["part"].to_numpy()] << _PART_SHIFT) + found["row"].to_numpy()
    hits = pd.DataFrame(
        {"group": found.index.to_numpy(), "key": found["key"].to_numpy(), "pos": pos}
    )
    partial = reduction.with_hits(base.partial, reduction.from_totals(found, hits))
    for parts in base.read:  # every row of these parts read, as a scan reads them
        only = replace(corpus, parts=tuple(parts))
        tallied = _reduce(
            batches(only, reduction.columns), reduction, base=place[parts[0].path] << _PART_SHIFT
        )
        partial = reduction.combine(partial, tallied)
    examples = _examples_read(corpus, reduction, found, hits, rows.parts)
    if examples is not None:
        partial = reduction.with_examples(partial, examples)
    return _noted(corpus, reduction, partial, sum(len(p) for p in base.read))


def _examples_read(
    corpus: Any, reduction: Any, found: pd.DataFrame, hits: pd.DataFrame, parts: Sequence[Part]
) -> Any:
    """The tally of the matched rows that may be example headlines, read whole (None: none may)."""
    chosen = reduction.candidates(found, hits) if len(hits) else np.array([], dtype=np.int64)
    if not len(chosen):
        return None
    picked = hits.loc[among(hits["pos"].to_numpy(), chosen)].sort_values("pos")
    picked = picked.assign(
        part=found["part"].to_numpy()[picked.index], row=found["row"].to_numpy()[picked.index]
    )
    by_part = list(picked.groupby("part", sort=True))
    where = [(parts[int(i)], one["row"].to_numpy()) for i, one in by_part]
    columns = [c for c in reduction.columns if c not in reduction.totals_columns]
    read = corpus.rows_at(where, columns)
    return reduction.tally_at(read, np.concatenate([one["pos"].to_numpy() for _, one in by_part]))


@dataclass(frozen=True)
class _Base:
    """The totals of a store's held parts for one coverage's clock, window and rules.

    ``partial``: the totals (no articles) of the held parts not ``cut``
    (places in the held parts: a group the clock or the window cuts);
    ``read``: the runs of parts, in store order, read from their columns
    (not held, or cut).
    """

    partial: Any
    cut: tuple[int, ...]
    read: tuple[tuple[Part, ...], ...]


def _held_totals(corpus: Any, reduction: Any, rows: Any, found_stamps: tuple) -> _Base:
    """:class:`_Base` of ``corpus`` for ``reduction`` (made now from the parts' kept totals, or kept).

    Made a few parts' totals at a time (memory bounded by
    :data:`COUNTED_PARTS`); kept for the process for the same parts and the same
    ``reduction.totals_key`` (:data:`_BASES`): the next topic on the same
    clock reads no totals file.
    """
    key = (str(corpus.path), found_stamps, reduction.totals_key)
    base = remembered(_BASES, key, lambda: _base_now(corpus, reduction, rows), _BASES_HELD)
    return replace(base, partial=copy.deepcopy(base.partial))


#: The totals of held stores, by their parts and a coverage's clock, window and rules.
_BASES: dict[tuple, _Base] = {}
_BASES_HELD = 8


def _base_now(corpus: Any, reduction: Any, rows: Any) -> _Base:
    partial, cut = None, []
    for at in range(0, len(rows.parts), COUNTED_PARTS):
        chunk = rows.parts[at : at + COUNTED_PARTS]
        found = [t for _, t in totals.kept(corpus, chunk, rows=False)]
        if any(t is None for t in found):  # changed under us: these parts are read
            cut += [at + i for i, t in enumerate(found) if t is None]
            found = [t if t is not None else _no_groups() for t in found]
        joined = totals.frame(found)
        mine = set(distinct(joined["part"].to_numpy()[reduction.unplaced(joined)]).tolist())
        cut += [at + i for i in sorted(mine)]
        if mine:
            joined = joined.loc[~joined["part"].isin(mine)]
        tallied = reduction.from_totals(joined)
        partial = tallied if partial is None else reduction.combine(partial, tallied)
    if partial is None:
        partial = reduction.from_totals(totals.frame([]))
    counted = {part.path for part in rows.parts} - {rows.parts[i].path for i in cut}
    read = groupby(corpus.parts, key=lambda part: part.path in counted)  # runs, in store order
    return _Base(partial, tuple(sorted(set(cut))), tuple(tuple(r) for c, r in read if not c))


def _no_groups() -> totals.Kept:
    empty_ = np.zeros(0, dtype=np.int64)
    return totals.Kept(
        empty_, empty_, {k: np.zeros(0, np.int32) for k in totals.KEYS},
        {k: [] for k in totals.KEYS}, empty_, np.zeros(0, np.int32), np.zeros(0, np.uint64),
    )  # fmt: skip


#: A row's place in :func:`run_counted`'s scan: its part's place shifted by this, plus its own.
_PART_SHIFT = 32


def _reduce(frames: Iterator[pd.DataFrame], reduction: Reduction, *, base: int) -> Any:
    partial = None
    start = base
    for batch in frames:
        tallied = reduction.tally(batch, start)
        start += len(batch)
        partial = tallied if partial is None else reduction.combine(partial, tallied)
        if reduction.done(partial):
            break
    if partial is None:  # nothing to read: the tally of no rows
        partial = reduction.tally(_no_rows(reduction.columns), base)
    return partial


def _no_rows(columns: list[str] | None) -> pd.DataFrame:
    frame = empty()
    return frame if columns is None else frame[list(columns)]


def _reduce_on(client: Any, corpus: Any, reduction: Reduction) -> Any:
    """One Dask task a month partition of a store, run on the cluster's workers; partials combined here."""
    if in_memory(corpus):
        msg = (
            "client= counts a store's partitions on a Dask cluster; this corpus is a DataFrame "
            "in memory, counted here: save it with ddj.save(corpus, 'store/', append=True) and "
            "pass ddj.open('store/'), or leave client out"
        )
        raise ParameterError(msg)
    if not callable(getattr(client, "map", None)) or not callable(getattr(client, "gather", None)):
        msg = f"client={client!r}: give a dask.distributed.Client (Client('tcp://host:8786'))."
        raise ParameterError(msg)
    corpus.warn_unread(stacklevel=_outside())  # the store's survey is made once, here
    groups = _month_groups(corpus.parts)
    if not groups:
        return _reduce(iter(()), reduction, base=0)
    futures = client.map(
        _task,
        [replace(corpus, parts=parts) for parts in groups],
        range(len(groups)),
        reduction=reduction,
        pure=False,
    )
    partial = None
    for tallied in client.gather(futures):  # in the order of the partitions
        partial = tallied if partial is None else reduction.combine(partial, tallied)
    return partial


def _month_groups(parts: tuple[Part, ...]) -> list[tuple[Part, ...]]:
    groups: dict[str, list[Part]] = {}
    for part in parts:
        groups.setdefault(part.month, []).append(part)
    return [tuple(g) for g in groups.values()]


def _task(store: Store, group: int, *, reduction: Reduction) -> Any:
    """A worker's task: the partial of one month partition (positions kept apart by ``group``)."""
    return _reduce(store.batches(columns=reduction.columns), reduction, base=group << TASK_SHIFT)


# -- what every reduction shares -------------------------------------------------------------


def warn(warning: Warning) -> None:
    """Issue ``warning`` at the caller's line: the first frame outside the ddj package."""
    warnings.warn(warning, stacklevel=_outside())


def _outside() -> int:
    """The ``stacklevel`` of the first frame outside ddj, seen from the function that warns."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


def in_window(
    times: pd.Series, first: pd.Timestamp | None, last: pd.Timestamp | None
) -> np.ndarray:
    """Which ``times`` fall on the days ``first`` to ``last`` (inclusive; None: open)."""
    keep = times.notna().to_numpy().copy()
    if first is not None:
        keep &= (times >= first).to_numpy()
    if last is not None:
        keep &= (times < last + pd.Timedelta(days=1)).to_numpy()
    return keep


def nothing_dated(start: Any, end: Any) -> ParameterError:
    """The error for a count with no dated article in its window (``start``/``end`` as given)."""
    bounds = f" {start} to {end}" if start is not None or end is not None else ""
    msg = (
        f"No dated articles fall inside the window{bounds}: widen start/end, or check the "
        "corpus's dates (corpus['published'].describe())."
    )
    return ParameterError(msg)


@dataclass
class Skipped:
    """Rows left out by page type or date confidence, summed over batches (one warning for all)."""

    rows: int = 0
    kinds: dict[str, int] = field(default_factory=dict)  # page types left out, first seen first
    unsure: int = 0
    report: list[dict] = field(default_factory=list)

    @classmethod
    def of(
        cls, frame: pd.DataFrame, pages: Any, min_confidence: str | None
    ) -> tuple[Skipped, np.ndarray]:
        """What ``ddj.problem_rows.left_out`` leaves out of one batch, and its mask."""
        out = left_out(frame, pages=pages, min_confidence=min_confidence)
        return cls(len(frame), dict(out.types), out.unsure, list(out.report)), out.mask

    def add(self, other: Skipped) -> Skipped:
        """The rows left out of both."""
        kinds = dict(self.kinds)
        for kind, n in other.kinds.items():
            kinds[kind] = kinds.get(kind, 0) + n
        return Skipped(
            self.rows + other.rows, kinds, self.unsure + other.unsure, self.report + other.report
        )

    def warn(self, min_confidence: str | None) -> None:
        """The one DroppedRowsWarning for every row left out, in ``ddj.problem_rows.left_out``'s words."""
        if not self.report and not self.kinds and not self.unsure:
            return
        warn(warns.left_out(self.report, self.kinds, self.unsure, self.rows, min_confidence))


@dataclass(frozen=True)
class LeftOut(Reduction):
    """The rows of other page types (``pages``) in a corpus, from the columns that tell."""

    pages: tuple[str, ...] | None

    @property
    def columns(self) -> list[str]:
        """The columns that tell a page's type and where it came from."""
        return ["page_type", "source", "url"]

    def tally(self, batch: pd.DataFrame, start: int) -> Skipped:
        """The rows of other page types in one batch."""
        return Skipped.of(batch, self.pages, None)[0]

    def combine(self, a: Skipped, b: Skipped) -> Skipped:
        """The rows left out of both."""
        return a.add(b)

    def finish(self, total: Skipped, corpus: Any) -> Skipped:
        """The rows left out (its :meth:`Skipped.warn` says so)."""
        return total


@dataclass(frozen=True)
class _OtherKeys(Reduction):
    """Rows counted, and the id keys of the rows of other page types (two columns read)."""

    pages: tuple[str, ...]

    @property
    def columns(self) -> list[str]:
        """The page type, and the id that finds the row again."""
        return ["page_type", "id"]

    def tally(self, batch: pd.DataFrame, start: int) -> tuple[int, list[np.ndarray]]:
        """The rows of one batch, and the keys of its rows of other types."""
        other = ~batch["page_type"].fillna("article").isin(self.pages).to_numpy()
        return len(batch), [row_keys(batch.loc[other])] if other.any() else []

    def combine(self, a: tuple, b: tuple) -> tuple[int, list[np.ndarray]]:
        """Both counts added, both key lists."""
        return a[0] + b[0], a[1] + b[1]


def left_out_rows(corpus: Any, pages: tuple[str, ...] | None) -> Skipped:
    """The rows of other page types in the whole corpus (:class:`LeftOut`'s answer).

    Of a store, read in two steps: page types and ids, then where they came
    from of the rows left out only (most rows are articles: their URLs and
    sources are not read).
    """
    if in_memory(corpus) or pages is None:
        return reduce(corpus, LeftOut(pages))
    counted, rest = Skipped(), corpus.parts
    if not corpus.filtered and corpus.keys is None:
        counted, rest = _left_out_counted(corpus, pages)
    if not rest:
        return counted
    some = replace(corpus, parts=tuple(rest)) if len(rest) < len(corpus.parts) else corpus
    rows, keys = reduce(some, _OtherKeys(pages))
    if not keys:
        return counted.add(Skipped(rows=rows))
    found = reduce(some, LeftOut(pages), keys=union(keys))
    return counted.add(replace(found, rows=rows))


def _left_out_counted(store: Any, pages: tuple[str, ...]) -> tuple[Skipped, list[Part]]:
    """The rows of other page types counted from the parts' kept totals, and the parts to read.

    A part read whole with its totals kept (made now if missing) is counted from
    them, unread; its rows left out are named in the report by the store's
    totals (``ddj.problems(store)`` lists each), as coverage's are. The others
    (repeats left out, an older schema, totals that cannot be made) are read.
    The answer is kept for the process, for the same parts of the same sizes
    and times (:data:`_COUNTED`): a question asked again reads no file.
    """
    key = (str(store.path), pages, stamps(store.parts))
    counted, rest = remembered(_COUNTED, key, lambda: _counted_now(store, pages), _COUNTED_HELD)
    return counted, list(rest)


#: The rows left out of stores, by their parts' names, sizes and times (the last few stores asked).
_COUNTED: dict[tuple, tuple[Skipped, list[Part]]] = {}
_COUNTED_HELD = 8


def _counted_now(store: Any, pages: tuple[str, ...]) -> tuple[Skipped, list[Part]]:
    whole = store.whole_parts()
    held = {p.path for p in whole}
    rest = [p for p in store.parts if p.path not in held]
    rows, kinds = 0, {}
    for part, kept in totals.kept(store, whole, rows=False):
        if kept is None:
            rest.append(part)
            continue
        names = [*kept.values["page_type"], None]  # code -1: missing
        per = np.bincount(kept.codes["page_type"], weights=kept.rows, minlength=len(names))
        rows += int(kept.rows.sum())
        for name, n in zip(names, per.tolist(), strict=True):
            kind = "article" if name is None else name
            if n and kind not in pages:
                kinds[kind] = kinds.get(kind, 0) + int(n)
    other = sum(kinds.values())
    order = {p.path: i for i, p in enumerate(store.parts)}
    rest.sort(key=lambda p: order[p.path])
    return Skipped(rows, kinds, 0, totals_report(other, 0)), rest


def totals_report(other: int, unsure: int) -> list[dict]:
    """The report row of the rows kept totals leave out (they are not read: ddj.problems lists them).

    Examples
    --------
    >>> totals_report(0, 0)
    []
    >>> totals_report(3, 0)[0]["kind"]
    'not-an-article'
    """
    if not other and not unsure:
        return []
    kind = "not-an-article" if other else "unsure-date"
    reason = (
        f"{other + unsure:,} row(s) left out, counted from the store's kept totals: "
        "ddj.problems(store) lists the pages of other types"
    )
    return [problem(kind, "the store's totals", reason)]


# -- problems --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problems(Reduction):
    """``ddj.problems``: the rows of other page types and the files of rows with no URL."""

    @property
    def columns(self) -> list[str]:
        """The columns that tell a page's type and where it came from (a store's text is not read)."""
        return ["page_type", "source", "url", "id"]

    def tally(self, batch: pd.DataFrame, start: int) -> tuple[list[dict], pd.Series]:
        """One batch's non-articles, and its rows with no URL counted per file."""
        return not_articles(batch), without_url_counts(batch)

    def combine(self, a: tuple, b: tuple) -> tuple[list[dict], pd.Series]:
        """Both batches' non-articles in order, their rows with no URL added up per file."""
        files = [f for f in (a[1], b[1]) if len(f)]
        if len(files) > 1:  # counts per file, first seen first
            files = [pd.concat(files).groupby(level=0, sort=False).sum()]
        return a[0] + b[0], files[0] if files else a[1]

    def finish(self, total: tuple, corpus: Any) -> pd.DataFrame:
        """What loading noted, then the non-articles, then the files of rows with no URL."""
        return frame(noted(corpus) + total[0] + without_url_problems(total[1]))


def problems(corpus: Any) -> pd.DataFrame:
    """The items a loader skipped, dropped or could not date, and the pages that are not articles.

    A row whose ``page_type`` is not ``article`` is listed as ``"not an
    article: paywall"`` (and so on), sourced by its ``source`` (else its URL).
    Of a store (``ddj.open``): what its appends skipped, then what a read
    leaves out (damaged parts, repeated articles), then its non-articles in
    store order (three columns read).

    Examples
    --------
    >>> import ddj
    >>> ddj.problems(ddj.corpus.empty()).columns.tolist()
    ['source', 'reason', 'kind', 'id', 'url']
    """
    return run(corpus, Problems())


@dataclass(frozen=True)
class Span:
    """What a corpus holds at a glance: rows, distinct outlets (None: no column), first and last date.

    Dates in UTC; from a store's kept totals, to the quarter-hour (their day is exact).
    """

    rows: int
    outlets: int | None
    first: pd.Timestamp | None
    last: pd.Timestamp | None


def span(corpus: Any) -> Span:
    """A corpus's :class:`Span`; of a store, from its parts' kept totals (their rows are not read).

    A part read whole with its totals kept gives its rows, outlets and
    quarter-hours of publication (the day of a quarter-hour, UTC, is its
    rows' day); the others (repeats left out, an older schema, a filtered
    store) are read, two columns.

    Examples
    --------
    >>> frame = pd.DataFrame({"outlet": ["A", None], "published": pd.to_datetime(["2024-01-02", None], utc=True)})
    >>> span(frame)
    Span(rows=2, outlets=1, first=Timestamp('2024-01-02 00:00:00+0000', tz='UTC'), last=Timestamp('2024-01-02 00:00:00+0000', tz='UTC'))
    """
    rows, names, lo, hi, rest = 0, set(), None, None, corpus
    if not in_memory(corpus) and not corpus.filtered and corpus.keys is None:
        counted: set[Path] = set()
        for part, kept in totals.kept(corpus, corpus.whole_parts(), rows=False):
            if kept is None:
                continue
            counted.add(part.path)
            rows += int(kept.rows.sum())
            names.update(kept.values["outlet"])
            dated = kept.utc[kept.utc != totals.NO_DATE]
            if len(dated):
                lo = dated.min() if lo is None else min(lo, dated.min())
                hi = dated.max() if hi is None else max(hi, dated.max())
        lo, hi = (
            None if q is None else pd.Timestamp(int(q) * totals.QUARTER, unit="us", tz="UTC")
            for q in (lo, hi)
        )
        rest = replace(corpus, parts=tuple(p for p in corpus.parts if p.path not in counted))
    read = in_memory(rest) or len(rest.parts) > 0
    for batch in (
        batches(rest, [c for c in ("outlet", "published") if c in corpus.columns]) if read else ()
    ):
        rows += len(batch)
        if "outlet" in batch:
            names.update(batch["outlet"].dropna().tolist())
        if "published" in batch:
            dated = pd.to_datetime(batch["published"], utc=True, errors="coerce").dropna()
            if len(dated):
                lo = dated.min() if lo is None else min(lo, dated.min())
                hi = dated.max() if hi is None else max(hi, dated.max())
    return Span(rows, len(names) if "outlet" in corpus.columns else None, lo, hi)


def fingerprint(corpus: Any, columns: list[str]) -> tuple[int, str]:
    """Rows and the SHA-256 (hex) of ``hash_pandas_object`` of ``columns``, batch by batch.

    The digest is the same for a store and for its rows in memory. A store's
    parts keep their rows' hashes (:mod:`ddj.store.rowhashes`): asked again, it
    reads no row of a part that has not changed.
    """
    digest = hashlib.sha256()
    n = 0
    for hashes in _row_hashes(corpus, columns):
        digest.update(hashes.tobytes())
        n += len(hashes)
    return n, digest.hexdigest()


def _row_hashes(corpus: Any, columns: list[str]) -> Iterator[np.ndarray]:
    """Each row's hash of ``columns``, in order, some rows at a time.

    A store's parts read whole give their kept hashes (:mod:`ddj.store.rowhashes`,
    made the first time); its other parts (repeats left out, an older schema),
    a filtered store and a frame are hashed as they are read.
    """
    if in_memory(corpus) or corpus.filtered or corpus.keys is not None:
        for batch in batches(corpus, columns):
            yield rowhashes.hashed(batch, columns)
        return
    whole = {p.path for p in corpus.whole_parts()}
    for part in corpus.parts:
        if part.path in whole:
            yield rowhashes.of(corpus, part, columns)
            continue
        for batch in batches(replace(corpus, parts=(part,)), columns):
            yield rowhashes.hashed(batch, columns)


#: The columns whose content tells two corpora apart (:func:`corpus_fingerprint`).
FINGERPRINT_COLUMNS = ("id", "published", "title", "outlet")


def corpus_fingerprint(corpus: Any) -> dict[str, Any]:
    """Rows and a content hash (16 hex digits of :func:`fingerprint`) of a corpus's id, date, title and outlet.

    What an executed notebook's header and a chart's method note print, so two
    runs' inputs can be told apart.
    """
    columns = [c for c in FINGERPRINT_COLUMNS if c in corpus.columns]
    rows, digest = fingerprint(corpus, columns)
    return {"rows": int(rows), "sha256": digest[:16]}
