"""GDELT's DOC 2.0 API as a source: attention timelines with counts, and article lists past the 250 cap.

``coverage`` asks ``mode=timelinevolraw`` (matching articles and all articles
GDELT monitored, per time step) rather than the percentages of
``timelinevol``, so the frame has counts, totals, shares and intervals.
``articles`` asks ``mode=artlist&maxrecords=250`` window by window: a window
that hits the 250 cap is split in two (at most ``max_depth`` times), and a
window that still hits it at the smallest size is reported in
``attrs["capped"]`` with a warning. One request per 5 seconds, as GDELT asks;
every answer cached on disk.

GDELT counts what it saw: articles its crawlers met, at the time it met them.
``seendate`` is that time, not the publication time: articles carry
``published_from="gdelt-seen"``.

Examples
--------
>>> gdelt_time("2024-10-01"), gdelt_time(pd.Timestamp("2024-10-01 12:30"))
('20241001000000', '20241001123000')
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

import pandas as pd

from ddj import corpus as corpus_schema
from ddj import warns
from ddj.apiclient import Service, ServiceError
from ddj.constants import PROBLEMS_ATTR
from ddj.errors import ParameterError
from ddj.external import coverage_from_counts, day
from ddj.problem_rows import problem
from ddj.translate import for_gdelt

BASE_URL = "https://api.gdeltproject.org/api/v2/doc/doc"
SECONDS_BETWEEN = 5.0
MAX_RECORDS = 250
COUNTED_BY = "GDELT: articles it saw (monitored), by the time it saw them"
#: Deepest split of an artlist window (a day split 8 times is under 6 minutes).
MAX_DEPTH = 8
#: Most windows one ``articles`` call asks for (each one request, 5 s apart).
MAX_WINDOWS = 2_000
#: Most requests one ``articles`` call makes, splits included (about 7 hours at 1 per 5 s);
#: past it a capped window is reported as capped instead of split.
MAX_REQUESTS = 5_000


def service(base_url: str | None = None, **options: Any) -> Service:
    """The GDELT :class:`~ddj.apiclient.Service`: ``base_url``, else ``$DDJ_GDELT_URL``, else the public API."""
    base = base_url or os.environ.get("DDJ_GDELT_URL") or BASE_URL
    options.setdefault("interval", SECONDS_BETWEEN)
    return Service("GDELT", base, **options)


def gdelt_time(value: Any) -> str:
    """GDELT's ``YYYYMMDDHHMMSS`` for a date or time (UTC)."""
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.strftime("%Y%m%d%H%M%S")


def parse_answer(body: bytes) -> Any:
    """GDELT's JSON, else a :class:`ServiceError` quoting GDELT's plain-text message."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        start = " ".join(text[:200].split())
        msg = f"GDELT did not answer with JSON: {start!r}. Check the query (GDELT's own rules: words of 3 letters or more, OR only inside parentheses)."
        raise ServiceError(msg) from None


def coverage(
    query: str,
    start: Any,
    end: Any,
    *,
    freq: str = "W",
    topic: str | None = None,
    base_url: str | None = None,
    client: Service | None = None,
) -> pd.DataFrame:
    """One topic's coverage in GDELT (``timelinevolraw``), as ddj's coverage frame.

    GDELT gives, per time step, the matching articles (``value``) and all the
    articles it monitored (``norm``); steps are summed into ddj's periods.
    ``attrs["notes"]`` says where the query's meaning differs from ddj's.
    """
    translation = for_gdelt(query)
    svc = client or service(base_url)
    lo, hi = day(start, "start"), day(end, "end")
    asked = {
        "query": translation.text,
        "mode": "timelinevolraw",
        "format": "json",
        "startdatetime": gdelt_time(lo),
        "enddatetime": gdelt_time(hi + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)),
    }
    answer = svc.get("", asked, parse_answer)
    daily = _timeline(answer, svc.url("", asked))
    notes = ("Counted by GDELT: what it saw, by the time it saw it.", *translation.notes)
    cov = coverage_from_counts(
        daily,
        topic=topic or query,
        label=topic or query,
        start=lo,
        end=hi,
        freq=freq,
        counted_by=COUNTED_BY,
        query=translation.text,
        notes=notes,
    )
    cov.attrs["requests"] = {"made": svc.requests, "cached": svc.cached}
    return cov


def articles(
    query: str,
    start: Any,
    end: Any,
    *,
    window: str = "1D",
    max_depth: int = MAX_DEPTH,
    base_url: str | None = None,
    client: Service | None = None,
) -> pd.DataFrame:
    """GDELT's article list for a query, window by window, as a ddj corpus (titles and URLs, no text).

    Each ``window`` (a pandas offset: ``"1D"``, ``"6h"``) is one request of up
    to 250 articles; a window that returns 250 is split in halves, down to
    ``max_depth`` splits. A window that fails is a row in
    ``ddj.problems(frame)`` and the others go on; windows still at the cap at
    the smallest size are listed in ``attrs["capped"]``. Dates are GDELT's
    ``seendate`` (``published_from="gdelt-seen"``): when GDELT saw the
    article, which may be hours or days after it was published.
    """
    if not isinstance(max_depth, int) or not 0 <= max_depth <= 20:
        msg = f"max_depth={max_depth!r}: give a whole number from 0 to 20 (splits of a capped window)."
        raise ParameterError(msg)
    translation = for_gdelt(query)
    svc = client or service(base_url)
    lo, hi = day(start, "start"), day(end, "end") + pd.Timedelta(days=1)
    try:
        step = pd.Timedelta(window)
    except ValueError:
        step = pd.NaT
    if pd.isna(step) or step < pd.Timedelta(minutes=1):
        msg = f"window={window!r}: give a length of at least a minute, e.g. '1D' or '6h'."
        raise ParameterError(msg)
    edges = list(pd.date_range(lo, hi, freq=step))
    if edges[-1] < hi:
        edges.append(hi)
    if len(edges) - 1 > MAX_WINDOWS:
        msg = f"{len(edges) - 1} windows of {window} at 1 request per 5 s: give a longer window= or a shorter span."
        raise ParameterError(msg)
    todo = [(a, b, 0) for a, b in zip(edges[:-1], edges[1:], strict=False)][::-1]
    found, failures, capped = _listed(svc, translation.text, todo, max_depth)
    frame = corpus_schema.conform(list(found.values())) if found else corpus_schema.empty()
    frame.attrs["counted_by"] = COUNTED_BY
    frame.attrs["notes"] = list(translation.notes)
    frame.attrs["capped"] = capped
    frame.attrs[PROBLEMS_ATTR] = failures
    _warn(failures, capped)
    return frame


def _listed(
    svc: Service, text: str, todo: list[tuple[Any, Any, int]], max_depth: int
) -> tuple[dict[str, dict], list[dict], list[dict]]:
    """Articles by URL, failed windows (problem rows) and windows still capped at the deepest split."""
    found: dict[str, dict] = {}
    failures: list[dict] = []
    capped: list[dict] = []
    asked_for = 0
    while todo:
        a, b, depth = todo.pop()
        asked_for += 1
        asked = {
            "query": text,
            "mode": "artlist",
            "maxrecords": MAX_RECORDS,
            "format": "json",
            "sort": "datedesc",
            "startdatetime": gdelt_time(a),
            "enddatetime": gdelt_time(b - pd.Timedelta(seconds=1)),
        }
        try:
            listed = _articles(svc.get("", asked, parse_answer))
        except ServiceError as exc:
            failures.append(problem("unreadable", svc.url("", asked), str(exc)))
            continue
        for row in listed:
            found.setdefault(row["url"], row)
        if len(listed) >= MAX_RECORDS:
            middle = a + (b - a) / 2
            room = asked_for + len(todo) + 2 <= MAX_REQUESTS
            if depth < max_depth and room and (b - a) >= pd.Timedelta(seconds=2):
                todo.extend([(middle, b, depth + 1), (a, middle, depth + 1)])
            else:
                capped.append({"start": a, "end": b, "articles": len(listed)})
    return found, failures, capped


def _warn(failures: list[dict], capped: list[dict]) -> None:
    if failures:
        warnings.warn(
            warns.note(
                f"{len(failures)} GDELT window(s) failed and are missing from the list; "
                "ddj.problems(frame) names them. Run again: the windows fetched are cached."
            ),
            stacklevel=3,
        )
    if capped:
        first = capped[0]
        warnings.warn(
            warns.note(
                f"{len(capped)} GDELT window(s) still returned {MAX_RECORDS} articles at the smallest "
                f"split (the first from {first['start']}): GDELT had more there than it lists; "
                "attrs['capped'] names them."
            ),
            stacklevel=3,
        )


def _timeline(answer: Any, url: str) -> pd.DataFrame:
    """``date``, ``articles``, ``total`` per GDELT time step."""
    series = answer.get("timeline") if isinstance(answer, dict) else None
    if series == [] or answer == {}:
        return pd.DataFrame({"date": [], "articles": [], "total": []})
    if not isinstance(series, list) or not isinstance(series[0], dict):
        msg = f"GDELT's answer for {url} has no timeline: is DDJ_GDELT_URL GDELT's DOC API (/api/v2/doc/doc)?"
        raise ServiceError(msg)
    rows = []
    for point in series[0].get("data") or []:
        try:
            when = pd.to_datetime(str(point["date"]), format="%Y%m%dT%H%M%SZ")
            value, norm = int(point["value"]), int(point["norm"])
        except (KeyError, TypeError, ValueError):
            msg = f"GDELT's answer for {url} has a step that is not date, value, norm: {str(point)[:120]!r}"
            raise ServiceError(msg) from None
        if value < 0 or norm < value:
            msg = f"GDELT's answer for {url} counts {value} matching of {norm} articles on {when}."
            raise ServiceError(msg)
        rows.append((when, value, norm))
    return pd.DataFrame(rows, columns=["date", "articles", "total"])


def _articles(answer: Any) -> list[dict]:
    """Corpus rows from an artlist answer (``{}`` when nothing matched)."""
    if answer == {}:
        return []
    listed = answer.get("articles") if isinstance(answer, dict) else None
    if not isinstance(listed, list):
        raise ServiceError("GDELT's article list has no 'articles' list.")
    rows = []
    for item in listed[: MAX_RECORDS * 2]:
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            continue
        seen = pd.to_datetime(
            str(item.get("seendate", "")), format="%Y%m%dT%H%M%SZ", errors="coerce", utc=True
        )
        rows.append(
            {
                "url": item["url"][:2000],
                "outlet": str(item.get("domain") or "")[:200] or None,
                "title": str(item.get("title") or "")[:2000] or None,
                "published": None if pd.isna(seen) else seen,
                "published_from": "gdelt-seen" if not pd.isna(seen) else None,
                "language": str(item.get("language") or "")[:40] or None,
                "text": None,
                "page_type": "article",
                "source": "gdelt",
            }
        )
    return rows
