"""Task p4 (landed by task m1): the years of the plan's risk mitigation are fixed by a rule, not
by HiGHS's path, on both paths that decide them.

`othermoney.least_other_money` first finds the least risk mitigation and carried money the plan's
investments need (as before), then, with that least held on its optimal face, each risk's
mitigation as late as the cover allows: by every year, the least mitigation spent that covers
the money exposed by then (docs/outputs.md, 'Ties'). The tie rule ends with it
(`ties.tie_classes`), and so does a plan where no tie is found (`othermoney.least_money`).

tests/mitigation_years, by hand: pool public has 45 in p1 (2025) and 45 in p2 (2026);
a (cap 60, 2026 only) and b (cap 120, 2025-2026) both make 10 jobs a US$ million at the 2026
milestone. Job-years put b's 45 in 2025; the 45 of 2026 is a tie between a and b, split by the
caps 60:120 (a 30, b 15). Risk tech (coverage 5) covers all of a's money: 30 in 2026, so 6 of
mitigation, needed by 2026 only: the rule spends it in 2026 (0 in 2025). Risk zeta (coverage 2)
covers half of b's money: 22.5 exposed by 2025 and 30 by 2026, so 11.25 by 2025 and 15 in all:
11.25 in 2025, 3.75 in 2026. Before the rule the plan spent 6 and 15 in 2025 (one vertex of
the least total's face: any split with 11.25 or more of zeta's by 2025 was as good). Nothing is
carried (no later phase needs more than its budget).

The same case without a (`_untied`: b alone, exposed to tech with weight 1 and to zeta with 0.5)
has no tie: b takes 45 in 2025 and 45 in 2026. Tech needs 45 / 5 = 9 by 2025 and 90 / 5 = 18 in
all: 9 in 2025, 9 in 2026; zeta 22.5 / 2 = 11.25 by 2025 and 45 / 2 = 22.5 in all: 11.25 and
11.25. Before the rule that path kept the first LP's vertex: 18 and 22.5, all in 2025.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from allocator.data.inputs import load_inputs
from allocator.pipeline import solve_inputs, tables_of
from allocator.solver import othermoney, ties
from conftest import settled_face

YEARS = Path(__file__).resolve().parent / "mitigation_years"
RULE = {
    ("tech", 2025): 0.0,
    ("tech", 2026): 6.0,
    ("zeta", 2025): 11.25,
    ("zeta", 2026): 3.75,
}
"""The rule's mitigation by (risk, year), in US$ million (module docstring)."""


def _solve(folder: Path) -> tuple[dict[tuple[str, int], float], dict[str, float], dict]:
    """The plan on `folder` (jobs, soft targets): mitigation by (risk, year) and carried money
    by variable name from reduced_costs.csv, and the investments by (program, year)."""
    inp = load_inputs(folder)
    sol, _ = solve_inputs(inp, "jobs", targets="soft")
    tables = tables_of(inp, sol)
    rc = tables["reduced_costs"]
    mitigate = rc[rc["family"] == "mitigate"]
    carry = rc[rc["family"] == "carry"]
    alloc = tables["allocation"].groupby(["program", "year"])["invest_musd"].sum()
    return (
        {(r.risk, int(r.year)): float(r.value) for r in mitigate.itertuples()},
        {str(r.variable): float(r.value) for r in carry.itertuples()},
        {k: float(v) for k, v in alloc.items()},
    )


def _copy(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(YEARS, tmp_path / name))


def _reverse_rows(path: Path) -> None:
    """The file's data rows in the reverse order, its header first."""
    head, *rows = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([head, *rows[::-1]]) + "\n", encoding="utf-8")


def _swap_names(folder: Path, one: str, other: str) -> None:
    """Risk `one` renamed `other` and the reverse, in risks.csv and exposures.csv."""
    for name in ("risks.csv", "exposures.csv"):
        path = folder / name
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace(one, "\0").replace(other, one).replace("\0", other), encoding="utf-8"
        )


def test_the_investments_are_the_hand_solved_ones():
    """The case the mitigation follows from: b's 45 in 2025, the 2026 tie split 30:15."""
    _, _, invest = _solve(YEARS)
    assert invest == pytest.approx({("a", 2026): 30.0, ("b", 2025): 45.0, ("b", 2026): 15.0})


def test_each_risks_mitigation_is_spent_as_late_as_the_cover_allows():
    mitigation, carry, _ = _solve(YEARS)
    assert mitigation == pytest.approx(RULE, abs=1e-9)
    assert carry == pytest.approx({"carry(public,p1)": 0.0}, abs=1e-9)


@pytest.mark.parametrize(
    "change",
    ["risks", "exposures", "programs", "all rows", "risk names"],
)
def test_the_years_are_the_same_for_any_order_of_rows_and_names(tmp_path, change):
    """Reversed rows (risks.csv, exposures.csv, programs.csv: the LP's columns and rows in
    another order) and the two risks' names swapped give the rule's years."""
    folder = _copy(tmp_path, "data")
    want = RULE
    if change == "risk names":
        _swap_names(folder, "tech", "zeta")
        want = {("zeta" if r == "tech" else "tech", y): v for (r, y), v in RULE.items()}
    else:
        names = ["risks", "exposures", "programs"] if change == "all rows" else [change]
        for name in names:
            _reverse_rows(folder / f"{name}.csv")
    mitigation, _, _ = _solve(folder)
    assert mitigation == pytest.approx(want, abs=1e-9)


def test_the_rule_keeps_the_least_total_and_the_faces_bounds(monkeypatch):
    """On the settled face: the investments as the split left them, the least total of
    mitigation and carried money (21, as before the rule), and every column's and row's bounds
    in HiGHS as they were before the rule's LPs."""
    from allocator.solver import programcols

    lp, face, x = settled_face(monkeypatch, YEARS)
    picked = ties.split_by_caps(
        face, programcols.program_columns(lp), programcols.program_caps(lp), x, lp
    )
    h = face.highs
    n, m = h.getNumCol(), h.getNumRow()
    cols = h.getCols(n, np.arange(n, dtype=np.int32))[3:5]
    rows = h.getRows(m, np.arange(m, dtype=np.int32))[2:4]
    got = othermoney.least_other_money(face, lp, picked)
    assert all(
        np.array_equal(b, a)
        for b, a in zip(cols, h.getCols(n, np.arange(n, dtype=np.int32))[3:5], strict=True)
    )
    assert all(
        np.array_equal(b, a)
        for b, a in zip(rows, h.getRows(m, np.arange(m, dtype=np.int32))[2:4], strict=True)
    )
    fam = np.array(lp.col_family)
    assert np.array_equal(got[fam == "invest"], picked[fam == "invest"])
    assert float(got[np.isin(fam, ("mitigate", "carry"))].sum()) == pytest.approx(21.0)
    by = {lp.col_index[j]: float(got[j]) for j in np.flatnonzero(fam == "mitigate")}
    assert by == pytest.approx(RULE, abs=1e-9)


def _least_by_year(risk, weights: dict[str, float], invest: dict[tuple[str, int], float]):
    """The rule's mitigation of `risk` by year, computed from the plan's investments alone: the
    money exposed by each year over the coverage is what must be spent by then; by each year of
    the risk's window the most of those needs so far, by its last year the most of all."""
    years = sorted({y for _, y in invest})
    exposed, need = 0.0, {}
    for y in years:
        exposed += sum(w * invest.get((p, y), 0.0) for p, w in weights.items())
        need[y] = exposed / risk.coverage
    window = range(risk.first_year, risk.last_year + 1)
    spent, out = 0.0, {}
    for y in window:
        upto = [v for t, v in need.items() if t <= y or y == risk.last_year]
        by = max([spent, *upto])
        out[(risk.risk, y)], spent = by - spent, by
    return out


def test_the_baselines_mitigation_is_the_least_by_every_year(baseline_solve):
    """On the baseline (one tie class: the rule runs), reduced_costs.csv's mitigation by risk
    and year is the least by every year that covers the money allocation.csv exposes
    (`_least_by_year`, computed by hand from the plan's investments), and the totals are the
    least (4,189.38 in all, as before the rule)."""
    import pandas as pd

    from conftest import BASELINE

    out, _ = baseline_solve
    inp = load_inputs(BASELINE)
    alloc = pd.read_csv(out / "allocation.csv").groupby(["program", "year"])["invest_musd"].sum()
    invest = {(str(p), int(y)): float(v) for (p, y), v in alloc.items()}
    rc = pd.read_csv(out / "reduced_costs.csv")
    rc = rc[rc["family"] == "mitigate"]
    got = {(str(r.risk), int(r.year)): float(r.value) for r in rc.itertuples()}
    want = {}
    for risk in inp.risks:
        weights = {x.program: x.weight for x in inp.exposures if x.risk == risk.risk}
        want |= _least_by_year(risk, weights, invest)
    assert got == pytest.approx(want, abs=1e-4)  # allocation.csv's money is rounded to 1e-9
    assert sum(got.values()) == pytest.approx(4189.38, abs=0.01)
    assert sum(v > 1e-6 for v in got.values()) > len(inp.risks)  # spread over years


UNTIED = {
    ("tech", 2025): 9.0,
    ("tech", 2026): 9.0,
    ("zeta", 2025): 11.25,
    ("zeta", 2026): 11.25,
}
"""The rule's mitigation by (risk, year) where no tie is found (`_untied`), US$ million."""


def _untied(tmp_path: Path, name: str = "untied") -> Path:
    """tests/mitigation_years without program a: b alone, exposed to tech (weight 1) and to zeta
    (weight 0.5). No other plan funds the investments differently (module docstring)."""
    folder = _copy(tmp_path, name)
    source = "hand-made test case (task m1): no tie"
    (folder / "programs.csv").write_text(
        "program,sector,first_year,last_year,cap_musd,lag_years,jobs_per_musd,source\n"
        f"b,s1,2025,2026,120,0,10,{source}\n",
        encoding="utf-8",
    )
    (folder / "exposures.csv").write_text(
        f"program,risk,weight,source\nb,tech,1,{source}\nb,zeta,0.5,{source}\n",
        encoding="utf-8",
    )
    return folder


def test_without_a_tie_the_plan_is_the_hand_solved_one_and_no_tie_is_found(tmp_path):
    folder = _untied(tmp_path)
    sol, _ = solve_inputs(load_inputs(folder), "jobs", targets="soft")
    assert sol.solver["ties"] == 0  # the path `othermoney.least_money` takes
    _, _, invest = _solve(folder)
    assert invest == pytest.approx({("b", 2025): 45.0, ("b", 2026): 45.0})


@pytest.mark.parametrize("change", ["none", "risks", "exposures", "all rows", "risk names"])
def test_without_a_tie_each_risks_mitigation_is_as_late_as_the_cover_allows(tmp_path, change):
    """Where no tie is found (`least_money`) the rule holds too, for any order of rows and
    names: 9 and 9 of tech's, 11.25 and 11.25 of zeta's (was 18 and 22.5 all in 2025)."""
    folder = _untied(tmp_path)
    want = UNTIED
    if change == "risk names":
        _swap_names(folder, "tech", "zeta")
        want = {("zeta" if r == "tech" else "tech", y): v for (r, y), v in UNTIED.items()}
    elif change != "none":
        names = ["risks", "exposures"] if change == "all rows" else [change]
        for name in names:
            _reverse_rows(folder / f"{name}.csv")
    mitigation, carry, _ = _solve(folder)
    assert mitigation == pytest.approx(want, abs=1e-9)
    assert carry == pytest.approx({"carry(public,p1)": 0.0}, abs=1e-9)


def _untied_face(monkeypatch: pytest.MonkeyPatch, folder: Path):
    """The settled face `othermoney.least_money` gets on `folder` (jobs, soft targets), the LP
    and the plan there: the call itself replaced by a stand-in that keeps them."""
    from allocator.solver.compile import build_lp
    from allocator.solver.passes import optimum

    seen = {}

    def keep(lp, face, x):
        seen.update(lp=lp, face=face, x=x)
        return x

    monkeypatch.setattr("allocator.solver.passes.least_money", keep)
    lp, _ = build_lp(load_inputs(folder), "soft")
    optimum(lp, "jobs", ranging=False, ties=True)
    return seen["lp"], seen["face"], seen["x"]


@pytest.mark.parametrize(
    ("window", "lps", "want"),
    [
        ("2025,2026", 2, UNTIED),
        ("2025,2025", 1, {("tech", 2025): 18.0, ("zeta", 2025): 22.5}),
    ],
    ids=["two-years", "one-year"],
)
def test_the_years_lp_runs_only_where_a_risk_has_two_years_with_room(
    monkeypatch, tmp_path, window, lps, want
):
    """The rule's second LP runs where some risk has two or more mitigation columns with room
    on the face; with each risk's window one year (2025: it covers 2026's exposure too) there is
    nothing for it to move and only the least total's LP runs (tech 90 / 5, zeta 45 / 2)."""
    folder = _untied(tmp_path)
    path = folder / "risks.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("2025,2026", window), "utf-8")
    lp, face, x = _untied_face(monkeypatch, folder)
    before = face.solves
    got = othermoney.least_money(lp, face, x)
    assert face.solves - before == lps
    fam = np.array(lp.col_family)
    assert np.array_equal(got[fam == "invest"], x[fam == "invest"])
    by = {lp.col_index[j]: float(got[j]) for j in np.flatnonzero(fam == "mitigate")}
    assert by == pytest.approx(want, abs=1e-9)
