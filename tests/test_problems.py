"""Problems as records: each has a kind from a closed vocabulary; readers use the kind, not the words."""

import warnings

import pandas as pd
import pytest

import ddj
from ddj import display
from ddj.constants import PROBLEMS_ATTR
from ddj.corpus import conform, dedupe
from ddj.problem_rows import KINDS, counts, frame, problem
from ddj.tables import read_table
from ddj.warns import undated as undated_warning


def _table(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "url,published,title\n"
        "https://a.example/1,2024-10-18,One\n"
        "https://a.example/2,,Two\n"
        "https://a.example/3,soon,Three\n"
        "https://a.example/4,9999-01-01,Four\n"
        "https://a.example/5,2024-01-01 12:00 XYZT,Five\n"
        "https://a.example/6,2024-10-19,Six,extra\n",
        encoding="utf-8",
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = read_table(path)
    return table, [str(w.message) for w in caught]


def test_each_problem_of_a_table_has_its_kind_and_article(tmp_path):
    table, _ = _table(tmp_path)
    p = ddj.problems(table)
    assert p.columns.tolist() == ["source", "reason", "kind", "id", "url"]
    assert p["kind"].tolist() == [
        "unreadable",  # the row with a field too many
        "undated",
        "bad-date",
        "implausible-date",
        "unknown-timezone",
    ]
    assert p["url"].tolist()[1:] == [f"https://a.example/{n}" for n in (2, 3, 4, 5)]
    assert p.loc[p["kind"] == "undated", "id"].tolist() == table.loc[[1], "id"].tolist()


def test_the_undated_warning_counts_by_kind(tmp_path):
    _, said = _table(tmp_path)
    undated = next(m for m in said if "have no publication date" in m)
    assert "(1 with none, 1 unparseable, 1 implausible, 1 in a time zone ddj does not know)" in (
        undated
    )
    # the kind, not the first word of the reason, picks the words
    rows = [problem("bad-date", "t#row=1", "no way to read 'x'")]
    assert "(1 unparseable)" in str(undated_warning(rows, 3))


def test_dedupe_records_the_duplicate_with_its_id_and_url():
    c = conform(
        [
            {"url": "https://a.example/x", "source": "a.html"},
            {"url": "https://www.a.example/x?utm_source=y", "source": "b.html"},
        ]
    )
    with pytest.warns(ddj.DroppedRowsWarning, match="1 duplicate"):
        kept = dedupe(c)
    p = ddj.problems(kept)
    assert p[["source", "kind", "url"]].to_dict("records") == [
        {"source": "b.html", "kind": "duplicate", "url": "https://www.a.example/x?utm_source=y"}
    ]
    assert p["id"].tolist() == [c["id"].iat[1]]


def test_about_groups_problems_by_kind_never_by_phrase():
    c = conform([{"url": "https://a.example/1", "published": "2024-10-18"}])
    c.attrs[PROBLEMS_ATTR] = [
        # words that name another group: the kind decides
        problem("unreadable", "x.html", "duplicate of https://a.example/1 (said the page)"),
        problem("duplicate", "y.html", "same story as x"),
        problem("duplicate", "z.html", "same story again"),
        problem("outside-window", "w.html", "no date problem here"),
    ]
    text = display.about(c).text
    assert "1 could not be read" in text
    assert "2 duplicates dropped" in text
    assert "1 outside the collection window" in text
    assert "without a usable date" not in text


def test_problem_refuses_a_kind_outside_the_vocabulary_and_old_rows_read_as_unreadable():
    with pytest.raises(ValueError, match="not a kind of problem"):
        problem("odd", "a", "b")
    old = frame([{"source": "a.html", "reason": "no article"}])
    assert old["kind"].tolist() == ["unreadable"]
    assert counts(old) == {"unreadable": 1}
    assert set(counts([problem(k, "s", "r") for k in KINDS])) == set(KINDS)


def test_store_problems_keep_their_kinds(tmp_path):
    c = conform(
        [
            {"url": "https://a.example/1", "published": "2024-10-18", "source": "a"},
            {"url": "https://a.example/2", "source": "b", "page_type": "paywall"},
        ]
    )
    c.attrs[PROBLEMS_ATTR] = [problem("undated", "b", "no publication date found")]
    folder = ddj.save(c, tmp_path / "store", append=True)
    got = ddj.problems(ddj.open(folder))
    pd.testing.assert_frame_equal(got, ddj.problems(c))
    assert got["kind"].tolist() == ["undated", "not-an-article"]
