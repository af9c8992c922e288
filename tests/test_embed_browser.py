"""slug.html embedded in a host page, in headless Chromium: its height reaches the host, it turns dark.

Two servers on 127.0.0.1 (two origins, as a CMS and a chart server are): the
chart's and the host's. The host embeds ``slug.html`` at 320, 640 and 1000 px
and listens with Datawrapper's own resize script, with a pym.js-style parent
written here (pym 1.3.2's message format), or with ddj's ``slug.embed.html``.
Every request is recorded; any to an address off 127.0.0.1 is refused.

With ``DDJ_EMBED_SHOTS=DIR`` the screenshots of the embedded chart, light and
dark at each width, are kept there.
"""

from __future__ import annotations

import os
import re
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import ddj
from ddj.embed import MAX_HEIGHT, NARROW
from ddj.theme import contrast
from tests.test_charts import cov_frame

WIDTHS = (320, 640, 1000)
SLUG = "emb"
#: Datawrapper's responsive-embed listener, as its embed code gives it.
DATAWRAPPER = (
    '!function(){"use strict";window.addEventListener("message",(function(a){if(void 0!==a.data'
    '["datawrapper-height"]){var e=document.querySelectorAll("iframe");for(var t in a.data'
    '["datawrapper-height"])for(var r=0;r<e.length;r++)if(e[r].contentWindow===a.source){var i='
    'a.data["datawrapper-height"][t]+"px";e[r].style.height=i}}}))}();'
)
#: A pym.js parent's part of the protocol (pym.v1.js: Parent._processMessage, _onHeightMessage).
PYM = """
var frame = document.getElementById('chart');
var re = /^pymxPYMxc1xPYMx(\\S+)xPYMx(.*)$/;
window.addEventListener('message', function (e) {
  if (typeof e.data !== 'string') { return; }
  var m = e.data.match(re);
  if (m && m[1] === 'height') { frame.setAttribute('height', parseInt(m[2]) + 'px'); }
});
frame.addEventListener('load', function () {
  frame.contentWindow.postMessage('pymxPYMxc1xPYMxwidthxPYMx' + frame.offsetWidth, '*');
});
"""


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(folder: Path) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def host(body: str, width: int) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Host</title></head>'
        f'<body style="margin:0"><div style="width:{width}px">{body}</div></body></html>'
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    charts, pages = tmp_path_factory.mktemp("charts"), tmp_path_factory.mktemp("host")
    frame = cov_frame(n=8)
    chart = ddj.chart(
        frame, title="Hong Kong and Ukraine in the news", intervals=True, events="default"
    )
    chart_server, host_server = serve(charts), serve(pages)
    base = f"http://127.0.0.1:{chart_server.server_address[1]}"
    paths = ddj.publish(chart, charts, SLUG, data=frame, url=f"{base}/{SLUG}.html")
    src = f"{base}/{SLUG}.html"
    frame_tag = '<iframe id="chart" src="{src}" scrolling="no" frameborder="0" height="150" style="width:100%;border:0"></iframe>'
    for width in WIDTHS:
        plain = frame_tag.format(src=src)
        (pages / f"dw-{width}.html").write_text(
            host(f"{plain}<script>{DATAWRAPPER}</script>", width)
        )
        pym = frame_tag.format(src=f"{src}?initialWidth={width}&childId=c1")
        (pages / f"pym-{width}.html").write_text(host(f"{pym}<script>{PYM}</script>", width))
        snippet = paths["embed"].read_text(encoding="utf-8")
        evil = '<iframe id="evil" srcdoc="<p>other frame</p>" height="20"></iframe>'
        (pages / f"ddj-{width}.html").write_text(host(snippet + evil, width))
    yield {
        "host": f"http://127.0.0.1:{host_server.server_address[1]}",
        "chart": src,
        "paths": paths,
    }
    chart_server.shutdown()
    host_server.shutdown()


class Host:
    """A browser page for host pages, its requests recorded (any off 127.0.0.1 refused), errors kept."""

    def __init__(self, browser, scheme: str = "light"):
        self.page = browser.new_page(color_scheme=scheme, viewport={"width": 1100, "height": 900})
        self.requests, self.errors = [], []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        local = re.compile(r"^http://127\.0\.0\.1:\d+/")
        self.page.route(
            "**/*", lambda r: r.continue_() if local.match(r.request.url) else r.abort()
        )

    def chart(self, url: str):
        """Open a host page; the chart's frame once it has drawn."""
        self.page.goto(url)
        self.frame_element = self.page.locator(f"iframe[src*='{SLUG}.html']")
        self.page.frame_locator(f"iframe[src*='{SLUG}.html']").locator("#vis svg").wait_for(
            timeout=20000
        )
        return self.page.frame(url=re.compile(rf"/{SLUG}\.html"))

    def settled(self, frame) -> tuple[float, float]:
        """The iframe's height and the chart's own, once the host stopped resizing it."""
        heights: list[tuple[float, float]] = []
        for _ in range(60):
            own = frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
            outer = self.frame_element.evaluate("e => e.getBoundingClientRect().height")
            heights.append((outer, own))
            if len(heights) > 2 and heights[-1] == heights[-2] == heights[-3]:
                break
            self.page.wait_for_timeout(60)
        return heights[-1]

    def only_local(self) -> bool:
        return all(re.match(r"^(http://127\.0\.0\.1:\d+/|about:|data:)", u) for u in self.requests)

    def shot(self, name: str) -> None:
        """Keep a screenshot of the embedded chart (with ``DDJ_EMBED_SHOTS=DIR``)."""
        folder = os.environ.get("DDJ_EMBED_SHOTS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            self.frame_element.screenshot(path=str(Path(folder) / f"{name}.png"))


def fits(frame, width: int) -> None:
    """Drawn to the frame's width, with no horizontal scroll; the headline wraps when narrow."""
    svg = frame.evaluate("document.querySelector('#vis svg').getBoundingClientRect().width")
    scroll = frame.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width - 40 <= svg <= width, (svg, width)  # drawn to the frame's width
    assert scroll[0] <= scroll[1]  # no horizontal scroll
    title = frame.evaluate("document.querySelector('h1').getBoundingClientRect().height")
    assert (title > 30) == (width < 500)  # the headline wraps in a narrow frame only
    listed = frame.evaluate("getComputedStyle(document.querySelector('.ddj-events')).display")
    labels = frame.evaluate(
        "[...document.querySelectorAll('#vis svg g.mark-text text')]"
        ".filter((t) => t.textContent.includes('Foreign Secretary')).map((t) => t.style.opacity"
        " || t.getAttribute('opacity') || '1')"
    )
    assert labels  # the event is drawn (its label may be transparent)
    if width < NARROW:  # labels placed for 640 px would overlap: they are listed under the chart
        assert listed != "none" and set(labels) == {"0"}
    else:
        assert listed == "none" and "0" not in labels


@pytest.mark.parametrize("protocol", ["dw", "pym"])
def test_the_frame_takes_the_charts_height_at_each_width(browser, site, protocol):
    host_page = Host(browser)
    for width in WIDTHS:
        frame = host_page.chart(f"{site['host']}/{protocol}-{width}.html")
        outer, own = host_page.settled(frame)
        assert own > 300 and abs(outer - own) <= 3, (protocol, width, outer, own)
        fits(frame, width)
    assert host_page.only_local(), host_page.requests
    assert not host_page.errors, host_page.errors
    host_page.page.close()


def test_the_snippet_sizes_its_frame_light_and_dark(browser, site):
    """ddj's own snippet; the reader turns dark mode on and the chart redraws and resizes."""
    host_page = Host(browser)
    for width in WIDTHS:
        host_page.page.emulate_media(color_scheme="light")
        frame = host_page.chart(f"{site['host']}/ddj-{width}.html")
        outer, own = host_page.settled(frame)
        assert own > 300 and abs(outer - own) <= 3, (width, outer, own)
        fits(frame, width)
        host_page.shot(f"embed-{width}-light")
        host_page.page.emulate_media(color_scheme="dark")
        frame.wait_for_function(
            "document.documentElement.classList.contains('dark') && getComputedStyle("
            "document.querySelector('#vis svg')).backgroundColor === 'rgb(18, 18, 18)'"
        )
        outer, own = host_page.settled(frame)
        assert abs(outer - own) <= 3, (width, outer, own)
        fits(frame, width)
        found = _colours(frame)  # the reader's dark mode, measured on the page
        assert found["paper"] == found["chart_paper"] == ["#121212"]
        for colour in found["text"] + found["chart_text"] + found["chart_lines"]:
            assert contrast(colour, "#121212") >= 4.5, colour
        host_page.shot(f"embed-{width}-dark")
    assert host_page.only_local(), host_page.requests
    assert not host_page.errors, host_page.errors
    host_page.page.close()


def test_the_snippet_takes_heights_only_from_its_chart_and_bounds_them(browser, site):
    host_page = Host(browser)
    frame = host_page.chart(f"{site['host']}/ddj-640.html")
    outer, _ = host_page.settled(frame)
    height = "e => e.getBoundingClientRect().height"
    (evil,) = [f for f in host_page.page.frames if f.url == "about:srcdoc"]
    evil.evaluate("parent.postMessage({'datawrapper-height': {'emb': 40000}}, '*')")
    evil.evaluate("parent.postMessage('pymxPYMxembxPYMxheightxPYMx40000', '*')")
    host_page.page.wait_for_timeout(200)
    assert host_page.frame_element.evaluate(height) == outer  # another frame cannot resize it
    frame.evaluate("parent.postMessage({'datawrapper-height': {'emb': 1e9}}, '*')")
    host_page.page.wait_for_timeout(200)
    assert host_page.frame_element.evaluate(height) == MAX_HEIGHT  # its own, held to the bound
    frame.evaluate("parent.postMessage({'datawrapper-height': {'emb': 'x'}}, '*')")
    frame.evaluate("parent.postMessage('pymxPYMxembxPYMxheightxPYMx-5', '*')")
    host_page.page.wait_for_timeout(100)
    assert host_page.frame_element.evaluate(height) == MAX_HEIGHT  # nonsense is ignored
    host_page.page.close()


def _colours(frame) -> dict[str, list[str]]:
    """Computed colours on the page: its background, its text, the chart's text and rules."""
    return frame.evaluate(
        """() => {
        const hex = (c) => { const m = c.match(/\\d+(\\.\\d+)?/g); if (!m) return null;
          if (m.length > 3 && Number(m[3]) === 0) return null;
          return '#' + m.slice(0, 3).map((v) => Number(v).toString(16).padStart(2, '0')).join(''); };
        const css = (sel, prop) => [...document.querySelectorAll(sel)]
          .map((e) => hex(getComputedStyle(e)[prop])).filter(Boolean);
        return {
          paper: css('body', 'backgroundColor'),
          text: css('h1, .ddj-sub, footer p, footer a', 'color'),
          chart_text: css('#vis svg text', 'fill'),
          chart_lines: css('#vis svg .role-axis-domain line, #vis svg .role-axis-tick line', 'stroke'),
          chart_paper: css('#vis svg', 'backgroundColor'),
        };
    }"""
    )


@pytest.mark.parametrize(
    ("query", "scheme", "dark"),
    [
        ("", "light", False),
        ("?dark=true", "light", True),
        ("?dark=false", "dark", False),
    ],
)
def test_dark_and_light_keep_contrast_on_the_page(browser, site, query, scheme, dark):
    page = browser.new_page(color_scheme=scheme, viewport={"width": 640, "height": 700})
    page.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
    page.goto(site["chart"] + query)
    page.wait_for_selector("#vis svg")
    page.wait_for_timeout(200)
    found = _colours(page)
    (paper,) = found["paper"]
    assert (paper == "#121212") == dark
    assert found["chart_paper"] == [paper]  # the chart's background is the page's
    assert len(found["text"]) >= 4 and len(found["chart_text"]) >= 5 and found["chart_lines"]
    for colour in found["text"] + found["chart_text"] + found["chart_lines"]:
        assert contrast(colour, paper) >= 4.5, (colour, paper)
    page.close()
