import warnings

import pandas as pd
import pytest

import ddj
from ddj.corpus import conform
from ddj.measure import coverage, summary


def corpus_of(rows):
    return conform([{"url": f"https://a.example/{i}", **r} for i, r in enumerate(rows)])


@pytest.fixture
def small():
    return corpus_of(
        [
            {
                "published": "2024-01-01T10:00Z",
                "title": "Hong Kong talks",
                "outlet": "A",
            },  # Mon, week 1
            {"published": "2024-01-02T10:00Z", "title": "Budget", "outlet": "A"},
            {"published": "2024-01-03T10:00Z", "title": "Hong Kong again", "outlet": "B"},
            {"published": "2024-01-04T10:00Z", "title": "Weather", "outlet": "B"},
            # week 2 (Jan 8-14) has no articles at all
            {"published": "2024-01-16T10:00Z", "title": "Sport", "outlet": "A"},  # week 3
            {"published": "2024-01-17T10:00Z", "title": "Hong Kong third", "outlet": "A"},
            {"published": None, "title": "Hong Kong undated", "outlet": "A"},
        ]
    )


def test_weekly_shares_and_zero_weeks(small):
    with pytest.warns(ddj.DroppedRowsWarning, match="1 of 7"):
        cov = coverage(small, ["hong_kong"], freq="W")
    assert list(cov.columns) == [
        "period",
        "period_end",
        "topic",
        "label",
        "articles",
        "total",
        "share",
        "share_low",
        "share_high",
        "small",
        "partial",
        "gap",
        "examples",
    ]
    assert cov["period"].tolist() == [
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-01-08"),
        pd.Timestamp("2024-01-15"),
    ]
    assert cov["period_end"].tolist()[0] == pd.Timestamp("2024-01-07")
    assert cov["articles"].tolist() == [2, 0, 1]
    assert cov["total"].tolist() == [4, 0, 2]
    assert cov["share"].tolist() == [0.5, 0.0, 0.5]
    assert cov["label"].unique().tolist() == ["Hong Kong"]
    assert cov["examples"].iat[0] == "Hong Kong talks | Hong Kong again"
    assert cov.attrs["n_undated"] == 1 and cov.attrs["freq"] == "W"
    # data run Mon 1 Jan to Wed 17 Jan: the last week is only partly covered
    assert cov["partial"].tolist() == [False, False, True]


def test_window_makes_edges_partial(small):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cov = coverage(small, ["hong_kong"], freq="M", start="2024-01-02", end="2024-01-31")
    assert cov["articles"].tolist() == [2] and cov["total"].tolist() == [5]
    assert cov["partial"].tolist() == [True]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = coverage(small, ["hong_kong"], freq="M", start="2024-01-01", end="2024-01-31")
    assert full["partial"].tolist() == [False]


def test_sunday_night_utc_is_monday_in_hong_kong():
    c = corpus_of(
        [{"published": "2024-10-20T23:30:00Z", "title": "Hong Kong late"}]
    )  # Sunday 23:30 UTC
    utc = coverage(c, ["hong_kong"], freq="W")
    hk = coverage(c, ["hong_kong"], freq="W", tz="Asia/Hong_Kong")
    assert utc["period"].tolist() == [pd.Timestamp("2024-10-14")]
    assert hk["period"].tolist() == [pd.Timestamp("2024-10-21")]  # Monday 07:30 in Hong Kong
    day = coverage(c, ["hong_kong"], freq="D", tz="Asia/Hong_Kong")
    assert day["period"].tolist() == [pd.Timestamp("2024-10-21")]


def test_local_clock():
    c = conform([{"url": "u", "title": "Hong Kong", "published": "2024-10-21T01:00:00+08:00"}])
    assert coverage(c, ["hong_kong"], freq="D")["period"].tolist() == [pd.Timestamp("2024-10-20")]
    assert coverage(c, ["hong_kong"], freq="D", tz="local")["period"].tolist() == [
        pd.Timestamp("2024-10-21")
    ]


@pytest.mark.parametrize(
    ("freq", "periods"),
    [("D", 17), ("M", 1), ("Q", 1), ("Y", 1), ("month", 1), ("MS", 1), ("W", 3)],
)
def test_friendly_frequencies(small, freq, periods):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert len(coverage(small, ["hong_kong"], freq=freq)) == periods


def test_by_outlet_full_grid(small):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cov = coverage(small, ["hong_kong", {"budget": "budget"}], freq="W", by="outlet")
    assert list(cov.columns)[:5] == ["period", "period_end", "topic", "label", "outlet"]
    assert len(cov) == 2 * 3 * 2  # topics x weeks x outlets
    a = cov[(cov["topic"] == "hong_kong") & (cov["outlet"] == "A")]
    assert a["articles"].tolist() == [1, 0, 1] and a["total"].tolist() == [2, 0, 2]
    assert cov["topic"].unique().tolist() == ["hong_kong", "budget"]


def test_rolling_sums_not_mean_of_shares(small):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cov = coverage(small, ["hong_kong"], freq="W", rolling=2)
    assert cov["articles_rolling"].tolist() == [2, 2, 1]
    assert cov["total_rolling"].tolist() == [4, 4, 2]
    assert cov["share_rolling"].tolist() == [0.5, 0.5, 0.5]


def test_precomputed_flags_and_no_mutation(small):
    before = small.copy()
    flags = ddj.match(small, ["hong_kong"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = coverage(small, flags)
        b = coverage(small, ["hong_kong"])
    pd.testing.assert_frame_equal(a.drop(columns="label"), b.drop(columns="label"))
    pd.testing.assert_frame_equal(small, before)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"freq": "fortnight"}, ddj.ParameterError, "'D' \\(day\\), 'W'"),
        ({"start": "2024-02-01", "end": "2024-01-01"}, ddj.ParameterError, "after end"),
        ({"start": "not a date"}, ddj.ParameterError, "YYYY-MM-DD"),
        ({"by": "author"}, ddj.ParameterError, "by='outlet'"),
        ({"tz": "Mars/Olympus"}, ddj.ParameterError, "IANA"),
        ({"rolling": 0}, ddj.ParameterError, "whole number"),
        ({"start": "2030-01-01"}, ddj.ParameterError, "No dated articles"),
    ],
)
def test_bad_parameters(small, kwargs, error, words):
    with pytest.raises(error, match=words), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        coverage(small, ["hong_kong"], **kwargs)


def test_bad_corpus_and_topics(small):
    with pytest.raises(ddj.SchemaError, match="published"):
        coverage(pd.DataFrame({"title": ["x"]}), ["hong_kong"])
    with pytest.raises(ddj.ParameterError, match="Unknown topic"):
        coverage(small, ["nope_nope"])
    with pytest.raises(ddj.SchemaError, match="not aligned"):
        coverage(small, pd.DataFrame({"x": [True]}, index=[99]))


def test_summary(small):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = summary(coverage(small, ["hong_kong"], freq="W"))
    row = s.iloc[0]
    assert (
        row["articles"] == 3
        and row["peak_period"] == pd.Timestamp("2024-01-01")
        and row["peak_share"] == 0.5
    )
    assert row["latest_period"] == pd.Timestamp("2024-01-08")  # the partial last week is left out
    assert row["change_articles"] == -2 and row["change_share_points"] == -50.0
    # 2 of 4 articles: the 95% Wilson interval (computed by hand), and a small denominator
    assert round(row["peak_share_low"], 4) == 0.1500 and round(row["peak_share_high"], 4) == 0.8500
    assert row["peak_small"] and row["latest_small"]


def test_coverage_carries_wilson_intervals_and_small_periods(small):
    from scipy.stats import binomtest

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cov = coverage(small, ["hong_kong"], freq="W")
    for row in cov.itertuples():
        if row.total:
            ci = binomtest(row.articles, row.total).proportion_ci(method="wilson")
            assert row.share_low == pytest.approx(ci.low, abs=1e-12)
            assert row.share_high == pytest.approx(ci.high, abs=1e-12)
        else:  # no article at all that week: no interval, not a confident 0%
            assert pd.isna(row.share_low) and pd.isna(row.share_high)
    assert cov["small"].tolist() == [True, True, True]  # 4, 0 and 2 articles in all
    big = coverage(ddj.demo_corpus(), ["hong_kong"], freq="Y")
    assert not big["small"].any() and (big["share_low"] <= big["share"]).all()
    assert (big["share"] <= big["share_high"]).all()


def test_summary_peak_leaves_out_small_denominators():
    cov = pd.DataFrame(
        {
            "period": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
            "topic": "t", "label": "T", "articles": [5, 40, 30], "total": [6, 100, 100],
            "share": [5 / 6, 0.4, 0.3], "partial": False,
        }
    )  # fmt: skip
    row = summary(cov).iloc[0]  # intervals computed when the frame lacks them
    assert row["peak_period"] == pd.Timestamp("2024-02-01") and not row["peak_small"]
    assert row["peak_share_low"] == pytest.approx(0.3094, abs=1e-4)  # Wilson 40/100, by hand


def test_demo_coverage_has_shape():
    cov = coverage(ddj.demo_corpus(), ["hong_kong", "ukraine"], freq="Y")
    uk = cov[cov["topic"] == "ukraine"].set_index(cov[cov["topic"] == "ukraine"]["period"].dt.year)[
        "share"
    ]
    assert uk[2022] > 3 * uk[2020]
    assert cov.attrs["ddj_demo"] == "synthetic demo data"


def test_a_topic_is_counted_in_one_column_only(small):
    """coverage(corpus, ["hong_kong", "hong kong"]) gave a share of 2.0: two topics in one column."""
    with pytest.raises(ddj.ParameterError, match="'hong kong' is not a topic name but reads as"):
        coverage(small, ["hong_kong", "hong kong"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ddj.DroppedRowsWarning)
        both = coverage(small, ["hong_kong", "query:hong kong"])  # the words, said as a query
        assert set(both["topic"]) == {"hong_kong", "hong kong"}  # get their own column
        cov = coverage(small, ["hong_kong", "hong_kong"], freq="W")  # the same topic: once
        flags = ddj.match(small, ["hong_kong"])
        with pytest.raises(ddj.SchemaError, match=r"\['hong_kong'\] more than once"):
            coverage(small, pd.concat([flags, flags], axis=1))
    assert cov["topic"].unique().tolist() == ["hong_kong"]
    assert cov["share"].max() <= 1.0


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"shingle": 0}, "shingle=0"),  # grouped every article of the demo corpus into one story
        ({"num_perm": 0}, "num_perm=0"),
        ({"threshold": "high"}, "threshold='high'"),
        ({"threshold": float("nan")}, "threshold=nan"),
        ({"min_words": -5}, "min_words=-5"),
    ],
)
def test_find_syndicated_refuses_settings_it_cannot_use(small, kwargs, words):
    from ddj.syndication import find_syndicated

    with pytest.raises(ddj.ParameterError, match=words):
        find_syndicated(small.assign(text="some words"), **kwargs)


def test_by_month_counts_dated_articles_per_outlet(small):
    extra = corpus_of([{"published": "2024-02-20T10:00Z", "title": "x", "outlet": "B"}])
    table = ddj.by_month(pd.concat([small, extra], ignore_index=True))
    assert table.index.tolist() == ["2024-01", "2024-02"]
    assert table.loc["2024-01"].to_dict() == {"A": 4, "B": 2}  # the undated article is left out
    assert table.loc["2024-02"].to_dict() == {"A": 0, "B": 1}  # zeros, not gaps


def test_date_signals_count_each_signal(small):
    signals = ddj.date_signals(small)
    assert signals.columns.tolist() == ["date signal"]
    assert int(signals["date signal"].sum()) == len(small)
    assert signals["date signal"].is_monotonic_decreasing


def test_coverage_options_are_keyword_only(small):
    with pytest.raises(TypeError):
        coverage(small, ["hong_kong"], "M")


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"freq": "fortnight"}, "freq='fortnight' is not a frequency ddj counts by"),
        ({"tz": "Mars/Olympus"}, "tz='Mars/Olympus' is not a time zone"),
        ({"start": "2024-13-45"}, "start='2024-13-45' is not a date: write it as YYYY-MM-DD"),
        ({"by": "author"}, "by='author' is not supported"),
    ],
)
def test_coverage_and_notebooks_word_a_bad_parameter_alike(small, kwargs, words):
    """One check per parameter: the library and the notebooks' check say the same."""
    from ddj.notebooks import check_parameters

    with pytest.raises(ddj.ParameterError) as library:
        coverage(small, ["hong_kong"], **kwargs)
    with pytest.raises(ddj.ParameterError) as notebook:
        check_parameters(**kwargs)
    assert str(library.value) == str(notebook.value)
    assert str(library.value).startswith(words)


# -- page types and date confidence (issue 14) --------------------------------------------------


@pytest.fixture
def typed():
    """Week of 2024-01-01: 2 articles (1 on Hong Kong), a paywall teaser and a bot challenge on it;
    dates from json-ld (high), a URL (medium) and htmldate (low)."""
    return corpus_of(
        [
            {"published": "2024-01-01T10:00Z", "published_from": "json-ld", "title": "Hong Kong talks"},
            {"published": "2024-01-02T10:00Z", "published_from": "url", "title": "Budget"},
            {"published": "2024-01-03T10:00Z", "published_from": "htmldate", "title": "Weather"},
            {"published": "2024-01-03T11:00Z", "published_from": "json-ld",
             "title": "Hong Kong: subscribe to read", "page_type": "paywall"},
            {"published": "2024-01-04T10:00Z", "title": "Hong Kong, just a moment",
             "page_type": "blocked"},
        ]
    )  # fmt: skip


def _left_out_warnings(record):
    return [w for w in record if "Left out" in str(w.message)]


def test_coverage_counts_articles_only_in_one_warning(typed):
    with pytest.warns(ddj.DroppedRowsWarning) as record:
        cov = coverage(typed, ["hong_kong"], freq="W")
    (warning,) = _left_out_warnings(record)  # one, not one from match and one from coverage
    assert "2 page(s) that are not articles (1 paywall, 1 blocked" in str(warning.message)
    assert [r["reason"] for r in warning.message.report] == [
        "not an article: paywall",
        "not an article: blocked",
    ]
    # by hand: 3 articles in the week, 1 of them on Hong Kong
    assert cov[["articles", "total"]].values.tolist() == [[1, 3]]


def test_coverage_pages_all_counts_every_row(typed):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cov = coverage(typed, ["hong_kong"], freq="W", pages="all")
    assert cov[["articles", "total"]].values.tolist() == [[3, 5]]


@pytest.mark.parametrize(
    ("level", "articles", "total", "unsure"),
    [("low", 1, 3, 0), ("medium", 1, 2, 1), ("high", 1, 1, 2)],  # counted by hand from `typed`
)
def test_coverage_min_confidence(typed, level, articles, total, unsure):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        cov = coverage(typed, ["hong_kong"], freq="W", min_confidence=level)
    assert cov[["articles", "total"]].values.tolist() == [[articles, total]]
    (warning,) = _left_out_warnings(record)
    if unsure:
        assert f"and {unsure} whose publication date is less sure than" in str(warning.message)
    else:
        assert "less sure" not in str(warning.message)


def test_undated_rows_are_counted_among_the_wanted_pages_only():
    c = corpus_of(
        [
            {"published": "2024-01-01T10:00Z", "title": "Hong Kong talks"},
            {"published": None, "title": "Undated article"},
            {"published": None, "title": "Undated teaser", "page_type": "paywall"},
        ]
    )
    with pytest.warns(
        ddj.DroppedRowsWarning, match=r"1 of 2 article\(s\) have no publication date"
    ):
        cov = coverage(c, ["hong_kong"], freq="W")
    assert cov.attrs["n_undated"] == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"pages": "front"}, r"pages='front'"),
        ({"min_confidence": "certain"}, r"min_confidence='certain'"),
    ],
)
def test_coverage_refuses_bad_page_and_confidence_options(typed, options, message):
    with pytest.raises(ddj.ParameterError, match=message):
        coverage(typed, ["hong_kong"], **options)


def test_a_client_with_a_frame_is_refused_not_ignored(small):
    with pytest.raises(ddj.ParameterError, match="client= counts a store"):
        ddj.coverage(small, ["hong_kong"], freq="M", client=object())
