"""The family registry (`allocator.model.families`) covers every family the build produces, points
relaxable rows at real input columns, and loads without the solver stack; a family declared in
one place (here, in this module alone) is built, solved, named, worded and priced."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from allocator.data.inputs import load_inputs
from allocator.data.schema import TABLES
from allocator.errors import InfeasibleError
from allocator.model.build import build_model
from allocator.model.constraints import Robust
from allocator.model.families import (
    BUILDERS,
    FAMILIES,
    VARIABLES,
    family,
    labels_of,
    name_of,
    where,
)
from allocator.runs.solve import solve as run_solve
from allocator.runs.spec import RunSpec

ROOT = Path(__file__).resolve().parents[1]
DATASETS = [ROOT / "inputs" / "peru2040", *sorted(p for p in (ROOT / "tests" / "data").iterdir())]


def _families(records: list) -> dict[str, set[int]]:
    """Family name -> the index lengths of its members (families with members only)."""
    found = {r.family: {len(k) for k in r.keys} for r in records}
    return {name: lengths for name, lengths in found.items() if lengths}


def _robust(inp, kind: str) -> Robust:
    programs = [p.program for p in inp.programs]
    scenarios = tuple(
        dict.fromkeys(programs, (rate, 0)) for rate in (1.0, 2.0, 3.0)
    )  # three scenarios: enough for every risk row
    return Robust(kind, scenarios, 0.5, 100.0 if kind == "cvar" else None)


def _builds():
    for folder in DATASETS:
        inp = load_inputs(folder)
        for targets in ("off", "soft", "hard"):
            yield folder.name, targets, inp, targets, None
        for kind in ("cvar", "worst-case"):
            yield folder.name, kind, inp, "off", _robust(inp, kind)


def test_every_built_family_has_an_entry_with_its_dims():
    seen_rows, seen_cols = set(), set()
    for name, mode, inp, targets, robust in _builds():
        try:
            m, _ = build_model(inp, targets, robust)
        except InfeasibleError:
            continue  # a hard target that nothing can reach is refused before the build
        for records, registry, seen in (
            (m.rows, FAMILIES, seen_rows),
            (m.columns, VARIABLES, seen_cols),
        ):
            for fam, lengths in _families(records).items():
                assert fam in registry, f"{name} {mode}: {fam} has no registry entry"
                assert lengths == {len(registry[fam].dims)}, f"{name} {mode}: {fam}"
                seen.add(fam)
    assert seen_rows == set(FAMILIES), "registry entries that no build produces"
    assert seen_cols == set(VARIABLES), "registry entries that no build produces"


@pytest.mark.parametrize("family", [f for f, e in FAMILIES.items() if e.relaxable])
def test_relaxable_families_name_a_real_input_column(family):
    source = FAMILIES[family].source
    assert source is not None, f"{family} is relaxable but names no input"
    assert source.table in TABLES
    file, model, _key, _required = TABLES[source.table]
    assert source.file == file
    assert source.column in model.model_fields, f"{file} has no column {source.column}"
    for label in source.match:
        assert label in FAMILIES[family].dims
        assert label in model.model_fields


def test_where_finds_the_input_row():
    inp = load_inputs(ROOT / "tests" / "data" / "infeasible")
    text = where(inp, "program_floor", {"program": "b"})
    assert text == "programs.csv row 3, column floor_musd"
    assert where(inp, "cvar_cap", {}) == "the model's structure, not an input number"


def test_names_as_in_model_lp():
    assert name_of("budget", ("public", "phase1")) == "budget(public,phase1)"
    assert name_of("cvar_cap", ()) == "cvar_cap"


def test_import_loads_neither_pyomo_nor_highspy():
    code = (
        "import sys, allocator.model.families; "
        "print(sorted(m for m in ('pyomo', 'highspy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_every_relaxable_row_finds_its_input_row():
    for name, mode, inp, targets, robust in _builds():
        if robust is not None or mode == "hard":
            continue
        m, _ = build_model(inp, targets, robust)
        for row in m.rows:
            entry = FAMILIES[row.family]
            if not entry.relaxable or entry.source is None:
                continue
            for key in row.keys:
                labels = labels_of(row.family, key)
                assert entry.source.row(inp, labels) is not None, f"{name}: {row.family}{key}"


@pytest.fixture
def scratch_registry():
    """Whatever a test declares is forgotten after it (the registry is restored in place, since
    other modules hold the same dict and list)."""
    entries, steps = dict(FAMILIES), list(BUILDERS)
    yield
    FAMILIES.clear()
    FAMILIES.update(entries)
    BUILDERS[:] = steps


@pytest.mark.usefixtures("scratch_registry")
def test_a_family_declared_in_one_place_is_built_solved_and_reported(tmp_path):
    """Adding a family is one decorated function: no other file names it. tests/data/greedy
    (budget 120; programs a, b, c: 10, 6, 2 jobs per musd, caps 60, 100, 100) funds a 60 and b 60
    for 960 jobs; a cap of 100 on all investment cuts b to 40 (840 jobs), and each extra musd
    of the cap would fund 1 more of b: a price of 6 jobs per musd."""

    @family("invest_total", (), "musd", "cap on all investment")
    def add_invest_total(m, s):
        m.add_rows("invest_total", {(): (None, [(1.0, list(s.iv.values()))], 100.0)}, scalar=True)

    run_solve(RunSpec(inputs=ROOT / "tests" / "data" / "greedy", out=tmp_path / "run"))
    with (tmp_path / "run" / "shadow_prices.csv").open(encoding="utf-8") as f:
        rows = {r["constraint"]: r for r in csv.DictReader(f)}
    row = rows["invest_total"]
    assert row["family"] == "invest_total"
    assert row["description"] == "cap on all investment"
    assert row["unit"] == "jobs per musd"
    assert (row["sense"], row["rhs"], row["binding"]) == ("<=", "100", "True")
    assert float(row["shadow_price"]) == pytest.approx(6.0)
    assert BUILDERS[-1] is add_invest_total  # declared last, so built after every other row
    with pytest.raises(ValueError, match="declared twice"):
        family("budget", (), "musd", "a second budget")
