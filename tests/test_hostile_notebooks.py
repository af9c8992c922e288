"""The executed notebooks of a hostile corpus, in a real browser: nothing runs, nothing leaves.

A corpus whose titles, outlets, texts and addresses (and the run's parameters)
try to run script, typeset math, break out of Markdown code spans or move the
terminal is run through ``ddj run coverage|explore --html``. Each executed
notebook is then opened in JupyterLab in headless Chromium, and each HTML report
straight from its file: no injected code runs, no request leaves 127.0.0.1 (the
report requests nothing at all), and the charts are there.

With ``DDJ_LAB_SHOTS=DIR`` the screenshots of what a person sees are kept there.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pandas as pd
import pytest

from ddj.cli import main
from tests.browsers import need_chromium
from tests.test_jupyterlab import TOKEN, _wait_accepting_kernel_dialogs, lab_server

#: What each payload sets when it runs: ``window.__pwned`` (and the page's title, for some).
PAYLOADS = {
    "img": "<img src=x onerror=\"window.__pwned='img';document.title='pwned-img'\">",
    "script": "<script>window.__pwned='script';document.title='pwned-script'</script>",
    "math": "$\\href{javascript:window.__pwned='math'}{click me}$",
    "ticks": "``x`` <img src=x onerror=\"window.__pwned='ticks'\"> ``",
    "esc": "\x1b]0;pwned-esc\x07\x1b[2J",
    "link": "[click](javascript:window.__pwned='link')",
}
TITLE_PARAM = "Hong Kong " + PAYLOADS["img"] + " " + PAYLOADS["math"] + " " + PAYLOADS["ticks"]
QUERY_PARAM = (
    '"hong kong" OR "``x`` $\\href{javascript:window.__pwned=1}{x}$ <img src=x onerror=alert(1)>"'
)


def _corpus(path: Path) -> None:
    rows = []
    for i in range(120):
        topical = i % 3 == 0
        outlet = ("script", "img", "math")[i % 3]
        rows.append({
            "url": f"https://paper{i % 3}.example/{i}" if i % 7 else "javascript:window.__pwned='url'",
            "date": f"2024-{1 + i % 6:02d}-{1 + i % 27:02d}",
            "title": ("Hong Kong court hears case " + PAYLOADS["img"] + PAYLOADS["math"]) if topical
            else "Council news " + PAYLOADS["ticks"] + PAYLOADS["link"],
            "source_title": f"Paper {i % 3} " + PAYLOADS[outlet],
            "text": ("Hong Kong court hears case. " + PAYLOADS["script"] + PAYLOADS["esc"] + PAYLOADS["ticks"])
            if topical else "Council news today. " + PAYLOADS["math"] + PAYLOADS["link"],
        })  # fmt: skip
    pd.DataFrame(rows).to_csv(path, index=False)


def _run(*argv: str) -> tuple[Path, Path]:
    """``ddj run ... --html``; the executed notebook and its report."""
    assert main(["run", *argv, "--html"]) == 0
    out = Path(argv[argv.index("--out") + 1])
    (notebook,) = out.glob("*-*.ipynb")
    return notebook, notebook.with_suffix(".html")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Both notebooks run on the hostile corpus, once for the module."""
    need_chromium()
    work = tmp_path_factory.mktemp("hostile-notebooks")
    _corpus(work / "articles.csv")
    cov = _run("coverage", "-p", "corpus", str(work / "articles.csv"), "-p", "topics", "hong_kong",
               "-p", "freq", "M", "-p", "events", "null", "-p", "title", TITLE_PARAM,
               "--out", str(work / "cov"))  # fmt: skip
    explore = _run("explore", "-p", "corpus", str(work / "articles.csv"), "-p", "topic", "hong_kong",
                   "-p", "freq", "M", "-p", "query", QUERY_PARAM, "--out", str(work / "explore"))  # fmt: skip
    return work, {"coverage": cov, "explore": explore}


class Watched:
    """A page recording its dialogs, errors and every request that is not ``allowed``."""

    def __init__(self, browser, allowed):
        self.page = browser.new_page(viewport={"width": 1300, "height": 1000})
        self.requests, self.dialogs, self.errors = [], [], []
        self.allowed = allowed
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if self.allowed(url):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def ran(self) -> list[str]:
        """What shows that injected code ran (empty when nothing did)."""
        found = []
        pwned = self.page.evaluate(
            "typeof window.__pwned === 'undefined' ? null : String(window.__pwned)"
        )
        if pwned is not None:
            found.append(f"window.__pwned = {pwned}")
        if "pwned" in self.page.title():
            found.append(f"title {self.page.title()!r}")
        found += [f"dialog {m!r}" for m in self.dialogs]
        # a link that would run script when clicked is as bad as one that ran
        for href in self.page.eval_on_selector_all(
            "a[href], [*|href]",
            "els => els.map(e => e.getAttribute('href') || e.getAttribute('xlink:href'))",
        ):
            if href and re.sub(r"[\s\x00-\x1f]", "", href).lower().startswith(
                ("javascript:", "data:text")
            ):
                found.append(f"link to {href!r}")
        if self.page.locator("img[src='x']").count():
            found.append("an <img src=x> element (an injected tag)")
        return found


def _shot(page, name: str, element=None) -> None:
    folder = os.environ.get("DDJ_LAB_SHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    if element is not None:
        element.scroll_into_view_if_needed()
        page.wait_for_timeout(200)
        element.screenshot(path=str(Path(folder) / name))
    else:
        page.screenshot(path=str(Path(folder) / name))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["coverage", "explore"])
def test_report_runs_nothing_requests_nothing_and_shows_the_charts(runs, browser, name):
    _, done = runs
    notebook, report = done[name]
    source = report.read_text(encoding="utf-8")
    assert "<script" not in source.lower() and "Content-Security-Policy" in source
    url = report.as_uri()
    page = Watched(browser, lambda u: u == url or u.startswith("data:"))
    page.page.goto(url)
    assert page.ran() == []
    assert page.requests == [], page.requests  # nothing but the file itself
    assert page.errors == [], page.errors
    assert page.page.title() in ("Coverage of topics over time", "Explore a corpus")
    # every chart is an <img> that decoded: coverage's chart; explore's health chart, the
    # clickable chart (from its saved widget), the outlets' small multiples and the query's chart
    charts = page.page.locator("img[src^='data:image/']")
    assert charts.count() == {"coverage": 1, "explore": 4}[name]
    sizes = charts.evaluate_all("els => els.map(e => [e.naturalWidth, e.naturalHeight])")
    assert all(w > 200 and h > 100 for w, h in sizes), sizes
    text = page.page.inner_text("body")
    assert "<img src=x onerror=" in text  # the hostile titles are there, as text
    assert re.search(r"\$\\+href\{javascript:", text)  # a dollar is a dollar: no math typeset
    assert "\x1b" not in source  # a terminal escape is shown as \x1b, never written raw
    if name == "explore":
        assert page.page.locator("table mark").count() >= 10  # hits in context: the static table
    for i in range(charts.count()):
        _shot(page.page, f"report-{name}-chart{i}.png", charts.nth(i))
    _shot(page.page, f"report-{name}.png")
    page.page.close()


@pytest.fixture(scope="module")
def lab(runs, tmp_path_factory):
    work, _ = runs
    with lab_server(work, tmp_path_factory.mktemp("lab-home")) as base:
        yield base


OUT = ".jp-OutputArea-output"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["coverage", "explore"])
def test_executed_notebook_in_jupyterlab_runs_nothing_and_shows_the_charts(
    runs, lab, browser, name
):
    work, done = runs
    notebook, _ = done[name]
    page = Watched(browser, lambda u: u.startswith(("http://127.0.0.1:", "data:", "blob:")))
    page.page.goto(f"{lab}/lab/tree/{notebook.relative_to(work).as_posix()}?token={TOKEN}")
    # the first output may be drawn zero pixels high (itables' set-up is an empty <div>)
    shown_output = page.page.locator(f".jp-Notebook .jp-Cell {OUT}").filter(visible=True)
    shown_output.first.wait_for(timeout=90_000)
    _wait_accepting_kernel_dialogs(page.page, ".jp-StatusBar-TextItem:has-text('| Idle')", 60)
    deadline = time.time() + 20  # MathJax typesets after the outputs show: give it its time
    while (
        time.time() < deadline
        and not page.page.locator(".jp-RenderedMarkdown mjx-container").count()
    ):
        page.page.wait_for_timeout(500)
    page.page.wait_for_timeout(1500)
    # the charts: SVG or PNG outputs, and explore's clickable chart (a widget, restored or not)
    charts = page.page.locator(
        ".jp-OutputArea .jp-RenderedSVG svg, .jp-OutputArea .jp-RenderedSVG img, "
        ".jp-OutputArea .jp-RenderedImage img, .jp-OutputArea .vega-embed svg"
    ).filter(visible=True)
    shown = charts.count()
    for i in range(shown):
        _shot(page.page, f"lab-{name}-chart{i}.png", charts.nth(i))
    _shot(page.page, f"lab-{name}.png")
    header = page.page.locator(f"{OUT} .jp-RenderedMarkdown").first
    if header.count():
        _shot(page.page, f"lab-{name}-header.png", header)
    found = {
        "ran": page.ran(),
        "requests": page.requests,  # nothing leaves 127.0.0.1
        # a corpus's or a parameter's "$...$" typeset by MathJax (ddj's own outputs hold no math)
        "typeset": page.page.eval_on_selector_all(
            ".jp-OutputArea mjx-container",
            "els => els.map(e => e.closest('.jp-OutputArea-output').getAttribute('data-mime-type')"
            " + ': ' + (e.closest('td, th, p, li, h1, h2, h3') || e).textContent.slice(0, 60))",
        ),
        "charts": shown,
        "text": page.page.locator(".jp-Notebook").filter(visible=True).first.inner_text(),
        "tables": page.page.locator(f"{OUT} table").filter(visible=True).count(),
    }
    page.page.close()
    assert found["ran"] == [] and found["requests"] == [], found
    assert found["typeset"] == [], sorted(set(found["typeset"]))
    # untrusted, as every executed notebook opens: every chart output drawn, no text stand-in
    assert found["charts"] == _charts_in(notebook) >= {"coverage": 1, "explore": 3}[name], found
    for stand_in in ("trusted?", "IPython.core.display", "alt.Chart(", "Loading ITables"):
        assert stand_in not in found["text"], stand_in
    assert found["tables"] >= _tables_in(notebook), found["tables"]


def _outputs(notebook: Path) -> list[dict]:
    import nbformat

    cells = nbformat.read(notebook, as_version=4).cells
    return [o.get("data", {}) for c in cells if c.cell_type == "code" for o in c.outputs]


def _charts_in(notebook: Path) -> int:
    """The chart outputs the executed notebook holds (a PNG or an SVG each)."""
    return sum(1 for data in _outputs(notebook) if {"image/png", "image/svg+xml"} & set(data))


def _tables_in(notebook: Path) -> int:
    """The table outputs the executed notebook holds (ddj.display.table's HTML)."""
    return sum(1 for data in _outputs(notebook) if "<table" in str(data.get("text/html", "")))
