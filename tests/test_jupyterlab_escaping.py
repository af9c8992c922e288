"""JupyterLab for real: text from a corpus in ddj's views and Markdown is shown, never typeset or run.

JupyterLab typesets TeX with MathJax in Markdown *and* HTML outputs. One notebook holds the
outputs of ddj's views built on hostile text, and, first, the same text left raw (the control:
MathJax must typeset it there, or the test proves nothing). Headless Chromium opens it.
"""

from __future__ import annotations

import time

import nbformat
import pandas as pd

import ddj
from ddj import display, notebooks
from tests.test_jupyterlab import TOKEN, _wait_accepting_kernel_dialogs, lab  # noqa: F401

#: TeX in each of MathJax's delimiters, an element with a handler, and a code span breakout.
TEX = r"$\href{https://e.example}{x}$ $$y$$ \(z\) \[w\] \begin{align}v\end{align}"
RUNS = "<img src=x onerror=\"document.title='pwned'\">"
#: What JupyterLab's Markdown reader (marked, GFM) would act on, each escaped only there, and plain text.
MARKS = [
    "see https://e.example/x, www.e.example and a@e.example", "*em* _em_ **b** ~~s~~ ~x~ `c` a_b_c",
    "<b>bold</b> &copy; &#x3C;i&#x3E;", "[x](https://e.example) ![i](https://e.example/i.png)",
    "# h", "- li", "1. li", "> q", "U.S. officials: Hong Kong's 1.5% rise, -5 degrees (a-b)",
]  # fmt: skip


def _views(corpus: pd.DataFrame) -> list[dict]:
    """The outputs ddj's views give for hostile text, as a notebook stores them."""
    frame = pd.DataFrame(
        {TEX: [TEX + RUNS, "plain"], "n": [1, 2]}, index=pd.Index([TEX, "x"], name=TEX + RUNS)
    )
    hits = pd.DataFrame({
        "published": pd.to_datetime(["2024-01-02"], utc=True), "outlet": [TEX], "url": ["javascript:alert(1)"],
        "title": [TEX + RUNS], "before": [TEX], "matched": [TEX], "after": [TEX], "field": [TEX],
    })  # fmt: skip
    notes = display.Notes()
    notes.messages.append(TEX + RUNS)
    about = display.about(corpus.assign(page_type=TEX), notes)
    header = notebooks.header({"query": TEX + " `` x", "title": TEX, "pipe": "a\\|b | c"}, corpus)
    return [
        {"text/html": display.table(frame).to_html()},
        {"text/html": display.kwic(hits).to_html()},
        {"text/markdown": about._repr_markdown_()},
        {"text/markdown": header},
    ]


def _cell(outputs: list[dict]):
    cell = nbformat.v4.new_code_cell("shown")
    cell.outputs = [nbformat.v4.new_output("display_data", data=data) for data in outputs]
    return cell


def test_views_of_hostile_text_are_neither_typeset_nor_run(lab, browser, tmp_path):  # noqa: F811
    corpus = ddj.corpus.conform(
        [{"url": "https://n.example/1", "published": "2024-01-02", "title": "T"}]
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        _cell([{"text/markdown": TEX}, {"text/html": f"<p>{TEX}</p>"}]),  # the control
        nbformat.v4.new_markdown_cell(display.text.escape_markdown(TEX)),
        _cell(_views(corpus)),
        nbformat.v4.new_markdown_cell("\n\n".join(display.text.escape_markdown(m) for m in MARKS)),
    ]
    nbformat.write(nb, tmp_path / "work" / "escaped.ipynb")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{lab}/lab/tree/escaped.ipynb?token={TOKEN}")
    assert _wait_accepting_kernel_dialogs(page, ".jp-Cell .jp-OutputArea-output", 120)
    cells = page.locator(".jp-Notebook .jp-Cell")
    deadline = time.time() + 60
    while time.time() < deadline and not cells.nth(0).locator("mjx-container").count():
        time.sleep(0.5)
    assert cells.nth(0).locator("mjx-container").count() >= 5  # MathJax runs in this page
    time.sleep(2)  # and has had time to typeset the rest, were there TeX to find
    for i in (1, 2):
        assert cells.nth(i).locator("mjx-container").count() == 0, i
    shown = cells.nth(2).inner_text()
    assert "$\\href{https://e.example}{x}$" in shown and "\\begin{align}v\\end{align}" in shown
    assert RUNS in shown  # as text: the element was never made
    assert TEX in cells.nth(1).inner_text()
    assert page.title() != "pwned" and not cells.nth(2).locator("img").count()
    rows = cells.nth(2).locator(".jp-RenderedMarkdown table").last.locator("tbody tr")
    assert rows.count() == 3 and rows.nth(2).locator("td").count() == 2  # no row split
    assert rows.nth(2).locator("td").nth(1).inner_text() == "'a\\\\|b | c'"
    hrefs = cells.nth(2).locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert all(h.startswith(("http://", "https://")) for h in hrefs if h is not None), hrefs
    # marked (GFM) makes no element of the escaped marks: no link, emphasis, heading, list or quote
    marks = cells.nth(3).locator(".jp-RenderedMarkdown")
    made = marks.locator("a, em, strong, del, code, img, h1, h2, li, blockquote, b, i")
    assert made.count() == 0, made.evaluate_all("els => els.map(e => e.outerHTML)")
    assert marks.locator("p").all_inner_texts() == MARKS  # each shown as written
