"""ddj queries written for Media Cloud and GDELT, with notes and refusals."""

import pytest

from ddj.translate import UntranslatableQuery, for_gdelt, for_mediacloud


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("china hack*", "china AND hack*"),
        ('"Hong Kong" OR "Jimmy Lai"', '"hong kong" OR "jimmy lai"'),
        ("(hong OR kong) -football", "(hong OR kong) AND NOT football"),
        ('"hacker china"~10', '"hacker china"~10'),
        ("NOT (a b)", "NOT (a AND b)"),
        ("5:3 a/b", "5\\:3 AND a\\/b"),
    ],
)
def test_mediacloud_syntax(query, expected):
    assert for_mediacloud(query).text == expected


def test_mediacloud_notes_say_where_meaning_differs():
    notes = " ".join(for_mediacloud('=US "hacker china"~10 café').notes)
    assert "default connector is OR" in notes
    assert "ignores case" in notes
    assert "slop" in notes
    assert "accents" in notes
    assert "slop" not in " ".join(for_mediacloud("a b").notes)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("china hacker", "china hacker"),
        ('"Hong Kong" OR "Jimmy Lai"', '("hong kong" OR "jimmy lai")'),
        ('protest -football -"premier league"', 'protest -football -"premier league"'),
        ("china NOT (football OR cricket)", "china -football -cricket"),
        ('"hacker china"~10', 'near10:"hacker china"'),
        ("china 5:3", 'china "5:3"'),
    ],
)
def test_gdelt_syntax(query, expected):
    assert for_gdelt(query).text == expected


def test_gdelt_notes_short_words_and_proximity():
    notes = " ".join(for_gdelt('uk "hacker china"~5').notes)
    assert "shorter than 3" in notes and "'uk'" in notes
    assert "near5" in notes


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("cyber*", "no prefix wildcard"),
        ("-football", "at least one word"),
        ("(a b) OR c", "nested parentheses"),
        ("china NOT (a b)", "NOT over an AND"),
        ("title:lai", "field 'title'"),
    ],
)
def test_gdelt_refuses_with_reason(query, fragment):
    with pytest.raises(UntranslatableQuery, match=fragment.replace("(", r"\(")):
        for_gdelt(query)


@pytest.mark.parametrize(
    ("query", "fragment"), [('"cyber attack*"', "inside a phrase"), ("text:x", "field")]
)
def test_mediacloud_refuses_with_reason(query, fragment):
    with pytest.raises(UntranslatableQuery, match=fragment):
        for_mediacloud(query)
