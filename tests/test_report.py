"""ddj.report: the HTML report of an executed notebook holds no script and requests nothing.

The browser half (the report and the notebook opened in Chromium and JupyterLab
on a hostile corpus) is tests/test_hostile_notebooks.py.
"""

import base64

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

import ddj
from ddj.cli import build_parser
from ddj.constants import STATIC_HTML_MIME
from ddj.errors import InputError
from ddj.report import (
    ATTRIBUTES,
    CSP,
    KEPT,
    bundle_html,
    clean_html,
    markdown,
    output_html,
    render,
    write_report,
)

#: Each sets ``window.__pwned`` (or loads something) if the report lets it run.
VECTORS = [
    "<img src=x onerror=\"window.__pwned='img'\">",
    "<script>window.__pwned='script'</script>",
    "<svg onload=\"window.__pwned='svg'\"><script>window.__pwned=1</script></svg>",
    "<a href=\"javascript:window.__pwned='a'\">click</a>",
    "<a href=\" jAvAsCrIpT:window.__pwned=1\">x</a><a href='java&#x09;script:x'>y</a>",
    '<iframe src="https://evil.example/"></iframe><object data=x></object><embed src=x>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    "<style>@import 'https://evil.example/x.css';body{background:url(https://evil.example/p)}</style>",
    "<div style=\"background:url('https://evil.example/p')\">bg</div>",
    "<link rel=stylesheet href=https://evil.example/s.css><meta http-equiv=refresh content='0;url=https://evil.example'>",
    "<base href=https://evil.example/><form action=https://evil.example><input autofocus onfocus=alert(1)></form>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<!--<img src=x onerror=alert(1)>--><template><img src=x onerror=alert(1)></template>",
    "<table><td background=https://evil.example/b.png>cell</td></table>",
    '<img src="https://evil.example/track.png"><img srcset="https://evil.example/a.png 2x" src="data:image/png;base64,iVBORw0KGgo=">',
    "<details open ontoggle=\"window.__pwned='details'\"><summary>s</summary></details>",
    "<p>$\\href{javascript:window.__pwned=1}{x}$ ``a`` </p>",
    '<video><source onerror="alert(1)"></video><audio src=x onerror=alert(1)>',
    "<xmp><img src=x onerror=alert(1)></xmp><plaintext><img src=x onerror=alert(1)>",
]


def _harmless(fragment: str) -> None:
    """Fails unless ``fragment`` (sanitised HTML) holds only kept elements and harmless attributes."""
    root = lxml_html.fragment_fromstring(fragment or "<span></span>", create_parent="div")
    for node in root.iter():
        if node is root:
            continue
        assert isinstance(node.tag, str), fragment  # no comments
        tag = node.tag.lower()
        assert tag in KEPT, (tag, fragment)
        for name, value in node.attrib.items():
            name = name.lower()
            assert not name.startswith("on"), fragment
            if name == "href":
                assert tag == "a" and value.startswith(("http://", "https://")), fragment
            elif name == "src":
                assert tag == "img" and value.startswith("data:image/"), fragment
            elif name == "style":
                assert "url(" not in value.lower(), fragment
            else:
                assert name in ATTRIBUTES | {"rel", "target"}, (name, fragment)
        if tag == "style":
            assert "url(" not in node.text_content() and "@import" not in node.text_content()


@pytest.mark.parametrize("vector", VECTORS)
def test_clean_html_leaves_nothing_that_runs_or_loads(vector):
    cleaned = clean_html(vector)
    _harmless(cleaned)
    assert (
        "evil.example" not in cleaned
    )  # nothing that loads from it is left, not even text of a tag


@pytest.mark.parametrize("vector", VECTORS)
def test_markdown_escapes_raw_html_and_typesets_no_math(vector):
    shown = markdown(
        f"# Title {vector}\n\n| a | `{vector}` |\n|---|---|\n| [x]({vector}) | ``x`` |"
    )
    _harmless(shown)
    assert "$" not in vector or "$" in shown  # a dollar stays a dollar: no math


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<",
                ">",
                "/",
                "=",
                '"',
                "'",
                " ",
                "img",
                "script",
                "svg",
                "a",
                "href",
                "src",
                "on",
                "onerror",
                "javascript:",
                "style",
                "url(",
                "x",
                "&#",
                "\x00",
                "\x1b",
                "<!--",
                "-->",
                "<![CDATA[",
                "]]>",
                "table",
                "td",
                "math",
                "noscript",
                "iframe",
                "data:",
                "`",
                "$",
            ]
        ),  # fmt: skip
        max_size=40,
    ).map("".join)
)
def test_clean_html_fuzz(fragment):
    _harmless(clean_html(fragment))


def test_links_only_to_the_web():
    shown = clean_html(
        '<a href="https://n.example/a?b=1&c=2">ok</a><a href="//n.example">p</a>'
        '<a href="data:text/html,x">d</a><a href="file:///etc/passwd">f</a>'
    )
    assert shown == (
        '<a href="https://n.example/a?b=1&amp;c=2" rel="noopener noreferrer nofollow" '
        'target="_blank">ok</a>pdf'
    )


def _png() -> str:
    import vl_convert as vlc

    spec = {"data": {"values": [{"a": 1}]}, "mark": "point", "encoding": {"x": {"field": "a"}}}
    return base64.b64encode(vlc.vegalite_to_png(spec)).decode()


def test_outputs_are_static():
    png = _png()
    assert output_html({"output_type": "display_data", "data": {"image/png": png}}).startswith(
        '<img alt="chart or image" src="data:image/png;base64,'
    )
    bad = output_html(
        {"output_type": "display_data", "data": {"image/png": "not base64!", "text/plain": "p"}}
    )
    assert bad == "<pre>p</pre>"  # an image that does not decode: the next view
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    shown = output_html({"output_type": "execute_result", "data": {"image/svg+xml": svg}})
    assert "<svg" not in shown and "data:image/svg+xml;base64," in shown  # an <img>: runs nothing
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json",
            "data": {"url": "https://evil.example/data.csv"}, "mark": "point"}  # fmt: skip
    drawn = output_html({"output_type": "display_data", "data": {
        "application/vnd.vegalite.v6+json": {"$schema": spec["$schema"], "data": {"values": [{"a": 1}]},
                                             "mark": "point", "encoding": {"x": {"field": "a"}}},
        "text/html": "<div id=vis></div><script src=https://cdn.example/vega.js></script>"}})  # fmt: skip
    assert drawn.startswith('<img alt="chart or image" src="data:image/svg+xml;base64,')
    # a chart whose data is on the web is not fetched: its other views are shown instead
    fetched = output_html({"output_type": "display_data", "data": {
        "application/vnd.vegalite.v6+json": spec, "text/plain": "chart"}})  # fmt: skip
    assert fetched == "<pre>chart</pre>"
    assert output_html({"output_type": "error", "ename": "E", "evalue": "v", "traceback": [
        "\x1b[31mValueError\x1b[0m: <b>\x1b]0;title\x07"]}) == (
        '<div class="error"><pre>ValueError: &lt;b&gt;\\x1b]0;title\\x07</pre></div>'
    )  # fmt: skip
    unknown = output_html({"output_type": "display_data", "data": {"application/x-thing": "x"}})
    assert unknown == '<p class="note">An output this report cannot show (application/x-thing).</p>'


def test_searchable_table_has_a_static_view():
    frame = ddj.demo_corpus(n=150)[["published", "outlet", "title"]]
    frame.loc[frame.index[0], "title"] = "<img src=x onerror=alert(1)> rally"
    view = ddj.display.table(frame)
    bundle = view._repr_mimebundle_()
    static = bundle[STATIC_HTML_MIME]
    assert "<script" not in static and "&lt;img src=x" in static
    assert static.count("</tr>") == 26  # a header and STATIC_ROWS rows
    assert f"First 25 of {len(frame)} rows shown; the notebook's table holds them all." in static
    shown = bundle_html({**bundle, "text/html": view.to_html()}, {})
    assert "<script" not in shown and "rally" in shown


def test_saved_widgets_are_drawn_from_their_state():
    spec = {
        "data": {"values": [{"a": 1}, {"a": 2}]},
        "mark": "point",
        "encoding": {"x": {"field": "a"}},
    }
    state = {
        "box": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_chart", "IPY_MODEL_list"]}},
        "chart": {"model_name": "AnyModel", "state": {"spec": spec, "_esm": "import x from 'https://cdn'"}},
        "list": {"model_name": "HTMLModel", "state": {"value": "<p>Click <img src=x onerror=alert(1)></p>"}},
        "bar": {"model_name": "FloatProgressModel", "state": {"max": 10, "value": 4}},
        "loop": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_loop"]}},
        "odd": {"model_name": "SliderModel", "state": {}},
    }  # fmt: skip
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": state}}
    view = {"model_id": None, "version_major": 2, "version_minor": 0}
    for model_id in state:
        out = nbformat.v4.new_output("display_data", data={
            "application/vnd.jupyter.widget-view+json": {**view, "model_id": model_id},
            "text/plain": f"{model_id} text"})  # fmt: skip
        nb.cells.append(nbformat.v4.new_code_cell("x", outputs=[out]))
    page = render(nb)
    box = page.split('<div class="output">')[1]
    assert box.startswith(
        '<div class="widget-box"><div><img alt="chart or image" src="data:image/svg'
    )
    assert "<p>Click </p>" in box and "onerror" not in box and "cdn" not in page
    assert '<progress max="10.0" value="4.0"></progress>' in page
    assert page.count("An interactive widget (SliderModel)") == 1
    assert "An interactive widget (VBoxModel)" not in page  # a model is drawn once: the loop ends
    # boxes whose two children are both the next box: 2**60 paths, each model drawn once
    chain = {f"b{i}": {"model_name": "HBoxModel", "state": {"children": [f"IPY_MODEL_b{i + 1}"] * 2}}
             for i in range(60)}  # fmt: skip
    chain["b60"] = {"model_name": "LabelModel", "state": {"value": "end"}}
    out = {"application/vnd.jupyter.widget-view+json": {"model_id": "b0"}}
    shown = bundle_html(out, chain)
    assert shown.count("<span>end</span>") == 0  # deeper than MAX_WIDGET_DEPTH
    assert shown.count('class="widget-box"') == 21  # depths 0 to 20, once each


def test_report_page(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Hong Kong <script>x</script> $\\href{javascript:x}{y}$"),
        nbformat.v4.new_code_cell("print('<b>')", metadata={"tags": ["injected-parameters"]},
                                  outputs=[nbformat.v4.new_output("stream", name="stdout", text="<b>\n")]),
    ]  # fmt: skip
    path = tmp_path / "run-1234.ipynb"
    nbformat.write(nb, path)
    written = write_report(path)
    assert written == tmp_path / "run-1234.html"
    page = written.read_text()
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page
    assert "script-src" not in CSP and "default-src 'none'" in CSP
    assert (
        "<title>Hong Kong &lt;script&gt;x&lt;/script&gt; $\\href{javascript:x}{y}$</title>" in page
    )
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
    assert "<summary>parameters</summary>" in page and "<pre>&lt;b&gt;\n</pre>" in page


def test_report_refuses_what_is_not_a_notebook(tmp_path):
    for text, why in (("{", "not JSON"), ("[1]", "no list of cells"), ("[" * 100_000, "not JSON")):
        (tmp_path / "x.ipynb").write_text(text)
        with pytest.raises(InputError, match=why):
            write_report(tmp_path / "x.ipynb")
    with pytest.raises(InputError, match="cannot read"):
        write_report(tmp_path / "missing.ipynb")


def test_cli_documents_html():
    parser = build_parser()
    run = parser._subparsers._group_actions[0].choices["run"]
    text = run.format_help()
    assert "--html" in text and "self-contained HTML report" in text and "--html" in run.epilog


def test_notebook_charts_carry_a_png_beside_svg_and_widget():
    """JupyterLab shows no SVG or widget of an untrusted notebook (any papermill wrote): a PNG does."""
    import warnings

    from ddj.charts import _svg_renderer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = ddj.demo_corpus(n=300)
        cov = ddj.coverage(corpus, ["hong_kong"], freq="M")
    drawn = _svg_renderer(ddj.chart(cov).to_dict())
    assert drawn["image/svg+xml"].startswith("<svg") and drawn["image/png"][:4] == b"\x89PNG"
    box = ddj.interactive.explorer(corpus, ["hong_kong"], cov)
    bundle = box._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["image/png"][:4] == b"\x89PNG"
