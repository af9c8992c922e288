"""Publish a chart: the files a newsroom drops into an article.

``publish`` writes, for one chart: ``slug.html`` (self-contained, works offline
and in an iframe, fills the width of its container), ``slug.svg``, ``slug.png``
(2x), ``slug.vl.json`` (the Vega-Lite spec), ``slug.csv`` (tidy data),
``slug-datawrapper.csv`` (wide: a date column and a column per series, as
Datawrapper and Flourish import it) and ``slug.txt`` (alt text, also put in the
spec's ``description`` for screen readers).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from ddj.errors import ParameterError, SchemaError

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,80}$")
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
) -> dict[str, Path]:
    """Write the publish bundle of one chart into ``out_dir``.

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

    Returns
    -------
    dict of kind (``html``, ``svg``, ``png``, ``spec``, ``csv``, ``datawrapper``, ``alt_text``) to path.

    Examples
    --------
    >>> paths = ddj.publish(ddj.chart(cov), "out", "hong-kong-coverage", data=cov)  # doctest: +SKIP
    >>> paths["png"]                                                                # doctest: +SKIP
    PosixPath('out/hong-kong-coverage.png')
    """
    slug = _safe_slug(slug)
    if not isinstance(chart, alt.TopLevelMixin):
        msg = f"publish() takes an altair chart (from ddj.chart), not {type(chart).__name__}."
        raise ParameterError(msg)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    root = out.resolve()
    if data is not None and not isinstance(data, pd.DataFrame):
        msg = f"data= must be the coverage DataFrame behind the chart, not {type(data).__name__}."
        raise SchemaError(msg)
    spec = chart.to_dict()  # validated once; every file is made from this one spec
    text = alt_text or _describe(spec, data)
    spec["description"] = text
    paths = {
        "html": root / f"{slug}.html",
        "svg": root / f"{slug}.svg",
        "png": root / f"{slug}.png",
        "spec": root / f"{slug}.vl.json",
        "csv": root / f"{slug}.csv",
        "datawrapper": root / f"{slug}-datawrapper.csv",
        "alt_text": root / f"{slug}.txt",
    }
    assert all(p.parent == root for p in paths.values())  # never outside out_dir
    _register_fonts()
    import vl_convert as vlc

    _write(paths["spec"], json.dumps(spec, indent=2, ensure_ascii=False))
    svg = vlc.vegalite_to_svg(spec, vl_version=_vl_version())
    _write(paths["svg"], svg)
    png = vlc.svg_to_png(svg, scale=1, ppi=144)  # the same drawing; 144 ppi is twice the pixels
    _write(paths["png"], png)
    _write(paths["html"], _html(spec, text))
    tidy = data if data is not None else _chart_data(spec)
    if tidy is not None:
        _write(paths["csv"], _clean_csv(tidy).to_csv(index=False))
        _write(paths["datawrapper"], wide(tidy).to_csv(index=False))
    else:
        paths.pop("csv")
        paths.pop("datawrapper")
    _write(paths["alt_text"], text + "\n")
    return paths


def wide(coverage: pd.DataFrame, metric: str = "share") -> pd.DataFrame:
    """One date column and one column per series (topic, or topic - outlet), as Datawrapper imports.

    Shares are written as percentages (0-100) with two decimals.
    """
    if "period" not in coverage or "label" not in coverage:
        return _clean_csv(coverage)
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
    """Alt text: the chart type, what it shows, the period, and the largest change."""
    return _describe(chart.to_dict(), data)


def _describe(spec: dict, data: pd.DataFrame | None) -> str:
    title = _title(spec)
    if data is None or "period" not in data or data.empty:
        return f"Chart: {title}." if title else "Chart."
    labels = list(dict.fromkeys(data["label"])) if "label" in data else []
    periods = pd.to_datetime(data["period"])
    freq = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}.get(
        str(data.attrs.get("freq", ""))[:1].upper(), "period"
    )
    parts = [
        f"Line chart of {', '.join(labels)}" if labels else "Chart",
        f"as a share of all articles per {freq}" if "share" in data else f"articles per {freq}",
        f"from {periods.min():%B %Y} to {periods.max():%B %Y}.",
    ]
    sentences = [" ".join(parts)]
    if title:
        sentences.insert(0, f"{title}.")
    complete = data[~data["partial"]] if "partial" in data else data
    for label, part in complete.groupby("label", sort=False) if "label" in complete else []:
        if part["articles"].sum() == 0:
            sentences.append(f"{label}: no matching articles.")
            continue
        peak = part.loc[part["share"].idxmax()]
        change = part["share"].diff()
        big = change.abs().idxmax() if change.notna().any() else None
        text = f"{label} peaked at {peak['share']:.1%} in the {freq} of {pd.Timestamp(peak['period']):%d %B %Y}"
        if big is not None and abs(change[big]) > 0:
            direction = "rise" if change[big] > 0 else "fall"
            text += f"; the largest {direction} was {abs(change[big]) * 100:.1f} points, to the {freq} of {pd.Timestamp(part.loc[big, 'period']):%d %B %Y}"
        sentences.append(text + ".")
    if data.attrs.get("ddj_demo"):
        sentences.append("Synthetic demo data, not real coverage.")
    return " ".join(sentences)


# -- helpers ---------------------------------------------------------------------------------


def _safe_slug(slug: Any) -> str:
    if not isinstance(slug, str) or not _SLUG.match(slug):
        suggestion = re.sub(r"[^a-z0-9_-]+", "-", str(slug).lower()).strip("-")[:80] or "chart"
        msg = (
            f"slug={slug!r} is not a safe file name: use lower-case letters, digits, '-' and '_' "
            f"(for example {suggestion!r}). Slugs never contain '/' or '..'."
        )
        raise ParameterError(msg)
    return slug


def _write(path: Path, content: str | bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    if isinstance(content, str):
        tmp.write_text(content, encoding="utf-8")
    else:
        tmp.write_bytes(content)
    os.replace(tmp, path)


def _html(spec: dict, alt_text: str) -> str:
    """Self-contained HTML (Vega inlined, altair's own page template) that no text can break out of."""
    from altair.utils.html import INLINE_HTML_TEMPLATE

    responsive = {**spec, "autosize": {"type": "fit-x", "contains": "padding"}}
    spec_json = json.dumps(responsive)
    for raw, escaped in (("<", "\\u003c"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        spec_json = spec_json.replace(raw, escaped)  # a title cannot close the <script> tag
    page = INLINE_HTML_TEMPLATE.render(
        spec=spec_json,
        embed_options=json.dumps({"actions": False, "renderer": "svg", "mode": "vega-lite"}),
        output_div="vis",
        vegalite_version=alt.VEGALITE_VERSION,
        vegaembed_script=_embed_bundle(),
    )
    style = (
        "<style>html,body{margin:0;padding:0;background:#fff}"
        "#vis{width:100%;max-width:100%}#vis .vega-embed{width:100%}</style>"
    )
    page = page.replace(
        "</head>", f"{style}\n<title>{_escape(_title(spec) or 'Chart')}</title>\n</head>", 1
    )
    marker = '<div class="vega-visualization" id="vis"></div>'
    if marker not in page:  # altair changed its template: fail loudly, never unlabelled
        raise RuntimeError("could not find the chart's <div> in altair's HTML template")
    return page.replace(
        marker,
        f'<div class="vega-visualization" id="vis" role="img" aria-label="{_escape(alt_text)}"></div>',
        1,
    )


def _embed_bundle() -> str:
    """vega-embed with Vega and Vega-Lite as one script, from vl-convert; kept on disk per version.

    Building it takes vl-convert over a second; it depends only on the versions.
    """
    import vl_convert as vlc

    from ddj.cache import cache_dir

    path = cache_dir() / "vega" / f"vega-embed-vlc{vlc.__version__}-{_vl_version()}.js"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    bundle = vlc.javascript_bundle(vl_version=_vl_version())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(path, bundle)
    except OSError:  # a read-only cache only costs time
        pass
    return bundle


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def _title(spec: dict) -> str:
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(title)
    return str(title) if title else ""


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


def _vl_version() -> str:
    import altair as alt

    return "v" + "_".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def _register_fonts() -> None:
    """Give vl-convert a font with Chinese, Japanese and Korean glyphs when the system has one."""
    global _FONTS_READY
    if _FONTS_READY:
        return
    import vl_convert as vlc

    for folder in _FONT_DIRS:
        if Path(folder).is_dir():
            vlc.register_font_directory(folder)
    _FONTS_READY = True
