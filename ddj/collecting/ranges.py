"""One WARC record fetched by HTTP range: its gzip member expanded (bounded), read as a WARC file's.

An index (Common Crawl's CDX or columnar index) says where a capture is:
a WARC file, an offset and a length. Those bytes are one gzip member holding one
WARC record. :func:`record_page` expands it under a cap, checks it is one whole
member, and reads it with :func:`ddj.collecting.warc.warc_records`, the reader
of whole WARC files, so a record fetched by range gives the same page (and the
same failures) as the same record read from its file.

Examples
--------
>>> import gzip
>>> failures = []
>>> record_page(b"not gzip", "https://a.example/x", "CC x.warc.gz@0", failures), failures[0].reason
(None, 'CC x.warc.gz@0: not a gzip member (a WARC record range starts with one); skipped')
"""

from __future__ import annotations

import tempfile
import zlib
from pathlib import Path

from ddj.collecting.sources import Candidate, SourceFailure
from ddj.collecting.warc import Tally, warc_records
from ddj.limits import MAX_PAGE_BYTES

_STEP = 1 << 20


def expand_member(raw: bytes, limit: int) -> bytes:
    """The bytes of the one gzip member ``raw`` holds, at most ``limit`` of them.

    Raises
    ------
    ValueError
        Not gzip, corrupt, cut short, more than one member, or past ``limit``.

    Examples
    --------
    >>> import gzip
    >>> expand_member(gzip.compress(b"WARC/1.0"), 100)
    b'WARC/1.0'
    >>> expand_member(gzip.compress(b"a") + gzip.compress(b"b"), 100)
    Traceback (most recent call last):
    ValueError: more than one gzip member in the range (the offset or length is wrong)
    """
    if raw[:2] != b"\x1f\x8b":
        message = "not a gzip member (a WARC record range starts with one)"
        raise ValueError(message)
    inflater = zlib.decompressobj(31)
    out = bytearray()
    pending = raw
    try:
        while pending and not inflater.eof:
            out += inflater.decompress(pending, min(limit + 1 - len(out), _STEP))
            if len(out) > limit:
                message = f"the record expands past the size cap ({limit:,} bytes)"
                raise ValueError(message)
            pending = inflater.unconsumed_tail
    except zlib.error as exc:
        message = f"corrupt gzip data ({exc})"
        raise ValueError(message) from None
    if not inflater.eof:
        message = "the gzip member is cut short (truncated range)"
        raise ValueError(message)
    if inflater.unused_data.strip(b"\x00"):
        message = "more than one gzip member in the range (the offset or length is wrong)"
        raise ValueError(message)
    return bytes(out)


def record_page(
    raw: bytes,
    url: str,
    where: str,
    failures: list[SourceFailure],
    max_bytes: int = MAX_PAGE_BYTES,
    *,
    origin: str = "cc-index",
) -> Candidate | None:
    """The HTML page of the WARC record in ``raw`` (one gzip member), or None and a failure row.

    ``url`` is the capture's URL as the index gave it: a record of another URL
    is refused. ``where`` names the range in failure rows.
    """
    try:
        plain = expand_member(raw, max_bytes + (1 << 16))  # the record's headers on top of the page
    except ValueError as exc:
        failures.append(SourceFailure(url, "range", 206, f"{where}: {exc}; skipped", 1))
        return None
    rows: list[SourceFailure] = []
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="ddj-range-") as folder:
        path = Path(folder) / "record.warc"
        path.write_bytes(plain)
        pages = list(warc_records(path, rows, max_bytes=max_bytes, tally=tally))
    if not pages:
        what = (
            "not a response record" if not tally.responses else "not an HTML page with status 200"
        )
        rows = [r for r in rows if "no HTML response records" not in r.reason] or [
            SourceFailure(str(path), "range", 206, what + "; skipped")
        ]
    for row in rows:  # named by the range, not by the temporary file
        failures.append(SourceFailure(url, "range", 206, f"{where}: {row.reason}", 1))
    if not pages:
        return None
    page = pages[0]
    if page.url != url:
        reason = (
            f"{where}: the record is of {page.url[:200]!r}, not of the URL the index gives; skipped"
        )
        failures.append(SourceFailure(url, "range", 206, reason, 1))
        return None
    return Candidate(url, origin, None, page.body)
