"""Web archives reached through their indexes: Common Crawl's (``cc_index=``) and the Wayback Machine's.

:class:`Indexed` holds what ``ddj.collect`` was asked (the crawl, the domains,
the window, the three addresses), checked. :class:`Ledger` makes every request
of these sources done once: an answer (an index page, a WARC range, an archived
page) is kept in the collection's :class:`~ddj.collecting.cache.PageCache` and
one line is appended to ``archives.jsonl`` beside it (a
:class:`~ddj.collecting.archive.Manifest`); a rerun takes every line's answer
from the cache and fetches only what is not there, so an interrupted run
resumes. Failures are not lines: they are tried again.

The addresses are ``DDJ_CC_INDEX_URL`` (https://index.commoncrawl.org),
``DDJ_CC_DATA_URL`` (https://data.commoncrawl.org) and ``DDJ_WAYBACK_URL``
(https://web.archive.org), or the ``cc_index_url=``, ``cc_data_url=``,
``wayback_url=`` parameters; their hosts are the only ones these sources reach,
and the only ones allowed on a private or loopback address (unless
``allow_private=True``).

Examples
--------
>>> address(None, "DDJ_NO_SUCH_VARIABLE", "https://index.commoncrawl.org/", "cc_index_url")
'https://index.commoncrawl.org'
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ddj import params
from ddj.collecting.archive import Manifest
from ddj.collecting.cache import PageCache
from ddj.collecting.fetch import Page
from ddj.collecting.sources import Candidate, SourceFailure
from ddj.collecting.warc import Wanted
from ddj.errors import ParameterError
from ddj.hostvalues import BadURL, parse_url

CC_INDEX_URL = "https://index.commoncrawl.org"
CC_DATA_URL = "https://data.commoncrawl.org"
WAYBACK_URL = "https://web.archive.org"
#: The file (in the cache folder) with one line per index page, range or archived page done.
LEDGER = "archives.jsonl"
_CRAWL = re.compile(r"CC-MAIN-\d{4}-\d{2}")


def address(given: str | None, variable: str, default: str, name: str) -> str:
    """A service's base address: ``given``, else the environment ``variable``, else ``default``.

    Raises
    ------
    ParameterError
        Not an ``http(s)://`` address.
    """
    value = (given or os.environ.get(variable) or default).strip().rstrip("/")
    try:
        parsed = parse_url(value)
    except BadURL as exc:
        message = f"{name}={value[:100]!r} (or ${variable}) is not an address ddj can use: {exc}"
        raise ParameterError(message) from None
    if parsed.had_credentials:
        message = f"{name} (or ${variable}): give the address without user:password@"
        raise ParameterError(message)
    return value


@dataclass(frozen=True)
class Indexed:
    """What ``ddj.collect`` was asked of the indexed archives, checked."""

    cc_index: str | None = None
    wayback: bool = False
    domains: tuple[str, ...] = ()
    wanted: Wanted = field(default_factory=Wanted)
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    cc_index_url: str = CC_INDEX_URL
    cc_data_url: str = CC_DATA_URL
    wayback_url: str = WAYBACK_URL
    cc_index_table: str | None = None  # Common Crawl's columnar index (Parquet), a second way in

    @classmethod
    def of(cls, *, cc_index, wayback, domains, wanted, start, end, cc_index_url=None,
           cc_data_url=None, wayback_url=None, cc_index_table=None) -> Indexed:  # fmt: skip
        """The request, checked.

        Raises
        ------
        ParameterError
            A crawl name that is not ``CC-MAIN-YYYY-WW``, no ``domains``, or a
            ``cc_index_table`` that is not there (:func:`ddj.params.cc_index_table`).
        """
        if cc_index is not None and not (isinstance(cc_index, str) and _CRAWL.fullmatch(cc_index)):
            message = (f"cc_index={str(cc_index)[:80]!r} is not a Common Crawl crawl name: give "
                       "one like 'CC-MAIN-2024-42' (https://index.commoncrawl.org lists them)")  # fmt: skip
            raise ParameterError(message)
        cc_index_table = params.cc_index_table(cc_index_table)  # the CLI's check too
        if wayback not in (True, False):
            message = f"wayback={wayback!r}: give True or False"
            raise ParameterError(message)
        if (cc_index is not None or wayback or cc_index_table is not None) and not domains:
            message = ("cc_index=, cc_index_table= and wayback= list the captures of domains: give domains= "
                       "(e.g. domains=['bbc.co.uk'])")  # fmt: skip
            raise ParameterError(message)
        return cls(
            cc_index, bool(wayback), tuple(wanted.domains), wanted, start, end,
            address(cc_index_url, "DDJ_CC_INDEX_URL", CC_INDEX_URL, "cc_index_url"),
            address(cc_data_url, "DDJ_CC_DATA_URL", CC_DATA_URL, "cc_data_url"),
            address(wayback_url, "DDJ_WAYBACK_URL", WAYBACK_URL, "wayback_url"),
            cc_index_table,
        )  # fmt: skip

    @property
    def given(self) -> bool:
        """Whether any indexed archive is asked for."""
        return self.common_crawl or self.wayback

    @property
    def common_crawl(self) -> bool:
        """Whether Common Crawl is asked for (its CDX index or its columnar index)."""
        return self.cc_index is not None or self.cc_index_table is not None

    def hosts(self) -> list[str]:
        """The addresses these sources reach (they alone may be private or loopback)."""
        if not self.given:
            return []
        chosen = [self.cc_index_url, self.cc_data_url] if self.common_crawl else []
        return chosen + ([self.wayback_url] if self.wayback else [])


class Ledger:
    """Each answer of the indexed archives fetched once: kept in the cache, one manifest line each."""

    def __init__(self, cache: PageCache, root: str | os.PathLike, *, refresh: bool = False):
        self.cache, self.refresh = cache, refresh
        self.manifest = Manifest(root)
        self.manifest.path = Path(root) / LEDGER
        self.done = set() if refresh else set(self.manifest.done())
        self.fetched = 0  # answers fetched now (not taken from the cache)

    def answer(
        self, key: str, get: Callable[[], Page], stage: str, failures: list[SourceFailure],
        read: Callable[[bytes], Any] = bytes, **line: object,
    ) -> Any:  # fmt: skip
        """``read(body)`` for ``key``'s body: from the cache when done before, else from ``get()``.

        A failed fetch is a failure row, and None; so is a body ``read`` refuses
        (returns None for: a corrupt range), which is neither kept nor a line,
        so the next run fetches it again.
        """
        if key in self.done:
            body = self.cache.body(key)
            if body is not None:
                return read(body)
        page = get()
        self.fetched += 1
        if not page.ok:
            failures.append(SourceFailure(key, stage, page.status, page.reason, page.attempts))
            return None
        result = read(page.body)
        if result is None:
            return None
        self.cache.put(key, page.body, status=page.status, final_url=page.final_url,
                       content_type=page.content_type, attempts=page.attempts)  # fmt: skip
        self.manifest.append({"file": key, "stage": stage, "bytes": len(page.body), **line})
        self.done.add(key)
        return result


@dataclass
class Gathered:
    """The pages the indexed archives gave (with their bodies), the failures, capture times by URL."""

    candidates: list[Candidate] = field(default_factory=list)
    failures: list[SourceFailure] = field(default_factory=list)
    captured: dict[str, pd.Timestamp] = field(default_factory=dict)
    fetched: int = 0
    # the listings stopped at their page bound, and what was left of each
    cut: list[dict] = field(default_factory=list)

    def stop_listing(self, domain: str, url: str, reason: str) -> None:
        """Record that ``domain``'s listing stopped short at ``url``: a failure row, and a cut."""
        self.failures.append(SourceFailure(url, "index", None, f"{domain}: {reason}", 1))
        self.cut.append({"source": domain, "url": url, "reason": reason})
