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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from ddj.constants import CONFIDENCE, PAGE_TYPES, PROBLEMS_ATTR
from ddj.errors import DdjWarning, SchemaError
from ddj.hostvalues import strip_credentials
from ddj.urls import article_id, normalize_url
from ddj.utils import whole_text

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
        examples = ", ".join(repr(v) for v in values[unknown].unique()[:3])
        msg = (
            f"{int(unknown.sum())} row(s) have a language ddj cannot read as an ISO 639-1 code "
            f"({examples}); their language is left empty. Write codes such as 'en', 'de', 'zh'."
        )
        warnings.warn(DdjWarning(msg), stacklevel=4)
    return codes.astype("str")


def _warn_unknown(column: str, bad: pd.Series, allowed: tuple, instead: str) -> None:
    if not len(bad):
        return
    examples = ", ".join(repr(v) for v in bad.unique()[:3])
    msg = (
        f"{len(bad)} row(s) have a {column} ddj does not know ({examples}); read as {instead}. "
        f"Use one of {', '.join(allowed)}."
    )
    warnings.warn(DdjWarning(msg), stacklevel=4)


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
    report = [
        {
            "source": _first_str(corpus["source"].iat[p], corpus["url"].iat[p]),
            "reason": f"duplicate of {corpus['url'].iat[int(keep_of[keys.iat[p]])]}",
        }
        for p in drop_pos
    ]
    mask = np.ones(len(corpus), dtype=bool)
    mask[drop_pos] = False
    from ddj.utils import note_problems

    msg = (
        f"Dropped {len(drop_pos)} duplicate article(s) (same URL once scheme, 'www.', "
        "tracking parameters and fragments are removed); ddj.problems(corpus) lists them."
    )
    return note_problems(corpus[mask].reset_index(drop=True), report, msg)


def problems(corpus: pd.DataFrame) -> pd.DataFrame:
    """The items a loader skipped, dropped or could not date, and the pages that are not articles.

    A row whose ``page_type`` is not ``article`` is listed as ``"not an
    article: paywall"`` (and so on), sourced by its ``source`` (else its URL).

    Examples
    --------
    >>> import ddj
    >>> ddj.problems(ddj.corpus.empty()).columns.tolist()
    ['source', 'reason']
    """
    from ddj import store

    if isinstance(corpus, store.Store):  # a store (ddj.open): its appends' records, streamed
        return store.problems(corpus)
    rows = list(corpus.attrs.get(PROBLEMS_ATTR, [])) + _not_articles(corpus) + _without_url(corpus)
    return pd.DataFrame(rows, columns=["source", "reason"]).astype("str")


def _without_url(corpus: pd.DataFrame) -> list[dict]:
    """One problem per file of rows with neither URL nor text: their id is their headline's."""
    if not {"url", "text", "source"} <= set(corpus.columns):
        return []
    blank = [corpus[c].isna() | corpus[c].eq("") for c in ("url", "text")]
    missing = (blank[0] & blank[1]).to_numpy()
    if not missing.any():
        return []
    files = corpus["source"][missing].fillna("").str.replace(r"#row=\d+$", "", regex=True)
    return [
        {"source": file, "reason": f"{n} row(s) with no URL: id made from outlet, title and day"}
        for file, n in files.value_counts(sort=False).items()
    ]


def _not_articles(corpus: pd.DataFrame) -> list[dict]:
    """One problem a row whose page is not an article ("not an article: paywall")."""
    if "page_type" not in corpus.columns:
        return []
    kinds = corpus["page_type"]
    other = (kinds.notna() & (kinds != "article")).to_numpy()
    if not other.any():
        return []
    sources = corpus["source"] if "source" in corpus.columns else pd.Series(None, index=kinds.index)
    urls = corpus["url"] if "url" in corpus.columns else pd.Series(None, index=kinds.index)
    return [
        {"source": _first_str(s, u), "reason": f"not an article: {k}"}
        for s, u, k in zip(sources[other], urls[other], kinds[other], strict=True)
    ]


@dataclass(frozen=True)
class LeftOut:
    """The rows a count leaves out by page type and date confidence, and why.

    Attributes
    ----------
    mask
        One bool a row: True where the row is not counted.
    report
        One ``{"source", "reason"}`` a row left out.
    message
        The sentence for the one warning that counts them, or None when no row is left out.
    """

    mask: np.ndarray
    report: list[dict]
    message: str | None


def left_out(
    corpus: pd.DataFrame,
    *,
    pages: tuple[str, ...] | None = ("article",),
    min_confidence: str | None = None,
) -> LeftOut:
    """Rows a count leaves out: pages of other types than ``pages``, dates less sure than ``min_confidence``.

    ``pages`` and ``min_confidence`` as :func:`ddj.params.pages` and
    :func:`ddj.params.confidence` return them (``None``: every row, every
    date). A frame without a ``page_type`` column counts as all articles;
    undated rows are never left out here (a count says how many it had).

    Examples
    --------
    >>> c = conform([{"url": "u1"}, {"url": "u2", "page_type": "paywall"}])
    >>> out = left_out(c)
    >>> out.mask.tolist(), out.report[0]["reason"]
    ([False, True], 'not an article: paywall')
    """
    n = len(corpus)
    other = np.zeros(n, dtype=bool)
    if pages is not None and "page_type" in corpus.columns:
        other = ~corpus["page_type"].fillna("article").isin(pages).to_numpy()
    unsure = np.zeros(n, dtype=bool)
    if min_confidence is not None:
        validate(corpus, ("published", "published_confidence"))
        rank = corpus["published_confidence"].map({c: i for i, c in enumerate(CONFIDENCE)})
        below = rank.isna() | (rank < CONFIDENCE.index(min_confidence))
        unsure = (corpus["published"].notna() & below).to_numpy() & ~other
    mask = other | unsure
    if not mask.any():
        return LeftOut(mask, [], None)
    reasons = pd.Series("", index=corpus.index, dtype=object)
    if other.any():
        reasons[other] = "not an article: " + corpus["page_type"][other].astype(object)
    reasons[unsure] = f"publication date less sure than min_confidence={min_confidence!r}"
    sources = (
        corpus["source"] if "source" in corpus.columns else pd.Series(None, index=corpus.index)
    )
    urls = corpus["url"] if "url" in corpus.columns else pd.Series(None, index=corpus.index)
    report = [
        {"source": _first_str(s, u), "reason": r}
        for s, u, r in zip(sources[mask], urls[mask], reasons[mask], strict=True)
    ]
    return LeftOut(mask, report, _left_out_message(corpus, other, unsure, min_confidence))


def _left_out_message(
    corpus: pd.DataFrame, other: np.ndarray, unsure: np.ndarray, min_confidence: str | None
) -> str:
    parts = []
    if other.any():
        kinds = corpus["page_type"][other].value_counts()
        each = ", ".join(f"{k} {kind}" for kind, k in kinds.items())
        parts.append(
            f"{int(other.sum())} page(s) that are not articles ({each}; ddj.problems(corpus) "
            "lists them, pages='all' counts them)"
        )
    if unsure.any():
        parts.append(
            f"{int(unsure.sum())} whose publication date is less sure than "
            f"min_confidence={min_confidence!r}"
        )
    return f"Left out {' and '.join(parts)}, of {len(corpus)} row(s)."


def count_words(text: pd.Series) -> pd.Series:
    """Words in each text (whitespace-separated tokens); missing text gives <NA>."""
    return text.astype("str").str.count(r"\S+").astype("Int64")


#: Dates before this are not publication dates of online news (a typo, a placeholder, an epoch 0).
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
    """

    utc: pd.Series
    local: pd.Series
    reasons: pd.Series
    rule: str | None


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
    else:
        utc, local, reasons, rule = _from_text(s.astype("str").str.strip(), dayfirst)
    p = _plausible(ParsedDates(utc, local, reasons, rule), s, now)
    back = given.index
    return ParsedDates(
        p.utc.set_axis(back), p.local.set_axis(back), p.reasons.set_axis(back), p.rule
    )


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
        utc = s.dt.tz_convert("UTC").astype(SCHEMA["published"])
        return utc, utc.dt.tz_localize(None).astype(SCHEMA["published_local"])
    naive = s.astype("datetime64[us]")
    midnight = naive.notna() & (naive == naive.dt.normalize())
    naive = naive.where(~midnight, naive + pd.Timedelta(hours=12))
    return naive.dt.tz_localize("UTC").astype(SCHEMA["published"]), naive


def _from_text(
    text: pd.Series, dayfirst: bool | None
) -> tuple[pd.Series, pd.Series, pd.Series, str | None]:
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
    utc = utc.astype(SCHEMA["published"])
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
    return utc, _local(iso, utc), reasons, rule


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
) -> tuple[pd.Series, pd.Series, pd.Series, str | None]:
    """Spreadsheet serial days: no zone (read as UTC); a whole day is 12:00, as other days."""
    utc = pd.Series(pd.NaT, index=text.index, dtype=SCHEMA["published"])
    whole = serials == serials.round()
    days = serials + whole * 0.5
    stamps = EXCEL_EPOCH + pd.to_timedelta((days * 86_400_000_000).round(), unit="us")
    utc[given] = stamps.dt.round("ms").dt.tz_localize("UTC").astype(SCHEMA["published"])
    rule = "read the dates as spreadsheet serial days (days since 1899-12-30, UTC)"
    reasons = pd.Series(None, index=text.index, dtype="str")
    return utc, utc.dt.tz_localize(None).astype(SCHEMA["published_local"]), reasons, rule


def _from_epoch(text: pd.Series) -> pd.Series:
    """Unix timestamps: 13 digits are milliseconds, else seconds (maybe with a fraction)."""
    millis = text.str.len() == 13
    stamps = pd.Series(pd.NaT, index=text.index, dtype=SCHEMA["published"])
    for mask, unit in ((millis, "ms"), (~millis, "s")):
        if mask.any():
            when = pd.to_datetime(pd.to_numeric(text[mask]), unit=unit, utc=True, errors="coerce")
            stamps[mask] = when.dt.floor("us").astype(SCHEMA["published"])
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
    return (utc.dt.tz_localize(None) + offsets.astype("timedelta64[us]")).astype(
        SCHEMA["published_local"]
    )


def _plausible(parsed: ParsedDates, raw: pd.Series, now: pd.Timestamp | None) -> ParsedDates:
    """Dates before :data:`EARLIEST` or after tomorrow become NaT, with the reason."""
    today = (now or pd.Timestamp.now(tz="UTC")).normalize()
    utc = parsed.utc
    wrong = utc.notna() & ((utc < EARLIEST) | (utc >= today + pd.Timedelta(days=2)))
    if not wrong.any():
        return parsed
    reasons = parsed.reasons.copy()
    reasons[wrong] = [
        f"implausible date {_shown(v)!r} (before 1990 or after tomorrow)" for v in raw[wrong]
    ]
    return ParsedDates(utc.where(~wrong), parsed.local.where(~wrong), reasons, parsed.rule)


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, (pd.Timestamp, datetime)) else str(value).strip()


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
        msg = (
            f"{surrogates} text cell(s) held lone surrogates (broken UTF-16, not text any file can "
            "hold); each was replaced by U+FFFD. Fix the source's encoding to keep them."
        )
        warnings.warn(DdjWarning(msg), stacklevel=3)
    if credentials:
        msg = (
            f"removed the user:password part of {credentials} URL(s): ddj never stores credentials."
        )
        warnings.warn(DdjWarning(msg), stacklevel=3)


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
