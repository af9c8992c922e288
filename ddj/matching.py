"""Topics: named queries, matched on a whole corpus at once, with every hit checkable.

``topics()`` reads topic definitions from YAML (the shipped ``data/topics.yml``
by default). ``match()`` finds, for every article, which topics it is about and
how many times their terms are mentioned; it scans each article's text once
for all the terms of all the topics (an RE2 set, when google-re2 is
installed, prefilters; the ``regex`` module then confirms exactly).
``hits()`` lists every match in context, so a reporter can check it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ddj.errors import InputError, ParameterError, QuerySyntaxError, SchemaError
from ddj.query import (
    FIELDS,
    And,
    Leaf,
    Node,
    Not,
    Phrase,
    Term,
    evaluate,
    find_leaf,
    fold,
    fold_with_map,
    leaf_re2_pattern,
    leaves,
    parse,
)

SHIPPED = Path(__file__).resolve().parent / "data" / "topics.yml"


@dataclass(frozen=True)
class Topic:
    """A named query. ``tree`` is the parsed query."""

    name: str
    label: str
    query: str
    description: str = ""

    @cached_property
    def tree(self) -> Node:
        return parse(self.query)

    def __str__(self) -> str:
        return f"{self.name}: {self.query}"


def topics(path: str | os.PathLike | None = None) -> list[Topic]:
    """Read topic definitions from a YAML file (default: the shipped ``data/topics.yml``).

    The file holds a list under ``topics:``; each item has ``name``, ``label``,
    ``query`` and ``description``. Every query is parsed on reading, so a
    mistake is reported with the topic's name and the file.

    Examples
    --------
    >>> import ddj
    >>> [t.name for t in ddj.topics()][:3]
    ['hong_kong', 'cyberespionage', 'ukraine']
    """
    import yaml

    path = Path(path) if path else SHIPPED
    if not path.exists():
        msg = f"{path}: no such topics file. Pass the path of a YAML file, or None for the shipped topics."
        raise InputError(msg)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        msg = f"{path}: not valid YAML ({exc}). Check the indentation and quoting around the line named."
        raise InputError(msg) from exc
    items = data.get("topics") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        msg = f"{path}: expected a list of topics under 'topics:' (each with name, label, query, description)."
        raise InputError(msg)
    out: list[Topic] = []
    for i, item in enumerate(items):
        where = f"{path}, topic {i + 1}"
        if not isinstance(item, dict) or not item.get("name"):
            msg = f"{where}: every topic needs a 'name' (and a 'query')."
            raise InputError(msg)
        where = f"{path}, topic '{item['name']}'"
        query = item.get("query")
        if not isinstance(query, str) or not query.strip():
            msg = (
                f'{where}: the topic has no query. Add e.g. query: \'"Hong Kong" OR "Jimmy Lai"\'.'
            )
            raise InputError(msg)
        topic = Topic(
            str(item["name"]),
            str(item.get("label") or item["name"]),
            " ".join(query.split()),
            str(item.get("description") or ""),
        )
        try:
            topic.tree  # noqa: B018 - parse now, to report the topic and file
        except QuerySyntaxError as exc:
            msg = f"{where}: {exc}"
            raise QuerySyntaxError(msg, exc.query, exc.position) from exc
        out.append(topic)
    names = [t.name for t in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        msg = f"{path}: topic names must be unique; repeated: {dupes}."
        raise InputError(msg)
    return out


def resolve(spec: Any, path: str | os.PathLike | None = None) -> list[Topic]:
    """Topics from any of the forms ddj accepts.

    A topic name from the topics file, a :class:`Topic`, a query string (a
    string that is not a known name), a ``{name: query}`` dict, or a list of
    these.

    Examples
    --------
    >>> [t.name for t in resolve(["hong_kong", {"lai": '"Jimmy Lai"'}])]
    ['hong_kong', 'lai']
    """
    if spec is None or (isinstance(spec, (list, tuple)) and not spec):
        msg = "No topics given: pass topic names (see ddj.topics()), a query string, or a {name: query} dict."
        raise ParameterError(msg)
    known: dict[str, Topic] | None = None

    def lookup() -> dict[str, Topic]:
        nonlocal known
        if known is None:
            known = {t.name: t for t in topics(path)}
        return known

    items = spec if isinstance(spec, (list, tuple)) else [spec]
    out: list[Topic] = []
    for item in items:
        if isinstance(item, Topic):
            out.append(item)
        elif isinstance(item, Mapping):
            for name, query in item.items():
                out.append(Topic(str(name), str(name), str(query)))
        elif isinstance(item, str):
            name = item.strip()
            if name in lookup():
                out.append(lookup()[name])
            elif _looks_like_name(name):
                msg = f"Unknown topic {name!r}. Known topics: {', '.join(lookup())}. To search for the word itself, quote it: '\"{name}\"'."
                raise ParameterError(msg)
            else:
                parse(name)  # a query: check it now
                out.append(Topic(_slug(name), name, name))
        else:
            msg = f"Cannot use {item!r} as a topic: pass a name, a query string, a Topic or a {{name: query}} dict."
            raise ParameterError(msg)
    return out


def match(corpus: pd.DataFrame, topics: Any, fields: Sequence[str] = FIELDS) -> pd.DataFrame:
    """Which articles match each topic, and how many times its terms are mentioned.

    Parameters
    ----------
    corpus
        A corpus (``ddj.load``); needs ``title`` and/or ``text`` (and uses
        ``description`` when present).
    topics
        Topic names, queries, Topic objects or a ``{name: query}`` dict.

    Returns
    -------
    DataFrame on the corpus's index: for each topic a bool column named by the
    topic, and an int64 column ``<name>_mentions``.

    Examples
    --------
    >>> import ddj
    >>> corpus = ddj.corpus.conform([{"url": "u1", "title": "Jimmy Lai trial opens in Hong Kong"}])
    >>> ddj.match(corpus, ["hong_kong"]).iloc[0].astype(int).tolist()
    [1, 2]
    """
    chosen = resolve(topics)
    texts = _fields(corpus, fields)
    n = len(corpus)
    all_leaves = list(dict.fromkeys(leaf for t in chosen for leaf, _ in leaves(t.tree)))
    index = {leaf: i for i, leaf in enumerate(all_leaves)}
    maybe = _prefilter(all_leaves, texts, n)
    trees = [t.tree for t in chosen]
    column = {
        id(leaf): index[leaf] for tree in trees for leaf, _ in leaves(tree)
    }  # by identity: no hashing
    positives = [list(dict.fromkeys(leaf for leaf, pos in leaves(tree) if pos)) for tree in trees]
    candidates = np.array([_candidate(tree, maybe, index, n) for tree in trees]).reshape(
        len(trees), n
    )
    hit = np.zeros((len(trees), n), dtype=bool)
    mentions = np.zeros((len(trees), n), dtype=np.int64)
    for doc in np.flatnonzero(candidates.any(axis=0)):
        folded: dict[bool, dict[str, str]] = {}
        found: dict[int, list[tuple[str, int, int]]] = {}

        def present(leaf: Leaf, doc: int = doc, folded: dict = folded, found: dict = found) -> bool:
            k = column[id(leaf)]
            if k not in found:
                if not maybe[doc, k]:  # the prefilter already knows it is absent
                    found[k] = []
                else:
                    if leaf.case not in folded:
                        folded[leaf.case] = {f: fold(texts[f][doc] or "", leaf.case) for f in texts}
                    found[k] = find_leaf(leaf, folded[leaf.case], prefolded=True)
            return bool(found[k])

        for ti, tree in enumerate(trees):
            if candidates[ti, doc] and evaluate(tree, present):
                hit[ti, doc] = True
                spans: set[tuple[str, int, int]] = set()
                for leaf in positives[ti]:
                    present(leaf)  # evaluate() stops early: look up every term that counts
                    spans.update(found[column[id(leaf)]])
                mentions[ti, doc] = _count_mentions(spans)
    out: dict[str, np.ndarray] = {}
    for ti, t in enumerate(chosen):
        out[t.name] = hit[ti]
        out[f"{t.name}_mentions"] = mentions[ti]
    return pd.DataFrame(out, index=corpus.index)


def hits(
    corpus: pd.DataFrame,
    topic: Any,
    width: int = 80,
    limit: int | None = None,
    fields: Sequence[str] = FIELDS,
) -> pd.DataFrame:
    """Every match of one topic in context (keyword in context), to check before publishing.

    Only articles that match the whole query are listed, and only the terms
    that count for it (terms under NOT give no hits).

    Returns
    -------
    DataFrame with ``id``, ``url``, ``outlet``, ``published``, ``title``,
    ``field``, ``matched`` (as written in the article), ``before``, ``after``
    and ``snippet`` (``…before [matched] after…``), in corpus order.

    Examples
    --------
    >>> import ddj
    >>> corpus = ddj.corpus.conform([{"url": "u1", "text": "Talks on Hong Kong resumed."}])
    >>> ddj.hits(corpus, "hong_kong")["snippet"].tolist()
    ['Talks on [Hong Kong] resumed.']
    """
    chosen = resolve(topic)
    if len(chosen) != 1:
        msg = f"hits() takes one topic at a time; got {len(chosen)}: {[t.name for t in chosen]}."
        raise ParameterError(msg)
    t = chosen[0]
    matched = match(corpus, [t], fields)[t.name].to_numpy()
    texts = _fields(corpus, fields)
    positive = [leaf for leaf, pos in leaves(t.tree) if pos]
    rows = []
    for doc in np.flatnonzero(matched):
        for name, raw in ((f, texts[f][doc]) for f in texts):
            if not raw:
                continue
            spans: set[tuple[int, int]] = set()
            for case in {leaf.case for leaf in positive}:
                folded_text, where = fold_with_map(raw, case)
                for leaf in positive:
                    if leaf.case != case or (leaf.field and leaf.field != name):
                        continue
                    for _, s, e in find_leaf(_unfielded(leaf), {name: folded_text}, prefolded=True):
                        spans.add((where[s], where[e - 1] + 1))
            for s, e in _outermost(spans):
                before = raw[max(0, s - width) : s]
                after = raw[e : e + width]
                rows.append(
                    {
                        "id": _cell(corpus, "id", doc),
                        "url": _cell(corpus, "url", doc),
                        "outlet": _cell(corpus, "outlet", doc),
                        "published": _cell(corpus, "published", doc, pd.NaT),
                        "title": _cell(corpus, "title", doc),
                        "field": name,
                        "matched": raw[s:e],
                        "before": ("…" if s > width else "") + " ".join(before.split()),
                        "after": " ".join(after.split()) + ("…" if e + width < len(raw) else ""),
                    }
                )
        if limit is not None and len(rows) >= limit:
            break
    frame = pd.DataFrame(
        rows,
        columns=[
            "id",
            "url",
            "outlet",
            "published",
            "title",
            "field",
            "matched",
            "before",
            "after",
        ],
    )
    frame["snippet"] = (
        frame["before"] + " [" + frame["matched"] + "] " + frame["after"]
    ).str.strip()
    if limit is not None:
        frame = frame.head(limit)
    return frame.reset_index(drop=True)


# -- helpers ---------------------------------------------------------------------------------


def _fields(corpus: pd.DataFrame, fields: Sequence[str]) -> dict[str, list[str | None]]:
    if not isinstance(corpus, pd.DataFrame):
        msg = f"Expected a corpus DataFrame (from ddj.load), got {type(corpus).__name__}."
        raise SchemaError(msg)
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        msg = f"Unknown field(s) {unknown}: topics search {list(FIELDS)}."
        raise ParameterError(msg)
    present = [f for f in fields if f in corpus.columns]
    if not present:
        msg = (
            f"The corpus has none of the text columns {list(fields)} (it has {list(corpus.columns)}). "
            "Load it with ddj.load(...) or name the column that holds the text 'text'."
        )
        raise SchemaError(msg)
    return {f: [v if isinstance(v, str) else None for v in corpus[f].tolist()] for f in present}


def _prefilter(all_leaves: list[Leaf], texts: dict[str, list[str | None]], n: int) -> np.ndarray:
    """docs x leaves: False only where a leaf certainly does not occur (RE2 set scan, one pass a field)."""
    maybe = np.ones((n, len(all_leaves)), dtype=bool)
    try:
        import re2
    except ImportError:  # no RE2: every document is checked exactly
        return maybe
    groups: dict[tuple[str | None, bool], list[tuple[int, str]]] = {}
    for j, leaf in enumerate(all_leaves):
        patterns = (
            [leaf_re2_pattern(leaf)]
            if not (isinstance(leaf, Phrase) and leaf.slop is not None)
            else None
        )
        if patterns is None:  # proximity: prefiltered by its first word
            patterns = [leaf_re2_pattern(leaf.words[0])]
        groups.setdefault((leaf.field, leaf.case), []).append((j, patterns[0]))
    for (field_name, case), items in groups.items():
        cols = [j for j, _ in items]
        options = re2.Options()
        options.case_sensitive = True
        options.max_mem = (
            512 << 20
        )  # Unicode classes in many patterns need more than the 8 MB default
        rset = re2.Set.SearchSet(options)
        for _, pat in items:
            rset.Add(pat)
        rset.Compile()
        names = [field_name] if field_name else list(texts)
        names = [f for f in names if f in texts]
        block = np.zeros((n, len(cols)), dtype=bool)
        for doc in range(n):
            joined = "\n".join(fold(texts[f][doc] or "", case) for f in names)
            found = rset.Match(joined) if joined else None
            if found:
                block[doc, found] = True
        maybe[:, cols] = block
    return maybe


def _candidate(node: Node, maybe: np.ndarray, index: dict[str, int], n: int) -> np.ndarray:
    """Documents that may match: NOT is unknown under a prefilter, so it never excludes."""
    if isinstance(node, (Term, Phrase)):
        return maybe[:, index[node]]
    if isinstance(node, Not):
        return np.ones(n, dtype=bool)
    parts = [_candidate(i, maybe, index, n) for i in node.items]
    return np.logical_and.reduce(parts) if isinstance(node, And) else np.logical_or.reduce(parts)


def _count_mentions(spans: set[tuple[str, int, int]]) -> int:
    """Distinct mentions: overlapping matches ("Hong" inside "Hong Kong") count once."""
    by_field: dict[str, set[tuple[int, int]]] = {}
    for name, s, e in spans:
        by_field.setdefault(name, set()).add((s, e))
    return sum(len(_outermost(v)) for v in by_field.values())


def _outermost(spans: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans in order, without those inside another ("Hong" inside "Hong Kong")."""
    kept: list[tuple[int, int]] = []
    for s, e in sorted(spans, key=lambda se: (se[0], -se[1])):
        if kept and s >= kept[-1][0] and e <= kept[-1][1]:
            continue
        kept.append((s, e))
    return kept


def _cell(corpus: pd.DataFrame, column: str, row: int, default: Any = None) -> Any:
    return corpus[column].iat[row] if column in corpus.columns else default


def _unfielded(leaf: Leaf) -> Leaf:
    if isinstance(leaf, Term):
        return Term(leaf.word, leaf.wildcard, leaf.case, None)
    return Phrase(leaf.words, leaf.slop, leaf.case, None)


def _looks_like_name(text: str) -> bool:
    return text.isidentifier() and text.lower() == text and "_" in text


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "_", fold(text)).strip("_")[:40] or "query"


def names(spec: Iterable[Any]) -> list[str]:
    """The topic names of a spec, in order."""
    return [t.name for t in resolve(list(spec))]
