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
import pandas as pd

from ddj import params
from ddj import theme as _theme
from ddj.constants import DEMO_BANNER, DEMO_NOTE, FREQ_NAMES, MUTED, PAPER, PERIODS, SOFT_INK
from ddj.errors import DdjWarning, InputError, ParameterError, SchemaError
from ddj.publishing import map_text, publishable, publishable_spec

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
        ``"heatmap"`` (period x topic) or ``"area"`` (stacked counts).
    title, subtitle, source
        Headline, standfirst and the source line at the foot. A chart of the
        demo corpus always says "synthetic demo data".
    events
        A CSV path or frame with ``date`` and ``label`` (and optional
        ``topic``) columns, drawn as annotated vertical rules; ``"default"`` for
        the shipped ``data/events.csv``.
    facet
        ``"outlet"`` or ``"topic"``: small multiples by that column.
    width, height
        Size of the plot in pixels (of all the panels, for small multiples).

    Returns
    -------
    altair.VConcatChart
        The chart with the ``ddj`` theme's config; ``ddj.publish`` writes it out.

    Raises
    ------
    SchemaError
        Not a coverage frame, or an empty one.
    ParameterError
        A bad ``metric``, ``kind`` or ``facet``, or too many rows to chart.

    Examples
    --------
    >>> spec = ddj.chart(cov, title="Hong Kong and Ukraine in the news", events="default").to_dict()
    >>> spec["title"]["text"], spec["config"]["title"]["anchor"]
    ('Hong Kong and Ukraine in the news', 'start')
    """
    frame = map_text(_checked(coverage, metric, kind), publishable)
    frame, note = _fit(frame)
    data = _tidy(frame)
    plot = _Plot.of(frame, data, metric=metric, kind=kind, facet=facet, width=width, height=height)
    body = _body(plot, events)
    head = _head(plot, title, subtitle, demo=coverage.attrs.get("ddj_demo"))
    foot = _footer(_foot(_text(source), coverage.attrs.get("ddj_demo"), frame, note), width)
    final = alt.vconcat(body, foot, title=head, spacing=6).resolve_scale(color="independent")
    _offline_in_kernel()
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

    @classmethod
    def of(cls, frame, data, *, metric, kind, facet, width, height) -> _Plot:
        facet = facet or (
            ("outlet" if "outlet" in frame else "label") if kind == "small-multiples" else None
        )
        facet = "label" if facet == "topic" else facet
        if facet and facet not in data:
            msg = f"facet={facet!r}: the coverage frame has no such column; use 'topic' or (with by='outlet') 'outlet'."
            raise ParameterError(msg)
        return cls(frame, data, metric, kind, facet, width, height)

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
        return alt.X("day:T", title=None, scale=alt.Scale(type="utc"), axis=_date_axis(self.frame))

    @property
    def color(self) -> alt.Color:
        return alt.Color("label:N", title=None, sort=self.labels)

    @property
    def tooltip(self) -> list[alt.Tooltip]:
        return [
            alt.Tooltip("period_label:N", title="Period"),
            alt.Tooltip("label:N", title="Topic"),
            *([alt.Tooltip("outlet:N", title="Outlet")] if "outlet" in self.data else []),
            alt.Tooltip("articles:Q", title="Articles", format=",d"),
            alt.Tooltip("total:Q", title="All articles", format=",d"),
            alt.Tooltip("share:Q", title="Share", format=".1%"),
            alt.Tooltip("status:N", title="Period"),
            alt.Tooltip("examples:N", title="Headlines"),
        ]


def _body(plot: _Plot, events: Any) -> alt.TopLevelMixin:
    """The plot's layers (and event rules), faceted when asked."""
    placed = None
    if events is not None and plot.kind != "heatmap" and not plot.facet:
        placed = _placed_events(events, plot.data, plot.inner[0])
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


def _heatmap(plot: _Plot) -> alt.Chart:
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
    return (
        alt.Chart(plot.data)
        .mark_rect(stroke=PAPER, strokeWidth=0.5)
        .encode(
            x=x,
            y=alt.Y("label:N", title=None, sort=plot.labels),
            color=color,
            opacity=alt.condition("datum.partial", alt.value(0.45), alt.value(1.0)),
            tooltip=plot.tooltip,
        )
        .properties(width=plot.width, height=max(60, 28 * plot.data["label"].nunique()))
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
    """Solid lines of complete periods, dashed joins and hollow points for partial ones."""
    base, x, color, tooltip = alt.Chart(plot.data), plot.x, plot.color, plot.tooltip
    width, height = plot.inner
    scale = alt.Scale(zero=True)
    if placed is not None and len(placed):  # headroom above the data for the event labels
        room = (placed["row"].max() + 1) * LANE_PX + 4
        top = float(plot.data[plot.metric].max() or 1)
        scale = alt.Scale(zero=True, domainMax=top * height / max(height - room, 1))
    y = alt.Y(
        f"{plot.metric}:Q", title=None, axis=alt.Axis(format=plot.fmt, tickCount=5), scale=scale
    )
    points = (
        base.mark_point(size=50, filled=False, strokeWidth=2, fill=PAPER)
        .encode(x=x, y=y, color=color, tooltip=tooltip)
        .transform_filter("datum.partial")
    )
    hover = base.mark_point(size=120, opacity=0).encode(x=x, y=y, tooltip=tooltip)
    if plot.facet:  # facets need one dataset: the partial periods show as hollow points only
        line = base.mark_line().encode(x=x, y=y, color=color, detail="label:N")
        return alt.layer(line, points, hover).properties(width=width, height=height)
    line = (
        base.mark_line()
        .encode(x=x, y=y, color=color, detail="label:N")
        .transform_filter("datum.solid")
    )
    dashed = (
        alt.Chart(_dashed_segments(plot.data))
        .mark_line(strokeDash=[4, 3])
        .encode(x=x, y=y, color=color, detail="segment:N")
    )
    return alt.layer(line, dashed, points, hover).properties(width=width, height=height)


def _head(plot: _Plot, title: Any, subtitle: Any, *, demo: Any) -> alt.TitleParams:
    """The headline, and under it the standfirst (and the demo banner)."""
    lines = [_text(subtitle) or _default_subtitle(plot.frame, plot.metric)]
    if demo:
        lines.append(DEMO_BANNER)
    return alt.TitleParams(
        text=_text(title) or _default_title(plot.frame, plot.metric), subtitle=lines, anchor="start"
    )


def _footer(foot: list[str], width: int) -> alt.Chart:
    """The source and note lines, as a text mark under the plot."""
    return (
        alt.Chart(pd.DataFrame({"line": foot, "y": range(len(foot))}))
        .mark_text(align="left", baseline="top", fontSize=11, color=MUTED)
        .encode(x=alt.value(0), y=alt.Y("y:O", axis=None), text="line:N")
        .properties(width=width, height=16 * len(foot))
    )


# -- data shaping ------------------------------------------------------------------------------


def _checked(coverage: Any, metric: str, kind: str) -> pd.DataFrame:
    if not isinstance(coverage, pd.DataFrame):
        msg = f"chart() takes a coverage frame from ddj.coverage(), not {type(coverage).__name__}."
        raise SchemaError(msg)
    missing = [c for c in NEEDED if c not in coverage.columns]
    if missing:
        msg = f"chart() needs a frame from ddj.coverage(); this one lacks {missing} (it has {list(coverage.columns)})."
        raise SchemaError(msg)
    if coverage.empty:
        raise SchemaError(
            "The coverage frame is empty: there is nothing to chart. Check the topics and the start/end window."
        )
    params.metric(metric)
    params.kind(kind)
    return coverage


def _fit(frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """Coarsen the periods until the frame is small enough to embed (never a MaxRowsError)."""
    freq = str(frame.attrs.get("freq", "")).upper()[:1] or "D"
    note = None
    while len(frame) > MAX_ROWS and freq in COARSER:
        freq = COARSER[freq]
        keys = ["topic", "label"] + (["outlet"] if "outlet" in frame else [])
        period = pd.to_datetime(frame["period"]).dt.to_period(PERIODS[freq]).dt.start_time
        grouped = frame.assign(period=period).groupby([*keys, "period"], sort=False)
        frame = grouped.agg(
            articles=("articles", "sum"), total=("total", "sum"), partial=("partial", "any"),
            examples=("examples", lambda s: " | ".join([e for e in s if e][:1])) if "examples" in frame else ("articles", "size"),
        ).reset_index()  # fmt: skip
        frame["share"] = (frame["articles"] / frame["total"].where(frame["total"] > 0)).fillna(0.0)
        note = f"Counts were grouped by {FREQ_NAMES[freq]} to fit the chart."
    if len(frame) > MAX_ROWS:
        msg = f"{len(frame):,} rows are too many to chart even by year: chart fewer topics or outlets."
        raise ParameterError(msg)
    if note:
        warnings.warn(DdjWarning(note), stacklevel=3)
    return frame, note


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    cols = [
        c
        for c in (
            "period",
            "topic",
            "label",
            "outlet",
            "articles",
            "total",
            "share",
            "partial",
            "examples",
        )
        if c in frame
    ]
    data = frame[cols].copy()
    data["day"] = pd.to_datetime(data["period"]).dt.strftime(
        "%Y-%m-%d"
    )  # a day string: no time zone to shift
    data["period_label"] = pd.to_datetime(data["period"]).dt.strftime("%d %b %Y")
    data["status"] = data["partial"].map(
        {True: "partial (not a full period of data)", False: "complete"}
    )
    if "examples" not in data:
        data["examples"] = ""
    data["examples"] = data["examples"].fillna("").astype(str).str.slice(0, 300)
    data["partial"] = data["partial"].astype(bool)
    data["solid"] = ~data["partial"]
    data = data.drop(columns=["period"])
    return data


def _dashed_segments(data: pd.DataFrame) -> pd.DataFrame:
    """Each partial point with its neighbours, so a dashed line joins it to the series."""
    keys = ["label"] + (["outlet"] if "outlet" in data else [])
    parts = []
    for n, (_, series) in enumerate(data.groupby(keys, sort=False)):
        series = series.reset_index(drop=True)
        for i in series.index[series["partial"]]:
            for j in (i - 1, i + 1):
                if 0 <= j < len(series):
                    pair = series.loc[sorted((i, j))].assign(segment=f"{n}-{min(i, j)}")
                    parts.append(pair)
    if not parts:
        return data.head(0).assign(segment="")
    return pd.concat(parts, ignore_index=True)


LANE_PX = 14  # height of one row of event labels
CHAR_PX = 6.2  # mean width of a character of an 11 px label (measured on the theme's sans-serif)
MAX_LANES = 4


def _placed_events(events: Any, data: pd.DataFrame, width: int) -> pd.DataFrame:
    """The events inside the chart's time range, each given a row (``row``) and a side (``align``).

    A label runs right of its line, or left of it where it would leave the plot.
    Labels go to the first row where they overlap no other label (greedy, in
    date order); with more crowding than ``MAX_LANES`` rows can hold, a label
    goes to the row it overlaps least (every event keeps its line and tooltip).
    """
    table = load_events(events)
    first, last = data["day"].min(), data["day"].max()
    table = table[(table["day"] >= first) & (table["day"] <= last)]
    if "topic" in table and "topic" in data:  # events of other topics are noise on this chart
        table = table[table["topic"].isna() | table["topic"].isin(set(data["topic"]))]
    table = table.sort_values("day", kind="stable").reset_index(drop=True)
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


def load_events(events: Any) -> pd.DataFrame:
    """Events as a frame with ``day`` (YYYY-MM-DD), ``label`` and ``date_label``; ``"default"`` = shipped file."""
    if isinstance(events, str) and events == "default":
        events = DEFAULT_EVENTS
    if isinstance(events, (str, Path)):
        path = Path(events)
        if not path.exists():
            msg = f"{path}: no such events file. Give a CSV with 'date' and 'label' columns, or 'default'."
            raise InputError(msg)
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
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
    out = table.assign(day=days.dt.strftime("%Y-%m-%d"), date_label=days.dt.strftime("%d %b %Y"))
    out["label"] = out["label"].map(lambda v: publishable(str(v)))
    if "topic" in out:
        out["topic"] = out["topic"].replace("", None)
    return out.sort_values("day").reset_index(drop=True)


def _date_axis(frame: pd.DataFrame) -> alt.Axis:
    days = (pd.to_datetime(frame["period"]).max() - pd.to_datetime(frame["period"]).min()).days
    if days > 3 * 365:
        return alt.Axis(format="%Y", tickCount="year", labelOverlap=True)
    if days > 120:
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
    if freq == "D" and days < 120:
        return "%d %b"
    return "%Y" if days > 3 * 365 else "%b %Y"


def _default_title(frame: pd.DataFrame, metric: str) -> str:
    labels = list(dict.fromkeys(frame["label"]))
    what = ", ".join(labels[:-1]) + f" and {labels[-1]}" if len(labels) > 1 else labels[0]
    return f"{what}: {'share of all articles' if metric == 'share' else 'articles'} over time"


def _foot(source: str | None, demo: str | None, frame: pd.DataFrame, note: str | None) -> list[str]:
    lines = []
    if demo:
        lines.append(DEMO_NOTE)
    if source:
        lines.append(
            source if source.lower().startswith(("source", "sources")) else f"Source: {source}"
        )
    partial = bool(frame["partial"].any())
    note_bits = []
    if partial:
        note_bits.append(
            "Hollow points on dashed lines are periods only partly covered by the data."
        )
    if note:
        note_bits.append(note)
    if note_bits:
        lines.append("Note: " + " ".join(note_bits))
    if not lines:
        lines.append("Chart: ddj")
    return lines


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
    from ddj.publishing import _register_fonts

    _register_fonts()
    alt.renderers.register("ddj-svg", _svg_renderer)
    alt.renderers.enable("ddj-svg")


def _svg_renderer(spec: dict, **metadata: Any) -> dict[str, str]:
    """Altair's SVG renderer on a ``publishable`` spec: a stray NUL cannot abort the kernel."""
    from altair.vegalite.v6.display import svg_renderer

    return svg_renderer(publishable_spec(spec), **metadata)
