"""q14: the numbers of a ramped cap are what `--set programs.X.cap_musd` confirms (its cap row
and its yearly absorption rows moved together), while its shadow price stays the cap row's dual;
each side's rate holds for the amount it states."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import BASELINE, run_cli

MEASURE = ("--objective", "exports", "--measure", "cumulative")
CAP = "program_cap(semiconductor_assembly)"


def _solve(tmp_path, name, *args):
    """`allocator solve --inputs BASELINE MEASURE ARGS --json`: (printed document, folder)."""
    out = tmp_path / name
    res = run_cli("solve", "--inputs", BASELINE, *MEASURE, *args, "--json", "--out", out)
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout), out


@pytest.fixture(scope="module")
def ramped(tmp_path_factory):
    """The exports/cumulative baseline: its objective and semiconductor_assembly's cap row."""
    tmp = tmp_path_factory.mktemp("q14")
    doc, out = _solve(tmp, "base")
    prices = pd.read_csv(out / "shadow_prices.csv").set_index("constraint")
    return tmp, doc["objective"]["value"], prices.loc[CAP]


def _moved(tmp, cap):
    doc, _ = _solve(
        tmp, f"cap{cap!r}", "--set", f"programs.semiconductor_assembly.cap_musd={cap!r}"
    )
    return doc["objective"]["value"]


def test_a_ramped_caps_rate_up_is_what_solve_on_the_moved_cap_gives_for_its_amount(ramped):
    tmp, before, row = ramped
    assert row["shadow_price"] == pytest.approx(24.0)  # the cap row alone's dual, kept
    rate, holds = float(row["gain_per_unit_up"]), float(row["up_holds_for"])
    assert rate > 1.0  # 6.8 exports per musd through the ramp rows, not the row's 0
    amount = min(holds, 50.0)
    assert _moved(tmp, 2500 + amount) - before == pytest.approx(rate * amount, rel=1e-6)


def test_a_ramped_caps_unit_down_is_what_solve_on_the_cut_cap_gives(ramped):
    tmp, before, row = ramped
    loss = float(row["loss_of_one_unit_down"])
    assert _moved(tmp, 2499) - before == pytest.approx(-loss, abs=1e-6)
    # at today's least target shortfall no plan has the cap cut (the rate holds for no
    # amount, task w1): the solve of the cut cap finds a plan at a larger least shortfall, as
    # the unit says
    assert float(row["down_holds_for"]) == 0
    assert row["one_sided"].endswith("down: then shortfall rises")
    assert float(row["shortfall_change_down"]) > 0


def test_a_ramped_caps_words_say_which_number_moves_what(ramped):
    _, _, row = ramped
    said = row["description"]
    assert "cap_musd" in said
    assert "shadow_price" in said
    assert "alone" in said.split("shadow_price")[1]  # the dual is the cap row alone's
    assert row["one_sided"].startswith("re-solved")


def _ramped_lp():
    """max x1 + x2 (two years of one program), cap x1 + x2 <= 10 (row 0), ramps x1 <= 3 and
    x2 <= 3 (rows 1, 2: a share of 0.3 of the cap), budget x1 + x2 <= 7 (row 3): 6 at x = (3, 3).
    By hand, cap_musd moved by t (the cap by t, each ramp by 0.3 t): 6 + 0.6 t up to t = 5/3
    (the budget binds), then 7; down 6 - 0.6 t to t = 10 (the cap at 0), then no plan. The cap
    row alone is slack: its dual is 0."""
    import highspy

    from allocator.solver.highs import new_highs

    inf = highspy.kHighsInf
    h = new_highs()
    h.setOptionValue("output_flag", False)
    for _ in range(2):
        h.addVar(0.0, inf)
    h.changeColsCost(2, np.array([0, 1], dtype=np.int32), np.array([1.0, 1.0]))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    for cols, upper in (([0, 1], 10.0), ([0], 3.0), ([1], 3.0), ([0, 1], 7.0)):
        idx = np.array(cols, dtype=np.int32)
        h.addRow(-inf, upper, len(cols), idx, np.ones(len(cols)))
    h.run()
    return h


@pytest.mark.parametrize("shortcuts", [True, False])
def test_a_datum_that_moves_several_rows_has_its_own_rates_and_units(monkeypatch, shortcuts):
    from allocator.solver import probes
    from allocator.solver.marginal import Base
    from allocator.solver.units import listed_rates, ramped_caps

    monkeypatch.setattr(probes, "SHORTCUTS", shortcuts)
    h = _ramped_lp()
    assert h.getInfo().objective_function_value == pytest.approx(6.0)
    together = ramped_caps(
        ["program_cap", "ramp", "ramp", "budget"],
        [("a",), ("a", 2030), ("a", 2031), ("p", "phase1")],
        np.array([10.0, 3.0, 3.0, 7.0]),
    )
    assert list(together) == [0]
    assert together[0][1] == pytest.approx([0.3, 0.3])
    base = Base.of(h)
    assert base.dual[0] == pytest.approx(0.0)  # the cap row alone buys nothing
    zero = np.zeros(4)
    out = listed_rates(
        h, base, (zero, zero), np.array([True, True, True, True]), None, None, together
    )
    assert out["gain_per_unit_up"][0] == pytest.approx(0.6)
    assert out["up_holds_for"][0] == pytest.approx(5 / 3)
    assert out["loss_per_unit_down"][0] == pytest.approx(0.6)
    assert out["down_holds_for"][0] == pytest.approx(10.0)
    assert out["down_end"][0] == "then no plan"
    assert out["gain_of_one_unit_up"][0] == pytest.approx(0.6)
    assert out["loss_of_one_unit_down"][0] == pytest.approx(0.6)
    assert h.getInfo().objective_function_value == pytest.approx(6.0)  # the instance put back
    assert [h.getRow(i)[2] for i in range(4)] == [10.0, 3.0, 3.0, 7.0]


def test_a_datums_rate_where_the_basis_proves_it_needs_no_resolve(monkeypatch):
    from allocator.solver import probes
    from allocator.solver.marginal import Base
    from allocator.solver.units import listed_rates, ramped_caps

    h = _ramped_lp()
    together = ramped_caps(
        ["program_cap", "ramp", "ramp", "budget"],
        [("a",), ("a", 2030), ("a", 2031), ("p", "phase1")],
        np.array([10.0, 3.0, 3.0, 7.0]),
    )
    before = probes.runs(h)
    zero = np.zeros(4)
    # rows read as `>=` limits: the room of each is a cut, which buys nothing, so none is listed
    listed = np.array([False, False, False, False])
    out = listed_rates(h, Base.of(h), (zero, zero), listed, None, None, together)
    assert probes.runs(h) == before
    # the optimal basis (ramps binding, cap and budget basic) holds 0.6 until the budget binds
    assert out["gain_per_unit_up"][0] == pytest.approx(0.6)
    assert out["up_holds_for"][0] == pytest.approx(5 / 3)
    assert out["up_end"][0] == "at least"


def _weighted_lp():
    """x (1 job per musd), y (1 musd of exports per musd); budget x + y <= 10 (row 0), cap
    x <= 4 (row 1). Best jobs 4, best exports 10; the index 0.5 jobs / 4 + 0.5 exports / 10 is
    0.8 at x = 4, y = 6. By hand, as `allocator solve --objective weighted` on the moved data:
    budget 11: bests 4 and 11, index 0.5 + 0.5 x 7 / 11 (+0.0181818); cap 5: bests 5 and 10,
    index 0.5 + 0.25 (-0.05), where the bests held say +0.05 and +0.075 a musd."""
    import highspy

    from allocator.solver.highs import new_highs
    from allocator.solver.wholeunit import Normalised

    inf = highspy.kHighsInf
    h = new_highs()
    h.setOptionValue("output_flag", False)
    for _ in range(2):
        h.addVar(0.0, inf)
    jobs, exports = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    index = 0.5 * jobs / 4 + 0.5 * exports / 10
    h.changeColsCost(2, np.array([0, 1], dtype=np.int32), index)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.addRow(-inf, 10.0, 2, np.array([0, 1], dtype=np.int32), np.ones(2))
    h.addRow(-inf, 4.0, 1, np.array([0], dtype=np.int32), np.ones(1))
    h.run()
    return h, Normalised(((0.5, jobs), (0.5, exports)), index)


def test_a_weighted_whole_unit_finds_each_measures_best_again():
    from allocator.solver.marginal import Base
    from allocator.solver.units import listed_rates

    h, norm = _weighted_lp()
    assert h.getInfo().objective_function_value == pytest.approx(0.8)
    zero = np.zeros(2)
    out = listed_rates(h, Base.of(h), (zero, zero), np.array([True, True]), None, None, None, norm)
    assert out["gain_per_unit_up"] == pytest.approx([0.05, 0.075])  # the bests held
    assert out["gain_of_one_unit_up"][0] == pytest.approx(0.5 + 0.5 * 7 / 11 - 0.8)
    assert out["gain_of_one_unit_up"][1] == pytest.approx(-0.05)
    assert h.getInfo().objective_function_value == pytest.approx(0.8)  # put back
    assert list(h.getLp().col_cost_) == pytest.approx(list(norm.cost))


@pytest.fixture(scope="module")
def weighted(tmp_path_factory):
    """The weighted baseline's printed document and the rare earths cap's row."""
    tmp = tmp_path_factory.mktemp("weighted")
    args = ("--inputs", BASELINE, "--objective", "weighted", "--json")
    res = run_cli("solve", *args, "--out", tmp / "base")
    assert res.exit_code == 0, res.stderr
    prices = pd.read_csv(tmp / "base" / "shadow_prices.csv").set_index("constraint")
    return tmp, json.loads(res.stdout), prices.loc["program_cap(rare_earths_processing)"], args


def test_a_weighted_runs_unit_less_is_what_solve_on_the_moved_data_gives(weighted):
    """One unit less (one more: tests/test_hunt14_found.py); the bests held said -4.5e-05."""
    tmp, before, row, args = weighted
    cap, column, sign = 2199, "loss_of_one_unit_down", -1
    res = run_cli(
        "solve",
        *args,
        "--set",
        f"programs.rare_earths_processing.cap_musd={cap}",
        "--out",
        tmp / str(cap),
    )
    assert res.exit_code == 0, res.stderr
    change = json.loads(res.stdout)["objective"]["value"] - before["objective"]["value"]
    assert sign * float(row[column]) == pytest.approx(change, rel=1e-6, abs=1e-9)


def test_a_weighted_index_at_both_bests_lists_no_room_that_buys(weighted):
    _, before, row, _ = weighted
    # the plan reaches the best jobs and the best exports at once: no move raises the index
    # once the bests are found again, so no limit is listed (the bests held said +4.5e-05)
    assert before["objective"]["value"] == pytest.approx(1.0)
    assert float(row["gain_per_unit_up"]) > 1e-5
    assert before["top_shadow_prices"] == []


def test_a_weighted_rate_says_it_holds_the_bests_and_makes_no_average_of_both():
    from types import SimpleNamespace

    from allocator.report.rates import rate_words

    row = SimpleNamespace(
        gain_per_unit_up=4.5e-5,
        up_holds_for=0.08,
        loss_per_unit_down=4.5e-5,
        down_holds_for=200.0,
        gain_of_one_unit_up=-2.2e-6,
        loss_of_one_unit_down=0.0,
        shortfall_change_up=0.0,
        shortfall_change_down=0.0,
        holds_for_unit="musd",
        one_sided="re-solved",
    )
    more, less = rate_words(row, "index per musd")
    assert more == (
        "one more musd: -2.2e-06 index (+4.5e-05 index per musd with each measure's best held "
        "for 0.08 musd)"
    )
    assert "best held for 200 musd" in less


def test_above_the_resolve_size_a_datums_numbers_are_not_computed_nor_the_rows_alone(
    monkeypatch,
):
    """Above `EXTEND_UP_TO` nonzeros no side is re-solved (nor the basis's reach along the move
    read): the cap's rates and units are empty, never its row alone's under cap_musd's words."""
    from allocator.solver import probes, units
    from allocator.solver.marginal import Base
    from allocator.solver.units import listed_rates, ramped_caps

    monkeypatch.setattr(units, "EXTEND_UP_TO", 0)
    h = _ramped_lp()
    together = ramped_caps(
        ["program_cap", "ramp", "ramp", "budget"],
        [("a",), ("a", 2030), ("a", 2031), ("p", "phase1")],
        np.array([10.0, 3.0, 3.0, 7.0]),
    )
    before = probes.runs(h)
    big = np.full(4, 5.0)  # the rows alone's ranges: 0 a musd for 5 musd each way
    out = listed_rates(h, Base.of(h), (big, big), np.ones(4, dtype=bool), None, None, together)
    assert probes.runs(h) == before
    for column in ("gain_per_unit_up", "loss_per_unit_down", "gain_of_one_unit_up"):
        assert np.isnan(out[column][0]), column
    assert out["gain_per_unit_up"][3] == 0.0  # the budget (basic) keeps its own
