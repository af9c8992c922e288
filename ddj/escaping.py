r"""Text from outside, made safe for where ddj shows it: HTML, Markdown, links, a terminal.

One helper for each context, and every view, note, notebook header and CLI
line goes through them:

- :func:`html_text` for text between HTML tags: ``<``, ``>``, ``&`` and
  quotes escaped, and the two characters that start TeX in JupyterLab (``$``
  and ``\``) each alone in a ``<span>``, so MathJax, which looks for its
  delimiters in one run of text at a time, never pairs them;
- :func:`html_attribute` for a value inside a quoted attribute;
- :func:`web_address` for a link: only an ``http`` or ``https`` address with a
  host is ever made clickable;
- :func:`markdown_text` for text inside Markdown: tags, entities, autolinks
  and Markdown's marks escaped only where a reader would act on them
  (``U.S.`` stays as written), ``$`` and ``\`` as in HTML; :func:`code_span` for a
  code span whose fence is longer than any run of backticks inside (the
  CommonMark rule), so nothing breaks out of it (in a table cell, ``<code>``
  around escaped text: no pipe to split the row at);
- :func:`terminal` for a terminal: control characters (C0 but a newline, DEL,
  C1), bidirectional overrides and line separators shown escaped (``\x1b``,
  ``\u202e``); :class:`TerminalStream` applies it to everything a stream is
  given, so the ``ddj`` command writes nothing else.

This module sits at the bottom of the import graph: it imports nothing of ddj.

Examples
--------
>>> html_text('<img src=x onerror="alert(1)"> $x$')
'&lt;img src=x onerror=&quot;alert(1)&quot;&gt; <span>&#36;</span>x<span>&#36;</span>'
>>> markdown_text("**bold** `code` [link](x)")
'\\*\\*bold\\*\\* \\`code\\` \\[link\\](x)'
>>> terminal("title\x1b]0;pwned\x07 \u202eevil")
'title\\x1b]0;pwned\\x07 \\u202eevil'
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from typing import Any, TextIO
from urllib.parse import urlsplit

#: An address longer than this is never a link.
MAX_URL = 2_000

# TeX starts with one of these in JupyterLab's MathJax ($...$, $$...$$, \(...\), \[...\], \begin{}):
# each alone in an element, MathJax (2 and 3 alike) cannot pair it with another
_TEX = {"$": "<span>&#36;</span>", "\\": "<span>&#92;</span>"}
_TEX_PATTERN = re.compile(r"[$\\]")

# Markdown (CommonMark, GFM as GitHub, JupyterLab's marked and nbconvert's mistune read it), each
# mark only where it acts, so that ordinary punctuation (U.S., Hong Kong's, 1.5, a-b) stays as written:
_MARKDOWN_ANYWHERE = re.compile(
    r"(?P<tex>[$\\])"  # TeX in JupyterLab and GitHub: each alone in a <span>
    r"|(?P<pipe>\|)"  # a table cell's end
    r"|(?P<mark>[`*\[\]~])"  # code, emphasis, links and images, strikethrough
    r"|(?P<under>_)"  # emphasis, but not inside a word (snake_case)
    r"|(?P<tag><(?=\S))"  # a tag, a comment or an autolink; "a < b" cannot start one
    r"|(?P<entity>&(?=#?\w+;))"  # an entity; "AT&T" is none
    r"|(?P<scheme>:(?=//))"  # GFM's autolinks: http://, https://, ftp://
    r"|(?<![\w.-])(?P<www>(?i:www)\.)"  # and www.
    r"|(?<=[\w.+-])(?P<at>@)(?=[\w-])"  # and e-mail addresses (GitHub reads a@b\.c as one)
    r"|(?<= )(?P<closing>#)(?=#* *$)"  # a heading's closing #s, were the text to end one
)
# a line's start, were the text to start one: a heading (mistune reads "#tag" as one too), a quote,
# a list item (a number then . or ), too), a thematic break or a setext underline, a definition
# (mistune's def_list); "-5" and "1.5%" start none. (A fence's ` and ~, emphasis' * and _, and <
# are escaped wherever they stand.)
_MARKDOWN_LINE_START = re.compile(r"#|>|[-+:](?= |$)|-(?=-)|=(?==|$)|\d{1,9}[.)](?= |$)")
_ENTITIES = {**_TEX, "|": "&#124;", "<": "&lt;", "&": "&amp;", "@": "<span>&#64;</span>"}

# C0 controls but newline, DEL, C1 controls, bidi embeddings/overrides/isolates, marks that
# reorder text (ALM, LRM, RLM), line and paragraph separators, lone surrogates
_TERMINAL_UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)
_TERMINAL_UNSAFE_LINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)


def plain(value: Any) -> str:
    """The value as text; missing (None, NaN, NA, NaT) as an empty string.

    Examples
    --------
    >>> plain(None), plain(float("nan")), plain(3)
    ('', '', '3')
    """
    if value is None or isinstance(value, str):
        return value or ""
    try:
        if value != value:  # NaN, NaT
            return ""
    except (TypeError, ValueError):  # pd.NA, arrays: compare as they can
        pass
    if type(value).__name__ in ("NAType", "NaTType"):
        return ""
    return str(value)


def html_text(value: Any) -> str:
    r"""The value as HTML text: tags, entities and TeX delimiters shown as written.

    Examples
    --------
    >>> html_text("a < b & c")
    'a &lt; b &amp; c'
    >>> html_text(r"\(x\)")
    '<span>&#92;</span>(x<span>&#92;</span>)'
    """
    escaped = html.escape(plain(value), quote=True)
    return _TEX_PATTERN.sub(lambda m: _TEX[m.group()], escaped)


def html_attribute(value: Any) -> str:
    """The value inside a double-quoted HTML attribute.

    Examples
    --------
    >>> html_attribute('x" onmouseover="alert(1)')
    'x&quot; onmouseover=&quot;alert(1)'
    """
    return html.escape(plain(value), quote=True)


def web_address(url: Any) -> str | None:
    """``url`` when it is an http(s) address with a host and no spaces or controls, else None.

    Examples
    --------
    >>> web_address("https://news.example/a?b=1"), web_address(" JaVaScRiPt:alert(1)")
    ('https://news.example/a?b=1', None)
    >>> web_address("data:text/html,<script>"), web_address("https:///no-host")
    (None, None)
    """
    text = plain(url)
    if not text or len(text) > MAX_URL:
        return None
    if any(ch.isspace() or not ch.isprintable() for ch in text):
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return None
    return text if parts.scheme.lower() in ("http", "https") and host else None


def html_link(url: Any, text: Any) -> str:
    """``text`` as a link to ``url`` when that is a web address (:func:`web_address`), else text.

    Examples
    --------
    >>> html_link("https://n.example/?a=1&b=2", "Read <this>")
    '<a href="https://n.example/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">Read &lt;this&gt;</a>'
    >>> html_link("javascript:alert(1)", "Read")
    'Read'
    """
    shown = html_text(text)
    address = web_address(url)
    if address is None:
        return shown
    href = html_attribute(address)
    return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{shown}</a>'


def markdown_text(value: Any, *, in_table: bool = True) -> str:
    r"""The value as Markdown that shows it as written, on one line.

    Each mark is escaped only where a Markdown reader (CommonMark, GitHub's
    GFM, JupyterLab's marked, nbconvert's mistune) would act on it, so ordinary
    punctuation stays as written (``U.S.``, ``Hong Kong's``, ``1.5``): code
    spans, emphasis (``_`` inside a word is left), links and images,
    strikethrough, HTML tags and entities (``&lt;``, ``&amp;``), autolinks
    (``http://``, ``www.``, e-mail addresses), the start of a block at the
    value's start (a heading, a list, a quote, a thematic break) and a
    heading's closing ``#``. ``$`` and ``\`` cannot start TeX (as in
    :func:`html_text`). Runs of whitespace, newlines included, become one
    space. In a table cell (``in_table``, the default: safe anywhere) ``|`` is
    ``&#124;``; give ``in_table=False`` for text that never lands in one.

    Examples
    --------
    >>> markdown_text("U.S. officials: Hong Kong's 1.5% rise (a-b)")
    "U.S. officials: Hong Kong's 1.5% rise (a-b)"
    >>> markdown_text("1.5% of them, -5 degrees, #1")
    '1.5% of them, -5 degrees, #1'
    >>> markdown_text("#1 of 10")
    '\\#1 of 10'
    >>> markdown_text("**bold** `code` [link](x) snake_case _em_ <b>x</b> AT&T &amp;")
    '\\*\\*bold\\*\\* \\`code\\` \\[link\\](x) snake_case \\_em\\_ &lt;b>x&lt;/b> AT&T &amp;amp;'
    >>> markdown_text("# not a heading\n- nor a list")
    '\\# not a heading - nor a list'
    >>> markdown_text("1. see https://evil.example or www.evil.example")
    '1\\. see https\\://evil.example or www\\.evil.example'
    >>> markdown_text("$\\href{javascript:alert(1)}{x}$ a|b")
    '<span>&#36;</span><span>&#92;</span>href{javascript:alert(1)}{x}<span>&#36;</span> a&#124;b'
    """
    text = " ".join(plain(value).split())
    if not text:
        return ""
    escaped = _MARKDOWN_ANYWHERE.sub(lambda m: _markdown_mark(m, in_table), text)
    start = _MARKDOWN_LINE_START.match(escaped)
    if start is None:
        return escaped
    at = start.end() - 1 if escaped[0].isdigit() else 0  # before the mark, after a number
    return escaped[:at] + "\\" + escaped[at:]


def _markdown_mark(match: re.Match[str], in_table: bool) -> str:
    kind, mark = match.lastgroup, match.group()
    if kind == "under":
        text, at = match.string, match.start()
        inside = 0 < at < len(text) - 1 and text[at - 1].isalnum() and text[at + 1].isalnum()
        return mark if inside else "\\" + mark
    if kind == "www":
        return mark[:-1] + "\\."
    if kind == "pipe" and not in_table:
        return mark
    if kind in ("mark", "scheme", "closing"):
        return "\\" + mark
    return _ENTITIES[mark]


def code_span(value: Any, *, in_table: bool = False) -> str:
    r"""The value as Markdown code that nothing breaks out of.

    A code span whose fence is one backtick longer than the longest run of
    backticks inside (CommonMark's rule), with a space inside each end when
    needed; whitespace runs become one space. In a table cell (``in_table``)
    no code span can hold a ``|`` safely (GFM splits the row first, and
    renderers count the backslashes before a pipe differently), so the value
    is ``<code>`` around its :func:`markdown_text`, which writes ``|`` as
    ``&#124;``.

    Examples
    --------
    >>> code_span("x")
    '`x`'
    >>> code_span("a``b")
    '``` a``b ```'
    >>> code_span("a\\|b", in_table=True)
    '<code>a<span>&#92;</span>&#124;b</code>'
    """
    if in_table:
        return f"<code>{markdown_text(value)}</code>"
    text = " ".join(plain(value).split()) or " "
    runs = [len(r) for r in re.findall("`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    if text.strip(" ") and (runs or text[0] == " " or text[-1] == " "):
        text = f" {text} "  # CommonMark takes one space off each end (not of spaces alone)
    return f"{fence}{text}{fence}"


def terminal(value: Any, *, lines: bool = True) -> str:
    r"""The value as a terminal may show it: every control character escaped, visibly.

    C0 controls (but a newline, when ``lines``), DEL, C1 controls, the
    bidirectional embeddings, overrides and isolates (U+202A-202E,
    U+2066-2069) and marks (U+061C, U+200E, U+200F), the line and paragraph
    separators and lone surrogates become ``\xNN`` or ``\uNNNN``: text from a
    corpus or a server can neither drive the terminal nor show other text than
    it holds.

    Examples
    --------
    >>> terminal("\x1b[2Jcleared\r\nnext")
    '\\x1b[2Jcleared\\r\nnext'
    >>> terminal("a\nb", lines=False)
    'a\\nb'
    >>> terminal("file\udcff.csv")  # a name that was not UTF-8: no UnicodeEncodeError on print
    'file\\udcff.csv'
    """
    pattern = _TERMINAL_UNSAFE if lines else _TERMINAL_UNSAFE_LINE
    return pattern.sub(_escaped_character, plain(value))


_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escaped_character(match: re.Match[str]) -> str:
    if match.group() in _NAMED:
        return _NAMED[match.group()]
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class TerminalStream(io.TextIOBase):
    r"""A text stream that writes everything through :func:`terminal` to ``raw``.

    ``clean``, when given, rewrites each text first (the ``ddj`` command takes
    ``user:password@`` out of every URL it prints with it).

    The ``ddj`` command wraps its stdout and stderr in one while a command
    runs: its own lines, the library's, warnings, log records, argparse's
    messages and tables printed by pandas all pass here. Only a progress bar
    (ddj's own text, which needs ``\r``) writes to ``raw`` (:func:`unwrapped`).

    Examples
    --------
    >>> out = io.StringIO()
    >>> _ = TerminalStream(out).write("ok\x1b[2J\n")
    >>> out.getvalue()
    'ok\\x1b[2J\n'
    """

    def __init__(self, raw: TextIO, clean: Callable[[str], str] | None = None):
        super().__init__()
        self.raw = raw
        self.clean = clean

    def write(self, text: str) -> int:
        """Write ``text`` to ``raw`` (through ``clean`` first), its control characters escaped."""
        shown = self.clean(text) if self.clean is not None else text
        self.raw.write(terminal(shown))
        return len(text)

    def flush(self) -> None:
        """Flush ``raw``."""
        self.raw.flush()

    def writable(self) -> bool:
        """True: a stream to write to."""
        return True

    def isatty(self) -> bool:
        """Whether ``raw`` is a terminal (progress bars ask)."""
        return bool(getattr(self.raw, "isatty", lambda: False)())

    def fileno(self) -> int:
        """``raw``'s file descriptor."""
        return self.raw.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        """``raw``'s encoding."""
        return getattr(self.raw, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        """``raw``'s error handler."""
        return getattr(self.raw, "errors", None)


def unwrapped(stream: Any) -> Any:
    """The stream a :class:`TerminalStream` writes to, or ``stream`` itself.

    Examples
    --------
    >>> out = io.StringIO()
    >>> unwrapped(TerminalStream(out)) is out, unwrapped(out) is out
    (True, True)
    """
    return stream.raw if isinstance(stream, TerminalStream) else stream
