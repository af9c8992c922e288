"""Datawrapper's v3 API, spoken by a local server on 127.0.0.1: create, update, and every failure."""

import json
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import ddj
from ddj import datawrapper as dw
from ddj.cli import main
from ddj.datawrapper import DatawrapperWarning, send

TOKEN = "dw-secret-token-3f9a1c"


class Api:
    """What the local Datawrapper has seen and how it should answer next."""

    def __init__(self):
        self.calls = []
        self.charts = {}
        self.fail = []  # (status, headers, body) answered before the normal one, first first
        self.slow = 0.0

    def reset(self):
        self.calls.clear()
        self.fail.clear()
        self.slow = 0.0


@pytest.fixture(scope="module")
def api():
    state = Api()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.calls.append(
                {
                    "method": self.command, "path": self.path, "auth": self.headers.get("Authorization"),
                    "type": self.headers.get("Content-Type"), "body": body,
                }
            )  # fmt: skip
            if state.slow:
                time.sleep(state.slow)
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._send(401, {"message": "Unauthorized"})
            if state.fail:
                status, headers, raw = state.fail.pop(0)
                return self._send(status, raw, headers)
            parts = self.path.strip("/").split("/")  # v3 charts [id [data|publish]]
            if self.command == "POST" and parts == ["v3", "charts"]:
                chart_id = f"Ab{len(state.charts) + 1}x9"
                state.charts[chart_id] = {"id": chart_id, **json.loads(body)}
                return self._send(201, state.charts[chart_id])
            chart = state.charts.get(parts[2]) if len(parts) > 2 else None
            if chart is None:
                return self._send(404, {"message": "Not found"})
            if self.command == "GET" and len(parts) == 3:
                return self._send(200, chart)
            if self.command == "PUT" and parts[3:] == ["data"]:
                chart["data"] = body.decode("utf-8")
                return self._send(204, b"")
            if self.command == "PATCH" and len(parts) == 3:
                chart.update(json.loads(body))
                return self._send(200, chart)
            if self.command == "POST" and parts[3:] == ["publish"]:
                url = f"https://datawrapper.dwcdn.net/{chart['id']}/1/"
                return self._send(200, {"data": {**chart, "publicUrl": url}, "version": 1})
            return self._send(405, {"message": "Method not allowed"})

        def _send(self, status, payload, headers=None):
            raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_PUT = do_PATCH = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def token(monkeypatch, api):
    api.reset()
    monkeypatch.setenv(dw.TOKEN_ENV, TOKEN)
    monkeypatch.delenv(dw.URL_ENV, raising=False)
    return TOKEN


def _send(tmp_path, api, **kw):
    waits = []
    texts = {
        "csv": "date,Hong Kong\r\n2024-01-01,1.5\r\n",
        "title": "Hong Kong",
        "source": "Source: A",
    }
    record = send(tmp_path, "hk", base_url=api.url, sleep=waits.append, **{**texts, **kw})
    return record, waits


def test_round_trip_creates_then_updates_the_same_chart(tmp_path, api, token):
    first, _ = _send(
        tmp_path, api, subtitle="Share of articles", notes="Bands: <a href=x>Wilson</a>.",
        alt_text="Line chart.",
    )  # fmt: skip
    assert first["created"] is True and first["url"].endswith(f"/{first['id']}/1/")
    assert [(c["method"], c["path"]) for c in api.calls] == [
        ("POST", "/v3/charts"),
        ("PUT", f"/v3/charts/{first['id']}/data"),
        ("PATCH", f"/v3/charts/{first['id']}"),
        ("POST", f"/v3/charts/{first['id']}/publish"),
    ]
    assert all(c["auth"] == f"Bearer {TOKEN}" for c in api.calls)
    chart = api.charts[first["id"]]
    assert chart["type"] == "d3-lines" and chart["data"].startswith("date,Hong Kong")
    assert api.calls[1]["type"] == "text/csv"
    assert chart["metadata"]["describe"] == {
        "intro": "Share of articles", "source-name": "Source: A", "byline": "",
        "aria-description": "Line chart.",
    }  # fmt: skip
    assert chart["metadata"]["annotate"]["notes"] == "Bands: &lt;a href=x&gt;Wilson&lt;/a&gt;."
    kept = json.loads((tmp_path / "hk.datawrapper.json").read_text())
    assert kept["id"] == first["id"] and TOKEN not in json.dumps(kept)
    api.calls.clear()
    again, _ = _send(tmp_path, api, title="Hong Kong, updated")
    assert again["id"] == first["id"] and again["created"] is False
    assert [c["method"] for c in api.calls] == ["GET", "PUT", "PATCH", "POST"]  # no new chart
    assert api.charts[first["id"]]["title"] == "Hong Kong, updated"


def test_a_chart_deleted_on_datawrapper_is_made_again(tmp_path, api, token):
    (tmp_path / "hk.datawrapper.json").write_text('{"id": "Gone1"}')
    record, _ = _send(tmp_path, api)
    assert record["id"] != "Gone1" and record["created"] is True


def test_no_token_is_one_warning_and_no_call(tmp_path, api, monkeypatch):
    api.reset()
    monkeypatch.delenv(dw.TOKEN_ENV, raising=False)
    with pytest.warns(DatawrapperWarning, match="DATAWRAPPER_ACCESS_TOKEN is not set") as record:
        assert _send(tmp_path, api)[0] is None
    assert len(record) == 1 and api.calls == []


@pytest.mark.parametrize(
    "failure, words",
    [
        ([(401, {}, b"{}")], "refused \\(401\\).*DATAWRAPPER_ACCESS_TOKEN"),
        ([(500, {}, b"{}")] * 3, "server error 500 after 3 tries"),
        ([(429, {"Retry-After": "7"}, b"{}")] * 3, "too many requests \\(429\\) after 3 tries"),
        ([(201, {}, b"<html>not json")], "not JSON"),
        ([(201, {}, b"[1, 2]")], "not an object"),
        ([(201, {}, b'{"id": "../../x"}')], "no chart id"),
    ],
)
def test_failures_are_one_clear_warning(tmp_path, api, token, failure, words):
    api.fail.extend(failure)
    with pytest.warns(DatawrapperWarning, match=words) as record:
        result, waits = _send(tmp_path, api)
    assert result is None and len(record) == 1
    assert not (tmp_path / "hk.datawrapper.json").exists()
    if failure[0][0] == 429:
        assert waits == [7.0, 7.0]  # Retry-After honoured, bounded tries


def test_a_429_then_success_waits_as_told_and_at_most_max_wait(tmp_path, api, token):
    api.fail.extend([(429, {"Retry-After": "3600"}, b"{}")])
    record, waits = _send(tmp_path, api)
    assert record is not None and waits == [dw.MAX_WAIT]


def test_a_timeout_is_a_warning(tmp_path, api, token, monkeypatch):
    monkeypatch.setattr(dw, "TIMEOUT", 0.2)
    api.slow = 1.0
    with pytest.warns(DatawrapperWarning, match="timed out"):
        assert _send(tmp_path, api)[0] is None


def test_the_address_comes_from_the_environment(tmp_path, api, token, monkeypatch):
    monkeypatch.setenv(dw.URL_ENV, api.url)
    record = send(tmp_path, "hk", csv="a\r\n1\r\n", title="t")
    assert record is not None and api.calls[0]["path"] == "/v3/charts"


@pytest.mark.slow
def test_publish_and_the_cli_send_the_chart_and_write_the_files_anyway(
    tmp_path, api, token, monkeypatch, capsys
):
    monkeypatch.setenv(dw.URL_ENV, api.url)
    corpus = tmp_path / "corpus.parquet"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ddj.save(ddj.demo_corpus(n=120), corpus)
        argv = [
            "coverage",
            str(corpus),
            "-t",
            "hong_kong",
            "--freq",
            "Q",
            "--out",
            str(tmp_path / "out"),
        ]
        flags = ["--datawrapper", "--social", "--print-mm", "60", "--title", "HK <b>news</b>"]
        assert main([*argv, *flags]) == 0
    out = capsys.readouterr()
    kept = json.loads((tmp_path / "out" / "coverage.datawrapper.json").read_text())
    chart = api.charts[kept["id"]]
    assert chart["title"] == "HK &lt;b&gt;news&lt;/b&gt;" and chart["data"].startswith("date,")
    assert "synthetic" in chart["metadata"]["describe"]["aria-description"].lower()
    assert chart["metadata"]["annotate"]["notes"]
    assert "datawrapper_chart" in out.out and "coverage.social.png" in out.out
    assert "coverage.print.png" in out.out and "coverage.method.md" in out.out
    monkeypatch.delenv(dw.TOKEN_ENV)  # the next run: no token, the files are written all the same
    (tmp_path / "out" / "coverage.png").unlink()
    assert main([*argv, "--datawrapper"]) == 0
    again = capsys.readouterr()
    assert again.err.count("ddj: warning: No Datawrapper chart made") == 1
    assert (tmp_path / "out" / "coverage.png").exists()
    for path in (tmp_path / "out").iterdir():
        assert TOKEN.encode() not in path.read_bytes(), path
    assert TOKEN not in out.out + out.err + again.out + again.err


@pytest.mark.slow
def test_ddj_publish_sends_a_table_again_and_updates_the_same_chart(
    tmp_path, api, token, monkeypatch, capsys
):
    table = tmp_path / "hk.csv"
    rows = [f"2024-{m:02d}-01,2024-{m:02d}-28,hk,Hong Kong,{m},60,{m / 60!r}" for m in range(1, 7)]
    table.write_text(
        "period,period_end,topic,label,articles,total,share\n" + "\n".join(rows) + "\n"
    )
    argv = ["publish", str(table), "--datawrapper", "--title", "HK <b>again</b>"]
    assert main([*argv, "--datawrapper-url", api.url]) == 0  # the option
    first = capsys.readouterr()
    kept = json.loads((tmp_path / "hk.datawrapper.json").read_text())
    assert [(c["method"], c["path"]) for c in api.calls] == [
        ("POST", "/v3/charts"), ("PUT", f"/v3/charts/{kept['id']}/data"),
        ("PATCH", f"/v3/charts/{kept['id']}"), ("POST", f"/v3/charts/{kept['id']}/publish"),
    ]  # fmt: skip
    chart = api.charts[kept["id"]]
    assert chart["title"] == "HK &lt;b&gt;again&lt;/b&gt;"
    assert chart["data"].splitlines()[:2] == ["date,Hong Kong", "2024-01-01,1.67"]  # percentages
    assert chart["metadata"]["describe"]["aria-description"].startswith(
        "HK <b>again</b>. Line chart"
    )
    assert "datawrapper_chart" in first.out
    api.calls.clear()
    made = len(api.charts)
    monkeypatch.setenv(dw.URL_ENV, api.url)  # the address from the environment
    assert main([*argv[:-1], "HK, updated"]) == 0
    assert [c["method"] for c in api.calls] == ["GET", "PUT", "PATCH", "POST"]  # no new chart
    assert len(api.charts) == made and api.charts[kept["id"]]["title"] == "HK, updated"
    monkeypatch.delenv(dw.TOKEN_ENV)  # no token: one line, and the files written all the same
    (tmp_path / "hk.png").unlink()
    assert main(argv) == 0
    again = capsys.readouterr()
    assert again.err.count("ddj: warning: No Datawrapper chart made") == 1
    assert again.err.count("\n") == 1 and "DATAWRAPPER_ACCESS_TOKEN" in again.err
    assert (tmp_path / "hk.png").exists() and (tmp_path / "hk.html").exists()
    for path in tmp_path.iterdir():
        assert TOKEN.encode() not in path.read_bytes(), path
    assert TOKEN not in first.out + first.err + again.out + again.err
