"""collect(cc_index=..., wayback=True): indexed archives against one local server on 127.0.0.1."""

from __future__ import annotations

import json
import time

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ddj
from ddj.cli import main
from ddj.collecting import cdx
from ddj.collecting.fetch import Fetcher
from ddj.errors import DdjWarning, InputError, ParameterError
from ddj.urls import registered_domain
from tests.archive_server import ArchiveServer, cdx_of
from tests.test_warc import article, write_warc

CRAWL = "CC-MAIN-2024-42"
FAST = {"rate": None, "retries": 1, "backoff": 0.01, "quiet": True, "extract_workers": 1}


def undated(host: str, n: int) -> bytes:
    words = " ".join(f"plain{(n * 5 + k) % 89}" for k in range(80))
    return (f"<html><head><title>Note {n}</title></head><body><article><h1>Note {n}</h1>"
            f"<p>{words}.</p><p>{words}.</p></article></body></html>").encode()  # fmt: skip


@pytest.fixture(scope="module")
def warcs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crawl")
    files = []
    for f in range(2):
        pages = [(f"https://www.host{n % 3}.example/2024/10/{n}.html", article(f"host{n % 3}", n))
                 for n in range(f * 6, f * 6 + 6)]  # fmt: skip
        files.append(write_warc(folder / f"crawl-{f}.warc.gz", pages))
    return files


@pytest.fixture(scope="module")
def server(warcs):
    srv = ArchiveServer()
    for k, path in enumerate(warcs):
        name = f"crawl-data/{CRAWL}/segments/s{k}/warc/{path.name}"
        srv.files[name] = path.read_bytes()
        srv.cc += [line for line in cdx_of(path, name) if line["type"] == "response"]
    yield srv
    srv.close()


@pytest.fixture
def cc(server, monkeypatch):
    server.reset()
    server.extra_lines = []
    monkeypatch.setenv("DDJ_CC_INDEX_URL", server.base)
    monkeypatch.setenv("DDJ_CC_DATA_URL", server.base)
    monkeypatch.setenv("DDJ_WAYBACK_URL", server.base)
    return server


def sorted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("url").drop(columns=["source"]).reset_index(drop=True)


def test_cc_index_gives_the_corpus_of_the_warc_files_and_a_rerun_fetches_nothing(
    cc, warcs, tmp_path
):
    domains = ["host0.example", "host1.example"]
    cc.extra_lines = ['{"url": "https://www.host0.example/broken"', "[1, 2]"]
    corpus, failures = ddj.collect(
        cc_index=CRAWL, domains=domains, cache_dir=tmp_path / "c", **FAST
    )
    direct, _ = ddj.collect(warcs=warcs, domains=domains, **FAST)
    assert len(corpus) == 8 and set(corpus["source"]) == {"cc-index"}
    pd.testing.assert_frame_equal(sorted_rows(corpus), sorted_rows(direct))
    # the two bad index lines: one failure row each (per domain queried), the rest read
    bad = failures[failures["stage"] == "index"]
    assert len(bad) == 4 and bad["reason"].str.contains("line").all()
    assert bad["reason"].str.contains("not a JSON object").sum() == 4
    ranges = cc.fetched("/crawl-data/")
    assert ranges == 8 and cc.fetched("showNumPages") == 2
    ledger = (tmp_path / "c" / "archives.jsonl").read_text().splitlines()
    assert sum(json.loads(x)["stage"] == "range" for x in ledger) == 8
    assert sum(json.loads(x)["stage"] == "index" for x in ledger) == 2 + 2 * 2  # counts + pages
    before = dict(cc.hits)
    again, _ = ddj.collect(cc_index=CRAWL, domains=domains, cache_dir=tmp_path / "c", **FAST)
    assert cc.hits == before  # nothing fetched again
    pd.testing.assert_frame_equal(sorted_rows(again), sorted_rows(corpus))
    # into a store, with a URL pattern judged before any range is fetched
    ddj.collect(cc_index=CRAWL, domains=domains, url_pattern=r"/(1|2)\.html$",
                cache_dir=tmp_path / "c2", out=tmp_path / "store", **FAST)  # fmt: skip
    stored = ddj.open(tmp_path / "store").to_pandas()
    assert stored["url"].tolist() == [
        "https://www.host1.example/2024/10/1.html"
    ]  # host2: not asked
    assert cc.fetched("/crawl-data/") == 9


def test_range_failures_are_rows_and_a_rerun_resumes(cc, warcs, tmp_path):
    request = next(c for c in cdx_of(warcs[0], cc.cc[0]["filename"]) if c["type"] == "request")
    cc.cc.append({**request, "url": "https://www.host0.example/req", "status": "200",
                  "mime": "text/html"})  # the index points at a request record  # fmt: skip
    try:
        pages = [c for c in cc.cc if "host0" in c["url"] and c["url"].endswith(".html")]
        faults = ["whole", "short", "corrupt", "404"]
        for c, fault in zip(pages, faults, strict=True):  # one fault a range
            cc.faults[f"{c['filename']}#bytes={c['offset']}-"] = fault
        corpus, failures = ddj.collect(cc_index=CRAWL, domains=["host0.example"],
                                       cache_dir=tmp_path / "c", **FAST)  # fmt: skip
        reasons = " | ".join(failures["reason"])
        for text in ("the server sent the whole file (HTTP 200)", "range cut short",
                     "corrupt gzip data", "HTTP 404", "not a response record"):  # fmt: skip
            assert text in reasons, text
        assert len(failures) == 5 and len(corpus) == 0  # every host0 page failed, each a row
        # the faults gone, a rerun fetches only what failed (the request record: again), and
        # gets every page
        cc.faults.clear()
        before = cc.fetched("/crawl-data/")
        corpus, failures = ddj.collect(cc_index=CRAWL, domains=["host0.example"],
                                       cache_dir=tmp_path / "c", **FAST)  # fmt: skip
        assert failures["reason"].str.contains("not a response").sum() == 1, failures.to_dict(
            "records"
        )
        assert len(corpus) == 4
        assert (
            cc.fetched("/crawl-data/") - before == 5
        )  # 4 failed + the request record, refused again
    finally:
        cc.cc.pop()


def test_index_failures_are_rows_and_retry_after_is_honoured(cc, tmp_path):
    three = ["host0.example", "host1.example", "host2.example"]
    cc.faults = {"url=host0.example": "403", "url=host1.example": "503",
                 "url=host2.example": "429-long"}  # fmt: skip
    corpus, failures = ddj.collect(cc_index=CRAWL, domains=three, cache_dir=tmp_path / "c", **FAST)
    assert len(corpus) == 0 and failures["stage"].tolist() == ["index"] * 3
    assert failures["status"].tolist() == [403, 503, 429]
    assert "Retry-After 3600s exceeds max_retry_after" in failures["reason"].iloc[2]
    assert cc.fetched("url=host1.example") == 2  # a 503 is tried again (retries=1), then a row
    # a 429 with Retry-After: 1 is waited for, then read; a server too slow is a timeout row
    cc.faults = {"url=host0.example": "429-once", "url=host1.example": "slow"}
    started = time.monotonic()
    corpus, failures = ddj.collect(cc_index=CRAWL, domains=three[:2], cache_dir=tmp_path / "c",
                                   **{**FAST, "read_timeout": 0.4})  # fmt: skip
    assert time.monotonic() - started >= 1.0  # the Retry-After was honoured
    assert failures["reason"].tolist() == ["timeout (ReadTimeoutError)"]
    assert sorted(corpus["url"]) == [c["url"] for c in sorted(cc.cc, key=lambda c: c["url"])
                                     if "host0" in c["url"]]  # fmt: skip
    # nothing fetched is lost: the rerun asks only for what failed
    cc.faults.clear()
    before = cc.fetched("url=host0.example")
    corpus, failures = ddj.collect(cc_index=CRAWL, domains=three[:2], cache_dir=tmp_path / "c",
                                   **FAST)  # fmt: skip
    assert len(corpus) == 8 and len(failures) == 0
    assert cc.fetched("url=host0.example") == before


def test_wayback_keeps_capture_time_apart_from_the_date(cc, tmp_path):
    cc.wayback = [
        {"url": "https://www.host9.example/a.html", "timestamp": "20241006120000",
         "body": article("host9", 1, published="2024-10-05T10:00:00Z").decode()},
        {"url": "https://www.host9.example/a.html", "timestamp": "20241107120000",
         "body": article("host9", 1, published="2024-10-05T10:00:00Z").decode(), "digest": "B"},
        {"url": "https://www.host9.example/late.html", "timestamp": "20241006120000",
         "body": article("host9", 2, published="2024-12-25T10:00:00Z").decode()},
        {"url": "https://www.host9.example/undated.html", "timestamp": "20241008000000",
         "body": undated("host9", 3).decode()},
        {"url": "https://www.host9.example/away.html", "timestamp": "20241008000000",
         "redirect": "http://localhost:1/private"},
    ]  # fmt: skip
    for c in cc.wayback:
        c["body"] = c.get("body", "").encode() if isinstance(c.get("body"), str) else b""
    try:
        corpus, failures = ddj.collect(wayback=True, domains=["host9.example"], since="2024-10-01",
                                       until="2024-12-31", cache_dir=tmp_path / "c", **FAST)  # fmt: skip
    finally:
        wayback = cc.wayback
        cc.wayback = []
    got = corpus.set_index("url")
    assert sorted(got.index) == ["https://www.host9.example/a.html",
                                 "https://www.host9.example/undated.html"]  # fmt: skip
    assert got.loc["https://www.host9.example/a.html", "published"] == pd.Timestamp(
        "2024-10-05T10:00:00Z"
    )  # the page's date, not its capture (2024-10-06)
    assert pd.isna(got.loc["https://www.host9.example/undated.html", "published"])
    assert set(corpus["source"]) == {"wayback"}
    rows = failures.set_index("url")["reason"]
    assert (
        "after its capture 2024-10-06T12:00:00+00:00" in rows["https://www.host9.example/late.html"]
    )
    away = rows[[u for u in rows.index if "away.html" in u][0]]
    assert "localhost" in away or "address" in away  # a redirect to a private address: refused
    assert cc.fetched("/web/20241107120000id_/") == 0  # one capture a URL: the first
    query = next(p for p in cc.hits if p.startswith("/cdx/search/cdx"))
    for part in ("collapse=digest", "filter=statuscode%3A200", "filter=mimetype%3Atext%2Fhtml",
                 "from=20240930000000", "to=20241231235959"):  # fmt: skip
        assert part in query, part
    ledger = [json.loads(x) for x in (tmp_path / "c" / "archives.jsonl").read_text().splitlines()]
    assert {x["url"]: x["captured"] for x in ledger if x["stage"] == "wayback"}[
        "https://www.host9.example/a.html"] == "2024-10-06T12:00:00+00:00"  # fmt: skip
    before = dict(cc.hits)
    cc.wayback = wayback
    try:
        again, _ = ddj.collect(wayback=True, domains=["host9.example"], since="2024-10-01",
                               until="2024-12-31", cache_dir=tmp_path / "c", **FAST)  # fmt: skip
    finally:
        cc.wayback = []
    assert len(again) == 2
    assert {
        p: n
        for p, n in cc.hits.items()
        if before.get(p) != n and "away" not in p and "robots" not in p
    } == {}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cc_index": "2024-42", "domains": ["a.example"]}, "not a Common Crawl crawl name"),
        ({"cc_index": CRAWL}, "give domains="),
        ({"wayback": True}, "give domains="),
        ({"wayback": True, "domains": ["a.example"], "dry_run": True}, "no dry run"),
        ({"wayback": True, "domains": ["a.example"], "wayback_url": "ftp://x"}, "wayback_url="),
    ],
)
def test_parameters_are_checked_before_anything_is_fetched(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        ddj.collect(**kwargs, quiet=True)


def test_cli_collects_from_the_cc_index_and_refuses_a_bad_crawl(cc, tmp_path, capsys):
    out = tmp_path / "corpus.parquet"
    args = ["collect", "--cc-index", CRAWL, "--domain", "host2.example", "--rate", "0",
            "--cache-dir", str(tmp_path / "c"), "-o", str(out), "--no-progress"]  # fmt: skip
    assert main(args) == 0
    assert "4 articles ->" in capsys.readouterr().out
    assert set(ddj.load(out)["url"].str.split("/").str[2]) == {"www.host2.example"}
    assert main([*args[:2], "nonsense", *args[3:], "--overwrite"]) == 2
    assert "not a Common Crawl crawl name" in capsys.readouterr().err


def columnar_index(lines: list[dict]) -> pa.Table:
    """Common Crawl's columnar index (its documented column names) of CDX lines; the last row of
    another crawl (CC-MAIN-2019-01)."""
    rows = list(lines)
    other = {**rows[0], "url": rows[0]["url"].replace(".html", "-old.html")}  # another crawl's row
    return pa.table({
        "url": [c["url"] for c in rows] + [other["url"]],
        "url_host_registered_domain": [registered_domain(c["url"]) for c in [*rows, other]],
        "fetch_time": pd.to_datetime([c["timestamp"] for c in [*rows, other]], utc=True),
        "warc_filename": [c["filename"] for c in [*rows, other]],
        "warc_record_offset": [int(c["offset"]) for c in [*rows, other]],
        "warc_record_length": [int(c["length"]) for c in [*rows, other]],
        "fetch_status": [200] * (len(rows) + 1),
        "content_mime_detected": ["text/html"] * (len(rows) + 1),
        "crawl": [CRAWL] * len(rows) + ["CC-MAIN-2019-01"],
        "subset": ["warc"] * (len(rows) + 1),
    })  # fmt: skip


def test_the_columnar_index_finds_the_same_records_as_the_cdx_api(cc, tmp_path):
    table = columnar_index(cc.cc)
    pq.write_table(table, tmp_path / "index.parquet", row_group_size=4)
    domains = ["host0.example", "host1.example"]
    via_table, failures = ddj.collect(cc_index=CRAWL, cc_index_table=tmp_path / "index.parquet",
                                      domains=domains, cache_dir=tmp_path / "t", **FAST)  # fmt: skip
    via_cdx, _ = ddj.collect(cc_index=CRAWL, domains=domains, cache_dir=tmp_path / "c", **FAST)
    assert len(via_table) == 8 and len(failures) == 0
    pd.testing.assert_frame_equal(sorted_rows(via_table), sorted_rows(via_cdx))
    assert cc.fetched("-index") == 2 + 2 * 2  # the CDX API only by the second collection
    pq.write_table(table.drop(["warc_record_length"]), tmp_path / "bad.parquet")
    with pytest.raises(InputError, match="lacks the column.*warc_record_length"):
        ddj.collect(cc_index_table=tmp_path / "bad.parquet", domains=domains, **FAST)


def test_get_range_takes_only_the_bytes_asked_for(cc):
    fetcher = Fetcher(rate=None, retries=0, trusted=[cc.base])
    line = cc.cc[0]
    url, offset, length = f"{cc.base}/{line['filename']}", int(line["offset"]), int(line["length"])
    page = fetcher.get_range(url, offset, length)
    assert page.status == 206 and page.body == cc.files[line["filename"]][offset : offset + length]
    cc.faults[f"#bytes={offset}-"] = "shifted"
    page = fetcher.get_range(url, offset, length)
    assert page.body is None and f"not from {offset:,} as asked" in page.reason
    assert "at most max_bytes" in fetcher.get_range(url, 0, 10**9).reason  # never asked for


def test_cli_collects_from_the_columnar_index_and_refuses_a_bad_table(cc, tmp_path, capsys):
    pq.write_table(columnar_index(cc.cc), tmp_path / "index.parquet", row_group_size=4)
    out = tmp_path / "corpus.parquet"
    args = ["collect", "--cc-index-table", str(tmp_path / "index.parquet"),
            "--domain", "host2.example", "--url-pattern", r"/(2|5|8)\.html$",
            "--since", "2024-10-01", "--until", "2024-10-31", "--rate", "0",
            "--cache-dir", str(tmp_path / "c"), "-o", str(out), "--no-progress"]  # fmt: skip
    assert main(args) == 0
    assert "3 articles ->" in capsys.readouterr().out
    assert sorted(ddj.load(out)["url"]) == [
        f"https://www.host2.example/2024/10/{n}.html" for n in (2, 5, 8)
    ]
    assert cc.fetched("-index") == 0 and cc.fetched("/crawl-data/") == 3  # only the ranges
    # a window the captures are all before: nothing is fetched
    assert main([*args[:8], "2024-11-01", "--until", "2024-11-30", *args[11:], "--overwrite"]) == 0
    assert "0 articles ->" in capsys.readouterr().out and cc.fetched("/crawl-data/") == 3
    # a missing table, a table without a column, a file that is not Parquet: one line, exit 2
    table = columnar_index(cc.cc)
    pq.write_table(table.drop(["fetch_time"]), tmp_path / "bad.parquet")
    status = table.column_names.index("fetch_status")
    as_text = table.set_column(status, "fetch_status", pa.array(["200"] * len(table)))
    pq.write_table(as_text, tmp_path / "text.parquet")
    (tmp_path / "notes.parquet").write_text("not parquet")
    (tmp_path / "parts").mkdir()  # a folder whose second part is broken, found as it is read
    pq.write_table(table, tmp_path / "parts" / "part-0.parquet")
    (tmp_path / "parts" / "part-1.parquet").write_bytes(b"PAR1" + bytes(100) + b"PAR1")
    for path, said in [
        ("no/such.parquet", "cc_index_table='no/such.parquet': no such file or folder"),
        (str(tmp_path / "bad.parquet"), "lacks the column(s) fetch_time of Common Crawl's"),
        (str(tmp_path / "text.parquet"), "has the column(s) fetch_status (string) of another"),
        (str(tmp_path / "notes.parquet"), "is not a Parquet table ddj can read"),
        (str(tmp_path / "parts"), "part-1.parquet"),
    ]:
        assert main([args[0], args[1], path, *args[3:], "--overwrite"]) == 2
        err = capsys.readouterr().err
        assert said in err and len(err.strip().splitlines()) == 1, err
    with pytest.raises(ParameterError, match="no such file or folder"):  # the same one check
        ddj.collect(cc_index_table="no/such.parquet", domains=["host2.example"], quiet=True)


def wayback_site(n: int) -> list[dict]:
    """``n`` captured articles of www.host8.example, the first captured twice."""
    pages = [{"url": f"https://www.host8.example/{k}.html", "timestamp": f"202410{10 + k:02d}120000",
              "body": article("host8", k)} for k in range(n)]  # fmt: skip
    return [*pages, {**pages[0], "timestamp": "20241030120000", "digest": "later"}]


def listed_pages(server: ArchiveServer) -> dict[str, int]:
    """Requests of each listing page (the first has no resumeKey=), by key."""
    got: dict[str, int] = {}
    for path, n in server.hits.items():
        if path.startswith("/cdx/search/cdx"):
            key = path.partition("resumeKey=")[2] or "first"
            got[key] = got.get(key, 0) + n
    return got


@pytest.fixture
def paged(cc):
    cc.wayback, cc.wayback_cap = wayback_site(7), 3  # 8 captures: pages of 3, 3 and 2
    yield cc
    cc.wayback, cc.wayback_cap, cc.wayback_keys = [], None, None


def test_the_wayback_listing_is_paged_by_resume_key_and_resumes_after_a_crash(
    paged, tmp_path, monkeypatch
):
    asked = {"n": 0}
    get = Fetcher.get

    def crash_on_the_third_page(self, url, *a, **k):
        if "/cdx/search/cdx" in url:
            asked["n"] += 1
            if asked["n"] == 3:
                raise KeyboardInterrupt  # the process dies mid-listing
        return get(self, url, *a, **k)

    monkeypatch.setattr(Fetcher, "get", crash_on_the_third_page)
    kwargs = {"wayback": True, "domains": ["host8.example"], "cache_dir": tmp_path / "c", **FAST}
    with pytest.raises(KeyboardInterrupt):
        ddj.collect(**kwargs)
    assert sorted(listed_pages(paged).values()) == [1, 1]
    monkeypatch.setattr(Fetcher, "get", get)
    corpus, failures = ddj.collect(**kwargs)
    # every capture listed, once: the first two pages from the ledger, the third fetched now
    assert sorted(corpus["url"]) == [f"https://www.host8.example/{k}.html" for k in range(7)]
    assert len(failures) == 0 and len(listed_pages(paged)) == 3
    assert set(listed_pages(paged).values()) == {1}
    assert paged.fetched("/web/") == 7 and paged.fetched("/web/20241030120000id_/") == 0
    ledger = [json.loads(x) for x in (tmp_path / "c" / "archives.jsonl").read_text().splitlines()]
    assert sorted(x["page"] for x in ledger if x["stage"] == "index") == [0, 1, 2]
    before = dict(paged.hits)
    again, _ = ddj.collect(**kwargs)
    assert paged.hits == before and len(again) == 7  # a rerun fetches nothing


@pytest.mark.parametrize(
    ("keys", "pages", "said"),
    [
        ("same", 2, "the server gave page 1's resume key 'same-key%21' again"),
        ("endless", 4, "stopped after 4 pages (12 captures): more are left after resume key"),
    ],
)
def test_a_wayback_listing_that_never_ends_stops_at_its_bound(
    paged, tmp_path, monkeypatch, keys, pages, said
):
    paged.wayback_keys = keys
    monkeypatch.setattr(cdx, "MAX_INDEX_PAGES", 4)
    with pytest.warns(DdjWarning, match=r"index listing of 1 domain\(s\) stopped at its bound"):
        corpus, failures = ddj.collect(wayback=True, domains=["host8.example"],
                                       cache_dir=tmp_path / "c", **FAST)  # fmt: skip
    assert paged.fetched("/cdx/search/cdx") == pages
    row = failures[failures["stage"] == "index"]
    assert len(row) == 1 and said in row["reason"].iloc[0]
    assert len(corpus) == 2  # what the listing gave is collected (the same 3 rows, 2 URLs, a page)


def test_the_cc_index_listing_stops_at_its_page_bound_and_says_what_is_left(
    cc, tmp_path, monkeypatch
):
    monkeypatch.setattr(cdx, "MAX_INDEX_PAGES", 1)
    with pytest.warns(DdjWarning, match="stopped after 1 of the index's 2 pages: 1 page"):
        corpus, failures = ddj.collect(cc_index=CRAWL, domains=["host0.example"],
                                       cache_dir=tmp_path / "c", **FAST)  # fmt: skip
    assert cc.fetched("page=0") == 1 and cc.fetched("page=1") == 0
    assert len(corpus) == 3  # the first page's captures (page size 3 of 4)
    assert failures["reason"].str.contains(r"page\(s\) left \(page=1 to page=1\)").sum() == 1


def test_a_resume_key_that_is_not_url_encoded_is_never_sent():
    head = b'[["urlkey","timestamp","original"],["k","20241005120000","https://a.example/x"],[],'
    caps, bad, key = cdx.wayback_rows(head + b'["a.example/x 2024&to=1"]]', "page 0")
    assert len(caps) == 1 and key is None
    assert "not URL-encoded text" in bad[0].reason and "the listing stops here" in bad[0].reason
    assert cdx.wayback_rows(head + b'["a%2Cexample%29%2Fx+20241005120001"]]', "p")[2] == (
        "a%2Cexample%29%2Fx+20241005120001"
    )
