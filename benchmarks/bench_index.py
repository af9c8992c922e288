"""The index beside a store against ddj's scan, on a generated store (``benchmarks/bench_store.py``'s rows).

A store of ``--n`` articles (~2.3 KB of text each) is generated (or ``--store``
names one), then, each in its own child process (so each peak RSS is its own):

- build: ``ddj.index(store)``: seconds, articles a second, peak RSS, index size
  against the store's;
- analyses: the 10% topic's weekly ``ddj.coverage`` and the first page of
  ``ddj.hits`` of the rare one, cold and warm, with the index and on the same
  store with its index moved out of sight (the scan), the ratio, and each
  child's peak RSS;
- query: for a topic matching about 10% of the articles and a rare one,
  ``candidates(store, query)`` cold and warm, and the scan in the same run,
  ``ddj.match(store, both)`` and the 10% topic's weekly ``ddj.coverage``;
  the counts are compared (the index's exact ids against the scan's) and the
  ratio printed.

    python -m benchmarks.bench_index                    # 20,000 articles: a quick look
    python -m benchmarks.bench_index --n 1000000 --dir /big/disk
    python -m benchmarks.bench_index --store /tmp/store  # an existing store (indexed if needed)
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks import children

#: The index's folder in a store (``ddj.store.fulltext.INDEX``).
INDEX_DIR = "_index"
#: About 10% of the generated articles (each snippet is in ~2.6% of them).
COMMON = '"Hong Kong" OR "Jimmy Lai" OR "Apple Daily" OR Taipei'
#: Another topic of about 8%, asked next (a reporter's next question: warm, another topic).
OTHER = '"Volt Typhoon" OR "Salt Typhoon" OR "state-backed hackers" OR APT31'
#: A few hundredths of a percent.
RARE = '"arrested on suspicion of spying" AND Taipei'


def size_of(path: Path, skip: tuple[str, ...] = ()) -> int:
    """Bytes of the files under ``path`` (leaving out the folders named in ``skip``)."""
    return sum(
        p.stat().st_size
        for p in path.rglob("*")
        if p.is_file() and not set(skip) & set(p.relative_to(path).parts)
    )


#: What a store's size leaves out: its index, and the totals and held rows kept beside its parts.
BESIDE = (INDEX_DIR, "_totals")


def child_build(store: str, exact: str = "") -> dict:
    import ddj

    done = ddj.index(store, common_words=() if exact else None)
    return {"seconds": done.seconds, "rows": done.rows, "parts": done.parts}


def positions_share(home: Path) -> float:
    """The share of an index's bytes that are word positions (tantivy's ``.pos`` files)."""
    pos = sum(p.stat().st_size for p in home.rglob("*.pos"))
    return pos / max(1, size_of(home))


def layouts_figures(store: Path, index_mb: float, store_mb: float, built: dict) -> None:
    """The index as made (common words without positions) against one with every position.

    The one made is moved aside while the other is built in the same run, then put back.
    """
    home, aside = store / INDEX_DIR, store / (INDEX_DIR + ".made")
    home.rename(aside)
    try:
        exact = run_child("build", str(store), "exact")
        exact_mb = size_of(home) / 1e6
        share = positions_share(home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
        aside.rename(home)
    print(
        f"layouts: with every position (--exact-phrases) {exact_mb:,.1f} MB = "
        f"{exact_mb / store_mb:.2f}x the store, positions {share:.0%} of it, built in "
        f"{exact['seconds']:.1f} s; as made (common words by article) {index_mb:,.1f} MB = "
        f"{index_mb / store_mb:.2f}x, positions {positions_share(home):.0%}, built in "
        f"{built['seconds']:.1f} s; ratio {index_mb / exact_mb:.2f}",
        flush=True,
    )


def child_query(store: str) -> dict:
    import numpy as np

    import ddj
    from ddj.store.fulltext import candidates
    from ddj.store.layout import id_keys

    out: dict = {}
    for name, query in (("common", COMMON), ("rare", RARE)):
        t0 = time.perf_counter()
        found = candidates(store, query)
        cold = time.perf_counter() - t0
        warm = []
        for _ in range(3):
            t0 = time.perf_counter()
            found = candidates(store, query)
            warm.append(time.perf_counter() - t0)
        out[name] = {"cold": cold, "warm": min(warm), "ids": len(found.ids), "exact": found.exact}
        out[name + "_keys"] = found.ids
    opened = ddj.open(store)
    t0 = time.perf_counter()
    m = ddj.match(opened, {"common": COMMON, "rare": RARE}, pages="all")
    out["match_seconds"] = time.perf_counter() - t0
    keys = id_keys(m.index.to_numpy())
    for name in ("common", "rare"):
        truth = np.unique(keys[m[name].to_numpy()])
        out[name]["scan_ids"] = len(truth)
        out[name]["same"] = bool(np.array_equal(truth, out.pop(name + "_keys")))
    t0 = time.perf_counter()
    ddj.coverage(opened, {"common": COMMON}, freq="W")
    out["coverage_seconds"] = time.perf_counter() - t0
    return out


def child_analyses(store: str) -> dict:
    """``ddj.coverage(store, [common], freq="W")`` and the first page of ``ddj.hits`` of the rare topic.

    Each run twice: cold (the first), warm (the second); the index's note kept.
    """
    import ddj

    opened = ddj.open(store)
    out: dict = {}
    for name, call in (
        ("coverage", lambda: ddj.coverage(opened, {"common": COMMON}, freq="W")),
        ("hits", lambda: ddj.hits(opened, RARE, limit=PAGE)),
    ):
        times, cpu = [], []
        for _ in range(2):
            t0, c0 = time.perf_counter(), time.process_time()
            result = call()
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        out[name] = {"cold": times[0], "warm": times[1], "note": result.attrs.get("index")}
        out[name]["cpu_warm"] = cpu[1]  # a machine shared with other work: CPU time is steadier
        out[name]["rows"] = len(result)
        out[name]["digest"] = str(pd_hash(result))
    t0, c0 = time.perf_counter(), time.process_time()
    result = ddj.coverage(opened, {"other": OTHER}, freq="W")  # the next question
    out["next"] = {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0}
    out["next"]["digest"] = str(pd_hash(result))
    out["next"]["articles"] = int(result["articles"].sum())
    return out


def pd_hash(frame) -> int:
    """One number for a frame's values (to tell that two runs gave the same answer)."""
    import pandas as pd

    return int(pd.util.hash_pandas_object(frame.astype(str), index=False).sum())


def child_generate(store: str, n: str, text: str = "filler") -> dict:
    from benchmarks.bench_store import child_generate as generate

    return generate(store, int(n), text)


CHILDREN = {
    "build": child_build,
    "query": child_query,
    "analyses": child_analyses,
    "generate": child_generate,
}

#: Hits on the first page (as ``ddj hits`` shows).
PAGE = 20


def run_child(*args: str) -> dict:
    """Run this file as a child (:func:`benchmarks.children.run_child`)."""
    return children.run_child("benchmarks.bench_index", *args)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, default=20_000, help="articles to generate")
    ap.add_argument("--dir", default=None, help="where the store goes (default: a temp folder)")
    ap.add_argument("--store", default=None, help="an existing store (kept; indexed if needed)")
    ap.add_argument(
        "--analyses-only",
        action="store_true",
        help="time only the analyses with and without the index (no candidates, no match)",
    )
    ap.add_argument(
        "--totals-only",
        action="store_true",
        help="time only coverage with the index, totals from kept counts against the rows",
    )
    ap.add_argument(
        "--text",
        choices=["filler", "zipf"],
        default="filler",
        help="generated text: chunks of 41 filler words (the other benchmarks' store), or new "
        "words by Zipf's law in every article (compresses and indexes about as news does)",
    )
    ap.add_argument(
        "--layouts",
        action="store_true",
        help="also build the index with every position (--exact-phrases) and compare sizes",
    )
    ap.add_argument(
        "--no-totals-figures",
        action="store_true",
        help="leave out the kept totals against the rows (four coverages from every row's columns)",
    )
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        children.answer_child(args.child, CHILDREN)
        return
    base = None
    if args.store:
        store = Path(args.store)
    else:
        base = Path(tempfile.mkdtemp(prefix="ddj-bench-index-", dir=args.dir))
        store = base / "store"
    try:
        if base is not None:
            gen = run_child("generate", str(store), str(args.n), args.text)
            print(f"{args.n:,} articles generated in {gen['seconds']:.0f} s", flush=True)
        built = run_child("build", str(store))
        store_mb = size_of(store, skip=BESIDE) / 1e6
        index_mb = size_of(store / INDEX_DIR) / 1e6
        totals_mb = size_of(store / "_totals") / 1e6
        rate = built["rows"] / built["seconds"] if built["seconds"] else 0.0
        print(
            f"build: {built['rows']:,} articles in {built['parts']:,} parts, {built['seconds']:.1f} s "
            f"({rate:,.0f} articles/s; CPU {built['cpu_seconds']:.0f} s), peak RSS "
            f"{built['peak_rss_mb']:,.0f} MB",
            flush=True,
        )
        print(
            f"size: index {index_mb:,.1f} MB, store {store_mb:,.1f} MB: "
            f"{index_mb / store_mb:.2f}x (target <= 0.5x); beside them, the kept totals and "
            f"held rows {totals_mb:,.1f} MB",
            flush=True,
        )
        if args.layouts:
            layouts_figures(store, index_mb, store_mb, built)
        if not args.totals_only:
            if not args.analyses_only:
                query_figures(store)
            analyses_figures(store)
        if not args.no_totals_figures:
            totals_figures(store)
    finally:
        if base is not None:
            shutil.rmtree(base, ignore_errors=True)


def query_figures(store: Path) -> None:
    """The index's candidates against the scan's match, and the scan's coverage."""
    got = run_child("query", str(store))
    for name, query in (("common", COMMON), ("rare", RARE)):
        r = got[name]
        print(
            f"{name:>6} {query}: {r['ids']:,} ids (exact: {r['exact']}; the scan: "
            f"{r['scan_ids']:,}, same ids: {r['same']}); cold {r['cold']:.3f} s, warm {r['warm']:.3f} s"
        )
    match_s, cov_s = got["match_seconds"], got["coverage_seconds"]
    warm = max(got["common"]["warm"], got["rare"]["warm"])
    print(
        f"scan: ddj.match(store, both) {match_s:.1f} s; weekly ddj.coverage(store, common) {cov_s:.1f} s"
    )
    print(f"ratio: the scan's match / the index's slower warm lookup = {match_s / warm:,.0f}x")
    print(
        f"query child's peak RSS (index and scan): {got['peak_rss_mb']:,.0f} MB (target < 1,024 MB)"
    )


def analyses_figures(store: Path) -> None:
    """Coverage and a first page of hits with the index, then on the same store scanned."""
    with_index = run_child("analyses", str(store))
    hidden = store / (INDEX_DIR + ".hidden")
    (store / INDEX_DIR).rename(hidden)  # the same store, scanned: its index out of sight
    try:
        without = run_child("analyses", str(store))
    finally:
        hidden.rename(store / INDEX_DIR)
    for name, target in (("coverage", 2.0), ("hits", 1.0)):
        a, b = with_index[name], without[name]
        what = (
            "weekly ddj.coverage(store, [common])"
            if name == "coverage"
            else f"first page ({PAGE}) of ddj.hits(store, rare)"
        )
        print(
            f"{what}: with the index cold {a['cold']:.2f} s, warm {a['warm']:.2f} s "
            f"(CPU {a['cpu_warm']:.2f} s; target < {target:.0f} s); scanned cold {b['cold']:.1f} s, "
            f"warm {b['warm']:.1f} s (CPU {b['cpu_warm']:.1f} s); "
            f"ratio (warm) {b['warm'] / a['warm']:,.0f}x; same answer: {a['digest'] == b['digest']} "
            f"({a['rows']:,} rows)"
        )
        print(f"  note: {a['note']}")
    a, b = with_index["next"], without["next"]
    print(
        f"the next question, weekly ddj.coverage(store, [other]) ({a['articles']:,} articles): "
        f"with the index {a['seconds']:.2f} s (CPU {a['cpu']:.2f} s), scanned {b['seconds']:.1f} s; "
        f"same answer: {a['digest'] == b['digest']}"
    )
    print(
        f"peak RSS: with the index {with_index['peak_rss_mb']:,.0f} MB, scanned "
        f"{without['peak_rss_mb']:,.0f} MB (target < 1,024 MB)"
    )


def totals_figures(store: Path) -> None:
    """Weekly coverage of the 10% topic with the index, totals from the kept counts against the rows.

    In this process, the same run: each way once cold, then three times warm
    (the best warm wall time and its CPU time printed; the machine may be
    shared). Without kept totals, the totals read the nine columns of every
    row, as before ``ddj.store.totals``.
    """
    import contextlib
    from unittest import mock

    import pandas as pd

    import ddj
    from ddj import measure

    opened = ddj.open(store)
    call = lambda: ddj.coverage(opened, {"common": COMMON}, freq="W")  # noqa: E731
    rows = mock.patch.object(measure._Coverage, "countable", property(lambda self: False))
    figures, frames = {}, {}
    for name, patch in (("kept totals", contextlib.nullcontext()), ("rows read", rows)):
        with patch:
            times = []
            for _ in range(4):  # the first cold (kept totals made here if missing)
                t0, c0 = time.perf_counter(), time.process_time()
                frames[name] = call()
                times.append((time.perf_counter() - t0, time.process_time() - c0))
        figures[name] = (times[0], min(times[1:]))
    (cold, warm), (_, rwarm) = figures["kept totals"], figures["rows read"]
    same = frames["kept totals"].equals(frames["rows read"])
    pd.testing.assert_frame_equal(frames["kept totals"], frames["rows read"])
    print(
        f"weekly ddj.coverage(store, [common]) with the index: totals from kept counts warm "
        f"{warm[0]:.2f} s (CPU {warm[1]:.2f} s; cold {cold[0]:.2f} s), from the rows warm "
        f"{rwarm[0]:.2f} s (CPU {rwarm[1]:.2f} s); ratio (warm wall) {rwarm[0] / warm[0]:.1f}x, "
        f"(CPU) {rwarm[1] / warm[1]:.1f}x; same frame: {same}"
    )
    print(f"  note: {frames['kept totals'].attrs.get('index')}")


if __name__ == "__main__":
    main()
