"""Tables exported by other tools (CSV, TSV, JSONL, JSON, Parquet) -> corpus rows.

Column names are recognised from the names that scrapers, APIs and newsroom
tools use (``pub_date``, ``article_link``, ``source_title`` ...); anything else
is mapped with ``columns={"their name": "corpus name"}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ddj.corpus import COLUMNS, conform, registered_domain
from ddj.errors import InputError, SchemaError

#: File endings read as tables (a trailing ``.gz`` is allowed on the text ones).
TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet", ".pq")

#: Corpus column -> names recognised for it, most specific first (case and
#: punctuation ignored: ``Pub Date`` and ``pub-date`` are ``pub_date``).
ALIASES: dict[str, tuple[str, ...]] = {
    "url": (
        "url",
        "article_link",
        "article_url",
        "link",
        "links",
        "href",
        "permalink",
        "web_url",
        "story_url",
        "canonical_url",
        "uri",
        "guid",
        "url_address",
    ),
    "published": (
        "published",
        "pub_date",
        "publish_date",
        "published_at",
        "publication_date",
        "date_published",
        "published_date",
        "publishdate",
        "pubdate",
        "publish_time",
        "first_publish_date",
        "datetime",
        "date",
        "timestamp",
        "created_at",
        "time",
        "seendate",
    ),
    "title": ("title", "headline", "article_title", "heading"),
    "outlet": (
        "outlet",
        "source_title",
        "source_name",
        "media_name",
        "publication",
        "publisher",
        "site_name",
        "sitename",
        "newspaper",
        "source",
        "domain",
        "media",
        "feed",
    ),
    "text": (
        "text",
        "body",
        "content",
        "article_text",
        "full_text",
        "fulltext",
        "maintext",
        "article_body",
    ),
    "description": (
        "description",
        "summary",
        "dek",
        "standfirst",
        "abstract",
        "snippet",
        "lede",
        "excerpt",
    ),
    "authors": ("authors", "author", "byline", "creator", "creators", "writer"),
    "language": ("language", "lang", "language_code"),
}


def read_table(path: str | Path, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Read one table file into the corpus schema.

    Parameters
    ----------
    path
        A ``.csv``, ``.tsv``, ``.jsonl``/``.ndjson``, ``.json`` (a list of
        records), or ``.parquet`` file; text formats may be gzipped (``.csv.gz``).
    columns
        ``{"column in the file": "corpus column"}`` for names ddj does not
        recognise by itself (see :data:`ALIASES`).

    Returns
    -------
    DataFrame in the corpus schema; ``source`` is ``path#row=N``.

    Raises
    ------
    InputError
        The file cannot be read as the table its name says.
    SchemaError
        No URL column or no date column could be found.

    Examples
    --------
    >>> read_table("export.csv", columns={"Link zum Artikel": "url"})  # doctest: +SKIP
    """
    path = Path(path)
    raw = _read_raw(path)
    if "published" in raw.columns and set(COLUMNS) <= set(raw.columns):
        mapped = raw[COLUMNS]  # a corpus ddj saved: keep it as it is
    else:
        mapped = map_columns(raw, columns, name=str(path))
    mapped = mapped.copy()
    if mapped["outlet"].isna().all() if "outlet" in mapped.columns else True:
        mapped["outlet"] = [
            registered_domain(u) if isinstance(u, str) else None for u in mapped["url"]
        ]
    if "source" not in mapped.columns:
        mapped["source"] = [f"{path}#row={i}" for i in range(len(mapped))]
    return conform(mapped)


def map_columns(
    raw: pd.DataFrame, columns: Mapping[str, str] | None = None, name: str = "the table"
) -> pd.DataFrame:
    """Rename a table's columns to corpus names: explicit ``columns`` first, then :data:`ALIASES`.

    Examples
    --------
    >>> t = pd.DataFrame({"article_link": ["https://a.example/x"], "pub_date": ["2024-01-02"]})
    >>> list(map_columns(t).columns)
    ['url', 'published']
    """
    columns = dict(columns or {})
    unknown = [c for c in columns if c not in raw.columns]
    if unknown:
        msg = (
            f"{name}: columns={columns!r} names {unknown}, which the table does not have; "
            f"its columns are {list(raw.columns)}."
        )
        raise SchemaError(msg)
    bad_targets = [t for t in columns.values() if t not in COLUMNS]
    if bad_targets:
        msg = f"{name}: columns= maps to {bad_targets}, which are not corpus columns; use any of {COLUMNS}."
        raise SchemaError(msg)
    rename: dict[str, str] = dict(columns)
    taken = set(rename.values())
    normal = {_norm(c): c for c in raw.columns if c not in rename}
    for target, aliases in ALIASES.items():
        if target in taken:
            continue
        for alias in aliases:
            if alias in normal and normal[alias] not in rename:
                rename[normal[alias]] = target
                taken.add(target)
                break
    missing = [c for c in ("url", "published") if c not in taken]
    if missing:
        hints = {"url": "the article links", "published": "the publication dates"}
        wanted = ", ".join(f"'<column with {hints[m]}>': '{m}'" for m in missing)
        msg = (
            f"{name}: found no {' and no '.join(missing)} column among {list(raw.columns)}. "
            f"Name it with ddj.load(..., columns={{{wanted}}}) (CLI: --column NAME=url)."
        )
        raise SchemaError(msg)
    return raw[list(rename)].rename(columns=rename)


def _norm(name: object) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in str(name).strip().lower()).strip("_")


def _read_raw(path: Path) -> pd.DataFrame:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    kind = suffixes[-1] if suffixes else ""
    try:
        if kind == ".parquet" or kind == ".pq":
            return pd.read_parquet(path)
        if kind in (".csv", ".tsv"):
            sep = "\t" if kind == ".tsv" else None
            return pd.read_csv(
                path,
                sep=sep,
                engine="python" if sep is None else "c",
                dtype="str",
                keep_default_na=False,
                na_values=[""],
                encoding_errors="replace",
            )
        if kind in (".jsonl", ".ndjson"):
            return pd.read_json(path, lines=True, dtype=False)
        if kind == ".json":
            return _read_json_records(path)
    except (InputError, SchemaError):
        raise
    except Exception as exc:  # pandas/pyarrow raise many types for a broken file
        msg = (
            f"{path}: could not be read as a {kind.lstrip('.').upper()} table "
            f"({type(exc).__name__}: {exc}). Check that the file is complete and really {kind}."
        )
        raise InputError(msg) from exc
    msg = f"{path}: not a table type ddj reads; use one of {', '.join(TABLE_SUFFIXES)}."
    raise InputError(msg)


def _read_json_records(path: Path) -> pd.DataFrame:
    import gzip

    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        data = json.load(fh)
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if len(lists) == 1 else data
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        msg = f"{path}: a .json table must be a list of records ({{...}} objects); save it as JSON Lines otherwise."
        raise InputError(msg)
    return pd.DataFrame(data)
