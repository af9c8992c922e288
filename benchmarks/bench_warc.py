"""Benchmark: a one-domain WARC scan against full extraction, and FastWARC against warcio.

Generates a multi-file archive (default 10 files x 10,000 HTML responses = 100,000
records over 200 hosts; small synthetic pages, one gzip member a record, as
CC-NEWS is written), then measures in this one process:

- FastWARC and warcio on the same files: records a second of a header-only scan
  (the target URI of every response) and of a full read (every payload);
- ``collect(domains=[one host])`` as ddj runs it (header filter, then the
  200th of the records that match extracted), over all the files;
- full extraction (every record read and extracted with ``ddj.read_html``), on
  the first ``--sample`` records (extraction runs at a steady rate per page, so
  a sample gives it; extracting all 100,000 would take ~15 minutes).

The last line is the ratio of the filtered scan's rate to full extraction's.

With ``--pages DIR`` the records carry the real pages of DIR (``.html`` files, in
turn) instead of synthetic ones, to measure at real page sizes (the archive is
temporary; nothing of it is kept).

Usage: python benchmarks/bench_warc.py [--files 10] [--per-file 10000] [--sample 2000] [--pages DIR]
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HOSTS = 200
WORDS = [
    "council",
    "vote",
    "harbour",
    "budget",
    "protest",
    "minister",
    "court",
    "strike",
    "election",
    "market",
]


def page(n: int, host: str) -> bytes:
    words = " ".join(WORDS[(n * 7 + k) % len(WORDS)] for k in range(120))
    return (
        f"<html><head><title>Story {n} on {host}</title>"
        f'<meta property="article:published_time" content="2024-10-{1 + n % 28:02d}T10:00:00Z">'
        f"</head><body><article><h1>Story {n}</h1><p>{words}.</p></article></body></html>"
    ).encode()


def record(n: int, pages: list[bytes] | None = None) -> bytes:
    """One response record, gzipped on its own (one member a record)."""
    host = f"www.outlet{n % HOSTS}.example"
    url = f"https://{host}/2024/10/story-{n}.html"
    body = pages[n % len(pages)] if pages else page(n, host)
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n" + (
        f"Content-Length: {len(body)}\r\n\r\n".encode() + body
    )
    head = (
        "WARC/1.0\r\nWARC-Type: response\r\n"
        f"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{n:012d}>\r\n"
        "WARC-Date: 2024-10-29T00:00:00Z\r\n"
        f"WARC-Target-URI: {url}\r\nContent-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http)}\r\n\r\n"
    ).encode()
    return gzip.compress(head + http + b"\r\n\r\n", compresslevel=1 if pages is None else 6,
                         mtime=0)  # fmt: skip


def generate(
    folder: Path, files: int, per_file: int, pages: list[bytes] | None = None
) -> list[Path]:
    paths = []
    for f in range(files):
        path = folder / f"CC-NEWS-synthetic-{f:03d}.warc.gz"
        with path.open("wb") as out:
            for k in range(per_file):
                out.write(record(f * per_file + k, pages))
        paths.append(path)
    return paths


def real_pages(folder: Path) -> list[bytes]:
    """The ``.html`` and ``.html.gz`` pages under ``folder``, in name order."""
    found = sorted(p for p in folder.rglob("*") if p.name.endswith((".html", ".html.gz")))
    return [gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes() for p in found]


def fastwarc_scan(paths, payload: bool) -> int:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    n = 0
    for path in paths:
        for rec in ArchiveIterator(
            str(path), record_types=WarcRecordType.response, parse_http=payload
        ):
            rec.headers.get("WARC-Target-URI")
            if payload:
                rec.reader.read()
            n += 1
    return n


def warcio_scan(paths, payload: bool) -> int:
    from warcio.archiveiterator import ArchiveIterator

    n = 0
    for path in paths:
        with path.open("rb") as handle:
            for rec in ArchiveIterator(handle):
                if rec.rec_type != "response":
                    continue
                rec.rec_headers.get_header("WARC-Target-URI")
                if payload:
                    rec.content_stream().read()
                n += 1
    return n


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def filtered(paths, domain: str, store: Path):
    import ddj

    corpus, failures = ddj.collect(warcs=paths, domains=[domain], out=store, quiet=True,
                                   extract_workers=1, progress=False)  # fmt: skip
    return len(corpus), len(failures)


def full(paths, sample: int) -> int:
    from ddj.collecting.warc import warc_records
    from ddj.extract import safe_read_html

    n = 0
    for cand in warc_records(paths[0], []):
        safe_read_html(cand.body, cand.url)
        n += 1
        if n >= sample:
            break
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--per-file", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--pages", type=Path, help="a folder of real .html pages to archive")
    args = parser.parse_args()
    pages = real_pages(args.pages) if args.pages else None
    with tempfile.TemporaryDirectory(prefix="ddj-bench-warc-") as tmp:
        folder = Path(tmp)
        (paths, took) = timed(generate, folder, args.files, args.per_file, pages)
        total = args.files * args.per_file
        size = sum(p.stat().st_size for p in paths)
        kind = f"{len(pages)} real pages in turn" if pages else "synthetic pages"
        print(f"archive: {args.files} files, {total:,} records over {HOSTS} hosts ({kind}), "
              f"{size / 1e6:.0f} MB, generated in {took:.1f} s; load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
        for name, fn in (("FastWARC", fastwarc_scan), ("warcio", warcio_scan)):
            for payload in (False, True):
                n, secs = timed(fn, paths, payload)
                what = "full read  " if payload else "header scan"
                print(f"{name:9s} {what}: {n / secs:10,.0f} records/s, "
                      f"{size / secs / 1e6:5.0f} MB/s of .warc.gz ({secs:.2f} s)")  # fmt: skip
        full(paths, 20)  # imports and warm-up outside the timings
        (articles, fails), secs = timed(filtered, paths, "outlet7.example", folder / "store")
        scan_rate = total / secs
        print(f"one-domain collect (header filter, {articles} articles extracted, {fails} "
              f"failures): {scan_rate:,.0f} records/s ({secs:.2f} s)")  # fmt: skip
        n, secs = timed(full, paths, args.sample)
        full_rate = n / secs
        print(f"full extraction ({n:,} records read and extracted): {full_rate:,.0f} records/s")
        print(f"ratio filtered/full: {scan_rate / full_rate:.1f}x (target >= 20x)")


if __name__ == "__main__":
    main()
