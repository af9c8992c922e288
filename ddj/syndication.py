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

from ddj.corpus import validate
from ddj.errors import ParameterError

_TOKEN = re.compile(r"\w+")


def find_syndicated(
    corpus: pd.DataFrame,
    threshold: float = 0.8,
    num_perm: int = 128,
    shingle: int = 5,
    min_words: int = 40,
) -> pd.DataFrame:
    """Groups of articles whose texts are near-duplicates (estimated Jaccard >= ``threshold``).

    Parameters
    ----------
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
    DataFrame with one row per article in a group of two or more: ``group``,
    ``index`` (the corpus index label), ``id``, ``url``, ``outlet``,
    ``published``, ``title``; in each group the earliest article comes first.

    Examples
    --------
    >>> import ddj
    >>> groups = find_syndicated(ddj.demo_corpus())  # doctest: +SKIP
    >>> groups.groupby("group")["outlet"].apply(list).head()  # doctest: +SKIP
    """
    from datasketch import MinHash, MinHashLSH

    validate(corpus, ("text",), what="corpus")
    _check_parameters(threshold, num_perm, shingle, min_words)
    from ddj.query import fold

    texts = corpus["text"].tolist()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    hashes: dict[int, MinHash] = {}
    for pos, text in enumerate(texts):
        if not isinstance(text, str):
            continue
        words = _TOKEN.findall(fold(text))
        if len(words) < min_words:
            continue
        grams = {" ".join(words[i : i + shingle]).encode() for i in range(len(words) - shingle + 1)}
        mh = MinHash(num_perm=num_perm, seed=1)
        mh.update_batch(list(grams))
        hashes[pos] = mh
        lsh.insert(pos, mh)
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for pos, mh in hashes.items():
        for other in lsh.query(mh):
            if other != pos and hashes[other].jaccard(mh) >= threshold:
                a, b = root(pos), root(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    roots = np.array([root(i) for i in range(len(texts))])
    sizes = pd.Series(roots).value_counts()
    grouped = [i for i in range(len(texts)) if sizes[roots[i]] > 1]
    columns = ["group", "index", "id", "url", "outlet", "published", "title"]
    if not grouped:
        return pd.DataFrame(columns=columns)
    rows = corpus.iloc[grouped]
    out = pd.DataFrame(
        {
            "root": roots[grouped],
            "index": rows.index,
            "id": rows["id"].to_numpy() if "id" in rows else None,
            "url": rows["url"].to_numpy() if "url" in rows else None,
            "outlet": rows["outlet"].to_numpy() if "outlet" in rows else None,
            "published": rows["published"].to_numpy() if "published" in rows else pd.NaT,
            "title": rows["title"].to_numpy() if "title" in rows else None,
        }
    )
    first_seen = out.groupby("root")["published"].transform("min")
    out = out.assign(first=first_seen).sort_values(
        ["first", "root", "published"], kind="stable", na_position="last"
    )
    out["group"] = pd.factorize(out["root"])[0] + 1
    return out[columns].reset_index(drop=True)


def _check_parameters(threshold: Any, num_perm: Any, shingle: Any, min_words: Any) -> None:
    """Refuse settings that would group everything (``shingle=0``) or nothing, naming the fix."""
    number = isinstance(threshold, (int, float, np.integer, np.floating)) and not isinstance(
        threshold, bool
    )
    if not number or not 0 < threshold < 1:
        msg = f"threshold={threshold!r}: give a similarity between 0 and 1, such as 0.8."
        raise ParameterError(msg)
    for name, value, lo, hi, example in (
        ("num_perm", num_perm, 16, 4096, 128),
        ("shingle", shingle, 1, 50, 5),
        ("min_words", min_words, 1, 100_000, 40),
    ):
        whole = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
        if not whole or not lo <= value <= hi:
            msg = f"{name}={value!r}: give a whole number from {lo} to {hi:,}, such as {name}={example}."
            raise ParameterError(msg)
