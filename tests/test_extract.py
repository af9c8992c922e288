import time
import warnings
from datetime import UTC, datetime

import pandas as pd
import pytest

import ddj
from ddj.extract import read_html, strip_site_name
from ddj.extract.authors import clean_authors
from ddj.extract.dates import from_url, parse_value
from ddj.extract.encoding import decode

BODY = (
    "<p>"
    + "The council met on Tuesday to discuss the harbour, the budget and the bridge. " * 8
    + "</p>"
)


def html(head="", body=BODY, lang="en"):
    return f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">{head}</head><body><article>{body}</article></body></html>'


def test_json_ld_graph_with_offset():
    head = """<title>Talks open | The Gazette</title><meta property="og:site_name" content="The Gazette">
    <script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"G"},
    {"@type":"NewsArticle","headline":"Talks open","datePublished":"2024-10-18T23:30:00+08:00",
     "author":[{"@type":"Person","name":"Jane Doe"},{"@type":"Organization","name":"The Gazette"}]}]}</script>"""
    rec = read_html(html(head), "https://www.gazette.example/a")
    assert rec["published"] == datetime(2024, 10, 18, 15, 30, tzinfo=UTC)
    assert rec["published_local"] == datetime(2024, 10, 18, 23, 30)
    assert rec["published_from"] == "json-ld"
    assert rec["title"] == "Talks open" and rec["outlet"] == "The Gazette"
    assert rec["authors"] == ["Jane Doe"]
    assert rec["language"] == "en" and rec["words"] > 50


@pytest.mark.parametrize(
    ("head", "body", "url", "signal", "day"),
    [
        (
            '<meta property="article:published_time" content="2023-04-05T10:00:00Z">',
            BODY,
            None,
            "meta",
            "2023-04-05",
        ),
        (
            "",
            '<time datetime="2022-02-24T06:00:00+02:00" class="published">24 Feb</time>' + BODY,
            None,
            "time-tag",
            "2022-02-24",
        ),
        ("", BODY, "https://x.example/news/2021/06/30/story-slug", "url", "2021-06-30"),
        ('<meta itemprop="datePublished" content="2020-06-30">', BODY, None, "meta", "2020-06-30"),
    ],
)
def test_each_date_signal(head, body, url, signal, day):
    rec = read_html(html(head, body), url)
    assert rec["published_from"] == signal
    assert rec["published_local"].date().isoformat() == day


def test_day_only_dates_sit_at_noon_utc():
    rec = read_html(html(body=BODY), "https://x.example/2021/06/30/story")
    assert rec["published"] == datetime(2021, 6, 30, 12, tzinfo=UTC)


def test_no_date_and_implausible_dates():
    rec = read_html(html('<meta property="article:published_time" content="2999-01-01T00:00:00Z">'))
    assert rec["published_from"] != "meta"
    assert read_html(html())["published"] is None
    assert read_html(html())["published_from"] == "none"


def test_copyright_year_is_not_a_date():
    rec = read_html(html(body=BODY + "<footer>© 2019 The Gazette. All rights reserved.</footer>"))
    assert rec["published"] is None


def test_site_name_suffix_removed():
    assert (
        strip_site_name("Talks in Beijing | The Gazette", "The Gazette", None) == "Talks in Beijing"
    )
    assert (
        strip_site_name("The Gazette - Talks in Beijing", "The Gazette", None) == "Talks in Beijing"
    )
    assert (
        strip_site_name("Talks in Beijing – gazette.example", None, "https://gazette.example/a")
        == "Talks in Beijing"
    )
    assert (
        strip_site_name("Rock - paper - scissors", "The Gazette", None) == "Rock - paper - scissors"
    )
    assert (
        strip_site_name("Talks | Gazette", "example.com", "https://gazette.example.com/a")
        == "Talks"
    )


def test_heading_wins_over_composite_title():
    rec = read_html(
        html(
            "<title>Harbour plan approved › Local › Northgate Courier</title>",
            "<h1>Harbour plan approved</h1>" + BODY,
        )
    )
    assert rec["title"] == "Harbour plan approved"


def test_authors_cleaned():
    assert clean_authors(["By Jane Doe and John Roe"]) == ["Jane Doe", "John Roe"]
    assert clean_authors(
        ["https://x.example/author/jane", "jane@x.example", "By JANE DOE", "Jane Doe"]
    ) == ["JANE DOE"]
    assert clean_authors(["Jane Doe, China correspondent"]) == ["Jane Doe"]
    assert clean_authors(["The Gazette", "staff"], outlet="The Gazette") == []
    assert clean_authors(
        [{"@type": "Person", "name": "Ana Li"}, {"@type": "Organization", "name": "Wire"}]
    ) == ["Ana Li"]


def test_desk_credit_stands_only_alone():
    ld = '<script type="application/ld+json">{{"@type": "NewsArticle", "author": [{}]}}</script>'
    desk = '{"@type": "Person", "name": "Redaktion"}'
    jane = '{"@type": "Person", "name": "Jane Doe"}'
    assert read_html(html(ld.format(desk), BODY))["authors"] == ["Redaktion"]
    assert read_html(html(ld.format(f"{jane}, {desk}"), BODY))["authors"] == ["Jane Doe"]


def test_windows_1252_with_wrong_declared_charset():
    page = html(
        '<meta charset="utf-8"><title>Caf\u00e9 \u201cquotes\u201d \u2013 dash</title>'
    ).replace('<meta charset="utf-8">', "", 1)
    data = page.encode("cp1252")
    assert read_html(data)["title"] == "Caf\u00e9 \u201cquotes\u201d \u2013 dash"
    assert decode("na\u00efve".encode("latin-1")) == "na\u00efve"


def test_short_windows_1252_is_not_read_as_utf16():
    assert decode("café".encode("cp1252")) == "café"
    page = html("<title>Un café</title>", "<p>Un café à Paris, près de la Seine.</p>" + BODY)
    assert read_html(page.replace("utf-8", "cp1252").encode("cp1252"))["title"] == "Un café"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_or_without_bom(encoding):
    page = html("<title>Un café</title>").encode(encoding)
    assert read_html(page)["title"] == "Un café"


def test_utf8_with_a_few_broken_bytes_keeps_utf8():
    data = (
        html("<title>\u9999\u6e2f \u2014 caf\u00e9 report</title>")
        .encode("utf-8")
        .replace(b"report", b"rep\xffort")
    )
    assert read_html(data)["title"].startswith("\u9999\u6e2f \u2014 caf\u00e9 rep")


def test_gzip_bytes_accepted():
    import gzip

    assert read_html(gzip.compress(html("<title>Zipped</title>").encode()))["title"] == "Zipped"


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "empty"),
        (b"   \n ", "empty"),
        (bytes(range(256)) * 50, "binary"),
        (b"just some words, no markup", "no HTML markup"),
        ("", "empty"),
    ],
)
def test_bad_input_is_a_clear_error(data, match):
    with pytest.raises(ddj.ExtractionError, match=match):
        read_html(data)


def test_wrong_type():
    with pytest.raises(ddj.ExtractionError, match="str or bytes"):
        read_html(123)  # type: ignore[arg-type]


def test_broken_and_headless_markup_still_gives_a_record():
    rec = read_html("<div><p>Fragment with no html element <b>and an unclosed tag" + BODY)
    assert rec["text"] and rec["published"] is None
    deep = "<div>" * 5000 + BODY + "</div>" * 10
    assert read_html(deep)["words"] >= 100  # lxml alone stops at depth 256 and loses the text


def test_huge_page_is_bounded():
    page = html("<title>Huge</title>", BODY * 30000)  # ~19 MB
    assert len(page) > 15_000_000
    t0 = time.perf_counter()
    rec = read_html(page)
    assert rec["title"] == "Huge"
    assert time.perf_counter() - t0 < 60  # a bound on runaway work, not a speed test


def test_article_behind_megabytes_of_script_is_kept():
    script = "<script>" + "var state = 1;" * 400_000 + "</script>"  # ~5.6 MB of app state
    ld = '{"@type": "NewsArticle", "datePublished": "2024-10-18T09:00:00Z"}'
    page = html(
        f'<script type="application/ld+json">{ld}</script>' + script,
        script + BODY,
    )
    rec = read_html(page)
    assert rec["words"] >= 20 and "var state" not in rec["text"]
    assert rec["published_from"] == "json-ld"


def test_unclosed_script_on_a_huge_page_gives_a_record():
    page = html("<title>Cut</title>", BODY + "<script>" + "x" * 4_000_000)
    rec = read_html(page)
    assert rec["title"] == "Cut" and rec["words"] >= 20


def test_chinese_page_gives_a_record():
    body = (
        "<p>"
        + "\u9999\u6e2f\u7acb\u6cd5\u6703\u4eca\u65e5\u8a0e\u8ad6\u9810\u7b97\u6848\u3002" * 40
        + "</p>"
    )
    rec = read_html(
        html(
            '<meta property="article:published_time" content="2024-10-18T09:00:00+08:00">',
            body,
            lang="zh-HK",
        )
    )
    assert rec["language"] == "zh" and rec["published_from"] == "meta"
    assert "\u9999\u6e2f" in (rec["text"] or "")


def test_parse_value_and_url_dates():
    assert parse_value("2024-10-18")[1] is True
    assert parse_value("18 October 2024 14:05")[0] == datetime(2024, 10, 18, 14, 5, tzinfo=UTC)
    assert parse_value("yesterday") is None
    assert from_url("https://x.example/news/20240105-story") == datetime(2024, 1, 5, 12, tzinfo=UTC)
    assert from_url("https://x.example/2024/13/45/story") is None
    assert from_url(None) is None


def test_record_keys_and_no_network(monkeypatch):
    import socket

    def refuse(*a, **k):
        raise AssertionError("read_html tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    rec = read_html(html("<title>T</title>"), "https://news.example.co.uk/a")
    assert set(rec) == {
        "url",
        "outlet",
        "title",
        "authors",
        "published",
        "published_local",
        "published_from",
        "language",
        "description",
        "text",
        "words",
        "published_confidence",
        "page_type",
        "dates_set_aside",
    }
    assert rec["outlet"] == "example.co.uk"


def _ld(date_published):
    return (
        '<script type="application/ld+json">{"@type":"NewsArticle","headline":"Talks open",'
        f'"datePublished":"{date_published}"}}</script>'
    )


def test_utc_timestamp_takes_the_url_day_of_the_publisher():
    # 02:18 UTC is still the 17th in the Americas, where the URL was written
    rec = read_html(html(_ld("2020-02-18T02:18:11Z")), "https://x.example/2020/02/17/talks-open")
    assert rec["published_local"].date().isoformat() == "2020-02-17"
    assert rec["published_from"] == "url"


def test_url_day_no_zone_can_reach_and_local_offsets_are_kept():
    # 10:04 UTC is the 9th everywhere from UTC-10 to UTC+14: a URL of the 8th is a draft's day
    rec = read_html(html(_ld("2020-07-09T10:04:04Z")), "https://x.example/2020/07/08/talks-open")
    assert (rec["published_local"].date().isoformat(), rec["published_from"]) == (
        "2020-07-09",
        "json-ld",
    )
    # the page gave its own offset: its calendar day is the publisher's
    rec = read_html(html(_ld("2019-12-10T00:30:49+01:00")), "https://x.example/2019/12/09/talks")
    assert (rec["published_local"].date().isoformat(), rec["published_from"]) == (
        "2019-12-10",
        "json-ld",
    )


def test_same_instant_in_the_publishers_own_time_wins_over_utc():
    head = _ld("2019-10-18T22:04:00Z") + (
        '<meta property="article:published_time" content="2019-10-19T00:04:00+02:00">'
    )
    rec = read_html(html(head), "https://x.example/news/talks-open")
    assert rec["published_local"] == datetime(2019, 10, 19, 0, 4)
    assert rec["published"] == datetime(2019, 10, 18, 22, 4, tzinfo=UTC)
    assert rec["published_from"] == "meta"


def test_htmldate_as_witness_between_disagreeing_signals():
    from ddj.extract.dates import choose

    def stamp(value, signal):
        dt, day_only = parse_value(value)
        return (signal, dt, day_only, value)

    ld = stamp("2023-11-03T10:25:56+00:00", "json-ld")
    meta = stamp("2023-11-06T14:25:00+00:00", "meta")
    witness = parse_value("2023-11-06")[0]
    assert choose([ld, meta], None, witness) == (meta[1], "meta")
    assert choose([ld, meta], None, None) == (ld[1], "json-ld")  # no witness: the most trusted
    assert choose([ld, meta], None, parse_value("2023-11-04")[0]) == (ld[1], "json-ld")
    # the URL and htmldate agree, years away from a re-dated page: the URL's day
    old = from_url("https://x.example/2017/7/12/story")
    redated = stamp("2019-06-17T18:28:00+02:00", "json-ld")
    assert choose([redated], old, parse_value("2017-07-12")[0]) == (old, "url")
    # ... but a day away it is a time zone or a draft, and the structured date stays
    near = from_url("https://x.example/2020/07/08/story")
    ld = stamp("2020-07-09T10:04:04Z", "json-ld")
    assert choose([ld], near, parse_value("2020-07-08")[0]) == (ld[1], "json-ld")


def test_a_year_or_a_month_alone_is_not_a_date():
    assert parse_value("2006") is None
    assert parse_value("March 2020") is None
    assert parse_value("1 March 2020")[0].date().isoformat() == "2020-03-01"
    rec = read_html(html('<meta name="dc.date" content="2006">'), "https://x.example/a")
    assert rec["published_from"] != "meta"


def test_a_shown_description_is_the_lede():
    from lxml import html as lxml_html

    from ddj.extract.body import _with_lede
    from ddj.extract.xpaths import visible_text

    tree = lxml_html.fromstring(
        "<html><head><meta name='description' content='Only for search engines.'></head><body>"
        "<p class='teaser'>Rain came  back to the valley.</p><p>The story.</p>"
        "<script>var x = 'Hidden in a script.';</script></body></html>"
    )
    page = visible_text(tree)
    assert _with_lede("The story.", "Rain came back to the valley.", page) == (
        "Rain came back to the valley.\nThe story."
    )
    assert _with_lede("The story.", "Only for search engines.", page) == "The story."
    assert _with_lede("The story.", "Hidden in a script.", page) == "The story."
    # already in the text (spacing and punctuation aside): not repeated
    assert _with_lede(
        "Rain came back to the valley!\nThe story.", "Rain came back to the valley.", page
    ) == ("Rain came back to the valley!\nThe story.")
    assert _with_lede(None, "Rain came back to the valley.", page) is None
    assert _with_lede("The story.", None, page) == "The story."


def test_short_lines_past_the_agreed_text_are_trimmed():
    from ddj.extract.body import _trim_tail

    story = "The council met on Monday.\nIt voted for the plan."
    newspaper = "The council met on Monday. It voted for the plan."
    tail = "\nWeitere Themen\nShare this story:\n- Tour date one\n| a | table |\nThe mayor was not there."
    assert _trim_tail(story + tail, newspaper) == (
        story + "\n- Tour date one\n| a | table |\nThe mayor was not there."
    )
    # before the last line newspaper4k also kept, short lines stay (subheadings)
    text = "The council met on Monday.\nThe vote\nIt voted for the plan."
    assert _trim_tail(text, newspaper) == text
    # with nothing in common with newspaper4k's text, nothing is trimmed
    assert _trim_tail(story + "\nWeitere Themen", "Other words.") == story + "\nWeitere Themen"
    # without newspaper4k's text (not asked): the short non-sentence lines at the very end go
    assert _trim_tail(story + "\nWeitere Themen\nShare this story:", None) == story
    kept = story + "\nThe vote\nIt was close."  # a sentence after them: the story goes on
    assert _trim_tail(kept, None) == kept
    assert _trim_tail("Read more\nShare", None) == "Read more\nShare"  # no story line at all


# -- hostile pages: each gives the record that can be found, in bounded time ------------------

META_DATE = '<meta property="article:published_time" content="2023-04-05T10:00:00Z">'
CEILING = 10  # seconds: a bound on runaway work (these took minutes or crashed), not a speed test


def _ld_block(content: str) -> str:
    return f'<script type="application/ld+json">{content}</script>'


def _hostile(head: str = "", body: str = BODY, meta: str = META_DATE) -> dict:
    """read_html on a page with a meta date and BODY besides the hostile part; checked and timed."""
    t0 = time.perf_counter()
    rec = read_html(html(meta + head, body))
    assert time.perf_counter() - t0 < CEILING
    assert "harbour, the budget and the bridge" in (rec["text"] or "")
    assert rec["words"] >= 100
    return rec


def _meta_dated(rec: dict) -> None:
    assert rec["published_from"] == "meta"
    assert rec["published"] == datetime(2023, 4, 5, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "json_ld",
    [
        "[" * 100_000,
        "[" * 100_000 + "]" * 100_000,
        '{"@graph":' * 100_000 + "1" + "}" * 100_000,
        '{"@type":"NewsArticle","author":' + "[" * 900 + '"Jane Doe"' + "]" * 900 + "}",
    ],
    ids=["open-brackets", "closed-brackets", "graph-in-graph", "author-900-deep"],
)
def test_deeply_nested_json_ld_is_skipped_and_the_rest_kept(json_ld):
    _meta_dated(_hostile(_ld_block(json_ld)))


def test_a_sound_json_ld_block_beside_a_deep_one_is_read():
    good = '{"@type":"NewsArticle","datePublished":"2024-10-17T09:00:00+02:00"}'
    rec = _hostile(_ld_block("[" * 100_000) + _ld_block(good), meta="")
    assert rec["published_from"] == "json-ld"
    assert rec["published_local"] == datetime(2024, 10, 17, 9)


def test_deep_has_part_nesting_is_cut_and_the_article_object_kept():
    nested = '{"@type":"WebPage","hasPart":' * 5000 + "{}" + "}" * 5000
    ld = (
        '{"@graph":[{"@type":"NewsArticle","datePublished":"2024-10-17T09:00:00Z"},' + nested + "]}"
    )
    rec = _hostile(_ld_block(ld), meta="")
    assert rec["published_from"] == "json-ld"


@pytest.mark.parametrize(
    "value",
    [
        "2024-10-18T09:00:00+25:00",
        "2024-10-18T09:00:00+99:99",
        "2024-10-18 09:00:00 +2500",
        "0000-10-18",
        "2024-13-18",
        "2024-10-32T10:00:00Z",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-05:00",
    ],
)
def test_impossible_dates_are_not_dates(value):
    assert parse_value(value) is None
    for where in (
        _ld_block(f'{{"@type":"NewsArticle","datePublished":"{value}"}}'),
        f'<meta name="date" content="{value}">',
    ):
        _meta_dated(_hostile(where))


@pytest.mark.parametrize("number", ["1e400", "-1e400", "9" * 5000, "NaN"])
def test_huge_numbers_in_json_ld(number):
    _meta_dated(_hostile(_ld_block(f'{{"@type":"NewsArticle","datePublished":{number}}}')))


def test_five_megabyte_json_ld_block():
    ld = '{"@type":"NewsArticle","headline":"' + "x" * 5_000_000 + '"}'
    _meta_dated(_hostile(_ld_block(ld)))


def test_json_ld_with_many_objects():
    def block(n):
        things = ",".join(f'{{"@type":"Thing","name":"n{i}"}}' for i in range(n))
        return _ld_block('[{"@type":"Thing"},' * 3 + things + "]" * 3)

    article = _ld_block('{"@type":"NewsArticle","datePublished":"2024-10-17T09:00:00Z"}')
    assert _hostile(block(25_000) + article, meta="")["published_from"] == "json-ld"
    _meta_dated(_hostile(block(100_000)))  # 3 MB: over the block cap, skipped


@pytest.mark.parametrize("closed", [True, False])
def test_100000_nested_divs(closed):
    _meta_dated(_hostile(body="<div>" * 100_000 + BODY + ("</div>" * 100_000 if closed else "")))


def test_100000_meta_tags():
    metas = '<meta name="date" content="2024-13-45">' * 100_000  # 4 MB: the body was cut off
    _meta_dated(_hostile(metas))


def test_ten_megabyte_time_tag_and_attribute():
    big = "2" * 10_000_000
    _meta_dated(_hostile(body=f'<time class="published" datetime="{big}">x</time>' + BODY))
    _meta_dated(_hostile(body=f'<div class="{big}">' + BODY + "</div>"))


def test_one_megabyte_title():
    rec = _hostile("<title>" + "Talks " * 170_000 + "</title>")
    assert rec["title"].startswith("Talks Talks")


def _gzip_bomb(expanded: int) -> bytes:
    """gzip of ``expanded`` zero bytes, made in 1 MiB steps (about 1 KB per MiB)."""
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1 << 20)
    parts = [packer.compress(b"<html><body>")]
    parts += [packer.compress(chunk) for _ in range(expanded >> 20)]
    return b"".join(parts) + packer.flush()


def test_gzip_bomb_is_an_extraction_error():
    bomb = _gzip_bomb(200 << 20)
    assert len(bomb) < 1_000_000
    t0 = time.perf_counter()
    with pytest.raises(ddj.ExtractionError, match="expands past the size cap"):
        read_html(bomb)
    assert time.perf_counter() - t0 < CEILING
    with pytest.raises(ddj.ExtractionError, match="compressed but broken"):
        read_html(bomb[:5000])


def test_lone_surrogates_keep_the_text_after_them():
    rec = read_html(html(body="<p>Before \ud800 the break.</p>" + BODY + "<p>\udfff</p>"))
    assert "harbour" in rec["text"] and "\ud800" not in rec["text"]


def test_a_stray_nul_far_into_the_page_keeps_the_page():
    page = html(body=BODY * 30 + "\x00" + BODY)
    for data in (page, page.encode()):
        assert read_html(data)["words"] > 3000


@pytest.mark.parametrize(
    "head",
    [
        '<base href="javascript:alert(1)">',
        '<link rel="canonical" href="javascript:alert(1)"><meta property="og:url" content="http://[::1">',
    ],
)
def test_hostile_head_gives_a_record_without_its_url(head):
    rec = _hostile(head)
    assert rec["url"] is None


def test_a_charset_python_does_not_know():
    page = (
        f'<html><head><meta charset="x-evil">{META_DATE}<title>Caf\u00e9</title></head><body>{BODY}'
    )
    rec = read_html(page.encode("cp1252"))
    assert rec["title"] == "Caf\u00e9" and rec["words"] >= 100
    _meta_dated(rec)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "http://[::1", "data:text/html,x", 42])
def test_a_url_that_is_not_a_web_address_is_an_extraction_error(url):
    with pytest.raises(ddj.ExtractionError, match="url"):
        read_html(html(), url)


def test_a_100_kb_url_and_a_page_of_only_markup_characters():
    url = "https://x.example/" + "a" * 100_000
    rec = read_html(html("<title>Talks | Gazette | x.example</title>"), url)
    assert rec["url"] == url and rec["title"] == "Talks | Gazette"
    for page in ("<", "<" * 100_000):
        with pytest.raises(ddj.ExtractionError, match="no HTML markup"):
            read_html(page)


@pytest.mark.parametrize("element", ["<div></div>", "<br>", "<span>x</span>"])
def test_a_page_of_100000_elements_gives_its_visible_text(element):
    # trafilatura, newspaper4k and htmldate took over a minute on 100,000 empty divs
    rec = _hostile(body=element * 100_000 + BODY)
    _meta_dated(rec)


def test_many_headings_and_articles_are_linear():
    # lxml's "//h1//text()" and "//article//time" are quadratic in the number of them
    rec = _hostile(
        body="<h1>Talks open</h1><article><time datetime='x'>a</time></article>" * 30_000 + BODY
    )
    assert rec["title"] == "Talks open"
    _meta_dated(rec)


def test_countless_scripts_on_a_huge_page():
    # 100,000 small JSON-LD blocks (4.5 MB) pushed the article past the size cap; 400,000
    # unclosed '<script ' made the size pass quadratic (minutes)
    _meta_dated(_hostile(_ld_block("{}") * 100_000))
    _meta_dated(_hostile(body=BODY + "<script " * 400_000))


def test_countless_date_values_and_authors_are_bounded():
    # 20,000 sibling spans: lxml's drop_tag in the extractors is quadratic in siblings (9 s)
    spans = '<span itemprop="datePublished">Tuesday 2024 at the harbour</span>' * 20_000
    people = ",".join(f'{{"@type":"Person","name":"Jane Doe{i}"}}' for i in range(20_000))
    ld = _ld_block(f'{{"@type":"NewsArticle","author":[{people}]}}')
    rec = _hostile(ld, body=spans + BODY)
    _meta_dated(rec)
    assert 0 < len(rec["authors"]) <= 100


def test_a_page_over_the_size_cap_is_an_extraction_error():
    from ddj.limits import MAX_PAGE_BYTES

    page = html(body=BODY + "<p>" + "x" * MAX_PAGE_BYTES)
    for data in (page, page.encode()):
        with pytest.raises(ddj.ExtractionError, match="larger than the size cap"):
            read_html(data)


# -- issue 14: how sure a date is, and the cheap path ------------------------------------------


def test_shows_day_reads_the_forms_newsrooms_write():
    from datetime import date

    from ddj.extract.dates import shows_day

    day = date(2024, 10, 18)
    for written in (
        "2024-10-18", "2024/10/18", "18.10.2024", "18/10/24", "10/18/2024", "18 October 2024",
        "October 18, 2024", "Oct. 18 2024", "18. Oktober 2024", "le 18 octobre 2024",
        "18 de octubre de 2024", "18 ottobre 2024", "18 oktober 2024", "18 de outubro de 2024",
    ):  # fmt: skip
        assert shows_day(f"Published {written} at 09:30", day), written
    for other in ("2024-10-19", "118.10.2024", "18.10.20245", "© 2024", "18 October 2023", ""):
        assert not shows_day(f"Published {other}", day), other


def test_confidence_says_whether_the_page_shows_its_date():
    shown = '<p class="date">18 October 2024</p>'
    meta = '<meta property="article:published_time" content="2024-10-18T09:30:00+01:00">'
    body = "<p>" + "The council met and voted for the plan after a long debate. " * 8 + "</p>"
    high = read_html(html(f"<title>T</title>{meta}", shown + body), "https://x.example/a")
    low = read_html(html(f"<title>T</title>{meta}", body), "https://x.example/a")
    none = read_html(html("<title>T</title>", body), "https://x.example/a")
    assert (high["published_confidence"], high["published_from"]) == ("high", "meta")
    assert (low["published_confidence"], low["published_from"]) == ("low", "meta")
    assert low["published"] == high["published"]  # the date stays; only how sure it is differs
    assert (none["published"], none["published_confidence"]) == (None, None)


def test_htmldate_is_asked_only_where_it_can_change_the_date(monkeypatch):
    import ddj.extract.dates as dates

    asked = []
    monkeypatch.setattr(dates, "from_htmldate", lambda page, url: asked.append(url))
    meta = '<meta property="article:published_time" content="2024-10-18T09:30:00+01:00">'
    read_html(html(f"<title>T</title>{meta}", "<p>Text.</p>"), "https://x.example/2024/10/18/a")
    assert asked == []  # one structured date, the URL agrees: the estimate cannot change it
    read_html(html("<title>T</title>", "<p>Text.</p>"), "https://x.example/b")
    assert asked == ["https://x.example/b"]  # nothing else to go on
    read_html(html(f"<title>T</title>{meta}", "<p>Text.</p>"), "https://x.example/2019/01/02/c")
    assert asked[-1] == "https://x.example/2019/01/02/c"  # the URL disagrees: a witness is needed


def test_newspaper4k_is_asked_only_for_a_fragment(monkeypatch):
    import ddj.extract.body as extract  # where main_text looks them up

    asked = []
    real = extract._newspaper
    monkeypatch.setattr(extract, "_newspaper", lambda *a, **k: asked.append(a[1]) or real(*a, **k))
    story = "".join(
        f"<p>Paragraph {i} of the story says what the council decided, and why it matters.</p>"
        for i in range(12)
    )
    read_html(html("<title>T</title>", f"<article>{story}</article>"), "https://x.example/full")
    assert asked == []  # trafilatura kept the story
    monkeypatch.setattr(extract, "_trafilatura_text", lambda tree, url: "One line.")
    rec = read_html(
        html("<title>T</title>", f"<article>{story}</article>"), "https://x.example/cut"
    )
    assert asked == ["https://x.example/cut"]
    assert "Paragraph 11" in rec["text"]  # newspaper4k's longer text won


# -- time-zone abbreviations (dateutil's UnknownTimezoneWarning never reaches the user) ----------


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("2021-01-03T17:40:00EET", datetime(2021, 1, 3, 15, 40, tzinfo=UTC)),  # seen on a real page
        ("2020-09-25T16:02:50CDT", datetime(2020, 9, 25, 21, 2, 50, tzinfo=UTC)),  # and this
        ("Tue, 15 Sep 2020 06:01:41 EDT", datetime(2020, 9, 15, 10, 1, 41, tzinfo=UTC)),
        ("Oct 2, 2024 2:03 PM PDT", datetime(2024, 10, 2, 21, 3, tzinfo=UTC)),
        ("2 Oct 2024 14:03 CEST", datetime(2024, 10, 2, 12, 3, tzinfo=UTC)),
        ("2 Oct 2024 14:03 IST", datetime(2024, 10, 2, 8, 33, tzinfo=UTC)),  # India, documented
        ("2 Oct 2024 14:03 JST", datetime(2024, 10, 2, 5, 3, tzinfo=UTC)),
        ("2 Oct 2024 14:03 AEDT", datetime(2024, 10, 2, 3, 3, tzinfo=UTC)),
    ],
)
def test_zone_abbreviations_are_read(written, utc, recwarn):
    rec = read_html(html(_ld(written)), "https://news.example.org/a")
    assert rec["published"] == utc
    assert rec["published_from"] == "json-ld"
    assert not [w for w in recwarn if "tzname" in str(w.message)]


def test_an_unknown_zone_gives_way_to_another_signal(recwarn):
    meta = '<meta property="article:published_time" content="2024-10-02T14:03:00+05:00">'
    rec = read_html(html(_ld("2 Oct 2024 14:03 QQT") + meta), "https://news.example.org/a")
    assert rec["published"] == datetime(2024, 10, 2, 9, 3, tzinfo=UTC)
    assert rec["published_from"] == "meta"
    assert not [w for w in recwarn if "tzname" in str(w.message)]


# -- a page's address and its outlet (issue 23) ---------------------------------------------
_STORY = (
    "<article><p>" + "Words of a story about the harbour and the council. " * 20 + "</p></article>"
)


def _page(head: str, before: str = "") -> str:
    return f"{before}<html><head>{head}</head><body>{_STORY}</body></html>"


@pytest.mark.parametrize(
    ("before", "head", "url"),
    [
        # what Internet Explorer / Edge / Chrome's "save as" write
        ("<!-- saved from url=(0038)https://news.example/2024/10/story -->", "", "https://news.example/2024/10/story"),
        # SingleFile's header comment
        ("<!--\n Page saved with SingleFile \n url: https://news.example/a/b \n saved date: Mon Oct 21 2024\n-->", "", "https://news.example/a/b"),
        # a relative canonical gives way to the absolute og:url
        ("", '<link rel="canonical" href="/"><meta property="og:url" content="https://news.example/s/1">', "https://news.example/s/1"),
        # relative ones are read against the page's <base href>
        ("", '<base href="https://news.example/"><link rel="canonical" href="index.html">', "https://news.example/index.html"),
        # protocol-relative is https
        ("", '<meta property="og:url" content="//news.example/p/2">', "https://news.example/p/2"),
        # credentials and fragments are taken out (ddj.hostvalues.parse_url)
        ("", '<link rel="canonical" href="https://user:pw@news.example/c#top">', "https://news.example/c"),
        # an archived page's own address
        ("", '<link rel="canonical" href="https://web.archive.org/web/20200101000000/https://news.example/w">', "https://news.example/w"),
        # percent-encoded whole
        ("", '<meta property="og:url" content="https%3A%2F%2Fnews.example%2Fq">', "https://news.example/q"),
        # a path alone, with nothing to read it against, is no address
        ("", '<link rel="canonical" href="/"><meta property="og:url" content="index.html">', None),
        ("", '<link rel="canonical" href="javascript:alert(1)">', None),
    ],
)  # fmt: skip
def test_a_saved_pages_address_is_read_from_what_savers_write(before, head, url):
    rec = read_html(_page(head, before))
    assert rec["url"] == url
    assert rec["outlet"] == ("news.example" if url else None)


@pytest.mark.parametrize(
    ("url", "head", "outlet"),
    [
        # a section name in og:site_name is not the outlet
        ("https://www.reuters.com/world/us/x", '<meta property="og:site_name" content="U.S.">', "reuters.com"),
        ("https://www.latimes.com/a", '<meta property="og:site_name" content="Los Angeles Times">', "Los Angeles Times"),
        ("https://www.theverge.com/a", '<meta property="og:site_name" content="The Verge">', "The Verge"),
        ("https://www.sueddeutsche.de/a", '<meta property="og:site_name" content="Süddeutsche Zeitung">', "Süddeutsche Zeitung"),
        # a URL or host as a site name is no label: the registered domain is
        ("https://www.fr.de/a", '<meta property="og:site_name" content="https://www.fr.de">', "fr.de"),
        ("https://www.diariolibre.com/a", '<meta property="og:site_name" content="www.diariolibre.com">', "diariolibre.com"),
        # JSON-LD publisher first, when it names the domain's owner
        ("https://www.nytimes.com/a", '<meta property="og:site_name" content="NYT Cooking">'
         '<script type="application/ld+json">{"@type": "NewsArticle", "publisher": {"name": "The New York Times"}}</script>',
         "The New York Times"),
        # a wire named as publisher on a newspaper's page is not that newspaper
        ("https://www.sfgate.com/a", '<meta property="og:site_name" content="SFGATE">'
         '<script type="application/ld+json">{"@type": "NewsArticle", "publisher": {"name": "Associated Press"}}</script>',
         "SFGATE"),
    ],
)  # fmt: skip
def test_the_outlet_is_a_name_of_the_domains_owner_or_the_domain(url, head, outlet):
    assert read_html(_page(head), url)["outlet"] == outlet


def test_safe_read_html_gives_a_record_or_a_reason_never_an_exception(monkeypatch):
    record, reason = ddj.extract.safe_read_html(
        b"<html><title>T</title><p>Some body text.</p></html>"
    )
    assert record["title"] == "T" and reason is None
    record, reason = ddj.extract.safe_read_html(b"")
    assert record is None and reason

    def bug(html, url=None):
        raise ZeroDivisionError("a parser bug")

    monkeypatch.setattr(ddj.extract, "read_html", bug)
    assert ddj.extract.safe_read_html(b"<p>x</p>") == (
        None,
        "extraction failed (ZeroDivisionError: a parser bug)",
    )


def test_one_rule_for_multibyte_codecs_in_pages_and_tables(tmp_path):
    """Pages and tables trust a detector's CJK guess, never its UTF guess (they disagreed on UTF)."""
    from ddj.extract.encoding import legacy_multibyte

    cjk = ("gb2312", "big5", "euc-kr", "shift_jis", "cp932", "iso2022_jp")
    assert [legacy_multibyte(c) for c in cjk] == [True] * 6
    other = ("utf-8", "utf-16-be", "utf_32", "cp1252", "latin-1", "no-such-codec")
    assert [legacy_multibyte(c) for c in other] == [False] * 6
    # charset-normalizer calls these bytes UTF-16 (big-endian); page and table read windows-1252
    data = "café".encode("cp1252")
    assert decode(data) == "café"
    table = tmp_path / "t.csv"
    table.write_bytes(b"title,url,published\n" + data + b",https://a.example/1,2024-10-18\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ddj.load(table)["title"].tolist() == ["café"]


def test_a_chinese_page_in_utf16_without_a_byte_order_mark_is_read(tmp_path):
    """One UTF-16 rule for pages and tables; the page's asked for 90% NUL bytes at one parity,
    which Chinese text never has, and refused such a page as binary."""
    story = "香港立法會今日公布選舉結果，投票率創下新低。" * 40
    page = f"<html><head><title>選舉結果公布</title></head><body><p>{story}</p></body></html>"
    for codec in ("utf-16-le", "utf-16-be"):
        assert read_html(page.encode(codec))["title"] == "選舉結果公布"
    table = tmp_path / "t.csv"
    table.write_bytes(
        f"title,url,published\n{story[:30]},https://a.example/1,2024-10-18\n".encode("utf-16-le")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ddj.load(table)["title"].tolist() == [story[:30]]
    with pytest.raises(ddj.ExtractionError, match="binary"):
        read_html(bytes(range(256)) * 8)  # NUL bytes at both parities: still refused


@pytest.mark.parametrize(("day", "believed"), [("1992-03-04", True), ("1989-12-31", False)])
def test_one_earliest_date_for_pages_and_tables(day, believed):
    """A page's date and a table's date are believed from the same day on (date_parsing.EARLIEST)."""
    from ddj.date_parsing import EARLIEST, parse_dates

    assert datetime(1990, 1, 1, tzinfo=UTC) == EARLIEST
    head = f'<meta property="article:published_time" content="{day}T09:00:00Z">'
    rec = read_html(html(head), "https://www.gazette.example/archive/print-story")
    page = rec["published"]
    table = parse_dates([f"{day}T09:00:00Z"])
    if believed:  # a print story of 1992, on a site's archive page or in an archive's export
        assert page == datetime.fromisoformat(f"{day}T09:00:00+00:00")
        assert table.utc[0] == pd.Timestamp(f"{day}T09:00:00Z")
    else:
        assert page is None or page.year >= 1990
        assert table.utc.isna()[0] and "before 1990" in table.reasons[0]
