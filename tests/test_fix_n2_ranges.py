"""Task n2, finding 1: a side's range is never the search's step. On the baseline under
`--objective exports`, cutting an export market (aerospace_components, the ev programs) raises
the least target shortfall at once: no cut, however small, keeps today's least. The halving
that looks for where the rate ends stopped at 2^-25 musd (2.98e-08, within its resolution of
0), which the tables printed as the amount the rate held for. The side now holds for none (0)
and says so, in the tables and in the words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from allocator.report.rates import rate_words
from allocator.solver.marginal import RESOLUTION
from conftest import BASELINE, solved

MARKETS = (
    "aerospace_components",
    "ev_battery_systems",
    "ev_charging_infrastructure",
    "ev_electric_motors",
    "ev_power_electronics",
)


@pytest.fixture(scope="module")
def exports():
    """The baseline solved for exports: (inputs, solution, shadow_prices by constraint)."""
    inp, sol, tables = solved(str(BASELINE), "exports")
    return inp, sol, tables["shadow_prices"].set_index("constraint")


def _market_rows(prices: pd.DataFrame, program: str) -> pd.DataFrame:
    return prices[prices.index.str.startswith(f"export_market(program,{program},")]


@pytest.mark.parametrize("program", MARKETS)
def test_a_market_cut_that_raises_the_shortfall_at_once_holds_for_none(exports, program):
    _, _, prices = exports
    rows = _market_rows(prices, program)
    assert len(rows) == 3, program  # 2030, 2035, 2040: one market_musd sets all three
    for name, row in rows.iterrows():
        assert row["down_holds_for"] == 0.0, name  # not 2.98e-08 (2^-25) or another step
        assert row["one_sided"] == "re-solved; down: then shortfall rises", name
        assert row["loss_per_unit_down"] > 0, name
        assert row["shortfall_change_down"] > 0, name  # the whole unit: it rises


def test_no_listed_side_holds_for_an_amount_within_the_search_resolution(exports):
    """Every side of the baseline's exports solve: an amount is 0 (none) or more than the
    halving's resolution, never a step of it."""
    _, _, prices = exports
    for side in ("up_holds_for", "down_holds_for"):
        amounts = prices[side].dropna().to_numpy(dtype=float)
        tiny = amounts[(amounts > 0) & (amounts <= RESOLUTION)]
        assert tiny.size == 0, (side, tiny)


def test_the_words_say_the_rate_holds_for_none_and_the_shortfall_rises_at_once(exports):
    _, _, prices = exports
    row = prices.loc["export_market(program,aerospace_components,2040)"]
    more, less = rate_words(row.rename(None), str(row["unit"]))
    assert "2.98" not in less
    assert "e-08" not in less
    assert "-0.2 musd of exports per musd for no amount: at once the least target" in less
    assert less.startswith("one less musd: -0.2 musd of exports, and the least target shortfall")
    assert "for 60,922.6 musd" in more  # the up side keeps its range


def test_a_re_solve_one_thousandth_of_a_musd_less_finds_the_shortfall_risen(exports):
    """`allocator solve` with aerospace_components' market_musd cut by 1e-3 musd: the least
    target shortfall rises by 1e-3 of the whole unit's rise (4e-05 a musd: at once, at the
    same rate), and exports fall by 1e-3 of the rate. The rate does not hold for any amount at
    today's least shortfall."""
    from allocator.model.measures import FINAL
    from allocator.solver.compile import build_lp
    from allocator.solver.passes import optimum

    inp, sol, prices = exports
    row = prices.loc["export_market(program,aerospace_components,2030)"]
    base = optimum(build_lp(inp, "soft", None, FINAL)[0], "exports", ranging=False)
    assert base.objective == pytest.approx(sol.objective_value, rel=1e-12)
    cut = 1e-3
    markets = tuple(
        m.model_copy(update={"market_musd": m.market_musd - cut})
        if m.program == "aerospace_components"
        else m
        for m in inp.markets
    )
    moved = inp.model_copy(update={"markets": markets})
    found = optimum(build_lp(moved, "soft", None, FINAL)[0], "exports", ranging=False)
    rise = found.least_shortfall - base.least_shortfall
    assert rise > 0
    assert rise == pytest.approx(cut * float(row["shortfall_change_down"]), rel=1e-4)
    assert base.objective - found.objective == pytest.approx(
        cut * float(row["loss_per_unit_down"]), rel=1e-4
    )


def test_terminal_csv_workbook_and_report_agree(solved_run):
    """`allocator solve --objective exports`: the listed market's line, sensitivity.csv, the
    workbook's Sensitivity sheet and report.html all say none, no step of the search."""
    from openpyxl import load_workbook

    folder, res = solved_run("--inputs", BASELINE, "--objective", "exports")
    name = "export_market(program,ev_charging_infrastructure,2030)"
    line = next(ln for ln in res.stdout.splitlines() if f"[{name}" in ln)
    assert "for no amount: at once the least target shortfall rises" in line
    assert "e-08" not in line
    sens = pd.read_csv(folder / "sensitivity.csv").set_index("name")
    assert sens.loc[name, "down_holds_for"] == 0.0
    book = load_workbook(folder / "workbook.xlsx", read_only=True)
    sheet = book["Sensitivity"].iter_rows(values_only=True)
    head = [str(h).split(" (")[0] for h in next(sheet)]  # headers carry units
    cells = [r for r in sheet if r[head.index("name")] == name]
    assert len(cells) == 1
    assert cells[0][head.index("down_holds_for")] == 0
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "for no amount: at once the least target shortfall rises" in html
    assert "4.08718e-08" not in html
    assert "2.98023e-08" not in html
    assert not np.isnan(sens.loc[name, "loss_per_unit_down"])


@pytest.mark.parametrize(
    ("end", "said"),
    [
        ("then no plan", "-0.2 (for no amount: at once no plan is feasible)"),
        ("then shortfall rises", "-0.2 (for no amount: at once the least target shortfall rises)"),
        ("then at its minimum", "-0.2 (for 0 musd, where its number in the data reaches its"),
    ],
)
def test_a_run_of_the_first_step_says_none_too(end, said):
    """A row without whole units (a run folder of the first step) says the rate alone: an
    amount of 0 before no plan or a larger least shortfall is none; at a cell's minimum the
    amount stays (a budget of 0 in the data cut: nothing to cut)."""
    row = pd.Series(
        {
            "gain_per_unit_up": 0.2,
            "up_holds_for": 100.0,
            "loss_per_unit_down": 0.2,
            "down_holds_for": 0.0,
            "holds_for_unit": "musd",
            "one_sided": f"re-solved; down: {end}",
        }
    )
    _, less = rate_words(row, "musd of exports per musd")
    assert less.startswith(f"one less: {said}")
