"""Publish a chart: the files a newsroom drops into an article.

``publish`` writes, for one chart: ``slug.html`` (self-contained, works offline
and in an iframe of any size: it redraws to the frame's width, tells the host its
height, follows dark mode, and carries its source, notes and "Get the data"; see
``ddj.embed``), ``slug.embed.html`` (the snippet a CMS pastes; with an https
``url=``, ``slug.embed-amp.html`` for AMP too), ``slug.svg``, ``slug.png``
(2x), ``slug.vl.json`` (the Vega-Lite spec), ``slug.csv`` (tidy data),
``slug-datawrapper.csv`` (wide: a date column and a column per series, as
Datawrapper and Flourish import it) and ``slug.txt`` (alt text, also put in the
spec's ``description`` for screen readers).

Every text a chart shows (titles, labels, outlets, headlines in tooltips, event
labels) may come from strangers. Three rules keep it inert:

- ``publishable`` is the one place where chart text is made renderable: control
  characters, U+2028/U+2029 and non-characters become a space, lone surrogates
  U+FFFD. ``publish`` (and the notebook renderer) apply it to every string of the
  spec before anything draws it.
- ``slug.html`` is ddj's own page template: each value is escaped for where it
  goes (HTML text, attribute, JSON data block), the Vega bundle sits in its own
  ``<script>`` and nothing is ever searched or replaced inside it; a Content
  Security Policy lets only ddj's own two scripts run and nothing leave the page.
- The spreadsheet CSVs prefix a text cell that starts with ``=``, ``+``, ``-``,
  ``@``, tab or CR with ``'`` (formula injection); numbers stay numbers.
"""

from __future__ import annotations

import json
import math
import os
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from ddj import embed, warns, words
from ddj.constants import DEMO_LABEL, DEMO_NOTICE, FREQ_NAMES, SMALL_TOTAL
from ddj.datawrapper import id_file, send
from ddj.errors import ParameterError, SchemaError
from ddj.intervals import wilson
from ddj.limits import (
    MAX_CHART_EVENTS,
    MAX_LABEL_CHARS,
    MAX_NOTE_CHARS,
    MAX_TITLE_CHARS,
)
from ddj.method import method, method_json, method_markdown
from ddj.params import folder
from ddj.params import single_file as check_single_file
from ddj.sizes import print_png, print_width, social_card
from ddj.utils import atomic_write, whole_text

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,80}")  # used with fullmatch: no trailing newline
#: Characters no renderer takes as text: C0/C1 controls, line/paragraph separators, non-characters.
_UNRENDERABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MAX_SPEC_DEPTH = 200
_FONT_DIRS = (
    "/usr/share/fonts/truetype/wqy",
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/opentype/noto",
)
_FONTS_READY = False


def publish(
    chart: alt.TopLevelMixin,
    out_dir: str | os.PathLike,
    slug: str,
    data: pd.DataFrame | None = None,
    alt_text: str | None = None,
    *,
    url: str | None = None,
    single_file: bool = False,
    corpus: Any = None,
    social: bool = False,
    print_mm: float | None = None,
    datawrapper: bool = False,
    base_url: str | None = None,
) -> dict[str, Path]:
    r"""Write the publish bundle of one chart into ``out_dir``.

    Parameters
    ----------
    chart
        A chart from ``ddj.chart`` (any altair chart works).
    out_dir
        Folder to write into (created if needed). Nothing is written outside it.
    slug
        Base name of the files: lower-case letters, digits, ``-`` and ``_``.
    data
        The coverage frame behind the chart (for the CSVs and the alt text);
        taken from the chart when not given.
    alt_text
        Text for screen readers; generated from the data when not given.
    url
        The public address ``slug.html`` will have: the embed snippet points
        there, and with an https address ``slug.embed-amp.html`` is written too
        (AMP loads frames only from https). Without it the snippet points at ``slug.html`` beside
        the host page.
    single_file
        ``True``: the page's "Get the data" link holds the CSV itself (a
        ``data:`` URL), so ``slug.html`` works alone.

    corpus
        The corpus counted, for the method files' fingerprint and loading problems (:mod:`ddj.method`).
    social
        Also write ``slug.social.png``, a 1200 x 675 social card (:mod:`ddj.sizes`; ~1 s more).
    print_mm
        Also write ``slug.print.png``: a column this many millimetres wide at 300 dpi (:mod:`ddj.sizes`).
    datawrapper
        Also create (or update) a Datawrapper chart of the same data, texts and alt text
        (:mod:`ddj.datawrapper`; token from ``DATAWRAPPER_ACCESS_TOKEN``); its id is kept in
        ``slug.datawrapper.json`` (kind ``datawrapper_chart``). A failure is a warning.
    base_url
        The Datawrapper API's address (default: ``DDJ_DATAWRAPPER_URL``, else the public API).


    Returns
    -------
    dict of kind (``html``, ``embed``, ``amp`` (with ``url``), ``svg``, ``png``, [``social``],
    [``print``], ``spec``, ``csv``, ``datawrapper``, ``alt_text``, [``method``, ``method_md``]) to
    path; the method files (``slug.method.json``, ``slug.method.md``) when ``data`` is given.

    Examples
    --------
    >>> paths = ddj.publish(ddj.chart(cov), "out", "hong-kong-coverage", data=cov)
    >>> paths["png"].name, paths["png"].read_bytes()[:4]
    ('hong-kong-coverage.png', b'\x89PNG')
    """
    slug = safe_slug(slug)
    if print_mm is not None:
        print_width(print_mm)  # a bad width is refused before anything is written
    if not isinstance(chart, alt.TopLevelMixin):
        msg = f"publish() takes an altair chart (from ddj.chart), not {type(chart).__name__}."
        raise ParameterError(msg)
    if data is not None and not isinstance(data, pd.DataFrame):
        msg = f"data= must be the coverage DataFrame behind the chart, not {type(data).__name__}."
        raise SchemaError(msg)
    embed.addresses(slug, url)  # a bad url is refused before any file is written
    root = folder(out_dir, "out_dir", create=True).resolve()
    cut: list[dict] = []
    data = None if data is None else map_text(capped_labels(data, cut), whole_text)  # UTF-8
    warn_cut(cut, "publish()")
    spec = chart.to_dict()  # validated once; every file is made from this one spec
    spec["description"] = alt_text or _describe(spec, data)
    spec = publishable_spec(spec)
    text = spec["description"]
    check_single_file(single_file)
    paths = {
        "html": root / f"{slug}.html",
        "embed": root / f"{slug}.embed.html",
        "amp": root / f"{slug}.embed-amp.html",
        "svg": root / f"{slug}.svg",
        "png": root / f"{slug}.png",
        **({"social": root / f"{slug}.social.png"} if social else {}),
        **({"print": root / f"{slug}.print.png"} if print_mm is not None else {}),
        "spec": root / f"{slug}.vl.json",
        "csv": root / f"{slug}.csv",
        "datawrapper": root / f"{slug}-datawrapper.csv",
        "alt_text": root / f"{slug}.txt",
    }
    assert all(p.parent == root for p in paths.values())  # never outside out_dir
    heading = embed.title(spec)
    snippet = embed.snippet(
        slug, text, heading, url
    )  # a bad url is refused before any file is written
    secure = url is not None and url.startswith("https://")
    amp = embed.amp_snippet(slug, text, heading, url) if secure else None
    _drawings(paths, spec, print_mm)
    csv, wide_csv = _data_files(paths, data if data is not None else _chart_data(spec))
    csv_link = None if csv is None else embed.data_url(csv) if single_file else paths["csv"].name
    _write(paths["html"], embed.page(spec, text, slug=slug, csv=csv_link))
    _write(paths["embed"], snippet)
    if amp is not None:
        _write(paths["amp"], amp)
    else:
        paths.pop("amp")
    _write(paths["alt_text"], text + "\n")
    if data is not None:
        paths.update(_method_files(root, slug, method(data, spec, corpus)))
    if datawrapper:
        paths.update(_to_datawrapper(root, slug, spec, wide_csv, heading, text, base_url))
    return paths


def _drawings(paths: dict[str, Path], spec: dict, print_mm: float | None) -> None:
    """The spec, the SVG and the PNGs drawn from it (the social card and print PNG when asked)."""
    register_fonts()
    import vl_convert as vlc

    _write(paths["spec"], json.dumps(spec, indent=2, ensure_ascii=False))
    svg = vlc.vegalite_to_svg(spec, vl_version=embed.vl_version())
    _write(paths["svg"], svg)
    png = vlc.svg_to_png(svg, scale=1, ppi=144)  # the same drawing; 144 ppi is twice the pixels
    _write(paths["png"], png)
    if "social" in paths:
        _write(paths["social"], social_card(svg))
    if print_mm is not None:
        _write(paths["print"], print_png(svg, print_mm))


def _data_files(paths: dict[str, Path], tidy: pd.DataFrame | None) -> tuple[str | None, str]:
    """The chart's data as CSV and as Datawrapper's wide CSV (their texts), or none without data."""
    if tidy is None:
        paths.pop("csv")
        paths.pop("datawrapper")
        return None, ""
    marked = tidy.assign(demo=DEMO_LABEL) if tidy.attrs.get("ddj_demo") else tidy
    csv = _spreadsheet_csv(_clean_csv(marked))  # demo data says so in its own file too
    _write(paths["csv"], csv)
    _write(paths["datawrapper"], wide_csv := _spreadsheet_csv(wide(tidy)))
    return csv, wide_csv


def _method_files(root: Path, slug: str, record: dict) -> dict[str, Path]:
    """``slug.method.json`` and ``slug.method.md`` (:mod:`ddj.method`)."""
    written = {"method": root / f"{slug}.method.json", "method_md": root / f"{slug}.method.md"}
    _write(written["method"], method_json(record))
    _write(written["method_md"], method_markdown(record))
    return written


def _to_datawrapper(
    root: Path, slug: str, spec: dict, wide_csv: str, heading: str, text: str, base_url: str | None
) -> dict[str, Path]:
    """The chart sent to Datawrapper (:mod:`ddj.datawrapper`); its id file when it went."""
    drawn = (spec.get("usermeta") or {}).get("ddj") or {}
    sent = send(
        root, slug, csv=wide_csv, title=heading,
        subtitle=" ".join(str(t) for t in drawn.get("subtitle") or []),
        source=str(drawn.get("source") or ""),
        notes=" ".join(str(n) for n in drawn.get("notes") or []), alt_text=text, base_url=base_url,
    )  # fmt: skip
    return {} if sent is None else {"datawrapper_chart": id_file(root, slug)}


def publishable(text: str) -> str:
    r"""Chart text that every renderer draws as text: the one place chart text is made safe.

    Control characters (C0, DEL, C1; tab and newline included), U+2028/U+2029
    and the non-characters U+FFFE/U+FFFF become a space, each; a lone surrogate
    (half of a broken character) becomes U+FFFD. Vega's expression parser
    rejects U+2028 in a label, an SVG cannot hold a NUL, and UTF-8 cannot hold a
    surrogate. Markup needs no change here: every output escapes it for its context.

    Examples
    --------
    >>> publishable("Hong\u2028Kong\x00")
    'Hong Kong '
    """
    return whole_text(_UNRENDERABLE.sub(" ", text))


def shortened(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in "…" when it was cut.

    Examples
    --------
    >>> shortened("Hong Kong national security trial", 12)
    'Hong Kong n…'
    >>> shortened("Taiwan", 12)
    'Taiwan'
    """
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"


#: Columns of a coverage frame that name a series: cut to ``MAX_LABEL_CHARS``, kept distinct.
LABEL_COLUMNS = ("topic", "label", "outlet", "group")


def cut_text(value: Any, limit: int, what: str, cut: list[dict]) -> Any:
    """``value`` cut to ``limit`` characters (noted in ``cut`` as a ``what``); anything but text as given."""
    if not isinstance(value, str) or len(value) <= limit:
        return value
    cut.append(
        {
            "source": what,
            "reason": f"cut from {len(value):,} to {limit:,} characters",
            "kind": what,
        }
    )
    return shortened(value, limit)


def capped_labels(frame: pd.DataFrame, cut: list[dict]) -> pd.DataFrame:
    """A copy of ``frame`` whose topic, label, outlet and group texts are at most ``MAX_LABEL_CHARS``.

    A long text is cut with "…"; two that would then read the same get " (2)",
    " (3)"... so they stay two series. Each text cut is noted in ``cut``.
    """
    out = frame
    for column in [c for c in LABEL_COLUMNS if c in frame]:
        values = frame[column]
        long = [v for v in pd.unique(values) if isinstance(v, str) and len(v) > MAX_LABEL_CHARS]
        if not long:
            continue
        taken = {v for v in pd.unique(values) if isinstance(v, str) and len(v) <= MAX_LABEL_CHARS}
        renamed = {}
        for value in long:
            short, k = shortened(value, MAX_LABEL_CHARS), 2
            while short in taken:
                suffix = f" ({k})"
                short, k = shortened(value, MAX_LABEL_CHARS - len(suffix)) + suffix, k + 1
            taken.add(short)
            renamed[value] = short
            cut.append(
                {
                    "source": f"{column} {short!r}",
                    "reason": f"cut from {len(value):,} to {MAX_LABEL_CHARS} characters",
                    "kind": "label",
                }
            )
        out = out.assign(
            **{column: values.map(lambda v, m=renamed: m.get(v, v) if isinstance(v, str) else v)}
        )
    return out


def warn_cut(cut: list[dict], who: str) -> None:
    """One :class:`ddj.DroppedRowsWarning` counting the texts ``who`` cut and the events it left out."""
    if not cut:
        return
    kinds: dict[str, int] = {}
    for row in cut:
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    left = kinds.pop("left out", 0)
    parts = [words.count(n, kind) for kind, n in kinds.items()]
    did = (f"cut {_listed(parts)}" if parts else "") + (" and " if parts and left else "")
    did += f"left out {words.count(left, 'event')}" if left else ""
    msg = (
        f"{who} {did} to fit: labels and event labels to {MAX_LABEL_CHARS} characters "
        f"(ending in '…'), titles to {MAX_TITLE_CHARS}, the source line to {MAX_NOTE_CHARS}, and "
        f"at most {MAX_CHART_EVENTS} events spread over its dates. Shorten them where they are "
        "written (label: in the topics file, the events file)."
    )
    warnings.warn(warns.chart_cut(cut, msg), stacklevel=3)


def _listed(parts: list[str]) -> str:
    return ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else parts[0]


def publishable_spec(spec: Any) -> Any:
    """A copy of a Vega-Lite spec with every string (keys too) made ``publishable``.

    Non-finite numbers become ``null`` so the spec is strict JSON. The spec is
    not changed in place.
    """
    return _publishable(spec, 0)


def _publishable(value: Any, depth: int) -> Any:
    if depth > _MAX_SPEC_DEPTH:
        msg = f"The chart spec nests deeper than {_MAX_SPEC_DEPTH} levels: it is not a chart ddj can publish."
        raise ParameterError(msg)
    if isinstance(value, str):
        return publishable(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {_publishable(k, depth + 1): _publishable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_publishable(v, depth + 1) for v in value]
    return value


def map_text(frame: pd.DataFrame, fn: Callable[[str], str]) -> pd.DataFrame:
    """A copy of ``frame`` with ``fn`` applied to every text cell (the frame given is not changed)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: fn(v) if isinstance(v, str) else v)
    return out


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy for spreadsheets: a text cell or header starting with = + - @ tab or CR gets a leading ``'``.

    That is OWASP's rule against CSV formula injection: Excel, LibreOffice and
    Google Sheets then show the text instead of running it. Only text is
    touched (a column of negative numbers stays numeric); lone surrogates,
    which UTF-8 cannot hold, become U+FFFD. ``ddj.save`` keeps data exact.

    Examples
    --------
    >>> spreadsheet_safe(pd.DataFrame({"t": ["=1+1", "ok"], "n": [-1, 2]}))["t"].tolist()
    ["'=1+1", 'ok']
    """
    out = map_text(frame, _cell)
    out.columns = [_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def _spreadsheet_csv(frame: pd.DataFrame) -> str:
    """RFC 4180 CSV (CRLF rows, so a cell holding a CR or LF is quoted) of ``spreadsheet_safe`` cells."""
    return spreadsheet_safe(frame).to_csv(index=False, lineterminator="\r\n")


def _cell(value: str) -> str:
    value = whole_text(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


#: What alt text and figures say instead of a share whose denominator is below ``SMALL_TOTAL``.
TOO_FEW = f"too few articles to quote a share (fewer than {SMALL_TOTAL} in a period)"

#: Outlets a by-outlet chart, its small multiples and its Datawrapper table keep (the largest by
#: articles in all); the rest are summed into one series, ``OTHER_OUTLETS``.
MAX_OUTLETS = 8
OTHER_OUTLETS = "Other outlets"


def largest_outlets(coverage: pd.DataFrame, n: int = MAX_OUTLETS) -> pd.DataFrame:
    """A by-outlet coverage frame with its ``n`` largest outlets and the rest summed as "Other outlets".

    Outlets are ranked by their articles in all (the sum of ``total`` over the
    periods); ties keep the frame's order. The rest are summed per topic and
    period: articles and totals are added and the share is recomputed from the
    sums (shares are never averaged), with its interval and ``small`` flag.
    A frame without an ``outlet`` column, or with at most ``n`` outlets, comes
    back as it is. The new frame's ``attrs["other_outlets"]`` counts the
    outlets summed (0 when none were).

    Parameters
    ----------
    coverage
        A frame from ``ddj.coverage(..., by="outlet")``; it is not changed.
    n
        How many outlets to keep.

    Returns
    -------
    pandas.DataFrame
        The kept outlets' rows, largest outlet first, then the "Other outlets" rows.

    Examples
    --------
    >>> cov = pd.DataFrame({"period": ["2025-01-06"] * 3, "topic": "t", "label": "T",
    ...     "outlet": ["A", "B", "C"], "articles": [5, 1, 1], "total": [50, 2, 1],
    ...     "share": [0.1, 0.5, 1.0], "partial": False})
    >>> out = largest_outlets(cov, n=1)
    >>> out[["outlet", "articles", "total", "share"]].to_dict("list")
    {'outlet': ['A', 'Other outlets'], 'articles': [5, 2], 'total': [50, 3], 'share': [0.1, 0.6666666666666666]}
    >>> out.attrs["other_outlets"]
    2
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        msg = f"n={n!r}: give how many outlets to keep, a whole number of at least 1."
        raise ParameterError(msg)
    if "outlet" not in coverage or coverage["outlet"].nunique() <= n:
        return coverage
    sizes = coverage.drop_duplicates(["outlet", "period"]).groupby("outlet", sort=False)["total"]
    ranked = sizes.sum().sort_values(ascending=False, kind="stable").index
    rank = {outlet: i for i, outlet in enumerate(ranked[:n])}
    inside = coverage["outlet"].map(rank)
    kept = coverage[inside.notna()].assign(_rank=inside[inside.notna()])
    kept = kept.sort_values("_rank", kind="stable").drop(columns="_rank")
    rest = coverage[inside.isna()]
    keys = [c for c in ("period", "period_end", "topic", "label", "group") if c in rest]
    sums: dict[str, Any] = {"articles": ("articles", "sum"), "total": ("total", "sum")}
    for flag in ("partial", "gap"):
        if flag in rest:
            sums[flag] = (flag, "any")
    if "examples" in rest:
        sums["examples"] = ("examples", lambda s: " | ".join([e for e in s if e][:3]))
    other = rest.groupby(keys, sort=False, dropna=False).agg(**sums).reset_index()
    total = other["total"].where(other["total"] > 0)
    other["share"] = (other["articles"] / total).fillna(0.0)
    if {"share_low", "share_high"} <= set(coverage.columns):
        other["share_low"], other["share_high"] = wilson(
            other["articles"].to_numpy(), other["total"].to_numpy()
        )
    if "small" in coverage:
        other["small"] = other["total"] < SMALL_TOTAL
    other["outlet"] = OTHER_OUTLETS
    out = pd.concat([kept, other[[c for c in coverage.columns if c in other]]], ignore_index=True)
    out = out.astype({c: coverage[c].dtype for c in ("articles", "total") if c in coverage})
    out.attrs = {**coverage.attrs, "other_outlets": int(rest["outlet"].nunique())}
    return out


def quotable(figures: pd.DataFrame) -> pd.DataFrame:
    """``ddj.summary``'s figures with no share quoted on too few articles.

    Where a figure's period had fewer than ``ddj.constants.SMALL_TOTAL`` articles
    in all (``peak_small`` or ``latest_small``), its share and interval are
    emptied and ``peak_note`` / ``latest_note`` say "too few articles to quote
    a share"; the change in points is emptied when the latest period was small.

    Examples
    --------
    >>> row = {"peak_share": 1.0, "peak_share_low": 0.2, "peak_share_high": 1.0, "peak_small": True}
    >>> out = quotable(pd.DataFrame([row]))
    >>> bool(pd.isna(out.loc[0, "peak_share"])), out.loc[0, "peak_note"][:30]
    (True, 'too few articles to quote a sh')
    """
    out = figures.copy()
    for name in ("peak", "latest"):
        if f"{name}_small" not in out:
            continue
        small = out[f"{name}_small"].astype(bool)
        for column in (f"{name}_share", f"{name}_share_low", f"{name}_share_high"):
            if column in out:
                out[column] = out[column].astype(float).where(~small)
        out[f"{name}_note"] = np.where(small, TOO_FEW, "")
    if "change_share_points" in out and "latest_small" in out:
        out["change_share_points"] = (
            out["change_share_points"].astype(float).where(~out["latest_small"].astype(bool))
        )
    return out


def wide(coverage: pd.DataFrame, metric: str = "share") -> pd.DataFrame:
    """One date column and one column per series (topic, or topic - outlet), as Datawrapper imports.

    A by-outlet frame keeps its ``MAX_OUTLETS`` largest outlets and sums the
    rest as "Other outlets" (:func:`largest_outlets`).

    Shares are written as percentages (0-100) with two decimals.
    """
    if "period" not in coverage or "label" not in coverage:
        return _clean_csv(coverage)
    coverage = largest_outlets(coverage)
    series = coverage["label"].astype(str)
    if "outlet" in coverage:
        series = series + " - " + coverage["outlet"].astype(str)
    values = coverage[metric] * 100 if metric == "share" else coverage[metric]
    table = (
        pd.DataFrame(
            {
                "date": pd.to_datetime(coverage["period"]).dt.strftime("%Y-%m-%d"),
                "series": series,
                "value": values.round(2),
            }
        )
        .pivot_table(index="date", columns="series", values="value", sort=False)
        .reset_index()
    )
    table.columns.name = None
    return table


def describe(chart: alt.TopLevelMixin, data: pd.DataFrame | None) -> str:
    """Alt text: the chart type, what it shows, the period, each peak, and what the marks flag."""
    return _describe(chart.to_dict(), data)


def _describe(spec: dict, data: pd.DataFrame | None) -> str:
    title = embed.title(spec)
    if data is None or "period" not in data or data.empty:
        return f"Chart: {title}." if title else "Chart."
    kind, metric = _kind_and_metric(spec)
    labels = list(dict.fromkeys(str(v) for v in data["label"])) if "label" in data else []
    periods = pd.to_datetime(data["period"])
    freq = words.frequency(data)
    per = FREQ_NAMES[freq]
    what = f"as a share of all articles per {per}" if metric == "share" else f"articles per {per}"
    parts = [
        f"{kind} of {', '.join(labels)}" if labels else kind,
        what,
        words.span(periods.min(), periods.max(), freq) + ".",
    ]
    sentences = [" ".join(parts)]
    if title:
        sentences.insert(0, f"{title}.")
    complete = data[~data["partial"].astype(bool)] if "partial" in data else data
    for label, part in complete.groupby("label", sort=False) if "label" in complete else []:
        sentences.append(_peak_sentence(label, part, metric, freq))
    sentences += _marks_sentences(spec, data)
    sentences += [words.queries(data)] if words.queries(data) else []
    if data.attrs.get("ddj_demo"):
        sentences.append(DEMO_NOTICE)
    return " ".join(sentences)


def _marks_sentences(spec: dict, data: pd.DataFrame) -> list[str]:
    """What ``ddj.chart`` drew beyond the lines (its ``usermeta``): bands, small totals, spikes, gaps."""
    drawn = (spec.get("usermeta") or {}).get("ddj") or {}
    out = []
    what = "count" if drawn.get("metric") == "articles" else "share"
    if drawn.get("intervals"):
        out.append(f"Bands show each {what}'s 95% confidence interval.")
    small = drawn.get("small")
    if small is None and {"total", "partial"} <= set(data.columns):
        small = words.small_note(data, metric="articles" if what == "count" else "share")
    if small:
        out.append(small)
    spikes = [str(s) for s in drawn.get("spikes") or []]
    if spikes:
        more = int(drawn.get("more_spikes") or 0)
        out.append("Spikes marked: " + " ".join(spikes) + (f" And {more} more." if more else ""))
    if drawn.get("gaps"):
        n = int(drawn["gaps"])
        out.append(
            f"{n} shaded period{'s' if n != 1 else ''} lack an outlet's articles in the total."
        )
    return out


_KINDS = {"rect": "Heatmap", "area": "Stacked area chart", "line": "Line chart"}
_CHART_KINDS = {
    "line": "Line chart",
    "small-multiples": "Small multiples of line charts",
    "heatmap": "Heatmap",
    "area": "Stacked area chart",
}


def _kind_and_metric(spec: dict) -> tuple[str, str]:
    """What the chart drew and which measure: from ``ddj.chart``'s usermeta, else its marks."""
    drawn = (spec.get("usermeta") or {}).get("ddj") or {}
    if drawn.get("kind") in _CHART_KINDS and drawn.get("metric") in ("share", "articles"):
        return _CHART_KINDS[drawn["kind"]], drawn["metric"]
    nodes = _nodes(spec)
    faceted = any("facet" in node for node in nodes)
    for unit in (node for node in nodes if "mark" in node):
        mark = unit["mark"]["type"] if isinstance(unit["mark"], dict) else unit["mark"]
        if mark not in _KINDS:
            continue
        channel = unit.get("encoding", {}).get("color" if mark == "rect" else "y", {})
        metric = "articles" if channel.get("field") == "articles" else "share"
        kind = "Small multiples of line charts" if faceted and mark == "line" else _KINDS[mark]
        return kind, metric
    return "Chart", "share"


def _nodes(spec: dict, limit: int = 10_000) -> list[dict]:
    """Every view of a spec (concat, layer and facet children), in drawing order, at most ``limit``."""
    nodes, stack = [], [spec]
    while stack and len(nodes) < limit:
        node = stack.pop()
        nodes.append(node)
        for key in ("vconcat", "hconcat", "concat", "layer"):
            stack.extend(reversed([n for n in node.get(key, []) if isinstance(n, dict)]))
        if isinstance(node.get("spec"), dict):
            stack.append(node["spec"])
    return nodes


def _peak_sentence(label: Any, part: pd.DataFrame, metric: str, freq: str) -> str:
    """A peak as a person writes it: "Hong Kong peaked at 24.2% in July 2020 (95% CI 15.2–36.2%)".

    With one series per outlet (or group), the peak names whose it was, and the
    largest change is taken within each series, never across two.
    """
    if part["articles"].sum() == 0:
        return f"{label}: no matching articles."
    series = next((k for k in ("outlet", "group") if k in part), None)
    pool = part
    if metric == "share" and "total" in part:  # a peak on a handful of articles is no peak
        pool = part[(part["total"] >= SMALL_TOTAL) & (part["articles"] > 0)]
        if pool.empty:
            return f"{label}: {TOO_FEW}."
        part = part[part["total"] >= SMALL_TOTAL]  # nor is a change to or from one
    peak = pool.loc[pool[metric].astype(float).idxmax()]
    show = words.percent if metric == "share" else words.count
    when = words.period(pd.Timestamp(peak["period"]), freq, preposition=True)
    whose = f" of {words.possessive(peak[series])} articles" if series and metric == "share" else ""
    whose = f" at {peak[series]}" if series and metric != "share" else whose
    text = f"{label} peaked at {show(peak[metric])}{whose} {when}"
    if metric == "share" and "total" in part:
        low, high = wilson(int(peak["articles"]), int(peak["total"]))
        text += f" (95% CI {words.interval(low, high)})"
    return text + _largest_change(part, metric, freq, series) + "."


def _largest_change(part: pd.DataFrame, metric: str, freq: str, series: str | None) -> str:
    ordered = part.sort_values([*([series] if series else []), "period"], kind="stable")
    values = ordered[metric].astype(float)
    change = values.groupby(ordered[series]).diff() if series else values.diff()
    if not change.notna().any() or change.abs().max() == 0:
        return ""
    big = change.abs().idxmax()
    direction = "rise" if change[big] > 0 else "fall"
    size = (
        f"{abs(change[big]) * 100:.1f} points"
        if metric == "share"
        else words.count(abs(change[big]))
    )
    where = f" at {ordered.loc[big, series]}" if series else ""
    later = words.period(pd.Timestamp(ordered.loc[big, "period"]), freq, preposition=True)
    return f"; the largest {direction} was {size}{where}, {later}"


# -- helpers ---------------------------------------------------------------------------------


def safe_slug(slug: Any) -> str:
    """``slug`` when it is a safe base name for the published files; a ParameterError that suggests one else.

    Examples
    --------
    >>> safe_slug("hong-kong_2024")
    'hong-kong_2024'
    """
    if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
        suggestion = re.sub(r"[^a-z0-9_-]+", "-", str(slug).lower()).strip("-")[:80] or "chart"
        msg = (
            f"slug={slug!r} is not a safe file name: use lower-case letters, digits, '-' and '_' "
            f"(for example {suggestion!r}). Slugs never contain '/' or '..'."
        )
        raise ParameterError(msg)
    return slug


def _write(path: Path, content: str | bytes) -> None:
    atomic_write(path, content)


def _chart_data(spec: dict) -> pd.DataFrame | None:
    datasets = spec.get("datasets") or {}
    if not datasets:
        return None
    biggest = max(datasets.values(), key=len)
    return pd.DataFrame(biggest)


def _clean_csv(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = pd.to_datetime(out[col]).dt.strftime("%Y-%m-%d")
    return out


def register_fonts() -> None:
    """Give vl-convert a font with Chinese, Japanese and Korean glyphs when the system has one."""
    global _FONTS_READY
    if _FONTS_READY:
        return
    import vl_convert as vlc

    for fonts in _FONT_DIRS:
        if Path(fonts).is_dir():
            vlc.register_font_directory(fonts)
    _FONTS_READY = True
