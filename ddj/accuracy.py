"""How good a query is: precision, recall and the corrected share, from an audit's labels.

An audit (:func:`ddj.audit`) draws three groups: ``match`` (what the query
finds), ``near`` (near misses) and ``other`` (the rest); a person labels each
drawn article yes (about the topic) or no. From those labels:

Each group's share of relevant articles ``p_g``
    The weighted (Hájek) mean of the labels, each labelled article weighted
    by its stratum's articles over its stratum's labelled articles
    (``N_h / m_h``): ``p_g = sum_h N_h * mean_h(y) / sum_h N_h`` over the
    strata with labels. Unlabelled or skipped articles are taken as missing
    at random within their stratum. Its *effective sample size* is Kish's
    ``n_eff = (sum w)^2 / sum w^2`` (Kish 1965, *Survey Sampling*, 8.2); with
    proportional allocation the weights are nearly equal and ``n_eff`` is
    close to the articles labelled.

Precision ``P = p_match``
    Wilson score interval (Wilson 1927, JASA 22:209) on ``p_match`` with
    ``n_eff`` in place of ``n`` (the effective-sample-size Wilson interval,
    Korn & Graubard 1998, *Survey Methodology* 24:193). When every match is
    labelled, the precision is known exactly and its interval is the point.

Recall ``R = N_m p_m / (N_m p_m + N_n p_n + N_o p_o)``
    A ratio of Horvitz-Thompson/Hájek totals (Horvitz & Thompson 1952,
    JASA 47:663): the relevant articles found over all the relevant
    articles, estimated through the sampling weights of the three groups.
    Its interval is simulated, not a delta-method one: each group's ``p_g``
    is drawn from the Jeffreys posterior ``Beta(k + 1/2, n_eff - k + 1/2)``
    (``k = p_g n_eff``; a group labelled in full is held at its value),
    ``R`` computed for each of ``draws`` draws (seeded) and the 2.5% and
    97.5% quantiles taken, widened to hold the estimate itself (with no miss
    seen, recall is 1 and so is the interval's top, as the modified Jeffreys
    interval ends at 1 when nothing is seen). Why: the ``other`` group is large and its sample
    usually holds no relevant article at all; the delta method then gives
    that group a variance of 0 and an interval that claims no article was
    missed, while the Jeffreys draw keeps the chance of misses among the
    thousands never labelled (Brown, Cai & DasGupta 2001, *Statistical
    Science* 16:101, on the Jeffreys interval near 0). The simulation in
    ``tests/test_accuracy.py`` checks the coverage over many seeds.

Corrected share ``share * P / R``
    Equals ``(N_m p_m + N_n p_n + N_o p_o) / articles``: the share of articles
    about the topic. Its interval comes from the same draws. For a coverage
    frame (:func:`corrected`), each period's share is multiplied by ``P / R``
    (assumed the same in every period), with the period's share drawn from
    its Jeffreys posterior and ``P / R`` from the audit's draws, so both
    uncertainties are in the interval. A ratio of two corrected shares
    equals the uncorrected ratio: a constant ``P / R`` cancels.

Examples
--------
>>> sample = pd.DataFrame({"group": ["match"] * 10 + ["other"] * 10, "stratum": "s",
...     "stratum_articles": [10] * 10 + [90] * 10, "label": ["yes"] * 9 + ["no"] + ["no"] * 10})
>>> sample.attrs = {"population": {"match": 10, "near": 0, "other": 90}, "articles": 100}
>>> acc = precision_recall(sample)
>>> acc.precision.value, acc.precision.low
(0.9, 0.9)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ddj.errors import ParameterError, SchemaError
from ddj.intervals import CONFIDENCE, z_value

GROUPS = ("match", "near", "other")
#: Labelled articles below which a group's estimate is flagged as resting on few labels.
FEW_LABELS = 30
#: Draws of the simulated intervals (recall, corrected share).
DRAWS = 20_000

WILSON = (
    "Wilson score interval with Kish's effective sample size (Wilson 1927; Korn & Graubard 1998)"
)
RATIO = (
    "ratio of weighted (Horvitz-Thompson/Hajek) totals over the three strata; interval from "
    "Jeffreys Beta draws of each group's share (Brown, Cai & DasGupta 2001)"
)
CORRECTED = "share x precision / recall, interval from the same draws"


@dataclass(frozen=True)
class Estimate:
    """A figure with its interval and the method that gave it."""

    value: float
    low: float
    high: float
    method: str


@dataclass(frozen=True)
class Group:
    """One group's labels: articles, labelled, relevant (weighted share), effective sample size."""

    articles: int
    labelled: int
    yes: int
    share: float
    n_eff: float
    census: bool


@dataclass(frozen=True)
class Accuracy:
    """What an audit's labels say of a query: precision, recall, corrected share, and how sure."""

    precision: Estimate
    recall: Estimate
    share: float
    corrected: Estimate
    groups: dict[str, Group]
    confidence: float
    ratio_draws: np.ndarray = field(repr=False)  # precision / recall, per draw

    @property
    def labelled(self) -> int:
        """Articles labelled yes or no, in all groups."""
        return sum(g.labelled for g in self.groups.values())

    @property
    def few(self) -> list[str]:
        """The groups with articles but fewer than ``FEW_LABELS`` labelled."""
        return [
            k
            for k, g in self.groups.items()
            if g.articles and g.labelled < FEW_LABELS and not g.census
        ]

    def table(self) -> pd.DataFrame:
        """One row a figure: ``measure``, ``estimate``, ``low``, ``high``, ``method``."""
        rows = [
            {"measure": name, "estimate": e.value, "low": e.low, "high": e.high, "method": e.method}
            for name, e in (
                ("precision", self.precision),
                ("recall", self.recall),
                ("corrected share", self.corrected),
            )
        ]
        return pd.DataFrame(rows)

    def sentence(self) -> str:
        """How the number was checked, to quote.

        ``audited on 120 labelled articles: finds 91% (84-95%) of the articles about
        the topic, and 96% (90-98%) of what it finds is about it (95% intervals)``.
        """
        r, p = self.recall, self.precision
        text = (
            f"audited on {self.labelled:,} labelled articles: finds {_pct(r.value)} ({_span(r)}) of "
            f"the articles about the topic, and {_pct(p.value)} ({_span(p)}) of what it finds is about it "
            f"({self.confidence:.0%} intervals)"
        )
        if self.few:
            text += f"; few labels in {', '.join(self.few)} (under {FEW_LABELS}): label more to narrow it"
        return text


def _pct(x: float) -> str:
    return "n/a" if np.isnan(x) else f"{x:.0%}"


def _span(e: Estimate) -> str:
    return "n/a" if np.isnan(e.low) else f"{e.low * 100:.0f}-{e.high * 100:.0f}%"


def groups(sample: pd.DataFrame) -> dict[str, Group]:
    """Each group's articles, labels and weighted share of relevant articles (Hájek over strata)."""
    needed = {"group", "stratum", "stratum_articles", "label"} - set(sample.columns)
    if needed:
        msg = f"The sample lacks the column(s) {sorted(needed)}: give ddj.audit's sample with its labels (ddj.labels.for_sample)."
        raise SchemaError(msg)
    population = sample.attrs.get("population")
    if not isinstance(population, dict):
        msg = "The sample has no attrs['population']: give the frame ddj.audit returned."
        raise SchemaError(msg)
    out = {}
    labelled = sample.loc[sample["label"].isin(["yes", "no"])]
    for g in GROUPS:
        articles = int(population.get(g, 0))
        rows = labelled.loc[labelled["group"] == g]
        if not len(rows):
            out[g] = Group(articles, 0, 0, np.nan, 0.0, articles == 0)
            continue
        y = rows["label"].eq("yes").to_numpy(dtype=float)
        per = pd.DataFrame(
            {"s": rows["stratum"].to_numpy(), "y": y, "N": rows["stratum_articles"].to_numpy(float)}
        )
        m = per.groupby("s")["y"].transform("size").to_numpy()
        w = per["N"].to_numpy() / m
        share = float((w * y).sum() / w.sum())
        n_eff = float(w.sum() ** 2 / (w**2).sum())
        census = len(rows) >= articles
        out[g] = Group(articles, len(rows), int(y.sum()), share, n_eff, census)
    return out


def wilson_eff(share: float, n_eff: float, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval of ``share`` with an effective sample size (whole or not).

    With a whole ``n_eff`` and ``share * n_eff`` whole, it is :func:`ddj.intervals.wilson`.

    Examples
    --------
    >>> [round(v, 4) for v in wilson_eff(0.0, 10)]
    [0.0, 0.2775]
    """
    if not n_eff or np.isnan(share):
        return np.nan, np.nan
    z = z_value(confidence)
    denom = 1 + z * z / n_eff
    centre = (share + z * z / (2 * n_eff)) / denom
    half = z * np.sqrt(share * (1 - share) / n_eff + z * z / (4 * n_eff * n_eff)) / denom
    low = 0.0 if share <= 0 else max(0.0, centre - half)
    high = 1.0 if share >= 1 else min(1.0, centre + half)
    return float(low), float(high)


def _draws(g: Group, rng: np.random.Generator, draws: int) -> np.ndarray:
    """Draws of a group's share of relevant articles: its Jeffreys posterior, or its value when known."""
    if g.articles == 0:
        return np.zeros(draws)
    if g.census:
        return np.full(draws, g.share)
    k = g.share * g.n_eff
    return rng.beta(k + 0.5, g.n_eff - k + 0.5, size=draws)


def precision_recall(
    sample: pd.DataFrame, *, confidence: float = CONFIDENCE, draws: int = DRAWS, seed: int = 0
) -> Accuracy:
    """Precision, recall and corrected share of a labelled audit sample, each with its interval.

    Parameters
    ----------
    sample
        :func:`ddj.audit`'s sample with a ``label`` column (``yes``, ``no``;
        anything else counts as unlabelled), as :func:`ddj.labels.for_sample`
        gives it.
    confidence
        Coverage of the intervals.
    draws, seed
        The simulation of the recall and corrected-share intervals.

    Raises
    ------
    ParameterError
        No labelled match (no precision can be said).
    """
    if isinstance(draws, bool) or not isinstance(draws, int) or not 1_000 <= draws <= 1_000_000:
        msg = f"draws={draws!r}: give a whole number from 1,000 to 1,000,000, such as draws=20000."
        raise ParameterError(msg)
    found = groups(sample)
    m = found["match"]
    if m.articles and not m.labelled:
        msg = "No match is labelled yet: label some of the sample's matches (yes or no) to estimate precision."
        raise ParameterError(msg)
    p_low, p_high = (m.share, m.share) if m.census else wilson_eff(m.share, m.n_eff, confidence)
    precision = Estimate(
        m.share, p_low, p_high, "exact (every match labelled)" if m.census else WILSON
    )
    rng = np.random.default_rng(seed)
    missing = [g for g in ("near", "other") if found[g].articles and not found[g].labelled]
    p = {g: _draws(found[g], rng, draws) for g in GROUPS if g not in missing}
    articles = int(sample.attrs.get("articles", sum(g.articles for g in found.values())))
    alpha = (1 - confidence) / 2
    if missing:
        recall = Estimate(
            np.nan, np.nan, np.nan, f"not estimated: label some of {', '.join(missing)}"
        )
        corrected = Estimate(np.nan, np.nan, np.nan, recall.method)
        ratio = np.full(draws, np.nan)
    else:
        point = {g: 0.0 if found[g].articles == 0 else found[g].share for g in GROUPS}
        relevant = sum(found[g].articles * point[g] for g in GROUPS)
        found_rel = found["match"].articles * point["match"]
        rel_draws = sum(found[g].articles * p[g] for g in GROUPS)
        with np.errstate(divide="ignore", invalid="ignore"):
            r_draws = found["match"].articles * p["match"] / rel_draws
            value = found_rel / relevant if relevant else np.nan
        r_draws = np.where(rel_draws > 0, r_draws, np.nan)
        lo, hi = (
            np.nanquantile(r_draws, [alpha, 1 - alpha])
            if np.isfinite(r_draws).any()
            else (np.nan, np.nan)
        )
        # the interval holds the estimate (no miss seen: recall 1, as the modified Jeffreys interval's end at k = 0)
        recall = Estimate(float(value), float(min(lo, value)), float(max(hi, value)), RATIO)
        c_draws = rel_draws / articles if articles else np.full(draws, np.nan)
        lo, hi = np.quantile(c_draws, [alpha, 1 - alpha]) if articles else (np.nan, np.nan)
        point_share = relevant / articles if articles else np.nan
        corrected = Estimate(
            point_share, float(min(lo, point_share)), float(max(hi, point_share)), CORRECTED
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = p["match"] / r_draws
    share = found["match"].articles / articles if articles else np.nan
    return Accuracy(precision, recall, share, corrected, found, confidence, ratio)


def corrected(
    frame: pd.DataFrame, accuracy: Accuracy, *, replace: bool = False, seed: int = 0
) -> pd.DataFrame:
    """A coverage or comparison frame with each share corrected for the query's precision and recall.

    Adds ``corrected_share``, ``corrected_low`` and ``corrected_high`` (and
    ``baseline_corrected*`` beside a comparison's ``baseline_share``): the
    share times ``precision / recall``, its interval from Jeffreys draws of the
    share (``articles``/``total``) times the audit's draws of ``P / R``. With
    ``replace``, ``share``, ``share_low`` and ``share_high`` hold the corrected
    figures (the uncorrected kept as ``uncorrected_share``): ``ddj.chart``
    then draws the corrected share.

    Examples
    --------
    >>> sample = pd.DataFrame({"group": ["match"] * 10 + ["other"] * 10, "stratum": "s",
    ...     "stratum_articles": [10] * 10 + [90] * 10, "label": ["yes"] * 9 + ["no"] + ["no"] * 10})
    >>> sample.attrs = {"population": {"match": 10, "near": 0, "other": 90}, "articles": 100}
    >>> cov = pd.DataFrame({"articles": [10], "total": [100], "share": [0.1]})
    >>> round(float(corrected(cov, precision_recall(sample))["corrected_share"].iloc[0]), 3)
    0.09
    """
    if "share" not in frame.columns:
        msg = "corrected() takes a frame with a 'share' column: ddj.coverage's or ddj.compare's."
        raise SchemaError(msg)
    rng = np.random.default_rng(seed)
    ratio = accuracy.ratio_draws
    factor = accuracy.precision.value / accuracy.recall.value
    alpha = (1 - accuracy.confidence) / 2
    out = frame.copy()
    for prefix, share, a, n in (
        ("corrected", "share", "articles", "total"),
        ("baseline_corrected", "baseline_share", "baseline_articles", "baseline_total"),
    ):
        if share not in frame.columns:
            continue
        values = frame[share].to_numpy(dtype=float) * factor
        low, high = np.full(len(frame), np.nan), np.full(len(frame), np.nan)
        if a in frame.columns and n in frame.columns and np.isfinite(ratio).any():
            k = frame[a].to_numpy(dtype=float)
            t = frame[n].to_numpy(dtype=float)
            r = ratio[np.isfinite(ratio)]
            for i in range(len(frame)):
                if t[i] > 0 and np.isfinite(k[i]):
                    d = rng.beta(k[i] + 0.5, t[i] - k[i] + 0.5, size=len(r)) * r
                    lo, hi = np.quantile(d, [alpha, 1 - alpha])
                    low[i], high[i] = min(lo, values[i]), max(hi, values[i])
        out[f"{prefix}_share" if prefix == "baseline_corrected" else "corrected_share"] = values
        out[f"{prefix}_low"], out[f"{prefix}_high"] = low, high
    if replace:
        out["uncorrected_share"] = out["share"]
        out["share"], out["share_low"], out["share_high"] = (
            out["corrected_share"], out["corrected_low"], out["corrected_high"],
        )  # fmt: skip
        out.attrs["corrected"] = accuracy.sentence()
        out.attrs["interval_method"] = "Jeffreys draws of the share x the audit's precision/recall"
    return out
