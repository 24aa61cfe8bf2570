"""Enabling links (`links.csv`, the `enable[link, year]` rows), solved by hand.

enable case: budget 100 in 2025; plant (10 jobs/musd, capital group factories) and zone (no jobs);
  link zone_plant: plant capital <= 4 x zone capital. The budget row and the link bind:
  plant + zone = 100 and plant = 4 zone, so zone = 20 = plant / ratio, plant = 80, jobs 800.
  Duals: plant's column 10 = budget + link, zone's 0 = budget - 4 link, so the link is worth
  2 jobs per musd of plant capital and the budget 8 jobs per musd (= the worth of one more musd
  of zone, 4 x 2). By hand: a link loosened by 1 (plant <= 4 zone + 1) gives zone 19.8, plant
  80.2, jobs 802 (+2).
exports case (built in the test): plant exports 2 musd a year per musd; cert enables exports at
  10 per musd; budget 100. Most exports: 2 plant = 10 cert, plant + cert = 100, so cert = 100/6,
  exports 1000/6. Duals: exports' column 1 = capacity + link, plant 0 = budget - 2 capacity,
  cert 0 = budget - 10 link: budget 5/3, link 1/6 musd of exports per musd.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from allocator.data.applyoverrides import apply_overrides
from allocator.data.audit import audit
from allocator.data.inputs import load_inputs
from allocator.data.links import members
from allocator.data.modelfile import Override
from allocator.errors import InfeasibleError, UsageError
from allocator.model.build import build_model
from allocator.model.families import FAMILIES
from allocator.pipeline import solve_inputs, tables_of
from allocator.report.explain import place_words
from allocator.report.links import link_values, link_words
from allocator.solver.compile import compile_lp
from allocator.solver.diagnosis import place_of
from allocator.solver.passes import optimum
from conftest import BASELINE, DATA, run_cli, solved
from conftest import price as _price
from conftest import total as _total
from lpcheck import check_duality, check_feasible

ENABLE = DATA / "enable"


def _copy(tmp_path, name="ds"):
    folder = tmp_path / name
    shutil.copytree(ENABLE, folder)
    return folder


def test_the_enabler_is_funded_exactly_at_dependent_over_ratio():
    _, sol, t = solved(str(ENABLE))
    assert sol.objective_value == pytest.approx(800)
    assert _total(t, "plant") == pytest.approx(80)
    assert _total(t, "zone") == pytest.approx(_total(t, "plant") / 4)
    assert _price(t, "enable(zone_plant,2025)") == (pytest.approx(2), True)
    assert _price(t, "budget(public,p1)") == (pytest.approx(8), True)
    row = t["shadow_prices"].set_index("constraint").loc["enable(zone_plant,2025)"]
    assert (row["family"], row["link"], row["year"], row["unit"]) == (
        "enable",
        "zone_plant",
        2025,
        "jobs per musd",
    )


def test_the_link_price_is_what_loosening_it_by_one_gives():
    """The hand value 2 recomputed: one musd of plant capital allowed beyond the link."""
    inp, sol, _ = solved(str(ENABLE))
    lp = compile_lp(build_model(inp)[0])
    i = lp.row_names.index("enable(zone_plant,2025)")
    lp.row_upper[i] = 1.0
    lp.highs.changeRowBounds(i, lp.row_lower[i], 1.0)
    assert optimum(lp, "jobs", ranging=False).objective - sol.objective_value == pytest.approx(2)


def test_without_the_link_the_enabler_gets_nothing():
    inp = load_inputs(ENABLE)
    bare, _ = solve_inputs(inp.model_copy(update={"links": ()}), "jobs")
    t = tables_of(inp, bare)
    assert bare.objective_value == pytest.approx(1000)
    assert _total(t, "zone") == pytest.approx(0)


def test_an_exports_link_prices_market_access(tmp_path):
    folder = _copy(tmp_path)
    (folder / "programs.csv").write_text(
        "program,sector,export_category,first_year,last_year,cap_musd,lag_years,jobs_per_musd,"
        "exports_per_musd,source\n"
        "plant,manufacturing,goods,2025,2025,100,0,1,2,hand-solved test case\n"
        "cert,services,,2025,2025,100,0,0,0,hand-solved test case\n"
    )
    (folder / "links.csv").write_text(
        "link,enabler_dimension,enabler,dependent_dimension,dependent,quantity,ratio,source\n"
        "cert_exports,program,cert,export_category,*,exports,10,hand-solved test case\n"
    )
    inp = load_inputs(folder)
    sol, _ = solve_inputs(inp, "exports")
    t = tables_of(inp, sol)
    assert sol.objective_value == pytest.approx(1000 / 6)
    assert _total(t, "cert") == pytest.approx(100 / 6)
    assert _price(t, "enable(cert_exports,2025)") == (pytest.approx(1 / 6), True)
    assert _price(t, "budget(public,p1)") == (pytest.approx(5 / 3), True)
    check_duality(sol)
    check_feasible(inp, t)


def test_a_lag_counts_the_enabler_from_later(tmp_path):
    """zone's money counts for plant one year after it is spent: 2025-2026, milestone 2026, the
    link has a row in each year plant money can count; plant money in 2025 needs zone money
    before 2025, which cannot be, so all plant money is spent in 2026."""
    folder = _copy(tmp_path)
    (folder / "phases.csv").write_text("phase,first_year,last_year,source\np1,2025,2026,t\n")
    (folder / "milestones.csv").write_text("year,source\n2026,t\n")
    text = (folder / "programs.csv").read_text().replace("2025,2025", "2025,2026")
    (folder / "programs.csv").write_text(text)
    links = (folder / "links.csv").read_text().replace("capital,4,0,", "capital,4,1,")
    (folder / "links.csv").write_text(links)
    inp = load_inputs(folder)
    sol, _ = solve_inputs(inp, "jobs")
    t = tables_of(inp, sol)
    alloc = t["allocation"]
    plant = alloc[alloc["program"] == "plant"].set_index("year")["invest_musd"]
    zone = alloc[alloc["program"] == "zone"].set_index("year")["invest_musd"]
    assert plant.to_dict() == pytest.approx({2026: 80})
    assert zone.to_dict() == pytest.approx({2025: 20})
    assert set(t["shadow_prices"].query("family == 'enable'")["year"]) == {2025, 2026}
    check_duality(sol)
    check_feasible(inp, t)


@pytest.mark.parametrize("objective", ["jobs", "exports", "weighted"])
def test_duality_and_feasibility(objective):
    inp, sol, tables = solved(str(ENABLE), objective)
    check_duality(sol)
    check_feasible(inp, tables)


def test_a_link_that_makes_a_floor_unreachable_is_explained(tmp_path):
    folder = _copy(tmp_path)
    text = (folder / "programs.csv").read_text()
    text = text.replace("cap_musd,lag_years", "cap_musd,floor_musd,lag_years")
    text = text.replace("2025,100,0,10,", "2025,100,90,0,10,").replace(
        "2025,100,0,0,", "2025,10,,0,0,"
    )
    (folder / "programs.csv").write_text(text)
    inp = load_inputs(folder)
    with pytest.raises(InfeasibleError) as err:
        solve_inputs(inp, "jobs")
    from allocator.report.explain import explained

    lines = "\n".join(explained(inp, err.value).details)
    assert "enable(zone_plant,2025)" in lines
    assert "links.csv row 2, column ratio" in lines
    assert "program_floor(plant)" in lines
    assert "program_cap(zone)" in lines
    res = run_cli("explain", "--inputs", folder)
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert "what link zone_plant enables in 2025" in res.stderr


def test_the_family_names_its_input_cell_and_is_not_relaxed():
    inp = load_inputs(ENABLE)
    assert place_words(place_of(inp, "enable", {"link": "zone_plant", "year": 2025})) == (
        "links.csv row 2, column ratio"
    )
    assert not FAMILIES["enable"].relaxable


def test_member_order_in_a_cell_and_row_order_do_not_move_the_lp(tmp_path):
    assert members(" b; a;b ") == ("a", "b")
    a = load_inputs(BASELINE)
    folder = tmp_path / "shuffled"
    shutil.copytree(BASELINE, folder)
    lines = (folder / "links.csv").read_text().splitlines()
    body = [
        line.replace(
            "automotive_industry; electronics_manufacturing; processing_facilities",
            "processing_facilities;automotive_industry ; electronics_manufacturing",
        )
        for line in lines[1:]
    ]
    (folder / "links.csv").write_text("\n".join([lines[0], *reversed(body)]) + "\n")
    b = load_inputs(folder)
    la = compile_lp(build_model(a)[0])
    lb = compile_lp(build_model(b)[0])
    assert la.row_names == lb.row_names
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(la.matrix, part), getattr(lb.matrix, part))


def test_words_and_worth_of_each_link():
    inp, _, t = solved(str(ENABLE))
    assert link_words(inp.links[0]) == (
        "each extra musd of zone lets 4 musd more capital of capital_group factories produce"
    )
    values = link_values(inp, t["shadow_prices"]).set_index("link").loc["zone_plant"]
    assert values["worth_per_musd"] == pytest.approx(8)
    assert values["unit"] == "jobs per musd of enabling capital"


def test_set_link_ratio_override():
    inp = load_inputs(ENABLE)
    moved = apply_overrides(inp, [Override(set_link_ratio={"link": "zone_plant", "ratio": 9})], "m")
    sol, _ = solve_inputs(moved, "jobs")
    assert sol.objective_value == pytest.approx(900)  # plant 90, zone 10
    with pytest.raises(UsageError, match="unknown link 'nope'"):
        apply_overrides(inp, [Override(set_link_ratio={"link": "nope", "ratio": 2})], "m")
    with pytest.raises(UsageError, match="ratio = 0 is not allowed"):
        apply_overrides(inp, [Override(set_link_ratio={"link": "zone_plant", "ratio": 0})], "m")


def test_baseline_funds_the_zones_and_market_development():
    inp, sol, t = solved(str(BASELINE), "jobs")
    assert _total(t, "manufacturing_zones") == pytest.approx(3000, abs=1e-3)
    assert _total(t, "export_market_development") > 0
    enable = t["shadow_prices"].query("family == 'enable'")
    assert set(enable["link"]) == {"market_access_exports", "zones_manufacturing"}
    warnings = "\n".join(audit(inp).warnings)
    assert "manufacturing_zones" not in warnings
    assert "market_development" not in warnings


def test_sweep_samples_of_ratios_and_lags_equal_the_rebuilt_lp(tmp_path):
    """A link's ratio and the lags of the programs it joins move on the persistent sample
    model exactly as a rebuilt LP of the sampled data would have them."""
    from allocator.data.uncertainty import latin_hypercube, params_of, with_values
    from allocator.studies.sweep import SampleModel

    folder = _copy(tmp_path)
    (folder / "phases.csv").write_text("phase,first_year,last_year,source\np1,2025,2030,t\n")
    (folder / "milestones.csv").write_text("year,source\n2028,t\n2030,t\n")
    # plant may be paid for in 2025-2027 only: at its longest lag its capital grows in 2028-2030,
    # years its shortest lag (the LP as built) would need no row for
    text = (folder / "programs.csv").read_text().replace("2025,2025,100,0,10", "2025,2027,100,1,10")
    (folder / "programs.csv").write_text(text.replace("2025,2025", "2025,2030"))
    (folder / "uncertainty.csv").write_text(
        "ref,low,high,source\n"
        "links:zone_plant:ratio,-50%,+50%,test\n"
        "programs:plant:lag_years,0,3,test\n"
        "programs:zone:lag_years,0,2,test\n"
    )
    inp = load_inputs(folder)
    params = params_of(inp)
    model = SampleModel(inp, params, "jobs", "soft")
    for values in latin_hypercube(params, 8, seed=5):
        got = model.solve(values)
        ref, _ = solve_inputs(with_values(inp, params, values), "jobs", targets="soft")
        assert got["objective"] == pytest.approx(ref.objective_value, rel=1e-9)


def test_a_ratio_range_must_stay_above_zero(tmp_path):
    from allocator.data.uncertainty import params_of
    from allocator.errors import InputError

    folder = _copy(tmp_path)
    (folder / "uncertainty.csv").write_text("ref,low,high,source\nlinks:zone_plant:ratio,0,5,t\n")
    with pytest.raises(InputError, match="low 0 is not above 0"):
        params_of(load_inputs(folder))
