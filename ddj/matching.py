"""Topics: named queries, matched on a whole corpus at once, with every hit checkable.

``topics()`` reads topic definitions from YAML (the shipped ``data/topics.yml``
by default). ``match()`` finds, for every article, which topics it is about and
how many times their terms are mentioned; it scans each article's text once
for all the terms of all the topics (an RE2 set prefilters; the ``regex``
module then confirms exactly).
``hits()`` lists every match in context, so a reporter can check it.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ddj import params, scan, yamlfile
from ddj.errors import InputError, ParameterError, QuerySyntaxError, SchemaError
from ddj.keysets import distinct, union
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
    label,
    leaf_re2_pattern,
    leaves,
    parse,
)
from ddj.store.narrowing import Narrowing, Search

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
        """The parsed query (parsed once)."""
        return parse(self.query)

    def __str__(self) -> str:
        return f"{self.name}: {self.query}"

    @property
    def from_query(self) -> bool:
        """Whether the topic is a query given as text, named and labelled after itself by :func:`resolve`."""
        named = (self.label, self.query, QUERY_PREFIX + self.query)
        return self.label == label(self.query) and self.name in named

    @property
    def definition(self) -> str:
        """What the topic counts, to show beside a result: ``the query …`` or ``the topic NAME (…)``.

        Examples
        --------
        >>> resolve('"Salt Typhoon"')[0].definition
        'the query "Salt Typhoon"'
        >>> Topic("lai", "Jimmy Lai", '"Jimmy Lai"').definition
        'the topic lai ("Jimmy Lai")'
        """
        if self.from_query:
            return f"the query {_short(self.query, 200)}"
        return f"the topic {self.name} ({_short(self.query, 200)})"


def topics(path: str | os.PathLike | None = None) -> list[Topic]:
    """Read topic definitions from a YAML file (default: the shipped ``data/topics.yml``).

    The file holds a list under ``topics:``; each item has ``name``, ``label``,
    ``query`` and ``description``. Every query is parsed on reading, so a
    mistake is reported with the topic's name and the file. The file is read
    as untrusted, by :func:`ddj.yamlfile.read`: at most ``MAX_YAML_BYTES``,
    ``MAX_YAML_DEPTH`` levels of nesting, no anchors, aliases, custom tags or
    repeated keys.

    Examples
    --------
    >>> import ddj
    >>> [t.name for t in ddj.topics()][:3]
    ['hong_kong', 'cyberespionage', 'ukraine']
    """
    path = Path(path) if path else SHIPPED
    data = yamlfile.read(path, what="topics")
    items = data.get("topics") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        msg = f"{path}: expected a list of topics under 'topics:' (each with name, label, query, description)."
        raise InputError(msg)
    out: list[Topic] = []
    for i, item in enumerate(items):
        topic = _topic_from_yaml(item, path, i)
        try:
            topic.tree  # noqa: B018 - parse now, to report the topic and file
        except QuerySyntaxError as exc:
            msg = f"{path}, topic '{topic.name}': {exc}"
            raise QuerySyntaxError(msg, exc.query, exc.position) from exc
        out.append(topic)
    counts = Counter(t.name for t in out)
    dupes = sorted(n for n, k in counts.items() if k > 1)
    if dupes:
        msg = f"{path}: topic names must be unique; repeated: {dupes}."
        raise InputError(msg)
    try:
        _unique(out)
    except ParameterError as exc:
        msg = f"{path}: {exc}"
        raise InputError(msg) from exc
    return out


def _topic_from_yaml(item: Any, path: Path, i: int) -> Topic:
    where = f"{path}, topic {i + 1}"
    if not isinstance(item, dict):
        msg = f"{where}: a topic is a mapping with name, label, query and description, not a {type(item).__name__}."
        raise InputError(msg)
    name = _yaml_text(item, "name", where)
    if not name.strip():
        msg = f"{where}: every topic needs a 'name' (and a 'query')."
        raise InputError(msg)
    where = f"{path}, topic '{name}'"
    query = _yaml_text(item, "query", where)
    if not query.strip():
        msg = f'{where}: the topic has no query. Add e.g. query: \'"Hong Kong" OR "Jimmy Lai"\'.'
        raise InputError(msg)
    return Topic(
        name,
        _yaml_text(item, "label", where) or name,
        " ".join(query.split()),
        _yaml_text(item, "description", where),
    )


def _yaml_text(item: dict, key: str, where: str) -> str:
    """A topic's field as text: a string or a number; lists and mappings (aliased or not) are refused."""
    value = item.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    msg = f"{where}: '{key}' must be text, not a {type(value).__name__}. Put the value in quotation marks."
    raise InputError(msg)


def resolve(spec: Any, path: str | os.PathLike | None = None) -> list[Topic]:
    """Topics from any of the forms ddj accepts, by one rule, so a topic is never swapped silently.

    - A :class:`Topic`, or a ``{name: query}`` dict (``{"Salt Typhoon":
      '"Salt Typhoon"'}``): the name is the column and the label.
    - A string equal to a topic's name in the topics file (the shipped
      ``data/topics.yml`` unless ``path``): that topic.
    - A string written like a name but not one exactly: a single bare word or
      identifier (letters, digits, ``_``, ``-``), or bare words that read as a
      topic's name or label once case, ``-``, ``_`` and spaces are set aside,
      within a small edit distance of a topic's name (``hongkong``,
      ``Hong_Kong``, ``hong-kong``, ``Ukraine``, ``taiwn``): a
      ``ParameterError`` naming the topic meant and both ways to say what you
      mean, the topic's name or the query (``'"Ukraine"'`` or
      ``'query:Ukraine'``). A lower-case name with ``_`` near no topic is an
      unknown topic, also refused.
    - Anything else, and anything after a ``query:`` prefix: a query. Its
      label is the query as a person writes it (:func:`ddj.query.label`:
      ``"Hong Kong" OR "Jimmy Lai"`` is ``Hong Kong or Jimmy Lai``), and so
      is its column, unless that is a topic's name: then the column is the
      query as written. A query's column never reads as a topic's.

    Every topic gets its own columns in ``match`` (``name`` and
    ``name_mentions``): the same topic given twice is kept once; two different
    topics that would share a column are refused, naming both.

    Examples
    --------
    >>> [t.name for t in resolve(["hong_kong", {"lai": '"Jimmy Lai"'}])]
    ['hong_kong', 'lai']
    >>> [t.name for t in resolve(['"Ukraine"', "query:ukraine"])]
    ['Ukraine', 'query:ukraine']
    >>> resolve("Hong_Kong")
    Traceback (most recent call last):
    ...
    ddj.errors.ParameterError: 'Hong_Kong' is not a topic name but reads as the topic 'hong_kong' (Hong Kong). For that topic write 'hong_kong'; to search for the words write '"Hong_Kong"' or 'query:Hong_Kong'.
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
            out.extend(_from_mapping(item))
        elif isinstance(item, str):
            out.append(_from_string(item, lookup))
        else:
            msg = f"Cannot use a {type(item).__name__} as a topic: pass a name, a query string, a Topic or a {{name: query}} dict."
            raise ParameterError(msg)
    return _unique(out)


def _from_mapping(item: Mapping) -> list[Topic]:
    out = []
    for name, query in item.items():
        if not isinstance(name, str) or not name.strip():
            msg = f"A topic name must be text, not {name!r}: write e.g. {{'lai': '\"Jimmy Lai\"'}}."
            raise ParameterError(msg)
        if not isinstance(query, str):
            msg = f"The topic {name!r} has a {type(query).__name__} as its query: give the query as text, e.g. {{{name!r}: '\"Jimmy Lai\"'}}."
            raise ParameterError(msg)
        out.append(Topic(name, name, query))
    return out


#: What a query is said with, before its text, when it could read as a topic's name.
QUERY_PREFIX = "query:"
#: A string written like a name: bare words of letters, digits, ``_`` and ``-`` (no quotes or operators).
_BARE = re.compile(r"[^\W_][\w-]*(?: [^\W_][\w-]*)*")
#: Longest bare string compared by edit distance (the comparison is quadratic in length).
_MAX_NEAR = 64


def _from_string(item: str, lookup: Any) -> Topic:
    text = " ".join(item.split())
    if text in lookup():
        return lookup()[text]
    if text[: len(QUERY_PREFIX)].lower() == QUERY_PREFIX:
        query = text[len(QUERY_PREFIX) :].strip()
    else:
        query = text
        meant = _meant(text, lookup().values())
        if meant is not None:
            msg = (
                f"{text!r} is not a topic name but reads as the topic {meant.name!r} ({meant.label}). "
                f"For that topic write {meant.name!r}; to search for the words write "
                f"'\"{text}\"' or '{QUERY_PREFIX}{text}'."
            )
            raise ParameterError(msg)
        if _looks_like_name(text):
            msg = f"Unknown topic {text!r}. Known topics: {', '.join(lookup())}. To search for the word itself, quote it: '\"{text}\"'."
            raise ParameterError(msg)
    parse(query)  # a query: check it now
    name = label(query) or query
    if name in lookup():  # a query never takes a topic's column: keep it as written
        name = text
    return Topic(name, label(query) or query, query)


def _meant(text: str, known: Any) -> Topic | None:
    """The topic a bare word (or bare words) written like a topic name stands for, or None."""
    if not _BARE.fullmatch(text) or _OPERATORS.search(text):
        return None
    squeezed = _squeeze(text)
    single = " " not in text
    for t in known:
        if squeezed in (_squeeze(t.name), _squeeze(t.label)):
            return t
    if not single or len(squeezed) > _MAX_NEAR:
        return None
    near = [
        (d, t)
        for t in known
        if (d := _distance(squeezed, _squeeze(t.name), _allowed(t.name))) <= _allowed(t.name)
    ]
    return min(near, key=lambda dt: dt[0])[1] if near else None


_OPERATORS = re.compile(r"\b(?:AND|OR|NOT)\b")


def _squeeze(text: str) -> str:
    """A name with case, ``-``, ``_`` and spaces set aside: ``Hong_Kong`` and ``hong-kong`` are ``hongkong``."""
    return re.sub(r"[\s_-]+", "", text.casefold())


def _allowed(name: str) -> int:
    """Edits a string may be from a topic name and still read as it: 1 for short names, 2 past 6 letters."""
    n = len(_squeeze(name))
    return 0 if n < 4 else 1 if n <= 6 else 2


def _distance(a: str, b: str, bound: int) -> int:
    """Levenshtein distance of two short strings, or ``bound + 1`` once it is certainly past ``bound``."""
    if abs(len(a) - len(b)) > bound or len(b) > _MAX_NEAR:
        return bound + 1
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
        if min(row) > bound:
            return bound + 1
    return row[-1]


def _unique(chosen: list[Topic]) -> list[Topic]:
    """The topics with exact repeats dropped; two different topics that would share a column are refused."""
    owner: dict[str, Topic] = {}  # column name -> the topic whose column it is
    out = []
    for t in chosen:
        if not isinstance(t.name, str) or not t.name.strip():
            msg = f"The topic {_describe(t)} has no name: give it one, e.g. Topic('lai', 'Jimmy Lai', '\"Jimmy Lai\"')."
            raise ParameterError(msg)
        if owner.get(t.name) == t:  # the same topic again: one column, nothing lost
            continue
        for column in (t.name, f"{t.name}_mentions"):
            other = owner.get(column)
            if other is not None:
                msg = (
                    f"Two topics would share the column {column!r}: {_describe(other)} and "
                    f"{_describe(t)}. Name them apart, e.g. {{'{t.name}_2': {_short(t.query)!r}}}."
                )
                raise ParameterError(msg)
        owner[t.name] = owner[f"{t.name}_mentions"] = t
        out.append(t)
    return out


def _describe(t: Topic) -> str:
    if t.from_query:
        return f"the query {_short(t.query)!r} (column {t.name!r})"
    return f"the topic {t.name!r} ({_short(t.query)!r})"


def _short(text: Any, limit: int = 60) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def match(
    corpus: pd.DataFrame, topics: Any, fields: Sequence[str] = FIELDS, *, pages: Any = "article"
) -> pd.DataFrame:
    """Which articles match each topic, and how many times its terms are mentioned.

    Parameters
    ----------
    corpus
        A corpus (``ddj.load``); needs ``title`` and/or ``text`` (and uses
        ``description`` when present).
    topics
        Topic names, queries, Topic objects or a ``{name: query}`` dict.
    fields
        The text columns searched (all of ``title``, ``description``, ``text``).
    pages
        The page types matched (``page_type``): ``"article"``, a list of
        types, or ``"all"``. Rows of other types match nothing (False, 0
        mentions), counted in one ``DroppedRowsWarning``; ``ddj.problems``
        lists them.

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
    keyed = not scan.in_memory(corpus)  # a store's rows are known by their article id
    reduction = _Match(chosen, fields, params.pages(pages), keyed)
    found = [scan.lookup(corpus, t.tree, fields) for t in chosen]
    note = scan.index_note(corpus, found)
    if note is None or any(f.ids is None for f in found):  # a scan: only texts that may match read
        result = scan.run(scan.narrowed(corpus, narrowing(chosen, fields)), reduction)
    else:  # only the candidates are read and matched; every other row matches nothing
        keys = union([f.ids for f in found])
        flags = pd.concat(scan.reduce(corpus, reduction, keys=keys)[0])
        scan.left_out_rows(corpus, reduction.pages).warn(None)
        result = _filled(flags, scan.run(corpus, _Ids()), keys)
    if note is not None:
        result.attrs["index"] = note
    return result


def matching_keys(
    corpus: Any, chosen: list[Topic], fields: Sequence[str] = FIELDS
) -> tuple[dict[str, np.ndarray] | None, str | None]:
    """The id keys of the rows each topic matches (any page type), from a store's index, and its note.

    ``(None, note)`` when the index cannot narrow a topic, ``(None, None)``
    without an index (a frame, or a store with none): then scan. A topic the
    index answers exactly reads no text; the others are matched on the
    index's candidates only.
    """
    found = [scan.lookup(corpus, t.tree, fields) for t in chosen]
    note = scan.index_note(corpus, found)
    if note is None or any(f.ids is None for f in found):
        return None, note
    keys = {t.name: f.ids for t, f in zip(chosen, found, strict=True) if f.exact}
    rest = [t for t, f in zip(chosen, found, strict=True) if not f.exact]
    if rest:
        loose = union([f.ids for f in found if not f.exact])
        flags = pd.concat(scan.reduce(corpus, _Match(rest, fields, None, True), keys=loose)[0])
        own = scan.row_keys(flags.index.to_frame(index=False))
        for t in rest:
            keys[t.name] = distinct(own[flags[t.name].to_numpy()])
    return {t.name: keys[t.name] for t in chosen}, note


def narrowed_keys(
    corpus: Any, chosen: list[Topic], fields: Sequence[str] = FIELDS
) -> tuple[dict[str, np.ndarray] | None, str | None]:
    """The id keys of the held rows of a store each topic matches, its texts read narrowed; and a note.

    For a store without an index (:func:`matching_keys` gave nothing): one
    polars query reads the texts of the store's held rows and keeps those
    that may match (:func:`narrowing`), and ddj's matcher decides on those
    only; no other column is read. ``(None, None)`` where that cannot be done
    (a frame, a filtered store, a query that narrows nothing, polars unable to
    run it) or does not pay (most texts may match): then scan.
    """
    narrow = narrowing(chosen, fields)
    found = None if narrow is None else scan.passing(corpus, narrow)
    if found is None:
        return None, None
    stream, rest = found
    keys: dict[str, list[np.ndarray]] = {t.name: [] for t in chosen}
    try:
        for batch in stream:
            if batch is None:
                return None, None
            own, texts = batch
            flags = batch_flags(texts, chosen, fields, None)[0]
            for t in chosen:
                keys[t.name].append(own[flags[t.name].to_numpy()])
    finally:
        stream.close()
    if rest is not None:  # parts not held (repeats left out, an older schema): scanned
        flags = scan.run(scan.narrowed(rest, narrow), _Match(chosen, fields, None, True))
        own = scan.row_keys(flags.index.to_frame(index=False))
        for t in chosen:
            keys[t.name].append(own[flags[t.name].to_numpy()])
    note = "the texts that may match read with polars, ddj's matcher deciding on those."
    return {name: union(found) for name, found in keys.items()}, note


def narrowing(chosen: list[Topic], fields: Sequence[str] = FIELDS) -> Narrowing | None:
    """What a scan of a store may leave unread for ``chosen``: texts where no topic can match.

    Each leaf becomes the prefilter's loose RE2 pattern over its fields (a
    proximity phrase: its first word), joined as the query joins them (with
    more than :data:`NARROWING_LEAVES` leaves, any leaf: one alternation a
    field); a NOT can hold on any text, so a topic with one above its terms
    narrows nothing (None: every text is read). A text the narrowing leaves unread
    matches no topic here, as its own text would not (``ddj.store.narrowing``
    says why its tests are a superset of the matcher's).

    Examples
    --------
    >>> narrowing(resolve(['"Hong Kong"'])).tree[1][0].pattern
    'hong[^0-9A-Za-z]+kong(?:[^0-9A-Za-z_]|$)'
    >>> narrowing(resolve(["NOT china"])) is None
    True
    >>> narrowing(resolve(["a OR b OR c OR d OR e"])).tree[1][0].pattern
    '(?:a(?:[^0-9A-Za-z_]|$)|b(?:[^0-9A-Za-z_]|$)|c(?:[^0-9A-Za-z_]|$)|d(?:[^0-9A-Za-z_]|$)|e(?:[^0-9A-Za-z_]|$))'
    """
    names = tuple(_known(fields))

    def node(item: Node) -> Any:
        if isinstance(item, (Term, Phrase)):
            first = item.words[0] if isinstance(item, Phrase) and item.slop is not None else item
            pattern = leaf_re2_pattern(first, loose=True)
            if pattern is None:
                return None
            where = tuple(f for f in ([item.field] if item.field else names) if f in names)
            return Search(where, pattern, item.case)
        if isinstance(item, Not):
            return None
        items = [node(i) for i in item.items]
        if isinstance(item, And):  # an unknown item narrows nothing by itself; the others still do
            known = tuple(i for i in items if i is not None)
            return ("all", known) if known else None
        return None if any(i is None for i in items) else ("any", tuple(items))

    trees = [node(t.tree) for t in chosen]
    if not trees or any(t is None for t in trees):
        return None
    found: dict[tuple[tuple[str, ...], bool], list[str]] = {}
    _searches(("any", tuple(trees)), found)
    if sum(len(p) for p in found.values()) <= NARROWING_LEAVES:
        return Narrowing(("any", tuple(trees)), names)
    joined = [Search(f, "(?:" + "|".join(p) + ")", case) for (f, case), p in found.items()]
    return Narrowing(("any", tuple(joined)), names)


#: Leaves a narrowing tests one by one, as the query joins them (one pass of polars each); with
#: more, each field's patterns are one alternation (one pass, a looser test: any leaf).
NARROWING_LEAVES = 4


def _searches(node: Any, found: dict[tuple[tuple[str, ...], bool], list[str]]) -> None:
    """The distinct patterns of a narrowing's tree, by the fields and case they search."""
    if isinstance(node, Search):
        patterns = found.setdefault((node.fields, node.case), [])
        if node.pattern not in patterns:
            patterns.append(node.pattern)
    elif node is not None:
        for item in node[1]:
            _searches(item, found)


def _filled(flags: pd.DataFrame, ids: pd.Index, keys: np.ndarray) -> pd.DataFrame:
    """The flags of the candidate rows put in place among every row (``ids``, in order); the rest False, 0."""
    full = {
        c: np.zeros(len(ids), dtype=flags[c].dtype if len(flags) else np.int64)
        for c in flags.columns
    }
    at = np.flatnonzero(scan.kept(pd.DataFrame({"id": ids}), keys))
    for c in flags.columns:
        full[c][at] = flags[c].to_numpy()
    return pd.DataFrame(full, index=ids)


@dataclass(frozen=True)
class _Ids(scan.Reduction):
    """Every row's id, in order (one column read)."""

    @property
    def columns(self) -> list[str]:
        """The id."""
        return ["id"]

    def tally(self, batch: pd.DataFrame, start: int) -> list[pd.Index]:
        """The ids of one batch."""
        return [pd.Index(batch["id"], name="id")]

    def combine(self, a: list, b: list) -> list[pd.Index]:
        """Both batches' ids in order."""
        return a + b

    def finish(self, total: list, corpus: Any) -> pd.Index:
        """Every id in order."""
        return total[0].append(total[1:]) if len(total) > 1 else total[0]


@dataclass(frozen=True)
class _Match(scan.Reduction):
    """``match`` as a reduction: each batch's flags (a store's keyed by article id), in order."""

    chosen: list[Topic]
    fields: Sequence[str]
    pages: tuple[str, ...] | None
    keyed: bool  # index the flags by article id (a store's batches), not by the frame's index

    @property
    def columns(self) -> list[str]:
        """The fields searched, and what tells a row's page type, where it came from and its id."""
        return [*_known(self.fields), "page_type", "source", "url", "id"]

    def tally(self, batch: pd.DataFrame, start: int) -> tuple[list[pd.DataFrame], scan.Skipped]:
        """The flags of one batch, and the rows of other page types it left out."""
        found, skipped, _ = batch_flags(batch, self.chosen, self.fields, self.pages)
        if self.keyed:
            found = found.set_axis(pd.Index(batch["id"], name="id"))
        return [found], skipped

    def combine(self, a: tuple, b: tuple) -> tuple[list[pd.DataFrame], scan.Skipped]:
        """Both batches' flags, in order, and the rows both left out."""
        return a[0] + b[0], a[1].add(b[1])

    def finish(self, total: tuple, corpus: Any) -> pd.DataFrame:
        """One frame of flags; one warning for the rows of other page types."""
        total[1].warn(None)
        return pd.concat(total[0]) if len(total[0]) > 1 else total[0][0]


def batch_flags(
    batch: pd.DataFrame,
    chosen: list[Topic],
    fields: Sequence[str] = FIELDS,
    pages: tuple[str, ...] | None = ("article",),
) -> tuple[pd.DataFrame, scan.Skipped, np.ndarray]:
    """One batch's flags and mentions of each topic, the rows of other page types it left out, and their mask.

    The step :func:`match` takes on each batch, for reductions elsewhere
    (:mod:`ddj.suggesting`) that need a batch's matches beside its text.
    ``pages`` as :func:`ddj.params.pages` gives it (None: every type).
    """
    texts = _fields(batch, fields)
    skipped, out = scan.Skipped.of(batch, pages, None)
    return _flagged(batch, chosen, _emptied(texts, out), out), skipped, out


def _flagged(
    corpus: pd.DataFrame,
    chosen: list[Topic],
    texts: dict[str, list[str | None]],
    skipped: np.ndarray,
) -> pd.DataFrame:
    """The flags and mentions of each topic in each row of one batch (rows ``skipped`` match nothing)."""
    n = len(corpus)
    all_leaves = list(dict.fromkeys(leaf for t in chosen for leaf, _ in leaves(t.tree)))
    index = {leaf: i for i, leaf in enumerate(all_leaves)}
    maybe = _prefilter(all_leaves, texts, n)
    trees = [t.tree for t in chosen]
    column = {
        id(leaf): index[leaf] for tree in trees for leaf, _ in leaves(tree)
    }  # by identity: no hashing
    positives = [list(dict.fromkeys(leaf for leaf, pos in leaves(tree) if pos)) for tree in trees]
    positive_cols = [np.array([index[leaf] for leaf in p], dtype=np.intp) for p in positives]
    candidates = np.array([_candidate(tree, maybe, index, n) for tree in trees]).reshape(
        len(trees), n
    )
    candidates[:, skipped] = False  # a NOT query would match an empty text
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
                # evaluate() stops early: look up every term that counts (and may be there)
                for i in np.flatnonzero(maybe[doc, positive_cols[ti]]):
                    leaf = positives[ti][i]
                    present(leaf)
                    spans.update(found[column[id(leaf)]])
                mentions[ti, doc] = _count_mentions(spans)
    return pd.DataFrame(_flag_columns(chosen, hit, mentions), index=corpus.index)


def _flag_columns(chosen: list[Topic], hit: np.ndarray, mentions: np.ndarray) -> dict:
    """``{name: flags, name_mentions: counts}`` for each topic, in order."""
    out: dict[str, np.ndarray] = {}
    for ti, t in enumerate(chosen):
        out[t.name] = hit[ti]
        out[f"{t.name}_mentions"] = mentions[ti]
    return out


def hits(
    corpus: pd.DataFrame,
    topic: Any,
    width: int = 80,
    limit: int | None = None,
    fields: Sequence[str] = FIELDS,
    *,
    pages: Any = "article",
) -> pd.DataFrame:
    """Every match of one topic in context (keyword in context), to check before publishing.

    Only articles that match the whole query are listed, and only the terms
    that count for it (terms under NOT give no hits). ``pages`` chooses the
    page types searched, as in :func:`match`.

    Returns
    -------
    DataFrame with ``id``, ``url``, ``outlet``, ``published``, ``title``,
    ``field``, ``matched`` (as written in the article), ``before``, ``after``
    and ``snippet`` (``…before [matched] after…``), in corpus order. ``before``
    and ``after`` hold a space next to the match only where the text has one. No
    match gives an empty frame with these columns, without a warning: no hits
    is an answer (``ddj hits`` prints ``0 hits for the query …``). The topic
    is resolved by :func:`resolve`'s rule, so a near miss of a topic name is
    refused, never counted as a word.

    Examples
    --------
    >>> import ddj
    >>> corpus = ddj.corpus.conform([{"url": "u1", "text": "Talks on Hong Kong resumed."}])
    >>> ddj.hits(corpus, "hong_kong")["snippet"].tolist()
    ['Talks on [Hong Kong] resumed.']
    """
    _check_count("width", width, 0, 10_000, 80)
    if limit is not None:
        _check_count("limit", limit, 0, None, 20)
    chosen = resolve(topic)
    if len(chosen) != 1:
        msg = f"hits() takes one topic at a time; got {len(chosen)}: {[t.name for t in chosen]}."
        raise ParameterError(msg)
    pages = params.pages(pages)
    found = scan.lookup(corpus, chosen[0].tree, fields)
    keys = None if found is None else found.ids
    # with a limit, or only the index's candidates read, the rows left out are counted in the whole corpus
    whole = limit is not None or keys is not None
    skipped = scan.left_out_rows(corpus, pages) if whole else None
    reduction = _Hits(chosen[0], width, limit, fields, pages, skipped)
    scanned = corpus if keys is not None else scan.narrowed(corpus, narrowing(chosen, fields))
    result = reduction.finish(scan.reduce(scanned, reduction, keys=keys), corpus)
    note = scan.index_note(corpus, [found])
    if note is not None:
        result.attrs["index"] = note
    return result


@dataclass(frozen=True)
class _Hits(scan.Reduction):
    """``hits`` as a reduction: each batch's hits in order, stopping once ``limit`` are found."""

    topic: Topic
    width: int
    limit: int | None
    fields: Sequence[str]
    pages: tuple[str, ...] | None
    skipped: scan.Skipped | None  # counted beforehand (with a limit), else batch by batch

    @property
    def columns(self) -> list[str]:
        """The fields searched, what a hit shows of its article, and what tells its page type."""
        return hit_columns(self.fields)

    def tally(self, batch: pd.DataFrame, start: int) -> tuple[list[dict], scan.Skipped]:
        """The hits of one batch (up to ``limit``), and the rows of other page types it left out."""
        texts = _fields(batch, self.fields)
        skipped, out = scan.Skipped.of(batch, self.pages, None)
        matched = _flagged(batch, [self.topic], _emptied(texts, out), out)[self.topic.name]
        rows = _hit_rows(batch, self.topic, texts, matched.to_numpy(), self.width, self.limit)
        return rows, skipped if self.skipped is None else scan.Skipped()

    def combine(self, a: tuple, b: tuple) -> tuple[list[dict], scan.Skipped]:
        """Both batches' hits, in order (the first ``limit``), and the rows both left out."""
        rows = a[0] + b[0]
        return rows if self.limit is None else rows[: self.limit], a[1].add(b[1])

    def done(self, partial: tuple) -> bool:
        """Whether ``limit`` hits are found."""
        return self.limit is not None and len(partial[0]) >= self.limit

    def finish(self, total: tuple, corpus: Any) -> pd.DataFrame:
        """The table of hits; one warning for the rows of other page types."""
        (total[1] if self.skipped is None else self.skipped).warn(None)
        return hit_table(total[0], self.limit)


def hit_columns(fields: Sequence[str]) -> list[str]:
    """The columns :func:`hit_rows` reads of a batch: what a hit shows, the fields, what tells a page type."""
    return list(dict.fromkeys([*_HIT_META, *_known(fields), "page_type", "source"]))


def hit_rows(
    batch: pd.DataFrame,
    found: Sequence[tuple[Topic, np.ndarray]],
    fields: Sequence[str],
    width: int,
    limit: int | None,
) -> list[list[dict]]:
    """For each topic and the rows of ``batch`` it is shown in, its hits there in context (up to ``limit``).

    The rows :func:`hits` gives (:func:`hit_table` makes its frame of them),
    for reductions elsewhere (:mod:`ddj.suggesting`'s examples) that choose
    the rows themselves; the fields' texts are read once for all topics.
    """
    texts = _fields(batch, fields)
    return [_hit_rows(batch, t, texts, matched, width, limit) for t, matched in found]


def _hit_rows(
    corpus: pd.DataFrame,
    t: Topic,
    texts: dict[str, list[str | None]],
    matched: np.ndarray,
    width: int,
    limit: int | None,
) -> list[dict]:
    """Each match of ``t``'s counting terms in the rows ``matched``, in context (up to ``limit``)."""
    positive = [leaf for leaf, pos in leaves(t.tree) if pos]
    rows = []
    for doc in np.flatnonzero(matched):
        meta = {
            "id": _cell(corpus, "id", doc),
            "url": _cell(corpus, "url", doc),
            "outlet": _cell(corpus, "outlet", doc),
            "published": _cell(corpus, "published", doc, pd.NaT),
            "title": _cell(corpus, "title", doc),
        }
        for name, raw in ((f, texts[f][doc]) for f in texts):
            for s, e in _spans_in(raw, name, positive) if raw else ():
                before = raw[max(0, s - width) : s]
                after = raw[e : e + width]
                rows.append(
                    {
                        **meta,
                        "field": name,
                        "matched": raw[s:e],
                        "before": ("…" if s > width else "") + _squeezed(before).lstrip(),
                        "after": _squeezed(after).rstrip() + ("…" if e + width < len(raw) else ""),
                    }
                )
        if limit is not None and len(rows) >= limit:
            break
    return rows


_HIT_META = ("id", "url", "outlet", "published", "title")


def hit_table(rows: list[dict], limit: int | None) -> pd.DataFrame:
    """The frame :func:`hits` returns, from its rows (one frame, so dtypes come from all rows)."""
    frame = pd.DataFrame(rows, columns=[*_HIT_META, "field", "matched", "before", "after"])
    frame["snippet"] = (frame["before"] + "[" + frame["matched"] + "]" + frame["after"]).str.strip()
    if limit is not None:
        frame = frame.head(limit)
    return frame.reset_index(drop=True)


def _squeezed(text: str) -> str:
    r"""``text`` with each run of whitespace as one space, kept where the text has one.

    ``before`` and ``after`` keep the space next to the match only where the
    article has one, so a snippet reads as written (``[China]'s``, not
    ``[China] 's``).

    >>> _squeezed("talks on\n\n "), _squeezed("'s  deal")
    ('talks on ', "'s deal")
    """
    words = " ".join(text.split())
    start = " " if words and text[:1].isspace() else ""
    end = " " if words and text[-1:].isspace() else ""
    return start + words + end if words else (" " if text else "")


def _spans_in(raw: str, name: str, positive: list[Leaf]) -> list[tuple[int, int]]:
    """Where the counting terms occur in one field's original text, outermost first."""
    spans: set[tuple[int, int]] = set()
    for case in {leaf.case for leaf in positive}:
        folded_text, starts, ends = fold_with_map(raw, case)
        for leaf in positive:
            if leaf.case != case or (leaf.field and leaf.field != name):
                continue
            for _, s, e in find_leaf(_unfielded(leaf), {name: folded_text}, prefolded=True):
                spans.add((starts[s], ends[e - 1]))
    return _outermost(spans)


# -- helpers ---------------------------------------------------------------------------------


def _check_count(name: str, value: Any, lo: int, hi: int | None, example: int) -> None:
    whole = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not whole or value < lo or (hi is not None and value > hi):
        span = f"from {lo} to {hi:,}" if hi is not None else f"of {lo} or more"
        msg = f"{name}={value!r}: give a whole number {span}, such as {name}={example}."
        raise ParameterError(msg)


def _fields(corpus: pd.DataFrame, fields: Sequence[str]) -> dict[str, list[str | None]]:
    if not isinstance(corpus, pd.DataFrame):
        msg = f"Expected a corpus DataFrame (from ddj.load), got {type(corpus).__name__}."
        raise SchemaError(msg)
    fields = [fields] if isinstance(fields, str) else list(fields)
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
    out = _Texts({f: _Column(corpus[f]) for f in present})
    out.arrow = {f: c.arrow for f, c in out.items() if c.arrow is not None}
    return out


class _Column:
    """One field's texts in a batch, turned into Python strings only when asked for.

    The exact matcher reads the texts of its candidate rows, one at a time
    (``column[row]``); the RE2 set reads them all (:meth:`values`). A text
    that is not a string (a missing one) is None; so is every text of a row
    left out (:meth:`without`).
    """

    __slots__ = ("_cache", "_gone", "_series", "arrow")

    def __init__(
        self, series: pd.Series, gone: np.ndarray | None = None, arrow: Any = None
    ) -> None:
        self._series = series
        self._gone = gone
        self._cache: list[str | None] | None = None
        self.arrow = _arrow_text(series) if arrow is None else arrow

    def __len__(self) -> int:
        return len(self._series)

    def __getitem__(self, row: int) -> str | None:
        if self._cache is not None:
            return self._cache[row]
        if self._gone is not None and self._gone[row]:
            return None
        value = self.arrow[row].as_py() if self.arrow is not None else self._series.iat[row]
        return value if isinstance(value, str) else None

    def values(self) -> list[str | None]:
        """Every text, in order (made once)."""
        if self._cache is None:
            raw = self._series.tolist()
            gone = self._gone if self._gone is not None else np.zeros(len(raw), dtype=bool)
            self._cache = [
                v if isinstance(v, str) and not g else None
                for v, g in zip(raw, gone.tolist(), strict=True)
            ]
        return self._cache

    def without(self, gone: np.ndarray) -> _Column:
        """The same texts with those of the rows ``gone`` emptied (None)."""
        both = gone if self._gone is None else (gone | self._gone)
        return _Column(self._series, both, self.arrow)


class _Texts(dict):
    """A batch's texts by field, as lists: the exact matcher reads them one at a time.

    ``arrow`` holds the same columns in Arrow, where they are: the prefilter scans them whole.
    """

    arrow: dict[str, Any]


def _arrow_text(column: pd.Series) -> Any:
    """The column's Arrow array when it is held in Arrow as text (no copy), else None."""
    dtype = column.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    array = pa.array(column)
    return array if pa.types.is_string(array.type) or pa.types.is_large_string(array.type) else None


def _known(fields: Sequence[str]) -> list[str]:
    """The text columns among ``fields`` (:func:`_fields` names the others)."""
    return [f for f in ([fields] if isinstance(fields, str) else fields) if f in FIELDS]


def _emptied(
    texts: dict[str, list[str | None]], skipped: np.ndarray
) -> dict[str, list[str | None]]:
    """The texts to search, with those of rows left out (other page types) emptied.

    The Arrow columns stay whole: a row left out is never a candidate, whatever the prefilter says.
    """
    if not skipped.any():
        return texts
    out = _Texts({f: col.without(skipped) for f, col in texts.items()})
    out.arrow = dict(getattr(texts, "arrow", {}))
    return out


#: Patterns per RE2 set: a set that still does not compile is split in two until it does.
RE2_SET_SIZE = 5_000
#: RE2's memory budget per set (used lazily; a DFA short of memory would give up on a text).
RE2_MAX_MEM = 512 << 20


def _prefilter(all_leaves: list[Leaf], texts: dict[str, list[str | None]], n: int) -> np.ndarray:
    """Docs x leaves: False only where a leaf certainly does not occur (RE2 set scans, one a field and set)."""
    maybe = np.ones((n, len(all_leaves)), dtype=bool)
    import re2  # google-re2, a required dependency

    groups: dict[tuple[str | None, bool], list[tuple[int, str]]] = {}
    for j, leaf in enumerate(all_leaves):
        if isinstance(leaf, Phrase) and leaf.slop is not None:  # proximity: by its first word
            pattern = leaf_re2_pattern(leaf.words[0], loose=True)
        else:
            pattern = leaf_re2_pattern(leaf, loose=True)
        groups.setdefault((leaf.field, leaf.case), []).append((j, pattern))
    for (field_name, case), items in groups.items():
        names = [f for f in ([field_name] if field_name else list(texts)) if f in texts]
        if len(items) <= COLUMN_LEAVES and _columns_scanned(items, texts, names, case, maybe):
            continue
        whole = [texts[f].values() for f in names]  # every text of the batch, in Python
        for cols, rset in _re2_sets(re2, items):
            block = np.zeros((n, len(cols)), dtype=bool)
            for doc in range(n):
                joined = "\n".join(fold(v[doc] or "", case) for v in whole)
                # a lone surrogate (from broken JSON) becomes '?': not a word character either way
                found = rset.Match(joined.encode("utf-8", "replace")) if joined else None
                if found:
                    block[doc, found] = True
            maybe[:, cols] = block
    return maybe


#: Leaves of one field and case few enough to be found column by column (one RE2 pass each over
#: the batch's texts, in Arrow: ~1 ms a thousand texts) rather than by one RE2 set called on each
#: text in turn (~12 ms a thousand texts, whatever the number of leaves).
COLUMN_LEAVES = 12


def _columns_scanned(
    items: list[tuple[int, str]],
    texts: dict[str, list[str | None]],
    names: list[str],
    case: bool,
    maybe: np.ndarray,
) -> bool:
    """Fill ``maybe``'s columns of ``items`` by one RE2 pass a leaf and field over the folded texts.

    False (``maybe`` untouched) when a field's texts are not held in Arrow
    (an object column): the caller then scans text by text.
    """
    arrow = getattr(texts, "arrow", {})
    if not all(f in arrow for f in names):
        return False
    plain = all(pattern.isascii() for _, pattern in items)
    columns = [_folded_column(arrow[f], case, plain) for f in names]
    for j, pattern in items:
        found = np.zeros(maybe.shape[0], dtype=bool)
        try:
            for column in columns:
                found |= _found(column, pattern)
        except pa.ArrowException:  # a pattern RE2 cannot compile: the exact matcher checks it
            continue
        maybe[:, j] = found
    return True


def _folded_column(
    texts: Any, case: bool, plain: bool = False
) -> tuple[Any, bool, np.ndarray, Any, np.ndarray | None, int]:
    """An Arrow array's texts as the prefilter reads them: ``(ascii, case, rows, other)``.

    ``ascii`` is the array as it is: an ASCII text is searched in Arrow,
    ignoring case unless ``case`` (a superset of ``fold`` of it, its lower
    case: no copy of the texts is made). ``other`` is the ``fold`` of the texts
    at ``rows`` (folded in Python): they take the place of their rows. Those
    are the texts not ASCII; with ``plain`` (every pattern is ASCII) only
    those holding a character of :func:`unsafe_class`: any other text finds,
    as it is, every ASCII pattern its fold finds. A missing text (null) is
    found by nothing: when most are missing (a narrowed scan's batch), only
    the texts there are searched, at ``present`` of ``n`` (None: all).
    """
    n, present = len(texts), None
    if texts.null_count > n // 2:  # RE2 is called once a text, missing or not: leave them out
        present = np.flatnonzero(pc.is_valid(texts).to_numpy(zero_copy_only=False))
        texts = texts.take(pa.array(present))
    not_ascii = pc.fill_null(pc.invert(pc.string_is_ascii(texts)), False)
    rows = np.flatnonzero(not_ascii.to_numpy(zero_copy_only=False))
    other = pc.filter(texts, not_ascii) if len(rows) else pa.array([], type=pa.large_string())
    if plain and len(rows):
        unsafe = pc.match_substring_regex(other, unsafe_class()).to_numpy(zero_copy_only=False)
        rows, other = rows[unsafe], pc.filter(other, pa.array(unsafe))
    folded = [fold(v, case) for v in other.to_pylist()]
    return texts, case, rows, pa.array(folded, type=pa.large_string()), present, n


#: Where characters whose fold may not be themselves are looked for: every plane but 3-13 and
#: 15-16 (CJK extensions, unassigned and private use: no decomposition and no case, checked
#: by the tests over every plane).
_FOLDED_PLANES = (range(0x80, 0xD800), range(0xE000, 0x30000), range(0xE0000, 0xE1000))


@cache
def unsafe_class() -> str:
    """An RE2 class of the characters ``fold`` turns into nothing or into ASCII other than a space.

    Any other character that is not ASCII folds (in either case mode) to
    characters that are not ASCII, or to spaces: the prefilter's loose
    classes take both alike (``ddj.query.leaf_re2_pattern``), and no ASCII
    word can match inside them, so a text free of these characters is
    searched as it is. Computed once from this Python's Unicode tables, the
    ones ``fold`` uses.

    Examples
    --------
    >>> import re2
    >>> [bool(re2.search(unsafe_class(), t)) for t in ["caf\u00e9", "\u2019\u00a0\u9999", "\ufb01"]]
    [True, False, True]
    """
    ranges = unsafe_ranges(_FOLDED_PLANES)
    return "[" + "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges) + "]"


def unsafe_ranges(spans: Sequence[range]) -> list[tuple[int, int]]:
    """The code points of ``spans`` (surrogates left out) :func:`unsafe_class` holds, as ``(first, last)`` runs."""
    ranges: list[tuple[int, int]] = []
    for span in spans:
        chars = [chr(cp) for cp in span if not 0xD800 <= cp <= 0xDFFF]
        joined = "\x00".join(chars)  # NUL stops NFKD's reordering of marks: one char at a time
        folds = zip(fold(joined).split("\x00"), fold(joined, case=True).split("\x00"), strict=True)
        for c, (lower, kept) in zip(chars, folds, strict=True):
            if (lower != c or kept != c) and not _stays_apart(lower, kept):
                cp = ord(c)
                if ranges and ranges[-1][1] == cp - 1:
                    ranges[-1] = (ranges[-1][0], cp)
                else:
                    ranges.append((cp, cp))
    return ranges


def _stays_apart(lower: str, kept: str) -> bool:
    """Whether a character's two folds are non-empty and hold no ASCII but spaces."""
    return bool(lower and kept) and all(not ch.isascii() or ch == " " for ch in lower + kept)


def _found(
    column: tuple[Any, bool, np.ndarray, Any, np.ndarray | None, int], pattern: str
) -> np.ndarray:
    """Which texts of a column (:func:`_folded_column`) the RE2 ``pattern`` (of folded text) finds."""
    ascii_, case, rows, other, present, n = column
    found = pc.match_substring_regex(ascii_, pattern, ignore_case=not case)
    found = pc.fill_null(found, False).to_numpy(zero_copy_only=False)
    if len(rows):
        found[rows] = pc.match_substring_regex(other, pattern).to_numpy(zero_copy_only=False)
    if present is None:
        return found
    out = np.zeros(n, dtype=bool)
    out[present] = found
    return out


def _re2_sets(re2: Any, items: list[tuple[int, str]]) -> list[tuple[list[int], Any]]:
    """Compiled RE2 sets covering the patterns, ``(columns, set)``; chunks halve until they compile.

    A single pattern RE2 cannot compile is left out: its column stays "maybe"
    and the exact matcher checks every document for it.
    """
    todo = [items[i : i + RE2_SET_SIZE] for i in range(0, len(items), RE2_SET_SIZE)]
    done = []
    while todo:
        chunk = todo.pop()
        options = re2.Options()
        options.case_sensitive = True
        options.max_mem = RE2_MAX_MEM
        rset = re2.Set.SearchSet(options)
        try:
            for _, pattern in chunk:
                rset.Add(pattern)
            rset.Compile()
        except re2.error:
            if len(chunk) > 1:
                todo += [chunk[: len(chunk) // 2], chunk[len(chunk) // 2 :]]
            continue
        done.append(([j for j, _ in chunk], rset))
    return done


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


def names(spec: Any) -> list[str]:
    """The topic names of a spec (anything :func:`resolve` takes), in order."""
    return [t.name for t in resolve(spec)]
