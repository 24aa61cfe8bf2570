"""The explicit registry (issue 26, point 3): `model/build.py`'s table of contents lists the build
steps; `@family` and `@variable` only attach metadata to a step; the label order, the names and
words of the outputs and the sweep's uncertain coefficients all derive from the steps listed.

A toy family is added here by one decorated function (this file) and one entry in a copy of the
table of contents, then built, solved and written by the command line in process."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from allocator.cli.commands import app
from allocator.data.inputs import load_inputs
from allocator.data.schema import TABLES
from allocator.data.uncertainty import params_of
from allocator.model import build, families
from allocator.model.declare import Term, family, variable
from allocator.studies.sweep import SampleModel

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
BASELINE = ROOT / "inputs" / "peru2040"

LABELS_BEFORE = [
    "kind",
    "dimension",
    "member",
    "level",
    "program",
    "pool",
    "risk",
    "link",
    "mineral",
    "phase",
    "year",
    "scenario",
]
"""The label columns of the row and column tables as they were written by hand (model/solution.py
before issue 26): the derived order must give the same."""


@family("invest_total", (), "musd", "cap on all investment")
def add_invest_total(m, s):
    """A toy family on existing labels: a cap of 100 on all investment."""
    m.add_rows("invest_total", {(): (None, [(1.0, list(s.iv.values()))], 100.0)}, scalar=True)


@variable("corridor_flow", ("corridor",), "musd", "money through corridor {corridor}")
@family("corridor_balance", ("corridor",), "musd", "flow of corridor {corridor}")
@family("corridor_cap", ("corridor",), "musd", "cap on corridor {corridor}")
def add_corridor(m, s):
    """A toy family with a label no other family has (`corridor`), and a toy variable: the flow
    through corridor north is all investment, capped at 100."""
    flow = m.add_columns("corridor_flow", ["north"], (0.0, None))["north"]
    body = [(1.0, list(s.iv.values())), (-1.0, [flow])]
    m.add_rows("corridor_balance", {("north",): (0.0, body, 0.0)})
    m.add_rows("corridor_cap", {("north",): (None, [(1.0, [flow])], 100.0)})


def _solve(tmp_path: Path, folder: Path) -> dict[str, dict[str, str]]:
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["solve", "--inputs", str(folder), "--out", str(out)])
    assert res.exit_code == 0, res.output
    with (out / "shadow_prices.csv").open(encoding="utf-8") as f:
        return {r["constraint"]: r for r in csv.DictReader(f)}


def test_a_toy_family_is_one_function_and_one_entry_of_the_table_of_contents(tmp_path, monkeypatch):
    """tests/data/greedy (budget 120; programs a, b, c: 10, 6, 2 jobs per musd, caps 60, 100,
    100) funds a 60 and b 60 for 960 jobs; a cap of 100 on all investment cuts b to 40, and each
    extra musd of the cap funds 1 more of b: a price of 6 jobs per musd."""
    monkeypatch.setattr(build, "STEPS", (*build.STEPS, add_invest_total))
    rows = _solve(tmp_path, DATA / "greedy")
    row = rows["invest_total"]
    assert (row["family"], row["description"], row["unit"]) == (
        "invest_total",
        "cap on all investment",
        "jobs per musd",
    )
    assert (row["sense"], row["rhs"], row["binding"]) == ("<=", "100", "True")
    assert float(row["shadow_price"]) == pytest.approx(6.0)
    assert list(rows)[-1] == "invest_total", "listed last in the table of contents: built last"


def test_a_family_with_a_new_label_gets_its_own_column(tmp_path, monkeypatch):
    """A label no family had before (`corridor`) is a column of the written tables, with no other
    file edited (it crashed in solver/results.py while the label order was a hand-kept list)."""
    monkeypatch.setattr(build, "STEPS", (*build.STEPS, add_corridor))
    rows = _solve(tmp_path, DATA / "greedy")
    row = rows["corridor_cap(north)"]
    assert row["corridor"] == "north"
    assert row["description"] == "cap on corridor north"
    assert float(row["shadow_price"]) == pytest.approx(6.0)
    assert {r["corridor"] for r in rows.values() if r["family"] == "budget"} == {""}
    with (tmp_path / "run" / "reduced_costs.csv").open(encoding="utf-8") as f:
        cols = {r["variable"]: r for r in csv.DictReader(f)}
    assert cols["corridor_flow(north)"]["corridor"] == "north"
    assert float(cols["corridor_flow(north)"]["value"]) == pytest.approx(100.0)


def test_the_label_order_derives_from_the_declared_dimensions(monkeypatch):
    """Group labels first, then the entities in the order the table of contents first names
    them, then phase, year and scenario: the order that was kept by hand, and a new label among
    the entities."""
    assert list(families.LABEL_ORDER) == LABELS_BEFORE
    monkeypatch.setattr(build, "STEPS", (*build.STEPS, add_corridor))
    assert list(families.LABEL_ORDER) == [*LABELS_BEFORE[:9], "corridor", *LABELS_BEFORE[9:]]
    assert "corridor_cap" in families.FAMILIES
    assert families.VARIABLES["corridor_flow"].dims == ("corridor",)


def test_the_registry_is_the_table_of_contents_not_the_import_order():
    """Every family of the registry is declared on a step of build.STEPS, in its order; a name
    declared twice is refused."""
    declared = [name for step in build.STEPS for name in families.declared(step).families]
    assert declared == list(families.FAMILIES)
    assert list(families.FAMILIES)[:2] == ["budget", "program_cap"]
    assert list(families.FAMILIES)[-1] == "scenario_tranche"
    twice = family("budget", (), "musd", "a second budget")(lambda m, s: None)
    with pytest.raises(ValueError, match="'budget' is declared twice"):
        families.registry_of((*build.STEPS, twice))


def test_every_declared_data_column_exists():
    """What a family says feeds its coefficients and right-hand side is a real input column."""
    for name, fam in families.FAMILIES.items():
        for ref in (*fam.coefficients, *fam.rhs):
            table, _, column = ref.partition(".")
            assert table in TABLES, (name, ref)
            assert column in TABLES[table][1].model_fields, (name, ref)


def _entries(folder: Path) -> tuple[Counter, str]:
    """The sweep's uncertain coefficients and bounds of a dataset: count per (kind, family) and
    the SHA-256 of one line per entry."""
    inp = load_inputs(folder)
    params = params_of(inp)
    model = SampleModel(inp, params, "jobs", "soft")
    lp, lines, kinds = model.lp, [], Counter()
    for prog in sorted(model.entries):
        for e in model.entries[prog]:
            row = "cost" if e.row < 0 else lp.row_names[e.row]
            lines.append(
                f"{prog} {e.kind} {row} {lp.col_names[e.col]} {e.year} {e.spent} {e.pos} {e.link}"
            )
            kinds[(e.kind, row.split("(")[0])] += 1
    for p, rows in zip(params, model.bound_rows, strict=True):
        for i, scale in rows:
            lines.append(f"bound {p.label} {lp.row_names[i]} {scale!r}")
            kinds[("bound", lp.row_names[i].split("(")[0])] += 1
    return kinds, hashlib.sha256("\n".join(lines).encode()).hexdigest()


def test_the_sweep_finds_the_same_uncertain_coefficients_as_before():
    """Counts and digest recorded on the code before the registry drove the sweep."""
    kinds, digest = _entries(BASELINE)
    assert kinds == Counter(
        {
            ("jobs", "tranche"): 2765,
            ("enabled", "enable"): 1384,
            ("jobs", "target"): 714,
            ("jobs", "cost"): 585,
            ("exports", "export_capacity"): 385,
            ("enabler", "enable"): 312,
            ("bound", "export_market"): 15,
            ("bound", "budget"): 3,
        }
    )
    assert digest == "f9eef1f63575dae934f5e25c021c43c94f20c49e64dbdc41e9e6206ecd3fc2cd"
    kinds, digest = _entries(DATA / "sweep")
    assert sum(kinds.values()) == 10
    assert digest == "3884e3c384b5cf7d4ec0192961ef11eef5122aa3356bf84aca6b5a638f8d7a44"


def _jobs_of_x(inp, index):
    """The toy row holds program x's jobs per musd at the row's year."""
    return [Term("x", index[0], "jobs")]


@family(
    "jobs_floor_x",
    ("year",),
    "jobs",
    "jobs of x in {year} at least 1",
    coefficients=("programs.jobs_per_musd", "programs.lag_years"),
    terms=_jobs_of_x,
)
def add_jobs_floor_x(m, s):
    """A toy row of x's jobs in the last year, declared with the data columns that feed it."""
    year = s.years[-1]
    body = [(s.programs["x"].jobs_per_musd, [s.iv[k] for k in s.capital_terms("x", year)])]
    m.add_rows("jobs_floor_x", {(year,): (1.0, body, None)})


def test_the_sweep_patches_a_new_family_through_its_declaration(monkeypatch):
    """A family that declares the program columns it holds is patched by the sweep, sample by
    sample, with no edit to studies/sweep.py."""
    monkeypatch.setattr(build, "STEPS", (*build.STEPS, add_jobs_floor_x))
    inp = load_inputs(DATA / "sweep")
    params = params_of(inp)
    model = SampleModel(inp, params, "jobs", "soft")
    row = model.lp.row_names.index(f"jobs_floor_x({inp.years[-1]})")
    mine = [e for e in model.entries["x"] if e.row == row]
    lp = model.lp
    invest_x = [
        j for j, f in enumerate(lp.col_family) if f == "invest" and lp.col_index[j][0] == "x"
    ]
    assert sorted(e.col for e in mine) == invest_x
    j = next(k for k, p in enumerate(params) if p.column == "jobs_per_musd")
    values = [p.nominal for p in params]
    values[j] = 7.5
    got = {model.sample_lp(values).matrix.data[e.pos] for e in mine}
    assert got == {7.5}, "the sampled jobs per musd, in every entry of the toy row"


def test_sweep_names_no_family():
    """The sweep finds what to patch through the registry: no row family is named in it."""
    text = (ROOT / "src" / "allocator" / "studies" / "sweep.py").read_text(encoding="utf-8")
    for name in families.FAMILIES:
        assert f'"{name}"' not in text, name


def test_robust_lives_in_robust():
    from allocator.model import constraints, robust

    assert robust.Robust.__module__ == "allocator.model.robust"
    assert constraints.Robust is robust.Robust, "the old import path still works"
