"""The project's own files agree with each other."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!~ ;\[]", req, maxsplit=1)[0].strip().lower().replace("_", "-")


def _pyproject():
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def test_environment_yml_matches_pyproject():
    project = _pyproject()["project"]
    wanted = {
        _name(r): r.replace(" ", "")
        for r in project["dependencies"] + project["optional-dependencies"]["test"]
    }
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip
    have = {_name(d): d.replace(" ", "") for d in conda if _name(d) not in {"python", "pip"}}
    assert sorted(have) == sorted(wanted)

    def norm(spec: str) -> str:
        return spec.lower().replace("_", "-")

    assert {n: norm(s) for n, s in have.items()} == {
        n: norm(s) for n, s in wanted.items()
    }  # same bounds


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
        "bad = [n for n in (*ddj._LAZY, *ddj._CALLABLE_MODULES) if not callable(getattr(ddj, n))]\n"
        "print(bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
