"""slug.html in a real browser (Debian's chromium, driven by Playwright), network cut."""

import os
import shutil

import pytest

import ddj
from tests.test_charts import cov_frame
from tests.test_publishing import HOSTILE

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("CI is set but chromium is missing: .ci/run installs Debian's chromium")
        pytest.skip("no chromium here (apt-get install chromium); CI runs this test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_chart_draws_offline_and_hostile_headlines_do_not_run(browser, tmp_path):
    frame = cov_frame(n=8)
    frame.loc[frame.index[2], "examples"] = " | ".join(HOSTILE)
    frame.loc[frame.index[3], "label"] = HOSTILE[0]
    paths = ddj.publish(ddj.chart(frame, title=HOSTILE[1]), tmp_path, "hostile", data=frame)
    page = browser.new_page()
    errors, requests, dialogs = [], [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(paths["html"].as_uri())
    page.wait_for_selector("#vis svg", timeout=20000)
    assert page.locator("#vis svg path").count() > 3  # lines were drawn
    page.hover("#vis svg", position={"x": 200, "y": 200})
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert dialogs == [] and requests == [] and errors == []
    # the chart fills a narrow container
    page.set_viewport_size({"width": 480, "height": 800})
    page.wait_for_timeout(300)
    width = page.evaluate("document.querySelector('#vis svg').getBoundingClientRect().width")
    assert width <= 480
    page.close()
