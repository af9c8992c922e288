"""Fuzzing publish: any text as title, topic label, outlet or headline stays inert and publishes.

Two properties on bounded inputs (see the hypothesis profile in conftest.py):

- the page ``publish`` writes, built from any text (markup, quotes, backticks, controls, U+2028,
  lone surrogates) in any chart kind, holds exactly ddj's four scripts and elements, its one
  ``<title>`` is the chart's title, and the spec JSON in its data block reads back to that title
  (many examples: this builds the page with ``ddj.embed.page``, as ``publish`` does, without drawing);
- a full ``publish`` of such a chart (SVG, PNG, CSVs, drawn by vl-convert) succeeds, the SVG is
  well-formed XML with no script, and no CSV cell can start a formula (few examples: ~0.5 s each).
"""

from __future__ import annotations

import csv
import json
import re

import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from lxml import etree  # noqa: E402

import ddj  # noqa: E402
from ddj.embed import page as html_page  # noqa: E402
from ddj.embed import title as spec_title  # noqa: E402
from ddj.publishing import publishable, publishable_spec  # noqa: E402
from tests.test_charts import cov_frame  # noqa: E402
from tests.test_publishing import KINDS, Page  # noqa: E402

PIECES = ["<", ">", "&", '"', "'", "`", "${", "}", "\\", "/", "</script>", "<!--", "]]>", "-->",
          "<script>", "=", "+", "-", "@", "\t", "\r", "\n", "\u2028", "\u2029", "\x00", "\ud800",
          "\ufffe", "香港", "é", " "]  # fmt: skip
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.characters()), max_size=40).map("".join)
#: Only the page template's own elements may appear: its head, then a <p> a foot line and the
#: "Get the data" link, then its five scripts.
TEMPLATE = ["html", "head", "meta", "meta", "meta", "title", "style", "body", "main"]
TEMPLATE += ["header", "h1", "p", "div", "footer"]
SCRIPTS = ["script"] * 5


def hostile_chart(kind: str, title: str, label: str, outlet: str, headline: str):
    frame = cov_frame(n=5, outlets=["A", "B"])
    frame = frame.astype({"label": object, "outlet": object, "examples": object})
    for col, value, where in (
        ("label", label, frame["topic"] == "ukraine"),
        ("outlet", outlet, frame["outlet"] == "B"),
        ("examples", headline, frame.index == 2),
    ):
        frame[col] = pd.Series(
            [value if w else v for v, w in zip(frame[col], where, strict=True)],
            index=frame.index,
            dtype=object,
        )
    metric = "articles" if kind == "area" else "share"
    return ddj.chart(frame, kind=kind, metric=metric, title=title), frame


def expected_title(title: str, spec: dict) -> str:
    return publishable(title) if title else spec_title(spec)


def drawn(text) -> str:
    """A drawn title as one text: its lines (a title wrapped to the chart width) joined, spaces as one."""
    return " ".join(" ".join(text if isinstance(text, list) else [text]).split())


@given(st.sampled_from(KINDS), TEXT, TEXT, TEXT, TEXT)
@settings(max_examples=25)
def test_page_from_any_text_holds_only_ddjs_scripts(kind, title, label, outlet, headline):
    chart, _ = hostile_chart(kind, title, label, outlet, headline)
    spec = publishable_spec({**chart.to_dict(), "description": headline})
    text = html_page(spec, spec["description"], slug="fuzz", csv="fuzz.csv")
    page = Page(text)
    tags = [tag for tag, _, _ in page.elements]
    foot = spec["usermeta"]["ddj"]["foot"]
    # no text became an element: the template's, a <p> a foot line, the link, the scripts
    assert tags == TEMPLATE + ["p"] * len(foot) + ["p", "a"] + SCRIPTS
    assert len(re.findall("<script", text, re.I)) == 5
    scripts = page.all("script")
    assert [a.get("id") for a, _ in scripts] == [
        "ddj-spec", "ddj-embed-options", "ddj-page", None, None
    ]  # fmt: skip
    want = expected_title(title, spec)
    assert [t for _, t in page.all("title")] == [want]  # escaped, exactly once
    assert [drawn(t) for _, t in page.all("h1")] == [drawn(want)]  # the headline, as text
    plain = [t for a, t in page.all("p") if not a.get("class")]
    assert plain[: len(foot)] == foot  # the foot lines, as text
    drawn_spec = json.loads(scripts[0][1])
    assert drawn_spec["datasets"] == spec["datasets"]  # the data block reads back
    (div,) = [a for a, _ in page.all("div")]
    assert div["aria-label"] == publishable(headline)


@given(st.sampled_from(KINDS), TEXT, TEXT, TEXT, TEXT)
@settings(max_examples=8)
def test_publish_of_any_text_succeeds(tmp_path_factory, kind, title, label, outlet, headline):
    chart, frame = hostile_chart(kind, title, label, outlet, headline)
    paths = ddj.publish(chart, tmp_path_factory.mktemp("fuzz"), "fuzz", data=frame)
    svg = etree.fromstring(paths["svg"].read_bytes())
    assert not [e for e in svg.iter() if isinstance(e.tag, str) and "script" in e.tag.lower()]
    spec = json.loads(paths["spec"].read_text(encoding="utf-8"))
    assert drawn(spec["title"]["text"]) == drawn(expected_title(title, spec))
    assert [t for _, t in Page(paths["html"].read_text(encoding="utf-8")).all("title")] == [
        expected_title(title, spec)
    ]
    for name in ("csv", "datawrapper"):
        with open(paths[name], newline="", encoding="utf-8") as fh:
            for cell in (c for row in csv.reader(fh) for c in row):
                numeric = re.fullmatch(r"-?\d+(\.\d+)?", cell)
                assert numeric or not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
