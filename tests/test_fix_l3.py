"""Task l3: loose ends. Overrides that leave nothing to allocate, each named by its own giver's
place (`pipeline.refuse_empty`)."""

from __future__ import annotations

import shutil

import pytest

import allocator
from allocator.errors import UsageError
from conftest import DATA

GREEDY = DATA / "greedy"


def _model(tmp_path, overrides: str) -> str:
    """A model file on a copy of the greedy case (programs a, b, c) with these override lines."""
    data = shutil.copytree(GREEDY, tmp_path / "data")
    model = tmp_path / "m.yaml"
    body = f"dataset: {data.as_posix()}\nobjective: jobs\noverrides:\n{overrides}"
    model.write_text(body, encoding="utf-8")
    return str(model)


def test_nothing_left_names_a_callers_exclude_by_the_callers_place(tmp_path):
    # the file excludes a and b (its overrides[0], [1]); the caller, after a set, excludes c (its
    # overrides[1]): before, the combined list's numbers named the caller's exclude
    # `m.yaml: ... overrides[3]`, an override the model file does not have
    model = _model(tmp_path, "  - exclude_program: a\n  - exclude_program: b\n")
    with pytest.raises(UsageError) as caught:
        allocator.plan(model, overrides=["programs.b.cap_musd=50", {"exclude_program": "c"}])
    line = str(caught.value)
    assert "nothing is left to allocate" in line, line
    assert line.startswith(f"{model}: "), line
    assert "overrides[0] exclude_program a" in line, line
    assert "overrides[1] exclude_program b" in line, line
    assert "the caller's overrides[1] exclude_program c" in line, line
    assert "overrides[3]" not in line, line
    assert "overrides[2]" not in line, line
