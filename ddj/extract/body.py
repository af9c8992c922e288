"""The article's body text: trafilatura's, newspaper4k's when trafilatura keeps only a fragment, tail trimmed, lede kept."""

from __future__ import annotations

import os
import re
import warnings
from functools import cache
from typing import Any

from ddj.extract.authors import key as _key
from ddj.extract.markup import MAX_HTML_CHARS, clean_text
from ddj.extract.xpaths import PARAGRAPH_TEXT


def _newspaper(text: str, url: str | None, want_authors: bool = True) -> dict[str, Any]:
    """Title, text, authors and language from newspaper4k; {} when it cannot read the page.

    Its date, image and video searches (and its byline search unless
    ``want_authors``) are skipped on this instance: read_html does not use
    them, and they are over a third of newspaper4k's parse time.
    """
    _quiet_newspaper_import()
    try:
        from newspaper import Article

        art = (
            Article(url or "", fetch_images=False, language=None)
            if url
            else Article("", fetch_images=False)
        )
        skip = {"get_publishing_date": None, "get_videos": [], "parse_images": None}
        if not want_authors:
            skip["get_authors"] = []
        for name, value in skip.items():
            if hasattr(art.extractor, name):
                setattr(art.extractor, name, lambda *a, _v=value, **k: _v)
        art.download(input_html=text)
        art.parse()
    except Exception:  # ImportError for ja/zh/th, nltk lookups for ko, odd markup: fall back
        return {}
    return {
        "title": art.title or None,
        "text": art.text or None,
        "authors": list(art.authors or []),
        "language": (art.meta_lang or "")[:2].lower() or None,
    }


def main_text(
    text: str,
    tree,
    url: str | None,
    description: str | None,
    visible: str,
    *,
    heavy: bool,
    want_authors: bool,
) -> tuple[str | None, dict[str, Any]]:
    """The article's text, and newspaper4k's record when it was asked (else ``{}``).

    newspaper4k, which costs
    three times as much, is asked only when trafilatura's text looks like a
    fragment of the page's paragraphs (:func:`_looks_cut`); then the longer
    of the two wins as before (:func:`_body`). A page too big for the
    extractors gives its visible text.
    """
    if not heavy:
        return visible, {}
    found = _trafilatura_text(tree, url)
    article: dict[str, Any] = {}
    if _looks_cut(found, tree):
        article = _newspaper(text[:MAX_HTML_CHARS], url, want_authors=want_authors)
    return _body(found, article.get("text"), description, visible), article


def _trafilatura_text(tree, url: str | None) -> str | None:
    """The main text by trafilatura in precision mode, tables kept, comments out; None if it fails.

    It reads ddj's tree (a copy: trafilatura prunes the one it is given),
    parsed as trafilatura parses, without comments or processing
    instructions, so the page is parsed once for both.
    """
    try:
        import trafilatura

        return trafilatura.extract(tree, options=_trafilatura_options(url))
    except Exception:  # trafilatura gives up on odd markup: the fallback stands
        return None


def _trafilatura_options(url: str | None) -> Any:
    """The options trafilatura reads one page with: precision mode, tables kept, comments out.

    Built once and copied per page with the page's address: building them
    reads trafilatura's settings each time (0.2 ms a page).
    """
    from copy import copy

    options = copy(_trafilatura_defaults())
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return options


@cache
def _trafilatura_defaults() -> Any:
    from trafilatura.settings import Extractor

    return Extractor(precision=True, comments=False, tables=True)


#: trafilatura's text shorter than this share of the page's paragraph text asks newspaper4k too,
CUT_SHARE = 0.2


#: and this share when the text is short (under SHORT_TEXT_WORDS words): a teaser or a fragment
#: decides the page's type and what it matches.
SHORT_CUT_SHARE = 0.5


SHORT_TEXT_WORDS = 200


def _looks_cut(found: str | None, tree) -> bool:
    """True when trafilatura kept nothing, or little of the text in the page's ``<p>``s.

    Little is under :data:`CUT_SHARE` of it, or :data:`SHORT_CUT_SHARE` for a
    text under :data:`SHORT_TEXT_WORDS` words. Measured on the 720 pages of
    htmldate-trafilatura-eval and scrapinghub-aeb: newspaper4k is asked on 60
    (8%), and body snippets found are .943, unwanted ones avoided .945, body
    F1 .967; asked on every page under half the paragraphs' text (85 pages):
    .944, .946 and .969. The short-text share keeps a short but whole
    article from being read as a teaser.
    """
    if not found:
        return True
    short = len(found.split(None, SHORT_TEXT_WORDS)) < SHORT_TEXT_WORDS  # fewer words than that
    share = SHORT_CUT_SHARE if short else CUT_SHARE
    return share * sum(map(len, PARAGRAPH_TEXT(tree))) > len(found)


def _body(
    found: str | None,
    newspaper_text: str | None,
    description: str | None = None,
    visible: str = "",
) -> str | None:
    """The text by trafilatura (precision mode), or newspaper4k's when that is much longer.

    Measured on scrapinghub-aeb (121 pages, mean token F1 against the
    human-checked bodies): newspaper4k .941, trafilatura default .948,
    trafilatura precision mode with tables .968, this combination .974.
    Precision mode sometimes keeps only a fragment; newspaper4k's text then wins.
    Then short trailing lines neither tool agrees on are dropped
    (:func:`_trim_tail`) and a lede the page shows but both tools left out is
    put back (:func:`_with_lede`).
    """
    if not found or len(found) < 0.5 * len(newspaper_text or ""):
        body = newspaper_text or found
    else:
        body = _trim_tail(found, newspaper_text)
    return _with_lede(body, description, visible)


#: A line that ends like a sentence (or a quotation or bracket closing one).
_SENTENCE_END = re.compile(r"[.!?…\"'“”»«)\]]$")


def _trim_tail(body: str, newspaper_text: str | None, max_words: int = 8) -> str:
    r"""Drop short non-sentence lines after the end of the story.

    The end of the story is the last line newspaper4k also kept, or, when
    newspaper4k was not asked, the last line that reads as a sentence
    (``max_words`` words or more, ending like a sentence). Past it, a line of
    fewer than ``max_words`` words that does not end like a sentence is a
    label, a share/newsletter prompt, a credit or a link ("Schon gelesen?",
    "Weitere Themen", "Teilnehmende Blogs:"), not the article. List items and
    table rows stay: trailing lists (tour dates, line-ups) are often the
    article. Measured on the 563 annotated pages of htmldate-trafilatura-eval
    (with newspaper4k's agreement): 9 more unwanted snippets kept out for 2
    wanted ones lost; scrapinghub-aeb body F1 -.0006.

    Examples
    --------
    >>> text = "First line of the story.\nLast line.\nShare this\n- a list item"
    >>> _trim_tail(text, "First line of the story. Last line.")
    'First line of the story.\nLast line.\n- a list item'
    >>> _trim_tail("A sentence of the story that is long enough.\nRead more", None)
    'A sentence of the story that is long enough.'
    """
    lines = body.split("\n")
    last = _story_end(lines, newspaper_text, max_words)
    if last is None:
        return body

    def boilerplate(i: int, line: str) -> bool:
        s = line.strip()
        return (
            i > last  # past the end of the story
            and not s.startswith(("- ", "|"))
            and len(s.split()) < max_words
            and not _SENTENCE_END.search(s)
        )

    return "\n".join(line for i, line in enumerate(lines) if not boilerplate(i, line))


def _story_end(lines: list[str], newspaper_text: str | None, max_words: int) -> int | None:
    """The last line newspaper4k agrees with; without it, the last line not of the trailing run.

    The trailing run is the lines at the very end of the text that are short
    (under ``max_words`` words), do not end like a sentence and are not list
    items or table rows.
    """
    if newspaper_text is not None:
        agreed_in = _key(newspaper_text)
        agreed = [i for i, k in enumerate(map(_key, lines)) if k and agreed_in and k in agreed_in]
        return agreed[-1] if agreed else None
    for i in range(len(lines) - 1, -1, -1):
        s = lines[i].strip()
        if s.startswith(("- ", "|")) or len(s.split()) >= max_words or _SENTENCE_END.search(s):
            return i
    return None


def _with_lede(body: str | None, description: str | None, visible: str) -> str | None:
    r"""Put the page's description first when it is shown on the page and missing from the text.

    A standfirst or teaser paragraph that the page shows above the story is
    also what publishers put in their description meta tag, and it is what
    trafilatura's precision mode most often leaves out. A description that
    does not appear in the page's visible text (a summary written only for
    search engines) is not added. Measured on the 563 annotated pages of
    htmldate-trafilatura-eval: wanted snippets found .925 -> .948, 3 more
    unwanted ones kept; scrapinghub-aeb body F1 .974 -> .969 (its human
    bodies leave standfirsts out).

    Examples
    --------
    >>> page = "Rain at last.\nStory."  # the page's visible text
    >>> _with_lede("Story.", "Rain at last.", page)
    'Rain at last.\nStory.'
    >>> _with_lede("Story.", "Only for search engines.", page)
    'Story.'
    """
    if not body or not description:
        return body
    lede = clean_text(description)
    key = _key(lede or "")
    if not key or _holds(body, lede, key) or not _holds(visible, lede, key):
        return body
    return f"{lede}\n{body}"


def _holds(text: str, part: str, key: str) -> bool:
    """Whether ``text`` holds ``part`` (whose :func:`_key` is ``key``), case and punctuation aside.

    ``part`` written as it is settles it without reducing all of ``text``:
    ``_key`` reduces each character on its own, so ``part in text`` implies
    ``key in _key(text)``.
    """
    return part in text or key in _key(text)


_QUIET = False


def _quiet_newspaper_import() -> None:
    """newspaper4k and tldextract must never reach the network or warn about nltk."""
    global _QUIET
    if _QUIET:
        return
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*nltk.*", category=UserWarning)
        warnings.filterwarnings("ignore", category=SyntaxWarning)
        import newspaper  # noqa: F401
    _QUIET = True
