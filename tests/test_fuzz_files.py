"""Property test of ddj.load over folders of hostile entries: every load ends, every page named
like one is a row or a problem row (never dropped without a word), and every name survives."""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path

import pytest

import ddj
from ddj.files import shown as shown_path
from tests.hostile_files import finishes

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PAGE = (
    "<html><head><title>{title}</title>"
    '<meta property="article:published_time" content="2024-03-0{day}"></head>'
    "<body><article><p>{title} is the story of the day, told in a paragraph long enough "
    "for an extractor to take it for an article body.</p></article></body></html>"
)

#: What an entry of a folder can be: readable pages, and everything that must become a problem row.
KINDS = ("page", "empty", "fifo", "broken", "zero", "dir_named", "folder_link", "outside_page")
NAMES = st.sampled_from(
    [b"a", b"caf\xe9", b"\xff\xfe", b"line\nbreak", b"\x1b[2J", "香港".encode(), b"sp ace", b"x"]
)
ENTRY = st.tuples(st.sampled_from(KINDS), NAMES, st.sampled_from([b".html", b".htm", b".HTML"]))


def _make(root: bytes, entries: list[tuple[str, bytes, bytes]], outside: bytes) -> dict:
    """Write the entries under ``root`` (bytes paths); what each page-named entry must become."""
    expected: dict[str, str] = {}  # shown path -> "row" or "problem"
    for i, (kind, stem, suffix) in enumerate(entries):
        name = b"%d-%s%s" % (i, stem, suffix)
        path = os.path.join(root, b"sub" if i % 2 else b"", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if kind in ("page", "empty"):
            with open(path, "wb") as fh:
                fh.write(
                    PAGE.format(title=f"Story {i}", day=i % 9 + 1).encode()
                    if kind == "page"
                    else b""
                )
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "broken":
            os.symlink(b"nowhere-" + name, path)
        elif kind == "zero":
            os.symlink(b"/dev/zero", path)
        elif kind == "dir_named":
            os.mkdir(path)
        elif kind == "folder_link":
            path = os.path.join(root, b"link-%d" % i)
            os.symlink(root, path)  # a loop
        elif kind == "outside_page":
            os.symlink(outside, path)
        expected[shown_path(path)] = "row" if kind in ("page", "outside_page") else "problem"
    return expected


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(ENTRY, min_size=1, max_size=8))
def test_every_entry_is_a_row_or_a_problem_and_every_load_ends(entries):
    if not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"):
        pytest.skip("needs FIFOs and /dev/zero")
    base = tempfile.mkdtemp()
    try:
        root = os.fsencode(os.path.join(base, "pages"))
        outside = os.fsencode(os.path.join(base, "outside.html"))
        with open(outside, "wb") as fh:
            fh.write(PAGE.format(title="Outside", day=9).encode())
        try:
            expected = _make(root, entries, outside)
        except OSError:
            pytest.skip("this file system refuses such names")
        fifos = [Path(os.fsdecode(p)) for p in Path(os.fsdecode(root)).rglob("*")]
        fifos = [p for p in fifos if p.is_fifo()]

        def load():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    corpus = ddj.load(os.fsdecode(root), progress=False, dedupe=False, workers=1)
                except ddj.InputError as exc:  # nothing at all could be read: says why
                    return None, str(exc), caught
            return corpus, None, caught

        corpus, error, caught = finishes(load, fifos)
        rows = set() if corpus is None else set(corpus["source"])
        problems = {} if corpus is None else dict(ddj.problems(corpus)[["source", "reason"]].values)
        for shown, want in expected.items():
            shown.encode("utf-8")  # every name is text any writer can hold
            if want == "row":
                assert shown in rows or shown in problems, shown
            elif corpus is not None:
                assert shown in problems and problems[shown], shown
            else:
                assert error and "could be read" in error
        if corpus is not None:
            dropped = [w.message for w in caught if isinstance(w.message, ddj.DroppedRowsWarning)]
            counted = sum(len(w.report) for w in dropped)
            assert counted == len(ddj.problems(corpus))
            corpus["source"].str.encode("utf-8")
    finally:
        shutil.rmtree(base, ignore_errors=True)
