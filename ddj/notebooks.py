"""Parameterised notebooks: checked parameters, papermill runs, reproducible headers.

``run_notebook`` reads a notebook's declared parameters (papermill), converts
the given values to the declared types and checks them *before* anything runs
(the kernel boots meanwhile), then runs the notebook with papermill into an
output folder under a name that tells parameter sets apart. The notebooks check their own
parameters with the same function (``check_parameters``, from :mod:`ddj.jobs`), so plain
``papermill`` runs are checked too; their cells call the jobs layer (:mod:`ddj.jobs`) step
by step, as the ``ddj`` command calls it whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ddj import params as p
from ddj import yamlfile
from ddj.constants import DEMO_NOTICE, VERSION
from ddj.errors import DdjError, InputError, ParameterError
from ddj.escaping import code_span, markdown_text, unwrapped
from ddj.files import not_writable, open_regular, shown
from ddj.jobs import (
    CHECKS,
    check_parameters,
    chosen_topics,
    collect_sources,
    open_corpus,
    topic_names,
)
from ddj.params import folder
from ddj.report import WIDGET_VIEW, write_report
from ddj.scan import corpus_fingerprint
from ddj.utils import PROGRESS_ENV, atomic_write, in_kernel, progress_wanted

NOTEBOOKS = Path(__file__).resolve().parent / "data" / "notebooks"


class NotebookError(DdjError):
    """A notebook cell failed; the partly executed notebook is kept at ``output``.

    It keeps what papermill's ``PapermillExecutionError`` carries: the failing
    cell's index (``cell_index``, counted from 0 in the executed notebook with its
    injected parameters cell, before papermill marks the error), its execution
    count (``exec_count``), its source, the exception's name and value, and the
    traceback as text (colours taken out). Its message is one line that names
    the cell by its execution count, ``In [4]``.

    Examples
    --------
    >>> err = NotebookError("x.ipynb: cell In [3] failed.", None, cell_index=3, source="1/0",
    ...                     ename="ZeroDivisionError", evalue="division by zero",
    ...                     traceback="ZeroDivisionError: division by zero")
    >>> err.cell_index, err.source, err.traceback.splitlines()[-1]
    (3, '1/0', 'ZeroDivisionError: division by zero')
    """

    def __init__(
        self, message: str, output: Path | None = None, *, cell_index: int | None = None,
        exec_count: int | None = None, source: str = "", ename: str = "", evalue: str = "",
        traceback: str = "",
    ):  # fmt: skip
        super().__init__(message)
        self.output = output
        self.cell_index = cell_index
        self.exec_count = exec_count
        self.source = source
        self.ename = ename
        self.evalue = evalue
        self.traceback = traceback


def declared(notebook: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """The parameters a notebook declares (papermill's inspection), by name."""
    import papermill

    path = _existing(notebook)
    try:
        return dict(papermill.inspect_notebook(str(path)))
    except Exception as exc:
        raise InputError(f"{path}: could not read the notebook's parameters ({exc}).") from exc


def convert(notebook: str | os.PathLike, given: Mapping[str, Any]) -> dict[str, Any]:
    """Convert given values to the declared types, refusing unknown names (nothing runs).

    Parameters
    ----------
    notebook
        A notebook with a cell tagged ``parameters``.
    given
        Values by name; text (from ``-p NAME VALUE``) is read as the declared
        type: a list (YAML ``[a, b]`` or ``a,b``), a bool, an int, a float or None.
        Free text (``title``, ``contact``, ``query``, ``topic``, and string
        parameters ddj does not know) stays as given: ``null`` is the text "null".

    Returns
    -------
    dict
        The values, converted.

    Raises
    ------
    ParameterError
        No parameters cell, an unknown name, or text that is not of the declared type.

    Examples
    --------
    >>> convert("coverage", {"freq": "M", "topics": "hong_kong,ukraine"})["topics"]
    ['hong_kong', 'ukraine']
    """
    spec = declared(notebook)
    if not spec:
        msg = f"{notebook}: the notebook has no cell tagged 'parameters'; tag one so its values can be set."
        raise ParameterError(msg)
    out: dict[str, Any] = {}
    for name, value in given.items():
        if name not in spec:
            msg = f"Unknown parameter {name!r} for {Path(notebook).name}; it takes: {', '.join(spec)}."
            raise ParameterError(msg)
        kind = str(spec[name].get("inferred_type_name") or "None")
        default = _literal(spec[name].get("default"))
        out[name] = _typed(name, value, kind, default) if isinstance(value, str) else value
    return out


def _typed(name: str, value: str, kind: str, default: Any) -> Any:
    """Text given for a parameter, read as the type its default (or annotation) declares.

    Free text (``params.TEXT``, and a string parameter ddj does not know) stays the
    text given: ``null``, ``123`` or ``[1]`` is a headline too.
    """
    if name in p.TEXT or (kind == "str" and name not in _KNOWN):
        return value
    text = value.strip()
    if isinstance(default, list) or kind.startswith("list"):
        if text.startswith("["):
            return yamlfile.loads(text, f"-p {name}", error=ParameterError)
        if name == "topics":  # the one topic parser: a query's own commas stay in it
            return topic_names(text)
        return [v.strip() for v in text.split(",") if v.strip()]
    if isinstance(default, bool) or kind == "bool":
        if text.lower() not in ("true", "false", "yes", "no", "1", "0"):
            raise ParameterError(f"{name}={value!r}: give true or false.")
        return text.lower() in ("true", "yes", "1")
    for type_, wanted in ((int, "a whole number"), (float, "a number")):
        if isinstance(default, type_) or kind == type_.__name__:
            try:
                return type_(text)
            except ValueError as exc:
                raise ParameterError(f"{name}={value!r}: give {wanted}.") from exc
    return None if text in ("None", "null", "~") else value


#: ddj's own notebook parameters: text ``None``/``null``/``~`` is None for those not in ``params.TEXT``.
_KNOWN = frozenset(CHECKS) | {"corpus", "start", "end", "since", "until", "topics", "topic"}


def run_notebook(
    notebook: str | os.PathLike,
    parameters: Mapping[str, Any] | None = None,
    out_dir: str | os.PathLike = "out",
    kernel_name: str | None = None,
    on_start: Callable[[Path], None] | None = None,
    overwrite: bool = False,
    html: bool = False,
) -> Path:
    """Run a notebook with checked parameters; return the executed notebook's path.

    The executed copy goes to ``out_dir`` as ``<name>-<hash of parameters>.ipynb``
    (beside the charts it writes, when the notebook has an ``out_dir``
    parameter). Parameters are checked before anything runs (the kernel boots
    meanwhile, and is stopped if they fail); ``on_start`` is then called with the
    executed notebook's path, just before the first cell is sent. The sizes of the
    values and their text are checked before the kernel starts (:func:`ddj.params.given`).

    A notebook with an ``out_dir`` parameter records there which parameters
    wrote that folder (``<name>.run.json``). A run with other parameters into a folder that holds
    another run's outputs is refused unless ``overwrite=True``: published files
    keep their names (``coverage.html``), so they would be replaced. Rerunning
    the same parameters there needs no ``overwrite``.

    With ``html=True``, a self-contained HTML report of the executed notebook
    goes beside it (``<name>-<hash>.html``, see :func:`ddj.report.write_report`):
    it holds no script and requests nothing from the network.

    Raises
    ------
    ParameterError
        Unknown names, wrong types, bad dates, topics or frequencies; an
        ``out_dir`` that is a file; another run's outputs in the folder.
    NotebookError
        A cell failed: the message names it; the partial notebook is kept.

    Examples
    --------
    >>> executed = ddj.run_notebook("coverage", {"freq": "M", "corpus": "corpus.parquet"},
    ...                             out_dir="out/monthly")
    >>> executed.name.startswith("coverage-"), (executed.parent / "coverage.png").exists()
    (True, True)
    """
    path = _existing(notebook)
    p.given(dict(parameters or {}))  # sizes and text, before a kernel starts
    with _booting_kernel(path, kernel_name) as km:  # it boots while papermill loads, checks run
        target = _run(path, parameters, out_dir, km, on_start=on_start, overwrite=overwrite)
    if html:
        write_report(target)
    return target


def _run(
    path: Path,
    parameters: Mapping[str, Any] | None,
    out_dir: str | os.PathLike,
    km: Any,
    *,
    on_start: Callable[[Path], None] | None,
    overwrite: bool,
) -> Path:
    """``run_notebook`` with its kernel booting: check, claim the folder, run the notebook."""
    import papermill

    params = convert(path, dict(parameters or {}))
    spec = declared(path)
    out = folder(out_dir, "out_dir")
    if "out_dir" in spec and "out_dir" not in params:
        params["out_dir"] = str(out)
    merged = {name: _literal(info.get("default")) for name, info in spec.items()}
    merged.update(params)
    checked = check_parameters(**merged)  # every parameter, title included
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[
        :8
    ]
    target = out / f"{path.stem}-{digest}.ipynb"
    if "out_dir" in spec:  # its files have fixed names there; the executed notebook's differ
        run = {k: v for k, v in merged.items() if k != "out_dir"}
        _claim(Path(checked["out_dir"]), path.stem, run, target, overwrite)
    folder(out, "out_dir", create=True)
    if on_start is not None:  # parameters are good: say so before the notebook runs
        on_start(target)
    try:
        papermill.execute_notebook(
            str(path), str(target), parameters=params, kernel_name=km.kernel_name,
            progress_bar=_cells_bar(), cwd=str(Path.cwd()), log_output=False, km=km,
        )  # fmt: skip
    except papermill.PapermillExecutionError as exc:
        raise _cell_failed(path, target, exc) from None
    slim(target)
    return target


#: Output types stored in place of another form of the same output (see :func:`slim`).
_ONE_FORM = (
    ("image/png", WIDGET_VIEW), ("image/png", "image/svg+xml"),
    ("text/html", WIDGET_VIEW),  # a form that needs a kernel (ddj.display.labeller) says so instead
)  # fmt: skip


def slim(path: str | os.PathLike) -> Path:
    """Keep one form of each chart in an executed notebook: its PNG, without SVG or saved widget.

    A chart output carries a PNG beside its SVG or widget (JupyterLab shows only
    the PNG of a notebook it does not trust, which any executed notebook is).
    The PNG is kept; the SVG, and a widget's view with its saved state (the
    widget's script, ~0.9 MB each, only draws again once its cell runs: its
    clicks need the kernel), are left out. On explore of the demo, 7.0 MB
    became under 3 MB. Run the cell again for the live widget.

    Returns
    -------
    Path
        ``path``, rewritten atomically.
    """
    path = Path(path)
    notebook = json.loads(path.read_text(encoding="utf-8"))
    views = 0
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = output.get("data")
            if not isinstance(data, dict):
                continue
            for kept, dropped in _ONE_FORM:
                if kept in data and dropped in data:
                    del data[dropped]
            views += WIDGET_VIEW in data
    metadata = notebook.get("metadata", {})
    if not views and isinstance(metadata, dict):
        metadata.pop("widgets", None)  # no view left to draw from the saved state
    atomic_write(path, json.dumps(notebook, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return path


#: Escape sequences a kernel's traceback colours itself with (ANSI SGR and other CSI sequences).
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


def _cell_failed(path: Path, target: Path, exc: Any) -> NotebookError:
    """A :class:`NotebookError` from papermill's error: one line naming the cell, and all its data.

    The cell is named by its execution count (``In [4]``), as papermill's error
    and JupyterLab name it: the partly run notebook shows it beside the cell,
    under papermill's anchor. (An index would mislead: papermill injects a
    parameters cell, then puts two notes into the saved notebook.) The first line
    of the cell's source and of the error's value are quoted, so the message
    stays one line.
    """
    source = str(exc.source or "")
    first = source.strip().splitlines()[:1]
    value = (str(exc.evalue or "").strip().splitlines() or [""])[0]
    lines = exc.traceback if isinstance(exc.traceback, (list, tuple)) else [exc.traceback or ""]
    traceback = _ANSI.sub("", "\n".join(str(line) for line in lines))
    index = exc.cell_index if isinstance(exc.cell_index, int) else None
    if exc.exec_count is not None:
        where = f"cell In [{exc.exec_count}]"
    else:
        where = f"cell {index + 1}" if index is not None else "a cell"
    msg = (
        f"{path.name}: {where} failed ({exc.ename}: {value}). "
        f"It starts: {first[0] if first else '(empty)'!r}. "
        f"The partly run notebook, with the error marked, is at {target}."
    )
    return NotebookError(
        msg, target, cell_index=index, exec_count=exc.exec_count, source=source,
        ename=str(exc.ename or ""), evalue=str(exc.evalue or ""), traceback=traceback,
    )  # fmt: skip


def _cells_bar() -> dict | bool:
    """Papermill's bar of cells run, on the terminal when a person watches (``ddj run`` in a shell)."""
    if not progress_wanted() or in_kernel():
        return False  # a notebook that runs a notebook: its cell says when it is done
    return {"desc": "Running cells", "file": unwrapped(sys.stderr), "leave": False}


def _claim(place: Path, stem: str, run: Mapping[str, Any], target: Path, overwrite: bool) -> None:
    """Record that ``run`` writes ``place``; refuse when another run's outputs are there.

    ``<stem>.run.json`` names the parameters that wrote the folder; a folder from
    before it is known by an executed ``<stem>-<hash>.ipynb`` of another name.
    """
    record = place / f"{stem}.run.json"
    wanted = json.loads(json.dumps(dict(run), sort_keys=True, default=str))
    previous = _previous_run(record)
    if previous is None and target.parent == place:
        others = sorted(p.name for p in place.glob(f"{stem}-*.ipynb") if p.name != target.name)
        previous = {"notebook": others[-1]} if others else None
    if previous is not None and previous.get("parameters") != wanted and not overwrite:
        msg = (
            f"{place} holds the outputs of another {stem} run ({_differences(previous, wanted)}): this run "
            f"would replace them. Give another --out, or --overwrite (overwrite=True) to replace them."
        )
        raise ParameterError(msg)
    folder(place, "out_dir", create=True)
    text = json.dumps({"notebook": target.name, "parameters": wanted}, indent=2, ensure_ascii=False)
    atomic_write(record, text + "\n")


def _differences(previous: Mapping[str, Any], wanted: Mapping[str, Any]) -> str:
    """How the run that wrote a folder differs from this one, parameter by parameter."""
    theirs = previous.get("parameters")
    if not isinstance(theirs, dict):
        return f"the run that wrote {previous.get('notebook', 'it')}"
    names = sorted(k for k in set(theirs) | set(wanted) if theirs.get(k) != wanted.get(k))
    return "; ".join(f"{k}={theirs.get(k)!r} there, {wanted.get(k)!r} now" for k in names)


def _previous_run(record: Path) -> dict[str, Any] | None:
    """What ``<stem>.run.json`` says wrote the folder; None without one."""
    try:
        with record.open("rb") as fh:
            raw = fh.read(1_000_001)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ParameterError(f"{record}: cannot read it ({exc.strerror or exc}).") from None
    try:
        previous = json.loads(raw) if len(raw) <= 1_000_000 else None
    except (ValueError, UnicodeDecodeError):
        previous = None
    return previous if isinstance(previous, dict) else {"notebook": record.name}


def fingerprint(corpus) -> dict[str, Any]:
    """Row count and a content hash of a corpus, to tell two runs' inputs apart."""
    return corpus_fingerprint(corpus)  # batch by batch: a store is never all in memory


def header(params: Mapping[str, Any], corpus) -> str:
    """Markdown for the top of an executed notebook: ddj version, parameters, corpus fingerprint.

    Then each topic the parameters name (``topics`` or ``topic``), with its
    label and the query it counts, so the notebook says what it measured.
    """
    fp = fingerprint(corpus)
    lines = [f"**ddj {VERSION}** · corpus: {fp['rows']:,} articles, fingerprint `{fp['sha256']}`"]
    if corpus.attrs.get("ddj_demo"):
        lines.append(f"**{DEMO_NOTICE}**")
    lines.append("")
    lines.append("| parameter | value |")
    lines.append("|---|---|")
    lines.extend(f"| {_cell(k)} | {_cell(repr(v))} |" for k, v in params.items())
    chosen = _chosen_topics(params)
    if chosen:
        lines += ["", "| topic | label | query counted |", "|---|---|---|"]
        lines.extend(
            f"| {_cell(t.name)} | {markdown_text(t.label)} | {_cell(t.query)} |" for t in chosen
        )
    return "\n".join(lines)


def _chosen_topics(params: Mapping[str, Any]) -> list:
    """The topics a notebook's parameters name (:func:`ddj.jobs.chosen_topics`), with its topics file."""
    spec = params.get("topics") or params.get("topic")
    if not spec:
        return []
    if isinstance(spec, str) and not params.get("topics"):
        spec = [spec]  # one topic: its commas are its own
    return chosen_topics(spec, params.get("topics_file"))


#: ``ddj.notebooks.load_corpus`` as before: the one way to name a corpus (:func:`ddj.jobs.open_corpus`).
load_corpus = open_corpus

__all__ = ["NotebookError", "check_parameters", "collect_sources", "load_corpus", "run_notebook"]


def _cell(text: str) -> str:
    r"""A Markdown table cell that shows ``text`` as code, whatever it holds (``|``, backticks, ``$``).

    The text is escaped inside ``<code>`` (:func:`ddj.escaping.code_span` in a
    table): no pipe, backslash or backtick in it can split the row or end the code.

    Examples
    --------
    >>> print(_cell("'a|b`c'"))
    <code>'a&#124;b\`c'</code>
    """
    return code_span(text, in_table=True)


def parse_cli_params(
    pairs: Sequence[Sequence[str]], yaml_file: str | None = None
) -> dict[str, Any]:
    """``-p NAME VALUE`` pairs and a ``-f params.yaml`` file into one dict (pairs win).

    The file is read by :func:`ddj.yamlfile.read` (no aliases, custom tags or repeated names).
    """
    params: dict[str, Any] = {}
    if yaml_file:
        path = Path(yaml_file)
        loaded = yamlfile.read(path, what="parameters") or {}
        if not isinstance(loaded, dict):
            raise InputError(f"{path}: write the parameters as 'name: value' lines.")
        params.update(loaded)
    for name, value in pairs:
        params[name] = value
    return params


# -- helpers ---------------------------------------------------------------------------------


def _existing(notebook: str | os.PathLike) -> Path:
    """The notebook file: a path, else one of ddj's by name (``coverage``, ``notebooks/coverage.ipynb``)."""
    path = Path(notebook)
    if not path.exists() and (NOTEBOOKS / path.name).exists():
        path = NOTEBOOKS / path.name
    if not path.exists() and (NOTEBOOKS / f"{path.name}.ipynb").exists():
        path = NOTEBOOKS / f"{path.name}.ipynb"
    if not path.exists():
        names = ", ".join(sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")))
        msg = (
            f"{notebook}: no such notebook. Give a notebook file or the name of one of ddj's "
            f"({names}); `ddj notebooks DIR` copies them into a folder to edit."
        )
        raise InputError(msg)
    return path


def _literal(text: Any) -> Any:
    import ast

    if not isinstance(text, str):
        return text
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


@contextmanager
def _booting_kernel(notebook: Path, kernel_name: str | None) -> Iterator[Any]:
    """A kernel for ``notebook``, started at once: it boots while the parameters are checked.

    Importing papermill and checking the parameters take this process about two
    seconds; the kernel's start, with the imports of the ddj modules the notebook
    names (``_preload``), takes as long on another core. Nothing of the notebook
    runs before papermill sends its first cell, after the checks. On the way out
    the kernel stops: killed when no cell ran (the parameters were refused), shut
    down gracefully, as papermill does, when the notebook ran.
    """
    from jupyter_core.utils import run_sync

    km = _kernel_manager_class()(kernel_name=kernel_name or _kernel())
    arguments = ["--HistoryManager.hist_file=:memory:"] if km.ipykernel else []  # as nbclient's
    names = _ddj_names(notebook)
    if names and any("ipykernel" in arg for arg in km.kernel_spec.argv):
        preload = f"__import__('ddj.notebooks', fromlist=['_'])._preload({names!r})"
        # a kernel without ddj stays quiet: the notebook's own import reports it
        quiet = f"try:\n    {preload}\nexcept Exception:\n    pass"
        arguments.append(f"--IPKernelApp.exec_lines={[f'exec({quiet!r})']!r}")
    env = {**os.environ, PROGRESS_ENV: os.environ.get(PROGRESS_ENV, "0")}  # nobody watches it
    run_sync(km.start_kernel)(extra_arguments=arguments, cwd=os.getcwd(), env=env)
    try:
        yield km
    finally:
        try:
            if km.clients:
                if run_sync(km.is_alive)():
                    run_sync(km.shutdown_kernel)()
            else:
                _kill_quietly(km)
        finally:
            run_sync(km.cleanup_resources)()
            for client in km.clients:
                client.stop_channels()


def _kill_quietly(km: Any) -> None:
    """Stop a kernel no cell reached, at once and without a word on the terminal.

    ``shutdown_kernel(now=True)`` interrupts the kernel before killing it. A
    kernel still importing then prints a ``KeyboardInterrupt`` traceback on the
    stderr it shares with ``ddj run``, under the one-line refusal of a
    parameter. The kill goes straight to the provisioner (SIGKILL on POSIX), as
    the kernel holds nothing to save.
    """
    from jupyter_core.utils import run_sync

    provisioner = km.provisioner
    if provisioner is None or not provisioner.has_process:
        return
    run_sync(provisioner.kill)()
    run_sync(provisioner.wait)()


def _ddj_names(notebook: Path, limit: int = 100) -> list[str]:
    """The names a notebook's code takes from ddj (``ddj.chart``, ``from ddj import publish``)."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
        code = "\n".join(
            "".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code"
        )
    except (OSError, ValueError, AttributeError, TypeError):
        return []  # papermill reports an unreadable notebook
    names = re.findall(r"(?<![\w.])ddj\.([A-Za-z]\w*)", code)
    for listed in re.findall(r"^\s*from\s+ddj\s+import\s+\(?([\w\s,]+)", code, re.MULTILINE):
        names.extend(n.split()[0] for n in listed.split(",") if n.split())
    return sorted(set(names))[:limit]


def _preload(names: Sequence[str]) -> None:
    """In a booting kernel, before its first cell: import what ``ddj.<name>`` needs, for each name.

    These are the imports the notebook's cells make anyway (pandas, altair and its
    validator take over a second), done while the parent still checks the
    parameters. A chart or publish also starts vl-convert's JavaScript engine
    (half a second on first use), in a thread: it runs outside the GIL, beside
    the imports. A name that fails to import is left for its cell to report.

    What these imports make (modules, classes, altair's schema, its validator's
    grammars) lives as long as the kernel. As CPython advises for objects made at
    start-up, the cyclic garbage collector pauses while they are made (a third
    of the import time is spent collecting nothing) and then freezes them
    (``gc.freeze``): later collections skip them, and the kernel's exit no longer
    spends 0.3-0.7 s tearing them down. The collector is back on before the first
    cell: the notebook's own objects are collected as ever.
    """
    import gc
    import importlib
    import threading

    if {"chart", "publish"} & set(names):
        threading.Thread(target=_start_vl_convert, name="ddj-vl-convert").start()
    collecting = gc.isenabled()
    gc.disable()
    try:
        ddj = importlib.import_module("ddj")
        for name in names:
            try:
                getattr(ddj, name)
            except Exception:  # the cell that uses it meets the error
                pass
        gc.freeze()
    finally:
        if collecting:
            gc.enable()


def _start_vl_convert() -> None:
    try:
        import vl_convert

        vl_convert.vegalite_to_svg({"data": {"values": [{"a": 1}]}, "mark": "point"})
    except Exception:  # publish meets the error
        pass


def _kernel_manager_class() -> type:
    """The kernel manager of ddj's runs: local sockets (IPC) rather than TCP ports.

    Nothing listens on the network, and ipykernel (7.4+) has no reason to warn
    that the kernel "is running over TCP without encryption" in every run's
    output. The sockets live in one short private temporary folder per process
    (a Unix socket path is limited to about 100 characters); jupyter_client
    removes each kernel's sockets when it stops, and the folder goes at exit.
    Windows has no IPC transport: there the kernel keeps TCP. The manager keeps
    the clients it made (papermill's), for ``_booting_kernel`` to close.
    """
    import uuid

    from jupyter_client.manager import AsyncKernelManager
    from traitlets import List, default

    class KernelManager(AsyncKernelManager):
        clients = List()

        def client(self, **kwargs: Any) -> Any:
            made = super().client(**kwargs)
            self.clients = [*self.clients, made]
            return made

    if os.name == "nt":
        return KernelManager

    class IPCKernelManager(KernelManager):
        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        @default("ip")
        def _default_ip(self) -> str:
            return os.path.join(_socket_dir(), uuid.uuid4().hex[:12])

    return IPCKernelManager


_SOCKET_DIR: list[str] = []


def _socket_dir() -> str:
    if not _SOCKET_DIR:
        import atexit
        import shutil
        import tempfile

        _SOCKET_DIR.append(tempfile.mkdtemp(prefix="ddj-kernel-"))
        atexit.register(shutil.rmtree, _SOCKET_DIR[0], True)
    return _SOCKET_DIR[0]


def _kernel() -> str:
    """The kernel of this Python: papermill's default 'python3' may point at another interpreter."""
    import sys

    from jupyter_client.kernelspec import KernelSpecManager

    # compared as written, not resolved: every virtualenv's python links to the same base
    # interpreter, and a kernelspec of another virtualenv must not run this one's notebook
    here = os.path.abspath(sys.executable)
    specs = KernelSpecManager().get_all_specs()
    for name, info in specs.items():
        argv = info.get("spec", {}).get("argv", [])
        if argv and os.path.abspath(argv[0]) == here:
            return name
    return "python3"  # ipykernel's own kernel, which runs sys.executable


# -- copies to edit ----------------------------------------------------------------------------

#: The shipped data :func:`copy_notebooks` puts beside the notebooks.
DATA_FILES = ("topics.yml", "events.csv")


def copy_notebooks(dir: str | os.PathLike, *, overwrite: bool = False) -> list[Path]:
    """Copy ddj's notebooks, ``topics.yml`` and ``events.csv`` into ``dir``, to open and edit.

    Only regular files inside ``dir`` are written, each through a temporary
    file in ``dir`` renamed over its name (:func:`ddj.utils.atomic_write`).
    Everything is checked before anything is written: a link (even to a
    regular file), a FIFO, a device or a folder where a copy goes is refused
    by name, with or without ``overwrite``, so nothing is written through a
    link or blocks on a pipe. ``dir`` itself may be a link to a folder (the
    user named it); it is made when missing.

    Parameters
    ----------
    dir
        The folder to copy into.
    overwrite
        Replace copies there that differ from ddj's (edited ones); refused
        without it.

    Returns
    -------
    list of Path
        The files written, in order.

    Raises
    ------
    InputError
        Something other than a regular file stands where a copy goes, or a
        copy differs from ddj's and ``overwrite`` is False.
    ParameterError
        ``dir`` is a file, is under one, or cannot be made.

    Examples
    --------
    >>> import tempfile
    >>> written = copy_notebooks(Path(tempfile.mkdtemp()) / "analysis")
    >>> [p.name for p in written][-2:]
    ['topics.yml', 'events.csv']
    """
    shipped = [*sorted(NOTEBOOKS.glob("*.ipynb")), *(NOTEBOOKS.parent / n for n in DATA_FILES)]
    given = Path(dir).expanduser()
    if given.is_symlink() and not given.exists():
        msg = f"dir={shown(given)!r}: a link to {shown(os.readlink(given))}, which does not exist. Give a folder to write into."
        raise ParameterError(msg)
    place = folder(given, "dir", create=False)
    refused = [why for s in shipped if (why := not_writable(place / s.name))]
    if refused:
        raise InputError(" ".join(refused))
    edited = [place / s.name for s in shipped if _differs(place / s.name, s)]
    if edited and not overwrite:
        names = ", ".join(shown(p) for p in edited)
        msg = f"{names}: differs from ddj's copy (edited?). Give another folder, or --overwrite (overwrite=True) to replace it."
        raise InputError(msg)
    place = folder(given, "dir", create=True)
    return [atomic_write(place / s.name, s.read_bytes()) for s in shipped]


def _differs(copy: Path, source: Path) -> bool:
    """True when the regular file ``copy`` exists with other contents than ``source`` (edited)."""
    if not copy.exists():
        return False
    wanted = source.read_bytes()
    with open_regular(copy) as fh:  # checked: never a link, a pipe or a device
        if os.fstat(fh.fileno()).st_size != len(wanted):
            return True
        return fh.read(len(wanted) + 1) != wanted
