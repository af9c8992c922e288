"""The corpus store: appends by month, a lazy corpus, streamed calls equal to the in-memory ones."""

from __future__ import annotations

import json
import multiprocessing
import warnings
from pathlib import Path
from unittest import mock

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
    # each append is stored with one outlet label per registered domain (x.example/notitle's
    # missing outlet is its domain's, "Tie Post")
    labelled = [ddj.outlets.one_label_per_domain(part) for part in appended]
    whole = pd.concat(labelled, ignore_index=True)
    order = np.argsort(_month(whole).to_numpy(), kind="stable")
    expected = whole.iloc[order].reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, expected)
    assert frame.dtypes.to_dict() == ddj.corpus.empty().dtypes.to_dict()


def test_attrs_carry_problems_and_demo_label(saved, store, frame):
    _, appended = saved
    problems = [p for part in appended for p in part.attrs.get(ddj.constants.PROBLEMS_ATTR, [])]
    assert problems, "the demo corpus has undated rows, listed as problems"
    assert frame.attrs[ddj.constants.PROBLEMS_ATTR] == problems
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


def test_a_part_damaged_inside_is_an_error_naming_it_and_one_without_a_footer_a_problem(
    tmp_path, frame
):
    folder = ddj.save(frame.head(200), tmp_path / "s", append=True)
    part = sorted(folder.rglob("part-*.parquet"))[0]
    data = part.read_bytes()
    part.write_bytes(data[:100] + bytes(200) + data[300:])  # pages broken, footer whole
    with pytest.raises(InputError, match=part.name):
        _quiet(ddj.open(folder).to_pandas)
    part.write_bytes(b"PAR1 no footer")
    store = ddj.open(folder)
    with pytest.warns(DroppedRowsWarning, match="1 damaged or misplaced file"):
        got = store.to_pandas()
    head = frame.head(200)
    rest = head[_month(head) != part.parent.name.split("=")[1]]  # the other months read
    assert len(store) == len(rest) < 200
    pd.testing.assert_frame_equal(got, rest.reset_index(drop=True))  # frame is in store order
    reasons = ddj.problems(store)
    row = reasons[reasons["source"] == str(part)]
    assert len(row) == 1 and "no Parquet footer" in row["reason"].iat[0]


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
    note = got.attrs.pop("index", None)  # how a store was counted, said
    assert got.attrs == expected.attrs
    if "outlets" not in options:  # outlets= reads every row
        assert note.startswith("No index: the texts that may match read with polars")
    dropped = [w for w in streamed + in_memory if issubclass(w.category, DroppedRowsWarning)]
    assert all(w.filename == __file__ for w in dropped), "warnings point at the caller"
    said = [w.message for w in streamed if issubclass(w.category, DroppedRowsWarning)]
    wanted = [w.message for w in in_memory if issubclass(w.category, DroppedRowsWarning)]
    assert [str(m) for m in said] == [str(m) for m in wanted]
    for m, w in zip(said, wanted, strict=True):  # kept totals name themselves, not each row
        assert m.report == w.report or {r["source"] for r in m.report} == {"the store's totals"}


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
def test_coverage_on_a_dask_cluster_equals_the_local_run(store, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    batch = _articles(30)
    moved = batch.assign(published=batch["published"] + pd.Timedelta(days=31))
    for name, rows in (("0001", batch), ("0002", moved)):  # each id twice, a month apart
        for _, part in rows.groupby(_month(rows)):
            _legacy_part(tmp_path / "old", part, name)
    repeated = ddj.open(tmp_path / "old")
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
            assert local.attrs.pop("index").startswith("No index")  # here: its texts narrowed
            assert got.attrs == local.attrs
            with pytest.warns(DroppedRowsWarning, match="30 repeated article"):
                got = ddj.coverage(repeated, ["hong_kong"], freq="M", client=client)
            expected = _quiet(ddj.coverage, batch, ["hong_kong"], freq="M")
            pd.testing.assert_frame_equal(got, expected)  # each article once, the first copy
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
    nothing.attrs[ddj.constants.PROBLEMS_ATTR] = [{"source": "a.html", "reason": "no article"}]
    store = ddj.open(ddj.save(nothing, tmp_path / "s", append=True))
    assert len(store) == 0 and store.dates == (None, None) and store.months == []
    assert ddj.problems(store)[["source", "reason"]].to_dict("records") == [
        {"source": "a.html", "reason": "no article"}
    ]
    pd.testing.assert_frame_equal(store.to_pandas(), nothing)


# -- an article is stored once ---------------------------------------------------------------


def _articles(n: int, prefix: str = "a") -> pd.DataFrame:
    rows = [
        {"url": f"https://{prefix}.example/{i}", "published": f"2024-0{1 + i % 3}-1{i % 10}",
         "text": "Hong Kong" if i % 2 else "other", "title": f"{prefix} {i}"}
        for i in range(n)
    ]  # fmt: skip
    return ddj.corpus.conform(rows)


def _counts(store_or_frame) -> list[int]:
    cov = _quiet(ddj.coverage, store_or_frame, ["hong_kong"], freq="M")
    return cov["total"].tolist() + cov["articles"].tolist()


def test_the_same_batch_appended_twice_is_stored_once_and_counted(tmp_path):
    batch = _articles(30)
    folder = ddj.save(batch, tmp_path / "s", append=True)
    with pytest.warns(DroppedRowsWarning, match="Left out 30 article.*holds already") as caught:
        ddj.save(batch, folder, append=True)
    assert len(caught[0].message.report) == 30
    store = ddj.open(folder)
    assert len(store) == 30 and store.to_pandas()["id"].is_unique
    assert _counts(store) == _counts(batch)
    problems = ddj.problems(store)
    held = problems[problems["reason"].str.startswith("already in the store")]
    assert sorted(held["source"]) == sorted(batch["url"])
    more = pd.concat([batch.iloc[20:], _articles(5, "b")], ignore_index=True)
    with pytest.warns(DroppedRowsWarning, match="Left out 10 article"):
        ddj.save(more, folder, append=True)  # the new articles of a batch are added, the rest not
    assert len(ddj.open(folder)) == 35


def _commit_fails(monkeypatch, how) -> None:
    """Make the next append stop where it would write its commit record (its parts written)."""
    from ddj.store import writing

    real = writing.atomic_write

    def write(path, content, **kw):
        if Path(path).parent.name == "_commits":
            how()
        return real(path, content, **kw)

    monkeypatch.setattr(writing, "atomic_write", write)


def test_an_append_that_fails_before_its_commit_is_not_read_and_a_rerun_adds_it_once(
    tmp_path, monkeypatch
):
    first, second = _articles(40, "a"), _articles(40, "b")
    folder = ddj.save(first, tmp_path / "s", append=True)

    def crash():
        raise OSError(28, "No space left on device")

    _commit_fails(monkeypatch, crash)
    with pytest.raises(InputError, match="No space left"):
        ddj.save(second, folder, append=True)
    assert len(list(folder.rglob("part-*.parquet"))) == 6  # the crashed batch's 3 parts are there
    assert len(ddj.open(folder)) == 40  # ... and not read
    monkeypatch.undo()
    ddj.save(second, folder, append=True)  # the rerun
    store = ddj.open(folder)
    assert len(store) == 80 and len(list(folder.rglob("part-*.parquet"))) == 6  # leftovers gone
    assert _counts(store) == _counts(pd.concat([first, second], ignore_index=True))
    assert not list(folder.rglob(".*")) and len(list((folder / "_ids").iterdir())) == 6


_KILLED = """
import os, signal, sys
import ddj
from ddj.store import writing
real = writing.atomic_write
def write(path, content, **kw):
    if path.parent.name == "_commits":
        os.kill(os.getpid(), signal.SIGKILL)  # killed with its parts written, before its commit
    return real(path, content, **kw)
writing.atomic_write = write
rows = [{"url": f"https://k.example/{i}", "published": "2024-05-0%d" % (1 + i % 9),
         "text": "Hong Kong"} for i in range(2820)]
ddj.save(ddj.corpus.conform(rows), sys.argv[1], append=True)
"""


def test_an_append_killed_mid_way_then_rerun_counts_each_article_once(tmp_path):
    import signal
    import subprocess
    import sys

    folder = tmp_path / "s"
    ddj.save(_articles(10), folder, append=True)
    done = subprocess.run([sys.executable, "-c", _KILLED, str(folder)], timeout=120, check=False)
    assert done.returncode == -signal.SIGKILL
    assert len(ddj.open(folder)) == 10
    rows = [{"url": f"https://k.example/{i}", "published": f"2024-05-0{1 + i % 9}",
             "text": "Hong Kong"} for i in range(2820)]  # fmt: skip
    batch = ddj.corpus.conform(rows)
    ddj.save(batch, folder, append=True)
    store = ddj.open(folder)
    assert len(store) == 2830
    may = _quiet(ddj.coverage, store, ["hong_kong"], freq="M", start="2024-05-01", end="2024-05-31")
    assert may["total"].tolist() == [2820] and may["articles"].tolist() == [2820]


def _append_same(folder: str, start) -> None:
    corpus = _articles(60, "same")
    start.wait(60)  # every process appends at once
    for k in range(3):
        _quiet(ddj.save, corpus.iloc[k * 20 : (k + 2) * 20], folder, append=True)  # overlapping


def test_processes_appending_the_same_articles_at_once_leave_one_copy(tmp_path):
    folder = str(tmp_path / "shared")
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(3)
    procs = [ctx.Process(target=_append_same, args=(folder, start)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    store = ddj.open(folder)
    got = store.to_pandas()
    assert len(got) == len(store) == 60 and got["id"].is_unique
    assert _counts(store) == _counts(_articles(60, "same"))
    held = ddj.problems(store)["reason"].str.startswith("already in the store").sum()
    assert held == 3 * 100 - 60  # every row appended and not added is counted


def test_an_append_waits_for_the_lock_a_bounded_time(tmp_path):
    from ddj.store.writing import append, locked

    folder = ddj.save(_articles(3), tmp_path / "s", append=True)
    with locked(folder), pytest.raises(InputError, match=r"is busy: another append.*_lock"):
        append(_articles(5, "b"), folder, wait=0.3)
    append(_articles(5, "b"), folder, wait=0.3)  # released
    assert len(ddj.open(folder)) == 8


def _legacy_part(folder: Path, rows: pd.DataFrame, name: str) -> Path:
    """A part as a ddj before commits wrote it: no commit record, no id list."""
    month = _month(rows).iat[0]
    path = folder / f"month={month}" / f"part-{name}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows.to_parquet(path, index=False)
    return path


def test_repeats_in_a_store_written_before_commits_are_read_once_and_counted(tmp_path):
    batch = _articles(30)
    folder = tmp_path / "old"
    for _, rows in batch.groupby(_month(batch)):
        _legacy_part(folder, rows, "0001-crashed")  # an append killed, then run again
        _legacy_part(folder, rows, "0002-rerun")
    store = ddj.open(folder)
    with pytest.warns(DroppedRowsWarning, match="30 repeated article") as caught:
        got = store.to_pandas()
    assert len(caught[0].message.report) == 30
    assert len(got) == len(store) == 30 and got["id"].is_unique
    assert _counts(store) == _counts(batch)
    assert (ddj.problems(store)["reason"].str.startswith("repeat of article")).sum() == 30
    assert len(store.filter(start="2024-01-01", end="2024-01-31")) == 10
    dup = ddj.corpus.conform(batch.iloc[:3])
    ddj.save(pd.concat([dup, _articles(2, "n")], ignore_index=True), folder, append=True)
    assert len(_quiet(ddj.open(folder).to_pandas)) == 32  # a new append refuses what they hold


@pytest.mark.slow
def test_collecting_a_store_twice_on_a_dask_cluster_adds_nothing(tmp_path):
    distributed = pytest.importorskip("distributed")
    from tests.test_warc import archive

    files = archive(tmp_path / "in", files=2, per_file=10)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                 host="127.0.0.1", dashboard_address=None,
                                 silence_logs=50) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):  # fmt: skip
        store, _ = ddj.collect(warcs=files, out=tmp_path / "s", client=client, quiet=True)
        copy = tmp_path / "copies"
        copy.mkdir()
        again = [copy / f.name for f in files]
        for f, g in zip(files, again, strict=True):
            g.write_bytes(Path(f).read_bytes())  # the same records under other names
        twice, _ = ddj.collect(warcs=again, out=tmp_path / "s", client=client, quiet=True)
    assert len(store) == 20 and len(ddj.open(tmp_path / "s")) == 20
    lines = (tmp_path / "s" / "_manifest.jsonl").read_text().splitlines()
    assert sum(json.loads(line)["duplicates"] for line in lines[2:]) == 20


# -- damaged stores --------------------------------------------------------------------------


def _damage(folder: Path, frame: pd.DataFrame) -> list[Path]:
    import os

    import pyarrow as pa
    import pyarrow.parquet as pq

    bad = []
    text = frame.head(5).astype({"published": "str"})
    path = folder / "month=2019-01" / "part-textdate.parquet"
    pq.write_table(pa.Table.from_pandas(text, preserve_index=False), path)
    bad.append(path)
    structs = frame.head(5).assign(title=[{"a": 1}] * 5)
    path = folder / "month=2019-02" / "part-structs.parquet"
    pq.write_table(pa.Table.from_pandas(structs, preserve_index=False), path)
    bad.append(path)
    for month in ("2024-13", "abc"):
        (folder / f"month={month}").mkdir()
        path = folder / f"month={month}" / "part-x.parquet"
        frame.head(5).to_parquet(path, index=False)
        bad.append(path)
    path = folder / "month=2019-03" / "part-fifo.parquet"
    os.mkfifo(path)  # a reader that opened it would wait for ever
    bad.append(path)
    path = folder / "month=2019-03" / "part-zero.parquet"
    path.symlink_to("/dev/zero")
    bad.append(path)
    (folder / "_batches").mkdir(exist_ok=True)
    path = folder / "_batches" / "fifo.json"
    os.mkfifo(path)
    bad.append(path)
    return bad


def test_a_damaged_store_names_each_bad_part_and_reads_the_rest(tmp_path, frame):
    folder = ddj.save(frame.head(100), tmp_path / "s", append=True)
    expected = ddj.open(folder).to_pandas()
    bad = _damage(folder, frame)
    store = ddj.open(folder)
    with pytest.warns(DroppedRowsWarning, match="7 damaged or misplaced file"):
        got = store.to_pandas()
    pd.testing.assert_frame_equal(got, expected)
    assert len(store) == 100 and store.months == ddj.open(folder).months
    problems = ddj.problems(store)
    for path in bad:
        assert (problems["source"] == str(path)).sum() == 1, path
    reasons = dict(zip(problems["source"], problems["reason"], strict=False))
    assert "column 'published' is large_string, not timestamp" in reasons[str(bad[0])]
    assert "column 'title' is struct" in reasons[str(bad[1])]
    assert "no month" in reasons[str(bad[2])] and "a FIFO" in reasons[str(bad[4])]
    assert "character device" in reasons[str(bad[5])]
    cov = _quiet(ddj.coverage, store.filter(start="2019-01-01"), ["hong_kong"], freq="M")
    assert (
        cov["total"].sum() == _quiet(ddj.coverage, expected, ["hong_kong"], freq="M")["total"].sum()
    )
    ddj.save(_articles(3), folder, append=True)  # an append reads past them too
    assert len(ddj.open(folder)) == 103


def test_parts_of_other_string_time_and_integer_types_read_as_today(tmp_path, frame):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = frame[_month(frame) == "2019-01"].reset_index(drop=True)
    table = pa.Table.from_pandas(rows, preserve_index=False)
    other = {"id": pa.string(), "published": pa.timestamp("ns", tz="Europe/Paris"),
             "published_local": pa.timestamp("ms"), "words": pa.int32()}  # fmt: skip
    for name, kind in other.items():
        table = table.set_column(table.schema.get_field_index(name), name, table[name].cast(kind))
    folder = tmp_path / "s"
    (folder / "month=2019-01").mkdir(parents=True)
    pq.write_table(table, folder / "month=2019-01" / "part-other.parquet")
    got = ddj.open(folder).to_pandas()
    expected = rows.assign(published_local=rows["published_local"].dt.floor("ms"))
    pd.testing.assert_frame_equal(got, expected)


def test_an_unreadable_commit_record_is_a_problem_and_its_parts_are_kept_on_disk(tmp_path):
    folder = ddj.save(_articles(30), tmp_path / "s", append=True)
    ddj.save(_articles(6, "b"), folder, append=True)
    record = sorted((folder / "_commits").glob("*.json"))[-1]
    kept = {p for p in folder.rglob("part-*.parquet") if record.stem in p.name}
    record.write_text("{ cut short")  # a commit record damaged by hand
    store = ddj.open(folder)
    assert len(store) == 30  # its batch is not read ...
    problems = ddj.problems(store)
    assert "unreadable commit record" in problems.set_index("source")["reason"][str(record)]
    ddj.save(_articles(3, "c"), folder, append=True)
    assert len(kept) == 3 and all(p.exists() for p in kept)  # ... nor removed by the next append
    assert len(ddj.open(folder)) == 33


# -- issue 25: the store's repeat check (every read's dedupe) in ~10 bytes a key ----------------


def _repeats_by_dict(keys: np.ndarray) -> tuple[list[int], list[int]]:
    """Each key seen before (0 never) and where it was first seen, by a dict: the plain way."""
    seen: dict[int, int] = {}
    where, first = [], []
    for i, k in enumerate(keys.tolist()):
        if k == 0:
            continue
        if k in seen:
            where.append(i)
            first.append(seen[k])
        else:
            seen[k] = i
    return where, first


def test_repeats_equal_the_plain_way_across_chunks(monkeypatch):
    from ddj.store import layout

    monkeypatch.setattr(layout, "_CHUNK", 7)  # many chunks of the lookup
    rng = np.random.default_rng(4)
    for _ in range(200):
        keys = rng.integers(0, 9, size=int(rng.integers(0, 50))).astype(np.uint64)
        where, first = layout.repeats(keys)
        assert (where.tolist(), first.tolist()) == _repeats_by_dict(keys)


def test_repeats_memory_is_a_few_bytes_a_key():
    import tracemalloc

    from ddj.store import layout

    rng = np.random.default_rng(5)
    keys = rng.integers(1, 2**63, size=300_000, dtype=np.uint64)
    keys[::997] = keys[3]  # 300 repeats of one article
    tracemalloc.start()
    try:
        where, first = layout.repeats(keys)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (where.tolist(), first.tolist()) == _repeats_by_dict(keys)
    assert peak < 14 * len(keys)  # a sorted copy and masks; the old argsort: 33 bytes a key


def test_rows_at_reads_rows_of_many_parts_in_the_order_given(tmp_path):
    """One polars query reads the rows asked of many parts, in the order given; a damaged part is named."""
    folder = tmp_path / "store"
    ddj.save(_articles(60), folder, append=True)
    store = ddj.open(folder)
    whole = store.to_pandas().reset_index(drop=True)
    starts = np.cumsum([0] + [store.rows_of(p) for p in store.parts])
    rng = np.random.default_rng(3)
    where = [(p, np.sort(rng.choice(store.rows_of(p), 2, replace=False))) for p in store.parts]
    where = where[::-1]  # parts out of store order
    with mock.patch.object(ddj.store.disk, "_taken", side_effect=AssertionError("part by part")):
        got = store.rows_at(where, ["id", "title", "published"])
    at = [starts[store.parts.index(p)] + r for p, rows in where for r in rows]
    want = whole.loc[at, ["id", "title", "published"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want)
    part = where[0][0].path
    data = part.read_bytes()
    part.write_bytes(data[:100] + bytes(200) + data[300:])  # pages broken, footer whole
    with pytest.raises(InputError, match=part.name):
        ddj.open(folder).rows_at(where, ["id", "title"])


def test_a_stores_fingerprint_is_its_rows_and_reads_no_row_asked_again(tmp_path):
    """The row hashes kept beside each part give the frame's digest; asked again, no row is read."""
    from ddj.scan import corpus_fingerprint
    from ddj.store import rowhashes

    folder = tmp_path / "store"
    ddj.save(_articles(40), folder, append=True)
    store = ddj.open(folder)
    first = corpus_fingerprint(store)
    assert first == corpus_fingerprint(store.to_pandas())
    assert len(list((folder / "_totals").glob(f"*{rowhashes.SUFFIX}"))) == len(store.parts)
    with mock.patch.object(Store, "batches", side_effect=AssertionError("a row read")):
        assert corpus_fingerprint(ddj.open(folder)) == first
    ddj.save(_articles(10, prefix="b"), folder, append=True)  # new parts: only those hashed
    grown = ddj.open(folder)
    assert corpus_fingerprint(grown) == corpus_fingerprint(grown.to_pandas()) != first
    part = grown.parts[0].path
    pd.read_parquet(part).iloc[:2].to_parquet(part)  # changed since its hashes: hashed again
    changed = ddj.open(folder)
    assert corpus_fingerprint(changed) == corpus_fingerprint(_quiet(changed.to_pandas))
    legacy = tmp_path / "old"
    batch = _articles(30)
    for name, rows in (("0001", batch), ("0002", batch)):  # each id twice: repeats left out
        for _, one in rows.groupby(_month(rows)):
            _legacy_part(legacy, one, name)
    repeated = ddj.open(legacy)
    got = _quiet(corpus_fingerprint, repeated)
    assert got == corpus_fingerprint(_quiet(repeated.to_pandas))


def test_a_stores_source_line_comes_from_its_kept_totals(tmp_path):
    """The chart's foot ("Data: 50 articles of 3 outlets (...)") of a store reads none of its rows."""
    from ddj.charts import source_line, source_words
    from ddj.scan import span

    folder = tmp_path / "store"
    ddj.save(_articles(40), folder, append=True)
    ddj.save(_articles(10, prefix="b"), folder, append=True)
    store = ddj.open(folder)
    want = source_line(store.to_pandas(), "store")
    with mock.patch.object(Store, "batches", side_effect=AssertionError("a row read")):
        found = span(ddj.open(folder))
    assert source_words(found.rows, found.outlets, found.first, found.last, "store") == want
    narrowed = store.filter(start="2021-03-01")
    found = span(narrowed)
    assert source_words(*vars(found).values(), "store") == source_line(
        narrowed.to_pandas(), "store"
    )
