"""ddj's topic queries written in the syntax of other services: Media Cloud and GDELT's DOC API.

A query means one thing in ddj (:mod:`ddj.query`): side-by-side terms are AND,
words are whole words with case and accents folded, ``"a b"~N`` puts every
other word within N words of the first. Another service reads the same text
differently, so a query is parsed by ddj and written again in the service's
own syntax, with a note wherever the service will count something other than
what ddj would. What cannot be written at all (a prefix wildcard for GDELT, a
field the service does not have) is refused with the reason, never dropped.

Examples
--------
>>> t = for_mediacloud('"Hong Kong" protest*')
>>> t.text
'"hong kong" AND protest*'
>>> t = for_gdelt('"Hong Kong" (protest OR rally) -football')
>>> t.text
'"hong kong" (protest OR rally) -football'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ddj.errors import ParameterError
from ddj.query import And, Node, Not, Or, Phrase, Term, leaves, parse

#: Characters Lucene's query parser (Media Cloud's, via Elasticsearch) reads as syntax.
_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')
#: Words GDELT reads as plain keywords; anything else goes in quotes.
_GDELT_PLAIN = re.compile(r"[\w'.-]+")
#: GDELT's DOC API refuses keywords shorter than this (it answers with a plain-text error).
GDELT_MIN_WORD = 3

_FOLDING = (
    "ddj folds case and accents (cafe = café) and matches whole words; {service} uses its own "
    "analyser, so words with accents or capitals may match differently."
)


class UntranslatableQuery(ParameterError):
    """A ddj query that a service's syntax cannot express; the message says what and why."""


@dataclass(frozen=True)
class Translation:
    """A query written for a service, and where its meaning differs from ddj's.

    ``text`` goes to the service; ``notes`` are sentences a reporter should read
    before comparing the service's counts with ddj's.
    """

    service: str
    query: str
    text: str
    notes: tuple[str, ...]


def for_mediacloud(query: str) -> Translation:
    """Write a ddj query in Media Cloud's syntax (Lucene/Elasticsearch ``query_string``).

    AND is written out (Media Cloud's default connector between terms is OR),
    phrases are quoted, ``NOT`` and trailing ``*`` are kept, proximity becomes
    ``"a b"~N``; Lucene's special characters inside words are escaped.

    Raises
    ------
    UntranslatableQuery
        Fielded terms (``title:``): Media Cloud's fields are not ddj's;
        a wildcard inside a phrase, which Lucene does not read.

    Examples
    --------
    >>> t = for_mediacloud('china =US "hacker china"~10')
    >>> t.text
    'china AND US AND "hacker china"~10'
    >>> any("default connector" in n for n in t.notes)
    True
    """
    tree = parse(query)
    notes: list[str] = [
        "ddj's side-by-side terms mean AND; Media Cloud's default connector is OR, so AND is "
        "written out: pasting ddj's query unchanged into Media Cloud would count more stories."
    ]
    text = _mc(tree, notes, query)
    _common_notes(tree, notes, "Media Cloud", query)
    if isinstance(tree, Not):
        notes.append(
            "The query is only a NOT: Media Cloud counts every story without the term, "
            "which is rarely what a topic means."
        )
    return Translation("mediacloud", query, text, tuple(dict.fromkeys(notes)))


def for_gdelt(query: str) -> Translation:
    """Write a ddj query in GDELT DOC 2.0's syntax.

    Terms side by side are AND (as in ddj), phrases are quoted, OR lives only
    inside one pair of parentheses, negation is ``-`` before a word or phrase,
    proximity is ``nearN:"a b"``. ``NOT (a OR b)`` is written ``-a -b``.

    Raises
    ------
    UntranslatableQuery
        A trailing wildcard (GDELT has no prefix search), a field, a NOT
        over an AND, OR groups holding anything but words and phrases,
        or a query with nothing but negations.

    Examples
    --------
    >>> for_gdelt('"jimmy lai" OR "hong kong"').text
    '("jimmy lai" OR "hong kong")'
    >>> for_gdelt("cyber*")
    Traceback (most recent call last):
    ...
    ddj.translate.UntranslatableQuery: GDELT cannot search 'cyber*': its DOC API has no prefix wildcard. List the word's forms instead, e.g. (cyber OR cybers).
    """
    tree = parse(query)
    notes: list[str] = []
    items = tree.items if isinstance(tree, And) else (tree,)
    if all(isinstance(i, Not) for i in items):
        msg = (
            f"GDELT cannot search {query!r}: a GDELT query needs at least one word or phrase "
            "that is not negated. Add the topic's words, e.g. 'protest -football'."
        )
        raise UntranslatableQuery(msg)
    text = " ".join(_gd_top(item, notes, query) for item in items)
    _common_notes(tree, notes, "GDELT", query)
    return Translation("gdelt", query, text, tuple(dict.fromkeys(notes)))


# -- Media Cloud -----------------------------------------------------------------------------


def _mc(node: Node, notes: list[str], query: str) -> str:
    if isinstance(node, Term):
        _no_field(node, "Media Cloud", query)
        return _lucene_word(node.word) + ("*" if node.wildcard else "")
    if isinstance(node, Phrase):
        _no_field(node, "Media Cloud", query)
        if any(w.wildcard for w in node.words):
            msg = (
                f"Media Cloud cannot search {str(node)!r} from {query!r}: Lucene reads no wildcard "
                "inside a phrase. Write the phrase's forms out with OR, or drop the '*'."
            )
            raise UntranslatableQuery(msg)
        inner = " ".join(_lucene_word(w.word, quoted=True) for w in node.words)
        if node.slop is None:
            return f'"{inner}"'
        notes.append(
            f'"…"~{node.slop}: in ddj every other word lies within {node.slop} words of the '
            "first, in any order; Lucene's slop counts the moves needed to put the words in "
            "order, so near the limit the two can differ."
        )
        return f'"{inner}"~{node.slop}'
    if isinstance(node, Not):
        return "NOT " + _mc_operand(node.item, notes, query)
    joiner = " AND " if isinstance(node, And) else " OR "
    return joiner.join(_mc_operand(item, notes, query) for item in node.items)


def _mc_operand(node: Node, notes: list[str], query: str) -> str:
    text = _mc(node, notes, query)
    return f"({text})" if isinstance(node, (And, Or)) else text


def _lucene_word(word: str, quoted: bool = False) -> str:
    if quoted:
        return word.replace("\\", "\\\\").replace('"', '\\"')
    return _LUCENE_SPECIAL.sub(r"\\\1", word)


# -- GDELT -----------------------------------------------------------------------------------


def _gd_top(node: Node, notes: list[str], query: str) -> str:
    """One AND-ed item of a GDELT query (GDELT has no parentheses but OR's)."""
    if isinstance(node, Or):
        return (
            "("
            + " OR ".join(_gd_leaf(item, notes, query, "inside OR") for item in node.items)
            + ")"
        )
    if isinstance(node, Not):
        item = node.item
        if isinstance(item, Or):  # NOT (a OR b) = -a -b
            return " ".join("-" + _gd_leaf(i, notes, query, "under NOT") for i in item.items)
        if isinstance(item, (Term, Phrase)):
            return "-" + _gd_leaf(item, notes, query, "under NOT")
        msg = (
            f"GDELT cannot search {query!r}: NOT over an AND ({item}) needs an OR of negations, "
            "which GDELT's syntax has no way to write. Negate single words or phrases instead."
        )
        raise UntranslatableQuery(msg)
    if isinstance(node, And):
        return " ".join(_gd_top(i, notes, query) for i in node.items)
    return _gd_leaf(node, notes, query, "")


def _gd_leaf(node: Node, notes: list[str], query: str, where: str) -> str:
    if not isinstance(node, (Term, Phrase)):
        msg = (
            f"GDELT cannot search {query!r}: {node} {where} would need nested parentheses, "
            "and GDELT allows OR only between words and phrases inside one pair. "
            "Spread the query out, e.g. (a OR b) c instead of (a c) OR (b c)."
        )
        raise UntranslatableQuery(msg)
    _no_field(node, "GDELT", query)
    words = (node,) if isinstance(node, Term) else node.words
    for w in words:
        if w.wildcard:
            msg = (
                f"GDELT cannot search '{w.word}*': its DOC API has no prefix wildcard. "
                f"List the word's forms instead, e.g. ({w.word} OR {w.word}s)."
            )
            raise UntranslatableQuery(msg)
    if isinstance(node, Term):
        if len(node.word) < GDELT_MIN_WORD:
            notes.append(
                f"GDELT refuses keywords shorter than {GDELT_MIN_WORD} characters ({node.word!r}); "
                "put it in a phrase with its neighbour."
            )
        return node.word if _GDELT_PLAIN.fullmatch(node.word) else f'"{node.word}"'
    inner = " ".join(w.word for w in node.words)
    if node.slop is None:
        return f'"{inner}"'
    notes.append(
        f"~{node.slop} became GDELT's near{node.slop}: (words within {node.slop} of each other); "
        "ddj measures from the first word, so the two may differ at the limit."
    )
    return f'near{node.slop}:"{inner}"'


# -- shared ----------------------------------------------------------------------------------


def _no_field(leaf: Term | Phrase, service: str, query: str) -> None:
    if leaf.field:
        msg = (
            f"{service} cannot search {str(leaf)!r} from {query!r}: ddj's field {leaf.field!r} has "
            f"no counterpart ddj can vouch for in {service}. Drop '{leaf.field}:' to search "
            "the whole story."
        )
        raise UntranslatableQuery(msg)


def _common_notes(tree: Node, notes: list[str], service: str, query: str) -> None:
    found = [leaf for leaf, _ in leaves(tree)]
    if any(leaf.case for leaf in found):
        notes.append(f"'=' (case kept) has no counterpart: {service} ignores case.")
    if not query.isascii():
        notes.append(_FOLDING.format(service=service))
    elif found:
        notes.append(
            f"ddj matches whole words in its own text; {service} searches its own copy of "
            "each story (title and text as it stored them)."
        )
