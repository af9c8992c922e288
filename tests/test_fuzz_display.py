"""Fuzz every path that puts text into a notebook's HTML or Markdown (ddj.display, ddj.interactive,
the notebook header): hostile index and column names, cells, outlets, titles, addresses, queries,
topic labels, notes and parameters.

What must hold, read from the output as a browser (lxml) or a Markdown renderer (mistune, which
nbconvert uses) reads it:

- no element comes from the input: every element is one the view writes, and the text of each
  cell reads back as the value it shows;
- no event handler, and every link is ``http`` or ``https``;
- no TeX for MathJax (JupyterLab typesets HTML and Markdown outputs): every ``$`` or ``\\`` in
  text is alone in its own ``<span>``, or inside ``<code>``/``<pre>``, which MathJax skips;
- no code span ends early: a parameter's value reads back whole from its ``<code>``.
"""

from __future__ import annotations

import json
import re
import warnings
from unittest import mock

import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import assume, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from lxml import html as lxml_html  # noqa: E402

import ddj  # noqa: E402
from ddj import display, escaping, interactive, notebooks  # noqa: E402

mistune = pytest.importorskip("mistune")

#: Pieces that break out of HTML, Markdown, code spans, TeX or links when left as they are.
HOSTILE = [
    "<img src=x onerror=alert(1)>", "<script>alert(1)</script>", '"><svg onload=alert(1)>',
    "<a href=\"https://evil.example\">x</a>", "<span>", "</span>", "<mark>", "</td></tr></table>",
    "$\\href{javascript:alert(1)}{x}$", "$$x$$", "$", "\\(x\\)", "\\[x\\]", "\\begin{align}x\\end{align}",
    "\\", "`", "``", "```", "**", "__", "*x*", "_x_", "[x](javascript:alert(1))",
    "![x](https://evil.example/x.png)", "<https://evil.example>", "&lt;b&gt;", "&#60;", "&", "| x |",
    "|", "# h", "- li", "> q", "1. x", "~~s~~", "javascript:alert(1)", " JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>", "@@0@@", "{{x}}", "<!--", "-->", "]]>", "'", '"',
]  # fmt: skip
ALPHABET = "abcXY ,.;:/=+-!?@%~^'\"<>&$\\`*_[](){}#|"
TEXT = st.lists(
    st.one_of(st.sampled_from(HOSTILE), st.text(alphabet=ALPHABET, max_size=6)), max_size=5
).map("".join)
NAME = TEXT.filter(bool)
URL = st.one_of(
    st.sampled_from(
        [
            "javascript:alert(1)",
            " JaVaScRiPt:alert(1)",
            "JAVASCRIPT:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "file:///etc/passwd",
            "//evil.example/x",
            "https:evil.example",
            "https:///nohost",
            'https://ok.example/a?b=1&c="2"',
            "HTTPS://OK.example/$x$",
            "http://ok.example/<x>",
            "https://ok.example/\u202ex",
            "",
        ]
    ),  # fmt: skip
    TEXT,
)

#: The elements the views write themselves; the itables loader adds its logo (svg) and scripts.
VIEW_TAGS = {
    "html", "body", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "style", "span",
    "a", "mark", "small", "br", "p", "b", "i", "pre", "div", "sup", "noscript", "code", "ul", "li",
    "strong", "em",
}  # fmt: skip
SVG_TAGS = {"svg", "g", "path", "rect", "animate", "circle", "polyline", "polygon"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "data"}
TEX = re.compile(r"[$\\]")


def inert(markup: str, *, scripts: int = 0):
    """Check ``markup`` as a browser parses it; return its root element."""
    root = lxml_html.document_fromstring(f"<html><body>{markup}</body></html>")
    found = 0
    for el in root.iter():
        if not isinstance(el.tag, str):  # a comment
            continue
        tag = el.tag.lower()
        if tag == "script":
            found += 1
        elif list(el.iterancestors("svg")) or tag == "svg":
            assert scripts and tag in SVG_TAGS, tag  # the itables logo, only there
        else:
            assert tag in VIEW_TAGS, (tag, markup)
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (tag, name)
            if name.lower() in URL_ATTRIBUTES:
                assert value.lower().startswith(("http://", "https://")), (tag, name, value)
        _no_tex(el)
    assert found == scripts, markup
    return root


def _no_tex(el) -> None:
    """Every ``$`` and ``\\`` in text alone in a span of its own, or in code MathJax skips."""
    skipped = {"script", "style", "code", "pre"}
    inside = {a.tag for a in el.iterancestors()} | {el.tag}
    if el.text and TEX.search(el.text) and not inside & skipped:
        assert el.tag == "span" and len(el) == 0 and el.text in ("$", "\\"), el.text
    parent_inside = {a.tag for a in el.iterancestors()}
    if el.tail and TEX.search(el.tail) and not parent_inside & skipped:
        raise AssertionError(f"TeX in text: {el.tail!r}")


def texts(root, tags=("th", "td")) -> list[str]:
    return [el.text_content() for el in root.iter(*tags)]


def markdown_html(text: str) -> str:
    """Markdown as nbconvert's renderer (mistune, HTML passed through) turns it into HTML."""
    return mistune.create_markdown(escape=False, plugins=["table", "strikethrough"])(text)


def shown(value: str) -> str:
    """How a Markdown view shows a value: on one line, runs of whitespace as one space."""
    return " ".join(value.split())


@pytest.fixture(scope="module")
def corpus():
    rows = [
        {"url": f"https://n.example/{i}", "published": f"2024-0{1 + i % 3}-1{i}", "title": "Court hears",
         "outlet": f"Outlet {i % 2}", "text": "The court hears the case."}
        for i in range(6)
    ]  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ddj.corpus.conform(rows)


def _displayed(view) -> list:
    """What ``view._ipython_display_`` shows, captured instead of displayed."""
    import IPython.display

    shown_objects: list = []
    with mock.patch.object(IPython.display, "display", lambda *objs: shown_objects.extend(objs)):
        view._ipython_display_()
    return shown_objects


# -- tables ----------------------------------------------------------------------------------------


@given(NAME, NAME, NAME, TEXT, TEXT, st.one_of(st.none(), TEXT), st.booleans())
@settings(max_examples=40)
def test_table_shows_names_labels_and_cells_as_text(
    first, second, index_name, cell, label, caption, multi
):
    second = f"{second} 2"  # two columns of two names
    frame = pd.DataFrame(
        {first: [cell, "plain"], second: [1, 2]}, index=pd.Index([label, "x"], name=index_name)
    )
    frame.columns.name = second + "!"
    if multi:
        frame = frame.set_index(first, append=True)
        frame.columns = pd.MultiIndex.from_tuples([(second, first)], names=[index_name, None])
    root = inert(display.table(frame, caption=caption, searchable=False).to_html())
    cells = texts(root, ("th", "td", "caption"))
    for value in (index_name, label, cell, first, second):
        assert value in cells or value.strip() == "" and "\xa0" in cells, (value, cells)
    if caption:
        assert caption in cells
    if not multi:
        assert second + "!" in cells


@given(NAME, NAME, TEXT, TEXT, st.one_of(st.none(), NAME))
@settings(max_examples=25)
def test_searchable_table_shows_names_and_cells_as_text(first, index_name, cell, label, caption):
    frame = pd.DataFrame(
        {first: [cell, "plain"], "n": [1, 2]}, index=pd.Index([label, "x"], name=index_name)
    )
    page = display.table(frame, caption=caption, searchable=True).to_html()
    inert(page, scripts=2)
    args = json.loads(re.search(r"let dt_args = (\{.*?\});\n", page, re.S).group(1))
    rows = json.loads(args["data_json"])
    for row in rows:
        for value in row:
            inert(value)
    first_row = [inert(v).text_content().strip() for v in rows[0][:2]]
    assert first_row == [label.strip(), cell.strip()]  # a parser keeps no cell of spaces alone
    header = texts(inert(args["table_html"]))
    header = [h.replace("\xa0", " ").strip() for h in header[:2]]  # itables keeps runs of spaces
    assert header == [index_name.strip(), first.strip()]
    if caption:
        assert (
            lxml_html.fragment_fromstring(args["caption"], create_parent="p").text_content()
            == caption
        )


# -- hits in context, links, the clickable chart's listing -------------------------------------------


@given(TEXT, TEXT, URL, TEXT, TEXT, TEXT, TEXT, st.booleans())
@settings(max_examples=40)
def test_kwic_shows_every_text_as_text_and_links_only_to_the_web(
    outlet, title, url, before, matched, after, field, searchable
):
    hits = pd.DataFrame({
        "published": pd.to_datetime(["2024-01-02"], utc=True), "outlet": [outlet], "url": [url],
        "title": [title], "before": [before], "matched": [matched], "after": [after], "field": [field],
    })  # fmt: skip
    view = display.kwic(hits, searchable=searchable)
    page = view.to_html()
    if searchable:
        inert(page, scripts=2)
        args = json.loads(re.search(r"let dt_args = (\{.*?\});\n", page, re.S).group(1))
        cells = json.loads(args["data_json"])[0]
    else:
        cells = []
    roots = [inert(c) for c in cells] or list(inert(page).iter("td"))
    # a parser keeps no text of spaces alone, pandas writes runs of spaces as &nbsp;: compared so
    outlet_text, title_text, context_text, field_text = (
        r.text_content().replace("\xa0", " ") for r in roots[1:5]
    )
    assert outlet_text.strip() == outlet.strip() and field_text.strip() == field.strip()
    assert matched.strip() in context_text
    want = title or "(no title)"
    want = want if len(want) <= display.MAX_TITLE else want[: display.MAX_TITLE - 1] + "…"
    assert title_text.strip() == want.strip()
    links = [a.get("href") for a in roots[2].iter("a")]
    assert links == ([escaping.web_address(url)] if escaping.web_address(url) else [])


@given(TEXT, URL, TEXT, TEXT, TEXT)
@settings(max_examples=30)
def test_the_clickable_charts_listing_shows_every_text_as_text(title, url, outlet, label, when):
    rows = [{"url": url, "published": "2024-01-05", "title": title, "outlet": outlet,
             "text": "The court hears it."}]  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = ddj.corpus.conform(rows)
    topic = ddj.resolve(["court"])[0]
    root = inert(interactive.listed(found, topic, when, label))
    head = root.find(".//p").text_content()
    assert head.startswith(f"{label}, {when}: ")
    cells = texts(root, ("td",))
    assert escaping.plain(found["outlet"].iloc[0]) in cells
    for a in root.iter("a"):
        assert a.get("href") == escaping.web_address(found["url"].iloc[0])


# -- Markdown: notes, health, query summaries, the notebook header ----------------------------------


@given(st.lists(TEXT.filter(str.strip), min_size=1, max_size=3), NAME.filter(str.strip))
@settings(max_examples=30)
def test_about_note_shows_messages_and_page_types_as_text(corpus, messages, kind):
    notes = display.Notes()
    notes.messages.extend(messages)
    data = corpus.assign(page_type=[kind, *["article"] * (len(corpus) - 1)])
    note = display.about(data, notes)
    root = inert(markdown_html(note._repr_markdown_()))
    items = texts(root, ("li",))
    assert items == [shown(m) for m in messages]
    assert f"({shown(kind)} 1;" in root.text_content()


@pytest.fixture(scope="module")
def health(corpus):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ddj.health(corpus, freq="M")


@given(st.lists(TEXT, min_size=1, max_size=3))
@settings(max_examples=20)
def test_health_view_summary_shows_as_text(health, lines):
    table = health.copy()
    table.attrs["summary"] = "\n".join(lines)
    markdown = [
        o for o in _displayed(display.health_view(table)) if isinstance(o, display.Markdown)
    ]
    root = inert(markdown_html(markdown[0]._repr_markdown_()))
    paragraphs = [p.text_content() for p in root.iter("p")]
    assert paragraphs == [shown(line) for line in lines if line.split()]


@given(TEXT.filter(str.strip))
@settings(max_examples=30)
def test_a_query_and_its_error_show_as_text(corpus, query):
    with mock.patch.object(interactive, "explorer", lambda *a, **k: None):
        try:
            objects = _displayed(interactive.search(corpus, query))
        except ddj.ParameterError:  # a bare word names a topic: an unknown one is refused
            assume(False)
    first = objects[0]
    if isinstance(first, display.Markdown):
        root = inert(markdown_html(first._repr_markdown_()))
        assert root.text_content().strip().endswith(f"for {shown(query)}")
    else:  # the syntax error, as HTML text in a <pre>
        root = inert(first.data)
        assert query.strip() in root.text_content() or "position" in root.text_content()
    for other in objects[1:]:
        if other is not None:
            inert(other.to_html(), scripts=2 if "dt_args" in other.to_html() else 0)


@given(
    st.dictionaries(
        NAME.filter(lambda s: s.strip()), st.one_of(TEXT, st.lists(TEXT, max_size=3)), max_size=4
    )
)
@example(params={"\\| x |": "a\\|b"})  # a backslash before a pipe split the row
@settings(max_examples=40)
def test_the_notebook_header_shows_every_parameter_whole(corpus, params):
    markdown = notebooks.header(params, corpus)
    root = inert(markdown_html(markdown))
    rows = root.findall(".//tbody/tr")
    assert len(rows) == len(params)  # no value made a row or ended the table
    for row, (name, value) in zip(rows, params.items(), strict=True):
        codes = [c.text_content() for c in row.iter("code")]
        assert codes == [shown(name), shown(repr(value))]


# -- the helpers themselves ------------------------------------------------------------------------


@given(TEXT)
@settings(max_examples=200)
def test_html_and_markdown_text_read_back_as_written(text):
    assert inert(f"<p>{escaping.html_text(text)}</p>").text_content() == text
    assert inert(markdown_html(escaping.markdown_text(text))).text_content().strip() == shown(text)
    span = escaping.code_span(text)
    (code,) = inert(markdown_html(span)).iter("code")
    assert code.text_content() == (shown(text) or " ")


#: What a Markdown reader would act on beyond HOSTILE: autolinks (GFM's http://, www., e-mail),
#: a heading's closing #s, ordered-list and definition starts, setext lines, GitHub's ~x~, entities.
READERS_ACT_ON = [
    "see https://evil.example/x", "HTTP://EVIL.example", "ftp://evil.example", "www.evil.example/a",
    "WWW.evil.example", "mail a@evil.example", "xmpp:a@evil.example", "<a@evil.example>", "Topic ##",
    "1) x", "2. x", ": def", "===", "---", "***", "+ x", "~x~", "&copy;", "&#x3C;b&#x3E;", "a_b_c",
    "_a_b", "a*b*c", "#tag", "#1 in the charts", "> q", "#", "###### h", "-- x", "==", "+", ": x", "12345) x",
]  # fmt: skip
#: Ordinary news text, which no reader acts on: written as it is.
ORDINARY = [
    "U.S. officials met in Hong Kong's Victoria Park (again) on 1.5.2024!",
    'Dr. Smith, 42, said: "It\'s a 3-2 win - at 7:30 p.m. & then?"',
    "snake_case_name AT&T 5 < 7 > 3 2 + 2 = 4 50% #1 C# e.g. a.b/c",
    "1.5% of U.S. voters, -5 degrees",
    "2024: a year",
    "+3 points",
]
#: A value's places in ddj's Markdown: a paragraph, a list item, a heading, bold, a table cell.
PLACES = ["{}", "- {}", "# Method: {}", "**{}**", "| a |\n| --- |\n| {} |"]


def _readers():
    """nbconvert's renderer as it renders a notebook's Markdown, and GitHub's (cmark-gfm)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    cmarkgfm = pytest.importorskip("cmarkgfm")
    unsafe = cmarkgfm.cmark.Options.CMARK_OPT_UNSAFE  # raw HTML passed through, as a CMS may

    return {
        "nbconvert": markdown2html_mistune,
        "github": lambda text: cmarkgfm.github_flavored_markdown_to_html(text, options=unsafe),
    }


@pytest.mark.parametrize("text", ORDINARY)
def test_markdown_text_leaves_ordinary_punctuation_as_written(text):
    assert escaping.markdown_text(text, in_table=False) == text  # U.S., not U\\.S\\.
    assert escaping.markdown_text("a | b", in_table=False) == "a | b"
    assert escaping.markdown_text("a | b") == "a &#124; b"  # a table cell's end, where it lands


@given(
    st.lists(st.sampled_from(HOSTILE + READERS_ACT_ON + ORDINARY), min_size=1, max_size=4)
    .map(" ".join)
    .filter(str.strip),
    st.sampled_from(PLACES),
)
@example(text="mail a@evil.example", place="{}")  # GitHub linked a@b\\.example
@settings(max_examples=150)
def test_markdown_text_is_text_in_every_reader_and_place(text, place):
    """Only the elements of the place around it; the value reads back whole; no TeX."""
    written = place.format(escaping.markdown_text(text, in_table=place.startswith("|")))
    around = {"{}": {"p"}, "- {}": {"ul", "li"}, "# Method: {}": {"h1"}, "**{}**": {"p", "strong"}}
    allowed = around.get(place, {"table", "thead", "tbody", "tr", "th", "td"})
    for name, render in _readers().items():
        root = lxml_html.document_fromstring(f"<html><body>{render(written)}</body></html>")
        for anchor in root.xpath("//h1/a[@class='anchor-link']"):  # nbconvert's own ¶ link
            anchor.drop_tree()
        for el in root.iter():
            assert el.tag in {"html", "body", "span", *allowed}, (name, el.tag, written)
            assert set(el.attrib) <= {"id"}, (name, el.tag, el.attrib, written)  # a heading's
            _no_tex(el)
        shown_in = root.findall(".//td")[-1] if "td" in allowed else root.find(".//body")
        prefix = "Method: " if place.startswith("#") else ""
        assert shown_in.text_content().strip() == prefix + shown(text), (name, written)


@given(URL)
@settings(max_examples=200)
def test_only_web_addresses_become_links(url):
    address = escaping.web_address(url)
    if address is not None:
        assert address.lower().startswith(("http://", "https://"))
    link = inert(escaping.html_link(url, "x"))
    assert [a.get("href") for a in link.iter("a")] == ([address] if address else [])
