r"""Numbers and URLs that come from outside, read one way, bounded, never a raw exception.

Everything a host sends (``Retry-After``, ``Content-Length``, a robots.txt
``Crawl-delay``, a redirect's ``Location``, the links of feeds and sitemaps, a
WARC record's target) and every URL a user lists is read here:

- :func:`bounded_number` reads ASCII digits only, never calls ``int`` on more
  digits than its bounds need, and clamps into ``[low, high]``; what is not a
  number is ``None`` (the caller ignores the value, and counts it).
- :func:`parse_url` reads a URL the way ddj's fetcher requests it, and the way
  a browser does (WHATWG): tabs and newlines removed, ``\`` a path separator
  in ``http``/``https`` URLs, ``user:password@`` dropped, the host lower-case in
  its IDNA (punycode) form, the port checked. A URL it cannot read raises
  :class:`BadURL` (an :class:`~ddj.errors.InputError`) naming it.
- :func:`url_host` gives the same host, or ``""``, and never raises: the domain
  filter and the outlet label use it, so they judge the host the fetcher
  connects to.
- :func:`normal_domain` is the one normal form in which domains are compared:
  lower-case IDNA ASCII (``bücher.example`` -> ``xn--bcher-kva.example``, IDNA
  2008 with UTS 46 mapping, the ``idna`` package), as DNS and the fetcher see
  it; a name that does not encode is kept as given, lower-cased.
- :func:`strip_credentials` (one URL) and :func:`scrub_credentials` (any text)
  remove ``user:password@`` before anything is written.

Examples
--------
>>> bounded_number("1" + "0" * 400, low=0, high=60, what="Crawl-delay")
60
>>> bounded_number("²", low=0, high=60, what="Crawl-delay") is None
True
>>> parse_url("HTTPS://user:pw@Bücher.Example./a\\b#frag").url
'https://xn--bcher-kva.example./a/b'
>>> url_host("https://evil.example#@bbc.co.uk"), url_host("https://evil.example\\@bbc.co.uk")
('evil.example', 'evil.example')
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import idna

from ddj.errors import InputError

#: Longest URL read (characters): longer ones are refused (servers refuse them at about 8 KB).
MAX_URL_CHARS = 8_192
#: Longest text read as a number (characters, white space around it excluded).
MAX_NUMBER_CHARS = 10_000
#: Longest host name (RFC 1035: 253 characters, 63 a label).
MAX_HOST_CHARS = 253
MAX_LABEL_CHARS = 63
#: Schemes ddj fetches.
WEB_SCHEMES = ("http", "https")

#: A URL whose host this reads exactly as :func:`url_host` does (an ASCII name, no credentials,
#: a port of 1-9999, nothing a browser reads otherwise): its first group, to lower-case.
PLAIN_URL_HOST = r"(?i)^https?://([a-z0-9-]+(?:\.[a-z0-9-]+)*)\.?(?::[1-9][0-9]{0,3})?(?:[/?#]|$)"
_PLAIN = re.compile(PLAIN_URL_HOST)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_TAB_NEWLINE = str.maketrans("", "", "\t\n\r")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_C0_SPACE = "".join(chr(c) for c in range(0x21))
_ASCII_HOST = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?")
# scheme://authority, the authority ending where a browser ends it (special schemes: at \ too)
_AUTHORITY = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/?#\s]*)")


class BadURL(InputError):
    """A URL that ddj cannot read or fetch (no host, a broken port or bracket, another scheme)."""


@dataclass(frozen=True)
class ParsedURL:
    """A URL as ddj fetches it: ``url`` (no credentials, no fragment), its scheme, host and port."""

    url: str
    scheme: str
    host: str  # lower case, IDNA ASCII, no brackets, no trailing dot
    port: int | None  # as written; None when the scheme's default is meant
    had_credentials: bool = False


# -- numbers -------------------------------------------------------------------------------------
def bounded_number(
    text: str | bytes | None,
    *,
    low: float,
    high: float,
    what: str,
    fraction: bool = False,
    notes: Counter | None = None,
) -> int | float | None:
    """The number in ``text`` clamped into ``[low, high]``, or None when ``text`` holds none.

    Only ASCII digits are read (with ``fraction``, one ``.`` too), with white
    space around them: ``²``, ``-1``, ``1e400``, ``inf`` are not numbers. More
    digits than ``high`` has are ``high`` at once, whatever their count, and
    ``int`` never sees them. With ``notes`` (a Counter), a value that is not a
    number is counted under ``"<what> unreadable"`` and one clamped under
    ``"<what> out of bounds"``.

    Parameters
    ----------
    text
        What the host sent (a header's value, a robots.txt field); None is None.
    low, high
        The bounds (non-negative).
    what
        The value's name, for ``notes``.
    fraction
        Read ``12.5`` (a float is returned), else integers only.
    notes
        A Counter to count unreadable and clamped values in.

    Examples
    --------
    >>> bounded_number(" 30 ", low=0, high=60, what="Crawl-delay")
    30
    >>> bounded_number("9" * 5000, low=0, high=2**63, what="Content-Length")
    9223372036854775808
    >>> notes = Counter()
    >>> [bounded_number(t, low=0, high=10, what="Retry-After", notes=notes) for t in ("1e400", "-1", "2.5")]
    [None, None, None]
    >>> bounded_number("2.5", low=0, high=10, what="x", fraction=True), dict(notes)
    (2.5, {'Retry-After unreadable': 3})
    """
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    value = _read_number(str(text).strip(), high, fraction)
    if value is None:
        if notes is not None:
            notes[f"{what} unreadable"] += 1
        return None
    clamped = min(max(value, low), high)
    if notes is not None and clamped != value:
        notes[f"{what} out of bounds"] += 1
    return float(clamped) if fraction else int(clamped)


def _read_number(text: str, high: float, fraction: bool) -> int | float | None:
    if not text or len(text) > MAX_NUMBER_CHARS or not text.isascii():
        return None
    whole, dot, part = text.partition(".") if fraction else (text, "", "")
    if not whole.isdigit() or (dot and not part.isdigit()):
        return None  # ASCII only (checked above): isdigit means 0-9 here
    whole = whole.lstrip("0") or "0"
    if len(whole) > len(str(int(high))) + 1:
        return high + 1  # far beyond the bound: never handed to int()
    if not dot:
        return int(whole)
    return float(f"{whole}.{part[:20]}")


# -- domains -------------------------------------------------------------------------------------
def normal_domain(name: str, *, strict: bool = False) -> str:
    """``name`` in ddj's one normal form of a domain: lower-case IDNA ASCII, no trailing dot.

    ``bücher.example`` and ``xn--bcher-kva.example`` are one domain
    (IDNA 2008 with UTS 46 mapping). A name that does not encode is kept as
    given, lower-cased, unless ``strict``.

    Raises
    ------
    BadURL
        With ``strict``: a name no host can have (empty or long labels,
        characters other than letters, digits, ``-`` and ``_``).

    Examples
    --------
    >>> normal_domain("Bücher.Example."), normal_domain("XN--BCHER-KVA.example")
    ('xn--bcher-kva.example', 'xn--bcher-kva.example')
    >>> normal_domain("☃.net")  # not a valid IDNA name: kept as given
    '☃.net'
    """
    text = str(name).strip().rstrip(".").lower() if name is not None else ""
    if text.isascii():
        ascii_name = text
    elif len(text) > 4 * MAX_HOST_CHARS:
        ascii_name = None
    else:
        try:
            ascii_name = idna.encode(text, uts46=True).decode("ascii").lower()
        except (idna.IDNAError, UnicodeError, ValueError):
            ascii_name = None
    if not strict:
        return ascii_name if ascii_name is not None else text
    if ascii_name is None or not _valid_host(ascii_name):
        message = (
            f"{_shown(name)} is not a host name (letters, digits, '-' and '_' in labels of 1-63)"
        )
        raise BadURL(message)
    return ascii_name


def _valid_host(name: str) -> bool:
    return (
        0 < len(name) <= MAX_HOST_CHARS
        and _ASCII_HOST.fullmatch(name) is not None
        and all(len(label) <= MAX_LABEL_CHARS for label in name.split("."))
    )


# -- URLs ----------------------------------------------------------------------------------------
def parse_url(
    text: str, *, base: str | None = None, schemes: tuple[str, ...] | None = WEB_SCHEMES
) -> ParsedURL:
    r"""``text`` read as ddj's fetcher requests it (relative to ``base`` when given).

    As a browser reads it: white space and control characters around it and
    tabs and newlines in it are dropped, ``\`` before the query is ``/`` in
    ``http``/``https`` URLs, the host is what follows the last ``@`` of the
    authority (which ends at the first ``/``, ``?`` or ``#``). The URL returned
    has no ``user:password@`` and no fragment, and its host is lower-case IDNA
    ASCII; the rest is kept as written.

    Parameters
    ----------
    text
        The URL (a header's value, a link, a line of a list).
    base
        The URL ``text`` is relative to (a redirect's or a feed's).
    schemes
        The schemes accepted (default ``http`` and ``https``; None: any with a host).

    Raises
    ------
    BadURL
        Longer than :data:`MAX_URL_CHARS`, another scheme, no host, a host no
        host name can be, a broken ``[...]`` address, a port that is not 1-65535.

    Examples
    --------
    >>> parse_url("/b?x=1", base="https://a.example/a").url
    'https://a.example/b?x=1'
    >>> parse_url("http://a:99999999/")
    Traceback (most recent call last):
    ...
    ddj.hostvalues.BadURL: 'http://a:99999999/' is not a URL ddj can fetch: its port is not a number from 1 to 65535
    >>> parse_url("http://[::1")
    Traceback (most recent call last):
    ...
    ddj.hostvalues.BadURL: 'http://[::1' is not a URL ddj can fetch: its [...] address is broken (Invalid IPv6 URL)
    """
    return _parsed(text, base, schemes, strict_host=True)


def _parsed(text, base, schemes, *, strict_host: bool) -> ParsedURL:
    if not isinstance(text, str):
        raise BadURL(f"{_shown(text)} is not a URL ddj can fetch: not text")
    if len(text) > MAX_URL_CHARS:
        message = (
            f"{_shown(text)} is not a URL ddj can fetch: longer than {MAX_URL_CHARS:,} characters"
        )
        raise BadURL(message)
    url = _cleaned(text, web=base is not None and _is_web(base))
    if base is not None:
        try:
            url = urljoin(_cleaned(base), url)
        except ValueError as exc:
            raise _bad(text, f"it cannot be read against {_shown(base)} ({exc})") from None
        url = _cleaned(url)
    try:
        parts = urlsplit(url)
        parts.hostname  # noqa: B018 -- raises for a broken [...] address
    except ValueError as exc:
        raise _bad(text, f"its [...] address is broken ({exc})") from None
    scheme = parts.scheme.lower()
    if schemes is not None and scheme not in schemes:
        raise _bad(text, f"unsupported scheme {scheme or '(none)'} (only {' and '.join(schemes)})")
    host, netloc = _host_and_netloc(text, parts, strict_host)
    path, query = (_CONTROL.sub(_escaped, part) for part in (parts.path, parts.query))
    clean = urlunsplit((scheme, netloc, path, query, ""))  # controls escaped, as a browser does
    return ParsedURL(clean, scheme, host, _port(parts.netloc), had_credentials="@" in parts.netloc)


def _host_and_netloc(text: str, parts, strict_host: bool) -> tuple[str, str]:
    """The host (normal form) and the authority to request (no credentials) of a split URL."""
    host = parts.hostname or ""
    port = _port(parts.netloc)
    if port == 0:
        raise _bad(text, "its port is not a number from 1 to 65535")
    if not host:
        raise _bad(text, "it names no host")
    ipv6 = ":" in host
    if not ipv6:
        try:
            host = normal_domain(host, strict=strict_host)
        except BadURL as exc:
            raise _bad(text, str(exc)) from None
    netloc = f"[{host}]" if ipv6 else host + ("." if parts.hostname.endswith(".") else "")
    return host, netloc + (f":{port}" if port is not None else "")


def _port(netloc: str) -> int | None:
    """The port written in ``netloc`` (None: none, or empty), 0 when it is no port (not 1-65535)."""
    hostinfo = netloc.rpartition("@")[2]
    if hostinfo.startswith("["):
        hostinfo = hostinfo.partition("]")[2]
    text = hostinfo.partition(":")[2] if ":" in hostinfo else ""
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 5) or not 0 < int(text) <= 65535:
        return 0
    return int(text)


def url_host(text: str | None) -> str:
    """The host of ``text`` as :func:`parse_url` reads it (any scheme), or ``""``; never raises.

    A text without ``://`` is read as ``http://`` + text (``bbc.co.uk/news``).
    A host that is no valid name is given as :func:`normal_domain` keeps it;
    a URL with a broken port or ``[...]`` address has none (``""``).

    Examples
    --------
    >>> url_host("HTTPS://user:pw@WWW.BBC.CO.UK./x"), url_host("bbc.co.uk/news"), url_host("http://[::1")
    ('www.bbc.co.uk', 'bbc.co.uk', '')
    """
    if not isinstance(text, str):
        return ""
    plain = _PLAIN.match(text)
    if plain is not None:  # the common case, at a regular expression's cost
        return plain.group(1).lower()
    return _host_read(text)


def _host_read(text: str) -> str:
    """:func:`url_host` of any text, read by the URL reader itself."""
    text = text.strip(_C0_SPACE)
    if not text:
        return ""
    if "://" not in text[:64] and not text.startswith("//"):
        text = "http://" + text
    try:
        return _parsed(text, None, None, strict_host=False).host
    except BadURL:
        return ""


def join_url(base: str, link: str) -> str:
    """``link`` read against ``base``, as :func:`urllib.parse.urljoin` does, but never raising.

    A link that cannot be joined is kept as given: fetching it gives a failure row.

    Examples
    --------
    >>> join_url("https://a.example/x/", "y"), join_url("https://a.example/", "http://[::1")
    ('https://a.example/x/y', 'http://[::1')
    """
    try:
        return urljoin(base, link)
    except ValueError:
        return link


def _cleaned(text: str, *, web: bool = False) -> str:
    r"""``text`` as a browser takes it: trimmed, no tabs or newlines, ``\`` as ``/`` in web URLs.

    ``web``: ``text`` is relative to an ``http``/``https`` URL (unless it has a scheme of its own).
    """
    url = text.strip(_C0_SPACE).translate(_TAB_NEWLINE)
    match = _SCHEME.match(url)
    scheme = match.group(0)[:-1].lower() if match else None
    if scheme in WEB_SCHEMES or (web and scheme is None):
        cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
        url = url[:cut].replace("\\", "/") + url[cut:]
    return url


def _is_web(url: str) -> bool:
    match = _SCHEME.match(url.strip(_C0_SPACE))
    return match is not None and match.group(0)[:-1].lower() in WEB_SCHEMES


def _escaped(match: re.Match) -> str:
    return f"%{ord(match.group()):02X}"


def _bad(text: str, why: str) -> BadURL:
    return BadURL(f"{_shown(text)} is not a URL ddj can fetch: {why}")


def _shown(text: object) -> str:
    """``text`` for a message: without credentials, at most 200 characters, quoted."""
    shown = scrub_credentials(str(text))
    return repr(shown if len(shown) <= 200 else shown[:200] + "...")


# -- credentials ---------------------------------------------------------------------------------
def strip_credentials(url: str) -> str:
    r"""``url`` without its ``user:password@`` part; nothing else changes. Never raises.

    The authority is read as :func:`parse_url` reads it, so what the fetcher
    would take for credentials is what goes.

    Examples
    --------
    >>> strip_credentials("https://me:secret@news.example.org:8443/a?b=1")
    'https://news.example.org:8443/a?b=1'
    >>> strip_credentials("https://news.example.org/a@b"), strip_credentials("https://u:p@x\\@y/")
    ('https://news.example.org/a@b', 'https://x\\@y/')
    """
    if not isinstance(url, str) or "@" not in url:
        return url
    if any(c in url for c in "\t\n\r"):
        url = url.translate(_TAB_NEWLINE)  # as every URL reader drops them
    return _AUTHORITY.sub(_without_userinfo, url, count=1) if _starts_url(url) else url


def scrub_credentials(text: str) -> str:
    """``text`` (a message, a log line) with ``user:password@`` removed from every URL in it.

    Examples
    --------
    >>> scrub_credentials("could not read https://u:secret@a.example/x.warc.gz (HTTP 404)")
    'could not read https://a.example/x.warc.gz (HTTP 404)'
    """
    if not isinstance(text, str) or "@" not in text:
        return text
    return _AUTHORITY.sub(_without_userinfo, text)


def _starts_url(url: str) -> bool:
    return _SCHEME.match(url.lstrip(_C0_SPACE)) is not None


def _without_userinfo(match: re.Match) -> str:
    scheme, authority = match.group(1), match.group(2)
    if scheme[:-3].lower() in WEB_SCHEMES and "\\" in authority:
        head, _, tail = authority.partition("\\")
        return scheme + head.rpartition("@")[2] + "\\" + tail
    return scheme + authority.rpartition("@")[2]
