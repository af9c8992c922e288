"""ddj.collect against a local multi-outlet site on 127.0.0.1 (tests/collect_site.py)."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest

from ddj.collect import collect, failures_path
from ddj.collect.cache import PageCache
from ddj.collect.fetch import Fetcher, retry_after
from ddj.collect.sources import feed_entries, is_article_url, parse_sitemap, read_urls
from ddj.errors import DroppedRowsWarning, InputError, ParameterError

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
    corpus, failures = run(tmp_path, urls=[url], robots=False, contact="desk@example.org")
    assert len(failures) == 0 and len(corpus) == 1
    assert "ddj/0.1 (+desk@example.org)" in site.user_agents


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
from ddj.collect import collect
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
def write_warc(path: Path, pages: list[tuple[str, bytes, str]]) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=path.suffix == ".gz")
        for url, body, ctype in pages:
            request = writer.create_warc_record(
                url,
                "request",
                http_headers=StatusAndHeaders(f"GET {url} HTTP/1.1", [], is_http_request=True),
            )
            writer.write_record(request)
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
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
    from ddj.collect.sources import warc_records
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
    import ddj.collect as collect_module

    urls = site.article_urls(0) + [site.url("/binary")]
    in_process, f1 = run(tmp_path, name="one", urls=urls, extract_workers=1)
    monkeypatch.setattr(collect_module, "POOL_THRESHOLD", 0)
    pooled, f2 = run(
        tmp_path, name="one", urls=urls, extract_workers=2
    )  # from the cache, in 2 processes
    pd.testing.assert_frame_equal(in_process, pooled)
    pd.testing.assert_frame_equal(f1, f2)
    assert list(f2["stage"]) == ["extract"]


def test_the_subpackage_is_callable_as_ddj_collect(site, tmp_path):
    import ddj
    import ddj.collect as module

    assert callable(module)
    corpus, failures = module(
        urls=site.article_urls(1)[:1], cache_dir=tmp_path / "c", quiet=True, **FAST
    )
    assert len(corpus) == 1 and len(failures) == 0
    assert callable(ddj.collect)


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
