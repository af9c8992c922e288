"""``ddj.match`` against the naive way, on a generated corpus.

Naive: for every term of every topic, pandas ``str.contains`` with a regex over
each text column (one scan a term and a column), combined with the topic's
boolean logic. ddj: one scan a document for all the terms of all the topics
(RE2 set), then an exact check of the few candidates.

Prints both times, the ratio, the peak memory of ``match`` against the size of
the corpus text, and checks that both give identical results.

    python benchmarks/bench_match.py --n 100000
    python benchmarks/bench_match.py              # 1,000,000 articles (~3 KB each): minutes
"""

from __future__ import annotations

import argparse
import random
import resource
import time
import tracemalloc

import pandas as pd

FILLER = [
    "the",
    "council",
    "met",
    "on",
    "tuesday",
    "to",
    "discuss",
    "the",
    "budget",
    "and",
    "the",
    "new",
    "bridge",
    "while",
    "residents",
    "said",
    "the",
    "plan",
    "would",
    "cost",
    "more",
    "than",
    "expected",
    "and",
    "officials",
    "promised",
    "a",
    "review",
    "of",
    "schools",
    "roads",
    "housing",
    "weather",
    "sport",
    "markets",
    "prices",
    "energy",
    "health",
    "hospital",
    "police",
    "court",
    "river",
    "harbour",
    "festival",
    "music",
]
TOPIC_SNIPPETS = (
    "Hong Kong", "Jimmy Lai", "Apple Daily", "national security law in Beijing", "香港", "Volt Typhoon",
    "Salt Typhoon", "state-backed hackers", "APT31", "hackers accused of espionage", "Ukraine war",
    "Russian troops in Kyiv", "Zelensky said the invasion", "Taiwan Strait", "Taipei", "Xinjiang",
    "Uyghurs", "forced labour in China", "arrested on suspicion of spying", "charged under the National Security Act",
    "Hongkongers", "spyware", "a cafe in Kong", "Ukrainian recipes", "taiwanese tea",
    "tariffs on Chinese steel", "the Huawei 5G ban", "TikTok and ByteDance", "a Confucius Institute",
    "trade tariffs", "TikToker", "Confucius said",
)  # fmt: skip
# four more topics next to the six shipped ones, so the benchmark times ten
EXTRA_TOPICS = {
    "china_trade": "tariff* AND (China OR Chinese)",
    "huawei": 'Huawei OR ZTE OR "5G ban"',
    "tiktok": "TikTok OR ByteDance",
    "confucius": '"Confucius Institute" OR "Confucius Institutes"',
}


def bench_topics() -> list:
    """The ten benchmark topics: the shipped six and :data:`EXTRA_TOPICS`."""
    import ddj
    from ddj.matching import resolve

    return ddj.topics() + resolve(EXTRA_TOPICS)


def make_corpus(n: int, seed: int = 0, words: int = 500) -> pd.DataFrame:
    """``n`` articles of about ``words`` words (~6 bytes a word), topic phrases sprinkled in."""
    from ddj.corpus import conform

    rng = random.Random(seed)
    chunks = [" ".join(rng.choice(FILLER) for _ in range(50)) + "." for _ in range(2000)]
    per_doc = max(1, words // 50)
    texts, titles = [], []
    for _ in range(n):
        parts = [chunks[rng.randrange(len(chunks))] for _ in range(per_doc)]
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(TOPIC_SNIPPETS))
        texts.append(" ".join(parts))
        titles.append(rng.choice(TOPIC_SNIPPETS) if rng.random() < 0.05 else "Local news")
    frame = pd.DataFrame(
        {"url": [f"https://bench.example/{i}" for i in range(n)], "title": titles, "text": texts}
    )
    return conform(frame)


def naive_match(corpus: pd.DataFrame, topics) -> pd.DataFrame:
    """One ``str.contains`` a term and a column, combined by each topic's logic.

    ``topics``: anything ``ddj.match`` takes (names, Topic objects, a dict...).
    """
    from ddj.matching import resolve
    from ddj.query import And, Not, Or, Phrase, fold, leaf_re2_pattern

    columns = {
        f: corpus[f].fillna("").map(fold) for f in ("title", "description", "text") if f in corpus
    }
    out = {}
    chosen = resolve(topics)
    for topic in chosen:

        def ev(node):
            if isinstance(node, Not):
                return ~ev(node.item)
            if isinstance(node, (And, Or)):
                parts = [ev(i) for i in node.items]
                result = parts[0]
                for p in parts[1:]:
                    result = (result & p) if isinstance(node, And) else (result | p)
                return result
            if isinstance(node, Phrase) and node.slop is not None:
                raise ValueError("the naive baseline has no proximity search")
            pattern = leaf_re2_pattern(node)
            fields = [node.field] if node.field else list(columns)
            hit = pd.Series(False, index=corpus.index)
            for f in fields:
                hit = hit | columns[f].str.contains(pattern, regex=True)
            return hit

        out[topic.name] = ev(topic.tree).astype(bool).to_numpy()
    return pd.DataFrame(out, index=corpus.index)[[t.name for t in chosen]]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, default=1_000_000, help="articles (default: %(default)s)")
    args = ap.parse_args()

    import ddj

    chosen = bench_topics()
    names = [t.name for t in chosen]
    t0 = time.perf_counter()
    corpus = make_corpus(args.n)
    text_bytes = int(corpus["text"].str.len().sum() + corpus["title"].str.len().sum())
    print(
        f"corpus: {args.n:,} articles, {text_bytes / 1e6:,.0f} MB of text (made in {time.perf_counter() - t0:.1f} s)"
    )
    print(f"topics: {len(names)} ({', '.join(names)})")

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    fast = ddj.match(corpus, chosen)[names]
    t_fast = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # memory in a second run: tracemalloc slows Python down, so it is kept out of the timing
    tracemalloc.start()
    ddj.match(corpus, chosen)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    t0 = time.perf_counter()
    slow = naive_match(corpus, chosen)
    t_slow = time.perf_counter() - t0

    same = fast.equals(slow)
    print(f"ddj.match:  {t_fast:8.2f} s  ({args.n / t_fast:,.0f} articles/s)")
    print(f"naive:      {t_slow:8.2f} s  ({args.n / t_slow:,.0f} articles/s)")
    print(f"speed-up:   {t_slow / t_fast:8.1f}x  (target >= 10x)")
    print(
        f"peak Python memory in match: {peak / 1e6:,.0f} MB = {peak / text_bytes:.2f}x the corpus text (target <= 2x)"
    )
    print(f"growth of peak RSS during match: {(rss1 - rss0) / 1e3:,.0f} MB")
    print(f"identical results: {same}; matches per topic: {fast.sum().to_dict()}")
    if not same:
        raise SystemExit("results differ")


if __name__ == "__main__":
    main()
