"""Issue 30, task lim: the tables after the solve, less Python at 1e6 nonzeros, the same values.

- `column_limits` takes each column's least ratio over its contiguous entries (`reduceat`, not
  `minimum.at` over every entry) and reads each entry's room once per side: pinned against a
  plain per-column loop on the baseline's solution and on a hand-made matrix with an empty
  column, an explicit zero, negative coefficients, a violated row and infinite rooms.
- `limits`' unit column is looked up once per run of equal family names: pinned against a
  per-variable lookup, families in any order.
- Text columns (statuses, senses, flags) come from `select_text`, Python strings rather than
  numpy's fixed-width text: pinned against `np.select`.
- The solution's label columns read each family's block at once, the years into Int64 as an
  array: pinned against an entry-by-entry reading of the baseline's LP and a hand-made one.
- Outcomes: a group's capital, jobs and exports summed from per-year program tables in the
  group's order (the same float sums); capital and exports read from columns, not row tuples:
  pinned against a sum per group on the baseline and a hand-made allocation.
- `unspent.Holds.held` reads the entries of a pool's columns at once (not one Python loop per
  column) and a tight row's labels from arrays (not a pandas row): pinned against the
  per-column form on the baseline's budgets and on a hand-made solution.
- The allocation's funded columns found and read as arrays: pinned against a row-by-row reading.
"""

from __future__ import annotations

import math
from collections import defaultdict
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from allocator.data.inputs import load_inputs
from allocator.model import families
from allocator.model.families import BY_KIND, FAMILIES, VARIABLES
from allocator.model.sparse import CscMatrix
from allocator.report import limits as limits_module
from allocator.report import outcomes as outcomes_module
from allocator.report.budgets import budgets
from allocator.report.limits import column_limits, limits
from allocator.report.outcomes import capital_by_program, counted_jobs_by_program
from allocator.report.tables import select_text
from allocator.report.unspent import TIGHT, Holds, why_pool
from allocator.solver import results as results_module
from allocator.solver.compile import build_lp
from conftest import BASELINE, limits_by_loop, solved

# --- independent computations: one column, one entry at a time, in plain Python ---------------


def loop_limits(matrix, x, cl, cu, rl, ru):
    """Each column's limits by a ratio test over its entries, one at a time."""
    act = [0.0] * matrix.shape[0]
    for j in range(matrix.shape[1]):
        for k in range(matrix.indptr[j], matrix.indptr[j + 1]):
            act[int(matrix.indices[k])] += float(matrix.data[k]) * float(x[j])

    def entries(j):
        span = range(matrix.indptr[j], matrix.indptr[j + 1])
        return ((int(matrix.indices[k]), float(matrix.data[k])) for k in span)

    return limits_by_loop(entries, act, x, cl, cu, rl, ru)


def loop_reasons(sol, matrix, j):
    """Why column j holds no more money, one entry and one pandas row at a time (the form the
    words were first written in)."""
    rows, cols = sol.rows, sol.columns
    if cols["upper"].iloc[j] <= 0:
        return {("outside its timing window", None)}
    found = set()
    for k in range(matrix.indptr[j], matrix.indptr[j + 1]):
        i, a = int(matrix.indices[k]), float(matrix.data[k])
        row = rows.iloc[i]
        up, lo, body = float(row["upper"]), float(row["lower"]), float(row["body"])
        at_up = math.isfinite(up) and up - body <= TIGHT * max(1.0, abs(up))
        at_lo = math.isfinite(lo) and body - lo <= TIGHT * max(1.0, abs(lo))
        if not ((a > 0 and at_up) or (a < 0 and at_lo)):
            continue
        fam = str(row["family"])
        dims = families.family_of(fam).dims
        year = int(row["year"]) if "year" in dims else None
        if fam == "budget":
            continue
        if fam == "program_cap":
            found.add(("at its cap (program_cap)", None))
        elif fam == "ramp":
            found.add(("at its absorption limit (ramp)", year))
        else:
            labels = ",".join(str(row[d]) for d in dims if d != "year")
            found.add((f"{fam}({labels}) is tight", year))
    unit = f"{sol.objective_unit} per musd"
    return found or {(f"more money would not raise the objective (reduced cost <= 0 {unit})", None)}


# --- column_limits ----------------------------------------------------------------------------


def _limits_arrays(sol):
    cols, rows = sol.columns, sol.rows
    return (
        sol.view.matrix,
        cols["value"].to_numpy(dtype=float),
        cols["lower"].to_numpy(dtype=float),
        cols["upper"].to_numpy(dtype=float),
        rows["lower"].to_numpy(dtype=float),
        rows["upper"].to_numpy(dtype=float),
    )


def test_column_limits_of_the_baseline_equal_a_loop_over_each_column():
    _, sol, tables = solved(str(BASELINE))
    args = _limits_arrays(sol)
    found = column_limits(*args)
    low, up = loop_limits(*args)
    np.testing.assert_array_equal(found.lower, low)
    np.testing.assert_array_equal(found.upper, up)
    moves = (found.upper > args[1]).sum(), (found.lower < args[1]).sum()
    assert min(moves) > 0  # not a case where nothing can move
    written = np.where(np.abs(up) < 1e-9, 0.0, up) + 0.0  # noise below 1e-9 written as 0
    assert tables["limits"]["upper_limit"].to_numpy().tolist() == written.tolist()


def test_column_limits_of_a_hand_made_matrix():
    # r0: x0 + 2 x1 + x2 - x3 <= 10 (activity 6); r1: 1 <= -x1 + x3 (activity 2, no upper);
    # r2: x0 + 0 x2 <= 4 (activity 5: violated, no room up), its 0 an explicit entry that
    # limits nothing (0 / 0 would be NaN); column 4 is in no row
    indptr = np.array([0, 2, 4, 6, 8, 8])
    indices = np.array([0, 2, 0, 1, 0, 2, 0, 1], dtype=np.int32)
    data = np.array([1.0, 1.0, 2.0, -1.0, 1.0, 0.0, -1.0, 1.0])
    matrix = CscMatrix(indptr, indices, data, (3, 5))
    x = np.array([5.0, 2.0, 1.0, 4.0, 7.0])
    cl, cu = np.zeros(5), np.array([6.0, np.inf, 5.0, np.inf, 9.0])
    rl, ru = np.array([-np.inf, 1.0, -np.inf]), np.array([10.0, np.inf, 4.0])
    found = column_limits(matrix, x, cl, cu, rl, ru)
    # x0 up: r2 has no room (0); down: no lower side anywhere, to its bound 0
    # x1 up: r0 (4 / 2) and r1 (a = -1: its room down, 1); down: r1's room up is inf, to 0
    # x2 up: r0 (4 / 1), r2's zero nothing, its bound 5; down to 0
    # x3 up: r0 (a = -1: room down inf) and r1 (room up inf); down: r0 (room up 4 / 1) and
    # r1 (room down 1): 3. Column 4: its bounds alone.
    assert found.upper.tolist() == [5.0, 3.0, 5.0, np.inf, 9.0]
    assert found.lower.tolist() == [0.0, 0.0, 0.0, 3.0, 0.0]
    low, up = loop_limits(matrix, x, cl, cu, rl, ru)
    assert (found.lower.tolist(), found.upper.tolist()) == (low.tolist(), up.tolist())


def test_a_matrix_without_entries_has_the_bounds_as_limits():
    matrix = CscMatrix(np.zeros(3, dtype=np.int64), np.zeros(0, np.int32), np.zeros(0), (1, 2))
    found = column_limits(
        matrix, np.array([1.0, 2.0]), np.zeros(2), np.array([4.0, np.inf]), [0.0], [1.0]
    )
    assert found.upper.tolist() == [4.0, np.inf]
    assert found.lower.tolist() == [0.0, 0.0]


def test_limit_units_equal_a_lookup_per_variable():
    _, sol, tables = solved(str(BASELINE))
    cols = sol.columns
    want = []
    for fam, kind in zip(cols["family"], cols.get("kind", [None] * len(cols)), strict=True):
        unit = VARIABLES[fam].unit if fam in VARIABLES else ""
        want.append(("jobs" if kind == "jobs" else "musd") if unit == BY_KIND else unit)
    assert tables["limits"]["unit"].tolist() == want
    assert len(set(want)) > 1
    assert tables["limits"]["unit"].dtype == cols["family"].dtype  # a text column, as before
    frame = limits(sol)
    assert "lower_limit" not in sol.columns  # the solution's own table is left as it was
    assert frame["variable"].tolist() == cols["variable"].tolist()


def test_hand_made_units_in_any_order():
    cols = pd.DataFrame(
        {
            "family": pd.array(["invest", "excess", "invest", "shortfall", "shortfall", "x"]),
            "kind": [None, None, None, "jobs", "exports", None],
        }
    )
    assert limits_module.variable_units(cols).tolist() == [
        "musd",
        "jobs",
        "musd",
        "jobs",
        "musd",
        "",
    ]
    assert limits_module.variable_units(cols[["family"]]).tolist()[3:] == [BY_KIND, BY_KIND, ""]
    assert limits_module.variable_units(cols.iloc[:0]).tolist() == []


# --- why money stays ------------------------------------------------------------------------


def test_baseline_budget_words_equal_the_per_column_form():
    inp, sol, tables = solved(str(BASELINE))
    matrix = sol.view.matrix
    held = Holds(sol, matrix)
    invest = np.flatnonzero((sol.columns["family"] == "invest").to_numpy())
    for j in invest.tolist():
        assert set(held.reasons(j)) == loop_reasons(sol, matrix, j), j
    table = budgets(inp, sol, matrix)
    said = table["why_unspent"].tolist()
    assert sum(w.startswith("every eligible program is held") for w in said) >= 3
    assert table.equals(tables["budgets"])


def _hand_made():
    """Four investment columns of one pool, five rows: budget (tight), ramp(p,2026) (tight at
    its upper bound), group_max(sector,mining,all) (tight), program_cap(q) (room), and a
    link row tight at its lower bound."""
    cols = pd.DataFrame(
        {
            "family": ["invest"] * 4,
            "program": ["p", "q", "r", "s"],
            "upper": [10.0, 10.0, 0.0, 10.0],
        }
    )
    rows = pd.DataFrame(
        {
            "family": ["budget", "ramp", "group_max", "program_cap", "enable"],
            "program": [None, "p", None, "q", None],
            "dimension": [None, None, "sector", None, None],
            "member": [None, None, "mining", None, None],
            "phase": ["early", None, "all", None, None],
            "link": [None, None, None, None, "zones"],
            "year": pd.array([None, 2026, None, None, 2027], dtype="Int64"),
            "body": [5.0, 3.0, 8.0, 1.0, 0.0],
            "lower": [-np.inf, -np.inf, -np.inf, -np.inf, 0.0],
            "upper": [5.0, 3.0, 8.0, 2.0, np.inf],
        }
    )
    # p: budget, ramp, group; q: budget, cap (room); r: window; s: budget, link (a < 0: tight)
    matrix = CscMatrix.from_triplets(
        [0, 1, 2, 0, 3, 0, 0, 4], [0, 0, 0, 1, 1, 2, 3, 3], [1, 1, 1, 1, 1, 1, 1, -1], (5, 4)
    )
    return SimpleNamespace(columns=cols, rows=rows, objective_unit="jobs"), matrix


def test_hand_made_reasons():
    sol, matrix = _hand_made()
    held = Holds(sol, matrix)
    price = "more money would not raise the objective (reduced cost <= 0 jobs per musd)"
    assert sorted(held.held([0, 1, 2, 3]), key=str) == sorted(
        [
            ("at its absorption limit (ramp)", 2026, "p"),
            ("group_max(sector,mining,all) is tight", None, "p"),
            (price, None, "q"),
            ("outside its timing window", None, "r"),
            ("enable(zones) is tight", 2027, "s"),
        ],
        key=str,
    )
    assert held.held([]) == []
    for j in range(4):
        assert set(held.reasons(j)) == loop_reasons(sol, matrix, j)


def test_hand_made_pool_words():
    sol, matrix = _hand_made()
    pool = SimpleNamespace(budget_musd=5.0, assumption="")
    words = why_pool(pool, 1.0, [0, 1, 2, 3], Holds(sol, matrix), True)
    assert words == (
        "every eligible program is held: at its absorption limit (ramp) in 2026: p; "
        "more money would not raise the objective (reduced cost <= 0 jobs per musd): q; "
        "outside its timing window: r; enable(zones) is tight in 2027: s; "
        "group_max(sector,mining,all) is tight: p"
    )
    assert why_pool(pool, 1.0, [1, 3], Holds(sol, matrix), True) == (
        "every eligible program is held: "
        "more money would not raise the objective (reduced cost <= 0 jobs per musd): q; "
        "enable(zones) is tight in 2027: s"
    )


# --- text columns and the solution's label columns -------------------------------------------


def test_select_text_is_np_select_as_python_strings():
    rng = np.random.default_rng(7)
    conditions = [rng.random(500) < 0.3, rng.random(500) < 0.5, np.zeros(500, dtype=bool)]
    choices = ["fixed", "at lower bound", "never"]
    found = select_text(conditions, choices, "between bounds")
    assert found.dtype == object
    assert {type(v) for v in found} == {str}
    assert found.tolist() == np.select(conditions, choices, "between bounds").tolist()
    assert set(found.tolist()) == {"fixed", "at lower bound", "between bounds"}
    assert select_text([np.array([True, False])], ["<="], ">=").tolist() == ["<=", ">="]


def test_baseline_statuses_and_flags_equal_np_select():
    _, sol, tables = solved(str(BASELINE))
    cols = sol.columns
    value, lower, upper = cols["value"], cols["lower"], cols["upper"]
    want = np.select(
        [
            (upper - lower).abs() <= 1e-9,
            (value - lower).abs() <= 1e-9,
            (upper - value).abs() <= 1e-9,
        ],
        ["fixed", "at lower bound", "at upper bound"],
        default="between bounds",
    )
    status = tables["reduced_costs"]["status"]
    assert status.tolist() == want.tolist()
    assert len(set(want.tolist())) >= 3
    assert status.dtype == cols["family"].dtype
    sense = tables["shadow_prices"]["sense"].tolist()
    assert sense == np.where(np.isfinite(sol.rows["upper"]), "<=", ">=").tolist()
    flags = tables["sensitivity"]["flag"]
    assert flags.dtype == status.dtype
    assert flags.str.startswith("degenerate").any()


def _every_label(families_, indices, dims):
    """The label columns read one entry at a time."""
    names = {d for f in families_ for d in dims[f].dims}
    out = {n: [None] * len(families_) for n in names}
    for i, (fam, index) in enumerate(zip(families_, indices, strict=True)):
        for n, v in zip(dims[fam].dims, index, strict=True):
            out[n][i] = v
    return out


@pytest.mark.parametrize("side", ["col", "row"])
def test_baseline_label_columns_equal_an_entry_by_entry_reading(side):
    lp = build_lp(load_inputs(BASELINE), "soft")[0]
    if side == "col":
        head, fams, index, dims = (
            results_module._column_head(lp),
            lp.col_family,
            lp.col_index,
            VARIABLES,
        )
    else:
        head, fams, index, dims = (
            results_module._row_head(lp),
            lp.row_family,
            lp.row_index,
            FAMILIES,
        )
    want = _every_label(fams, index, dims)
    assert set(want) == set(head.columns) - {"variable", "constraint", "family"}
    for name, values in want.items():
        got = head[name]
        if name == "year":
            assert str(got.dtype) == "Int64"
            assert [None if v is pd.NA else int(v) for v in got] == values
        else:
            assert got.dtype == object, name
            assert got.tolist() == values, name


def test_hand_made_labels_with_a_year_that_is_not_an_integer():
    dims = {
        "a": SimpleNamespace(dims=("program", "year")),
        "b": SimpleNamespace(dims=()),
        "c": SimpleNamespace(dims=("pool", "year")),
    }
    fams = ["a", "a", "b", "c", "c"]
    ints = [("x", 2025), ("y", 2026), (), ("p", np.int64(2027)), ("q", 2028)]
    frame = results_module._labels(fams, ints, dims)
    assert list(frame.columns) == ["program", "pool", "year"]
    assert frame["year"].tolist() == [2025, 2026, pd.NA, 2027, 2028]
    assert str(frame["year"].dtype) == "Int64"
    assert frame["program"].tolist() == ["x", "y", None, None, None]
    assert frame["pool"].tolist() == [None, None, None, "p", "q"]
    floats = [("x", 2025), ("y", 2026), (), ("p", 2027.0), ("q", 2028.0)]
    again = results_module._labels(fams, floats, dims)
    assert again["year"].tolist() == [2025, 2026, pd.NA, 2027, 2028]
    assert str(again["year"].dtype) == "Int64"


# --- outcomes ---------------------------------------------------------------------------------


def test_baseline_outcome_sums_equal_a_sum_per_group_and_year():
    inp, sol, tables = solved(str(BASELINE))
    capital = defaultdict(float)
    for row in tables["allocation"].itertuples(index=False):
        lag = next(p.lag_years for p in inp.programs if p.program == row.program)
        for m in inp.milestones:
            if int(row.year) + lag <= m.year:
                capital[(row.program, m.year)] += float(row.invest_musd)
    jobs = counted_jobs_by_program(inp, dict(capital))
    cols = sol.columns
    exports = {
        (r.program, int(r.year)): r.value
        for r in cols[cols["family"] == "exports"].itertuples(index=False)
    }
    seen = 0
    for r in tables["outcomes"].itertuples(index=False):
        member = "" if r.member == "all" else r.member
        progs = [
            p.program
            for p in inp.programs
            if r.dimension == "total" or getattr(p, r.dimension) == member
        ]
        assert r.capital_musd == sum(capital.get((p, r.year), 0.0) for p in progs)
        assert r.jobs_new == sum(jobs.get((p, r.year), 0.0) for p in progs)
        assert r.exports_new_musd == sum(exports.get((p, r.year), 0.0) for p in progs)
        seen += r.capital_musd > 0 and r.exports_new_musd > 0
    assert seen >= 5


def test_hand_made_capital_and_exports_by_year():
    inp = SimpleNamespace(
        programs=[
            SimpleNamespace(program="a", lag_years=0),
            SimpleNamespace(program="b", lag_years=2),
        ],
        milestones=[SimpleNamespace(year=2030), SimpleNamespace(year=2035)],
    )
    alloc = pd.DataFrame(
        {
            "program": ["a", "a", "b", "b"],
            "year": [2029, 2031, 2029, 2033],
            "invest_musd": [1.5, 2.0, 4.0, 1.0],
        }
    )
    capital = capital_by_program(inp, alloc)
    assert dict(capital) == {("a", 2030): 1.5, ("a", 2035): 3.5, ("b", 2035): 5.0}
    cols = pd.DataFrame(
        {
            "family": pd.array(["invest", "exports", "exports", "carry"], dtype="str"),
            "program": ["a", "a", "b", None],
            "year": pd.array([2030, 2030, 2035, None], dtype="Int64"),
            "value": [9.0, 0.25, 0.5, 1.0],
        }
    )
    exports = outcomes_module._exports(cols)
    assert exports == {("a", 2030): 0.25, ("b", 2035): 0.5}
    assert outcomes_module._by_year(capital, exports) == {
        2030: ({"a": 1.5}, {"a": 0.25}),
        2035: ({"a": 3.5, "b": 5.0}, {"b": 0.5}),
    }


# --- allocation -------------------------------------------------------------------------------


def test_baseline_allocation_equals_a_row_by_row_reading():
    inp, sol, tables = solved(str(BASELINE))
    meta = {p.program: p for p in inp.programs}
    want = []
    for r in sol.columns.itertuples(index=False):
        if r.family == "invest" and r.value > 0:
            p = meta[r.program]
            want.append(
                (r.program, p.name, p.sector, p.export_category or "", p.capital_group or "")
                + (p.mineral or "", r.pool, int(r.year), inp.phase_of_year[int(r.year)], r.value)
            )
    alloc = tables["allocation"]
    assert [tuple(r) for r in alloc.itertuples(index=False)] == sorted(
        want, key=lambda w: (w[0], w[6], w[7])
    )
    assert len(want) > 20
    assert alloc["year"].dtype == np.int64
    assert alloc["name"].dtype == alloc["program"].dtype
    assert "" in set(alloc["mineral"])  # a program without a mineral: an empty text
