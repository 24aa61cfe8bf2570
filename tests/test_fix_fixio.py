"""Fix fixio: disk faults, interrupts and folders. Further tests beside the xfails of
test_hunt13_found.py and test_hunt11_found.py that this fix removed."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DATA, run_cli

SWEEP = DATA / "sweep"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("a,b\n1,x\n2,y", "a,b\n1,x\n"),  # cut mid-row
        ("a,b\n1,x\n", "a,b\n1,x\n"),  # whole
        ('a,b\n1,"two\nlines"\n2,"half\nof', 'a,b\n1,"two\nlines"\n'),  # cut inside quotes
        ('a,b\n1,"said ""hi""\n', "a,b\n"),  # a line break inside an open quote is no end
        ("a,b", ""),  # the header itself cut
    ],
)
def test_a_partial_last_record_is_dropped_before_appending(tmp_path, text, kept):
    from allocator.studies.sweepstream import AppendFile

    path = tmp_path / "t.csv"
    path.write_bytes(text.encode())
    AppendFile(path).close()
    assert path.read_bytes().decode() == kept


def test_a_long_table_finds_its_last_record_across_blocks(tmp_path, monkeypatch):
    from allocator.studies import sweepstream

    monkeypatch.setattr(sweepstream, "CHUNK", 7)  # records longer than a block
    path = tmp_path / "t.csv"
    whole = 'a,b\n1,"long\nquoted text that spans blocks"\n'
    path.write_bytes((whole + '2,"cut here').encode())
    assert sweepstream.committed_size(path) == len(whole)


def test_rows_of_a_sample_without_its_sweep_row_are_dropped(tmp_path, monkeypatch):
    """A sweep killed after a batch's program and plan rows but before its sweep.csv rows (the
    samples' commit): --resume solves them again and each is counted once."""
    from allocator.studies import sweeprun, sweepstream

    real = sweeprun.StreamWriter._write
    calls = {"n": 0}

    def killed(self, rows):
        calls["n"] += 1
        if calls["n"] == 2:  # killed as sweep.csv's rows are written: nothing is cut back
            self.main.append = lambda _text: (_ for _ in ()).throw(KeyboardInterrupt)
            monkeypatch.setattr(sweepstream.AppendFile, "rollback", lambda *_: None)
        return real(self, rows)

    out, whole = tmp_path / "cut", tmp_path / "whole"
    monkeypatch.setattr(sweeprun.StreamWriter, "_write", killed)
    args = ("sweep", "--inputs", SWEEP, "--samples", 4, "--serial")
    assert run_cli(*args, "--out", out).exit_code == 130
    assert "\n1," in (out / "sweep_programs.csv").read_text()  # sample 1: not committed
    assert "\n1," not in (out / "sweep.csv").read_text()
    monkeypatch.undo()
    assert run_cli(*args, "--out", out, "--resume").exit_code == 0
    assert run_cli(*args, "--out", whole).exit_code == 0
    for name in ("sweep.csv", "sweep_programs.csv", "sweep_plan.csv", "sweep_summary.csv"):
        assert (out / name).read_text() == (whole / name).read_text(), name


def test_finishing_keeps_no_program_rows_of_a_sample_without_an_answer(tmp_path):
    """Sample 1 failed (its task), was solved again by a --resume killed before its sweep.csv
    row, then failed again: its program rows of the killed pass are not the sweep's."""
    from allocator.studies.sweepfolder import finish_tables

    (tmp_path / "sweep.csv").write_text(
        "sample,status,objective,jobs,exports_musd,targets_missed,message\n"
        "0,optimal,1,1,1,0,\n1,error,,,,,lost\n1,error,,,,,lost again\n"
    )
    (tmp_path / "sweep_programs.csv").write_text("sample,program,invest_musd\n0,x,5\n1,x,7\n")
    finish_tables(tmp_path)
    assert (tmp_path / "sweep_programs.csv").read_text().splitlines() == [
        "sample,program,invest_musd",
        "0,x,5",
    ]


def _names(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize(
    ("args", "module", "work"),
    [
        (["core", "--inputs", DATA / "core", "--samples", "0"], "studies.corerun", "_solve"),
        (["solve", "--inputs", DATA / "greedy"], "runs.solve", "solved"),
    ],
    ids=["core", "solve"],
)
def test_a_file_named_results_is_said_before_the_work(tmp_path, monkeypatch, args, module, work):
    import importlib

    def no_work(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the study ran")

    monkeypatch.setattr(importlib.import_module(f"allocator.{module}"), work, no_work)
    (tmp_path / "results").write_text("the user's notes\n", encoding="utf-8")
    res = run_cli(*args, cwd=tmp_path)
    assert res.exit_code == 2, res.stderr
    assert "results is a file, not a folder" in res.stderr
    assert "Fix: give --out DIR" in res.stderr


def _sweep(out: Path, *extra: object):
    return run_cli("sweep", "--inputs", SWEEP, "--samples", 2, "--serial", "--out", out, *extra)


def test_sweep_force_keeps_a_folder_of_ones_own(tmp_path):
    out = tmp_path / "sweep"
    assert _sweep(out).exit_code == 0
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    res = _sweep(out, "--force")
    assert res.exit_code == 2, res.stderr
    assert "notes.txt" in res.stderr
    assert "--force" not in res.stderr.split("Fix:")[1]  # not offered: it would not work
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_sweep_force_replaces_a_run_of_another_command_and_not_with_resume(tmp_path):
    out = tmp_path / "run"
    assert run_cli("solve", "--inputs", SWEEP, "--out", out).exit_code == 0
    refused = _sweep(out)
    assert refused.exit_code == 2
    assert "pass --force to replace it" in refused.stderr  # a run of solve: --force works
    both = _sweep(out, "--force", "--resume")
    assert both.exit_code == 2
    assert "give one of them" in both.stderr
    assert _sweep(out, "--force").exit_code == 0
    assert not (out / "allocation.csv").exists()
    assert (out / "sweep.csv").is_file()


def test_a_sweep_interrupted_as_it_is_shown_says_what_it_kept(tmp_path, monkeypatch):
    from allocator.cli import sweeping

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C as the finished sweep is printed

    monkeypatch.setattr(sweeping, "show_sweep", interrupted)
    res = _sweep(tmp_path / "sweep")
    assert res.exit_code == 130, res.stderr
    assert "no run folder was written" not in res.stderr
    assert "kept 2 samples" in res.stderr
