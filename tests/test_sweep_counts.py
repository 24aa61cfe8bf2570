"""The re-optimised samples of a sweep say how many targets they miss, as the fixed plan's do:
sweep.csv's `targets_missed` (targets.csv rows and shares.csv processing milestones, the count
`allocator solve` lists), sweep_summary.csv's perfect-foresight row `targets_missed` with the
nominal plan's 17 placed among them, and the terminal. Before, only the fixed plan had a count,
so a planner could not tell whether foresight would reach the targets the plan misses.

Checked against `allocator solve --set` on each sample's drawn numbers: its outcomes.csv and
shares.csv shortfalls, counted here."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from conftest import BASELINE, run_cli


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _solve_missed(run: Path) -> int:
    """Targets a solved run misses, from its tables: outcomes.csv's shortfalls and shares.csv's."""
    missed = 0
    for r in _rows(run / "outcomes.csv"):
        for column in ("jobs_shortfall", "exports_shortfall_musd"):
            missed += bool(r[column]) and float(r[column]) > 1e-6
    return missed + sum(float(r["share_shortfall_pct"]) > 1e-6 for r in _rows(run / "shares.csv"))


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    out = tmp_path_factory.mktemp("counts") / "sweep"
    ran = run_cli(
        "sweep", "--inputs", BASELINE, "--samples", 3, "--seed", 2, "--serial", "--out", out
    )  # samples missing 16, 17 and 22 targets
    assert ran.exit_code == 0, ran.stderr
    return out, ran.stdout


def test_each_re_optimised_sample_counts_the_targets_solve_lists(swept, tmp_path):
    out, _ = swept
    rows = _rows(out / "sweep.csv")
    first = list(rows[0])
    labels = first[first.index("message") + 1 :]
    assert sorted(int(r["targets_missed"]) for r in rows) == [16, 17, 22]
    for r in rows:
        sets = [a for label in labels for a in ("--set", _set(label, r[label]))]
        run = tmp_path / f"s{r['sample']}"
        ran = run_cli("solve", "--inputs", BASELINE, *sets, "--out", run)
        assert ran.exit_code == 0, ran.stderr
        assert int(r["targets_missed"]) == _solve_missed(run), r["sample"]


def _set(label: str, value: str) -> str:
    """A sweep.csv column (`markets:p//2030:market_musd`) as a --set (`markets.p//2030...`)."""
    table, key, column = label.split(":")
    return f"{table}.{key}.{column}={value}"


def test_the_summary_and_terminal_say_foresights_targets_missed(swept):
    out, stdout = swept
    rows = {r["item"]: r for r in _rows(out / "sweep_summary.csv")}
    got = rows["targets_missed"]
    counts = sorted(int(r["targets_missed"]) for r in _rows(out / "sweep.csv"))
    assert got["basis"].startswith("with perfect foresight")
    assert (got["unit"], got["samples"], got["nominal"]) == ("targets", "3", "17")
    assert float(got["p50"]) == counts[1]
    assert "targets missed with perfect foresight" in stdout


def test_under_targets_off_the_sweep_does_not_count_targets_it_cannot_see(tmp_path):
    """With --targets off the LP holds no target rows, so a count from them said 0 where
    `allocator solve --targets off` lists 1 missed target (review): the count is left empty,
    for the fixed plan and each re-optimised sample, and the terminal says it is not counted."""
    import shutil

    from conftest import DATA

    data = tmp_path / "tg"
    shutil.copytree(DATA / "sweep", data)
    (data / "targets.csv").write_text(
        "kind,dimension,member,year,value,source\njobs,sector,s2,2026,1000,unreachable test\n",
        encoding="utf-8",
    )
    solved = run_cli("solve", "--inputs", data, "--targets", "off", "--out", tmp_path / "s")
    assert "Targets this plan does not reach (1)" in solved.stdout
    out = tmp_path / "w"
    ran = run_cli(
        "sweep", "--inputs", data, "--samples", 3, "--serial", "--targets", "off", "--out", out
    )
    assert ran.exit_code == 0, ran.stderr
    assert {r["targets_missed"] for r in _rows(out / "sweep.csv")} == {""}
    assert {r["targets_missed"] for r in _rows(out / "sweep_plan.csv")} == {""}
    assert "targets missed: not counted (--targets off" in ran.stdout
    assert "targets missed: in 0 of 3" not in ran.stdout
