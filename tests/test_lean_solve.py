"""Issue 30 (performance), the solve path: the same numbers with less work. Each test counts the
work (calls, HiGHS runs), never time."""

from __future__ import annotations

import importlib.metadata

import numpy as np
import pandas as pd
import pytest

from allocator import pipeline
from allocator.report import solverreports
from allocator.report import tables as reports
from allocator.runs import common
from allocator.solver.ranging import ONE_SIDED
from conftest import DATA, solved


def test_shadow_prices_are_computed_once_for_the_tables_and_the_sheets(monkeypatch):
    inp, sol, expected = solved(str(DATA / "targets"))
    calls = []
    real = reports.shadow_prices

    def counted(s):
        calls.append(s)
        return real(s)

    monkeypatch.setattr(reports, "shadow_prices", counted)
    tables = pipeline.tables_of(inp, sol)
    sheets = pipeline.sheets_of(inp, sol, tables)
    assert len(calls) == 1
    monkeypatch.undo()
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(tables[name], frame)
    label = reports.objective_label(sol, inp.last_milestone)
    pd.testing.assert_frame_equal(sheets["Answer"], solverreports.answer(sol, label))
    sheet = sheets["Sensitivity"]  # the workbook's sheet adds each row's unit (value_unit)
    assert "value_unit" in sheet.columns
    plain = sheet.drop(columns="value_unit")
    pd.testing.assert_frame_equal(plain, solverreports.sensitivity(sol))


@pytest.fixture
def _fresh_versions():
    """The versions read again after the test (it counted them with a stand-in)."""
    yield
    common._versions.cache_clear()


@pytest.mark.usefixtures("_fresh_versions")
def test_package_versions_are_read_once_a_process(monkeypatch):
    looked = []
    real = importlib.metadata.version

    def counted(name):
        looked.append(name)
        return real(name)

    common._versions.cache_clear()  # as in a new process
    monkeypatch.setattr(importlib.metadata, "version", counted)
    first, second = common.packages(), common.packages()
    assert first == second
    assert first["pyomo"] != "not installed"  # listed: the Pyomo view's version
    assert sorted(looked) == sorted(common.PACKAGES)
    first["numpy"] = "changed"  # a caller's dict is its own
    assert common.packages()["numpy"] == second["numpy"]


def _solved_counting(folder, monkeypatch, shortcuts: bool, objective: str = "jobs"):
    """(rows table, HiGHS runs) of a solve of `folder`, its exact shortcuts on or off."""
    import highspy

    from allocator.data.inputs import load_inputs
    from allocator.solver import probes

    runs = []
    real = highspy.Highs.run

    def counted(self, *args, **kwargs):
        runs.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(probes, "SHORTCUTS", shortcuts)
    monkeypatch.setattr(highspy.Highs, "run", counted)
    sol, _ = pipeline.solve_inputs(load_inputs(folder), objective)
    monkeypatch.undo()
    return sol.rows, len(runs)


@pytest.mark.parametrize("folder", ["targets", "shares"])
def test_rates_skipped_by_exact_tests_are_those_the_re_solves_give(folder, monkeypatch):
    """A cut that no column bound allows (a budget of 0), a side infeasible at one unit and at
    the least move, a whole unit that the rate's probe solved already: the same rates, units and
    `re_solved` flags as re-solving each, with fewer HiGHS runs."""
    fast, fewer = _solved_counting(DATA / folder, monkeypatch, shortcuts=True)
    full, runs = _solved_counting(DATA / folder, monkeypatch, shortcuts=False)
    assert fewer < runs
    assert fast["re_solved"].tolist() == full["re_solved"].tolist()
    for column in ONE_SIDED:
        a, b = fast[column].to_numpy(dtype=float), full[column].to_numpy(dtype=float)
        assert ((a == b) | (np.isnan(a) & np.isnan(b)) | np.isclose(a, b, rtol=1e-12)).all(), column
    # the infeasible cuts are exercised: each holds for no amount (task w1), the same both ways
    assert (full["down_holds_for"] == 0).any()
    assert fast["down_end"].tolist() == full["down_end"].tolist()


def _row_models():
    """Every row model of the input tables (`Row` and its subclasses), and the run spec's."""
    import allocator.data.links  # noqa: F401 - registers its row models
    import allocator.data.schema  # noqa: F401
    from allocator.data.rows import Row
    from allocator.runs.spec import RunSpec, Scenario

    found, todo = [], [Row]
    while todo:
        model = todo.pop()
        found.append(model)
        todo.extend(model.__subclasses__())
    return [*found, RunSpec, Scenario]


def test_field_docstrings_are_the_descriptions_pydantic_would_give():
    """The descriptions read where shown (`described`) are those pydantic's
    `use_attribute_docstrings` gave every field at import (its own extraction, by class)."""
    from pydantic._internal._docs_extraction import extract_docstrings_from_cls

    from allocator.data.rows import described

    models = _row_models()
    assert len(models) > 15
    for model in models:
        expected = {}
        for name in model.model_fields:
            owner = next(c for c in model.__mro__ if name in c.__dict__.get("__annotations__", {}))
            expected[name] = extract_docstrings_from_cls(owner, use_inspect=True).get(name)
        got = {name: info.description for name, info in described(model).items()}
        assert got == expected, model.__name__
    assert any(info.description for info in described(models[0]).values())


def test_importing_the_schema_reads_no_class_source(monkeypatch):
    """pydantic's `use_attribute_docstrings` reads each model's source at import (48 ms of
    every command on Python 3.11): no model asks for it."""
    for model in _row_models():
        assert not model.model_config.get("use_attribute_docstrings"), model.__name__
