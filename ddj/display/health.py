"""The health of a corpus (``ddj.health``) for people: its summary, a chart of it, what is flagged.

The chart has a cell per outlet and period, coloured by the period's status:
silent and low periods (the outlet falls far below its usual volume) stand out,
periods before an outlet's first or after its last article are pale, and a
``gap`` (the period's total lacks an outlet that is normally there) is outlined.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from ddj.charts import use_offline_renderer
from ddj.constants import GRID, INK, MUTED, PALETTE
from ddj.display.tables import table
from ddj.display.text import Markdown, escape_markdown
from ddj.errors import SchemaError
from ddj.publishing import map_text, publishable
from ddj.regimes import volume_sentence

#: Each status of ``ddj.health`` and its colour, worst first.
STATUS_COLOURS = {
    "silent": PALETTE[1],
    "low": PALETTE[3],
    "starts": "#bdbdbd",
    "ends": "#bdbdbd",
    "ok": GRID,
    "before": "#f7f7f7",
    "after": "#f7f7f7",
}
#: At most this many cells (outlets x periods) in the chart: the outlets with most articles first.
MAX_CELLS = 20_000

#: At most this many outlets (rows) in the chart, so a long tail of outlets keeps it readable.
MAX_OUTLETS = 40


class HealthView:
    """What ``health_view`` shows; ``data`` is the health table, ``chart`` its altair chart."""

    def __init__(self, data: pd.DataFrame):
        self.data = data
        self.chart, self.left_out = health_chart(data)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        if alt.renderers.active == "default":  # as ddj.chart does in a kernel: SVG, offline
            use_offline_renderer()
        summary = self.data.attrs.get("summary", "")
        display(Markdown("\n\n".join(escape_markdown(line) for line in summary.splitlines())))
        display(self.chart)
        flagged = self.data[self.data["status"].isin(["silent", "low"]) | self.data["gap"]]
        if len(flagged):
            shown = ["period", "outlet", "total", "usual", "status", "gap"]
            display(table(flagged[[c for c in shown if c in flagged]]))

    def __repr__(self) -> str:
        return self.data.attrs.get("summary", f"<ddj health view: {len(self.data):,} rows>")


def health_view(health: pd.DataFrame) -> HealthView:
    """The health table (``ddj.health``) as a notebook shows it: summary, chart, flagged periods.

    Examples
    --------
    >>> view = health_view(ddj.health(corpus, freq="Q"))
    >>> print(view)  # doctest: +ELLIPSIS
    5 outlets, 5 January 2019 to 30 December 2025: no period flagged...
    """
    return HealthView(health)


def health_chart(health: pd.DataFrame) -> tuple[alt.Chart, int]:
    """A cell per outlet and period, coloured by status; and how many outlets were left out.

    Examples
    --------
    >>> chart, left_out = health_chart(ddj.health(corpus, freq="Y"))
    >>> chart.to_dict()["mark"]["type"], left_out
    ('rect', 0)
    """
    missing = [c for c in ("period", "outlet", "total", "status", "gap") if c not in health]
    if missing:
        msg = f"health_view() takes a table from ddj.health(); this one lacks {missing}."
        raise SchemaError(msg)
    kept, left_out = _busiest(health)
    shown = ["period", "outlet", "total", "usual", "status", "gap"]
    data = map_text(kept[shown + [c for c in ("level", "regime_from") if c in kept]], publishable)
    data = data.assign(day=pd.to_datetime(data["period"]).dt.strftime("%Y-%m-%d"))
    data = data.drop(columns="period").astype({"gap": bool})
    data["usual"] = data["usual"].round(1)
    changes = _regime_changes(kept)
    if "regime_from" in data:
        data["regime_from"] = pd.to_datetime(data["regime_from"]).dt.strftime("%Y-%m-%d")
    order = list(kept.groupby("outlet")["total"].sum().sort_values(ascending=False).index)
    data = data.astype(object).where(data.notna(), None)  # no usual volume or regime: null, not NaN
    chart = (
        alt.Chart(alt.Data(values=data.to_dict("records")))
        .mark_rect()
        .encode(
            x=alt.X("day:O", title=None, axis=alt.Axis(labelOverlap=True, labelAngle=0)),
            y=alt.Y("outlet:N", title=None, sort=[publishable(str(o)) for o in order]),
            color=alt.Color(
                "status:N",
                title="Status",
                scale=alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values())),
                legend=alt.Legend(orient="top"),
            ),
            stroke=alt.condition("datum.gap", alt.value(INK), alt.value(None)),
            tooltip=[
                alt.Tooltip("outlet:N", title="Outlet"),
                alt.Tooltip("day:N", title="Period from"),
                alt.Tooltip("total:Q", title="Articles", format=",d"),
                alt.Tooltip("usual:Q", title="Usual", format=",.1f"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("gap:N", title="Gap"),
                *(
                    [
                        alt.Tooltip("level:Q", title="Level (regime)", format=",.1f"),
                        alt.Tooltip("regime_from:N", title="Regime from"),
                    ]
                    if "level" in data
                    else []
                ),
            ],
        )  # fmt: skip
    )
    if len(changes):
        marks = (
            alt.Chart(alt.Data(values=changes.to_dict("records")))
            .mark_point(filled=True, color=INK, size=50)
            .encode(
                x=alt.X("day:O"),
                y=alt.Y("outlet:N"),
                shape=alt.Shape("way:N", scale=alt.Scale(domain=["rose", "fell"],
                                range=["triangle-up", "triangle-down"]), legend=None),
                tooltip=[alt.Tooltip("sentence:N", title="Change of volume")],
            )
        )  # fmt: skip
        chart = alt.layer(chart, marks)
    chart = chart.properties(
        width=640,
        height=max(60, 18 * len(order)),
        title=alt.TitleParams(
            "Articles per outlet and period",
            subtitle=_subtitle(left_out, len(changes)),
            anchor="start",
            subtitleColor=MUTED,
        ),
    )
    return chart, left_out


def _regime_changes(health: pd.DataFrame) -> pd.DataFrame:
    """The first period of each outlet's regimes after its first: day, outlet, way, sentence (publishable)."""
    if "regime_from" not in health:
        return pd.DataFrame(columns=["day", "outlet", "way", "sentence"])
    kept = health.dropna(subset=["regime_from"]).drop_duplicates(["outlet", "regime_from"])
    rows = []
    freq = health.attrs.get("freq", "W")
    for outlet, part in kept.groupby("outlet", sort=False):
        levels, starts = part["level"].tolist(), part["regime_from"].tolist()
        for i in range(1, len(part)):
            rows.append({
                "day": pd.Timestamp(starts[i]).strftime("%Y-%m-%d"),
                "outlet": outlet,
                "way": "fell" if levels[i] < levels[i - 1] else "rose",
                "sentence": volume_sentence(outlet, levels[i - 1], levels[i], starts[i], freq),
            })  # fmt: skip
    return map_text(pd.DataFrame(rows, columns=["day", "outlet", "way", "sentence"]), publishable)


def _busiest(health: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The rows of the outlets with most articles, at most ``MAX_OUTLETS``, as many as fit ``MAX_CELLS``."""
    periods = max(1, health["period"].nunique())
    totals = health.groupby("outlet")["total"].sum().sort_values(ascending=False)
    keep = totals.index[: max(1, min(MAX_OUTLETS, MAX_CELLS // periods))]
    return health[health["outlet"].isin(keep)], len(totals) - len(keep)


def _subtitle(left_out: int, changes: int = 0) -> Any:
    said = ["Silent or low: far below the outlet's usual volume; outlined: a gap in the total"]
    if changes:
        said.append(
            f"Triangles: {changes:,} change(s) of an outlet's volume to a new level (PELT, ddj.regimes)"
        )
    if left_out:
        said.append(f"{left_out:,} outlets with fewer articles are not shown")
    return said if len(said) > 1 else said[0]
