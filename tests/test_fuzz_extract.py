"""Property tests: ``read_html`` returns a sane record or raises ExtractionError, nothing else.

Arbitrary bytes, arbitrary text and pages assembled from random tags,
attributes, JSON-LD fragments and meta dates (bounded sizes, a fixed number of
examples: see tests/conftest.py). ``dates.parse_value`` never raises.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ddj.date_parsing import EARLIEST  # noqa: E402
from ddj.errors import ExtractionError  # noqa: E402
from ddj.extract import RECORD_KEYS, read_html  # noqa: E402
from ddj.extract.dates import parse_value  # noqa: E402

#: read_html is ~30-70 ms a page; DDJ_FUZZ_EXAMPLES raises the count for a longer local hunt.
EXAMPLES = settings(max_examples=int(os.environ.get("DDJ_FUZZ_EXAMPLES", "40")))


def _read(page: str | bytes, url: str | None = None) -> dict | None:
    """read_html's record, None for an ExtractionError; any other exception fails the test."""
    try:
        return read_html(page, url)
    except ExtractionError as exc:
        assert str(exc)  # a message that says what is wrong
        return None


def _check(rec: dict | None) -> None:
    if rec is None:
        return
    assert set(rec) == set(RECORD_KEYS)
    published = rec["published"]
    if published is not None:
        assert published.tzinfo is not None and published.utcoffset() == timedelta(0)
        assert EARLIEST <= published <= datetime.now(UTC) + timedelta(days=2)
        assert rec["published_local"] is not None and rec["published_local"].tzinfo is None
    for key in ("text", "title", "description", "outlet", "language", "url"):
        assert rec[key] is None or (isinstance(rec[key], str) and rec[key])
    assert isinstance(rec["authors"], list) and all(isinstance(a, str) for a in rec["authors"])
    assert isinstance(rec["words"], int) and rec["words"] == len((rec["text"] or "").split())
    assert isinstance(rec["published_from"], str)
    if rec["text"]:
        rec["text"].encode("utf-8")  # no lone surrogates: the record can be saved


@EXAMPLES
@given(st.binary(max_size=5000))
def test_arbitrary_bytes(data):
    _check(_read(data))


_ANY_CHAR = st.characters(exclude_categories=())  # lone surrogates and control characters too


@EXAMPLES
@given(st.text(_ANY_CHAR, max_size=5000))
def test_arbitrary_text(text):
    _check(_read(text))
    _check(_read("<html><body><p>" + text))


@EXAMPLES
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_inside_markup(data):
    _check(_read(b"<html><head><meta charset='x-evil'></head><body><p>" + data))


_DATES = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
        datetime.isoformat
    ),
    st.builds(
        "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:00{}{:02d}:{:02d}".format,
        st.integers(0, 9999),
        st.integers(0, 99),
        st.integers(0, 99),
        st.integers(0, 99),
        st.integers(0, 99),
        st.sampled_from("+-"),
        st.integers(0, 99),
        st.integers(0, 99),
    ),  # fmt: skip
    st.text(max_size=40),
)
_WORDS = st.text(st.characters(codec="utf-8"), max_size=60)
_JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | _WORDS | _DATES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_WORDS, inner, max_size=4),
    max_leaves=20,
)


def _json_ld(value) -> str:
    import json

    return f'<script type="application/ld+json">{json.dumps(value)}</script>'


def _json_ld_text(text: str) -> str:
    return f'<script type="application/ld+json">{text}</script>'


_ATTRIBUTE = st.builds(
    '{}="{}"'.format,
    st.sampled_from(["class", "id", "datetime", "content", "name", "property", "href", "lang"]),
    _WORDS,
)
_FRAGMENT = st.one_of(
    _WORDS,
    st.builds(
        "<{0} {1}>{2}</{0}>".format,
        st.sampled_from(["p", "div", "h1", "time", "article", "span", "a", "title", "script"]),
        _ATTRIBUTE,
        _WORDS,
    ),
    st.builds('<meta property="article:published_time" content="{}">'.format, _DATES),
    st.builds('<meta name="{}" content="{}">'.format, _WORDS, _WORDS),
    st.builds('<time datetime="{}" class="published">x</time>'.format, _DATES),
    st.builds(
        _json_ld,
        st.fixed_dictionaries(
            {"@type": st.just("NewsArticle")},
            optional={
                "datePublished": _DATES | _JSON,
                "headline": _JSON,
                "author": _JSON,
                "@graph": _JSON,
                "url": _WORDS,
            },
        ),
    ),  # fmt: skip
    st.builds(_json_ld, _JSON),
    st.sampled_from(
        ["<", ">", "<!--", "]]>", "<![CDATA[", "</div>", "<div>" * 300, "\x00", "\ud800"]
    ),
    st.builds(_json_ld_text, st.sampled_from(["[" * 3000, '{"@graph":' * 3000 + "1" + "}" * 3000])),
)


@EXAMPLES
@given(st.lists(_FRAGMENT, max_size=25), st.none() | st.sampled_from(["", "https://x.example/a"]))
def test_assembled_pages(fragments, url):
    page = "<html><head>" + "".join(fragments[:5]) + "</head><body>" + "".join(fragments[5:])
    _check(_read(page, url))
    _check(_read(page.encode("utf-8", "replace"), url))


@settings(max_examples=300)
@given(_DATES | st.text(max_size=70))
def test_parse_value_never_raises(value):
    found = parse_value(value)
    if found is not None:
        dt, day_only = found
        assert dt.tzinfo is not None and isinstance(day_only, bool)
        dt.astimezone(UTC)
