"""A polite client for counting services (Media Cloud, GDELT): rate limit, disk cache, quota, retries.

One :class:`Service` per service and run. Every answer it accepts is cached on
disk under ``cache_dir``, keyed by the request's URL and parameters (never the
token, which travels in a header and is never written anywhere), so a rerun
asks the service only for what it does not have yet. Requests are spaced by
``interval`` seconds (the time of the last one is kept on disk, so two runs in
a row stay polite), counted against a weekly ``quota`` on disk, and retried on
429 and 5xx answers after the ``Retry-After`` the service asked for
(:func:`ddj.collecting.fetch.retry_after`) or a doubling backoff. A body is
read in pieces and abandoned past ``max_bytes``.

The clock and the sleeper are parameters, so tests check the waits asked for
without waiting.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import urllib3

from ddj.cache import cache_dir as default_cache_dir
from ddj.collecting.fetch import retry_after
from ddj.errors import DdjError

#: Largest answer read from a service (a GDELT list of 250 articles is ~100 KB).
MAX_BYTES = 20 * 1024 * 1024
#: Longest wait for one Retry-After before giving up (the rerun resumes from the cache).
MAX_WAIT = 15 * 60.0
WEEK = 7 * 86400.0
_CHUNK = 65536
_RETRY = frozenset({429, 500, 502, 503, 504})


class ServiceError(DdjError):
    """A service refused, failed or answered something unreadable; the message says which and what to do."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class QuotaError(ServiceError):
    """A job would pass the service's quota; raised before its first request."""


@dataclass
class Service:
    """A counted, cached, rate-limited service at ``base_url``.

    Parameters
    ----------
    name
        Shown in messages ("Media Cloud").
    base_url
        The service's address; paths are appended to it.
    interval
        Seconds between two requests (30 for 2 a minute).
    quota
        Requests allowed per 7 days, counted on disk; None for no quota.
    headers
        Sent with every request and never cached or written (the token).
    cache_dir
        Folder of the cache and the request log (default: ddj's cache folder).
    clock, sleep
        ``time.time`` and ``time.sleep`` unless a test gives others.
    """

    name: str
    base_url: str
    interval: float
    quota: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    cache_dir: Path | None = None
    timeout: float = 60.0
    retries: int = 3
    max_bytes: int = MAX_BYTES
    max_wait: float = MAX_WAIT
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0  # made in this run (cache hits not counted)
    cached: int = 0  # answers taken from the cache in this run

    def __post_init__(self) -> None:
        root = Path(self.cache_dir) if self.cache_dir else default_cache_dir()
        slug = hashlib.sha256(self.base_url.encode()).hexdigest()[:12]
        self.folder = root / "services" / f"{self.name.lower().replace(' ', '-')}-{slug}"
        self._http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(self.timeout))

    # -- quota ------------------------------------------------------------------------------

    def _log(self) -> list[float]:
        path = self.folder / "requests.json"
        try:
            times = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        if not isinstance(times, list):
            return []
        now = self.clock()
        return [float(t) for t in times if isinstance(t, (int, float)) and now - t < WEEK]

    def used(self) -> int:
        """Requests made to this service in the last 7 days (from the log on disk)."""
        return len(self._log())

    def check_quota(self, needed: int, job: str) -> None:
        """Raise :class:`QuotaError` before a job that needs ``needed`` more requests than are left."""
        if self.quota is None:
            return
        used = self.used()
        if used + needed > self.quota:
            msg = (
                f"{job} needs up to {needed} {self.name} requests; {used} of the weekly quota of "
                f"{self.quota} are used in the last 7 days, so it would pass the quota. Ask for "
                "less (a shorter window, fewer stories) or wait: answers already fetched stay cached."
            )
            raise QuotaError(msg)

    def _book(self) -> None:
        """Wait for this service's turn, then log the request (on disk, for the rate and quota)."""
        times = self._log()
        if times:
            wait = times[-1] + self.interval - self.clock()
            if wait > 0:
                self.sleep(wait)
        if self.quota is not None and len(times) >= self.quota:
            msg = (
                f"The weekly quota of {self.quota} {self.name} requests is used up; answers "
                "fetched so far are cached, and a rerun after the quota frees resumes from them."
            )
            raise QuotaError(msg)
        times.append(self.clock())
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / "requests.json.tmp"
        tmp.write_text(json.dumps(times[-100_000:]), encoding="utf-8")
        os.replace(tmp, self.folder / "requests.json")
        self.requests += 1

    # -- requests ---------------------------------------------------------------------------

    def url(self, path: str, params: Mapping[str, Any]) -> str:
        """The request's address (what the cache is keyed by; the token is not in it)."""
        query = urlencode([(k, str(v)) for k, v in params.items() if v is not None])
        return self.base_url.rstrip("/") + ("/" + path.lstrip("/") if path else "") + "?" + query

    def get(self, path: str, params: Mapping[str, Any], parse: Callable[[bytes], Any]) -> Any:
        """``parse`` of the answer to ``path?params``: from the cache, else from the service.

        ``parse`` turns the body into a value or raises :class:`ServiceError`
        (a plain-text error, malformed JSON); only answers it accepts are cached.
        """
        url = self.url(path, params)
        key = hashlib.sha256(url.encode()).hexdigest()
        cached = self.folder / "answers" / f"{key}.json"
        if cached.is_file():
            try:
                body = json.loads(cached.read_text(encoding="utf-8"))["body"].encode()
                value = parse(body)
            except (OSError, ValueError, KeyError, TypeError, ServiceError):
                cached.unlink(missing_ok=True)  # a damaged cache entry is fetched again
            else:
                self.cached += 1
                return value
        body = self._fetch(url)
        value = parse(body)
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        text = body.decode("utf-8", errors="replace")
        tmp.write_text(json.dumps({"url": url, "body": text}), encoding="utf-8")
        os.replace(tmp, cached)
        return value

    def _fetch(self, url: str) -> bytes:
        last = ""
        for attempt in range(self.retries + 1):
            self._book()
            try:
                response = self._http.request(
                    "GET", url, headers=dict(self.headers), preload_content=False, redirect=False
                )
            except urllib3.exceptions.HTTPError as exc:
                last = f"no answer ({type(exc).__name__}: timed out or refused)"
                if attempt < self.retries:
                    self.sleep(self._backoff(attempt))
                continue
            try:
                status = response.status
                if status == 200:
                    return self._read(response, url)
                wait = retry_after(response.headers.get("Retry-After"))
            finally:
                response.release_conn()
            if status in (401, 403):
                what = "refused the token" if status == 401 else "forbade the request"
                msg = (
                    f"{self.name} {what} (HTTP {status}) for {url}: check the API key in the "
                    "environment (it is read only from there) and that your account may make "
                    "this request; for a 403, the weekly quota may be used up."
                )
                raise ServiceError(msg, status)
            if status not in _RETRY:
                msg = (
                    f"{self.name} answered HTTP {status} for {url}; check the query and the dates."
                )
                raise ServiceError(msg, status)
            last = f"HTTP {status}"
            if attempt == self.retries:
                break
            if wait is not None and wait > self.max_wait:
                msg = (
                    f"{self.name} asked to wait {wait:.0f} s (Retry-After) for {url}, more than "
                    f"{self.max_wait:.0f} s: run again later; answers fetched so far are cached."
                )
                raise ServiceError(msg, status)
            self.sleep(max(wait if wait is not None else self._backoff(attempt), 0.0))
        msg = (
            f"{self.name} failed {self.retries + 1} times for {url} ({last}): run again later; "
            "answers fetched so far are cached and a rerun resumes from them."
        )
        raise ServiceError(msg)

    def _backoff(self, attempt: int) -> float:
        return min(self.interval * 2**attempt, self.max_wait)

    def _read(self, response, url: str) -> bytes:
        chunks, size = [], 0
        try:
            for chunk in response.stream(_CHUNK, decode_content=True):
                size += len(chunk)
                if size > self.max_bytes:
                    msg = (
                        f"{self.name}'s answer for {url} passed {self.max_bytes:,} bytes; "
                        "ask for a shorter window."
                    )
                    raise ServiceError(msg, 200)
                chunks.append(chunk)
        except urllib3.exceptions.HTTPError as exc:
            msg = f"{self.name}'s answer for {url} broke off ({type(exc).__name__}); run again."
            raise ServiceError(msg, 200) from None
        return b"".join(chunks)


def json_answer(name: str, url_hint: str = "") -> Callable[[bytes], Any]:
    """A ``parse`` for :meth:`Service.get`: JSON, else a :class:`ServiceError` quoting the start."""

    def parse(body: bytes) -> Any:
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            start = body[:160].decode("utf-8", errors="replace").strip().replace("\n", " ")
            msg = f"{name} answered something that is not JSON{url_hint}: {start!r}"
            raise ServiceError(msg) from None

    return parse
