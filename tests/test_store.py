"""The corpus store: appends by month, a lazy corpus, streamed calls equal to the in-memory ones."""

from __future__ import annotations

import multiprocessing
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ddj
from ddj.errors import DroppedRowsWarning, InputError, ParameterError
from ddj.store import Store

TOPICS = ["hong_kong", "ukraine", "cyberespionage"]
BATCH = 53  # small and odd: batches cross parts and months


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _extra_rows() -> pd.DataFrame:
    """Awkward rows: no title, equal times (examples' ties), no outlet, undated, other languages."""
    same = "2021-03-03T10:00:00Z"
    rows = [
        {"url": f"https://tie.example/{i}", "title": f"Hong Kong tie {i}", "published": same,
         "text": "Hong Kong", "outlet": "Tie Post", "language": "en"}
        for i in range(5)
    ] + [
        {"url": "https://x.example/notitle", "published": "2021-03-04T10:00:00Z",
         "text": "Hong Kong again", "outlet": None, "language": "de"},
        {"url": "https://x.example/undated", "title": "Hong Kong, some day", "text": "Hong Kong"},
        {"url": "https://x.example/paywall", "title": "Hong Kong: subscribe", "text": "Hong Kong",
         "published": "2021-03-05T10:00:00Z", "page_type": "paywall", "outlet": "Tie Post"},
        {"url": "https://x.example/guess", "title": "Hong Kong guessed", "text": "Hong Kong",
         "published": "2021-03-06T10:00:00Z", "published_from": "htmldate", "outlet": "Tie Post"},
    ]  # fmt: skip
    return _quiet(ddj.corpus.conform, rows)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A store of three appends (the demo corpus in two, then awkward rows) and what was saved."""
    folder = tmp_path_factory.mktemp("store") / "store"
    corpus = _quiet(ddj.demo_corpus, n=300)
    extra = _extra_rows()
    appended = [corpus.iloc[:180], corpus.iloc[180:], extra]
    for part in appended:
        ddj.save(part, folder, append=True)
    return folder, appended


@pytest.fixture(scope="module")
def store(saved) -> Store:
    return ddj.open(saved[0], batch_size=BATCH)


@pytest.fixture(scope="module")
def frame(store) -> pd.DataFrame:
    return store.to_pandas()


def _month(frame: pd.DataFrame) -> pd.Series:
    return frame["published"].dt.strftime("%Y-%m").fillna("undated")


# -- writing ---------------------------------------------------------------------------------


def test_layout_is_hive_by_month_with_one_schema(saved):
    import pyarrow.parquet as pq

    folder, appended = saved
    months = sorted(d.name for d in folder.iterdir() if d.name.startswith("month="))
    expected = sorted({f"month={m}" for part in appended for m in _month(part)})
    assert months == expected and "month=undated" in months
    schemas = {pq.read_schema(p).remove_metadata() for p in folder.rglob("part-*.parquet")}
    assert len(schemas) == 1 and list(schemas.pop().names) == ddj.corpus.COLUMNS
    assert not list(folder.rglob(".*")), "no temporary files are left"


def test_to_pandas_is_what_was_saved_in_store_order(saved, frame):
    """Months in order (undated last), then appends in order, then rows as given."""
    _, appended = saved
    whole = pd.concat(appended, ignore_index=True)
    order = np.argsort(_month(whole).to_numpy(), kind="stable")
    expected = whole.iloc[order].reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, expected)
    assert frame.dtypes.to_dict() == ddj.corpus.empty().dtypes.to_dict()


def test_attrs_carry_problems_and_demo_label(saved, store, frame):
    _, appended = saved
    problems = [p for part in appended for p in part.attrs.get(ddj.corpus.PROBLEMS_ATTR, [])]
    assert problems, "the demo corpus has undated rows, listed as problems"
    assert frame.attrs[ddj.corpus.PROBLEMS_ATTR] == problems
    assert store.attrs == {ddj.corpus.DEMO_ATTR: "synthetic demo data"}
    pd.testing.assert_frame_equal(ddj.problems(store), ddj.problems(frame))


def test_batches_have_the_size_asked_and_add_up(store, frame):
    sizes = [len(b) for b in store.batches(batch_size=BATCH)]
    assert set(sizes[:-1]) == {BATCH} and 0 < sizes[-1] <= BATCH
    pd.testing.assert_frame_equal(
        pd.concat(store.batches(columns=["id", "title"])), frame[["id", "title"]]
    )


def test_append_to_a_file_name_or_save_to_a_folder_is_refused(tmp_path, frame):
    with pytest.raises(InputError, match="append=True adds to a store, a folder"):
        ddj.save(frame, tmp_path / "corpus.parquet", append=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="append=True adds to a store"):
        ddj.save(frame, tmp_path / "file", append=True)
    with pytest.raises(InputError, match="is a file, not a folder"):
        ddj.save(frame, tmp_path / "file" / "store", append=True)
    (tmp_path / "folder.parquet").mkdir()
    with pytest.raises(InputError, match="it is a folder.*pass append=True"):
        ddj.save(frame, tmp_path / "folder.parquet")
    with pytest.raises(InputError, match="or append=True"):
        ddj.save(frame, tmp_path / "store")


def test_what_is_not_data_is_left_alone(tmp_path, frame):
    folder = ddj.save(frame.head(50), tmp_path / "s", append=True)
    month = next(folder.glob("month=*"))
    (month / ".part-x.parquet.tmp-1-abcd").write_bytes(b"half a file")
    (folder / "_manifest.jsonl").write_text('{"file": "a.warc.gz"}\n')
    store = ddj.open(folder)
    assert len(store) == 50
    pd.testing.assert_frame_equal(store.to_pandas(), ddj.open(folder).to_pandas())


def test_parts_of_an_older_schema_read_as_today(tmp_path, frame):
    """A part written before SCHEMA gained columns reads as ``conform`` fills them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    old = frame.head(30).drop(columns=list(ddj.corpus.ADDED_COLUMNS))
    folder = ddj.save(frame.iloc[30:60], tmp_path / "s", append=True)
    (folder / "month=2019-01").mkdir(exist_ok=True)
    table = pa.Table.from_pandas(old, preserve_index=False)
    pq.write_table(table, folder / "month=2019-01" / "part-0-old.parquet")
    got = ddj.open(folder).to_pandas()
    expected = ddj.corpus.conform(old)
    pd.testing.assert_frame_equal(got.head(30), expected, check_index_type=False)
    assert ddj.open(folder).filter(start="2019-01-01", end="2019-01-31").outlets


def test_a_damaged_part_is_an_error_naming_it(tmp_path, frame):
    folder = ddj.save(frame.head(200), tmp_path / "s", append=True)
    part = sorted(folder.rglob("part-*.parquet"))[0]
    data = part.read_bytes()
    part.write_bytes(data[:100] + bytes(200) + data[300:])  # pages broken, footer whole
    with pytest.raises(InputError, match=part.name):
        ddj.open(folder).to_pandas()
    part.write_bytes(b"PAR1 no footer")
    with pytest.raises(InputError, match=part.name):
        len(ddj.open(folder))


def test_open_refuses_what_is_no_store(tmp_path):
    with pytest.raises(InputError, match="no such folder"):
        ddj.open(tmp_path / "nothing")
    (tmp_path / "pages").mkdir()
    with pytest.raises(InputError, match="not a corpus store"):
        ddj.open(tmp_path / "pages")


def _append_many(folder: str, worker: int) -> None:
    corpus = ddj.corpus.conform(
        [
            {"url": f"https://w{worker}.example/{i}", "published": f"2024-0{1 + i % 3}-10",
             "text": "Hong Kong" if i % 2 else "other", "title": f"w{worker} {i}"}
            for i in range(40)
        ]
    )  # fmt: skip
    for k in range(5):
        ddj.save(corpus.iloc[k * 8 : (k + 1) * 8], folder, append=True)


def test_concurrent_appenders_lose_and_double_nothing(tmp_path):
    folder = str(tmp_path / "shared")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(folder, w)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    got = ddj.open(folder).to_pandas()
    assert len(got) == 120 and got["url"].is_unique
    assert len(list(Path(folder).rglob("part-*.parquet"))) == 3 * 5 * 3  # 5 appends x 3 months each
    assert not list(Path(folder).rglob(".*"))


# -- the lazy corpus -------------------------------------------------------------------------


def test_length_dates_outlets_read_no_text(store, frame, monkeypatch):
    import pyarrow.parquet as pq

    asked: list = []
    real = pq.ParquetFile.iter_batches

    def spy(self, *args, columns=None, **kwargs):
        asked.append(columns)
        return real(self, *args, columns=columns, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", spy)
    narrow = store.filter(language="en")
    assert len(store) == len(frame)
    assert len(narrow) == int((frame["language"] == "en").sum())
    dated = frame["published"].dropna()
    assert store.dates == (dated.min(), dated.max())
    assert narrow.dates == (
        frame.loc[frame["language"] == "en", "published"].min(),
        frame.loc[frame["language"] == "en", "published"].max(),
    )
    assert store.outlets == sorted(frame["outlet"].dropna().unique())
    assert asked and all(c is not None and "text" not in c for c in asked)


def test_filter_prunes_months_and_equals_a_mask(store, frame):
    chosen = store.filter(
        start="2020-02-03", end="2020-05-01", outlets=["Harbour Post", "Tie Post"]
    )
    published = frame["published"]
    mask = (
        (published >= pd.Timestamp("2020-02-03", tz="UTC"))
        & (published < pd.Timestamp("2020-05-02", tz="UTC"))
        & frame["outlet"].isin(["Harbour Post", "Tie Post"])
    )
    pd.testing.assert_frame_equal(chosen.to_pandas(), frame[mask].reset_index(drop=True))
    assert chosen.months == ["2020-02", "2020-03", "2020-04", "2020-05"]
    again = chosen.filter(start="2020-03-01", language=["en", "de"])
    assert again.months == ["2020-03", "2020-04", "2020-05"]
    assert len(again) == int((mask & (published >= pd.Timestamp("2020-03-01", tz="UTC"))).sum())
    assert len(store.filter(language="de")) == 1


def test_filter_checks_its_parameters(store):
    with pytest.raises(ParameterError, match="start="):
        store.filter(start="soon")
    with pytest.raises(ParameterError, match="after end"):
        store.filter(start="2024-02-01", end="2024-01-01")
    with pytest.raises(ParameterError, match="outlets="):
        store.filter(outlets=3)


def test_a_column_and_the_columns(store, frame):
    pd.testing.assert_series_equal(store["language"], frame["language"])
    assert store.columns == ddj.corpus.COLUMNS and "published" in store and "body" not in store
    with pytest.raises(KeyError, match="no column"):
        store["body"]


# -- streamed calls equal the in-memory ones -------------------------------------------------


def _groups_file(tmp_path: Path) -> Path:
    path = tmp_path / "groups.yml"
    path.write_text(
        "groups:\n"
        "  - name: harbour\n    label: Harbour\n    description: one\n    outlets:\n"
        "      - {domain: harbourpost.example, name: Harbour Post, country: GB, kind: newspaper}\n"
        "  - name: north\n    label: North\n    description: two\n    outlets:\n"
        "      - {domain: northgate-courier.example, name: The Northgate Courier, country: GB, kind: newspaper}\n"
        "      - {domain: harbourpost.example, name: Harbour Post, country: GB, kind: newspaper}\n",
        encoding="utf-8",
    )
    return path


OPTIONS = [
    {"freq": "M"},
    {"freq": "W", "by": "outlet"},
    {"freq": "D", "start": "2021-02-20", "end": "2021-03-10", "tz": "Europe/London"},
    {"freq": "Q", "rolling": 3, "tz": "local"},
    {"freq": "Y", "outlets": ["harbourpost.example", "tie.example"]},
    {"freq": "M", "by": "group", "outlets": "GROUPS"},
    {"freq": "W", "pages": "all"},
    {"freq": "M", "min_confidence": "medium", "by": "outlet"},
]


@pytest.mark.parametrize(
    "options", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items())
)
def test_coverage_equals_in_memory(store, frame, options, tmp_path):
    options = {k: (str(_groups_file(tmp_path)) if v == "GROUPS" else v) for k, v in options.items()}
    with warnings.catch_warnings(record=True) as streamed:
        warnings.simplefilter("always")
        got = ddj.coverage(store, TOPICS, **options)
    with warnings.catch_warnings(record=True) as in_memory:
        warnings.simplefilter("always")
        expected = ddj.coverage(frame, TOPICS, **options)
    pd.testing.assert_frame_equal(got, expected)
    assert got.attrs == expected.attrs
    dropped = [w for w in streamed + in_memory if issubclass(w.category, DroppedRowsWarning)]
    assert all(w.filename == __file__ for w in dropped), "warnings point at the caller"
    assert [
        (str(w.message), w.message.report)
        for w in streamed
        if issubclass(w.category, DroppedRowsWarning)
    ] == [
        (str(w.message), w.message.report)
        for w in in_memory
        if issubclass(w.category, DroppedRowsWarning)
    ]


def test_coverage_examples_break_ties_in_store_order(store, frame):
    got = _quiet(ddj.coverage, store, ["hong_kong"], freq="D", start="2021-03-03", end="2021-03-04")
    first = got.loc[got["period"] == pd.Timestamp("2021-03-03"), "examples"].item()
    assert first == "Hong Kong tie 0 | Hong Kong tie 1 | Hong Kong tie 2"
    assert got["examples"].iloc[1] == "(no title)"


def test_coverage_of_a_filtered_store(store):
    part = store.filter(start="2020-01-01", end="2020-12-31")
    got = _quiet(ddj.coverage, part, TOPICS, freq="M")
    pd.testing.assert_frame_equal(got, _quiet(ddj.coverage, part.to_pandas(), TOPICS, freq="M"))


def test_coverage_refuses_what_needs_the_whole_corpus(store, frame):
    with pytest.raises(ParameterError, match=r"load it with to_pandas\(\) for dedupe"):
        ddj.coverage(store, TOPICS, dedupe=True)
    flags = _quiet(ddj.match, frame, TOPICS)
    with pytest.raises(ParameterError, match="cannot be aligned to a store"):
        ddj.coverage(store, flags)
    with pytest.raises(ParameterError, match="No dated articles fall inside"):
        _quiet(ddj.coverage, store, TOPICS, start="1999-01-01", end="1999-02-01")
    with pytest.raises(ParameterError, match="freq="):
        ddj.coverage(store, TOPICS, freq="fortnightly")


def _dropped(fn, *args, **kwargs):
    """The result of a call and the messages of the DroppedRowsWarnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn(*args, **kwargs)
    dropped = [w for w in caught if issubclass(w.category, DroppedRowsWarning)]
    assert all(w.filename == __file__ for w in dropped), "warnings point at the caller"
    return result, [(str(w.message), len(w.message.report or [])) for w in dropped]


@pytest.mark.parametrize("pages", ["article", "all"])
def test_match_is_keyed_by_id_in_store_order(store, frame, pages):
    got, said = _dropped(ddj.match, store, TOPICS, pages=pages)
    expected, told = _dropped(ddj.match, frame, TOPICS, pages=pages)
    pd.testing.assert_frame_equal(got, expected.set_axis(pd.Index(frame["id"], name="id")))
    assert said == told and (len(said) == 1) == (pages == "article")


@pytest.mark.parametrize("limit", [None, 7, 10_000])
def test_hits_equal_in_memory(store, frame, limit):
    got, said = _dropped(ddj.hits, store, "hong_kong", width=30, limit=limit)
    expected, told = _dropped(ddj.hits, frame, "hong_kong", width=30, limit=limit)
    pd.testing.assert_frame_equal(got, expected)
    assert said == told and len(said) == 1
    if limit is None:
        assert got["published"].isna().any()  # the undated hit, in a batch of its own


def test_by_month_and_date_signals_equal_in_memory(store, frame):
    pd.testing.assert_frame_equal(ddj.by_month(store), ddj.by_month(frame))
    pd.testing.assert_frame_equal(ddj.date_signals(store), ddj.date_signals(frame))


def test_an_empty_filter_gives_empty_results(store):
    nothing = store.filter(outlets="No Such Outlet")
    assert len(nothing) == 0 and nothing.to_pandas().empty
    assert _quiet(ddj.match, nothing, TOPICS).empty
    assert ddj.hits(nothing, "hong_kong").empty
    assert nothing.dates == (None, None)


# -- beyond this process ---------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Port .* is already in use")  # another cluster on this host
def test_coverage_on_a_dask_cluster_equals_the_local_run(store):
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, silence_logs=50,
    )  # fmt: skip
    try:
        with distributed.Client(cluster) as client:
            options = {"freq": "W", "by": "outlet", "tz": "local"}
            got = _quiet(ddj.coverage, store, TOPICS, client=client, **options)
            local = _quiet(ddj.coverage, store, TOPICS, **options)
            pd.testing.assert_frame_equal(got, local)
            assert got.attrs == local.attrs
    finally:
        cluster.close()


def test_coverage_refuses_a_client_that_is_none(store):
    with pytest.raises(ParameterError, match="dask.distributed.Client"):
        ddj.coverage(store, TOPICS, client="tcp://127.0.0.1:8786")


def test_notebook_helpers_take_a_store(saved, store, frame):
    from ddj import notebooks

    opened = notebooks.load_corpus(str(saved[0]))
    assert isinstance(opened, Store)
    assert notebooks.fingerprint(opened) == notebooks.fingerprint(frame)
    assert "synthetic demo data" in notebooks.header({"corpus": "store"}, opened).lower()


def test_load_of_a_store_says_to_open_it(saved):
    with pytest.raises(InputError, match=r"ddj.open"):
        ddj.load(saved[0])


@pytest.mark.slow
def test_the_coverage_notebook_runs_on_a_store(saved, frame, tmp_path):
    """``ddj run coverage -p corpus store/``: the published data is the in-memory coverage."""
    from ddj.notebooks import run_notebook

    out = tmp_path / "out"
    run_notebook("coverage", {"corpus": str(saved[0]), "freq": "M", "out_dir": str(out)}, out)
    published = pd.read_csv(out / "coverage.csv")
    expected = _quiet(ddj.coverage, frame, ["hong_kong", "cyberespionage", "ukraine"], freq="M")
    assert published["articles"].tolist() == expected["articles"].tolist()
    assert published["total"].tolist() == expected["total"].tolist()


def test_an_append_of_nothing_leaves_an_empty_store_with_its_problems(tmp_path):
    nothing = ddj.corpus.empty()
    nothing.attrs[ddj.corpus.PROBLEMS_ATTR] = [{"source": "a.html", "reason": "no article"}]
    store = ddj.open(ddj.save(nothing, tmp_path / "s", append=True))
    assert len(store) == 0 and store.dates == (None, None) and store.months == []
    assert ddj.problems(store).to_dict("records") == [{"source": "a.html", "reason": "no article"}]
    pd.testing.assert_frame_equal(store.to_pandas(), nothing)
