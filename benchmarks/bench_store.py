"""Coverage of the six shipped topics over a generated corpus store, at 1M and 10M articles.

A store of N articles (about 2 KB of text each, generated in batches of
100,000, deterministic) is written with ``ddj.save(batch, store, append=True)``;
then, each in its own child process (so its peak RSS is its own):

- ``ddj.coverage(ddj.open(store), six topics, freq="M")``: articles a second, peak RSS;
- at the first size only (at most ``BASELINE_MAX``), the baseline: ``ddj.open(store).to_pandas()`` then the
  in-memory ``ddj.coverage`` on it (only the coverage call is timed), and the
  two results compared (they must be equal).

Targets: peak RSS under 2 GB at every size (flat), time linear in size,
store/in-memory time at most 1.3x. The store is deleted afterwards.

    python benchmarks/bench_store.py --sizes 1000000
    python benchmarks/bench_store.py --sizes 1000000,10000000 --dir /big/disk
    python benchmarks/bench_store.py --sizes 20000        # a quick look
"""

from __future__ import annotations

import argparse
import json
import pickle
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import children
from benchmarks.bench_match import FILLER, TOPIC_SNIPPETS

OUTLETS = [f"Bench Outlet {i:02d}" for i in range(12)]
GEN_BATCH = 100_000
#: The in-memory baseline holds the whole corpus (~13 GB at 1M articles): not above this.
BASELINE_MAX = 2_000_000
FIRST = pd.Timestamp("2019-01-01", tz="UTC")
SPAN_S = int((pd.Timestamp("2025-12-31", tz="UTC") - FIRST).total_seconds())


#: Function words of English, commonest first: the top ranks of :func:`zipf_words`'s vocabulary.
_FUNCTION = """the of and to a in that is for it on was with he as at by said his be from are have
but not they an has this had were which or its their been who will would she her i"""
FUNCTION_WORDS = _FUNCTION.split()


def zipf_words(rng: np.random.Generator, n: int, vocabulary: int = 50_000) -> np.ndarray:
    """``n`` words drawn by Zipf's law (rank ``r`` with weight ``1/r``) from a made-up vocabulary.

    The commonest ranks are English function words; the rest are made-up words of
    3-10 letters. News text's words follow about this law, so a store of it
    compresses and indexes about as news does, unlike :data:`FILLER`'s 41 words.
    """
    letters = np.array(list("etaoinshrdlcumwfgypbvk"))
    made = np.random.default_rng(1)
    lengths = made.integers(3, 11, size=vocabulary)
    words = np.array(
        FUNCTION_WORDS + ["".join(made.choice(letters, k)) for k in lengths[len(FUNCTION_WORDS) :]],
        dtype=object,
    )
    weights = 1.0 / np.arange(1, vocabulary + 1)
    return words[rng.choice(vocabulary, size=n, p=weights / weights.sum())]


def _chunks(seed: int, text: str) -> list[str]:
    """2,000 chunks of 50 words (about 330 bytes): of :data:`FILLER`, or by Zipf's law."""
    rng = np.random.default_rng(seed)
    if text == "filler":
        return [" ".join(rng.choice(FILLER, 50)) + "." for _ in range(2000)]
    return [" ".join(zipf_words(rng, 50)) + "." for _ in range(2000)]


def make_batch(start: int, n: int, seed: int = 0, text: str = "filler") -> pd.DataFrame:
    """Articles ``start`` .. ``start + n - 1``: the same ones whatever the batching.

    ``text="zipf"``: each article's text is new words by Zipf's law (:func:`zipf_words`),
    not :data:`FILLER` chunks shared by every article.
    """
    rng = np.random.default_rng([seed, start])
    chunks = _chunks(seed, text) if text == "filler" else None
    picks = rng.integers(0, 2000, size=(n, 7))  # 7 chunks of ~330 bytes: ~2.3 KB
    extra = rng.choice([0, 0, 0, 1, 1, 2], size=n)
    snippet = rng.integers(0, len(TOPIC_SNIPPETS), size=(n, 2))
    where = rng.integers(0, 8, size=(n, 2))
    texts = []
    words = np.empty(n, dtype=np.int64)
    fresh = zipf_words(rng, n * 7 * 50).reshape(n, 7, 50) if chunks is None else None
    for i in range(n):
        if chunks is None:
            parts = [" ".join(words) + "." for words in fresh[i]]
        else:
            parts = [chunks[j] for j in picks[i]]
        for k in range(extra[i]):
            parts.insert(int(where[i, k]) % (len(parts) + 1), TOPIC_SNIPPETS[snippet[i, k]])
        text = " ".join(parts)
        texts.append(text)
        words[i] = len(text.split())
    titled = rng.random(n) < 0.05
    titles = np.where(
        titled, np.array(TOPIC_SNIPPETS, dtype=object)[snippet[:, 0]], "Local news"
    ).tolist()
    titles = [f"{t} {start + i}" for i, t in enumerate(titles)]  # distinct: examples are checkable
    seconds = rng.integers(0, SPAN_S, size=n)
    published = pd.Series(FIRST + pd.to_timedelta(seconds, unit="s")).astype("datetime64[us, UTC]")
    published[rng.random(n) < 0.02] = pd.NaT
    ids = [f"{start + i:016x}" for i in range(n)]
    outlet = rng.integers(0, len(OUTLETS), n)
    frame = pd.DataFrame(
        {
            "id": ids,
            # each outlet its own site: one site's rows are one outlet (ddj names outlets by site)
            "url": [f"https://outlet{k:02d}.example/{start + i}" for i, k in enumerate(outlet)],
            "outlet": np.array(OUTLETS, dtype=object)[outlet],
            "title": titles,
            "published": published,
            "published_from": np.where(published.isna(), "none", "json-ld"),
            "language": "en",
            "text": texts,
            "words": words,
            "source": "bench",
        }
    )
    from ddj.corpus import conform

    return conform(frame)


# -- the child processes -----------------------------------------------------------------------


def child_generate(store: str, n: int, text: str = "filler") -> dict:
    import ddj

    t0 = time.perf_counter()
    for start in range(0, n, GEN_BATCH):
        ddj.save(make_batch(start, min(GEN_BATCH, n - start), text=text), store, append=True)
    return {"seconds": time.perf_counter() - t0}


def child_store(store: str, out: str) -> dict:
    import ddj

    topics = ddj.topics()
    t0 = time.perf_counter()
    cov = ddj.coverage(ddj.open(store), topics, freq="M")
    seconds = time.perf_counter() - t0
    cov.to_pickle(out)
    return {"seconds": seconds}


def child_memory(store: str, out: str) -> dict:
    import ddj

    topics = ddj.topics()
    t0 = time.perf_counter()
    corpus = ddj.open(store).to_pandas()
    loaded = time.perf_counter() - t0
    t0 = time.perf_counter()
    cov = ddj.coverage(corpus, topics, freq="M")
    seconds = time.perf_counter() - t0
    cov.to_pickle(out)
    return {"seconds": seconds, "load_seconds": loaded}


CHILDREN = {"generate": child_generate, "store": child_store, "memory": child_memory}


def run_child(*args: str) -> dict:
    """Run this file as a child (:func:`benchmarks.children.run_child`)."""
    return children.run_child("benchmarks.bench_store", *args)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", default="1000000,10000000", help="articles, comma-separated")
    ap.add_argument("--dir", default=None, help="where the store goes (default: a temp folder)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        report, name, *rest = args.child
        fn = CHILDREN[name]
        result = fn(rest[0], int(rest[1])) if name == "generate" else fn(*rest)
        Path(report).write_text(json.dumps(result))
        return
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")]
    rows = []
    for k, n in enumerate(sizes):
        base = Path(tempfile.mkdtemp(prefix="ddj-bench-store-", dir=args.dir))
        store = base / "store"
        try:
            gen = run_child("generate", str(store), str(n))
            size_mb = sum(p.stat().st_size for p in store.rglob("*.parquet")) / 1e6
            print(
                f"{n:>11,} articles: generated in {gen['seconds']:.0f} s, store {size_mb:,.0f} MB on disk",
                flush=True,
            )
            got = run_child("store", str(store), str(base / "store.pkl"))
            rate = n / got["seconds"]
            print(
                f"{'':>11}  store coverage   {got['seconds']:8.1f} s  {rate:9,.0f} articles/s  "
                f"peak RSS {got['peak_rss_mb']:7,.0f} MB",
                flush=True,
            )
            row = {"n": n, "seconds": got["seconds"], "rss": got["peak_rss_mb"]}
            if k == 0 and n <= BASELINE_MAX:
                mem = run_child("memory", str(store), str(base / "memory.pkl"))
                same = pickle.loads((base / "store.pkl").read_bytes()).equals(
                    pickle.loads((base / "memory.pkl").read_bytes())
                )
                print(
                    f"{'':>11}  in-memory        {mem['seconds']:8.1f} s  {n / mem['seconds']:9,.0f} articles/s  "
                    f"peak RSS {mem['peak_rss_mb']:7,.0f} MB (to_pandas {mem['load_seconds']:.0f} s, not timed)",
                    flush=True,
                )
                print(f"{'':>11}  identical results: {same}")
                row["memory_seconds"] = mem["seconds"]
                if not same:
                    raise SystemExit("store and in-memory coverage differ")
            rows.append(row)
        finally:
            shutil.rmtree(base, ignore_errors=True)
    first = rows[0]
    for row in rows[1:]:
        per = (row["seconds"] / row["n"]) / (first["seconds"] / first["n"])
        print(f"time per article at {row['n']:,} / at {first['n']:,}: {per:.2f} (1.0 is linear)")
    worst = max(r["rss"] for r in rows)
    print(f"largest peak RSS: {worst:,.0f} MB (target < 2,048 MB)")
    if "memory_seconds" in first:
        ratio = first["seconds"] / first["memory_seconds"]
        print(f"store / in-memory coverage time at {first['n']:,}: {ratio:.2f}x (target <= 1.3x)")
    else:
        print(
            f"no in-memory baseline above {BASELINE_MAX:,} articles: put a size at or below it first"
        )


if __name__ == "__main__":
    main()
