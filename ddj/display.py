"""Tables for people in a notebook: formatted views of frames, hits in context, data notes.

Everything here is a *view*: the frame a function is given stays the frame code
works with, unchanged and uncopied, and the view formats it only when a notebook
shows it. ``table`` shows shares as percentages, dates as dates and counts with
separators (chosen by column name and dtype: ``share*``, ``period*``,
``published*``, whole numbers); ``kwic`` shows hits (``ddj.hits``) as keyword in
context, the matched words in ``<mark>`` in the middle of a fixed window, the
title a link to the article; ``about`` gathers what loading and counting
dropped into one short note, and ``Notes`` keeps the warnings that note is made
of out of the notebook's red stderr while they still reach code and logs.

Long tables become searchable and sortable with itables in its offline mode
(the DataTables code is in the page, no CDN): call :func:`offline_tables` once
in the notebook, before the first long table. Every text from a corpus is
escaped for HTML before it is shown; only ``http`` and ``https`` addresses
become links.
"""

from __future__ import annotations

import html
import logging
import warnings
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from ddj.errors import DroppedRowsWarning

__all__ = [
    "Notes", "Searchable", "about", "formatters", "in_context", "kwic", "kwic_cells", "link",
    "offline_tables", "table",
]  # fmt: skip

#: How a keyword-in-context cell lines up (one style for every row; see ``in_context``).
KWIC_STYLE = (
    "<style>.ddj-kwic{white-space:nowrap}.ddj-left,.ddj-right{display:inline-block}"
    ".ddj-left{text-align:right}.ddj-right{text-align:left}</style>"
)

#: Tables with more rows than this are shown searchable and sortable (itables).
SEARCHABLE_ROWS = 20
#: At most this many rows of a table go into a notebook page; the note under it says so.
MAX_SHOWN_ROWS = 2_000
#: Characters of context on each side of a match in ``kwic``.
CONTEXT = 40
#: A title longer than this is cut (with "…") in a view; an address longer than this is not a link.
MAX_TITLE = 200
MAX_URL = 2_000

log = logging.getLogger("ddj")


# -- tables for people ---------------------------------------------------------------------------


def formatters(frame: pd.DataFrame) -> dict[Any, Callable[[Any], str]]:
    """How each column of ``frame`` reads in a table: one function per column that needs one.

    Columns named ``share*`` become percentages (``6.9%``); datetimes (and
    columns named ``period*`` or ``published*`` that hold them) become dates
    (``2019-06-29``, which sorts as it reads); whole numbers get thousands
    separators; other numbers two decimals; booleans ``yes``/``no``. Missing
    values show as an empty cell.

    Examples
    --------
    >>> frame = pd.DataFrame({"period": pd.to_datetime(["2019-06-29 12:00"], utc=True),
    ...                       "articles": [12345], "share": [0.069613]})
    >>> {name: f(frame[name].iloc[0]) for name, f in formatters(frame).items()}
    {'period': '2019-06-29', 'articles': '12,345', 'share': '7.0%'}
    """
    kinds: dict[Any, set[str | None]] = {}
    for name, dtype in frame.dtypes.items():
        kinds.setdefault(name, set()).add(_kind(str(name), dtype))
    # a name given to two columns of different kinds is left as it is
    return {name: _FORMATS[k] for name, (k, *more) in kinds.items() if k and not more}


def table(
    frame: pd.DataFrame, *, caption: str | None = None, searchable: bool | None = None
) -> Any:
    """A view of ``frame`` for people: formatted (see :func:`formatters`) and escaped.

    Parameters
    ----------
    frame
        Any DataFrame; it is neither changed nor copied.
    caption
        A line above the table.
    searchable
        Searchable and sortable (itables, offline); default: when the frame has
        more than ``SEARCHABLE_ROWS`` rows.

    Returns
    -------
    pandas.io.formats.style.Styler or Searchable
        A Styler over ``frame`` (``.data`` is ``frame``), or, searchable, a view
        whose ``.data`` is ``frame`` and whose HTML is an itables table.

    Examples
    --------
    >>> view = table(cov[["period", "label", "articles", "total", "share"]].head(2))
    >>> view.data is not None, "2019-01-01" in view.to_html(), "%" in view.to_html()
    (True, True, True)
    """
    if searchable is None:
        searchable = len(frame) > SEARCHABLE_ROWS
    if searchable:
        return Searchable(frame, caption=caption)
    return _styled(frame, caption)


class Searchable:
    """A long table as a searchable, sortable itables table (offline); ``data`` is the frame."""

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        caption: str | None = None,
        cells: pd.DataFrame | None = None,
        options: Mapping[str, Any] | None = None,
        style: str = "",
    ):
        self.data = data
        self.caption = caption
        self._cells = cells  # HTML per cell, when a view (kwic) built its own
        self._options = dict(options or {})
        self._style = style

    def to_html(self) -> str:
        """The table's HTML: the itables script and data, and a note when rows were left out."""
        from itables import to_html_datatable

        cells = (
            self._cells if self._cells is not None else _as_cells(self.data.head(MAX_SHOWN_ROWS))
        )
        cells = cells.head(MAX_SHOWN_ROWS)
        page = to_html_datatable(
            cells, caption=_escape(self.caption) if self.caption else None,
            connected=False, allow_html=True, maxBytes=0, showIndex=False,
            classes="display compact", pageLength=10, lengthMenu=[10, 25, 100], **self._options,
        )  # fmt: skip
        return self._style + page + _more(len(self.data), len(cells))

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"<ddj table view: {len(self.data):,} rows; .data is the frame>"


def offline_tables() -> None:
    """Load the code of searchable tables (itables, offline) into this notebook: once, first.

    The DataTables code goes into the notebook's output, so its tables work with
    no internet, in JupyterLab and in the HTML of the executed notebook. Keep this
    cell's output; it changes no other display of pandas.
    """
    from itables import init_notebook_mode

    init_notebook_mode(all_interactive=False, connected=False)


# -- hits as keyword in context -----------------------------------------------------------------


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
    from ddj.params import whole

    whole(context, "context", lo=10, hi=500, example=CONTEXT)
    cells = kwic_cells(hits.head(MAX_SHOWN_ROWS), context=context)
    if searchable is None:
        searchable = len(hits) > SEARCHABLE_ROWS
    if searchable:
        left = {"columnDefs": [{"className": "dt-left", "targets": "_all"}]}
        return Searchable(hits, cells=cells, options=left, style=KWIC_STYLE)
    return _HtmlTable(hits, cells, style=KWIC_STYLE)


def kwic_cells(hits: pd.DataFrame, *, context: int = CONTEXT) -> pd.DataFrame:
    """The HTML of each cell of the keyword-in-context view (escaped; see :func:`kwic`)."""
    rows = {
        "published": [_date(v) for v in hits["published"]],
        "outlet": [_escape(v) for v in hits["outlet"]],
        "title": [link(u, t) for u, t in zip(hits["url"], hits["title"], strict=True)],
        "in context": [
            in_context(b, m, a, context=context, aligned=True)
            for b, m, a in zip(hits["before"], hits["matched"], hits["after"], strict=True)
        ],
    }
    if "field" in hits:
        rows["in"] = [_escape(v) for v in hits["field"]]
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
    >>> in_context("a long run of words before", "<Hong Kong>", "and after it", context=14)
    '…words before <mark>&lt;Hong Kong&gt;</mark> and after it'
    >>> in_context("", "Taiwan", "drills near the strait", context=12)
    '<mark>Taiwan</mark> drills near…'
    """
    left, right = _text(before), _text(after)
    cut_left, cut_right = left.startswith("…") or len(left) > context, right.endswith("…")
    cut_right = cut_right or len(right) > context
    left, right = _tail(left.lstrip("…"), context), _head(right.rstrip("…"), context)
    shown_left = ("…" if cut_left else "") + _escape(left)
    shown_right = _escape(right) + ("…" if cut_right else "")
    mark = f"<mark>{_escape(matched)}</mark>"
    if not aligned:
        return f"{shown_left} {mark} {shown_right}".strip()
    width = f"min-width:{round(context * 0.45)}em"
    return (
        f'<span class="ddj-kwic"><span class="ddj-left" style="{width}">{shown_left}</span>'
        f' {mark} <span class="ddj-right" style="{width}">{shown_right}</span></span>'
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


def link(url: Any, title: Any) -> str:
    """The title as a link to ``url`` when it is an ``http(s)`` address, else the title as text.

    Examples
    --------
    >>> link("javascript:alert(1)", "Hi")
    'Hi'
    >>> link('https://n.example/?a=1&b="2"', None)
    '<a href="https://n.example/?a=1&amp;b=&quot;2&quot;" target="_blank" rel="noopener noreferrer">(no title)</a>'
    """
    text = _text(title) or "(no title)"
    if len(text) > MAX_TITLE:
        text = text[: MAX_TITLE - 1] + "…"
    shown = _escape(text)
    address = _web_address(url)
    if address is None:
        return shown
    return f'<a href="{_escape(address)}" target="_blank" rel="noopener noreferrer">{shown}</a>'


# -- data notes -----------------------------------------------------------------------------------


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


#: How ``about`` groups the reasons of ``ddj.problems``: the first phrase found in a reason names its group.
REASONS = {
    "duplicate of": ("duplicate dropped", "duplicates dropped"),
    "date": ("without a usable date", "without a usable date"),
    "not an article": ("not an article", "not articles"),
    "outside since/until": ("outside the collection window", "outside the collection window"),
}
#: The group of every other reason of ``ddj.problems``.
UNREAD = ("could not be read", "could not be read")


def about(corpus: pd.DataFrame, notes: Notes | None = None) -> Markdown:
    """One short "about this data" note: articles, what was dropped or undated or not an article.

    Counts come from ``ddj.problems(corpus)`` (grouped as in :data:`REASONS`;
    other reasons are "could not be read") and from the corpus itself (rows
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
    said_elsewhere = {REASONS["date"]} if undated else set()
    if types:  # the page types say it better than the problem list's one line per page
        listed = ", ".join(f"{kind} {n:,}" for kind, n in types.items())
        parts.append(f"{sum(types.values()):,} not articles ({listed}; not counted)")
        said_elsewhere.add(REASONS["not an article"])
    for group, n in _problem_counts(corpus).items():
        if group not in said_elsewhere:
            parts.append(f"{n:,} {group[n != 1]}")
    text = "; ".join(parts) + ". `ddj.problems(articles)` lists each item and why."
    if notes is not None and notes.messages:
        said = "\n".join(f"- {_escape_markdown(m)}" for m in notes.messages)
        text += f"\n\nWhat loading and counting reported:\n\n{said}"
    return Markdown(text)


class Markdown:
    """Markdown text a notebook shows (``text``)."""

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


# -- helpers ------------------------------------------------------------------------------------


def _kind(name: str, dtype: Any) -> str | None:
    """Which format a column takes: share, date, count, number, yes/no, or none (text)."""
    lowered = name.lower()
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    if pd.api.types.is_bool_dtype(dtype):
        return "yes/no"
    if not pd.api.types.is_numeric_dtype(dtype):
        return None
    if lowered.startswith("share"):
        return "share"
    if pd.api.types.is_integer_dtype(dtype):
        return "count"
    return "number"


def _blank_missing(fn: Callable[[Any], str]) -> Callable[[Any], str]:
    def shown(value: Any) -> str:
        return "" if value is None or pd.isna(value) else fn(value)

    return shown


_FORMATS: dict[str, Callable[[Any], str]] = {
    "share": _blank_missing(lambda v: f"{v:.1%}"),
    "date": _blank_missing(lambda v: pd.Timestamp(v).strftime("%Y-%m-%d")),
    "count": _blank_missing(lambda v: f"{int(v):,}"),
    "number": _blank_missing(lambda v: f"{v:,.2f}"),
    "yes/no": _blank_missing(lambda v: "yes" if v else "no"),
}


def _styled(frame: pd.DataFrame, caption: str | None) -> Any:
    """A Styler over ``frame``: formatted, escaped (cells, index, header), text left, numbers right."""
    shown = formatters(frame)
    text = [
        j for j, c in enumerate(frame.columns) if c not in shown
    ]  # by position: names may repeat
    left = [{"selector": f"td.col{j}", "props": [("text-align", "left")]} for j in text]
    styler = (
        frame.style.format(shown, na_rep="", escape="html")
        .format_index(escape="html", axis=0)
        .format_index(escape="html", axis=1)
        .set_table_styles([{"selector": "th", "props": [("text-align", "left")]}, *left])
    )
    if isinstance(frame.index, pd.RangeIndex):
        styler = styler.hide(axis="index")
    if caption:
        styler = styler.set_caption(_escape(caption))
    return styler


def _as_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Each cell's shown text (formatted, escaped), for an itables table."""
    shown = formatters(frame)
    cells = {}
    for i, name in enumerate(frame.columns):
        fn = shown.get(name, _escape)
        cells[_escape(name)] = [fn(v) for v in frame.iloc[:, i]]
    out = pd.DataFrame(cells, dtype=object)
    if not isinstance(frame.index, pd.RangeIndex):
        names = [_escape(n) if n is not None else "" for n in frame.index.names]
        index = frame.index.to_frame(index=False).iloc[: len(out)]
        for j, n in reversed(list(enumerate(names))):
            out.insert(0, n or f"level {j}", [_escape(v) for v in index.iloc[:, j]])
    return out


class _HtmlTable:
    """A short view with cells already in HTML (kwic): a plain table, ``data`` the frame."""

    def __init__(self, data: pd.DataFrame, cells: pd.DataFrame, *, style: str = ""):
        self.data = data
        self._cells = cells
        self._style = style

    def to_html(self) -> str:
        """The table's HTML."""
        return self._style + self._cells.to_html(escape=False, index=False, border=0)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"<ddj hits view: {len(self.data):,} rows; .data is the frame>"


def _more(total: int, shown: int) -> str:
    if total <= shown:
        return ""
    return f"<p>First {shown:,} of {total:,} rows shown; the frame holds them all.</p>"


def _problem_counts(corpus: pd.DataFrame) -> Mapping[tuple[str, str], int]:
    from ddj.corpus import problems

    counts: Counter[tuple[str, str]] = Counter()
    for reason in problems(corpus)["reason"]:
        group = next((g for phrase, g in REASONS.items() if phrase in reason), UNREAD)
        counts[group] += 1
    return counts


def _page_types(corpus: pd.DataFrame) -> dict[str, int]:
    if "page_type" not in corpus:
        return {}
    kinds = corpus["page_type"].fillna("article")
    return {str(k): int(n) for k, n in kinds[kinds != "article"].value_counts().items()}


def _web_address(url: Any) -> str | None:
    """``url`` when it is an http(s) address with a host and no spaces or controls, else None."""
    text = _text(url)
    if not text or len(text) > MAX_URL or any(ch.isspace() or ord(ch) < 32 for ch in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return text if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _date(value: Any) -> str:
    return _FORMATS["date"](value)


def _text(value: Any) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _escape(value: Any) -> str:
    return html.escape(_text(value), quote=True)


def _escape_markdown(text: str) -> str:
    """Text as Markdown that shows it as written: HTML escaped, Markdown's marks backslashed."""
    marks = "\\`*_{}[]()#+-!|"
    return "".join("\\" + ch if ch in marks else ch for ch in html.escape(text, quote=False))
