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
is missing. At most :data:`~ddj.collecting.cdx.MAX_INDEX_PAGES` pages a domain
are listed; past them a failure row and a counted warning
(:func:`ddj.warns.listing_cut`) say which pages are left.

Examples
--------
>>> index_query("https://index.commoncrawl.org", "CC-MAIN-2024-42", "bbc.co.uk", None)
'https://index.commoncrawl.org/CC-MAIN-2024-42-index?url=bbc.co.uk&matchType=domain&output=json&filter=status%3A200&filter=mime%3Atext%2Fhtml'
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

from ddj.collecting import cdx
from ddj.collecting.cdx import (
    MAX_ANSWER,
    MAX_CAPTURES,
    Capture,
    cc_capture,
    cc_lines,
    num_pages,
    stamp,
)
from ddj.collecting.fetch import Fetcher
from ddj.collecting.indexed import Gathered, Indexed, Ledger
from ddj.collecting.ranges import record_page
from ddj.collecting.sources import SourceFailure
from ddj.collecting.warc import CAPTURE_MARGIN
from ddj.errors import InputError

_HTML = ("text/html", "application/xhtml+xml")


def index_query(base: str, crawl: str, domain: str, since: pd.Timestamp | None) -> str:
    """The CDX query of one domain's HTML captures with status 200 in one crawl."""
    params = [("url", domain), ("matchType", "domain"), ("output", "json"), ("filter", "status:200"),
              ("filter", "mime:text/html")]  # fmt: skip
    if since is not None:
        params.append(("from", stamp(since - CAPTURE_MARGIN)))
    return f"{base}/{crawl}-index?{urllib.parse.urlencode(params)}"


def _index_get(fetcher: Fetcher, url: str):
    """An index answer: any type, up to :data:`~ddj.collecting.cdx.MAX_ANSWER` bytes."""
    return fetcher.get(url, kind="data", limit=MAX_ANSWER)


def captures(fetcher: Fetcher, ledger: Ledger, job: Indexed, out: Gathered) -> list[Capture]:
    """Every capture the index lists for the domains, in index order, each URL once (its first).

    At most :data:`~ddj.collecting.cdx.MAX_INDEX_PAGES` pages a domain: past
    it, a failure row and a cut (a counted warning) say how many pages are left.
    """
    failures = out.failures
    found: dict[str, Capture] = {}
    for domain in job.domains:
        query = index_query(job.cc_index_url, job.cc_index, domain, job.start)
        body = ledger.answer(f"{query}&showNumPages=true",
                             lambda q=query: _index_get(fetcher, f"{q}&showNumPages=true"),
                             "index", failures, domain=domain)  # fmt: skip
        if body is None:
            continue
        pages = num_pages(body)
        if pages is None:
            failures.append(SourceFailure(f"{query}&showNumPages=true", "index", 200,
                            "the index's page count is not a number; the domain is not listed", 1))  # fmt: skip
            continue
        bound = cdx.MAX_INDEX_PAGES
        for n in range(min(pages, bound)):
            url = f"{query}&page={n}"
            body = ledger.answer(url, lambda u=url: _index_get(fetcher, u), "index",
                                 failures, domain=domain, page=n)  # fmt: skip
            if body is None:
                continue
            listed, bad = cc_lines(body, f"index page {n} of {domain}")
            for row in bad:
                row.url = url
            failures += bad
            for capture in listed:
                found.setdefault(capture.url, capture)
        if pages > bound:
            out.stop_listing(domain, f"{query}&page={bound}", (
                f"stopped after {bound:,} of the index's {pages:,} pages: "
                f"{pages - bound:,} page(s) left (page={bound} to page={pages - 1})"))  # fmt: skip
    return list(found.values())


#: The columns of Common Crawl's columnar index a table must have (its documented names).
TABLE_COLUMNS = ("url", "url_host_registered_domain", "fetch_time", "warc_filename",
                 "warc_record_offset", "warc_record_length", "fetch_status",
                 "content_mime_detected")  # fmt: skip


def _text(kind: pa.DataType) -> bool:
    return (
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
    )


#: What each column's Arrow type must be (a dictionary is judged by its values).
_TYPES = {"url": _text, "url_host_registered_domain": _text, "warc_filename": _text,
          "content_mime_detected": _text, "fetch_status": pa.types.is_integer,
          "warc_record_offset": pa.types.is_integer, "warc_record_length": pa.types.is_integer,
          "fetch_time": lambda k: pa.types.is_timestamp(k) or _text(k)}  # fmt: skip


def _plain(kind: pa.DataType) -> pa.DataType:
    return kind.value_type if pa.types.is_dictionary(kind) else kind


def table_captures(job: Indexed, failures: list) -> list[Capture]:
    """The captures of the domains in a columnar index (Parquet), read by predicate, never whole.

    Only the columns of :data:`TABLE_COLUMNS` are read, and only the row groups
    whose statistics may hold the domains (``url_host_registered_domain``),
    status 200 and an HTML type (and ``crawl``/``subset`` when the table has
    them); at most :data:`~ddj.collecting.cdx.MAX_CAPTURES` rows, the rest a
    failure row.

    Raises
    ------
    InputError
        The table cannot be opened or read, lacks a column, or has one of another type.
    """
    dataset = _table(job.cc_index_table)
    names = set(dataset.schema.names)
    missing = [c for c in TABLE_COLUMNS if c not in names]
    if missing:
        message = (f"cc_index_table={job.cc_index_table!r} lacks the column(s) {', '.join(missing)} "
                   "of Common Crawl's columnar index: give its cc-index/table/cc-main/warc folder")  # fmt: skip
        raise InputError(message)
    wrong = [f"{c} ({dataset.schema.field(c).type})" for c in TABLE_COLUMNS
             if not _TYPES[c](_plain(dataset.schema.field(c).type))]  # fmt: skip
    if wrong:
        message = (f"cc_index_table={job.cc_index_table!r} has the column(s) {', '.join(wrong)} "
                   "of another type than Common Crawl's columnar index (text for url, "
                   "url_host_registered_domain, warc_filename, content_mime_detected; whole "
                   "numbers for fetch_status, warc_record_offset, warc_record_length; a time "
                   "for fetch_time): write them as it does")  # fmt: skip
        raise InputError(message)
    wanted = pc.field("url_host_registered_domain").isin(list(job.domains))
    wanted &= pc.field("fetch_status") == 200
    wanted &= pc.field("content_mime_detected").isin(list(_HTML))
    if "crawl" in names and job.cc_index:
        wanted &= pc.field("crawl") == job.cc_index
    if "subset" in names:
        wanted &= pc.field("subset") == "warc"
    found: dict[str, Capture] = {}
    rows = 0
    for batch in _batches(dataset, wanted, job.cc_index_table):
        for row in batch.to_pylist():
            rows += 1
            if rows > MAX_CAPTURES:
                failures.append(SourceFailure(str(job.cc_index_table), "index", None, (
                    f"more than {MAX_CAPTURES:,} captures; the rest is not read "
                    "(narrow the domains)"), 1))  # fmt: skip
                return list(found.values())
            capture, why = cc_capture({
                "url": row["url"], "filename": row["warc_filename"],
                "offset": str(row["warc_record_offset"]), "length": str(row["warc_record_length"]),
                "timestamp": _stamp_of(row["fetch_time"]), "status": str(row["fetch_status"]),
                "mime": row["content_mime_detected"],
            })  # fmt: skip
            if capture is None:
                failures.append(SourceFailure(str(row.get("url"))[:500], "index", None,
                                f"a row of cc_index_table: {why}; skipped", 1))  # fmt: skip
            else:
                found.setdefault(capture.url, capture)
    return list(found.values())


def _batches(dataset, wanted, where: str):
    """The table's rows ``wanted`` keeps, batch by batch; a part that cannot be read is an InputError.

    A folder's parts are opened as they are read, so a corrupt part, or a
    column of another type (``fetch_status`` as text), is found here.
    """
    batches = None
    while True:
        try:
            if batches is None:  # the filter is bound to the columns' types here
                batches = dataset.to_batches(columns=list(TABLE_COLUMNS), filter=wanted)
            batch = next(batches)
        except StopIteration:
            return
        except (OSError, ValueError, pa.ArrowException) as exc:
            raise _unreadable(where, exc) from exc
        yield batch


def _table(where: str):
    """The Parquet dataset at a local path or an ``s3://`` address (anonymous, s3fs)."""
    filesystem, path = None, str(where)
    try:
        if path.lower().startswith("s3://"):
            import fsspec

            filesystem, path = fsspec.filesystem("s3", anon=True), path.split("://", 1)[1]
        else:  # checked by ddj.params.cc_index_table: it is there and can be read
            path = str(Path(path).expanduser())
        return pads.dataset(path, format="parquet", partitioning="hive", filesystem=filesystem)
    except ImportError as exc:
        message = f"reading {where!r} needs the package s3fs: pip install 'ddj[s3]' (or s3fs)"
        raise InputError(message) from exc
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise _unreadable(where, exc) from exc


def _unreadable(where: str, exc: Exception) -> InputError:
    """The error of a table that cannot be read as Parquet, on one line."""
    why = " ".join(str(exc).split())
    message = (f"cc_index_table={where!r} is not a Parquet table ddj can read ({why:.150}): give "
               "a Parquet file or folder of Common Crawl's columnar index")  # fmt: skip
    return InputError(message)


def _stamp_of(value: object) -> str | None:
    """A ``fetch_time`` value as a CDX timestamp (naive values are UTC)."""
    try:
        when = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    if pd.isna(when):
        return None
    return stamp(when.tz_localize("UTC") if when.tzinfo is None else when)


def gather(fetcher: Fetcher, ledger: Ledger, job: Indexed) -> Gathered:
    """The pages of the captures ``job`` asks for, by range request; failures as rows."""
    out = Gathered()
    if job.cc_index_table is not None:
        listed = table_captures(job, out.failures)
    else:
        listed = captures(fetcher, ledger, job, out)
    for capture in listed:
        if not job.wanted.keeps(capture.url, capture.captured):
            continue
        if capture.status not in (None, 200) or capture.mime.split(";")[0].strip() not in _HTML:
            continue  # the server's filters, checked again: its answer is not trusted
        source = f"{job.cc_data_url}/{urllib.parse.quote(capture.filename, safe='/')}"
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
