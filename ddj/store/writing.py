"""Appending to a store: whole or not at all, and never an article the store already holds.

An append takes the store's lock (``_lock``, ``fcntl.flock``: released when
its process ends, however it ends), leaves out the articles whose ids the
store holds (reading the stores' id lists, 8 bytes an article, never the
corpus), writes its parts and their id lists, and then commits them with one
``os.replace`` of its record ``_commits/<batch>.json``. Readers see only
committed parts, so a batch killed half-way is never read; the next append
removes what it left. Every article left out is counted: a
:class:`~ddj.errors.DroppedRowsWarning` and a row of ``ddj.problems(store)``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ddj import warns
from ddj.constants import PROBLEMS_ATTR
from ddj.corpus import COLUMNS, DEMO_ATTR
from ddj.errors import InputError, ParameterError
from ddj.problem_rows import problem
from ddj.store import totals
from ddj.store.fulltext import after_append
from ddj.store.layout import (
    BATCH_NAME,
    COMMITS,
    COMMITTED,
    IDS,
    LOCK,
    PARTITION,
    RECORDS,
    UNDATED,
    Part,
    batch_of,
    committed,
    id_keys,
    iter_parts,
    listing,
    month_dirs_exist,
    read_record,
    repeats,
)
from ddj.store.survey import MAX_LISTED, arrow_schema, part_keys
from ddj.store.totals import TOTALS
from ddj.utils import atomic_write, folder_refusal, held_lock

#: Rows a Parquet row group holds (a reader decodes one at a time).
ROW_GROUP = 16_384
#: Seconds an append waits for another append to the same store to finish.
LOCK_WAIT = 600.0
#: Suffixes that name a file, not a store folder.
_FILE_SUFFIXES = (".parquet", ".pq", ".csv", ".csv.gz", ".jsonl", ".jsonl.gz", ".json", ".tsv")


@dataclass(frozen=True)
class Added:
    """What an append did: the rows it added, and those it left out as already held or repeated."""

    folder: Path
    rows: int
    held: int  # ids the store held already
    repeated: int  # ids given twice in the batch


def append(
    corpus: pd.DataFrame,
    folder: str | os.PathLike,
    *,
    name: str | None = None,
    wait: float = LOCK_WAIT,
) -> Path:
    """Add ``corpus`` to the store in ``folder`` (created if needed): what ``ddj.save(..., append=True)`` does.

    The append is atomic (readers see all of its rows or none) and idempotent:
    articles whose ``id`` the store already holds, or given twice, are left out,
    counted in a :class:`ddj.DroppedRowsWarning` and listed by
    ``ddj.problems(ddj.open(folder))``. Appends to one store wait for each
    other (at most ``wait`` seconds).

    Parameters
    ----------
    corpus
        A corpus (all the columns of :data:`ddj.corpus.SCHEMA`).
    folder
        The store's folder.
    name
        The batch's name (letters, digits, ``_``, ``-``). An append under a name
        the store holds replaces that batch instead of adding to it (a task
        run again). Default: a new name.
    wait
        Seconds to wait for another append to this store to finish.

    Returns
    -------
    Path
        ``folder``.

    Raises
    ------
    InputError
        ``folder`` names a file (``.parquet``, ``.csv``...), is under a file,
        cannot be written, or another append held it for more than ``wait`` s.

    Examples
    --------
    >>> import ddj
    >>> ddj.store.append(corpus.head(10), "little-store").name
    'little-store'
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = ddj.store.append(corpus.head(12), "little-store")  # 10 of them are held already
    >>> len(ddj.open("little-store")), str(caught[0].message)[:44]
    (12, 'Left out 10 article(s) the store little-stor')
    """
    return add(corpus, folder, name=name, wait=wait, stacklevel=3).folder


def add(
    corpus: pd.DataFrame,
    folder: str | os.PathLike,
    *,
    name: str | None = None,
    wait: float = LOCK_WAIT,
    stacklevel: int = 2,
) -> Added:
    """:func:`append`, saying what it added and left out (the warning is issued at ``stacklevel``)."""
    missing = [c for c in COLUMNS if c not in corpus.columns]
    if missing:
        msg = f"Cannot add to the store {folder}: the frame lacks corpus column(s) {missing}; build it with ddj.load()."
        raise InputError(msg)
    folder = store_folder(folder)
    batch = _batch_name(name)
    frame = corpus[COLUMNS].reset_index(drop=True)
    keys = id_keys(frame["id"])
    try:
        with locked(folder, wait):
            _clean(folder)
            held = held_ids(folder, but=batch)
            again = _first_seen(keys)
            known = np.isin(keys, held) & (keys != 0)
            keep = ~again & ~known
            report = _left_out(frame, known, again & ~known, folder)
            _commit(frame[keep], keys[keep], corpus, folder, batch, report)
    except OSError as exc:
        msg = f"Cannot add to the store {folder}: {exc.strerror or exc}. Choose a folder you can write to."
        raise InputError(msg) from exc
    added = Added(folder, int(keep.sum()), int(known.sum()), int((again & ~known).sum()))
    after_append(folder)  # a store with an index: its new parts are indexed
    if report:
        warning = warns.held_in_store(report, added.held, added.repeated, folder)
        warnings.warn(warning, stacklevel=stacklevel + 1)
    return added


def store_folder(folder: str | os.PathLike) -> Path:
    """``folder`` as a store folder that exists, or InputError naming what is wrong."""
    path = Path(folder).expanduser()
    if path.name.lower().endswith(_FILE_SUFFIXES) or path.is_file():
        msg = (
            f"Cannot append to {path}: append=True adds to a store, a folder. Give a folder "
            f"(e.g. {path.with_suffix('')}/), or leave append out to write one file."
        )
        raise InputError(msg)
    why = folder_refusal(path)
    if why is not None:
        msg = f"Cannot append to {path}: it {why}. Choose another place."
        raise InputError(msg)
    return path


@contextlib.contextmanager
def locked(folder: Path, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the store's lock (``_lock``) while the block runs; wait for it at most ``wait`` seconds.

    Raises
    ------
    InputError
        Another append held the lock for longer than ``wait``.
    """
    busy = (
        f"The store {folder} is busy: another append has held its lock "
        f"({folder / LOCK}) for over {wait:g} s. Try again when it has finished "
        "(the lock ends with the process that holds it)."
    )
    with held_lock(folder / LOCK, wait, busy):
        yield


def held_ids(folder: Path, *, but: str | None = None) -> np.ndarray:
    """The id keys of every article the store holds (sorted), from the id lists; ``but`` a batch."""
    found = listing(folder)
    chunks = []
    for part in found.parts:
        if but is not None and batch_of(part.path.name) == but:
            continue
        keys = part_keys(part)
        if keys is not None:
            chunks.append(keys)
    return np.sort(np.concatenate(chunks)) if chunks else np.zeros(0, dtype=np.uint64)


def _batch_name(name: str | None) -> str:
    if name is None:
        return f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}"
    if not isinstance(name, str) or not BATCH_NAME.fullmatch(name):
        msg = f"name={name!r}: a batch's name is 1 to 200 letters, digits, '_' or '-'."
        raise ParameterError(msg)
    return name


def _first_seen(keys: np.ndarray) -> np.ndarray:
    """True where a key was given before in the batch (0, no id, never)."""
    again = np.zeros(len(keys), dtype=bool)
    again[repeats(keys)[0]] = True
    return again


def _left_out(
    frame: pd.DataFrame, known: np.ndarray, again: np.ndarray, folder: Path
) -> list[dict]:
    """One problem an article left out (at most :data:`MAX_LISTED`, then one row for the rest)."""
    rows = []
    for mask, why in ((known, "already in the store"), (again, "given twice in one append")):
        where = np.flatnonzero(mask)
        chosen = frame.iloc[where[:MAX_LISTED]]
        sources = chosen["url"].fillna(chosen["source"]).fillna("").tolist()
        rows += [
            problem("already-held", s, f"{why} (article {i}): not added", id=i, url=u)
            for s, i, u in zip(sources, chosen["id"].tolist(), chosen["url"].tolist(), strict=True)
        ]
        if len(where) > MAX_LISTED:
            more = f"{len(where) - MAX_LISTED:,} more {why}: not added"
            rows.append(problem("already-held", folder, more))
    return rows


def _commit(
    frame: pd.DataFrame,
    keys: np.ndarray,
    corpus: pd.DataFrame,
    folder: Path,
    batch: str,
    report: list[dict],
) -> None:
    """Write the parts and id lists of ``frame``, then make them visible by one rename (the commit)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    commits = folder / COMMITS
    problems = list(corpus.attrs.get(PROBLEMS_ATTR, [])) + report
    demo = corpus.attrs.get(DEMO_ATTR)
    if not len(frame) and not problems and not demo and not (commits / f"{batch}.json").exists():
        return  # nothing to add, and nothing to say
    commits.mkdir(exist_ok=True)
    token = secrets.token_hex(4)
    months = frame["published"].dt.strftime("%Y-%m").fillna(UNDATED).to_numpy()
    parts = []
    (folder / IDS).mkdir(exist_ok=True)
    for i, month in enumerate(sorted(set(months.tolist()))):
        chosen = months == month
        rows = frame[chosen]
        table = pa.Table.from_pandas(rows, schema=arrow_schema(), preserve_index=False)
        month_dir = folder / f"{PARTITION}={month}"
        month_dir.mkdir(exist_ok=True)
        name = f"{COMMITTED}{batch}.{token}.{i}"
        atomic_write(
            month_dir / f"{name}.parquet",
            lambda tmp, t=table: pq.write_table(
                t, tmp, row_group_size=ROW_GROUP, compression="zstd"
            ),
        )
        atomic_write(folder / IDS / f"{name}.u64", keys[chosen].astype("<u8").tobytes())
        written = Part(month, month_dir / f"{name}.parquet")
        kept = totals.write(folder, written, rows)  # counts a coverage's totals read
        parts.append({"path": f"{month_dir.name}/{name}.parquet", "rows": int(chosen.sum()),
                      "ids": f"{IDS}/{name}.u64",
                      "totals": f"{TOTALS}/{kept.name}"})  # fmt: skip
    record = {
        "batch": batch,
        "rows": len(frame),
        "parts": parts,
        "demo": demo,
        "problems": problems,
    }
    text = json.dumps(record, ensure_ascii=False, default=str)
    atomic_write(commits / f"{batch}.json", text)  # the commit: the batch is visible from here
    _clean(folder)  # a batch this one replaced


def _clean(folder: Path) -> None:
    """Remove what appends killed before their commit left, and what replaced batches left.

    Run under the lock, so no append is writing: a committed-style part (or id
    list) that no readable commit lists is removed, unless its batch's record
    is there but cannot be read (then it is kept: that is a problem to see).
    Temporary files of ddj's own atomic writes are removed too.
    """
    listed, _, _ = committed(folder)
    kept_ids = {str(ids.relative_to(folder)) for ids, _ in listed.values()}
    unreadable = {
        p.stem for p in (folder / COMMITS).glob("*.json") if p.stem and _unreadable(p)
    } if (folder / COMMITS).is_dir() else set()  # fmt: skip
    for path in iter_parts(folder):
        key = f"{path.parent.name}/{path.name}"
        batch = batch_of(path.name)
        if batch is not None and key not in listed and batch not in unreadable:
            path.unlink(missing_ok=True)
    if (folder / IDS).is_dir():
        for path in (folder / IDS).glob("*.u64"):
            batch = batch_of(path.name[: -len(".u64")] + ".parquet")
            if f"{IDS}/{path.name}" not in kept_ids and batch not in unreadable:
                path.unlink(missing_ok=True)
    totals.remove_unlisted(folder, {f"{p.parent.name}/{p.name}" for p in iter_parts(folder)})
    for pattern in (f"{PARTITION}=*/.{COMMITTED}*.tmp-*", f"{IDS}/.*.tmp-*", f"{COMMITS}/.*.tmp-*"):
        for path in folder.glob(pattern):
            path.unlink(missing_ok=True)


def _unreadable(path: Path) -> bool:
    try:
        read_record(path)
    except InputError:
        return True
    return False


def is_store(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a store folder (it holds ``month=...`` partitions, or appends' records).

    Examples
    --------
    >>> import ddj
    >>> is_store(ddj.save(corpus, "store4", append=True)), is_store("store4/month=2019-01")
    (True, False)
    """
    folder = Path(path).expanduser()
    if not folder.is_dir():
        return False
    return (folder / RECORDS).is_dir() or (folder / COMMITS).is_dir() or month_dirs_exist(folder)
