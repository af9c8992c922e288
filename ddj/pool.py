"""Worker processes that never outlive the process that started them.

A :class:`~concurrent.futures.ProcessPoolExecutor` worker waits for work on a
pipe whose write end every worker also holds, so when the parent is killed
(SIGKILL, a crashed kernel) nobody closes it and the workers wait for minutes,
holding open what they inherited (caches, sockets). Every pool ddj starts
(:func:`ddj.load`'s page parsers, :func:`ddj.collect`'s extractors) comes from
:func:`process_pool`, whose workers watch their parent: on Linux the kernel
kills them with it (``PR_SET_PDEATHSIG``), and everywhere a daemon thread sees
the parent change (``os.getppid()``) and exits within :data:`POLL_SECONDS`.

:class:`Extractor` is the one way both run a function over many pages: in this
process, or in such a pool, results in input order, a bounded number waiting.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

#: Below this many pages to extract, :func:`ddj.load` and :func:`ddj.collect` stay in this
#: process. A pool costs about 1 s to start; a real page takes 40-250 ms to extract (4-25 pages
#: a second on one core), so 24 pages are 1-6 s of work, which two workers halve by more than
#: the start costs. One number for both: the work a page is, and the start, are the same.
POOL_THRESHOLD = 24
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


class Extractor:
    """Apply ``work(*args)`` to many arguments in this process, or in ``workers`` worker processes.

    The pool (when ``pooled`` and ``workers > 1``) is started at once, all its
    workers running before the caller starts any thread: a process forked while
    other threads hold locks can inherit a held lock. ``warm(*warm_item)`` is
    run first in this process, so the imports it pays for are inherited by the
    workers. Worker processes keep CPU-bound extraction off this process's GIL.

    Parameters
    ----------
    work
        A module-level function (it is pickled by name for the workers).
    workers
        Worker processes; 1 (or ``pooled=False``) keeps the work in this process.
    pooled
        Whether the batch is large enough to be worth a pool (~1 s to start).
    warm_item
        Arguments for one call of ``work`` in this process before the pool starts.

    Examples
    --------
    >>> with Extractor(divmod, workers=1, pooled=False) as ex:
    ...     list(ex.map([("a", (7, 2)), ("b", (9, 3))]))
    [('a', (3, 1)), ('b', (3, 0))]
    """

    def __init__(
        self,
        work: Callable[..., Any],
        *,
        workers: int,
        pooled: bool,
        warm_item: tuple | None = None,
    ):
        self.work = work
        self.window = 4 * max(workers, 1)  # items waiting in the pool at most
        self.pool: ProcessPoolExecutor | None = None
        if workers > 1 and pooled:
            if warm_item is not None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    work(*warm_item)
            self.pool = process_pool(workers)
            for future in [self.pool.submit(os.getpid) for _ in range(workers)]:
                future.result()

    def map(self, items: Iterable[tuple[Any, tuple]]) -> Iterator[tuple[Any, Any]]:
        """``(key, work(*args))`` for each ``(key, args)``, in input order, read as needed."""
        if self.pool is None:
            for key, args in items:
                yield key, self.work(*args)
            return
        pending: deque[tuple[Any, Future]] = deque()
        for key, args in items:
            pending.append((key, self.pool.submit(self.work, *args)))
            while len(pending) > self.window or (pending and pending[0][1].done()):
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()

    def close(self, *, cancel: bool = False) -> None:
        """Stop the workers (at once with ``cancel``, dropping what waits)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=cancel)
            self.pool = None

    def __enter__(self) -> Extractor:
        """Use the extractor in a ``with`` block; its workers stop at the end."""
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        """Stop the workers: after the work waiting, or at once if an exception is raised."""
        self.close(cancel=kind is not None)
