"""Solver noise snapped once, the same way in every output (issue 29, point 3).

A value within 1e-6 relative (1e-9 absolute near 0) of a reference is written as that reference:
the bound it sits at, a bound of a row it makes up alone, or else the nearest number with at most
four significant digits. A genuinely non-round value (2999.9, 2999.99) is left as it is, and no
snap leaves a row further outside its bounds than HiGHS's own plan.

The noise is put into HiGHS's plan by hand (`noisy`), so the tests do not depend on the
tolerances of one HiGHS version.
"""

from __future__ import annotations

import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

import allocator.solver.results as results
from allocator.data.inputs import load_inputs
from allocator.pipeline import solve_inputs, tables_of
from allocator.solver.results import snap
from conftest import DATA, copy_dataset, run_cli
from lpcheck import check_duality, check_feasible

GREEDY = DATA / "greedy"  # budget 120; a (cap 60) 60, b (cap 100) 60, c 0


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (2999.99982353, 3000.0),  # the observed noise: 5.9e-8 relative
        (3000.0001, 3000.0),
        (-2999.99982353, -3000.0),
        (15899.99906, 15900.0),
        (0.05999999997, 0.06),
        (1e-10, 0.0),
        (-1e-12, 0.0),
        (2999.9, 2999.9),  # 3.3e-5 relative: data, not noise
        (2999.99, 2999.99),  # 3.3e-6 relative
        (533.333333333, 533.333333333),  # 1600 / 3: no round number near it
        (2181.7999, 2181.7999),  # a round number of five digits needs a reference
        (5e-7, 5e-7),  # above the floor near 0
    ],
)
def test_snap_moves_noise_to_a_round_number_and_nothing_else(value, shown):
    got = snap(np.array([value]))[0]
    assert got == shown
    assert str(got) == str(shown)  # no -0, no 0.060000000000000005


def test_snap_prefers_the_reference_a_value_sits_at():
    values = np.array([2181.7999, 2181.79, 60.00004, 7.0])
    bound = np.array([2181.8, 2181.8, np.inf, np.nan])
    assert snap(values, [bound]).tolist() == [2181.8, 2181.79, 60.0, 7.0]


def noisy(monkeypatch, **values: float) -> None:
    """HiGHS's plan with `values` put in by hand, by variable name (a=2025 for a's 2025 money
    from pool public), as a looser tolerance could have returned it."""

    def optimum(lp, *args, **kwargs):
        opt = real(lp, *args, **kwargs)
        for key, value in values.items():
            opt.x[lp.col_names.index(f"invest({key},public,2025)")] = value
        return opt

    real = results.optimum
    monkeypatch.setattr(results, "optimum", optimum)


def solve_to(tmp_path, inputs=GREEDY):
    """`allocator solve` in this process: the run folder and what it printed."""
    out = tmp_path / "run"
    ran = run_cli("solve", "--inputs", inputs, "--out", out)
    assert ran.exit_code == 0, ran.stderr
    return out, ran.stdout


def workbook_value(folder, sheet, key, column):
    """The cell of `column` (its header without the unit) in the row whose first cell is `key`,
    as the workbook holds it."""
    book = openpyxl.load_workbook(folder / "workbook.xlsx", read_only=True)
    rows = list(book[sheet].iter_rows(values_only=True))
    book.close()
    heads = [str(h).split(" (")[0] for h in rows[0]]  # "invest_musd (US$ million)"
    return rows[[r[0] for r in rows].index(key)][heads.index(column)]


def report_values(folder, program):
    """The numbers (`data-v`) of `program`'s rows in report.html."""
    html = (folder / "report.html").read_text(encoding="utf-8")
    rows = re.findall(rf"<tr><td>{program}</td>.*?</tr>", html)
    return [float(v) for row in rows for v in re.findall(r'data-v="([^"]+)"', row)]


def test_noise_is_written_as_the_round_number_in_csv_workbook_and_report(monkeypatch, tmp_path):
    noisy(monkeypatch, a=59.9999953)  # 7.8e-8 relative, at its cap; b at 60 as HiGHS gives it
    out, printed = solve_to(tmp_path)
    alloc = pd.read_csv(out / "allocation.csv").set_index("program")
    assert alloc.loc["a", "invest_musd"] == 60.0
    assert alloc.loc["b", "invest_musd"] == 60.0
    assert "59.99" not in (out / "allocation.csv").read_text(encoding="utf-8")
    phase = pd.read_csv(out / "allocation_by_phase.csv").set_index("program")
    assert phase.loc["a", "share_of_cap"] == 1.0
    rows = pd.read_csv(out / "shadow_prices.csv").set_index("constraint")
    assert rows.loc["program_cap(a)", "body"] == 60.0
    assert rows.loc["budget(public,p1)", "body"] == 120.0
    assert rows.loc["budget(public,p1)", "slack"] == 0.0
    assert workbook_value(out, "allocation", "a", "invest_musd") == 60
    assert workbook_value(out, "allocation_by_phase", "a", "total_musd") == 60
    assert report_values(out, "s1") == [120.0, 120.0]  # sector s1 (a and b) in p1, in total
    assert "spent 120," in printed


def test_a_value_that_is_not_noise_is_written_as_it_is(monkeypatch, tmp_path):
    noisy(monkeypatch, a=59.99)  # 1.7e-4 relative: not noise
    out, _ = solve_to(tmp_path)
    alloc = pd.read_csv(out / "allocation.csv").set_index("program")
    assert alloc.loc["a", "invest_musd"] == 59.99
    assert workbook_value(out, "allocation", "a", "invest_musd") == 59.99
    assert report_values(out, "s1") == [119.99, 119.99]


def test_snapping_to_the_cap_makes_the_written_tables_feasible(monkeypatch):
    """HiGHS's a above its cap by 5e-6 (within its tolerance, beyond lpcheck's 1e-6): written
    at the cap, every constraint recomputed from the tables holds."""
    noisy(monkeypatch, a=60.000005, b=59.999995)
    inp = load_inputs(GREEDY)
    sol, _ = solve_inputs(inp, "jobs")
    rows = sol.rows.set_index("constraint")
    assert rows.loc["program_cap(a)", "body"] == 60.0
    assert rows.loc["budget(public,p1)", "body"] == 120.0
    check_feasible(inp, tables_of(inp, sol))
    check_duality(sol)


def test_a_column_alone_in_its_cap_row_snaps_to_a_cap_that_is_not_round(monkeypatch, tmp_path):
    """a's cap 61.2345 (six digits: no round number near it) and a at 61.23449: a makes up the
    row program_cap(a) alone, so it is written at its cap, and the budget row at 120."""
    data = copy_dataset(GREEDY, tmp_path / "data")
    programs = data / "programs.csv"
    programs.write_text(programs.read_text(encoding="utf-8").replace(",60,", ",61.2345,"))
    noisy(monkeypatch, a=61.23449)
    inp = load_inputs(data)
    sol, _ = solve_inputs(inp, "jobs")
    cols = sol.columns.set_index("variable")["value"]
    assert cols["invest(a,public,2025)"] == 61.2345
    assert cols["invest(b,public,2025)"] == 58.7655
    rows = sol.rows.set_index("constraint")["body"]
    assert rows["budget(public,p1)"] == 120.0
    assert rows["program_cap(a)"] == 61.2345
    check_feasible(inp, tables_of(inp, sol))


def test_a_snap_that_would_push_a_row_past_its_bound_is_undone(monkeypatch, tmp_path):
    """Budget 120.0003: a at 59.99999 (noise below its cap 60), b 60.00031 (not noise, no round
    number near it), together exactly the budget. Snapping a up to its cap alone would spend
    1e-5 more than the budget, so a stays as HiGHS gave it."""
    data = copy_dataset(GREEDY, tmp_path / "data")
    pools = data / "pools.csv"
    pools.write_text(pools.read_text(encoding="utf-8").replace(",120,", ",120.0003,"))
    noisy(monkeypatch, a=59.99999, b=60.00031)
    inp = load_inputs(data)
    sol, _ = solve_inputs(inp, "jobs")
    cols = sol.columns.set_index("variable")["value"]
    assert cols["invest(a,public,2025)"] == 59.99999
    assert cols["invest(b,public,2025)"] == 60.00031
    body = sol.rows.set_index("constraint").loc["budget(public,p1)", "body"]
    assert body <= 120.0003


def test_the_baseline_shows_manufacturing_zones_at_its_cap(baseline_run):
    """The case of issue 29: 2,999.999824 of a 3,000 cap, now 3,000 in every table."""
    alloc = pd.read_csv(baseline_run / "allocation.csv")
    zones = alloc[alloc["program"] == "manufacturing_zones"]["invest_musd"]
    assert zones.sum() == 3000.0
    phase = pd.read_csv(baseline_run / "allocation_by_phase.csv").set_index("program")
    assert phase.loc["manufacturing_zones", "total_musd"] == 3000.0
    book = workbook_value(baseline_run, "allocation_by_phase", "manufacturing_zones", "total_musd")
    assert book == 3000
    html = (baseline_run / "report.html").read_text(encoding="utf-8")
    assert "2999.9998" not in html


def test_the_recheck_of_a_snapped_run_is_identical(monkeypatch, tmp_path):
    """`solve --check-against` re-runs and compares the tables byte for byte: the snap is the
    same every time (HiGHS's same noise, the same written number)."""
    noisy(monkeypatch, a=59.9999953)
    out, _ = solve_to(tmp_path)
    ran = run_cli("solve", "--check-against", out)
    assert ran.exit_code == 0, ran.stderr
    assert "identical" in ran.stdout
