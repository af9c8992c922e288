"""Hostile local files for the tests: FIFOs, device links, sparse giants, names that are not UTF-8.

:func:`finishes` runs a call that must not hang on a FIFO in a thread; when it
has not returned in time, every FIFO given is opened for writing and closed,
which releases a reader blocked on it, and the test fails (instead of hanging).
"""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest


def fifo(path: Path) -> Path:
    """A named pipe at ``path`` (skips the test where the system has none)."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    os.mkfifo(path)
    return path


def finishes(call: Callable[[], Any], fifos: Sequence[Path], seconds: float = 30) -> Any:
    """``call()``'s result, or a test failure when it has not returned within ``seconds``."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the test below
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        for path in fifos:  # release a reader blocked on a FIFO: it then reads an empty file
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            except OSError as exc:
                assert exc.errno in (errno.ENXIO, errno.ENOENT), exc
        worker.join(10)
        pytest.fail(f"still running after {seconds} s: blocked on a FIFO?")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def sparse(path: Path, size: int) -> Path:
    """A file of ``size`` bytes (zeros) that takes no disk: a hole."""
    with path.open("wb") as fh:
        fh.truncate(size)
    return path


def undecodable_name(folder: Path, stem: bytes, suffix: str) -> Path:
    """A file in ``folder`` whose name holds bytes that are not UTF-8 (``caf\\xe9``)."""
    raw = os.fsencode(folder) + b"/" + stem + suffix.encode()
    try:
        with open(raw, "wb"):
            pass
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    return Path(os.fsdecode(raw))
