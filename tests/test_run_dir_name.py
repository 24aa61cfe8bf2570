"""A default run folder's name is made of the dataset's (or model file's) name: a dataset folder
named with a control character, a space or other punctuation gave a folder of that name under
results/ (created raw, printed escaped). Each run of characters that is not a letter or digit of
any script, `_`, `.` or `-` is now one `_`; letters with accents stay (perú_2040)."""

from __future__ import annotations

import shutil

import pytest

from conftest import DATA, run_cli


@pytest.mark.parametrize(
    ("name", "folder"),
    [("a\x1b[2Jb", "a_2Jb"), ("my data; v2", "my_data_v2"), ("perú 2040", "perú_2040")],
)
def test_a_default_run_folder_is_named_in_safe_characters(tmp_path, name, folder):
    shutil.copytree(DATA / "greedy", tmp_path / name)
    ran = run_cli("solve", "--inputs", name, cwd=tmp_path)
    assert ran.exit_code == 0, ran.stderr
    (made,) = (tmp_path / "results").iterdir()
    assert made.name.startswith(f"{folder}-jobs-"), made.name
