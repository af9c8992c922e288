"""Hits as keyword in context: the matched words marked in the middle of a fixed window."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ddj.display.tables import MAX_SHOWN_ROWS, SEARCHABLE_ROWS, Searchable, _HtmlTable
from ddj.display.text import day, escape, link, plain
from ddj.params import whole

#: How a keyword-in-context cell lines up (one style for every row; see ``in_context``).
KWIC_STYLE = (
    "<style>.ddj-kwic{white-space:nowrap}.ddj-left,.ddj-right{display:inline-block}"
    ".ddj-left{text-align:right}.ddj-right{text-align:left}</style>"
)

#: How to have every hit when a view shows the first ``MAX_SHOWN_ROWS``.
GET_ALL = (
    "<code>found = ddj.hits(corpus, topic)</code> gives every hit, "
    '<code>found.to_csv("hits.csv")</code> saves them for a spreadsheet'
)

#: Characters of context on each side of a match in ``kwic``.
CONTEXT = 40


def kwic(hits: pd.DataFrame, *, context: int = CONTEXT, searchable: bool | None = None) -> Any:
    """Hits (``ddj.hits``) as keyword in context: date, outlet, title as a link, the match marked.

    Each row shows the matched words in ``<mark>`` between at most ``context``
    characters before and after (cut at a word, with "…"), so the match stands
    in the middle of the cell. Titles link to the article when its address is
    ``http`` or ``https``. Every text is escaped: a headline or article cannot
    run in the notebook.

    Parameters
    ----------
    hits
        A frame from ``ddj.hits``; it is neither changed nor copied.
    context
        Characters of context on each side, 10 to 500.
    searchable
        As in :func:`table`.

    Returns
    -------
    Searchable or Styler
        A view whose ``.data`` is ``hits``.

    Examples
    --------
    >>> found = ddj.hits(ddj.corpus.conform([{"url": "https://n.example/1",
    ...     "title": "Talks <b>", "text": "Talks on Hong Kong resumed."}]), "hong_kong")
    >>> cells = kwic_cells(found)
    >>> '">Talks on</span> <mark>Hong Kong</mark> <span class="ddj-right"' in cells.loc[0, "in context"]
    True
    >>> cells.loc[0, "title"]
    '<a href="https://n.example/1" target="_blank" rel="noopener noreferrer">Talks &lt;b&gt;</a>'
    """
    whole(context, "context", lo=10, hi=500, example=CONTEXT)
    cells = kwic_cells(hits.head(MAX_SHOWN_ROWS), context=context)
    if searchable is None:
        searchable = len(hits) > SEARCHABLE_ROWS
    if searchable:
        left = {"columnDefs": [{"className": "dt-left", "targets": "_all"}]}
        return Searchable(
            hits, cells=cells, options=left, style=KWIC_STYLE, rows="hits", get_all=GET_ALL
        )
    return _HtmlTable(hits, cells, style=KWIC_STYLE)


def kwic_cells(hits: pd.DataFrame, *, context: int = CONTEXT) -> pd.DataFrame:
    """The HTML of each cell of the keyword-in-context view (escaped; see :func:`kwic`)."""
    rows = {
        "published": [day(v) for v in hits["published"]],
        "outlet": [escape(v) for v in hits["outlet"]],
        "title": [link(u, t) for u, t in zip(hits["url"], hits["title"], strict=True)],
        "in context": [
            in_context(b, m, a, context=context, aligned=True)
            for b, m, a in zip(hits["before"], hits["matched"], hits["after"], strict=True)
        ],
    }
    if "field" in hits:
        rows["in"] = [escape(v) for v in hits["field"]]
    return pd.DataFrame(rows, index=hits.index, dtype=object).reset_index(drop=True)


def in_context(
    before: Any, matched: Any, after: Any, *, context: int = CONTEXT, aligned: bool = False
) -> str:
    """``…before <mark>matched</mark> after…`` as HTML, each side cut to ``context`` characters.

    With ``aligned``, each side is a box ``context`` characters wide (the
    left one right-aligned), so in a column of rows the matches line up in the
    middle, as a keyword-in-context listing reads.

    Examples
    --------
    >>> in_context("a long run of words before ", "<Hong Kong>", " and after it", context=14)
    '…words before <mark>&lt;Hong Kong&gt;</mark> and after it'
    >>> in_context("", "Taiwan", " drills near the strait", context=12)
    '<mark>Taiwan</mark> drills near…'
    >>> in_context("talks in ", "China", ", its capital")  # a space only where the text has one
    'talks in <mark>China</mark>, its capital'
    """
    left, right = plain(before), plain(after)
    gap_left = " " if left[-1:].isspace() else ""  # as ddj.hits kept it from the article
    gap_right = " " if right[:1].isspace() else ""
    left, right = left.rstrip(), right.lstrip()
    cut_left, cut_right = left.startswith("…") or len(left) > context, right.endswith("…")
    cut_right = cut_right or len(right) > context
    left, right = _tail(left.lstrip("…"), context), _head(right.rstrip("…"), context)
    shown_left = ("…" if cut_left else "") + escape(left)
    shown_right = escape(right) + ("…" if cut_right else "")
    mark = f"<mark>{escape(matched)}</mark>"
    if not aligned:
        return f"{shown_left}{gap_left}{mark}{gap_right}{shown_right}".strip()
    width = f"min-width:{round(context * 0.5)}em"
    return (
        f'<span class="ddj-kwic"><span class="ddj-left" style="{width}">{shown_left}</span>'
        f'{gap_left}{mark}{gap_right}<span class="ddj-right" style="{width}">{shown_right}</span></span>'
    )


def _tail(text: str, n: int) -> str:
    """The last ``n`` characters of ``text``, less a word cut in two at the start."""
    if len(text) <= n:
        return text
    kept = text[-n:]
    if not text[-n - 1].isspace() and " " in kept:
        kept = kept.split(" ", 1)[1]
    return kept


def _head(text: str, n: int) -> str:
    """The first ``n`` characters of ``text``, less a word cut in two at the end."""
    if len(text) <= n:
        return text
    kept = text[:n]
    if not text[n].isspace() and " " in kept:
        kept = kept.rsplit(" ", 1)[0]
    return kept
