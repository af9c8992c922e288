"""Common Crawl by its URL index: list one crawl's captures of some domains, fetch only those records.

For each domain (``matchType=domain``: subdomains included, as ``domains=``
means for WARC files), the CDX API (``{index}/{crawl}-index``, pywb, as cdx-toolkit
reads it) is asked how many pages the query has (``showNumPages=true``), then
each page (``page=N``) as JSON lines, filtered on the server by
``filter=status:200`` and ``filter=mime:text/html`` and, with ``since``, by
``from=`` (a day before ``since``: a page is not captured before it is
published). Each capture the :class:`~ddj.collecting.warc.Wanted` filter keeps
(domains, ``url_pattern``) is fetched from ``{data}/{filename}`` with
``Range: bytes=offset-(offset+length-1)`` (:meth:`Fetcher.get_range`) and read
by :func:`ddj.collecting.ranges.record_page`. One request at a time, at the
fetcher's rate per host; every index page and range done is a line in the
ledger (:class:`~ddj.collecting.indexed.Ledger`), so a rerun fetches only what
is missing.

Examples
--------
>>> index_query("https://index.commoncrawl.org", "CC-MAIN-2024-42", "bbc.co.uk", None)
'https://index.commoncrawl.org/CC-MAIN-2024-42-index?url=bbc.co.uk&matchType=domain&output=json&filter=status%3A200&filter=mime%3Atext%2Fhtml'
"""

from __future__ import annotations

import urllib.parse

import pandas as pd

from ddj.collecting.cdx import Capture, cc_lines, num_pages, stamp
from ddj.collecting.fetch import Fetcher
from ddj.collecting.indexed import Gathered, Indexed, Ledger
from ddj.collecting.ranges import record_page
from ddj.collecting.sources import SourceFailure
from ddj.collecting.warc import CAPTURE_MARGIN

_HTML = ("text/html", "application/xhtml+xml")


def index_query(base: str, crawl: str, domain: str, since: pd.Timestamp | None) -> str:
    """The CDX query of one domain's HTML captures with status 200 in one crawl."""
    params = [("url", domain), ("matchType", "domain"), ("output", "json"), ("filter", "status:200"),
              ("filter", "mime:text/html")]  # fmt: skip
    if since is not None:
        params.append(("from", stamp(since - CAPTURE_MARGIN)))
    return f"{base}/{crawl}-index?{urllib.parse.urlencode(params)}"


def captures(fetcher: Fetcher, ledger: Ledger, job: Indexed, failures: list) -> list[Capture]:
    """Every capture the index lists for the domains, in index order, each URL once (its first)."""
    found: dict[str, Capture] = {}
    for domain in job.domains:
        query = index_query(job.cc_index_url, job.cc_index, domain, job.start)
        body = ledger.answer(f"{query}&showNumPages=true",
                             lambda q=query: fetcher.get(f"{q}&showNumPages=true", kind="data"),
                             "index", failures, domain=domain)  # fmt: skip
        if body is None:
            continue
        pages = num_pages(body)
        if pages is None:
            failures.append(SourceFailure(f"{query}&showNumPages=true", "index", 200,
                            "the index's page count is not a number; the domain is not listed", 1))  # fmt: skip
            continue
        for n in range(pages):
            url = f"{query}&page={n}"
            body = ledger.answer(url, lambda u=url: fetcher.get(u, kind="data"), "index",
                                 failures, domain=domain, page=n)  # fmt: skip
            if body is None:
                continue
            listed, bad = cc_lines(body, f"index page {n} of {domain}")
            for row in bad:
                row.url = url
            failures += bad
            for capture in listed:
                found.setdefault(capture.url, capture)
    return list(found.values())


def gather(fetcher: Fetcher, ledger: Ledger, job: Indexed) -> Gathered:
    """The pages of the captures ``job`` asks for, by range request; failures as rows."""
    out = Gathered()
    for capture in captures(fetcher, ledger, job, out.failures):
        if not job.wanted.keeps(capture.url, capture.captured):
            continue
        if capture.status not in (None, 200) or capture.mime.split(";")[0].strip() not in _HTML:
            continue  # the server's filters, checked again: its answer is not trusted
        source = f"{job.cc_data_url}/{capture.filename}"
        last = capture.offset + capture.length - 1
        key = f"{source}#bytes={capture.offset}-{last}"
        where = f"{capture.filename} bytes {capture.offset}-{last}"
        read = lambda raw, c=capture, w=where: record_page(  # noqa: E731
            raw, c.url, w, out.failures, fetcher.max_bytes
        )
        page = ledger.answer(key, lambda c=capture, s=source: fetcher.get_range(s, c.offset, c.length),
                             "range", out.failures, read=read, url=capture.url,
                             captured=capture.captured.isoformat())  # fmt: skip
        if page is not None:
            out.candidates.append(page)
            out.captured[capture.url] = capture.captured
    return out
