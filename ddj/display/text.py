"""Text a notebook view shows, made safe: escaped for HTML or Markdown, links only to the web.

Every value from a corpus (a title, a text, an outlet, an address) goes through
these before any view of :mod:`ddj.display` shows it.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

#: A title longer than this is cut (with "…") in a view; an address longer than this is not a link.
MAX_TITLE = 200

MAX_URL = 2_000


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
    shown = escape(text)
    address = web_address(url)
    if address is None:
        return shown
    return f'<a href="{escape(address)}" target="_blank" rel="noopener noreferrer">{shown}</a>'


class Markdown:
    """Markdown text a notebook shows (``text``)."""

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


def plain(value: Any) -> str:
    """The value as text; missing (None, NaN, NA) as an empty string."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def escape(value: Any) -> str:
    """The value as HTML text (``<``, ``>``, ``&`` and quotes escaped)."""
    return html.escape(plain(value), quote=True)


def day(value: Any) -> str:
    """A date or moment as ``YYYY-MM-DD``; missing as an empty string."""
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def escape_markdown(text: str) -> str:
    """Text as Markdown that shows it as written: HTML escaped, Markdown's marks backslashed."""
    marks = "\\`*_{}[]()#+-!|"
    return "".join("\\" + ch if ch in marks else ch for ch in html.escape(text, quote=False))


def web_address(url: Any) -> str | None:
    """``url`` when it is an http(s) address with a host and no spaces or controls, else None."""
    text = plain(url)
    if not text or len(text) > MAX_URL or any(ch.isspace() or ord(ch) < 32 for ch in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return text if parts.scheme.lower() in ("http", "https") and parts.netloc else None
