"""The lazy :class:`Store`: the committed Parquet parts of a store folder, read in batches."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ddj import params, warns
from ddj.constants import PROBLEMS_ATTR
from ddj.corpus import COLUMNS, DEMO_ATTR, SCHEMA, conform, empty
from ddj.errors import InputError, ParameterError
from ddj.keysets import among
from ddj.store.layout import PARTITION, UNDATED, Part, id_keys, listing, read_ids, read_record
from ddj.store.narrowing import ROW, Narrowing, usable
from ddj.store.narrowing import stream as stream_narrowed
from ddj.store.survey import Survey, arrow_schema, keep_mask, open_part, part_keys, survey
from ddj.store.writing import ROW_GROUP, is_store

#: A narrowed read (Store.narrowed) goes on after this many rows only while no more than this
#: share of them had texts that may match; past it, the parts left are read as without it.
NARROWED_TRIAL = 20_000
NARROWED_SHARE = 0.5

#: Threads reading parts for :meth:`Store.rows_at` (opening a part and reading its columns lets
#: go of the GIL: 4 read 1,537 parts in 0.89 s where 2 took 1.1 s, 8 1.1 s, on 2 cores).
READERS = 4

#: Rows a batch holds by default: what one step of a streamed call has in memory.
BATCH_SIZE = 32_768


# -- the lazy corpus -------------------------------------------------------------------------


@dataclass(frozen=True)
class Store:
    """A corpus on disk (from :func:`open`): counted, filtered and scanned without loading it.

    The parts are those found when the store was opened; reopen it to see
    rows appended since. ``filter`` returns a narrower store; nothing is read
    until a method needs it.

    Examples
    --------
    >>> store = ddj.open(ddj.save(corpus, "store2", append=True))
    >>> oct19 = store.filter(start="2019-10-01", end="2019-10-31")
    >>> oct19.months, len(oct19) == len(oct19.to_pandas())
    (['2019-10'], True)
    """

    path: Path
    parts: tuple[Part, ...]
    start: pd.Timestamp | None = None  # first instant kept (UTC), or None
    stop: pd.Timestamp | None = None  # first instant no longer kept (UTC), or None
    outlet_names: tuple[str, ...] | None = None
    languages: tuple[str, ...] | None = None
    records: tuple[Path, ...] = field(default=(), repr=False)
    batch_size: int = BATCH_SIZE  # rows a streamed call holds at a time
    #: What :func:`open` found (``parts``, ``unread``) and, once read, the :class:`Survey` of the
    #: whole store: shared by the narrower stores ``filter`` returns.
    found: dict[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)
    #: Sorted id keys (``ddj.store.layout.id_keys``) of the only rows kept, or None: all (see :meth:`only`).
    keys: np.ndarray | None = field(default=None, repr=False, compare=False, hash=False)
    #: Texts left unread where they cannot match (see :meth:`narrowed`), or None: all read.
    narrow: Narrowing | None = field(default=None, repr=False, compare=False, hash=False)

    # - what the store holds -

    @property
    def columns(self) -> list[str]:
        """The corpus columns (:data:`ddj.corpus.COLUMNS`)."""
        return list(COLUMNS)

    @property
    def months(self) -> list[str]:
        """The month partitions in the store (``YYYY-MM``, ``undated`` last)."""
        return list(dict.fromkeys(p.month for p in self.parts))

    @property
    def filtered(self) -> bool:
        """Whether rows are chosen by date, outlet or language (beyond whole months)."""
        return any(
            v is not None for v in (self.start, self.stop, self.outlet_names, self.languages)
        )

    @property
    def attrs(self) -> dict[str, Any]:
        """``{ddj.corpus.DEMO_ATTR: label}`` when any append held synthetic demo data."""
        for record in self._records():
            if record.get("demo"):
                return {DEMO_ATTR: record["demo"]}
        return {}

    def __len__(self) -> int:
        if not self.filtered:
            checked = self._survey()
            return sum(
                checked.rows[p.path] - len(checked.drop.get(p.path, ())) for p in self._readable()
            )
        return sum(len(t) for t in self._tables(["published"]))

    def __repr__(self) -> str:
        span = f"{self.months[0]}..{self.months[-1]}" if self.parts else "empty"
        return f"<ddj Store {str(self.path)!r}: {len(self.parts)} part(s), {span}>"

    @property
    def dates(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """First and last publication time (UTC), from the files' statistics when unfiltered."""
        if not self.filtered and not self._survey().drop:
            stats = [_date_stats(p.path) for p in self._readable()]
            lows = [lo for lo, _ in stats if lo is not None]
            highs = [hi for _, hi in stats if hi is not None]
            return (min(lows) if lows else None, max(highs) if highs else None)
        import pyarrow.compute as pc

        lows, highs = [], []
        for table in self._tables(["published"]):  # one column, a batch at a time
            least, most = pc.min_max(table["published"]).values()
            if least.is_valid:
                lows.append(pd.Timestamp(least.as_py()))
                highs.append(pd.Timestamp(most.as_py()))
        return (min(lows), max(highs)) if lows else (None, None)

    @property
    def outlets(self) -> list[str]:
        """The outlets, sorted (read from the ``outlet`` column alone)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        seen: set[str] = set()
        for table in self._tables(["outlet"]):
            seen.update(pc.unique(table["outlet"].cast(pa.large_string())).drop_null().to_pylist())
        return sorted(seen)

    # - narrowing -

    def filter(
        self,
        *,
        start: Any = None,
        end: Any = None,
        outlets: Any = None,
        language: Any = None,
    ) -> Store:
        """The articles published from ``start`` to ``end`` (days, inclusive, UTC), by outlet, language.

        Parameters
        ----------
        start, end
            First and last day (``"YYYY-MM-DD"``); a bound leaves undated rows out.
            Only the month partitions that overlap are read.
        outlets
            An outlet name or a list of them (exact names, as in ``store.outlets``).
        language
            A language code (``"en"``) or a list of them.

        Returns
        -------
        Store
            Narrower still when this store was already filtered.
        """
        first, last = params.window(start, end)
        chosen = _names(outlets, "outlets")
        langs = _names(language, "language")
        lo = None if first is None else first.tz_localize("UTC")
        hi = None if last is None else (last + pd.Timedelta(days=1)).tz_localize("UTC")
        lo = _later(self.start, lo)
        hi = _earlier(self.stop, hi)
        parts = tuple(p for p in self.parts if _month_overlaps(p.month, lo, hi))
        return replace(
            self,
            parts=parts,
            start=lo,
            stop=hi,
            outlet_names=_narrowed(self.outlet_names, chosen),
            languages=_narrowed(self.languages, langs),
        )

    def only(self, keys: np.ndarray | None) -> Store:
        """The same store, keeping only the rows whose id key is in ``keys`` (sorted; None: every row).

        Rows without an id (key 0) are kept too: nothing is known of them. A
        part whose id list holds none of ``keys`` is not read.
        """
        return replace(self, keys=None if keys is None else np.asarray(keys, dtype=np.uint64))

    def narrowed(self, narrowing: Narrowing | None) -> Store:
        """The same store, whose batches leave the texts no test of ``narrowing`` can find empty (None).

        Every row is still yielded, its other columns as always; a text that
        may match (:mod:`ddj.store.narrowing`: a superset) is read as it is.
        The parts are read with polars, which decodes and tests the texts on
        both cores; without polars, or when ``narrowing`` cannot leave a
        row out, every text is read.
        """
        return replace(self, narrow=narrowing)

    # - reading -

    def __contains__(self, column: object) -> bool:
        return column in COLUMNS

    def __getitem__(self, column: str) -> pd.Series:
        """One column of the whole store, in memory (the others are not read)."""
        if column not in COLUMNS:
            msg = f"The store has no column {column!r}; it has {COLUMNS}."
            raise KeyError(msg)
        frame = self.to_pandas(columns=[column])
        return frame[column]

    def to_pandas(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The store (or the ``columns`` asked) as one corpus frame in memory.

        Its ``attrs`` carry what the appends skipped (``ddj.problems``) and the
        demo label. For millions of articles prefer the streamed calls or
        :meth:`batches`.
        """
        frames = list(self.batches(columns=columns))
        if frames:
            frame = pd.concat(frames) if len(frames) > 1 else frames[0]
        else:
            frame = empty()[_columns(columns)]
        frame = frame.reset_index(drop=True)
        frame.attrs = self._attrs_in_full()
        return frame

    def batches(
        self, *, columns: Sequence[str] | None = None, batch_size: int | None = None
    ) -> Iterator[pd.DataFrame]:
        """The store in order, ``batch_size`` rows at a time (default: the store's), corpus schema.

        Each batch's index continues the one before (``pd.concat`` of all the
        batches is ``to_pandas()``); batches carry no ``attrs``.
        """
        for _, frame in self._frames(columns, batch_size or self.batch_size):
            yield frame

    def rows_at(
        self, where: Sequence[tuple[Part, np.ndarray]], columns: Sequence[str]
    ) -> pd.DataFrame:
        """The rows at ``where`` (a part read whole, and rows of it by position), ``columns`` only.

        Parts of today's schema are read by one polars query (every part's
        columns decoded on every core, the rows kept by position: 1,537 parts
        in 0.34-0.56 s where pyarrow took 0.9-1.1 s); others, or where polars
        fails (a damaged part, named then), in :data:`READERS` threads. The rows
        come in the order given; the index counts the rows returned. For the
        few rows an analysis needs whole (a coverage's example headlines) when
        its counts came from elsewhere.
        """
        import pyarrow as pa

        wanted = _columns(columns)
        if not where:
            return empty()[wanted]
        exact = self._survey().exact
        if all(exact.get(part.path) for part, _ in where):
            sizes = [self.rows_of(part) for part, _ in where]
            table = _taken_together(where, sizes, wanted)
            if table is not None:
                return _frame(table, wanted, 0)
        with ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="ddj-read") as pool:
            tables = list(pool.map(lambda one: _taken(*one, wanted), where))  # GIL let go
        return _frame(pa.concat_tables(tables), wanted, 0)

    def passing(
        self, parts: Sequence[Part], narrowing: Narrowing
    ) -> Iterator[tuple[np.ndarray, pd.DataFrame] | None] | None:
        """Of whole ``parts``, the rows whose texts may pass ``narrowing``: id keys and texts, a batch at a time.

        One polars query streams the parts' ``narrowing.fields`` and tests them
        (:func:`ddj.store.narrowing.stream`); each row that may pass is known
        by its part's id list, so no other column is read. Each batch is the
        rows' id keys and a frame of their fields. None when polars cannot run
        ``narrowing``. A batch of None ends the stream early: more than
        :data:`NARROWED_SHARE` of the rows read (:data:`NARROWED_TRIAL` or
        more) passed, and reading every text costs less.
        """
        if not usable(narrowing) or not parts:
            return None
        return self._passing(parts, narrowing)

    def _passing(
        self, parts: Sequence[Part], narrowing: Narrowing
    ) -> Iterator[tuple[np.ndarray, pd.DataFrame] | None]:
        import pyarrow as pa

        rows = self._survey().rows
        sizes = np.array([rows[p.path] for p in parts], dtype=np.int64)
        ends = np.cumsum(sizes)
        starts = ends - sizes
        fields = list(narrowing.fields)

        def batch(pending: list[tuple[np.ndarray, Any]]) -> tuple[np.ndarray, pd.DataFrame]:
            keys = _keyed(pending, parts, starts, ends)
            return keys, _frame(pa.concat_tables([t for _, t in pending]), fields, 0)

        pending: list[tuple[np.ndarray, Any]] = []
        passed = 0
        found = stream_narrowed([p.path for p in parts], narrowing)
        try:
            for at, table in found:
                pending.append((at, table))
                passed += len(at)
                seen = int(at[-1]) + 1 if len(at) else 0
                if seen >= NARROWED_TRIAL and passed > seen * NARROWED_SHARE:
                    yield None
                    return
                if sum(len(a) for a, _ in pending) >= self.batch_size:
                    yield batch(pending)
                    pending = []
            if pending:
                yield batch(pending)
        finally:
            found.close()

    def unread(self) -> list[dict]:
        """What a read of the store leaves out, and why: damaged parts, repeated articles.

        Each a ``{"source", "reason"}`` row, as ``ddj.problems(store)`` lists them.
        """
        return list(self._survey().problems)

    def noted(self) -> list[dict]:
        """What the appends skipped (their records, in the order written), then :meth:`unread`."""
        return [
            p for record in self._records() for p in record.get("problems") or []
        ] + self.unread()

    # - internals -

    def _frames(
        self, columns: Sequence[str] | None, batch_size: int, base: int = 0
    ) -> Iterator[tuple[int, pd.DataFrame]]:
        """``(position of the first row, frame)``: batches of ``batch_size`` rows (the last: fewer)."""
        import pyarrow as pa

        size = params.whole(batch_size, "batch_size", lo=1, hi=10_000_000, example=BATCH_SIZE)
        wanted = _columns(columns)
        self.warn_unread(stacklevel=4)
        pending: list[Any] = []
        held = 0
        offset = base
        for table in read_ahead(self._tables(wanted, size)):
            if self.keys is not None:  # a few rows a part (only): each yielded as it comes
                yield offset, _frame(table, wanted, offset)
                offset += len(table)
                continue
            pending.append(table)
            held += len(table)
            while held >= size:
                joined = pa.concat_tables(pending)
                yield offset, _frame(joined.slice(0, size), wanted, offset)
                offset += size
                held -= size
                pending = [joined.slice(size)] if held else []
        if held:
            yield offset, _frame(pa.concat_tables(pending), wanted, offset)

    def _tables(self, columns: Sequence[str], batch_size: int = BATCH_SIZE) -> Iterator[Any]:
        """Arrow tables of the rows kept, the ``columns`` asked, in store order."""
        import pyarrow as pa

        need = list(dict.fromkeys([*columns, *self._filter_columns()]))
        checked = self._survey()
        narrow = self.narrow if set(getattr(self.narrow, "fields", ())) <= set(need) else None
        for part, start, table in self._pieces(
            need, batch_size, narrow if usable(narrow) else None
        ):
            exact = checked.exact[part.path]  # else: another type, or a column missing
            drop = checked.drop.get(part.path)
            keep = keep_mask(drop, start, len(table))  # repeats of articles read before
            if keep is not None:
                table = table.filter(pa.array(keep))
            if not exact:
                table = _conformed(table)
            mask = self._mask(table)
            if mask is not None:
                table = table.filter(mask)
            if len(table):
                yield table.select(list(columns))

    def _pieces(
        self, need: list[str], batch_size: int, narrow: Narrowing | None
    ) -> Iterator[tuple[Part, int, Any]]:
        """``(part, first row, Arrow table)`` of each piece of each part read, in order.

        Each part is read in Arrow batches of ``batch_size`` rows. With
        ``narrow``, each run of parts of today's schema is read narrowed
        instead (:mod:`ddj.store.narrowing`: one polars query streams the
        texts that may pass while pyarrow reads the other columns a row group
        at a time); a part of another schema, or with a row group larger than
        ``batch_size`` rows (or ``ROW_GROUP``), is still read in batches, and
        so is every part left once most texts read narrowed pass.
        """
        checked = self._survey()
        parts = (p for p in self._readable() if self._may_hold(p))
        if narrow is None:
            for part in parts:
                yield from _part_pieces(
                    part, batch_size, need if checked.exact[part.path] else None
                )
            return

        limit = max(batch_size, ROW_GROUP)
        seen = {"rows": 0, "passed": 0}  # rows read narrowed, and those whose texts were read

        def pays() -> bool:  # most texts pass: reading them twice costs more than it saves
            return seen["rows"] < NARROWED_TRIAL or seen["passed"] <= seen["rows"] * NARROWED_SHARE

        for run in _runs(parts, checked.exact, limit):
            if isinstance(run, Part):
                yield from _part_pieces(run, batch_size, need if checked.exact[run.path] else None)
            elif not pays():
                for part, _ in run:
                    yield from _part_pieces(part, batch_size, need)
            else:
                yield from _streamed(run, need, narrow, batch_size, seen, pays)

    def _survey(self) -> Survey:
        """The check of the whole store's parts (footers, schemas, ids), made once and shared."""
        if "survey" not in self.found:
            parts = self.found.get("parts", self.parts)
            self.found["survey"] = survey(parts, self.found.get("unread", ()))
        return self.found["survey"]

    def rows_of(self, part: Part) -> int:
        """The rows of ``part`` as written (its footer, from the store's survey)."""
        return self._survey().rows[part.path]

    def whole_parts(self) -> tuple[Part, ...]:
        """The parts read whole, as written: readable, today's schema, no row left out as a repeat.

        What :mod:`ddj.store.totals` may count from its kept totals (the others
        are read from their columns).
        """
        checked = self._survey()
        return tuple(
            p for p in self._readable() if checked.exact[p.path] and p.path not in checked.drop
        )

    def _readable(self) -> list[Part]:
        """The parts of this store that can be read as the corpus."""
        rows = self._survey().rows
        return [p for p in self.parts if p.path in rows]

    def warn_unread(self, stacklevel: int = 2) -> None:
        """The one DroppedRowsWarning that counts what a read leaves out (repeats, damaged parts)."""
        checked = self._survey()
        if checked.message() is not None:
            report = list(checked.problems)
            warning = warns.store_unread(report, checked.repeats, checked.unread_parts)
            warnings.warn(warning, stacklevel=stacklevel + 1)

    def _filter_columns(self) -> list[str]:
        cols = []
        if self.start is not None or self.stop is not None:
            cols.append("published")
        if self.outlet_names is not None:
            cols.append("outlet")
        if self.languages is not None:
            cols.append("language")
        if self.keys is not None:
            cols.append("id")
        return cols

    def _may_hold(self, part: Part) -> bool:
        """Whether ``part`` may hold a row :meth:`only` keeps (by its id list, when it has one)."""
        if self.keys is None or part.ids is None or part.rows is None:
            return True
        ids = read_ids(part.ids, part.rows)
        return ids is None or bool(among(ids, self.keys).any() or (ids == 0).any())

    def _mask(self, table: Any) -> Any:
        import pyarrow as pa
        import pyarrow.compute as pc

        tests = []
        if self.start is not None:
            tests.append(pc.greater_equal(table["published"], pa.scalar(self.start)))
        if self.stop is not None:
            tests.append(pc.less(table["published"], pa.scalar(self.stop)))
        for column, values in (("outlet", self.outlet_names), ("language", self.languages)):
            if values is not None:
                tests.append(pc.is_in(table[column], pa.array(values, pa.large_string())))
        if self.keys is not None:
            keys = id_keys(table["id"].to_pylist())
            tests.append(pa.array(among(keys, self.keys) | (keys == 0)))
        if not tests:
            return None
        mask = tests[0]
        for test in tests[1:]:
            mask = pc.and_(mask, test)
        return pc.fill_null(mask, False)

    def _records(self) -> Iterator[dict]:
        """Each append's record (problems, demo label), in the order they were written."""
        for path in self.records:
            try:
                yield read_record(path)
            except InputError as exc:  # changed since ddj.open, or not JSON: a problem, not the end
                yield {"problems": [{"source": str(path), "reason": str(exc)}]}

    def _attrs_in_full(self) -> dict[str, Any]:
        problems: list[dict] = []
        demo = None
        for record in self._records():
            problems.extend(record.get("problems") or [])
            demo = demo or record.get("demo")
        problems.extend(self._survey().problems)
        attrs: dict[str, Any] = {}
        if problems:
            attrs[PROBLEMS_ATTR] = problems
        if demo:
            attrs[DEMO_ATTR] = demo
        return attrs


def open(path: str | os.PathLike, *, batch_size: int = BATCH_SIZE) -> Store:  # noqa: A001
    """Open a corpus store (a folder written by ``ddj.save(..., append=True)``) without reading it.

    Parameters
    ----------
    path
        The store's folder.
    batch_size
        Rows the streamed calls (``ddj.match(store, ...)``...) hold at a time:
        what sets their peak memory (about 10 KB a row of 2 KB text, matching included).

    Returns
    -------
    Store
        Length, dates, outlets and filters from the files' metadata and single
        columns; ``to_pandas()`` and ``batches()`` to read rows. ``ddj.match``,
        ``ddj.hits``, ``ddj.coverage``, ``ddj.problems``, ``ddj.by_month`` and
        ``ddj.date_signals`` take it in place of a frame.

    Raises
    ------
    InputError
        The folder does not exist or holds no store.

    Examples
    --------
    >>> store = ddj.open(ddj.save(corpus, "store3", append=True))
    >>> len(store), store.dates[0].year, store.outlets[:1]
    (306, 2019, ['Channel Daily'])
    """
    folder = Path(path).expanduser()
    if not folder.is_dir():
        msg = f"{folder}: no such folder. ddj.open takes a store folder written by ddj.save(corpus, folder, append=True)."
        raise InputError(msg)
    found = listing(folder)
    parts = found.parts
    if not parts and not is_store(folder):
        msg = (
            f"{folder}: not a corpus store (no {PARTITION}=YYYY-MM folders of Parquet parts). "
            "Write one with ddj.save(corpus, folder, append=True), or read files with ddj.load."
        )
        raise InputError(msg)
    size = params.whole(batch_size, "batch_size", lo=1, hi=10_000_000, example=BATCH_SIZE)
    seen = {"parts": parts, "unread": found.unread}
    return Store(folder, parts, records=found.records, batch_size=size, found=seen)


def read_ahead(items: Iterator[Any]) -> Iterator[Any]:
    """``items`` in order, the next one read in a thread while the caller works on this one.

    Reading a Parquet batch (decompressing, decoding) releases the GIL, so the
    read of the next batch and the caller's work on this one share the cores;
    at most one item is held ahead. An error reading an item is raised where
    that item would have been yielded; once the caller stops, the read under
    way ends before the thread is let go.

    Examples
    --------
    >>> list(read_ahead(iter(range(3))))
    [0, 1, 2]
    """
    done = object()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ddj-read") as pool:
        pending = pool.submit(next, items, done)
        while True:
            item = pending.result()
            if item is done:
                return
            pending = pool.submit(next, items, done)
            yield item


def _part_pieces(
    part: Part, batch_size: int, columns: list[str] | None
) -> Iterator[tuple[Part, int, Any]]:
    """``(part, first row, table)`` of a part's Arrow batches (``columns``; None: all, to conform)."""
    import pyarrow as pa

    start = 0
    for batch in _batches_of(_parquet(part.path), part, batch_size, columns):
        yield part, start, pa.Table.from_batches([batch])
        start += batch.num_rows


def _keyed(
    pending: list[tuple[np.ndarray, Any]],
    parts: Sequence[Part],
    starts: np.ndarray,
    ends: np.ndarray,
) -> np.ndarray:
    """The id keys of the rows at the positions ``pending`` holds (among all ``parts``' rows, ascending)."""
    at = np.concatenate([a for a, _ in pending])
    which = np.searchsorted(ends, at, side="right")
    keys = np.zeros(len(at), dtype=np.uint64)
    for i in np.unique(which).tolist():
        mine = which == i
        keys[mine] = _part_keys(parts[i])[at[mine] - starts[i]]
    return keys


def _part_keys(part: Part) -> np.ndarray:
    """A part's id keys in row order (:func:`ddj.store.survey.part_keys`); a part gone unreadable is named."""
    keys = part_keys(part)
    if keys is None:
        raise InputError(f"{part.path}: not a readable Parquet part. Move it out of the store.")
    return keys


#: What :func:`_runs` gives: a part read in batches, or a run of parts and their row groups' rows.
Run = Part | list[tuple[Part, list[int]]]


def _runs(parts: Iterator[Part], exact: dict[Path, bool], limit: int) -> Iterator[Run]:
    """The parts as runs read narrowed together, and parts read alone.

    A part not of today's schema (``exact`` False), or with a row group of
    more than ``limit`` rows, is read alone, in batches.
    """
    run: list[tuple[Part, list[int]]] = []
    for part in parts:
        meta = _parquet(part.path).metadata
        sizes = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
        if exact[part.path] and all(n <= limit for n in sizes):
            run.append((part, sizes))
            continue
        if run:
            yield run
        run = []
        yield part
    if run:
        yield run


def _streamed(
    run: list[tuple[Part, list[int]]],
    need: list[str],
    narrow: Narrowing,
    batch_size: int,
    seen: dict[str, int],
    pays: Any,
) -> Iterator[tuple[Part, int, Any]]:
    """``(part, first row, table)`` of each row group of a run of parts, read narrowed, in order.

    The texts that may pass come from :func:`ddj.store.narrowing.stream`;
    the other columns needed from pyarrow, a row group at a time. Once
    ``pays()`` is False, the query stops and the parts left are read in
    batches.
    """
    import pyarrow as pa

    target = pa.schema([arrow_schema().field(c) for c in need])
    others = [c for c in need if c not in narrow.fields]
    found = stream_narrowed([part.path for part, _ in run], narrow)
    at, texts = np.zeros(0, dtype=np.int64), None
    ended, offset = False, 0
    try:
        for k, (part, sizes) in enumerate(run):
            end = offset + sum(sizes)
            while not ended and (not len(at) or at[-1] < end):
                try:
                    more, batch = _pulled(found, run[k:], list(narrow.fields))
                except StopIteration:
                    ended = True
                    break
                at = np.concatenate([at, more])
                texts = batch if texts is None else pa.concat_tables([texts, batch])
            cut = int(np.searchsorted(at, end))
            mine, mine_texts = at[:cut] - offset, texts.slice(0, cut) if texts is not None else None
            at, texts = at[cut:], texts.slice(cut) if texts is not None else None
            first = 0
            for g, rows in enumerate(sizes):
                lo, hi = np.searchsorted(mine, [first, first + rows])
                where = np.full(rows, -1, dtype=np.int64)
                where[mine[lo:hi] - first] = np.arange(lo, hi)
                taken = pa.array(where, mask=where < 0)
                columns = {}
                for f in narrow.fields:
                    column = (
                        mine_texts[f] if mine_texts is not None else pa.nulls(0, pa.large_string())
                    )
                    columns[f] = column.take(taken)
                if others:
                    rest = _row_group(part, g, others)
                    columns.update({c: rest[c] for c in others})
                yield part, first, pa.table({c: columns[c] for c in need}).cast(target)
                first += rows
            seen["rows"] += end - offset
            seen["passed"] += cut
            offset = end
            if not pays():
                found.close()
                for rest_part, _ in run[k + 1 :]:
                    yield from _part_pieces(rest_part, batch_size, need)
                return
    finally:
        found.close()


def _pulled(
    found: Iterator[tuple[np.ndarray, Any]], left: list[tuple[Part, list[int]]], fields: list[str]
) -> tuple[np.ndarray, Any]:
    """The next batch of a narrowed stream; a damaged part is an InputError naming it.

    polars does not say which file of its query failed: the parts ``left``
    (from the one being read) are read again with pyarrow until one fails.
    """
    try:
        return next(found)
    except StopIteration:
        raise
    except Exception as exc:  # polars' errors share no base with OSError or ValueError
        for part, _ in left:
            try:
                _parquet(part.path).read(columns=fields, use_threads=False)
            except (OSError, ValueError) as why:  # pyarrow's ArrowInvalid is a ValueError
                msg = (
                    f"{part.path}: a damaged Parquet part ({why}). Move it out of the store, "
                    "or delete it."
                )
                raise InputError(msg) from exc
        names = ", ".join(str(part.path) for part, _ in left)
        msg = f"{names}: a damaged Parquet part among these ({exc}). Move it out of the store."
        raise InputError(msg) from exc


def _row_group(part: Part, group: int, columns: list[str]) -> Any:
    """One row group of a part, ``columns``, as an Arrow table."""
    try:
        return _parquet(part.path).read_row_group(group, columns=columns, use_threads=False)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        msg = (
            f"{part.path}: a damaged Parquet part ({exc}). Move it out of the store, or delete it."
        )
        raise InputError(msg) from exc


def _taken(part: Part, rows: np.ndarray, columns: list[str]) -> Any:
    """The ``rows`` (positions) of one part, ``columns`` only, as an Arrow table."""
    import pyarrow as pa

    pf = _parquet(part.path)
    try:
        table = pf.read(columns=columns)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        msg = (
            f"{part.path}: a damaged Parquet part ({exc}). Move it out of the store, or delete it."
        )
        raise InputError(msg) from exc
    return table.take(pa.array(np.asarray(rows, dtype=np.int64)))


def _taken_together(
    where: Sequence[tuple[Part, np.ndarray]], sizes: Sequence[int], columns: list[str]
) -> Any:
    """The rows at ``where`` of parts of ``sizes`` rows, by one polars query (None: it failed)."""
    import pyarrow as pa

    try:
        import polars as pl
    except ImportError:  # a broken install: read part by part
        return None
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    wanted = np.concatenate(
        [s + np.asarray(r, dtype=np.int64) for s, (_, r) in zip(starts, where, strict=True)]
    )
    try:
        found = (
            pl.scan_parquet([str(p.path) for p, _ in where], glob=False, hive_partitioning=False)
            .select(columns)
            .with_row_index(ROW)
            .filter(pl.col(ROW).is_in(pl.Series(wanted, dtype=pl.UInt32).implode()))
            .collect()
        )
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return None  # read part by part: a damaged part is named there
    at = found.get_column(ROW).to_numpy().astype(np.int64)
    order = np.searchsorted(at, wanted)  # the rows in the order given
    if not len(at) or not np.array_equal(at[np.minimum(order, len(at) - 1)], wanted):
        return None  # a row asked is not there
    target = pa.schema([arrow_schema().field(c) for c in columns])
    return found.drop(ROW).to_arrow().take(pa.array(order)).cast(target)


def _parquet(path: Path) -> Any:
    try:
        return open_part(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        msg = (
            f"{path}: not a readable Parquet part ({exc}). Move it out of the store, or delete it."
        )
        raise InputError(msg) from exc


def _batches_of(pf: Any, part: Part, batch_size: int, columns: list[str] | None) -> Iterator[Any]:
    """The record batches of one part; a part damaged on disk is an InputError naming it."""
    try:
        yield from pf.iter_batches(batch_size=batch_size, columns=columns)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        msg = (
            f"{part.path}: a damaged Parquet part ({exc}). Move it out of the store, or delete it."
        )
        raise InputError(msg) from exc


def _date_stats(path: Path) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The least and greatest ``published`` of one part, from its row-group statistics."""
    meta = _parquet(path).metadata
    names = [meta.schema.column(i).name for i in range(meta.num_columns)]
    if "published" not in names:
        return None, None
    k = names.index("published")
    lows, highs = [], []
    for g in range(meta.num_row_groups):
        stats = meta.row_group(g).column(k).statistics
        if stats is not None and stats.has_min_max:
            lows.append(pd.Timestamp(stats.min))
            highs.append(pd.Timestamp(stats.max))
    utc = [(None if not v else min(v) if i == 0 else max(v)) for i, v in enumerate((lows, highs))]
    return tuple(None if t is None else _as_utc(t) for t in utc)  # type: ignore[return-value]


def _as_utc(ts: pd.Timestamp) -> pd.Timestamp:
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.as_unit("us")


def _columns(columns: Sequence[str] | None) -> list[str]:
    if columns is None:
        return list(COLUMNS)
    chosen = [columns] if isinstance(columns, str) else list(columns)
    unknown = [c for c in chosen if c not in COLUMNS]
    if unknown:
        msg = f"columns={unknown}: the store has the corpus columns {COLUMNS}."
        raise ParameterError(msg)
    return chosen


def _conformed(table: Any) -> Any:
    """Rows of a part of other types (checked to fit) or columns missing, in today's schema.

    Each column present is cast to its type (another string type, unit of
    time, integer); ``conform`` fills the columns a part written by an older
    ddj lacks.
    """
    import pyarrow as pa

    target = arrow_schema()
    cast = pa.table(
        {
            f.name: table[f.name].cast(f.type, safe=False)
            for f in target
            if f.name in table.column_names
        }
    )
    if set(COLUMNS) <= set(cast.column_names):
        return cast.select(COLUMNS)
    frame = cast.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    return pa.Table.from_pandas(conform(frame)[COLUMNS], schema=target, preserve_index=False)


def _frame(table: Any, columns: list[str], offset: int) -> pd.DataFrame:
    import pyarrow as pa

    frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    frame = frame.astype({c: SCHEMA[c] for c in columns})
    frame.index = pd.RangeIndex(offset, offset + len(frame))
    return frame


def _names(value: Any, name: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple, set, frozenset)) or not all(
        isinstance(v, str) for v in items
    ):
        msg = f"{name}={value!r}: give a name or a list of names, e.g. {name}=['...']."
        raise ParameterError(msg)
    return tuple(sorted(set(items)))


def _narrowed(old: tuple[str, ...] | None, new: tuple[str, ...] | None) -> tuple[str, ...] | None:
    if old is None or new is None:
        return new if old is None else old
    return tuple(v for v in old if v in new)


def _later(a: pd.Timestamp | None, b: pd.Timestamp | None) -> pd.Timestamp | None:
    return b if a is None else a if b is None else max(a, b)


def _earlier(a: pd.Timestamp | None, b: pd.Timestamp | None) -> pd.Timestamp | None:
    return b if a is None else a if b is None else min(a, b)


def _month_overlaps(month: str, lo: pd.Timestamp | None, hi: pd.Timestamp | None) -> bool:
    if lo is None and hi is None:
        return True
    if month == UNDATED:
        return False
    try:
        first = pd.Timestamp(f"{month}-01", tz="UTC")
    except ValueError:  # a folder that is no month (ddj.open leaves its parts out)
        return False
    after = first + pd.offsets.MonthBegin(1)
    return (lo is None or after > lo) and (hi is None or first < hi)
