import warnings

import pandas as pd
import pytest

import ddj
from ddj.corpus import (
    COLUMNS,
    SCHEMA,
    conform,
    dedupe,
    empty,
)
from ddj.date_parsing import parse_dates, to_utc
from ddj.urls import normalize_url, registered_domain


def test_empty_has_schema():
    e = empty()
    assert list(e.columns) == COLUMNS
    assert {c: str(t) for c, t in e.dtypes.items()} == {
        c: str(pd.Series([], dtype=t).dtype) for c, t in SCHEMA.items()
    }


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://www.Example.com/a/?utm_source=x&utm_medium=y#top", "http://example.com/a"),
        ("https://example.com/a?id=3&fbclid=abc", "https://example.com/a?id=3"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
    ],
)
def test_normalize_url_same_article(a, b):
    assert normalize_url(a) == normalize_url(b)


def test_normalize_url_keeps_distinct_articles_apart():
    assert normalize_url("https://example.com/a?id=3") != normalize_url(
        "https://example.com/a?id=4"
    )
    assert normalize_url("https://example.com/a") != normalize_url("https://other.example/a")
    assert normalize_url(None) == "" and normalize_url("  ") == ""


def test_registered_domain_offline():
    assert registered_domain("https://news.bbc.co.uk/world") == "bbc.co.uk"
    assert registered_domain("https://www.scmp.com/news") == "scmp.com"
    assert registered_domain(None) == ""


def test_to_utc_zones_and_day_only():
    s = to_utc(
        pd.Series(
            ["2024-10-18T23:30:00+08:00", "2024-10-18", "2024-10-18 09:00", "not a date", None]
        )
    )
    assert str(s.dtype) == "datetime64[us, UTC]"
    assert s[0] == pd.Timestamp("2024-10-18T15:30Z")
    assert s[1] == pd.Timestamp("2024-10-18T12:00Z")  # a bare day sits at noon UTC
    assert s[2] == pd.Timestamp("2024-10-18T09:00Z")  # naive times are UTC
    assert s[3:].isna().all()


def test_conform_fills_and_types_without_mutating():
    raw = pd.DataFrame(
        {
            "url": ["https://a.example/1", "https://a.example/2"],
            "published": ["2024-01-02", None],
            "text": ["one two three", None],
            "authors": [["Jane Doe", "John Roe"], None],
            "extra": [1, 2],
        }
    )
    before = raw.copy(deep=True)
    c = conform(raw)
    pd.testing.assert_frame_equal(raw, before)
    assert list(c.columns) == COLUMNS
    assert c["words"].tolist() == [3, pd.NA]
    assert c["published_from"].tolist() == ["table", "none"]
    assert c["authors"].iloc[0] == "Jane Doe; John Roe"
    assert c["id"].str.len().eq(16).all() and c["id"].nunique() == 2


def test_conform_needs_url_or_text():
    with pytest.raises(ddj.SchemaError, match="'url'"):
        conform(pd.DataFrame({"headline": ["x"]}))


def test_dedupe_keeps_dated_copy_and_reports():
    c = conform(
        [
            {"url": "https://www.a.example/x?utm_source=tw", "source": "p1.html"},
            {"url": "http://a.example/x", "published": "2024-01-01", "source": "p2.html"},
            {"url": "https://a.example/y", "published": "2024-01-01", "source": "p3.html"},
            {"text": "no url", "source": "p4.html"},
            {"text": "no url", "source": "p5.html"},
        ]
    )
    with pytest.warns(ddj.DroppedRowsWarning, match="Dropped 1 duplicate") as rec:
        d = dedupe(c)
    assert d["source"].tolist() == ["p2.html", "p3.html", "p4.html", "p5.html"]
    assert rec[0].message.report[0]["source"] == "p1.html"
    assert ddj.problems(d)["source"].tolist() == ["p1.html"]
    assert len(c) == 5  # input untouched


def test_dedupe_without_duplicates_is_silent():
    c = conform([{"url": "https://a.example/1"}, {"url": "https://a.example/2"}])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(dedupe(c)) == 2


def test_parse_dates_keeps_the_stated_clock_and_says_why_it_refuses():
    now = pd.Timestamp("2024-10-20T08:00Z")
    p = parse_dates(
        pd.Series(
            [
                "Fri, 18 Oct 2024 09:00:00 +0100",
                "2024-10-18T09:00:00-05:30",
                "1729242000",
                "2024-10-22",  # after tomorrow, seen from `now`
                "2024-10-21T23:00:00Z",  # tomorrow: plausible
                "18 Oct",  # no year: not guessed
            ]
        ),
        now=now,
    )
    assert p.utc.tolist()[:3] == [
        pd.Timestamp("2024-10-18T08:00Z"),
        pd.Timestamp("2024-10-18T14:30Z"),
        pd.Timestamp("2024-10-18T09:00Z"),
    ]
    assert p.local.tolist()[:2] == [
        pd.Timestamp("2024-10-18T09:00"),
        pd.Timestamp("2024-10-18T09:00"),
    ]
    assert p.utc.isna().tolist() == [False, False, False, True, False, True]
    assert p.reasons.tolist()[3] == "implausible date '2024-10-22' (before 1990 or after tomorrow)"
    assert p.reasons.tolist()[5] == "unparseable date '18 Oct'"


def test_datetime_columns_are_checked_for_plausibility_too():
    s = pd.Series(pd.to_datetime(["2024-01-01T10:00Z", "1970-01-01T00:00Z"]))
    assert to_utc(s).isna().tolist() == [False, True]


def test_conform_repairs_lone_surrogates_and_strips_credentials_with_a_warning():
    """Text no file can hold, and passwords in URLs, never reach the corpus; both are counted."""
    from ddj.errors import DdjWarning

    frame = pd.DataFrame(
        {
            "url": ["https://me:secret@news.example.org/a", "https://news.example.org/b@c"],
            "title": ["broken \ud800 title", "fine"],
            "text": ["one", "two"],
        },
        dtype=object,
    )
    with pytest.warns(DdjWarning) as caught:
        corpus = conform(frame)
    assert list(corpus["url"]) == ["https://news.example.org/a", "https://news.example.org/b@c"]
    assert list(corpus["title"]) == ["broken \ufffd title", "fine"]
    messages = " ".join(str(w.message) for w in caught)
    assert "1 text cell(s) held lone surrogates" in messages
    assert "user:password part of 1 URL(s)" in messages
    assert "secret" not in corpus.to_csv()


# -- page_type and published_confidence (issue 14) --------------------------------------------


def test_the_new_columns_come_last():
    assert COLUMNS[-2:] == ["page_type", "published_confidence"]
    assert COLUMNS.index("source") == 12  # the columns before keep their places


def test_conform_fills_page_type_and_derives_confidence_from_the_date_signal():
    signals = ["json-ld", "meta", "feed", "table", "time-tag", "url", "htmldate"]
    # written out by hand: the page's or source's own statement is high, a tag or URL medium
    expected = ["high", "high", "high", "high", "medium", "medium", "low"]
    rows = [
        {"url": f"https://news.example.org/{i}", "published": "2024-10-18", "published_from": s}
        for i, s in enumerate(signals)
    ]
    rows.append({"url": "https://news.example.org/undated"})
    c = conform(rows)
    assert c["page_type"].tolist() == ["article"] * 8
    assert c["published_confidence"].tolist()[:7] == expected
    assert pd.isna(c["published_confidence"].iat[7])  # no date, no confidence
    assert str(c["page_type"].dtype) == str(c["published_confidence"].dtype) == "str"


def test_conform_keeps_given_values_and_drops_a_confidence_without_a_date():
    c = conform(
        [
            {"url": "u1", "page_type": " Paywall ", "published": "2024-10-18",
             "published_from": "json-ld", "published_confidence": "LOW"},
            {"url": "u2", "page_type": "index", "published_confidence": "high"},
        ]
    )  # fmt: skip
    assert c["page_type"].tolist() == ["paywall", "index"]
    assert c["published_confidence"].iat[0] == "low"
    assert pd.isna(c["published_confidence"].iat[1])


def test_unknown_values_are_counted_and_read_as_the_default():
    with pytest.warns(ddj.DdjWarning, match=r"2 row\(s\) have a page_type .*'homepage'"):
        c = conform(
            [
                {"url": "u1", "page_type": "homepage"},
                {"url": "u2", "page_type": "homepage"},
                {"url": "u3", "page_type": "error"},
            ]
        )
    assert c["page_type"].tolist() == ["article", "article", "error"]
    with pytest.warns(ddj.DdjWarning, match=r"1 row\(s\) have a published_confidence .*'sure'"):
        c = conform(
            [{"url": "u1", "published": "2024-10-18", "published_from": "url",
              "published_confidence": "sure"}]
        )  # fmt: skip
    assert c["published_confidence"].tolist() == ["medium"]


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_a_corpus_saved_before_the_new_columns_still_loads(tmp_path, suffix):
    c = conform(
        [
            {"url": "https://news.example.org/a", "title": "A", "published": "2024-10-18T09:00:00Z",
             "published_from": "htmldate", "text": "Some text."},
            {"url": "https://news.example.org/b", "title": "B", "text": "More text."},
        ]
    )  # fmt: skip
    old = c.drop(columns=["page_type", "published_confidence"])
    path = tmp_path / f"old{suffix}"
    if suffix == ".parquet":
        old.to_parquet(path, index=False)
    elif suffix == ".csv":
        old.to_csv(path, index=False)
    else:
        old.to_json(path, orient="records", lines=True, date_format="iso")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ddj.DroppedRowsWarning)  # the undated row
        back = ddj.load(path)
    assert list(back.columns) == COLUMNS
    assert back["page_type"].tolist() == ["article", "article"]
    assert back["published_confidence"].iat[0] == "low"
    assert pd.isna(back["published_confidence"].iat[1])
    assert back["title"].tolist() == ["A", "B"] and back["published_from"].iat[0] == "htmldate"


def test_a_saved_corpus_keeps_its_page_types(tmp_path):
    c = conform(
        [{"url": "https://news.example.org/a", "page_type": "paywall", "published": "2024-10-18",
          "published_from": "json-ld", "published_confidence": "medium"}]
    )  # fmt: skip
    back = ddj.load(ddj.save(c, tmp_path / "c.parquet"))
    assert back["page_type"].tolist() == ["paywall"]
    assert back["published_confidence"].tolist() == ["medium"]


def test_problems_lists_the_pages_that_are_not_articles():
    c = conform(
        [
            {"url": "https://news.example.org/a", "source": "a.html"},
            {"url": "https://news.example.org/b", "source": "b.html", "page_type": "paywall"},
            {"url": "https://news.example.org/c", "page_type": "blocked"},
        ]
    )
    c.attrs["ddj_problems"] = [{"source": "x.html", "reason": "not a web page"}]
    p = ddj.problems(c)
    assert p.columns.tolist() == ["source", "reason", "kind", "id", "url"]
    assert p[["source", "reason", "kind"]].to_dict("records") == [
        {"source": "x.html", "reason": "not a web page", "kind": "unreadable"},  # no kind: old
        {"source": "b.html", "reason": "not an article: paywall", "kind": "not-an-article"},
        {"source": "https://news.example.org/c", "reason": "not an article: blocked",
         "kind": "not-an-article"},
    ]  # fmt: skip
    assert p["url"].tolist()[1:] == ["https://news.example.org/b", "https://news.example.org/c"]
    assert p["id"].tolist()[1:] == c["id"].tolist()[1:]


def test_dedupe_keeps_the_article_over_a_teaser_of_the_same_url():
    c = conform(
        [
            {"url": "https://news.example.org/a", "title": "Teaser", "page_type": "paywall",
             "published": "2024-10-18"},
            {"url": "https://news.example.org/a?utm_source=x", "title": "Full", "published": None},
            {"url": "https://news.example.org/a", "title": "Full, dated", "published": "2024-10-18"},
        ]
    )  # fmt: skip
    with pytest.warns(ddj.DroppedRowsWarning, match="2 duplicate"):
        kept = dedupe(c)
    assert kept["title"].tolist() == ["Full, dated"]
