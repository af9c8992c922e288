"""Run ddj's tasks on a Dask cluster: reach the scheduler, submit one task per file, collect results.

A cluster is a ``dask scheduler`` and its ``dask worker`` processes (started by
hand, by ``dask-kubernetes``, ``dask-yarn`` or a ``dask-gateway``); ddj only
needs its address (``--scheduler``, ``DDJ_SCHEDULER``) or a
``dask.distributed.Client`` you made. Every task writes its own results into
a store that every worker can reach (a shared file system), so only small
manifest lines travel back. A task whose worker is lost is run again by Dask on
another worker (``distributed.scheduler.allowed-failures`` times, 3 by
default); tasks are written to be run twice safely.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from ddj.errors import DdjError

#: Where the CLI finds a scheduler's address when ``--scheduler`` is not given.
SCHEDULER_ENV = "DDJ_SCHEDULER"
#: Seconds to wait for a scheduler to answer.
CONNECT_TIMEOUT = 5


class ClusterError(DdjError, ConnectionError):
    """A Dask scheduler that does not answer, or a task the cluster could not finish."""


def connect(address: str, *, timeout: float = CONNECT_TIMEOUT) -> Any:
    """A ``dask.distributed.Client`` of the scheduler at ``address``.

    Raises
    ------
    ClusterError
        Nothing answers at ``address`` within ``timeout`` seconds.

    Examples
    --------
    >>> connect("tcp://127.0.0.1:9", timeout=1)
    Traceback (most recent call last):
    ...
    ddj.collecting.cluster.ClusterError: no Dask scheduler answered at 'tcp://127.0.0.1:9' within 1 s: ...
    """
    from distributed import Client

    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        message = (
            f"no Dask scheduler answered at {address!r} within {timeout:g} s: start one "
            "(dask scheduler; then dask worker ADDRESS on each machine) or give its address "
            f"(--scheduler or {SCHEDULER_ENV}, e.g. tcp://10.0.0.5:8786) ({type(exc).__name__})"
        )
        raise ClusterError(message) from None


def client_of(value: Any) -> tuple[Any, bool]:
    """``(client, ours)``: the client given, or one connected to the address given (ours to close)."""
    if value is None or hasattr(value, "submit"):
        return value, False
    return connect(str(value)), True


def scheduler_from_env() -> str | None:
    """The scheduler address in ``DDJ_SCHEDULER``, if set."""
    return os.environ.get(SCHEDULER_ENV, "").strip() or None


def run_tasks(
    client: Any, work: Callable[[Any], dict], jobs: list, *, name: Callable[[Any], str]
) -> Iterator[dict]:
    """``work(job)`` for every job, one task each on the cluster, yielded as each finishes.

    Raises
    ------
    ClusterError
        A task failed, or its workers kept dying (Dask's ``KilledWorker``).
    """
    from distributed import as_completed

    run = uuid.uuid4().hex[:8]  # task keys unique to this run: never an old result
    futures = {
        client.submit(work, job, key=f"ddj-{name(job)}-{run}", pure=False, retries=1): job
        for job in jobs
    }
    try:
        for future in as_completed(list(futures), loop=client.loop):
            try:
                yield future.result()
            except Exception as exc:
                job = futures[future]
                message = (
                    f"the cluster could not collect {getattr(job, 'file', job)!r}: "
                    f"{type(exc).__name__}: {exc!s:.200}; rerun to resume (finished files are kept)"
                )
                raise ClusterError(message) from exc
    finally:
        client.cancel(list(futures))
