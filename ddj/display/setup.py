"""One call that makes a notebook show data as ddj's own notebooks do: ``ddj.display.setup()``."""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from ddj.display.notes import Notes
from ddj.display.tables import MAX_SHOWN_ROWS, offline_tables, table
from ddj.display.text import Markdown, escape_markdown
from ddj.errors import DdjWarning

#: A frame shown by pandas' own display keeps at most this many rows (the rest said under it).
SHOWN_ROWS = 60


def setup(*, searchable: bool = True, notes: bool = True) -> Notes:
    """Show this notebook's frames as formatted tables and ddj's data warnings as notes.

    After it, in this kernel:

    - every DataFrame a cell shows is :func:`ddj.display.table`'s view: shares as
      ``6.9%``, dates as ``2019-06-29``, counts as ``12,345``, every text
      escaped; at most :data:`SHOWN_ROWS` rows (or, with ``searchable``, long
      frames searchable and sortable, offline, up to
      :data:`ddj.display.MAX_SHOWN_ROWS`). The frame itself is unchanged.
    - a :class:`ddj.DdjWarning` (undated rows, duplicates dropped, counts
      regrouped) shows as a short Markdown "Data note", not a red stderr box;
      other warnings show as ever. The notes are also kept in the returned
      :class:`Notes` for :func:`ddj.display.about`.

    Parameters
    ----------
    searchable
        Load the code of searchable tables (:func:`offline_tables`) into this
        cell's output, and show frames of more than 20 rows searchable. Keep the
        cell's output.
    notes
        Show ddj's warnings as notes.

    Returns
    -------
    ddj.display.Notes
        The data notes shown so far (``.messages``), for ``ddj.display.about``.

    Examples
    --------
    >>> notes = setup()  # doctest: +SKIP
    >>> articles = ddj.load("pages/")  # "Data note: ..." under the cell, not red text  # doctest: +SKIP
    """
    from IPython import get_ipython

    kept = Notes()
    shell = get_ipython()
    if shell is None:  # not in IPython: nothing to set up; warnings stay as they are
        return kept
    if searchable:
        offline_tables()
    html = shell.display_formatter.formatters["text/html"]
    html.for_type(pd.DataFrame, lambda frame: _frame_html(frame, searchable))
    if notes:
        warnings.showwarning = _NoteShower(kept, warnings.showwarning)
    return kept


def _frame_html(frame: pd.DataFrame, searchable: bool) -> str:
    if searchable:
        return table(frame).to_html()
    shown = table(frame.head(SHOWN_ROWS), searchable=False).to_html()
    if len(frame) > SHOWN_ROWS:
        shown += (
            f"<p>First {SHOWN_ROWS:,} of {len(frame):,} rows shown; the frame holds them all.</p>"
        )
    return shown


class _NoteShower:
    """``warnings.showwarning`` that shows a ddj warning as a Markdown note (once per text)."""

    def __init__(self, notes: Notes, shown_before: Any):
        self.notes = notes
        # a second setup() wraps the first's original, not the first
        self.before = getattr(shown_before, "before", shown_before)

    def __call__(self, message, category, filename, lineno, file=None, line=None) -> None:
        if not issubclass(category, DdjWarning):
            self.before(message, category, filename, lineno, file, line)
            return
        from IPython.display import display

        text = str(message)
        if text not in self.notes.messages:
            self.notes.messages.append(text)
        display(Markdown(f"**Data note.** {escape_markdown(text)}"))


__all__ = ["MAX_SHOWN_ROWS", "SHOWN_ROWS", "setup"]
