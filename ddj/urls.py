"""An article's web address as ddj compares it: its key, its id, its registered domain.

One of each, used by every loader and by the collector: :func:`normalize_url`
(the key two copies of an article share), :func:`article_id` (the corpus's
``id``: a hash of that key, else of the text or headline) and
:func:`registered_domain` (``news.bbc.co.uk`` -> ``bbc.co.uk``, offline).
Nothing of ddj above :mod:`ddj.hostvalues` is imported.

Examples
--------
>>> normalize_url("https://www.example.org/a/?utm_source=x"), registered_domain("https://m.example.co.uk/")
('example.org/a', 'example.co.uk')
"""

from __future__ import annotations

import hashlib

from ddj.hostvalues import url_host

__all__ = ["article_id", "normalize_url", "registered_domain"]


def normalize_url(url: str | None) -> str:
    """Key for "the same article": no scheme, no ``www.``, no tracking parameters or fragment.

    Uses courlan (trafilatura's URL library) to drop tracking parameters
    (``utm_*``, ``fbclid``, ``gclid``, ...) and fragments and to sort the query.

    Examples
    --------
    >>> normalize_url("https://www.Example.com/a/?utm_source=x&id=3#top")
    'example.com/a?id=3'
    >>> normalize_url("http://example.com/a?id=3")
    'example.com/a?id=3'
    """
    if url is None or (isinstance(url, float) and url != url):  # None or NaN: no URL
        return ""
    url = str(url).strip()
    if not url:
        return ""
    from courlan import normalize_url as _courlan_normalize

    try:
        url = _courlan_normalize(url, strict=True)
    except Exception:  # courlan rejects some odd strings: fall back to the raw text
        pass
    low = url.split("://", 1)[-1]
    host, sep, rest = low.partition("/")
    host = host.lower()
    if host.startswith("www."):
        host = host[4:]
    path, qsep, query = rest.partition("?")
    path = path.rstrip("/")
    key = host + (sep + path if path else "")
    return key + (qsep + query if query else "")


def article_id(
    url: str | None,
    text: str | None = None,
    *,
    outlet: str | None = None,
    title: str | None = None,
    day: str | None = None,
) -> str:
    """Stable id of an article: hash of its normalised URL, else of its text, else of its headline.

    A row with neither URL nor text (a headline table without links) is known
    by its outlet, title and day (``YYYY-MM-DD``, UTC), so the same headline
    loaded again gets the same id.

    Examples
    --------
    >>> article_id("https://www.example.org/a?utm_source=x") == article_id("http://example.org/a")
    True
    >>> article_id(None, outlet="The Courier", title="Talks open", day="2024-10-02")
    '4263ddf5976defbc'
    """
    basis = normalize_url(url)
    if not basis and not text and title:
        basis = "headline:" + "\n".join(v or "" for v in (outlet, " ".join(title.split()), day))
    basis = basis or ("text:" + (text or ""))
    return hashlib.blake2b(basis.encode("utf-8"), digest_size=8).hexdigest()


def registered_domain(url: str | None) -> str:
    """The registered domain of ``url`` (``news.bbc.co.uk`` -> ``bbc.co.uk``), offline.

    The host is read as ddj's fetcher reads it (:func:`ddj.hostvalues.url_host`:
    credentials, fragments and backslashes as a browser takes them) and compared in
    one normal form, lower-case IDNA ASCII (``bücher.example`` ->
    ``xn--bcher-kva.example``); ``""`` when the URL names no host.

    Examples
    --------
    >>> registered_domain("https://news.example.co.uk/a")
    'example.co.uk'
    >>> registered_domain("https://evil.example#@bbc.co.uk"), registered_domain("https://bücher.example/")
    ('evil.example', 'xn--bcher-kva.example')
    """
    host = url_host(url) if isinstance(url, str) else ""
    if not host:
        return ""
    ext = _tld_extractor()(host)
    if hasattr(ext, "top_domain_under_public_suffix"):
        domain = ext.top_domain_under_public_suffix
    else:  # tldextract < 5.3
        domain = ext.registered_domain
    if not domain:  # no known public suffix (an intranet or .example host): the host itself
        domain = host[4:] if host.startswith("www.") else host
    return domain.lower()


_TLD = None


def _tld_extractor():
    global _TLD
    if _TLD is None:
        import tldextract

        # The bundled public-suffix snapshot: never download the list.
        _TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    return _TLD
