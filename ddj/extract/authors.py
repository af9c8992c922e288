"""Author names: people only, no URLs, e-mails, "By", job titles or outlet names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_BY = re.compile(r"^\s*(?:by|von|par|por|di|door|av|af|von der redaktion)\s*[:\s]\s*", re.I)
_SPLIT = re.compile(
    r"\s*(?:,|;|\||/|&|\band\b|\bund\b|\bet\b|\by\b|\be\b|\ben\b|\bog\b|\boch\b|\n)\s*", re.I
)
_JUNK = re.compile(
    r"https?://|www\.|@|\.(?:com|org|net|co\.uk|de)\b|^\d|\d{4}|updated|published|minutes? read|"
    r"^(?:staff|editor|editors|admin|administrator|redaktion|reporter|correspondent|contributor|"
    r"news desk|newsroom|agencies|agency|guest|anonymous|unknown|team)$",
    re.I,
)
_TRAIL = re.compile(
    r"\s*(?:,\s*|\s+-\s+|\s+–\s+)?(?:(?:senior |chief |political |foreign |staff |deputy |"
    r"special |security |technology |china |asia )*(?:correspondent|editor|reporter|writer|"
    r"columnist|contributor)s?\b.*|in [A-Z][a-z]+(?: [A-Z][a-z]+)?$)",
)


def clean_authors(candidates: Iterable[Any], outlet: str | None = None) -> list[str]:
    """Turn raw author strings (or JSON-LD author objects) into a clean list of names.

    Examples
    --------
    >>> clean_authors(["By Jane Doe and John Roe", "https://x.example/jane", "jane@x.example"])
    ['Jane Doe', 'John Roe']
    """
    names: list[str] = []
    seen: set[str] = set()
    outlet_key = _key(outlet or "")
    for raw in candidates:
        for text in _strings(raw):
            text = _BY.sub("", re.sub(r"\s+", " ", text)).strip()
            for part in _SPLIT.split(text):
                bare = _BY.sub("", part)
                name = _TRAIL.sub("", bare).strip(" .,:;-–—|()[]\"'")
                if (
                    _JOB.search(bare) and len(name.split()) < 2
                ):  # "China correspondent", "staff writer"
                    continue
                if not _is_name(name) or _key(name) == outlet_key or _JOB.search(name):
                    continue
                k = _key(name)
                if k not in seen:
                    seen.add(k)
                    names.append(name)
    return names


_JOB = re.compile(
    r"\b(?:correspondent|editor|reporter|writer|columnist|contributor|journalist|staff)s?\b"
)


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


def _key(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())
