"""ddj.audit: a reproducible, stratified sample of matches, near misses and non-matches."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import ddj
from ddj import auditing
from ddj.errors import ParameterError

QUERY = '"Salt Typhoon" AND hack*'


def _corpus(n: int = 240) -> pd.DataFrame:
    """Articles in three outlets over four months: matches, near misses of each kind, and others."""
    kinds = [
        "Salt Typhoon hackers broke into carriers.",  # match
        "Typhoon season: salt marshes flooded.",  # near: the phrase's words apart
        "Salt Typhoon was named by investigators.",  # near: the phrase without hack*
        "Hackers stole data from a bank.",  # near: hack* alone
        "The council met on Tuesday about parking.",  # other
        "A football final ended in a draw.",  # other
    ]
    rows = []
    for i in range(n):
        rows.append(
            {
                "url": f"https://{['alpha', 'beta', 'gamma'][i % 3]}.example/{i}",
                "outlet": ["Alpha", "Beta", "Gamma"][i % 3],
                "title": f"Story {i}",
                "text": kinds[i % len(kinds)],
                "published": f"2024-{1 + (i // 7) % 4:02d}-{1 + i % 27:02d}",
            }
        )
    return ddj.corpus.conform(rows)


def test_groups_follow_the_query_and_its_near_query():
    corpus = _corpus()
    sample = ddj.audit(corpus, QUERY, n=900, seed=3)  # more than each group: a census
    assert sample.attrs["near_query"] == "salt AND typhoon OR hack*"
    assert sample.attrs["population"] == {"match": 40, "near": 120, "other": 80}
    assert len(sample) == 240 and sample["probability"].eq(1).all()
    texts = corpus.set_index("id")["text"]
    by_group = sample.groupby("group")["id"].apply(lambda ids: set(texts[list(ids)]))
    assert by_group["match"] == {"Salt Typhoon hackers broke into carriers."}
    assert len(by_group["near"]) == 3 and len(by_group["other"]) == 2


def test_same_seed_same_sample_other_seed_other_sample():
    corpus = _corpus()
    one = ddj.audit(corpus, QUERY, n=30, seed=1)
    assert one["id"].tolist() == ddj.audit(corpus, QUERY, n=30, seed=1)["id"].tolist()
    assert one["id"].tolist() != ddj.audit(corpus, QUERY, n=30, seed=2)["id"].tolist()
    # the rows' order in the corpus does not change what is drawn
    shuffled = corpus.sample(frac=1, random_state=0)
    assert set(ddj.audit(shuffled, QUERY, n=30, seed=1)["id"]) == set(one["id"])


def test_weights_are_stratum_sizes_over_draws_and_add_up_to_each_group():
    sample = ddj.audit(_corpus(), QUERY, n={"match": 12, "near": 12, "other": 12}, seed=5)
    assert sample["group"].value_counts().to_dict() == {"match": 12, "near": 12, "other": 12}
    for group, rows in sample.groupby("group"):
        assert rows["weight"].sum() == pytest.approx(sample.attrs["population"][group])
        per = rows.groupby("stratum").agg(
            drawn=("id", "size"), n=("stratum_sampled", "first"), N=("stratum_articles", "first")
        )
        assert (per["drawn"] == per["n"]).all()
        assert np.allclose(rows["probability"], rows["stratum_sampled"] / rows["stratum_articles"])
    # matches: 40 articles over 12 strata (3 outlets x 4 months), 12 draws: each stratum drawn or pooled
    assert sample.loc[sample["group"] == "match", "stratum"].nunique() >= 2


def test_allocation_is_proportional_and_pools_small_strata():
    into, size, drawn = auditing.allocate(pd.Series({"a": 60, "b": 30, "c": 6, "d": 4}), 10)
    assert drawn == {"a": 6, "b": 3, auditing.POOLED: 1}
    assert size == {"a": 60, "b": 30, auditing.POOLED: 10}
    assert into["c"] == into["d"] == auditing.POOLED
    # every final stratum gets a draw, even when the pool's own share rounds to none
    into, size, drawn = auditing.allocate(pd.Series({"a": 50, "b": 48, "c": 1, "d": 1}), 2)
    assert sum(drawn.values()) == 2 and min(drawn.values()) >= 1
    assert sum(size.values()) == 100


def test_a_store_in_batches_draws_the_same_sample_as_the_frame(tmp_path):
    corpus = _corpus()
    store = ddj.open(ddj.save(corpus, tmp_path / "store", append=True), batch_size=16)
    a = ddj.audit(corpus, QUERY, n=24, seed=9)
    b = ddj.audit(store, QUERY, n=24, seed=9)
    cols = ["id", "group", "stratum", "weight", "title", "matched"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    assert a.attrs["population"] == b.attrs["population"]


def test_each_row_shows_a_hit_in_context():
    sample = ddj.audit(_corpus(), QUERY, n=30, seed=1)
    match = sample.loc[sample["group"] == "match"].iloc[0]
    assert match["matched"] == "Salt Typhoon" and match["title"].startswith("Story")
    near = sample.loc[sample["group"] == "near", "matched"]
    assert set(near) <= {"Typhoon", "salt", "Salt", "Hackers"}
    other = sample.loc[sample["group"] == "other"].iloc[0]
    assert other["matched"] == "" and other["after"]


def test_other_page_types_and_missing_ids_are_counted_not_drawn():
    corpus = _corpus(60)
    corpus.loc[0, "page_type"] = "paywall"
    corpus.loc[1, "id"] = None
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        sample = ddj.audit(corpus, QUERY, n=90, seed=1)
    assert len(sample) == sum(sample.attrs["population"].values()) == 58
    text = " ".join(str(w.message) for w in seen)
    assert "paywall" in text and "1 article(s) have no id" in text


@pytest.mark.parametrize(
    ("kwargs", "fix"),
    [
        ({"n": -1}, "n=-1"),
        ({"n": 0}, "from 1 to"),
        ({"n": {"matches": 3}}, "the groups are"),
        ({"seed": "a"}, "seed='a'"),
        ({"near": '"unclosed'}, "near="),
    ],
)
def test_bad_parameters_name_the_fix(kwargs, fix):
    with pytest.raises(ParameterError, match=fix):
        ddj.audit(_corpus(12), QUERY, **kwargs)


def test_a_query_with_only_negated_terms_needs_near():
    with pytest.raises(ParameterError, match="give near="):
        auditing.near_query(ddj.resolve("query:NOT sport")[0])
