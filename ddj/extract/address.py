"""A page's own web address: the URL given, else its canonical link, a saved page's comment, JSON-LD."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

from ddj.errors import ExtractionError
from ddj.extract.metadata import ld_value
from ddj.hostvalues import BadURL, join_url, parse_url

#: How far into a page the comment of a browser's "Save as" or of SingleFile is looked for.
SAVED_COMMENT_CHARS = 4_096


_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d{1,5}\)\s*(\S{1,2048}?)\s*-->", re.IGNORECASE)


_SINGLEFILE = re.compile(
    r"<!--[^>]{0,512}?SingleFile[^>]{0,1024}?^\s*url:\s*(\S{1,2048})", re.IGNORECASE | re.MULTILINE
)


def page_address(text: str, tree, meta: dict[str, str], json_ld) -> str | None:
    """A saved page's own web address, from what the page and whoever saved it wrote.

    The signals, in order: ``<link rel="canonical">``, ``og:url``, the
    ``<!-- saved from url=(NNNN)... -->`` comment browsers write when saving,
    the ``url:`` line of SingleFile's header comment, and the article's
    JSON-LD ``url``. The first absolute http(s) address wins, so a relative
    canonical (``/``, ``index.html``) gives way to the absolute ``og:url`` or
    saved-from address; with no absolute one, relative ones are resolved
    against the page's absolute ``<base href>`` (as a browser does),
    ``//host/path`` is read as https, and a path alone is dropped (it is no
    address; a page's base alone is its site, not its address). An address
    percent-encoded whole (``https%3A%2F%2F...``) is decoded. The address is
    read by :func:`ddj.hostvalues.parse_url`: only http and https,
    credentials and fragment removed; a Wayback Machine address gives the
    archived page's own.

    Examples
    --------
    >>> page_address('<!-- saved from url=(0025)https://news.example/a -->', None, {"og:url": "/a"}, [])
    'https://news.example/a'
    >>> page_address("", None, {"og:url": "//news.example/b#top"}, [])
    'https://news.example/b'
    >>> page_address("", None, {"og:url": "index.html"}, []) is None
    True
    >>> from lxml import html
    >>> page = html.fromstring('<html><head><base href="https://news.example/"><link rel="canonical" href="/a/b"></head></html>')
    >>> page_address("", page, {}, [])
    'https://news.example/a/b'
    >>> page_address("", None, {"og:url": "https://web.archive.org/web/2020id_/http://a.example/x"}, [])
    'http://a.example/x'
    """
    head = text[:SAVED_COMMENT_CHARS]
    canonical, base = [], []
    if tree is not None:
        canonical = tree.xpath('//link[@rel="canonical"]/@href')[:3]
        base = tree.xpath("//base/@href")[:1]
    saved = [m.group(1) for m in (_SAVED_FROM.search(head), _SINGLEFILE.search(head)) if m]
    found = [
        _ESCAPED_SCHEME.sub(lambda m: unquote(m.group(0)), v.strip())
        for v in [*canonical, meta.get("og:url"), *saved, ld_value(json_ld, "url")]
        if isinstance(v, str) and v.strip()
    ]
    for value in found:
        if address := _absolute(value):
            return address
    # No absolute one: relative ones are read against the page's <base href> (as a browser
    # reads them), and //host/path as https.
    start = _absolute(base[0].strip()) if base and isinstance(base[0], str) else None
    for value in found:
        readable = _web_url(value) and (start or value.startswith("//"))
        if readable and (address := _absolute(join_url(start or "https:", value))):
            return address
    return None


#: An address written percent-encoded whole (``https%3A%2F%2Fnews.example%2Fa``).
_ESCAPED_SCHEME = re.compile(r"(?i)^https?%3A%2F%2F\S*$")


def _absolute(value: str) -> str | None:
    """``value`` as an absolute http(s) URL read by parse_url (no credentials), or None."""
    if not _web_url(value) or not urlsplit(value).scheme:
        return None
    try:
        found = parse_url(value)
    except BadURL:
        return None
    archived = _WAYBACK.match(found.url) if found.host == "web.archive.org" else None
    return _absolute(archived.group(1)) if archived else found.url


#: A Wayback Machine address (``https://web.archive.org/web/20200101000000/https://...``): the page's own is inside.
_WAYBACK = re.compile(
    r"https?://web\.archive\.org/web/\d{1,14}[a-z_]{0,4}/(https?://.+)", re.IGNORECASE
)


def given_url(url: Any) -> str | None:
    """The ``url`` argument, stripped; None when empty; an ExtractionError when not a web address."""
    if url is None or (isinstance(url, str) and not url.strip()):
        return None
    if not isinstance(url, str):
        raise ExtractionError(f"url must be a str (the page's address), not {type(url).__name__}")
    found = _web_url(url)
    if found is None:
        msg = (
            f"url {url[:80]!r} is not a web address (http or https); pass the page's own "
            "address, or None to take it from the page"
        )
        raise ExtractionError(msg)
    return found


def _web_url(value: Any) -> str | None:
    """``value`` stripped when it is an http(s) URL or a relative one, else None.

    ``javascript:``, ``data:`` and other schemes, and strings that do not
    split as a URL (``http://[::1``), are not an article's address.

    Examples
    --------
    >>> _web_url(" https://x.example/a "), _web_url("/2024/10/18/a"), _web_url("javascript:alert(1)")
    ('https://x.example/a', '/2024/10/18/a', None)
    """
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    try:
        parts = urlsplit(value)
        parts.hostname  # noqa: B018 -- raises for a broken IPv6 host
    except ValueError:
        return None
    return value if parts.scheme.lower() in ("", "http", "https") else None
