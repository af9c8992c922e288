"""Every warning ddj gives, each written once: a function builds its message and carries its report.

As agate's ``warns.py``: a step that drops, skips, repairs or leaves out rows
calls the function of its kind here, which returns the warning (a
:class:`~ddj.errors.DroppedRowsWarning` carrying the problem records, or a
:class:`~ddj.errors.DdjWarning` for a decision or a repair) for the caller to
issue, at its own ``stacklevel``. The words live here and nowhere else, so a
frame and a store, the CLI and a notebook say the same thing. Each warning has
a ``kind``: the :data:`ddj.problem_rows.KINDS` kind of the rows it counts, or
``note`` for a decision ddj took.

This module imports nothing of ddj's but its errors: every other module may import it.

Examples
--------
>>> w = duplicates([{"source": "b.html", "reason": "duplicate of a", "kind": "duplicate"}])
>>> str(w)[:33], len(w.report), w.kind
('Dropped 1 duplicate article(s) (s', 1, 'duplicate')
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from ddj.errors import DdjWarning, DroppedRowsWarning, QueryLintWarning

_LISTED = "ddj.problems(corpus) lists them"


def _dropped(kind: str, message: str, report: Iterable[dict] = ()) -> DroppedRowsWarning:
    warning = DroppedRowsWarning(message, list(report))
    warning.kind = kind
    return warning


def _note(kind: str, message: str, report: Iterable[dict] = ()) -> DdjWarning:
    warning = DdjWarning(message)
    warning.kind, warning.report = kind, list(report)
    return warning


# -- rows dropped or kept without a value ------------------------------------------------------


def duplicates(report: list[dict]) -> DroppedRowsWarning:
    """Repeated articles dropped by ``corpus.dedupe`` (one record each)."""
    msg = (
        f"Dropped {len(report)} duplicate article(s) (same URL once scheme, 'www.', "
        f"tracking parameters and fragments are removed); {_LISTED}."
    )
    return _dropped("duplicate", msg, report)


def skipped_rows(report: list[dict]) -> DroppedRowsWarning:
    """Table rows or files that could not be read, three of them named."""
    shown = "; ".join(f"{p['source']}: {p['reason']}" for p in report[:3])
    more = f" and {len(report) - 3} more" if len(report) > 3 else ""
    msg = (
        f"Skipped {len(report)} table row(s) or file(s) that could not be read ({shown}{more}); "
        "ddj.problems(corpus) lists them."
    )
    return _dropped("unreadable", msg, report)


def skipped_pages(report: list[dict], pages: int) -> DroppedRowsWarning:
    """Pages of ``pages`` that gave no article."""
    msg = (
        f"Skipped {len(report)} of {pages} page(s) that gave no article "
        "(see ddj.problems(corpus) for which and why)."
    )
    return _dropped("unreadable", msg, report)


#: How the undated warning names each kind of date problem.
UNDATED_WORDS = {
    "undated": "with none",
    "bad-date": "unparseable",
    "unknown-timezone": "in a time zone ddj does not know",
    "implausible-date": "implausible",
}


def undated(report: list[dict], total: int) -> DroppedRowsWarning:
    """Articles kept without a date, counted by the kind of each record (:data:`UNDATED_WORDS`)."""
    kinds = Counter(p.get("kind", "undated") for p in report)
    why = ", ".join(f"{n} {UNDATED_WORDS.get(k, k)}" for k, n in kinds.most_common())
    msg = (
        f"{len(report)} of {total} article(s) have no publication date ({why}); they are kept "
        "(published is NaT) but left out of coverage counts. ddj.problems(corpus) lists them."
    )
    return _dropped("undated", msg, report)


def unknown_zones(report: list[dict], zones: Iterable[str]) -> DroppedRowsWarning:
    """Pages whose date names a time zone ddj does not know (``zones``): that date set aside."""
    msg = (
        f"{len(report)} page(s) give a date in a time zone ddj does not know ({', '.join(zones)}): "
        "that date was set aside and another of the page's signals used, if it had one (see "
        "ddj.problems(corpus) for which)."
    )
    return _dropped("unknown-timezone", msg, report)


def not_counted(undated: int, rows: int, report: list[dict] | None = None) -> DroppedRowsWarning:
    """Articles a count leaves out for want of a date: ``undated`` of ``rows``.

    Examples
    --------
    >>> str(not_counted(2, 5))
    '2 of 5 article(s) have no publication date and are not counted (ddj.problems(corpus) lists them).'
    """
    msg = (
        f"{undated} of {rows} article(s) have no publication date and are not "
        "counted (ddj.problems(corpus) lists them)."
    )
    return _dropped("undated", msg, report or [])


def outside_window(report: list[dict], count: int | None = None) -> DroppedRowsWarning:
    """Collected articles published outside ``since``/``until`` (``count`` when not all are listed)."""
    n = len(report) if count is None else count
    msg = (
        f"Dropped {n} collected article(s) published outside since/until; "
        "widen since= or until= to keep them."
    )
    return _dropped("outside-window", msg, report)


def url_file_rows(report: list[dict], where: str) -> DroppedRowsWarning:
    """Rows of a URL file (``where``) that were not used."""
    msg = (
        f"{len(report)} row(s) of the URL file {where} were not used "
        "(see ddj.problems(corpus) for which and why); those pages take their address from the page."
    )
    return _dropped("not-found", msg, report)


def left_out(
    report: list[dict],
    types: Mapping[str, int],
    unsure: int,
    rows: int,
    min_confidence: str | None,
) -> DroppedRowsWarning:
    """Rows a count leaves out: ``types`` (page type: rows) not articles, ``unsure`` dates, of ``rows``.

    Examples
    --------
    >>> str(left_out([], {"paywall": 1, "index": 2}, 0, 9, None))
    "Left out 3 page(s) that are not articles (2 index, 1 paywall; ddj.problems(corpus) lists them, pages='all' counts them), of 9 row(s)."
    """
    parts = []
    if types:
        shown = sorted(types.items(), key=lambda kv: -kv[1])  # most first; ties as given
        each = ", ".join(f"{k} {kind}" for kind, k in shown)
        parts.append(
            f"{sum(types.values())} page(s) that are not articles ({each}; {_LISTED}, "
            "pages='all' counts them)"
        )
    if unsure:
        parts.append(
            f"{unsure} whose publication date is less sure than min_confidence={min_confidence!r}"
        )
    kind = "not-an-article" if types else "unsure-date"
    return _dropped(kind, f"Left out {' and '.join(parts)}, of {rows} row(s).", report)


def held_in_store(report: list[dict], held: int, repeated: int, folder: Any) -> DroppedRowsWarning:
    """Articles an append to the store ``folder`` left out: ``held`` already, ``repeated`` in the batch."""
    said = []
    if held:
        said.append(f"{held} article(s) the store {folder} holds already")
    if repeated:
        said.append(f"{repeated} given twice in this batch")
    msg = (
        f"Left out {' and '.join(said)} (same id); "
        f"ddj.problems(ddj.open({str(folder)!r})) lists them."
    )
    return _dropped("already-held", msg, report)


def held_in_file(report: list[dict], path: Any) -> DroppedRowsWarning:
    """Articles an append to the file ``path`` left out as held already."""
    msg = f"Left out {len(report)} article(s) {path} holds already (same id); {_LISTED}."
    return _dropped("already-held", msg, report)


def store_unread(report: list[dict], repeats: int, unread_parts: int) -> DroppedRowsWarning:
    """What a read of a store leaves out: ``repeats`` read once, ``unread_parts`` damaged or misplaced."""
    said = []
    if repeats:
        said.append(f"{repeats:,} repeated article(s) (same id) read once")
    if unread_parts:
        said.append(f"{unread_parts:,} damaged or misplaced file(s) not read")
    msg = f"The store holds {' and '.join(said)}; ddj.problems(store) lists them."
    return _dropped("already-held" if repeats else "unreadable", msg, report)


def read_notes(notes: Mapping[str, int], store: Any) -> DdjWarning:
    """What reading the records of a collection into ``store`` found, by kind (conform's warnings).

    Examples
    --------
    >>> str(read_notes({"unknown-value": 2, "repaired": 1}, "st"))[:72]
    'Collecting into st, ddj warned 3 time(s) about the records: 2 unknown-va'
    """
    each = ", ".join(f"{n} {kind}" for kind, n in notes.items())
    msg = (
        f"Collecting into {store}, ddj warned {sum(notes.values())} time(s) about the records: "
        f"{each} (values read otherwise or repaired); ddj.problems(ddj.open({str(store)!r})) "
        "lists them."
    )
    return _note("note", msg)


def chart_cut(report: list[dict], message: str) -> DroppedRowsWarning:
    """Labels and titles a chart or page cut to fit, and events it left out (``message`` says which)."""
    return _dropped("note", message, report)


# -- values read otherwise, repaired, or decided -----------------------------------------------


def unknown_language(report: list[dict], rows: int, examples: Iterable[Any]) -> DdjWarning:
    """Rows whose language is not an ISO 639-1 code ddj can read (left empty)."""
    shown = ", ".join(repr(v) for v in examples)
    msg = (
        f"{rows} row(s) have a language ddj cannot read as an ISO 639-1 code "
        f"({shown}); their language is left empty. Write codes such as 'en', 'de', 'zh'."
    )
    return _note("unknown-value", msg, report)


def unknown_value(
    report: list[dict],
    column: str,
    rows: int,
    examples: Iterable[Any],
    allowed: Iterable[str],
    instead: str,
) -> DdjWarning:
    """Rows whose ``column`` holds a value ddj does not know (read as ``instead``)."""
    shown = ", ".join(repr(v) for v in examples)
    msg = (
        f"{rows} row(s) have a {column} ddj does not know ({shown}); read as {instead}. "
        f"Use one of {', '.join(allowed)}."
    )
    return _note("unknown-value", msg, report)


def surrogates(report: list[dict], cells: int) -> DdjWarning:
    """Text cells that held lone surrogates, replaced by U+FFFD."""
    msg = (
        f"{cells} text cell(s) held lone surrogates (broken UTF-16, not text any file can "
        "hold); each was replaced by U+FFFD. Fix the source's encoding to keep them."
    )
    return _note("repaired", msg, report)


def listing_cut(report: list[dict]) -> DdjWarning:
    """Index listings (Common Crawl's, the Wayback Machine's) stopped at their page bound, each a row.

    Examples
    --------
    >>> str(listing_cut([{"source": "a.example", "reason": "stopped after 2 pages; 3 pages left"}]))
    'The index listing of 1 domain(s) stopped at its bound (a.example: stopped after 2 pages; 3 pages left): the captures past it were not listed or fetched (the failures list each). Narrow since/until, or collect the window in parts.'
    """
    first = f"{report[0]['source']}: {report[0]['reason']}"
    more = f"; and {len(report) - 1} more" if len(report) > 1 else ""
    msg = (
        f"The index listing of {len(report)} domain(s) stopped at its bound ({first}{more}): "
        "the captures past it were not listed or fetched (the failures list each). "
        "Narrow since/until, or collect the window in parts."
    )
    return _note("note", msg, report)


def credentials(report: list[dict], urls: int, *, collected: bool = False) -> DdjWarning:
    """URLs whose ``user:password@`` part was removed (``collected``: in a whole collection)."""
    msg = f"removed the user:password part of {urls} URL(s): ddj never stores credentials"
    if collected:
        msg += " (in the corpus, the cache or the failures) and never sends them"
    else:
        msg += "."
    return _note("repaired", msg, report)


def host_values(ignored: Mapping[str, int]) -> DdjWarning:
    """Values hosts sent that ddj could not read or had to bound, counted by what they were."""
    counts = ", ".join(f"{what} {n}" for what, n in sorted(ignored.items()))
    msg = (
        f"hosts sent {sum(ignored.values())} value(s) ddj could not read or had to bound "
        f"({counts}): an unreadable value was ignored (the backoff, the rate, the body read "
        "under max_bytes were used instead), one out of bounds was taken at its bound"
    )
    return _note("note", msg)


def relabelled(changes: Mapping[tuple[str, str], int]) -> DdjWarning:
    """Outlet names a corpus gave that ddj replaced by its site's one label: ``{(given, now): rows}``.

    Examples
    --------
    >>> str(relabelled({("IT PRO", "ITProPortal"): 11}))
    "Outlet names made one per site: 11 row(s) renamed ('IT PRO' -> 'ITProPortal' 11). The commonest name of a site's rows is its label; give every row of a site the name you want to choose it."
    """
    shown = sorted(changes.items(), key=lambda kv: -kv[1])
    each = ", ".join(f"{a!r} -> {b!r} {n}" for (a, b), n in shown[:3])
    more = f", {len(shown) - 3} more" if len(shown) > 3 else ""
    msg = (
        f"Outlet names made one per site: {sum(changes.values())} row(s) renamed ({each}{more}). "
        "The commonest name of a site's rows is its label; give every row of a site the name you "
        "want to choose it."
    )
    return _note("note", msg)


def bad_labels(report: list[dict], where: Any) -> DroppedRowsWarning:
    """Rows of a labels file that cannot be used (``ddj.labels``): counted, the first named."""
    first = f"{report[0]['source']}: {report[0]['reason']}"
    more = (
        f" (and {len(report) - 1:,} more; the table's attrs['problems'] lists them)"
        if len(report) > 1
        else ""
    )
    msg = f"{len(report):,} row(s) of {where} left out: {first}{more}."
    return _dropped("bad-label", msg, report)


def note(message: str) -> DdjWarning:
    """A decision ddj took while reading or charting (an encoding, a day/month rule, a coarser period)."""
    return _note("note", message)


# -- queries ---------------------------------------------------------------------------------


def query_lint(name: str, query: str, findings: Iterable[Any]) -> QueryLintWarning:
    """A topic's query lint findings (each with a ``message`` and a ``fix``), shown before counting."""
    found = list(findings)
    lines = "; ".join(f"{f.message} {f.fix}" for f in found)
    return QueryLintWarning(f"Topic {name!r} ({query}): {lines}", found)
