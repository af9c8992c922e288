"""Parameterised notebooks: checked parameters, papermill runs, reproducible headers.

``run_notebook`` reads a notebook's declared parameters (papermill), converts
the given values to the declared types and checks them *before* a kernel
starts, then runs the notebook with papermill into an output folder under a
name that tells parameter sets apart. The notebooks check their own
parameters with the same function (``check_parameters``), so plain
``papermill`` runs are checked too.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ddj.errors import DdjError, InputError, ParameterError

NOTEBOOKS = Path(__file__).resolve().parent / "data" / "notebooks"


class NotebookError(DdjError):
    """A notebook cell failed; the partly executed notebook is kept at ``output``."""

    def __init__(self, message: str, output: Path | None = None):
        super().__init__(message)
        self.output = output


def check_parameters(**params: Any) -> dict[str, Any]:
    """Check the values of the parameters ddj's notebooks use; return them, normalised.

    Known names: ``corpus`` ("demo" or a path), ``topics`` (names or queries),
    ``topics_file``, ``start``, ``end``, ``freq``, ``by``, ``metric``,
    ``events`` ("default", a CSV path or None), ``tz``, ``topic``, ``title``
    (None or a headline of at most 300 characters), ``out_dir`` (a folder, not a
    file); for collecting: ``urls`` (a file or a list), ``feeds``,
    ``sitemaps``, ``sites`` (http(s) URLs), ``warcs`` (files), ``since``,
    ``until``, ``rate``, ``contact``, ``robots``, ``extend`` (a saved corpus).
    Other names are passed through.

    Raises
    ------
    ParameterError
        Naming the parameter and what to write instead.

    Examples
    --------
    >>> check_parameters(freq="M", topics="hong_kong, ukraine")["topics"]
    ['hong_kong', 'ukraine']
    """
    out = dict(params)
    if "title" in out:
        out["title"] = _headline(out["title"])
    if "out_dir" in out:
        out["out_dir"] = str(folder(out["out_dir"], "out_dir"))
    if "corpus" in out:
        corpus = out["corpus"]
        if not isinstance(corpus, (str, os.PathLike)) or not str(corpus).strip():
            raise ParameterError(
                f"corpus={corpus!r}: give 'demo' or the path of pages, a table or a saved corpus."
            )
        if str(corpus) != "demo" and not Path(corpus).expanduser().exists():
            msg = (
                f"corpus={str(corpus)!r}: no such file or folder. Give 'demo' or an existing path."
            )
            raise ParameterError(msg)
    if (
        "topics_file" in out
        and out["topics_file"] not in (None, "")
        and not Path(str(out["topics_file"])).is_file()
    ):
        raise ParameterError(
            f"topics_file={out['topics_file']!r}: no such file. Use None for the shipped topics."
        )
    for name in ("topics", "topic"):
        if name in out:
            out[name] = _topics(out[name], name, out.get("topics_file") or None)
    if "freq" in out:
        from ddj.measure import _freq

        _freq(out["freq"])
    from ddj.measure import _window

    _window(out.get("start"), out.get("end"))
    if out.get("by") not in (None, "", "outlet"):
        raise ParameterError(f"by={out['by']!r}: use None (all outlets together) or 'outlet'.")
    if out.get("by") == "":
        out["by"] = None
    if "metric" in out and out["metric"] not in ("share", "articles"):
        raise ParameterError(f"metric={out['metric']!r}: use 'share' or 'articles'.")
    events = out.get("events")
    if events not in (None, "", "default") and not Path(str(events)).is_file():
        raise ParameterError(
            f"events={events!r}: no such file. Use 'default' for the shipped events, or None."
        )
    out.update(_collect_parameters(out))
    if "tz" in out:
        import zoneinfo

        if out["tz"] not in ("UTC", "local"):
            try:
                zoneinfo.ZoneInfo(str(out["tz"]))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
                raise ParameterError(
                    f"tz={out['tz']!r}: use 'UTC', 'local' or an IANA name such as 'Europe/London'."
                ) from exc
    return out


def collect_sources(params: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """The sources given to the collect notebook, as ``ddj.collect`` arguments.

    With no source at all, the synthetic demo web archive (:func:`ddj.demo.demo_warc`)
    is used; the second value says so (the archive declares itself, so the corpus
    ``ddj.collect`` reads from it is labelled synthetic demo data either way).
    """
    sources = {
        k: params[k] for k in ("urls", "feeds", "sitemaps", "sites", "warcs") if params.get(k)
    }
    if sources:
        return sources, False
    from ddj.demo import demo_warc

    return {"warcs": [str(demo_warc())]}, True


def _collect_parameters(out: Mapping[str, Any]) -> dict[str, Any]:
    """Check (and normalise) the parameters of the collect notebook that are present."""
    checked: dict[str, Any] = {}
    for name in ("feeds", "sitemaps", "sites", "warcs"):
        if name not in out:
            continue
        value = out[name]
        items = [] if value in (None, "") else [value] if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise ParameterError(
                f"{name}={value!r}: give a list, e.g. {name}=['...'], or [] for none."
            )
        items = [str(v).strip() for v in items if str(v).strip()]
        for item in items:
            if name == "warcs" and not Path(item).expanduser().is_file():
                msg = f"warcs: {item!r} is not a file. Give the paths of .warc or .warc.gz files."
                raise ParameterError(msg)
            if name != "warcs" and not item.startswith(("http://", "https://")):
                msg = f"{name}: {item!r} is not a web address. Give http:// or https:// URLs."
                raise ParameterError(msg)
        checked[name] = items
    if out.get("urls") not in (None, "", []):
        urls = out["urls"]
        if isinstance(urls, str) and not urls.startswith(("http://", "https://")):
            if not Path(urls).expanduser().is_file():
                msg = f"urls={urls!r}: no such file. Give a file with one URL a line, or a list of URLs."
                raise ParameterError(msg)
        elif isinstance(urls, str):
            checked["urls"] = [urls]
        elif not isinstance(urls, (list, tuple)):
            raise ParameterError(
                f"urls={urls!r}: give a file with one URL a line, or a list of URLs."
            )
    if "since" in out or "until" in out:
        from ddj.measure import _window

        _window(out.get("since"), out.get("until"), names=("since", "until"))
    if "rate" in out:
        rate = out["rate"]
        if rate is not None and (
            isinstance(rate, bool) or not isinstance(rate, (int, float)) or rate < 0
        ):
            msg = f"rate={rate!r}: give requests per second per host, e.g. 1.0 (0 or None lifts the limit)."
            raise ParameterError(msg)
    if "contact" in out:
        checked["contact"] = _contact(out["contact"])
    if "robots" in out and not isinstance(out["robots"], bool):
        raise ParameterError(f"robots={out['robots']!r}: give True (respect robots.txt) or False.")
    if out.get("extend") not in (None, "") and not Path(str(out["extend"])).expanduser().exists():
        msg = f"extend={out['extend']!r}: no such corpus file. Give a saved corpus, or None to start afresh."
        raise ParameterError(msg)
    return checked


def declared(notebook: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """The parameters a notebook declares (papermill's inspection), by name."""
    import papermill

    path = _existing(notebook)
    try:
        return dict(papermill.inspect_notebook(str(path)))
    except Exception as exc:
        raise InputError(f"{path}: could not read the notebook's parameters ({exc}).") from exc


def convert(notebook: str | os.PathLike, given: Mapping[str, Any]) -> dict[str, Any]:
    """Convert given values to the declared types, refusing unknown names (nothing runs)."""
    import yaml

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
        if isinstance(value, str):
            text = value.strip()
            if isinstance(default, list) or kind.startswith("list"):
                parsed = (
                    yaml.safe_load(text)
                    if text.startswith("[")
                    else [v.strip() for v in text.split(",") if v.strip()]
                )
                value = parsed
            elif isinstance(default, bool) or kind == "bool":
                if text.lower() not in ("true", "false", "yes", "no", "1", "0"):
                    raise ParameterError(f"{name}={value!r}: give true or false.")
                value = text.lower() in ("true", "yes", "1")
            elif isinstance(default, int) or kind == "int":
                try:
                    value = int(text)
                except ValueError as exc:
                    raise ParameterError(f"{name}={value!r}: give a whole number.") from exc
            elif isinstance(default, float) or kind == "float":
                try:
                    value = float(text)
                except ValueError as exc:
                    raise ParameterError(f"{name}={value!r}: give a number.") from exc
            elif text in ("None", "null", "~"):
                value = None
        elif isinstance(default, list) and isinstance(value, str):
            value = [value]
        out[name] = value
    return out


def run_notebook(
    notebook: str | os.PathLike,
    parameters: Mapping[str, Any] | None = None,
    out_dir: str | os.PathLike = "out",
    kernel_name: str | None = None,
    on_start: Callable[[Path], None] | None = None,
    overwrite: bool = False,
) -> Path:
    """Run a notebook with checked parameters; return the executed notebook's path.

    The executed copy goes to ``out_dir`` as ``<name>-<hash of parameters>.ipynb``
    (beside the charts it writes, when the notebook has an ``out_dir``
    parameter). Parameters are checked before any kernel starts; ``on_start``
    is then called with the executed notebook's path, just before the kernel starts.

    A notebook with an ``out_dir`` parameter records there which parameters
    wrote that folder (``<name>.run.json``). A run with other parameters into a folder that holds
    another run's outputs is refused unless ``overwrite=True``: published files
    keep their names (``coverage.html``), so they would be replaced. Rerunning
    the same parameters there needs no ``overwrite``.

    Raises
    ------
    ParameterError
        Unknown names, wrong types, bad dates, topics or frequencies; an
        ``out_dir`` that is a file; another run's outputs in the folder.
    NotebookError
        A cell failed: the message names it; the partial notebook is kept.

    Examples
    --------
    >>> ddj.run_notebook("notebooks/coverage.ipynb", {"freq": "M"}, out_dir="out/monthly")  # doctest: +SKIP
    """
    import papermill

    path = _existing(notebook)
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
    if on_start is not None:  # parameters are good: say so before the kernel starts
        on_start(target)
    try:
        papermill.execute_notebook(
            str(path), str(target), parameters=params, kernel_name=kernel_name or _kernel(),
            progress_bar=False, cwd=str(Path.cwd()), log_output=False,
            **_local_kernel_manager(),
        )  # fmt: skip
    except papermill.PapermillExecutionError as exc:
        first = (exc.source or "").strip().splitlines()[:1]
        msg = (
            f"{path.name}: cell {exc.exec_count} failed ({exc.ename}: {exc.evalue}). "
            f"It starts: {first[0] if first else '(empty)'!r}. The partly run notebook is at {target}."
        )
        raise NotebookError(msg, target) from None
    return target


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
    tmp = record.with_name(f".{record.name}.tmp-{os.getpid()}")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, record)


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
    import pandas as pd

    cols = [c for c in ("id", "published", "title", "outlet") if c in corpus.columns]
    hashed = pd.util.hash_pandas_object(corpus[cols], index=False).to_numpy().tobytes()
    return {"rows": int(len(corpus)), "sha256": hashlib.sha256(hashed).hexdigest()[:16]}


def header(params: Mapping[str, Any], corpus) -> str:
    """Markdown for the top of an executed notebook: ddj version, parameters, corpus fingerprint."""
    from ddj import __version__

    fp = fingerprint(corpus)
    lines = [
        f"**ddj {__version__}** · corpus: {fp['rows']:,} articles, fingerprint `{fp['sha256']}`"
    ]
    if corpus.attrs.get("ddj_demo"):
        lines.append("**Synthetic demo data**: invented outlets and articles, not real coverage.")
    lines.append("")
    lines.append("| parameter | value |")
    lines.append("|---|---|")
    lines.extend(f"| `{k}` | `{v!r}` |" for k, v in params.items())
    return "\n".join(lines)


def load_corpus(source: str):
    """``"demo"`` gives the demo corpus; anything else goes to ``ddj.load``."""
    import ddj

    return ddj.demo_corpus() if source == "demo" else ddj.load(source)


def parse_cli_params(
    pairs: Sequence[Sequence[str]], yaml_file: str | None = None
) -> dict[str, Any]:
    """``-p NAME VALUE`` pairs and a ``-f params.yaml`` file into one dict (pairs win)."""
    import yaml

    params: dict[str, Any] = {}
    if yaml_file:
        path = Path(yaml_file)
        if not path.exists():
            raise InputError(f"{path}: no such parameters file.")
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise InputError(f"{path}: not valid YAML ({exc}).") from exc
        if not isinstance(loaded, dict):
            raise InputError(f"{path}: write the parameters as 'name: value' lines.")
        params.update(loaded)
    for name, value in pairs:
        params[name] = value
    return params


# -- helpers ---------------------------------------------------------------------------------


MAX_TITLE = 300


def _headline(value: Any) -> str | None:
    """A chart title: None (ddj writes one) or text of at most ``MAX_TITLE`` characters."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        msg = f"title={value!r}: give the headline as text (in YAML, quote it), or None for ddj's own."
        raise ParameterError(msg)
    if len(value) > MAX_TITLE:
        msg = f"title: {len(value):,} characters is not a headline; keep it to {MAX_TITLE} (put the rest in the article)."
        raise ParameterError(msg)
    return value.strip()


def _contact(value: Any) -> str | None:
    """Who to reach, for the User-Agent: None or one line of at most 200 characters."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value) > 200 or not value.isprintable():
        msg = f"contact={value!r}: give one line, your email or URL (at most 200 characters), or None."
        raise ParameterError(msg)
    return value.strip()


def folder(value: Any, name: str, create: bool = False) -> Path:
    """A folder to write into; a ParameterError naming it when it is, or is under, a file.

    With ``create``, the folder is made (a ParameterError when that fails).
    """
    if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
        raise ParameterError(f"{name}={value!r}: give the path of a folder to write into.")
    path = Path(value).expanduser()
    blocker = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        what = "is a file" if blocker == path else f"is under {blocker}, which is a file"
        raise ParameterError(
            f"{name}={str(value)!r} {what}, not a folder. Give a folder to write into."
        )
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            msg = f"{name}={str(value)!r}: cannot create the folder ({exc.strerror or exc})."
            raise ParameterError(msg) from None
    return path


def _topics(value: Any, name: str, topics_file: str | None) -> list[str] | str:
    from ddj.matching import resolve

    items = (
        [v.strip() for v in value.split(",")]
        if isinstance(value, str) and name == "topics"
        else value
    )
    if isinstance(items, str):
        resolve([items], topics_file)
        return items
    if not isinstance(items, (list, tuple)) or not items:
        raise ParameterError(
            f"{name}={value!r}: give topic names, e.g. ['hong_kong', 'ukraine'] or 'hong_kong,ukraine'."
        )
    resolve(list(items), topics_file)
    return list(items)


def _existing(notebook: str | os.PathLike) -> Path:
    path = Path(notebook)
    if not path.exists() and (NOTEBOOKS / path.name).exists():
        path = NOTEBOOKS / path.name
    if not path.exists() and (NOTEBOOKS / f"{path.name}.ipynb").exists():
        path = NOTEBOOKS / f"{path.name}.ipynb"
    if not path.exists():
        raise InputError(
            f"{notebook}: no such notebook. ddj's are in {NOTEBOOKS}: "
            + ", ".join(sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")))
            + "."
        )
    return path


def _literal(text: Any) -> Any:
    import ast

    if not isinstance(text, str):
        return text
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _local_kernel_manager() -> dict[str, Any]:
    """papermill arguments that start the kernel on local sockets (IPC) rather than TCP ports.

    Nothing listens on the network, and ipykernel (7.4+) has no reason to warn
    that the kernel "is running over TCP without encryption" in every run's
    output. The sockets live in one short private temporary folder per process
    (a Unix socket path is limited to about 100 characters); jupyter_client
    removes each kernel's sockets when it stops, and the folder goes at exit.
    Windows has no IPC transport: there the kernel keeps TCP.
    """
    if os.name == "nt":
        return {}
    import uuid

    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        @default("ip")
        def _default_ip(self) -> str:
            return os.path.join(_socket_dir(), uuid.uuid4().hex[:12])

    return {"kernel_manager_class": IPCKernelManager}


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

    specs = KernelSpecManager().get_all_specs()
    for name, info in specs.items():
        argv = info.get("spec", {}).get("argv", [])
        if argv and Path(argv[0]).resolve() == Path(sys.executable).resolve():
            return name
    return "python3"
