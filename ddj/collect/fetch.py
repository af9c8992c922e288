"""A polite HTTP fetcher: per-host rate limit, robots.txt, retries, size and type limits.

One :class:`Fetcher` is shared by every thread of a collection. It keeps, per
host, the time the next request may start (``rate`` requests per second) and the
parsed ``robots.txt``. Requests go through urllib3 with redirects followed by
hand, so that every hop is checked (scheme, robots.txt, redirect limit), and
bodies are streamed so a page beyond ``max_bytes`` is abandoned, not read.

A fetch never raises for a network problem: it returns a :class:`Page` whose
``reason`` says what went wrong, so one bad URL never stops a run.
"""

from __future__ import annotations

import email.utils
import threading
import time
import urllib.robotparser
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import urllib3

from ddj.errors import ParameterError

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
DEFAULT_CONTACT = "set contact= in ddj.collect"


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

    @property
    def ok(self) -> bool:
        return self.reason is None and self.body is not None


@dataclass
class _Host:
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_at: float = 0.0
    robots: urllib.robotparser.RobotFileParser | None = None
    robots_loaded: bool = False


class Fetcher:
    """Fetch pages politely; safe to share between threads.

    Parameters
    ----------
    rate
        Requests per second per host (``None`` or ``0`` lifts the limit).
    contact
        An email or URL put in the User-Agent, so site owners can reach you.
    robots
        Respect ``robots.txt`` (default). ``False`` is an opt-out for sites you
        have permission to crawl; every page is then fetched regardless.
    connect_timeout, read_timeout
        Seconds to open a connection and to wait between bytes.
    retries
        Extra attempts after a 429, a 5xx, a timeout or a dropped connection.
    backoff
        First wait in seconds before a retry; doubled on every attempt. A
        ``Retry-After`` header is honoured instead when present.
    max_retry_after
        Longest ``Retry-After`` wait accepted; a server asking for longer is
        recorded as a failure to retry on a later run.
    max_bytes
        Largest body read; a larger or endless page is abandoned.
    max_redirects
        Redirect hops followed before giving up.

    Examples
    --------
    >>> f = Fetcher(rate=2, contact="desk@example.org")
    >>> f.user_agent
    'ddj/0.1 (+desk@example.org)'
    >>> f.get("ftp://example.org/x").reason
    'unsupported scheme ftp (only http and https)'
    """

    def __init__(
        self,
        *,
        rate: float | None = 1.0,
        contact: str | None = None,
        robots: bool = True,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 1.0,
        max_retry_after: float = 120.0,
        max_bytes: int = 5_000_000,
        max_redirects: int = 5,
        pool_size: int = 8,
    ):
        if rate is not None and rate < 0:
            message = f"rate={rate!r} is negative: give requests per second per host, or None to lift the limit"
            raise ParameterError(message)
        for name, value in (("retries", retries), ("max_redirects", max_redirects)):
            if value < 0:
                message = f"{name}={value!r} must be 0 or more"
                raise ParameterError(message)
        if max_bytes <= 0:
            message = f"max_bytes={max_bytes!r} must be a positive number of bytes"
            raise ParameterError(message)
        self.interval = 1.0 / rate if rate else 0.0
        self.user_agent = f"ddj/0.1 (+{contact or DEFAULT_CONTACT})"
        self.robots = robots
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self._http = urllib3.PoolManager(
            num_pools=64, maxsize=pool_size, retries=False, timeout=self.timeout
        )
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        self.stop = threading.Event()

    # -- per host state -------------------------------------------------------------
    def _host(self, url: str) -> _Host:
        key = urlsplit(url).netloc.lower()
        with self._hosts_lock:
            host = self._hosts.get(key)
            if host is None:
                host = self._hosts[key] = _Host()
            return host

    def _wait_turn(self, host: _Host) -> None:
        """Block until this host may be asked again, then book the next slot."""
        delay = self.interval
        if host.robots is not None:
            crawl_delay = host.robots.crawl_delay(self.user_agent)
            if crawl_delay:
                delay = max(delay, float(crawl_delay))
        with host.lock:
            wait = host.next_at - time.monotonic()
            if wait > 0:
                self.stop.wait(wait)
            host.next_at = time.monotonic() + delay

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets ddj fetch ``url`` (always True with ``robots=False``)."""
        if not self.robots:
            return True
        host = self._host(url)
        if not host.robots_loaded:
            with host.lock:
                loaded = host.robots_loaded
            if not loaded:
                self._load_robots(url, host)
        return host.robots.can_fetch(self.user_agent, url) if host.robots else True

    def _load_robots(self, url: str, host: _Host) -> None:
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        parser = urllib.robotparser.RobotFileParser(robots_url)
        page = self._request(robots_url, kinds=None, check_robots=False, retries=1)
        if page.ok:
            parser.parse(page.body.decode("utf-8", "replace").splitlines())
        elif page.status in (401, 403):
            parser.disallow_all = True  # the stdlib's reading of a forbidden robots.txt
        else:
            parser.allow_all = True  # missing or unreachable robots.txt: no rules
        with host.lock:
            host.robots = parser
            host.robots_loaded = True

    # -- fetching --------------------------------------------------------------------
    def get(self, url: str, kind: str = "html") -> Page:
        """Fetch ``url``; ``kind`` is ``"html"`` (articles, front pages) or ``"xml"`` (feeds, sitemaps).

        Never raises for a network or server problem: see :attr:`Page.reason`.
        """
        kinds = HTML_TYPES if kind == "html" else HTML_TYPES + XML_TYPES
        return self._request(url, kinds=kinds, check_robots=True, retries=self.retries)

    def _request(
        self, url: str, *, kinds: tuple[str, ...] | None, check_robots: bool, retries: int
    ) -> Page:
        page = Page(url=url)
        current = url
        for _hop in range(self.max_redirects + 1):
            scheme = urlsplit(current).scheme.lower()
            if scheme not in ("http", "https"):
                page.reason = f"unsupported scheme {scheme or '(none)'} (only http and https)"
                return page
            if check_robots and not self.allowed(current):
                page.reason = "disallowed by robots.txt"
                page.final_url = current
                return page
            response = self._attempt(current, page, retries)
            if response is None:
                return page
            if response.status in (301, 302, 303, 307, 308) and response.headers.get("Location"):
                response.drain_conn()
                response.release_conn()
                current = urljoin(current, response.headers["Location"])
                continue
            page.final_url = current
            page.status = response.status
            page.content_type = (
                (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            )
            try:
                if response.status != 200:
                    page.reason = f"HTTP {response.status}"
                    page.retry_later = response.status in RETRY_STATUSES
                    return page
                if kinds is not None and page.content_type not in kinds:
                    page.reason = f"content type {page.content_type or '(none)'} is not HTML"
                    return page
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    page.reason = (
                        f"page larger than max_bytes={self.max_bytes} ({declared} bytes declared)"
                    )
                    return page
                page.body = self._read(response, page)
                return page
            finally:
                response.close()
        page.reason = f"more than {self.max_redirects} redirects"
        page.final_url = current
        return page

    def _read(self, response, page: Page) -> bytes | None:
        chunks, size = [], 0
        try:
            for chunk in response.stream(65536):
                size += len(chunk)
                if size > self.max_bytes:
                    page.reason = f"page larger than max_bytes={self.max_bytes}; abandoned"
                    return None
                chunks.append(chunk)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            page.reason = f"connection broken while reading: {type(exc).__name__}"
            page.retry_later = True
            return None
        return b"".join(chunks)

    def _attempt(self, url: str, page: Page, retries: int):
        """One request with retries; returns the response or None (``page.reason`` set)."""
        host = self._host(url)
        headers = {
            "User-Agent": self.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.5",
        }
        for attempt in range(retries + 1):
            if self.stop.is_set():
                page.reason = "collection interrupted"
                page.retry_later = True
                return None
            self._wait_turn(host)
            page.attempts += 1
            try:
                response = self._http.request(
                    "GET", url, headers=headers, preload_content=False, redirect=False
                )
            except urllib3.exceptions.TimeoutError as exc:
                reason = f"timeout ({type(exc).__name__})"
                wait = self.backoff * 2**attempt
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                reason = f"connection failed: {_short(exc)}"
                wait = self.backoff * 2**attempt
            else:
                if response.status not in RETRY_STATUSES or attempt == retries:
                    return response
                wait = retry_after(response.headers.get("Retry-After"))
                response.drain_conn()
                response.release_conn()
                if wait is None:
                    wait = self.backoff * 2**attempt
                elif wait > self.max_retry_after:
                    page.status = response.status
                    page.reason = (
                        f"HTTP {response.status}; Retry-After {wait:.0f}s exceeds max_retry_after"
                    )
                    page.retry_later = True
                    return None
                reason = f"HTTP {response.status}"
                page.status = response.status
            if attempt == retries:
                page.reason = reason
                page.retry_later = True
                return None
            self.stop.wait(wait)
        return None  # pragma: no cover


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    Examples
    --------
    >>> retry_after("3")
    3.0
    >>> retry_after(None) is None
    True
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _short(exc: BaseException) -> str:
    text = str(exc)
    return (text[:120] + "...") if len(text) > 120 else text or type(exc).__name__
