"""What a store folder holds, read from its names and small files: the parts a reader may see.

A store's data are Parquet parts in month folders. An append makes its batch
visible in one step, its commit record ``_commits/<batch>.json`` (written
under a temporary name, then ``os.replace``-d), which lists the batch's parts
and their id lists (``_ids/<part>.u64``). So a part named ``part-c.*`` is read
only when a commit record lists it: the parts of an append killed before its
commit are never read (and the next append removes them). Parts with other
names (``part-*.parquet``) were written by a ddj before commits and are always
read.

Everything here is bounded: only regular files are opened (a FIFO or a
device named like a part is a problem, never a read that waits), a record is
read up to :data:`MAX_RECORD_BYTES`, and a folder whose name is no month is a
problem naming it.
"""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ddj.errors import InputError

#: The partition key: publication month in UTC, ``YYYY-MM``.
PARTITION = "month"
#: The partition of rows with no publication date.
UNDATED = "undated"
#: The folder of the records of appends by a ddj before commits (what they skipped, their demo label).
RECORDS = "_batches"
#: The folder of commit records: one a batch, listing its parts; a part is read once listed.
COMMITS = "_commits"
#: The folder of the committed parts' article ids (8 bytes an id, in row order).
IDS = "_ids"
#: The lock file an append holds while it writes.
LOCK = "_lock"
#: How the name of a part written by a commit starts (``part-c.<batch>.<token>.<i>.parquet``).
COMMITTED = "part-c."
#: Largest ``_commits/*.json`` or ``_batches/*.json`` record a store may hold (they list skipped items).
MAX_RECORD_BYTES = 256 << 20
#: A batch's name: letters, digits, ``_`` and ``-``.
BATCH_NAME = re.compile(r"[A-Za-z0-9_-]{1,200}")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class Part:
    """One Parquet file of a store: its month partition and path (and its id list, when committed)."""

    month: str
    path: Path
    ids: Path | None = None
    rows: int | None = None  # as its commit record says


@dataclass(frozen=True)
class Listing:
    """The parts a reader may see, in store order, the records, and what was left unread, and why."""

    parts: tuple[Part, ...]
    records: tuple[Path, ...]
    unread: tuple[dict, ...]  # {"source", "reason"}: folders and files that are not readable parts


def not_regular(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file (a FIFO, a device, a folder, gone), or None.

    Symbolic links are followed: a link to a regular file is one.

    Examples
    --------
    >>> not_regular(Path("/dev/null"))
    'not a regular file (a character device)'
    """
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return None
    kinds = {stat.S_ISDIR: "a folder", stat.S_ISFIFO: "a FIFO", stat.S_ISCHR: "a character device",
             stat.S_ISBLK: "a block device", stat.S_ISSOCK: "a socket"}  # fmt: skip
    kind = next((name for test, name in kinds.items() if test(mode)), "not a file")
    return f"not a regular file ({kind})"


def read_record(path: Path) -> dict:
    """A commit or append record (a JSON object), read within bounds.

    Raises
    ------
    InputError
        Not a regular file, too large, or not JSON.
    """
    reason = not_regular(path)
    if reason is not None:
        msg = f"{path}: {reason}, not a store record. Move it out of {path.parent}."
        raise InputError(msg)
    try:
        size = path.stat().st_size
        if size > MAX_RECORD_BYTES:
            msg = f"{path}: {size:,} bytes, more than a store record may hold ({MAX_RECORD_BYTES:,}); move it out of the store."
            raise InputError(msg)
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        msg = f"{path}: not a readable store record ({exc}). Move it out of {path.parent}."
        raise InputError(msg) from exc
    return record if isinstance(record, dict) else {}


def committed(folder: Path) -> tuple[dict[str, tuple[Path, int]], list[Path], list[dict]]:
    """``(part path relative to folder -> (its id list, its rows), commit records, problems)``.

    A commit record that cannot be read is a problem; its parts stay unread
    (and are kept on disk: :func:`ddj.store.writing.append` removes only parts
    no readable commit could claim).
    """
    listed: dict[str, tuple[Path, int]] = {}
    records: list[Path] = []
    unread: list[dict] = []
    for path in sorted((folder / COMMITS).glob("*.json")):
        try:
            record = read_record(path)
        except InputError as exc:
            unread.append({"source": str(path), "reason": f"unreadable commit record: {exc}"})
            continue
        records.append(path)
        for part in record.get("parts") or []:
            if isinstance(part, dict) and isinstance(part.get("path"), str):
                rows = part.get("rows") if isinstance(part.get("rows"), int) else -1
                listed[part["path"]] = (folder / str(part.get("ids") or ""), rows)
    return listed, records, unread


def listing(folder: Path) -> Listing:
    """What :func:`ddj.open` finds in ``folder``: no file is opened but the small records.

    Month folders in order (``undated`` last); in each the parts by name
    (the order they were written). Folders named ``month=...`` that are no
    month, and files named like parts that are not regular files, are problems.
    """
    listed, commit_records, unread = committed(folder)
    legacy = []
    for path in sorted((folder / RECORDS).glob("*.json")) if (folder / RECORDS).is_dir() else []:
        reason = not_regular(path)
        if reason is None:
            legacy.append(path)
        else:
            unread.append(
                {"source": str(path), "reason": f"{reason}, not a store record: not read"}
            )
    parts: list[Part] = []
    for month_dir in _month_dirs(folder):
        month = month_dir.name.split("=", 1)[1]
        if month != UNDATED and not _MONTH.fullmatch(month):
            for path in sorted(month_dir.glob("part-*.parquet")):
                reason = f"in {month_dir.name}, a folder that is no month (YYYY-MM or {UNDATED}): not read"
                unread.append({"source": str(path), "reason": reason})
            continue
        for path in sorted(month_dir.glob("part-*.parquet")):
            key = f"{month_dir.name}/{path.name}"
            if path.name.startswith(COMMITTED) and key not in listed:
                continue  # an append's part not committed (killed, or replaced): not data
            reason = not_regular(path)
            if reason is not None:
                unread.append({"source": str(path), "reason": f"{reason}: not read"})
                continue
            ids, rows = listed.get(key, (None, None))
            parts.append(Part(month, path, ids, rows))
    return Listing(tuple(parts), tuple(legacy + commit_records), tuple(unread))


def _month_dirs(folder: Path) -> list[Path]:
    found = [d for d in folder.iterdir() if d.name.startswith(f"{PARTITION}=") and d.is_dir()]
    return sorted(found, key=lambda d: (d.name == f"{PARTITION}={UNDATED}", d.name))


def month_dirs_exist(folder: Path) -> bool:
    """Whether ``folder`` holds a ``month=...`` folder."""
    return any(d.name.startswith(f"{PARTITION}=") and d.is_dir() for d in folder.iterdir())


def batch_of(name: str) -> str | None:
    """The batch of a committed part's file name (``part-c.<batch>.<token>.<i>.parquet``), or None.

    Examples
    --------
    >>> batch_of("part-c.warc-a-1-00002.1f2e3d4c.0.parquet")
    'warc-a-1-00002'
    """
    if not name.startswith(COMMITTED):
        return None
    pieces = name[len(COMMITTED) :].split(".")
    return pieces[0] if len(pieces) == 4 and BATCH_NAME.fullmatch(pieces[0]) else None


# -- article ids as 64-bit keys ---------------------------------------------------------------


def id_keys(ids: object) -> np.ndarray:
    """Article ids as unsigned 64-bit keys: a 16-hex-digit id is its number, anything else a hash.

    Missing ids are 0 (and never taken for repeats: see :func:`repeats`).

    Examples
    --------
    >>> id_keys(["00000000000000ff", "0000000000000001"]).tolist()
    [255, 1]
    """
    import pandas as pd

    values = pd.Series(ids, dtype="str")
    keys = np.zeros(len(values), dtype=np.uint64)
    present = values.notna().to_numpy()
    if not present.any():
        return keys
    text = values[present]
    hexed = text.str.fullmatch(r"[0-9a-f]{16}").to_numpy(dtype=bool)
    if hexed.any():
        joined = "".join(text[hexed].tolist())
        keys_present = np.zeros(len(text), dtype=np.uint64)
        keys_present[hexed] = np.frombuffer(bytes.fromhex(joined), dtype=">u8").astype(np.uint64)
    else:
        keys_present = np.zeros(len(text), dtype=np.uint64)
    if not hexed.all():
        other = text[~hexed].to_numpy(dtype=object)
        keys_present[~hexed] = pd.util.hash_array(other)
    keys_present[keys_present == 0] = 1  # 0 stands for "no id"
    keys[present] = keys_present
    return keys


def repeats(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(positions, firsts)``: each key seen before (key 0 never), and where it was first seen.

    Memory: one sorted copy of the keys and a mask or two (about 10 bytes a
    key); where each repeat lies is worked out among the keys that repeat only.

    Examples
    --------
    >>> where, first = repeats(np.array([5, 7, 5, 0, 0, 7, 5], dtype=np.uint64))
    >>> where.tolist(), first.tolist()
    ([2, 5, 6], [0, 1, 0])
    """
    none = np.zeros(0, dtype=np.intp)
    if len(keys) < 2:
        return none, none
    ranked = np.sort(keys)
    same = ranked[1:] == ranked[:-1]
    same &= ranked[1:] != 0
    if not same.any():
        return none, none
    twice = np.unique(ranked[1:][same])  # the keys that repeat: few
    del ranked, same
    held = np.zeros(len(keys), dtype=bool)
    for lo in range(0, len(keys), _CHUNK):
        chunk = keys[lo : lo + _CHUNK]
        at = np.minimum(np.searchsorted(twice, chunk), len(twice) - 1)
        held[lo : lo + _CHUNK] = twice[at] == chunk
    among = np.flatnonzero(held)
    where, first = _repeats_among(keys[among])
    return among[where], among[first]


#: Keys looked up at a time when finding the rows of the keys that repeat.
_CHUNK = 1 << 16


def _repeats_among(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`repeats` of a few keys, by one stable sort."""
    order = np.argsort(keys, kind="stable")
    ranked = keys[order]
    again = np.zeros(len(keys), dtype=bool)
    again[1:] = (ranked[1:] == ranked[:-1]) & (ranked[1:] != 0)
    run_start = np.maximum.accumulate(np.where(again, 0, np.arange(len(keys))))
    where, first = order[again], order[run_start][again]  # stable: a run's start is its first
    by_place = np.argsort(where, kind="stable")
    return where[by_place], first[by_place]


def read_ids(path: Path, rows: int) -> np.ndarray | None:
    """A committed part's id list (``rows`` keys), or None when it is missing or not that size."""
    if not_regular(path) is not None:
        return None
    try:
        if path.stat().st_size != 8 * rows:
            return None
        return np.fromfile(path, dtype="<u8").astype(np.uint64)
    except OSError:
        return None


def iter_parts(folder: Path) -> Iterator[Path]:
    """Every file named like a part in the month folders (committed or not)."""
    for month_dir in _month_dirs(folder):
        yield from month_dir.glob("part-*.parquet")
