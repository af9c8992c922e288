"""JupyterLab for real: the audit form labels five articles with clicks, and the labels file holds them."""

from __future__ import annotations

import re

import nbformat
import pandas as pd
import pytest

from ddj import labels
from tests.test_jupyterlab import (
    ARGS,
    CHROMIUM,
    HOSTILE,
    TOKEN,
    _run_all,
    _shot,
    lab_server,
)

OUT = ".jp-OutputArea-output"
SOURCE = """import ddj
corpus = ddj.load("articles.csv")
sample = ddj.audit(corpus, '"Hong Kong"', n=12, seed=1)
form = ddj.display.labeller(sample, path="topics.labels.csv")
form"""


@pytest.fixture(scope="module")
def audit_lab(tmp_path_factory):
    import os

    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("CI is set but chromium is missing: .ci/run installs Debian's chromium")
        pytest.skip("no chromium here (apt-get install chromium); CI runs this test")
    home = tmp_path_factory.mktemp("audit-lab")
    work = home / "work"
    work.mkdir()
    rows = [
        {"url": f"https://paper{i % 3}.example/{i}", "date": f"2024-{1 + i % 4:02d}-{1 + i % 27:02d}",
         "title": ["Hong Kong court hears case", "Kong and Hong families meet", "Council news"][i % 3],
         "source_title": f"Paper {i % 3}",
         "text": ["Hong Kong court hears case.", "Hong met Kong.", "Council news today."][i % 3]}
        for i in range(30)
    ] + [HOSTILE]  # fmt: skip
    pd.DataFrame(rows).to_csv(work / "articles.csv", index=False)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SOURCE)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, work / "audit.ipynb")
    with lab_server(work, home) as base:
        yield base, work


@pytest.mark.slow
def test_five_clicks_label_five_articles_saved_in_the_labels_file(audit_lab):
    from playwright.sync_api import sync_playwright

    base, work = audit_lab
    clicks = ["yes", "no", "yes", "skip", "no"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 800})
            page.goto(f"{base}/lab/tree/audit.ipynb?token={TOKEN}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            _run_all(page, 1)
            progress = page.locator(f"{OUT} .ddj-progress")
            progress.wait_for(timeout=60_000)
            assert "0 of 12 labelled" in progress.inner_text()
            _shot(page, "audit-form.png", progress)
            titles = []
            for i, value in enumerate(clicks, start=1):
                title = page.locator(f"{OUT} .ddj-title").inner_text()
                titles.append(title)
                if "img" not in title:  # an https address is the title's link
                    assert page.locator(f"{OUT} .ddj-title a[href^='https://paper']").count() == 1
                page.locator(f"{OUT} button.ddj-label-{value}").click()
                page.wait_for_function(
                    "n => document.querySelector('.ddj-progress').innerText.includes(n + ' of 12')",
                    arg=i,
                    timeout=20_000,
                )
                assert "Saved" in page.locator(f"{OUT} .ddj-saved").inner_text()
            _shot(page, "audit-form-after-5.png", progress)
            assert not page.title().startswith("pwned")
            assert page.locator(f"{OUT} img[src='x']").count() == 0
            assert page.locator(f"{OUT} a[href^='javascript']").count() == 0
        finally:
            browser.close()
    saved = labels.read(work / "topics.labels.csv")
    assert saved["label"].tolist() == clicks
    assert saved["topic"].unique().tolist() == ["Hong Kong"] and saved["id"].is_unique
    corpus_titles = pd.read_csv(work / "articles.csv")["title"]
    assert all(any(t.strip() == c for c in corpus_titles) or re.search("img", t) for t in titles)
