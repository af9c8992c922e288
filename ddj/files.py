r"""Local files: only regular files are read, each sized before a byte of it is read.

One mechanism for every file a user names or a folder holds (pages, tables,
topic and outlet files, events):

- :func:`open_regular` refuses anything that is not a regular file (a FIFO,
  which would hang the read; a device such as ``/dev/zero``, which never
  ends; a folder; a broken link) *before opening it*, then opens it without
  blocking and checks again on the open descriptor (``fstat``), so the file
  checked is the file read. A file larger than ``max_bytes`` is refused
  there too, unread.
- :func:`read_regular` reads such a file whole, never more than ``max_bytes``.
- :func:`find_files` walks a folder without following links to folders (they
  can loop); each entry that is named like a wanted file but cannot be read
  as one (a broken link, a folder, a FIFO, a device) comes back as a problem
  row naming it and the fix, so nothing is skipped without a word.
- :func:`shown` gives a path as text that every writer can hold: the bytes of
  a name that are not UTF-8 are written ``\xNN``, never a crash.

A link the user names, or a link in a folder that points to a regular file
(inside the folder or not), is followed: it is the user's own file. A link to
anything else is refused like the thing it points to. This module is a base
module: it imports nothing of ddj but :mod:`ddj.errors`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from ddj.errors import InputError

#: Flags of every open: read-only, never blocking on a FIFO, not inherited by children.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def shown(path: str | bytes | os.PathLike) -> str:
    r"""``path`` as text any file, Arrow column or terminal can hold, losing nothing.

    A name whose bytes are not UTF-8 (Python holds them as surrogates,
    ``os.fsdecode``) shows each such byte as ``\xNN``.

    Examples
    --------
    >>> shown("pages/café.html")
    'pages/café.html'
    >>> shown(os.fsdecode(b"pages/caf\xe9.html"))
    'pages/caf\\xe9.html'
    >>> shown(b"caf\xe9.html")
    'caf\\xe9.html'
    """
    name = os.fspath(path)
    if isinstance(name, bytes):
        return name.decode("utf-8", "backslashreplace")
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
        return name.encode("utf-8", "backslashreplace").decode("utf-8")


def not_regular(path: str | os.PathLike, what: str = "file") -> str | None:
    """Why ``path`` cannot be read as a regular file (a reason naming it and the fix), else None.

    Looks, never opens: a link is followed to what it points to.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> not_regular(folder / "x.html")
    '.../x.html: no such file. Check the path.'
    >>> not_regular(folder)
    '...: a folder, not a file. Give the path of a file.'
    """
    path = Path(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        return _unstattable(path, exc, what)
    return None if stat.S_ISREG(info.st_mode) else _refusal(path, info)


def not_writable(path: str | os.PathLike) -> str | None:
    """Why ddj will not write a file at ``path`` (something that is no regular file is there), else None.

    Looks at ``path`` itself, never following a link: a link (even to a
    regular file), a folder, a FIFO or a device there is refused by name, so
    nothing is ever written through a link or into a pipe. A missing path
    or a regular file is fine.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> not_writable(folder / "new.txt") is None
    True
    >>> (folder / "link.txt").symlink_to("../victim.txt")
    >>> not_writable(folder / "link.txt")
    '.../link.txt: a symbolic link (to ../victim.txt); ddj writes only regular files and never through a link. Remove it, or choose another folder.'
    """
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return _unopenable(path, exc)
    if stat.S_ISREG(info.st_mode):
        return None
    if stat.S_ISLNK(info.st_mode):
        kind = f"a symbolic link (to {shown(_link_target(path) or '?')})"
    else:
        kind = next((k for test, k in _KINDS if test(info.st_mode)), "not a regular file")
    return (
        f"{shown(path)}: {kind}; ddj writes only regular files and never through a link. "
        "Remove it, or choose another folder."
    )


def open_regular(
    path: str | os.PathLike, max_bytes: int | None = None, what: str = "file"
) -> BinaryIO:
    """Open ``path`` for reading in binary, only if it is a regular file of at most ``max_bytes``.

    Nothing that is not a regular file is opened (checked first), and the
    open descriptor is checked again, so a file swapped in between is refused
    too. The size is checked on the open file before anything is read.

    Parameters
    ----------
    path
        The file; a link is followed to its target.
    max_bytes
        The largest size accepted; None for no cap (then read it in chunks).
    what
        What the file is for the message (``"page"``, ``"topics file"``).

    Raises
    ------
    InputError
        The path is missing, a broken link, not a regular file (folder, FIFO,
        device, socket), larger than ``max_bytes``, or cannot be opened.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "a.html"
    >>> _ = target.write_bytes(b"<p>hi</p>")
    >>> with open_regular(target, 100) as fh:
    ...     fh.read()
    b'<p>hi</p>'
    >>> open_regular(target, 4, what="page")
    Traceback (most recent call last):
    ...
    ddj.errors.InputError: .../a.html: 9 bytes, more than the 4-byte cap of a page; it is not read. ...
    """
    path = Path(path)
    reason = not_regular(path, what)
    if reason:
        raise InputError(reason)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise InputError(_unopenable(path, exc)) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(_refusal(path, info))
        if max_bytes is not None and info.st_size > max_bytes:
            raise InputError(_too_big(path, info.st_size, max_bytes, what))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | os.PathLike, max_bytes: int, what: str = "file") -> bytes:
    """The bytes of the regular file ``path``, refused (unread) when larger than ``max_bytes``.

    A file that grows past ``max_bytes`` while it is read is refused too, so
    no more than ``max_bytes + 1`` bytes are ever held.

    Raises
    ------
    InputError
        As :func:`open_regular`, or when reading fails.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "t.yml"
    >>> _ = target.write_text("a: 1")
    >>> read_regular(target, 100, "topics file")
    b'a: 1'
    """
    with open_regular(path, max_bytes, what) as fh:
        try:
            data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise InputError(_unopenable(Path(path), exc)) from exc
    if len(data) > max_bytes:
        raise InputError(_too_big(Path(path), len(data), max_bytes, what))
    return data


def find_files(
    folder: str | os.PathLike, wanted: Callable[[str], bool]
) -> tuple[list[Path], list[dict]]:
    """The regular files below ``folder`` whose name is ``wanted``, and the entries refused.

    The walk is sorted (a stable order), skips hidden names (``.git``,
    ``.cache``) and never enters a link to a folder, so it ends on any tree.
    A wanted name that is a link to a regular file is kept (checked again
    when it is opened). A wanted name that is anything else (a broken link, a
    folder, a FIFO, a device), and a link to a folder, becomes a problem row
    ``{"source": shown(path), "reason": ...}``.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.html").write_text("<p>a</p>")
    >>> (folder / "b.html").mkdir()
    >>> (folder / "gone.html").symlink_to("nowhere")
    >>> found, refused = find_files(folder, lambda name: name.endswith(".html"))
    >>> [p.name for p in found]
    ['a.html']
    >>> [r["reason"][:38] for r in refused]
    ['a folder named like a page file; its p', 'a link to nowhere, which does not exis']
    """
    found: list[Path] = []
    refused: list[dict] = []
    pending = [Path(folder)]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as it:
                entries = list(it)
        except OSError as exc:
            refused.append(_row(current, _unopenable(current, exc)))
            continue
        for entry in entries:  # the order is made stable by sorting at the end
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            is_link = entry.is_symlink()
            is_dir = _is(entry.is_dir, follow=False)
            if is_dir:
                pending.append(path)
            if wanted(entry.name):
                if is_dir:
                    reason = f"{shown(path)}: a folder named like a page file; its pages, if any, are read. Rename it if it should be one page."
                    refused.append(_row(path, reason))
                elif _is(entry.is_file, follow=True):
                    found.append(path)
                else:
                    refused.append(_row(path, not_regular(path) or "not a regular file"))
            elif is_link and _is(entry.is_dir, follow=True):
                reason = f"{shown(path)}: a link to a folder, not followed (links to folders can loop). Load that folder itself to read its pages."
                refused.append(_row(path, reason))
    found.sort()
    return found, sorted(refused, key=lambda r: r["source"])


def reason(error: Exception | str, path: str | os.PathLike) -> str:
    """The text of ``error`` without the ``path: `` it starts with, for a problem row's reason.

    Examples
    --------
    >>> reason(InputError("a.html: a folder, not a file."), "a.html")
    'a folder, not a file.'
    """
    text, prefix = str(error), f"{shown(path)}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


# -- reasons ---------------------------------------------------------------------------------


def _is(test: Callable[..., bool], *, follow: bool) -> bool:
    try:
        return test(follow_symlinks=follow)
    except OSError:
        return False


def _row(path: Path, why: str) -> dict:
    return {"source": shown(path), "reason": reason(why, path)}


def _refusal(path: Path, info: os.stat_result) -> str:
    kind = next((k for test, k in _KINDS if test(info.st_mode)), "not a regular file")
    link = _link_target(path)
    where = f"a link to {shown(link)}, {kind}" if link is not None else kind
    if stat.S_ISDIR(info.st_mode):
        return f"{shown(path)}: {where}, not a file. Give the path of a file."
    return (
        f"{shown(path)}: {where}, not a regular file; ddj reads only regular files. "
        "Save the data into a file and give that."
    )


def _unstattable(path: Path, exc: OSError, what: str = "file") -> str:
    link = _link_target(path)
    if link is not None and isinstance(exc, FileNotFoundError):
        return (
            f"{shown(path)}: a link to {shown(link)}, which does not exist. Fix or remove the link."
        )
    if isinstance(exc, FileNotFoundError):
        return f"{shown(path)}: no such {what}. Check the path."
    return _unopenable(path, exc)


def _unopenable(path: Path, exc: OSError) -> str:
    return f"{shown(path)}: cannot be read ({exc.strerror or exc}). Check its permissions."


def _too_big(path: Path, size: int, max_bytes: int, what: str) -> str:
    return (
        f"{shown(path)}: {size:,} bytes, more than the {max_bytes:,}-byte cap of a {what}; "
        f"it is not read. Check that it is a {what}, or split it."
    )


def _link_target(path: Path) -> str | None:
    """Where the link ``path`` points (as written in it), or None when it is no link."""
    try:
        return os.readlink(path)
    except (OSError, ValueError):
        return None
