"""ddj's newsroom chart theme for altair, registered as ``"ddj"`` but never enabled here.

Left-aligned headline and subtitle, a source line at the foot (drawn by
``ddj.chart``), readable type, light horizontal gridlines only, no chart
border, and a colour-blind-safe palette (Okabe and Ito's eight colours,
reordered so the first few differ for every common kind of colour blindness).
The colours are defined in :mod:`ddj.constants`. ``ddj.chart`` applies the
config to each chart it makes; ``alt.theme.enable("ddj")`` gives it to every
altair chart of a session.

The dark variant (``DARK``, :func:`dark_config`) swaps each of these colours for
one that keeps the same contrast on a dark page; the published page
(``ddj.embed``) applies it when the reader's system or its ``?dark=`` asks.
:func:`contrast` gives the WCAG ratio of two colours.
"""

from __future__ import annotations

from typing import Any

import altair as alt

from ddj.constants import GRID, INK, MUTED, PALETTE, PAPER, RULE, SEQUENTIAL, SOFT_INK

FONT = "Liberation Sans, Helvetica, Arial, WenQuanYi Micro Hei, sans-serif"

#: Links on the page ("Get the data"): 6.6:1 on the light paper.
LINK = "#0a58ad"

#: The dark variant: each light colour of the theme and ``ddj.chart``'s marks, and what it becomes
#: on a dark page. Text and rules keep >= 4.5:1 against the dark paper (tests/test_publishing.py).
#: Series colours stay the topic's colours; only Okabe-Ito's black, which is 1.1:1 on the dark
#: paper (below the 3:1 a graphic needs), becomes white. Gridlines are faint on purpose.
DARK = {
    PAPER: "#121212",
    INK: "#ececec",
    SOFT_INK: "#d4d4d4",
    MUTED: "#b0b0b0",
    RULE: "#939393",
    GRID: "#333333",
    LINK: "#8fc3ff",
    "#000000": "#ffffff",
}


def dark_colours() -> dict[str, str]:
    """Light colour (lower case) to its dark-mode colour, as the published page swaps them.

    Examples
    --------
    >>> dark_colours()["#ffffff"]
    '#121212'
    """
    return {light.lower(): dark for light, dark in DARK.items()}


def dark_config() -> dict[str, Any]:
    """The theme's config for a dark page: :func:`config` with each colour swapped (:data:`DARK`).

    Examples
    --------
    >>> dark = dark_config()["config"]
    >>> dark["background"], dark["title"]["color"], dark["range"]["category"][:2]
    ('#121212', '#ececec', ['#0072B2', '#D55E00'])
    """
    return recoloured(config(), dark_colours())


def recoloured(value: Any, colours: dict[str, str]) -> Any:
    """A copy of a spec or config with each colour string in ``colours`` swapped; data left alone.

    The published page does the same in JavaScript when it turns dark.

    Examples
    --------
    >>> recoloured({"color": "#FFFFFF", "data": {"values": [{"c": "#ffffff"}]}}, {"#ffffff": "#121212"})
    {'color': '#121212', 'data': {'values': [{'c': '#ffffff'}]}}
    """
    if isinstance(value, str):
        return colours.get(value.lower(), value)
    if isinstance(value, list):
        return [recoloured(item, colours) for item in value]
    if isinstance(value, dict):
        return {
            key: item if key in DATA_KEYS else recoloured(item, colours)
            for key, item in value.items()
        }
    return value


#: Keys whose values are data, never colours to swap (a label may well read "#ffffff").
DATA_KEYS = ("datasets", "data", "values")


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


def contrast(one: str, other: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours, from 1 (the same) to 21 (black on white).

    Examples
    --------
    >>> round(contrast("#000000", "#ffffff"), 1), round(contrast(MUTED, PAPER), 2)
    (21.0, 6.69)
    """
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(colour: str) -> float:
    """Relative luminance (WCAG 2.x) of a ``#rrggbb`` colour."""
    value = colour.strip().lstrip("#")
    if len(value) != 6:
        msg = f"colour {colour!r}: give it as #rrggbb."
        raise ValueError(msg)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
