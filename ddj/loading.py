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
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ddj.cache import RecordCache, content_key
from ddj.corpus import COLUMNS, DEMO_ATTR, PROBLEMS_ATTR, conform, empty
from ddj.corpus import dedupe as _dedupe
from ddj.errors import DroppedRowsWarning, ExtractionError, InputError
from ddj.limits import gunzip, is_gzip
from ddj.tables import TABLE_SUFFIXES, map_columns, read_table

#: File endings read as saved web pages.
PAGE_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz", ".xhtml")

#: Below this many pages to parse, parsing stays in this process (a pool costs ~1 s to start).
POOL_THRESHOLD = 24

Source = str | os.PathLike | pd.DataFrame


def load(
    source: Source | Sequence[Source],
    *,
    columns: Mapping[str, str] | None = None,
    dedupe: bool = True,
    cache: bool = True,
    workers: int | None = None,
    progress: bool | None = None,
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
    dedupe
        Drop repeated articles (same URL after removing scheme, ``www.``,
        tracking parameters and fragments), with a counted warning.
    cache
        Reuse records parsed before (keyed by page content and extractor
        version) from the cache under ``$DDJ_CACHE`` or the user cache dir.
    workers
        Processes for parsing pages; default: every core.
    progress
        Show a progress bar; default: when parsing 50 pages or more.

    Returns
    -------
    DataFrame in the corpus schema. ``ddj.problems(corpus)`` lists the items
    skipped, dropped or left undated, with the reason.

    Raises
    ------
    InputError
        A path that does not exist, a folder with no pages, an unknown file
        type, or a load where no page at all could be read.
    SchemaError
        A table without a URL or date column (name them with ``columns=``).

    Examples
    --------
    >>> import ddj
    >>> corpus = ddj.load("pages/")                                  # doctest: +SKIP
    >>> corpus = ddj.load("export.csv", columns={"Link": "url"})     # doctest: +SKIP
    >>> ddj.problems(corpus).head()                                  # doctest: +SKIP
    """
    items = list(source) if isinstance(source, (list, tuple)) else [source]
    if not items:
        raise InputError("ddj.load() was given an empty list: pass a file, a folder or a table.")
    frames: list[pd.DataFrame] = []
    problems: list[dict] = []
    pages: list[Path] = []
    demo = None  # a corpus with any synthetic demo data in it says so in everything built from it
    for item in items:
        if isinstance(item, pd.DataFrame):
            frames.append(_from_frame(item, columns))
            demo = demo or item.attrs.get(DEMO_ATTR)
            continue
        path = _existing(item)
        if path.is_dir():
            found = find_pages(path)
            if not found:
                msg = (
                    f"{path}: no web pages in this folder or below it (looked for "
                    f"{', '.join(PAGE_SUFFIXES)}). Point ddj.load at the folder that holds the saved "
                    "pages, or at a table file."
                )
                raise InputError(msg)
            pages.extend(found)
        elif _is_page(path):
            pages.append(path)
        elif _is_table(path):
            frames.append(read_table(path, columns))
            demo = demo or _saved_demo_label(path)
        else:
            msg = (
                f"{path}: unknown file type. ddj.load reads web pages ({', '.join(PAGE_SUFFIXES)}) and "
                f"tables ({', '.join(TABLE_SUFFIXES)}, text ones optionally .gz)."
            )
            raise InputError(msg)
    if pages:
        page_frame, page_problems = read_pages(
            pages, cache=cache, workers=workers, progress=progress
        )
        problems.extend(page_problems)
        if len(page_frame) == 0 and not frames:
            shown = "; ".join(f"{p['source']}: {p['reason']}" for p in page_problems[:3])
            msg = f"None of the {len(pages)} page(s) could be read ({shown}). Check that they are HTML files."
            raise InputError(msg)
        frames.insert(0, page_frame)
    corpus = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    corpus = conform(corpus) if len(frames) > 1 else corpus
    corpus.attrs = {}
    if problems:
        msg = (
            f"Skipped {len(problems)} of {len(pages)} page(s) that gave no article "
            "(see ddj.problems(corpus) for which and why)."
        )
        warnings.warn(DroppedRowsWarning(msg, problems), stacklevel=2)
    corpus.attrs[PROBLEMS_ATTR] = problems
    if demo:
        corpus.attrs[DEMO_ATTR] = demo
    if dedupe:
        corpus = _dedupe(corpus)
    undated = corpus["published"].isna()
    if undated.any():
        report = [
            {"source": _name(s, u), "reason": "no publication date found"}
            for s, u in zip(corpus.loc[undated, "source"], corpus.loc[undated, "url"], strict=True)
        ]
        corpus.attrs[PROBLEMS_ATTR] = list(corpus.attrs.get(PROBLEMS_ATTR, [])) + report
        msg = (
            f"{int(undated.sum())} of {len(corpus)} article(s) have no publication date; they are kept "
            "(published is NaT) but left out of coverage counts. ddj.problems(corpus) lists them."
        )
        warnings.warn(DroppedRowsWarning(msg, report), stacklevel=2)
    return corpus


def read_pages(
    paths: Sequence[str | os.PathLike],
    *,
    cache: bool = True,
    workers: int | None = None,
    progress: bool | None = None,
) -> tuple[pd.DataFrame, list[dict]]:
    """Parse saved pages into corpus rows, in input order, using the cache and every core.

    Returns the rows and a list of problems (``source``, ``reason``), one per
    page that gave no article. Used by :func:`load`; it neither deduplicates nor
    warns.
    """
    from ddj.extract import EXTRACTOR_VERSION

    paths = [Path(p) for p in paths]
    keys: list[str | None] = []
    problems: list[dict] = []
    results: dict[int, dict] = {}
    for i, path in enumerate(paths):
        try:
            keys.append(content_key(path.read_bytes(), EXTRACTOR_VERSION))
        except OSError as exc:
            keys.append(None)
            results[i] = {"__error__": f"cannot read the file ({exc.strerror or exc})"}
    store = RecordCache() if cache else None
    try:
        cached = store.get_many(k for k in keys if k) if store else {}
        todo = [i for i, k in enumerate(keys) if k and k not in cached]
        for i, k in enumerate(keys):
            if k and k in cached:
                results[i] = cached[k]
        fresh = dict(
            zip(todo, _parse_all([paths[i] for i in todo], workers, progress), strict=True)
        )
        results.update(fresh)
        if store and fresh:
            store.put_many({keys[i]: rec for i, rec in fresh.items() if keys[i]})
    finally:
        if store:
            store.close()
    rows = []
    for i, path in enumerate(paths):
        rec = results[i]
        if "__error__" in rec:
            problems.append({"source": str(path), "reason": rec["__error__"]})
            continue
        rows.append({**rec, "source": str(path)})
    frame = conform(rows) if rows else empty()
    return frame, problems


def find_pages(folder: str | os.PathLike) -> list[Path]:
    """Every saved page below ``folder``, in a stable (sorted) order; hidden files are skipped."""
    folder = Path(folder)
    found = [
        p
        for p in folder.rglob("*")
        if p.is_file()
        and _is_page(p)
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]
    return sorted(found)


def save(corpus: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Save a corpus as Parquet (``.parquet``), CSV (``.csv``, ``.csv.gz``) or JSON Lines (``.jsonl``).

    Parquet keeps every dtype exactly; CSV and JSON Lines write dates as ISO
    8601 in UTC, and :func:`load` reads them
    back to the same dtypes. The file is written atomically.

    Examples
    --------
    >>> import ddj
    >>> ddj.save(corpus, "out/corpus.parquet")          # doctest: +SKIP
    >>> ddj.load("out/corpus.parquet").equals(corpus)   # doctest: +SKIP
    True
    """
    path = Path(path)
    missing = [c for c in COLUMNS if c not in corpus.columns]
    if missing:
        msg = f"Cannot save to {path}: the frame lacks corpus column(s) {missing}; build it with ddj.load()."
        raise InputError(msg)
    name = path.name.lower()
    if not name.endswith((".parquet", ".pq", ".csv", ".csv.gz", ".jsonl", ".jsonl.gz")):
        msg = f"Cannot save to {path}: use a name ending in .parquet, .csv, .csv.gz or .jsonl."
        raise InputError(msg)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    frame = corpus[COLUMNS]
    try:
        if name.endswith((".parquet", ".pq")):
            frame.to_parquet(tmp, index=False)
        else:
            flat = frame.copy()
            flat["published"] = frame["published"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            flat["published_local"] = frame["published_local"].dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
            comp = "gzip" if name.endswith(".gz") else None
            if ".csv" in name:
                flat.to_csv(tmp, index=False, compression=comp)
            else:
                flat.to_json(tmp, orient="records", lines=True, force_ascii=False, compression=comp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


# -- helpers ---------------------------------------------------------------------------------


def _existing(item: Any) -> Path:
    if not isinstance(item, (str, os.PathLike)):
        msg = f"ddj.load() cannot read a {type(item).__name__}; pass a path, a folder, a table file or a DataFrame."
        raise InputError(msg)
    path = Path(item).expanduser()
    if not path.exists():
        msg = f"{path}: no such file or folder. Check the path (it is relative to {Path.cwd()})."
        raise InputError(msg)
    return path


def _saved_demo_label(path: Path) -> str | None:
    """The demo label a Parquet file saved by :func:`save` carries (pandas keeps ``attrs``)."""
    if not path.name.lower().endswith((".parquet", ".pq")):
        return None
    import json

    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).metadata or {}
        return json.loads(meta.get(b"PANDAS_ATTRS", b"{}")).get(DEMO_ATTR)
    except (OSError, ValueError, AttributeError):
        return None


def _is_page(path: Path) -> bool:
    return path.name.lower().endswith(PAGE_SUFFIXES)


def _is_table(path: Path) -> bool:
    name = path.name.lower()
    name = name[:-3] if name.endswith(".gz") else name
    return name.endswith(TABLE_SUFFIXES)


def _from_frame(frame: pd.DataFrame, columns: Mapping[str, str] | None) -> pd.DataFrame:
    if set(COLUMNS) <= set(frame.columns):
        return conform(frame[COLUMNS])
    mapped = map_columns(frame, columns, name="the DataFrame")
    if "source" not in mapped.columns:
        mapped = mapped.assign(source=[f"DataFrame#row={i}" for i in range(len(mapped))])
    return conform(mapped)


def _name(source: Any, url: Any) -> str:
    for v in (source, url):
        if isinstance(v, str) and v:
            return v
    return ""


def _parse_all(paths: list[Path], workers: int | None, progress: bool | None) -> Iterator[dict]:
    if not paths:
        return iter(())
    workers = workers or os.cpu_count() or 1
    show = progress if progress is not None else len(paths) >= 50 and _interactive()
    bar = _progress(len(paths), show)
    if workers <= 1 or len(paths) < POOL_THRESHOLD:
        return _ticking((_parse_file(p) for p in paths), bar)
    return _pooled(paths, workers, bar)


def _pooled(paths: list[Path], workers: int, bar: Any) -> Iterator[dict]:
    from ddj.pool import process_pool  # workers exit with this process, even on SIGKILL

    chunk = max(1, min(16, len(paths) // (workers * 8)))
    with process_pool(workers) as pool:
        yield from _ticking(pool.map(_parse_file, paths, chunksize=chunk), bar)


def _ticking(results: Iterable[dict], bar: Any) -> Iterator[dict]:
    try:
        for rec in results:
            if bar is not None:
                bar.update(1)
            yield rec
    finally:
        if bar is not None:
            bar.close()


def _interactive() -> bool:
    """A person is watching: a terminal, or a Jupyter kernel."""
    import sys

    return bool(getattr(sys.stderr, "isatty", lambda: False)()) or "ipykernel" in sys.modules


def _progress(total: int, show: bool) -> Any:
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="Parsing pages", unit="page", leave=False)


def _parse_file(path: Path) -> dict:
    """Read and parse one page file; errors come back as ``{"__error__": reason}``."""
    from ddj.extract import read_html

    try:
        data = path.read_bytes()
        if path.name.lower().endswith(".gz") or is_gzip(data):
            data = gunzip(data, what=path.name)
    except OSError as exc:
        return {"__error__": f"cannot read the file ({exc})"}
    except InputError as exc:  # too big once expanded, or broken
        return {"__error__": str(exc)}
    try:
        record = read_html(data)
    except ExtractionError as exc:
        return {"__error__": str(exc)}
    except Exception as exc:  # a parser bug must not abort a batch; it is reported instead
        return {"__error__": f"extraction failed ({type(exc).__name__}: {exc})"}
    authors = record.get("authors")
    record["authors"] = list(authors) if authors is not None else []  # JSON-able for the cache
    return record
