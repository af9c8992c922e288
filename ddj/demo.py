"""The synthetic demo corpus: invented outlets, invented stories, real markup variety.

Everything here is written by this project; no real article text is used. The
pages exercise the whole pipeline: five outlets with their own house styles
(JSON-LD, OpenGraph, ``<time>``, a date only in the URL, no date at all), a
windows-1252 outlet that sometimes declares the wrong charset, the same
article under two URLs differing by tracking parameters, wire stories copied
by several outlets, and topic volumes that rise and fall around real-world
moments so that charts have shape. Every page says it is synthetic demo data.

Examples
--------
>>> import ddj
>>> corpus = ddj.demo_corpus(n=300)
>>> corpus.attrs["ddj_demo"]
'synthetic demo data'
"""

from __future__ import annotations

import csv
import gzip
import html
import json
import os
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from ddj.cache import cache_dir
from ddj.constants import DEMO_LABEL, DEMO_NOTICE, DEMO_WARC_FIELD  # noqa: F401  (ddj.demo.DEMO_* as before)
from ddj.corpus import COLUMNS, DEMO_ATTR
from ddj.extract import EXTRACTOR_VERSION
from ddj.loading import load, save
from ddj.utils import atomic_write

DEMO_VERSION = 4
#: In the cached archive's file name: a copy written before the warcinfo record is rebuilt.
DEMO_WARC_VERSION = 3
DEFAULT_N = 5000
FIRST_DAY = date(2019, 1, 1)
LAST_DAY = date(2025, 12, 31)


@dataclass(frozen=True)
class Outlet:
    """One invented outlet: its name, domain, house style, share of articles and clock."""

    name: str
    domain: str
    style: str  # json-ld | json-ld-graph | opengraph | time-tag | url-date
    weight: float
    tz_hours: int
    encoding: str = "utf-8"


OUTLETS = (
    Outlet("The Northgate Courier", "northgate-courier.example", "json-ld", 0.34, 0),
    Outlet("Harbour Post", "harbourpost.example", "json-ld-graph", 0.22, 8),
    Outlet("The Midland Ledger", "midlandledger.example", "opengraph", 0.2, 1, "cp1252"),
    Outlet("Eastbridge Times", "eastbridge-times.example", "time-tag", 0.16, 0),
    Outlet("Channel Daily", "channeldaily.example", "url-date", 0.08, 0),
)

FIRST_NAMES = (
    "Alex", "Priya", "Tom", "Mei", "Daniel", "Fatima", "Oliver", "Grace", "Samuel", "Chloe", "Ravi",
    "Hannah", "Marcus", "Wing", "Elena", "Joseph", "Aisha", "Lucas", "Ruth", "Kenji",
)  # fmt: skip
LAST_NAMES = (
    "Hartley", "Okafor", "Lindqvist", "Chan", "Moreau", "Patel", "Brennan", "Novak", "Fairweather",
    "Castellano", "Whitlock", "Osei", "Ramsay", "Tanaka", "Kowalski", "Ashdown", "Lau", "Ferreira",
)  # fmt: skip
PLACES = (
    "Northgate",
    "Eastbridge",
    "Midland",
    "Kingsport",
    "Ashford Vale",
    "Port Selwyn",
    "Holloway",
)

# topic -> (headline templates, sentence templates). {p} person, {pl} place, {n} number.
TOPICS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "hong_kong": (
        ("Hong Kong court hears new arguments in Jimmy Lai case", "Protesters return to Hong Kong streets",
         "National security law reshapes Hong Kong civic life", "Former Apple Daily staff speak of newsroom raid",
         "Hong Kong activists face fresh charges", "Britain raises Hong Kong concerns with Beijing",
         "BN(O) visa holders settle in {pl}", "What the national security law means for Hong Kong"),
        ("Hong Kong authorities said the case would proceed under the national security law.",
         "Supporters of Jimmy Lai gathered outside the court in Hong Kong on {d}.",
         "The closure of Apple Daily in 2021 still shapes debate about press freedom in Hong Kong.",
         "Campaigners in {pl} said families who left Hong Kong worried about relatives at home.",
         "A spokesperson for the Hong Kong government said the trial was fair and open.",
         "Lawyers for the defendants argued the charges under the national security law were political.",
         "Diplomats said the treatment of Hong Kong would feature in talks with Beijing.",
         "Many of the {n} people who moved from Hong Kong to {pl} arrived on BN(O) visas.",
         "Residents in 香港 described a quieter city, with fewer public gatherings than before."),
    ),
    "cyberespionage": (
        ("State-backed hackers targeted {pl} council systems, officials say", "Volt Typhoon warning for infrastructure operators",
         "Salt Typhoon breach reached telecoms networks", "Britain sanctions firm linked to APT31 hacking",
         "Cyber agency attributes espionage campaign to state group", "How state hackers spy on lawmakers",
         "Electoral register breach blamed on state-linked hackers"),
        ("Security officials said the intrusion bore the hallmarks of a state-sponsored hacking group.",
         "The National Cyber Security Centre said the group, known as APT31, had targeted parliamentarians.",
         "Researchers linked the campaign to Volt Typhoon, a group accused of pre-positioning in critical infrastructure.",
         "Telecoms firms confirmed that Salt Typhoon hackers had accessed call records.",
         "Analyst {p} said cyber espionage by state-linked hackers was now routine rather than exceptional.",
         "The breach was discovered in {m} and reported to regulators weeks later.",
         "Officials declined to say how much data the state-backed hackers had taken."),
    ),
    "ukraine": (
        ("Russian troops cross into Ukraine as invasion begins", "Ukraine war: fighting intensifies in the east",
         "Kyiv appeals for more air defence", "{pl} families host Ukrainian refugees",
         "Ukraine war enters another winter", "Drone strikes hit Ukrainian energy grid",
         "Ceasefire talks on Ukraine stall again"),
        ("The war in Ukraine has displaced millions of people since Russia's full-scale invasion.",
         "Ukrainian officials said air defences intercepted most of the drones overnight.",
         "In {pl}, volunteers said donations for Ukraine had slowed but not stopped.",
         "Fighting continued along the front line in eastern Ukraine on {d}.",
         "President Zelensky urged allies to keep supplying weapons to Ukraine.",
         "Economists said the war in Ukraine had pushed up energy and food prices."),
    ),
    "taiwan": (
        ("Taiwan holds military drills as tensions rise", "Warships sail through the Taiwan Strait",
         "Taiwan election result draws warning from Beijing", "Chip makers weigh Taiwan risk"),
        ("Taiwan's defence ministry reported aircraft near the island on {d}.",
         "Analysts said a crisis in the Taiwan Strait would disrupt global chip supplies.",
         "Voters in Taiwan went to the polls amid warnings from Beijing.",
         "The government in Taipei said it sought peace but would defend Taiwan."),
    ),
    "xinjiang": (
        ("Leaked files shed light on Xinjiang detention camps", "Retailers audit supply chains for Xinjiang cotton",
         "Uyghur families in {pl} seek news of relatives", "Sanctions over Xinjiang abuses widen"),
        ("Rights groups said Uyghurs in Xinjiang faced mass detention and forced labour.",
         "Beijing rejected the accusations about Xinjiang as lies.",
         "Uyghur campaigners in {pl} said they had not heard from relatives for years.",
         "Companies said they were checking whether Xinjiang cotton entered their supply chains."),
    ),
    "espionage_arrests": (
        ("Two men charged under the National Security Act", "Parliamentary researcher arrested on suspicion of spying",
         "Espionage trial opens at the Old Bailey", "Police arrest three in spying investigation"),
        ("Counter-terrorism police said the men were charged with assisting a foreign intelligence service.",
         "The researcher was arrested on suspicion of spying for China and later released on bail.",
         "Prosecutors said the defendants had gathered information useful to an enemy.",
         "The arrests were made under the National Security Act, which took effect in 2023."),
    ),
}  # fmt: skip

FILLER: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "economy": (
        ("Interest rates held as inflation eases", "{pl} factory adds {n} jobs", "High street footfall rises",
         "Budget puts pressure on councils", "Energy bills set to fall in spring"),
        ("The central bank kept rates on hold, citing slowing inflation.",
         "Business owners in {pl} said customers were still cautious.",
         "Economist {p} said the figures pointed to modest growth.",
         "The firm said it would hire {n} people over the next year."),
    ),
    "sport": (
        ("{pl} United win late thriller", "Cricket: rain ruins final day", "Marathon draws record field in {pl}",
         "Cup upset as minnows advance"),
        ("The winning goal came in the ninetieth minute.", "Fans in {pl} celebrated long into the evening.",
         "The coach, {p}, praised the squad's spirit.", "Organisers said {n} runners had signed up."),
    ),
    "weather": (
        ("Storm brings flooding to {pl}", "Heatwave warning issued", "Snow closes roads across the north",
         "Driest spring on record for {pl}"),
        ("Forecasters warned of further heavy rain overnight.", "Residents of {pl} were urged to avoid travel.",
         "Temperatures are expected to return to normal by the weekend.",
         "The council said {n} homes had been affected."),
    ),
    "local": (
        ("{pl} council approves new housing plan", "Library saved after campaign", "New bridge opens in {pl}",
         "Bus routes cut as costs rise", "School expansion gets green light"),
        ("Councillor {p} said the decision followed months of consultation.",
         "Residents in {pl} gave the plan a mixed reception.", "The project will cost about {n} thousand pounds.",
         "Work is due to start next year."),
    ),
    "culture": (
        ("Festival returns to {pl}", "Museum unveils new gallery", "Local author wins prize",
         "Theatre season opens with sell-out show"),
        ("Organisers expected {n} visitors over the weekend.", "The exhibition runs until the end of the year.",
         "Critics praised the production's ambition.", "{p}, the director, said the response had been overwhelming."),
    ),
}  # fmt: skip

DETAILS = (
    "{p}, who has followed the issue for {n} days, said the next step was unclear.",
    "On {d}, officials in {pl} met {n} residents to explain the decision.",
    "A report published in {m} counted {n} similar cases across {pl}.",
    "{p} told reporters in {pl} that more meetings were planned for {m}.",
    "The figure of {n} was revised twice before {d}, according to {p}.",
    "Critics in {pl}, led by {p}, called for an inquiry.",
    "By {m} the number had reached {n}, {p} said.",
    "Speaking in {pl} on {d}, {p} urged patience.",
)

GENERIC = (
    "The story was updated with further details later in the day.",
    "A spokesperson declined to comment further.",
    "More information is expected to be published next week.",
    "Readers can contact the newsroom with questions about this report.",
    "The figures could not be independently verified.",
    "\u201cWe will keep watching closely,\u201d said a spokesperson at the caf\u00e9 near the town hall \u2013 an unusual venue.",
    "Officials\u2019 na\u00efve optimism drew criticism from the r\u00e9sum\u00e9 of past projects.",
)


#: The demo's baseline chance that an article is about each topic.
BASE_WEIGHTS = {
    "hong_kong": 0.03,
    "cyberespionage": 0.02,
    "ukraine": 0.01,
    "taiwan": 0.02,
    "xinjiang": 0.015,
    "espionage_arrests": 0.01,
}
#: (topic, first day, last day, chance) in order: a later line wins where two overlap.
SURGES = (
    ("hong_kong", "2019-06-09", "2020-01-31", 0.14),
    ("hong_kong", "2020-05-21", "2020-07-31", 0.2),
    ("hong_kong", "2023-12-01", "2025-12-31", 0.07),
    ("cyberespionage", "2024-01-01", "2024-12-31", 0.06),
    ("cyberespionage", "2024-03-18", "2024-04-10", 0.16),
    ("hong_kong", "2024-10-11", "2024-10-27", 0.24),  # the Foreign Secretary's visit to Beijing
    ("cyberespionage", "2024-10-11", "2024-10-27", 0.16),  # and Shanghai
    ("cyberespionage", "2024-11-15", "2025-01-31", 0.1),
    ("ukraine", "2021-12-01", "2022-02-23", 0.08),
    ("taiwan", "2022-08-01", "2022-08-20", 0.14),
    ("taiwan", "2024-01-05", "2024-01-20", 0.14),
    ("xinjiang", "2021-03-15", "2021-04-10", 0.1),
    ("xinjiang", "2022-05-20", "2022-06-10", 0.1),
    ("espionage_arrests", "2023-09-05", "2023-09-30", 0.1),
    ("espionage_arrests", "2024-04-20", "2024-05-20", 0.1),
)
#: The day of Russia's full-scale invasion of Ukraine: coverage jumps, then decays.
INVASION = date(2022, 2, 24)


def topic_weights(day: date) -> dict[str, float]:
    """The chance that an article published on ``day`` is about each topic (the demo's shape).

    Parameters
    ----------
    day
        A publication day.

    Returns
    -------
    dict
        Topic name -> chance (:data:`BASE_WEIGHTS`, raised by :data:`SURGES`).

    Examples
    --------
    >>> topic_weights(date(2024, 10, 18))["hong_kong"]
    0.24
    """
    weights = dict(BASE_WEIGHTS)
    for topic, first, last, chance in SURGES:
        if date.fromisoformat(first) <= day <= date.fromisoformat(last):
            weights[topic] = chance
    if day >= INVASION:
        months = (day - INVASION).days / 30.4
        weights["ukraine"] = max(0.07, 0.38 * (0.9**months))
    return weights


def write_demo_pages(folder: str | os.PathLike, n: int = DEFAULT_N, seed: int = 2024) -> list[Path]:
    """Write ``n`` synthetic article pages (plus duplicates and wire copies) into ``folder``.

    Deterministic: the same ``n`` and ``seed`` give byte-identical files. Writes
    are atomic (temporary file, then rename). Beside the pages, ``truth.csv``
    gives each page's intended URL, outlet, publication time and topic.

    Returns the paths written, in order.
    """
    folder = Path(folder)
    rng = random.Random(seed)
    span = (LAST_DAY - FIRST_DAY).days
    stories = []
    for i in range(n):
        day = FIRST_DAY + timedelta(days=int(span * i / n + rng.random() * span / n))
        outlet = rng.choices(OUTLETS, weights=[o.weight for o in OUTLETS])[0]
        weights = topic_weights(day)
        r, topic = rng.random(), None
        for name, p in weights.items():
            if r < p:
                topic = name
                break
            r -= p
        stories.append(_story(rng, i, day, outlet, topic))
    # wire stories: some topic stories are copied, lightly edited, by one or two other outlets
    for story in [s for s in stories if s["topic"] and rng.random() < 0.06]:
        for other in rng.sample([o for o in OUTLETS if o != story["outlet"]], rng.choice((1, 2))):
            stories.append(_wire_copy(rng, story, other))
    paths: list[Path] = []
    truth: list[dict] = []
    for k, story in enumerate(stories):
        variants = [story]
        if k % 97 == 5:  # the same article again under a URL with tracking parameters
            variants.append(
                {
                    **story,
                    "url": story["url"] + "?utm_source=newsletter&utm_medium=email",
                    "copy": True,
                }
            )
        for j, s in enumerate(variants):
            paths.append(_write_page(folder, s, k, j))
            truth.append(
                {"file": str(paths[-1].relative_to(folder)), "url": s["url"], "outlet": s["outlet"].name,
                 "published": s["when"].isoformat() if s["dated"] else "", "topic": s["topic"] or "",
                 "markup": s["style"], "wire_of": s.get("wire_of", "")}
            )  # fmt: skip
    _atomic_write(folder / "truth.csv", _csv(truth).encode("utf-8"))
    return paths


def demo_pages_dir(seed: int = 2024, n: int = DEFAULT_N) -> Path:
    """The folder with the demo pages, generated on first use (under the ddj cache)."""
    folder = cache_dir() / "demo" / f"v{DEMO_VERSION}-seed{seed}-n{n}"
    marker = folder / ".complete"
    if not marker.exists():
        write_demo_pages(folder, n=n, seed=seed)
        marker.write_text("ok\n")
    return folder


def demo_corpus(n: int | None = None, seed: int = 2024) -> pd.DataFrame:
    """The synthetic demo corpus, loaded through the real pipeline (``ddj.load``).

    Pages are generated on first use and cached with everything else; the
    frame's ``attrs["ddj_demo"]`` is ``"synthetic demo data"`` so every chart and
    table built from it says so.

    Examples
    --------
    >>> import ddj
    >>> corpus = ddj.demo_corpus(n=300)
    >>> corpus["outlet"].nunique()
    5
    """
    import warnings

    folder = demo_pages_dir(seed=seed, n=n or DEFAULT_N)
    # the table of a load is kept beside the pages (with its problems list): a warm start reads
    # one Parquet file instead of hashing thousands of pages; a new extractor builds it again
    table = folder / f"corpus-extractor{EXTRACTOR_VERSION}.parquet"
    try:
        corpus = pd.read_parquet(table)
        if list(corpus.columns) == list(COLUMNS) and corpus.attrs.get(DEMO_ATTR) == DEMO_LABEL:
            return corpus
    except (OSError, ValueError):
        pass
    with warnings.catch_warnings():
        # the demo has undated pages and duplicates on purpose: say so once, quietly
        warnings.simplefilter("ignore")
        corpus = load(folder)
    corpus.attrs[DEMO_ATTR] = DEMO_LABEL
    try:
        save(corpus, table, overwrite=True)  # the cache of the demo corpus
    except OSError:  # a read-only cache only costs time
        pass
    return corpus


def demo_warc(year: int = 2024, seed: int = 2024, n: int = DEFAULT_N) -> Path:
    """A synthetic web archive (WARC.gz) of the demo outlets' pages of one year.

    What a crawl saved by Webrecorder or Common Crawl would hold: a request and
    a ``200`` response for each page (with its charset as served), plus one
    truncated capture with an empty body, which :func:`ddj.collect` reports as a
    failure. Built from :func:`demo_pages_dir` on first use and cached beside it.

    The archive declares itself: its first record, a ``warcinfo``, has the field
    ``ddj-demo: synthetic demo data`` (:data:`DEMO_WARC_FIELD`), so a corpus
    :func:`ddj.collect` reads from it (alone or with other sources) carries
    ``attrs["ddj_demo"]``, wherever the file was copied to.

    Examples
    --------
    >>> import ddj
    >>> corpus, failures = ddj.collect(warcs=ddj.demo.demo_warc(n=30), quiet=True)
    >>> corpus.attrs["ddj_demo"]
    'synthetic demo data'
    """
    folder = demo_pages_dir(seed=seed, n=n)
    path = folder.parent / f"{folder.name}-crawl-{year}-w{DEMO_WARC_VERSION}.warc.gz"
    if path.exists():
        return path
    with (folder / "truth.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    in_year = [i for i, r in enumerate(rows) if r["published"][:4] == str(year)]
    if not in_year:
        msg = f"year={year!r}: the demo corpus covers {FIRST_DAY.year} to {LAST_DAY.year}"
        raise ValueError(msg)
    first, last = in_year[0], max(i for i in in_year if not rows[i]["wire_of"])
    chosen = sorted(set(range(first, last + 1)) | set(in_year))  # undated pages of the year too
    records = []
    for i in chosen:
        raw = (folder / rows[i]["file"]).read_bytes()
        body = gzip.decompress(raw) if rows[i]["file"].endswith(".gz") else raw
        records.append((rows[i]["url"], body))
    gap = rows[chosen[len(chosen) // 2]]["url"].rsplit("/", 1)[0] + "/capture-cut-short"
    records.insert(len(records) // 2, (gap, b""))
    _atomic_write(path, _warc_bytes(records))
    return path


def _warc_bytes(records: list[tuple[str, bytes]]) -> bytes:
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    info = {
        "software": "ddj (ddj.demo.demo_warc)",
        "format": "WARC File Format 1.0",
        "description": DEMO_NOTICE,
        DEMO_WARC_FIELD: DEMO_LABEL,
    }
    writer.write_record(writer.create_warcinfo_record("ddj-demo-crawl.warc.gz", info))
    for url, body in records:
        head = body[:2048].lower()
        charset = "windows-1252" if b"windows-1252" in head else "utf-8"
        request = StatusAndHeaders(
            f"GET {url} HTTP/1.1", [("User-Agent", "ddj demo")], is_http_request=True
        )
        writer.write_record(writer.create_warc_record(url, "request", http_headers=request))
        headers = StatusAndHeaders(
            "200 OK", [("Content-Type", f"text/html; charset={charset}")], protocol="HTTP/1.1"
        )
        writer.write_record(
            writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=headers
            )
        )
    return buf.getvalue()


# -- page writing ----------------------------------------------------------------------------


def _story(rng: random.Random, i: int, day: date, outlet: Outlet, topic: str | None) -> dict:
    kind = topic or rng.choice(sorted(FILLER))
    heads, sentences = TOPICS[topic] if topic else FILLER[kind]
    fill = _filler(rng, day)
    headline = rng.choice(heads).format(**fill)
    body = [
        rng.choice(sentences if rng.random() < 0.5 else DETAILS).format(**_filler(rng, day))
        for _ in range(rng.randint(10, 30))
    ]
    body += [rng.choice(GENERIC) for _ in range(rng.randint(1, 4))]
    rng.shuffle(body)
    paragraphs = [" ".join(body[k : k + 3]) for k in range(0, len(body), 3)]
    when = datetime(
        day.year, day.month, day.day, rng.randint(6, 22), rng.choice((0, 15, 30, 45)), tzinfo=UTC
    )
    slug = "-".join(w.strip(",.:'()").lower() for w in headline.split()[:7]).replace("--", "-")
    section = topic and "world" or kind
    url = f"https://www.{outlet.domain}/{section}/{day:%Y/%m/%d}/{slug}-{i}" if outlet.style == "url-date" else (
        f"https://www.{outlet.domain}/{section}/{slug}-{i}"
    )  # fmt: skip
    n_authors = rng.choice((1, 1, 1, 2))
    authors = [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(n_authors)]
    dated = rng.random() > 0.03  # a few pages carry no date at all
    if outlet.style == "url-date":
        dated = True  # its only date is in the URL
    elif outlet.style == "time-tag" and rng.random() < 0.12:
        dated = False
    return {
        "id": i, "topic": topic, "kind": kind, "outlet": outlet, "style": outlet.style, "headline": headline,
        "dek": rng.choice(sentences).format(**fill), "paragraphs": paragraphs, "when": when, "url": url,
        "authors": authors, "dated": dated, "wrong_charset": outlet.encoding != "utf-8" and rng.random() < 0.2,
    }  # fmt: skip


def _wire_copy(rng: random.Random, story: dict, outlet: Outlet) -> dict:
    paragraphs = list(story["paragraphs"])
    if len(paragraphs) > 2:
        paragraphs[-1] = paragraphs[-1] + " " + rng.choice(GENERIC)
    when = story["when"] + timedelta(minutes=rng.randint(20, 240))
    slug = story["url"].rstrip("/").rsplit("/", 1)[-1]
    url = (
        f"https://www.{outlet.domain}/world/{when:%Y/%m/%d}/wire-{slug}"
        if outlet.style == "url-date"
        else f"https://www.{outlet.domain}/world/wire-{slug}"
    )
    return {**story, "outlet": outlet, "style": outlet.style, "when": when, "url": url, "paragraphs": paragraphs,
            "headline": story["headline"], "authors": ["Wire Service Staff"], "dated": True,
            "wire_of": story["url"], "wrong_charset": False}  # fmt: skip


def _filler(rng: random.Random, day: date) -> dict:
    return {
        "p": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        "pl": rng.choice(PLACES),
        "n": rng.randint(12, 9000),
        "d": f"{day:%A}",
        "m": f"{day:%B}",
    }


def _write_page(folder: Path, s: dict, k: int, j: int) -> Path:
    outlet: Outlet = s["outlet"]
    local = s["when"].astimezone(timezone(timedelta(hours=outlet.tz_hours)))
    iso = local.isoformat(timespec="seconds")
    e = html.escape
    title = f"{s['headline']} | {outlet.name}"
    byline = " and ".join(s["authors"])
    head = [f'<meta charset="{_declared(s)}">', f"<title>{e(title)}</title>",
            '<meta name="ddj:demo" content="synthetic demo data">',
            f'<meta name="description" content="{e(s["dek"])}">',
            f'<meta property="og:site_name" content="{e(outlet.name)}">',
            f'<meta property="og:title" content="{e(s["headline"])}">',
            f'<meta property="og:url" content="{e(s["url"])}">']  # fmt: skip
    if not s.get("copy"):
        head.append(f'<link rel="canonical" href="{e(s["url"])}">')
    time_html = ""
    if s["dated"] and outlet.style in ("json-ld", "json-ld-graph"):
        article = {"@type": "NewsArticle", "headline": s["headline"], "datePublished": iso,
                   "author": [{"@type": "Person", "name": a} for a in s["authors"]],
                   "publisher": {"@type": "NewsMediaOrganization", "name": outlet.name}}  # fmt: skip
        data = {"@context": "https://schema.org", **article}
        if outlet.style == "json-ld-graph":
            data = {
                "@context": "https://schema.org",
                "@graph": [{"@type": "WebSite", "name": outlet.name}, article],
            }
        head.append(
            f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
        )
    elif s["dated"] and outlet.style == "opengraph":
        head.append(f'<meta property="article:published_time" content="{iso}">')
    elif s["dated"] and outlet.style == "time-tag":
        time_html = f'<time datetime="{iso}">{local:%d %B %Y, %H:%M}</time>'
    if s["dated"] and outlet.style in ("json-ld", "json-ld-graph", "opengraph"):
        time_html = f'<p class="dateline">{local.day} {local:%B %Y}</p>'  # as readers see it
    if outlet.style != "json-ld" and outlet.style != "json-ld-graph":
        head.append(f'<meta name="author" content="{e(byline)}">')
    body = "\n".join(f"<p>{e(p)}</p>" for p in s["paragraphs"])
    page = f"""<!doctype html>
<html lang="en-GB">
<head>
{chr(10).join(head)}
</head>
<body>
<header class="masthead"><a href="/">{e(outlet.name)}</a> <nav><a href="/world">World</a> <a href="/sport">Sport</a></nav></header>
<main><article>
<h1>{e(s["headline"])}</h1>
<p class="dek">{e(s["dek"])}</p>
<p class="byline">By {e(byline)}</p>
{time_html}
{body}
<p class="note">This article is synthetic demo data generated by ddj. The people, places and outlets are invented.</p>
</article></main>
<footer>&copy; {s["when"].year} {e(outlet.name)}. Synthetic demo data.</footer>
</body>
</html>
"""
    data = page.encode(outlet.encoding, errors="xmlcharrefreplace")
    sub = f"{s['when']:%Y}"
    name = f"{k:05d}-{j}.html"
    if k % 50 == 7:
        name += ".gz"
        data = gzip.compress(data, mtime=0)
    path = folder / outlet.domain / sub / name
    _atomic_write(path, data)
    return path


def _declared(s: dict) -> str:
    enc = s["outlet"].encoding
    if enc == "utf-8":
        return "utf-8"
    return "utf-8" if s["wrong_charset"] else "windows-1252"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data)


def _csv(rows: list[dict]) -> str:
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()
