r"""A coverage table ddj wrote, read back: ``slug.csv`` of a publish bundle -> the coverage frame.

``ddj publish`` charts and publishes again from the bundle alone, without the
corpus. :func:`read_coverage` reads ``slug.csv`` (the tidy table
:func:`ddj.publish` writes: one row a period and series, with ``articles``,
``total``, ``share``, its interval and the ``small``, ``partial`` and ``gap``
flags) into the frame ``ddj.chart`` and ``ddj.publish`` take, with the
``attrs`` that :func:`ddj.coverage` gave it, from ``slug.method.json`` beside
it when that is there (:func:`ddj.method.method_attrs`): the queries as
counted, the corpus, the windows and methods, and "synthetic demo data".

The file comes from outside and is checked, never trusted: it is read only
if it is a regular file of at most ``MAX_COVERAGE_BYTES``, must be UTF-8 and
carry the columns ddj writes, and each count, share and flag must be one.
A file that is not ddj's coverage table is refused with its name and what it
lacks (a :class:`ddj.SchemaError`), nothing half-read. Its texts stay text:
the ``'`` ddj's CSV writer put before a text starting with ``=``, ``+``,
``-``, ``@``, tab or CR is taken off, and every output escapes the text
again for where it goes.

Examples
--------
>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "hk.csv").write_text(
...     "period,period_end,topic,label,articles,total,share\n"
...     "2024-01-01,2024-01-31,hk,'=Hong Kong,3,60,0.05\n")
>>> cov = read_coverage(folder / "hk.csv")
>>> cov.loc[0, "label"], float(round(cov.loc[0, "share_low"], 4)), cov.attrs["freq"]
('=Hong Kong', 0.0171, 'M')
"""

from __future__ import annotations

import csv
import io
import json
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ddj import warns, words
from ddj.constants import DEMO_LABEL, SMALL_TOTAL
from ddj.errors import DdjError, DdjWarning, SchemaError
from ddj.files import read_regular
from ddj.intervals import wilson
from ddj.method import method_attrs

__all__ = ["MAX_COVERAGE_BYTES", "REQUIRED", "read_coverage", "method_file"]

#: Largest coverage CSV read (bytes): a daily table of ten years, twenty outlets and three
#: topics is ~35 MB.
MAX_COVERAGE_BYTES = 64 * 1024 * 1024
#: Largest method file read beside it (bytes); ddj's are a few KB.
MAX_METHOD_BYTES = 1024 * 1024
#: The columns every coverage table ddj writes holds.
REQUIRED = ("period", "period_end", "topic", "label", "articles", "total", "share")
#: The columns of the frame, in ``ddj.coverage``'s order (those after ``REQUIRED`` optional).
ORDER = (
    "period", "period_end", "topic", "label", "outlet", "group", "articles", "total", "share",
    "share_low", "share_high", "small", "partial", "gap", "examples",
)  # fmt: skip
TEXT_COLUMNS = ("topic", "label", "outlet", "group", "examples")
#: The column a demo bundle's CSV carries (``ddj.publish`` writes it for synthetic demo data).
DEMO_COLUMN = "demo"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no", "")
#: What a table of ddj's other CSVs holds, to say which file to give instead.
_OTHER_TABLES = {
    "peak_period": "figures.csv (the figures to quote, not the series)",
    "sentence": "comparison.csv (the comparison with the baseline, not the series)",
    "date": "the wide table written for Datawrapper (SLUG-datawrapper.csv)",
}


def read_coverage(path: str | os.PathLike) -> pd.DataFrame:
    """The coverage frame of a ``slug.csv`` that :func:`ddj.publish` wrote.

    Parameters
    ----------
    path
        The CSV: ``slug.csv`` of a publish bundle (``ddj coverage``'s
        ``out/coverage.csv``). A ``slug.method.json`` beside it gives the
        frame's ``attrs`` back (a broken one is a warning, and left out).

    Returns
    -------
    pandas.DataFrame
        The columns and dtypes of :func:`ddj.coverage`'s frame; ``share_low``
        and ``share_high`` (95% Wilson interval) and ``small`` computed when the
        table lacks them. ``attrs["freq"]`` from the periods' length;
        ``attrs["ddj_demo"]`` when the table or its method says synthetic demo data.

    Raises
    ------
    InputError
        Not a regular file, or larger than ``MAX_COVERAGE_BYTES``.
    SchemaError
        Not UTF-8, not a CSV, no rows, a column of ``REQUIRED`` missing, or a
        value that is not what its column holds (the line is named).
    """
    source = Path(path)
    raw = read_regular(source, MAX_COVERAGE_BYTES, "coverage table")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"{source}: not UTF-8 (byte {exc.start:,}); ddj writes its tables in UTF-8: give SLUG.csv of a publish bundle, or save the table as CSV UTF-8."
        raise SchemaError(msg) from None
    table = _cells(text, source)
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        other = next((what for col, what in _OTHER_TABLES.items() if col in table.columns), None)
        hint = (
            f"it looks like {other}; give SLUG.csv beside it"
            if other
            else "give SLUG.csv of a publish bundle (ddj coverage writes out/coverage.csv)"
        )
        msg = f"{source} is not a ddj coverage table: it lacks the column(s) {', '.join(missing)}; {hint}."
        raise SchemaError(msg)
    if table.empty:
        msg = f"{source}: a coverage table with no rows; there is nothing to chart."
        raise SchemaError(msg)
    frame = _typed(table, source)
    frame.attrs = _attrs(source, table, frame)
    return frame


def method_file(path: str | os.PathLike) -> Path:
    """``slug.method.json`` beside ``slug.csv``.

    Examples
    --------
    >>> method_file("out/coverage.csv").name
    'coverage.method.json'
    """
    return Path(path).with_suffix(".method.json")


def read_method(path: str | os.PathLike) -> dict:
    """The method record beside the coverage CSV ``path`` ({} when there is none).

    A method file that cannot be read or is not a JSON object is one
    ``DdjWarning`` naming it, and is left out.
    """
    where = method_file(path)
    if not where.exists() and not where.is_symlink():
        return {}
    try:
        record = json.loads(read_regular(where, MAX_METHOD_BYTES, "method file").decode("utf-8"))
    except (DdjError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        why = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        warnings.warn(
            warns.note(f"{where}: left out, not a method file ddj can read ({why}); the chart is published without the queries and corpus it names."),
            stacklevel=3,
        )  # fmt: skip
        return {}
    if not isinstance(record, dict):
        warnings.warn(f"{where}: left out, it is not a ddj method file.", DdjWarning, stacklevel=3)
        return {}
    return record


def _cells(text: str, source: Path) -> pd.DataFrame:
    """Every cell of the CSV ``text``, as text; a row whose cells do not match the header refused."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = [row for row in reader if row]  # a blank line holds no row
    except csv.Error as exc:  # a cell longer than csv.field_size_limit(), a NUL...
        msg = f"{source} row {reader.line_num:,}: not a CSV table ddj can read ({exc}); give SLUG.csv of a publish bundle."
        raise SchemaError(msg) from None
    if not rows:
        msg = f"{source}: empty, not a CSV table ddj can read; give SLUG.csv of a publish bundle."
        raise SchemaError(msg)
    header, body = rows[0], rows[1:]
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        msg = f"{source}: the column(s) {', '.join(map(repr, twice))} appear more than once; give the SLUG.csv ddj wrote, unedited."
        raise SchemaError(msg)
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            msg = f"{source} row {number:,}: {len(row):,} cells under a header of {len(header):,}; not a CSV table ddj can read. Give the SLUG.csv ddj wrote, unedited."
            raise SchemaError(msg)
    columns = list(zip(*body, strict=True)) if body else [()] * len(header)
    return pd.DataFrame(
        {i: pd.Series(cells, dtype="str") for i, cells in enumerate(columns)}
    ).set_axis(header, axis=1)


def _typed(table: pd.DataFrame, source: Path) -> pd.DataFrame:
    """The columns of ``ORDER`` in ``table`` as ``ddj.coverage`` types them; a bad value refused."""
    out: dict[str, pd.Series] = {}
    for name in ("period", "period_end"):
        days = pd.to_datetime(table[name], format="%Y-%m-%d", errors="coerce")
        _refuse(source, table[name], days.isna(), name, "a day written YYYY-MM-DD")
        out[name] = days.astype("datetime64[us]")
    for name in [c for c in TEXT_COLUMNS if c in table.columns]:
        text = table[name]
        kept = text.str.startswith("'") & text.str[1:2].isin(_FORMULA_START)
        out[name] = text.where(~kept, text.str[1:])  # '=x -> =x: as before ddj's CSV writer
    for name in ("articles", "total"):
        counts = pd.to_numeric(table[name], errors="coerce")
        bad = counts.isna() | (counts < 0) | (counts % 1 != 0) | (counts > 2**53)
        _refuse(source, table[name], bad, name, "a whole number of articles, 0 or more")
        out[name] = counts.astype("int64")
    _refuse(
        source, table["articles"], out["articles"] > out["total"], "articles",
        "at most the total of its period",
    )  # fmt: skip
    for name in ("share", "share_low", "share_high"):
        if name not in table.columns:
            continue
        shares = pd.to_numeric(table[name].replace("", "nan"), errors="coerce")
        bad = ~shares.between(0, 1) & ~(shares.isna() & (table[name] == "") & (name != "share"))
        _refuse(source, table[name], bad, name, "a share from 0 to 1")
        out[name] = shares.astype("float64")
    if "share_low" not in out or "share_high" not in out:
        out["share_low"], out["share_high"] = (
            pd.Series(v, index=table.index, dtype="float64")
            for v in wilson(out["articles"].to_numpy(), out["total"].to_numpy())
        )
    for name in ("small", "partial", "gap"):
        if name in table.columns:
            flags = table[name].str.strip().str.lower()
            _refuse(source, table[name], ~flags.isin(_TRUE + _FALSE), name, "True or False")
            out[name] = flags.isin(_TRUE)
    if "small" not in out:
        out["small"] = out["total"] < SMALL_TOTAL
    out.setdefault("partial", pd.Series(False, index=table.index))
    out.setdefault("examples", pd.Series("", index=table.index, dtype="str"))
    frame = pd.DataFrame({name: out[name] for name in ORDER if name in out})
    return frame.astype({name: "bool" for name in ("small", "partial", "gap") if name in frame})


def _refuse(source: Path, values: pd.Series, bad: pd.Series, column: str, wanted: str) -> None:
    """A SchemaError naming the first line of ``values`` that is ``bad`` and what it should hold."""
    if not bool(np.asarray(bad).any()):
        return
    first = int(np.flatnonzero(np.asarray(bad))[0])
    value = str(values.iloc[first])
    shown = repr(value if len(value) <= 40 else value[:39] + "…")
    n = int(np.asarray(bad).sum())
    more = f" ({n:,} such rows)" if n > 1 else ""
    msg = f"{source} row {first + 2:,}: {column} {shown} is not {wanted}{more}; give the SLUG.csv ddj wrote, unedited."
    raise SchemaError(msg)


def _attrs(source: Path, table: pd.DataFrame, frame: pd.DataFrame) -> dict:
    """The frame's attrs: the method file's (:func:`ddj.method.method_attrs`), the frequency, demo."""
    attrs = method_attrs(read_method(source))
    attrs["freq"] = words.frequency(frame)  # the periods' length (the frame has no attrs yet)
    demo = DEMO_COLUMN in table.columns and bool((table[DEMO_COLUMN].str.strip() != "").any())
    if demo:
        attrs["ddj_demo"] = DEMO_LABEL
    return attrs
