"""A run folder's table edited since allocator wrote it is not read as allocator's (hunt23):
run.json records each file's SHA-256 (`written_by.sha256`), and every reader of a run folder's
tables (`report`, `compare`, `replan`) refuses one whose bytes it does not record, through one
check (`report.readback.refuse_edited`). A run folder of an older allocator records no digests:
nothing tells an edit, so its tables are read as they are, as `--force` replaces such a folder.
(`test_hunt23_found.py` holds the report and compare findings themselves.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DATA, run_cli

GREEDY = DATA / "greedy"
REPLAN = DATA / "replan"


def _solve(data: Path, out: Path) -> Path:
    res = run_cli("solve", "--inputs", data, "--out", out)
    assert res.exit_code == 0, res.stderr
    return out


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _one_refusal(res, name: str) -> str:
    """The one line of a refusal naming the edited table `name`, with its fix, exit 2."""
    assert res.exit_code == 2, (res.stdout, res.stderr)
    (line,) = res.stderr.splitlines()
    assert f"{name} has changed since allocator wrote it" in line, line
    assert "Fix: " in line, line
    assert "Traceback" not in res.stderr
    return line


def _replan(run: Path, out: Path):
    actuals = REPLAN / "actuals.csv"
    return run_cli("replan", run, "--actuals", actuals, "--as-of", 2026, "--out", out)


# the approved plan puts 100 musd on a in 2025; an edit in allocator's own form (no cell check
# can tell it), and an edit of which rows bound in the approved run (replan's `binding_new`)
REPLAN_EDITS = [
    ("allocation.csv", ",public,2025,phase1,100\n", ",public,2025,phase1,10\n"),
    ("shadow_prices.csv", ",0,10,jobs per musd,True,", ",0,10,jobs per musd,False,"),
]


@pytest.mark.parametrize(("name", "old", "new"), REPLAN_EDITS)
def test_replan_refuses_an_approved_plan_edited_since_allocator_wrote_it(tmp_path, name, old, new):
    """docs/replan.md said a hand edit of allocation.csv in allocator's own form "cannot be told
    from allocator's writing and is read as written": run.json's digests tell it. The approved
    plan is allocator's optimum (its objective, in run.json, is what the deviations are costed
    against), so an edited one is refused, naming the file, and nothing is written."""
    run = _solve(REPLAN, tmp_path / "approved")
    assert _replan(run, tmp_path / "first").exit_code == 0  # as written: re-planned
    _edit(run / name, old, new)
    line = _one_refusal(_replan(run, tmp_path / "re"), name)
    assert "solve again" in line, line
    assert not (tmp_path / "re").exists()


def test_compare_refuses_an_edited_table_and_writes_nothing(tmp_path):
    """`allocator compare` with RUN_A's allocation.csv edited (a: 60 -> 600 musd, against a
    budget of 120): exit 2, one line naming the file, no comparison folder; a table compare
    does not read (budgets.csv) edited in RUN_B changes nothing it shows and is no refusal."""
    first, second = _solve(GREEDY, tmp_path / "a"), _solve(GREEDY, tmp_path / "b")
    _edit(second / "budgets.csv", ",jobs per musd,\n", ",jobs per musd,my note\n")
    ok = run_cli("compare", first, second, "--out", tmp_path / "ok")
    assert ok.exit_code == 0, ok.stderr
    _edit(
        first / "allocation.csv",
        "\na,,s1,,,,public,2025,p1,60\n",
        "\na,,s1,,,,public,2025,p1,600\n",
    )
    out = tmp_path / "cmp"
    res = run_cli("compare", first, second, "--out", out)
    _one_refusal(res, "allocation.csv")
    assert not out.exists()


def test_report_refuses_an_edit_in_any_table_it_reads(tmp_path):
    """Not only the allocation: limits.csv's edited number (the page's Limits report) is refused
    too, and the page is left as it was."""
    run = _solve(GREEDY, tmp_path / "run")
    # invest(a,public,2025) at its lower limit 0: 360 jobs, edited to 361
    _edit(run / "limits.csv", ",60,0,360,60,960,", ",60,0,361,60,960,")
    page = (run / "report.html").read_bytes()
    _one_refusal(run_cli("report", run), "limits.csv")
    assert (run / "report.html").read_bytes() == page


def test_report_rebuilds_an_unedited_folder_again_and_again(tmp_path):
    """A rebuild records the new page's digest and leaves the tables as they were: a second
    rebuild and compare read the folder as allocator's."""
    run = _solve(GREEDY, tmp_path / "run")
    for _ in range(2):
        res = run_cli("report", run)
        assert res.exit_code == 0, res.stderr
    res = run_cli("compare", run, run, "--out", tmp_path / "cmp")
    assert res.exit_code == 0, res.stderr


def _strip_digests(run: Path) -> None:
    """run.json as an allocator before the digests wrote it: `written_by` without `sha256`."""
    info = json.loads((run / "run.json").read_text(encoding="utf-8"))
    del info["written_by"]["sha256"]
    (run / "run.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def test_an_older_run_folder_without_digests_is_read_as_it_is(tmp_path):
    """An older allocator's run.json records no digests, so no edit can be told: `--force`
    replaces such a folder (folders.changed_file), and the readers read its tables as they are,
    the cell checks their only guard (the decision: refusing every older folder would refuse
    runs that were never edited). The page rebuilt from the edited allocation shows 660."""
    run = _solve(GREEDY, tmp_path / "run")
    _strip_digests(run)
    _edit(run / "allocation_by_phase.csv", "\na,,s1,60,60,", "\na,,s1,600,600,")
    res = run_cli("report", run)
    assert res.exit_code == 0, res.stderr
    assert 'data-v="660">660<' in (run / "report.html").read_text(encoding="utf-8")
    forced = run_cli("solve", "--inputs", GREEDY, "--out", run, "--force")
    assert forced.exit_code == 0, forced.stderr
    assert "\na,,s1,60,60," in (run / "allocation_by_phase.csv").read_text(encoding="utf-8")
