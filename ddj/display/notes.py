"""Data notes: what loading and counting dropped, in one "about this data" note, not red text."""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from typing import Any

import pandas as pd

from ddj.display.text import Markdown, escape_markdown
from ddj.errors import DroppedRowsWarning
from ddj.problem_rows import DATE_KINDS, KINDS, counts
from ddj.scan import problems

log = logging.getLogger("ddj")


class Notes:
    """The data notes (``DroppedRowsWarning``) of the code run inside ``with notes:`` blocks.

    In a notebook, an expected note (undated rows, duplicates dropped) printed
    in red in the middle of the analysis reads as a failure. Inside ``with
    notes:`` such warnings are kept here for :func:`about` instead, and passed to
    the ``ddj`` logger (when logging is configured) so logs still get them. Other
    warnings are shown as ever. Outside the block nothing changes: code that
    calls ddj gets every warning.

    Examples
    --------
    >>> notes = Notes()
    >>> with notes:
    ...     warnings.warn(DroppedRowsWarning("2 rows without a date"))
    >>> notes.messages
    ['2 rows without a date']
    """

    def __init__(self) -> None:
        self.messages: list[str] = []
        self._open: list[tuple[Any, list[Any]]] = []  # (catcher, caught) of each block entered

    def __enter__(self) -> Notes:
        catcher = warnings.catch_warnings(record=True)
        self._open.append((catcher, catcher.__enter__()))
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc: object) -> None:
        catcher, caught = self._open.pop()
        catcher.__exit__(*exc)
        for w in caught:
            if issubclass(w.category, DroppedRowsWarning):
                self._keep(str(w.message))
            else:  # not a data note: shown as it would have been
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    def _keep(self, message: str) -> None:
        if message not in self.messages:
            self.messages.append(message)
        if log.hasHandlers():  # with no handler, logging's last resort would print it in red
            log.warning(message)


def about(corpus: pd.DataFrame, notes: Notes | None = None) -> Markdown:
    """One short "about this data" note: articles, what was dropped or undated or not an article.

    Counts come from ``ddj.problems(corpus)`` (grouped by ``kind``, in the
    words of :data:`ddj.problem_rows.KINDS`) and from the corpus itself (rows
    without a date, ``page_type`` other than article); the messages ``notes``
    kept follow, and a pointer to ``ddj.problems`` for the item-by-item list.

    Examples
    --------
    >>> print(about(corpus).text)
    **About this data.** 306 articles; 18 without a date (left out of counts over time); 4 duplicates dropped. `ddj.problems(articles)` lists each item and why.
    """
    types = _page_types(corpus)
    size = f"{len(corpus):,} articles"
    if types:
        size = (
            f"{len(corpus):,} pages or rows, {len(corpus) - sum(types.values()):,} of them articles"
        )
    parts = [f"**About this data.** {size}"]
    undated = int(corpus["published"].isna().sum()) if "published" in corpus else 0
    if undated:
        parts.append(f"{undated:,} without a date (left out of counts over time)")
    said_elsewhere = set(DATE_KINDS) if undated else set()
    if types:  # the page types say it better than the problem list's one line per page
        listed = ", ".join(f"{escape_markdown(kind)} {n:,}" for kind, n in types.items())
        parts.append(f"{sum(types.values()):,} not articles ({listed}; not counted)")
        said_elsewhere.add("not-an-article")
    groups: Counter[tuple[str, str]] = Counter()  # kinds that share their words are one group
    for kind, n in counts(problems(corpus)).items():
        if kind not in said_elsewhere:
            groups[KINDS[kind]] += n
    parts += [f"{n:,} {words[n != 1]}" for words, n in groups.items()]
    text = "; ".join(parts) + ". `ddj.problems(articles)` lists each item and why."
    if notes is not None and notes.messages:
        said = "\n".join(f"- {escape_markdown(m)}" for m in notes.messages)
        text += f"\n\nWhat loading and counting reported:\n\n{said}"
    return Markdown(text)


def _page_types(corpus: pd.DataFrame) -> dict[str, int]:
    if "page_type" not in corpus:
        return {}
    kinds = corpus["page_type"].fillna("article")
    return {str(k): int(n) for k, n in kinds[kinds != "article"].value_counts().items()}
