"""A publish bundle's slug.csv read back into the coverage frame (ddj.coverage_table), and refused when it is not one."""

import json
import warnings

import pandas as pd
import pytest

import ddj
from ddj import coverage_table
from ddj.constants import DEMO_LABEL
from ddj.corpus import conform
from ddj.coverage_table import read_coverage
from ddj.errors import DdjWarning, InputError, SchemaError
from ddj.intervals import wilson
from ddj.method import method, method_attrs
from tests.hostile_files import fifo, finishes, sparse

HEADER = "period,period_end,topic,label,articles,total,share"


def _corpus():
    rows = []
    for month in range(1, 7):
        for outlet, n in (
            ("A", 8),
            ("=B", 5),
        ):  # an outlet that a spreadsheet would take as a formula
            for i in range(n):
                title = "Hong Kong vote" if i < month % 3 + 1 else "Budget"
                rows.append({"url": f"https://{outlet[-1].lower()}.example/{month}/{i}",
                             "published": f"2024-{month:02d}-{i + 2:02d}T10:00Z", "title": title,
                             "outlet": outlet})  # fmt: skip
    return conform(rows)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A coverage by outlet, counted here, and the bundle ddj.publish wrote of it."""
    out = tmp_path_factory.mktemp("table")
    corpus = _corpus()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DdjWarning)
        cov = ddj.coverage(corpus, ["hong_kong"], freq="M", by="outlet")
        paths = ddj.publish(ddj.chart(cov), out, "hk", data=cov, corpus=corpus)
    return cov, paths


def test_the_table_reads_back_as_the_frame_it_was_written_from(written):
    cov, paths = written
    read = read_coverage(paths["csv"])
    assert list(read.columns) == list(cov.columns)
    pd.testing.assert_frame_equal(read, cov.reset_index(drop=True), check_exact=True)
    assert read["outlet"].str.startswith("=").any()  # the CSV's "'=B" is "=B" again
    assert read.attrs["freq"] == "M" and read.attrs["queries"] == cov.attrs["queries"]
    record = json.loads(paths["method"].read_text(encoding="utf-8"))
    again = method(read, json.loads(paths["spec"].read_text(encoding="utf-8")))
    for key in ("queries", "corpus", "periods", "counted", "duplicates", "gaps", "interval"):
        assert again[key] == record[key], key  # the method published again says what it said


def test_demo_data_is_marked_in_the_table_itself(tmp_path):
    frame = pd.DataFrame({"period": ["2024-01-01"], "period_end": ["2024-01-07"], "topic": ["t"],
                          "label": ["T"], "articles": [1], "total": [50], "share": [0.02],
                          "partial": [False]})  # fmt: skip
    frame.attrs["ddj_demo"] = DEMO_LABEL
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DdjWarning)
        paths = ddj.publish(ddj.chart(frame), tmp_path, "demo", data=frame)
    paths["method"].unlink()  # the table travels alone
    assert pd.read_csv(paths["csv"])["demo"].tolist() == [DEMO_LABEL]
    read = read_coverage(paths["csv"])
    assert read.attrs["ddj_demo"] == DEMO_LABEL and read.attrs["freq"] == "W"
    assert "demo" not in read.columns


def test_a_table_without_intervals_gets_wilsons_and_the_small_flag(tmp_path):
    path = tmp_path / "hk.csv"
    path.write_text(
        f"{HEADER}\n2024-01-01,2024-12-31,hk,HK,0,10,0.0\n2025-01-01,2025-12-31,hk,HK,3,60,0.05\n"
    )
    read = read_coverage(path)
    low, high = wilson(read["articles"].to_numpy(), read["total"].to_numpy())
    assert read["share_low"].tolist() == list(low) and read["share_high"].tolist() == list(high)
    assert read["small"].tolist() == [True, False] and read.attrs["freq"] == "Y"
    assert not read["partial"].any() and read["examples"].tolist() == ["", ""]


def test_a_hostile_method_file_keeps_only_what_method_writes():
    record = {
        "queries": {"hk": "<script>x</script>", "n": 1, "long": "q" * 200_000},
        "corpus": {"outlets": {"A": 3, "B": "3", "C": -1, "D": True}, "rows": 1e308,
                   "problems": {"duplicate": 2, "x": [1]}},
        "gaps": {"2024-01-01": ["A", 5], "2024-02-01": "AB", "3": []},
        "interval": {"method": "Wilson", "confidence": "95%"},
        "periods": {"freq": ["M"], "tz": "UTC"},
        "demo": "anything true", "source": {"a": 1},
    }  # fmt: skip
    assert method_attrs(record) == {
        "queries": {"hk": "<script>x</script>"}, "outlet_articles": {"A": 3},
        "corpus_problems": {"duplicate": 2}, "tz": "UTC", "gaps": {"2024-01-01": ["A"]},
        "ddj_demo": DEMO_LABEL,
    }  # fmt: skip
    assert method_attrs([1, 2]) == {} and method_attrs(None) == {}


def test_a_broken_method_file_is_one_warning_and_left_out(tmp_path):
    path = tmp_path / "hk.csv"
    path.write_text(f"{HEADER}\n2024-01-01,2024-01-31,hk,HK,3,60,0.05\n")
    (tmp_path / "hk.method.json").write_text('{"queries": ')
    with pytest.warns(DdjWarning, match="hk.method.json: left out") as caught:
        read = read_coverage(path)
    assert len(caught) == 1 and set(read.attrs) == {"freq"}


@pytest.mark.parametrize(
    "text, words",
    [
        ("topic,label,articles,peak_period,peak_share\nhk,HK,3,2024-01-01,0.1\n",
         r"lacks the column\(s\) period, period_end, total, share; it looks like figures.csv"),
        ("date,Hong Kong\n2024-01-01,1.5\n", "it looks like the wide table written for Datawrapper"),
        ("url,title\nhttps://a.example,A\n", "lacks the column.*give SLUG.csv of a publish bundle"),
        (f"{HEADER}\n", "no rows"),
        (f"{HEADER},share\n2024-01-01,2024-01-31,hk,HK,3,60,0.05,0.9\n", "'share' appear more than once"),
        ("", "empty, not a CSV table"),
        ('period,"share\n', "row 1: not a CSV table ddj can read"),
        (f"{HEADER}\n2024-01-01,2024-01-31,hk,HK,3,60,0.05,extra,cells\n", "row 2: 9 cells under a header of 7"),
        (f"{HEADER}\n2024-01-01,2024-01-31,hk,HK,3,60,0.05\n2024-13-01,2024-01-31,hk,HK,3,60,0.05\n",
         "row 3: period '2024-13-01' is not a day"),
        (f"{HEADER}\n2024-01-01,2024-01-31,hk,HK,3.5,60,0.05\n", "row 2: articles '3.5' is not a whole number"),
        (f"{HEADER}\n2024-01-01,2024-01-31,hk,HK,61,60,0.05\n", "articles '61' is not at most the total"),
        (f"{HEADER}\n2024-01-01,2024-01-31,hk,HK,3,60,=1+1\n", "share '=1\\+1' is not a share from 0 to 1"),
        (f"{HEADER},small\n2024-01-01,2024-01-31,hk,HK,3,60,0.05,maybe\n", "small 'maybe' is not True or False"),
    ],
)  # fmt: skip
def test_what_is_not_a_coverage_table_is_refused_by_name(tmp_path, text, words):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError, match=words) as caught:
        read_coverage(path)
    assert str(caught.value).startswith(str(path))


def test_bytes_that_are_not_utf8_are_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(
        f"{HEADER}\n2024-01-01,2024-01-31,hk,Hong K\xf6ng,3,60,0.05\n".encode("latin-1")
    )
    with pytest.raises(SchemaError, match="not UTF-8 .*save the table as CSV UTF-8"):
        read_coverage(path)


def test_a_huge_file_or_a_fifo_is_refused_unread(tmp_path):
    giant = sparse(tmp_path / "giant.csv", coverage_table.MAX_COVERAGE_BYTES + 1)
    with pytest.raises(
        InputError, match="giant.csv: .* more than the .*-byte cap of a coverage table"
    ):
        read_coverage(giant)
    pipe = fifo(tmp_path / "pipe.csv")
    with pytest.raises(InputError, match="pipe.csv"):
        finishes(lambda: read_coverage(pipe), [pipe], seconds=10)
