import html
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import ddj
from ddj.cli import main
from ddj.notebooks import (
    NotebookError,
    check_parameters,
    convert,
    fingerprint,
    run_notebook,
    slim,
)
from ddj.report import WIDGET_VIEW
from tests import browsers

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "notebooks"


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    """A small table-based corpus, so notebook runs stay quick."""
    rows = []
    for i, day in enumerate(pd.date_range("2024-01-01", "2024-06-30", freq="D")):
        topic = [
            "Hong Kong court hears case",
            "Ukraine war latest",
            "Local council news",
            "Taiwan drills",
        ][i % 4]
        rows.append({"url": f"https://paper{i % 3}.example/{i}", "date": day.strftime("%Y-%m-%d"), "title": topic,
                     "source_title": f"Paper {i % 3}", "text": topic + ". Reporting for the ddj notebook tests."})  # fmt: skip
    path = tmp_path_factory.mktemp("nbcorpus") / "articles.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_are_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert nb.cells[0].cell_type == "markdown"
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and params[0] is code[0]
    assert all(
        "#" in line for line in params[0].source.splitlines() if line.strip()
    )  # a comment per parameter
    assert "check_parameters" in code[1].source  # the notebook checks its own parameters


#: The notebook-support helpers a notebook may call as ``ddj.notebooks.NAME`` (the rest is
#: ``ddj.NAME``, or the jobs layer's ``ddj.jobs.NAME``, as the CLI calls it).
NOTEBOOK_HELPERS = {"header"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_call_only_public_names(path):
    """``ddj.resolve``, not ``ddj.matching.resolve``: a notebook calls what ddj exports."""
    import importlib

    code = "\n".join(
        c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"
    )
    used = re.findall(r"\bddj\.(\w+)(?:\.(\w+))?", code)
    assert used
    for name, attribute in used:
        if name == "notebooks":
            assert attribute in NOTEBOOK_HELPERS, f"ddj.notebooks.{attribute}"
        elif name in ("collecting", "display", "interactive", "jobs"):  # with their own __all__
            module = importlib.import_module(f"ddj.{name}")
            assert attribute in module.__all__, f"ddj.{name}.{attribute}"
        else:
            assert name in ddj.__all__, f"ddj.{name}"
    assert "strftime" not in code  # the by-month table comes from ddj.by_month


def test_run_coverage_with_other_parameters(small_corpus, tmp_path):
    out = run_notebook(
        "notebooks/coverage.ipynb",
        {
            "corpus": str(small_corpus),
            "freq": "M",
            "topics": "hong_kong,taiwan",
            "by": "outlet",
            "events": "None",
            "compare_at": "2024-05-15",
        },
        out_dir=tmp_path,
    )
    assert out.parent == tmp_path and out.name.startswith("coverage-")
    nb = nbformat.read(out, as_version=4)
    assert nb.metadata["papermill"]["parameters"]["topics"] == ["hong_kong", "taiwan"]
    header = "".join(
        o.get("data", {}).get("text/markdown", "") for c in nb.cells for o in c.get("outputs", [])
    )
    assert f"ddj {ddj.__version__}" in header and "fingerprint" in header
    assert (tmp_path / "coverage.png").exists() and (tmp_path / "figures.csv").exists()
    figures = pd.read_csv(tmp_path / "figures.csv")
    assert set(figures["topic"]) == {"hong_kong", "taiwan"} and "outlet" in figures
    assert {"peak_share_low", "peak_share_high", "latest_share_low"} <= set(figures.columns)
    comparison = pd.read_csv(tmp_path / "comparison.csv")  # compare_at beside its baseline
    assert set(comparison["period"]) == {"2024-05-01"} and "ratio_low" in comparison
    printed = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "of Paper 0's articles in May 2024 (95% CI " in printed


def test_run_defaults_on_demo(tmp_path, capfd):
    out = run_notebook("notebooks/coverage.ipynb", {}, out_dir=tmp_path)
    # the kernel talks over local sockets: no TCP port, and no warning about one in the output
    assert "without encryption" not in capfd.readouterr().err
    nb = nbformat.read(out, as_version=4)
    assert "synthetic demo data" in json.dumps([c.get("outputs", []) for c in nb.cells]).lower()
    assert (tmp_path / "coverage.svg").exists()
    assert "synthetic demo data" in (tmp_path / "coverage.txt").read_text().lower()
    # data notes, not red warning boxes: what loading dropped is one "about this data" note
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    red = [o["text"] for o in outputs if o.get("name") == "stderr"]
    assert not [t for t in red if "Warning" in t], red
    notes = [o["data"]["text/markdown"] for o in outputs if "text/markdown" in o.get("data", {})]
    assert any(n.startswith("**About this data.**") and "duplicate" in n for n in notes), notes


BAD_QUERY = 'ukraine AND (war OR <b>"drills'


@pytest.fixture(scope="module")
def explored(small_corpus, tmp_path_factory):
    """explore.ipynb run once by papermill on the small corpus (and its HTML, as nbconvert writes it).

    Its query has a mistake: the query cell shows it, and the rest of the notebook runs.
    """
    from nbconvert import HTMLExporter

    out = run_notebook(
        "explore", {"corpus": str(small_corpus), "topic": "ukraine", "query": BAD_QUERY},
        out_dir=tmp_path_factory.mktemp("explore"),
    )  # fmt: skip
    nb = nbformat.read(out, as_version=4)
    page = out.with_suffix(".html")
    page.write_text(HTMLExporter().from_notebook_node(nb)[0], encoding="utf-8")
    return nb, page


def test_explore_on_an_indexed_store_says_it_used_the_index(small_corpus, tmp_path):
    """A test-sized store with a search index, through the explore notebook."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        store = ddj.save(ddj.load(small_corpus), tmp_path / "store", append=True)
    ddj.index(store)
    out = run_notebook(
        "explore", {"corpus": str(store), "topic": "ukraine", "query": "ukraine"},
        out_dir=tmp_path / "explore",
    )  # fmt: skip
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    text = json.dumps(outputs)
    assert text.count("Answered from the index of") >= 2  # the hits cell, and the query cell
    assert not [o for o in outputs if o.get("output_type") == "error"]


def test_explore_runs(explored):
    nb, _ = explored
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    png = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(png) >= 3, "the charts are drawn offline, as PNG"
    assert not [o for o in outputs if o.get("name") == "stderr"]  # data notes are not red text
    text = json.dumps(outputs)
    assert "About this data" in text and "ddj.problems(articles)" in text
    assert "<mark>Ukraine</mark>" in text and "&lt;mark&gt;" not in text  # marked, not escaped
    assert "12:00:00" not in text  # dates as dates
    # each chart stored once, as the PNG an untrusted notebook shows: no SVG beside it, and the
    # clickable chart's widget (its ~0.9 MB script in the saved state) comes back when its cell runs
    widget = "application/vnd.jupyter.widget-view+json"
    assert not [o for o in outputs if {"image/svg+xml", widget} & set(o.get("data", {}))]
    assert "widgets" not in nb.metadata
    clickable = [o for o in png if "OfflineJupyterChart" in str(o["data"].get("text/plain"))]
    assert len(clickable) == 1  # the clickable chart of the topic (the query has a mistake)
    [error] = [o["data"]["text/html"] for o in outputs if "ddj-query-error" in str(o.get("data"))]
    shown = error.removeprefix("<pre class='ddj-query-error'>").removesuffix("</pre>")
    assert "<b>" not in shown and "&lt;b&gt;" in shown  # escaped
    lines = html.unescape(shown).splitlines()  # as the page shows it
    assert lines[0].startswith("Query syntax error at position 23: ")  # where, what and the fix
    assert lines[1].strip() == BAD_QUERY
    assert lines[2].index("^") == lines[1].index('"')  # the caret under the quotation mark
    assert not [o for o in outputs if o.get("output_type") == "error"]


@pytest.mark.slow
def test_explore_html_works_offline(explored):
    """The executed notebook's HTML: searchable hit tables with the match marked, no internet."""
    _, page_file = explored
    # its own chromium, closed before the module's next test: a Playwright left open marks its
    # event loop as running between calls, and papermill's nbclient would refuse to start
    with browsers.launched() as browser:
        page = browser.new_page()
        blocked = []

        def offline(route):
            if route.request.url.startswith(("file:", "data:", "blob:")):
                return route.continue_()
            blocked.append(route.request.url)
            return route.abort()

        page.route("**/*", offline)
        page.goto(page_file.as_uri())
        mark = page.locator("table.dataTable td mark").first
        mark.wait_for(timeout=20_000)  # DataTables ran from the notebook itself
        assert mark.is_visible() and mark.inner_text() == "Ukraine"
        assert page.locator(".dt-search input").count() >= 1  # the hits, searchable
        assert not [u for u in blocked if "itables" in u or "datatables" in u.lower()]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"nonsense": 1}, "Unknown parameter 'nonsense'"),
        ({"freq": "fortnightly"}, "not a frequency"),
        ({"start": "2024-13-45"}, "not a date"),
        ({"start": "2024-05-01", "end": "2024-01-01"}, "after end"),
        ({"topics": "hong_kong,no_such_topic"}, "Unknown topic 'no_such_topic'"),
        ({"corpus": "/no/such/folder"}, "no such file or folder"),
        ({"by": "author"}, "by='author'"),
        ({"metric": "clicks"}, "metric='clicks'"),
        ({"title": "x" * 301}, "301 characters is too long for the headline"),
        ({"title": 2024}, "title=2024: give the headline as text"),
        ({"events": "notebooks"}, "events='notebooks': no such file"),
        ({"compare_at": "someday"}, "compare_at='someday' is not a date"),
    ],
)
def test_bad_parameters_refused_before_a_kernel(tmp_path, params, words, no_kernel):
    with pytest.raises(ddj.ParameterError, match=words):
        run_notebook("notebooks/coverage.ipynb", params, out_dir=tmp_path)
    assert not list(tmp_path.glob("*.ipynb"))  # nothing ran


@pytest.fixture
def no_kernel(monkeypatch):
    """Any attempt to execute a notebook fails the test: checks must come first."""
    import papermill

    def refuse(*args, **kwargs):
        raise AssertionError("a kernel was started for parameters that should have been refused")

    monkeypatch.setattr(papermill, "execute_notebook", refuse)


def test_conversion_to_declared_types():
    got = convert(
        REPO / "notebooks" / "coverage.ipynb",
        {"topics": "[hong_kong, taiwan]", "by": "None", "freq": "M"},
    )
    assert got == {"topics": ["hong_kong", "taiwan"], "by": None, "freq": "M"}
    assert convert(REPO / "notebooks" / "coverage.ipynb", {"topics": "hong_kong"})["topics"] == [
        "hong_kong"
    ]


def test_failing_cell_is_named_and_partial_notebook_kept(tmp_path):
    with pytest.raises(
        NotebookError,
        match=r"cell In \[\d+\] failed \(ValueError: broken on purpose\)\. It starts: \"raise ValueError",
    ) as err:
        run_notebook(FIXTURES / "broken.ipynb", {"x": "2"}, out_dir=tmp_path)
    assert err.value.output.exists()
    nb = nbformat.read(err.value.output, as_version=4)
    assert nb.metadata["papermill"]["parameters"] == {"x": 2}
    # papermill's data kept: the cell (its index in the executed notebook, where the injected
    # parameters cell comes after the tagged one), its source, and the traceback as plain text
    failed = err.value
    assert (failed.cell_index, failed.exec_count) == (4, 4)
    shown = [c for c in nb.cells if c.get("execution_count") == failed.exec_count]
    assert [c.source for c in shown] == ["raise ValueError('broken on purpose')"]
    assert failed.source == "raise ValueError('broken on purpose')"
    assert (failed.ename, failed.evalue) == ("ValueError", "broken on purpose")
    assert "ValueError: broken on purpose" in failed.traceback and "\x1b[" not in failed.traceback
    assert "cell In [4] failed" in str(failed) and "\n" not in str(failed)


def test_the_cli_names_the_failing_cell_in_one_line(tmp_path, capsys):
    from ddj.cli import main

    assert main(["run", str(FIXTURES / "broken.ipynb"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ddj run: error: broken.ipynb: cell In [3] failed")
    assert "It starts: \"raise ValueError('broken on purpose')\"" in err[0]


def test_notebook_without_parameters_cell(tmp_path):
    with pytest.raises(ddj.ParameterError, match="no cell tagged 'parameters'"):
        run_notebook(FIXTURES / "no-parameters.ipynb", {"x": 1}, out_dir=tmp_path)


def test_plain_papermill_checks_too(tmp_path):
    import papermill

    with pytest.raises(papermill.PapermillExecutionError, match="ParameterError"):
        papermill.execute_notebook(
            str(REPO / "notebooks" / "coverage.ipynb"), str(tmp_path / "x.ipynb"),
            parameters={"freq": "fortnightly"}, progress_bar=False, kernel_name=ddj.notebooks._kernel(),
        )  # fmt: skip


def test_cli_run_refuses_bad_parameters(tmp_path, capsys):
    assert (
        main(["run", "notebooks/coverage.ipynb", "-p", "freq", "hourly", "--out", str(tmp_path)])
        == 2
    )
    captured = capsys.readouterr()
    assert captured.err.startswith("ddj run: error:") and "freq='hourly'" in captured.err
    assert "running" not in captured.out  # nothing claims to run what was refused


def test_check_parameters_and_fingerprint():
    assert check_parameters(topics="hong_kong, ukraine")["topics"] == ["hong_kong", "ukraine"]
    c = ddj.corpus.conform([{"url": "u", "title": "a"}])
    assert fingerprint(c) == fingerprint(c.copy()) and fingerprint(c)["rows"] == 1
    assert fingerprint(c) != fingerprint(ddj.corpus.conform([{"url": "u", "title": "b"}]))


@pytest.fixture
def fake_kernel(monkeypatch):
    """papermill writes the executed notebook without a kernel: for what run_notebook does before one."""
    import papermill

    runs = []

    def execute(source, target, parameters, **kwargs):
        runs.append(dict(parameters))
        Path(target).write_text("{}")

    monkeypatch.setattr(papermill, "execute_notebook", execute)
    return runs


def test_another_parameter_set_never_replaces_a_runs_outputs(tmp_path, fake_kernel):
    coverage = "notebooks/coverage.ipynb"
    first = run_notebook(coverage, {"freq": "M"}, out_dir=tmp_path)
    assert run_notebook(coverage, {"freq": "M"}, out_dir=tmp_path) == first  # a rerun (make demo)
    with pytest.raises(
        ddj.ParameterError, match=r"another coverage run \(freq='M' there, 'W' now\)"
    ):
        run_notebook(coverage, {"freq": "W"}, out_dir=tmp_path)
    assert len(fake_kernel) == 2  # refused before a kernel started
    run_notebook(coverage, {"freq": "W"}, out_dir=tmp_path, overwrite=True)
    record = json.loads((tmp_path / "coverage.run.json").read_text())
    assert record["parameters"]["freq"] == "W" and record["notebook"].startswith("coverage-")
    run_notebook(coverage, {"freq": "M"}, out_dir=tmp_path / "monthly")  # its own --out is fine
    assert len(fake_kernel) == 4


def test_folder_from_before_the_run_record_is_protected_too(tmp_path, fake_kernel, capsys):
    (tmp_path / "coverage-0badcafe.ipynb").write_text("{}")  # an older ddj's run, other parameters
    args = ["run", "notebooks/coverage.ipynb", "-p", "freq", "Q", "--out", str(tmp_path)]
    assert main(args) == 2
    assert "coverage-0badcafe.ipynb" in capsys.readouterr().err and not fake_kernel
    assert main([*args, "--overwrite"]) == 0 and len(fake_kernel) == 1


def test_out_that_is_a_file_is_exit_2(tmp_path, capsys, no_kernel):
    blocker = tmp_path / "report.pdf"
    blocker.write_text("x")
    assert main(["run", "notebooks/coverage.ipynb", "--out", str(blocker)]) == 2
    assert f"{blocker}' is a file, not a folder" in capsys.readouterr().err
    with pytest.raises(ddj.ParameterError, match="is under"):
        run_notebook("notebooks/coverage.ipynb", {"out_dir": str(blocker / "x")}, out_dir=tmp_path)


def test_title_checked_and_passed_through(tmp_path, fake_kernel):
    title = "Coverage of `Hong Kong` </script>"
    run_notebook("notebooks/coverage.ipynb", {"title": title}, out_dir=tmp_path)
    assert fake_kernel[0]["title"] == title
    assert check_parameters(title="  ")["title"] is None
    with pytest.raises(ddj.ParameterError, match="contact="):
        check_parameters(contact="me@example.org\r\nX-Evil: 1")


# -- collect.ipynb ------------------------------------------------------------------------------
def test_collect_defaults_read_the_synthetic_demo_archive(tmp_path):
    out = run_notebook("collect", {}, out_dir=tmp_path)
    assert out.name.startswith("collect-")
    text = json.dumps([c.get("outputs", []) for c in nbformat.read(out, as_version=4).cells])
    assert "synthetic demo data" in text.lower() and "fingerprint" in text
    with pytest.warns(ddj.DroppedRowsWarning, match="no publication date"):
        corpus = ddj.load(tmp_path / "corpus.parquet")  # the demo has undated pages on purpose
    assert corpus.attrs["ddj_demo"] == "synthetic demo data"  # the label survives the file
    dated = corpus["published"].dropna()
    assert len(corpus) > 200 and dated.min() >= pd.Timestamp("2024-07-01", tz="UTC")
    assert dated.max() < pd.Timestamp("2025-01-01", tz="UTC")
    assert corpus["outlet"].nunique() == 5
    failures = pd.read_csv(tmp_path / "corpus.failures.csv")
    assert failures["stage"].tolist() == ["extract"] and "empty" in failures["reason"].iloc[0]


def test_collect_from_a_feed_and_extend(tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from collect_site import Site

    with Site(outlets=2, articles=6) as site:
        first = {"feeds": site.url("/rss.xml", 0), "since": "None", "until": "None", "rate": "0",
                 "contact": "tests@example.org"}  # fmt: skip
        run_notebook("collect", first, out_dir=tmp_path / "a")
        saved = tmp_path / "a" / "corpus.parquet"
        assert len(ddj.load(saved)) == 6
        second = {"sites": site.url("/", 1), "since": "None", "until": "None", "rate": "0",
                  "extend": str(saved)}  # fmt: skip
        run_notebook("collect", second, out_dir=tmp_path / "b")
    extended = ddj.load(tmp_path / "b" / "corpus.parquet")
    assert len(extended) == 12 and extended["outlet"].nunique() == 2
    assert "ddj_demo" not in extended.attrs
    assert site.hits[(1, "/robots.txt")] >= 1  # robots.txt read before the front page


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"feeds": "ftp://example.org/feed"}, "not a web address"),
        ({"warcs": "/no/such/crawl.warc.gz"}, "is not a file"),
        ({"urls": "/no/such/list.txt"}, "no such file"),
        ({"since": "2024-05-01", "until": "2024-01-01"}, "since='2024-05-01' is after until"),
        ({"since": "last week"}, "since='last week' is not a date"),
        ({"rate": "fast"}, "rate='fast': give a number"),
        ({"rate": "-1"}, "rate=-1.0"),
        ({"robots": "maybe"}, "give true or false"),
        ({"extend": "/no/such/corpus.parquet"}, "no such corpus file"),
    ],
)
def test_collect_bad_parameters_refused_before_a_kernel(tmp_path, params, words, no_kernel):
    with pytest.raises(ddj.ParameterError, match=re.escape(words)):
        run_notebook("collect", params, out_dir=tmp_path)
    assert not list(tmp_path.glob("*.ipynb"))


# -- the kernel ddj runs notebooks in -----------------------------------------------------------


def test_names_a_notebook_takes_from_ddj(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("ddj.load is only mentioned here"),
        nbformat.v4.new_code_cell("import ddj\nfrom ddj import (chart,\n    publish as pub)\ncov = ddj.coverage(c)"),
        nbformat.v4.new_code_cell("x = other.ddj.nothing; ddj.notebooks.header(p, c)"),
    ]  # fmt: skip
    nbformat.write(nb, tmp_path / "n.ipynb")
    assert ddj.notebooks._ddj_names(tmp_path / "n.ipynb") == [
        "chart", "coverage", "notebooks", "publish"
    ]  # fmt: skip
    (tmp_path / "broken.ipynb").write_text("{not json")
    assert ddj.notebooks._ddj_names(tmp_path / "broken.ipynb") == []


def test_kernel_has_the_ddj_modules_before_the_first_cell_and_nothing_in_its_namespace(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import gc, sys\n"
            "print('ddj.measure' in sys.modules, 'ddj' in globals(), gc.isenabled(), gc.get_freeze_count() > 0)"
        ),
        nbformat.v4.new_code_cell("if x == 0:\n    import ddj\n    ddj.coverage"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, tmp_path / "preload.ipynb")
    out = run_notebook(tmp_path / "preload.ipynb", {"x": "2"}, out_dir=tmp_path / "out")
    cells = [c for c in nbformat.read(out, as_version=4).cells if c.cell_type == "code"]
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1))  # no hidden cell
    # imported (ddj.measure), the name ddj not bound for the notebook, GC on, the preload frozen
    [shown] = [c.outputs[0]["text"] for c in cells if "freeze" in c.source]
    assert shown == "True False True True\n"


def test_refused_parameters_stop_the_booting_kernel(tmp_path, monkeypatch, capfd):
    """Killed, never interrupted: a SIGINT to a kernel still importing printed a
    KeyboardInterrupt traceback under ``ddj run``'s one-line refusal (seen on a loaded CI)."""
    made, interrupts, real = [], [], ddj.notebooks._kernel_manager_class

    def capturing():
        class Capturing(real()):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                made.append(self)

            async def _async_interrupt_kernel(self):
                interrupts.append(self)
                await super()._async_interrupt_kernel()

        return Capturing

    monkeypatch.setattr(ddj.notebooks, "_kernel_manager_class", capturing)
    with pytest.raises(ddj.ParameterError, match="not a frequency"):
        run_notebook("notebooks/coverage.ipynb", {"freq": "fortnightly"}, out_dir=tmp_path)
    assert len(made) == 1 and not made[0].has_kernel and not made[0].clients
    assert interrupts == []
    assert "Traceback" not in capfd.readouterr().err


def test_a_kernelspec_of_another_virtualenv_is_not_taken_for_this_python(tmp_path, monkeypatch):
    """Every venv's python links to one base interpreter: only the one written as ours counts."""
    import os
    import sys

    from jupyter_client import kernelspec

    other = tmp_path / "other-venv" / "bin" / "python"
    other.parent.mkdir(parents=True)
    os.symlink(os.path.realpath(sys.executable), other)  # resolves to the same file as ours
    specs = {"other-env": {"spec": {"argv": [str(other), "-m", "ipykernel_launcher"]}}}
    monkeypatch.setattr(kernelspec.KernelSpecManager, "get_all_specs", lambda self: specs)
    assert ddj.notebooks._kernel() == "python3"
    specs["this-env"] = {"spec": {"argv": [sys.executable, "-m", "ipykernel_launcher"]}}
    assert ddj.notebooks._kernel() == "this-env"


def test_copy_notebooks_checks_every_target_before_writing_any(tmp_path):
    place = tmp_path / "mine"
    place.mkdir()
    (tmp_path / "victim.txt").write_text("keep me")
    (place / "events.csv").symlink_to("../victim.txt")  # the last file copied
    with pytest.raises(
        ddj.InputError, match=r"events\.csv: a symbolic link \(to \.\./victim\.txt\)"
    ):
        ddj.notebooks.copy_notebooks(place, overwrite=True)
    assert sorted(p.name for p in place.iterdir()) == ["events.csv"]  # nothing else written first
    assert (tmp_path / "victim.txt").read_text() == "keep me"
    (place / "events.csv").unlink()
    written = ddj.notebooks.copy_notebooks(place)
    assert [p.name for p in written][-2:] == ["topics.yml", "events.csv"]
    assert all(p.is_file() and not p.is_symlink() and p.parent == place for p in written)


def test_a_parameters_file_that_is_a_fifo_or_a_device_is_refused_not_read(tmp_path):
    from tests.hostile_files import fifo, finishes

    pipe = fifo(tmp_path / "params.yml")
    with pytest.raises(ddj.InputError, match=r"params\.yml: a named pipe \(FIFO\), not a regular"):
        finishes(lambda: ddj.notebooks.parse_cli_params([], str(pipe)), [pipe])
    (tmp_path / "zero.yml").symlink_to("/dev/zero")
    with pytest.raises(ddj.InputError, match=r"a link to /dev/zero, a character device"):
        ddj.notebooks.parse_cli_params([], str(tmp_path / "zero.yml"))
    (tmp_path / "ok.yml").write_text("freq: W\n")
    assert ddj.notebooks.parse_cli_params([("title", "T")], str(tmp_path / "ok.yml")) == {
        "freq": "W",
        "title": "T",
    }


@pytest.mark.parametrize("text", ["null", "123", "true", "[1]", "None", "~", " spaced "])
def test_free_text_parameters_stay_the_text_given(text):
    coverage = REPO / "notebooks" / "coverage.ipynb"
    assert convert(coverage, {"title": text}) == {"title": text}
    assert convert(REPO / "notebooks" / "explore.ipynb", {"query": text}) == {"query": text}
    assert convert(REPO / "notebooks" / "collect.ipynb", {"contact": text}) == {"contact": text}


def test_other_parameters_still_parse():
    coverage = REPO / "notebooks" / "coverage.ipynb"
    got = convert(coverage, {"topics": "[hong_kong, taiwan]", "by": "null", "events": "None"})
    assert got == {"topics": ["hong_kong", "taiwan"], "by": None, "events": None}
    assert convert(REPO / "notebooks" / "collect.ipynb", {"rate": "2", "robots": "false"}) == {
        "rate": 2.0,
        "robots": False,
    }
    assert check_parameters(title="")["title"] is None  # an empty value is ddj's own headline


@pytest.fixture
def no_kernel_start(monkeypatch):
    """Starting a kernel fails the test: these refusals must come before one boots."""

    def refuse(*args, **kwargs):
        raise AssertionError("a kernel was started for parameters that should have been refused")

    monkeypatch.setattr(ddj.notebooks, "_booting_kernel", refuse)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (
            ["-p", "title", "\udcff"],
            "title: the text '\\udcff' holds a lone surrogate",
        ),  # argv bytes b"\xff"
        (["-p", "topics", "x" * 200_000], "topics: more than 100,000 characters"),
        (["-p", "\udcff", "x"], "a parameter name: the text"),
    ],
)
def test_cli_run_refuses_bad_text_before_a_kernel_starts(
    tmp_path, capsys, argv, words, no_kernel_start
):
    assert main(["run", "coverage", *argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ddj run: error: ") and words in err and err.count("\n") == 1


def test_run_notebook_refuses_a_surrogate_or_a_huge_value_before_a_kernel(
    tmp_path, no_kernel_start
):
    with pytest.raises(ddj.ParameterError, match="^title: .* lone surrogate"):
        run_notebook("coverage", {"title": "\ud800"}, out_dir=tmp_path)
    with pytest.raises(ddj.ParameterError, match="^topics: more than 100,000 characters"):
        run_notebook("coverage", {"topics": ["hong_kong"] * 20_000}, out_dir=tmp_path)


def test_header_lists_each_topic_with_the_query_it_counts(tmp_path):
    """issue 23: the notebook says what it measured, a topic from the file and a query alike."""
    path = tmp_path / "t.yml"
    path.write_text(
        'topics:\n  - name: lai\n    label: Jimmy Lai\n    query: \'"Jimmy Lai" OR "a|b"\'\n'
    )
    params = {"topics": ["lai", '"Salt Typhoon" OR Volt'], "topics_file": str(path)}
    text = ddj.notebooks.header(params, ddj.demo_corpus())
    rows = text.split("| topic | label | query counted |")[1].strip().splitlines()[1:]
    assert rows == [
        '| <code>lai</code> | Jimmy Lai | <code>"Jimmy Lai" OR "a&#124;b"</code> |',
        '| <code>Salt Typhoon or Volt</code> | Salt Typhoon or Volt | <code>"Salt Typhoon" OR Volt</code> |',
    ]


def _loading_notebook(tmp_path: Path) -> Path:
    pages = tmp_path / "pages"
    pages.mkdir()
    for i in range(3):
        (pages / f"p{i}.html").write_text(
            f"<html><head><title>Story {i}</title><meta property='article:published_time' "
            f"content='2024-03-0{i + 1}T10:00:00Z'></head><body><article><p>Story {i} text.</p></article></body></html>"
        )
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(f"folder = {str(pages)!r}", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import ddj\narticles = ddj.load(folder, cache=False)\nlen(articles)"
        ),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "load.ipynb"
    nbformat.write(nb, path)
    return path


def test_an_executed_notebook_holds_no_progress_bar_unless_asked(tmp_path, monkeypatch):
    """ddj run's kernel has DDJ_PROGRESS=0: nobody watches it, so no widget or bar text is saved."""
    path = _loading_notebook(tmp_path)
    monkeypatch.delenv("DDJ_PROGRESS", raising=False)
    out = run_notebook(path, {}, out_dir=tmp_path / "quiet")
    saved = json.dumps(nbformat.read(out, as_version=4).cells[1].outputs)
    assert '"3"' in saved and "widget-view" not in saved and "Parsing pages" not in saved
    monkeypatch.setenv("DDJ_PROGRESS", "1")  # asked for: the kernel shows it (text on stderr here)
    out = run_notebook(path, {}, out_dir=tmp_path / "asked")
    saved = json.dumps(nbformat.read(out, as_version=4).cells[1].outputs)
    assert "Parsing pages" in saved or "widget-view" in saved


def test_ddj_run_in_a_terminal_shows_the_cells_run(tmp_path):
    """A person running ``ddj run`` in a shell sees a bar of cells on stderr, not minutes of silence."""
    import os
    import pty
    import subprocess
    import sys

    path = _loading_notebook(tmp_path)
    main_fd, child_fd = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "DDJ_PROGRESS"}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("ddj")), "run", str(path), "--out", str(tmp_path / "o")],
        stdout=subprocess.PIPE, stderr=child_fd, env=env, timeout=180,
    )  # fmt: skip
    os.close(child_fd)
    seen = b""
    while True:
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(main_fd)
    assert done.returncode == 0, seen
    assert b"Running cells" in seen and b"cell/s" in seen


def test_an_executed_notebook_keeps_one_form_of_each_chart(tmp_path):
    png = {"image/png": "iVBORw0KGgo=", "text/plain": "<chart>"}
    state = {"application/vnd.jupyter.widget-state+json": {"state": {"m1": {"_esm": "x" * 1000}}}}

    def notebook(*datas):
        nb = nbformat.v4.new_notebook(metadata={"widgets": state})
        nb.cells = [nbformat.v4.new_code_cell("x", outputs=[
            nbformat.v4.new_output("display_data", data=d) for d in datas])]  # fmt: skip
        path = tmp_path / f"nb{len(list(tmp_path.iterdir()))}.ipynb"
        nbformat.write(nb, path)
        return path

    path = notebook(
        {**png, WIDGET_VIEW: {"model_id": "m1", "version_major": 2, "version_minor": 0}},
        {**png, "image/svg+xml": "<svg/>"},
        {"text/html": "<p>a table</p>"},
    )
    before = path.stat().st_size
    slim(path)
    nb = nbformat.read(path, as_version=4)  # still a valid notebook
    datas = [o["data"] for o in nb.cells[0].outputs]
    assert [sorted(d) for d in datas] == [["image/png", "text/plain"]] * 2 + [["text/html"]]
    assert "widgets" not in nb.metadata and path.stat().st_size < before
    # a widget with no picture beside it (a progress bar) keeps its view and the saved state
    bar = notebook(
        {WIDGET_VIEW: {"model_id": "m1"}, "text/plain": "bar"}, {**png, "image/svg+xml": "<svg/>"}
    )
    slim(bar)
    nb = nbformat.read(bar, as_version=4)
    assert WIDGET_VIEW in nb.cells[0].outputs[0]["data"] and "widgets" in nb.metadata
    assert "image/svg+xml" not in nb.cells[0].outputs[1]["data"]
