"""The raw-page cache: page bytes stored by content hash, an SQLite index by URL.

Layout under the cache folder::

    pages.sqlite          url -> sha256, status, final_url, content_type, reason, attempts
    objects/ab/abcdef...  page bytes, named by their SHA-256

    locks/abcdef....lock  held (``flock``) while a page is fetched and stored
    hosts/abcdef....next  when each host may be asked next (see ddj.collecting.fetch)

A page's bytes are written first (to a temporary file, then ``os.replace``),
then its index row is committed, one page at a time. A run killed at any moment
leaves either a complete entry or none (at worst an unreferenced object file),
so the next run resumes exactly where this one stopped.

Two collections may share one cache folder: a page is fetched under its lock
file (:meth:`PageCache.claim`), and the cache is checked again once the lock is
held, so a page the other process just fetched is not fetched twice. The locks
are ``fcntl.flock`` locks (Linux, macOS); where there is none (Windows) each
process only coordinates its own threads.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ddj.utils import atomic_write

try:
    import fcntl
except ImportError:  # Windows: no flock; locks are per process
    fcntl = None

_LOCK_POLL = 0.05  # seconds between tries of a lock another process holds

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,
    final_url TEXT,
    status INTEGER,
    content_type TEXT,
    sha256 TEXT,
    reason TEXT,
    attempts INTEGER,
    fetched_at REAL
)
"""


@dataclass(frozen=True)
class Entry:
    """One index row: a fetched page (``sha256`` set) or a final failure (``reason`` set)."""

    url: str
    final_url: str | None
    status: int | None
    content_type: str | None
    sha256: str | None
    reason: str | None
    attempts: int
    fetched_at: float | None = None  # time.time() of the fetch


class PageCache:
    """Raw pages on disk, safe to reopen after a crash; thread-safe.

    Examples
    --------
    >>> import tempfile
    >>> cache = PageCache(tempfile.mkdtemp())
    >>> cache.put("https://example.org/a", b"<html>A</html>", status=200, final_url=None)
    >>> cache.get("https://example.org/a").status, cache.body("https://example.org/a")
    (200, b'<html>A</html>')
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        (self.root / "objects").mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # one opener at a time: SQLite answers "database is locked" at once, without waiting,
        # to a second process switching the same new file to WAL
        with locked_file(self.root / "open.lock"):
            self._db = sqlite3.connect(
                self.root / "pages.sqlite", timeout=30, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
            self._db.commit()

    def close(self) -> None:
        """Close the index (the pages stay on disk)."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> PageCache:
        """Use the cache in a ``with`` block; it is closed at the end."""
        return self

    def __exit__(self, *exc) -> None:
        """Close the cache."""
        self.close()

    def __len__(self) -> int:
        """How many URLs the index holds (pages and final failures)."""
        with self._lock:
            return self._db.execute("SELECT count(*) FROM pages").fetchone()[0]

    def get(self, url: str) -> Entry | None:
        """The index row for ``url``, or None if it was never fetched."""
        with self._lock:
            row = self._db.execute(
                "SELECT url, final_url, status, content_type, sha256, reason, attempts, fetched_at"
                " FROM pages WHERE url = ?",
                (url,),
            ).fetchone()
        return Entry(*row) if row else None

    def body(self, url: str) -> bytes | None:
        """The stored bytes of ``url`` (None if absent, a failure, or the object is missing)."""
        entry = self.get(url)
        if entry is None or entry.sha256 is None:
            return None
        path = self._object(entry.sha256)
        return path.read_bytes() if path.exists() else None

    def put(
        self,
        url: str,
        body: bytes | None,
        *,
        status: int | None,
        final_url: str | None,
        content_type: str | None = None,
        reason: str | None = None,
        attempts: int = 1,
    ) -> None:
        """Store one fetched page (or a final failure when ``body`` is None), durably."""
        digest = None
        if body is not None:
            digest = hashlib.sha256(body).hexdigest()
            path = self._object(digest)
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                # no fsync: os.replace is atomic against a killed process; like the WAL index
                # (synchronous=NORMAL), only a power cut can lose the last pages, and then the
                # index loses them too
                atomic_write(path, body)
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (url, final_url, status, content_type, digest, reason, attempts, time.time()),
            )
            self._db.commit()

    @contextlib.contextmanager
    def claim(self, url: str, stop: threading.Event | None = None) -> Iterator[None]:
        """Hold ``url`` against other processes using this cache while it is fetched and stored.

        Check the cache again inside: another collection may have stored the
        page while this one waited. Raises :class:`InterruptedError` when
        ``stop`` is set while waiting.
        """
        name = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest() + ".lock"
        with locked_file(self.root / "locks" / name, remove=True, stop=stop):
            yield

    def _object(self, digest: str) -> Path:
        return self.root / "objects" / digest[:2] / digest


@contextlib.contextmanager
def locked_file(
    path: Path, *, remove: bool = False, stop: threading.Event | None = None
) -> Iterator[IO[bytes]]:
    """Open ``path`` (created if needed) and hold an exclusive ``flock`` on it.

    With ``remove``, the file is deleted before the lock is released; a process
    that locked the deleted file meanwhile sees it is stale and tries again.
    Without ``fcntl`` (Windows) the file is opened, not locked. Raises
    :class:`InterruptedError` when ``stop`` is set while the lock is held
    elsewhere.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = _lock(path, stop)
    try:
        yield handle
    finally:
        if remove:
            path.unlink(missing_ok=True)
        handle.close()  # closing releases the lock


def _lock(path: Path, stop: threading.Event | None) -> IO[bytes]:
    while True:
        handle = path.open("a+b")
        if fcntl is None:
            return handle
        try:
            _flock(handle, stop)
            if os.fstat(handle.fileno()).st_ino == os.stat(path).st_ino:
                return handle
        except FileNotFoundError:
            pass  # removed by its last holder: lock the new one
        except BaseException:
            handle.close()
            raise
        handle.close()


def _flock(handle: IO[bytes], stop: threading.Event | None) -> None:
    if stop is None:
        fcntl.flock(handle, fcntl.LOCK_EX)
        return
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if stop.wait(_LOCK_POLL):
                raise InterruptedError("collection interrupted while waiting for a lock") from None
