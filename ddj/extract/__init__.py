"""One web page -> one article record, without the network.

``read_html`` decodes the bytes by their real encoding, reads the page's own
metadata once with lxml (JSON-LD, OpenGraph and article meta, ``<time>``),
takes the body text from trafilatura (newspaper4k's when trafilatura keeps
only a fragment or nothing; short trailing lines newspaper4k does not share
are dropped, and a description the page shows as its lede is put first),
titles from the page's metadata checked against its visible heading, bylines
from JSON-LD, author meta tags, then the page's byline markup (newspaper4k's
byline search last), and dates the article from several signals by
reliability, with htmldate's original-date estimate as the fallback (see
:mod:`ddj.extract.dates`).

One concept a module: :mod:`~ddj.extract.markup` (bytes to bounded markup and
one lxml tree), :mod:`~ddj.extract.xpaths` (what the tree shows: visible text,
title, headings, meta tags), :mod:`~ddj.extract.metadata` (JSON-LD and meta:
publisher, authors, language), :mod:`~ddj.extract.address` (the page's own
URL), :mod:`~ddj.extract.titles` (titles and outlet names),
:mod:`~ddj.extract.body` (the body text), :mod:`~ddj.extract.dates`,
:mod:`~ddj.extract.page_type`, :mod:`~ddj.extract.bylines`,
:mod:`~ddj.extract.authors` and :mod:`~ddj.extract.encoding`. This module
puts them together into a record.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from ddj.errors import DdjError
from ddj.extract.address import given_url, page_address
from ddj.extract.authors import clean_authors
from ddj.extract.body import main_text
from ddj.extract.dates import confidence, load_json_ld, meta_tags, publication_date, zones_set_aside
from ddj.extract.markup import MAX_HTML_CHARS, as_text, bounded_markup, clean_text, unescape
from ddj.extract.metadata import (
    authors_of,
    byline_list,
    first_given,
    ld_value,
    page_language,
    publisher_of,
)
from ddj.extract.page_type import classify
from ddj.extract.titles import outlet_name, prefer_heading, strip_site_name
from ddj.extract.xpaths import fits_extractors, h1_texts, meta_content, title_texts, visible_text

#: Bumped whenever records could change; ddj's cache keys on it.
EXTRACTOR_VERSION = "13"


RECORD_KEYS = (
    "url", "outlet", "title", "authors", "published", "published_local", "published_from",
    "published_confidence", "language", "description", "text", "words", "page_type",
    "dates_set_aside",
)  # fmt: skip


__all__ = [
    "EXTRACTOR_VERSION",
    "RECORD_KEYS",
    "outlet_name",
    "page_address",
    "read_html",
    "safe_read_html",
]


def read_html(html: str | bytes, url: str | None = None) -> dict[str, Any]:
    """Extract one article record from a web page.

    Parameters
    ----------
    html
        The page, as text or as the bytes saved from the web (their real
        encoding is detected; a declared charset is only a hint).
    url
        Where the page came from. Without it, the page's own address is used
        (:func:`page_address`: canonical link, ``og:url``, the comment a
        browser or SingleFile writes when saving; relative ones resolved).

    Returns
    -------
    dict with ``url``, ``outlet`` (:func:`outlet_name`), ``title``, ``authors`` (list of names),
    ``published`` (aware UTC datetime or None), ``published_from`` (json-ld,
    meta, time-tag, url, htmldate or none), ``language`` (ISO 639-1),
    ``description``, ``text``, ``words``, ``page_type`` and ``dates_set_aside``
    (``(value, zone)`` of each date refused for naming a time zone ddj does
    not know, such as ``("2 Oct 2024 14:03 QQT", "QQT")``: read as UTC it
    would be hours off).

    Raises
    ------
    ExtractionError
        The page is empty, binary, has no HTML markup, is larger than
        :data:`ddj.limits.MAX_PAGE_BYTES` (also once gzip is expanded), is
        broken gzip, or ``url`` is not a web address.

    Notes
    -----
    Hostile pages are read within bounds: JSON-LD blocks are size- and
    depth-limited, only the first :data:`MAX_HEAD_TAGS` meta and link tags
    count, markup nested past lxml's depth limit is flattened (its text
    kept), a page over :data:`MAX_HTML_CHARS` loses its scripts, styles,
    oversized JSON-LD and attribute values first, and a third-party
    extractor that fails on the markup is skipped, the rest of the record
    kept.

    Examples
    --------
    >>> rec = read_html('<html lang="en"><head><title>Talks | Gazette</title>'
    ...   '<meta property="og:site_name" content="Gazette">'
    ...   '<meta property="article:published_time" content="2024-10-18T09:30:00+01:00">'
    ...   '</head><body><p>Text.</p></body></html>')
    >>> rec["title"], rec["outlet"], rec["published"].isoformat(), rec["published_from"]
    ('Talks', 'Gazette', '2024-10-18T08:30:00+00:00', 'meta')
    """
    url = given_url(url)
    text, tree = bounded_markup(as_text(html))
    json_ld = load_json_ld(tree)
    tags = meta_tags(tree)
    meta = meta_content(tags)
    url = url or page_address(text, tree, meta, json_ld)
    publisher = publisher_of(json_ld)
    outlet = outlet_name(url, publisher, meta.get("og:site_name"))
    # The name the page gives itself, whether or not it is the outlet's label: a title's
    # "| Site" suffix and an imprint among the bylines are written with it.
    site = first_given([meta.get("og:site_name")], [publisher], [meta.get("application-name")])
    site = site or outlet
    heavy = fits_extractors(tree)
    authors = authors_of(tree, json_ld, meta, site, search_markup=heavy)
    title = first_given(
        [ld_value(json_ld, "headline")],
        [meta.get("og:title")],
        [meta.get("twitter:title")],
        title_texts(tree),
        h1_texts(tree),
    )
    title = prefer_heading(strip_site_name(unescape(title), site, url), tree)
    description = first_given(
        [meta.get("og:description")], [meta.get("description")], [ld_value(json_ld, "description")],
        [meta.get("twitter:description")],
    )  # fmt: skip
    visible = visible_text(tree)
    body, article = main_text(
        text, tree, url, description, visible, heavy=heavy, want_authors=not authors
    )
    authors = authors or byline_list(clean_authors(article.get("authors") or [], outlet=site))
    title = title or clean_text(article.get("title"))
    language = page_language(tree, meta, json_ld) or article.get("language")
    body = (body or "").strip() or None
    kind = classify(
        tree, url=url, title=clean_text(title), text=body, json_ld=json_ld, visible=visible
    )
    found, signal = publication_date(
        tree, json_ld, url, use_htmldate=heavy, markup=text[:MAX_HTML_CHARS], tags=tags
    )
    return {
        "url": url,
        "outlet": clean_text(outlet),
        "title": clean_text(title),
        "authors": authors,
        "published": found.astimezone(UTC) if found else None,
        "published_local": found.replace(tzinfo=None) if found else None,
        "published_from": signal,
        "published_confidence": confidence(found, signal, visible),
        "language": language,
        "description": clean_text(description),
        "text": body,
        "words": len(body.split()) if body else 0,
        "page_type": kind,
        "dates_set_aside": zones_set_aside(tree, json_ld, tags),
    }


def safe_read_html(html: bytes | str, url: str | None = None) -> tuple[dict | None, str | None]:
    """:func:`ddj.read_html` that never raises: ``(record, None)`` or ``(None, reason)``.

    For batches (worker processes included): one bad page, or a parser bug,
    never stops a load or a collection; its reason is reported instead.

    Examples
    --------
    >>> record, reason = safe_read_html(b"<html><title>T</title><p>Body text.</p></html>")
    >>> record["title"], reason
    ('T', None)
    >>> safe_read_html(b"")[0] is None
    True
    """
    try:
        return read_html(html, url=url), None
    except DdjError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - a parser bug must not abort a batch
        return None, f"extraction failed ({type(exc).__name__}: {exc!s:.150})"
