"""JupyterLab for real: explore.ipynb opened in headless Chromium, all cells run, the chart drawn."""

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from tests.browsers import need_chromium
from tests.lab_audit import label_five

REPO = Path(__file__).resolve().parents[1]
TOKEN = "ddj-test-token"
#: An article whose title, text and address try to run in the page (a test fails if they do).
HOSTILE = {
    "url": "javascript:document.title='pwned-url'",
    "date": "2024-02-10",
    "title": "<img src=x onerror=\"document.title='pwned-title'\">Hong Kong rally",
    "source_title": "Paper <b>9</b>",
    "text": "Hong Kong <script>document.title='pwned-text'</script> crowds.",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    need_chromium()
    work = tmp_path / "work"
    work.mkdir()
    table = work / "articles.csv"
    rows = [
        {"url": f"https://paper{i % 3}.example/{i}", "date": f"2024-{1 + i % 6:02d}-{1 + i % 27:02d}",
         "title": "Hong Kong court hears case" if i % 3 == 0 else "Council news", "source_title": f"Paper {i % 3}",
         "text": "Hong Kong court hears case." if i % 3 == 0 else "Council news today."}
        for i in range(90)
    ]  # fmt: skip
    rows += [  # expected data notes: two undated rows and a duplicate (a DroppedRowsWarning each)
        {**rows[0], "url": "https://paper0.example/undated-1", "date": ""},
        {**rows[3], "url": "https://paper0.example/undated-2", "date": ""},
        {**rows[6], "url": "http://www.paper0.example/6?utm_source=x"},
    ]
    rows.append(HOSTILE)
    pd.DataFrame(rows).to_csv(table, index=False)
    nb = nbformat.read(REPO / "notebooks" / "explore.ipynb", as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.source = params.source.replace('corpus = "demo"', f"corpus = {json.dumps(str(table))}")
    nbformat.write(nb, work / "explore.ipynb")
    with lab_server(work, tmp_path, warm_up=True) as base:
        yield base


@contextmanager
def lab_server(work: Path, home: Path, *, warm_up: bool = False) -> Iterator[str]:
    """JupyterLab on 127.0.0.1 serving ``work`` (its settings under ``home``); yields its base URL.

    ``warm_up`` builds the clickable chart's Vega bundle while the server starts.
    """
    env = dict(os.environ)
    for name in (
        "JUPYTER_RUNTIME_DIR",
        "JUPYTER_CONFIG_DIR",
        "JUPYTERLAB_SETTINGS_DIR",
        "JUPYTERLAB_WORKSPACES_DIR",
    ):
        env[name] = str(home / name.lower())
    env["PYTHONPATH"] = str(REPO)
    # every cell in the page (no windowing), so locators find outputs far down the notebook
    tracker = home / "jupyterlab_settings_dir" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    news = home / "jupyterlab_settings_dir" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)  # no "notified about Jupyter news?" box over the screenshots
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    port = _free_port()
    log = (home / "jupyterlab.log").open("wb")  # a file, not a pipe no one reads (it would fill)
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--ServerApp.port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={work}",
         "--ServerApp.open_browser=False", "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=work,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    # while the server starts: the clickable chart's Vega bundle into the (test's) ddj cache, as
    # a second run of the notebook finds it; the kernel would otherwise build it, 4 s later
    warm = threading.Thread(target=__import__("ddj.interactive").interactive._offline_chart)
    if warm_up:
        warm.start()
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(
                        (home / "jupyterlab.log").read_text(errors="replace")
                    ) from None
                time.sleep(0.5)
        if warm_up:
            warm.join()
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _wait_accepting_kernel_dialogs(page, selector: str, seconds: float) -> bool:
    """Wait for ``selector``; JupyterLab may first ask which kernel to start: take the one it proposes."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        accept = page.locator(".jp-Dialog button.jp-mod-accept")
        if accept.count():
            accept.first.click()
        if page.locator(selector).count():
            return True
        page.wait_for_timeout(500)
    return False


def _shot(page, name: str, element=None) -> None:
    """With DDJ_LAB_SHOTS=DIR, keep what a person saw (the viewport, scrolled to ``element``)."""
    folder = os.environ.get("DDJ_LAB_SHOTS")
    if not folder:
        return
    if element is not None:
        element.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
    Path(folder).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(folder) / name))


def _run_all(page, n_code: int) -> None:
    """Run > Run All Cells, as a person would, and wait until the last code cell has run."""
    # a kernel must be idle before cells are run: accept JupyterLab's kernel choice if it asks
    _wait_accepting_kernel_dialogs(page, ".jp-StatusBar-TextItem:has-text('| Idle')", 90)
    # a run asked for while the kernel was still connecting can be dropped, so ask again
    for _ in range(4):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
        if _wait_accepting_kernel_dialogs(page, ".jp-InputPrompt:has-text('[1]')", 20):
            break
    deadline = time.time() + 180
    while time.time() < deadline:
        # done when the last code cell has run ([n]: with n code cells) and none is running
        prompts = [t.strip() for t in page.locator(".jp-InputArea-prompt").all_inner_texts()]
        if f"[{n_code}]:" in prompts and not any("*" in t for t in prompts):
            return
        page.wait_for_timeout(500)
    page.screenshot(path=os.environ.get("DDJ_LAB_SCREENSHOT", "/tmp/ddj-lab-failure.png"))
    raise AssertionError(f"the notebook did not finish running: prompts {prompts}")


def _expected_articles(table: Path, day: str) -> int:
    """Articles of the topic in the month starting ``day``, counted from ``ddj.hits``."""
    import warnings

    import ddj

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = ddj.hits(ddj.load(table), "hong_kong")
    month = found["published"].dt.strftime("%Y-%m-01") == day
    return found.loc[month, "id"].nunique()


OUT = ".jp-OutputArea-output"


@pytest.mark.slow
def test_explore_runs_in_jupyterlab(lab, browser, tmp_path):
    nb = nbformat.read(REPO / "notebooks" / "explore.ipynb", as_version=4)
    n_code = sum(c.cell_type == "code" for c in nb.cells)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{lab}/lab/tree/explore.ipynb?token={TOKEN}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    _run_all(page, n_code)
    _shot(page, "explore.png")
    # the expected data notes (undated rows, a duplicate) are a note, not a red block
    stderr = page.locator(f"{OUT}[data-mime-type='application/vnd.jupyter.stderr']")
    assert stderr.count() == 0, stderr.all_inner_texts()
    about = page.locator(f"{OUT}:has-text('About this data')").first
    assert "2 without a date" in about.inner_text()
    assert "1 duplicate dropped" in about.inner_text()
    _shot(page, "explore-about.png", about)
    assert page.locator(".jp-RenderedSVG svg, .jp-RenderedSVG img").count() >= 2
    _shot(page, "explore-health.png", page.locator("h2:has-text('Is every outlet')"))
    # hits as keyword in context: the matched words marked, visible in a searchable table
    mark = page.locator(f"{OUT} table.dataTable td mark").first
    mark.wait_for(timeout=30_000)
    mark.scroll_into_view_if_needed()
    assert mark.is_visible() and mark.inner_text().lower() == "hong kong"
    cell = mark.locator("xpath=ancestor::td[1]").bounding_box()
    box = mark.bounding_box()
    assert cell["x"] <= box["x"] and box["x"] + box["width"] <= cell["x"] + cell["width"]
    assert box["height"] < 30  # on one line, not broken across two
    _shot(page, "explore-hits.png", mark)
    # dates as dates, shares as percentages, counts with separators; no raw timestamps
    texts = [t.strip() for t in page.locator(f"{OUT} td").all_inner_texts()]
    assert any(re.fullmatch(r"20\d\d-\d\d-\d\d", t) for t in texts)
    assert any(re.fullmatch(r"\d+\.\d%", t) for t in texts)
    assert not [t for t in texts if "12:00:00" in t or re.fullmatch(r"0\.\d{4,}", t)]
    # corpus text never runs: the hostile title, text and address stay text
    assert not page.title().startswith("pwned")
    assert page.locator(f"{OUT} img[src='x']").count() == 0
    assert page.locator(f"{OUT} a[href^='javascript']").count() == 0
    search = page.locator(f"{OUT}:has(table.dataTable mark) .dt-search input").first
    search.fill("rally")  # the searchable table finds the hostile headline, as text
    hostile = page.locator(f"{OUT} table.dataTable td:has-text('Hong Kong rally')").first
    hostile.wait_for(timeout=10_000)
    assert "<img src=x" in hostile.inner_text()
    assert hostile.locator("a").count() == 0  # a javascript: address is no link
    _shot(page, "explore-hostile.png", hostile)
    _click_a_period(page, tmp_path / "work" / "articles.csv")
    query = page.locator(f"{OUT}:has-text('hits in')")
    assert query.count() >= 2  # the hits cell and the query cell
    _shot(page, "explore-query.png", query.last)
    # "How good is this query?": five clicks on the audit form, each saved to the labels file
    label_five(page, tmp_path / "work" / "topics.labels.csv")
    _shot(page, "explore-audit-form.png", page.locator(".ddj-progress").first)


def _click_a_period(page, table: Path) -> None:
    """Hover a point (counts and headlines), click it: the list beside fills with its articles."""
    chart = page.locator(f"{OUT} .vega-embed").first
    chart.wait_for(timeout=30_000)
    chart.scroll_into_view_if_needed()
    points = chart.locator(".mark-symbol path")
    assert points.count() >= 6  # a point per month, January to June
    tooltip = page.locator("#vg-tooltip-element")
    for i in range(points.count()):  # the first month with articles of the topic
        box = points.nth(i).bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        tooltip.wait_for(state="visible", timeout=10_000)
        shown = tooltip.inner_text()
        if not re.search(r"Articles\s+0\s", shown):
            break
    # the published charts' tooltip: the period, counts, total and headlines
    assert "All articles" in shown and "Hong Kong court hears case" in shown, shown
    assert "undefined" not in shown, shown
    listing = page.locator(f"{OUT} .widget-html:has(.ddj-count), {OUT} .widget-html-content")
    page.mouse.click(x, y)
    count = page.locator(f"{OUT} .ddj-count").first
    count.wait_for(timeout=20_000)
    heading = count.locator("xpath=..").inner_text()
    assert re.search(r"period from \d{4}-\d\d-\d\d", heading), heading
    day = re.search(r"period from (\d{4}-\d\d-\d\d)", heading).group(1)
    n = int(re.search(r"([\d,]+) articles", heading).group(1).replace(",", ""))
    assert n == _expected_articles(table, day) > 0, heading
    rows = page.locator(f"{OUT} table.ddj-period tr")
    assert rows.count() == n
    assert (
        rows.first.locator("mark").count() >= 1
        and rows.first.locator("a[href^='https']").count() == 1
    )
    assert listing.count() >= 1
    _shot(page, "explore-click.png", chart)
