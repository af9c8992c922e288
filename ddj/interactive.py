"""Charts you can click, in JupyterLab: a period of a topic's line lists its articles beside it.

``explorer`` draws a coverage frame as altair's ``JupyterChart`` (a widget; its
Vega code comes from vl-convert, so it needs no internet) with a point
selection. Clicking a point of a topic's line, or a cell of the heatmap, asks
the kernel for that period's matching articles (:func:`period_articles`) and
lists them beside the chart: date, outlet, title as a link and the first match
in context. Hovering shows what the published charts' tooltips show: the
period, the counts, the total and up to three headlines. Nothing runs beyond
the kernel; every text shown is escaped (:mod:`ddj.display`).

In the HTML of an executed notebook a widget has no kernel to ask, so it is not
drawn there: the notebooks show the static chart (``ddj.chart``) too.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from typing import Any

import altair as alt
import pandas as pd

from ddj import charts, display, words
from ddj import theme as _theme
from ddj.cache import cache_dir
from ddj.constants import DEMO_NOTICE, INK, PALETTE, PERIODS
from ddj.date_parsing import local_times
from ddj.display import text
from ddj.errors import DroppedRowsWarning, ParameterError, QuerySyntaxError, SchemaError
from ddj.matching import hits, match, resolve
from ddj.measure import coverage
from ddj.params import freq as checked_freq
from ddj.publishing import capped_labels, map_text, publishable, warn_cut
from ddj.utils import atomic_write

__all__ = ["Search", "clickable_chart", "explorer", "period_articles", "search"]

#: At most this many articles are listed for one period (the count says how many there are).
MAX_LISTED = 200
#: At most this many points (periods x series) in a clickable chart.
MAX_POINTS = 5_000
#: The selection's name in the chart's spec.
PICK = "pick"


def period_articles(
    corpus: pd.DataFrame,
    matched: pd.Series,
    period: Any,
    *,
    freq: str = "M",
    tz: str = "UTC",
    outlet: str | None = None,
) -> pd.DataFrame:
    """The matching articles of one period, as ``ddj.coverage`` counted them, in date order.

    Parameters
    ----------
    corpus
        The corpus the coverage was counted from.
    matched
        One topic's flags for it (a column of ``ddj.match(corpus, topic)``).
    period
        The period's first day (``cov["period"]``).
    freq, tz
        As given to ``ddj.coverage`` (``cov.attrs`` holds both).
    outlet
        With ``by="outlet"``: that outlet's articles only.

    Returns
    -------
    pandas.DataFrame
        The corpus rows, so ``len()`` is the period's ``articles``.

    Examples
    --------
    >>> flags = ddj.match(corpus, ["hong_kong"])["hong_kong"]
    >>> row = cov[cov["topic"] == "hong_kong"].sort_values("articles").iloc[-1]
    >>> len(period_articles(corpus, flags, row["period"], freq="M")), int(row["articles"])
    (2, 2)
    """
    times = local_times(corpus, tz)
    first = pd.Period(pd.Timestamp(period), freq=PERIODS[checked_freq(freq)])
    inside = (times >= first.start_time) & (times <= first.end_time)
    keep = inside.fillna(False).to_numpy() & matched.fillna(False).to_numpy(dtype=bool)
    if outlet is not None:
        keep &= (corpus["outlet"].fillna("(unknown)") == outlet).to_numpy()
    return corpus.loc[keep].sort_values("published", kind="stable")


class Search:
    """What a query found in a corpus, for a notebook's query cell (see :func:`search`).

    ``hits`` and ``coverage`` are plain frames (None when the query did not
    parse); ``error`` is the ``QuerySyntaxError`` message, with its caret line, or the
    ``ParameterError`` of a near miss of a topic name (``hongkong``).
    Shown in a notebook: the hit count, the clickable chart and the hits in
    context, or the error as text, never a traceback.
    """

    def __init__(self, corpus: pd.DataFrame, query: str, *, freq: str, notes: Any) -> None:
        self.corpus, self.query, self.error = corpus, query, None
        self.hits: pd.DataFrame | None = None
        self.coverage: pd.DataFrame | None = None
        try:
            self.topic = resolve([query])[0]
        except (QuerySyntaxError, ParameterError) as exc:  # a near miss of a topic name too
            self.error = str(exc)
            return
        with notes if notes is not None else contextlib.nullcontext():
            self.hits = hits(corpus, self.topic, width=display.CONTEXT)
            if len(self.hits):
                self.coverage = coverage(corpus, [self.topic], freq=freq)

    def summary(self) -> str:
        """One line: the hit count and articles, or the syntax error."""
        if self.error is not None:
            return self.error
        n = 0 if self.hits is None else self.hits["id"].nunique()
        return f"{len(self.hits):,} hits in {n:,} articles for {self.query}"

    def _ipython_display_(self) -> None:
        from IPython.display import HTML
        from IPython.display import display as show

        if self.error is not None:
            show(HTML(f"<pre class='ddj-query-error'>{text.escape(self.error)}</pre>"))
            return
        show(display.Markdown(f"**{text.escape_markdown(self.summary())}**"))
        if self.index_note:
            show(display.Markdown(text.escape_markdown(self.index_note)))
        if self.coverage is not None:
            show(explorer(self.corpus, [self.topic], self.coverage))
            show(display.kwic(self.hits))

    @property
    def index_note(self) -> str | None:
        """How a store's search index answered the query (None: a frame, or a store with no index)."""
        frame = self.hits if self.hits is not None else pd.DataFrame()
        return frame.attrs.get("index")

    def __repr__(self) -> str:
        note = self.index_note
        return self.summary() + (f"\n{note}" if note else "")


def search(
    corpus: pd.DataFrame, query: str, *, freq: str = "M", notes: display.Notes | None = None
) -> Search:
    """Try a query on a corpus: its hit count, its clickable chart and its hits in context.

    A query that does not parse gives its ``QuerySyntaxError`` message (where,
    what, the fix, the query and a caret under the place) as text, not a
    traceback. Data notes of the counting go to ``notes`` (:class:`ddj.display.Notes`).

    Examples
    --------
    >>> search(corpus, '"hong kong" AND court').summary()
    '178 hits in 14 articles for "hong kong" AND court'
    >>> print(search(corpus, '"hong kong AND court').summary())
    Query syntax error at position 0: a quotation mark is never closed. Close the phrase with another ".
      "hong kong AND court
      ^
    """
    return Search(corpus, query, freq=freq, notes=notes)


def explorer(corpus: pd.DataFrame, topics: Any, cov: pd.DataFrame, *, kind: str = "line") -> Any:
    """A clickable chart of ``cov`` beside the list of articles of the period clicked.

    Parameters
    ----------
    corpus
        The corpus ``cov`` was counted from.
    topics
        The topics of ``cov``, as given to ``ddj.coverage``.
    cov
        A frame from ``ddj.coverage`` (by outlet or not).
    kind
        ``"line"`` (a point per period of each topic) or ``"heatmap"`` (a cell
        per period and topic).

    Returns
    -------
    ipywidgets.VBox
        The chart (``.children[0]``, an altair ``JupyterChart``) and, under it, the
        list (``.children[1]``, an ``ipywidgets.HTML``); ``show(day, topic)`` fills
        the list as a click does.

    Examples
    --------
    >>> box = explorer(corpus, ["hong_kong", "ukraine"], cov)
    >>> row = cov[cov["topic"] == "ukraine"].sort_values("articles").iloc[-1]
    >>> box.show(f"{row['period']:%Y-%m-%d}", "ukraine")
    >>> f"{row['articles']:,} articles" in box.children[1].value
    True
    """
    import ipywidgets

    chosen = resolve(topics)
    with warnings.catch_warnings():  # what match leaves out, the coverage shown already said
        warnings.simplefilter("ignore", DroppedRowsWarning)
        flags = match(corpus, chosen)
    labels = {t.name: t.label for t in chosen}
    # SVG, so a point is an element a browser test can click; no export menu (it needs a network)
    options = {"renderer": "svg", "actions": False}
    widget = _offline_chart()(clickable_chart(cov, kind=kind), embed_options=options)
    # the list under the chart, as wide as the cell: beside it, a wide chart (a long legend,
    # many topics) pushed it off-screen
    listing = ipywidgets.HTML(
        value="<p><i>Click a point of the chart to list that period's articles.</i></p>",
        layout=ipywidgets.Layout(width="100%", max_height="560px", overflow="auto"),
    )
    box = ipywidgets.VBox([widget, listing])
    as_widget = box._repr_mimebundle_

    def with_picture(**kwargs: Any) -> Any:
        """The widget's view, and a PNG of the chart where widgets do not run (see ``png_bundle``)."""
        shown = as_widget(**kwargs)
        return {**shown, **charts.png_bundle(widget.spec)} if isinstance(shown, dict) else shown

    box._repr_mimebundle_ = with_picture  # type: ignore[method-assign]

    def show(day: Any, topic: str, outlet: str | None = None) -> None:
        day = _day(day)
        found = period_articles(
            corpus, flags[topic], day, freq=cov.attrs.get("freq", "M"),
            tz=cov.attrs.get("tz", "UTC"), outlet=outlet,
        )  # fmt: skip
        when = _when(day, cov.attrs.get("freq", "M"))
        listing.value = listed(found, chosen[list(labels).index(topic)], when, labels[topic])

    def clicked(change: Any) -> None:
        picked = list(change["new"].value or [])
        if picked:
            point = picked[0]
            show(point["day"], point["topic"], point.get("outlet"))

    widget.selections.observe(clicked, [PICK])
    box.show = show  # type: ignore[attr-defined]
    return box


def clickable_chart(cov: pd.DataFrame, *, kind: str = "line") -> alt.TopLevelMixin:
    """The chart ``explorer`` shows: a point (or cell) per period and topic, a click selection.

    Its tooltips show what the published charts' show: the period, topic
    (and outlet), articles, all articles, share and its 95% Wilson interval
    (``ddj.intervals.wilson``), whether the period is complete, and up to three
    headlines.

    Examples
    --------
    >>> spec = clickable_chart(cov).to_dict()
    >>> [p["name"] for p in spec["params"]], spec["params"][0]["select"]["fields"]
    (['pick'], ['day', 'topic'])
    """
    data = _points(cov)
    if kind not in ("line", "heatmap"):
        raise ParameterError(f"kind={kind!r}: the clickable chart is a 'line' or a 'heatmap'.")
    fields = ["day", "topic", *(["outlet"] if "outlet" in data else [])]
    pick = alt.selection_point(name=PICK, fields=fields, on="click")
    body = _heatmap(data, pick) if kind == "heatmap" else _lines(data, pick)
    title = " and ".join(dict.fromkeys(data["label"])) + ": share of all articles"
    lines = ["Click a period to list its articles"]
    if cov.attrs.get("ddj_demo"):
        lines.append(DEMO_NOTICE)
    body = body.properties(title=alt.TitleParams(text=title, subtitle=lines, anchor="start"))
    return body.configure(**_theme.config()["config"])


def _points(cov: pd.DataFrame) -> pd.DataFrame:
    """One row per period and series, its texts made safe to draw, days as strings (no zone shift)."""
    needed = ["period", "topic", "label", "articles", "total", "share", "partial"]
    missing = [c for c in needed if c not in cov]
    if missing or cov.empty:
        msg = f"explorer() needs a frame from ddj.coverage() with rows; this one lacks {missing or 'rows'}."
        raise SchemaError(msg)
    if len(cov) > MAX_POINTS:
        msg = (
            f"{len(cov):,} periods are too many to click through: count by a longer freq (W, M, Q)."
        )
        raise ParameterError(msg)
    keep = [*needed, *[c for c in ("outlet", "examples") if c in cov]]
    cut: list[dict] = []
    data = map_text(capped_labels(cov[keep], cut), publishable)
    warn_cut(cut, "The clickable chart")
    period = pd.to_datetime(data["period"])
    return data.drop(columns="period").assign(
        interval=charts.interval_words(data["articles"], data["total"]),
        day=period.dt.strftime("%Y-%m-%d"),
        period_label=charts.period_labels(period, words.frequency(cov)),  # as published charts
        status=data["partial"].map(
            {True: "partial (not a full period of data)", False: "complete"}
        ),
        examples=data["examples"].fillna("").astype(str).str.slice(0, 300)
        if "examples" in data
        else "",
        partial=data["partial"].astype(bool),
    )


def listed(found: pd.DataFrame, topic: Any, when: str, label: str) -> str:
    """The HTML list of one period's articles: count, then date, outlet, title link, first match.

    ``when`` names the period (``"January 2024 (period from 2024-01-01)"``).
    """
    shown = found.head(MAX_LISTED)
    first = hits(shown, topic, width=display.CONTEXT).drop_duplicates("id") if len(shown) else None
    context = {} if first is None else dict(zip(first["id"], _contexts(first), strict=True))
    rows = [
        "<tr><td>{}</td><td>{}</td><td>{}<br><small>{}</small></td></tr>".format(
            text.day(r.published),
            text.escape(r.outlet),
            display.link(r.url, r.title),
            context.get(r.id, ""),
        )  # fmt: skip
        for r in shown.itertuples()
    ]
    more = f" (first {MAX_LISTED:,} listed)" if len(found) > MAX_LISTED else ""
    head = (
        f"<p><b>{text.escape(label)}</b>, {text.escape(when)}: "
        f"<span class='ddj-count'>{len(found):,} articles</span>{more}</p>"
    )
    return head + _LISTING_STYLE + "<table class='ddj-period'>" + "".join(rows) + "</table>"


#: Links look like links in the list (a widget's HTML has no link style of its own).
_LISTING_STYLE = (
    "<style>.ddj-period a{color:#1f5f9e;text-decoration:underline}"
    ".ddj-period td{vertical-align:top;padding:2px 6px}</style>"
)


def _offline_chart() -> type:
    """Altair's ``JupyterChart`` with its Vega code bundled by vl-convert: no CDN, no internet.

    The bundle is what ``alt.JupyterChart.enable_offline()`` builds (the
    widget's script with its imports bundled), kept on disk per altair and
    vl-convert version: building it takes four seconds, every kernel. A
    subclass carries it, so altair's own class is left as the session had it.
    """
    import vl_convert as vlc

    path = cache_dir() / "vega" / f"jupyter-chart-altair{alt.__version__}-vlc{vlc.__version__}.js"
    try:
        bundle = path.read_text(encoding="utf-8")
    except OSError:
        bundle = _chart_bundle()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, bundle)
        except OSError:  # a read-only cache only costs time
            pass
    return type("OfflineJupyterChart", (alt.JupyterChart,), {"_esm": bundle})


def _chart_bundle() -> str:
    """The JupyterChart script with vega-embed bundled in, as altair's ``enable_offline`` makes it."""
    import vl_convert as vlc
    from altair.jupyter.jupyter_chart import load_js_src
    from altair.utils._importers import vl_version_for_vl_convert

    lines = load_js_src().split("\n")
    while lines and (not lines[0].strip() or lines[0].startswith(("import", "//"))):
        lines.pop(0)  # the imports from a CDN: vl-convert bundles what they gave
    return vlc.javascript_bundle("\n".join(lines), vl_version=vl_version_for_vl_convert())


def _when(day: str, freq: str) -> str:
    """The period in words and its first day: "January 2024 (period from 2024-01-01)"."""
    return f"{words.period(pd.Timestamp(day), freq)} (period from {day})"


def _day(value: Any) -> str:
    """A clicked period's first day as YYYY-MM-DD (Vega gives a temporal field in ms since 1970)."""
    if isinstance(value, (int, float)):
        return pd.Timestamp(value, unit="ms").strftime("%Y-%m-%d")
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _contexts(first: pd.DataFrame) -> list[str]:
    return [
        display.in_context(b, m, a)
        for b, m, a in zip(first["before"], first["matched"], first["after"], strict=True)
    ]


def _lines(data: pd.DataFrame, pick: Any) -> alt.LayerChart:
    base = alt.Chart(data)
    x = alt.X("day:T", title=None, scale=alt.Scale(type="utc"), axis=charts.date_axis(data["day"]))
    y = alt.Y(
        "share:Q", title=None, axis=alt.Axis(format=share_format(data["share"].max()), tickCount=5)
    )
    series = ["label", *(["outlet"] if "outlet" in data else [])]
    color = series_color(data, series[-1])
    line = base.mark_line().encode(x=x, y=y, color=color, detail=[f"{s}:N" for s in series])
    points = (
        base.mark_point(filled=True)
        .encode(
            x=x,
            y=y,
            color=color,
            tooltip=charts.tooltip(data),
            size=alt.condition(pick, alt.value(180), alt.value(70)),
            opacity=alt.condition("datum.partial", alt.value(0.45), alt.value(1.0)),
        )  # fmt: skip
        .add_params(pick)
    )
    return alt.layer(line, points).properties(width=520, height=300)


def series_color(data: pd.DataFrame, field: str = "label") -> alt.Color:
    """Each series' colour as in the published chart: ddj's palette in the order the series come.

    ``ddj.chart`` colours topics by ``label`` in order of first appearance
    with the theme's category range (:data:`ddj.constants.PALETTE`); here the
    same domain and range are written out, so a topic has one colour in both.

    Examples
    --------
    >>> series_color(pd.DataFrame({"label": ["b", "a", "b"]})).to_dict()["scale"]["range"]
    ['#0072B2', '#D55E00']
    """
    names = [str(v) for v in dict.fromkeys(data[field].dropna())]
    scale = alt.Scale(domain=names, range=[PALETTE[i % len(PALETTE)] for i in range(len(names))])
    return alt.Color(f"{field}:N", title=None, sort=names, scale=scale)


def share_format(top: float, ticks: int = 5) -> str:
    """A d3 percent format with the decimals that tell ``ticks`` ticks from 0 to ``top`` apart.

    Examples
    --------
    >>> share_format(0.6), share_format(0.034), share_format(0.004), share_format(float("nan"))
    ('.0%', '.1%', '.2%', '.0%')
    """
    if not top or not math.isfinite(top) or top <= 0:
        return ".0%"
    step = top * 100 / ticks  # in percentage points
    return f".{min(3, max(0, math.ceil(-math.log10(step))))}%"


def _heatmap(data: pd.DataFrame, pick: Any) -> alt.Chart:
    return (
        alt.Chart(data)
        .mark_rect(stroke=INK)
        .encode(
            x=alt.X("day:O", title=None, axis=alt.Axis(labelOverlap=True, labelAngle=0)),
            y=alt.Y("label:N", title=None),
            color=alt.Color(
                "share:Q",
                title="Share",
                scale=alt.Scale(scheme="blues"),
                legend=alt.Legend(format=share_format(data["share"].max()), orient="top"),
            ),
            strokeWidth=alt.condition(pick, alt.value(2.5), alt.value(0)),
            tooltip=charts.tooltip(data),
        )  # fmt: skip
        .add_params(pick)
        .properties(width=520, height=max(60, 28 * data["label"].nunique()))
    )
