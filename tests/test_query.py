import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ddj
from ddj.query import And, Not, Or, Phrase, Query, Term, fold, parse


def m(query, text):
    return Query.compile(query).matches(text)


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ('"Hong Kong"', "Protests in Hong Kong's Central district", True),
        ('"Hong Kong"', "Protests in Hong-Kong", True),
        ('"Hong Kong"', "Hongkong", False),
        ("spy", "new spyware found", False),
        ("spy*", "new spyware found", True),
        ("hacker*", "Hackers struck", True),
        ("cafe", "Café society", True),
        ("café", "the cafe", True),
        ("=US", "tell us more", False),
        ("=US", "the US said", True),
        ("us", "the US said", True),
        ("香港", "在香港的抗議", True),
        ("香港", "澳門", False),
        ("china AND hack*", "China denies hacking", True),
        ("china hack*", "China denies it", False),
        ("china OR taiwan", "Taiwan votes", True),
        ("taiwan NOT china", "Taiwan and China", False),
        ("taiwan -china", "Taiwan votes", True),
        ('"hacker china"~3', "a hacker from china", True),
        ('"hacker china"~3', "china is accused by one hacker", False),
        ('"hacker china"~5', "china is accused by one hacker", True),
        ("(lai OR wong) AND trial", "Lai trial", True),
        ("Zelensky*", "Zelenskyy spoke", True),
        ("apt31", "APT31 targeted MPs", True),
        ("naïve", "a naive plan", True),
        ("Straße", "strasse", True),
    ],
)
def test_matching(query, text, expected):
    assert m(query, text) is expected


def test_field_restriction():
    q = Query.compile("title:lai")
    fields = {"title": "Court news", "description": "", "text": "Jimmy Lai"}
    from ddj.query import evaluate, find_leaf

    assert not evaluate(q.tree, lambda leaf: bool(find_leaf(leaf, fields)))
    fields["title"] = "Lai appears"
    assert evaluate(q.tree, lambda leaf: bool(find_leaf(leaf, fields)))


def test_tree_shapes():
    assert parse("a b OR c") == Or((And((Term("a"), Term("b"))), Term("c")))
    assert parse('NOT "x y"~4') == Not(Phrase((Term("x"), Term("y")), 4))
    assert parse("title:(a OR =B*)") == Or(
        (Term("a", field="title"), Term("B", True, True, "title"))
    )
    assert parse("and or not") == And((Term("and"), Term("or"), Term("not")))  # lower case: words


@pytest.mark.parametrize(
    ("query", "position", "words"),
    [
        ("", 0, "empty"),
        ('"open', 0, "never closed"),
        ("a AND", 5, "ends where a word was expected"),
        ("(a OR b", 0, "never closed"),
        ("a)", 1, "closing parenthesis"),
        ("cy*ber", 0, "wildcard inside"),
        ("foo:bar", 0, "unknown field"),
        ("OR a", 0, "needs a word"),
        ('""', 0, "empty phrase"),
        ('"a"~3', 0, "at least two words"),
        ("a AND (b OR )", 12, "nothing inside"),
    ],
)
def test_syntax_errors_say_what_and_where(query, position, words):
    with pytest.raises(ddj.QuerySyntaxError) as err:
        parse(query)
    assert err.value.position == position
    assert words in str(err.value)
    if query:
        lines = str(err.value).splitlines()
        assert lines[-2].strip() == query.strip() and lines[-1].index("^") - 2 == position


def test_code_is_just_words():
    tree = parse("__import__('os').system('x')")
    assert str(tree)  # parsed as words and punctuation, never run
    from ddj.query import leaves

    assert all(isinstance(leaf, (Term, Phrase)) for leaf, _ in leaves(tree))


def test_fold():
    assert fold("Café CRÈME") == "cafe creme"
    assert fold("Café", case=True) == "Cafe"


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6).filter(
    lambda w: w.upper() not in {"AND", "OR", "NOT"}
)
terms = st.builds(Term, words, st.booleans())
phrases = st.builds(
    lambda ws, slop: Phrase(tuple(Term(w) for w in ws), slop),
    st.lists(words, min_size=2, max_size=3),
    st.one_of(st.none(), st.integers(1, 20)),
)
trees = st.recursive(
    terms | phrases,
    lambda kids: (
        st.builds(lambda xs: And(tuple(xs)), st.lists(kids, min_size=2, max_size=3))
        | st.builds(lambda xs: Or(tuple(xs)), st.lists(kids, min_size=2, max_size=3))
        | st.builds(Not, kids)
    ),
    max_leaves=8,
)


def _flat(node):
    """And/Or nested in the same operator are the same query; compare flattened."""
    if isinstance(node, (And, Or)):
        items = []
        for i in node.items:
            i = _flat(i)
            items.extend(i.items if type(i) is type(node) else [i])
        return type(node)(tuple(items))
    if isinstance(node, Not):
        return Not(_flat(node.item))
    return node


@settings(max_examples=200, deadline=None)
@given(trees)
def test_round_trip(tree):
    assert _flat(parse(str(tree))) == _flat(tree)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_parses_or_fails_cleanly(text):
    try:
        tree = parse(text)
    except ddj.QuerySyntaxError as err:
        assert err.position is not None and 0 <= err.position <= len(text)
    else:
        assert str(tree)
