"""The command line against hostile and careless use (issue 24): paths that cannot be written,
a full or closed stdout, a YAML alias bomb, a discount rate of 0, concurrent default run
folders, overrides that leave nothing, an empty plan, --json and control characters.

In-process through typer's CliRunner; a subprocess only where the process itself is under test
(a closed pipe, /dev/full, a memory limit).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA, ROOT, invoke, run_cli

SMALL = DATA / "path"  # two programs, one pool: solves in a few milliseconds
SIGPIPE_EXIT = 141


def refused(result) -> str:
    """The one stderr line of a refused command, without `error: `: exit 2, no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert lines, result.stdout
    assert lines[-1].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[-1].removeprefix("error: ")


def project(tmp_path: Path, model: str, dataset: Path = SMALL) -> Path:
    """A project folder (inputs/ copied from `dataset`, models/m.yaml); the model file's path."""
    shutil.copytree(dataset, tmp_path / "inputs")
    (tmp_path / "models").mkdir()
    path = tmp_path / "models" / "m.yaml"
    path.write_text("dataset: ../inputs\n" + model, encoding="utf-8")
    return path


def process(*args: object, stdout, limit_bytes: int | None = None):
    """`allocator ARGS` in a new process with `stdout` (a file descriptor or file)."""

    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.run(
        [sys.executable, "-m", "allocator.cli", *map(str, args)],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=240,
        preexec_fn=limit if limit_bytes else None,
    )


# 1. Output paths and devices that cannot be written: one line, exit 2


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
def test_out_under_proc_is_one_line():
    line = refused(invoke("solve", "--inputs", SMALL, "--out", "/proc/allocator-test/run"))
    assert "/proc/allocator-test/run" in line
    assert "Fix:" in line


@pytest.mark.parametrize("below", ["", "run"])
def test_out_through_a_symlink_loop_is_one_line(tmp_path, below):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    out = tmp_path / "a" / below if below else tmp_path / "a"
    line = refused(invoke("solve", "--inputs", SMALL, "--out", out))
    assert "loop" in line
    assert str(tmp_path / "a") in line


def test_out_on_a_mount_point_says_why(tmp_path, monkeypatch):
    """Renaming onto a mount point gives EBUSY: one line that says to write inside it."""
    target = tmp_path / "mnt"
    target.mkdir()
    real = os.rename

    def rename(src, dst, *args, **kwargs):
        if Path(dst) == target:
            raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "rename", rename)
    line = refused(invoke("solve", "--inputs", SMALL, "--out", target))
    assert "mount point" in line
    assert f"--out {target / 'run'}" in line
    assert list(target.iterdir()) == []  # nothing left behind
    assert [p.name for p in tmp_path.iterdir()] == ["mnt"]


class Broken:
    """A standard output whose every write fails with `error` (as /dev/full or a closed pipe)."""

    encoding = "utf-8"

    def __init__(self, error: int) -> None:
        self.error = error

    def write(self, _text: str) -> int:
        raise OSError(self.error, os.strerror(self.error))

    flush = write

    def isatty(self) -> bool:
        return False


def test_out_on_a_mount_point_is_refused_before_solving(tmp_path, monkeypatch):
    import allocator.runs.solve as pipeline

    target = tmp_path / "mnt"
    target.mkdir()
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == target or real(p))
    monkeypatch.setattr(pipeline, "solved", lambda *_a, **_k: pytest.fail("solved before refusing"))
    line = refused(invoke("solve", "--inputs", SMALL, "--out", target))
    assert line == (
        f"--out {target} is a mount point: a run is written beside its folder and renamed into "
        f"place, which a mount point does not allow. Fix: give a folder inside it, e.g. --out "
        f"{target / 'run'}"
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_stdout_on_a_full_device_is_one_line(tmp_path):
    with open("/dev/full", "w") as full:
        res = process("solve", "--inputs", SMALL, "--out", tmp_path / "run", stdout=full)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert lines[-1].startswith("error: cannot write to standard output: No space"), res.stderr
    assert "Traceback" not in res.stderr
    assert "Exception ignored" not in res.stderr


@pytest.mark.parametrize(
    "args", [["check", "--inputs", SMALL], ["solve", "--json", "--inputs", "no-such-folder"]]
)
def test_full_stdout_in_process_is_one_line(monkeypatch, args):
    from allocator.cli import console as render

    monkeypatch.setattr(render, "_stream", lambda: Broken(errno.ENOSPC))
    monkeypatch.setattr(render.out, "quiet", False)  # drop_stdout sets it: undone after
    line = refused(invoke(*args))
    assert line.startswith("cannot write to standard output: No space left on device"), line


# 2. A closed pipe (`| head`) is not an infeasible plan


def test_closed_pipe_exits_like_a_shell(tmp_path):
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line: every write meets EPIPE
    try:
        res = process("solve", "--inputs", SMALL, "--out", tmp_path / "run", stdout=write)
    finally:
        os.close(write)
    assert res.returncode == SIGPIPE_EXIT, res.stderr
    assert "Traceback" not in res.stderr
    assert "Exception ignored" not in res.stderr
    assert "error" not in res.stderr
    assert (tmp_path / "run" / "run.json").is_file()  # the run was complete before its summary


def test_check_into_a_closed_pipe(monkeypatch):
    from allocator.cli import console as render

    monkeypatch.setattr(render, "_stream", lambda: Broken(errno.EPIPE))
    monkeypatch.setattr(render.out, "quiet", False)
    res = invoke("check", "--inputs", SMALL)
    assert res.exit_code == SIGPIPE_EXIT
    assert res.stderr == ""


# 3. A YAML alias bomb is refused at once


def bomb(levels: int = 9) -> str:
    """A list of ten strings, then `levels` lists of ten aliases of the one before."""
    items = ['&a0 ["x","x","x","x","x","x","x","x","x","x"]']
    items += [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels + 1)]
    return "discount_rate: [\n  " + ",\n  ".join(items) + "]\n"


def test_alias_bomb_is_refused_with_file_and_line(tmp_path):
    """End to end in a process held to 1.5 GB: before the limit, 35 s, 2.2 GB and MemoryError."""
    model = project(tmp_path, bomb())
    res = process("solve", model, stdout=subprocess.PIPE, limit_bytes=1_500_000_000)
    assert res.returncode == 2, res.stderr[-2000:]
    line = res.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: {model} at line 6: not a valid model file"), line
    assert "aliases (*name) expand to more than 10,000 values" in line


def test_alias_bomb_refused_by_the_loader(tmp_path):
    from allocator.data.modelfile import load_model_file
    from allocator.errors import UsageError

    model = project(tmp_path, bomb())  # line 6: 1,220 + 11,110 values through aliases
    with pytest.raises(UsageError, match=r"at line 6: .*aliases"):
        load_model_file(model)


def test_few_aliases_still_read(tmp_path):
    from allocator.data.modelfile import load_model_file

    model = project(
        tmp_path,
        "overrides:\n  - scale_budget: &s {pool: public, factor: 0.5}\n  - scale_budget: *s\n",
    )
    mf, _ = load_model_file(model)
    assert [o.scale_budget.factor for o in mf.overrides] == [0.5, 0.5]


def test_recursive_alias_is_refused(tmp_path):
    from allocator.data.modelfile import load_model_file
    from allocator.errors import UsageError

    model = project(tmp_path, "description: &d [1, *d]\n")
    with pytest.raises(UsageError, match="line 2: .*refers to itself"):
        load_model_file(model)


# 4. A given discount rate is used or refused, never replaced


def run_json(folder: Path) -> dict:
    return json.loads((folder / "run.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def job_years(tmp_path_factory) -> float:
    """The cumulative measure's objective on tests/data/measures: what a rate of 0 gives."""
    out = tmp_path_factory.mktemp("cumulative") / "r"
    res = invoke("solve", "--inputs", DATA / "measures", "--measure", "cumulative", "--json",
                 "--out", out)  # fmt: skip
    return json.loads(res.stdout)["objective"]["value"]


@pytest.mark.parametrize("rate", ["0", "-0.0", "0%"])
def test_zero_discount_rate_is_used(tmp_path, rate, job_years):
    zero = invoke(
        "solve", "--inputs", DATA / "measures", "--measure", "discounted",
        "--discount-rate", rate, "--out", tmp_path / "zero", "--json",
    )  # fmt: skip
    assert zero.exit_code == 0, zero.stderr
    info = run_json(tmp_path / "zero")
    assert info["measure"]["discount_rate"] == 0
    assert info["options"]["discount_rate"] == 0
    assert "-0" not in json.dumps(info["measure"])
    # no discounting: the job-years of the cumulative measure (6,400, not 5,000-odd at 5%)
    assert json.loads(zero.stdout)["objective"]["value"] == pytest.approx(job_years, rel=1e-9)


@pytest.mark.parametrize(
    ("rate", "words"), [("1e-400", "too small"), ("-0.01", "not in [0, 1]"), ("2", "not in [0, 1]")]
)
def test_discount_rate_refused(tmp_path, rate, words):
    args = ["--measure", "discounted", "--discount-rate", rate, "--out", tmp_path / "r"]
    line = refused(invoke("solve", "--inputs", SMALL, *args))
    assert f"--discount-rate {rate}" in line
    assert words in line
    assert not (tmp_path / "r").exists()


def test_default_discount_rate_when_none_given(tmp_path):
    res = invoke("solve", "--inputs", SMALL, "--measure", "discounted", "--out", tmp_path / "r")
    assert res.exit_code == 0, res.stderr
    assert run_json(tmp_path / "r")["measure"]["discount_rate"] == 0.05


def test_model_file_rate_of_zero_is_used(tmp_path):
    model = project(tmp_path, "measure: discounted\ndiscount_rate: 0\n")
    res = invoke("solve", model, "--out", tmp_path / "r")
    assert res.exit_code == 0, res.stderr
    assert run_json(tmp_path / "r")["measure"]["discount_rate"] == 0
    assert "measure of the objective: discounted at 0 a year" in res.stdout


def test_measure_of_keeps_a_zero_rate():
    from allocator.runs.spec import measure_of

    assert measure_of("discounted", 0.0).rate == 0.0
    assert measure_of("discounted", None).rate == 0.05


# 5. Runs started together with the default folder each get their own


def test_default_run_dir_reserves_a_free_name(tmp_path, monkeypatch):
    import time

    from allocator.report.placing import default_run_dir

    monkeypatch.setattr(time, "strftime", lambda _fmt, *_: "20260101-000000")
    # six processes in the same second, before any of them has written its run
    names = [default_run_dir(tmp_path / "results", "ds", "jobs") for _ in range(6)]
    assert len(set(names)) == 6
    assert all(p.is_dir() for p in names)  # each reserved: the next one cannot pick it


def test_runs_with_the_default_folder_in_the_same_second(tmp_path, monkeypatch):
    import time

    monkeypatch.setattr(time, "strftime", lambda _fmt, *_: "20260101-000000")
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        res = invoke("solve", "--inputs", SMALL)
        assert res.exit_code == 0, res.stderr
    runs = sorted(p.name for p in (tmp_path / "results").iterdir())
    assert runs == ["path-jobs-20260101-000000", "path-jobs-20260101-000000-2"]
    assert all((tmp_path / "results" / r / "run.json").is_file() for r in runs)


def test_failed_run_leaves_no_reserved_folder(tmp_path, monkeypatch):
    import allocator.runs.solve as pipeline

    def broken(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(pipeline, "write_run", broken)
    res = invoke("solve", "--inputs", SMALL)
    assert res.exit_code == 2, res.stderr
    results = tmp_path / "results"
    assert not results.exists() or list(results.iterdir()) == []


# 6. Overrides that leave nothing to allocate


def test_overrides_excluding_every_program(tmp_path):
    model = project(tmp_path, "overrides:\n  - exclude_program: late\n  - exclude_program: early\n")
    line = refused(invoke("solve", model, "--out", tmp_path / "r"))
    assert "nothing is left to allocate" in line
    assert "overrides[0] exclude_program late" in line
    assert "overrides[1] exclude_program early" in line
    assert "HiGHS" not in line


def test_overrides_excluding_every_pool(tmp_path):
    model = project(tmp_path, "overrides:\n  - exclude_pool: public\n")
    line = refused(invoke("solve", model, "--out", tmp_path / "r"))
    assert "nothing is left to allocate" in line
    assert "overrides[0] exclude_pool public" in line


# 7. An empty plan in whole units, with the reason


def test_every_cap_zero_says_why(tmp_path):
    data = tmp_path / "ds"
    shutil.copytree(SMALL, data)
    programs = (data / "programs.csv").read_text(encoding="utf-8")
    (data / "programs.csv").write_text(programs.replace(",100,0,10,", ",0,0,10,"))
    res = invoke("solve", "--inputs", data, "--out", tmp_path / "r")
    assert res.exit_code == 0, res.stderr
    first = res.stdout.splitlines()[0]
    assert ": 0 direct jobs in" in first
    assert "0.0000" not in res.stdout
    exports = invoke("solve", "--inputs", data, "--out", tmp_path / "e", "--objective", "exports")
    assert ": 0 US$ million of exports in" in exports.stdout.splitlines()[0]
    assert "The plan funds nothing: every program's cap is 0 (programs.csv, cap_musd)" in res.stdout


def test_no_money_says_why(tmp_path):
    data = tmp_path / "ds"
    shutil.copytree(SMALL, data)
    pools = (data / "pools.csv").read_text(encoding="utf-8")
    (data / "pools.csv").write_text(pools.replace("public,all,100,", "public,all,0,"))
    res = invoke("solve", "--inputs", data, "--out", tmp_path / "r")
    assert res.exit_code == 0, res.stderr
    assert "The plan funds nothing: every budget is 0 (pools.csv, budget_musd)" in res.stdout


# 8. --json: one JSON document on stdout, whatever happens


def test_json_check_against_identical(tmp_path):
    assert invoke("solve", "--inputs", SMALL, "--out", tmp_path / "r").exit_code == 0
    res = invoke("solve", "--json", "--check-against", tmp_path / "r")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["status"] == "identical"
    assert doc["differences"] == []


def test_json_check_against_different(tmp_path):
    assert invoke("solve", "--inputs", SMALL, "--out", tmp_path / "r").exit_code == 0
    (tmp_path / "r" / "allocation.csv").write_text("changed\n", encoding="utf-8")
    res = invoke("solve", "--json", "--check-against", tmp_path / "r")
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert doc["status"] == "different"
    assert any(d.startswith("allocation.csv: differs from row 1") for d in doc["differences"])


@pytest.mark.parametrize(
    "args",
    [
        ["solve", "--json", "--inputs", "no-such-folder"],
        ["solve", "--json", "--inputs", SMALL, "--objective", "nope"],
        ["compare", "--json", "jobs"],
        ["solve", "--json", "--check-against", "no-such-run"],
    ],
)
def test_json_errors_are_json_too(args):
    res = invoke(*args)
    assert res.exit_code == 2
    doc = json.loads(res.stdout)  # exactly one document
    assert doc["status"] == "error"
    assert doc["exit_code"] == 2
    assert doc["error"] == res.stderr.strip().splitlines()[0].removeprefix("error: ")


def test_json_interrupted_is_json(monkeypatch):
    import allocator.runs.solve as pipeline

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "solve", interrupted)
    res = invoke("solve", "--json", "--inputs", SMALL)
    assert res.exit_code == 130
    assert json.loads(res.stdout) == {"status": "interrupted", "exit_code": 130}


def test_json_infeasible_is_json(tmp_path):
    res = invoke("solve", "--json", "--inputs", DATA / "infeasible", "--out", tmp_path / "r")
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert doc["status"] == "error"
    assert doc["error"].startswith("the plan is infeasible")
    assert any("program_floor(a)" in d for d in doc["details"])


# 9. Control characters from files and paths are printed escaped


def test_check_escapes_control_characters(tmp_path):
    data = tmp_path / "new\nline"
    shutil.copytree(DATA / "audit", data)
    facts = (data / "facts.csv").read_text(encoding="utf-8")
    (data / "facts.csv").write_text(
        facts.replace("test doc C: summary", "doc \x1b[2J\x1b]8;;http://x.example\x07C"),
        encoding="utf-8",
    )
    programs = (data / "programs.csv").read_text(encoding="utf-8").splitlines()
    programs[0] += ",assumption"
    programs[1] += ",guessed \x1b[31mred\x1b[0m"
    programs[2:] = [line + "," for line in programs[2:]]
    (data / "programs.csv").write_text("\n".join(programs) + "\n", encoding="utf-8")
    # A control character in a cell is refused at load (tests/test_hunt_control.py), the
    # refusal quoting it escaped; programs.csv first, then facts.csv.
    res = invoke("check", "--inputs", data)
    assert res.exit_code == 2, res.output
    assert "\x1b" not in res.stderr
    assert "guessed \\x1b[31mred\\x1b[0m" in res.stderr
    shutil.copy(DATA / "audit" / "programs.csv", data / "programs.csv")
    res = invoke("check", "--inputs", data)
    assert res.exit_code == 2, res.output
    assert "\x1b" not in res.stderr
    assert "\x07" not in res.stderr
    assert "doc \\x1b[2J\\x1b]8;;http://x.example\\x07C" in res.stderr
    shutil.copy(DATA / "audit" / "facts.csv", data / "facts.csv")
    res = invoke("check", "--inputs", data)
    assert res.exit_code == 0, res.output
    assert "new\\x0aline" in res.stdout
    assert "new\nline" not in res.stdout


def test_error_paths_are_escaped(tmp_path):
    out = tmp_path / "a\x1b[2Jb"
    out.mkdir()
    (out / "mine.txt").write_text("x", encoding="utf-8")
    res = invoke("solve", "--inputs", SMALL, "--out", out)
    assert res.exit_code == 2
    assert "\x1b" not in res.stderr
    assert "a\\x1b[2Jb" in res.stderr


def test_solve_paths_are_escaped(tmp_path):
    data = tmp_path / "data\nset\x1b[2J"
    shutil.copytree(SMALL, data)
    out = tmp_path / "run\nfolder"
    res = invoke("solve", "--inputs", data, "--out", out)
    assert res.exit_code == 0, res.stderr
    assert "run\\x0afolder" in res.stdout
    assert "run\nfolder" not in res.stdout
    assert "\x1b" not in res.stdout
    assert "data\nset" not in res.stdout
    assert res.stdout.count("data\\x0aset\\x1b[2J") == 2  # the headline and the setup line


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["alternatives", "--slack", "1_0"], "--slack 1_0: '1_0' has an underscore"),
        (["core", "--threshold", "nan"], "--threshold nan:"),
        (["core", "--slack", "1e-400"], "--slack 1e-400:"),
        (["solve", "--risk", "cvar", "--cvar-cap", "1_0"], "--cvar-cap 1_0:"),
        (["solve", "--risk", "cvar", "--beta", "inf"], "--beta inf:"),
    ],
)
def test_number_options_follow_the_number_rule(args, said, tmp_path):
    """--slack, --threshold, --beta and --cvar-cap are read by the number rule of a data cell:
    float() read `1_0` as 10, `nan` and `inf` as numbers and `1e-400` as 0, in silence."""
    ran = run_cli(*args, "--out", tmp_path / "never") if args[0] != "core" else run_cli(*args)
    assert ran.exit_code == 2, ran.stdout + ran.stderr
    line = ran.stderr.strip()
    assert "\n" not in line
    assert said in line, line
    assert "Fix:" in line, line
    assert not (tmp_path / "never").exists()


def test_number_options_read_shares_counts_and_money_as_cells_do():
    from allocator.runs.optiontext import number_of

    assert number_of("--slack", "2%") == 0.02
    assert number_of("--slack", " 0.02 ") == 0.02
    assert number_of("--cvar-cap", "20K", "count") == 20000.0
    assert number_of("--threshold", "1.5B", "money") == 1500.0  # US$ million
    assert number_of("--beta", "-0") == 0.0
