"""Benchmark: collecting WARC files on a Dask LocalCluster of 2 worker processes against one process.

The same generated files (default 8 files x 1,500 HTML responses over 200 hosts,
see ``bench_warc.py``) are collected in full (every page extracted) into two
stores: once in this one process (``extract_workers=1``), once with
``client=`` a ``LocalCluster(n_workers=2, processes=True)`` on 127.0.0.1 (one
task per file, each worker writing its own parts). The cluster is started and
its workers have imported ddj before the clock starts (a real cluster is up
before a run). The runs alternate (``--rounds``, best of each kept), since the
machine's other load hits them alike; ddj's own process pool of 2
(``extract_workers=2``) runs beside them as a reference for what the machine
gives two processes at the time. The two corpora are compared row for row.
The last line is the speed-up.

Usage: python benchmarks/bench_dask.py [--files 8] [--per-file 1500]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def collect(paths, store: Path, **options):
    import ddj

    start = time.perf_counter()
    corpus, failures = ddj.collect(warcs=paths, out=store, quiet=True, progress=False, **options)
    return (
        corpus.to_pandas().sort_values("url").reset_index(drop=True),
        failures,
        (time.perf_counter() - start),
    )


def warm() -> int:
    import ddj.collecting.archive  # noqa: F401 - the imports a task needs, paid before timing
    from ddj.extract import safe_read_html

    safe_read_html(b"<html><title>warm</title><p>up</p></html>", "http://warm.up/")
    return 1


def main() -> None:
    from bench_warc import HOSTS, generate
    from distributed import Client, LocalCluster

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--per-file", type=int, default=1_500)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each, alternated; best kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ddj-bench-dask-") as tmp:
        folder = Path(tmp)
        paths = generate(folder, args.files, args.per_file)
        total = args.files * args.per_file
        print(f"archive: {args.files} files, {total:,} records over {HOSTS} hosts; load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared: others' work counts)")  # fmt: skip
        warm()
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None, silence_logs=50)  # fmt: skip
        one_times, two_times, pool_times = [], [], []
        with Client(cluster, set_as_default=False) as client:
            client.run(warm)
            for k in range(args.rounds):  # alternated: the others' load hits both alike
                one, one_fail, secs = collect(paths, folder / f"one{k}", extract_workers=1)
                one_times.append(secs)
                two, two_fail, secs = collect(paths, folder / f"dask{k}", client=client)
                two_times.append(secs)
                pool, _, secs = collect(paths, folder / f"pool{k}", extract_workers=2)
                pool_times.append(secs)
                print(f"round {k + 1}: one process {one_times[-1]:6.2f} s, LocalCluster of 2 "
                      f"workers {two_times[-1]:6.2f} s, ddj's own pool of 2 {pool_times[-1]:6.2f} s")  # fmt: skip
        cluster.close()
        one_secs, two_secs = min(one_times), min(two_times)
        print(f"one process (best):          {one_secs:6.2f} s  {total / one_secs:7,.0f} records/s")
        print(
            f"LocalCluster, 2 workers (best): {two_secs:6.2f} s  {total / two_secs:7,.0f} records/s"
        )
        print(f"reference, ddj's process pool of 2 (best): {min(pool_times):6.2f} s  "
              f"({one_secs / min(pool_times):.2f}x one process: what this machine's load leaves)")  # fmt: skip
        same = one.equals(two) and one_fail.equals(two_fail) and one.equals(pool)
        print(f"identical corpora: {same} ({len(one):,} articles, {len(one_fail)} failures); "
              f"load average now {os.getloadavg()[0]:.1f}")  # fmt: skip
        print(f"speed-up 2 workers/1 process: {one_secs / two_secs:.2f}x (target >= 1.7x)")


if __name__ == "__main__":
    main()
