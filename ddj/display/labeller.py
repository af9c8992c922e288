"""A form to label an audit sample in JupyterLab: one article at a time, yes / no / skip, each click saved.

:func:`labeller` shows the articles of a sample (:func:`ddj.audit`) not
labelled yet, one at a time: the title as a link (only ``http``/``https``
addresses become links), its date and outlet, and the words that matched in
context, marked. Three buttons answer "is this article about the topic?":
*Yes*, *No*, *Skip*; each click saves the answer to the labels file
(:func:`ddj.labels.record`, atomic) before the next article shows, so
closing the notebook loses nothing. The form does not say which group an
article was drawn from (a match, a near miss or another article), and it
mixes the groups in the sample's random order, so the answer is blind to the
query. Every text from the corpus is escaped: it cannot run in the notebook.

Examples
--------
>>> import tempfile, ddj
>>> sample = ddj.audit(ddj.demo_corpus(n=100), "hong_kong", n=6, seed=1)
>>> form = labeller(sample, path=Path(tempfile.mkdtemp()) / "topics.labels.csv")
>>> form.answer("yes"); form.progress()
'1 of 6 labelled'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import ipywidgets
import pandas as pd

from ddj import labels
from ddj.display.kwic import in_context
from ddj.display.text import day, escape, link
from ddj.errors import DdjError

#: Characters of context each side of the marked words.
FORM_CONTEXT = 160

_STYLE = (
    "<style>.ddj-labeller .ddj-article{font-size:15px;line-height:1.5;max-width:60em}"
    ".ddj-labeller .ddj-meta{color:#555;font-size:13px}"
    ".ddj-labeller .ddj-title a{color:#1a56b0;text-decoration:underline}"
    ".ddj-labeller mark{background:#ffe08a;padding:0 2px}</style>"
)


class Labeller(ipywidgets.VBox):
    """The labelling form (an ``ipywidgets.VBox``); :meth:`answer` is what a button click does."""

    def __init__(self, sample: pd.DataFrame, path: str | os.PathLike, **kwargs: Any):
        self.sample = sample
        self.path = Path(path)
        self.topic = str(sample.attrs.get("topic", ""))
        self.query = str(sample.attrs.get("query", ""))
        known = labels.for_sample(sample, labels.read(self.path))
        self.done = int((known["label"] != "").sum())
        order = known.sort_values("priority", kind="stable") if "priority" in known else known
        self.queue = [row for _, row in order.iterrows() if row["label"] == ""]
        self.header = ipywidgets.HTML()
        self.article = ipywidgets.HTML()
        self.status = ipywidgets.HTML()
        self.buttons = []
        for value, text, style in (
            ("yes", "Yes", "success"),
            ("no", "No", "danger"),
            ("skip", "Skip", ""),
        ):
            button = ipywidgets.Button(description=text, button_style=style)
            button.add_class(f"ddj-label-{value}")
            button.on_click(lambda _b, v=value: self.answer(v))
            self.buttons.append(button)
        super().__init__(
            [self.header, self.article, ipywidgets.HBox(self.buttons), self.status], **kwargs
        )
        self.add_class("ddj-labeller")
        self._show()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The form, and (as ``text/html``) a note where widgets cannot run (a saved, executed notebook)."""
        shown = super()._repr_mimebundle_(**kwargs)
        if not isinstance(shown, dict):
            return shown
        note = (
            f'<div class="ddj-labeller-offline">{escape(self.progress())}: the labelling form needs a '
            "running kernel. Open the notebook in JupyterLab and run this cell to label.</div>"
        )
        return {**shown, "text/html": note}

    def progress(self) -> str:
        """``"12 of 120 labelled"``."""
        return f"{self.done:,} of {len(self.sample):,} labelled"

    def answer(self, value: str) -> None:
        """Save ``value`` (yes, no or skip) for the article shown, then show the next."""
        if not self.queue:
            return
        row = self.queue[0]
        try:
            labels.record(self.path, row["id"], self.topic, self.query, value)
        except (DdjError, OSError) as exc:
            self.status.value = f'<span class="ddj-error">Not saved: {escape(str(exc))}</span>'
            return
        self.queue.pop(0)
        self.done += 1
        saved = f"Saved <b>{escape(value)}</b> to <code>{escape(str(self.path))}</code>."
        self.status.value = f'<span class="ddj-saved">{saved}</span>'
        self._show()

    def _show(self) -> None:
        question = (
            f"Is this article about <b>{escape(self.sample.attrs.get('label', self.topic))}</b>?"
        )
        self.header.value = (
            f'{_STYLE}<div class="ddj-progress"><b>{escape(self.progress())}</b> · {question}</div>'
        )
        if not self.queue:
            self.article.value = (
                '<div class="ddj-article ddj-finished">Every article of the sample is labelled: '
                "run the next cell for the estimates.</div>"
            )
            for button in self.buttons:
                button.disabled = True
            return
        row = self.queue[0]
        matched = row.get("matched") or ""
        words = (
            in_context(row.get("before"), matched, row.get("after"), context=FORM_CONTEXT)
            if matched
            else escape(row.get("after") or "")
        )
        meta = " · ".join(v for v in (day(row.get("published")), escape(row.get("outlet"))) if v)
        self.article.value = (
            f'<div class="ddj-article"><div class="ddj-title">{link(row.get("url"), row.get("title"))}</div>'
            f'<div class="ddj-meta">{meta}</div><div class="ddj-context">{words}</div></div>'
        )


def labeller(
    sample: pd.DataFrame,
    topics_file: str | os.PathLike | None = None,
    *,
    path: str | os.PathLike | None = None,
) -> Labeller:
    """The labelling form of an audit sample; labels go to ``path`` (default: beside the topics file).

    Parameters
    ----------
    sample
        :func:`ddj.audit`'s sample.
    topics_file
        The topics file the labels file sits beside (:func:`ddj.labels.path_for`;
        None: ``topics.labels.csv`` in the current folder).
    path
        The labels file, when it is elsewhere.
    """
    return Labeller(sample, labels.path_for(topics_file) if path is None else path)
