"""Worker processes that never outlive the process that started them.

A :class:`~concurrent.futures.ProcessPoolExecutor` worker waits for work on a
pipe whose write end every worker also holds, so when the parent is killed
(SIGKILL, a crashed kernel) nobody closes it and the workers wait for minutes,
holding open what they inherited (caches, sockets). Every pool ddj starts
(:func:`ddj.load`'s page parsers, :func:`ddj.collect`'s extractors) comes from
:func:`process_pool`, whose workers watch their parent: on Linux the kernel
kills them with it (``PR_SET_PDEATHSIG``), and everywhere a daemon thread sees
the parent change (``os.getppid()``) and exits within :data:`POLL_SECONDS`.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor

#: How often a worker checks that its parent is alive (seconds).
POLL_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool of ``workers`` processes that exit when this process dies.

    Examples
    --------
    >>> with process_pool(1) as pool:
    ...     pool.submit(abs, -3).result()
    3
    """
    return ProcessPoolExecutor(max_workers=workers, initializer=watch_parent)


def watch_parent() -> None:
    """Make this (worker) process exit when its parent process dies.

    Called as a pool initializer, in the worker. The parent is the process that
    forked it (the ddj process, or the start method's fork server, which itself
    exits with the ddj process).
    """
    parent = os.getppid()
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the kernel was told to watch it
        os._exit(1)
    threading.Thread(target=_poll, args=(parent,), name="ddj-watch-parent", daemon=True).start()


def _die_with_parent() -> None:
    """Ask Linux to send SIGKILL to this process when its parent exits (elsewhere: nothing)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl (an unusual libc): the polling thread remains
        pass


def _poll(parent: int) -> None:
    stop = threading.Event()
    while not stop.wait(POLL_SECONDS):
        if os.getppid() != parent:  # re-parented: the parent is gone
            os._exit(1)
