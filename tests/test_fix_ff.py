"""The order of `--set`s and overrides never decides refused or solved (docs/trust.md, "Same
inputs, same bytes"): every set is applied, then each changed row is held to its rules once;
an override naming a program or pool an exclude drops is refused in either order, naming the
exclude; the sets come after the overrides, whatever their place."""

from __future__ import annotations

import json
import shutil

import pytest

from allocator.data.applyoverrides import apply_overrides
from allocator.data.cellset import parse_set
from allocator.data.inputs import load_inputs
from allocator.data.overrides import Override, ScaleBudget, SetCoefficient
from allocator.errors import UsageError
from conftest import DATA, run_cli

GREEDY = DATA / "greedy"
FLOOR, CAP, BUDGET = (
    "programs.a.floor_musd=80",
    "programs.a.cap_musd=100",
    "pools.public/p1.budget_musd=150",
)


def _sets(*texts: str) -> list[Override]:
    return [Override(set_cell=parse_set(t)) for t in texts]


def _folder(run) -> dict[str, bytes]:
    """Every file of a run folder, run.json without its times, its folder and the sets as
    given (the spec records them in the order given)."""
    files = {p.name: p.read_bytes() for p in run.iterdir() if p.name != "run.json"}
    info = json.loads((run / "run.json").read_text(encoding="utf-8"))
    del info["timings_s"], info["spec"]["out"]
    del info["spec"]["scenario"]["overrides"], info["options"]["overrides"]
    files["run.json"] = json.dumps(info, sort_keys=True).encode()
    return files


def test_sets_in_any_order_give_the_same_run_folder(tmp_path):
    orders = [(FLOOR, CAP, BUDGET), (CAP, FLOOR, BUDGET), (BUDGET, CAP, FLOOR)]
    folders = []
    for i, order in enumerate(orders):
        args = [a for text in order for a in ("--set", text)]
        done = run_cli("solve", "--inputs", GREEDY, *args, "--out", tmp_path / f"o{i}")
        assert done.exit_code == 0, done.stderr
        folders.append(_folder(tmp_path / f"o{i}"))
    assert folders[0].keys() == folders[1].keys() == folders[2].keys()
    for name in folders[0]:
        assert folders[0][name] == folders[1][name] == folders[2][name], name


@pytest.mark.parametrize(("first", "last"), [(0, 1), (1, 0)])
def test_sets_that_together_break_a_rule_name_the_last_set_of_the_row(tmp_path, first, last):
    given = ["programs.a.floor_musd=200", CAP]
    order = [given[first], given[last]]
    args = [a for text in order for a in ("--set", text)]
    done = run_cli("solve", "--inputs", GREEDY, *args, "--out", tmp_path / "out")
    assert done.exit_code == 2, done.stderr
    line = done.stderr.strip()
    assert len(line.splitlines()) == 1, line
    assert line.startswith(f"error: --set '{given[last]}': programs.csv row 2"), line
    assert "floor_musd 200 is above cap_musd 100" in line, line
    assert not (tmp_path / "out").exists()


def test_a_set_of_a_caller_names_its_place_when_the_rows_rule_breaks():
    inp = load_inputs(GREEDY)
    sets = _sets("programs.a.floor_musd=200", CAP)
    placed = [
        Override(set_cell=s.set_cell.model_copy(update={"place": f"overrides[{i}]"}))
        for i, s in enumerate(sets)
        if s.set_cell is not None
    ]
    with pytest.raises(UsageError, match=r"^overrides\[1\]: --set 'programs.a.cap_musd=100'"):
        apply_overrides(inp, placed, "")


def test_keys_moved_onto_each_other_in_any_order(tmp_path):
    data = shutil.copytree(DATA / "tranches", tmp_path / "tranches")
    table = data / "tranches.csv"
    head = table.read_text(encoding="utf-8").splitlines()[0]
    rows = ["jobs,sector,s1,800,0.3,t", "jobs,sector,s1,1000,0.2,t"]
    table.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    inp = load_inputs(data)
    up = (
        "tranches.jobs/sector/s1/800.from_level=1000",
        "tranches.jobs/sector/s1/1000.from_level=1200",
    )
    both = [apply_overrides(inp, _sets(*order), "").tranches for order in (up, up[::-1])]
    assert both[0] == both[1]
    assert [(t.from_level, t.share) for t in both[0]] == [(1000, 0.3), (1200, 0.2)]


def test_coefficients_in_any_order():
    inp = load_inputs(GREEDY)
    floor = Override(set_coefficient=SetCoefficient(program="a", column="floor_musd", value=80))
    cap = Override(set_coefficient=SetCoefficient(program="a", column="cap_musd", value=100))
    both = [
        apply_overrides(inp, order, "m.yaml").programs for order in ([floor, cap], [cap, floor])
    ]
    assert both[0] == both[1]
    assert (both[0][0].floor_musd, both[0][0].cap_musd) == (80, 100)


@pytest.mark.parametrize("factors", [(0.1, 0.3), (1e8, 1e-8)])
def test_budget_scales_in_any_order(factors):
    inp = load_inputs(GREEDY)
    scales = [Override(scale_budget=ScaleBudget(pool="public", factor=f)) for f in factors]
    both = [apply_overrides(inp, order, "m.yaml").pools for order in (scales, scales[::-1])]
    assert both[0] == both[1]


def test_a_set_and_an_override_of_one_cell_the_set_is_last_in_any_order():
    inp = load_inputs(GREEDY)
    scale = Override(scale_budget=ScaleBudget(pool="public", factor=2))
    both = [
        apply_overrides(inp, order, "").pools[0].budget_musd
        for order in ([*_sets(BUDGET), scale], [scale, *_sets(BUDGET)])
    ]
    assert both == [150, 150]


EXCLUDE = "  - exclude_program: a\n"
NAMING_A = [
    "  - set_coefficient: {program: a, column: cap_musd, value: 10}\n",
    "  - group_limit: {dimension: program, member: a, max_musd: 10}\n",
]


@pytest.mark.parametrize("other", NAMING_A)
@pytest.mark.parametrize("exclude_first", [True, False])
def test_an_override_of_an_excluded_program_is_refused_in_either_order(
    tmp_path, other, exclude_first
):
    data = shutil.copytree(GREEDY, tmp_path / "inputs" / "greedy")
    body = EXCLUDE + other if exclude_first else other + EXCLUDE
    model = tmp_path / "models" / "m.yaml"
    model.parent.mkdir()
    model.write_text(f"name: m\ndataset: ../inputs/greedy\noverrides:\n{body}", encoding="utf-8")
    done = run_cli("solve", model, "--out", tmp_path / "out")
    assert data.is_dir()
    assert done.exit_code == 2, done.stderr
    line = done.stderr.strip()
    assert len(line.splitlines()) == 1, line
    exclude, named = (0, 1) if exclude_first else (1, 0)
    assert f"overrides[{named}]" in line, line
    excluded = f"program 'a' is excluded by overrides[{exclude}] (exclude_program: a)"
    assert f"overrides[{named}].{other.split(':')[0].strip(' -')}: {excluded}" in line, line
    assert "unknown program" not in line, line
    assert not (tmp_path / "out").exists()


def test_a_set_of_an_excluded_programs_row_names_the_exclude(tmp_path):
    shutil.copytree(GREEDY, tmp_path / "inputs" / "greedy")
    model = tmp_path / "models" / "m.yaml"
    model.parent.mkdir()
    model.write_text(f"name: m\ndataset: ../inputs/greedy\noverrides:\n{EXCLUDE}", encoding="utf-8")
    done = run_cli("solve", model, "--set", CAP, "--out", tmp_path / "out")
    assert done.exit_code == 2, done.stderr
    line = done.stderr.strip()
    assert len(line.splitlines()) == 1, line
    assert f"--set '{CAP}'" in line, line
    assert "program 'a' is excluded by overrides[0] of " in line, line
    assert "m.yaml (exclude_program: a), so the set changes nothing" in line, line
    assert "names no row" not in line, line


@pytest.mark.parametrize(
    ("bad", "column", "words"),
    [
        ("programs.a.max_annual_share=0", "max_annual_share", "absorb no money in any year"),
        ("targets.jobs/total//2026.value=2e10", "value", "is above the maximum"),
    ],
)
def test_a_rule_of_one_cell_names_its_own_set_whatever_follows(tmp_path, bad, column, words):
    """A rule of one cell (a ramp above 0, a target below the limit) is the cell's: the set
    that breaks it is named, with its column, not a later set of another cell of the row."""
    data = shutil.copytree(GREEDY, tmp_path / "greedy")
    (data / "targets.csv").write_text(
        "kind,dimension,member,year,value,source\njobs,total,,2026,100,t\n", encoding="utf-8"
    )
    other = CAP if bad.startswith("programs") else "targets.jobs/total//2026.weight=2"
    done = run_cli("solve", "--inputs", data, "--set", bad, "--set", other, "--out", tmp_path / "o")
    assert done.exit_code == 2, done.stderr
    line = done.stderr.strip()
    assert len(line.splitlines()) == 1, line
    assert line.startswith(f"error: --set '{bad}': "), line
    assert f"column '{column}': " in line, line
    assert words in line, line
