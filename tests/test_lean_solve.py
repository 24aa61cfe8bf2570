"""Issue 30 (performance), the solve path: the same numbers with less work. Each test counts the
work (calls, HiGHS runs), never time."""

from __future__ import annotations

import importlib.metadata

import pandas as pd
import pytest

from allocator import pipeline
from allocator.report import tables as reports
from allocator.runs import common
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
    pd.testing.assert_frame_equal(sheets["Answer"], reports.answer(sol, label))
    pd.testing.assert_frame_equal(sheets["Sensitivity"], reports.sensitivity(sol))


def test_package_versions_are_read_once_a_process(monkeypatch):
    looked = []
    real = importlib.metadata.version

    def counted(name):
        looked.append(name)
        return real(name)

    common._versions.cache_clear() if hasattr(common, "_versions") else None
    monkeypatch.setattr(importlib.metadata, "version", counted)
    first, second = common.packages(), common.packages()
    assert first == second
    assert first["pyomo"] != "not installed"  # listed: the Pyomo view's version
    assert sorted(looked) == sorted(common.PACKAGES)
    first["numpy"] = "changed"  # a caller's dict is its own
    assert common.packages()["numpy"] == second["numpy"]


@pytest.fixture(autouse=True)
def _fresh_versions():
    yield
    if hasattr(common, "_versions"):
        common._versions.cache_clear()
