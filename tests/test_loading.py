import gzip
import json
import os
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest

import ddj
import ddj.extract
import ddj.limits
import ddj.loading
from ddj.corpus import COLUMNS
from tests.hostile_files import fifo, finishes, sparse, undecodable_name

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title} | The Test Gazette</title>
<link rel="canonical" href="https://gazette.example/news/{slug}">
<meta property="og:url" content="https://gazette.example/news/{slug}">
<meta property="og:site_name" content="The Test Gazette">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "{title}", "datePublished": "{date}", "author": {{"@type": "Person", "name": "Ada Writer"}}}}</script>
</head><body><article><h1>{title}</h1>
<p>{body}</p><p>This second paragraph is written for the ddj test suite so the page has a body of some length,
which article extractors want before they believe they found the story.</p>
<p>A third paragraph, also invented, talks about the council budget, the weather and a football match.</p>
</article></body></html>"""


def page(
    slug,
    title,
    date,
    body="Officials met in the town hall on Tuesday to discuss the harbour project.",
):
    return PAGE.format(slug=slug, title=title, date=date, body=body)


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "pages"
    (root / "2024" / "10").mkdir(parents=True)
    (root / "2024" / "10" / "a.html").write_text(
        page("a", "Harbour plan approved", "2024-10-18T09:30:00+01:00")
    )
    (root / "2024" / "b.htm").write_text(page("b", "Council meets again", "2024-10-19T10:00:00Z"))
    (root / "c.html.gz").write_bytes(
        gzip.compress(page("c", "Storm warning issued", "2024-10-20").encode())
    )
    (root / "empty.html").write_bytes(b"")
    (root / "binary.html").write_bytes(bytes(range(256)) * 40)
    (root / "notes.txt").write_text("not a page, ignored")
    (root / ".hidden.html").write_text(page("h", "Hidden", "2024-10-21"))
    return root


def test_folder_loads_in_order_and_reports_bad_pages(folder):
    with pytest.warns(ddj.DroppedRowsWarning, match="Skipped 2 of 5 page"):
        c = ddj.load(folder)
    assert list(c.columns) == COLUMNS
    # sorted path order: 2024/10/a.html, 2024/b.htm, c.html.gz
    assert c["title"].tolist() == [
        "Harbour plan approved",
        "Council meets again",
        "Storm warning issued",
    ]
    assert c["published"].tolist() == [
        pd.Timestamp("2024-10-18T08:30Z"),
        pd.Timestamp("2024-10-19T10:00Z"),
        pd.Timestamp("2024-10-20T12:00Z"),
    ]
    assert c["published_from"].tolist() == ["json-ld"] * 3
    assert c["authors"].tolist() == ["Ada Writer"] * 3
    assert c["url"].tolist()[0] == "https://gazette.example/news/a"
    assert c["outlet"].unique().tolist() == ["The Test Gazette"]
    probs = ddj.problems(c)
    assert sorted(p.rsplit("/", 1)[-1] for p in probs["source"]) == ["binary.html", "empty.html"]
    assert probs["reason"].str.len().gt(10).all()


def test_second_load_parses_nothing_unchanged(folder, monkeypatch):
    calls = []
    real = ddj.extract.read_html

    def counting(html, url=None):
        calls.append(1)
        return real(html, url)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = ddj.load(folder, workers=1)
        monkeypatch.setattr(ddj.extract, "read_html", counting)
        second = ddj.load(folder, workers=1)
        assert calls == []  # every page, good or bad, came from the cache
        pd.testing.assert_frame_equal(first, second)
        (folder / "2024" / "b.htm").write_text(
            page("b", "Council meets once more", "2024-10-19T10:00:00Z")
        )
        third = ddj.load(folder, workers=1)
    assert len(calls) == 1
    assert "Council meets once more" in third["title"].tolist()


def test_parallel_load_keeps_input_order(tmp_path):
    root = tmp_path / "many"
    root.mkdir()
    for i in range(40):
        (root / f"p{i:03d}.html").write_text(
            page(f"s{i}", f"Story number {i}", f"2024-01-{1 + i % 28:02d}T08:00:00Z")
        )
    parallel = ddj.load(root, workers=2, cache=False)
    serial = ddj.load(root, workers=1, cache=False)
    assert parallel["title"].tolist() == [f"Story number {i}" for i in range(40)]
    pd.testing.assert_frame_equal(parallel, serial)


def test_duplicates_across_sources_dropped_with_count(folder, tmp_path):
    table = tmp_path / "t.csv"
    table.write_text(
        "url,date,title\nhttps://www.gazette.example/news/a?utm_source=rss,2024-10-18,Dup\n"
        "https://gazette.example/news/z,2024-11-01,Table only\n"
    )
    with pytest.warns(ddj.DroppedRowsWarning) as rec:
        c = ddj.load([folder, table])
    assert any("Dropped 1 duplicate" in str(w.message) for w in rec)
    assert c["title"].tolist() == [
        "Harbour plan approved",
        "Council meets again",
        "Storm warning issued",
        "Table only",
    ]


def test_undated_rows_kept_and_counted(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text(
        "url,date\nhttps://a.example/1,2024-01-01\nhttps://a.example/2,\nhttps://a.example/3,not a date\n"
    )
    with pytest.warns(ddj.DroppedRowsWarning, match="2 of 3 article"):
        c = ddj.load(p)
    assert len(c) == 3 and c["published"].isna().sum() == 2
    assert ddj.problems(c)["reason"].tolist() == [
        "no publication date found",
        "unparseable date 'not a date'",
    ]


@pytest.mark.parametrize("name", ["c.parquet", "c.csv", "c.csv.gz", "c.jsonl"])
def test_save_round_trips_every_dtype(folder, tmp_path, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = ddj.load(folder)
        back = ddj.load(ddj.save(c, tmp_path / "out" / name))
    pd.testing.assert_frame_equal(back, c, check_like=False)
    assert back.dtypes.equals(c.dtypes)


def test_demo_label_survives_parquet_and_mixing(tmp_path):
    frame = pd.DataFrame({"link": ["https://a.example/1"], "pub_date": ["2024-02-02T10:00:00Z"]})
    real = ddj.load(frame)
    demo = real.copy()
    demo.attrs["ddj_demo"] = "synthetic demo data"
    saved = ddj.save(demo, tmp_path / "demo.parquet")
    assert ddj.load(saved).attrs["ddj_demo"] == "synthetic demo data"
    other = ddj.save(real, tmp_path / "real.parquet")
    assert "ddj_demo" not in ddj.load(other).attrs
    mixed = ddj.load([other, saved], dedupe=False)  # any demo rows in it: it says so
    assert len(mixed) == 2 and mixed.attrs["ddj_demo"] == "synthetic demo data"


def test_dataframe_source(tmp_path):
    frame = pd.DataFrame({"link": ["https://a.example/1"], "pub_date": ["2024-02-02T10:00:00Z"]})
    c = ddj.load(frame)
    assert c["published"].iloc[0] == pd.Timestamp("2024-02-02T10:00Z")
    assert c["source"].iloc[0] == "DataFrame#row=0"


def test_missing_path(tmp_path):
    with pytest.raises(ddj.InputError, match="nope.html: no such file or folder"):
        ddj.load(tmp_path / "nope.html")


def test_empty_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "readme.txt").write_text("x")
    with pytest.raises(ddj.InputError, match="no web pages in this folder"):
        ddj.load(tmp_path)


def test_unknown_type(tmp_path):
    p = tmp_path / "report.docx"
    p.write_bytes(b"PK")
    with pytest.raises(ddj.InputError, match=r"report.docx: unknown file type"):
        ddj.load(p)


def test_only_bad_pages(tmp_path):
    (tmp_path / "a.html").write_bytes(b"")
    (tmp_path / "b.html").write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(ddj.InputError, match="None of the 2 page"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ddj.load(tmp_path)


def test_save_rejects_bad_targets(tmp_path):
    c = ddj.corpus.empty()
    with pytest.raises(ddj.InputError, match=r"\.parquet"):
        ddj.save(c, tmp_path / "c.xlsx")
    with pytest.raises(ddj.InputError, match="lacks corpus column"):
        ddj.save(pd.DataFrame({"a": [1]}), tmp_path / "c.parquet")


# -- saving: bad targets, killed saves ---------------------------------------------------------


def _one_row():
    return ddj.load(pd.DataFrame({"url": ["https://a.example/1"], "date": ["2024-01-01"]}))


@pytest.mark.parametrize("where", ["under-a-file", "folder", "proc"])
def test_save_to_a_place_that_cannot_be_written_names_it(tmp_path, where):
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "x.parquet").mkdir()
    if where == "proc" and not Path("/proc/self").exists():
        pytest.skip("no /proc here")
    target = {
        "under-a-file": tmp_path / "file.txt" / "x.parquet",
        "folder": tmp_path / "x.parquet",
        "proc": Path("/proc/x.parquet"),  # root may write anywhere else; not here
    }[where]
    with pytest.raises(ddj.InputError, match=re.escape(str(target))):
        ddj.save(_one_row(), target)
    assert (tmp_path / "file.txt").read_text() == "x"


KILLED_SAVE = """
import sys, time
import pandas as pd
import ddj, ddj.loading
corpus = ddj.load(pd.DataFrame({"url": ["https://a.example/1"], "date": ["2024-01-01"]}))
ddj.loading.os.replace = lambda src, dst: time.sleep(600)  # killed while "renaming"
ddj.save(corpus, sys.argv[1])
"""


def test_next_save_removes_the_temp_file_of_a_killed_save(tmp_path):
    target = tmp_path / "c.parquet"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SAVE, str(target)])
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".c.parquet.tmp-*")) and time.monotonic() < deadline:
            assert proc.poll() is None, "the saving process ended early"
            time.sleep(0.1)
    finally:
        proc.kill()
        proc.wait()
    left = list(tmp_path.glob(".c.parquet.tmp-*"))
    assert len(left) == 1 and not target.exists()
    others = [tmp_path / n for n in (".d.parquet.tmp-1", ".c.parquet.tmp-mine", "notes.txt")]
    for p in others:
        p.write_text("not ddj's to remove")
    os.utime(left[0], (time.time() - 5, time.time() - 5))
    ddj.save(_one_row(), target)
    assert target.exists() and not left[0].exists()
    assert all(p.exists() for p in others)  # other names and other patterns are never touched


# -- a gzip bomb among the pages -----------------------------------------------------------------

BOMB_LOAD = """
import json, resource, sys, warnings
import ddj
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    corpus = ddj.load(sys.argv[1], cache=False, workers=1)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"titles": corpus["title"].tolist(), "problems": ddj.problems(corpus).to_dict("records"),
                  "grew_mb": (after - before) / 1024}))
"""


def test_gzip_bomb_page_is_a_problem_and_memory_stays_bounded(tmp_path):
    root = tmp_path / "pages"
    root.mkdir()
    (root / "a.html").write_text(page("a", "Harbour plan approved", "2024-10-18T09:30:00Z"))
    (root / "b.html").write_text(page("b", "Council meets again", "2024-10-19T10:00:00Z"))
    member = gzip.compress(b" " * 10_000_000, 9)  # concatenated members: 3 GB of spaces
    bomb = root / "bomb.html.gz"
    bomb.write_bytes(member * 300)
    assert 1_000_000 < bomb.stat().st_size < 10_000_000
    expanded = 300 * 10_000_000
    assert expanded > 100 * ddj.limits.MAX_PAGE_BYTES
    out = subprocess.run(
        [sys.executable, "-c", BOMB_LOAD, str(root)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["titles"] == ["Harbour plan approved", "Council meets again"]
    assert [p["source"].rsplit("/", 1)[-1] for p in result["problems"]] == ["bomb.html.gz"]
    assert "expands past the size cap" in result["problems"][0]["reason"]
    print(f"peak memory grew by {result['grew_mb']:.0f} MB")
    assert result["grew_mb"] < 400, result["grew_mb"]


# -- hostile local files: only regular files are read, sized first; the rest are problem rows ----


def _pages_beside(root: Path) -> Path:
    root.mkdir()
    (root / "a.html").write_text(page("a", "Harbour plan approved", "2024-10-18T09:30:00Z"))
    (root / "b.html").write_text(page("b", "Council meets again", "2024-10-19T10:00:00Z"))
    return root


def _load_warned(source, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = ddj.load(source, progress=False, **kwargs)
    dropped = [w.message for w in caught if isinstance(w.message, ddj.DroppedRowsWarning)]
    return corpus, dropped


def _reasons(corpus) -> dict[str, str]:
    return {
        Path(s).name: r
        for s, r in ddj.problems(corpus)[["source", "reason"]].itertuples(index=False)
    }


def test_a_fifo_named_like_a_page_is_a_problem_not_a_hang(tmp_path):
    root = _pages_beside(tmp_path / "pages")
    pipe = fifo(root / "x.html")
    corpus, dropped = finishes(lambda: _load_warned(root), [pipe])
    assert corpus["title"].tolist() == ["Harbour plan approved", "Council meets again"]
    assert "named pipe (FIFO)" in _reasons(corpus)["x.html"]
    assert any("Skipped 1 of 3 page(s)" in str(w) for w in dropped)
    with pytest.raises(ddj.InputError, match=r"x\.html.*named pipe"):  # named by itself
        finishes(lambda: ddj.load(pipe, progress=False), [pipe])


def test_a_fifo_named_like_a_table_is_a_problem_not_a_hang(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("url,date,title\nhttps://a.example/1,2024-01-02,One\n")
    pipe = fifo(tmp_path / "pipe.csv")
    corpus, dropped = finishes(lambda: _load_warned([good, pipe]), [pipe])
    assert corpus["title"].tolist() == ["One"]
    assert "named pipe (FIFO)" in _reasons(corpus)["pipe.csv"]
    assert dropped
    with pytest.raises(ddj.InputError, match=r"could be read: .*pipe\.csv: a named pipe"):
        finishes(lambda: ddj.load(pipe), [pipe])  # named alone


DEVICE_LOAD = """
import json, resource, sys, warnings
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # a regression dies here, not the host
import ddj
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    corpus = ddj.load(sys.argv[1:], cache=False, workers=1, progress=False)
print(json.dumps({"titles": corpus["title"].tolist(), "problems": ddj.problems(corpus).to_dict("records")}))
"""


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_link_to_a_device_is_refused_unread(tmp_path, device):
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    root = _pages_beside(tmp_path / "pages")
    (root / "zero.html").symlink_to(device)
    (tmp_path / "rows.csv").symlink_to(device)
    out = subprocess.run(
        [sys.executable, "-c", DEVICE_LOAD, str(root), str(tmp_path / "rows.csv")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["titles"] == ["Harbour plan approved", "Council meets again"]
    reasons = {Path(p["source"]).name: p["reason"] for p in result["problems"]}
    assert f"a link to {device}, a character device" in reasons["zero.html"]
    assert f"a link to {device}, a character device" in reasons["rows.csv"]


def test_a_giant_page_is_refused_by_its_size_without_reading_it(tmp_path):
    import tracemalloc

    root = _pages_beside(tmp_path / "pages")
    sparse(root / "giant.html", 1 << 30)  # 1 GB of zeros that takes no disk
    tracemalloc.start()
    try:
        corpus, _ = _load_warned(root, workers=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert corpus["title"].tolist() == ["Harbour plan approved", "Council meets again"]
    assert (
        "1,073,741,824 bytes, more than the 20,000,000-byte cap of a page"
        in (_reasons(corpus)["giant.html"])
    )
    assert peak < 50_000_000, f"peak {peak:,} bytes: the page was read"


def test_pages_are_hashed_for_the_cache_as_before(tmp_path):
    root = _pages_beside(tmp_path / "pages")
    from ddj.cache import content_key, file_key
    from ddj.extract import EXTRACTOR_VERSION

    data = (root / "a.html").read_bytes()
    with (root / "a.html").open("rb") as fh:
        assert file_key(fh, EXTRACTOR_VERSION) == content_key(data, EXTRACTOR_VERSION)
    first = ddj.load(root, progress=False)
    again = ddj.load(root, progress=False)  # from the cache, same rows
    assert again.equals(first)


def test_broken_links_folders_named_like_pages_and_folder_links_are_problem_rows(tmp_path):
    root = _pages_beside(tmp_path / "pages")
    (root / "gone.html").symlink_to("nowhere.html")
    (root / "dir.html").mkdir()
    (root / "dir.html" / "inner.html").write_text(page("i", "Inner page read", "2024-10-20"))
    (root / "loop").symlink_to(".")  # would never end if followed
    outside = tmp_path / "outside.html"
    outside.write_text(page("o", "Linked page read", "2024-10-21"))
    (root / "linked.html").symlink_to(outside)  # a link to a regular file is the user's file
    corpus, dropped = _load_warned(root)
    assert sorted(corpus["title"]) == [
        "Council meets again", "Harbour plan approved", "Inner page read", "Linked page read",
    ]  # fmt: skip
    reasons = _reasons(corpus)
    assert reasons["gone.html"].startswith("a link to nowhere.html, which does not exist")
    assert reasons["dir.html"].startswith("a folder named like a page file")
    assert reasons["loop"].startswith("a link to a folder, not followed")
    assert len(reasons) == 3
    assert any("Skipped 3 of 7 page(s)" in str(w) for w in dropped)
    assert [Path(p).name for p in ddj.loading.find_pages(root)] == [
        "a.html", "b.html", "inner.html", "linked.html",
    ]  # fmt: skip


def test_a_folder_of_nothing_but_broken_links_says_why(tmp_path):
    root = tmp_path / "pages"
    root.mkdir()
    (root / "gone.html").symlink_to("nowhere.html")
    with pytest.raises(
        ddj.InputError, match=r"gone\.html: a link to nowhere\.html, which does not exist"
    ):
        ddj.load(root, progress=False)
    with pytest.raises(
        ddj.InputError, match=r"gone\.html: a link to nowhere\.html, which does not"
    ):
        ddj.load(root / "gone.html", progress=False)


def test_names_that_are_not_utf8_are_kept_escaped(tmp_path):
    root = _pages_beside(tmp_path / "pages")
    named = undecodable_name(root, b"caf\xe9", ".html")
    named.write_text(page("c", "Cafe page", "2024-10-20"))
    undecodable_name(root, b"vide\xff", ".html")  # gives no article: a problem row
    table = undecodable_name(tmp_path, b"t\xe9", ".csv")
    table.write_text("url,date,title\nhttps://a.example/1,2024-01-02,From the table\n")
    corpus, _ = _load_warned([root, table])
    sources = dict(zip(corpus["title"], corpus["source"], strict=True))
    assert sources["Cafe page"].endswith("/caf\\xe9.html")
    assert sources["From the table"].endswith("/t\\xe9.csv#row=0")
    assert ddj.problems(corpus)["source"].str.endswith("/vide\\xff.html").any()
    saved = ddj.load(ddj.save(corpus, tmp_path / "kept.parquet"), progress=False)
    assert saved["source"].tolist() == corpus["source"].tolist()


# -- a saved page's address from a file of URLs, one outlet per domain (issue 23) ------------
_BARE = """<html><head><title>{title}</title>{head}</head><body><article><p>{title}.
Officials met in the town hall on Tuesday to discuss the harbour project, the council budget and
the weather; this paragraph is long enough for an article extractor to take it as a story.</p>
</article></body></html>"""


def test_a_url_file_gives_saved_pages_their_address(tmp_path):
    root = tmp_path / "pages"
    root.mkdir()
    (root / "a.html").write_text(_BARE.format(title="Harbour plan", head=""))
    (root / "b.html").write_text(_BARE.format(title="Council meets", head=""))
    (root / "c.html").write_text(
        _BARE.format(title="Storm warning", head='<link rel="canonical" href="/">')
    )
    sidecar = root / "urls.csv"
    sidecar.write_text(
        "file,url\n"
        "a.html,https://editor:secret@www.reuters.com/world/harbour-plan\n"
        "b.html,https://www.reuters.com/world/council\n"
        "gone.html,https://www.reuters.com/world/gone\n"
        "c.html,mailto:desk@reuters.com\n"
    )
    with pytest.warns(ddj.DdjWarning, match="2 row.s. of the URL file .*urls.csv were not used"):
        corpus = ddj.load(root, urls=sidecar, progress=False, cache=False)
    by_title = corpus.set_index("title")
    assert by_title.loc["Harbour plan", "url"] == "https://www.reuters.com/world/harbour-plan"
    assert by_title.loc["Council meets", "url"] == "https://www.reuters.com/world/council"
    assert pd.isna(by_title.loc["Storm warning", "url"])  # a relative canonical is no address
    assert set(by_title.loc[["Harbour plan", "Council meets"], "outlet"]) == {"Reuters"}
    reasons = ddj.problems(corpus).set_index("source")["reason"].to_dict()
    assert any("line 5" in s and "not a URL" in r for s, r in reasons.items())
    assert any(s.endswith("gone.html") and "not among the pages" in r for s, r in reasons.items())


def test_a_url_file_without_its_columns_is_refused(tmp_path, folder):
    sidecar = tmp_path / "urls.csv"
    sidecar.write_text("path,address\na.html,https://x.example/a\n")
    with pytest.raises(ddj.InputError, match="'file' and 'url'"):
        ddj.load(folder, urls=sidecar, progress=False)
    with pytest.raises(ddj.InputError, match="missing.csv"):
        ddj.load(folder, urls=tmp_path / "missing.csv", progress=False)


def test_a_given_url_is_part_of_the_cache_key(tmp_path, monkeypatch):
    monkeypatch.setenv("DDJ_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "pages"
    root.mkdir()
    (root / "a.html").write_text(_BARE.format(title="Harbour plan", head=""))
    first = ddj.load(root, progress=False)
    (root / "urls.csv").write_text("file,url\na.html,https://www.latimes.com/a\n")
    second = ddj.load(root, urls=root / "urls.csv", progress=False)
    assert pd.isna(first["url"].iloc[0])
    assert second["url"].tolist() == ["https://www.latimes.com/a"]
    assert second["outlet"].tolist() == ["Los Angeles Times"]  # from the shipped outlet file


def test_the_load_command_takes_a_url_file(tmp_path, capsys):
    from ddj.cli import main

    root = tmp_path / "pages"
    root.mkdir()
    (root / "a.html").write_text(_BARE.format(title="Harbour plan", head=""))
    (root / "urls.csv").write_text("file,url\na.html,https://www.latimes.com/a\n")
    out = tmp_path / "c.csv"
    assert main(["load", str(root), "-o", str(out), "--urls", str(root / "urls.csv")]) == 0
    saved = pd.read_csv(out)
    capsys.readouterr()
    assert saved["url"].tolist() == ["https://www.latimes.com/a"]
    assert saved["outlet"].tolist() == ["Los Angeles Times"]
    bad = root / "bad.csv"
    bad.write_text("name,link\n")
    assert main(["load", str(root), "-o", str(tmp_path / "d.csv"), "--urls", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'file' and 'url'" in err[0]


def test_a_date_in_an_unknown_time_zone_is_counted_for_pages(tmp_path, monkeypatch):
    # htmldate's estimate left out: it finds the day of any written date, so b stays undated
    monkeypatch.setattr(ddj.extract.dates, "from_htmldate", lambda page, url: None)
    root = tmp_path / "pages"
    root.mkdir()
    meta = '<meta property="article:published_time" content="2024-10-02T14:03:00+05:00">'
    # a: the JSON-LD date names a zone ddj does not know, a meta tag dates the page instead;
    # b: the only date names one, so the page is undated; c: a zone ddj knows (PDT)
    (root / "a.html").write_text(
        page("a", "Harbour plan approved", "2 Oct 2024 14:03 QQT").replace(
            "</head>", meta + "</head>"
        )
    )
    (root / "b.html").write_text(page("b", "Council meets again", "Oct 3, 2024 2:03 PM XYZT"))
    (root / "c.html").write_text(page("c", "Storm warning issued", "Oct 4, 2024 2:03 PM PDT"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = ddj.load(root, progress=False, cache=False)
    said = [str(w.message) for w in caught]
    assert not [s for s in said if "tzname" in s]  # dateutil's own warning never reaches the user
    by_slug = corpus.set_index(corpus["url"].str.rsplit("/", n=1).str[-1])
    assert by_slug.loc["a", "published"] == pd.Timestamp("2024-10-02T09:03:00Z")
    assert by_slug.loc["a", "published_from"] == "meta"
    assert pd.isna(by_slug.loc["b", "published"])
    assert by_slug.loc["c", "published"] == pd.Timestamp("2024-10-04T21:03:00Z")
    reasons = _reasons(corpus)
    assert "'QQT' unknown" in reasons["a.html"] and "dated from its meta tags" in reasons["a.html"]
    assert "'XYZT' unknown" in reasons["b.html"] and reasons["b.html"].startswith("unparseable")
    assert "c.html" not in reasons
    zone_warnings = [s for s in said if "give a date in a time zone ddj does not know" in s]
    assert len(zone_warnings) == 1 and zone_warnings[0].startswith("1 page(s)")
    assert "QQT" in zone_warnings[0]
    assert [
        s
        for s in said
        if s.startswith("1 of 3 article(s) have no publication date (1 ") and "time zone" in s
    ]
