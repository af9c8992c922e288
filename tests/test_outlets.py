import json
import re
import warnings

import pandas as pd
import pytest

import ddj
from ddj import outlets
from ddj.corpus import conform
from ddj.errors import InputError, ParameterError
from ddj.urls import registered_domain
from tests.local_pages import serve


def corpus_of(rows):
    return conform(rows)


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


MIXED = [
    {"url": "https://www.bbc.co.uk/news/1", "outlet": "BBC", "published": "2024-05-01T08:00Z",
     "title": "Hong Kong vote"},
    {"url": "https://news.bbc.co.uk/2", "outlet": "BBC", "published": "2024-05-02T08:00Z",
     "title": "Budget"},
    {"url": "https://www.theguardian.com/world/3", "outlet": "The Guardian",
     "published": "2024-05-03T08:00Z", "title": "Hong Kong court"},
    {"url": "https://www.reuters.com/world/4", "outlet": "Reuters", "published": "2024-05-03T09:00Z",
     "title": "Hong Kong shares"},
    {"url": "https://www.nytimes.com/5", "outlet": "NYT", "published": "2024-05-04T08:00Z",
     "title": "Weather"},
    {"url": None, "text": "A wire story without a link.", "outlet": "Reuters",
     "published": "2024-05-04T09:00Z", "title": "Hong Kong again"},
]  # fmt: skip


# -- the shipped file ------------------------------------------------------------------------


def test_shipped_groups_hold_the_outlets_named_in_the_issue():
    found = outlets.groups()
    uk = {o.name for o in found["uk-national"].outlets}
    for name in ("BBC", "The Guardian", "The Times", "The Telegraph", "Financial Times",
                 "The Independent", "Daily Mail", "Daily Mirror", "The Sun", "Daily Express",
                 "Sky News", "ITV News", "Channel 4 News", "i", "Evening Standard", "Metro",
                 "The Spectator", "New Statesman"):  # fmt: skip
        assert name in uk, name
    assert {o.country for o in found["uk-national"].outlets} == {"GB"}
    wires = {o.name for o in found["international-wires"].outlets}
    assert wires == {"Reuters", "Associated Press", "AFP", "Bloomberg"}
    assert {"us-national", "hong-kong"} <= set(found)


def test_every_shipped_domain_is_a_registered_domain_of_a_known_kind():
    for group in outlets.groups().values():
        assert group.label and group.description
        for o in group.outlets:
            assert registered_domain("https://" + o.domain) == o.domain, o
            assert o.kind in outlets.KINDS and len(o.country) == 2


# -- select ----------------------------------------------------------------------------------


def test_a_subdomain_counts_for_its_registered_domain():
    chosen = outlets.select("uk-national")
    assert chosen.contains_urls(
        ["https://news.bbc.co.uk/x", "http://www.theguardian.com/a", "https://bbc.co.uk.evil.example/",
         "https://www.cnn.com/", "not a url"]
    ) == [True, True, False, False, False]  # fmt: skip


def test_unknown_group_names_the_known_ones():
    with pytest.raises(ParameterError, match="uk-national, us-national, international-wires"):
        outlets.select("british")
    with pytest.raises(ParameterError, match="write 'bbc.co.uk'"):
        outlets.select(["news.bbc.co.uk"])
    with pytest.raises(ParameterError, match="not a domain"):
        outlets.select(["https://bbc.co.uk/news"])
    with pytest.raises(ParameterError, match="group name"):
        outlets.select([])
    with pytest.raises(ParameterError, match="group name"):
        outlets.select(42)


def test_list_mixes_groups_and_domains():
    chosen = outlets.select(["international-wires", "bbc.co.uk"])
    assert list(chosen.domains) == ["international-wires", outlets.LISTED]
    assert chosen.domains[outlets.LISTED] == {"bbc.co.uk"}


def test_rows_without_a_url_match_by_outlet_name():
    c = corpus_of(MIXED)
    hit = outlets.select("international-wires").contains(c)
    assert hit.tolist() == [False, False, False, True, False, True]


# -- a user's file ---------------------------------------------------------------------------

MINE = """\
groups:
  - name: public
    label: Public broadcasters
    outlets:
      - {domain: bbc.co.uk, name: BBC, country: GB, kind: broadcaster}
  - name: london
    outlets:
      - {domain: bbc.co.uk, name: BBC, country: gb, kind: broadcaster}
      - {domain: theguardian.com, name: The Guardian, country: GB, kind: newspaper}
"""


def test_own_file(tmp_path):
    path = tmp_path / "mine.yml"
    path.write_text(MINE)
    found = outlets.groups(path)
    assert list(found) == ["public", "london"]
    assert found["london"].label == "london" and found["london"].outlets[0].country == "GB"
    chosen = outlets.select(str(path))
    assert chosen.label == "groups in mine.yml"
    assert outlets.select(path).domains == chosen.domains


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("groups: 3", "a list of groups"),
        ("groups:\n  - name: Bad Name\n    outlets: [{domain: a.com, country: GB, kind: online}]", "slug"),
        ("groups:\n  - name: a\n    outlets: []", "must be a list of outlets"),
        ("groups:\n  - name: a\n    outlets: [{domain: a.com, country: GBR, kind: online}]", "ISO 3166"),
        ("groups:\n  - name: a\n    outlets: [{domain: a.com, country: GB, kind: blog}]", "kind 'blog'"),
        ("groups:\n  - name: a\n    outlets: [{domain: news.bbc.co.uk, country: GB, kind: online}]",
         "write 'bbc.co.uk'"),
        ("groups:\n  - name: a\n    outlets: [{domain: [a.com], country: GB, kind: online}]", "must be text"),
        ("groups:\n  - name: a\n    outlets: [{domain: a.com, country: GB, kind: online}]\n"
         "  - name: a\n    outlets: [{domain: b.com, country: GB, kind: online}]", "used twice"),
        ("groups: " + "[" * 30 + "]" * 30, "levels deep"),
        ("groups: [", "not valid YAML"),
    ],
)  # fmt: skip
def test_bad_files_name_the_fix(tmp_path, text, match):
    path = tmp_path / "bad.yml"
    path.write_text(text)
    with pytest.raises(InputError, match=match):
        outlets.groups(path)


def test_outlets_are_bounded_and_aliases_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(outlets, "MAX_OUTLETS", 50)
    one = "{domain: a.com, country: GB, kind: online}"
    many = "[" + ", ".join([one] * 10) + "]"
    path = tmp_path / "many.yml"
    path.write_text(
        "groups:\n" + "".join(f"  - {{name: g{i}, outlets: {many}}}\n" for i in range(6))
    )
    with pytest.raises(InputError, match="more than 50 outlets"):
        outlets.groups(path)
    path.write_text(
        f"x: &many {many}\ngroups:\n"
        + "".join(f"  - {{name: g{i}, outlets: *many}}\n" for i in range(6))
    )
    with pytest.raises(InputError, match=r"many.yml, line 1: an anchor \(&many\)"):
        outlets.groups(path)


def test_missing_file():
    with pytest.raises(InputError, match="no such outlets file"):
        outlets.select("nowhere/outlets.yml")


# -- coverage, load, collect -----------------------------------------------------------------


def test_coverage_keeps_one_group():
    c = corpus_of(MIXED)
    cov = quiet(ddj.coverage, c, ["hong_kong"], freq="M", outlets="uk-national")
    assert cov["articles"].tolist() == [2] and cov["total"].tolist() == [3]
    assert cov.attrs["outlets"] == "uk-national" and cov.attrs["outlets_left_out"] == 3
    by_hand = quiet(ddj.coverage, c.iloc[:3], ["hong_kong"], freq="M")
    assert cov[["articles", "total", "share"]].equals(by_hand[["articles", "total", "share"]])
    flags = ddj.match(c, ["hong_kong"])  # a topics frame aligned to the whole corpus still works
    framed = quiet(ddj.coverage, c, flags, freq="M", outlets="uk-national")
    assert framed["articles"].tolist() == [2]


def test_coverage_by_group_one_series_each(tmp_path):
    c = corpus_of(MIXED)
    cov = quiet(ddj.coverage, c, ["hong_kong"], freq="M", by="group",
                outlets=["uk-national", "international-wires"])  # fmt: skip
    assert "group" in cov.columns and "outlet" not in cov.columns
    got = cov.set_index("group")[["articles", "total"]].to_dict("index")
    assert got == {"international-wires": {"articles": 2, "total": 2},
                   "uk-national": {"articles": 2, "total": 3}}  # fmt: skip
    path = tmp_path / "mine.yml"
    path.write_text(MINE)  # BBC is in both groups: counted in each
    own = quiet(ddj.coverage, c, ["hong_kong"], freq="M", by="group", outlets=path)
    assert own.set_index("group")["total"].to_dict() == {"london": 3, "public": 2}
    every = quiet(ddj.coverage, c, ["hong_kong"], freq="M", by="group")
    assert set(every["group"]) == set(outlets.groups())  # every shipped group, zeros included
    assert every.set_index("group").loc["us-national", "total"] == 1


def test_coverage_errors():
    c = corpus_of(MIXED)
    with pytest.raises(ParameterError, match="known|use one of"):
        quiet(ddj.coverage, c, ["hong_kong"], outlets="uk-nationals")
    with pytest.raises(ParameterError, match="none of the 6 article"):
        quiet(ddj.coverage, c, ["hong_kong"], outlets="hong-kong")
    with pytest.raises(ParameterError, match="by='group'"):
        quiet(ddj.coverage, c, ["hong_kong"], by="groups")


def test_load_filters(tmp_path):
    path = tmp_path / "table.csv"
    pd.DataFrame(MIXED).to_csv(path, index=False)
    got = quiet(ddj.load, path, outlets="uk-national")
    assert got["outlet"].tolist() == ["BBC", "BBC", "The Guardian"]
    assert got.attrs[outlets.ATTR] == {"outlets": "uk-national", "left_out": 3}
    with pytest.raises(ParameterError, match="use one of"):  # checked before anything is read
        ddj.load(tmp_path / "missing.csv", outlets="nope")


def test_collect_from_an_archive_keeps_one_outlet():
    corpus, _ = quiet(ddj.collect, warcs=[ddj.demo.demo_warc(n=60)], outlets=["harbourpost.example"],
                      quiet=True)  # fmt: skip
    assert len(corpus) and set(corpus["outlet"]) == {"Harbour Post"}


def test_small_multiples_of_groups_have_a_panel_each():
    c = corpus_of(MIXED)
    cov = quiet(ddj.coverage, c, ["hong_kong"], freq="M", by="group",
                outlets=["uk-national", "international-wires"])  # fmt: skip
    spec = json.dumps(ddj.chart(cov, kind="small-multiples").to_dict())
    assert re.findall(r'"facet": \{"field": "(\w+)"', spec) == ["group"]


# -- issue 22: the fetcher, the domain filter and the outlet read a URL one way -----------------
TRICKY = [  # (url, the host a browser and ddj's fetcher connect to)
    ("https://evil.example#@bbc.co.uk", "evil.example"),
    ("https://evil.example?@bbc.co.uk", "evil.example"),
    ("https://bbc.co.uk.evil.example/", "bbc.co.uk.evil.example"),
    ("https://evil.example\\@bbc.co.uk", "evil.example"),  # \ is / to a browser: a path follows
    ("https://user:pw@bbc.co.uk/", "bbc.co.uk"),
    ("https://a@evil.example@bbc.co.uk/", "bbc.co.uk"),  # the last @ ends the credentials
    ("HTTPS://WWW.BBC.CO.UK./x", "www.bbc.co.uk"),
    (" https://news.bbc.co.uk/a\t", "news.bbc.co.uk"),
    ("https://bbc.co.uk\t.evil.example/", "bbc.co.uk.evil.example"),  # tabs are dropped
    ("https://xn--bcher-kva.example/", "xn--bcher-kva.example"),
    ("https://bücher.example/", "xn--bcher-kva.example"),
    ("https://BÜCHER.example:8443/", "xn--bcher-kva.example"),
]


def connected_host(url: str) -> str:
    """The host name ddj's fetcher resolves (to connect) for ``url``: nothing leaves the machine."""
    import socket

    from ddj.collecting.fetch import Fetcher

    asked: list[str] = []

    def resolver(host, _port):
        asked.append(host)
        raise socket.gaierror("not resolved in this test")

    page = Fetcher(rate=None, robots=False, retries=0, resolver=resolver).get(url)
    assert not page.ok and len(asked) == 1, (page.reason, asked)
    return asked[0]


@pytest.mark.parametrize(("url", "host"), TRICKY)
def test_fetcher_filter_and_outlet_agree_on_the_host(url, host):
    from ddj.collecting.warc import Wanted

    assert connected_host(url) == host
    domain = registered_domain("http://" + host)
    assert registered_domain(url) == domain  # the outlet label of a page without a site name
    page = (
        b"<html><body><article><p>" + b"Words of a story. " * 40 + b"</p></article></body></html>"
    )
    assert ddj.read_html(page, url)["outlet"] == domain
    assert outlets.row_domains(pd.DataFrame({"url": [url]})).tolist() == [domain]
    for wanted in ("bbc.co.uk", "bücher.example", "xn--bcher-kva.example"):
        kept = domain == outlets.domain_of(wanted)
        assert Wanted.of(domains=[wanted]).keeps(url, None) is kept, wanted
        assert outlets.select([wanted]).contains_urls([url]) == [kept], wanted
        assert (ddj.params.domains([wanted]) == [domain]) is kept


def test_unicode_and_punycode_domains_are_one_domain_in_outlet_files(tmp_path):
    path = tmp_path / "mine.yml"
    path.write_text(
        "groups:\n  - name: books\n    label: Books\n    outlets:\n"
        "      - {domain: bücher.de, name: Bücher, country: DE, kind: online}\n",
        encoding="utf-8",
    )
    chosen = outlets.select(path)
    urls = ["https://www.xn--bcher-kva.de/a", "https://news.BÜCHER.de/b", "https://bucher.de/"]
    assert chosen.contains_urls(urls) == [True, True, False]
    assert outlets.groups(path)["books"].outlets[0].domain == "xn--bcher-kva.de"


@pytest.mark.parametrize("name", ["☃.net", "a" * 64 + ".example", "ü" * 5000 + ".example", "a..b"])
def test_a_domain_that_does_not_encode_is_kept_or_refused_by_name_never_a_crash(name):
    from ddj.hostvalues import normal_domain

    assert normal_domain(name) == name.lower()
    assert registered_domain(f"https://{name}/x") in (name.lower(), "")
    with pytest.raises(ParameterError, match="is not a"):
        outlets.domain_of(name)


def test_every_page_of_a_registered_domain_carries_one_label():
    pages = pd.DataFrame(
        {
            "url": [
                "https://www.reuters.com/world/a",  # its page named no outlet: the domain
                "https://reuters.com/b",
                "https://uk.reuters.com/c",
                "https://www.latimes.com/d",  # no page names it: the outlet file's name
                "https://www.latimes.com/e",
                "https://blog.unknown.example/f",  # neither: the registered domain
                "https://www.nbcnews.com/g",
                "https://www.nbcnews.com/h",
                "https://www.nbcnews.com/i",
                None,
            ],
            "outlet": ["reuters.com", "Reuters", "Reuters", "latimes.com", "latimes.com",
                       "unknown.example", "NBC News", "MSN", "NBC News", "A name"],
        }
    )  # fmt: skip
    before = pages.copy()
    got = outlets.one_label_per_domain(pages)
    assert got["outlet"].tolist() == [
        "Reuters", "Reuters", "Reuters", "Los Angeles Times", "Los Angeles Times",
        "unknown.example", "NBC News", "NBC News", "NBC News", "A name",
    ]  # fmt: skip
    pd.testing.assert_frame_equal(pages, before)  # the input is not changed


def test_a_users_outlet_file_names_a_domain(tmp_path):
    path = tmp_path / "mine.yml"
    path.write_text(
        "groups:\n  - name: local\n    label: Local\n    description: Ours.\n    outlets:\n"
        "      - {domain: harbour.example, name: The Harbour Post, country: GB, kind: newspaper}\n",
        encoding="utf-8",
    )
    names = outlets.names_by_domain(path)
    frame = pd.DataFrame({"url": ["https://www.harbour.example/a"], "outlet": ["harbour.example"]})
    assert outlets.one_label_per_domain(frame, names)["outlet"].tolist() == ["The Harbour Post"]


def test_pages_served_from_an_ip_address_keep_their_own_names():
    frame = pd.DataFrame(
        {
            "url": ["http://127.0.0.1:8001/a", "http://127.0.0.1:8002/b", "http://[::1]:8003/c"],
            "outlet": ["Outlet 0", "Outlet 1", "Outlet 2"],
        }
    )
    assert outlets.one_label_per_domain(frame)["outlet"].tolist() == [
        "Outlet 0", "Outlet 1", "Outlet 2",
    ]  # fmt: skip
    page = "<html><head><meta property='og:site_name' content='Outlet 0'></head><body><p>x</p></body></html>"
    assert ddj.read_html(page, "http://127.0.0.1:8001/a")["outlet"] == "Outlet 0"


# -- every way in gives one label per registered domain (tables, collect, store appends) ---------


def test_a_table_gets_one_label_per_domain(tmp_path):
    table = tmp_path / "export.csv"
    pd.DataFrame(
        {
            "url": ["https://www.harbourpost.co.uk/a", "https://harbourpost.co.uk/b",
                    "https://sport.harbourpost.co.uk/c", "https://www.latimes.com/d"],
            "outlet": ["The Harbour Post", "The Harbour Post", "Harbour Post Sport", ""],
            "published": ["2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04"],
            "title": ["A", "B", "C", "D"],
        }
    ).to_csv(table, index=False)  # fmt: skip
    corpus = quiet(ddj.load, table, progress=False)
    assert corpus["outlet"].tolist() == ["The Harbour Post"] * 3 + ["Los Angeles Times"]


def _page(name, day):
    words = " ".join(["council", "harbour", "budget", "vote", "river"] * 30)
    return (
        f"<html><head><title>Story of {day}</title><meta property='og:site_name' content='{name}'>"
        f"<meta property='article:published_time' content='2024-05-{day:02d}T08:00:00Z'></head>"
        f"<body><article><h1>Story of {day}</h1><p>{words}.</p><p>{words}.</p></article></body></html>"
    )


def test_a_collect_gets_one_label_per_domain(tmp_path):
    # "localhost" resolves to 127.0.0.1 and is a registered domain of its own (an IP host keeps
    # each page's label: several sites may share one address)
    pages = {"/a": _page("The Harbour Post", 1), "/b": _page("The Harbour Post", 2),
             "/c": _page("Harbour Post Sport", 3)}  # fmt: skip
    server = serve(pages)
    try:
        base = f"http://localhost:{server.server_address[1]}"
        corpus, failures = quiet(
            ddj.collect, urls=[base + p for p in pages], quiet=True, rate=None,
            cache_dir=tmp_path / "cache",
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert failures.empty
    assert corpus["outlet"].tolist() == ["The Harbour Post"] * 3


def test_a_store_append_labels_a_domain_as_the_store_does(tmp_path):
    store = tmp_path / "store"
    first = corpus_of(
        [{"url": "https://www.harbour.example/a", "outlet": "Harbour Post",
          "published": "2024-05-01T08:00Z", "title": "A"}]
    )  # fmt: skip
    quiet(ddj.save, first, store, append=True)
    later = corpus_of(
        [{"url": f"https://harbour.example/{c}", "outlet": "The Harbour Post",
          "published": "2024-05-02T08:00Z", "title": c} for c in "bc"]
        + [{"url": "https://new.example/d", "outlet": "New Times",
            "published": "2024-05-02T08:00Z", "title": "d"}]
    )  # fmt: skip
    quiet(ddj.save, later, store, append=True)
    held = ddj.open(store).to_pandas().sort_values("title")
    assert held["outlet"].tolist() == ["Harbour Post"] * 3 + ["New Times"]
    assert later["outlet"].tolist()[0] == "The Harbour Post"  # the input is not changed
