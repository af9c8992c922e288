import json
import re
import struct

import pandas as pd
import pytest

import ddj
from ddj.publishing import publish, wide
from tests.test_charts import cov_frame

HOSTILE = ["<img src=x onerror=alert(1)>", "</script><script>window.__pwned=1</script>"]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    frame = cov_frame(n=8, demo=True)
    frame.loc[frame.index[3], "examples"] = " | ".join(HOSTILE)
    frame.loc[frame["topic"] == "ukraine", "label"] = "香港 and Ukraine"
    out = tmp_path_factory.mktemp("pub")
    paths = publish(ddj.chart(frame, title="Coverage of 香港"), out, "coverage-test", data=frame)
    return frame, out, paths


def test_every_file_written(bundle):
    frame, out, paths = bundle
    assert set(paths) == {"html", "svg", "png", "spec", "csv", "datawrapper", "alt_text"}
    assert all(
        p.exists() and p.stat().st_size > 0 and p.parent == out.resolve() for p in paths.values()
    )
    assert sorted(p.name for p in out.iterdir()) == sorted(
        p.name for p in paths.values()
    )  # no temp files left


def test_html_is_self_contained_and_safe(bundle):
    _, _, paths = bundle
    page = paths["html"].read_text()
    assert '<script src="http' not in page and "cdn.jsdelivr" not in page
    assert (
        "</script><script>window.__pwned" not in page
    )  # the hostile headline cannot close the tag
    assert page.count("<script") == page.count("</script>")
    assert 'role="img"' in page and "aria-label=" in page


def test_png_is_2x(bundle):
    _, _, paths = bundle
    data = paths["png"].read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    spec = json.loads(paths["spec"].read_text())
    svg = re.search(r'<svg[^>]* width="(\d+)" height="(\d+)"', paths["svg"].read_text())
    assert (width, height) == (2 * int(svg[1]), 2 * int(svg[2]))  # retina: twice the SVG's size
    assert width >= 2 * 640
    assert spec["description"] == paths["alt_text"].read_text().strip()


def test_svg_has_cjk_text(bundle):
    _, _, paths = bundle
    svg = paths["svg"].read_text()
    assert svg.startswith("<svg") and "香港" in svg


def test_csvs(bundle):
    frame, _, paths = bundle
    tidy = pd.read_csv(paths["csv"])
    assert len(tidy) == len(frame) and tidy["period"].iloc[0] == "2024-09-30"
    wide_csv = pd.read_csv(paths["datawrapper"])
    assert list(wide_csv.columns) == ["date", "Hong Kong", "香港 and Ukraine"]
    assert len(wide_csv) == 8 and wide_csv["Hong Kong"].iloc[1] == 10.0  # percentages


def test_alt_text_generated(bundle):
    _, _, paths = bundle
    text = paths["alt_text"].read_text()
    assert text.startswith("Coverage of 香港. Line chart of Hong Kong")
    assert "peaked at" in text and "Synthetic demo data" in text


@pytest.mark.parametrize("slug", ["../evil", "a/b", "", "UPPER", "x" * 100, ".hidden", "sp ace"])
def test_unsafe_slugs_rejected(tmp_path, slug):
    with pytest.raises(ddj.ParameterError, match="not a safe file name"):
        publish(ddj.chart(cov_frame()), tmp_path, slug)
    assert not any(tmp_path.iterdir())


def test_wide_by_outlet():
    w = wide(cov_frame(outlets=["A", "B"], topics=("t",)))
    assert list(w.columns) == ["date", "T - A", "T - B"]


def test_given_alt_text_and_no_data(tmp_path):
    paths = publish(ddj.chart(cov_frame()), tmp_path, "x", alt_text="A chart of two topics.")
    assert paths["alt_text"].read_text().strip() == "A chart of two topics."
    assert "csv" in paths  # data taken from the chart itself
