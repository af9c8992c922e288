"""A corpus store on disk: Parquet parts by publication month, read lazily and in batches.

``ddj.save(corpus, "store/", append=True)`` adds a corpus to a store;
``ddj.open("store/")`` gives a :class:`Store`, a corpus that stays on disk.
``ddj.match``, ``ddj.hits``, ``ddj.coverage``, ``ddj.problems``,
``ddj.by_month`` and ``ddj.date_signals`` take a store as they take a frame
and stream it: peak memory is set by ``batch_size``, not by the size of the
store, and the results are the ones the same call gives on
``store.to_pandas()``.

Layout (hive partitions, one schema, :data:`ddj.corpus.SCHEMA`)::

    store/
      month=2024-10/part-<time>-<pid>-<random>.parquet
      month=undated/part-....parquet          rows with no publication date
      _batches/<time>-<pid>-<random>.json     what each append skipped, its demo label

Every append writes new part files (never rewrites one), each through a
temporary ``.name.tmp-...`` renamed into place, under a name no other writer
can pick: several processes may append at once. Files and folders whose names
start with ``_`` or ``.`` are not data. Rows come back in store order: months
in order (``undated`` last), then the parts in the order they were written,
then the rows as they were given.

Examples
--------
>>> import ddj
>>> folder = ddj.save(corpus, "store", append=True)
>>> store = ddj.open(folder)
>>> len(store), store.months[:2]
(306, ['2019-01', '2019-02'])
>>> ddj.coverage(store, ["hong_kong"], freq="Y").equals(
...     ddj.coverage(store.to_pandas(), ["hong_kong"], freq="Y"))
True
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import secrets
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ddj import params
from ddj.corpus import COLUMNS, DEMO_ATTR, PROBLEMS_ATTR, SCHEMA, empty
from ddj.errors import DroppedRowsWarning, InputError, ParameterError
from ddj.utils import atomic_write

#: The partition key: publication month in UTC, ``YYYY-MM``.
PARTITION = "month"
#: The partition of rows with no publication date.
UNDATED = "undated"
#: Rows a batch holds by default: what one step of a streamed call has in memory.
BATCH_SIZE = 32_768
#: Rows a Parquet row group holds (a reader decodes one at a time).
ROW_GROUP = 16_384
#: Largest ``_batches/*.json`` record a store may hold (they list skipped items).
MAX_RECORD_BYTES = 256 << 20
#: Suffixes that name a file, not a store folder.
_FILE_SUFFIXES = (".parquet", ".pq", ".csv", ".csv.gz", ".jsonl", ".jsonl.gz", ".json", ".tsv")
#: Where a row's position in a scan goes in a 64-bit key: scans of part groups stay apart.
_GROUP_SHIFT = 40


# -- writing ---------------------------------------------------------------------------------


def append(corpus: pd.DataFrame, folder: str | os.PathLike) -> Path:
    """Add ``corpus`` to the store in ``folder`` (created if needed): what ``ddj.save(..., append=True)`` does.

    Parameters
    ----------
    corpus
        A corpus (all the columns of :data:`ddj.corpus.SCHEMA`).
    folder
        The store's folder.

    Returns
    -------
    Path
        ``folder``.

    Raises
    ------
    InputError
        ``folder`` names a file (``.parquet``, ``.csv``...), is under a file,
        or cannot be written.

    Examples
    --------
    >>> import ddj
    >>> ddj.store.append(corpus.head(10), "little-store").name
    'little-store'
    """
    folder = _store_folder(folder)
    batch = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}"
    frame = corpus[COLUMNS]
    months = frame["published"].dt.strftime("%Y-%m").fillna(UNDATED)
    try:
        for month, rows in frame.groupby(months.to_numpy(), sort=True):
            _write_part(rows, folder / f"{PARTITION}={month}", batch)
        _write_record(corpus, folder, batch)
    except OSError as exc:
        msg = f"Cannot add to the store {folder}: {exc.strerror or exc}. Choose a folder you can write to."
        raise InputError(msg) from exc
    return folder


def _store_folder(folder: str | os.PathLike) -> Path:
    """``folder`` as a store folder that exists, or InputError naming what is wrong."""
    path = Path(folder).expanduser()
    if path.name.lower().endswith(_FILE_SUFFIXES) or path.is_file():
        msg = (
            f"Cannot append to {path}: append=True adds to a store, a folder. Give a folder "
            f"(e.g. {path.with_suffix('')}/), or leave append out to write one file."
        )
        raise InputError(msg)
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            msg = (
                f"Cannot append to {path}: {parent} is a file, not a folder. Choose another place."
            )
            raise InputError(msg)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"Cannot append to {path}: cannot create it ({exc.strerror or exc})."
        raise InputError(msg) from exc
    return path


def _write_part(rows: pd.DataFrame, month_dir: Path, batch: str) -> None:
    import pyarrow.parquet as pq

    month_dir.mkdir(exist_ok=True)
    table = _arrow(rows)
    atomic_write(
        month_dir / f"part-{batch}.parquet",
        lambda tmp: pq.write_table(table, tmp, row_group_size=ROW_GROUP, compression="zstd"),
    )


def _write_record(corpus: pd.DataFrame, folder: Path, batch: str) -> None:
    """``_batches/<batch>.json``: the problems and the demo label of one append, when it has any."""
    problems = list(corpus.attrs.get(PROBLEMS_ATTR, []))
    demo = corpus.attrs.get(DEMO_ATTR)
    if not problems and not demo:
        return
    (folder / "_batches").mkdir(exist_ok=True)
    record = {"rows": len(corpus), "demo": demo, "problems": problems}
    text = json.dumps(record, ensure_ascii=False, default=str)
    atomic_write(folder / "_batches" / f"{batch}.json", text)


def _arrow(rows: pd.DataFrame) -> Any:
    import pyarrow as pa

    return pa.Table.from_pandas(rows, schema=_arrow_schema(), preserve_index=False)


@functools.cache
def _arrow_schema() -> Any:
    import pyarrow as pa

    return pa.Schema.from_pandas(empty(), preserve_index=False).remove_metadata()


# -- the lazy corpus -------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One Parquet file of a store: its month partition and path."""

    month: str
    path: Path


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
            return sum(_parquet(p.path).metadata.num_rows for p in self.parts)
        return sum(len(t) for t in self._tables(["published"]))

    def __repr__(self) -> str:
        span = f"{self.months[0]}..{self.months[-1]}" if self.parts else "empty"
        return f"<ddj Store {str(self.path)!r}: {len(self.parts)} part(s), {span}>"

    @property
    def dates(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """First and last publication time (UTC), from the files' statistics when unfiltered."""
        if not self.filtered:
            stats = [_date_stats(p.path) for p in self.parts]
            lows = [lo for lo, _ in stats if lo is not None]
            highs = [hi for _, hi in stats if hi is not None]
            return (min(lows) if lows else None, max(highs) if highs else None)
        published = self["published"]
        return (None, None) if published.isna().all() else (published.min(), published.max())

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

    # - reading -

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

    # - internals -

    def _frames(
        self, columns: Sequence[str] | None, batch_size: int, base: int = 0
    ) -> Iterator[tuple[int, pd.DataFrame]]:
        """``(position of the first row, frame)``: batches of ``batch_size`` rows (the last: fewer)."""
        import pyarrow as pa

        size = params.whole(batch_size, "batch_size", lo=1, hi=10_000_000, example=BATCH_SIZE)
        wanted = _columns(columns)
        pending: list[Any] = []
        held = 0
        offset = base
        for table in self._tables(wanted, size):
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
        """Arrow tables of the rows kept, the ``columns`` asked (missing ones as nulls), in order."""
        import pyarrow as pa

        need = list(dict.fromkeys([*columns, *self._filter_columns()]))
        for part in self.parts:
            pf = _parquet(part.path)
            older = not set(COLUMNS) <= set(pf.schema_arrow.names)  # before SCHEMA gained columns
            for batch in pf.iter_batches(batch_size=batch_size, columns=None if older else need):
                table = pa.Table.from_batches([batch])
                if older:
                    table = _conformed(table)
                mask = self._mask(table)
                if mask is not None:
                    table = table.filter(mask)
                if len(table):
                    yield table.select(list(columns))

    def _filter_columns(self) -> list[str]:
        cols = []
        if self.start is not None or self.stop is not None:
            cols.append("published")
        if self.outlet_names is not None:
            cols.append("outlet")
        if self.languages is not None:
            cols.append("language")
        return cols

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
        if not tests:
            return None
        mask = tests[0]
        for test in tests[1:]:
            mask = pc.and_(mask, test)
        return pc.fill_null(mask, False)

    def _records(self) -> Iterator[dict]:
        """Each append's record (problems, demo label), in the order they were written."""
        for path in self.records:
            yield _read_record(path)

    def _attrs_in_full(self) -> dict[str, Any]:
        problems: list[dict] = []
        demo = None
        for record in self._records():
            problems.extend(record.get("problems") or [])
            demo = demo or record.get("demo")
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
    parts = tuple(_parts(folder))
    records = tuple(sorted((folder / "_batches").glob("*.json"))) if parts else ()
    if not parts and not is_store(folder):
        msg = (
            f"{folder}: not a corpus store (no {PARTITION}=YYYY-MM folders of Parquet parts). "
            "Write one with ddj.save(corpus, folder, append=True), or read files with ddj.load."
        )
        raise InputError(msg)
    size = params.whole(batch_size, "batch_size", lo=1, hi=10_000_000, example=BATCH_SIZE)
    return Store(folder, parts, records=records, batch_size=size)


def is_store(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a store folder (it holds ``month=...`` partitions).

    Examples
    --------
    >>> is_store(ddj.save(corpus, "store4", append=True)), is_store("store4/month=2019-01")
    (True, False)
    """
    folder = Path(path).expanduser()
    if not folder.is_dir():
        return False
    return any(d.is_dir() and d.name.startswith(f"{PARTITION}=") for d in folder.iterdir())


def _parts(folder: Path) -> Iterator[Part]:
    months = sorted(
        d for d in folder.iterdir() if d.is_dir() and d.name.startswith(f"{PARTITION}=")
    )
    for month_dir in months:
        month = month_dir.name.split("=", 1)[1]
        for path in sorted(month_dir.glob("part-*.parquet")):
            yield Part(month, path)


def _read_record(path: Path) -> dict:
    try:
        size = path.stat().st_size
        if size > MAX_RECORD_BYTES:
            msg = f"{path}: {size:,} bytes, more than a store record may hold ({MAX_RECORD_BYTES:,}); move it out of the store."
            raise InputError(msg)
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        msg = f"{path}: not a readable store record ({exc}). Move it out of {path.parent}."
        raise InputError(msg) from exc
    return record if isinstance(record, dict) else {}


def _parquet(path: Path) -> Any:
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        msg = (
            f"{path}: not a readable Parquet part ({exc}). Move it out of the store, or delete it."
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
    """Rows of a part written by an older ddj, in today's schema (``conform`` fills what it lacks)."""
    import pyarrow as pa

    from ddj.corpus import conform

    frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    return _arrow(conform(frame))


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
    first = pd.Timestamp(f"{month}-01", tz="UTC")
    after = first + pd.offsets.MonthBegin(1)
    return (lo is None or after > lo) and (hi is None or first < hi)


# -- rows a count leaves out, over many batches ---------------------------------------------


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
        """What ``ddj.corpus.left_out`` leaves out of one batch, and its mask."""
        from ddj.corpus import left_out

        out = left_out(frame, pages=pages, min_confidence=min_confidence)
        skipped = cls(rows=len(frame), report=list(out.report))
        if out.message is None:
            return skipped, out.mask
        other = np.zeros(len(frame), dtype=bool)
        if pages is not None and "page_type" in frame.columns:
            other = ~frame["page_type"].fillna("article").isin(pages).to_numpy()
        for kind, n in frame["page_type"][other].value_counts(sort=False).items():
            skipped.kinds[kind] = int(n)
        skipped.unsure = int((out.mask & ~other).sum())
        return skipped, out.mask

    def add(self, other: Skipped) -> Skipped:
        """The rows left out of both."""
        kinds = dict(self.kinds)
        for kind, n in other.kinds.items():
            kinds[kind] = kinds.get(kind, 0) + n
        return Skipped(
            self.rows + other.rows, kinds, self.unsure + other.unsure, self.report + other.report
        )

    def warn(self, min_confidence: str | None, stacklevel: int) -> None:
        """The one DroppedRowsWarning the in-memory call gives, in its words."""
        from ddj.corpus import _left_out_message

        if not self.report:
            return
        kinds = pd.Series(np.repeat(list(self.kinds), list(self.kinds.values())), dtype="str")
        other = np.ones(len(kinds), dtype=bool)
        message = _left_out_message(
            _Counted(kinds, self.rows), other, np.ones(self.unsure, dtype=bool), min_confidence
        )
        warnings.warn(DroppedRowsWarning(message, self.report), stacklevel=stacklevel + 1)


class _Counted:
    """What ``ddj.corpus._left_out_message`` reads of a corpus: its length, the page types left out."""

    def __init__(self, kinds: pd.Series, rows: int) -> None:
        self._kinds, self._rows = kinds, rows

    def __len__(self) -> int:
        return self._rows

    def __getitem__(self, column: str) -> pd.Series:
        return self._kinds


# -- streamed calls --------------------------------------------------------------------------


def takes_store(streamed: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a function of a corpus so that, given a :class:`Store`, ``streamed`` answers instead.

    ``streamed`` gets the same arguments, every default filled in (so an
    option another helper adds to the function flows through unchanged).

    Examples
    --------
    >>> @takes_store(lambda corpus, n=1: f"streamed {n}")
    ... def head(corpus, n=1):
    ...     return corpus.head(n)
    >>> head(ddj.open("store"), n=2), len(head(corpus))
    ('streamed 2', 1)
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def dispatch(*args: Any, **kwargs: Any) -> Any:
            if not args or not isinstance(args[0], Store):
                return fn(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            return streamed(*bound.args, **bound.kwargs)

        return dispatch

    return decorate


def match(store: Store, topics: Any, *args: Any, **options: Any) -> pd.DataFrame:
    """``ddj.match`` on a store, batch by batch: the same columns, indexed by article ``id``.

    The rows are in store order; ``ddj.match(store.to_pandas(), topics)``
    gives the same values on a 0..n-1 index instead.
    """
    from ddj.matching import match as match_frame
    from ddj.matching import resolve

    chosen = resolve(topics)
    pages = params.pages(options.get("pages", "article"))
    parts = []
    skipped = Skipped()
    for frame in store.batches():
        skipped = skipped.add(Skipped.of(frame, pages, None)[0])
        with warnings.catch_warnings():  # one warning for the whole store, below
            warnings.simplefilter("ignore", DroppedRowsWarning)
            found = match_frame(frame, chosen, *args, **options)
        parts.append(found.set_axis(pd.Index(frame["id"], name="id")))
    skipped.warn(None, stacklevel=3)
    if not parts:
        return match_frame(empty(), chosen, *args, **options).set_axis(
            pd.Index([], dtype="str", name="id")
        )
    return pd.concat(parts) if len(parts) > 1 else parts[0]


def hits(
    store: Store,
    topic: Any,
    width: int = 80,
    limit: int | None = None,
    *args: Any,
    **options: Any,
) -> pd.DataFrame:
    """``ddj.hits`` on a store, batch by batch (stops reading once ``limit`` hits are found)."""
    from ddj.matching import hits as hits_frame

    pages = params.pages(options.get("pages", "article"))
    rows: list[dict] = []
    last = None
    skipped = Skipped()
    if limit is not None:  # the in-memory call counts the whole corpus's non-articles
        skipped = _skipped(store, pages)
    for frame in store.batches():
        left = None if limit is None else max(limit - len(rows), 0)
        if limit is None:
            skipped = skipped.add(Skipped.of(frame, pages, None)[0])
        with warnings.catch_warnings():  # one warning for the rows read, below
            warnings.simplefilter("ignore", DroppedRowsWarning)
            last = hits_frame(frame, topic, width, left, *args, **options)
        rows.extend(last.drop(columns="snippet").to_dict("records"))
        if limit is not None and len(rows) >= limit:
            break
    skipped.warn(None, stacklevel=3)
    if last is None:
        return hits_frame(empty(), topic, width, limit, *args, **options)
    return _hits_frame(rows, list(last.columns), limit)


def _skipped(store: Store, pages: Any) -> Skipped:
    """The non-articles of the whole store, from the columns that tell (not the text)."""
    skipped = Skipped()
    for frame in store.batches(columns=["page_type", "source", "url"]):
        skipped = skipped.add(Skipped.of(frame, pages, None)[0])
    return skipped


def _hits_frame(rows: list[dict], columns: list[str], limit: int | None) -> pd.DataFrame:
    """The frame ``ddj.hits`` builds from its rows (built once, so dtypes are inferred over all)."""
    frame = pd.DataFrame(rows, columns=[c for c in columns if c != "snippet"])
    frame["snippet"] = (
        frame["before"] + " [" + frame["matched"] + "] " + frame["after"]
    ).str.strip()
    if limit is not None:
        frame = frame.head(limit)
    return frame.reset_index(drop=True)


def problems(store: Store) -> pd.DataFrame:
    """``ddj.problems`` of a store: what its appends skipped or left undated, then the non-articles.

    The appends' records in the order written, then each row whose
    ``page_type`` is not ``article``, in store order (three columns read).
    """
    from ddj.corpus import _not_articles

    rows = [p for record in store._records() for p in record.get("problems") or []]
    for frame in store.batches(columns=["page_type", "source", "url"]):
        rows.extend(_not_articles(frame))
    return pd.DataFrame(rows, columns=["source", "reason"]).astype("str")


def by_month(store: Store) -> pd.DataFrame:
    """``ddj.by_month`` of a store, from its ``published`` and ``outlet`` columns alone."""
    counts = []
    for frame in store.batches(columns=["published", "outlet"]):
        dated = frame.dropna(subset=["published"])
        month = dated["published"].dt.strftime("%Y-%m").rename("month")
        counts.append(dated.groupby([month, "outlet"]).size())
    if not counts:
        from ddj.measure import by_month as by_month_frame

        return by_month_frame(empty())
    summed = pd.concat(counts).groupby(level=["month", "outlet"]).sum()
    return summed.unstack(fill_value=0)


def date_signals(store: Store) -> pd.DataFrame:
    """``ddj.date_signals`` of a store, from its ``published_from`` column alone."""
    total: dict[str, int] = {}  # in order of first appearance, as value_counts counts
    for frame in store.batches(columns=["published_from"]):
        for key, n in frame["published_from"].value_counts(sort=False).items():
            total[key] = total.get(key, 0) + int(n)
    index = pd.Index(list(total), dtype="str", name="published_from")
    counts = pd.Series(list(total.values()), index=index, name="count", dtype="int64")
    return counts.sort_values(ascending=False).rename("date signal").to_frame()


def fingerprint_hash(store: Store, columns: list[str]) -> tuple[int, str]:
    """Rows and the SHA-256 (hex) of ``hash_pandas_object`` of ``columns``, batch by batch.

    The digest ``ddj.notebooks.fingerprint`` gives the same rows in memory.
    """
    import hashlib

    digest = hashlib.sha256()
    n = 0
    for frame in store.batches(columns=columns):
        hashed = pd.util.hash_pandas_object(frame[columns], index=False)
        digest.update(hashed.to_numpy().tobytes())
        n += len(frame)
    return n, digest.hexdigest()


# -- coverage, streamed ----------------------------------------------------------------------


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
    left_out: int = 0  # rows of other outlets (outlets=)
    skipped: Skipped = field(default_factory=Skipped)
    lo: pd.Timestamp | None = None
    hi: pd.Timestamp | None = None
    total: list[pd.Series] = field(default_factory=list)
    articles: dict[str, list[pd.Series]] = field(default_factory=dict)
    examples: list[pd.DataFrame] = field(default_factory=list)
    outlets: list[pd.DataFrame] = field(default_factory=list)

    def add(self, other: Tally) -> Tally:
        """The sum of this tally and ``other`` (kept small: counts and three examples a key)."""
        return Tally(
            self.rows + other.rows,
            self.undated + other.undated,
            self.left_out + other.left_out,
            self.skipped.add(other.skipped),
            _pick(min, self.lo, other.lo),
            _pick(max, self.hi, other.hi),
            [_summed(self.total + other.total)],
            {
                k: [_summed(self.articles.get(k, []) + other.articles.get(k, []))]
                for k in dict.fromkeys([*self.articles, *other.articles])
            },
            [_first_examples(self.examples + other.examples)],
            [_summed_table(self.outlets + other.outlets)],
        )


def coverage(store: Store, topics: Any, *, client: Any = None, **options: Any) -> pd.DataFrame:
    """``ddj.coverage`` of a store: counts per batch (or per Dask task), combined, then assembled.

    ``options`` are those of :func:`ddj.coverage`; the result (values, dtypes,
    ``examples``, ``partial``, ``gap``, ``attrs``) is the one it gives on
    ``store.to_pandas()``. With ``client`` (a ``dask.distributed.Client``)
    each month partition is counted on a worker; the workers must see the
    store's folder at the same path.
    """
    from ddj import measure
    from ddj.matching import resolve

    _refuse_in_memory_options(topics, options)
    rules = _Rules(
        params.pages(options.get("pages", "article")),
        params.confidence(options.get("min_confidence")),
        options.get("tz", "UTC"),
    )
    how = _how(options)
    chosen = resolve(topics)
    if client is None:
        tally = _tally_store(store, chosen, how, rules, base=0)
    else:
        tally = _tally_on(client, store, chosen, how, rules)
    _check_counted(store, tally, how, rules)
    counted, how = _counted(tally, chosen, how)
    result = measure._rolled(measure._assembled(counted, how), how)
    result, gaps = measure._gapped(result, _summed_table(tally.outlets), how)
    result = measure._ordered(result, [t.name for t in chosen], how)
    result.attrs = _coverage_attrs(options, how, tally, gaps)
    demo = store.attrs.get(DEMO_ATTR)
    if demo:
        result.attrs[DEMO_ATTR] = demo
    return result


@dataclass(frozen=True)
class _Rules:
    """Which rows a streamed coverage counts, and on which clock."""

    pages: tuple[str, ...] | None
    min_confidence: str | None
    tz: str


def _refuse_in_memory_options(topics: Any, options: dict) -> None:
    if options.get("dedupe"):
        msg = (
            "dedupe=True compares every article with every other, which a store streamed in "
            "batches cannot do: load it with to_pandas() for dedupe "
            "(ddj.coverage(store.filter(...).to_pandas(), topics, dedupe=True)), or leave dedupe out."
        )
        raise ParameterError(msg)
    if isinstance(topics, pd.DataFrame):
        msg = (
            "A frame of topic flags cannot be aligned to a store: pass topic names, queries or "
            "Topic objects (ddj.coverage(store, ['hong_kong'])), which are matched batch by batch."
        )
        raise ParameterError(msg)


def _how(options: dict) -> Any:
    """The checked options, as ``ddj.coverage`` checks them (on a frame with the corpus columns)."""
    from ddj.measure import _How

    return _How.checked(
        empty(),
        freq=options.get("freq", "W"),
        by=options.get("by"),
        start=options.get("start"),
        end=options.get("end"),
        tz=options.get("tz", "UTC"),
        rolling=options.get("rolling"),
        outlets=options.get("outlets"),
    )


def _coverage_attrs(options: dict, how: Any, tally: Tally, gaps: dict) -> dict[str, Any]:
    return {
        "freq": options.get("freq", "W"),
        "tz": options.get("tz", "UTC"),
        "start": None if how.first is None else str(how.first.date()),
        "end": None if how.last is None else str(how.last.date()),
        "n_undated": tally.undated,
        "by": options.get("by"),
        "rolling": options.get("rolling"),
        "dedupe": options.get("dedupe", False),
        "outlets": None if how.chosen is None else how.chosen.label,
        "outlets_left_out": tally.left_out,
        "gaps": gaps,
    }


def _tally_store(store: Store, chosen: list, how: Any, rules: _Rules, *, base: int) -> Tally:
    tally = Tally()
    for offset, frame in store._frames(None, store.batch_size, base=base):
        tally = tally.add(_tally(frame, chosen, how, rules, offset))
    return tally


def _tally(frame: pd.DataFrame, chosen: list, how: Any, rules: _Rules, offset: int) -> Tally:
    """The counts of one batch, in the steps of ``ddj.coverage``: outlets, topics, window, keys."""
    from ddj import measure

    where = np.arange(offset, offset + len(frame))  # positions in the scan: ties keep store order
    left_out = 0
    if how.chosen is not None:
        inside = how.chosen.contains(frame)
        left_out = int((~inside).sum())
        frame, where = frame.loc[inside], where[inside]
    flags, _ = measure._flags(frame, chosen)
    local = measure._local_times(frame, rules.tz)
    skipped, out = Skipped.of(frame, rules.pages, rules.min_confidence)
    dated = local.notna().to_numpy()
    wanted = ~out
    keep = dated & wanted & _in_window(local, how)
    tally = Tally(int(wanted.sum()), int((~dated & wanted).sum()), left_out, skipped)
    if not keep.any():
        return tally
    rows = frame.drop(columns=["text", "description"]).loc[keep]
    times, flags, where = local[keep], flags.loc[keep], where[keep]
    tally.lo, tally.hi = times.min(), times.max()
    tally.outlets = [measure.outlet_totals(rows, times, how)]
    if how.by == "group":  # one row per article and group it is in
        pos, group = measure._by_group(rows, how)
        rows = rows.iloc[pos].reset_index(drop=True).assign(group=group.to_numpy())
        times, flags = (
            times.iloc[pos].reset_index(drop=True),
            flags.iloc[pos].reset_index(drop=True),
        )
        where = where[pos]
    keys = _keys(rows, times, how)
    tally.total = [rows.groupby(keys, observed=True).size()]
    titles = rows["title"].fillna("(no title)").to_numpy()
    for name in flags.columns:
        hit = flags[name].to_numpy()
        tally.articles[name] = [rows.loc[hit].groupby([k[hit] for k in keys], observed=True).size()]
        tally.examples.append(_examples(name, keys, times, titles, where, hit))
    return tally


def _in_window(local: pd.Series, how: Any) -> np.ndarray:
    keep = np.ones(len(local), dtype=bool)
    if how.first is not None:
        keep &= (local >= how.first).to_numpy()
    if how.last is not None:
        keep &= (local < how.last + pd.Timedelta(days=1)).to_numpy()
    return keep


def _keys(rows: pd.DataFrame, times: pd.Series, how: Any) -> list[pd.Series]:
    keys = [times.dt.to_period(how.period).rename("period")]
    keys += [rows[key].fillna("(unknown)").rename(key) for key in how.keys]
    return keys


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
    """The first three rows by (time, position) of each topic and key."""
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


def _check_counted(store: Store, tally: Tally, how: Any, rules: _Rules) -> None:
    """The warnings and the errors ``ddj.coverage`` gives, from the whole tally."""
    if how.chosen is not None and tally.skipped.rows == 0:
        from ddj.outlets import nothing_chosen

        raise nothing_chosen(store.to_pandas(columns=["url", "outlet"]), how.chosen)
    tally.skipped.warn(rules.min_confidence, stacklevel=4)
    if tally.undated:
        msg = (
            f"{tally.undated} of {tally.rows} article(s) have no publication date and are not "
            "counted (ddj.problems(corpus) lists them)."
        )
        warnings.warn(DroppedRowsWarning(msg), stacklevel=4)
    if tally.lo is None:
        bounds = (
            f" {how.start} to {how.end}" if how.first is not None or how.last is not None else ""
        )
        msg = (
            f"No dated articles fall inside the window{bounds}: widen start/end, or check the "
            "corpus's dates (corpus['published'].describe())."
        )
        raise ParameterError(msg)


def _counted(tally: Tally, chosen: list, how: Any) -> tuple[pd.DataFrame, Any]:
    """The frame ``ddj.measure._counted`` makes, from summed counts: every period of the grid."""
    lo = how.first if how.first is not None else tally.lo.normalize()
    hi = how.last if how.last is not None else tally.hi.normalize()
    how = replace(how, lo=lo, hi=hi)
    grid = pd.period_range(lo.to_period(how.period), hi.to_period(how.period), freq=how.period)
    total = _summed(tally.total)
    index: pd.Index = pd.Index(grid, name="period")
    if how.keys:
        key = how.keys[0]
        found = sorted(total.index.get_level_values(key).unique())
        series = list(how.chosen.domains) if key == "group" else found
        index = pd.MultiIndex.from_product([grid, series], names=["period", key])
    examples = _first_examples(tally.examples)
    parts = []
    for topic in chosen:
        counts = _summed(tally.articles.get(topic.name, []))
        joined = _joined(examples, topic.name, how)
        part = pd.DataFrame(
            {
                "articles": counts.reindex(index, fill_value=0).astype("int64"),
                "total": total.reindex(index, fill_value=0).astype("int64"),
                "examples": joined.reindex(index, fill_value="").astype("str"),
            }
        ).reset_index()
        parts.append(part.assign(topic=topic.name, label=topic.label))
    return pd.concat(parts, ignore_index=True), how


def _joined(examples: pd.DataFrame, name: str, how: Any) -> pd.Series:
    keys = ["period", *how.keys]
    mine = examples[examples["topic"] == name] if len(examples) else examples
    if not len(mine):
        return pd.Series(dtype="str")
    mine = mine.sort_values(["time", "pos"], kind="stable")
    grouped = mine.groupby(keys if len(keys) > 1 else keys[0], observed=True)["title"]
    return grouped.agg(lambda s: " | ".join(s.head(3)))


# -- on a Dask cluster -----------------------------------------------------------------------


def _tally_on(client: Any, store: Store, chosen: list, how: Any, rules: _Rules) -> Tally:
    """One task a month partition, run on the cluster's workers; their tallies added up here."""
    if not callable(getattr(client, "map", None)) or not callable(getattr(client, "gather", None)):
        msg = f"client={client!r}: give a dask.distributed.Client (Client('tcp://host:8786'))."
        raise ParameterError(msg)
    groups = _month_groups(store)
    if not groups:
        return Tally()
    futures = client.map(
        _tally_group,
        [replace(store, parts=parts) for parts in groups],
        range(len(groups)),
        chosen=chosen,
        how=how,
        rules=rules,
        pure=False,
    )
    tally = Tally()
    for part in client.gather(futures):
        tally = tally.add(part)
    return tally


def _month_groups(store: Store) -> list[tuple[Part, ...]]:
    groups: dict[str, list[Part]] = {}
    for part in store.parts:
        groups.setdefault(part.month, []).append(part)
    return [tuple(g) for g in groups.values()]


def _tally_group(store: Store, group: int, *, chosen: list, how: Any, rules: _Rules) -> Tally:
    """A worker's task: the tally of one month partition (positions kept apart by ``group``)."""
    return _tally_store(store, chosen, how, rules, base=group << _GROUP_SHIFT)
