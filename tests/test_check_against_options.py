"""`solve --check-against RUN` re-runs what RUN records: options given beside it (`--out`,
`--risk`, `--objective`) were ignored in silence (hunt 10's note), so a user who meant them got
"identical" about another run than asked. They are refused in one line naming them; `--inputs`
(where RUN's dataset is now) and `--json` stay."""

from __future__ import annotations

import pytest

from conftest import DATA, run_cli


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ca") / "run"
    assert run_cli("solve", "--inputs", DATA / "greedy", "--out", out).exit_code == 0
    return out


@pytest.mark.parametrize(
    ("extra", "named"),
    [(["--out", "elsewhere"], "--out"), (["--risk", "cvar"], "--risk"),
     (["--objective", "exports"], "--objective")],
)  # fmt: skip
def test_an_option_check_against_would_ignore_is_refused(run, tmp_path, extra, named):
    res = run_cli("solve", "--check-against", run, *extra, cwd=tmp_path)
    assert res.exit_code == 2, res.stdout
    (line,) = res.stderr.splitlines()
    assert named in line
    assert "Fix: " in line
    assert not (tmp_path / "elsewhere").exists()


def test_inputs_and_json_go_with_check_against(run):
    res = run_cli("solve", "--check-against", run, "--inputs", DATA / "greedy", "--json")
    assert res.exit_code == 0, res.stderr
    assert '"status": "identical"' in res.stdout
