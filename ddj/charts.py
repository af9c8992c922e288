"""Coverage charts in a newsroom style (altair).

``chart`` turns a coverage frame (``ddj.coverage``) into an altair chart:
lines per topic, small multiples, a heatmap, or stacked areas of counts. Partial
periods are drawn hollow, on a dashed segment, so nobody reads them as a drop.
Dates are day strings on a UTC scale, so no viewer's time zone shifts them.
Charts carry the ddj theme (applied to each chart, never enabled for the
process); a chart of the demo corpus says it is synthetic.
Every text the chart shows (title, subtitle, source, labels, outlets,
headlines, event labels) passes through ``ddj.publishing.publishable`` on the
way in, so a control character or U+2028 in a headline cannot stop it drawing.

Importing this module changes nothing global. Inside a Jupyter kernel, the
first ``chart()`` makes altair render charts as SVG drawn by vl-convert
(:func:`use_offline_renderer`), unless another renderer was chosen: JupyterLab 4
has no built-in renderer for Vega-Lite 6, altair's default renderer loads Vega
from a CDN (blank offline), and SVG needs no JavaScript, works offline, and
survives in saved notebooks. ``ddj.publish`` writes the interactive HTML.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from ddj import params, warns, words
from ddj import theme as _theme
from ddj.constants import (
    DEMO_NOTICE,
    FREQ_NAMES,
    GRID,
    MUTED,
    PAPER,
    PERIODS,
    SMALL_TOTAL,
    SOFT_INK,
)
from ddj.errors import InputError, ParameterError, SchemaError
from ddj.files import open_regular
from ddj.intervals import coverage_frame, wilson
from ddj.intervals import spikes as found_spikes
from ddj.limits import (
    MAX_CHART_EVENTS,
    MAX_EVENTS_FILE_BYTES,
    MAX_LABEL_CHARS,
    MAX_NOTE_CHARS,
    MAX_TITLE_CHARS,
)
from ddj.publishing import (
    MAX_OUTLETS,
    OTHER_OUTLETS,
    capped_labels,
    cut_text,
    largest_outlets,
    map_text,
    publishable,
    publishable_spec,
    register_fonts,
    shortened,
    warn_cut,
)

KINDS = params.KINDS
METRICS = params.METRICS
NEEDED = ("period", "topic", "label", "articles", "total", "share", "partial")
MAX_ROWS = 5000
COARSER = {"D": "W", "W": "M", "M": "Q", "Q": "Y"}
DEFAULT_EVENTS = Path(__file__).resolve().parent / "data" / "events.csv"


def chart(
    coverage: pd.DataFrame,
    *,
    metric: str = "share",
    kind: str = "line",
    title: str | None = None,
    subtitle: str | None = None,
    source: str | None = None,
    events: str | Path | pd.DataFrame | None = None,
    facet: str | None = None,
    intervals: bool = False,
    spikes: bool = False,
    width: int = 640,
    height: int = 320,
) -> alt.VConcatChart:
    """Chart a coverage frame.

    Parameters
    ----------
    coverage
        A frame from ``ddj.coverage``.
    metric
        ``"share"`` (percentage of all articles) or ``"articles"`` (counts).
    kind
        ``"line"``, ``"small-multiples"`` (one panel per outlet, or per topic),
        ``"heatmap"`` (period x topic) or ``"area"`` (stacked counts). A line
        chart of a frame counted by outlet (or group) of more than one is drawn
        one panel per outlet: one line a topic cannot hold several outlets.
    title, subtitle, source
        Headline, standfirst and the source line at the foot. A chart of the
        demo corpus always says "synthetic demo data".
    events
        A CSV path or frame with ``date`` and ``label`` columns, drawn as
        annotated vertical rules; ``"default"`` for the shipped
        ``data/events.csv``. An optional ``topics`` column (names separated by
        ``;``) ties an event to topics: it is drawn only on a chart of one of
        them. An empty cell, or no such column, draws the event on every chart.
    facet
        ``"outlet"`` or ``"topic"``: small multiples by that column. A frame
        by outlet keeps its ``ddj.publishing.MAX_OUTLETS`` (8) largest outlets
        by articles in all, and sums the rest as "Other outlets"
        (``ddj.publishing.largest_outlets``).
    intervals
        Draw each period's 95% Wilson interval as a band around the line (of
        the share; with ``metric="articles"``, the same interval in articles).
        Line charts and small multiples only.
    spikes
        Mark the periods ``ddj.spikes`` finds (a share well above its
        trailing baseline) with a triangle whose tooltip gives the figure and
        the stories behind it. Line charts and small multiples only.
    width, height
        Size of the plot in pixels (of all the panels, for small multiples).

    Returns
    -------
    altair.VConcatChart
        The chart with the ``ddj`` theme's config; ``ddj.publish`` writes it out.
        Periods with fewer than ``ddj.constants.SMALL_TOTAL`` articles in all are
        open diamonds and named in the note under the chart; periods a
        ``gap`` column flags (a total missing an outlet) are shaded. What was
        drawn is in the spec's ``usermeta["ddj"]``, for the alt text.

    Raises
    ------
    SchemaError
        Not a coverage frame, or an empty one.
    ParameterError
        A bad ``metric``, ``kind`` or ``facet``, ``intervals`` or ``spikes``
        on a heatmap or area chart, or too many rows to chart.

    Examples
    --------
    >>> spec = ddj.chart(cov, title="Hong Kong and Ukraine in the news", events="default").to_dict()
    >>> spec["title"]["text"], spec["config"]["title"]["anchor"]
    ('Hong Kong and Ukraine in the news', 'start')
    >>> spec = ddj.chart(cov, intervals=True, spikes=True).to_dict()
    >>> len(spec["usermeta"]["ddj"]["spikes"]) == len(ddj.spikes(cov))  # each spike's sentence
    True
    """
    cut: list[dict] = []  # texts cut to their caps, and events left out: one warning at the end
    checked = _checked(coverage, metric, kind, intervals=intervals, spikes=spikes)
    frame = map_text(capped_labels(largest_outlets(checked), cut), publishable)
    frame, note = _fit(frame)
    found = found_spikes(frame) if spikes else None
    data = _tidy(frame, found)
    plot = _Plot.of(
        frame, data, metric=metric, kind=kind, facet=facet, width=width, height=height,
        intervals=intervals,
    )  # fmt: skip
    body = _body(plot, events, cut)
    title, subtitle = (
        cut_text(v, MAX_TITLE_CHARS, n, cut) for v, n in ((title, "title"), (subtitle, "subtitle"))
    )
    head = _head(plot, title, subtitle, demo=coverage.attrs.get("ddj_demo"))
    drawn = {**_drawn(plot, found), "title": _text(title) or _default_title(plot.frame, metric)}
    source = _text(cut_text(source, MAX_NOTE_CHARS, "source line", cut))
    note = " ".join(n for n in (note, words.queries(coverage)) if n) or None
    if not source and not coverage.attrs.get("ddj_demo"):
        source = _data_line(checked)  # never nothing: where the data came from
    lines = _foot(source, coverage.attrs.get("ddj_demo"), plot, note)
    foot = _footer(lines, width)
    # the page (ddj.embed) shows the headline, standfirst and foot as HTML text, wrapped by the browser
    standfirst = _standfirst(plot, subtitle, demo=coverage.attrs.get("ddj_demo"))
    notes = [text for text in (*_notes(plot), note) if text]  # the foot's, for Datawrapper's
    drawn = {**drawn, "subtitle": standfirst, "foot": lines, "source": source or "", "notes": notes}
    final = alt.vconcat(body, foot, title=head, spacing=6, usermeta={"ddj": drawn})
    final = final.resolve_scale(color="independent")
    _offline_in_kernel()
    warn_cut(cut, "The chart")
    return final.configure(**_theme.config()["config"])


# -- the steps of chart ----------------------------------------------------------------------


def _text(value: Any) -> Any:
    return publishable(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class _Plot:
    """What one chart draws: its data, encodings and panel size."""

    frame: pd.DataFrame
    data: pd.DataFrame
    metric: str
    kind: str
    facet: str | None
    width: int
    height: int
    intervals: bool = False

    @classmethod
    def of(cls, frame, data, *, metric, kind, facet, width, height, intervals=False) -> _Plot:
        series = next((k for k in ("outlet", "group") if k in frame), "label")
        several = series != "label" and series in data and data[series].nunique() > 1
        kind = "small-multiples" if kind == "line" and several and not facet else kind
        facet = facet or (series if kind == "small-multiples" else None)
        facet = "label" if facet == "topic" else facet
        if facet and facet not in data:
            msg = f"facet={facet!r}: the coverage frame has no such column; use 'topic', or 'outlet' or 'group' (with by= that)."
            raise ParameterError(msg)
        return cls(frame, data, metric, kind, facet, width, height, intervals)

    @property
    def inner(self) -> tuple[int, int]:
        """Width and height of one panel."""
        if not self.facet:
            return self.width, self.height
        return max(160, self.width // 3 - 20), max(120, self.height // 2)

    @property
    def fmt(self) -> str:
        return ".0%" if self.metric == "share" else ",d"

    @property
    def labels(self) -> list[str]:
        return list(dict.fromkeys(self.data["label"]))

    @property
    def x(self) -> alt.X:
        return alt.X(
            "day:T", title=None, scale=alt.Scale(type="utc"), axis=date_axis(self.frame["period"])
        )

    @property
    def color(self) -> alt.Color:
        return alt.Color("label:N", title=None, sort=self.labels)

    @property
    def tooltip(self) -> list[alt.Tooltip]:
        return tooltip(self.data)


def _body(plot: _Plot, events: Any, cut: list[dict] | None = None) -> alt.TopLevelMixin:
    """The plot's layers (and event rules), faceted when asked."""
    placed = None
    if events is not None and plot.kind != "heatmap" and not plot.facet:
        placed = _placed_events(events, plot.data, plot.inner[0], cut)
    if plot.kind == "heatmap":
        body = _heatmap(plot)
    elif plot.kind == "area":
        body = _area(plot)
    else:
        body = _lines(plot, placed)
    if placed is not None:
        body = alt.layer(body, *_event_layers(placed))
    if plot.facet:
        facet = alt.Facet(
            f"{plot.facet}:N", title=None, sort=list(dict.fromkeys(plot.data[plot.facet]))
        )
        body = body.facet(facet=facet, columns=3)
    return body


def _heatmap(plot: _Plot) -> alt.LayerChart:
    x = alt.X(
        "day:O",
        title=None,
        timeUnit="utcyearmonthdate",
        axis=alt.Axis(format=_date_format(plot.frame), labelOverlap=True, labelAngle=0),
    )
    color = alt.Color(
        f"{plot.metric}:Q",
        title=METRICS[plot.metric],
        scale=alt.Scale(scheme="blues"),
        legend=alt.Legend(format=plot.fmt, orient="top", direction="horizontal"),
    )
    cells = (
        alt.Chart(plot.data)
        .mark_rect(stroke=PAPER, strokeWidth=0.5)
        .encode(
            x=x,
            y=alt.Y("label:N", title=None, sort=plot.labels),
            color=color,
            opacity=alt.condition("datum.partial", alt.value(0.45), alt.value(1.0)),
            tooltip=plot.tooltip,
        )
    )
    layers = [cells]
    if (
        plot.data["small"] & ~plot.data["partial"]
    ).any():  # an open diamond in each cell of a small denominator
        layers.append(
            alt.Chart(plot.data)
            .mark_point(shape="diamond", size=30, filled=False, color=MUTED, strokeWidth=1)
            .encode(x=x, y=alt.Y("label:N", title=None, sort=plot.labels), tooltip=plot.tooltip)
            .transform_filter("datum.small && !datum.partial")
        )
    return alt.layer(*layers).properties(
        width=plot.width, height=max(60, 28 * plot.data["label"].nunique())
    )


def _area(plot: _Plot) -> alt.Chart:
    y = alt.Y("articles:Q", title=None, stack="zero", axis=alt.Axis(format=",d"))
    width, height = plot.inner
    return (
        alt.Chart(plot.data)
        .mark_area()
        .encode(x=plot.x, y=y, color=plot.color, tooltip=plot.tooltip)
        .properties(width=width, height=height)
    )


def _lines(plot: _Plot, placed: pd.DataFrame | None) -> alt.LayerChart:
    """Solid lines of complete periods, dashed joins and hollow points for partial ones.

    Under them, when asked, the interval band and the shaded gap periods; over
    them, open diamonds on small denominators and triangles on spikes.
    """
    base, x, color, tooltip = alt.Chart(plot.data), plot.x, plot.color, plot.tooltip
    width, height = plot.inner
    y = alt.Y(
        f"{plot.metric}:Q",
        title=None,
        axis=alt.Axis(format=plot.fmt, tickCount=5),
        scale=_y_scale(plot, placed),
    )
    points = (
        base.mark_point(size=50, filled=False, strokeWidth=2, fill=PAPER, clip=True)
        .encode(x=x, y=y, color=color, tooltip=tooltip)
        .transform_filter("datum.partial")
    )
    hover = base.mark_point(size=120, opacity=0, clip=True).encode(x=x, y=y, tooltip=tooltip)
    under = [*_gap_layer(plot), *_band(plot)]
    over = [*_small_points(plot, y), *_spike_marks(plot, y)]
    if plot.facet:  # facets need one dataset: the partial periods show as hollow points only
        line = base.mark_line(clip=True).encode(x=x, y=y, color=color, detail="label:N")
        layers = [*under, line, points, *over, hover]
        return alt.layer(*layers).properties(width=width, height=height)
    line = (
        base.mark_line(clip=True)
        .encode(x=x, y=y, color=color, detail="label:N")
        .transform_filter("datum.solid")
    )
    dashed = (
        alt.Chart(_dashed_segments(plot.data))
        .mark_line(strokeDash=[4, 3], clip=True)
        .encode(x=x, y=y, color=color, detail="segment:N")
    )
    layers = [*under, line, dashed, points, *over, hover]
    return alt.layer(*layers).properties(width=width, height=height)


def _y_scale(plot: _Plot, placed: pd.DataFrame | None) -> alt.Scale:
    """From zero to the top of the complete periods; with event labels, headroom above for them.

    A partial first or last period (six articles of a week) can sit far above
    the rest: it never sets the scale. It is still drawn, cut at the top of the
    plot when it is higher (the marks are clipped, and the note says so).
    """
    top = _top(plot)
    if placed is None or not len(placed):
        return alt.Scale(zero=True, domainMax=top, nice=True)
    height = plot.inner[1]
    room = (placed["row"].max() + 1) * LANE_PX + 4
    return alt.Scale(zero=True, domainMax=top * height / max(height - room, 1))


def _top(plot: _Plot) -> float:
    """The highest value (or interval bound) of the complete periods; of all when none is complete."""
    column = f"{plot.metric}_high" if plot.intervals else plot.metric
    complete = plot.data[~plot.data["partial"]]
    values = (complete if len(complete) else plot.data)[column].astype(float)
    top = float(values.max(skipna=True)) if values.notna().any() else 0.0
    return top if top > 0 else 1.0


def _cut_partial(plot: _Plot) -> bool:
    """Whether a partial period lies above the scale (and is cut at the top)."""
    if plot.kind not in ("line", "small-multiples") or not plot.data["partial"].any():
        return False
    partial = plot.data.loc[plot.data["partial"], plot.metric].astype(float)
    return bool((partial > _top(plot) * (1 + 1e-9)).any())


def _band(plot: _Plot) -> list[alt.Chart]:
    """Each series' 95% interval, a light band of its colour (periods with no total left out)."""
    if not plot.intervals:
        return []
    band = (
        alt.Chart(plot.data)
        .mark_area(opacity=0.18, interpolate="linear", clip=True)
        .encode(
            x=plot.x,
            y=alt.Y(f"{plot.metric}_low:Q"),
            y2=alt.Y2(f"{plot.metric}_high:Q"),
            # the legend is parsed from the first layer: its symbols keep the lines' full colour
            color=alt.Color(
                "label:N", title=None, sort=plot.labels, legend=alt.Legend(symbolOpacity=1)
            ),
            detail="label:N",
        )
        .transform_filter("datum.total > 0")
    )
    return [band]


def _small_points(plot: _Plot, y: alt.Y) -> list[alt.Chart]:
    """Open diamonds where the denominator is small (a partial period keeps its hollow circle)."""
    if not (plot.data["small"] & ~plot.data["partial"]).any():
        return []
    diamonds = (
        alt.Chart(plot.data)
        .mark_point(shape="diamond", size=45, filled=False, strokeWidth=1.5, fill=PAPER, clip=True)
        .encode(x=plot.x, y=y, color=plot.color, tooltip=plot.tooltip)
        .transform_filter("datum.small && !datum.partial")
    )
    return [diamonds]


def _spike_marks(plot: _Plot, y: alt.Y) -> list[alt.Chart]:
    """A triangle above each spike; its tooltip gives the figure and the stories behind it."""
    if not plot.data["spike"].any():
        return []
    tooltip = [
        alt.Tooltip("period_label:N", title="Period"),
        alt.Tooltip("label:N", title="Topic"),
        *([alt.Tooltip("outlet:N", title="Outlet")] if "outlet" in plot.data else []),
        alt.Tooltip("spike_note:N", title="Spike"),
        alt.Tooltip("examples:N", title="Stories"),
    ]
    marks = (
        alt.Chart(plot.data)
        .mark_point(shape="triangle-up", size=70, filled=True, opacity=1, yOffset=-11)
        .encode(x=plot.x, y=y, color=plot.color, tooltip=tooltip)
        .transform_filter("datum.spike")
    )
    return [marks]


def _gap_layer(plot: _Plot) -> list[alt.Chart]:
    """Grey bands over periods whose total is missing an outlet (a ``gap`` column)."""
    if not plot.data["gap"].any():
        return []
    x = alt.X("day:T", scale=alt.Scale(type="utc"), title=None)
    if plot.facet:  # one dataset in a facet: each panel shades its own series' gaps
        source = alt.Chart(plot.data).transform_filter("datum.gap")
    else:
        shaded = plot.data.loc[plot.data["gap"], ["day", "day_end", "period_label", "gap_note"]]
        source = alt.Chart(shaded.drop_duplicates("day"))
    rect = source.mark_rect(color=GRID, opacity=0.9).encode(
        x=x,
        x2="day_end:T",
        tooltip=[
            alt.Tooltip("period_label:N", title="Period"),
            alt.Tooltip("gap_note:N", title="Gap"),
        ],
    )
    return [rect]


_GAP_NOTE = "the total lacks an outlet that is normally there (see ddj.health)"


def _head(plot: _Plot, title: Any, subtitle: Any, *, demo: Any) -> alt.TitleParams:
    """The headline, and under it the standfirst (and the demo banner), wrapped to the chart's width.

    Vega draws a title on one line however long (an HTML page then cuts it
    off): each is given as the list of its lines (``ddj.words.lines``).
    """
    style = _theme.config()["config"]["title"]
    texts = _standfirst(plot, subtitle, demo=demo)
    sub = [
        line for text in texts for line in words.lines(text, plot.width, style["subtitleFontSize"])
    ]
    head = _text(title) or _default_title(plot.frame, plot.metric)
    heads = words.lines(head, plot.width, style["fontSize"], bold=True)
    return alt.TitleParams(text=heads if len(heads) > 1 else heads[0], subtitle=sub, anchor="start")


def _standfirst(plot: _Plot, subtitle: Any, *, demo: Any) -> list[str]:
    """The standfirst, and the demo banner on a chart of the demo corpus, each a text of its own."""
    return [_text(subtitle) or _default_subtitle(plot.frame, plot.metric)] + (
        [DEMO_NOTICE] if demo else []
    )


def _footer(foot: list[str], width: int) -> alt.Chart:
    """The source and note lines, as a text mark under the plot, each wrapped to the width."""
    foot = [part for line in foot for part in words.lines(line, width, 11)]
    return (
        alt.Chart(pd.DataFrame({"line": foot, "y": range(len(foot))}))
        .mark_text(align="left", baseline="top", fontSize=11, color=MUTED)
        .encode(x=alt.value(0), y=alt.Y("y:O", axis=None), text="line:N")
        .properties(width=width, height=16 * len(foot))
    )


# -- data shaping ------------------------------------------------------------------------------


def _checked(
    coverage: Any, metric: str, kind: str, *, intervals: Any = False, spikes: Any = False
) -> pd.DataFrame:
    coverage_frame(coverage, "chart", NEEDED)
    params.metric(metric)
    params.kind(kind)
    for name, value in (("intervals", intervals), ("spikes", spikes)):
        if not isinstance(value, bool):
            msg = f"{name}={value!r}: give True or False."
            raise ParameterError(msg)
        if value and kind in ("heatmap", "area"):
            msg = f"{name}=True is drawn on line charts and small multiples, not kind={kind!r}: use kind='line'."
            raise ParameterError(msg)
    return coverage


def _fit(frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """Coarsen the periods until the frame is small enough to embed (never a MaxRowsError)."""
    freq = str(frame.attrs.get("freq", "")).upper()[:1] or "D"
    note = None
    while len(frame) > MAX_ROWS and freq in COARSER:
        freq = COARSER[freq]
        keys = ["topic", "label", *[k for k in ("outlet", "group") if k in frame]]
        period = pd.to_datetime(frame["period"]).dt.to_period(PERIODS[freq]).dt.start_time
        grouped = frame.assign(period=period).groupby([*keys, "period"], sort=False)
        frame = grouped.agg(
            articles=("articles", "sum"), total=("total", "sum"), partial=("partial", "any"),
            **({"gap": ("gap", "any")} if _has_gaps(frame) else {}),
            examples=("examples", lambda s: " | ".join([e for e in s if e][:1])) if "examples" in frame else ("articles", "size"),
        ).reset_index()  # fmt: skip
        frame["share"] = (frame["articles"] / frame["total"].where(frame["total"] > 0)).fillna(0.0)
        note = f"Counts were grouped by {FREQ_NAMES[freq]} to fit the chart."
        frame.attrs = {**frame.attrs, "freq": freq}
    if len(frame) > MAX_ROWS:
        msg = f"{len(frame):,} rows are too many to chart even by year: chart fewer topics or outlets."
        raise ParameterError(msg)
    if note:
        warnings.warn(warns.note(note), stacklevel=3)
    return frame, note


def _tidy(frame: pd.DataFrame, found: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rows the chart draws: day strings, words for tooltips, intervals, flags."""
    cols = ["period", "topic", "label", "outlet", "group", "articles", "total", "share", "partial"]
    data = frame[[c for c in [*cols, "examples"] if c in frame]].copy()
    freq = words.frequency(frame)
    period = pd.to_datetime(data["period"])
    data["day"] = period.dt.strftime("%Y-%m-%d")  # a day string: no time zone to shift
    ends = period.dt.to_period(PERIODS[freq]).dt.end_time.dt.normalize() + pd.Timedelta(days=1)
    data["day_end"] = ends.dt.strftime("%Y-%m-%d")
    data["period_label"] = period_labels(period, freq)
    data = _with_intervals(data)
    data["gap"] = frame["gap"].astype(bool).to_numpy() if _has_gaps(frame) else False
    data["gap_note"] = data["gap"].map({True: _GAP_NOTE, False: ""})
    data["status"] = [
        _status(row) for row in data[["partial", "small", "gap", "total"]].itertuples()
    ]
    if "examples" not in data:
        data["examples"] = ""
    data["examples"] = data["examples"].fillna("").astype(str).str.slice(0, 300)
    data["partial"] = data["partial"].astype(bool)
    data["solid"] = ~data["partial"]
    data = _with_spikes(data, found)
    return data.drop(columns=["period"])


def period_labels(periods: Any, freq: str) -> list[str]:
    """Each period as its tooltip names it, one wording per ``freq`` for every chart.

    The published and the clickable charts both call this, so a month reads
    "February 2019" in both.

    Examples
    --------
    >>> period_labels(pd.to_datetime(["2019-02-01", "2025-01-06"]), "M")
    ['February 2019', 'January 2025']
    >>> period_labels(pd.to_datetime(["2025-01-06"]), "W")
    ['Week of 6 January 2025']
    """
    return [_capital(words.period(p, freq)) for p in pd.to_datetime(pd.Series(periods))]


def tooltip(data: pd.DataFrame) -> list[alt.Tooltip]:
    """The fields a chart's tooltip shows for each point (the published and the clickable charts)."""
    return [
        alt.Tooltip("period_label:N", title="Period"),
        alt.Tooltip("label:N", title="Topic"),
        *([alt.Tooltip("outlet:N", title="Outlet")] if "outlet" in data else []),
        *([alt.Tooltip("group:N", title="Group")] if "group" in data else []),
        alt.Tooltip("articles:Q", title="Articles", format=",d"),
        alt.Tooltip("total:Q", title="All articles", format=",d"),
        alt.Tooltip("share:Q", title="Share", format=".1%"),
        alt.Tooltip("interval:N", title="95% CI of the share"),
        alt.Tooltip("status:N", title="How sure"),
        alt.Tooltip("examples:N", title="Headlines"),
    ]


def interval_words(articles: Any, total: Any) -> list[str]:
    """Each share's 95% Wilson interval in words ("3.2–5.2%"), as the tooltips give it."""
    articles, total = np.asarray(articles), np.asarray(total)
    valid = (articles >= 0) & (articles <= total)  # a hand-made frame may hold anything
    low, high = wilson(np.where(valid, articles, 0), np.where(valid, total, 0))
    return _interval_words(low, high, total)


def _interval_words(low: Any, high: Any, totals: Any) -> list[str]:
    return [
        words.interval(lo, hi) if total else "none (no articles at all)"
        for lo, hi, total in zip(low, high, totals, strict=True)
    ]


def _with_intervals(data: pd.DataFrame) -> pd.DataFrame:
    """95% Wilson bounds of the share (and the same in articles), their words, ``small``."""
    articles, total = data["articles"].to_numpy(), data["total"].to_numpy()
    valid = (articles >= 0) & (articles <= total)  # a hand-made frame may hold anything
    low, high = wilson(np.where(valid, articles, 0), np.where(valid, total, 0))
    data = data.assign(share_low=low, share_high=high)
    data["articles_low"] = data["share_low"] * data["total"]
    data["articles_high"] = data["share_high"] * data["total"]
    data["interval"] = _interval_words(low, high, data["total"])
    data["small"] = (data["total"] < SMALL_TOTAL).to_numpy()
    return data


def _with_spikes(data: pd.DataFrame, found: pd.DataFrame | None) -> pd.DataFrame:
    data = data.assign(spike=False, spike_note="")
    if found is None or found.empty:
        return data
    keys = ["label", *[k for k in ("outlet", "group") if k in data]]
    marks = found.assign(day=pd.to_datetime(found["period"]).dt.strftime("%Y-%m-%d"))
    marks = marks[[*keys, "day", "sentence"]].rename(columns={"sentence": "found_note"})
    merged = data.merge(marks, on=[*keys, "day"], how="left", sort=False)
    merged.index = data.index
    merged["spike"] = merged["found_note"].notna()
    merged["spike_note"] = merged["found_note"].fillna("")
    return merged.drop(columns="found_note")


def _status(row: Any) -> str:
    parts = ["partial (not a full period of data)" if row.partial else "complete"]
    if row.small:
        parts.append(f"only {words.count(row.total)} in all: the share is unsure")
    if row.gap:
        parts.append(_GAP_NOTE)
    return "; ".join(parts)


def _has_gaps(frame: pd.DataFrame) -> bool:
    return "gap" in frame and pd.api.types.is_bool_dtype(frame["gap"])


def _capital(text: str) -> str:
    """A period's words as a label: "Week of 6 January 2025", "Third quarter of 2022"."""
    text = text.removeprefix("the ")
    return text[:1].upper() + text[1:]


def _dashed_segments(data: pd.DataFrame) -> pd.DataFrame:
    """Each partial point with its neighbours, so a dashed line joins it to the series.

    One segment (two rows) per pair of neighbouring periods of a series where
    either is partial. More rows than a chart embeds (``MAX_ROWS``) draw no
    dashed joins (the partial periods keep their hollow points), with a warning.
    """
    keys = ["label"] + (["outlet"] if "outlet" in data else [])
    series = data.groupby(keys, sort=False).ngroup().to_numpy()
    order = np.lexsort((np.arange(len(data)), series))  # each series together, in its order
    ordered = data.iloc[order].reset_index(drop=True)
    series, partial = series[order], ordered["partial"].to_numpy(dtype=bool)
    starts = np.flatnonzero((series[:-1] == series[1:]) & (partial[:-1] | partial[1:]))
    if not len(starts) or 2 * len(starts) > MAX_ROWS:
        if len(starts):
            msg = (
                f"{len(starts):,} dashed joins to partial periods are more than a chart embeds; "
                "the partial periods show as hollow points without them."
            )
            warnings.warn(warns.note(msg), stacklevel=4)
        return data.head(0).assign(segment="")
    segment = [f"{series[i]}-{i}" for i in starts]
    pairs = [
        ordered.iloc[starts].assign(segment=segment),
        ordered.iloc[starts + 1].assign(segment=segment),
    ]
    return pd.concat(pairs, ignore_index=True)


LANE_PX = 14  # height of one row of event labels
CHAR_PX = 6.2  # mean width of a character of an 11 px label (measured on the theme's sans-serif)
MAX_LANES = 4


def _placed_events(
    events: Any, data: pd.DataFrame, width: int, cut: list[dict] | None = None
) -> pd.DataFrame:
    """The events inside the chart's time range, each given a row (``row``) and a side (``align``).

    At most ``MAX_CHART_EVENTS`` of them, spread evenly over the dates; those
    left out, and labels cut to ``MAX_LABEL_CHARS``, are noted in ``cut``.

    A label runs right of its line, or left of it where it would leave the plot.
    Labels go to the first row where they overlap no other label (greedy, in
    date order); with more crowding than ``MAX_LANES`` rows can hold, a label
    goes to the row it overlaps least (every event keeps its line and tooltip).
    """
    cut = [] if cut is None else cut
    table = load_events(events)
    first, last = data["day"].min(), data["day"].max()
    table = table[(table["day"] >= first) & (table["day"] <= last)]
    table = for_topics(table, [*data["topic"], *data["label"]] if "topic" in data else [])
    table = table.sort_values("day", kind="stable").reset_index(drop=True)
    if len(table) > MAX_CHART_EVENTS:  # evenly over the dates: every stretch keeps some
        keep = np.unique(np.linspace(0, len(table) - 1, MAX_CHART_EVENTS).round().astype(int))
        left = table.drop(index=keep)
        cut += [
            {"source": f"event {day} {_short(label)!r}", "reason": f"more than {MAX_CHART_EVENTS} events in the chart's dates", "kind": "left out"}
            for day, label in zip(left["day"], left["label"], strict=True)
        ]  # fmt: skip
        table = table.loc[keep].reset_index(drop=True)
    for i, label in enumerate(table["label"]):
        if len(label) > MAX_LABEL_CHARS:
            table.loc[i, "label"] = cut_text(label, MAX_LABEL_CHARS, "event label", cut)
    if table.empty:
        return table.assign(row=pd.Series(dtype="int64"), align=pd.Series(dtype="str"))
    start, span = (
        pd.Timestamp(first),
        max(pd.Timestamp(last) - pd.Timestamp(first), pd.Timedelta(days=1)),
    )
    lanes: list[list[tuple[float, float]]] = [[] for _ in range(MAX_LANES)]
    rows, aligns = [], []
    for day, label in zip(pd.to_datetime(table["day"]), table["label"].astype(str), strict=True):
        x = (day - start) / span * width
        w = CHAR_PX * len(label) + 4
        left = x + 4 + w <= width
        extent = (x + 4, x + 4 + w) if left else (x - 4 - w, x - 4)

        def overlap(lane: list[tuple[float, float]], extent=extent) -> float:
            return sum(max(0.0, min(b, extent[1] + 6) - max(a, extent[0] - 6)) for a, b in lane)

        costs = [overlap(lane) for lane in lanes]
        row = next((i for i, c in enumerate(costs) if c == 0), costs.index(min(costs)))
        lanes[row].append(extent)
        rows.append(row)
        aligns.append("left" if left else "right")
    return table.assign(row=rows, align=aligns)


def _event_layers(placed: pd.DataFrame) -> list[alt.Chart]:
    if placed is None or placed.empty:
        return []
    x = alt.X("day:T", scale=alt.Scale(type="utc"))
    rule = (
        alt.Chart(placed)
        .mark_rule(strokeDash=[2, 2], color=MUTED)
        .encode(
            x=x,
            tooltip=[
                alt.Tooltip("label:N", title="Event"),
                alt.Tooltip("date_label:N", title="Date"),
            ],
        )
    )
    texts = []
    for align, dx in (("left", 4), ("right", -4)):
        part = placed[placed["align"] == align]
        if part.empty:
            continue
        base = (
            alt.Chart(part)
            .transform_calculate(ypos=f"datum.row * {LANE_PX} + 2")
            .encode(x=x, y=alt.Y("ypos:Q", scale=None, axis=None), text="label:N")
        )
        style = dict(align=align, dx=dx, baseline="top", fontSize=11)
        halo = base.mark_text(**style, stroke=PAPER, strokeWidth=3, strokeJoin="round")
        texts += [halo, base.mark_text(**style, color=SOFT_INK)]
    return [rule, *texts]


def _short(text: Any) -> str:
    return shortened(str(text), 60)


def load_events(events: Any) -> pd.DataFrame:
    """Events as a frame with ``day`` (YYYY-MM-DD), ``label``, ``date_label`` and ``topics``; ``"default"`` = shipped file.

    ``topics`` holds the names of the topics each event belongs to, separated
    by ``;`` (from a ``topics`` column, or an older ``topic`` column); empty,
    or a file without such a column, means the event applies to every chart.
    A file is read only when it is a regular file of at most ``MAX_EVENTS_FILE_BYTES``.
    """
    if isinstance(events, str) and events == "default":
        events = DEFAULT_EVENTS
    if isinstance(events, (str, Path)):
        path = Path(events)
        if not path.exists():
            msg = f"{path}: no such events file. Give a CSV with 'date' and 'label' columns, or 'default'."
            raise InputError(msg)
        with open_regular(
            path, MAX_EVENTS_FILE_BYTES, what="events file"
        ) as fh:  # no FIFO, no device
            table = pd.read_csv(fh, dtype=str, keep_default_na=False)
    elif isinstance(events, pd.DataFrame):
        table = events.copy()
    else:
        msg = f"events={events!r}: give a CSV path, a DataFrame with 'date' and 'label', or 'default'."
        raise ParameterError(msg)
    missing = [c for c in ("date", "label") if c not in table.columns]
    if missing:
        msg = f"The events table lacks {missing}; it needs a 'date' (YYYY-MM-DD) and a 'label' column."
        raise SchemaError(msg)
    days = pd.to_datetime(table["date"], errors="coerce", format="mixed")
    if days.isna().any():
        bad = table.loc[days.isna(), "date"].tolist()[:3]
        msg = f"The events table has dates that do not parse: {bad}. Write them as YYYY-MM-DD."
        raise SchemaError(msg)
    out = table.assign(
        day=days.dt.strftime("%Y-%m-%d"), date_label=[words.period(d, "D") for d in days]
    )
    out["label"] = out["label"].map(lambda v: publishable(str(v)))
    out["topics"] = _event_topics(out)
    return out.sort_values("day").reset_index(drop=True)


def _event_topics(table: pd.DataFrame) -> list[str]:
    """Each event's topic names, ``;``-separated and stripped (``""``: every topic).

    Read from a ``topics`` column, and from a ``topic`` column (one name, or
    several with ``;``) as older files have it; a file with neither tags no event.
    """
    out = []
    for i in range(len(table)):
        names: list[str] = []
        for column in ("topics", "topic"):
            if column in table:
                value = table[column].iloc[i]
                text = (
                    ""
                    if value is None or (isinstance(value, float) and np.isnan(value))
                    else str(value)
                )
                names += [n.strip() for n in text.split(";") if n.strip()]
        out.append(";".join(dict.fromkeys(names)))
    return out


def for_topics(events: pd.DataFrame, names: Any) -> pd.DataFrame:
    """The events (from :func:`load_events`) for any of the topics ``names``, and the untagged ones.

    An event whose ``topics`` is empty applies to every chart; a tagged one
    only to a chart of one of its topics (names compared without case, as
    a topic's name or its label: ``hong_kong`` or ``Hong Kong``).

    Examples
    --------
    >>> events = load_events("default")
    >>> for_topics(events, ["ukraine"])["label"].tolist()
    ['Russia invades Ukraine']
    >>> for_topics(events, ["festival"]).empty  # a word no event is tagged with
    True
    """
    wanted = {str(n).strip().casefold() for n in names}
    tags = events["topics"] if "topics" in events else pd.Series("", index=events.index)
    keep = [not t or bool(wanted & {n.casefold() for n in t.split(";")}) for t in tags]
    return events.loc[pd.Series(keep, index=events.index, dtype=bool)]  # none left: still a frame


#: A time axis spanning at most this many days is labelled by day ("14 Oct"), a longer one by
#: month, one over three years by year: below four months, month ticks leave four labels or fewer.
DAY_LABELS_DAYS = 120


def date_axis(days: pd.Series) -> alt.Axis:
    """Years, months or days on a time axis, as the span of ``days`` asks: one rule for every chart.

    Examples
    --------
    >>> date_axis(pd.Series(pd.date_range("2024-01-01", periods=100))).format
    '%d %b'
    >>> date_axis(pd.Series(pd.date_range("2024-01-01", periods=200))).format
    '%b %Y'
    """
    span = (pd.to_datetime(days).max() - pd.to_datetime(days).min()).days
    if span > 3 * 365:
        return alt.Axis(format="%Y", tickCount="year", labelOverlap=True)
    if span > DAY_LABELS_DAYS:
        return alt.Axis(format="%b %Y", tickCount="month", labelOverlap=True)
    return alt.Axis(format="%d %b", labelOverlap=True)


def _default_subtitle(frame: pd.DataFrame, metric: str) -> str:
    per = FREQ_NAMES.get(str(frame.attrs.get("freq", ""))[:1].upper(), "period")
    what = (
        "Share of all articles that match each topic"
        if metric == "share"
        else "Articles that match each topic"
    )
    return f"{what}, per {per}"


def _date_format(frame: pd.DataFrame) -> str:
    freq = str(frame.attrs.get("freq", "M")).upper()[:1]
    days = (pd.to_datetime(frame["period"]).max() - pd.to_datetime(frame["period"]).min()).days
    if freq == "D" and days < DAY_LABELS_DAYS:
        return "%d %b"
    return "%Y" if days > 3 * 365 else "%b %Y"


def _default_title(frame: pd.DataFrame, metric: str) -> str:
    labels = list(dict.fromkeys(frame["label"]))
    what = ", ".join(labels[:-1]) + f" and {labels[-1]}" if len(labels) > 1 else labels[0]
    what = shortened(what, MAX_TITLE_CHARS - 40)  # many topics: the legend names them all
    return f"{what}: {'share of all articles' if metric == 'share' else 'articles'} over time"


def _foot(source: str | None, demo: str | None, plot: _Plot, note: str | None) -> list[str]:
    """The source line, then a line for each thing the marks mean."""
    lines = []
    if demo:
        lines.append(DEMO_NOTICE)
    if source:
        lines.append(
            source
            if source.lower().startswith(("source", "sources", "data:"))
            else f"Source: {source}"
        )
    notes = [text for text in _notes(plot) if text]
    if note:
        notes.append(note)
    lines += [("Note: " if i == 0 else "") + text for i, text in enumerate(notes)]
    if not lines:
        lines.append("Chart: ddj")
    return lines


def source_line(corpus: pd.DataFrame, name: Any = None) -> str:
    """Where a chart's data came from, for its foot when no source is given.

    Parameters
    ----------
    corpus
        The articles the coverage was counted in.
    name
        The corpus as the user named it (``"demo"``, or a path: only its last
        part is written).

    Returns
    -------
    str
        "Data: 1,999 articles of 461 outlets (4 August 2025 to 12 February 2026), from the corpus news.csv".

    Examples
    --------
    >>> frame = pd.DataFrame({"outlet": ["A", "B", "A"],
    ...     "published": pd.to_datetime(["2024-10-14", "2024-11-02", None], utc=True)})
    >>> source_line(frame, "/data/exports/news.csv")
    'Data: 3 articles of 2 outlets (14 October to 2 November 2024), from the corpus news.csv'
    """
    outlets = corpus["outlet"].dropna().nunique() if "outlet" in corpus else None
    first = last = None
    if "published" in corpus:
        dated = pd.to_datetime(corpus["published"], utc=True, errors="coerce").dropna()
        if len(dated):
            first, last = dated.min(), dated.max()
    return source_words(len(corpus), outlets, first, last, name)


def source_words(rows: int, outlets: int | None, first: Any, last: Any, name: Any = None) -> str:
    """:func:`source_line` from its figures: rows, outlets (None: unknown), first and last dates.

    Examples
    --------
    >>> source_words(1999, 461, pd.Timestamp("2025-08-04"), pd.Timestamp("2026-02-12"), "news.csv")
    'Data: 1,999 articles of 461 outlets (4 August 2025 to 12 February 2026), from the corpus news.csv'
    """
    what = words.count(rows)
    if outlets is not None:
        what += f" of {words.count(outlets, 'outlet')}"
    if first is not None and last is not None:
        what += f" ({words.span(first, last, 'D').removeprefix('from ')})"
    if name is not None and str(name).strip():
        what += f", from the corpus {Path(str(name).strip()).name or str(name).strip()}"
    return f"Data: {what}"


def _data_line(coverage: pd.DataFrame) -> str:
    """The foot's data line from a coverage frame alone: its outlets and its periods."""
    periods = pd.to_datetime(coverage["period"])
    freq = words.frequency(coverage)
    what = "articles"
    if "outlet" in coverage:
        what += f" of {words.count(coverage['outlet'].nunique(), 'outlet')}"
    span = words.span(periods.min(), periods.max(), freq)
    return f"Data: {what} {span if span.startswith('from') else 'in ' + span}, counted with ddj"


def _notes(plot: _Plot) -> list[str]:
    """What the chart's marks mean, in the order they catch the eye."""
    data, lines = plot.data, plot.kind in ("line", "small-multiples")
    notes = []
    if bool(data["partial"].any()):
        cut = " (cut at the top where they are higher than every full one)"
        notes.append(
            "Hollow points on dashed lines are periods only partly covered by the data"
            + (cut if _cut_partial(plot) else "")
            + "."
        )
    if lines and plot.intervals:
        of = "each share" if plot.metric == "share" else "each count"
        method = plot.frame.attrs.get("interval_method", "Wilson")  # ddj.corrected names its own
        notes.append(f"Bands: 95% confidence intervals of {of} ({method}).")
    small = words.small_note(plot.frame, metric=plot.metric) if plot.kind != "area" else ""
    if small:  # never an empty "Open diamonds:"
        notes.append("Open diamonds: " + small)
    if data["spike"].any():
        n = int(data["spike"].sum())
        notes.append(
            f"Triangles: {words.count(n, 'spike')}, shares well above their trailing average "
            "(ddj.spikes); hover for the stories."
        )
    if data["gap"].any():
        notes.append(f"Grey: periods where {_GAP_NOTE}.")
    others = int(plot.frame.attrs.get("other_outlets") or 0)
    if others:
        notes.append(
            f"The {MAX_OUTLETS} outlets with the most articles; {OTHER_OUTLETS.lower()}: "
            f"{words.count(others, 'outlet')} summed."
        )
    return notes


def _drawn(plot: _Plot, found: pd.DataFrame | None) -> dict[str, Any]:
    """What the chart shows beyond its lines, for the alt text (``usermeta["ddj"]``)."""
    spikes = [] if found is None else found["sentence"].head(MAX_NAMED).tolist()
    return {
        "kind": plot.kind,
        "metric": plot.metric,
        "intervals": bool(plot.intervals),
        "small": words.small_note(plot.frame, metric=plot.metric)
        if plot.data["small"].any()
        else "",
        "spikes": spikes,
        "more_spikes": 0 if found is None else max(0, len(found) - MAX_NAMED),
        "spike_method": None
        if found is None
        else {k: found.attrs.get(k) for k in ("method", "parameters")},
        "gaps": int(plot.data.drop_duplicates("day")["gap"].sum()),
    }


#: Spikes named in a chart's alt text; the rest are counted.
MAX_NAMED = 5


def _in_kernel() -> bool:
    return (
        "ipykernel" in sys.modules
        and getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)() is not None
    )


def _offline_in_kernel() -> None:
    """In a kernel where altair still has its default renderer, switch to ddj's offline SVG."""
    if _in_kernel() and alt.renderers.active == "default":
        use_offline_renderer()


def use_offline_renderer() -> None:
    """Render altair charts in this notebook as SVG (vl-convert), with CJK fonts when the system has them.

    ``ddj.chart`` calls it in a Jupyter kernel whose renderer is altair's
    default (JupyterLab 4 cannot draw Vega-Lite 6 itself, and offline there is
    no CDN); call it yourself to draw plain altair charts the same way, or
    ``alt.renderers.enable(...)`` to choose another renderer, which ddj then keeps.

    Examples
    --------
    >>> import altair as alt
    >>> before = alt.renderers.active
    >>> use_offline_renderer()
    >>> alt.renderers.active
    'ddj-svg'
    >>> _ = alt.renderers.enable(before)  # back to the renderer the session had
    """
    register_fonts()
    alt.renderers.register("ddj-svg", _svg_renderer)
    alt.renderers.enable("ddj-svg")


def _svg_renderer(spec: dict, **metadata: Any) -> dict[str, Any]:
    """Altair's SVG renderer on a ``publishable`` spec, with a PNG beside it (see :func:`png_bundle`).

    A stray NUL in the spec cannot abort the kernel.
    """
    from altair.vegalite.v6.display import svg_renderer

    safe = publishable_spec(spec)
    return {**svg_renderer(safe, **metadata), **png_bundle(safe)}


def png_bundle(spec: dict) -> dict[str, bytes]:
    """``{"image/png": ...}`` of a Vega-Lite spec, drawn offline by vl-convert.

    Beside an SVG or a widget in a notebook's output: JupyterLab shows neither
    SVG nor widgets of a notebook it does not trust (any notebook papermill
    wrote), nor does a report without script (``ddj run --html``); both show
    the PNG.
    """
    from altair.vegalite.v6.display import png_renderer

    drawn = png_renderer(publishable_spec(spec))
    return {"image/png": (drawn[0] if isinstance(drawn, tuple) else drawn)["image/png"]}
