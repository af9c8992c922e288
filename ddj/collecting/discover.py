"""Find the article URLs a collection is to fetch: from the sources the user gave.

:class:`Sources` checks and cleans what was passed (credentials removed and
counted); :func:`discover` reads the feeds, sitemaps and front pages (one
thread each, at most ``workers`` at a time) and the WARC files, and returns one
:class:`~ddj.collecting.sources.Candidate` per URL; :func:`within_window` keeps
those whose date hint falls inside ``since``/``until``.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ddj import warns
from ddj.collecting.fetch import Fetcher, host_of, strip_credentials
from ddj.collecting.remote import RemoteFileError, RemoteLimits
from ddj.collecting.sources import (
    Candidate,
    SourceFailure,
    discover_site,
    feed_entries,
    read_urls,
    walk_sitemaps,
)
from ddj.collecting.warc import EVERYTHING, Wanted, local_copy, warc_records
from ddj.constants import DEMO_WARC_FIELD
from ddj.errors import InputError, ParameterError


@dataclass
class Sources:
    """The sources of one collection, credentials removed (and counted in ``removed``)."""

    urls: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)
    warcs: list[str | os.PathLike] = field(default_factory=list)
    removed: int = 0

    @classmethod
    def of(cls, urls, feeds, sitemaps, sites, warcs) -> Sources:
        """Check that a source is given, read URL lists, remove ``user:password@`` parts.

        Raises
        ------
        ParameterError
            No source at all.
        InputError
            A URL list file that does not exist.
        """
        if not any(x is not None for x in (urls, feeds, sitemaps, sites, warcs)):
            message = (
                "collect() needs at least one source: urls=, feeds=, sitemaps=, sites= or warcs="
            )
            raise ParameterError(message)
        given = [read_urls(urls) if urls is not None else []] + [
            listify(x) for x in (feeds, sitemaps, sites)
        ]
        clean = [[strip_credentials(str(u).strip()) for u in group] for group in given]
        removed = sum(a != str(b).strip() for c, g in zip(clean, given, strict=True)
                      for a, b in zip(c, g, strict=True))  # fmt: skip
        return cls(*clean, warcs=listify(warcs), removed=removed)

    def hosts(self) -> list[str]:
        """The hosts the user started from (they may be on private addresses)."""
        return [host_of(u) for u in self.urls + self.feeds + self.sitemaps + self.sites]

    def warn_credentials(self, more: int = 0) -> None:
        """One warning for the whole collection, counting the URLs whose credentials went."""
        total = self.removed + more
        if total:
            warnings.warn(warns.credentials([], total, collected=True), stacklevel=3)


@dataclass
class Found:
    """What discovery found: one candidate per URL, the sources that failed, whether any WARC is demo data."""

    candidates: list[Candidate]
    failures: list[SourceFailure]
    demo: bool


def listify(value: Any) -> list:
    """``value`` as a list: None is empty, a string or path is one item."""
    if value is None:
        return []
    if isinstance(value, (str, os.PathLike)):
        return [value]
    return list(value)


def discover(
    fetcher: Fetcher,
    sources: Sources,
    *,
    since: pd.Timestamp | None,
    workers: int,
    max_sections: int,
    max_pages: int,
    wanted: Wanted = EVERYTHING,
) -> Found:
    """The candidates of every source, one per URL, in the order found; the failed sources."""
    failures: list[SourceFailure] = []
    found = [Candidate(u, "urls") for u in sources.urls]
    found += _listed(fetcher, sources, failures, since, workers, max_sections, max_pages)
    demo = False
    remote = RemoteLimits.of(fetcher.settings, sources.warcs)
    for path in sources.warcs:
        archived, is_demo = _archived(path, failures, fetcher.max_bytes, wanted, remote)
        found += archived
        demo = demo or is_demo
    return Found(_merge(found), failures, demo)


def _listed(fetcher, sources, failures, since, workers, max_sections, max_pages) -> list[Candidate]:
    """What the feeds, sitemaps and front pages list, read in parallel, at most ``max_pages``."""
    reader = _Reader(fetcher, failures)
    jobs = [(reader.feed, u) for u in sources.feeds]
    jobs += [(lambda u: reader.sitemap(u, since, max_pages), u) for u in sources.sitemaps]
    jobs += [(lambda u: reader.site(u, max_sections), u) for u in sources.sites]
    if not jobs:
        return []
    listed: list[Candidate] = []
    with ThreadPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        for batch in pool.map(lambda job: job[0](job[1]), jobs):
            listed.extend(batch)
    return _at_most(listed, max_pages, failures)


class _Reader:
    """Reads one feed, sitemap or front page through the fetcher; a failure is noted, not raised."""

    def __init__(self, fetcher: Fetcher, failures: list[SourceFailure]):
        self.fetcher, self.failures = fetcher, failures

    def get(self, url: str, stage: str, kind: str) -> tuple[bytes | None, SourceFailure | None]:
        page = self.fetcher.get(url, kind=kind)
        if page.ok:
            return page.body, None
        return None, SourceFailure(url, stage, page.status, page.reason, page.attempts)

    def feed(self, url: str) -> list[Candidate]:
        body, failure = self.get(url, "feed", "xml")
        if failure is not None:
            self.failures.append(failure)
            return []
        try:
            return feed_entries(body, url)
        except InputError as exc:
            self.failures.append(SourceFailure(url, "feed", 200, str(exc), 1))
            return []

    def sitemap(self, url: str, since, max_pages: int) -> list[Candidate]:
        get = lambda u: self.get(u, "sitemap", "xml")  # noqa: E731
        return walk_sitemaps(url, get, self.failures, since=since, max_pages=max_pages)

    def site(self, url: str, max_sections: int) -> list[Candidate]:
        return discover_site(
            url, lambda u: self.get(u, "site", "html"), self.failures, max_sections
        )


def _archived(path, failures: list[SourceFailure], max_bytes: int, wanted: Wanted, remote):
    """The HTML responses ``wanted`` of one WARC file, and whether it declares itself demo data.

    A remote file that cannot be copied (see :mod:`ddj.collecting.remote`) is a failure row.
    """
    info: dict[str, str] = {}
    read: list[SourceFailure] = []
    try:
        with local_copy(str(path), limits=remote) as local:  # a remote file: a temporary copy
            records = list(warc_records(local, read, info, max_bytes=max_bytes, wanted=wanted))
    except RemoteFileError as exc:
        failures.append(SourceFailure(str(path), "warc", None, str(exc), 1))
        return [], False
    for failure in read:  # named as given, not as its copy
        failure.url = str(path) if failure.url == str(local) else failure.url
    failures += read
    return records, bool(info.get(DEMO_WARC_FIELD))


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
        seen = merged.setdefault(cand.url, cand)
        if seen is cand:
            continue
        if cand.hint is not None and (seen.hint is None or (cand.published and not seen.published)):
            seen.hint, seen.published = cand.hint, cand.published
        if seen.body is None and cand.body is not None:
            seen.body = cand.body
        seen.had_credentials = seen.had_credentials or cand.had_credentials
    return list(merged.values())


def within_window(
    candidates: list[Candidate], start: pd.Timestamp | None, end: pd.Timestamp | None
) -> tuple[list[Candidate], int]:
    """The candidates not dated outside ``[start, end]`` by their source, and how many were."""
    kept = [c for c in candidates if c.hint is None or _inside(c.hint, start, end)]
    return kept, len(candidates) - len(kept)


def _inside(when, start, end) -> bool:
    return (start is None or when >= start) and (end is None or when <= end)
