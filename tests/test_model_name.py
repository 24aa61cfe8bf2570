"""A model file's `name` names its default run folder under results/ (`<name>-<objective>-
<date>-<time>`): `name: ../escape` wrote the run folder beside results/, outside it (a name with
`/` anywhere else), and `name: ""` made `-jobs-...`. A name is now a plain file name, the rule
of serve's Save (letters, digits, _ . -, first a letter or digit, up to 64), refused otherwise
in one line naming the file, the field and the fix, before anything is written."""

from __future__ import annotations

import pytest

from conftest import invoke
from test_hunt_inputs import model_file, one_line_refusal


@pytest.mark.parametrize("name", ["../escape", "a/b", "..", ".hidden", "", "my run", "x" * 65])
def test_a_name_that_is_no_plain_file_name_is_refused(tmp_path, name):
    path = model_file(tmp_path, f'name: "{name}"\n')
    work = tmp_path / "work"
    work.mkdir()
    res = invoke("solve", path, cwd=work)
    line = one_line_refusal(res, f"{path}: name: ")
    assert "letters, digits" in line
    assert line.count("Fix: ") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["greedy", "m.yaml", "work"]
    assert list(work.iterdir()) == []


@pytest.mark.parametrize("name", ["baseline", "public_cut_phase2", "v1.2-final", "A" * 64])
def test_a_plain_name_names_the_run_folder(tmp_path, name):
    path = model_file(tmp_path, f"name: {name}\n")
    res = invoke("solve", path, cwd=tmp_path)
    assert res.exit_code == 0, res.output
    (folder,) = (tmp_path / "results").iterdir()
    assert folder.name.startswith(f"{name}-jobs-")


def test_a_refused_list_item_is_named_as_the_other_messages_name_it(tmp_path):
    """`overrides[0].set_coefficient`, as every other model-file message writes a list item
    (it said `overrides.0.set_coefficient` where pydantic refused the value)."""
    text = "overrides:\n  - set_coefficient: {program: a, column: lag_years, value: 1.5}\n"
    path = model_file(tmp_path, text)
    line = one_line_refusal(invoke("solve", path, cwd=tmp_path), f"{path}: overrides[0].")
    assert "overrides[0].set_coefficient: lag_years = 1.5 is not a whole number" in line


@pytest.mark.parametrize("name", ["final.", "v2-", "x_"])
def test_a_name_ending_in_a_dot_or_dash_is_refused(tmp_path, name):
    """A plain name ends in a letter or digit: Windows drops a trailing dot (`final.` and
    `final` would be one folder there), and a trailing `-` or `_` reads as a cut name."""
    path = model_file(tmp_path, f'name: "{name}"\n')
    work = tmp_path / "work"
    work.mkdir()
    line = one_line_refusal(invoke("solve", path, cwd=work), f"{path}: name: ")
    assert "first a letter or digit" in line
