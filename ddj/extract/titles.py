"""Titles and outlet names: the site name cut from a title, a heading preferred, an outlet named from its domain."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from ddj.extract.authors import key as _key
from ddj.extract.markup import clean_text, unescape
from ddj.urls import registered_domain

_GENERIC_HOST_LABELS = {"www", "m", "amp", "mobile", "web", "news", "blog", "blogs"}


_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|»|/)\s+")


#: Words that make a site name a host name, not an outlet's name.
_HOST_LIKE = re.compile(r"(?i)^(?:[a-z][a-z0-9+.-]*://|www\d?\.)|^[\w.-]+\.[a-z]{2,}(?:/\S*)?$")


def outlet_name(url: str | None, publisher: str | None, site_name: str | None) -> str | None:
    """The outlet of a page: the publisher's name when the page names it, else its registered domain.

    In order: the JSON-LD ``publisher.name``, then ``og:site_name``, each
    kept only when it plausibly names the owner of the page's registered
    domain (:func:`names_domain`: ``Reuters`` for ``reuters.com``, ``Los
    Angeles Times`` for ``latimes.com``; a section such as ``U.S.`` does not);
    without a URL, or on a host that is an IP address or a single label
    (``localhost``), the first given that is no URL or host name. Otherwise the
    registered domain (``ddj.load`` then gives every page of one domain one
    label, and maps a bare domain through the outlet files:
    :func:`ddj.outlets.one_label_per_domain`).

    Examples
    --------
    >>> outlet_name("https://www.reuters.com/world/x", None, "U.S.")
    'reuters.com'
    >>> outlet_name("https://www.latimes.com/a", None, "Los Angeles Times")
    'Los Angeles Times'
    >>> outlet_name(None, None, "www.diariolibre.com") is None
    True
    >>> outlet_name("http://127.0.0.1:8000/a", None, "Intranet News")
    'Intranet News'
    """
    domain = registered_domain(url)
    for name in (publisher, site_name):
        name = clean_text(unescape(name)) if isinstance(name, str) else None
        if not name or _HOST_LIKE.search(name):
            continue
        if not domain or not _named_host(domain) or names_domain(name, domain):
            return name
    return domain or None


def _named_host(domain: str) -> bool:
    """Whether ``domain`` is a name whose letters can be compared (not ``127.0.0.1`` nor ``localhost``)."""
    return "." in domain and not _IP_HOST.match(domain)


_IP_HOST = re.compile(r"^[\d.]+$|:")


def names_domain(name: str, domain: str) -> bool:
    """Whether ``name`` plausibly names the owner of the registered ``domain``.

    Both are folded to their letters and digits, word by word (accents
    dropped, ``ü`` also read as ``ue``). The domain's label (``latimes`` of
    ``latimes.com``) must be written in order inside the name from the start
    of one of its words (``latimes`` in "Los Angeles Times", ``bbc`` in
    "British Broadcasting Corporation", ``verge`` in "The Verge", ``chron`` in
    "Houston Chronicle"), or the whole name inside the label, from its first
    letter (``Süddeutsche`` in ``sueddeutsche``). A section ("U.S.",
    "Politics"), a parent company or a wire ("Associated Press" on
    ``sfgate.com``) does not pass, nor does a name in another script than the
    domain's. Measured on the 862 real pages of ``../shared/corpora``: see
    the README.

    Examples
    --------
    >>> names_domain("Los Angeles Times", "latimes.com"), names_domain("U.S.", "reuters.com")
    (True, False)
    >>> names_domain("Süddeutsche Zeitung", "sueddeutsche.de"), names_domain("Politics", "politico.com")
    (True, False)
    >>> names_domain("The Verge", "theverge.com"), names_domain("Associated Press", "sfgate.com")
    (True, False)
    """
    label = _letters(domain.split(".", 1)[0])
    if not label or label.startswith("xn--"):
        return False
    for words in _name_forms(name):
        whole = "".join(words)
        if whole and whole[0] == label[0] and _in_order(whole, label):
            return True
        for i, word in enumerate(words):
            if word and word[0] == label[0] and _in_order(label, "".join(words[i:])):
                return True
    return False


def _name_forms(name: str) -> list[list[str]]:
    """The words of ``name`` in letters and digits: accents dropped, and umlauts as ``ae``/``oe``/``ue``."""
    text = name.casefold()
    umlauts = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    forms = []
    for form in (umlauts, text):
        plain = "".join(
            c for c in unicodedata.normalize("NFKD", form) if not unicodedata.combining(c)
        )
        forms.append([w for w in map(_letters, plain.split()) if w])
    return forms


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def _in_order(short: str, long: str) -> bool:
    """Whether every character of ``short`` appears in ``long``, in order."""
    if len(short) > len(long):
        return False
    rest = iter(long)
    return all(c in rest for c in short)


def strip_site_name(title: str | None, outlet: str | None, url: str | None) -> str | None:
    """Drop a trailing (or leading) ``| Site name`` from a title when it names the outlet.

    Examples
    --------
    >>> strip_site_name("Talks in Beijing | The Gazette", "The Gazette", None)
    'Talks in Beijing'
    >>> strip_site_name("Bread - and circuses", "The Gazette", None)
    'Bread - and circuses'
    """
    if not title:
        return title
    title = re.sub(r"\s+", " ", title).strip()
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    names = {_key(outlet or "")}
    domain = registered_domain(url) if url else ""
    if domain:
        names |= {_key(domain), _key(domain.split(".")[0])}
        host = (urlsplit(url).hostname or "").removesuffix(domain).split(".")
        names |= {_key(label) for label in host if label not in _GENERIC_HOST_LABELS}
    names.discard("")

    def is_site(part: str) -> bool:
        k = _key(part)
        return bool(k) and any(k == n or (len(n) > 3 and (k in n or n in k)) for n in names)

    if is_site(parts[-1]):
        return (
            _TITLE_SEPARATORS.split(title)[0]
            if len(parts) == 2
            else title[: title.rfind(parts[-1])].rstrip(" |-–—:·•»/")
        )
    if is_site(parts[0]):
        return title[len(parts[0]) :].lstrip(" |-–—:·•»/")
    return title


def prefer_heading(title: str | None, tree) -> str | None:
    """The page's visible heading when it tells the same story as the metadata title.

    A ``<h1>`` (or one of its parts: a kicker span, a ``Section | Story``
    piece) that holds at least half of the metadata title's words replaces
    it; among several, the one with the fewest words of its own outside the
    title wins. When a part of a composite title ("Story | Section | Site")
    is a heading, that part is kept. Measured on htmldate-trafilatura-eval
    (563 pages with a human-checked title): exact titles .716 with the
    metadata title alone, .789 with this rule; any share between .3 and .5
    gives about the same.
    """
    if not title:
        return title
    candidates = _heading_candidates(tree)
    if not candidates:
        return title
    return _title_part_in(title, candidates) or _closest_heading(title, candidates) or title


def _heading_candidates(tree) -> list[str]:
    """The first three ``<h1>``s, and their parts (child elements, ``|``-separated pieces)."""
    candidates = []
    for h1 in tree.xpath("//h1")[:3]:
        whole = clean_text(" ".join(h1.itertext()))
        if not whole:
            continue
        candidates.append(whole)
        kids = [clean_text(" ".join(c.itertext())) for c in h1 if isinstance(c.tag, str)]
        kids = [k for k in kids if k]
        if len(kids) >= 2:
            candidates += kids
        pieces = [p for p in re.split(r"\s*[|│ǀ]\s*", whole) if p.strip()]
        if len(pieces) >= 2:
            candidates += pieces
    return candidates


def _title_part_in(title: str, candidates: list[str]) -> str | None:
    """The part of a composite title ("Story | Section | Site") that is also a heading."""
    parts = [p for p in _HEADING_PARTS.split(title) if p.strip()]
    if len(parts) < 2:
        return None
    keys = {_key(c) for c in candidates} - {""}
    return next((part.strip() for part in parts if _key(part) in keys), None)


def _closest_heading(title: str, candidates: list[str]) -> str | None:
    """The heading holding at least half the title's words, with fewest words of its own."""
    words = set(_words(title))
    best, best_rank = None, None
    for candidate in candidates:
        own = set(_words(candidate))
        shared = len(own & words)
        if not own or not words or shared < 0.5 * len(words):
            continue
        rank = (shared / len(own), shared)
        if best_rank is None or rank > best_rank:
            best, best_rank = candidate, rank
    return best


_HEADING_PARTS = re.compile(r"\s+(?:\||-|–|—|::|·|•|»|›|/)\s+|\s*[|›»]\s*")


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())
