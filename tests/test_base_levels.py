"""Issue 25 points 1, 3 and 4: outcomes are levels (a cited base plus what new money adds),
returns diminish past a sector's target, and the minerals differ by the seeds' own numbers."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from allocator.cli.commands import app
from allocator.data.inputs import load_inputs
from allocator.errors import InputError
from conftest import BASELINE, DATA, solved

BASE_CASE = DATA / "base_levels"
MANUFACTURING = (
    "aerospace",
    "automotive",
    "electronics",
    "materials_chemicals",
    "mining_processing",
)


def _row(frame, **labels):
    """The one row of `frame` with these column values."""
    hit = frame
    for k, v in labels.items():
        hit = hit[hit[k] == v]
    assert len(hit) == 1, labels
    return hit.iloc[0]


def _invest(sol, program):
    cols = sol.columns
    return float(cols[(cols["family"] == "invest") & (cols["program"] == program)]["value"].sum())


# --- point 1: a hand-solved case with a base ---------------------------------------------------
# a: sector s1, 10 jobs/musd; b: sector s2, 4 jobs/musd; caps 100; budget 120; 500 and 300 jobs
# exist. The s2 target of 600 needs (600 - 300) / 4 = 75 musd of b; the other 45 go to a.
# Jobs in 2026 = 500 + 300 + 10 x 45 + 4 x 75 = 1,550. One more musd of budget goes to a: +10.


def test_hand_solved_base_soft_targets():
    _inp, sol, tables = solved(str(BASE_CASE))
    assert sol.objective_value == pytest.approx(1550.0)
    assert _invest(sol, "a") == pytest.approx(45.0)
    assert _invest(sol, "b") == pytest.approx(75.0)
    prices = tables["shadow_prices"].set_index("constraint")["shadow_price"]
    assert prices["budget(public,p1)"] == pytest.approx(10.0)
    s2 = _row(tables["outcomes"], dimension="sector", member="s2", year=2026)
    assert (s2["jobs_base"], s2["jobs_new"], s2["jobs"]) == pytest.approx((300, 300, 600))
    assert s2["jobs_shortfall"] == pytest.approx(0.0)
    total = _row(tables["outcomes"], dimension="total", member="all", year=2026)
    assert (total["jobs_base"], total["jobs"]) == pytest.approx((800, 1550))


def test_hand_solved_base_hard_target_price():
    """A hard target one job higher needs 0.25 musd more of b and 0.25 less of a:
    4 x 0.25 - 10 x 0.25 = -1.5 jobs per job of target."""
    _inp, sol, tables = solved(str(BASE_CASE), targets="hard")
    assert sol.objective_value == pytest.approx(1550.0)
    prices = tables["shadow_prices"].set_index("constraint")["shadow_price"]
    assert prices["target(jobs,sector,s2,2026)"] == pytest.approx(-1.5)
    assert prices["budget(public,p1)"] == pytest.approx(10.0)


def test_dataset_without_base_is_as_before():
    _inp, sol, tables = solved(str(DATA / "targets"))
    out = tables["outcomes"]
    assert (out["jobs_base"] == 0).all()
    assert (out["jobs"] == out["jobs_new"]).all()


def test_base_unknown_sector_is_refused(tmp_path):
    case = tmp_path / "case"
    shutil.copytree(BASE_CASE, case)
    text = (case / "base.csv").read_text().replace("jobs,sector,s2,", "jobs,sector,s3,")
    (case / "base.csv").write_text(text)
    with pytest.raises(InputError) as err:
        load_inputs(case)
    assert "base.csv, row 3, column 'member': unknown sector 's3'" in str(err.value)
    res = CliRunner().invoke(app, ["solve", "--inputs", str(case), "--out", str(tmp_path / "r")])
    assert res.exit_code == 2
    assert "Traceback" not in res.output


def test_exports_base_needs_a_category(tmp_path):
    case = tmp_path / "case"
    shutil.copytree(BASE_CASE, case)
    with (case / "base.csv").open("a") as f:
        f.write("exports,sector,s1,2025,10,hand-solved test case\n")
    with pytest.raises(InputError) as err:
        load_inputs(case)
    assert "column 'dimension'" in str(err.value)
    assert "export_category" in str(err.value)


# --- point 1 on the baseline -------------------------------------------------------------------


def test_baseline_bases_add_up_to_the_seeds():
    inp = load_inputs(BASELINE)
    jobs = {b.member: b.value for b in inp.base if b.kind == "jobs"}
    assert sum(jobs[s] for s in MANUFACTURING) == 38000  # seed 000, Total Manufacturing 2025
    assert jobs["mining_processing"] == 20000
    assert jobs["technology_ecosystem"] == 25000  # seed 003, Employment 2025
    assert all(b.source.startswith(("000_", "003_")) for b in inp.base)


def test_baseline_coefficients_are_increments():
    inp = load_inputs(BASELINE)
    rate = {p.program: p.jobs_per_musd for p in inp.programs}
    assert rate["ev_battery_systems"] == pytest.approx((50000 - 2000) / 4000)  # 12
    assert rate["ngf_seed"] == pytest.approx((200000 - 25000) / 5000)  # 35
    assert rate["electronics_assembly"] == pytest.approx((75000 - 5000 - 12000) / 2500)  # 23.2
    for p in inp.programs:
        if p.sector in ("automotive", "technology_ecosystem", "electronics"):
            assert "2025" in p.derivation or "base" in p.derivation, p.program


def test_baseline_mining_2030_counts_existing_jobs():
    _inp, _sol, tables = solved(str(BASELINE))
    mining = _row(tables["outcomes"], dimension="sector", member="mining_processing", year=2030)
    assert mining["jobs_base"] == 20000
    assert mining["jobs"] >= 20000
    assert mining["jobs"] == pytest.approx(mining["jobs_base"] + mining["jobs_new"])


def test_baseline_terminal_counts_the_base(baseline_solve):
    res = baseline_solve[1]  # `solve --inputs BASELINE`, once per session
    output = res.stdout + res.stderr
    assert res.exit_code == 0, output
    assert "mining_processing in 2030: target 35,000, reached 0," not in output
    assert "technology_ecosystem in 2030" not in output or "reached 0," not in output


# --- point 4: returns diminish in tranches (hand-solved) ---------------------------------------
# a: s1, 10 jobs/musd, 500 exist; past 800 jobs (30 musd of a) only 0.2 of a's jobs count (2 per
# musd); b: s2, 4 jobs/musd, cap 100; budget 160. So a 30 (10 each), then b 100 (4 each), then a
# 30 more (2 each): jobs = 500 + 300 + 400 + 60 = 1,260; one more musd buys 2; a tranche level
# one job higher lets one more job count in full: 1 - 0.2 = 0.8.
TRANCHE_CASE = DATA / "tranches"


def test_hand_solved_tranche():
    _inp, sol, tables = solved(str(TRANCHE_CASE))
    assert sol.objective_value == pytest.approx(1260.0)
    assert _invest(sol, "a") == pytest.approx(60.0)
    assert _invest(sol, "b") == pytest.approx(100.0)
    prices = tables["shadow_prices"].set_index("constraint")["shadow_price"]
    assert prices["budget(public,p1)"] == pytest.approx(2.0)
    assert prices["tranche(s1,800,2026)"] == pytest.approx(0.8)
    s1 = _row(tables["outcomes"], dimension="sector", member="s1", year=2026)
    assert (s1["jobs_base"], s1["jobs_new"], s1["jobs"]) == pytest.approx((500, 360, 860))


def test_tranche_shares_may_not_rise(tmp_path):
    case = tmp_path / "case"
    shutil.copytree(TRANCHE_CASE, case)
    with (case / "tranches.csv").open("a") as f:
        f.write("jobs,sector,s1,900,0.5,hand-solved test case\n")
    with pytest.raises(InputError) as err:
        load_inputs(case)
    assert "tranches.csv, row 3, column 'share'" in str(err.value)
    assert "returns would grow" in str(err.value)


# --- point 4 on the baseline -------------------------------------------------------------------


def test_baseline_sectors_above_target_say_why():
    inp, sol, tables = solved(str(BASELINE))
    out = tables["outcomes"]
    last = out[(out["dimension"] == "sector") & (out["year"] == inp.last_milestone)]
    above = last[last["jobs"] > 1.25 * last["jobs_target"].astype(float)]
    assert len(above) >= 1  # aerospace: phase-3 R&D money has no other program
    for r in above.itertuples():
        assert r.note.startswith(f"{r.jobs / r.jobs_target - 1:.0%} above the target"), r.member
        assert f"(tranches.csv, sector {r.member})" in r.note
    assert (last[last["jobs"] <= 1.25 * last["jobs_target"].astype(float)]["note"] == "").all()


def test_baseline_aerospace_returns_diminish():
    """Before: 7,482 musd and 93,522 jobs at the full 12.5 a musd. Past its 25,000 target only
    half of 10.6 jobs a musd count: at most 25,000 + 5.3 x (8,500 - 2,264) jobs."""
    inp, sol, tables = solved(str(BASELINE))
    aero = _row(tables["outcomes"], dimension="sector", member="aerospace", year=2040)
    assert aero["jobs"] <= 25000 + 5.3 * (8500 - (25000 - 1000) / 10.6) + 1e-6
    total = _row(tables["outcomes"], dimension="total", member="all", year=2040)
    assert total["jobs"] == pytest.approx(sol.objective_value)  # the LP counts the same tranches


# --- point 3: minerals differ by the seed's own numbers ----------------------------------------
VALUE_ADDITION = {"copper": 300, "lithium": 800, "rare_earths": 1400, "silver": 150, "gold": 130}
INVESTMENT = {"copper": 3500, "lithium": 2500, "rare_earths": 2200, "silver": 1200, "gold": 600}


def test_mineral_exports_follow_value_addition():
    inp = load_inputs(BASELINE)
    minerals = {p.mineral: p for p in inp.programs if p.mineral}
    exports = {m: p.exports_per_musd for m, p in minerals.items()}
    assert len(set(exports.values())) == 5  # no two minerals alike
    for m, value in VALUE_ADDITION.items():  # in proportion to value addition
        assert exports[m] / exports["copper"] == pytest.approx(value / 300, rel=1e-5)
        assert f"Value Addition: {value}% increase" in minerals[m].derivation
    # the $8B spread over the minerals as their Investment Required exports the $20B of 2040
    spread = sum(0.8 * INVESTMENT[m] * exports[m] for m in VALUE_ADDITION)
    assert spread == pytest.approx(20000, rel=1e-5)


def test_baseline_minerals_are_funded_by_what_they_return():
    """No tie-break among the minerals: a mineral with more exports per musd is at its cap
    before one with fewer gets any money."""
    inp, sol, _tables = solved(str(BASELINE))
    minerals = sorted((p for p in inp.programs if p.mineral), key=lambda p: -p.exports_per_musd)
    money = [_invest(sol, p.program) for p in minerals]
    for i, (p, x) in enumerate(zip(minerals, money, strict=True)):
        if any(later > 1e-6 for later in money[i + 1 :]):
            assert x == pytest.approx(p.cap_musd), p.program
    assert sum(money) == pytest.approx(8000)


def test_levels_reach_every_output(tmp_path):
    """Terminal, outcomes.csv, run.json, the workbook and report.html all count the base."""
    import json

    import openpyxl
    import pandas as pd

    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["solve", "--inputs", str(BASE_CASE), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "1,550 direct jobs in 2026" in res.output
    assert "Every target is reached." in res.output
    assert json.loads((out / "run.json").read_text())["outcomes"]["jobs_2026"] == 1550
    table = pd.read_csv(out / "outcomes.csv", keep_default_na=False)
    s2 = _row(table, dimension="sector", member="s2")
    assert (s2["jobs_base"], s2["jobs_new"], s2["jobs"]) == (300, 300, 600)
    book = openpyxl.load_workbook(out / "workbook.xlsx", read_only=True)
    rows = list(book["outcomes"].iter_rows(values_only=True))
    header = [str(h).split(" (")[0] for h in rows[0]]
    s2_row = dict(zip(header, next(r for r in rows if r[1] == "s2"), strict=True))
    assert (s2_row["jobs_base"], s2_row["jobs_new"], s2_row["jobs"]) == (300, 300, 600)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "jobs_base" in html
