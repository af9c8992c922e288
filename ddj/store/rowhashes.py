"""Each part's rows hashed, kept beside it: a store's fingerprint without reading every row again.

A corpus's fingerprint (``ddj.scan.corpus_fingerprint``: what a notebook's
header and a chart's method print) is the SHA-256 of every row's hash of
``id``, ``published``, ``title`` and ``outlet``, in order. Reading those
columns of ten million rows takes seconds each time. So the hashes of a part's
rows are kept in ``_totals/<month>.<part>.hashes`` (a line of JSON: the part's
size and modification time, the columns and the rows; then 8 bytes a row,
pandas' ``hash_pandas_object``), made the first time they are needed and
never used once the part has changed. The digest is the one the rows in
memory give.

Examples
--------
>>> import ddj
>>> folder = ddj.save(corpus, "hashed", append=True)
>>> store = ddj.open(folder)
>>> first = of(store, store.parts[0], ["id", "title"])
>>> of(store, store.parts[0], ["id", "title"]).tolist() == first.tolist()  # read back, not made
True
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ddj.store.layout import Part
from ddj.store.totals import TOTALS, stamp
from ddj.utils import atomic_write

#: How a hashes file's name ends (beside the part's totals file).
SUFFIX = ".hashes"
#: The version of the file's layout: another version is made again.
VERSION = 1
#: Longest header line read.
MAX_HEADER = 64 << 10


def hashed(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Each row's hash of ``columns`` (uint64; the index left out)."""
    return pd.util.hash_pandas_object(frame[columns], index=False).to_numpy()


def of(store: Any, part: Part, columns: list[str]) -> np.ndarray:
    """The hashes of the rows of ``part`` (a part the store reads whole): kept, else made and kept."""
    found = _read(store.path, part, columns)
    if found is not None:
        return found
    one = replace(store, parts=(part,), keys=None)
    made = [hashed(batch, columns) for batch in one.batches(columns=columns)]
    hashes = np.concatenate(made) if made else np.zeros(0, dtype=np.uint64)
    try:
        _write(store.path, part, columns, hashes)
    except OSError:
        pass  # a store we may only read: hashed again next time
    return hashes


def path_of(folder: Path, part: Part) -> Path:
    """Where the hashes of ``part`` are kept."""
    return folder / TOTALS / f"{part.path.parent.name}.{part.path.stem}{SUFFIX}"


def _write(folder: Path, part: Part, columns: list[str], hashes: np.ndarray) -> None:
    header = {"version": VERSION, "part": stamp(part.path), "columns": columns, "rows": len(hashes)}
    content = json.dumps(header).encode() + b"\n" + hashes.astype("<u8").tobytes()
    (folder / TOTALS).mkdir(exist_ok=True)
    atomic_write(path_of(folder, part), content)


def _read(folder: Path, part: Part, columns: list[str]) -> np.ndarray | None:
    """The kept hashes, if made from the part as it is now and of these columns; else None."""
    path = path_of(folder, part)
    try:
        with path.open("rb") as f:
            header = json.loads(f.readline(MAX_HEADER))
            if not isinstance(header, dict) or header.get("version") != VERSION:
                return None
            rows = header.get("rows")
            if header.get("part") != stamp(part.path) or header.get("columns") != columns:
                return None
            if not isinstance(rows, int) or rows < 0:
                return None
            body = f.read(8 * rows + 1)
    except (OSError, ValueError):
        return None
    if len(body) != 8 * rows:
        return None
    return np.frombuffer(body, dtype="<u8").astype(np.uint64)
