r"""Read the answers of CDX index servers (Common Crawl's index, the Wayback Machine), untrusted.

Two forms, as the services document them:

- **JSON lines** (Common Crawl, ``output=json``): one JSON object a line, with
  ``url``, ``timestamp``, ``status``, ``mime``, ``digest``, ``filename``,
  ``offset``, ``length`` (numbers as strings);
- **a JSON array** (the Wayback Machine, ``output=json``): its first row the
  field names (``urlkey``, ``timestamp``, ``original``, ``mimetype``,
  ``statuscode``, ``digest``, ``length``), every other row one capture.

Every answer is bounded (:data:`MAX_LINE` characters a line, :data:`MAX_CAPTURES`
captures a page) and every field checked: a line that is not JSON, not an
object, or lacks a field the fetch needs is one counted failure row, and the
other lines are read.

Examples
--------
>>> caps, bad = cc_lines(b'{"url": "https://a.example/x", "timestamp": "20241005120000", '
...     b'"status": "200", "mime": "text/html", "filename": "crawl/x.warc.gz", '
...     b'"offset": "10", "length": "200", "digest": "D"}\nnot json\n', "index page 0")
>>> caps[0].url, caps[0].offset, caps[0].length, str(caps[0].captured)
('https://a.example/x', 10, 200, '2024-10-05 12:00:00+00:00')
>>> bad[0].reason
'index page 0, line 2: not a JSON object (Expecting value); skipped'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pandas as pd

from ddj.collecting.sources import SourceFailure
from ddj.hostvalues import bounded_number

#: Longest line of an index answer read (characters); a longer one is a failure row.
MAX_LINE = 64 * 1024
#: Captures one index answer (one page) may list; the rest are one failure row.
MAX_CAPTURES = 100_000
#: Largest WARC record length taken from an index line (bytes).
MAX_RECORD = 64 << 20
#: Largest offset into a WARC file taken from an index line (bytes).
MAX_OFFSET = 1 << 44
#: Largest index answer read (bytes): :data:`MAX_CAPTURES` lines of about 640 bytes.
MAX_ANSWER = 64 << 20
#: Index pages listed for one domain (Common Crawl's ``page=``, the Wayback Machine's resume keys);
#: past it the listing stops, with a failure row and a counted warning saying what was left.
MAX_INDEX_PAGES = 1_000
#: Longest resume key taken from a Wayback Machine answer (characters).
MAX_RESUME_KEY = 2_048
#: A resume key as the CDX server writes it (Java's ``URLEncoder``): sent back as it is.
_FORM_ENCODED = re.compile(r"(?:[A-Za-z0-9.*_+-]|%[0-9A-Fa-f]{2})+")


@dataclass(frozen=True)
class Capture:
    """One capture an index lists: where it is, when it was captured, what it was."""

    url: str
    captured: pd.Timestamp
    status: int | None
    mime: str
    digest: str = ""
    filename: str | None = None  # Common Crawl: the WARC file holding the record
    offset: int | None = None
    length: int | None = None


def timestamp(text: object) -> pd.Timestamp | None:
    """A CDX timestamp (``YYYYMMDDhhmmss``, shorter ones padded) as UTC, or None.

    Examples
    --------
    >>> str(timestamp("20241005")), timestamp("2024x"), timestamp(None)
    ('2024-10-05 00:00:00+00:00', None, None)
    """
    if not isinstance(text, str) or not (4 <= len(text) <= 14) or not text.isascii():
        return None
    if not text.isdigit():
        return None
    full = (text + "0101000000"[len(text) - 4 :]) if len(text) < 14 else text
    try:
        return pd.Timestamp(pd.to_datetime(full, format="%Y%m%d%H%M%S", utc=True))
    except (ValueError, OverflowError):
        return None


def stamp(when: pd.Timestamp) -> str:
    """A moment as a CDX timestamp (``from=``, ``to=``).

    Examples
    --------
    >>> stamp(pd.Timestamp("2024-10-05T12:30:00Z"))
    '20241005123000'
    """
    return when.tz_convert("UTC").strftime("%Y%m%d%H%M%S")


def _lines(body: bytes, where: str, failures: list[SourceFailure]):
    """The non-empty lines of an answer, at most :data:`MAX_CAPTURES`; a long line is a row."""
    text = body.decode("utf-8", errors="replace")
    n = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        n += 1
        if n > MAX_CAPTURES:
            failures.append(SourceFailure(where, "index", 200, (
                f"{where}: more than {MAX_CAPTURES:,} lines; the rest is not read "
                "(narrow since/until or the domains)"), 1))  # fmt: skip
            return
        if len(line) > MAX_LINE:
            failures.append(SourceFailure(where, "index", 200, (
                f"{where}, line {number}: longer than {MAX_LINE:,} characters; skipped"), 1))  # fmt: skip
            continue
        yield number, line


def _number(value: object, high: int) -> int | None:
    return bounded_number(value if isinstance(value, str | int) else None,
                          low=0, high=high, what="index field")  # fmt: skip


def cc_lines(body: bytes, where: str) -> tuple[list[Capture], list[SourceFailure]]:
    """The captures of one Common Crawl index answer (JSON lines), and a failure row per bad line."""
    captures, failures = [], []
    for number, line in _lines(body, where, failures):
        try:
            row = json.loads(line)
        except ValueError as exc:
            why = str(exc).split(":")[0]
            failures.append(SourceFailure(where, "index", 200,
                            f"{where}, line {number}: not a JSON object ({why}); skipped", 1))  # fmt: skip
            continue
        capture, why = cc_capture(row)
        if capture is None:
            failures.append(SourceFailure(where, "index", 200,
                            f"{where}, line {number}: {why}; skipped", 1))  # fmt: skip
        else:
            captures.append(capture)
    return captures, failures


def cc_capture(row: object) -> tuple[Capture | None, str]:
    """One index line (a dict of Common Crawl's CDX fields) as a capture, or None and why."""
    if not isinstance(row, dict):
        return None, "not a JSON object"
    url, filename = row.get("url"), row.get("filename")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) > 8192:
        return None, "no http(s) url"
    if not isinstance(filename, str) or not filename or ".." in filename or len(filename) > 1024:
        return None, "no WARC filename"
    if filename.startswith("/") or "://" in filename:
        return None, "a WARC filename that is not a path under the data address"
    offset, length = _number(row.get("offset"), MAX_OFFSET), _number(row.get("length"), MAX_RECORD)
    if offset is None or length is None or length < 1:
        return None, "no offset or length"
    when = timestamp(row.get("timestamp"))
    if when is None:
        return None, "no timestamp"
    status = _number(row.get("status"), 999)
    mime = row.get("mime") if isinstance(row.get("mime"), str) else ""
    digest = row.get("digest") if isinstance(row.get("digest"), str) else ""
    return Capture(url, when, status, mime[:200], digest[:200], filename, offset, length), ""


def wayback_rows(body: bytes, where: str) -> tuple[list[Capture], list[SourceFailure], str | None]:
    """The captures of one Wayback Machine CDX answer (a JSON array, field names first), and its resume key.

    With ``showResumeKey=true`` the server ends an answer it cut (at ``limit=``
    or its own cap) with an empty row and a row holding the key that continues
    the listing (``resumeKey=``); the key is None when nothing is left, or
    when it is not one line of at most :data:`MAX_RESUME_KEY` characters (a
    failure row says so).

    Examples
    --------
    >>> caps, bad, key = wayback_rows(b'[["urlkey","timestamp","original","mimetype","statuscode",'
    ...     b'"digest","length"],["k","20241005120000","https://a.example/x","text/html","200",'
    ...     b'"D","900"],["k","x"],[],["a%2Cexample%29%2Fx+20241005120000%21"]]', "captures")
    >>> [c.url for c in caps], bad[0].reason, key
    (['https://a.example/x'], 'captures, row 3: no http(s) original URL; skipped', 'a%2Cexample%29%2Fx+20241005120000%21')
    """
    failures: list[SourceFailure] = []
    if len(body) > MAX_CAPTURES * 1024:
        failures.append(SourceFailure(where, "index", 200,
                        f"{where}: larger than {MAX_CAPTURES * 1024:,} bytes; not read", 1))  # fmt: skip
        return [], failures, None
    try:
        rows = json.loads(body.decode("utf-8", errors="replace") or "[]")
    except ValueError as exc:
        why = str(exc).split(":")[0]
        failures.append(SourceFailure(where, "index", 200,
                        f"{where}: not a JSON array ({why}); nothing read from it", 1))  # fmt: skip
        return [], failures, None
    if not isinstance(rows, list) or (rows and not isinstance(rows[0], list)):
        failures.append(SourceFailure(where, "index", 200,
                        f"{where}: not a JSON array of rows; nothing read from it", 1))  # fmt: skip
        return [], failures, None
    if not rows:
        return [], failures, None
    rows, key = _resume_key(rows, where, failures)
    names = [str(n) for n in rows[0]]
    captures = []
    for number, row in enumerate(rows[1 : MAX_CAPTURES + 1], start=2):
        fields = dict(zip(names, row, strict=False)) if isinstance(row, list) else {}
        url = fields.get("original")
        when = timestamp(fields.get("timestamp"))
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            why = "no http(s) original URL"
        elif len(url) > 8192 or when is None:
            why = "no timestamp" if when is None else "a URL longer than 8,192 characters"
        else:
            mime = fields.get("mimetype") if isinstance(fields.get("mimetype"), str) else ""
            digest = fields.get("digest") if isinstance(fields.get("digest"), str) else ""
            status = _number(fields.get("statuscode"), 999)
            captures.append(Capture(url, when, status, mime[:200], digest[:200]))
            continue
        failures.append(
            SourceFailure(where, "index", 200, f"{where}, row {number}: {why}; skipped", 1)
        )
    if len(rows) > MAX_CAPTURES + 1:
        failures.append(SourceFailure(where, "index", 200, (
            f"{where}: more than {MAX_CAPTURES:,} rows; the rest is not read "
            "(narrow since/until or the domains)"), 1))  # fmt: skip
    return captures, failures, key


def _resume_key(rows: list, where: str, failures: list[SourceFailure]) -> tuple[list, str | None]:
    """The rows without the resume key's two (``[]``, ``[key]``), and the key (None: none, or refused).

    The server writes the key URL-encoded (``URLEncoder.encode(urlkey + " " + timestamp)``), to
    be sent back as it is: a key with any other character is refused, never put in a URL.
    """
    if len(rows) < 3 or rows[-2] != [] or not isinstance(rows[-1], list) or len(rows[-1]) != 1:
        return rows, None
    key = rows[-1][0]
    if not isinstance(key, str) or len(key) > MAX_RESUME_KEY or not _FORM_ENCODED.fullmatch(key):
        failures.append(SourceFailure(where, "index", 200, (
            f"{where}: a resume key that is not URL-encoded text of at most {MAX_RESUME_KEY:,} "
            "characters; the listing stops here"), 1))  # fmt: skip
        return rows[:-2], None
    return rows[:-2], key


def num_pages(body: bytes) -> int | None:
    """The page count a ``showNumPages=true`` answer gives (``{"pages": N, ...}`` or ``N``), or None.

    Examples
    --------
    >>> num_pages(b'{"pages": 3, "pageSize": 5, "blocks": 12}'), num_pages(b"7"), num_pages(b"x")
    (3, 7, None)
    """
    try:
        value = json.loads(body[:4096].decode("utf-8", errors="replace"))
    except ValueError:
        return None
    if isinstance(value, dict):
        value = value.get("pages")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << 53:
        return None
    return value
