"""Task fb, item 2: an out-of-range slack is echoed as it was given: a Python caller's
`alternatives(slack=1e6)` as the number passed (`slack=1000000.0`, its repr, not `1e+06`),
named by its keyword, and the command line's `--slack 1e6` as typed. Both refused before any
work, nothing written."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.errors import UsageError
from conftest import BASELINE, run_cli


@pytest.mark.parametrize(
    ("slack", "said"),
    [
        (1e6, "slack=1000000.0"),
        (1000000, "slack=1000000"),
        (2.5, "slack=2.5"),
        (-0.25, "slack=-0.25"),
        (1, "slack=1"),
        (1e-300 + 1, "slack=1.0"),
        (np.float64(12.5), f"slack={np.float64(12.5)!r}"),
        ("150%", "slack='150%'"),
        ("1e6", "slack='1e6'"),
    ],
)
def test_a_python_callers_slack_is_echoed_as_given(tmp_path, slack, said):
    from allocator import alternatives

    out = tmp_path / "alt"
    with pytest.raises(UsageError) as caught:
        alternatives(inputs=BASELINE, slack=slack, out=out)
    line = str(caught.value)
    assert line.startswith(f"{said} is the share of the optimum that may be given up, in [0, 1)")
    assert "Fix: e.g. slack=0.02 for 2%" in line
    assert "e+" not in line
    assert "--slack" not in line
    assert "\n" not in line
    assert not out.exists()


@pytest.mark.parametrize("typed", ["1e6", "1000000", "150%", "-0.5", "1"])
def test_the_command_line_echoes_the_slack_as_typed(tmp_path, typed):
    out = tmp_path / "alt"
    res = run_cli("alternatives", "--inputs", BASELINE, "--slack", typed, "--out", out)
    assert res.exit_code == 2, res.stderr
    (line,) = res.stderr.strip().splitlines()
    assert f"--slack {typed} is the share of the optimum" in line, line
    assert res.stdout == ""
    assert not out.exists()
