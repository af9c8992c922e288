"""Collect articles from the web and from web archives into a corpus.

:func:`collect` gathers article URLs (lists, feeds, sitemaps, front pages, WARC
files), fetches them politely (:class:`~ddj.collect.fetch.Fetcher`), keeps every
raw page in a resumable on-disk cache (:class:`~ddj.collect.cache.PageCache`),
extracts each with :func:`ddj.read_html` and returns the corpus together with a
table of every failure.
"""

from __future__ import annotations

import collections
import os
import queue
import sys
import time
import types
import warnings
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from ddj.collect.cache import PageCache
from ddj.collect.fetch import Fetcher, Page, host_of, strip_credentials
from ddj.collect.sources import (
    MAX_PAGES,
    Candidate,
    SourceFailure,
    discover_site,
    feed_entries,
    read_urls,
    walk_sitemaps,
    warc_records,
)
from ddj.errors import DdjError, DdjWarning, DroppedRowsWarning, InputError, ParameterError

__all__ = ["FAILURE_COLUMNS", "PageCache", "Fetcher", "collect", "failures_path"]

FAILURE_COLUMNS = ("url", "stage", "status", "reason", "attempts")

DateLike = str | date | datetime | pd.Timestamp | None


def collect(
    urls: str | os.PathLike | Iterable[str] | None = None,
    feeds: str | Iterable[str] | None = None,
    sitemaps: str | Iterable[str] | None = None,
    sites: str | Iterable[str] | None = None,
    warcs: str | os.PathLike | Iterable[str | os.PathLike] | None = None,
    since: DateLike = None,
    until: DateLike = None,
    cache_dir: str | os.PathLike | None = None,
    refresh: bool = False,
    rate: float | None = 1.0,
    *,
    corpus: pd.DataFrame | None = None,
    out: str | os.PathLike | None = None,
    contact: str | None = None,
    robots: bool = True,
    workers: int = 8,
    extract_workers: int | None = None,
    connect_timeout: float = 10.0,
    read_timeout: float = 30.0,
    deadline: float = 60.0,
    retries: int = 3,
    backoff: float = 1.0,
    max_retry_after: float = 120.0,
    max_bytes: int = 5_000_000,
    max_redirects: int = 5,
    max_sections: int = 30,
    max_pages: int = MAX_PAGES,
    allow_private: bool = False,
    dry_run: bool = False,
    progress: bool | None = None,
    quiet: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build (or extend) a corpus from the web and from web archives.

    Parameters
    ----------
    urls
        Article URLs: a list, or a text file with one URL a line.
    feeds
        RSS or Atom feed URLs; an entry's date fills ``published`` (with
        ``published_from="feed"``) when the page itself gives none, or only the
        day in its URL.
    sitemaps
        XML sitemap URLs: plain, gzipped, sitemap indexes and Google News
        sitemaps. Entries dated outside ``since``/``until`` are not fetched; a
        ``news:publication_date`` is used like a feed date (a ``lastmod`` only
        filters: it is the date of the last change, not of publication).
    sites
        Front pages: the articles they and their section pages link to.
    warcs
        WARC or WARC.gz files; their HTML responses are extracted, nothing is fetched.
    since, until
        Keep articles published in ``[since, until]`` (dates or ISO strings, UTC
        when naive; a bare ``until`` date includes that whole day). Articles with
        no date at all are kept.
    cache_dir
        Where raw pages are kept (default: ``pages`` in the ddj cache folder). A
        rerun fetches nothing already fetched, so an interrupted run resumes.
        Feeds, sitemaps and front pages are read again on every run (they
        change); transient failures (timeouts, 429, 5xx) are tried again.
    refresh
        Fetch every page again, even those in the cache.
    rate
        Requests per second per host (default 1). ``None`` lifts the limit.
    corpus
        An existing corpus to extend; repeated URLs are dropped (first kept).
    out
        Save the corpus here (``.parquet``, ``.csv``, ``.jsonl``) and the failures
        beside it (``<name>.failures.csv``). Parquet keeps the synthetic demo
        data label (see Returns).
    contact
        An email or URL for the User-Agent (``ddj/0.1 (+contact)``).
    robots
        Respect robots.txt (default). ``False`` only for sites that allow you to.
    workers
        Hosts fetched at the same time (each host is asked one request at a time).
    extract_workers
        Processes that extract pages (default: one per CPU) when there are at
        least 200 pages; ``1`` keeps extraction in this process.
    connect_timeout, read_timeout, retries, backoff, max_retry_after, max_bytes, max_redirects
        Fetcher limits; see :class:`ddj.collect.fetch.Fetcher`.
    deadline
        Seconds one page may take in all (default 60), however slowly the
        server sends it; past it the page is a failure ("took longer than").
    max_sections
        Section pages followed per front page.
    max_pages
        Article URLs that feeds, sitemaps and front pages may list in all
        (default 50,000; URL lists and WARC files are not counted). A sitemap
        walk also reads at most ``ddj.collect.sources.MAX_SITEMAPS`` sitemaps.
        Each limit reached is a failure row saying what was left out.
    allow_private
        Let feeds, sitemaps, pages and redirects lead to loopback, private,
        link-local and other non-public addresses. By default only the hosts
        of the URLs, feeds, sitemaps and sites you pass may be on such
        addresses; any other host must resolve to public addresses only
        (checked when connecting, against the address connected to).
    dry_run
        Discover (feeds, sitemaps and front pages are read) but fetch no article:
        return the plan (``url``, ``origin``, ``hint``, ``cached``) and the failures.
    progress
        Show a progress bar (default: when the output is a terminal).
    quiet
        Do not print the summary.

    Returns
    -------
    (corpus, failures): the corpus in ddj's schema, in the order the articles
    were found, and a DataFrame with one row per failed URL (``url``, ``stage``
    of ``fetch``, ``extract``, ``feed``, ``sitemap``, ``site`` or ``warc``,
    ``status``, ``reason``, ``attempts``).

    When any WARC read declares itself ddj's synthetic demo data (its
    ``warcinfo`` record has a ``ddj-demo`` field, as :func:`ddj.demo.demo_warc`
    writes), or ``corpus`` is labelled so, the corpus is too:
    ``attrs["ddj_demo"] == "synthetic demo data"``, even when other sources
    were collected with it, so every chart and table built from it says so.

    A ``user:password@`` part of any URL is removed (never stored in the
    corpus, the cache or the failures; ddj never sends it) with one
    :class:`ddj.errors.DdjWarning` counting the URLs.

    Raises
    ------
    ParameterError
        No source given, or a limit that makes no sense.
    InputError
        A URL list or WARC file that does not exist.

    Examples
    --------
    >>> import ddj
    >>> corpus, failures = ddj.collect(feeds=["https://news.example.org/rss.xml"],
    ...                                since="2024-01-01", contact="desk@example.org")  # doctest: +SKIP
    >>> failures.groupby("reason").size()                                              # doctest: +SKIP
    """
    if not any(x is not None for x in (urls, feeds, sitemaps, sites, warcs)):
        message = "collect() needs at least one source: urls=, feeds=, sitemaps=, sites= or warcs="
        raise ParameterError(message)
    if workers < 1:
        message = f"workers={workers!r}: give 1 or more"
        raise ParameterError(message)
    start, end = _bound(since, "since", end=False), _bound(until, "until", end=True)
    if start is not None and end is not None and start > end:
        message = f"since={since!r} is after until={until!r}: swap them"
        raise ParameterError(message)
    if max_pages < 1:
        message = f"max_pages={max_pages!r}: give 1 or more"
        raise ParameterError(message)
    scrubbed = _Scrubbed()
    urls = None if urls is None else scrubbed(read_urls(urls))
    feeds, sitemaps, sites = (scrubbed(_listify(x)) or None for x in (feeds, sitemaps, sites))
    from ddj.cache import cache_dir as ddj_cache_dir

    root = Path(cache_dir) if cache_dir is not None else ddj_cache_dir() / "pages"
    fetcher = Fetcher(
        rate=rate, contact=contact, robots=robots, connect_timeout=connect_timeout,
        read_timeout=read_timeout, deadline=deadline, retries=retries, backoff=backoff,
        max_retry_after=max_retry_after, max_bytes=max_bytes, max_redirects=max_redirects,
        pool_size=max(workers, 1), allow_private=allow_private, state_dir=root / "hosts",
        trusted=[host_of(u) for u in (urls or []) + (feeds or []) + (sitemaps or []) + (sites or [])],
    )  # fmt: skip
    cache = PageCache(root)
    try:
        source_failures: list[SourceFailure] = []
        limits = {"max_sections": max_sections, "max_pages": max_pages, "max_bytes": max_bytes}
        candidates, demo_input = _discover(
            fetcher, urls, feeds, sitemaps, sites, warcs, start, source_failures, limits, workers
        )
        scrubbed.count += sum(c.had_credentials for c in candidates)
        candidates, outside = _filter_hints(candidates, start, end)
        if dry_run:
            plan = pd.DataFrame(
                {
                    "url": pd.Series([c.url for c in candidates], dtype="str"),
                    "origin": pd.Series([c.origin for c in candidates], dtype="str"),
                    "hint": pd.Series([c.hint for c in candidates], dtype="datetime64[us, UTC]"),
                    "cached": [
                        c.body is not None or (not refresh and _cached(cache, c.url))
                        for c in candidates
                    ],
                }
            )
            failures = _failures_frame([_as_row(f) for f in source_failures])
            if not quiet:
                print(f"dry run: {len(plan)} article(s) found, {int((~plan['cached']).sum())} to fetch, "
                      f"{outside} outside since/until, {len(failures)} source failure(s)")  # fmt: skip
            return plan, failures
        records, failure_rows, fetched = _fetch_and_extract(
            fetcher,
            cache,
            candidates,
            refresh=refresh,
            workers=workers,
            extract_workers=extract_workers,
            progress=progress,
        )
    finally:
        cache.close()
        scrubbed.warn(fetcher.credentials_removed)
    failure_rows = [_as_row(f) for f in source_failures] + failure_rows
    with warnings.catch_warnings(record=True) as caught:  # re-raised below, at the caller's line
        warnings.simplefilter("always")
        result, dropped = _to_corpus(records, start, end)
        if corpus is not None:
            from ddj.corpus import conform, dedupe

            result = dedupe(pd.concat([conform(corpus), result], ignore_index=True))
        elif len(result):
            from ddj.corpus import dedupe

            result = dedupe(result)
    for caught_warning in caught:
        warnings.warn(caught_warning.message, stacklevel=2)
    from ddj.corpus import DEMO_ATTR

    if demo_input or (corpus is not None and corpus.attrs.get(DEMO_ATTR)):
        from ddj.demo import DEMO_LABEL

        result.attrs[DEMO_ATTR] = DEMO_LABEL  # any synthetic demo data in: the output says so
    failures = _failures_frame(failure_rows)
    if out is not None:
        from ddj.loading import save

        save(result, out)
        failures.to_csv(failures_path(out), index=False)
    if not quiet:
        _summary(result, failures, len(candidates), fetched, outside, dropped)
    return result, failures


def failures_path(out: str | os.PathLike) -> Path:
    """Where the failures of a corpus saved at ``out`` are written.

    Examples
    --------
    >>> failures_path("out/corpus.parquet").as_posix()
    'out/corpus.failures.csv'
    """
    path = Path(out)
    name = path.name
    for suffix in (".csv.gz", ".parquet", ".csv", ".jsonl"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return path.with_name(name + ".failures.csv")


# -- discovery -------------------------------------------------------------------------------
def _listify(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, (str, os.PathLike)):
        return [value]
    return list(value)


def _discover(fetcher, urls, feeds, sitemaps, sites, warcs, start, failures, limits, workers):
    """The candidates, one per URL, and whether any WARC read declares itself ddj demo data."""
    from ddj.demo import DEMO_WARC_FIELD

    def get(url: str, stage: str, kind: str) -> tuple[bytes | None, SourceFailure | None]:
        page = fetcher.get(url, kind=kind)
        if page.ok:
            return page.body, None
        return None, SourceFailure(url, stage, page.status, page.reason, page.attempts)

    def one_feed(url: str) -> list[Candidate]:
        body, failure = get(url, "feed", "xml")
        if failure is not None:
            failures.append(failure)
            return []
        try:
            return feed_entries(body, url)
        except InputError as exc:
            failures.append(SourceFailure(url, "feed", 200, str(exc), 1))
            return []

    def one_sitemap(url: str) -> list[Candidate]:
        return walk_sitemaps(url, lambda u: get(u, "sitemap", "xml"), failures, since=start,
                             max_pages=limits["max_pages"])  # fmt: skip

    def one_site(url: str) -> list[Candidate]:
        return discover_site(
            url, lambda u: get(u, "site", "html"), failures, limits["max_sections"]
        )

    found: list[Candidate] = [Candidate(u, "urls") for u in urls or []]
    jobs = [(one_feed, u) for u in _listify(feeds)]
    jobs += [(one_sitemap, u) for u in _listify(sitemaps)]
    jobs += [(one_site, u) for u in _listify(sites)]
    if jobs:
        listed: list[Candidate] = []
        with ThreadPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            for batch in pool.map(lambda job: job[0](job[1]), jobs):
                listed.extend(batch)
        found.extend(_at_most(listed, limits["max_pages"], failures))
    demo = False
    for path in _listify(warcs):
        info: dict[str, str] = {}
        found.extend(warc_records(path, failures, info, max_bytes=limits["max_bytes"]))
        demo = demo or bool(info.get(DEMO_WARC_FIELD))
    return _merge(found), demo


def _at_most(listed: list[Candidate], max_pages: int, failures: list[SourceFailure]):
    """The first ``max_pages`` distinct URLs that feeds, sitemaps and sites listed; the cut is a failure row."""
    distinct = list(dict.fromkeys(c.url for c in listed))
    if len(distinct) <= max_pages:
        return listed
    keep = set(distinct[:max_pages])
    reason = (f"feeds, sitemaps and front pages list {len(distinct):,} pages, more than "
              f"max_pages={max_pages:,}: {len(distinct) - max_pages:,} are not collected "
              "(raise max_pages=, --max-pages, or narrow since=)")  # fmt: skip
    failures.append(SourceFailure(distinct[max_pages], "discover", None, reason, 0))
    return [c for c in listed if c.url in keep]


def _merge(found: list[Candidate]) -> list[Candidate]:
    """One candidate per URL: the first found, with the first date hint any source gave."""
    merged: dict[str, Candidate] = {}
    for cand in found:
        seen = merged.get(cand.url)
        if seen is None:
            merged[cand.url] = cand
        else:
            if cand.hint is not None and (
                seen.hint is None or (cand.published and not seen.published)
            ):
                seen.hint, seen.published = cand.hint, cand.published
            if seen.body is None and cand.body is not None:
                seen.body = cand.body
            seen.had_credentials = seen.had_credentials or cand.had_credentials
    return list(merged.values())


class _Scrubbed:
    """Removes credentials from the URLs the user passed, and warns once for the whole collection."""

    def __init__(self):
        self.count = 0

    def __call__(self, urls: list[str]) -> list[str]:
        clean = [strip_credentials(str(u).strip()) for u in urls]
        self.count += sum(a != str(b).strip() for a, b in zip(clean, urls, strict=True))
        return clean

    def warn(self, more: int = 0) -> None:
        total = self.count + more
        if total:
            message = (
                f"removed the user:password part of {total} URL(s): ddj never stores credentials "
                "(in the corpus, the cache or the failures) and never sends them"
            )
            warnings.warn(DdjWarning(message), stacklevel=3)


def _filter_hints(candidates, start, end):
    kept, outside = [], 0
    for cand in candidates:
        if cand.hint is not None and (
            (start is not None and cand.hint < start) or (end is not None and cand.hint > end)
        ):
            outside += 1
            continue
        kept.append(cand)
    return kept, outside


def _cached(cache: PageCache, url: str) -> bool:
    entry = cache.get(url)
    return entry is not None


# -- fetching and extraction -------------------------------------------------------------------
POOL_THRESHOLD = 200  # pages: below this, extraction stays in this process


def _read_page(body: bytes, url: str) -> tuple[str, Any]:
    """read_html for a worker process: ("ok", record) or ("error", reason); never raises."""
    from ddj.extract import read_html

    try:
        return "ok", read_html(body, url=url)
    except DdjError as exc:
        return "error", str(exc)
    except Exception as exc:  # noqa: BLE001 - one bad page never stops a run
        return "error", f"{type(exc).__name__}: {exc!s:.150}"


def _pid() -> int:
    return os.getpid()


class _Extractor:
    """Extract pages in this process, or in worker processes for large collections.

    Worker processes keep the CPU-bound extraction off this process's GIL, so
    the fetching threads are not starved (in-process, each network wake-up waits
    for the extracting thread). At most ``4 * workers`` pages wait at a time.
    """

    def __init__(self, candidates, records, failures, workers: int, expected: int):
        self.candidates, self.records, self.failures = candidates, records, failures
        self.pool = None
        self.pending: collections.deque = collections.deque()
        self.limit = 4 * max(workers, 1)
        if workers > 1 and expected >= POOL_THRESHOLD:
            from ddj.pool import process_pool

            with warnings.catch_warnings():  # imports once here, inherited by the workers
                warnings.simplefilter("ignore")
                _read_page(b"<html><title>warm</title><p>up</p></html>", "http://warm.up/")
            self.pool = process_pool(workers)  # workers exit with this process, even on SIGKILL
            # start every worker now, before the fetching threads exist: a process forked
            # while other threads hold locks can inherit a held lock
            for future in [self.pool.submit(_pid) for _ in range(workers)]:
                future.result()

    def submit(self, i: int, body: bytes, url: str | None) -> None:
        url = url or self.candidates[i].url
        if self.pool is None:
            self._finish(i, _read_page(body, url))
            return
        self.pending.append((i, self.pool.submit(_read_page, body, url)))
        while len(self.pending) > self.limit:
            self._collect_one()

    def _collect_one(self) -> None:
        i, future = self.pending.popleft()
        self._finish(i, future.result())

    def close(self, cancel: bool = False) -> None:
        if self.pool is None:
            return
        if not cancel:
            while self.pending:
                self._collect_one()
        self.pool.shutdown(wait=True, cancel_futures=cancel)

    def _finish(self, i: int, outcome: tuple[str, Any]) -> None:
        cand = self.candidates[i]
        kind, value = outcome
        if kind == "error":
            self.failures[i] = {"url": cand.url, "stage": "extract", "status": 200,
                                "reason": value, "attempts": 0}  # fmt: skip
            return
        rec = value
        weak = rec.get("published") is None or rec.get("published_from") == "url"  # a day only
        if weak and cand.hint is not None and cand.published:
            rec["published"] = cand.hint
            rec["published_local"] = cand.hint.replace(tzinfo=None)
            rec["published_from"] = "feed"
        rec["source"] = cand.origin
        self.records[i] = rec


def _fetch_and_extract(fetcher, cache, candidates, *, refresh, workers, extract_workers, progress):
    """Fetch what is not cached (one thread per host at a time), extract everything, in order."""
    records: list[dict | None] = [None] * len(candidates)
    failures: dict[int, dict] = {}
    todo: dict[str, list[int]] = {}
    ready: list[tuple[int, bytes, str | None]] = []

    def failed(i: int, status, reason, attempts) -> None:
        failures[i] = {"url": candidates[i].url, "stage": "fetch", "status": status,
                       "reason": reason, "attempts": attempts}  # fmt: skip

    for i, cand in enumerate(candidates):
        if cand.body is not None:
            ready.append((i, cand.body, cand.url))
            continue
        entry = None if refresh else cache.get(cand.url)
        if entry is not None:
            if entry.sha256 is not None:
                body = cache.body(cand.url)
                if body is not None:
                    ready.append((i, body, entry.final_url))
                    continue
            else:
                failed(i, entry.status, entry.reason, entry.attempts)
                continue
        todo.setdefault(urlsplit(cand.url).netloc.lower(), []).append(i)

    total = sum(len(v) for v in todo.values())
    n_workers = extract_workers if extract_workers is not None else (os.cpu_count() or 1)
    extractor = _Extractor(candidates, records, failures, n_workers, total + len(ready))
    fetched = done = 0
    bar = _bar(total, progress) if total else None
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo))))
    results: queue.Queue = queue.Queue(maxsize=max(64, 4 * workers))

    started = time.time()

    def host_worker(indexes: list[int]) -> None:
        for i in indexes:
            if fetcher.stop.is_set():
                return
            try:
                page, fresh = _fetch_once(fetcher, cache, candidates[i].url, refresh, started)
            except InterruptedError:
                return
            except Exception as exc:  # noqa: BLE001 - a cache that fails (disk full) loses no page silently
                reason = f"the page cache failed: {type(exc).__name__}: {exc!s:.150}"
                page, fresh = Page(candidates[i].url, reason=reason, retry_later=True), False
            results.put((i, page, fresh))

    try:
        futures = [pool.submit(host_worker, idx) for idx in todo.values()]
        for i, body, url in ready:  # cached and archived pages, while the network works
            extractor.submit(i, body, url)
        while done < total:
            try:
                i, page, fresh = results.get(timeout=0.2)
            except queue.Empty:
                if all(f.done() for f in futures) and results.empty():
                    break  # a worker stopped early (interrupted)
                continue
            done += 1
            fetched += fresh
            if page.ok:
                extractor.submit(i, page.body, page.final_url)
            else:
                failed(i, page.status, page.reason, page.attempts)
            if bar is not None:
                bar.update(1)
        extractor.close()
    except BaseException:
        fetcher.stop.set()  # Ctrl-C: workers stop at their next request; the cache keeps what is done
        extractor.close(cancel=True)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if bar is not None:
            bar.close()
    return _ordered(records), [failures[i] for i in sorted(failures)], fetched


def _fetch_once(fetcher, cache, url: str, refresh: bool, started: float) -> tuple[Page, bool]:
    """Fetch ``url`` and store it, holding its lock against other processes using the cache.

    Returns the page and whether it was fetched now: a collection sharing the
    cache may have fetched it (since ``started``, with ``refresh``) while this
    one waited for the lock, and then it is read from the cache instead.
    """
    with cache.claim(url, stop=fetcher.stop):
        entry = cache.get(url)
        if entry is not None and (not refresh or (entry.fetched_at or 0) >= started):
            body = cache.body(url) if entry.sha256 is not None else None
            if body is not None or entry.sha256 is None:
                return Page(url=url, final_url=entry.final_url, status=entry.status,
                            content_type=entry.content_type, body=body, reason=entry.reason,
                            attempts=entry.attempts), False  # fmt: skip
        try:
            page = fetcher.get(url, kind="html")
        except Exception as exc:  # noqa: BLE001 - a fetcher bug must not hang the run
            page = Page(url=url, reason=f"{type(exc).__name__}: {exc!s:.150}", retry_later=True)
        _store(cache, page)
        return page, True


def _store(cache: PageCache, page: Page) -> None:
    if page.ok:
        cache.put(page.url, page.body, status=page.status, final_url=page.final_url,
                  content_type=page.content_type, attempts=page.attempts)  # fmt: skip
    elif not page.retry_later:  # final failures (404, robots, type, size) are not asked again
        cache.put(page.url, None, status=page.status, final_url=page.final_url,
                  content_type=page.content_type, reason=page.reason, attempts=page.attempts)  # fmt: skip


def _ordered(records: list[dict | None]) -> list[dict]:
    return [r for r in records if r is not None]


def _bar(total: int, progress: bool | None):
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="collect", unit="page")


# -- results -------------------------------------------------------------------------------------
def _to_corpus(records: list[dict], start, end) -> tuple[pd.DataFrame, int]:
    """The records as a corpus, without those published outside [start, end] (counted)."""
    from ddj.corpus import conform, empty

    if not records:
        return empty(), 0
    corpus = conform(records)
    published = corpus["published"]
    outside = pd.Series(False, index=corpus.index)
    if start is not None:
        outside |= published.notna() & (published < start)
    if end is not None:
        outside |= published.notna() & (published > end)
    if outside.any():
        report = [
            {"source": u, "reason": "published outside since/until"}
            for u in corpus.loc[outside, "url"]
        ]
        message = (
            f"Dropped {int(outside.sum())} collected article(s) published outside since/until; "
            "widen since= or until= to keep them."
        )
        warnings.warn(DroppedRowsWarning(message, report), stacklevel=2)
        corpus = corpus[~outside].reset_index(drop=True)
    return corpus, int(outside.sum())


def _as_row(f: SourceFailure) -> dict:
    return {
        "url": f.url,
        "stage": f.stage,
        "status": f.status,
        "reason": f.reason,
        "attempts": f.attempts,
    }


def _failures_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(FAILURE_COLUMNS))
    return frame.astype(
        {"url": "str", "stage": "str", "status": "Int64", "reason": "str", "attempts": "Int64"}
    )


def _bound(value: DateLike, name: str, *, end: bool) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        message = f"{name}={value!r} is not a date: give an ISO date such as '2024-05-01'"
        raise ParameterError(message) from None
    bare_day = (
        isinstance(value, date)
        and not isinstance(value, datetime)
        or (isinstance(value, str) and len(value.strip()) == 10)
    )
    if end and bare_day:
        ts = ts + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    return ts.tz_localize(UTC) if ts.tzinfo is None else ts.tz_convert(UTC)


def _summary(corpus, failures, found, fetched, outside, dropped) -> None:
    lines = [
        f"collected {len(corpus)} article(s) from {found + outside} URL(s) found "
        f"({fetched} fetched now, the rest from the cache or archives); "
        f"{outside + dropped} published outside since/until ({outside} of them not fetched, "
        f"dated by their feed or sitemap); {len(failures)} failure(s)"
    ]
    if len(failures):
        top = failures.groupby(["stage", "reason"]).size().sort_values(ascending=False).head(8)
        lines += [f"  {n:5d}  {stage}: {reason}" for (stage, reason), n in top.items()]
    print("\n".join(lines))


class _CallableModule(types.ModuleType):
    """``ddj.collect`` is both this subpackage and the function: importing the subpackage
    binds the module to ``ddj.collect``, so calling the module calls :func:`collect`."""

    __call__ = staticmethod(collect)  # no frame of its own: warnings point at the caller's line


sys.modules[__name__].__class__ = _CallableModule
