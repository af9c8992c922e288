"""Bounded fuzzing of what collect reads from outside: feeds, sitemaps, robots.txt, addresses, URLs."""

from __future__ import annotations

import gzip
import ipaddress

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ddj.collecting.fetch import (
    ROBOTS_MAX_BYTES,
    Page,
    blocked_kind,
    robots_rules,
    strip_credentials,
)
from ddj.collecting.sources import MAX_PAGES, feed_entries, parse_sitemap, walk_sitemaps
from ddj.errors import InputError

XMLISH = st.lists(
    st.sampled_from(
        [b"<", b">", b"</", b"/>", b"<url>", b"<loc>", b"</loc>", b"<sitemap>", b"<rss>", b"<item>",
         b"<link>", b"</link>", b"<entry>", b"<![CDATA[", b"]]>", b"&amp;", b"&#0;", b"&lol;",
         b"http://a.example/x", b"2024-05-01", b"\x00", b"\xff", b" ", b"\n", b"<!DOCTYPE x [",
         b'<!ENTITY lol "lol">', b"]>", b"\x1f\x8b"]
    ),
    max_size=60,
).map(b"".join)  # fmt: skip


@given(XMLISH)
@example(b"<url><http://a.example/x")  # lxml recovers a tag named 'http:': a raw ValueError before
def test_sitemap_parser_gives_entries_or_an_input_error(body):
    try:
        children, pages = parse_sitemap(body)
    except InputError:
        return
    assert all(c.url for c in children) and all(p.url for p in pages)


@given(XMLISH)
def test_gzipped_sitemap_reads_like_the_plain_one(body):
    try:
        plain = parse_sitemap(body)
    except InputError:
        plain = None
    try:
        zipped = parse_sitemap(gzip.compress(body))
    except InputError:
        zipped = None
    assert (plain is None) == (zipped is None)
    if plain is not None:
        assert [c.url for c in plain[1]] == [c.url for c in zipped[1]]


@given(XMLISH)
def test_feed_parser_gives_entries_or_an_input_error(body):
    try:
        entries = feed_entries(body, "https://news.example.org/rss.xml")
    except InputError:
        return
    assert all(e.url.startswith(("http", "https")) or e.url for e in entries)


@given(st.binary(max_size=2000), st.integers(min_value=0, max_value=599))
def test_robots_rules_never_fail_and_server_errors_disallow(body, status):
    ok = status == 200
    page = Page(url="https://a.example/robots.txt", status=status, body=body if ok else None,
                reason=None if ok else f"HTTP {status}")  # fmt: skip
    parser, blocked = robots_rules(page, page.url)
    if not ok and not 400 <= status < 500:
        assert blocked and not parser.can_fetch("ddj", "https://a.example/x")
    else:
        assert blocked is None


@given(st.integers(min_value=0, max_value=50))
def test_robots_rule_before_the_cap_holds_whatever_follows(filler_kib):
    body = b"User-agent: *\nDisallow: /private/\n" + b"#" * (filler_kib * 20 * 1024)
    page = Page(url="https://a.example/robots.txt", status=200, body=body[:ROBOTS_MAX_BYTES])
    parser, _ = robots_rules(page, page.url)
    assert not parser.can_fetch("ddj", "https://a.example/private/x")
    assert parser.can_fetch("ddj", "https://a.example/public/x")


@given(st.ip_addresses())
def test_an_ipv4_address_inside_ipv6_is_judged_as_itself(ip):
    if isinstance(ip, ipaddress.IPv4Address):
        mapped = ipaddress.IPv6Address(f"::ffff:{ip}")
        assert blocked_kind(str(mapped)) == blocked_kind(str(ip))
    embedded = isinstance(ip, ipaddress.IPv6Address) and (ip.ipv4_mapped or ip.sixtofour)
    if not embedded:  # reached only when it is a global unicast address
        unsafe = ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified
        unsafe = unsafe or ip.is_multicast or ip.is_reserved or not ip.is_global
        assert (blocked_kind(str(ip)) is None) == (not unsafe)


@given(
    st.text("abc:@%", max_size=12),
    st.sampled_from(["news.example.org", "127.0.0.1:8080", "[::1]"]),
    st.text("abc/@?=", max_size=12),
)
def test_credentials_are_removed_and_the_rest_is_kept(userinfo, host, rest):
    url = f"https://{userinfo}@{host}/{rest}" if userinfo else f"https://{host}/{rest}"
    clean = strip_credentials(url)
    assert clean == f"https://{host}/{rest}"
    assert strip_credentials(clean) == clean


@given(st.integers(min_value=1, max_value=30), st.integers(min_value=0, max_value=40))
def test_a_sitemap_walk_stops_at_max_pages_and_says_so(max_pages, n):
    body = b"<urlset>" + b"".join(b"<url><loc>https://a.example/%d</loc></url>" % k for k in range(n)) + b"</urlset>"  # fmt: skip
    failures: list = []
    pages = walk_sitemaps("https://a.example/s.xml", lambda u: (body, None), failures,
                          max_pages=max_pages)  # fmt: skip
    assert len(pages) == min(n, max_pages) <= MAX_PAGES
    assert (len(failures) == 1) == (n > max_pages)


# -- issue 22: every number and URL from a host goes through ddj.hostvalues ------------------------
NUMBERS = st.one_of(
    st.text(max_size=30),
    st.text("0123456789²³¹٣٤੩.-+eE _\t", max_size=30),  # non-ASCII digits pass str.isdigit()
    st.integers(min_value=0, max_value=10**600).map(str),  # beyond int()'s 4,300-digit limit
    st.floats(allow_nan=True).map(repr),
    st.just("9" * 5000),
    st.just("1" + "0" * 400),
    st.datetimes().map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT")),
    st.just("Wed, 21 Oct 99999 07:28:00 GMT"),
)
URL_PIECES = st.lists(
    st.sampled_from(
        ["http://", "https://", "HTTPS://", "ftp://", "//", "\\", "/", "user:pw@", "@", "#", "?",
         "[", "]", "::1", "[::1]", ":", ":80", ":99999999", ":²", ":0", "%", "%40", "bbc.co.uk",
         "evil.example", "bücher", "xn--bcher-kva", ".", "..", " ", "\t", "\n", "\x00", "a" * 70,
         "☃", "ＡＢＣ", "www.", "-", "_", "x"]
    ),
    max_size=12,
).map("".join)  # fmt: skip


@given(NUMBERS, st.integers(min_value=0, max_value=100), st.integers(min_value=0, max_value=10**9),
       st.booleans())  # fmt: skip
def test_a_number_from_a_host_is_in_bounds_or_none_never_an_exception(text, low, span, fraction):
    from collections import Counter

    from ddj.hostvalues import bounded_number

    notes: Counter = Counter()
    value = bounded_number(text, low=low, high=low + span, what="X", fraction=fraction, notes=notes)
    assert value is None or low <= value <= low + span
    assert (value is None) == (notes["X unreadable"] == 1)


@given(NUMBERS)
def test_retry_after_and_robots_numbers_are_bounded_or_ignored(text):
    from ddj.collecting.fetch import MAX_CRAWL_DELAY, MAX_RETRY_AFTER, retry_after

    wait = retry_after(text)
    assert wait is None or 0 <= wait <= MAX_RETRY_AFTER
    body = f"User-agent: *\nCrawl-delay: {text}\nRequest-rate: {text}/{text}\nDisallow: {text}\n"
    page = Page(url="https://a.example/robots.txt", status=200, body=body.encode())
    parser, _ = robots_rules(page, page.url)
    delay = parser.crawl_delay("ddj")
    assert delay is None or 0 <= delay <= MAX_CRAWL_DELAY
    parser.can_fetch("ddj", "https://a.example/x")


@given(URL_PIECES, st.sampled_from([None, "https://a.example/x/", "http://[::1]:8080/"]))
def test_a_url_is_read_one_way_or_refused_by_a_ddj_error(text, base):
    from urllib3.util import parse_url as urllib3_parse

    from ddj.hostvalues import BadURL, parse_url, scrub_credentials, url_host
    from ddj.urls import registered_domain

    host = url_host(text)  # none of these raises
    registered_domain(text)
    scrub_credentials(text)
    clean = strip_credentials(text)
    try:
        parsed = parse_url(text, base=base)
    except BadURL as exc:
        assert "is not a URL ddj can fetch" in str(exc)
        return
    assert parsed.scheme in ("http", "https") and parsed.host
    assert parsed.port is None or 1 <= parsed.port <= 65535
    assert "@" not in parsed.url.split("/")[2] and "#" not in parsed.url
    if base is None:
        assert host == parsed.host  # the filter's and the outlet's host is the fetcher's
        again = parse_url(clean)  # the credentials strip_credentials removes are the fetcher's
        assert not again.had_credentials and again.host == parsed.host
    seen = urllib3_parse(parsed.url)  # what the fetcher's HTTP library connects to
    assert (seen.host or "").strip("[]").rstrip(".") == parsed.host
    assert parse_url(parsed.url) == parsed.__class__(parsed.url, parsed.scheme, parsed.host,
                                                     parsed.port)  # fmt: skip


class _HeaderServer:
    """A 127.0.0.1 server answering ``/`` with the status and headers last set on it."""

    def __init__(self):
        import socket
        import threading

        self.status, self.fields = "200 OK", []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            conn, _ = self.sock.accept()
            with conn:
                conn.recv(65536)
                head = [f"HTTP/1.1 {self.status}", "Content-Type: text/html", "Connection: close"]
                data = "\r\n".join([*head, *self.fields, "", ""]).encode("utf-8", "replace")
                conn.sendall(data + b"<html><body><p>a page</p></body></html>")


_SERVER: list = []


def _loopback_only(host: str, _port: int) -> list[str]:
    """Resolve nothing but 127.0.0.1: a redirect to any other host goes nowhere."""
    import socket

    if host != "127.0.0.1":
        raise socket.gaierror(f"{host} is not resolved in this test")
    return ["127.0.0.1"]


@settings(max_examples=40)
@example("503 Service Unavailable", "Retry-After", "²")  # each of these raised before
@example("429 Too Many Requests", "Retry-After", "1" + "0" * 400)
@example("200 OK", "Content-Length", "9" * 5000)
@example("200 OK", "Content-Length", "²")
@example("302 Found", "Location", "http://[::1")
@example("302 Found", "Location", "http://a:99999999/")
@given(
    st.sampled_from(["200 OK", "302 Found", "503 Service Unavailable", "429 Too Many Requests"]),
    st.sampled_from(["Retry-After", "Content-Length", "Location"]),
    st.one_of(NUMBERS, URL_PIECES).map(lambda t: t.replace("\r", "").replace("\n", "")),
)
def test_a_local_server_sending_any_value_gives_a_page_or_a_reason(status, field, value):
    from ddj.collecting.fetch import Fetcher

    if not _SERVER:
        _SERVER.append(_HeaderServer())
    server = _SERVER[0]
    server.status, server.fields = status, [f"{field}: {value}"]
    fetcher = Fetcher(rate=None, robots=False, retries=1, backoff=0.01, max_retry_after=0.05,
                      deadline=3, read_timeout=1, trusted=["127.0.0.1"],
                      resolver=_loopback_only)  # fmt: skip
    page = fetcher.get(server.url)
    assert page.ok or page.reason
    assert page.ok == (page.reason is None)


@given(st.from_regex(r"(?i)\Ahttps?://[a-z0-9-]{1,8}(\.[a-z0-9-]{1,8}){0,3}\.?(:[0-9]{1,5})?\Z"),
       st.text("/?#@\\:.[]% \tab", max_size=8))  # fmt: skip
def test_the_fast_read_of_a_plain_url_host_is_the_full_reader_s(start, rest):
    from ddj.hostvalues import _host_read, url_host

    assert url_host(start + rest) == _host_read(start + rest)
