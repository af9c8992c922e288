import csv
import json
import re
import struct
from html.parser import HTMLParser

import pandas as pd
import pytest
from lxml import etree

import ddj
from ddj.embed import embed_bundle, script_safe
from ddj.publishing import describe, publish, publishable, wide
from tests.test_charts import cov_frame

HOSTILE = ["<img src=x onerror=alert(1)>", "</script><script>window.__pwned=1</script>"]
#: Text that would run, break out of its context or stop a renderer if it went in unescaped.
PAYLOADS = [
    "Coverage of `Hong Kong` ${alert(1)}",
    "</script><script>window.__pwned=1</script>",
    "<img src=x onerror=window.__pwned=2>",
    '"><svg onload=window.__pwned=3>',
    "line\u2028and\u2029paragraph",
    "]]><!-- <script>window.__pwned=4</script>",
    "</text><script>window.__pwned=5</script>",
]
#: Controls, separators, non-characters and a lone surrogate: every one stopped a renderer.
CONTROLS = "".join(
    map(chr, [0, 1, 9, 10, 13, 0x1F, 0x7F, 0x85, 0x2028, 0x2029, 0xFFFE, 0xFFFF, 0xD800])
)
KINDS = ("line", "small-multiples", "heatmap", "area")
TITLE = " ".join(PAYLOADS) + CONTROLS


def hostile_frame() -> pd.DataFrame:
    """Coverage by outlet whose labels, outlets and headlines are all payloads and controls."""
    frame = cov_frame(n=8, outlets=["A", "B"])
    frame = frame.astype({"label": object, "outlet": object, "examples": object})  # can hold U+D800
    outlets = {"A": PAYLOADS[2], "B": PAYLOADS[3] + CONTROLS}
    labels = {"hong_kong": PAYLOADS[0] + CONTROLS, "ukraine": PAYLOADS[1]}
    for col, values in (
        ("outlet", [outlets[o] for o in frame["outlet"]]),
        ("label", [labels[t] for t in frame["topic"]]),
        ("examples", [" | ".join([*PAYLOADS, CONTROLS])] * len(frame)),
    ):
        frame[col] = pd.Series(values, index=frame.index, dtype=object)
    return frame


def hostile_bundle(kind: str, out) -> dict:
    """Publish a hostile chart of one kind (title, subtitle, source and an event are payloads too)."""
    frame = hostile_frame()
    events = pd.DataFrame(
        {"date": ["2024-10-14"], "label": pd.Series([PAYLOADS[5] + CONTROLS], dtype=object)}
    )
    chart = ddj.chart(
        frame, kind=kind, metric="articles" if kind == "area" else "share", title=TITLE,
        subtitle=PAYLOADS[4], source=PAYLOADS[6], events=None if kind == "heatmap" else events,
    )  # fmt: skip
    return publish(chart, out, f"hostile-{kind}", data=frame)


class Page(HTMLParser):
    """What a browser's tokenizer sees: elements, attributes, and the text of each."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict, str]] = []
        self._open: list[int] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), ""))
        self._open.append(len(self.elements) - 1)

    def handle_endtag(self, tag):
        while self._open:
            if self.elements[self._open.pop()][0] == tag:
                break

    def handle_data(self, data):
        if self._open:
            tag, attrs, text = self.elements[self._open[-1]]
            self.elements[self._open[-1]] = (tag, attrs, text + data)

    def all(self, tag: str) -> list[tuple[dict, str]]:
        return [(attrs, text) for t, attrs, text in self.elements if t == tag]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    frame = cov_frame(n=8, demo=True, total=100)  # shares on enough articles to quote
    frame.loc[frame.index[3], "examples"] = " | ".join(HOSTILE)
    frame.loc[frame["topic"] == "ukraine", "label"] = "香港 and Ukraine"
    out = tmp_path_factory.mktemp("pub")
    paths = publish(ddj.chart(frame, title="Coverage of 香港"), out, "coverage-test", data=frame)
    return frame, out, paths


def test_every_file_written(bundle):
    frame, out, paths = bundle
    assert set(paths) == {
        "html", "embed", "svg", "png", "spec", "csv", "datawrapper", "alt_text", "method",
        "method_md",
    }  # fmt: skip
    assert all(
        p.exists() and p.stat().st_size > 0 and p.parent == out.resolve() for p in paths.values()
    )
    assert sorted(p.name for p in out.iterdir()) == sorted(
        p.name for p in paths.values()
    )  # no temp files left


def test_html_is_self_contained_and_safe(bundle):
    _, _, paths = bundle
    page = paths["html"].read_text()
    assert '<script src="http' not in page and "cdn.jsdelivr" not in page
    assert (
        "</script><script>window.__pwned" not in page
    )  # the hostile headline cannot close the tag
    assert page.count("<script") == page.count("</script>")
    assert 'role="img"' in page and "aria-label=" in page


def test_png_is_2x(bundle):
    _, _, paths = bundle
    data = paths["png"].read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    spec = json.loads(paths["spec"].read_text())
    svg = re.search(r'<svg[^>]* width="(\d+)" height="(\d+)"', paths["svg"].read_text())
    assert (width, height) == (2 * int(svg[1]), 2 * int(svg[2]))  # retina: twice the SVG's size
    assert width >= 2 * 640
    assert spec["description"] == paths["alt_text"].read_text().strip()


def test_svg_has_cjk_text(bundle):
    _, _, paths = bundle
    svg = paths["svg"].read_text()
    assert svg.startswith("<svg") and "香港" in svg


def test_csvs(bundle):
    frame, _, paths = bundle
    tidy = pd.read_csv(paths["csv"])
    assert len(tidy) == len(frame) and tidy["period"].iloc[0] == "2024-09-30"
    wide_csv = pd.read_csv(paths["datawrapper"])
    assert list(wide_csv.columns) == ["date", "Hong Kong", "香港 and Ukraine"]
    assert len(wide_csv) == 8 and wide_csv["Hong Kong"].iloc[1] == 10.0  # percentages


def test_alt_text_generated(bundle):
    _, _, paths = bundle
    text = paths["alt_text"].read_text()
    assert text.startswith("Coverage of 香港. Line chart of Hong Kong")
    assert "peaked at" in text and "Synthetic demo data" in text


@pytest.mark.parametrize("slug", ["../evil", "a/b", "", "UPPER", "x" * 100, ".hidden", "sp ace"])
def test_unsafe_slugs_rejected(tmp_path, slug):
    with pytest.raises(ddj.ParameterError, match="not a safe file name"):
        publish(ddj.chart(cov_frame()), tmp_path, slug)
    assert not any(tmp_path.iterdir())


def test_wide_by_outlet():
    w = wide(cov_frame(outlets=["A", "B"], topics=("t",)))
    assert list(w.columns) == ["date", "T - A", "T - B"]


def test_given_alt_text_and_no_data(tmp_path):
    paths = publish(ddj.chart(cov_frame()), tmp_path, "x", alt_text="A chart of two topics.")
    assert paths["alt_text"].read_text().strip() == "A chart of two topics."
    assert "csv" in paths  # data taken from the chart itself


# -- hostile text, every chart kind ----------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    return {
        kind: hostile_bundle(kind, out) for kind in KINDS
    }  # controls no longer abort vl-convert


@pytest.mark.parametrize("kind", KINDS)
def test_hostile_page_has_only_ddjs_scripts_and_the_real_title(hostile, kind):
    paths = hostile[kind]
    page = Page(paths["html"].read_text(encoding="utf-8"))
    assert [t for _, t in page.all("title")] == [publishable(TITLE)]  # escaped, exactly once
    scripts = page.all("script")
    assert [a.get("id") for a, _ in scripts] == [
        "ddj-spec", "ddj-embed-options", "ddj-page", None, None
    ]  # fmt: skip
    assert scripts[3][1] == script_safe(embed_bundle())  # the bundle, not a byte changed
    spec = json.loads(scripts[0][1])
    assert spec["usermeta"]["ddj"]["title"] == publishable(TITLE)  # whole: page title, alt text
    assert [t for _, t in page.all("h1")] == [publishable(TITLE)]  # the headline, as text
    foot = spec["usermeta"]["ddj"]["foot"]
    plain = [t for a, t in page.all("p") if not a.get("class")]
    assert foot and plain[: len(foot)] == foot  # the source and the notes, as text
    happened = [t for a, t in page.all("p") if a.get("class") == "ddj-events"]
    if "facet" in spec or kind == "heatmap":  # panels scale with their labels; a heatmap has none
        assert not happened
    else:  # the event's label, as text, for frames too narrow to label the lines
        assert happened and happened[0].startswith("Dotted lines: " + publishable(PAYLOADS[5]))
        labels = [m for m in _marks(spec) if m.get("type") == "text" and "dx" in m]
        assert labels and all("containerSize()[0] < 600" in m["opacity"]["expr"] for m in labels)
    drawn = json.loads(paths["spec"].read_text(encoding="utf-8"))  # the SVG's spec: drawn wrapped
    assert " ".join(drawn["title"]["text"]) == " ".join(publishable(TITLE).split())
    assert json.loads(scripts[1][1]) == {"actions": False, "renderer": "svg", "mode": "vega-lite"}
    (vis,) = [a for a, _ in page.all("div") if a.get("id") == "vis"]
    assert vis["aria-label"] == paths["alt_text"].read_text(encoding="utf-8").strip()
    assert not page.all("img") and not page.all("svg")  # no payload became an element
    assert not [a for _, a, _ in page.elements for k in a if k.startswith("on")]
    snippet = Page(paths["embed"].read_text(encoding="utf-8"))  # title and alt text in attributes
    assert [t for t, _, _ in snippet.elements] == ["div", "iframe", "script", "noscript", "img"]
    assert snippet.all("iframe")[0][0]["title"] == publishable(TITLE)
    assert not [a for _, a, _ in snippet.elements for k in a if k.startswith("on")]


def test_page_cannot_be_left_by_script_text():
    assert script_safe("a='</script>'; b=/<!--/; c='</SCRIPT'") == (
        "a='\\x3C/script>'; b=/\\x3C!--/; c='\\x3C/SCRIPT'"
    )
    bundle = embed_bundle()
    assert not re.search(r"</script|<!--", script_safe(bundle), re.I)


@pytest.mark.parametrize("kind", KINDS)
def test_hostile_svg_holds_text_only(hostile, kind):
    svg = etree.fromstring(hostile[kind]["svg"].read_bytes())  # well-formed XML
    tags = {etree.QName(e).localname for e in svg.iter() if isinstance(e.tag, str)}
    assert not tags & {"script", "foreignObject", "iframe", "img", "image", "a", "use"}
    assert not [
        k
        for e in svg.iter()
        if isinstance(e.tag, str)
        for k in e.attrib
        if k.lower().startswith("on")
    ]
    assert PAYLOADS[1] in "".join(svg.itertext())  # the hostile title is there, as text
    assert hostile[kind]["png"].read_bytes()[:4] == b"\x89PNG"


def test_publishable_text():
    assert publishable("a\x00b\u2028c\u2029d\x7fe\ud800f\uffff") == "a b c d e\ufffdf "
    assert (
        publishable(PAYLOADS[0]) == PAYLOADS[0]
    )  # markup and backticks are the outputs' to escape
    assert publishable("香港 – ok") == "香港 – ok"


# -- spreadsheets ----------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://x.example","click")', "+1+2", "-3+4", "@SUM(A1)", "\tx", "\rx"]


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_spreadsheet_csvs_neutralise_formulas(tmp_path):
    frame = cov_frame(n=4, topics=[f"t{i}" for i in range(len(FORMULAS))])
    frame["label"] = frame["topic"].map(
        dict(zip(sorted(set(frame["topic"])), FORMULAS, strict=True))
    )
    frame["examples"] = "=cmd|' /C calc'!A0 | ok"
    frame["change"] = -frame["share"] - 0.5  # a column of negative numbers stays numbers
    paths = publish(ddj.chart(frame), tmp_path, "formulas", data=frame)
    for name in ("csv", "datawrapper"):
        rows = _rows(paths[name])
        assert len(rows) == 1 + (len(frame) if name == "csv" else 4)  # a CR in a cell is quoted
        for cell in (cell for row in rows for cell in row):
            numeric = re.fullmatch(r"-?\d+(\.\d+)?", cell)
            assert numeric or not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)
    tidy = pd.read_csv(paths["csv"], keep_default_na=False)
    assert set(tidy["label"]) == {"'" + f for f in FORMULAS}
    assert tidy["examples"].iloc[0] == "'=cmd|' /C calc'!A0 | ok"
    assert pd.api.types.is_float_dtype(tidy["change"]) and (tidy["change"] < 0).all()
    wide_csv = pd.read_csv(paths["datawrapper"])
    assert set(wide_csv.columns) == {"date", *("'" + f for f in FORMULAS)}
    assert all(pd.api.types.is_numeric_dtype(wide_csv[c]) for c in wide_csv.columns if c != "date")
    assert frame["label"].tolist()[0] == FORMULAS[0]  # the frame given is not changed


def test_save_keeps_a_formula_like_title_exact(tmp_path):
    corpus = ddj.corpus.conform(
        [
            {
                "url": "https://x.example/a",
                "title": "=1+1 and -2",
                "published": "2024-10-01",
                "text": "t",
            }
        ]
    )
    path = ddj.save(corpus, tmp_path / "corpus.csv")
    assert ddj.load(path)["title"].tolist() == [
        "=1+1 and -2"
    ]  # data stays data; only charts' CSVs neutralise


# -- alt text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "opening", "measure"),
    [
        ("line", "Line chart of Hong Kong, Ukraine as a share", "peaked at 40.0%"),
        ("small-multiples", "Small multiples of line charts of Hong Kong, Ukraine", "peaked at"),
        ("heatmap", "Heatmap of Hong Kong, Ukraine as a share", "peaked at"),
        (
            "area",
            "Stacked area chart of Hong Kong, Ukraine articles per week",
            "peaked at 4 articles",
        ),
    ],
)
def test_alt_text_names_the_chart_kind(kind, opening, measure):
    total = 10 if kind == "area" else 100  # a share is quoted on 30 or more articles in all
    frame = cov_frame(outlets=["A", "B"] if kind == "small-multiples" else None, total=total)
    chart = ddj.chart(frame, kind=kind, metric="articles" if kind == "area" else "share", title="T")
    text = describe(chart, frame)
    assert text.startswith(f"T. {opening}") and measure in text


# -- where files go --------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["coverage\n", "a\tb", "caf\u00e9", "x.y", "a\x00"])
def test_slug_with_a_trailing_newline_or_odd_character_refused(tmp_path, slug):
    with pytest.raises(ddj.ParameterError, match="not a safe file name"):
        publish(ddj.chart(cov_frame()), tmp_path, slug)
    assert not any(tmp_path.iterdir())


def test_out_dir_that_is_a_file_is_a_ddj_error(tmp_path):
    blocker = tmp_path / "chart.html"
    blocker.write_text("not a folder")
    with pytest.raises(ddj.ParameterError, match=re.escape(f"{blocker}' is a file, not a folder")):
        publish(ddj.chart(cov_frame()), blocker, "x")
    with pytest.raises(ddj.ParameterError, match=re.escape(f"is under {blocker}, which is a file")):
        publish(ddj.chart(cov_frame()), blocker / "sub", "x")
    assert blocker.read_text() == "not a folder"


def test_publish_cuts_long_labels_in_every_file_and_counts_them(tmp_path):
    from ddj.limits import MAX_LABEL_CHARS

    frame = cov_frame(n=8)
    frame["label"] = frame["label"].where(frame["topic"] != "hong_kong", "L" * 500_000)
    with pytest.warns(ddj.DroppedRowsWarning) as caught:
        paths = publish(ddj.chart(frame), tmp_path, "long", data=frame)
    assert [str(w.message)[:30] for w in caught] == [
        "The chart cut 1 label to fit: ",
        "publish() cut 1 label to fit: ",
    ]
    for kind in ("csv", "datawrapper", "alt_text", "spec", "html"):
        text = paths[kind].read_text(encoding="utf-8")
        assert (
            "L" * (MAX_LABEL_CHARS - 1) + "…" in text and "L" * (MAX_LABEL_CHARS + 1) not in text
        ), kind
    assert frame["label"].str.len().max() == 500_000  # the frame given is not changed


# -- issue 23: long-tail outlets in the Datawrapper table, figures on too few articles -------


def test_datawrapper_table_keeps_the_largest_outlets_and_sums_the_rest():
    from tests.test_charts import long_tail

    table = wide(long_tail())
    series = [c for c in table.columns if c != "date"]
    assert series == [f"T - Outlet {i:02d}" for i in range(8)] + ["T - Other outlets"]
    assert (table["T - Other outlets"] == 100.0).all()  # 32 of 32 tail articles, as a percentage


def test_figures_never_quote_a_share_on_too_few_articles():
    from tests.test_charts import long_tail

    figures = ddj.publishing.quotable(ddj.summary(long_tail()))
    tail = figures[figures["outlet"] == "Outlet 39"].iloc[0]
    assert pd.isna(tail["peak_share"]) and pd.isna(tail["latest_share_low"])
    assert tail["peak_note"].startswith("too few articles to quote a share")
    big = figures[figures["outlet"] == "Outlet 00"].iloc[0]
    assert big["peak_share"] == pytest.approx(23 / 200) and big["peak_note"] == ""


def test_a_long_title_is_drawn_whole_in_svg_and_html(tmp_path):
    long = "Hong Kong, Ukraine war, Taiwan and Cyberespionage: share of all articles over time"
    paths = publish(ddj.chart(cov_frame(), title=long, width=400), tmp_path, "t")
    svg = paths["svg"].read_text()
    width = float(re.search(r'<svg[^>]*width="([\d.]+)"', svg).group(1))
    spec = json.loads(paths["spec"].read_text())
    heads = spec["title"]["text"]
    assert isinstance(heads, list) and all(line in svg for line in heads)
    assert width < 520  # the title never widens the drawing past the chart (400 + axes)
    assert (
        json.dumps(heads)[1:-1] in paths["html"].read_text()
        or heads[0] in paths["html"].read_text()
    )


def _marks(spec: dict) -> list[dict]:
    """Every mark (as a dict) in a spec's layers."""
    found = []
    for layer in spec.get("layer") or []:
        if isinstance(layer.get("mark"), dict):
            found.append(layer["mark"])
        found += _marks(layer)
    return found


# -- the embed snippets, the data link, the dark theme ----------------------------------------

#: amp-iframe's rules, from AMP's own page for it (amp.dev, amp-iframe 0.1) and AMP HTML's:
#: layouts it supports; width and height for a responsive layout; https or data: source only;
#: a resizable frame needs a child with the ``overflow`` attribute; sandbox tokens an iframe
#: knows; no <script>, <iframe>, <img> or on* handler in AMP markup (amp-img for images).
AMP_LAYOUTS = {"fill", "fixed", "fixed-height", "flex-item", "intrinsic", "nodisplay", "responsive"}
SANDBOX = {"allow-forms", "allow-modals", "allow-popups", "allow-popups-to-escape-sandbox",
           "allow-same-origin", "allow-scripts", "allow-top-navigation", "allow-downloads",
           "allow-top-navigation-by-user-activation", "allow-presentation"}  # fmt: skip


def amp_problems(markup: str) -> list[str]:
    """What breaks amp-iframe's rules in ``markup``; empty when it is valid."""
    page = Page(markup)
    problems = [
        f"<{t}> is not allowed in AMP"
        for t, _, _ in page.elements
        if t in ("script", "iframe", "img")
    ]
    problems += [f"{k} on <{t}>" for t, a, _ in page.elements for k in a if k.startswith("on")]
    frames = page.all("amp-iframe")
    if len(frames) != 1:
        return [*problems, f"{len(frames)} amp-iframe elements"]
    (attrs, _), index = frames[0], [t for t, _, _ in page.elements].index("amp-iframe")
    children = page.elements[index + 1 :]
    src = attrs.get("src") or ""
    if not src.startswith(("https://", "data:")):
        problems.append(f"src {src!r} is not https")
    layout = attrs.get("layout", "")
    if layout not in AMP_LAYOUTS:
        problems.append(f"layout {layout!r}")
    if layout == "responsive":
        for side in ("width", "height"):
            if not (attrs.get(side) or "").isdigit() or int(attrs[side]) <= 0:
                problems.append(f"responsive needs a whole {side}")
    if "resizable" in attrs and not any("overflow" in a for _, a, _ in children):
        problems.append("resizable without an overflow element")
    unknown = set((attrs.get("sandbox") or "").split()) - SANDBOX
    if unknown or "sandbox" not in attrs:
        problems.append(f"sandbox {attrs.get('sandbox')!r}")
    if attrs.get("frameborder", "0") not in ("0", "1"):
        problems.append("frameborder")
    problems += [
        "<amp-img> without alt or layout"
        for t, a, _ in children
        if t == "amp-img" and not (a.get("alt") and a.get("layout"))
    ]
    return problems


URL = "https://news.example/charts/emb.html"


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    frame = cov_frame(n=6)
    out = tmp_path_factory.mktemp("embed")
    chart = ddj.chart(frame, title="Hong Kong <and> Ukraine")
    return frame, publish(chart, out, "emb", data=frame, url=URL)


def test_snippet_is_an_iframe_that_takes_only_its_own_bounded_height(embedded):
    _, paths = embedded
    assert {"embed", "amp"} <= set(paths)
    snippet = paths["embed"].read_text(encoding="utf-8")
    page = Page(snippet)
    ((frame, _),) = page.all("iframe")
    assert frame["src"] == URL and frame["scrolling"] == "no"
    assert frame["title"] == "Hong Kong <and> Ukraine"
    ((img, _),) = page.all("img")  # the <noscript> picture
    assert img["src"] == "https://news.example/charts/emb.png"
    assert img["alt"] == paths["alt_text"].read_text(encoding="utf-8").strip()
    ((_, script),) = page.all("script")
    assert "e.source !== frame.contentWindow" in script and "e.origin !== origin" in script
    assert f"Math.min({ddj.embed.MAX_HEIGHT}, Math.max({ddj.embed.MIN_HEIGHT}" in script
    assert "'datawrapper-height'" in script and "pymxPYMx" in script


def test_amp_snippet_keeps_amp_iframes_rules(embedded):
    _, paths = embedded
    amp = paths["amp"].read_text(encoding="utf-8")
    assert amp_problems(amp) == []
    attrs = Page(amp).all("amp-iframe")[0][0]
    assert "resizable" in attrs and attrs["layout"] == "responsive" and attrs["src"] == URL
    broken = {
        "no overflow": re.sub(r"<div overflow[^>]*>.*?</div>", "", amp),
        "http": amp.replace("https://", "http://"),
        "no height": amp.replace('height="520"', ""),
        "img": amp.replace("<amp-img", "<img"),
        "script": amp + "<script>alert(1)</script>",
        "sandbox": amp.replace("allow-scripts", "allow-everything"),
    }
    for what, markup in broken.items():
        assert amp_problems(markup), what  # the checks catch each broken rule


def test_a_bad_url_is_refused_before_anything_is_written(tmp_path):
    chart = ddj.chart(cov_frame(n=4))
    for url in ["javascript:alert(1)", "news.example/x.html", "https://", "https://a.example/\n"]:
        with pytest.raises(ddj.ParameterError, match="url="):
            publish(chart, tmp_path, "x", url=url)
        assert not any(tmp_path.iterdir()), url


def test_get_the_data_links_the_csv_or_holds_it(embedded, tmp_path):
    frame, paths = embedded
    page = Page(paths["html"].read_text(encoding="utf-8"))
    ((link, text),) = page.all("a")
    assert (link["href"], link["download"], text) == ("emb.csv", "emb.csv", "Get the data")
    one = publish(ddj.chart(frame), tmp_path, "one", data=frame, single_file=True)
    assert "amp" not in one  # no https address, no AMP snippet
    ((link, _),) = Page(one["html"].read_text(encoding="utf-8")).all("a")
    prefix = "data:text/csv;charset=utf-8,"
    assert link["href"].startswith(prefix) and link["download"] == "one.csv"
    from urllib.parse import unquote

    assert unquote(link["href"][len(prefix) :]) == one["csv"].read_bytes().decode()
    with pytest.raises(ddj.ParameterError, match="single_file"):
        publish(ddj.chart(frame), tmp_path, "two", single_file="yes")


def test_theme_text_and_lines_keep_contrast_light_and_dark():
    from ddj import constants as c
    from ddj.theme import DARK, LINK, contrast, dark_config

    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # WebAIM's grey
    assert contrast("#0072B2", "#121212") == pytest.approx(3.61, abs=0.01)  # by hand, WCAG 2.2
    text_and_lines = (c.INK, c.SOFT_INK, c.MUTED, c.RULE, LINK)
    assert min(contrast(x, c.PAPER) for x in text_and_lines) >= 4.5
    assert min(contrast(DARK[x], DARK[c.PAPER]) for x in text_and_lines) >= 4.5
    changed = [x for x in c.PALETTE if DARK.get(x, x) != x]
    assert changed == ["#000000"]  # only Okabe-Ito's black, 1.1:1 on the dark paper
    assert contrast("#000000", DARK[c.PAPER]) < 3
    assert min(contrast(DARK.get(x, x), DARK[c.PAPER]) for x in c.PALETTE) >= 3
    dark = dark_config()["config"]
    assert dark["background"] == DARK[c.PAPER] and dark["axis"]["labelColor"] == DARK[c.MUTED]
    assert dark["range"]["category"][:7] == c.PALETTE[:7]  # each topic keeps its colour
