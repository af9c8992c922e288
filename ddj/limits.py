"""Bounds on what ddj will read from untrusted input, defined once.

Every decompression of outside bytes (saved ``.html.gz`` pages, gzip bodies a
server sends, WARC payloads, gzipped sitemaps and tables) goes through
:func:`gunzip`, which stops as soon as the output passes its cap, so a small
file that expands to gigabytes costs at most the cap in memory.

Examples
--------
>>> import gzip
>>> gunzip(gzip.compress(b"hello"), limit=10, what="page.html.gz")
b'hello'
>>> gunzip(gzip.compress(b"x" * 100), limit=10, what="page.html.gz")
Traceback (most recent call last):
...
ddj.errors.InputError: page.html.gz expands past the size cap (more than 10 bytes uncompressed); ...
"""

from __future__ import annotations

import zlib

from ddj.errors import InputError

#: Largest uncompressed page, feed, sitemap body or WARC payload ddj reads (bytes).
MAX_PAGE_BYTES = 20_000_000
#: Largest uncompressed sitemap.
MAX_SITEMAP_BYTES = 50_000_000
#: A gzipped table may expand to at most this many times its size (and at least to
#: ``MAX_PAGE_BYTES``): real tables compress 3-15x, a gzip bomb 1000x.
MAX_GZIP_RATIO = 50
_CHUNK = 1 << 16
#: Largest YAML file or value ddj reads (topics, outlets, parameters; ``ddj.yamlfile``).
MAX_YAML_BYTES = 1 << 20
#: Deepest nesting of lists and mappings in YAML (topics need three levels, outlets five).
MAX_YAML_DEPTH = 10
#: Longest value of one notebook parameter (``ddj run -p``, ``-f``, ``run_notebook``), in characters.
MAX_PARAMETER_CHARS = 100_000
#: Longest all the parameters of one run may be together, in characters.
MAX_PARAMETERS_CHARS = 1_000_000
#: Longest label a chart draws (a topic, outlet or group name, an event), in characters; longer
#: ones are cut with "…" and counted (``ddj.chart``, ``ddj.publish``, the clickable chart).
#: Drawing text is what costs: 200 event labels of 200 characters took vl-convert 20-50 s.
MAX_LABEL_CHARS = 100
#: Longest chart title or subtitle.
MAX_TITLE_CHARS = 300
#: Longest source line under a chart.
MAX_NOTE_CHARS = 500
#: Most events drawn on one chart, of those in its date range (more are thinned evenly over the dates).
MAX_CHART_EVENTS = 50
#: Largest events file read (bytes).
MAX_EVENTS_FILE_BYTES = 10_000_000
#: Longest number YAML may hold, in characters (longer ones cost quadratic time to read).
MAX_YAML_NUMBER = 100


def is_gzip(data: bytes) -> bool:
    """True when ``data`` starts with the gzip magic bytes."""
    return data[:2] == b"\x1f\x8b"


def gunzip(data: bytes, limit: int = MAX_PAGE_BYTES, what: str = "the input") -> bytes:
    """Decompress gzip (or zlib/deflate) ``data``, refusing output larger than ``limit`` bytes.

    Concatenated gzip members are read in turn, as ``gzip.decompress`` does.

    Raises
    ------
    InputError
        ``"<what> expands past the size cap"`` when the output would pass ``limit``,
        or ``"<what> is compressed but broken"`` for corrupt or truncated data.
    """
    out = bytearray()
    rest = bytes(data)
    try:
        while rest:
            # 47 = 32 + 15: accept a gzip or zlib header, full window
            inflater = zlib.decompressobj(47)
            rest = _inflate(inflater, rest, out, limit, what)
            if not inflater.eof:
                raise zlib.error("truncated stream")
            rest = rest.lstrip(b"\x00")  # padding between members, as gzip allows
    except zlib.error as exc:
        msg = f"{what} is compressed but broken ({exc}); save it again or decompress it first"
        raise InputError(msg) from exc
    return bytes(out)


def _inflate(inflater, data: bytes, out: bytearray, limit: int, what: str) -> bytes:
    """Feed ``data`` to ``inflater`` in bounded steps; return the bytes after this member."""
    pending = data
    while pending and not inflater.eof:
        room = limit - len(out) + 1  # one byte over the cap tells that it is too big
        out += inflater.decompress(pending, min(room, _CHUNK))
        if len(out) > limit:
            msg = (
                f"{what} expands past the size cap (more than {limit:,} bytes uncompressed); "
                "it is skipped: decompress it yourself if it really is one page"
            )
            raise InputError(msg)
        pending = inflater.unconsumed_tail
    return inflater.unused_data
