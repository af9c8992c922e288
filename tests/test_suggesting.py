"""ddj.suggest: terms a topic's matches use far more than chance, each with what it would change."""

from __future__ import annotations

import math
import random

import pytest
from scipy.stats import chi2_contingency

import ddj
from ddj import scan, suggesting
from ddj.cli import main
from ddj.suggesting import g_squared, suggest

TOPIC = '"hong kong"'


@pytest.fixture(scope="module")
def corpus():
    """Generated: matches talk of protests and Victoria Park; some others do too; the rest is filler."""
    rng = random.Random(7)
    filler = ["weather", "football", "markets", "budget", "council", "school", "traffic", "music"]
    rows = []
    for i in range(300):
        words = rng.sample(filler, 4)
        if i % 5 == 0:  # a match: the topic, often with its own words
            words += ["Hong", "Kong"] + (["protest", "rally"] if rng.random() < 0.8 else [])
            words += ["Victoria", "Park"] if rng.random() < 0.5 else []
        elif i % 17 == 0:  # an article the query misses but should find
            words += ["protest", "in", "Victoria", "Park"]
        rows.append(
            {"url": f"https://n.example/{i}", "title": f"Story {i}", "text": " ".join(words)}
        )
    rows.append({"url": "https://n.example/x", "text": "Hong Kong protest", "page_type": "index"})
    return ddj.corpus.conform(rows)


def _count(corpus, query):
    return int(ddj.match(corpus, {"q": query})["q"].sum())


def test_each_term_says_exactly_what_it_would_change(corpus):
    table = suggest(corpus, TOPIC, n=10, examples=0)
    assert set(table["term"]) >= {"protest", "rally", "victoria park"}
    for row in table.itertuples():
        # counted by ddj's own matcher: OR adds the articles the term finds that the query does not
        assert row.adds == _count(corpus, f"({row.query}) AND NOT ({TOPIC})"), row.term
        assert row.removes == _count(corpus, f"({row.query}) AND ({TOPIC})"), row.term
    assert table.attrs["matches"] == _count(corpus, TOPIC) == 60
    assert table.attrs["others"] == 300 - 60  # the index page is neither
    assert list(table["g2"]) == sorted(table["g2"], reverse=True)


def test_the_query_s_own_words_filler_and_stopwords_are_not_suggested(corpus):
    terms = set(suggest(corpus, TOPIC, n=50, examples=0)["term"])
    assert not terms & {"hong", "kong", "in", "weather", "football", "story"}


def test_g_squared_equals_scipy_s_log_likelihood_ratio():
    for a, m, c, rest in [(10, 20, 5, 80), (3, 3, 0, 500), (40, 100, 400, 10_000), (1, 50, 49, 50)]:
        expected = chi2_contingency(
            [[a, m - a], [c, rest - c]], correction=False, lambda_="log-likelihood"
        )[0]
        assert math.isclose(float(g_squared(a, m, c, rest)), expected, rel_tol=1e-12)


def test_a_term_must_be_far_more_frequent_than_chance(corpus):
    table = suggest(corpus, TOPIC, n=50, examples=0)
    assert (table["lift"] >= 2).all() and (table["g2"] >= 10.83).all()
    assert (table["in_matches"] >= 3).all()
    strict = suggest(corpus, TOPIC, n=50, examples=0, min_g2=1e6)
    assert strict.empty and list(strict.columns) == list(suggesting.COLUMNS)
    assert strict["adds"].dtype == "int64" and strict["examples"].dtype == object


def test_examples_are_the_articles_a_term_would_add_in_context(corpus):
    table = suggest(corpus, TOPIC, n=10, examples=2).set_index("term")
    shown = table.loc["victoria park", "examples"]
    assert len(shown) == 2 and all("[Victoria Park]" in s for s in shown)
    assert not any("Hong Kong" in s for s in shown)  # only articles the query does not find


def test_a_store_gives_the_frame_s_suggestions(corpus, tmp_path):
    store = ddj.open(ddj.save(corpus, tmp_path / "store", append=True), batch_size=40)
    a = suggest(store, TOPIC, n=10, examples=1)
    b = suggest(corpus, TOPIC, n=10, examples=1)
    assert a.drop(columns="examples").equals(b.drop(columns="examples"))
    assert a.attrs["matches"] == b.attrs["matches"]


def test_the_vocabulary_is_bounded_and_says_so(corpus, monkeypatch):
    monkeypatch.setattr(suggesting, "MAX_VOCABULARY", 4)
    table = suggest(corpus, TOPIC, n=10, examples=0)
    assert table.attrs["pruned"] is True
    for row in table.itertuples():  # what is kept is still counted exactly
        assert row.adds == _count(corpus, f"({row.query}) AND NOT ({TOPIC})")


@pytest.mark.parametrize(
    "kw", [{"n": 0}, {"n": True}, {"min_articles": -1}, {"min_lift": "2"}, {"examples": 1.5}]
)
def test_bad_parameters_are_named(corpus, kw):
    name = next(iter(kw))
    with pytest.raises(ddj.ParameterError, match=name):
        suggest(corpus, TOPIC, **kw)


def test_ddj_suggest_prints_terms_and_writes_a_csv(corpus, tmp_path, capsys):
    path = ddj.save(corpus, tmp_path / "corpus.parquet")
    assert main(["suggest", str(path), TOPIC, "-n", "3", "-o", str(tmp_path / "s.csv")]) == 0
    out = capsys.readouterr().out
    assert "from 60 matching and 240 other article(s)" in out and "OR adds" in out
    assert (tmp_path / "s.csv").read_text().startswith("term,query,")


# -- one counting pass, one pass for every term's examples -----------------------------------


def ferry_rows():
    """Matches ride the Star Ferry across the harbour; some other articles do too, in titles and twice."""
    rng = random.Random(11)
    filler = ["weather", "football", "markets", "budget", "council", "school", "traffic", "music"]
    rows = []
    for i in range(160):
        words = rng.sample(filler, 3)
        title = f"Story {i}"
        if i % 4 == 0:
            words += ["Hong", "Kong"] + rng.sample(["Star", "Ferry", "harbour", "crossing"], 3)
        elif i % 9 == 0:
            title = f"Star Ferry news {i}"
            words += [
                "the",
                "Star",
                "Ferry",
                "crossed",
                "the",
                "harbour",
                "and",
                "the",
                "Star",
                "Ferry",
            ]
        rows.append({"url": f"https://n.example/{i}", "title": title, "text": " ".join(words)})
    rows.append(
        {
            "url": "https://n.example/i",
            "title": "Star Ferry",
            "text": "harbour",
            "page_type": "index",
        }
    )
    return rows


#: What the two-pass implementation (one hits() call a term for examples) gave, saved before
#: it became one counting pass and one pass for every term's examples (ddj 2026-12).
BEFORE = [
    ("crossing", "crossing", 27, 0, 0, 27, math.inf, 94.801079733, []),
    (
        "ferry",
        "ferry",
        28,
        13,
        13,
        28,
        6.461538462,
        50.918211481,
        [
            "Star [Ferry] news 9",
            "music council football the Star [Ferry] crossed the harbour and the Star Ferry",
            "…il football the Star Ferry crossed the harbour and the Star [Ferry]",
        ],
    ),
    (
        "harbour",
        "harbour",
        27,
        13,
        13,
        27,
        6.230769231,
        47.176799608,
        [
            "music council football the Star Ferry crossed the [harbour] and the Star Ferry",
            "music budget school the Star Ferry crossed the [harbour] and the Star Ferry",
            "traffic school budget the Star Ferry crossed the [harbour] and the Star Ferry",
        ],
    ),
    ("ferry star", '"ferry star"', 11, 0, 0, 11, math.inf, 33.072423513, []),
    ("star harbour", '"star harbour"', 10, 0, 0, 10, math.inf, 29.826519217, []),
    ("crossing star", '"crossing star"', 9, 0, 0, 9, math.inf, 26.633960506, []),
    ("harbour star", '"harbour star"', 7, 0, 0, 7, math.inf, 20.400759656, []),
    ("ferry harbour", '"ferry harbour"', 6, 0, 0, 6, math.inf, 17.356378676, []),
    ("harbour crossing", '"harbour crossing"', 6, 0, 0, 6, math.inf, 17.356378676, []),
    ("harbour ferry", '"harbour ferry"', 6, 0, 0, 6, math.inf, 17.356378676, []),
]


def _as_before(table):
    return [
        (r.term, r.query, r.in_matches, r.in_others, r.adds, r.removes, round(float(r.lift), 9),
         round(float(r.g2), 9), r.examples)
        for r in table.itertuples(index=False)
    ]  # fmt: skip


@pytest.fixture(scope="module")
def ferries(tmp_path_factory):
    frame = ddj.corpus.conform(ferry_rows())
    path = ddj.save(frame, tmp_path_factory.mktemp("ferries") / "store", append=True)
    return frame, ddj.open(path, batch_size=16)  # 11 batches of the 161 rows


def _reads(monkeypatch):
    """How many times a scan starts reading the corpus."""
    calls = []
    real = scan.batches
    monkeypatch.setattr(scan, "batches", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


@pytest.mark.parametrize("which", [0, 1], ids=["frame", "store"])
def test_one_pass_counts_and_one_finds_every_example_as_before(ferries, which, monkeypatch):
    reads = _reads(monkeypatch)
    table = suggest(ferries[which], '"hong kong"', n=10, examples=3)
    assert _as_before(table) == BEFORE
    assert table.attrs["passes"] == 2 == len(reads)  # were 2 + 2 a term (hits and its page count)


def test_past_the_bound_of_other_terms_a_second_pass_counts_exactly(ferries, monkeypatch):
    monkeypatch.setattr(suggesting, "MAX_OTHER_TERMS", 5)
    reads = _reads(monkeypatch)
    table = suggest(ferries[1], '"hong kong"', n=10, examples=3)
    assert _as_before(table) == BEFORE
    assert table.attrs["passes"] == 3 == len(reads)


def test_examples_come_from_the_page_types_counted():
    rows = [{"url": f"https://n.example/m{i}", "text": "Hong Kong ferry"} for i in range(5)]
    rows += [{"url": f"https://n.example/w{i}", "text": "weather"} for i in range(20)]
    rows += [
        {"url": "https://n.example/t", "text": "ferry timetable", "page_type": "index"},
        {"url": "https://n.example/s", "text": "ferry strike"},
    ]
    corpus = ddj.corpus.conform(rows)
    loose = {"min_articles": 1, "min_lift": 0, "min_g2": 0}
    every = suggest(corpus, TOPIC, pages="all", **loose).set_index("term")
    assert every.loc["ferry", "examples"] == ["[ferry] timetable", "[ferry] strike"]
    assert every.loc["ferry", "adds"] == 2  # the examples are what it counts
    articles = suggest(corpus, TOPIC, **loose).set_index("term")
    assert articles.loc["ferry", "examples"] == ["[ferry] strike"]
