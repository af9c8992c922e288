"""ddj.collect against a local multi-outlet site on 127.0.0.1 (tests/collect_site.py)."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest

from ddj.collecting import collect, failures_path
from ddj.collecting.cache import PageCache
from ddj.collecting.fetch import Fetcher, retry_after
from ddj.collecting.sources import feed_entries, is_article_url, parse_sitemap, read_urls
from ddj.errors import DdjWarning, DroppedRowsWarning, InputError, ParameterError
from ddj.hostvalues import parse_url
from ddj.scan import problems
from tests.local_pages import serve

sys.path.insert(0, str(Path(__file__).resolve().parent))
from collect_site import Site, article_date, article_path  # noqa: E402

FAST = dict(
    rate=None, connect_timeout=1.0, read_timeout=0.5, retries=2, backoff=0.05, max_retry_after=2.0
)


@pytest.fixture(scope="module")
def site():
    with Site(outlets=2, articles=8, slow=2.0) as s:
        yield s


def run(tmp_path, name="cache", **kwargs):
    params = {**FAST, "quiet": True, "cache_dir": tmp_path / name, **kwargs}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowsWarning)
        return collect(**params)


def hits(site, outlet=0, prefix="/2024/"):
    return sum(n for (o, path), n in site.hits.items() if o == outlet and path.startswith(prefix))


# -- sources ------------------------------------------------------------------------------------
def test_feeds_rss_and_atom_give_every_article_with_dates(site, tmp_path):
    corpus, failures = run(tmp_path, feeds=[site.url("/rss.xml", 0), site.url("/atom.xml", 1)])
    assert len(failures) == 0
    assert len(corpus) == 16
    assert set(corpus["source"]) == {"feed"}
    assert set(corpus["outlet"]) == {"Outlet 0", "Outlet 1"}
    assert corpus["text"].str.contains("story").all()
    # article 1 has no date in the page, only in its URL (a day): the feed's time wins
    undated = corpus[corpus["url"].str.contains("/story-1-")]
    assert list(undated["published_from"]) == ["feed", "feed"]
    assert undated["published"].iloc[0] == pd.Timestamp(article_date(0, 1))
    dated = corpus[corpus["url"].str.contains("/story-2-")]
    assert set(dated["published_from"]) == {"meta"}


def test_sitemap_index_news_and_gzip_filtered_by_dates(site, tmp_path):
    before = hits(site, 1)
    corpus, failures = run(
        tmp_path, sitemaps=[site.url("/sitemap.xml", 1)], since="2024-05-03", until="2024-05-05"
    )
    assert len(failures) == 0
    days = sorted(corpus["published"].dt.day)
    assert days == [3, 4, 5]  # articles 2 (news sitemap), 3 (gzipped lastmod), 4 (news sitemap)
    assert set(corpus["source"]) == {"sitemap"}
    assert hits(site, 1) - before == 3  # the others were never fetched


def test_news_sitemap_date_fills_undated_page_but_lastmod_does_not(tmp_path):
    with Site(outlets=1, articles=4, undated=(1, 2)) as s:
        corpus, _ = run(tmp_path, sitemaps=[s.url("/sitemap.xml")])
    by_n = {
        int(u.split("/story-")[1].split("-")[0]): row
        for u, row in zip(corpus["url"], corpus.to_dict("records"), strict=True)
    }
    assert by_n[2]["published_from"] == "feed"  # news:publication_date, with its time
    assert by_n[2]["published"] == pd.Timestamp(article_date(0, 2))
    assert by_n[1]["published_from"] == "url"  # only a lastmod: the URL's day stays
    assert by_n[0]["published_from"] == "meta"


def test_sitemap_index_entries_older_than_since_are_not_read(site, tmp_path):
    before = site.hits[(0, "/sitemap-old.xml.gz")]
    corpus, failures = run(tmp_path, sitemaps=[site.url("/sitemap.xml", 0)], since="2024-06-01")
    assert len(corpus) == 0 and len(failures) == 0
    assert site.hits[(0, "/sitemap-old.xml.gz")] == before  # lastmod 2024-05-29 < since
    assert site.hits[(0, "/sitemap-news.xml")] >= 1


def test_front_page_and_sections(site, tmp_path):
    corpus, failures = run(tmp_path, sites=[site.base(0)])
    assert len(failures) == 0
    assert sorted(corpus["url"]) == sorted(site.article_urls(0))
    assert set(corpus["source"]) == {"site"}


def test_url_list_from_file_and_list(site, tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text("# my list\n" + "\n".join(site.article_urls(1)[:3]) + "\n\n")
    assert read_urls(listing) == site.article_urls(1)[:3]
    corpus, _ = run(tmp_path, urls=listing)
    assert list(corpus["url"]) == site.article_urls(1)[:3]  # the order found is kept
    with pytest.raises(InputError, match="not a file"):
        read_urls(tmp_path / "missing.txt")


# -- faults -----------------------------------------------------------------------------------------
def test_faults_are_recorded_and_never_stop_the_run(site, tmp_path):
    paths = ["/slow", "/error500", "/flaky", "/limited", "/limited-long", "/loop", "/endless", "/binary",
             "/report.pdf", "/drop", "/private/2024/05/01/secret-story.html", "/gone"]  # fmt: skip
    good = site.article_urls(0)[:2]
    urls = [site.url(p) for p in paths] + good
    corpus, failures = run(tmp_path, urls=urls, max_bytes=300_000)
    assert list(failures.columns) == ["url", "stage", "status", "reason", "attempts"]
    by_path = {
        u.split("/", 3)[3]: row
        for u, row in zip(failures["url"], failures.to_dict("records"), strict=True)
    }
    assert by_path["slow"]["reason"].startswith("timeout")
    assert by_path["slow"]["attempts"] == 3
    assert by_path["error500"]["status"] == 500 and by_path["error500"]["attempts"] == 3
    assert "Retry-After" in by_path["limited-long"]["reason"]
    assert "redirects" in by_path["loop"]["reason"]
    assert "max_bytes" in by_path["endless"]["reason"]
    assert by_path["binary"]["stage"] == "extract"
    assert "application/pdf" in by_path["report.pdf"]["reason"]
    assert by_path["drop"]["reason"].startswith("connection")
    assert by_path["private/2024/05/01/secret-story.html"]["reason"] == "disallowed by robots.txt"
    assert by_path["gone"]["status"] == 404
    assert len(failures) == len(paths) - 2
    # 503 then 200, and 429 with Retry-After: 1 then 200, both end in an article
    assert {"Story 901 about the ferry", "Story 902 about the farmers"} <= set(corpus["title"])
    assert set(good) <= set(corpus["url"])
    assert site.hits[(0, "/private/2024/05/01/secret-story.html")] == 0
    assert all(ua.startswith("ddj/") for ua in site.user_agents)


def test_robots_opt_out_and_contact_in_user_agent(site, tmp_path):
    url = site.url("/private/2024/05/02/open-story.html", 1)
    import ddj

    corpus, failures = run(tmp_path, urls=[url], robots=False, contact="desk@example.org")
    assert len(failures) == 0 and len(corpus) == 1
    assert f"ddj/{ddj.__version__} (+desk@example.org)" in site.user_agents  # not a hard-coded 0.1


def test_retry_after_is_waited_for(site, tmp_path):
    fetcher = Fetcher(rate=None, retries=2, backoff=0.01, trusted=[site.base(1)])
    page = fetcher.get(site.url("/limited", 1))
    assert page.ok and page.attempts == 2
    assert retry_after("2") == 2.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after("soon") is None


def test_rate_limit_spaces_requests_to_one_host(site, tmp_path):
    stamps = []
    fetcher = Fetcher(rate=4, robots=False, trusted=["127.0.0.1"])
    for url in site.article_urls(1)[:4]:
        fetcher.get(url)
        stamps.append(time.monotonic())
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert min(gaps) >= 0.2  # 4 per second: at least 0.25 s apart (a lower bound, never an upper)


def test_fetcher_refuses_other_schemes_and_bad_parameters():
    assert "scheme" in Fetcher().get("file:///etc/passwd").reason
    with pytest.raises(ParameterError, match="rate"):
        Fetcher(rate=-1)
    with pytest.raises(ParameterError, match="max_bytes"):
        Fetcher(max_bytes=0)


# -- cache and resume ----------------------------------------------------------------------------------
def test_rerun_fetches_nothing_and_refresh_fetches_again(site, tmp_path):
    urls = site.article_urls(1)[:4] + [site.url("/gone", 1), site.url("/error500", 1)]
    first, f1 = run(tmp_path, urls=urls)
    before = dict(site.hits)
    second, f2 = run(tmp_path, urls=urls)
    pd.testing.assert_frame_equal(first, second)
    new = {k: v - before.get(k, 0) for k, v in site.hits.items() if v != before.get(k, 0)}
    new.pop((1, "/robots.txt"), None)  # read once per run
    assert new == {(1, "/error500"): 3}  # only the transient failure is asked again
    assert list(f2["url"]) == list(f1["url"])  # the final 404 is still reported, from the cache
    run(tmp_path, urls=urls[:1], refresh=True)
    assert (
        site.hits[(1, urls[0].split(site.base(1))[1])]
        == before[(1, urls[0].split(site.base(1))[1])] + 1
    )


def test_page_cache_is_content_addressed(tmp_path):
    with PageCache(tmp_path) as cache:
        cache.put("https://a.org/1", b"same", status=200, final_url=None)
        cache.put("https://a.org/2", b"same", status=200, final_url=None)
        cache.put("https://a.org/3", None, status=404, final_url=None, reason="HTTP 404")
        assert len(cache) == 3
        assert cache.get("https://a.org/1").sha256 == cache.get("https://a.org/2").sha256
        assert (
            cache.body("https://a.org/3") is None
            and cache.get("https://a.org/3").reason == "HTTP 404"
        )
    objects = [p for p in (tmp_path / "objects").rglob("*") if p.is_file()]
    assert len(objects) == 1


#: 60 pages at 4 a second per host (two hosts): the child runs for about 7 s and is stopped after
#: 10, so a loaded machine still leaves seconds between the check and the signal.
_CHILD = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C as in a terminal, even when the
# suite runs as a background job (which starts with SIGINT ignored, and the child inherits that)
sys.path.insert(0, {tests!r})
from ddj.collecting import collect
collect(urls={listing!r}, cache_dir={cache!r}, rate=4, workers=2, quiet=True, progress=False)
"""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "Ctrl-C"])
def test_killed_collection_resumes_to_the_same_corpus(tmp_path, sig):
    with Site(outlets=2, articles=30) as big:
        urls = big.article_urls(0) + big.article_urls(1)
        listing = tmp_path / "urls.txt"
        listing.write_text("\n".join(urls))
        clean, _ = run(tmp_path, name="clean", urls=listing)
        cache = tmp_path / "killed"
        script = _CHILD.format(
            tests=str(Path(__file__).parent), listing=str(listing), cache=str(cache)
        )
        child = subprocess.Popen(
            [sys.executable, "-c", script], env=os.environ.copy(), stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 60
            done = 0
            while time.monotonic() < deadline and child.poll() is None:
                if (cache / "pages.sqlite").exists():
                    with sqlite3.connect(cache / "pages.sqlite") as db:
                        try:
                            done = db.execute("SELECT count(*) FROM pages").fetchone()[0]
                        except sqlite3.OperationalError:
                            done = 0
                if done >= 10:
                    break
                time.sleep(0.05)
            assert child.poll() is None, "the child finished before it could be killed"
            child.send_signal(sig)
        finally:
            assert child.wait(10) != 0
        with PageCache(cache) as pc:
            kept = len(pc)
        assert 10 <= kept < len(urls)
        before = sum(big.hits.values())
        resumed, failures = run(tmp_path, name="killed", urls=listing)
        robots = sum(n for (_, p), n in big.hits.items() if p == "/robots.txt")
        fetched_now = sum(big.hits.values()) - before
        assert len(failures) == 0
        pd.testing.assert_frame_equal(resumed, clean)
        assert (
            fetched_now - 2 <= len(urls) - kept <= fetched_now
        )  # plus one robots.txt per host at most
        assert robots >= 2


# -- WARC ---------------------------------------------------------------------------------------------
def write_warc(path: Path, pages: list[tuple[str, bytes, str]], encoding=None) -> None:
    """A WARC of request/response pairs; ``encoding`` maps a page's index to its Content-Encoding."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=path.suffix == ".gz")
        for k, (url, body, ctype) in enumerate(pages):
            request = writer.create_warc_record(
                url,
                "request",
                http_headers=StatusAndHeaders(f"GET {url} HTTP/1.1", [], is_http_request=True),
            )
            writer.write_record(request)
            fields = [("Content-Type", ctype)]
            if encoding and k in encoding:
                fields.append(("Content-Encoding", encoding[k]))
            headers = StatusAndHeaders("200 OK", fields, protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    url, "response", payload=io.BytesIO(body), http_headers=headers
                )
            )


def test_warc_written_from_the_site_reads_back_to_the_same_articles(site, tmp_path):
    import urllib.request

    urls = site.article_urls(0)[:4]
    pages = [(u, urllib.request.urlopen(u).read(), "text/html; charset=utf-8") for u in urls]
    pages.append((site.url("/logo.png"), b"\x89PNG\r\n", "image/png"))
    warc = tmp_path / "site.warc.gz"
    write_warc(warc, pages)
    before = sum(site.hits.values())
    from_warc, failures = run(tmp_path, name="w", warcs=[warc])
    assert sum(site.hits.values()) == before  # nothing fetched
    assert len(failures) == 0
    from_web, _ = run(tmp_path, name="web", urls=urls)
    cols = ["url", "title", "published", "text", "words", "id"]
    pd.testing.assert_frame_equal(from_warc[cols], from_web[cols])
    assert set(from_warc["source"]) == {"warc"}


def test_broken_warc_is_a_failure(tmp_path):
    bad = tmp_path / "bad.warc"
    bad.write_bytes(b"WARC/1.0\r\nnot really\r\n\r\n")
    corpus, failures = run(tmp_path, warcs=bad)
    assert len(corpus) == 0 and list(failures["stage"]) == ["warc"]
    with pytest.raises(InputError, match="does not exist"):
        run(tmp_path, warcs=tmp_path / "nope.warc")


def test_demo_warc_declares_itself_and_the_corpus_is_labelled(site, tmp_path):
    import ddj
    from ddj.collecting.warc import warc_records
    from ddj.demo import DEMO_LABEL, DEMO_WARC_FIELD, demo_warc

    warc = demo_warc()
    info: dict[str, str] = {}
    assert list(warc_records(warc, [], info)) and info[DEMO_WARC_FIELD] == DEMO_LABEL
    copy = tmp_path / "renamed.warc.gz"  # the file says what it is, not its path
    copy.write_bytes(warc.read_bytes())
    out = tmp_path / "out" / "corpus.parquet"
    corpus, failures = run(tmp_path, warcs=[copy], since="2024-12-01", out=out)
    assert len(corpus) > 20 and corpus.attrs["ddj_demo"] == "synthetic demo data"
    assert failures["stage"].tolist() == ["extract"]  # the capture cut short
    with pytest.warns(DroppedRowsWarning, match="no publication date"):  # undated on purpose
        saved = ddj.load(out)
    assert saved.attrs["ddj_demo"] == "synthetic demo data"
    assert saved["url"].tolist() == corpus["url"].tolist()
    assert pd.read_csv(failures_path(out))["stage"].tolist() == ["extract"]
    # mixed with web sources, the output still says synthetic demo data
    mixed, _ = run(tmp_path, name="mixed", warcs=[copy], urls=site.article_urls(0)[:2])
    assert set(mixed["source"]) == {"warc", "urls"}
    assert mixed.attrs["ddj_demo"] == "synthetic demo data"
    # extending a labelled corpus keeps the label
    extended, _ = run(tmp_path, name="ext", urls=site.article_urls(0)[2:3], corpus=saved)
    assert extended.attrs["ddj_demo"] == "synthetic demo data"


def test_other_warcs_and_web_sources_are_not_labelled_demo(site, tmp_path):
    import urllib.request

    import ddj

    urls = site.article_urls(0)[:2]
    warc = tmp_path / "site.warc.gz"
    write_warc(warc, [(u, urllib.request.urlopen(u).read(), "text/html") for u in urls])
    out = tmp_path / "corpus.parquet"
    corpus, _ = run(tmp_path, warcs=[warc], out=out)
    assert len(corpus) == 2 and "ddj_demo" not in corpus.attrs
    assert "ddj_demo" not in ddj.load(out).attrs
    web, _ = run(tmp_path, name="web", urls=urls)
    assert "ddj_demo" not in web.attrs


# -- the rest of the contract ----------------------------------------------------------------------------
def test_dry_run_lists_without_fetching_articles(site, tmp_path):
    before = hits(site, 0)
    plan, failures = run(
        tmp_path, name="dry", feeds=[site.url("/rss.xml", 0)], dry_run=True, until="2024-05-04"
    )
    assert hits(site, 0) == before
    assert list(plan.columns) == ["url", "origin", "hint", "cached"]
    assert len(plan) == 4 and not plan["cached"].any()


def test_extend_save_and_failures_file(site, tmp_path):
    first, _ = run(tmp_path, urls=site.article_urls(0)[:2])
    out = tmp_path / "out" / "corpus.parquet"
    out.parent.mkdir()
    extended, failures = run(
        tmp_path, urls=site.article_urls(0)[1:4] + [site.url("/gone")], corpus=first, out=out
    )
    assert list(extended["url"]) == site.article_urls(0)[:4]
    assert pd.read_parquet(out)["url"].tolist() == extended["url"].tolist()
    saved = pd.read_csv(failures_path(out))
    assert (
        saved["reason"].tolist() == ["HTTP 404"]
        and failures_path(out).name == "corpus.failures.csv"
    )


def test_published_outside_range_is_dropped_with_a_warning(site, tmp_path):
    with pytest.warns(DroppedRowsWarning, match="outside since/until"):
        corpus, _ = collect(
            urls=site.article_urls(1)[:5],
            since="2024-05-03",
            cache_dir=tmp_path / "c",
            quiet=True,
            **FAST,
        )
    assert len(corpus) == 3


def test_summary_is_printed(site, tmp_path, capsys):
    collect(urls=[site.url("/gone", 1)], cache_dir=tmp_path / "c", **FAST)
    out = capsys.readouterr().out
    assert "collected 0 article(s)" in out and "HTTP 404" in out


def test_bad_parameters():
    with pytest.raises(ParameterError, match="at least one source"):
        collect()
    with pytest.raises(ParameterError, match="swap"):
        collect(urls=["http://127.0.0.1:9/x"], since="2024-05-02", until="2024-05-01")
    with pytest.raises(ParameterError, match="not a date"):
        collect(urls=["http://127.0.0.1:9/x"], since="last tuesday")


def test_parsers_on_inline_documents():
    feed = b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="/a"/><updated>2024-05-02T10:00:00Z</updated></entry></feed>'
    [entry] = feed_entries(feed, "https://n.example.org/atom")
    assert entry.url == "https://n.example.org/a" and entry.hint.hour == 10
    index = b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://a.org/s1.xml</loc></sitemap></sitemapindex>'
    children, pages = parse_sitemap(index)
    assert [c.url for c in children] == ["https://a.org/s1.xml"] and pages == []
    with pytest.raises(InputError):
        parse_sitemap(b"")
    assert is_article_url("https://a.org" + article_path(3))
    assert not is_article_url("https://a.org/section/world")


def test_extraction_in_worker_processes_gives_the_same_corpus(site, tmp_path, monkeypatch):
    import ddj.collecting as collect_module

    urls = site.article_urls(0) + [site.url("/binary")]
    in_process, f1 = run(tmp_path, name="one", urls=urls, extract_workers=1)
    monkeypatch.setattr(collect_module, "POOL_THRESHOLD", 0)
    pooled, f2 = run(
        tmp_path, name="one", urls=urls, extract_workers=2
    )  # from the cache, in 2 processes
    pd.testing.assert_frame_equal(in_process, pooled)
    pd.testing.assert_frame_equal(f1, f2)
    assert list(f2["stage"]) == ["extract"]


def test_ddj_collect_is_a_plain_function_beside_a_plain_package(site, tmp_path):
    import types

    import ddj
    import ddj.collecting as module

    assert isinstance(ddj.collect, types.FunctionType) and ddj.collect is module.collect
    assert not callable(module)  # no callable-module trick: the package is only a package
    corpus, failures = ddj.collect(
        urls=site.article_urls(1)[:1], cache_dir=tmp_path / "c", quiet=True, **FAST
    )
    assert len(corpus) == 1 and len(failures) == 0


def test_progress_bar_counts_pages(site, tmp_path, capsys):
    run(tmp_path, urls=site.article_urls(1)[:3], progress=True)
    err = capsys.readouterr().err
    assert "collect" in err and "3/3" in err


# -- the ddj collect command --------------------------------------------------------------------
def cli(*argv):
    from ddj.cli import main

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowsWarning)
        return main(["collect", *map(str, argv)])


def test_cli_collects_extends_and_records_failures(site, tmp_path, capsys):
    out = tmp_path / "corpus.parquet"
    fast = ["--rate", "0", "--timeout", "0.5", "--retries", "0", "--no-progress"]
    cache = ["--cache-dir", tmp_path / "cache"]
    assert cli("--feed", site.url("/rss.xml", 0), "-o", out, *fast, *cache) == 0
    first = pd.read_parquet(out)
    assert len(first) == 8 and set(first["source"]) == {"feed"}
    listing = tmp_path / "urls.txt"
    listing.write_text("# outlet 1\n" + "\n".join(site.article_urls(1)[:3]) + "\n")
    code = cli(site.url("/gone"), "--urls", listing, "-o", out, "--extend", *fast, *cache)
    assert code == 0
    extended = pd.read_parquet(out)
    assert extended["url"].tolist() == first["url"].tolist() + site.article_urls(1)[:3]
    failures = pd.read_csv(failures_path(out))
    assert failures["reason"].tolist() == ["HTTP 404"]
    printed = capsys.readouterr().out
    assert f"11 articles -> {out}" in printed and "1 failed URL(s)" in printed


def test_cli_dry_run_lists_and_fetches_no_article(site, tmp_path, capsys):
    before = hits(site, 0)
    plan = tmp_path / "plan.csv"
    code = cli("--feed", site.url("/rss.xml", 0), "--dry-run", "--until", "2024-05-04",
               "--rate", "0", "--cache-dir", tmp_path / "c", "-o", plan)  # fmt: skip
    assert code == 0 and hits(site, 0) == before
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("fetch")]
    assert len(lines) == 4 and len(pd.read_csv(plan)) == 4


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-o", "x.parquet"], "needs at least one source"),
        (["https://a.example/x"], "-o/--output"),
        (["--urls", "no-such-list.txt", "-o", "x.parquet"], "no-such-list.txt"),
        (
            [
                "https://a.example/x",
                "--since",
                "2024-02-01",
                "--until",
                "2024-01-01",
                "-o",
                "x.csv",
            ],
            "swap",
        ),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli(*argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ddj collect: error:") and message in err and "\n" not in err
    assert not (tmp_path / "x.parquet").exists()


# -- issue 12: time, size, robots, addresses, credentials, fan-out, processes -----------------------
def test_dripping_page_and_headers_hit_the_deadline(site, tmp_path):
    urls = [site.url("/drip"), site.url("/drip-headers")]  # 100 s each, a byte every 0.1 s
    start = time.monotonic()
    corpus, failures = run(tmp_path, urls=urls, deadline=2)
    took = time.monotonic() - start
    assert len(corpus) == 0
    assert failures["reason"].tolist() == ["took longer than 2 s (deadline=2)"] * 2
    assert took < 20  # two pages of one host, one after the other: about 4 s; before: 200 s


def test_ctrl_c_stops_a_collection_reading_a_dripping_body(site, tmp_path):
    main = threading.main_thread().ident
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(1.0, signal.pthread_kill, (main, signal.SIGINT))
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            run(tmp_path, urls=[site.url("/drip")], deadline=30)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert time.monotonic() - start < 10  # the worker thread was not left reading for 100 s


def test_gzip_bodies_are_expanded_within_the_page_cap(site, tmp_path):
    urls = [site.url(p) for p in ("/gzip-bomb", "/gzip-page", "/page.html.gz")]
    corpus, failures = run(tmp_path, urls=urls, max_bytes=1_000_000)
    assert failures["url"].tolist() == [urls[0]]
    assert "expands past the size cap" in failures["reason"].iloc[0]  # 50 MB from 50 KB
    assert sorted(t.split(" about")[0] for t in corpus["title"]) == ["Story 904", "Story 905"]


def test_warc_record_past_the_cap_or_corrupt_is_a_failure_and_the_rest_is_read(site, tmp_path):
    from collect_site import article_html, gzip_bomb

    from ddj.collecting.warc import warc_records

    good = [(site.url(f"/w/{n}"), article_html(0, n).encode(), "text/html") for n in (2, 3)]
    warc = tmp_path / "mixed.warc.gz"
    write_warc(warc, [good[0], (site.url("/w/bomb"), gzip_bomb(), "text/html"), good[1]],
               encoding={1: "gzip"})  # fmt: skip
    failures: list = []
    found = list(warc_records(warc, failures, max_bytes=1_000_000))
    assert [c.url for c in found] == [good[0][0], good[1][0]]
    assert [f.url for f in failures] == [site.url("/w/bomb")]
    assert "expands past the size cap" in failures[0].reason
    # files cut inside their last record: the records before it are kept, the cut is a row
    pages = [(site.url(f"/c/{n}"), article_html(0, n).encode(), "text/html") for n in (4, 5)]
    cuts = [tmp_path / "cut.warc", tmp_path / "cut.warc.gz"]
    for cut in cuts:
        write_warc(cut, pages)
        data = cut.read_bytes()  # .warc: cut in the payload; .warc.gz: in the last member's start
        end = len(data) - 300 if cut.suffix == ".warc" else data.rfind(b"\x1f\x8b\x08") + 30
        cut.write_bytes(data[:end])
    corpus, failures = run(tmp_path, warcs=[*cuts, warc], max_bytes=1_000_000)
    assert corpus["url"].tolist() == [pages[0][0], good[0][0], good[1][0]]
    rows = list(zip(failures["url"], failures["reason"], strict=True))
    assert rows[0][0] == pages[1][0] and "is truncated (the file ends inside it)" in rows[0][1]
    assert rows[1][0] == str(cuts[1]) and "ends inside a record (truncated)" in rows[1][1]
    assert rows[2][0] == site.url("/w/bomb") and len(rows) == 3


def test_robots_5xx_disallows_4xx_allows_big_is_read_to_500_kib_and_redirects_are_followed(
    tmp_path,
):
    with Site(outlets=4, articles=2, robots=("503", "404", "big", "redirect")) as s:
        urls = [s.url(p, i) for i in range(4) for p in (article_path(0, i), "/private/x.html")]
        corpus, failures = run(tmp_path, urls=urls, max_bytes=300_000)
        by_url = dict(zip(failures["url"], failures["reason"], strict=True))
        for p in (article_path(0, 0), "/private/x.html"):  # 503: nothing asked
            assert "robots.txt could not be read (HTTP 503)" in by_url[s.url(p, 0)]
            assert s.hits[(0, p)] == 0
        assert s.hits[(1, "/private/x.html")] == 1  # 404: no rules
        assert s.hits[(2, "/private/x.html")] == 0  # the rule at the start of a 1 MB file
        assert s.hits[(3, "/private/x.html")] == 0  # robots.txt -> robots-moved -> robots-real
        assert by_url[s.url("/private/x.html", 2)] == "disallowed by robots.txt"
        # articles of outlets 1-3 are fetched: the big file's Disallow: /2024/ after 600 KiB is not read
        wanted = [s.url(article_path(0, i), i) for i in (1, 2, 3)] + [s.url("/private/x.html", 1)]
        assert sorted(corpus["url"]) == sorted(wanted)
        # 503 is not a final answer: the next run asks again
        run(tmp_path, urls=urls[:1], max_bytes=300_000)
        assert s.hits[(0, "/robots.txt")] == 2 * 2  # one retry each time


PRIVATE_TARGETS = [
    "http://10.0.0.1/2024/05/01/a-story-here.html",
    "http://169.254.169.254/latest/meta-data/",
    "http://192.168.1.1/2024/05/01/b-story-here.html",
    "http://[fd00::1]/2024/05/01/c-story-here.html",
    "http://127.0.0.2:{port}/2024/05/01/d-story-here.html",
    "http://2130706433:{port}/2024/05/01/e-story-here.html",  # 127.0.0.1 as a decimal number
    "http://0177.0.0.1:{port}/2024/05/01/f-story-here.html",  # in octal
    "http://0x7f.1:{port}/2024/05/01/g-story-here.html",  # in hex, short form
    "http://[::ffff:127.0.0.1]:{port}/2024/05/01/h-story-here.html",  # IPv4-mapped IPv6
    "http://0.0.0.0:{port}/2024/05/01/i-story-here.html",
    "http://localhost:{port}/2024/05/01/j-story-here.html",
]


@pytest.fixture
def loopback_only(monkeypatch):
    """Fail a test that would open a connection to anything but 127.0.0.1."""
    import ddj.collecting.fetch as fetch_module

    real = fetch_module.urllib3_connection.create_connection
    seen: list[str] = []

    def guarded(address, *args, **kwargs):
        seen.append(address[0])
        assert address[0] == "127.0.0.1", f"tried to connect to {address[0]}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(fetch_module.urllib3_connection, "create_connection", guarded)
    return seen


def test_public_pages_feeds_and_redirects_cannot_lead_to_private_addresses(
    site, tmp_path, loopback_only
):
    port = site.servers[0].server_address[1]
    targets = [t.format(port=port) for t in PRIVATE_TARGETS]
    from urllib.parse import quote

    feed = site.url("/feed-to.xml?" + "&".join("u=" + quote(t) for t in targets))
    redirects = [site.url("/to?u=" + quote(t)) for t in targets]
    corpus, failures = run(tmp_path, feeds=[feed], urls=redirects)
    assert len(corpus) == 0 and len(failures) == 2 * len(targets)
    assert failures["reason"].str.startswith("refused to connect to").all()
    assert failures["reason"].str.contains("allow_private=True").all()
    kinds = " ".join(failures["reason"])
    for kind in ("a private", "a link-local", "a loopback", "an unspecified"):
        assert kind.replace("an ", "a ") in kinds
    assert not any("story-here" in p for (_, p) in site.hits)  # nothing reached the server
    # the opt-in, and the host the user started on, may be private
    corpus, failures = run(tmp_path, name="opt-in", urls=redirects[5:6], allow_private=True)
    assert len(failures) == 1 and failures["status"].tolist() == [404]  # reached 127.0.0.1
    assert site.hits[(0, "/2024/05/01/e-story-here.html")] == 1


def test_a_host_that_resolves_to_a_private_address_is_refused_before_connecting(
    site, loopback_only
):
    port = site.servers[0].server_address[1]
    answers = {"rebind.example": ["10.0.0.7"], "mixed.example": ["127.0.0.1"]}
    calls: list[str] = []

    def resolver(host, _port):
        calls.append(host)
        return answers[host]

    fetcher = Fetcher(rate=None, robots=False, resolver=resolver, trusted=["mixed.example"])
    page = fetcher.get(f"http://rebind.example:{port}" + article_path(0))
    assert page.reason.startswith("refused to connect to rebind.example (10.0.0.7, a private")
    assert loopback_only == []  # refused before any connection
    page = fetcher.get(f"http://mixed.example:{port}" + article_path(0))  # trusted: may be local
    assert page.ok and loopback_only == ["127.0.0.1"]  # connected to the address it checked
    assert calls == ["rebind.example", "mixed.example"]  # resolved once per connection


def test_credentials_in_urls_are_never_stored(site, tmp_path):
    from urllib.parse import quote

    from ddj.errors import DdjWarning

    base = site.base(0).replace("http://", "http://user:s3cret@")
    feed = base + "/feed-to.xml?u=" + quote(base + article_path(4))
    redirect = site.url("/to?u=" + quote(base + article_path(5)))
    urls = [base + article_path(3), redirect, base + "/gone"]
    out = tmp_path / "corpus.csv"
    with pytest.warns(DdjWarning, match="removed the user:password part of 5 URL") as caught:
        corpus, failures = run(tmp_path, urls=urls, feeds=[feed], out=out)
    assert len([w for w in caught if issubclass(w.category, DdjWarning)]) == 1
    assert sorted(corpus["url"]) == sorted(site.url(article_path(n)) for n in (3, 4, 5))
    assert failures["url"].tolist() == [site.url("/gone")]
    stored = b"".join(p.read_bytes() for p in (tmp_path / "cache").rglob("*") if p.is_file())
    stored += out.read_bytes() + failures_path(out).read_bytes()
    assert b"user:s3cret@" not in stored  # (the /to link carries it escaped in its query: a path)


def test_sitemap_and_feed_fan_out_is_bounded_by_max_pages(site, tmp_path):
    from ddj.collecting.sources import Candidate, SourceFailure, walk_sitemaps

    plan, failures = run(tmp_path, sitemaps=[site.url("/sitemap-big.xml?n=30")], max_pages=10,
                         dry_run=True)  # fmt: skip
    assert len(plan) == 10
    assert failures["stage"].tolist() == ["sitemap"]
    assert "more than max_pages=10 pages" in failures["reason"].iloc[0]
    feeds = [site.url("/rss.xml", 0), site.url("/rss.xml", 1)]  # 8 + 8 entries
    plan, failures = run(tmp_path, feeds=feeds, max_pages=10, dry_run=True)
    assert len(plan) == 10 and failures["stage"].tolist() == ["discover"]
    assert "list 16 pages, more than max_pages=10: 6 are not collected" in failures["reason"][0]
    # an index naming more sitemaps than a walk reads
    index = b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + b"".join(
        b"<sitemap><loc>https://a.example/s%d.xml</loc></sitemap>" % k for k in range(5)
    ) + b"</sitemapindex>"  # fmt: skip
    urlset = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.example/p</loc></url></urlset>'
    asked: list[str] = []

    def get(url):
        asked.append(url)
        return (index if url.endswith("index.xml") else urlset), None

    found: list[SourceFailure] = []
    pages = walk_sitemaps("https://a.example/index.xml", get, found, max_sitemaps=3)
    assert len(asked) == 3 and [type(p) for p in pages] == [Candidate, Candidate]
    assert "more than 3 sitemaps" in found[0].reason and "3 not read" in found[0].reason


_KILLED_CHILD = """
import sys, time
sys.path.insert(0, {tests!r})
{body}
"""
_COLLECT_BODY = """
import ddj.collecting as c
c.POOL_THRESHOLD = 0  # extract in worker processes
c.collect(urls={listing!r}, cache_dir={cache!r}, rate=2, workers=1, extract_workers=2,
          quiet=True, progress=False)
"""
_LOAD_BODY = """
import ddj, ddj.loading as loading
parse = loading._parse_file
def slow(path):
    time.sleep(0.05)
    return parse(path)
loading._parse_file = slow
ddj.load({folder!r}, workers=2, progress=False)
"""


def _workers_outlive_a_killed_parent(script: str, env: dict) -> list:
    """Start ``script``, SIGKILL it once it has 2 worker processes; the workers alive 5 s later."""
    psutil = pytest.importorskip("psutil")
    child = subprocess.Popen([sys.executable, "-c", script], env=env, stderr=subprocess.PIPE)
    try:
        parent = psutil.Process(child.pid)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(parent.children()) < 2:
            assert child.poll() is None, child.stderr.read().decode()[-2000:]
            time.sleep(0.05)
        workers = parent.children()
        assert len(workers) >= 2
        time.sleep(0.5)  # let them settle into their work, or their wait for work
        child.kill()
    finally:
        child.kill()
        child.wait(10)
    gone_by = time.monotonic() + 5
    while time.monotonic() < gone_by:
        alive = [w for w in workers if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return []
        time.sleep(0.1)
    for w in alive:
        w.kill()  # clean up what the old code left
    return alive


def test_sigkill_of_a_collection_leaves_no_extractor_process(tmp_path):
    with Site(outlets=1, articles=40) as s:
        listing = tmp_path / "urls.txt"
        listing.write_text("\n".join(s.article_urls(0)))
        body = _COLLECT_BODY.format(listing=str(listing), cache=str(tmp_path / "cache"))
        script = _KILLED_CHILD.format(tests=str(Path(__file__).parent), body=body)
        assert _workers_outlive_a_killed_parent(script, os.environ.copy()) == []


def test_sigkill_of_a_load_leaves_no_parser_process(tmp_path):
    from collect_site import article_html

    folder = tmp_path / "pages"
    folder.mkdir()
    for n in range(400):
        (folder / f"p{n}.html").write_text(article_html(0, n))
    body = _LOAD_BODY.format(folder=str(folder))
    script = _KILLED_CHILD.format(tests=str(Path(__file__).parent), body=body)
    env = {**os.environ, "DDJ_CACHE": str(tmp_path / "ddj-cache")}
    assert _workers_outlive_a_killed_parent(script, env) == []


_CONCURRENT = """
import sys
from ddj.collecting import collect
collect(urls={listing!r}, cache_dir={cache!r}, rate=5, workers=2, quiet=True, progress=False)
"""


def test_two_collections_into_one_cache_fetch_each_page_once_at_the_hosts_rate(tmp_path):
    with Site(outlets=1, articles=12) as s:
        listing = tmp_path / "urls.txt"
        listing.write_text("\n".join(s.article_urls(0)))
        backwards = tmp_path / "backwards.txt"  # so that both fetch: they meet in the middle
        backwards.write_text("\n".join(reversed(s.article_urls(0))))
        cache = str(tmp_path / "shared")
        scripts = [_CONCURRENT.format(listing=str(f), cache=cache) for f in (listing, backwards)]
        children = [subprocess.Popen([sys.executable, "-c", script]) for script in scripts]
        assert [c.wait(120) for c in children] == [0, 0]
        articles = {p: n for (_, p), n in s.hits.items() if p in s.outlets[0].paths}
        assert articles == dict.fromkeys(s.outlets[0].paths, 1)  # each page once, for both
        stamps = sorted(t for t, _, _ in s.times)  # every request to the host, robots.txt too
        gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
        assert len(stamps) == 12 + 2 and min(gaps) >= 0.15  # 5 a second: 0.2 s apart
        for name in ("a", "b"):  # both corpora are whole
            corpus, failures = run(tmp_path, name="shared", urls=listing)
            assert len(corpus) == 12 and len(failures) == 0, name


def test_cli_deadline_max_pages_and_allow_private(site, tmp_path, capsys):
    from urllib.parse import quote

    port = site.servers[0].server_address[1]
    private = site.url("/to?u=" + quote(f"http://2130706433:{port}/2024/05/01/k-story-here.html"))
    fast = ["--rate", "0", "--timeout", "0.5", "--retries", "0", "--no-progress"]
    out = tmp_path / "c.parquet"
    args = [site.url("/drip"), private, "-o", out, "--cache-dir", tmp_path / "c", *fast]
    assert cli(*args, "--deadline", "1") == 0
    reasons = pd.read_csv(failures_path(out))["reason"].tolist()
    assert reasons[0] == "took longer than 1 s (deadline=1)"
    assert reasons[1].startswith("refused to connect to 2130706433")
    again = [private, "-o", out, "--cache-dir", tmp_path / "c", *fast, "--allow-private"]
    assert cli(*again, "--overwrite") == 0
    assert pd.read_csv(failures_path(out))["reason"].tolist() == ["HTTP 404"]  # reached it
    plan = tmp_path / "plan.csv"
    assert cli("--feed", site.url("/rss.xml"), "--dry-run", "--max-pages", "3", "-o", plan, *fast,
               "--cache-dir", tmp_path / "c") == 0  # fmt: skip
    assert len(pd.read_csv(plan)) == 3
    capsys.readouterr()


def test_a_huge_crawl_delay_is_honoured_only_up_to_the_bound():
    """A robots.txt asking for a day between requests cannot stall a collection for a day."""
    import urllib.robotparser

    from ddj.collecting import fetch

    fetcher = Fetcher(rate=None, robots=True, trusted=["127.0.0.1"])
    asked: list[float] = []
    fetcher._book = lambda host, delay: asked.append(delay) or 0.0
    for delay, expected in (("86400", fetch.MAX_CRAWL_DELAY), ("3", 3.0)):
        host = fetcher._host(parse_url(f"http://127.0.0.1/{delay}"))
        host.key = f"127.0.0.1:{delay}"
        host.robots = urllib.robotparser.RobotFileParser()
        host.robots.parse(["User-agent: *", f"Crawl-delay: {delay}"])
        fetcher._wait_turn(host, fetch._Watch(60))
        assert asked[-1] == expected


_OPEN_AT = """
import sys, time
from ddj.collecting.cache import PageCache
start = float(sys.argv[2])
while time.time() < start:
    pass
PageCache(sys.argv[1]).close()
"""


def test_processes_opening_one_new_cache_at_once_all_open_it(tmp_path):
    """SQLite refuses, without waiting, a second process switching a new file to WAL."""
    for attempt in range(6):
        root, start = tmp_path / f"cache-{attempt}", time.time() + 1.0
        children = [
            subprocess.Popen(
                [sys.executable, "-c", _OPEN_AT, str(root), str(start)],
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        outcomes = [(c.wait(60), c.stderr.read()) for c in children]
        assert all(code == 0 for code, _ in outcomes), outcomes


# -- issue 22: a store never counts an article twice; no corpus file replaced silently ------------
def test_collecting_a_feed_into_a_store_twice_counts_each_article_once(site, tmp_path, capsys):
    import ddj

    store = tmp_path / "store"
    argv = ["--feed", site.url("/rss.xml", 0), "-o", store, "--rate", "0", "--no-progress",
            "--cache-dir", tmp_path / "cache"]  # fmt: skip
    assert cli(*argv) == 0
    once = ddj.coverage(ddj.open(store), ["hong_kong"], freq="M")
    assert cli(*argv) == 0  # the daily job, run again
    opened = ddj.open(store)
    assert len(opened) == 8 and opened.to_pandas()["id"].is_unique
    twice = ddj.coverage(opened, ["hong_kong"], freq="M")
    pd.testing.assert_frame_equal(twice, once)
    assert once["total"].sum() > 0
    held = ddj.problems(opened)["reason"].str.startswith("already in the store").sum()
    assert held == 8  # the second run's articles, each counted
    assert cli(*argv, "--overwrite") == 2  # a store is only added to
    assert "is a store folder" in capsys.readouterr().err


def test_collect_over_an_existing_corpus_file_needs_overwrite_or_extend(site, tmp_path, capsys):
    out = tmp_path / "corpus.parquet"
    fast = ["--rate", "0", "--no-progress", "--cache-dir", tmp_path / "cache"]
    assert cli("--feed", site.url("/rss.xml", 0), "-o", out, *fast) == 0
    before = out.read_bytes()
    requests = sum(site.hits.values())
    capsys.readouterr()
    assert cli(site.article_urls(1)[0], "-o", out, *fast) == 2
    err = capsys.readouterr().err.strip()
    assert str(out) in err and "--overwrite" in err and "--extend" in err and "\n" not in err
    assert out.read_bytes() == before and sum(site.hits.values()) == requests  # nothing fetched
    assert cli(site.article_urls(1)[0], "-o", out, "--dry-run", *fast) == 2  # the plan too
    assert cli(site.article_urls(1)[0], "-o", out, "--extend", *fast) == 0
    assert len(pd.read_parquet(out)) == 9
    assert cli(site.article_urls(1)[0], "-o", out, "--overwrite", *fast) == 0
    assert len(pd.read_parquet(out)) == 1
    with pytest.raises(InputError, match=r"corpus\.parquet exists already: pass overwrite=True"):
        run(tmp_path, urls=site.article_urls(1)[:2], out=out)
    assert len(pd.read_parquet(out)) == 1


# -- issue 22: the page deadline, numbers and URLs from hosts -----------------------------------------
class RawSite:
    """A 127.0.0.1 server answering each path with the raw bytes of ``answers[path]`` (a generator).

    Each item the generator gives is sent as it comes, so a body can drip; the
    server stops sending once the client has gone.
    """

    def __init__(self, answers: dict):
        import socket

        self.answers = answers
        self.hits: list[str] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn) -> None:
        with conn:
            try:
                request = conn.recv(65536).decode("latin-1")
                path = request.split(" ", 2)[1] if " " in request else "/"
                self.hits.append(path)
                answer = self.answers.get(path)
                if answer is None:
                    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                    return
                for piece in answer():
                    if self.stop.is_set():
                        return
                    conn.sendall(piece)
            except OSError:
                pass  # the client gave up: what the test wants

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def head(status: str = "200 OK", *fields: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Content-Type: text/html", *fields, "", ""]
    return "\r\n".join(lines).encode("latin-1")


def drip(prefix: bytes, seconds: float = 20.0, every: float = 0.2):
    """``prefix`` at once, then a byte every ``every`` s for ``seconds``."""

    def answer():
        yield prefix
        for _ in range(int(seconds / every)):
            time.sleep(every)
            yield b"x"

    return answer


def page(*fields: str, body: bytes | None = None):
    html = (
        body
        if body is not None
        else (
            b"<html><head><title>A page</title></head><body><article><p>"
            + b"Words of a page that is long enough to be an article. " * 20
            + b"</p></article></body></html>"
        )
    )
    return lambda: iter([head("200 OK", "Connection: close", *fields) + html])


@pytest.fixture
def raw_site():
    sites: list[RawSite] = []

    def make(answers: dict) -> RawSite:
        sites.append(RawSite(answers))
        return sites[-1]

    yield make
    for s in sites:
        s.close()


@pytest.mark.parametrize(
    "answer",
    [
        drip(head("200 OK", "Connection: close")),  # no length: read until the server closes
        drip(head("200 OK", "Connection: close", "Content-Encoding: gzip")),
        drip(head("200 OK", "Transfer-Encoding: chunked") + b"1000\r\n"),
        drip(head("200 OK", "Content-Length: 5000")),
        drip(b"HTTP/1.1 200 OK\r\n"),  # headers
    ],
    ids=["until-close", "gzip", "chunked", "length", "headers"],
)
def test_a_dripping_page_fails_at_its_deadline_whatever_it_sends(raw_site, tmp_path, answer):
    site = raw_site({"/robots.txt": lambda: iter([head("404 Not Found", "Content-Length: 0")]),
                     "/drip": answer})  # fmt: skip
    start = time.monotonic()
    corpus, failures = run(tmp_path, urls=[site.url("/drip")], deadline=2, retries=0,
                           read_timeout=5)  # fmt: skip
    took = time.monotonic() - start
    assert len(corpus) == 0
    assert failures[["url", "stage"]].values.tolist() == [[site.url("/drip"), "fetch"]]
    assert "deadline" in failures["reason"].iloc[0]
    assert (
        took < 10
    )  # a guard, not a benchmark: the drip lasts 20 s (before: 20 s, or 101 s at 1 B/s)


def test_retry_waits_and_redirect_bodies_stay_within_the_deadline(raw_site, tmp_path):
    site = raw_site({
        "/busy": lambda: iter([head("503 Service Unavailable", "Retry-After: 30", "Content-Length: 0")]),
        "/moved": drip(head("302 Found", "Location: /ok", "Content-Length: 5000")),  # a dripping body
        "/ok": page(),
    })  # fmt: skip
    start = time.monotonic()
    corpus, failures = run(tmp_path, urls=[site.url("/busy"), site.url("/moved")], deadline=3,
                           retries=3, max_retry_after=60, robots=False)  # fmt: skip
    assert time.monotonic() - start < 10  # before: 30 s of Retry-After, then 20 s of redirect body
    assert failures["url"].tolist() == [site.url("/busy")]
    assert failures["reason"].iloc[0] == (
        "HTTP 503; the next try, in 30 s, would pass the deadline (deadline=3)"
    )
    assert corpus["url"].tolist() == [site.url("/ok")]
    assert site.hits.count("/busy") == 1  # no retry that could not finish in time


HUGE = ["9" * 5000, "1" + "0" * 400, "²", "1e400", "-1", "Wed, 21 Oct 99999 07:28:00 GMT"]


def test_numbers_and_urls_from_hosts_and_lists_are_bounded_or_failure_rows(raw_site, tmp_path):
    robots = "User-agent: *\n" + "".join(f"Crawl-delay: {v}\nRequest-rate: {v}/{v}\n" for v in HUGE)
    robots_site = raw_site({  # one page: a Crawl-delay (bounded to 60 s) spaces pages, not the first
        "/robots.txt": page("Content-Type: text/plain", body=(robots + "Disallow: //[x\n").encode()),
        "/ok": page(),
    })  # fmt: skip
    answers = {
        "/to-broken": lambda: iter([head("302 Found", "Location: http://[::1", "Content-Length: 0")]),
    }  # fmt: skip
    for k, value in enumerate(HUGE):
        answers[f"/length-{k}"] = page(f"Content-Length: {value}")
        answers[f"/retry-{k}"] = lambda v=value: iter(
            [head("503 Service Unavailable", f"Retry-After: {v}", "Content-Length: 0")]
        )
    site = raw_site(answers)
    urls = [site.url(f"/{kind}-{k}") for kind in ("length", "retry") for k in range(len(HUGE))]
    listed = urls + [site.url("/to-broken"), "http://[::1", "http://a:99999999/", "https://x:²/",
                     robots_site.url("/ok")]  # fmt: skip
    with pytest.warns(DdjWarning, match="hosts sent .* value") as caught:
        corpus, failures = run(tmp_path, urls=listed, retries=1, backoff=0.01, deadline=5,
                               rate=None)  # fmt: skip
    by_url = dict(zip(failures["url"], failures["reason"], strict=True))
    assert by_url[site.url("/to-broken")].startswith(
        "a redirect leads to 'http://[::1' is not a URL"
    )
    assert "its [...] address is broken" in by_url["http://[::1"]
    assert "port is not a number from 1 to 65535" in by_url["http://a:99999999/"]
    assert "port is not a number from 1 to 65535" in by_url["https://x:²/"]
    for k in range(len(HUGE)):  # a Retry-After too long to wait, else the backoff: never a crash
        assert by_url[site.url(f"/retry-{k}")].startswith("HTTP 503")
    assert "exceeds max_retry_after" in by_url[site.url("/retry-0")]  # 5,000 digits: bounded
    assert "31536000s or more" in by_url[site.url("/retry-1")]
    # a Content-Length that is no number is ignored (the body read under max_bytes); a huge one
    # is larger than max_bytes, which no page can be
    kept = set(corpus["url"])
    for k in range(len(HUGE)):
        url = site.url(f"/length-{k}")
        assert (url in kept) != (url in by_url)  # a page or a failure row, nothing lost
    assert "bytes or more declared" in by_url[site.url("/length-0")]
    assert {site.url(f"/length-{k}") for k in (2, 3, 4, 5)} | {robots_site.url("/ok")} <= kept
    message = next(str(w.message) for w in caught if "hosts sent" in str(w.message))
    for what in ("Crawl-delay unreadable", "Retry-After unreadable", "Content-Length unreadable"):
        assert what in message


def test_a_collected_page_dated_in_an_unknown_time_zone_is_counted(tmp_path):
    words = " ".join(["council", "harbour", "budget", "vote", "river"] * 30)

    def page(date, extra=""):
        return (
            f"<html><head><title>Story</title><meta property='article:published_time' "
            f"content='{date}'>{extra}</head><body><article><h1>Story</h1><p>{words}.</p>"
            f"<p>{words}.</p></article></body></html>"
        )

    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-05-02T08:00:00+02:00"}</script>'
    pages = {"/a": page("2 May 2024 08:00 QQT", ld), "/b": page("2024-05-03T08:00:00Z")}
    server = serve(pages)
    try:
        urls = [f"http://127.0.0.1:{server.server_address[1]}{p}" for p in pages]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            corpus, _ = collect(urls=urls, **{**FAST, "quiet": True, "cache_dir": tmp_path / "c"})
    finally:
        server.shutdown()
        server.server_close()
    assert (
        corpus["published"].notna().all()
    )  # a's JSON-LD dates it (the meta tag's zone is unknown)
    reasons = problems(corpus).set_index("source")["reason"].to_dict()
    assert list(reasons) == [urls[0]]
    assert "'QQT' unknown" in reasons[urls[0]] and "dated from its JSON-LD" in reasons[urls[0]]
    said = [str(w.message) for w in caught if "time zone ddj does not know" in str(w.message)]
    assert len(said) == 1 and said[0].startswith("1 page(s)") and "(QQT)" in said[0]


def test_load_and_collect_start_a_pool_from_the_same_number_of_pages(tmp_path, monkeypatch):
    """One threshold (``ddj.pool.POOL_THRESHOLD``): 30 pages go to worker processes in both.

    ``ddj.collect`` pooled from 200 pages, ``ddj.load`` from 24; the extractors here record
    what they were asked and work in this process.
    """
    import ddj
    import ddj.collecting.harvest as harvest_module
    import ddj.loading as loading_module
    from ddj.pool import Extractor

    asked = []

    class Recording(Extractor):
        def __init__(self, work, *, workers, pooled, warm_item=None):
            asked.append(pooled)
            super().__init__(work, workers=1, pooled=pooled, warm_item=warm_item)

    monkeypatch.setattr(harvest_module, "Extractor", Recording)
    monkeypatch.setattr(loading_module, "Extractor", Recording)
    with Site(outlets=1, articles=30) as big:
        run(tmp_path, urls=big.article_urls(0), extract_workers=2)
        run(tmp_path, name="few", urls=big.article_urls(0)[:10], extract_workers=2)
    pages = tmp_path / "pages"
    pages.mkdir()
    for i in range(30):
        (pages / f"{i}.html").write_text(f"<title>Page {i}</title><p>Text {i} of the page.</p>")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ddj.load(pages, workers=2, progress=False)
    assert asked == [True, False, True]
