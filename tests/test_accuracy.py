"""Precision, recall and the corrected share from audit labels: by hand, and by simulation."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import ddj
from ddj import accuracy, auditing
from ddj.errors import ParameterError
from ddj.intervals import wilson


def _sample(rows: list[tuple[str, str, int, str]], population: dict, articles: int) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["group", "stratum", "stratum_articles", "label"])
    frame.attrs = {"population": population, "articles": articles}
    return frame


def test_estimates_match_values_computed_by_hand():
    # matches: stratum A (N=60) 4 labelled, 3 yes; stratum B (N=40) 2 labelled, 1 yes
    rows = [("match", "A", 60, lab) for lab in ["yes", "yes", "yes", "no"]]
    rows += [("match", "B", 40, lab) for lab in ["yes", "no", "skip"]]  # the skip is not counted
    rows += [("near", "C", 50, lab) for lab in ["yes", "no", "no", "no", "no"]]
    rows += [("other", "D", 900, "no")] * 9 + [("other", "D", 900, "yes")]
    acc = accuracy.precision_recall(_sample(rows, {"match": 100, "near": 50, "other": 900}, 1050))
    # p_match = (60 * 3/4 + 40 * 1/2) / 100 = 0.65; weights 15 (x4) and 20 (x2)
    assert acc.precision.value == pytest.approx(0.65)
    n_eff = (4 * 15 + 2 * 20) ** 2 / (4 * 15**2 + 2 * 20**2)  # 10,000 / 1,700
    assert acc.groups["match"].n_eff == pytest.approx(n_eff)
    z = 1.959963984540054
    centre = (0.65 + z * z / (2 * n_eff)) / (1 + z * z / n_eff)
    half = z * np.sqrt(0.65 * 0.35 / n_eff + z * z / (4 * n_eff**2)) / (1 + z * z / n_eff)
    assert (acc.precision.low, acc.precision.high) == pytest.approx((centre - half, centre + half))
    # recall = 100*0.65 / (65 + 50*0.2 + 900*0.1) = 65 / 165
    assert acc.recall.value == pytest.approx(65 / 165)
    assert acc.recall.low < acc.recall.value < acc.recall.high
    # corrected share = relevant / articles = share * P / R
    assert acc.corrected.value == pytest.approx(165 / 1050)
    assert acc.corrected.value == pytest.approx(acc.share * acc.precision.value / acc.recall.value)
    assert acc.labelled == 21 and "few labels in match, near, other" in acc.sentence()


def test_equal_weights_give_the_plain_wilson_interval():
    rows = [("match", "A", 200, "yes")] * 37 + [("match", "A", 200, "no")] * 3
    rows += [("other", "B", 1000, "no")] * 40
    acc = accuracy.precision_recall(_sample(rows, {"match": 200, "near": 0, "other": 1000}, 1200))
    assert (acc.precision.low, acc.precision.high) == pytest.approx(wilson(37, 40))
    # nothing relevant seen among the non-matches: recall's interval still allows misses there
    assert acc.recall.value == 1.0 and acc.recall.low < 0.9 and acc.recall.high == 1.0
    assert acc.sentence().startswith("audited on 80 labelled articles: finds 100% (")


def test_a_fully_labelled_group_is_known_exactly():
    rows = [("match", "A", 5, lab) for lab in ["yes"] * 4 + ["no"]] + [("other", "B", 5, "no")] * 5
    acc = accuracy.precision_recall(_sample(rows, {"match": 5, "near": 0, "other": 5}, 10))
    assert (acc.precision.value, acc.precision.low, acc.precision.high) == (0.8, 0.8, 0.8)
    assert (acc.recall.low, acc.recall.high) == (1.0, 1.0)


def test_without_labels_it_says_what_to_label():
    rows = [("match", "A", 5, "")] * 5
    with pytest.raises(ParameterError, match="label some of the sample's matches"):
        accuracy.precision_recall(_sample(rows, {"match": 5, "near": 0, "other": 5}, 10))
    rows = [("match", "A", 5, "yes")] * 5
    acc = accuracy.precision_recall(_sample(rows, {"match": 5, "near": 0, "other": 5}, 10))
    assert np.isnan(acc.recall.value) and "label some of other" in acc.recall.method


def test_corrected_coverage_scales_the_share_and_widens_its_interval():
    rows = [("match", "A", 100, "yes")] * 18 + [("match", "A", 100, "no")] * 2
    rows += [("other", "B", 900, "yes")] + [("other", "B", 900, "no")] * 19
    acc = accuracy.precision_recall(_sample(rows, {"match": 100, "near": 0, "other": 900}, 1000))
    cov = pd.DataFrame({"articles": [30, 60], "total": [300, 400], "share": [0.1, 0.15]})
    out = accuracy.corrected(cov, acc, replace=True)
    factor = acc.precision.value / acc.recall.value
    assert out["share"].tolist() == pytest.approx([0.1 * factor, 0.15 * factor])
    assert out["uncorrected_share"].tolist() == [0.1, 0.15]
    lo, hi = wilson(np.array([30, 60]), np.array([300, 400]))
    assert ((out["share_high"] - out["share_low"]) > (hi - lo) * factor).all()
    none = accuracy.corrected(pd.DataFrame({"articles": [0], "total": [50], "share": [0.0]}), acc)
    assert none["corrected_low"].iloc[0] == 0.0 < none["corrected_high"].iloc[0]
    assert cov.columns.tolist() == ["articles", "total", "share"]  # the input is not changed


def _population() -> tuple[pd.DataFrame, np.ndarray, float, float]:
    """A corpus's groups and truth: 3 outlets x 4 months; relevance varies by stratum."""
    rng = np.random.default_rng(12345)
    n = {"match": 600, "near": 400, "other": 4000}
    rate = {"match": 0.8, "near": 0.25, "other": 0.01}
    frames, truth = [], []
    key = 1
    for g, size in n.items():
        outlet = rng.choice(["A", "B", "C"], size=size, p=[0.5, 0.3, 0.2])
        period = rng.choice(["2024-01", "2024-02", "2024-03", "2024-04"], size=size)
        boost = np.where(outlet == "A", 1.15, 0.8)  # outlet A's articles are more often relevant
        truth.append(rng.random(size) < np.minimum(rate[g] * boost, 1))
        keys = np.arange(key, key + size, dtype=np.uint64)
        key += size
        frames.append(
            pd.DataFrame(
                {
                    "key": keys,
                    "id": keys.astype(str),
                    "group": g,
                    "period": period,
                    "outlet": outlet,
                }
            )
        )
    pop = pd.concat(frames, ignore_index=True)
    pop["stratum"] = pop["period"] + " · " + pop["outlet"]
    relevant = np.concatenate(truth)
    is_match = (pop["group"] == "match").to_numpy()
    precision = relevant[is_match].mean()
    recall = relevant[is_match].sum() / relevant.sum()
    return pop, relevant, float(precision), float(recall)


@pytest.mark.slow  # ~8 s: 200 samples drawn and estimated
def test_intervals_cover_the_true_precision_and_recall_at_about_the_stated_rate():
    """200 seeds on a simulated corpus with known truth: 95% intervals cover 90-99% of the time."""
    hits = {"precision": 0, "recall": 0, "corrected": 0}
    seeds = 200
    whole, relevant, precision, recall = _population()
    truth = pd.Series(relevant, index=whole["id"])
    for seed in range(seeds):
        pop = whole.assign(priority=auditing.priorities(whole["key"].to_numpy(), seed))
        sample = auditing.draw(pop, {"match": 40, "near": 40, "other": 40})
        sample["label"] = np.where(truth[sample["id"]].to_numpy(), "yes", "no")
        sample.attrs = {
            "population": pop["group"].value_counts().to_dict(),
            "articles": len(pop),
        }
        acc = accuracy.precision_recall(sample, draws=2_000, seed=seed)
        share = relevant.mean()
        hits["precision"] += acc.precision.low <= precision <= acc.precision.high
        hits["recall"] += acc.recall.low <= recall <= acc.recall.high
        hits["corrected"] += acc.corrected.low <= share <= acc.corrected.high
    rates = {k: v / seeds for k, v in hits.items()}
    print(rates)
    assert all(0.90 <= r <= 0.995 for r in rates.values()), rates


def _coverage(freq: str = "M") -> pd.DataFrame:
    """Coverage of a small invented corpus: 8 months, 12 articles a month, a few about Jimmy Lai."""
    rows = [
        {"url": f"https://p.example/{m}-{i}", "outlet": "P", "published": f"2024-{m:02d}-{1 + i:02d}",
         "text": "Jimmy Lai in court." if i < 1 + m % 4 else "Rain on Tuesday."}
        for m in range(1, 9) for i in range(12)
    ]  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ddj.coverage(ddj.corpus.conform(rows), {"lai": '"Jimmy Lai"'}, freq=freq)


def test_a_comparison_gains_corrected_shares_and_its_ratio_holds():
    rows = [("match", "A", 100, "yes")] * 16 + [("match", "A", 100, "no")] * 4
    rows += [("other", "B", 900, "yes")] * 2 + [("other", "B", 900, "no")] * 18
    acc = ddj.precision_recall(_sample(rows, {"match": 100, "near": 0, "other": 900}, 1000))
    table = ddj.compare(_coverage(), None, baseline=6)
    out = ddj.corrected(table, acc)
    factor = acc.precision.value / acc.recall.value
    assert out["corrected_share"].iloc[0] == pytest.approx(table["share"].iloc[0] * factor)
    assert out["baseline_corrected_share"].iloc[0] == pytest.approx(
        table["baseline_share"].iloc[0] * factor
    )
    ratio = out["corrected_share"] / out["baseline_corrected_share"]
    assert ratio.iloc[0] == pytest.approx(table["ratio"].iloc[0])
    assert (
        out["corrected_low"].iloc[0]
        < out["corrected_share"].iloc[0]
        < out["corrected_high"].iloc[0]
    )


def test_a_chart_of_the_corrected_share_names_its_interval_method():
    rows = [("match", "A", 100, "yes")] * 16 + [("match", "A", 100, "no")] * 4
    rows += [("other", "B", 900, "yes")] * 2 + [("other", "B", 900, "no")] * 18
    acc = ddj.precision_recall(_sample(rows, {"match": 100, "near": 0, "other": 900}, 1000))
    cov = _coverage()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = str(ddj.chart(cov, intervals=True).to_dict())
        fixed = str(ddj.chart(ddj.corrected(cov, acc, replace=True), intervals=True).to_dict())
    assert "(Wilson)" in plain and "(Wilson)" not in fixed
    assert "precision/recall" in fixed
