"""Collected records -> articles, by one rule for every route: conform, the window, one copy each.

``ddj.collect`` into a frame and WARC files collected into a store both turn
records into corpus rows here: :func:`as_corpus` conforms them and leaves out
those published outside ``since``/``until`` (a problem row each), and the copy
of a repeated article kept is the one :func:`ddj.corpus.dedupe` keeps (the
first article with a date, else the first article, else the first). A frame
gets ``dedupe`` at once; a store, written batch by batch, gets
:class:`OneCopy`, which keeps the same copy over the batches of a file.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ddj.corpus import conform, dedupe, empty, normalize_url
from ddj.errors import DroppedRowsWarning
from ddj.problem_rows import PROBLEMS_ATTR, problem


def as_corpus(
    records: list[dict], start: pd.Timestamp | None, end: pd.Timestamp | None
) -> tuple[pd.DataFrame, list[dict]]:
    """The records as a corpus, without those published outside [start, end]; and their problems.

    Undated articles are kept (no date is outside the window). The problems
    (one ``outside-window`` row an article left out) are returned, not
    warned: the caller says them once.

    Examples
    --------
    >>> start = pd.Timestamp("2024-01-01", tz="UTC")
    >>> kept, report = as_corpus([{"url": "https://a.example/1", "published": "2023-05-01"},
    ...                           {"url": "https://a.example/2"}], start, None)
    >>> kept["url"].tolist(), [r["kind"] for r in report]
    (['https://a.example/2'], ['outside-window'])
    """
    if not records:
        return empty(), []
    corpus = conform(records)
    published = corpus["published"]
    outside = pd.Series(False, index=corpus.index)
    if start is not None:
        outside |= published.notna() & (published < start)
    if end is not None:
        outside |= published.notna() & (published > end)
    if not outside.any():
        return corpus, []
    gone = corpus[outside]
    report = [
        problem("outside-window", u, "published outside since/until", id=i, url=u)
        for u, i in zip(gone["url"], gone["id"], strict=True)
    ]
    return corpus[~outside].reset_index(drop=True), report


class OneCopy:
    """:func:`ddj.corpus.dedupe` over the batches of one file: the same copy of each article is kept.

    A row that no later copy can displace (an article with a date, or a row
    with no URL) is given back at once, to be written; the others (undated
    copies, pages that are not articles) are held until the file ends, so a
    dated copy read later is kept in their place, as ``dedupe`` keeps it.
    At most ``hold`` rows are held: past that they are given back, and a
    copy read after them is the duplicate.

    Examples
    --------
    >>> one = OneCopy()
    >>> first = one.add(conform([{"url": "https://a.example/x", "source": "undated"}]))
    >>> later = one.add(conform([{"url": "https://a.example/x", "source": "dated",
    ...                           "published": "2024-10-05"}]))
    >>> len(first), later["source"].tolist(), len(one.finish()), one.report[0]["source"]
    (0, ['dated'], 0, 'undated')
    """

    def __init__(self, hold: int = 10_000) -> None:
        self.hold = hold
        self.written: dict[str, str] = {}  # normalised URL -> the URL of the copy written
        self.held = empty()
        self.report: list[dict] = []

    def add(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``frame`` (and of those held) to write now; the duplicates go to ``report``."""
        frame = frame.copy(deep=False)
        frame.attrs = {}
        keys = _keys(frame)
        known = keys.isin(list(self.written)).to_numpy() & (keys != "").to_numpy()
        self.report += [
            problem("duplicate", s if isinstance(s, str) and s else u, f"duplicate of {self.written[k]}", id=i, url=u)
            for s, u, i, k in zip(
                frame["source"][known], frame["url"][known], frame["id"][known], keys[known],
                strict=True,
            )
        ]  # fmt: skip
        both = pd.concat([self.held, frame[~known]], ignore_index=True)
        with warnings.catch_warnings():  # its rows go to the report, counted by the caller
            warnings.simplefilter("ignore", DroppedRowsWarning)
            kept = dedupe(both)
        self.report += kept.attrs.get(PROBLEMS_ATTR, [])
        kept.attrs = {}
        final = _final(kept)
        self.held = kept[~final].reset_index(drop=True)
        out = kept[final]
        if len(self.held) > self.hold:
            out, self.held = pd.concat([out, self.held]), empty()
        self._wrote(out)
        return out.reset_index(drop=True)

    def finish(self) -> pd.DataFrame:
        """The rows still held: the copies no later row displaced."""
        out, self.held = self.held, empty()
        self._wrote(out)
        return out

    def _wrote(self, frame: pd.DataFrame) -> None:
        for k, u in zip(_keys(frame), frame["url"], strict=True):
            if k:
                self.written.setdefault(k, u)


def _keys(frame: pd.DataFrame) -> pd.Series:
    """Each row's normalised URL, as ``dedupe`` compares them ("" where none)."""
    keys = frame["url"].map(normalize_url, na_action="ignore")
    return keys.astype("str").fillna("")


def _final(frame: pd.DataFrame) -> np.ndarray:
    """Rows no later copy can displace: articles with a date, rows with no URL."""
    article = frame["page_type"].fillna("article").eq("article").to_numpy()
    dated = frame["published"].notna().to_numpy()
    return (article & dated) | (_keys(frame) == "").to_numpy()


def limited(report: Iterable[dict], listed: dict[str, int], most: int) -> list[dict]:
    """The rows of ``report`` whose kind has not had ``most`` rows listed yet (``listed`` counts them)."""
    out = []
    for row in report:
        kind = row.get("kind", "")
        listed[kind] = listed.get(kind, 0) + 1
        if listed[kind] <= most:
            out.append(row)
    return out
