"""Run a benchmark's step in a child process, so each step's peak RSS and CPU time are its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path


def run_child(module: str, *args: str) -> dict:
    """Run ``python -m module --child REPORT *args``; its JSON report plus its peak RSS and CPU time.

    The child writes its figures as JSON to ``REPORT``; ``os.wait4`` gives the
    child's own resource use (all its threads), so one step's memory never
    counts another's.
    """
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        report = fh.name
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    cmd = [sys.executable, "-m", module, "--child", report, *args]
    proc = subprocess.Popen(cmd, env=env, cwd=Path(__file__).resolve().parents[1])
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"child {args[0]} failed (status {status})")
    result = json.loads(Path(report).read_text())
    Path(report).unlink()
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    return result


def answer_child(child: Sequence[str], steps: dict[str, Callable[..., dict]]) -> None:
    """The child's side of :func:`run_child`: ``child`` is ``REPORT NAME *ARGS``; run the step, write its JSON."""
    report, name, *rest = child
    Path(report).write_text(json.dumps(steps[name](*rest)))
