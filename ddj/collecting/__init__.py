"""Collect articles from the web and from web archives into a corpus.

:func:`collect` reads as its steps: check the arguments, discover candidates
(lists, feeds, sitemaps, front pages, WARC files: :mod:`ddj.collecting.discover`;
the captures Common Crawl's index and the Wayback Machine list, fetched record by
record: :mod:`ddj.collecting.ccindex`, :mod:`ddj.collecting.wayback`),
fetch them politely (:class:`~ddj.collecting.fetch.Fetcher`, settings in one
:class:`~ddj.collecting.fetch.FetchSettings`) into a resumable on-disk cache
(:class:`~ddj.collecting.cache.PageCache`) and extract each with
:func:`ddj.read_html` (:mod:`ddj.collecting.harvest`), build the corpus, save
it and print a summary. It returns the corpus together with a table of every
failure.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from itertools import compress
from pathlib import Path
from typing import Any

import pandas as pd

from ddj import params, warns
from ddj.cache import cache_dir as user_cache_dir
from ddj.collecting import ccindex
from ddj.collecting import wayback as wayback_machine
from ddj.collecting.archive import FAILURES, FileJob, run_files
from ddj.collecting.articles import as_corpus
from ddj.collecting.cache import PageCache
from ddj.collecting.cluster import client_of
from ddj.collecting.discover import Found, Sources, discover, listify, within_window
from ddj.collecting.fetch import Fetcher, FetchSettings
from ddj.collecting.harvest import Harvest, fetch_and_extract, triage
from ddj.collecting.indexed import Gathered, Indexed, Ledger
from ddj.collecting.remote import RemoteLimits
from ddj.collecting.sources import MAX_PAGES, SourceFailure
from ddj.collecting.warc import Wanted, compiled_pattern, warc_files
from ddj.constants import DEMO_LABEL
from ddj.corpus import DEMO_ATTR, conform, dedupe, empty
from ddj.errors import ParameterError
from ddj.escaping import terminal
from ddj.hostvalues import scrub_credentials, strip_credentials
from ddj.loading import SAVE_SUFFIXES, note_zones, refuse_existing, save
from ddj.outlets import held_labels, one_label_per_domain
from ddj.outlets import select as select_outlets
from ddj.pool import POOL_THRESHOLD
from ddj.store import is_store
from ddj.store import open as open_store
from ddj.utils import atomic_write, note_problems

__all__ = ["FAILURE_COLUMNS", "FetchSettings", "Fetcher", "PageCache", "collect", "failures_path"]

FAILURE_COLUMNS = ("url", "stage", "status", "reason", "attempts")


DateLike = str | date | datetime | pd.Timestamp | None


#: Longest ``url_pattern`` taken.
MAX_PATTERN = 1_000


def _url_pattern(value: Any) -> str | None:
    """A regular expression (RE2 syntax) a URL must contain a match of, or None.

    Examples
    --------
    >>> _url_pattern(r"/20(23|24)/"), _url_pattern("")
    ('/20(23|24)/', None)
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value)
    try:
        if len(text) > MAX_PATTERN:
            raise ValueError(f"longer than {MAX_PATTERN} characters")
        compiled_pattern(text)
    except Exception as exc:  # noqa: BLE001 - re2.error, or a pattern too large for RE2's memory
        msg = (
            f"url_pattern={text[:80]!r} is not a regular expression ddj takes ({exc}). "
            r"Give one like '/news/' or '/20(23|24)/\d\d/' (RE2 syntax, no look-arounds)."
        )
        raise ParameterError(msg) from None
    return text


def collect(
    urls: str | os.PathLike | list[str] | None = None,
    *,
    feeds: str | list[str] | None = None,
    sitemaps: str | list[str] | None = None,
    sites: str | list[str] | None = None,
    warcs: str | os.PathLike | list[str | os.PathLike] | None = None,
    domains: str | list[str] | None = None,
    url_pattern: str | None = None,
    since: DateLike = None,
    until: DateLike = None,
    cache_dir: str | os.PathLike | None = None,
    refresh: bool = False,
    corpus: pd.DataFrame | None = None,
    out: str | os.PathLike | None = None,
    overwrite: bool = False,
    fetch: FetchSettings | None = None,
    workers: int = 8,
    extract_workers: int | None = None,
    max_sections: int = 30,
    max_pages: int = MAX_PAGES,
    dry_run: bool = False,
    progress: bool | None = None,
    quiet: bool = False,
    client: Any = None,
    outlets: Any = None,
    cc_index: str | None = None,
    cc_index_table: str | os.PathLike | None = None,
    wayback: bool = False,
    cc_index_url: str | None = None,
    cc_data_url: str | None = None,
    wayback_url: str | None = None,
    **fetch_options: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build (or extend) a corpus from the web and from web archives.

    Parameters
    ----------
    urls
        Article URLs: a list, or a text file with one URL a line.
    feeds
        RSS or Atom feed URLs; an entry's date fills ``published`` (with
        ``published_from="feed"``) when the page itself gives none, or only the
        day in its URL.
    sitemaps
        XML sitemap URLs: plain, gzipped, sitemap indexes and Google News
        sitemaps. Entries dated outside ``since``/``until`` are not fetched; a
        ``news:publication_date`` is used like a feed date (a ``lastmod`` only
        filters: it is the date of the last change, not of publication).
    sites
        Front pages: the articles they and their section pages link to.
    warcs
        WARC or WARC.gz files, globs (``crawl/*.warc.gz``) or ``https://`` and
        ``s3://`` (anonymous) URLs; their HTML responses are extracted, nothing
        is fetched. Into a store (``out=`` a folder) the files are collected
        side by side on all cores (or on a Dask cluster, ``client=``), each
        finished file recorded in the store's ``_manifest.jsonl``: a rerun
        resumes at the next file, nothing counted twice.
    domains
        Keep only WARC records of these registered domains, subdomains
        included (``"bbc.co.uk"`` keeps ``news.bbc.co.uk``). Judged on the
        record's ``WARC-Target-URI`` before its payload is read, so the other
        records cost almost nothing.
    url_pattern
        Keep only WARC records whose URL contains a match of this regular
        expression (RE2 syntax), judged like ``domains``.
    outlets
        Collect only the articles of these outlets: a group name
        (``"uk-national"``), a list of group names and registered domains, or
        the path of a groups file (:func:`ddj.outlets.select`). Other outlets'
        articles are not fetched, and their WARC records are skipped unread
        (unless ``domains`` is given).
    since, until
        Keep articles published in ``[since, until]`` (dates or ISO strings, UTC
        when naive; a bare ``until`` date includes that whole day). Articles with
        no date at all are kept. WARC records captured more than a day before
        ``since`` are skipped unread (``WARC-Date`` is the capture time: a page
        is not captured before it is published); none is skipped for its capture
        after ``until`` (archives capture old pages again).
    cache_dir
        Where raw pages are kept (default: ``pages`` in the ddj cache folder). A
        rerun fetches nothing already fetched, so an interrupted run resumes.
        Feeds, sitemaps and front pages are read again on every run (they
        change); transient failures (timeouts, 429, 5xx) are tried again.
    refresh
        Fetch every page again, even those in the cache.
    corpus
        An existing corpus to extend; repeated URLs are dropped (first kept).
    out
        Save the corpus here (``.parquet``, ``.csv``, ``.jsonl``) and the failures
        beside it (``<name>.failures.csv``). Parquet keeps the synthetic demo
        data label (see Returns). A folder (a name without one of those
        endings) is a store: the articles it does not hold are added to it
        (:func:`ddj.save` with ``append=True``; collecting the same articles
        again adds nothing), the failures go into its ``_failures/`` folder,
        and the corpus returned is ``ddj.open(out)``.
    overwrite
        Replace the corpus file ``out`` when it exists. Without it, an
        existing file is refused before anything is fetched (to add to it, pass
        ``corpus=ddj.load(out)`` and ``overwrite=True``). A store is only ever
        added to.
    fetch
        How to fetch: a :class:`~ddj.collecting.fetch.FetchSettings` (rate,
        contact, robots, timeouts, deadline, retries, size and address limits).
    **fetch_options
        Any field of :class:`~ddj.collecting.fetch.FetchSettings` as a keyword,
        replacing that of ``fetch``: ``rate=2`` (requests per second per host,
        default 1; ``None`` lifts the limit), ``contact="desk@example.org"``
        (put in the User-Agent, ``ddj/VERSION (+contact)``), ``robots=False``
        (only for sites that allow you to), ``deadline=60`` (seconds one page
        may take in all, however slowly the server sends it; past it the page
        is a failure, "took longer than"), ``allow_private=True`` (let feeds,
        sitemaps, pages and redirects lead to loopback, private, link-local and
        other non-public addresses; by default only the hosts of the URLs,
        feeds, sitemaps and sites you pass may be on such addresses),
        ``connect_timeout``, ``read_timeout``, ``retries``, ``backoff``,
        ``max_retry_after``, ``max_bytes``, ``max_redirects``;
        ``warc_max_bytes`` (largest remote WARC file copied, default 2 GB) and
        ``warc_deadline`` (seconds one remote WARC file may take in all, default
        1,800): a remote file past either, cut short, or redirected to a
        private address is a failure row, and the other files are read.
    workers
        Hosts fetched at the same time (each host is asked one request at a time).
    extract_workers
        Processes that extract pages (default: one per CPU) when there are at
        least ``ddj.pool.POOL_THRESHOLD`` (24) pages; ``1`` keeps extraction in this process.
    connect_timeout, read_timeout, retries, backoff, max_retry_after, max_bytes, max_redirects
        Fetcher limits; see :class:`ddj.collecting.fetch.Fetcher`.
    deadline
        Seconds one page may take in all (default 60), however slowly the
        server sends it; past it the page is a failure ("took longer than").
    max_sections
        Section pages followed per front page.
    max_pages
        Article URLs that feeds, sitemaps and front pages may list in all
        (default 50,000; URL lists and WARC files are not counted). A sitemap
        walk also reads at most ``ddj.collecting.sources.MAX_SITEMAPS`` sitemaps.
        Each limit reached is a failure row saying what was left out.
    dry_run
        Discover (feeds, sitemaps and front pages are read) but fetch no article:
        return the plan (``url``, ``origin``, ``hint``, ``cached``) and the failures.
    progress
        Show a progress bar (default: when a person watches, in a terminal or
        a Jupyter kernel; see :func:`ddj.utils.progress_bar`).
    quiet
        Do not print the summary.
    cc_index
        A Common Crawl crawl (``"CC-MAIN-2024-42"``): its URL index lists the
        captures of ``domains`` (subdomains included, HTML, status 200, captured from
        a day before ``since``), and only those WARC records are fetched, by
        HTTP range request, and read as a WARC file's records are. Each index
        page and each range done is a line of ``archives.jsonl`` in
        ``cache_dir``: a rerun fetches only what is missing. At most
        :data:`ddj.collecting.cdx.MAX_INDEX_PAGES` index pages a domain; past
        them a failure row and a counted warning say how many are left.
    cc_index_table
        Common Crawl's columnar URL index instead of its CDX API: a Parquet
        file or folder, local or ``s3://`` (anonymous), with its documented
        columns (``url``, ``url_host_registered_domain``, ``fetch_time``,
        ``warc_filename``, ``warc_record_offset``, ``warc_record_length``,
        ``fetch_status``, ``content_mime_detected``; ``crawl`` is matched to
        ``cc_index`` when both are given). It is read by predicate (the
        domains, status 200, HTML), never whole; the records are fetched by
        range as with ``cc_index``. Checked by :func:`ddj.params.cc_index_table`
        (CLI ``--cc-index-table``).
    wayback
        List the Wayback Machine's captures of ``domains`` captured from a day
        before ``since`` to ``until`` (one per distinct content), every page
        of the listing by resume key (each a line of ``archives.jsonl``, at
        most :data:`ddj.collecting.cdx.MAX_INDEX_PAGES` a domain), and fetch
        each URL's first capture as archived (``id_``). The capture time is
        not a publication date: a page dated after its capture is a failure
        row, an undated page stays undated.
    cc_index_url, cc_data_url, wayback_url
        The services' addresses (default: ``$DDJ_CC_INDEX_URL``,
        ``$DDJ_CC_DATA_URL``, ``$DDJ_WAYBACK_URL``, else
        https://index.commoncrawl.org, https://data.commoncrawl.org,
        https://web.archive.org): mirrors, or local servers in tests. Only
        these may be on private addresses unless ``allow_private=True``.
    client
        A ``dask.distributed.Client`` (or a scheduler's address): each WARC
        file is one task on the cluster, its workers writing their parts into
        ``out``, a store folder they all reach. A task whose worker is lost is
        run again; nothing is added twice. Only WARC files run on a cluster.

    Returns
    -------
    corpus, failures : tuple of DataFrame
        The corpus in ddj's schema, in the order the articles
    were found, and a DataFrame with one row per failed URL (``url``, ``stage``
    of ``fetch``, ``extract``, ``feed``, ``sitemap``, ``site`` or ``warc``,
    ``status``, ``reason``, ``attempts``).

    When any WARC read declares itself ddj's synthetic demo data (its
    ``warcinfo`` record has a ``ddj-demo`` field, as :func:`ddj.demo.demo_warc`
    writes), or ``corpus`` is labelled so, the corpus is too:
    ``attrs["ddj_demo"] == "synthetic demo data"``, even when other sources
    were collected with it, so every chart and table built from it says so.

    A ``user:password@`` part of any URL is removed (never stored in the
    corpus, the cache or the failures; ddj never sends it) with one
    :class:`ddj.errors.DdjWarning` counting the URLs.

    Raises
    ------
    ParameterError
        No source given, a limit that makes no sense, or an unknown fetch option.
    InputError
        A URL list or WARC file that does not exist, or ``out`` a file that
        exists without ``overwrite=True``.

    Examples
    --------
    From a web archive (here the synthetic demo one), keeping one month:

    >>> import ddj
    >>> corpus, failures = ddj.collect(warcs=[ddj.demo.demo_warc(n=300)],
    ...                                since="2024-10-01", until="2024-10-31", quiet=True)
    >>> corpus["published"].dropna().dt.month.unique().tolist()
    [10]
    >>> failures[["stage", "reason"]].to_dict("records")  # the demo archive holds one empty capture
    [{'stage': 'extract', 'reason': 'the page is empty (0 bytes or only white space); save it again'}]

    From the web it reads the same, with ``feeds=``, ``sitemaps=``, ``sites=`` or
    ``urls=`` and a ``contact=`` for the User-Agent; ``failures`` then lists every URL
    that could not be fetched, with its reason.
    """
    settings = FetchSettings.of(fetch, **fetch_options)
    start, end = _check(since, until, workers=workers, max_pages=max_pages)
    if out is not None and not dry_run and not overwrite and not is_store_name(out):
        refuse_existing(
            out, "pass overwrite=True to replace it (with corpus=ddj.load(out) to add to it)"
        )
    chosen = select_outlets(outlets)  # outlets=: its domains are those of the WARC records read
    domains = params.domains(domains) or (chosen.every_domain if chosen else None)
    wanted = Wanted.of(domains=domains, since=start,
                       url_pattern=_url_pattern(url_pattern))  # fmt: skip
    indexed = Indexed.of(cc_index=cc_index, wayback=wayback, domains=domains, wanted=wanted,
                         start=start, end=end, cc_index_url=cc_index_url,
                         cc_data_url=cc_data_url, wayback_url=wayback_url,
                         cc_index_table=cc_index_table)  # fmt: skip
    remote = RemoteLimits.of(settings, listify(warcs))  # the hosts of the WARC URLs are trusted
    files = warc_files(warcs, remote) if warcs is not None else None
    if indexed.given and dry_run:
        message = ("dry_run=True: cc_index= and wayback= have no dry run (listing their captures "
                   "is most of the work); collect into a new cache_dir= to try them")  # fmt: skip
        raise ParameterError(message)
    if indexed.given and urls is None:  # the indexes are sources too
        urls = []
    if not indexed.given and _archive_run(urls, feeds, sitemaps, sites, files, out=out,
                                          client=client, dry_run=dry_run):  # fmt: skip
        archive = ArchiveJobs(files, out, wanted, start, end, settings.max_bytes, extract_workers,
                              remote)  # fmt: skip
        return _collect_archive(archive, corpus=corpus, client=client, progress=progress,
                                quiet=quiet)  # fmt: skip
    sources = Sources.of(urls, feeds, sitemaps, sites, files)
    root = Path(cache_dir) if cache_dir is not None else _default_cache() / "pages"
    fetcher = Fetcher(settings, pool_size=workers, trusted=sources.hosts() + indexed.hosts(),
                      state_dir=root / "hosts")  # fmt: skip
    cache = PageCache(root)
    try:
        found = discover(fetcher, sources, since=start, workers=workers, wanted=wanted,
                         max_sections=max_sections, max_pages=max_pages)  # fmt: skip
        gathered = _gather_indexed(fetcher, cache, root, indexed, refresh=refresh)
        found.candidates += gathered.candidates
        found.failures += gathered.failures
        sources.removed += sum(c.had_credentials for c in found.candidates)
        plan, outside = within_window(found.candidates, start, end)
        if chosen is not None:  # outlets=: other outlets' articles are not fetched
            plan = list(compress(plan, chosen.contains_urls(c.url for c in plan)))
        if dry_run:
            return _dry_run(plan, found, cache, refresh=refresh, outside=outside, quiet=quiet)
        work = triage(cache, plan, refresh=refresh)
        harvest = fetch_and_extract(
            fetcher, cache, plan, work, refresh=refresh, workers=workers,
            processes=extract_workers if extract_workers is not None else (os.cpu_count() or 1),
            pooled=work.pages >= POOL_THRESHOLD, progress=progress,
        )  # fmt: skip
        harvest = _bounded_by_capture(harvest, gathered)
    finally:
        cache.close()
        sources.warn_credentials(fetcher.credentials_removed)
        fetcher.warn_ignored(stacklevel=2)  # values hosts sent that could not be read, counted
    result, dropped = _build_corpus(harvest, start, end, corpus, demo=found.demo)
    failures = _failures_frame([_as_row(f) for f in found.failures] + harvest.failures)
    _save(result, failures, out)
    if not quiet:
        _summary(result, failures, len(plan), harvest.fetched, outside, dropped)
    return result, failures


def _gather_indexed(fetcher, cache, root: Path, indexed: Indexed, *, refresh: bool) -> Gathered:
    """The pages of Common Crawl's index and of the Wayback Machine, one request at a time."""
    gathered = Gathered()
    if not indexed.given:
        return gathered
    ledger = Ledger(cache, root, refresh=refresh)
    for source, asked in (
        (ccindex, indexed.common_crawl),
        (wayback_machine, indexed.wayback),
    ):
        if asked:
            got = source.gather(fetcher, ledger, indexed)
            gathered.candidates += got.candidates
            gathered.failures += got.failures
            gathered.cut += got.cut
            if source is wayback_machine:  # only an archived page's capture bounds its date
                gathered.captured.update(got.captured)
    gathered.fetched = ledger.fetched
    if gathered.cut:  # a listing stopped at its bound: counted, and each a failure row
        warnings.warn(warns.listing_cut(gathered.cut), stacklevel=3)
    return gathered


def _bounded_by_capture(harvest: Harvest, gathered: Gathered) -> Harvest:
    """Wayback pages dated after their capture are failure rows (the capture bounds the date).

    The archives' requests made now count as fetched.
    """
    kept, refused = harvest.records, []
    if gathered.captured:
        kept, refused = wayback_machine.after_capture(harvest.records, gathered.captured)
    return Harvest(kept, harvest.failures + refused, harvest.fetched + gathered.fetched)


def failures_path(out: str | os.PathLike) -> Path:
    """Where the failures of a corpus saved at ``out`` are written.

    Examples
    --------
    >>> failures_path("out/corpus.parquet").as_posix()
    'out/corpus.failures.csv'
    """
    path = Path(out)
    name = path.name
    for suffix in (".csv.gz", ".parquet", ".csv", ".jsonl"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return path.with_name(name + ".failures.csv")


# -- the steps ---------------------------------------------------------------------------------
def is_store_name(out: str | os.PathLike) -> bool:
    """Whether ``out`` names a store folder rather than a corpus file.

    Examples
    --------
    >>> is_store_name("out/store"), is_store_name("out/corpus.parquet")
    (True, False)
    """
    path = Path(out)
    return path.is_dir() or (not path.name.lower().endswith(SAVE_SUFFIXES) and not path.suffix)


def _archive_run(urls, feeds, sitemaps, sites, files, *, out, client, dry_run: bool) -> bool:
    """Whether this is a run of WARC files alone into a store (file by file, resumable).

    Raises
    ------
    ParameterError
        ``client=`` without WARC files alone, or without a store to write into.
    """
    alone = files is not None and all(x is None for x in (urls, feeds, sitemaps, sites))
    into_store = out is not None and is_store_name(out) and not dry_run
    if client is not None and not (alone and into_store):
        message = (
            "client=: a cluster collects WARC files alone (no urls, feeds, sitemaps or sites), "
            "each task writing into the store: give warcs= and out= a store folder all the "
            "workers can reach"
        )
        raise ParameterError(message)
    return alone and into_store


def _collect_archive(archive: ArchiveJobs, *, corpus, client, progress, quiet: bool):
    """Collect WARC files into a store, file by file; ``(ddj.open(store), failures)``."""
    if corpus is not None:
        message = "corpus=: a store is extended by collecting into it again; leave corpus= out"
        raise ParameterError(message)
    dask_client, ours = client_of(client)
    try:
        run = run_files(archive.jobs(), workers=archive.workers, client=dask_client,
                        progress=progress)  # fmt: skip
    finally:
        if ours:
            dask_client.close()
    _warn_outside(sum(r.get("outside", 0) for r in run.rows))
    notes: dict[str, int] = {}
    for row in run.rows:
        for kind, n in (row.get("notes") or {}).items():
            notes[kind] = notes.get(kind, 0) + n
    if notes:  # what conform said in the workers, once for the run
        warnings.warn(warns.read_notes(notes, archive.out), stacklevel=3)
    if not quiet:
        _archive_summary(run)
    return archive.opened(), run.failures


@dataclass(frozen=True)
class ArchiveJobs:
    """The WARC files of a run into a store, and what every file's task is told."""

    files: list[str]
    out: str | os.PathLike
    wanted: Wanted
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    max_bytes: int
    extract_workers: int | None
    remote: RemoteLimits

    @property
    def workers(self) -> int:
        """Processes sharing the files (default: one per CPU)."""
        return self.extract_workers if self.extract_workers is not None else os.cpu_count() or 1

    def jobs(self) -> list:
        """One :class:`~ddj.collecting.archive.FileJob` per file."""
        store = str(Path(self.out).expanduser().resolve())
        return [FileJob(f, store, self.wanted, self.start, self.end, self.max_bytes,
                        remote=self.remote) for f in self.files]  # fmt: skip

    def opened(self) -> Any:
        """The store, opened lazily (an empty corpus when nothing was written to it)."""
        return open_store(self.out) if is_store(self.out) else empty()


def _warn_outside(outside: int) -> None:
    if outside:
        warnings.warn(warns.outside_window([], outside), stacklevel=4)


def _archive_summary(run) -> None:
    total = {k: sum(r.get(k, 0) for r in run.rows) for k in ("records", "kept", "articles")}
    print(
        f"collected {total['articles']:,} article(s) from {len(run.rows)} WARC file(s) "
        f"({run.skipped} done before, taken from the manifest): {total['records']:,} response "
        f"record(s), {total['kept']:,} kept by the filter; {len(run.failures)} failure(s)"
    )
    if len(run.failures):
        top = run.failures.groupby(["stage", "reason"]).size().sort_values(ascending=False).head(8)
        print(
            "\n".join(
                f"  {n:5d}  {stage}: {terminal(reason, lines=False)}"
                for (stage, reason), n in top.items()
            )
        )


def _check(since: DateLike, until: DateLike, *, workers: int, max_pages: int):
    """The UTC bounds of ``since``/``until``, once every limit is checked."""
    for name, value in (("workers", workers), ("max_pages", max_pages)):
        if value < 1:
            message = f"{name}={value!r}: give 1 or more"
            raise ParameterError(message)
    start, end = _bound(since, "since", end=False), _bound(until, "until", end=True)
    if start is not None and end is not None and start > end:
        message = f"since={since!r} is after until={until!r}: swap them"
        raise ParameterError(message)
    return start, end


def _default_cache() -> Path:
    return user_cache_dir()


def _dry_run(plan, found: Found, cache: PageCache, *, refresh: bool, outside: int, quiet: bool):
    """The plan (``url``, ``origin``, ``hint``, ``cached``) and the source failures."""
    frame = pd.DataFrame(
        {
            "url": pd.Series([c.url for c in plan], dtype="str"),
            "origin": pd.Series([c.origin for c in plan], dtype="str"),
            "hint": pd.Series([c.hint for c in plan], dtype="datetime64[us, UTC]"),
            "cached": [
                c.body is not None or (not refresh and cache.get(c.url) is not None) for c in plan
            ],
        }
    )
    failures = _failures_frame([_as_row(f) for f in found.failures])
    if not quiet:
        print(f"dry run: {len(frame)} article(s) found, {int((~frame['cached']).sum())} to fetch, "
              f"{outside} outside since/until, {len(failures)} source failure(s)")  # fmt: skip
    return frame, failures


def _build_corpus(harvest: Harvest, start, end, corpus: pd.DataFrame | None, *, demo: bool):
    """The records as a corpus (extending ``corpus``), deduplicated, labelled; and how many were dropped."""
    with warnings.catch_warnings(record=True) as caught:  # re-raised below, at the caller's line
        warnings.simplefilter("always")
        result, dropped = _to_corpus(harvest.records, start, end)
        if corpus is not None:  # a domain the corpus holds keeps its outlet label
            old = conform(corpus)
            result = one_label_per_domain(result, held=held_labels([old]))
            result = dedupe(pd.concat([old, result], ignore_index=True))
        elif len(result):
            result = dedupe(result)
    for caught_warning in caught:
        warnings.warn(caught_warning.message, stacklevel=3)
    if demo or (corpus is not None and corpus.attrs.get(DEMO_ATTR)):
        result.attrs[DEMO_ATTR] = DEMO_LABEL  # any synthetic demo data in: the output says so
    return result, dropped


def _save(result: pd.DataFrame, failures: pd.DataFrame, out: str | os.PathLike | None) -> None:
    if out is None:
        return
    if is_store_name(out):
        save(result, out, append=True)  # what the store holds already is left out, counted
        folder = Path(out) / FAILURES
        folder.mkdir(exist_ok=True)
        name = f"collect-{pd.Timestamp.now(tz='UTC'):%Y%m%dT%H%M%S%f}.csv"
        atomic_write(folder / name, lambda tmp: failures.to_csv(tmp, index=False))
        return
    save(result, out, overwrite=True)  # checked before collecting: overwrite=True was given
    atomic_write(failures_path(out), lambda tmp: failures.to_csv(tmp, index=False))


# -- results -------------------------------------------------------------------------------------
def _to_corpus(records: list[dict], start, end) -> tuple[pd.DataFrame, int]:
    """The records as a corpus, without those published outside [start, end] (counted)."""
    corpus, outside = as_corpus(records, start, end)
    corpus = one_label_per_domain(corpus)  # one outlet label per registered domain
    zones = {r["url"]: r["dates_set_aside"] for r in records if r.get("dates_set_aside")}
    corpus = note_zones(corpus, zones, key="url", undated=True)  # dates in zones ddj cannot place
    return note_problems(corpus, outside, warns.outside_window(outside)), len(outside)


def _as_row(f: SourceFailure) -> dict:
    return {
        "url": f.url,
        "stage": f.stage,
        "status": f.status,
        "reason": f.reason,
        "attempts": f.attempts,
    }


def _failures_frame(rows: list[dict]) -> pd.DataFrame:
    """The failure rows as written and returned: no ``user:password@`` in a URL or a reason."""
    frame = pd.DataFrame(rows, columns=list(FAILURE_COLUMNS))
    frame["url"] = frame["url"].map(strip_credentials, na_action="ignore")
    frame["reason"] = frame["reason"].map(scrub_credentials, na_action="ignore")
    return frame.astype(
        {"url": "str", "stage": "str", "status": "Int64", "reason": "str", "attempts": "Int64"}
    )


def _bound(value: DateLike, name: str, *, end: bool) -> pd.Timestamp | None:
    return params.moment(value, name, end=end)  # one date parser and wording: ddj.params


def _summary(corpus, failures, found, fetched, outside, dropped) -> None:
    lines = [
        f"collected {len(corpus)} article(s) from {found + outside} URL(s) found "
        f"({fetched} fetched now, the rest from the cache or archives); "
        f"{outside + dropped} published outside since/until ({outside} of them not fetched, "
        f"dated by their feed or sitemap); {len(failures)} failure(s)"
    ]
    if len(failures):
        top = failures.groupby(["stage", "reason"]).size().sort_values(ascending=False).head(8)
        lines += [
            f"  {n:5d}  {stage}: {terminal(reason, lines=False)}"
            for (stage, reason), n in top.items()
        ]
    print("\n".join(lines))
