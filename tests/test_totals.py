"""Totals kept with a store (ddj.store.totals): coverage from them equals coverage from the rows.

A store with an index counts coverage's totals from the counts kept beside
each part. These tests draw seeded random coverage options (freq, tz, by,
window, pages, min_confidence, rolling) over awkward rows (minutes and seconds
everywhere, zones of +5:45 and -3:30 and with summer time, the publisher's own
clock, missing outlets, page types and dates) and check the frame,
its attrs and its warnings against the same rows in memory; then the same
after totals go missing, stale or damaged, a batch is appended again, and
parts hold repeats.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import warnings
from unittest import mock

import numpy as np
import pandas as pd
import pytest

import ddj
from ddj.corpus import conform
from ddj.store import held, totals

TOPICS = {"exact": "hong AND NOT kong", "phrase": '"hong kong" OR spy'}
WORDS = ["hong", "kong", "spy", "taipei", "the", "of", "news"]
ZONES = ["UTC", "Asia/Kathmandu", "America/St_Johns", "Europe/London", "local", "Asia/Tokyo"]


def rows(n: int, start: int, seed: int) -> pd.DataFrame:
    """Generated rows: three outlets (one missing), every page type and confidence, odd minutes."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        second = rng.randint(0, 60 * 86400)
        when = pd.Timestamp("2024-03-01T00:00:00Z") + pd.Timedelta(seconds=second)
        offset = pd.Timedelta(minutes=rng.choice([0, 345, -210, 60]))
        dated = rng.random() > 0.06
        outlet = rng.choice(["Alpha", "Beta", None])
        out.append(
            {
                "id": f"{start + i:016x}",
                "url": f"https://{(outlet or 'none').lower()}.example/{start + i}",
                "title": " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4))),
                "text": " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12))),
                "published": when if dated else None,
                "published_local": (when + offset).tz_localize(None) if dated else None,
                "outlet": outlet,
                "page_type": rng.choice(["article"] * 5 + ["paywall", "index", None]),
                "published_confidence": rng.choice(["low", "medium", "high", None]),
            }
        )
    frame = pd.DataFrame(out)
    frame["published"] = pd.to_datetime(frame["published"], utc=True)
    return conform(frame)


def quiet(f, *args, **kwargs):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        out = f(*args, **kwargs)
    return out, sorted({str(w.message) for w in seen})


def save(folder, frames):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k, frame in enumerate(frames):
            ddj.save(frame, folder, append=True)
            if k == 0:
                ddj.index(folder)
    return ddj.open(folder)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("totals") / "store"
    return save(folder, [rows(200, 0, 1), rows(100, 200, 2)])


def same(store, **options):
    """Coverage of the store (totals kept) equals coverage of its rows in memory, warnings too.

    (Only the store's own read says it holds repeats: ``to_pandas`` reads before ``quiet``.)
    """
    got, said = quiet(ddj.coverage, store, TOPICS, **options)
    said = [s for s in said if "repeated article" not in s]
    want, want_said = quiet(ddj.coverage, quiet(store.to_pandas)[0], TOPICS, **options)
    pd.testing.assert_frame_equal(got, want)
    assert {k: v for k, v in got.attrs.items() if k != "index"} == want.attrs
    assert said == want_said
    return got


def random_options(rng: random.Random) -> dict:
    options = {"freq": rng.choice(["D", "W", "M", "Q", "Y"]), "tz": rng.choice(ZONES)}
    if rng.random() < 0.4:
        options["by"] = "outlet"
    if rng.random() < 0.4:
        first = pd.Timestamp("2024-03-01") + pd.Timedelta(days=rng.randint(0, 30))
        options["start"] = str(first.date())
        options["end"] = str((first + pd.Timedelta(days=rng.randint(0, 40))).date())
    options["pages"] = rng.choice(["article", "all", ["article", "paywall"]])
    options["min_confidence"] = rng.choice([None, "medium", "high"])
    if rng.random() < 0.3:
        options["rolling"] = 2
    return options


def test_kept_totals_count_each_part_as_its_rows(store):
    assert all(totals.read(store.path, p) is not None for p in store.parts)  # by the appends
    frame = store.to_pandas()
    assert sum(int(totals.read(store.path, p).rows.sum()) for p in store.parts) == len(frame)
    record = json.loads((store.path / "_commits").glob("*.json").__next__().read_text())
    assert all(p["totals"].startswith("_totals/") for p in record["parts"])


@pytest.mark.parametrize("seed", range(6))
def test_coverage_from_kept_totals_equals_the_rows(store, seed):
    options = random_options(random.Random(seed))
    got = same(store, **options)
    note = got.attrs["index"]
    assert "Totals from the counts kept with" in note and "from their columns" not in note


def test_missing_stale_and_damaged_totals_are_made_again(store, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(store.path, copy)  # copied: new modification times, every part stale
    opened = ddj.open(copy)
    kept = sorted((copy / "_totals").glob("*.totals"))
    kept[0].unlink()
    kept[1].write_bytes(b"{not json")
    same(opened, freq="M", by="outlet")
    assert all(totals.read(copy, p) is not None for p in opened.parts)  # made on first use
    part = opened.parts[2].path
    table = pd.read_parquet(part)
    table.iloc[:3].to_parquet(part)  # the part changed since its totals
    os.utime(part, ns=(1, 1))
    reopened = ddj.open(copy)
    same(reopened, freq="W", tz="Asia/Kathmandu")


def test_a_store_read_only_is_counted_from_its_columns(store, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(store.path, copy)
    shutil.rmtree(copy / "_totals")
    (copy / "_totals").write_text("")  # no folder can be made there: totals cannot be written
    same(ddj.open(copy), freq="W")  # counted from the parts' columns, nothing written
    assert (copy / "_totals").is_file()


def test_a_batch_appended_again_and_parts_with_repeats(tmp_path):
    folder = tmp_path / "store"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ddj.save(rows(120, 0, 5), folder, append=True)
        ddj.index(folder)
        ddj.store.append(rows(80, 120, 6), folder, name="daily")
        before = set((folder / "_totals").glob("*.totals"))
        ddj.store.append(rows(90, 120, 7), folder, name="daily")  # the task run again
    after = set((folder / "_totals").glob("*.totals"))
    assert len(after) == len(ddj.open(folder).parts) and before - after  # the replaced ones gone
    same(ddj.open(folder), freq="W", by="outlet", tz="Asia/Kathmandu")
    legacy = next(folder.glob("month=2024-03/part-c.*.parquet"))
    shutil.copy(legacy, legacy.parent / "part-0.parquet")  # a part of an older ddj: repeats
    got = same(ddj.open(folder), freq="M")
    assert "read from their columns" in got.attrs["index"]


def test_no_index_or_a_filtered_store_scans_as_before(store):
    narrowed = store.filter(start="2024-03-10")
    got = same(narrowed, freq="W")
    assert "Totals" not in got.attrs["index"]
    by_group = same(store, freq="M", by="group", outlets=["alpha.example", "beta.example"])
    assert "Totals" not in by_group.attrs["index"]  # outlets= reads the rows


def test_quarters_floor_toward_the_past():
    times = pd.Series(
        pd.to_datetime(["2024-01-01T00:14:59.999999Z", "1935-01-01T00:00:00Z"], format="ISO8601")
    )
    want = [
        (pd.Timestamp("2024-01-01") - pd.Timestamp("1970-01-01")) // pd.Timedelta(minutes=15),
        (pd.Timestamp("1935-01-01") - pd.Timestamp("1970-01-01")) // pd.Timedelta(minutes=15),
    ]
    assert totals.quarters(times).tolist() == want
    assert np.array_equal(totals.quarters(pd.Series(pd.to_datetime([None]))), [totals.NO_DATE])


def test_matched_rows_counted_into_their_groups_unread(tmp_path):
    """The index's hits are counted into their kept groups; only candidate headlines are read.

    Sixty hits in three quarter-hours, written out of time order (the earliest
    last), many at the same second (the scan's order breaks those ties): the
    examples equal the scan's, and no batch of the store is read.
    """
    frame = rows(60, 0, 11)
    base = pd.Timestamp("2024-03-05T10:00:00Z")
    seconds = [[60 * 16 + 1, 60 * 16, 60 * 31][i % 3] for i in range(len(frame) - 1)] + [0]
    frame["published"] = [base + pd.Timedelta(seconds=s) for s in seconds]
    frame["published_local"] = frame["published"].dt.tz_localize(None)
    frame["text"] = "spy"
    frame["title"] = [f"headline {i}" for i in range(len(frame))]
    frame["page_type"] = "article"
    frame["published_confidence"] = "high"
    folder = tmp_path / "store"
    store = save(folder, [frame.iloc[:30], frame.iloc[30:]])
    kept = totals.read(folder, store.parts[0])
    assert len(kept.group) == int(kept.rows.sum()) and len(kept.keys) == len(kept.group)
    whole = quiet(store.to_pandas)[0]
    read = []
    real = ddj.store.Store.rows_at

    def counted(self, where, columns):
        read.append(sum(len(r) for _, r in where))
        return real(self, where, columns)

    with (
        mock.patch.object(ddj.store.Store, "batches", side_effect=AssertionError("a batch read")),
        mock.patch.object(ddj.store.Store, "rows_at", counted),
    ):
        got, _ = quiet(ddj.coverage, store, {"spy": "spy"}, freq="D", by="outlet")
    want, _ = quiet(ddj.coverage, whole, {"spy": "spy"}, freq="D", by="outlet")
    pd.testing.assert_frame_equal(got, want)
    assert want["examples"].str.count(r" \| ").eq(2).all()  # three headlines a key
    assert 0 < sum(read) < len(frame)  # the candidates only


@pytest.mark.parametrize("pages", ["article", ["article", "paywall"]])
def test_hits_count_the_rows_left_out_from_kept_totals_unread(store, pages):
    """A page of hits on an indexed store counts the rows of other page types from the kept totals.

    Each part's page types are in its totals: no page type of the store is read
    (it was a read of every row's page type and id, the most of a first page's
    time at six million articles), and the warning says the same counts as the
    rows in memory, naming the store's totals instead of each row.
    """
    whole = quiet(store.to_pandas)[0]
    with mock.patch.object(
        ddj.scan._OtherKeys, "tally", side_effect=AssertionError("the page types read")
    ):
        got, said = quiet(ddj.hits, store, "spy OR hong", limit=3, pages=pages)
    want, want_said = quiet(ddj.hits, whole, "spy OR hong", limit=3, pages=pages)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))
    [warned] = [s for s in said if s.startswith("Left out")]
    [wanted] = [s for s in want_said if s.startswith("Left out")]
    numbers = re.compile(r"\d[\d,]*")
    assert numbers.findall(warned.split(".")[0]) == numbers.findall(wanted.split(".")[0])


def test_the_rows_left_out_are_counted_once_for_the_same_parts(tmp_path):
    folder = tmp_path / "store"
    store = save(folder, [rows(60, 0, 21)])
    first, _ = quiet(ddj.scan.left_out_rows, store, ("article",))
    with mock.patch.object(totals, "read", side_effect=AssertionError("a totals file read")):
        again, _ = quiet(ddj.scan.left_out_rows, ddj.open(folder), ("article",))
    assert again == first
    store = save(folder, [rows(30, 60, 22)])  # new parts: counted again
    later, _ = quiet(ddj.scan.left_out_rows, store, ("article",))
    whole = quiet(store.to_pandas)[0]
    assert later.rows == len(whole) == first.rows + 30
    assert sum(later.kinds.values()) == int((whole["page_type"] != "article").sum())


@pytest.mark.parametrize(("chunk", "seed"), [(1, 0), (1, 1), (2, 2), (3, 3)])
def test_kept_totals_a_few_parts_at_a_time_equal_the_rows(store, monkeypatch, chunk, seed):
    """Totals held a few parts at a time (memory bounded at millions): the same frame, note, warnings."""
    monkeypatch.setattr(ddj.scan, "COUNTED_PARTS", chunk)
    assert len(store.parts) > chunk  # more than one chunk
    options = random_options(random.Random(100 + seed))
    got = same(store, **options)
    assert "Totals from the counts kept with" in got.attrs["index"]


def test_held_rows_find_every_matched_row_as_the_parts_totals_place_it(store):
    """Each held row is the row its part's totals place: group, quarter-hours and codes."""
    rows_ = held.held(store)
    assert len(rows_.keys) == len(store.to_pandas()) and np.all(np.diff(rows_.keys) > 0)
    wanted = rows_.keys[::7]
    found = rows_.matched(wanted)
    assert found["key"].tolist() == wanted.tolist()
    for _, one in found.sample(20, random_state=1).iterrows():
        kept = totals.read(store.path, rows_.parts[one["part"]])
        group = kept.group[one["row"]]
        assert kept.keys[one["row"]] == one["key"]
        assert (kept.utc[group], kept.local[group]) == (one["utc"], one["local"])
        for key in totals.KEYS:
            code = kept.codes[key][group]
            assert (None if code < 0 else kept.values[key][code]) == (
                None if pd.isna(one[key]) else one[key]
            )
    first = found["part"].iloc[0]
    assert first not in rows_.matched(wanted, without=[first])["part"].tolist()


def test_held_rows_of_one_key_are_each_found():
    """Rows with no id share key 0: a key held by several rows finds every one, in store order."""
    keys = np.array([0, 0, 0, 5, 9, 9], dtype=np.uint64)
    n = len(keys)
    codes = {k: np.zeros(n, np.int16) for k in totals.KEYS}
    rows_ = held.Held(
        (), keys, np.zeros(n, np.int32), np.arange(n, dtype=np.int32), np.zeros(n, np.int32),
        np.zeros(n, np.int32), codes, {k: ["x"] for k in totals.KEYS},
    )  # fmt: skip
    found = rows_.matched(np.array([0, 7, 9], dtype=np.uint64))
    assert found["row"].tolist() == [0, 1, 2, 4, 5]


def test_the_next_topic_on_the_same_clock_reads_no_totals_file(tmp_path):
    """Held rows and totals answer a second question; an append holds the store again."""
    folder = tmp_path / "store"
    store = save(folder, [rows(150, 0, 31), rows(90, 150, 32)])
    same(store, freq="W", by="outlet")
    with mock.patch.object(totals, "read", side_effect=AssertionError("a totals file read")):
        got, _ = quiet(
            ddj.coverage, ddj.open(folder), {"other": "taipei OR news"}, freq="W", by="outlet"
        )
    want, _ = quiet(
        ddj.coverage, store.to_pandas(), {"other": "taipei OR news"}, freq="W", by="outlet"
    )
    pd.testing.assert_frame_equal(got, want)
    grown = save(folder, [rows(40, 240, 33)])  # new parts: held again, their rows counted
    assert same(grown, freq="W", by="outlet")["total"].sum() > got["total"].sum()


def test_held_stores_are_bounded(tmp_path):
    folders = [tmp_path / f"s{i}" for i in range(held.HELD_STORES + 1)]
    for i, folder in enumerate(folders):
        held.held(save(folder, [rows(20, 0, 40 + i)]))
    assert len(held._HELD) <= held.HELD_STORES
    assert all(str(folders[0]) != key[0] for key in held._HELD)  # the first asked, let go


@pytest.mark.parametrize("tz", ["Europe/Amsterdam", "UTC"])
def test_a_clock_that_cuts_quarter_hours_reads_those_parts(tmp_path, tz):
    """Amsterdam's clock in 1890 was 19 min 32 s ahead of UTC: its days cut quarter-hours.

    The parts with a cut group are read from their columns, the others counted
    from their kept totals, and the frame is the rows' in memory.
    """
    old = rows(120, 0, 50)
    old["published"] = old["published"] - pd.DateOffset(years=134)
    old["published_local"] = old["published_local"] - pd.DateOffset(years=134)
    folder = tmp_path / "store"
    store = save(folder, [old.iloc[:60], old.iloc[60:], rows(60, 120, 51)])
    got = same(store, freq="D", tz=tz, by="outlet")
    read = re.search(r"; ([\d,]+) part\(s\) read from their columns", got.attrs["index"])
    assert (read is not None) == (tz != "UTC")


def _arrays(rows_):
    return [rows_.keys, rows_.part, rows_.row, rows_.utc, rows_.local, *rows_.codes.values()]


def test_held_rows_are_kept_in_the_store_for_the_next_process(tmp_path):
    """The next process maps the held rows kept in _totals/held-*/ and reads no totals file."""
    folder = tmp_path / "store"
    store = save(folder, [rows(90, 0, 61), rows(50, 90, 62)])
    made = held.held(store)
    [kept] = list((folder / totals.TOTALS).glob("held-*"))
    held.forget()
    with mock.patch.object(totals, "read", side_effect=AssertionError("a totals file read")):
        again = held.held(ddj.open(folder))
    assert all(np.array_equal(a, b) for a, b in zip(_arrays(made), _arrays(again), strict=True))
    assert [p.path for p in again.parts] == [p.path for p in made.parts]
    save(folder, [rows(30, 140, 63)])  # an append: held again, the old folder removed
    held.forget()
    grown = held.held(ddj.open(folder))
    assert len(grown.keys) == len(made.keys) + 30 and not kept.exists()
    assert len(list((folder / totals.TOTALS).glob("held-*"))) == 1


@pytest.mark.parametrize(
    "damage",
    ["row past its part", "keys out of order", "code past its values", "cut short", "json"],
)
def test_held_rows_kept_but_not_sound_are_made_again(tmp_path, damage):
    folder = tmp_path / "store"
    store = save(folder, [rows(80, 0, 64)])
    want = same(store, freq="W", by="outlet")
    [kept] = list((folder / totals.TOTALS).glob("held-*"))
    held.forget()
    if damage == "json":
        (kept / "held.json").write_text("{not json")
    else:
        name = {"row past its part": "row", "keys out of order": "keys"}.get(damage, "outlet")
        array = np.load(kept / f"{name}.npy")
        if damage == "row past its part":
            array[3] = 10_000
        elif damage == "keys out of order":
            array[[0, 1]] = array[[1, 0]]
        elif damage == "code past its values":
            array[0] = 99
        else:
            array = array[:-1]
        np.save(kept / f"{name}.npy", array)
    got = same(ddj.open(folder), freq="W", by="outlet")
    pd.testing.assert_frame_equal(got, want)
    assert held._loaded(kept, ddj.open(folder)) is None
