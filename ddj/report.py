"""A self-contained HTML report of an executed notebook: it requests nothing, runs nothing.

nbconvert's HTML loads require.js, MathJax and the widget manager from public
CDNs: offline it shows nothing where a clickable chart was, online it tells
third parties who opened it. :func:`write_report` writes a page of its own
instead (``ddj run NOTEBOOK --html``):

- every output as a static view: images (PNG, JPEG, SVG, a Vega-Lite chart
  drawn by vl-convert) as ``data:`` images, which never run script or load
  anything; saved widgets (the clickable chart, a progress bar, an HTML list)
  drawn from the widget state the notebook saved; ddj's searchable tables as
  their plain first rows; other HTML through one whitelist sanitiser;
- Markdown rendered with no math: a ``$`` stays a ``$``;
- links only to ``http`` and ``https`` addresses; no ``<script>`` at all, and a
  Content-Security-Policy that forbids scripts and every request but ``data:``
  images, as a second wall.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mistune
from lxml import etree
from lxml import html as lxml_html
from mistune.util import escape as escape_text
from mistune.util import safe_entity

from ddj.constants import STATIC_HTML_MIME
from ddj.errors import InputError
from ddj.escaping import web_address
from ddj.utils import atomic_write

#: The report's Content-Security-Policy: no script, no request; ``data:`` images and its own CSS.
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)

#: An executed notebook larger than this is refused (ddj's own are a few MB).
MAX_NOTEBOOK_BYTES = 512 * 1024 * 1024

#: One output's HTML or Markdown longer than this is shown as a note, not rendered.
MAX_OUTPUT_CHARS = 20_000_000

#: Widgets nested deeper than this are not drawn.
MAX_WIDGET_DEPTH = 20


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

#: Elements kept by the sanitiser; anything else is unwrapped (its text kept) or, below, dropped.
KEPT = _names(
    "a abbr b blockquote br caption code col colgroup dd del details div dl dt em h1 h2 h3 h4 h5 h6 "
    "hr i img ins kbd li mark ol p pre q s samp small span strong style sub summary sup table tbody "
    "td tfoot th thead tr u ul"
)
#: Elements dropped with all they hold: code, embedded documents, forms, media that loads.
DROPPED = _names(
    "script noscript template iframe frame frameset object embed applet svg math link meta base "
    "form input button select textarea option video audio source track picture canvas "
    "title head"
)
#: Attributes kept (on any kept element); ``href`` and ``src`` are checked on their own.
ATTRIBUTES = _names(
    "class id title colspan rowspan align valign scope headers abbr alt width height open "
    "start reversed span"
)
#: CSS is kept only when it holds none of these (no loads, no escapes that hide them).
_UNSAFE_CSS = re.compile(r"url\s*\(|@import|expression\s*\(|image-set|\\|<|javascript:", re.I)
_IMAGE = re.compile(r"data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=\s]+\Z")
#: Terminal colours (IPython's tracebacks): dropped. Every other control is shown as ``\xNN``.
_COLOURS = re.compile(r"\x1b\[[0-9;]{0,40}m")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

_PAGE_CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1d;
 max-width:1100px;margin:2em auto;padding:0 1em}
.cell{margin:1em 0}.output{margin:.5em 0;overflow-x:auto}
pre{background:#f6f6f6;padding:.5em;overflow-x:auto;white-space:pre-wrap;word-break:break-word}
.stderr pre{background:#fdf0e8}.error pre{background:#fde8e8}
details.code{color:#555}details.code summary{cursor:pointer;font-size:.85em}
table{border-collapse:collapse;font-size:.9em}th,td{padding:2px 8px;border-bottom:1px solid #ddd;
 text-align:left;vertical-align:top}
img{max-width:100%;height:auto}.widget-box{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}
.widget-box>*{flex:1 1 0;min-width:0;max-height:560px;overflow:auto}.note{color:#666;font-style:italic}
"""


def write_report(notebook: str | os.PathLike, target: str | os.PathLike | None = None) -> Path:
    """Write a self-contained HTML report of an executed notebook; return its path.

    The report goes beside the notebook (``NAME.html`` for ``NAME.ipynb``)
    unless ``target`` is given. It holds no script and requests nothing: see
    the module's docstring for how each kind of output is shown.

    Raises
    ------
    InputError
        The notebook cannot be read, is not a notebook, or is larger than
        ``MAX_NOTEBOOK_BYTES``.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_markdown_cell("# Hong Kong: $5 <script>")
    >>> nbformat.write(nbformat.v4.new_notebook(cells=[cell]), "hk.ipynb")
    >>> report = write_report("hk.ipynb")
    >>> report.name, "<h1>Hong Kong: $5 &lt;script&gt;</h1>" in report.read_text()
    ('hk.html', True)
    """
    path = Path(notebook)
    out = Path(target) if target is not None else path.with_suffix(".html")
    atomic_write(out, render(_read(path), title=path.stem))
    return out


def _read(path: Path) -> dict[str, Any]:
    """The notebook's JSON, read through a size check."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the notebook ({exc.strerror or exc}).") from None
    if len(raw) > MAX_NOTEBOOK_BYTES:
        msg = f"{path}: larger than {MAX_NOTEBOOK_BYTES:,} bytes; too large to report on."
        raise InputError(msg)
    try:
        nb = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError(f"{path}: not a notebook (not JSON: {exc}).") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise InputError(f"{path}: not a notebook (no list of cells).")
    return nb


def render(nb: Mapping[str, Any], *, title: str = "notebook") -> str:
    """The report's HTML for a notebook given as its JSON (a dict, as ``nbformat`` reads it).

    Examples
    --------
    >>> page = render({"cells": [{"cell_type": "markdown", "source": "# Hi $x$ <script>"}]})
    >>> "<h1>Hi $x$ &lt;script&gt;</h1>" in page, "<script" in page
    (True, False)
    """
    widgets = _widget_state(nb)
    parts = []
    heading = None
    for cell in nb.get("cells", []):
        if not isinstance(cell, Mapping):
            continue
        kind = cell.get("cell_type")
        source = _text(cell.get("source", ""))
        if kind == "markdown":
            heading = heading or _first_heading(source)
            parts.append(f'<section class="cell markdown">{markdown(source)}</section>')
        elif kind == "code":
            parts.append(_code_cell(cell, source, widgets))
    name = heading or title
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_shown(name)}</title>\n<style>{_PAGE_CSS}</style></head>\n"
        f"<body><main>\n{body}\n</main></body></html>\n"
    )


def markdown(text: str) -> str:
    """Markdown as safe HTML: raw HTML escaped, no math (``$`` stays), links only to http(s).

    Examples
    --------
    >>> markdown("[a](javascript:alert(1)) and [b](https://n.example/)")
    '<p>a and <a href="https://n.example/" rel="noopener noreferrer nofollow" target="_blank">b</a></p>'
    """
    if len(text) > MAX_OUTPUT_CHARS:
        return _note(f"Markdown of {len(text):,} characters: too long for the report.")
    return clean_html(_MARKDOWN(text)).strip()


class _Renderer(mistune.HTMLRenderer):
    """mistune's HTML: raw HTML as text, entities read once, links only to the web, no images."""

    def text(self, text: str) -> str:
        return safe_entity(text)  # "&lt;" shows "<", as CommonMark reads it; never a tag

    def inline_html(self, html: str) -> str:
        return escape_text(html)

    def block_html(self, html: str) -> str:
        return "<p>" + escape_text(html.strip()) + "</p>\n"

    def link(self, text: str, url: str, title: str | None = None) -> str:
        address = web_address(url)
        if address is None:
            return text
        return f'<a href="{_escape(address)}" rel="noopener noreferrer nofollow">{text}</a>'

    def image(self, text: str, url: str, title: str | None = None) -> str:
        return f"[image: {text}]" if text else "[image]"


_MARKDOWN = mistune.create_markdown(
    escape=True, renderer=_Renderer(escape=True), plugins=["table", "strikethrough"]
)


def clean_html(fragment: str) -> str:
    """HTML with only harmless elements and attributes left: no script, handler or load.

    Elements outside ``KEPT`` are unwrapped (their text stays) or, when they
    run or load something (``DROPPED``), removed with what they hold; only the
    attributes in ``ATTRIBUTES`` stay, links only to ``http(s)``, images only as
    ``data:`` PNG, JPEG or GIF, CSS only when it loads nothing.

    Examples
    --------
    >>> clean_html('<b onclick="x()">a</b><img src=x onerror=alert(1)><script>alert(1)</script>')
    '<b>a</b>'
    >>> clean_html('<a href="javascript:alert(1)">x</a> <a href="https://n.example/">y</a>')
    'x <a href="https://n.example/" rel="noopener noreferrer nofollow" target="_blank">y</a>'
    """
    if not fragment.strip():
        return ""
    if len(fragment) > MAX_OUTPUT_CHARS:
        return _note(f"HTML of {len(fragment):,} characters: too long for the report.")
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return f"<pre>{_escape(fragment)}</pre>"
    _clean(root)
    inner = (_escape(root.text) if root.text else "") + "".join(
        lxml_html.tostring(child, encoding="unicode", method="html") for child in root
    )
    # controls can stand only in text and attribute values here: shown, never obeyed
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", inner)


def _clean(root: Any) -> None:
    """Sanitise the tree under ``root`` in place (a tree this module parsed itself)."""
    # every node of the tree is in this list: unwrapping moves a node's children up, never
    # adds one; a node under one dropped before is worked on harmlessly, out of the tree
    for node in list(root.iter()):
        if node is root:
            continue
        if not isinstance(node.tag, str):  # comments, processing instructions, entities
            node.drop_tree()
            continue
        tag = node.tag.lower()
        if tag in DROPPED:
            node.drop_tree()
        elif tag not in KEPT:
            node.drop_tag()
        elif (tag == "style" and _UNSAFE_CSS.search(node.text_content() or "")) or (
            tag == "img" and not _IMAGE.match(node.get("src", ""))
        ):
            node.drop_tree()
        else:
            _attributes(node, tag)
            if tag == "a" and node.get("href") is None:  # no web address: its text only
                node.drop_tag()


def _attributes(node: Any, tag: str) -> None:
    """Keep the harmless attributes of a kept element; links to the web open in a new tab."""
    address = web_address(node.get("href", "")) if tag == "a" else None
    for name, value in list(node.attrib.items()):
        key = name.lower()
        keep = key in ATTRIBUTES or (key == "style" and not _UNSAFE_CSS.search(value))
        keep = keep or (key == "src" and tag == "img")  # checked by the caller
        if not keep:
            del node.attrib[name]
    if address is not None:
        node.set("href", address)
        node.set("rel", "noopener noreferrer nofollow")
        node.set("target", "_blank")


# -- cells and outputs -------------------------------------------------------------------------


def _code_cell(cell: Mapping[str, Any], source: str, widgets: Mapping[str, Any]) -> str:
    """A code cell: its code folded away (open it to read), then its outputs."""
    parts = ['<section class="cell code">']
    if source.strip():
        tags = (cell.get("metadata") or {}).get("tags") or []
        label = "parameters" if "injected-parameters" in tags or "parameters" in tags else "code"
        parts.append(
            f'<details class="code"><summary>{label}</summary>'
            f"<pre><code>{_shown(source)}</code></pre></details>"
        )
    for output in cell.get("outputs") or []:
        if isinstance(output, Mapping):
            parts.append(f'<div class="output">{output_html(output, widgets)}</div>')
    parts.append("</section>")
    return "".join(parts)


def output_html(output: Mapping[str, Any], widgets: Mapping[str, Any] | None = None) -> str:
    r"""One output of a code cell as static, safe HTML (see the module's docstring).

    Examples
    --------
    >>> output_html({"output_type": "stream", "name": "stdout", "text": "a <b>\x1b[31m\x1b]0;t\x07"})
    '<pre>a &lt;b&gt;\\x1b]0;t\\x07</pre>'
    """
    widgets = widgets or {}
    kind = output.get("output_type")
    if kind == "stream":
        name = "stderr" if output.get("name") == "stderr" else "stdout"
        shown = f"<pre>{_shown(_text(output.get('text', '')))}</pre>"
        return f'<div class="stderr">{shown}</div>' if name == "stderr" else shown
    if kind == "error":
        trace = "\n".join(_text(line) for line in output.get("traceback") or [])
        trace = trace or f"{_text(output.get('ename'))}: {_text(output.get('evalue'))}"
        return f'<div class="error"><pre>{_shown(trace)}</pre></div>'
    if kind in ("display_data", "execute_result"):
        data = output.get("data")
        return bundle_html(data if isinstance(data, Mapping) else {}, widgets)
    return ""


def bundle_html(
    data: Mapping[str, Any], widgets: Mapping[str, Any], walk: _Walk | None = None
) -> str:
    """The best static view of one output's representations (its mimetypes).

    In this order: ddj's static HTML of a view, a saved widget, an image (PNG,
    JPEG, GIF, SVG), a Vega-Lite chart, HTML, Markdown, LaTeX or plain text as
    text; else a note naming the mimetypes.
    """
    walk = walk or _Walk()
    for view in (_static, _widget_view, _picture, _markup):
        shown = view(data, widgets, walk)
        if shown is not None:
            return shown
    kinds = ", ".join(sorted(str(m) for m in data)) or "nothing"
    return _note(f"An output this report cannot show ({_escape(kinds)}).")


def _static(data: Mapping[str, Any], widgets: Mapping[str, Any], walk: _Walk) -> str | None:
    return clean_html(_text(data[STATIC_HTML_MIME])) if STATIC_HTML_MIME in data else None


def _widget_view(data: Mapping[str, Any], widgets: Mapping[str, Any], walk: _Walk) -> str | None:
    view = data.get(WIDGET_VIEW)
    if isinstance(view, Mapping) and isinstance(view.get("model_id"), str):
        return _widget(view["model_id"], widgets, walk)
    return None


def _picture(data: Mapping[str, Any], widgets: Mapping[str, Any], walk: _Walk) -> str | None:
    """An image, as a ``data:`` ``<img>`` (an SVG there runs no script and loads nothing)."""
    for mime in ("image/png", "image/jpeg", "image/gif"):
        shown = _image(mime, _text(data[mime])) if mime in data else None
        if shown:
            return shown
    if "image/svg+xml" in data:
        svg = _text(data["image/svg+xml"]).encode("utf-8")
        return _img("image/svg+xml", base64.b64encode(svg).decode("ascii"))
    for mime, spec in data.items():
        if re.fullmatch(r"application/vnd\.vegalite\.v\d+(\.\d+)?\+json", str(mime)):
            shown = _vegalite(spec)
            if shown:
                return shown
    return None


def _markup(data: Mapping[str, Any], widgets: Mapping[str, Any], walk: _Walk) -> str | None:
    if "text/html" in data:
        return clean_html(_text(data["text/html"]))
    if "text/markdown" in data:
        return markdown(_text(data["text/markdown"]))
    for mime in ("text/latex", "text/plain"):
        if mime in data:
            return f"<pre>{_shown(_text(data[mime]))}</pre>"
    return None


def _image(mime: str, payload: str) -> str | None:
    """A base64 image as an ``<img>``, when it decodes."""
    packed = re.sub(r"\s+", "", payload)
    try:
        base64.b64decode(packed, validate=True)
    except (binascii.Error, ValueError):
        return None
    return _img(mime, packed)


def _img(mime: str, packed: str) -> str:
    return f'<img alt="chart or image" src="data:{mime};base64,{packed}">'


def _vegalite(spec: Any) -> str | None:
    """A Vega-Lite chart drawn by vl-convert as SVG (no URL fetched), shown as an image."""
    import vl_convert as vlc  # a second's import; only when a chart needs it

    if not isinstance(spec, Mapping):
        return None
    try:
        svg = vlc.vegalite_to_svg(dict(spec), allowed_base_urls=[])
    except Exception:  # noqa: BLE001 - a spec vl-convert cannot draw: the next view is tried
        return None
    return _img("image/svg+xml", base64.b64encode(svg.encode("utf-8")).decode("ascii"))


# -- saved widgets -----------------------------------------------------------------------------


def _widget_state(nb: Mapping[str, Any]) -> dict[str, Any]:
    """The models of the widget state a notebook saved, by id ({} when none)."""
    saved = ((nb.get("metadata") or {}).get("widgets") or {}).get(WIDGET_STATE) or {}
    state = saved.get("state") if isinstance(saved, Mapping) else None
    return dict(state) if isinstance(state, Mapping) else {}


@dataclass
class _Walk:
    """Where a walk through saved widgets is: how deep, and which models it drew already."""

    depth: int = 0
    drawn: set[str] = field(default_factory=set)

    def down(self) -> _Walk:
        return _Walk(self.depth + 1, self.drawn)


def _widget(model_id: str, widgets: Mapping[str, Any], walk: _Walk) -> str | None:
    """A saved widget drawn statically: boxes, HTML, labels, progress bars, charts, outputs.

    Each model is drawn once an output, at most ``MAX_WIDGET_DEPTH`` deep: shared
    or circular children cannot multiply the work.
    """
    model = widgets.get(model_id)
    if walk.depth > MAX_WIDGET_DEPTH or model_id in walk.drawn or not isinstance(model, Mapping):
        return None
    walk.drawn.add(model_id)
    state = model.get("state") if isinstance(model.get("state"), Mapping) else {}
    name = str(model.get("model_name", ""))
    draw = _WIDGETS.get(name)
    if draw is not None:
        return draw(state, widgets, walk)
    if isinstance(state.get("spec"), Mapping):  # altair's JupyterChart: its Vega-Lite spec
        shown = _vegalite(state["spec"])
        if shown:
            return shown
    return _note(f"An interactive widget ({_escape(name)}): open the notebook to use it.")


def _box(state: Mapping[str, Any], widgets: Mapping[str, Any], walk: _Walk) -> str:
    shown = []
    for child in state.get("children") or []:
        if isinstance(child, str) and child.startswith("IPY_MODEL_"):
            part = _widget(child.removeprefix("IPY_MODEL_"), widgets, walk.down())
            shown.append(f"<div>{part}</div>" if part else "")
    return f'<div class="widget-box">{"".join(shown)}</div>'


def _progress(state: Mapping[str, Any], widgets: Mapping[str, Any], walk: _Walk) -> str:
    top, value = state.get("max"), state.get("value")
    if isinstance(top, int | float) and isinstance(value, int | float):
        return f'<progress max="{float(top)}" value="{float(value)}"></progress>'
    return ""


def _outputs(state: Mapping[str, Any], widgets: Mapping[str, Any], walk: _Walk) -> str:
    outputs = state.get("outputs") or []
    return "".join(
        bundle_html(o.get("data") or {}, widgets, walk.down())
        if isinstance(o.get("data"), Mapping)
        else output_html(o, {})
        for o in outputs
        if isinstance(o, Mapping)
    )


_WIDGETS = {
    **dict.fromkeys(("HBoxModel", "VBoxModel", "BoxModel", "GridBoxModel"), _box),
    **dict.fromkeys(("FloatProgressModel", "IntProgressModel"), _progress),
    **dict.fromkeys(
        ("HTMLModel", "HTMLMathModel"), lambda s, w, d: clean_html(_text(s.get("value", "")))
    ),
    **dict.fromkeys(
        ("LabelModel", "TextModel", "TextareaModel"),
        lambda s, w, d: f"<span>{_shown(_text(s.get('value', '')))}</span>",
    ),
    "OutputModel": _outputs,
}


# -- text ----------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A notebook's multiline string (a string or a list of lines) as one string."""
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable) and not isinstance(value, Mapping | bytes):
        return "".join(v for v in value if isinstance(v, str))
    return "" if value is None else str(value)


def _escape(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _shown(text: str) -> str:
    r"""Text for a ``<pre>``: terminal colours dropped, other controls shown as ``\xNN``, escaped."""
    text = _COLOURS.sub("", text)
    return _escape(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text))


def _note(text: str) -> str:
    return f'<p class="note">{text}</p>'


def _first_heading(source: str) -> str | None:
    for line in source.splitlines():
        if line.startswith("# "):
            return line[2:].strip() or None
    return None
