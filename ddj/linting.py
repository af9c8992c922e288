"""Query lint: what a query does that its writer may not have meant, said before anything is counted.

:func:`lint` reads how a query is written and, given a corpus, what its terms
find there. Each :class:`Finding` has a ``code``, a ``message`` that says what
ddj will do with the query, and a ``fix``:

==================  ==========================================================================
``curly-quotes``    “ ” (or « », „ “, ‘ ’) used as quotation marks: ddj reads only ``"``, so the
                    words are separate terms, all required, not a phrase
``lower-operator``  a bare ``or``/``and``/``not`` in lower case: a word that must appear
``leading-not``     a query that is ``NOT …`` (or ``a OR NOT b``): it matches most of the corpus
``mediacloud``      a Media Cloud query pasted as it is: its fields (``article_title:``,
                    ``language:``, ``media_id:`` …), or phrases side by side, which Media
                    Cloud joins with OR by default and ddj with AND
``syntax``          the query cannot be read (the parser's message, with its position)
``no-match``        a term that matches no article of the corpus (a typo, or the wrong language)
``broad-wildcard``  a ``prefix*`` that matches ``wildcard_limit`` or more distinct words, the
                    most frequent listed
==================  ==========================================================================

The first five read the query alone and cost nothing; the last two read the
corpus, as a reduction over its batches (:mod:`ddj.scan`: a frame is one batch,
a store many, and a store's index answers the terms it can). ``ddj lint`` and
the jobs of ``ddj coverage``/``ddj run`` show the findings before counting, as
one :class:`~ddj.errors.QueryLintWarning` a topic (its words in :func:`ddj.warns.query_lint`).

Examples
--------
>>> [f.code for f in lint("“Hong Kong” or Taiwan")]
['curly-quotes', 'lower-operator']
>>> lint("NOT football")[0].message
'The query is NOT …: it matches every article without football, most of the corpus.'
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import regex

from ddj import params, scan
from ddj.errors import QueryLintWarning, QuerySyntaxError
from ddj.matching import FIELDS, Topic, batch_flags, resolve
from ddj.query import Node, Not, Or, Term, fold, leaves, parse, tokens

__all__ = ["Finding", "QueryLintWarning", "lint"]

#: Distinct words a wildcard may match before it is flagged.
WILDCARD_LIMIT = 1_000
#: Distinct words counted for each wildcard (past it, "at least").
MAX_WILDCARD_WORDS = 100_000
#: Terms of one query checked against a corpus (the first ones; the finding says so past it).
MAX_TERMS_CHECKED = 200
#: The words listed for a broad wildcard.
TOP_WORDS = 10

#: Quotation marks other than ``"`` that people (and word processors) write, opening -> closing.
CURLY_QUOTES = (
    "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a\u300c\u300d\u300e\u300f\uff02\u275d\u275e"
)
_CURLY = re.compile(f"[{CURLY_QUOTES}]")
#: A single curly quote opening a word (‘Hong …), not an apostrophe inside one (Xi’s).
_SINGLE_OPEN = re.compile(r"(?:(?<=\s)|^|(?<=\())[\u2018\u201a\u201b]")
_STRAIGHTENED = str.maketrans({c: '"' for c in CURLY_QUOTES} | {"\u2018": '"', "\u201a": '"'})

#: Media Cloud's search fields (its Elasticsearch index), and what ddj takes instead.
MEDIACLOUD_FIELDS = {
    "article_title": "title:",
    "text_content": "text:",
    "title": None,  # the same in both
    "language": "the corpus's language column (filter the corpus, or load one language)",
    "media_id": "outlets= (or --outlets)",
    "media_name": "outlets= (or --outlets)",
    "media_url": "outlets= (or --outlets)",
    "tags_id_media": "a group in the outlets file (by='group')",
    "publish_date": "start= and end= (or --since/--until)",
    "publish_day": "start= and end= (or --since/--until)",
    "indexed_date": "start= and end= (or --since/--until)",
    "url": "outlets= for a site; a corpus filtered by URL for a section",
}
_FIELD_WORD = re.compile(r"(?<![\w:])([a-z_]+):(?!\s)", re.IGNORECASE)
_OPERATOR_WORDS = {"and": "AND", "or": "OR", "not": "NOT"}
_WORD_CHARS = r"[\p{L}\p{N}\p{M}_]"


@dataclass(frozen=True)
class Finding:
    """One thing a query does that its writer may not have meant.

    ``code`` names the kind (see the module's table), ``message`` says what ddj
    does with the query, ``fix`` what to write instead; ``fixed`` is the query
    rewritten where ddj can say how (else None); ``words`` lists
    ``(word, articles)`` for ``broad-wildcard`` and ``(term, articles)`` for
    ``no-match``.
    """

    code: str
    message: str
    fix: str
    fixed: str | None = None
    words: tuple[tuple[str, int], ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        return f"{self.code}: {self.message} {self.fix}"


# -- the checks ------------------------------------------------------------------------------


def lint(
    query: Any,
    corpus: Any = None,
    *,
    fields: Sequence[str] = FIELDS,
    pages: Any = "article",
    wildcard_limit: int = WILDCARD_LIMIT,
) -> list[Finding]:
    """What a query (or a topic) does that its writer may not have meant, before anything is counted.

    Parameters
    ----------
    query
        A query, a topic name, a :class:`~ddj.matching.Topic` (one).
    corpus
        Optional: a frame or a store. Then each term is looked up in it
        (``no-match``) and each wildcard's words counted (``broad-wildcard``).
    fields, pages
        As :func:`ddj.match` takes them.
    wildcard_limit
        Distinct words a ``prefix*`` may match before it is flagged.

    Returns
    -------
    list of Finding
        In the order of the module's table; empty when nothing is found.

    Examples
    --------
    >>> [f.fixed for f in lint('“Jimmy Lai” and "Hong Kong"')]
    ['"Jimmy Lai" and "Hong Kong"', '“Jimmy Lai” AND "Hong Kong"']
    """
    text = _query_text(query)
    found = [*_curly_quotes(text), *_lower_operators(text), *_mediacloud_fields(text)]
    try:
        tree = parse(text)
    except QuerySyntaxError as exc:
        if not any(f.code == "mediacloud" for f in found):
            found.append(Finding("syntax", str(exc).split("\n")[0], "Correct the query."))
        return found
    found += _leading_not(tree) + _side_by_side(text)
    if corpus is not None:
        found += _in_corpus(tree, corpus, fields, pages, wildcard_limit)
    return found


def _query_text(query: Any) -> str:
    """The query of a query, a topic or a topic name (a topic name is resolved as everywhere)."""
    if isinstance(query, Topic):
        return query.query
    try:
        chosen = resolve(query)
    except QuerySyntaxError:  # not a topic name, and not a query ddj reads: lint says why
        return str(query)
    if len(chosen) != 1:
        msg = f"lint() takes one query or topic at a time; got {len(chosen)}."
        raise QuerySyntaxError(msg, str(query), 0)
    return chosen[0].query


def _curly_quotes(text: str) -> list[Finding]:
    if not (_CURLY.search(text) or _SINGLE_OPEN.search(text)):
        return []
    fixed = _SINGLE_OPEN.sub('"', text).translate(_STRAIGHTENED)
    fixed = re.sub(r"(?<=\w)[\u2019](?=\s|$|\))", '"', fixed)  # the closing ’ of ‘…’
    return [
        Finding(
            "curly-quotes",
            "The query uses curly quotation marks (“ ” « » ‘ ’): ddj reads only straight "
            'ones ("), so the words between them are separate terms, each required anywhere in '
            "the article, not a phrase.",
            "Write the phrase with straight quotes.",
            fixed,
        )
    ]


def _outside_quotes(text: str) -> Iterable[tuple[int, str]]:
    """The parts of ``text`` outside straight quotes, with where each starts."""
    pos = 0
    for i, part in enumerate(text.split('"')):
        if i % 2 == 0:
            yield pos, part
        pos += len(part) + 1


def _lower_operators(text: str) -> list[Finding]:
    bare = regex.compile(rf"(?<!{_WORD_CHARS}|[=:*-])(and|or|not)(?!{_WORD_CHARS}|[*:])", regex.I)
    seen: list[tuple[int, str]] = [
        (start + m.start(1), m.group(1))
        for start, part in _outside_quotes(text)
        for m in bare.finditer(part)
        if not m.group(1).isupper()
    ]
    if not seen:
        return []
    fixed = text
    for at, word in seen:
        fixed = fixed[:at] + word.upper() + fixed[at + len(word) :]
    listed = ", ".join(f"'{word}' (at {at})" for at, word in seen)
    return [
        Finding(
            "lower-operator",
            f"{listed}: read as a word that must appear in the article (terms side by side are "
            "AND), not as an operator: operators are written in capitals.",
            "Write AND, OR, NOT in capitals if you meant the operator, or quote the word.",
            fixed,
        )
    ]


def _leading_not(tree: Node) -> list[Finding]:
    if isinstance(tree, Not):
        return [
            Finding(
                "leading-not",
                f"The query is NOT …: it matches every article without {tree.item}, most of the corpus.",
                "Put the topic's own terms first: 'topic NOT excluded'.",
            )
        ]
    if isinstance(tree, Or) and any(isinstance(item, Not) for item in tree.items):
        negated = next(item for item in tree.items if isinstance(item, Not))
        return [
            Finding(
                "leading-not",
                f"One side of OR is {negated}: the query matches every article without "
                f"{negated.item}, most of the corpus.",
                "Did you mean AND NOT? Write 'a AND NOT b', or group it: 'a OR (b AND NOT c)'.",
            )
        ]
    return []


def _mediacloud_fields(text: str) -> list[Finding]:
    found = []
    for start, part in _outside_quotes(text):
        for m in _FIELD_WORD.finditer(part):
            name = m.group(1).lower()
            instead = MEDIACLOUD_FIELDS.get(name, "")
            if name in FIELDS or not instead:
                continue
            found.append(
                Finding(
                    "mediacloud",
                    f"'{m.group(1)}:' (at {start + m.start()}) is a field of Media Cloud's search, "
                    "not of ddj's queries (which take title:, description:, text:).",
                    f"Use {instead}.",
                )
            )
    return found


def _side_by_side(text: str) -> list[Finding]:
    """Phrases or groups written side by side: AND here, OR in Media Cloud (its default connector)."""
    listed = tokens(text)
    pairs = [
        pos
        for (kind, _, _), (after, _, pos) in pairwise(listed)
        if kind in ("phrase", "rparen") and after in ("phrase", "lparen")
    ]
    if not pairs:
        return []
    return [
        Finding(
            "mediacloud",
            f"Phrases or groups side by side (at {', '.join(map(str, pairs))}) are joined by AND in "
            "ddj: each is required. Media Cloud's search joins them with OR by default, so a query "
            "pasted from there finds fewer articles here.",
            "Write OR between them if you meant either, or AND to make it plain.",
        )
    ]


# -- what the corpus says ----------------------------------------------------------------------


def _in_corpus(
    tree: Node, corpus: Any, fields: Sequence[str], pages: Any, wildcard_limit: int
) -> list[Finding]:
    terms = list(dict.fromkeys(leaf for leaf, _ in leaves(tree)))
    negated = {leaf for leaf, positive in leaves(tree) if not positive}
    checked = terms[:MAX_TERMS_CHECKED]
    counts = _term_counts(corpus, checked, fields, pages)
    found = []
    empty = [(t, n) for t, n in zip(checked, counts, strict=True) if n == 0]
    if empty:
        more = (
            f" Only the first {MAX_TERMS_CHECKED} of its {len(terms)} terms were looked up."
            if len(terms) > len(checked)
            else ""
        )
        listed = ", ".join(str(t) for t, _ in empty if t not in negated)
        excluded = ", ".join(str(t) for t, _ in empty if t in negated)
        said = [
            *([f"No article of the corpus has {listed}."] if listed else []),
            *([f"NOT {excluded} excludes nothing: no article has it."] if excluded else []),
        ]
        found.append(
            Finding(
                "no-match",
                " ".join(said) + more,
                "Check the spelling and the language, or drop the term.",
                words=tuple((str(t), n) for t, n in empty),
            )
        )
    wildcards = [t for t in terms if isinstance(t, Term) and t.wildcard]
    if wildcards:
        found += _broad_wildcards(corpus, wildcards, fields, wildcard_limit)
    return found


def _term_counts(corpus: Any, terms: list, fields: Sequence[str], pages: Any) -> list[int]:
    """How many articles each term (alone) matches: one scan, or the store's index."""
    chosen = [Topic(f"term_{i}", str(t), str(t)) for i, t in enumerate(terms)]
    flags = scan.run(corpus, _TermCounts(chosen, tuple(fields), params.pages(pages)))
    return [int(n) for n in flags]


@dataclass(frozen=True)
class _TermCounts(scan.Reduction):
    """How many rows each topic matches (rows of other page types match nothing)."""

    chosen: list[Topic]
    fields: tuple[str, ...]
    pages: tuple[str, ...] | None

    @property
    def columns(self) -> list[str]:
        """The fields searched and what tells a row's page type."""
        return [*(f for f in self.fields if f in FIELDS), "page_type", "source", "url"]

    def tally(self, batch: pd.DataFrame, start: int) -> np.ndarray:
        """Each topic's matches in one batch."""
        found, _, _ = batch_flags(batch, self.chosen, self.fields, self.pages)
        return np.array([int(found[t.name].sum()) for t in self.chosen], dtype=np.int64)

    def combine(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Both batches' counts."""
        return a + b

    def finish(self, total: np.ndarray, corpus: Any) -> np.ndarray:
        """The counts."""
        return total


def _broad_wildcards(
    corpus: Any, wildcards: list[Term], fields: Sequence[str], limit: int
) -> list[Finding]:
    counted = scan.run(corpus, _WildcardWords(tuple(w.word for w in wildcards), tuple(fields)))
    found = []
    for w in wildcards:
        words, capped = counted.get(w.word, (Counter(), False))
        if len(words) < limit:
            continue
        top = tuple(words.most_common(TOP_WORDS))
        listed = ", ".join(f"{word} ({n:,})" for word, n in top)
        many = f"at least {len(words):,}" if capped else f"{len(words):,}"
        found.append(
            Finding(
                "broad-wildcard",
                f"{w} matches {many} different words in the corpus; the most frequent: {listed}.",
                "Lengthen the prefix, or list the words you mean with OR.",
                words=top,
            )
        )
    return found


@dataclass(frozen=True)
class _WildcardWords(scan.Reduction):
    """For each prefix, the folded words starting with it and in how many articles each appears."""

    prefixes: tuple[str, ...]
    fields: tuple[str, ...]

    @property
    def columns(self) -> list[str]:
        """The text fields."""
        return [f for f in self.fields if f in FIELDS]

    def tally(self, batch: pd.DataFrame, start: int) -> dict[str, tuple[Counter, bool]]:
        """Each prefix's words in one batch, by article."""
        pattern = regex.compile(
            rf"(?<!{_WORD_CHARS})(?:{'|'.join(regex.escape(p) for p in self.prefixes)}){_WORD_CHARS}*+"
        )
        out: dict[str, tuple[Counter, bool]] = {p: (Counter(), False) for p in self.prefixes}
        columns = [batch[f].tolist() for f in self.columns if f in batch.columns]
        for values in zip(*columns, strict=True):
            text = fold(" \n ".join(v for v in values if isinstance(v, str)))
            words = set(pattern.findall(text))
            for word in words:
                for p in self.prefixes:
                    if word.startswith(p):
                        _count(out, p, word)
        return out

    def combine(self, a: dict, b: dict) -> dict[str, tuple[Counter, bool]]:
        """Both batches' words (each prefix's at most ``MAX_WILDCARD_WORDS``)."""
        out = {}
        for p in self.prefixes:
            words, capped = Counter(a[p][0]), a[p][1] or b[p][1]
            for word, n in b[p][0].items():
                if word in words or len(words) < MAX_WILDCARD_WORDS:
                    words[word] += n
                else:
                    capped = True
            out[p] = (words, capped)
        return out

    def finish(self, total: dict, corpus: Any) -> dict[str, tuple[Counter, bool]]:
        """The words of each prefix."""
        return total


def _count(out: dict[str, tuple[Counter, bool]], prefix: str, word: str) -> None:
    words, capped = out[prefix]
    if word in words or len(words) < MAX_WILDCARD_WORDS:
        words[word] += 1
    else:
        out[prefix] = (words, True)
