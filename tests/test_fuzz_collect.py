"""Bounded fuzzing of what collect reads from outside: feeds, sitemaps, robots.txt, addresses, URLs."""

from __future__ import annotations

import gzip
import ipaddress

from hypothesis import given
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
