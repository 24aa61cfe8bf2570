"""The order of rows and columns in the input files, and of model-file overrides, never moves money.

HiGHS returns a vertex that depends on the order of the LP's columns and rows, so an LP built in
file order gives a different (equally optimal) plan when the same data is listed differently. The
loader puts every table in a canonical order (sorted by its key), so each copy below, the same
data with its rows (or columns) permuted, must give byte-identical output tables.
"""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

import pytest

from allocator.data.inputs import load_inputs
from allocator.data.modelfile import Override
from allocator.model.families import FAMILIES, VARIABLES
from allocator.runs.solve import solve as run_solve
from allocator.runs.spec import RunSpec
from conftest import BASELINE, DATA, ROOT
from conftest import RUN_TABLES as TABLES


def _rewrite(src: Path, dst: Path, rows: str, seed: int = 0, columns: bool = False) -> Path:
    """A copy of dataset `src` with each table's data rows shuffled (`rows="shuffle"`, by
    `seed`), reversed (`"reverse"`) or kept, and with `columns` its columns permuted too."""
    dst.mkdir()
    rng = random.Random(seed)
    for path in sorted(src.iterdir()):
        if path.suffix != ".csv":
            shutil.copyfile(path, dst / path.name)
            continue
        with path.open(encoding="utf-8-sig", newline="") as f:
            header, *body = list(csv.reader(f))
        if rows == "shuffle":
            rng.shuffle(body)
        elif rows == "reverse":
            body.reverse()
        order = list(range(len(header)))
        if columns:
            rng.shuffle(order)
        with (dst / path.name).open("w", encoding="utf-8", newline="") as f:
            out = csv.writer(f, lineterminator="\n")
            out.writerows([[record[j] for j in order] for record in [header, *body]])
    return dst


def _tables(inputs: Path, out: Path, **options: object) -> dict[str, bytes]:
    run_solve(RunSpec(inputs=inputs, out=out, **options))  # type: ignore[arg-type]
    return {name: (out / name).read_bytes() for name in TABLES}


def _solved_tables(run: Path) -> dict[str, bytes]:
    """The tables of a run folder already written (conftest's session `baseline_run`)."""
    return {name: (run / name).read_bytes() for name in TABLES}


def _differing(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    return [name for name in TABLES if a[name] != b[name]]


def _changed_files(src: Path, dst: Path) -> list[str]:
    """Tables whose bytes the rewrite changed (so the test permutes something real)."""
    return [
        p.name for p in sorted(src.glob("*.csv")) if p.read_bytes() != (dst / p.name).read_bytes()
    ]


CASES = [
    pytest.param(BASELINE, "jobs", id="baseline-jobs"),
    pytest.param(BASELINE, "exports", id="baseline-exports"),
    pytest.param(DATA / "risk", "jobs", id="risk"),
    pytest.param(DATA / "targets", "jobs", id="targets"),
    pytest.param(DATA / "exports", "jobs", id="exports"),
    pytest.param(DATA / "greedy", "jobs", id="greedy"),
]


@pytest.mark.parametrize(("dataset", "objective"), CASES)
def test_shuffled_rows_of_every_table_give_byte_identical_tables(
    tmp_path, dataset, objective, baseline_run
):
    if (dataset, objective) == (BASELINE, "jobs"):  # solved once per session
        ref = _solved_tables(baseline_run)
    else:
        ref = _tables(dataset, tmp_path / "ref", objective=objective)
    for rows, seed in (("reverse", 0), ("shuffle", 1), ("shuffle", 2), ("shuffle", 3)):
        copy = _rewrite(dataset, tmp_path / f"{rows}{seed}", rows, seed)
        assert _changed_files(dataset, copy), "the copy must list some table differently"
        got = _tables(copy, tmp_path / f"run-{rows}{seed}", objective=objective)
        assert _differing(ref, got) == [], f"{rows} (seed {seed}) of {dataset.name}"


def test_reversed_programs_or_pools_keep_the_baseline_allocation(tmp_path, baseline_run):
    """The issue's report: reversing programs.csv or pools.csv alone moved advanced_materials
    from 3,200 to 8,500 musd and aerospace_components from 7,482 to 2,182 musd."""
    ref = _solved_tables(baseline_run)
    for table in ("programs.csv", "pools.csv"):
        copy = tmp_path / f"reversed-{table}"
        shutil.copytree(BASELINE, copy)
        header, *body = (BASELINE / table).read_text(encoding="utf-8").splitlines(keepends=True)
        (copy / table).write_text("".join([header, *reversed(body)]), encoding="utf-8")
        got = _tables(copy, tmp_path / f"run-{table}")
        assert _differing(ref, got) == [], f"reversed {table}"


@pytest.mark.parametrize("rows", ["keep", "shuffle"])
def test_permuted_columns_give_byte_identical_tables(tmp_path, rows, baseline_run):
    ref = _solved_tables(baseline_run)
    for seed in (4, 5):
        copy = _rewrite(BASELINE, tmp_path / f"columns{seed}", rows, seed, columns=True)
        header = (copy / "programs.csv").read_text(encoding="utf-8").split("\n", 1)[0]
        assert not header.startswith("program,name,"), "the columns must be permuted"
        got = _tables(copy, tmp_path / f"run-columns{seed}")
        assert _differing(ref, got) == [], f"columns permuted, rows {rows} (seed {seed})"


def _group(member: str, max_share: float) -> Override:
    return Override.model_validate(
        {"group_limit": {"dimension": "pool", "member": member, "max_share": max_share}}
    )


def test_order_of_model_file_overrides_does_not_move_money(tmp_path, baseline_run):
    """Two group limits added in either order, and a limit that restates a group of groups.csv
    (an override appends its row), give the plan of the same data in any order."""
    both = [_group("ngf", 0.3), _group("korea", 0.15)]
    a = _tables(BASELINE, tmp_path / "a", overrides=both)
    b = _tables(BASELINE, tmp_path / "b", overrides=both[::-1])
    assert _differing(a, b) == []
    ref = _solved_tables(baseline_run)
    same = _tables(BASELINE, tmp_path / "same", overrides=[_group("china", 0.2)])
    assert _differing(ref, same) == []
    assert a["shadow_prices.csv"] != ref["shadow_prices.csv"], "the limits must change the LP"


def test_baseline_plan_funds_advanced_materials_and_aerospace_as_reported(tmp_path):
    """The canonical plan itself: the baseline's 545,333.54 jobs with this allocation, whatever
    the row order of the files. Issue 25 point 5: materials and aerospace are tied (materials may
    take 2,830 to 8,418 musd, aerospace 2,264 to 7,852, with every outcome unchanged), so the tie
    rule's pass decides: money in proportion to their caps (8,500 each), 5,340.9 each (before
    it, the vertex the passes reached gave materials only what its 2040 target needs,
    (40,000 - 10,000) / 10.6 = 2,830.19, and aerospace 7,851.6)."""
    run_solve(RunSpec(out=tmp_path / "run"))
    with (tmp_path / "run" / "allocation_by_phase.csv").open(encoding="utf-8") as f:
        total = {r["program"]: float(r["total_musd"]) for r in csv.DictReader(f)}
    assert total["advanced_materials"] == pytest.approx(5340.9, abs=1.0)
    assert total["aerospace_components"] == pytest.approx(total["advanced_materials"], abs=1e-6)


def test_robust_plan_is_the_same_for_shuffled_rows(tmp_path):
    """Scenarios are drawn per uncertainty.csv row, so that table's order matters as well."""
    options = {"risk": "cvar", "scenarios": 8, "seed": 3}
    ref = _tables(BASELINE, tmp_path / "ref", **options)
    copy = _rewrite(BASELINE, tmp_path / "shuffled", "shuffle", 6)
    assert "uncertainty.csv" in _changed_files(BASELINE, copy)
    got = _tables(copy, tmp_path / "run", **options)
    assert _differing(ref, got) == []


def test_sweep_is_the_same_for_shuffled_rows(tmp_path):
    from allocator.studies.sweeprun import run_sweep

    def sweep(folder: Path, out: Path) -> dict[str, bytes]:
        spec = {"inputs": str(folder), "objective": "jobs", "targets": "soft", "model_file": None}
        run_sweep(spec, 8, 5, out, None, 1, False, serial=True)
        return {n: (out / n).read_bytes() for n in ("sweep.csv", "sweep_programs.csv")}

    ref = sweep(DATA / "sweep", tmp_path / "ref")
    copy = _rewrite(DATA / "sweep", tmp_path / "shuffled", "reverse")
    assert "uncertainty.csv" in _changed_files(DATA / "sweep", copy)
    assert sweep(copy, tmp_path / "run") == ref


def _label(dim: str, cell: str, phase_rank: dict[str, int]) -> object:
    """A label cell as it sorts: a phase by its place in time, a year as a number."""
    if dim == "phase":
        return (phase_rank.get(cell, len(phase_rank)), cell)
    return int(cell) if dim in ("year", "scenario") else cell


def _renamed_phases(dst: Path) -> Path:
    """The baseline with its phases named against the alphabet: zeta, then alpha, then mu."""
    shutil.copytree(BASELINE, dst)
    for path in dst.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        for old, new in (("phase1", "zeta"), ("phase2", "alpha"), ("phase3", "mu")):
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    return dst


@pytest.mark.parametrize(
    "dataset",
    [BASELINE, DATA / "risk", DATA / "targets", None],
    ids=["baseline", "risk", "targets", "phases-named-against-the-alphabet"],
)
def test_row_and_column_tables_are_sorted_by_family_then_key(tmp_path, dataset):
    """What the README promises: each family one block, its rows in the order of their labels
    (a phase by its place in time), even when the files list them in reverse."""
    dataset = dataset or _renamed_phases(tmp_path / "renamed")
    rank = {p.phase: i for i, p in enumerate(load_inputs(dataset).phases)}
    copy = _rewrite(dataset, tmp_path / "reversed", "reverse")
    run_solve(RunSpec(inputs=copy, out=tmp_path / "run"))
    for table, families in (("shadow_prices.csv", FAMILIES), ("reduced_costs.csv", VARIABLES)):
        with (tmp_path / "run" / table).open(encoding="utf-8") as f:
            records = list(csv.DictReader(f))
        order = list(dict.fromkeys(r["family"] for r in records))
        blocks = [r["family"] for r in records]
        assert blocks == sorted(blocks, key=order.index), f"{table}: a family is split"
        assert len(order) >= 2
        for family in order:
            dims = families[family].dims
            keys = [
                tuple(_label(d, r[d], rank) for d in dims) for r in records if r["family"] == family
            ]
            assert keys == sorted(keys), f"{table}: {family} rows are not in key order"


@pytest.mark.parametrize("name", ["no_partner_pools", "public_cut_phase2"])
def test_shipped_model_file_overrides_in_reverse_give_the_same_tables(tmp_path, name):
    from allocator.data.modelfile import load_model_file

    model, dataset = load_model_file(ROOT / "models" / f"{name}.yaml")
    assert len(model.overrides) >= 2
    runs = {}
    for label, overrides in (("file", model.overrides), ("reversed", model.overrides[::-1])):
        runs[label] = _tables(dataset, tmp_path / label, overrides=list(overrides))
    assert _differing(runs["file"], runs["reversed"]) == []
    assert runs["file"] != _tables(dataset, tmp_path / "none"), "the overrides must change the plan"
