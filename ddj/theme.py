"""ddj's newsroom chart theme for altair, registered as ``"ddj"`` but never enabled here.

Left-aligned headline and subtitle, a source line at the foot (drawn by
``ddj.chart``), readable type, light horizontal gridlines only, no chart
border, and a colour-blind-safe palette (Okabe and Ito's eight colours,
reordered so the first few differ for every common kind of colour blindness).
The colours are defined in :mod:`ddj.constants`. ``ddj.chart`` applies the
config to each chart it makes; ``alt.theme.enable("ddj")`` gives it to every
altair chart of a session.
"""

from __future__ import annotations

from typing import Any

import altair as alt

from ddj.constants import GRID, INK, MUTED, PALETTE, PAPER, RULE, SEQUENTIAL

FONT = "Liberation Sans, Helvetica, Arial, WenQuanYi Micro Hei, sans-serif"


def config() -> dict[str, Any]:
    """The theme's Vega-Lite config, as a theme function returns it.

    Returns
    -------
    dict
        ``{"config": {...}}``: fonts, title, axes, legend, colour ranges, marks.

    Examples
    --------
    >>> config()["config"]["range"]["category"][0]
    '#0072B2'
    """
    return {
        "config": {
            "font": FONT,
            "background": PAPER,
            "padding": {"left": 8, "right": 16, "top": 12, "bottom": 8},
            "view": {"stroke": None, "continuousWidth": 640, "continuousHeight": 360},
            "title": {
                "anchor": "start", "frame": "group", "font": FONT, "fontSize": 20, "fontWeight": 700,
                "color": INK, "subtitleFont": FONT, "subtitleFontSize": 14, "subtitleColor": MUTED,
                "subtitlePadding": 6, "offset": 18,
            },
            "axis": {
                "labelFont": FONT, "labelFontSize": 12, "labelColor": MUTED, "titleFont": FONT, "titleFontSize": 12,
                "titleColor": MUTED, "titleFontWeight": 400, "domainColor": RULE, "tickColor": RULE,
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
            "rule": {"color": RULE},
            "text": {"font": FONT, "fontSize": 12, "color": INK},
            "header": {"labelFont": FONT, "labelFontSize": 13, "labelFontWeight": 700, "labelColor": INK,
                       "labelAnchor": "start", "titleFont": FONT},
            "concat": {"spacing": 10},
        }
    }  # fmt: skip


@alt.theme.register("ddj", enable=False)
def ddj_theme() -> alt.theme.ThemeConfig:
    """The ``"ddj"`` altair theme: :func:`config`, registered but not enabled."""
    return config()  # type: ignore[return-value]
