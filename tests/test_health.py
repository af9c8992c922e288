import warnings

import numpy as np
import pandas as pd
import pytest

import ddj
from ddj.corpus import conform
from ddj.denominator import Rule, assess, health, poisson_cdf
from ddj.errors import ParameterError

MONDAY = pd.Timestamp("2024-01-01", tz="UTC")  # a Monday: week 0 starts here


def steady(outlet, per_day, weeks, *, silent=(), low=None, start=0, title="Budget"):
    """Rows of ``outlet``: ``per_day`` articles each day of ``weeks`` (not in ``silent`` weeks)."""
    rows = []
    for week in range(start, weeks):
        if week in silent:
            continue
        days = range(1) if low and week in low else range(7)
        for day in days:
            for k in range(per_day):
                when = MONDAY + pd.Timedelta(days=7 * week + day, hours=8 + k)
                rows.append({"url": f"https://{outlet.lower()}.example/{week}/{day}/{k}",
                             "outlet": outlet, "published": when.isoformat(), "title": title})  # fmt: skip
    return rows


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.fixture
def silent_three_weeks():
    """A publishes 14 a week but nothing in weeks 8-10; B publishes 7 a week throughout."""
    rows = steady("A", 2, 20, silent={8, 9, 10}) + steady("B", 1, 20)
    rows[0]["title"] = "Hong Kong talks"
    return conform(rows)


def test_an_outlet_silent_for_three_weeks_is_flagged_exactly_there(silent_three_weeks):
    h = health(silent_three_weeks, freq="W")
    weeks = [MONDAY.tz_localize(None) + pd.Timedelta(weeks=w) for w in (8, 9, 10)]
    flagged = h[h["gap"]]
    assert flagged["outlet"].tolist() == ["A"] * 3
    assert flagged["period"].tolist() == weeks
    assert flagged["status"].tolist() == ["silent"] * 3
    assert flagged["usual"].tolist() == [14.0] * 3  # the median of the weeks before, flags left out
    a = h[h["outlet"] == "A"].set_index("period")
    assert a["status"].iloc[0] == "starts" and a["status"].iloc[-1] == "ends"
    assert (a["status"].iloc[1:-1].drop(weeks) == "ok").all()
    assert (h.loc[h["outlet"] == "B", "status"].iloc[1:-1] == "ok").all()
    assert h.attrs["summary"].splitlines() == [
        "2 outlets, 1 January 2024 to 19 May 2024: 3 weeks with a gap in the denominator.",
        "A: silent in the week of 26 February 2024, the week of 4 March 2024, the week of "
        "11 March 2024 (usually 14 a week).",
        # regimes are at least 4 weeks long (ddj.regimes.MIN_SIZE): the 3 silent weeks and one after
        # (the silent weeks and the one before them cost the same: a tie, kept as PELT meets it)
        "A: volume fell from ~14 a week to ~3.5 from 26 February 2024.",
        "A: volume rose from ~3.5 a week to ~14 from 25 March 2024.",
    ]


def test_coverage_gap_column_marks_the_same_weeks(silent_three_weeks):
    cov = quiet(ddj.coverage, silent_three_weeks, ["hong_kong"], freq="W")
    assert cov.columns.tolist()[-2:] == ["gap", "examples"]
    gaps = cov.loc[cov["gap"], "period"].dt.strftime("%Y-%m-%d").tolist()
    assert gaps == ["2024-02-26", "2024-03-04", "2024-03-11"]
    assert cov.attrs["gaps"] == {day: ["A"] for day in gaps}
    by_outlet = quiet(ddj.coverage, silent_three_weeks, ["hong_kong"], freq="W", by="outlet")
    assert set(by_outlet.loc[by_outlet["gap"], "outlet"]) == {"A"}
    assert by_outlet["gap"].sum() == 3
    monthly = quiet(ddj.coverage, silent_three_weeks, ["hong_kong"], freq="M")
    assert not monthly["gap"].any()  # two months before March: too little history to judge it


def test_far_below_usual_is_low_and_a_late_start_of_a_regular_outlet_is_a_gap():
    rows = steady("A", 3, 16, low={9}) + steady("B", 2, 16, start=5) + steady("C", 1, 16, start=5)
    h = health(conform(rows), freq="W")
    a = h[h["outlet"] == "A"]
    assert a.loc[a["status"] == "low", "period"].tolist() == [pd.Timestamp("2024-03-04")]
    assert a.loc[a["status"] == "low", "total"].tolist() == [3]  # one day of 21 a week
    b = h[h["outlet"] == "B"]
    assert (b["status"].iloc[:5] == "before").all() and b["gap"].iloc[:5].all()
    assert b["first"].iloc[0] == pd.Timestamp("2024-02-05")
    c = h[
        h["outlet"] == "C"
    ]  # 7 a week: a silence of C would be told from chance, so its start is a gap
    assert c["gap"].iloc[:5].all()
    assert "B: no data before 5 February 2024 (5 weeks)." in h.attrs["summary"]


def test_a_sparse_outlet_is_never_flagged():
    rng = np.random.default_rng(3)
    rows = []
    for week in range(60):
        for k in range(rng.poisson(2.5)):  # a week of none happens 1 in 12 by chance
            when = MONDAY + pd.Timedelta(days=7 * week + k % 7, hours=k)
            rows.append({"url": f"https://s.example/{week}/{k}", "outlet": "S",
                         "published": when.isoformat(), "title": "x"})  # fmt: skip
    h = health(conform(rows), freq="W")
    assert (h["total"] == 0).sum() >= 2 and not h["gap"].any()


def test_false_alarms_on_a_steady_poisson_outlet_stay_near_alpha():
    rng = np.random.default_rng(7)
    n = 4000
    totals = rng.poisson(12, size=n)
    table = pd.DataFrame({"outlet": "P", "period": pd.period_range("2000-01-03", periods=n, freq="W-SUN"),
                          "total": totals, "partial": False})  # fmt: skip
    totals[0] = totals[-1] = 12
    out = assess(table.assign(total=totals), rule=Rule(), period="W-SUN")
    flagged = int(out["gap"].sum())
    # P(X <= 2; 12) = 0.00052 is the largest tail below alpha = 0.001: about 2 expected in 4,000
    assert flagged <= 8


def test_days_are_compared_with_the_same_weekday():
    rows = []
    for day in range(12 * 7):
        n = 2 if day % 7 == 6 else 20  # quiet Sundays
        when = MONDAY + pd.Timedelta(days=day)
        rows += [{"url": f"https://d.example/{day}/{k}", "outlet": "D",
                  "published": (when + pd.Timedelta(minutes=k)).isoformat(), "title": "x"}
                 for k in range(n)]  # fmt: skip
    assert not health(conform(rows), freq="D")["gap"].any()


def test_poisson_tail_matches_scipy():
    from scipy.stats import poisson

    for k, mean in [(0, 6.9), (2, 12.0), (3, 12.0), (40, 200.0), (0, 0.5), (250, 1000.0)]:
        assert poisson_cdf(k, mean) == pytest.approx(poisson.cdf(k, mean), rel=1e-9, abs=1e-300)


def test_duplicates_non_articles_and_undated_are_counted():
    rows = steady("A", 1, 3)
    rows.append(dict(rows[0]))  # the same URL again
    rows.append({"url": "https://a.example/undated", "outlet": "A", "title": "x"})
    c = conform(rows)
    c["page_type"] = ["article"] * (len(c) - 3) + ["paywall", "article", "article"]
    before = c.copy()
    h = health(c, freq="W")
    assert c.equals(before)  # the input is not changed
    assert h["rows"].sum() == 22 and h["total"].sum() == 21
    assert h["non_articles"].sum() == 1 and h["duplicates"].sum() == 1
    assert h["undated"].iloc[0] == 1
    summary = h.attrs["summary"]
    assert "of rows are undated" in summary and "repeats of a URL" in summary
    assert "not articles" in summary
    no_type = health(
        c.drop(columns="page_type"), freq="W"
    )  # before page_type existed: all articles
    assert no_type["total"].sum() == 22


def test_the_summary_counts_the_undated_rows_load_counts(tmp_path):
    """Undated is one thing: no publication date, any page type, any outlet, the window or not.

    On 862 real pages, load said 27 undated and health 7: health counted only outlets with a
    dated article, and 20 of the undated pages were the only page of their site.
    """
    rows = steady("A", 1, 3) + [{"url": "https://a.example/u", "outlet": "A", "title": "x"}]
    rows += [
        {"url": f"https://only{i}.example/u", "outlet": f"Only {i}", "title": "x"} for i in (1, 2)
    ]
    rows += [{"url": "https://a.example/i", "outlet": "A", "title": "index"}]
    path = tmp_path / "t.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    with pytest.warns(ddj.DroppedRowsWarning, match="4 of 25 article") as said:
        corpus = ddj.load(path)
    assert len(said) == 1
    corpus["page_type"] = ["article"] * 24 + ["index"]  # undated non-articles count too
    for options in ({"freq": "W"}, {"freq": "M", "start": "2024-01-08", "end": "2024-01-14"}):
        summary = health(corpus, **options).attrs["summary"]
        assert "of rows are undated (not counted): 4 rows; most at Only 1 (100%)." in summary
    h = health(corpus, freq="W")
    assert h.groupby("outlet")["undated"].first().to_dict() == {"A": 2}  # no row for Only 1, 2


def test_rows_dropped_by_load_as_duplicates_are_said(tmp_path):
    path = tmp_path / "t.csv"
    rows = steady("A", 1, 2)
    pd.DataFrame(rows + rows[:2]).to_csv(path, index=False)
    h = health(quiet(ddj.load, path), freq="W")
    assert "ddj.load already dropped 2 rows repeating another's URL." in h.attrs["summary"]


def test_options_are_checked():
    c = conform(steady("A", 1, 2))
    with pytest.raises(ParameterError, match="window"):
        health(c, window=1)
    with pytest.raises(ParameterError, match="below"):
        health(c, below=2)
    with pytest.raises(ParameterError, match="freq"):
        health(c, freq="hourly")
    with pytest.raises(ParameterError, match="No dated articles"):
        health(c, start="2030-01-01")


def test_public_name_and_demo_label():
    c = conform(steady("A", 1, 3))
    c.attrs["ddj_demo"] = "synthetic demo data"
    h = ddj.health(c, freq="M")
    assert h.attrs["ddj_demo"] == "synthetic demo data"
    assert set(h["status"]) <= {"silent", "low", "before", "after", "starts", "ends", "ok"}


def test_a_store_gives_the_same_table(silent_three_weeks, tmp_path):
    c = silent_three_weeks.copy()
    c.loc[5, "published"] = pd.NaT  # an undated row
    c = pd.concat([c, c.iloc[[3, 40]]], ignore_index=True)  # two repeated URLs
    store = ddj.open(quiet(ddj.save, c, tmp_path / "store", append=True))
    # a store never holds a repeat: the append leaves them out (counted in its problems), so its
    # table is the table of the corpus without them
    once = c.drop_duplicates("id", ignore_index=True)
    for options in ({"freq": "W"}, {"freq": "D", "start": "2024-02-01", "end": "2024-04-30"}):
        expected = quiet(health, once, **options)
        got = quiet(health, store, **options)
        pd.testing.assert_frame_equal(got, expected)
        assert got.attrs == expected.attrs
    weekly = quiet(health, store, freq="W")
    assert weekly["duplicates"].sum() == 0 and weekly["undated"].max() == 1
    assert quiet(health, c, freq="W")["duplicates"].sum() == 2  # the frame shows them
    refused = quiet(ddj.problems, store)["reason"].str.startswith("given twice in one append")
    assert refused.sum() == 2


def test_a_group_has_a_gap_where_one_of_its_outlets_is_silent(silent_three_weeks, tmp_path):
    path = tmp_path / "groups.yml"
    path.write_text(
        "groups:\n"
        "  - name: with-a\n"
        "    outlets: [{domain: a.example, name: A, country: GB, kind: online}]\n"
        "  - name: both\n"
        "    outlets:\n"
        "      - {domain: a.example, name: A, country: GB, kind: online}\n"
        "      - {domain: b.example, name: B, country: GB, kind: online}\n"
        "  - name: only-b\n"
        "    outlets: [{domain: b.example, name: B, country: GB, kind: online}]\n"
    )
    cov = quiet(ddj.coverage, silent_three_weeks, ["hong_kong"], freq="W", by="group", outlets=path)
    gaps = cov[cov["gap"]].groupby("group")["period"].count().to_dict()
    assert gaps == {"both": 3, "with-a": 3}
    assert cov.attrs["outlets"] == "groups in groups.yml"


def test_a_long_silence_stays_flagged_throughout():
    rows = steady("A", 2, 30, silent=set(range(8, 20))) + steady("B", 1, 30)
    h = health(conform(rows), freq="W")
    a = h[h["outlet"] == "A"]
    assert (a["status"] == "silent").sum() == 12  # longer than the window of 8: still every week
    assert a.loc[a["status"] == "silent", "usual"].eq(14).all()
