"""The ``ddj`` command: the library's jobs from a shell.

A thin layer over the library: each command parses its options, calls ddj,
and prints where its outputs are. A :class:`ddj.DdjError` becomes a one-line
message and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ddj import (
    __version__,
    jobs,
    notebooks,
    params,
    problems,  # the public name: its home module may move
)
from ddj import labels as audit_labels
from ddj.collecting import FetchSettings, is_store_name
from ddj.collecting.cluster import scheduler_from_env
from ddj.collecting.sources import read_urls
from ddj.constants import DEMO_NOTICE
from ddj.demo import demo_corpus, demo_pages_dir
from ddj.errors import DdjError, DdjWarning, ParameterError
from ddj.escaping import TerminalStream, terminal
from ddj.files import shown
from ddj.hostvalues import scrub_credentials
from ddj.jobs import DEFAULT_TOPICS
from ddj.linting import WILDCARD_LIMIT, lint
from ddj.loading import load, refuse_existing, save
from ddj.matching import hits, topics
from ddj.stats import compare
from ddj.store import open as open_store
from ddj.store.fulltext import index
from ddj.suggesting import suggest

COMMANDS: dict[str, tuple[str, str, Callable[[argparse.ArgumentParser], None]]] = {}


def command(name: str, summary: str, example: str):
    """Register a sub-command; its help ends with ``example``."""

    def wrap(fn):
        COMMANDS[name] = (summary, example, fn)
        return fn

    return wrap


# -- commands ------------------------------------------------------------------------------


@command(
    "demo",
    "Write the synthetic demo corpus (pages and corpus.parquet) to a folder.",
    "ddj demo --out out/demo-corpus",
)
def _add_demo(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out", default="out/demo-corpus", help="folder to write into (default: %(default)s)"
    )
    p.add_argument(
        "--seed", type=int, default=2024, help="random seed of the generator (default: %(default)s)"
    )
    p.set_defaults(run=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    corpus = demo_corpus(seed=args.seed)
    out = Path(args.out)
    # the synthetic demo's own files: a rerun writes them again, the same
    parquet = save(corpus, out / "corpus.parquet", overwrite=True)
    csv = save(corpus, out / "corpus.csv", overwrite=True)
    print(f"{DEMO_NOTICE} {len(corpus):,} articles from {corpus['outlet'].nunique()} outlets:")
    print(f"  pages:   {demo_pages_dir(seed=args.seed)}")
    print(f"  corpus:  {parquet}")
    print(f"           {csv}")
    return 0


@command(
    "load",
    "Tabulate pages and tables into one corpus file (deduplicated, cached).",
    "ddj load saved-pages/ export.csv -o corpus.parquet --column 'Link=url'",
)
def _add_load(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "sources", nargs="+", help="HTML files, folders of pages, or tables (CSV, JSONL, Parquet)"
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        help="corpus file to write (.parquet, .csv or .jsonl), or a store folder (a name without "
        "a suffix, or an existing folder: the articles are added to it, those it holds left out)",
    )
    _replace_options(p)
    p.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="NAME=FIELD",
        help="map a table column to a corpus field, e.g. --column 'Link=url' (repeatable)",
    )
    p.add_argument(
        "--dayfirst",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="read table dates like 01/02/2024 day-first (--no-dayfirst: month-first); "
        "default: day-first when a value needs it (13/02/2024)",
    )
    p.add_argument(
        "--urls",
        metavar="FILE",
        default=None,
        help="CSV with columns file,url giving saved pages' web addresses "
        "(file relative to the CSV's folder); other pages take theirs from the page",
    )
    p.add_argument("--keep-duplicates", action="store_true", help="do not drop repeated URLs")
    p.add_argument("--no-cache", action="store_true", help="parse every page again")
    p.add_argument(
        "--workers", type=int, default=None, help="processes for parsing (default: all cores)"
    )
    p.set_defaults(run=_run_load)


def _run_load(args: argparse.Namespace) -> int:
    columns = _pairs(args.column, "--column")
    into_store = is_store_name(args.output)  # one rule with ddj collect: a folder is a store
    if into_store and args.overwrite:
        msg = (
            f"--overwrite with the store folder {args.output}: a store is added to (articles it "
            "holds are left out, counted); remove the folder to start a new one."
        )
        raise ParameterError(msg)
    if not into_store:
        _check_output(args.output, overwrite=args.overwrite, extend=args.extend)
    corpus = load(
        args.sources,
        columns=columns or None,
        dayfirst=args.dayfirst,
        dedupe=not args.keep_duplicates,
        cache=not args.no_cache,
        workers=args.workers,
        urls=args.urls,
    )
    if into_store:
        path = save(corpus, args.output, append=True)
        print(f"The store {path} holds {len(open_store(path)):,} articles in all.")
    else:
        path = save(corpus, args.output, overwrite=args.overwrite, extend=args.extend)
    if args.extend and not into_store:
        corpus = load(path)
    dated = int(corpus["published"].notna().sum())
    print(
        f"{len(corpus):,} articles ({dated:,} dated) from {corpus['outlet'].nunique()} outlets -> {path}"
    )
    n_problems = len(problems(corpus))
    if n_problems:
        opened = "ddj.open" if into_store else "load"
        print(f"{n_problems} problem(s) noted; see ddj.problems({opened}({str(path)!r}))")
    return 0


@command(
    "collect",
    "Build or extend a corpus from article URLs, feeds, sitemaps, front pages and WARC files.",
    "ddj collect --feed https://news.example.org/rss.xml --since 2024-10-01 "
    "--contact desk@example.org -o corpus.parquet",
)
def _add_collect(p: argparse.ArgumentParser) -> None:
    p.add_argument("urls", nargs="*", metavar="URL", help="article URLs to fetch")
    src = p.add_argument_group("sources (repeatable; at least one source is needed)")
    src.add_argument(
        "--urls",
        dest="url_files",
        action="append",
        default=[],
        metavar="FILE",
        help="a text file with one article URL a line (# comments)",
    )
    src.add_argument(
        "--feed", action="append", default=[], metavar="URL", help="an RSS or Atom feed"
    )
    src.add_argument(
        "--sitemap",
        action="append",
        default=[],
        metavar="URL",
        help="a sitemap, sitemap index or Google News sitemap",
    )
    src.add_argument(
        "--site",
        action="append",
        default=[],
        metavar="URL",
        help="a front page: the articles it and its sections link to",
    )
    src.add_argument(
        "--warc",
        action="append",
        default=[],
        metavar="FILE",
        help="a WARC or WARC.gz file, a glob ('crawl/*.warc.gz') or an https:// or s3:// URL "
        "(nothing is fetched; into a store folder -o DIR, files are collected side by side "
        "and a rerun resumes at the next file)",
    )
    src.add_argument(
        "--domain",
        action="append",
        default=[],
        metavar="DOMAIN",
        help="keep only WARC records of this registered domain, subdomains included "
        "(judged on the WARC header, before the payload is read)",
    )
    src.add_argument(
        "--url-pattern",
        metavar="REGEX",
        help="keep only WARC records whose URL contains a match of this RE2 expression",
    )
    _archive_index_options(src)
    src.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="a Dask scheduler (tcp://HOST:8786) to collect the WARC files on, one task per "
        "file (default: $DDJ_SCHEDULER; needs -o DIR, a store folder every worker reaches)",
    )
    p.add_argument(
        "-o",
        "--output",
        help="corpus file to write (.parquet, .csv, .jsonl); "
        "failures go beside it as NAME.failures.csv. Required unless --dry-run",
    )
    _replace_options(p)
    window_options(p)
    polite = p.add_argument_group("fetching")
    polite.add_argument(
        "--contact", help="an email or URL put in the User-Agent, so sites can reach you"
    )
    polite.add_argument(
        "--rate",
        type=float,
        default=1.0,
        help="requests per second per host; 0 lifts the limit (default: %(default)s)",
    )
    polite.add_argument(
        "--ignore-robots",
        action="store_true",
        help="do not read robots.txt: only for sites that allow you to",
    )
    polite.add_argument(
        "--workers", type=int, default=8, help="hosts fetched at once (default: %(default)s)"
    )
    polite.add_argument(
        "--timeout", type=float, default=30.0, help="read timeout in seconds (default: %(default)s)"
    )
    polite.add_argument(
        "--retries",
        type=int,
        default=3,
        help="tries again after a timeout, 429 or 5xx (default: %(default)s)",
    )
    polite.add_argument(
        "--deadline",
        type=float,
        default=60.0,
        help="seconds one page may take in all, however slowly it comes (default: %(default)s)",
    )
    polite.add_argument(
        "--max-pages",
        type=int,
        default=50_000,
        help="article URLs feeds, sitemaps and front pages may list in all (default: %(default)s)",
    )
    polite.add_argument(
        "--allow-private",
        action="store_true",
        help="let pages and redirects lead to private, loopback and link-local addresses "
        "(by default only the hosts you pass may be on them)",
    )
    polite.add_argument(
        "--max-bytes",
        type=int,
        default=5_000_000,
        help="largest page accepted (default: %(default)s)",
    )
    polite.add_argument(
        "--warc-max-bytes",
        type=int,
        default=2_000_000_000,
        help="largest remote WARC file (https://, s3://) copied; a larger one is a failure row "
        "(default: %(default)s)",
    )
    polite.add_argument(
        "--warc-deadline",
        type=float,
        default=1800.0,
        help="seconds one remote WARC file may take in all, however slowly it comes "
        "(default: %(default)s)",
    )
    polite.add_argument(
        "--cache-dir", help="where raw pages are kept (default: the ddj cache folder)"
    )
    polite.add_argument("--refresh", action="store_true", help="fetch pages again even if cached")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="read feeds, sitemaps and front pages; list the articles that would be fetched",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=_run_collect)  # fmt: skip


def _archive_index_options(src) -> None:
    """``--cc-index``, ``--cc-index-table``, ``--wayback``: captures an archive's index lists (--domain)."""
    src.add_argument(
        "--cc-index",
        metavar="CRAWL",
        default=None,
        help="a Common Crawl crawl (CC-MAIN-2024-42): its URL index lists the --domain "
        "captures and only those WARC records are fetched, by range request "
        "($DDJ_CC_INDEX_URL, $DDJ_CC_DATA_URL)",
    )
    src.add_argument(
        "--cc-index-table",
        metavar="PATH",
        default=None,
        help="Common Crawl's columnar URL index (a Parquet file or folder, or s3://commoncrawl/"
        "cc-index/table/cc-main/warc/): it lists the --domain captures instead of the CDX API, "
        "the records are fetched by range request as with --cc-index (which, given too, picks "
        "the crawl's rows)",
    )
    src.add_argument(
        "--wayback",
        action="store_true",
        help="the Wayback Machine's captures of each --domain, one per URL, fetched as "
        "archived; the capture time is not the publication date ($DDJ_WAYBACK_URL)",
    )


def _run_collect(args: argparse.Namespace) -> int:
    if not args.output and not args.dry_run:
        raise _Usage(
            "give -o/--output FILE for the corpus (or --dry-run to only list the articles)"
        )
    corpus = _collect_target(args)
    urls = list(args.urls)
    for path in args.url_files:
        urls += read_urls(path)
    fetch = FetchSettings(
        rate=args.rate or None, contact=args.contact, robots=not args.ignore_robots,
        read_timeout=args.timeout, retries=args.retries, max_bytes=args.max_bytes,
        deadline=args.deadline, allow_private=args.allow_private,
        warc_max_bytes=args.warc_max_bytes, warc_deadline=args.warc_deadline,
    )  # fmt: skip
    sources = {
        "urls": urls, "feeds": args.feed, "sitemaps": args.sitemap, "sites": args.site,
        "warcs": args.warc, "since": args.since, "until": args.until,
    }  # fmt: skip
    done = jobs.collect(
        sources, out=None if args.dry_run else args.output, demo=False,
        domains=args.domain or None, url_pattern=args.url_pattern, client=_scheduler(args),
        cache_dir=args.cache_dir, refresh=args.refresh, corpus=corpus,
        overwrite=args.overwrite or args.extend, fetch=fetch, workers=args.workers,
        dry_run=args.dry_run, max_pages=args.max_pages,
        progress=False if args.no_progress else None,
        cc_index=args.cc_index, wayback=args.wayback, cc_index_table=args.cc_index_table,
    )  # fmt: skip
    if args.dry_run:
        for row in done.articles.itertuples():
            print(f"{'cached ' if row.cached else 'fetch  '} {row.url}")
        if args.output:
            jobs.write_csv(done.articles, args.output)
            print(f"plan -> {args.output}")
        return 0
    print(f"{len(done.articles):,} articles -> {args.output}")
    if len(done.failures):
        print(f"{len(done.failures):,} failed URL(s) -> {done.failures_path}")
    return 0


def _collect_target(args: argparse.Namespace) -> object:
    """Check ``-o`` against ``--overwrite``/``--extend``; the corpus to extend (``--extend``), or None."""
    if not args.output:
        return None
    if args.dry_run or not is_store_name(args.output):
        _check_output(
            args.output, overwrite=args.overwrite, extend=args.extend and not args.dry_run
        )
        if args.extend and not args.dry_run and Path(args.output).exists():
            return load(args.output)
        return None
    if args.overwrite:
        msg = (
            f"{args.output} is a store folder: it is only added to (the articles it holds are "
            "left out); --overwrite replaces a corpus file. Leave --overwrite out."
        )
        raise _Usage(msg)
    return None  # a store: --extend is what it does anyway


def _replace_options(p: argparse.ArgumentParser) -> None:
    """``--overwrite`` and ``--extend``: what to do when the corpus file of ``-o`` exists."""
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the corpus file --output when it exists (refused without it or --extend)",
    )
    how.add_argument(
        "--extend",
        action="store_true",
        help="add the new articles to the corpus already in --output (its articles kept)",
    )


def _check_output(path: str, *, overwrite: bool, extend: bool) -> None:
    """Refuse an existing ``-o`` file unless ``--overwrite`` or ``--extend`` says what to do with it."""
    if not overwrite and not extend:
        refuse_existing(
            path, "give --overwrite to replace it, or --extend to add the new articles to it"
        )


def _scheduler(args: argparse.Namespace) -> str | None:
    into_store = bool(args.warc) and bool(args.output) and is_store_name(args.output)
    return args.scheduler or (scheduler_from_env() if into_store else None)


# -- option groups, declared once --------------------------------------------------------------
# Each adds the same options, with the same names, defaults and help, to every command that
# takes them (sqlite-utils' ``output_options``); the values are checked by the jobs layer
# (``ddj.jobs.check_parameters``), so a bad one reads the same from every command and notebook.


def options(*groups: Callable[[argparse.ArgumentParser], None]):
    """Give a command's ``add`` function these option groups, in order, before its own options."""

    def wrap(add: Callable[[argparse.ArgumentParser], None]):
        def added(p: argparse.ArgumentParser) -> None:
            for group in groups:
                group(p)
            add(p)

        added.__doc__ = add.__doc__
        return added

    return wrap


def corpus_argument(p: argparse.ArgumentParser) -> None:
    """The corpus, named as :func:`ddj.jobs.open_corpus` takes it."""
    p.add_argument(
        "source",
        help="'demo' (the synthetic demo corpus), a corpus file, a table, a folder of pages "
        "or a store folder (ddj.save(..., append=True))",
    )


def topics_file_option(p: argparse.ArgumentParser) -> None:
    """``--topics-file`` (also ``--file``): the topics YAML file names are looked up in."""
    p.add_argument(
        "--topics-file",
        "--file",
        dest="topics_file",
        default=None,
        metavar="FILE",
        help="a topics YAML file (default: the shipped data/topics.yml)",
    )


def topics_options(p: argparse.ArgumentParser) -> None:
    """``-t/--topics`` (read by :func:`ddj.jobs.topic_names`) and ``--topics-file``."""
    p.add_argument(
        "-t",
        "--topics",
        default=",".join(DEFAULT_TOPICS),
        help="topic names, queries or query:QUERY, comma-separated (a comma inside quotes or "
        "brackets stays in its query) (default: %(default)s)",
    )
    topics_file_option(p)


def period_options(p: argparse.ArgumentParser) -> None:
    """``--freq`` and ``--tz``: the periods counted."""
    p.add_argument("--freq", default="W", help="D, W, M, Q or Y (default: %(default)s)")
    p.add_argument(
        "--tz", default="UTC", help="time zone for days and weeks (default: %(default)s)"
    )


def by_option(p: argparse.ArgumentParser) -> None:
    """``--by``: the one rule of :func:`ddj.params.by`, in every command."""
    p.add_argument(
        "--by",
        default=None,
        help="'outlet' for one series per outlet, 'group' for one per group of outlets "
        "(data/outlets.yml); default: all outlets together",
    )


def window_options(p: argparse.ArgumentParser) -> None:
    """``--since/--until`` (also ``--start/--end``): the first and last day, in every command."""
    p.add_argument(
        "--since", "--start", dest="since", default=None, metavar="DAY",
        help="first day, YYYY-MM-DD (articles before it are left out)",
    )  # fmt: skip
    p.add_argument(
        "--until", "--end", dest="until", default=None, metavar="DAY",
        help="last day, YYYY-MM-DD (articles after it are left out)",
    )  # fmt: skip


def comparison_options(p: argparse.ArgumentParser) -> None:
    """``--at``, ``--to`` and ``--baseline``: the period set beside its baseline."""
    p.add_argument(
        "--at",
        default=None,
        help="a day inside the period to compare (default: the latest complete period)",
    )
    p.add_argument(
        "--to",
        default=None,
        help="with --at: the last day of a window of periods to compare together",
    )
    p.add_argument(
        "--baseline",
        default="12",
        help="N periods before (default: %(default)s), 'year' (the same period a year earlier) "
        "or START:END (two days)",
    )


def chart_options(p: argparse.ArgumentParser) -> None:
    """What the chart shows and says: ``--metric``, ``--events``, ``--title``, ``--subtitle``, ``--source``."""
    p.add_argument("--metric", default="share", help="share or articles (default: %(default)s)")
    p.add_argument(
        "--events",
        default="default",
        help="CSV of (date, label) events to mark on the chart; 'default' for ddj's "
        "data/events.csv, '' for none (default: %(default)s)",
    )
    p.add_argument("--title", default=None, help="chart title")
    p.add_argument("--subtitle", default=None, help="the line under the chart title")
    p.add_argument(
        "--source",
        dest="source_line",
        default=None,
        help="the chart's source line (default: the corpus, its outlets and dates)",
    )


def output_options(p: argparse.ArgumentParser) -> None:
    """``--out`` and ``--slug``: where the job's files go and the name of the publish bundle."""
    p.add_argument("--out", default="out", help="output folder (default: %(default)s)")
    p.add_argument(
        "--slug",
        default="coverage",
        help="base name of the published files (default: %(default)s); "
        "figures.csv and comparison.csv go beside them",
    )


def static_options(p: argparse.ArgumentParser) -> None:
    """Where the bundle goes: ``--url``, ``--single-file``, ``--social``, ``--print-mm``, ``--datawrapper(-url)``."""
    p.add_argument(
        "--url", default=None, metavar="URL",
        help="the public address SLUG.html will have: the embed snippet points there "
        "(https: an AMP snippet too)",
    )  # fmt: skip
    p.add_argument(
        "--single-file", action="store_true",
        help="put the data inside SLUG.html ('Get the data' as a data: URL), so the page works alone",
    )  # fmt: skip
    p.add_argument(
        "--social", action="store_true", help="also write SLUG.social.png, a 1200x675 social card"
    )
    p.add_argument(
        "--print-mm", type=float, default=None, metavar="MM",
        help="also write SLUG.print.png, a column MM millimetres wide at 300 dpi (e.g. 85)",
    )  # fmt: skip
    p.add_argument(
        "--datawrapper", action="store_true",
        help="also create or update a Datawrapper chart of the same data (token from "
        "DATAWRAPPER_ACCESS_TOKEN, address from DDJ_DATAWRAPPER_URL); its id goes to SLUG.datawrapper.json",
    )  # fmt: skip
    p.add_argument(
        "--datawrapper-url", default=None, metavar="URL",
        help="the Datawrapper API's address (default: $DDJ_DATAWRAPPER_URL, else the public API)",
    )  # fmt: skip


def csv_output_option(p: argparse.ArgumentParser) -> None:
    """``-o/--output``: a CSV of every row, written formula-safe (:func:`ddj.jobs.write_csv`)."""
    p.add_argument(
        "-o", "--output", default=None, metavar="CSV",
        help="write every row to this CSV (cells starting = + - @ are kept as text)",
    )  # fmt: skip


def _at_arg(args: argparse.Namespace) -> Any:
    """``--at`` (and ``--to``) as ``ddj.compare`` takes it."""
    return args.at if args.to is None else (args.at, args.to)


def _baseline_arg(text: str):
    """``--baseline`` as ``ddj.compare`` takes it: a number, ``year``, or START:END."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if ":" in text:
        start, _, end = text.partition(":")
        return (start, end)
    return text


# -- analyses ----------------------------------------------------------------------------------


@command(
    "topics", "List the topic definitions and their queries.", "ddj topics --file my-topics.yml"
)
@options(topics_file_option)
def _add_topics(p: argparse.ArgumentParser) -> None:
    p.set_defaults(run=_run_topics)


def _run_topics(args: argparse.Namespace) -> int:
    for t in topics(args.topics_file):
        print(f"{t.name:<20} {t.label}\n{'':<20} {t.query}")
    return 0


@command(
    "hits",
    "Show each match of a topic in context, to check it before publishing.",
    "ddj hits demo hong_kong --limit 10",
)
@options(corpus_argument)
def _add_hits(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "topic",
        help="a topic name from the topics file (exactly), or a query: in quotes or after query:",
    )
    topics_file_option(p)
    p.add_argument("--limit", type=int, default=20, help="hits to show (default: %(default)s)")
    csv_output_option(p)
    p.set_defaults(run=_run_hits)


def _run_hits(args: argparse.Namespace) -> int:
    if args.limit < 0:
        msg = f"--limit {args.limit}: give the number of hits to show, 0 or more (e.g. --limit 10)."
        raise ParameterError(msg)
    checked = jobs.check_parameters(
        corpus=args.source, topic=args.topic, topics_file=args.topics_file
    )
    topic = jobs.chosen_topics([checked["topic"]], checked["topics_file"])[0]
    found = hits(jobs.open_corpus(checked["corpus"]), topic)
    if found.empty:
        print(f"0 hits for {terminal(topic.definition, lines=False)}")
    if args.output:
        jobs.write_csv(found, args.output)
        print(f"{len(found):,} hits -> {args.output}")
    for row in found.head(args.limit).itertuples():
        day = (
            row.published.date()
            if row.published is not None and str(row.published) != "NaT"
            else "undated"
        )
        print(f"{day}  {terminal(row.outlet, lines=False)}: {terminal(row.snippet, lines=False)}")
    if len(found):
        print(_hits_shown(len(found), found["id"].nunique(), args.limit))
    if found.attrs.get("index"):
        print(found.attrs["index"])
    return 0


def _hits_shown(n_hits: int, n_articles: int, limit: int) -> str:
    """The last line of ``ddj hits``: how many hits there are in all, and how many were shown."""
    hits = f"{n_hits:,} hit{'s' if n_hits != 1 else ''} in {n_articles:,} article{'s' if n_articles != 1 else ''}"
    if n_hits > limit:
        return f"{limit:,} of {hits} shown; --limit to see more."
    return f"All {hits} shown."


@command(
    "coverage",
    "Measure coverage of topics over time, chart it and write the publish bundle, "
    "the figures to quote and a comparison with the baseline.",
    "ddj coverage demo -t hong_kong,cyberespionage --freq M --out out/demo",
)
@options(
    corpus_argument, topics_options, period_options, by_option, window_options,
    comparison_options, chart_options, output_options, static_options,
)  # fmt: skip
def _add_coverage(p: argparse.ArgumentParser) -> None:
    p.set_defaults(run=_run_coverage)


def _run_coverage(args: argparse.Namespace) -> int:
    done = jobs.coverage(
        {
            "corpus": args.source, "topics": args.topics, "topics_file": args.topics_file,
            "freq": args.freq, "tz": args.tz, "by": args.by, "start": args.since,
            "end": args.until, "compare_at": _at_arg(args),
            "baseline": _baseline_arg(args.baseline), "metric": args.metric,
            "events": args.events, "title": args.title, "subtitle": args.subtitle,
            "source": args.source_line, "out_dir": args.out, "slug": args.slug,
            "social": args.social, "print_mm": args.print_mm, "datawrapper": args.datawrapper,
            "url": args.url, "single_file": args.single_file,
            "datawrapper_url": args.datawrapper_url,
        }
    )  # fmt: skip
    names = ", ".join(t for t in jobs.topic_names(args.topics))
    print(f"Coverage of {names} in {len(done.corpus):,} articles, per {args.freq}:")
    for kind, path in done.files.items():
        print(f"  {kind:<12} {path}")
    if done.coverage.attrs.get("index"):
        print(done.coverage.attrs["index"])
    return 0


@command(
    "publish",
    "Publish a chart again from a coverage table ddj wrote (SLUG.csv of a bundle), without the "
    "corpus: the same files, new texts, a Datawrapper chart.",
    "ddj publish out/demo/coverage.csv --title 'Hong Kong in the news' --datawrapper",
)
def _add_publish(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "table",
        help="SLUG.csv of a publish bundle (ddj coverage writes OUT/coverage.csv); "
        "SLUG.method.json beside it gives back its queries, corpus and demo notice",
    )
    p.add_argument(
        "--out",
        default=None,
        help="output folder (default: the table's folder, its bundle replaced)",
    )
    p.add_argument(
        "--slug", default=None,
        help="base name of the published files (default: the table's name, e.g. coverage)",
    )  # fmt: skip
    chart_options(p)
    static_options(p)
    p.set_defaults(run=_run_publish)


def _run_publish(args: argparse.Namespace) -> int:
    done = jobs.republish(
        {
            "table": args.table, "out_dir": args.out, "slug": args.slug, "metric": args.metric,
            "events": args.events, "title": args.title, "subtitle": args.subtitle,
            "source": args.source_line, "url": args.url, "single_file": args.single_file,
            "social": args.social, "print_mm": args.print_mm, "datawrapper": args.datawrapper,
            "datawrapper_url": args.datawrapper_url,
        }
    )  # fmt: skip
    cov = done.coverage
    series = cov.groupby([c for c in ("topic", "outlet", "group") if c in cov], sort=False).ngroups
    print(
        f"Published again from {shown(done.table)}: {series:,} series, "
        f"{cov['period'].nunique():,} periods:"
    )
    for kind, path in done.files.items():
        print(f"  {kind:<12} {path}")
    if cov.attrs.get("ddj_demo"):
        print(DEMO_NOTICE)
    return 0


@command(
    "compare",
    "Compare a period with a baseline: shares with confidence intervals, ratio, p-value, a sentence to quote.",
    "ddj compare demo -t hong_kong --freq M --at 2024-10-14 --baseline 12",
)
@options(
    corpus_argument, topics_options, period_options, by_option, window_options,
    comparison_options, csv_output_option,
)  # fmt: skip
def _add_compare(p: argparse.ArgumentParser) -> None:
    p.set_defaults(run=_run_compare)


def _run_compare(args: argparse.Namespace) -> int:
    at = params.at(_at_arg(args))
    checked = jobs.check_parameters(
        corpus=args.source, topics=args.topics, topics_file=args.topics_file, freq=args.freq,
        tz=args.tz, by=args.by, start=args.since, end=args.until,
        baseline=_baseline_arg(args.baseline),
    )  # fmt: skip
    cov = jobs.count(jobs.open_corpus(checked["corpus"]), checked)
    table = compare(cov, at, baseline=checked["baseline"])
    for sentence in table["sentence"]:
        print(sentence)
    if cov.attrs.get("ddj_demo"):
        print(DEMO_NOTICE)
    if args.output:
        jobs.write_csv(table, args.output)
        print(f"{len(table):,} comparison(s) -> {args.output}")
    return 0


@command(
    "run",
    "Run a parameterised notebook with checked parameters (papermill).",
    "ddj run coverage -p freq M -p topics hong_kong,taiwan --out out/monthly --html",
)
def _add_run(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "notebook",
        help="a notebook with a cell tagged 'parameters', ddj's by name (coverage, collect, explore) or a path",
    )
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set a parameter (repeatable); lists as YAML ([a, b]) or comma lists",
    )
    p.add_argument("-f", "--parameters-file", default=None, help="a YAML file of parameters")
    p.add_argument("--out", default="out", help="folder for the executed notebook and its outputs")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the outputs another parameter set wrote into --out (refused without it)",
    )
    p.add_argument(
        "--html",
        action="store_true",
        help="also write a self-contained HTML report of the executed notebook beside it "
        "(no script, nothing loaded from the network: opens offline and tells no one)",
    )
    p.set_defaults(run=_run_run)


def _run_run(args: argparse.Namespace) -> int:
    given = notebooks.parse_cli_params(args.parameter, args.parameters_file)
    started = time.time() - 1
    out = notebooks.run_notebook(
        args.notebook, given, out_dir=args.out, overwrite=args.overwrite,
        on_start=lambda target: print(f"Parameters checked; running {target.name} ...", flush=True),
        html=args.html,
    )  # fmt: skip
    report = out.with_suffix(".html") if args.html else None
    written = sorted(
        p
        for p in Path(args.out).iterdir()
        if p.is_file() and p.stat().st_mtime >= started and p not in (out, report)
    )
    print(f"Executed notebook: {out}")
    if report is not None:
        print(f"HTML report (self-contained, offline): {report}")
    if written:
        print("Written beside it:")
        for path in written:
            print(f"  {path}")
    return 0


@command(
    "notebooks",
    "Copy ddj's notebooks, topics.yml and events.csv into a folder, to open in JupyterLab and edit.",
    "ddj notebooks my-analysis",
)
def _add_notebooks(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", help="folder to copy into (made if missing)")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace files there that differ from ddj's copies (refused without it); "
        "links, FIFOs and folders where a copy goes are refused either way",
    )
    p.set_defaults(run=_run_notebooks)


def _run_notebooks(args: argparse.Namespace) -> int:
    written = notebooks.copy_notebooks(args.dir, overwrite=args.overwrite)
    place = written[0].parent
    print(f"ddj's notebooks and data, copied into {shown(place)}:")
    for path in written:
        print(f"  {shown(path)}")
    print(f"Open them with:\n  jupyter lab {shown(place)}")
    print("Your edited topics: -p topics_file topics.yml (topics_file='topics.yml' in a notebook).")
    return 0


# -- helpers -------------------------------------------------------------------------------


def _pairs(items: Sequence[str], flag: str) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            msg = f"{flag} {item!r}: write NAME=FIELD, e.g. {flag} 'Link=url'."
            raise _Usage(msg)
        out[name.strip()] = value.strip()
    return out


@command(
    "index",
    "Build or update the full-text index of a store (store/_index/), so queries narrow at once.",
    "ddj index store/",
)
def _add_index(p: argparse.ArgumentParser) -> None:
    p.add_argument("store", help="a store folder (from ddj.save(..., append=True))")
    p.add_argument(
        "--exact-phrases",
        action="store_true",
        help="a new index keeps the place of every word, the, of and der too: every phrase is "
        "answered by the index alone, in an index about a fifth larger",
    )
    p.set_defaults(run=_run_index)


def _run_index(args: argparse.Namespace) -> int:
    done = index(args.store, common_words=() if args.exact_phrases else None)
    print(
        f"Indexed {done.rows:,} article(s) in {done.parts:,} new part(s) of {shown(done.folder)}"
        f" ({done.removed:,} part(s) forgotten) in {done.seconds:.1f} s."
    )
    return 0


@command(
    "lint",
    "Check how topics' queries are written, and what their terms find in a corpus, before counting.",
    "ddj lint demo -t '\u201cHong Kong\u201d or Taiwan,hong_kong'",
)
@options(corpus_argument, topics_options)
def _add_lint(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--wildcard-limit",
        type=int,
        default=WILDCARD_LIMIT,
        help="distinct words a prefix* may match before it is flagged (default: %(default)s)",
    )
    p.set_defaults(run=_run_lint)


def _run_lint(args: argparse.Namespace) -> int:
    checked = jobs.check_parameters(
        corpus=args.source, topics=args.topics, topics_file=args.topics_file
    )
    corpus = jobs.open_corpus(checked["corpus"])
    flagged = 0
    for topic in jobs.chosen_topics(checked["topics"], checked["topics_file"]):
        findings = lint(topic, corpus, wildcard_limit=args.wildcard_limit)
        flagged += bool(findings)
        print(f"{topic.name}: {'ok' if not findings else f'{len(findings)} finding(s)'}")
        for f in findings:
            print(f"  {f.code}: {f.message} {f.fix}")
            if f.fixed:
                print(f"    try: {f.fixed}")
    return 1 if flagged else 0


@command(
    "suggest",
    "Terms the matches of a topic use far more than chance, and how many articles each would add.",
    "ddj suggest demo hong_kong -n 10",
)
@options(corpus_argument)
def _add_suggest(p: argparse.ArgumentParser) -> None:
    p.add_argument("topic", help="a topic name from the topics file (exactly), or a query")
    topics_file_option(p)
    p.add_argument("-n", type=int, default=20, help="terms to show (default: %(default)s)")
    csv_output_option(p)
    p.set_defaults(run=_run_suggest)


def _run_suggest(args: argparse.Namespace) -> int:
    checked = jobs.check_parameters(
        corpus=args.source, topic=args.topic, topics_file=args.topics_file
    )
    topic = jobs.chosen_topics([checked["topic"]], checked["topics_file"])[0]
    table = suggest(jobs.open_corpus(checked["corpus"]), topic, n=args.n)
    print(
        f"{len(table)} term(s) for {topic.definition}, from {table.attrs['matches']:,} matching "
        f"and {table.attrs['others']:,} other article(s). {table.attrs['method']}"
    )
    for row in table.itertuples():
        print(
            f"{row.query}: in {row.in_matches:,} matches, {row.in_others:,} others "
            f"(G\u00b2 {row.g2:.1f}); OR adds {row.adds:,}, AND NOT removes {row.removes:,}"
        )
        for snippet in row.examples:
            print(f"    {snippet}")
    if args.output:
        jobs.write_csv(table.assign(examples=table["examples"].str.join(" | ")), args.output)
        print(f"{len(table):,} term(s) -> {args.output}")
    return 0


@command(
    "audit",
    "Audit a topic's query in a spreadsheet: export a sample to label, import the labels.",
    "ddj audit export demo hong_kong -o sample.csv   then   ddj audit import sample.csv",
)
def _add_audit(p: argparse.ArgumentParser) -> None:
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True)
    out = steps.add_parser(
        "export",
        help="draw a sample of matches, near misses and non-matches; write it as CSV to label",
        epilog="Example:\n  ddj audit export demo hong_kong -o sample.csv --n 120 --seed 1",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    corpus_argument(out)
    out.add_argument("topic", help="a topic name from the topics file, or a query in quotes")
    out.add_argument("-o", "--output", required=True, help="the CSV file to write")
    out.add_argument("--n", type=int, default=120, help="articles to draw (default: %(default)s)")
    out.add_argument("--seed", type=int, default=0, help="the sample's seed (default: %(default)s)")
    out.add_argument(
        "--near", default=None, help="the near-miss query (default: the query's terms)"
    )
    topics_file_option(out)
    out.set_defaults(run=_run_audit_export)
    back = steps.add_parser(
        "import",
        help="read a labelled sample CSV (label: yes, no or skip) into the labels file",
        epilog="Example:\n  ddj audit import sample.csv --topics-file topics.yml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    back.add_argument(
        "sample", help="the CSV written by ddj audit export, with its label column filled"
    )
    back.add_argument(
        "--labels", default=None, help="the labels file (default: beside the topics file)"
    )
    topics_file_option(back)
    back.set_defaults(run=_run_audit_import)


def _run_audit_export(args: argparse.Namespace) -> int:
    checked = jobs.check_parameters(
        corpus=args.source, topic=args.topic, topics_file=args.topics_file
    )
    sample, path = jobs.audit_export(
        checked["corpus"], checked["topic"], args.output, n=args.n, seed=args.seed,
        near=args.near, topics_file=checked["topics_file"],
    )  # fmt: skip
    drawn = sample["group"].value_counts()
    parts = ", ".join(f"{drawn.get(g, 0):,} {g}" for g in ("match", "near", "other"))
    known = int((sample["label"] != "").sum())
    print(f"{len(sample):,} articles drawn ({parts}; {known:,} labelled already) -> {shown(path)}")
    print(f"Near misses: articles matching {terminal(sample.attrs['near_query'], lines=False)}")
    print("Write yes, no or skip in the label column, then: ddj audit import " + shown(path))
    return 0


def _run_audit_import(args: argparse.Namespace) -> int:
    target = args.labels or audit_labels.path_for(args.topics_file)
    read, held = jobs.audit_import(args.sample, target)
    counts = read["label"].value_counts()
    said = ", ".join(f"{counts.get(v, 0):,} {v}" for v in audit_labels.LABELS)
    print(f"{len(read):,} label(s) read ({said}) -> {shown(target)} ({len(held):,} in all)")
    if read.attrs.get("unlabelled"):
        print(f"{read.attrs['unlabelled']:,} row(s) not labelled yet: label them and import again.")
    if read.attrs.get("problems"):
        print(f"{len(read.attrs['problems']):,} row(s) left out (see the warning above).")
    return 0


class _Usage(DdjError):
    pass


def build_parser() -> argparse.ArgumentParser:
    """The ``ddj`` argument parser: one sub-command per registered command, each with an example."""
    parser = argparse.ArgumentParser(
        prog="ddj",
        description="Measure news coverage over time: load articles, find topics, chart and publish.",
        epilog="Examples:\n  ddj coverage demo --freq M --out out/demo\n"
        "  ddj publish out/demo/coverage.csv --title 'Hong Kong in the news'  (again, no corpus)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ddj {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (summary, example, add) in COMMANDS.items():
        p = sub.add_parser(
            name,
            help=summary,
            description=summary,
            epilog=f"Example:\n  {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        add(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ddj`` console script.

    Everything the command writes, to stdout or stderr, passes through
    :func:`ddj.escaping.terminal` (:func:`_terminal_output`): text from a corpus
    or a server shows its control characters escaped, never drives the terminal.
    """
    with _terminal_output():
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "run", None):
            parser.print_help()
            return 2
        with warnings.catch_warnings():  # the process's filters and showwarning, restored on return
            warnings.simplefilter("default", DdjWarning)
            warnings.showwarning = _show_warning
            try:
                return _run(args)
            except Exception:  # a bug: its traceback may quote a corpus too, so it is escaped here
                traceback.print_exc()
                return 1


@contextmanager
def _terminal_output() -> Iterator[None]:
    """The one place the command writes: stdout and stderr escape control characters meanwhile.

    Its own lines, the library's summaries, warnings, log records, argparse's
    messages and printed tables all go through :class:`ddj.escaping.TerminalStream`;
    only the progress bar (ddj's own text) writes to the terminal as it is.
    """
    saved = sys.stdout, sys.stderr
    if sys.stdout is not None and not isinstance(sys.stdout, TerminalStream):
        sys.stdout = TerminalStream(sys.stdout, clean=scrub_credentials)
    if sys.stderr is not None and not isinstance(sys.stderr, TerminalStream):
        sys.stderr = TerminalStream(sys.stderr, clean=scrub_credentials)
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        sys.stdout, sys.stderr = saved


def _run(args: argparse.Namespace) -> int:
    """Run the parsed command; a DdjError or OSError becomes one line on stderr."""
    try:
        return int(args.run(args) or 0)
    except DdjError as exc:
        print(f"ddj {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file or folder the command could not use: one line, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"ddj {args.command}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"ddj {args.command}: interrupted", file=sys.stderr)
        return 130


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    if issubclass(category, DdjWarning):
        print(f"ddj: warning: {message}", file=sys.stderr)
    else:
        print(
            warnings.formatwarning(message, category, filename, lineno, line),
            file=sys.stderr,
            end="",
        )


if __name__ == "__main__":
    sys.exit(main())
