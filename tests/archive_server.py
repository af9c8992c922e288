"""A local stand-in for Common Crawl (CDX index, WARC files by Range) and the Wayback Machine.

It speaks the documented formats: ``/{crawl}-index?url=...&output=json``
(``showNumPages=true``: ``{"pages": N, ...}``; ``page=N``: JSON lines),
``/{filename}`` with ``Range: bytes=a-b`` (206), ``/cdx/search/cdx`` (a JSON
array, field names first; cut at ``limit=`` or ``wayback_cap``, ending with
``[]`` and ``[resumeKey]`` when ``showResumeKey=true`` and more are left, and
``resumeKey=`` going on after it) and ``/web/{timestamp}id_/{url}``. ``faults`` makes
an address misbehave (a status, a Retry-After, a slow answer, a whole file for
a range, a range cut short or corrupt); ``hits`` counts requests by path.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def member_starts(data: bytes) -> list[int]:
    starts, pos = [], 0
    while pos < len(data):
        starts.append(pos)
        inflater = zlib.decompressobj(31)
        inflater.decompress(data[pos:])
        pos = len(data) - len(inflater.unused_data)
    return starts


def cdx_of(path: Path, filename: str) -> list[dict]:
    """The CDX lines (Common Crawl's JSON fields) of every record of a per-record-gzipped WARC."""
    data = path.read_bytes()
    starts = member_starts(data) + [len(data)]
    lines = []
    for start, end in zip(starts, starts[1:], strict=False):
        plain = zlib.decompressobj(31).decompress(data[start:end])
        head, _, rest = plain.partition(b"\r\n\r\n")
        fields = dict(
            line.split(": ", 1) for line in head.decode().split("\r\n")[1:] if ": " in line
        )
        if fields.get("WARC-Type") not in ("response", "request"):
            continue
        status, mime = "-", "-"
        if fields["WARC-Type"] == "response":
            http = rest.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")
            status = http[0].split(" ")[1]
            for line in http[1:]:
                if line.lower().startswith("content-type:"):
                    mime = line.split(":", 1)[1].split(";")[0].strip()
        when = fields["WARC-Date"].replace("-", "").replace(":", "").replace("T", "")[:14]
        lines.append({
            "urlkey": "x", "timestamp": when, "url": fields["WARC-Target-URI"],
            "mime": mime, "status": status, "digest": fields.get("WARC-Payload-Digest", ""),
            "length": str(end - start), "offset": str(start), "filename": filename,
            "type": fields["WARC-Type"],
        })  # fmt: skip
    return lines


def in_domain(url: str, domain: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    return host == domain or host.endswith("." + domain)


class ArchiveServer:
    """The server and what it serves; ``reset()`` between tests."""

    def __init__(self):
        self.files: dict[str, bytes] = {}  # path (no leading /) -> bytes
        self.cc: list[dict] = []  # CDX lines of the crawl
        self.extra_lines: list[str] = []  # raw lines added to the last index page
        self.page_size = 3
        self.wayback: list[dict] = []  # {"url", "timestamp", "body"}
        self.wayback_cap: int | None = None  # rows a CDX answer holds at most (the server's cap)
        self.wayback_keys: str | None = None  # None, "same" or "endless": resume keys gone wrong
        self.reset()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def reset(self) -> None:
        self.faults: dict[str, str] = {}  # a substring of the path -> a fault
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fetched(self, part: str = "") -> int:
        """Requests whose path holds ``part`` (robots.txt not counted)."""
        return sum(n for p, n in self.hits.items() if part in p and "robots.txt" not in p)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def send(self, status, body=b"", ctype="text/plain", headers=()):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                with server.lock:
                    server.hits[self.path] = server.hits.get(self.path, 0) + 1
                    n = server.hits[self.path]
                target = f"{self.path}#{self.headers.get('Range', '')}"  # a fault may name a range
                fault = next((f for p, f in server.faults.items() if p in target), None)
                if fault is not None and self._fault(fault, n):
                    return
                parts = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(parts.query)
                if parts.path.endswith("-index"):
                    return self._index(query)
                if parts.path == "/cdx/search/cdx":
                    return self._wayback_cdx(query)
                if parts.path.startswith("/web/"):
                    return self._archived(self.path[len("/web/") :])
                data = server.files.get(parts.path.lstrip("/"))
                if data is None:
                    return self.send(404, b"not found")
                return self._range(data, fault)

            def _fault(self, fault: str, n: int) -> bool:
                """Answer with the fault (True), or let the request through (False)."""
                if fault in ("403", "404", "503"):
                    self.send(int(fault), b"no")
                    return True
                if fault == "429-once" and n == 1:
                    self.send(429, b"slow down", headers=[("Retry-After", "1")])
                    return True
                if fault == "429-long":
                    self.send(429, b"slow down", headers=[("Retry-After", "3600")])
                    return True
                if fault == "slow":
                    time.sleep(1.5)
                    return False
                return False

            def _index(self, query):
                domain = query["url"][0].removesuffix("/*").lstrip("*.")
                lines = [json.dumps(c) for c in server.cc if in_domain(c["url"], domain)]
                pages = max(1, -(-len(lines) // server.page_size))
                if query.get("showNumPages") == ["true"]:
                    body = json.dumps({"pages": pages, "pageSize": server.page_size, "blocks": 1})
                    return self.send(200, body.encode(), "application/json")
                page = int(query.get("page", ["0"])[0])
                chosen = lines[page * server.page_size : (page + 1) * server.page_size]
                if page == pages - 1:
                    chosen += server.extra_lines
                self.send(200, "\n".join(chosen).encode() + b"\n", "text/x-ndjson")

            def _range(self, data: bytes, fault: str | None):
                spec = self.headers.get("Range", "")
                if fault == "whole" or not spec.startswith("bytes="):
                    return self.send(200, data, "application/octet-stream")
                first, last = (int(x) for x in spec[6:].split("-"))
                body = data[first : last + 1]
                if fault == "short":
                    body = body[: len(body) // 2]
                if fault == "shifted":  # the bytes after the ones asked for, said so
                    first, last = first + 1, last + 1
                    body = data[first : last + 1]
                if fault == "corrupt":
                    body = body[:20] + bytes(b ^ 0x5A for b in body[20:60]) + body[60:]
                self.send(206, body, "application/octet-stream",
                          [("Content-Range", f"bytes {first}-{last}/{len(data)}")])  # fmt: skip

            def _wayback_cdx(self, query):
                domain = query["url"][0].removesuffix("/*").lstrip("*.")
                found = sorted((c["url"], c["timestamp"], c.get("digest", c["timestamp"]))
                               for c in server.wayback if in_domain(c["url"], domain))  # fmt: skip
                after = query.get("resumeKey", [None])[0]  # decoded once, as a servlet does
                if after is not None and server.wayback_keys is None:  # rows past the key's
                    found = [f for f in found if f"{f[0]} {f[1]}!" > after]
                limit = int(query.get("limit", ["150000"])[0])
                cap = min(limit, server.wayback_cap or limit)  # the server's own cap, if lower
                rows = [["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest",
                         "length"]]  # fmt: skip
                rows += [["k", ts, url, "text/html", "200", digest, "100"]
                         for url, ts, digest in found[:cap]]  # fmt: skip
                more = len(found) > cap
                if query.get("showResumeKey") == ["true"] and (more or server.wayback_keys):
                    last = found[cap - 1] if found[:cap] else ("", "")
                    key = urllib.parse.quote_plus(f"{last[0]} {last[1]}!")  # as URLEncoder
                    if server.wayback_keys == "same":  # a broken server: one key forever
                        key = "same-key%21"
                    elif server.wayback_keys == "endless":  # a new key forever
                        key = f"k{server.fetched('/cdx/search/cdx')}%21"
                    rows += [[], [key]]
                self.send(200, json.dumps(rows).encode(), "application/json")

            def _archived(self, rest: str):
                stamp, _, url = rest.partition("id_/")
                for c in server.wayback:
                    if c["timestamp"] == stamp and c["url"] == url:
                        if "redirect" in c:
                            return self.send(302, b"", headers=[("Location", c["redirect"])])
                        return self.send(200, c["body"], "text/html; charset=utf-8")
                return self.send(404, b"not archived")

        return Handler
