"""ddj.extract.bylines: the names trafilatura's byline search gives, found without its copy and regex callbacks."""

import gzip

import lxml.html
import pytest
from trafilatura.metadata import extract_author

from ddj.extract.bylines import byline
from ddj.extract.markup import as_text, bounded_markup


def page(body: str) -> str:
    return f"<html><head><title>T</title></head><body>{body}<p>The story.</p></body></html>"


#: (markup, the byline ddj must find): every kind of element, attribute and pruned part searched.
CASES = [
    ('<a rel="author" href="/a">Jane Doe</a>', "Jane Doe"),
    ('<div id="author">Jane Doe</div>', "Jane Doe"),
    ('<span itemprop="author name">Jane Doe</span>', "Jane Doe"),
    ('<div data-testid="AuthorCard">Jane Doe</div>', "Jane Doe"),
    ('<p class="post-author-name">Jane Doe</p>', "Jane Doe"),
    ('<strong class="AuthorName">Jane Doe</strong>', "Jane Doe"),
    ("<author>Jane Doe</author>", "Jane Doe"),
    ('<span class="byline">By Jane Doe</span>', "Jane Doe"),
    ('<h4 class="username">Jane Doe</h4>', "Jane Doe"),
    ('<div id="zuozhe">Li Wei</div>', "Li Wei"),
    ('<p class="submitted-by">Jane Doe</p>', "Jane Doe"),
    ('<section data-component="Byline">Jane Doe</section>', "Jane Doe"),
    ('<li class="ArticleByline">Jane Doe</li>', "Jane Doe"),
    ('<td id="mainAuthor">Jane Doe</td>', "Jane Doe"),
    ('<em class="writer">Jane Doe</em>', "Jane Doe"),
    # the most specific search wins over an earlier, looser element
    ('<span class="byline">Desk</span><a rel="author">Jane Doe</a>', "Jane Doe"),
    # in a pruned part (sidebar, comments, quote, date, figure): not the article's byline
    ('<div class="sidebar"><span class="author">Ann Other</span></div>'
     '<span class="author">Jane Doe</span>', "Jane Doe"),
    ('<div id="comments-1"><span class="author">Ann Other</span></div>', None),
    ('<section class="Comments"><a rel="author">Ann Other</a></section>', None),
    ('<figure><span class="author">Photo Credit</span></figure>', None),
    ('<time><span class="author">Ann Other</span></time>', None),
    ('<div data-component="FigureCaption"><span class="author">Ann Other</span></div>', None),
    # a pruned part inside the byline is left out of its text, as trafilatura prunes it
    ('<p class="byline">By <a rel="author">Jane Doe</a> <time>18 Oct</time></p>', "Jane Doe"),
    ('<div class="author">Jane Doe<span class="date">18 Oct 2024</span></div>', "Jane Doe"),
    # too short, or too long to be a byline: the next candidate
    ('<span class="author">JD</span><p class="byline">By Jane Doe</p>', "Jane Doe"),
    (f'<div class="author">{"word " * 40}</div>', None),
    # one element found by several tests; an <author> element; the most specific search first
    ('<author class="byline" id="author">Jane Doe</author>', "Jane Doe"),
    ('<span id="author-box" class="writer">Ann Other</span><div class="author">Jane Doe</div>',
     "Jane Doe"),
    # a <rel> child reading "me" is a search-1 test of its parent's text (searched XPath by XPath)
    ('<div class="x"><rel>me</rel>Jane Doe</div><span class="author">Ann Other</span>',
     "Me Jane Doe"),
    # a word in other attributes, or in the text, is not byline markup
    ('<div data-author-id="7">Ann Other</div><p>The author said so.</p>', None),
    ('<div class="x" title="author">Ann Other</div>', None),
]  # fmt: skip


@pytest.mark.parametrize(("markup", "expected"), CASES)
def test_the_byline_markup_is_read_as_trafilatura_reads_it(markup, expected):
    tree = lxml.html.document_fromstring(page(markup))
    assert byline(tree) == expected
    assert byline(tree) == extract_author(tree)  # the same answer as trafilatura's own search


def test_the_page_is_not_changed():
    tree = lxml.html.document_fromstring(
        page('<p class="byline">By <a rel="author">Jane Doe</a> <time>18 Oct</time></p>')
    )
    before = lxml.html.tostring(tree)
    byline(tree)
    assert lxml.html.tostring(tree) == before


@pytest.mark.shared
def test_the_same_names_as_trafilatura_on_every_shared_page(shared_corpora):
    """On every real page: the same byline as trafilatura.metadata.extract_author."""
    paths = sorted(shared_corpora.glob("*/html/*"))
    assert len(paths) > 800
    found = differ = 0
    for path in paths:
        data = path.read_bytes()
        data = gzip.decompress(data) if path.name.endswith(".gz") else data
        try:
            tree = bounded_markup(as_text(data))[1]
        except Exception:  # not a page read_html reads (counted by test_extract_shared)
            continue
        ours = byline(tree)
        found += ours is not None
        differ += ours != extract_author(tree)
    assert differ == 0
    assert found > 200  # the search does find bylines on real pages
