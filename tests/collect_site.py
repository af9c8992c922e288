"""A local news site for the collect tests: several outlets on 127.0.0.1 ports.

Each outlet (one port) serves a front page with sections, RSS and Atom feeds, a
sitemap index with a Google News sitemap, synthetic article pages, and fault
endpoints (slow, 500, 429 with Retry-After, a redirect loop, an endless page, a
binary file as HTML, a PDF, a dropped connection, a path robots.txt forbids, a
page and headers dripped a byte at a time, gzip bodies and a gzip bomb, a
redirect to any address, a feed and a sitemap of any size). Each outlet's
robots.txt can be plain, a 503, a 404, 1 MB long, or behind a redirect.
All text is invented here.

Run as a script to serve it by hand: ``python tests/collect_site.py 3 20``.
"""

from __future__ import annotations

import collections
import functools
import gzip
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

WORDS = [
    "council",
    "budget",
    "river",
    "harbour",
    "school",
    "transport",
    "vote",
    "election",
    "minister",
    "market",
    "port",
    "housing",
    "rent",
    "water",
    "energy",
    "court",
    "ruling",
    "union",
    "strike",
    "clinic",
    "hospital",
    "festival",
    "museum",
    "bridge",
    "railway",
    "tunnel",
    "ferry",
    "farmers",
    "drought",
    "flood",
    "storm",
    "report",
    "audit",
    "mayor",
    "district",
]
BASE_DATE = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
SECTIONS = ("world", "politics")


def article_date(outlet: int, n: int) -> datetime:
    return BASE_DATE + timedelta(days=n % 28, hours=outlet, minutes=n)


def article_path(n: int, outlet: int = 0) -> str:
    d = article_date(outlet, n)
    return f"/{d:%Y/%m/%d}/story-{n}-{WORDS[n % len(WORDS)]}-news.html"


def article_html(outlet: int, n: int, dated: bool = True, paragraphs: int = 6) -> str:
    d = article_date(outlet, n)
    meta = f'<meta property="article:published_time" content="{d.isoformat()}">' if dated else ""
    body = []
    for p in range(paragraphs):
        words = [WORDS[(n * 7 + p * 3 + i * i) % len(WORDS)] for i in range(40)]
        body.append(f"<p>{' '.join(words).capitalize()} in outlet {outlet} story {n} part {p}.</p>")
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Story {n} about the {WORDS[n % len(WORDS)]} | Outlet {outlet}</title>"
        f'<meta property="og:site_name" content="Outlet {outlet}">{meta}</head>'
        f'<body><nav><a href="/">Home</a></nav><article><h1>Story {n} about the '
        f"{WORDS[n % len(WORDS)]}</h1>{''.join(body)}</article></body></html>"
    )


ROBOTS = b"User-agent: *\nDisallow: /private/\n"
#: A 1 MB robots.txt: the rule at its start counts, the one after 600 KiB is past what is read.
BIG_ROBOTS = (
    ROBOTS
    + b"# "
    + b"filler " * 90_000
    + b"\n"
    + b"Disallow: /2024/\n"
    + b"# "
    + b"x" * 400_000
    + b"\n"
)


@functools.cache
@functools.lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """50 MB of zeros in about 50 KB of gzip (made once: compressing takes longer than a test's read timeout on a loaded machine)."""
    return gzip.compress(b"\0" * 50_000_000, compresslevel=9)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # clients that hang up are part of the tests
        pass


class Outlet:
    """The pages of one outlet; ``undated`` article numbers carry no date in the page."""

    def __init__(
        self, index: int, n_articles: int, undated: frozenset[int] = frozenset(), robots="plain"
    ):
        self.index = index
        self.n = n_articles
        self.undated = undated
        self.robots = robots
        self.paths = {article_path(n, index): n for n in range(n_articles)}

    def articles(self, which=None) -> list[int]:
        return list(range(self.n)) if which is None else list(which)


class Site:
    """Start ``outlets`` servers; ``site.base(i)`` is outlet i's URL; ``site.hits`` counts requests."""

    def __init__(
        self, outlets: int = 2, articles: int = 12, slow: float = 3.0, undated=(1,), robots=()
    ):
        modes = list(robots) + ["plain"] * (outlets - len(robots))
        self.outlets = [Outlet(i, articles, frozenset(undated), modes[i]) for i in range(outlets)]
        self.slow = slow
        self.hits: collections.Counter = collections.Counter()
        self.times: list[tuple[float, int, str]] = []  # (time.time(), outlet, path) per request
        self.user_agents: set[str] = set()
        self._lock = threading.Lock()
        self._state: dict[str, int] = collections.defaultdict(int)
        self.servers = []
        for outlet in self.outlets:
            server = _Server(("127.0.0.1", 0), self._handler(outlet))
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)

    def base(self, i: int = 0) -> str:
        return f"http://127.0.0.1:{self.servers[i].server_address[1]}"

    def url(self, path: str, i: int = 0) -> str:
        return self.base(i) + path

    def article_urls(self, i: int = 0) -> list[str]:
        return [self.url(p, i) for p in self.outlets[i].paths]

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> Site:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _count(self, key: str) -> int:
        with self._lock:
            self._state[key] += 1
            return self._state[key]

    def _handler(self, outlet: Outlet):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def send(self, status, body: bytes, ctype="text/html; charset=utf-8", headers=None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: C901 - one branch per endpoint
                path = self.path.split("?")[0]
                query = parse_qs(urlsplit(self.path).query)
                with site._lock:
                    site.hits[(outlet.index, path)] += 1
                    site.times.append((time.time(), outlet.index, path))
                    site.user_agents.add(self.headers.get("User-Agent", ""))
                base = f"http://127.0.0.1:{self.server.server_address[1]}"
                if path in outlet.paths:
                    n = outlet.paths[path]
                    html = article_html(outlet.index, n, dated=n not in outlet.undated)
                    return self.send(200, html.encode())
                if path == "/robots.txt":
                    return self.robots(outlet.robots)
                if path == "/robots-moved.txt":
                    return self.send(302, b"", headers={"Location": "/robots-real.txt"})
                if path == "/robots-real.txt":
                    return self.send(200, ROBOTS, "text/plain")
                if path == "/":
                    links = "".join(f'<a href="/section/{s}">{s}</a>' for s in SECTIONS)
                    links += f'<a href="{article_path(0, outlet.index)}">Top story</a>'
                    return self.send(200, f"<html><body>{links}</body></html>".encode())
                if path.startswith("/section/"):
                    k = (
                        SECTIONS.index(path.rsplit("/", 1)[1])
                        if path.rsplit("/", 1)[1] in SECTIONS
                        else -1
                    )
                    if k < 0:
                        return self.send(404, b"no such section")
                    links = "".join(
                        f'<a href="{article_path(n, outlet.index)}">Story {n}</a>'
                        for n in range(outlet.n)
                        if n % len(SECTIONS) == k
                    )
                    return self.send(
                        200, f"<html><body>{links}<a href='/'>home</a></body></html>".encode()
                    )
                if path == "/rss.xml":
                    items = "".join(
                        f"<item><title>Story {n}</title><link>{base}{article_path(n, outlet.index)}</link>"
                        f"<pubDate>{format_datetime(article_date(outlet.index, n), usegmt=True)}</pubDate></item>"
                        for n in range(outlet.n)
                    )
                    rss = f'<?xml version="1.0"?><rss version="2.0"><channel><title>O</title>{items}</channel></rss>'
                    return self.send(200, rss.encode(), "application/rss+xml")
                if path == "/atom.xml":
                    entries = "".join(
                        f'<entry><title>Story {n}</title><link href="{base}{article_path(n, outlet.index)}"/>'
                        f"<id>urn:story:{n}</id><updated>{article_date(outlet.index, n).isoformat()}</updated></entry>"
                        for n in range(outlet.n)
                    )
                    atom = f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>O</title>{entries}</feed>'
                    return self.send(200, atom.encode(), "application/atom+xml")
                if path == "/sitemap.xml":
                    xml = (
                        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                        f"<sitemap><loc>{base}/sitemap-news.xml</loc></sitemap>"
                        f"<sitemap><loc>{base}/sitemap-old.xml.gz</loc><lastmod>2024-05-29</lastmod></sitemap></sitemapindex>"
                    )
                    return self.send(200, xml.encode(), "application/xml")
                if path == "/sitemap-news.xml":
                    urls = "".join(
                        f"<url><loc>{base}{article_path(n, outlet.index)}</loc><news:news>"
                        f"<news:publication><news:name>Outlet</news:name><news:language>en</news:language>"
                        f"</news:publication><news:publication_date>{article_date(outlet.index, n).isoformat()}"
                        f"</news:publication_date><news:title>Story {n}</news:title></news:news></url>"
                        for n in range(0, outlet.n, 2)
                    )
                    xml = (
                        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>'
                    )
                    return self.send(200, xml.encode(), "application/xml")
                if path == "/sitemap-old.xml.gz":
                    urls = "".join(
                        f"<url><loc>{base}{article_path(n, outlet.index)}</loc>"
                        f"<lastmod>{article_date(outlet.index, n):%Y-%m-%d}</lastmod></url>"
                        for n in range(1, outlet.n, 2)
                    )
                    xml = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
                    return self.send(200, gzip.compress(xml.encode()), "application/x-gzip")
                # -- faults --
                if path == "/slow":
                    time.sleep(site.slow)
                    return self.send(200, article_html(outlet.index, 900).encode())
                if path == "/error500":
                    return self.send(500, b"server error")
                if path == "/flaky":
                    if site._count(f"flaky{outlet.index}") == 1:
                        return self.send(503, b"try again")
                    return self.send(200, article_html(outlet.index, 901).encode())
                if path == "/limited":
                    if site._count(f"limited{outlet.index}") == 1:
                        return self.send(429, b"slow down", headers={"Retry-After": "1"})
                    return self.send(200, article_html(outlet.index, 902).encode())
                if path == "/limited-long":
                    return self.send(429, b"slow down", headers={"Retry-After": "3600"})
                if path == "/loop":
                    return self.send(302, b"", headers={"Location": "/loop-b"})
                if path == "/loop-b":
                    return self.send(302, b"", headers={"Location": "/loop"})
                if path == "/moved":
                    return self.send(301, b"", headers={"Location": article_path(2, outlet.index)})
                if path == "/endless":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.end_headers()
                    try:
                        self.wfile.write(b"<html><body>")
                        for _ in range(100_000):
                            self.wfile.write(b"<p>" + b"more " * 200 + b"</p>")
                    except OSError:
                        pass
                    self.close_connection = True
                    return None
                if path == "/binary":
                    return self.send(200, bytes(range(256)) * 64)
                if path == "/report.pdf":
                    return self.send(200, b"%PDF-1.4 fake", "application/pdf")
                if path == "/drop":
                    self.close_connection = True
                    self.connection.close()
                    return None
                if path.startswith("/private/"):
                    return self.send(200, article_html(outlet.index, 903).encode())
                if path == "/gone":
                    return self.send(404, b"not found")
                return self.more(path, query, base, outlet)

            def more(self, path, query, base, outlet):  # noqa: C901 - one branch per endpoint
                if path == "/drip":  # a whole page, a byte every 0.1 s (100 s)
                    return self.drip(b"<html><body>" + b"x" * 1000, body=True)
                if path == "/drip-headers":  # headers, a byte every 0.1 s
                    return self.drip(b"X-Slow: " + b"y" * 1000, body=False)
                if path == "/gzip-bomb":  # Content-Encoding gzip: 50 MB of zeros
                    return self.send(200, gzip_bomb(), headers={"Content-Encoding": "gzip"})
                if path == "/gzip-page":
                    html = gzip.compress(article_html(outlet.index, 904).encode())
                    return self.send(200, html, headers={"Content-Encoding": "gzip"})
                if path == "/page.html.gz":  # a gzip file served as text/html
                    return self.send(200, gzip.compress(article_html(outlet.index, 905).encode()))
                if path == "/to":  # a redirect to wherever ?u= says
                    return self.send(302, b"", headers={"Location": query["u"][0]})
                if path == "/feed-to.xml":  # a feed whose entries are the ?u= links
                    items = "".join(f"<item><link>{u}</link></item>" for u in query.get("u", []))
                    rss = f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'
                    return self.send(200, rss.encode(), "application/rss+xml")
                if path == "/sitemap-big.xml":  # ?n= pages
                    n = int(query["n"][0])
                    urls = "".join(
                        f"<url><loc>{base}{article_path(k, outlet.index)}</loc></url>"
                        for k in range(n)
                    )
                    xml = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
                    return self.send(200, xml.encode(), "application/xml")
                return self.send(404, b"not found")

            def robots(self, mode):
                if mode == "503":
                    return self.send(503, b"down", "text/plain")
                if mode == "404":
                    return self.send(404, b"none", "text/plain")
                if mode == "big":
                    return self.send(200, BIG_ROBOTS, "text/plain")
                if mode == "redirect":
                    return self.send(301, b"", headers={"Location": "/robots-moved.txt"})
                return self.send(200, ROBOTS, "text/plain")

            def drip(self, data: bytes, body: bool):
                self.close_connection = True
                try:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
                    if body:
                        self.wfile.write(b"Content-Length: %d\r\n\r\n" % len(data))
                    for k in range(len(data)):
                        self.wfile.write(data[k : k + 1])
                        self.wfile.flush()
                        time.sleep(0.1)
                except OSError:
                    pass  # the client gave up: what the test wants

        return Handler


if __name__ == "__main__":
    n_outlets = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    n_articles = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    with Site(n_outlets, n_articles) as s:
        for i in range(n_outlets):
            print(s.base(i), flush=True)
        threading.Event().wait()
