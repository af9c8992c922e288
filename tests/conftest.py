"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

import ddj
from tests import browsers

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DDJ_SHARED_CORPORA", REPO.parent / "shared" / "corpora"))
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def shared_corpora() -> Path:
    """../shared/corpora: skip without it on a user's machine, fail in CI."""
    if not (SHARED / "README.md").exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but the shared corpora are missing at {SHARED}")
        pytest.skip(f"real pages not available at {SHARED} (set DDJ_SHARED_CORPORA)")
    return SHARED


@pytest.fixture
def real_table_store(shared_corpora, tmp_path):
    """The 2,000 real newsdatahub rows (564 outlets) loaded, saved as a store, read 250 rows a batch."""
    path = shared_corpora / "newsdatahub-cybersecurity-2025" / "cybersecurity-news-en.csv.gz"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = ddj.load(path)
        return ddj.open(ddj.save(corpus, tmp_path / "store", append=True), batch_size=250)


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="module")
def browser():
    """Headless chromium, one a test module (tests/browsers.py: skipped without it, failed in CI)."""
    with browsers.launched() as b:
        yield b


# The fuzz tests (tests/test_fuzz_*.py) are bounded: a fixed number of examples, no deadline
# (a loaded CI machine must not turn a slow example into a failure), derandomised so CI is
# repeatable. DDJ_FUZZ_EXAMPLES raises the count for a longer local hunt.
try:
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "ddj",
        max_examples=int(os.environ.get("DDJ_FUZZ_EXAMPLES", "60")),
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    settings.load_profile("ddj")
except ImportError:  # hypothesis is a test dependency; without it the fuzz files skip
    pass
