"""Words and values ddj uses in several places, each written once.

This module imports nothing of ddj's: any module may import it. The demo
notices, the names of the counting frequencies and the chart colours live here,
so a chart, an alt text, a notebook header and a collected corpus all say the
same thing.

Examples
--------
>>> from ddj.constants import FREQ_NAMES, DEMO_LABEL, DEMO_NOTICE
>>> FREQ_NAMES["W"], DEMO_LABEL, DEMO_LABEL in DEMO_NOTICE.lower()
('week', 'synthetic demo data', True)
"""

from __future__ import annotations

#: The version of ddj (``ddj.__version__``, the collector's user agent, a run's header).
VERSION = "0.1.0"

# -- the corpus's vocabulary -------------------------------------------------------------------

#: Values that ``page_type`` may take: what a page is (``ddj.extract.page_type`` tells them apart).
PAGE_TYPES = ("article", "paywall", "blocked", "consent", "error", "index")
#: Values that ``published_confidence`` may take, least sure first.
CONFIDENCE = ("low", "medium", "high")
#: Key under ``DataFrame.attrs`` where loaders keep the list of problems.
PROBLEMS_ATTR = "ddj_problems"

# -- the synthetic demo data -------------------------------------------------------------------

#: ``attrs["ddj_demo"]`` of anything built from the demo corpus or the demo archive.
DEMO_LABEL = "synthetic demo data"
#: The one notice of demo data, in every output built from it: a chart's subtitle and source
#: line, its alt text, a notebook's header, the CLI's sentences, the demo archive's description.
DEMO_NOTICE = "Synthetic demo data: invented outlets and articles, not real news coverage."
#: Field of the demo WARC's ``warcinfo`` record that declares the archive synthetic demo data
#: (its value is :data:`DEMO_LABEL`); ``ddj.collect`` labels what it reads from such a WARC.
DEMO_WARC_FIELD = "ddj-demo"

# -- the corpus schema's values ------------------------------------------------------------

#: Values that ``published_confidence`` may take, least sure first.
CONFIDENCE = ("low", "medium", "high")

# -- counting frequencies ----------------------------------------------------------------------

#: Periods with fewer articles in all than this are "small": their shares are unsure
#: (one article more or fewer moves a share by more than 3.3 points).
SMALL_TOTAL = 30
#: Columns of a coverage frame that tell one series from another, besides the topic.
SERIES_KEYS = ("outlet", "group")

#: The frequencies ddj counts by, by their one-letter code, with the word for one period.
FREQ_NAMES = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}
#: The pandas period frequency of each code (weeks run Monday to Sunday).
PERIODS = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q-DEC", "Y": "Y-DEC"}
#: Every name ``freq=`` accepts -> its one-letter code. Names are read without regard to case
#: (``"Weekly"``, ``"w"``): look them up in :data:`FREQ_CODES`, never here.
FREQ_ALIASES = {
    "D": "D", "day": "D", "daily": "D",
    "W": "W", "week": "W", "weekly": "W", "W-SUN": "W",
    "M": "M", "ME": "M", "MS": "M", "month": "M", "monthly": "M",
    "Q": "Q", "QE": "Q", "QS": "Q", "quarter": "Q", "quarterly": "Q",
    "Y": "Y", "YE": "Y", "YS": "Y", "A": "Y", "year": "Y", "yearly": "Y", "annual": "Y",
}  # fmt: skip
#: :data:`FREQ_ALIASES` by lower-case name: the one lookup ``ddj.params.freq`` makes.
FREQ_CODES = {name.lower(): code for name, code in FREQ_ALIASES.items()}

# -- colours -----------------------------------------------------------------------------------

#: Okabe-Ito, reordered: blue, vermillion, bluish green, orange, reddish purple, sky blue, yellow, black.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
#: Sequential scale for heatmaps (light to dark blue, readable in greyscale).
SEQUENTIAL = ["#f0f5fa", "#c6dbef", "#85b9dd", "#4a90c4", "#1f5f9e", "#0b3366"]
INK = "#1a1a1a"  # headlines, legend labels, text
SOFT_INK = "#3a3a3a"  # event labels
MUTED = "#5c5c5c"  # subtitles, axis labels, source line, event rules
RULE = "#757575"  # axis domains and ticks, rules: 4.6:1 on PAPER (WCAG 4.5:1 for lines)
GRID = "#e3e3e3"
PAPER = "#ffffff"  # the background, halos, hollow points

# -- notebook outputs --------------------------------------------------------------------------

#: The mimetype of a view's static HTML (no script), beside its interactive ``text/html``: what
#: ``ddj run --html`` shows of a searchable table (JupyterLab and nbconvert ignore it).
#: The names of saved web pages ddj reads (``ddj.load``, the corpus check of ``ddj run``).
PAGE_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz", ".xhtml")
#: The names of the files that make a corpus: pages, tables, saved corpora and a store's parts.
CORPUS_SUFFIXES = (*PAGE_SUFFIXES, ".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet", ".pq")
#: At most this many folder entries are looked at when checking that a corpus folder holds something.
CORPUS_LOOK_ENTRIES = 200_000

STATIC_HTML_MIME = "text/vnd.ddj.static+html"
