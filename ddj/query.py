"""The topic query language: parse a query once, match it on many texts.

The syntax is the one Media Cloud and Lucene users know:

=====================  ===================================================
``china``              the word, any case, accents optional (``cafe`` = ``café``)
``"hong kong"``        the words in this order, any punctuation between them
``cyber*``             words that start with ``cyber`` (trailing wildcard)
``=US``                case matters: ``US`` but not ``us`` (also ``="New York"``)
``a AND b``            both; two terms side by side also mean AND
``a OR b``             either
``NOT a``, ``-a``      not (``a NOT b`` is ``a AND NOT b``)
``( ... )``            grouping
``"hacker china"~10``  all the words within 10 words of each other, any order
``title:lai``          only in the title (fields: title, description, text)
=====================  ===================================================

Operators are written in capitals; lower-case ``and``/``or``/``not`` are
ordinary words. Words are whole words (Unicode-aware: ``spy`` does not match
``spyware``; use ``spy*``). Chinese, Japanese and Korean terms (``香港``) match
anywhere, since those scripts do not put spaces between words.

Examples
--------
>>> str(parse('"Hong Kong" OR "Jimmy Lai"'))
'("hong kong" OR "jimmy lai")'
>>> q = Query.compile('"Hong Kong" OR "Jimmy Lai"')
>>> q.matches("Protests in Hong Kong's Central district")
True
>>> q.matches("Hong Kongers in London")  # whole words: the demonym needs "Hong Kong*"
False
"""

from __future__ import annotations

import re as _re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

import regex

from ddj.errors import QuerySyntaxError

FIELDS = ("title", "description", "text")

_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}]")
_WORD = r"[\p{L}\p{N}\p{M}_]"
_MARKS = regex.compile(r"\p{Mn}+")


# -- text folding ----------------------------------------------------------------------------


def fold(text: str, case: bool = False) -> str:
    """Fold text for matching: accents removed, and case folded unless ``case``.

    Examples
    --------
    >>> fold("Café CRÈME")
    'cafe creme'
    """
    if not text:
        return ""
    if text.isascii():  # the common case: lower() is casefold() for ASCII, and faster
        return text if case else text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed != text:
        text = _MARKS.sub("", decomposed)
    return text if case else text.casefold()


def fold_with_map(text: str, case: bool = False) -> tuple[str, list[int]]:
    """``fold`` plus, for each folded character, the index of the original character it came from."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        piece = fold(ch, case) if not ch.isascii() else (ch if case else ch.lower())
        out.append(piece)
        where.extend([i] * len(piece))
    return "".join(out), where


# -- the syntax tree -------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word, with an optional trailing wildcard; ``case`` keeps case; ``field`` restricts where."""

    word: str
    wildcard: bool = False
    case: bool = False
    field: str | None = None

    def __str__(self) -> str:
        return f"{self.field + ':' if self.field else ''}{'=' if self.case else ''}{self.word}{'*' if self.wildcard else ''}"


@dataclass(frozen=True)
class Phrase:
    """Words in order (``slop`` None) or within ``slop`` words of each other in any order."""

    words: tuple[Term, ...]
    slop: int | None = None
    case: bool = False
    field: str | None = None

    def __str__(self) -> str:
        inner = " ".join(f"{w.word}{'*' if w.wildcard else ''}" for w in self.words)
        prox = f"~{self.slop}" if self.slop is not None else ""
        return f'{self.field + ":" if self.field else ""}{"=" if self.case else ""}"{inner}"{prox}'


@dataclass(frozen=True)
class Not:
    item: Node

    def __str__(self) -> str:
        return f"NOT {self.item}"


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]

    def __str__(self) -> str:
        return "(" + " AND ".join(map(str, self.items)) + ")"


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]

    def __str__(self) -> str:
        return "(" + " OR ".join(map(str, self.items)) + ")"


Node = Term | Phrase | Not | And | Or
Leaf = Term | Phrase


def leaves(node: Node, positive: bool = True) -> Iterator[tuple[Leaf, bool]]:
    """Every term and phrase of a tree, with whether it counts for a match (not under NOT)."""
    if isinstance(node, (Term, Phrase)):
        yield node, positive
    elif isinstance(node, Not):
        yield from leaves(node.item, not positive)
    else:
        for item in node.items:
            yield from leaves(item, positive)


# -- the parser ------------------------------------------------------------------------------

_TOKEN = _re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<phrase>=?"(?P<body>[^"]*)"(?:~(?P<slop>\d+))?)
  | (?P<open_quote>=?")
  | (?P<field>(?:title|description|text):)
  | (?P<word>[^\s()"]+)
    """,
    _re.VERBOSE | _re.IGNORECASE,
)
_OPERATORS = {"AND", "OR", "NOT"}


@dataclass
class _Tok:
    kind: str
    text: str
    pos: int
    extra: dict = field(default_factory=dict)


def _fail(query: str, pos: int, what: str, fix: str) -> QuerySyntaxError:
    caret = " " * pos + "^"
    msg = f"Query syntax error at position {pos}: {what}. {fix}\n  {query}\n  {caret}"
    return QuerySyntaxError(msg, query=query, position=pos)


def _tokenize(query: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        assert m is not None  # the word alternative matches any other character
        kind = m.lastgroup or "word"
        if kind == "open_quote":
            raise _fail(
                query, pos, "a quotation mark is never closed", 'Close the phrase with another ".'
            )
        if kind == "phrase":
            tokens.append(
                _Tok("phrase", m.group(0), pos, {"body": m.group("body"), "slop": m.group("slop")})
            )
        elif kind == "field":
            tokens.append(_Tok("field", m.group(0)[:-1].lower(), pos))
        elif kind == "word":
            text = m.group(0)
            if text in _OPERATORS:
                tokens.append(_Tok(text, text, pos))
            elif (
                ":" in text.rstrip(":")
                and text.split(":", 1)[0].isalpha()
                and text.split(":", 1)[1]
            ):
                name = text.split(":", 1)[0]
                raise _fail(
                    query,
                    pos,
                    f"unknown field '{name}:'",
                    f"Use one of {', '.join(f + ':' for f in FIELDS)}.",
                )
            else:
                tokens.append(_Tok("word", text, pos))
        elif kind != "ws":
            tokens.append(_Tok(kind, m.group(0), pos))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, query: str):
        self.query = query
        self.tokens = _tokenize(query)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Tok:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        if not self.tokens:
            raise QuerySyntaxError(
                'The query is empty: write at least one word or "phrase".', self.query, 0
            )
        node = self.or_expr()
        tok = self.peek()
        if tok is not None:
            if tok.kind == "rparen":
                raise _fail(
                    self.query,
                    tok.pos,
                    "a closing parenthesis has no opening one",
                    "Remove it or add '('.",
                )
            raise _fail(
                self.query, tok.pos, f"unexpected {tok.text!r}", "Check the operators around it."
            )
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items = [self.not_expr()]
        while (tok := self.peek()) is not None and tok.kind not in ("OR", "rparen"):
            if tok.kind == "AND":
                self.take()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_expr(self) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind == "NOT":
            self.take()
            return Not(self.not_expr())
        return self.primary()

    def primary(self, field_name: str | None = None) -> Node:
        tok = self.peek()
        if tok is None:
            raise _fail(
                self.query,
                len(self.query),
                "the query ends where a word was expected",
                "Finish the expression.",
            )
        if tok.kind in ("AND", "OR"):
            raise _fail(
                self.query,
                tok.pos,
                f"{tok.text} needs a word or phrase on both sides",
                "Add the missing term.",
            )
        if tok.kind == "rparen":
            raise _fail(
                self.query, tok.pos, "nothing inside or before ')'", "Put a term before it."
            )
        self.take()
        if tok.kind == "lparen":
            inner = self.or_expr()
            close = self.peek()
            if close is None or close.kind != "rparen":
                raise _fail(self.query, tok.pos, "this parenthesis is never closed", "Add ')'.")
            self.take()
            return _with_field(inner, field_name) if field_name else inner
        if tok.kind == "field":
            if field_name:
                raise _fail(
                    self.query, tok.pos, "a field inside a field", "Use one field per term."
                )
            nxt = self.peek()
            if nxt is None or nxt.kind not in ("word", "phrase", "lparen"):
                raise _fail(
                    self.query,
                    tok.pos,
                    f"'{tok.text}:' is not followed by a term",
                    'Write e.g. title:"hong kong".',
                )
            return self.primary(tok.text)
        if tok.kind == "phrase":
            return self.phrase(tok, field_name)
        return self.word(tok, field_name)

    def word(self, tok: _Tok, field_name: str | None) -> Node:
        text = tok.text
        if text.startswith("-") and len(text) > 1:
            inner = _Tok("word", text[1:], tok.pos + 1)
            return Not(self.word(inner, field_name))
        case = text.startswith("=")
        text = text[1:] if case else text
        term = _term(text, self.query, tok.pos + int(case), case, field_name)
        return term

    def phrase(self, tok: _Tok, field_name: str | None) -> Node:
        case = tok.text.startswith("=")
        body = tok.extra["body"]
        pos = tok.pos + 1 + int(case)
        words = []
        for m in _re.finditer(r"\S+", body):
            for part in (p for p in regex.split(r"[^\p{L}\p{N}\p{M}_*?]+", m.group(0)) if p):
                words.append(_term(part, self.query, pos + m.start(), case, None))
        if not words:
            raise _fail(
                self.query, tok.pos, "an empty phrase", "Put words between the quotation marks."
            )
        slop = int(tok.extra["slop"]) if tok.extra["slop"] else None
        if slop is not None and len(words) < 2:
            raise _fail(
                self.query,
                tok.pos,
                "proximity needs at least two words",
                'Write e.g. "hacker china"~10.',
            )
        if len(words) == 1 and slop is None:
            w = words[0]
            return Term(w.word, w.wildcard, case, field_name)
        return Phrase(tuple(words), slop, case, field_name)


def _term(text: str, query: str, pos: int, case: bool, field_name: str | None) -> Term:
    wildcard = text.endswith("*")
    word = text.rstrip("*")
    if "*" in word or "?" in word:
        raise _fail(
            query,
            pos,
            f"a wildcard inside {text!r}",
            "Only a trailing * is supported, as in cyber*.",
        )
    word = fold(word, case=case).strip()
    word = regex.sub(r"^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$", "", word)
    if not word:
        raise _fail(
            query,
            pos,
            f"{text!r} has no letters or digits",
            "Use a word, or quote punctuation inside a phrase.",
        )
    return Term(word, wildcard, case, field_name)


def _with_field(node: Node, name: str) -> Node:
    if isinstance(node, Term):
        return Term(node.word, node.wildcard, node.case, node.field or name)
    if isinstance(node, Phrase):
        return Phrase(node.words, node.slop, node.case, node.field or name)
    if isinstance(node, Not):
        return Not(_with_field(node.item, name))
    return type(node)(tuple(_with_field(i, name) for i in node.items))


def parse(query: str) -> Node:
    """Parse a query into a syntax tree; ``str(tree)`` writes it back in canonical form.

    Raises
    ------
    QuerySyntaxError
        With the position of the problem and a caret under it.

    Examples
    --------
    >>> str(parse("cyber* title:=APT31 -football"))
    '(cyber* AND title:=APT31 AND NOT football)'
    """
    if not isinstance(query, str):
        msg = f'A query must be text, not {type(query).__name__}: write e.g. \'"Hong Kong" OR "Jimmy Lai"\'.'
        raise QuerySyntaxError(msg, str(query), 0)
    return _Parser(query).parse()


# -- patterns --------------------------------------------------------------------------------


def _word_pattern(t: Term) -> str:
    body = regex.escape(t.word)
    if t.wildcard:
        body += _WORD + "*"
    if _CJK.search(t.word):
        return body
    left = "" if not regex.match(_WORD, t.word[0]) else rf"(?<!{_WORD})"
    right = "" if t.wildcard or not regex.match(_WORD, t.word[-1]) else rf"(?!{_WORD})"
    return left + body + right


def leaf_pattern(leaf: Leaf) -> str:
    """The ``regex`` pattern of a term or of a phrase in order (on folded text)."""
    if isinstance(leaf, Term):
        return _word_pattern(leaf)
    return r"[^\p{L}\p{N}]+".join(_word_pattern(w) for w in leaf.words)


def leaf_re2_pattern(leaf: Leaf) -> str | None:
    """A looser RE2 pattern that finds every text the exact pattern finds (a prefilter), or None.

    RE2 has no look-around, so word boundaries are matched as characters; a
    proximity phrase has no single pattern (its words are prefiltered one by one).
    """

    def one(t: Term, left: bool, right: bool) -> str:
        body = _re.escape(t.word)
        if t.wildcard:
            body += r"[\pL\pN\pM_]*"
        if _CJK.search(t.word):
            return body
        if left and _re.match(r"\w", t.word[0]):
            body = r"(?:^|[^\pL\pN\pM_])" + body
        if right and not t.wildcard and _re.match(r"\w", t.word[-1]):
            body += r"(?:[^\pL\pN\pM_]|$)"
        return body

    if isinstance(leaf, Term):
        return one(leaf, True, True)
    if leaf.slop is not None:
        return None
    last = len(leaf.words) - 1
    return r"[^\pL\pN]+".join(one(w, i == 0, i == last) for i, w in enumerate(leaf.words))


@dataclass(frozen=True)
class Query:
    """A parsed query, ready to match. ``matches`` is for one text; ``ddj.match`` for a corpus."""

    text: str
    tree: Node

    @classmethod
    def compile(cls, text: str) -> Query:
        return cls(text, parse(text))

    def __str__(self) -> str:
        return str(self.tree)

    def matches(self, text: str) -> bool:
        fields = {"title": text, "description": "", "text": text}
        return evaluate(self.tree, lambda leaf: bool(find_leaf(leaf, fields)))


def evaluate(node: Node, present) -> bool:
    """Evaluate a tree given ``present(leaf) -> bool``."""
    if isinstance(node, (Term, Phrase)):
        return present(node)
    if isinstance(node, Not):
        return not evaluate(node.item, present)
    if isinstance(node, And):
        return all(evaluate(i, present) for i in node.items)
    return any(evaluate(i, present) for i in node.items)


_COMPILED: dict[Leaf, regex.Pattern] = {}


def compiled(leaf: Leaf) -> regex.Pattern:
    """The compiled exact pattern of a leaf (cached)."""
    pattern = _COMPILED.get(leaf)
    if pattern is None:
        pattern = _COMPILED[leaf] = regex.compile(leaf_pattern(leaf))
    return pattern


def find_leaf(
    leaf: Leaf, fields: dict[str, str], prefolded: bool = False
) -> list[tuple[str, int, int]]:
    """Every occurrence of a leaf: ``(field, start, end)`` in the folded field text.

    ``fields`` maps field names to text; with ``prefolded`` the texts are
    already folded (``fold(text, leaf.case)``). For a proximity phrase, the
    occurrences of its words inside each window that satisfies it.
    """
    names = [leaf.field] if leaf.field else list(FIELDS)
    found: list[tuple[str, int, int]] = []
    for name in names:
        text = fields.get(name) or ""
        text = text if prefolded else fold(text, case=leaf.case)
        if not text:
            continue
        if isinstance(leaf, Phrase) and leaf.slop is not None:
            found.extend((name, s, e) for s, e in _proximity(leaf, text))
        else:
            found.extend((name, m.start(), m.end()) for m in compiled(leaf).finditer(text))
    return found


def _proximity(leaf: Phrase, text: str) -> list[tuple[int, int]]:
    """Occurrences of the words that lie within ``slop`` words of one of each other word."""
    import bisect

    starts = [m.start() for m in regex.finditer(_WORD + "+", text)]
    per_word = []
    for w in leaf.words:
        hits = [
            (bisect.bisect_right(starts, m.start()) - 1, m.start(), m.end())
            for m in compiled(w).finditer(text)
        ]
        if not hits:
            return []
        per_word.append(hits)
    out = []
    for idx, s, e in per_word[0]:
        if all(any(abs(i2 - idx) <= leaf.slop for i2, _, _ in hits) for hits in per_word[1:]):
            out.append((s, e))
            for hits in per_word[1:]:
                out.extend((s2, e2) for i2, s2, e2 in hits if abs(i2 - idx) <= leaf.slop)
    return sorted(set(out))
