"""ddj as a user installs it: the wheel, in a fresh virtualenv, run from a folder outside the checkout.

The wheel is built as ``pip install .`` builds it (build isolation: setuptools comes from the
package index or pip's cache). The fresh virtualenv reaches the dependencies already installed for
this interpreter through one ``.pth`` line, so nothing is downloaded again; Python does not process
the ``.pth`` files inside that folder (such as the editable install's finder of ddj), so the
checkout cannot leak in, and the tests check that it does not.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_NAMES = ("collect.ipynb", "coverage.ipynb", "explore.ipynb", "sources.ipynb")
SHIPPED = {
    "ddj/py.typed",
    "ddj/data/topics.yml",
    "ddj/data/events.csv",
    *(f"ddj/data/notebooks/{name}" for name in NOTEBOOK_NAMES),
}


def _env(venv: Path | None = None) -> dict[str, str]:
    """This process's environment without anything that points Python at the checkout."""
    drop = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("JUPYTER")}
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and not _in_repo(Path(p))]
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *path] if venv else path)
    return env


def _in_repo(path: Path) -> bool:
    return path.resolve().is_relative_to(REPO)


def _call(argv: list[str], *, cwd: Path, venv: Path | None = None) -> str:
    done = subprocess.run(argv, cwd=cwd, env=_env(venv), capture_output=True, text=True)
    assert done.returncode == 0, f"{argv} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of what the build reads (nothing written into the checkout)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "ddj", source / "ddj", ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path_factory.mktemp("dist")
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist)]
    _call([*pip, str(source)], cwd=dist)
    (found,) = dist.glob("ddj-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtualenv with the wheel installed (no dependencies) and the installed ones visible."""
    place = tmp_path_factory.mktemp("venv") / "env"
    _call([sys.executable, "-m", "venv", str(place)], cwd=place.parent)
    python = str(place / "bin" / "python")
    _call([python, "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)], cwd=place.parent)
    site = _call(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=place
    )
    here = dict.fromkeys(sysconfig.get_path(k) for k in ("purelib", "platlib"))  # the dependencies
    (Path(site.strip()) / "ddj-dependencies.pth").write_text("".join(f"{p}\n" for p in here))
    return place


@pytest.fixture
def work(tmp_path) -> Path:
    assert not _in_repo(tmp_path)
    return tmp_path


def test_the_wheel_holds_the_notebooks_data_and_py_typed(wheel):
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        metadata = whl.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert names >= SHIPPED, sorted(SHIPPED - names)
    assert "License-Expression: MIT" in metadata.splitlines()
    assert "Requires-Dist: lxml[html-clean]>=5.2" in metadata.splitlines()


def test_the_installed_ddj_is_the_wheel_not_the_checkout(venv, work):
    code = (
        "import json, sys, ddj, ddj.notebooks\n"
        "print(ddj.__file__, ddj.notebooks.NOTEBOOKS, json.dumps(sys.path), sep='\\n')"
    )
    lines = _call([str(venv / "bin" / "python"), "-c", code], cwd=work, venv=venv).splitlines()
    assert Path(lines[0]).resolve().is_relative_to(venv.resolve())
    assert sorted(p.name for p in Path(lines[1]).glob("*.ipynb")) == list(NOTEBOOK_NAMES)
    with_ddj = [p for p in json.loads(lines[2]) if (Path(p or work) / "ddj").is_dir()]
    assert len(with_ddj) == 1 and Path(with_ddj[0]).resolve().is_relative_to(venv.resolve())


def test_ddj_run_coverage_from_outside_the_checkout(venv, work):
    printed = _call(
        [str(venv / "bin" / "ddj"), "run", "coverage", "-p", "freq", "M", "--out", "out"],
        cwd=work,
        venv=venv,
    )
    out = work / "out"
    for name in ("coverage.html", "coverage.png", "coverage.csv", "coverage.svg"):
        assert (out / name).stat().st_size > 0, name
    (executed,) = out.glob("coverage-*.ipynb")
    assert f"Executed notebook: {Path('out') / executed.name}" in printed
    papermill = json.loads(executed.read_text())["metadata"]["papermill"]
    assert Path(papermill["input_path"]).resolve().is_relative_to(venv.resolve())
    assert papermill["parameters"]["freq"] == "M" and papermill["exception"] is None


def test_the_kernel_runs_the_installed_ddj(venv, work):
    """Notebooks run in a kernel of the virtualenv's Python, importing the wheel's ddj."""
    parameters = nbformat.v4.new_code_cell('out_dir = "out"')
    parameters.metadata["tags"] = ["parameters"]
    probe = nbformat.v4.new_code_cell("import sys, ddj\nprint(ddj.__file__)\nprint(sys.prefix)")
    notebook = nbformat.v4.new_notebook(cells=[parameters, probe])
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, work / "probe.ipynb")
    _call([str(venv / "bin" / "ddj"), "run", "probe.ipynb", "--out", "out"], cwd=work, venv=venv)
    (executed,) = (work / "out").glob("probe-*.ipynb")
    text = "".join(nbformat.read(executed, as_version=4).cells[-1].outputs[0]["text"]).split("\n")
    assert Path(text[0]).resolve().is_relative_to(venv.resolve()), text
    assert Path(text[1]).resolve() == venv.resolve(), text


def test_ddj_notebooks_from_outside_the_checkout(venv, wheel, work):
    ddj = str(venv / "bin" / "ddj")
    printed = _call([ddj, "notebooks", "mine"], cwd=work, venv=venv)
    assert "jupyter lab mine" in printed
    with zipfile.ZipFile(wheel) as whl:
        for name in [*NOTEBOOK_NAMES, "topics.yml", "events.csv"]:
            shipped = (
                f"ddj/data/notebooks/{name}" if name.endswith(".ipynb") else f"ddj/data/{name}"
            )
            assert (work / "mine" / name).read_bytes() == whl.read(shipped), name
    listed = _call([ddj, "topics", "--file", "mine/topics.yml"], cwd=work, venv=venv)
    assert "hong_kong" in listed
