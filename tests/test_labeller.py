"""The audit labelling form, driven as its buttons drive it (the browser test is test_jupyterlab_audit.py)."""

from __future__ import annotations

import ddj
from ddj import labels
from ddj.display import labeller

HOSTILE = {
    "url": "javascript:document.title='pwned'",
    "outlet": "<b>Paper</b>",
    "title": "<img src=x onerror=alert(1)>Jimmy Lai",
    "text": "Jimmy Lai <script>alert(2)</script> in court.",
    "published": "2024-03-01",
}


def _sample():
    rows = [HOSTILE] + [
        {"url": f"https://p.example/{i}", "outlet": "P", "title": f"Story {i}",
         "text": ["Jimmy Lai in court.", "Rain on Tuesday."][i % 2], "published": "2024-03-02"}
        for i in range(11)
    ]  # fmt: skip
    return ddj.audit(
        ddj.corpus.conform(rows), {"lai": '"Jimmy Lai"'}, n={"match": 7, "other": 5}, seed=4
    )


def _show_hostile(form):
    for _ in range(len(form.queue)):
        if "img src" in form.article.value or "&lt;img" in form.article.value:
            return form.article.value
        form.answer("skip")
    raise AssertionError("the hostile article never showed")


def test_each_click_saves_and_the_next_article_shows(tmp_path):
    path = tmp_path / "topics.labels.csv"
    form = labeller(_sample(), path=path)
    assert form.progress() == "0 of 12 labelled"
    first = form.queue[0]["id"]
    form.buttons[0].click()  # yes
    assert labels.read(path).set_index("id").loc[first, "label"] == "yes"
    form.buttons[1].click()  # no
    assert form.progress() == "2 of 12 labelled" and "ddj-saved" in form.status.value
    # a new form on the same file asks only what is left
    again = labeller(_sample(), path=path)
    assert again.progress() == "2 of 12 labelled" and len(again.queue) == 10
    assert first not in {row["id"] for row in again.queue}


def test_corpus_text_is_escaped_and_only_web_addresses_link(tmp_path):
    shown = _show_hostile(labeller(_sample(), path=tmp_path / "l.csv"))
    assert "<img" not in shown and "&lt;img src=x" in shown
    assert "<script" not in shown and "javascript:" not in shown and "href" not in shown
    assert "<mark>Jimmy Lai</mark>" in shown and "&lt;b&gt;Paper&lt;/b&gt;" in shown


def test_when_every_article_is_labelled_the_buttons_stop(tmp_path):
    form = labeller(_sample(), path=tmp_path / "l.csv")
    for _ in range(12):
        form.buttons[2].click()
    assert "ddj-finished" in form.article.value and all(b.disabled for b in form.buttons)
    assert len(labels.read(tmp_path / "l.csv")) == 12
