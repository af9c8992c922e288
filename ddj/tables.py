"""Tables exported by other tools (CSV, TSV, JSONL, JSON, Parquet) -> corpus rows.

Column names are recognised from the names that scrapers, APIs and newsroom
tools use (``pub_date``, ``article_link``, ``source_title`` ...); anything else
is mapped with ``columns={"their name": "corpus name"}``.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ddj import warns
from ddj.constants import PROBLEMS_ATTR
from ddj.corpus import (
    ADDED_COLUMNS,
    COLUMNS,
    conform,
)
from ddj.date_parsing import parse_dates
from ddj.errors import InputError, SchemaError
from ddj.extract.encoding import legacy_multibyte, utf16_without_bom
from ddj.files import open_regular, shown
from ddj.limits import MAX_GZIP_RATIO, MAX_PAGE_BYTES, gunzip, is_gzip
from ddj.problem_rows import problem
from ddj.urls import registered_domain

#: File endings read as tables (a trailing ``.gz`` is allowed on the text ones).
TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet", ".pq")

#: Corpus column -> names recognised for it, most specific first (case and
#: punctuation ignored: ``Pub Date`` and ``pub-date`` are ``pub_date``).
ALIASES: dict[str, tuple[str, ...]] = {
    "url": (
        "url",
        "article_link",
        "article_url",
        "link",
        "links",
        "href",
        "permalink",
        "web_url",
        "story_url",
        "canonical_url",
        "uri",
        "guid",
        "url_address",
    ),
    "published": (
        "published",
        "pub_date",
        "publish_date",
        "published_at",
        "publication_date",
        "date_published",
        "published_date",
        "publishdate",
        "pubdate",
        "publish_time",
        "first_publish_date",
        "datetime",
        "date",
        "timestamp",
        "created_at",
        "time",
        "seendate",
    ),
    "title": ("title", "headline", "article_title", "heading"),
    "outlet": (
        "outlet",
        "source_title",
        "source_name",
        "media_name",
        "publication",
        "publisher",
        "site_name",
        "sitename",
        "newspaper",
        "source",
        "domain",
        "media",
        "feed",
    ),
    "text": (
        "text",
        "body",
        "content",
        "article_text",
        "full_text",
        "fulltext",
        "maintext",
        "article_body",
    ),
    "description": (
        "description",
        "summary",
        "dek",
        "standfirst",
        "abstract",
        "snippet",
        "lede",
        "excerpt",
    ),
    "authors": ("authors", "author", "byline", "creator", "creators", "writer"),
    "language": ("language", "lang", "language_code"),
}


_CHUNK = 1 << 20
_SAMPLE = 1 << 16


class RawTable(NamedTuple):
    """A table as read from its file, before its columns are mapped.

    ``rows`` gives each frame row's number in the file (0 = first data row,
    counting the rows that were skipped), ``problems`` the rows skipped
    (``source``, ``reason``), ``notes`` what the reader had to decide (the
    encoding of a table that was not UTF-8).
    """

    frame: pd.DataFrame
    rows: list[int]
    problems: list[dict]
    notes: list[str]


class TableRead(NamedTuple):
    """A table in the corpus schema, and what reading it found.

    ``problems`` lists the rows skipped; ``date_reasons`` maps the ``source``
    of each row whose date was refused to its problem record (kind and
    reason: :func:`ddj.problem_rows.problem`); ``notes`` are the
    decisions to warn about (encoding, day/month rule, a column ignored).
    """

    corpus: pd.DataFrame
    problems: list[dict]
    date_reasons: dict[str, dict]
    notes: list[str]


def read_table(
    path: str | Path, columns: Mapping[str, str] | None = None, *, dayfirst: bool | None = None
) -> pd.DataFrame:
    """Read one table file into the corpus schema.

    A bad row (a CSV row with more fields than the header, a JSON Lines line
    that is not a JSON object) is skipped with a :class:`ddj.DroppedRowsWarning`
    naming its line; ``ddj.problems(frame)`` lists those rows and the dates
    refused. A table that is not UTF-8 is decoded by its real encoding, with a
    warning saying which.

    Parameters
    ----------
    path
        A ``.csv``, ``.tsv``, ``.jsonl``/``.ndjson``, ``.json`` (a list of
        records), or ``.parquet`` file; text formats may be gzipped (``.csv.gz``).
    columns
        ``{"column in the file": "corpus column"}`` for names ddj does not
        recognise by itself (see :data:`ALIASES`).
    dayfirst
        Read numeric dates such as ``01/02/2024`` day-first (``True``) or
        month-first (``False``); by default day-first when any value needs it
        (``13/02/2024``), with a warning.

    Returns
    -------
    DataFrame in the corpus schema; ``source`` is ``path#row=N``.

    Raises
    ------
    InputError
        The file cannot be read as the table its name says, or has two
        columns of the same name.
    SchemaError
        No URL column or no date column could be found.

    Examples
    --------
    >>> table = read_table("export.csv", columns={"Link zum Artikel": "url"})
    >>> len(table), table["url"].str.startswith("https://").all()
    (5, np.True_)
    """
    result = read(path, columns, dayfirst=dayfirst)
    warn(result, stacklevel=2)
    frame = result.corpus
    frame.attrs[PROBLEMS_ATTR] = result.problems + date_problems(frame, result.date_reasons)
    return frame


def read(
    path: str | Path, columns: Mapping[str, str] | None = None, *, dayfirst: bool | None = None
) -> TableRead:
    """:func:`read_table` without warnings: the corpus and what reading it found."""
    path = Path(path)
    return to_corpus(read_raw(path), columns, name=shown(path), dayfirst=dayfirst)


def to_corpus(
    raw: RawTable,
    columns: Mapping[str, str] | None = None,
    *,
    name: str = "the table",
    dayfirst: bool | None = None,
) -> TableRead:
    """Map a raw table's columns and parse its dates; rows are sourced ``name#row=N``."""
    _refuse_duplicate_columns(raw.frame, name)
    notes = list(raw.notes)
    table = raw.frame
    if "published" in table.columns and set(COLUMNS) - set(ADDED_COLUMNS) <= set(table.columns):
        # a corpus ddj saved (before 0.14 without ADDED_COLUMNS, which conform fills): keep it
        mapped = table[[c for c in COLUMNS if c in table.columns]].copy()
    else:
        mapped = map_columns(table, columns, name=name, notes=notes)
        if "url" not in mapped.columns:
            mapped["url"] = pd.Series(None, index=mapped.index, dtype="str")
        mapped = _with_outlets(mapped)
    if "source" not in mapped.columns:
        mapped["source"] = [f"{name}#row={n}" for n in raw.rows]
    parsed = parse_dates(mapped["published"], dayfirst)
    if parsed.rule:
        notes.append(f"{name}: {parsed.rule}.")
    mapped["published"] = parsed.utc
    if "published_local" not in mapped.columns:
        mapped["published_local"] = parsed.local
    corpus = conform(mapped)
    refused = parsed.reasons.notna().to_numpy()
    reasons = {
        s: problem(k, s, r, url=u)
        for s, u, r, k in zip(
            corpus["source"][refused], corpus["url"][refused], parsed.reasons[refused],
            parsed.kinds[refused], strict=True,
        )
    }  # fmt: skip
    return TableRead(corpus, list(raw.problems), reasons, notes)


def _with_outlets(mapped: pd.DataFrame) -> pd.DataFrame:
    """A copy whose blank outlets are the registered domain of the URL, as for pages."""
    out = mapped.copy()
    given = out["outlet"] if "outlet" in out.columns else pd.Series(None, index=out.index)
    blank = given.isna() | given.astype("str").str.strip().eq("")
    out["outlet"] = [
        registered_domain(u) if b and isinstance(u, str) else o
        for u, o, b in zip(out["url"], given, blank, strict=True)
    ]
    return out


def from_frame(
    frame: pd.DataFrame, columns: Mapping[str, str] | None = None, *, dayfirst: bool | None = None
) -> TableRead:
    """A DataFrame given to :func:`ddj.load`, as :func:`to_corpus` reads a table."""
    raw = RawTable(frame, list(range(len(frame))), [], [])
    return to_corpus(raw, columns, name="DataFrame", dayfirst=dayfirst)


def date_problems(corpus: pd.DataFrame, reasons: Mapping[str, dict]) -> list[dict]:
    """One problem per row of ``corpus`` with no date: why its date was refused, or that it has none.

    ``reasons`` maps a row's ``source`` to the problem of its refused date
    (:attr:`TableRead.date_reasons`); a row not in it had no date (``undated``).
    """
    undated = corpus["published"].isna().to_numpy()
    return [
        reasons.get(s) or problem("undated", s, "no publication date found", id=i, url=u)
        for s, i, u in zip(
            corpus["source"][undated], corpus["id"][undated], corpus["url"][undated], strict=True
        )
    ]


def warn(result: TableRead, stacklevel: int = 2) -> None:
    """Warn about what reading a table found: rows skipped, dates refused, decisions taken."""
    for note in result.notes:
        warnings.warn(warns.note(note), stacklevel=stacklevel + 1)
    if result.problems:
        warnings.warn(warns.skipped_rows(result.problems), stacklevel=stacklevel + 1)
    undated = date_problems(result.corpus, result.date_reasons)
    if undated:
        warnings.warn(warns.undated(undated, len(result.corpus)), stacklevel=stacklevel + 1)


def map_columns(
    raw: pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    name: str = "the table",
    notes: list[str] | None = None,
) -> pd.DataFrame:
    """Rename a table's columns to corpus names: explicit ``columns`` first, then :data:`ALIASES`.

    When several columns could be one corpus column (``title`` and
    ``headline``), the most specific name wins and a sentence saying so is
    added to ``notes`` (a new list is not made: pass one to collect them).

    Examples
    --------
    >>> t = pd.DataFrame({"article_link": ["https://a.example/x"], "pub_date": ["2024-01-02"]})
    >>> list(map_columns(t).columns)
    ['url', 'published']
    """
    _refuse_duplicate_columns(raw, name)
    rename = _explicit(raw, dict(columns or {}), name)
    taken = set(rename.values())
    for target, aliases in ALIASES.items():
        if target in taken:
            continue
        found = [c for a in aliases for c in raw.columns if c not in rename and _norm(c) == a]
        if found:
            rename[found[0]] = target
            taken.add(target)
        if len(found) > 1 and notes is not None:
            others = ", ".join(repr(c) for c in found[1:])
            notes.append(
                f"{name}: columns {found[0]!r} and {others} could each be the {target}; "
                f"used {found[0]!r}. Choose with columns={{{found[1]!r}: {target!r}}}."
            )
    missing = [c for c in ("url", "published") if c not in taken]
    if missing == ["url"] and "title" in taken:  # a headline table: ids from outlet, title and day
        missing = []
        if notes is not None:
            notes.append(
                f"{name}: no link column among {list(raw.columns)}; read as a headline table "
                "(each id made from outlet, title and day; rows are never merged as repeats). "
                "Name a link column with columns={'<column with the article links>': 'url'} "
                "(CLI: --column NAME=url)."
            )
    if missing:
        hints = {"url": "the article links", "published": "the publication dates"}
        wanted = ", ".join(f"'<column with {hints[m]}>': '{m}'" for m in missing)
        flags = " ".join(f"--column NAME={m}" for m in missing)  # each hint names its own field
        msg = (
            f"{name}: found no {' and no '.join(missing)} column among {list(raw.columns)}. "
            f"Name it with ddj.load(..., columns={{{wanted}}}) (CLI: {flags})."
        )
        raise SchemaError(msg)
    mapped = raw[list(rename)].rename(columns=rename)
    by_domain = [c for c, t in rename.items() if t == "outlet" and _norm(c) == "domain"]
    if (
        by_domain
    ):  # GDELT's "domain" (uk.reuters.com): one outlet per registered domain, as for pages
        mapped["outlet"] = [
            registered_domain(f"https://{v.strip()}/") if isinstance(v, str) and v.strip() else v
            for v in mapped["outlet"]
        ]
    return mapped


def _explicit(raw: pd.DataFrame, columns: dict[str, str], name: str) -> dict[str, str]:
    """The ``columns=`` mapping, checked against the table and the corpus schema."""
    unknown = [c for c in columns if c not in raw.columns]
    if unknown:
        msg = (
            f"{name}: columns={columns!r} names {unknown}, which the table does not have; "
            f"its columns are {list(raw.columns)}."
        )
        raise SchemaError(msg)
    bad_targets = [t for t in columns.values() if t not in COLUMNS]
    if bad_targets:
        msg = f"{name}: columns= maps to {bad_targets}, which are not corpus columns; use any of {COLUMNS}."
        raise SchemaError(msg)
    targets = pd.Series(list(columns.values()), index=list(columns), dtype="str")
    twice = targets[targets.duplicated(keep=False)]
    if len(twice):
        msg = (
            f"{name}: columns= maps {list(twice.index)} all to {twice.iloc[0]!r}; "
            "map one column to each corpus column."
        )
        raise SchemaError(msg)
    return dict(columns)


def _refuse_duplicate_columns(frame: pd.DataFrame, name: str) -> None:
    twice = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    if twice:
        msg = (
            f"{name}: the table has more than one column named {', '.join(map(repr, twice))}; "
            "ddj cannot tell them apart. Rename them in the file (e.g. 'title' and 'title_2') "
            "and pick one with columns={'title': 'title'}."
        )
        raise InputError(msg)


def _norm(name: object) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in str(name).strip().lower()).strip("_")


# -- reading files ---------------------------------------------------------------------------


def read_raw(path: str | Path) -> RawTable:
    """Read a table file as it is: columns as named in the file, every cell a string.

    Every open goes through :func:`ddj.files.open_regular`: a FIFO, a device
    or a folder is refused before anything is read. A plain table has no
    size cap; it is read in chunks.

    Raises
    ------
    InputError
        The file cannot be read at all (not a regular file, broken, truncated,
        not the format its name says, or a ``.gz`` that expands past its cap).
    """
    path = Path(path)
    name = shown(path)
    kind = _kind(path)
    if kind not in _READERS:
        msg = f"{name}: not a table type ddj reads; use one of {', '.join(TABLE_SUFFIXES)}."
        raise InputError(msg)
    try:
        if kind in (".parquet", ".pq"):
            with open_regular(path, what="table") as fh:
                frame = pd.read_parquet(fh)
            return RawTable(frame, list(range(len(frame))), [], [])
        data = _bytes_of(path)
        encoding, lossy, note = table_encoding(data, name)
        raw = _READERS[kind](data, encoding, "replace" if lossy else "strict", name)
    except InputError:
        raise
    except Exception as exc:  # pandas/pyarrow raise many types for a broken file
        msg = (
            f"{name}: could not be read as a {kind.lstrip('.').upper()} table "
            f"({type(exc).__name__}: {exc}). Check that the file is complete and really {kind}."
        )
        raise InputError(msg) from exc
    return raw._replace(notes=[note]) if note else raw


def _kind(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _bytes_of(path: Path) -> Path | bytes:
    """The path of a plain file, or the bytes of a gzipped one, expanded within bounds."""
    with open_regular(path, what="table") as fh:
        gz = is_gzip(fh.read(2))
        if not gz:
            return path
        fh.seek(0)
        packed = fh.read()
    limit = max(MAX_PAGE_BYTES, MAX_GZIP_RATIO * len(packed))
    try:
        return gunzip(packed, limit=limit, what=shown(path))
    except InputError as exc:
        msg = f"{exc}. A plain (not gzipped) table has no size cap: gunzip it and load that."
        raise InputError(msg) from exc


def _chunks(data: Path | bytes) -> Iterator[bytes]:
    if isinstance(data, bytes):
        view = memoryview(data)
        for i in range(0, len(view), _CHUNK):
            yield bytes(view[i : i + _CHUNK])
        return
    with open_regular(data, what="table") as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def _stream(data: Path | bytes) -> io.BufferedIOBase:
    return open_regular(data, what="table") if isinstance(data, Path) else io.BytesIO(data)


# -- encodings -------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def table_encoding(data: Path | bytes, name: str = "the table") -> tuple[str, bool, str | None]:
    """The encoding of a table's bytes: ``(codec, lossy, note)``.

    A byte-order mark decides; else UTF-8 if the whole file decodes (checked
    in bounded chunks, so a bad byte late in a big file is seen); else UTF-8
    with the few bad bytes replaced when most non-ASCII text is UTF-8 (lossy);
    else a multi-byte codec that charset-normalizer recognises (GB18030,
    Big5, Shift-JIS, ...), else windows-1252, else Latin-1. ``note`` says what
    was chosen whenever the table was not UTF-8.

    Examples
    --------
    >>> table_encoding("café".encode("utf-8"))
    ('utf-8', False, None)
    >>> table_encoding("café".encode("latin-1"), "t.csv")[:2]
    ('cp1252', False)
    """
    head = next(_chunks(data), b"")
    for bom, codec in _BOMS:
        if head.startswith(bom):
            note = (
                None
                if codec == "utf-8-sig"
                else f"{name}: read as {codec.upper()} (byte-order mark)."
            )
            return codec, False, note
    wide = utf16_without_bom(head)
    if wide:
        return wide, False, f"{name}: read as {wide.upper()} (no byte-order mark; NUL bytes)."
    bad_at = _first_bad(data, "utf-8")
    if bad_at is None:
        return "utf-8", False, None
    good, bad = _utf8_counts(data)
    if good >= 3 and bad <= max(
        2, good // 10
    ):  # the page decoder's rule: UTF-8 with a few bad bytes
        return (
            "utf-8",
            True,
            (
                f"{name}: not valid UTF-8 ({bad} bad byte sequence(s), the first at byte {bad_at:,}); "
                "read as UTF-8 with those replaced by U+FFFD."
            ),
        )
    codec = _single_or_multibyte(data, head, bad_at)
    return (
        codec,
        False,
        f"{name}: not UTF-8; read as {_CODEC_NAMES.get(codec, codec)}. Save it as UTF-8 to be sure.",
    )


_CODEC_NAMES = {"cp1252": "windows-1252", "latin-1": "Latin-1 (ISO 8859-1)"}


def _first_bad(data: Path | bytes, codec: str) -> int | None:
    """Offset of the first byte that ``codec`` cannot decode, or None: one bounded pass."""
    decoder = codecs.getincrementaldecoder(codec)()
    offset = 0
    try:
        for chunk in _chunks(data):
            decoder.decode(chunk)
            offset += len(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return offset + max(exc.start, 0)
    return None


def _utf8_counts(data: Path | bytes) -> tuple[int, int]:
    """Non-ASCII characters decoded and bad sequences replaced, reading as UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    good = bad = 0
    for chunk in [*_chunks(data), None]:
        text = decoder.decode(chunk or b"", final=chunk is None)
        n_bad = text.count("\ufffd")
        bad += n_bad
        good += len(text) - len(text.encode("ascii", "ignore")) - n_bad
    return good, bad


def _single_or_multibyte(data: Path | bytes, head: bytes, bad_at: int) -> str:
    from charset_normalizer import from_bytes

    sample = head[:_SAMPLE] + _window(data, bad_at)
    best = from_bytes(sample).best()
    guess = best.encoding if best is not None else None
    if guess and legacy_multibyte(guess) and _first_bad(data, guess) is None:
        return guess
    return "cp1252" if _first_bad(data, "cp1252") is None else "latin-1"


def _window(data: Path | bytes, at: int) -> bytes:
    start = max(0, at - _SAMPLE // 2)
    if isinstance(data, bytes):
        return data[start : start + _SAMPLE]
    with open_regular(data, what="table") as fh:
        fh.seek(start)
        return fh.read(_SAMPLE)


# -- formats ---------------------------------------------------------------------------------


def _read_csv(data: Path | bytes, encoding: str, errors: str, name: str) -> RawTable:
    """A CSV/TSV read by pandas' C parser (no field-size limit), one bad row at a time skipped.

    Every record is read into one more column than the header has: a row
    that fills it, or that pandas skips for having more still, is a bad row.
    """
    sep = "\t" if _kind(Path(name)) == ".tsv" else _sniff_separator(data, encoding)
    opts: dict[str, Any] = dict(
        sep=sep, header=None, dtype="str", keep_default_na=False, na_values=[""],
        index_col=False, skip_blank_lines=False, encoding=encoding, encoding_errors=errors,
        engine="c", on_bad_lines="warn",
    )  # fmt: skip
    with _stream(data) as fh:
        first = pd.read_csv(fh, nrows=1, **opts).iloc[0].tolist()
    header = [c if isinstance(c, str) else f"Unnamed: {i}" for i, c in enumerate(first)]
    width = len(header)
    body, skipped, cut = _csv_records(data, opts, width + 1)
    records = _record_lines(len(body), [k for k, _ in skipped])
    blank = body.isna().all(axis=1).to_numpy(copy=True)
    blank[0] = False  # the header
    extra = body[width].notna().to_numpy(copy=True)
    row_of = _row_numbers(records, blank, [k for k, _ in skipped])
    line_of = _physical_lines(body, records)
    bad = [*skipped, *((k, f"{width + 1} fields, the header has {width}") for k in records[extra])]
    problems = [
        problem(
            "unreadable", f"{name}#row={row_of[k]}", f"line {line_of(k)}: {why}; the row is skipped"
        )
        for k, why in sorted(bad)
    ]
    if cut is not None:
        why = f"line {line_of(cut)}: a quote opened here is never closed; the rest of the file is not read"
        problems.append(problem("unreadable", f"{name}#line={line_of(cut)}", why))
    keep = ~blank & ~extra
    keep[0] = False
    frame = body.loc[keep, list(range(width))].set_axis(header, axis=1).reset_index(drop=True)
    return RawTable(frame, [row_of[k] for k in records[keep]], problems, [])


def _physical_lines(body: pd.DataFrame, records: np.ndarray):
    """Record number (pandas' count, header = 1) -> line in the file, past line breaks in cells."""
    breaks = np.zeros(len(body), dtype=np.int64)
    for col in body.columns:
        breaks += body[col].str.count("\n|\r(?!\n)").fillna(0).to_numpy(dtype=np.int64)
    before = np.concatenate([[0], np.cumsum(breaks)])

    def line_of(record: int) -> int:
        return int(record + before[np.searchsorted(records, record, side="left")])

    return line_of


def _csv_records(
    data: Path | bytes, opts: dict, width: int
) -> tuple[pd.DataFrame, list[tuple[int, str]], int | None]:
    """Every record in ``width`` columns; the lines pandas skipped; where an open quote cut the file."""
    skipped: list[tuple[int, str]] = []
    try:
        body = _csv_pass(data, opts, width, None, skipped)
        return body, skipped, None
    except pd.errors.ParserError as exc:
        m = re.search(r"EOF inside string starting at row (\d+)", str(exc))
        if not m:
            raise
        row = int(m.group(1))
    kept = row - len(skipped)
    skipped.clear()
    return _csv_pass(data, opts, width, kept, skipped), skipped, row + 1


def _csv_pass(
    data: Path | bytes, opts: dict, width: int, nrows: int | None, skipped: list[tuple[int, str]]
) -> pd.DataFrame:
    """One read by pandas; the records it skipped for having too many fields go to ``skipped``."""
    with warnings.catch_warnings(record=True) as caught, _stream(data) as fh:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        body = pd.read_csv(fh, names=list(range(width)), nrows=nrows, **opts)
    for w in caught:
        for m in re.finditer(
            r"Skipping line (\d+): expected \d+ fields, saw (\d+)", str(w.message)
        ):
            skipped.append((int(m.group(1)), f"{m.group(2)} fields, the header has {width - 1}"))
    return body


def _record_lines(n_kept: int, skipped: list[int]) -> np.ndarray:
    """Line (pandas' record count, header = 1) of each record pandas kept."""
    all_lines = np.arange(1, n_kept + len(skipped) + 1)
    return all_lines[~np.isin(all_lines, skipped)]


def _row_numbers(lines: np.ndarray, blank: np.ndarray, skipped: list[int]) -> dict[int, int]:
    """Line -> data row number (0 = first data row; blank lines do not count, bad rows do)."""
    real = sorted([*lines[~blank][1:].tolist(), *skipped])
    return {k: i for i, k in enumerate(real)}


def _sniff_separator(data: Path | bytes, encoding: str) -> str:
    """The separator of a ``.csv``: what csv.Sniffer sees in the header line, else a comma."""
    raw = next(_chunks(data), b"")[:_SAMPLE]
    line = raw.decode(encoding, errors="replace").lstrip("\ufeff").splitlines()[:1]
    if not line:
        return ","
    try:
        return csv.Sniffer().sniff(line[0], delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _read_jsonl(data: Path | bytes, encoding: str, errors: str, name: str) -> RawTable:
    """JSON Lines: one object a line; a line that is not one is skipped, with its number."""
    records, rows, problems = [], [], []
    n = 0
    with _stream(data) as fh:
        text = io.TextIOWrapper(fh, encoding=encoding, errors=errors, newline="\n")
        for k, line in enumerate(text, 1):
            if not line.strip():
                continue
            record, why = _json_object(line)
            if why:
                why = f"line {k}: {why}; the line is skipped"
                problems.append(problem("unreadable", f"{name}#row={n}", why))
            else:
                records.append(record)
                rows.append(n)
            n += 1
    return RawTable(pd.DataFrame(records), rows, problems, [])


def _json_object(text: str) -> tuple[dict | None, str | None]:
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError) as exc:
        return None, f"not valid JSON ({_short(exc)})"
    if not isinstance(value, dict):
        return None, f"a JSON {type(value).__name__}, not an object"
    return value, None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    keys = [k for k, _ in pairs]
    if len(set(keys)) < len(keys):
        twice = sorted({k for k in keys if keys.count(k) > 1})
        raise ValueError(f"the key(s) {twice} appear twice in one object")
    return dict(pairs)


def _short(exc: BaseException) -> str:
    text = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
    return text if len(text) <= 120 else text[:117] + "..."


def _read_json(data: Path | bytes, encoding: str, errors: str, name: str) -> RawTable:
    """A JSON list of records (or one object holding one list); non-objects are skipped."""
    with _stream(data) as fh:
        text = io.TextIOWrapper(fh, encoding=encoding, errors=errors).read()
    try:
        items = _array_items(text) if text.lstrip().startswith("[") else _wrapped_items(text)
    except RecursionError as exc:
        raise InputError(f"{name}: the JSON is nested too deeply to read ({_short(exc)}).") from exc
    if items is None:
        msg = f"{name}: a .json table must be a list of records ({{...}} objects); save it as JSON Lines otherwise."
        raise InputError(msg)
    records, rows, problems = [], [], []
    for n, (where, value) in enumerate(items):
        if isinstance(value, dict):
            records.append(value)
            rows.append(n)
        else:
            why = f"{where}: a JSON {type(value).__name__}, not an object; the item is skipped"
            problems.append(problem("unreadable", f"{name}#row={n}", why))
    return RawTable(pd.DataFrame(records), rows, problems, [])


_WS = re.compile(r"[ \t\n\r]*")


def _array_items(text: str) -> list[tuple[str, Any]]:
    """The items of a top-level JSON array, each with ``line N`` of where it starts."""
    decoder = json.JSONDecoder(object_pairs_hook=_unique_keys)
    pos = _WS.match(text).end() + 1
    pos = _WS.match(text, pos).end()
    items: list[tuple[str, Any]] = []
    line, seen = 1, 0
    while pos < len(text) and text[pos] != "]":
        line += text.count("\n", seen, pos)
        seen = pos
        value, pos = decoder.raw_decode(text, pos)
        items.append((f"line {line}", value))
        pos = _WS.match(text, pos).end()
        if pos < len(text) and text[pos] == ",":
            pos = _WS.match(text, pos + 1).end()
        elif pos >= len(text) or text[pos] != "]":
            raise json.JSONDecodeError("expected ',' or ']'", text, pos)
    if text[pos + 1 :].strip():
        raise json.JSONDecodeError("extra data after the array", text, pos + 1)
    return items


def _wrapped_items(text: str) -> list[tuple[str, Any]] | None:
    data = json.loads(text, object_pairs_hook=_unique_keys)
    if isinstance(data, dict):
        lists = [(k, v) for k, v in data.items() if isinstance(v, list)]
        if len(lists) == 1:
            key, items = lists[0]
            return [(f"item {i} of {key!r}", v) for i, v in enumerate(items)]
    return None


_READERS = {
    ".csv": _read_csv,
    ".tsv": _read_csv,
    ".jsonl": _read_jsonl,
    ".ndjson": _read_jsonl,
    ".json": _read_json,
    ".parquet": None,
    ".pq": None,
}
