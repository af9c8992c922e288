"""The namespace ddj's docstring examples run in (``pytest --doctest-modules``).

Examples in the docstrings use ``ddj``, ``pd``, a small synthetic demo ``corpus``
and its monthly ``cov``erage of two shipped topics, and run in a fresh folder
that holds ``pages/`` (a few saved demo pages), ``corpus.parquet`` (the corpus
saved) and ``export.csv`` (a table with a German link column), so an example that reads or writes files touches nothing
of the user's.
"""

from __future__ import annotations

import os
import warnings

import pytest

DOCTEST_ARTICLES = 300


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Every test run gets its own ddj cache, never the user's."""
    old = os.environ.get("DDJ_CACHE")
    os.environ["DDJ_CACHE"] = str(tmp_path_factory.mktemp("ddj-cache"))
    yield
    if old is None:
        os.environ.pop("DDJ_CACHE", None)
    else:
        os.environ["DDJ_CACHE"] = old


@pytest.fixture(scope="session")
def _doctest_world(tmp_path_factory):
    import pandas as pd

    import ddj
    from ddj.demo import write_demo_pages

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = ddj.demo_corpus(n=DOCTEST_ARTICLES)
        cov = ddj.coverage(corpus, ["hong_kong", "ukraine"], freq="M")
    folder = tmp_path_factory.mktemp("doctest-world")
    write_demo_pages(folder / "pages", n=12)
    ddj.save(corpus, folder / "corpus.parquet")
    table = corpus.head(5)[["url", "title", "published", "text"]]
    table.rename(columns={"url": "Link zum Artikel"}).to_csv(folder / "export.csv", index=False)
    return folder, {"ddj": ddj, "pd": pd, "corpus": corpus, "cov": cov}


@pytest.fixture(autouse=True)
def _doctest_namespace(request, doctest_namespace, monkeypatch):
    """Only docstring examples get the namespace and the folder; other tests are untouched."""
    if not isinstance(request.node, pytest.DoctestItem):
        return
    folder, names = request.getfixturevalue("_doctest_world")
    doctest_namespace.update(names)
    monkeypatch.chdir(folder)
    warnings.simplefilter("ignore")  # the demo's undated rows warn; examples show values
