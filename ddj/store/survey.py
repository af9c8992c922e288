"""What a reader can trust in a store: each part's schema checked, its ids read, repeats found.

:func:`survey` looks at the parts a :class:`~ddj.store.layout.Listing` gave
(their footers, schemas and id lists, never their text) and says which are
read, which rows of them are repeats of an article read earlier in store
order, and why anything is left out. A part that cannot be read as the corpus
(a ``published`` column of text, a ``title`` of structs, a broken footer) is a
problem naming it, and the rest of the store reads; a repeated article (from a
store written before appends were idempotent, or by hand) is read once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ddj import warns
from ddj.corpus import COLUMNS, empty
from ddj.store.layout import Part, id_keys, read_ids, repeats

#: Largest Parquet footer (schema and row-group statistics) a part may declare.
MAX_FOOTER_BYTES = 64 << 20
#: Repeats listed one by one in the problems report; more are summed in one row.
MAX_LISTED = 10_000


@dataclass(frozen=True)
class Survey:
    """The parts read, the rows of each left out as repeats, and the problems of what is not read."""

    parts: tuple[Part, ...]
    rows: dict[Path, int] = field(default_factory=dict)  # rows each part holds (its metadata)
    exact: dict[Path, bool] = field(default_factory=dict)  # schema is today's, type for type
    drop: dict[Path, np.ndarray] = field(default_factory=dict)  # row positions that are repeats
    problems: tuple[dict, ...] = ()
    repeats: int = 0
    unread_parts: int = 0

    def message(self) -> str | None:
        """The sentence of the warning that counts what a read leaves out, or None."""
        if not self.repeats and not self.unread_parts:
            return None
        return str(warns.store_unread([], self.repeats, self.unread_parts))


def survey(parts: tuple[Part, ...], unread: tuple[dict, ...]) -> Survey:
    """Check every part's footer and schema, read its ids, and find the repeats in store order."""
    problems = list(unread)
    kept: list[Part] = []
    rows: dict[Path, int] = {}
    exact: dict[Path, bool] = {}
    keys: list[np.ndarray] = []
    for part in parts:
        try:
            pf = open_part(part.path)
            problem = schema_problem(pf.schema_arrow)
            if problem is not None:
                raise ValueError(problem)
            n = pf.metadata.num_rows
            ids = read_ids(part.ids, n) if part.ids is not None else None
            if ids is None:
                ids = ids_of(pf, n)
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            problems.append({"source": str(part.path), "reason": f"damaged part, not read: {exc}"})
            continue
        kept.append(part)
        rows[part.path] = n
        exact[part.path] = _exact(pf.schema_arrow)
        keys.append(ids)
    unread_parts = len(problems)
    lengths = [len(k) for k in keys]
    every = np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64)
    del keys  # one copy of the store's keys held while its repeats are found, not two
    drop, listed, n_repeats = _repeats(kept, every, lengths)
    return Survey(tuple(kept), rows, exact, drop, tuple(problems + listed), n_repeats, unread_parts)


def open_part(path: Path) -> Any:
    """A ``pyarrow.parquet.ParquetFile`` of ``path`` once its footer is checked to be in bounds.

    Raises
    ------
    ValueError
        No Parquet footer, or one past :data:`MAX_FOOTER_BYTES`.
    OSError
        The file cannot be read.
    """
    with path.open("rb") as fh:
        size = fh.seek(0, 2)
        if size < 12:
            msg = f"{size} bytes, too short for Parquet"
            raise ValueError(msg)
        fh.seek(size - 8)
        tail = fh.read(8)
    footer = int.from_bytes(tail[:4], "little")
    if tail[4:] != b"PAR1":
        msg = "no Parquet footer (the file does not end in PAR1)"
        raise ValueError(msg)
    if footer > min(MAX_FOOTER_BYTES, size - 12):
        msg = f"a footer of {footer:,} bytes declared, in a file of {size:,} (at most {MAX_FOOTER_BYTES:,})"
        raise ValueError(msg)
    return pq.ParquetFile(path)


@functools.cache
def arrow_schema() -> Any:
    """The corpus schema (:data:`ddj.corpus.SCHEMA`) as an Arrow schema."""
    return pa.Schema.from_pandas(empty(), preserve_index=False).remove_metadata()


def schema_problem(schema: Any) -> str | None:
    """Why a part's Arrow schema cannot be read as the corpus, or None.

    Columns may be missing (a part written before the schema gained them;
    ``conform`` fills them) but ``id`` and ``url``; a column present must be of
    its type or one read as it without loss of meaning (another string type,
    another unit of time, another integer, all-null).

    Examples
    --------
    >>> import pyarrow as pa
    >>> schema_problem(pa.schema([("id", pa.string()), ("url", pa.string()),
    ...                           ("published", pa.string())]))
    "column 'published' is string, not timestamp[us, tz=UTC]"
    """
    names = list(schema.names)
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        return f"column(s) {twice} appear twice"
    missing = [c for c in ("id", "url") if c not in names]
    if missing:
        return f"no {' or '.join(missing)} column"
    for target in arrow_schema():
        if target.name in names and not _fits(schema.field(target.name).type, target.type):
            return f"column {target.name!r} is {schema.field(target.name).type}, not {target.type}"
    return None


def _fits(got: Any, want: Any) -> bool:
    t = pa.types
    if got.equals(want) or t.is_null(got):
        return True
    if t.is_dictionary(got):
        got = got.value_type
    if t.is_string(want) or t.is_large_string(want):
        return t.is_string(got) or t.is_large_string(got) or t.is_string_view(got)
    if t.is_timestamp(want):
        return t.is_timestamp(got) and (got.tz is None) == (want.tz is None)
    if t.is_integer(want):
        return t.is_integer(got)
    return False


def _exact(schema: Any) -> bool:
    target = arrow_schema()
    return all(
        c in schema.names and schema.field(c).type.equals(target.field(c).type) for c in COLUMNS
    )


def ids_of(pf: Any, rows: int) -> np.ndarray:
    """The id keys of a part without an id list (written before commits), its ``id`` column alone."""
    chunks = [id_keys(batch.column(0).to_pandas()) for batch in pf.iter_batches(columns=["id"])]
    keys = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.uint64)
    if len(keys) != rows:
        msg = f"its id column holds {len(keys):,} values for {rows:,} rows"
        raise ValueError(msg)
    return keys


def part_keys(part: Part) -> np.ndarray | None:
    """One part's id keys in row order: its id list, else its ``id`` column; None when it cannot be read.

    None too for a part whose schema cannot be read as the corpus
    (:func:`schema_problem`): the store's readers leave it out.
    """
    if part.ids is not None and part.rows is not None:
        keys = read_ids(part.ids, part.rows)  # a committed part: its id list alone is read
        if keys is not None:
            return keys
    try:
        pf = open_part(part.path)
        if schema_problem(pf.schema_arrow) is not None:
            return None
        return ids_of(pf, pf.metadata.num_rows)
    except (OSError, ValueError):  # a damaged part: readers leave it out too
        return None


def _repeats(
    parts: list[Part], every: np.ndarray, lengths: list[int]
) -> tuple[dict[Path, np.ndarray], list[dict], int]:
    """Row positions, part by part, of the articles already read earlier in store order.

    ``every`` holds the parts' keys one after the other, ``lengths`` how many each.
    """
    if not lengths:
        return {}, [], 0
    where, first = repeats(every)
    if not len(where):
        return {}, [], 0
    starts = np.cumsum([0, *lengths])
    part_of = np.searchsorted(starts, where, side="right") - 1
    drop = {parts[i].path: where[part_of == i] - starts[i] for i in np.unique(part_of).tolist()}
    listed = []
    for pos, orig in zip(where[:MAX_LISTED].tolist(), first[:MAX_LISTED].tolist(), strict=True):
        i, j = (
            int(np.searchsorted(starts, pos, side="right") - 1),
            int(np.searchsorted(starts, orig, side="right") - 1),
        )
        listed.append({
            "source": f"{parts[i].path}#row={pos - starts[i]}",
            "reason": f"repeat of article {int(every[pos]):016x}, read once "
                      f"(from {parts[j].path.parent.name}/{parts[j].path.name})",
            "kind": "already-held",
        })  # fmt: skip
    if len(where) > MAX_LISTED:
        more = len(where) - MAX_LISTED
        listed.append({"source": str(parts[0].path.parents[1]),
                       "reason": f"{more:,} more repeated article(s), read once",
                       "kind": "already-held"})  # fmt: skip
    return drop, listed, len(where)


def keep_mask(drop: np.ndarray | None, start: int, n: int) -> np.ndarray | None:
    """A keep-mask of rows ``start .. start+n`` of a part (False at the repeats), or None for all."""
    if drop is None or not len(drop):
        return None
    lo, hi = np.searchsorted(drop, [start, start + n])
    if lo == hi:
        return None
    keep = np.ones(n, dtype=bool)
    keep[drop[lo:hi] - start] = False
    return keep
