"""How ddj writes periods and numbers in sentences: alt text, figures, comparisons.

One function a thing, so a chart's alt text, a tooltip, ``ddj.compare``'s
sentence and the notebook's figures all say "the week of 14 October 2024",
"July 2020", "the third quarter of 2022" and "4.1%" the same way.

Examples
--------
>>> import pandas as pd
>>> period(pd.Timestamp("2024-10-14"), "W")
'the week of 14 October 2024'
>>> "peaked at " + percent(0.2421) + " " + period(pd.Timestamp("2020-07-01"), "M", preposition=True)
'peaked at 24.2% in July 2020'
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import pandas as pd

from ddj import params
from ddj.constants import FREQ_CODES, FREQ_NAMES, SERIES_KEYS, SMALL_TOTAL
from ddj.query import label as query_label

_QUARTERS = ("first", "second", "third", "fourth")
_PLURALS = {"D": "days", "W": "weeks", "M": "months", "Q": "quarters", "Y": "years"}
#: A period's length in days -> its frequency code (a coverage frame read back from a file).
_PERIOD_DAYS = {1: "D", 7: "W", 28: "M", 29: "M", 30: "M", 31: "M", 90: "Q", 91: "Q", 92: "Q"}


def code(freq: Any) -> str:
    """The one-letter frequency code of ``freq`` (``"W"``, ``"W-SUN"``, ``"M"``...), ``"D"`` if unknown."""
    text = str(freq or "").strip()
    if text.lower() in FREQ_CODES:  # the names ddj.params.freq reads ("annual", "Weekly")
        return FREQ_CODES[text.lower()]
    text = text.upper()[:1]
    return text if text in FREQ_NAMES else "D"


def frequency(cov: pd.DataFrame) -> str:
    """The frequency code of a coverage frame: its ``attrs``, else the length of its periods.

    A frame read back from a file has no ``attrs``; ``period_end`` then tells
    a week from a month. Without either, ``"D"``.

    Examples
    --------
    >>> bare = cov.copy()
    >>> bare.attrs = {}
    >>> frequency(cov), frequency(bare)
    ('M', 'M')
    """
    given = cov.attrs.get("freq")
    if given is not None:
        return params.freq(given)
    if "period_end" not in cov or cov.empty:
        return "D"
    days = (pd.to_datetime(cov["period_end"]) - pd.to_datetime(cov["period"])).dt.days + 1
    length = int(days.mode().iloc[0])
    return _PERIOD_DAYS.get(length, "Y" if length >= 365 else "D")


def small_note(cov: pd.DataFrame, *, limit: int = 3, metric: str = "share") -> str:
    """The complete periods whose denominator is small, named, for a chart's note and alt text.

    Parameters
    ----------
    cov
        A coverage frame.
    limit
        Name at most this many; beyond it, count them.
    metric
        What the chart shows: ``"share"`` (the shares are unsure) or
        ``"articles"`` (the counts are).

    Returns
    -------
    str
        One sentence, or ``""`` when no complete period is small.

    Examples
    --------
    >>> small_note(cov)
    'Every month has fewer than 30 articles in all, so every share is unsure.'
    >>> small_note(cov.assign(total=cov["total"] * 10))  # as if ten times the articles
    '7 of 82 months have fewer than 30 articles in all, so those shares are unsure (the first: June 2019, December 2019, January 2020).'
    >>> small_note(cov, metric="articles")
    'Every month has fewer than 30 articles in all, so every count is unsure.'
    """
    keys = [k for k in SERIES_KEYS if k in cov]
    complete = cov[~cov["partial"].astype(bool)].drop_duplicates(["period", *keys])
    rows = complete[complete["total"] < SMALL_TOTAL].sort_values("period", kind="stable")
    if rows.empty:
        return ""
    freq = frequency(cov)
    unit = FREQ_NAMES[freq] if not keys else f"{keys[0]}-{FREQ_NAMES[freq]}"
    what = "share" if metric == "share" else "count"
    if len(rows) == len(complete):
        return (
            f"Every {unit} has fewer than {SMALL_TOTAL} articles in all, so every {what} is unsure."
        )
    names = [
        (f"{row[keys[0]]} ({{}})" if keys else "{}").format(
            period(pd.Timestamp(row["period"]), freq)
        )
        for row in rows.head(limit).to_dict("records")
    ]
    if len(rows) > limit:
        return (
            f"{len(rows):,} of {len(complete):,} {unit}s have fewer than {SMALL_TOTAL} articles "
            f"in all, so those {what}s are unsure (the first: {', '.join(names)})."
        )
    listed = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
    return f"Fewer than {SMALL_TOTAL} articles in all in {listed}, so those {what}s are unsure."


def period(when: Any, freq: Any, *, preposition: bool = False, year: bool = True) -> str:
    """A period as a person writes it, from its first day.

    Parameters
    ----------
    when
        The first day of the period (a ``pandas.Timestamp`` or anything with
        ``day``, ``month``, ``year`` and ``strftime``).
    freq
        ``D``, ``W``, ``M``, ``Q`` or ``Y`` (or a pandas period frequency).
    preposition
        Start with "in" ("in July 2020"), or "on" for a day ("on 14 October 2024").
    year
        Keep the year (``False`` for the first half of "from July to September 2020").

    Returns
    -------
    str
        "14 October 2024", "the week of 14 October 2024", "July 2020", "the
        third quarter of 2022" or "2021".

    Examples
    --------
    >>> import pandas as pd
    >>> period(pd.Timestamp("2022-07-01"), "Q", preposition=True)
    'in the third quarter of 2022'
    >>> period(pd.Timestamp("2021-01-01"), "Y"), period(pd.Timestamp("2024-10-03"), "D", preposition=True)
    ('2021', 'on 3 October 2024')
    """
    kind = code(freq)
    day = f"{when.day} {when:%B}" + (f" {when.year}" if year else "")
    text = {
        "D": day,
        "W": f"the week of {day}",
        "M": f"{when:%B}" + (f" {when.year}" if year else ""),
        "Q": f"the {_QUARTERS[(when.month - 1) // 3]} quarter"
        + (f" of {when.year}" if year else ""),
        "Y": f"{when.year}",
    }[kind]
    if not preposition:
        return text
    return ("on " if kind == "D" else "in ") + text


def span(first: Any, last: Any, freq: Any, *, preposition: bool = False) -> str:
    """Periods from ``first`` to ``last`` (their first days), the year written once when shared.

    Examples
    --------
    >>> import pandas as pd
    >>> span(pd.Timestamp("2020-07-01"), pd.Timestamp("2020-09-01"), "M", preposition=True)
    'from July to September 2020'
    >>> span(pd.Timestamp("2024-10-14"), pd.Timestamp("2024-10-14"), "W")
    'the week of 14 October 2024'
    """
    if first == last:
        return period(first, freq, preposition=preposition)
    same_year = first.year == last.year and code(freq) != "Y"
    text = f"from {period(first, freq, year=not same_year)} to {period(last, freq)}"
    return text


def periods(n: int, freq: Any) -> str:
    """``n`` periods in words: "12 weeks", "1 month".

    Examples
    --------
    >>> periods(12, "W"), periods(1, "M")
    ('12 weeks', '1 month')
    """
    kind = code(freq)
    return f"{n} {FREQ_NAMES[kind] if n == 1 else _PLURALS[kind]}"


def percent(share: float) -> str:
    """A share as a percentage: one decimal, two below 0.1% (so a small share is not "0.0%").

    Examples
    --------
    >>> percent(0.0412), percent(0.00042), percent(0), percent(1)
    ('4.1%', '0.04%', '0%', '100%')
    """
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "n/a"
    if share == 0 or share == 1:
        return f"{share:.0%}"
    return f"{share:.2%}" if share < 0.001 else f"{share:.1%}"


def interval(low: float, high: float) -> str:
    """An interval of shares, the percent sign once: "3.2–5.2%".

    Examples
    --------
    >>> interval(0.0318, 0.0522)
    '3.2–5.2%'
    """
    return f"{percent(low).rstrip('%')}\u2013{percent(high)}"


def times(ratio: float) -> str:
    """A ratio as "2.6 times", "1.04 times" (two decimals near 1 so it never reads "1.0 times").

    Examples
    --------
    >>> times(2.61), times(1.04), times(12.3)
    ('2.6 times', '1.04 times', '12 times')
    """
    if ratio >= 10:
        return f"{ratio:.0f} times"
    if 0.95 <= ratio < 1.1 or ratio < 0.1:
        return f"{ratio:.2f} times"
    return f"{ratio:.1f} times"


def count(n: float, noun: str = "article") -> str:
    """A count with its noun: "1 article", "1,204 articles".

    Examples
    --------
    >>> count(1), count(1204)
    ('1 article', '1,204 articles')
    """
    return f"{n:,.0f} {noun}" + ("" if round(n) == 1 else "s")


def possessive(name: Any) -> str:
    """A name with its possessive: "Channel Daily's", "Eastbridge Times'".

    Examples
    --------
    >>> possessive("Channel Daily"), possessive("Eastbridge Times")
    ("Channel Daily's", "Eastbridge Times'")
    """
    name = str(name)
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def p_value(p: float) -> str:
    """A p-value as printed: "p < 0.001", "p = 0.03", "p = 0.41".

    Examples
    --------
    >>> p_value(0.00002), p_value(0.0312), p_value(0.41)
    ('p < 0.001', 'p = 0.03', 'p = 0.41')
    """
    if p < 0.001:
        return "p < 0.001"
    if p < 0.01:
        return f"p = {p:.3f}"
    return f"p = {p:.2f}"


#: Queries named in a chart's note or alt text (the rest are counted), and characters of each.
MAX_QUERIES_NAMED, MAX_QUERY_SHOWN = 8, 120


def queries(coverage: Any) -> str:
    """The queries a coverage frame counted for its query topics, for a chart's note and alt text.

    A topic given as a query (``'"Salt Typhoon"'``, not a name from the topics
    file) is labelled by its words; this sentence says which query those words
    stand for. Topics from a topics file are left out (their label names them).
    Empty when there is none, or no ``queries`` in the frame's ``attrs``.

    Examples
    --------
    >>> import pandas as pd
    >>> cov = pd.DataFrame({"topic": ["Salt Typhoon", "ukraine"], "label": ["Salt Typhoon", "Ukraine war"]})
    >>> cov.attrs["queries"] = {"Salt Typhoon": '"Salt Typhoon"', "ukraine": "ukrain* OR kyiv"}
    >>> queries(cov)
    'Counted by query: Salt Typhoon = "Salt Typhoon".'
    """
    counted = getattr(coverage, "attrs", {}).get("queries") or {}
    if not counted or not {"topic", "label"} <= set(getattr(coverage, "columns", ())):
        return ""
    pairs = coverage[["topic", "label"]].drop_duplicates()
    shown = []
    for topic, label in zip(pairs["topic"], pairs["label"], strict=True):
        query = counted.get(topic)
        if isinstance(query, str) and str(label) == query_label(query):
            cut = query if len(query) <= MAX_QUERY_SHOWN else query[: MAX_QUERY_SHOWN - 1] + "…"
            shown.append(f"{label} = {cut}")
    if not shown:
        return ""
    more = len(shown) - MAX_QUERIES_NAMED
    text = "; ".join(shown[:MAX_QUERIES_NAMED]) + (f"; and {more:,} more" if more > 0 else "")
    return f"Counted by query: {text}."


#: Mean width of a character, in ems, of the theme's sans-serif (measured: 6.2 px at 11 px regular).
EM_REGULAR = 0.57
EM_BOLD = 0.62


def lines(text: str, width: float, font_size: float, *, bold: bool = False) -> list[str]:
    """``text`` broken at spaces into lines that fit ``width`` pixels at ``font_size``.

    A word longer than a line is broken inside. Used for chart titles,
    subtitles and notes, which Vega draws on one line however long.

    Examples
    --------
    >>> lines("Hong Kong and Ukraine: share of all articles over time", 200, 20, bold=True)
    ['Hong Kong and', 'Ukraine: share', 'of all articles', 'over time']
    >>> lines("Short", 640, 20)
    ['Short']
    """
    chars = max(8, int(width / (font_size * (EM_BOLD if bold else EM_REGULAR))))
    return textwrap.wrap(str(text), chars, break_on_hyphens=False) or [str(text)]
