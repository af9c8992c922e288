"""Text a notebook view shows, made safe: escaped for HTML or Markdown, links only to the web.

Every value from a corpus (a title, a text, an outlet, an address) goes through
these before any view of :mod:`ddj.display` shows it; they are the helpers of
:mod:`ddj.escaping` under the names the views use.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ddj.escaping import MAX_URL, html_link, html_text, markdown_text, plain, web_address

__all__ = [
    "MAX_TITLE", "MAX_URL", "Markdown", "day", "escape", "escape_markdown", "link", "plain",
    "web_address",
]  # fmt: skip

#: A title longer than this is cut (with "…") in a view; an address longer than ``MAX_URL`` is not a link.
MAX_TITLE = 200


def link(url: Any, title: Any) -> str:
    """The title as a link to ``url`` when it is an ``http(s)`` address, else the title as text.

    Examples
    --------
    >>> link("javascript:alert(1)", "Hi")
    'Hi'
    >>> link('https://n.example/?a=1&b="2"', None)
    '<a href="https://n.example/?a=1&amp;b=&quot;2&quot;" target="_blank" rel="noopener noreferrer">(no title)</a>'
    """
    text = plain(title) or "(no title)"
    if len(text) > MAX_TITLE:
        text = text[: MAX_TITLE - 1] + "…"
    return html_link(url, text)


class Markdown:
    """Markdown text a notebook shows (``text``); build it with :func:`escape_markdown`."""

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


#: The value as HTML text (tags, entities and TeX delimiters shown as written): :func:`ddj.escaping.html_text`.
escape = html_text

#: Text as Markdown that shows it as written, on one line: :func:`ddj.escaping.markdown_text`.
escape_markdown = markdown_text


def day(value: Any) -> str:
    """A date or moment as ``YYYY-MM-DD``; missing as an empty string."""
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")
