"""The topic query language: parse a query once, match it on many texts.

The syntax is the one Media Cloud and Lucene users know:

=====================  ===================================================
``china``              the word, any case, accents optional (``cafe`` = ``café``)
``"hong kong"``        the words in this order, any punctuation between them
``cyber*``             words that start with ``cyber`` (trailing wildcard)
``=US``                case matters: ``US`` but not ``us`` (also ``="New York"``)
``a AND b``            both; two terms side by side also mean AND
``a OR b``             either
``NOT a``, ``-a``      not (``a NOT b`` is ``a AND NOT b``; also ``-"a b"``, ``-(a b)``)
``( ... )``            grouping
``"hacker china"~10``  every other word within 10 words of the first, any order
``title:lai``          only in the title (fields: title, description, text)
=====================  ===================================================

Operators are written in capitals; lower-case ``and``/``or``/``not`` are
ordinary words. A query has at most ``MAX_QUERY_CHARS`` characters,
``MAX_TERMS`` words, ``MAX_DEPTH`` levels of parentheses and NOTs, and
``~`` at most ``MAX_SLOP``; past any of them, and for anything it cannot
read exactly (``"a b"~1.5``, ``a~2``, ``title:(text:a)``), ``parse`` raises
a ``QuerySyntaxError`` with the position.

Words are whole words (Unicode-aware: ``spy`` does not match ``spyware``; use
``spy*``). Chinese, Japanese and Korean terms (``香港``) match
anywhere, since those scripts do not put spaces between words.

Examples
--------
>>> str(parse('"Hong Kong" OR "Jimmy Lai"'))
'"hong kong" OR "jimmy lai"'
>>> q = Query.compile('"Hong Kong" OR "Jimmy Lai"')
>>> q.matches("Protests in Hong Kong's Central district")
True
>>> q.matches("Hong Kongers in London")  # whole words: the demonym needs "Hong Kong*"
False
"""

from __future__ import annotations

import functools
import re as _re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import regex

from ddj.errors import ParameterError, QuerySyntaxError

FIELDS = ("title", "description", "text")

#: Scripts written without spaces between words: a term in them is found anywhere, not as a word
#: (the matcher and the index read this one rule).
UNSPACED = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}]")
_WORD = r"[\p{L}\p{N}\p{M}_]"
#: The marks folding removes: accents (combining diacritical marks, their extensions and
#: supplement, marks for symbols, half marks) and the kana voicing marks. Marks of other scripts
#: (Thai vowels and tones, Devanagari, Arabic, Hebrew points) stay: they tell words apart.
_ACCENTS = _re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u3099\u309a]+"
)
_WORD_RUN = regex.compile(_WORD + "+")


# -- text folding ----------------------------------------------------------------------------


def fold(text: str, case: bool = False) -> str:
    """Fold text for matching: compatibility forms and accents removed, case folded unless ``case``.

    Text is decomposed (NFKD) and its accents (``_ACCENTS``) removed, so a text
    written composed (NFC) and the same text written decomposed (NFD: macOS
    file names, some CMS exports) fold alike, and every character folds the
    same whatever the text around it.

    Examples
    --------
    >>> fold("Café CRÈME")
    'cafe creme'
    >>> fold("Cafe\u0301") == fold("Caf\u00e9") == "cafe"
    True
    """
    if not text:
        return ""
    if text.isascii():  # the common case: lower() is casefold() for ASCII, and faster
        return text if case else text.lower()
    text = _ACCENTS.sub("", unicodedata.normalize("NFKD", text))
    return text if case else text.casefold()


def word_runs(folded: str) -> list[str]:
    """The words of folded text, by the rule whole words and proximity use (runs of ``_WORD``).

    A word is a run of letters, digits, marks and ``_``: what a term must fill
    whole, and what proximity counts. ``ddj.store.index`` indexes these.

    Examples
    --------
    >>> word_runs(fold("Hong Kong's 5G_ban, café"))
    ['hong', 'kong', 's', '5g_ban', 'cafe']
    """
    return _WORD_RUN.findall(folded)


#: A character and the combining marks after it (a decomposed "é" is two code points).
_CLUSTER = regex.compile(r"\P{M}\p{M}*+|\p{M}++")


def fold_with_map(text: str, case: bool = False) -> tuple[str, Sequence[int], Sequence[int]]:
    """``fold`` plus, for each folded character, where its original character starts and ends.

    A folded character comes from a character and the combining marks after it:
    its span in ``text`` covers them all, so a hit in decomposed text takes its
    accents with it. ``folded[s:e]`` comes from ``text[starts[s]:ends[e - 1]]``.

    Examples
    --------
    >>> folded, starts, ends = fold_with_map("Cafe\u0301 noir")
    >>> folded, starts[3], ends[3]
    ('cafe noir', 3, 5)
    """
    if text.isascii():
        return (text if case else text.lower()), range(len(text)), range(1, len(text) + 1)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for m in _CLUSTER.finditer(text):
        piece = fold(m.group(), case)
        out.append(piece)
        starts.extend([m.start()] * len(piece))
        ends.extend([m.end()] * len(piece))
    return "".join(out), starts, ends


# -- the syntax tree -------------------------------------------------------------------------

#: Limits on a query (generous for real use; each raises a QuerySyntaxError naming it).
MAX_QUERY_CHARS = 100_000
MAX_TERMS = 10_000
MAX_DEPTH = 50
MAX_SLOP = 10_000
#: The deepest tree a node accepts: ``parse`` never builds one deeper than ``2 * MAX_DEPTH + 3``,
#: so a hand-built tree deeper than this is refused before anything recurses over it.
MAX_TREE_DEPTH = 128


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


def _depth(node: Node) -> int:
    return node.depth if isinstance(node, (Not, And, Or)) else 1


def _check_depth(node: Not | And | Or, children: tuple) -> None:
    depth = 1 + max(map(_depth, children), default=0)
    if depth > MAX_TREE_DEPTH:
        msg = (
            f"A query tree {depth} levels deep: ddj takes at most {MAX_TREE_DEPTH}. "
            "Build trees with ddj.query.parse(), which limits nesting to "
            f"{MAX_DEPTH} parentheses and NOTs."
        )
        raise ParameterError(msg)
    object.__setattr__(node, "depth", depth)


@dataclass(frozen=True)
class Not:
    """``NOT item``: true where ``item`` is not."""

    item: Node
    depth: int = field(default=2, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_depth(self, (self.item,))

    def __str__(self) -> str:
        return f"NOT {_operand(self.item, self)}"


@dataclass(frozen=True)
class And:
    """``a AND b ...``: true where every item is."""

    items: tuple[Node, ...]
    depth: int = field(default=2, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_depth(self, self.items)

    def __str__(self) -> str:
        return " AND ".join(_operand(i, self) for i in self.items)


@dataclass(frozen=True)
class Or:
    """``a OR b ...``: true where any item is."""

    items: tuple[Node, ...]
    depth: int = field(default=2, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_depth(self, self.items)

    def __str__(self) -> str:
        return " OR ".join(_operand(i, self) for i in self.items)


def _operand(child: Node, parent: Not | And | Or) -> str:
    """A child written with only the parentheses that keep the tree as it is.

    AND binds tighter than OR, so an AND inside an OR needs none; any other
    AND or OR inside an operator gets them (else it would merge with its
    parent on re-reading). So ``str`` never nests deeper than the query it
    came from, and ``parse(str(tree)) == tree``.
    """
    text = str(child)
    if isinstance(child, Or) or (isinstance(child, And) and not isinstance(parent, Or)):
        return f"({text})"
    return text


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
  | (?P<minus>-)(?=[^\s)])
  | (?P<phrase>=?"(?P<body>[^"]*)"(?:~(?P<slop>[^\s()"]*))?)
  | (?P<open_quote>=?")
  | (?P<field>(?:title|description|text):)
  | (?P<word>[^\s()"]+)
    """,
    _re.VERBOSE | _re.IGNORECASE,
)
_OPERATORS = {"AND", "OR", "NOT"}
_SURROGATE = _re.compile(r"[\ud800-\udfff]")
_ONE_WORD = _re.compile(r'[^\s()"~]+')


@dataclass
class _Tok:
    kind: str
    text: str
    pos: int
    extra: dict = field(default_factory=dict)


def _display(query: str, pos: int) -> tuple[str, int]:
    """The query as one printable line (a window around ``pos`` when long), and the caret's column."""
    line = "".join(
        " " if ch.isspace() else "\ufffd" if unicodedata.category(ch) in ("Cc", "Cs") else ch
        for ch in query
    )
    if len(line) <= 200:
        return line, pos
    lo = max(0, pos - 60)
    head = "…" if lo else ""
    tail = "…" if pos + 60 < len(line) else ""
    return head + line[lo : pos + 60] + tail, pos - lo + len(head)


def _fail(query: str, pos: int, what: str, fix: str) -> QuerySyntaxError:
    shown, col = _display(query, pos)
    caret = " " * col + "^"
    msg = f"Query syntax error at position {pos}: {what}. {fix}\n  {shown}\n  {caret}"
    return QuerySyntaxError(msg, query=query, position=pos)


def _check_text(query: str) -> None:
    """Limits and encoding problems that stop a query before it is read."""
    if len(query) > MAX_QUERY_CHARS:
        raise _fail(
            query,
            MAX_QUERY_CHARS,
            f"the query is {len(query):,} characters long, over the limit of {MAX_QUERY_CHARS:,}",
            "Split it into several topics.",
        )
    bad = _SURROGATE.search(query)
    if bad:
        raise _fail(
            query,
            bad.start(),
            f"a lone surrogate (U+{ord(bad.group()):04X}), not a character",
            "The text was decoded wrongly; re-type it or read the file as UTF-8.",
        )


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
        elif kind == "minus":
            tokens.append(_Tok("NOT", "-", pos))
        elif kind == "word":
            tokens.append(_word_token(query, m.group(0), pos))
        elif kind != "ws":
            tokens.append(_Tok(kind, m.group(0), pos))
        pos = m.end()
    return tokens


def _word_token(query: str, text: str, pos: int) -> _Tok:
    if text in _OPERATORS:
        return _Tok(text, text, pos)
    name, colon, rest = text.rstrip(":").partition(":")
    if colon and name.isalpha() and rest:
        raise _fail(
            query,
            pos,
            f"unknown field '{name}:'",
            f"Use one of {', '.join(f + ':' for f in FIELDS)}.",
        )
    if "~" in text:
        raise _fail(
            query,
            pos + text.index("~"),
            "'~' after a word (fuzzy search) is not supported",
            'Proximity is for quoted phrases, as in "hacker china"~10.',
        )
    return _Tok("word", text, pos)


def tokens(query: str) -> list[tuple[str, str, int]]:
    """The query's tokens as the parser reads them: ``(kind, text, position)``, spaces left out.

    Kinds: ``word``, ``phrase``, ``field``, ``lparen``, ``rparen`` and the
    operators ``AND``, ``OR``, ``NOT`` (``-`` is a ``NOT``). For tools that
    look at how a query was written (:mod:`ddj.linting`); raises
    ``QuerySyntaxError`` where the parser would at this stage.

    Examples
    --------
    >>> tokens('"Hong Kong" or -lai')
    [('phrase', '"Hong Kong"', 0), ('word', 'or', 12), ('NOT', '-', 15), ('word', 'lai', 16)]
    """
    _check_text(query)
    return [(t.kind, t.text, t.pos) for t in _tokenize(query)]


class _Parser:
    """Recursive descent, one level a parenthesis or NOT, each counted against ``MAX_DEPTH``."""

    def __init__(self, query: str):
        self.query = query
        self.tokens = _tokenize(query)
        self.i = 0
        self.depth = 0
        self.terms = 0
        self.field: str | None = None

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
        """A chain of NOTs (or ``-``) read in a loop, each one level deeper; then a primary."""
        negations = 0
        while (tok := self.peek()) is not None and tok.kind == "NOT":
            self.enter(tok)
            self.take()
            negations += 1
        node = self.primary()
        for _ in range(negations):
            node = Not(node)
        self.depth -= negations
        return node

    def enter(self, tok: _Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _fail(
                self.query,
                tok.pos,
                f"parentheses and NOTs nest more than {MAX_DEPTH} levels deep",
                "Flatten the query: a OR b OR c needs no parentheses.",
            )

    def primary(self) -> Node:
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
            return self.group(tok)
        if tok.kind == "field":
            return self.fielded(tok)
        if tok.kind == "phrase":
            return self.phrase(tok)
        return self.word(tok)

    def group(self, tok: _Tok) -> Node:
        self.enter(tok)
        inner = self.or_expr()
        close = self.peek()
        if close is None or close.kind != "rparen":
            raise _fail(self.query, tok.pos, "this parenthesis is never closed", "Add ')'.")
        self.take()
        self.depth -= 1
        return inner

    def fielded(self, tok: _Tok) -> Node:
        if self.field:
            raise _fail(
                self.query,
                tok.pos,
                f"the field '{tok.text}:' inside the field '{self.field}:'",
                "Use one field per term.",
            )
        nxt = self.peek()
        if nxt is None or nxt.kind not in ("word", "phrase", "lparen", "NOT"):
            raise _fail(
                self.query,
                tok.pos,
                f"'{tok.text}:' is not followed by a term",
                'Write e.g. title:"hong kong".',
            )
        self.field = tok.text
        try:
            return self.not_expr()
        finally:
            self.field = None

    def word(self, tok: _Tok) -> Node:
        text = tok.text
        case = text.startswith("=")
        text = text[1:] if case else text
        return self.term(text, tok.pos + int(case), case, self.field)

    def phrase(self, tok: _Tok) -> Node:
        case = tok.text.startswith("=")
        body = tok.extra["body"]
        pos = tok.pos + 1 + int(case)
        words = []
        for m in _PHRASE_PART.finditer(body):
            # fold first, then split again: folding can make separators (NFKD of '¨' is ' ¨')
            for part in _PHRASE_PART.findall(fold(m.group(0), case=True)):
                words.append(self.term(part, pos + m.start(), case, None))
        if not words:
            raise _fail(
                self.query, tok.pos, "an empty phrase", "Put words between the quotation marks."
            )
        slop = self.slop(tok, len(words))
        if len(words) == 1 and slop is None:
            w = words[0]
            return Term(w.word, w.wildcard, case, self.field)
        return Phrase(tuple(words), slop, case, self.field)

    def slop(self, tok: _Tok, n_words: int) -> int | None:
        raw = tok.extra["slop"]
        if raw is None:
            return None
        where = tok.pos + len(tok.text) - len(raw) - 1
        shown = raw if len(raw) <= 12 else raw[:12] + "…"
        if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(MAX_SLOP)):
            raise _fail(
                self.query,
                where,
                f"'~{shown}' is not a whole number of words",
                'Write e.g. "hacker china"~10.',
            )
        if int(raw) > MAX_SLOP:
            raise _fail(
                self.query,
                where,
                f"'~{shown}' is over the limit of {MAX_SLOP:,} words",
                "Use a smaller distance, or AND for anywhere in the article.",
            )
        if n_words < 2:
            raise _fail(
                self.query,
                tok.pos,
                "proximity needs at least two words",
                'Write e.g. "hacker china"~10.',
            )
        return int(raw)

    def term(self, text: str, pos: int, case: bool, field_name: str | None) -> Term:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise _fail(
                self.query,
                pos,
                f"more than {MAX_TERMS:,} words in one query",
                "Split it into several topics.",
            )
        return _term(text, self.query, pos, case, field_name)


_PHRASE_PART = regex.compile(r"[\p{L}\p{N}\p{M}_*?]+")


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
    if not _reads_back(word, wildcard, case):
        raise _fail(
            query,
            pos,
            f"{text!r} reads as {word!r} once accents and width are folded, not as one word",
            f'Quote it as a phrase: "{word}".',
        )
    return Term(word, wildcard, case, field_name)


def _reads_back(word: str, wildcard: bool, case: bool) -> bool:
    """Whether the folded word, written by ``str``, is read again as this same single word."""
    if not _ONE_WORD.fullmatch(word) or "*" in word or "?" in word:
        return False
    written = str(Term(word, wildcard, case))
    try:
        tokens = _tokenize(written)
    except QuerySyntaxError:
        return False
    return len(tokens) == 1 and tokens[0].kind == "word" and tokens[0].text == written


#: The operators a label writes in lower case, as a person writes them.
_OPERATOR_WORDS = _re.compile(r"(?<![\w=:])(AND|OR|NOT)(?!\w)")


def label(query: str) -> str:
    """A query as a person writes it, for a column, a legend or a note.

    Quotation marks go, the operators ``AND``/``OR``/``NOT`` become ``and``,
    ``or``, ``not`` (outside quotes only) and runs of spaces become one; the
    words keep their case. The result is for reading: :func:`parse` the query,
    never its label.

    Examples
    --------
    >>> label('"Salt Typhoon"')
    'Salt Typhoon'
    >>> label('"Hong Kong" OR "Jimmy Lai"')
    'Hong Kong or Jimmy Lai'
    >>> label('taiwan  AND NOT "OR gate"')
    'taiwan and not OR gate'
    """
    parts = str(query).split('"')
    words = [
        part if i % 2 else _OPERATOR_WORDS.sub(lambda m: m[1].lower(), part)
        for i, part in enumerate(parts)
    ]
    return " ".join("".join(words).split())


def parse(query: str) -> Node:
    """Parse a query into a syntax tree; ``str(tree)`` writes it back in canonical form.

    Limits (each a ``QuerySyntaxError`` that names it): ``MAX_QUERY_CHARS``
    characters, ``MAX_TERMS`` words, ``MAX_DEPTH`` levels of parentheses and
    NOTs, a proximity of at most ``MAX_SLOP`` words.

    Raises
    ------
    QuerySyntaxError
        With the position of the problem and a caret under it.

    Examples
    --------
    >>> str(parse("cyber* title:=APT31 -football"))
    'cyber* AND title:=APT31 AND NOT football'
    """
    if not isinstance(query, str):
        msg = f'A query must be text, not {type(query).__name__}: write e.g. \'"Hong Kong" OR "Jimmy Lai"\'.'
        raise QuerySyntaxError(msg, "", 0)
    _check_text(query)
    return _Parser(query).parse()


# -- patterns --------------------------------------------------------------------------------


def _word_pattern(t: Term) -> str:
    body = regex.escape(t.word)
    if t.wildcard:
        body += _WORD + "*+"  # possessive: '_' is a word character and a separator, no backtracking
    if UNSPACED.search(t.word):
        return body
    left = "" if not regex.match(_WORD, t.word[0]) else rf"(?<!{_WORD})"
    right = "" if t.wildcard or not regex.match(_WORD, t.word[-1]) else rf"(?!{_WORD})"
    return left + body + right


def leaf_pattern(leaf: Leaf) -> str:
    """The ``regex`` pattern of a term or of a phrase in order (on folded text)."""
    if isinstance(leaf, Term):
        return _word_pattern(leaf)
    return r"[^\p{L}\p{N}]+".join(_word_pattern(w) for w in leaf.words)


#: RE2 character classes: (word character, not a word character, separator between phrase words).
_RE2_EXACT = (r"[\pL\pN\pM_]", r"[^\pL\pN\pM_]", r"[^\pL\pN]+")
#: Cheap supersets of those (all non-ASCII characters count as both), for the prefilter.
_RE2_LOOSE = (r"[^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]", r"[^0-9A-Za-z_]", r"[^0-9A-Za-z]+")


def leaf_re2_pattern(leaf: Leaf, loose: bool = False) -> str | None:
    """A looser RE2 pattern that finds every text the exact pattern finds (a prefilter), or None.

    RE2 has no look-around, so word boundaries are matched as characters; a
    proximity phrase has no single pattern (its words are prefiltered one by one).
    With ``loose`` (the prefilter's form) the classes are ASCII-only supersets
    and the word boundary before the first word is dropped: a few more
    candidates, but RE2 compiles thousands of these in milliseconds and scans
    with them at DFA speed (a leading boundary restarts every pattern after
    each space: 100 times slower with 5,000 patterns).
    """
    word, other, sep = _RE2_LOOSE if loose else _RE2_EXACT

    def one(t: Term, left: bool, right: bool) -> str:
        body = _re.escape(t.word)
        if t.wildcard:
            body += word + "*"
        if UNSPACED.search(t.word):
            return body
        if left and not loose and _re.match(r"\w", t.word[0]):
            body = f"(?:^|{other})" + body
        if right and not t.wildcard and _re.match(r"\w", t.word[-1]):
            body += f"(?:{other}|$)"
        return body

    if isinstance(leaf, Term):
        return one(leaf, True, True)
    if leaf.slop is not None:
        return None
    last = len(leaf.words) - 1
    return sep.join(one(w, i == 0, i == last) for i, w in enumerate(leaf.words))


@dataclass(frozen=True)
class Query:
    """A parsed query, ready to match. ``matches`` is for one text; ``ddj.match`` for a corpus."""

    text: str
    tree: Node

    @classmethod
    def compile(cls, text: str) -> Query:
        """Parse ``text`` (a ``QuerySyntaxError`` with the position when it does not parse)."""
        return cls(text, parse(text))

    def __str__(self) -> str:
        return str(self.tree)

    def matches(self, text: str) -> bool:
        """Whether ``text`` (as title and body at once) matches the query."""
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


@functools.lru_cache(maxsize=1 << 16)  # bounded: a long session of many queries cannot fill memory
def compiled(leaf: Leaf) -> regex.Pattern:
    """The compiled exact pattern of a leaf (cached)."""
    return regex.compile(leaf_pattern(leaf))


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
    """Occurrences of the words that lie within ``slop`` words of an occurrence of the first word.

    An occurrence of the first word counts when every other word occurs within
    ``slop`` words of it; it and those occurrences are returned, in order.
    Each word's positions are sorted, so the window ``[i - slop, i + slop]`` of
    every occurrence is found by binary search: O(n log n) in the text.
    """
    starts = np.fromiter((m.start() for m in _WORD_RUN.finditer(text)), dtype=np.int64)
    spans = []
    for w in leaf.words:
        found = [(m.start(), m.end()) for m in compiled(w).finditer(text)]
        if not found:
            return []
        spans.append(np.array(found, dtype=np.int64))
    index = [np.searchsorted(starts, s[:, 0], side="right") - 1 for s in spans]
    anchor, slop = index[0], leaf.slop or 0
    windows = [
        (np.searchsorted(i, anchor - slop, "left"), np.searchsorted(i, anchor + slop, "right"))
        for i in index[1:]
    ]
    ok = np.logical_and.reduce([lo < hi for lo, hi in windows], initial=True)
    kept = [spans[0][ok]]
    for (lo, hi), s in zip(windows, spans[1:], strict=True):
        inside = np.zeros(len(s) + 1, dtype=np.int64)  # +1 where a window opens, -1 where it closes
        np.add.at(inside, lo[ok], 1)
        np.add.at(inside, hi[ok], -1)
        kept.append(s[np.cumsum(inside)[:-1] > 0])
    both = np.concatenate(kept)
    keys = np.unique(both[:, 0] * (len(text) + 1) + both[:, 1])  # sorted by start, then end
    return list(zip(*(part.tolist() for part in np.divmod(keys, len(text) + 1)), strict=True))
