import json
import re
import warnings
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

import ddj
from ddj.charts import chart, load_events


def cov_frame(
    n=6,
    topics=("hong_kong", "ukraine"),
    outlets=None,
    freq="W",
    partial_last=True,
    demo=False,
    total=10,
):
    """Period i has i tenths of ``total`` matching (10: every share on too few articles to quote)."""
    rows = []
    days = pd.date_range("2024-09-30", periods=n, freq="7D")
    for t in topics:
        for o in outlets or [None]:
            for i, d in enumerate(days):
                row = {
                    "period": d,
                    "period_end": d + pd.Timedelta(days=6),
                    "topic": t,
                    "label": t.replace("_", " ").title(),
                }
                if o:
                    row["outlet"] = o
                row.update(
                    articles=i * total // 10,
                    total=total,
                    share=i / 10,
                    partial=partial_last and i == n - 1,
                    examples="A | B",
                )
                rows.append(row)
    frame = pd.DataFrame(rows)
    frame["period"] = frame["period"].astype("datetime64[us]")
    frame.attrs["freq"] = freq
    if demo:
        frame.attrs["ddj_demo"] = "synthetic demo data"
    return frame


def layers(spec):
    """Every unit spec inside a (v)concat/layer/facet spec."""
    out = []
    stack = [spec]
    while stack:
        s = stack.pop()
        for key in ("vconcat", "hconcat", "concat", "layer"):
            stack.extend(s.get(key, []))
        if "spec" in s:
            stack.append(s["spec"])
        if "mark" in s:
            out.append(s)
    return out


def test_line_chart_structure():
    spec = chart(cov_frame(), title="Coverage", subtitle="Weekly", source="Media monitor").to_dict()
    assert spec["title"]["text"] == "Coverage" and spec["title"]["anchor"] == "start"
    units = layers(spec)
    marks = [u["mark"]["type"] if isinstance(u["mark"], dict) else u["mark"] for u in units]
    assert (
        "line" in marks and "point" in marks and "text" in marks
    )  # lines, partial points, source line
    line = next(
        u
        for u in units
        if (u["mark"]["type"] if isinstance(u["mark"], dict) else u["mark"]) == "line"
    )
    assert (
        line["encoding"]["x"]["field"] == "day" and line["encoding"]["x"]["scale"]["type"] == "utc"
    )
    assert line["encoding"]["y"]["axis"]["format"] == ".0%"
    data = next(iter(spec["datasets"].values()))
    assert data[0]["day"] == "2024-09-30"  # day strings: no time zone can shift them
    dashed = [u for u in units if isinstance(u["mark"], dict) and u["mark"].get("strokeDash")]
    assert dashed, "partial periods get a dashed segment"
    foot = [d for d in spec["datasets"].values() if d and "line" in d[0]][0]
    assert any(r["line"] == "Source: Media monitor" for r in foot)
    tooltips = {
        t["title"]
        for u in units
        for t in u.get("encoding", {}).get("tooltip", [])
        if isinstance(t, dict)
    }
    assert {"Period", "Topic", "Articles", "All articles", "Share", "Headlines"} <= tooltips


def test_demo_chart_says_synthetic():
    spec = chart(cov_frame(demo=True)).to_dict()
    text = json.dumps(spec)
    assert "synthetic demo data" in text.lower()


@pytest.mark.parametrize("kind", ["heatmap", "area", "small-multiples"])
def test_other_kinds(kind):
    frame = cov_frame(outlets=["A", "B"]) if kind == "small-multiples" else cov_frame()
    spec = chart(frame, kind=kind, metric="articles" if kind == "area" else "share").to_dict()
    text = json.dumps(spec)
    assert {"heatmap": '"rect"', "area": '"area"', "small-multiples": '"facet"'}[kind] in text


def _extents(placed, frame, width):
    from ddj.charts import CHAR_PX, _tidy

    first, last = pd.Timestamp("2024-09-30"), pd.Timestamp(_tidy(frame)["day"].max())
    out = []
    for row in placed.itertuples():
        x = (pd.Timestamp(row.day) - first) / (last - first) * width
        w = CHAR_PX * len(row.label) + 4
        out.append((row.row, *((x + 4, x + 4 + w) if row.align == "left" else (x - 4 - w, x - 4))))
    return out


@pytest.mark.parametrize("every", ["9D", "25D"])
def test_event_labels_never_overlap_while_rows_last(every):
    from ddj.charts import MAX_LANES, _placed_events, _tidy

    frame = cov_frame(n=30)  # 2024-09-30 .. 2025-04-21, weekly
    days = pd.date_range("2024-10-07", "2025-04-01", freq=every).strftime("%Y-%m-%d")
    events = pd.DataFrame(
        {"date": days, "label": [f"Event number {i:02d}, long" for i in range(len(days))]}
    )
    placed = _placed_events(events, _tidy(frame), 640)
    assert len(placed) == len(days) and placed["row"].max() < MAX_LANES  # nothing dropped
    extents = _extents(placed, frame, 640)
    assert all(a >= 0 and b <= 640 for _, a, b in extents)  # each label inside the plot
    clashes = [
        (p, q) for i, p in enumerate(extents) for q in extents[i + 1 :]
        if p[0] == q[0] and p[1] < q[2] and q[1] < p[2]
    ]  # fmt: skip
    rows_needed = placed["row"].max() + 1
    if every == "25D":  # sparse enough for the rows: no label touches another
        assert clashes == [] and rows_needed <= 3
    else:  # too crowded for four rows: every label still drawn, clashes spread over the rows
        assert rows_needed == MAX_LANES and len(clashes) < len(days)


def test_event_labels_sit_above_the_data_with_a_halo():
    frame = cov_frame(n=8)
    spec = chart(frame, events=pd.DataFrame({"date": ["2024-10-18"], "label": ["Visit"]})).to_dict()
    text = json.dumps(spec)
    assert '"domainMax"' in text  # headroom for the label rows above the highest value
    assert '"stroke": "#ffffff"' in text  # labels keep readable where they cross a line


def test_events_drawn_and_filtered_by_topic():
    frame = cov_frame(n=8)
    events = pd.DataFrame(
        {
            "date": ["2024-10-18", "2024-10-01", "2023-01-01"],
            "label": ["Visit", "Taiwan thing", "Old"],
            "topic": [None, "taiwan", None],
        }
    )
    spec = chart(frame, events=events).to_dict()
    labels = [
        r["label"]
        for d in spec["datasets"].values()
        for r in d
        if "label" in r and "day" in r and "articles" not in r
    ]
    assert "Visit" in labels and "Taiwan thing" not in labels and "Old" not in labels
    shipped = load_events("default")
    assert {"2024-10-18", "2022-02-24", "2020-06-30"} <= set(shipped["day"])


def test_bad_input():
    with pytest.raises(ddj.SchemaError, match="lacks"):
        chart(pd.DataFrame({"period": [1]}))
    with pytest.raises(ddj.SchemaError, match="empty"):
        chart(cov_frame().head(0))
    with pytest.raises(ddj.ParameterError, match="metric"):
        chart(cov_frame(), metric="mentions")
    with pytest.raises(ddj.ParameterError, match="kind"):
        chart(cov_frame(), kind="pie")
    with pytest.raises(ddj.InputError, match="no such events file"):
        chart(cov_frame(), events="missing.csv")
    with pytest.raises(ddj.SchemaError, match="do not parse"):
        chart(cov_frame(), events=pd.DataFrame({"date": ["soon"], "label": ["x"]}))


def test_an_events_file_that_is_a_fifo_or_a_device_is_refused_not_read(tmp_path):
    from tests.hostile_files import fifo, finishes

    pipe = fifo(tmp_path / "events.csv")
    with pytest.raises(ddj.InputError, match=r"events\.csv: a named pipe \(FIFO\), not a regular"):
        finishes(lambda: load_events(pipe), [pipe])
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    with pytest.raises(ddj.InputError, match=r"a link to /dev/zero, a character device"):
        load_events(tmp_path / "zero.csv")


def test_too_many_rows_are_grouped_not_an_error():
    frame = cov_frame(n=2000, topics=("a", "b", "c"), freq="D")
    with pytest.warns(ddj.DdjWarning, match="grouped by"):
        spec = chart(frame).to_dict()
    biggest = max(len(d) for d in spec["datasets"].values())
    assert biggest <= 5000


def test_theme_registered():
    assert "ddj" in alt.theme.names()
    with alt.theme.enable("ddj"):
        spec = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x").to_dict()
    assert spec["config"]["title"]["anchor"] == "start"
    assert spec["config"]["range"]["category"][0] == "#0072B2"


def test_input_not_mutated():
    frame = cov_frame()
    before = frame.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chart(frame, kind="heatmap")
    pd.testing.assert_frame_equal(frame, before)


def test_any_text_charts_and_renders_offline():
    """Controls, U+2028 and surrogates in a chart's text: ddj.chart and the notebook renderer draw it."""
    from ddj.charts import _svg_renderer
    from ddj.publishing import publishable

    frame = cov_frame().astype({"label": object})
    frame["label"] = pd.Series(
        [f"{v}\u2028\x00\ud800" for v in frame["label"]], index=frame.index, dtype=object
    )
    spec = chart(
        frame,
        title="a\x00b\u2029c",
        events=pd.DataFrame({"date": ["2024-10-07"], "label": ["e\x1f"]}),
    ).to_dict()
    assert spec["title"]["text"] == publishable("a\x00b\u2029c") == "a b c"
    assert "Hong Kong  \ufffd" in json.dumps(spec, ensure_ascii=False)
    assert frame["label"].iloc[0] == "Hong Kong\u2028\x00\ud800"  # the frame given is unchanged
    foreign = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q")
    drawn = _svg_renderer(
        foreign.properties(title="raw\x00altair\u2028").to_dict()
    )  # aborted before
    assert "<svg" in drawn["image/svg+xml"] and "raw altair " in drawn["image/svg+xml"]


_KERNEL_PROBE = """
import json, sys
import altair as alt
if sys.argv[1] == "kernel":  # what charts._in_kernel sees inside Jupyter: ipykernel and a shell
    import ipykernel  # noqa: F401
    from IPython.core.interactiveshell import InteractiveShell
    InteractiveShell.instance()
before = [alt.theme.active, alt.renderers.active]
import ddj.charts
after_import = [alt.theme.active, alt.renderers.active]
import pandas as pd
frame = pd.DataFrame({"period": pd.to_datetime(["2024-01-01", "2024-01-08"]).astype("datetime64[us]"),
    "topic": "t", "label": "T", "articles": [1, 2], "total": [4, 4], "share": [0.25, 0.5],
    "partial": False, "examples": ""})
spec = ddj.charts.chart(frame).to_dict()
print(json.dumps({"before": before, "after_import": after_import,
    "after_chart": [alt.theme.active, alt.renderers.active], "anchor": spec["config"]["title"]["anchor"]}))
"""


@pytest.mark.parametrize("where", ["script", "kernel"])
def test_importing_charts_changes_nothing_global(where):
    """The theme is applied to each chart, never enabled; the renderer changes on a kernel's first chart."""
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-c", _KERNEL_PROBE, where], capture_output=True, text=True, check=True
    )
    seen = json.loads(run.stdout.splitlines()[-1])
    assert seen["after_import"] == seen["before"] == ["default", "default"]
    assert seen["anchor"] == "start"  # the chart carries the ddj theme's config all the same
    expected = "ddj-svg" if where == "kernel" else "default"
    assert seen["after_chart"] == ["default", expected]


def test_a_chosen_renderer_is_kept(monkeypatch):
    import ddj.charts

    monkeypatch.setattr(ddj.charts, "_in_kernel", lambda: True)
    with alt.renderers.enable("svg"):
        chart(cov_frame())
        assert alt.renderers.active == "svg"
    with alt.renderers.enable("default"):
        chart(cov_frame())
        assert alt.renderers.active == "ddj-svg"


def test_chart_is_themed_whether_or_not_the_theme_is_enabled():
    plain = chart(cov_frame()).to_dict()
    with alt.theme.enable("ddj"):
        themed = chart(cov_frame()).to_dict()
    assert plain == themed
    assert plain["config"]["range"]["category"][0] == "#0072B2"


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        chart(cov_frame(), "articles")


# -- intervals, small denominators, spikes and gaps --------------------------------------------


def big_frame(n=20, spike_at=14, total=400, gap_at=None):
    """One weekly topic at 5% of 400 articles a week, a week at 20% (a spike), one small week."""
    frame = cov_frame(n=n, topics=("hong_kong",), partial_last=False)
    frame["total"] = total
    frame["articles"] = 20
    frame.loc[spike_at, "articles"] = 80
    frame.loc[3, ["total", "articles"]] = (12, 1)  # a week of only 12 articles in all
    frame["share"] = frame["articles"] / frame["total"]
    frame["examples"] = "Raid on a newsroom | Protest <script>alert(1)</script> | Court ruling"
    if gap_at is not None:
        frame["gap"] = frame.index == gap_at
    return frame


def marks_of(spec):
    return [
        (u["mark"]["type"] if isinstance(u["mark"], dict) else u["mark"], u) for u in layers(spec)
    ]


def test_intervals_are_a_band_of_wilson_bounds():
    from scipy.stats import binomtest

    spec = chart(big_frame(), intervals=True).to_dict()
    band = [u for kind, u in marks_of(spec) if kind == "area"]
    assert len(band) == 1 and band[0]["encoding"]["y2"]["field"] == "share_high"
    assert band[0]["encoding"]["color"]["legend"] == {"symbolOpacity": 1}  # lines' full colour
    rows = max(spec["datasets"].values(), key=len)
    ci = binomtest(80, 400).proportion_ci(method="wilson")
    spike_row = rows[14]
    assert (spike_row["share_low"], spike_row["share_high"]) == pytest.approx((ci.low, ci.high))
    assert (
        spike_row["interval"] == "16.4–24.2%"
        and spike_row["period_label"] == "Week of 6 January 2025"
    )
    counts = chart(big_frame(), intervals=True, metric="articles").to_dict()
    band = [u for kind, u in marks_of(counts) if kind == "area"][0]
    assert band["encoding"]["y"]["field"] == "articles_low"
    assert not [u for kind, u in marks_of(chart(big_frame()).to_dict()) if kind == "area"]


def test_small_denominators_are_open_diamonds_named_in_the_note():
    spec = chart(big_frame()).to_dict()
    diamonds = [
        u for kind, u in marks_of(spec) if kind == "point" and u["mark"].get("shape") == "diamond"
    ]
    assert (
        len(diamonds) == 1
        and diamonds[0]["transform"][0]["filter"] == "datum.small && !datum.partial"
    )
    foot = [" ".join(_foot_lines(spec))]  # the note's lines, wrapped at the chart's width
    assert any(
        "Open diamonds: Fewer than 30 articles in all in the week of 21 October 2024, so those shares are unsure."
        in line
        for line in foot
    )
    text = ddj.publishing.describe(chart(big_frame()), big_frame())
    assert "Fewer than 30 articles in all in the week of 21 October 2024" in text
    # the peak is not the small week's, and it is written as a person writes it
    assert "Hong Kong peaked at 20.0% in the week of 6 January 2025 (95% CI 16.4–24.2%)" in text
    every = chart(cov_frame()).to_dict()  # 10 articles a week: every week is small
    foot = [r["line"] for d in every["datasets"].values() for r in d if "line" in r]
    assert any("Every week has fewer than 30 articles in all" in line for line in foot)
    heat = chart(cov_frame(), kind="heatmap").to_dict()
    assert any(u["mark"].get("shape") == "diamond" for kind, u in marks_of(heat) if kind == "point")


def test_spikes_are_marked_with_their_stories():
    spec = chart(big_frame(), spikes=True).to_dict()
    triangles = [
        u
        for kind, u in marks_of(spec)
        if kind == "point" and u["mark"].get("shape") == "triangle-up"
    ]
    assert len(triangles) == 1 and triangles[0]["transform"][0]["filter"] == "datum.spike"
    titles = [t["title"] for t in triangles[0]["encoding"]["tooltip"]]
    assert titles == ["Period", "Topic", "Spike", "Stories"]
    rows = max(spec["datasets"].values(), key=len)
    flagged = [r for r in rows if r["spike"]]
    assert [r["day"] for r in flagged] == ["2025-01-06"]
    assert flagged[0]["spike_note"].startswith(
        "Hong Kong was 20.0% of articles in the week of 6 January 2025 (95% CI 16.4–24.2%), 4.0 times"
    )
    assert flagged[0]["examples"].startswith("Raid on a newsroom | Protest")
    assert spec["usermeta"]["ddj"]["spikes"] == [flagged[0]["spike_note"]]
    foot = [r["line"] for d in spec["datasets"].values() for r in d if "line" in r]
    assert any(line.startswith("Triangles: 1 spike, ") for line in foot)
    faceted = chart(big_frame(), kind="small-multiples", facet="topic", spikes=True, intervals=True)
    assert '"triangle-up"' in json.dumps(faceted.to_dict())


def test_a_published_chart_with_spikes_says_so_and_stays_inert(tmp_path):
    frame = big_frame()
    frame.attrs["ddj_demo"] = "synthetic demo data"
    paths = ddj.publish(chart(frame, intervals=True, spikes=True), tmp_path, "spikes", data=frame)
    alt_text = paths["alt_text"].read_text()
    assert "Bands show each share's 95% confidence interval." in alt_text
    assert (
        "Spikes marked: Hong Kong was 20.0% of articles in the week of 6 January 2025" in alt_text
    )
    page = paths["html"].read_text()
    assert "<script>alert(1)" not in page and "Content-Security-Policy" in page
    assert page.count("<script") == 5  # the three data blocks, the bundle and the starter
    assert "synthetic demo data" in paths["svg"].read_text().lower()


def test_gap_periods_are_shaded():
    spec = chart(big_frame(gap_at=8)).to_dict()
    rects = [u for kind, u in marks_of(spec) if kind == "rect"]
    assert len(rects) == 1 and rects[0]["encoding"]["x2"]["field"] == "day_end"
    shaded = spec["datasets"][rects[0]["data"]["name"]]
    assert [(r["day"], r["day_end"]) for r in shaded] == [("2024-11-25", "2024-12-02")]
    foot = [r["line"] for d in spec["datasets"].values() for r in d if "line" in r]
    assert any(line.startswith("Grey: periods where the total lacks an outlet") for line in foot)
    assert spec["usermeta"]["ddj"]["gaps"] == 1
    assert not [u for kind, u in marks_of(chart(big_frame()).to_dict()) if kind == "rect"]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"intervals": True, "kind": "heatmap"}, "intervals=True is drawn on line charts"),
        ({"spikes": True, "kind": "area", "metric": "articles"}, "spikes=True is drawn on line"),
        ({"intervals": "yes"}, "intervals='yes': give True or False"),
    ],
)
def test_intervals_and_spikes_refused_where_they_cannot_be_drawn(kwargs, words):
    with pytest.raises(ddj.ParameterError, match=words):
        chart(big_frame(), **kwargs)


@pytest.mark.parametrize(
    ("freq", "day", "words"),
    [
        ("M", "2020-07-01", "peaked at 60.0% in July 2020"),
        ("W", "2024-10-14", "peaked at 60.0% in the week of 14 October 2024"),
        ("Q", "2022-07-01", "peaked at 60.0% in the third quarter of 2022"),
        ("Y", "2021-01-01", "peaked at 60.0% in 2021"),
        ("D", "2024-10-14", "peaked at 60.0% on 14 October 2024"),
    ],
)
def test_alt_text_writes_periods_as_a_person_does(freq, day, words):
    start = {
        "M": "2020-05-01",
        "W": "2024-09-30",
        "Q": "2022-01-01",
        "Y": "2019-01-01",
        "D": "2024-10-12",
    }[freq]
    periods = pd.period_range(
        start, periods=4, freq={"W": "W-SUN", "Y": "Y-DEC", "Q": "Q-DEC"}.get(freq, freq)
    )
    frame = pd.DataFrame(
        {
            "period": periods.start_time.astype("datetime64[us]"),
            "period_end": periods.end_time.normalize().astype("datetime64[us]"),
            "topic": "t", "label": "Hong Kong", "articles": [10, 12, 60, 20],
            "total": 100, "partial": False, "examples": "",
        }
    )  # fmt: skip
    frame["share"] = frame["articles"] / frame["total"]
    frame.attrs["freq"] = freq
    assert frame["period"].iloc[2] == pd.Timestamp(day)
    text = ddj.publishing.describe(chart(frame), frame)
    assert words in text and " of 0" not in text and "the month of" not in text


def test_alt_text_of_outlets_names_whose_peak_and_never_compares_two_outlets():
    frame = cov_frame(outlets=["A", "B"], total=100)  # each outlet 0, 10, ... 50 of 100 a week
    text = ddj.publishing.describe(chart(frame, kind="small-multiples"), frame)
    assert "peaked at 40.0% of A's articles in the week of 28 October 2024" in text
    # a change is within one outlet's series: B's first week after A's last is no "fall"
    assert "the largest rise was 10.0 points at A, in the week of " in text
    assert "fall" not in text


# -- caps on labels, titles and events; never more rows than altair embeds ------------------------


def _cut_warnings(caught) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, ddj.DroppedRowsWarning)]


def test_an_events_file_of_20000_rows_charts_a_bounded_spread_and_says_so(tmp_path):
    from ddj.limits import MAX_CHART_EVENTS

    frame = cov_frame(n=30)  # 2024-09-30 .. 2025-04-21
    days = pd.date_range("2024-10-01", periods=20_000, freq="1min").append(
        pd.date_range("2024-10-01", "2025-04-20", periods=5)
    )  # crowded at the start; a few later ones must survive the thinning
    path = tmp_path / "events.csv"
    pd.DataFrame(
        {"date": days.strftime("%Y-%m-%d"), "label": [f"e{i}" for i in range(len(days))]}
    ).to_csv(path, index=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spec = chart(frame, events=str(path)).to_dict()  # altair's MaxRowsError before
    rules = [r for d in spec["datasets"].values() for r in d if "date_label" in r]
    drawn = {r["label"] for r in rules}
    assert (
        0 < len(drawn) <= MAX_CHART_EVENTS
        and max(len(d) for d in spec["datasets"].values()) <= 5000
    )
    assert "e20004" in drawn  # the last event, months after the crowd
    (message,) = _cut_warnings(caught)
    assert (
        f"left out {len(days) - len(drawn):,} events" in message and "at most 50 events" in message
    )


def test_a_500000_character_label_is_cut_and_counted():
    from ddj.limits import MAX_LABEL_CHARS

    frame = cov_frame(n=8)
    frame["label"] = frame["label"].where(frame["topic"] != "hong_kong", "L" * 500_000)
    events = pd.DataFrame({"date": ["2024-10-18"], "label": ["E" * 10_000]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spec = chart(frame, events=events, title="T" * 100_000, source="S" * 10_000).to_dict()
    text = json.dumps(spec, ensure_ascii=False)
    assert "L" * (MAX_LABEL_CHARS + 1) not in text and "E" * (MAX_LABEL_CHARS + 1) not in text
    labels = {r["label"] for d in spec["datasets"].values() for r in d if "label" in r}
    assert "L" * (MAX_LABEL_CHARS - 1) + "…" in labels and "Ukraine" in labels
    assert "E" * (MAX_LABEL_CHARS - 1) + "…" in labels
    assert "".join(spec["title"]["text"]) == "T" * 299 + "…" and len(text) < 500_000  # wrapped
    (message,) = _cut_warnings(caught)
    assert message.startswith(
        "The chart cut 1 label, 1 event label, 1 title and 1 source line to fit"
    )


def test_labels_cut_to_the_same_text_stay_two_series():
    frame = cov_frame(n=4, topics=("a", "b"))
    frame["label"] = frame["topic"].map({"a": "X" * 300 + "a", "b": "X" * 300 + "b"})
    with pytest.warns(ddj.DroppedRowsWarning, match="cut 2 labels"):
        spec = chart(frame).to_dict()
    labels = {r["label"] for d in spec["datasets"].values() for r in d if "articles" in r}
    assert len(labels) == 2 and all(len(v) <= 100 for v in labels)
    assert frame["label"].str.len().min() == 301  # the frame given is not changed


def test_a_coverage_frame_beyond_5000_rows_still_charts():
    frame = cov_frame(
        n=400, topics=("a", "b", "c"), outlets=[f"o{i}.example" for i in range(6)], freq="D"
    )
    frame["partial"] = True  # every period partial: dashed joins would be 4x the rows
    assert len(frame) == 7200
    for kind in ("line", "small-multiples", "heatmap", "area"):
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            spec = chart(frame, kind=kind).to_dict()  # never altair's MaxRowsError
        assert max(len(d) for d in spec["datasets"].values()) <= 5000


def test_dashed_joins_beyond_the_row_limit_are_left_out_with_a_warning():
    from ddj.charts import _dashed_segments, _tidy

    frame = cov_frame(n=1000, topics=("a", "b", "c"), freq="D")
    frame["partial"] = True
    with pytest.warns(ddj.DdjWarning, match="2,997 dashed joins"):
        assert _dashed_segments(_tidy(frame)).empty
    few = cov_frame(n=6)  # the last period partial: one join per series, two rows each
    segments = _dashed_segments(_tidy(few))
    assert len(segments) == 4 and segments.groupby("segment")["day"].nunique().eq(2).all()


def test_an_events_file_that_is_not_a_regular_file_or_too_large_is_refused(tmp_path):
    with pytest.raises(ddj.InputError, match="a folder, not a file"):
        load_events(tmp_path)
    big = tmp_path / "events.csv"
    big.write_bytes(b"date,label\n" + b"2024-01-01,x\n" * 1_000_000)
    with pytest.raises(ddj.InputError, match="10,000,000-byte cap"):
        load_events(big)


def test_the_clickable_chart_cuts_labels_the_same_way():
    from ddj import interactive

    frame = cov_frame(n=8)
    frame["label"] = frame["label"].where(frame["topic"] != "hong_kong", "L" * 500_000)
    with pytest.warns(ddj.DroppedRowsWarning, match="^The clickable chart cut 1 label to fit"):
        spec = interactive.clickable_chart(frame).to_dict()
    assert "L" * 101 not in json.dumps(spec) and "L" * 99 + "…" in json.dumps(
        spec, ensure_ascii=False
    )


def test_published_and_clickable_charts_label_the_same_span_the_same_way():
    """One rule for the time axis: 14 weeks (98 days) is labelled by day in both charts."""
    from ddj import interactive

    frame = cov_frame(n=15)  # ddj.chart said days, the clickable chart months (90 days there)

    def formats(spec):
        found = re.findall(r'"x": \{[^{}]*"axis": \{[^{}]*"format": "([^"]+)"', json.dumps(spec))
        return set(found)

    assert formats(ddj.chart(frame).to_dict()) == {"%d %b"}
    assert formats(interactive.clickable_chart(frame).to_dict()) == {"%d %b"}
    assert formats(interactive.clickable_chart(cov_frame(n=30)).to_dict()) == {"%b %Y"}


# -- issue 23: long-tail outlets, partial periods, events by topic, sources, titles -----------


def long_tail(n_outlets=40, periods=4):
    """One big outlet, seven middling ones and a long tail of 1-article outlets (one at 100%)."""
    rows = []
    days = pd.date_range("2025-01-06", periods=periods, freq="7D").astype("datetime64[us]")
    sizes = [200, 90, 80, 70, 60, 50, 40, 35] + [1] * (n_outlets - 8)
    for o, size in enumerate(sizes):
        for i, d in enumerate(days):
            articles = 1 if size == 1 else size // 10 + i  # each tail outlet's one article matches
            total = size
            rows.append({
                "period": d, "period_end": d + pd.Timedelta(days=6), "topic": "t", "label": "T",
                "outlet": f"Outlet {o:02d}", "articles": articles, "total": total,
                "share": articles / total, "partial": False, "gap": False, "examples": "",
            })  # fmt: skip
    frame = pd.DataFrame(rows)
    frame.attrs["freq"] = "W"
    return frame


def test_long_tail_keeps_the_largest_outlets_and_sums_the_rest():
    cov = long_tail()
    spec = chart(cov, kind="small-multiples").to_dict()
    panels = [r["outlet"] for r in next(iter(spec["datasets"].values()))]
    kept = list(dict.fromkeys(panels))
    assert kept == [f"Outlet {i:02d}" for i in range(8)] + ["Other outlets"]
    other = [r for r in next(iter(spec["datasets"].values())) if r["outlet"] == "Other outlets"]
    assert [r["articles"] for r in other] == [32] * 4  # 32 tail outlets, summed
    assert [r["total"] for r in other] == [32] * 4
    assert other[0]["share"] == 1.0  # the sums' share, not an average of shares
    foot = " ".join(r["line"] for d in spec["datasets"].values() for r in d if "line" in r)
    assert "The 8 outlets with the most articles; other outlets: 32 outlets summed." in foot


def test_other_outlets_share_is_summed_not_averaged():
    from ddj.publishing import largest_outlets

    cov = long_tail(n_outlets=10, periods=1)
    cov.loc[cov["outlet"] == "Outlet 09", ["articles", "share"]] = [0, 0.0]
    cov.loc[cov["outlet"] == "Outlet 07", ["articles", "total", "share"]] = [1, 35, 1 / 35]
    out = largest_outlets(cov, n=7)
    other = out[out["outlet"] == "Other outlets"].iloc[0]
    assert (other["articles"], other["total"]) == (2, 37)  # 1/35 + 1/1 + 0/1 summed
    assert other["share"] == pytest.approx(2 / 37)  # an average of the shares would be 0.34
    assert out.attrs["other_outlets"] == 3
    assert largest_outlets(cov, n=20) is cov  # nothing to sum: the frame as it is


def test_rank_outlets_never_puts_a_one_article_outlet_first():
    ranked = ddj.stats.rank_outlets(long_tail())
    assert ranked.loc[0, "outlet"] != "Outlet 39" and ranked.loc[0, "total"] >= 30
    assert ranked.loc[0, "rank"] == 1
    tail = ranked[ranked["total"] < ddj.constants.SMALL_TOTAL]
    assert tail["rank"].isna().all() and (tail["share"] == 1.0).all()
    assert tail["note"].str.startswith("too few articles").all()
    assert list(ranked.index[ranked["rank"].notna()]) == list(range(8))  # ranked ones first
    assert (ranked["share_low"].iloc[:8].diff().dropna() <= 0).all()  # by the lower bound
    assert "lower bound" in ranked.attrs["caption"] and "32 of 40" in ranked.attrs["caption"]


def test_explore_notebook_ranks_with_rank_outlets():
    nb = json.loads(
        (Path(ddj.__file__).parent / "data" / "notebooks" / "explore.ipynb").read_text()
    )
    code = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "ddj.rank_outlets(" in code and 'sort_values("share"' not in code


def test_alt_text_never_quotes_a_share_on_too_few_articles():
    frame = cov_frame(outlets=["A", "B"])  # each outlet 0 .. 5 of 10 articles a week: all small
    text = ddj.publishing.describe(chart(frame, kind="small-multiples"), frame)
    assert "peaked" not in text and "%" not in text
    assert "Hong Kong: too few articles to quote a share (fewer than 30 in a period)." in text


def _scales(spec):
    found, stack = [], [spec]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            scale = node.get("scale")
            if isinstance(scale, dict) and "domainMax" in scale:
                found.append(scale)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _foot_lines(spec):
    return [r["line"] for d in spec["datasets"].values() for r in d if "line" in r]


@pytest.mark.parametrize("kind", ["line", "small-multiples"])
def test_a_partial_first_week_never_sets_the_y_axis(kind):
    frame = cov_frame(n=6, total=100, partial_last=False, outlets=["A"] if kind != "line" else None)
    first = frame["period"] == frame["period"].min()  # 4 of 6 articles in a partial first week
    frame.loc[first, ["articles", "total", "share", "partial"]] = [4, 6, 4 / 6, True]
    spec = chart(frame, kind=kind).to_dict()
    assert {s["domainMax"] for s in _scales(spec)} == {0.5}  # the complete weeks' top, not 67%
    drawn = next(iter(spec["datasets"].values()))
    assert any(r["partial"] and r["share"] == pytest.approx(4 / 6) for r in drawn)  # still drawn
    marks = [
        layer["mark"]
        for layer in spec["vconcat"][0].get("layer") or spec["vconcat"][0]["spec"]["layer"]
    ]
    assert all(m.get("clip") for m in marks if m["type"] == "line")
    assert any("cut at the top" in line for line in _foot_lines(spec))


def test_footer_never_prints_an_empty_note_and_counts_say_count():
    frame = cov_frame(n=6, total=100)  # complete weeks of 100 articles, a partial last week
    frame.loc[frame["partial"], "total"] = 5  # small, but only in the partial period
    frame.loc[frame["partial"], "articles"] = 1
    spec = chart(frame, metric="articles", intervals=True).to_dict()
    lines = _foot_lines(spec)
    assert not any(line.rstrip().endswith(":") for line in lines)
    assert not any("Open diamonds" in line for line in lines)
    assert "Bands: 95% confidence intervals of each count (Wilson)." in lines
    assert "diamond" not in json.dumps(spec["vconcat"][0])


def _event_labels(spec):
    return [
        r["label"]
        for d in spec["datasets"].values()
        for r in d
        if "label" in r and "date_label" in r
    ]


def test_default_events_are_drawn_only_on_charts_of_their_topics():
    frame = cov_frame(n=8, topics=("festival",))  # 2024-09-30 .. 2024-11-18
    assert _event_labels(chart(frame, events="default").to_dict()) == []  # no Foreign Secretary
    frame = cov_frame(n=8, topics=("hong_kong",))
    assert _event_labels(chart(frame, events="default").to_dict()) == [
        "Foreign Secretary in Beijing"
    ]
    shipped = load_events("default")
    assert shipped["topics"].ne("").all()  # every shipped event says its topics
    later = cov_frame(n=8, topics=("hong_kong",)).assign(  # no shipped event in its dates
        period=lambda f: f["period"] + pd.Timedelta(days=7 * 60)
    )
    assert _event_labels(chart(later, events="default").to_dict()) == []


def test_a_users_events_file_with_and_without_topics(tmp_path):
    frame = cov_frame(n=8, topics=("festival",))
    tagged = tmp_path / "tagged.csv"
    tagged.write_text(
        "date,label,topics\n2024-10-05,Opening night,Festival; film\n"
        "2024-10-10,Budget,budget\n2024-10-20,Storm,\n"
    )
    assert _event_labels(chart(frame, events=tagged).to_dict()) == ["Opening night", "Storm"]
    plain = tmp_path / "plain.csv"
    plain.write_text("date,label\n2024-10-05,Opening night\n2024-10-10,Budget\n")
    assert _event_labels(chart(frame, events=plain).to_dict()) == ["Opening night", "Budget"]


def test_a_chart_without_a_source_says_where_its_data_came_from():
    spec = chart(cov_frame(outlets=["A", "B"]), kind="small-multiples").to_dict()
    assert " ".join(_foot_lines(spec)).startswith(
        "Data: articles of 2 outlets from the week of 30 September to the week of "
        "4 November 2024, counted with ddj"
    )
    spec = chart(cov_frame(), source="Media monitor", subtitle="Per week").to_dict()
    assert _foot_lines(spec)[0] == "Source: Media monitor"
    assert spec["title"]["subtitle"] == ["Per week"]


def test_coverage_command_takes_source_and_subtitle(tmp_path, capsys):
    from ddj.cli import main
    from tests.test_cli import _topic_table

    table = _topic_table(tmp_path)
    args = ["coverage", str(table), "-t", "hong_kong", "--freq", "M"]
    assert (
        main([*args, "--out", str(tmp_path / "a"), "--subtitle", "Monthly", "--source", "AP"]) == 0
    )
    spec = json.loads((tmp_path / "a" / "coverage.vl.json").read_text())
    assert spec["title"]["subtitle"][0] == "Monthly"
    assert "Source: AP" in _foot_lines(spec)
    assert main([*args, "--out", str(tmp_path / "b")]) == 0  # no source: the corpus says it
    spec = json.loads((tmp_path / "b" / "coverage.vl.json").read_text())
    line = " ".join(_foot_lines(spec)).split(" Note:")[0]  # the data line, wrapped or not
    assert line.startswith("Data: ") and line.endswith(f"from the corpus {table.name}")
    assert " outlet" in line and " to " in line
    capsys.readouterr()
    assert main([*args, "--source", "x" * 600]) == 2  # refused before the corpus loads
    assert "source: 600 characters" in capsys.readouterr().err


def test_coverage_notebook_declares_source_and_subtitle():
    import papermill

    from ddj.notebooks import CHECKS

    path = Path(ddj.__file__).parent / "data" / "notebooks" / "coverage.ipynb"
    declared = papermill.inspect_notebook(str(path))
    assert {"source", "subtitle"} <= set(declared)
    assert CHECKS["source"] is ddj.params.source and CHECKS["subtitle"] is ddj.params.subtitle
    with pytest.raises(ddj.ParameterError, match="subtitle"):
        ddj.check_parameters(subtitle=["not", "text"])


def test_a_long_title_wraps_at_the_chart_width():
    long = "Hong Kong, Ukraine war, Taiwan and Cyberespionage: share of all articles over time"
    spec = chart(cov_frame(), title=long, subtitle="word " * 40, width=400).to_dict()
    heads = spec["title"]["text"]
    assert isinstance(heads, list) and len(heads) > 1 and " ".join(heads) == long
    assert all(len(line) * 20 * ddj.words.EM_BOLD <= 400 for line in heads)
    assert len(spec["title"]["subtitle"]) > 1
    assert chart(cov_frame(), title="Short").to_dict()["title"]["text"] == "Short"
    long_source = "A source line that goes on " * 8
    lines = _foot_lines(chart(cov_frame(), source=long_source, width=400).to_dict())
    assert len(lines) > 1 and all(len(line) * 11 * ddj.words.EM_REGULAR <= 400 for line in lines)


def test_newsdatahub_weekly_by_outlet_is_publishable(shared_corpora, tmp_path):
    """The real table: 461 outlets, most with 1-5 articles, and a partial first week at 67%."""
    path = shared_corpora / "newsdatahub-cybersecurity-2025" / "cybersecurity-news-en.csv.gz"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = ddj.load(path)
        by_outlet = ddj.coverage(corpus, ["ransomware"], freq="W", by="outlet")
        weekly = ddj.coverage(corpus, ["ransomware"], freq="W")
    assert by_outlet["outlet"].nunique() > 400
    spec = chart(by_outlet, kind="small-multiples").to_dict()
    outlets = {r["outlet"] for d in spec["datasets"].values() for r in d if "outlet" in r}
    assert len(outlets) == 9 and "Other outlets" in outlets  # 9 panels, not 461
    ranked = ddj.stats.rank_outlets(by_outlet)
    assert ranked.loc[0, "total"] >= ddj.constants.SMALL_TOTAL and ranked.loc[0, "share"] < 1
    first = weekly.iloc[0]
    assert first["partial"] and first["share"] > 0.6  # the partial first week
    top = weekly.loc[~weekly["partial"], "share"].max()
    line = chart(weekly, events="default").to_dict()
    assert {s["domainMax"] for s in _scales(line)} == {top}  # set by the complete weeks
    assert _event_labels(line) == []  # no shipped event is tagged for this word
    text = ddj.publishing.describe(chart(by_outlet, kind="small-multiples"), by_outlet)
    assert "too few articles to quote a share" in text and "100.0%" not in text
    source = ddj.charts.source_line(corpus, path)
    assert re.match(r"Data: 1,9\d\d articles of 4\d\d outlets \(\d+ August 2025 to ", source)
    assert source.endswith("from the corpus cybersecurity-news-en.csv.gz")


def test_a_line_chart_of_a_frame_by_outlet_draws_a_panel_per_outlet():
    # one line a topic through several outlets' points would zigzag between them: never drawn so
    spec = chart(long_tail()).to_dict()
    assert spec["vconcat"][0]["facet"]["field"] == "outlet"
    assert spec == chart(long_tail(), kind="small-multiples").to_dict()
    whole = long_tail()
    one = whole[whole["outlet"] == "Outlet 00"].reset_index(drop=True)
    one.attrs = whole.attrs
    assert "facet" not in chart(one).to_dict()["vconcat"][0]


@pytest.mark.parametrize(
    ("metric", "said", "bands"),
    [("share", "so those shares are unsure", "each share's"),
     ("articles", "so those counts are unsure", "each count's")],
)  # fmt: skip
def test_the_diamond_note_names_what_the_chart_shows(metric, said, bands, tmp_path):
    spec = chart(big_frame(), metric=metric, intervals=True).to_dict()
    foot = " ".join(_foot_lines(spec))
    assert (
        f"Open diamonds: Fewer than 30 articles in all in the week of 21 October 2024, {said}."
        in foot
    )
    assert spec["usermeta"]["ddj"]["small"].endswith(f"{said}.")
    other = "counts" if metric == "share" else "shares"
    assert f"those {other} are unsure" not in foot
    frame = big_frame()
    paths = ddj.publish(chart(frame, metric=metric, intervals=True), tmp_path, "c", data=frame)
    alt_text = paths["alt_text"].read_text()
    assert said in alt_text and f"Bands show {bands} 95% confidence interval." in alt_text
