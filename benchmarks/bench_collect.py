"""Benchmark: collecting from a local 20-outlet site vs extraction alone.

Serves N synthetic articles spread over 20 hosts (ports on 127.0.0.1, in a
separate process), collects them with the rate limit lifted, and compares the
throughput with ``read_html`` run in-process on the same pages (the baseline:
collection cannot beat extraction). Then runs collection in fresh processes at
N/2 and N articles and prints their peak memory, to show it stays nearly flat
(pages go to disk as they arrive; only the extracted records are kept).

Usage: python benchmarks/bench_collect.py [N] [--hosts H]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))


def serve(hosts: int, per_host: int) -> tuple[subprocess.Popen, list[str]]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "collect_site.py"), str(hosts), str(per_host)],
        stdout=subprocess.PIPE,
        text=True,
    )
    bases = [proc.stdout.readline().strip() for _ in range(hosts)]
    return proc, bases


def urls_for(bases: list[str], per_host: int) -> list[str]:
    from collect_site import article_path

    return [base + article_path(n, i) for n in range(per_host) for i, base in enumerate(bases)]


def run_collect(
    urls: list[str], workers: int, extract_workers: int | None = None
) -> tuple[float, int]:
    import warnings

    from ddj.collecting import collect

    with tempfile.TemporaryDirectory() as cache, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        corpus, failures = collect(
            urls=urls, cache_dir=cache, rate=None, workers=workers,
            extract_workers=extract_workers, quiet=True,
        )  # fmt: skip
        elapsed = time.perf_counter() - start
    if len(failures):
        print(failures.head(), file=sys.stderr)
    return elapsed, len(corpus)


def child(n: int, bases: list[str]) -> None:
    """Collect n articles in this fresh process; print elapsed and peak RSS (MB) as JSON.

    The site runs in another process (started by the parent), so the children of
    this process are only the extraction workers.
    """
    per_host = max(1, n // len(bases))
    elapsed, got = run_collect(urls_for(bases, per_host), workers=len(bases))
    main_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"n": got, "seconds": elapsed, "main_mb": main_mb, "workers_mb": workers_mb}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=2000, help="articles (default 2000)")
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.n, args.child)
        return
    from collect_site import article_html

    from ddj.extract import read_html

    per_host = max(1, args.n // args.hosts)
    n = per_host * args.hosts
    pages = [
        (article_html(i, k).encode(), f"http://h{i}.example/{k}")
        for k in range(per_host)
        for i in range(args.hosts)
    ]
    read_html(*pages[0])  # warm-up: imports
    start = time.perf_counter()
    for body, url in pages:
        read_html(body, url=url)
    extract_rate = n / (time.perf_counter() - start)
    del pages

    proc, bases = serve(args.hosts, per_host)
    try:
        run_collect(urls_for(bases, 1)[:2], workers=2)  # warm-up: imports
        urls = urls_for(bases, per_host)
        elapsed, got = run_collect(urls, workers=args.hosts)
        elapsed1, got1 = run_collect(urls, workers=args.hosts, extract_workers=1)
        print(f"articles: {n} over {args.hosts} hosts (rate limit lifted)")
        print(f"extraction only (read_html in-process): {extract_rate:8.1f} pages/s")
        print(
            f"collect (fetch + cache + extract):      {got / elapsed:8.1f} pages/s  ({got} articles)"
        )
        print(f"ratio collect / extraction: {got / elapsed / extract_rate:.2f}  (target >= 0.8)")
        print(f"collect with extract_workers=1 (one process): {got1 / elapsed1:.1f} pages/s, "
              f"ratio {got1 / elapsed1 / extract_rate:.2f}")  # fmt: skip
        for size in (max(args.hosts, n // 2), n):
            out = subprocess.run(
                [sys.executable, __file__, str(size), "--child", *bases],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            f = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"peak memory collecting {f['n']:6d} articles: main process {f['main_mb']:6.1f} MB, "
                  f"largest extraction worker {f['workers_mb']:6.1f} MB ({f['n'] / f['seconds']:.1f} pages/s)")  # fmt: skip
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
