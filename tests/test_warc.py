"""WARC archives at scale: many files, header filters, damage, remote files, a resumable store."""

from __future__ import annotations

import gzip
import http.server
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pandas as pd
import pytest

import ddj
from ddj.collecting.archive import FileJob, Manifest, collect_file, file_key
from ddj.collecting.warc import Tally, Wanted, warc_files, warc_records
from ddj.errors import InputError, ParameterError
from ddj.store import open as open_store
from tests.archive_server import member_starts

ROOT = Path(__file__).resolve().parents[1]


# -- synthetic archives ----------------------------------------------------------------------------
def article(host: str, n: int, published: str = "2024-10-05T10:00:00Z") -> bytes:
    words = " ".join(f"word{(n * 7 + k) % 97}" for k in range(80))
    return (
        f"<html><head><title>Story {n} on {host}</title>"
        f'<meta property="article:published_time" content="{published}"></head>'
        f"<body><article><h1>Story {n} on {host}</h1><p>{words}.</p><p>More {n}: {words}.</p>"
        "</article></body></html>"
    ).encode()


def write_warc(path: Path, pages, *, captured: str = "2024-10-06T00:00:00Z", encoding=None):
    """A WARC of request/response pairs: ``pages`` of ``(url, body)``; gzipped per record if .gz."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=path.suffix == ".gz")
        for k, (url, body) in enumerate(pages):
            head = {"WARC-Date": captured}
            request = StatusAndHeaders(f"GET {url} HTTP/1.1", [], is_http_request=True)
            writer.write_record(
                writer.create_warc_record(
                    url, "request", http_headers=request, warc_headers_dict=head
                )
            )
            fields = [("Content-Type", "text/html; charset=utf-8")]
            if encoding and k in encoding:
                fields.append(("Content-Encoding", encoding[k]))
            headers = StatusAndHeaders("200 OK", fields, protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                          http_headers=headers, warc_headers_dict=head)
            )  # fmt: skip
    return path


def archive(folder: Path, files: int = 4, per_file: int = 12, hosts: int = 6) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for f in range(files):
        pages = []
        for k in range(per_file):
            n = f * per_file + k
            host = f"www.host{n % hosts}.example"
            pages.append((f"https://{host}/2024/10/{n}.html", article(host, n)))
        out.append(write_warc(folder / f"crawl-{f:02d}.warc.gz", pages))
    return out


def sorted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("url").reset_index(drop=True)


# -- header filters ------------------------------------------------------------------------------
def test_domain_filter_keeps_subdomains_and_never_reads_other_payloads(tmp_path):
    bomb = gzip.compress(b"\0" * 50_000_000)  # 50 MB from 50 KB: decoding it would be a failure
    pages = [
        ("https://www.bbc.co.uk/news/1", article("bbc", 1)),
        ("https://live.bbc.co.uk/sport/2", article("bbc", 2)),
        ("https://notbbc.co.uk/3", article("x", 3)),
        ("https://www.other.example/4", bomb),
        ("https://www.bbc.com/5", article("com", 5)),
    ]
    path = write_warc(tmp_path / "a.warc.gz", pages, encoding={3: "gzip"})
    failures, tally = [], Tally()
    wanted = Wanted.of(domains=["https://www.bbc.co.uk/"])
    got = [c.url for c in warc_records(path, failures, wanted=wanted, tally=tally, max_bytes=10**6)]
    assert got == [pages[0][0], pages[1][0]]
    assert failures == [] and (tally.responses, tally.kept, tally.pages) == (5, 2, 2)
    # without the filter the bomb is read, and is a failure row (the rest is read)
    failures = []
    assert len(list(warc_records(path, failures, max_bytes=10**6))) == 4
    assert [f.url for f in failures] == [pages[3][0]]
    assert "expands past the size cap" in failures[0].reason


def test_url_pattern_and_capture_date_prefilter(tmp_path):
    old = write_warc(tmp_path / "old.warc.gz", [("https://a.example/news/1", article("a", 1))],
                     captured="2024-08-01T00:00:00Z")  # fmt: skip
    new = write_warc(
        tmp_path / "new.warc.gz",
        [
            ("https://a.example/news/2", article("a", 2)),
            ("https://a.example/sport/3", article("a", 3)),
        ],
        captured="2025-06-01T00:00:00Z",  # captured long after until: still read
    )
    since = pd.Timestamp("2024-10-01", tz="UTC")
    wanted = Wanted.of(url_pattern="/news/", since=since)
    assert wanted.captured_from == pd.Timestamp("2024-09-30", tz="UTC")  # one day of margin
    tally = Tally()
    assert list(warc_records(old, [], wanted=wanted, tally=tally)) == []
    assert (tally.responses, tally.kept) == (1, 0)
    assert [c.url for c in warc_records(new, [], wanted=wanted)] == ["https://a.example/news/2"]
    # the publication date in the page decides: captured after until, published inside
    corpus, failures = ddj.collect(warcs=[old, new], url_pattern="/news/", since="2024-10-01",
                                   until="2024-10-31", quiet=True)  # fmt: skip
    assert corpus["url"].tolist() == ["https://a.example/news/2"] and len(failures) == 0


def test_domain_and_pattern_parameters_are_checked():
    with pytest.raises(ParameterError, match="not a domain"):
        ddj.collect(warcs=[], domains=["com"])
    with pytest.raises(ParameterError, match="RE2 syntax"):
        ddj.collect(warcs=[], url_pattern="(?<=x)y")


# -- damage ----------------------------------------------------------------------------------------
def test_corrupt_member_and_truncated_end_are_rows_and_the_rest_is_read(tmp_path):
    pages = [(f"https://h{n}.example/{n}", article("h", n)) for n in range(6)]
    good = write_warc(tmp_path / "good.warc.gz", pages)
    data = good.read_bytes()
    starts = member_starts(data)  # two members a page: request, response
    broken = bytearray(data)
    for k in range(starts[5] + 20, starts[5] + 60):  # the third response's member
        broken[k] ^= 0x55
    cut = bytes(broken)[: starts[-1] + 200]  # and the last response cut short
    bad = tmp_path / "bad.warc.gz"
    bad.write_bytes(cut)
    failures = []
    got = [c.url for c in warc_records(bad, failures)]
    assert got == [pages[n][0] for n in (0, 1, 3, 4)]
    reasons = [f.reason for f in failures]
    assert len(failures) == 2 and all(f.url == str(bad) for f in failures)
    assert (
        reasons[0].startswith("corrupt WARC data after byte")
        and "records after it are read" in reasons[0]
    )
    assert "ends inside a record (truncated)" in reasons[1]
    # an uncompressed file with garbage between records
    plain = write_warc(tmp_path / "plain.warc", pages[:3])
    raw = plain.read_bytes()
    at = raw.index(b"WARC/1.0", raw.index(pages[1][0].encode()) + 10)
    plain.write_bytes(raw[:at] + b"garbage\r\n" * 5 + raw[at:])
    failures = []
    assert [c.url for c in warc_records(plain, failures)] == [p[0] for p in pages[:3]]
    assert len(failures) == 1 and "corrupt WARC data" in failures[0].reason


def test_damaged_file_in_a_collection_is_counted_in_the_manifest(tmp_path):
    files = archive(tmp_path / "in", files=2, per_file=6)
    data = files[1].read_bytes()
    files[1].write_bytes(data[: member_starts(data)[-1] + 100])
    corpus, failures = ddj.collect(
        warcs=files, out=tmp_path / "store", quiet=True, extract_workers=1
    )
    rows = Manifest(tmp_path / "store").done()
    assert [rows[str(f)]["articles"] for f in files] == [6, 5]
    assert [rows[str(f)]["failures"] for f in files] == [0, 1]
    assert failures["url"].tolist() == [str(files[1])] and len(corpus) == 11


# -- files -----------------------------------------------------------------------------------------
def test_globs_and_missing_files(tmp_path):
    files = archive(tmp_path / "in", files=3, per_file=2)
    assert warc_files([str(tmp_path / "in" / "crawl-0[01].warc.gz"), files[0]]) == [
        str(files[0]), str(files[1])
    ]  # fmt: skip
    with pytest.raises(InputError, match="matches no file"):
        warc_files(str(tmp_path / "*.warc"))
    with pytest.raises(InputError, match="does not exist"):
        warc_files(tmp_path / "nope.warc.gz")


@pytest.fixture
def served(tmp_path):
    """A local HTTP server on 127.0.0.1 serving tmp_path/in."""
    folder = tmp_path / "in"
    folder.mkdir()
    handler = partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_remote_files_over_http_read_as_local_ones(served, tmp_path):
    folder, base = served
    files = archive(folder, files=2, per_file=5)
    urls = [f"{base}/{f.name}" for f in files]
    assert warc_files(f"{base}/*.warc.gz") == urls  # a glob over the server's listing
    remote, r_fail = ddj.collect(warcs=urls, out=tmp_path / "remote", quiet=True, extract_workers=1)
    local, l_fail = ddj.collect(warcs=files, out=tmp_path / "local", quiet=True, extract_workers=1)
    pd.testing.assert_frame_equal(sorted_rows(remote.to_pandas()), sorted_rows(local.to_pandas()))
    assert len(r_fail) == len(l_fail) == 0
    assert list(Manifest(tmp_path / "remote").done()) == urls
    # a remote file that is not there: a failure row, and not done (the next run tries again)
    missing = f"{base}/missing.warc.gz"
    corpus, failures = ddj.collect(warcs=[urls[0], missing], out=tmp_path / "m", quiet=True,
                                   extract_workers=1)  # fmt: skip
    assert len(corpus) == 5 and failures["url"].tolist() == [missing]
    assert "could not read" in failures["reason"].iloc[0]
    assert list(Manifest(tmp_path / "m").done()) == [urls[0]]
    (folder / "missing.warc.gz").write_bytes(files[1].read_bytes())  # it is there now
    corpus, failures = ddj.collect(warcs=[urls[0], missing], out=tmp_path / "m", quiet=True)
    assert len(corpus) == 10 and len(failures) == 0


# -- a store, resumed ------------------------------------------------------------------------------
def test_collection_killed_midway_resumes_to_the_uninterrupted_result(tmp_path):
    files = archive(tmp_path / "in", files=6, per_file=25)
    whole, whole_fail = ddj.collect(
        warcs=files, out=tmp_path / "whole", quiet=True, extract_workers=1
    )
    store = tmp_path / "cut"
    script = (
        "import ddj, sys\n"
        f"ddj.collect(warcs={[str(f) for f in files]!r}, out={str(store)!r}, quiet=True, "
        "extract_workers=1)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    manifest = store / "_manifest.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if manifest.is_file() and manifest.read_text().count("\n") >= 1:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = manifest.read_text().count("\n")
    assert 1 <= finished < len(files)  # killed between files (or inside one)
    resumed, resumed_fail = ddj.collect(warcs=files, out=store, quiet=True, extract_workers=2)
    pd.testing.assert_frame_equal(sorted_rows(resumed.to_pandas()), sorted_rows(whole.to_pandas()))
    lines = [json.loads(line) for line in manifest.read_text().splitlines()]
    assert sorted(r["file"] for r in lines) == sorted(str(f) for f in files)  # each once
    assert sum(r["articles"] for r in lines) == len(whole) == 150
    pd.testing.assert_frame_equal(resumed_fail, whole_fail)
    # a third run reads nothing again; another filter on the same store is refused
    again, _ = ddj.collect(warcs=files, out=store, quiet=True)
    assert len(again) == 150 and manifest.read_text().count("\n") == len(files)
    with pytest.raises(ParameterError, match="collected with"):
        ddj.collect(warcs=files, out=store, domains=["host1.example"], quiet=True)


def test_a_retried_file_overwrites_its_parts(tmp_path):
    files = archive(tmp_path / "in", files=1, per_file=30)
    store = tmp_path / "store"
    job = FileJob(str(files[0]), str(store), batch=8)  # four parts
    first = collect_file(job)
    second = collect_file(job)  # a retry after a lost worker
    assert first == second and first["articles"] == 30
    parts = sorted(p.name for p in store.glob("month=*/*.parquet"))
    assert len(parts) == 4 and all(file_key(str(files[0])) in p for p in parts)
    assert len(open_store(store)) == 30


def test_manifest_lines_survive_a_torn_write(tmp_path):
    manifest = Manifest(tmp_path)
    manifest.append({"file": "a", "records": 1})
    with (tmp_path / "_manifest.jsonl").open("a") as handle:
        handle.write('{"file": "b", "rec')  # a crash in the middle of a line
    manifest.append({"file": "c", "records": 3})
    done = manifest.done()
    assert list(done) == ["a", "c"] and done["c"]["records"] == 3
    assert datetime.fromisoformat(done["a"]["finished"]).tzinfo == UTC


def test_cli_collects_warcs_into_a_store_with_a_domain(tmp_path):
    archive(tmp_path / "in", files=2, per_file=6, hosts=3)
    store = tmp_path / "store"
    env = {**os.environ, "DDJ_SCHEDULER": ""}
    result = subprocess.run(
        [str(Path(sys.executable).with_name("ddj")), "collect", "--warc", str(tmp_path / "in" / "*.warc.gz"),
         "--domain", "host1.example", "-o", str(store), "--no-progress"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "4 articles ->" in result.stdout
    assert set(open_store(store).to_pandas()["url"].str.split("/").str[2]) == {"www.host1.example"}


# -- issue 22: credentials are never written -------------------------------------------------------
def written_text(folder: Path) -> str:
    """Every file under ``folder`` as text (Parquet parts read back, with their metadata)."""
    import pyarrow.parquet as pq

    out = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            out.append(pd.read_parquet(path).to_csv())
            out.append(str(pq.read_schema(path).metadata))
        else:
            out.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(out)


def test_credentials_are_written_nowhere_from_warcs_remote_files_and_url_lists(
    served, tmp_path, caplog
):
    import logging

    folder, base = served
    secret = "https://user:secret@host.example/2024/10"
    pages = [
        (f"{secret}/1.html", article("host.example", 1)),
        (f"{secret}/2.html", b""),  # an empty page: a failure row naming it
        (f"{secret}/3.html", b"\0" * 64),  # binary: a failure row
        ("https://user:secret@[::1/4.html", article("x", 4)),  # no host to read: a failure row
        ("https://user:secret@host.example\\@evil.example/5.html", b""),
    ]
    local = write_warc(tmp_path / "creds.warc.gz", pages)
    (folder / "creds.warc.gz").write_bytes(local.read_bytes())
    remote = base.replace("http://", "http://user:secret@") + "/creds.warc.gz"
    gone = base.replace("http://", "http://user:secret@") + "/gone.warc.gz"
    caplog.set_level(logging.DEBUG)
    out = tmp_path / "out"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        store, failures = ddj.collect(warcs=[local, remote, gone], out=out / "store",
                                      quiet=False, extract_workers=1)  # fmt: skip
        corpus, more = ddj.collect(warcs=[local], out=out / "corpus.parquet", quiet=True)
        listed, listed_failures = ddj.collect(
            urls=[f"{base.replace('http://', 'http://user:secret@')}/nothing.html"],
            out=out / "listed.csv", quiet=True, rate=None, retries=0, robots=False,
            cache_dir=tmp_path / "cache",
        )  # fmt: skip
    # the page, from the file and its copy: stored once (the copy's is already in the store)
    assert len(store.to_pandas()) == 1 and len(corpus) == 1
    assert ddj.problems(store)["reason"].str.startswith("already in the store").sum() == 1
    assert len(failures) == 2 * 4 + 1 and len(more) == 4 and len(listed_failures) == 1
    assert failures["url"].str.contains("gone.warc.gz").sum() == 1  # the file that is not there
    assert "host.example" in written_text(out)  # the URLs are there, without what preceded @
    assert "secret" not in written_text(out)
    assert not [r for r in caplog.records if "secret" in r.getMessage()]
    assert caught and not [w for w in caught if "secret" in str(w.message)]
    for frame in (failures, more, listed_failures, store.to_pandas(), corpus, listed):
        assert "secret" not in frame.to_csv()


# -- one rule from records to a corpus or a store ---------------------------------------------------
def undated_article(host: str, n: int) -> bytes:
    """:func:`article` without its date (and a title that says so)."""
    return (
        article(host, n)
        .replace(b"<title>", b"<title>Undated ")
        .replace(b'<meta property="article:published_time" content="2024-10-05T10:00:00Z">', b"")
    )


def test_a_duplicate_whose_first_copy_is_undated_keeps_the_same_article_in_frame_and_store(
    tmp_path,
):
    url = "https://www.host.example/story-1.html"
    pages = [
        (url, undated_article("host.example", 1)),  # first copy: no date
        ("https://www.host.example/story-2.html", article("host.example", 2)),
        ("https://host.example/story-1.html?utm_source=x", article("host.example", 1)),  # dated
        ("https://www.host.example/story-3.html", undated_article("host.example", 3)),
    ]
    path = write_warc(tmp_path / "dup.warc.gz", pages)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame, _ = ddj.collect(warcs=[path], quiet=True, extract_workers=1)
        store, _ = ddj.collect(warcs=[path], out=tmp_path / "store", quiet=True, extract_workers=1)
    # batches of one page: the dated copy comes two batches after the undated one
    job = FileJob(str(path), str(tmp_path / "small"), batch=1)
    line = collect_file(job)
    for got in (store.to_pandas(), open_store(tmp_path / "small").to_pandas()):
        assert sorted_rows(got)[["url", "title", "published"]].equals(
            sorted_rows(frame)[["url", "title", "published"]]
        )
    kept = frame.set_index("title").loc["Story 1 on host.example"]
    assert kept["url"] == "https://host.example/story-1.html?utm_source=x"
    assert pd.notna(kept["published"]) and len(frame) == 3
    assert line["articles"] == 3 and line["duplicates"] == 1
    for problems in (ddj.problems(frame), ddj.problems(store), ddj.problems(open_store(job.store))):
        dup = problems[problems["kind"] == "duplicate"]
        assert dup["url"].tolist() == [url], problems


def test_conform_warnings_of_a_warc_batch_are_problem_rows_and_counted(tmp_path):
    from ddj.collecting.archive import _articles

    counts = {"articles": 0, "outside": 0, "duplicates": 0, "notes": {}}
    job = FileJob("in.warc", str(tmp_path / "store"), start=pd.Timestamp("2024-01-01", tz="UTC"))
    records = [
        {"url": "https://a.example/1", "language": "Klingon", "published": "2024-10-05"},
        {"url": "https://a.example/2", "published": "2023-10-05"},
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing is warned in the worker: all is in the rows
        frame, report = _articles(records, job, counts)
    assert frame["url"].tolist() == ["https://a.example/1"]
    assert [r["kind"] for r in report] == ["unknown-value", "outside-window"]
    assert counts["notes"] == {"unknown-value": 1} and counts["outside"] == 1


def test_copies_held_for_a_later_dated_one_are_bounded():
    from ddj.collecting.articles import OneCopy
    from ddj.corpus import conform

    one = OneCopy(hold=2)
    undated = [{"url": f"https://a.example/{n}", "source": f"u{n}"} for n in range(3)]
    written = one.add(conform(undated))  # three held: past the bound, all written now
    later = one.add(conform([{**undated[0], "source": "dated", "published": "2024-10-05"}]))
    assert written["source"].tolist() == ["u0", "u1", "u2"] and len(one.held) == 0
    assert (
        len(later) == 0 and one.report[0]["source"] == "dated"
    )  # the copy read after: a duplicate
    assert len(one.finish()) == 0
