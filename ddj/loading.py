"""Load articles from files, folders and tables into one corpus; save a corpus.

``load`` is the front door of ddj: give it saved HTML pages (a file, a folder
searched recursively, ``.html``/``.htm``, gzipped or not), a table exported by
another tool (CSV, TSV, JSONL, JSON, Parquet), a DataFrame, or a list of any of
these, and it returns one frame in the corpus schema (``ddj.corpus.SCHEMA``).

Pages are parsed with :func:`ddj.read_html` on every core, in input order, with
a progress bar; parsed records are cached on disk by content hash and
extractor version, so a second load of the same folder parses nothing that
did not change. Bad pages never stop a load: they are skipped, counted in a
:class:`ddj.DroppedRowsWarning` and listed by :func:`ddj.problems`.

Only regular files are read, each sized before it is read (:mod:`ddj.files`):
a FIFO, a device, a broken link or a folder named like a page is a problem row,
and a page over :data:`ddj.limits.MAX_PAGE_BYTES` is refused unread.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from ddj import warns
from ddj.cache import RecordCache, file_key
from ddj.constants import PAGE_SUFFIXES, PROBLEMS_ATTR
from ddj.corpus import COLUMNS, DEMO_ATTR, conform, empty
from ddj.corpus import dedupe as _dedupe
from ddj.errors import InputError, ParameterError
from ddj.extract import EXTRACTOR_VERSION, safe_read_html
from ddj.files import find_files, open_regular, read_regular, reason, shown
from ddj.hostvalues import BadURL, parse_url
from ddj.limits import MAX_PAGE_BYTES, gunzip, is_gzip
from ddj.outlets import held_labels, one_label_per_domain
from ddj.outlets import keep as keep_outlets
from ddj.outlets import select as select_outlets
from ddj.pool import POOL_THRESHOLD, Extractor
from ddj.problem_rows import problem
from ddj.store import append as append_to_store
from ddj.store import is_store
from ddj.store import open as open_store
from ddj.tables import (
    TABLE_SUFFIXES,
    TableRead,
    date_problems,
    from_frame,
    read_raw,
    to_corpus,
)
from ddj.utils import atomic_write, folder_refusal, note_problems, progress_bar

Source = str | os.PathLike | pd.DataFrame


def load(
    source: Source | Sequence[Source],
    *,
    columns: Mapping[str, str] | None = None,
    dayfirst: bool | None = None,
    dedupe: bool = True,
    cache: bool = True,
    workers: int | None = None,
    progress: bool | None = None,
    outlets: Any = None,
    urls: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Load articles into a corpus table.

    Parameters
    ----------
    source
        A path to an HTML page, a folder of pages (searched recursively), a
        table file, a DataFrame, or a list of these.
    columns
        For tables: ``{"column in the file": "corpus column"}`` for names ddj
        does not recognise (it knows ``pub_date``, ``article_link``,
        ``source_title``, ``headline`` and many more: ``ddj.tables.ALIASES``).
    dayfirst
        For tables: read numeric dates such as ``01/02/2024`` day-first
        (``True``) or month-first (``False``). By default each column is read
        day-first when any of its values needs it (``13/02/2024``), else
        month-first, with a warning whenever some were ambiguous.
    dedupe
        Drop repeated articles (same URL after removing scheme, ``www.``,
        tracking parameters and fragments), with a counted warning.
    cache
        Reuse records parsed before (keyed by page content and extractor
        version) from the cache under ``$DDJ_CACHE`` or the user cache dir.
    workers
        Processes for parsing pages; default: every core.
    progress
        Show a progress bar while pages are parsed; default: when a person
        watches, in a terminal or a Jupyter kernel (:func:`ddj.utils.progress_bar`).
    outlets
        Keep only the articles of these outlets: a group name
        (``"uk-national"``), a list of group names and registered domains, or
        the path of a groups file (:func:`ddj.outlets.select`);
        ``attrs["ddj_outlets"]`` says how many rows were left out.
    urls
        A CSV file with columns ``file`` and ``url`` giving saved pages' web
        addresses (``file`` relative to the CSV's folder, or absolute). A page
        listed there is read as coming from that address; others take theirs
        from the page (:func:`ddj.extract.page_address`). Rows that name no
        loaded page, or whose URL is no http(s) address, are listed in
        ``ddj.problems(corpus)`` with a counted warning.

    Returns
    -------
    DataFrame in the corpus schema. ``ddj.problems(corpus)`` lists the items
    skipped (pages, table rows with their line, unreadable files), dropped
    or left undated, with the reason.

    Raises
    ------
    InputError
        A path that does not exist, a folder with no pages, an unknown file
        type, a table with two columns of one name, or a load where nothing
        at all could be read.
    SchemaError
        A table without a URL or date column (name them with ``columns=``).

    Examples
    --------
    >>> import ddj
    >>> pages = ddj.load("pages/", progress=False)
    >>> len(pages), pages["published"].notna().all()
    (12, np.True_)
    >>> table = ddj.load("export.csv", columns={"Link zum Artikel": "url"})
    >>> len(table)
    5
    >>> ddj.problems(table).empty
    True
    """
    items = list(source) if isinstance(source, (list, tuple)) else [source]
    if not items:
        raise InputError("ddj.load() was given an empty list: pass a file, a folder or a table.")
    chosen = select_outlets(outlets)  # checked before anything is read
    given, url_problems = read_url_file(urls) if urls is not None else ({}, [])
    read = _gather(items, columns, dayfirst)
    url_problems += _unmatched(given, read.pages)
    page_frame, parse_problems, zones = _read_pages_of(
        read, cache=cache, workers=workers, progress=progress, urls=given
    )
    page_problems = read.unread + parse_problems
    corpus = keep_outlets(one_label_per_domain(_combine(read, page_frame, page_problems)), chosen)
    corpus = _note_read(corpus, read, page_problems)
    if url_problems:
        warning = warns.url_file_rows(url_problems, shown(Path(urls)))
        corpus = note_problems(corpus, url_problems, warning, stacklevel=2)
    if dedupe:
        corpus = _dedupe(corpus)
    return _note_undated(note_zones(corpus, zones, stacklevel=2), read, zones)


class _Read(NamedTuple):
    """What :func:`_gather` found: pages to parse, tables read, tables that failed, the demo label.

    ``unread`` lists the entries of folders named like pages that are not
    regular files (broken links, folders, FIFOs, devices) and links to folders.
    """

    pages: list[Path]
    unread: list[dict]
    tables: list[TableRead]
    failed: list[dict]
    demo: str | None


def _read_pages_of(
    read: _Read,
    *,
    cache: bool,
    workers: int | None,
    progress: bool | None,
    urls: Mapping[Path, str],
) -> tuple[pd.DataFrame | None, list[dict], dict[str, list]]:
    if not read.pages:
        return None, [], {}
    return read_pages(read.pages, cache=cache, workers=workers, progress=progress, urls=urls)


#: The most rows a file of page URLs (``ddj.load(..., urls=)``) may have, and its size cap.
MAX_URL_FILE_ROWS = 1_000_000
MAX_URL_FILE_BYTES = 200_000_000


def read_url_file(path: str | os.PathLike) -> tuple[dict[Path, str], list[dict]]:
    r"""{page path: URL} of a CSV with columns ``file`` and ``url``, and the problem rows of its bad lines.

    ``file`` is read relative to the CSV's folder (or absolute); each URL goes
    through :func:`ddj.hostvalues.parse_url` (http and https only,
    credentials removed). A line with no file, a bad URL, or a file listed
    before is a problem row (``source`` ``urls.csv, line N``); the first
    URL of a file wins.

    Raises
    ------
    InputError
        The file is missing, not a regular file, larger than
        :data:`MAX_URL_FILE_BYTES`, has more than :data:`MAX_URL_FILE_ROWS`
        rows, or has no ``file`` and ``url`` columns.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "urls.csv").write_text("file,url\na.html,https://u:p@news.example/a\nb.html,ftp://x\n")
    >>> found, problems = read_url_file(folder / "urls.csv")
    >>> list(found.values()), problems[0]["reason"]
    (['https://news.example/a'], "'ftp://x' is not a URL ddj can fetch: unsupported scheme ftp (only http and https)")
    """
    path = Path(path)
    data = read_regular(path, MAX_URL_FILE_BYTES, "URL file")
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    fields = {(f or "").strip().casefold(): f for f in reader.fieldnames or []}
    if "file" not in fields or "url" not in fields:
        msg = (
            f"{shown(path)}: a URL file needs the columns 'file' and 'url' (one saved page a "
            f"row, such as: pages/a.html,https://news.example/a); found {list(fields) or 'none'}."
        )
        raise InputError(msg)
    found: dict[Path, str] = {}
    problems: list[dict] = []
    for line, row in enumerate(reader, start=2):
        if line - 1 > MAX_URL_FILE_ROWS:
            msg = f"{shown(path)}: more than {MAX_URL_FILE_ROWS:,} rows. Split the file."
            raise InputError(msg)
        where = f"{shown(path)}, line {line}"
        name = (row.get(fields["file"]) or "").strip()
        if not name:
            problems.append(
                {
                    "source": where,
                    "reason": "no file named: the row is left out",
                    "kind": "unreadable",
                }
            )
            continue
        try:
            url = parse_url(row.get(fields["url"]) or "").url
        except BadURL as exc:
            problems.append({"source": where, "reason": str(exc)})
            continue
        page = _absolute(path.parent / name)
        if page in found:
            problems.append(
                {
                    "source": where,
                    "reason": f"{name} is listed before; the first URL is used",
                    "kind": "duplicate",
                }
            )
            continue
        found[page] = url
    return found, problems


def _absolute(path: Path) -> Path:
    """``path`` made absolute without following links (a page is matched by the path it was given)."""
    return Path(os.path.abspath(path))


def _unmatched(given: Mapping[Path, str], pages: list[Path]) -> list[dict]:
    """Problem rows for the files of a URL file that are not among the pages loaded."""
    loaded = {_absolute(p) for p in pages}
    return [
        {
            "source": shown(p),
            "reason": f"listed in the URL file ({url}) but not among the pages loaded",
            "kind": "not-found",
        }
        for p, url in given.items()
        if p not in loaded
    ]


def _combine(
    read: _Read, page_frame: pd.DataFrame | None, page_problems: list[dict]
) -> pd.DataFrame:
    """One corpus of the pages and the tables, with no attrs yet (InputError if nothing was read)."""
    frames = ([] if page_frame is None else [page_frame]) + [t.corpus for t in read.tables]
    if not any(len(f) for f in frames) and (page_problems or read.failed):
        _nothing_read(len(read.pages) + len(read.unread), page_problems, read.failed)
    corpus = conform(pd.concat(frames, ignore_index=True)) if len(frames) > 1 else frames[0]
    corpus = corpus.copy(deep=False)
    corpus.attrs = {}
    if read.demo:
        corpus.attrs[DEMO_ATTR] = read.demo
    return corpus


def _note_read(corpus: pd.DataFrame, read: _Read, page_problems: list[dict]) -> pd.DataFrame:
    """Warn about what reading found (the tables' notes, pages and rows skipped), listing them."""
    for note in (n for t in read.tables for n in t.notes):
        warnings.warn(warns.note(note), stacklevel=3)
    skipped = warns.skipped_pages(page_problems, len(read.pages) + len(read.unread))
    corpus = note_problems(corpus, page_problems, skipped, stacklevel=3)
    table_problems = read.failed + [p for t in read.tables for p in t.problems]
    if table_problems:
        corpus = note_problems(
            corpus, table_problems, warns.skipped_rows(table_problems), stacklevel=3
        )
    return corpus


def _note_undated(
    corpus: pd.DataFrame, read: _Read, zones: Mapping[str, list] | None = None
) -> pd.DataFrame:
    """List and count the articles kept without a date (a page's refused zone named as its reason)."""
    reasons = {k: v for t in read.tables for k, v in t.date_reasons.items()}
    reasons.update(
        {
            source: problem("unknown-timezone", source, _zone_reason(found))
            for source, found in (zones or {}).items()
        }
    )
    undated = date_problems(corpus, reasons)
    if not undated:
        return corpus
    return note_problems(corpus, undated, warns.undated(undated, len(corpus)), stacklevel=3)


def _zone_reason(found: list) -> str:
    """Why a page's dates naming an unknown time zone were refused (worded as for a table's date)."""
    value, zone = found[0]
    more = f" and {len(found) - 1} more date(s)" if len(found) > 1 else ""
    return (
        f"unparseable date {value!r}{more} (time zone {zone!r} unknown: a date in it would be "
        "read hours off, so it was set aside)"
    )


#: Where a page's date came from (``published_from``), as the problems report says it.
_SIGNAL_WORDS = {
    "json-ld": "its JSON-LD", "meta": "its meta tags", "time-tag": "its <time> tag",
    "url": "its URL", "htmldate": "htmldate's estimate from its text",
}  # fmt: skip


def note_zones(
    corpus: pd.DataFrame,
    zones: Mapping[str, list],
    *,
    key: str = "source",
    undated: bool = False,
    stacklevel: int = 2,
) -> pd.DataFrame:
    """``corpus`` with a problem per page whose date was set aside for its time zone, and one warning.

    ``zones`` is ``{page: its record's dates_set_aside}``, the page named by
    its ``key`` column (``source`` for saved pages, ``url`` for collected
    ones). Each row names the date, the zone word and the signal that dated
    the page instead. ``undated=False`` leaves out the pages it left
    undated (:func:`load` lists those with its undated ones, the zone named
    as the reason).

    Examples
    --------
    >>> import warnings
    >>> pages = conform([{"url": "https://n.example/a", "published": "2024-10-02T09:03:00Z",
    ...                   "published_from": "meta", "source": "a.html"}])
    >>> with warnings.catch_warnings(record=True):
    ...     warnings.simplefilter("always")
    ...     noted = note_zones(pages, {"a.html": [("2 Oct 2024 14:03 QQT", "QQT")]})
    >>> noted.attrs["ddj_problems"][0]["reason"][-36:]
    'set aside); dated from its meta tags'
    """
    if not zones:
        return corpus
    pages = corpus.loc[corpus[key].isin(list(zones))]
    if not undated:
        pages = pages.loc[pages["published"].notna()]
    report = [
        problem("unknown-timezone", page, _zone_reason(zones[page]) + _dated_from(when, signal))
        for page, when, signal in zip(
            pages[key], pages["published"], pages["published_from"], strict=True
        )
    ]
    names = sorted({zone for page in pages[key] for _, zone in zones[page]})
    return note_problems(
        corpus, report, warns.unknown_zones(report, names), stacklevel=stacklevel + 1
    )


def _dated_from(when: Any, signal: Any) -> str:
    if pd.isna(when):
        return "; no other date found: left undated"
    return f"; dated from {_SIGNAL_WORDS.get(signal, signal)}"


def _gather(items: list[Any], columns: Mapping[str, str] | None, dayfirst: bool | None) -> _Read:
    """The pages to parse, the tables read, the tables that could not be read, the demo label."""
    pages: list[Path] = []
    unread: list[dict] = []
    tables: list[TableRead] = []
    failed: list[dict] = []
    demo = None  # a corpus with any synthetic demo data in it says so in everything built from it
    for item in items:
        if isinstance(item, pd.DataFrame):
            tables.append(from_frame(item, columns, dayfirst=dayfirst))
            demo = demo or item.attrs.get(DEMO_ATTR)
            continue
        path = _existing(item)
        if path.is_dir():
            found, refused = _pages_in(path)
            pages.extend(found)
            unread.extend(refused)
        elif _is_page(path):
            pages.append(path)
        elif _is_table(path):
            try:
                raw = read_raw(path)
            except InputError as exc:  # a broken file is a problem row; the others still load
                failed.append({"source": shown(path), "reason": reason(exc, path)})
                continue
            tables.append(to_corpus(raw, columns, name=shown(path), dayfirst=dayfirst))
            demo = demo or _saved_demo_label(path)
        else:
            msg = (
                f"{shown(path)}: unknown file type. ddj.load reads web pages ({', '.join(PAGE_SUFFIXES)}) and "
                f"tables ({', '.join(TABLE_SUFFIXES)}, text ones optionally .gz)."
            )
            raise InputError(msg)
    return _Read(pages, unread, tables, failed, demo)


def _pages_in(folder: Path) -> tuple[list[Path], list[dict]]:
    """The pages below ``folder`` and the problem rows of what looked like pages but is not."""
    found, refused = find_files(folder, _is_page_name)
    if not found and not refused and is_store(folder):
        msg = (
            f"{shown(folder)}: a corpus store. Open it with ddj.open({str(folder)!r}) (lazy: ddj.coverage, "
            "match, hits take it), or ddj.open(...).to_pandas() for all of it in memory."
        )
        raise InputError(msg)
    if not found and not refused:
        msg = (
            f"{shown(folder)}: no web pages in this folder or below it (looked for "
            f"{', '.join(PAGE_SUFFIXES)}). Point ddj.load at the folder that holds the saved "
            "pages, or at a table file."
        )
        raise InputError(msg)
    return found, refused


def _nothing_read(pages: int, page_problems: list[dict], failed: list[dict]) -> None:
    if failed and not pages:
        some = "; ".join(_said(p) for p in failed[:3])
        raise InputError(f"None of the {len(failed)} table(s) could be read: {some}")
    some = "; ".join(_said(p) for p in (page_problems + failed)[:3])
    msg = f"None of the {pages} page(s) could be read ({some}). Check that they are HTML files."
    raise InputError(msg)


def _said(problem: dict) -> str:
    """A problem as ``source: reason``, the source left out when the reason starts with it."""
    source, why = problem["source"], problem["reason"]
    return why if why.startswith(source) else f"{source}: {why}"


def read_pages(
    paths: Sequence[str | os.PathLike],
    *,
    cache: bool = True,
    workers: int | None = None,
    progress: bool | None = None,
    urls: Mapping[Path, str] | None = None,
) -> tuple[pd.DataFrame, list[dict]]:
    r"""Parse saved pages into corpus rows, in input order, using the cache and every core.

    ``urls`` gives some pages' web addresses (keyed by absolute path, as
    :func:`read_url_file` returns them); the others take theirs from the page.
    Each page keeps its own outlet label: :func:`load` gives every row of one
    registered domain one label (:func:`ddj.outlets.one_label_per_domain`).

    Returns the rows, a list of problems (``source``, ``reason``), one per
    page that gave no article, and ``{source: dates set aside}`` for the pages
    with a date naming a time zone ddj does not know (the record's
    ``dates_set_aside``). Used by :func:`load`; it neither deduplicates nor
    warns. ``source`` is the path as :func:`ddj.files.shown` writes it (bytes
    of a name that are not UTF-8 as ``\xNN``).
    """
    paths = [Path(p) for p in paths]
    given = [(urls or {}).get(_absolute(p)) for p in paths]
    keys, results = _content_keys(paths, given)
    results.update(
        _cached_or_parsed(paths, given, keys, cache=cache, workers=workers, progress=progress)
    )
    rows, problems, zones = [], [], {}
    for i, path in enumerate(paths):
        rec = results[i]
        if "__error__" in rec:
            problems.append({"source": shown(path), "reason": rec["__error__"]})
        else:
            rows.append({**rec, "source": shown(path)})
            if rec.get("dates_set_aside"):
                zones[shown(path)] = rec["dates_set_aside"]
    return (conform(rows) if rows else empty()), problems, zones


def _content_keys(
    paths: list[Path], urls: list[str | None]
) -> tuple[list[str | None], dict[int, dict]]:
    """Each page's cache key (None when it cannot be read) and the errors of those unread.

    A page is hashed in chunks from the regular file it is, after its size
    was checked (:func:`ddj.files.open_regular`): a FIFO, a device or a file
    over the page cap is an error here, and is never read.
    """
    keys: list[str | None] = []
    errors: dict[int, dict] = {}
    for i, path in enumerate(paths):
        version = EXTRACTOR_VERSION if urls[i] is None else f"{EXTRACTOR_VERSION}\0{urls[i]}"
        try:
            with open_regular(path, MAX_PAGE_BYTES, "page") as fh:
                keys.append(file_key(fh, version))
        except InputError as exc:
            keys.append(None)
            errors[i] = {"__error__": reason(exc, path)}
        except OSError as exc:
            keys.append(None)
            errors[i] = {"__error__": f"cannot read the file ({exc.strerror or exc})"}
    return keys, errors


def _cached_or_parsed(
    paths: list[Path],
    urls: list[str | None],
    keys: list[str | None],
    *,
    cache: bool,
    workers: int | None,
    progress: bool | None,
) -> dict[int, dict]:
    """The record (or error) of every readable page: from the cache, else parsed and cached."""
    store = RecordCache() if cache else None
    try:
        cached = store.get_many(k for k in keys if k) if store else {}
        results = {i: cached[k] for i, k in enumerate(keys) if k and k in cached}
        todo = [i for i, k in enumerate(keys) if k and k not in cached]
        fresh = dict(
            zip(
                todo,
                _parse_all([(paths[i], urls[i]) for i in todo], workers, progress),
                strict=True,
            )
        )
        if store and fresh:
            store.put_many({keys[i]: rec for i, rec in fresh.items() if keys[i]})
    finally:
        if store:
            store.close()
    return {**results, **fresh}


def find_pages(folder: str | os.PathLike) -> list[Path]:
    """Every saved page below ``folder``, in a stable (sorted) order; hidden files are skipped.

    Links to folders are not followed; entries named like pages that are not
    regular files are left out (:func:`ddj.files.find_files` lists them).
    """
    return find_files(folder, _is_page_name)[0]


def save(
    corpus: pd.DataFrame,
    path: str | os.PathLike,
    *,
    append: bool = False,
    overwrite: bool = False,
    extend: bool = False,
) -> Path:
    """Save a corpus as Parquet (``.parquet``), CSV (``.csv``, ``.csv.gz``) or JSON Lines (``.jsonl``).

    A file that exists is never replaced silently: ``overwrite=True``
    replaces it, ``extend=True`` adds the corpus's new articles to the corpus
    it holds (an article whose ``id`` it holds is left out, counted in a
    :class:`ddj.DroppedRowsWarning` and listed by ``ddj.problems``); without
    either, an :class:`~ddj.errors.InputError` names the file.

    With ``append=True``, ``path`` is a store folder and the corpus is added
    to it: Parquet parts by publication month, never rewriting what is there,
    each append whole or not at all, articles it holds already left out
    (counted), safe while other processes append too (:mod:`ddj.store`; read
    it back with ``ddj.open(path)``).

    Parquet keeps every dtype exactly; CSV and JSON Lines write dates as ISO
    8601 in UTC, and :func:`load` reads them back to the same dtypes; cells
    are written exactly as they are (no spreadsheet escaping). The file is
    written atomically, through a temporary ``.NAME.tmp-PID-TOKEN`` beside it;
    such files left by a save that was killed are removed by the next save to
    the same name. A link at ``path`` is replaced by the file, never written
    through.

    Raises
    ------
    InputError
        The frame is not a corpus, the name has no known ending, the path
        cannot be written (a folder, a place under a file, no permission), or
        the file exists and neither ``overwrite`` nor ``extend`` is given.

    Examples
    --------
    >>> import ddj
    >>> path = ddj.save(corpus, "out/corpus.parquet", overwrite=True)
    >>> ddj.load(path).equals(corpus)
    True
    >>> ddj.save(corpus, path)
    Traceback (most recent call last):
    ...
    ddj.errors.InputError: out/corpus.parquet exists already: pass overwrite=True to replace it, or extend=True to add the new articles to it.
    >>> ddj.open(ddj.save(corpus, "out/store", append=True)).months[0]
    '2019-01'
    """
    path = Path(path)
    missing = [c for c in COLUMNS if c not in corpus.columns]
    if missing:
        msg = f"Cannot save to {path}: the frame lacks corpus column(s) {missing}; build it with ddj.load()."
        raise InputError(msg)
    if append:
        return append_to_store(labelled_as_stored(corpus, path), path)
    if overwrite and extend:
        msg = "overwrite=True and extend=True: give one (replace the file, or add to it)."
        raise ParameterError(msg)
    name = path.name.lower()
    if not name.endswith(SAVE_SUFFIXES):
        msg = (
            f"Cannot save to {path}: use a name ending in .parquet, .csv, .csv.gz or .jsonl, "
            "or append=True to add to a store folder."
        )
        raise InputError(msg)
    _writable(path)
    if not overwrite and not extend:
        refuse_existing(
            path, "pass overwrite=True to replace it, or extend=True to add the new articles to it"
        )
    if extend and path.exists():
        corpus = extended(load(path), corpus, path)
    try:
        atomic_write(path, lambda tmp: _write(corpus[COLUMNS], tmp, name), remove_stale=True)
    except OSError as exc:
        msg = f"Cannot save to {path}: {exc.strerror or exc}. Choose a place you can write to."
        raise InputError(msg) from exc
    return path


def refuse_existing(path: str | os.PathLike, fix: str) -> None:
    """Raise InputError when ``path`` exists (no corpus file is replaced silently); ``fix`` says how.

    The one check of :func:`save`, ``ddj.collect(out=...)`` and the CLI's
    ``-o``, each saying how in its own words (``fix``).

    Examples
    --------
    >>> refuse_existing("/dev/null", "give --overwrite to replace it")
    Traceback (most recent call last):
    ...
    ddj.errors.InputError: /dev/null exists already: give --overwrite to replace it.
    """
    if Path(path).exists() or Path(path).is_symlink():
        msg = f"{path} exists already: {fix}."
        raise InputError(msg)


def labelled_as_stored(corpus: pd.DataFrame, folder: str | os.PathLike) -> pd.DataFrame:
    """``corpus`` with one outlet label per registered domain, the one the store in ``folder`` uses.

    A domain the store holds keeps the store's label
    (:func:`ddj.outlets.held_labels` over its ``url`` and ``outlet``
    columns); a new one is labelled as :func:`load` labels it. A folder that
    is no store yet holds no labels.
    """
    held = {}
    if is_store(folder):
        held = held_labels(open_store(folder).batches(columns=["url", "outlet"]))
    return one_label_per_domain(corpus, held=held)


def extended(old: pd.DataFrame, new: pd.DataFrame, path: str | os.PathLike) -> pd.DataFrame:
    """``old`` then the articles of ``new`` whose ``id`` it does not hold (each left out counted).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     both = extended(corpus.head(3), corpus.head(5), "c.parquet")
    >>> len(both), str(caught[0].message)[:36]
    (5, 'Left out 3 article(s) c.parquet hold')
    """
    old = conform(old)
    new = one_label_per_domain(conform(new), held=held_labels([old]))  # outlets named as before
    held = new["id"].isin(set(old["id"])) | new["id"].duplicated()
    both = pd.concat([old, new[~held.to_numpy()]], ignore_index=True)
    both.attrs = {**old.attrs}
    problems = list(old.attrs.get(PROBLEMS_ATTR, [])) + list(new.attrs.get(PROBLEMS_ATTR, []))
    if problems:
        both.attrs[PROBLEMS_ATTR] = problems
    if new.attrs.get(DEMO_ATTR):
        both.attrs[DEMO_ATTR] = new.attrs[DEMO_ATTR]
    report = [
        {
            "source": str(u),
            "reason": f"already in {path} (article {i}): not added",
            "kind": "already-held",
            "id": str(i),
            "url": str(u),
        }
        for u, i in zip(
            new.loc[held.to_numpy(), "url"], new.loc[held.to_numpy(), "id"], strict=True
        )
    ]
    return note_problems(both, report, warns.held_in_file(report, path), stacklevel=3)


#: Endings :func:`save` writes.
SAVE_SUFFIXES = (".parquet", ".pq", ".csv", ".csv.gz", ".jsonl", ".jsonl.gz")


def _writable(path: Path) -> None:
    """Raise InputError unless ``path`` can be a file: not a folder, not under a file."""
    if path.is_dir():
        msg = (
            f"Cannot save to {path}: it is a folder. Give a file name inside it, e.g. "
            f"{path / 'corpus.parquet'}, or pass append=True to add to a store there."
        )
        raise InputError(msg)
    why = folder_refusal(path.parent)
    if why is not None:
        msg = f"Cannot save to {path}: {path.parent} {why}. Choose another place."
        raise InputError(msg)


def _write(frame: pd.DataFrame, tmp: Path, name: str) -> None:
    if name.endswith((".parquet", ".pq")):
        frame.to_parquet(tmp, index=False)
        return
    flat = frame.copy()
    flat["published"] = frame["published"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    flat["published_local"] = frame["published_local"].dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
    comp = "gzip" if name.endswith(".gz") else None
    if ".csv" in name:
        # CRLF rows (RFC 4180): the writer then quotes every cell holding a CR or LF
        flat.to_csv(tmp, index=False, compression=comp, lineterminator="\r\n")
    else:
        flat.to_json(tmp, orient="records", lines=True, force_ascii=False, compression=comp)


# -- helpers ---------------------------------------------------------------------------------


def _existing(item: Any) -> Path:
    if not isinstance(item, (str, os.PathLike)):
        msg = f"ddj.load() cannot read a {type(item).__name__}; pass a path, a folder, a table file or a DataFrame."
        raise InputError(msg)
    path = Path(item).expanduser()
    if path.is_symlink() and not path.exists():
        msg = f"{shown(path)}: a link to {shown(os.readlink(path))}, which does not exist. Fix the link, or give the file itself."
        raise InputError(msg)
    if not path.exists():
        msg = f"{shown(path)}: no such file or folder. Check the path (it is relative to {shown(Path.cwd())})."
        raise InputError(msg)
    return path


def _saved_demo_label(path: Path) -> str | None:
    """The demo label a Parquet file saved by :func:`save` carries (pandas keeps ``attrs``)."""
    if not path.name.lower().endswith((".parquet", ".pq")):
        return None
    import json

    import pyarrow.parquet as pq

    try:
        with open_regular(path) as fh:
            meta = pq.read_schema(fh).metadata or {}
        return json.loads(meta.get(b"PANDAS_ATTRS", b"{}")).get(DEMO_ATTR)
    except (OSError, ValueError, AttributeError):  # InputError is a ValueError
        return None


def _is_page(path: Path) -> bool:
    return _is_page_name(path.name)


def _is_page_name(name: str) -> bool:
    return name.lower().endswith(PAGE_SUFFIXES)


def _is_table(path: Path) -> bool:
    name = path.name.lower()
    name = name[:-3] if name.endswith(".gz") else name
    return name.endswith(TABLE_SUFFIXES)


def _parse_all(
    paths: list[tuple[Path, str | None]], workers: int | None, progress: bool | None
) -> Iterator[dict]:
    """The record (or ``{"__error__": reason}``) of each page, in order, on every core."""
    if not paths:
        return
    workers = workers or os.cpu_count() or 1
    bar = progress_bar(len(paths), desc="Parsing pages", unit="page", show=progress, leave=False)
    try:
        with Extractor(_parse_file, workers=workers, pooled=len(paths) >= POOL_THRESHOLD) as pool:
            for _, record in pool.map((p, (p,) if url is None else (p, url)) for p, url in paths):
                if bar is not None:
                    bar.update(1)
                yield record
    finally:
        if bar is not None:
            bar.close()


def _parse_file(path: Path, url: str | None = None) -> dict:
    """Read and parse one page file (from ``url`` when given); errors come back as ``{"__error__": reason}``."""
    try:
        data = read_regular(path, MAX_PAGE_BYTES, "page")
        if path.name.lower().endswith(".gz") or is_gzip(data):
            data = gunzip(data, what=shown(path.name))
    except OSError as exc:
        return {"__error__": f"cannot read the file ({exc})"}
    except InputError as exc:  # not a regular file, too big (once expanded), or broken
        return {"__error__": reason(exc, path)}
    record, why = safe_read_html(data, url)
    if record is None:
        return {"__error__": why}
    authors = record.get("authors")
    record["authors"] = list(authors) if authors is not None else []  # JSON-able for the cache
    return record
