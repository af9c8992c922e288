"""Small helpers shared by the loaders, the collector and the writers.

One of each: :func:`atomic_write` (every file ddj writes appears whole or not
at all), :func:`progress_bar` (one policy for when a bar is shown) and
:func:`note_problems` (rows dropped are listed in ``attrs`` and counted in a
:class:`ddj.DroppedRowsWarning`). This module sits at the bottom of the import
graph: it imports nothing of ddj but :mod:`ddj.constants`, :mod:`ddj.errors` and
:mod:`ddj.escaping`.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import re
import secrets
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ddj.constants import PROBLEMS_ATTR
from ddj.errors import DroppedRowsWarning, InputError
from ddj.escaping import unwrapped

#: ``atomic_write``'s content: bytes, text (written as UTF-8), or ``write(temp_path)``.
Content = bytes | str | Callable[[Path], object]


_SURROGATE = re.compile("[\ud800-\udfff]")


def whole_text(text: str) -> str:
    r"""``text`` that UTF-8 can hold: a surrogate pair becomes its character, a lone one U+FFFD.

    Lone surrogates come from broken UTF-16 or JSON (``"\ud800"``); no file,
    Arrow string or parser can hold them.

    Examples
    --------
    >>> whole_text("a\ud83d\ude00b\ud800c") == "a\U0001f600b\ufffdc"
    True
    """
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def atomic_write(path: str | os.PathLike, content: Content, *, remove_stale: bool = False) -> Path:
    """Write ``content`` to ``path`` atomically: a reader sees the old file or the new one, whole.

    The content goes to a temporary ``.NAME.tmp-PID-TOKEN`` beside ``path``,
    which is then renamed over it (``os.replace``); the temporary file is
    removed if anything fails. A link at ``path`` is replaced by the file,
    never written through, and the temporary file is made new (bytes and
    text content), never opened through a link planted at its name.

    Parameters
    ----------
    path
        The file to write; its folder must exist.
    content
        Bytes, text (written as UTF-8), or a function that writes the temporary
        file it is given (``lambda tmp: frame.to_parquet(tmp)``).
    remove_stale
        Also remove the temporary files that earlier writes to ``path`` left
        when they were killed (only ddj's own, of processes that are gone).

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "note.txt"
    >>> atomic_write(target, "héllo").read_text(encoding="utf-8")
    'héllo'
    >>> sorted(p.name for p in target.parent.iterdir())
    ['note.txt']
    """
    path = Path(path)
    started = time.time()
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        if isinstance(content, str):
            _write_new(tmp, content.encode("utf-8"))
        elif isinstance(content, bytes | bytearray | memoryview):
            _write_new(tmp, content)
        else:
            content(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    if remove_stale:
        _remove_stale_temps(path, started)
    return path


#: Flags that create a new file and refuse one (or a link) already at the name.
_NEW_FILE = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def _write_new(path: Path, data: bytes | bytearray | memoryview) -> None:
    """Write ``data`` to ``path``, a file this call creates (an existing name raises)."""
    with os.fdopen(os.open(path, _NEW_FILE, 0o666), "wb") as fh:
        fh.write(data)


def file_above(path: Path) -> Path | None:
    """The nearest folder of ``path``'s that is a file, so nothing can be made at ``path``; else None.

    Examples
    --------
    >>> file_above(Path("/tmp/ddj-no-such/x/y")) is None
    True
    """
    return next((p for p in path.parents if p.exists() and not p.is_dir()), None)


@contextlib.contextmanager
def held_lock(path: Path, wait: float, busy: str) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (made when missing) while the block runs.

    The one lock of ddj's folders (a store's appends, its index's builds): it
    waits at most ``wait`` seconds, polling from 10 ms up to 0.5 s, and ends
    with the process that holds it.

    Raises
    ------
    InputError
        ``busy``, when another process held the lock for longer than ``wait``.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        pause = 0.01
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise InputError(busy) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.5)
        yield
    finally:
        os.close(fd)  # releases the lock


def folder_refusal(path: Path, *, create: bool = True) -> str | None:
    """Make the folder ``path`` (with its parents), or say why it cannot be; None when it is there.

    The one rule for every folder ddj writes into (a store, a saved file's
    folder, a parameter's output folder): refused when ``path`` is a file or
    sits under one, or when making it fails. The reason reads after the path
    in the caller's own message and error.

    Parameters
    ----------
    path
        The folder.
    create
        Make it when it is missing; False only checks.

    Examples
    --------
    >>> import tempfile
    >>> blocker = Path(tempfile.mkdtemp()) / "f"
    >>> _ = blocker.write_text("")
    >>> folder_refusal(blocker)
    'is a file, not a folder'
    >>> folder_refusal(blocker / "x").startswith("is under ")
    True
    >>> folder_refusal(blocker.parent / "new") is None and (blocker.parent / "new").is_dir()
    True
    """
    blocker = path if path.exists() and not path.is_dir() else file_above(path)
    if blocker is not None:
        under = "" if blocker == path else f"under {blocker}, which is "
        return f"is {under}a file, not a folder"
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return f"cannot be created ({exc.strerror or exc})"
    return None


def _remove_stale_temps(path: Path, before: float) -> None:
    """Remove the temporary files of earlier writes to ``path`` that were killed.

    Only ddj's own ``.NAME.tmp-PID[-TOKEN]`` files for this very name, last
    written before this write started, whose process is gone.
    """
    pattern = re.compile(rf"\.{re.escape(path.name)}\.tmp-(\d+)(?:-[0-9a-f]{{8}})?")
    for other in path.parent.glob(f".{glob.escape(path.name)}.tmp-*"):
        m = pattern.fullmatch(other.name)
        try:
            if m and not _alive(int(m.group(1))) and other.stat().st_mtime < before:
                other.unlink()
        except OSError:  # gone already, or not ours to remove
            continue


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (on Windows, where signal 0 is Ctrl-C, not asked)."""
    if pid == os.getpid():
        return True
    if os.name == "nt":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def remembered(cache: dict, key: Any, make: Callable[[], Any], most: int) -> Any:
    """``cache[key]``, made by ``make()`` the first time; past ``most`` entries, the oldest let go first.

    A process's memory of answers that cost seconds (a store's held rows, its
    totals): the oldest is let go before the new one is made, so two never
    overlap.

    Examples
    --------
    >>> cache = {}
    >>> [remembered(cache, k, lambda: k * 10, 2) for k in (1, 2, 1, 3)], list(cache)
    ([10, 20, 10, 30], [2, 3])
    """
    if key not in cache:
        while len(cache) >= most:
            cache.pop(next(iter(cache)))
        cache[key] = make()
    return cache[key]


def in_kernel() -> bool:
    """Whether this process is a running Jupyter kernel (not one that merely imported ipykernel).

    Examples
    --------
    >>> in_kernel()
    False
    """
    app = sys.modules.get("ipykernel.kernelapp")
    return bool(app is not None and app.IPKernelApp.initialized())


def interactive() -> bool:
    """Whether a person is watching: stderr is a terminal, or this is a Jupyter kernel.

    Examples
    --------
    >>> isinstance(interactive(), bool)
    True
    """
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty()) or in_kernel()


#: The environment variable that asks for progress bars (``1``) or none (``0``), whoever watches.
#: ``ddj run`` sets it to ``0`` in the kernel it starts (nobody watches a papermill kernel) unless
#: it is set already.
PROGRESS_ENV = "DDJ_PROGRESS"


def progress_wanted() -> bool:
    """Whether a bar is shown when a call does not say: ``DDJ_PROGRESS`` if set, else :func:`interactive`.

    Examples
    --------
    >>> import os
    >>> os.environ[PROGRESS_ENV] = "0"
    >>> progress_wanted()
    False
    >>> del os.environ[PROGRESS_ENV]
    """
    asked = os.environ.get(PROGRESS_ENV, "").strip().lower()
    if asked in ("0", "off", "false", "no"):
        return False
    if asked in ("1", "on", "true", "yes"):
        return True
    return interactive()


def progress_bar(
    total: int, *, desc: str, unit: str, show: bool | None = None, leave: bool = True
) -> Any:
    """A tqdm progress bar for ``total`` steps, or None when none is to be shown.

    The one policy of ddj: ``show=None`` shows a bar when a person is watching
    (:func:`interactive`: a terminal, or a Jupyter kernel) unless ``DDJ_PROGRESS``
    says otherwise (:func:`progress_wanted`). In a Jupyter kernel the bar is a
    widget when ipywidgets is installed (``tqdm.auto``), else text on stderr,
    updated at most once a second. The kernel ``ddj run`` starts has
    ``DDJ_PROGRESS=0``, so an executed notebook holds no bar.

    Examples
    --------
    >>> progress_bar(10, desc="load", unit="page", show=False) is None
    True
    """
    if show is None:
        show = progress_wanted()
    if not show or total <= 0:
        return None
    kernel = in_kernel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tqdm's "IProgress not found" when ipywidgets is missing
        if kernel:
            from tqdm.auto import tqdm  # a widget in a live kernel
        else:
            from tqdm.std import tqdm  # text on a terminal, whatever else was imported

    return tqdm(
        total=total, desc=desc, unit=unit, leave=leave, mininterval=1.0 if kernel else 0.1,
        file=unwrapped(sys.stderr),  # its own text, redrawn with \r: past the CLI's escaping
    )  # fmt: skip


def note_problems(
    frame: Any, report: list[dict], warning: DroppedRowsWarning, *, stacklevel: int = 2
) -> Any:
    """``frame`` with ``report`` added to the problems in its ``attrs``, and a warning saying so.

    The one way a step that drops or cannot read rows tells the user: the
    rows go to ``attrs["ddj_problems"]`` (read by :func:`ddj.problems`) and
    ``warning`` (built by its function in :mod:`ddj.warns`, carrying
    ``report``) is issued at the caller's caller (``stacklevel`` counts from
    the caller, as for :func:`warnings.warn`). Nothing happens when ``report``
    is empty.

    Returns
    -------
    DataFrame
        A shallow copy of ``frame`` (``frame`` itself is not changed).

    Examples
    --------
    >>> import pandas as pd, warnings
    >>> from ddj import warns
    >>> rows = [{"source": "a", "reason": "b", "kind": "duplicate"}]
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     out = note_problems(pd.DataFrame(), rows, warns.duplicates(rows))
    >>> out.attrs["ddj_problems"] == rows, str(caught[0].message)[:29]
    (True, 'Dropped 1 duplicate article(s')
    """
    if not report:
        return frame
    result = frame.copy(deep=False)
    result.attrs[PROBLEMS_ATTR] = list(frame.attrs.get(PROBLEMS_ATTR, [])) + list(report)
    warnings.warn(warning, stacklevel=stacklevel + 1)
    return result
