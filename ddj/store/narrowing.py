"""A scan's narrowing: texts that cannot hold what is looked for are left unread, by polars.

A :class:`Narrowing` is a boolean tree of regex tests over text fields
(:class:`Search`, ``("all", items)``, ``("any", items)``; ``None``: unknown, so
any row may pass), made by the analysis that knows its query
(``ddj.matching``). A store narrowed with it (``Store.narrowed``) reads each
row group of a part with polars, which decompresses, decodes and runs the
tests in Rust on both cores, and yields every row with the narrowing's
``fields`` emptied (null) where no test can hold: the analysis then reads
only the texts that may match, and the store's other columns as always.

A test is a *superset* of what the analysis finds. Its pattern (RE2 syntax,
which Rust's regex reads the same) is run, ignoring case unless ``case``,
on the text as it is stored: for an ASCII text that finds every text its fold
finds (the folding of ASCII is its lower case), and a text with a character
whose fold may make a match (:func:`folding_class`: accents, ligatures, wide
forms, marks, soft hyphens; not curly quotes, dashes or currency signs, which
fold to themselves) always passes; the analysis's own matcher decides for every
text that passes.

Examples
--------
>>> tree = Search(("title", "text"), "hong[^0-9A-Za-z]+kong", False)
>>> n = Narrowing(tree, ("title", "text"))
>>> import pyarrow as pa
>>> table = pa.table({"title": ["Hong Kong", "Lisbon", "Zürich"], "text": ["", "x", None]})
>>> narrowed(table, n).column("title").to_pylist()
['Hong Kong', None, 'Zürich']
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ddj.query import fold


@dataclass(frozen=True)
class Search:
    """A regex (RE2 syntax) that a row may match in any of ``fields``; ``case``: case-sensitive."""

    fields: tuple[str, ...]
    pattern: str
    case: bool


#: A narrowing's tree: a Search, ("all", (items...)), ("any", (items...)), or None (any row may pass).
Node = Any


@dataclass(frozen=True)
class Narrowing:
    """Rows where ``tree`` cannot hold get their ``fields`` emptied (null) as they are read."""

    tree: Node
    fields: tuple[str, ...]


def usable(narrowing: Narrowing | None) -> bool:
    """Whether a narrowing can leave any row out, and polars can run it (installed, patterns compile).

    Examples
    --------
    >>> usable(Narrowing(None, ("text",)))
    False
    >>> usable(Narrowing(Search(("text",), "a(", False), ("text",)))
    False
    >>> usable(Narrowing(Search(("text",), "a", False), ("text",)))
    True
    """
    if narrowing is None or narrowing.tree is None:
        return False
    try:
        import polars as pl
    except ImportError:  # a broken install: the scan reads every text, with the same results
        return False
    probe = pl.DataFrame(
        {f: ["", None] for f in narrowing.fields}, schema=dict.fromkeys(narrowing.fields, pl.String)
    )
    try:
        probe.select(_expression(narrowing.tree))
    except (pl.exceptions.PolarsError, ValueError):  # a pattern Rust's regex cannot compile
        return False
    return True


def narrowed(table: Any, narrowing: Narrowing) -> Any:
    """``table`` (Arrow) with ``narrowing.fields`` emptied where its tree cannot hold (the doctest above)."""
    import polars as pl

    keep = pl.from_arrow(table).select(_expression(narrowing.tree)).to_series().to_numpy()
    names = table.column_names
    return pa.table(
        {c: pc.if_else(keep, table[c], None) if c in narrowing.fields else table[c] for c in names}
    )


def stream(paths: Sequence[Any], narrowing: Narrowing) -> Iterator[tuple[np.ndarray, Any]]:
    """The rows of the Parquet files ``paths`` (in order) whose texts may pass, a batch at a time.

    One polars query, streamed: it decodes the narrowing's fields a row
    group at a time on every core and tests them, while the caller works on
    the batches it has. Each batch is the positions of the rows that may pass
    (int64, among all the files' rows, ascending) and an Arrow table of their
    ``fields`` (large strings). polars holds only a few batches ahead of the
    caller (every text passing, idle for 8 s: 166 MB); closing the generator
    lets the query go.
    """
    import polars as pl

    fields = list(narrowing.fields)
    target = pa.schema([pa.field(f, pa.large_string()) for f in fields])
    lazy = (
        pl.scan_parquet([str(p) for p in paths], glob=False, hive_partitioning=False)
        .select(fields)
        .with_row_index(ROW)
        .filter(_expression(narrowing.tree, strict=False))
    )
    strict = _expression(narrowing.tree, strict=True)
    for passed in lazy.collect_batches(maintain_order=True):
        found = passed.filter(strict)  # of the texts not ASCII, those whose fold may match
        if not len(found):
            continue
        at = found.get_column(ROW).to_numpy().astype(np.int64)
        yield at, found.drop(ROW).to_arrow().cast(target)


#: The column of row numbers a polars query of ddj's adds (a name no corpus column has).
ROW = "__ddj_row"


def _expression(node: Node, strict: bool = True) -> Any:
    """A polars boolean expression: True where a row may pass ``node``.

    ``strict=False``: any text that is not ASCII passes (a cheap test, for the
    first pass over every row); ``strict``: only a text with a character whose
    fold may make a match (:func:`folding_class`), for the rows the first pass kept.
    """
    import polars as pl

    if node is None:
        return pl.lit(True)
    if isinstance(node, Search):
        flags = "" if node.case else "(?i)"
        found = [
            (pl.col(f).str.contains(flags + node.pattern) | _may_fold(f, strict)).fill_null(False)
            for f in node.fields
        ]
        return pl.any_horizontal(found) if found else pl.lit(False)
    kind, items = node
    parts = [_expression(i, strict) for i in items]
    return pl.all_horizontal(parts) if kind == "all" else pl.any_horizontal(parts)


def _may_fold(field: str, strict: bool) -> Any:
    import polars as pl

    text = pl.col(field)
    if strict:
        return text.str.contains(folding_class())
    return text.str.len_bytes() != text.str.len_chars()


@functools.cache
def folding_class() -> str:
    r"""A regex class of the characters whose fold may make a match where the text as it is makes none.

    Every character outside ASCII but those that fold to themselves or to
    spaces and are neither letters, digits, marks nor ``_``-like connectors:
    punctuation, symbols and spaces such as ’ “ ” – — £ ® and the no-break
    space. A text whose only characters outside ASCII are those folds as its
    lower case does, those characters left as they are (or spaces), and none
    can be part of a word or of a pattern's literal; so the pattern on the
    text as it is finds all the matcher finds. Characters past U+FFFF are all
    in the class.

    Examples
    --------
    >>> import polars as pl
    >>> texts = pl.Series(["It’s “Hong Kong” – £5", "Café", "ﬁre", "Hong\u00adKong", "plain"])
    >>> texts.str.contains(folding_class()).to_list()
    [False, True, True, True, False]
    """
    safe: list[list[int]] = []
    for point in range(0x80, 0x10000):
        char = chr(point)
        kind = unicodedata.category(char)
        if kind[0] not in "PSZ" or kind == "Pc":
            continue
        if all(
            fold(char, case) == char or not fold(char, case).strip(" ") for case in (False, True)
        ):
            if safe and safe[-1][1] == point - 1:
                safe[-1][1] = point
            else:
                safe.append([point, point])
    ranges = "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" if a != b else f"\\x{{{a:x}}}" for a, b in safe)
    return "[^\\x00-\\x7F" + ranges + "]"
