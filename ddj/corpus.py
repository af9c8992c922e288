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
    ``htmldate``, ``url``, ``feed``, ``table`` or ``none``; from services,
    ``mediacloud`` (the date Media Cloud gives) or ``gdelt-seen`` (when GDELT
    saw the article, not when it was published).
words : Int64
    Number of words in ``text`` (missing when there is no text).
source : str
    Where the row came from: a file path, a table path and row, or a URL.
page_type : str
    What the page is: ``article``, or ``paywall``, ``blocked``, ``consent``,
    ``error``, ``index`` (:data:`PAGE_TYPES`; ``ddj.extract.page_type``). Tables
    and feeds, which cannot tell, give ``article``. ``coverage`` and ``match``
    count articles only, unless asked otherwise.
published_confidence : str
    How sure ``published`` is: ``high``, ``medium`` or ``low``
    (:data:`CONFIDENCE`), missing when there is no date. ``read_html`` says
    whether the page shows its reader the day it found
    (:func:`ddj.extract.dates.confidence`, calibrated on real pages: high
    97.6% right, medium 90%, low 69%). Where a source does not say (tables,
    feeds, corpora saved before the column), it follows ``published_from``:
    the source's own statement (json-ld, meta, feed, table) is high, a
    ``<time>`` tag or the URL medium, htmldate's estimate low.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ddj import problem_rows, warns
from ddj.constants import CONFIDENCE, PAGE_TYPES
from ddj.date_parsing import LOCAL_DTYPE, UTC_DTYPE, parse_dates
from ddj.errors import SchemaError
from ddj.hostvalues import strip_credentials
from ddj.urls import article_id, normalize_url
from ddj.utils import note_problems, whole_text

#: Separator of names in the ``authors`` column.
AUTHORS_SEP = "; "

#: Column name -> pandas dtype. The single definition of the corpus schema.
SCHEMA: dict[str, Any] = {
    "id": "str",
    "url": "str",
    "outlet": "str",
    "title": "str",
    "authors": "str",
    "published": UTC_DTYPE,
    "published_local": LOCAL_DTYPE,
    "published_from": "str",
    "language": "str",
    "description": "str",
    "text": "str",
    "words": "Int64",
    "source": "str",
    "page_type": "str",
    "published_confidence": "str",
}

COLUMNS: list[str] = list(SCHEMA)

#: How sure a date is, by the signal that gave it, where the source does not say.
CONFIDENCE_OF_SIGNAL = {
    "json-ld": "high",
    "meta": "high",
    "feed": "high",
    "table": "high",
    "time-tag": "medium",
    "url": "medium",
    "htmldate": "low",
    "mediacloud": "medium",
    "gdelt-seen": "low",
}

#: Columns that corpora saved before ddj 0.14 lack; ``conform`` fills them.
ADDED_COLUMNS = ("page_type", "published_confidence")

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


def conform(frame: pd.DataFrame | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Return a new frame in the corpus schema, built from records or a frame.

    Missing columns are filled (empty strings stay missing, ``published_from``
    defaults to ``"table"`` where a date is given and ``"none"`` where not,
    ``page_type`` to ``"article"``, ``published_confidence`` to what
    ``published_from`` implies, :data:`CONFIDENCE_OF_SIGNAL`), extra columns are
    dropped, dtypes are set, ``id`` and ``words`` are computed when absent. The
    input is never changed. A ``page_type`` or ``published_confidence`` ddj does
    not know is read as the default, with a warning that counts them.

    Raises
    ------
    SchemaError
        When there is no ``url``, ``text`` or ``title`` column.

    Examples
    --------
    >>> c = conform([{"url": "https://news.example.org/a", "published": "2024-10-18",
    ...               "published_from": "url"}, {"url": "https://news.example.org/b"}])
    >>> c[["published_from", "page_type", "published_confidence"]].to_dict("records")
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'published_from': 'url', 'page_type': 'article', 'published_confidence': 'medium'},
     {'published_from': 'none', 'page_type': 'article', 'published_confidence': nan}]
    """
    df = pd.DataFrame(list(frame)) if not isinstance(frame, pd.DataFrame) else frame.copy()
    if len(df) == 0 and not len(df.columns):
        return empty()
    if not {"url", "text", "title"} & set(df.columns):
        msg = (
            f"A corpus needs a 'url', 'text' or 'title' column; this table has {list(df.columns)}. "
            "Rename the column that holds article links to 'url' (ddj.load(..., columns={'link': 'url'}))."
        )
        raise SchemaError(msg)
    n = len(df)
    out: dict[str, pd.Series] = {}
    repaired = 0
    for name in ("url", "outlet", "title", "language", "description", "text", "source"):
        col = df[name] if name in df.columns else pd.Series([None] * n, index=df.index)
        col, bad = _valid_unicode(col)
        repaired += bad
        out[name] = _as_str(col)
    out["language"] = language_codes(out["language"])
    out["url"], with_credentials = _without_credentials(out["url"])
    _warn_repairs(repaired, with_credentials)
    if "published" in df.columns:
        parsed = parse_dates(df["published"])
        out["published"], local = parsed.utc, parsed.local
    else:
        out["published"] = pd.Series(pd.NaT, index=df.index, dtype=SCHEMA["published"])
        local = pd.Series(pd.NaT, index=df.index, dtype=SCHEMA["published_local"])
    if "published_local" in df.columns:
        local = pd.to_datetime(df["published_local"], errors="coerce", format="ISO8601")
        local = local.dt.tz_localize(None) if isinstance(local.dtype, pd.DatetimeTZDtype) else local
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
    out["page_type"] = _page_types(df)
    out["published_confidence"] = _confidences(df, out["published_from"], has_date)
    if "id" in df.columns and df["id"].notna().all():
        out["id"] = _as_str(df["id"])
    else:
        days = out["published"].dt.strftime("%Y-%m-%d")
        columns = (out["url"], out["text"], out["outlet"], out["title"], days)
        out["id"] = pd.Series(
            [
                article_id(u, t, outlet=o, title=h, day=d)
                for u, t, o, h, d in zip(*map(_none, columns), strict=True)
            ],
            index=df.index,
            dtype="str",
        )
    result = pd.DataFrame({name: out[name].astype(SCHEMA[name]) for name in COLUMNS})
    return result.reset_index(drop=True)


def _page_types(df: pd.DataFrame) -> pd.Series:
    """``page_type`` as given (trimmed, lower case), ``"article"`` where missing or unknown."""
    if "page_type" not in df.columns:
        return pd.Series("article", index=df.index, dtype="str")
    given = _as_str(df["page_type"]).str.strip().str.lower()
    known = given.isin(PAGE_TYPES)
    _warn_unknown("page_type", given[~known & given.notna()], PAGE_TYPES, "'article'")
    return given.where(known, "article").astype("str")


def _confidences(df: pd.DataFrame, signal: pd.Series, has_date: pd.Series) -> pd.Series:
    """``published_confidence`` as given where known, else what the signal implies; missing without a date."""
    implied = signal.map(CONFIDENCE_OF_SIGNAL).astype("str")
    if "published_confidence" in df.columns:
        given = _as_str(df["published_confidence"]).str.strip().str.lower()
        known = given.isin(CONFIDENCE)
        _warn_unknown(
            "published_confidence",
            given[~known & given.notna() & has_date],
            CONFIDENCE,
            "what published_from implies",
        )
        implied = given.where(known, implied)
    return implied.where(has_date).astype("str")


def _split_names(names: str) -> list[str]:
    """``"tiếng việt vie"`` -> its names; two-word names are kept whole where listed so."""
    whole = [n for n in ("tiếng việt", "bahasa indonesia", "bahasa melayu") if n in names]
    rest = names
    for n in whole:
        rest = rest.replace(n, "")
    return whole + rest.split()


#: The ISO 639-1 codes: a ``language`` is one of these (``iw``, ``in``, ``ji`` are old codes).
_ISO_639_1_CODES = (
    "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da "
    "de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy "
    "hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg "
    "li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or "
    "os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta "
    "te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
)
ISO_639_1 = frozenset(_ISO_639_1_CODES.split())

#: Names and three-letter codes of common languages -> ISO 639-1 (lower case, accents kept).
LANGUAGE_NAMES: dict[str, str] = {
    **{name: code for code, names in {
        "en": "english eng", "de": "german deutsch deu ger", "fr": "french français francais fra fre",
        "es": "spanish español espanol castellano spa", "it": "italian italiano ita",
        "pt": "portuguese português portugues por", "nl": "dutch nederlands nld dut",
        "sv": "swedish svenska swe", "no": "norwegian norsk nor", "nb": "bokmål bokmal nob",
        "da": "danish dansk dan", "fi": "finnish suomi fin", "pl": "polish polski pol",
        "cs": "czech čeština cestina ces cze", "sk": "slovak slovenčina slk slo",
        "hu": "hungarian magyar hun", "ro": "romanian română romana ron rum",
        "bg": "bulgarian български bul", "el": "greek ελληνικά ell gre", "ru": "russian русский rus",
        "uk": "ukrainian українська ukr", "tr": "turkish türkçe turkce tur", "ar": "arabic العربية ara",
        "he": "hebrew עברית heb iw", "fa": "persian farsi فارسی fas per", "hi": "hindi हिन्दी हिंदी hin",
        "bn": "bengali bangla বাংলা ben", "ur": "urdu اردو urd", "zh": "chinese 中文 汉语 漢語 zho chi",
        "ja": "japanese 日本語 jpn", "ko": "korean 한국어 kor", "vi": "vietnamese tiếng việt vie",
        "th": "thai ไทย tha", "id": "indonesian bahasa indonesia ind in",
        "ms": "malay bahasa melayu msa may", "tl": "tagalog filipino tgl fil", "sw": "swahili kiswahili swa",
        "ca": "catalan català cat", "hr": "croatian hrvatski hrv", "sr": "serbian српски srpski srp",
        "sl": "slovenian slovene slovenščina slv", "et": "estonian eesti est", "lv": "latvian latviešu lav",
        "lt": "lithuanian lietuvių lit", "ga": "irish gaeilge gle", "cy": "welsh cymraeg cym wel",
        "is": "icelandic íslenska isl ice", "af": "afrikaans afr", "yi": "yiddish ji yid",
        "ta": "tamil தமிழ் tam", "mr": "marathi मराठी mar", "pa": "punjabi ਪੰਜਾਬੀ pan",
    }.items() for name in _split_names(names)},
}  # fmt: skip


def language_code(value: Any) -> str | None:
    """The ISO 639-1 code of a language as tables and pages write it; None when unknown.

    Codes with a region (``zh-CN``, ``pt_BR``) keep the language; names in
    English or in the language itself (``German``, ``Français``) and three-letter
    codes (``deu``) are mapped through :data:`LANGUAGE_NAMES`.

    Examples
    --------
    >>> [language_code(v) for v in ["English", "german", "Français", "zh-CN", "EN", "Klingon"]]
    ['en', 'de', 'fr', 'zh', 'en', None]
    """
    if not isinstance(value, str):
        return None
    text = " ".join(value.split()).casefold()
    if text in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[text]
    head = re.split(r"[-_\s(,;]", text, maxsplit=1)[0]
    if head in ISO_639_1:
        return head
    return LANGUAGE_NAMES.get(head)


def language_codes(values: pd.Series) -> pd.Series:
    """:func:`language_code` of each value, with a warning counting the values it cannot read."""
    given = values.notna() & values.astype("str").str.strip().ne("")
    distinct = {v: language_code(v) for v in values[given].unique()}
    codes = values.map(distinct).where(given)
    unknown = given & codes.isna()
    if unknown.any():
        bad = values[unknown].unique()
        report = _unknown_rows("language", bad, "not an ISO 639-1 code: left empty")
        warnings.warn(warns.unknown_language(report, int(unknown.sum()), bad[:3]), stacklevel=4)
    return codes.astype("str")


def _warn_unknown(column: str, bad: pd.Series, allowed: tuple, instead: str) -> None:
    if not len(bad):
        return
    values = bad.unique()
    report = _unknown_rows(column, values, f"read as {instead}")
    warning = warns.unknown_value(report, column, len(bad), values[:3], allowed, instead)
    warnings.warn(warning, stacklevel=4)


def _unknown_rows(column: str, values: Any, done: str) -> list[dict]:
    """One problem a distinct unknown value of ``column`` (the first 20), sourced by the column."""
    return [
        problem_rows.problem("unknown-value", column, f"{column} {v!r} unknown: {done}")
        for v in list(values)[:20]
    ]


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
    article (``page_type``; a teaser or challenge page fetched once and the
    article fetched again share a URL) that has a publication date, else the
    first article, else the first. The problems list in ``attrs`` gains one
    entry per dropped row.
    """
    keys = corpus["url"].map(normalize_url, na_action="ignore").astype("str").fillna("")
    has_key = keys != ""
    order = corpus["published"].isna().to_numpy().astype(int)  # dated rows first
    other = (
        (corpus["page_type"].fillna("article") != "article").to_numpy().astype(int)
        if "page_type" in corpus.columns
        else np.zeros(len(corpus), dtype=int)
    )  # articles before other page types
    ranked = pd.DataFrame(
        {"key": keys, "other": other, "undated": order, "pos": np.arange(len(corpus))}
    )
    ranked = ranked[has_key.to_numpy()].sort_values(
        ["key", "other", "undated", "pos"], kind="stable"
    )
    drop_pos = ranked.loc[ranked.duplicated("key"), "pos"].to_numpy()
    if len(drop_pos) == 0:
        return corpus.copy()
    keep_of = ranked.drop_duplicates("key").set_index("key")["pos"]
    ids = corpus["id"] if "id" in corpus.columns else pd.Series(None, index=corpus.index)
    report = [
        problem_rows.problem(
            "duplicate",
            _first_str(corpus["source"].iat[p], corpus["url"].iat[p]),
            f"duplicate of {corpus['url'].iat[int(keep_of[keys.iat[p]])]}",
            id=ids.iat[p],
            url=corpus["url"].iat[p],
        )
        for p in drop_pos
    ]
    mask = np.ones(len(corpus), dtype=bool)
    mask[drop_pos] = False
    return note_problems(corpus[mask].reset_index(drop=True), report, warns.duplicates(report))


def count_words(text: pd.Series) -> pd.Series:
    """Words in each text (whitespace-separated tokens); missing text gives <NA>."""
    return text.astype("str").str.count(r"\S+").astype("Int64")


def _valid_unicode(col: pd.Series) -> tuple[pd.Series, int]:
    """``col`` with lone surrogates (text no file can hold) replaced by U+FFFD, and how many cells."""
    if col.dtype == "str":
        return col, 0  # an Arrow string column cannot hold a surrogate

    def bad(v: Any) -> bool:
        if not isinstance(v, str):
            return False
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False

    mask = col.map(bad).astype(bool)
    if not mask.any():
        return col, 0
    fixed = col.copy()
    fixed[mask] = [whole_text(v) for v in col[mask]]
    return fixed, int(mask.sum())


def _without_credentials(urls: pd.Series) -> tuple[pd.Series, int]:
    """``urls`` with every ``user:password@`` removed, and how many had one."""
    has = urls.str.contains("@", regex=False, na=False)
    if not has.any():
        return urls, 0
    clean = urls.copy()
    clean[has] = [strip_credentials(u) for u in urls[has]]
    changed = int((clean[has] != urls[has]).sum())
    return clean, changed


def _warn_repairs(surrogates: int, credentials: int) -> None:
    if surrogates:
        why = f"{surrogates} text cell(s) with lone surrogates: each replaced by U+FFFD"
        report = [problem_rows.problem("repaired", "text", why)]
        warnings.warn(warns.surrogates(report, surrogates), stacklevel=3)
    if credentials:
        why = f"user:password removed from {credentials} URL(s)"
        report = [problem_rows.problem("repaired", "url", why)]
        warnings.warn(warns.credentials(report, credentials), stacklevel=3)


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
