"""What kind of page a saved page is: an article, or a paywall, bot challenge, consent wall, error or index.

A coverage count must not include the "Subscribe to read" stub of a paywalled
page, a bot challenge ("Just a moment..."), a cookie-consent wall, an error
page served with status 200, or a section front listing headlines.
:func:`classify` tells them apart by general rules only, never by site:

- **blocked**: a short page with a bot-challenge title ("Just a moment...",
  "Attention Required!", "Access denied"), challenge markup or scripts
  (Cloudflare, PerimeterX, DataDome, Incapsula, Akamai) or challenge text.
- **error**: a short page whose ``<title>`` or heading reads as an error
  ("404", "Page not found", "Seite nicht gefunden", "Page introuvable"...),
  or whose short text says the page does not exist.
- **consent**: a short page whose title or text is a cookie-consent notice.
- **paywall**: a short body on a page that declares its content paywalled
  (JSON-LD ``isAccessibleForFree: false`` with the paywalled part missing) or
  says the rest is for subscribers ("Subscribe to read", "Weiterlesen mit",
  "Réservé aux abonnés"...).
- **index**: no article markup (JSON-LD article types, ``og:type`` article)
  and either index markup (JSON-LD ``CollectionPage``, ``SearchResultsPage``)
  or many headline links for the text there is.

Everything else is an article. The rules lean that way on purpose: a full
article with a cookie banner or a "subscribe" box is an article, because
every rule but *index* needs a short body (a few hundred words at most).
The work is linear in the page and bounded (at most :data:`MAX_ELEMENTS`
elements and :data:`MAX_VISIBLE_CHARS` characters of visible text read).

Examples
--------
>>> import lxml.html
>>> page = lxml.html.document_fromstring(
...     "<html><head><title>Just a moment...</title></head>"
...     "<body><p>Checking your browser before accessing the site.</p></body></html>")
>>> classify(page, url=None, title=None, text="Checking your browser.", json_ld=[])
'blocked'
"""

from __future__ import annotations

import re
from functools import cached_property
from itertools import islice
from typing import Any
from urllib.parse import urlsplit

from ddj.constants import PAGE_TYPES
from ddj.extract.dates import walk_json_ld
from ddj.extract.xpaths import compiled_xpath

__all__ = ["PAGE_TYPES", "classify"]

#: Elements read for markers (class and id names, headline links); later ones are not looked at.
MAX_ELEMENTS = 100_000
#: Characters of the page's visible text searched for paywall, consent and challenge wording.
MAX_VISIBLE_CHARS = 300_000
#: Characters of each ``<script>`` searched for challenge scripts, and scripts looked at.
MAX_SCRIPT_CHARS = 20_000
MAX_SCRIPTS = 300

#: Bodies shorter than this (words) may be a challenge, an error page or a consent wall.
SHORT_WORDS = 150
#: Bodies shorter than this may be the teaser of a paywalled article.
TEASER_WORDS = 200
#: The paywalled part a page names (JSON-LD ``cssSelector``) is there when it holds this many words.
PRESENT_WORDS = 100
#: A page with no article markup at a front's or section's address is an index with this many
#: links in h2-h4 headings.
INDEX_LINKS = 10

ARTICLE_TYPES = frozenset(
    {
        "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
        "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle",
        "askpublicnewsarticle", "blogposting", "liveblogposting", "socialmediaposting",
        "report", "scholarlyarticle", "techarticle", "satiricalarticle", "advertisercontentarticle",
    }
)  # fmt: skip
INDEX_TYPES = frozenset({"collectionpage", "searchresultspage"})


def _phrases(*items: str) -> re.Pattern:
    return re.compile("|".join(re.escape(i) for i in items))


# Wording is matched on casefolded text with runs of white space made one space.
_CHALLENGE_TITLE = re.compile(
    r"^(?:just a moment|nur einen moment|einen moment|un instant|un momento|even geduld|um momento"
    r"|attention required|access denied|access to this page has been denied|checking your browser"
    r"|please wait|are you a (?:robot|human)|pardon our interruption|security check|robot check"
    r"|human verification|verify(?:ing)? (?:that )?you are (?:a )?human|one more step"
    r"|you have been blocked|request (?:rejected|blocked)|403 forbidden|forbidden|ddos-guard"
    r"|bot verification|captcha)\W*(?:[|–—-].*)?$"
)  # the whole title, or the whole title before " | site"
# What challenge pages load (not the bot-detection scripts every page of such a site loads).
_CHALLENGE_SCRIPT = _phrases(
    "_cf_chl_opt", "__cf_chl_", "/orchestrate/chl_page", "/orchestrate/managed/",
    "/orchestrate/jsch/", "/orchestrate/captcha/", "cf-browser-verification",
    "captcha-delivery.com", "px-captcha", "incapsula incident", "_incapsula_resource?cwudnsai",
    "ak_bmsc_challenge", "sec-if-cpt-container",
)  # fmt: skip
_CHALLENGE_MARKUP = re.compile(
    r"(?:^|[\s_-])(?:cf-browser-verification|challenge-form|cf-challenge-running|cf-error-details"
    r"|px-captcha|cf-im-under-attack|captcha-delivery)(?:$|[\s_-])"
)
_CHALLENGE_TEXT = _phrases(
    "checking your browser before accessing", "checking if the site connection is secure",
    "enable javascript and cookies to continue", "verify you are a human", "verify you are human",
    "please complete the security check", "you don't have permission to access",
    "you do not have permission to access", "why have i been blocked", "request unsuccessful",
    "access to this page has been denied", "press & hold to confirm you are",
    "bitte bestätigen sie, dass sie ein mensch sind", "vérifiez que vous êtes humain",
)  # fmt: skip

_ERROR_TITLE = re.compile(
    r"^\W*(?:error\W*|fehler\W*|erreur\W*|errore\W*|erro\W*|fout\W*)?(?:404|410|500|503)\b"
    r"|\b(?:error|fehler|erreur|errore|erro|fout)\W*(?:404|410|500)\b"
    r"|\b(?:404|410)\b.{0,40}\b(?:not found|nicht gefunden|introuvable|no encontrad|non trovat"
    r"|niet gevonden|não encontrad)"
    r"|\bpage (?:not found|cannot be found|could not be found|does not exist|doesn't exist)"
    r"|^(?:not found|nicht gefunden|file not found|internal server error|service unavailable"
    r"|bad gateway|page introuvable|pagina non trovata|pagina niet gevonden)\W*$"
    r"|\bseite (?:nicht gefunden|wurde nicht gefunden|existiert nicht|konnte nicht gefunden)"
    r"|\bpage (?:introuvable|non trouvée)|\bcette page n'existe pas"
    r"|\bp[aá]gina (?:no encontrada|no existe|non trovata|non esiste|niet gevonden|bestaat niet"
    r"|não encontrada|não existe|nao encontrada)"
    r"|\bno se encontró la página|\bsorry, (?:we couldn't|we can't) find"
)
_ERROR_TEXT = _phrases(
    "the page you are looking for", "the page you requested", "the page you were looking for",
    "page cannot be found", "page could not be found", "page you're looking for",
    "die angeforderte seite", "die gesuchte seite", "die von ihnen gesuchte seite",
    "la page que vous recherchez", "la page demandée", "la página que buscas",
    "la página que busca", "la pagina che stai cercando", "la pagina richiesta",
    "de pagina die je zoekt", "de opgevraagde pagina", "a página que você procura",
    "a página solicitada",
)  # fmt: skip
_ERROR_TEXT_END = re.compile(
    r"not found|nicht gefunden|existiert nicht|n'existe pas|introuvable|no existe|no encontrad"
    r"|non esiste|non trovat|bestaat niet|niet gevonden|não existe|não encontrad|moved or deleted"
    r"|no longer available|does not exist|doesn't exist|could not be found|cannot be found"
)

_CONSENT_TITLE = re.compile(
    r"^(?:before you continue|bevor sie fortfahren|avant de continuer|antes de continuar"
    r"|prima di continuare|voordat je verdergaat|voordat u verdergaat|privacy settings"
    r"|privacy preferences|cookie consent|cookie settings|cookie-einstellungen"
    r"|datenschutzeinstellungen|datenschutz-einstellungen|we value your privacy"
    r"|your privacy choices|paramètres des cookies|gestion des cookies|consentement"
    r"|configuración de cookies|impostazioni dei cookie|cookie-instellingen"
    r"|toestemming|zustimmung|einwilligung)"
)
_COOKIE_WORD = re.compile(r"\bcookies?\b|\btracking\b|\bdatenschutz|\bprivacy\b|\bvie privée")
_CONSENT_ACTION = _phrases(
    "accept all", "accept cookies", "i agree", "agree and continue", "manage options",
    "your consent", "consent to", "alle akzeptieren", "akzeptieren und weiter", "zustimmen",
    "einwilligung", "einwilligen", "tout accepter", "accepter et continuer", "j'accepte",
    "votre consentement", "aceptar todo", "aceptar y continuar", "consentimiento",
    "accetta tutto", "accetto", "consenso", "alles accepteren", "akkoord", "toestemming",
    "aceitar todos", "aceitar e continuar", "consentimento",
)  # fmt: skip

_HIDDEN = _phrases(
    # en
    "subscribe to read", "subscribe to continue", "to continue reading", "to read the full story",
    "to read the full article", "to read this article", "to keep reading", "keep reading with",
    "this article is for subscribers", "this content is for subscribers", "for subscribers only",
    "subscribers only", "subscriber-only", "exclusive to subscribers", "unlock this article",
    "register to read", "sign in to read", "log in to read", "become a member to read",
    # de
    "weiterlesen mit", "jetzt weiterlesen", "lesen sie jetzt weiter", "um weiterzulesen",
    "nur für abonnenten", "exklusiv für abonnenten", "für abonnenten freigeschaltet",
    "artikel freischalten", "abonnieren und weiterlesen", "ganzen artikel lesen",
    "mit plus weiterlesen",
    # fr
    "réservé aux abonnés", "reservé aux abonnés", "de cet article à lire",
    "abonnez-vous pour lire", "pour lire la suite de cet article", "la suite est réservée",
    # es
    "exclusivo para suscriptores", "suscríbete para seguir leyendo", "suscríbete para continuar",
    "para seguir leyendo", "para continuar leyendo", "solo para suscriptores",
    # it
    "riservato agli abbonati", "abbonati per continuare", "per continuare a leggere",
    "per leggere l'articolo completo", "contenuto riservato",
    # nl
    "alleen voor abonnees", "exclusief voor abonnees", "om verder te lezen", "lees verder met",
    "log in om verder te lezen",
    # pt
    "exclusivo para assinantes", "assine para continuar", "para continuar lendo",
    "para ler a matéria completa", "conteúdo exclusivo para assinantes",
)  # fmt: skip
_ACCOUNT = _phrases(
    "already a subscriber", "already have an account", "already subscribed", "bereits abonnent",
    "schon abonnent", "bereits digital-abonnent", "déjà abonné", "ya eres suscriptor",
    "ya soy suscriptor", "sei già abbonato", "ben je al abonnee", "bent u al abonnee",
    "já é assinante", "já sou assinante",
)  # fmt: skip
_PAYWALL_MARKUP = re.compile(
    r"paywall|regwall|metered|piano-|tp-modal|tp-container|subscriber-only|premium-wall|plus-teaser"
    r"|article-locked|locked-content|content-locked"
)
_LANGUAGE = re.compile(r"[a-z]{2}(?:[-_][a-z]{2})?")
_FRONT_FILE = re.compile(r"(?:index|default|home|start|startseite)(?:\.\w{2,5})?")
_SECTION_WORDS = frozenset(
    {
        "tag", "tags", "category", "categories", "topic", "topics", "author", "authors", "section",
        "sections", "archive", "archives", "search", "thema", "themen", "schlagwort", "rubrik",
        "kategorie", "archiv", "suche", "autor", "autoren", "sujet", "theme", "categorie",
        "rubrique", "auteur", "recherche", "tema", "temas", "categoria", "autore", "busqueda",
        "ricerca", "onderwerp", "trefwoord", "zoeken", "assunto", "pesquisa",
    }
)  # fmt: skip
_SPACE = re.compile(r"\s+")
_SENTENCE_END = frozenset(".!?\"'»«”“’)]:;。！？")
_SIMPLE_SELECTOR = re.compile(r"^([a-z0-9]*)([.#])([\w-]+)$", re.IGNORECASE)


class _Page:
    """What the rules look at, each fact read from the page when first needed (most are not)."""

    def __init__(
        self,
        tree: Any,
        *,
        url: str | None,
        title: str | None,
        text: str | None,
        json_ld: list,
        visible: str | None = None,
    ) -> None:
        self.tree = tree
        self.given_visible = visible
        self.body = text or ""
        self.words = len(self.body.split())  # as many as in the folded text
        self.title = title
        self.url = url
        self.types, self.not_free, self.selectors = _json_ld_facts(json_ld)
        self.index_markup = bool(self.types & INDEX_TYPES)

    @cached_property
    def text(self) -> str:
        """The body, casefolded, white space made one space."""
        return _folded(self.body)

    @cached_property
    def article_markup(self) -> bool:
        """JSON-LD article types, or ``og:type`` article (only read when JSON-LD has none)."""
        return (
            bool(self.types & ARTICLE_TYPES)
            or _folded(" ".join(_OG_TYPE(self.tree)[:1])) == "article"
        )

    @cached_property
    def titles(self) -> tuple[str, ...]:
        """Casefolded: the given title, ``<title>``, the first h1s."""
        return _titles(self.tree, self.title)

    @cached_property
    def visible(self) -> str:
        """The page's visible text, casefolded (bounded); read from the tree unless given."""
        if self.given_visible is not None:
            return _folded(self.given_visible[:MAX_VISIBLE_CHARS])
        return _folded(_joined(_VISIBLE_TEXT(self.tree)))

    @cached_property
    def markers(self) -> str:
        """Class and id names, casefolded, one space apart (bounded)."""
        return " ".join(v[:200] for v in islice(_NAMES(self.tree), MAX_ELEMENTS)).casefold()

    @cached_property
    def scripts(self) -> str:
        """Script, iframe and form addresses and script text (bounded), casefolded."""
        sources = [v[:500] for v in islice(_SOURCES(self.tree), MAX_SCRIPTS)]
        scripts = [v[:MAX_SCRIPT_CHARS] for v in islice(_SCRIPT_TEXT(self.tree), MAX_SCRIPTS)]
        return " ".join(sources + scripts).casefold()

    @cached_property
    def headline_links(self) -> int:
        """Links inside h2-h4 headings."""
        return int(_HEADLINE_LINKS(self.tree))

    @cached_property
    def hidden_part_present(self) -> bool:
        """Whether the paywalled parts the page names hold text (the full article was saved)."""
        return _part_present(self.tree, self.selectors)

    @cached_property
    def cut(self) -> bool:
        """Whether the body stops mid-sentence or on an ellipsis, as a teaser does."""
        end = self.text[-3:]
        return bool(self.text) and (end.endswith(("...", "…")) or end[-1:] not in _SENTENCE_END)


def classify(
    tree: Any,
    *,
    url: str | None,
    title: str | None,
    text: str | None,
    json_ld: list,
    visible: str | None = None,
) -> str:
    """What a page is: one of :data:`PAGE_TYPES`.

    Parameters
    ----------
    tree
        The page's lxml.html document (read, never changed).
    url
        The page's address, if known.
    title
        The extracted title.
    text
        The extracted body text.
    json_ld
        The page's parsed JSON-LD (``ddj.extract.dates.load_json_ld(tree)``).
    visible
        The page's visible text when the caller has read it already (``read_html`` has);
        else it is read from ``tree`` when a rule needs it.

    Returns
    -------
    str
        ``"article"``, ``"paywall"``, ``"blocked"``, ``"consent"``, ``"error"``
        or ``"index"``; ``"article"`` unless a rule says otherwise.

    Examples
    --------
    >>> import lxml.html
    >>> page = lxml.html.document_fromstring(
    ...     "<html><head><title>Page not found | Gazette</title></head>"
    ...     "<body><h1>Page not found</h1><p>Sorry.</p></body></html>")
    >>> classify(page, url="https://news.example.org/x", title="Page not found",
    ...          text="Sorry.", json_ld=[])
    'error'
    >>> classify(page, url=None, title="Talks resume", text="Talks resumed. " * 200, json_ld=[])
    'article'
    """
    page = _Page(tree, url=url, title=title, text=text, json_ld=json_ld, visible=visible)
    for kind, rule in _RULES:
        if rule(page):
            return kind
    return "article"


def _blocked(page: _Page) -> bool:
    if page.words >= SHORT_WORDS or page.article_markup:
        return False
    if any(_CHALLENGE_TITLE.search(t) for t in page.titles):
        return True
    if _CHALLENGE_SCRIPT.search(page.scripts) or _CHALLENGE_MARKUP.search(page.markers):
        return True
    return bool(_CHALLENGE_TEXT.search(page.text) or _CHALLENGE_TEXT.search(page.visible[:5_000]))


def _error(page: _Page) -> bool:
    if page.words >= SHORT_WORDS or page.article_markup:
        return False
    if any(_ERROR_TITLE.search(t) for t in page.titles):
        return True
    said = page.text if page.words else page.visible[:5_000]
    return page.words < SHORT_WORDS // 2 and bool(
        _ERROR_TEXT.search(said) and _ERROR_TEXT_END.search(said)
    )


def _consent(page: _Page) -> bool:
    if page.words >= SHORT_WORDS or page.article_markup:
        return False
    if any(_CONSENT_TITLE.search(t) for t in page.titles):
        return True
    said = page.text if page.words >= 20 else page.visible[:20_000]
    return bool(_COOKIE_WORD.search(said) and _CONSENT_ACTION.search(said))


def _paywall(page: _Page) -> bool:
    """A teaser: short, and declared paywalled or said to be for subscribers, with a second sign."""
    if page.words >= TEASER_WORDS:
        return False
    hidden = bool(_HIDDEN.search(page.visible))
    account = bool(_ACCOUNT.search(page.visible))
    if page.not_free and not page.hidden_part_present and (page.cut or hidden or account):
        return True
    marked = bool(_PAYWALL_MARKUP.search(page.markers))
    return page.words < SHORT_WORDS and hidden and (page.cut or account or marked)


def _index(page: _Page) -> bool:
    """No article markup, and index markup or a front's or section's address with headline links."""
    if page.article_markup:
        return False
    if page.index_markup:
        return True
    return page.headline_links >= INDEX_LINKS and _front_address(page.url)


def _front_address(url: str | None) -> bool:
    """A site's or language's front page (``/``, ``/en/``, ``/index.html``) or a tag, topic or section page."""
    if not url:
        return False
    path = urlsplit(url).path.casefold()
    parts = [p for p in path.split("/") if p]
    if parts and _LANGUAGE.fullmatch(parts[0]):
        parts = parts[1:]
    if len(parts) >= 2 and parts[-2] == "page" and parts[-1].isdigit():
        parts = parts[:-2]
    if not parts or (len(parts) == 1 and _FRONT_FILE.fullmatch(parts[0])):
        return True
    return len(parts) <= 2 and parts[0] in _SECTION_WORDS


_RULES = (
    ("blocked", _blocked),
    ("error", _error),
    ("consent", _consent),
    ("paywall", _paywall),
    ("index", _index),
)


# -- gathering what the rules look at -------------------------------------------------------


def _folded(value: str) -> str:
    return _SPACE.sub(" ", value.casefold()).strip()


def _titles(tree: Any, title: str | None) -> tuple[str, ...]:
    found = [title or "", tree.findtext(".//title") or ""]
    for h1 in islice(tree.iter("h1"), 3):
        found.append(h1.text_content()[:300])
    return tuple(t for t in (_folded(f)[:300] for f in found) if t)


def _json_ld_facts(json_ld: list) -> tuple[set[str], bool, list[str]]:
    """Casefolded ``@type`` names, whether a part is declared not free, and the selectors of such parts."""
    types: set[str] = set()
    not_free = False
    selectors: list[str] = []
    for obj in walk_json_ld(json_ld):
        kind = obj.get("@type")
        for name in kind if isinstance(kind, list) else [kind]:
            if isinstance(name, str):
                types.add(name.casefold().rsplit("/", 1)[-1])
        if str(obj.get("isAccessibleForFree", "")).strip().casefold() in ("false", "0", "no"):
            not_free = True
            selector = obj.get("cssSelector")
            if isinstance(selector, str):
                selectors.append(selector)
    return types, not_free, selectors


def _part_present(tree: Any, selectors: list[str]) -> bool:
    """Whether the paywalled parts the page names hold text (the full article was saved)."""
    words = 0
    for selector in selectors[:10]:
        for part in selector.split(",")[:10]:
            simple = _SIMPLE_SELECTOR.match(part.strip().split()[-1] if part.strip() else "")
            if not simple:
                continue
            tag, sign, name = simple.groups()
            attribute = "class" if sign == "." else "id"
            path = (
                f"//{tag or '*'}[contains(concat(' ', normalize-space(@{attribute}), ' '), ' {name} ')]"
                if attribute == "class"
                else f"//{tag or '*'}[@id='{name}']"
            )
            for element in tree.xpath(path)[:20]:
                words += len(element.text_content()[:50_000].split())
    return words >= PRESENT_WORDS


_NAMES = compiled_xpath("//@class | //@id")
_SOURCES = compiled_xpath("//script/@src | //iframe/@src | //form/@action")
_SCRIPT_TEXT = compiled_xpath("//script/text()")
_HEADLINE_LINKS = compiled_xpath("count(//h2//a[@href] | //h3//a[@href] | //h4//a[@href])")
_VISIBLE_TEXT = compiled_xpath(
    "//body//text()[not(parent::script or parent::style or parent::noscript or parent::template)]"
)
_OG_TYPE = compiled_xpath("//meta[@property='og:type']/@content")


def _joined(pieces: list[str]) -> str:
    out: list[str] = []
    size = 0
    for piece in pieces:
        out.append(piece)
        size += len(piece) + 1
        if size > MAX_VISIBLE_CHARS:
            break
    return " ".join(out)[:MAX_VISIBLE_CHARS]
