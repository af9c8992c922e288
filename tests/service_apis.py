"""One local server on 127.0.0.1 speaking Media Cloud's search API (v4) and GDELT's DOC 2.0 API.

Answers follow the services' documented formats: Media Cloud's
``{"count_over_time": {"counts": [{"date", "count", "total_count", "ratio"}]}}`` and
``{"stories": [...], "pagination_token": ...}``; GDELT's ``timelinevolraw``
``{"timeline": [{"series", "data": [{"date": "YYYYMMDDTHHMMSSZ", "value", "norm"}]}]}`` and
``artlist`` ``{"articles": [{"url", "title", "seendate", "domain", "language", ...}]}``.
A test can queue failures (``server.fail(prefix, status, body, headers, delay)``): the
next request whose path starts with ``prefix`` gets it.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pandas as pd

TOKEN = "test-token-not-real-42"
MC = "/mc/api/"
GDELT = "/api/v2/doc/doc"


def mc_day(day: pd.Timestamp) -> tuple[int, int]:
    """Matching and all stories Media Cloud's fake index holds on a day."""
    return (day.day % 5) + 1, 100 + day.day


def gdelt_day(day: pd.Timestamp) -> tuple[int, int]:
    """Matching and all articles GDELT's fake monitor saw on a day."""
    return 2 * (day.day % 3), 1000 + day.day


def gdelt_listed(start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Articles GDELT lists in a window: more than the cap in windows longer than 6 hours."""
    return 250 if (end - start) > pd.Timedelta(hours=6) else 40


class ServiceServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.failures: list[tuple[str, int, bytes, dict, float]] = []
        self.seen: list[tuple[str, dict]] = []  # (path?query, headers)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def fail(self, prefix: str, status: int, body: bytes = b"", headers=None, delay: float = 0.0):
        with self.lock:
            self.failures.append((prefix, status, body, dict(headers or {}), delay))

    def reset(self) -> None:
        with self.lock:
            self.failures.clear()
            self.seen.clear()


class _Handler(BaseHTTPRequestHandler):
    server: ServiceServer

    def log_message(self, *args):
        pass

    def do_GET(self):
        with self.server.lock:
            self.server.seen.append((self.path, dict(self.headers)))
            failure = next((f for f in self.server.failures if self.path.startswith(f[0])), None)
            if failure:
                self.server.failures.remove(failure)
        if failure:
            _, status, body, headers, delay = failure
            if delay:
                time.sleep(delay)
            return self._send(status, body, headers)
        parts = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path.startswith(MC):
            if self.headers.get("Authorization") != f"Token {TOKEN}":
                return self._send(401, b'{"detail": "Invalid token."}')
            if parts.path == MC + "search/count-over-time":
                return self._json(self._mc_counts(q))
            if parts.path == MC + "search/story-list":
                return self._json(self._mc_stories(q))
        if parts.path == GDELT:
            if len(q.get("query", "")) < 3:
                return self._send(200, b"Your search contained a keyword that was too short.")
            if q.get("mode") == "timelinevolraw":
                return self._json(self._gdelt_timeline(q))
            if q.get("mode") == "artlist":
                return self._json(self._gdelt_list(q))
        return self._send(404, b"not found")

    def _mc_counts(self, q):
        days = pd.date_range(q["start"], q["end"], freq="D")
        counts = []
        for d in days:
            count, total = mc_day(d)
            counts.append(
                {
                    "date": d.strftime("%Y-%m-%d"),
                    "count": count,
                    "total_count": total,
                    "ratio": count / total,
                }
            )
        return {"count_over_time": {"counts": counts, "total": sum(c["count"] for c in counts)}}

    def _mc_stories(self, q):
        page = 2 if q.get("pagination_token") == "page-2" else 1
        stories = [
            {
                "id": f"s{page}-{i}",
                "media_name": "example.org",
                "media_url": "https://example.org",
                "title": f"Story {page}-{i} <script>alert(1)</script>",
                "publish_date": f"2024-10-0{page + i}",
                "url": f"https://example.org/{page}/{i}",
                "language": "en",
                "indexed_date": "2024-10-09T00:00:00",
            }
            for i in range(3)
        ]
        return {"stories": stories, "pagination_token": "page-2" if page == 1 else None}

    def _gdelt_timeline(self, q):
        lo = pd.to_datetime(q["startdatetime"], format="%Y%m%d%H%M%S")
        hi = pd.to_datetime(q["enddatetime"], format="%Y%m%d%H%M%S")
        data = []
        for d in pd.date_range(lo.normalize(), hi.normalize(), freq="D"):
            value, norm = gdelt_day(d)
            data.append({"date": d.strftime("%Y%m%dT%H%M%SZ"), "value": value, "norm": norm})
        return {
            "query_details": {"title": q["query"]},
            "timeline": [{"series": "Article Count", "data": data}],
        }

    def _gdelt_list(self, q):
        lo = pd.to_datetime(q["startdatetime"], format="%Y%m%d%H%M%S")
        hi = pd.to_datetime(q["enddatetime"], format="%Y%m%d%H%M%S") + pd.Timedelta(seconds=1)
        n = gdelt_listed(lo, hi)
        step = (hi - lo) / n
        arts = [
            {
                "url": f"https://news.example.net/{(lo + i * step).strftime('%Y%m%d%H%M%S')}/{i}",
                "url_mobile": "",
                "title": f"GDELT article {i}",
                "seendate": (lo + i * step).strftime("%Y%m%dT%H%M%SZ"),
                "socialimage": "",
                "domain": "news.example.net",
                "language": "English",
                "sourcecountry": "United Kingdom",
            }
            for i in range(n)
        ]
        return {"articles": arts}

    def _json(self, value):
        self._send(200, json.dumps(value).encode(), {"Content-Type": "application/json"})

    def _send(self, status, body, headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass


def serve() -> ServiceServer:
    server = ServiceServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
