"""Totals kept with a store: rows per UTC quarter-hour, outlet, page type and date confidence, a part.

A coverage's denominator counts every row of a store by its date, outlet, page
type and date confidence. Reading those columns of a million rows takes
seconds; the counts themselves are small. So each part has a totals file,
``_totals/<month>.<part>.totals``: its rows grouped by the quarter-hour (UTC) of
``published``, the quarter-hour of ``published_local`` (the publisher's own
clock), ``outlet``, ``page_type`` and ``published_confidence``, each group's
count, and the size and modification time of the part it counts. Beside the
groups, each row's group number and id key (in the part's order), so that the
rows an index matches are counted into their groups without reading a row
(:mod:`ddj.store.held` holds them for the whole store). An append
writes it beside each part before its commit (and lists it in the commit
record); a store written before totals gets them on first use
(:func:`kept`), one part at a time. A totals file whose part has changed
since (another size or modification time) is never used: that part is read
from its columns, and its totals are written again.

Every time zone in use is a whole number of quarter-hours from UTC, so a
quarter-hour falls on one local day: the counts per day, week, month, quarter
or year in any zone come from these groups exactly. Where a zone (or a window)
cuts a quarter-hour, the analysis reads that part's columns instead.

Examples
--------
>>> import pandas as pd
>>> rows = pd.DataFrame({
...     "published": pd.to_datetime(["2024-10-18T23:50:00Z", "2024-10-18T23:59:00Z", None], utc=True),
...     "published_local": pd.to_datetime(["2024-10-19T07:50", "2024-10-19T07:59", None]),
...     "outlet": ["A", "A", "B"], "page_type": ["article"] * 3, "published_confidence": ["high"] * 3,
... })
>>> grouped(rows)[["utc", "outlet", "rows"]].to_dict("list")
{'utc': [1921439, -4611686018427387904], 'outlet': ['A', 'B'], 'rows': [2, 1]}
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ddj.store.layout import Part, id_keys
from ddj.utils import atomic_write

#: The folder of the totals files, one a part.
TOTALS = "_totals"
#: The columns a totals file counts by (besides the quarter-hours of the two dates).
KEYS = ("outlet", "page_type", "published_confidence")
#: The columns read to make a part's totals (``id``: each row's key, kept beside its group).
READ = ("id", "published", "published_local", *KEYS)
#: Microseconds in a quarter-hour: the resolution of the dates kept.
QUARTER = 15 * 60 * 1_000_000
#: The quarter-hour of a row with no date.
NO_DATE = -(1 << 62)
#: The version of the file's layout: another version is made again.
VERSION = 3
#: How a totals file's name ends.
SUFFIX = ".totals"
#: Largest totals file read (a part's groups are at most its rows).
MAX_BYTES = 64 << 20
#: Longest header line read when only a file's groups are wanted (its values: outlets, page types).
MAX_HEADER = 16 << 20


def quarters(times: pd.Series) -> np.ndarray:
    """The quarter-hour (since 1970, floored) of each time; :data:`NO_DATE` where there is none.

    Examples
    --------
    >>> quarters(pd.Series(pd.to_datetime(["1970-01-01T00:14:59", "1969-12-31T23:59:00", None]))).tolist()
    [0, -1, -4611686018427387904]
    """
    values = times.astype("datetime64[us]") if times.dt.tz is None else times.dt.tz_convert(None)
    micros = values.astype("datetime64[us]").to_numpy().astype("int64")
    out = np.floor_divide(micros, QUARTER)
    return np.where(values.isna().to_numpy(), NO_DATE, out)


def grouped(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows counted by quarter-hours (``utc``, ``local``) and :data:`KEYS`, groups first seen first.

    Missing values stay missing (a group of their own).
    """
    return numbered(rows)[0]


def numbered(rows: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`grouped`, and each row's group: its row in that table (int32).

    Examples
    --------
    >>> rows = pd.DataFrame({
    ...     "published": pd.to_datetime(["2024-10-18T23:50Z", "2024-10-19T01:00Z", "2024-10-18T23:59Z"]),
    ...     "published_local": pd.to_datetime(["2024-10-19T07:50", "2024-10-19T09:00", "2024-10-19T07:59"]),
    ...     "outlet": ["A"] * 3, "page_type": ["article"] * 3, "published_confidence": ["high"] * 3,
    ... })
    >>> table, group = numbered(rows)
    >>> table["rows"].tolist(), group.tolist()
    ([2, 1], [0, 1, 0])
    """
    frame = pd.DataFrame(
        {
            "utc": quarters(rows["published"]),
            "local": quarters(rows["published_local"]),
            **{k: rows[k].astype("object").to_numpy() for k in KEYS},
        }
    )
    by = frame.groupby(list(frame.columns), sort=False, dropna=False)
    counts = by.size().rename("rows").reset_index()
    return counts, by.ngroup().to_numpy().astype(np.int32)


def path_of(folder: Path, part: Part) -> Path:
    """Where the totals of ``part`` are kept."""
    return folder / TOTALS / f"{part.path.parent.name}.{part.path.stem}{SUFFIX}"


def stamp(path: Path) -> dict[str, int]:
    """A file's size and modification time: what a file kept beside a part records of it."""
    found = path.stat()
    return {"size": found.st_size, "mtime_ns": found.st_mtime_ns}


def write(folder: Path, part: Part, rows: pd.DataFrame) -> Path:
    """Write the totals of ``part`` (whose rows are ``rows``, as the store reads them), atomically.

    The file is one line of JSON (the part's stamp, the groups, each key's
    values) and then the arrays: ``utc``, ``local`` (int64), each key's codes
    (int32, -1: missing) and ``rows`` (int64) a group, then each row's group
    (int32) and id key (uint64, :func:`ddj.store.layout.id_keys`), little-endian.
    """
    table, group = numbered(rows)
    header: dict[str, Any] = {
        "version": VERSION,
        "part": {**stamp(part.path), "rows": len(rows)},
        "groups": len(table),
    }
    arrays = [table["utc"].to_numpy("<i8"), table["local"].to_numpy("<i8")]
    for key in KEYS:
        codes, values = pd.factorize(table[key], use_na_sentinel=True)
        header[key] = [str(v) for v in values]
        arrays.append(codes.astype("<i4"))
    arrays.append(table["rows"].to_numpy("<i8"))
    arrays += [group.astype("<i4"), id_keys(rows["id"].to_numpy()).astype("<u8")]
    content = json.dumps(header, ensure_ascii=False).encode() + b"\n"
    content += b"".join(a.tobytes() for a in arrays)
    (folder / TOTALS).mkdir(exist_ok=True)
    return atomic_write(path_of(folder, part), content)


@dataclass(frozen=True)
class Kept:
    """One part's kept totals: quarter-hours, each key's codes and values, rows a group.

    ``group`` and ``keys``: each row's group and id key, in the part's order.
    """

    utc: np.ndarray
    local: np.ndarray
    codes: dict[str, np.ndarray]
    values: dict[str, list[str]]
    rows: np.ndarray
    group: np.ndarray
    keys: np.ndarray


def read(folder: Path, part: Part, *, rows: bool = True) -> Kept | None:
    """The totals of ``part`` if kept and made from the part as it is now; None: missing or stale.

    ``rows=False``: the groups only (``group`` and ``keys`` empty), the rows'
    part of the file (12 bytes a row, most of it) left unread.
    """
    path = path_of(folder, part)
    try:
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            return None
        size = path.stat().st_size
        content = path.read_bytes() if rows else _groups_only(path)
        now = stamp(part.path)
        line, _, body = content.partition(b"\n")
        header = json.loads(line)
    except (OSError, ValueError):
        return None
    if not isinstance(header, dict) or header.get("version") != VERSION:
        return None
    kept = header.get("part") or {}
    if kept.get("size") != now["size"] or kept.get("mtime_ns") != now["mtime_ns"]:
        return None
    n, total = header.get("groups"), kept.get("rows")
    if not isinstance(n, int) or n < 0 or not isinstance(total, int) or total < 0:
        return None
    grouped = n * (8 * 3 + 4 * len(KEYS))
    whole = grouped + total * (4 + 8)
    if len(body) != whole if rows else len(body) != grouped or size != len(line) + 1 + whole:
        return None
    at = [0]

    def take(dtype: str) -> np.ndarray:
        size = np.dtype(dtype).itemsize * n
        out = np.frombuffer(body, dtype=dtype, count=n, offset=at[0])
        at[0] += size
        return out

    utc, local = take("<i8"), take("<i8")
    codes = {k: take("<i4") for k in KEYS}
    counts = take("<i8")
    if rows:
        group = np.frombuffer(body, dtype="<i4", count=total, offset=at[0])
        keys = np.frombuffer(body, dtype="<u8", count=total, offset=at[0] + 4 * total)
    else:
        group, keys = np.zeros(0, "<i4"), np.zeros(0, "<u8")
    values = {k: header.get(k) for k in KEYS}
    found = Kept(utc, local, codes, values, counts, group, keys)
    return found if _consistent(found, total, rows) else None


def _groups_only(path: Path) -> bytes:
    """A totals file's header line and group arrays: its first bytes, up to the rows' part."""
    with path.open("rb") as f:
        line = f.readline(MAX_HEADER)
        header = json.loads(line)
        n = header.get("groups") if isinstance(header, dict) else None
        if not isinstance(n, int) or n < 0:
            raise ValueError(f"{path}: no count of groups")
        return line + f.read(n * (8 * 3 + 4 * len(KEYS)))


def _consistent(kept: Kept, total: int, rows: bool = True) -> bool:
    """Whether a totals file's arrays agree: codes in range, each group's rows its rows' count."""
    n = len(kept.rows)
    for k in KEYS:
        v, codes = kept.values[k], kept.codes[k]
        if not isinstance(v, list) or (n and (codes.max() >= len(v) or codes.min() < -1)):
            return False
    if int(kept.rows.sum()) != total or (n and kept.rows.min() < 1):
        return False
    if not rows:
        return True
    if total and (kept.group.min() < 0 or kept.group.max() >= n):
        return False
    return np.array_equal(np.bincount(kept.group, minlength=n), kept.rows)


def frame(tables: list[Kept]) -> pd.DataFrame:
    """Kept totals of several parts as one frame (``part``: the position in ``tables``).

    ``utc``, ``local``, ``rows`` and ``part`` are integers; :data:`KEYS` are
    categorical (missing stays missing).
    """
    out: dict[str, Any] = {
        "utc": np.concatenate([t.utc for t in tables]) if tables else np.array([], "int64"),
        "local": np.concatenate([t.local for t in tables]) if tables else np.array([], "int64"),
    }
    for key in KEYS:
        values: dict[str, int] = {}
        parts = []
        for t in tables:
            where = np.array([values.setdefault(v, len(values)) for v in t.values[key]] + [-1])
            parts.append(where[t.codes[key]])  # code -1 picks the last: missing
        codes = np.concatenate(parts) if parts else np.array([], "int64")
        out[key] = pd.Categorical.from_codes(codes, categories=list(values))
    out["rows"] = np.concatenate([t.rows for t in tables]) if tables else np.array([], "int64")
    out["part"] = np.repeat(np.arange(len(tables)), [len(t.rows) for t in tables])
    return pd.DataFrame(out)


def kept(
    store: Any, parts: tuple[Part, ...], *, rows: bool = True
) -> Iterator[tuple[Part, Kept | None]]:
    """Each of ``parts`` of ``store`` with its totals (made now if missing or stale; None: cannot be).

    ``rows=False``: each part's groups only (:func:`read`).

    ``parts`` are parts the store reads whole (no row left out as a repeat,
    today's schema). A part's totals are made from its columns as the store
    reads them, one part in memory at a time; a store that cannot be written
    to is read, not changed.
    """
    for part in parts:
        table = read(store.path, part, rows=rows)
        if table is None:
            table = made(store, part)
            if table is not None and not rows:
                table = read(store.path, part, rows=False)
        yield part, table


def made(store: Any, part: Part) -> Kept | None:
    """The totals of one part from its columns, written beside it when the store can be written."""
    one = replace(store, parts=(part,), keys=None)
    frames = list(one.batches(columns=list(READ)))
    if not frames:
        return None
    rows = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    try:
        write(store.path, part, rows)
    except OSError:
        return None  # a store we may only read: counted from its columns each time
    return read(store.path, part)


def build(store: Any) -> int:
    """Make the totals a store lacks (or whose parts changed); how many parts were made.

    Resumable: each part's totals are written as they are made, and a run
    again makes only those still missing.
    """
    made_now = 0
    for part in store.whole_parts():
        if read(store.path, part) is None and made(store, part) is not None:
            made_now += 1
    return made_now


def remove_unlisted(folder: Path, listed: set[str]) -> None:
    """Remove the files kept beside parts no longer in the store (``listed``: ``month=…/part.parquet`` names).

    Totals files, and the row hashes kept beside them (:mod:`ddj.store.rowhashes`).
    """
    home = folder / TOTALS
    if not home.is_dir():
        return
    names = {f"{Path(p).parent.name}.{Path(p).stem}" for p in listed}  # and what follows: .totals
    for path in home.glob("*"):
        unlisted = path.name.rsplit(".", 1)[0] not in names
        if unlisted and not path.name.startswith(".") and path.is_file():
            path.unlink(missing_ok=True)
    for path in home.glob(".*.tmp-*"):
        path.unlink(missing_ok=True)
