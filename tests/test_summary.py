"""Issue 17, the summary: money that is not spent (budgets.csv, the terminal), numbers that say
which they are and add up as shown, the same defaults everywhere, placeholder budgets among the
prices, ties, and a terminal that never breaks a name."""

from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest

from allocator.report.rounding import largest_remainder, rounded_grid
from conftest import DATA, ROOT, Ran, solved
from conftest import run_cli as cli

BUDGETS = DATA / "budgets"


def _piped(*args: str, columns: int = 80) -> Ran:
    """`allocator ARGS` with stdout no terminal and COLUMNS set, as a planner's `| less` sees
    it (in-process: rich reads the same two things)."""
    return cli(*args, env={"COLUMNS": str(columns)})


def test_budgets_table_hand_solved():
    """tests/data/budgets: a (cap 60, 10 jobs/musd, p1 only) takes 60 of public's 100 in p1; the
    other 40 carry to p2, where c (1 job/musd, window p2) takes them with p2's 50: 90. partner's
    only program b stops at its cap 40 of 80; idle may fund only c, whose window is closed in
    p1; spare funds nothing; gift's program d counts after 2028 (lag 5). Public money is worth
    1 job per musd in both phases (it ends in c), the rest 0."""
    _, sol, t = solved(str(BUDGETS))
    assert sol.objective_value == pytest.approx(890)
    b = t["budgets"].set_index(["pool", "phase"])
    expected = {
        ("public", "p1"): (100, 0, 60, 40, 0, 1),
        ("public", "p2"): (50, 40, 90, 0, 0, 1),
        ("partner", "p1"): (80, 0, 40, 0, 40, 0),
        ("idle", "p1"): (30, 0, 0, 0, 30, 0),
        ("gift", "p2"): (10, 0, 0, 0, 10, 0),
    }
    cols = [
        "budget_musd",
        "carried_in_musd",
        "spent_musd",
        "carried_out_musd",
        "unspent_musd",
        "shadow_price",
    ]
    for key, values in expected.items():
        assert b.loc[key, cols].astype(float).tolist() == pytest.approx(list(values)), key
    assert b.loc[("public", "p1"), "unit"] == "jobs per musd"
    assert b.loc[("public", "p1"), "why_unspent"] == ""
    assert b.loc[("partner", "p1"), "why_unspent"].endswith("at its cap (program_cap): b")
    assert b.loc[("idle", "p1"), "why_unspent"].endswith("outside its timing window: c")
    assert "would not raise the objective" in b.loc[("gift", "p2"), "why_unspent"]
    assert b.loc[("gift", "p2"), "why_unspent"].endswith(": d")
    assert b.loc[("spare", "p2"), "why_unspent"].startswith("no eligible program")
    assert b.loc[("spare", "p2"), "unspent_musd"] == 20
    assert pd.isna(b.loc[("spare", "p2"), "shadow_price"])


def test_budgets_in_the_run_folder_workbook_and_terminal(tmp_path):
    out = tmp_path / "run"
    code, stdout, stderr = cli("solve", "--inputs", BUDGETS, "--out", out)
    assert code == 0, stderr
    table = pd.read_csv(out / "budgets.csv")
    assert list(table["pool"]) == ["gift", "idle", "partner", "public", "public", "spare"]
    assert "budgets" in openpyxl.load_workbook(out / "workbook.xlsx").sheetnames
    assert "money: budget 290 US$ million, spent 190, unspent 100" in stdout
    assert "unspent partner p1: 40 of 80 US$ million" in stdout
    assert "model file: none (the command line only); overrides: none" in stdout
    assert "targets: soft; measure of the objective: final" in stdout


def test_summary_names_the_model_file_and_its_overrides(tmp_path):
    code, stdout, stderr = cli(
        "solve", "models/no_partner_pools.yaml", "--out", tmp_path / "run", "--targets", "off"
    )
    assert code == 0, stderr
    assert "model file: models/no_partner_pools.yaml; overrides: exclude_pool korea" in stdout
    assert "targets: off" in stdout


def test_budgets_in_any_row_order_give_the_same_bytes(tmp_path):
    import shutil

    shuffled = tmp_path / "data"
    shutil.copytree(BUDGETS, shuffled)
    lines = (shuffled / "pools.csv").read_text().splitlines()
    (shuffled / "pools.csv").write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n")
    for name, folder in (("a", BUDGETS), ("b", shuffled)):
        assert cli("solve", "--inputs", folder, "--out", tmp_path / name)[0] == 0
    assert (tmp_path / "a" / "budgets.csv").read_bytes() == (
        tmp_path / "b" / "budgets.csv"
    ).read_bytes()


def test_largest_remainder_parts_add_up():
    # the phase columns: 4,208.4 + 17,166.4 + 17,507.4 = 38,882.2 rounds to 38,882,
    # but each part rounded alone gives 38,881
    parts = [4208.4, 17166.4, 17507.4]
    assert sum(round(p) for p in parts) != round(sum(parts))
    shown = largest_remainder(parts)
    assert sum(shown) == 38882
    assert all(abs(s - p) < 1 for s, p in zip(shown, parts, strict=True))


def test_rounded_grid_rows_and_columns_add_up():
    grid = pd.DataFrame(
        [[0.5, 1000.4, 2.6], [3.5, 0.3, 7.7], [0.5, 0.5, 0.5]],
        index=pd.Index(["a", "b", "c"], name="sector"),
        columns=["p1", "p2", "p3"],
    )
    shown = rounded_grid(grid)
    body = shown.drop(index="total")
    assert (body[["p1", "p2", "p3"]].sum(axis=1) == body["total"]).all()
    assert (shown.loc["total"] == body.sum(axis=0)).all()
    assert shown.loc["total", "total"] == 1017  # 1016.5, halves away from zero


def test_terminal_grid_adds_up_on_the_baseline(baseline_solve):
    code, stdout, stderr = baseline_solve[1]
    assert code == 0, stderr
    rows = [
        [int(c.replace(",", "")) for c in line.strip("│ ").split("│")[1:]]
        for line in stdout.splitlines()
        if line.startswith("│")
    ]
    body, total = rows[:-1], rows[-1]
    for r in body:
        assert sum(r[:-1]) == r[-1]
    assert [sum(col) for col in zip(*body, strict=True)] == total
    assert "each total within 1 of its exact sum" in stdout


def test_explain_and_solve_share_their_defaults():
    code, stdout, stderr = cli("explain")
    assert code == 0, stderr  # today: exit 1 under --targets hard on a plan solve calls optimal
    assert "with --targets soft" in stdout
    for command in ("solve", "explain", "compare", "sweep", "frontier"):
        text = _piped(command, "--help", columns=200).stdout
        assert "<bool>" not in text, command
        assert "else soft" in text or "[default: soft]" in text, command
    solve_help = _piped("solve", "--help", columns=200).stdout
    assert "else jobs" in solve_help
    assert "else final" in solve_help
    assert "Without it the tail is not capped" in solve_help


def test_placeholder_budgets_are_said_once_among_prices(baseline_solve):
    code, stdout, stderr = baseline_solve[1]
    assert code == 0, stderr
    prices = stdout[stdout.index("Largest shadow prices") :]
    assert prices.count("budget(china,") == 3
    line = next(x for x in prices.splitlines() if "budget(china,phase1)" in x)
    assert "budget(china,phase2), budget(china,phase3)" in line
    assert "the budget is 0 (assumption)" in line


@pytest.mark.parametrize("columns", [80, 120])
def test_piped_output_never_breaks_a_name(tmp_path, columns, baseline_solve):
    proc = (
        baseline_solve[1]
        if columns == 80
        else _piped("solve", "--out", str(tmp_path / "run"), columns=columns)
    )
    assert proc.returncode == 0, proc.stderr
    assert "program_cap(electronics_assembly)" in proc.stdout
    assert "group_max(capital_group,automotive_industry,all)" in proc.stdout
    assert "row in model.lp" not in proc.stdout  # a file that exists only with --write-model
    assert "in model.lp with --write-model" in proc.stdout


def _one_year(tmp_path):
    """tests/data/greedy in one year: a (10 jobs/musd, cap 60) then b (6, cap 100) under a
    budget of 120: a 60, b 60, and no other plan reaches 960 jobs."""
    import shutil

    folder = tmp_path / "one_year"
    shutil.copytree(DATA / "greedy", folder)
    (folder / "phases.csv").write_text(
        "phase,first_year,last_year,source\np1,2025,2025,hand-solved test case\n"
    )
    (folder / "milestones.csv").write_text("year,source\n2025,hand-solved test case\n")
    text = (folder / "programs.csv").read_text().replace("2025,2026", "2025,2025")
    (folder / "programs.csv").write_text(text)
    return folder


def _two_pools(tmp_path):
    """The one-year greedy case with its 120 split over two pools that may both fund every
    program: which pool pays for a's and b's money changes no outcome."""
    folder = tmp_path / "two_pools"
    shutil.copytree(_one_year(tmp_path / "base"), folder)
    (folder / "pools.csv").write_text(
        "pool,phase,budget_musd,source\npublic,p1,60,hand-solved test case\n"
        "partner,p1,60,hand-solved test case\n"
    )
    (folder / "eligibility.csv").write_text(
        "pool,program,source\npublic,*,hand-solved test case\npartner,*,hand-solved test case\n"
    )
    return folder


def test_ties_are_said_when_other_plans_reach_the_same_outcome(tmp_path):
    """Two pools can pay for the same 960 jobs in many ways (a 60, b 60, from either pool): other
    plans reach the same outcome. With one pool and one year the plan is the only one. (The
    two-year greedy case is no longer tied: the job-years pass spends as early as it can.)"""
    from allocator.data.inputs import load_inputs
    from allocator.pipeline import solve_inputs

    unique, _ = solve_inputs(load_inputs(_one_year(tmp_path)), "jobs")
    assert unique.objective_value == pytest.approx(960)
    assert unique.solver["ties"] == 0
    tied, _ = solve_inputs(load_inputs(_two_pools(tmp_path)), "jobs")
    assert tied.objective_value == pytest.approx(960)
    assert tied.solver["ties"] > 0
    code, stdout, stderr = cli("solve", "--inputs", tmp_path / "two_pools", "--out", tmp_path / "a")
    assert code == 0, stderr
    assert "Ties: other plans reach the same outcome" in stdout
    code, stdout, stderr = cli("solve", "--inputs", tmp_path / "one_year", "--out", tmp_path / "b")
    assert code == 0, stderr
    assert "Ties" not in stdout


def test_sweep_funding_does_not_depend_on_the_starting_basis():
    """The same samples solved from two starting bases (the nominal jobs optimum, and the
    nominal exports optimum) fund every program the same: the plan of a sample is fixed by the
    data (efficient passes, then the least spending on their face), not by HiGHS's vertex.
    On today's main, lithium_processing got 341 from one basis and 2,500 from the other."""
    import numpy as np

    from allocator.data.inputs import load_inputs
    from allocator.data.uncertainty import latin_hypercube, params_of
    from allocator.solver.passes import optimum
    from allocator.studies.sweep import SampleModel

    inp = load_inputs(ROOT / "inputs" / "peru2040")
    params = params_of(inp)
    model = SampleModel(inp, params, "jobs", "soft")
    samples = latin_hypercube(params, 4, seed=7)
    first = [model.solve(v) for v in samples]
    optimum(model.sample_lp(np.array([p.nominal for p in params])), "exports", ranging=False)
    model.basis = model.lp.highs.getBasis()
    second = [model.solve(v) for v in samples]
    for a, b in zip(first, second, strict=True):
        assert a["status"] == b["status"] == "optimal"
        assert a["objective"] == pytest.approx(b["objective"], rel=1e-9)
        names = set(a["programs"]) | set(b["programs"])
        for p in sorted(names):
            assert a["programs"].get(p, 0.0) == pytest.approx(
                b["programs"].get(p, 0.0), abs=1e-6
            ), p


def _sections(stderr: str) -> tuple[set[str], list[str]]:
    """The row names of the conflicting set, and the relaxation's lines, of `explain`."""
    lines = stderr.splitlines()
    start = next(k for k, x in enumerate(lines) if x.startswith("These constraints conflict"))
    relax = next(k for k, x in enumerate(lines) if x.startswith("The smallest change"))
    conflict = {x.split(":")[0].removeprefix("  - ") for x in lines[start + 1 : relax]}
    return conflict, [x for x in lines[relax + 1 :] if x.startswith("  - ")]


def test_the_relaxation_stays_inside_the_conflicting_set():
    code, _, stderr = cli("explain", "--inputs", DATA / "infeasible")
    assert code == 1
    conflict, changes = _sections(stderr)
    assert conflict == {"budget(public,p1)", "program_floor(a)", "program_floor(b)"}
    assert changes, stderr
    for line in changes:
        assert line.split()[2] in conflict, line
    assert "The smallest change of the rows above" in stderr
    assert "outside the set above" not in stderr


def test_a_relaxation_past_the_conflicting_set_says_why(tmp_path):
    """Two conflicts: floors 60 + 70 on public's 120, and floors 30 + 30 of c and d on other's
    40. The IIS names one of them; no change of its rows alone is enough, so the least change
    (10 + 20) moves a row of the other conflict too, and says so."""
    import shutil

    folder = tmp_path / "two"
    shutil.copytree(DATA / "infeasible", folder)
    with (folder / "programs.csv").open("a") as f:
        f.write("c,s1,2025,2026,100,30,0,1,t\nd,s1,2025,2026,100,30,0,1,t\n")
    (folder / "pools.csv").write_text(
        "pool,phase,budget_musd,source\npublic,p1,120,t\nother,p1,40,t\n"
    )
    (folder / "eligibility.csv").write_text(
        "pool,program,source\npublic,a,t\npublic,b,t\nother,c,t\nother,d,t\n"
    )
    code, _, stderr = cli("explain", "--inputs", folder)
    assert code == 1
    conflict, changes = _sections(stderr)
    assert "least total change, each in its row's unit: 30" in stderr
    assert "has more than one conflict" in stderr
    outside = [x for x in changes if x.split()[2] not in conflict]
    assert outside, stderr
    assert all(x.endswith("; outside the set above)") for x in outside)
    assert all("outside the set above" not in x for x in changes if x.split()[2] in conflict)


def test_json_summary_carries_money_and_ties(tmp_path):
    code, stdout, stderr = cli("solve", "--inputs", BUDGETS, "--out", tmp_path / "run", "--json")
    assert code == 0, stderr
    import json

    data = json.loads(stdout)  # exactly one document
    money = {"budget": 290.0, "spent": 190.0, "unspent": 100.0}
    no_risk = {"budget": 0.0, "spent": 0.0, "unspent": 0.0}
    assert data["money_musd"] == {**money, "pools": money, "risk_mitigation": no_risk}
    assert data["ties"] > 0  # c's 90 may go in 2027 or 2028


def test_risk_summary_says_which_number_is_which(tmp_path):
    """Under --risk cvar the headline is an expectation over the scenarios; the jobs path is
    the nominal data's, the number outcomes.csv holds."""
    out = tmp_path / "run"
    code, stdout, stderr = cli("solve", "--risk", "cvar", "--scenarios", "4", "--out", out)
    assert code == 0, stderr
    assert "expected direct jobs in 2040 over 4 scenarios" in stdout.splitlines()[0]
    outcomes = pd.read_csv(out / "outcomes.csv")
    total = outcomes[(outcomes["dimension"] == "total") & (outcomes["year"] == 2040)]
    jobs, base, new = (float(total[c].iloc[0]) for c in ("jobs", "jobs_base", "jobs_new"))
    line = next(x for x in stdout.splitlines() if x.startswith("  jobs ("))
    assert line.startswith("  jobs (nominal data, jobs):")
    assert line.endswith(f"2040 {jobs:,.0f} ({base:,.0f} existing + {new:,.0f} new)")


def test_allocation_png_totals_are_the_terminal_totals(tmp_path, monkeypatch):
    """The phase totals written on allocation.png are the rounded totals the terminal shows,
    so they add up to the shown grand total (38,882 for the issue's 4,208.4 + 17,166.4 +
    17,507.4, where rounding each alone gives 38,881)."""
    from matplotlib.axes import Axes

    from allocator.report.plots import plot_allocation

    written: list[str] = []
    real = Axes.annotate

    def record(self, text, *args, **kwargs):
        written.append(text)
        return real(self, text, *args, **kwargs)

    monkeypatch.setattr(Axes, "annotate", record)
    alloc = pd.DataFrame(
        {
            "sector": ["s1", "s2", "s3"],
            "phase": ["p1", "p2", "p3"],
            "year": [2025, 2028, 2033],
            "invest_musd": [4208.4, 17166.4, 17507.4],
        }
    )
    plot_allocation(alloc, tmp_path / "allocation.png", "test")
    grid = pd.DataFrame(
        [[4208.4, 0, 0], [0, 17166.4, 0], [0, 0, 17507.4]],
        index=pd.Index(["s1", "s2", "s3"], name="sector"),
        columns=["p1", "p2", "p3"],
    )
    shown = rounded_grid(grid).loc["total"]
    assert written == [f"{int(shown[p]):,}" for p in ("p1", "p2", "p3")]
    assert sum(int(w.replace(",", "")) for w in written) == 38882 == shown["total"]
