"""ddj: measure news coverage over time, from Jupyter or a shell.

The public API is imported lazily, so ``import ddj`` is fast and a notebook
pays only for what it uses.

Examples
--------
>>> import ddj
>>> corpus = ddj.demo_corpus(n=300)  # 300 invented articles; the full demo has 5,000
>>> cov = ddj.coverage(corpus, ["hong_kong", "ukraine"], freq="M")
>>> paths = ddj.publish(ddj.chart(cov, title="Coverage"), "out", "coverage", data=cov)
>>> sorted(p.name for p in paths.values())[:3]
['coverage-datawrapper.csv', 'coverage.csv', 'coverage.embed.html']
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from ddj.constants import VERSION
from ddj.errors import (
    DdjError,
    DdjWarning,
    DroppedRowsWarning,
    ExtractionError,
    InputError,
    ParameterError,
    QuerySyntaxError,
    SchemaError,
)

__version__ = VERSION

# public name -> module that defines it
_LAZY = {
    "read_html": "ddj.extract",
    "collect": "ddj.collecting",
    "load": "ddj.loading",
    "save": "ddj.loading",
    "open": "ddj.store",
    "index": "ddj.store.fulltext",
    "problems": "ddj.scan",
    "demo_corpus": "ddj.demo",
    "topics": "ddj.matching",
    "match": "ddj.matching",
    "hits": "ddj.matching",
    "coverage": "ddj.measure",
    "summary": "ddj.measure",
    "by_month": "ddj.measure",
    "date_signals": "ddj.measure",
    "health": "ddj.denominator",
    "compare": "ddj.stats",
    "spikes": "ddj.intervals",
    "changepoints": "ddj.regimes",
    "rank_outlets": "ddj.stats",
    "resolve": "ddj.matching",
    "lint": "ddj.linting",
    "suggest": "ddj.suggesting",
    "check_parameters": "ddj.notebooks",
    "chart": "ddj.charts",
    "publish": "ddj.publishing",
    "quotable": "ddj.publishing",
    "read_coverage": "ddj.coverage_table",
    "source_line": "ddj.charts",
    "run_notebook": "ddj.notebooks",
    "audit": "ddj.auditing",
    "labelled": "ddj.labels",
    "precision_recall": "ddj.accuracy",
    "corrected": "ddj.accuracy",
    "triangulate": "ddj.sidebyside",
    "chart_sources": "ddj.sidebyside",
}

__all__ = [
    "DdjError",
    "DdjWarning",
    "DroppedRowsWarning",
    "ExtractionError",
    "InputError",
    "ParameterError",
    "QuerySyntaxError",
    "SchemaError",
    "__version__",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if not name.startswith("_") and importlib.util.find_spec(f"ddj.{name}") is not None:
        return importlib.import_module(f"ddj.{name}")  # submodules: ddj.notebooks, ddj.measure ...
    raise AttributeError(f"module 'ddj' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
