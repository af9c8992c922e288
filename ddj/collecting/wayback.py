"""The Wayback Machine: list a domain's captures through its CDX API, fetch each original page.

One CDX listing a domain (``{wayback}/cdx/search/cdx?url=DOMAIN&matchType=domain&output=json``,
``collapse=digest``, ``filter=statuscode:200``, ``filter=mimetype:text/html``,
``from=``/``to=`` from ``since``/``until``), answered as a JSON array whose
first row names the fields (:func:`ddj.collecting.cdx.wayback_rows`). It is
paged by resume key, as the CDX server documents: ``limit=`` :data:`PAGE_ROWS`
with ``showResumeKey=true``, then ``resumeKey=`` the key a cut page ends with,
until a page has none (:func:`listing`). The ``page=``/``showNumPages`` API is
not used here: the server pages its index blocks before it filters and
collapses, so with filters most pages come back empty. Each URL's
first capture kept by the :class:`~ddj.collecting.warc.Wanted` filter is
fetched as archived, without the Wayback Machine's banner or rewritten links, at
``/web/{timestamp}id_/{url}``: one request at a time, at the fetcher's rate.

The capture time is not a publication date. The corpus has no column for it,
so it is kept in the ledger line of the page (``captured``) and used only as a
bound: a page dated more than :data:`~ddj.collecting.warc.CAPTURE_MARGIN` after
its capture is refused (:func:`after_capture`), and an undated page stays undated.

Examples
--------
>>> cdx_query("https://web.archive.org", "example.org", None, None)
'https://web.archive.org/cdx/search/cdx?url=example.org&matchType=domain&output=json&collapse=digest&filter=statuscode%3A200&filter=mimetype%3Atext%2Fhtml&limit=1000&showResumeKey=true'
"""

from __future__ import annotations

import urllib.parse

import pandas as pd

from ddj.collecting import cdx
from ddj.collecting.cdx import MAX_ANSWER, Capture, stamp, wayback_rows
from ddj.collecting.fetch import Fetcher
from ddj.collecting.indexed import Gathered, Indexed, Ledger
from ddj.collecting.sources import Candidate
from ddj.collecting.warc import CAPTURE_MARGIN

_HTML = ("text/html", "application/xhtml+xml")
#: Captures one listing page asks for (``limit=``); the server may cut a page shorter (its own cap).
PAGE_ROWS = 1_000


def cdx_query(base: str, domain: str, start: pd.Timestamp | None, end: pd.Timestamp | None) -> str:
    """The CDX query of one domain's HTML captures with status 200, one per distinct content."""
    params = [("url", domain), ("matchType", "domain"), ("output", "json"), ("collapse", "digest"),
              ("filter", "statuscode:200"), ("filter", "mimetype:text/html")]  # fmt: skip
    if start is not None:
        params.append(("from", stamp(start - CAPTURE_MARGIN)))
    if end is not None:
        params.append(("to", stamp(end)))
    params += [("limit", str(PAGE_ROWS)), ("showResumeKey", "true")]
    return f"{base}/cdx/search/cdx?{urllib.parse.urlencode(params)}"


def page_url(base: str, capture: Capture) -> str:
    """The address of a capture as archived (``id_``: no banner, links not rewritten).

    Examples
    --------
    >>> c = Capture("https://a.example/x?q=1", pd.Timestamp("2024-10-05T12:00Z"), 200, "text/html")
    >>> page_url("https://web.archive.org", c)
    'https://web.archive.org/web/20241005120000id_/https://a.example/x?q=1'
    """
    return f"{base}/web/{stamp(capture.captured)}id_/{capture.url}"


def captures(fetcher: Fetcher, ledger: Ledger, job: Indexed, out: Gathered) -> list[Capture]:
    """Each URL's first capture the index lists for the domains (every page of each listing)."""
    found: dict[str, Capture] = {}
    for domain in job.domains:
        for capture in sorted(listing(fetcher, ledger, job, domain, out), key=lambda c: c.captured):
            found.setdefault(capture.url, capture)
    return list(found.values())


def listing(
    fetcher: Fetcher, ledger: Ledger, job: Indexed, domain: str, out: Gathered
) -> list[Capture]:
    """Every capture of one domain, page after page by resume key, at most :data:`~ddj.collecting.cdx.MAX_INDEX_PAGES`.

    Each page asks for :data:`PAGE_ROWS` captures with ``showResumeKey=true``;
    the server ends a page it cut with the key of the next
    (:func:`~ddj.collecting.cdx.wayback_rows`). Each page done is a line of the
    ledger, so a rerun reads the pages done from the cache and asks only for
    the rest. A page that fails is a failure row and ends the listing (the
    rerun asks for it again); a key given twice, or the page bound reached
    with a key left, ends it with a failure row and a cut (a counted warning).
    """
    query = cdx_query(job.wayback_url, domain, job.start, job.end)
    listed: list[Capture] = []
    keys: set[str] = set()
    key, url, bound = None, query, cdx.MAX_INDEX_PAGES
    for n in range(bound):
        url = query if key is None else f"{query}&resumeKey={key}"  # URL-encoded by the server
        get = lambda u=url: fetcher.get(u, kind="data", limit=MAX_ANSWER)  # noqa: E731
        body = ledger.answer(url, get, "index", out.failures, domain=domain, page=n)
        if body is None:
            return listed  # a failure row says why; a rerun asks for this page again
        got, bad, key = wayback_rows(body, f"page {n} of the captures of {domain}")
        for row in bad:
            row.url = url
        out.failures += bad
        listed += got
        if key is None:
            return listed
        if key in keys:
            out.stop_listing(domain, url, (
                f"the server gave page {n}'s resume key {key[:80]!r} again; the listing stops "
                f"after {n + 1:,} page(s) ({len(listed):,} captures); what is past it is unknown"))  # fmt: skip
            return listed
        keys.add(key)
    out.stop_listing(domain, url, (
        f"stopped after {bound:,} pages ({len(listed):,} captures): more are left after resume "
        f"key {key[:80]!r}"))  # fmt: skip
    return listed


def gather(fetcher: Fetcher, ledger: Ledger, job: Indexed) -> Gathered:
    """The archived pages of the captures ``job`` asks for; failures as rows."""
    out = Gathered()
    for capture in captures(fetcher, ledger, job, out):
        if not job.wanted.keeps(capture.url, capture.captured):
            continue
        if capture.status not in (None, 200) or capture.mime.split(";")[0].strip() not in _HTML:
            continue  # the server's filters, checked again
        address = page_url(job.wayback_url, capture)
        body = ledger.answer(address, lambda a=address: fetcher.get(a), "wayback", out.failures,
                             url=capture.url, captured=capture.captured.isoformat())  # fmt: skip
        if body is not None:
            out.candidates.append(Candidate(capture.url, "wayback", None, body))
            out.captured[capture.url] = capture.captured
    return out


def after_capture(
    records: list[dict], captured: dict[str, pd.Timestamp]
) -> tuple[list[dict], list[dict]]:
    """The records not dated after their capture, and a failure row for each that is.

    A page cannot be published after it was captured: such a date is wrong
    (the day of a later event, a copyright year read as a date). Records
    without a capture time or a date are kept as they are.

    Examples
    --------
    >>> seen = {"https://a.example/x": pd.Timestamp("2024-10-05T12:00Z")}
    >>> kept, rows = after_capture([{"url": "https://a.example/x", "published": "2025-01-01"}], seen)
    >>> kept, rows[0]["stage"]
    ([], 'extract')
    """
    kept, rows = [], []
    for record in records:
        when = captured.get(record.get("url"))
        published = pd.to_datetime(record.get("published"), utc=True, errors="coerce")
        if when is None or pd.isna(published) or published <= when + CAPTURE_MARGIN:
            kept.append(record)
            continue
        reason = (f"the page's date {published.isoformat()} is after its capture "
                  f"{when.isoformat()}: a wrong date, refused")  # fmt: skip
        rows.append({"url": record["url"], "stage": "extract", "status": 200, "reason": reason,
                     "attempts": 0})  # fmt: skip
    return kept, rows
