"""ddj.yamlfile: every YAML ddj reads (topics, outlets, parameter files, -p values) is read as untrusted."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
import yaml

import ddj
from ddj import yamlfile
from ddj.cli import main
from ddj.limits import MAX_YAML_BYTES, MAX_YAML_DEPTH

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_billion_laughs_refused_at_the_first_anchor_before_anything_is_built(monkeypatch):
    built = []
    monkeypatch.setattr(
        yamlfile._Loader, "get_single_data", lambda self: built.append(1), raising=True
    )
    with pytest.raises(ddj.InputError, match=r"^bomb.yml, line 1: an anchor \(&a\)") as err:
        yamlfile.loads(LAUGHS, "bomb.yml")
    assert "write each value out in full" in str(err.value)
    assert not built  # refused on the parser's events: nothing was composed or constructed
    # an alias alone (its anchor elsewhere, or none) is refused at the alias
    with pytest.raises(ddj.InputError, match=r"line 2: an alias \(\*x\)"):
        yamlfile.loads("a: 1\nb: *x\n", "f.yml")


def test_plain_safe_load_would_expand_the_bomb():
    """The file above really is a bomb: PyYAML builds it (shared), a consumer walks 387 million items."""
    data = yaml.safe_load(LAUGHS)
    assert data["i"][0][0][0][0][0][0][0][0] == ["lol"] * 9


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a: 1\nb: 2\na: 3\n", 3, "the key 'a' is given twice in one mapping (first on line 1)"),
        ("topics:\n  - name: x\n    query: a\n    name: y\n", 4, "the key 'name' is given twice"),
        ("{x: 1, y: 2, x: 3}", 1, "the key 'x' is given twice"),
        ("1: a\ntrue: b\n", 2, "is given twice"),  # the same key once read: 1 == True
    ],
)
def test_repeated_keys_are_refused_naming_the_line(text, line, words):
    with pytest.raises(ddj.InputError) as err:
        yamlfile.loads(text, "f.yml")
    assert str(err.value).startswith(f"f.yml, line {line}: ") and words in str(err.value)


@pytest.mark.parametrize(
    "text",
    [
        "[!!python/object/apply:os.system [echo hi]]",
        "a: !!python/name:os.system\n",
        "a: !!binary aGk=\n",
        "a: !!set {x, y}\n",
        "a: !custom 1\n",
        "a: !<tag:example.com,2000:x> 1\n",
    ],
)
def test_tags_beyond_plain_yaml_are_refused(text):
    with pytest.raises(ddj.InputError, match=r"^f.yml, line \d+: the tag \S+ is not read"):
        yamlfile.loads(text, "f.yml")


def test_plain_yaml_and_core_tags_still_read():
    text = (
        "a: !!str 123\nb: !!int '7'\nc: [x, 1.5, true, null, 2024-01-02]\nd: {e: f}\n<<: {g: h}\n"
    )
    got = yamlfile.loads(text, "f.yml")
    assert got["a"] == "123" and got["b"] == 7 and got["d"] == {"e": "f"} and got["g"] == "h"
    assert [str(v) for v in got["c"]] == ["x", "1.5", "True", "None", "2024-01-02"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[" * (MAX_YAML_DEPTH + 1) + "]" * (MAX_YAML_DEPTH + 1), "nested more than 10 levels"),
        (
            "[" * 100_000 + "]" * 100_000,
            "nest",
        ),  # libyaml's own limit, or ours: never a RecursionError
        ("".join(" " * i + "-\n" for i in range(1000)), "nested more than 10 levels"),
        (
            "x: " + ":".join(["1"] * 200_000),
            "a number of 399,999 characters",
        ),  # sexagesimal: quadratic
        ("x: " + "1" * 5000, "a number of 5,000 characters"),
        ("x: 2024-02-30", "a value YAML cannot read"),
        ("? [a]\n: 1\n", "a key must be text or a number"),
        ("a: b\n- c\n", "not valid YAML"),
        ("a: '\x00'", "not valid YAML"),
        ("a: \ud800", "lone surrogate"),
    ],
)
def test_other_untrusted_shapes_are_refused_with_a_ddj_error(text, words):
    with pytest.raises(ddj.InputError, match="^f.yml") as err:
        yamlfile.loads(text, "f.yml")
    assert words in str(err.value) and "\n" not in str(err.value)


def test_size_cap_before_parsing(tmp_path):
    with pytest.raises(ddj.InputError, match="more than the 1,048,576 ddj reads"):
        yamlfile.loads("#" * (MAX_YAML_BYTES + 1), "f.yml")
    path = tmp_path / "big.yml"
    path.write_bytes(b"a: " + b"x" * MAX_YAML_BYTES)
    with pytest.raises(
        ddj.InputError, match=r"big.yml: 1,048,579 bytes, more than the 1,048,576-byte cap"
    ):
        yamlfile.read(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_or_a_device_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "topics.yml"
    os.mkfifo(fifo)
    result = []
    worker = threading.Thread(
        target=lambda: result.append(_error(yamlfile.read, fifo, what="topics")), daemon=True
    )
    worker.start()
    worker.join(30)
    assert result and "a named pipe (FIFO), not a regular" in result[0]
    if os.path.exists("/dev/zero"):
        assert "a character device" in _error(yamlfile.read, "/dev/zero")
    assert "a folder, not a file" in _error(ddj.topics, tmp_path)


def _error(function, *args, **kwargs) -> str:
    try:
        function(*args, **kwargs)
    except ddj.DdjError as exc:
        return str(exc)
    return ""


def test_every_yaml_reader_goes_through_it(tmp_path):
    bomb = tmp_path / "bomb.yml"
    bomb.write_text(LAUGHS + "topics: []\ngroups: []\n")
    assert "line 1: an anchor" in _error(ddj.topics, bomb)
    assert "line 1: an anchor" in _error(ddj.outlets.groups, bomb)
    assert "line 1: an anchor" in _error(ddj.notebooks.parse_cli_params, [], str(bomb))
    twice = tmp_path / "twice.yml"
    twice.write_text("freq: M\nfreq: W\n")
    assert "line 2: the key 'freq' is given twice" in _error(
        ddj.notebooks.parse_cli_params, [], str(twice)
    )


@pytest.mark.parametrize("where", ["-p", "-f"])
def test_cli_refuses_a_python_tag_in_one_line(tmp_path, capsys, where, monkeypatch):
    import papermill

    @contextmanager
    def booting(*args):  # the check runs while a kernel boots; no need to boot one here
        yield SimpleNamespace(kernel_name="python3")

    monkeypatch.setattr(ddj.notebooks, "_booting_kernel", booting)
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: pytest.fail("it ran"))
    value = "[!!python/object/apply:os.system [echo pwned]]"
    if where == "-p":
        args = ["-p", "topics", value]
    else:
        (tmp_path / "p.yml").write_text(f"topics: {value}\n")
        args = ["-f", str(tmp_path / "p.yml")]
    assert main(["run", "coverage", *args, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ddj run: error: ") and err.count("\n") == 1
    assert "the tag !!python/object/apply:os.system is not read" in err
    assert "Traceback" not in err


YAMLISH = st.lists(
    st.one_of(
        st.sampled_from(
            ["[", "]", "{", "}", ":", "- ", "\n", "  ", "&a ", "*a", "!!python/x ", "!t ", "? ",
             "'", '"', "#", ",", "a", "1", "1:2", "2024-02-30", "<<", "---", "|", ">", "%YAML 1.1\n",
             "\t", "\\", "%"]
        ),
        st.characters(),  # any code point: surrogates, controls, NUL
    ),
    max_size=120,
).map("".join)  # fmt: skip


@given(YAMLISH)
def test_any_yamlish_text_gives_a_value_or_a_ddj_error(text):
    try:
        value = yamlfile.loads(text, "fuzz.yml")
    except ddj.InputError as exc:
        assert str(exc).startswith("fuzz.yml") and "\n" not in str(exc)
    else:
        assert isinstance(value, (dict, list, str, int, float, bool, type(None))) or hasattr(
            value, "isoformat"
        )
