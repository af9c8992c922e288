import gzip

import pandas as pd
import pytest

import ddj
from ddj.corpus import COLUMNS
from ddj.tables import map_columns, read_table


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_recognises_common_column_names(tmp_path):
    p = _write(
        tmp_path / "export.csv",
        "Article Link,pub_date,headline,source_title,summary\n"
        "https://www.a.example/1,2024-10-18T09:00:00,Talks in Beijing,The Courier,Short\n"
        "https://b.example/2,2024-10-19,Other,,\n",
    )
    c = read_table(p)
    assert list(c.columns) == COLUMNS
    assert c["url"].tolist() == ["https://www.a.example/1", "https://b.example/2"]
    assert c["title"].tolist() == ["Talks in Beijing", "Other"]
    assert c["outlet"].iloc[0] == "The Courier"
    assert c["description"].iloc[0] == "Short"
    assert c["published"].tolist() == [
        pd.Timestamp("2024-10-18T09:00Z"),
        pd.Timestamp("2024-10-19T12:00Z"),
    ]
    assert c["source"].iloc[1].endswith("export.csv#row=1")


def test_outlet_falls_back_to_domain(tmp_path):
    p = _write(tmp_path / "t.csv", "url,date\nhttps://news.example.co.uk/a,2024-01-01\n")
    assert read_table(p)["outlet"].tolist() == ["example.co.uk"]


def test_explicit_mapping_wins(tmp_path):
    p = _write(tmp_path / "t.tsv", "Lien\tJour\tdate\nhttps://a.example/1\t2024-03-01\tjunk\n")
    c = read_table(p, columns={"Lien": "url", "Jour": "published"})
    assert c["published"].iloc[0] == pd.Timestamp("2024-03-01T12:00Z")


def test_missing_url_column_names_file_and_fix(tmp_path):
    p = _write(tmp_path / "t.csv", "headline,pub_date\nx,2024-01-01\n")
    with pytest.raises(ddj.SchemaError) as err:
        read_table(p)
    assert "t.csv" in str(err.value) and "no url column" in str(err.value)
    assert "columns={'<column with the article links>': 'url'}" in str(err.value)


def test_missing_date_column(tmp_path):
    p = _write(tmp_path / "t.csv", "link,headline\nhttps://a.example,x\n")
    with pytest.raises(ddj.SchemaError, match="no published column"):
        read_table(p)


def test_bad_mapping_is_explained():
    t = pd.DataFrame({"link": ["u"], "date": ["2024-01-01"]})
    with pytest.raises(ddj.SchemaError, match="does not have"):
        map_columns(t, {"Link": "url"})
    with pytest.raises(ddj.SchemaError, match="not corpus columns"):
        map_columns(t, {"link": "address"})


@pytest.mark.parametrize("kind", ["jsonl", "json", "parquet", "csv.gz", "jsonl.gz"])
def test_other_formats(tmp_path, kind):
    t = pd.DataFrame(
        {"link": ["https://a.example/1"], "published_at": ["2024-05-05T10:00:00Z"], "body": ["a b"]}
    )
    p = tmp_path / f"t.{kind}"
    if kind == "jsonl":
        t.to_json(p, orient="records", lines=True)
    elif kind == "jsonl.gz":
        t.to_json(p, orient="records", lines=True, compression="gzip")
    elif kind == "json":
        t.to_json(p, orient="records")
    elif kind == "parquet":
        t.to_parquet(p)
    else:
        with gzip.open(p, "wt") as fh:
            t.to_csv(fh, index=False)
    c = read_table(p)
    assert c["url"].tolist() == ["https://a.example/1"] and c["words"].tolist() == [2]


def test_broken_file_is_an_input_error(tmp_path):
    p = tmp_path / "t.parquet"
    p.write_bytes(b"PAR1 not really")
    with pytest.raises(ddj.InputError, match="t.parquet.*could not be read as a PARQUET"):
        read_table(p)


def test_odd_encoding_does_not_crash(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes("url,date,title\nhttps://a.example/1,2024-01-01,Caf\xe9 talk\n".encode("latin-1"))
    c = read_table(p)
    assert c["title"].iloc[0].startswith("Caf")


def test_newsdatahub_table(shared_corpora):
    path = shared_corpora / "newsdatahub-cybersecurity-2025" / "cybersecurity-news-en.csv.gz"
    c = ddj.load(path)
    raw = pd.read_csv(path)
    assert len(c) == raw["article_link"].nunique() or len(c) <= len(raw)
    assert c["published"].notna().mean() > 0.99
    # pub_date, article_link, source_title and title were recognised
    assert c["outlet"].nunique() > 100
    assert c["title"].notna().all()
    assert c["description"].notna().mean() > 0.5
    assert c["published"].min() >= pd.Timestamp("2024-01-01", tz="UTC")
