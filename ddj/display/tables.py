"""Tables for people: shares as percentages, dates as dates, counts with separators.

A view of a frame, never a second copy: a pandas ``Styler`` over it, or, for a
long table, a searchable and sortable itables table (offline) whose ``data`` is
the frame.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from ddj.constants import STATIC_HTML_MIME
from ddj.display.text import day, escape, plain

#: itables' notes for a browser without script ("is your notebook trusted?"), left out.
_NOSCRIPT = re.compile(r"<noscript>.*?</noscript>", re.DOTALL | re.IGNORECASE)

#: Tables with more rows than this are shown searchable and sortable (itables).
SEARCHABLE_ROWS = 20

#: At most this many rows of a table go into a notebook page; the note under it says so.
#: Each row is stored in the saved notebook (a hits row ~650 bytes): 2,000 made explore's
#: executed notebook 7 MB, two hits tables 1.3 MB each.
MAX_SHOWN_ROWS = 500

#: Rows of a searchable table in its static view (the HTML report of a notebook, no script).
STATIC_ROWS = 25


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
        rows: str = "rows",
        get_all: str = "",
    ):
        self.data = data
        self.caption = caption
        self._cells = cells  # HTML per cell, when a view (kwic) built its own
        self._options = dict(options or {})
        self._style = style
        self._rows = rows  # what a row is, for the note under a long table ("hits")
        self._get_all = get_all  # how to have every row, when not all are shown

    def to_html(self) -> str:
        """The table's HTML: the itables script and data, and a note when rows were left out."""
        from itables import to_html_datatable

        options = dict(self._options)
        if self._cells is None:
            cells, text = _as_cells(self.data.head(MAX_SHOWN_ROWS))
            options = {**_aligned(cells.shape[1], text), **options}
        else:
            cells = self._cells.head(MAX_SHOWN_ROWS)
        page = to_html_datatable(
            cells, caption=escape(self.caption) if self.caption else None,
            connected=False, allow_html=True, maxBytes=0, showIndex=False,
            classes="display compact", pageLength=10, lengthMenu=[10, 25, 100], **options,
        )  # fmt: skip
        more = _more(len(self.data), len(cells), rows=self._rows, get_all=self._get_all)
        return self._style + page + more

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Beside the itables HTML (from ``_repr_html_``), a static view for reports."""
        return {STATIC_HTML_MIME: self.static_html()}

    def static_html(self) -> str:
        """The first ``STATIC_ROWS`` rows as a plain table (no script), with a note of the rest."""
        if self._cells is None:
            cells, _ = _as_cells(self.data.head(STATIC_ROWS))
        else:
            cells = self._cells.head(STATIC_ROWS)
        caption = f"<p>{escape(self.caption)}</p>" if self.caption else ""
        body = _HtmlTable(self.data, cells, style=self._style).to_html()
        more = _more(len(self.data), len(cells), "the notebook's table", rows=self._rows)
        return caption + body + more

    def __repr__(self) -> str:
        return f"<ddj table view: {len(self.data):,} rows; .data is the frame>"


def offline_tables() -> None:
    """Load the code of searchable tables (itables, offline) into this notebook: once, first.

    The DataTables code goes into the notebook's output, so its tables work with
    no internet, in JupyterLab and in the HTML of the executed notebook. Keep this
    cell's output; it changes no other display of pandas. Where the notebook is
    not trusted (any executed notebook JupyterLab opens) the cell shows nothing:
    itables' "is your notebook trusted?" note is left out, and each table shows
    its first rows as a plain table instead.
    """
    from IPython.display import display
    from IPython.utils.capture import capture_output
    from itables import init_notebook_mode

    with capture_output(stdout=False, stderr=False) as shown:
        init_notebook_mode(all_interactive=False, connected=False)
    for output in shown.outputs:
        data = {k: _NOSCRIPT.sub("", v) if k == "text/html" else v for k, v in output.data.items()}
        display(data, raw=True, metadata=output.metadata)


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
    "date": day,
    "count": _blank_missing(lambda v: f"{int(v):,}"),
    "number": _blank_missing(lambda v: f"{v:,.2f}"),
    "yes/no": _blank_missing(lambda v: "yes" if v else "no"),
}


def _styled(frame: pd.DataFrame, caption: str | None) -> Any:
    """A Styler over ``frame``: formatted, escaped (cells, index, header, their names), text left."""
    shown = formatters(frame)
    cells = {name: _escaped(shown.get(name, plain)) for name in dict.fromkeys(frame.columns)}
    text = [
        j for j, c in enumerate(frame.columns) if c not in shown
    ]  # by position: names may repeat
    left = [{"selector": f"td.col{j}", "props": [("text-align", "left")]} for j in text]
    styler = frame.style.format(cells)
    for axis in (0, 1):  # labels and their levels' names (escape="html" leaves names raw, and TeX)
        styler = styler.format_index(escape, axis=axis).format_index_names(escape, axis=axis)
    styler = styler.set_table_styles([{"selector": "th", "props": [("text-align", "left")]}, *left])
    if isinstance(frame.index, pd.RangeIndex):
        styler = styler.hide(axis="index")
    if caption:
        styler = styler.set_caption(escape(caption))
    return styler


def _escaped(fn: Callable[[Any], str]) -> Callable[[Any], str]:
    """``fn``'s text, escaped for HTML."""

    def shown(value: Any) -> str:
        return escape(fn(value))

    return shown


def _as_cells(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[int]]:
    """Each cell's shown text (formatted, escaped) for an itables table, index first; text columns."""
    columns: list[tuple[Any, pd.Series]] = []
    if not isinstance(frame.index, pd.RangeIndex):
        levels = frame.index.to_frame(index=False)
        names = [f"level {j}" if n is None else n for j, n in enumerate(frame.index.names)]
        columns += [(n, levels.iloc[:, j]) for j, n in enumerate(names)]
    columns += [(name, frame.iloc[:, i]) for i, name in enumerate(frame.columns)]
    cells, text = {}, []
    for j, (name, values) in enumerate(columns):  # by position: names may repeat
        kind = _kind(str(name), values.dtype)
        cells[j] = [escape(_FORMATS[kind](v)) if kind else escape(v) for v in values]
        if kind is None:
            text.append(j)
    out = pd.DataFrame(cells, index=range(len(frame)), dtype=object)
    out.columns = [escape(name) for name, _ in columns]
    return out, text


def _aligned(n: int, text: list[int]) -> dict[str, Any]:
    """DataTables column classes: text left, numbers and dates right."""
    numbers = [j for j in range(n) if j not in text]
    defs = [
        {"className": "dt-left", "targets": text},
        {"className": "dt-right", "targets": numbers},
    ]
    return {"columnDefs": [d for d in defs if d["targets"]]}


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


def _more(
    total: int, shown: int, holder: str = "the frame", *, rows: str = "rows", get_all: str = ""
) -> str:
    """The note under a table cut at ``shown`` rows: how many in all, and how to have them all."""
    if total <= shown:
        return ""
    how = f" ({get_all})" if get_all else ""
    return f"<p>First {shown:,} of {total:,} {rows} shown; {holder} holds them all{how}.</p>"
