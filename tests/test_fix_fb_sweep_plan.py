"""Task fb, item 4: `allocator sweep --plan RUN` whose allocation.csv was edited since
allocator wrote it (run.json records other bytes) is refused as `report`, `compare` and
`replan` refuse such a table (`report.readback.refuse_edited`): one line naming the file, exit
2, nothing written; the sweep would label the edit "plan of RUN", with RUN's objective and
options, as allocator's optimum. --plan takes a run folder, not a CSV file, but a folder
holding an allocation.csv alone (no run.json) is swept as it is: the refusal's fix says to
pass the edited table so, and followed, the sweep evaluates the edited plan (its jobs are
y's sampled rate times its 50 US$ million, by hand)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import DATA, run_cli

FIXED = DATA / "fixed_plan"
EDIT = (",50\n", ",0\n")
"""x's 50 US$ million moved out of the plan: allocation.csv's first row (x) ends with `,50`."""


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """A run of tests/data/fixed_plan solved for exports: x 50, y 50 US$ million."""
    out = tmp_path_factory.mktemp("plan") / "run"
    res = run_cli("solve", "--inputs", FIXED, "--objective", "exports", "--out", out)
    assert res.exit_code == 0, res.stderr
    return out


def _edited(run: Path, where: Path) -> Path:
    shutil.copytree(run, where)
    table = where / "allocation.csv"
    text = table.read_text(encoding="utf-8")
    first = text.splitlines()[1]
    assert first.startswith("x,")
    assert first.endswith(",50")
    table.write_text(text.replace(*EDIT, 1), encoding="utf-8")
    return where


def _sweep(plan: Path, out: Path, *extra: object):
    return run_cli("sweep", "--inputs", FIXED, "--samples", 3, "--serial", "--plan", plan,
                   "--out", out, *extra)  # fmt: skip


def test_an_edited_run_folder_table_is_refused(run, tmp_path):
    edited = _edited(run, tmp_path / "edited")
    out = tmp_path / "s"
    res = _sweep(edited, out)
    assert res.exit_code == 2, res.stderr
    assert res.stdout == ""
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith(
        f"error: {edited / 'allocation.csv'} has changed since allocator wrote it (run.json "
        "records other bytes), so its numbers may be your edits, not allocator's, and sweep"
    ), line
    assert "Fix: " in line
    assert "allocation.csv alone" in line.split("Fix: ")[1], line
    assert not out.exists()


def test_the_python_api_refuses_it_too(run, tmp_path):
    from allocator import sweep
    from allocator.errors import UsageError

    edited = _edited(run, tmp_path / "edited")
    with pytest.raises(UsageError, match="allocation.csv has changed since allocator wrote it"):
        sweep(inputs=FIXED, samples=3, plan=edited, out=tmp_path / "s")
    assert not (tmp_path / "s").exists()


def test_the_fix_followed_sweeps_the_edited_plan(run, tmp_path):
    """The edited allocation.csv alone in a folder: swept, x 0 and y 50 in every sample (a
    budget of 60 to 140 always holds 50), so its jobs are 50 times y's sampled jobs rate."""
    edited = _edited(run, tmp_path / "edited")
    alone = tmp_path / "my-plan"
    alone.mkdir()
    shutil.copy(edited / "allocation.csv", alone / "allocation.csv")
    out = tmp_path / "s"
    res = _sweep(alone, out)
    assert res.exit_code == 0, res.stderr
    s, p = pd.read_csv(out / "sweep.csv"), pd.read_csv(out / "sweep_plan.csv")
    jobs = 50 * s["programs:y:jobs_per_musd"]
    assert p["plan_jobs"].to_numpy() == pytest.approx(jobs.to_numpy(), rel=1e-9)


def test_an_unedited_run_folder_is_swept(run, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    res = _sweep(copy, tmp_path / "s")
    assert res.exit_code == 0, res.stderr
