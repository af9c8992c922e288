"""Which engine for ddj's index: SQLite FTS5 against tantivy, on the same folded tokens.

Both engines are fed the same text: each field folded by ``ddj.query.fold`` and
cut into words by ddj's token rule (``ddj.query.word_runs``), joined by spaces, so
only the engines differ. For each: build time, size on disk, and the time to
fetch every matching id for a phrase, rare terms and a word in every article.
The store the same rows make is written last, for the size ratio.

    python -m benchmarks.bench_index_engines --n 200000
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np
import tantivy

import ddj
from benchmarks.bench_store import make_batch
from ddj.query import fold, word_runs

QUERIES = {
    '"hong kong"': ["hong", "kong"],
    "ukraine": ["ukraine"],
    "apt31": ["apt31"],
    "typhoon": ["typhoon"],
    "the (every article)": ["the"],
}


def size_of(path: Path) -> int:
    """Bytes under ``path``."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def fts5(docs: list[tuple[str, str]], folder: Path, detail: str) -> None:
    path = folder / f"fts5-{detail}.sqlite"
    t0 = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute(
        f"CREATE VIRTUAL TABLE f USING fts5(title, text, content='', detail={detail}, "
        "tokenize=\"ascii tokenchars '_'\")"
    )
    for s in range(0, len(docs), 20_000):
        rows = ((s + i + 1, a, b) for i, (a, b) in enumerate(docs[s : s + 20_000]))
        con.executemany("INSERT INTO f(rowid, title, text) VALUES (?, ?, ?)", rows)
        con.commit()
    con.execute("INSERT INTO f(f) VALUES ('optimize')")
    con.commit()
    print(
        f"FTS5 detail={detail}: build {time.perf_counter() - t0:.1f} s, {path.stat().st_size / 1e6:.1f} MB"
    )
    for name, terms in QUERIES.items():
        if detail == "full":
            q = '"' + " ".join(terms) + '"'
        else:  # no positions: a phrase is its words ANDed (a superset)
            q = " AND ".join(f'"{t}"' for t in terms)
        t0 = time.perf_counter()
        ids = np.fromiter(
            (r[0] for r in con.execute("SELECT rowid FROM f WHERE f MATCH ?", (q,))), dtype=np.int64
        )
        print(f"  {name}: {len(ids):,} ids in {time.perf_counter() - t0:.3f} s")
    con.close()


def tantivy_index(docs: list[tuple[str, str]], folder: Path) -> None:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("key", fast=True)
    sb.add_text_field("title", tokenizer_name="ws")
    sb.add_text_field("text", tokenizer_name="ws")
    schema = sb.build()
    path = folder / "tantivy"
    path.mkdir()
    t0 = time.perf_counter()
    index = tantivy.Index(schema, path=str(path))
    index.register_tokenizer(
        "ws", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
    )
    writer = index.writer(heap_size=200_000_000, num_threads=2)
    for i, (a, b) in enumerate(docs):
        writer.add_document(tantivy.Document(key=i + 1, title=a, text=b))
    writer.commit()
    writer.wait_merging_threads()
    print(f"tantivy: build {time.perf_counter() - t0:.1f} s, {size_of(path) / 1e6:.1f} MB")
    index.reload()
    searcher = index.searcher()
    for name, terms in QUERIES.items():
        fields = []
        for field in ("title", "text"):
            if len(terms) > 1:
                fields.append(tantivy.Query.phrase_query(schema, field, terms))
            else:
                fields.append(tantivy.Query.term_query(schema, field, terms[0]))
        q = tantivy.Query.boolean_query([(tantivy.Occur.Should, f) for f in fields])
        t0 = time.perf_counter()
        count = searcher.search(q, limit=1, count=True).count
        hits = searcher.search(q, limit=max(count, 1)).hits
        keys = searcher.fast_field_values("key", [a for _, a in hits])
        print(f"  {name}: {len(keys):,} ids in {time.perf_counter() - t0:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ddj-engines-"))
    try:
        frames = [make_batch(s, min(50_000, args.n - s)) for s in range(0, args.n, 50_000)]
        t0 = time.perf_counter()
        docs = [
            (" ".join(word_runs(fold(a or ""))), " ".join(word_runs(fold(b or ""))))
            for f in frames
            for a, b in zip(f["title"].tolist(), f["text"].tolist(), strict=True)
        ]
        print(
            f"{args.n:,} articles; folding and tokenizing (ddj's rule): {time.perf_counter() - t0:.1f} s"
        )
        fts5(docs, folder, "full")
        fts5(docs, folder, "column")
        tantivy_index(docs, folder)
        for f in frames:
            ddj.save(f, folder / "store", append=True)
        print(f"the store of the same rows: {size_of(folder / 'store') / 1e6:.1f} MB")
        print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
