"""The broken-input corpus: every bad dataset gives one clear line, exit code 2 and no run folder.

Each folder of tests/broken holds only the CSV files that differ from tests/data/greedy, a
`delete.txt` naming base files to remove (optional), an `expected.txt` with the start of the
message after "error: ", and an `xfail.txt` with the reason when a known bug outside the loader
still breaks the case (strict: the test fails once the bug is fixed, so the marker gets removed).

`check` and `solve` run in-process (typer's CliRunner, conftest's `invoke` and `run_cli`), `solve`
40 columns wide.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import DATA, invoke, run_cli

BROKEN = Path(__file__).resolve().parent / "broken"
CONTROL = {"expected.txt", "delete.txt", "xfail.txt"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")
CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


def _param(case: str) -> object:
    xfail = BROKEN / case / "xfail.txt"
    if xfail.exists():
        reason = xfail.read_text().strip()
        return pytest.param(case, marks=pytest.mark.xfail(strict=True, reason=reason))
    return case


def build(case: str, root: Path) -> Path:
    """tests/data/greedy with the case's files laid over it and its deletions applied."""
    folder = root / "inputs"
    shutil.copytree(DATA / "greedy", folder)
    src = BROKEN / case
    for f in src.iterdir():
        if f.name not in CONTROL:
            shutil.copyfile(f, folder / f.name)
    if (src / "delete.txt").exists():
        for name in (src / "delete.txt").read_text().split():
            (folder / name).unlink()
    return folder


def expected(case: str) -> str:
    lines = (BROKEN / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1, f"{case}/expected.txt must hold one line"
    assert lines[0].strip(), f"{case}/expected.txt is blank"
    return lines[0]


def assert_one_line_error(case: str, stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    lines = ANSI.sub("", stderr).splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{stderr}"
    line = lines[0]
    assert line.startswith("error: " + expected(case)), line
    assert "Fix: " in line, line
    assert line.split("Fix: ", 1)[1].strip(), line


NARROW = {"COLUMNS": "40", "FORCE_COLOR": None, "TTY_COMPATIBLE": None}
"""A narrow terminal must not wrap the message onto a second line; no forced colours."""


def test_corpus_is_large_and_well_formed():
    assert len(CASES) >= 30
    for case in CASES:
        files = {p.name for p in (BROKEN / case).iterdir()}
        assert "expected.txt" in files, case
        assert files - CONTROL or "delete.txt" in files, f"{case} changes nothing"
        assert all(f in CONTROL or f.endswith(".csv") for f in files), case
        for name in files - CONTROL:
            base = DATA / "greedy" / name
            same = base.exists() and base.read_bytes() == (BROKEN / case / name).read_bytes()
            assert not same, f"{case}/{name} is identical to the base file"
        expected(case)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_check_rejects_with_one_line(case, tmp_path):
    folder = build(case, tmp_path)
    result = invoke("check", "--inputs", folder)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}"
    )
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert_one_line_error(case, result.stderr)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_solve_rejects_with_one_line_and_writes_nothing(case, tmp_path):
    run = tmp_path / "run"
    res = run_cli("solve", "--inputs", build(case, tmp_path), "--out", run, env=NARROW)
    assert res.returncode == 2, res.stderr
    assert_one_line_error(case, res.stderr)
    assert res.stdout.strip() == "", res.stdout
    assert not run.exists()
    assert [p.name for p in run.parent.iterdir()] == ["inputs"], "left files behind"
