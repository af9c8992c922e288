"""How a collection fetches: one frozen, checked :class:`FetchSettings` value.

It travels whole from ``ddj collect``'s flags or ``ddj.collect``'s keywords to
the :class:`~ddj.collecting.fetch.Fetcher`, so each limit is named and checked
in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from ddj.constants import VERSION
from ddj.errors import ParameterError

DEFAULT_CONTACT = "set contact= in ddj.collect"
#: Largest remote WARC file copied, by default (bytes): ``--warc-max-bytes``.
WARC_MAX_BYTES = 2_000_000_000
#: Seconds one remote WARC file may take in all, by default: ``--warc-deadline``.
WARC_DEADLINE = 1800.0


@dataclass(frozen=True, kw_only=True)
class FetchSettings:
    """How politely and how far a :class:`Fetcher` fetches: one value, checked once.

    :func:`ddj.collect` takes one (``fetch=FetchSettings(rate=2)``) or its
    fields as keywords (``ddj.collect(..., rate=2)``); ``ddj collect`` builds
    one from its flags.

    Parameters
    ----------
    rate
        Requests per second per host (``None`` or ``0`` lifts the limit).
    contact
        An email or URL put in the User-Agent, so site owners can reach you.
    robots
        Respect ``robots.txt`` (default), as RFC 9309 says: read up to
        500 KiB (through up to 5 redirects); a 4xx answer allows everything; a
        5xx answer, or a host that cannot be reached, disallows everything (the
        pages are tried again on a later run). ``False`` is an opt-out for sites
        you have permission to crawl; every page is then fetched regardless.
    connect_timeout, read_timeout
        Seconds to open a connection and to wait between bytes.
    deadline
        Seconds one page may take in all (connecting, its host's robots.txt,
        redirects, retries and their waits, headers and body; not the wait for
        the host's turn under ``rate`` or a ``Crawl-delay``): a server that sends
        a byte a second, with or without a length, is cut off when it passes,
        and a retry that could not start before it is not waited for.
    retries
        Extra attempts after a 429, a 5xx, a timeout or a dropped connection.
    backoff
        First wait in seconds before a retry; doubled on every attempt. A
        ``Retry-After`` header is honoured instead when present.
    max_retry_after
        Longest ``Retry-After`` wait accepted; a server asking for longer is
        recorded as a failure to retry on a later run.
    max_bytes
        Largest body read, and largest once a compressed body is expanded; a
        larger or endless page is abandoned.
    max_redirects
        Redirect hops followed before giving up.
    allow_private
        Let any page lead to private, loopback and link-local addresses (by
        default only the hosts the user started from may be on them).
    warc_max_bytes
        Largest remote WARC file copied (``https://``, ``s3://``; default 2 GB):
        a larger one is a failure row, and its temporary copy never grows past it.
    warc_deadline
        Seconds one remote WARC file may take in all (default 1,800), however
        slowly the server sends it; past it the file is a failure row.

    Raises
    ------
    ParameterError
        A negative rate, retries or redirect limit, or a size or deadline that is not positive.

    Examples
    --------
    >>> FetchSettings(rate=2, contact="desk@example.org").user_agent  # doctest: +ELLIPSIS
    'ddj/... (+desk@example.org)'
    >>> FetchSettings(retries=-1)
    Traceback (most recent call last):
    ...
    ddj.errors.ParameterError: retries=-1 must be 0 or more
    """

    rate: float | None = 1.0
    contact: str | None = None
    robots: bool = True
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    deadline: float = 60.0
    retries: int = 3
    backoff: float = 1.0
    max_retry_after: float = 120.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    allow_private: bool = False
    warc_max_bytes: int = WARC_MAX_BYTES
    warc_deadline: float = WARC_DEADLINE

    def __post_init__(self) -> None:
        """Check every field once, as it is set."""
        _check(self.rate, self.retries, self.max_redirects, self.max_bytes, self.deadline)
        check_warc_limits(self.warc_max_bytes, self.warc_deadline)

    @property
    def user_agent(self) -> str:
        """``ddj/VERSION (+contact)``: who is asking, and how to reach them."""
        return f"ddj/{VERSION} (+{self.contact or DEFAULT_CONTACT})"

    @classmethod
    def of(cls, settings: FetchSettings | None = None, **options: object) -> FetchSettings:
        """``settings`` (default: the defaults) with ``options`` replacing fields.

        Raises
        ------
        ParameterError
            An option that is not a field, named with the fields there are.
        """
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(options) - set(names))
        if unknown:
            message = (
                f"unknown fetch option(s) {', '.join(unknown)}: give any of {', '.join(names)}"
            )
            raise ParameterError(message)
        return replace(settings or cls(), **options)


def _check(rate, retries, max_redirects, max_bytes, deadline) -> None:
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
    if not deadline > 0:
        message = f"deadline={deadline!r} must be a positive number of seconds a page may take"
        raise ParameterError(message)


def check_warc_limits(warc_max_bytes: int, warc_deadline: float) -> None:
    """Refuse a remote WARC size cap or deadline that is not positive (a :class:`ParameterError`)."""
    if not warc_max_bytes > 0:
        message = f"warc_max_bytes={warc_max_bytes!r} must be a positive number of bytes"
        raise ParameterError(message)
    if not warc_deadline > 0:
        message = (
            f"warc_deadline={warc_deadline!r} must be a positive number of seconds "
            "one remote WARC file may take"
        )
        raise ParameterError(message)
