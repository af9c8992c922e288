"""A Datawrapper chart of the same data as a ddj chart, through Datawrapper's documented v3 API.

``ddj.publish(..., datawrapper=True)`` (``ddj coverage --datawrapper``) calls
:func:`send`. The first time, it creates a chart (``POST /v3/charts`` with the
title and type), then for each run uploads the data (``PUT
/v3/charts/{id}/data``, the wide CSV Datawrapper imports), sets the texts
(``PATCH /v3/charts/{id}``: title, ``describe.intro`` (the subtitle),
``describe.source-name``, ``describe.byline``, ``describe.aria-description``
(the alt text) and ``annotate.notes``; every text but the alt text HTML-escaped, as
Datawrapper reads them as HTML), and publishes (``POST
/v3/charts/{id}/publish``). The chart's id (never the token) is kept beside the
files in ``slug.datawrapper.json``; the next run updates that chart.

The token is read only from ``DATAWRAPPER_ACCESS_TOKEN`` and is sent only in
the ``Authorization: Bearer`` header; the address is ``base_url=``, else
``DDJ_DATAWRAPPER_URL``, else ``https://api.datawrapper.de``. A missing token,
a refused token (401/403), too many requests (429, waited for as its
``Retry-After`` says, at most ``MAX_WAIT`` seconds and ``MAX_TRIES`` tries), a
server error, a timeout or an answer that is not JSON is one
:class:`DatawrapperWarning` saying what to do; the local files are written
anyway.

Examples
--------
>>> api_url(None)
'https://api.datawrapper.de'
"""

from __future__ import annotations

import json
import os
import re
import time
import warnings
from pathlib import Path
from typing import Any

import urllib3

from ddj.errors import DdjWarning
from ddj.escaping import html_attribute
from ddj.utils import atomic_write

TOKEN_ENV = "DATAWRAPPER_ACCESS_TOKEN"
URL_ENV = "DDJ_DATAWRAPPER_URL"
DEFAULT_URL = "https://api.datawrapper.de"
#: Datawrapper's chart type for a line chart.
CHART_TYPE = "d3-lines"
#: Seconds to connect and to read one answer.
TIMEOUT = 20.0
#: Tries of one call when the server says 429 or 5xx, and the longest wait between two (seconds).
MAX_TRIES = 3
MAX_WAIT = 30.0
#: Largest answer read (bytes); a chart's JSON is a few KB.
MAX_ANSWER = 2_000_000
_ID = re.compile(r"[A-Za-z0-9]{1,32}")


class DatawrapperWarning(DdjWarning):
    """The Datawrapper chart could not be made or updated; the local files are written."""


class _Failed(Exception):
    """One call failed: the message says what to do."""


def api_url(base_url: str | None) -> str:
    """The API's address: ``base_url``, else ``DDJ_DATAWRAPPER_URL``, else the public API."""
    url = base_url or os.environ.get(URL_ENV) or DEFAULT_URL
    if not re.match(r"https?://[^\s/]+", url):
        msg = f"The Datawrapper address {url!r} is not an http(s) URL: set {URL_ENV} or base_url= to one."
        raise _Failed(msg)
    return url.rstrip("/")


def id_file(out_dir: str | os.PathLike, slug: str) -> Path:
    """Where the chart's id is kept: ``slug.datawrapper.json`` beside the files."""
    return Path(out_dir) / f"{slug}.datawrapper.json"


def send(
    out_dir: str | os.PathLike,
    slug: str,
    *,
    csv: str,
    title: str,
    subtitle: str = "",
    source: str = "",
    notes: str = "",
    byline: str = "",
    alt_text: str = "",
    base_url: str | None = None,
    sleep: Any = time.sleep,
) -> dict[str, Any] | None:
    """Create (or update) the Datawrapper chart of ``slug`` and publish it; its id and URL, or None.

    Parameters
    ----------
    out_dir, slug
        Where the publish bundle is: the id is read from and kept in
        ``slug.datawrapper.json`` there.
    csv
        The data as Datawrapper imports it (a date column, a column per series).
    title, subtitle, source, notes, byline, alt_text
        The chart's texts (``alt_text`` becomes its ``aria-description``).
    base_url
        The API's address (default: ``DDJ_DATAWRAPPER_URL``, else the public API).
    sleep
        How to wait before a retry (tests pass their own).

    Returns
    -------
    dict or None
        ``{"id", "url", "created"}``; None when it failed (a :class:`DatawrapperWarning` says why).
    """
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        _warn(
            f"No Datawrapper chart made: {TOKEN_ENV} is not set. Create a token with the "
            "chart:read and chart:write scopes at app.datawrapper.de/account/api-tokens and "
            f"export {TOKEN_ENV}=... ; the local files are written."
        )
        return None
    try:
        api = _Api(api_url(base_url), token, sleep)
        kept = _kept_id(id_file(out_dir, slug))
        chart_id, created = kept, False
        if chart_id is None or api.call("GET", f"/v3/charts/{chart_id}", missing_ok=True) is None:
            answer = api.call(
                "POST", "/v3/charts", {"title": html_attribute(title), "type": CHART_TYPE}
            )
            chart_id, created = _chart_id(answer), True
        api.call("PUT", f"/v3/charts/{chart_id}/data", csv.encode("utf-8"), content="text/csv")
        h = html_attribute  # Datawrapper reads these texts as HTML: a corpus's text shows as text
        describe = {
            "intro": h(subtitle), "source-name": h(source), "byline": h(byline),
            "aria-description": alt_text,
        }  # fmt: skip
        metadata = {"describe": describe, "annotate": {"notes": h(notes)}}
        api.call("PATCH", f"/v3/charts/{chart_id}", {"title": h(title), "metadata": metadata})
        published = api.call("POST", f"/v3/charts/{chart_id}/publish") or {}
    except _Failed as exc:
        _warn(f"No Datawrapper chart made or updated: {exc} The local files are written.")
        return None
    data = published.get("data") if isinstance(published.get("data"), dict) else published
    url = data.get("publicUrl") or published.get("url")
    record = {"id": chart_id, "url": url if isinstance(url, str) else None, "created": created}
    atomic_write(id_file(out_dir, slug), json.dumps(record, indent=2) + "\n")
    return record


class _Api:
    """Calls to one Datawrapper API with one token: bounded, retried on 429 and 5xx."""

    def __init__(self, base: str, token: str, sleep: Any) -> None:
        self.base, self.sleep = base, sleep
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.http = urllib3.PoolManager(
            retries=False, timeout=urllib3.Timeout(connect=TIMEOUT, read=TIMEOUT)
        )

    def call(
        self, method: str, path: str, body: Any = None, *, content: str = "application/json",
        missing_ok: bool = False,
    ) -> dict | None:  # fmt: skip
        """The JSON answer of one call (None for an empty one, or a 404 when ``missing_ok``)."""
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = content
            body = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        where = f"{method} {path}"
        for attempt in range(1, MAX_TRIES + 1):
            try:
                answer = self.http.request(
                    method, self.base + path, body=body, headers=headers, preload_content=False,
                    redirect=False,
                )  # fmt: skip
                raw = answer.read(MAX_ANSWER + 1, decode_content=True)
                answer.release_conn()
            except urllib3.exceptions.HTTPError as exc:
                kind = "timed out" if "timed out" in str(exc).lower() else "could not connect"
                msg = f"{where} {kind} ({type(exc).__name__}); check {URL_ENV} and the network."
                raise _Failed(msg) from None
            status = answer.status
            if status == 404 and missing_ok:
                return None
            if status in (401, 403):
                msg = f"{where} was refused ({status}): check that {TOKEN_ENV} is a valid token with chart:write."
                raise _Failed(msg)
            if status == 429 or status >= 500:
                if attempt == MAX_TRIES:
                    what = "too many requests (429)" if status == 429 else f"server error {status}"
                    msg = f"{where}: {what} after {MAX_TRIES} tries; try again later."
                    raise _Failed(msg)
                self.sleep(_wait(answer.headers.get("Retry-After"), attempt))
                continue
            return _parsed(where, status, raw)
        raise AssertionError("unreachable")  # pragma: no cover


def _parsed(where: str, status: int, raw: bytes) -> dict | None:
    """The JSON object of a 2xx answer (None when empty); anything else fails with what to do."""
    if status >= 300:
        msg = f"{where} answered {status}; the API did not accept the chart."
        raise _Failed(msg)
    if len(raw) > MAX_ANSWER:
        msg = f"{where} answered more than {MAX_ANSWER:,} bytes: not Datawrapper's API?"
        raise _Failed(msg)
    if not raw.strip():
        return None
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        msg = f"{where} answered something that is not JSON: is {URL_ENV} Datawrapper's API?"
        raise _Failed(msg) from None
    if not isinstance(value, dict):
        msg = f"{where} answered JSON that is not an object: is {URL_ENV} Datawrapper's API?"
        raise _Failed(msg)
    return value


def _wait(retry_after: str | None, attempt: int) -> float:
    """Seconds before a retry: ``Retry-After`` (seconds) when given, else 1, 2, 4..., at most ``MAX_WAIT``."""
    try:
        seconds = float(retry_after) if retry_after is not None else 2.0 ** (attempt - 1)
    except ValueError:
        seconds = 2.0 ** (attempt - 1)
    return min(max(seconds, 0.0), MAX_WAIT) if seconds == seconds else MAX_WAIT


def _chart_id(answer: dict | None) -> str:
    value = (answer or {}).get("id")
    if not isinstance(value, str) or not _ID.fullmatch(value):
        msg = "POST /v3/charts answered no chart id: is this Datawrapper's API?"
        raise _Failed(msg)
    return value


def _kept_id(path: Path) -> str | None:
    """The id kept by an earlier run, or None (no file, or not one ddj wrote)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(10_000)
        value = json.loads(raw).get("id")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and _ID.fullmatch(value) else None


def _warn(message: str) -> None:
    warnings.warn(message, DatawrapperWarning, stacklevel=3)
