"""Each warning written once, in ddj.warns, carrying its report; one demo notice."""

import re
import warnings
from pathlib import Path

import pytest

import ddj
from ddj import warns
from ddj.constants import DEMO_LABEL, DEMO_NOTICE
from ddj.corpus import conform, dedupe
from ddj.problem_rows import KINDS, left_out

ROOT = Path(ddj.__file__).parent
#: Modules whose warnings the lead moves to ddj.warns when merging issue 24 (core and jobs).
NOT_YET = {"measure.py", "store/counting.py"}


def test_no_module_but_warns_writes_a_warning():
    built = re.compile(r"\b(DroppedRowsWarning|DdjWarning)\(")
    found = [
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*.py")
        if p.name not in ("warns.py", "errors.py")
        and str(p.relative_to(ROOT)) not in NOT_YET
        and any(
            built.search(line)
            for line in p.read_text().splitlines()
            if not line.lstrip().startswith((">>>", "..."))
        )
    ]
    assert found == []


def test_the_warning_of_a_step_carries_its_report_and_kind():
    c = conform(
        [
            {"url": "https://a.example/x", "source": "a"},
            {"url": "https://a.example/x", "source": "b"},
        ]
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kept = dedupe(c)
    (w,) = [w.message for w in caught if isinstance(w.message, ddj.DroppedRowsWarning)]
    assert w.kind == "duplicate" and w.report == kept.attrs["ddj_problems"]
    assert str(w) == str(warns.duplicates(w.report))


def test_conform_warnings_carry_problem_rows():
    with pytest.warns(ddj.DdjWarning) as caught:
        conform([{"url": "https://a.example/1", "language": "Klingon", "page_type": "poster"}])
    kinds = {w.message.kind for w in caught}
    assert kinds == {"unknown-value"}
    reasons = [r["reason"] for w in caught for r in w.message.report]
    assert "language 'Klingon' unknown: not an ISO 639-1 code: left empty" in reasons
    assert all(r["kind"] in KINDS for w in caught for r in w.message.report)


def test_left_out_says_the_same_of_a_frame_and_of_counts():
    c = conform(
        [{"url": "u1"}, {"url": "u2", "page_type": "paywall"}, {"url": "u3", "page_type": "index"}]
    )
    out = left_out(c)
    assert out.warning.report == out.report and out.warning.kind == "not-an-article"
    assert out.message == str(warns.left_out([], {"paywall": 1, "index": 1}, 0, 3, None))


def test_one_demo_notice():
    assert DEMO_LABEL in DEMO_NOTICE.lower()
    texts = {
        str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
        for p in ROOT.rglob("*.py")
        if p.name != "constants.py"
    }
    said = [n for n, t in texts.items() if "not real" in t or "Synthetic demo data:" in t]
    assert said == []
