"""A period beside its baseline (``compare``) and the outlets that cover a topic most (``rank_outlets``).

Both take a finished coverage frame (``ddj.coverage``) and use the intervals and
the test of :mod:`ddj.intervals`, whose notes say why each method was chosen.

Examples
--------
>>> cov = pd.DataFrame({"period": "2025-01-06", "topic": "t", "label": "T", "partial": False,
...     "outlet": ["Big", "Tiny"], "articles": [30, 1], "total": [100, 1]})
>>> rank_outlets(cov)["outlet"].tolist()
['Big', 'Tiny']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ddj import params, words
from ddj.constants import FREQ_NAMES, PERIODS, SERIES_KEYS, SMALL_TOTAL
from ddj.errors import ParameterError, SchemaError
from ddj.intervals import (
    CONFIDENCE,
    Baseline,
    count_test,
    coverage_frame,
    difference_interval,
    ratio_interval,
    sentence,
    wilson,
)

# -- compare ---------------------------------------------------------------------------------


def compare(
    cov: pd.DataFrame,
    at: Any = None,
    *,
    baseline: Any = 12,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """A period (or window) beside a baseline: shares, intervals, ratio, difference, test, a sentence.

    Per topic (and outlet or group, when the coverage has them) the articles
    and totals of the periods chosen are added up, and so are the baseline's:
    the baseline share is all its matching articles over all its articles (an
    average weighted by each period's total). Shares get Wilson intervals, the
    ratio the Katz log interval, the difference Newcombe's hybrid score
    interval, and the p-value is Fisher's exact test, two-sided (see the
    module's notes for why each).

    Parameters
    ----------
    cov
        A frame from ``ddj.coverage``.
    at
        A day inside the period to look at (``"2024-10-14"``), a ``(start,
        end)`` pair of days (every period from the one holding ``start`` to
        the one holding ``end``), or ``None`` for the latest complete period.
    baseline
        ``12`` (or any number): that many periods just before (partial ones
        left out; fewer when the data starts later, and the sentence says how
        many); ``"year"``: the same period a year earlier; or a ``(start,
        end)`` pair of days.
    confidence
        Of the intervals (0.95).

    Returns
    -------
    pandas.DataFrame
        ``topic``, ``label``, [``outlet`` | ``group``], ``period``,
        ``period_end``, ``articles``, ``total``, ``share``, ``share_low``,
        ``share_high``, ``small``, ``baseline_start``, ``baseline_end``,
        ``baseline_periods``, ``baseline_articles``, ``baseline_total``,
        ``baseline_share``, ``baseline_low``, ``baseline_high``, ``ratio``,
        ``ratio_low``, ``ratio_high``, ``difference``, ``difference_low``,
        ``difference_high`` (fractions: 0.05 is 5 points), ``p_value``,
        ``test``, ``sentence`` (and ``gap`` when the coverage has it: the
        sentence then says the total lacks an outlet). A share, ratio or test that cannot be
        computed (a total of 0, no baseline article) is NaN, and the sentence
        says why.

    Raises
    ------
    ParameterError
        ``at`` outside the coverage or on a partial period; a baseline that is
        not in the coverage, overlaps ``at`` or has no article at all.
    SchemaError
        Not a coverage frame.

    Examples
    --------
    >>> row = ddj.compare(cov, "2022-11-15", baseline=6).iloc[1]
    >>> row["sentence"]
    'Ukraine war was 80.0% of articles in November 2022 (95% CI 37.6–96.4%, of only 5 articles in all), 5.6 times its average of the previous 6 months (14.3%; p = 0.01).'
    """
    frame = coverage_frame(cov, "compare")
    grid = _Grid.of(frame)
    chosen = grid.chosen(at)
    base, base_words = grid.baseline(baseline, chosen)
    keys = ["topic", "label", *[k for k in SERIES_KEYS if k in frame]]
    now = _summed(frame, chosen, keys, "")
    before = _summed(frame, base, keys, "baseline_")
    if not before["baseline_total"].any():
        msg = (
            f"baseline={baseline!r}: there are no articles at all {base_words.inside}; "
            "choose another baseline."
        )
        raise ParameterError(msg)
    table = now.merge(before, on=keys, how="left", sort=False)
    table = table.assign(
        period=chosen[0],
        period_end=grid.end(chosen[-1]),
        baseline_start=base[0],
        baseline_end=grid.end(base[-1]),
        baseline_periods=len(base),
    )
    table = _with_statistics(table, confidence)
    when = words.span(chosen[0], chosen[-1], grid.freq, preposition=True)
    table["sentence"] = [
        sentence(row, when, base_words, confidence) + (_GAP if row.get("gap") else "")
        for row in table.to_dict("records")
    ]
    table.attrs = {k: v for k, v in cov.attrs.items() if k in ("freq", "by", "ddj_demo")}
    return table[[*keys, *_COMPARE_COLUMNS, *(["gap"] if "gap" in table else [])]]


_GAP = (
    " The total then lacks an outlet that is normally there (see ddj.health), so the share may "
    "be off."
)


_COMPARE_COLUMNS = [
    "period", "period_end", "articles", "total", "share", "share_low", "share_high", "small",
    "baseline_start", "baseline_end", "baseline_periods", "baseline_articles", "baseline_total",
    "baseline_share", "baseline_low", "baseline_high", "ratio", "ratio_low", "ratio_high",
    "difference", "difference_low", "difference_high", "p_value", "test", "sentence",
]  # fmt: skip


@dataclass(frozen=True)
class _Grid:
    """The periods of a coverage frame: first days, last days, partial or not."""

    table: pd.DataFrame  # index: period (first day); columns period_end, partial
    freq: str

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Grid:
        period = pd.to_datetime(frame["period"])
        ends = pd.to_datetime(frame["period_end"]) if "period_end" in frame else None
        table = (
            pd.DataFrame({"period": period, "partial": frame["partial"].astype(bool)})
            .assign(period_end=ends if ends is not None else period)
            .groupby("period")
            .agg(period_end=("period_end", "max"), partial=("partial", "any"))
            .sort_index()
        )
        freq = words.frequency(frame)
        if ends is None:
            nxt = table.index.to_period(PERIODS[freq]).end_time.normalize()
            table["period_end"] = nxt
        return cls(table, freq)

    def end(self, first: pd.Timestamp) -> pd.Timestamp:
        return self.table.loc[first, "period_end"]

    def words(self, first: pd.Timestamp) -> str:
        return words.period(first, self.freq)

    def holding(self, when: pd.Timestamp, name: str) -> pd.Timestamp:
        """The first day of the period that holds day ``when``; a ParameterError if none does."""
        starts = self.table.index
        inside = (starts <= when) & (self.table["period_end"] >= when)
        if not inside.any():
            first, last = starts[0], starts[-1]
            msg = (
                f"{name}={when:%Y-%m-%d} is outside the coverage, which runs from "
                f"{self.words(first)} to {self.words(last)}: choose a day inside it "
                "(or count a wider window with ddj.coverage(start=..., end=...))."
            )
            raise ParameterError(msg)
        return starts[inside][0]

    def chosen(self, at: Any) -> list[pd.Timestamp]:
        """The periods ``at`` names, each complete."""
        at = params.at(at)
        if at is None:
            complete = self.table.index[~self.table["partial"]]
            if not len(complete):
                msg = "at=None: every period of this coverage is partial; give at= a day, or count a longer window."
                raise ParameterError(msg)
            return [complete[-1]]
        first, last = at if isinstance(at, tuple) else (at, at)
        lo, hi = self.holding(first, "at"), self.holding(last, "at")
        chosen = list(self.table.index[(self.table.index >= lo) & (self.table.index <= hi)])
        partial = [p for p in chosen if self.table.loc[p, "partial"]]
        if partial:
            complete = self.table.index[~self.table["partial"]]
            hint = f", e.g. at='{complete[-1]:%Y-%m-%d}'" if len(complete) else ""
            msg = (
                f"at={_shown(at)}: {self.words(partial[0])} is only partly covered by the data "
                f"(a partial period), so its share and counts are not comparable; choose a "
                f"complete period{hint}."
            )
            raise ParameterError(msg)
        return chosen

    def baseline(self, value: Any, chosen: list) -> tuple[list, Baseline]:
        """The complete periods of the baseline, and how a sentence names them."""
        value = params.baseline(value)
        if value == "year":
            return self._year_before(chosen)
        if isinstance(value, tuple):
            return self._window(value, chosen)
        before = self.table.loc[self.table.index < chosen[0]].tail(value)
        periods = list(before.index[~before["partial"]])
        if not periods:
            msg = (
                f"baseline={value}: there is no complete period before "
                f"{self.words(chosen[0])} in this coverage; choose a later at=, or "
                "count from earlier (ddj.coverage(start=...))."
            )
            raise ParameterError(msg)
        n = words.periods(len(periods), self.freq)
        if len(periods) == 1:
            return periods, Baseline(
                f"its share in the previous {FREQ_NAMES[words.code(self.freq)]}",
                f"in the previous {FREQ_NAMES[words.code(self.freq)]}",
            )
        return periods, Baseline(f"its average of the previous {n}", f"in the previous {n}")

    def _year_before(self, chosen: list) -> tuple[list, Baseline]:
        shift = pd.DateOffset(weeks=52) if self.freq == "W" else pd.DateOffset(years=1)
        periods = []
        for first in chosen:
            earlier = first - shift
            if earlier not in self.table.index or self.table.loc[earlier, "partial"]:
                why = "is not in" if earlier not in self.table.index else "is only partly in"
                msg = (
                    f"baseline='year': {self.words(earlier)}, a year before "
                    f"{self.words(first)}, {why} the coverage; count from earlier "
                    "(ddj.coverage(start=...)) or give baseline=12."
                )
                raise ParameterError(msg)
            periods.append(earlier)
        name = FREQ_NAMES[words.code(self.freq)]
        same = (
            f"the same {name}"
            if len(chosen) == 1
            else f"the same {words.periods(len(chosen), self.freq)}"
        )
        return periods, Baseline(f"its share in {same} a year earlier", f"in {same} a year earlier")

    def _window(self, value: tuple, chosen: list) -> tuple[list, Baseline]:
        lo, hi = self.holding(value[0], "baseline"), self.holding(value[1], "baseline")
        inside = self.table.loc[(self.table.index >= lo) & (self.table.index <= hi)]
        if set(inside.index) & set(chosen):
            msg = f"baseline={_shown(value)} overlaps the period compared: choose a baseline before or after it."
            raise ParameterError(msg)
        periods = list(inside.index[~inside["partial"]])
        if not periods:
            msg = (
                f"baseline={_shown(value)}: every period in it is partial; choose a longer window."
            )
            raise ParameterError(msg)
        named = words.span(periods[0], periods[-1], self.freq)
        if len(periods) == 1:
            return periods, Baseline(f"its share in {named}", f"in {named}")
        return periods, Baseline(f"its average {named}", named)


def _summed(frame: pd.DataFrame, periods: list, keys: list[str], prefix: str) -> pd.DataFrame:
    """Articles and totals of ``periods`` per series (and ``gap``: any of them flagged)."""
    rows = frame[pd.to_datetime(frame["period"]).isin(periods)]
    grouped = rows.groupby(keys, sort=False, dropna=False)
    summed = grouped[["articles", "total"]].sum().astype("int64")
    if not prefix and _has_gap(frame):
        summed["gap"] = grouped["gap"].any()
    return summed.add_prefix(prefix).reset_index()


def _has_gap(frame: pd.DataFrame) -> bool:
    return "gap" in frame and pd.api.types.is_bool_dtype(frame["gap"])


def _with_statistics(table: pd.DataFrame, confidence: float) -> pd.DataFrame:
    a, n1 = table["articles"].to_numpy(), table["total"].to_numpy()
    c, n2 = table["baseline_articles"].to_numpy(), table["baseline_total"].to_numpy()
    out = table.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = np.where(n1 > 0, a / n1, np.nan)
        out["baseline_share"] = np.where(n2 > 0, c / n2, np.nan)
    out["share_low"], out["share_high"] = wilson(a, n1, confidence=confidence)
    out["small"] = n1 < SMALL_TOTAL
    out["baseline_low"], out["baseline_high"] = wilson(c, n2, confidence=confidence)
    out["ratio"], out["ratio_low"], out["ratio_high"] = ratio_interval(
        a, n1, c, n2, confidence=confidence
    )
    out["difference"], out["difference_low"], out["difference_high"] = difference_interval(
        a, n1, c, n2, confidence=confidence
    )
    tests = [count_test(*row) for row in zip(a, n1, c, n2, strict=True)]
    out["p_value"] = [p for p, _ in tests]
    out["test"] = [f"{name}, two-sided" for _, name in tests]
    return out


# -- who covers it most -----------------------------------------------------------------------


def rank_outlets(cov: pd.DataFrame, *, min_total: int = SMALL_TOTAL) -> pd.DataFrame:
    """Outlets ranked by how much of their output a topic takes, without trusting a handful of articles.

    Each outlet's articles and totals are summed over the periods (shares are
    never averaged). Outlets are ranked by the lower bound of the share's 95%
    Wilson interval (the share one can be sure of), and only those with at
    least ``min_total`` articles in all get a rank: an outlet with 1 article,
    which matched, has a share of 100% and a lower bound near 21%, and is
    listed after the ranked ones with ``rank`` empty and ``note`` saying so.

    Parameters
    ----------
    cov
        A frame from ``ddj.coverage(..., by="outlet")`` (one topic, or the
        topics' counts are added).
    min_total
        Fewest articles in all for an outlet to be ranked.

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``outlet``, ``articles``, ``total``, ``share``,
        ``share_low``, ``share_high``, ``note``; ``attrs["caption"]`` says how
        it was ranked.

    Raises
    ------
    SchemaError
        Not a coverage frame by outlet.

    Examples
    --------
    >>> cov = pd.DataFrame({"period": "2025-01-06", "topic": "t", "label": "T", "partial": False,
    ...     "outlet": ["Big", "Tiny"], "articles": [30, 1], "total": [100, 1]})
    >>> rank_outlets(cov)[["rank", "outlet", "share"]].to_dict("list")
    {'rank': [1, None], 'outlet': ['Big', 'Tiny'], 'share': [0.3, 1.0]}
    """
    cov = coverage_frame(cov, "rank_outlets")
    if "outlet" not in cov:
        msg = "rank_outlets() needs a coverage frame by outlet: ddj.coverage(corpus, topics, by='outlet')."
        raise SchemaError(msg)
    if isinstance(min_total, bool) or not isinstance(min_total, int) or min_total < 1:
        msg = f"min_total={min_total!r}: give the fewest articles an outlet needs to be ranked (a whole number, at least 1)."
        raise ParameterError(msg)
    totals = cov.drop_duplicates(["outlet", "period"]).groupby("outlet", sort=False)["total"].sum()
    table = cov.groupby("outlet", sort=False)[["articles"]].sum().join(totals).reset_index()
    table["share"] = np.where(
        table["total"] > 0, table["articles"] / table["total"].clip(lower=1), 0.0
    )
    table["share_low"], table["share_high"] = wilson(
        table["articles"].to_numpy(), table["total"].to_numpy()
    )
    sound = table["total"] >= min_total
    table = table.assign(_sound=sound).sort_values(
        ["_sound", "share_low", "total"], ascending=False, kind="stable", na_position="last"
    )
    n = int(sound.sum())
    table.insert(0, "rank", pd.array([*range(1, n + 1), *[None] * (len(table) - n)], dtype="Int64"))
    table["note"] = np.where(
        table["_sound"], "", f"too few articles to rank (fewer than {min_total} in all)"
    )
    table = table.drop(columns="_sound").reset_index(drop=True)
    table.attrs["caption"] = (
        f"Ranked by the lower bound of the share's 95% confidence interval (Wilson); outlets with "
        f"fewer than {min_total} articles in all are listed last, unranked ({len(table) - n:,} of {len(table):,})."
    )
    return table


# -- helpers ---------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(f"'{v:%Y-%m-%d}'" for v in value) + ")"
    return f"'{value:%Y-%m-%d}'"
