"""Hunt 13: an unlucky machine and a hostile folder, on every command that writes. Each test
fails on today's code (xfail, strict): the reason says the harm in one line."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from conftest import DATA, run_cli

SWEEP = DATA / "sweep"


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _sweep(out: Path, samples: int, *extra: object):
    return run_cli(
        "sweep", "--inputs", SWEEP, "--samples", samples, "--serial", "--out", out, *extra
    )


def _cut_mid_row(monkeypatch: pytest.MonkeyPatch, nth: int) -> None:
    """The `nth` batch of sweep rows meets a full disk: the buffered file got only part of its
    last row on disk (write(2) wrote what fitted), then EFBIG, as under RLIMIT_FSIZE or a
    full tmpfs (seen: `sweep.csv` ending in `25,optimal,314.994026`)."""
    from allocator.studies import sweeprun

    real = sweeprun.StreamWriter._write
    calls = {"n": 0}

    def write(self, rows):
        calls["n"] += 1
        got = real(self, rows)
        if calls["n"] == nth:
            size = os.fstat(self.main.fileno()).st_size
            os.truncate(self.main.name, size - 40)  # the tail of the last row did not fit
            raise OSError(errno.EFBIG, os.strerror(errno.EFBIG))
        return got

    monkeypatch.setattr(sweeprun.StreamWriter, "_write", write)


def test_a_sweep_cut_mid_row_by_a_full_disk_resumes_to_the_whole_sweep(tmp_path, monkeypatch):
    out, whole = tmp_path / "cut", tmp_path / "whole"
    _cut_mid_row(monkeypatch, 1)
    res = _sweep(out, 4)
    assert res.exit_code == 2, res.stderr
    assert "(Errno 27)" in res.stderr
    monkeypatch.undo()
    again = _sweep(out, 4, "--resume")
    assert again.exit_code == 0, again.stderr
    assert _sweep(whole, 4).exit_code == 0
    cut = (out / "sweep.csv").read_text().splitlines()
    assert cut == (whole / "sweep.csv").read_text().splitlines()


def _programs_do_not_fit(monkeypatch: pytest.MonkeyPatch, nth: int) -> None:
    """The `nth` batch: sweep.csv's rows reach the disk, then the disk is full when
    sweep_programs.csv (flushed last) is written: none of the batch's program rows are kept."""
    from allocator.studies import sweeprun

    real = sweeprun.StreamWriter._write
    calls = {"n": 0}

    def write(self, rows):
        calls["n"] += 1
        before = os.fstat(self.prog.fileno()).st_size
        got = real(self, rows)
        if calls["n"] == nth:
            os.truncate(self.prog.name, before)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return got

    monkeypatch.setattr(sweeprun.StreamWriter, "_write", write)


def test_a_sweep_resumed_after_a_full_disk_keeps_every_samples_programs(tmp_path, monkeypatch):
    out, whole = tmp_path / "cut", tmp_path / "whole"
    _programs_do_not_fit(monkeypatch, 2)
    res = _sweep(out, 4)
    assert res.exit_code == 2, res.stderr
    assert "the disk is full (Errno 28)" in res.stderr
    monkeypatch.undo()
    again = _sweep(out, 4, "--resume")
    assert again.exit_code == 0, again.stderr
    assert _sweep(whole, 4).exit_code == 0
    for name in ("sweep_programs.csv", "sweep_summary.csv"):
        assert (out / name).read_text() == (whole / name).read_text(), name


EARLY_STOP = r"""
import sys
import allocator.report.html as html
import allocator.studies.sweeprun as sweeprun
def interrupted(*args, **kwargs):
    raise KeyboardInterrupt
# Ctrl-C while a sweep reads its dataset, or while a solve writes its report
sweeprun.load_uncertain = html.write_report = interrupted
sys.argv = ["allocator", *sys.argv[1:]]
from allocator.cli.commands import main
main()
"""


@pytest.mark.parametrize(
    "args",
    [["sweep", "--inputs", SWEEP, "--samples", "2", "--serial"], ["solve", "--inputs", SWEEP]],
    ids=["sweep-early", "solve-writing"],
)
def test_a_run_interrupted_without_out_leaves_no_folder(tmp_path, args):
    import subprocess
    import sys

    from conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", EARLY_STOP, *map(str, args)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 130, done.stderr
    assert "interrupted: no run folder was written" in done.stderr
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == []


def test_force_keeps_a_run_folder_whose_csv_table_was_edited(tmp_path):
    run = tmp_path / "run"
    assert run_cli("solve", "--inputs", DATA / "greedy", "--out", run).exit_code == 0
    table = run / "allocation.csv"
    table.write_text(table.read_text(encoding="utf-8") + "my note for the minister\n")
    edited = {p.name: p.read_bytes() for p in run.iterdir()}
    res = run_cli("solve", "--inputs", DATA / "greedy", "--out", run, "--force")
    assert res.exit_code == 2, res.stderr
    assert "allocation.csv" in res.stderr
    assert {p.name: p.read_bytes() for p in run.iterdir()} == edited


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_an_interrupt_after_the_run_folder_is_written_does_not_deny_it(
    tmp_path, monkeypatch, as_json
):
    import json

    from allocator.cli import commands

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C as the terminal summary is printed

    monkeypatch.setattr(commands, "show_run" if not as_json else "print_json", interrupted)
    run = tmp_path / "run"
    res = run_cli(
        "solve", "--inputs", DATA / "greedy", "--out", run, *(["--json"] if as_json else [])
    )
    assert res.exit_code == 130, res.stderr
    assert (run / "run.json").is_file()  # the run is whole and in place
    assert "no run folder was written" not in res.stderr
    assert str(run) in res.stderr
    if as_json:  # the one document names the run folder it wrote
        assert str(run) in json.dumps(json.loads(res.stdout))


def test_force_does_not_replace_a_folder_a_sweep_is_writing_into(tmp_path):
    import fcntl

    out = tmp_path / "sweep"
    assert _sweep(out, 2).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    held = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running sweep --resume holds it
        res = run_cli("solve", "--inputs", DATA / "greedy", "--out", out, "--force")
    finally:
        os.close(held)
    assert res.exit_code == 2, res.stderr
    lines = _lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert "sweep" in lines[0]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


API_FULL_DISK = r"""
import gc, resource, signal, sys
from pathlib import Path
from allocator.errors import UsageError
from allocator.runs.solve import solve
from allocator.runs.spec import RunSpec
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (12000, 12000))  # the workbook (20 KB) does not fit
try:
    solve(RunSpec(inputs=Path(sys.argv[1]), out=Path("run")))
except UsageError as exc:
    print(f"refused: {exc}")
gc.collect()  # as a notebook's next cell would, sooner or later
"""


def test_the_python_api_on_a_full_disk_says_the_fault_once(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "ALLOCATOR_SERIAL_WRITE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", API_FULL_DISK, str(DATA / "greedy")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "refused: cannot write --out run: a file is larger than the disk allows" in done.stdout
    assert list(tmp_path.iterdir()) == []
    assert "Traceback" not in done.stderr
    assert done.stderr == ""


def test_export_inputs_on_a_full_disk_leaves_no_folder_it_made(tmp_path, monkeypatch):
    from allocator.report import bookout

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(bookout, "write_inputs_workbook", full)
    res = run_cli("export-inputs", "--inputs", DATA / "greedy", tmp_path / "a" / "b" / "plan.xlsx")
    assert res.exit_code == 2, res.stderr
    assert len(_lines(res.stderr)) == 1, res.stderr
    assert "the disk is full (Errno 28)" in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_save_on_a_full_disk_leaves_no_folder_it_made(tmp_path, monkeypatch):
    import shutil

    from allocator.errors import UsageError
    from allocator.report import book
    from allocator.runs.spec import RunSpec
    from allocator.serve.held import HeldModel
    from allocator.serve.save import save

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    dataset = shutil.copytree(DATA / "greedy", tmp_path / "inputs" / "greedy")
    held = HeldModel(RunSpec(inputs=dataset))
    monkeypatch.setattr(book, "write_results_workbook", full)
    monkeypatch.setenv("ALLOCATOR_SERIAL_WRITE", "1")
    with pytest.raises(UsageError, match=r"the disk is full \(Errno 28\)"):
        save(held, "mine", tmp_path / "models", tmp_path / "results")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs"]


def test_report_does_not_read_a_table_linked_from_outside_its_folder(tmp_path, solved_run):
    import shutil

    run = shutil.copytree(solved_run("--inputs", DATA / "greedy")[0], tmp_path / "run")
    secret = tmp_path / "secret.csv"
    table = run / "allocation_by_phase.csv"
    secret.write_text(table.read_text(encoding="utf-8").replace(",s1,", ",secret_sector,"))
    table.unlink()
    table.symlink_to(secret)
    res = run_cli("report", run)
    assert "secret_sector" not in (run / "report.html").read_text(encoding="utf-8")
    assert res.exit_code == 2, res.stderr
    assert len(_lines(res.stderr)) == 1, res.stderr


def test_resume_writes_nothing_through_a_link_in_the_sweep_folder(tmp_path, monkeypatch):
    from allocator.studies import sweeprun

    calls = {"n": 0}
    real = sweeprun.StreamWriter._write

    def stop_second(self, rows):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, rows)

    monkeypatch.setattr(sweeprun.StreamWriter, "_write", stop_second)
    out = tmp_path / "sweep"
    assert _sweep(out, 4).exit_code == 2
    monkeypatch.undo()
    mine = tmp_path / "notes.csv"
    mine.write_text("sample,program,invest_musd\n", encoding="utf-8")  # the user's own file
    (out / "sweep_programs.csv").unlink()
    (out / "sweep_programs.csv").symlink_to(mine)
    res = _sweep(out, 4, "--resume")
    assert mine.read_text(encoding="utf-8") == "sample,program,invest_musd\n"
    assert res.exit_code == 2, res.stderr


def test_a_sweep_overwrites_no_file_through_a_link_named_sweep_json(tmp_path):
    import shutil

    done = tmp_path / "done"
    assert _sweep(done, 2).exit_code == 0
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(done / "run.json", out / "run.json")  # a sweep's folder, from someone else
    mine = tmp_path / "thesis.txt"
    mine.write_text("two years of the user's work\n", encoding="utf-8")
    (out / "sweep.json").symlink_to(mine)
    _sweep(out, 2)
    assert mine.read_text(encoding="utf-8") == "two years of the user's work\n"


@pytest.mark.parametrize(
    "args",
    [
        ["sweep", "--inputs", SWEEP, "--samples", "2", "--serial"],
        ["core", "--inputs", DATA / "core", "--samples", "0"],
    ],
    ids=["sweep", "core"],
)
def test_a_file_named_results_is_one_line_for_every_command(tmp_path, args):
    (tmp_path / "results").write_text("the user's notes\n", encoding="utf-8")
    res = run_cli(*args, cwd=tmp_path)
    assert res.exit_code == 2, res.stderr
    lines = _lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert "results" in lines[0]
    assert "Fix:" in lines[0]
    assert (tmp_path / "results").read_text(encoding="utf-8") == "the user's notes\n"


def test_a_file_named_results_is_named_as_the_default_folder(tmp_path):
    (tmp_path / "results").write_text("the user's notes\n", encoding="utf-8")
    res = run_cli("solve", "--inputs", DATA / "greedy", cwd=tmp_path)
    assert res.exit_code == 2, res.stderr
    (line,) = _lines(res.stderr)
    assert "--out results" not in line
    assert "default run folder" in line
