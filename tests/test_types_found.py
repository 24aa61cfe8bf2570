"""Bugs that `mypy --strict` found in the solver, model and studies layers, each pinned by a test
that failed before its fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import allocator.solver.passes as passes
from allocator.data.inputs import load_inputs
from allocator.data.uncertainty import params_of
from allocator.errors import UsageError
from allocator.studies.fixedplan import run_x
from allocator.studies.sweep import SampleModel
from conftest import DATA


def test_sweep_warm_up_solve_takes_no_ranging(monkeypatch: pytest.MonkeyPatch) -> None:
    """The solve that gives every sample its starting basis was called `optimum(lp, objective,
    False)`: the False landed on `weights` (read as the default weights) and ranging stayed on,
    a ranging pass per process that nothing reads. The basis is the same either way."""
    calls: list[int] = []
    real = passes.allowable_ranges

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(passes, "allowable_ranges", counted)
    inp = load_inputs(DATA / "sweep")
    model = SampleModel(inp, params_of(inp), "jobs", "soft")
    assert model.basis.valid
    assert calls == []


@pytest.fixture(scope="module")
def sweep_model() -> SampleModel:
    inp = load_inputs(DATA / "sweep")
    return SampleModel(inp, params_of(inp), "jobs", "soft")


def _plan_folder(tmp_path: Path, text: str) -> Path:
    (tmp_path / "allocation.csv").write_text(text, encoding="utf-8")
    return tmp_path


def test_plan_run_reads_its_allocation(sweep_model: SampleModel, tmp_path: Path) -> None:
    folder = _plan_folder(tmp_path, "program,pool,year,invest_musd\nx,public,2026,1.5\n")
    x = run_x(sweep_model, folder)
    assert x.tolist() == [0.0, 1.5] + [0.0] * (len(x) - 2)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        # an empty invest_musd was read as NaN: a plan of NaN money, silently
        ("program,pool,year,invest_musd\nx,public,2026,\n", "row 2, column invest_musd"),
        ("program,pool,year,invest_musd\nx,public,2026,1\ny,public,2025,lots\n", "row 3"),
        # an empty or a fractional year: a traceback (int of NaN) or another year's column
        ("program,pool,year,invest_musd\nx,public,,1.5\n", "row 2, column year"),
        ("program,pool,year,invest_musd\nx,public,2025.5,1.5\n", "row 2, column year"),
        ("program,pool,invest_musd\nx,public,1.5\n", "no year column"),
    ],
)
def test_plan_run_with_a_bad_cell_is_a_usage_error(
    sweep_model: SampleModel, tmp_path: Path, text: str, where: str
) -> None:
    """mypy: a table cell may be missing (NA) where `int(r.year)` and `float(r.invest_musd)`
    took a number."""
    with pytest.raises(UsageError, match=where) as got:
        run_x(sweep_model, _plan_folder(tmp_path, text))
    assert "allocation.csv" in str(got.value)
    assert "Fix:" in str(got.value)


REPLAN = DATA / "replan"


@pytest.fixture(scope="module")
def approved_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An approved plan to re-plan: `allocator solve` on tests/data/replan."""
    from conftest import invoke

    out = tmp_path_factory.mktemp("approved") / "run"
    res = invoke("solve", "--inputs", REPLAN, "--out", out)
    assert res.exit_code == 0, res.output
    return out


def test_replan_refuses_an_edited_shadow_price_that_is_no_number(
    approved_run: Path, tmp_path: Path
) -> None:
    """mypy (studies/replan.binding_rows): `float(r.shadow_price)` of the approved run's
    shadow_prices.csv, a file the user may have edited; a churn row's price that is no number
    was a ValueError traceback. Now exit 2 naming the file, the row and the column."""
    import shutil

    from conftest import run_cli

    approved = tmp_path / "approved"
    shutil.copytree(approved_run, approved)
    path = approved / "shadow_prices.csv"
    t = pd.read_csv(path, dtype=str, keep_default_na=False)
    t.loc[1, ["family", "binding", "shadow_price"]] = ["replan_change", "True", "lots"]
    t.to_csv(path, index=False)
    ran = run_cli(
        "replan", approved, "--actuals", REPLAN / "actuals.csv", "--as-of", 2026,
        "--out", tmp_path / "re",
    )  # fmt: skip
    assert ran.exit_code == 2, ran.stderr
    assert "Traceback" not in ran.stderr
    message = " ".join(ran.stderr.split())
    assert f"{path}, row 3, column 'shadow_price'" in message
    assert "'lots' is not a number" in message
    assert "Fix:" in message
    assert not (tmp_path / "re").exists()
