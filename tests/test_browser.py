"""slug.html in a real browser (Debian's chromium, driven by Playwright), network cut.

Hostile titles, labels, outlets, headlines (the tooltips' examples) and event
labels, in every chart kind: nothing they hold runs, nothing leaves the page,
the page keeps its real title, and the chart draws.
"""

import re

import pytest

import ddj
from ddj.publishing import publishable
from tests.test_charts import cov_frame
from tests.test_publishing import KINDS, PAYLOADS, TITLE, hostile_bundle


class Watched:
    """A page whose errors, dialogs and every request other than the file itself are recorded."""

    def __init__(self, browser, path):
        self.page = browser.new_page()
        self.errors, self.requests, self.dialogs = [], [], []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", self._request)
        self.page.route("**/*", lambda r: r.continue_() if r.request.url == self.url else r.abort())
        self.url = path.as_uri()
        self.page.goto(self.url)
        self.page.wait_for_selector("#vis svg", timeout=20000)

    def _request(self, request):
        if request.url != self.url:
            self.requests.append(request.url)

    def hover_marks(self) -> str:
        """Point at data marks until a tooltip opens; its text (the headlines are in it)."""
        marks = self.page.locator(
            "#vis svg g.mark-symbol path, #vis svg g.mark-rect path, #vis svg g.mark-area path"
        )
        for i in range(min(marks.count(), 40)):
            for kind in ("pointermove", "mousemove"):  # what Vega listens to, on the mark itself
                marks.nth(i).dispatch_event(kind, {"clientX": 50, "clientY": 50})
            text = self.page.evaluate(
                "(document.getElementById('vg-tooltip-element') || {}).textContent || ''"
            )
            if "Headlines" in text:
                return text
        return ""

    def nothing_ran(self) -> bool:
        pwned = self.page.evaluate("typeof window.__pwned")
        return pwned == "undefined" and not self.dialogs and not self.requests and not self.errors


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile-pages")
    return {kind: hostile_bundle(kind, out) for kind in KINDS}


@pytest.mark.parametrize("kind", KINDS)
def test_hostile_text_does_not_run_and_the_chart_draws(browser, hostile, kind):
    page = Watched(browser, hostile[kind]["html"])
    marks = page.page.locator(
        "#vis svg g.mark-line path, #vis svg g.mark-area path, #vis svg g.mark-rect path"
    )
    assert marks.count() >= 1  # the data was drawn
    assert page.page.locator("footer p").count() >= 2  # the source line, as text, and the data link
    assert page.page.locator("h1").inner_text() == " ".join(publishable(TITLE).split())
    tooltip = page.hover_marks()
    assert PAYLOADS[1] in tooltip and PAYLOADS[2] in tooltip  # shown as text, run as nothing
    real = re.sub(r"[ \t\n\f\r]+", " ", publishable(TITLE)).strip()  # as document.title shows it
    assert page.page.title() == real  # the real title, escaped, unchanged
    assert page.nothing_ran(), (page.errors, page.requests, page.dialogs)
    page.page.close()


def test_harmless_backtick_title_draws_and_fills_a_narrow_container(browser, tmp_path):
    frame = cov_frame(n=8)
    title = "Coverage of `Hong Kong`"
    paths = ddj.publish(ddj.chart(frame, title=title, events="default"), tmp_path, "hk", data=frame)
    page = Watched(browser, paths["html"])
    assert page.page.locator("#vis svg path").count() > 3  # lines were drawn
    assert page.page.title() == title
    assert page.page.locator("#vis").get_attribute("aria-label").startswith(title + ". Line chart")
    page.page.set_viewport_size({"width": 480, "height": 800})
    page.page.wait_for_timeout(300)
    width = page.page.evaluate("document.querySelector('#vis svg').getBoundingClientRect().width")
    assert width <= 480
    assert page.nothing_ran(), (page.errors, page.requests, page.dialogs)
    page.page.close()
