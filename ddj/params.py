"""One check per parameter: the values ddj's functions, CLI and notebooks take.

Each function here checks one parameter and returns it normalised, or raises a
:class:`ddj.ParameterError` that names the parameter and what to write instead.
``ddj.coverage``, ``ddj.chart``, the ``ddj`` command and the notebooks
(through ``ddj.check_parameters``) all call these, so a bad ``freq`` reads the
same wherever it was given.

Examples
--------
>>> from ddj import params
>>> params.freq("monthly")
'M'
>>> params.window("2024-01-01", "2024-03-31")
(Timestamp('2024-01-01 00:00:00'), Timestamp('2024-03-31 00:00:00'))
>>> params.by("")  # an empty value from a shell or YAML means "not given"
"""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from pathlib import Path
from typing import Any

from ddj.constants import (
    CONFIDENCE,
    CORPUS_LOOK_ENTRIES,
    CORPUS_SUFFIXES,
    FREQ_CODES,
    PAGE_TYPES,
)
from ddj.errors import ParameterError
from ddj.files import not_regular, shown
from ddj.limits import MAX_PARAMETER_CHARS, MAX_PARAMETERS_CHARS
from ddj.urls import registered_domain
from ddj.utils import folder_refusal

#: Longest chart title a notebook takes.
MAX_TITLE = 300
#: Longest contact line (sent in the User-Agent).
MAX_CONTACT = 200
#: Parameters whose value is free text: ``-p title null`` is the headline "null" (``''`` is None).
TEXT = frozenset({"title", "subtitle", "source", "contact", "query", "topic"})
#: Longest source line under a chart a notebook takes.
MAX_SOURCE = 500
#: What ``metric=`` takes, and what each shows.
METRICS = {"share": "Share of all articles", "articles": "Articles"}
#: What ``kind=`` takes.
KINDS = ("line", "small-multiples", "heatmap", "area")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _whole(value: Any) -> bool:
    import numpy as np

    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


# -- any value given to a notebook -----------------------------------------------------------


def given(values: Any) -> None:
    """Refuse notebook parameters too long to run, or text that is not Unicode, naming the parameter.

    Each value may be at most ``MAX_PARAMETER_CHARS`` characters (text, and the
    items of lists and mappings counted together), all of them at most
    ``MAX_PARAMETERS_CHARS``: a value that long belongs in a file (``urls``,
    ``topics_file``). Text holding a lone surrogate (what a shell argument of bytes
    that are not UTF-8 becomes) is refused: it cannot be written into a notebook.

    Examples
    --------
    >>> given({"title": "Hong Kong", "topics": ["hong_kong"]})
    >>> given({"title": "x" * 200_000})
    Traceback (most recent call last):
    ...
    ddj.errors.ParameterError: title: more than 100,000 characters; ...
    """
    items = values.items() if hasattr(values, "items") else ()
    total = 0
    for name, value in items:
        where = _text_of(name, "a parameter name")
        total += _size(value, where, MAX_PARAMETER_CHARS, MAX_PARAMETERS_CHARS - total) + len(where)


def _size(value: Any, name: str, cap: int, left: int) -> int:
    """Characters in ``value`` (text, numbers, nested lists and mappings), refused past ``cap`` or ``left``."""
    budget = min(cap, left)
    stack, size = [value], 0
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            size += len(item)
            if size <= budget:
                _text_of(item, name)
        elif isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack += list(item)[: budget - size + 1]
        elif isinstance(item, int) and not isinstance(item, bool):
            size += item.bit_length() // 3  # about its digits, without writing them out
        size += 1
        if size > budget:
            what = f"more than {cap:,} characters" if budget == cap else (
                f"the parameters add up to more than {MAX_PARAMETERS_CHARS:,} characters here"
            )  # fmt: skip
            msg = (
                f"{name}: {what}; a notebook parameter takes at most {MAX_PARAMETER_CHARS:,} "
                f"characters ({MAX_PARAMETERS_CHARS:,} for all of them). Put a long list in a file "
                "(urls: a text file, topics: topics_file)."
            )
            raise ParameterError(msg)
    return size


def _text_of(value: Any, name: str) -> str:
    """``value`` as text, refused when it holds a lone surrogate (not Unicode, cannot be written)."""
    text = str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        shown = text.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")[:60]
        msg = (
            f"{name}: the text '{shown}' holds a lone surrogate (U+{ord(text[exc.start]):04X} at "
            f"character {exc.start + 1}), which is not Unicode: bytes that are not UTF-8 in a shell "
            "argument or a file name become one. Give the value as UTF-8 text."
        )
        raise ParameterError(msg) from None
    return text


# -- counting ----------------------------------------------------------------------------------


def freq(value: Any) -> str:
    """The one-letter code (``D``, ``W``, ``M``, ``Q``, ``Y``) of a counting frequency.

    Parameters
    ----------
    value
        A code or a friendly name, in any case: ``"W"``, ``"w"``, ``"week"``,
        ``"Weekly"``, ``"ME"``...

    Returns
    -------
    str
        The code; ``ddj.constants.PERIODS`` gives its pandas period.

    Raises
    ------
    ParameterError
        Not a frequency ddj counts by.

    Examples
    --------
    >>> freq(" week ")
    'W'
    >>> freq("Monthly")
    'M'
    """
    if not isinstance(value, str) or value.strip().lower() not in FREQ_CODES:
        msg = (
            f"freq={value!r} is not a frequency ddj counts by. Use 'D' (day), 'W' (week, Monday "
            "to Sunday), 'M' (month), 'Q' (quarter) or 'Y' (year), or a name such as 'weekly' "
            "(any case)."
        )
        raise ParameterError(msg)
    return FREQ_CODES[value.strip().lower()]


def tz(value: Any) -> Any:
    """A time zone to count days in: ``"UTC"``, ``"local"`` or an IANA name.

    Parameters
    ----------
    value
        ``"UTC"``, ``"local"`` (each publisher's own clock), an IANA name such
        as ``"Europe/London"``, or a ``tzinfo``.

    Returns
    -------
    str or tzinfo
        The value, unchanged.

    Raises
    ------
    ParameterError
        Not a time zone.

    Examples
    --------
    >>> tz("Europe/London")
    'Europe/London'
    """
    if isinstance(value, dt.tzinfo) or value in ("UTC", "local"):
        return value
    if isinstance(value, str) and value.strip():
        try:
            zoneinfo.ZoneInfo(value)
            return value
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            if _pandas_zone(value):
                return value
    msg = f"tz={value!r} is not a time zone: use 'UTC', 'local', or an IANA name such as 'Europe/London'."
    raise ParameterError(msg)


def _pandas_zone(value: str) -> bool:
    import pandas as pd

    try:
        pd.Timestamp(0, tz=value)
    except Exception:  # pandas raises several kinds for a name it does not know
        return False
    return True


def by(value: Any) -> str | None:
    """``None`` (all outlets together), ``"outlet"`` or ``"group"`` (one series per outlet, or group).

    Raises
    ------
    ParameterError
        Any other value.

    Examples
    --------
    >>> by("outlet"), by("group")
    ('outlet', 'group')
    """
    if _blank(value):
        return None
    if value not in ("outlet", "group"):
        msg = (
            f"by={value!r} is not supported: use by=None for all outlets together, by='outlet' "
            "for one series per outlet, or by='group' for one per group of outlets."
        )
        raise ParameterError(msg)
    return value


def metric(value: Any) -> str:
    """``"share"`` (percentage of all articles) or ``"articles"`` (counts).

    Raises
    ------
    ParameterError
        Any other value.

    Examples
    --------
    >>> metric("articles")
    'articles'
    """
    if not isinstance(value, str) or value not in METRICS:
        msg = f"metric={value!r}: use 'share' (percentage of all articles) or 'articles' (counts)."
        raise ParameterError(msg)
    return value


def kind(value: Any) -> str:
    """A chart kind: ``"line"``, ``"small-multiples"``, ``"heatmap"`` or ``"area"``.

    Raises
    ------
    ParameterError
        Any other value.

    Examples
    --------
    >>> kind("heatmap")
    'heatmap'
    """
    if not isinstance(value, str) or value not in KINDS:
        msg = f"kind={value!r}: use one of {', '.join(KINDS)}."
        raise ParameterError(msg)
    return value


def rolling(value: Any) -> int | None:
    """``None``, or a whole number of periods (1 or more) to sum over.

    Raises
    ------
    ParameterError
        Anything else (0, a fraction, text).

    Examples
    --------
    >>> rolling(4)
    4
    """
    if value is None:
        return None
    if not _whole(value) or value < 1:
        msg = f"rolling={value!r}: give a whole number of periods (e.g. rolling=4), or None."
        raise ParameterError(msg)
    return int(value)


def pages(value: Any) -> tuple[str, ...] | None:
    """Which page types a count takes: one, a list of them, or ``"all"`` (``None``: every row).

    Raises
    ------
    ParameterError
        Not a page type of ``ddj.corpus.PAGE_TYPES``, a list of them or ``"all"``.

    Examples
    --------
    >>> pages("article")
    ('article',)
    >>> pages(["article", "paywall"])
    ('article', 'paywall')
    >>> pages("all") is None
    True
    """
    if isinstance(value, str) and value.strip() == "all":
        return None
    items = [value] if isinstance(value, str) else value
    if isinstance(items, (list, tuple)) and items and all(i in PAGE_TYPES for i in items):
        return tuple(dict.fromkeys(items))
    msg = (
        f"pages={value!r}: give a page type ({', '.join(PAGE_TYPES)}), a list of them, or 'all' "
        "to count every row."
    )
    raise ParameterError(msg)


def confidence(value: Any, name: str = "min_confidence") -> str | None:
    """``None`` (every date), or the least sure level of publication date to count.

    Raises
    ------
    ParameterError
        Not one of ``ddj.corpus.CONFIDENCE`` (``"low"``, ``"medium"``, ``"high"``) or None.

    Examples
    --------
    >>> confidence("medium")
    'medium'
    """
    if _blank(value):
        return None
    if value not in CONFIDENCE:
        msg = f"{name}={value!r}: give {', '.join(map(repr, CONFIDENCE))} or None (every date)."
        raise ParameterError(msg)
    return value


def fraction(value: Any, name: str, *, example: float) -> float:
    """A number strictly between 0 and 1 (a similarity threshold, say).

    Examples
    --------
    >>> fraction(0.8, "threshold", example=0.8)
    0.8
    """
    import numpy as np

    number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, bool
    )
    if not number or not 0 < value < 1:
        msg = f"{name}={value!r}: give a number between 0 and 1, such as {name}={example}."
        raise ParameterError(msg)
    return float(value)


def whole(value: Any, name: str, *, lo: int, hi: int, example: int) -> int:
    """A whole number from ``lo`` to ``hi``.

    Examples
    --------
    >>> whole(5, "shingle", lo=1, hi=50, example=5)
    5
    """
    if not _whole(value) or not lo <= value <= hi:
        msg = (
            f"{name}={value!r}: give a whole number from {lo} to {hi:,}, such as {name}={example}."
        )
        raise ParameterError(msg)
    return int(value)


# -- dates -------------------------------------------------------------------------------------


def _timestamp(value: Any, name: str):
    import pandas as pd

    if _blank(value):
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        ts = pd.NaT
    if ts is pd.NaT:
        msg = f"{name}={value!r} is not a date: write it as YYYY-MM-DD, e.g. {name}='2024-10-18'."
        raise ParameterError(msg) from None
    return ts


def day(value: Any, name: str):
    """A calendar day (midnight, no time zone), or ``None`` for no bound.

    Parameters
    ----------
    value
        ``"YYYY-MM-DD"``, a date, a timestamp, ``None`` or ``""``.
    name
        The parameter's name, for the message.

    Returns
    -------
    pandas.Timestamp or None
        The day; a time of day and a time zone are dropped.

    Raises
    ------
    ParameterError
        Not a date.

    Examples
    --------
    >>> day("2024-10-18T15:00", "start")
    Timestamp('2024-10-18 00:00:00')
    """
    ts = _timestamp(value, name)
    if ts is None:
        return None
    return (ts.tz_localize(None) if ts.tzinfo else ts).normalize()


def window(start: Any, end: Any, *, names: tuple[str, str] = ("start", "end")):
    """First and last day to count (inclusive), each a :func:`day` or ``None``.

    Raises
    ------
    ParameterError
        Either is not a date, or the first is after the last.

    Examples
    --------
    >>> window(None, "2024-12-31")
    (None, Timestamp('2024-12-31 00:00:00'))
    """
    first, last = day(start, names[0]), day(end, names[1])
    _ordered(first, last, start, end, names)
    return first, last


def at(value: Any, name: str = "at"):
    """What ``ddj.compare`` looks at: ``None`` (the latest complete period), a day, or two days.

    Parameters
    ----------
    value
        ``None`` or ``""``; a day inside the period (``"2024-10-14"``); or a
        ``(start, end)`` pair of days (a list from YAML, or ``"START,END"``
        from a shell, works too).
    name
        The parameter's name, for the message (``compare_at`` in the notebook).

    Returns
    -------
    None, pandas.Timestamp or tuple of two
        The day or days, each a :func:`day`.

    Raises
    ------
    ParameterError
        Not a date, not a pair, or a pair whose first day is after its last.

    Examples
    --------
    >>> at("2024-10-14")
    Timestamp('2024-10-14 00:00:00')
    >>> at("2024-10-01, 2024-10-31", "compare_at")[1]
    Timestamp('2024-10-31 00:00:00')
    """
    if isinstance(value, str) and "," in value:
        value = [v.strip() for v in value.split(",")]
    if isinstance(value, (list, tuple)):
        if len(value) != 2 or any(_blank(v) for v in value):
            msg = f"{name}={value!r}: give one day ('2024-10-14') or two, a (start, end) pair such as ('2024-10-01', '2024-10-31')."
            raise ParameterError(msg)
        return window(value[0], value[1], names=(f"{name}[0]", f"{name}[1]"))
    return day(value, name)


#: The longest trailing baseline ``ddj.compare`` takes, in periods.
MAX_BASELINE = 1000


def baseline(value: Any, name: str = "baseline"):
    """What ``ddj.compare`` compares with: ``n`` periods before, ``"year"``, or two days.

    Parameters
    ----------
    value
        A whole number of periods (1 to :data:`MAX_BASELINE`), ``"year"`` (the
        same period a year earlier), or a ``(start, end)`` pair of days.
    name
        The parameter's name, for the message.

    Returns
    -------
    int, str or tuple of two pandas.Timestamp

    Raises
    ------
    ParameterError
        Anything else.

    Examples
    --------
    >>> baseline(12), baseline("year"), baseline(("2024-01-01", "2024-06-30"))[0]
    (12, 'year', Timestamp('2024-01-01 00:00:00'))
    """
    if isinstance(value, str) and value.strip() == "year":
        return "year"
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return window(value[0], value[1], names=(f"{name}[0]", f"{name}[1]"))
    if _whole(value) and 1 <= value <= MAX_BASELINE:
        return int(value)
    msg = (
        f"{name}={value!r}: give a number of periods before (e.g. {name}=12), {name}='year' for "
        f"the same period a year earlier, or a (start, end) pair of days."
    )
    raise ParameterError(msg)


def moment(value: Any, name: str, *, end: bool = False):
    """A bound on publication times, in UTC; a bare day as ``until`` means its last instant.

    Parameters
    ----------
    value
        ``"YYYY-MM-DD"``, an ISO timestamp, a date or datetime, or ``None``.
    name
        The parameter's name, for the message.
    end
        Whether this is the last bound: ``"2024-12-31"`` then means up to
        23:59:59.999999 that day.

    Returns
    -------
    pandas.Timestamp or None
        Time-zone aware (UTC); a naive value is read as UTC.

    Examples
    --------
    >>> moment("2024-12-31", "until", end=True)
    Timestamp('2024-12-31 23:59:59.999999+0000', tz='UTC')
    """
    import pandas as pd

    ts = _timestamp(value, name)
    if ts is None:
        return None
    bare_day = (isinstance(value, dt.date) and not isinstance(value, dt.datetime)) or (
        isinstance(value, str) and len(value.strip()) == 10
    )
    if end and bare_day:
        ts = ts + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def bounds(since: Any, until: Any, *, names: tuple[str, str] = ("since", "until")):
    """The :func:`moment` of ``since`` and of ``until`` (its last instant), in order.

    Raises
    ------
    ParameterError
        Either is not a date, or ``since`` is after ``until``.

    Examples
    --------
    >>> bounds("2024-01-01", None)
    (Timestamp('2024-01-01 00:00:00+0000', tz='UTC'), None)
    """
    first, last = moment(since, names[0]), moment(until, names[1], end=True)
    _ordered(first, last, since, until, names)
    return first, last


def _ordered(first: Any, last: Any, start: Any, end: Any, names: tuple[str, str]) -> None:
    if first is not None and last is not None and first > last:
        msg = f"{names[0]}={start!r} is after {names[1]}={end!r}: swap them."
        raise ParameterError(msg)


# -- inputs ------------------------------------------------------------------------------------


def topics(value: Any, *, name: str = "topics") -> list[str] | str:
    """Topic names or queries, as a list (or, for ``name="topic"``, one).

    Whether each names a topic of the topics file is for :func:`ddj.resolve`
    to say (``ddj.jobs.check_parameters`` calls it): this check only reads
    the shape, so it needs nothing above it.

    Parameters
    ----------
    value
        A list of names or queries, or (for ``name="topics"``) one
        comma-separated string; for ``name="topic"`` one name or query.
    name
        ``"topics"`` or ``"topic"``, for the message.

    Raises
    ------
    ParameterError
        Not text or a list, or an empty one.

    Examples
    --------
    >>> topics("hong_kong, ukraine")
    ['hong_kong', 'ukraine']
    """
    items = (
        [v.strip() for v in value.split(",")]
        if isinstance(value, str) and name == "topics"
        else value
    )
    if isinstance(items, str):
        return items
    if not isinstance(items, (list, tuple)) or not items:
        msg = f"{name}={value!r}: give topic names, e.g. ['hong_kong', 'ukraine'] or 'hong_kong,ukraine'."
        raise ParameterError(msg)
    return list(items)


def topics_file(value: Any) -> Any:
    """``None`` (the shipped topics) or an existing topics YAML file.

    Examples
    --------
    >>> topics_file(None) is None
    True
    """
    if not _blank(value) and not Path(str(value)).is_file():
        msg = f"topics_file={value!r}: no such file. Use None for the shipped topics."
        raise ParameterError(msg)
    return value


def corpus(value: Any) -> Any:
    """``"demo"`` or the path of pages, a table, a saved corpus or a store that can be read.

    Checked before a kernel starts: the path exists; a file is a regular file
    (not a FIFO, which would hang the read, nor a device) that can be read; a
    folder can be listed and holds, at some depth, at least one file named like
    a page, a table or a store's part (:data:`ddj.constants.CORPUS_SUFFIXES`;
    hidden folders skipped, at most :data:`ddj.constants.CORPUS_LOOK_ENTRIES`
    entries looked at).

    Raises
    ------
    ParameterError
        Naming the path and what to give instead.

    Examples
    --------
    >>> ddj.params.corpus("demo")
    'demo'
    >>> import tempfile
    >>> ddj.params.corpus(tempfile.mkdtemp())
    Traceback (most recent call last):
    ...
    ddj.errors.ParameterError: corpus='...': a folder with no web pages or tables in it (looked for .html, ...). Give the folder that holds the saved pages, a table file, a saved corpus or a store.
    """
    if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
        msg = f"corpus={value!r}: give 'demo' or the path of pages, a table, a saved corpus or a store."
        raise ParameterError(msg)
    if str(value) == "demo":
        return value
    path = Path(value).expanduser()
    named = shown(path)
    if not path.exists():
        msg = f"corpus={named!r}: no such file or folder. Give 'demo' or an existing path."
        raise ParameterError(msg)
    if not path.is_dir():
        why = not_regular(path, "corpus")
        if why is None and not os.access(path, os.R_OK):
            why = f"{named}: not readable (permission denied). Check its permissions."
        if why is not None:
            raise ParameterError(f"corpus={named!r}: {why.removeprefix(named + ': ')}")
        return value
    if not os.access(path, os.R_OK | os.X_OK):
        msg = f"corpus={named!r}: a folder that cannot be read (permission denied). Check its permissions."
        raise ParameterError(msg)
    if not _holds_corpus_files(path):
        looked = ", ".join(CORPUS_SUFFIXES[:3])
        msg = (
            f"corpus={named!r}: a folder with no web pages or tables in it (looked for {looked}, ...). "
            "Give the folder that holds the saved pages, a table file, a saved corpus or a store."
        )
        raise ParameterError(msg)
    return value


def _holds_corpus_files(folder: Path) -> bool:
    """Whether a file named like a page, table or store part is below ``folder`` (bounded walk)."""
    pending, seen = [folder], 0
    while pending and seen < CORPUS_LOOK_ENTRIES:
        try:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    seen += 1
                    if seen > CORPUS_LOOK_ENTRIES:
                        return True  # a folder this large holds something; the loader says what
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(Path(entry.path))
                    elif entry.name.lower().endswith(CORPUS_SUFFIXES):
                        return True
        except OSError:
            continue  # an unreadable subfolder: the loader lists it as a problem
    return seen >= CORPUS_LOOK_ENTRIES


def events(value: Any) -> Any:
    """``None``, ``"default"`` (the shipped events) or an existing CSV of date, label.

    Examples
    --------
    >>> events("default")
    'default'
    """
    if value not in (None, "", "default") and not Path(str(value)).is_file():
        msg = f"events={value!r}: no such file. Use 'default' for the shipped events, or None."
        raise ParameterError(msg)
    return value


def title(value: Any) -> str | None:
    """A chart title: ``None`` (ddj writes one) or text of at most ``MAX_TITLE`` characters.

    Examples
    --------
    >>> title("  Hong Kong in the news ")
    'Hong Kong in the news'
    """
    return _chart_text(value, "title", MAX_TITLE, "the headline")


def subtitle(value: Any) -> str | None:
    """A chart's standfirst: ``None`` (ddj writes one) or text of at most ``MAX_TITLE`` characters.

    Examples
    --------
    >>> subtitle(" Share of all articles, per week ")
    'Share of all articles, per week'
    """
    return _chart_text(value, "subtitle", MAX_TITLE, "the line under the headline")


def source(value: Any) -> str | None:
    """A chart's source line: ``None`` (ddj says where the data came from) or text of at most ``MAX_SOURCE`` characters.

    Examples
    --------
    >>> source("Newsdatahub export, August 2025 to February 2026")
    'Newsdatahub export, August 2025 to February 2026'
    >>> source(None) is None
    True
    """
    return _chart_text(value, "source", MAX_SOURCE, "the source line")


def _chart_text(value: Any, name: str, limit: int, what: str) -> str | None:
    if _blank(value):
        return None
    if not isinstance(value, str):
        msg = f"{name}={value!r}: give {what} as text (in YAML, quote it), or None for ddj's own."
        raise ParameterError(msg)
    if len(value) > limit:
        msg = f"{name}: {len(value):,} characters is too long for {what}; keep it to {limit}."
        raise ParameterError(msg)
    return value.strip()


def folder(value: Any, name: str, *, create: bool = False) -> Path:
    """A folder to write into; refused when it is, or is under, a file.

    Parameters
    ----------
    value
        The folder's path.
    name
        The parameter's name, for the message.
    create
        Make the folder (a ParameterError when that fails).

    Examples
    --------
    >>> folder("out/coverage", "out_dir")
    PosixPath('out/coverage')
    """
    if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
        raise ParameterError(f"{name}={value!r}: give the path of a folder to write into.")
    path = Path(value).expanduser()
    why = folder_refusal(path, create=create)
    if why is not None:
        msg = f"{name}={str(value)!r} {why}. Give a folder to write into."
        raise ParameterError(msg)
    return path


# -- collecting --------------------------------------------------------------------------------


def web_addresses(value: Any, name: str) -> list[str]:
    """A list of http(s) URLs (``feeds``, ``sitemaps``, ``sites``); one URL or None are fine.

    Examples
    --------
    >>> web_addresses("https://news.example.org/rss.xml", "feeds")
    ['https://news.example.org/rss.xml']
    """
    items = _items(value, name)
    for item in items:
        if not item.startswith(("http://", "https://")):
            msg = f"{name}: {item!r} is not a web address. Give http:// or https:// URLs."
            raise ParameterError(msg)
    return items


def warcs(value: Any) -> list[str]:
    """A list of WARC files: paths, globs (``crawl/*.warc.gz``) or ``https://``/``s3://`` URLs.

    A local path must be a file and a local glob must match one; URLs are
    checked when read. One item or None are fine.

    Examples
    --------
    >>> warcs(None), warcs("s3://commoncrawl/crawl-data/CC-NEWS/2024/10/*.warc.gz")
    ([], ['s3://commoncrawl/crawl-data/CC-NEWS/2024/10/*.warc.gz'])
    """
    import glob

    items = _items(value, "warcs")
    for item in items:
        if item.startswith(("http://", "https://", "s3://")):
            continue
        local = os.path.expanduser(item)
        if not (glob.glob(local) if glob.has_magic(item) else Path(local).is_file()):
            msg = (
                f"warcs: {item!r} is not a file (or a glob that matches one). Give the paths "
                "of .warc or .warc.gz files, a glob, or https:// or s3:// URLs."
            )
            raise ParameterError(msg)
    return items


def cc_index_table(value: Any) -> str | None:
    """Common Crawl's columnar URL index: None, an ``s3://`` address, or a Parquet file or folder.

    A local path must exist and be readable: a regular file, or a folder that
    can be listed. Whether it is Parquet with Common Crawl's columns is checked
    when it is opened (:func:`ddj.collecting.ccindex.table_captures`).

    Raises
    ------
    ParameterError
        Naming the path and what to give instead.

    Examples
    --------
    >>> cc_index_table(None), cc_index_table("s3://commoncrawl/cc-index/table/cc-main/warc/")
    (None, 's3://commoncrawl/cc-index/table/cc-main/warc/')
    >>> cc_index_table("no/such/index.parquet")
    Traceback (most recent call last):
    ...
    ddj.errors.ParameterError: cc_index_table='no/such/index.parquet': no such file or folder. Give a Parquet file or folder of Common Crawl's columnar index (cc-index/table/cc-main/warc), or an s3:// address.
    """
    if _blank(value):
        return None
    if not isinstance(value, (str, os.PathLike)):
        msg = f"cc_index_table={value!r}: give the path of a Parquet file or folder, or an s3:// address."
        raise ParameterError(msg)
    text = str(value).strip()
    if text.lower().startswith("s3://"):
        return text
    if "://" in text:
        msg = f"cc_index_table={text[:200]!r}: give a local path or an s3:// address (not {text.split('://')[0]}://)."
        raise ParameterError(msg)
    path = Path(text).expanduser()
    named = shown(path)
    if not path.exists():
        msg = (
            f"cc_index_table={named!r}: no such file or folder. Give a Parquet file or folder of "
            "Common Crawl's columnar index (cc-index/table/cc-main/warc), or an s3:// address."
        )
        raise ParameterError(msg)
    why = None if path.is_dir() else not_regular(path, "cc_index_table")
    wanted = os.R_OK | (os.X_OK if path.is_dir() else 0)
    if why is None and not os.access(path, wanted):
        why = f"{named}: not readable (permission denied). Check its permissions."
    if why is not None:
        raise ParameterError(f"cc_index_table={named!r}: {why.removeprefix(named + ': ')}")
    return text


def domains(value: Any) -> list[str]:
    """Registered domains to keep (``bbc.co.uk``; a URL or a subdomain is reduced to its domain).

    Examples
    --------
    >>> domains(["https://www.bbc.co.uk/news", "theguardian.com"])
    ['bbc.co.uk', 'theguardian.com']
    """
    items = _items(value, "domains")
    out = []
    for item in items:
        domain = registered_domain(item if "://" in item else f"http://{item.strip('.')}/")
        if not domain or "." not in domain or "/" in domain:
            msg = f"domains: {item!r} is not a domain. Give registered domains, e.g. ['bbc.co.uk']."
            raise ParameterError(msg)
        out.append(domain)
    return list(dict.fromkeys(out))


def _items(value: Any, name: str) -> list[str]:
    items = [] if value in (None, "") else [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise ParameterError(f"{name}={value!r}: give a list, e.g. {name}=['...'], or [] for none.")
    return [str(v).strip() for v in items if str(v).strip()]


def urls(value: Any) -> Any:
    """A file with one URL a line, one URL (as a list), a list of URLs, or None.

    Examples
    --------
    >>> urls("https://news.example.org/a.html")
    ['https://news.example.org/a.html']
    """
    if value in (None, "", []):
        return value
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return [value]
    if isinstance(value, str) and Path(value).expanduser().is_file():
        return value
    if isinstance(value, str):
        msg = f"urls={value!r}: no such file. Give a file with one URL a line, or a list of URLs."
        raise ParameterError(msg)
    if not isinstance(value, (list, tuple)):
        raise ParameterError(f"urls={value!r}: give a file with one URL a line, or a list of URLs.")
    return value


def rate(value: Any) -> Any:
    """Requests per second per host (a number, 0 or more), or None for no limit.

    Examples
    --------
    >>> rate(1.0)
    1.0
    """
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0
    ):
        msg = f"rate={value!r}: give requests per second per host, e.g. 1.0 (0 or None lifts the limit)."
        raise ParameterError(msg)
    return value


def contact(value: Any) -> str | None:
    """Who to reach, for the User-Agent: None or one line of at most ``MAX_CONTACT`` characters.

    Examples
    --------
    >>> contact(" desk@example.org ")
    'desk@example.org'
    """
    if _blank(value):
        return None
    if not isinstance(value, str) or len(value) > MAX_CONTACT or not value.isprintable():
        msg = f"contact={value!r}: give one line, your email or URL (at most {MAX_CONTACT} characters), or None."
        raise ParameterError(msg)
    return value.strip()


def single_file(value: Any) -> bool:
    """``True`` (the data inside ``slug.html``, a page that works alone) or ``False``.

    Examples
    --------
    >>> single_file(False)
    False
    """
    return _flag(value, "single_file", "the data inside slug.html")


def robots(value: Any) -> bool:
    """``True`` (respect robots.txt) or ``False``.

    Examples
    --------
    >>> robots(True)
    True
    """
    return _flag(value, "robots", "respect robots.txt")


def _flag(value: Any, name: str, meaning: str) -> bool:
    """``value`` if it is True or False; else the error naming ``name`` and what True means."""
    if not isinstance(value, bool):
        raise ParameterError(f"{name}={value!r}: give True ({meaning}) or False.")
    return value


def extend(value: Any) -> Any:
    """A saved corpus to add to, or None to start afresh.

    Examples
    --------
    >>> extend(None) is None
    True
    """
    if not _blank(value) and not Path(str(value)).expanduser().exists():
        msg = (
            f"extend={value!r}: no such corpus file. Give a saved corpus, or None to start afresh."
        )
        raise ParameterError(msg)
    return value
