"""The job layer under the CLI and the notebooks: one way to name a corpus, one topic parser,
one rule for ``by``, the coverage job writing the same files from either front end."""

import argparse
import re

import pandas as pd
import pytest

import ddj
from ddj import jobs
from ddj.cli import build_parser, main
from ddj.notebooks import check_parameters, convert, run_notebook


@pytest.fixture(scope="module")
def store_and_frame(tmp_path_factory):
    """A small store of demo articles and the same articles as a corpus file."""
    place = tmp_path_factory.mktemp("jobs")
    corpus = ddj.demo_corpus(n=400)
    store = place / "store"
    ddj.save(corpus, store, append=True)
    frame = ddj.save(corpus, place / "corpus.parquet")
    return store, frame


# -- one way to name a corpus: a store works from the command --------------------------------


def test_hits_on_a_store_from_the_cli_equals_the_librarys(store_and_frame, tmp_path, capsys):
    store, _ = store_and_frame
    out = tmp_path / "hits.csv"
    assert main(["hits", str(store), "hong_kong", "--limit", "3", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    expected = ddj.hits(ddj.open(store), "hong_kong")
    assert len(expected) > 10
    assert f"{len(expected):,} hits -> {out}" in printed
    written = pd.read_csv(out)
    assert written["id"].tolist() == expected["id"].tolist()
    assert written["snippet"].tolist() == expected["snippet"].tolist()


def test_coverage_and_compare_on_a_store_from_the_cli_equal_the_librarys(
    store_and_frame, tmp_path, capsys
):
    store, frame = store_and_frame
    args = ["-t", "hong_kong,ukraine", "--freq", "M"]
    assert main(["coverage", str(store), *args, "--out", str(tmp_path / "s")]) == 0
    assert main(["coverage", str(frame), *args, "--out", str(tmp_path / "f")]) == 0
    capsys.readouterr()
    for name in ("coverage.csv", "figures.csv", "comparison.csv", "coverage-datawrapper.csv"):
        assert (tmp_path / "s" / name).read_bytes() == (tmp_path / "f" / name).read_bytes(), name
    expected = ddj.coverage(ddj.open(store), ["hong_kong", "ukraine"], freq="M")
    written = pd.read_csv(tmp_path / "s" / "coverage.csv")
    assert written["articles"].sum() == expected["articles"].sum() > 0

    out = tmp_path / "compare.csv"
    assert main(["compare", str(store), *args, "--at", "2024-10-14", "-o", str(out)]) == 0
    sentences = capsys.readouterr().out.splitlines()
    library = ddj.compare(expected, "2024-10-14")
    assert sentences[: len(library)] == library["sentence"].tolist()
    assert pd.read_csv(out)["sentence"].tolist() == library["sentence"].tolist()


def test_the_notebooks_name_a_corpus_the_way_the_cli_does(store_and_frame):
    store, _ = store_and_frame
    assert ddj.notebooks.load_corpus is jobs.open_corpus
    assert len(jobs.open_corpus(str(store))) == len(ddj.open(store))
    with pytest.raises(ddj.ParameterError, match=r"corpus='/no/such/corpus': no such file"):
        jobs.open_corpus("/no/such/corpus")


def test_a_missing_corpus_reads_the_same_from_every_command(capsys):
    errors = []
    for argv in (["hits", "/no/such/corpus", "hong_kong"], ["coverage", "/no/such/corpus"]):
        assert main(argv) == 2
        errors.append(capsys.readouterr().err.strip().split(": error: ", 1)[1])
    assert errors[0] == errors[1]
    with pytest.raises(ddj.ParameterError) as err:
        check_parameters(corpus="/no/such/corpus")
    assert str(err.value) == errors[0]


# -- one topic parser, one rule for --by -------------------------------------------------------


def test_a_query_keeps_its_commas_in_the_cli_and_the_notebooks(tmp_path, capsys):
    """Before: both front ends split at every comma, and refused '"Hong Kong'."""
    text = '"Hong Kong, China" OR taiwan, ukraine'
    assert jobs.topic_names(text) == ['"Hong Kong, China" OR taiwan', "ukraine"]
    assert convert("coverage", {"topics": text})["topics"] == jobs.topic_names(text)
    assert check_parameters(topics=text)["topics"] == jobs.topic_names(text)
    assert main(["coverage", "demo", "-t", text, "--freq", "M", "--out", str(tmp_path)]) == 0
    assert 'Coverage of "Hong Kong, China" OR taiwan, ukraine in' in capsys.readouterr().out
    topics = set(pd.read_csv(tmp_path / "coverage.csv")["topic"])
    assert len(topics) == 2


def test_topic_names_shipped_names_prefixed_queries_and_topics_files(tmp_path):
    mine = tmp_path / "mine.yml"
    mine.write_text("topics:\n  - name: budget\n    label: Budget\n    query: budget OR council\n")
    chosen = jobs.chosen_topics("budget, query:hong_kong, (taiwan, drills)", mine)
    assert [t.query for t in chosen] == ["budget OR council", "hong_kong", "(taiwan, drills)"]
    assert chosen[0].name == "budget"  # the file's topic, not the word
    assert [t.name for t in jobs.chosen_topics(list(jobs.DEFAULT_TOPICS))] == list(
        jobs.DEFAULT_TOPICS
    )
    with pytest.raises(ddj.ParameterError, match="Unknown topic 'no_such_topic'"):
        jobs.chosen_topics("budget, no_such_topic", mine)


def test_the_notebooks_default_topics_are_the_jobs():
    spec = ddj.notebooks.declared("coverage")
    assert eval(spec["topics"]["default"]) == list(jobs.DEFAULT_TOPICS)  # noqa: S307 (a literal)
    assert build_parser().parse_args(["coverage", "demo"]).topics == ",".join(jobs.DEFAULT_TOPICS)


@pytest.mark.parametrize("command", ["coverage", "compare"])
def test_by_is_one_rule_in_every_command_and_the_notebooks(command, capsys):
    """Before: coverage allowed only 'outlet' (argparse's choices), compare anything params took."""
    assert main([command, "demo", "--by", "outlets"]) == 2
    err = capsys.readouterr().err.strip()
    with pytest.raises(ddj.ParameterError) as expected:
        check_parameters(by="outlets")
    assert err == f"ddj {command}: error: {expected.value}"
    parser = build_parser()
    assert parser.parse_args([command, "demo", "--by", "group"]).by == "group"


# -- option groups, declared once --------------------------------------------------------------


def _options(parser: argparse.ArgumentParser) -> dict[str, dict[str, argparse.Action]]:
    sub = next(a for a in parser._actions if a.dest == "command")
    return {
        name: {s: a for a in p._actions for s in a.option_strings}
        for name, p in sub.choices.items()
    }


def test_an_option_reads_the_same_in_every_command_that_takes_it():
    by_command = _options(build_parser())
    shared = {"--freq", "--tz", "--by", "--since", "--until", "--topics-file", "-t", "--at"}
    for option in shared:
        actions = [a[option] for a in by_command.values() if option in a]
        assert actions, option
        first = actions[0]
        for action in actions[1:]:
            assert (action.dest, action.default, action.help, action.option_strings) == (
                first.dest,
                first.default,
                first.help,
                first.option_strings,
            ), option
    assert "--by" in by_command["coverage"] and "--by" in by_command["compare"]
    assert "--since" in by_command["collect"] and "--since" in by_command["coverage"]
    assert "--topics-file" in by_command["hits"] and "--topics-file" in by_command["topics"]


# -- one CSV writer, formula-safe ------------------------------------------------------------


def test_every_csv_a_command_writes_is_formula_safe(tmp_path, capsys):
    """Before: ``ddj hits -o`` wrote a snippet starting with = as it was (a formula in a spreadsheet)."""
    table = tmp_path / "t.csv"
    table.write_text(
        'url,date,title,text\nhttps://a.example/1,2024-01-02,"=HYPERLINK(""x"") Hong Kong",Quiet.\n'
    )
    out = tmp_path / "hits.csv"
    assert main(["hits", str(table), "hong_kong", "-o", str(out)]) == 0
    capsys.readouterr()
    assert pd.read_csv(out)["snippet"].str.startswith("'=HYPERLINK").all()


# -- the coverage job: the same files from the command and the notebook ----------------------


def _same_ids(data: bytes) -> bytes:
    """vl-convert numbers an SVG's clip paths on from the charts drawn before in the process;
    a method file says when it was written."""
    data = re.sub(rb'"written": "[^"]*"', b'"written": ""', data)
    data = re.sub(rb"written [0-9][^\n]*\.\n", b"written.\n", data)
    return re.sub(rb"clip\d+", b"clip", data)


def test_the_coverage_job_writes_the_same_files_from_the_cli_and_the_notebook(tmp_path, capsys):
    corpus = tmp_path / "corpus.parquet"
    ddj.save(ddj.demo_corpus(n=600), corpus)
    cli_out, nb_out = tmp_path / "cli", tmp_path / "nb"
    argv = ["coverage", str(corpus), "-t", "hong_kong,ukraine", "--freq", "M"]
    assert main([*argv, "--at", "2024-10-14", "--out", str(cli_out)]) == 0
    capsys.readouterr()
    params = {
        "corpus": str(corpus),
        "topics": ["hong_kong", "ukraine"],
        "freq": "M",
        "compare_at": "2024-10-14",
    }
    run_notebook("coverage", params, out_dir=nb_out)
    names = sorted(p.name for p in cli_out.iterdir())
    assert "figures.csv" in names and "comparison.csv" in names and "coverage.txt" in names
    for name in names:
        assert _same_ids((cli_out / name).read_bytes()) == _same_ids(
            (nb_out / name).read_bytes()
        ), name
    done = jobs.coverage({**params, "out_dir": str(tmp_path / "lib")})
    assert set(done.files) >= {"png", "svg", "csv", "alt_text", "figures", "comparison"}
    assert (tmp_path / "lib" / "figures.csv").read_bytes() == (cli_out / "figures.csv").read_bytes()
    assert (
        done.comparison["sentence"].tolist()
        == pd.read_csv(cli_out / "comparison.csv")["sentence"].tolist()
    )


def test_unknown_coverage_job_parameter_is_named():
    with pytest.raises(ddj.ParameterError, match=r"Unknown coverage parameter\(s\) 'frq'"):
        jobs.coverage({"frq": "M"})


def test_a_coverage_with_nothing_to_compare_still_writes_its_files(tmp_path):
    """Before, ``ddj coverage`` wrote no comparison; now it does, and a corpus of one partial
    week must not lose its chart for it: a warning says why, and no comparison.csv is left."""
    table = tmp_path / "t.csv"
    table.write_text("url,date,title,text\nhttps://a.example/1,2024-01-02,Hong Kong,x\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "comparison.csv").write_text("an earlier run's\n")
    with pytest.warns(ddj.DdjWarning, match=r"No comparison written .*every period .* is partial"):
        done = jobs.coverage({"corpus": str(table), "topics": "hong_kong", "out_dir": str(out)})
    assert "comparison" not in done.files and not (out / "comparison.csv").exists()
    assert done.comparison.empty and (out / "coverage.png").exists()
    with pytest.raises(ddj.ParameterError, match="2031"):  # a period asked for is an error
        jobs.coverage(
            {
                "corpus": str(table),
                "topics": "hong_kong",
                "out_dir": str(out),
                "compare_at": "2031-01-01",
            }
        )
