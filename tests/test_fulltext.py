"""The full-text index beside a store (ddj.store.fulltext): the same ids as ddj's scan.

The differential tests draw random boolean, phrase, prefix, field, case and
proximity queries (seeded) over generated rows written to be awkward (accents,
case, ``_``, ligatures, full-width letters, CJK, punctuation inside words) and
over real rows (newsdatahub), and check that the index's candidates hold every
article ``ddj.match`` finds on the store, and exactly those where the index
says its answer is exact.
"""

from __future__ import annotations

import random
import warnings

import numpy as np
import pandas as pd
import pytest

import ddj
from ddj.corpus import conform
from ddj.query import fold, word_runs
from ddj.store import fulltext
from ddj.store.fulltext import candidates, indexed_words
from ddj.store.layout import id_keys

WORDS = [
    "hong", "kong", "Hong", "KONG", "café", "cafe\u0301", "Cafe", "cyber", "cyberwar",
    "cyber_attack", "u.s.", "U.S.", "spy", "spyware", "香港", "香港人", "taipei", "Straße",
    "strasse", "naïve", "naive", "\ufb01re", "fire", "\uff21pple", "apple", "x\u0e31y", "5g",
    "APT31", "apt31", "the", "of", "kongers",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", ", ", "-", " _ ", ". ", "'s ", "\n", "_", " \u0301 "]
QUERY_WORDS = [
    "hong", "kong", "cafe", "café", "cyber", "cyberwar", "cyber_attack", "u.s", "spy", "spyware",
    "香港", "taipei", "strasse", "Straße", "naive", "fire", "apple", "5g", "apt31", "the", "of",
    "kongers", "x\u0e31y",
]  # fmt: skip
PREFIXES = ["cyber*", "spy*", "kong*", "ca*", "str*", "5*", "u.s*", "ap*", "th*", "o*"]
FIELD_NAMES = ["title", "description", "text"]


def _text(rng: random.Random, n: int) -> str:
    out = []
    for _ in range(n):
        out.append(rng.choice(WORDS))
        out.append(rng.choice(SEPARATORS))
    return "".join(out)


def generated(n: int, start: int, seed: int) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = [
        {
            "id": f"{start + i:016x}",
            "url": f"https://example.test/{start + i}",
            "title": _text(rng, rng.randint(0, 5)) or None,
            "description": _text(rng, rng.randint(0, 4)) if rng.random() < 0.7 else None,
            "text": _text(rng, rng.randint(0, 25)),
            "published": f"2024-{rng.randint(1, 4):02d}-10T00:00:00Z"
            if rng.random() < 0.9
            else None,
            "outlet": "Test",
        }
        for i in range(n)
    ]
    return conform(pd.DataFrame(rows))


def _leaf(rng: random.Random, vocab: list[str], pairs: list[str]) -> str:
    kind = rng.random()
    field = rng.choice(FIELD_NAMES) + ":" if rng.random() < 0.25 else ""
    case = "=" if rng.random() < 0.1 else ""
    if kind < 0.35:
        return f"{field}{case}{rng.choice(vocab)}"
    if kind < 0.5:
        return f"{field}{rng.choice(PREFIXES)}"
    if kind < 0.8:
        words = (
            rng.choice(pairs) if pairs and rng.random() < 0.6 else " ".join(rng.sample(vocab, 2))
        )
        if rng.random() < 0.2:
            words += "*"
        return f'{field}{case}"{words}"'
    return f'{field}"{rng.choice(vocab)} {rng.choice(vocab)}"~{rng.randint(0, 4)}'


def random_query(rng: random.Random, vocab: list[str], pairs: list[str], depth: int = 0) -> str:
    """A random query of ddj's grammar: leaves under AND, OR, NOT and parentheses."""
    if depth >= 2 or rng.random() < 0.35:
        leaf = _leaf(rng, vocab, pairs)
        return f"NOT {leaf}" if rng.random() < 0.15 else leaf
    op = rng.choice([" AND ", " OR ", " ", " AND NOT "])
    items = [random_query(rng, vocab, pairs, depth + 1) for _ in range(rng.randint(2, 3))]
    inner = op.join(items)
    return f"({inner})" if depth else inner


def matched_keys(store, queries: list[str]) -> list[np.ndarray]:
    """The id keys of the articles ``ddj.match`` (the scan) finds, for each query."""
    topics = {f"q{i}": q for i, q in enumerate(queries)}
    frame = store.to_pandas()  # the scan of rows in memory: a store with an index would use it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = ddj.match(frame, topics, pages="all")
    keys = id_keys(frame["id"].to_numpy())
    return [np.unique(keys[m[f"q{i}"].to_numpy()]) for i in range(len(queries))]


def check_against_scan(folder, queries: list[str]) -> dict[str, int]:
    """Every query: the scan's ids are among the candidates, and equal to them where exact."""
    tally = {"exact": 0, "narrowed": 0, "scanned": 0}
    truths = matched_keys(ddj.open(folder), queries)
    for query, truth in zip(queries, truths, strict=True):
        found = candidates(folder, query)
        if found.ids is None:
            tally["scanned"] += 1
            assert found.note
            continue
        missing = np.setdiff1d(truth, found.ids)
        assert not len(missing), f"{query!r}: the index lost {len(missing)} matching article(s)"
        if found.exact:
            tally["exact"] += 1
            assert np.array_equal(found.ids, truth), (
                f"{query!r}: exact, yet {len(found.ids)} != {len(truth)}"
            )
        else:
            tally["narrowed"] += 1
    return tally


@pytest.fixture(scope="module")
def generated_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fulltext") / "store"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ddj.save(generated(250, 0, seed=1), folder, append=True)
        ddj.index(folder)
        ddj.save(generated(150, 250, seed=2), folder, append=True)  # indexed by the append
    return folder


def test_words_are_ddjs_words():
    text = "Hong Kong's CAFÉ cafe\u0301 _ 5G_ban \ufb01re \uff21pple"
    assert indexed_words(text) == [w for w in word_runs(fold(text)) if w != "_"]
    assert indexed_words("x" * 500) == ["x" * fulltext.MAX_WORD]


@pytest.mark.slow
def test_random_queries_on_generated_rows_give_the_scans_ids(generated_store):
    rng = random.Random(25)
    queries = [random_query(rng, QUERY_WORDS, []) for _ in range(200)]
    tally = check_against_scan(generated_store, queries)
    # the test means something: many queries answered exactly, some narrowed, some scanned
    assert tally["exact"] > 50, tally
    assert tally["narrowed"] > 20, tally
    assert tally["scanned"] > 5, tally


@pytest.mark.parametrize(
    ("query", "exact"),
    [
        ('"hong kong"', True),  # "hong _ kong" too: ddj's phrase spans "_" between words
        ("kong*", True),
        ('title:"cafe hong"', True),
        ("cyber_attack", True),
        ("NOT hong", True),
        ('"hong kong"~2', False),  # proximity: the words, then the matcher
        ("=Hong", False),  # case: the folded word, then the matcher
        ("u.s", False),  # punctuation inside a word: its words side by side
        ("hong AND 香港", False),  # CJK matches inside words: only hong narrows
    ],
)
def test_each_kind_of_leaf(generated_store, query, exact):
    found = candidates(generated_store, query)
    assert found.exact is exact
    (truth,) = matched_keys(ddj.open(generated_store), [query])
    assert np.isin(truth, found.ids).all()
    if exact:
        assert np.array_equal(found.ids, truth)


@pytest.mark.parametrize(
    ("query", "exact"),
    [
        ("the", True),  # a common word alone: by article, exactly
        ("th*", True),  # a prefix that takes in a common word: both places asked
        ('title:"the"', True),
        ('"hong the kong"', False),  # hong, kong two apart, "the" in the article: narrowed
        ('"the hong"', False),
        ('"of the"', False),  # nothing but common words: both in the article
        ('"kong th*"', False),  # a prefix that may be a common word leaves the phrase
        ('"kong cyber*"', True),  # one that cannot stays in it, exactly
        ("NOT the", True),
        ('NOT "of the"', None),  # NOT of a superset: the scan
    ],
)
def test_common_words_are_held_by_article_and_phrases_with_them_narrowed(
    generated_store, query, exact
):
    found = candidates(generated_store, query)
    if exact is None:
        assert found.ids is None and "cannot narrow" in found.note
        return
    assert found.exact is exact
    (truth,) = matched_keys(ddj.open(generated_store), [query])
    assert np.isin(truth, found.ids).all()
    if exact:
        assert np.array_equal(found.ids, truth)
    else:
        assert len(found.ids) < len(ddj.open(generated_store))  # the index did narrow it


def test_an_index_made_before_common_words_answers_as_it_did(tmp_path, monkeypatch):
    """An index's state keeps its own common words: one made with none (older ddj) keeps positions."""
    rows = generated(200, 0, seed=11)
    queries = ['"hong the kong"', "the", "th*", '"cafe hong"', 'NOT "of the"', '"kong th*"']
    sizes, tallies = {}, {}
    for name, common in (("old", ()), ("new", None)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ddj.index(ddj.save(rows, tmp_path / name, append=True), common_words=common)
    monkeypatch.setattr(fulltext, "COMMON_WORDS", frozenset({"unused"}))  # read from the state
    for name in ("old", "new"):
        folder = tmp_path / name
        engine = folder / fulltext.INDEX / "tantivy"
        sizes[name] = sum(p.stat().st_size for p in engine.glob("*.pos"))
        tallies[name] = check_against_scan(folder, queries)
    assert tallies["old"] == {"exact": 6, "narrowed": 0, "scanned": 0}, tallies
    assert tallies["new"] == {"exact": 3, "narrowed": 2, "scanned": 1}, tallies
    assert sizes["new"] < 0.9 * sizes["old"], sizes  # "the" and "of" hold no positions


def test_common_words_are_checked_and_kept_with_the_index(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        folder = ddj.save(generated(30, 0, seed=12), tmp_path / "s", append=True)
    for bad in ("the", ["The"], ["hong kong"], [5]):
        with pytest.raises(ddj.ParameterError, match="common_words"):
            ddj.index(folder, common_words=bad)
    ddj.index(folder, common_words=["the", "of"])
    assert fulltext._read_state(folder / fulltext.INDEX)["common"] == ["of", "the"]
    assert ddj.index(folder, common_words=["of", "the"]).rows == 0  # the same words: fine
    with pytest.raises(ddj.ParameterError, match="made with other common words"):
        ddj.index(folder, common_words=())
    ddj.save(generated(10, 30, seed=13), folder, append=True)  # an append keeps them
    assert fulltext._read_state(folder / fulltext.INDEX)["common"] == ["of", "the"]
    assert check_against_scan(folder, ['"hong the kong"', '"cafe of"', "the"])["exact"] == 1


def test_the_common_words_are_words_as_the_index_holds_them():
    assert all(indexed_words(w) == [w] for w in fulltext.COMMON_WORDS)
    assert {"the", "of", "der", "la", "de"} <= fulltext.COMMON_WORDS
    assert not {"hong", "kong", "may", "new", "trump"} & fulltext.COMMON_WORDS


def test_what_the_index_cannot_narrow_says_so(generated_store, tmp_path):
    for query in ("香港", "hong OR 香港", "NOT (=Hong)", "x" * 250):
        found = candidates(generated_store, query)
        assert found.ids is None and "cannot narrow" in found.note
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        folder = ddj.save(generated(5, 0, seed=3), tmp_path / "plain", append=True)
    found = candidates(folder, "hong")
    assert found.ids is None and "no index" in found.note


def test_fields_not_searched_find_nothing(generated_store):
    found = candidates(generated_store, "title:hong OR text:kong", fields=["text"])
    (truth,) = matched_keys(ddj.open(generated_store), ["text:kong"])
    assert found.exact and np.array_equal(found.ids, truth)


def test_appends_are_indexed_and_a_replaced_batch_forgotten(tmp_path):
    folder = tmp_path / "store"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ddj.save(generated(60, 0, seed=4), folder, append=True)
        done = ddj.index(folder)
        assert done.rows == len(ddj.open(folder)) > 50
        assert ddj.index(folder).rows == 0  # nothing new: nothing read
        ddj.store.append(generated(40, 60, seed=5), folder, name="daily")
        ddj.store.append(generated(30, 100, seed=6), folder, name="daily")  # replaces it
    state = fulltext._read_state(folder / fulltext.INDEX)
    assert sum(e["rows"] for e in state["parts"].values()) == len(ddj.open(folder))
    assert check_against_scan(folder, ["hong", "NOT kong", '"cafe hong"'])["exact"] == 3


def test_parts_not_indexed_are_candidates(tmp_path, monkeypatch):
    folder = tmp_path / "store"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ddj.save(generated(50, 0, seed=7), folder, append=True)
        ddj.index(folder)
        monkeypatch.setattr(ddj.store.writing, "after_append", lambda folder: None)
        ddj.save(generated(20, 50, seed=8), folder, append=True)
    found = candidates(folder, "hong")
    (truth,) = matched_keys(ddj.open(folder), ["hong"])
    assert not found.exact and "not indexed yet" in found.note
    assert np.isin(truth, found.ids).all()
    assert np.isin(id_keys([f"{i:016x}" for i in range(50, 70)]), found.ids).all()


def test_a_killed_build_resumes_without_indexing_twice(tmp_path, monkeypatch):
    folder = tmp_path / "store"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in range(3):
            ddj.save(generated(40, 40 * k, seed=10 + k), folder, append=True)
    monkeypatch.setattr(fulltext, "COMMIT_ROWS", 1)  # a commit a part
    real = fulltext._write_state
    calls = []

    def killed(home, state):
        calls.append(1)
        if len(calls) == 2:  # the engine committed the second group; its state never lands
            raise KeyboardInterrupt
        real(home, state)

    monkeypatch.setattr(fulltext, "_write_state", killed)
    with pytest.raises(KeyboardInterrupt):
        ddj.index(folder)
    monkeypatch.setattr(fulltext, "_write_state", real)
    again = ddj.index(folder)
    assert again.parts > 0
    state = fulltext._read_state(folder / fulltext.INDEX)
    rows = len(ddj.open(folder))
    assert sum(e["rows"] for e in state["parts"].values()) == rows and state["repeats"] == 0
    layout = fulltext._layout(state)
    engine = fulltext._open(folder / fulltext.INDEX / "tantivy", layout, create=False)
    assert engine.searcher().num_docs == rows  # the part committed before the kill: once
    assert check_against_scan(folder, ["hong", "NOT hong"])["exact"] == 2


def test_the_index_reads_a_parts_ids_from_the_store_and_copies_only_an_older_parts(tmp_path):
    """One copy of each part's ids: the store's ``_ids`` list; a part without one gets the index's."""
    import shutil

    folder = tmp_path / "store"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ddj.save(generated(60, 0, seed=14), folder, append=True)
        ddj.index(folder)
        parts = fulltext._read_state(folder / fulltext.INDEX)["parts"]
        assert all(e.get("store_ids", "").startswith("_ids/") for e in parts.values())
        assert not list((folder / fulltext.INDEX / "keys").iterdir())
        legacy = next(folder.glob("month=*/part-c.*.parquet"))
        shutil.copy(legacy, legacy.parent / "part-0.parquet")  # a part of an older ddj: repeats
        ddj.index(folder)
    state = fulltext._read_state(folder / fulltext.INDEX)
    copied = [e for e in state["parts"].values() if e.get("keys")]
    assert len(copied) == 1 and (folder / fulltext.INDEX / copied[0]["keys"]).is_file()
    assert state["repeats"] == copied[0]["rows"] > 0  # its ids are all in the part it copies
    found = candidates(folder, "hong")
    assert not found.exact  # an id in two parts: a superset, the matcher decides
    (truth,) = matched_keys(ddj.open(folder), ["hong"])
    assert np.isin(truth, found.ids).all()


def test_index_refuses_what_is_no_store(tmp_path):
    with pytest.raises(ddj.InputError, match="not a store"):
        ddj.index(tmp_path)


@pytest.mark.shared
@pytest.mark.slow
def test_random_queries_on_real_rows_give_the_scans_ids(shared_corpora, tmp_path):
    path = shared_corpora / "newsdatahub-cybersecurity-2025" / "cybersecurity-news-en.csv.gz"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = ddj.load(path)
        folder = tmp_path / "real"
        half = len(corpus) // 2
        ddj.save(corpus.iloc[:half], folder, append=True)
        ddj.index(folder)
        ddj.save(corpus.iloc[half:], folder, append=True)
    titles = [word_runs(fold(t)) for t in corpus["title"].dropna().head(400)]
    counts = pd.Series([w for ws in titles for w in ws if len(w) > 2]).value_counts()
    vocab = counts.index[:60].tolist() + ["china", "ransomware", "salt", "typhoon", "hong"]
    pairs = [f"{a} {b}" for ws in titles[:200] for a, b in zip(ws, ws[1:], strict=False)][:300]
    rng = random.Random(2025)
    queries = [random_query(rng, vocab, pairs) for _ in range(80)]
    tally = check_against_scan(folder, queries)
    assert tally["exact"] > 15 and tally["exact"] + tally["narrowed"] > 60, tally


def test_cli_index_builds_then_updates(tmp_path, capsys):
    from ddj.cli import main

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        folder = ddj.save(generated(30, 0, seed=20), tmp_path / "store", append=True)
    assert main(["index", str(folder)]) == 0
    assert "new part(s)" in capsys.readouterr().out
    assert candidates(folder, "hong").exact
    assert main(["index", str(tmp_path / "nothing")]) == 2
    assert "is not a store" in capsys.readouterr().err


def test_ascii_words_are_cut_as_ddjs_rule_cuts_them():
    rng = random.Random(3)
    alphabet = [chr(c) for c in range(128)]
    for _ in range(2000):
        text = "".join(
            rng.choice(alphabet + ["a", "b", "_", " "] * 8) for _ in range(rng.randint(0, 40))
        )
        words = [w for w in word_runs(fold(text)) if w.strip("_")]
        assert indexed_words(text) == words, repr(text)


def test_a_damaged_index_falls_back_to_the_scan(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        folder = ddj.save(generated(30, 0, seed=21), tmp_path / "store", append=True)
    ddj.index(folder)
    for path in (folder / fulltext.INDEX / "tantivy").iterdir():
        if path.name == "meta.json":
            path.write_text("{not json")
    found = candidates(folder, "hong")
    assert found.ids is None and "cannot be read" in found.note


@pytest.mark.slow
def test_on_a_cluster_each_part_is_read_on_a_worker(tmp_path):
    distributed = pytest.importorskip("distributed")
    folder = tmp_path / "store"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in range(3):
            ddj.save(generated(60, 60 * k, seed=30 + k), folder, append=True)
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, silence_logs=50,
    )  # fmt: skip
    try:
        with distributed.Client(cluster, set_as_default=False) as client:
            done = ddj.index(folder, client=client)
            tasks = client.run(
                lambda dask_worker: len(dask_worker.data) + dask_worker.state.executed_count
            )
    finally:
        cluster.close()
    assert done.rows == len(ddj.open(folder)) and done.parts > 2
    assert sum(1 for n in tasks.values() if n) == 2  # both workers read parts
    assert check_against_scan(folder, ["hong", "NOT kong", '"cafe hong"', "cyber*"])["exact"] == 4
    with pytest.raises(ddj.ParameterError, match="dask.distributed.Client"):
        ddj.index(folder, client="tcp://nowhere")


# -- the analyses on an indexed store: the same answers as the scan --------------------------

#: Exact, narrowed (case kept: a superset), unnarrowable (a term matched inside words).
WIRED_QUERIES = {
    "exact": 'hong AND NOT "cafe kong"',
    "phrase": '"hong kong" OR spy*',
    "narrowed": "=Hong OR taipei",
    "scanned": "香港",
}


def _varied(n: int, start: int, seed: int) -> pd.DataFrame:
    """Generated rows of two outlets, every page type and date confidence, dates over four months."""
    rng = random.Random(seed)
    frame = generated(n, start, seed).copy()
    hosts = [rng.choice(["a.example", "b.example"]) for _ in range(n)]
    frame["url"] = [f"https://{h}/{start + i}" for i, h in enumerate(hosts)]
    frame["outlet"] = ["Alpha" if h == "a.example" else "Beta" for h in hosts]
    frame["page_type"] = [rng.choice(["article"] * 6 + ["paywall", "index"]) for _ in range(n)]
    frame["published_confidence"] = [rng.choice(["low", "medium", "high"]) for _ in range(n)]
    frame["published"] = pd.to_datetime(
        [
            None
            if rng.random() < 0.05
            else f"2024-{rng.randint(1, 4):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:30:00Z"
            for _ in range(n)
        ],
        utc=True,
    )
    return conform(frame)


@pytest.fixture(scope="module")
def twin_stores(tmp_path_factory):
    """The same rows in a store with an index (one part appended after it) and in one without."""
    base = tmp_path_factory.mktemp("wired")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in ("indexed", "plain"):
            ddj.save(_varied(300, 0, seed=11), base / name, append=True)
        ddj.index(base / "indexed")
        for name in ("indexed", "plain"):
            ddj.save(_varied(120, 300, seed=12), base / name, append=True)
    return ddj.open(base / "indexed"), ddj.open(base / "plain")


def _quiet(f, *args, **kwargs):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        out = f(*args, **kwargs)
    return out, sorted(str(w.message) for w in seen if "index" not in str(w.message))


@pytest.mark.parametrize("kind", list(WIRED_QUERIES))
@pytest.mark.parametrize("pages", ["article", "all"])
def test_match_and_hits_on_an_indexed_store_equal_the_scan(twin_stores, kind, pages):
    indexed, plain = twin_stores
    query = {kind: WIRED_QUERIES[kind]}
    got, said = _quiet(ddj.match, indexed, query, pages=pages)
    want, want_said = _quiet(ddj.match, plain, query, pages=pages)
    pd.testing.assert_frame_equal(got, want)
    assert said == want_said  # the same warning for the rows of other page types
    frame = plain.to_pandas()
    in_memory = ddj.match(frame, query, pages=pages) if pages == "all" else None
    if in_memory is not None:
        assert np.array_equal(in_memory[kind].to_numpy(), got[kind].to_numpy())
    note = got.attrs["index"]
    assert ("Scanned" in note) is (kind == "scanned")
    assert kind == "scanned" or "Answered from the index of" in note
    lengths = []
    for limit in (None, 3):
        h, h_said = _quiet(ddj.hits, indexed, query, limit=limit, pages=pages)
        w, w_said = _quiet(ddj.hits, plain, query, limit=limit, pages=pages)
        pd.testing.assert_frame_equal(h, w)
        assert h_said == w_said
        assert "index" in h.attrs and "index" not in w.attrs
        lengths.append(len(h))
    assert lengths[0] > 3 and lengths[1] == 3  # every hit, with no cap; and the first page


@pytest.mark.parametrize(
    "options",
    [
        {"freq": "W"},
        {"freq": "M", "by": "outlet", "pages": "all"},
        {"freq": "D", "min_confidence": "high", "start": "2024-02-03", "end": "2024-03-20"},
        {"freq": "W", "tz": "Asia/Hong_Kong", "outlets": ["a.example"], "by": "outlet"},
        {"freq": "Q", "tz": "local", "rolling": 2},
        {"freq": "M", "by": "group", "outlets": ["a.example", "b.example"]},
    ],
)
def test_coverage_on_an_indexed_store_equals_the_scan(twin_stores, options):
    indexed, plain = twin_stores
    topics = dict(WIRED_QUERIES)
    got, said = _quiet(ddj.coverage, indexed, topics, **options)
    want, want_said = _quiet(ddj.coverage, plain, topics, **options)
    in_memory, _ = _quiet(ddj.coverage, plain.to_pandas(), topics, **options)
    pd.testing.assert_frame_equal(got, want)
    pd.testing.assert_frame_equal(got, in_memory)
    assert said == want_said
    plain_note = want.attrs.pop("index", "No index")  # outlets=/by="group" read every row
    assert {k: v for k, v in got.attrs.items() if k != "index"} == want.attrs
    assert plain_note.startswith("No index")  # its texts that may match read with polars
    assert "Scanned" in got.attrs["index"]  # one topic the index cannot narrow (香港)...
    if "outlets" not in options:  # ...so its texts that may match are read with polars instead
        assert "Instead, the texts that may match read with polars" in got.attrs["index"]
    narrowed = {k: v for k, v in topics.items() if k != "scanned"}
    got, said = _quiet(ddj.coverage, indexed, narrowed, **options)
    want, want_said = _quiet(ddj.coverage, plain, narrowed, **options)
    pd.testing.assert_frame_equal(got, want)
    assert said == want_said and got["articles"].sum() > 0
    assert got.attrs["index"].startswith("Answered from the index of")
    assert "not indexed yet" not in got.attrs["index"]  # the append was indexed


def test_parts_not_yet_indexed_are_said_and_still_counted(tmp_path, monkeypatch):
    folder = tmp_path / "store"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ddj.save(_varied(80, 0, seed=13), folder, append=True)
        ddj.index(folder)
        monkeypatch.setattr(ddj.store.writing, "after_append", lambda folder: None)
        ddj.save(_varied(40, 80, seed=14), folder, append=True)
        store = ddj.open(folder)
        got = ddj.coverage(store, {"t": "hong"}, freq="M")
        want = ddj.coverage(store.to_pandas(), {"t": "hong"}, freq="M")
    pd.testing.assert_frame_equal(got, want)
    assert "not indexed yet" in got.attrs["index"]


def test_cli_hits_coverage_and_the_notebooks_search_say_they_used_the_index(
    twin_stores, tmp_path, capsys
):
    from ddj.cli import main

    indexed, plain = twin_stores
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["hits", str(indexed.path), "hong", "--limit", "2"]) == 0
        out = capsys.readouterr().out.splitlines()
        assert out[-1].startswith("Answered from the index of")
        assert main(["hits", str(plain.path), "hong", "--limit", "2"]) == 0
        assert "index" not in capsys.readouterr().out
        args = ["coverage", str(indexed.path), "-t", "query:hong", "--freq", "M"]
        assert main([*args, "--out", str(tmp_path / "cov")]) == 0
        assert capsys.readouterr().out.splitlines()[-1].startswith("Answered from the index of")
        found = ddj.interactive.search(indexed, "hong", freq="M")
    assert repr(found).splitlines()[1].startswith("Answered from the index of")


def test_compare_and_spikes_on_an_indexed_store_equal_the_scan(twin_stores):
    indexed, plain = twin_stores
    topics = {k: v for k, v in WIRED_QUERIES.items() if k != "scanned"}
    got, _ = _quiet(ddj.coverage, indexed, topics, freq="W")
    want, _ = _quiet(ddj.coverage, plain, topics, freq="W")
    assert got.attrs["index"].startswith("Answered from the index of")
    for f, kwargs in (
        (ddj.compare, {"baseline": 4}),
        (ddj.spikes, {"window": 3, "alpha": 0.5, "min_ratio": 1.0}),
    ):
        a, said = _quiet(f, got, **kwargs)
        b, want_said = _quiet(f, want, **kwargs)
        pd.testing.assert_frame_equal(a, b)
        assert said == want_said and len(b)
