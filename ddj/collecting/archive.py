"""Collect WARC files into a corpus store, one task per file, resumable from its manifest.

:func:`collect_file` is the task: it reads one file (a remote one through a
local copy), extracts the pages the :class:`~ddj.collecting.warc.Wanted`
filter keeps, appends the articles to the store in batches named after the
file (so a retry replaces what an interrupted attempt committed instead of
adding to it; an article the store holds from another file is not added again)
and writes its failure rows beside them, and returns its manifest line. :func:`run_files`
runs the tasks side by side, in worker processes or on a Dask cluster
(:mod:`ddj.collecting.cluster`), and appends each finished file's line to the
store's manifest (:class:`Manifest`); a rerun skips the files it lists.

The store layout is the one :func:`ddj.save` writes (hive partitions
``month=YYYY-MM/`` and ``month=undated/``); names starting with ``_`` are not
data: ``_manifest.jsonl``, ``_failures/``, and the store's own ``_commits/``,
``_ids/``, ``_lock``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ddj.collecting.articles import OneCopy, as_corpus, limited
from ddj.collecting.cluster import run_tasks
from ddj.collecting.remote import RemoteLimits
from ddj.collecting.sources import SourceFailure
from ddj.collecting.warc import EVERYTHING, Tally, Wanted, local_copy, warc_records
from ddj.constants import DEMO_LABEL, DEMO_WARC_FIELD
from ddj.corpus import DEMO_ATTR
from ddj.errors import DdjWarning, DroppedRowsWarning, InputError, ParameterError
from ddj.extract import safe_read_html
from ddj.hostvalues import scrub_credentials, strip_credentials
from ddj.limits import MAX_PAGE_BYTES
from ddj.loading import labelled_as_stored
from ddj.pool import process_pool
from ddj.problem_rows import PROBLEMS_ATTR, problem
from ddj.store.writing import add
from ddj.utils import atomic_write, progress_bar

MANIFEST = "_manifest.jsonl"
FAILURES = "_failures"
#: Articles one Parquet part holds at most: a file's pages are extracted one at a time and
#: written in batches of it, so a worker's memory is set by the batch, not by the file.
BATCH = 2_000
FAILURE_COLUMNS = ("url", "stage", "status", "reason", "attempts")
#: Rows a file's copies held back for a later dated one may reach, in batches (then they are written).
HOLD_BATCHES = 5
#: Problem rows of one kind a file lists in the store; the rest are one "more" row.
LISTED = 1_000


@dataclass(frozen=True)
class FileJob:
    """One WARC file to collect into ``store``: what to keep, the date window, the bounds."""

    file: str
    store: str
    wanted: Wanted = EVERYTHING
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    max_bytes: int = MAX_PAGE_BYTES
    batch: int = BATCH
    remote: RemoteLimits = RemoteLimits()  # a remote file's size cap, deadline and address rules

    @property
    def key(self) -> str:
        """The file's name in the store (parts, failures): see :func:`file_key`."""
        return file_key(self.file)

    def window(self) -> str:
        """``since``/``until`` in words, as the manifest records them."""
        return " ".join(
            f"{name}={value.isoformat()}"
            for name, value in (("since", self.start), ("until", self.end))
            if value is not None
        )


def file_key(file: str) -> str:
    """A short name for a WARC file, unique to its full path or URL, safe in file names.

    Examples
    --------
    >>> file_key("s3://commoncrawl/crawl-data/CC-NEWS/2024/10/CC-NEWS-20241001.warc.gz")
    'CC-NEWS-20241001-683a6fb165b4'
    """
    stem = re.split(r"\.warc(\.gz)?$", file.rstrip("/").rsplit("/", 1)[-1])[0]
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:60] or "warc"
    return f"{stem}-{hashlib.sha256(file.encode()).hexdigest()[:12]}"


# -- one file ------------------------------------------------------------------------------------
def collect_file(job: FileJob) -> dict[str, Any]:
    """Collect one WARC file into the store; return its manifest line (without ``finished``).

    Each batch of articles is one atomic append named ``warc-<key>-<batch>``:
    the same file collected again appends under the same names, so a retried
    task replaces what it committed before, never adds. Nothing in the file
    stops the task: every bad record is a failure row. A file that cannot be
    read at all (gone; a remote one that does not answer, passes its deadline
    or size cap, is cut short or redirects to a private address: see
    :mod:`ddj.collecting.remote`) is a failure row and an ``unread`` line,
    which the manifest does not count as done: the next run tries it again.
    """
    failures: list[dict] = []
    info: dict[str, str] = {}
    tally = Tally()
    counts = {"articles": 0, "outside": 0, "duplicates": 0, "notes": {}}
    unread = None
    try:
        with local_copy(job.file, limits=job.remote) as path:
            rows = _Rows(failures, str(path), job.file)
            records = warc_records(path, rows, info, job.max_bytes, wanted=job.wanted, tally=tally)
            _extract_into_store(records, job, counts, failures, demo=lambda: _is_demo(info))
    except InputError as exc:  # not read at all: the parts written so far are replaced next time
        unread = scrub_credentials(str(exc))
        failures.append(_row(job.file, "warc", None, unread, 1))
    _write_failures(job, failures)
    return {
        "file": strip_credentials(job.file), "key": job.key, "records": tally.responses, "kept": tally.kept,
        "pages": tally.pages, **counts, "failures": len(failures),
        "filter": job.wanted.describe(), "window": job.window(), "demo": _is_demo(info),
        **({"unread": unread} if unread else {}),
    }  # fmt: skip


def _extract_into_store(records: Iterable, job: FileJob, counts: dict, failures: list, *, demo):
    """Extract each page as it is read; every ``job.batch`` articles are one named append.

    The records become articles as ``ddj.collect`` makes them into a frame
    (:mod:`ddj.collecting.articles`): conformed (what conform warns of is a
    problem row, and counted in ``counts["notes"]`` by kind), inside the
    window, one copy of each article, the one ``dedupe`` keeps. The copies
    held back for a later dated one are the file's last batch.
    """
    one = OneCopy(hold=HOLD_BATCHES * job.batch)
    listed: dict[str, int] = {}
    n = -1
    for n, batch in enumerate(_batches(_extracted(records, failures), job.batch)):
        frame, report = _articles(batch, job, counts)
        out = one.add(frame)
        report += one.report
        one.report = []
        counts["duplicates"] += sum(r.get("kind") == "duplicate" for r in report)
        shown = limited(report, listed, LISTED)
        _write(out, shown, job, f"warc-{job.key}-{n:05d}", counts, demo=demo())
    rest = one.finish()
    counts["duplicates"] += len(one.report)
    shown = limited(one.report, listed, LISTED) + [
        problem(kind, job.file, f"{k - LISTED:,} more of this kind in this file, not listed")
        for kind, k in listed.items()
        if k > LISTED
    ]
    if len(rest) or shown:
        _write(rest, shown, job, f"warc-{job.key}-{n + 1:05d}", counts, demo=demo())


def _write(frame, report: list[dict], job: FileJob, name: str, counts: dict, *, demo: bool) -> None:
    """Append one batch and its problems; count its articles (those the store held: duplicates)."""
    held = write_part(frame, job.store, name, demo=demo, problems=report)
    counts["articles"] += len(frame) - held
    counts["duplicates"] += held


def _extracted(records: Iterable, failures: list) -> Iterator[dict]:
    """The records of the pages, one at a time (a page's body is let go once extracted)."""
    for cand in records:
        record, reason = safe_read_html(cand.body, cand.url)
        if record is None:
            failures.append(_row(cand.url, "extract", 200, reason, 0))
        else:
            yield {**record, "source": "warc"}


class _Rows(list):
    """Failure rows as dicts, naming the file as given (not its local copy)."""

    def __init__(self, rows: list[dict], local: str, given: str):
        super().__init__()
        self.rows, self.local, self.given = rows, local, given

    def append(self, failure: SourceFailure) -> None:
        url = self.given if failure.url == self.local else failure.url
        self.rows.append(_row(url, failure.stage, failure.status, failure.reason, failure.attempts))


def _row(url, stage, status, reason, attempts) -> dict:
    """A failure row, as written: no ``user:password@`` in its URL or its reason."""
    url, reason = strip_credentials(str(url)), scrub_credentials(str(reason))
    return dict(zip(FAILURE_COLUMNS, (url, stage, status, reason, attempts), strict=True))


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _articles(records: list[dict], job: FileJob, counts: dict) -> tuple[pd.DataFrame, list[dict]]:
    """The batch as a corpus inside the window, and its problems: conform's, those outside (counted)."""
    with warnings.catch_warnings(record=True) as caught:  # in a worker: kept as problem rows
        warnings.simplefilter("always")
        frame, outside = as_corpus(records, job.start, job.end)
    report = []
    for w in caught:
        if not isinstance(w.message, DdjWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            continue
        kind = getattr(w.message, "kind", "note")
        counts["notes"][kind] = counts["notes"].get(kind, 0) + 1
        rows = getattr(w.message, "report", [])
        report += rows or [problem("unreadable", job.file, str(w.message))]
    counts["outside"] += len(outside)
    return frame, report + outside


def _is_demo(info: dict[str, str]) -> bool:
    return bool(info.get(DEMO_WARC_FIELD))


# -- the store -----------------------------------------------------------------------------------
def write_part(
    frame: pd.DataFrame,
    store: str | os.PathLike,
    name: str,
    *,
    demo: bool,
    problems: list[dict] | None = None,
) -> int:
    """Append ``frame`` to the store as the batch ``name`` (:func:`ddj.store.writing.add`); rows held.

    An append under a name the store holds replaces that batch: a retried
    file's batch replaces what the interrupted attempt committed. Outlets are
    labelled as the store labels them (:func:`ddj.loading.labelled_as_stored`).
    Articles the store holds from other batches are left out (listed by ``ddj.problems``)
    and their number returned.
    """
    if not len(frame) and not problems:
        return 0
    labelled = labelled_as_stored(frame, store)  # a domain the store holds keeps its outlet label
    labelled.attrs = {DEMO_ATTR: DEMO_LABEL} if demo else {}
    if problems:
        labelled.attrs[PROBLEMS_ATTR] = list(problems)
    with warnings.catch_warnings():  # counted in the manifest line and the store's problems
        warnings.simplefilter("ignore", DroppedRowsWarning)
        added = add(labelled, store, name=name)
    return added.held + added.repeated


def _write_failures(job: FileJob, failures: list[dict]) -> None:
    folder = Path(job.store) / FAILURES
    folder.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(failures, columns=list(FAILURE_COLUMNS))
    atomic_write(folder / f"{job.key}.csv", lambda tmp: frame.to_csv(tmp, index=False))


def store_failures(store: str | os.PathLike, files: list[str]) -> pd.DataFrame:
    """The failure rows of ``files`` collected into ``store``, in the order of ``files``."""
    frames = []
    for file in files:
        path = Path(store) / FAILURES / f"{file_key(file)}.csv"
        if path.is_file():
            frames.append(pd.read_csv(path, dtype={"url": "str", "reason": "str"}))
    rows = pd.concat(frames, ignore_index=True) if frames else None
    frame = pd.DataFrame(rows, columns=list(FAILURE_COLUMNS))
    return frame.astype(
        {"url": "str", "stage": "str", "status": "Int64", "reason": "str", "attempts": "Int64"}
    )


class Manifest:
    """The store's record of finished files: ``_manifest.jsonl``, one JSON line per file.

    Lines are appended under a lock (several collections may write one store),
    each in one write and flushed to disk; a line cut short by a crash is
    ignored when read, and the next line starts on a fresh line.

    Examples
    --------
    >>> import tempfile
    >>> m = Manifest(tempfile.mkdtemp())
    >>> m.append({"file": "a.warc.gz", "records": 3})
    >>> list(m.done())
    ['a.warc.gz']
    """

    def __init__(self, store: str | os.PathLike):
        self.path = Path(store) / MANIFEST

    def done(self) -> dict[str, dict]:
        """The finished files' lines, by file (the last line counts; ``unread`` ones are not done)."""
        if not self.path.is_file():
            return {}
        out = {}
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                row = json.loads(line)
                if isinstance(row, dict) and "file" in row and not row.get("unread"):
                    out[row["file"]] = row
        return out

    def append(self, row: dict[str, Any]) -> None:
        """Add one finished file's line (``finished`` is set to now, UTC, if absent; no credentials)."""
        row = {**row, "finished": row.get("finished") or datetime.now(UTC).isoformat()}
        row["file"] = strip_credentials(str(row.get("file", "")))
        data = (json.dumps(row, ensure_ascii=False, default=str) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_size and os.pread(fd, 1, os.fstat(fd).st_size - 1) != b"\n":
                data = b"\n" + data  # a line cut short by a crash stays on its own
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)  # releases the lock


# -- many files ----------------------------------------------------------------------------------
@dataclass
class ArchiveRun:
    """What a run over WARC files did: the manifest lines of its files (old and new), its failures."""

    rows: list[dict]
    failures: pd.DataFrame
    skipped: int  # files already in the manifest, not read again

    @property
    def demo(self) -> bool:
        """Whether any file declared itself ddj's synthetic demo data."""
        return any(r.get("demo") for r in self.rows)


def run_files(
    jobs: list[FileJob],
    *,
    workers: int,
    client: Any = None,
    progress: bool | None = None,
    work: Callable[[FileJob], dict] = collect_file,
) -> ArchiveRun:
    """Collect the files of ``jobs`` not yet in the manifest, side by side; append each as it ends.

    With ``client`` (a ``dask.distributed.Client``) each file is a task on the
    cluster; else ``workers`` processes share the files (one: this process).

    Raises
    ------
    ParameterError
        A file of the manifest was collected with another filter or window.
    """
    if not jobs:
        return ArchiveRun([], store_failures(".", []), 0)  # no file: no row
    manifest = Manifest(jobs[0].store)
    done = manifest.done()
    _same_filters(jobs, done)
    todo = [job for job in jobs if strip_credentials(job.file) not in done]  # as the lines name it
    bar = progress_bar(len(todo), desc="warc", unit="file", show=progress)
    try:
        for row in _finished(todo, workers, client, work):
            manifest.append(row)
            done[strip_credentials(row["file"])] = row
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    files = [job.file for job in jobs]
    rows = [done[f] for f in map(strip_credentials, files) if f in done]
    return ArchiveRun(rows, store_failures(jobs[0].store, files), len(jobs) - len(todo))


def _same_filters(jobs: list[FileJob], done: dict[str, dict]) -> None:
    for job in jobs:
        row = done.get(strip_credentials(job.file))
        if row is None:
            continue
        then = (row.get("filter", ""), row.get("window", ""))
        if then != (job.wanted.describe(), job.window()):
            message = (
                f"the store {job.store!r} holds {strip_credentials(job.file)!r} collected with "
                f"{' '.join(filter(None, then)) or 'no filter'!r}, not "
                f"{' '.join(filter(None, (job.wanted.describe(), job.window()))) or 'no filter'!r}:"
                " collect into a new store, or give the same domains, url_pattern, since and until"
            )
            raise ParameterError(message)


def _finished(todo: list[FileJob], workers: int, client, work) -> Iterator[dict]:
    """The manifest line of each file, as each one finishes."""
    if not todo:
        return
    if client is not None:
        yield from run_tasks(client, work, todo, name=lambda job: job.key)
        return
    if workers <= 1 or len(todo) == 1:
        for job in todo:
            yield work(job)
        return
    with process_pool(min(workers, len(todo))) as pool:
        futures = [pool.submit(work, job) for job in todo]
        try:
            for future in as_completed(futures):
                yield future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise
