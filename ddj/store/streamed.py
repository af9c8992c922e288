"""The calls that take a store in place of a frame, batch by batch: match, hits, problems, tables.

:func:`takes_store` is the one line at the top of ``ddj.match`` (and the
others) that sends a :class:`~ddj.store.Store` here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ddj import params, problem_rows, warns
from ddj.corpus import empty
from ddj.errors import DroppedRowsWarning
from ddj.store.disk import Store

# -- rows a count leaves out, over many batches ---------------------------------------------


@dataclass
class Skipped:
    """Rows left out by page type or date confidence, summed over batches (one warning for all)."""

    rows: int = 0
    kinds: dict[str, int] = field(default_factory=dict)  # page types left out, first seen first
    unsure: int = 0
    report: list[dict] = field(default_factory=list)

    @classmethod
    def of(
        cls, frame: pd.DataFrame, pages: Any, min_confidence: str | None
    ) -> tuple[Skipped, np.ndarray]:
        """What ``ddj.corpus.left_out`` leaves out of one batch, and its mask."""
        from ddj.corpus import left_out

        out = left_out(frame, pages=pages, min_confidence=min_confidence)
        skipped = cls(rows=len(frame), report=list(out.report))
        if out.message is None:
            return skipped, out.mask
        other = np.zeros(len(frame), dtype=bool)
        if pages is not None and "page_type" in frame.columns:
            other = ~frame["page_type"].fillna("article").isin(pages).to_numpy()
        for kind, n in frame["page_type"][other].value_counts(sort=False).items():
            skipped.kinds[kind] = int(n)
        skipped.unsure = int((out.mask & ~other).sum())
        return skipped, out.mask

    def add(self, other: Skipped) -> Skipped:
        """The rows left out of both."""
        kinds = dict(self.kinds)
        for kind, n in other.kinds.items():
            kinds[kind] = kinds.get(kind, 0) + n
        return Skipped(
            self.rows + other.rows, kinds, self.unsure + other.unsure, self.report + other.report
        )

    def warn(self, min_confidence: str | None, stacklevel: int) -> None:
        """The one DroppedRowsWarning the in-memory call gives, in its words."""
        if not self.report:
            return
        warning = warns.left_out(self.report, self.kinds, self.unsure, self.rows, min_confidence)
        warnings.warn(warning, stacklevel=stacklevel + 1)


# -- streamed calls --------------------------------------------------------------------------


def match(corpus: Store, topics: Any, *args: Any, **options: Any) -> pd.DataFrame:
    """``ddj.match`` on a store, batch by batch: the same columns, indexed by article ``id``.

    The rows are in store order; ``ddj.match(store.to_pandas(), topics)``
    gives the same values on a 0..n-1 index instead.
    """
    from ddj.matching import match as match_frame
    from ddj.matching import resolve

    chosen = resolve(topics)
    pages = params.pages(options.get("pages", "article"))
    parts = []
    skipped = Skipped()
    for frame in corpus.batches():
        skipped = skipped.add(Skipped.of(frame, pages, None)[0])
        with warnings.catch_warnings():  # one warning for the whole store, below
            warnings.simplefilter("ignore", DroppedRowsWarning)
            found = match_frame(frame, chosen, *args, **options)
        parts.append(found.set_axis(pd.Index(frame["id"], name="id")))
    skipped.warn(None, stacklevel=3)
    if not parts:
        return match_frame(empty(), chosen, *args, **options).set_axis(
            pd.Index([], dtype="str", name="id")
        )
    return pd.concat(parts) if len(parts) > 1 else parts[0]


def hits(
    corpus: Store,
    topic: Any,
    width: int = 80,
    limit: int | None = None,
    *args: Any,
    **options: Any,
) -> pd.DataFrame:
    """``ddj.hits`` on a store, batch by batch (stops reading once ``limit`` hits are found)."""
    from ddj.matching import hit_table
    from ddj.matching import hits as hits_frame

    pages = params.pages(options.get("pages", "article"))
    rows: list[dict] = []
    last = None
    skipped = Skipped()
    if limit is not None:  # the in-memory call counts the whole corpus's non-articles
        skipped = _skipped(corpus, pages)
    for frame in corpus.batches():
        left = None if limit is None else max(limit - len(rows), 0)
        if limit is None:
            skipped = skipped.add(Skipped.of(frame, pages, None)[0])
        with warnings.catch_warnings():  # one warning for the rows read, below
            warnings.simplefilter("ignore", DroppedRowsWarning)
            last = hits_frame(frame, topic, width, left, *args, **options)
        rows.extend(last.drop(columns="snippet").to_dict("records"))
        if limit is not None and len(rows) >= limit:
            break
    skipped.warn(None, stacklevel=3)
    if last is None:
        return hits_frame(empty(), topic, width, limit, *args, **options)
    return hit_table(rows, limit)


def _skipped(store: Store, pages: Any) -> Skipped:
    """The non-articles of the whole store, from the columns that tell (not the text)."""
    skipped = Skipped()
    for frame in store.batches(columns=["page_type", "source", "url"]):
        skipped = skipped.add(Skipped.of(frame, pages, None)[0])
    return skipped


def problems(store: Store) -> pd.DataFrame:
    """``ddj.problems`` of a store: what its appends skipped or left out, what a read leaves out, the non-articles.

    The appends' records in the order written (what they skipped, left
    undated, or left out as already held), then the parts not read (damaged,
    misplaced) and the repeated articles read once, then each row whose
    ``page_type`` is not ``article``, in store order (three columns read).
    """
    rows = [p for record in store._records() for p in record.get("problems") or []]
    rows.extend(store.unread())
    for frame in store.batches(columns=["page_type", "source", "url", "id"]):
        rows.extend(problem_rows.not_articles(frame))
    return problem_rows.frame(rows)


def by_month(store: Store) -> pd.DataFrame:
    """``ddj.by_month`` of a store, from its ``published`` and ``outlet`` columns alone."""
    counts = []
    for frame in store.batches(columns=["published", "outlet"]):
        dated = frame.dropna(subset=["published"])
        month = dated["published"].dt.strftime("%Y-%m").rename("month")
        counts.append(dated.groupby([month, "outlet"]).size())
    if not counts:
        from ddj.measure import by_month as by_month_frame

        return by_month_frame(empty())
    summed = pd.concat(counts).groupby(level=["month", "outlet"]).sum()
    return summed.unstack(fill_value=0)


def date_signals(store: Store) -> pd.DataFrame:
    """``ddj.date_signals`` of a store, from its ``published_from`` column alone."""
    total: dict[str, int] = {}  # in order of first appearance, as value_counts counts
    for frame in store.batches(columns=["published_from"]):
        for key, n in frame["published_from"].value_counts(sort=False).items():
            total[key] = total.get(key, 0) + int(n)
    index = pd.Index(list(total), dtype="str", name="published_from")
    counts = pd.Series(list(total.values()), index=index, name="count", dtype="int64")
    return counts.sort_values(ascending=False).rename("date signal").to_frame()


def fingerprint_hash(store: Store, columns: list[str]) -> tuple[int, str]:
    """Rows and the SHA-256 (hex) of ``hash_pandas_object`` of ``columns``, batch by batch.

    The digest ``ddj.notebooks.fingerprint`` gives the same rows in memory.
    """
    import hashlib

    digest = hashlib.sha256()
    n = 0
    for frame in store.batches(columns=columns):
        hashed = pd.util.hash_pandas_object(frame[columns], index=False)
        digest.update(hashed.to_numpy().tobytes())
        n += len(frame)
    return n, digest.hexdigest()
