"""``ddj publish``: a chart and its bundle published again from the coverage table ddj wrote, no corpus."""

import csv
import json
import warnings
from urllib.parse import unquote

import pytest
from lxml import etree

import ddj
from ddj.cli import main
from ddj.constants import DEMO_NOTICE
from ddj.coverage_table import MAX_COVERAGE_BYTES, read_coverage
from ddj.publishing import publishable
from tests.hostile_files import fifo, finishes, sparse
from tests.test_publishing import Page

mistune = pytest.importorskip("mistune")

#: The kinds of file a coverage bundle holds (``ddj coverage`` adds figures and comparison).
BUNDLE = {"html", "embed", "svg", "png", "spec", "csv", "datawrapper", "alt_text", "method", "method_md"}  # fmt: skip


def _kinds(printed: str) -> dict[str, str]:
    """The files a command listed, by kind (lines ``  kind   path``)."""
    rows = [line.split() for line in printed.splitlines() if line.startswith("  ")]
    return {row[0]: row[1] for row in rows if len(row) == 2}


@pytest.fixture(scope="module")
def demo_bundle(tmp_path_factory):
    """``ddj coverage``'s bundle of demo data (one topic, by quarter): the table a desk publishes again.

    The demo corpus of 120 articles that tests/test_datawrapper.py counts too, saved (still
    synthetic demo data): the whole demo corpus costs ~30 s in a test session's empty cache.
    """
    out = tmp_path_factory.mktemp("coverage")
    corpus = out / "corpus.parquet"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ddj.save(ddj.demo_corpus(n=120), corpus)
    argv = ["coverage", str(corpus), "-t", "hong_kong", "--freq", "Q", "--out", str(out / "bundle")]
    assert main(argv) == 0
    return out / "bundle"


@pytest.mark.slow
def test_publish_from_the_demo_table_writes_the_same_kinds_of_files(demo_bundle, tmp_path, capsys):
    capsys.readouterr()
    out = tmp_path / "again"
    url = "https://news.example/graphics/hk-again.html"
    argv = ["publish", str(demo_bundle / "coverage.csv"), "--out", str(out), "--slug", "hk-again",
            "--title", "Hong Kong, again", "--url", url, "--single-file"]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr()
    files = _kinds(printed.out)
    assert set(files) == BUNDLE | {"amp"}  # an https url: the AMP snippet too
    assert all((out / f"hk-again{suffix}").exists() for suffix in (".html", ".png", ".txt"))
    assert printed.out.rstrip().endswith(DEMO_NOTICE)
    first, again = read_coverage(demo_bundle / "coverage.csv"), read_coverage(out / "hk-again.csv")
    assert again.equals(first) and again.attrs == first.attrs  # the same numbers, the same method
    alt = (out / "hk-again.txt").read_text(encoding="utf-8")
    assert alt.startswith("Hong Kong, again.") and DEMO_NOTICE in alt
    spec = json.loads((out / "hk-again.vl.json").read_text(encoding="utf-8"))
    drawn, before = (
        spec["usermeta"]["ddj"],
        json.loads((demo_bundle / "coverage.vl.json").read_text()),
    )
    assert drawn["source"] == before["usermeta"]["ddj"]["source"]  # from the method file
    assert drawn["source"].startswith("Data: ") and DEMO_NOTICE in drawn["foot"]
    kept = json.loads((out / "hk-again.method.json").read_text(encoding="utf-8"))
    made = json.loads((demo_bundle / "coverage.method.json").read_text(encoding="utf-8"))
    for key in ("queries", "corpus", "periods", "counted", "duplicates", "interval", "demo"):
        assert kept[key] == made[key], key
    assert kept["title"] == "Hong Kong, again"
    page = Page((out / "hk-again.html").read_text(encoding="utf-8"))
    (link,) = [a for a, t in page.all("a") if t == "Get the data"]
    assert unquote(link["href"]).endswith((out / "hk-again.csv").read_bytes().decode("utf-8"))
    assert url in (out / "hk-again.embed.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_publish_in_place_replaces_the_bundle_by_its_own_name(demo_bundle, tmp_path, capsys):
    folder = tmp_path / "desk"
    folder.mkdir()
    table = folder / "coverage.csv"
    table.write_bytes((demo_bundle / "coverage.csv").read_bytes())  # the table travels alone
    assert main(["publish", str(table), "--events", ""]) == 0
    files = _kinds(capsys.readouterr().out)
    assert set(files) == BUNDLE
    assert all(path.startswith(str(folder)) for path in files.values())
    assert DEMO_NOTICE in (folder / "coverage.txt").read_text(encoding="utf-8")  # the CSV's mark


HOSTILE = {
    "script": "<script>window.__pwned=1</script>",
    "formula": "=cmd|' /C calc'!A0",
    "bidi": "\u202eevil\u2066x",
    "markdown": "[click](javascript:alert(1)) <img src=x onerror=alert(2)>",
}


def _hostile_table(folder):
    """A coverage table by outlet, written as ddj's CSV writer would, whose every text is hostile."""
    rows = []
    for topic, label in (("t1", HOSTILE["script"]), ("t2", HOSTILE["formula"])):
        for outlet in (HOSTILE["bidi"], HOSTILE["markdown"]):
            for month in range(1, 7):
                rows.append([f"2024-{month:02d}-01", f"2024-{month:02d}-28", topic, label, outlet,
                             month, 40, month / 40, False, False,
                             " | ".join(HOSTILE.values())])  # fmt: skip
    table = folder / "hostile.csv"
    with table.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(["period", "period_end", "topic", "label", "outlet", "articles", "total",
                         "share", "small", "partial", "examples"])  # fmt: skip
        for row in rows:  # a text starting = + - @ gets a ', as ddj writes it
            writer.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
    method = {"queries": {"t1": HOSTILE["script"], "t2": HOSTILE["markdown"]},
              "corpus": {"outlets": {HOSTILE["markdown"]: 12}}, "source": HOSTILE["markdown"]}  # fmt: skip
    (folder / "hostile.method.json").write_text(json.dumps(method), encoding="utf-8")
    return table


@pytest.mark.slow
def test_every_text_from_a_hostile_table_stays_text(tmp_path, capsys):
    desk = tmp_path / ("desk" + HOSTILE["bidi"])  # its name printed: escaped in the terminal
    desk.mkdir()
    table = _hostile_table(desk)
    assert main(["publish", str(table), "--out", str(tmp_path / "out")]) == 0
    out = tmp_path / "out"
    page = Page((out / "hostile.html").read_text(encoding="utf-8"))
    assert [a.get("id") for a, _ in page.all("script")] == [
        "ddj-spec", "ddj-embed-options", "ddj-page", None, None
    ]  # fmt: skip  # ddj's own, no other
    assert not page.all("img") and not [
        a for _, a, _ in page.elements for k in a if k.startswith("on")
    ]
    foot = [t for a, t in page.all("p") if not a.get("class")]
    assert publishable(HOSTILE["markdown"]) in foot[0]  # the method's source line, as text
    spec = json.loads(page.all("script")[0][1])
    labels = {row["label"] for row in spec["datasets"][next(iter(spec["datasets"]))]}
    assert labels == {HOSTILE["script"], HOSTILE["formula"]}  # as written, ' taken off
    svg = etree.fromstring((out / "hostile.svg").read_bytes())
    assert not {etree.QName(e).localname for e in svg.iter() if isinstance(e.tag, str)} & {
        "script", "foreignObject", "a", "image", "img"
    }  # fmt: skip
    assert HOSTILE["script"] in "".join(svg.itertext())
    with (out / "hostile.csv").open(encoding="utf-8", newline="") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    assert "'" + HOSTILE["formula"] in cells and HOSTILE["formula"] not in cells
    wide = (out / "hostile-datawrapper.csv").read_text(encoding="utf-8")
    assert "'" + HOSTILE["formula"] in wide
    note = (out / "hostile.method.md").read_text(encoding="utf-8")
    html = mistune.create_markdown(escape=False)(note)  # as nbconvert renders Markdown
    assert "<a " not in html and "<img" not in html and "<script" not in html
    assert "onerror=alert(2)&gt;" in html and "window.__pwned=1" in html  # there, as text
    snippet = Page((out / "hostile.embed.html").read_text(encoding="utf-8"))
    assert [t for t, _, _ in snippet.elements] == ["div", "iframe", "script", "noscript", "img"]
    printed = capsys.readouterr().out
    assert "\u202e" not in printed and "\u2066" not in printed and "desk\\u202eevil" in printed


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--slug", "../evil"], "slug='../evil' is not a safe file name"),
        (["--print-mm", "-5"], "print"),
        (["--single-file", "--url", "javascript:alert(1)"], "url"),
    ],
)
def test_bad_options_are_one_line_and_nothing_is_written(tmp_path, capsys, argv, words):
    table = tmp_path / "hk.csv"
    table.write_text("period,period_end,topic,label,articles,total,share\n"
                     "2024-01-01,2024-01-31,hk,HK,3,60,0.05\n")  # fmt: skip
    out = tmp_path / "out"
    assert main(["publish", str(table), "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ddj publish: error: ") and err.count("\n") == 1 and words in err
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(
    "name, text, words",
    [
        ("figures.csv", "topic,label,peak_period\nhk,HK,2024-01-01\n", "figures.csv is not a ddj coverage table: it lacks the column(s) period, period_end, articles, total, share; it looks like figures.csv"),
        ("My Chart.csv", "period,period_end,topic,label,articles,total,share\n2024-01-01,2024-01-31,hk,HK,3,60,0.05\n", "My Chart.csv names no safe slug for the published files; give one with --slug"),
        ("bad.csv", "period,period_end,topic,label,articles,total,share\n2024-01-01,2024-01-31,hk,HK,-3,60,0.05\n", "bad.csv row 2: articles '-3' is not a whole number"),
    ],
)  # fmt: skip
def test_a_table_that_is_not_one_is_one_line_exit_2(tmp_path, capsys, name, text, words):
    (tmp_path / name).write_text(text, encoding="utf-8")
    assert main(["publish", str(tmp_path / name), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ddj publish: error: ") and err.count("\n") == 1
    assert words in err and not (tmp_path / "out").exists()


def test_a_giant_or_a_fifo_is_refused_unread_in_one_line(tmp_path, capsys):
    giant = sparse(tmp_path / "giant.csv", MAX_COVERAGE_BYTES + 1)
    pipe = fifo(tmp_path / "pipe.csv")
    assert main(["publish", str(giant), "--out", str(tmp_path / "out")]) == 2
    code = finishes(lambda: main(["publish", str(pipe), "--out", str(tmp_path / "out")]), [pipe])
    err = capsys.readouterr().err.splitlines()
    assert code == 2 and len(err) == 2 and not (tmp_path / "out").exists()
    assert (
        err[0].startswith(f"ddj publish: error: {giant}: ") and "cap of a coverage table" in err[0]
    )
    assert err[1].startswith(f"ddj publish: error: {pipe}")
