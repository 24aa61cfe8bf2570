"""r1, finding 1: a --risk plan is bounded by the LP it would solve, not by its count of
scenarios alone. What one scenario adds (`model.robustsize.scenario_size` of the widest scenario:
each lag at its least) times `--scenarios` is at most `MAX_RISK_NONZEROS`; past it the run is
refused in one line naming the option, the limit, the size and the fix, before the scenarios
are drawn, built or solved, from the command line and from Python alike."""

from __future__ import annotations

import dataclasses
import re
import shutil

import pytest

from allocator.data.inputs import load_inputs
from allocator.errors import UsageError
from allocator.model.build import build_model
from allocator.model.measures import CUMULATIVE, FINAL
from allocator.model.robustsize import ScenarioSize, scenario_size, widest
from allocator.runs.arguments import (
    MAX_RISK_NONZEROS,
    MAX_RISK_SCENARIOS,
    check_risk_size,
)
from allocator.runs.spec import RunSpec
from conftest import BASELINE, DATA, run_cli

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _entries(inp, robust, measure) -> tuple[int, int, int]:
    m, _ = build_model(inp, "soft", robust, measure)
    return m.num_rows, m.num_cols, sum(len(r.col) for r in m.rows)


def test_widest_takes_each_lag_at_its_least_and_a_rate_its_range_allows():
    base = {"x": (1.0, 2), "y": (0.0, 1), "z": (3.0, 0)}
    ranges = [("x", "lag_years", 0.7, 3.0), ("y", "jobs_per_musd", 0.0, 2.5)]
    assert widest(base, ranges) == {"x": (1.0, 0), "y": (2.5, 1), "z": (3.0, 0)}


@pytest.mark.parametrize(("measure", "kind"), [(FINAL, "cvar"), (CUMULATIVE, "worst-case")])
def test_the_size_of_one_scenario_is_what_each_scenario_adds_to_the_lp(measure, kind):
    """Built with S drawn scenarios of the bundled dataset, the LP holds the nominal LP plus S
    times what `scenario_size` counts, less the few entries one plan adds once (the cap row's
    VaR, the worst column): the bound is the LP's size, not a guess."""
    from allocator.runs.solve import robust_spec, widest_scenario

    spec = RunSpec(risk=kind, scenarios=3, measure=measure.kind, targets="soft")
    inp = load_inputs(BASELINE)
    robust = dataclasses.replace(robust_spec(inp, spec), cap=None)
    size = scenario_size(inp, kind, measure, widest_scenario(inp))
    nominal = _entries(inp, None, measure)
    built = _entries(inp, robust, measure)
    added = [b - n for b, n in zip(built, nominal, strict=True)]
    per = (size.rows, size.columns, size.nonzeros)
    assert all(3 * (p - 1) <= a <= 3 * p for a, p in zip(added, per, strict=True)), (added, per)
    assert size.nonzeros > 500  # every program-year of a sector, in every scenario's rows


def test_the_widest_scenario_bounds_scenarios_whose_lags_are_drawn(tmp_path):
    """A lag drawn from 0 to 2 years: the widest scenario (lag 0) counts a column the nominal
    lag of 1 leaves out of the row of the last year, and bounds every drawn scenario's rows."""
    from allocator.runs.solve import robust_spec, widest_scenario

    data = shutil.copytree(DATA / "robust", tmp_path / "robust")
    programs = (data / "programs.csv").read_text(encoding="utf-8")
    (data / "programs.csv").write_text(programs.replace("2026,100,0,1,2", "2026,100,1,1,2"))
    with (data / "uncertainty.csv").open("a", encoding="utf-8") as f:
        f.write("programs:x:lag_years,0,2,uniform,test range\n")
    inp = load_inputs(data)
    at_data = scenario_size(inp, "cvar", FINAL, {p.program: (1.0, 1) for p in inp.programs})
    size = scenario_size(inp, "cvar", FINAL, widest_scenario(inp))
    assert size.nonzeros > at_data.nonzeros
    spec = RunSpec(inputs=data, risk="cvar", scenarios=40, seed=3)
    robust = robust_spec(inp, spec)
    assert {sc["x"][1] for sc in robust.scenarios} == {0, 1, 2}  # each lag drawn
    added = _entries(inp, robust, FINAL)[2] - _entries(inp, None, FINAL)[2]
    assert added <= 40 * size.nonzeros


def test_the_limit_is_taken_and_one_scenario_more_is_refused():
    size = ScenarioSize(rows=70, columns=70, nonzeros=3_425)
    most = MAX_RISK_NONZEROS // 3_425
    check_risk_size(RunSpec(risk="cvar", scenarios=most, measure="cumulative"), size)
    with pytest.raises(UsageError) as info:
        check_risk_size(RunSpec(risk="cvar", scenarios=most + 1, measure="cumulative"), size)
    assert str(info.value) == (
        f"--scenarios {most + 1} with --risk cvar (measure cumulative): the scenarios would "
        f"add {(most + 1) * 3_425:,} nonzeros to the LP (3,425 a scenario, in 70 rows of its "
        f"own), at most {MAX_RISK_NONZEROS:,} (time and memory grow with them). "
        f"Fix: --scenarios {most} or fewer"
    )


def _cumulative_past_the_limit(per: int = 3_425) -> int:
    """A count of scenarios the count limit takes and the size limit refuses on the bundled
    dataset under the cumulative measure (`per` nonzeros a scenario: 3,425 for cvar, 3,422 for
    worst-case, which has no tail column)."""
    count = MAX_RISK_NONZEROS // per + 1
    assert count <= MAX_RISK_SCENARIOS
    return count


def test_the_command_line_refuses_an_lp_too_large_in_one_line(tmp_path):
    count = _cumulative_past_the_limit()
    out = tmp_path / "run"
    ran = run_cli(
        "solve", "--risk", "cvar", "--scenarios", count, "--measure", "cumulative",
        "--out", out,
    )  # fmt: skip
    line = ANSI.sub("", ran.stderr).strip()
    assert (ran.exit_code, ran.stdout) == (2, ""), line
    assert "\n" not in line, line
    assert "Traceback" not in line, line
    assert line.startswith(
        f"error: --scenarios {count} with --risk cvar (measure cumulative): the scenarios "
        f"would add {count * 3_425:,} nonzeros to the LP"
    ), line
    assert line.endswith(f"Fix: --scenarios {count - 1} or fewer"), line
    assert not out.exists()


def test_a_python_caller_is_refused_the_same_way(tmp_path):
    import allocator

    count = _cumulative_past_the_limit(3_422)
    out = tmp_path / "run"
    with pytest.raises(UsageError, match=rf"^--scenarios {count} with --risk worst-case"):
        allocator.solve(risk="worst-case", scenarios=count, measure="cumulative", out=out)
    assert not out.exists()
