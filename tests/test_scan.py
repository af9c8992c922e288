"""The scan core: one reduction an analysis, for a frame, a store and a cluster; the store knows no analysis."""

from __future__ import annotations

import ast
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

import ddj
from ddj import scan

PACKAGE = Path(ddj.__file__).resolve().parent
#: What an analysis is: the store (and the index beside it) may import none of these.
ANALYSIS = {"measure", "matching", "outlets", "denominator", "scan", "stats", "syndication"}


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """``(module, names)`` of every import of a ddj module in ``path``, inside functions too."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ddj"):
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.startswith("ddj")]
    return found


def test_the_store_imports_no_analysis():
    crossing = [
        (path.name, module, names)
        for path in sorted((PACKAGE / "store").glob("*.py"))
        for module, names in _imports(path)
        if set(module.split(".")[1:2]) & ANALYSIS or (module == "ddj" and set(names) & ANALYSIS)
    ]
    assert crossing == []


def test_only_the_scan_core_tells_a_store_from_a_frame():
    pattern = re.compile(r"isinstance\([^)]*\bStore\b")
    telling = [
        f"{path.relative_to(PACKAGE)}:{n}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "scan.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert telling == []


@pytest.mark.parametrize("module", ["measure", "denominator", "scan"])
def test_the_analyses_take_no_private_name_of_another_module(module):
    taken = [
        (imported, name)
        for imported, names in _imports(PACKAGE / f"{module}.py")
        for name in names
        if name.startswith("_")
    ]
    assert taken == []


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scan") / "store"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = ddj.demo_corpus(n=120)
        for part in (corpus.iloc[:70], corpus.iloc[70:]):
            ddj.save(part, folder, append=True)
    return folder


def test_a_frame_is_one_batch_and_a_store_its_batches(store):
    frame = ddj.open(store).to_pandas()
    assert [b is frame for b in scan.batches(frame)] == [True]
    sizes = [len(b) for b in scan.batches(ddj.open(store, batch_size=64), ["id"])]
    assert sum(sizes) == len(frame) and max(sizes) == 64 and len(sizes) > 1


def test_health_counts_repeats_of_earlier_rows_only(store):
    frame = ddj.open(store).to_pandas()
    frame = pd.concat([frame, frame.iloc[:25]], ignore_index=True)  # 25 repeats of earlier rows
    assert int(ddj.health(frame, freq="M")["duplicates"].sum()) == 25
    backwards = frame.iloc[::-1].reset_index(drop=True)  # the first copies now come last
    assert int(ddj.health(backwards, freq="M")["duplicates"].sum()) == 25


@pytest.mark.parametrize("batch_size", [13, 100_000])
def test_health_of_a_store_is_the_frames_at_any_batch_size(store, batch_size):
    """Repeats are found once over every batch's ids: the answer does not depend on the batches."""
    opened = ddj.open(store, batch_size=batch_size)
    got = ddj.health(opened, freq="M")
    pd.testing.assert_frame_equal(got, ddj.health(opened.to_pandas(), freq="M"))
    assert got.attrs["summary"] == ddj.health(opened.to_pandas(), freq="M").attrs["summary"]


def test_a_client_is_refused_for_a_frame():
    corpus = ddj.corpus.conform([{"url": "u1", "published": "2024-01-01T00:00:00Z"}])
    with pytest.raises(ddj.ParameterError, match="this corpus is a DataFrame in memory"):
        ddj.coverage(corpus, ["hong_kong"], client=object())


def test_the_real_table_as_a_store_counts_as_in_memory(real_table_store):
    """2,000 real headlines of 564 outlets, saved and read in batches of 250: every analysis the same."""
    store = real_table_store
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = store.to_pandas()
        for analysis in (
            lambda c: ddj.coverage(c, ["ransomware"], freq="W", by="outlet"),
            lambda c: ddj.health(c, freq="W"),
            ddj.problems,
            ddj.by_month,
        ):
            pd.testing.assert_frame_equal(analysis(store), analysis(frame))
        flags = ddj.match(store, ["ransomware"])
    assert flags["ransomware"].sum() > 100 and flags.index.name == "id"
