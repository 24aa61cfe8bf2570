"""`allocator.studies.compare` on two real run folders of the small exports case: jobs vs
exports plan.

jobs plan: y gets the whole budget (100): 300 jobs, 100 musd exports.
exports plan: x 50, y 50 (the export market caps exports at 150): 200 jobs, 150 musd exports.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from allocator.cli.comparing import show_compare
from allocator.errors import UsageError
from allocator.studies.compare import (
    RunView,
    compare,
    format_number,
    load_run,
    unique_labels,
    view_of,
    write_compare,
)
from conftest import DATA, run_cli, solved

CASE = DATA / "exports"
YEAR = 2026


def _solve(objective: str, out: Path) -> Path:
    done = run_cli("solve", "--inputs", CASE, "--objective", objective, "--out", out)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("compare")
    return _solve("jobs", base / "A"), _solve("exports", base / "B")


@pytest.fixture(scope="module")
def table(runs: tuple[Path, Path]) -> pd.DataFrame:
    return compare([load_run(f) for f in runs])


def _section(table: pd.DataFrame, section: str) -> pd.DataFrame:
    return table[table["section"] == section].set_index("metric")


def _csv(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype={"program": str, "sector": str})


def test_layout(table: pd.DataFrame) -> None:
    assert list(table.columns) == ["section", "metric", "unit", "A", "B"]
    sections = list(dict.fromkeys(table["section"]))
    assert sections == ["objective", "outcomes", "sector x phase", "shadow prices"] + [
        "largest differences"
    ]
    assert table[["A", "B"]].dtypes.tolist() == [float, float]


def test_load_run(runs: tuple[Path, Path]) -> None:
    view = load_run(runs[0])
    assert isinstance(view, RunView)
    assert view.label == "A"
    assert view.info == json.loads((runs[0] / "run.json").read_text())
    assert {"allocation", "allocation_by_phase", "outcomes", "shadow_prices"} <= set(view.tables)


def test_objective_rows_are_run_json(runs: tuple[Path, Path], table: pd.DataFrame) -> None:
    rows = _section(table, "objective")
    for folder, label in ((runs[0], "A"), (runs[1], "B")):
        objective = json.loads((folder / "run.json").read_text())["objective"]
        row = rows.loc[f"objective ({objective['name']})"]
        assert row[label] == objective["value"]
        assert row["unit"] == objective["unit"]
    assert rows.loc["objective (jobs)", "A"] == 300
    assert rows.loc["objective (exports)", "B"] == 150
    # the other plan's value of each, from its outcomes (2026's totals: the final measure)
    assert rows.loc["objective (jobs)", "B"] == 200
    assert rows.loc["objective (exports)", "A"] == 100


def test_outcome_totals_are_outcomes_csv(runs: tuple[Path, Path], table: pd.DataFrame) -> None:
    rows = _section(table, "outcomes")
    assert rows.loc[f"total jobs in {YEAR}", "unit"] == "jobs"
    assert rows.loc[f"total exports in {YEAR}", "unit"] == "US$ million per year"
    assert rows.loc["total investment", "unit"] == "US$ million"
    for folder, label in zip(runs, ("A", "B"), strict=True):
        out = _csv(folder, "outcomes")
        total = out[(out["dimension"] == "total") & (out["year"] == YEAR)].iloc[0]
        assert rows.loc[f"total jobs in {YEAR}", label] == total["jobs"]
        assert rows.loc[f"total exports in {YEAR}", label] == total["exports_musd"]
        invest = math.fsum(_csv(folder, "allocation")["invest_musd"])
        assert rows.loc["total investment", label] == invest
    assert rows.loc[f"total jobs in {YEAR}", ["A", "B"]].tolist() == [300, 200]
    assert rows.loc[f"total exports in {YEAR}", ["A", "B"]].tolist() == [100, 150]


def test_sector_phase_rows_are_allocation_sums(
    runs: tuple[Path, Path], table: pd.DataFrame
) -> None:
    rows = _section(table, "sector x phase")
    assert list(rows.index) == ["s1 / p1", "s2 / p1"]
    assert set(rows["unit"]) == {"US$ million"}
    for folder, label in zip(runs, ("A", "B"), strict=True):
        alloc = _csv(folder, "allocation")
        for (sector, phase), group in alloc.groupby(["sector", "phase"]):
            assert rows.loc[f"{sector} / {phase}", label] == math.fsum(group["invest_musd"])
    assert rows.loc["s1 / p1", "A"] == 0  # the jobs plan funds no s1: 0, not blank
    assert rows.loc["s1 / p1", "B"] == 50


def test_shadow_price_rows(runs: tuple[Path, Path], table: pd.DataFrame) -> None:
    rows = _section(table, "shadow prices")
    # A's limits whose room buys something (the budget: +1; y's cap has a dual of 2 but one
    # more unit of it buys nothing), then B's (1): the union of each plan's top five
    market = f"export_market(export_category,cat,{YEAR})"
    assert list(rows.index) == ["budget(public,p1)", market]
    for folder, label in zip(runs, ("A", "B"), strict=True):
        prices = _csv(folder, "shadow_prices").set_index("constraint")
        for name in rows.index:  # what one more unit buys (all rows here are <= limits)
            whole = prices.loc[name, "gain_of_one_unit_up"]
            unreached = prices.loc[name, "slack"] > 0  # more room changes no plan: 0
            assert rows.loc[name, label] == (0 if math.isnan(whole) and unreached else whole) or (
                math.isnan(whole) and math.isnan(rows.loc[name, label])
            )
    # units differ between a jobs and an exports objective: each unit names its views, and a
    # blank says why
    blank = "blank: its run did not re-solve this limit"
    assert rows.loc["budget(public,p1)", "unit"].startswith(
        "jobs from one more musd of room (A); " + blank
    )
    assert rows.loc["budget(public,p1)", "unit"].endswith("(B)")
    assert rows.loc[market, "unit"] == (
        "jobs from one more musd of room (A); musd of exports from one more musd of room (B)"
    )
    # a row outside a plan's own list has no whole unit computed there: blank, not its dual,
    # unless the plan does not reach it (A exports 100 of the 150 musd the market allows)
    assert rows.loc["budget(public,p1)", "A"] == 1
    assert math.isnan(rows.loc["budget(public,p1)", "B"])
    assert rows.loc[market, "A"] == 0
    # one more musd of markets.csv's market is max_share (0.5) of a musd more reachable
    assert rows.loc[market, "B"] == 0.5


def test_largest_differences(table: pd.DataFrame) -> None:
    rows = _section(table, "largest differences")
    assert list(rows.index) == ["x", "y"]  # both differ by 50: ties by program name
    assert rows.loc["y", ["A", "B"]].tolist() == [100, 50]
    assert rows.loc["x", ["A", "B"]].tolist() == [0, 50]
    assert set(rows["unit"]) == {"US$ million"}


def test_write_compare_round_trip(table: pd.DataFrame, tmp_path: Path) -> None:
    paths = write_compare(table, tmp_path)
    assert paths == [tmp_path / "compare.csv", tmp_path / "compare.xlsx"]
    assert all(p.is_file() for p in paths)
    back = pd.read_csv(paths[0], keep_default_na=False, na_values=[""])
    assert list(back.columns) == list(table.columns)
    assert back[["section", "metric", "unit"]].equals(table[["section", "metric", "unit"]])
    # every cell of A is a whole number now (no blank), so pandas reads it back as int64
    pd.testing.assert_frame_equal(
        back[["A", "B"]].astype(float), table[["A", "B"]], check_exact=True
    )
    sheets = pd.read_excel(paths[1], sheet_name=None)
    assert list(sheets) == ["compare"]
    assert len(sheets["compare"]) == len(table)


def test_write_compare_needs_a_folder(table: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="missing"):
        write_compare(table, tmp_path / "missing")


def test_load_run_without_run_json(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-run"
    folder.mkdir()
    (folder / "allocation.csv").write_text("program\n")
    with pytest.raises(UsageError, match="not-a-run.*run.json.*Fix") as exc:
        load_run(folder)
    assert "\n" not in str(exc.value)


def test_load_run_missing_table(runs: tuple[Path, Path], tmp_path: Path) -> None:
    folder = tmp_path / "partial"
    folder.mkdir()
    for name in ("run.json", "allocation.csv", "allocation_by_phase.csv", "outcomes.csv"):
        (folder / name).write_bytes((runs[0] / name).read_bytes())
    with pytest.raises(UsageError, match="partial has no shadow_prices.csv.*Fix"):
        load_run(folder)


def test_in_memory_view_matches_folder(runs: tuple[Path, Path]) -> None:
    _inp, sol, tables = solved(str(CASE), "exports")
    info = {
        "objective": {
            "name": sol.objective,
            "value": sol.objective_value,
            "unit": sol.objective_unit,
        },
        "outcomes": {},
    }
    memory = compare([view_of("B", info, tables)])
    folder = compare([load_run(runs[1])])
    assert memory[["section", "metric", "unit"]].equals(folder[["section", "metric", "unit"]])
    pd.testing.assert_series_equal(memory["B"], folder["B"], rtol=1e-12)


def test_view_of_rejects_info_without_objective() -> None:
    with pytest.raises(UsageError, match="objective"):
        view_of("plan", {"outcomes": {}}, {})


def test_unique_labels() -> None:
    assert unique_labels(["A", "A", "metric", "A (2)"]) == ["A", "A (2)", "metric (2)", "A (2) (2)"]


def test_format_number() -> None:
    assert format_number(596022.5) == "596,022.5"
    assert format_number(44060.0) == "44,060"
    assert format_number(1433.333333) == "1,433.33"
    assert format_number(-0.0714286) == "-0.07143"
    assert format_number(float("nan")) == ""


def test_show_compare(table: pd.DataFrame) -> None:
    console = Console(record=True, width=110)
    show_compare(table, console)
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 110
    for word in ("shadow prices", "largest differences", "US$ million per year", "A", "B"):
        assert word in text
    assert "300" in text
    assert "150" in text


@pytest.mark.parametrize(
    ("table", "column"),
    [("shadow_prices", "shadow_price"), ("outcomes", "jobs"), ("allocation", "invest_musd")],
)
def test_an_edited_cell_that_is_no_number_is_one_line(runs, tmp_path, table, column) -> None:
    """compare of a run folder whose table a person edited (a cell `lots`): one line naming the
    file, row and column, exit 2 (it was a ValueError traceback)."""
    import shutil

    edited = tmp_path / "edited"
    shutil.copytree(runs[0], edited)
    path = edited / f"{table}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[0, column] = "lots"
    frame.to_csv(path, index=False)
    ran = run_cli("compare", edited, runs[1], "--out", tmp_path / "cmp")
    assert ran.exit_code == 2, ran.stderr
    line = ran.stderr.strip()
    assert "\n" not in line
    assert f"{table}.csv, row 2, column '{column}': 'lots' is not a number" in line, line
    assert not (tmp_path / "cmp").exists()
