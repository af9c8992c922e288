"""A polite HTTP fetcher: per-host rate limit, robots.txt, retries, size, type, time and address limits.

One :class:`Fetcher` is shared by every thread of a collection. It keeps, per
host, the time the next request may start (``rate`` requests per second; in a
file under ``state_dir`` when one is given, so that every process collecting
into one cache shares it) and the parsed ``robots.txt``. Requests go through
urllib3 with redirects followed by hand, so that every hop is checked (scheme,
robots.txt, redirect limit, address), and bodies are read raw, in chunks, so a
page beyond ``max_bytes`` is abandoned, not read, and a compressed body is
expanded by :func:`ddj.limits.gunzip` under the same cap.

Each page has a total ``deadline`` (connecting, robots.txt, headers, body,
redirects, retries and their waits; not the wait for the host's turn under the
rate limit): the body is read a piece at a time, the deadline checked between
pieces, each socket read waiting no longer than the time left, and a watchdog
shuts the connection when it passes, whatever the request waits for (headers or
body dripping a byte at a time). Every URL is read by
:func:`ddj.hostvalues.parse_url` and every number a host sends by
:func:`ddj.hostvalues.bounded_number`, so no value a host sends can raise.

Connections are opened by :class:`GuardedHTTPConnection`, which resolves the
host once, checks every address it got (:func:`blocked_kind`) and connects to
an address it checked, so a public page, feed, sitemap or redirect cannot send
ddj to a loopback, private, link-local, multicast, reserved or unspecified
address (DNS rebinding included), unless the host is one the user started from
(``trusted``) or ``allow_private`` is set.

A fetch never raises for a network problem: it returns a :class:`Page` whose
``reason`` says what went wrong, so one bad URL never stops a run.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import ipaddress
import math
import os
import socket
import threading
import time
import urllib.parse
import urllib.robotparser
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection

from ddj import warns
from ddj.collecting.cache import locked_file
from ddj.collecting.settings import DEFAULT_CONTACT, FetchSettings  # noqa: F401 (DEFAULT_CONTACT: as before)
from ddj.errors import InputError
from ddj.hostvalues import (
    BadURL,
    ParsedURL,
    bounded_number,
    normal_domain,
    parse_url,
    strip_credentials,  # noqa: F401 (imported from here by other modules)
    url_host,
)
from ddj.limits import gunzip, is_gzip

HTML_TYPES = ("text/html", "application/xhtml+xml")
XML_TYPES = (
    "application/xml",
    "text/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/x-gzip",
    "application/gzip",
    "application/octet-stream",
    "text/plain",
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: robots.txt is read up to this size (RFC 9309 asks for at least 500 KiB); the rest is ignored.
ROBOTS_MAX_BYTES = 500 * 1024
#: Redirect hops followed to find robots.txt (RFC 9309: at least five).
ROBOTS_MAX_REDIRECTS = 5
#: Longest wait between two requests to one host that a robots.txt Crawl-delay can ask for (s).
MAX_CRAWL_DELAY = 60.0
#: Longest Retry-After read (s): any longer is this (and past ``max_retry_after``, a failure).
MAX_RETRY_AFTER = 365 * 86400
#: Largest Content-Length read (bytes): any larger is this (and past ``max_bytes``, a failure).
MAX_DECLARED_BYTES = 1 << 62
READ_CHUNK = 16384  # bytes read at a time: interruption and the caps are checked between reads
_ENCODINGS = frozenset({"gzip", "x-gzip", "deflate"})

#: ``resolver(host, port)``: the IP addresses of ``host``, as strings (raise ``socket.gaierror``).
Resolver = Callable[[str, int], list[str]]


@dataclass
class Page:
    """What one fetch gave: the body on success, else a status and a reason."""

    url: str
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    body: bytes | None = None
    reason: str | None = None
    attempts: int = 0
    retry_later: bool = False  # a transient failure (timeout, 5xx, 429): not cached as final
    refused: bool = False  # its host is (or resolves to) an address ddj may not reach

    @property
    def ok(self) -> bool:
        """Whether the fetch gave a body and no failure."""
        return self.reason is None and self.body is not None


class AddressRefused(InputError):
    """A URL whose host is (or resolves to) an address ddj may not reach from a public page."""


# -- addresses -----------------------------------------------------------------------------------
def blocked_kind(ip: str) -> str | None:
    """Why a public page may not send ddj to ``ip`` (``"loopback"``, ``"private"``, ...), or None.

    IPv4 addresses inside IPv6 ones (``::ffff:10.0.0.1``, 6to4) are judged as IPv4.

    Examples
    --------
    >>> [blocked_kind(ip) for ip in ("127.0.0.1", "10.0.0.1", "169.254.169.254", "0.0.0.0")]
    ['loopback', 'private', 'link-local', 'unspecified']
    >>> blocked_kind("::ffff:127.0.0.1"), blocked_kind("ff02::1"), blocked_kind("93.184.215.14")
    ('loopback', 'multicast', None)
    """
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is not None:
            return blocked_kind(str(inner))
    for kind in ("unspecified", "loopback", "link_local", "multicast", "reserved", "private"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if address.is_global else "non-public"


def resolve(host: str, port: int) -> list[str]:
    """The addresses of ``host`` (a name or an IP in any spelling: ``2130706433``, ``0x7f.1``)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def host_of(url: str) -> str:
    """The host name of ``url`` as the fetcher reads it (:func:`ddj.hostvalues.url_host`), or "".

    Examples
    --------
    >>> host_of("https://user:pw@News.Example.org:8443/a"), host_of("http://[::1]:80/")
    ('news.example.org', '::1')
    >>> host_of("http://[::1")
    ''
    """
    return url_host(url)


class _Watch:
    """The deadline of one page: when it passes, the socket in use is shut down.

    Shutting the socket wakes whatever the request is blocked on (the status
    line, headers, a body dripping a byte at a time), in any thread. The
    socket is the one the request connected or reused, kept here itself: a
    response that closes its connection leaves the connection without it.
    A watch inside another (robots.txt read for a page) ends no later than it.
    """

    def __init__(self, seconds: float, outer: _Watch | None = None):
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.outer = outer
        if outer is not None:
            self.end = min(self.end, outer.end)
        self.fired = False
        self.pauses = 0  # > 0: waiting for the host's turn, not counted
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()

    def left(self) -> float:
        """Seconds until the deadline (0 once it has passed)."""
        return max(0.0, self.end - time.monotonic())

    @property
    def passed(self) -> bool:
        """Whether the deadline has passed (fired or not)."""
        return self.fired or time.monotonic() >= self.end

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Time spent inside is not counted (nor in the outer watch): the deadline moves on by it."""
        watches = [self] if self.outer is None else [self, self.outer]
        started = time.monotonic()
        for watch in watches:
            with watch._lock:
                watch.pauses += 1
        try:
            yield
        finally:
            waited = time.monotonic() - started
            for watch in watches:
                with watch._lock:
                    watch.end += waited
                    watch.pauses -= 1

    def attach(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sock = sock
            fired = self.fired
        if fired:
            _shut(sock)

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            sock = self._sock
        if sock is not None:
            _shut(sock)

    def bound_reads(self, read_timeout: float | None) -> None:
        """Make the next socket read wait no longer than the time left (nor ``read_timeout``)."""
        with self._lock:
            sock = self._sock
        if sock is not None:
            wait = self.left() if read_timeout is None else min(read_timeout, self.left())
            with contextlib.suppress(OSError):
                sock.settimeout(max(wait, 0.001))


class _Watchdog:
    """One thread per fetcher, while pages are fetched, firing the watches that are due.

    Due: past their deadline, or all of them once the fetcher is stopped (Ctrl-C).
    """

    TICK = 0.1  # seconds

    def __init__(self, stop: threading.Event):
        self.stop = stop
        self._watches: set[_Watch] = set()
        self._lock = threading.Lock()
        self._running = False

    @contextlib.contextmanager
    def watch(self, seconds: float, outer: _Watch | None = None) -> Iterator[_Watch]:
        watch = _Watch(seconds, outer)
        with self._lock:
            self._watches.add(watch)
            start, self._running = not self._running, True
        if start:
            threading.Thread(target=self._run, name="ddj-fetch-deadline", daemon=True).start()
        try:
            yield watch
        finally:
            with self._lock:
                self._watches.discard(watch)

    def _run(self) -> None:
        while True:
            time.sleep(self.TICK)
            now, stopped = time.monotonic(), self.stop.is_set()
            with self._lock:
                if not self._watches:
                    self._running = False  # started again by the next watch
                    return
                due = [w for w in self._watches
                       if not w.fired and (stopped or (w.end <= now and not w.pauses))]  # fmt: skip
            for watch in due:
                watch.fire()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Guard:
    """Which addresses connections may reach, and the watch of each thread's running request."""

    def __init__(self, allow_private: bool, trusted: frozenset[str], resolver: Resolver | None):
        self.allow_private = allow_private
        self.trusted = trusted
        self.resolver = resolver or resolve
        self._local = threading.local()

    def addresses(self, host: str, port: int) -> list[str]:
        """The addresses of ``host`` ddj may connect to, resolved once; raises :class:`AddressRefused`."""
        name = host.strip("[]").rstrip(".").lower()
        addresses = self.resolver(name, port)
        if not addresses:
            raise socket.gaierror(f"{host} has no address")
        if self.allow_private or name in self.trusted:
            return addresses
        allowed = [ip for ip in addresses if blocked_kind(ip) is None]
        if allowed:
            return allowed
        refused = [f"{ip}, a {blocked_kind(ip)} address" for ip in addresses]
        message = (
            f"refused to connect to {host} ({'; '.join(refused)}): a page ddj was not started on "
            "leads there; pass allow_private=True (--allow-private) to collect from private addresses"
        )
        raise AddressRefused(message)

    @contextlib.contextmanager
    def watching(self, watch: _Watch) -> Iterator[None]:
        previous = getattr(self._local, "watch", None)
        self._local.watch = watch
        try:
            yield
        finally:
            self._local.watch = previous

    def current(self) -> _Watch | None:
        """The watch of the request this thread runs, if any."""
        return getattr(self._local, "watch", None)

    def attach(self, sock: socket.socket | None) -> None:
        watch = self.current()
        if watch is not None:
            watch.attach(sock)


class _Guarded:
    """What the HTTP and HTTPS connections share: the guard's address, the page's deadline."""

    guard: _Guard  # set on the subclass each Fetcher makes

    def _new_conn(self) -> socket.socket:
        return _connect(self)

    def connect(self) -> None:
        """Connect (TLS included, for HTTPS), and put the socket under the page's deadline."""
        super().connect()
        self.guard.attach(self.sock)

    def request(self, *args, **kwargs) -> None:
        """Send a request, under the deadline of the page being fetched."""
        self.guard.attach(self.sock)  # a reused connection: the page's deadline can shut it
        return super().request(*args, **kwargs)


class GuardedHTTPConnection(_Guarded, HTTPConnection):
    """An HTTP connection that connects only to an address its fetcher's guard checked."""


class GuardedHTTPSConnection(_Guarded, HTTPSConnection):
    """The HTTPS twin of :class:`GuardedHTTPConnection` (TLS still checks the host name)."""


def _connect(conn) -> socket.socket:
    """urllib3's ``_new_conn``, connecting to the address the guard checked (never resolving twice)."""
    try:
        return _first_connection(conn, conn.guard.addresses(conn._dns_host, conn.port))
    except socket.gaierror as exc:
        raise NameResolutionError(conn.host, conn, exc) from exc
    except TimeoutError as exc:
        message = f"Connection to {conn.host} timed out. (connect timeout={conn.timeout})"
        raise ConnectTimeoutError(conn, message) from exc
    except OSError as exc:
        raise NewConnectionError(conn, f"Failed to establish a new connection: {exc}") from exc


def _first_connection(conn, addresses: list[str]) -> socket.socket:
    """A socket to the first of ``addresses`` that answers (IP literals: nothing is resolved)."""
    error: OSError | None = None
    for ip in addresses:
        try:
            return urllib3_connection.create_connection(
                (ip, conn.port),
                conn.timeout,
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except OSError as exc:
            error = exc
    raise error


def _pool_manager(guard: _Guard, pool_size: int, timeout: urllib3.Timeout) -> urllib3.PoolManager:
    http = type("FetcherHTTPConnection", (GuardedHTTPConnection,), {"guard": guard})
    https = type("FetcherHTTPSConnection", (GuardedHTTPSConnection,), {"guard": guard})
    manager = urllib3.PoolManager(num_pools=64, maxsize=pool_size, retries=False, timeout=timeout)
    manager.pool_classes_by_scheme = {
        "http": type("FetcherHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
        "https": type("FetcherHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
    }
    return manager


# -- per host state ------------------------------------------------------------------------------
@dataclass
class _Host:
    key: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_at: float = 0.0
    robots: urllib.robotparser.RobotFileParser | None = None
    robots_loaded: bool = False
    blocked: str | None = None  # why robots.txt blocks the whole host for now (5xx, unreachable)


class Fetcher:
    """Fetch pages politely; safe to share between threads.

    Parameters
    ----------
    settings
        Rate, robots.txt, timeouts, retries, size and address limits: a
        :class:`FetchSettings` (default: its defaults).
    pool_size
        Connections kept open per host (the number of fetching threads).
    trusted
        URLs (or host names) the user started from: their hosts may be on a
        loopback or private address. Every other host must resolve to public
        addresses only.
    resolver
        ``resolver(host, port)`` giving a host's IP addresses (default: the
        system's resolver); each connection resolves once and connects to an
        address it checked.
    state_dir
        A folder where each host's next free slot is kept, so that every
        process using it shares the rate limit (``flock``; without it, or on
        Windows, the limit is per process).
    **options
        Fields of :class:`FetchSettings` replacing those of ``settings``.

    Examples
    --------
    >>> f = Fetcher(rate=2, contact="desk@example.org")
    >>> f.user_agent  # doctest: +ELLIPSIS
    'ddj/... (+desk@example.org)'
    >>> f.get("ftp://example.org/x").reason
    "'ftp://example.org/x' is not a URL ddj can fetch: unsupported scheme ftp (only http and https)"
    """

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        pool_size: int = 8,
        trusted: Iterable[str] = (),
        resolver: Resolver | None = None,
        state_dir: str | os.PathLike | None = None,
        **options: object,
    ):
        settings = FetchSettings.of(settings, **options)
        self.settings = settings
        self.interval = 1.0 / settings.rate if settings.rate else 0.0
        self.user_agent = settings.user_agent
        self.robots = settings.robots
        self.retries = settings.retries
        self.backoff = settings.backoff
        self.max_retry_after = settings.max_retry_after
        self.max_bytes = settings.max_bytes
        self.max_redirects = settings.max_redirects
        self.deadline = settings.deadline
        self.timeout = urllib3.Timeout(connect=settings.connect_timeout, read=settings.read_timeout)
        hosts = frozenset(host_of(u) if "/" in u else normal_domain(u) for u in trusted)
        self._guard = _Guard(settings.allow_private, hosts, resolver)
        self._http = _pool_manager(self._guard, pool_size, self.timeout)
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        self.stop = threading.Event()
        self._watchdog = _Watchdog(self.stop)
        self.credentials_removed = 0  # redirect targets that carried user:password@
        self.read_timeout = settings.read_timeout
        self.ignored: Counter = Counter()  # values hosts sent that could not be read, by kind

    # -- per host state -------------------------------------------------------------
    def _host(self, url: ParsedURL) -> _Host:
        key = f"{url.scheme}://{url.host}:{url.port or ''}"
        with self._hosts_lock:
            host = self._hosts.get(key)
            if host is None:
                host = self._hosts[key] = _Host(key)
            return host

    def _number(self, text: str | None, **bounds) -> int | float | None:
        """A number a host sent, bounded (:func:`ddj.hostvalues.bounded_number`); what is not one is counted."""
        notes: Counter = Counter()
        value = bounded_number(text, notes=notes, **bounds)
        if notes:
            with self._hosts_lock:
                self.ignored.update(notes)
        return value

    def warn_ignored(self, stacklevel: int = 2) -> None:
        """One warning for the whole collection, counting the values hosts sent that were not read."""
        if not self.ignored:
            return
        warnings.warn(warns.host_values(self.ignored), stacklevel=stacklevel + 1)

    def _wait_turn(self, host: _Host, watch: _Watch) -> None:
        """Block until this host may be asked again, then book the next slot.

        The time waited is not counted in the page's deadline: it is ddj's own
        politeness (``rate``, a ``Crawl-delay`` of at most :data:`MAX_CRAWL_DELAY`).
        """
        delay = self.interval
        if host.robots is not None:
            crawl_delay = host.robots.crawl_delay(self.user_agent)  # bounded by robots_rules
            if crawl_delay:  # honoured up to a bound: a hostile robots.txt cannot stall a run
                delay = max(delay, min(float(crawl_delay), MAX_CRAWL_DELAY))
        with watch.paused(), host.lock:  # one thread of this process at a time per host
            while not self.stop.is_set():
                wait = self._book(host, delay)
                if wait <= 0:
                    return
                self.stop.wait(wait)

    def _book(self, host: _Host, delay: float) -> float:
        """Take the host's next slot if it has come (0), else the seconds until it does."""
        if delay <= 0:
            return 0.0  # no limit
        if self.state_dir is None:
            wait = host.next_at - time.monotonic()
            if wait <= 0:
                host.next_at = time.monotonic() + delay
            return wait
        name = hashlib.sha256(host.key.encode()).hexdigest()[:32] + ".next"
        with locked_file(self.state_dir / name) as handle:  # shared by every process
            handle.seek(0)
            text = handle.read(64).decode("ascii", "replace")
            now = time.time()
            latest = now + max(delay, MAX_CRAWL_DELAY)  # no slot is booked further ahead
            next_at = bounded_number(text, low=0, high=latest, what="slot", fraction=True) or 0.0
            wait = next_at - now
            if wait <= 0:
                handle.seek(0)
                handle.truncate()
                handle.write(f"{time.time() + delay:.6f}".encode())
                handle.flush()
            return wait

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets ddj fetch ``url`` (always True with ``robots=False``).

        A URL ddj cannot fetch (:func:`ddj.hostvalues.parse_url`) is not allowed.
        """
        try:
            parsed = parse_url(url)
        except BadURL:
            return False
        return self._allowed(parsed)

    def _allowed(self, url: ParsedURL) -> bool:
        if not self.robots:
            return True
        host = self._host(url)
        if not host.robots_loaded:
            with host.lock:
                loaded = host.robots_loaded
            if not loaded:
                self._load_robots(url, host)
        return host.robots.can_fetch(self.user_agent, url.url) if host.robots else True

    def _load_robots(self, url: ParsedURL, host: _Host) -> None:
        parts = urlsplit(url.url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        page = self._request(
            robots_url, kinds=None, check_robots=False, retries=1,
            max_redirects=ROBOTS_MAX_REDIRECTS, limit=ROBOTS_MAX_BYTES, truncate=True,
        )  # fmt: skip
        notes: Counter = Counter()
        parser, blocked = robots_rules(page, robots_url, notes)
        with host.lock:
            host.robots, host.blocked = parser, blocked
            host.robots_loaded = True
        with self._hosts_lock:
            self.ignored.update(notes)

    # -- fetching --------------------------------------------------------------------
    def get(self, url: str, kind: str = "html", limit: int | None = None) -> Page:
        """Fetch ``url``; ``kind`` is ``"html"`` (articles, front pages) or ``"xml"`` (feeds, sitemaps).

        An HTML body that is itself gzip (a ``.html.gz`` served as ``text/html``)
        is expanded; feeds and sitemaps are expanded by their readers, under
        their own caps. Never raises for a network or server problem, nor for a
        URL or value it cannot read: see :attr:`Page.reason`. ``limit`` replaces
        ``max_bytes`` for this request (an index's answer is larger than a page).
        """
        kinds = HTML_TYPES if kind == "html" else HTML_TYPES + XML_TYPES
        if kind == "data":  # an index's answer (CDX JSON lines): any type, read as it came
            kinds = None
        return self._request(
            url, kinds=kinds, check_robots=True, retries=self.retries, expand=kind == "html",
            limit=limit,
        )  # fmt: skip

    def get_range(self, url: str, offset: int, length: int) -> Page:
        """Fetch ``length`` bytes of ``url`` from ``offset`` (``Range: bytes=offset-(offset+length-1)``).

        Only a ``206 Partial Content`` answer whose ``Content-Range`` starts at
        ``offset`` and whose body is exactly ``length`` bytes is taken: a ``200``
        (the server ignored the range and sends the whole file) is refused
        before its body is read, and a range cut short is a failure to try
        again. The body is not decompressed (a WARC record's gzip member is the
        caller's to expand, under its own cap).
        """
        if offset < 0 or length < 1 or length > self.max_bytes:
            page = Page(url=url)
            page.reason = (f"range of {length:,} bytes at offset {offset:,} is not one ddj "
                           f"fetches (at most max_bytes={self.max_bytes:,})")  # fmt: skip
            return page
        last = offset + length - 1
        return self._request(
            url, kinds=None, check_robots=True, retries=self.retries, limit=length,
            byte_range=(offset, last),
        )  # fmt: skip

    def _request(
        self,
        url: str,
        *,
        kinds: tuple[str, ...] | None,
        check_robots: bool,
        retries: int,
        max_redirects: int | None = None,
        limit: int | None = None,
        truncate: bool = False,
        expand: bool = False,
        byte_range: tuple[int, int] | None = None,
    ) -> Page:
        page = Page(url=url)
        options = _Options(kinds, check_robots, retries, limit or self.max_bytes, truncate, expand,
                           byte_range)  # fmt: skip
        hops = self.max_redirects if max_redirects is None else max_redirects
        outer = self._guard.current()  # robots.txt read for a page: within the page's deadline
        with self._watchdog.watch(self.deadline, outer) as watch, self._guard.watching(watch):
            self._follow(page, watch, options, hops)
        if (
            watch.passed and not self.stop.is_set()
        ):  # what was read was cut short, even if it parsed
            page.body = None
            page.reason = _past_deadline(self.deadline)
            page.retry_later = True
        return page

    def _follow(self, page: Page, watch: _Watch, options: _Options, max_redirects: int) -> None:
        """Request ``page.url``, following up to ``max_redirects`` redirects, each hop checked."""
        current, base = page.url, None
        for _hop in range(max_redirects + 1):
            try:
                parsed = parse_url(current, base=base)
            except BadURL as exc:
                page.reason = str(exc) if base is None else f"a redirect leads to {exc}"
                return
            if (
                base is not None
            ):  # a redirect: its target as requested (no credentials, no fragment)
                current = self._clean(parsed)
            elif parsed.had_credentials:
                current = strip_credentials(current)
            page.final_url = current
            if options.check_robots and not self._allowed(parsed):
                blocked = self._host(parsed).blocked
                page.reason = blocked or "disallowed by robots.txt"
                page.retry_later = blocked is not None
                return
            response = self._attempt(parsed, page, options, watch)
            if response is None:
                return
            location = response.headers.get("Location")
            if response.status in (301, 302, 303, 307, 308) and location:
                _let_go(response)  # not drained: a redirect's body could drip or never end
                current, base = location.strip(), current
                continue
            try:
                self._take(response, page, options, watch)
            finally:
                response.close()
            return
        page.reason = f"more than {max_redirects} redirects"
        page.final_url = current

    def _clean(self, parsed: ParsedURL) -> str:
        """A redirect's target as requested; credentials it carried are counted (and gone)."""
        if parsed.had_credentials:
            with self._hosts_lock:
                self.credentials_removed += 1
        return parsed.url

    def _take(self, response, page: Page, options: _Options, watch: _Watch) -> None:
        """Status, type and size checks, then the body (expanded when compressed)."""
        page.status = response.status
        page.content_type = (
            (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        )
        if options.byte_range is not None:
            self._take_range(response, page, options, watch)
            return
        if response.status != 200:
            page.reason = f"HTTP {response.status}"
            page.retry_later = response.status in RETRY_STATUSES
            return
        if options.kinds is not None and page.content_type not in options.kinds:
            page.reason = f"content type {page.content_type or '(none)'} is not HTML"
            return
        declared = self._number(response.headers.get("Content-Length"), low=0,
                                high=MAX_DECLARED_BYTES, what="Content-Length")  # fmt: skip
        if not options.truncate and declared is not None and declared > options.limit:
            more = " or more" if declared >= MAX_DECLARED_BYTES else ""
            page.reason = (
                f"page larger than max_bytes={options.limit} ({declared} bytes{more} declared)"
            )
            return
        raw = self._read(response, page, options.limit, options.truncate, watch)
        if raw is None:
            return
        encoding = (response.headers.get("Content-Encoding") or "").strip().lower()
        try:
            page.body = expand_body(
                raw, encoding, options.limit, page.final_url or page.url, options.expand
            )
        except InputError as exc:
            page.reason = str(exc)

    def _take_range(self, response, page: Page, options: _Options, watch: _Watch) -> None:
        """A range's body: a 206 starting where asked, exactly the length asked; else a reason."""
        first, last = options.byte_range
        length = last - first + 1
        if response.status == 200:
            page.reason = (f"the server sent the whole file (HTTP 200) instead of the {length:,} "
                           "bytes asked for: refused, not read")  # fmt: skip
            return
        if response.status != 206:
            page.reason = f"HTTP {response.status}"
            page.retry_later = response.status in RETRY_STATUSES
            return
        told = _content_range(response.headers.get("Content-Range"))
        if told is not None and told[0] != first:
            page.reason = (f"the server sent bytes from {told[0]:,}, not from {first:,} "
                           "as asked: refused")  # fmt: skip
            return
        raw = self._read(response, page, length, False, watch)
        if raw is None:
            return
        if len(raw) != length:
            page.reason = (f"range cut short: {len(raw):,} of {length:,} bytes arrived; "
                           "it is tried again on the next run")  # fmt: skip
            page.retry_later = True
            return
        page.body = raw

    def _read(
        self, response, page: Page, limit: int, truncate: bool, watch: _Watch
    ) -> bytes | None:
        """The raw body, read a piece at a time; None (``page.reason`` set) past ``limit`` or the deadline.

        Each piece is what one socket read gives (at most :data:`READ_CHUNK`
        bytes), waiting no longer than the time left, so a body dripping a byte
        at a time is cut off at the deadline, not when the drip ends.
        """
        chunks, size = [], 0
        try:
            while True:
                if self.stop.is_set():
                    page.reason = "collection interrupted"
                    page.retry_later = True
                    return None
                if watch.passed:
                    page.reason = _past_deadline(self.deadline)
                    page.retry_later = True
                    return None
                watch.bound_reads(self.read_timeout)
                chunk = response.read1(READ_CHUNK, decode_content=False)
                if not chunk:
                    break
                if size + len(chunk) > limit:
                    if truncate:
                        chunks.append(chunk[: limit - size])
                        break
                    page.reason = f"page larger than max_bytes={limit}; abandoned"
                    return None
                size += len(chunk)
                chunks.append(chunk)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            page.reason = f"connection broken while reading: {type(exc).__name__}"
            page.retry_later = True
            return None
        return b"".join(chunks)

    def _attempt(self, url: ParsedURL, page: Page, options: _Options, watch: _Watch):
        """One request with retries; returns the response or None (``page.reason`` set)."""
        host = self._host(url)
        retries = options.retries
        for attempt in range(retries + 1):
            if self.stop.is_set():
                page.reason = "collection interrupted"
                page.retry_later = True
                return None
            self._wait_turn(host, watch)
            if watch.passed:
                return None  # the page's reason: past its deadline
            page.attempts += 1
            step = self._try(url.url, page, watch, final=attempt == retries,
                             byte_range=options.byte_range)  # fmt: skip
            if not step.retry:
                return step.response
            wait = self.backoff * 2**attempt if step.wait is None else step.wait
            if attempt == retries or wait >= watch.left():
                page.reason = step.reason
                if attempt < retries:
                    page.reason += f"; the next try, in {wait:g} s, would pass the deadline"
                    page.reason += f" (deadline={self.deadline:g})"
                page.retry_later = True
                return None
            self.stop.wait(wait)
        return None  # pragma: no cover

    def _try(
        self, url: str, page: Page, watch: _Watch, *, final: bool,
        byte_range: tuple[int, int] | None = None,
    ) -> _Step:  # fmt: skip
        """One request: the response to use, None (``page.reason`` set), or a retry and why."""
        left = max(watch.left(), 0.01)  # no single wait past the deadline
        timeout = urllib3.Timeout(connect=min(self.timeout.connect_timeout, left),
                                  read=min(self.read_timeout, left))  # fmt: skip
        headers = self._headers()
        if byte_range is not None:  # the bytes as stored: a WARC record's own gzip member
            headers = {**headers, "Range": f"bytes={byte_range[0]}-{byte_range[1]}",
                       "Accept-Encoding": "identity"}  # fmt: skip
        try:
            response = self._http.request("GET", url, headers=headers, timeout=timeout,
                                          preload_content=False, redirect=False)  # fmt: skip
        except AddressRefused as exc:
            page.reason = str(exc)
            page.refused = True
            page.retry_later = True  # a later run with allow_private=True may fetch it
            return _Step()
        except urllib3.exceptions.TimeoutError as exc:
            return _Step(retry=True, reason=f"timeout ({type(exc).__name__})")
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return _Step(retry=True, reason=f"connection failed: {_short(exc)}")
        if response.status not in RETRY_STATUSES or final:
            return _Step(response)
        return self._retry_status(response, page)

    def _retry_status(self, response, page: Page) -> _Step:
        """A 429 or 5xx: retry after its ``Retry-After`` (or backoff), unless that is too long."""
        notes: Counter = Counter()
        wait = retry_after(response.headers.get("Retry-After"), notes)
        if notes:
            with self._hosts_lock:
                self.ignored.update(notes)
        _let_go(response)  # not drained: its body could drip or never end
        page.status = response.status
        if wait is not None and wait > self.max_retry_after:
            more = " or more" if wait >= MAX_RETRY_AFTER else ""
            page.reason = (
                f"HTTP {response.status}; Retry-After {wait:.0f}s{more} exceeds max_retry_after"
            )
            page.retry_later = True
            return _Step()
        return _Step(retry=True, wait=wait, reason=f"HTTP {response.status}")

    def _headers(self) -> dict[str, str]:
        return {
            "User-Agent": self.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.5",
            "Accept-Encoding": "gzip",  # expanded by limits.gunzip (zlib-wrapped deflate too)
        }


class _Step(NamedTuple):
    """What one request gave :meth:`Fetcher._attempt`: a response (or None), or a retry."""

    response: object = None
    retry: bool = False
    wait: float | None = None  # seconds the server asked for (None: the backoff)
    reason: str | None = None


@dataclass(frozen=True)
class _Options:
    kinds: tuple[str, ...] | None
    check_robots: bool
    retries: int
    limit: int
    truncate: bool
    expand: bool
    byte_range: tuple[int, int] | None = None  # (first, last) byte asked for: a 206 is expected


def expand_body(raw: bytes, encoding: str, limit: int, what: str, expand_gzip: bool) -> bytes:
    """A body as sent, decoded from its ``Content-Encoding``, never larger than ``limit`` bytes.

    With ``expand_gzip``, a body that is itself a gzip file is expanded too.

    Raises
    ------
    InputError
        When it expands past ``limit``, is broken, or uses an encoding ddj did not ask for.

    Examples
    --------
    >>> import gzip
    >>> expand_body(gzip.compress(b"<p>hi</p>"), "gzip", 100, "page", False)
    b'<p>hi</p>'
    >>> expand_body(gzip.compress(b"x" * 1000), "", 100, "page", True)
    Traceback (most recent call last):
    ...
    ddj.errors.InputError: page expands past the size cap (more than 100 bytes uncompressed); ...
    """
    body = raw
    if encoding and encoding != "identity":
        if encoding not in _ENCODINGS:
            message = f"{what} is sent with Content-Encoding {encoding}, which ddj did not ask for"
            raise InputError(message)
        body = gunzip(body, limit, what)
    if expand_gzip and is_gzip(body):
        body = gunzip(body, limit, what)
    return body


def robots_rules(
    page: Page, robots_url: str, notes: Counter | None = None
) -> tuple[urllib.robotparser.RobotFileParser, str | None]:
    """The rules of a fetched robots.txt (RFC 9309), and why the host is blocked if it is.

    A file is parsed up to :data:`ROBOTS_MAX_BYTES` (the last cut line left
    out); a 4xx answer allows everything; any other failure (5xx, no
    connection, timeout, a refused address, a broken body) disallows
    everything until a later run. Its numbers and paths are read by
    :func:`robots_lines` first, so none can raise (unreadable ones are counted
    in ``notes``).
    """
    parser = urllib.robotparser.RobotFileParser(robots_url)
    if page.ok:
        body = page.body
        if len(body) >= ROBOTS_MAX_BYTES and b"\n" in body:
            body = body[: body.rfind(b"\n") + 1]  # a line cut at the cap is not a rule
        parser.parse(robots_lines(body.decode("utf-8", "replace"), notes))
        return parser, None
    if page.status is not None and 400 <= page.status < 500:
        parser.allow_all = True  # RFC 9309 2.3.1.3: unavailable, no rules
        return parser, None
    parser.disallow_all = True  # RFC 9309 2.3.1.4: unreachable, assume complete disallow
    if page.refused:
        return parser, page.reason
    reason = (
        f"robots.txt could not be read ({page.reason}): RFC 9309 treats the whole site as "
        "disallowed until it can; the pages are tried again on the next run"
    )
    return parser, reason


def robots_lines(text: str, notes: Counter | None = None) -> list[str]:
    r"""The lines of a robots.txt, each number bounded and each path readable by urllib's parser.

    ``Crawl-delay`` is read by :func:`ddj.hostvalues.bounded_number` (up to
    :data:`MAX_CRAWL_DELAY`, a fraction rounded up) and ``Request-rate``
    likewise; a line whose number or path urllib's parser would fail on
    (``²``, 5,000 digits, ``//[``) is left out and counted in ``notes``.

    Examples
    --------
    >>> robots_lines("User-agent: *\nCrawl-delay: 1" + "0" * 400 + "\nCrawl-delay: ²\nDisallow: //[x")
    ['User-agent: *', 'Crawl-delay: 60']
    """
    out = []
    for line in text.splitlines():
        name, colon, value = line.partition("#")[0].partition(":")
        field = name.strip().lower()
        if not colon or field not in ("crawl-delay", "request-rate", "allow", "disallow"):
            out.append(line)
            continue
        value = urllib.parse.unquote(value.strip())  # as urllib's parser reads it
        if field == "crawl-delay":
            delay = bounded_number(value, low=0, high=MAX_CRAWL_DELAY, what="Crawl-delay",
                                   fraction=True, notes=notes)  # fmt: skip
            if delay is not None:
                out.append(f"Crawl-delay: {math.ceil(delay)}")
        elif field == "request-rate":
            pair = [bounded_number(v, low=0, high=1_000_000, what="Request-rate", notes=notes)
                    for v in value.split("/", 1)]  # fmt: skip
            if len(pair) == 2 and None not in pair:
                out.append(f"Request-rate: {pair[0]}/{pair[1]}")
        elif _readable_path(value):
            out.append(line)
        elif notes is not None:
            notes[f"robots.txt {field} path unreadable"] += 1
    return out


def _readable_path(path: str) -> bool:
    try:
        urllib.parse.urlparse(path)
    except ValueError:
        return False
    return True


def retry_after(value: str | None, notes: Counter | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), bounded.

    A number is read by :func:`ddj.hostvalues.bounded_number` (at most
    :data:`MAX_RETRY_AFTER`); what is neither a number nor a date is None (the
    backoff is used), counted in ``notes``.

    Examples
    --------
    >>> retry_after("3"), retry_after("1" + "0" * 400), retry_after("²")
    (3.0, 31536000.0, None)
    >>> retry_after(None) is None
    True
    """
    if not value or not value.strip():
        return None
    text = value.strip()
    if text[:1].isdigit() and text.isascii() and text.isdigit():
        return float(bounded_number(text, low=0, high=MAX_RETRY_AFTER, what="Retry-After",
                                    notes=notes))  # fmt: skip
    try:
        when = email.utils.parsedate_to_datetime(text[:200])
        seconds = when.timestamp() - time.time()
    except (TypeError, ValueError, OverflowError, IndexError):
        if notes is not None:
            notes["Retry-After unreadable"] += 1
        return None
    return min(max(0.0, seconds), float(MAX_RETRY_AFTER))


def _content_range(value: str | None) -> tuple[int, int] | None:
    """The first and last byte of a ``Content-Range: bytes a-b/n`` header, None if unreadable.

    Examples
    --------
    >>> _content_range("bytes 100-199/5000"), _content_range("bytes */5000")
    ((100, 199), None)
    """
    text = (value or "").strip()[:200]
    if not text.lower().startswith("bytes "):
        return None
    span = text[6:].split("/", 1)[0]
    first, sep, last = span.partition("-")
    low = bounded_number(first, low=0, high=MAX_DECLARED_BYTES, what="Content-Range")
    high = bounded_number(last, low=0, high=MAX_DECLARED_BYTES, what="Content-Range")
    if not sep or low is None or high is None:
        return None
    return int(low), int(high)


def _past_deadline(deadline: float) -> str:
    return f"took longer than {deadline:g} s (deadline={deadline:g})"


def _let_go(response) -> None:
    """Close a response unread and give its (closed) connection back to the pool."""
    response.close()
    with contextlib.suppress(Exception):
        response.release_conn()


def _short(exc: BaseException) -> str:
    text = str(exc)
    return (text[:120] + "...") if len(text) > 120 else text or type(exc).__name__
