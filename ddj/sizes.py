"""Static sizes of a chart for where no script runs: a social card and print at 300 dpi.

Each is the chart's own drawing (the SVG vl-convert made from the published
spec, with its title, source line and notes), placed whole on a canvas of the
size asked, so nothing is cropped:

- ``social_card``: 1200 x 675 pixels (16:9, what social networks show), the
  chart centred on white, as large as fits.
- ``print_png``: a column ``mm`` wide at 300 dots per inch: ``round(mm / 25.4 * 300)``
  pixels wide (85 mm: 1004 px), the height in proportion, with the 300 dpi
  written in the PNG so layout software places it at that width.

Examples
--------
>>> print_width(85)
1004
"""

from __future__ import annotations

import re
from typing import Any

from ddj.errors import ParameterError

#: The social card's size in pixels.
SOCIAL_CARD = (1200, 675)
#: Dots per inch of the print PNG.
PRINT_DPI = 300
#: Column widths (mm) a print PNG may have: a narrow column to a double page.
PRINT_MM = (20.0, 600.0)
_ROOT = re.compile(r"<svg\b[^>]*>")
_SIZE = re.compile(r'\s(width|height)="([0-9.]+)(?:px)?"')


def print_width(mm: Any) -> int:
    """Pixels across a column ``mm`` wide at 300 dpi: ``round(mm / 25.4 * 300)``.

    Examples
    --------
    >>> print_width(60), print_width(85.0)
    (709, 1004)
    """
    number = isinstance(mm, (int, float)) and not isinstance(mm, bool)
    if not number or not PRINT_MM[0] <= mm <= PRINT_MM[1]:
        msg = (
            f"print_mm={mm!r}: give the column width in millimetres, from {PRINT_MM[0]:g} to "
            f"{PRINT_MM[1]:g} (for example print_mm=85 for a newspaper column)."
        )
        raise ParameterError(msg)
    return round(mm / 25.4 * PRINT_DPI)


def svg_size(svg: str) -> tuple[float, float]:
    """The width and height of an SVG drawing, from its root element."""
    root = _ROOT.search(svg)
    sizes = dict(_SIZE.findall(root.group())) if root else {}
    if "width" not in sizes or "height" not in sizes:
        msg = "The chart's SVG has no width and height: it is not a drawing vl-convert made."
        raise ParameterError(msg)
    return float(sizes["width"]), float(sizes["height"])


def placed(svg: str, width: int, height: int) -> str:
    """An SVG ``width`` x ``height`` with ``svg`` drawn whole and centred on white, as large as fits."""
    w, h = svg_size(svg)
    scale = min(width / w, height / h)
    x, y = (width - w * scale) / 2, (height - h * scale) / 2
    root = _ROOT.search(svg)
    inner = re.sub(r'\s(?<![\w-])(width|height|viewBox)="[^"]*"', "", root.group())[:-1] + (
        f' x="{x:.3f}" y="{y:.3f}" width="{w * scale:.3f}" height="{h * scale:.3f}"'
        f' viewBox="0 0 {w:g} {h:g}" preserveAspectRatio="xMidYMid meet">'
    )
    body = inner + svg[root.end() :]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>{body}</svg>'
    )


def social_card(svg: str) -> bytes:
    """The chart as a 1200 x 675 PNG (``SOCIAL_CARD``), whole, centred on white."""
    import vl_convert as vlc

    return vlc.svg_to_png(placed(svg, *SOCIAL_CARD), scale=1, ppi=72)


def print_png(svg: str, mm: float) -> bytes:
    """The chart as a PNG ``print_width(mm)`` pixels wide, height in proportion, marked 300 dpi."""
    import vl_convert as vlc

    width = print_width(mm)
    w, h = svg_size(svg)
    png = vlc.svg_to_png(placed(svg, width, round(h * width / w)), scale=1, ppi=72)
    return _with_dpi(png, PRINT_DPI)


def _with_dpi(png: bytes, dpi: int) -> bytes:
    """The PNG with a ``pHYs`` chunk saying ``dpi`` (any old one replaced)."""
    import struct
    import zlib

    per_metre = round(dpi / 0.0254)
    data = b"pHYs" + struct.pack(">IIB", per_metre, per_metre, 1)
    chunk = struct.pack(">I", 9) + data + struct.pack(">I", zlib.crc32(data))
    out, pos = [png[:8]], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind = png[pos + 4 : pos + 8]
        end = pos + 12 + length
        if kind == b"IHDR":
            out += [png[pos:end], chunk]
        elif kind != b"pHYs":
            out.append(png[pos:end])
        pos = end
    return b"".join(out)
