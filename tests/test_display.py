"""ddj.display (tables for people, hits in context, data notes) and ddj.interactive (clickable chart)."""

import html.parser
import logging
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import ddj
from ddj import display, interactive, intervals

#: Corpus text that tries to run: every place it can go must show it as text.
EVIL = '<script>document.title="pwned"</script><img src=x onerror="alert(1)">'


class _Tags(html.parser.HTMLParser):
    """Every start tag and its attributes, from a piece of HTML (as a browser would parse it)."""

    def __init__(self, text):
        super().__init__()
        self.tags = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _assert_inert(text, allowed=("a", "mark", "span", "small", "br")):
    """No element but the view's own, no event handler, links only to http(s)."""
    for tag, attrs in _Tags(text).tags:
        assert tag in allowed, (tag, text)
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        if tag == "a":
            assert attrs["href"].lower().startswith(("http://", "https://")), attrs


@pytest.fixture(scope="module")
def corpus():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ddj.demo_corpus(n=300)


@pytest.fixture(scope="module")
def cov(corpus):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ddj.coverage(corpus, ["hong_kong", "ukraine"], freq="M")


@pytest.fixture(scope="module")
def hostile():
    rows = [
        {"url": f"https://paper.example/{i}", "date": f"2024-0{1 + i % 3}-1{i % 9}",
         "title": "Hong Kong court hears case", "source_title": "Paper", "text": "Hong Kong court hears case."}
        for i in range(12)
    ]  # fmt: skip
    rows += [
        {"url": "javascript:alert(1)", "date": "2024-02-03", "title": EVIL + " Hong Kong",
         "source_title": EVIL, "text": f"{EVIL} Hong Kong {EVIL}"},
        {"url": 'https://paper.example/"><script>alert(1)</script>', "date": "2024-02-04",
         "title": "Hong Kong", "source_title": "Paper", "text": "Hong Kong"},
        {"url": "https://paper.example/undated", "date": "", "title": "Hong Kong", "source_title": "Paper",
         "text": "Hong Kong"},
        {"url": "http://www.paper.example/1?utm_source=x", "date": "2024-02-11", "title": "Hong Kong",
         "source_title": "Paper", "text": "Hong Kong"},
    ]  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ddj.load(pd.DataFrame(rows))


# -- formatters and table ------------------------------------------------------------------------


def test_formatters_by_column_name_and_dtype():
    frame = pd.DataFrame(
        {
            "period": pd.to_datetime(["2019-06-29 12:00"], utc=True),
            "published_local": pd.to_datetime(["2019-06-29 23:30"]),
            "period_end": pd.Series([pd.NaT], dtype="datetime64[us]"),
            "articles": [1234567],
            "total": pd.array([pd.NA], dtype="Int64"),
            "share": [0.069613],
            "share_low": [0.0],
            "share_high": [1.0],
            "small": [True],
            "gap": [False],
            "ratio": [2.5],
            "outlet": ["Paper"],
        }
    )
    shown = {name: f(frame[name].iloc[0]) for name, f in display.formatters(frame).items()}
    assert shown == {
        "period": "2019-06-29", "published_local": "2019-06-29", "period_end": "",
        "articles": "1,234,567", "total": "", "share": "7.0%", "share_low": "0.0%",
        "share_high": "100.0%", "small": "yes", "gap": "no", "ratio": "2.50",
    }  # fmt: skip


def test_table_is_a_view_of_the_same_frame_escaped(cov):
    frame = cov[["period", "label", "articles", "total", "share"]].head(3).copy()
    frame.loc[0, "label"] = EVIL
    before = frame.copy()
    view = display.table(frame, caption=EVIL)
    assert view.data is frame  # a view, not a second copy
    page = view.to_html()
    assert "<script>" not in page and "&lt;script&gt;" in page and "<img" not in page
    assert "2019-01-01" in page and "%" in page and "00:00:00" not in page
    pd.testing.assert_frame_equal(frame, before)  # not changed
    index = display.table(frame.set_index("label")).to_html()  # index and header escaped too
    assert "<script>" not in index and "&lt;script&gt;" in index
    header = display.table(pd.DataFrame({EVIL: [1]})).to_html()
    assert "<script>" not in header
    repeated = pd.DataFrame([[1, "x", 0.5]], columns=["n", "n", "share"], index=["a"])
    page = display.table(pd.concat([repeated, repeated])).to_html()  # names and rows may repeat
    assert "50.0%" in page and ">x<" in page


def test_long_tables_are_searchable_offline_and_bounded(cov):
    frame = cov.assign(label=EVIL)
    view = display.table(frame)
    assert isinstance(view, display.Searchable) and view.data is frame
    page = view.to_html()
    assert 'document.title="pwned"' not in page and "<img src=x" not in page
    # nothing fetched: the offline template imports no script and loads no file from the web
    assert not re.search(r"""(from\s*|src=|import\()["']?https?://""", page)
    assert "2019-01-01" in page and "%" in page
    assert display.table(frame.head(5)).__class__.__name__ == "Styler"
    big = pd.DataFrame({"n": np.arange(display.MAX_SHOWN_ROWS + 5)})
    shown = display.table(big).to_html()
    assert f"First {display.MAX_SHOWN_ROWS:,} of {len(big):,} rows shown" in shown
    assert f"{display.MAX_SHOWN_ROWS + 4:,}" not in shown  # the rows beyond the cap are left out


# -- kwic ---------------------------------------------------------------------------------------


def test_kwic_marks_the_match_in_a_fixed_window(hostile):
    found = ddj.hits(hostile, "hong_kong", width=200)
    view = display.kwic(found, context=20)
    assert view.data is found
    cells = display.kwic_cells(found, context=20)
    assert len(cells) == len(found)
    for row, hit in zip(cells.itertuples(), found.itertuples(), strict=True):
        assert f"<mark>{hit.matched}</mark>" in row._4
        visible = "".join(_text_of(row._4).split("Hong Kong", 1))
        assert len(visible) <= 2 * 20 + 8  # at most the window each side (and "…" and spaces)
        assert row.published in {"2024-01-10", "2024-01-13", "2024-01-16", "2024-02-11",
                                 "2024-02-14", "2024-02-17", "2024-03-12", "2024-03-15",
                                 "2024-03-18", "2024-02-03", "2024-02-04", ""}  # fmt: skip


def _text_of(fragment):
    parser = html.parser.HTMLParser()
    out = []
    parser.handle_data = out.append
    parser.feed(fragment)
    return "".join(out)


def test_kwic_never_lets_corpus_text_run(hostile):
    found = ddj.hits(hostile, "hong_kong")
    cells = display.kwic_cells(found)
    for column in cells:
        for value in cells[column]:
            _assert_inert(value)
    page = display.kwic(found, searchable=True).to_html()
    assert 'document.title="pwned"' not in page and "<img src=x" not in page
    short = display.kwic(found.head(3), searchable=False).to_html()
    assert "<script>" not in short and "<mark>" in short


@pytest.mark.parametrize(
    ("url", "is_link"),
    [
        ("https://n.example/a", True),
        ("http://n.example/a?b=1&c=2", True),
        ("HTTPS://N.EXAMPLE/", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        (" javascript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("https://n.example/\nonclick=alert(1)", False),
        ("https:alert(1)", False),  # no host
        ("//n.example/a", False),
        (None, False),
        (float("nan"), False),
        ("https://n.example/" + "a" * display.MAX_URL, False),
    ],
)
def test_only_http_addresses_become_links(url, is_link):
    shown = display.link(url, EVIL)
    _assert_inert(shown)
    assert shown.startswith("<a ") is is_link
    assert "&lt;script&gt;" in shown


def test_long_titles_are_cut():
    shown = display.link("https://n.example/", "word " * 100)
    assert len(_text_of(shown)) == display.MAX_TITLE and _text_of(shown).endswith("…")


def test_in_context_cuts_at_words():
    before, after = "one two three four five six ", " seven eight nine ten eleven"
    assert (
        display.in_context(before, "X", after, context=12)
        == "…five six <mark>X</mark> seven eight…"
    )
    assert display.in_context("…" + before, "X", "", context=100).startswith("…one two")
    assert display.in_context(None, "X", None) == "<mark>X</mark>"


def test_kwic_shows_the_text_around_a_match_as_written():
    text = "Officials said China's exports rose (China) and “China” too, in China."
    found = ddj.hits(ddj.corpus.conform([{"url": "u", "text": text}]), "China", fields=["text"])
    shown = [_text_of(c) for c in display.kwic_cells(found, context=200)["in context"]]
    assert shown == [text] * 4  # no space added before 's, ), ” or . nor after ( or “


def test_context_is_checked():
    found = ddj.hits(ddj.corpus.conform([{"url": "u", "text": "Hong Kong"}]), "hong_kong")
    with pytest.raises(ddj.ParameterError, match="context=5"):
        display.kwic(found, context=5)


# -- notes and about ----------------------------------------------------------------------------


def test_notes_keep_data_notes_and_pass_the_rest(caplog):
    notes = display.Notes()
    with pytest.warns(UserWarning, match="something else"), notes:
        warnings.warn(ddj.DroppedRowsWarning("3 rows dropped"), stacklevel=1)
        warnings.warn(ddj.DroppedRowsWarning("3 rows dropped"), stacklevel=1)  # kept once
        warnings.warn("something else", UserWarning, stacklevel=1)
    assert notes.messages == ["3 rows dropped"]
    with caplog.at_level(logging.WARNING, logger="ddj"), notes:  # logs still get them
        warnings.warn(ddj.DroppedRowsWarning("2 undated"), stacklevel=1)
    assert "2 undated" in caplog.text and notes.messages == ["3 rows dropped", "2 undated"]
    with pytest.warns(ddj.DroppedRowsWarning):  # outside a block, code gets every warning
        warnings.warn(ddj.DroppedRowsWarning("outside"), stacklevel=1)
    assert "outside" not in notes.messages


def test_notes_nest():
    notes = display.Notes()
    with notes:
        warnings.warn(ddj.DroppedRowsWarning("outer"), stacklevel=1)
        with notes:
            warnings.warn(ddj.DroppedRowsWarning("inner"), stacklevel=1)
        warnings.warn(ddj.DroppedRowsWarning("after"), stacklevel=1)
    assert notes.messages == ["inner", "outer", "after"]


def test_notes_pass_errors_through():
    notes = display.Notes()
    with pytest.raises(ddj.ParameterError), notes:
        warnings.warn(ddj.DroppedRowsWarning("before the error"), stacklevel=1)
        ddj.coverage(ddj.corpus.empty(), ["hong_kong"], freq="fortnightly")
    assert notes.messages == ["before the error"]


def test_about_counts_what_was_dropped(hostile):
    notes = display.Notes()
    with notes:
        ddj.coverage(hostile, ["hong_kong"], freq="M")
    text = display.about(hostile, notes).text
    problems = ddj.problems(hostile)
    assert len(problems) == 2  # one undated row, one duplicate (counted here by hand)
    assert text.startswith(f"**About this data.** {len(hostile)} articles; 1 without a date")
    assert "1 duplicate dropped" in text and "ddj.problems(articles)" in text
    assert "have no publication date and are not counted" in text  # coverage's note, kept


def test_about_counts_page_types_and_escapes_notes():
    kinds = ["article", "paywall", "paywall", "consent"]
    rows = [
        {"url": f"https://n.example/{i}", "title": "t", "page_type": k} for i, k in enumerate(kinds)
    ]
    corpus = ddj.corpus.conform(rows)
    notes = display.Notes()
    notes.messages.append("<b>**bold**</b> [link](javascript:x)")
    text = display.about(corpus, notes).text
    assert text.startswith(
        "**About this data.** 4 pages or rows, 1 of them articles; 4 without a date"
    )
    assert "3 not articles (paywall 2, consent 1; not counted)" in text
    assert text.count("not article") == 1  # the problem list's rows for them are not counted twice
    assert "<b>" not in text and "\\*\\*bold" in text and "\\[link\\]" in text


# -- interactive --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("freq", "tz", "by"), [("M", "UTC", None), ("W", "Europe/London", None), ("Q", "UTC", "outlet")]
)
def test_period_articles_are_what_coverage_counted(corpus, freq, tz, by):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ddj.DroppedRowsWarning)
        cov = ddj.coverage(corpus, ["ukraine"], freq=freq, tz=tz, by=by)
    flags = ddj.match(corpus, ["ukraine"])["ukraine"]
    ids = set(ddj.hits(corpus, "ukraine")["id"])
    for row in cov.itertuples():
        got = interactive.period_articles(
            corpus, flags, row.period, freq=freq, tz=tz, outlet=getattr(row, "outlet", None)
        )
        assert len(got) == row.articles
        assert set(got["id"]) <= ids  # every one has a hit to show
    # by hand, one month: the hits published in it (UTC)
    found = ddj.hits(corpus, "ukraine")
    busiest = found["published"].dt.strftime("%Y-%m").value_counts().index[0]
    month = found[found["published"].dt.strftime("%Y-%m") == busiest]["id"].nunique()
    got = interactive.period_articles(corpus, flags, f"{busiest}-01", freq="M")
    assert len(got) == month > 0


def test_clickable_chart_has_the_published_tooltips_and_a_selection(cov):
    spec = interactive.clickable_chart(cov).to_dict()
    assert [p["name"] for p in spec["params"]] == ["pick"]
    titles = [t["title"] for t in spec["layer"][1]["encoding"]["tooltip"]]
    assert {"Articles", "All articles", "Share", "95% CI of the share", "Headlines"} <= set(titles)
    assert len(titles) == len(set(titles))  # vega-tooltip keys by title: one would hide another
    values = next(iter(spec["datasets"].values()))
    row = next(v for v in values if v["articles"] > 0)
    low, high = intervals.wilson(row["articles"], row["total"])
    assert row["interval"] == f"{low:.1%}".rstrip("%") + "\u2013" + f"{high:.1%}"
    heat = interactive.clickable_chart(cov, kind="heatmap").to_dict()
    assert heat["params"][0]["select"]["fields"] == ["day", "topic"]
    assert "synthetic demo data" in str(spec["title"]).lower()


def _labels_by_day(spec):
    return {
        r["day"]: r["period_label"]
        for d in spec["datasets"].values()
        for r in d
        if "period_label" in r and "day" in r
    }


@pytest.mark.parametrize(
    ("freq", "day", "label"),
    [("M", "2019-02-01", "February 2019"), ("W", "2019-02-04", "Week of 4 February 2019"),
     ("Q", "2019-04-01", "Second quarter of 2019"), ("Y", "2019-01-01", "2019"),
     ("D", "2019-02-05", "5 February 2019")],
)  # fmt: skip
def test_the_clickable_chart_dates_its_tooltips_as_the_published_chart(corpus, freq, day, label):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cov = ddj.coverage(corpus, ["hong_kong"], freq=freq, start="2019-01-01", end="2019-12-31")
        published = _labels_by_day(ddj.chart(cov).to_dict())
    clickable = _labels_by_day(interactive.clickable_chart(cov).to_dict())
    assert clickable[day] == published[day] == label  # was "01 Feb 2019" in the explorer
    assert clickable == {d: published[d] for d in clickable}
    bare = cov.copy()  # read back from a file: no attrs, the periods' length gives the freq
    bare.attrs = {}
    assert _labels_by_day(interactive.clickable_chart(bare).to_dict())[day] == label


def test_explorer_lists_the_period_clicked(hostile):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ddj.DroppedRowsWarning)
        cov = ddj.coverage(hostile, ["hong_kong"], freq="M")
        box = interactive.explorer(hostile, ["hong_kong"], cov)
    chart, listing = box.children
    from altair.jupyter.jupyter_chart import PointSelection

    ms = pd.Timestamp("2024-02-01").value // 10**6  # Vega sends a temporal field in ms
    clicked = PointSelection(name="pick", value=[{"day": ms, "topic": "hong_kong"}], store=[])
    chart.selections._set_value("pick", clicked)
    feb = cov[cov["period"] == "2024-02-01"]["articles"].iloc[0]
    assert (
        f"February 2024 (period from 2024-02-01): <span class='ddj-count'>{feb} articles</span>"
        in listing.value
    )
    assert listing.value.count("<tr>") == feb
    body = listing.value.split("</style>", 1)[1]
    _assert_inert(body, allowed=("a", "mark", "span", "small", "br", "p", "b", "table", "tr", "td"))
    assert "&lt;script&gt;" in body and "<mark>Hong Kong</mark>" in body


def test_search_shows_a_syntax_error_as_text(corpus):
    bad = interactive.search(corpus, '"hong kong AND court')
    assert bad.hits is None and bad.error.splitlines()[-1].strip() == "^"
    assert "position 0" in bad.summary()
    with pytest.warns(ddj.DroppedRowsWarning, match="no publication date"):  # no notes: as ever
        good = interactive.search(corpus, '"hong kong" AND court', freq="M")
    assert len(good.hits) == len(ddj.hits(corpus, '"hong kong" AND court'))
    assert good.coverage is not None and good.coverage.attrs["freq"] == "M"
    nothing = interactive.search(corpus, "zzzunheardof")
    assert nothing.summary().startswith("0 hits in 0 articles") and nothing.coverage is None
    near = interactive.search(corpus, "hongkong")  # issue 23: a near miss, said as text
    assert near.hits is None and "reads as the topic 'hong_kong'" in near.error


def test_search_displays_without_a_traceback(corpus, capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shown = []
    shell.display_pub.publish = lambda data, **kw: shown.append(data)
    try:
        interactive.search(corpus, "(hong AND <kong>")._ipython_display_()
    finally:
        InteractiveShell.clear_instance()
    [error] = shown
    assert error["text/html"].startswith("<pre class='ddj-query-error'>Query syntax error")
    assert "&lt;kong&gt;" in error["text/html"] and "Traceback" not in str(shown)


def test_period_articles_leave_out_what_coverage_leaves_out(corpus):
    """Pages that are not articles are not counted by coverage, nor listed for a period."""
    marked = corpus.assign(
        page_type=np.where(np.arange(len(corpus)) % 5 == 0, "paywall", "article")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ddj.DroppedRowsWarning)
        cov = ddj.coverage(marked, ["ukraine"], freq="M")
        flags = ddj.match(marked, ["ukraine"])["ukraine"]
        box = interactive.explorer(marked, ["ukraine"], cov)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the explorer adds no note of its own to the notebook
        box.show(cov["period"].iloc[-1], "ukraine")
        interactive.explorer(marked, ["ukraine"], cov)
    listed = [len(interactive.period_articles(marked, flags, p, freq="M")) for p in cov["period"]]
    assert listed == cov["articles"].tolist()
    every = ddj.match(marked, ["ukraine"], pages="all")["ukraine"].sum()
    assert sum(listed) < every


# -- health -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def broken_feed():
    """Two outlets, 20 articles a week each, one silent for three weeks (its scraper broke)."""
    rows = []
    for week in range(30):
        for outlet in ("Steady Times", EVIL):
            if outlet == EVIL and 15 <= week < 18:
                continue
            for k in range(20):
                day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=7 * week + k % 7)
                rows.append({"url": f"https://{len(outlet)}.example/{week}/{k}",
                             "date": f"{day:%Y-%m-%d}", "title": "News", "source_title": outlet})  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ddj.load(pd.DataFrame(rows))


def test_health_view_shows_the_silent_weeks(broken_feed):
    from IPython.core.interactiveshell import InteractiveShell

    health = ddj.health(broken_feed, freq="W")
    silent = health[health["status"] == "silent"]
    assert len(silent) == 3 and set(silent["outlet"]) == {EVIL}  # what ddj.health found
    view = display.health_view(health)
    assert view.data is health and view.left_out == 0
    import altair as alt

    renderer = alt.renderers.active
    shell = InteractiveShell.instance()
    shown = []
    shell.display_pub.publish = lambda data, **kw: shown.append(data)
    try:
        view._ipython_display_()
    finally:
        InteractiveShell.clear_instance()
        alt.renderers.enable(renderer)  # the view chose ddj's offline SVG, as ddj.chart does
    summary, chart, flagged = shown
    assert "silent" in summary["text/markdown"] and "<script>" not in summary["text/markdown"]
    svg = chart["image/svg+xml"]  # drawn offline, the outlet's name as text
    assert "<script" not in svg and "&lt;script&gt;" in svg
    page = flagged["text/html"]
    assert page.count("silent") == 3 and "&lt;script&gt;" in page and "<script>" not in page
    assert "2024-04-15" in page  # week 15, the first silent one, as a date


def test_health_chart_keeps_the_busiest_outlets(broken_feed, monkeypatch):
    from ddj.display import health as module

    health = ddj.health(broken_feed, freq="W")
    monkeypatch.setattr(module, "MAX_CELLS", health["period"].nunique())  # room for one outlet
    chart, left_out = module.health_chart(health)
    outlets = {row["outlet"] for row in chart.to_dict()["data"]["values"]}
    assert outlets == {"Steady Times"} and left_out == 1  # it has more articles
    with pytest.raises(ddj.SchemaError, match="ddj.health"):
        module.health_chart(health.drop(columns="status"))


@pytest.mark.parametrize(("kind", "by"), [("heatmap", None), ("line", "outlet")])
def test_a_heatmap_cell_or_an_outlets_point_lists_its_articles(corpus, kind, by):
    from altair.jupyter.jupyter_chart import PointSelection

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ddj.DroppedRowsWarning)
        cov = ddj.coverage(corpus, ["ukraine", "hong_kong"], freq="Q", by=by)
        box = interactive.explorer(corpus, ["ukraine", "hong_kong"], cov, kind=kind)
    row = cov[cov["topic"] == "hong_kong"].sort_values("articles").iloc[-1]
    point = {"day": f"{row['period']:%Y-%m-%d}", "topic": "hong_kong"}  # an ordinal day: text
    if by:
        point["outlet"] = row["outlet"]
    box.children[0].selections._set_value(
        "pick", PointSelection(name="pick", value=[point], store=[])
    )
    assert f"<span class='ddj-count'>{row['articles']:,} articles</span>" in box.children[1].value
    assert box.children[1].value.count("<tr>") == min(row["articles"], interactive.MAX_LISTED)


def test_searchable_tables_format_the_index_and_repeated_names():
    frame = pd.DataFrame({"a": np.arange(30) * 1000, "b": ["<x>"] * 30})
    frame.columns = ["n", "n"]  # one name, two kinds
    frame.index = pd.date_range("2024-01-01", periods=30, tz="UTC", name="published")
    page = display.table(frame).to_html()
    assert "2024-01-30" in page and "00:00:00" not in page  # the index's dates as dates
    assert "29,000" in page and "&lt;x&gt;" in page and "<x>" not in page
    assert '"className": "dt-left", "targets": [2]' in page  # text left, numbers and dates right


def test_setup_formats_every_frame_and_shows_data_warnings_as_notes():
    """``ddj.display.setup()``: a user's own notebook gets ddj's tables and notes with one call."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shown = []
    shell.display_pub.publish = lambda data, **kw: shown.append(data)
    before = warnings.showwarning
    frame = pd.DataFrame({
        "period": pd.to_datetime(["2019-06-29", "2019-07-06"], utc=True),
        "articles": [12345, 2], "share": [0.069613, 0.5], "title": ["<b>x</b>", "y"],
    })  # fmt: skip
    passed = []
    try:
        warnings.showwarning = lambda message, *args, **kw: passed.append(str(message))
        notes = display.setup(searchable=False)
        html = shell.display_formatter.format(frame)[0]["text/html"]
        long_html = shell.display_formatter.format(pd.DataFrame({"n": range(500)}))[0]["text/html"]
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.showwarning = (
                warnings.showwarning
            )  # the one setup() installed, kept in the block
            warnings.warn(ddj.DroppedRowsWarning("Dropped 2 rows <without> a date"), stacklevel=1)
            warnings.warn(UserWarning("not ddj's"), stacklevel=1)
    finally:
        warnings.showwarning = before
        InteractiveShell.clear_instance()
    assert "7.0%" in html and "2019-06-29" in html and "12,345" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x" not in html
    assert "First 60 of 500 rows shown" in long_html and long_html.count("<tr") == 61
    [note] = [d["text/markdown"] for d in shown if "text/markdown" in d]
    assert note.startswith("**Data note.** Dropped 2 rows") and "<without>" not in note
    assert notes.messages == ["Dropped 2 rows <without> a date"]
    assert passed == ["not ddj's"]  # other warnings shown as ever


def test_clickable_chart_colours_topics_as_the_published_chart_and_labels_ticks_apart(corpus):
    topics = ["hong_kong", "ukraine", "taiwan", "cyberespionage"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ddj.DdjWarning)
        cov = ddj.coverage(corpus, topics, freq="M")
    spec = interactive.clickable_chart(cov).to_dict()
    color = spec["layer"][0]["encoding"]["color"]
    published = ddj.chart(cov).to_dict()
    order = next(
        c["sort"] for c in _colour_encodings(published) if c.get("field") == "label" and "sort" in c
    )
    assert color["scale"]["domain"] == order == color["sort"]  # the same order as ddj.chart
    assert (
        color["scale"]["range"] == ddj.constants.PALETTE[: len(order)]
    )  # the theme's category range
    assert published["config"]["range"]["category"][: len(order)] == color["scale"]["range"]
    # ticks from 0 to a top share under 5%: '.1%' tells 0.8%, 1.6%, ... apart ('.0%' gave 1%, 1%, 2%)
    small = cov.assign(share=cov["share"] * 0.035 / cov["share"].max())
    y = interactive.clickable_chart(small).to_dict()["layer"][0]["encoding"]["y"]["axis"]["format"]
    assert y == ".1%"
    ticks = [f"{v:{y[1:]}}" for v in np.linspace(0, 0.035, 5)]
    assert len(set(ticks)) == len(ticks)


def test_explorer_lists_articles_under_the_chart_at_any_number_of_topics(corpus):
    import ipywidgets

    topics = ["hong_kong", "ukraine", "taiwan", "cyberespionage"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ddj.DdjWarning)
        cov = ddj.coverage(corpus, topics, freq="M")
        box = interactive.explorer(corpus, topics, cov)
    assert isinstance(box, ipywidgets.VBox)  # a column: the list never beside a wide chart
    assert box.children[1].layout.width == "100%"


def _colour_encodings(spec):
    """Every ``color`` encoding in a Vega-Lite spec, however its layers and concatenations nest."""
    if isinstance(spec, dict):
        colour = (
            spec.get("encoding", {}).get("color")
            if isinstance(spec.get("encoding"), dict)
            else None
        )
        if isinstance(colour, dict):
            yield colour
        for value in spec.values():
            yield from _colour_encodings(value)
    elif isinstance(spec, list):
        for item in spec:
            yield from _colour_encodings(item)


def test_health_chart_of_a_long_tail_shows_at_most_max_outlets():
    from ddj.display import health as module

    rows = [
        {"url": f"https://o{i}.example/{k}", "outlet": f"Outlet {i:03d}", "published": "2024-05-01"}
        for i in range(module.MAX_OUTLETS + 25)
        for k in range(1 + i % 3)
    ]
    health = ddj.health(ddj.corpus.conform(rows), freq="M")
    chart, left_out = module.health_chart(health)
    outlets = {row["outlet"] for row in chart.to_dict()["data"]["values"]}
    assert len(outlets) == module.MAX_OUTLETS and left_out == 25


def test_a_long_hits_table_embeds_the_first_rows_and_says_how_to_have_all():
    text = "Hong Kong. " * 3
    rows = [{"url": f"https://n.example/{i}", "title": f"T{i}", "text": text} for i in range(200)]
    found = ddj.hits(ddj.corpus.conform(rows), "hong_kong", fields=["text"])
    assert len(found) == 600 > display.MAX_SHOWN_ROWS == 500
    page = display.kwic(found).to_html()
    assert "First 500 of 600 hits shown; the frame holds them all" in page
    assert "ddj.hits(corpus, topic)</code> gives every hit" in page and "hits.csv" in page
    assert "T166" in page and "T167" not in page  # three hits an article: the first 500 rows
