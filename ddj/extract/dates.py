"""Publication dates from a page's signals, by reliability.

Signals, most trusted first: JSON-LD ``datePublished`` of an article object,
article meta tags (``article:published_time`` and friends, microdata
``itemprop=datePublished``), a ``<time datetime>`` marked as the publication
time, a full date in the URL path, and htmldate's estimate of the original
date. A value with a time and zone is kept to the second; a date known only to
the day is put at 12:00 UTC so it keeps its calendar day in any time zone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)

ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "blogposting", "backgroundnewsarticle", "reviewnewsarticle", "socialmediaposting", "liveblogposting",
    "webpage", "report", "scholarlyarticle", "techarticle", "posting",
}  # fmt: skip

META_KEYS = (
    "article:published_time", "og:article:published_time", "article:published", "published_time",
    "datepublished", "publishdate", "publish-date", "publish_date", "pubdate", "publication_date",
    "date", "dc.date.issued", "dc.date", "dcterms.issued", "dcterms.created", "sailthru.date",
    "parsely-pub-date", "article.published", "cxenseparse:recs:publishtime", "og:published_time",
    "originalpublicationdate", "article_date_original", "date_published", "citation_publication_date",
)  # fmt: skip
_META_RANK = {k: i for i, k in enumerate(META_KEYS)}

_URL_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)[/_.-]?(?P<m>0[1-9]|1[0-2])[/_.-]?(?P<d>0[1-9]|[12]\d|3[01])(?!\d)"
)
_URL_DATE_SEP = re.compile(
    r"/(?P<y>(?:19|20)\d\d)[/_-](?P<m>0?[1-9]|1[0-2])[/_-](?P<d>0?[1-9]|[12]\d|3[01])(?:/|[_-]|$|\.)"
)


def parse_value(value: Any) -> tuple[datetime, bool] | None:
    """Parse a date or date-time string: ``(aware datetime, day_only)`` or None.

    The datetime keeps the offset the page gave (UTC when it gave none), so the
    publisher's own calendar day is known; a bare day is 12:00 UTC.

    Examples
    --------
    >>> parse_value("2024-10-18T09:30:00+01:00")
    (datetime.datetime(2024, 10, 18, 9, 30, tzinfo=datetime.timezone(datetime.timedelta(seconds=3600))), False)
    >>> parse_value("2024-10-18")
    (datetime.datetime(2024, 10, 18, 12, 0, tzinfo=datetime.timezone.utc), True)
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 64 or not re.search(r"\d{4}|\d{1,2}[/.]\d{1,2}", text):
        return None
    day_only = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{4}/\d{2}/\d{2}|\d{8}", text))
    dt = None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" UTC", "+00:00"))
    except ValueError:
        try:
            from dateutil import parser as dparser

            dt = dparser.parse(text, fuzzy=False, default=datetime(1900, 1, 1))
            if dt.year == 1900:
                return None
            day_only = day_only or (dt.hour, dt.minute, dt.second) == (0, 0, 0) and ":" not in text
        except (ValueError, OverflowError, TypeError):
            return None
    if isinstance(dt, date) and not isinstance(dt, datetime):
        dt = datetime(dt.year, dt.month, dt.day)
    if day_only:
        dt = datetime(dt.year, dt.month, dt.day, 12, tzinfo=UTC)
    elif dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt, day_only


def plausible(dt: datetime | None, now: datetime | None = None) -> bool:
    """Between 1995 and tomorrow."""
    if dt is None:
        return False
    now = now or datetime.now(UTC)
    return EARLIEST <= dt <= now + timedelta(days=1)


def from_json_ld(objects: list[Any]) -> str | None:
    """``datePublished`` (else ``dateCreated``) of the first article object."""
    fallback = None
    for obj in walk_json_ld(objects):
        types = obj.get("@type")
        types = types if isinstance(types, list) else [types]
        if not any(isinstance(t, str) and t.lower() in ARTICLE_TYPES for t in types):
            continue
        value = obj.get("datePublished") or obj.get("dateCreated")
        if isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, str) and value.strip():
            if any(isinstance(t, str) and t.lower() != "webpage" for t in types):
                return value
            fallback = fallback or value
    return fallback


def walk_json_ld(objects: list[Any]) -> Iterator[dict]:
    """Every dict in parsed JSON-LD, @graph and nesting included, breadth first."""
    queue = list(objects)
    seen = 0
    while queue and seen < 5000:
        obj = queue.pop(0)
        seen += 1
        if isinstance(obj, list):
            queue.extend(obj)
        elif isinstance(obj, dict):
            yield obj
            for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "hasPart"):
                if isinstance(obj.get(key), (list, dict)):
                    queue.append(obj[key])


def load_json_ld(tree: Any) -> list[Any]:
    """Parse every ``<script type="application/ld+json">`` of an lxml tree, skipping broken ones."""
    out = []
    for node in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        raw = (node.text or "").strip()
        if not raw:
            continue
        raw = re.sub(r"^\s*<!\[CDATA\[|\]\]>\s*$", "", raw)
        try:
            out.append(json.loads(raw, strict=False))
        except ValueError:
            continue
    return out


def from_meta(tree: Any) -> str | None:
    """The best-ranked publication meta tag, or microdata ``itemprop=datePublished``."""
    best = None
    for node in tree.xpath("//meta[@content][@property or @name or @itemprop or @http-equiv]"):
        key = (
            (
                node.get("property")
                or node.get("name")
                or node.get("itemprop")
                or node.get("http-equiv")
                or ""
            )
            .strip()
            .lower()
        )
        if key in _META_RANK and node.get("content", "").strip():
            rank = _META_RANK[key]
            if best is None or rank < best[0]:
                best = (rank, node.get("content"))
    if best:
        return best[1]
    for node in tree.xpath('//*[@itemprop="datePublished"]'):
        value = node.get("content") or node.get("datetime") or (node.text or "").strip()
        if value:
            return value
    return None


def from_time_tag(tree: Any) -> str | None:
    """A ``<time datetime>`` marked as the publication time, else the first in the article."""
    marked = tree.xpath(
        '//time[@datetime][@pubdate or contains(@class, "publish") or contains(@class, "posted")'
        ' or contains(@class, "date-pub") or @itemprop="datePublished"]'
    )
    if marked:
        return marked[0].get("datetime")
    inside = tree.xpath("//article//time[@datetime] | //header//time[@datetime]")
    if inside:
        return inside[0].get("datetime")
    anywhere = tree.xpath("//time[@datetime]")
    if len(anywhere) == 1:  # one time on the page: it is the page's
        return anywhere[0].get("datetime")
    return None


def from_url(url: str | None) -> datetime | None:
    """A full date in the URL path (``/2024/10/18/``, ``-20241018-``), at 12:00 UTC."""
    if not url:
        return None
    path = url.split("://", 1)[-1]
    path = path[path.find("/") :] if "/" in path else ""
    for pattern in (_URL_DATE_SEP, _URL_DATE):
        for m in pattern.finditer(path):
            try:
                return datetime(int(m["y"]), int(m["m"]), int(m["d"]), 12, tzinfo=UTC)
            except ValueError:
                continue
    return None


def from_htmldate(tree: Any, url: str | None) -> datetime | None:
    """htmldate's original-date estimate (day precision), or None."""
    try:
        from htmldate import find_date

        found = find_date(
            tree, url=url, original_date=True, extensive_search=True, outputformat="%Y-%m-%d",
            max_date=(datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d"),
        )  # fmt: skip
    except Exception:  # htmldate is robust, but a parse problem must not cost the record
        return None
    parsed = parse_value(found) if found else None
    return parsed[0] if parsed else None


def publication_date(tree: Any, json_ld: list[Any], url: str | None) -> tuple[datetime | None, str]:
    """The publication date and the signal that gave it (see module docstring)."""
    for signal, value in (
        ("json-ld", from_json_ld(json_ld)),
        ("meta", from_meta(tree)),
        ("time-tag", from_time_tag(tree)),
    ):
        parsed = parse_value(value) if value else None
        if parsed and plausible(parsed[0]):
            return parsed[0], signal
    in_url = from_url(url)
    if plausible(in_url):
        return in_url, "url"
    estimate = from_htmldate(tree, url)
    if plausible(estimate) and not (estimate.month == 1 and estimate.day == 1):
        # YYYY-01-01 is nearly always a copyright year on an undated page
        return estimate, "htmldate"
    return None, "none"
