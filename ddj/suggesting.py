"""Terms to add to a topic's query: the words and two-word phrases its matches use far more than chance.

:func:`suggest` reads the corpus as reductions over its batches
(:mod:`ddj.scan`: a frame is one batch, a store many, on Dask one task a part),
so memory stays bounded whatever the corpus's size. One reduction matches the
topic once a batch and counts, in one pass:

1. in the articles the topic matches, in how many each word and each two-word
   phrase (within one field) appears; and how many articles there are;
2. the same in the *other* articles, while their distinct terms number at
   most ``MAX_OTHER_TERMS`` (about 85,000 in the demo corpus's 5,000
   articles). Past that bound the others' counts are dropped, and a second,
   exact pass counts in the other articles only the ``MAX_CANDIDATES`` most
   frequent terms of the matches (``attrs["passes"]`` says which).

Then one more reduction finds the examples of every suggested term at once:
the first ``examples`` hits of each in the articles it would add, as
:func:`ddj.hits` shows them, stopping once each term has its share.

A term is suggested when its share of the matches is at least ``min_lift``
times its share of the other articles and Dunning's log-likelihood ratio G²
(Dunning 1993, "Accurate methods for the statistics of surprise and
coincidence", *Computational Linguistics* 19(1); the 2x2 table of articles
with and without the term, in the matches and the rest) is at least
``min_g2``. The default 10.83 is χ² with one degree of freedom at p = 0.001,
strict because thousands of terms are tried. Terms are ranked by G².

Each suggestion says exactly what it would change, counted by ddj's own rule
(folding, whole words; a two-word phrase is the query ``"a b"``): ``adds``,
the articles ``(query) OR term`` would add, and ``removes``, those
``(query) AND NOT term`` would take away. It shows a few of the articles it
would add, in context, as :func:`ddj.hits` shows them.

Left out as candidates: the query's own words; stopwords of the languages of
the matches (newspaper4k's lists, shipped with it); words of one character or
only digits; words in scripts written without spaces (``香港``: the matcher finds
those inside words, so a word count would not be its count); and terms in more
than ``MAX_COMMON`` of all articles, too common to tell a topic apart.
"""

from __future__ import annotations

import importlib.util
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ddj import params, scan
from ddj.errors import ParameterError
from ddj.matching import FIELDS, Topic, batch_flags, hit_columns, hit_rows, hit_table, resolve
from ddj.query import UNSPACED, fold, leaves, word_runs

__all__ = ["examples_added", "g_squared", "suggest"]

#: Distinct terms counted in the matches (past it, the rarest are pruned: lossy counting).
MAX_VOCABULARY = 300_000
#: Terms, the most frequent in the matches, counted in the other articles.
MAX_CANDIDATES = 5_000
#: Distinct terms counted in the other articles in the first pass (past it: a second, exact pass).
MAX_OTHER_TERMS = 500_000
#: Characters shown either side of an example's term.
EXAMPLE_WIDTH = 60
#: A term in more than this share of all articles is not suggested.
MAX_COMMON = 0.3
#: Characters of one article's fields read for its words (the rest is not counted).
MAX_TEXT_CHARS = 200_000

COLUMNS = (
    "term",
    "query",
    "in_matches",
    "in_others",
    "share_matches",
    "share_others",
    "lift",
    "g2",
    "adds",
    "removes",
    "examples",
)


def suggest(
    corpus: Any,
    topic: Any,
    n: int = 20,
    *,
    fields: Sequence[str] = FIELDS,
    pages: Any = "article",
    min_articles: int = 3,
    min_lift: float = 2.0,
    min_g2: float = 10.83,
    phrases: bool = True,
    examples: int = 3,
    client: Any = None,
) -> pd.DataFrame:
    """Terms that co-occur with a topic's matches far more than chance, and what each would change.

    Parameters
    ----------
    corpus
        A frame or a store.
    topic
        One topic: a name, a query or a :class:`~ddj.matching.Topic`.
    n
        How many terms (at most).
    fields, pages
        As :func:`ddj.match` takes them.
    min_articles
        A term must be in at least this many of the matches.
    min_lift, min_g2
        How much more often than chance (see the module's text).
    phrases
        Also two-word phrases.
    examples
        Articles shown in context for each term, among those it would add.
    client
        A Dask client: each pass one task a part.

    Returns
    -------
    DataFrame with ``COLUMNS``, ranked by ``g2``; ``attrs["method"]`` says how
    they were found, ``attrs["matches"]``/``attrs["others"]`` the articles
    compared, ``attrs["pruned"]`` whether the vocabulary bound was reached,
    ``attrs["passes"]`` how many times the corpus was read.

    Examples
    --------
    >>> import ddj
    >>> rows = [{"url": f"u{i}", "text": "Hong Kong protest rally in Victoria Park"} for i in range(5)]
    >>> rows += [{"url": f"v{i}", "text": "Football match report, Victoria Park"} for i in range(20)]
    >>> corpus = ddj.corpus.conform(rows)
    >>> suggest(corpus, '"Hong Kong"', examples=0)[["term", "in_matches", "in_others", "adds"]]
                term  in_matches  in_others  adds
    0        protest           5          0     0
    1  protest rally           5          0     0
    2          rally           5          0     0
    """
    chosen = _one_topic(topic)
    _check(n, min_articles, min_lift, min_g2, examples)
    fields = tuple(f for f in ([fields] if isinstance(fields, str) else fields))
    types = params.pages(pages)
    seen = scan.run(corpus, _Counted(chosen, fields, types, phrases), client=client)
    candidates = _candidates(seen, chosen, min_articles)
    others = seen.others
    if others is None:  # too many distinct terms to keep: count the candidates again, exactly
        others = scan.run(
            corpus, _InOthers(chosen, fields, types, tuple(candidates)), client=client
        )
    table = _ranked(seen, others, candidates, min_lift, min_g2).head(n)
    queries = list(table["query"])
    shown = examples_added(
        corpus, chosen, queries, examples, fields=fields, pages=pages, client=client
    )
    table["examples"] = pd.Series(shown, index=table.index, dtype=object)
    table = table.reset_index(drop=True)[list(COLUMNS)]
    table.attrs.update(
        method=_method(min_articles, min_lift, min_g2),
        matches=seen.matches,
        others=seen.articles - seen.matches,
        pruned=seen.pruned,
        topic=chosen.name,
        passes=1 + (seen.others is None) + bool(examples and len(table)),
    )
    return table


def g_squared(a: Any, m: Any, c: Any, rest: Any) -> np.ndarray:
    """Dunning's G² of the 2x2 table: ``a`` of ``m`` matches and ``c`` of ``rest`` others have the term.

    ``2 Σ O ln(O / E)``, with ``E`` from the margins; a cell of 0 adds 0.

    Examples
    --------
    >>> round(float(g_squared(10, 20, 5, 80)), 4)
    19.4093
    """
    a, m, c, rest = (np.asarray(x, dtype=float) for x in (a, m, c, rest))
    observed = np.stack([a, m - a, c, rest - c])
    total = m + rest
    with_term = a + c
    expected = np.stack(
        [
            m * with_term / total,
            m * (total - with_term) / total,
            rest * with_term / total,
            rest * (total - with_term) / total,
        ]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        parts = np.where(observed > 0, observed * np.log(observed / expected), 0.0)
    return 2 * parts.sum(axis=0)


# -- the steps -------------------------------------------------------------------------------


def _one_topic(topic: Any) -> Topic:
    chosen = resolve(topic)
    if len(chosen) != 1:
        msg = f"suggest() takes one topic at a time; got {len(chosen)}: {[t.name for t in chosen]}."
        raise ParameterError(msg)
    return chosen[0]


def _check(n: int, min_articles: int, min_lift: float, min_g2: float, examples: int) -> None:
    for name, value, lo in (
        ("n", n, 1),
        ("min_articles", min_articles, 1),
        ("examples", examples, 0),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value < lo or value > 10_000:
            msg = f"{name}={value!r}: give a whole number from {lo} to 10,000, e.g. {name}={max(lo, 3)}."
            raise ParameterError(msg)
    for name, value in (("min_lift", min_lift), ("min_g2", min_g2)):
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value < 1e9:
            msg = f"{name}={value!r}: give a number of 0 or more, e.g. {name}=2."
            raise ParameterError(msg)


def _terms(values: Sequence[Any], phrases: bool) -> set[str]:
    """The words of one article (each field's, up to ``MAX_TEXT_CHARS``) and its two-word phrases within a field."""
    out: set[str] = set()
    for value in values:
        if not isinstance(value, str) or not value:
            continue
        words = word_runs(fold(value[:MAX_TEXT_CHARS]))
        out.update(words)
        if phrases:
            out.update(map(" ".join, zip(words, words[1:], strict=False)))
    return out


@dataclass
class _Seen:
    """How many articles, how many matches, each term's articles among the matches and the others.

    ``others`` is None once the other articles' distinct terms passed ``MAX_OTHER_TERMS``.
    """

    articles: int
    matches: int
    terms: Counter
    others: Counter | None
    languages: Counter
    skipped: scan.Skipped
    pruned: bool = False


@dataclass(frozen=True)
class _Counted(scan.Reduction):
    """The one pass: the topic matched in each batch, the terms counted in its matches and the rest."""

    chosen: Topic
    fields: tuple[str, ...]
    pages: tuple[str, ...] | None
    phrases: bool

    @property
    def columns(self) -> list[str]:
        """The text fields, the language, and what tells a row's page type."""
        return [*(f for f in self.fields if f in FIELDS), "language", "page_type", "source", "url"]

    def tally(self, batch: pd.DataFrame, start: int) -> _Seen:
        """One batch's counts."""
        found, skipped, out = batch_flags(batch, [self.chosen], self.fields, self.pages)
        hit = found[self.chosen.name].to_numpy()
        texts = [batch[f].tolist() for f in self.fields if f in batch.columns]
        terms: Counter = Counter()
        for row in np.flatnonzero(hit):
            terms.update(_terms([col[row] for col in texts], self.phrases))
        others: Counter | None = Counter()
        for row in np.flatnonzero(~hit & ~out):
            others.update(_terms([col[row] for col in texts], self.phrases))
            if len(others) > MAX_OTHER_TERMS:
                others = None  # the second pass counts them; nothing more read here
                break
        langs = (
            Counter(batch["language"].iloc[hit].dropna().tolist())
            if "language" in batch
            else Counter()
        )
        seen = _Seen(int((~out).sum()), int(hit.sum()), terms, others, langs, skipped)
        return _pruned(seen)

    def combine(self, a: _Seen, b: _Seen) -> _Seen:
        """Both batches' counts."""
        others = None if a.others is None or b.others is None else a.others + b.others
        seen = _Seen(
            a.articles + b.articles,
            a.matches + b.matches,
            a.terms + b.terms,
            others if others is None or len(others) <= MAX_OTHER_TERMS else None,
            a.languages + b.languages,
            a.skipped.add(b.skipped),
            a.pruned or b.pruned,
        )
        return _pruned(seen)

    def finish(self, total: _Seen, corpus: Any) -> _Seen:
        """The counts; one warning for the rows of other page types (as :func:`ddj.match` gives)."""
        total.skipped.warn(None)
        return total


def _pruned(seen: _Seen) -> _Seen:
    """The counts with the matches' vocabulary cut back to ``MAX_VOCABULARY`` terms, the rarest dropped."""
    if len(seen.terms) <= MAX_VOCABULARY:
        return seen
    kept = Counter(dict(seen.terms.most_common(MAX_VOCABULARY // 2)))
    return replace(seen, terms=kept, pruned=True)


def _candidates(seen: _Seen, chosen: Topic, min_articles: int) -> list[str]:
    """The terms worth counting in the other articles, the most frequent in the matches first."""
    own = {w for leaf, _ in leaves(chosen.tree) for w in _leaf_words(leaf)}
    stop = _stopwords(tuple(lang for lang, _ in seen.languages.most_common(3)))
    out = []
    for term, count in seen.terms.most_common():
        if count < min_articles or len(out) >= MAX_CANDIDATES:
            break
        words = term.split(" ")
        if any(w in own for w in words) or any(w in stop for w in words):
            continue
        if any(len(w) < 2 or w.isdigit() or UNSPACED.search(w) for w in words):
            continue
        out.append(term)
    return out


def _leaf_words(leaf: Any) -> list[str]:
    words = getattr(leaf, "words", None) or (leaf,)
    return [fold(w.word) for w in words]


@cache
def _stopwords(languages: tuple[str, ...]) -> frozenset[str]:
    """newspaper4k's stopwords of these languages (English when none is known), folded."""
    spec = importlib.util.find_spec(
        "newspaper"
    )  # found, not imported: importing it warns about nltk
    places = list(spec.submodule_search_locations or []) if spec else []
    folder = Path(places[0], "resources", "text") if places else Path()
    words: set[str] = set()
    for lang in languages or ("en",):
        path = folder / f"stopwords-{lang}.txt"
        if path.is_file():
            words.update(fold(w) for w in path.read_text(encoding="utf-8").split())
    return frozenset(words)


@dataclass(frozen=True)
class _InOthers(scan.Reduction):
    """The second pass, when the first could not keep the others' terms: each candidate's articles among them."""

    chosen: Topic
    fields: tuple[str, ...]
    pages: tuple[str, ...] | None
    candidates: tuple[str, ...]

    @property
    def columns(self) -> list[str]:
        """The text fields and what tells a row's page type."""
        return [*(f for f in self.fields if f in FIELDS), "page_type", "source", "url"]

    def tally(self, batch: pd.DataFrame, start: int) -> Counter:
        """One batch's counts."""
        found, _, out = batch_flags(batch, [self.chosen], self.fields, self.pages)
        other = ~found[self.chosen.name].to_numpy() & ~out
        wanted = frozenset(self.candidates)
        phrases = any(" " in c for c in self.candidates)
        texts = [batch[f].tolist() for f in self.fields if f in batch.columns]
        counts: Counter = Counter()
        for row in np.flatnonzero(other):
            counts.update(_terms([col[row] for col in texts], phrases) & wanted)
        return counts

    def combine(self, a: Counter, b: Counter) -> Counter:
        """Both batches' counts."""
        return a + b

    def finish(self, total: Counter, corpus: Any) -> Counter:
        """The counts."""
        return total


#: The table of no suggestion, its columns typed as a table of some.
_EMPTY = pd.DataFrame(
    {
        **{c: pd.Series(dtype=object) for c in ("term", "query", "examples")},
        **{c: pd.Series(dtype="int64") for c in ("in_matches", "in_others", "adds", "removes")},
        **{c: pd.Series(dtype="float64") for c in ("share_matches", "share_others", "lift", "g2")},
    }
)[list(COLUMNS)]


def _ranked(
    seen: _Seen, others: Counter, candidates: list[str], min_lift: float, min_g2: float
) -> pd.DataFrame:
    m, rest = seen.matches, seen.articles - seen.matches
    a = np.array([seen.terms[t] for t in candidates], dtype=float)
    c = np.array([others.get(t, 0) for t in candidates], dtype=float)
    table = pd.DataFrame(
        {"term": candidates, "in_matches": a.astype(int), "in_others": c.astype(int)}
    )
    if not candidates or m == 0:
        return _EMPTY.copy()
    share_m = a / m
    share_o = c / rest if rest else np.zeros_like(c)
    with np.errstate(divide="ignore"):
        lift = np.where(share_o > 0, share_m / np.where(share_o > 0, share_o, 1), math.inf)
    table = table.assign(
        query=[f'"{t}"' if " " in t else t for t in candidates],
        share_matches=share_m,
        share_others=share_o,
        lift=lift,
        g2=g_squared(a, m, c, rest),
        adds=c.astype(int),
        removes=a.astype(int),
    )
    common = (a + c) > MAX_COMMON * seen.articles
    keep = (table["lift"] >= min_lift) & (table["g2"] >= min_g2) & ~common
    return table[keep].sort_values(["g2", "term"], ascending=[False, True], kind="stable")


def examples_added(
    corpus: Any,
    topic: Any,
    queries: Sequence[str],
    k: int = 3,
    *,
    fields: Sequence[str] = FIELDS,
    pages: Any = "article",
    client: Any = None,
) -> list[list[str]]:
    """For each query, the first ``k`` of its hits in the articles it finds and ``topic`` does not.

    What ``(topic) OR query`` would add, in context: the snippets
    ``ddj.hits(corpus, f"({query}) AND NOT ({topic})", width=60, limit=k)``
    gives, found for every query in one pass over the corpus (a reduction
    that stops once each query has ``k``; at most ``k`` kept a query).
    :func:`suggest` shows them beside each term.

    Examples
    --------
    >>> import ddj
    >>> rows = [{"url": "u1", "text": "Hong Kong protest"}, {"url": "u2", "text": "A protest in Paris"}]
    >>> examples_added(ddj.corpus.conform(rows), '"Hong Kong"', ["protest", "Paris"], 1)
    [['A [protest] in Paris'], ['A protest in [Paris]']]
    """
    chosen = _one_topic(topic)
    _check(1, 1, 0, 0, k)
    fields = tuple(f for f in ([fields] if isinstance(fields, str) else fields))
    if k == 0 or not queries:
        return [[] for _ in queries]
    terms = tuple(Topic(f"{chosen.name}\x00{i}", q, q) for i, q in enumerate(queries))
    reduction = _Examples(chosen, terms, fields, params.pages(pages), k)
    return [
        hit_table(found, k)["snippet"].tolist()
        for found in scan.run(corpus, reduction, client=client)
    ]


@dataclass(frozen=True)
class _Examples(scan.Reduction):
    """Each term's first ``k`` hits in the articles it would add, in corpus order (stops when all have them)."""

    chosen: Topic
    terms: tuple[Topic, ...]
    fields: tuple[str, ...]
    pages: tuple[str, ...] | None
    k: int

    @property
    def columns(self) -> list[str]:
        """What a hit shows, the fields searched, and what tells a row's page type."""
        return hit_columns(self.fields)

    def tally(self, batch: pd.DataFrame, start: int) -> list[list[dict]]:
        """One batch's hits of each term, in the rows the topic does not match (up to ``k`` a term)."""
        found, _, _ = batch_flags(batch, [self.chosen, *self.terms], self.fields, self.pages)
        beside = ~found[self.chosen.name].to_numpy()
        shown = [(t, found[t.name].to_numpy() & beside) for t in self.terms]
        return hit_rows(batch, shown, self.fields, EXAMPLE_WIDTH, self.k)

    def combine(self, a: list[list[dict]], b: list[list[dict]]) -> list[list[dict]]:
        """Both batches' hits, ``a``'s first, the first ``k`` of each term."""
        return [(x + y)[: self.k] for x, y in zip(a, b, strict=True)]

    def done(self, partial: list[list[dict]]) -> bool:
        """Whether every term has its ``k`` examples."""
        return all(len(found) >= self.k for found in partial)

    def finish(self, total: list[list[dict]], corpus: Any) -> list[list[dict]]:
        """Each term's hits."""
        return total


def _method(min_articles: int, min_lift: float, min_g2: float) -> str:
    return (
        "Terms in at least "
        f"{min_articles} matching article(s), at least {min_lift:g}x as frequent among the "
        f"matches as among the other articles, with Dunning's log-likelihood G² of at least "
        f"{min_g2:g} (articles with and without the term, in the matches and the rest); "
        "ranked by G²."
    )
