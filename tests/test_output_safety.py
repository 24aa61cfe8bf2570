"""Output folders: what --force may replace, outputs kept clear of inputs, temp folders left by a
killed run, and file-system faults as one line with nothing left behind."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from allocator.cli.commands import app
from allocator.errors import UsageError
from allocator.report import book
from allocator.runs.frontier import frontier as frontier_run
from allocator.runs.solve import solve as run_solve
from allocator.runs.spec import RunSpec
from allocator.studies.sweeprun import run_sweep
from conftest import BASELINE, DATA, ROOT, copy_dataset, digest
from conftest import run_cli as cli


def tree(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under `folder` (and each subfolder), by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "folder"
        for p in sorted(folder.rglob("*"))
    }


def hidden(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def one_line(res: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a refused command (exit 2, no traceback)."""
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return copy_dataset(DATA / "sweep", tmp_path / "data")


@pytest.fixture
def greedy_run(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    run_solve(RunSpec(inputs=DATA / "greedy", out=run))
    return run


# 1. --force replaces only a folder allocator wrote


def test_force_will_not_replace_a_dataset(dataset: Path) -> None:
    before = tree(dataset)
    line = one_line(cli("solve", "--inputs", DATA / "ramp", "--out", dataset, "--force"))
    assert f"--out {dataset} will not be replaced" in line
    assert "not a folder allocator wrote" in line
    assert "Fix:" in line
    assert tree(dataset) == before


def test_force_will_not_replace_a_folder_with_a_foreign_run_json(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "thesis").mkdir(parents=True)
    (home / "thesis" / "chapter1.tex").write_text("\\chapter{One}\n")
    (home / "run.json").write_text(json.dumps({"status": "optimal", "objective": {}}))
    before = tree(home)
    line = one_line(cli("solve", "--inputs", DATA / "greedy", "--out", home, "--force"))
    assert "not a folder allocator wrote" in line
    assert tree(home) == before


def test_force_will_not_replace_a_run_the_user_added_a_file_to(greedy_run: Path) -> None:
    (greedy_run / "notes.txt").write_text("my notes\n")
    before = tree(greedy_run)
    line = one_line(cli("solve", "--inputs", DATA / "ramp", "--out", greedy_run, "--force"))
    assert "holds notes.txt, which allocator did not write" in line
    assert tree(greedy_run) == before


def test_force_will_not_replace_a_run_holding_a_subfolder(greedy_run: Path) -> None:
    (greedy_run / "drafts").mkdir()
    (greedy_run / "drafts" / "a.txt").write_text("draft\n")
    before = tree(greedy_run)
    line = one_line(cli("solve", "--inputs", DATA / "ramp", "--out", greedy_run, "--force"))
    assert "holds drafts, which allocator did not write" in line
    assert tree(greedy_run) == before


def test_force_will_not_follow_a_symlinked_out(greedy_run: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(greedy_run, target_is_directory=True)
    before = tree(greedy_run)
    line = one_line(cli("solve", "--inputs", DATA / "ramp", "--out", link, "--force"))
    assert "symbolic link" in line
    assert tree(greedy_run) == before
    assert link.is_symlink()


def test_run_json_names_every_file_of_the_run(greedy_run: Path) -> None:
    mark = json.loads((greedy_run / "run.json").read_text())["written_by"]
    assert mark["program"] == "allocator"
    assert mark["command"] == "solve"
    assert mark["files"] == sorted(p.name for p in greedy_run.iterdir())


def test_force_replaces_a_frontier_a_compare_and_a_sweep_folder(tmp_path: Path) -> None:
    frontier = tmp_path / "frontier"
    frontier_run(RunSpec(inputs=DATA / "exports", out=frontier), 3)
    compared = tmp_path / "compare"
    made = cli("compare", "jobs", "exports", "--inputs", DATA / "greedy", "--out", compared)
    assert made.returncode == 0, made.stderr
    assert json.loads((compared / "run.json").read_text())["written_by"]["command"] == "compare"
    sweep = tmp_path / "sweep"
    spec = {"inputs": str(DATA / "sweep"), "objective": "jobs", "targets": "soft"}
    run_sweep(spec | {"model_file": None}, 3, 1, sweep, None, 1, False, serial=True)
    assert json.loads((sweep / "run.json").read_text())["written_by"]["command"] == "sweep"
    for folder in (frontier, compared, sweep):
        res = cli("solve", "--inputs", DATA / "ramp", "--out", folder, "--force")
        assert res.returncode == 0, res.stderr
        info = json.loads((folder / "run.json").read_text())
        assert info["objective"]["value"] == 940
        # only the new run's files: nothing of the frontier, compare or sweep is left
        assert sorted(p.name for p in folder.iterdir()) == info["written_by"]["files"]
    again = cli("compare", "jobs", "exports", "--inputs", DATA / "greedy", "--out", compared)
    assert again.returncode == 2
    assert "already exists" in again.stderr
    forced = cli(
        "compare", "jobs", "exports", "--inputs", DATA / "greedy", "--out", compared, "--force"
    )
    assert forced.returncode == 0, forced.stderr
    assert (compared / "compare.csv").is_file()
    assert hidden(tmp_path) == []


def test_an_empty_folder_is_used_as_the_run_folder(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    run_solve(RunSpec(inputs=DATA / "greedy", out=empty))
    assert (empty / "run.json").is_file()
    assert hidden(tmp_path) == []


# 2. an output never overlaps an input


def _overlap_cases(tmp: Path, data: Path) -> list[tuple[list[object], str, Path]]:
    """(arguments, expected phrase, folder that must stay unchanged)."""
    project = tmp / "project"
    (project / "models").mkdir(parents=True)
    shutil.copytree(DATA / "greedy", project / "data")
    (project / "models" / "m.yaml").write_text("dataset: ../data\nobjective: jobs\n")
    link = tmp / "link"
    link.symlink_to(data, target_is_directory=True)
    model, sweep = project / "models" / "m.yaml", ["--serial", "--samples", 2]
    inside, same = "is inside the dataset", "is the dataset"
    return [
        (["solve", "--inputs", data, "--out", data, "--force"], same, data),
        (["solve", "--inputs", data, "--out", data / "run"], inside, data),
        (["solve", "--inputs", project / "data", "--out", project, "--force"],
         "contains the dataset", project),
        (["solve", "--inputs", data, "--out", link / "run"], inside, data),
        (["solve", "--inputs", "data", "--out", "x/../data", "--force"], same, data),
        (["solve", model, "--out", project / "models", "--force"],
         "contains the model file", project),
        (["frontier", "--inputs", data, "--out", data / "f"], inside, data),
        (["sweep", "--inputs", data, "--out", data, *sweep], same, data),
        (["sweep", "--inputs", data, "--out", data / "s", *sweep], inside, data),
        (["compare", "jobs", "exports", "--inputs", data, "--out", data / "c"], inside, data),
    ]  # fmt: skip


def test_an_out_overlapping_an_input_is_refused_for_every_command(tmp_path, dataset):
    for args, phrase, keep in _overlap_cases(tmp_path, dataset):
        before = tree(keep)
        line = one_line(cli(*args, cwd=tmp_path))
        assert phrase in line, (args, line)
        assert "Fix:" in line
        assert tree(keep) == before, args
        assert not (tmp_path / "results").exists()
        assert hidden(tmp_path) == []


def test_compare_refuses_an_out_inside_a_run_folder_it_reads(tmp_path, greedy_run):
    other = tmp_path / "other"
    run_solve(RunSpec(inputs=DATA / "ramp", out=other))
    before = tree(greedy_run)
    line = one_line(cli("compare", greedy_run, other, "--out", greedy_run / "cmp"))
    assert f"is inside the run folder {greedy_run}" in line
    assert tree(greedy_run) == before


def test_init_refuses_a_project_inside_the_bundled_dataset(tmp_path: Path) -> None:
    shutil.copytree(BASELINE, tmp_path / "inputs" / "peru2040")
    before = tree(tmp_path / "inputs")
    line = one_line(cli("init", "inputs/peru2040/chile", cwd=tmp_path))
    assert "is inside the dataset" in line
    assert tree(tmp_path / "inputs") == before


def test_init_writes_its_project_atomically(tmp_path: Path) -> None:
    res = cli("init", tmp_path / "chile")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "chile" / "models" / "scenario.yaml").is_file()
    assert (tmp_path / "chile" / "inputs" / "programs.csv").is_file()
    assert hidden(tmp_path) == []


# 3. temp folders of a killed run

HOLD = """
import sys, time
from pathlib import Path
from allocator.report.placing import atomic_run_dir
with atomic_run_dir(Path(sys.argv[1]), False) as tmp:
    (tmp / "allocation.csv").write_text("program,invest_musd\\n")
    print(tmp.name, flush=True)
    time.sleep(600)
"""


def _hold(target: Path) -> tuple[subprocess.Popen[str], str]:
    """A process inside atomic_run_dir, paused after writing a file; and its temp folder name."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(target)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def test_kill_9_leaves_a_temp_folder_that_the_next_run_removes(tmp_path: Path) -> None:
    killed, stale = _hold(tmp_path / "a")
    alive, live = _hold(tmp_path / "b")
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)
        killed.stdout.close()  # type: ignore[union-attr]
        assert (tmp_path / stale).is_dir()
        assert stale.startswith(".allocator-tmp-")
        assert f"-{killed.pid}-" in stale, "the temp folder names its owner"
        (tmp_path / ".mine").mkdir()  # the user's own hidden folder
        (tmp_path / ".run.tmp-old").mkdir()  # looks like a temp folder, but not allocator's
        res = cli("solve", "--inputs", DATA / "greedy", "--out", tmp_path / "c")
        assert res.returncode == 0, res.stderr
        notes = [line for line in res.stderr.splitlines() if "temporary folder" in line]
        assert len(notes) == 1
        assert f"removed 1 temporary folder left in {tmp_path}" in notes[0]
        assert str(killed.pid) in notes[0]
        assert hidden(tmp_path) == sorted([".mine", ".run.tmp-old", live])
    finally:
        alive.send_signal(signal.SIGINT)  # Ctrl-C: it cleans up after itself
        alive.wait(timeout=30)
        alive.stdout.close()  # type: ignore[union-attr]
    assert hidden(tmp_path) == [".mine", ".run.tmp-old"]
    assert not (tmp_path / "b").exists()


SWAP = """
import os, sys, time
from pathlib import Path
from allocator.report import placing, write as outputs
rename = os.rename
def paused(src, dst):
    rename(src, dst)
    if Path(src) == Path(sys.argv[1]):  # the old run moved aside, the new one not yet in
        print("moved", flush=True)
        time.sleep(600)
os.rename = paused
with placing.atomic_run_dir(Path(sys.argv[1]), True) as tmp:
    (tmp / "run.json").write_text("{}")
"""


def test_kill_9_between_the_two_renames_of_force_restores_the_old_run(greedy_run, tmp_path):
    before = tree(greedy_run)
    proc = subprocess.Popen(
        [sys.executable, "-c", SWAP, str(greedy_run)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "moved"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    assert not greedy_run.exists()
    res = cli("solve", "--inputs", DATA / "ramp", "--out", tmp_path / "other")
    assert res.returncode == 0, res.stderr
    assert f"restored {greedy_run}" in res.stderr
    assert tree(greedy_run) == before
    assert hidden(tmp_path) == []


# 4. file-system faults


@pytest.mark.parametrize(
    ("code", "phrase"),
    [(errno.EROFS, "read-only"), (errno.EACCES, "permission denied")],
)
def test_a_folder_that_cannot_be_written_is_one_line(tmp_path, monkeypatch, code, phrase):
    parent = tmp_path / "mnt"
    parent.mkdir()
    target = parent / "run"
    run_solve(RunSpec(inputs=DATA / "greedy", out=target))
    before = tree(target)
    mkdir = os.mkdir

    def refuse(path, *args, **kwargs):  # as a read-only or foreign folder would
        if Path(path).parent == parent:
            raise OSError(code, os.strerror(code), str(path))
        return mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", refuse)
    for force in (False, True):
        with pytest.raises(UsageError) as exc:
            run_solve(RunSpec(inputs=DATA / "ramp", out=parent / "new", force=force))
        assert f"cannot write --out {parent / 'new'}" in str(exc.value)
        assert phrase in str(exc.value)
        assert "Fix:" in str(exc.value)
    with pytest.raises(UsageError, match=phrase):
        run_solve(RunSpec(inputs=DATA / "ramp", out=target, force=True))
    assert tree(target) == before
    assert sorted(p.name for p in parent.iterdir()) == ["run"]


def _disk_full(path, _sheets, _scratch=None):
    Path(path).write_bytes(b"PK\x03\x04 half a workbook")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_disk_full_keeps_the_old_run_and_leaves_nothing(tmp_path, greedy_run, monkeypatch):
    before = tree(greedy_run)
    monkeypatch.setattr(book, "write_results_workbook", _disk_full)
    with pytest.raises(UsageError) as exc:
        run_solve(RunSpec(inputs=DATA / "ramp", out=greedy_run, force=True))
    assert f"cannot write --out {greedy_run}: the disk is full" in str(exc.value)
    assert tree(greedy_run) == before
    assert hidden(tmp_path) == []


def test_disk_full_through_the_cli_is_one_line_exit_2(tmp_path, greedy_run, monkeypatch):
    before = tree(greedy_run)
    monkeypatch.setattr(book, "write_results_workbook", _disk_full)
    args = ["solve", "--inputs", str(DATA / "ramp"), "--out", str(greedy_run), "--force"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "the disk is full" in lines[0]
    assert "(Errno 28)" in lines[0]
    assert tree(greedy_run) == before
    assert hidden(tmp_path) == []


def test_an_out_below_a_file_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "report.pdf"
    blocker.write_text("not a folder")
    line = one_line(cli("solve", "--inputs", DATA / "greedy", "--out", blocker / "a" / "run"))
    assert f"{blocker} is a file, not a folder" in line
    assert blocker.read_text() == "not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


@pytest.mark.parametrize("length", [245, 250, 255])
def test_a_long_folder_name_up_to_the_limit_is_written(tmp_path: Path, length: int) -> None:
    target = tmp_path / ("r" * length)
    run_solve(RunSpec(inputs=DATA / "greedy", out=target))
    run_solve(RunSpec(inputs=DATA / "ramp", out=target, force=True))
    assert json.loads((target / "run.json").read_text())["objective"]["value"] == 940
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_a_folder_name_past_the_limit_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / ("r" * 256)
    line = one_line(cli("solve", "--inputs", DATA / "greedy", "--out", target))
    assert "too long" in line
    assert "Fix:" in line
    assert list(tmp_path.iterdir()) == []


def test_sweep_writes_only_into_a_sweep_folder(tmp_path: Path, greedy_run: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "ideas.md").write_text("# ideas\n")
    before, run_before = tree(notes), tree(greedy_run)
    for folder, extra in ((notes, []), (greedy_run, ["--resume"])):
        args = ["sweep", "--inputs", DATA / "sweep", "--out", folder, "--serial", "--samples", 2]
        line = one_line(cli(*args, *extra))
        assert f"--out {folder} will not be written into" in line
    assert tree(notes) == before
    assert tree(greedy_run) == run_before


def test_disk_full_during_a_sweep_is_one_line_and_resumable(tmp_path, monkeypatch):
    from allocator.studies import sweeprun

    def full(_self, _rows):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(sweeprun.StreamWriter, "_write", full)
    folder = tmp_path / "s"
    args = ["sweep", "--inputs", str(DATA / "sweep"), "--out", str(folder), "--serial"]
    res = CliRunner().invoke(app, [*args, "--samples", "3"])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert lines == [
        f"error: cannot write --out {folder}: the disk is full (Errno 28). "
        "Fix: free some space, or choose a --out on another disk"
    ]
    monkeypatch.undo()
    again = CliRunner().invoke(app, [*args, "--samples", "3", "--resume"])
    assert again.exit_code == 0, again.output
    assert len((folder / "sweep.csv").read_text().splitlines()) == 4


@contextlib.contextmanager
def _tmpfs(path: Path, options: str):
    """A real small or read-only file system at `path` (root only; skipped where not allowed)."""
    path.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "none", str(path)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode(errors='replace').strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


def test_a_real_read_only_file_system_is_one_line(tmp_path):
    with _tmpfs(tmp_path / "ro", "ro") as ro:
        result = cli("solve", "--inputs", DATA / "greedy", "--out", ro / "run")
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
        assert "read-only" in result.stderr
        assert str(ro / "run") in result.stderr
        assert list(ro.iterdir()) == []


def test_a_real_full_disk_keeps_the_old_run_and_leaves_nothing(tmp_path):
    with _tmpfs(tmp_path / "small", "size=160k") as small:
        assert cli("solve", "--inputs", DATA / "greedy", "--out", small / "run").returncode == 0
        before = digest(small / "run")
        result = cli("solve", "--out", small / "run", "--force")  # the baseline does not fit
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
        assert "disk is full" in result.stderr
        assert digest(small / "run") == before
        assert sorted(p.name for p in small.iterdir()) == ["run"]


def test_no_out_from_inside_the_dataset_is_refused_before_any_work(tmp_path: Path) -> None:
    """`cd DATASET && allocator solve --inputs .`: the default folder (results/ of the folder one
    works in) would lie inside the dataset. Refused before loading, in words about the default
    folder (no --out was given, so "choose a --out under results/" was the wrong fix), nothing
    written; and a default folder's name takes the dataset folder's own name for `.`."""
    data = copy_dataset(DATA / "greedy", tmp_path / "greedy")
    before = digest(data)
    ran = cli("solve", "--inputs", ".", cwd=data)
    assert ran.exit_code == 2, ran.stderr
    line = ran.stderr.strip()
    assert "\n" not in line
    assert "default run folder (no --out given)" in line, line
    assert "give --out a folder outside them" in line, line
    assert "under results/" not in line, line
    assert digest(data) == before
    assert not (data / "results").exists()
    work = tmp_path / "work"
    work.mkdir()
    ran = cli("solve", "--inputs", os.path.relpath(data, work), cwd=work)
    assert ran.exit_code == 0, ran.stderr
    (made,) = (work / "results").iterdir()
    assert made.name.startswith("greedy-jobs-"), made.name
