"""A full-text index beside a store: which articles a query can match, without a scan.

``ddj.index("store/")`` (CLI ``ddj index store/``) indexes a store's parts with
`tantivy <https://github.com/quickwit-oss/tantivy-py>`_, in ``store/_index/``. The index reads the text with ddj's own
folding and word rule (:func:`ddj.query.fold`, :func:`ddj.query.word_runs`), so a
term, a prefix (``cyber*``), a phrase and a field (``title:``) mean in the index
what they mean to ddj's matcher. :func:`candidates` gives, for a query, the ids
of the articles it can match (``ddj.store.layout.id_keys``): exactly the
matching ones where the query translates exactly, else a superset that the
matcher narrows, else nothing (the scan runs, and the note says why).

The index knows no analysis: it yields candidate ids; page types, dates and
outlets are the scan core's to apply.

Building is incremental, resumable and bounded:

- it indexes only the parts its state (``_index/state.json``) does not list,
  and forgets the parts a store no longer lists (a batch appended again);
- parts are committed in groups; each part's documents carry the part's number,
  and are deleted before the part is indexed, so a build killed between the
  engine's commit and the state's rename indexes that part again, once;
- rows are read ``BATCH_ROWS`` at a time, and the engine writes in a fixed heap.

An append to a store that has an index indexes its new parts
(:func:`after_append`, called by :func:`ddj.store.writing.add`).

Examples
--------
>>> import ddj
>>> folder = ddj.save(corpus, "indexed", append=True)
>>> ddj.index(folder).rows
306
>>> found = candidates(folder, '"Hong Kong" AND NOT football')
>>> found.exact, len(found.ids) == int(ddj.match(ddj.open(folder), 'query:"Hong Kong" AND NOT football', pages="all").iloc[:, 0].sum())
(True, True)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import warnings
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import regex
import tantivy

from ddj.errors import DdjWarning, InputError, ParameterError
from ddj.keysets import distinct, union
from ddj.query import FIELDS, UNSPACED, And, Node, Not, Phrase, Term, fold, parse, word_runs
from ddj.store.layout import (
    COMMITS,
    RECORDS,
    Part,
    id_keys,
    listing,
    month_dirs_exist,
    not_regular,
    read_ids,
    read_record,
)
from ddj.store.survey import part_keys
from ddj.utils import atomic_write, held_lock

#: The index's folder inside a store (a name starting with ``_``: not data).
INDEX = "_index"
#: Rows read from a part at a time while indexing.
BATCH_ROWS = 4_096
#: Rows indexed between two commits of the engine (and of the state).
COMMIT_ROWS = 200_000
#: Bytes of memory the engine's writer uses.
WRITER_HEAP = 128 << 20
#: Longest word indexed whole, in characters: a longer one is indexed cut to this, and a query
#: word this long or longer is not looked up (the matcher decides).
MAX_WORD = 200
#: Seconds a build waits for another build of the same index.
LOCK_WAIT = 600.0
_STATE = "state.json"
_ENGINE = "tantivy"
_KEYS = "keys"
_ANALYZER = "ddj_words"
_ANALYZER_ALL = "ddj_all_words"
_COMMON_SUFFIX = "__common"
_VERSION = 1
#: Words a new index holds by article only, without positions (:class:`Layout`): the function words
#: (articles, prepositions, conjunctions, pronouns, auxiliaries) of English, German, French, Spanish,
#: Italian, Portuguese and Dutch news, folded as the index holds words. An index keeps the list it was
#: made with (``state["common"]``), whatever later versions of ddj ship.
_COMMON = """
    a about after all also an and are as at be been but by could de did do for from had has have he
    her his i if in into is it its no not of on or our s she so some such t than that the their
    them then there these they this those to was we were what when where which while who will with
    would you aber als am an auch auf aus bei bis das dass dem den der des die durch ein eine
    einem einen einer er es fur hat im ist mit nach nicht noch oder sich sie sind um und uber vom
    von vor war werden wie wird zu zum zur au aux avec ce ces d dans du elle en est et il ils l la
    le les leur lui mais ne nous par pas plus pour qu que qui sa se ses son sur un une al como con
    del el ella las lo los mas para pero por se su sus una y che da dei della di e gli ha i il nel
    non per si sono ao com da das do dos em na nao no nos o os ou uma bij door een het hij naar om
    ook op te van voor zijn
"""
COMMON_WORDS = frozenset(_COMMON.split())
#: Words that hold no letter or digit (``_``, marks alone) are not indexed: a phrase may span them.
_LETTER = regex.compile(r"[\p{L}\p{N}]")


class IndexWarning(DdjWarning):
    """An index that could not be updated: it is left as it was, and queries stay correct."""


@dataclass(frozen=True)
class Indexed:
    """What :func:`index` did: parts and rows added, parts forgotten, and the time taken."""

    folder: Path
    parts: int
    rows: int
    removed: int
    seconds: float


@dataclass(frozen=True)
class Candidates:
    """The articles a query can match, by the index.

    ``ids`` are sorted, unique id keys (:func:`ddj.store.layout.id_keys`), or
    None when the index cannot narrow the query (then scan, and show ``note``).
    ``exact``: ``ids`` are exactly the articles whose text matches (else a
    superset that the matcher narrows).
    """

    ids: np.ndarray | None
    exact: bool
    note: str | None = None


# -- words as the index holds them ------------------------------------------------------------


def indexed_words(text: Any, case: bool = False) -> list[str]:
    """The words the index holds for a field's text: ddj's folding and word rule.

    Words with no letter or digit are left out (a phrase may span them), and a
    word longer than :data:`MAX_WORD` characters is cut to it. Folded ASCII
    text (most text) is cut by a translation table: in ASCII, ddj's word
    characters are exactly ``[0-9A-Za-z_]``.

    Examples
    --------
    >>> indexed_words("Hong Kong's café _ 5G_ban")
    ['hong', 'kong', 's', 'cafe', '5g_ban']
    """
    if not isinstance(text, str) or not text:
        return []
    folded = fold(text, case)
    if folded.isascii():
        runs = folded.translate(_ASCII_SEPARATORS).split()
        if "_" in folded:
            runs = [w for w in runs if w.strip("_")]
    else:
        runs = [w for w in word_runs(folded) if w.isalnum() or _LETTER.search(w)]
    if any(len(w) > MAX_WORD for w in runs):
        runs = [w[:MAX_WORD] for w in runs]
    return runs


#: ASCII characters that are not word characters, each made a space (``str.translate``).
_ASCII_SEPARATORS = {
    c: " " for c in range(128) if not (chr(c).isascii() and (chr(c).isalnum() or chr(c) == "_"))
}


# -- building ---------------------------------------------------------------------------------


def index(store: Any, *, client: Any = None, common_words: Any = None) -> Indexed:
    """Build or bring up to date the full-text index of a store (``store/_index/``).

    Only the parts not yet indexed are read; parts the store no longer lists are
    forgotten. A build that was killed resumes where its last commit left it.

    Parameters
    ----------
    store
        A store folder, or a store from ``ddj.open``.
    client
        A ``dask.distributed.Client``: each part is read and cut into words on a
        worker (at most two parts a worker in flight, so memory holds a few
        parts' words), and written to the index here, in store order.
    common_words
        The words a new index holds by article only, without positions
        (:class:`Layout`): :data:`COMMON_WORDS` when not given; ``()`` keeps
        every word's positions, so every phrase is answered exactly, in a
        larger index. Only a new index takes it: an index keeps the words it
        was made with.

    Returns
    -------
    Indexed
        The parts and rows added, the parts removed, the seconds taken.

    Raises
    ------
    InputError
        Not a store, the index cannot be written, or another build held it too long.
    ParameterError
        ``client`` is not a Dask client, or ``common_words`` are not words as
        the index holds them, or differ from those the index was made with.
    """
    folder = _store_folder(store)
    if client is not None and not callable(getattr(client, "submit", None)):
        msg = f"client={client!r}: give a dask.distributed.Client (Client('tcp://host:8786'))."
        raise ParameterError(msg)
    common = _common(common_words)
    started = time.perf_counter()
    home = folder / INDEX
    try:
        home.mkdir(exist_ok=True)
        (home / _KEYS).mkdir(exist_ok=True)
        with _locked(home):
            parts, rows, removed = _update(folder, home, client, common)
    except ParameterError:
        raise
    except OSError as exc:
        msg = f"Cannot index the store {folder}: {exc.strerror or exc}. Check that you can write to {home}."
        raise InputError(msg) from exc
    except ValueError as exc:  # the engine refused its files
        msg = f"Cannot index the store {folder}: the index in {home} cannot be used ({exc}). Remove {home} and run ddj.index again."
        raise InputError(msg) from exc
    return Indexed(folder, parts, rows, removed, time.perf_counter() - started)


def has_index(store: Any) -> bool:
    """Whether the store has an index (``store/_index/``): then appends keep it up to date."""
    return (Path(getattr(store, "path", store)) / INDEX / _STATE).is_file()


def after_append(folder: Path) -> None:
    """Index an append's new parts when the store has an index (the hook of ``ddj.store.append``).

    A failure leaves the index as it was, with an :class:`IndexWarning`: the
    append stands, and :func:`candidates` counts the parts not indexed as
    candidates (so answers stay correct) until ``ddj.index`` runs again.
    """
    if not has_index(folder):
        return
    try:
        index(folder)
    except InputError as exc:
        msg = f"The store's index was not updated ({exc}); run ddj.index({str(folder)!r})."
        warnings.warn(IndexWarning(msg), stacklevel=3)


def _update(
    folder: Path, home: Path, client: Any = None, common: frozenset[str] | None = None
) -> tuple[int, int, int]:
    state = _read_state(home, common)
    _same_common(home, state, common)
    layout = _layout(state)
    found = listing(folder)
    current = {_name(folder, p): p for p in found.parts}
    done: dict[str, dict] = state["parts"]
    stale = [name for name in done if name not in current]
    todo = [p for name, p in current.items() if name not in done]
    if not stale and not todo:
        return 0, 0, 0
    engine = _open(home / _ENGINE, layout, create=True)
    writer = engine.writer(heap_size=WRITER_HEAP, num_threads=1)
    try:
        for name in stale:
            writer.delete_documents_by_term("part", _number(name))
        if stale:
            writer.commit()
            for name in stale:
                (home / _KEYS / f"{_number(name)}.u64").unlink(missing_ok=True)
                del done[name]
            _write_state(home, state)
        rows = 0
        group: dict[str, dict] = {}
        held = 0
        for part, batches in _sources(todo, client, layout.common):
            name = _name(folder, part)
            writer.delete_documents_by_term("part", _number(name))  # a killed build's, if any
            entry = _add_part(writer, batches, _number(name), home, layout, part)
            group[name] = entry
            held += entry["rows"]
            rows += entry["rows"]
            if held >= COMMIT_ROWS:
                _commit(writer, home, state, group)
                group, held = {}, 0
        if group:
            _commit(writer, home, state, group)
        writer.wait_merging_threads()
    except BaseException:
        with contextlib.suppress(Exception):
            writer.rollback()
        raise
    return len(todo), rows, len(stale)


def _commit(writer: Any, home: Path, state: dict, group: dict[str, dict]) -> None:
    writer.commit()  # the documents first: a state never lists a part the engine lacks
    state["parts"].update(group)
    _write_state(home, state)


#: A batch of a part, cut into words: its id keys (as int64) and each field's words, space-joined
#: (with, when the index has common words, each field's common words, once each: ``text__common``).
Words = tuple[np.ndarray, dict[str, list[str]]]


def _add_part(
    writer: Any, batches: Iterator[Words], number: int, home: Path, layout: Layout, part: Part
) -> dict:
    """Index one part's rows, and say where its id keys are. Unreadable: noted, no rows.

    A committed part's keys are the store's own list (``_ids/<part>.u64``) when it
    holds the same keys in the same order: the state names it (``store_ids``). Else
    (a part written by an older ddj) they go to ``_index/keys/<number>.u64``.
    """
    keys: list[np.ndarray] = []
    common = bool(layout.common)
    try:
        for k, fields in batches:
            keys.append(k)
            for row, key in enumerate(k.tolist()):
                doc = tantivy.Document(key=key, part=number)
                for f in FIELDS:
                    doc.add_text(f, fields[f][row])
                    if common:
                        doc.add_text(common_field(f), fields[common_field(f)][row])
                writer.add_document(doc)
    except (OSError, ValueError, pa.ArrowException) as exc:
        writer.delete_documents_by_term("part", number)
        return {"rows": 0, "keys": None, "unread": f"{exc}"[:500]}
    joined = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
    held = read_ids(part.ids, len(joined)) if part.ids is not None else None
    if held is not None and np.array_equal(held, joined.view(np.uint64)):
        return {"rows": len(joined), "store_ids": part.ids.relative_to(home.parent).as_posix()}
    atomic_write(home / _KEYS / f"{number}.u64", joined.astype("<i8").tobytes())
    return {"rows": len(joined), "keys": f"{_KEYS}/{number}.u64"}


def _words(batch: dict[str, list], common: frozenset[str]) -> Words:
    keys = id_keys(batch["id"]).view(np.int64)
    fields: dict[str, list[str]] = {}
    for f in FIELDS:
        words = [indexed_words(v) for v in batch[f]]
        fields[f] = [" ".join(w) for w in words]
        if common:
            fields[common_field(f)] = [" ".join(common.intersection(w)) for w in words]
    return keys, fields


def _local(part: Part, common: frozenset[str]) -> Iterator[Words]:
    for batch in _part_batches(part):
        yield _words(batch, common)


def _part_words(part: Part, common: frozenset[str]) -> list[Words] | str:
    """A worker's task: a whole part cut into words, or why it cannot be read."""
    try:
        return list(_local(part, common))
    except (OSError, ValueError, pa.ArrowException) as exc:
        return f"{exc}"


def _remote(result: list[Words] | str) -> Iterator[Words]:
    if isinstance(result, str):
        raise ValueError(result)
    yield from result


def _sources(
    todo: list[Part], client: Any, common: frozenset[str]
) -> Iterator[tuple[Part, Iterator[Words]]]:
    """Each part with its batches of words: read here, or on the cluster, a few parts ahead."""
    if client is None:
        for part in todo:
            yield part, _local(part, common)
        return
    ahead = 2 * max(1, len(client.scheduler_info().get("workers", {})))
    waiting: deque = deque()
    rest = iter(todo)
    for part in islice(rest, ahead):
        waiting.append((part, client.submit(_part_words, part, common, pure=False)))
    while waiting:
        part, future = waiting.popleft()
        result = future.result()
        nxt = next(rest, None)
        if nxt is not None:
            waiting.append((nxt, client.submit(_part_words, nxt, common, pure=False)))
        yield part, _remote(result)


def _part_batches(part: Part) -> Iterator[dict[str, list]]:
    """A part's ``id`` and text columns, :data:`BATCH_ROWS` rows at a time (missing columns: None)."""
    reason = not_regular(part.path)
    if reason is not None:
        raise OSError(f"{part.path}: {reason}")
    pf = pq.ParquetFile(part.path)
    have = set(pf.schema_arrow.names)
    if "id" not in have:
        raise ValueError(f"{part.path} has no id column")
    wanted = ["id", *(f for f in FIELDS if f in have)]
    for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=wanted):
        out: dict[str, list] = {}
        for name in ["id", *FIELDS]:
            if name in have:
                out[name] = pc.cast(batch.column(name), pa.large_string()).to_pylist()
            else:
                out[name] = [None] * batch.num_rows
        yield out


# -- asking -----------------------------------------------------------------------------------


def candidates(store: Any, query: str | Node, fields: Sequence[str] = FIELDS) -> Candidates:
    """The articles of a store that ``query`` can match, by its index.

    Parameters
    ----------
    store
        A store folder, or a store from ``ddj.open`` (its filters are not
        applied: the ids are of the whole store).
    query
        A query (text, or a tree from :func:`ddj.query.parse`).
    fields
        The fields searched, as ``ddj.match``'s ``fields``.

    Returns
    -------
    Candidates
        ``ids`` exact or a superset, or None (no index, or a query it cannot
        narrow: a term in a script written without spaces, a very long word,
        ``NOT`` of what it cannot put exactly) with a ``note`` saying why.

    Examples
    --------
    >>> import ddj
    >>> folder = ddj.save(corpus, "indexed2", append=True)
    >>> candidates(folder, "ukraine").note
    'The store indexed2 has no index: ddj.index(...) builds one; scanned.'
    >>> _ = ddj.index(folder)
    >>> candidates(folder, "ukraine").exact, candidates(folder, "=Ukraine").exact
    (True, False)
    >>> candidates(folder, "香港").ids is None
    True
    """
    folder = Path(getattr(store, "path", store))
    tree = parse(query) if isinstance(query, str) else query
    fields = [fields] if isinstance(fields, str) else list(fields)
    home = folder / INDEX
    if not has_index(folder):
        note = f"The store {folder.name} has no index: ddj.index(...) builds one; scanned."
        return Candidates(None, False, note)
    state = _read_state(home)
    layout = _layout(state)
    query_, exact = _translate(tree, fields, layout)
    if query_ is None:
        note = f"The index cannot narrow {str(tree)!r} (a term matched inside words, or a very long word); scanned."
        return Candidates(None, False, note)
    try:
        keys = _search(home, query_, layout)
    except (OSError, ValueError) as exc:  # damaged or removed under us: the scan still answers
        note = f"The index in {home} cannot be read ({exc}); scanned. Remove it and run ddj.index again."
        return Candidates(None, False, note)
    ids = distinct(keys.view(np.uint64))
    parts = store.parts if hasattr(store, "path") else listing(folder).parts  # opened: listed
    missing = [p for p in parts if _name(folder, p) not in state["parts"]]
    note = None
    if missing:
        extra = [_keys_of(p) for p in missing]
        ids = union([ids, *extra])
        exact = False
        note = f"{len(missing)} part(s) of {folder.name} are not indexed yet (ddj.index adds them): their articles are scanned."
    if state.get("repeats"):
        exact = False
    return Candidates(ids, exact, note)


def _search(home: Path, query: Any, layout: Layout) -> np.ndarray:
    """The id keys (as int64) of every document ``query`` matches."""
    searcher = _open(home / _ENGINE, layout, create=False).searcher()
    count = searcher.search(query, limit=1, count=True).count
    if not count:
        return np.zeros(0, dtype=np.int64)
    hits = searcher.search(query, limit=count, count=False, order_by_field="key").hits
    return np.fromiter((key for key, _ in hits), dtype=np.int64, count=len(hits))  # no scores


def _keys_of(part: Part) -> np.ndarray:
    keys = part_keys(part)
    return (
        np.zeros(0, dtype=np.uint64) if keys is None else keys
    )  # unreadable: readers leave it out


def _translate(node: Node, fields: list[str], layout: Layout) -> tuple[Any, bool]:
    """``(tantivy query, exact)`` for a tree; ``(None, False)`` where it cannot narrow (all rows)."""
    Q, Occur = tantivy.Query, tantivy.Occur
    if isinstance(node, (Term, Phrase)):
        return _leaf(node, fields, layout)
    if isinstance(node, Not):
        inner, exact = _translate(node.item, fields, layout)
        if inner is None or not exact:
            return None, False
        return Q.boolean_query([(Occur.Must, Q.all_query()), (Occur.MustNot, inner)]), True
    parts = [_translate(item, fields, layout) for item in node.items]
    if isinstance(node, And):
        known = [(q, e) for q, e in parts if q is not None]
        if not known:
            return None, False
        exact = len(known) == len(parts) and all(e for _, e in known)
        return Q.boolean_query([(Occur.Must, q) for q, _ in known]), exact
    if any(q is None for q, _ in parts):
        return None, False
    return Q.boolean_query([(Occur.Should, q) for q, _ in parts]), all(e for _, e in parts)


def _leaf(leaf: Term | Phrase, fields: list[str], layout: Layout) -> tuple[Any, bool]:
    """A term or phrase, in each field it is searched in: OR over those fields."""
    Q, Occur = tantivy.Query, tantivy.Occur
    names = [leaf.field] if leaf.field else [f for f in FIELDS if f in fields]
    names = [f for f in names if f in fields]
    if not names:  # a field not searched: the matcher finds nothing there
        return Q.empty_query(), True
    pieces, exact = _pieces(leaf)
    if pieces is None:
        return None, False
    per_field = []
    for name in names:
        if isinstance(leaf, Phrase) and leaf.slop is not None:
            # proximity: all its words in the field; the matcher places them
            q = _all_of([layout.word(name, r, p) for r, p in pieces])
            exact = False
        elif len(pieces) == 1:
            q = layout.word(name, *pieces[0])
        else:
            q, placed = layout.phrase(name, pieces)
            exact = exact and placed
        per_field.append(q)
    if len(per_field) == 1:
        return per_field[0], exact
    return Q.boolean_query([(Occur.Should, q) for q in per_field]), exact


def _all_of(queries: list[Any]) -> Any:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in queries])


def _pieces(leaf: Term | Phrase) -> tuple[list[tuple[str, bool]] | None, bool]:
    """A leaf's words as the index holds them, ``(word, prefix)``, and whether they match exactly.

    None where a word cannot be looked up: one in a script written without spaces
    (ddj matches it inside words) or one of :data:`MAX_WORD` characters or more.
    """
    words = leaf.words if isinstance(leaf, Phrase) else (leaf,)
    pieces: list[tuple[str, bool]] = []
    exact = not leaf.case  # a case-sensitive word is looked up folded: a superset
    for w in words:
        if UNSPACED.search(w.word):
            return None, False
        runs = indexed_words(w.word)  # folded without case, as the index holds words
        if not runs or any(len(r) >= MAX_WORD for r in runs):
            return None, False
        if len(runs) > 1 or runs[0] != w.word:
            exact = False  # "u.s": its words side by side, whatever lies between them
        pieces += [(r, w.wildcard and i == len(runs) - 1) for i, r in enumerate(runs)]
    return pieces, exact


@dataclass(frozen=True)
class Layout:
    """How an index holds its words: the schema, and the common words kept without positions.

    A field's words are indexed with their positions in the field, except the
    index's common words (``state["common"]``, :data:`COMMON_WORDS` when it was
    made): those are held in the field's ``<field>__common`` twin, by article
    only. Positions are most of an index's size and the common words most of a
    text's words, so this halves what the positions take on news text. The
    other words keep their positions in the text (the common words leave gaps),
    so a phrase of uncommon words is answered exactly; a phrase with a common
    word is answered with its other words in place and the common ones in the
    article, a superset that ddj's matcher narrows on the candidates.
    """

    schema: Any
    common: frozenset[str]

    def word(self, field: str, word: str, prefix: bool) -> Any:
        """A word, or a prefix (``cyber*``), in a field: where the index holds it."""
        Q = tantivy.Query
        if not prefix:
            return Q.term_query(self.schema, self._home(field, word), word)
        pattern = regex.escape(word) + ".*"
        placed = Q.regex_query(self.schema, field, pattern)
        if not self._may_be_common(word):
            return placed
        loose = Q.regex_query(self.schema, common_field(field), pattern)
        return Q.boolean_query([(tantivy.Occur.Should, placed), (tantivy.Occur.Should, loose)])

    def phrase(self, field: str, pieces: list[tuple[str, bool]]) -> tuple[Any, bool]:
        """Words side by side in a field, and whether the query says exactly that.

        The words the field holds with positions are asked as a phrase at
        their offsets; a common word (or a prefix that may be one) is asked
        in the article, wherever it is: then not exact.
        """
        Q = tantivy.Query
        placed, loose = [], []
        for at, (word, prefix) in enumerate(pieces):
            if self._may_be_common(word) if prefix else word in self.common:
                loose.append(self.word(field, word, prefix))
            else:
                placed.append((at, word, prefix))
        asked = list(loose)
        if len(placed) == 1:
            asked.append(self.word(field, placed[0][1], placed[0][2]))
        elif placed and any(prefix for _, _, prefix in placed):
            words = [(at, regex.escape(w) + (".*" if p else "")) for at, w, p in placed]
            asked.append(Q.regex_phrase_query(self.schema, field, words))
        elif placed:
            asked.append(Q.phrase_query(self.schema, field, [(at, w) for at, w, _ in placed]))
        return _all_of(asked), not loose

    def _home(self, field: str, word: str) -> str:
        return common_field(field) if word in self.common else field

    def _may_be_common(self, prefix: str) -> bool:
        return any(w.startswith(prefix) for w in self.common)


def common_field(field: str) -> str:
    """The twin of a field that holds its common words, by article (``text__common``)."""
    return f"{field}{_COMMON_SUFFIX}"


# -- the engine and the state ----------------------------------------------------------------


def _layout(state: dict) -> Layout:
    """The layout an index was made with: its common words (none in an index made before them)."""
    common = frozenset(state.get("common") or ())
    return Layout(_schema(bool(common)), common)


def _schema(common: bool) -> Any:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("key", fast=True)
    sb.add_integer_field("part", indexed=True)
    for f in FIELDS:
        sb.add_text_field(f, tokenizer_name=_ANALYZER)
        if common:
            sb.add_text_field(common_field(f), tokenizer_name=_ANALYZER_ALL, index_option="basic")
    return sb.build()


def _open(path: Path, layout: Layout, create: bool) -> Any:
    if create:
        path.mkdir(exist_ok=True)
    engine = tantivy.Index(layout.schema, path=str(path), reuse=True)
    words = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
    every = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
    if layout.common:  # left out of the positions; the words after them keep theirs
        words = words.filter(tantivy.Filter.custom_stopword(sorted(layout.common)))
    engine.register_tokenizer(_ANALYZER, words.build())
    engine.register_tokenizer(_ANALYZER_ALL, every)
    engine.reload()
    return engine


def _common(words: Any) -> frozenset[str] | None:
    """``common_words``, checked: each a word as the index holds it (folded, no space or mark)."""
    if words is None:
        return None
    if isinstance(words, str) or not hasattr(words, "__iter__"):
        msg = (
            f"common_words={words!r}: give a list of words, such as ['the', 'of'], or () for none."
        )
        raise ParameterError(msg)
    given = list(islice(iter(words), 10_001))
    bad = [w for w in given if not isinstance(w, str) or indexed_words(w) != [w]]
    if bad or len(given) > 10_000:
        shown = ", ".join(repr(w) for w in bad[:3]) or "more than 10,000 words"
        msg = f"common_words: {shown} not words as the index holds them; give folded words (lower case, no accents), at most 10,000."
        raise ParameterError(msg)
    return frozenset(given)


def _same_common(home: Path, state: dict, common: frozenset[str] | None) -> None:
    """Refuse ``common_words`` other than those the index (its ``state``) was made with."""
    held = frozenset(state.get("common") or ())
    if common is not None and held != common:
        msg = (
            f"common_words: the index in {home} was made with other common words "
            f"({len(held)} of them). Leave common_words out, or remove {home} "
            "and run ddj.index again to make it with these."
        )
        raise ParameterError(msg)


def _read_state(home: Path, common: frozenset[str] | None = None) -> dict:
    path = home / _STATE
    if not path.exists():
        words = COMMON_WORDS if common is None else common
        return {"version": _VERSION, "parts": {}, "common": sorted(words)}
    state = read_record(path)
    if state.get("version") != _VERSION or not isinstance(state.get("parts"), dict):
        msg = f"{path}: not an index state this ddj writes. Remove {home} and run ddj.index again."
        raise InputError(msg)
    return state


def _write_state(home: Path, state: dict) -> None:
    lists = [_key_list(home, e) for e in state["parts"].values()]
    keys = [np.fromfile(p, dtype="<u8") for p in lists if p is not None and p.is_file()]
    total = sum(len(k) for k in keys)
    seen = union(keys)
    state["repeats"] = int(total - len(seen))  # an id in two parts: answers are then supersets
    atomic_write(home / _STATE, json.dumps(state, ensure_ascii=False, sort_keys=True))


def _key_list(home: Path, entry: dict) -> Path | None:
    """The file of an indexed part's id keys: the store's own list, or the index's copy."""
    if entry.get("store_ids"):
        return home.parent / entry["store_ids"]
    return home / entry["keys"] if entry.get("keys") else None


def _name(folder: Path, part: Part) -> str:
    """A part's name in the index's state: ``month=YYYY-MM/part-....parquet`` (its place in ``folder``)."""
    return f"{part.path.parent.name}/{part.path.name}"  # a part is a month folder's file


def _number(name: str) -> int:
    """A part's number in the engine, from its path alone (so a resumed build finds its documents)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big") >> 1


def _store_folder(store: Any) -> Path:
    folder = Path(getattr(store, "path", store)).expanduser()
    is_store = folder.is_dir() and (
        (folder / COMMITS).is_dir() or (folder / RECORDS).is_dir() or month_dirs_exist(folder)
    )
    if not is_store:
        msg = f"{folder} is not a store: ddj.index takes a store folder (from ddj.save(..., append=True))."
        raise InputError(msg)
    return folder


@contextlib.contextmanager
def _locked(home: Path, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the index's own lock (``_index/_lock``): builds wait for each other, never for appends."""
    busy = (
        f"The index {home} is busy: another ddj.index held it for over {wait:g} s. Try again later."
    )
    with held_lock(home / "_lock", wait, busy):
        yield
