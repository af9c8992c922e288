"""Remote WARC files: a size cap, a total deadline and the address rules hold whatever a server does."""

from __future__ import annotations

import asyncio
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

import ddj
from ddj.collecting.archive import Manifest
from ddj.collecting.remote import RemoteFileError, RemoteLimits, download, http_glob
from ddj.collecting.warc import local_copy, warc_files
from ddj.errors import InputError, ParameterError
from tests.test_warc import archive

ROOT = Path(__file__).resolve().parents[1]
MB = 1 << 20


class Hostile(http.server.BaseHTTPRequestHandler):
    """Serves the WARC files in ``folder`` and the misbehaving bodies below, by path."""

    folder: Path
    sent: dict[str, int]  # bytes written by each misbehaving path (until the client left)

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: C901 (one branch a behaviour)
        path = self.path.split("?", 1)[0]
        port = self.server.server_address[1]
        if path == "/endless.warc.gz":  # no length, never ends (bounded: 200 MB)
            self._head(200, {})
            self._pour(path, 200 * MB, block=64 * 1024)
        elif path == "/drip.warc.gz":  # declares 100 bytes, sends one every 0.2 s
            self._head(200, {"Content-Length": "100"})
            self._pour(path, 100, block=1, pause=0.2)
        elif path == "/stall.warc.gz":  # headers, then nothing for 5 s
            self._head(200, {"Content-Length": "100"})
            self._pour(path, 1, block=1, pause=5)
        elif path.startswith(("/liar", "/terabyte")):  # declares more than it sends
            declared = 5000 if path.startswith("/liar") else 1099511627776
            self._head(200, {"Content-Length": str(declared)})
            self._pour(path, 100, block=100)
        elif path == "/to-localhost.warc.gz":  # a name that resolves to 127.0.0.1
            self._head(302, {"Location": f"http://localhost:{port}/good-0.warc.gz"})
        elif path == "/to-literal.warc.gz":  # a loopback IP literal of another host
            self._head(302, {"Location": f"http://127.0.0.2:{port}/good-0.warc.gz"})
        elif path == "/hop.warc.gz":  # a redirect on the same host: followed
            self._head(302, {"Location": "/good-0.warc.gz"})
        elif path == "/loop.warc.gz":
            self._head(302, {"Location": "/loop.warc.gz"})
        elif path == "/list/":
            page = (
                b'<a href="a.warc.gz">a</a> <a href="b.txt">b</a> <A HREF="/list/c.warc.gz">c</A>'
                b' <a href="http://elsewhere.example/list/d.warc.gz">d</a>'
            )
            self._head(200, {"Content-Length": str(len(page))})
            self.wfile.write(page)
        elif (self.folder / path.lstrip("/")).is_file():
            data = (self.folder / path.lstrip("/")).read_bytes()
            self._head(200, {"Content-Length": str(len(data))})
            self.wfile.write(data)
        else:
            self._head(404, {"Content-Length": "0"})

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _pour(self, path: str, total: int, *, block: int, pause: float = 0.0) -> None:
        self.sent[path] = 0
        chunk = b"x" * block
        try:
            while self.sent[path] < total:
                self.wfile.write(chunk)
                self.wfile.flush()
                self.sent[path] += block
                if pause:
                    time.sleep(pause)
        except OSError:
            pass  # the client left


@pytest.fixture
def hostile(tmp_path):
    """``(base URL, bytes sent by path)`` of a hostile server on 127.0.0.1 beside two good WARCs."""
    folder = tmp_path / "served"
    for n, src in enumerate(archive(tmp_path / "warcs", files=2, per_file=5)):
        folder.mkdir(exist_ok=True)
        (folder / f"good-{n}.warc.gz").write_bytes(src.read_bytes())
    sent: dict[str, int] = {}
    handler = type("Handler", (Hostile,), {"folder": folder, "sent": sent})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", sent
    server.shutdown()
    server.server_close()


def failed(url: str, limits: RemoteLimits, target: Path) -> str:
    """The reason ``download`` gives for ``url`` (it must fail)."""
    with pytest.raises(RemoteFileError) as caught:
        download(url, target, limits)
    return str(caught.value)


# -- one file --------------------------------------------------------------------------------------
def test_an_endless_body_stops_at_the_size_cap(hostile, tmp_path):
    base, sent = hostile
    target = tmp_path / "copy.warc"
    began = time.monotonic()
    tracemalloc.start()
    try:
        reason = failed(f"{base}/endless.warc.gz", RemoteLimits(max_bytes=MB), target)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * MB  # streamed: memory stays near a chunk (~1 MB here), not the body
    assert reason == (
        f"could not read {base}/endless.warc.gz: over the size cap (1,048,576 bytes): more came; "
        "raise --warc-max-bytes (warc_max_bytes=) or split the file"
    )
    assert target.stat().st_size <= MB  # the copy on disk never passed the cap
    time.sleep(0.2)
    assert sent["/endless.warc.gz"] < 64 * MB  # the server was cut off (socket buffers aside)
    assert time.monotonic() - began < 60  # a guard, not a benchmark: 200 MB would not fit


def test_a_drip_stops_at_the_deadline(hostile, tmp_path):
    base, sent = hostile
    began = time.monotonic()
    reason = failed(f"{base}/drip.warc.gz", RemoteLimits(deadline=1.5), tmp_path / "c")
    took = time.monotonic() - began
    assert "took longer than the deadline of 1.5 s for one remote file" in reason
    assert 1.4 < took < 15  # the drip would take 20 s; the guard is generous
    assert sent["/drip.warc.gz"] < 100
    reason = failed(f"{base}/stall.warc.gz", RemoteLimits(read_timeout=0.5), tmp_path / "c")
    assert reason.endswith("no answer for 0.5 s (read timeout) after 1 bytes")


def test_ctrl_c_stops_a_copy_at_once(hostile, tmp_path):
    base, sent = hostile
    script = (  # Ctrl-C as in a terminal, even when the suite runs as a background job (SIGINT ignored)
        "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "from pathlib import Path\n"
        "from ddj.collecting.remote import RemoteLimits, download\n"
        f"download({base + '/drip.warc.gz'!r}, Path({str(tmp_path / 'c')!r}), RemoteLimits())\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stderr=subprocess.PIPE)
    guard = time.monotonic() + 60
    while sent.get("/drip.warc.gz", 0) < 2 and time.monotonic() < guard:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    interrupted = time.monotonic()
    _, err = proc.communicate(timeout=60)
    assert b"KeyboardInterrupt" in err
    assert time.monotonic() - interrupted < 8  # the drip had over 15 s to go
    assert sent["/drip.warc.gz"] < 60


def test_a_body_shorter_than_declared_is_named(hostile, tmp_path):
    base, _ = hostile
    reason = failed(f"{base}/liar.warc.gz", RemoteLimits(), tmp_path / "c")
    assert reason.endswith("body shorter than declared (100 of 5,000 bytes): "
                           "the server cut it short; try again later")  # fmt: skip
    reason = failed(f"{base}/terabyte.warc.gz", RemoteLimits(), tmp_path / "c")
    assert reason.endswith(
        "over the size cap (2,000,000,000 bytes): it declares 1,099,511,627,776 bytes; "
        "raise --warc-max-bytes (warc_max_bytes=) or split the file"
    )


def test_redirects_to_private_addresses_are_refused_unless_allowed(hostile, tmp_path):
    base, _ = hostile
    limits = RemoteLimits()  # only the host of the URL asked for (127.0.0.1) is trusted
    for path, host, ip in (("to-localhost", "localhost", "127.0.0.1"),
                           ("to-literal", "127.0.0.2", "127.0.0.2")):  # fmt: skip
        reason = failed(f"{base}/{path}.warc.gz", limits, tmp_path / "c")
        assert f"redirect to a private address refused: {host} ({ip}, a loopback address" in reason
        assert "allow_private=True (--allow-private)" in reason
    good = (tmp_path / "served" / "good-0.warc.gz").read_bytes()
    allowed = RemoteLimits(allow_private=True)
    assert download(f"{base}/to-localhost.warc.gz", tmp_path / "c", allowed) == len(good)
    assert (tmp_path / "c").read_bytes() == good
    trusted = RemoteLimits(trusted=frozenset({"localhost"}))  # a host the user gave
    assert download(f"{base}/to-localhost.warc.gz", tmp_path / "c", trusted) == len(good)
    assert download(f"{base}/hop.warc.gz", tmp_path / "c", limits) == len(good)  # same host
    reason = failed(f"{base}/loop.warc.gz", limits, tmp_path / "c")
    assert reason.endswith("more than 5 redirects (max_redirects=)")


def test_a_copy_works_inside_a_running_event_loop(hostile, tmp_path):
    """A Jupyter kernel runs an event loop: the copy runs on its own, in a thread."""
    base, _ = hostile

    async def cell():
        return download(f"{base}/good-0.warc.gz", tmp_path / "c", RemoteLimits())

    size = asyncio.run(cell())
    assert size == (tmp_path / "served" / "good-0.warc.gz").stat().st_size > 0


def test_limits_are_checked_and_the_copy_is_removed(hostile):
    base, _ = hostile
    with pytest.raises(ParameterError, match="warc_max_bytes=0 must be a positive"):
        ddj.collect(warcs=[f"{base}/good-0.warc.gz"], warc_max_bytes=0, quiet=True)
    with pytest.raises(ParameterError, match="warc_deadline=-1 must be a positive"):
        RemoteLimits(deadline=-1)
    with local_copy(f"{base}/good-0.warc.gz") as copy:
        assert copy.stat().st_size > 0
    assert not copy.exists() and not copy.parent.exists()


def test_a_remote_glob_reads_the_listing_within_bounds(hostile):
    base, _ = hostile
    assert http_glob(f"{base}/list/*.warc.gz", RemoteLimits()) == [
        f"{base}/list/a.warc.gz", f"{base}/list/c.warc.gz"
    ]  # fmt: skip
    with pytest.raises(InputError, match="only the file name may hold wildcards"):
        warc_files(f"{base}/*/x.warc.gz")
    with pytest.raises(RemoteFileError, match="body shorter than declared"):
        http_glob(f"{base}/liar/*.warc", RemoteLimits())


# -- s3 (s3fs stood in for by a fake file system: the same loop, the same bounds) ----------------
class FakeS3:
    """``fsspec.filesystem("s3", ...)`` serving one object: endless, slow, sized or broken."""

    def __init__(self, kind: str):
        self.kind, self.read_calls = kind, 0

    def open(self, url, mode, block_size):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    @property
    def size(self):
        return 1099511627776 if self.kind == "huge" else None

    def read(self, n):
        self.read_calls += 1
        if self.kind == "slow":
            time.sleep(0.3)
        if self.kind == "broken":
            raise KeyError("botocore says no")  # any exception of s3fs/botocore: one row
        return b"x" * n


@pytest.mark.parametrize(
    ("kind", "limits", "why"),
    [
        (
            "endless",
            RemoteLimits(max_bytes=3 * MB),
            "over the size cap (3,145,728 bytes): more came",
        ),
        ("slow", RemoteLimits(deadline=1), "took longer than the deadline of 1 s"),
        (
            "huge",
            RemoteLimits(),
            "over the size cap (2,000,000,000 bytes): it is 1,099,511,627,776",
        ),
        ("broken", RemoteLimits(), "KeyError: 'botocore says no'"),
    ],
)
def test_s3_copies_keep_the_same_bounds(kind, limits, why, monkeypatch, tmp_path):
    import fsspec

    fake = FakeS3(kind)
    monkeypatch.setattr(fsspec, "filesystem", lambda *a, **k: fake)
    reason = failed("s3://bucket/crawl.warc.gz", limits, tmp_path / "c")
    assert reason.startswith(f"could not read s3://bucket/crawl.warc.gz: {why}"), reason
    assert (tmp_path / "c").stat().st_size <= limits.max_bytes and fake.read_calls < 10


# -- a batch ---------------------------------------------------------------------------------------
BAD = {
    "endless": "over the size cap (1,048,576 bytes): more came",
    "drip": "took longer than the deadline of 2 s for one remote file",
    "liar": "body shorter than declared (100 of 5,000 bytes)",
    "terabyte": "over the size cap (1,048,576 bytes): it declares 1,099,511,627,776 bytes",
    "to-localhost": "redirect to a private address refused: localhost (127.0.0.1, a loopback",
}


def test_bad_files_are_failure_rows_and_the_good_ones_are_read(hostile, tmp_path):
    base, _ = hostile
    bad = [f"{base}/{name}.warc.gz" for name in BAD]
    good = [f"{base}/good-0.warc.gz", f"{base}/good-1.warc.gz"]
    store = tmp_path / "store"
    began = time.monotonic()
    corpus, failures = ddj.collect(
        warcs=[bad[0], good[0], *bad[1:], good[1]], out=store, quiet=True, extract_workers=1,
        warc_max_bytes=MB, warc_deadline=2,
    )  # fmt: skip
    assert time.monotonic() - began < 90  # a guard: one drip alone would take 20 s
    assert len(corpus) == 10  # both good files, whole
    assert failures["url"].tolist() == bad and set(failures["stage"]) == {"warc"}
    for reason, (name, why) in zip(failures["reason"], BAD.items(), strict=True):
        assert reason.startswith(f"could not read {base}/{name}.warc.gz: {why}"), reason
    lines = [json.loads(x) for x in (store / "_manifest.jsonl").read_text().splitlines()]
    assert sorted(r["file"] for r in lines) == sorted(bad + good)  # a line for each file
    assert {r["file"] for r in lines if r.get("unread")} == set(bad)
    assert list(Manifest(store).done()) == good  # the bad ones are tried again next run
    # the same files beside a URL list (no store): the same rows, the good pages read
    corpus, failures = ddj.collect(
        warcs=[bad[2], good[0], bad[4]], out=tmp_path / "c.parquet", quiet=True,
        warc_max_bytes=MB, warc_deadline=2,
    )  # fmt: skip
    assert len(corpus) == 5 and failures["url"].tolist() == [bad[2], bad[4]]


def test_cli_goes_on_past_a_bad_remote_file(hostile, tmp_path):
    base, _ = hostile
    env = {**os.environ, "DDJ_SCHEDULER": ""}
    result = subprocess.run(
        [str(Path(sys.executable).with_name("ddj")), "collect",
         "--warc", f"{base}/terabyte.warc.gz", "--warc", f"{base}/endless.warc.gz",
         "--warc", f"{base}/good-0.warc.gz", "--warc-max-bytes", "1000000",
         "--warc-deadline", "20", "-o", str(tmp_path / "store"), "--no-progress"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "5 articles ->" in result.stdout and "2 failed URL(s)" in result.stdout
    lines = (tmp_path / "store" / "_manifest.jsonl").read_text().splitlines()
    assert len(lines) == 3
