"""``ddj.coverage`` of a store: counts that add up, per batch or per Dask task, then assembled.

Each batch (or month partition, on a cluster) gives a :class:`Tally`:
totals and matches per period (and outlet or group), the first three
headlines of each with their time and position, the counts the ``gap`` test
reads, and the rows left out. Tallies add up; the sum goes through
``ddj.measure``'s own assembly (shares and intervals, ``partial``, rolling
sums, ``gap``, order), so the result is the in-memory one.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ddj import params
from ddj.corpus import DEMO_ATTR, empty
from ddj.errors import DroppedRowsWarning, ParameterError
from ddj.store.disk import Part, Store
from ddj.store.streamed import Skipped

#: Where a row's position in a scan goes in a 64-bit key: scans of part groups stay apart.
_GROUP_SHIFT = 40

# -- coverage, streamed ----------------------------------------------------------------------


@dataclass
class Tally:
    """Coverage counts of some rows: they add up, so batches and Dask tasks combine.

    ``total`` and ``articles`` are counts per period (and outlet or group);
    ``examples`` the first three matching headlines of each, with their time
    and position in the scan; ``outlets`` the counts per period and outlet that
    the ``gap`` test reads.
    """

    rows: int = 0  # of the page types and date confidence counted
    undated: int = 0
    left_out: int = 0  # rows of other outlets (outlets=)
    skipped: Skipped = field(default_factory=Skipped)
    lo: pd.Timestamp | None = None
    hi: pd.Timestamp | None = None
    total: list[pd.Series] = field(default_factory=list)
    articles: dict[str, list[pd.Series]] = field(default_factory=dict)
    examples: list[pd.DataFrame] = field(default_factory=list)
    outlets: list[pd.DataFrame] = field(default_factory=list)

    def add(self, other: Tally) -> Tally:
        """The sum of this tally and ``other`` (kept small: counts and three examples a key)."""
        return Tally(
            self.rows + other.rows,
            self.undated + other.undated,
            self.left_out + other.left_out,
            self.skipped.add(other.skipped),
            _pick(min, self.lo, other.lo),
            _pick(max, self.hi, other.hi),
            [_summed(self.total + other.total)],
            {
                k: [_summed(self.articles.get(k, []) + other.articles.get(k, []))]
                for k in dict.fromkeys([*self.articles, *other.articles])
            },
            [_first_examples(self.examples + other.examples)],
            [_summed_table(self.outlets + other.outlets)],
        )


def coverage(corpus: Store, topics: Any, *, client: Any = None, **options: Any) -> pd.DataFrame:
    """``ddj.coverage`` of a store: counts per batch (or per Dask task), combined, then assembled.

    ``options`` are those of :func:`ddj.coverage`; the result (values, dtypes,
    ``examples``, ``partial``, ``gap``, ``attrs``) is the one it gives on
    ``store.to_pandas()``. With ``client`` (a ``dask.distributed.Client``)
    each month partition is counted on a worker; the workers must see the
    store's folder at the same path.
    """
    from ddj import measure
    from ddj.matching import resolve

    _refuse_in_memory_options(topics, options)
    rules = _Rules(
        params.pages(options.get("pages", "article")),
        params.confidence(options.get("min_confidence")),
        options.get("tz", "UTC"),
    )
    how = _how(options)
    chosen = resolve(topics)
    if client is None:
        tally = _tally_store(corpus, chosen, how, rules, base=0)
    else:
        tally = _tally_on(client, corpus, chosen, how, rules)
    _check_counted(corpus, tally, how, rules)
    counted, how = _counted(tally, chosen, how)
    result = measure._rolled(measure._assembled(counted, how), how)
    result, gaps = measure._gapped(result, _summed_table(tally.outlets), how)
    result = measure._ordered(result, [t.name for t in chosen], how)
    result.attrs = _coverage_attrs(options, how, tally, gaps)
    result.attrs["queries"] = {t.name: t.query for t in chosen}
    demo = corpus.attrs.get(DEMO_ATTR)
    if demo:
        result.attrs[DEMO_ATTR] = demo
    return result


@dataclass(frozen=True)
class _Rules:
    """Which rows a streamed coverage counts, and on which clock."""

    pages: tuple[str, ...] | None
    min_confidence: str | None
    tz: str


def _refuse_in_memory_options(topics: Any, options: dict) -> None:
    if options.get("dedupe"):
        msg = (
            "dedupe=True compares every article with every other, which a store streamed in "
            "batches cannot do: load it with to_pandas() for dedupe "
            "(ddj.coverage(store.filter(...).to_pandas(), topics, dedupe=True)), or leave dedupe out."
        )
        raise ParameterError(msg)
    if isinstance(topics, pd.DataFrame):
        msg = (
            "A frame of topic flags cannot be aligned to a store: pass topic names, queries or "
            "Topic objects (ddj.coverage(store, ['hong_kong'])), which are matched batch by batch."
        )
        raise ParameterError(msg)


def _how(options: dict) -> Any:
    """The checked options, as ``ddj.coverage`` checks them (on a frame with the corpus columns)."""
    from ddj.measure import _How

    return _How.checked(
        empty(),
        freq=options.get("freq", "W"),
        by=options.get("by"),
        start=options.get("start"),
        end=options.get("end"),
        tz=options.get("tz", "UTC"),
        rolling=options.get("rolling"),
        outlets=options.get("outlets"),
    )


def _coverage_attrs(options: dict, how: Any, tally: Tally, gaps: dict) -> dict[str, Any]:
    return {
        "freq": options.get("freq", "W"),
        "tz": options.get("tz", "UTC"),
        "start": None if how.first is None else str(how.first.date()),
        "end": None if how.last is None else str(how.last.date()),
        "n_undated": tally.undated,
        "by": options.get("by"),
        "rolling": options.get("rolling"),
        "dedupe": options.get("dedupe", False),
        "outlets": None if how.chosen is None else how.chosen.label,
        "outlets_left_out": tally.left_out,
        "gaps": gaps,
    }


def _tally_store(store: Store, chosen: list, how: Any, rules: _Rules, *, base: int) -> Tally:
    tally = Tally()
    for offset, frame in store._frames(None, store.batch_size, base=base):
        tally = tally.add(_tally(frame, chosen, how, rules, offset))
    return tally


def _tally(frame: pd.DataFrame, chosen: list, how: Any, rules: _Rules, offset: int) -> Tally:
    """The counts of one batch, in the steps of ``ddj.coverage``: outlets, topics, window, keys."""
    from ddj import measure

    where = np.arange(offset, offset + len(frame))  # positions in the scan: ties keep store order
    left_out = 0
    if how.chosen is not None:
        inside = how.chosen.contains(frame)
        left_out = int((~inside).sum())
        frame, where = frame.loc[inside], where[inside]
    flags, _ = measure._flags(frame, chosen)
    local = measure._local_times(frame, rules.tz)
    skipped, out = Skipped.of(frame, rules.pages, rules.min_confidence)
    dated = local.notna().to_numpy()
    wanted = ~out
    keep = dated & wanted & _in_window(local, how)
    tally = Tally(int(wanted.sum()), int((~dated & wanted).sum()), left_out, skipped)
    if not keep.any():
        return tally
    rows = frame.drop(columns=["text", "description"]).loc[keep]
    times, flags, where = local[keep], flags.loc[keep], where[keep]
    tally.lo, tally.hi = times.min(), times.max()
    tally.outlets = [measure.outlet_totals(rows, times, how)]
    if how.by == "group":  # one row per article and group it is in
        pos, group = measure._by_group(rows, how)
        rows = rows.iloc[pos].reset_index(drop=True).assign(group=group.to_numpy())
        times, flags = (
            times.iloc[pos].reset_index(drop=True),
            flags.iloc[pos].reset_index(drop=True),
        )
        where = where[pos]
    keys = _keys(rows, times, how)
    tally.total = [rows.groupby(keys, observed=True).size()]
    titles = rows["title"].fillna("(no title)").to_numpy()
    for name in flags.columns:
        hit = flags[name].to_numpy()
        tally.articles[name] = [rows.loc[hit].groupby([k[hit] for k in keys], observed=True).size()]
        tally.examples.append(_examples(name, keys, times, titles, where, hit))
    return tally


def _in_window(local: pd.Series, how: Any) -> np.ndarray:
    keep = np.ones(len(local), dtype=bool)
    if how.first is not None:
        keep &= (local >= how.first).to_numpy()
    if how.last is not None:
        keep &= (local < how.last + pd.Timedelta(days=1)).to_numpy()
    return keep


def _keys(rows: pd.DataFrame, times: pd.Series, how: Any) -> list[pd.Series]:
    keys = [times.dt.to_period(how.period).rename("period")]
    keys += [rows[key].fillna("(unknown)").rename(key) for key in how.keys]
    return keys


def _examples(
    name: str,
    keys: list[pd.Series],
    times: pd.Series,
    titles: np.ndarray,
    where: np.ndarray,
    hit: np.ndarray,
) -> pd.DataFrame:
    idx = np.flatnonzero(hit)
    table = pd.DataFrame({k.name: k.array[idx] for k in keys})  # periods stay a PeriodArray
    table["topic"] = name
    table["time"] = times.array[idx]
    table["pos"] = where[idx]
    table["title"] = titles[idx]
    return _first_examples([table])


def _first_examples(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The first three rows by (time, position) of each topic and key."""
    tables = [t for t in tables if len(t)]
    if not tables:
        return pd.DataFrame(columns=["topic", "time", "pos", "title"])
    table = pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]
    keys = [c for c in table.columns if c not in ("time", "pos", "title")]
    table = table.sort_values(["time", "pos"], kind="stable")
    return table.groupby(keys, sort=False, observed=True).head(3).reset_index(drop=True)


def _summed(series: list[pd.Series]) -> pd.Series:
    series = [s for s in series if len(s)]
    if not series:
        return pd.Series(dtype="int64")
    if len(series) == 1:
        return series[0]
    joined = pd.concat(series)
    return joined.groupby(level=list(range(joined.index.nlevels)), observed=True).sum()


def _summed_table(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Tables of counts (key columns and ``total``) added up by their keys."""
    tables = [t for t in tables if len(t)]
    if len(tables) <= 1:
        return tables[0] if tables else pd.DataFrame(columns=["period", "outlet", "total"])
    joined = pd.concat(tables, ignore_index=True)
    keys = [c for c in joined.columns if c != "total"]
    return joined.groupby(keys, observed=True)["total"].sum().reset_index()


def _pick(f: Any, a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else f(a, b)


def _check_counted(store: Store, tally: Tally, how: Any, rules: _Rules) -> None:
    """The warnings and the errors ``ddj.coverage`` gives, from the whole tally."""
    if how.chosen is not None and tally.skipped.rows == 0:
        from ddj.outlets import nothing_chosen

        raise nothing_chosen(store.to_pandas(columns=["url", "outlet"]), how.chosen)
    tally.skipped.warn(rules.min_confidence, stacklevel=4)
    if tally.undated:
        msg = (
            f"{tally.undated} of {tally.rows} article(s) have no publication date and are not "
            "counted (ddj.problems(corpus) lists them)."
        )
        warnings.warn(DroppedRowsWarning(msg), stacklevel=4)
    if tally.lo is None:
        from ddj.measure import nothing_dated

        raise nothing_dated(how)


def _counted(tally: Tally, chosen: list, how: Any) -> tuple[pd.DataFrame, Any]:
    """The frame ``ddj.measure._counted`` makes, from summed counts: every period of the grid."""
    lo = how.first if how.first is not None else tally.lo.normalize()
    hi = how.last if how.last is not None else tally.hi.normalize()
    how = replace(how, lo=lo, hi=hi)
    grid = pd.period_range(lo.to_period(how.period), hi.to_period(how.period), freq=how.period)
    total = _summed(tally.total)
    index: pd.Index = pd.Index(grid, name="period")
    if how.keys:
        key = how.keys[0]
        found = sorted(total.index.get_level_values(key).unique())
        series = list(how.chosen.domains) if key == "group" else found
        index = pd.MultiIndex.from_product([grid, series], names=["period", key])
    examples = _first_examples(tally.examples)
    parts = []
    for topic in chosen:
        counts = _summed(tally.articles.get(topic.name, []))
        joined = _joined(examples, topic.name, how)
        part = pd.DataFrame(
            {
                "articles": counts.reindex(index, fill_value=0).astype("int64"),
                "total": total.reindex(index, fill_value=0).astype("int64"),
                "examples": joined.reindex(index, fill_value="").astype("str"),
            }
        ).reset_index()
        parts.append(part.assign(topic=topic.name, label=topic.label))
    return pd.concat(parts, ignore_index=True), how


def _joined(examples: pd.DataFrame, name: str, how: Any) -> pd.Series:
    keys = ["period", *how.keys]
    mine = examples[examples["topic"] == name] if len(examples) else examples
    if not len(mine):
        return pd.Series(dtype="str")
    mine = mine.sort_values(["time", "pos"], kind="stable")
    grouped = mine.groupby(keys if len(keys) > 1 else keys[0], observed=True)["title"]
    return grouped.agg(lambda s: " | ".join(s.head(3)))


# -- on a Dask cluster -----------------------------------------------------------------------


def _tally_on(client: Any, store: Store, chosen: list, how: Any, rules: _Rules) -> Tally:
    """One task a month partition, run on the cluster's workers; their tallies added up here."""
    if not callable(getattr(client, "map", None)) or not callable(getattr(client, "gather", None)):
        msg = f"client={client!r}: give a dask.distributed.Client (Client('tcp://host:8786'))."
        raise ParameterError(msg)
    store.warn_unread(stacklevel=4)  # the survey is made here once, and travels with each task
    groups = _month_groups(store)
    if not groups:
        return Tally()
    futures = client.map(
        _tally_group,
        [replace(store, parts=parts) for parts in groups],
        range(len(groups)),
        chosen=chosen,
        how=how,
        rules=rules,
        pure=False,
    )
    tally = Tally()
    for part in client.gather(futures):
        tally = tally.add(part)
    return tally


def _month_groups(store: Store) -> list[tuple[Part, ...]]:
    groups: dict[str, list[Part]] = {}
    for part in store.parts:
        groups.setdefault(part.month, []).append(part)
    return [tuple(g) for g in groups.values()]


def _tally_group(store: Store, group: int, *, chosen: list, how: Any, rules: _Rules) -> Tally:
    """A worker's task: the tally of one month partition (positions kept apart by ``group``)."""
    return _tally_store(store, chosen, how, rules, base=group << _GROUP_SHIFT)
