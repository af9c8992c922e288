"""Auditing a query: a reproducible, stratified sample of what it finds, nearly finds and misses.

:func:`audit` draws three groups from a corpus (a frame, or a store read
batch by batch):

- ``match``: articles the query matches;
- ``near``: near misses, articles that match the *near query* but not the
  query. The near query is, unless ``near=`` gives one, every term the query
  counts (not under NOT) on its own, ORed, with each phrase loosened to its
  words anywhere in the article (``"Salt Typhoon" AND hack*`` ->
  ``salt AND typhoon OR hack*``). So an article that has a term of an
  AND-branch without the other, a phrase's words apart, or a term that a NOT
  took away, is a near miss;
- ``other``: every other article (random non-matches).

Each group is stratified by period (calendar month of ``published``, UTC;
``undated`` apart) and outlet, with proportional allocation (largest
remainders). Strata whose share is below one article are pooled into one
stratum of the group, so every article has a chance to be drawn. In each
stratum the articles drawn are those with the smallest *priority*, a seeded
hash of the article id: a simple random sample without replacement, the
same for the same corpus, query, ``n`` and ``seed``, whether the corpus is a
frame or a store, and however it is split into batches. Each drawn row
carries its inclusion probability ``n_h / N_h`` and weight ``N_h / n_h``.

The scan keeps, per group and stratum, only the ``n`` lowest priorities met
so far (a reduction over batches, :mod:`ddj.scan`), so memory is bounded by
the number of strata times ``n``, never by the corpus.

Examples
--------
>>> import ddj
>>> sample = ddj.audit(ddj.demo_corpus(n=300), '"Hong Kong" AND protest*', n=30, seed=1)
>>> sample["group"].value_counts().sort_index().to_dict()  # all 5 matches, 10 of the others
{'match': 5, 'near': 10, 'other': 10}
>>> sample.attrs["population"]
{'match': 5, 'near': 12, 'other': 289}
>>> sample.attrs["near_query"]
'hong AND kong OR protest*'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ddj import params, scan, warns
from ddj.errors import ParameterError
from ddj.matching import Topic, hits, match, resolve
from ddj.query import FIELDS, And, Or, Phrase, Term, leaves

#: The three groups a sample draws from, in order.
GROUPS = ("match", "near", "other")
#: The stratum of a group's small strata, pooled.
POOLED = "(small strata pooled)"
#: The largest sample ``audit`` draws (labelling more is rarely worth it).
MAX_SAMPLE = 10_000
#: Where a group's strata stop being kept apart (more: all pooled by period alone).
MAX_STRATA = 5_000
#: The terms of a near query at most.
MAX_NEAR_TERMS = 64

_MIX = np.uint64(0x9E3779B97F4A7C15)

SAMPLE_COLUMNS = [
    "id", "group", "period", "outlet", "stratum", "stratum_articles", "stratum_sampled",
    "probability", "weight", "priority",
]  # fmt: skip


def near_query(topic: Topic) -> str:
    """The near query of a topic: its counting terms ORed, each phrase loosened to its words.

    Examples
    --------
    >>> near_query(resolve('"Salt Typhoon" AND hack* AND NOT sport')[0])
    'salt AND typhoon OR hack*'
    >>> near_query(resolve("query:taiwan")[0])
    'taiwan'
    """
    items: list[Any] = []
    for leaf, positive in leaves(topic.tree):
        if not positive:
            continue
        if isinstance(leaf, Phrase):
            words = tuple(Term(w.word, w.wildcard, leaf.case, leaf.field) for w in leaf.words)
            item = words[0] if len(words) == 1 else And(words)
        else:
            item = leaf
        if item not in items:
            items.append(item)
    if not items:
        msg = (
            f"{topic.definition} has no term that counts (every term is under NOT): "
            "give near='...' the terms a near miss should have."
        )
        raise ParameterError(msg)
    if len(items) > MAX_NEAR_TERMS:
        msg = (
            f"{topic.definition} has {len(items)} terms; a near query takes at most "
            f"{MAX_NEAR_TERMS}: give near='...' yourself."
        )
        raise ParameterError(msg)
    return str(items[0] if len(items) == 1 else Or(tuple(items)))


def priorities(keys: np.ndarray, seed: int) -> np.ndarray:
    """A seeded pseudo-random number in [0, 1) for each id key (splitmix64 of key and seed).

    Examples
    --------
    >>> p = priorities(np.array([1, 2, 1], dtype=np.uint64), seed=7)
    >>> bool(p[0] == p[2]), bool(0 <= p.min() < p.max() < 1)
    (True, True)
    """
    with np.errstate(over="ignore"):
        z = np.asarray(keys, dtype=np.uint64) ^ (np.uint64(seed & 0xFFFFFFFFFFFFFFFF) * _MIX)
        z = z + _MIX
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def sizes(n: Any) -> dict[str, int]:
    """How many of each group to draw: ``n`` split evenly (first groups get the rest), or a mapping.

    Examples
    --------
    >>> sizes(10)
    {'match': 4, 'near': 3, 'other': 3}
    >>> sizes({"match": 5, "other": 2})
    {'match': 5, 'near': 0, 'other': 2}
    """
    if isinstance(n, Mapping):
        unknown = sorted(set(map(str, n)) - set(GROUPS))
        if unknown:
            msg = f"n={dict(n)!r}: the groups are {list(GROUPS)}; {unknown} is not one."
            raise ParameterError(msg)
        out = {g: _count(f"n[{g!r}]", n.get(g, 0)) for g in GROUPS}
    else:
        total = _count("n", n)
        out = {g: total // 3 + (i < total % 3) for i, g in enumerate(GROUPS)}
    if not 0 < sum(out.values()) <= MAX_SAMPLE:
        msg = f"n={n!r}: draw from 1 to {MAX_SAMPLE:,} articles in all, such as n=120."
        raise ParameterError(msg)
    return out


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        msg = f"{name}={value!r}: give a whole number of articles, 0 or more, such as n=120."
        raise ParameterError(msg)
    return int(value)


def population(batch: pd.DataFrame, flags: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Each article of one batch with its group, period, outlet, stratum and priority.

    ``flags`` has bool columns ``match`` and ``near`` on the batch's rows.
    """
    keys = scan.row_keys(batch)
    dates = batch["published"] if "published" in batch.columns else pd.Series(pd.NaT, batch.index)
    period = pd.Series(dates.dt.strftime("%Y-%m").to_numpy(), index=batch.index).fillna("undated")
    outlet = batch["outlet"] if "outlet" in batch.columns else pd.Series(None, batch.index)
    outlet = outlet.astype("str").fillna("(no outlet)")
    group = np.where(
        flags["match"].to_numpy(), "match", np.where(flags["near"].to_numpy(), "near", "other")
    )
    return pd.DataFrame(
        {
            "key": keys,
            "id": batch["id"].astype("str").to_numpy(),
            "group": group,
            "period": period.to_numpy(),
            "outlet": outlet.to_numpy(),
            "stratum": (period + " · " + outlet).to_numpy(),
            "priority": priorities(keys, seed),
        }
    )


@dataclass(frozen=True)
class Kept:
    """A partial sample: articles counted per (group, stratum), and the lowest priorities kept."""

    counts: pd.Series  # (group, stratum) -> articles
    rows: (
        pd.DataFrame
    )  # population rows, the ``caps[group]`` lowest priorities of each (group, stratum)
    caps: tuple[tuple[str, int], ...]

    @classmethod
    def of(cls, pop: pd.DataFrame, caps: Mapping[str, int]) -> Kept:
        """The partial of some population rows."""
        counts = pop.groupby(["group", "stratum"], sort=False).size()
        return cls(counts, _lowest(pop, caps), tuple(caps.items()))

    def add(self, other: Kept) -> Kept:
        """Both partials combined (associative: any grouping of batches gives the same)."""
        parts = [c for c in (self.counts, other.counts) if len(c)]
        counts = pd.concat(parts).groupby(level=[0, 1], sort=False).sum() if parts else self.counts
        rows = pd.concat(
            [r for r in (self.rows, other.rows) if len(r)] or [self.rows], ignore_index=True
        )
        return Kept(counts, _lowest(rows, dict(self.caps)), self.caps)


def _lowest(pop: pd.DataFrame, caps: Mapping[str, int]) -> pd.DataFrame:
    """The rows of lowest priority, ``caps[group]`` of each (group, stratum), ties broken by key."""
    if not len(pop):
        return pop
    cell = pd.factorize(pop["group"].astype("str") + "\x1f" + pop["stratum"].astype("str"))[0]
    limit = pop["group"].map(caps).fillna(0).to_numpy()
    return pop.iloc[_first_in_each(cell, pop, limit)]


def _first_in_each(cell: np.ndarray, pop: pd.DataFrame, limit: np.ndarray) -> np.ndarray:
    """Positions of the rows among the ``limit`` lowest (priority, key) of their ``cell``, by priority."""
    order = np.lexsort((pop["key"].to_numpy(), pop["priority"].to_numpy(), cell))
    cells = cell[order]
    starts = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]])
    run = np.repeat(starts, np.diff(np.r_[starts, len(cells)]))
    rank = np.arange(len(cells)) - run
    kept = order[rank < limit[order]]
    return kept[np.lexsort((pop["key"].to_numpy()[kept], pop["priority"].to_numpy()[kept]))]


def allocate(strata: pd.Series, n: int) -> tuple[dict[str, str], dict[str, int], dict[str, int]]:
    """Proportional allocation of ``n`` draws over ``strata`` (stratum -> articles), small ones pooled.

    Returns which final stratum each stratum belongs to, the final strata's
    articles and draws. Every final stratum gets at least one draw: a stratum
    whose share is below one draw goes to the pool, and the pool grows until
    every final stratum has a draw. With ``n`` at or above the articles, all
    are drawn.

    Examples
    --------
    >>> into, size, drawn = allocate(pd.Series({"a": 60, "b": 30, "c": 6, "d": 4}), 10)
    >>> drawn, into["c"]
    ({'a': 6, 'b': 3, '(small strata pooled)': 1}, '(small strata pooled)')
    """
    counts = {s: int(v) for s, v in strata.items() if v > 0}
    total = sum(counts.values())
    if total == 0 or n == 0:
        return {}, {}, {}
    if n >= total:
        return {s: s for s in counts}, dict(counts), dict(counts)
    pooled = {s for s, v in counts.items() if v * n < total}
    if len(counts) - len(pooled) > MAX_STRATA:
        pooled = set(counts)
    while True:
        into = {s: POOLED if s in pooled else s for s in counts}
        size: dict[str, int] = {}
        for s, v in counts.items():
            size[into[s]] = size.get(into[s], 0) + v
        quota = {s: v * n / total for s, v in size.items()}
        drawn = {s: int(q) for s, q in quota.items()}
        rest = n - sum(drawn.values())
        order = sorted(size, key=lambda s: (-(quota[s] - drawn[s]), str(s)))
        for s in order[:rest]:
            drawn[s] += 1
        if all(drawn.values()):
            break
        # give the pool the smallest kept stratum until every final stratum has a draw
        kept = [s for s in counts if s not in pooled]
        if not kept:
            break
        pooled.add(min(kept, key=lambda s: (counts[s], str(s))))
    return into, size, drawn


def select(kept: Kept, caps: Mapping[str, int]) -> pd.DataFrame:
    """The sample from a finished partial: each group allocated, each stratum's lowest priorities."""
    frames = []
    for group in GROUPS:
        if group not in kept.counts.index.get_level_values(0):
            continue
        counts = kept.counts.loc[group]
        into, size, drawn = allocate(counts, caps.get(group, 0))
        if not drawn:
            continue
        rows = kept.rows.loc[(kept.rows["group"] == group).to_numpy()]
        final = np.array([into[v] for v in rows["stratum"]], dtype=object)
        cell, names = pd.factorize(final)
        limit = np.array([drawn[v] for v in names], dtype=np.int64)[cell]
        rows = rows.iloc[_first_in_each(cell, rows, limit)].copy()
        rows["stratum"] = [into[v] for v in rows["stratum"]]
        rows["stratum_articles"] = np.array([size[v] for v in rows["stratum"]], dtype=np.int64)
        rows["stratum_sampled"] = np.array([drawn[v] for v in rows["stratum"]], dtype=np.int64)
        frames.append(rows)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in SAMPLE_COLUMNS})
    out = pd.concat(frames, ignore_index=True)
    out["probability"] = out["stratum_sampled"] / out["stratum_articles"]
    out["weight"] = out["stratum_articles"] / out["stratum_sampled"]
    return out[SAMPLE_COLUMNS]


def draw(pop: pd.DataFrame, n: Any = 120) -> pd.DataFrame:
    """The sample of a population frame (:func:`population`'s columns): what :func:`audit` draws.

    Examples
    --------
    >>> pop = pd.DataFrame({"key": np.arange(1, 101, dtype=np.uint64), "id": [f"{i}" for i in range(100)],
    ...     "group": ["match"] * 20 + ["other"] * 80, "period": "2024-01", "outlet": "A"})
    >>> pop = pop.assign(stratum="2024-01 · A", priority=priorities(pop["key"].to_numpy(), 1))
    >>> draw(pop, {"match": 5, "other": 8})["weight"].tolist()[::5]
    [4.0, 10.0, 10.0]
    """
    caps = sizes(n)
    return select(Kept.of(pop, caps), caps)


@dataclass(frozen=True)
class _Sample(scan.Reduction):
    """``audit``'s scan: each batch's articles matched, grouped and stratified; the lowest priorities kept."""

    topics: tuple[Topic, Topic]
    fields: tuple[str, ...]
    pages: tuple[str, ...] | None
    caps: tuple[tuple[str, int], ...]
    seed: int

    @property
    def columns(self) -> list[str]:
        """The text searched, the id, the date and outlet that stratify, and the page type."""
        return ["id", "published", "outlet", *self.fields, "page_type", "source", "url"]

    def tally(self, batch: pd.DataFrame, start: int) -> tuple[Kept, scan.Skipped, int, int]:
        """One batch's partial sample, the rows of other page types, articles and rows without id."""
        skipped, out = scan.Skipped.of(batch, self.pages, None)
        no_id = batch["id"].isna().to_numpy() & ~out
        keep = ~out & ~no_id
        rows = batch.loc[keep]
        caps = dict(self.caps)
        if not len(rows):
            return (
                Kept.of(population(rows, _no_flags(rows), self.seed), caps),
                skipped,
                0,
                int(no_id.sum()),
            )
        found = match(rows, list(self.topics), self.fields, pages="all")
        flags = pd.DataFrame(
            {
                "match": found[self.topics[0].name].to_numpy(),
                "near": found[self.topics[1].name].to_numpy(),
            },
            index=rows.index,
        )
        pop = population(rows, flags, self.seed)
        return Kept.of(pop, caps), skipped, len(rows), int(no_id.sum())

    def combine(self, a: tuple, b: tuple) -> tuple[Kept, scan.Skipped, int, int]:
        """Both partials added."""
        return a[0].add(b[0]), a[1].add(b[1]), a[2] + b[2], a[3] + b[3]

    def finish(self, total: tuple, corpus: Any) -> tuple[pd.DataFrame, pd.Series, int]:
        """The sample, the articles of each group, and the articles counted."""
        total[1].warn(None)
        if total[3]:
            scan.warn(
                warns.note(
                    f"{total[3]:,} article(s) have no id and cannot be labelled: left out of the audit "
                    "(ddj.load gives every article an id; check the corpus's 'id' column)."
                )
            )
        caps = dict(self.caps)
        per_group = total[0].counts.groupby(level=0).sum()
        return select(total[0], caps), per_group, total[2]


def _no_flags(rows: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {"match": np.zeros(len(rows), bool), "near": np.zeros(len(rows), bool)}, index=rows.index
    )


def audit(
    corpus: Any,
    topic: Any,
    n: Any = 120,
    *,
    seed: int = 0,
    near: str | None = None,
    fields: Sequence[str] = FIELDS,
    pages: Any = "article",
    width: int = 80,
) -> pd.DataFrame:
    """A reproducible sample of a topic's matches, near misses and non-matches, to label.

    Parameters
    ----------
    corpus
        A corpus (``ddj.load``) or a store (``ddj.open``), read batch by batch.
    topic
        One topic name or query (:func:`ddj.resolve`).
    n
        Articles to draw in all, split evenly over ``match``, ``near`` and
        ``other`` (or a mapping such as ``{"match": 60, "near": 30, "other": 30}``).
    seed
        The seed of the priorities: the same seed draws the same sample.
    near
        The near query (default: :func:`near_query` of the topic).
    fields, pages
        As :func:`ddj.match`.
    width
        Characters of context each side of a hit.

    Returns
    -------
    DataFrame, one row an article drawn: ``id``, ``group``, ``period``,
    ``outlet``, ``stratum``, ``stratum_articles`` (N_h), ``stratum_sampled``
    (n_h), ``probability`` (n_h / N_h), ``weight`` (N_h / n_h), ``priority``,
    then ``url``, ``title``, ``published`` and the first hit in context
    (``before``, ``matched``, ``after``; near misses: a hit of the near query;
    non-matches: the start of the text). ``attrs`` hold the query, the near
    query, the seed, the articles of each group (``population``) and of the
    corpus (``articles``).
    """
    chosen = resolve(topic)
    if len(chosen) != 1:
        msg = f"audit() takes one topic at a time; got {len(chosen)}: {[t.name for t in chosen]}."
        raise ParameterError(msg)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        msg = f"seed={seed!r}: give a whole number, 0 or more, such as seed=1."
        raise ParameterError(msg)
    the = chosen[0]
    near_text = near_query(the) if near is None else str(near)
    near_topic = Topic("_near", "near misses", near_text)
    try:
        near_topic.tree  # noqa: B018 - parse now, to name the parameter
    except Exception as exc:
        msg = f"near={near!r}: {exc}"
        raise ParameterError(msg) from exc
    caps = sizes(n)
    reduction = _Sample(
        (the, near_topic), tuple(f for f in FIELDS if f in fields), params.pages(pages),
        tuple(caps.items()), int(seed),
    )  # fmt: skip
    sample, per_group, articles = scan.run(corpus, reduction)
    shown = _shown(corpus, sample, the, near_topic, width)
    out = sample.merge(shown, on="id", how="left")
    out.attrs.update(
        {
            "topic": the.name,
            "query": the.query,
            "definition": the.definition,
            "label": the.label,
            "near_query": near_text,
            "seed": int(seed),
            "n": caps,
            "population": {g: int(per_group.get(g, 0)) for g in GROUPS},
            "articles": int(articles),
        }
    )
    return out


def _shown(corpus: Any, sample: pd.DataFrame, the: Topic, near: Topic, width: int) -> pd.DataFrame:
    """What a person reads to label each drawn article: its title, link, date and a hit in context."""
    columns = ["id", "url", "title", "published", "text"]
    empty = pd.DataFrame(columns=[*columns[:-1], "before", "matched", "after"])
    if not len(sample):
        return empty
    keys = np.unique(scan.row_keys(sample))
    parts = [
        b.loc[b["id"].isin(sample["id"])]
        for b in scan.batches(corpus, list(dict.fromkeys([*columns, *FIELDS])), keys)
    ]
    rows = pd.concat(parts) if parts else empty
    rows = rows.drop_duplicates("id")
    group = dict(zip(sample["id"], sample["group"], strict=True))
    context = {}
    for t, g in ((the, "match"), (near, "near")):
        chosen = rows.loc[rows["id"].map(group).eq(g).to_numpy()]
        if len(chosen):
            found = hits(chosen, t, width=width, pages="all").drop_duplicates("id")
            context.update({r.id: (r.before, r.matched, r.after) for r in found.itertuples()})
    texts = rows["text"] if "text" in rows.columns else pd.Series(None, index=rows.index)
    start = {i: ("", "", _start(t, width * 2)) for i, t in zip(rows["id"], texts, strict=True)}
    before, matched, after = (
        zip(*(context.get(i, start.get(i, ("", "", ""))) for i in rows["id"]), strict=True)
        if len(rows)
        else ((), (), ())
    )
    return pd.DataFrame(
        {
            "id": rows["id"].to_numpy(),
            "url": rows["url"].to_numpy() if "url" in rows.columns else None,
            "title": rows["title"].to_numpy() if "title" in rows.columns else None,
            "published": rows["published"].to_numpy() if "published" in rows.columns else pd.NaT,
            "before": list(before),
            "matched": list(matched),
            "after": list(after),
        }
    )


def _start(text: Any, width: int) -> str:
    if not isinstance(text, str):
        return ""
    words = " ".join(text[: width * 2].split())
    return words[:width] + ("…" if len(text) > width else "")
