"""Every row of a store as its kept totals place it, held for the process: a question asked again reads no file.

A coverage on an indexed store counts the articles its index matched into the
groups of each part's kept totals (:mod:`ddj.store.totals`): a row's group
gives its quarter-hours, outlet, page type and date confidence. Reading the
totals of thousands of parts takes seconds at millions of rows, and every
question would read them again. :func:`held` reads them once and holds, for
each row of the parts whose totals are kept, its id key (sorted, for binary
search), its part and place there, its two quarter-hours and its codes: 28
bytes a row (about 280 MB at 10 million rows). The next question finds its
matched rows in those arrays and reads no file.

A store is held as its parts are (their paths, sizes and modification times):
an append, a part removed or changed makes it again. The last
:data:`HELD_STORES` stores asked are held. The arrays are also kept in the
store, ``_totals/held-<digest of the parts>/`` (NumPy files and a line of
JSON), so the next process (``ddj coverage`` again) maps them instead of
reading every totals file; they are checked against the store before use, and
made again when they are not sound.

Examples
--------
>>> import ddj
>>> folder = ddj.save(corpus, "held", append=True)
>>> rows = held(ddj.open(folder))
>>> len(rows.keys) == len(ddj.open(folder))
True
>>> found = rows.matched(rows.keys[:2])
>>> found[["key", "rows"]].to_dict("list") == {"key": rows.keys[:2].tolist(), "rows": [1, 1]}
True
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ddj.store import totals
from ddj.store.layout import Part
from ddj.utils import remembered

#: Stores held at once (each at most 28 bytes a row).
HELD_STORES = 2
#: A store's held rows kept between processes: ``_totals/held-<digest of its parts>/``.
FOLDER = "held-"
#: The version of that folder's layout: another version is made again.
VERSION = 1
#: The arrays of a held folder, each ``<name>.npy``, and their types (codes: int16 or int32).
_ARRAYS = {"keys": "<u8", "part": "<i4", "row": "<i4", "utc": "<i4", "local": "<i4"}
#: A quarter-hour held as int32: :data:`ddj.store.totals.NO_DATE` is this.
_NO_DATE32 = np.iinfo(np.int32).min


@dataclass(frozen=True)
class Held:
    """The rows of a store's parts with kept totals, sorted by id key.

    ``parts``: those parts, in store order; per row: ``keys`` (uint64,
    sorted), ``part`` (its place in ``parts``) and ``row`` (its place in the
    part), ``utc`` and ``local`` (quarter-hours, int32), and each of
    :data:`ddj.store.totals.KEYS`' ``codes`` into ``values`` (-1: missing).
    """

    parts: tuple[Part, ...]
    keys: np.ndarray
    part: np.ndarray
    row: np.ndarray
    utc: np.ndarray
    local: np.ndarray
    codes: dict[str, np.ndarray]
    values: dict[str, list[str]]

    def matched(self, keys: np.ndarray, without: Sequence[int] = ()) -> pd.DataFrame:
        """The held rows whose id key is in ``keys`` (sorted, distinct), as a frame of kept totals.

        One group a row (``rows`` 1), in the columns of :func:`ddj.store.totals.frame`
        (``part``: the place in :attr:`parts`), with ``key`` and ``row``.
        Rows of the parts ``without`` (places in :attr:`parts`) are left out.
        A key held by several rows (rows with no id) finds each.
        """
        first = np.searchsorted(self.keys, keys, side="left")
        last = np.searchsorted(self.keys, keys, side="right")
        many = last - first
        at = np.repeat(first, many) + _ranks(many)
        if len(without):
            at = at[~np.isin(self.part[at], np.asarray(without))]
        out: dict[str, Any] = {
            "utc": _wide(self.utc[at]),
            "local": _wide(self.local[at]),
        }
        for key in totals.KEYS:
            out[key] = pd.Categorical.from_codes(
                self.codes[key][at].astype(np.int32), categories=self.values[key]
            )
        out["rows"] = np.ones(len(at), dtype=np.int64)
        out["part"] = self.part[at].astype(np.int64)
        out["key"] = self.keys[at]
        out["row"] = self.row[at].astype(np.int64)
        return pd.DataFrame(out)


def _ranks(many: np.ndarray) -> np.ndarray:
    """0, 1, ... within each run of ``many`` (``[2, 0, 3]`` gives ``[0, 1, 0, 1, 2]``)."""
    total = int(many.sum())
    if total == len(many):  # every key found once: the common case
        return np.zeros(total, dtype=np.int64)
    starts = np.repeat(np.cumsum(many) - many, many)
    return np.arange(total, dtype=np.int64) - starts


def _wide(quarters: np.ndarray) -> np.ndarray:
    return np.where(quarters == _NO_DATE32, totals.NO_DATE, quarters.astype(np.int64))


def _narrow(quarters: np.ndarray) -> np.ndarray | None:
    """Quarter-hours as int32 (None: one beyond int32, about 61,000 years from 1970)."""
    dated = quarters != totals.NO_DATE
    if dated.any() and (quarters[dated].min() <= _NO_DATE32 or quarters[dated].max() > 2**31 - 1):
        return None
    return np.where(dated, quarters, _NO_DATE32).astype(np.int32)


def held(store: Any, found: tuple | None = None) -> Held:
    """The :class:`Held` rows of ``store`` (made now, from its totals files, unless held already).

    ``found``: the parts' :func:`stamps`, when the caller has them (8,500 parts: 0.1 s).

    A part whose totals cannot be kept (made now if missing or stale, as
    :func:`ddj.store.totals.kept`), or with a row that has no id (key 0, which
    no index answer can tell from another), is not held: the analysis reads
    its columns.
    """
    found = stamps(store.parts) if found is None else found
    return remembered(
        _HELD, (str(store.path), found), lambda: _kept_or_made(store, found), HELD_STORES
    )


def _kept_or_made(store: Any, found: tuple) -> Held:
    """The held rows kept in the store for these parts, else made from the totals files and kept."""
    folder = Path(store.path) / totals.TOTALS / f"{FOLDER}{_digest(store.path, found)}"
    rows = _loaded(folder, store)
    if rows is None:
        rows = _made(store)
        _saved(folder, rows, store.path)
    return rows


_HELD: dict[tuple, Held] = {}


def forget() -> None:
    """Let go of every store held (their memory is freed when nothing else holds them)."""
    _HELD.clear()


def stamps(parts: Sequence[Part]) -> tuple:
    """Each part's path, size and modification time: a part changed is another part."""
    out = []
    for p in parts:
        try:
            at = p.path.stat()
        except OSError:
            out.append((str(p.path), -1, -1))
            continue
        out.append((str(p.path), at.st_size, at.st_mtime_ns))
    return tuple(out)


def _made(store: Any) -> Held:
    """The held rows, made from the totals files (filled into arrays of the whole parts' rows, then sorted)."""
    whole = store.whole_parts()
    most = sum(store.rows_of(p) for p in whole)
    arrays = {n: np.zeros(most, dtype=np.int32) for n in ("part", "row", "utc", "local")}
    arrays["keys"] = np.zeros(most, dtype=np.uint64)
    codes = {k: np.zeros(most, dtype=np.int32) for k in totals.KEYS}
    parts: list[Part] = []
    values: dict[str, dict[str, int]] = {k: {} for k in totals.KEYS}
    at = 0
    for part, kept in totals.kept(store, whole):
        if kept is None or at + len(kept.group) > most:
            continue
        utc, local = _narrow(kept.utc), _narrow(kept.local)
        if utc is None or local is None or not kept.keys.all():  # key 0: a row with no id
            continue
        group, end = kept.group, at + len(kept.group)
        arrays["keys"][at:end] = kept.keys
        arrays["part"][at:end] = len(parts)
        arrays["row"][at:end] = np.arange(len(group), dtype=np.int32)
        arrays["utc"][at:end] = utc[group]
        arrays["local"][at:end] = local[group]
        for k in totals.KEYS:
            mine = values[k]
            where = np.array([mine.setdefault(v, len(mine)) for v in kept.values[k]] + [-1])
            codes[k][at:end] = where[kept.codes[k]][group]
        parts.append(part)
        at = end
    order = np.argsort(arrays["keys"][:at], kind="stable")  # rows of one key stay in store order
    for name in list(arrays):
        arrays[name] = arrays[name][:at][order]  # one array at a time: its old one let go
    for k in totals.KEYS:
        codes[k] = _small(codes[k][:at][order], len(values[k]))
    return Held(
        tuple(parts),
        arrays["keys"],
        arrays["part"],
        arrays["row"],
        arrays["utc"],
        arrays["local"],
        codes,
        {k: list(values[k]) for k in totals.KEYS},
    )


def _small(codes: np.ndarray, n: int) -> np.ndarray:
    return codes.astype(np.int16) if n < 2**15 - 1 else codes


def _digest(folder: Path, found: tuple) -> str:
    """16 hex digits of the parts' paths (inside the store), sizes and modification times."""
    home = str(Path(folder))
    text = json.dumps([[p.removeprefix(home), size, mtime] for p, size, mtime in found])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _saved(folder: Path, rows: Held, store_path: Path) -> None:
    """Keep ``rows`` in ``folder`` for the next process (written whole, then renamed into place).

    The held folders of other parts are removed. A store that cannot be
    written to keeps nothing: the next process makes the rows again.
    """
    home = folder.parent
    tmp = home / f".{folder.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        tmp.mkdir(parents=False)
        arrays = {**_arrays_of(rows), **{k: rows.codes[k] for k in totals.KEYS}}
        for name, array in arrays.items():
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        parts = [str(p.path.relative_to(store_path)) for p in rows.parts]
        header = {"version": VERSION, "rows": len(rows.keys), "parts": parts, "values": rows.values}
        (tmp / "held.json").write_text(json.dumps(header, ensure_ascii=False))
        os.rename(tmp, folder)
    except (OSError, ValueError):
        shutil.rmtree(tmp, ignore_errors=True)  # read-only, or written by another process first
        return
    for other in home.glob(f"{FOLDER}*"):
        if other != folder and other.is_dir():
            shutil.rmtree(other, ignore_errors=True)


def _arrays_of(rows: Held) -> dict[str, np.ndarray]:
    return {
        "keys": rows.keys,
        "part": rows.part,
        "row": rows.row,
        "utc": rows.utc,
        "local": rows.local,
    }


def _loaded(folder: Path, store: Any) -> Held | None:
    """The held rows kept in ``folder`` for the store's parts as they are now; None: missing or not sound.

    The arrays are mapped, not read (the page cache holds them); each is
    checked against the store before use: lengths and types, keys in order,
    parts of the store, rows inside their parts, codes inside their values.
    """
    try:
        header = json.loads((folder / "held.json").read_text())
        n, names, values = header["rows"], header["parts"], header["values"]
        if header.get("version") != VERSION or not isinstance(n, int):
            return None
        arrays = {
            name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
            for name in [*_ARRAYS, *totals.KEYS]
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None
    by_name = {str(p.path.relative_to(store.path)): p for p in store.parts}
    if not isinstance(names, list) or any(name not in by_name for name in names):
        return None
    parts = tuple(by_name[name] for name in names)
    if not _sound(arrays, n, parts, values, store):
        return None
    return Held(
        parts,
        *(arrays[name] for name in _ARRAYS),
        {k: arrays[k] for k in totals.KEYS},
        {k: list(values[k]) for k in totals.KEYS},
    )


def _sound(arrays: dict, n: int, parts: tuple, values: Any, store: Any) -> bool:
    """Whether kept arrays can be used: types, lengths, order and ranges (every value checked)."""
    if not isinstance(values, dict) or any(
        not isinstance(values.get(k), list) or not all(isinstance(v, str) for v in values[k])
        for k in totals.KEYS
    ):
        return False
    for name, dtype in _ARRAYS.items():
        if arrays[name].dtype != np.dtype(dtype) or arrays[name].shape != (n,):
            return False
    for k in totals.KEYS:
        codes = arrays[k]
        if codes.dtype not in (np.dtype("<i2"), np.dtype("<i4")) or codes.shape != (n,):
            return False
        if n and (int(codes.min()) < -1 or int(codes.max()) >= len(values[k])):
            return False
    if not n:
        return True
    if np.any(arrays["keys"][1:] < arrays["keys"][:-1]) or not arrays["keys"][0]:
        return False
    part = arrays["part"]
    if int(part.min()) < 0 or int(part.max()) >= len(parts):
        return False
    sizes = np.array([store.rows_of(p) for p in parts], dtype=np.int64)
    row = arrays["row"]
    return bool(int(row.min()) >= 0 and np.all(row < sizes[part]))
