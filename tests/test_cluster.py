"""Collecting WARC files on a Dask cluster: a LocalCluster of two worker processes on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import ddj
from ddj.collecting.archive import FileJob, collect_file, run_files
from ddj.collecting.cluster import ClusterError, connect
from ddj.store import open as open_store
from tests.test_remote import hostile  # noqa: F401 (a fixture)
from tests.test_warc import archive, sorted_rows

ROOT = Path(__file__).resolve().parents[1]
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, silence_logs=50,
    )  # fmt: skip
    with distributed.Client(cluster, set_as_default=False) as c:
        yield c
    cluster.close()


def test_cluster_run_equals_the_local_run(client, tmp_path):
    files = archive(tmp_path / "in", files=4, per_file=10)
    on_cluster, c_fail = ddj.collect(warcs=files, out=tmp_path / "dask", client=client, quiet=True)
    local, l_fail = ddj.collect(warcs=files, out=tmp_path / "local", extract_workers=1, quiet=True)
    pd.testing.assert_frame_equal(
        sorted_rows(on_cluster.to_pandas()), sorted_rows(local.to_pandas())
    )
    pd.testing.assert_frame_equal(c_fail, l_fail)
    assert len(on_cluster) == 40
    workers = {w["name"] for w in client.scheduler_info()["workers"].values()}
    assert len(workers) == 2


def test_bad_remote_files_on_the_cluster_are_rows(client, hostile, tmp_path):  # noqa: F811
    base, _ = hostile
    files = [f"{base}/liar.warc.gz", f"{base}/to-localhost.warc.gz", f"{base}/good-0.warc.gz"]
    corpus, failures = ddj.collect(warcs=files, out=tmp_path / "dask", client=client, quiet=True,
                                   warc_deadline=20)  # fmt: skip
    assert len(corpus) == 5 and failures["url"].tolist() == files[:2]
    assert "body shorter than declared" in failures["reason"].iloc[0]
    assert "redirect to a private address refused" in failures["reason"].iloc[1]
    lines = (tmp_path / "dask" / "_manifest.jsonl").read_text().splitlines()
    assert sorted(json.loads(x)["file"] for x in lines) == sorted(files)


def die_once(job: FileJob) -> dict:
    """Collect the file, then kill this worker before answering: once in a store."""
    row = collect_file(job)  # its parts are written: a retry must not add them again
    marker = Path(job.store) / ".died"
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return row
    os.close(fd)
    os._exit(1)


def test_a_lost_worker_is_retried_and_nothing_is_doubled(client, tmp_path):
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers need not import tests
    files = archive(tmp_path / "in", files=2, per_file=10)
    store = tmp_path / "store"
    jobs = [FileJob(str(f), str(store)) for f in files]
    run = run_files(jobs, workers=1, client=client, work=die_once)
    assert (store / ".died").is_file()  # a worker was lost with a file's parts written
    lines = [json.loads(line) for line in (store / "_manifest.jsonl").read_text().splitlines()]
    assert sorted(r["file"] for r in lines) == sorted(map(str, files)) and len(run.rows) == 2
    local, _ = ddj.collect(warcs=files, out=tmp_path / "local", extract_workers=1, quiet=True)
    pd.testing.assert_frame_equal(
        sorted_rows(open_store(store).to_pandas()), sorted_rows(local.to_pandas())
    )
    client.wait_for_workers(2, timeout=30)  # the nanny has started the lost one again


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed once the socket is


@pytest.mark.slow  # ~8 s: Dask tries a closed port until its timeout, twice
def test_a_scheduler_that_does_not_answer_is_a_clear_error_within_seconds(tmp_path):
    address = f"tcp://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    with pytest.raises(ClusterError, match="no Dask scheduler answered at"):
        connect(address, timeout=2)
    assert time.monotonic() - started < 15
    files = archive(tmp_path / "in", files=1, per_file=2)
    with pytest.raises(ddj.errors.ParameterError, match="a store folder"):
        ddj.collect(warcs=files, out=tmp_path / "c.parquet", client=address, quiet=True)
    # the CLI: DDJ_SCHEDULER, one line, exit 2
    env = {**os.environ, "DDJ_SCHEDULER": address}
    result = subprocess.run(
        [str(Path(sys.executable).with_name("ddj")), "collect", "--warc", str(files[0]),
         "-o", str(tmp_path / "cli"), "--no-progress"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "no Dask scheduler answered" in result.stderr and address in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# -- coverage of an indexed store on the cluster: totals from the counts kept with its parts ---


@pytest.mark.slow
def test_coverage_from_kept_totals_on_the_cluster_equals_the_local_run(client, tmp_path):
    from tests.test_totals import TOPICS, rows, save

    store = save(tmp_path / "store", [rows(150, 0, 3), rows(60, 150, 4)])
    (
        tmp_path / "store" / "_totals" / next(iter(os.listdir(tmp_path / "store" / "_totals")))
    ).unlink()
    options = {"freq": "W", "by": "outlet", "tz": "Asia/Kathmandu", "min_confidence": "medium"}
    with pytest.warns(ddj.DroppedRowsWarning):
        on_cluster = ddj.coverage(store, TOPICS, client=client, **options)
    with pytest.warns(ddj.DroppedRowsWarning):
        local = ddj.coverage(store.to_pandas(), TOPICS, **options)
    pd.testing.assert_frame_equal(on_cluster, local)
    assert "Totals from the counts kept with" in on_cluster.attrs["index"]


# -- ddj.suggest on the cluster: its counting pass and its examples' pass, one task a month ---


def test_suggest_on_the_cluster_equals_the_local_run(client, tmp_path):
    from tests.test_suggesting import ferry_rows

    rows = [{**r, "published": f"2024-0{1 + i % 3}-1{i % 9}"} for i, r in enumerate(ferry_rows())]
    store = open_store(ddj.save(ddj.corpus.conform(rows), tmp_path / "store", append=True))
    assert len({part.month for part in store.parts}) == 3  # three tasks
    on_cluster = ddj.suggest(store, '"hong kong"', n=10, examples=3, client=client)
    local = ddj.suggest(store, '"hong kong"', n=10, examples=3)
    pd.testing.assert_frame_equal(on_cluster, local)
    assert on_cluster.attrs == local.attrs and on_cluster.attrs["passes"] == 2
    assert on_cluster["examples"].map(len).sum() == 6  # ferry and harbour: 3 each
