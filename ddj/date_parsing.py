"""Publication dates as tables and feeds write them, read to UTC and to the clock they state.

:func:`parse_dates` reads a column of dates by one rule (ISO 8601, numeric
day/month with one reading for the whole column, Unix and Excel serials, free
forms that name a year, zone abbreviations through :data:`ZONE_OFFSETS`) and
says why each value that gives no date was refused; :func:`to_utc` and
:func:`to_local` are its two columns, :func:`expanded_date` one value's
written zone. The corpus's ``published`` and ``published_local`` columns
(:mod:`ddj.corpus`) are these, and :func:`local_times` puts them on any
clock. Nothing of ddj above :mod:`ddj.errors` is imported.

Examples
--------
>>> to_utc(["2024-10-18T09:30:00+02:00"]).iloc[0]
Timestamp('2024-10-18 07:30:00+0000', tz='UTC')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from ddj.errors import SchemaError

#: The dtype of a moment in UTC (the corpus's ``published``).
UTC_DTYPE = "datetime64[us, UTC]"
#: The dtype of the same moment on the clock the source states (``published_local``).
LOCAL_DTYPE = "datetime64[us]"


#: The earliest publication date ddj believes, on a page and in a table alike (one rule).
#: Earlier dates are mistakes far more often than articles: an epoch 0 (1970-01-01), a
#: spreadsheet's day 0 (1899-12-30), a two-digit year read in the wrong century, a copyright
#: line. 1990 and not the mid-1990s, when news sites began, because both ways in carry
#: older stories rightly: a table exported from a print archive (Factiva, LexisNexis) holds
#: 1990s print articles, and a news site's archive page states its story's print date.
EARLIEST = pd.Timestamp("1990-01-01", tz="UTC")


@dataclass(frozen=True)
class ParsedDates:
    """Dates parsed from a column, with why each value that gave none was refused.

    Attributes
    ----------
    utc
        ``datetime64[us, UTC]``; NaT where missing, unparseable or implausible.
    local
        ``datetime64[us]``: the same moments on the clock the values state.
    reasons
        Per row, ``"unparseable date '...'"`` or ``"implausible date '...' ..."``,
        or missing where the value was empty or parsed.
    rule
        How ambiguous day/month dates (``01/02/2024``) were read and how to
        choose otherwise; ``None`` when the column had none.
    kinds
        Per row with a reason, its kind of problem (``bad-date``,
        ``implausible-date``, ``unknown-timezone``: see :data:`ddj.problem_rows.KINDS`).
    """

    utc: pd.Series
    local: pd.Series
    reasons: pd.Series
    rule: str | None
    kinds: pd.Series | None = None


def parse_dates(
    values: Any, dayfirst: bool | None = None, now: pd.Timestamp | None = None
) -> ParsedDates:
    """Parse publication dates, saying why each value that gives no date was refused.

    ISO 8601 first, then numeric day/month dates (``18/10/2024``, ``10.18.24``),
    Unix timestamps (10 digits, or 13 for milliseconds), then free forms
    (``18 October 2024``, RFC 2822) that name a four-digit year. A numeric
    day/month column is read by one rule: ``dayfirst`` when given, else
    day-first if any value needs it (``13/02/2024``), else month-first. A date
    with no time of day sits at 12:00 UTC. Dates before 1990 or after tomorrow
    are implausible and become NaT.

    Examples
    --------
    >>> p = parse_dates(["13/02/2024", "01/02/2024", "9999-01-01", "soon"])
    >>> [str(t.date()) if t is not pd.NaT else None for t in p.utc]
    ['2024-02-13', '2024-02-01', None, None]
    >>> p.reasons.tolist()[2:]
    ["implausible date '9999-01-01' (before 1990 or after tomorrow)", "unparseable date 'soon'"]
    """
    given = values if isinstance(values, pd.Series) else pd.Series(values)
    s = given.reset_index(drop=True)  # positions, whatever the index (even with repeats)
    if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(s.dtype):
        utc, local = _from_datetimes(s)
        reasons, rule = pd.Series(None, index=s.index, dtype="str"), None
        kinds = reasons.copy()
    else:
        utc, local, reasons, kinds, rule = _from_text(s.astype("str").str.strip(), dayfirst)
    p = _plausible(ParsedDates(utc, local, reasons, rule, kinds), s, now)
    back = given.index
    return ParsedDates(
        p.utc.set_axis(back), p.local.set_axis(back), p.reasons.set_axis(back), p.rule,
        p.kinds.set_axis(back),
    )  # fmt: skip


def to_utc(values: Any, dayfirst: bool | None = None) -> pd.Series:
    """Parse dates to ``datetime64[us, UTC]`` (see :func:`parse_dates`).

    Naive times are taken as UTC; a value that is a date only (``2024-10-18``)
    is put at 12:00 UTC so it keeps its day in every time zone. Values that do
    not parse, or are implausible, become NaT.
    """
    return parse_dates(values, dayfirst).utc


def to_local(values: Any, dayfirst: bool | None = None) -> pd.Series:
    """Wall-clock times as the values state them (offset dropped), ``datetime64[us]``.

    ``"2024-10-18T23:30:00+08:00"`` gives 23:30 on the 18th; values with no
    offset are taken as UTC; a bare day is 12:00, as in :func:`to_utc`.
    """
    return parse_dates(values, dayfirst).local


#: Time-zone abbreviations read in dates (``Oct 2, 2024 2:03 PM PDT``) -> UTC offset.
#: ``IST`` is India (+05:30), not Irish or Israel Standard Time; ``CST`` is US Central,
#: not China; ``BST`` British Summer Time. Any other abbreviation is refused, counted.
ZONE_OFFSETS: dict[str, str] = {
    "UTC": "+00:00", "UT": "+00:00", "GMT": "+00:00", "Z": "+00:00",
    "EST": "-05:00", "EDT": "-04:00", "CST": "-06:00", "CDT": "-05:00",
    "MST": "-07:00", "MDT": "-06:00", "PST": "-08:00", "PDT": "-07:00",
    "AKST": "-09:00", "AKDT": "-08:00", "HST": "-10:00", "AST": "-04:00", "ADT": "-03:00",
    "NST": "-03:30", "NDT": "-02:30",
    "WET": "+00:00", "WEST": "+01:00", "BST": "+01:00", "IST": "+05:30",
    "CET": "+01:00", "CEST": "+02:00", "MET": "+01:00", "MEST": "+02:00",
    "EET": "+02:00", "EEST": "+03:00", "MSK": "+03:00",
    "PKT": "+05:00", "ICT": "+07:00", "WIB": "+07:00", "SGT": "+08:00", "HKT": "+08:00",
    "AWST": "+08:00", "PHT": "+08:00", "JST": "+09:00", "KST": "+09:00",
    "ACST": "+09:30", "ACDT": "+10:30", "AEST": "+10:00", "AEDT": "+11:00",
    "NZST": "+12:00", "NZDT": "+13:00",
}  # fmt: skip

#: A zone abbreviation after a time of day: ``2:03 PM PDT``, ``14:03 (CEST)``, ``14:03 GMT+1``.
_ZONE_WORD = re.compile(
    r"(?<=[\d\s.M])\s*\(?(?P<zone>[A-Z]{1,5})\)?\s*(?P<rest>[+-]\d{1,2}(?::?\d\d)?)?$"
)

#: ISO 8601 extended format, which pandas reads as it is.
_EXTENDED_ISO = r"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?)?(?:Z|[+-]\d\d:?\d\d)?"

#: ISO 8601 basic format (GDELT's ``20250810T113933Z``, ``20250810113933``, ``20250810``).
_COMPACT_ISO = re.compile(
    r"^(?P<y>\d{4})(?P<m>\d\d)(?P<d>\d\d)"
    r"(?:[T ]?(?P<H>\d\d)(?P<M>\d\d)(?P<S>\d\d)?(?P<f>[.,]\d{1,9})?"
    r"\s*(?P<z>Z|[+-]\d\d(?::?\d\d)?)?)?$"
)


def expanded_date(text: str) -> tuple[str, str | None]:
    """A date written so ISO 8601 readers take it as it says, and the zone word not understood.

    ISO 8601 basic format becomes extended (``20250810T113933Z`` ->
    ``2025-08-10T11:39:33+00:00``); a zone abbreviation after the time (``PDT``,
    ``CEST``, :data:`ZONE_OFFSETS`) becomes its offset. An abbreviation ddj does
    not know is returned second (the text unchanged), so callers refuse the
    value rather than read it in the wrong zone.

    Examples
    --------
    >>> expanded_date("20250810T113933Z")
    ('2025-08-10T11:39:33+00:00', None)
    >>> expanded_date("20250810113933"), expanded_date("20250810")
    (('2025-08-10T11:39:33', None), ('2025-08-10', None))
    >>> expanded_date("Oct 2, 2024 2:03 PM PDT"), expanded_date("2 Oct 2024 14:03 XYZT")
    (('Oct 2, 2024 2:03 PM -07:00', None), ('2 Oct 2024 14:03 XYZT', 'XYZT'))
    """
    compact = _COMPACT_ISO.match(text)
    if compact:
        g = compact.groupdict()
        out = f"{g['y']}-{g['m']}-{g['d']}"
        if g["H"]:
            out += f"T{g['H']}:{g['M']}:{g['S'] or '00'}{(g['f'] or '').replace(',', '.')}"
            zone = g["z"] or ""
            if zone == "Z":
                zone = "+00:00"
            elif zone:
                digits = zone[1:].replace(":", "")
                zone = f"{zone[0]}{digits[:2]}:{digits[2:] or '00'}"
            out += zone
        return out, None
    word = _ZONE_WORD.search(text) if re.search(_TIME_OF_DAY, text) else None
    if word is None or word["zone"] in ("AM", "PM", "A", "P", "T", "Z"):
        return text, None
    zone = word["zone"]
    if zone not in ZONE_OFFSETS:
        return text, zone
    offset = ZONE_OFFSETS[zone]
    if word["rest"]:  # "GMT+1", "UTC-05:00": the offset written after the zone
        sign, digits = word["rest"][0], word["rest"][1:].replace(":", "")
        hours, minutes = (digits[:-2], digits[-2:]) if len(digits) > 2 else (digits, "00")
        offset = f"{sign}{int(hours):02d}:{minutes}"
    return f"{text[: word.start()]} {offset}", None


_OFFSET_PARTS = r"(?:\d|\s)([+-])(\d\d):?(\d\d)$"
_DAY_MONTH = r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})((?:\s+|T).*)?$"
_EPOCH = r"^\d{10}(?:\.\d+)?$|^\d{13}$"
_YEAR_ONLY = r"^\d{4}(?:-\d{1,2})?$"
_HAS_YEAR = r"(?<!\d)\d{4}(?!\d)"
_TIME_OF_DAY = r"\d:\d\d"


def _from_datetimes(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        utc = s.dt.tz_convert("UTC").astype(UTC_DTYPE)
        return utc, utc.dt.tz_localize(None).astype(LOCAL_DTYPE)
    naive = s.astype("datetime64[us]")
    midnight = naive.notna() & (naive == naive.dt.normalize())
    naive = naive.where(~midnight, naive + pd.Timedelta(hours=12))
    return naive.dt.tz_localize("UTC").astype(UTC_DTYPE), naive


def _from_text(
    text: pd.Series, dayfirst: bool | None
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series, str | None]:
    given = text.notna() & (text != "")
    serials = _excel_serials(text[given])
    if serials is not None:
        return _from_excel(text, given, serials)
    partial = text.str.fullmatch(_YEAR_ONLY, na=False)  # "2024" or "2024-10" is not a day
    plain = text.str.fullmatch(_EXTENDED_ISO, na=False)  # most values: nothing to rewrite
    expanded = [
        expanded_date(v) if g and not p else (v, None)
        for v, g, p in zip(text, given, plain, strict=True)
    ]
    zones = pd.Series([z for _, z in expanded], index=text.index, dtype="str")
    unknown_zone = zones.notna()
    written = pd.Series([v for v, _ in expanded], index=text.index, dtype="str")
    iso, bad_dm, name, rule = _day_month_as_iso(
        written.where(given & ~partial & ~unknown_zone), dayfirst
    )
    utc = pd.to_datetime(iso, utc=True, format="ISO8601", errors="coerce")
    epoch = given & text.str.fullmatch(_EPOCH, na=False)
    if epoch.any():
        utc = utc.copy()
        utc[epoch] = _from_epoch(text[epoch])
    free = utc.isna() & given & ~bad_dm & ~epoch & iso.str.contains(_HAS_YEAR, na=False)
    if free.any():
        utc = utc.copy()
        utc[free] = pd.to_datetime(iso[free], utc=True, format="mixed", errors="coerce")
    utc = utc.astype(UTC_DTYPE)
    day_only = given & ~epoch & ~iso.str.contains(_TIME_OF_DAY, na=False)
    utc = utc.where(~day_only, utc + pd.Timedelta(hours=12))
    reasons = pd.Series(None, index=text.index, dtype="str")
    failed = given & utc.isna()
    reasons[failed] = [f"unparseable date {v!r}" for v in text[failed]]
    reasons[partial] = [
        f"unparseable date {v!r} (a year or month, not a day)" for v in text[partial]
    ]
    reasons[bad_dm] = [f"unparseable date {v!r} (not a valid {name} date)" for v in text[bad_dm]]
    reasons[unknown_zone] = [
        f"unparseable date {v!r} (time zone {z!r} unknown: write it as an offset such as +01:00)"
        for v, z in zip(text[unknown_zone], zones[unknown_zone], strict=True)
    ]
    kinds = pd.Series(None, index=text.index, dtype="str").where(reasons.isna(), "bad-date")
    kinds[unknown_zone] = "unknown-timezone"
    return utc, _local(iso, utc), reasons, kinds, rule


#: Day 0 of spreadsheet serial dates (Excel, LibreOffice, Google Sheets: 1900 system).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_SERIAL = r"^\d{5}(?:\.\d+)?$"


def _excel_serials(text: pd.Series) -> pd.Series | None:
    """Days since :data:`EXCEL_EPOCH` when every value is a plausible serial date, else None.

    Only a whole column is read this way: every value five digits (with an
    optional fraction of a day) between 1990 and tomorrow, so a stray number
    in a column of dates is never taken for one.
    """
    if text.empty or not text.str.fullmatch(_SERIAL).all():
        return None
    days = pd.to_numeric(text)
    first = (EARLIEST.tz_localize(None) - EXCEL_EPOCH).days
    last = (pd.Timestamp.now(tz="UTC").tz_localize(None).normalize() - EXCEL_EPOCH).days + 2
    return days if days.between(first, last).all() else None


def _from_excel(
    text: pd.Series, given: pd.Series, serials: pd.Series
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series, str | None]:
    """Spreadsheet serial days: no zone (read as UTC); a whole day is 12:00, as other days."""
    utc = pd.Series(pd.NaT, index=text.index, dtype=UTC_DTYPE)
    whole = serials == serials.round()
    days = serials + whole * 0.5
    stamps = EXCEL_EPOCH + pd.to_timedelta((days * 86_400_000_000).round(), unit="us")
    utc[given] = stamps.dt.round("ms").dt.tz_localize("UTC").astype(UTC_DTYPE)
    rule = "read the dates as spreadsheet serial days (days since 1899-12-30, UTC)"
    reasons = pd.Series(None, index=text.index, dtype="str")
    return utc, utc.dt.tz_localize(None).astype(LOCAL_DTYPE), reasons, reasons.copy(), rule


def _from_epoch(text: pd.Series) -> pd.Series:
    """Unix timestamps: 13 digits are milliseconds, else seconds (maybe with a fraction)."""
    millis = text.str.len() == 13
    stamps = pd.Series(pd.NaT, index=text.index, dtype=UTC_DTYPE)
    for mask, unit in ((millis, "ms"), (~millis, "s")):
        if mask.any():
            when = pd.to_datetime(pd.to_numeric(text[mask]), unit=unit, utc=True, errors="coerce")
            stamps[mask] = when.dt.floor("us").astype(UTC_DTYPE)
    return stamps


def _day_month_as_iso(
    text: pd.Series, dayfirst: bool | None
) -> tuple[pd.Series, pd.Series, str, str | None]:
    """Numeric day/month dates rewritten as ISO by one rule for the column.

    Returns the rewritten text, which values are no valid date by that rule,
    the rule's name and, when the rule was inferred for ambiguous values, a
    sentence saying so and how to choose.
    """
    parts = text.str.extract(_DAY_MONTH)
    found = parts[0].notna()
    if not found.any():
        return text, pd.Series(False, index=text.index), "", None
    a = pd.to_numeric(parts[0]).astype("Int64")
    b = pd.to_numeric(parts[2]).astype("Int64")
    first = _dayfirst_rule(a[found], b[found], dayfirst)
    day, month = (a, b) if first else (b, a)
    year = pd.to_numeric(parts[3]).astype("Int64")
    year = year.where(parts[3].str.len() == 4, _century(year))
    valid = (found & month.between(1, 12) & day.between(1, 31)).fillna(False).astype(bool)
    iso = text.copy()
    iso[valid] = [
        f"{y:04d}-{m:02d}-{d:02d}{rest}"
        for y, m, d, rest in zip(
            year[valid], month[valid], day[valid], parts.loc[valid, 4].fillna(""), strict=True
        )
    ]
    name = "day-first" if first else "month-first"
    bad = (found & ~valid).astype(bool)
    ambiguous = (found & (a <= 12) & (b <= 12) & (a != b)).fillna(False).astype(bool)
    if dayfirst is not None or not ambiguous.any():
        return iso, bad, name, None
    needs = (a > 12) & (b <= 12) if first else (b > 12) & (a <= 12)
    needs = needs.fillna(False).astype(bool)
    why = f"as {text[needs].iloc[0]!r} needs" if needs.any() else "as no value needs day-first"
    rule = (
        f"read {int(ambiguous.sum())} date(s) such as {text[ambiguous].iloc[0]!r}, which could be "
        f"day/month or month/day, {name}, {why}; pass dayfirst={not first} "
        f"(CLI: --{'no-' if first else ''}dayfirst) to read them {'month' if first else 'day'}-first"
    )
    return iso, bad, name, rule


def _dayfirst_rule(a: pd.Series, b: pd.Series, dayfirst: bool | None) -> bool:
    """``dayfirst`` if given; else day-first when more values need it than need month-first."""
    if dayfirst is not None:
        return bool(dayfirst)
    need_day = int(((a > 12) & (b <= 12)).sum())
    need_month = int(((b > 12) & (a <= 12)).sum())
    return need_day > need_month


def _century(year: pd.Series) -> pd.Series:
    """Two-digit years: this century up to next year, else the last one."""
    pivot = pd.Timestamp.now(tz="UTC").year % 100 + 1
    return year.where(year > pivot, year + 2000).where(year <= pivot, year + 1900)


def _local(text: pd.Series, utc: pd.Series) -> pd.Series:
    """``utc`` on the clock of the offset each value states (UTC where it states none)."""
    parts = text.where(text.str.contains(_TIME_OF_DAY, na=False)).str.extract(_OFFSET_PARTS)
    sign = parts[0].map({"+": 1, "-": -1}).fillna(0).astype("int64")
    minutes = pd.to_numeric(parts[1]).fillna(0) * 60 + pd.to_numeric(parts[2]).fillna(0)
    offsets = pd.to_timedelta((sign * minutes).astype("int64"), unit="min")
    offsets = offsets.where(minutes < 24 * 60, pd.Timedelta(0))  # "+25:00" is no offset
    return (utc.dt.tz_localize(None) + offsets.astype("timedelta64[us]")).astype(LOCAL_DTYPE)


def _plausible(parsed: ParsedDates, raw: pd.Series, now: pd.Timestamp | None) -> ParsedDates:
    """Dates before :data:`EARLIEST` or after tomorrow become NaT, with the reason."""
    today = (now or pd.Timestamp.now(tz="UTC")).normalize()
    utc = parsed.utc
    wrong = utc.notna() & ((utc < EARLIEST) | (utc >= today + pd.Timedelta(days=2)))
    if not wrong.any():
        return parsed
    reasons, kinds = parsed.reasons.copy(), parsed.kinds.copy()
    reasons[wrong] = [
        f"implausible date {_shown(v)!r} (before 1990 or after tomorrow)" for v in raw[wrong]
    ]
    kinds[wrong] = "implausible-date"
    return ParsedDates(utc.where(~wrong), parsed.local.where(~wrong), reasons, parsed.rule, kinds)


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, (pd.Timestamp, datetime)) else str(value).strip()


def local_times(corpus: pd.DataFrame, tz: str) -> pd.Series:
    """The corpus's publication times on the clock of ``tz``, naive (``"local"``: the source's own).

    Raises
    ------
    SchemaError
        ``tz="local"`` without a ``published_local`` column, or a ``published``
        column that is not time-zone aware.

    Examples
    --------
    >>> frame = pd.DataFrame({"published": to_utc(["2024-10-18T23:30:00Z"])})
    >>> str(local_times(frame, "Asia/Hong_Kong").iloc[0])
    '2024-10-19 07:30:00'
    """
    if tz == "local":
        if "published_local" not in corpus.columns:
            msg = "tz='local' needs the corpus's published_local column; load the corpus with ddj.load()."
            raise SchemaError(msg)
        return corpus["published_local"].astype("datetime64[us]")
    published = corpus["published"]
    if not isinstance(published.dtype, pd.DatetimeTZDtype):
        msg = "The corpus's 'published' column is not a time-zone-aware datetime: load it with ddj.load()."
        raise SchemaError(msg)
    return published.dt.tz_convert(tz).dt.tz_localize(None)
