"""Media Cloud and GDELT as sources, against one local server speaking both APIs (tests/service_apis.py)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import ddj
from ddj import corpus as corpus_schema
from ddj import gdelt, mediacloud, problems
from ddj.apiclient import QuotaError, ServiceError
from ddj.charts import chart
from ddj.intervals import wilson
from tests import service_apis
from tests.service_apis import GDELT, MC, TOKEN


class Clock:
    """A clock that moves only when slept on: the waits asked for are recorded, never waited."""

    def __init__(self):
        self.now = 1_800_000_000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture(scope="module")
def server():
    srv = service_apis.serve()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def api(server, tmp_path, monkeypatch):
    server.reset()
    monkeypatch.setenv("MEDIACLOUD_API_KEY", TOKEN)
    clock = Clock()

    def make(kind: str, **options):
        options = {
            "cache_dir": tmp_path,
            "clock": clock,
            "sleep": clock.sleep,
            "timeout": 2.0,
            **options,
        }
        if kind == "mc":
            return mediacloud.service(server.url + MC, **options)
        return gdelt.service(server.url + GDELT, **options)

    make.clock = clock
    make.server = server
    make.cache = tmp_path
    return make


def _written(folder) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file())


# -- Media Cloud -----------------------------------------------------------------------------


def test_mediacloud_coverage_is_ddjs_frame_with_counts_and_wilson(api):
    svc = api("mc")
    cov = mediacloud.coverage(
        '"hong kong" protest',
        collections=[34412234],
        start="2024-10-01",
        end="2024-10-14",
        freq="W",
        client=svc,
    )
    days = pd.date_range("2024-09-30", "2024-10-13")  # weeks Monday to Sunday
    asked = days[(days >= "2024-10-01")]
    first = [service_apis.mc_day(d) for d in asked if d <= pd.Timestamp("2024-10-06")]
    assert cov["articles"].iloc[0] == sum(c for c, _ in first)
    assert cov["total"].iloc[0] == sum(t for _, t in first)
    assert cov["partial"].tolist() == [True, False, True]  # Oct 1 is a Tuesday, Oct 14 a Monday
    low, high = wilson(cov["articles"].to_numpy(), cov["total"].to_numpy())
    assert np.allclose(cov["share_low"], low) and np.allclose(cov["share_high"], high)
    assert cov.attrs["queries"]['"hong kong" protest'] == '"hong kong" AND protest'
    assert any("what it indexed" in n for n in cov.attrs["notes"])
    path, headers = api.server.seen[-1]
    assert "cs=34412234" in path and "q=%22hong+kong%22+AND+protest" in path
    assert TOKEN not in path and headers["Authorization"] == f"Token {TOKEN}"
    assert TOKEN not in _written(api.cache)  # cache and request log hold no token


def test_mediacloud_coverage_charts(api):
    cov = mediacloud.coverage(
        "protest", start="2024-10-01", end="2024-10-31", freq="W", client=api("mc")
    )
    spec = chart(cov).to_dict()
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


def test_mediacloud_stories_pages_and_corpus(api):
    svc = api("mc")
    found = mediacloud.stories(
        "protest", start="2024-10-01", end="2024-10-31", max_stories=5000, client=svc
    )
    assert len(found) == 6 and svc.requests == 2
    assert "pagination_token=page-2" in api.server.seen[-1][0]
    assert set(found["published_from"]) == {"mediacloud"}
    assert found["text"].isna().all() and set(found["page_type"]) == {"article"}
    assert found["url"].iloc[0] == "https://example.org/1/0"
    again = mediacloud.stories(
        "protest", start="2024-10-01", end="2024-10-31", max_stories=5000, client=api("mc")
    )
    assert len(again) == 6 and len(api.server.seen) == 2  # from the cache


def test_mediacloud_rate_two_a_minute(api):
    svc = api("mc")
    for month in ("2024-08", "2024-09", "2024-10"):
        mediacloud.coverage("protest", start=f"{month}-01", end=f"{month}-28", client=svc)
    assert api.clock.waits == [30.0, 30.0]


def test_mediacloud_quota_refused_before_start(api):
    svc = api("mc", quota=3)
    with pytest.raises(
        QuotaError, match="needs up to 5 Media Cloud requests; 0 of the weekly quota of 3"
    ):
        mediacloud.stories(
            "protest", start="2024-10-01", end="2024-10-31", max_stories=5000, client=svc
        )
    assert api.server.seen == []
    mediacloud.coverage("protest", start="2024-10-01", end="2024-10-07", client=svc)
    assert api("mc", quota=3).used() == 1  # counted on disk, seen by a new client


def test_mediacloud_token_only_from_environment(monkeypatch):
    monkeypatch.delenv("MEDIACLOUD_API_KEY", raising=False)
    with pytest.raises(Exception, match="MEDIACLOUD_API_KEY"):
        mediacloud.service("http://127.0.0.1:9/")


# -- GDELT -----------------------------------------------------------------------------------


def test_gdelt_coverage_counts_and_totals(api):
    cov = gdelt.coverage(
        '"hong kong" protest', "2024-10-01", "2024-10-31", freq="M", client=api("gd")
    )
    days = pd.date_range("2024-10-01", "2024-10-31")
    assert cov["articles"].tolist() == [sum(service_apis.gdelt_day(d)[0] for d in days)]
    assert cov["total"].tolist() == [sum(service_apis.gdelt_day(d)[1] for d in days)]
    path = api.server.seen[-1][0]
    assert "mode=timelinevolraw" in path and "startdatetime=20241001000000" in path
    assert "enddatetime=20241031235959" in path
    assert any("what it saw" in n for n in cov.attrs["notes"])


def test_gdelt_articles_split_capped_windows(api, monkeypatch):
    svc = api("gd")
    with pytest.warns(UserWarning, match="still returned 250"):
        found = gdelt.articles("protest", "2024-10-01", "2024-10-01", max_depth=1, client=svc)
    # one day -> two halves of 12 h, each still over 6 h, so capped at the deepest split
    assert svc.requests == 3 and len(found.attrs["capped"]) == 2
    assert set(found["published_from"]) == {"gdelt-seen"}
    assert api.clock.waits == [5.0, 5.0]
    deeper = api("gd")
    deep = gdelt.articles("protest", "2024-10-02", "2024-10-02", max_depth=3, client=deeper)
    # 24 h and two 12 h windows hit the cap; four 6 h windows do not: 7 requests, none capped
    assert deep.attrs["capped"] == [] and deeper.requests == 7
    assert deep["url"].is_unique and len(deep) > 250 + 4 * 40
    assert set(deep["published_confidence"]) == {"low"}
    monkeypatch.setattr(gdelt, "MAX_REQUESTS", 3)  # the splits stop at the request budget
    with pytest.warns(UserWarning, match="still returned 250"):
        budget = gdelt.articles(
            "protest", "2024-10-03", "2024-10-03", max_depth=3, client=api("gd")
        )
    assert len(budget.attrs["capped"]) == 2


# -- failures --------------------------------------------------------------------------------


def test_401_and_403_clear_messages(api):
    api.server.fail(MC, 401, b'{"detail":"Invalid token."}')
    with pytest.raises(ServiceError, match=r"refused the token \(HTTP 401\)"):
        mediacloud.coverage("protest", start="2024-10-01", end="2024-10-07", client=api("mc"))
    api.server.fail(MC, 403, b"{}")
    with pytest.raises(ServiceError, match=r"HTTP 403.*quota"):
        mediacloud.coverage("protest", start="2024-10-01", end="2024-10-07", client=api("mc"))


def test_429_retry_after_honoured_then_resumes(api):
    api.server.fail(MC, 429, b"slow down", {"Retry-After": "47"})
    svc = api("mc")
    cov = mediacloud.coverage("protest", start="2024-10-01", end="2024-10-07", client=svc)
    assert api.clock.waits[0] == 47.0 and svc.requests == 2 and cov["articles"].sum() > 0


def test_5xx_backoff_then_failure_keeps_what_was_fetched(api):
    svc = api("gd")
    gdelt.coverage("protest", "2024-10-01", "2024-10-07", client=svc)
    for _ in range(4):
        api.server.fail(GDELT, 503, b"busy")
    with pytest.raises(ServiceError, match="failed 4 times.*cached"):
        gdelt.coverage("protest", "2024-11-01", "2024-11-07", client=svc)
    assert api.clock.waits[-3:] == [5.0, 10.0, 20.0]  # doubling backoff from GDELT's 5 s
    seen = len(api.server.seen)
    gdelt.coverage("protest", "2024-10-01", "2024-10-07", client=api("gd"))  # the first answer kept
    assert len(api.server.seen) == seen


def test_mediacloud_stories_failure_midway_resumes_from_cached_pages(api):
    for _ in range(2):
        api.server.fail(
            MC
            + "search/story-list?q=protest&start=2024-10-01&end=2024-10-31&platform=onlinenews-mediacloud&pagination_token=",
            500,
            b"oops",
        )
    with pytest.raises(ServiceError, match="failed 2 times.*rerun resumes"):
        mediacloud.stories(
            "protest",
            start="2024-10-01",
            end="2024-10-31",
            max_stories=5000,
            client=api("mc", retries=1),
        )
    assert api.clock.waits == [30.0, 30.0]  # the rate, then the backoff (2 a minute: 30 s)
    api.server.seen.clear()
    found = mediacloud.stories(
        "protest", start="2024-10-01", end="2024-10-31", max_stories=5000, client=api("mc")
    )
    assert len(found) == 6
    assert [p for p, _ in api.server.seen] and all(
        "pagination_token=page-2" in p for p, _ in api.server.seen
    )


def test_timeout_is_a_clear_error(api):
    api.server.fail(GDELT, 200, b"{}", delay=1.5)
    svc = api("gd", timeout=0.3, retries=0)
    with pytest.raises(ServiceError, match="no answer"):
        gdelt.coverage("protest", "2024-10-01", "2024-10-07", client=svc)


def test_malformed_json_and_gdelt_plain_text(api):
    api.server.fail(MC, 200, b'{"count_over_time": {"counts": [')
    with pytest.raises(ServiceError, match="not JSON"):
        mediacloud.coverage("protest", start="2024-10-01", end="2024-10-07", client=api("mc"))
    with pytest.raises(ServiceError, match="Your search contained a keyword that was too short"):
        gdelt.coverage("uk", "2024-10-01", "2024-10-07", client=api("gd"))
    assert not list(api.cache.rglob("answers/*.json"))  # errors are never cached


def test_gdelt_failed_window_is_a_problem_row_others_kept(api):
    api.server.fail(GDELT, 200, b"Invalid query: something GDELT did not like")
    with pytest.warns(UserWarning, match="1 GDELT window"):
        found = gdelt.articles("protest", "2024-10-01", "2024-10-02", window="3h", client=api("gd"))
    assert len(found) == 15 * 40
    rows = problems(found)
    assert len(rows) == 1 and "Invalid query" in rows["reason"].iloc[0]
    again = gdelt.articles("protest", "2024-10-01", "2024-10-02", window="3h", client=api("gd"))
    assert len(again) == 16 * 40 and again.attrs["ddj_problems"] == []


def test_cache_keyed_without_token(api):
    mediacloud.coverage("protest", start="2024-10-01", end="2024-10-07", client=api("mc"))
    entries = [json.loads(p.read_text()) for p in api.cache.rglob("answers/*.json")]
    assert len(entries) == 1 and TOKEN not in entries[0]["url"]


# -- side by side ----------------------------------------------------------------------------


def test_triangulate_three_sources_one_table_one_chart(api):
    corpus = corpus_schema.conform(
        [
            {"url": f"https://desk.example/{i}", "title": t, "text": t, "published": d}
            for i, (t, d) in enumerate(
                [
                    ("Hong Kong vote", "2024-10-02"),
                    ("Budget", "2024-10-03"),
                    ("Hong Kong protest", "2024-10-16"),
                ]
                + [(f"Other story {k}", f"2024-10-{k:02d}") for k in range(1, 31)]
            )
        ]
    )
    table = ddj.triangulate(
        '"hong kong"',
        corpus=corpus,
        mediacloud={"client": api("mc")},
        gdelt={"client": api("gd")},
        start="2024-10-01",
        end="2024-10-31",
        freq="W",
    )
    assert list(dict.fromkeys(table["source"])) == ["corpus", "Media Cloud", "GDELT"]
    mine = ddj.coverage(
        corpus, {'"hong kong"': '"hong kong"'}, freq="W", start="2024-10-01", end="2024-10-31"
    )
    assert table.loc[table["source"] == "corpus", "articles"].tolist() == mine["articles"].tolist()
    assert (
        table["counted_by"].str.contains("indexed").any()
        and table["counted_by"].str.contains("saw").any()
    )
    assert any(n.startswith("Media Cloud: ") for n in table.attrs["notes"])
    spec = json.dumps(ddj.chart_sources(table).to_dict())
    for counted in table["counted_by"].unique():  # each source's own note of what it counts
        assert counted in spec
    assert "Counted by each source" in spec and "GDELT" in spec


@pytest.mark.slow
def test_sources_notebook_against_local_services(server, tmp_path, monkeypatch):
    server.reset()
    monkeypatch.setenv("MEDIACLOUD_API_KEY", TOKEN)
    monkeypatch.setenv("DDJ_MEDIACLOUD_URL", server.url + MC)
    monkeypatch.setenv("DDJ_GDELT_URL", server.url + GDELT)
    monkeypatch.setenv("DDJ_CACHE", str(tmp_path / "cache"))
    articles = tmp_path / "articles.csv"
    pd.DataFrame(
        {
            "url": [f"https://desk.example/{i}" for i in range(31)],
            "title": ["Hong Kong vote" if i % 4 == 0 else "Budget day" for i in range(31)],
            "published": [f"2024-10-{i + 1:02d}" for i in range(31)],
            "outlet": "Desk",
        }
    ).to_csv(articles, index=False)
    out = ddj.run_notebook(
        "notebooks/sources.ipynb",
        {
            "corpus": str(articles),
            "start": "2024-10-01",
            "end": "2024-10-31",
            "freq": "W",
            "collections": [34412234],
        },
        out_dir=tmp_path / "out",
    )
    written = out.read_text(encoding="utf-8")
    assert TOKEN not in written and "MEDIACLOUD_API_KEY" in written  # named, never its value
    table = pd.read_csv(tmp_path / "out" / "sources.csv")
    assert set(table["source"]) == {"corpus", "Media Cloud", "GDELT"}
    assert len(server.seen) == 2 and "cs=34412234" in server.seen[0][0]
    assert table.loc[table["source"] == "corpus", "articles"].sum() == 8  # days 1, 5, ..., 29
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes()


def test_sources_notebook_parameters_checked_before_a_kernel(tmp_path):
    with pytest.raises(ddj.ParameterError, match="freq"):
        ddj.run_notebook("notebooks/sources.ipynb", {"freq": "fortnightly"}, out_dir=tmp_path)


def test_retry_after_longer_than_max_wait_stops_with_message(api):
    api.server.fail(GDELT, 429, b"", {"Retry-After": "86400"})
    with pytest.raises(ServiceError, match="asked to wait 86400 s.*run again later"):
        gdelt.coverage("protest", "2024-10-01", "2024-10-07", client=api("gd"))
    assert api.clock.waits == []  # never waited a day


def test_damaged_cache_entry_is_fetched_again(api):
    gdelt.coverage("protest", "2024-10-01", "2024-10-07", client=api("gd"))
    (entry,) = api.cache.rglob("answers/*.json")
    entry.write_text('{"url": "x", "body": "{\\"timeline\\": [', encoding="utf-8")
    cov = gdelt.coverage("protest", "2024-10-01", "2024-10-07", client=api("gd"))
    assert len(api.server.seen) == 2 and cov["articles"].sum() > 0
