"""One web page -> one article record, without the network.

``read_html`` decodes the bytes by their real encoding, reads the page's own
metadata once with lxml (JSON-LD, OpenGraph and article meta, ``<time>``),
takes the body text from trafilatura (newspaper4k's when trafilatura keeps
only a fragment or nothing; short trailing lines newspaper4k does not share
are dropped, and a description the page shows as its lede is put first),
titles from the page's metadata checked against its visible heading, bylines
from JSON-LD, author meta tags, then the page's byline markup (newspaper4k's
byline search last), and dates the article from several signals by
reliability, with htmldate's original-date estimate as the fallback (see
:mod:`ddj.extract.dates`).
"""

from __future__ import annotations

import os
import re
import unicodedata
import warnings
from collections.abc import Iterator
from datetime import UTC
from functools import cache
from typing import Any
from urllib.parse import unquote, urlsplit

from ddj.errors import DdjError, ExtractionError, InputError
from ddj.extract.authors import clean_authors
from ddj.extract.authors import key as _key
from ddj.extract.bylines import byline
from ddj.extract.dates import (
    MAX_JSON_LD_CHARS,
    MAX_JSON_LD_TOTAL,
    confidence,
    load_json_ld,
    meta_tags,
    publication_date,
    walk_json_ld,
)
from ddj.extract.encoding import decode
from ddj.extract.page_type import classify
from ddj.hostvalues import BadURL, join_url, parse_url
from ddj.limits import MAX_PAGE_BYTES, gunzip, is_gzip
from ddj.urls import registered_domain
from ddj.utils import whole_text

#: Bumped whenever records could change; ddj's cache keys on it.
EXTRACTOR_VERSION = "12"

#: HTML beyond this many characters is not handed to the heavy extractors (bounded time).
MAX_HTML_CHARS = 3_000_000
#: ``<meta>`` and ``<link>`` tags read per page, each (real pages have a few hundred at most).
MAX_HEAD_TAGS = 1_000
#: On a page over MAX_HTML_CHARS, attribute values longer than this are emptied.
MAX_ATTRIBUTE_CHARS = 100_000
#: A page nested past lxml's limit (256) is flattened to this depth, its text kept.
MAX_TREE_DEPTH = 128
#: JSON-LD authors read per article (a list of thousands is not a byline).
MAX_LD_AUTHORS = 100
#: A page with more elements, or an element with more children, is not given to trafilatura,
#: newspaper4k and htmldate (their time grows faster than the page: 100,000 empty divs took over
#: a minute, 20,000 sibling spans 9 s); its visible text is the body. Of 877 real pages the
#: largest has 9,751 elements, the widest element 1,359 children.
MAX_ELEMENTS = 20_000
MAX_CHILDREN = 5_000

RECORD_KEYS = (
    "url", "outlet", "title", "authors", "published", "published_local", "published_from",
    "published_confidence", "language", "description", "text", "words", "page_type",
)  # fmt: skip

_GENERIC_HOST_LABELS = {"www", "m", "amp", "mobile", "web", "news", "blog", "blogs"}
_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|»|/)\s+")

__all__ = [
    "EXTRACTOR_VERSION",
    "RECORD_KEYS",
    "outlet_name",
    "page_address",
    "read_html",
    "safe_read_html",
]


def read_html(html: str | bytes, url: str | None = None) -> dict[str, Any]:
    """Extract one article record from a web page.

    Parameters
    ----------
    html
        The page, as text or as the bytes saved from the web (their real
        encoding is detected; a declared charset is only a hint).
    url
        Where the page came from. Without it, the page's own address is used
        (:func:`page_address`: canonical link, ``og:url``, the comment a
        browser or SingleFile writes when saving; relative ones resolved).

    Returns
    -------
    dict with ``url``, ``outlet`` (:func:`outlet_name`), ``title``, ``authors`` (list of names),
    ``published`` (aware UTC datetime or None), ``published_from`` (json-ld,
    meta, time-tag, url, htmldate or none), ``language`` (ISO 639-1),
    ``description``, ``text`` and ``words``.

    Raises
    ------
    ExtractionError
        The page is empty, binary, has no HTML markup, is larger than
        :data:`ddj.limits.MAX_PAGE_BYTES` (also once gzip is expanded), is
        broken gzip, or ``url`` is not a web address.

    Notes
    -----
    Hostile pages are read within bounds: JSON-LD blocks are size- and
    depth-limited, only the first :data:`MAX_HEAD_TAGS` meta and link tags
    count, markup nested past lxml's depth limit is flattened (its text
    kept), a page over :data:`MAX_HTML_CHARS` loses its scripts, styles,
    oversized JSON-LD and attribute values first, and a third-party
    extractor that fails on the markup is skipped, the rest of the record
    kept.

    Examples
    --------
    >>> rec = read_html('<html lang="en"><head><title>Talks | Gazette</title>'
    ...   '<meta property="og:site_name" content="Gazette">'
    ...   '<meta property="article:published_time" content="2024-10-18T09:30:00+01:00">'
    ...   '</head><body><p>Text.</p></body></html>')
    >>> rec["title"], rec["outlet"], rec["published"].isoformat(), rec["published_from"]
    ('Talks', 'Gazette', '2024-10-18T08:30:00+00:00', 'meta')
    """
    url = _given_url(url)
    text, tree = _markup(_as_text(html))
    json_ld = load_json_ld(tree)
    tags = meta_tags(tree)
    meta = _meta(tags)
    url = url or page_address(text, tree, meta, json_ld)
    publisher = _publisher(json_ld)
    outlet = outlet_name(url, publisher, meta.get("og:site_name"))
    # The name the page gives itself, whether or not it is the outlet's label: a title's
    # "| Site" suffix and an imprint among the bylines are written with it.
    site = _first([meta.get("og:site_name")], [publisher], [meta.get("application-name")])
    site = site or outlet
    heavy = _fits_extractors(tree)
    authors = _authors(tree, json_ld, meta, site, search_markup=heavy)
    title = _first(
        [_ld_value(json_ld, "headline")],
        [meta.get("og:title")],
        [meta.get("twitter:title")],
        _title_texts(tree),
        _h1_texts(tree),
    )
    title = _prefer_heading(strip_site_name(_unescape(title), site, url), tree)
    description = _first(
        [meta.get("og:description")], [meta.get("description")], [_ld_value(json_ld, "description")],
        [meta.get("twitter:description")],
    )  # fmt: skip
    visible = _visible_text(tree)
    body, article = _main_text(
        text, tree, url, description, visible, heavy=heavy, want_authors=not authors
    )
    authors = authors or _byline_list(clean_authors(article.get("authors") or [], outlet=site))
    title = title or _clean(article.get("title"))
    language = _language(tree, meta, json_ld) or article.get("language")
    body = (body or "").strip() or None
    kind = classify(tree, url=url, title=_clean(title), text=body, json_ld=json_ld, visible=visible)
    found, signal = publication_date(
        tree, json_ld, url, use_htmldate=heavy, markup=text[:MAX_HTML_CHARS], tags=tags
    )
    return {
        "url": url,
        "outlet": _clean(outlet),
        "title": _clean(title),
        "authors": authors,
        "published": found.astimezone(UTC) if found else None,
        "published_local": found.replace(tzinfo=None) if found else None,
        "published_from": signal,
        "published_confidence": confidence(found, signal, visible),
        "language": language,
        "description": _clean(description),
        "text": body,
        "words": len(body.split()) if body else 0,
        "page_type": kind,
    }


def safe_read_html(html: bytes | str, url: str | None = None) -> tuple[dict | None, str | None]:
    """:func:`ddj.read_html` that never raises: ``(record, None)`` or ``(None, reason)``.

    For batches (worker processes included): one bad page, or a parser bug,
    never stops a load or a collection; its reason is reported instead.

    Examples
    --------
    >>> record, reason = safe_read_html(b"<html><title>T</title><p>Body text.</p></html>")
    >>> record["title"], reason
    ('T', None)
    >>> safe_read_html(b"")[0] is None
    True
    """
    try:
        return read_html(html, url=url), None
    except DdjError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - a parser bug must not abort a batch
        return None, f"extraction failed ({type(exc).__name__}: {exc!s:.150})"


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
        for v in [*canonical, meta.get("og:url"), *saved, _ld_value(json_ld, "url")]
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


#: Words that make a site name a host name, not an outlet's name.
_HOST_LIKE = re.compile(r"(?i)^(?:[a-z][a-z0-9+.-]*://|www\d?\.)|^[\w.-]+\.[a-z]{2,}(?:/\S*)?$")


def outlet_name(url: str | None, publisher: str | None, site_name: str | None) -> str | None:
    """The outlet of a page: the publisher's name when the page names it, else its registered domain.

    In order: the JSON-LD ``publisher.name``, then ``og:site_name``, each
    kept only when it plausibly names the owner of the page's registered
    domain (:func:`names_domain`: ``Reuters`` for ``reuters.com``, ``Los
    Angeles Times`` for ``latimes.com``; a section such as ``U.S.`` does not);
    without a URL, or on a host that is an IP address or a single label
    (``localhost``), the first given that is no URL or host name. Otherwise the
    registered domain (``ddj.load`` then gives every page of one domain one
    label, and maps a bare domain through the outlet files:
    :func:`ddj.outlets.one_label_per_domain`).

    Examples
    --------
    >>> outlet_name("https://www.reuters.com/world/x", None, "U.S.")
    'reuters.com'
    >>> outlet_name("https://www.latimes.com/a", None, "Los Angeles Times")
    'Los Angeles Times'
    >>> outlet_name(None, None, "www.diariolibre.com") is None
    True
    >>> outlet_name("http://127.0.0.1:8000/a", None, "Intranet News")
    'Intranet News'
    """
    domain = registered_domain(url)
    for name in (publisher, site_name):
        name = _clean(_unescape(name)) if isinstance(name, str) else None
        if not name or _HOST_LIKE.search(name):
            continue
        if not domain or not _named_host(domain) or names_domain(name, domain):
            return name
    return domain or None


def _named_host(domain: str) -> bool:
    """Whether ``domain`` is a name whose letters can be compared (not ``127.0.0.1`` nor ``localhost``)."""
    return "." in domain and not _IP_HOST.match(domain)


_IP_HOST = re.compile(r"^[\d.]+$|:")


def names_domain(name: str, domain: str) -> bool:
    """Whether ``name`` plausibly names the owner of the registered ``domain``.

    Both are folded to their letters and digits, word by word (accents
    dropped, ``ü`` also read as ``ue``). The domain's label (``latimes`` of
    ``latimes.com``) must be written in order inside the name from the start
    of one of its words (``latimes`` in "Los Angeles Times", ``bbc`` in
    "British Broadcasting Corporation", ``verge`` in "The Verge", ``chron`` in
    "Houston Chronicle"), or the whole name inside the label, from its first
    letter (``Süddeutsche`` in ``sueddeutsche``). A section ("U.S.",
    "Politics"), a parent company or a wire ("Associated Press" on
    ``sfgate.com``) does not pass, nor does a name in another script than the
    domain's. Measured on the 862 real pages of ``../shared/corpora``: see
    the README.

    Examples
    --------
    >>> names_domain("Los Angeles Times", "latimes.com"), names_domain("U.S.", "reuters.com")
    (True, False)
    >>> names_domain("Süddeutsche Zeitung", "sueddeutsche.de"), names_domain("Politics", "politico.com")
    (True, False)
    >>> names_domain("The Verge", "theverge.com"), names_domain("Associated Press", "sfgate.com")
    (True, False)
    """
    label = _letters(domain.split(".", 1)[0])
    if not label or label.startswith("xn--"):
        return False
    for words in _name_forms(name):
        whole = "".join(words)
        if whole and whole[0] == label[0] and _in_order(whole, label):
            return True
        for i, word in enumerate(words):
            if word and word[0] == label[0] and _in_order(label, "".join(words[i:])):
                return True
    return False


def _name_forms(name: str) -> list[list[str]]:
    """The words of ``name`` in letters and digits: accents dropped, and umlauts as ``ae``/``oe``/``ue``."""
    text = name.casefold()
    umlauts = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    forms = []
    for form in (umlauts, text):
        plain = "".join(
            c for c in unicodedata.normalize("NFKD", form) if not unicodedata.combining(c)
        )
        forms.append([w for w in map(_letters, plain.split()) if w])
    return forms


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def _in_order(short: str, long: str) -> bool:
    """Whether every character of ``short`` appears in ``long``, in order."""
    if len(short) > len(long):
        return False
    rest = iter(long)
    return all(c in rest for c in short)


def strip_site_name(title: str | None, outlet: str | None, url: str | None) -> str | None:
    """Drop a trailing (or leading) ``| Site name`` from a title when it names the outlet.

    Examples
    --------
    >>> strip_site_name("Talks in Beijing | The Gazette", "The Gazette", None)
    'Talks in Beijing'
    >>> strip_site_name("Bread - and circuses", "The Gazette", None)
    'Bread - and circuses'
    """
    if not title:
        return title
    title = re.sub(r"\s+", " ", title).strip()
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    names = {_key(outlet or "")}
    domain = registered_domain(url) if url else ""
    if domain:
        names |= {_key(domain), _key(domain.split(".")[0])}
        host = (urlsplit(url).hostname or "").removesuffix(domain).split(".")
        names |= {_key(label) for label in host if label not in _GENERIC_HOST_LABELS}
    names.discard("")

    def is_site(part: str) -> bool:
        k = _key(part)
        return bool(k) and any(k == n or (len(n) > 3 and (k in n or n in k)) for n in names)

    if is_site(parts[-1]):
        return (
            _TITLE_SEPARATORS.split(title)[0]
            if len(parts) == 2
            else title[: title.rfind(parts[-1])].rstrip(" |-–—:·•»/")
        )
    if is_site(parts[0]):
        return title[len(parts[0]) :].lstrip(" |-–—:·•»/")
    return title


# -- pieces --------------------------------------------------------------------------------


def _prefer_heading(title: str | None, tree) -> str | None:
    """The page's visible heading when it tells the same story as the metadata title.

    A ``<h1>`` (or one of its parts: a kicker span, a ``Section | Story``
    piece) that holds at least half of the metadata title's words replaces
    it; among several, the one with the fewest words of its own outside the
    title wins. When a part of a composite title ("Story | Section | Site")
    is a heading, that part is kept. Measured on htmldate-trafilatura-eval
    (563 pages with a human-checked title): exact titles .716 with the
    metadata title alone, .789 with this rule; any share between .3 and .5
    gives about the same.
    """
    if not title:
        return title
    candidates = _heading_candidates(tree)
    if not candidates:
        return title
    return _title_part_in(title, candidates) or _closest_heading(title, candidates) or title


def _heading_candidates(tree) -> list[str]:
    """The first three ``<h1>``s, and their parts (child elements, ``|``-separated pieces)."""
    candidates = []
    for h1 in tree.xpath("//h1")[:3]:
        whole = _clean(" ".join(h1.itertext()))
        if not whole:
            continue
        candidates.append(whole)
        kids = [_clean(" ".join(c.itertext())) for c in h1 if isinstance(c.tag, str)]
        kids = [k for k in kids if k]
        if len(kids) >= 2:
            candidates += kids
        pieces = [p for p in re.split(r"\s*[|│ǀ]\s*", whole) if p.strip()]
        if len(pieces) >= 2:
            candidates += pieces
    return candidates


def _title_part_in(title: str, candidates: list[str]) -> str | None:
    """The part of a composite title ("Story | Section | Site") that is also a heading."""
    parts = [p for p in _HEADING_PARTS.split(title) if p.strip()]
    if len(parts) < 2:
        return None
    keys = {_key(c) for c in candidates} - {""}
    return next((part.strip() for part in parts if _key(part) in keys), None)


def _closest_heading(title: str, candidates: list[str]) -> str | None:
    """The heading holding at least half the title's words, with fewest words of its own."""
    words = set(_words(title))
    best, best_rank = None, None
    for candidate in candidates:
        own = set(_words(candidate))
        shared = len(own & words)
        if not own or not words or shared < 0.5 * len(words):
            continue
        rank = (shared / len(own), shared)
        if best_rank is None or rank > best_rank:
            best, best_rank = candidate, rank
    return best


_HEADING_PARTS = re.compile(r"\s+(?:\||-|–|—|::|·|•|»|›|/)\s+|\s*[|›»]\s*")


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _unescape(text: str | None) -> str | None:
    """Metadata escaped twice ("&amp;#8211;") still holds entities after parsing: resolve them."""
    if not text or "&" not in text:
        return text
    import html

    return html.unescape(text)


def _given_url(url: Any) -> str | None:
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


def _as_text(html: str | bytes) -> str:
    if isinstance(html, (str, bytes, bytearray, memoryview)) and len(html) > MAX_PAGE_BYTES:
        msg = (
            f"the page is larger than the size cap ({len(html):,} bytes or characters, more "
            f"than {MAX_PAGE_BYTES:,}); it is skipped: cut it down if it really is one article"
        )
        raise ExtractionError(msg)
    if isinstance(html, (bytes, bytearray, memoryview)):
        text = _bytes_to_text(bytes(html))
    elif isinstance(html, str):
        text = html
        if "\x00" in text[:8192]:
            raise ExtractionError("the text is binary, not a web page; check that it is HTML")
        text = whole_text(text)  # lxml drops the text after a lone surrogate
    else:
        msg = f"read_html takes the page as str or bytes, not {type(html).__name__}"
        raise ExtractionError(msg)
    if not text.strip():
        raise ExtractionError("the page is empty (only white space); save it again")
    if not re.search(r"<\s*[a-zA-Z!]", text[:200_000]):
        raise ExtractionError(
            "no HTML markup in the page (it looks like plain text); check the file type"
        )
    if len(_CONTROL_CHARACTERS.findall(text, 0, 4096)) > 40:
        raise ExtractionError("the file is binary, not a web page; check that it is HTML")
    return text


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def _bytes_to_text(data: bytes) -> str:
    """Saved page bytes (gzip expanded within the page cap) decoded by their real encoding."""
    if is_gzip(data):
        try:
            data = gunzip(data, MAX_PAGE_BYTES, what="the gzip-compressed page")
        except InputError as exc:  # too big once expanded, or broken
            raise ExtractionError(str(exc)) from exc
    if not data.strip():
        raise ExtractionError("the page is empty (0 bytes or only white space); save it again")
    head = data[:8192]
    utf16 = _utf16_without_bom(head)
    if utf16:
        data = data.decode(utf16, errors="replace").encode("utf-8")
    elif b"\x00" in head and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractionError("the file is binary, not a web page; check that it is HTML")
    return decode(data)


def _markup(text: str) -> tuple[str, Any]:
    """The page's markup within bounds (tag counts, size, depth) and its lxml tree."""
    text = _shrink(_cap_head_tags(text))
    tree, too_deep = _parse(text)
    if too_deep:
        text = _flatten(text[:MAX_HTML_CHARS], MAX_TREE_DEPTH)
        tree, _ = _parse(text)
    return text, tree


_HEAD_TAG = re.compile(r"<(meta|link)\b[^<>]*>", re.IGNORECASE)


def _cap_head_tags(text: str) -> str:
    """Drop the ``<meta>`` and ``<link>`` tags past the first MAX_HEAD_TAGS of each kind.

    Every extractor walks them all, several times (100,000 took 8 s); no real
    page has more than a few hundred.
    """
    if len(_HEAD_TAG.findall(text)) <= MAX_HEAD_TAGS:
        return text  # neither kind can be over the cap
    counts = {"meta": 0, "link": 0}

    def keep(match: re.Match) -> str:
        name = match.group(1).lower()
        counts[name] += 1
        return match.group(0) if counts[name] <= MAX_HEAD_TAGS else ""

    return _HEAD_TAG.sub(keep, text)


_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b[^<>]*>", re.IGNORECASE)
_LONG_ATTRIBUTE = re.compile(
    rf"""=\s*(?:"[^"]{{{MAX_ATTRIBUTE_CHARS},}}"|'[^']{{{MAX_ATTRIBUTE_CHARS},}}'"""
    rf"""|[^\s"'<>=`]{{{MAX_ATTRIBUTE_CHARS},}})"""
)


def _shrink(text: str) -> str:
    """Make a page over MAX_HTML_CHARS fit, so its article is not cut off. Linear.

    Pages swollen by inline app state (several MB of JavaScript), giant or
    countless JSON-LD blocks or a giant attribute would otherwise lose the
    article behind the size cap: scripts and styles go (JSON-LD blocks kept
    up to MAX_JSON_LD_CHARS each and MAX_JSON_LD_TOTAL in all), then
    attribute values over MAX_ATTRIBUTE_CHARS.
    """
    if len(text) <= MAX_HTML_CHARS:
        return text
    lower = text.lower()
    kept, pos, budget = [], 0, MAX_JSON_LD_TOTAL
    for match in _SCRIPT_OR_STYLE.finditer(text):
        if match.start() < pos:
            continue  # inside a script already passed
        close = lower.find(f"</{match.group(1).lower()}", match.end())
        close = len(text) if close < 0 else close
        end = (lower.find(">", close) + 1) or len(text)  # past the closing tag
        size = end - match.start()
        if "ld+json" in lower[match.start() : match.end()] and size <= min(
            MAX_JSON_LD_CHARS, budget
        ):
            kept.append(text[pos:end])
            budget -= size
        else:
            kept.append(text[pos : match.start()])
        pos = end
    kept.append(text[pos:])
    return _LONG_ATTRIBUTE.sub('=""', "".join(kept))


_TAG = re.compile(r"<!--|<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^<>]*>")
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "keygen",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
_RAW_TEXT = frozenset(
    ["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"]
)
_CLOSED_BY_SIBLING = frozenset(["p", "li", "dt", "dd", "option", "tr", "td", "th"])


def _flatten(text: str, max_depth: int) -> str:
    """The markup with tags nested deeper than ``max_depth`` left out, their text kept. One pass.

    lxml stops reading a page nested past 256 levels, and the article
    behind; browsers likewise flatten such trees. Open elements are tracked
    as an HTML parser would, roughly (void elements, raw text, siblings that
    close each other); a closing tag whose opening was left out goes too.

    Examples
    --------
    >>> _flatten("<div><div><div><p>Text</p></div></div></div>", 2)
    '<div><div>Text</div></div>'
    """
    out, last, i = [], 0, 0
    stack: list[str] = []
    dropped: dict[str, int] = {}
    lower = text.lower()
    while match := _TAG.search(text, i):
        i = match.end()
        if match.group(0) == "<!--":
            end = text.find("-->", i)
            i = len(text) if end < 0 else end + 3
            continue
        name = match.group(2).lower()
        drop = _open_or_close(stack, dropped, name, match.group(1) == "/", max_depth)
        if name in _VOID or match.group(0).endswith("/>"):
            drop = False
        if drop:
            out.append(text[last : match.start()])
            last = match.end()
        if name in _RAW_TEXT and not match.group(1):
            end = lower.find(f"</{name}", i)
            i = len(text) if end < 0 else end
    out.append(text[last:])
    return "".join(out)


def _open_or_close(
    stack: list[str], dropped: dict[str, int], name: str, closing: bool, max_depth: int
) -> bool:
    """Track one tag in ``stack``; True when it is to be left out (too deep, or closes one that was)."""
    if name in _VOID:
        return False
    if closing:
        if dropped.get(name):
            dropped[name] -= 1
            return True
        if name in stack:
            del stack[len(stack) - 1 - stack[::-1].index(name) :]
        return False
    if stack and stack[-1] == name and name in _CLOSED_BY_SIBLING:
        stack.pop()
    if len(stack) >= max_depth:
        dropped[name] = dropped.get(name, 0) + 1
        return True
    stack.append(name)
    return False


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when ASCII markup alternates with NUL bytes, else None."""
    if len(head) < 16 or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _parse(text: str) -> tuple[Any, bool]:
    """The lxml tree of the page's first MAX_HTML_CHARS, and whether lxml hit its depth limit."""
    import lxml.html

    snippet = text[:MAX_HTML_CHARS]
    snippet = re.sub(
        r"^\s*<\?xml[^>]*\?>", "", snippet
    )  # lxml refuses str input with an encoding declaration
    # no id table (nothing here looks elements up by id; a third of the parse time), as trafilatura
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
    parser.set_element_class_lookup(_HTML_CLASSES)
    try:
        tree = lxml.html.document_fromstring(snippet, parser=parser)
    except Exception as exc:  # lxml's ParserError for markup it cannot read at all
        msg = f"the page could not be parsed as HTML ({exc}); check that it is a web page"
        raise ExtractionError(msg) from exc
    too_deep = any("Excessive depth" in entry.message for entry in parser.error_log)
    return tree, too_deep


def _title_texts(tree) -> Iterator[str]:
    """The text of the page's ``<title>``s, read only when asked for (most pages name a title in metadata)."""
    yield from _TITLE_TEXT(tree)


def _html_classes() -> Any:
    """Every element an ``HtmlElement``, chosen by libxml2's side of lxml (no Python call per element).

    lxml.html's own lookup is Python code run each time an element is
    touched from Python (by ddj and by trafilatura on its copies of the
    tree: 3.2 million calls on 854 pages, 7% of read_html's time), and all
    it adds is form-handling classes (``FormElement``, ``InputElement``...)
    that no extractor here uses. Records are the same on every shared page.
    """
    import lxml.etree
    import lxml.html

    return lxml.etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity,
    )  # fmt: skip


_HTML_CLASSES = _html_classes()


def _h1_texts(tree) -> Iterator[str]:
    """The text of the page's ``<h1>``s, in order (lxml's ``//h1//text()`` is quadratic in their number)."""
    for h1 in tree.iter("h1"):
        yield from h1.xpath(".//text()")


def _fits_extractors(tree) -> bool:
    """At most MAX_ELEMENTS elements, none with more than MAX_CHILDREN children (counted by libxml2).

    An element can only have more than MAX_CHILDREN children in a page of more elements.
    """
    elements = _COUNT_ELEMENTS(tree)
    return elements <= MAX_ELEMENTS and (elements <= MAX_CHILDREN or not _TOO_WIDE(tree))


def _visible_text(tree) -> str:
    """The page's visible text, one line per text node (read once: lede, date shown, big pages).

    The text of ``<body>`` (of the whole page when it has none) outside
    scripts, styles, ``<noscript>`` and ``<template>``, in document order.
    When no ``<noscript>`` or ``<template>`` holds elements, testing each
    text node's parent is enough (a third faster than testing its ancestors).
    """
    nodes = (_VISIBLE_TEXT if _NESTED_HIDDEN(tree) else _VISIBLE_CHILD_TEXT)(tree)
    nodes = nodes or _ALL_TEXT(tree)
    return "\n".join(line for line in map(str.strip, nodes) if line)


def _xpath(path: str) -> Any:
    import lxml.etree

    return lxml.etree.XPath(path, smart_strings=False)  # plain strings: no element proxies


_COUNT_ELEMENTS = _xpath("count(//*)")
_TOO_WIDE = _xpath(f"boolean(//*[count(*) > {MAX_CHILDREN}])")
_HIDDEN = "ancestor::script or ancestor::style or ancestor::noscript or ancestor::template"
_VISIBLE_TEXT = _xpath(f"//body//text()[not({_HIDDEN})]")
_HIDDEN_PARENT = "parent::script or parent::style or parent::noscript or parent::template"
_VISIBLE_CHILD_TEXT = _xpath(f"//body//text()[not({_HIDDEN_PARENT})]")
_NESTED_HIDDEN = _xpath("boolean(//body//*[self::noscript or self::template]/*)")
_TITLE_TEXT = _xpath("//title/text()")
_ALL_TEXT = _xpath(f"//text()[not({_HIDDEN})]")


def _meta(tags: list) -> dict[str, str]:
    """{name: value} of the page's ``<meta content>`` tags (:func:`~ddj.extract.dates.meta_tags`), the first of each name."""
    out: dict[str, str] = {}
    for node in tags:
        key = (
            (node.get("property") or node.get("name") or node.get("itemprop") or "").strip().lower()
        )
        value = (node.get("content") or "").strip()
        if key and value and key not in out:
            out[key] = value
    return out


def _first(*candidates) -> str | None:
    for group in candidates:
        for value in group or []:
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def _ld_objects(json_ld):
    for obj in walk_json_ld(json_ld):
        types = obj.get("@type")
        types = types if isinstance(types, list) else [types]
        if any(isinstance(t, str) and ("Article" in t or "Posting" in t) for t in types):
            yield obj


def _ld_value(json_ld, key: str) -> str | None:
    for obj in _ld_objects(json_ld):
        value = obj.get(key)
        if isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, str) and value.strip():
            return value
    return None


def _ld_authors(json_ld) -> list:
    """The article's JSON-LD authors, references to a Person elsewhere in the graph resolved."""
    for obj in _ld_objects(json_ld):
        if obj.get("author"):
            found = obj["author"] if isinstance(obj["author"], list) else [obj["author"]]
            found = found[:MAX_LD_AUTHORS]
            if any(isinstance(a, dict) and "@id" in a and "name" not in a for a in found):
                nodes = {
                    o["@id"]: o
                    for o in walk_json_ld(json_ld)
                    if isinstance(o.get("@id"), str) and "name" in o
                }
                found = [
                    nodes.get(a["@id"], a) if isinstance(a, dict) and "@id" in a else a
                    for a in found
                ]
            return found
    return []


def _publisher(json_ld) -> str | None:
    for obj in _ld_objects(json_ld):
        pub = obj.get("publisher")
        pub = pub[0] if isinstance(pub, list) and pub else pub
        if isinstance(pub, dict) and isinstance(pub.get("name"), str):
            return pub["name"]
    return None


def _authors(
    tree, json_ld, meta: dict[str, str], outlet: str | None, *, search_markup: bool
) -> list[str]:
    """Author names from the most reliable source that credits anyone.

    JSON-LD first, then the page's author meta tags (a one-word name there is
    a login, not a byline), then the page's byline markup as trafilatura's
    search reads it (sidebars and comments left out: :func:`ddj.extract.bylines.byline`;
    not on a page too big for the extractors, ``search_markup=False``).
    newspaper4k's byline search is
    read_html's last resort. Within a source, people win over desk and
    organisation credits ("Redaktion", "Reuters News"), which stand only
    alone; a JSON-LD ``Organization`` author is the publisher and never taken.
    Keeping a lone "Redaktion" credit, measured on htmldate-trafilatura-eval:
    exact author sets .634 -> .641, name precision .661 -> .663, recall
    .557 -> .570.
    """
    found = clean_authors(_ld_authors(json_ld), outlet=outlet)
    if found:
        return found
    found = [
        n
        for n in clean_authors([meta.get("author"), _author_meta(meta)], outlet=outlet)
        if " " in n
    ]
    if found:
        return found
    if not search_markup:
        return []
    return _byline_list(clean_authors([byline(tree)], outlet=outlet))


def _byline_list(names: list[str]) -> list[str]:
    """A byline search that finds more than three names read a list of related articles: none."""
    return names if len(names) <= 3 else []


def _author_meta(meta: dict[str, str]) -> str | None:
    for key in ("article:author", "parsely-author", "sailthru.author", "dc.creator", "byl"):
        value = meta.get(key)
        if value and not value.startswith("http"):
            return value
    return None


def _language(tree, meta, json_ld) -> str | None:
    candidates = [
        tree.get("lang"), tree.get("xml:lang"), meta.get("og:locale"), meta.get("content-language"),
        meta.get("language"), meta.get("dc.language"), _ld_value(json_ld, "inLanguage"),
    ]  # fmt: skip
    for value in candidates:
        if isinstance(value, str):
            m = re.match(r"\s*([a-zA-Z]{2,3})(?:[-_]|$|\s)", value)
            if m:
                return m.group(1).lower()
    return None


def _newspaper(text: str, url: str | None, want_authors: bool = True) -> dict[str, Any]:
    """Title, text, authors and language from newspaper4k; {} when it cannot read the page.

    Its date, image and video searches (and its byline search unless
    ``want_authors``) are skipped on this instance: read_html does not use
    them, and they are over a third of newspaper4k's parse time.
    """
    _quiet_newspaper_import()
    try:
        from newspaper import Article

        art = (
            Article(url or "", fetch_images=False, language=None)
            if url
            else Article("", fetch_images=False)
        )
        skip = {"get_publishing_date": None, "get_videos": [], "parse_images": None}
        if not want_authors:
            skip["get_authors"] = []
        for name, value in skip.items():
            if hasattr(art.extractor, name):
                setattr(art.extractor, name, lambda *a, _v=value, **k: _v)
        art.download(input_html=text)
        art.parse()
    except Exception:  # ImportError for ja/zh/th, nltk lookups for ko, odd markup: fall back
        return {}
    return {
        "title": art.title or None,
        "text": art.text or None,
        "authors": list(art.authors or []),
        "language": (art.meta_lang or "")[:2].lower() or None,
    }


def _main_text(
    text: str,
    tree,
    url: str | None,
    description: str | None,
    visible: str,
    *,
    heavy: bool,
    want_authors: bool,
) -> tuple[str | None, dict[str, Any]]:
    """The article's text, and newspaper4k's record when it was asked (else ``{}``).

    newspaper4k, which costs
    three times as much, is asked only when trafilatura's text looks like a
    fragment of the page's paragraphs (:func:`_looks_cut`); then the longer
    of the two wins as before (:func:`_body`). A page too big for the
    extractors gives its visible text.
    """
    if not heavy:
        return visible, {}
    found = _trafilatura_text(tree, url)
    article: dict[str, Any] = {}
    if _looks_cut(found, tree):
        article = _newspaper(text[:MAX_HTML_CHARS], url, want_authors=want_authors)
    return _body(found, article.get("text"), description, visible), article


def _trafilatura_text(tree, url: str | None) -> str | None:
    """The main text by trafilatura in precision mode, tables kept, comments out; None if it fails.

    It reads ddj's tree (a copy: trafilatura prunes the one it is given),
    parsed as trafilatura parses, without comments or processing
    instructions, so the page is parsed once for both.
    """
    try:
        import trafilatura

        return trafilatura.extract(tree, options=_trafilatura_options(url))
    except Exception:  # trafilatura gives up on odd markup: the fallback stands
        return None


def _trafilatura_options(url: str | None) -> Any:
    """The options trafilatura reads one page with: precision mode, tables kept, comments out.

    Built once and copied per page with the page's address: building them
    reads trafilatura's settings each time (0.2 ms a page).
    """
    from copy import copy

    options = copy(_trafilatura_defaults())
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return options


@cache
def _trafilatura_defaults() -> Any:
    from trafilatura.settings import Extractor

    return Extractor(precision=True, comments=False, tables=True)


#: trafilatura's text shorter than this share of the page's paragraph text asks newspaper4k too,
CUT_SHARE = 0.2
#: and this share when the text is short (under SHORT_TEXT_WORDS words): a teaser or a fragment
#: decides the page's type and what it matches.
SHORT_CUT_SHARE = 0.5
SHORT_TEXT_WORDS = 200


def _looks_cut(found: str | None, tree) -> bool:
    """True when trafilatura kept nothing, or little of the text in the page's ``<p>``s.

    Little is under :data:`CUT_SHARE` of it, or :data:`SHORT_CUT_SHARE` for a
    text under :data:`SHORT_TEXT_WORDS` words. Measured on the 720 pages of
    htmldate-trafilatura-eval and scrapinghub-aeb: newspaper4k is asked on 60
    (8%), and body snippets found are .943, unwanted ones avoided .945, body
    F1 .967; asked on every page under half the paragraphs' text (85 pages):
    .944, .946 and .969. The short-text share keeps a short but whole
    article from being read as a teaser.
    """
    if not found:
        return True
    short = len(found.split(None, SHORT_TEXT_WORDS)) < SHORT_TEXT_WORDS  # fewer words than that
    share = SHORT_CUT_SHARE if short else CUT_SHARE
    return share * sum(map(len, _PARAGRAPH_TEXT(tree))) > len(found)


_PARAGRAPH_TEXT = _xpath("//p//text()")


def _body(
    found: str | None,
    newspaper_text: str | None,
    description: str | None = None,
    visible: str = "",
) -> str | None:
    """The text by trafilatura (precision mode), or newspaper4k's when that is much longer.

    Measured on scrapinghub-aeb (121 pages, mean token F1 against the
    human-checked bodies): newspaper4k .941, trafilatura default .948,
    trafilatura precision mode with tables .968, this combination .974.
    Precision mode sometimes keeps only a fragment; newspaper4k's text then wins.
    Then short trailing lines neither tool agrees on are dropped
    (:func:`_trim_tail`) and a lede the page shows but both tools left out is
    put back (:func:`_with_lede`).
    """
    if not found or len(found) < 0.5 * len(newspaper_text or ""):
        body = newspaper_text or found
    else:
        body = _trim_tail(found, newspaper_text)
    return _with_lede(body, description, visible)


#: A line that ends like a sentence (or a quotation or bracket closing one).
_SENTENCE_END = re.compile(r"[.!?…\"'“”»«)\]]$")


def _trim_tail(body: str, newspaper_text: str | None, max_words: int = 8) -> str:
    r"""Drop short non-sentence lines after the end of the story.

    The end of the story is the last line newspaper4k also kept, or, when
    newspaper4k was not asked, the last line that reads as a sentence
    (``max_words`` words or more, ending like a sentence). Past it, a line of
    fewer than ``max_words`` words that does not end like a sentence is a
    label, a share/newsletter prompt, a credit or a link ("Schon gelesen?",
    "Weitere Themen", "Teilnehmende Blogs:"), not the article. List items and
    table rows stay: trailing lists (tour dates, line-ups) are often the
    article. Measured on the 563 annotated pages of htmldate-trafilatura-eval
    (with newspaper4k's agreement): 9 more unwanted snippets kept out for 2
    wanted ones lost; scrapinghub-aeb body F1 -.0006.

    Examples
    --------
    >>> text = "First line of the story.\nLast line.\nShare this\n- a list item"
    >>> _trim_tail(text, "First line of the story. Last line.")
    'First line of the story.\nLast line.\n- a list item'
    >>> _trim_tail("A sentence of the story that is long enough.\nRead more", None)
    'A sentence of the story that is long enough.'
    """
    lines = body.split("\n")
    last = _story_end(lines, newspaper_text, max_words)
    if last is None:
        return body

    def boilerplate(i: int, line: str) -> bool:
        s = line.strip()
        return (
            i > last  # past the end of the story
            and not s.startswith(("- ", "|"))
            and len(s.split()) < max_words
            and not _SENTENCE_END.search(s)
        )

    return "\n".join(line for i, line in enumerate(lines) if not boilerplate(i, line))


def _story_end(lines: list[str], newspaper_text: str | None, max_words: int) -> int | None:
    """The last line newspaper4k agrees with; without it, the last line not of the trailing run.

    The trailing run is the lines at the very end of the text that are short
    (under ``max_words`` words), do not end like a sentence and are not list
    items or table rows.
    """
    if newspaper_text is not None:
        agreed_in = _key(newspaper_text)
        agreed = [i for i, k in enumerate(map(_key, lines)) if k and agreed_in and k in agreed_in]
        return agreed[-1] if agreed else None
    for i in range(len(lines) - 1, -1, -1):
        s = lines[i].strip()
        if s.startswith(("- ", "|")) or len(s.split()) >= max_words or _SENTENCE_END.search(s):
            return i
    return None


def _with_lede(body: str | None, description: str | None, visible: str) -> str | None:
    r"""Put the page's description first when it is shown on the page and missing from the text.

    A standfirst or teaser paragraph that the page shows above the story is
    also what publishers put in their description meta tag, and it is what
    trafilatura's precision mode most often leaves out. A description that
    does not appear in the page's visible text (a summary written only for
    search engines) is not added. Measured on the 563 annotated pages of
    htmldate-trafilatura-eval: wanted snippets found .925 -> .948, 3 more
    unwanted ones kept; scrapinghub-aeb body F1 .974 -> .969 (its human
    bodies leave standfirsts out).

    Examples
    --------
    >>> page = "Rain at last.\nStory."  # the page's visible text
    >>> _with_lede("Story.", "Rain at last.", page)
    'Rain at last.\nStory.'
    >>> _with_lede("Story.", "Only for search engines.", page)
    'Story.'
    """
    if not body or not description:
        return body
    lede = _clean(description)
    key = _key(lede or "")
    if not key or _holds(body, lede, key) or not _holds(visible, lede, key):
        return body
    return f"{lede}\n{body}"


def _holds(text: str, part: str, key: str) -> bool:
    """Whether ``text`` holds ``part`` (whose :func:`_key` is ``key``), case and punctuation aside.

    ``part`` written as it is settles it without reducing all of ``text``:
    ``_key`` reduces each character on its own, so ``part in text`` implies
    ``key in _key(text)``.
    """
    return part in text or key in _key(text)


_QUIET = False


def _quiet_newspaper_import() -> None:
    """newspaper4k and tldextract must never reach the network or warn about nltk."""
    global _QUIET
    if _QUIET:
        return
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*nltk.*", category=UserWarning)
        warnings.filterwarnings("ignore", category=SyntaxWarning)
        import newspaper  # noqa: F401
    _QUIET = True


def _clean(value: str | None) -> str | None:
    if not isinstance(value, str):
        return None
    value = re.sub(r"\s+", " ", value).strip()
    return value or None
