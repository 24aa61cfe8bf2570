"""The family registry (`allocator.model.families`) covers every family the build produces, points
relaxable rows at real input columns, and loads without the solver stack. A toy family added in
a test (one function and one entry of the table of contents) is in tests/test_registry.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from allocator.data.inputs import load_inputs
from allocator.data.schema import TABLES
from allocator.errors import InfeasibleError
from allocator.model.build import build_model
from allocator.model.families import FAMILIES, VARIABLES, labels_of, name_of
from allocator.model.robust import Robust

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


def test_place_words_find_the_input_row_or_the_option():
    from allocator.report.explain import place_words
    from allocator.solver.diagnosis import place_of

    inp = load_inputs(ROOT / "tests" / "data" / "infeasible")
    text = place_words(place_of(inp, "program_floor", {"program": "b"}))
    assert text == "programs.csv row 3, column floor_musd"
    assert place_words(place_of(inp, "cvar_cap", {})) == "the --cvar-cap option"
    assert place_words(place_of(inp, "cvar_tail", {"scenario": 1})) == (
        "the model's structure, not an input number"
    )


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
