"""Copy a remote file (``http://``, ``https://``, ``s3://``) to a local temporary file, within bounds.

A remote WARC file is copied before it is read (the reader seeks: it restarts
after damage and checks how the file ends). Every copy, and every listing read
for a remote glob, keeps to one :class:`RemoteLimits` value:

- a **size cap** (``max_bytes``, default :data:`MAX_REMOTE_BYTES`, 2 GB;
  ``ddj collect --warc-max-bytes``): a body declared larger is not read, and
  one found larger is abandoned as it passes the cap, so the temporary file
  never grows past it;
- a **total deadline** per file (``deadline``, default
  :data:`REMOTE_DEADLINE` s; ``--warc-deadline``), on the monotonic clock,
  whatever the server does: the whole copy (connections, redirects, headers,
  body) runs under one ``asyncio`` timeout, so a server that drips a byte a
  second, or stops, is cut off when it passes;
- the **address rules** of :mod:`ddj.collecting.fetch`: redirects are followed
  by hand (at most ``max_redirects``) and every hop is checked; a host the user
  did not give (``trusted``) must be public: an IP literal is checked as it
  is, a name on the addresses its connection actually uses (a resolver of the
  connector checks each address it gives, so a name that resolves to a public
  address first and a private one next, DNS rebinding, cannot pass), unless
  ``allow_private`` is set.

Whatever goes wrong is a :class:`RemoteFileError` naming the URL and why
(``took longer than the deadline``, ``over the size cap``, ``body shorter than
declared``, ``redirect to a private address``, an HTTP status); a collection
turns it into a failure row and goes on with the next file.

``s3://`` files are read through fsspec and s3fs (anonymous): the cap and
the deadline are checked between chunks of 1 MiB, and each read waits at most
``read_timeout`` seconds (botocore's own timeout), so an ``s3://`` copy may pass
its deadline by one read at most. Its addresses are AWS's (or an endpoint you
configured), not a server's choice, so no address rule applies.

Examples
--------
>>> limits = RemoteLimits.of(max_bytes=1_000_000, files=["https://data.example.org/a.warc.gz"])
>>> limits.trusted, limits.max_bytes
(frozenset({'data.example.org'}), 1000000)
>>> RemoteLimits(deadline=0)
Traceback (most recent call last):
...
ddj.errors.ParameterError: warc_deadline=0 must be a positive number of seconds one remote WARC file may take
"""

from __future__ import annotations

import asyncio
import fnmatch
import ipaddress
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver

from ddj.collecting.fetch import blocked_kind, host_of
from ddj.collecting.settings import WARC_DEADLINE, WARC_MAX_BYTES, check_warc_limits
from ddj.errors import InputError
from ddj.hostvalues import strip_credentials

#: Largest remote file copied, by default (bytes): ``--warc-max-bytes`` sets it.
MAX_REMOTE_BYTES = WARC_MAX_BYTES
#: Seconds one remote file may take in all, by default: ``--warc-deadline`` sets it.
REMOTE_DEADLINE = WARC_DEADLINE
#: Largest folder listing read to expand a remote glob (bytes).
MAX_LISTING_BYTES = 16 << 20
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 1 << 20
_HREF = re.compile(r"""<a\s+(?:[^>]*?\s+)?href\s*=\s*["']([^"']+)""", re.IGNORECASE)


class RemoteFileError(InputError):
    """A remote file that could not be copied: the message names the URL and why."""


class _Refused(RemoteFileError):
    """A hop to an address ddj may not reach."""


@dataclass(frozen=True)
class RemoteLimits:
    """How far one remote copy may go: size cap, total deadline, timeouts, redirects, addresses.

    Parameters
    ----------
    max_bytes
        Largest body copied (bytes).
    deadline
        Seconds one file may take in all.
    connect_timeout, read_timeout
        Seconds to open a connection, and to wait between two reads of the body.
    max_redirects
        Redirect hops followed.
    allow_private
        Let a redirect (or a link of a listing) lead anywhere.
    trusted
        Host names the user gave: they may be on loopback or private addresses.
    user_agent
        Sent with every request.

    Raises
    ------
    ParameterError
        A cap or a deadline that is not positive.
    """

    max_bytes: int = MAX_REMOTE_BYTES
    deadline: float = REMOTE_DEADLINE
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_redirects: int = 5
    allow_private: bool = False
    trusted: frozenset[str] = frozenset()
    user_agent: str = "ddj"

    def __post_init__(self) -> None:
        """Check the cap and the deadline once."""
        check_warc_limits(self.max_bytes, self.deadline)

    @classmethod
    def of(cls, settings: Any = None, files: Iterable[Any] = (), **fields: Any) -> RemoteLimits:
        """The limits of a collection: from its fetch settings, trusting the hosts of ``files``.

        ``settings`` is a :class:`~ddj.collecting.settings.FetchSettings` (its
        ``warc_max_bytes``, ``warc_deadline``, timeouts, ``max_redirects``,
        ``allow_private`` and User-Agent), or None for the defaults; ``fields``
        replace any of them.
        """
        given: dict[str, Any] = {}
        if settings is not None:
            given = {
                "max_bytes": settings.warc_max_bytes,
                "deadline": settings.warc_deadline,
                "connect_timeout": settings.connect_timeout,
                "read_timeout": settings.read_timeout,
                "max_redirects": settings.max_redirects,
                "allow_private": settings.allow_private,
                "user_agent": settings.user_agent,
            }
        hosts = frozenset(_host(str(f)) for f in files if is_remote(str(f))) - {""}
        return cls(**{**given, "trusted": hosts, **fields})


def is_remote(name: str) -> bool:
    """Whether ``name`` is a URL ddj copies (``http://``, ``https://``, ``s3://``).

    Examples
    --------
    >>> is_remote("s3://commoncrawl/x.warc.gz"), is_remote("/data/x.warc.gz")
    (True, False)
    """
    return name.lower().startswith(("http://", "https://", "s3://"))


def _host(url: str) -> str:
    try:
        return host_of(url)
    except ValueError:  # an unreadable host (``http://[::1``): trusted nowhere
        return ""


# -- copying -------------------------------------------------------------------------------------
def download(url: str, target: Path, limits: RemoteLimits) -> int:
    """Copy the remote file ``url`` into ``target`` within ``limits``; the bytes copied.

    The host of ``url`` is trusted (the user named it); redirects elsewhere
    are checked. What was written before a failure stays in ``target`` (never
    more than ``limits.max_bytes``); the caller removes it.

    Raises
    ------
    RemoteFileError
        The copy failed: the message names the URL and why.
    """
    limits = _trusting(limits, url)
    with target.open("wb") as out:
        if url.lower().startswith("s3://"):
            return _s3_copy(url, out.write, limits)
        return _in_thread(_http_copy(url, out.write, limits, limits.max_bytes))


def read_listing(url: str, limits: RemoteLimits) -> bytes:
    """The page at ``url`` (a folder's listing), at most :data:`MAX_LISTING_BYTES`, within ``limits``.

    Raises
    ------
    RemoteFileError
        As :func:`download`.
    """
    body = bytearray()
    cap = min(limits.max_bytes, MAX_LISTING_BYTES)
    _in_thread(_http_copy(url, body.extend, _trusting(limits, url), cap))
    return bytes(body)


def http_glob(pattern: str, limits: RemoteLimits) -> list[str]:
    """The files of a remote folder's listing whose names match the last part of ``pattern``.

    Only the file name may hold wildcards (``https://host/crawl/*.warc.gz``):
    the folder's page is read (as :func:`read_listing`) and its links to files
    in that folder are matched.

    Raises
    ------
    InputError
        Wildcards before the file name.
    RemoteFileError
        The listing could not be read.
    """
    folder, _, name = pattern.rpartition("/")
    if "://" not in folder or any(c in folder.split("://", 1)[1] for c in "*?["):
        message = (
            f"remote glob {strip_credentials(pattern)!r}: only the file name may hold wildcards "
            "(https://host/folder/*.warc.gz); list the folders one by one"
        )
        raise InputError(message)
    base = folder + "/"
    page = read_listing(base, limits).decode("utf-8", "replace")
    found = []
    for link in _HREF.findall(page):
        url = urljoin(base, link.strip()).split("#", 1)[0].split("?", 1)[0]
        head, _, file = url.rpartition("/")
        if head + "/" == base and file and fnmatch.fnmatchcase(unquote(file), unquote(name)):
            found.append(url)
    return sorted(set(found))


def _trusting(limits: RemoteLimits, url: str) -> RemoteLimits:
    return replace(limits, trusted=limits.trusted | ({_host(url)} - {""}))


def _in_thread(coroutine) -> Any:
    """Run ``coroutine`` on its own event loop, in a thread (a Jupyter kernel's loop is busy).

    When the wait is interrupted (Ctrl-C), the copy is cancelled: it stops at
    once instead of running on to its deadline.
    """
    run = _Cancellable(coroutine)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ddj-remote")
    future = pool.submit(asyncio.run, run.main())
    try:
        return future.result()
    except BaseException:
        if not future.done():  # interrupted while it runs (else: its own failure)
            run.cancel()
        raise
    finally:
        pool.shutdown(wait=False)


class _Cancellable:
    """A coroutine run in another thread that this thread can cancel, before or after it starts."""

    def __init__(self, coroutine):
        self.coroutine = coroutine
        self.lock = threading.Lock()
        self.task: asyncio.Task | None = None
        self.cancelled = False

    async def main(self) -> Any:
        with self.lock:
            if self.cancelled:
                self.coroutine.close()
                raise asyncio.CancelledError
            self.task = asyncio.current_task()
        try:
            return await self.coroutine
        finally:
            with self.lock:
                self.task = None  # its loop is about to close: nothing left to cancel

    def cancel(self) -> None:
        with self.lock:
            self.cancelled = True
            if self.task is not None:
                self.task.get_loop().call_soon_threadsafe(self.task.cancel)


async def _http_copy(url: str, sink: Callable[[bytes], Any], limits: RemoteLimits, cap: int):
    """Send the body at ``url`` to ``sink``, following and checking redirects; the bytes sent."""
    shown = strip_credentials(url)
    progress = [0]  # bytes sent to the sink so far (named in a deadline's message)
    deadline = asyncio.timeout(limits.deadline)  # the whole copy, whatever it waits for
    try:
        async with deadline:
            timeout = aiohttp.ClientTimeout(
                total=None,
                sock_connect=min(limits.connect_timeout, limits.deadline),
                sock_read=min(limits.read_timeout, limits.deadline),
            )
            connector = aiohttp.TCPConnector(resolver=_CheckedResolver(limits), limit=1)
            headers = {"User-Agent": limits.user_agent, "Accept-Encoding": "identity"}
            async with aiohttp.ClientSession(
                connector=connector, timeout=timeout, headers=headers,
                auto_decompress=False, trust_env=False,
            ) as session:  # fmt: skip
                return await _follow(session, url, sink, limits, cap, progress)
    except RemoteFileError as exc:
        raise RemoteFileError(f"could not read {shown}: {exc}") from None
    except TimeoutError:
        if deadline.expired():
            why = (
                f"took longer than the deadline of {limits.deadline:g} s for one remote file "
                f"({progress[0]:,} bytes read); raise --warc-deadline (warc_deadline=) or "
                "copy the file first"
            )
        else:
            why = f"no answer for {limits.read_timeout:g} s (read timeout) after {progress[0]:,} bytes"
        raise RemoteFileError(f"could not read {shown}: {why}") from None
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        reason = _refusal(exc) or f"{type(exc).__name__}: {_one_line(exc)}"
        raise RemoteFileError(f"could not read {shown}: {reason}") from None


async def _follow(session, url: str, sink, limits: RemoteLimits, cap: int, progress: list[int]):
    current, hops = url, 0
    while True:
        _check_literal(current, limits)
        async with session.get(strip_credentials(current), allow_redirects=False) as response:
            if response.status in REDIRECTS:
                location = response.headers.get("Location", "").strip()
                if not location:
                    raise RemoteFileError(f"HTTP {response.status} redirect without a Location")
                hops += 1
                if hops > limits.max_redirects:
                    message = f"more than {limits.max_redirects} redirects (max_redirects=)"
                    raise RemoteFileError(message)
                current = urljoin(current, location)
                continue
            if response.status != 200:
                words = " ".join((response.reason or "").split())[:60]
                raise RemoteFileError(f"HTTP {response.status} {words}".rstrip())
            return await _stream(response, sink, cap, progress)


async def _stream(response, sink, cap: int, progress: list[int]) -> int:
    """Send the body to ``sink`` chunk by chunk: refused past ``cap``, checked against its length."""
    declared = response.content_length
    if declared is not None and declared > cap:
        message = (
            f"over the size cap ({cap:,} bytes): it declares {declared:,} bytes; raise "
            "--warc-max-bytes (warc_max_bytes=) or split the file"
        )
        raise RemoteFileError(message)
    try:
        while chunk := await response.content.read(_CHUNK):
            if progress[0] + len(chunk) > cap:
                message = (
                    f"over the size cap ({cap:,} bytes): more came; raise --warc-max-bytes "
                    "(warc_max_bytes=) or split the file"
                )
                raise RemoteFileError(message)
            sink(chunk)
            progress[0] += len(chunk)
    except aiohttp.ClientPayloadError as exc:
        if declared is not None:
            message = (
                f"body shorter than declared ({progress[0]:,} of {declared:,} bytes): "
                "the server cut it short; try again later"
            )
        else:
            message = f"the body broke off after {progress[0]:,} bytes ({type(exc).__name__})"
        raise RemoteFileError(message) from None
    if declared is not None and progress[0] < declared:
        message = f"body shorter than declared ({progress[0]:,} of {declared:,} bytes)"
        raise RemoteFileError(message)
    return progress[0]


# -- addresses -----------------------------------------------------------------------------------
def _check_literal(url: str, limits: RemoteLimits) -> None:
    """Check one hop before it is asked: its scheme, and its host when that is an IP address.

    Names are checked on the addresses their connection uses (:class:`_CheckedResolver`).
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise RemoteFileError(f"a redirect to {parts.scheme or 'no'} scheme (only http and https)")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise RemoteFileError(f"no host in {strip_credentials(url)!r}")
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return  # a name: checked by the resolver
    if limits.allow_private or host in limits.trusted:
        return
    kind = blocked_kind(host)
    if kind is not None:
        raise _Refused(_refused_message(host, [_kind(host, kind)]))


def _kind(ip: str, kind: str | None) -> str:
    return f"{ip}, {'an' if (kind or 'x')[0] in 'aeiou' else 'a'} {kind} address"


def _refused_message(host: str, why: list[str]) -> str:
    return (
        f"redirect to a private address refused: {host} ({'; '.join(why)}); pass "
        "allow_private=True (--allow-private) to follow it"
    )


def _one_line(exc: BaseException) -> str:
    """An exception's text on one line, at most 150 characters (a server's words are in it)."""
    return " ".join(str(exc).split())[:150]


def _refusal(exc: BaseException) -> str | None:
    """The message of a :class:`_Refused` that aiohttp wrapped (a connection error), if any."""
    seen = exc
    for _ in range(8):
        if isinstance(seen, _Refused):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
        if seen is None:
            return None
    return None


class _CheckedResolver(AbstractResolver):
    """aiohttp's resolver, refusing names (other than the user's) that resolve to non-public addresses.

    The addresses it returns are the ones the connection uses: what is checked
    is what is connected to.
    """

    def __init__(self, limits: RemoteLimits):
        self.limits = limits
        self.inner = DefaultResolver()

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list:
        found = await self.inner.resolve(host, port, family)
        name = host.strip("[]").rstrip(".").lower()
        if self.limits.allow_private or name in self.limits.trusted:
            return found
        allowed = [r for r in found if blocked_kind(r["host"]) is None]
        if allowed:
            return allowed
        why = [_kind(r["host"], blocked_kind(r["host"])) for r in found]
        raise _Refused(_refused_message(host, why))

    async def close(self) -> None:
        await self.inner.close()


# -- s3 ------------------------------------------------------------------------------------------
def _s3_copy(url: str, sink: Callable[[bytes], Any], limits: RemoteLimits) -> int:
    """Copy an ``s3://`` file through s3fs (anonymous), the cap and the deadline checked between chunks."""
    try:
        import fsspec

        fs = fsspec.filesystem(
            "s3", anon=True,
            config_kwargs={"connect_timeout": min(limits.connect_timeout, limits.deadline),
                           "read_timeout": min(limits.read_timeout, limits.deadline),
                           "retries": {"max_attempts": 2}},
        )  # fmt: skip
    except ImportError as exc:
        message = f"reading {url!r} needs the package s3fs: pip install 'ddj[s3]' (or s3fs)"
        raise InputError(message) from exc
    started, size = time.monotonic(), 0
    try:
        with fs.open(url, "rb", block_size=_CHUNK) as src:
            declared = getattr(src, "size", None)
            if declared is not None and declared > limits.max_bytes:
                message = (
                    f"over the size cap ({limits.max_bytes:,} bytes): it is {declared:,} bytes"
                )
                raise RemoteFileError(message)
            while chunk := src.read(_CHUNK):
                if time.monotonic() - started > limits.deadline:
                    message = (
                        f"took longer than the deadline of {limits.deadline:g} s for one remote "
                        f"file ({size:,} bytes read); raise --warc-deadline (warc_deadline=)"
                    )
                    raise RemoteFileError(message)
                if size + len(chunk) > limits.max_bytes:
                    message = f"over the size cap ({limits.max_bytes:,} bytes): more came"
                    raise RemoteFileError(message)
                sink(chunk)
                size += len(chunk)
    except RemoteFileError as exc:
        raise RemoteFileError(f"could not read {url}: {exc}") from None
    except Exception as exc:  # s3fs and botocore raise many kinds: each is this file's failure
        raise RemoteFileError(
            f"could not read {url}: {type(exc).__name__}: {_one_line(exc)}"
        ) from None
    return size
