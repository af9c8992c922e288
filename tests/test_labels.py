"""Audit labels saved beside the topics file: atomic, formula-safe, untrusted on read, reused across queries."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import ddj
from ddj import labels
from ddj.errors import DroppedRowsWarning, InputError, ParameterError


def test_labels_live_beside_the_topics_file(tmp_path):
    assert labels.path_for(tmp_path / "topics.yml") == tmp_path / "topics.labels.csv"


def test_a_label_is_saved_and_replaced_and_survives_a_reread(tmp_path):
    path = tmp_path / "topics.labels.csv"
    labels.record(path, "a1", "lai", '"Jimmy Lai"', "yes")
    labels.record(path, "a2", "lai", '"Jimmy Lai"', "no")
    labels.record(path, "a1", "lai", '"Jimmy Lai"', "no")  # changed mind: replaced
    got = labels.read(path)
    assert got[["id", "label"]].values.tolist() == [["a2", "no"], ["a1", "no"]]
    assert not list(tmp_path.glob(".*tmp*"))  # the atomic write left nothing behind


def test_cells_that_look_like_formulas_are_guarded_and_read_back(tmp_path):
    path = tmp_path / "t.labels.csv"
    labels.record(path, "a1", "nato", "=NATO OR -x", "yes")
    raw = path.read_text()
    assert "'=NATO OR -x" in raw
    assert labels.read(path)["query"].tolist() == ["=NATO OR -x"]


def test_bad_rows_are_left_out_counted_and_named(tmp_path):
    path = tmp_path / "t.labels.csv"
    path.write_text(
        "id,topic,query,label,labelled\n"
        "a1,lai,q,yes,2026-12-01T10:00:00+00:00\n"
        ",lai,q,yes,\n"
        "a3,lai,q,perhaps,\n"
        "a4,lai,q,no,yesterday\n"
        "a5\x07,lai,q,no,\n"
        "a6,lai,q,Y,\n"
    )
    with pytest.warns(
        DroppedRowsWarning, match=r"4 row\(s\) of .* left out: .*line 3: no article id"
    ):
        got = labels.read(path)
    assert got["id"].tolist() == ["a1", "a6"] and got["label"].tolist() == ["yes", "yes"]
    reasons = [p["reason"] for p in got.attrs["problems"]]
    assert reasons[1] == "label 'perhaps' is not yes, no or skip" and "not a time" in reasons[2]


@pytest.mark.parametrize(
    ("content", "fix"),
    [
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"article,verdict\nx,yes\n", "needs the columns 'id' and 'label'"),
    ],
)
def test_unusable_files_are_refused_with_the_fix(tmp_path, content, fix):
    path = tmp_path / "t.labels.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=fix):
        labels.read(path)


def test_a_labels_file_too_large_or_not_a_file_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "t.labels.csv"
    path.write_text("id,label\n" + "a,yes\n" * 50)
    monkeypatch.setattr(labels, "MAX_LABELS_BYTES", 100)
    with pytest.raises(InputError, match="labels file"):
        labels.read(path)
    with pytest.raises(InputError):
        labels.read(tmp_path)  # a folder


def test_a_bad_label_is_refused_before_writing(tmp_path):
    path = tmp_path / "t.labels.csv"
    with pytest.raises(ParameterError, match="yes, no or skip"):
        labels.record(path, "a1", "lai", "q", "maybe")
    assert not path.exists()


def test_labels_are_reused_when_the_query_changes_and_only_new_articles_are_asked(tmp_path):
    corpus = ddj.corpus.conform(
        [
            {"url": f"https://x.example/{i}", "outlet": "X", "text": t, "published": "2024-01-02"}
            for i, t in enumerate(
                ["Jimmy Lai in court", "Lai Ching-te spoke", "Jimmy Lai appeal"] * 4
            )
        ]
    )
    path = tmp_path / "topics.labels.csv"
    first = ddj.audit(corpus, {"lai": '"Jimmy Lai"'}, n=60, seed=1)
    for row in first.itertuples():
        labels.record(
            path, row.id, "lai", first.attrs["query"], "yes" if row.group == "match" else "no"
        )
    second = ddj.audit(corpus, {"lai": '"Jimmy Lai" OR "Lai Ching-te"'}, n=60, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = labels.for_sample(second, labels.read(path))
    assert (got["label"] != "").all() and got["reused"].all()
    # the articles newly matched keep their label (no: not about Jimmy Lai)
    newly = got.loc[
        got["group"].eq("match") & got["id"].isin(first.loc[first["group"] != "match", "id"])
    ]
    assert len(newly) == 4 and newly["label"].eq("no").all()
    # a label given with the new query wins over the old one
    labels.record(path, newly["id"].iloc[0], "lai", second.attrs["query"], "yes")
    again = labels.for_sample(second, labels.read(path)).set_index("id")
    assert again.loc[newly["id"].iloc[0], "label"] == "yes"
    assert not again.loc[newly["id"].iloc[0], "reused"]
    assert isinstance(got, pd.DataFrame) and got.attrs["topic"] == "lai"
