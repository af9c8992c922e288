"""The project's own files agree with each other."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!~ ;\[]", req, maxsplit=1)[0].strip().lower().replace("_", "-")


def _pyproject():
    return tomllib.loads((REPO / "pyproject.toml").read_text())


#: conda has no extras: each extra pyproject asks for is a conda package of its own.
CONDA_FOR_EXTRA = {("lxml", "html-clean"): "lxml-html-clean"}


def _conda_specs(req: str) -> list[str]:
    """The conda-forge specs a pip requirement stands for: itself without extras, one per extra."""
    name = _name(req)
    extras = re.search(r"\[([^\]]*)\]", req)
    wanted = [re.sub(r"\[[^\]]*\]", "", req).replace(" ", "")]
    for extra in extras.group(1).split(",") if extras else []:
        key = (name, extra.strip().lower().replace("_", "-"))
        assert key in CONDA_FOR_EXTRA, f"{req}: say which conda package stands for [{key[1]}]"
        wanted.append(CONDA_FOR_EXTRA[key])
    return wanted


def test_environment_yml_matches_pyproject():
    project = _pyproject()["project"]
    wanted = {
        _name(spec): spec
        for r in project["dependencies"] + project["optional-dependencies"]["test"]
        for spec in _conda_specs(r)
    }
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip
    have = {_name(d): d.replace(" ", "") for d in conda if _name(d) not in {"python", "pip"}}
    have |= {_name(d): d.replace(" ", "") for d in pip if d != "-e ."}  # not on conda-forge yet
    assert sorted(have) == sorted(wanted)

    def norm(spec: str) -> str:
        return spec.lower().replace("_", "-")

    assert {n: norm(s) for n, s in have.items()} == {
        n: norm(s) for n, s in wanted.items()
    }  # same bounds


def test_an_extra_becomes_its_own_conda_package():
    assert _conda_specs("lxml[html-clean]>=5.2") == ["lxml>=5.2", "lxml-html-clean"]
    assert _conda_specs("pandas>=3.0") == ["pandas>=3.0"]


def test_no_requirement_asks_for_a_package_twice():
    """pip 23's resolver fails on ``lxml`` beside ``lxml[html-clean]`` ("Candidate is not for this requirement")."""
    project = _pyproject()["project"]
    names = [_name(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]
    assert sorted(names) == sorted(set(names))
    assert "lxml-html-clean" not in names  # it comes with lxml[html-clean]


def test_every_imported_package_is_declared():
    """Each third-party module ddj imports (at the top or lazily) is a declared dependency."""
    declared = {_name(r) for r in _pyproject()["project"]["dependencies"]}
    module_of = {  # import name -> distribution, where they differ
        "yaml": "pyyaml",
        "vl_convert": "vl-convert-python",
        "newspaper": "newspaper4k",
        "charset_normalizer": "charset-normalizer",
        "re2": "google-re2",
        "dateutil": "python-dateutil",
        "jupyter_client": "jupyter-client",
        "IPython": "ipython",
    }
    imported = set()
    for path in (REPO / "ddj").rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            found = re.match(r"\s*(?:from|import)\s+([A-Za-z_]\w*)[\w.]*(?:\s|$)", line)
            if found and (line.lstrip().startswith("import ") or " import " in line):
                imported.add(found.group(1))
    third_party = {m for m in imported - {"ddj", "__future__"} if m not in sys.stdlib_module_names}
    assert third_party, "the scan found no imports at all"
    missing = sorted(
        m for m in third_party if module_of.get(m, m).replace("_", "-") not in declared
    )
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_build_system_supports_the_licence_string():
    """``license = "MIT"`` (a PEP 639 string) needs setuptools 77 or newer to build."""
    build = _pyproject()["build-system"]
    assert isinstance(_pyproject()["project"]["license"], str)
    floor = next(r for r in build["requires"] if _name(r) == "setuptools")
    assert tuple(int(x) for x in re.search(r">=\s*([\d.]+)", floor).group(1).split(".")[:1]) >= (
        77,
    )


def test_the_notebooks_and_data_ship_in_the_package():
    import ddj.notebooks

    package = REPO / "ddj"
    assert ddj.notebooks.NOTEBOOKS.is_relative_to(package)
    names = sorted(p.name for p in ddj.notebooks.NOTEBOOKS.glob("*.ipynb"))
    assert names == ["collect.ipynb", "coverage.ipynb", "explore.ipynb", "sources.ipynb"]
    assert (package / "py.typed").is_file()
    assert (package / "data" / "topics.yml").is_file() and not (package / "data").is_symlink()
    data = _pyproject()["tool"]["setuptools"]["package-data"]["ddj"]
    assert {"py.typed", "data/*.yml", "data/*.csv", "data/notebooks/*.ipynb"} <= set(data)


def test_python_floor_and_console_script():
    project = _pyproject()["project"]
    assert project["requires-python"] == ">=3.11"
    assert project["scripts"]["ddj"] == "ddj.cli:main"


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^\s*(make \w+)\s*$", quick, flags=re.M)
    assert commands == ["make demo", "make test"], commands
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^make test\s*$", ci, flags=re.M), "the CI script must run `make test`"


def test_a_pip_user_is_told_what_to_run_and_can_add_jupyterlab():
    """The README (the package's page on the index) says what to run without a checkout."""
    import shlex

    from ddj.cli import build_parser

    extras = _pyproject()["project"]["optional-dependencies"]
    assert extras["lab"] == ["jupyterlab>=4.2"]
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    assert "jupyterlab>=4.2" in env["dependencies"]  # conda users get the same JupyterLab
    readme = (REPO / "README.md").read_text()
    after_quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    pip_part = after_quick.split("### Installed with pip", 1)[1]
    lines = [ln.split("  #", 1)[0].strip() for ln in pip_part.split("```")[1].splitlines()]
    lines = [ln for ln in lines if ln]
    assert lines[0] == 'pip install "ddj[lab]"'
    commands = [shlex.split(ln)[1:] for ln in lines if ln.startswith("ddj ")]
    assert [c[0] for c in commands] == ["run", "notebooks"]
    parser = build_parser()
    for args in commands:
        parser.parse_args(args)  # a command and options ddj has (argparse exits 2 otherwise)


def test_version_matches():
    import ddj

    assert ddj.__version__ == _pyproject()["project"]["version"]


def test_import_is_light():
    code = "import sys, ddj; heavy = {'pandas', 'altair', 'newspaper', 'trafilatura'} & set(sys.modules); print(sorted(heavy))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_public_names_survive_any_import_order():
    """Submodules never shadow the functions of the same concept (ddj.load, ddj.topics ...)."""
    code = (
        "import importlib, pkgutil, ddj\n"
        "for m in pkgutil.iter_modules(ddj.__path__):\n"
        "    importlib.import_module('ddj.' + m.name)\n"
        "bad = [n for n in ddj._LAZY if not callable(getattr(ddj, n))]\n"
        "print(bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_run_finds_the_shipped_notebooks_by_name(tmp_path, monkeypatch):
    from ddj.errors import InputError
    from ddj.notebooks import NOTEBOOKS, _existing

    monkeypatch.chdir(tmp_path)  # no checkout folders here: found in the package
    assert _existing("coverage") == NOTEBOOKS / "coverage.ipynb"
    assert _existing("notebooks/explore.ipynb") == NOTEBOOKS / "explore.ipynb"
    with pytest.raises(
        InputError, match=r"nonesuch: no such notebook.*coverage.*ddj notebooks DIR"
    ):
        _existing("nonesuch")


def test_lint_is_clean():
    """ruff with the project's rules (C901 at 10, numpy docstrings on the public API) passes."""
    ruff = Path(sys.executable).with_name("ruff")
    paths = ["ddj", "tests", "benchmarks", "conftest.py"]
    for argv in (["check", *paths], ["format", "--check", *paths]):
        run = subprocess.run([str(ruff), *argv], cwd=REPO, capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr
