"""Fuzzing the query language: the parser, the canonical form, and matching against a brute force.

Three properties, each on bounded inputs (see the hypothesis profile in conftest.py):

- any text (up to 300 characters, rich in the syntax's own characters) parses or raises a
  QuerySyntaxError whose position lies inside the query; nothing else escapes;
- a parsed query written back by ``str`` is read again as the same tree;
- ``ddj.match`` and ``ddj.hits`` on small random corpora agree with a brute-force evaluator that
  follows the README's table of the query language word by word.
"""

from __future__ import annotations

import re

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import ddj  # noqa: E402
from ddj.corpus import conform  # noqa: E402
from ddj.query import And, Not, Phrase, Term, fold, parse  # noqa: E402

SYNTAX = list('()"~:*=- \t\n') + ["AND", "OR", "NOT", "title:", '"a b"~3', "香港", "é", "ß", "a"]
ANY_TEXT = st.lists(
    st.one_of(st.sampled_from(SYNTAX), st.characters()),  # any code point: surrogates, controls
    max_size=150,
).map(lambda parts: "".join(parts)[:300])


@given(ANY_TEXT)
def test_any_text_parses_or_fails_with_a_position(text):
    try:
        tree = parse(text)
    except ddj.QuerySyntaxError as err:
        assert err.position is not None and 0 <= err.position <= len(text)
        assert "position" in str(err) or "empty" in str(err)
    else:
        assert parse(str(tree)) == tree


DEEP = st.tuples(st.sampled_from(["(", "NOT ", "-", "title:(", '-"a b" ']), st.integers(40, 1200))


@given(DEEP, ANY_TEXT)
def test_deep_nesting_is_a_syntax_error_not_a_crash(prefix, text):
    query = prefix[0] * prefix[1] + text
    try:
        tree = parse(query)
    except ddj.QuerySyntaxError as err:
        assert 0 <= err.position <= len(query)
    else:
        assert parse(str(tree)) == tree


# -- queries from the grammar ------------------------------------------------------------------

WORDS = ["a", "b", "c", "ab"]
word = st.sampled_from(WORDS)
term = st.one_of(
    word,
    word.map(lambda w: w + "*"),
    word.map(lambda w: "=" + w.upper()),
    st.lists(word, min_size=2, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
    st.tuples(st.lists(word, min_size=2, max_size=3), st.integers(0, 4)).map(
        lambda p: '"' + " ".join(p[0]) + f'"~{p[1]}'
    ),
)
fielded = st.one_of(
    term, st.tuples(st.sampled_from(["title", "text"]), term).map(lambda p: f"{p[0]}:{p[1]}")
)
queries = st.recursive(
    fielded,
    lambda q: st.one_of(
        q.map(lambda x: f"({x})"),
        q.map(lambda x: f"NOT {x}"),
        q.map(lambda x: f"-({x})"),
        st.tuples(q, st.sampled_from([" AND ", " OR ", " "]), q).map("".join),
    ),
    max_leaves=6,
)


@given(queries)
def test_grammar_queries_parse_and_round_trip(query):
    tree = parse(query)
    assert parse(str(tree)) == tree
    assert str(parse(str(tree))) == str(tree)


# -- matching against a brute force --------------------------------------------------------------

TOKEN = re.compile(r"[A-Za-z0-9]+")


def tokens(text: str, case: bool) -> list[str]:
    """The words of a text (this alphabet has only ASCII letters and punctuation)."""
    return TOKEN.findall(text if case else text.lower())


def word_at(t: Term, token: str) -> bool:
    return token.startswith(t.word) if t.wildcard else token == t.word


def occurrences(leaf, fields: dict[str, str]) -> set[tuple[str, int, int]]:
    """(field, first word, last word + 1) of every occurrence, by the README's table."""
    out = set()
    for name in [leaf.field] if leaf.field else ["title", "text"]:
        toks = tokens(fields.get(name) or "", leaf.case)
        if isinstance(leaf, Term):
            out |= {(name, i, i + 1) for i, tok in enumerate(toks) if word_at(leaf, tok)}
        elif leaf.slop is None:  # read left to right: occurrences do not overlap ("c c" in "c c c")
            k, i = len(leaf.words), 0
            while i <= len(toks) - k:
                if all(word_at(w, toks[i + j]) for j, w in enumerate(leaf.words)):
                    out.add((name, i, i + k))
                    i += k
                else:
                    i += 1
        else:
            where = [[i for i, tok in enumerate(toks) if word_at(w, tok)] for w in leaf.words]
            for i in where[0]:
                near = [[j for j in js if abs(j - i) <= leaf.slop] for js in where[1:]]
                if all(near):
                    out |= {(name, i, i + 1)} | {(name, j, j + 1) for js in near for j in js}
    return out


def brute(node, fields) -> bool:
    if isinstance(node, (Term, Phrase)):
        return bool(occurrences(node, fields))
    if isinstance(node, Not):
        return not brute(node.item, fields)
    parts = [brute(i, fields) for i in node.items]
    return all(parts) if isinstance(node, And) else any(parts)


def positive_leaves(node, positive=True):
    if isinstance(node, (Term, Phrase)):
        return [node] if positive else []
    if isinstance(node, Not):
        return positive_leaves(node.item, not positive)
    return [leaf for i in node.items for leaf in positive_leaves(i, positive)]


def mentions(node, fields) -> int:
    """Distinct occurrences of the counting terms; one inside another counts once."""
    spans = set().union(*(occurrences(leaf, fields) for leaf in positive_leaves(node)))
    return sum(
        not any(o != s and o[0] == s[0] and o[1] <= s[1] and s[2] <= o[2] for o in spans)
        for s in spans
    )


texts = st.lists(
    st.sampled_from(["a", "b", "c", "ab", "abc", "A", "B", "AB", "C"]), max_size=12
).flatmap(
    lambda ws: st.lists(
        st.sampled_from([" ", ", ", "-", ". "]), min_size=len(ws), max_size=len(ws)
    ).map(lambda seps: "".join(w + s for w, s in zip(ws, seps, strict=True)))
)
corpora = st.lists(st.tuples(texts, texts), min_size=1, max_size=6)


@given(queries, corpora)
def test_match_and_hits_agree_with_brute_force(query, rows):
    tree = parse(query)
    corpus = conform([{"url": f"u{i}", "title": t, "text": x} for i, (t, x) in enumerate(rows)])
    got = ddj.match(corpus, {"q": query})
    fields = [{"title": t, "text": x} for t, x in rows]
    want = [brute(tree, f) for f in fields]
    assert got["q"].tolist() == want
    want_mentions = [mentions(tree, f) if ok else 0 for f, ok in zip(fields, want, strict=True)]
    assert got["q_mentions"].tolist() == want_mentions
    found = ddj.hits(corpus, {"q": query})
    assert len(found) == sum(want_mentions)
    query_words = {fold(w) for w in WORDS}
    for matched in found["matched"]:
        assert all(any(tok.startswith(w) for w in query_words) for tok in tokens(matched, False))


@given(ANY_TEXT)
def test_composed_and_decomposed_text_fold_alike_and_map_back(text):
    import unicodedata

    from ddj.query import fold_with_map

    assert fold(unicodedata.normalize("NFD", text)) == fold(unicodedata.normalize("NFC", text))
    folded, starts, ends = fold_with_map(text)
    assert folded == fold(text) and len(starts) == len(ends) == len(folded)
    assert all(0 <= s < e <= len(text) for s, e in zip(starts, ends, strict=True))
    assert list(starts) == sorted(starts)
