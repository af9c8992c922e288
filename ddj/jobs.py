"""The jobs ddj runs, written once: the ``ddj`` command and the notebooks both call them.

The front ends (``ddj.cli`` and the notebooks' cells) parse what a person
typed and call this layer; the layer calls the library's public functions.
So a corpus is named one way (:func:`open_corpus`), topics are read by one
parser (:func:`topic_names`, :func:`chosen_topics`), parameters are checked
by one function (:func:`check_parameters`), and the coverage and collect jobs
write the same files, through one CSV writer (:func:`write_csv`), whichever
front end ran them.

Examples
--------
>>> topic_names('hong_kong, "Hong Kong, China" OR taiwan')
['hong_kong', '"Hong Kong, China" OR taiwan']
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ddj import labels as audit_labels
from ddj import params as p
from ddj import scan, warns
from ddj.auditing import audit
from ddj.charts import chart as draw
from ddj.charts import source_words
from ddj.collecting import collect as collect_articles
from ddj.collecting import failures_path, is_store_name
from ddj.coverage_table import read_coverage
from ddj.demo import demo_corpus, demo_warc
from ddj.embed import addresses
from ddj.errors import DdjWarning, ParameterError
from ddj.intervals import spikes
from ddj.linting import Finding, lint
from ddj.loading import load
from ddj.matching import Topic, resolve
from ddj.measure import coverage as count_coverage
from ddj.measure import summary
from ddj.publishing import publish, quotable, safe_slug, spreadsheet_safe
from ddj.stats import compare
from ddj.store import is_store
from ddj.store import open as open_store
from ddj.utils import atomic_write

__all__ = [
    "AUDIT_EXPORT_COLUMNS",
    "audit_export",
    "audit_import",
    "COVERAGE_DEFAULTS",
    "DEFAULT_TOPICS",
    "Collected",
    "Outputs",
    "check_parameters",
    "chosen_topics",
    "collect",
    "collect_sources",
    "comparison",
    "count",
    "coverage",
    "coverage_parameters",
    "figures",
    "open_corpus",
    "publish_chart",
    "PUBLISH_DEFAULTS",
    "Republished",
    "republish",
    "topic_names",
    "write_csv",
]

#: The topics a coverage job counts when none are given (the coverage notebook's default too).
DEFAULT_TOPICS = ("hong_kong", "cyberespionage", "ukraine")

# -- naming a corpus -----------------------------------------------------------------------


def open_corpus(source: Any) -> Any:
    """The corpus a person names: ``"demo"``, a file, a folder of pages or tables, or a store.

    One rule for the ``ddj`` command and the notebooks: the name is checked
    first (:func:`ddj.params.corpus`: it exists, it is a regular file or a
    folder holding pages, tables or a store); ``"demo"`` is the synthetic demo
    corpus; a store folder (written by ``ddj.save(..., append=True)``) is opened
    lazily with ``ddj.open``, which every analysis takes in place of a frame;
    anything else is read by ``ddj.load``.

    Parameters
    ----------
    source
        ``"demo"`` or a path.

    Returns
    -------
    pandas.DataFrame or ddj.store.Store

    Raises
    ------
    ParameterError
        Naming the path and what to give instead.

    Examples
    --------
    >>> len(open_corpus("demo")) > 1000
    True
    """
    p.corpus(source)
    if str(source) == "demo":
        return demo_corpus()
    return open_store(source) if is_store(source) else load(source)


# -- topics --------------------------------------------------------------------------------


def topic_names(value: Any) -> list[Any]:
    """Topics as a list: the one parser of the command's ``-t`` and the notebooks' ``topics``.

    A list is kept as given. Text is split at each comma outside double
    quotes and parentheses, so a query holding a comma stays whole
    (``'"Hong Kong, China"'``); each part is a topic name from the topics file,
    a query, or ``query:`` and a query (:func:`ddj.resolve` tells them apart).

    Examples
    --------
    >>> topic_names("hong_kong,ukraine")
    ['hong_kong', 'ukraine']
    >>> topic_names('query:"Jimmy Lai, publisher", (taiwan, drills)')
    ['query:"Jimmy Lai, publisher"', '(taiwan, drills)']
    >>> topic_names(["hong_kong", "ukraine"])
    ['hong_kong', 'ukraine']
    """
    if isinstance(value, (list, tuple)):
        return list(value)
    if not isinstance(value, str):
        return value if value is None else [value]
    parts, current, quoted, depth = [], [], False, 0
    for char in value:
        if char == '"':
            quoted = not quoted
        elif char == "(" and not quoted:
            depth += 1
        elif char == ")" and not quoted:
            depth = max(depth - 1, 0)
        elif char == "," and not quoted and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def chosen_topics(value: Any, topics_file: Any = None) -> list:
    """The topics ``value`` names (:func:`topic_names`), by :func:`ddj.resolve`'s rule.

    Parameters
    ----------
    value
        Names or queries: a list, or text with commas between them.
    topics_file
        A topics YAML file, or None for the shipped ``data/topics.yml``.

    Examples
    --------
    >>> [t.name for t in chosen_topics("hong_kong, query:ukraine")]
    ['hong_kong', 'query:ukraine']
    """
    return resolve(topic_names(value), topics_file or None)


# -- parameters ------------------------------------------------------------------------------


def check_parameters(**params: Any) -> dict[str, Any]:
    """Check the values of the parameters ddj's jobs and notebooks take; return them, normalised.

    Each known name is checked by its function in :mod:`ddj.params` (see
    ``CHECKS``): ``corpus`` ("demo" or a path), ``topics`` (names or queries,
    read by :func:`topic_names`), ``topics_file``, ``start``, ``end``,
    ``freq``, ``by``, ``metric``, ``events`` ("default", a CSV path or None),
    ``tz``, ``topic``, ``compare_at`` (None, a day or two,
    :func:`ddj.params.at`), ``baseline`` (:func:`ddj.params.baseline`),
    ``title`` (None or a headline of at most 300 characters), ``subtitle``
    (the same), ``source`` (None or a source line of at most 500 characters),
    ``out_dir`` (a folder, not a file); for collecting: ``urls`` (a file or a
    list), ``feeds``, ``sitemaps``, ``sites`` (http(s) URLs), ``warcs``
    (files), ``since``, ``until``, ``rate``, ``contact``, ``robots``,
    ``extend`` (a saved corpus). Other names are passed through.

    Parameters
    ----------
    **params
        The parameters, by name.

    Returns
    -------
    dict
        The same names; lists for comma-separated topics, None for empty text.

    Raises
    ------
    ParameterError
        Naming the parameter and what to write instead.

    Examples
    --------
    >>> check_parameters(freq="M", topics="hong_kong, ukraine")["topics"]
    ['hong_kong', 'ukraine']
    """
    p.given(params)
    out = dict(params)
    for name, check in CHECKS.items():
        if name in out:
            out[name] = check(out[name])
    for names in (("start", "end"), ("since", "until")):
        if names[0] in out or names[1] in out:
            p.window(out.get(names[0]), out.get(names[1]), names=names)
    for name in ("topics", "topic"):
        if name not in out:
            continue
        given = out[name]
        listed = topic_names(given) if isinstance(given, str) and name == "topics" else given
        out[name] = p.topics(listed, name=name)
        names = [out[name]] if isinstance(out[name], str) else out[name]
        resolve(names, out.get("topics_file") or None)  # an unknown topic: the message says which
    if "corpus" in out:  # last: a bad option is reported before the corpus is looked at
        out["corpus"] = p.corpus(out["corpus"])
    return out


def _as_given(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A check that keeps the value as given (a job passes it on to the library)."""

    def keep(value: Any) -> Any:
        check(value)
        return value

    return keep


#: Each parameter's check (:mod:`ddj.params`), in the order they run;
#: ``start``/``end``, ``since``/``until`` and ``topics``/``topic`` are checked together after,
#: and ``corpus`` (:func:`ddj.params.corpus`) last of all.
CHECKS: dict[str, Callable[[Any], Any]] = {
    "title": p.title,
    "subtitle": p.subtitle,
    "source": p.source,
    "out_dir": lambda value: str(p.folder(value, "out_dir")),
    "topics_file": p.topics_file,
    "freq": _as_given(p.freq),
    "by": p.by,
    "metric": p.metric,
    "events": p.events,
    "feeds": lambda value: p.web_addresses(value, "feeds"),
    "sitemaps": lambda value: p.web_addresses(value, "sitemaps"),
    "sites": lambda value: p.web_addresses(value, "sites"),
    "warcs": p.warcs,
    "urls": p.urls,
    "rate": p.rate,
    "contact": p.contact,
    "robots": p.robots,
    "extend": p.extend,
    "tz": p.tz,
    "compare_at": _as_given(lambda value: p.at(value, "compare_at")),
    "baseline": _as_given(p.baseline),
    "url": _as_given(lambda value: addresses("slug", value)),
    "single_file": p.single_file,
}


# -- the one CSV writer ----------------------------------------------------------------------


def write_csv(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    r"""Write a table a person opens in a spreadsheet: formula-safe, atomically; return its path.

    Every CSV a job writes for people (figures, comparisons, hits, a collect
    plan) goes through here: text cells and headers starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a CR get a leading ``'``
    (:func:`ddj.publishing.spreadsheet_safe`), numbers stay numbers. The folder
    is made when missing; a reader sees the old file or the new one, whole.

    Examples
    --------
    >>> import tempfile
    >>> path = write_csv(pd.DataFrame({"t": ["=1+1"], "n": [-1]}), Path(tempfile.mkdtemp()) / "t.csv")
    >>> path.read_text()
    "t,n\n'=1+1,-1\n"
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = spreadsheet_safe(frame).to_csv(index=False)
    return atomic_write(target, text.encode("utf-8"))


# -- the coverage job ------------------------------------------------------------------------


@dataclass
class Outputs:
    """What the coverage job made: its frames, its chart and the files it wrote, by kind."""

    corpus: Any
    coverage: pd.DataFrame
    chart: Any
    files: dict[str, Path]
    figures: pd.DataFrame
    comparison: pd.DataFrame
    spikes: pd.DataFrame = field(default_factory=pd.DataFrame)


#: The coverage job's parameters left out, and what they stand for.
COVERAGE_DEFAULTS: dict[str, Any] = {
    "corpus": "demo",
    "topics": list(DEFAULT_TOPICS),
    "topics_file": None,
    "start": None,
    "end": None,
    "freq": "W",
    "tz": "UTC",
    "by": None,
    "metric": "share",
    "events": "default",
    "title": None,
    "subtitle": None,
    "source": None,
    "compare_at": None,
    "baseline": 12,
    "out_dir": "out/coverage",
    "slug": "coverage",
    "social": False,
    "print_mm": None,
    "datawrapper": False,
    "url": None,
    "single_file": False,
    "datawrapper_url": None,
}


def coverage_parameters(params: Mapping[str, Any]) -> dict[str, Any]:
    """The coverage job's parameters: the defaults (``COVERAGE_DEFAULTS``) with ``params`` over them, checked."""
    unknown = sorted(set(params) - set(COVERAGE_DEFAULTS))
    if unknown:
        msg = f"Unknown coverage parameter(s) {', '.join(map(repr, unknown))}; it takes: {', '.join(COVERAGE_DEFAULTS)}."
        raise ParameterError(msg)
    return check_parameters(**{**COVERAGE_DEFAULTS, **params})


def count(corpus: Any, params: Mapping[str, Any]) -> pd.DataFrame:
    """The coverage job's first step: the topics linted (:func:`lint_topics`), then counted per period (``ddj.coverage``)."""
    chosen = chosen_topics(params["topics"], params.get("topics_file"))
    lint_topics(chosen, corpus)
    return count_coverage(
        corpus, chosen, freq=params["freq"], by=params.get("by"), start=params.get("start"),
        end=params.get("end"), tz=params.get("tz") or "UTC",
    )  # fmt: skip


def lint_topics(chosen: Sequence[Topic], corpus: Any = None) -> list[list[Finding]]:
    """Each topic's query lint (:func:`ddj.linting.lint`), shown as one ``QueryLintWarning`` a topic.

    How a query is written is checked for every topic. A query typed for this
    run (not a topics file's topic) is also looked up in a corpus held in
    memory: its terms that match nothing, its wildcards that match thousands of
    words. ``ddj lint`` checks any topic against any corpus, a store too.
    """
    found = []
    for topic in chosen:
        against = (
            corpus if topic.from_query and corpus is not None and scan.in_memory(corpus) else None
        )
        findings = lint(topic, against)
        if findings:
            warnings.warn(warns.query_lint(topic.name, topic.query, findings), stacklevel=2)
        found.append(findings)
    return found


def publish_chart(
    cov: pd.DataFrame, corpus: Any, params: Mapping[str, Any]
) -> tuple[Any, dict[str, Path]]:
    """The chart (intervals and spikes marked) and its publish bundle in ``out_dir``: HTML, SVG, PNG, CSVs, alt text.

    The one publish step of ``ddj coverage`` (the corpus counted) and
    ``ddj publish`` (``corpus`` None: a coverage table read back). Without a
    ``source``, the foot names the corpus (:func:`ddj.charts.source_words` of :func:`ddj.scan.span`), or
    the coverage's own outlets and periods when there is no corpus.
    ``url``, ``single_file`` and ``datawrapper_url`` go to :func:`ddj.publish`
    as ``url``, ``single_file`` and ``base_url``.
    """
    named = None
    if corpus is not None:  # a store's span from its kept totals: no row read
        found = scan.span(corpus)
        named = source_words(
            found.rows, found.outlets, found.first, found.last, params.get("corpus")
        )
    chart = draw(
        cov, metric=params.get("metric") or "share", title=params.get("title"),
        subtitle=params.get("subtitle"), source=params.get("source") or named,
        events=params.get("events") or None, intervals=True, spikes=True,
    )  # fmt: skip
    paths = publish(
        chart, params["out_dir"], params.get("slug") or "coverage", data=cov, corpus=corpus,
        social=bool(params.get("social")), print_mm=params.get("print_mm"), datawrapper=bool(params.get("datawrapper")),
        url=params.get("url"), single_file=bool(params.get("single_file")),
        base_url=params.get("datawrapper_url"),
    )  # fmt: skip
    return chart, paths


#: The names of the coverage job's own CSVs in ``out_dir`` (beside the publish bundle).
FIGURES_CSV = "figures.csv"
COMPARISON_CSV = "comparison.csv"


def figures(cov: pd.DataFrame, out_dir: str | os.PathLike) -> pd.DataFrame:
    """The figures a reporter quotes (peak, latest against the one before), written to ``figures.csv``.

    No share is quoted on too few articles (:func:`ddj.quotable`).
    """
    table = quotable(summary(cov))
    write_csv(table, Path(out_dir) / FIGURES_CSV)
    return table


def comparison(cov: pd.DataFrame, params: Mapping[str, Any]) -> pd.DataFrame:
    """``compare_at`` beside its ``baseline`` (``ddj.compare``), written to ``comparison.csv`` in ``out_dir``.

    With no ``compare_at`` (the latest complete period) on a coverage where no
    comparison can be made (every period partial, no period before it), the
    job goes on: a ``DdjWarning`` says why, the frame is empty (its
    ``sentence`` column too) and no
    ``comparison.csv`` is left in ``out_dir``. A ``compare_at`` given that cannot
    be compared is an error.
    """
    target = Path(params["out_dir"]) / COMPARISON_CSV
    try:
        table = compare(cov, params.get("compare_at"), baseline=params.get("baseline", 12))
    except ParameterError as exc:
        if params.get("compare_at") is not None:
            raise
        warnings.warn(f"No comparison written ({COMPARISON_CSV}): {exc}", DdjWarning, stacklevel=2)
        target.unlink(missing_ok=True)  # an earlier run's would read as this one's
        return pd.DataFrame({"sentence": pd.Series(dtype="str")})
    write_csv(table, target)
    return table


def coverage(params: Mapping[str, Any], corpus: Any = None) -> Outputs:
    """The coverage job: count, chart, publish, figures, comparison and spikes, in ``out_dir``.

    ``ddj coverage`` runs it whole; the coverage notebook runs its steps one
    cell at a time (:func:`count`, :func:`publish_chart`, :func:`figures`,
    :func:`comparison`, ``ddj.spikes``). Both write the same files.

    Parameters
    ----------
    params
        The parameters of the coverage notebook (``COVERAGE_DEFAULTS`` for those
        left out), plus ``tz``, ``baseline`` and ``slug``; checked before the corpus loads.
    corpus
        The corpus already open (else ``params["corpus"]`` is opened).

    Returns
    -------
    Outputs

    Raises
    ------
    ParameterError
        A parameter that cannot be used, before anything is read.

    Examples
    --------
    >>> done = coverage({"corpus": "corpus.parquet", "freq": "M", "out_dir": "out/job"})
    >>> sorted(done.files)
    ['alt_text', 'comparison', 'csv', 'datawrapper', 'embed', 'figures', 'html', 'method', 'method_md', 'png', 'spec', 'svg']
    """
    checked = coverage_parameters(params)
    articles = open_corpus(checked["corpus"]) if corpus is None else corpus
    cov = count(articles, checked)
    chart, paths = publish_chart(cov, articles, checked)
    quoted = figures(cov, checked["out_dir"])
    compared = comparison(cov, checked)
    place = Path(checked["out_dir"])
    files = {**paths, "figures": place / FIGURES_CSV}
    if (place / COMPARISON_CSV).exists():
        files["comparison"] = place / COMPARISON_CSV
    return Outputs(articles, cov, chart, files, quoted, compared, spikes(cov))


# -- the publish job: a chart published again from its coverage table --------------------------


@dataclass
class Republished:
    """What the publish job made: the coverage read back, its chart and the files written, by kind."""

    table: Path
    coverage: pd.DataFrame
    chart: Any
    files: dict[str, Path]


#: The publish job's parameters left out, and what they stand for (None: from the table's name,
#: its method file or ddj's own).
PUBLISH_DEFAULTS: dict[str, Any] = {
    "table": None,
    "out_dir": None,
    "slug": None,
    "metric": "share",
    "events": "default",
    "title": None,
    "subtitle": None,
    "source": None,
    "url": None,
    "single_file": False,
    "social": False,
    "print_mm": None,
    "datawrapper": False,
    "datawrapper_url": None,
}


def republish(params: Mapping[str, Any]) -> Republished:
    """The publish job: a chart and its bundle made again from a coverage table ddj wrote, no corpus.

    ``ddj publish`` runs it. ``table`` is ``slug.csv`` of a publish bundle (read
    by :func:`ddj.coverage_table.read_coverage`, with ``slug.method.json``
    beside it); the chart is drawn and published by :func:`publish_chart`, the
    coverage job's own step, into ``out_dir`` (default: the table's folder) as
    ``slug`` (default: the table's name), so a bundle published again replaces
    its files and updates the Datawrapper chart whose id is kept there.
    Without a ``source``, the chart keeps the source line its method file
    names. Every other parameter is the coverage job's (``PUBLISH_DEFAULTS``).

    Raises
    ------
    ParameterError
        A parameter that cannot be used (a bad ``slug``: the message suggests one), before
        the table is read.
    SchemaError
        A table that is not a ddj coverage table (its name and the columns it lacks).

    Examples
    --------
    >>> _ = ddj.publish(ddj.chart(cov), "out/first", "hk", data=cov)  # a bundle made before
    >>> done = republish({"table": "out/first/hk.csv", "title": "Hong Kong, again"})
    >>> sorted(done.files)[:4], done.coverage.attrs["queries"] == cov.attrs["queries"]
    (['alt_text', 'csv', 'datawrapper', 'embed'], True)
    """
    unknown = sorted(set(params) - set(PUBLISH_DEFAULTS))
    if unknown:
        msg = f"Unknown publish parameter(s) {', '.join(map(repr, unknown))}; it takes: {', '.join(PUBLISH_DEFAULTS)}."
        raise ParameterError(msg)
    given = {**PUBLISH_DEFAULTS, **params}
    table = Path(str(given["table"] or ""))
    if not str(given["table"] or "").strip():
        raise ParameterError("table: give the coverage CSV to publish (SLUG.csv of a bundle).")
    try:
        slug = safe_slug(table.stem if given["slug"] is None else given["slug"])
    except ParameterError as exc:
        if given["slug"] is not None:
            raise
        msg = (
            f"{table.name} names no safe slug for the published files; give one with --slug. {exc}"
        )
        raise ParameterError(msg) from None
    checked = check_parameters(
        **{k: v for k, v in given.items() if k not in ("table", "out_dir", "slug")},
        out_dir=given["out_dir"] or str(table.parent), slug=slug,
    )  # fmt: skip
    cov = read_coverage(table)
    if checked["source"] is None:
        checked["source"] = cov.attrs.get("source_line")  # the first chart's, from its method file
    chart, paths = publish_chart(cov, None, checked)
    return Republished(table, cov, chart, paths)


# -- the collect job -------------------------------------------------------------------------


SOURCES = ("urls", "feeds", "sitemaps", "sites", "warcs")


def collect_sources(params: Mapping[str, Any], *, demo: bool = True) -> tuple[dict[str, Any], bool]:
    """The sources given, as ``ddj.collect`` arguments, and whether they are the demo's.

    With no source at all and ``demo``, the synthetic demo web archive
    (:func:`ddj.demo.demo_warc`) is used; the second value says so (the archive
    declares itself, so the corpus read from it is labelled synthetic demo data
    either way). Without ``demo``, no source is left for ``ddj.collect`` to refuse.
    """
    sources = {k: params[k] for k in SOURCES if params.get(k)}
    if sources or not demo:
        return sources, False  # no source and no demo: ddj.collect says what to give
    return {"warcs": [str(demo_warc())]}, True


@dataclass
class Collected:
    """What the collect job made: the articles, the failures and where they were written."""

    articles: pd.DataFrame
    failures: pd.DataFrame
    corpus_path: Path | None
    failures_path: Path | None
    demo: bool = False


def collect(
    params: Mapping[str, Any], *, out: str | os.PathLike | None = None, demo: bool = True,
    **options: Any,
) -> Collected:  # fmt: skip
    """The collect job: articles from the sources in ``params``, saved with a table of failures.

    ``ddj collect`` and the collect notebook both run it. ``params`` holds the
    sources (``urls``, ``feeds``, ``sitemaps``, ``sites``, ``warcs``), the
    window (``since``, ``until``), ``contact``, ``rate``, ``robots`` and
    ``extend`` (a saved corpus to add to); the corpus goes to ``out``, else to
    ``out_dir/corpus.parquet``, and the failures beside it
    (``NAME.failures.csv``, or a store's ``_failures`` folder).

    Parameters
    ----------
    params
        Checked by :func:`check_parameters`.
    out
        The corpus file or store folder to write (None: ``out_dir/corpus.parquet``;
        with ``dry_run=True`` nothing is written).
    demo
        With no source, read the synthetic demo archive (the notebook) rather than refuse.
    **options
        Passed on to ``ddj.collect`` (``fetch``, ``workers``, ``cache_dir``,
        ``refresh``, ``domains``, ``url_pattern``, ``client``, ``dry_run``,
        ``max_pages``, ``progress``, ``overwrite``, ``corpus``...).
    """
    checked = check_parameters(**params)
    sources, from_demo = collect_sources(checked, demo=demo)
    if out is None and not options.get("dry_run"):
        out = Path(checked.get("out_dir") or "out/collect") / "corpus.parquet"
    fetch = {
        k: checked[k] for k in ("contact", "robots") if k in checked and "fetch" not in options
    }
    if "rate" in checked and "fetch" not in options:
        fetch["rate"] = checked["rate"] or None
    if checked.get("extend") and "corpus" not in options:
        options["corpus"] = load(checked["extend"])
    options.setdefault("overwrite", True)
    articles, failures = collect_articles(
        **sources, since=checked.get("since"), until=checked.get("until"),
        out=None if options.get("dry_run") else out, **fetch, **options,
    )  # fmt: skip
    written = None if options.get("dry_run") or out is None else Path(out)
    where = None
    if written is not None:
        where = written / "_failures" if is_store_name(written) else failures_path(written)
    return Collected(articles, failures, written, where, from_demo)


# -- the audit job: a sample to label in a spreadsheet, and its labels back ----------------------

#: The columns of an exported audit sample, in the order a person reads them; ``label`` is left blank.
#: Blind, as the form is: no group, stratum or weight (the estimates draw the same sample again by its seed).
AUDIT_EXPORT_COLUMNS = [
    "label", "title", "before", "matched", "after", "url", "outlet", "published", "id", "topic",
    "query",
]  # fmt: skip


def audit_export(
    corpus: Any,
    topic: Any,
    out: str | os.PathLike,
    *,
    n: Any = 120,
    seed: int = 0,
    near: str | None = None,
    topics_file: Any = None,
) -> tuple[pd.DataFrame, Path]:
    """Draw an audit sample (:func:`ddj.audit`) and write it as a formula-safe CSV to label.

    The labels already given for the topic (in the labels file beside the
    topics file) fill the ``label`` column; the rest is blank, for a person
    to write ``yes``, ``no`` or ``skip``.
    """
    chosen = chosen_topics([topic], topics_file)
    if len(chosen) != 1:
        msg = f"Audit one topic at a time; {topic!r} names {len(chosen)}."
        raise ParameterError(msg)
    sample = audit(open_corpus(corpus), chosen[0], n, seed=seed, near=near)
    known = audit_labels.read(audit_labels.path_for(topics_file))
    sample = audit_labels.for_sample(sample, known)
    table = sample.assign(topic=sample.attrs["topic"], query=sample.attrs["query"])
    table["published"] = table["published"].astype("str").replace({"NaT": ""})
    blind = table.sample(frac=1, random_state=seed)  # matches, near misses and others mixed
    return sample, write_csv(blind.reindex(columns=AUDIT_EXPORT_COLUMNS), out)


def audit_import(
    path: str | os.PathLike, labels_path: str | os.PathLike
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a labelled audit CSV (validated; bad rows warned of) and add its labels to the labels file.

    Returns the labels read and every label the file now holds. Rows with no
    label yet are left for later, counted in ``attrs['unlabelled']``.
    """
    read = audit_labels.read(path, missing_ok=False)
    if len(read):
        now = pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds")
        read = read.assign(labelled=read["labelled"].where(read["labelled"] != "", now))
        held = audit_labels.merged(audit_labels.read(labels_path), read)
        audit_labels.write(held, labels_path)
    else:
        held = audit_labels.read(labels_path)
    return read, held
