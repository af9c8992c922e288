"""Where article URLs come from: URL lists, RSS/Atom feeds, XML sitemaps, front pages, WARCs.

Every discoverer returns :class:`Candidate` items (a URL, where it was found and,
when the source gives one, a date hint). Feeds are read with feedparser, sitemaps
(indexes, gzipped, Google News) with lxml; WARC files are read by
:mod:`ddj.collecting.warc`.

Front and section pages: ``newspaper.build`` downloads through its own HTTP
session, which would bypass the rate limit, robots.txt, the retries and the page
cache. So ddj fetches the front page and its section pages with its own fetcher
and keeps the links that newspaper4k's own article test
(``newspaper.urls.valid_url``) accepts, on the same host.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urldefrag

from ddj.errors import InputError
from ddj.hostvalues import BadURL, join_url, parse_url, strip_credentials
from ddj.limits import MAX_PAGE_BYTES, MAX_SITEMAP_BYTES, gunzip, is_gzip

MAX_SITEMAP_DEPTH = 3
#: Pages a sitemap walk (and a whole collection) lists at most; see ``ddj.collect(max_pages=)``.
MAX_PAGES = 50_000
#: Sitemaps one walk reads at most (an index of indexes can name thousands).
MAX_SITEMAPS = 1_000


@dataclass
class Candidate:
    """An article URL to collect, where it came from, and a date hint if the source had one."""

    url: str
    origin: str  # "urls", "feed", "sitemap", "site", "warc"
    hint: datetime | None = None
    body: bytes | None = None  # set for WARC records: nothing to fetch
    published: bool = False  # the hint is a publication date (feed, news sitemap), not a lastmod
    had_credentials: bool = field(default=False, init=False)  # a user:password@ was removed

    def __post_init__(self) -> None:
        """Remove any ``user:password@`` from the URL, noting that it had one."""
        clean = strip_credentials(self.url)
        self.had_credentials = clean != self.url
        self.url = clean  # credentials are never kept: not in the corpus, cache or failures


@dataclass
class SourceFailure:
    """A feed, sitemap, front page or WARC that could not be read."""

    url: str
    stage: str
    status: int | None
    reason: str
    attempts: int = 0

    def __post_init__(self) -> None:
        """Remove any ``user:password@`` from the URL."""
        self.url = strip_credentials(self.url)


# -- URL lists -------------------------------------------------------------------------
def read_urls(urls: str | os.PathLike | Iterable[str]) -> list[str]:
    """Article URLs from a list, or from a text file with one URL a line (``#`` comments).

    Examples
    --------
    >>> read_urls(["https://a.org/x", " ", "https://a.org/y"])
    ['https://a.org/x', 'https://a.org/y']
    """
    if isinstance(urls, (str, os.PathLike)) and not str(urls).startswith(("http://", "https://")):
        path = Path(urls)
        if not path.is_file():
            message = f"URL list {str(path)!r} is not a file: pass a file with one URL a line, or a list of URLs"
            raise InputError(message)
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    elif isinstance(urls, str):
        lines = [urls]
    else:
        lines = list(urls)
    out = []
    for line in lines:
        line = str(line).strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


# -- feeds -------------------------------------------------------------------------------
def feed_entries(body: bytes, base_url: str) -> list[Candidate]:
    """Article links of an RSS or Atom feed, with each entry's date as a hint.

    Examples
    --------
    >>> rss = (b'<rss version="2.0"><channel><item><link>/a.html</link>'
    ...        b'<pubDate>Tue, 07 May 2024 10:00:00 GMT</pubDate></item></channel></rss>')
    >>> c = feed_entries(rss, "https://news.example.org/rss.xml")[0]
    >>> c.url, c.hint.isoformat()
    ('https://news.example.org/a.html', '2024-05-07T10:00:00+00:00')
    """
    import feedparser

    if is_gzip(body):
        body = gunzip(body, MAX_PAGE_BYTES, f"gzipped feed {base_url}")
    parsed = feedparser.parse(body)
    out = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        hint = datetime(*stamp[:6], tzinfo=UTC) if stamp else None
        out.append(Candidate(join_url(base_url, link.strip()), "feed", hint, published=True))
    if not out and parsed.get("bozo") and not parsed.entries:
        message = f"not a readable feed: {parsed.get('bozo_exception')!s:.100}"
        raise InputError(message)
    return out


# -- sitemaps ------------------------------------------------------------------------------
def parse_sitemap(body: bytes) -> tuple[list[Candidate], list[Candidate]]:
    """Child sitemaps and page entries of a sitemap (plain, gzipped, index or Google News).

    Dates come from ``news:publication_date`` when present, else ``lastmod``
    (for child sitemaps, their ``lastmod``).

    Examples
    --------
    >>> xml = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    ...        b'<url><loc>https://a.org/x</loc><lastmod>2024-05-01</lastmod></url></urlset>')
    >>> children, pages = parse_sitemap(xml)
    >>> children, pages[0].url, pages[0].hint.date().isoformat()
    ([], 'https://a.org/x', '2024-05-01')
    """
    from lxml import etree

    if is_gzip(body):
        body = gunzip(body, MAX_SITEMAP_BYTES, "gzipped sitemap")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        root = etree.fromstring(body.lstrip(), parser=parser)
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        message = "not an XML sitemap (empty or unparseable)"
        raise InputError(message)
    children: list[Candidate] = []
    pages: list[Candidate] = []
    for node in root.iter("{*}sitemap", "{*}url"):
        values = {
            _local_name(el.tag): (el.text or "").strip()
            for el in node.iter()
            if isinstance(el.tag, str)
        }
        loc = values.get("loc")
        if not loc:
            continue
        if _local_name(node.tag) == "sitemap":
            children.append(Candidate(loc, "sitemap", _parse_date(values.get("lastmod"))))
        else:
            news = _parse_date(values.get("publication_date"))
            hint = news or _parse_date(values.get("lastmod"))
            pages.append(Candidate(loc, "sitemap", hint, published=news is not None))
    return children, pages


def _local_name(tag: str) -> str:
    """An element's name without its namespace (a tag lxml recovered from junk, ``http:``, too)."""
    return tag.rpartition("}")[2]


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def walk_sitemaps(
    url: str,
    get: Callable[[str], tuple[bytes | None, SourceFailure | None]],
    failures: list[SourceFailure],
    since: datetime | None = None,
    max_pages: int = MAX_PAGES,
    max_sitemaps: int = MAX_SITEMAPS,
) -> list[Candidate]:
    """Follow a sitemap (index) down to its page entries, at most ``max_pages`` of them.

    Child sitemaps whose ``lastmod`` is before ``since`` are skipped; ``get``
    returns the body or a failure. At most ``max_sitemaps`` sitemaps are read,
    ``MAX_SITEMAP_DEPTH`` levels deep; each limit reached is a failure row
    naming the sitemap, so nothing is left out silently.
    """
    out: list[Candidate] = []
    seen: set[str] = set()
    queue = [(url, 0)]
    while queue and len(out) < max_pages:
        current, depth = queue.pop(0)
        if current in seen:
            continue
        if len(seen) >= max_sitemaps:
            reason = (f"more than {max_sitemaps:,} sitemaps under {url}: {len(queue) + 1:,} not read "
                      "(narrow since= to skip old ones, or give the sitemaps you need)")  # fmt: skip
            failures.append(SourceFailure(current, "sitemap", None, reason, 0))
            break
        seen.add(current)
        read = _read_sitemap(current, get, failures)
        if read is None:
            continue
        children, pages = read
        room = max_pages - len(out)
        out.extend(pages[:room])
        if len(pages) > room or (queue or children) and len(out) >= max_pages:
            reason = (f"the sitemaps under {url} list more than max_pages={max_pages:,} pages: "
                      "the rest are not collected (raise max_pages=, --max-pages, or narrow since=)")  # fmt: skip
            failures.append(SourceFailure(current, "sitemap", 200, reason, 1))
            break
        queue += _children_to_read(current, children, depth, since, failures)
    return out


def _read_sitemap(current, get, failures: list[SourceFailure]):
    """``(children, pages)`` of one sitemap, or None (the failure noted)."""
    body, failure = get(current)
    if failure is not None:
        failures.append(failure)
        return None
    try:
        return parse_sitemap(body)
    except (InputError, OSError, EOFError) as exc:
        failures.append(SourceFailure(current, "sitemap", 200, str(exc), 1))
        return None


def _children_to_read(current, children, depth, since, failures) -> list[tuple[str, int]]:
    """The child sitemaps to read next, one level down; deeper than the limit is a failure."""
    if depth >= MAX_SITEMAP_DEPTH:
        if children:
            reason = f"sitemap indexes nested deeper than {MAX_SITEMAP_DEPTH}"
            failures.append(SourceFailure(current, "sitemap", 200, reason, 1))
        return []
    # an index entry last changed before `since` holds nothing newer
    return [
        (c.url, depth + 1) for c in children if since is None or c.hint is None or c.hint >= since
    ]


# -- front and section pages ---------------------------------------------------------------
def page_links(body: bytes, base_url: str) -> list[str]:
    """Absolute same-host http(s) links of a page, in page order, without fragments."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(body)
    except (ValueError, TypeError) as exc:  # lxml's ParserError is a ValueError
        message = f"front page {base_url} is not HTML: {exc}"
        raise InputError(message) from None
    try:
        base = parse_url(base_url)
    except BadURL:
        return []
    out, seen = [], set()
    for href in tree.xpath("//a/@href"):
        link = join_url(base_url, str(href).strip())
        try:
            parsed = parse_url(link)
        except BadURL:
            continue  # not an http(s) link ddj can fetch (mailto:, javascript:, a broken one)
        link = urldefrag(link).url
        if (parsed.host, parsed.port) == (base.host, base.port) and link not in seen:
            seen.add(link)
            out.append(link)
    return out


def is_article_url(url: str) -> bool:
    """newspaper4k's test of whether a URL looks like an article (dates, slugs, ids).

    Examples
    --------
    >>> is_article_url("https://a.org/2024/05/07/budget-talks.html"), is_article_url("https://a.org/world/")
    (True, False)
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
        from newspaper.urls import valid_url
    return bool(valid_url(url))


def discover_site(
    url: str,
    get: Callable[[str], tuple[bytes | None, SourceFailure | None]],
    failures: list[SourceFailure],
    max_sections: int = 30,
) -> list[Candidate]:
    """Article links of a front page and of the section pages it links to."""
    body, failure = get(url)
    if failure is not None:
        failures.append(failure)
        return []
    try:
        links = page_links(body, url)
    except InputError as exc:
        failures.append(SourceFailure(url, "site", 200, str(exc), 1))
        return []
    articles = [link for link in links if is_article_url(link)]
    sections = [
        link for link in links if link not in articles and link.rstrip("/") != url.rstrip("/")
    ]
    for section in sections[:max_sections]:
        body, failure = get(section)
        if failure is not None:
            failures.append(failure)
            continue
        try:
            articles.extend(link for link in page_links(body, section) if is_article_url(link))
        except InputError as exc:
            failures.append(SourceFailure(section, "site", 200, str(exc), 1))
    return [Candidate(link, "site") for link in dict.fromkeys(articles)]
