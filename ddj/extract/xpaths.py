"""The XPath reads of a parsed page: its visible text, title and headings, meta tags, its size."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml.etree import XPath

from ddj.extract.markup import MAX_CHILDREN, MAX_ELEMENTS


def title_texts(tree) -> Iterator[str]:
    """The text of the page's ``<title>``s, read only when asked for (most pages name a title in metadata)."""
    yield from _TITLE_TEXT(tree)


def h1_texts(tree) -> Iterator[str]:
    """The text of the page's ``<h1>``s, in order (lxml's ``//h1//text()`` is quadratic in their number)."""
    for h1 in tree.iter("h1"):
        yield from h1.xpath(".//text()")


def fits_extractors(tree) -> bool:
    """At most MAX_ELEMENTS elements, none with more than MAX_CHILDREN children (counted by libxml2).

    An element can only have more than MAX_CHILDREN children in a page of more elements.
    """
    elements = _COUNT_ELEMENTS(tree)
    return elements <= MAX_ELEMENTS and (elements <= MAX_CHILDREN or not _TOO_WIDE(tree))


def visible_text(tree) -> str:
    """The page's visible text, one line per text node (read once: lede, date shown, big pages).

    The text of ``<body>`` (of the whole page when it has none) outside
    scripts, styles, ``<noscript>`` and ``<template>``, in document order.
    When no ``<noscript>`` or ``<template>`` holds elements, testing each
    text node's parent is enough (a third faster than testing its ancestors).
    """
    nodes = (_VISIBLE_TEXT if _NESTED_HIDDEN(tree) else _VISIBLE_CHILD_TEXT)(tree)
    nodes = nodes or _ALL_TEXT(tree)
    return "\n".join(line for line in map(str.strip, nodes) if line)


def compiled_xpath(path: str) -> Any:
    """An XPath compiled once, giving plain strings (no element proxies): every extract module's."""
    return XPath(path, smart_strings=False)


_COUNT_ELEMENTS = compiled_xpath("count(//*)")


_TOO_WIDE = compiled_xpath(f"boolean(//*[count(*) > {MAX_CHILDREN}])")


_HIDDEN = "ancestor::script or ancestor::style or ancestor::noscript or ancestor::template"


_VISIBLE_TEXT = compiled_xpath(f"//body//text()[not({_HIDDEN})]")


_HIDDEN_PARENT = "parent::script or parent::style or parent::noscript or parent::template"


_VISIBLE_CHILD_TEXT = compiled_xpath(f"//body//text()[not({_HIDDEN_PARENT})]")


_NESTED_HIDDEN = compiled_xpath("boolean(//body//*[self::noscript or self::template]/*)")


_TITLE_TEXT = compiled_xpath("//title/text()")


_ALL_TEXT = compiled_xpath(f"//text()[not({_HIDDEN})]")


def meta_content(tags: list) -> dict[str, str]:
    """{name: value} of the page's ``<meta content>`` tags (:func:`~ddj.extract.dates.meta_tags`), the first of each name."""
    out: dict[str, str] = {}
    for node in tags:
        key = (
            (node.get("property") or node.get("name") or node.get("itemprop") or "").strip().lower()
        )
        value = (node.get("content") or "").strip()
        if key and value and key not in out:
            out[key] = value
    return out


PARAGRAPH_TEXT = compiled_xpath("//p//text()")
