"""Reliability bugs found on the output side (a hostile user, an unlucky machine), each proven
here first: a full disk met by `init` and `export-inputs`, a FIFO where a run.json or a
workbook was expected, a run folder's permissions, an output inside the run a sweep reads, a
scenario saved into its own dataset, and a second process that renames its run into place first.
"""

from __future__ import annotations

import errno
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA, ROOT, run_cli

GREEDY = DATA / "greedy"


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _full_disk(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _subprocess(
    *args: object, cwd: Path, fsize: int | None = None, stdout: Any = subprocess.PIPE
) -> subprocess.CompletedProcess:
    """`allocator ARGS` in a new process (a generous timeout: a hang fails the test instead of
    the suite); `fsize`: files past that many bytes fail with EFBIG (a full disk)."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death; kept by exec
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "allocator.cli", *map(str, args)],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        timeout=120,
        preexec_fn=limit,
        env=env,
    )


def test_init_on_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    # copytree gathers every failed copy into one shutil.Error (no errno): it was a traceback
    monkeypatch.setattr(shutil, "copyfile", _full_disk)
    res = run_cli("init", tmp_path / "project")
    assert res.exit_code == 2, res.stderr
    lines = _lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert "the disk is full (Errno 28)" in lines[0]
    assert "project" in lines[0]
    assert "Fix:" in lines[0]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["export-inputs", "init"])
def test_a_full_disk_inside_the_dataset_workbook_is_said_once(tmp_path, command):
    # xlsxwriter leaves its ZipFile open on the error; dropped later, it failed again and Python
    # printed "Exception ignored in: ZipFile.__del__" and a traceback after the one line
    args = ["export-inputs", "--inputs", GREEDY, "plan.xlsx"]
    if command == "init":
        args = ["init", "project", "--xlsx"]
    res = _subprocess(*args, cwd=tmp_path, fsize=2000)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert "Exception ignored" not in res.stderr
    lines = _lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert "(Errno 27)" in lines[0]
    assert res.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_force_on_a_folder_whose_run_json_is_a_fifo_is_refused_at_once(tmp_path):
    # reading run.json to see whose folder it is waited for a writer that never came
    target = tmp_path / "out"
    target.mkdir()
    os.mkfifo(target / "run.json")
    res = _subprocess("solve", "--inputs", GREEDY, "--out", target, "--force", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    lines = _lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert "will not be replaced" in lines[0]
    assert sorted(p.name for p in target.iterdir()) == ["run.json"]
    assert stat.S_ISFIFO(os.lstat(target / "run.json").st_mode)


def test_export_inputs_force_onto_a_fifo_is_refused_at_once(tmp_path):
    # telling whether the workbook is allocator's opened the FIFO and waited for ever
    fifo = tmp_path / "plan.xlsx"
    os.mkfifo(fifo)
    res = _subprocess("export-inputs", "--inputs", GREEDY, fifo, "--force", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    lines = _lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert str(fifo) in lines[0]
    assert "not a regular file" in lines[0]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def umask_022():
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_a_run_folder_gets_the_permissions_of_any_new_folder(tmp_path, umask_022):
    # the run folder is the renamed temp folder, made 0700: a colleague could not open a run
    res = run_cli("solve", "--inputs", GREEDY, "--out", tmp_path / "run")
    assert res.exit_code == 0, res.stderr
    assert _mode(tmp_path / "run") == 0o755
    assert _mode(tmp_path / "run" / "run.json") == 0o644


def test_an_init_project_gets_the_permissions_of_any_new_folder(tmp_path, umask_022):
    res = run_cli("init", tmp_path / "project")
    assert res.exit_code == 0, res.stderr
    assert _mode(tmp_path / "project") == 0o755
    assert _mode(tmp_path / "project" / "inputs") == 0o755


def test_a_sweep_is_not_written_into_the_run_whose_plan_it_evaluates(tmp_path):
    # the run folder read as --plan took a foreign subfolder: --force could no longer replace it
    run = tmp_path / "plan"
    assert run_cli("solve", "--inputs", DATA / "sweep", "--out", run).exit_code == 0
    before = sorted(p.name for p in run.iterdir())
    args = ["--samples", "2", "--serial", "--plan", run, "--out", run / "sweep"]
    res = run_cli("sweep", "--inputs", DATA / "sweep", *args)
    assert res.exit_code == 2, res.stderr
    lines = _lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert "is inside the plan" in lines[0]
    assert sorted(p.name for p in run.iterdir()) == before


def test_save_does_not_write_the_scenario_into_its_dataset(tmp_path):
    # serve --models inputs/peru2040: Save wrote models' YAML into the dataset folder itself
    from allocator.errors import UsageError
    from allocator.runs.spec import RunSpec
    from allocator.serve.held import HeldModel
    from allocator.serve.save import save

    dataset = shutil.copytree(GREEDY, tmp_path / "inputs" / "greedy")
    before = sorted(p.name for p in dataset.iterdir())
    held = HeldModel(RunSpec(inputs=dataset))
    with pytest.raises(UsageError, match="--models .* is inside the dataset") as caught:
        save(held, "mine", dataset, tmp_path / "results")
    assert "\n" not in str(caught.value)
    assert sorted(p.name for p in dataset.iterdir()) == before
    assert not (tmp_path / "results").exists()


def test_a_run_renamed_into_place_first_by_another_process_is_one_line(tmp_path, monkeypatch):
    # two processes writing one --out: the other's run arrives between the check and the rename
    # (rename onto a folder that is not empty: ENOTEMPTY), which was a traceback
    target = tmp_path / "run"
    real = os.rename

    def rename(src, dst, *args, **kwargs):
        if Path(dst) == target and not target.exists():
            target.mkdir()
            (target / "theirs.txt").write_text("the other process's run")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "rename", rename)
    res = run_cli("solve", "--inputs", GREEDY, "--out", target)
    assert res.exit_code == 2, res.stderr
    lines = _lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert str(target) in lines[0]
    assert "Fix:" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert sorted(p.name for p in target.iterdir()) == ["theirs.txt"]


@pytest.mark.parametrize("inside", ["plan.xlsx", "sub/plan.xlsx"])
def test_export_inputs_writes_no_workbook_into_its_dataset(tmp_path, inside):
    # only OUT_FILE == the dataset was refused: a workbook (and a folder) went into the dataset
    dataset = shutil.copytree(GREEDY, tmp_path / "greedy")
    before = sorted(p.name for p in dataset.iterdir())
    res = run_cli("export-inputs", "--inputs", dataset, dataset / inside)
    assert res.exit_code == 2, res.stderr
    lines = _lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert f"is inside the dataset {dataset}" in lines[0]
    assert sorted(p.name for p in dataset.iterdir()) == before


@pytest.mark.parametrize("command", ["solve", "init"])
def test_the_folder_one_works_in_is_refused_as_the_output_in_words(tmp_path, command):
    # `mkdir p && cd p && allocator init .` said "run folder . already exists. Fix: pass
    # --force" (init has no --force), as the temp folder was made inside "." itself
    here = tmp_path / "here"
    here.mkdir()
    args = ["init", "."] if command == "init" else ["solve", "--inputs", GREEDY, "--out", "."]
    res = run_cli(*args, cwd=here)
    assert res.exit_code == 2, res.stderr
    lines = _lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert "is the folder you are working in" in lines[0]
    assert "--force" not in lines[0]
    assert list(here.iterdir()) == []


def test_save_onto_an_existing_run_folder_says_the_pages_own_fix(tmp_path):
    # the page was told "pass --force to replace it, or choose another --out": neither exists
    from allocator.errors import UsageError
    from allocator.runs.spec import RunSpec
    from allocator.serve.held import HeldModel
    from allocator.serve.save import save

    dataset = shutil.copytree(GREEDY, tmp_path / "inputs" / "greedy")
    mine = tmp_path / "results" / "mine"
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_text("the user's")
    held = HeldModel(RunSpec(inputs=dataset))
    with pytest.raises(UsageError) as caught:
        save(held, "mine", tmp_path / "models", tmp_path / "results")
    words = str(caught.value)
    assert f"{mine} exists" in words
    assert "Fix: choose another name" in words
    assert "--force" not in words
    assert "--out" not in words
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    assert not (tmp_path / "models" / "mine.yaml").exists()


@pytest.mark.parametrize("command", ["export-inputs", "init"])
def test_a_path_past_the_systems_limit_is_one_line(tmp_path, command):
    # each name fits (50 bytes) but the whole path is past PATH_MAX (4,096): pathlib's is_dir
    # raised ENAMETOOLONG before the checks that say a fault in one line
    deep = Path(*["d" * 50] * 90)
    args = (
        ["init", deep]
        if command == "init"
        else ["export-inputs", "--inputs", GREEDY, f"{deep}.xlsx"]
    )
    res = run_cli(*args, cwd=tmp_path)
    assert res.exit_code == 2, res.stderr
    lines = _lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert "too long" in lines[0]
    assert "Fix:" in lines[0]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["report", "{deep}"],
        ["replan", "{deep}", "--as-of", "2026", "--actuals", "a.csv", "--out", "out"],
        ["compare", "{deep}", "jobs", "--inputs", str(GREEDY), "--out", "out"],
        ["solve", "--check-against", "{deep}"],
    ],
    ids=["report", "replan", "compare", "check-against"],
)
def test_a_run_folder_path_past_the_systems_limit_is_one_line(tmp_path, args):
    # the run folder a command reads, named past PATH_MAX: pathlib's is_file raised
    # ENAMETOOLONG as a traceback, exit 1
    deep = str(Path(*["r" * 50] * 90))
    res = run_cli(*[a.format(deep=deep) for a in args], cwd=tmp_path)
    assert res.exit_code == 2, res.stderr
    lines = _lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert "too long (Errno 36)" in lines[0]
    assert "Fix:" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_a_run_json_naming_files_outside_its_folder_is_not_allocators(tmp_path, baseline_run):
    # `report` read every .csv run.json names: `../secret/allocation.csv` put a file from
    # outside the run folder (a run folder received from someone) into report.html
    import json

    run = shutil.copytree(baseline_run, tmp_path / "run")
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "allocation.csv").write_text("program,secret_column\nsecret_program,1\n")
    info = json.loads((run / "run.json").read_text())
    files = info["written_by"]["files"]
    info["written_by"]["files"] = [f for f in files if f != "allocation.csv"]
    info["written_by"]["files"].append("../secret/allocation.csv")
    (run / "run.json").write_text(json.dumps(info))
    res = run_cli("report", run)
    assert res.exit_code == 2, res.stderr
    assert "secret_program" not in (run / "report.html").read_text()
    lines = _lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert "is not a run folder allocator wrote" in lines[0]


def test_a_second_sweep_into_a_folder_a_sweep_is_writing_is_refused(tmp_path):
    # two sweeps started together into one new --out both passed the check, both wrote, and
    # each said the other's samples were its own (seed 1, 30 samples: "in 20 samples"), exit 0
    import fcntl

    out = tmp_path / "sweep"
    out.mkdir()
    held = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as the first sweep holds it
        args = ["--inputs", DATA / "sweep", "--samples", "2", "--serial", "--out", out]
        res = run_cli("sweep", *args)
    finally:
        os.close(held)
    assert res.exit_code == 2, res.stderr
    lines = _lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert f"another allocator sweep is writing into {out}" in lines[0]
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("option", ["--models", "--results"])
def test_save_below_a_file_names_serves_own_option(tmp_path, option):
    # --models FILE said "FILE/mine.yaml exists: Save never replaces a file"; --results FILE
    # said "--out FILE/mine cannot be made. Fix: choose another --out": serve has no --out
    from allocator.errors import UsageError
    from allocator.runs.spec import RunSpec
    from allocator.serve.held import HeldModel
    from allocator.serve.save import save

    dataset = shutil.copytree(GREEDY, tmp_path / "inputs" / "greedy")
    blocker = tmp_path / "notes.txt"
    blocker.write_text("the user's")
    models, results = tmp_path / "models", tmp_path / "results"
    models, results = (blocker, results) if option == "--models" else (models, blocker)
    with pytest.raises(UsageError) as caught:
        save(HeldModel(RunSpec(inputs=dataset)), "mine", models, results)
    words = str(caught.value)
    assert f"{blocker} is a file, not a folder" in words
    assert f"Fix: choose another {option}" in words
    assert "--out" not in words
    assert blocker.read_text() == "the user's"
    assert not (tmp_path / "models").exists()


def test_serve_with_a_standard_output_it_cannot_write_is_one_line(tmp_path):
    # the URL went out with print(): a full device was a traceback, exit 1
    with open("/dev/full", "w") as full:
        res = _subprocess("serve", "--inputs", GREEDY, cwd=tmp_path, stdout=full)
    assert res.returncode == 2, res.stderr
    lines = _lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: cannot write to standard output: No space left")
    assert list(tmp_path.iterdir()) == []


def test_report_where_report_html_is_a_users_folder_is_one_line(tmp_path, baseline_run):
    # os.replace onto a folder: IsADirectoryError as a traceback
    run = shutil.copytree(baseline_run, tmp_path / "run")
    (run / "report.html").unlink()
    (run / "report.html").mkdir()
    (run / "report.html" / "mine.txt").write_text("the user's")
    res = run_cli("report", run)
    assert res.exit_code == 2, res.stderr
    lines = _lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert "report.html" in lines[0]
    # run.json's digest of the page refuses it before the write (an older run.json: Errno 21)
    assert "(Errno 21)" in lines[0] or "not replaced" in lines[0]
    assert "Fix:" in lines[0]
    assert (run / "report.html" / "mine.txt").read_text() == "the user's"
    assert not [p for p in run.iterdir() if p.name.endswith(".tmp")]


def test_leftovers_of_allocators_own_atomic_writes_do_not_make_a_folder_the_users(tmp_path):
    # a sweep killed while replacing sweep.csv (or `report` killed while writing report.html)
    # leaves its hidden part file: --resume, and --force later, said "it holds .sweep.csv.part,
    # which allocator did not write" and refused for good
    out = tmp_path / "sweep"
    args = ["sweep", "--inputs", DATA / "sweep", "--samples", "2", "--serial", "--out", out]
    assert run_cli(*args).exit_code == 0
    (out / ".sweep.csv.part").write_text("sample,status\n0,opt")
    (out / ".report.html.0123abcd.tmp").write_text("<html>")
    res = run_cli(*args, "--resume")
    assert res.exit_code == 0, res.stderr
    assert not (out / ".sweep.csv.part").exists()  # finish_tables' own part, written again
    res = run_cli("solve", "--inputs", GREEDY, "--out", out, "--force")
    assert res.exit_code == 0, res.stderr
    assert (out / "allocation.csv").is_file()
    assert not (out / ".report.html.0123abcd.tmp").exists()


def test_a_users_hidden_file_still_makes_the_folder_the_users(tmp_path):
    out = tmp_path / "run"
    assert run_cli("solve", "--inputs", GREEDY, "--out", out).exit_code == 0
    (out / ".report.html.notes.tmp").write_text("the user's")
    res = run_cli("solve", "--inputs", GREEDY, "--out", out, "--force")
    assert res.exit_code == 2, res.stderr
    assert "it holds .report.html.notes.tmp" in res.stderr
    assert (out / ".report.html.notes.tmp").read_text() == "the user's"


def test_a_dashboard_address_without_a_host_serves_this_machine_only(tmp_path, monkeypatch):
    # `--dashboard :8787`, the help's own example, is every interface to Dask: its HTTP server
    # listened on 0.0.0.0:8787, without a token (the client is faked: Dask is not imported
    # here, whose tblib would change how exceptions pickle for every later test)
    from contextlib import contextmanager

    from allocator.errors import UsageError
    from allocator.studies import sweeprun

    asked: dict[str, object] = {}

    @contextmanager
    def client(scheduler: object, workers: object, dashboard: object = None):
        asked["dashboard"] = dashboard
        raise UsageError("stop: the cluster's options are what the test reads")
        yield

    monkeypatch.setattr(sweeprun, "dask_client", client)
    args = ["--inputs", DATA / "sweep", "--samples", "2", "--workers", "1", "--out", tmp_path / "s"]
    res = run_cli("sweep", *args, "--dashboard", ":8787")
    assert res.exit_code == 2, res.stderr
    assert "stop:" in res.stderr
    assert asked["dashboard"] == "127.0.0.1:8787"


def test_a_full_disk_in_the_workbooks_process_is_one_line_after_dask_was_imported(
    tmp_path, monkeypatch
):
    # importing distributed installs tblib's pickling of tracebacks: the forked workbook
    # writer's OSError then failed to pickle (RecursionError) and came back as a RuntimeError
    # "in the workbook's process: OSError ...", a traceback (a notebook: sweep, then solve)
    import copyreg

    import tblib.pickling_support
    import xlsxwriter

    from allocator.report import parallel

    def no_space(_self: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if not parallel.fork_wanted():
        pytest.skip("the workbook is written in this process here (one CPU, or not alone)")
    saved = dict(copyreg.dispatch_table)
    tblib.pickling_support.install()  # as `import distributed` does
    try:
        monkeypatch.setattr(xlsxwriter.workbook.Workbook, "_store_workbook", no_space)
        res = run_cli("solve", "--inputs", GREEDY, "--out", tmp_path / "run")
    finally:
        copyreg.dispatch_table.clear()
        copyreg.dispatch_table.update(saved)
    assert res.exit_code == 2, res.stderr
    lines = _lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert "the disk is full (Errno 28)" in lines[0]
    assert list(tmp_path.iterdir()) == []
