"""A narrowed scan (ddj.store.narrowing) gives what the scan of every text gives: a differential test.

Rows are generated from fragments that defeat a naive prefilter (accents, upper case, wide forms,
ligatures, soft hyphens, combining marks, curly quotes, CJK, missing texts) and from the real
table in ../shared/corpora; each query is matched on the store (narrowed: polars reads the
texts, only those that may match reach ddj's matcher) and on the same rows in memory (no
narrowing), and the flags, mentions, hits and warnings must be equal.
"""

from __future__ import annotations

import random
import sys
import warnings

import numpy as np
import pandas as pd
import polars  # noqa: F401  a dependency of ddj: missing, the tests fail rather than skip
import pytest

import ddj
import ddj.store.disk
import ddj.store.writing
from ddj.matching import narrowing, resolve
from ddj.store.narrowing import usable

#: Pieces of text the rows are made of; each query below finds some only after folding.
FRAGMENTS = [
    "Hong Kong",
    "HONG KONG",
    "hong-kong",
    "Hóng Kong",  # accent: folds to hong
    "Ｈｏｎｇ Ｋｏｎｇ",  # wide forms: fold to ASCII
    "Hong\u00adKong",  # soft hyphen
    "Ho\u0301ng Kong",  # a combining mark
    "Hong Kong’s",  # a curly quote: not ASCII, folds apart
    "hongkong",
    "香港",
    "ﬁre at the depot",  # a ligature: folds to "fire"
    "FIRE",
    "Café Müller",
    "cafe",
    "Straße",
    "İstanbul",
    "the US and the us",
    "U.S. officials",
    "climate, climatic",
    "China's envoy",
    "ransomware",
    "Ransom\u00adware gang",
    "ｃｈｉｎａ",
    "Hong\u00a0Kong",  # a no-break space: folds to a space
    "Hong–Kong — “fire”",  # dashes and curly quotes fold to themselves
    "the “council” met – £5 for ‘roads’",  # not ASCII, yet no fold can make a match
    "plain words about the weather",
    "nothing to see",
    "",
]

#: Plain ASCII words most of the texts are made of (rows of them only can be left unread).
FILLER = ["the council met", "on Tuesday", "budget", "roads and schools", "said the mayor"]

QUERIES = [
    '"Hong Kong"',
    "hong",
    "kong*",
    "fire",
    "cafe",
    "strasse",
    "istanbul",
    "=US",
    "u.s",
    "climat*",
    "title:china",
    "description:fire",
    '"hong kong"~3',
    "hong AND NOT kong",
    "fire OR cafe",
    "(hong OR china) AND kong",
    "香港",
    "ransomware",
]


def _rows(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)

    def text(k: int) -> str | None:
        if rng.random() < 0.1:
            return None
        return " ".join(rng.choice(FRAGMENTS if rng.random() < 0.08 else FILLER) for _ in range(k))

    rows = []
    for i in range(n):
        rows.append(
            {
                "url": f"https://example.org/{i}",
                "outlet": rng.choice(["A", "B", "C"]),
                "published": f"2024-{rng.randint(1, 4):02d}-{rng.randint(1, 28):02d}T10:00:00Z",
                "title": text(2),
                "description": text(2),
                "text": text(6),
                "page_type": "paywall" if rng.random() < 0.05 else "article",
            }
        )
    return rows


def _saved(rows: list[dict], path, times: int = 1) -> ddj.store.Store:
    corpus = ddj.corpus.conform(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(times):  # saved again: the repeats are left out when read
            ddj.save(corpus, path, append=True)
    return ddj.open(path, batch_size=37)


def _same(call, store, frame, query):
    """``call`` on the store (narrowed) and on the frame give the same result and warnings."""
    with warnings.catch_warnings(record=True) as got_w:
        warnings.simplefilter("always")
        got = call(store, query)
    with warnings.catch_warnings(record=True) as want_w:
        warnings.simplefilter("always")
        want = call(frame, query)
    said = list(dict.fromkeys(str(w.message) for w in got_w))  # a store's read warns each read
    said = [s for s in said if "repeated article" not in s]  # rows in memory were read before
    assert said == [str(w.message) for w in want_w], query
    return got, want


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    store = _saved(_rows(400, seed=7), tmp_path_factory.mktemp("narrow") / "store", times=2)
    return store, store.to_pandas()


def test_the_narrowing_leaves_texts_unread_and_keeps_every_row(generated):
    store, frame = generated
    chosen = resolve(['"Hong Kong"'])
    n = narrowing(chosen)
    assert usable(n)
    read = pd.concat(store.narrowed(n).batches(columns=["id", "title", "description", "text"]))
    assert read["id"].tolist() == frame["id"].tolist()  # every row, in order, repeats left out
    gone = read["text"].isna() & frame["text"].notna()
    assert gone.any()  # texts that cannot match are not read
    kept = read["text"].notna()
    assert (read.loc[kept, "text"] == frame.loc[kept, "text"]).all()
    flags = ddj.match(frame, chosen, pages="all")["Hong Kong"].to_numpy()
    texts = read[["title", "description", "text"]].notna().any(axis=1).to_numpy()
    assert texts[flags].all()  # every match's texts were read


@pytest.mark.parametrize("query", QUERIES)
def test_a_narrowed_match_equals_the_scan_of_every_text(generated, query):
    store, frame = generated
    got, want = _same(lambda c, q: ddj.match(c, [q], pages="article"), store, frame, query)
    pd.testing.assert_frame_equal(got, want.set_axis(pd.Index(frame["id"], name="id")))


@pytest.mark.parametrize("query", ['"Hong Kong"', "fire", "=US", '"hong kong"~3'])
def test_narrowed_hits_equal_the_scan_of_every_text(generated, query):
    store, frame = generated
    got, want = _same(lambda c, q: ddj.hits(c, q, width=20), store, frame, query)
    pd.testing.assert_frame_equal(got, want)
    assert len(got)


def test_a_query_with_not_above_its_terms_reads_every_text():
    assert narrowing(resolve(["NOT fire"])) is None
    assert narrowing(resolve(["fire OR NOT cafe"])) is None
    assert narrowing(resolve(["fire AND NOT cafe"])) is not None  # NOT under AND still narrows


def test_row_groups_cut_across_parts_and_filters(tmp_path, monkeypatch):
    """Row groups of 5 rows, chunks of 16 rows: pieces start mid-part; a filtered store too."""
    monkeypatch.setattr(ddj.store.writing, "ROW_GROUP", 5)
    monkeypatch.setattr(ddj.store.disk, "ROW_GROUP", 16)
    store = _saved(_rows(150, seed=11), tmp_path / "store")
    store = ddj.open(store.path, batch_size=3)
    assert any(ddj.store.disk._parquet(p.path).metadata.num_row_groups > 1 for p in store.parts)
    frame = store.to_pandas()
    for query in ['"Hong Kong"', "fire OR cafe", "title:china"]:
        got, want = _same(lambda c, q: ddj.match(c, [q]), store, frame, query)
        pd.testing.assert_frame_equal(got, want.set_axis(pd.Index(frame["id"], name="id")))
    narrow = store.filter(outlets=["A", "C"], start="2024-02-01")
    part = narrow.to_pandas()
    got, want = _same(lambda c, q: ddj.match(c, [q]), narrow, part, '"Hong Kong"')
    pd.testing.assert_frame_equal(got, want.set_axis(pd.Index(part["id"], name="id")))


def test_without_polars_every_text_is_read(generated, monkeypatch):
    store, frame = generated
    monkeypatch.setitem(sys.modules, "polars", None)  # import polars fails
    assert not usable(narrowing(resolve(["fire"])))
    got, want = _same(lambda c, q: ddj.match(c, [q]), store, frame, "fire")
    pd.testing.assert_frame_equal(got, want.set_axis(pd.Index(frame["id"], name="id")))


def test_the_real_table_narrowed_equals_the_scan(real_table_store):
    """2,000 real articles (564 outlets, curly quotes, accents) saved as a store, matched both ways."""
    store = real_table_store
    frame = store.to_pandas()
    texts = frame[["title", "description", "text"]].fillna("")
    assert (~texts.apply(lambda c: c.map(str.isascii)).all(axis=1)).sum() > 100
    queries = ["cyberespionage", "hong_kong", "ukraine", '"data breach"', "ransom*", "Microsoft"]
    queries += ['"zero day"~2', "china AND NOT taiwan", "café", "=AI"]
    found = 0
    for query in queries:
        got, want = _same(lambda c, q: ddj.match(c, [q]), store, frame, query)
        pd.testing.assert_frame_equal(got, want.set_axis(pd.Index(frame["id"], name="id")))
        found += int(np.asarray(got.iloc[:, 0]).sum())
    assert found > 500


def test_a_narrowing_most_texts_pass_is_given_up(tmp_path, monkeypatch):
    """Once most texts read narrowed may match, the parts left are read as without it: same flags."""
    monkeypatch.setattr(ddj.store.writing, "ROW_GROUP", 5)
    monkeypatch.setattr(ddj.store.disk, "NARROWED_TRIAL", 20)
    store = _saved(_rows(150, seed=5), tmp_path / "store")
    store = ddj.open(store.path, batch_size=3)
    frame = store.to_pandas()
    plain = []
    real = ddj.store.disk._part_pieces

    def counted(part, batch_size, columns):
        plain.append(part)
        return real(part, batch_size, columns)

    monkeypatch.setattr(ddj.store.disk, "_part_pieces", counted)
    for query, given_up in (("council", True), ('"Hong Kong"', False)):
        plain.clear()
        got, want = _same(lambda c, q: ddj.match(c, [q]), store, frame, query)
        pd.testing.assert_frame_equal(got, want.set_axis(pd.Index(frame["id"], name="id")))
        assert bool(plain) == given_up, (query, len(plain), len(store.parts))


def test_a_part_damaged_inside_is_an_error_naming_it(tmp_path):
    store = _saved(_rows(120, seed=3), tmp_path / "store")
    part = sorted(store.path.rglob("part-*.parquet"))[1]
    data = part.read_bytes()
    part.write_bytes(data[:100] + bytes(200) + data[300:])  # pages broken, footer whole
    with pytest.raises(ddj.errors.InputError, match=part.name):
        ddj.match(ddj.open(store.path), ['"Hong Kong"'])


def _coverage_same(store, frame, query, **options):
    got, want = _same(lambda c, q: ddj.coverage(c, {"q": q}, **options), store, frame, query)
    note = got.attrs.pop("index", None)
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs == want.attrs
    return got, note


@pytest.mark.parametrize(
    "options",
    [
        {"freq": "W"},
        {"freq": "D", "by": "outlet", "tz": "Asia/Kathmandu"},
        {"freq": "M", "pages": "all"},
    ],
)
def test_coverage_without_an_index_matches_only_the_texts_that_may(generated, options, monkeypatch):
    """No index: one polars pass keeps the texts that may match, ddj's matcher decides on those only.

    The counts come from the parts' kept totals; the frame, attrs and warnings
    are those of the same rows in memory, for every query of the differential set.
    """
    store, frame = generated
    matched = []
    real = ddj.matching.batch_flags

    def counted(batch, *args, **kwargs):
        matched.append(len(batch))
        return real(batch, *args, **kwargs)

    monkeypatch.setattr(ddj.matching, "batch_flags", counted)
    for query in QUERIES:
        matched.clear()
        got, note = _coverage_same(store, frame, query, **options)
        if narrowing(resolve([query])) is not None:
            assert note.startswith("No index: the texts that may match read with polars"), query
            on_store = sum(matched) - len(frame)  # the rows in memory are matched in one batch
            assert on_store < len(frame) / 2, query  # the texts that may match only
    assert got["articles"].sum() > 0


def test_coverage_without_an_index_reads_parts_not_held_and_gives_up_where_most_pass(
    tmp_path, monkeypatch
):
    """A part of an older ddj (repeats) is scanned beside the narrowed parts; most texts passing: a scan."""
    store = _saved(_rows(150, seed=9), tmp_path / "store")
    legacy = next(store.path.glob("month=2024-02/part-c.*.parquet"))
    legacy.with_name("part-0.parquet").write_bytes(legacy.read_bytes())  # no commit: repeats
    store = ddj.open(store.path)
    frame = store.to_pandas()
    got, note = _coverage_same(store, frame, '"Hong Kong" OR fire', freq="W", by="outlet")
    assert note.startswith("No index") and "read from their columns" in note
    monkeypatch.setattr(ddj.store.disk, "NARROWED_TRIAL", 20)
    got, note = _coverage_same(store, frame, "council OR fire", freq="W")
    assert note is None  # most texts may match: every text read, as a scan reads it


def test_the_real_table_coverage_without_an_index_equals_the_scan(real_table_store):
    store = real_table_store
    frame = store.to_pandas()
    for query in ["cyberespionage", '"data breach"', "ransom*", "china AND NOT taiwan", "café"]:
        got, note = _coverage_same(store, frame, query, freq="M", by="outlet")
        assert note.startswith("No index")


def test_texts_whose_only_other_characters_fold_to_themselves_are_left_unread(tmp_path):
    """Curly quotes, dashes and currency signs make most real texts not ASCII: they are tested as ASCII."""
    rows = _rows(60, seed=12)
    for i, row in enumerate(rows):
        row["title"] = "the “council” met – £5 for ‘roads’" if i % 2 else "Hong–Kong — “fire”"
        row["description"] = row["text"] = None
    store = _saved(rows, tmp_path / "store")
    frame = store.to_pandas()
    narrowed = store.narrowed(narrowing(resolve(['"Hong Kong"'])))
    read = pd.concat(narrowed.batches(columns=["title", "description", "text"]))
    assert read["title"].notna().tolist() == frame["title"].str.startswith("Hong").tolist()
    got, want = _same(lambda c, q: ddj.match(c, [q]), store, frame, '"Hong Kong"')
    pd.testing.assert_frame_equal(got, want.set_axis(pd.Index(frame["id"], name="id")))
