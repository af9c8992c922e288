import warnings

import pandas as pd

import ddj
from ddj.corpus import conform
from ddj.syndication import find_syndicated

WIRE = (
    "Officials in the harbour city confirmed on Tuesday that the new ferry route would open in the spring, "
    "after months of delays caused by a shortage of engineers and a dispute over the cost of the pier. "
    "The route will link the old town with the airport and is expected to carry four thousand people a day. "
    "Residents had campaigned for the service for a decade, arguing that the road bridge was too crowded. "
    "A spokesperson for the operator said tickets would cost the same as the bus and that the first boats "
    "had already been tested at sea. Environmental groups welcomed the plan but asked for cleaner engines."
)


def test_wire_story_grouped_and_distinct_stories_not():
    rows = [
        {"url": "https://a.example/1", "outlet": "A", "published": "2024-05-01T08:00Z", "title": "Ferry", "text": WIRE},
        {"url": "https://b.example/1", "outlet": "B", "published": "2024-05-01T09:00Z", "title": "Ferry route",
         "text": WIRE.replace("Tuesday", "Tuesday morning") + " Reporting by the wire service."},
        {"url": "https://c.example/1", "outlet": "C", "published": "2024-05-01T07:30Z", "title": "Ferry news", "text": WIRE},
        {"url": "https://d.example/1", "outlet": "D", "published": "2024-05-01T10:00Z", "title": "Other",
         "text": " ".join(reversed(WIRE.split()))},
        {"url": "https://e.example/1", "outlet": "E", "published": "2024-05-02T10:00Z", "title": "Short", "text": "Too short."},
    ]  # fmt: skip
    c = conform(rows)
    g = find_syndicated(c)
    assert g["group"].nunique() == 1
    assert g["outlet"].tolist() == ["C", "A", "B"]  # earliest first
    assert find_syndicated(c).equals(g)  # deterministic


def test_dedupe_counts_once_overall_but_each_outlet_keeps_its_copy():
    rows = [
        {
            "url": f"https://{o}.example/x",
            "outlet": o,
            "published": "2024-05-01T08:00Z",
            "title": "Ferry",
            "text": WIRE + " Hong Kong.",
        }
        for o in "ABC"
    ] + [
        {
            "url": "https://a.example/y",
            "outlet": "A",
            "published": "2024-05-01T09:00Z",
            "title": "Other",
            "text": "Different words " * 30,
        }
    ]
    c = conform(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        once = ddj.coverage(c, ["hong_kong"], freq="D", dedupe=True)
        every = ddj.coverage(c, ["hong_kong"], freq="D")
        by_outlet = ddj.coverage(c, ["hong_kong"], freq="D", by="outlet", dedupe=True)
    assert every["articles"].tolist() == [3] and every["total"].tolist() == [4]
    assert once["articles"].tolist() == [1] and once["total"].tolist() == [2]
    assert by_outlet["articles"].tolist() == [1, 1, 1]


def test_no_groups():
    c = conform([{"url": "u", "text": "alpha beta " * 50}])
    g = find_syndicated(c)
    assert g.empty and list(g.columns) == [
        "group",
        "index",
        "id",
        "url",
        "outlet",
        "published",
        "title",
    ]
    assert isinstance(g, pd.DataFrame)
