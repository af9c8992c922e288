import gzip
import warnings

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
    p = _write(tmp_path / "t.csv", "summary,pub_date\nx,2024-01-01\n")  # no link, no headline
    with pytest.raises(ddj.SchemaError) as err:
        read_table(p)
    assert "t.csv" in str(err.value) and "no url column" in str(err.value)
    assert "columns={'<column with the article links>': 'url'}" in str(err.value)


def test_missing_date_column(tmp_path):
    p = _write(tmp_path / "t.csv", "link,headline\nhttps://a.example,x\n")
    with pytest.raises(ddj.SchemaError, match="no published column"):
        read_table(p)


def test_missing_column_hints_name_the_field_each_column_is_for(tmp_path, capsys):
    """The hint's columns= and --column name the field missing: published for dates, url for links."""
    from ddj.cli import main

    p = _write(tmp_path / "t.csv", "link,headline,Tag\nhttps://a.example/x,x,2024-01-02\n")
    with pytest.raises(ddj.SchemaError) as err:
        read_table(p)
    said = str(err.value)
    assert "columns={'<column with the publication dates>': 'published'}" in said
    assert "(CLI: --column NAME=published)" in said and "NAME=url" not in said
    assert main(["load", str(p), "-o", str(tmp_path / "c.parquet")]) == 2
    assert "--column NAME=published" in capsys.readouterr().err
    # following the hint loads the table
    assert (
        main(["load", str(p), "-o", str(tmp_path / "c.parquet"), "--column", "Tag=published"]) == 0
    )
    both = pd.DataFrame({"headline": ["x"], "Tag": ["2024-01-02"]})
    with pytest.raises(ddj.SchemaError) as err:
        map_columns(both)
    assert "(CLI: --column NAME=url --column NAME=published)" in str(err.value)


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


# -- bad rows, unreadable files ---------------------------------------------------------------


def _quiet_load(*args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = ddj.load(*args, **kwargs)
    return corpus, caught


def test_csv_row_with_extra_fields_is_skipped_with_its_line(tmp_path):
    p = _write(
        tmp_path / "t.csv",
        "url,date,title\n"
        "https://a.example/0,2024-01-01,Extra first,oops\n"  # the first data row too
        "https://a.example/1,2024-01-01,One\n"
        'https://a.example/2,2024-01-02,"Two\nlines"\n'
        "\n"
        "https://a.example/3,2024-01-03,Three,x,y,z\n"
        "https://a.example/4,2024-01-04,Four\n",
    )
    with pytest.warns(ddj.DroppedRowsWarning, match="Skipped 2 table row") as rec:
        c = ddj.load(p)
    assert c["title"].tolist() == ["One", "Two\nlines", "Four"]
    assert c["source"].str.rsplit("#", n=1).str[1].tolist() == ["row=1", "row=2", "row=4"]
    probs = ddj.problems(c)
    assert probs["source"].tolist() == [f"{p}#row=0", f"{p}#row=3"]
    assert probs["reason"].str.startswith(("line 2:", "line 7:")).all()
    report = next(w.message.report for w in rec if "table row" in str(w.message))
    assert [r["reason"].split(":")[0] for r in report] == ["line 2", "line 7"]


def test_unterminated_quote_keeps_the_rows_before_it(tmp_path):
    p = _write(
        tmp_path / "t.csv",
        'url,date,title\nhttps://a.example/1,2024-01-01,One\nhttps://a.example/2,2024-01-02,"Open\n'
        "https://a.example/3,2024-01-03,Three\n",
    )
    c, _ = _quiet_load(p)
    assert c["url"].tolist() == ["https://a.example/1"]
    assert (
        ddj.problems(c)["reason"].str.contains("line 3: a quote opened here is never closed").any()
    )


def test_bad_jsonl_lines_are_skipped_with_their_numbers(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_text(
        '{"url": "https://a.example/1", "date": "2024-01-01"}\n'
        '{"url": "https://a.example/2", "date": \n'  # cut short
        "[1, 2]\n"
        "\n"
        + "[" * 100_000
        + "\n"
        + '{"url": "https://a.example/3", "url": "https://a.example/x", "date": "2024-01-03"}\n'
        '{"url": "https://a.example/4", "date": "2024-01-04"}\n',
        encoding="utf-8",
    )
    c, _ = _quiet_load(p)
    assert c["url"].tolist() == ["https://a.example/1", "https://a.example/4"]
    reasons = ddj.problems(c)["reason"].tolist()
    assert [r.split(":")[0] for r in reasons] == ["line 2", "line 3", "line 5", "line 6"]
    assert "not valid JSON" in reasons[0] and "a JSON list, not an object" in reasons[1]
    assert "nested too deeply" in reasons[2] and "['url'] appear twice" in reasons[3]


def test_json_array_with_a_non_object_is_read_without_it(tmp_path):
    p = tmp_path / "t.json"
    p.write_text(
        '[\n {"url": "https://a.example/1", "date": "2024-01-01"},\n "stray",\n'
        ' {"url": "https://a.example/2", "date": "2024-01-02"}\n]\n',
        encoding="utf-8",
    )
    c, _ = _quiet_load(p)
    assert c["url"].tolist() == ["https://a.example/1", "https://a.example/2"]
    assert c["source"].tolist() == [f"{p}#row=0", f"{p}#row=2"]
    assert ddj.problems(c)[["source", "reason", "kind"]].to_dict("records") == [
        {
            "source": f"{p}#row=1",
            "reason": "line 3: a JSON str, not an object; the item is skipped",
            "kind": "unreadable",
        }
    ]


def test_unreadable_table_is_a_problem_and_the_others_load(tmp_path):
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    bomb = tmp_path / "bomb.csv.gz"
    bomb.write_bytes(gzip.compress(b"url,date\n" + b"0" * 60_000_000, 9))
    good = _write(tmp_path / "good.csv", "url,date\nhttps://a.example/1,2024-01-01\n")
    c, caught = _quiet_load([broken, bomb, good])
    assert c["url"].tolist() == ["https://a.example/1"]
    probs = ddj.problems(c).set_index("source")["reason"]
    assert "could not be read as a PARQUET" in probs[str(broken)]
    assert "expands past the size cap" in probs[str(bomb)]
    assert any(isinstance(w.message, ddj.DroppedRowsWarning) for w in caught)
    with pytest.raises(ddj.InputError, match="None of the 2 table"):
        _quiet_load([broken, bomb])


# -- long cells, separators, encodings ---------------------------------------------------------


@pytest.mark.parametrize("name", ["big.csv", "big.csv.gz", "big.jsonl"])
def test_200_kb_article_round_trips(tmp_path, name):
    text = ('A long article, with commas; quotes " and\nline breaks. ' * 4000)[:200_000]
    c = ddj.load(
        pd.DataFrame({"url": ["https://a.example/1"], "date": ["2024-01-01"], "text": [text]})
    )
    back = ddj.load(ddj.save(c, tmp_path / name))
    assert back["text"].iloc[0] == text
    pd.testing.assert_frame_equal(back, c)


def test_semicolon_csv_with_a_long_cell(tmp_path):
    text = "x" * 150_000
    p = _write(tmp_path / "t.csv", f"url;date;text\nhttps://a.example/1;2024-01-01;{text}\n")
    assert read_table(p)["text"].iloc[0] == text


ROW = "url,date,title\nhttps://a.example/1,2024-01-01,{}\n"


@pytest.mark.parametrize(
    ("codec", "title", "named"),
    [
        ("latin-1", "Café crème à Zürich", "windows-1252"),
        ("cp1252", "“Quoted” – 5 € café", "windows-1252"),
        ("utf-16", "Café 香港 “quoted”", "UTF-16"),
        ("utf-8-sig", "Café 香港", None),
        ("gb18030", "香港国家安全法的审判继续进行，法庭听取了更多证人的陈述。" * 3, "gb18030"),
    ],
)
def test_table_encodings_are_detected(tmp_path, codec, title, named):
    p = tmp_path / "t.csv"
    p.write_bytes(ROW.format(title).encode(codec))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c = read_table(p)
    assert c["title"].iloc[0] == title
    assert c["url"].iloc[0] == "https://a.example/1"  # a BOM is not part of the first column's name
    notes = [str(w.message) for w in caught if isinstance(w.message, ddj.DdjWarning)]
    if named:
        assert any(named.lower() in n.lower() and "t.csv" in n for n in notes), notes
    else:
        assert notes == []


def test_a_late_non_utf8_byte_is_seen(tmp_path):
    p = tmp_path / "t.csv"
    rows = "".join(f"https://a.example/{i},2024-01-01,Plain title {i}\n" for i in range(60_000))
    p.write_bytes(
        ("url,date,title\n" + rows).encode()
        + "https://a.example/z,2024-01-02,Café\n".encode("latin-1")
    )
    assert p.stat().st_size > 3_000_000  # the bad byte is past the first chunks and samples
    with pytest.warns(ddj.DdjWarning, match="not UTF-8; read as windows-1252"):
        c = read_table(p)
    assert c["title"].iloc[-1] == "Café"


def test_utf8_with_one_broken_byte_keeps_its_utf8(tmp_path):
    p = tmp_path / "t.csv"
    title = "Zürich Genève São Paulo Kraków"
    p.write_bytes(ROW.format(title).encode() + b"https://a.example/2,2024-01-02,bad \xff byte\n")
    with pytest.warns(ddj.DdjWarning, match="not valid UTF-8 .*replaced by U\\+FFFD"):
        c = read_table(p)
    assert c["title"].tolist() == [title, "bad \ufffd byte"]


# -- dates ------------------------------------------------------------------------------------


def _dates(tmp_path, *values, **kwargs):
    body = "".join(f"https://a.example/{i},{v}\n" for i, v in enumerate(values))
    p = _write(tmp_path / "d.csv", "url,date\n" + body)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c = ddj.load(p, **kwargs)
    return c, [str(w.message) for w in caught]


def test_day_first_when_a_value_needs_it(tmp_path):
    c, notes = _dates(tmp_path, "01/02/2024", "13/02/2024", "05.03.2024 14:30")
    assert c["published"].tolist() == [
        pd.Timestamp("2024-02-01T12:00Z"),
        pd.Timestamp("2024-02-13T12:00Z"),
        pd.Timestamp("2024-03-05T14:30Z"),
    ]
    assert any("day-first, as '13/02/2024' needs" in n and "dayfirst=False" in n for n in notes)


def test_ambiguous_column_is_month_first_with_a_warning(tmp_path):
    c, notes = _dates(tmp_path, "01/02/2024", "03/04/2024")
    assert c["published"].dt.month.tolist() == [1, 3]
    assert any("month-first" in n and "dayfirst=True" in n and "--dayfirst" in n for n in notes)


def test_dayfirst_argument_decides(tmp_path):
    c, notes = _dates(tmp_path, "01/02/2024", "02/13/2024", dayfirst=True)
    assert c["published"].iloc[0] == pd.Timestamp("2024-02-01T12:00Z")
    assert pd.isna(c["published"].iloc[1])
    assert ddj.problems(c)["reason"].tolist() == [
        "unparseable date '02/13/2024' (not a valid day-first date)"
    ]
    assert not any("could be day/month" in n for n in notes)


def test_day_only_dates_sit_at_noon_utc_in_every_format(tmp_path):
    c, _ = _dates(
        tmp_path, "2024-10-18", "18 October 2024", '"Oct 18, 2024"', "18/10/2024", "20241018"
    )
    assert set(c["published"]) == {pd.Timestamp("2024-10-18T12:00Z")}


def test_implausible_dates_are_refused_and_counted(tmp_path):
    c, notes = _dates(tmp_path, "2024-01-01", "9999-12-31", "1970-01-01", "2024-01-03")
    assert c["published"].notna().tolist() == [True, False, False, True]
    reasons = ddj.problems(c)["reason"].tolist()
    assert reasons == [
        "implausible date '9999-12-31' (before 1990 or after tomorrow)",
        "implausible date '1970-01-01' (before 1990 or after tomorrow)",
    ]
    assert any("2 of 4 article(s) have no publication date (2 implausible)" in n for n in notes)
    cov = ddj.coverage(c, ["hong_kong"], freq="D")
    assert len(cov) < 10  # not a daily table up to the year 9999


def test_unparseable_date_is_reported_with_its_value(tmp_path):
    c, _ = _dates(tmp_path, "yesterday-ish", "", "2024")
    assert ddj.problems(c)["reason"].tolist() == [
        "unparseable date 'yesterday-ish'",
        "no publication date found",
        "unparseable date '2024' (a year or month, not a day)",
    ]


# -- column names -----------------------------------------------------------------------------


def test_duplicate_column_names_are_an_error_naming_them(tmp_path):
    p = _write(tmp_path / "t.csv", "url,date,title,title\nhttps://a.example/1,2024-01-01,a,b\n")
    with pytest.raises(
        ddj.InputError, match=r"t.csv: .*more than one column named 'title'.*columns="
    ):
        read_table(p)
    frame = pd.DataFrame(
        [["https://a.example/1", "2024-01-01", "x"]], columns=["url", "date", "url"]
    )
    with pytest.raises(ddj.InputError, match="'url'"):
        ddj.load(frame)


def test_two_columns_for_one_field_prefer_the_specific_one_with_a_warning(tmp_path):
    p = _write(tmp_path / "t.csv", "url,date,headline,title\nhttps://a.example/1,2024-01-01,H,T\n")
    with pytest.warns(
        ddj.DdjWarning,
        match=r"'title' and 'headline' could each be the title.*columns=\{'headline': 'title'\}",
    ):
        c = read_table(p)
    assert c["title"].tolist() == ["T"]
    assert read_table(p, columns={"headline": "title"})["title"].tolist() == ["H"]
    with pytest.raises(ddj.SchemaError, match="all to 'title'"):
        read_table(p, columns={"headline": "title", "title": "title"})


# -- dates from other tools' exports ----------------------------------------------------------

# GDELT DOC 2.0 `mode=artlist` (and gdeltdoc's `article_search` frame): these columns, in this order.
_GDELT_COLUMNS = "url,url_mobile,title,seendate,socialimage,domain,language,sourcecountry"
_GDELT_ROWS = [
    ("https://news.example.org/a", "20250810T113933Z", "news.example.org", "English"),
    ("https://www.harbourpost.co.uk/b", "20250810T235901Z", "harbourpost.co.uk", "German"),
    ("https://news.harbourpost.co.uk/c", "20250811T000000Z", "news.harbourpost.co.uk", "French"),
]


def test_gdelt_artlist_csv_keeps_each_instant(tmp_path):
    lines = [_GDELT_COLUMNS] + [
        f"{u},,Headline {i},{d},,{dom},{lang},United States"
        for i, (u, d, dom, lang) in enumerate(_GDELT_ROWS)
    ]
    p = _write(tmp_path / "gdelt.csv", "\n".join(lines) + "\n")
    c = read_table(p)
    independent = pd.to_datetime(
        [d for _, d, _, _ in _GDELT_ROWS], format="%Y%m%dT%H%M%SZ", utc=True
    )
    assert c["published"].tolist() == list(independent)
    assert c["published"].dt.day.tolist() == [
        10,
        10,
        11,
    ]  # 12 hours late put the second on the 11th
    assert c["outlet"].tolist() == [
        "example.org",
        "harbourpost.co.uk",
        "harbourpost.co.uk",
    ]  # registered


def test_gdelt_artlist_json_and_a_gdeltdoc_frame(tmp_path):
    import json

    articles = [
        dict(zip(_GDELT_COLUMNS.split(","), [u, "", "T", d, "", dom, lang, "France"], strict=True))
        for u, d, dom, lang in _GDELT_ROWS
    ]
    p = tmp_path / "artlist.json"
    p.write_text(json.dumps({"articles": articles}), encoding="utf-8")
    from_json = read_table(p)
    frame = pd.DataFrame(articles)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_frame = ddj.load(frame)
    expected = pd.to_datetime([a["seendate"] for a in articles], format="%Y%m%dT%H%M%SZ", utc=True)
    assert from_json["published"].tolist() == list(expected)
    assert sorted(from_frame["published"].tolist()) == sorted(expected)


@pytest.mark.parametrize(
    ("written", "fmt"),
    [
        ("20250810T113933Z", "%Y%m%dT%H%M%S%z"),
        ("20250810113933", "%Y%m%d%H%M%S"),
        ("20250810T113933", "%Y%m%dT%H%M%S"),
        ("20250810T113933+0100", "%Y%m%dT%H%M%S%z"),
        ("20250810T113933-05:30", "%Y%m%dT%H%M%S%z"),
        ("20250810T1139Z", "%Y%m%dT%H%M%z"),
        ("20250810 113933", "%Y%m%d %H%M%S"),
    ],
)
def test_compact_iso_8601_is_read_as_it_says(tmp_path, written, fmt):
    p = _write(tmp_path / "t.csv", f"url,seendate\nhttps://a.example/1,{written}\n")
    expected = pd.to_datetime(written, format=fmt, utc=True)
    assert read_table(p)["published"].iloc[0] == expected


def test_compact_day_is_noon_utc(tmp_path):
    p = _write(tmp_path / "t.csv", "url,seendate\nhttps://a.example/1,20250810\n")
    assert read_table(p)["published"].iloc[0] == pd.Timestamp("2025-08-10T12:00Z")


# Every date form the README promises, and those of GDELT, Media Cloud, newsdatahub, a CMS export
# and a spreadsheet, each with its format written out for an independent reading by pandas.
_EVERY_FORM = [
    ("2024-10-02T14:03:11+02:00", "%Y-%m-%dT%H:%M:%S%z"),  # ISO 8601 with an offset
    ("2024-10-02", "%Y-%m-%d"),  # a day: noon UTC
    ("20250810T113933Z", "%Y%m%dT%H%M%S%z"),  # GDELT seendate
    ("20250810113933", "%Y%m%d%H%M%S"),  # GDELT, no T, no zone
    ("2024-10-02 14:03:11.123456", "%Y-%m-%d %H:%M:%S.%f"),  # Media Cloud publish_date, naive UTC
    ("2024-10-02T14:03:11+00:00", "%Y-%m-%dT%H:%M:%S%z"),  # Media Cloud, aware
    ("2025-08-10T11:39:33", "%Y-%m-%dT%H:%M:%S"),  # newsdatahub pub_date
    ("Oct 2, 2024 2:03 PM", "%b %d, %Y %I:%M %p"),  # CMS export
    ("Oct 2, 2024 2:03 PM EDT", "%b %d, %Y %I:%M %p %z"),  # CMS export with a zone word
    ("Wed, 02 Oct 2024 14:03:11 GMT", "%a, %d %b %Y %H:%M:%S %z"),  # RFC 2822
    ("18 October 2024", "%d %B %Y"),  # written date with a year
    ("1728000000", None),  # Unix seconds
    ("1728000000123", None),  # Unix milliseconds
]
_ZONE_WORDS = {"EDT": "-0400", "GMT": "+0000"}


def _independent(written, fmt):
    if fmt is None:
        unit = "ms" if len(written) == 13 else "s"
        return pd.to_datetime(int(written), unit=unit, utc=True)
    for word, offset in _ZONE_WORDS.items():
        written = written.replace(word, offset)
    stamp = pd.to_datetime(written, format=fmt, utc=True)
    return stamp + pd.Timedelta(hours=12) if "%H" not in fmt and "%I" not in fmt else stamp


def test_every_table_date_form_gives_the_instant_it_says(tmp_path):
    rows = [f'https://a.example/{i},"{w}"' for i, (w, _) in enumerate(_EVERY_FORM)]
    p = _write(tmp_path / "t.csv", "url,date\n" + "\n".join(rows) + "\n")
    c = read_table(p)
    expected = [_independent(w, f) for w, f in _EVERY_FORM]
    got = dict(zip(c["url"], c["published"], strict=True))
    wrong = {w: got[f"https://a.example/{i}"] for i, (w, _) in enumerate(_EVERY_FORM)
             if got[f"https://a.example/{i}"] != expected[i]}  # fmt: skip
    assert not wrong


def test_day_month_columns_by_one_rule(tmp_path):
    p = _write(tmp_path / "t.csv", "url,date\nhttps://a.example/1,02/10/2024 14:03\n"
               "https://a.example/2,13/10/2024 09:00\n")  # fmt: skip
    c = read_table(p)
    assert c["published"].tolist() == list(
        pd.to_datetime(["02/10/2024 14:03", "13/10/2024 09:00"], format="%d/%m/%Y %H:%M", utc=True)
    )


def test_spreadsheet_serial_days_when_the_whole_column_is_serials(tmp_path):
    serials = [45567.5845, 45568, 45570.25]
    p = tmp_path / "sheet.parquet"
    pd.DataFrame({"url": [f"https://a.example/{i}" for i in range(3)], "date": serials}).to_parquet(
        p
    )
    with pytest.warns(ddj.DdjWarning, match="spreadsheet serial days"):
        c = read_table(p)
    independent = pd.to_datetime(serials, unit="D", origin="1899-12-30", utc=True)
    independent = independent + pd.to_timedelta([0, 12, 0], unit="h")  # a whole day sits at noon
    assert c["published"].dt.round("ms").tolist() == list(independent.round("ms"))


def test_a_number_among_dates_is_never_a_serial_day(tmp_path):
    p = _write(
        tmp_path / "t.csv", "url,date\nhttps://a.example/1,45567\nhttps://a.example/2,2024-10-02\n"
    )
    c, _ = _quiet_load(p)
    assert c["published"].isna().tolist() == [True, False]
    assert "unparseable date '45567'" in ddj.problems(c)["reason"].tolist()


def test_unknown_zone_word_refuses_the_date_and_says_so(tmp_path):
    p = _write(tmp_path / "t.csv", 'url,date\nhttps://a.example/1,"2 Oct 2024 14:03 QQT"\n')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c = ddj.load(p)
    assert c["published"].isna().all()
    assert "time zone 'QQT' unknown" in ddj.problems(c)["reason"].iloc[0]
    assert not [w for w in caught if "UnknownTimezone" in type(w.message).__name__]


def test_language_names_become_iso_codes_and_unknown_ones_are_counted(tmp_path):
    langs = ["English", "german", "Français", "zh-CN", "EN", "pt_BR", "deu", "Klingon", ""]
    rows = [f"https://a.example/{i},2024-10-02,{v}" for i, v in enumerate(langs)]
    p = _write(tmp_path / "t.csv", "url,date,language\n" + "\n".join(rows) + "\n")
    with pytest.warns(ddj.DdjWarning, match=r"1 row\(s\) have a language .*'Klingon'"):
        c = read_table(p)
    assert c["language"].tolist()[:7] == ["en", "de", "fr", "zh", "en", "pt", "de"]
    assert c["language"].iloc[7:].isna().all()


def test_gdelt_language_is_a_code(tmp_path):
    lines = [_GDELT_COLUMNS] + [
        f"{u},,T,{d},,{dom},{lang},United States" for u, d, dom, lang in _GDELT_ROWS
    ]
    c = read_table(_write(tmp_path / "gdelt.csv", "\n".join(lines) + "\n"))
    assert c["language"].tolist() == ["en", "de", "fr"]


# -- a headline table without a link column ---------------------------------------------------


def test_headline_table_without_links_loads_with_ids_from_outlet_title_and_day(tmp_path):
    p = _write(
        tmp_path / "headlines.csv",
        "headline,outlet,pub_date\n"
        "Talks open in Beijing,The Courier,2024-10-02\n"
        "Talks open in Beijing,The Courier,2024-10-03\n"  # same headline, another day
        "Talks open in Beijing,Harbour Post,2024-10-02\n"  # same headline, another outlet
        "Markets fall,The Courier,2024-10-02 14:03\n",
    )
    with pytest.warns(ddj.DdjWarning, match="no link column.*headline table"):
        c = ddj.load(p)
    assert len(c) == 4 and c["url"].isna().all()
    assert c["id"].nunique() == 4
    assert c["published"].notna().all()
    again, _ = _quiet_load(p)
    assert again["id"].tolist() == c["id"].tolist()  # stable: the same headline, the same id
    problems = ddj.problems(c)
    assert problems["reason"].tolist() == [
        "4 row(s) with no URL: id made from outlet, title and day"
    ]
    assert problems["source"].iloc[0].endswith("headlines.csv")
    assert ddj.match(c, "Beijing")["Beijing"].sum() == 3


def test_rows_with_urls_keep_their_ids(tmp_path):
    from ddj.urls import article_id

    p = _write(
        tmp_path / "t.csv", "url,title,date\nhttps://www.a.example/1?utm_source=x,T,2024-10-02\n"
    )
    c = read_table(p)
    assert c["id"].iloc[0] == article_id("https://a.example/1")
    assert ddj.problems(c).empty


def test_media_cloud_records_with_python_dates_load_as_days_and_instants():
    from datetime import UTC, date, datetime

    stories = [  # the mediacloud client's story_list gives publish_date as a date, or a datetime
        {"url": "https://a.example/1", "title": "A", "publish_date": date(2024, 10, 2)},
        {"url": "https://a.example/2", "title": "B", "publish_date": datetime(2024, 10, 2, 14, 3, 11)},
        {"url": "https://a.example/3", "title": "C", "publish_date": datetime(2024, 10, 2, 23, 3, tzinfo=UTC)},
    ]  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c = ddj.load(pd.DataFrame(stories))
    assert c.set_index("url")["published"].to_dict() == {
        "https://a.example/1": pd.Timestamp("2024-10-02T12:00Z"),
        "https://a.example/2": pd.Timestamp("2024-10-02T14:03:11Z"),
        "https://a.example/3": pd.Timestamp("2024-10-02T23:03Z"),
    }
