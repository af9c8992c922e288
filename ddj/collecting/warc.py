"""Read WARC files, local or remote, skipping unwanted records before their payload is read.

:func:`warc_files` turns paths, globs and URLs (``https://``, ``s3://``
anonymous) into the list of files a collection reads; :func:`local_copy`
copies a remote one within the bounds of :mod:`ddj.collecting.remote` (size
cap, total deadline, address rules).
:func:`warc_records` yields the HTML responses of one file that a
:class:`Wanted` filter keeps. The filter looks only at the WARC headers
(``WARC-Target-URI``, ``WARC-Date``), so a record of another outlet costs its
gzip inflation (a ``.warc.gz`` has no index: the next record starts where this
one's gzip member ends) and nothing more: its HTTP headers and payload are
neither parsed, de-chunked, decoded nor extracted.

The reader is FastWARC (resiliparse): on the same generated ``.warc.gz`` it
scans 6x as many records a second as warcio (72,000 against 11,000, header
only or payload read; see ``/work/notes/14-warc.md``).

Damage never ends a file early: corrupt data (a bad gzip member, a broken
header) is one failure row naming the bytes skipped, and reading goes on at the
next record that starts whole; a file that ends inside a record (CC-NEWS files
sometimes do) keeps every record before it and is a failure row.

Examples
--------
>>> wanted = Wanted.of(domains=["https://www.example.co.uk/news"])
>>> wanted.domains, wanted.keeps("https://live.example.co.uk/a", None)
(('example.co.uk',), True)
>>> wanted.keeps("https://example.com/a", None)
False
"""

from __future__ import annotations

import contextlib
import functools
import glob
import os
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ddj.collecting.remote import RemoteLimits, download, http_glob, is_remote
from ddj.collecting.sources import Candidate, SourceFailure
from ddj.errors import InputError
from ddj.hostvalues import bounded_number, url_host
from ddj.limits import MAX_PAGE_BYTES, gunzip
from ddj.urls import registered_domain

#: A page is not captured before it is published: a record captured more than this before
#: ``since`` is skipped unread (the margin covers time zones and wrong clocks). Nothing is
#: skipped for being captured after ``until``: archives capture old pages again.
CAPTURE_MARGIN = pd.Timedelta(days=1)
#: Restarts after corrupt data in one file, at most (each skips to the next whole record).
MAX_RESTARTS = 1_000
#: Bytes after the last record read to check that a file ends whole.
MAX_TAIL_BYTES = 64 << 20
_GZIP = b"\x1f\x8b\x08"
_PLAIN = b"WARC/1."
_CHUNK = 1 << 20
_HTML = ("text/html", "application/xhtml+xml")


# -- which files -------------------------------------------------------------------------------
def warc_files(
    warcs: str | os.PathLike | list[str | os.PathLike], limits: RemoteLimits | None = None
) -> list[str]:
    """The WARC files that paths, globs and URLs name, in order, each once.

    A remote glob reads the folder's listing (``https://``: within ``limits``,
    see :func:`~ddj.collecting.remote.http_glob`; ``s3://``: through s3fs).

    Raises
    ------
    InputError
        A path that does not exist, a glob that matches nothing, or a remote
        folder listing that cannot be read.

    Examples
    --------
    >>> warc_files(["https://data.example.org/CC-NEWS-1.warc.gz"])
    ['https://data.example.org/CC-NEWS-1.warc.gz']
    """
    items = [warcs] if isinstance(warcs, (str, os.PathLike)) else list(warcs)
    limits = limits or RemoteLimits.of(files=[str(i) for i in items])
    found: list[str] = []
    for item in items:
        found += _expand(str(item), limits)
    return list(dict.fromkeys(found))


def _expand(item: str, limits: RemoteLimits) -> list[str]:
    wild = glob.has_magic(item)
    if is_remote(item):
        return _remote_glob(item, limits) if wild else [item]
    if wild:
        matched = sorted(p for p in glob.glob(os.path.expanduser(item)) if Path(p).is_file())
        if not matched:
            message = f"WARC glob {item!r} matches no file: check the folder and the pattern"
            raise InputError(message)
        return [str(Path(p).resolve()) for p in matched]
    path = Path(item).expanduser()
    if not path.is_file():
        message = f"WARC file {item!r} does not exist: pass the path of a .warc or .warc.gz file"
        raise InputError(message)
    return [str(path.resolve())]


def _remote_glob(item: str, limits: RemoteLimits) -> list[str]:
    matched = _s3_glob(item) if item.lower().startswith("s3://") else http_glob(item, limits)
    if not matched:
        message = f"WARC glob {item!r} matches no file: check the address and the pattern"
        raise InputError(message)
    return matched


def _s3_glob(item: str) -> list[str]:
    """The ``s3://`` files a glob matches (anonymous, through s3fs)."""
    try:
        import fsspec

        fs = fsspec.filesystem("s3", anon=True)
    except ImportError as exc:
        message = f"reading {item!r} needs the package s3fs: pip install 'ddj[s3]' (or s3fs)"
        raise InputError(message) from exc
    try:
        matched = sorted(fs.glob(item.split("://", 1)[1]))
    except OSError as exc:
        message = f"could not list {item!r}: {exc!s:.150}"
        raise InputError(message) from exc
    return [f"s3://{m}" for m in matched]


@contextlib.contextmanager
def local_copy(url: str, *, limits: RemoteLimits | None = None) -> Iterator[Path]:
    """A local path of ``url``: the file itself, or a temporary copy of a remote file.

    The copy keeps to ``limits`` (size cap, total deadline, address rules; by
    default :class:`~ddj.collecting.remote.RemoteLimits`' defaults, trusting
    the host of ``url``) and is removed on exit.

    Raises
    ------
    InputError
        The remote file cannot be read (a :class:`~ddj.collecting.remote.RemoteFileError`
        naming why: the deadline, the size cap, a short body, a refused redirect).
    """
    if not is_remote(url):
        yield Path(url)
        return
    folder = tempfile.mkdtemp(prefix="ddj-warc-")
    target = Path(folder) / "copy.warc"
    try:
        download(url, target, limits or RemoteLimits())
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- which records -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Wanted:
    """Which records to read, judged on their WARC headers alone.

    ``domains``: registered domains (subdomains included); ``pattern``: a
    regular expression (RE2 syntax) searched in the URL; ``captured_from``:
    records captured before it are skipped (``since`` less :data:`CAPTURE_MARGIN`).
    """

    domains: tuple[str, ...] = ()
    pattern: str | None = None
    captured_from: pd.Timestamp | None = None

    @classmethod
    def of(
        cls,
        *,
        domains: list[str] | None = None,
        url_pattern: str | None = None,
        since: pd.Timestamp | None = None,
    ) -> Wanted:
        """The filter of ``domains`` (URLs or host names), ``url_pattern`` and ``since``."""
        names = tuple(dict.fromkeys(registered_domain(_as_url(d)) for d in domains or ()))
        start = None if since is None else since - CAPTURE_MARGIN
        return cls(names, url_pattern or None, start)

    def keeps(self, url: str, captured: datetime | None) -> bool:
        """Whether a record of ``url`` captured at ``captured`` is to be read."""
        if self.captured_from is not None and captured is not None:
            when = pd.Timestamp(captured)
            when = when.tz_localize("UTC") if when.tzinfo is None else when
            if when < self.captured_from:
                return False
        if self.domains and not self._in_domains(url):
            return False
        return self.pattern is None or compiled_pattern(self.pattern).search(url) is not None

    def _in_domains(self, url: str) -> bool:
        """Whether the host of ``url``, read as the fetcher and the outlet read it, is in a domain."""
        host = url_host(url)
        near = any(host == d or host.endswith("." + d) for d in self.domains)  # cheap, first
        return near and registered_domain(host) in self.domains

    def describe(self) -> str:
        """The filter in words, as the manifest records it (empty: every record).

        Examples
        --------
        >>> Wanted.of(domains=["bbc.co.uk"], url_pattern="/news/").describe()
        'domains=bbc.co.uk url_pattern=/news/'
        """
        parts = []
        if self.domains:
            parts.append("domains=" + ",".join(sorted(self.domains)))
        if self.pattern:
            parts.append(f"url_pattern={self.pattern}")
        if self.captured_from is not None:
            parts.append(f"captured_from={self.captured_from.isoformat()}")
        return " ".join(parts)


EVERYTHING = Wanted()


@functools.lru_cache(maxsize=8)
def compiled_pattern(pattern: str) -> Any:
    """A URL pattern compiled by RE2 (linear time on any URL), once per process.

    Raises
    ------
    re2.error
        Not a pattern RE2 takes (look-arounds, back-references).
    """
    import re2

    options = re2.Options()
    options.log_errors = False  # the error is raised, not also printed
    options.max_mem = 8 << 20
    return re2.compile(pattern, options)


def _as_url(domain: str) -> str:
    return domain if "://" in domain else f"http://{domain.strip().strip('.')}/"


@dataclass
class Tally:
    """What one file held: response records, those the filter kept, HTML pages among them."""

    responses: int = 0
    kept: int = 0
    pages: int = 0


# -- reading -------------------------------------------------------------------------------------
def warc_records(
    path: str | os.PathLike,
    failures: list[SourceFailure],
    info: dict[str, str] | None = None,
    max_bytes: int = MAX_PAGE_BYTES,
    *,
    wanted: Wanted = EVERYTHING,
    tally: Tally | None = None,
) -> Iterator[Candidate]:
    """HTML response records (status 200) of a local WARC or WARC.gz file that ``wanted`` keeps.

    Other records (requests, metadata, images, redirects) are skipped. A record
    whose payload is (or expands to) more than ``max_bytes``, or cannot be
    decoded, is a failure row and the next record is read; so is corrupt data
    (reading goes on at the next whole record) and a file that ends inside a
    record. When ``info`` is given, the fields of the file's ``warcinfo``
    records (names in lower case) are added to it as they are read, e.g.
    ``ddj-demo`` for ddj's synthetic demo archive. ``tally`` counts what was seen.

    Raises
    ------
    InputError
        The file does not exist.

    Examples
    --------
    >>> import ddj
    >>> failures = []
    >>> pages = list(warc_records(ddj.demo.demo_warc(n=30), failures))
    >>> pages[0].origin, len(pages) > 0, failures
    ('warc', True, [])
    """
    path = Path(path)
    if not path.is_file():
        message = (
            f"WARC file {str(path)!r} does not exist: pass the path of a .warc or .warc.gz file"
        )
        raise InputError(message)
    reader = _Reader(path, failures, info, max_bytes, wanted, tally or Tally())
    yield from reader.records()


class TruncatedRecord(InputError):
    """A WARC record the file ends inside."""


class _Reader:
    """One file read from start to end: FastWARC runs, restarted past any corrupt data."""

    def __init__(self, path: Path, failures, info, max_bytes: int, wanted: Wanted, tally: Tally):
        self.path, self.failures, self.info = path, failures, info
        self.max_bytes, self.wanted, self.tally = max_bytes, wanted, tally
        self.size = path.stat().st_size
        with path.open("rb") as handle:
            self.gz = handle.read(2) == _GZIP[:2]
        self.last = -1  # where the last record read starts
        self.cut = False  # that record was cut short by the end of the file (already a row)
        self.gap: SourceFailure | None = None  # the row of the damage being skipped
        self.fresh = False  # a record was read whole since the last damage
        self.broken = False  # a failure row names the file
        self.gap_from = 0

    def records(self) -> Iterator[Candidate]:
        start = 0
        for _restart in range(MAX_RESTARTS):
            error = None
            try:
                yield from self._run(start)
            except (OSError, ValueError) as exc:
                error = exc
            problem = self._problem(start, error)
            if problem is None:
                break
            start = _next_start(self.path, problem + 1, gz=self.gz)
            self._note_damage(problem, start, error)
            if start is None:
                break
        else:
            self._fail(f"more than {MAX_RESTARTS} stretches of corrupt data: the rest is not read")
        nothing = not self.tally.pages and (self.tally.kept or not self.tally.responses)
        if nothing and not self.broken:  # (none kept by the filter is no failure)
            self._fail(
                "no HTML response records with status 200 (is this a WARC file of web pages?)"
            )

    def _run(self, start: int) -> Iterator[Candidate]:
        from fastwarc.warc import ArchiveIterator, WarcRecordType

        kinds = WarcRecordType.response | WarcRecordType.warcinfo
        with self.path.open("rb") as handle:
            handle.seek(start)
            for record in ArchiveIterator(handle, record_types=kinds, parse_http=False):
                self.last, self.cut = record.stream_pos, False
                if record.record_type == WarcRecordType.warcinfo:
                    self._warcinfo(record)
                else:
                    candidate = self._response(record)
                    if candidate is not None:
                        yield candidate

    def _warcinfo(self, record) -> None:
        if self.info is not None:
            body = _read(record.reader, self.max_bytes, f"warcinfo of {self.path.name}")
            self.info.update(warc_fields(body))
        self.fresh = True

    def _response(self, record) -> Candidate | None:
        """The record as a candidate, None if unwanted or not an HTML page (a bad one is a row)."""
        self.tally.responses += 1
        url = (record.headers.get("WARC-Target-URI") or "").strip().strip("<>")
        if not url or not self.wanted.keeps(url, _date(record)):
            self.fresh = True
            return None
        self.tally.kept += 1
        record.parse_http(auto_decode="none")
        http = record.http_headers
        ctype = (record.http_content_type or "").split(";")[0].strip().lower()
        if http is None or http.status_code != 200 or ctype not in _HTML:
            self.fresh = True
            return None
        self.tally.pages += 1
        try:
            body = _payload(record, self.max_bytes, f"WARC record {url}")
        except InputError as exc:
            row = SourceFailure(url, "warc", 200, str(exc), 1)
            self.failures.append(row)
            self.cut = isinstance(exc, TruncatedRecord)
            corrupt = "truncated or corrupt" in row.reason
            self.gap, self.fresh = (row, False) if corrupt else (self.gap, True)
            return None
        self.fresh = True
        return Candidate(url, "warc", None, body)

    def _problem(self, start: int, error: Exception | None) -> int | None:
        """Where reading went wrong (the error, or an end that is not whole), else None."""
        after = max(self.last, start)
        if error is not None:
            return after
        bad = _tail_problem(self.path, after, self.size, gz=self.gz)
        if bad is not None and bad >= self.size:  # cut inside the last record
            if not self.cut:
                self._fail(
                    "the file ends inside a record (truncated): the records before it are kept"
                )
            return None
        return bad

    def _note_damage(self, problem: int, resume: int | None, error: Exception | None) -> None:
        """One failure row for one stretch of damage, however many restarts it takes."""
        why = f" ({type(error).__name__}: {error!s:.100})" if error is not None else ""
        if self.gap is not None and not self.fresh:  # still the same damage: one row
            if self.gap.url == str(self.path):
                self.gap.reason = _damage(self.gap_from, resume, why)
            return
        self.gap_from = problem
        self.gap, self.fresh = self._fail(_damage(problem, resume, why)), False

    def _fail(self, reason: str) -> SourceFailure:
        row = SourceFailure(str(self.path), "warc", None, reason, 1)
        self.failures.append(row)
        self.broken = True
        return row


def _damage(start: int, resume: int | None, why: str) -> str:
    if resume is None:
        return (f"unreadable WARC data after byte {start:,} to the end{why}; "
                "the records before it are kept")  # fmt: skip
    return (f"corrupt WARC data after byte {start:,}, up to byte {resume:,}{why}: "
            "skipped, the records after it are read")  # fmt: skip


def _date(record) -> datetime | None:
    try:
        return record.record_date
    except (ValueError, OSError):
        return None


def _read(reader, limit: int, what: str) -> bytes:
    """At most ``limit`` bytes from ``reader``, in steps; more is an InputError."""
    chunks, size = [], 0
    while chunk := reader.read(min(_CHUNK, limit + 1 - size)):
        size += len(chunk)
        if size > limit:
            message = (f"{what} expands past the size cap (more than {limit:,} bytes); "
                       "it is skipped, the rest of the file is read")  # fmt: skip
            raise InputError(message)
        chunks.append(chunk)
    return b"".join(chunks)


def _payload(record, limit: int, what: str) -> bytes:
    """A response's payload, de-chunked and decoded, at most ``limit`` bytes (else InputError)."""
    try:
        body = _read(record.reader, limit, what)
    except (OSError, ValueError, zlib.error) as exc:
        if isinstance(exc, InputError):
            raise
        message = (
            f"{what} is truncated or corrupt ({type(exc).__name__}: {exc!s:.100}); it is skipped"
        )
        raise InputError(message) from exc
    if len(body) < record.content_length:
        message = f"{what} is truncated (the file ends inside it); it is skipped"
        raise TruncatedRecord(message)
    headers = record.http_headers
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        body = _dechunk(body, what)
    coding = (headers.get("Content-Encoding") or "").strip().lower()
    if coding in ("gzip", "x-gzip", "deflate"):
        body = gunzip(body, limit, what)
    elif coding not in ("", "identity"):
        message = f"{what} is encoded as {coding!r}, which ddj does not decode; it is skipped"
        raise InputError(message)
    return body


def _dechunk(body: bytes, what: str) -> bytes:
    """The body of an HTTP/1.1 chunked transfer (already bounded in size)."""
    out, pos = [], 0
    while pos < len(body):
        line_end = body.find(b"\r\n", pos)
        try:
            size = int(body[pos:line_end].split(b";")[0], 16) if line_end >= 0 else -1
        except ValueError:
            size = -1
        if size < 0:
            message = f"{what} has a broken chunked encoding; it is skipped"
            raise InputError(message)
        if size == 0:
            break
        out.append(body[line_end + 2 : line_end + 2 + size])
        pos = line_end + 2 + size + 2
    return b"".join(out)


def _tail_problem(path: Path, start: int, size: int, *, gz: bool) -> int | None:
    """Where the records from ``start`` on stop being whole: None, ``size`` (cut short) or an offset."""
    if size - start > MAX_TAIL_BYTES:
        return None  # not checked: FastWARC read it to its end
    with path.open("rb") as handle:
        handle.seek(start)
        data = handle.read()
    return _gz_tail(data, start, size) if gz else _plain_tail(data, start, size)


def _gz_tail(data: bytes, start: int, size: int) -> int | None:
    """Where the gzip members in ``data`` stop being whole (see :func:`_tail_problem`)."""
    pos, budget = 0, [MAX_TAIL_BYTES * 16]  # inflated bytes at most: a bomb is not checked
    while pos < len(data):
        inflater = zlib.decompressobj(31)
        try:
            end = _member_end(inflater, data, pos, budget)
        except zlib.error:
            return start + pos
        if end is None:
            return size if budget[0] > 0 else None
        pos = end
        while pos < len(data) and data[pos] == 0:  # padding between members
            pos += 1
    return None


def _member_end(inflater, data: bytes, pos: int, budget: list[int]) -> int | None:
    """Where the gzip member starting at ``pos`` ends, None if ``data`` ends first."""
    while pos < len(data) and budget[0] > 0:
        piece = data[pos : pos + _CHUNK]
        budget[0] -= len(inflater.decompress(piece, _CHUNK))
        while inflater.unconsumed_tail and not inflater.eof and budget[0] > 0:
            budget[0] -= len(inflater.decompress(inflater.unconsumed_tail, _CHUNK))
        if inflater.eof:
            return pos + len(piece) - len(inflater.unused_data)
        pos += len(piece)
    return None


def _plain_tail(data: bytes, start: int, size: int) -> int | None:
    pos = 0
    while pos < len(data):
        if not data.startswith(_PLAIN, pos):
            return start + pos if data[pos:].strip() else None
        head_end = data.find(b"\r\n\r\n", pos)
        if head_end < 0:
            return size
        length = _content_length(data[pos:head_end])
        if length is None:
            return start + pos
        pos = head_end + 4 + length + 4
        if pos > len(data):
            return size
    return None


#: Largest record length a WARC header may declare; any length past the data's end reads as the end.
MAX_RECORD_LENGTH = 1 << 50


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return bounded_number(value, low=0, high=MAX_RECORD_LENGTH, what="Content-Length")
    return None


def _next_start(path: Path, after: int, *, gz: bool) -> int | None:
    """The offset of the next record that starts whole at or after ``after``, else None."""
    magic = _GZIP if gz else _PLAIN
    with path.open("rb") as handle:
        pos = after
        while True:
            handle.seek(pos)
            block = handle.read(_CHUNK + len(magic))
            if len(block) < len(magic):
                return None
            at = block.find(magic)
            while at >= 0:
                if _starts_record(handle, pos + at, gz):
                    return pos + at
                at = block.find(magic, at + 1)
            pos += _CHUNK


def _starts_record(handle, offset: int, gz: bool) -> bool:
    """Whether a WARC record (its gzip member, when ``gz``) starts at ``offset``."""
    handle.seek(offset)
    head = handle.read(1 << 16)
    if not gz:
        return head.startswith((b"WARC/1.0\r\n", b"WARC/1.1\r\n"))
    try:
        return zlib.decompressobj(31).decompress(head, 16).startswith(b"WARC/1.")
    except zlib.error:
        return False


def warc_fields(body: bytes) -> dict[str, str]:
    r"""The ``name: value`` fields of a ``warcinfo`` record (``application/warc-fields``).

    Examples
    --------
    >>> warc_fields(b"software: ddj\r\nDDJ-Demo: synthetic demo data\r\nno colon\r\n")
    {'software': 'ddj', 'ddj-demo': 'synthetic demo data'}
    """
    out = {}
    for line in body.decode("utf-8", errors="replace").splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            out[name.strip().lower()] = value.strip()
    return out
