"""ddj.utils and ddj.pool.Extractor: the helpers load, collect, dedupe, demo and publish share."""

from __future__ import annotations

import os
import sys
import warnings

import pandas as pd
import pytest

from ddj import warns
from ddj.collecting.fetch import Fetcher, FetchSettings
from ddj.errors import DroppedRowsWarning, ParameterError
from ddj.pool import Extractor
from ddj.utils import atomic_write, interactive, note_problems, progress_bar


def test_atomic_write_takes_bytes_text_or_a_writer_and_leaves_no_temp(tmp_path):
    target = tmp_path / "a.txt"
    atomic_write(target, b"one")
    atomic_write(target, "twö")
    assert target.read_bytes() == "twö".encode()
    atomic_write(target, lambda tmp: tmp.write_text("three"))
    assert target.read_text() == "three"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_a_failed_atomic_write_keeps_the_old_file_and_removes_its_temp(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")

    def broken(tmp):
        tmp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, broken)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_atomic_write_removes_only_stale_temps_of_dead_processes_when_asked(tmp_path):
    target = tmp_path / "c.csv"
    dead = tmp_path / ".c.csv.tmp-999999999-0123abcd"  # no such process
    mine = tmp_path / f".c.csv.tmp-{os.getpid()}-0123abcd"  # this process: alive
    other = tmp_path / ".d.csv.tmp-999999999-0123abcd"  # another name
    for p in (dead, mine, other):
        p.write_text("x")
        os.utime(p, (0, 0))
    atomic_write(target, "a")
    assert dead.exists()  # not asked
    atomic_write(target, "b", remove_stale=True)
    assert not dead.exists() and mine.exists() and other.exists()


def test_extractor_gives_the_same_results_in_order_in_process_and_in_a_pool():
    items = [(i, (i * 7, 3)) for i in range(60)]
    with Extractor(divmod, workers=1, pooled=True) as ex:
        assert ex.pool is None  # one worker: no pool
        alone = list(ex.map(items))
    with Extractor(divmod, workers=2, pooled=True, warm_item=(1, 1)) as ex:
        assert ex.pool is not None
        pooled = list(ex.map(iter(items)))
    assert alone == pooled == [(i, divmod(i * 7, 3)) for i in range(60)]


def test_extractor_stops_its_workers_when_the_caller_fails():
    with pytest.raises(KeyboardInterrupt), Extractor(divmod, workers=2, pooled=True) as ex:
        pool = ex.pool
        for _ in ex.map((i, (i, 1)) for i in range(10)):
            raise KeyboardInterrupt
    assert ex.pool is None
    with pytest.raises(RuntimeError, match="shutdown"):
        pool.submit(divmod, 1, 1)  # the workers were stopped


def test_progress_policy_shows_a_bar_only_when_someone_watches(monkeypatch, capsys):
    assert progress_bar(5, desc="x", unit="page", show=False) is None
    assert progress_bar(0, desc="x", unit="page", show=True) is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    monkeypatch.delenv("DDJ_PROGRESS", raising=False)
    import ipykernel.kernelapp  # imported, as papermill's parent process may: no kernel runs here

    assert not interactive() and progress_bar(5, desc="x", unit="page") is None

    class Running:
        @staticmethod
        def initialized():
            return True

    monkeypatch.setattr(
        ipykernel.kernelapp, "IPKernelApp", Running
    )  # a Jupyter kernel: a person watches
    assert interactive()
    bar = progress_bar(3, desc="load", unit="page")
    bar.update(3)
    assert (bar.n, bar.total, bar.unit) == (3, 3, "page")  # tqdm.auto: a widget in a real kernel
    bar.close()
    capsys.readouterr()
    monkeypatch.setenv(
        "DDJ_PROGRESS", "0"
    )  # what ddj run gives the kernel it starts: nobody watches
    assert progress_bar(5, desc="x", unit="page") is None
    monkeypatch.undo()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    monkeypatch.setenv("DDJ_PROGRESS", "1")  # asked for, in a log or a test
    bar = progress_bar(2, desc="load", unit="page")
    bar.update(2)
    bar.close()
    assert "2/2" in capsys.readouterr().err


def test_note_problems_lists_and_warns_without_changing_the_frame():
    frame = pd.DataFrame({"a": [1]})
    frame.attrs["ddj_problems"] = [{"source": "s0", "reason": "r0"}]

    def step(corpus):  # a library step that drops a row
        rows = [{"source": "s1", "reason": "r1"}]
        return note_problems(corpus, rows, warns.duplicates(rows))

    with pytest.warns(DroppedRowsWarning, match="Dropped 1 duplicate") as caught:
        out = step(frame)
    assert caught[0].message.report == [{"source": "s1", "reason": "r1"}]
    assert caught[0].filename == __file__  # at the step's caller: here
    assert [p["source"] for p in out.attrs["ddj_problems"]] == ["s0", "s1"]
    assert frame.attrs["ddj_problems"] == [{"source": "s0", "reason": "r0"}]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert note_problems(frame, [], warns.duplicates([])) is frame


def test_fetch_settings_are_one_checked_value():
    settings = FetchSettings(rate=2, contact="desk@example.org")
    assert FetchSettings.of(settings, retries=0) == FetchSettings(
        rate=2, contact="desk@example.org", retries=0
    )
    with pytest.raises(ParameterError, match="unknown fetch option.*retrys.*give any of"):
        FetchSettings.of(settings, retrys=1)
    with pytest.raises(ParameterError, match="deadline=0"):
        FetchSettings(deadline=0)
    with pytest.raises(AttributeError):
        settings.rate = 3  # frozen
    fetcher = Fetcher(settings, robots=False)
    assert fetcher.settings == FetchSettings(rate=2, contact="desk@example.org", robots=False)
    import ddj

    assert fetcher.user_agent == f"ddj/{ddj.__version__} (+desk@example.org)"


def test_atomic_write_replaces_a_link_and_never_writes_through_it(tmp_path, monkeypatch):
    import ddj
    import ddj.utils

    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    place = tmp_path / "out"
    place.mkdir()
    (place / "note.txt").symlink_to("../victim.txt")
    atomic_write(place / "note.txt", "new")
    assert victim.read_text() == "keep me"
    assert not (place / "note.txt").is_symlink() and (place / "note.txt").read_text() == "new"
    # a link planted at the temporary name is not written through either
    monkeypatch.setattr(ddj.utils.secrets, "token_hex", lambda n: "00000000")
    planted = place / f".again.txt.tmp-{os.getpid()}-00000000"
    planted.symlink_to("../victim.txt")
    with pytest.raises(FileExistsError):
        atomic_write(place / "again.txt", "new")
    assert victim.read_text() == "keep me" and not (place / "again.txt").exists()
    # ddj.save writes the same way
    rows = pd.DataFrame({"url": ["https://a.example/1"], "published": ["2024-01-02"]})
    corpus = ddj.load(rows)
    (place / "corpus.csv").symlink_to("../victim.txt")
    with pytest.raises(ddj.InputError, match="exists already"):  # a file stands there: asked first
        ddj.save(corpus, place / "corpus.csv")
    assert victim.read_text() == "keep me"
    ddj.save(corpus, place / "corpus.csv", overwrite=True)
    assert victim.read_text() == "keep me" and not (place / "corpus.csv").is_symlink()
