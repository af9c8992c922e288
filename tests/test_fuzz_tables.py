"""Property tests of the table loaders: what ddj.save writes, ddj.load reads back identical;
broken lines and bytes never raise anything but a ddj error and never cost the good rows."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import ddj

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# Any text, with what breaks naive writers and readers mixed in on purpose.
NASTY = st.sampled_from(
    [",", ";", "\t", '"', "'", "\n", "\r\n", "\r", "=", "=SUM(A1)", "+1", "-", "@", "\\", "NaN",
     "null", "None", "", " ", "\x00", "\u2028", "\ufeff", "香港", "é", "🙂", "#row=1"]
)  # fmt: skip
TEXT = st.lists(st.one_of(st.text(max_size=12), NASTY), max_size=6).map("".join)
DATE = st.one_of(
    st.datetimes(
        min_value=pd.Timestamp("1990-01-02").to_pydatetime(),
        max_value=pd.Timestamp("2025-12-31").to_pydatetime(),
    ).map(lambda d: d.isoformat() + "Z"),
    st.dates(min_value=pd.Timestamp("1990-01-02").date()).map(lambda d: d.strftime("%d/%m/%Y")),
    TEXT,
)
ROW = st.fixed_dictionaries(
    {"url": TEXT, "date": DATE, "title": TEXT, "text": TEXT, "outlet": TEXT, "authors": TEXT}
)


def _share(part: int) -> int:
    """``part``/60 of the profile's example count (DDJ_FUZZ_EXAMPLES scales every test)."""
    return max(5, settings.default.max_examples * part // 60)


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.mark.parametrize("name", ["c.csv", "c.jsonl", "c.parquet"])
@settings(max_examples=_share(25))  # each example loads twice: the file stays under ~30 s
@given(rows=st.lists(ROW, min_size=1, max_size=6))
def test_saved_corpus_loads_back_identical(tmp_path_factory, name, rows):
    corpus = _quiet(ddj.load, pd.DataFrame(rows), dedupe=False)
    path = ddj.save(corpus, tmp_path_factory.mktemp("save") / name)
    back = _quiet(ddj.load, path, dedupe=False)
    pd.testing.assert_frame_equal(back, corpus)


GOOD = [(f"https://a.example/{i}", f"2024-01-{i + 1:02d}", f"Title {i}") for i in range(5)]
JUNK_LINE = st.text(
    alphabet=st.characters(blacklist_characters='\n\r"', blacklist_categories=("Cs",)), max_size=40
) | st.lists(st.sampled_from([",", "x", "1", ";", "\t", "=", " "]), max_size=12).map("".join)


@settings(max_examples=_share(40))
@given(junk=st.lists(st.tuples(st.integers(0, len(GOOD)), JUNK_LINE), max_size=6))
def test_junk_lines_in_a_csv_never_cost_the_good_rows(tmp_path_factory, junk):
    lines = [",".join(r) for r in GOOD]
    for at, line in sorted(junk, key=lambda j: -j[0]):
        lines.insert(at, line)
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_text("url,date,title\n" + "\n".join(lines) + "\n", encoding="utf-8")
    corpus = _quiet(ddj.load, path, dedupe=False)
    got = set(zip(corpus["url"], corpus["title"], strict=True))
    assert {(u, t) for u, _, t in GOOD} <= got
    assert ddj.problems(corpus)["source"].str.startswith(str(path)).all()


@settings(max_examples=_share(40))
@given(junk=st.lists(st.tuples(st.integers(0, len(GOOD)), JUNK_LINE), max_size=6))
def test_junk_lines_in_jsonl_are_skipped_and_counted(tmp_path_factory, junk):
    lines = [json.dumps({"url": u, "date": d, "title": t}) for u, d, t in GOOD]
    for at, line in sorted(junk, key=lambda j: -j[0]):
        lines.insert(at, line)
    path = tmp_path_factory.mktemp("jsonl") / "t.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus = _quiet(ddj.load, path, dedupe=False)
    assert {(u, t) for u, _, t in GOOD} <= set(zip(corpus["url"], corpus["title"], strict=True))
    bad = ddj.problems(corpus)
    bad = bad[bad["reason"].str.contains("the line is skipped")]
    nonblank = sum(1 for line in lines if line.strip())
    assert len(corpus) + len(bad) == nonblank
    assert bad["reason"].str.match(r"line \d+: ").all()


@pytest.mark.parametrize("kind", ["csv", "jsonl", "json", "tsv"])
@settings(max_examples=_share(25))
@given(
    data=st.binary(max_size=400)
    | st.builds(bytes.__add__, st.just(b"url,date\n"), st.binary(max_size=300))
)
def test_arbitrary_bytes_raise_only_ddj_errors(tmp_path_factory, kind, data):
    path = tmp_path_factory.mktemp("bytes") / f"t.{kind}"
    path.write_bytes(data)
    try:
        corpus = _quiet(ddj.load, path)
    except ddj.DdjError:
        return
    assert list(corpus.columns) == ddj.corpus.COLUMNS


@settings(max_examples=_share(20), deadline=None)
@given(
    st.datetimes(
        min_value=pd.Timestamp("1990-01-02").to_pydatetime(),
        max_value=pd.Timestamp("2025-12-31").to_pydatetime(),
    ),
    st.integers(min_value=-12 * 4, max_value=14 * 4),
    st.sampled_from(["%Y%m%dT%H%M%S", "%Y%m%d%H%M%S", "%Y%m%d %H%M%S", "%Y%m%dT%H%M"]),
)
def test_compact_iso_8601_is_the_instant_it_says(moment, quarters, form):
    """ISO 8601 basic format (GDELT's seendate), any offset: the instant pandas reads with the format."""
    minutes = quarters * 15
    sign = "+" if minutes >= 0 else "-"
    offset = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    written = moment.strftime(form) + (offset if minutes else "Z")
    expected = pd.to_datetime(written.replace("Z", "+0000"), format=form + "%z", utc=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an implausible date (after tomorrow) is its own test
        got = ddj.date_parsing.parse_dates([written]).utc.iloc[0]
    assert got == expected
