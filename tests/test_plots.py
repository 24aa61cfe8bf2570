"""The slide charts: each writes a 1500 x 900 PNG, not blank, from hand-made and real tables."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.image
import pandas as pd
import pytest

from allocator.data.inputs import load_inputs
from allocator.pipeline import solve_inputs, tables_of
from allocator.report import plots, studyplots
from allocator.report.tables import sector_by_phase, top_shadow_prices
from conftest import BASELINE, DATA


def _check_png(path: Path) -> None:
    """A PNG of about 1500 x 900 pixels with more than one colour in it."""
    assert path.is_file()
    assert path.read_bytes()[:4] == b"\x89PNG"
    pixels = matplotlib.image.imread(path)
    height, width = pixels.shape[:2]
    assert abs(width - 1500) <= 15
    assert abs(height - 900) <= 15
    assert pixels.var() > 0


@pytest.fixture
def allocation() -> pd.DataFrame:
    """Two phases (listed later one first), three sectors; phase totals 100 and 300."""
    return pd.DataFrame(
        {
            "sector": ["s2", "s1", "s3", "s1", "s2"],
            "phase": ["p2", "p2", "p2", "p1", "p1"],
            "year": [2030, 2031, 2030, 2025, 2026],
            "invest_musd": [150.0, 100.0, 50.0, 60.0, 40.0],
        }
    )


@pytest.fixture
def shadow_prices() -> pd.DataFrame:
    """Three rows, one of them not binding (price 0), one a floor (negative price)."""
    return pd.DataFrame(
        {
            "constraint": ["budget(public,p1)", "program_cap(a)", "program_floor(b)"],
            "description": [
                "budget of pool public in p1",
                "cap on program a",
                "floor on program b",
            ],
            "shadow_price": [4.0, 0.0, -2.5],
            "unit": ["jobs per musd"] * 3,
        }
    )


def test_sector_by_phase_orders_phases_by_first_year(allocation: pd.DataFrame) -> None:
    table = sector_by_phase(allocation)
    assert list(table.columns) == ["p1", "p2"]
    assert list(table.index) == ["s1", "s2", "s3"]
    assert table.sum().tolist() == [100.0, 300.0]


def test_plot_allocation(allocation: pd.DataFrame, tmp_path: Path) -> None:
    backend = matplotlib.get_backend()
    out = plots.plot_allocation(allocation, tmp_path / "allocation.png", "Investment by phase")
    assert out == tmp_path / "allocation.png"
    _check_png(out)
    assert matplotlib.get_backend() == backend  # no process-wide state changed


def test_numbers_on_the_charts() -> None:
    assert plots.whole_text(16166.5) == "16,167"  # phase totals: halves up, as on paper
    assert plots.whole_text(16166.499999999998) == "16,167"  # float noise is not a fraction
    assert plots.whole_text(5833.4) == "5,833"
    assert plots.tick_text(17500.0) == "17,500"
    assert plots.tick_text(2.5) == "2.5"
    assert plots.signed_text(12.5) == "+12.5"
    assert plots.signed_text(-4.0) == "-4"
    assert plots.signed_text(1500.0) == "+1,500"
    assert plots.amount_text(596022.5) == "596,022.5"
    assert plots.amount_text(44059.99999999997) == "44,060"


def test_plot_allocation_empty(tmp_path: Path) -> None:
    empty = pd.DataFrame(columns=["sector", "phase", "year", "invest_musd"])
    _check_png(plots.plot_allocation(empty, tmp_path / "a.png", "Nothing invested"))


def test_plot_shadow_prices(shadow_prices: pd.DataFrame, tmp_path: Path) -> None:
    _check_png(plots.plot_shadow_prices(shadow_prices, tmp_path / "sp.png", "Shadow prices"))
    top = top_shadow_prices(shadow_prices, 12)
    assert top["constraint"].tolist() == ["budget(public,p1)", "program_floor(b)"]
    assert top_shadow_prices(shadow_prices, 1)["constraint"].tolist() == ["budget(public,p1)"]


def test_plot_shadow_prices_none_binding(shadow_prices: pd.DataFrame, tmp_path: Path) -> None:
    zero = shadow_prices.assign(shadow_price=[0.0, 1e-12, 0.0])
    assert top_shadow_prices(zero, 12).empty
    _check_png(plots.plot_shadow_prices(zero, tmp_path / "sp.png", "Shadow prices"))


def test_plot_shadow_prices_mixed_units(shadow_prices: pd.DataFrame, tmp_path: Path) -> None:
    mixed = shadow_prices.assign(unit=["jobs per musd", "jobs per musd", "jobs per job"])
    _check_png(plots.plot_shadow_prices(mixed, tmp_path / "sp.png", "Mixed units"))


def _frontier(exports: list[float], jobs: list[float]) -> pd.DataFrame:
    """A frontier.csv-like table of jobs (y) against exports (x) in 2040."""
    n = len(jobs)
    return pd.DataFrame(
        {
            "x": ["exports"] * n,
            "x_words": ["US$ million of exports in 2040"] * n,
            "x_unit": ["musd"] * n,
            "x_value": exports,
            "y": ["jobs"] * n,
            "y_words": ["direct jobs in 2040"] * n,
            "y_unit": ["jobs"] * n,
            "y_value": jobs,
        }
    )


def test_plot_frontier(tmp_path: Path) -> None:
    # not in order: the plot sorts them
    frontier = _frontier([150.0, 100.0, 140.0, 120.0], [200.0, 300.0, 240.0, 280.0])
    _check_png(studyplots.plot_frontier(frontier, tmp_path / "frontier.png", "Jobs vs exports"))
    assert studyplots.frontier_points(frontier)["x_value"].tolist() == [100, 120, 140, 150]


def test_plot_frontier_single_point(tmp_path: Path) -> None:
    one = _frontier([44060.0, 44059.99999999997], [596022.5] * 2)
    assert len(studyplots.frontier_points(one)) == 1  # equal up to rounding noise: one plan
    path = studyplots.plot_frontier(one, tmp_path / "f1.png", "Jobs vs exports")
    _check_png(path)


def test_same_tables_give_same_bytes(allocation: pd.DataFrame, tmp_path: Path) -> None:
    first = plots.plot_allocation(allocation, tmp_path / "a.png", "Investment")
    second = plots.plot_allocation(allocation, tmp_path / "b.png", "Investment")
    assert first.read_bytes() == second.read_bytes()


def test_folder_is_created(allocation: pd.DataFrame, tmp_path: Path) -> None:
    _check_png(plots.plot_allocation(allocation, tmp_path / "new" / "a.png", "Investment"))


@pytest.mark.parametrize("folder", [DATA / "ramp", BASELINE], ids=["ramp", "baseline"])
def test_plots_of_a_real_run(folder: Path, tmp_path: Path) -> None:
    inp = load_inputs(folder)
    sol, _ = solve_inputs(inp, "jobs")
    tables = tables_of(inp, sol)
    _check_png(plots.plot_allocation(tables["allocation"], tmp_path / "a.png", folder.name))
    _check_png(plots.plot_shadow_prices(tables["shadow_prices"], tmp_path / "s.png", "prices"))
    best = [solve_inputs(inp, objective)[0].totals for objective in ("jobs", "exports")]
    frontier = _frontier([b["exports"] for b in best], [b["jobs"] for b in best])
    _check_png(studyplots.plot_frontier(frontier, tmp_path / "f.png", f"{folder.name} frontier"))


def test_frontier_of_the_exports_case(tmp_path: Path) -> None:
    """Jobs-best (100 musd exports, 300 jobs) and exports-best (150, 200) are two plans."""
    inp = load_inputs(DATA / "exports")
    best = [solve_inputs(inp, objective)[0].totals for objective in ("jobs", "exports")]
    frontier = _frontier([b["exports"] for b in best], [b["jobs"] for b in best])
    assert studyplots.frontier_points(frontier).values.tolist() == [[100, 300], [150, 200]]
    _check_png(studyplots.plot_frontier(frontier, tmp_path / "f.png", "exports case"))
