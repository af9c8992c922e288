"""Groups of outlets ("UK national news", "international wires"), by registered domain.

The shipped ``data/outlets.yml`` groups well-known outlets by their registered
domain, with each one's name, country and kind; a user's own file of the same
form adds theirs. :func:`select` turns what ``outlets=`` takes (a group name, a
list of group names and domains, or the path of a groups file) into a
:class:`Selection`, which tells which articles of a corpus belong to which
group: by the registered domain of the article's URL (``news.bbc.co.uk``
counts for ``bbc.co.uk``), or, for a row with no URL, by its outlet's name.
``ddj.coverage(..., outlets=...)``, ``by="group"``, ``ddj.load(..., outlets=...)``
and ``ddj.collect(..., outlets=...)`` all go through it.

Examples
--------
>>> from ddj import outlets
>>> uk = outlets.groups()["uk-national"]
>>> uk.label, len(uk.outlets) > 20, uk.outlets[0]
('UK national news', True, Outlet(domain='bbc.co.uk', name='BBC', country='GB', kind='broadcaster'))
>>> outlets.select("uk-national").contains_urls(["https://news.bbc.co.uk/a", "https://cnn.com/b"])
[True, False]
"""

from __future__ import annotations

import os
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ddj import warns, yamlfile
from ddj.errors import InputError, ParameterError
from ddj.hostvalues import PLAIN_URL_HOST, BadURL, normal_domain, url_host
from ddj.urls import registered_domain

#: The groups ddj ships.
SHIPPED = Path(__file__).parent / "data" / "outlets.yml"
#: What ``kind`` an outlet may be.
KINDS = ("newspaper", "broadcaster", "magazine", "agency", "online")
#: Outlets a groups file may list in all (counted across groups, aliases included).
MAX_OUTLETS = 20_000
#: The group that domains listed one by one in ``outlets=[...]`` form.
LISTED = "(listed)"

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class Outlet:
    """One outlet of a group: its registered domain, name, country (ISO 3166 alpha-2) and kind."""

    domain: str
    name: str
    country: str
    kind: str


@dataclass(frozen=True)
class Group:
    """A named group of outlets."""

    name: str
    label: str
    description: str
    outlets: tuple[Outlet, ...]


def groups(path: str | os.PathLike | None = None) -> dict[str, Group]:
    """Read the groups of a file (default: the shipped ``data/outlets.yml``), in file order.

    The file is untrusted: read with the bounds of a topics file (size, nesting,
    ``safe_load``) and at most :data:`MAX_OUTLETS` outlets in all.

    Raises
    ------
    InputError
        A file that is missing, too large, not YAML, or not of the form: a list
        under ``groups:``, each with ``name`` (a slug), ``label``,
        ``description`` and ``outlets`` (each with ``domain``, ``name``,
        ``country``, ``kind``); a repeated group name.

    Examples
    --------
    >>> list(groups())[:3]
    ['uk-national', 'us-national', 'international-wires']
    """
    path = Path(path) if path is not None else SHIPPED
    data = yamlfile.read(path, what="outlets")
    items = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        msg = f"{path}: expected a list of groups under 'groups:' (each with name, label, description and outlets)."
        raise InputError(msg)
    found: dict[str, Group] = {}
    seen = 0
    for i, item in enumerate(items):
        group = _group(item, f"{path}, group {i + 1}")
        seen += len(group.outlets)
        if seen > MAX_OUTLETS:
            msg = f"{path}: more than {MAX_OUTLETS:,} outlets in all. Split the file."
            raise InputError(msg)
        if group.name in found:
            msg = f"{path}: the group name {group.name!r} is used twice; each group needs its own."
            raise InputError(msg)
        found[group.name] = group
    return found


def _group(item: Any, where: str) -> Group:
    if not isinstance(item, dict):
        msg = f"{where}: a group is a mapping with name, label, description and outlets."
        raise InputError(msg)
    name = _text(item, "name", where)
    if not _SLUG.fullmatch(name):
        msg = f"{where}: name {name!r} must be a slug of lowercase letters, digits and hyphens, such as 'uk-national'."
        raise InputError(msg)
    where = f"{where.rsplit(',', 1)[0]}, group '{name}'"
    listed = item.get("outlets")
    if not isinstance(listed, list) or not listed:
        msg = f"{where}: 'outlets' must be a list of outlets, each with domain, name, country and kind."
        raise InputError(msg)
    if len(listed) > MAX_OUTLETS:
        msg = f"{where}: more than {MAX_OUTLETS:,} outlets. Split the group."
        raise InputError(msg)
    members = tuple(_outlet(o, f"{where}, outlet {j + 1}") for j, o in enumerate(listed))
    return Group(
        name, _text(item, "label", where) or name, _text(item, "description", where), members
    )


def _outlet(item: Any, where: str) -> Outlet:
    if not isinstance(item, dict):
        msg = f"{where}: an outlet is a mapping such as {{domain: bbc.co.uk, name: BBC, country: GB, kind: broadcaster}}."
        raise InputError(msg)
    try:
        domain = domain_of(_text(item, "domain", where))
    except ParameterError as exc:
        raise InputError(f"{where}: {exc}") from exc
    name = _text(item, "name", where) or domain
    country = _text(item, "country", where).upper()
    if not _COUNTRY.fullmatch(country):
        msg = f"{where} ({domain}): country {country!r} must be an ISO 3166 code of two letters, such as GB."
        raise InputError(msg)
    kind = _text(item, "kind", where)
    if kind not in KINDS:
        msg = f"{where} ({domain}): kind {kind!r} must be one of {', '.join(KINDS)}."
        raise InputError(msg)
    return Outlet(domain, name, country, kind)


def _text(item: dict, key: str, where: str) -> str:
    value = item.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    msg = f"{where}: '{key}' must be text, not a {type(value).__name__}. Put the value in quotation marks."
    raise InputError(msg)


def domain_of(value: str) -> str:
    """``value`` as a registered domain (normal form, no ``www.``), or ParameterError saying which to write.

    Domains are compared in one normal form, lower-case IDNA ASCII
    (:func:`ddj.hostvalues.normal_domain`): ``bücher.example`` is
    ``xn--bcher-kva.example``, as in the URLs of the corpus.

    Examples
    --------
    >>> domain_of(" WWW.BBC.co.uk "), domain_of("Bücher.example")
    ('bbc.co.uk', 'xn--bcher-kva.example')
    """
    try:
        text = normal_domain(value, strict=True) if isinstance(value, str) else ""
    except BadURL:  # a label too long, empty or of other characters; a name IDNA refuses
        text = ""
    host = text[4:] if text.startswith("www.") else text
    if not host or not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", host):
        shown = value if not isinstance(value, str) or len(value) <= 100 else value[:100] + "..."
        msg = f"{shown!r} is not a domain: write one such as 'bbc.co.uk' (no https://, no path)."
        raise ParameterError(msg)
    registered = registered_domain("http://" + host)
    if registered != host:
        msg = (
            f"{value!r} is not a registered domain: write {registered!r}, which covers every "
            "subdomain under it."
        )
        raise ParameterError(msg)
    return host


# -- which rows belong to which group --------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Outlets chosen by ``outlets=``: each group's domains and outlet names.

    ``label`` says what was chosen, for messages and ``attrs``.
    """

    label: str
    domains: dict[str, frozenset[str]]
    names: dict[str, frozenset[str]]

    def masks(self, corpus: pd.DataFrame) -> dict[str, np.ndarray]:
        """Per group, which rows of ``corpus`` belong to it (one article may be in several)."""
        domain = row_domains(corpus)
        urlless = domain.eq("").to_numpy()
        outlet = (
            corpus["outlet"].astype("str").str.strip().str.casefold()
            if "outlet" in corpus
            else pd.Series("", index=corpus.index)
        )
        out = {}
        for name, domains in self.domains.items():
            hit = domain.isin(domains).to_numpy()
            if urlless.any():
                hit = hit | (urlless & outlet.isin(self.names[name] | domains).to_numpy())
            out[name] = hit
        return out

    def contains(self, corpus: pd.DataFrame) -> np.ndarray:
        """Which rows of ``corpus`` are from a chosen outlet."""
        hit = np.zeros(len(corpus), dtype=bool)
        for mask in self.masks(corpus).values():
            hit |= mask
        return hit

    @property
    def every_domain(self) -> list[str]:
        """The domains of every group, sorted."""
        return sorted(set().union(*self.domains.values()))

    def contains_urls(self, urls: Iterable[str]) -> list[bool]:
        """Which of ``urls`` are from a chosen outlet (for filtering before fetching)."""
        frame = pd.DataFrame({"url": pd.Series(list(urls), dtype="str")})
        return self.contains(frame).tolist()


def select(value: Any) -> Selection | None:
    """The check of ``outlets=``: ``None``, a group name, a groups file, or a list of names and domains.

    A string ending in ``.yml``/``.yaml`` (or a path) chooses every group of that
    file; any other string is a group of the shipped file, or one domain; a list
    may mix group names and domains (the domains form the group ``(listed)``).

    Raises
    ------
    ParameterError
        An unknown group (the message names the known ones), a value that is no
        domain, an empty list, or something else.
    InputError
        A groups file that cannot be read (see :func:`groups`).

    Examples
    --------
    >>> select(["international-wires", "scmp.com"]).label
    'international-wires, scmp.com'
    >>> select("uk-nationals")
    Traceback (most recent call last):
    ...
    ddj.errors.ParameterError: outlets='uk-nationals' is no group of the shipped outlets.yml: ...
    """
    if value is None or isinstance(value, Selection):
        return value
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, os.PathLike) or (
        isinstance(value, str) and value.strip().lower().endswith((".yml", ".yaml"))
    ):
        return _from_file(Path(value))
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Sequence) or not items or not all(isinstance(v, str) for v in items):
        msg = (
            f"outlets={value!r}: give a group name such as 'uk-national', a list of group names "
            "and domains such as ['uk-national', 'reuters.com'], or the path of a groups file (.yml)."
        )
        raise ParameterError(msg)
    return _from_items([v.strip() for v in items])


def _from_file(path: Path) -> Selection:
    found = groups(path)
    return Selection(
        f"groups in {path.name}",
        {n: frozenset(o.domain for o in g.outlets) for n, g in found.items()},
        {n: frozenset(o.name.casefold() for o in g.outlets) for n, g in found.items()},
    )


def _from_items(items: list[str]) -> Selection:
    shipped = groups()
    domains: dict[str, frozenset[str]] = {}
    names: dict[str, frozenset[str]] = {}
    listed: set[str] = set()
    for item in items:
        if item in shipped:
            domains[item] = frozenset(o.domain for o in shipped[item].outlets)
            names[item] = frozenset(o.name.casefold() for o in shipped[item].outlets)
        elif "." in item:
            listed.add(domain_of(item))
        else:
            msg = (
                f"outlets={item!r} is no group of the shipped outlets.yml: use one of "
                f"{', '.join(shipped)}, a domain such as 'bbc.co.uk', or the path of your own "
                "groups file (.yml)."
            )
            raise ParameterError(msg)
    if listed:
        domains[LISTED] = frozenset(listed)
        names[LISTED] = frozenset()
    return Selection(", ".join(items), domains, names)


def every_group() -> Selection:
    """Every group of the shipped file (what ``by="group"`` compares when ``outlets`` is not given)."""
    return _from_file(SHIPPED)


def row_hosts(corpus: pd.DataFrame) -> pd.Series:
    """The host of each row's URL (``""`` when it has none), lower case, as ddj's fetcher reads it.

    The host is the one :func:`ddj.hostvalues.url_host` reads
    (``https://evil.example#@bbc.co.uk`` is ``evil.example``).

    Examples
    --------
    >>> row_hosts(pd.DataFrame({"url": ["https://News.BBC.co.uk/x", None]})).tolist()
    ['news.bbc.co.uk', '']
    """
    if "url" not in corpus:
        return pd.Series("", index=corpus.index, dtype="str")
    urls = corpus["url"].astype("str")
    hosts = urls.str.extract(PLAIN_URL_HOST, expand=False).str.lower()  # the common case, at once
    other = hosts.isna() & urls.notna()
    if other.any():  # anything else is read by the one URL reader
        hosts[other] = urls[other].map(url_host)
    return hosts.fillna("").astype("str")


def row_domains(corpus: pd.DataFrame, hosts: pd.Series | None = None) -> pd.Series:
    """The registered domain of each row's URL (``""`` when it has none), each host looked up once.

    The host is :func:`row_hosts`'s, in the normal form of
    :func:`ddj.hostvalues.normal_domain`.

    Examples
    --------
    >>> row_domains(pd.DataFrame({"url": ["https://news.bbc.co.uk/x", None]})).tolist()
    ['bbc.co.uk', '']
    >>> row_domains(pd.DataFrame({"url": ["https://evil.example#@bbc.co.uk", "https://bücher.example/"]})).tolist()
    ['evil.example', 'xn--bcher-kva.example']
    """
    hosts = row_hosts(corpus) if hosts is None else hosts
    known = {h: registered_domain(f"http://[{h}]/" if ":" in h else f"http://{h}/") if h else ""
             for h in hosts.unique()}  # fmt: skip
    return hosts.map(known).fillna("").astype("str")


#: Prefixes of a host that name no other site (``www.bbc.co.uk`` is ``bbc.co.uk``'s own).
SAME_SITE_PREFIXES = r"^(?:www\d*|m|mobile|amp)\."


#: A host that is an IP address (IPv4 digits and dots, or IPv6 with colons): several sites may share it.
IP_HOST = r"^[\d.]+$|:"


def addresses(corpus: pd.DataFrame) -> pd.DataFrame:
    """Each row's ``host``, registered ``domain`` and ``site`` (the host without ``www.``, ``m.``, ``amp.``).

    Each is worked out once here for everything that labels outlets. The
    ``domain`` is ``""`` for a row without a URL, or whose host is an IP address.

    Examples
    --------
    >>> urls = pd.DataFrame({"url": ["https://www.reuters.com/a", "http://10.0.0.1/b"]})
    >>> addresses(urls).to_dict("list")
    {'host': ['www.reuters.com', '10.0.0.1'], 'domain': ['reuters.com', ''], 'site': ['reuters.com', '10.0.0.1']}
    """
    hosts = row_hosts(corpus)
    domains = row_domains(corpus, hosts)
    return pd.DataFrame(
        {
            "host": hosts,
            "domain": domains.where(~domains.str.contains(IP_HOST, regex=True), ""),
            "site": hosts.str.replace(SAME_SITE_PREFIXES, "", regex=True),
        }
    )


def outlet_keys(found: pd.DataFrame, split: set[str] | frozenset[str] = frozenset()) -> pd.Series:
    """The key one outlet label goes with: a row's registered domain, or its site in a ``split`` domain.

    ``found`` is :func:`addresses`'s. Rows without a URL, or whose host is
    an IP address, have ``""``.

    Examples
    --------
    >>> found = addresses(pd.DataFrame({"url": ["https://www.reuters.com/a", "https://sports.yahoo.com/b"]}))
    >>> outlet_keys(found).tolist(), outlet_keys(found, {"yahoo.com"}).tolist()
    (['reuters.com', 'yahoo.com'], ['reuters.com', 'sports.yahoo.com'])
    """
    domains = found["domain"]
    if not split:
        return domains
    return domains.where(~domains.isin(split) | (domains == ""), found["site"])


def split_domains(rows: pd.DataFrame) -> set[str]:
    """Registered domains whose sites go by different names: each site keeps its own label.

    ``rows`` has ``domain``, ``site``, ``label`` and ``n`` (rows naming their
    outlet). A domain is split when two of its sites' commonest labels
    name different outlets (``economictimes.indiatimes.com`` "The Economic
    Times" and ``timesofindia.indiatimes.com`` "Times of India" are two; a
    site whose name begins with another's, "Harbour Post Sport" of "The
    Harbour Post", is a section of it): one label per registered domain
    would merge two publications.
    """
    if rows.empty:
        return set()
    summed = rows.groupby(["domain", "site", "label"], sort=False)["n"].sum().reset_index()
    top = summed.sort_values("n", ascending=False, kind="stable").drop_duplicates(
        ["domain", "site"]
    )
    return {d for d, labels in top.groupby("domain")["label"] if _different_outlets(labels)}


def _different_outlets(labels: pd.Series) -> bool:
    """Whether some two labels name different outlets: neither's words begin the other's.

    "Harbour Post Sport" is a section of "The Harbour Post" (an outlet's
    name, then more words); "The Economic Times" and "Times of India" are two.
    """
    words = sorted({tuple(re.sub(r"^the\s+", "", str(x).casefold()).split()) for x in labels})
    return any(
        a[: len(b)] != b and b[: len(a)] != a for i, a in enumerate(words) for b in words[i + 1 :]
    )


def _named_rows(
    corpus: pd.DataFrame, found: pd.DataFrame, *, domain_labels: bool = False
) -> pd.DataFrame:
    """``domain``, ``site``, ``label`` and ``n`` of the rows that name their outlet.

    ``found`` is :func:`addresses` of ``corpus``. A label that is the row's
    registered domain names nothing, unless ``domain_labels``.
    """
    domains = found["domain"]
    labels = corpus["outlet"].astype("str")
    named = (domains != "") & labels.notna() & (domain_labels | (labels != domains))
    frame = pd.DataFrame(
        {"domain": domains[named], "site": found["site"][named], "label": labels[named]}
    )
    return frame.groupby(["domain", "site", "label"], sort=False).size().rename("n").reset_index()


def names_by_domain(path: str | os.PathLike | None = None) -> dict[str, str]:
    """{registered domain: outlet name} of a groups file (default: the shipped one), first name listed wins.

    Examples
    --------
    >>> names_by_domain()["bbc.co.uk"], names_by_domain()["latimes.com"]
    ('BBC', 'Los Angeles Times')
    """
    found: dict[str, str] = {}
    for group in groups(path).values():
        for outlet in group.outlets:
            found.setdefault(outlet.domain, outlet.name)
    return found


def one_label_per_domain(
    corpus: pd.DataFrame,
    names: dict[str, str] | None = None,
    *,
    held: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """A copy of ``corpus`` whose rows of one registered domain all carry one outlet label.

    Every way articles come in (``ddj.load`` of pages and tables,
    ``ddj.collect``, an append to a store) labels them here. Each page's own
    label comes from :func:`ddj.extract.outlet_name` (the publisher's name
    when the page names it, else the registered domain); a table's is its
    outlet column. Per registered domain of the rows' URLs, the label is the
    one ``held`` gives it (what a store or corpus being added to already
    calls it: :func:`held_labels`), else the commonest of those names (the
    first seen on a tie); a domain none of whose rows names its outlet takes
    the name the outlet files give it (``names``, default
    :func:`names_by_domain` of the shipped ``data/outlets.yml``), else the
    registered domain itself. Where a domain's sites go by different names
    (``sports.yahoo.com`` "Yahoo Sports", ``news.yahoo.com`` "Yahoo News":
    :func:`split_domains`), each site keeps its own label instead, so two
    publications are never merged. Rows without a URL, or whose host is an IP
    address (several sites may share one), keep their label.

    Examples
    --------
    >>> pages = pd.DataFrame({"url": ["https://www.reuters.com/a", "https://reuters.com/b",
    ...                               "https://www.latimes.com/c", "https://x.example/d"],
    ...                       "outlet": ["reuters.com", "Reuters", "latimes.com", "x.example"]})
    >>> one_label_per_domain(pages)["outlet"].tolist()
    ['Reuters', 'Reuters', 'Los Angeles Times', 'x.example']
    >>> one_label_per_domain(pages, held={"reuters.com": "Reuters News"})["outlet"].tolist()[:2]
    ['Reuters News', 'Reuters News']
    >>> yahoo = pd.DataFrame({"url": ["https://sports.yahoo.com/a", "https://news.yahoo.com/b",
    ...                               "https://www.news.yahoo.com/c"],
    ...                       "outlet": ["Yahoo Sports", "Yahoo News", "yahoo.com"]})
    >>> one_label_per_domain(yahoo)["outlet"].tolist()
    ['Yahoo Sports', 'Yahoo News', 'Yahoo News']
    """
    if corpus.empty or "outlet" not in corpus or "url" not in corpus:
        return corpus
    names = names_by_domain() if names is None else names
    found = addresses(corpus)
    rows = _named_rows(corpus, found)
    held = held or {}
    split = split_domains(rows) | {d for k in held if (d := registered_domain(f"http://{k}/")) != k}
    keys = outlet_keys(found, split)
    labels = corpus["outlet"].astype("str")
    named = (keys != "") & labels.notna() & (labels != found["domain"])
    commonest = (
        pd.DataFrame({"key": keys[named], "label": labels[named]})
        .groupby("key", sort=False)["label"]
        .agg(lambda s: Counter(s).most_common(1)[0][0])
    )
    chosen = {k: names.get(k, k) for k in keys.unique() if k} | commonest.to_dict()
    chosen |= {k: label for k, label in held.items() if k in chosen}
    out = corpus.copy()
    has = keys != ""
    out.loc[has, "outlet"] = keys[has].map(chosen)
    renamed = named & has & (out["outlet"] != corpus["outlet"]) & (labels != found["host"])
    if renamed.any():  # a name the rows gave, changed: said, never silent
        changes = Counter(zip(labels[renamed], out["outlet"][renamed], strict=True))
        warnings.warn(warns.relabelled(changes), stacklevel=3)
    return out


def held_labels(batches: Iterable[pd.DataFrame]) -> dict[str, str]:
    """{registered domain (or site of a split domain): outlet label} of the rows of ``batches``.

    The commonest label of each domain's rows (the first seen on a tie), of
    each site's where the domain's sites go by different names
    (:func:`split_domains`); what
    :func:`one_label_per_domain` keeps when articles are added to a store or
    a corpus, so an outlet is named as it was before. Rows without a URL or
    label, or whose host is an IP address, are left out. Each batch needs
    ``url`` and ``outlet`` (a store: ``store.batches(columns=["url", "outlet"])``).

    Examples
    --------
    >>> held_labels([pd.DataFrame({"url": ["https://www.reuters.com/a", "https://reuters.com/b"],
    ...                            "outlet": ["Reuters", "Reuters"]})])
    {'reuters.com': 'Reuters'}
    """
    named = []
    for batch in batches:
        if batch.empty or not {"url", "outlet"} <= set(batch.columns):
            continue
        named.append(_named_rows(batch, addresses(batch), domain_labels=True))
    found: dict[str, str] = {}
    if not named:
        return found
    rows = pd.concat(named, ignore_index=True)
    split = split_domains(rows[rows["label"] != rows["domain"]])
    rows = rows.assign(key=rows["domain"].where(~rows["domain"].isin(split), rows["site"]))
    summed = rows.groupby(["key", "label"], sort=False)["n"].sum()
    for (key, label), _ in summed.sort_values(ascending=False, kind="stable").items():
        found.setdefault(key, label)
    return found


def keep(corpus: pd.DataFrame, value: Any) -> pd.DataFrame:
    """The rows of ``corpus`` from the outlets ``value`` chooses (see :func:`select`).

    ``attrs["ddj_outlets"]`` records what was chosen and how many rows were
    left out; the problems list is kept.

    Raises
    ------
    ParameterError
        No row is from a chosen outlet (the message names the commonest domains
        of the corpus).

    Examples
    --------
    >>> keep(corpus, ["harbourpost.example"])["outlet"].unique().tolist()
    ['Harbour Post']
    """
    chosen = select(value)
    if chosen is None:
        return corpus
    hit = chosen.contains(corpus)
    if len(corpus) and not hit.any():
        raise nothing_chosen(corpus, chosen)
    kept = corpus.loc[hit].reset_index(drop=True)
    kept.attrs = {**corpus.attrs, ATTR: {"outlets": chosen.label, "left_out": int((~hit).sum())}}
    return kept


#: ``attrs`` key of a corpus filtered by :func:`keep`.
ATTR = "ddj_outlets"


def nothing_chosen(corpus: pd.DataFrame, chosen: Selection) -> ParameterError:
    """The error for a selection that keeps no row: it names the corpus's commonest domains."""
    top = row_domains(corpus).replace("", np.nan).value_counts().head(5).index.tolist()
    msg = (
        f"outlets={chosen.label!r}: none of the {len(corpus):,} article(s) is from one of these "
        f"outlets; the corpus's commonest domains are {', '.join(top) or '(none: no URLs)'}. "
        "Choose another group, or list domains: outlets=['bbc.co.uk', ...]."
    )
    return ParameterError(msg)
