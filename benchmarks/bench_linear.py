"""Every analysis that reads a store, at several sizes: time, CPU, peak RSS and the fitted exponent.

For each size given (articles), a store of ``benchmarks/bench_store.py``'s generated rows (~2.3 KB
of text an article; kept in ``--dir`` and reused, the same stores as ``bench_scan``) is read by
each analysis in its own child process, so each peak RSS and CPU time is its own:

- ``match``: ``ddj.match(store, ['"Hong Kong"'])`` (a flag a row: its result grows with the store);
- ``hits``: every hit of the same phrase (~2.6% of the articles);
- ``coverage``: the weekly coverage of the shipped topic ``hong_kong``;
- ``health``, ``problems``, ``by_month``: as called on a store;
- ``dedupe``: the store's own repeat check, made on every read (``store.unread()``: the ids of
  every part compared, one sort; ``coverage(dedupe=True)`` is refused on a store).

Printed: each figure, then for each analysis the exponent ``k`` of ``t = c n^k`` fitted on wall
time and on CPU time (linear is 1.0), and the ratio of peak RSS between the largest and the
smallest size (flat is 1.0). On a machine shared with other jobs, trust the CPU exponent.

    python -m benchmarks.bench_linear 1M 3M --dir /big/disk
    python -m benchmarks.bench_linear 20k 60k            # a quick look
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks import children
from benchmarks.bench_scan import PHRASE, exponent, parse_size

ANALYSES = ("match", "hits", "coverage", "health", "problems", "by_month", "dedupe")


def _call(name: str, store: str) -> object:
    import ddj

    corpus = ddj.open(store)
    calls = {
        "match": lambda: ddj.match(corpus, [PHRASE]),
        "hits": lambda: ddj.hits(corpus, PHRASE),
        "coverage": lambda: ddj.coverage(corpus, ["hong_kong"], freq="W"),
        "health": lambda: ddj.health(corpus),
        "problems": lambda: ddj.problems(corpus),
        "by_month": lambda: ddj.by_month(corpus),
        "dedupe": lambda: corpus.unread(),
    }
    return calls[name]()


def child_analysis(name: str, store: str) -> dict:
    t0, c0 = time.perf_counter(), time.process_time()
    result = _call(name, store)
    cpu = time.process_time() - c0  # every thread of this process, the import of ddj left out
    return {"seconds": time.perf_counter() - t0, "cpu": cpu, "rows": len(result)}


def child_generate(store: str, n: str) -> dict:
    from benchmarks.bench_store import child_generate as generate

    return generate(store, int(n))


CHILDREN = {"analysis": child_analysis, "generate": child_generate}


def run_child(*args: str) -> dict:
    """Run this file as a child (:func:`benchmarks.children.run_child`)."""
    return children.run_child("benchmarks.bench_linear", *args)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("sizes", nargs="*", default=["20k", "60k"], help="articles, e.g. 1M 3M")
    ap.add_argument("--dir", default=None, help="where the stores go (kept, reused; default: temp)")
    ap.add_argument("--only", nargs="+", choices=ANALYSES, help="these analyses only")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        children.answer_child(args.child, CHILDREN)
        return
    base = Path(args.dir or tempfile.mkdtemp(prefix="ddj-bench-linear-"))
    sizes = [parse_size(s) for s in args.sizes]
    names = args.only or list(ANALYSES)
    got: dict[str, list[dict]] = {name: [] for name in names}
    for n in sizes:
        store = base / f"scan-{n}"  # bench_scan's stores, shared
        if not store.exists():
            made = run_child("generate", str(store), str(n))
            print(f"\n{n:,} articles: generated in {made['seconds']:.1f} s", flush=True)
        else:
            print(f"\n{n:,} articles: {store} (reused)", flush=True)
        for name in names:
            r = run_child("analysis", name, str(store))
            got[name].append(r)
            print(
                f"  {name:9s} wall {r['seconds']:8.2f} s  CPU {r['cpu']:8.2f} s  "
                f"peak RSS {r['peak_rss_mb']:7.0f} MB  ({r['rows']:,} rows out)",
                flush=True,
            )
    print("\nexponent of time against size (linear = 1.0), and peak RSS largest/smallest:")
    for name, runs in got.items():
        wall = exponent(sizes, [r["seconds"] for r in runs])
        cpu = exponent(sizes, [r["cpu"] for r in runs])
        rss = runs[-1]["peak_rss_mb"] / runs[0]["peak_rss_mb"]
        print(f"  {name:9s} wall {wall:5.2f}  CPU {cpu:5.2f}  RSS x{rss:4.2f}")


if __name__ == "__main__":
    main()
