"""Debian's chromium for the browser tests, driven by Playwright: where it is, how it starts.

Every browser test takes the ``browser`` fixture (tests/conftest.py: one
chromium a test module), or starts one with :func:`launched`. Without chromium
a test skips, except in CI (``CI`` set), where it fails: .ci/run installs
Debian's chromium, and CI never skips a browser test silently. Playwright
drives it with ``executable_path`` (``playwright install`` downloads
browsers, which cannot be reached here).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip


def need_chromium() -> None:
    """Skip the test without chromium; fail it when ``CI`` is set."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("CI is set but chromium is missing: .ci/run installs Debian's chromium")
        pytest.skip("no chromium here (apt-get install chromium); CI runs this test")


@contextmanager
def launched() -> Iterator[Any]:
    """Headless chromium (a Playwright ``Browser``), closed afterwards."""
    need_chromium()
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
