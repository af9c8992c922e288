"""Problems as records: each item a step skipped, dropped, could not date or leaves out, with its kind.

A problem is one dict with a ``kind`` (one of :data:`KINDS`, a closed
vocabulary), the ``source`` it came from (a file, ``file#row=N``, a URL), a
``reason`` in words, and the article's ``id`` and ``url`` where there is one.
Loaders keep them in ``attrs[PROBLEMS_ATTR]``; :func:`frame` turns any list of
them into the table ``ddj.problems(...)`` returns. Code that reads problems
reads the ``kind``, never the words of the ``reason``.

This module imports nothing of ddj's but its errors, constants and warnings
(:mod:`ddj.warns`): every other module may import it.

Examples
--------
>>> p = problem("duplicate", "b.html", "duplicate of https://a.example/x", url="https://a.example/x")
>>> frame([p])[["kind", "source"]].to_dict("records")
[{'kind': 'duplicate', 'source': 'b.html'}]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ddj import warns
from ddj.constants import CONFIDENCE, PROBLEMS_ATTR
from ddj.errors import DroppedRowsWarning, SchemaError

#: Every kind of problem ddj reports, with the words for one and for several in a data note.
KINDS: dict[str, tuple[str, str]] = {
    "undated": ("without a usable date", "without a usable date"),
    "bad-date": ("without a usable date", "without a usable date"),
    "implausible-date": ("without a usable date", "without a usable date"),
    "unknown-timezone": ("without a usable date", "without a usable date"),
    "unsure-date": ("with a date less sure than asked", "with a date less sure than asked"),
    "duplicate": ("duplicate dropped", "duplicates dropped"),
    "already-held": ("held already (same id), read once", "held already (same id), read once"),
    "not-an-article": ("not an article", "not articles"),
    "outside-window": ("outside the collection window", "outside the collection window"),
    "unreadable": ("could not be read", "could not be read"),
    "not-found": ("listed but not found", "listed but not found"),
    "no-url": ("file with rows without a URL", "files with rows without a URL"),
    "unknown-value": ("with a value ddj does not know", "with a value ddj does not know"),
    "repaired": ("repaired", "repaired"),
}
#: The kinds that say an article has no date it can be counted by.
DATE_KINDS = ("undated", "bad-date", "implausible-date", "unknown-timezone")
#: The kind of a problem recorded before problems had kinds (a store written by an older ddj).
UNKNOWN_KIND = "unreadable"
#: The columns of ``ddj.problems(...)``.
COLUMNS = ("source", "reason", "kind", "id", "url")


def problem(
    kind: str, source: Any, reason: str, *, id: Any = None, url: Any = None
) -> dict[str, Any]:
    """One problem record: its ``kind`` (one of :data:`KINDS`), ``source``, ``reason``, ``id`` and ``url``.

    Examples
    --------
    >>> problem("undated", "t.csv#row=2", "no publication date found")["kind"]
    'undated'
    >>> problem("odd", "x", "y")
    Traceback (most recent call last):
    ValueError: 'odd' is not a kind of problem; use one of undated, bad-date, ...
    """
    if kind not in KINDS:
        msg = f"{kind!r} is not a kind of problem; use one of {', '.join(list(KINDS)[:2])}, ..."
        raise ValueError(msg)
    row: dict[str, Any] = {"source": _text(source), "reason": str(reason), "kind": kind}
    if _text(id):
        row["id"] = _text(id)
    if _text(url):
        row["url"] = _text(url)
    return row


def frame(rows: list[dict]) -> pd.DataFrame:
    """The problems ``rows`` as the table ``ddj.problems`` returns (:data:`COLUMNS`, all ``str``).

    A row recorded without a kind (by an older ddj, in a store) is :data:`UNKNOWN_KIND`.

    Examples
    --------
    >>> frame([{"source": "a.html", "reason": "no article"}]).iloc[0].tolist()
    ['a.html', 'no article', 'unreadable', nan, nan]
    """
    table = pd.DataFrame(list(rows), columns=list(COLUMNS)).astype("str")
    if len(table):
        table["kind"] = table["kind"].fillna(UNKNOWN_KIND)
    return table


def listed(corpus: pd.DataFrame) -> list[dict]:
    """The problems of one frame: those in its ``attrs``, its non-articles, its rows with no URL."""
    return list(corpus.attrs.get(PROBLEMS_ATTR, [])) + not_articles(corpus) + without_url(corpus)


def added(corpus: pd.DataFrame, report: list[dict]) -> pd.DataFrame:
    """A shallow copy of ``corpus`` whose ``attrs`` list ``report`` after its own problems (no warning)."""
    result = corpus.copy(deep=False)
    result.attrs = {**corpus.attrs}
    result.attrs[PROBLEMS_ATTR] = list(corpus.attrs.get(PROBLEMS_ATTR, [])) + list(report)
    return result


def counts(rows: pd.DataFrame | list[dict]) -> dict[str, int]:
    """How many problems of each kind, in the order of :data:`KINDS`.

    Examples
    --------
    >>> counts([problem("duplicate", "a", "x"), problem("undated", "b", "y"), problem("duplicate", "c", "z")])
    {'undated': 1, 'duplicate': 2}
    """
    kinds = frame(rows)["kind"] if isinstance(rows, list) else rows["kind"]
    found = kinds.value_counts()
    return {k: int(found[k]) for k in KINDS if k in found.index}


def not_articles(corpus: pd.DataFrame) -> list[dict]:
    """One problem a row whose page is not an article (``"not an article: paywall"``)."""
    if "page_type" not in corpus.columns:
        return []
    kinds = corpus["page_type"]
    other = (kinds.notna() & (kinds != "article")).to_numpy()
    if not other.any():
        return []
    sources, urls, ids = (_column(corpus, c)[other] for c in ("source", "url", "id"))
    return [
        problem("not-an-article", _first_str(s, u), f"not an article: {k}", id=i, url=u)
        for s, u, i, k in zip(sources, urls, ids, kinds[other], strict=True)
    ]


def without_url(corpus: pd.DataFrame) -> list[dict]:
    """One problem per file of rows with neither URL nor text: their id is their headline's."""
    return without_url_problems(without_url_counts(corpus))


def without_url_counts(corpus: pd.DataFrame) -> pd.Series:
    """Rows with neither URL nor text, counted per file (first seen first), so batches add up."""
    if not {"url", "text", "source"} <= set(corpus.columns):
        return pd.Series(dtype="int64")
    blank = [corpus[c].isna() | corpus[c].eq("") for c in ("url", "text")]
    missing = (blank[0] & blank[1]).to_numpy()
    if not missing.any():
        return pd.Series(dtype="int64")
    files = corpus["source"][missing].fillna("").str.replace(r"#row=\d+$", "", regex=True)
    return files.value_counts(sort=False)


def without_url_problems(counts: pd.Series) -> list[dict]:
    """One ``no-url`` problem per file, from :func:`without_url_counts`'s counts."""
    return [
        problem("no-url", file, f"{n} row(s) with no URL: id made from outlet, title and day")
        for file, n in counts.items()
    ]


@dataclass(frozen=True)
class LeftOut:
    """The rows a count leaves out by page type and date confidence, and why.

    Attributes
    ----------
    mask
        One bool a row: True where the row is not counted.
    report
        One problem record a row left out.
    message
        The sentence for the one warning that counts them, or None when no row is left out.
    warning
        That warning (:func:`ddj.warns.left_out`, carrying ``report``), or None.
    types
        Rows left out per page type (first seen first).
    unsure
        Rows left out for a date less sure than asked.
    """

    mask: np.ndarray
    report: list[dict]
    message: str | None
    warning: DroppedRowsWarning | None = None
    types: dict[str, int] = field(default_factory=dict)
    unsure: int = 0


def left_out(
    corpus: pd.DataFrame,
    *,
    pages: tuple[str, ...] | None = ("article",),
    min_confidence: str | None = None,
) -> LeftOut:
    """Rows a count leaves out: pages of other types than ``pages``, dates less sure than ``min_confidence``.

    ``pages`` and ``min_confidence`` as :func:`ddj.params.pages` and
    :func:`ddj.params.confidence` return them (``None``: every row, every
    date). A frame without a ``page_type`` column counts as all articles;
    undated rows are never left out here (a count says how many it had).

    Examples
    --------
    >>> c = pd.DataFrame({"url": ["u1", "u2"], "page_type": ["article", "paywall"]})
    >>> out = left_out(c)
    >>> out.mask.tolist(), out.report[0]["reason"], out.report[0]["kind"]
    ([False, True], 'not an article: paywall', 'not-an-article')
    """
    n = len(corpus)
    other = np.zeros(n, dtype=bool)
    if pages is not None and "page_type" in corpus.columns:
        other = ~corpus["page_type"].fillna("article").isin(pages).to_numpy()
    unsure = np.zeros(n, dtype=bool)
    if min_confidence is not None:
        missing = [c for c in ("published", "published_confidence") if c not in corpus.columns]
        if missing:
            msg = (
                f"The corpus lacks the column(s) {missing}; it has {list(corpus.columns)}. "
                "Build it with ddj.load(...) or pass it through ddj.corpus.conform(frame)."
            )
            raise SchemaError(msg)
        rank = corpus["published_confidence"].map({c: i for i, c in enumerate(CONFIDENCE)})
        below = rank.isna() | (rank < CONFIDENCE.index(min_confidence))
        unsure = (corpus["published"].notna() & below).to_numpy() & ~other
    mask = other | unsure
    if not mask.any():
        return LeftOut(mask, [], None)
    sources, urls, ids = (_column(corpus, c) for c in ("source", "url", "id"))
    report = [
        problem("not-an-article", _first_str(s, u), f"not an article: {t}", id=i, url=u)
        if o
        else problem(
            "unsure-date",
            _first_str(s, u),
            f"publication date less sure than min_confidence={min_confidence!r}",
            id=i,
            url=u,
        )
        for s, u, i, t, o in zip(
            sources[mask],
            urls[mask],
            ids[mask],
            _column(corpus, "page_type")[mask],
            other[mask],
            strict=True,
        )
    ]
    types = corpus["page_type"][other].value_counts(sort=False).to_dict() if other.any() else {}
    types = {kind: int(n) for kind, n in types.items()}
    warning = warns.left_out(report, types, int(unsure.sum()), len(corpus), min_confidence)
    return LeftOut(mask, report, str(warning), warning, types, int(unsure.sum()))


def _column(corpus: pd.DataFrame, name: str) -> pd.Series:
    if name in corpus.columns:
        return corpus[name]
    return pd.Series(None, index=corpus.index, dtype=object)


def _text(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def _first_str(*values: Any) -> str:
    for v in values:
        if isinstance(v, str) and v:
            return v
    return ""
