"""Outlets and addresses of the 862 real saved pages of ../shared/corpora, loaded as a user loads them.

No URL is given: each page's address and outlet come from the page. Measured
when this was written (issue 23): before, 57 pages had no address and 22 a
relative one, 9 registered domains carried two or more outlet labels
(``reuters.com`` as "U.S."), and 12 labels were URLs or ``www.`` hosts; after,
66 have none, none is relative, every registered domain has one label.
"""

import warnings

import pytest

import ddj
from ddj.outlets import row_domains

pytestmark = pytest.mark.shared

FOLDERS = ("scrapinghub-aeb", "htmldate-trafilatura-eval", "htmldate-mediacloud-2020")


@pytest.fixture(scope="module")
def pages(shared_corpora, tmp_path_factory, request):
    mp = pytest.MonkeyPatch()
    request.addfinalizer(mp.undo)
    mp.setenv("DDJ_CACHE", str(tmp_path_factory.mktemp("cache")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ddj.load(
            [shared_corpora / f / "html" for f in FOLDERS], dedupe=False, progress=False, workers=2
        )


def test_every_registered_domain_has_one_outlet_label(pages):
    assert len(pages) == 862
    domains = row_domains(pages)
    labels = pages.assign(domain=domains)[domains != ""].groupby("domain")["outlet"].nunique()
    assert labels.max() == 1, labels[labels > 1].head(10).to_dict()
    assert not pages["outlet"].str.match(r"(?i)(https?:|www\.)").fillna(False).any()
    is_reuters = domains == "reuters.com"
    assert is_reuters.sum() >= 3 and set(pages.loc[is_reuters, "outlet"]) == {"Reuters"}


def test_every_address_read_from_a_page_is_absolute(pages):
    urls = pages["url"].dropna()
    assert urls.str.match(r"https?://[^/]").all(), urls[~urls.str.match(r"https?://")].tolist()[:5]
    assert not urls.str.contains("@", regex=False).any() or all(
        "@" not in u.split("/")[2] for u in urls
    )
    assert pages["url"].isna().sum() <= 66  # 57 none and 22 relative before issue 23
