"""r1, finding 3: compare's objective rows are one thing each. A row is an objective under one
measure (`objective (jobs)` the final measure's; `objective (jobs, cumulative)`, `objective
(exports, discounted at 5% a year)` the others'), in that measure's unit; a plan solved under
another measure shows the number where its tables or its solve give it (the last milestone's
total for the final measure, from any plan's outcomes; the other objective under the plan's own
measure for a plan compare solved), else a blank with why, never another measure's number."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import BASELINE, run_cli


def _last_total(tables: dict[str, pd.DataFrame], column: str) -> float:
    """The bundled dataset's total of `column` in its last milestone year (2040)."""
    frame = tables["outcomes"]
    total = frame[(frame["dimension"] == "total") & (frame["year"].astype(int) == 2040)]
    return float(total[column].iloc[0])


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """Three run folders of the bundled dataset: jobs under the final and the cumulative
    measure, exports discounted at 5% a year."""
    import allocator

    root = tmp_path_factory.mktemp("r1compare")
    given = {
        "fin": {"objective": "jobs"},
        "cum": {"objective": "jobs", "measure": "cumulative"},
        "disc": {"objective": "exports", "measure": "discounted", "discount_rate": 0.05},
    }
    for label, options in given.items():
        allocator.solve(inputs=BASELINE, out=root / label, warn=lambda _: None, **options)
    return {label: root / label for label in given}


@pytest.fixture(scope="module")
def table(folders) -> pd.DataFrame:
    from allocator.studies.compare import compare, load_run

    return compare([load_run(folders[k]) for k in ("fin", "cum", "disc")])


def _objective(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["section"] == "objective"].set_index("metric")


def test_each_measure_of_an_objective_is_a_row_of_its_own_in_its_unit(table):
    rows = _objective(table)
    assert list(rows.index) == [
        "objective (jobs)",
        "objective (jobs, cumulative)",
        "objective (exports, discounted at 5% a year)",
    ]
    assert rows.loc["objective (jobs, cumulative)", "unit"].endswith("; job-years (cum)")
    assert rows.loc["objective (exports, discounted at 5% a year)", "unit"].endswith(
        "; pv musd of exports (disc)"
    )


def test_a_plan_of_another_measure_shows_the_final_measure_from_its_outcomes(table, folders):
    """The final row is the last milestone's total jobs: the cumulative and the discounted
    plans give theirs from their outcomes (they were blank), in jobs, not their own objective's
    job-years (which were on this row, in the unit `jobs`)."""
    from allocator.studies.compare import load_run

    row = _objective(table).loc["objective (jobs)"]
    assert row["unit"] == "jobs"
    for label in ("fin", "cum", "disc"):
        assert row[label] == _last_total(load_run(folders[label]).tables, "jobs"), label
    assert row["fin"] == pytest.approx(545_333.54)
    cum = _objective(table).loc["objective (jobs, cumulative)"]
    assert cum["cum"] == pytest.approx(5_530_746.7)  # its own objective, on its own row
    assert row["cum"] < cum["cum"] / 5  # job-years over 16 years are not jobs in 2040


def test_a_measure_a_run_folder_does_not_hold_is_blank_with_why(table):
    from allocator.studies.compare import OTHER_MEASURE

    cum = _objective(table).loc["objective (jobs, cumulative)"]
    assert cum[["fin", "disc"]].isna().all()
    assert cum["unit"] == f"{OTHER_MEASURE} (fin, disc); job-years (cum)"


def test_compare_solving_under_a_measure_gives_both_objectives_in_its_unit(tmp_path):
    """`compare jobs exports --measure cumulative`: both plans are solved here, so each gives
    the other objective's value under the same measure (its LP's cost row at its plan). The
    jobs plan has the most job-years, the exports plan the most export revenue."""
    import allocator

    done = allocator.compare(["jobs", "exports"], measure="cumulative", out=tmp_path / "c")
    rows = _objective(done.table)
    assert list(rows.index) == ["objective (jobs, cumulative)", "objective (exports, cumulative)"]
    jobs, exports = (
        rows.loc["objective (jobs, cumulative)"],
        rows.loc["objective (exports, cumulative)"],
    )
    assert (jobs["unit"], exports["unit"]) == ("job-years", "musd of exports")
    assert jobs["jobs"] == pytest.approx(5_530_746.7)
    assert jobs["exports"] == jobs["exports"]  # a number, not a blank
    assert jobs["exports"] <= jobs["jobs"]
    assert exports["jobs"] <= exports["exports"]
    again = allocator.plan(objective="exports", measure="cumulative", warn=lambda _: None)
    assert exports["exports"] == again.solution.objective_value
    assert jobs["exports"] == again.solution.totals["jobs"]
    page = (tmp_path / "c" / "report.html").read_text(encoding="utf-8")
    headline = page[page.index('id="headline"') :].split("</p>")[0]
    assert "jobs: <strong>5,530,747 job-years</strong>" in headline, headline
    assert "exports: <strong>" in headline, headline
    assert "musd of exports</strong>" in headline, headline


def test_the_command_line_writes_the_rows_apart(folders, tmp_path):
    out = tmp_path / "cmp"
    ran = run_cli("compare", folders["fin"], folders["cum"], "--out", out)
    assert ran.exit_code == 0, ran.stderr
    rows = pd.read_csv(out / "compare.csv")
    rows = rows[rows["section"] == "objective"].set_index("metric")
    assert rows.loc["objective (jobs)", "unit"] == "jobs"
    assert rows.loc["objective (jobs, cumulative)", "cum"] == pytest.approx(5_530_746.7)
