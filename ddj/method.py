"""The method beside a chart: ``slug.method.json`` and a short ``slug.method.md``.

A desk editor checks a number without opening the notebook: the queries as
counted, the corpus (its fingerprint, outlets and dates), the rows counted and
those left out and why, duplicates removed, gaps in the denominator, the
interval and spike methods with their parameters, the periods, the ddj version
and when. Everything is read from what made the chart: the coverage frame's
``attrs`` (written by ``ddj.coverage``), the chart's ``usermeta["ddj"]``
(written by ``ddj.chart``) and the corpus's fingerprint and loading problems;
nothing is counted again.

The Markdown is escaped (:mod:`ddj.escaping`): a query, an outlet or a title
from a corpus shows as written and never becomes a link, an image or HTML.

Examples
--------
>>> from ddj.method import method
>>> record = method(cov, ddj.chart(cov).to_dict(), corpus)
>>> record["queries"]["hong_kong"][:11], record["corpus"]["rows"]
('"Hong Kong"', 306)
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

from ddj import scan
from ddj.constants import DEMO_LABEL, VERSION
from ddj.escaping import code_span, markdown_text

#: The version of the method file's layout (its keys), for a reader that checks.
METHOD_FORMAT = 1
#: Outlets named in the Markdown note (the JSON lists them all).
MAX_OUTLETS_SHOWN = 20
#: Longest text kept from a method file read back (:func:`method_attrs`), in characters.
MAX_TEXT = 100_000


def method(
    coverage: pd.DataFrame,
    spec: dict | None = None,
    corpus: Any = None,
    *,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The method behind a chart, as a JSON-ready dict.

    Parameters
    ----------
    coverage
        The frame from ``ddj.coverage`` the chart was drawn from (read, not changed).
    spec
        The chart's Vega-Lite spec (``chart.to_dict()``), for its title and the
        spike method it marked; None when there is no chart.
    corpus
        The corpus counted (a frame or a store), for its fingerprint and the
        problems its loading recorded (duplicates dropped...); None leaves them out.
    now
        When the method was written (default: now, UTC).

    Returns
    -------
    dict
        ``format``, ``ddj_version``, ``written``, ``title``, ``queries``,
        ``corpus``, ``periods``, ``counted``, ``duplicates``, ``gaps``,
        ``interval``, ``spikes``, ``index``, ``demo`` and ``source`` (the chart's source line).

    Examples
    --------
    >>> sorted(method(cov))[:4]
    ['corpus', 'counted', 'ddj_version', 'demo']
    """
    attrs = coverage.attrs
    drawn = ((spec or {}).get("usermeta") or {}).get("ddj") or {}
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    problems: dict[str, int] = {}
    for row in scan.noted(corpus) if corpus is not None else []:
        kind = str(row.get("kind") or "unreadable")
        problems[kind] = problems.get(kind, 0) + 1
    if corpus is None:  # a method read back (method_attrs): the problems its corpus had
        problems = dict(attrs.get("corpus_problems") or {})
    left = attrs.get("left_out") or {}
    return {
        "format": METHOD_FORMAT,
        "ddj_version": VERSION,
        "written": when.isoformat(timespec="seconds"),
        "title": drawn.get("title"),
        "queries": dict(attrs.get("queries") or {}),
        "corpus": {
            **(
                scan.corpus_fingerprint(corpus)
                if corpus is not None
                else dict(attrs.get("corpus_fingerprint") or {})  # a method read back
            ),
            "first_article": attrs.get("first_article"),
            "last_article": attrs.get("last_article"),
            "outlets": dict(attrs.get("outlet_articles") or {}),
            "outlets_chosen": attrs.get("outlets"),
            "problems": problems,
        },
        "periods": {k: attrs.get(k) for k in ("freq", "tz", "start", "end", "by", "rolling")},
        "counted": {
            "rows": attrs.get("rows_counted"),
            "pages": attrs.get("pages"),
            "min_confidence": attrs.get("min_confidence"),
            "undated": attrs.get("n_undated"),
            "other_page_types": dict(left.get("page_types") or {}),
            "unsure_dates": left.get("unsure_dates"),
            "other_outlets": attrs.get("outlets_left_out"),
        },
        "duplicates": {
            "dropped_loading": problems.get("duplicate", 0),
            "dedupe": attrs.get("dedupe"),
            "syndicated_copies_removed": attrs.get("copies_removed"),
        },
        "gaps": dict(attrs.get("gaps") or {}),
        "interval": attrs.get("interval"),
        "spikes": drawn.get("spike_method"),
        "index": attrs.get("index"),
        "demo": attrs.get("ddj_demo"),
        "source": drawn.get("source") or None,
    }


def method_json(record: dict[str, Any]) -> str:
    """The method as the text of ``slug.method.json`` (UTF-8, indented, strict JSON)."""
    return json.dumps(record, indent=2, ensure_ascii=False, allow_nan=False, default=str) + "\n"


def method_markdown(record: dict[str, Any]) -> str:
    r"""A short Markdown note of the method, every corpus text escaped.

    Examples
    --------
    >>> note = method_markdown({"queries": {"[a](javascript:b)": "<b>x</b>"}, "title": "U.S. | Hong Kong's"})
    >>> print(note.splitlines()[0])
    # Method: U.S. | Hong Kong's
    >>> print(note.splitlines()[3])
    - \[a\](javascript:b): `<b>x</b>`
    """
    t = _note_text
    corpus = record.get("corpus") or {}
    counted = record.get("counted") or {}
    periods = record.get("periods") or {}
    lines = [f"# Method: {t(record.get('title') or 'chart')}", ""]
    if record.get("demo"):
        lines += [f"**{t(record['demo'])}**", ""]
    lines.append("## Queries as counted")
    lines += [
        f"- {t(name)}: {code_span(query)}" for name, query in (record.get("queries") or {}).items()
    ]
    lines += ["", "## Corpus"]
    if "rows" in corpus:
        lines.append(f"- {corpus['rows']:,} rows, fingerprint {code_span(corpus['sha256'])}")
    lines.append(
        f"- articles counted from {t(corpus.get('first_article'))} to {t(corpus.get('last_article'))}"
    )
    outlets = list((corpus.get("outlets") or {}).items())
    shown = ", ".join(f"{t(name)} ({n:,})" for name, n in outlets[:MAX_OUTLETS_SHOWN])
    more = (
        f" and {len(outlets) - MAX_OUTLETS_SHOWN:,} more"
        if len(outlets) > MAX_OUTLETS_SHOWN
        else ""
    )
    lines.append(f"- outlets: {shown or 'none'}{more}")
    if corpus.get("outlets_chosen"):
        lines.append(f"- only the outlets chosen: {t(corpus['outlets_chosen'])}")
    lines += ["", "## Counted and left out"]
    pages = counted.get("pages")
    lines.append(
        f"- {_n(counted.get('rows'))} rows of page types {t(pages if isinstance(pages, str) else ', '.join(pages or []))}"
        f", date confidence {t(counted.get('min_confidence') or 'any')}"
    )
    lines.append(f"- undated, not counted: {_n(counted.get('undated'))}")
    other = counted.get("other_page_types") or {}
    lines.append(
        "- other page types left out: "
        + (", ".join(f"{t(k)} {n:,}" for k, n in other.items()) or "none")
    )
    lines.append(f"- dates less sure than asked: {_n(counted.get('unsure_dates'))}")
    lines.append(f"- rows of other outlets: {_n(counted.get('other_outlets'))}")
    dup = record.get("duplicates") or {}
    lines.append(f"- duplicates dropped when loading: {_n(dup.get('dropped_loading'))}")
    if dup.get("dedupe"):
        lines.append(f"- syndicated copies not counted: {_n(dup.get('syndicated_copies_removed'))}")
    gaps = record.get("gaps") or {}
    lines.append(
        f"- periods whose total lacks an outlet usually there (gaps): {len(gaps):,}"
        + (
            ": "
            + "; ".join(f"{t(day)} {t(', '.join(names))}" for day, names in list(gaps.items())[:10])
            if gaps
            else ""
        )
    )
    lines += ["", "## Methods"]
    lines.append(
        f"- periods: {t(periods.get('freq'))}, time zone {t(periods.get('tz'))}, "
        f"window {t(periods.get('start') or 'open')} to {t(periods.get('end') or 'open')}"
        + (f", by {t(periods['by'])}" if periods.get("by") else "")
    )
    interval = record.get("interval") or {}
    if interval:
        lines.append(
            f"- share intervals: {t(interval.get('method'))}, {interval.get('confidence', 0):.0%} confidence"
        )
    spikes = record.get("spikes") or {}
    if spikes:
        parameters = ", ".join(
            f"{t(k)}={t(v)}" for k, v in (spikes.get("parameters") or {}).items()
        )
        lines.append(f"- spikes: {t(spikes.get('method'))} ({parameters})")
    if record.get("index"):
        lines.append(f"- {t(record['index'])}")
    lines += ["", f"ddj {t(record.get('ddj_version'))}, written {t(record.get('written'))}.", ""]
    return "\n".join(lines)


def _note_text(value: Any) -> str:
    """Text from a corpus or a call, escaped for the lists and headings of the note (never a table)."""
    return markdown_text(value, in_table=False)


def _n(value: Any) -> str:
    return (
        f"{value:,}"
        if isinstance(value, int)
        else _note_text(value if value is not None else "unknown")
    )


def method_attrs(record: Any) -> dict[str, Any]:
    """The coverage ``attrs`` a method record was written from: :func:`method` read backwards.

    ``ddj publish`` reads ``slug.method.json`` beside a coverage CSV with it, so
    the chart published again names the same queries, corpus, windows and
    methods, and keeps saying "synthetic demo data" when the first one did.
    The file comes from outside: only values of the types :func:`method`
    writes are kept (text, whole numbers, lists and maps of them); anything
    else is left out, never run or formatted.

    Examples
    --------
    >>> method_attrs({"queries": {"hk": '"Hong Kong"', "bad": 3}, "demo": "synthetic demo data",
    ...               "periods": {"freq": "M"}, "corpus": {"rows": "many"}})
    {'queries': {'hk': '"Hong Kong"'}, 'freq': 'M', 'ddj_demo': 'synthetic demo data'}
    """
    record = record if isinstance(record, dict) else {}
    corpus, periods = _map(record.get("corpus")), _map(record.get("periods"))
    counted, dup = _map(record.get("counted")), _map(record.get("duplicates"))
    attrs: dict[str, Any] = {
        "queries": _texts(record.get("queries")),
        "corpus_fingerprint": {
            k: v
            for k, v in (
                ("rows", _whole(corpus.get("rows"))),
                ("sha256", _text(corpus.get("sha256"))),
            )
            if v is not None
        },
        "first_article": _text(corpus.get("first_article")),
        "last_article": _text(corpus.get("last_article")),
        "outlet_articles": _counts(corpus.get("outlets")),
        "corpus_problems": _counts(corpus.get("problems")),
        "outlets": _text(corpus.get("outlets_chosen")) or _text_list(corpus.get("outlets_chosen")),
        **{k: _text(periods.get(k)) for k in ("freq", "tz", "start", "end", "by")},
        "rolling": _whole(periods.get("rolling")),
        "rows_counted": _whole(counted.get("rows")),
        "pages": _text(counted.get("pages")) or _text_list(counted.get("pages")),
        "min_confidence": _text(counted.get("min_confidence")),
        "n_undated": _whole(counted.get("undated")),
        "left_out": {
            "page_types": _counts(counted.get("other_page_types")),
            "unsure_dates": _whole(counted.get("unsure_dates")),
        },
        "outlets_left_out": _whole(counted.get("other_outlets")),
        "dedupe": dup.get("dedupe") if isinstance(dup.get("dedupe"), bool) else None,
        "copies_removed": _whole(dup.get("syndicated_copies_removed")),
        "gaps": {
            day: _text_list(names)
            for day, names in _map(record.get("gaps")).items()
            if isinstance(day, str) and _text_list(names)
        },
        "interval": _interval(record.get("interval")),
        "index": _text(record.get("index")),
        "ddj_demo": DEMO_LABEL if record.get("demo") else None,
        "source_line": _text(record.get("source")),  # the chart's, to print again
    }
    if attrs["left_out"] == {"page_types": {}, "unsure_dates": None}:
        attrs["left_out"] = None
    return {k: v for k, v in attrs.items() if v not in (None, {}, [])}


def _map(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and len(value) <= MAX_TEXT else None


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _texts(value: Any) -> dict[str, str]:
    return {k: v for k, v in _map(value).items() if isinstance(k, str) and _text(v) is not None}


def _counts(value: Any) -> dict[str, int]:
    return {k: v for k, v in _map(value).items() if isinstance(k, str) and _whole(v) is not None}


def _text_list(value: Any) -> list[str] | None:
    if not isinstance(value, list):
        return None
    return [v for v in value if _text(v) is not None] or None


def _interval(value: Any) -> dict[str, Any] | None:
    given = _map(value)
    level = given.get("confidence")
    if _text(given.get("method")) is None or not isinstance(level, float) or not 0 < level < 1:
        return None
    return {"method": given["method"], "confidence": level}
