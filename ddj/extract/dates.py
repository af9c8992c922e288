"""Publication dates from a page's signals, by reliability and agreement.

Structured signals, most trusted first: JSON-LD ``datePublished`` of an
article object, article meta tags (``article:published_time`` and friends,
microdata ``itemprop=datePublished``; every one of them is kept, best-ranked
first) and a ``<time datetime>`` marked as the publication time. Then a full
date in the URL path and htmldate's estimate of the original date, which is
made on every page and used as a witness. The most trusted structured date
wins, except:

- it is a UTC timestamp and another structured date is the same instant with
  the publisher's own offset: that one (same moment, the publisher's day);
- it is a UTC timestamp (``Z``, ``+00:00``) and the URL's day is its calendar
  day somewhere between UTC-10 and UTC+14: the URL's day, which the publisher
  wrote in its own time zone;
- htmldate disagrees with it and agrees with another structured date (a
  different instant): that one; or agrees with the URL, more than a day away
  (a re-dated page or a comment's time, not a time-zone shift): the URL's day.

With no structured date: the URL's date, else htmldate's (not a 1 January,
nearly always a copyright year). A timestamp keeps its offset (UTC when it
gave none), so the publisher's calendar day is known; a date known only to the
day is put at 12:00 UTC so it keeps its calendar day in any time zone. A year
or a month alone is not a date.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any

from dateutil import parser as dparser
from lxml.etree import XPath

from ddj.date_parsing import EARLIEST, ZONE_OFFSETS

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
    publisher's own calendar day is known; a bare day is 12:00 UTC. Garbage
    never raises: a value that is not a real moment (month 13, day 32, year 0,
    an offset beyond ±18 hours such as ``+25:00``, a time that leaves the
    calendar once put in UTC) is None.

    Examples
    --------
    >>> parse_value("2024-10-18T09:30:00+01:00")
    (datetime.datetime(2024, 10, 18, 9, 30, tzinfo=datetime.timezone(datetime.timedelta(seconds=3600))), False)
    >>> parse_value("2024-10-18")
    (datetime.datetime(2024, 10, 18, 12, 0, tzinfo=datetime.timezone.utc), True)
    >>> parse_value("2024-10-18T09:30:00+25:00") is None
    True
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 64 or not re.search(r"\d{4}|\d{1,2}[/.]\d{1,2}", text):
        return None
    try:
        parsed = _parse_text(text)
        if parsed is None:
            return None
        dt, day_only = parsed
        offset = dt.utcoffset()
        if offset is None or abs(offset) > MAX_OFFSET:
            return None
        dt.astimezone(UTC)  # the moment exists in UTC (not before year 1 or after 9999)
    except (ValueError, OverflowError, TypeError, ArithmeticError):
        return None  # an impossible offset or date that only surfaced on use
    return dt, day_only


#: Real UTC offsets lie between -12:00 and +14:00; ISO 8601 tools accept up to ±18:00.
MAX_OFFSET = timedelta(hours=18)


def _parse_text(text: str) -> tuple[datetime, bool] | None:
    """ISO 8601 first, then dateutil; None for a value without a year and a day.

    Raises ValueError (:class:`UnknownZoneError` for a zone ddj does not know) on what is no date.
    """
    day_only = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{4}/\d{2}/\d{2}|\d{8}", text))
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" UTC", "+00:00"))
    except ValueError:
        # a zone ddj does not know raises UnknownZoneError: read in the wrong zone the date
        # would be hours off, so parse_value refuses it and another signal decides
        dt = dparser.parse(text, fuzzy=False, default=datetime(1900, 1, 1), tzinfos=_zone)
        other = dparser.parse(text, default=datetime(1900, 2, 2), tzinfos=_zone)
        if dt.year == 1900 or other.day != dt.day:
            return None  # no year, or no day: a year or a month is not a publication date
        day_only = day_only or (dt.hour, dt.minute, dt.second) == (0, 0, 0) and ":" not in text
    if day_only:
        return datetime(dt.year, dt.month, dt.day, 12, tzinfo=UTC), True
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)), False


class UnknownZoneError(ValueError):
    """A date names a time zone ddj cannot place (not in :data:`ddj.date_parsing.ZONE_OFFSETS`)."""


def _zone(name: str | None, offset: int | None) -> tzinfo | None:
    """The zone a date names, for dateutil's ``tzinfos``, through :data:`ddj.date_parsing.ZONE_OFFSETS`.

    Examples
    --------
    >>> dparser.parse("Tue, 15 Sep 2020 06:01:41 EDT", tzinfos=_zone).isoformat()
    '2020-09-15T06:01:41-04:00'
    """
    if name is None or name.upper() not in ZONE_OFFSETS:
        if name is None or offset is not None:  # no name, or "+02:00 (XYZ)": the offset decides
            return None if offset is None else timezone(timedelta(seconds=offset))
        raise UnknownZoneError(name)
    written = ZONE_OFFSETS[name.upper()]
    sign = -1 if written.startswith("-") else 1
    hours, minutes = written[1:].split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


def plausible(dt: datetime | None, now: datetime | None = None) -> bool:
    """Between :data:`ddj.date_parsing.EARLIEST` (1990) and tomorrow, as a table's dates."""
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
    """Every dict in parsed JSON-LD, @graph and nesting included, breadth first (at most 5,000 items)."""
    queue = deque(objects)
    seen = 0
    while queue and seen < 5000:
        obj = queue.popleft()
        seen += 1
        if isinstance(obj, list):
            queue.extend(obj[:5000])
        elif isinstance(obj, dict):
            yield obj
            for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "hasPart"):
                if isinstance(obj.get(key), (list, dict)):
                    queue.append(obj[key])


#: JSON-LD read per ``<script>`` block and per page (characters); real blocks are a few KB.
MAX_JSON_LD_CHARS = 1_000_000
MAX_JSON_LD_TOTAL = 2_000_000
#: Arrays and objects nested deeper than this in a JSON-LD block become null; real ones nest < 10.
MAX_JSON_LD_DEPTH = 32


def load_json_ld(tree: Any) -> list[Any]:
    """Parse the ``<script type="application/ld+json">`` blocks of an lxml tree, bounded.

    A block that is broken, larger than :data:`MAX_JSON_LD_CHARS` or past
    :data:`MAX_JSON_LD_TOTAL` for the page is skipped; the others are read,
    anything nested deeper than :data:`MAX_JSON_LD_DEPTH` cut off before
    parsing (:func:`_cut_deep`), so neither the JSON parser nor any later
    walk meets deep nesting.

    Examples
    --------
    >>> from lxml import html
    >>> page = html.fromstring('<html><head><script type="application/ld+json">'
    ...     '[{"a": 1}, ' + '[' * 100_000 + '</script></head></html>')
    >>> load_json_ld(page)
    []
    """
    out, budget = [], MAX_JSON_LD_TOTAL
    for node in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        raw = (node.text or "").strip()
        if not raw or len(raw) > min(MAX_JSON_LD_CHARS, budget):
            continue
        budget -= len(raw)
        raw = re.sub(r"^\s*<!\[CDATA\[|\]\]>\s*$", "", raw)
        try:
            out.append(json.loads(_cut_deep(raw, MAX_JSON_LD_DEPTH), strict=False))
        except ValueError:  # broken JSON (an unclosed deep block stays broken)
            continue
    return out


_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]')


def _cut_deep(raw: str, max_depth: int) -> str:
    """JSON text with every array or object nested below ``max_depth`` levels replaced by ``null``.

    One pass over the brackets outside strings, so ``json.loads`` never
    meets nesting deep enough to exhaust its stack, and the shallow part of
    the block (the article object) is still read.

    Examples
    --------
    >>> _cut_deep('{"a": [1, {"b": [2]}], "c": "[[["}', 2)
    '{"a": [1, null], "c": "[[["}'
    """
    if raw.count("[") + raw.count("{") <= max_depth:
        return raw
    pieces, last, depth, cut_from = [], 0, 0, -1
    for token in _JSON_TOKEN.finditer(raw):
        char = token.group()[0]
        if char in "[{":
            depth += 1
            if depth == max_depth + 1:
                cut_from = token.start()
        elif char in "]}":
            if depth == max_depth + 1 and cut_from >= 0:
                pieces += [raw[last:cut_from], "null"]
                last, cut_from = token.end(), -1
            depth -= 1
    pieces.append(raw[last:] if cut_from < 0 else raw[last:cut_from])  # unclosed: still broken
    return "".join(pieces)


#: Meta and microdata date values read per page (each is parsed; real pages have a handful).
MAX_DATE_VALUES = 100


def meta_tags(tree: Any) -> list[Any]:
    """The page's ``<meta content>`` elements, in order (one walk, shared by read_html and the dates)."""
    return _META_TAGS(tree)


def meta_values(tree: Any, tags: list[Any] | None = None) -> list[str]:
    """The publication meta tags' values, best-ranked first, then microdata ``datePublished``.

    At most :data:`MAX_DATE_VALUES`. ``tags`` is :func:`meta_tags` when the caller has it.
    """
    ranked = []
    names = ("property", "name", "itemprop", "http-equiv")
    for node in _META_TAGS(tree) if tags is None else tags:
        key = next((node.get(n) for n in names if node.get(n)), "").strip().lower()
        if key in _META_RANK and node.get("content", "").strip():
            ranked.append((_META_RANK[key], len(ranked), node.get("content")))
    out = [value for _, _, value in sorted(ranked)]
    for node in _DATE_PUBLISHED(tree)[:MAX_DATE_VALUES]:
        value = node.get("content") or node.get("datetime") or (node.text or "").strip()
        if value:
            out.append(value)
    return out[:MAX_DATE_VALUES]


def from_time_tag(tree: Any) -> str | None:
    """A ``<time datetime>`` marked as the publication time, else the first in the article.

    Marked: ``pubdate``, ``itemprop="datePublished"``, or a class naming it
    ("publish", "posted", "date-pub"). Else the first inside an ``<article>``
    or ``<header>``, else the page's only one. One walk of the tree.
    """
    times = _TIMES(tree)
    for node in times:
        kind = node.get("class") or ""
        if (
            node.get("pubdate") is not None
            or node.get("itemprop") == "datePublished"
            or any(word in kind for word in ("publish", "posted", "date-pub"))
        ):
            return node.get("datetime")
    for node in times:
        if next(node.iterancestors("article", "header"), None) is not None:
            return node.get("datetime")
    return times[0].get("datetime") if len(times) == 1 else None


_META_TAGS = XPath("//meta[@content]")
_DATE_PUBLISHED = XPath('//@itemprop[.="datePublished"]/parent::*')
_TIMES = XPath("//time[@datetime]")


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


def from_htmldate(page: Any, url: str | None) -> datetime | None:
    """The original-date estimate of htmldate (day precision) for a tree or markup, or None."""
    try:
        from htmldate import find_date

        found = find_date(
            page, url=url, original_date=True, extensive_search=True, outputformat="%Y-%m-%d",
            max_date=(datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d"),
        )  # fmt: skip
    except Exception:  # htmldate is robust, but a parse problem must not cost the record
        return None
    parsed = parse_value(found) if found else None
    return parsed[0] if parsed else None


def publication_date(
    tree: Any,
    json_ld: list[Any],
    url: str | None,
    use_htmldate: bool = True,
    *,
    markup: str | None = None,
    tags: list[Any] | None = None,
) -> tuple[datetime | None, str]:
    """The publication date and the signal that gave it (see module docstring).

    ``use_htmldate=False`` leaves htmldate's estimate out (a page too big for
    it). htmldate reads ``markup`` when given (it parses it itself, HTML
    comments kept: some pages give their date only there), else ``tree``;
    ``tags`` is :func:`meta_tags` when the caller has it.
    """
    found = candidates(tree, json_ld, tags)
    in_url = from_url(url)
    in_url = in_url if plausible(in_url) else None
    estimate = None
    if use_htmldate and _estimate_matters(found, in_url):
        estimate = from_htmldate(tree if markup is None else markup, url)
    if not plausible(estimate) or (estimate.month == 1 and estimate.day == 1):
        estimate = None  # YYYY-01-01 is nearly always a copyright year on an undated page
    return choose(found, in_url, estimate)


def _estimate_matters(
    found: list[tuple[str, datetime, bool, str]], in_url: datetime | None
) -> bool:
    """Whether htmldate's estimate could change :func:`choose`'s answer (else it is not asked).

    It is the answer only with no structured date and no URL date, and a
    witness only where the signals disagree: another structured date on
    another day, or a URL more than a day from the first date. On the other
    pages (most pages with markup) htmldate, a third of read_html's time,
    would not change the record.
    """
    if not found:
        return in_url is None
    best = found[0][1]
    if in_url is not None and abs((in_url.date() - best.date()).days) > 1:
        return True
    return any(other.date() != best.date() for _, other, _, _ in found[1:])


def candidates(
    tree: Any, json_ld: list[Any], tags: list[Any] | None = None
) -> list[tuple[str, datetime, bool, str]]:
    """Every plausible structured date, most trusted first: ``(signal, datetime, day_only, raw)``."""
    out = []
    for signal, value in _structured(tree, json_ld, tags):
        parsed = parse_value(value)
        if parsed and plausible(parsed[0]):
            out.append((signal, parsed[0], parsed[1], value.strip()))
    return out


def zones_set_aside(
    tree: Any, json_ld: list[Any], tags: list[Any] | None = None
) -> list[tuple[str, str]]:
    """The structured dates set aside for naming a time zone ddj does not know: ``(value, zone)``.

    :func:`parse_value` refuses such a value (read as UTC it would be hours
    off), so another signal dates the page; this says which were refused,
    for the problems report. Only values ending in a capitalised word are
    parsed again.

    Examples
    --------
    >>> from lxml import html
    >>> page = html.fromstring('<html><head><meta property="article:published_time" '
    ...     'content="2 Oct 2024 14:03 QQT"></head></html>')
    >>> zones_set_aside(page, [])
    [('2 Oct 2024 14:03 QQT', 'QQT')]
    """
    out = []
    for _, value in _structured(tree, json_ld, tags):
        text = value.strip()
        if len(text) > 64 or not _ENDS_IN_WORD.search(text) or not _HAS_DAY.search(text):
            continue
        try:
            _parse_text(text)
        except UnknownZoneError as exc:
            out.append((text, str(exc)))
        except (ValueError, OverflowError, TypeError, ArithmeticError):
            continue
    return out


_ENDS_IN_WORD = re.compile(r"[A-Za-z]{2,6}\)?$")
_HAS_DAY = re.compile(r"\d{4}|\d{1,2}[/.]\d{1,2}")  # what parse_value asks of a value


def _structured(tree: Any, json_ld: list[Any], tags: list[Any] | None) -> Iterator[tuple[str, str]]:
    """``(signal, value)`` of every structured date value, most trusted first (empty ones left out)."""
    for signal, values in (
        ("json-ld", [from_json_ld(json_ld)]),
        ("meta", meta_values(tree, tags)),
        ("time-tag", [from_time_tag(tree)]),
    ):
        for value in values:
            if isinstance(value, str) and value.strip():
                yield signal, value


def choose(
    found: list[tuple[str, datetime, bool, str]],
    in_url: datetime | None,
    estimate: datetime | None,
) -> tuple[datetime | None, str]:
    """The date and its signal from the structured dates, the URL's and htmldate's (module docstring).

    Examples
    --------
    >>> stamp = parse_value("2020-02-18T02:18:11Z")[0]
    >>> choose([("json-ld", stamp, False, "2020-02-18T02:18:11Z")], from_url("/2020/02/17/a"), None)
    (datetime.datetime(2020, 2, 17, 12, 0, tzinfo=datetime.timezone.utc), 'url')
    """
    if not found:
        return _unstructured(in_url, estimate)
    signal, best, day_only, raw = found[0]
    return (
        (_same_instant_local(found) if not day_only and best.utcoffset() == timedelta(0) else None)
        or ((in_url, "url") if _url_has_local_day(in_url, best, day_only, raw) else None)
        or (_witnessed_by_estimate(found, in_url, estimate) if estimate else None)
        or (best, signal)
    )


def _unstructured(
    in_url: datetime | None, estimate: datetime | None
) -> tuple[datetime | None, str]:
    """No structured date: the URL's day, else htmldate's estimate, else none."""
    if in_url:
        return in_url, "url"
    if estimate:
        return estimate, "htmldate"
    return None, "none"


def _same_instant_local(
    found: list[tuple[str, datetime, bool, str]],
) -> tuple[datetime, str] | None:
    """The first date (in UTC) given again in the publisher's own offset, if a later signal has it."""
    best = found[0][1]
    for other_signal, other, other_day_only, _ in found[1:]:
        same_instant = abs(other - best) < timedelta(minutes=1)
        if same_instant and not other_day_only and other.utcoffset():
            return other, other_signal  # in the publisher's own time
    return None


def _url_has_local_day(in_url: datetime | None, best: datetime, day_only: bool, raw: str) -> bool:
    """A UTC timestamp whose publisher-local day is the URL's: the URL has the publisher's day."""
    return bool(
        in_url
        and not day_only
        and best.date() != in_url.date()
        and _explicit_utc(raw)
        and _local_day_of(best, in_url.date())
    )


def _witnessed_by_estimate(
    found: list[tuple[str, datetime, bool, str]], in_url: datetime | None, estimate: datetime
) -> tuple[datetime, str] | None:
    """When htmldate's estimate disagrees with the first date: the signal that agrees with it."""
    best = found[0][1]
    if estimate.date() == best.date():
        return None
    for other_signal, other, _, _ in found[1:]:
        if other.date() == estimate.date() and abs(other - best) >= timedelta(minutes=1):
            return other, other_signal
    far = in_url and abs((in_url.date() - best.date()).days) > 1
    if far and in_url.date() == estimate.date():
        return in_url, "url"  # a re-dated page or a comment's time, not a time-zone shift
    return None


_UTC_SUFFIX = re.compile(r"(?:(?<=\d)Z|[+-]00:?00|\s(?:UTC|GMT)(?:[+-]0+)?)$", re.I)


def _explicit_utc(raw: str) -> bool:
    """The value says it is in UTC (``Z``, ``+00:00``, ``GMT``), not the publisher's own time."""
    return bool(_UTC_SUFFIX.search(re.sub(r"\s*\([^)]*\)\s*$", "", raw)))


def _local_day_of(stamp: datetime, day: date) -> bool:
    """``day`` is the calendar day of ``stamp`` somewhere between UTC-10 and UTC+14."""
    utc = stamp.astimezone(UTC)
    return (utc - timedelta(hours=10)).date() <= day <= (utc + timedelta(hours=14)).date()


# -- dates the page shows its reader -------------------------------------------------------

#: Month names (and common abbreviations) of the languages newsrooms write most, lower case.
MONTHS: dict[str, int] = {}
for _names in (
    "january february march april may june july august september october november december",
    "januar februar märz april mai juni juli august september oktober november dezember",
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "januari februari maart april mei juni juli augustus september oktober november december",
    "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "jan feb mar apr may jun jul aug sep oct nov dec",
    "jan feb mär apr mai jun jul aug sept okt nov dez",
    "janv févr mars avr mai juin juil août sept oct nov déc",
    "ene feb mar abr may jun jul ago sep oct nov dic",
    "gen feb mar apr mag giu lug ago set ott nov dic",
    "jan fev mar abr mai jun jul ago set out nov dez",
    "jänner feber märz april mai juni juli august september oktober november dezember",
):
    for _number, _name in enumerate(_names.split(), start=1):
        MONTHS.setdefault(_name, _number)

#: Visible text searched for the date (the date line sits near the top of any real page).
MAX_SHOWN_CHARS = 300_000


def shows_day(text: str, day: date) -> bool:
    """Whether ``text`` (the page's visible text) writes ``day`` in a form newsrooms use.

    ISO (2024-10-18, 2024/10/18), numeric day-first and month-first
    (18.10.2024, 18/10/24, 10/18/2024), and with month names or their
    abbreviations in English, German, French, Spanish, Italian, Dutch and
    Portuguese ("18 October 2024", "18. Oktober 2024", "October 18, 2024",
    "18 de octubre de 2024"). Only the first :data:`MAX_SHOWN_CHARS`
    characters are read, and not at all when the year is not written.

    Examples
    --------
    >>> shows_day("Published 18. Oktober 2024, 09:30", date(2024, 10, 18))
    True
    >>> shows_day("Updated 10/19/2024", date(2024, 10, 19)), shows_day("© 2024", date(2024, 10, 19))
    (True, False)
    """
    text = text[:MAX_SHOWN_CHARS]
    if str(day.year) not in text and f"{day.year % 100:02d}" not in text:
        return False
    for m in _NUMERIC_DATE.finditer(text):
        if m["y"] and (int(m["y"]), int(m["m"]), int(m["d"])) == (day.year, day.month, day.day):
            return True
        if m["yy"] and _full_year(m["yy"]) == day.year:
            a, b = int(m["a"]), int(m["b"])
            if (day.day, day.month) in ((a, b), (b, a)):
                return True
    for m in _named_month(day.month).finditer(text):
        if (int(m["d1"] or m["d2"]), int(m["y1"] or m["y2"])) == (day.day, day.year):
            return True
    return False


#: Both forms start at a digit: the lookahead lets every other place fail at once (4x faster).
_NUMERIC_DATE = re.compile(
    r"(?=\d)(?:(?<!\d)(?P<y>(?:19|20)\d\d)[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"
    r"|(?<![\d.])(?P<a>\d{1,2})[./-](?P<b>\d{1,2})[./-](?P<yy>(?:19|20)\d\d|\d\d)(?!\d))"
)


def _full_year(written: str) -> int:
    return int(written) + (2000 if len(written) == 2 else 0)


@lru_cache(maxsize=12)
def _named_month(month: int) -> re.Pattern:
    """Day and year around one month's names ("18 October 2024", "October 18, 2024")."""
    written = sorted((n for n, k in MONTHS.items() if k == month), key=len, reverse=True)
    names = "|".join(written)
    first = re.escape("".join(sorted({n[0] for n in written})))
    return re.compile(  # each form starts at a digit or a name's first letter (the lookahead)
        rf"(?=[\d{first}])(?:(?<!\w)(?P<d1>\d{{1,2}})(?:\.|º|er|st|nd|rd|th)?\s*(?:de\s+)?(?:{names})\.?,?\s*"
        rf"(?:de\s+)?(?P<y1>(?:19|20)\d\d)(?!\d)"
        rf"|(?<!\w)(?:{names})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>(?:19|20)\d\d)(?!\d))",
        re.IGNORECASE,
    )


def confidence(found: datetime | None, signal: str, visible_text: str) -> str | None:
    """How sure the date is: whether the page shows its reader the day that was found.

    - ``high``: a date the page marks up (JSON-LD, meta, ``<time>``) or puts in
      its URL, and also shows: its calendar day is written in the visible
      text (:func:`shows_day`);
    - ``medium``: htmldate's estimate from the page's text, shown on the page;
    - ``low``: a day the page never shows (metadata only, or htmldate's guess).

    None when there is no date. Calibrated on the 624 pages of the two
    scored date sets of ``../shared/corpora`` (535 with a checked day, 89
    checked to have none): right day at high 321 of 329 (97.6%), medium
    109 of 121 (90.1%), low 56 of 81 (69%); of the 89 pages without a date,
    11 got a high, 16 a medium and 43 a low one. Leaving out low dates
    (``min_confidence="medium"``) therefore drops 43 of 70 false dates and
    56 of 486 right ones.

    Examples
    --------
    >>> day = parse_value("2024-10-18T09:30:00+01:00")[0]
    >>> confidence(day, "meta", "Friday 18 October 2024"), confidence(day, "meta", "Menu")
    ('high', 'low')
    """
    if found is None:
        return None
    if not shows_day(visible_text, found.date()):
        return "low"
    return "medium" if signal == "htmldate" else "high"
