"""Findings of hunt22. Each test is a strict xfail that fails today for the reason it names and
asserts what a correct program gives (by hand, or by `allocator solve --set` re-solves); drop the
mark with the fix."""

from __future__ import annotations

import csv
import re

import pytest

from conftest import DATA, copy_dataset, run_cli


def _set_cell(path, row: int, column: str, value: str) -> None:
    """Write `value` into data row `row` (from 0) of column `column` of the CSV at `path`."""
    with open(path, newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    records[row + 1][records[0].index(column)] = value
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(records)


@pytest.mark.parametrize(
    ("data", "table", "column", "cell", "parse", "readings"),
    [
        # 4.500 x 10 with a decimal point, 4500 x 10 with a thousands point
        ("base_levels", "programs.csv", "cap_musd", "4.500e1", "parse_money", (45.0, 45_000.0)),
        # 1.5 or 1,500 billion US$, in US$ million
        ("base_levels", "programs.csv", "cap_musd", "1.500B", "parse_money", (1_500.0, 1.5e6)),
        # 50% or 50,000% (a share of 0.5 or 500): max_share takes 0.5 alone, so the fix offers
        # it as the column documents it (50% or 0.5), and the message names 50000% as refused
        ("exports", "markets.csv", "max_share", "50.000%", "parse_share", (0.5, 0.5)),
    ],
)
def test_an_ambiguous_numbers_fix_names_the_two_values_it_reads_as(
    tmp_path, data, table, column, cell, parse, readings
):
    """tests/data/base_levels declares no number style, so programs.csv's cap_musd '4.500e1' is
    refused (a thousands point or a decimal point). The refusal says "'4.500e1' reads as 4.5
    with a decimal point or 4500 with a thousands point. Fix: write 4.5 or 4500": with a decimal
    point 4.500e1 is 45 (`allocator solve` takes '4.5e1' as 45: a cap of 45 musd), with a
    thousands point 45,000; a user who retypes the first value the fix offers gets a cap ten
    times smaller than either reading. Likewise '1.500B' (the README's own `2B` writing) is said
    to read as 1.5 or 1500 US$ million, where its readings are 1,500 and 1,500,000; and
    markets.csv's max_share '50.000%' is said to be '50.000', to be written 50 or 50000, both of
    which max_share refuses ("'50' is not a share between 0 and 1"): its readings are 50% and
    50000%, and the second is no share, so the fix offers the first as the column takes it."""
    from allocator.data import numbers

    folder = copy_dataset(DATA / data, tmp_path / "data")
    _set_cell(folder / table, 0, column, cell)
    res = run_cli("solve", "--inputs", folder, "--out", tmp_path / "run")
    assert res.exit_code == 2, res.stderr
    fix = re.search(r"Fix: write (\S+) or (\S+),", res.stderr)
    assert fix is not None, res.stderr
    with numbers.number_style("point"):
        offered = tuple(getattr(numbers, parse)(text) for text in fix.groups())
    assert offered == pytest.approx(readings)
    if readings[0] == readings[1]:  # one reading is out of the column's range: named, and why
        assert "'50000%' is not a share between 0 and 1" in res.stderr, res.stderr


def test_a_time_limit_gives_every_solve_of_a_sweep_its_whole_limit(tmp_path, monkeypatch):
    """docs/uncertainty.md: "`sweep` applies the model file's `solver:` options
    (`time_limit_s`, tolerances) to every sample, as `solve` does". HiGHS's run clock adds up
    over every `run()` of one instance, and allocator never resets it, so the limit is a budget
    for all the solves on a held instance together. `allocator init proj`, then a model file with
    `solver: {time_limit_s: 3}` and `allocator sweep models/tl.yaml --samples 60 --serial`:
    samples 51 to 59 (the last ones) are `notoptimal` ("9 of 60 samples were not solved", exit
    1) and the nominal plan is "notoptimal" too, while no single LP takes more than about 0.03 s;
    `solve` with `time_limit_s: 1.2` stops likewise ("HiGHS stopped without an optimum (Time
    limit reached)") after 137 LPs that take 0.8 s in all. Checked here without timing: when each
    sample's first LP starts, what HiGHS has left of its limit (the option less the instance's
    run time) is the whole limit the model file gives."""
    import highspy

    from allocator.studies.sweep import SampleModel

    limit = 30.0
    copy_dataset(DATA / "sweep", tmp_path / "inputs")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "tl.yaml").write_text(
        "name: tl\ndataset: ../inputs\nobjective: jobs\ntargets: soft\n"
        f"solver:\n  time_limit_s: {limit}\n",
        encoding="utf-8",
    )
    left_before: list[float] = []
    first = [False]  # the next run() is a sample's first
    original, sample = highspy.Highs.run, SampleModel.solve

    def run(self):
        _, option = self.getOptionValue("time_limit")
        if first[0] and option < float("inf"):
            left_before.append(option - self.getRunTime())
            first[0] = False
        return original(self)

    def solve(self, *args, **kwargs):
        first[0] = True
        return sample(self, *args, **kwargs)

    monkeypatch.setattr(highspy.Highs, "run", run)
    monkeypatch.setattr(SampleModel, "solve", solve)
    res = run_cli(
        "sweep", "models/tl.yaml", "--samples", "5", "--serial", "--out", "sw", cwd=tmp_path
    )
    assert res.exit_code == 0, res.stderr
    assert len(left_before) >= 5  # one for each sample (and the nominal plan)
    assert min(left_before) >= limit - 1e-6


def test_every_edit_serve_solves_has_the_whole_time_limit(tmp_path, monkeypatch):
    """`allocator serve models/tl.yaml` (a model file with `solver: {time_limit_s: T}`) holds
    one HiGHS instance and re-solves each edit on it (`serve/held.py`, `update_held`); HiGHS's
    run clock adds up over every `run()` of an instance and is never reset, so after T seconds
    of solving in all, however quick each edit, an edit is answered with "HiGHS stopped without
    an optimum (Time limit reached)". Checked without timing: when each edit's first LP starts,
    what HiGHS has left of its limit (the option less the instance's run time) is the whole
    limit the model file gives."""
    import highspy

    from allocator.runs.spec import layered
    from allocator.serve.held import HeldModel

    limit = 30.0
    copy_dataset(DATA / "base_levels", tmp_path / "inputs")
    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "tl.yaml"
    model.write_text(
        "name: tl\ndataset: ../inputs\nobjective: jobs\ntargets: soft\n"
        f"solver:\n  time_limit_s: {limit}\n",
        encoding="utf-8",
    )
    left_before: list[float] = []
    first = [False]  # the next run() is an edit's first
    original = highspy.Highs.run

    def run(self):
        _, option = self.getOptionValue("time_limit")
        if first[0] and option < float("inf"):
            left_before.append(option - self.getRunTime())
            first[0] = False
        return original(self)

    monkeypatch.setattr(highspy.Highs, "run", run)
    held = HeldModel(layered(model))
    assert held.answer().brief is not None
    for cap in (90, 80, 70):
        first[0] = True
        held.edit([f"programs.a.cap_musd={cap}"])
    assert len(left_before) == 3
    assert min(left_before) >= limit - 1e-6
