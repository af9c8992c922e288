"""Fetch what a collection needs and extract every page, in the order the articles were found.

:func:`triage` sorts the candidates into pages at hand (archived or cached),
final failures the cache remembers, and URLs to fetch, by host.
:func:`fetch_and_extract` fetches those (one thread per host at a time, each
page under its cache lock) while the pages already at hand are extracted, in
this process or in worker processes (:class:`ddj.pool.Extractor`).
"""

from __future__ import annotations

import itertools
import queue
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from ddj.collecting.cache import PageCache
from ddj.collecting.fetch import Fetcher, Page, host_of
from ddj.collecting.sources import Candidate
from ddj.extract import safe_read_html
from ddj.pool import Extractor
from ddj.utils import progress_bar

_WARM_UP = (b"<html><title>warm</title><p>up</p></html>", "http://warm.up/")


@dataclass
class Work:
    """What :func:`triage` found: pages at hand, failures known, URLs to fetch by host."""

    ready: list[tuple[int, bytes, str | None]] = field(default_factory=list)
    failures: dict[int, dict] = field(default_factory=dict)
    todo: dict[str, list[int]] = field(default_factory=dict)

    @property
    def to_fetch(self) -> int:
        """How many pages are to be fetched."""
        return sum(len(v) for v in self.todo.values())

    @property
    def pages(self) -> int:
        """How many pages may be extracted: those at hand and those to fetch."""
        return len(self.ready) + self.to_fetch


@dataclass
class Harvest:
    """The records extracted (in candidate order), the failure rows, and how many pages were fetched now."""

    records: list[dict]
    failures: list[dict]
    fetched: int


def triage(cache: PageCache, candidates: list[Candidate], *, refresh: bool) -> Work:
    """Sort ``candidates`` into pages at hand, final failures from the cache, and URLs to fetch.

    Examples
    --------
    >>> import tempfile
    >>> work = triage(PageCache(tempfile.mkdtemp()), [Candidate("https://a.org/x", "urls")], refresh=False)
    >>> work.todo, work.to_fetch
    ({'a.org': [0]}, 1)
    """
    work = Work()
    for i, cand in enumerate(candidates):
        if cand.body is not None:
            work.ready.append((i, cand.body, cand.url))
            continue
        entry = None if refresh else cache.get(cand.url)
        body = cache.body(cand.url) if entry is not None and entry.sha256 is not None else None
        if body is not None:
            work.ready.append((i, body, entry.final_url))
        elif entry is not None and entry.sha256 is None:
            work.failures[i] = _failure(cand, "fetch", entry.status, entry.reason, entry.attempts)
        else:
            work.todo.setdefault(host_of(cand.url), []).append(i)  # "": no host, a failure
    return work


def fetch_and_extract(
    fetcher: Fetcher,
    cache: PageCache,
    candidates: list[Candidate],
    work: Work,
    *,
    refresh: bool,
    workers: int,
    processes: int,
    pooled: bool,
    progress: bool | None,
) -> Harvest:
    """Fetch what ``work`` lists (``workers`` hosts at a time) and extract every page, in order.

    Pages at hand are extracted while the network works; with ``pooled``, in
    ``processes`` worker processes (started before any fetching thread). On
    Ctrl-C the fetcher stops at its next request and the cache keeps what is done.
    """
    harvest = _Collected(candidates, dict(work.failures))
    bar = progress_bar(work.to_fetch, desc="collect", unit="page", show=progress)
    with Extractor(safe_read_html, workers=processes, pooled=pooled, warm_item=_WARM_UP) as ex:
        threads = ThreadPoolExecutor(max_workers=max(1, min(workers, len(work.todo))))
        try:
            fetched = _start_fetching(threads, fetcher, cache, candidates, work, refresh, workers)
            pages = itertools.chain(work.ready, harvest.fetched(fetched, work.to_fetch, bar))
            for i, outcome in ex.map((i, (body, url)) for i, body, url in pages):
                harvest.extracted(i, *outcome)
        except BaseException:
            fetcher.stop.set()  # workers stop at their next request
            raise
        finally:
            threads.shutdown(wait=True, cancel_futures=True)
            if bar is not None:
                bar.close()
    return harvest.result()


class _Collected:
    """The records and failures of a collection as they come, by candidate index."""

    def __init__(self, candidates: list[Candidate], failures: dict[int, dict]):
        self.candidates = candidates
        self.records: dict[int, dict] = {}
        self.failures = failures
        self.count = 0  # pages fetched now (not read from the cache meanwhile)

    def fetched(self, results: _Fetching, total: int, bar) -> Iterator[tuple[int, bytes, str]]:
        """The pages fetched, as they come; each failure is noted."""
        for _done in range(total):
            got = results.next()
            if got is None:
                return  # a worker stopped early (interrupted)
            i, page, fresh = got
            self.count += fresh
            if bar is not None:
                bar.update(1)
            if page.ok:
                yield i, page.body, page.final_url
            else:
                cand = self.candidates[i]
                self.failures[i] = _failure(cand, "fetch", page.status, page.reason, page.attempts)

    def extracted(self, i: int, record: dict | None, reason: str | None) -> None:
        """Keep a record (dated by its feed when the page gives no better date), or its failure."""
        cand = self.candidates[i]
        if record is None:
            self.failures[i] = _failure(cand, "extract", 200, reason, 0)
            return
        weak = (
            record.get("published") is None or record.get("published_from") == "url"
        )  # a day only
        if weak and cand.hint is not None and cand.published:
            record["published"] = cand.hint
            record["published_local"] = cand.hint.replace(tzinfo=None)
            record["published_from"] = "feed"
        record["source"] = cand.origin
        self.records[i] = record

    def result(self) -> Harvest:
        records = [self.records[i] for i in sorted(self.records)]
        return Harvest(records, [self.failures[i] for i in sorted(self.failures)], self.count)


class _Fetching:
    """The fetching threads' results, one ``(index, page, fetched_now)`` at a time."""

    def __init__(self, futures: list[Future], results: queue.Queue):
        self.futures, self.results = futures, results

    def next(self) -> tuple[int, Page, bool] | None:
        """The next result, or None once every thread has stopped and nothing is left."""
        while True:
            try:
                return self.results.get(timeout=0.2)
            except queue.Empty:
                if all(f.done() for f in self.futures) and self.results.empty():
                    return None


def _start_fetching(threads, fetcher, cache, candidates, work, refresh, workers) -> _Fetching:
    """One task per host, fetching its pages one at a time, results into a bounded queue."""
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

    return _Fetching([threads.submit(host_worker, idx) for idx in work.todo.values()], results)


def _fetch_once(fetcher, cache, url: str, refresh: bool, started: float) -> tuple[Page, bool]:
    """Fetch ``url`` and store it, holding its lock against other processes using the cache.

    Returns the page and whether it was fetched now: a collection sharing the
    cache may have fetched it (since ``started``, with ``refresh``) while this
    one waited for the lock, and then it is read from the cache instead.
    """
    with cache.claim(url, stop=fetcher.stop):
        cached = _stored(cache, url, refresh, started)
        if cached is not None:
            return cached, False
        try:
            page = fetcher.get(url, kind="html")
        except Exception as exc:  # noqa: BLE001 - a fetcher bug must not hang the run
            page = Page(url=url, reason=f"{type(exc).__name__}: {exc!s:.150}", retry_later=True)
        _store(cache, page)
        return page, True


def _stored(cache: PageCache, url: str, refresh: bool, started: float) -> Page | None:
    """The page as the cache has it, if it may be used (not stale under ``refresh``)."""
    entry = cache.get(url)
    if entry is None or (refresh and (entry.fetched_at or 0) < started):
        return None
    body = cache.body(url) if entry.sha256 is not None else None
    if body is None and entry.sha256 is not None:
        return None  # its object file is gone: fetch again
    return Page(url=url, final_url=entry.final_url, status=entry.status,
                content_type=entry.content_type, body=body, reason=entry.reason,
                attempts=entry.attempts)  # fmt: skip


def _store(cache: PageCache, page: Page) -> None:
    if page.ok:
        cache.put(page.url, page.body, status=page.status, final_url=page.final_url,
                  content_type=page.content_type, attempts=page.attempts)  # fmt: skip
    elif not page.retry_later:  # final failures (404, robots, type, size) are not asked again
        cache.put(page.url, None, status=page.status, final_url=page.final_url,
                  content_type=page.content_type, reason=page.reason, attempts=page.attempts)  # fmt: skip


def _failure(cand: Candidate, stage: str, status, reason, attempts) -> dict:
    return {
        "url": cand.url,
        "stage": stage,
        "status": status,
        "reason": reason,
        "attempts": attempts,
    }
