"""The method files beside a chart (slug.method.json, slug.method.md) and its static sizes."""

import io
import json
import warnings

import pytest

import ddj
from ddj.constants import PROBLEMS_ATTR, VERSION
from ddj.corpus import conform
from ddj.errors import ParameterError
from ddj.method import method, method_markdown
from ddj.notebooks import fingerprint
from ddj.problem_rows import problem
from ddj.sizes import SOCIAL_CARD, print_width

Image = pytest.importorskip("PIL.Image")
mistune = pytest.importorskip("mistune")

HOSTILE_OUTLET = "[click](javascript:alert(1)) <img src=x onerror=alert(2)>"
HOSTILE_QUERY = '"Hong Kong" OR "<script>alert(3)</script>" OR "[x](http://evil.example)"'


def _rows():
    rows = []
    for month in range(1, 13):  # A: 6 articles a month, 1 about Hong Kong (3 in July)
        for i in range(6):
            title = "Hong Kong vote" if i == 0 or (month == 7 and i < 3) else "Budget"
            rows.append(
                {"published": f"2024-{month:02d}-{i + 2:02d}T10:00Z", "title": title, "outlet": "A"}
            )
        rows.append(
            {
                "published": f"2024-{month:02d}-20T10:00Z",
                "title": "Weather",
                "outlet": HOSTILE_OUTLET,
            }
        )
    rows += [
        {"published": "2024-03-03T10:00Z", "title": "Hong Kong: subscribe", "outlet": "A", "page_type": "paywall"},
        {"published": "2024-03-04T10:00Z", "title": "Just a moment", "outlet": "A", "page_type": "blocked"},
        {"published": "2024-03-05T10:00Z", "title": "Hong Kong guess", "outlet": "A", "published_from": "htmldate"},
        {"published": None, "title": "Hong Kong undated", "outlet": "A"},
    ]  # fmt: skip
    return rows


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A corpus built here, its coverage and chart, and the bundle ``ddj.publish`` wrote of them."""
    rows = _rows()
    site = {"A": "a.example", HOSTILE_OUTLET: "b.example"}  # one outlet a site, as a store keeps it
    corpus = conform([{"url": f"https://{site[r['outlet']]}/{i}", **r} for i, r in enumerate(rows)])
    corpus.attrs[PROBLEMS_ATTR] = [
        problem(
            "duplicate", "b.html", "duplicate of https://a.example/0", url="https://a.example/0"
        ),
        problem(
            "duplicate", "c.html", "duplicate of https://a.example/1", url="https://a.example/1"
        ),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cov = ddj.coverage(corpus, {"hong_kong": HOSTILE_QUERY}, freq="M", min_confidence="medium")
        chart = ddj.chart(
            cov, title="Hong Kong in A", source="A and others", intervals=True, spikes=True
        )
        out = tmp_path_factory.mktemp("published")
        paths = ddj.publish(chart, out, "hk", data=cov, corpus=corpus, social=True, print_mm=85)
        spikes = ddj.spikes(cov)
    return corpus, cov, chart, paths, spikes


def test_method_json_holds_what_the_calls_returned(made):
    corpus, cov, chart, paths, spikes = made
    record = json.loads(paths["method"].read_text(encoding="utf-8"))
    assert record["queries"] == {"hong_kong": HOSTILE_QUERY}  # as counted
    assert record["ddj_version"] == VERSION
    fp = fingerprint(corpus)  # what an executed notebook's header prints
    assert (
        (record["corpus"]["rows"], record["corpus"]["sha256"])
        == (fp["rows"], fp["sha256"])
        == (len(corpus), fp["sha256"])
    )
    # counted by hand: 12 months x 7 articles, plus the one sure-enough extra... the low-confidence
    # date (htmldate) is left out with min_confidence="medium"; the paywall and bot page by type.
    assert record["counted"]["other_page_types"] == {"paywall": 1, "blocked": 1}
    assert record["counted"]["unsure_dates"] == 1
    assert record["counted"]["undated"] == 1
    assert (
        record["counted"]["rows"] == 12 * 7 + 1
    )  # articles of a sure enough date, and the undated one
    assert record["corpus"]["outlets"] == {"A": 72, HOSTILE_OUTLET: 12}
    assert int(cov["total"].sum()) == 84 == sum(record["corpus"]["outlets"].values())
    assert (record["corpus"]["first_article"], record["corpus"]["last_article"]) == (
        "2024-01-02",
        "2024-12-20",
    )
    assert record["duplicates"]["dropped_loading"] == 2
    assert record["corpus"]["problems"] == {"duplicate": 2}
    assert record["gaps"] == cov.attrs["gaps"]
    assert record["interval"] == {"method": "Wilson score interval", "confidence": 0.95}
    assert record["spikes"]["method"] == spikes.attrs["method"]
    assert record["spikes"]["parameters"] == {
        "test": "beta-binomial",
        "history": 52,
        "window": 8,
        "alpha": 0.01,
        "min_ratio": 1.5,
        "confidence": 0.95,
    }
    assert record["periods"] == {
        "freq": "M",
        "tz": "UTC",
        "start": None,
        "end": None,
        "by": None,
        "rolling": None,
    }
    assert record["title"] == "Hong Kong in A"


def test_method_of_a_store_matches_the_frame(made, tmp_path):
    corpus, cov, chart, _, _ = made
    ddj.save(corpus, tmp_path / "store", append=True)
    store = ddj.open(tmp_path / "store")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_store = ddj.coverage(
            store, {"hong_kong": HOSTILE_QUERY}, freq="M", min_confidence="medium"
        )
    a, b = method(cov, chart.to_dict(), corpus), method(from_store, chart.to_dict(), store)
    for key in ("queries", "counted", "gaps", "interval", "spikes", "periods"):
        assert a[key] == b[key], key
    assert a["corpus"]["outlets"] == b["corpus"]["outlets"]
    assert b["corpus"]["rows"] == a["corpus"]["rows"]  # a store keeps rows by month: its own digest
    assert b["corpus"]["sha256"] == fingerprint(store)["sha256"]


def test_method_markdown_reads_as_written_for_a_desk_editor():
    """The raw note keeps ordinary punctuation (U.S., Hong Kong's); only what acts is escaped."""
    record = {
        "title": "Hong Kong's vote, 2024-25 (U.S. view) | Desk",
        "queries": {"hong_kong": '"Hong Kong" OR HK'},
        "corpus": {"outlets": {"U.S. News & World Report": 3, "www.evil.example *x*": 1}},
    }
    note = method_markdown(record)
    assert "# Method: Hong Kong's vote, 2024-25 (U.S. view) | Desk\n" in note
    assert "U.S. News & World Report (3), www\\.evil.example \\*x\\* (1)" in note
    cmarkgfm = pytest.importorskip("cmarkgfm")
    html = cmarkgfm.github_flavored_markdown_to_html(note)  # as GitHub shows the file
    assert "<a " not in html and "<em>" not in html and "<table" not in html
    assert "Hong Kong's vote, 2024-25 (U.S. view) | Desk</h1>" in html.replace("&#39;", "'")


def test_method_markdown_shows_corpus_text_as_written_never_as_links_or_html(made):
    _, _, _, paths, _ = made
    note = paths["method_md"].read_text(encoding="utf-8")
    html = mistune.create_markdown(escape=False)(note)  # as nbconvert renders Markdown
    assert "<a " not in html and "<img" not in html and "<script" not in html
    assert "onerror=alert(2)&gt;" in html  # the outlet's text is there, as text
    assert "evil.example" in html and "Wilson score interval" in html
    assert "fingerprint" in note and f"ddj {VERSION}" in html


def test_method_markdown_of_a_record_without_a_corpus():
    note = method_markdown({"queries": {"t": "a"}, "counted": {"pages": "all"}})
    assert "## Corpus" in note and "fingerprint" not in note


def test_social_card_is_1200_by_675_and_keeps_the_texts(made):
    _, _, _, paths, _ = made
    image = Image.open(io.BytesIO(paths["social"].read_bytes()))
    assert image.size == SOCIAL_CARD
    spec = paths["spec"].read_text(encoding="utf-8")
    svg = paths["svg"].read_text(encoding="utf-8")  # the drawing the card is made of
    for text in ("Hong Kong in A", "A and others", "Wilson"):
        assert text in spec and text in svg
    grey = image.convert("L")
    assert grey.getextrema()[0] < 100  # something is drawn on it, not a blank card


def test_print_png_is_the_column_width_at_300_dpi(made):
    _, _, _, paths, _ = made
    image = Image.open(io.BytesIO(paths["print"].read_bytes()))
    assert image.size[0] == round(85 / 25.4 * 300) == 1004
    assert round(image.info["dpi"][0]) == 300
    svg_w, svg_h = (
        int(v)
        for v in paths["svg"].read_text()[:400].split('width="')[1].split('"')[:1]
        + paths["svg"].read_text()[:400].split('height="')[1].split('"')[:1]
    )
    assert abs(image.size[1] - 1004 * svg_h / svg_w) <= 1
    article = Image.open(io.BytesIO(paths["png"].read_bytes()))
    assert article.size == (2 * svg_w, 2 * svg_h)  # the article's PNG is 2x


@pytest.mark.parametrize("mm", [0, -5, "85", True, 10_000, float("nan")])
def test_bad_print_width_is_refused(mm):
    with pytest.raises(ParameterError, match="print_mm"):
        print_width(mm)


def test_print_width_is_exact():
    assert [print_width(mm) for mm in (25.4, 50.8, 60, 85, 120)] == [300, 600, 709, 1004, 1417]
