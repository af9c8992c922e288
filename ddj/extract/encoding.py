"""Bytes -> text, by the bytes' real encoding (a page's declared charset often lies)."""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# WHATWG: browsers read these labels as windows-1252.
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_AS_1252 = {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii", "iso8859-1", "l1", "cp819"}


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB, if any."""
    m = _DECLARED.search(data[:4096])
    return m.group(1).decode("ascii", "replace").lower() if m else None


def decode(data: bytes) -> str:
    r"""Decode a web page.

    Strict UTF-8 first (most pages are UTF-8 whatever they declare); a page that
    is UTF-8 but for a few broken bytes keeps its UTF-8 and loses only those
    bytes; otherwise the declared charset if it decodes cleanly, else
    charset-normalizer's best guess, else windows-1252.

    Examples
    --------
    >>> decode("café".encode("cp1252"))
    'café'
    >>> decode("café crème brûlée".encode("utf-8") + b"\xff")
    'café crème brûlée\ufffd'
    """
    text = _by_bom_or_utf8(data)
    if text is None:
        text = _as_declared(data)
    if text is None:
        text = _as_detected(data)
    return text


def _by_bom_or_utf8(data: bytes) -> str | None:
    """A byte-order mark's encoding, else strict UTF-8, else UTF-8 with its few bad bytes replaced."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        return data.decode("utf-8", errors="replace")
    return None


def _as_declared(data: bytes) -> str | None:
    """The declared charset (latin-1 read as windows-1252), when it decodes cleanly."""
    declared = declared_charset(data)
    if not declared or declared in ("utf-8", "utf8"):
        return None
    enc = "cp1252" if declared in _AS_1252 else declared
    try:
        return data.decode(enc)
    except (LookupError, UnicodeDecodeError):
        return None


def _as_detected(data: bytes) -> str:
    """charset-normalizer's guess when multi-byte, else windows-1252, else the guess with replacements."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    guess = best.encoding if best is not None else None
    if guess and "utf" in guess.replace("-", "").replace("_", "") and b"\x00" not in data[:4096]:
        guess = None  # UTF-16/32 without NUL bytes is a misreading of short single-byte text
    if guess and legacy_multibyte(guess):  # gb2312, big5, euc-kr, shift_jis ...: trust the detector
        try:
            return data.decode(guess, errors="replace")
        except LookupError:
            pass
    try:  # single-byte text: windows-1252 is by far the most common, and short texts fool detectors
        return data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    return data.decode(guess or "cp1252", errors="replace")


#: Bytes of a file's head looked at for UTF-16 without a byte-order mark.
UTF16_SAMPLE = 1 << 16


def utf16_without_bom(head: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when ``head``'s NUL bytes sit at one parity, else None.

    One rule for pages and tables: NUL bytes at odd offsets (little-endian) or
    even ones (big-endian), at least 2% of that half, and at the other parity at
    most 5% as many. Latin text in UTF-16 is nearly all NUL at one parity;
    Chinese or Japanese text has NUL bytes only around its markup, digits and
    punctuation, which a rule asking for 90% (or 40%) NUL bytes at one parity
    took for a binary file. A binary file has NUL bytes at both parities.

    Examples
    --------
    >>> page = ("<p>" + "香港立法會" * 50 + "</p>").encode("utf-16-le")
    >>> utf16_without_bom(page), utf16_without_bom(b"<p>plain</p>"), utf16_without_bom(bytes([0, 1]) * 9)
    ('utf-16-le', None, 'utf-16-be')
    """
    sample = head[:UTF16_SAMPLE]
    if len(sample) < 4 or b"\x00" not in sample or sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    many, few = max(even, odd), min(even, odd)
    if many < max(2, 0.02 * (len(sample) // 2)) or few > 0.05 * many:
        return None
    return "utf-16-le" if odd > even else "utf-16-be"


def legacy_multibyte(codec: str) -> bool:
    """Whether ``codec`` is a legacy multi-byte (CJK) encoding, whose detected guess is trusted.

    Pages and tables ask the same question once their bytes are not UTF-8: a
    detector's gb2312, big5, euc-kr or shift_jis beats windows-1252, but its
    UTF-16 or UTF-32 does not (UTF is read by its byte-order mark, as UTF-8, or
    by its NUL bytes before a detector is asked; without them the detector
    misreads short single-byte text: ``"café"`` in windows-1252 looks UTF-16 to it).

    Examples
    --------
    >>> legacy_multibyte("gb2312"), legacy_multibyte("shift_jis"), legacy_multibyte("utf-16-be")
    (True, True, False)
    """
    try:
        name = codecs.lookup(codec).name
    except LookupError:
        return False
    return "utf" not in name and any(
        k in name for k in ("gb", "big5", "euc", "jis", "949", "950", "932", "936", "hz", "iso2022")
    )


def _mostly_utf8(data: bytes) -> bool:
    """True when the non-ASCII bytes are mostly valid UTF-8 sequences."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(_NON_ASCII.findall(text)) - bad
    return good >= 3 and bad <= max(2, good // 10)
