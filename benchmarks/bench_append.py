"""What an idempotent append costs as a store grows: the id lists against reading the id column.

A store of N short articles is written in appends of ``--batch`` rows
(``ddj.store.writing.add``); then, in this process:

- the store's ids read from its id lists (``_ids/*.u64``, what every append
  reads to leave out the articles the store holds), against the baseline: the
  same ids read from the parts' ``id`` column (what an append would read
  without the lists), with their ratio;
- one more append of ``--batch`` articles the store holds already (all left out);
- ``len(ddj.open(store))``: the readers' check of every part (footer, schema,
  id list, repeats);
- peak RSS of the process.

    python benchmarks/bench_append.py --articles 1000000 --batch 20000
    python benchmarks/bench_append.py --articles 50000 --batch 5000     # a quick look
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import ddj
from ddj.store.layout import listing
from ddj.store.survey import ids_of, open_part
from ddj.store.writing import add, held_ids


def _batch(base: pd.DataFrame, first: int) -> pd.DataFrame:
    ids = [f"{first + i + 1:016x}" for i in range(len(base))]
    return base.assign(id=pd.Series(ids, dtype="str"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--dir", default=None, help="where the store is written (then deleted)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rows = [
        {"url": f"https://b.example/{i}", "published": f"2024-{1 + i % 12:02d}-10", "text": "x"}
        for i in range(args.batch)
    ]
    base = ddj.corpus.conform(rows)
    folder = Path(tempfile.mkdtemp(dir=args.dir)) / "store"
    try:
        started = time.perf_counter()
        appends = []
        for first in range(0, args.articles, args.batch):
            t = time.perf_counter()
            add(_batch(base, first), folder)
            appends.append(time.perf_counter() - t)
        total = time.perf_counter() - started
        print(f"{args.articles:,} articles in {len(appends)} appends of {args.batch:,}: "
              f"{total:.1f} s; first append {appends[0]:.2f} s, last {appends[-1]:.2f} s")  # fmt: skip
        t = time.perf_counter()
        held = held_ids(folder)
        lists = time.perf_counter() - t
        t = time.perf_counter()
        columns = [ids_of(pf, pf.metadata.num_rows)
                   for pf in (open_part(p.path) for p in listing(folder).parts)]  # fmt: skip
        baseline = np.sort(np.concatenate(columns))
        column = time.perf_counter() - t
        assert np.array_equal(held, baseline)
        print(f"ids of {len(held):,} articles: id lists {lists:.2f} s, id column {column:.2f} s "
              f"(baseline), ratio {column / lists:.1f}x")  # fmt: skip
        t = time.perf_counter()
        added = add(_batch(base, 0), folder)
        print(f"an append of {args.batch:,} the store holds: {time.perf_counter() - t:.2f} s "
              f"({added.held:,} left out)")  # fmt: skip
        t = time.perf_counter()
        n = len(ddj.open(folder))
        print(f"len(ddj.open(store)) = {n:,}: {time.perf_counter() - t:.2f} s")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"peak RSS {peak} MB")
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
