"""Nothing but allocator's own output reaches stdout or stderr, whatever the HiGHS version.

highspy 1.16 prints a banner on file descriptor 1 when an instance is constructed; every command
runs here as a real subprocess (Dask workers included), so a banner from C++ would be caught.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from allocator.solver.highs import highs_version, new_highs
from conftest import BASELINE, DATA, ROOT, cli

NOISE = ("Running HiGHS", "Copyright (c)", "third-party software", "HiGHS run time", "Model status")


def strict_json(text: str):
    """One JSON document, strictly: Python's json would accept NaN and Infinity, JSON does not."""

    def refuse(name: str):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def quiet(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    for stream, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        for word in NOISE:
            assert word not in text, f"solver noise on {stream}: {text[:300]!r}"
    return result


@pytest.mark.parametrize(
    "args",
    [
        ("solve", "--inputs", DATA / "greedy", "--out", "{tmp}/solve"),
        ("solve", "--inputs", DATA / "greedy", "--targets", "hard", "--out", "{tmp}/hard"),
        ("solve", "--inputs", DATA / "infeasible", "--out", "{tmp}/infeasible"),
        ("check", "--inputs", BASELINE),
        ("explain", "--inputs", DATA / "infeasible"),
        ("compare", "jobs", "exports", "--inputs", DATA / "greedy", "--out", "{tmp}/compare"),
        ("frontier", "--inputs", DATA / "exports", "--points", 3, "--out", "{tmp}/frontier"),
        ("init", "{tmp}/newcountry"),
        ("solve", "--risk", "cvar", "--scenarios", 5, "--beta", 0.8, "--out", "{tmp}/cvar"),
    ],
    ids=["solve", "hard", "infeasible", "check", "explain", "compare", "frontier", "init", "cvar"],
)
def test_every_command_prints_no_solver_output(tmp_path, args):
    result = quiet(cli(*(str(a).replace("{tmp}", str(tmp_path)) for a in args)))
    assert result.returncode in (0, 1), result.stderr
    assert result.stdout.strip() or result.stderr.strip(), "the command said nothing at all"


@pytest.mark.slow
def test_a_sweep_on_dask_workers_prints_no_solver_output(tmp_path):
    result = quiet(cli("sweep", "--samples", 6, "--workers", 2, "--out", tmp_path / "sweep"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "sweep" / "sweep.csv").exists()


def test_solve_json_is_exactly_one_json_document(tmp_path):
    result = quiet(cli("solve", "--json", "--out", tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    summary = strict_json(result.stdout)  # raises on a banner before or any text after it
    assert summary["objective"]["value"] == pytest.approx(545333.54)


def test_compare_json_is_exactly_one_json_document(tmp_path):
    out = tmp_path / "compare"  # never a folder under the checkout's results/
    result = quiet(
        cli("compare", "jobs", "exports", "--inputs", DATA / "greedy", "--json", "--out", out)
    )
    assert result.returncode == 0, result.stderr
    rows = strict_json(result.stdout)
    objective = {row["metric"]: row for row in rows if row["section"] == "objective"}
    assert objective["objective (jobs)"]["jobs"] == pytest.approx(960)
    # the exports plan's jobs in the last milestone year, from its outcomes (not null any more)
    assert objective["objective (jobs)"]["exports"] == pytest.approx(960)


def test_the_factory_is_silent_on_descriptor_1_and_sets_its_defaults():
    code = (
        "from allocator.solver.highs import new_highs\n"
        "h = new_highs(time_limit=7.0)\n"
        "names = ('output_flag', 'random_seed', 'solver', 'time_limit')\n"
        "got = [h.getOptionValue(o) for o in names]\n"
        "print('opts', *[v[1] if isinstance(v, tuple) else v for v in got])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout == "opts False 0 simplex 7.0\n"
    assert result.stderr == ""


def test_the_factory_refuses_an_unknown_option():
    with pytest.raises(ValueError, match="no_such_option"):
        new_highs(no_such_option=1)


def test_the_reported_version_is_the_installed_one():
    from importlib.metadata import version

    assert highs_version() == version("highspy")
