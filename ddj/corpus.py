"""The corpus table: one schema, defined here and nowhere else.

Every loader returns a frame with exactly these columns and dtypes, in this
order; every consumer relies on them. ``conform`` turns any frame with at least
a ``url`` column into a corpus, ``dedupe`` drops repeated articles with a
counted warning.

Columns
-------
id : str
    Stable 16-hex-digit key: a hash of the normalised URL (or of the text when
    there is no URL).
url : str
    The article's address as found.
outlet : str
    The publication's name when the page says it, else its registered domain.
title, description, text, language : str
    Extracted fields; ``language`` is an ISO 639-1 code.
authors : str
    People, no URLs and no "By", joined by ``"; "`` (``read_html`` gives a list).
    A plain string keeps Parquet, CSV, DuckDB and spreadsheets happy.
published : datetime64[us, UTC]
    Publication time. A date known only to the day (from a URL, or a table
    with dates only) is stored at 12:00 UTC so that it stays on its calendar
    day in any time zone from UTC-12 to UTC+12.
published_local : datetime64[us]
    The same moment on the publisher's own clock (the offset the page or
    table gave; UTC when it gave none). Its date is the publisher's calendar
    day, which ``coverage(..., tz="local")`` counts by.
published_from : str
    The signal that gave ``published``: ``json-ld``, ``meta``, ``time-tag``,
    ``htmldate``, ``url``, ``feed``, ``table`` or ``none``.
words : Int64
    Number of words in ``text`` (missing when there is no text).
source : str
    Where the row came from: a file path, a table path and row, or a URL.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from ddj.errors import DroppedRowsWarning, SchemaError

#: Separator of names in the ``authors`` column.
AUTHORS_SEP = "; "

#: Column name -> pandas dtype. The single definition of the corpus schema.
SCHEMA: dict[str, Any] = {
    "id": "str",
    "url": "str",
    "outlet": "str",
    "title": "str",
    "authors": "str",
    "published": "datetime64[us, UTC]",
    "published_local": "datetime64[us]",
    "published_from": "str",
    "language": "str",
    "description": "str",
    "text": "str",
    "words": "Int64",
    "source": "str",
}

COLUMNS: list[str] = list(SCHEMA)

#: Values that ``published_from`` may take.
DATE_SIGNALS = ("json-ld", "meta", "time-tag", "htmldate", "url", "feed", "table", "none")

#: Key under ``DataFrame.attrs`` where loaders keep the list of problems.
PROBLEMS_ATTR = "ddj_problems"
DEMO_ATTR = "ddj_demo"  # attrs key: the corpus holds synthetic demo data; every output built from it says so


def empty() -> pd.DataFrame:
    """Return a corpus with no rows.

    Examples
    --------
    >>> import ddj
    >>> list(ddj.corpus.empty().columns)[:3]
    ['id', 'url', 'outlet']
    """
    return pd.DataFrame({name: pd.Series([], dtype=dtype) for name, dtype in SCHEMA.items()})


def normalize_url(url: str | None) -> str:
    """Key for "the same article": no scheme, no ``www.``, no tracking parameters or fragment.

    Uses courlan (trafilatura's URL library) to drop tracking parameters
    (``utm_*``, ``fbclid``, ``gclid``, ...) and fragments and to sort the query.

    Examples
    --------
    >>> normalize_url("https://www.Example.com/a/?utm_source=x&id=3#top")
    'example.com/a?id=3'
    >>> normalize_url("http://example.com/a?id=3")
    'example.com/a?id=3'
    """
    if url is None or (isinstance(url, float) and np.isnan(url)):
        return ""
    url = str(url).strip()
    if not url:
        return ""
    from courlan import normalize_url as _courlan_normalize

    try:
        url = _courlan_normalize(url, strict=True)
    except Exception:  # courlan rejects some odd strings: fall back to the raw text
        pass
    low = url.split("://", 1)[-1]
    host, sep, rest = low.partition("/")
    host = host.lower()
    if host.startswith("www."):
        host = host[4:]
    path, qsep, query = rest.partition("?")
    path = path.rstrip("/")
    key = host + (sep + path if path else "")
    return key + (qsep + query if query else "")


def article_id(url: str | None, text: str | None = None) -> str:
    """Stable id of an article: hash of its normalised URL, else of its text."""
    basis = normalize_url(url) or ("text:" + (text or ""))
    return hashlib.blake2b(basis.encode("utf-8"), digest_size=8).hexdigest()


def registered_domain(url: str | None) -> str:
    """The registered domain of ``url`` (``news.bbc.co.uk`` -> ``bbc.co.uk``), offline.

    Examples
    --------
    >>> registered_domain("https://news.example.co.uk/a")
    'example.co.uk'
    """
    if not url:
        return ""
    ext = _tld_extractor()(str(url))
    if hasattr(ext, "top_domain_under_public_suffix"):
        domain = ext.top_domain_under_public_suffix
    else:  # tldextract < 5.3
        domain = ext.registered_domain
    if not domain:  # no known public suffix (an intranet or .example host): the host itself
        host = str(url).split("://", 1)[-1].split("/", 1)[0].split("@")[-1].split(":")[0]
        domain = host[4:] if host.lower().startswith("www.") else host
    return domain.lower()


_TLD = None


def _tld_extractor():
    global _TLD
    if _TLD is None:
        import tldextract

        # The bundled public-suffix snapshot: never download the list.
        _TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    return _TLD


def conform(frame: pd.DataFrame | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Return a new frame in the corpus schema, built from records or a frame.

    Missing columns are filled (empty strings stay missing, ``published_from``
    defaults to ``"table"`` where a date is given and ``"none"`` where not), extra
    columns are dropped, dtypes are set, ``id`` and ``words`` are computed when
    absent. The input is never changed.

    Raises
    ------
    SchemaError
        When there is neither a ``url`` nor a ``text`` column.
    """
    df = pd.DataFrame(list(frame)) if not isinstance(frame, pd.DataFrame) else frame.copy()
    if len(df) == 0 and not len(df.columns):
        return empty()
    if "url" not in df.columns and "text" not in df.columns:
        msg = (
            f"A corpus needs a 'url' or a 'text' column; this table has {list(df.columns)}. "
            "Rename the column that holds article links to 'url' (ddj.load(..., columns={'link': 'url'}))."
        )
        raise SchemaError(msg)
    n = len(df)
    out: dict[str, pd.Series] = {}
    for name in ("url", "outlet", "title", "language", "description", "text", "source"):
        col = df[name] if name in df.columns else pd.Series([None] * n, index=df.index)
        out[name] = _as_str(col)
    out["published"] = (
        to_utc(df["published"])
        if "published" in df.columns
        else pd.Series(pd.NaT, index=df.index, dtype=SCHEMA["published"])
    )
    if "published_local" in df.columns:
        local = pd.to_datetime(df["published_local"], errors="coerce", format="ISO8601")
        local = local.dt.tz_localize(None) if isinstance(local.dtype, pd.DatetimeTZDtype) else local
    elif "published" in df.columns:
        local = to_local(df["published"])
    else:
        local = pd.Series(pd.NaT, index=df.index, dtype=SCHEMA["published_local"])
    # a local time is only kept where the instant is known
    out["published_local"] = local.astype(SCHEMA["published_local"]).where(out["published"].notna())
    if "published_from" in df.columns:
        pf = _as_str(df["published_from"])
    else:
        pf = pd.Series(None, index=df.index, dtype="str")
    has_date = out["published"].notna()
    pf = pf.where(pf.notna() | ~has_date, "table").where(pf.notna() | has_date, "none")
    pf = pf.where(has_date | pf.isin(["none"]), "none")
    out["published_from"] = pf.astype("str")
    out["authors"] = (
        _as_authors(df["authors"])
        if "authors" in df.columns
        else pd.Series(None, index=df.index, dtype="str")
    )
    if "words" in df.columns:
        out["words"] = pd.to_numeric(df["words"], errors="coerce").astype("Int64")
    else:
        out["words"] = count_words(out["text"])
    if "id" in df.columns and df["id"].notna().all():
        out["id"] = _as_str(df["id"])
    else:
        out["id"] = pd.Series(
            [article_id(u, t) for u, t in zip(_none(out["url"]), _none(out["text"]), strict=True)],
            index=df.index,
            dtype="str",
        )
    result = pd.DataFrame({name: out[name].astype(SCHEMA[name]) for name in COLUMNS})
    return result.reset_index(drop=True)


def validate(
    corpus: pd.DataFrame, needed: Iterable[str] = ("published",), what: str = "corpus"
) -> None:
    """Raise SchemaError unless ``corpus`` has the ``needed`` columns."""
    if not isinstance(corpus, pd.DataFrame):
        msg = f"Expected a corpus DataFrame (from ddj.load), got {type(corpus).__name__}."
        raise SchemaError(msg)
    missing = [c for c in needed if c not in corpus.columns]
    if missing:
        msg = (
            f"The {what} lacks the column(s) {missing}; it has {list(corpus.columns)}. "
            "Build it with ddj.load(...) or pass it through ddj.corpus.conform(frame)."
        )
        raise SchemaError(msg)


def dedupe(corpus: pd.DataFrame) -> pd.DataFrame:
    """Drop repeated articles (same normalised URL), keeping the first; warn with the count.

    Rows with no URL are never merged. Of each group the row kept is the first
    one that has a publication date, else the first. The problems list in
    ``attrs`` gains one entry per dropped row.
    """
    keys = corpus["url"].map(normalize_url, na_action="ignore").fillna("")
    has_key = keys != ""
    order = corpus["published"].isna().to_numpy().astype(int)  # dated rows first
    ranked = pd.DataFrame({"key": keys, "undated": order, "pos": np.arange(len(corpus))})
    ranked = ranked[has_key.to_numpy()].sort_values(["key", "undated", "pos"], kind="stable")
    drop_pos = ranked.loc[ranked.duplicated("key"), "pos"].to_numpy()
    if len(drop_pos) == 0:
        return corpus.copy()
    keep_of = ranked.drop_duplicates("key").set_index("key")["pos"]
    report = [
        {
            "source": _first_str(corpus["source"].iat[p], corpus["url"].iat[p]),
            "reason": f"duplicate of {corpus['url'].iat[int(keep_of[keys.iat[p]])]}",
        }
        for p in drop_pos
    ]
    mask = np.ones(len(corpus), dtype=bool)
    mask[drop_pos] = False
    result = corpus[mask].reset_index(drop=True)
    result.attrs[PROBLEMS_ATTR] = list(corpus.attrs.get(PROBLEMS_ATTR, [])) + report
    msg = (
        f"Dropped {len(drop_pos)} duplicate article(s) (same URL once scheme, 'www.', "
        "tracking parameters and fragments are removed); ddj.problems(corpus) lists them."
    )
    warnings.warn(DroppedRowsWarning(msg, report), stacklevel=2)
    return result


def problems(corpus: pd.DataFrame) -> pd.DataFrame:
    """The items a loader skipped, dropped or could not date, with the reason.

    Examples
    --------
    >>> import ddj
    >>> ddj.problems(ddj.corpus.empty()).columns.tolist()
    ['source', 'reason']
    """
    rows = corpus.attrs.get(PROBLEMS_ATTR, [])
    return pd.DataFrame(rows, columns=["source", "reason"]).astype("str")


def count_words(text: pd.Series) -> pd.Series:
    """Words in each text (whitespace-separated tokens); missing text gives <NA>."""
    return text.astype("str").str.count(r"\S+").astype("Int64")


def to_utc(values: Any) -> pd.Series:
    """Parse dates to ``datetime64[us, UTC]``.

    Naive times are taken as UTC; a value that is a date only (``2024-10-18``)
    is put at 12:00 UTC so it keeps its day in every time zone. Values that do
    not parse become NaT.
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert("UTC").astype(SCHEMA["published"])
    if pd.api.types.is_datetime64_dtype(s.dtype):
        naive = s.astype("datetime64[us]")
        midnight = naive.notna() & (naive == naive.dt.normalize())
        naive = naive.where(~midnight, naive + pd.Timedelta(hours=12))
        return naive.dt.tz_localize("UTC").astype(SCHEMA["published"])
    text = s.astype("str").str.strip()
    date_only = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{4}/\d{2}/\d{2}|\d{8}", na=False)
    parsed = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
    rest = parsed.isna() & text.notna() & (text != "")
    if rest.any():
        parsed = parsed.copy()
        parsed[rest] = pd.to_datetime(text[rest], utc=True, format="mixed", errors="coerce")
    parsed = parsed.where(~date_only, parsed + pd.Timedelta(hours=12))
    return parsed.astype(SCHEMA["published"])


def to_local(values: Any) -> pd.Series:
    """Wall-clock times as the values state them (offset dropped), ``datetime64[us]``.

    ``"2024-10-18T23:30:00+08:00"`` gives 23:30 on the 18th; values with no
    offset are taken as UTC; a bare day is 12:00, as in :func:`to_utc`.
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    utc = to_utc(s)
    if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(s.dtype):
        return utc.dt.tz_localize(None).astype(SCHEMA["published_local"])

    def offset_of(v: Any) -> pd.Timedelta | None:
        if isinstance(v, datetime) and v.tzinfo is not None:
            return pd.Timedelta(v.utcoffset())
        if isinstance(v, str) and _OFFSET.search(v.strip()):
            try:
                return pd.Timedelta(pd.Timestamp(v.strip()).utcoffset() or 0)
            except (ValueError, TypeError):
                return None
        return None

    offsets = pd.Series([offset_of(v) for v in s], index=s.index, dtype="timedelta64[us]")
    local = utc.dt.tz_localize(None) + offsets.fillna(pd.Timedelta(0))
    return local.astype(SCHEMA["published_local"])


_OFFSET = re.compile(r"(?:[+-]\d\d:?\d\d|Z)$")


def _as_str(col: pd.Series) -> pd.Series:
    s = col.astype("str") if col.dtype != "str" else col
    return s.where(s.str.strip() != "", None).astype("str")


def _first_str(*values: Any) -> str:
    for v in values:
        if isinstance(v, str) and v:
            return v
    return ""


def _none(s: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in s]


def _as_authors(col: pd.Series) -> pd.Series:
    """Lists (or arrays) of names -> one string joined by AUTHORS_SEP; strings are kept."""

    def one(v: Any) -> str | None:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        names = [v] if isinstance(v, str) else [str(p) for p in list(v) if p is not None]
        names = [n.strip() for n in names if n.strip()]
        return AUTHORS_SEP.join(names) if names else None

    return pd.Series([one(v) for v in col], index=col.index, dtype="str")
