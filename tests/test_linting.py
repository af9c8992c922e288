"""Query lint: what a query does that its writer may not have meant, said before counting."""

from __future__ import annotations

import warnings

import pytest

import ddj
from ddj import jobs
from ddj.cli import main
from ddj.linting import QueryLintWarning, lint
from ddj.matching import resolve


def _codes(query, corpus=None, **kw):
    return [f.code for f in lint(query, corpus, **kw)]


@pytest.fixture(scope="module")
def corpus():
    rows = [
        {"url": f"https://a.example/{i}", "title": "Ransomware gang", "text": text}
        for i, text in enumerate(
            ["Cybersecurity firms warn of cyberattacks."] * 3
            + ["Cyberspace treaty; cyberwar and cybercrime talks."] * 2
            + ["Football results."] * 5
        )
    ]
    return ddj.corpus.conform(rows)


@pytest.mark.parametrize(
    ("query", "code", "fixed"),
    [
        ("\u201cHong Kong\u201d OR Taiwan", "curly-quotes", '"Hong Kong" OR Taiwan'),
        ("\u00abHong Kong\u00bb", "curly-quotes", '"Hong Kong"'),
        ("\u2018Jimmy Lai\u2019 trial", "curly-quotes", '"Jimmy Lai" trial'),
        ('"Hong Kong" or Taiwan', "lower-operator", '"Hong Kong" OR Taiwan'),
        ("china and Not taiwan", "lower-operator", "china AND NOT taiwan"),
    ],
)
def test_how_a_query_is_written_is_flagged_with_a_fix(query, code, fixed):
    found = [f for f in lint(query) if f.code == code]
    assert len(found) == 1 and found[0].fixed == fixed
    assert code not in _codes(fixed)  # the fix is clean of what it fixes


def test_what_is_meant_is_not_flagged():
    for query in (
        '"Hong Kong" OR "Jimmy Lai"',
        "Xi\u2019s visit",  # an apostrophe, not a quotation mark
        '"rock and roll" OR "war or peace"',  # lower-case words inside a phrase
        "cyber* -football",
        "hong_kong",  # a shipped topic
        'title:"jimmy lai"',
    ):
        assert lint(query) == [], query


def test_a_query_that_is_not_is_flagged():
    assert _codes("NOT football") == ["leading-not"]
    assert _codes("-football") == ["leading-not"]
    only = lint("china OR NOT taiwan")
    assert [f.code for f in only] == ["leading-not"] and "without taiwan" in only[0].message
    assert _codes("china NOT taiwan") == []  # a AND NOT b is what was meant


def test_a_media_cloud_query_pasted_as_it_is():
    found = lint('article_title:"hong kong" AND language:en AND media_id:1')
    assert [f.code for f in found] == ["mediacloud"] * 3
    assert "Use title:" in str(found[0]) and "outlets=" in str(found[2])
    # phrases side by side: OR in Media Cloud, AND here
    side = lint('"hong kong" "jimmy lai"')
    assert [f.code for f in side] == ["mediacloud"] and "OR by default" in side[0].message
    assert _codes("cyber attack") == []  # two words side by side: AND, as written


def test_a_query_ddj_cannot_read_is_one_finding_not_an_error():
    assert _codes('"hong kong') == ["syntax"]
    assert "position" in lint('"hong kong')[0].message
    deep = "(" * 500 + "a" + ")" * 500  # bounded: the parser's depth limit, not a recursion error
    assert _codes(deep) == ["syntax"]
    long = " OR ".join(f"w{i}" for i in range(30_000))
    assert _codes(long) == ["syntax"]


def test_terms_that_match_nothing_in_the_corpus(corpus):
    found = lint('cybersecurity OR "salt typhon" OR ransomwear', corpus)
    assert [f.code for f in found] == ["no-match"]
    assert dict(found[0].words) == {'"salt typhon"': 0, "ransomwear": 0}
    assert _codes("cybersecurity OR ransomware", corpus) == []
    negated = lint("cybersecurity NOT footbal", corpus)
    assert negated[0].message == "NOT footbal excludes nothing: no article has it."


def test_the_terms_are_counted_on_a_store_as_on_the_frame(corpus, tmp_path):
    store = ddj.open(ddj.save(corpus, tmp_path / "store", append=True), batch_size=3)
    query = 'cyber* OR "salt typhon" OR football'
    assert lint(query, store, wildcard_limit=3) == lint(query, corpus, wildcard_limit=3)


def test_a_wildcard_that_matches_many_words(corpus):
    found = [f for f in lint("cyber*", corpus, wildcard_limit=3) if f.code == "broad-wildcard"]
    assert len(found) == 1
    words = dict(found[0].words)
    # counted by article, folded: cybersecurity and cyberattacks in 3, the others in 2
    assert words == {
        "cybersecurity": 3,
        "cyberattacks": 3,
        "cyberspace": 2,
        "cyberwar": 2,
        "cybercrime": 2,
    }
    assert "5 different words" in found[0].message
    assert _codes("cyber*", corpus, wildcard_limit=6) == []


def test_the_coverage_job_shows_findings_before_counting(corpus):
    chosen = resolve(["query:cybersecurity OR salt-typhoon", "query:\u201cHong Kong\u201d"])
    with pytest.warns(QueryLintWarning) as caught:
        found = jobs.lint_topics(chosen, corpus)
    assert [[f.code for f in fs] for fs in found] == [["no-match"], ["curly-quotes", "no-match"]]
    assert len(caught) == 2 and "\u201cHong Kong\u201d" in str(caught[1].message)
    # a topics file's topic is checked for how it is written only, not against the corpus
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert jobs.lint_topics(resolve(["hong_kong"]), corpus) == [[]]


def test_ddj_lint_prints_findings_and_exits_1(corpus, tmp_path, capsys):
    path = ddj.save(corpus, tmp_path / "corpus.parquet")
    assert (
        main(["lint", str(path), "-t", 'query:cyber* OR "salt typhon"', "--wildcard-limit", "5"])
        == 1
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith(": 2 finding(s)")
    assert out[1].startswith('  no-match: No article of the corpus has "salt typhon".')
    assert out[2].startswith("  broad-wildcard: cyber* matches 5 different words")
    assert main(["lint", str(path), "-t", "query:cybersecurity"]) == 0
    assert capsys.readouterr().out.strip() == "cybersecurity: ok"
