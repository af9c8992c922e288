"""In JupyterLab, the audit form of explore.ipynb labels five articles with clicks (used by test_jupyterlab.py).

The explore test's one lab server runs the notebook; this helper clicks Yes/No/Skip on the form of
"How good is this query?" five times and checks each click is saved in the labels file.
"""

from __future__ import annotations

from pathlib import Path

from ddj import labels

OUT = ".jp-OutputArea-output"
CLICKS = ("yes", "no", "yes", "skip", "no")


def label_five(page, labels_file: Path) -> list[str]:
    """Click five answers on the form; return the titles shown. The file must hold exactly those answers."""
    progress = page.locator(f"{OUT} .ddj-progress").first
    progress.wait_for(timeout=60_000)
    progress.scroll_into_view_if_needed()
    before = int(progress.inner_text().split(" of ")[0].replace(",", ""))
    total = progress.inner_text().split(" of ")[1].split(" ")[0]
    titles = []
    for i, value in enumerate(CLICKS, start=1):
        title = page.locator(f"{OUT} .ddj-title").first
        titles.append(title.inner_text())
        if "img" not in titles[-1]:  # an https address is the title's only link
            assert title.locator("a[href^='https://']").count() == 1
        assert title.locator("a[href^='javascript']").count() == 0
        page.locator(f"{OUT} button.ddj-label-{value}").first.click()
        page.wait_for_function(
            "t => document.querySelector('.ddj-progress').innerText.startsWith(t)",
            arg=f"{before + i} of {total}",
            timeout=20_000,
        )
        assert "Saved" in page.locator(f"{OUT} .ddj-saved").first.inner_text()
    saved = labels.read(labels_file)
    assert saved["label"].tolist() == list(CLICKS), saved
    assert saved["id"].is_unique and saved["topic"].nunique() == 1
    return titles
