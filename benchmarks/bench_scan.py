"""ddj's scan of a store against polars (and DuckDB) on the same Parquet files, and every analysis's exponent.

For each size given (articles), a store is generated with ``benchmarks/bench_store.py``'s rows
(~2.3 KB of text an article, deterministic; kept in ``--dir`` and reused when it is already
there), then, each in its own child process (so each peak RSS is its own):

- ddj: ``ddj.coverage(store, six shipped topics, freq="W")``, ``ddj.match(store, [phrase])``
  and the phrase's own weekly ``ddj.coverage`` (no index: its texts narrowed by polars, its
  counts from the parts' kept totals);
- polars: the same Parquet parts scanned lazily with equivalent regexes (each query's leaves as
  case-insensitive Rust regexes with word boundaries, combined by the query's AND/OR/NOT, over
  title, description and text), counting dated articles per topic and week, the phrase's rows,
  and the phrase's dated articles per week;
- DuckDB (when installed): the same counts with ``regexp_matches``;
- the other analyses that scan a store: ``health``, ``problems``, ``by_month`` and ``hits`` (the
  phrase, every hit).

The counts are compared (asserted equal: per topic and week, and the phrase's rows). Printed: each
figure, the ratio ddj/polars, peak RSS, and the fitted exponent of time against size for each
(``log t = a + k log n``; linear is 1.0). Install the extra: ``pip install -e '.[bench]'``.

    python -m benchmarks.bench_scan 100k 300k 1M --dir /big/disk
    python -m benchmarks.bench_scan 20k 60k            # a quick look
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import children

#: The phrase ``match`` is timed on (in ~2.6% of the generated articles).
PHRASE = '"Hong Kong"'
FIELDS = ("title", "description", "text")


def parse_size(text: str) -> int:
    """``100k`` -> 100000, ``1M`` -> 1000000, ``2500`` -> 2500."""
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1].lower(), 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def parts_of(store: str) -> list[str]:
    return sorted(str(p) for p in Path(store).rglob("*.parquet"))


# -- queries as regexes ----------------------------------------------------------------------


def leaf_regex(leaf) -> str:
    """A leaf of ddj's query as a case-insensitive regex with word boundaries (Rust and RE2 syntax)."""
    import re

    from ddj.query import Phrase

    def one(t) -> str:
        body = re.escape(t.word)
        if t.wildcard:
            return r"\b" + body + r"\w*"
        if not t.word.isascii():  # CJK: no word boundaries, as ddj
            return body
        left = r"\b" if re.match(r"\w", t.word[0]) else ""
        right = r"\b" if re.match(r"\w", t.word[-1]) else ""
        return left + body + right

    if isinstance(leaf, Phrase):
        if leaf.slop is not None:
            raise SystemExit("proximity has no single regex: not in these topics")
        return "(?i)" + r"[^\pL\pN]+".join(one(w) for w in leaf.words)
    if leaf.field or leaf.case:
        raise SystemExit("field and case-sensitive leaves are not in these topics")
    return "(?i)" + one(leaf)


def combine(node, leaf, and_, or_, not_):
    """A query tree as an expression: ``leaf(leaf)`` at leaves, joined by the three operators."""
    from ddj.query import And, Not, Or

    if isinstance(node, Not):
        return not_(combine(node.item, leaf, and_, or_, not_))
    if isinstance(node, (And, Or)):
        items = [combine(i, leaf, and_, or_, not_) for i in node.items]
        out = items[0]
        for i in items[1:]:
            out = and_(out, i) if isinstance(node, And) else or_(out, i)
        return out
    return leaf(node)


def queries() -> dict[str, object]:
    """The six shipped topics' trees and the phrase's, by name."""
    import ddj
    from ddj.query import parse

    out = {t.name: t.tree for t in ddj.topics()}
    out["phrase"] = parse(PHRASE)
    return out


# -- the children ----------------------------------------------------------------------------


def child_generate(store: str, n: str) -> dict:
    from benchmarks.bench_store import child_generate as generate

    return generate(store, int(n))


def _weekly(cov) -> dict[str, int]:
    """``topic|week start`` -> articles, from a coverage frame."""
    out = {}
    for topic, period, k in zip(cov["topic"], cov["period"], cov["articles"], strict=True):
        if k:
            out[f"{topic}|{period.date()}"] = int(k)
    return out


def child_ddj(store: str, what: str = "both") -> dict:
    import ddj

    topics = ddj.topics()
    cov, coverage = None, float("nan")
    if what == "both":
        t0 = time.perf_counter()
        cov = ddj.coverage(ddj.open(store), topics, freq="W")
        coverage = time.perf_counter() - t0
    try:  # warm, as the polars child is: a narrowed scan's first call imports polars (~0.5 s)
        import polars  # noqa: F401
    except ImportError:
        pass
    t0 = time.perf_counter()
    m = ddj.match(ddj.open(store), [PHRASE])
    match = time.perf_counter() - t0
    t0 = time.perf_counter()
    one = ddj.coverage(ddj.open(store), {"phrase": PHRASE}, freq="W", pages="all")
    phrase_coverage = time.perf_counter() - t0
    return {
        "coverage": coverage,
        "match": match,
        "phrase coverage": phrase_coverage,
        "phrase_note": one.attrs.get("index"),
        "weekly": {} if cov is None else _weekly(cov),
        "phrase_weekly": _weekly(one),
        "phrase_rows": int(m.iloc[:, 0].sum()),
    }


def child_polars(store: str, what: str = "both") -> dict:
    import polars as pl

    trees = queries()

    def leaf(lf):
        pattern = leaf_regex(lf)
        hits = [pl.col(f).fill_null("").str.contains(pattern) for f in FIELDS]
        return pl.any_horizontal(hits)

    def expr(tree):
        return combine(tree, leaf, lambda a, b: a & b, lambda a, b: a | b, lambda a: ~a)

    files = parts_of(store)
    topics = [name for name in trees if name != "phrase"]
    weeks = pl.col("published").dt.truncate("1w").dt.date().cast(pl.Utf8).alias("week")
    frame, coverage = pl.DataFrame(schema={"week": pl.Utf8}), float("nan")
    if what == "both":
        t0 = time.perf_counter()
        frame = (
            pl.scan_parquet(files)
            .filter(pl.col("published").is_not_null())
            .select([weeks, *[expr(trees[t]).alias(t) for t in topics]])
            .group_by("week")
            .agg([pl.col(t).sum() for t in topics])
            .collect()
        )
        coverage = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = pl.scan_parquet(files).select(expr(trees["phrase"]).sum()).collect().item()
    match = time.perf_counter() - t0
    t0 = time.perf_counter()
    one = (
        pl.scan_parquet(files)
        .filter(pl.col("published").is_not_null())
        .select([weeks, expr(trees["phrase"]).alias("phrase")])
        .group_by("week")
        .agg(pl.col("phrase").sum())
        .collect()
    )
    phrase_coverage = time.perf_counter() - t0
    weekly = {}
    for row in frame.iter_rows(named=True):
        for t in topics:
            if row[t]:
                weekly[f"{t}|{row['week']}"] = int(row[t])
    phrase_weekly = {f"phrase|{r['week']}": int(r["phrase"]) for r in one.iter_rows(named=True)}
    return {
        "coverage": coverage,
        "match": match,
        "phrase coverage": phrase_coverage,
        "weekly": weekly,
        "phrase_weekly": {k: v for k, v in phrase_weekly.items() if v},
        "phrase_rows": int(rows),
    }


def child_duckdb(store: str, what: str = "both") -> dict:
    import duckdb

    trees = queries()

    def leaf(lf):
        pattern = leaf_regex(lf).replace("(?i)", "").replace("'", "''")
        return (
            "("
            + " OR ".join(f"regexp_matches(coalesce({f}, ''), '{pattern}', 'i')" for f in FIELDS)
            + ")"
        )

    def expr(tree):
        return combine(tree, leaf, "({} AND {})".format, "({} OR {})".format, "(NOT {})".format)

    files = ", ".join(f"'{f}'" for f in parts_of(store))
    topics = [name for name in trees if name != "phrase"]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    sums = ", ".join(f'sum(({expr(trees[t])})::INT) AS "{t}"' for t in topics)
    got, coverage = [], float("nan")
    if what == "both":
        t0 = time.perf_counter()
        got = con.execute(
            f"SELECT strftime(date_trunc('week', published), '%Y-%m-%d') AS week, {sums} "
            f"FROM read_parquet([{files}]) WHERE published IS NOT NULL GROUP BY week"
        ).fetchall()
        coverage = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = con.execute(
        f"SELECT count(*) FROM read_parquet([{files}]) WHERE {expr(trees['phrase'])}"
    ).fetchone()[0]
    match = time.perf_counter() - t0
    weekly = {}
    for week, *counts in got:
        for t, k in zip(topics, counts, strict=True):
            if k:
                weekly[f"{t}|{week}"] = int(k)
    return {"coverage": coverage, "match": match, "weekly": weekly, "phrase_rows": int(rows)}


#: The steps of a phrase's scan: (module, function) that takes each, timed in place.
STEPS = {
    "survey": ("ddj.store.disk", "Store._survey"),  # the parts' footers and ids, once a store
    "read": ("ddj.store.disk", "_batches_of"),  # Parquet pages decompressed, decoded into Arrow
    "polars": ("ddj.store.disk", "stream_narrowed"),  # narrowed: waiting on polars' stream
    "other columns": ("ddj.store.disk", "_row_group"),  # narrowed: the other columns, by pyarrow
    "tables": ("ddj.store.disk", "Store._tables"),  # + repeats left out, filters, columns chosen
    "to pandas": ("ddj.store.disk", "_frame"),  # Arrow tables into the batch's DataFrame
    "flags": ("ddj.matching", "_flagged"),  # prefilter + the exact check of the candidates
    "prefilter": ("ddj.matching", "_prefilter"),  # which rows may hold a leaf
    "ascii and fold": ("ddj.matching", "_folded_column"),  # ASCII check, folding where needed
    "re2 passes": ("ddj.matching", "_found"),  # RE2 over the Arrow columns
}


class Timed:
    """Seconds spent in each of ``steps``'s functions while in a ``with`` block (generators: each item).

    Each function is swapped, in its module, for a wrapper that adds its
    wall time up (a profiler's overhead on the exact check's many small
    calls would be counted instead of the check).
    """

    def __init__(self, steps: dict[str, tuple[str, str]] = STEPS) -> None:
        self.steps = steps
        self.seconds = dict.fromkeys(steps, 0.0)
        self.saved: list[tuple[object, str, object]] = []

    def __enter__(self) -> Timed:
        import importlib
        import inspect

        for step, (module_name, dotted) in self.steps.items():
            owner = importlib.import_module(module_name)
            *path, name = dotted.split(".")
            for attribute in path:  # a method: Class.name
                owner = getattr(owner, attribute)
            function = getattr(owner, name)
            self.saved.append((owner, name, function))
            wrapper = self._generator if inspect.isgeneratorfunction(function) else self._call
            setattr(owner, name, wrapper(step, function))
        return self

    def __exit__(self, *exc) -> None:
        for owner, name, function in self.saved:
            setattr(owner, name, function)

    def _call(self, step, function):
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[step] += time.perf_counter() - t0

        return timed

    def _generator(self, step, function):
        def timed(*args, **kwargs):
            items = function(*args, **kwargs)
            while True:
                t0 = time.perf_counter()
                try:
                    item = next(items)
                except StopIteration:
                    return
                finally:
                    self.seconds[step] += time.perf_counter() - t0
                yield item

        return timed


def child_profile(store: str) -> dict:
    """Where a phrase's ``match`` spends its time, every text read and narrowed: each step in one thread."""
    import pyarrow.parquet as pq

    import ddj
    import ddj.scan
    import ddj.store.disk

    narrowed = ddj.scan.narrowed
    out: dict = {}
    for mode in ("full", "narrowed"):
        if mode == "full":  # every text read, with pyarrow, as without polars
            ddj.scan.narrowed = lambda corpus, narrowing: corpus
        ddj.match(ddj.open(store), [PHRASE])  # warm: the page cache, imports, compiled patterns
        t0 = time.perf_counter()
        ddj.match(ddj.open(store), [PHRASE])
        threaded = time.perf_counter() - t0
        ahead = ddj.store.disk.read_ahead
        ddj.store.disk.read_ahead = iter  # one thread (but polars'): each step timed where it runs
        try:
            with Timed() as timed:
                t0 = time.perf_counter()
                ddj.match(ddj.open(store), [PHRASE])
                one_thread = time.perf_counter() - t0
        finally:
            ddj.store.disk.read_ahead = ahead
            ddj.scan.narrowed = narrowed
        out[mode] = {"threaded": threaded, "one_thread": one_thread, "steps": timed.seconds}
    t0 = time.perf_counter()
    for f in parts_of(store):  # the text fields alone, decoded as the scan decodes them
        for _ in pq.ParquetFile(f).iter_batches(batch_size=32768, columns=list(FIELDS)):
            pass
    out["text_fields"] = time.perf_counter() - t0
    return out


def print_profile(p: dict) -> None:
    """Where the phrase's time goes, as :func:`child_profile` measured it: every text read, and narrowed."""

    def rows(m: dict) -> list[float]:
        s, whole = m["steps"], m["one_thread"]
        read = s["read"] + s["polars"] + s["other columns"]
        return [
            s["survey"],
            s["read"],
            s["polars"],
            s["other columns"],
            s["tables"] - read,
            s["to pandas"],
            s["ascii and fold"],
            s["re2 passes"],
            s["flags"] - s["prefilter"],
            whole - s["survey"] - s["tables"] - s["to pandas"] - s["flags"],
            whole,
            m["threaded"],
        ]

    names = [
        "the store's survey (footers, ids)",
        "read with pyarrow (decompress + decode)",
        "narrowed: polars reads, tests texts (waited)",
        "narrowed: the other columns, with pyarrow",
        "repeats, filters, columns",
        "to pandas",
        "prefilter: ASCII check + folding",
        "prefilter: RE2 passes over Arrow",
        "exact check of the candidates",
        "the rest (page types, ids, flags frames)",
        "all in one thread",
        "as it runs (reads in threads)",
    ]
    full, narrow = rows(p["full"]), rows(p["narrowed"])
    print("  where the phrase's match spends its time, each step in one thread (s, share):")
    print(f"    {'':44s} {'every text':>16s} {'narrowed':>16s}")
    for i, name in enumerate(names):
        a, b = full[i], narrow[i]
        if i < len(names) - 2:
            print(f"    {name:44s} {a:7.2f} {a / full[-2]:5.0%}    {b:7.2f} {b / narrow[-2]:5.0%}")
        else:
            print(f"    {name:44s} {a:7.2f}          {b:7.2f}")
    print(f"    (title, description and text alone, decoded by pyarrow: {p['text_fields']:.2f} s)")


def child_analyses(store: str) -> dict:
    import ddj

    out = {}
    for name, call in (
        ("health", lambda s: ddj.health(s)),
        ("problems", lambda s: ddj.problems(s)),
        ("by_month", lambda s: ddj.by_month(s)),
        ("hits", lambda s: ddj.hits(s, PHRASE)),
    ):
        t0 = time.perf_counter()
        call(ddj.open(store))
        out[name] = time.perf_counter() - t0
    return out


CHILDREN = {
    "generate": child_generate,
    "ddj": child_ddj,
    "polars": child_polars,
    "duckdb": child_duckdb,
    "analyses": child_analyses,
    "profile": child_profile,
}


def run_child(*args: str) -> dict:
    """Run this file as a child (:func:`benchmarks.children.run_child`)."""
    return children.run_child("benchmarks.bench_scan", *args)


def exponent(sizes: list[int], seconds: list[float]) -> float:
    """The fitted k of ``t = c n^k`` (least squares on logs); nan with fewer than two sizes."""
    if len(sizes) < 2:
        return float("nan")
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("sizes", nargs="*", default=["20k", "60k"], help="articles, e.g. 100k 300k 1M")
    ap.add_argument("--dir", default=None, help="where the stores go (kept, reused; default: temp)")
    ap.add_argument("--no-duckdb", action="store_true", help="leave DuckDB out (it is ~10x slower)")
    ap.add_argument("--profile", action="store_true", help="print where the phrase's time goes")
    ap.add_argument(
        "--only-phrase", action="store_true", help="time the phrase only (no coverage, no analyses)"
    )
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        children.answer_child(args.child, CHILDREN)
        return
    try:
        import duckdb  # noqa: F401

        tools = ["ddj", "polars"] if args.no_duckdb else ["ddj", "polars", "duckdb"]
    except ImportError:
        tools = ["ddj", "polars"]
        print("DuckDB is not installed: left out")
    base = Path(args.dir or tempfile.mkdtemp(prefix="ddj-bench-scan-"))
    sizes = [parse_size(s) for s in args.sizes]
    figures: dict[str, dict[str, list[float]]] = {}
    for n in sizes:
        store = base / f"scan-{n}"
        if not store.exists():
            made = run_child("generate", str(store), str(n))
            print(f"\n{n:,} articles: generated in {made['seconds']:.1f} s")
        else:
            print(f"\n{n:,} articles: {store} (reused)")
        what = "phrase" if args.only_phrase else "both"
        results = {tool: run_child(tool, str(store), what) for tool in tools}
        ddj_r = results["ddj"]
        for tool, r in results.items():
            assert r["weekly"] == ddj_r["weekly"], f"{tool}'s weekly counts differ from ddj's"
            assert r["phrase_rows"] == ddj_r["phrase_rows"], f"{tool}'s phrase rows differ"
            if "phrase_weekly" in r:
                assert r["phrase_weekly"] == ddj_r["phrase_weekly"], f"{tool}'s phrase weeks differ"
            for what in ("coverage", "match", "phrase coverage")[1 if args.only_phrase else 0 :]:
                if what not in r:
                    continue
                figures.setdefault(f"{tool} {what}", {}).setdefault("t", []).append(r[what])
                ratio = r[what] / results["polars"][what]
                print(
                    f"  {tool:7s} {what:9s} {r[what]:8.2f} s  {ratio:5.2f}x polars  "
                    f"peak RSS {r['peak_rss_mb']:7.0f} MB"
                )
            print(
                f"  {tool:7s} CPU, whole child {r['cpu_seconds']:8.2f} s (user + system, every thread)"
            )
        print(
            f"  counts equal: {sum(ddj_r['weekly'].values()):,} topic-weeks' articles, "
            f"{ddj_r['phrase_rows']:,} rows with {PHRASE}, "
            f"{sum(ddj_r['phrase_weekly'].values()):,} of them dated in the phrase's weeks"
        )
        print(f"  ddj's phrase coverage: {ddj_r['phrase_note']}")
        if args.profile:
            print_profile(run_child("profile", str(store)))
        if args.only_phrase:
            continue
        other = run_child("analyses", str(store))
        for name in ("health", "problems", "by_month", "hits"):
            figures.setdefault(name, {}).setdefault("t", []).append(other[name])
            print(f"  ddj {name:9s} {other[name]:8.2f} s")
        print(f"  (analyses' peak RSS {other['peak_rss_mb']:.0f} MB)")
    print("\nexponent of time against size (linear = 1.0):")
    for name, f in figures.items():
        print(f"  {name:18s} {exponent(sizes, f['t']):5.2f}")


if __name__ == "__main__":
    main()
