"""The on-disk cache of extracted records.

One SQLite file under the ddj cache folder (``$DDJ_CACHE`` if set, else the
user cache dir). Keys are the SHA-256 of a page's bytes plus the extractor
version, so a changed page, or a new extractor, is parsed again and nothing
else is. Values are the JSON of the record, or of the error the page gave.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO


def cache_dir() -> Path:
    """The folder ddj caches into: ``$DDJ_CACHE``, else the platform's user cache dir.

    Examples
    --------
    >>> import os; os.environ["DDJ_CACHE"] = "/tmp/ddj-doc-cache"
    >>> str(cache_dir())
    '/tmp/ddj-doc-cache'
    """
    env = os.environ.get("DDJ_CACHE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("ddj"))


def content_key(data: bytes, version: str) -> str:
    """Cache key of a page: SHA-256 of its bytes, salted with the extractor version.

    Examples
    --------
    >>> import io
    >>> content_key(b"<p>a</p>", "1") == file_key(io.BytesIO(b"<p>a</p>"), "1")
    True
    """
    h = hashlib.sha256(data)
    h.update(b"\0ddj-extractor\0" + version.encode())
    return h.hexdigest()


def file_key(handle: BinaryIO, version: str) -> str:
    """:func:`content_key` of an open file, read in chunks (never all of it in memory at once)."""
    h = hashlib.sha256()
    while chunk := handle.read(_CHUNK):
        h.update(chunk)
    h.update(b"\0ddj-extractor\0" + version.encode())
    return h.hexdigest()


#: Bytes hashed at a time by :func:`file_key`.
_CHUNK = 1 << 20


class RecordCache:
    """A small key -> record store in SQLite (safe to reopen, atomic per batch).

    Examples
    --------
    >>> import tempfile
    >>> c = RecordCache(Path(tempfile.mkdtemp()) / "r.sqlite")
    >>> c.put_many({"k": {"title": "T"}})
    >>> c.get_many(["k", "missing"])
    {'k': {'title': 'T'}}
    """

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else cache_dir() / "records.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, value TEXT)")
        self._db.commit()

    def get_many(self, keys: Iterable[str]) -> dict[str, dict]:
        """The records stored under ``keys``, by key (keys not stored are left out)."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, dict] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT key, value FROM records WHERE key IN ({marks})", chunk)
            found.update((k, json.loads(v, object_hook=_decode)) for k, v in rows)
        return found

    def put_many(self, items: Mapping[str, Mapping[str, Any]]) -> None:
        """Store every ``key: record`` of ``items`` in one transaction."""
        rows = [(k, json.dumps(v, default=_encode, ensure_ascii=False)) for k, v in items.items()]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?)", rows)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> RecordCache:
        """Use the cache in a ``with`` block; it is closed at the end."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the cache."""
        self.close()


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _decode(obj: dict) -> Any:
    if "__datetime__" in obj and len(obj) == 1:
        return datetime.fromisoformat(obj["__datetime__"])
    return obj
