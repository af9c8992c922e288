"""Media Cloud as a source: coverage counts and story lists from its search API (v4).

Plain HTTP to the endpoints the official ``mediacloud`` client calls
(``search/count-over-time`` and ``search/story-list`` under
``https://search.mediacloud.org/api/``, token in ``Authorization: Token ...``):
that client sets neither its address nor a timeout per call, and ddj needs
both (mirrors, tests, bounded waits). The token is read only from
``MEDIACLOUD_API_KEY``, sent only in that header, and never cached, logged or
written. Requests keep Media Cloud's published limits: 2 a minute, 4,000 a
week (counted on disk, checked before a job starts).

Media Cloud counts what it indexed: its collections, as its crawlers found
them, with its own dates. A share is its stories matching the query over all
its stories in the same collections and days.

Examples
--------
>>> mc_params("hk", "2024-10-01", "2024-10-31", collections=[34412234], sources=None)["cs"]
'34412234'
"""

from __future__ import annotations

import math
import os
from typing import Any

import pandas as pd

from ddj import corpus as corpus_schema
from ddj.apiclient import Service, ServiceError, json_answer
from ddj.errors import ParameterError
from ddj.external import coverage_from_counts, day
from ddj.translate import for_mediacloud

BASE_URL = "https://search.mediacloud.org/api/"
#: Published limits for ordinary accounts.
REQUESTS_PER_MINUTE = 2
WEEKLY_QUOTA = 4_000
PLATFORM = "onlinenews-mediacloud"
COUNTED_BY = "Media Cloud: stories it indexed in the chosen collections and sources"
#: Most stories ``stories`` fetches unless asked (Media Cloud gives 1,000 a page).
MAX_STORIES = 10_000
PAGE = 1_000


def service(base_url: str | None = None, **options: Any) -> Service:
    """The Media Cloud :class:`~ddj.apiclient.Service`: token from the environment, address configurable.

    ``base_url``, else ``$DDJ_MEDIACLOUD_URL``, else the public API.
    """
    token = os.environ.get("MEDIACLOUD_API_KEY", "").strip()
    if not token:
        msg = (
            "Media Cloud needs an API key in the environment: set MEDIACLOUD_API_KEY "
            "(from https://search.mediacloud.org, your profile page) before starting Python."
        )
        raise ParameterError(msg)
    base = base_url or os.environ.get("DDJ_MEDIACLOUD_URL") or BASE_URL
    options.setdefault("interval", 60.0 / REQUESTS_PER_MINUTE)
    options.setdefault("quota", WEEKLY_QUOTA)
    return Service("Media Cloud", base, headers={"Authorization": f"Token {token}"}, **options)


def mc_params(
    query: str, start: Any, end: Any, *, collections: Any, sources: Any
) -> dict[str, Any]:
    """The search parameters Media Cloud's client sends (``q``, ``start``, ``end``, ``platform``, ``cs``, ``ss``)."""
    lo, hi = day(start, "start"), day(end, "end")
    return {
        "q": query,
        "start": lo.date().isoformat(),
        "end": hi.date().isoformat(),
        "platform": PLATFORM,
        "cs": _ids(collections, "collections"),
        "ss": _ids(sources, "sources"),
    }


def coverage(
    query: str,
    *,
    collections: Any = None,
    sources: Any = None,
    start: Any,
    end: Any,
    freq: str = "W",
    topic: str | None = None,
    base_url: str | None = None,
    client: Service | None = None,
) -> pd.DataFrame:
    """One topic's coverage in Media Cloud, as ddj's coverage frame.

    Parameters
    ----------
    query
        A ddj query (:mod:`ddj.query`); it is translated (:func:`ddj.translate.for_mediacloud`)
        and the notes where meanings differ go to ``attrs["notes"]``.
    collections, sources
        Media Cloud collection and source ids (an int or a list).
    start, end
        First and last day.
    freq
        ``D``, ``W``, ``M``, ``Q`` or ``Y``.
    client
        A :class:`~ddj.apiclient.Service` (tests, a shared quota); else :func:`service`.

    Returns
    -------
    DataFrame
        ddj's coverage columns; ``attrs`` hold ``counted_by``, ``notes``,
        ``queries`` (the text sent) and ``requests`` (made, cached).
    """
    translation = for_mediacloud(query)
    svc = client or service(base_url)
    asked = mc_params(translation.text, start, end, collections=collections, sources=sources)
    svc.check_quota(1, "This Media Cloud count")
    answer = svc.get("search/count-over-time", asked, json_answer("Media Cloud"))
    daily = _daily(answer, svc.url("search/count-over-time", asked))
    notes = (
        "Counted by Media Cloud: what it indexed, in the collections and sources asked for.",
        *translation.notes,
    )
    cov = coverage_from_counts(
        daily,
        topic=topic or query,
        label=topic or query,
        start=start,
        end=end,
        freq=freq,
        counted_by=COUNTED_BY,
        query=translation.text,
        notes=notes,
    )
    cov.attrs["requests"] = {"made": svc.requests, "cached": svc.cached, "week": svc.used()}
    return cov


def stories(
    query: str,
    *,
    collections: Any = None,
    sources: Any = None,
    start: Any,
    end: Any,
    max_stories: int = MAX_STORIES,
    base_url: str | None = None,
    client: Service | None = None,
) -> pd.DataFrame:
    """Media Cloud's stories for a query, as a ddj corpus of titles and URLs (no text).

    Pages through ``search/story-list`` with its ``pagination_token``; every
    page is cached, so a run stopped by an error resumes where it stopped.
    ``text`` is empty and ``page_type`` is ``article`` as Media Cloud lists
    them; ``published_from`` is ``mediacloud`` (the date Media Cloud gives).
    Feed ``url`` to ``ddj.collect(urls=...)`` to fetch the pages themselves.

    Raises
    ------
    QuotaError
        Before the first request, when the pages needed would pass the weekly quota.
    """
    if not isinstance(max_stories, int) or max_stories < 1:
        msg = f"max_stories={max_stories!r}: give a whole number of stories, at least 1."
        raise ParameterError(msg)
    translation = for_mediacloud(query)
    svc = client or service(base_url)
    asked = mc_params(translation.text, start, end, collections=collections, sources=sources)
    pages = math.ceil(max_stories / PAGE)
    svc.check_quota(pages, f"Listing up to {max_stories:,} Media Cloud stories")
    rows: list[dict] = []
    token = None
    for _ in range(pages):
        page = dict(asked, pagination_token=token) if token else asked
        answer = svc.get("search/story-list", page, json_answer("Media Cloud"))
        if not isinstance(answer, dict) or not isinstance(answer.get("stories"), list):
            msg = "Media Cloud's story list has no 'stories' list: is DDJ_MEDIACLOUD_URL a Media Cloud API?"
            raise ServiceError(msg)
        rows.extend(_story(s) for s in answer["stories"] if isinstance(s, dict))
        token = answer.get("pagination_token")
        if not token or not isinstance(token, str) or len(rows) >= max_stories:
            break
    frame = corpus_schema.conform(rows[:max_stories]) if rows else corpus_schema.empty()
    frame.attrs["counted_by"] = COUNTED_BY
    frame.attrs["notes"] = list(translation.notes)
    frame.attrs["more"] = bool(token) and len(rows) >= max_stories
    return frame


def _story(s: dict) -> dict:
    def text(key: str) -> str | None:
        value = s.get(key)
        return str(value)[:2000] if value not in (None, "") else None

    return {
        "url": text("url"),
        "outlet": text("media_name") or text("media_url"),
        "title": text("title"),
        "published": text("publish_date"),
        "published_from": "mediacloud" if text("publish_date") else None,
        "language": text("language"),
        "text": None,
        "page_type": "article",
        "source": f"mediacloud:{text('id') or ''}",
    }


def _daily(answer: Any, url: str) -> pd.DataFrame:
    """``date``, ``articles``, ``total`` from a count-over-time answer, checked."""
    counts = answer.get("count_over_time", {}).get("counts") if isinstance(answer, dict) else None
    if not isinstance(counts, list):
        msg = f"Media Cloud's answer for {url} has no count_over_time.counts list."
        raise ServiceError(msg)
    rows = []
    for item in counts:
        try:
            rows.append(
                (str(item["date"])[:10], _count(item["count"]), _count(item["total_count"]))
            )
        except (KeyError, TypeError, ValueError):
            msg = f"Media Cloud's answer for {url} has a day that is not date, count, total_count: {str(item)[:120]!r}"
            raise ServiceError(msg) from None
    daily = pd.DataFrame(rows, columns=["date", "articles", "total"])
    bad = daily[daily["articles"] > daily["total"]]
    if len(bad):
        msg = f"Media Cloud's answer for {url} counts more matching stories than stories on {bad['date'].iloc[0]}."
        raise ServiceError(msg)
    return daily


def _count(value: Any) -> int:
    number = int(value)
    if number < 0 or number > 10**12 or number != value:
        raise ValueError(value)
    return number


def _ids(value: Any, name: str) -> str | None:
    if value is None:
        return None
    items = (
        str(value).split(",")
        if isinstance(value, str)
        else [value]
        if isinstance(value, int)
        else list(value)
    )
    out = []
    for item in items:
        text = str(item).strip()
        if not text.isdigit() or len(text) > 20:
            msg = f"{name}={value!r}: Media Cloud ids are whole numbers, e.g. {name}=[34412234]."
            raise ParameterError(msg)
        out.append(text)
    return ",".join(out) or None
