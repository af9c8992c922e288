"""Author names: people only, no URLs, e-mails, "By", job titles or outlet names.

Organisations are kept only when no person is named: a company with a legal
form ("GmbH", "Inc.", "e.V.") is a publisher, never an author, and a string
that names one ("Verlag GmbH, Nürnberg, Germany") is an imprint, dropped whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_BY = re.compile(
    r"^\s*(?:(?:posted|written|published|veröffentlicht|geschrieben|verfasst|ein beitrag|"
    r"artikel|ein artikel|un documentaire|un article|post author|text|fotos?|interview)"
    r"(?:\s+(?:by|von|de|par))?|by|von|vom|par|por|di|door|av|af|autor(?:in)?|auteur|author)\s*[:\s]\s*",
    re.I,
)
_SPLIT = re.compile(
    r"\s*(?:,|;|\||/|&|\band\b|\bund\b|\bet\b|\by\b|\be\b|\ben\b|\bog\b|\boch\b|\n)\s*", re.I
)
_JUNK = re.compile(
    r"https?://|www\.|@|\.(?:com|org|net|co\.uk|de)\b|^\d|\d{4}|updated|published|minutes? read|"
    r"\bdesk\b|\bnewsroom\b|\bprofil(?:e)?\b|\bweitere\b|\bmore\b|\bsponsored\b|\bgesponsert|\bshares?\b|\bno author\b|"
    r"^(?:staff|editor|editors|admin|administrator|reporter|correspondent|contributor|"
    r"news desk|newsroom|agencies|agency|guest|anonymous|unknown|team|super user|name|posted|"
    r"text|autor|autoren|auteurs?|authors?|kolumnist|journalist|human|zuletzt geändert)$",
    re.I,
)
_TRAIL = re.compile(
    r"\s*(?:,\s*|\s+-\s+|\s+–\s+)?\b(?:(?:senior |chief |political |foreign |staff |deputy |"
    r"special |security |technology |china |asia )*(?:correspondent|editor|reporter|writer|"
    r"columnist|contributor)s?\b.*)|\s+in [A-Z][a-z]+(?: [A-Z][a-z]+)?$",
)
#: A legal form: the name is a company or association, a publisher rather than an author.
_LEGAL = re.compile(
    r"(?i:\b(?:gmbh|e\.\s?v|inc|ltd|llc|plc|corp|s\.\s?a|s\.\s?r\.\s?l|sarl|ohg)\b)|"
    r"\b(?:AG|SE|KG|BV|NV|Oy|AB|ASA|SAS)$"
)
#: Words that make a name an organisation or a desk ("Die Redaktion", "Reuters News"), kept only alone.
_ORG = re.compile(
    r"\b(?:redaktion|redacci[oó]n|redazione|r[ée]daction|newsroom|desk|staff|team|verlag|zeitung|"
    r"nachrichten|news|media|medien|press|presse|agentur|agency|foundation|stiftung|verband|"
    r"institut|institute|university|universit[äa]t|ministerium|ministry|partei|fraktion|"
    r"online|magazin|magazine|blog|service|services|group|gruppe)\b",
    re.I,
)


def clean_authors(candidates: Iterable[Any], outlet: str | None = None) -> list[str]:
    """Turn raw author strings (or JSON-LD author objects) into a clean list of names.

    Organisation names ("Die Redaktion", "dpa", "Verlag GmbH") are dropped
    when a person is named beside them.

    Examples
    --------
    >>> clean_authors(["By Jane Doe and John Roe", "https://x.example/jane", "jane@x.example"])
    ['Jane Doe', 'John Roe']
    >>> clean_authors(["Gazette Verlag GmbH, Northgate, England"])
    []
    >>> clean_authors(["Benjamin Fischer; Die Redaktion"])
    ['Benjamin Fischer']
    >>> clean_authors(["Redaktion"])  # a desk credit stands when it is the only one
    ['Redaktion']
    """
    names: list[str] = []
    seen: set[str] = set()
    outlet_key = key(outlet or "")
    for raw in candidates:
        for text in _strings(raw):
            text = _strip_by(re.sub(r"\s+", " ", text)).strip()
            if _LEGAL.search(text):
                continue  # an imprint ("Verlag GmbH, City, Country"), not a byline
            for part in _SPLIT.split(text):
                bare = _strip_by(part)
                name = _TRAIL.sub("", bare).strip(" .,:;-–—|()[]\"'")
                if (
                    _JOB.search(bare) and len(name.split()) < 2
                ):  # "China correspondent", "staff writer"
                    continue
                if not _is_name(name) or key(name) == outlet_key or _JOB.search(name):
                    continue
                k = key(name)
                if k not in seen:
                    seen.add(k)
                    names.append(name)
    people = [n for n in names if not _ORG.search(n)]
    return people or names


_JOB = re.compile(
    r"\b(?:correspondent|editor|reporter|writer|columnist|contributor|journalist|staff)s?\b"
)


def _strip_by(text: str) -> str:
    """Strip byline labels: "Post author: By Jane Doe" -> "Jane Doe" (labels may be stacked)."""
    for _ in range(3):
        shorter = _BY.sub("", text, count=1)
        if shorter == text:
            break
        text = shorter
    return text


def _strings(raw: Any) -> Iterable[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, dict):
        types = raw.get("@type")
        types = types if isinstance(types, list) else [types]
        if any(
            isinstance(t, str) and t.lower() in {"organization", "newsmediaorganization"}
            for t in types
        ):
            return []
        name = raw.get("name")
        return _strings(name)
    if isinstance(raw, (list, tuple)):
        return [s for item in raw for s in _strings(item)]
    return []


def _is_name(name: str) -> bool:
    if not (2 < len(name) <= 60) or _JUNK.search(name):
        return False
    words = name.split()
    if not 1 <= len(words) <= 5:
        return False
    return any(ch.isalpha() for ch in name) and not name.islower()


def key(text: str) -> str:
    """Text reduced for comparing: case folded, everything but letters and digits dropped.

    Examples
    --------
    >>> key("The Daily-News!") == key("the daily news")
    True
    """
    return re.sub(r"\W+", "", text.casefold())
