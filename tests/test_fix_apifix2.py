"""apifix2: what the Python API takes beyond the findings of hunt15 (tests/test_hunt15_found.py):
a model file of the wrong kind refused in words, compare's RunSpec keywords, the dataset's notes
as Python warnings, cells set as `--set` takes them, and overrides named by where they came from.
"""

from __future__ import annotations

import pytest

import allocator
from allocator.errors import UsageError
from conftest import DATA

GREEDY = DATA / "greedy"
EXPORTS = DATA / "exports"


def _said(call) -> str:
    """The one line of the UsageError `call()` raises."""
    with pytest.raises(UsageError) as caught:
        call()
    said = str(caught.value)
    assert "\n" not in said, said
    return said


@pytest.mark.parametrize("where", ["layered", "compare"])
def test_a_model_file_of_no_path_kind_is_refused_in_words(tmp_path, where):
    if where == "layered":
        said = _said(lambda: allocator.layered(5))
    else:
        said = _said(lambda: allocator.compare(["jobs", "exports"], model=5, out=tmp_path / "c"))
    assert "model file 5 (int) is not a path" in said, said
    assert not (tmp_path / "c").exists()
