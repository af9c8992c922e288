"""Syndicated copies: the same story (often a wire story) published by several outlets.

Near-duplicate texts are found with MinHash and locality-sensitive hashing
(datasketch): word shingles of the folded text, a fixed seed, so results are
deterministic. ``coverage(..., dedupe=True)`` uses it to count a story once.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ddj import params
from ddj.corpus import validate

_TOKEN = re.compile(r"\w+")


def find_syndicated(
    corpus: pd.DataFrame,
    *,
    threshold: float = 0.8,
    num_perm: int = 128,
    shingle: int = 5,
    min_words: int = 40,
) -> pd.DataFrame:
    """Groups of articles whose texts are near-duplicates (estimated Jaccard >= ``threshold``).

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
        Texts shorter than this are never grouped (too little to compare).

    Returns
    -------
    pandas.DataFrame
        One row per article in a group of two or more: ``group``, ``index``
        (the corpus index label), ``id``, ``url``, ``outlet``, ``published``,
        ``title``; in each group the earliest article comes first.

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
    2    [The Northgate Courier, Channel Daily]
    Name: outlet, dtype: object
    """
    validate(corpus, ("text",), what="corpus")
    params.fraction(threshold, "threshold", example=0.8)
    for name, value, hi, example in (
        ("num_perm", num_perm, 4096, 128),
        ("shingle", shingle, 50, 5),
        ("min_words", min_words, 100_000, 40),
    ):
        params.whole(value, name, lo=16 if name == "num_perm" else 1, hi=hi, example=example)
    texts = corpus["text"].tolist()
    hashes = _minhashes(texts, num_perm=num_perm, shingle=shingle, min_words=min_words)
    roots = _roots(hashes, len(texts), threshold=threshold, num_perm=num_perm)
    return _groups(corpus, roots)


def _minhashes(texts: list[Any], *, num_perm: int, shingle: int, min_words: int) -> dict[int, Any]:
    """The MinHash of each text's word shingles, by position; short and missing texts have none."""
    from datasketch import MinHash

    from ddj.query import fold

    hashes = {}
    for pos, text in enumerate(texts):
        words = _TOKEN.findall(fold(text)) if isinstance(text, str) else []
        if len(words) < min_words:
            continue
        grams = {" ".join(words[i : i + shingle]).encode() for i in range(len(words) - shingle + 1)}
        mh = MinHash(num_perm=num_perm, seed=1)
        mh.update_batch(list(grams))
        hashes[pos] = mh
    return hashes


def _roots(hashes: dict[int, Any], n: int, *, threshold: float, num_perm: int) -> np.ndarray:
    """Each position's group, as its smallest member (union-find over LSH candidates)."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    for pos, mh in hashes.items():
        lsh.insert(pos, mh)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for pos, mh in hashes.items():
        for other in lsh.query(mh):
            if other != pos and hashes[other].jaccard(mh) >= threshold:
                a, b = root(pos), root(other)
                parent[max(a, b)] = min(a, b)
    return np.array([root(i) for i in range(n)], dtype="int64")


COLUMNS = ["group", "index", "id", "url", "outlet", "published", "title"]


def _groups(corpus: pd.DataFrame, roots: np.ndarray) -> pd.DataFrame:
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
        }
    )
    first_seen = out.groupby("root")["published"].transform("min")
    out = out.assign(first=first_seen).sort_values(
        ["first", "root", "published"], kind="stable", na_position="last"
    )
    out["group"] = pd.factorize(out["root"])[0] + 1
    return out[COLUMNS].reset_index(drop=True)
