"""``ddj audit export`` / ``ddj audit import``: labelling an audit sample in a spreadsheet."""

from __future__ import annotations

import csv

import ddj
from ddj import labels
from ddj.cli import main


def _corpus(tmp_path):
    rows = [
        {
            "url": f"https://{o}.example/{i}",
            "outlet": o,
            "title": f'=HYPERLINK("http://evil.example") {i}' if i == 0 else f"Story {i}",
            "text": ["Jimmy Lai in court.", "Jimmy Carter met Lai.", "Rain fell on Tuesday."][
                i % 3
            ],
            "published": f"2024-0{1 + i % 3}-0{1 + i % 7}",
        }
        for i, o in ((i, ["alpha", "beta"][i % 2]) for i in range(30))
    ]
    path = tmp_path / "corpus.parquet"
    ddj.corpus.conform(rows).to_parquet(path)
    topics = tmp_path / "topics.yml"
    topics.write_text("topics:\n  - {name: lai, label: Jimmy Lai, query: '\"Jimmy Lai\"'}\n")
    return path, topics


def test_export_writes_a_formula_safe_sample_and_import_saves_its_labels(tmp_path, capsys):
    corpus, topics = _corpus(tmp_path)
    out = tmp_path / "sample.csv"
    args = ["audit", "export", str(corpus), "lai", "-o", str(out), "--n", "12", "--seed", "2"]
    assert main([*args, "--topics-file", str(topics)]) == 0
    assert (
        "12 articles drawn (4 match, 4 near, 4 other; 0 labelled already)"
        in capsys.readouterr().out
    )
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 12 and {r["label"] for r in rows} == {""}
    assert all(not r["title"].startswith("=") for r in rows)  # a formula is shown as text
    # blind, as the form is: nothing says which group a row was drawn from, and the groups are mixed
    assert not {"group", "stratum", "weight", "probability"} & set(rows[0])
    drawn = ddj.audit(ddj.load(corpus), ddj.resolve("lai", topics)[0], 12, seed=2)
    order = dict(zip(drawn["id"], drawn["group"], strict=True))
    assert [order[r["id"]] for r in rows] != sorted(order[r["id"]] for r in rows)
    for i, row in enumerate(rows):
        row["label"] = ["yes", "no", "maybe", ""][i % 4]
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert main(["audit", "import", str(out), "--topics-file", str(topics)]) == 0
    printed = capsys.readouterr()
    assert "6 label(s) read (3 yes, 3 no, 0 skip)" in printed.out
    assert "3 row(s) not labelled yet" in printed.out
    assert "3 row(s) of" in printed.err and "label 'maybe' is not yes, no or skip" in printed.err
    saved = labels.read(tmp_path / "topics.labels.csv")
    assert len(saved) == 6 and set(saved["topic"]) == {"lai"}
    assert set(saved["id"]) == {r["id"] for r in rows if r["label"] in ("yes", "no")}
    # a second export finds the labels already given
    assert main([*args, "--topics-file", str(topics)]) == 0
    assert "6 labelled already" in capsys.readouterr().out


def test_import_of_a_file_that_is_not_a_labels_table_is_one_line_exit_2(tmp_path, capsys):
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    assert main(["audit", "import", str(bad), "--labels", str(tmp_path / "l.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs the columns 'id' and 'label'" in err
    assert not (tmp_path / "l.csv").exists()
