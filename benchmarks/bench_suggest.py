"""``ddj.suggest``'s examples: one pass for every suggested term, against one ``ddj.hits`` a term.

On the demo corpus (5,105 articles, a frame) and on a generated store
(:func:`benchmarks.bench_store.make_batch`, 50,000 articles by default),
``ddj.suggest(corpus, topic, n=20, examples=3)`` is timed whole; then the
examples of its terms alone, found as it finds them now
(``ddj.suggesting.examples_added``: one pass for every term), and, in the same
run on the same terms, as it found them before: one ``ddj.hits(corpus,
"(term) AND NOT (topic)", width=60, limit=3)`` a term, each a scan of its own
(and one more counting the rows of other page types). The snippets are
checked equal.

    python -m benchmarks.bench_suggest                  # demo, and a 50,000-article store
    python -m benchmarks.bench_suggest --store-size 0   # the demo only
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import ddj
from benchmarks.bench_store import make_batch
from ddj.matching import Topic, resolve
from ddj.suggesting import examples_added


def hits_a_term(corpus: Any, topic: str, queries: list[str], k: int) -> list[list[str]]:
    """The examples as ``suggest`` found them before: one ``ddj.hits`` call (a scan) a term."""
    chosen = resolve(topic)[0]
    out = []
    for q in queries:
        added = Topic("suggested", q, f"({q}) AND NOT ({chosen.query})")
        out.append(ddj.hits(corpus, added, width=60, limit=k)["snippet"].tolist())
    return out


def timed(fn: Any, *args: Any, **kw: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn(*args, **kw)
    return time.perf_counter() - start, result


def measure(name: str, corpus: Any, topic: str, n: int, k: int) -> None:
    whole, table = timed(ddj.suggest, corpus, topic, n=n, examples=k)
    queries = table["query"].tolist()
    now, shown = timed(examples_added, corpus, topic, queries, k)
    before, shown_before = timed(hits_a_term, corpus, topic, queries, k)
    assert shown == shown_before == table["examples"].tolist(), "the examples differ"
    found = sum(len(s) for s in shown)
    print(
        f"{name:<15} {topic:<11} {len(queries):>3} terms, {found:>3} examples | suggest "
        f"{whole:6.2f} s ({table.attrs['passes']} passes) | examples: one pass {now:6.2f} s, "
        f"one hits() a term {before:6.2f} s, x{before / now:.1f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store-size", type=int, default=50_000)
    parser.add_argument("-n", type=int, default=20, help="terms suggested")
    parser.add_argument("-k", type=int, default=3, help="examples a term")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # the demo's data notes; counted and shown elsewhere
    demo = ddj.demo.demo_corpus()
    for topic in ('"Jimmy Lai"', "Zelensky"):
        measure(f"demo ({len(demo):,})", demo, topic, args.n, args.k)
    if args.store_size:
        folder = Path(tempfile.mkdtemp(prefix="ddj-bench-suggest-"))
        try:
            step = 25_000
            for start in range(0, args.store_size, step):
                batch = make_batch(start, min(step, args.store_size - start))
                ddj.save(batch, folder / "store", append=True)
            store = ddj.open(folder / "store")
            for topic in ("Volt", "trade"):
                measure(f"store ({args.store_size:,})", store, topic, args.n, args.k)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
