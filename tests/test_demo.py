import filecmp
import warnings

import pandas as pd
import pytest

import ddj
from ddj.demo import OUTLETS, demo_pages_dir, topic_weights, write_demo_pages


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    paths = write_demo_pages(folder, n=400, seed=7)
    return folder, paths


def test_deterministic(small, tmp_path):
    folder, paths = small
    again = write_demo_pages(tmp_path, n=400, seed=7)
    assert [p.relative_to(tmp_path) for p in again] == [p.relative_to(folder) for p in paths]
    assert all(filecmp.cmp(a, b, shallow=False) for a, b in zip(paths, again, strict=True))
    other = write_demo_pages(tmp_path / "other", n=400, seed=8)
    assert not all(filecmp.cmp(a, b, shallow=False) for a, b in zip(paths, other, strict=False))


def test_markup_variety(small):
    folder, paths = small
    truth = pd.read_csv(folder / "truth.csv", keep_default_na=False)
    assert set(truth["markup"]) == {"json-ld", "json-ld-graph", "opengraph", "time-tag", "url-date"}
    assert (truth["published"] == "").sum() > 0  # pages with no date at all
    assert truth["url"].str.contains("utm_source=").sum() > 0  # tracking-parameter duplicates
    assert (truth["wire_of"] != "").sum() > 0  # syndicated copies
    assert any(p.name.endswith(".html.gz") for p in paths)
    texts = [p.read_bytes() for p in paths if "midlandledger" in str(p) and p.suffix == ".html"]
    assert any(b"\xe9" in t for t in texts)  # windows-1252 bytes
    assert any(b'charset="utf-8"' in t and b"\xe9" in t for t in texts)  # ... declared wrongly
    assert all(
        b"synthetic demo data"
        in (p.read_bytes() if p.suffix == ".html" else b"synthetic demo data")
        for p in paths
    )


def test_volumes_have_shape():
    assert (
        topic_weights(pd.Timestamp("2022-03-01").date())["ukraine"]
        > 5 * topic_weights(pd.Timestamp("2021-06-01").date())["ukraine"]
    )
    visit = topic_weights(pd.Timestamp("2024-10-18").date())
    before = topic_weights(pd.Timestamp("2024-09-01").date())
    assert (
        visit["hong_kong"] > 2 * before["hong_kong"]
        and visit["cyberespionage"] > 2 * before["cyberespionage"]
    )


def test_loaded_corpus_recovers_intended_dates(small):
    folder, _ = small
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = ddj.load(folder, progress=False)
    truth = pd.read_csv(folder / "truth.csv", keep_default_na=False)
    truth["source"] = [str(folder / f) for f in truth["file"]]
    m = corpus.merge(truth, on="source", suffixes=("", "_truth"))
    assert len(m) == len(corpus)
    dated = m[m["published_truth"] != ""]
    intended = pd.to_datetime(dated["published_truth"], utc=True, format="ISO8601")
    same_minute = dated["published"].dt.floor("min") == intended.dt.floor("min")
    same_day = dated["published"].dt.date == intended.dt.date
    exact = same_minute | ((dated["published_from"] == "url") & same_day)
    assert exact.all(), dated.loc[~exact, ["file", "published", "published_truth"]]
    assert m.loc[m["published_truth"] == "", "published"].isna().all()
    assert set(corpus["outlet"]) == {o.name for o in OUTLETS}
    assert (
        corpus["text"].str.contains("Hong Kong").any()
        and corpus["text"].str.contains("\u9999\u6e2f").any()
    )
    midland = corpus[corpus["outlet"] == "The Midland Ledger"]
    assert (
        midland["text"].str.contains("caf\u00e9").any()
        and not midland["text"].str.contains("\u00c3").any()
    )


def test_default_demo_is_big_enough(tmp_path):
    paths = write_demo_pages(tmp_path, seed=1)  # generation only; extraction is tested above
    truth = pd.read_csv(tmp_path / "truth.csv", keep_default_na=False)
    assert len(paths) >= 1500
    days = pd.to_datetime(
        truth.loc[truth["published"] != "", "published"], utc=True, format="ISO8601"
    )
    assert days.min().year == 2019 and days.max().year == 2025
    assert truth["outlet"].nunique() == 5


def test_demo_corpus_is_labelled():
    corpus = ddj.demo_corpus(n=200, seed=3)
    assert corpus.attrs["ddj_demo"] == "synthetic demo data"
    assert len(corpus) > 150
    assert (demo_pages_dir(seed=3, n=200) / ".complete").exists()


def test_demo_corpus_table_is_kept_and_rebuilt_when_unreadable():
    first = ddj.demo_corpus(n=200, seed=3)
    tables = list(demo_pages_dir(seed=3, n=200).glob("corpus-extractor*.parquet"))
    assert len(tables) == 1
    again = ddj.demo_corpus(n=200, seed=3)  # read from the kept table
    pd.testing.assert_frame_equal(again, first)
    assert again.attrs == first.attrs and len(ddj.problems(again)) == len(ddj.problems(first))
    tables[0].write_bytes(b"not parquet")  # a damaged cache file is never an error
    rebuilt = ddj.demo_corpus(n=200, seed=3)
    pd.testing.assert_frame_equal(rebuilt, first)
    assert rebuilt.attrs["ddj_demo"] == "synthetic demo data"
