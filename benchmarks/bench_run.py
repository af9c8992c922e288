"""``ddj run coverage`` on the demo corpus against papermill running an empty notebook.

Both are run as a user runs them, as commands in new processes, on the same
kernel: ``papermill empty.ipynb`` is the floor (a Python start, papermill's
imports, a kernel start and stop); ``ddj run notebooks/coverage.ipynb`` adds the
parameter checks, loading the demo corpus, measuring, charting and writing the
publish bundle. Caches are warm (a first run is not timed). Prints where the time
of the ddj run goes: each cell of the executed notebook (the kernel boots, with
the ddj modules the notebook names, while papermill loads and the parameters are
checked: what is left of that wait shows as "before the first cell"), and each
step timed on its own in a fresh process (imports, load, coverage, chart,
publish); then the median of each command and, as the last line, their ratio
(target: at most 2x).

    python benchmarks/bench_run.py            # 3 runs of each
    python benchmarks/bench_run.py --runs 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

STEPS = """
import time, warnings, json
warnings.simplefilter("ignore")
laps = {}
t = time.perf_counter()
def lap(name):
    global t
    now = time.perf_counter(); laps[name] = now - t; t = now
import pandas; lap("import pandas")
import jsonschema; lap("import jsonschema (altair's validator; its rfc3987-syntax compiles grammars)")
import altair; lap("import altair (the rest)")
import ddj, ddj.charts, ddj.publishing, ddj.measure; lap("import ddj modules")
corpus = ddj.demo_corpus(); lap("load the demo corpus (cached table)")
topics = ddj.resolve(["hong_kong", "cyberespionage", "ukraine"])
cov = ddj.coverage(corpus, topics, freq="W"); lap("coverage: 3 topics, weekly")
chart = ddj.chart(cov, events="default"); lap("chart")
ddj.publish(chart, OUT, "coverage", data=cov); lap("publish: html, svg, png, csv, alt text")
print(json.dumps(laps))
"""


def empty_notebook(path: Path) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook()
    nb.cells = [new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
    nbformat.write(nb, path)


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    from ddj.notebooks import _kernel

    kernel = _kernel()
    with tempfile.TemporaryDirectory(prefix="ddj-bench-run-") as tmp:
        work = Path(tmp)
        empty = work / "empty.ipynb"
        empty_notebook(empty)
        floor = [str(BIN / "papermill"), str(empty), str(work / "empty-out.ipynb"), "-k", kernel]
        job = [str(BIN / "ddj"), "run", str(REPO / "notebooks" / "coverage.ipynb"),
               "--out", str(work / "out")]  # fmt: skip
        print("warming the caches (the first run builds the demo corpus if needed) ...")
        timed(job)
        timed(floor)
        floors, jobs = [], []
        for _ in range(args.runs):  # interleaved, so both see the same machine load
            floors.append(timed(floor))
            jobs.append(timed(job))
        executed = sorted((work / "out").glob("coverage-*.ipynb"))[-1]
        nb = json.loads(executed.read_text())
        print(
            f"\ncells of the executed notebook (papermill total {nb['metadata']['papermill']['duration']:.2f} s):"
        )
        cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
        first = min(c["metadata"]["papermill"]["start_time"] for c in cells)
        waited = _seconds(first) - _seconds(nb["metadata"]["papermill"]["start_time"])
        print(
            f"  {waited:6.2f} s  before the first cell (the kernel's start and preload, not overlapped)"
        )
        for cell in cells:
            head = "".join(cell["source"]).splitlines()[0][:60]
            print(f"  {cell['metadata']['papermill']['duration']:6.2f} s  {head}")

        out = subprocess.run(
            [sys.executable, "-c", STEPS.replace("OUT", repr(str(work / "steps")))],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        print("\nthe same steps in a fresh process:")
        for name, secs in json.loads(out.strip().splitlines()[-1]).items():
            print(f"  {secs:6.2f} s  {name}")

        f, j = statistics.median(floors), statistics.median(jobs)
        print(f"\n{'papermill, empty notebook (the floor)':<48} {f:6.2f} s  (runs: "
              + ", ".join(f"{x:.2f}" for x in floors) + ")")  # fmt: skip
        print(f"{'ddj run coverage, demo corpus, caches warm':<48} {j:6.2f} s  (runs: "
              + ", ".join(f"{x:.2f}" for x in jobs) + ")")  # fmt: skip
        print(f"{'ratio (target <= 2.0)':<48} {j / f:6.2f} x")


def _seconds(stamp: str) -> float:
    """A papermill time stamp (ISO 8601) as seconds since the epoch."""
    from datetime import datetime

    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


if __name__ == "__main__":
    main()
