"""ddj.params: one check per parameter, one wording per message."""

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import ddj
from ddj import params
from ddj.notebooks import check_parameters


@pytest.mark.parametrize(
    ("value", "code"),
    [("D", "D"), ("daily", "D"), (" week ", "W"), ("W-SUN", "W"), ("ME", "M"), ("QS", "Q"),
     ("annual", "Y"), ("Y", "Y"), ("w", "W"), ("Weekly", "W"), ("MONTHLY", "M"), ("Quarter", "Q"),
     ("ms", "M"), ("Annual", "Y"), ("Day", "D")],
)  # fmt: skip
def test_freq_names(value, code):
    assert params.freq(value) == code


def test_freq_reads_names_in_any_case_in_the_library_the_cli_and_the_notebooks(capsys):
    """One rule: a name the CLI takes in one case it takes in any case, and so do the others."""
    from ddj.cli import main
    from ddj.notebooks import check_parameters
    from ddj.words import code

    corpus = ddj.demo_corpus()
    weekly = ddj.coverage(corpus, ["hong_kong"], freq="W")
    pd.testing.assert_frame_equal(ddj.coverage(corpus, ["hong_kong"], freq="Weekly"), weekly)
    assert check_parameters(freq="Weekly")["freq"] == "Weekly"  # checked, not refused
    assert [code(f) for f in ("Weekly", "annual", "A", "w", "W-SUN")] == ["W", "Y", "Y", "W", "W"]
    for given in ("weekly", "Weekly", "WEEKLY"):
        assert main(["coverage", "demo", "-t", "hong_kong", "--freq", given]) == 0, given
        assert "per " in capsys.readouterr().out


@pytest.mark.parametrize("value", ["fortnight", "", None, 7, "weeks", "2W"])
def test_freq_refused(value):
    with pytest.raises(ddj.ParameterError, match=re.escape(f"freq={value!r} is not a frequency")):
        params.freq(value)


def test_tz():
    assert params.tz("UTC") == "UTC"
    assert params.tz("local") == "local"
    assert params.tz("Asia/Hong_Kong") == "Asia/Hong_Kong"
    assert params.tz(dt.UTC) is dt.UTC
    for bad in ("Mars/Olympus", "", None, 3, "../../etc/passwd"):
        with pytest.raises(ddj.ParameterError, match="IANA name such as 'Europe/London'"):
            params.tz(bad)


def test_by_metric_kind_rolling():
    assert params.by(None) is None and params.by("") is None and params.by("outlet") == "outlet"
    assert params.metric("share") == "share"
    assert params.kind("small-multiples") == "small-multiples"
    assert params.rolling(None) is None and params.rolling(3) == 3
    for check, bad, words in (
        (params.by, "author", "by='author' is not supported"),
        (params.metric, "clicks", "metric='clicks': use 'share'"),
        (params.kind, "pie", "kind='pie': use one of line"),
        (params.rolling, 0, "rolling=0: give a whole number"),
        (params.rolling, 2.5, "rolling=2.5"),
        (params.rolling, True, "rolling=True"),
    ):
        with pytest.raises(ddj.ParameterError, match=re.escape(words)):
            check(bad)


def test_days_and_windows():
    assert params.day(None, "start") is None and params.day(" ", "start") is None
    assert params.day("2024-10-18T23:30+08:00", "start") == pd.Timestamp("2024-10-18")
    assert params.day(dt.date(2024, 1, 2), "end") == pd.Timestamp("2024-01-02")
    assert params.window("2024-01-01", None) == (pd.Timestamp("2024-01-01"), None)
    with pytest.raises(
        ddj.ParameterError, match=re.escape("end='soon' is not a date: write it as YYYY-MM-DD")
    ):
        params.day("soon", "end")
    with pytest.raises(
        ddj.ParameterError,
        match=re.escape("start='2024-02-01' is after end='2024-01-01': swap them."),
    ):
        params.window("2024-02-01", "2024-01-01")


def test_moments_keep_times_and_read_a_bare_last_day_to_its_end():
    assert params.moment("2024-05-01T12:00", "since") == pd.Timestamp("2024-05-01T12:00Z")
    assert params.moment("2024-05-01T12:00+02:00", "since") == pd.Timestamp("2024-05-01T10:00Z")
    last = params.moment(dt.date(2024, 5, 1), "until", end=True)
    assert last == pd.Timestamp("2024-05-01T23:59:59.999999Z")
    assert params.moment("2024-05-01T12:00", "until", end=True) == pd.Timestamp("2024-05-01T12:00Z")
    assert params.bounds("2024-05-01", "2024-05-01")[1] == last  # one day is a valid window
    with pytest.raises(ddj.ParameterError, match=re.escape("since='last week' is not a date")):
        params.bounds("last week", None)
    with pytest.raises(ddj.ParameterError, match="swap them"):
        params.bounds("2024-05-02", "2024-05-01")


def test_dates_word_the_same_in_the_library_and_the_notebooks():
    from ddj.notebooks import check_parameters

    for name in ("start", "end", "since", "until"):
        with pytest.raises(ddj.ParameterError) as given:
            check_parameters(**{name: "2024-13-45"})
        assert str(given.value) == (
            f"{name}='2024-13-45' is not a date: write it as YYYY-MM-DD, e.g. {name}='2024-10-18'."
        )


def test_topics():
    assert params.topics("hong_kong, ukraine") == ["hong_kong", "ukraine"]
    assert params.topics("hong_kong", name="topic") == "hong_kong"
    assert params.topics(["no_such_topic"]) == ["no_such_topic"]  # the shape; resolve knows names
    with pytest.raises(ddj.ParameterError, match="Unknown topic 'no_such_topic'"):
        check_parameters(topics=["no_such_topic"])
    with pytest.raises(ddj.ParameterError, match="Unknown topic 'no_such_topic'"):
        check_parameters(topic="no_such_topic")
    with pytest.raises(ddj.ParameterError, match=re.escape("topics=[]: give topic names")):
        params.topics([])


def test_numbers():
    assert params.fraction(0.5, "threshold", example=0.8) == 0.5
    assert params.whole(5, "shingle", lo=1, hi=50, example=5) == 5
    for bad in (0, 1, float("nan"), "high", True):
        with pytest.raises(ddj.ParameterError, match=re.escape(f"threshold={bad!r}")):
            params.fraction(bad, "threshold", example=0.8)
    with pytest.raises(
        ddj.ParameterError, match=re.escape("shingle=0: give a whole number from 1 to 50")
    ):
        params.whole(0, "shingle", lo=1, hi=50, example=5)


def test_notebook_checks_are_a_table_of_params():
    from ddj.notebooks import CHECKS, check_parameters

    assert {"freq", "tz", "by", "metric", "title", "contact", "out_dir"} <= set(CHECKS)
    assert all(callable(c) for c in CHECKS.values())
    checked = check_parameters(freq="weekly", by="", title="  T ", contact=None, extra=1)
    assert checked == {"freq": "weekly", "by": None, "title": "T", "contact": None, "extra": 1}


def test_constants_import_nothing_of_ddj():
    code = "import sys, ddj.constants; print(sorted(m for m in sys.modules if m.startswith('ddj')))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (
        run.stdout.strip() == "['ddj', 'ddj.constants', 'ddj.errors']"
    )  # ddj/__init__ needs errors


def test_words_are_defined_once():
    """The demo notices and the frequency names are written in ddj.constants only."""
    from pathlib import Path

    root = Path(ddj.__file__).parent
    texts = {
        p: p.read_text(encoding="utf-8") for p in root.rglob("*.py") if p.name != "constants.py"
    }
    for words in ("not real news coverage", "invented outlets and articles", '"Q": "quarter"'):
        assert not [p.name for p, t in texts.items() if words in t], words
    assert not [p.name for p, t in texts.items() if "from ddj.demo import DEMO_" in t]


@pytest.mark.parametrize(
    ("option", "words"),
    [
        (["--freq", "fortnight"], "freq='fortnight' is not a frequency"),
        (["--tz", "Mars/Olympus"], "tz='Mars/Olympus' is not a time zone"),
        (["--start", "2024-13-45"], "start='2024-13-45' is not a date"),
        (["--events", "/no/such/events.csv"], "events='/no/such/events.csv': no such file"),
    ],
)
def test_cli_checks_coverage_options_before_loading_the_corpus(option, words, capsys):
    from ddj.cli import main

    assert main(["coverage", "/no/such/corpus", *option]) == 2
    assert words in capsys.readouterr().err  # not the missing corpus: the option came first


def test_given_values_are_size_capped_naming_the_parameter():
    from ddj.limits import MAX_PARAMETER_CHARS, MAX_PARAMETERS_CHARS

    params.given({"title": "Hong Kong", "topics": ["hong_kong"] * 100, "rate": 1.0, "n": 10**50})
    for value in (
        "x" * (MAX_PARAMETER_CHARS + 1),
        ["url"] * MAX_PARAMETER_CHARS,
        {"k": "v" * MAX_PARAMETER_CHARS},
        10**400_000,
    ):
        with pytest.raises(
            ddj.ParameterError, match=r"^topics: more than 100,000 characters; .* in a file"
        ):
            params.given({"title": "ok", "topics": value})
    many = {
        f"p{i}": "x" * (MAX_PARAMETER_CHARS - 10)
        for i in range(MAX_PARAMETERS_CHARS // MAX_PARAMETER_CHARS + 1)
    }
    with pytest.raises(
        ddj.ParameterError, match=r"^p10: the parameters add up to more than 1,000,000"
    ):
        params.given(many)
    loop: list = []
    loop.append(loop)  # a list holding itself is counted until the cap, not forever
    with pytest.raises(ddj.ParameterError, match="^loop: more than"):
        params.given({"loop": loop})


@pytest.mark.parametrize(
    ("values", "name"),
    [({"title": "caf\udce9"}, "title"), ({"topics": ["ok", "\ud800"]}, "topics"),
     ({"caf\udce9": 1}, "a parameter name")],
)  # fmt: skip
def test_given_text_with_a_lone_surrogate_is_refused(values, name):
    with pytest.raises(
        ddj.ParameterError, match=f"^{name}: the text .* holds a lone surrogate"
    ) as err:
        params.given(values)
    str(err.value).encode("utf-8")  # the message itself prints anywhere


def _corpus_error(value) -> str:
    with pytest.raises(ddj.errors.ParameterError) as info:
        params.corpus(value)
    return str(info.value)


def test_corpus_is_checked_readable_before_a_kernel_starts(tmp_path):
    assert params.corpus("demo") == "demo"
    assert "no such file or folder" in _corpus_error(tmp_path / "missing.csv")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)  # reading it would hang the kernel
    assert "named pipe (FIFO)" in _corpus_error(fifo)
    (tmp_path / "empty" / "notes").mkdir(parents=True)
    (tmp_path / "empty" / "notes" / "readme.txt").write_text("no pages here")
    assert "no web pages or tables" in _corpus_error(tmp_path / "empty")
    (tmp_path / "pages" / "2024").mkdir(parents=True)
    (tmp_path / "pages" / "2024" / "a.html").write_text("<title>a</title>")
    assert params.corpus(tmp_path / "pages") == tmp_path / "pages"
    table = tmp_path / "t.csv"
    table.write_text("title\nx\n")
    assert params.corpus(str(table)) == str(table)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file: no permission to refuse")
def test_corpus_that_cannot_be_read_is_refused(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("title\nx\n")
    table.chmod(0)
    assert "not readable" in _corpus_error(table)


@pytest.mark.parametrize("kind", ["fifo", "empty", "missing"])
def test_ddj_run_refuses_an_unreadable_corpus_in_one_line_exit_2(kind, tmp_path):
    path = tmp_path / "corpus"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "empty":
        path.mkdir()
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("ddj")),
            "run",
            "coverage",
            "-p",
            "corpus",
            str(path),
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ddj run: error: corpus="), done.stderr
    assert not (tmp_path / "o").exists()  # refused before a kernel started
