import re
import subprocess
import sys
import warnings

import pandas as pd
import pytest

import ddj
from ddj.cli import COMMANDS, build_parser, main
from tests.hostile_files import fifo, finishes


def test_every_command_is_documented_with_an_example():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)
    for name, p in sub.choices.items():
        summary, example, _ = COMMANDS[name]
        assert summary.endswith(".") and len(summary) > 20, name
        assert example.startswith(f"ddj {name}"), name
        assert p.format_help().rstrip().endswith(example), name


def _table(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text(
        "article_link,pub_date,title\n"
        "https://a.example/1,2024-01-01,One\n"
        "https://a.example/1?utm_source=x,2024-01-01,One again\n"
        "https://a.example/2,,Two\n"
    )
    return p


def test_load_writes_a_corpus(tmp_path, capsys):
    out = tmp_path / "c.parquet"
    assert main(["load", str(_table(tmp_path)), "-o", str(out)]) == 0
    printed = capsys.readouterr()
    assert "2 articles (1 dated)" in printed.out
    assert "duplicate" in printed.err and "no publication date" in printed.err
    assert ddj.load(out, dedupe=False)["title"].tolist() == ["One", "Two"]


def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["load", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "c.parquet")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ddj load: error:") and "missing.csv" in err[0]


def test_bad_column_flag(tmp_path, capsys):
    assert (
        main(["load", str(_table(tmp_path)), "-o", str(tmp_path / "c.csv"), "--column", "nonsense"])
        == 2
    )
    assert "NAME=FIELD" in capsys.readouterr().err


def test_console_script_runs():
    out = subprocess.run(
        [sys.executable, "-m", "ddj.cli", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout.strip() == f"ddj {ddj.__version__}"


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_load_then_csv_round_trip(tmp_path):
    out = tmp_path / "c.csv"
    assert main(["load", str(_table(tmp_path)), "-o", str(out), "--keep-duplicates"]) == 0
    back = ddj.load(out, dedupe=False)
    assert len(back) == 3
    assert isinstance(back["published"].dtype, pd.DatetimeTZDtype)


@pytest.mark.parametrize("argv", [["coverage", "--help"], ["run", "--help"]])
def test_help_exits_zero(argv):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0


def _topic_table(tmp_path):
    p = tmp_path / "articles.csv"
    rows = ["url,date,title,text"]
    for i in range(40):
        title = "Hong Kong court news" if i % 4 == 0 else "Council budget"
        rows.append(f"https://paper.example/{i},2024-0{1 + i % 6}-1{i % 9},{title},{title} today.")
    p.write_text("\n".join(rows) + "\n")
    return p


def test_coverage_command_writes_the_bundle(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        [
            "coverage",
            str(_topic_table(tmp_path)),
            "-t",
            "hong_kong,ukraine",
            "--freq",
            "M",
            "--out",
            str(out),
            "--slug",
            "hk",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert (
        "hk.png" in printed and (out / "hk.html").exists() and (out / "hk-datawrapper.csv").exists()
    )


def test_coverage_command_takes_the_publish_options_and_refuses_a_bad_url_first(tmp_path, capsys):
    """--url, --single-file and --datawrapper-url, as ddj publish takes them; a bad url before counting."""
    out = tmp_path / "out"
    table = str(_topic_table(tmp_path))
    url = "https://news.example/graphics/hk.html"
    argv = ["coverage", table, "-t", "hong_kong", "--freq", "M", "--out", str(out), "--slug", "hk",
            "--url", url, "--single-file"]  # fmt: skip
    assert main(argv) == 0
    assert "amp" in capsys.readouterr().out  # an https url: the AMP snippet too
    assert url in (out / "hk.embed.html").read_text(encoding="utf-8")
    assert "data:text/csv" in (out / "hk.html").read_text(encoding="utf-8")
    bad = tmp_path / "bad"
    argv = ["coverage", table, "-t", "hong_kong", "--out", str(bad), "--url", "javascript:x"]
    assert main(argv) == 2 and not bad.exists()  # refused before anything was counted
    assert "url='javascript:x' is not an http(s) address" in capsys.readouterr().err


def test_hits_and_topics_commands(tmp_path, capsys):
    assert main(["hits", str(_topic_table(tmp_path)), "hong_kong", "--limit", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and "[Hong Kong]" in lines[0]
    assert main(["topics"]) == 0
    assert "hong_kong" in capsys.readouterr().out


def test_hits_says_how_many_hits_there_are_in_all(tmp_path, capsys):
    """10 articles say Hong Kong in title and text: 20 hits; --limit shows some and says so."""
    table = str(_topic_table(tmp_path))
    assert main(["hits", table, "hong_kong", "--limit", "5"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 6
    assert lines[-1] == "5 of 20 hits in 10 articles shown; --limit to see more."
    assert main(["hits", table, "hong_kong", "--limit", "20"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "All 20 hits in 10 articles shown."
    assert main(["hits", table, "hong_kong", "--limit", "-1"]) == 2  # head(-1) would show 19
    assert "--limit -1: give the number of hits to show" in capsys.readouterr().err


def test_bad_topic_is_exit_2(tmp_path, capsys):
    assert main(["coverage", str(_topic_table(tmp_path)), "-t", "no_such_topic"]) == 2
    assert "Unknown topic 'no_such_topic'" in capsys.readouterr().err


def test_notebooks_copies_the_notebooks_and_data(tmp_path, capsys):
    from ddj.notebooks import NOTEBOOKS

    place = tmp_path / "mine"
    assert main(["notebooks", str(place)]) == 0
    shipped = [
        *NOTEBOOKS.glob("*.ipynb"),
        NOTEBOOKS.parent / "topics.yml",
        NOTEBOOKS.parent / "events.csv",
    ]
    assert sorted(p.name for p in place.iterdir()) == sorted(p.name for p in shipped)
    assert all((place / p.name).read_bytes() == p.read_bytes() for p in shipped)
    out = capsys.readouterr().out
    assert str(place / "coverage.ipynb") in out and f"jupyter lab {place}" in out
    assert main(["notebooks", str(place)]) == 0  # unedited copies: nothing to lose


def test_notebooks_keeps_an_edited_copy_unless_overwrite(tmp_path, capsys):
    place = tmp_path / "mine"
    assert main(["notebooks", str(place)]) == 0
    (place / "topics.yml").write_text("mine: {query: my words}\n")
    capsys.readouterr()
    assert main(["notebooks", str(place)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ddj notebooks: error:")
    assert str(place / "topics.yml") in err[0] and "--overwrite" in err[0]
    assert (place / "topics.yml").read_text() == "mine: {query: my words}\n"
    assert main(["notebooks", str(place), "--overwrite"]) == 0
    assert "hong_kong" in (place / "topics.yml").read_text()


def test_notebooks_into_a_file_is_exit_2(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    assert main(["notebooks", str(tmp_path / "f")]) == 2
    assert "is a file" in capsys.readouterr().err
    assert main(["notebooks", str(tmp_path / "f" / "sub")]) == 2  # under a file: exit 1 before
    assert f"is under {tmp_path / 'f'}, which is a file" in capsys.readouterr().err


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_notebooks_never_write_through_a_link(tmp_path, capsys, overwrite):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    place = tmp_path / "mine"
    assert main(["notebooks", str(place)]) == 0
    (place / "topics.yml").unlink()
    (place / "topics.yml").symlink_to("../victim.txt")  # an existing copy turned into a link
    (place / "events.csv").unlink()
    (place / "events.csv").symlink_to("../created.txt")  # a dangling link
    capsys.readouterr()
    assert main(["notebooks", str(place), *overwrite]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ddj notebooks: error:")
    assert f"{place / 'topics.yml'}: a symbolic link (to ../victim.txt)" in err[0]
    assert f"{place / 'events.csv'}: a symbolic link (to ../created.txt)" in err[0]
    assert victim.read_text() == "keep me\n"
    assert not (tmp_path / "created.txt").exists()
    assert (place / "topics.yml").is_symlink() and (place / "events.csv").is_symlink()


def test_notebooks_refuse_a_fifo_or_a_folder_where_a_copy_goes(tmp_path, capsys):
    place = tmp_path / "mine"
    place.mkdir()
    pipe = fifo(place / "coverage.ipynb")
    (place / "topics.yml").mkdir()
    for flags in ([], ["--overwrite"]):
        assert finishes(lambda flags=flags: main(["notebooks", str(place), *flags]), [pipe]) == 2
        err = capsys.readouterr().err
        assert f"{pipe}: a named pipe (FIFO)" in err and f"{place / 'topics.yml'}: a folder" in err
    assert sorted(p.name for p in place.iterdir()) == ["coverage.ipynb", "topics.yml"]  # none


def test_notebooks_into_a_linked_folder_writes_into_its_target(tmp_path, capsys):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to("real")  # the folder the user names may be a link
    assert main(["notebooks", str(tmp_path / "link")]) == 0
    assert (real / "topics.yml").is_file() and not (real / "topics.yml").is_symlink()
    (tmp_path / "dangling").symlink_to("nowhere")
    assert main(["notebooks", str(tmp_path / "dangling")]) == 2
    assert "a link to nowhere, which does not exist" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()


def test_main_restores_the_warning_hooks(capsys):

    shown, filters = warnings.showwarning, list(warnings.filters)
    assert main(["topics"]) == 0
    assert main(["load", "/nonexistent/missing.csv", "-o", "/nonexistent/c.parquet"]) == 2
    assert warnings.showwarning is shown
    assert warnings.filters == filters


def test_compare_prints_the_sentences_and_writes_the_figures(tmp_path, capsys):
    out = tmp_path / "figures.csv"
    args = ["compare", str(_topic_table(tmp_path)), "-t", "hong_kong", "--freq", "M"]
    assert main([*args, "--at", "2024-05-15", "--baseline", "3", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Hong Kong was ") and "in May 2024 (95% CI " in printed
    assert "its average of the previous 3 months" in printed
    table = pd.read_csv(out)
    for column in ("share_low", "share_high", "ratio_low", "ratio_high", "p_value", "sentence"):
        assert column in table
    assert table["period"].tolist() == ["2024-05-01"]
    assert (
        main(
            [
                *args,
                "--at",
                "2024-03-01",
                "--to",
                "2024-04-30",
                "--baseline",
                "2024-01-01:2024-02-29",
            ]
        )
        == 0
    )
    assert "from March to April 2024" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--at", "2031-01-01"], "at=2031-01-01 is outside the coverage"),
        (["--baseline", "soon"], "baseline='soon': give a number of periods"),
        (
            ["--at", "2024-05-15", "--baseline", "year"],
            "a year before May 2024, is not in the coverage",
        ),
        (["--freq", "fortnightly"], "freq='fortnightly' is not a frequency"),
    ],
)
def test_compare_refusals_are_one_line_and_exit_2(tmp_path, capsys, extra, words):
    args = ["compare", str(_topic_table(tmp_path)), "-t", "hong_kong", "--freq", "M"]
    assert main([*args, *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("ddj compare: error: ") and words in err[-1]


# -- no corpus file is replaced silently (issue 22) ------------------------------------------


def test_load_over_an_existing_corpus_needs_overwrite_or_extend(tmp_path, capsys):
    out = tmp_path / "c.parquet"
    assert main(["load", str(_table(tmp_path)), "-o", str(out)]) == 0
    before = out.read_bytes()
    other = tmp_path / "other.csv"
    other.write_text("article_link,pub_date,title\nhttps://a.example/3,2024-02-01,Three\n")
    capsys.readouterr()
    assert main(["load", str(other), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert str(out) in err and "--overwrite" in err and "--extend" in err and "\n" not in err
    assert out.read_bytes() == before  # untouched
    assert main(["load", str(other), str(_table(tmp_path)), "-o", str(out), "--extend"]) == 0
    assert ddj.load(out, dedupe=False)["title"].tolist() == ["One", "Two", "Three"]
    assert main(["load", str(other), "-o", str(out), "--overwrite"]) == 0
    assert ddj.load(out, dedupe=False)["title"].tolist() == ["Three"]
    with pytest.raises(SystemExit) as given_both:
        main(["load", str(other), "-o", str(out), "--overwrite", "--extend"])
    assert given_both.value.code == 2 and "not allowed with" in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore::ddj.errors.DroppedRowsWarning")
def test_load_into_a_store_folder_adds_to_it_once(tmp_path, capsys):
    """``-o FOLDER`` (no suffix, as ``ddj collect``'s rule) makes or adds to a store; a rerun adds nothing."""
    store = tmp_path / "store"
    assert main(["load", str(_table(tmp_path)), "-o", str(store)]) == 0
    first = capsys.readouterr().out
    assert ddj.store.is_store(store) and "holds 2 articles in all" in first
    assert main(["load", str(_table(tmp_path)), "-o", str(store)]) == 0
    again = capsys.readouterr()
    assert "holds 2 articles in all" in again.out  # counted once, not twice
    assert "Left out 2 article(s) the store" in again.err and "holds already" in again.err
    assert sorted(ddj.open(store).to_pandas()["title"]) == sorted(
        ddj.load(_table(tmp_path))["title"]
    )
    assert main(["load", str(_table(tmp_path)), "-o", str(store), "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "a store is added to" in err and "\n" not in err.strip()


def test_save_replaces_or_extends_a_file_only_when_asked(tmp_path):
    corpus = ddj.corpus.conform(
        [{"url": f"https://a.example/{i}", "published": "2024-01-02"} for i in range(300)]
    )
    path = ddj.save(corpus, tmp_path / "c.parquet")
    with pytest.raises(
        ddj.InputError, match=r"c\.parquet exists already.*overwrite=True.*extend=True"
    ):
        ddj.save(corpus.head(5), path)
    assert len(ddj.load(path)) == 300
    new = ddj.corpus.conform([{"url": "https://a.example/new"}])
    with pytest.warns(ddj.DroppedRowsWarning, match="Left out 5 article"):
        both = ddj.load(ddj.save(pd.concat([corpus.head(5), new]), path, extend=True))
    assert len(both) == 301 and both["url"].iat[-1] == "https://a.example/new"
    assert len(ddj.load(ddj.save(corpus.head(5), path, overwrite=True))) == 5


# -- terminal output: control characters from a corpus or a server are shown escaped ----------

#: What a corpus or a server may hold to drive a terminal: a title change (OSC), a screen clear
#: (CSI), a C1 CSI, a carriage return over the line, and a right-to-left override.
TERMINAL_EVIL = "\x1b]0;pwned\x07\x1b[2J\x9b31m\rfake\u202eevil\u2066x\x7f\x00"

_RAW_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]"
)


def _no_raw_control(printed) -> None:
    for stream in (printed.out, printed.err):
        assert not _RAW_CONTROL.findall(stream), stream


def test_every_line_of_the_cli_shows_control_characters_escaped(tmp_path, capsys):
    table = tmp_path / "evil.jsonl"
    rows = [
        {"url": f"https://n.example/{i}?q={TERMINAL_EVIL}", "date": f"2024-01-0{i + 1}",
         "title": f"Hong Kong {TERMINAL_EVIL}", "source_title": f"Out{TERMINAL_EVIL}let",
         "text": f"Hong Kong court {TERMINAL_EVIL} hears\ncase {TERMINAL_EVIL}"}
        for i in range(3)
    ]  # fmt: skip
    pd.DataFrame(rows).to_json(table, orient="records", lines=True)
    corpus = tmp_path / "evil.parquet"
    assert main(["load", str(table), "-o", str(corpus)]) == 0
    assert main(["hits", str(corpus), "hong_kong", "-o", str(tmp_path / "hits.csv")]) == 0
    printed = capsys.readouterr()
    _no_raw_control(printed)
    assert "\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m" in printed.out and "\\u202eevil" in printed.out
    lines = [ln for ln in printed.out.splitlines() if ln.startswith("2024-")]
    assert len(lines) == 6  # one line a hit: the text's own newline is shown, not obeyed

    topics = tmp_path / "topics.yml"
    topics.write_text(
        'topics:\n  - name: evil\n    label: "Evil \\e[2J \\u202e"\n    query: court\n',
        encoding="utf-8",
    )
    assert main(["topics", "--file", str(topics)]) == 0
    missing = tmp_path / f"missing{TERMINAL_EVIL}.csv"
    assert main(["hits", str(missing), "hong_kong"]) == 2  # an error quoting its input
    assert main(["hits", str(corpus), f'"{TERMINAL_EVIL}']) == 2  # a query that does not parse
    printed = capsys.readouterr()
    _no_raw_control(printed)
    assert "Evil \\x1b[2J \\u202e" in printed.out and "missing\\x1b]0;pwned" in printed.err


def test_the_cli_restores_its_streams_and_a_progress_bar_draws_as_ever(tmp_path, capsys):
    import io

    from ddj.escaping import TerminalStream
    from ddj.utils import progress_bar

    out, err = sys.stdout, sys.stderr
    assert main(["topics"]) == 0
    assert sys.stdout is out and sys.stderr is err
    raw = io.StringIO()
    sys.stderr = TerminalStream(raw)
    try:
        bar = progress_bar(2, desc="collect", unit="page", show=True)
        bar.update(2)
        bar.close()
    finally:
        sys.stderr = err
    assert "\r" in raw.getvalue() and "2/2" in raw.getvalue()  # tqdm's own \r, not escaped


def test_collect_lines_quoting_a_servers_headers_are_escaped(tmp_path, capsys):
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"not a page"
            self.send_response(200)
            evil = "text/x\x1b[2J\x1b]0,pwned\x07\u202e"  # no ";": the type ends there
            self.send_header("Content-Type", evil.encode().decode("latin-1"))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/a"
        code = main(["collect", url, "-o", str(tmp_path / "c.parquet"), "--rate", "0",
                     "--retries", "0", "--no-progress", "--cache-dir", str(tmp_path / "cache")])  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    printed = capsys.readouterr()
    assert code == 0
    assert "text/x\\x1b[2j\\x1b]0,pwned\\x07" in printed.out  # the failure line names the type
    _no_raw_control(printed)


def test_a_bugs_traceback_is_escaped_too(monkeypatch, capsys):
    import ddj.cli as cli

    def broken(args):
        raise ValueError(f"bad text {TERMINAL_EVIL}")

    monkeypatch.setattr(cli, "_run_topics", broken)
    assert main(["topics"]) == 1  # as Python exits on an uncaught exception
    printed = capsys.readouterr()
    assert "Traceback" in printed.err and "ValueError: bad text \\x1b]0;pwned" in printed.err
    _no_raw_control(printed)


def test_nothing_the_command_prints_shows_a_password_in_a_url(capsys):
    from ddj.cli import _terminal_output

    with _terminal_output():  # every line of a command passes here: the last wall
        print("read https://u:secret@a.example/x.warc.gz\x1b[2J")
        print("failed: http://me:pw@b.example/feed", file=sys.stderr)
    out, err = capsys.readouterr()
    assert out == "read https://a.example/x.warc.gz\\x1b[2J\n"
    assert err == "failed: http://b.example/feed\n"


# -- issue 23: a topic is never swapped silently ------------------------------------------------


@pytest.mark.parametrize("spec", ["hongkong", "Hong_Kong", "hong-kong"])
def test_hits_refuses_a_near_miss_of_a_topic_name(capsys, spec):
    assert main(["hits", "demo", spec]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "reads as the topic 'hong_kong'" in err and f"'query:{spec}'" in err


def test_hits_says_when_a_query_has_no_hits(capsys):
    assert main(["hits", "demo", "query:hongkong"]) == 0
    assert capsys.readouterr().out.strip() == "0 hits for the query hongkong"
    assert main(["hits", "demo", '"Salt Typhoon" AND zzzq']) == 0
    assert capsys.readouterr().out.strip() == '0 hits for the query "Salt Typhoon" AND zzzq'


def test_hits_reads_topic_names_from_the_topics_file(tmp_path, capsys):
    path = tmp_path / "t.yml"
    path.write_text("topics:\n  - name: budget\n    label: Budget\n    query: council\n")
    table = str(_topic_table(tmp_path))
    assert main(["hits", table, "budget", "--file", str(path), "--limit", "1"]) == 0
    assert "[Council]" in capsys.readouterr().out  # the file's topic, not the word "budget"
    assert main(["hits", table, "Budget", "--file", str(path)]) == 2
    assert "reads as the topic 'budget' (Budget)" in capsys.readouterr().err


def test_hits_on_newsdatahub_topic_and_word(shared_corpora, tmp_path, capsys):
    path = shared_corpora / "newsdatahub-cybersecurity-2025" / "cybersecurity-news-en.csv.gz"
    assert main(["hits", str(path), "Ukraine"]) == 2
    assert "reads as the topic 'ukraine' (Ukraine war)" in capsys.readouterr().err
    assert main(["hits", str(path), '"Ukraine"', "-o", str(tmp_path / "word.csv")]) == 0
    assert main(["hits", str(path), "ukraine", "-o", str(tmp_path / "topic.csv")]) == 0
    word, topic = (pd.read_csv(tmp_path / f"{n}.csv") for n in ("word", "topic"))
    assert set(word["matched"].str.lower()) == {"ukraine"}
    assert (
        word["url"].nunique() != topic["url"].nunique()
    )  # 4 articles say the word, 7 are the topic
    assert main(["hits", str(path), "query:Hong_Kong"]) == 0
    assert "0 hits for the query Hong_Kong" in capsys.readouterr().out


def test_compare_on_demo_data_says_so_in_the_one_notice(capsys):
    """`ddj compare demo` ends with constants.DEMO_NOTICE, not a wording of its own."""
    from ddj.constants import DEMO_NOTICE

    assert main(["compare", "demo", "-t", "hong_kong", "--freq", "M"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == DEMO_NOTICE
