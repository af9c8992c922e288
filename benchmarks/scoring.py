"""How extraction is scored against the ground truth of ../shared/corpora, in one place.

``benchmarks/bench_extract.py`` scores every tool with these, and
``tests/test_extract_shared.py`` pins ddj's floors with the same rules.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["names", "norm", "record_fields", "token_f1"]

_NAME_SPLIT = re.compile(r"\s*(?:;|,|&|\||\band\b|\bund\b)\s*", re.I)
_NAME_BY = re.compile(r"^(?:by|von)\s+", re.I)


def record_fields(rec: dict) -> dict:
    """The fields of a ``ddj.read_html`` record that are scored, as the truth gives them.

    ``day`` is the publisher's own calendar day (``published_local``), ISO-formatted.
    """
    local = rec["published_local"]
    return {
        "day": local.date().isoformat() if local else None,
        "title": rec["title"],
        "authors": rec["authors"],
        "text": rec["text"],
    }


def norm(text: str | None) -> str:
    """White space collapsed: titles and body snippets are compared after this."""
    return re.sub(r"\s+", " ", text or "").strip()


def names(value) -> set[str]:
    """The author names in a string or list, normalised for comparison (same rule for every tool).

    "By"/"Von" dropped, split on ``;``, ``,``, ``&``, ``|``, "and", "und",
    case and punctuation ignored.

    >>> sorted(names(["By Jane Doe and John Roe", "Ana Li"]))
    ['ana li', 'jane doe', 'john roe']
    """
    values = value if isinstance(value, list) else [value]
    out = set()
    for v in values:
        for part in _NAME_SPLIT.split(v or ""):
            key = " ".join(re.findall(r"\w+", _NAME_BY.sub("", part.strip()).casefold()))
            if key:
                out.add(key)
    return out


def _tokens(text: str | None) -> Counter:
    return Counter(re.findall(r"\w+", (text or "").lower()))


def token_f1(got: str | None, want: str | None) -> float:
    """Token F1 of a text against the truth, as the Article Extraction Benchmark scores bodies.

    >>> round(token_f1("a b c", "a b d"), 3)
    0.667
    """
    got_tokens, want_tokens = _tokens(got), _tokens(want)
    common = sum((got_tokens & want_tokens).values())
    if not common:
        return 0.0
    return 2 * common / (sum(got_tokens.values()) + sum(want_tokens.values()))
