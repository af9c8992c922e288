"""ddj's newsroom chart theme for altair: ``alt.theme.enable("ddj")``.

Left-aligned headline and subtitle, a source line at the foot (drawn by
``ddj.chart``), readable type, light horizontal gridlines only, no chart
border, and a colour-blind-safe palette (Okabe and Ito's eight colours,
reordered so the first few differ for every common kind of colour blindness).
"""

from __future__ import annotations

from typing import Any

import altair as alt

#: Okabe-Ito, reordered: blue, vermillion, bluish green, orange, reddish purple, sky blue, yellow, black.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
#: Sequential scale for heatmaps (light to dark blue, readable in greyscale).
SEQUENTIAL = ["#f0f5fa", "#c6dbef", "#85b9dd", "#4a90c4", "#1f5f9e", "#0b3366"]
FONT = "Liberation Sans, Helvetica, Arial, WenQuanYi Micro Hei, sans-serif"
INK = "#1a1a1a"
MUTED = "#5c5c5c"
GRID = "#e3e3e3"


def config() -> dict[str, Any]:
    """The theme's Vega-Lite config."""
    return {
        "config": {
            "font": FONT,
            "background": "#ffffff",
            "padding": {"left": 8, "right": 16, "top": 12, "bottom": 8},
            "view": {"stroke": None, "continuousWidth": 640, "continuousHeight": 360},
            "title": {
                "anchor": "start", "frame": "group", "font": FONT, "fontSize": 20, "fontWeight": 700,
                "color": INK, "subtitleFont": FONT, "subtitleFontSize": 14, "subtitleColor": MUTED,
                "subtitlePadding": 6, "offset": 18,
            },
            "axis": {
                "labelFont": FONT, "labelFontSize": 12, "labelColor": MUTED, "titleFont": FONT, "titleFontSize": 12,
                "titleColor": MUTED, "titleFontWeight": 400, "domainColor": "#8c8c8c", "tickColor": "#8c8c8c",
                "gridColor": GRID, "gridWidth": 1, "labelPadding": 4,
            },
            "axisX": {"grid": False, "tickSize": 4, "labelAngle": 0, "labelFlush": True},
            "axisY": {"domain": False, "ticks": False, "gridDash": [], "titleAngle": 0, "titleAlign": "left",
                      "titleY": -10, "titleX": 0, "labelPadding": 6},
            "legend": {"labelFont": FONT, "labelFontSize": 12, "labelColor": INK, "titleFont": FONT,
                       "titleFontSize": 12, "titleColor": MUTED, "orient": "top", "symbolType": "stroke",
                       "symbolStrokeWidth": 3, "direction": "horizontal", "title": None},
            "range": {"category": PALETTE, "ordinal": SEQUENTIAL, "heatmap": SEQUENTIAL, "ramp": SEQUENTIAL},
            "line": {"strokeWidth": 2.5, "strokeCap": "round", "strokeJoin": "round"},
            "point": {"size": 36, "filled": True},
            "area": {"opacity": 0.9},
            "rule": {"color": "#8c8c8c"},
            "text": {"font": FONT, "fontSize": 12, "color": INK},
            "header": {"labelFont": FONT, "labelFontSize": 13, "labelFontWeight": 700, "labelColor": INK,
                       "labelAnchor": "start", "titleFont": FONT},
            "concat": {"spacing": 10},
        }
    }  # fmt: skip


@alt.theme.register("ddj", enable=False)
def ddj_theme() -> alt.theme.ThemeConfig:
    return config()  # type: ignore[return-value]
