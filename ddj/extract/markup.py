"""A page's markup within bounds: text from its bytes, capped tags and attributes, depth flattened, one lxml tree."""

from __future__ import annotations

import re
from typing import Any

from ddj.errors import ExtractionError, InputError
from ddj.extract.dates import MAX_JSON_LD_CHARS, MAX_JSON_LD_TOTAL
from ddj.extract.encoding import decode, utf16_without_bom
from ddj.limits import MAX_PAGE_BYTES, gunzip, is_gzip
from ddj.utils import whole_text

#: HTML beyond this many characters is not handed to the heavy extractors (bounded time).
MAX_HTML_CHARS = 3_000_000


#: ``<meta>`` and ``<link>`` tags read per page, each (real pages have a few hundred at most).
MAX_HEAD_TAGS = 1_000


#: On a page over MAX_HTML_CHARS, attribute values longer than this are emptied.
MAX_ATTRIBUTE_CHARS = 100_000


#: A page nested past lxml's limit (256) is flattened to this depth, its text kept.
MAX_TREE_DEPTH = 128


#: A page with more elements, or an element with more children, is not given to trafilatura,
#: newspaper4k and htmldate (their time grows faster than the page: 100,000 empty divs took over
#: a minute, 20,000 sibling spans 9 s); its visible text is the body. Of 877 real pages the
#: largest has 9,751 elements, the widest element 1,359 children.
MAX_ELEMENTS = 20_000


MAX_CHILDREN = 5_000


def unescape(text: str | None) -> str | None:
    """Metadata escaped twice ("&amp;#8211;") still holds entities after parsing: resolve them."""
    if not text or "&" not in text:
        return text
    import html

    return html.unescape(text)


def as_text(html: str | bytes) -> str:
    """The page as text: bytes decoded by their real encoding (a UTF-16 page without its mark too), size checked."""
    if isinstance(html, (str, bytes, bytearray, memoryview)) and len(html) > MAX_PAGE_BYTES:
        msg = (
            f"the page is larger than the size cap ({len(html):,} bytes or characters, more "
            f"than {MAX_PAGE_BYTES:,}); it is skipped: cut it down if it really is one article"
        )
        raise ExtractionError(msg)
    if isinstance(html, (bytes, bytearray, memoryview)):
        text = _bytes_to_text(bytes(html))
    elif isinstance(html, str):
        text = html
        if "\x00" in text[:8192]:
            raise ExtractionError("the text is binary, not a web page; check that it is HTML")
        text = whole_text(text)  # lxml drops the text after a lone surrogate
    else:
        msg = f"read_html takes the page as str or bytes, not {type(html).__name__}"
        raise ExtractionError(msg)
    if not text.strip():
        raise ExtractionError("the page is empty (only white space); save it again")
    if not re.search(r"<\s*[a-zA-Z!]", text[:200_000]):
        raise ExtractionError(
            "no HTML markup in the page (it looks like plain text); check the file type"
        )
    if len(_CONTROL_CHARACTERS.findall(text, 0, 4096)) > 40:
        raise ExtractionError("the file is binary, not a web page; check that it is HTML")
    return text


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def _bytes_to_text(data: bytes) -> str:
    """Saved page bytes (gzip expanded within the page cap) decoded by their real encoding."""
    if is_gzip(data):
        try:
            data = gunzip(data, MAX_PAGE_BYTES, what="the gzip-compressed page")
        except InputError as exc:  # too big once expanded, or broken
            raise ExtractionError(str(exc)) from exc
    if not data.strip():
        raise ExtractionError("the page is empty (0 bytes or only white space); save it again")
    head = data[:8192]
    utf16 = utf16_without_bom(head)
    if utf16:
        data = data.decode(utf16, errors="replace").encode("utf-8")
    elif b"\x00" in head and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractionError("the file is binary, not a web page; check that it is HTML")
    return decode(data)


def bounded_markup(text: str) -> tuple[str, Any]:
    """The page's markup within bounds (tag counts, size, depth) and its lxml tree."""
    text = _shrink(_cap_head_tags(text))
    tree, too_deep = _parse(text)
    if too_deep:
        text = _flatten(text[:MAX_HTML_CHARS], MAX_TREE_DEPTH)
        tree, _ = _parse(text)
    return text, tree


_HEAD_TAG = re.compile(r"<(meta|link)\b[^<>]*>", re.IGNORECASE)


def _cap_head_tags(text: str) -> str:
    """Drop the ``<meta>`` and ``<link>`` tags past the first MAX_HEAD_TAGS of each kind.

    Every extractor walks them all, several times (100,000 took 8 s); no real
    page has more than a few hundred.
    """
    if len(_HEAD_TAG.findall(text)) <= MAX_HEAD_TAGS:
        return text  # neither kind can be over the cap
    counts = {"meta": 0, "link": 0}

    def keep(match: re.Match) -> str:
        name = match.group(1).lower()
        counts[name] += 1
        return match.group(0) if counts[name] <= MAX_HEAD_TAGS else ""

    return _HEAD_TAG.sub(keep, text)


_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b[^<>]*>", re.IGNORECASE)


_LONG_ATTRIBUTE = re.compile(
    rf"""=\s*(?:"[^"]{{{MAX_ATTRIBUTE_CHARS},}}"|'[^']{{{MAX_ATTRIBUTE_CHARS},}}'"""
    rf"""|[^\s"'<>=`]{{{MAX_ATTRIBUTE_CHARS},}})"""
)


def _shrink(text: str) -> str:
    """Make a page over MAX_HTML_CHARS fit, so its article is not cut off. Linear.

    Pages swollen by inline app state (several MB of JavaScript), giant or
    countless JSON-LD blocks or a giant attribute would otherwise lose the
    article behind the size cap: scripts and styles go (JSON-LD blocks kept
    up to MAX_JSON_LD_CHARS each and MAX_JSON_LD_TOTAL in all), then
    attribute values over MAX_ATTRIBUTE_CHARS.
    """
    if len(text) <= MAX_HTML_CHARS:
        return text
    lower = text.lower()
    kept, pos, budget = [], 0, MAX_JSON_LD_TOTAL
    for match in _SCRIPT_OR_STYLE.finditer(text):
        if match.start() < pos:
            continue  # inside a script already passed
        close = lower.find(f"</{match.group(1).lower()}", match.end())
        close = len(text) if close < 0 else close
        end = (lower.find(">", close) + 1) or len(text)  # past the closing tag
        size = end - match.start()
        if "ld+json" in lower[match.start() : match.end()] and size <= min(
            MAX_JSON_LD_CHARS, budget
        ):
            kept.append(text[pos:end])
            budget -= size
        else:
            kept.append(text[pos : match.start()])
        pos = end
    kept.append(text[pos:])
    return _LONG_ATTRIBUTE.sub('=""', "".join(kept))


_TAG = re.compile(r"<!--|<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^<>]*>")


_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "keygen",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)


_RAW_TEXT = frozenset(
    ["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"]
)


_CLOSED_BY_SIBLING = frozenset(["p", "li", "dt", "dd", "option", "tr", "td", "th"])


def _flatten(text: str, max_depth: int) -> str:
    """The markup with tags nested deeper than ``max_depth`` left out, their text kept. One pass.

    lxml stops reading a page nested past 256 levels, and the article
    behind; browsers likewise flatten such trees. Open elements are tracked
    as an HTML parser would, roughly (void elements, raw text, siblings that
    close each other); a closing tag whose opening was left out goes too.

    Examples
    --------
    >>> _flatten("<div><div><div><p>Text</p></div></div></div>", 2)
    '<div><div>Text</div></div>'
    """
    out, last, i = [], 0, 0
    stack: list[str] = []
    dropped: dict[str, int] = {}
    lower = text.lower()
    while match := _TAG.search(text, i):
        i = match.end()
        if match.group(0) == "<!--":
            end = text.find("-->", i)
            i = len(text) if end < 0 else end + 3
            continue
        name = match.group(2).lower()
        drop = _open_or_close(stack, dropped, name, match.group(1) == "/", max_depth)
        if name in _VOID or match.group(0).endswith("/>"):
            drop = False
        if drop:
            out.append(text[last : match.start()])
            last = match.end()
        if name in _RAW_TEXT and not match.group(1):
            end = lower.find(f"</{name}", i)
            i = len(text) if end < 0 else end
    out.append(text[last:])
    return "".join(out)


def _open_or_close(
    stack: list[str], dropped: dict[str, int], name: str, closing: bool, max_depth: int
) -> bool:
    """Track one tag in ``stack``; True when it is to be left out (too deep, or closes one that was)."""
    if name in _VOID:
        return False
    if closing:
        if dropped.get(name):
            dropped[name] -= 1
            return True
        if name in stack:
            del stack[len(stack) - 1 - stack[::-1].index(name) :]
        return False
    if stack and stack[-1] == name and name in _CLOSED_BY_SIBLING:
        stack.pop()
    if len(stack) >= max_depth:
        dropped[name] = dropped.get(name, 0) + 1
        return True
    stack.append(name)
    return False


def _parse(text: str) -> tuple[Any, bool]:
    """The lxml tree of the page's first MAX_HTML_CHARS, and whether lxml hit its depth limit."""
    import lxml.html

    snippet = text[:MAX_HTML_CHARS]
    snippet = re.sub(
        r"^\s*<\?xml[^>]*\?>", "", snippet
    )  # lxml refuses str input with an encoding declaration
    # no id table (nothing here looks elements up by id; a third of the parse time), as trafilatura
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
    parser.set_element_class_lookup(_HTML_CLASSES)
    try:
        tree = lxml.html.document_fromstring(snippet, parser=parser)
    except Exception as exc:  # lxml's ParserError for markup it cannot read at all
        msg = f"the page could not be parsed as HTML ({exc}); check that it is a web page"
        raise ExtractionError(msg) from exc
    too_deep = any("Excessive depth" in entry.message for entry in parser.error_log)
    return tree, too_deep


def _html_classes() -> Any:
    """Every element an ``HtmlElement``, chosen by libxml2's side of lxml (no Python call per element).

    lxml.html's own lookup is Python code run each time an element is
    touched from Python (by ddj and by trafilatura on its copies of the
    tree: 3.2 million calls on 854 pages, 7% of read_html's time), and all
    it adds is form-handling classes (``FormElement``, ``InputElement``...)
    that no extractor here uses. Records are the same on every shared page.
    """
    import lxml.etree
    import lxml.html

    return lxml.etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity,
    )  # fmt: skip


_HTML_CLASSES = _html_classes()


def clean_text(value: str | None) -> str | None:
    """``value`` with its white space collapsed, or None when it is not text or is empty."""
    if not isinstance(value, str):
        return None
    value = re.sub(r"\s+", " ", value).strip()
    return value or None
