"""Audit labels: a person's yes/no on whether an article is about a topic, kept in a CSV file.

The file sits beside the topics file (``topics.yml`` -> ``topics.labels.csv``;
the current folder's ``topics.labels.csv`` for the shipped topics or a
typed query). One row a judgement: ``id`` (the article), ``topic`` (its
name), ``query`` (the query the sample was drawn with), ``label``
(``yes``, ``no`` or ``skip``) and ``labelled`` (UTC time). A label says
whether the *article is about the topic*, so it holds whatever the query:
when a topic's query changes, :func:`for_sample` reuses the labels of its
articles already judged (by id and topic name) and only the new ones are
asked. A query typed as text is its own topic; name it (``{"lai": '"Jimmy
Lai"'}`` or a topics file) to carry its labels over to the next version.

Every write is atomic (a reader sees the old file or the new one, whole) and
formula-safe (a cell starting with ``=`` ``+`` ``-`` ``@`` gets a leading
``'``, removed again on reading). The file is read as untrusted: at most
``MAX_LABELS_BYTES`` and ``MAX_LABEL_ROWS`` rows; each row is checked, and
a bad one is left out, named (its line and why) in one counted warning.

Examples
--------
>>> import tempfile
>>> path = Path(tempfile.mkdtemp()) / "topics.labels.csv"
>>> _ = record(path, "00000000000000ff", "lai", '"Jimmy Lai"', "yes")
>>> read(path)[["id", "topic", "label"]].values.tolist()
[['00000000000000ff', 'lai', 'yes']]
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ddj import warns
from ddj.errors import InputError, ParameterError
from ddj.files import read_regular, shown
from ddj.publishing import spreadsheet_safe
from ddj.query import MAX_QUERY_CHARS
from ddj.utils import atomic_write

#: The columns of a labels file, in order.
COLUMNS = ["id", "topic", "query", "label", "labelled"]
#: The labels a person gives; ``skip`` is kept (not asked again) but never counted.
LABELS = ("yes", "no", "skip")
#: What a labels file may hold at most.
MAX_LABELS_BYTES = 50_000_000
MAX_LABEL_ROWS = 200_000
MAX_ID_CHARS = 200
MAX_TOPIC_CHARS = 200
#: Words a spreadsheet user may type for a label, read as ``yes``/``no``/``skip``.
SPELLINGS = {
    "yes": "yes", "y": "yes", "1": "yes", "true": "yes", "relevant": "yes",
    "no": "no", "n": "no", "0": "no", "false": "no", "not relevant": "no",
    "skip": "skip", "s": "skip", "?": "skip",
}  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def path_for(topics_file: str | os.PathLike | None = None) -> Path:
    """Where the labels of a topics file live: beside it, ``NAME.labels.csv``.

    Examples
    --------
    >>> path_for("work/topics.yml").as_posix()
    'work/topics.labels.csv'
    >>> path_for(None).name
    'topics.labels.csv'
    """
    if topics_file is None:
        return Path("topics.labels.csv")
    topics_file = Path(topics_file)
    return topics_file.with_name(f"{topics_file.stem}.labels.csv")


def empty() -> pd.DataFrame:
    """A labels table with no rows."""
    return pd.DataFrame({c: pd.Series(dtype="str") for c in COLUMNS})


def read(path: str | os.PathLike, *, missing_ok: bool = True) -> pd.DataFrame:
    """The labels in a file, each row checked; bad rows left out and named in one warning.

    A missing file is no labels yet (``missing_ok``). The table's ``attrs``
    hold ``problems``: one dict a bad row (``source``: file and line,
    ``reason``).

    Raises
    ------
    InputError
        A file that is not a regular file, is larger than ``MAX_LABELS_BYTES``,
        is not UTF-8 text, has no ``id`` and ``label`` columns or too many rows.
    """
    path = Path(path)
    if missing_ok and not path.exists() and not path.is_symlink():
        return empty()
    data = read_regular(path, MAX_LABELS_BYTES, "labels file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"{shown(path)}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8 CSV."
        raise InputError(msg) from exc
    return parse(text, str(shown(path)))


def parse(text: str, where: str = "labels") -> pd.DataFrame:
    r"""Labels from CSV text (``id`` and ``label`` needed; ``topic``, ``query``, ``labelled`` read when present).

    A row with an id and a blank label is not labelled yet: counted in
    ``attrs['unlabelled']``, not a problem. Other columns are ignored.

    Examples
    --------
    >>> parse("id,topic,label\nabc,lai,Y\n,lai,yes\nabd,lai,maybe\n")["label"].tolist()
    ['yes']
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        msg = f"{where}: not a CSV file ({exc}); give a CSV with the columns {COLUMNS}."
        raise InputError(msg) from exc
    names = [_unsafe(h).strip().lower() for h in header or []]
    if "id" not in names or "label" not in names:
        msg = f"{where}: a labels file needs the columns 'id' and 'label' (it has {names[:20]}); columns: {COLUMNS}."
        raise InputError(msg)
    at = {c: names.index(c) for c in COLUMNS if c in names}
    rows, bad = [], []
    unlabelled = 0
    line = 1
    try:
        for line, cells in enumerate(reader, start=2):
            if line - 1 > MAX_LABEL_ROWS:
                msg = f"{where}: more than {MAX_LABEL_ROWS:,} rows; split the file."
                raise InputError(msg)
            if not any(c.strip() for c in cells):
                continue
            row = {c: _unsafe(cells[i]).strip() if i < len(cells) else "" for c, i in at.items()}
            if row["id"] and not row["label"]:  # not labelled yet (a sample being labelled)
                unlabelled += 1
                continue
            why = problem(row)
            if why:
                bad.append({"source": f"{where}, line {line}", "reason": why, "kind": "bad-label"})
            else:
                row["label"] = SPELLINGS[row["label"].lower()]
                rows.append({c: row.get(c, "") for c in COLUMNS})
    except csv.Error as exc:
        bad.append(
            {"source": f"{where}, line {line}", "reason": f"not CSV: {exc}", "kind": "bad-label"}
        )
    if bad:
        warnings.warn(warns.bad_labels(bad, where), stacklevel=2)
    out = pd.DataFrame(rows, columns=COLUMNS).astype("str") if rows else empty()
    out.attrs["problems"] = bad
    out.attrs["unlabelled"] = unlabelled
    return out


def problem(row: Mapping[str, str]) -> str | None:
    """Why one labels row cannot be used (None: it can).

    Examples
    --------
    >>> problem({"id": "ab", "label": "perhaps"})
    "label 'perhaps' is not yes, no or skip"
    """
    ident, label = row.get("id", ""), row.get("label", "")
    if not ident:
        return "no article id"
    if len(ident) > MAX_ID_CHARS or not ident.isprintable():
        return (
            f"id {ident[:40]!r}: not an article id (printable, at most {MAX_ID_CHARS} characters)"
        )
    if label.lower() not in SPELLINGS:
        return f"label {label[:40]!r} is not yes, no or skip"
    topic = row.get("topic", "")
    if len(topic) > MAX_TOPIC_CHARS or not topic.isprintable():
        return f"topic {topic[:40]!r}: not a topic name (printable, at most {MAX_TOPIC_CHARS} characters)"
    if len(row.get("query", "")) > MAX_QUERY_CHARS:
        return f"query longer than {MAX_QUERY_CHARS:,} characters"
    when = row.get("labelled", "")
    if when and pd.isna(pd.to_datetime(when, utc=True, errors="coerce", format="ISO8601")):
        return f"labelled {when[:40]!r} is not a time (ISO 8601, such as 2026-12-06T15:00:00Z)"
    return None


def _unsafe(cell: str) -> str:
    """A cell as written before the formula guard (``'=x`` -> ``=x``)."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_START) else cell


def write(labels: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a labels table atomically and formula-safe; return the path (its folder is made)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    frame = labels.reindex(columns=COLUMNS).fillna("").astype("str")
    text = spreadsheet_safe(frame).to_csv(index=False, lineterminator="\r\n")
    return atomic_write(target, text.encode("utf-8"))


def merged(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """``old`` with ``new`` added: one row per (id, topic, query), the newest judgement kept.

    Examples
    --------
    >>> a = pd.DataFrame([{"id": "x", "topic": "t", "query": "q", "label": "no", "labelled": ""}])
    >>> merged(a, a.assign(label="yes"))["label"].tolist()
    ['yes']
    """
    both = pd.concat(
        [old.reindex(columns=COLUMNS), new.reindex(columns=COLUMNS)], ignore_index=True
    )
    both = both.fillna("").astype("str")
    return both.drop_duplicates(["id", "topic", "query"], keep="last").reset_index(drop=True)


def record(
    path: str | os.PathLike, article: str, topic: str, query: str, label: str, *, when: Any = None
) -> pd.DataFrame:
    """Save one judgement (``yes``/``no``/``skip``) in the labels file; return every label it holds.

    The file is read, the row added (replacing the same article, topic and
    query) and the whole file written again atomically.
    """
    row = {
        "id": str(article), "topic": str(topic), "query": str(query),
        "label": str(label).strip().lower(),
        "labelled": (pd.Timestamp.now(tz="UTC") if when is None else pd.Timestamp(when))
        .isoformat(timespec="seconds"),
    }  # fmt: skip
    why = problem(row)
    if why:
        msg = f"Cannot save the label: {why}. Give yes, no or skip for an article id of the sample."
        raise ParameterError(msg)
    row["label"] = SPELLINGS[row["label"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the bad rows were warned of when the file was read
        old = read(path)
    out = merged(old, pd.DataFrame([row]))
    write(out, path)
    return out


def labelled(
    sample: pd.DataFrame,
    topics_file: str | os.PathLike | None = None,
    *,
    path: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """An audit sample with the labels given so far (:func:`for_sample` of the labels file).

    The labels file is ``path``, else the one beside ``topics_file``
    (:func:`path_for`).

    Examples
    --------
    >>> import tempfile, ddj
    >>> sample = ddj.audit(ddj.demo_corpus(n=100), "hong_kong", n=6, seed=1)
    >>> ddj.labelled(sample, path=Path(tempfile.mkdtemp()) / "none.csv")["label"].tolist()
    ['', '', '', '', '', '']
    """
    return for_sample(sample, read(path_for(topics_file) if path is None else path))


def for_sample(sample: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """The sample with each article's label for its topic (``label``; ``reused`` when given for another query).

    An article's newest label for the topic is used whatever query it was
    given with (the label is about the article and the topic); ``reused``
    says it came from another query. Unlabelled articles have ``label`` "".
    """
    topic, query = sample.attrs.get("topic", ""), sample.attrs.get("query", "")
    mine = labels.loc[labels["topic"].eq(topic)].copy()
    mine["same"] = mine["query"].eq(query)
    mine["order"] = range(len(mine))
    # the same query's label first; else the newest of any query
    mine = mine.sort_values(["same", "labelled", "order"]).drop_duplicates("id", keep="last")
    label = dict(zip(mine["id"], mine["label"], strict=True))
    reused = dict(zip(mine["id"], ~mine["same"], strict=True))
    out = sample.copy()
    out["label"] = pd.Series([label.get(i, "") for i in out["id"]], index=out.index, dtype="str")
    out["reused"] = [bool(reused.get(i, False)) for i in out["id"]]
    out.attrs = dict(sample.attrs)
    return out
