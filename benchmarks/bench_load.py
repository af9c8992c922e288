"""Cold versus cached ``ddj.load`` of the same folder of real pages.

Prints the time of a first load (empty cache, every page parsed on every core),
of a second load (nothing changed: every record from the cache), the pages per
second of each, and their ratio. Also times a one-process cold load, to show
what the process pool buys on this machine.

    python benchmarks/bench_load.py                       # ../shared/corpora, all pages
    python benchmarks/bench_load.py --folder pages/ --limit 200
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--folder", type=Path, default=REPO.parent / "shared" / "corpora")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N pages")
    args = ap.parse_args()

    import ddj
    from ddj.loading import find_pages

    pages = find_pages(args.folder)[: args.limit]
    if not pages:
        raise SystemExit(f"no pages under {args.folder}")
    work = Path(tempfile.mkdtemp(prefix="ddj-bench-load-"))
    try:
        figures = {}
        for label, workers in (("cold, 1 process", 1), (f"cold, {os.cpu_count()} processes", None)):
            os.environ["DDJ_CACHE"] = str(work / label.replace(" ", "_").replace(",", ""))
            figures[label] = _timed(ddj, pages, workers)
        figures["cached (2nd load)"] = _timed(ddj, pages, None)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"ddj.load of {len(pages)} pages from {args.folder}")
    for label, (secs, rows) in figures.items():
        print(f"  {label:<24} {secs:8.2f} s  {len(pages) / secs:9.1f} pages/s  ({rows} articles)")
    cold = figures[f"cold, {os.cpu_count()} processes"][0]
    cached = figures["cached (2nd load)"][0]
    single = figures["cold, 1 process"][0]
    print(
        f"  speed-up of the cache: {cold / cached:.1f}x; of the process pool: {single / cold:.2f}x"
    )


def _timed(ddj, pages, workers):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        corpus = ddj.load(pages, workers=workers, progress=False)
        return time.perf_counter() - t0, len(corpus)


if __name__ == "__main__":
    main()
