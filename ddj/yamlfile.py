r"""Reading YAML that ddj does not trust: topic, outlet and parameter files, ``-p`` values.

Every YAML ddj reads goes through :func:`loads` (text) or :func:`read` (a file).
They read plain YAML only: text, numbers, true/false, null, dates, lists and
mappings. Refused, each with a :class:`ddj.InputError` (or the error class the
caller asks for) that names the file or parameter, the line and the fix:

- anchors and aliases (``&a``, ``*a``), at the first one, before anything is
  built: a few lines of them can stand for gigabytes ("billion laughs");
- tags beyond plain YAML (``!!python/object/apply:...``, ``!custom``);
- a key given twice in one mapping (YAML would keep the last silently);
- nesting deeper than ``MAX_YAML_DEPTH`` levels, more than ``MAX_YAML_BYTES``
  bytes, a number longer than ``MAX_YAML_NUMBER`` characters, and files that are
  not regular files (a FIFO or ``/dev/zero`` would never end).

The checks run on the parser's events (libyaml's C parser when PyYAML has it),
so a refused document is never composed or built.

Examples
--------
>>> loads("topics: [a, b]", "t.yml")
{'topics': ['a', 'b']}
>>> loads("a: 1\na: 2", "t.yml")
Traceback (most recent call last):
...
ddj.errors.InputError: t.yml, line 2: the key 'a' is given twice in one mapping (first on line 1); ...
>>> loads("[!!python/object/apply:os.system [ls]]", "-p topics")
Traceback (most recent call last):
...
ddj.errors.InputError: -p topics, line 1: the tag !!python/object/apply:os.system is not read; ...
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from ddj.errors import DdjError, InputError
from ddj.files import read_regular
from ddj.limits import MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_NUMBER

_CORE = "tag:yaml.org,2002:"
#: The explicit tags ddj reads: YAML's core schema, and dates (which plain YAML reads anyway).
TAGS = frozenset(
    _CORE + t for t in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")
)
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: linear, in C


class _Refused(Exception):
    """A reason to refuse the document, with the (1-based) line it was found on."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader that refuses repeated keys and over-long numbers while it builds."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        first: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _CORE + "merge":  # ``<<: {...}``, merged by PyYAML below
                continue
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            try:
                hash(key)
            except TypeError:
                msg = f"a key must be text or a number, not a {type(key).__name__}; write the key as text"
                raise _Refused(msg, line) from None
            if key in first:
                msg = (
                    f"the key {_short(key)!r} is given twice in one mapping (first on line "
                    f"{first[key]}); YAML would keep only the last. Keep one of them"
                )
                raise _Refused(msg, line)
            first[key] = line
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:  # a date such as 2024-02-30
            msg = f"a value YAML cannot read ({_short(exc)}); put quotation marks around it"
            raise _Refused(msg, node.start_mark.line + 1) from exc

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        _number_length(node)
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        _number_length(node)
        return super().construct_yaml_float(node)


_Loader.add_constructor(_CORE + "int", _Loader.construct_yaml_int)
_Loader.add_constructor(_CORE + "float", _Loader.construct_yaml_float)


def _number_length(node: yaml.ScalarNode) -> None:
    """Refuse a number longer than ``MAX_YAML_NUMBER`` (``1:1:1:...`` costs quadratic time)."""
    if len(node.value) > MAX_YAML_NUMBER:
        msg = (
            f"a number of {len(node.value):,} characters (at most {MAX_YAML_NUMBER} are read); "
            "put quotation marks around it if it is text"
        )
        raise _Refused(msg, node.start_mark.line + 1)


def _short(value: Any, limit: int = 80) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tag(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


def _check_events(text: str) -> None:
    """Refuse anchors, aliases, unknown tags and deep nesting from the parser's events alone."""
    depth = 0
    for event in yaml.parse(text, Loader=_Base):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            msg = (
                f"an alias (*{_short(event.anchor, 40)}) repeats another part of the document; "
                "ddj reads no anchors or aliases (a few lines of them can stand for gigabytes). "
                "Write the value out in full"
            )
            raise _Refused(msg, line)
        if not isinstance(event, yaml.NodeEvent):
            if isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            continue
        if event.anchor is not None:
            msg = (
                f"an anchor (&{_short(event.anchor, 40)}) marks a value to repeat; ddj reads "
                "no anchors or aliases (a few lines of them can stand for gigabytes). "
                "Remove it and write each value out in full"
            )
            raise _Refused(msg, line)
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in TAGS:
            msg = (
                f"the tag {_short(_tag(tag), 60)} is not read; ddj reads plain YAML (text, numbers, "
                "true/false, null, dates, lists and mappings). Remove the tag, or quote the value"
            )
            raise _Refused(msg, line)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                msg = (
                    f"nested more than {MAX_YAML_DEPTH} levels deep; flatten the lists and mappings"
                )
                raise _Refused(msg, line)


def loads(
    text: str,
    source: str,
    *,
    limit: int = MAX_YAML_BYTES,
    error: type[DdjError] = InputError,
) -> Any:
    r"""The value of one YAML document, read as untrusted (see the module's docstring).

    Parameters
    ----------
    text
        The YAML text.
    source
        What to call it in a message: a file's path, or ``"-p NAME"``.
    limit
        Largest text accepted, in bytes of UTF-8.
    error
        The :class:`ddj.DdjError` subclass to raise (``InputError`` by default).

    Returns
    -------
    Any
        dicts, lists, str, int, float, bool, None, dates.

    Raises
    ------
    DdjError
        ``error``, naming ``source`` and the line, for anything refused or not YAML.

    Examples
    --------
    >>> loads("[1, two, null]", "-p topics")
    [1, 'two', None]
    >>> loads("a: &x 1\nb: *x", "f.yml")
    Traceback (most recent call last):
    ...
    ddj.errors.InputError: f.yml, line 1: an anchor (&x) marks a value to repeat; ...
    """
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        msg = f"{source}: not valid Unicode text (a lone surrogate at character {exc.start + 1}); give it as UTF-8."
        raise error(msg) from None
    if size > limit:
        msg = f"{source}: {size:,} bytes of YAML, more than the {limit:,} ddj reads. Check that it is the right file."
        raise error(msg)
    loader = None
    try:
        _check_events(text)
        loader = _Loader(text)
        return loader.get_single_data()
    except _Refused as exc:
        raise error(f"{source}, line {exc.line}: {exc}.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{source}, line {mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or _short(exc, 200)
        msg = f"{where}: not valid YAML ({problem}). Check the indentation and quoting around that line."
        raise error(msg) from None
    finally:
        if loader is not None:
            loader.dispose()


def read(
    path: str | os.PathLike,
    *,
    what: str = "YAML",
    limit: int = MAX_YAML_BYTES,
    error: type[DdjError] = InputError,
) -> Any:
    """The value of a YAML file, read as untrusted; only a regular file of at most ``limit`` bytes.

    Parameters
    ----------
    path
        The file.
    what
        What the file holds, for messages (``"topics"``, ``"outlets"``, ``"parameters"``).
    limit
        Largest file read, in bytes.
    error
        The :class:`ddj.DdjError` subclass to raise.

    Raises
    ------
    DdjError
        A missing file, one that is not a regular file (a folder, a FIFO, a device),
        too large, not UTF-8, or refused by :func:`loads`.
    """
    path = Path(path)
    raw = _read_bytes(path, what, limit, error)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = f"{path}: not UTF-8 text (byte {exc.start}). Save the file as UTF-8."
        raise error(msg) from None
    return loads(text, str(path), limit=limit, error=error)


def _read_bytes(path: Path, what: str, limit: int, error: type[DdjError]) -> bytes:
    """At most ``limit`` bytes of ``path``, only when it is a regular file (:mod:`ddj.files`)."""
    try:
        return read_regular(path, limit, f"{what} file")
    except InputError as exc:
        if error is InputError:
            raise
        raise error(str(exc)) from None
