"""The chart's web page (``slug.html``) and the snippets that embed it in a CMS or an AMP page.

``page`` builds ``slug.html`` from ddj's own template. Everything in it is
escaped for where it goes: the headline, standfirst, source and notes are HTML
text under and over the chart (the browser wraps them to any width), the alt
text an attribute, the spec and the page's settings JSON data blocks read with
``JSON.parse``. Two scripts run, and only they (the Content Security Policy
names them by hash): the Vega bundle, and ddj's start script, which is a
constant (no value is ever written into it). The start script

- draws the chart to the width of its frame (Vega-Lite ``width: "container"``,
  from 300 to 1200 px), and draws it again when the frame is resized;
- tells the host page its height when it loads and whenever it changes, in the
  three messages CMSs listen for: Datawrapper's ``{"datawrapper-height":
  {id: px}}``, pym.js's child message ``pymxPYMx<id>xPYMxheightxPYMx<px>``
  (pym.js 1.3.2's format; its id is the ``childId`` parameter pym adds to the
  frame's URL, else the slug), and AMP's ``{sentinel: "amp", type:
  "embed-size", height}``; it answers pym's ``width`` message with its height;
- turns dark with the reader's ``prefers-color-scheme``, or as
  ``?dark=true|false|auto`` in its address says (as Datawrapper's embeds do):
  each colour of the light theme becomes its ``ddj.theme.DARK`` colour.

``snippet`` is the iframe and the few lines of script to paste into a CMS;
``amp_snippet`` the same for an AMP page (``amp-iframe``, ``resizable``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import string
import urllib.parse
from typing import Any

from ddj.cache import cache_dir
from ddj.constants import INK, MUTED, PAPER
from ddj.errors import ParameterError
from ddj.escaping import html_attribute, web_address
from ddj.theme import DARK, FONT, LINK, dark_colours
from ddj.utils import atomic_write

#: In JSON inside <script>: nothing can close the element, open a comment or end a JS line.
_SCRIPT_JSON = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)
_SCRIPT_BREAKERS = re.compile(r"<(?=/script|!--)", re.IGNORECASE)
_EMBED_OPTIONS = {"actions": False, "renderer": "svg", "mode": "vega-lite"}
#: The widths the page is drawn for; narrower frames scale it, wider ones centre it.
MIN_WIDTH, MAX_WIDTH = 300, 1200
#: Heights a host accepts from the frame: a message outside is held to these bounds.
MIN_HEIGHT, MAX_HEIGHT = 50, 10_000
#: The frame's height before its first message (a 640 px chart with a title and notes).
START_HEIGHT = 520

#: ddj's start script: a constant, hashed into the page's CSP. Values reach it only as JSON data.
START = """(function () {
'use strict';
function read(id) { return JSON.parse(document.getElementById(id).textContent); }
var spec = read('ddj-spec'), options = read('ddj-embed-options'), page = read('ddj-page');
var params = new URLSearchParams(window.location.search);
var asked = (params.get('dark') || 'auto').toLowerCase();
var scheme = window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;
var child = params.get('childId');
if (!child || !/^[A-Za-z0-9_.-]{1,64}$/.test(child)) { child = page.id; }
var framed = window.parent !== window, drawn = null, ticket = 0, sent = -1;
if (framed) { document.documentElement.classList.add('framed'); }
function dark() {
  if (asked === 'true' || asked === '1') { return true; }
  if (asked === 'false' || asked === '0') { return false; }
  return !!(scheme && scheme.matches);
}
function recoloured(value, key) {
  if (page.data.indexOf(key) >= 0) { return value; }
  if (typeof value === 'string') {
    var swap = page.dark[value.toLowerCase()];
    return swap === undefined ? value : swap;
  }
  if (Array.isArray(value)) { return value.map(function (v) { return recoloured(v, ''); }); }
  if (value && typeof value === 'object') {
    var out = {};
    Object.keys(value).forEach(function (k) { out[k] = recoloured(value[k], k); });
    return out;
  }
  return value;
}
function height() { return Math.ceil(document.body.getBoundingClientRect().height); }
function post(again) {
  var h = height();
  if (!framed || h < 1 || (h === sent && !again)) { return; }
  sent = h;
  var dw = {};
  dw[page.id] = h;
  window.parent.postMessage({'datawrapper-height': dw}, '*');
  window.parent.postMessage('pymxPYMx' + child + 'xPYMxheightxPYMx' + h, '*');
  window.parent.postMessage({sentinel: 'amp', type: 'embed-size', height: h}, '*');
}
function draw() {
  var mine = ++ticket, isDark = dark();
  document.documentElement.classList.toggle('dark', isDark);
  document.documentElement.classList.toggle('light', !isDark);
  return vegaEmbed('#vis', isDark ? recoloured(spec, '') : spec, options).then(function (result) {
    if (mine !== ticket) { result.finalize(); return; }
    if (drawn) { drawn.finalize(); }
    drawn = result;
    post(true);
  }).catch(console.error);
}
window.addEventListener('message', function (e) {
  if (e.source !== window.parent || typeof e.data !== 'string') { return; }
  if (e.data.indexOf('pymxPYMx' + child + 'xPYMxwidthxPYMx') === 0) { post(true); }
});
if (window.ResizeObserver) { new ResizeObserver(function () { post(false); }).observe(document.body); }
window.addEventListener('resize', function () { post(false); });
window.addEventListener('load', function () { post(true); });
if (scheme && scheme.addEventListener && asked !== 'true' && asked !== 'false') {
  scheme.addEventListener('change', draw);
}
draw();
})();"""

_PAGE = string.Template(
    """<!DOCTYPE html>
<html lang="en" class="light">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="$csp">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
:root { color-scheme: light; --paper: $paper; --ink: $ink; --muted: $muted; --link: $link; }
html.dark { color-scheme: dark; --paper: $dark_paper; --ink: $dark_ink; --muted: $dark_muted; --link: $dark_link; }
html, body { margin: 0; padding: 0; background: var(--paper); color: var(--ink); }
body { font-family: $font; }
main { max-width: ${max_width}px; margin: 0 auto; padding: 4px 0 6px; overflow-wrap: anywhere; }
header, footer { padding: 0 16px 0 8px; }
h1 { font-size: 20px; font-weight: 700; line-height: 1.25; margin: 8px 0 4px; color: var(--ink); }
.ddj-sub { font-size: 14px; line-height: 1.35; margin: 0 0 6px; color: var(--muted); }
footer { font-size: 12px; line-height: 1.4; color: var(--muted); }
footer p { margin: 2px 0; }
@media (min-width: ${narrow}px) { .ddj-events { display: none; } }
footer a { color: var(--link); }
#vis { width: 100%; max-width: 100%; }
#vis svg { max-width: 100%; height: auto; }
#vis.vega-embed { width: 100%; display: flex; }
#vis.vega-embed details, #vis.vega-embed details summary { position: relative; }
</style>
</head>
<body>
<main>
$header<div class="vega-visualization" id="vis" role="img" aria-label="$alt_text"></div>
<footer>$foot</footer>
</main>
<script type="application/json" id="ddj-spec">$spec</script>
<script type="application/json" id="ddj-embed-options">$options</script>
<script type="application/json" id="ddj-page">$settings</script>
<script>$bundle</script>
<script>$start</script>
</body>
</html>
"""
)


def page(spec: dict, alt_text: str, *, slug: str, csv: str | None = None) -> str:
    """``slug.html``: the chart, its headline, source, notes and "Get the data", as one page.

    Parameters
    ----------
    spec
        The chart's Vega-Lite spec, its text already made publishable.
    alt_text
        What a screen reader says for the chart.
    slug
        The chart's slug: the id its height messages carry.
    csv
        Where "Get the data" points: a file beside the page or a ``data:`` URL; no link when None.

    Returns
    -------
    str
        The whole HTML page.

    Examples
    --------
    >>> html = page({"mark": "point", "title": "A <b>"}, "Alt", slug="x", csv="x.csv")
    >>> "<title>A &lt;b&gt;</title>" in html, 'href="x.csv"' in html
    (True, True)
    """
    headline, subtitle, foot, drawn = _parts(spec)
    header = ""
    if headline:
        sub = "".join(f'<p class="ddj-sub">{_escape(text)}</p>' for text in subtitle if text)
        header = f'<header><h1 id="ddj-title">{_escape(headline)}</h1>{sub}</header>\n'
    lines = [f"<p>{_escape(line)}</p>" for line in foot]
    happened = events_line(drawn) if foot else ""
    if happened:
        lines.insert(0, f'<p class="ddj-events">{_escape(happened)}</p>')
    if csv:
        name = csv if not csv.startswith("data:") else f"{slug}.csv"
        lines.append(
            f'<p class="ddj-data"><a href="{_escape(csv)}" download="{_escape(name.rsplit("/", 1)[-1])}">'
            "Get the data</a> (CSV)</p>"
        )
    bundle = script_safe(embed_bundle())
    settings = {"id": slug, "dark": dark_colours(), "data": ["datasets", "data", "values"]}
    return _PAGE.substitute(
        csp=_escape(csp(bundle, START)),
        title=_escape(title(spec) or "Chart"),
        alt_text=_escape(alt_text),
        header=header,
        foot="".join(lines),
        spec=script_json(drawn),
        options=script_json(_EMBED_OPTIONS),
        settings=script_json(settings),
        bundle=bundle,
        start=START,
        font=FONT,
        max_width=MAX_WIDTH,
        narrow=NARROW,
        paper=PAPER,
        ink=INK,
        muted=MUTED,
        link=LINK,
        dark_paper=DARK[PAPER],
        dark_ink=DARK[INK],
        dark_muted=DARK[MUTED],
        dark_link=DARK[LINK],
    )


def _parts(spec: dict) -> tuple[str, list[str], list[str], dict]:
    """Headline, standfirst, foot lines and the spec the page draws.

    A ``ddj.chart`` (a plot over its foot, with ``usermeta["ddj"]``) gives its
    headline, standfirst and foot to the page as HTML text, and the page draws
    the plot alone, to the frame's width. Any other chart is drawn as it is,
    fitted to the width when Vega-Lite can fit it (not a facet or concat: CSS scales those).
    """
    meta = (spec.get("usermeta") or {}).get("ddj") or {}
    parts = spec.get("vconcat")
    if isinstance(meta.get("foot"), list) and isinstance(parts, list) and len(parts) == 2:
        outer = {
            k: v for k, v in spec.items() if k not in ("vconcat", "title", "spacing", "resolve")
        }
        plot = {**outer, **parts[0]}
        foot = [str(line) for line in meta["foot"]]
        standfirst = meta.get("subtitle") or []
        subtitle = (
            [str(text) for text in standfirst]
            if isinstance(standfirst, list)
            else [str(standfirst)]
        )
        return title(spec), subtitle, foot, _fitted(plot)
    return "", [], [], _fitted(spec)


#: Below this frame width the event labels (placed for the chart's own width) could overlap:
#: the chart keeps the dotted lines and their tooltips, and the page lists the events under it.
NARROW = 600


def events_line(spec: dict) -> str:
    """The chart's events as one line of text (``ddj.chart``'s event rules), for a narrow frame.

    Examples
    --------
    >>> rule = {"mark": {"type": "rule"}, "data": {"name": "e"}, "encoding": {"tooltip": [
    ...     {"field": "label"}, {"field": "date_label"}]}}
    >>> spec = {"layer": [rule], "datasets": {"e": [{"label": "Vote", "date_label": "4 May"}]}}
    >>> events_line(spec)
    'Dotted lines: Vote (4 May).'
    """
    datasets = spec.get("datasets") or {}
    for layer in _units(spec):
        tips = (layer.get("encoding") or {}).get("tooltip")
        fields = (
            [t.get("field") for t in tips if isinstance(t, dict)] if isinstance(tips, list) else []
        )
        if _mark(layer) == "rule" and "date_label" in fields:
            rows = datasets.get((layer.get("data") or {}).get("name"), [])
            named = [f"{row.get('label')} ({row.get('date_label')})" for row in rows]
            return "Dotted lines: " + "; ".join(named) + "." if named else ""
    return ""


def _units(spec: Any, depth: int = 0) -> list[dict]:
    if not isinstance(spec, dict) or depth > 20:
        return []
    found = [spec] if "mark" in spec else []
    for layer in spec.get("layer") or []:
        found += _units(layer, depth + 1)
    return found


def _mark(unit: dict) -> str:
    mark = unit.get("mark")
    return str(mark.get("type") if isinstance(mark, dict) else mark)


def _is_event_label(unit: dict) -> bool:
    made = [t.get("as") for t in unit.get("transform") or [] if isinstance(t, dict)]
    return _mark(unit) == "text" and "ypos" in made


def _fitted(spec: dict) -> dict:
    """The spec drawn to its container's width, when Vega-Lite can (a single or layered view)."""
    if any(key in spec for key in ("facet", "vconcat", "hconcat", "concat", "repeat")):
        return spec
    fitted = {**spec, "autosize": {"type": "fit-x", "contains": "padding"}}
    fitted["width"] = "container"
    if "layer" in spec:
        fitted["layer"] = [_unsized(layer) for layer in spec["layer"]]
    return fitted


def _unsized(layer: Any) -> Any:
    """A layer without its own width; an event label hidden when the frame is narrow."""
    if not isinstance(layer, dict):
        return layer
    out = {k: v for k, v in layer.items() if k != "width"}
    if "layer" in out:
        out["layer"] = [_unsized(inner) for inner in out["layer"]]
    if _is_event_label(out) and isinstance(out.get("mark"), dict):
        hidden = {"expr": f"containerSize()[0] < {NARROW} ? 0 : 1"}
        out["mark"] = {**out["mark"], "opacity": hidden}
    return out


def snippet(slug: str, alt_text: str, heading: str, url: str | None = None) -> str:
    """``slug.embed.html``: the iframe and the script that sizes it, to paste into a CMS.

    The script takes a height only from the chart's own frame (the message's
    ``source`` is that frame's window, its ``origin`` the chart's), in
    Datawrapper's or pym.js's format, and holds it between ``MIN_HEIGHT`` and
    ``MAX_HEIGHT``. Without script, the PNG shows, with the alt text.

    Parameters
    ----------
    slug, alt_text, heading
        The chart's slug, alt text and headline (the frame's title).
    url
        The public address of ``slug.html`` (http or https); the PNG is taken
        from beside it. Without it the snippet points at ``slug.html`` in the
        host page's own folder.

    Examples
    --------
    >>> html = snippet("hk", "A chart", "Hong Kong", "https://news.example/charts/hk.html")
    >>> 'src="https://news.example/charts/hk.png"' in html
    True
    """
    src, png = addresses(slug, url)
    frame_id = f"ddj-{slug}"
    script = _SNIPPET_SCRIPT.substitute(
        id=json.dumps(frame_id), slug=json.dumps(slug), low=MIN_HEIGHT, high=MAX_HEIGHT
    )
    return (
        f'<div class="ddj-embed" style="min-width:{MIN_WIDTH}px;max-width:{MAX_WIDTH}px">\n'
        f'<iframe id="{frame_id}" src="{_escape(src)}" title="{_escape(heading or "Chart")}" '
        f'aria-label="{_escape(alt_text)}" scrolling="no" frameborder="0" height="{START_HEIGHT}" '
        'style="width:1px;min-width:100%;border:none" loading="lazy"></iframe>\n'
        f"<script>{script}</script>\n"
        f'<noscript><img src="{_escape(png)}" alt="{_escape(alt_text)}" style="width:100%;height:auto"></noscript>\n'
        "</div>\n"
    )


_SNIPPET_SCRIPT = string.Template(
    """
(function () {
  var frame = document.getElementById($id), slug = $slug;
  var origin = new URL(frame.src, window.location.href).origin;
  function size(px) {
    px = Math.ceil(Number(px));
    if (!isFinite(px)) { return; }
    frame.style.height = Math.min($high, Math.max($low, px)) + 'px';
  }
  window.addEventListener('message', function (e) {
    if (e.source !== frame.contentWindow || (origin !== 'null' && e.origin !== origin)) { return; }
    var d = e.data, m;
    if (d && typeof d === 'object' && d['datawrapper-height'] && slug in d['datawrapper-height']) {
      size(d['datawrapper-height'][slug]);
    } else if (typeof d === 'string' && (m = /^pymxPYMx([A-Za-z0-9_.-]+)xPYMxheightxPYMx([0-9]{1,6})$$/.exec(d))) {
      if (m[1] === slug) { size(m[2]); }
    }
  });
})();
"""
)


def amp_snippet(slug: str, alt_text: str, heading: str, url: str) -> str:
    """``slug.embed-amp.html``: the chart in an AMP page, an ``amp-iframe`` that takes its height.

    The chart's page sends AMP's ``embed-size`` message; AMP resizes a
    ``resizable`` frame (when the reader is not looking at it, else it shows the
    ``overflow`` button). AMP loads a frame only from https, and from another
    origin than the AMP page, so ``url`` is required. The page's ``<head>``
    needs AMP's ``amp-iframe`` script (AMP's own, from the AMP cache).

    Parameters
    ----------
    slug, alt_text, heading
        The chart's slug, alt text and headline.
    url
        The https address of ``slug.html``.

    Examples
    --------
    >>> amp_snippet("hk", "A chart", "Hong Kong", "https://news.example/hk.html").split()[0]
    '<amp-iframe'
    """
    src, png = addresses(slug, url)
    if not src.startswith("https://"):
        msg = f"url={url!r}: an AMP page loads frames from https only; give the chart's https address."
        raise ParameterError(msg)
    return (
        f'<amp-iframe src="{_escape(src)}" title="{_escape(heading or "Chart")}" width="640" '
        f'height="{START_HEIGHT}" layout="responsive" sandbox="allow-scripts allow-same-origin '
        'allow-popups allow-downloads" frameborder="0" resizable>\n'
        '<div overflow tabindex="0" role="button" aria-label="Show the whole chart">'
        "Show the whole chart</div>\n"
        f'<amp-img placeholder layout="fill" src="{_escape(png)}" alt="{_escape(alt_text)}"></amp-img>\n'
        "</amp-iframe>\n"
    )


def addresses(slug: str, url: str | None) -> tuple[str, str]:
    """The page's address and its PNG's, from the page's public address (or the host's folder).

    Raises
    ------
    ParameterError
        ``url`` is not an http(s) address.

    Examples
    --------
    >>> addresses("hk", "https://news.example/c/hk.html")
    ('https://news.example/c/hk.html', 'https://news.example/c/hk.png')
    """
    if url is None:
        return f"{slug}.html", f"{slug}.png"
    checked = web_address(url)
    if checked is None:
        msg = f"url={url!r} is not an http(s) address: give where slug.html will be served."
        raise ParameterError(msg)
    parts = urllib.parse.urlsplit(checked)
    folder = parts.path.rsplit("/", 1)[0]
    png = urllib.parse.urlunsplit((parts.scheme, parts.netloc, f"{folder}/{slug}.png", "", ""))
    return checked, png


def data_url(csv: str) -> str:
    r"""The CSV as a ``data:`` URL, for a page that must be one file.

    Examples
    --------
    >>> data_url("a,b\n1,x y\n")
    'data:text/csv;charset=utf-8,a%2Cb%0A1%2Cx%20y%0A'
    """
    return "data:text/csv;charset=utf-8," + urllib.parse.quote(csv, safe="")


def script_json(value: Any) -> str:
    r"""Strict JSON that cannot end its ``<script>`` element or open an HTML comment in it.

    Examples
    --------
    >>> script_json({"t": "</script><!--"})
    '{"t": "\\u003c/script\\u003e\\u003c!--"}'
    """
    return json.dumps(value, ensure_ascii=False, allow_nan=False).translate(_SCRIPT_JSON)


def script_safe(js: str) -> str:
    r"""JavaScript that cannot end its ``<script>`` element: ``</script`` and ``<!--`` get ``\x3C``.

    Both can only sit in a string, a regular expression or a comment, where
    ``\x3C`` means ``<`` (vl-convert's bundle has neither today).

    Examples
    --------
    >>> script_safe("var s = '</script>';")
    "var s = '\\x3C/script>';"
    """
    return _SCRIPT_BREAKERS.sub(r"\\x3C", js)


def csp(*scripts: str) -> str:
    """Only these scripts run; styles and data: images (Vega's own) only; nothing goes out.

    Examples
    --------
    >>> csp("1")[:36]
    "default-src 'none'; script-src 'sha2"
    """
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(js.encode()).digest()).decode() + "'"
        for js in scripts
    )
    # 'unsafe-eval': Vega compiles its expressions with Function(); no text reaches them as code
    return (
        f"default-src 'none'; script-src {hashes} 'unsafe-eval'; style-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def embed_bundle() -> str:
    """vega-embed with Vega and Vega-Lite as one script, from vl-convert; kept on disk per version.

    Building it takes vl-convert over a second; it depends only on the versions.
    """
    import vl_convert as vlc

    path = cache_dir() / "vega" / f"vega-embed-vlc{vlc.__version__}-{vl_version()}.js"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    bundle = vlc.javascript_bundle(vl_version=vl_version())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, bundle)
    except OSError:  # a read-only cache only costs time
        pass
    return bundle


def vl_version() -> str:
    """The Vega-Lite version altair writes, as vl-convert names it (``"v6_1"``)."""
    import altair as alt

    return "v" + "_".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def title(spec: dict) -> str:
    """The chart's headline as written: ``ddj.chart``'s whole title, else the spec's (lines joined).

    Examples
    --------
    >>> title({"title": {"text": ["Two", "lines"]}})
    'Two lines'
    """
    whole = ((spec.get("usermeta") or {}).get("ddj") or {}).get("title")
    if isinstance(whole, str) and whole:  # ddj.chart's headline as written, before it was wrapped
        return whole
    heading = spec.get("title")
    if isinstance(heading, dict):
        heading = heading.get("text")
    if isinstance(heading, list):
        heading = " ".join(str(part) for part in heading)
    return str(heading) if heading else ""


def _escape(text: str) -> str:
    return html_attribute(text)  # the page has no MathJax: text and attributes escape alike
