"""Syndicated copies: the same story (often a wire story) published by several outlets.

Near-duplicate texts are found with MinHash and locality-sensitive hashing
(datasketch): word shingles of the folded text, a fixed seed, so results are
deterministic. Rows without a text to compare (headline-only exports, a feed's
entries) are compared by their headline and description instead: two such
rows of different outlets, published within ``within`` days (default 3) of
each other, are one story when their titles, or their descriptions, share at
least ``title_threshold`` (default 0.8) of their words (Jaccard similarity of
the sets of folded words; titles need at least ``min_title_words`` words,
descriptions 12). ``coverage(..., dedupe=True)`` uses it to count a story once.

Examples
--------
>>> rows = [
...     {"url": "https://a.example/1", "outlet": "A", "published": "2025-09-26T21:37Z",
...      "title": "Harbour ferry customers' details taken in data breach"},
...     {"url": "https://b.example/1", "outlet": "B", "published": "2025-09-27T00:10Z",
...      "title": "Harbour ferry customers’ details taken in data breach"},
... ]
>>> find_syndicated(ddj.corpus.conform(rows))[["group", "outlet", "matched_on"]]
   group outlet matched_on
0      1      A      title
1      1      B      title
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from ddj import params
from ddj.corpus import validate
from ddj.query import fold

_TOKEN = re.compile(r"\w+")


def find_syndicated(
    corpus: pd.DataFrame,
    *,
    threshold: float = 0.8,
    num_perm: int = 128,
    shingle: int = 5,
    min_words: int = 40,
    title_threshold: float = 0.8,
    within: int = 3,
    min_title_words: int = 5,
) -> pd.DataFrame:
    """Groups of articles whose texts (or, without texts, titles) are near-duplicates.

    Parameters
    ----------
    corpus
        A corpus with a ``text`` column.
    threshold
        Similarity of word shingles above which two texts are one story.
    num_perm
        MinHash permutations (more: more exact, slower).
    shingle
        Words per shingle.
    min_words
        Texts shorter than this are not compared by text: the row is compared
        by its title and description instead.
    title_threshold
        For rows without text: the share of words two titles (or two
        descriptions) must have in common to be one story.
    within
        For rows without text: days between two copies of one story at most.
    min_title_words
        For rows without text: titles shorter than this are not compared.

    Returns
    -------
    pandas.DataFrame
        One row per article in a group of two or more: ``group``, ``index``
        (the corpus index label), ``id``, ``url``, ``outlet``, ``published``,
        ``title``, ``matched_on`` (``text`` or ``title``); in each group the
        earliest article comes first.

    Raises
    ------
    ParameterError
        A setting it cannot use (``shingle=0`` would group everything).

    Examples
    --------
    >>> groups = find_syndicated(corpus)
    >>> groups.groupby("group")["outlet"].apply(list).head(2)
    group
    1    [Channel Daily, The Northgate Courier]
    2     [The Northgate Courier, Harbour Post]
    Name: outlet, dtype: object
    """
    validate(corpus, ("text",), what="corpus")
    params.fraction(threshold, "threshold", example=0.8)
    params.fraction(title_threshold, "title_threshold", example=0.8)
    for name, value, hi, example in (
        ("num_perm", num_perm, 4096, 128),
        ("shingle", shingle, 50, 5),
        ("min_words", min_words, 100_000, 40),
        ("min_title_words", min_title_words, 1000, 5),
        ("within", within, 365, 3),
    ):
        params.whole(value, name, lo=16 if name == "num_perm" else 1, hi=hi, example=example)
    texts = corpus["text"].tolist()
    hashes = _minhashes(texts, num_perm=num_perm, shingle=shingle, min_words=min_words)
    union = _Union(len(texts))
    _join(union, hashes, threshold=threshold, num_perm=num_perm)
    untexted = [i for i in range(len(texts)) if i not in hashes]
    _join_headlines(union, corpus, untexted, threshold=title_threshold, within=within,
                    min_words=min_title_words)  # fmt: skip
    basis = np.where(np.isin(np.arange(len(texts)), list(hashes)), "text", "title")
    return _groups(corpus, union.roots(), basis)


def _minhashes(texts: list[Any], *, num_perm: int, shingle: int, min_words: int) -> dict[int, Any]:
    """The MinHash of each text's word shingles, by position; short and missing texts have none."""
    from datasketch import MinHash

    hashes = {}
    blank = MinHash(num_perm=num_perm, seed=1)  # copies skip drawing the permutations again
    for pos, text in enumerate(texts):
        words = _TOKEN.findall(fold(text)) if isinstance(text, str) else []
        if len(words) < min_words:
            continue
        grams = {" ".join(words[i : i + shingle]).encode() for i in range(len(words) - shingle + 1)}
        mh = blank.copy()
        mh.update_batch(list(grams))
        hashes[pos] = mh
    return hashes


class _Union:
    """Union-find over positions: each group is named by its smallest member."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def root(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        a, b = self.root(i), self.root(j)
        self.parent[max(a, b)] = min(a, b)

    def roots(self) -> np.ndarray:
        return np.array([self.root(i) for i in range(len(self.parent))], dtype="int64")


def _join(union: _Union, hashes: dict[int, Any], *, threshold: float, num_perm: int) -> None:
    """Join the positions whose MinHashes are similar enough (LSH candidates, then checked)."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    for pos, mh in hashes.items():
        lsh.insert(pos, mh)
    for pos, mh in hashes.items():
        for other in lsh.query(mh):
            if other != pos and hashes[other].jaccard(mh) >= threshold:
                union.join(pos, other)


#: Words a description needs before it is compared (shorter ones are often the title again).
MIN_DESCRIPTION_WORDS = 12
#: MinHash permutations for headlines: they have few words, and every candidate is checked exactly.
HEADLINE_PERM = 64


def _join_headlines(
    union: _Union,
    corpus: pd.DataFrame,
    positions: list[int],
    *,
    threshold: float,
    within: int,
    min_words: int,
) -> None:
    """Join rows without text whose titles (or descriptions) are near-identical.

    Only rows of different outlets, published within ``within`` days, are joined;
    the share of common words is computed exactly for every LSH candidate.
    """
    outlets = corpus["outlet"].to_numpy() if "outlet" in corpus else np.full(len(corpus), None)
    when = _instants(corpus)
    limit = np.timedelta64(within * 86400, "s")
    for column, least in (("title", min_words), ("description", MIN_DESCRIPTION_WORDS)):
        if column not in corpus:
            continue
        words = _word_sets(corpus[column].to_numpy(), positions, least)
        for i, j in _similar_pairs(words, threshold):
            near = not (np.isnat(when[i]) or np.isnat(when[j])) and abs(when[i] - when[j]) <= limit
            if near and not (isinstance(outlets[i], str) and outlets[i] == outlets[j]):
                union.join(i, j)


def _instants(corpus: pd.DataFrame) -> np.ndarray:
    """Publication times as naive UTC ``datetime64``, NaT where missing."""
    if "published" not in corpus:
        return np.full(len(corpus), np.datetime64("NaT"), dtype="datetime64[us]")
    published = pd.to_datetime(corpus["published"], utc=True, errors="coerce")
    return published.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")


def _word_sets(values: np.ndarray, positions: list[int], least: int) -> dict[int, frozenset]:
    """The set of folded words of each value at ``positions`` with at least ``least`` words."""
    out = {}
    for pos in positions:
        value = values[pos]
        words = _TOKEN.findall(fold(value)) if isinstance(value, str) else []
        if len(words) >= least:
            out[pos] = frozenset(words)
    return out


def _similar_pairs(words: dict[int, frozenset], threshold: float) -> Iterator[tuple[int, int]]:
    """Pairs of positions whose word sets have a Jaccard similarity of at least ``threshold``."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=max(0.3, threshold - 0.2), num_perm=HEADLINE_PERM)
    blank = MinHash(num_perm=HEADLINE_PERM, seed=1)
    for pos, found in words.items():
        mh = blank.copy()
        mh.update_batch([w.encode() for w in found])
        lsh.insert(pos, mh)
        # querying as we insert: each pair is seen once, from its later member
        for other in lsh.query(mh):
            if other != pos and len(found & words[other]) / len(found | words[other]) >= threshold:
                yield other, pos


COLUMNS = ["group", "index", "id", "url", "outlet", "published", "title", "matched_on"]


def _groups(corpus: pd.DataFrame, roots: np.ndarray, basis: np.ndarray) -> pd.DataFrame:
    """One row per article in a group of two or more, groups numbered by first publication."""
    sizes = pd.Series(roots).value_counts()
    grouped = [i for i in range(len(roots)) if sizes[roots[i]] > 1]
    if not grouped:
        return pd.DataFrame(columns=COLUMNS)
    rows = corpus.iloc[grouped]

    def column(name: str, missing: Any = None) -> Any:
        return rows[name].to_numpy() if name in rows else missing

    out = pd.DataFrame(
        {
            "root": roots[grouped],
            "index": rows.index,
            "id": column("id"),
            "url": column("url"),
            "outlet": column("outlet"),
            "published": column("published", pd.NaT),
            "title": column("title"),
            "matched_on": basis[grouped],
        }
    )
    first_seen = out.groupby("root")["published"].transform("min")
    out = out.assign(first=first_seen).sort_values(
        ["first", "root", "published"], kind="stable", na_position="last"
    )
    out["group"] = pd.factorize(out["root"])[0] + 1
    return out[COLUMNS].reset_index(drop=True)
