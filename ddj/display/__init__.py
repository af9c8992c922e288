"""Tables for people in a notebook: formatted views of frames, hits in context, data notes.

Everything here is a *view*: the frame a function is given stays the frame code
works with, unchanged and uncopied, and the view formats it only when a notebook
shows it. ``table`` shows shares as percentages, dates as dates and counts with
separators (chosen by column name and dtype: ``share*``, ``period*``,
``published*``, whole numbers); ``kwic`` shows hits (``ddj.hits``) as keyword in
context, the matched words in ``<mark>`` in the middle of a fixed window, the
title a link to the article; ``about`` gathers what loading and counting
dropped into one short note, ``labeller`` is the form that labels an audit
sample (``ddj.audit``) yes/no/skip, each click saved, and ``Notes`` keeps the warnings that note is made
of out of the notebook's red stderr while they still reach code and logs.

``setup()``, once at the top of any notebook, shows every frame as ``table``
does and ddj's warnings as data notes instead of red stderr.

Long tables become searchable and sortable with itables in its offline mode
(the DataTables code is in the page, no CDN): call :func:`offline_tables` once
in the notebook, before the first long table. Every text from a corpus is
escaped for HTML before it is shown; only ``http`` and ``https`` addresses
become links.
"""

from ddj.display.health import health_view
from ddj.display.kwic import CONTEXT, KWIC_STYLE, in_context, kwic, kwic_cells
from ddj.display.labeller import Labeller, labeller
from ddj.display.notes import Notes, about
from ddj.display.setup import setup
from ddj.display.tables import (
    MAX_SHOWN_ROWS,
    SEARCHABLE_ROWS,
    Searchable,
    formatters,
    offline_tables,
    table,
)
from ddj.display.text import MAX_TITLE, MAX_URL, Markdown, link

__all__ = [
    "CONTEXT", "KWIC_STYLE", "MAX_SHOWN_ROWS", "MAX_TITLE", "MAX_URL", "SEARCHABLE_ROWS",
    "Labeller", "labeller", "Markdown", "Notes", "Searchable", "about", "formatters", "in_context", "kwic", "kwic_cells",
    "health_view", "link", "offline_tables", "setup", "table",
]  # fmt: skip
