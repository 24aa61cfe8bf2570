"""`allocator solve --risk`: time and peak memory against the LP's size (scenarios x what one
scenario adds), the measure behind `runs.arguments.MAX_RISK_NONZEROS`.

    python bench/risk_scale.py [--runs final:500 final:1000 cumulative:250 ...] [--timeout 1800]

For each MEASURE:SCENARIOS on the bundled baseline (or --inputs), what one scenario adds
(`model.robustsize.scenario_size` of the widest scenario: rows, columns, nonzeros), the nonzeros
the scenarios add in all, and one whole `allocator solve --risk cvar` (or --kind worst-case)
in a fresh process: wall seconds, CPU seconds (user + system, its own and its children's) and
peak resident memory (ru_maxrss, from `os.wait4`), with the load average before it. A run past
--timeout is stopped and reported as such. Prints a Markdown table; --json keeps the rows.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "inputs" / "peru2040"


def per_scenario(inputs: Path, kind: str, measure: str) -> tuple[int, int, int]:
    """Rows, columns and nonzeros one scenario adds, as `check_risk_size` counts them."""
    from allocator.runs.common import scenario_of
    from allocator.runs.solve import widest_scenario
    from allocator.runs.spec import RunSpec

    rate = 0.05 if measure == "discounted" else None
    spec = RunSpec(inputs=inputs, risk=kind, measure=measure, discount_rate=rate)
    from allocator.model.robustsize import scenario_size

    inp = scenario_of(spec)
    size = scenario_size(inp, kind, spec.measured(), widest_scenario(inp))
    return size.rows, size.columns, size.nonzeros


def measure_run(
    inputs: Path, kind: str, measure: str, scenarios: int, timeout: float
) -> dict[str, float | str]:
    """One `allocator solve --risk` in a fresh process: wall, CPU and peak memory."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "allocator.cli", "solve", "--inputs", str(inputs)]
        cmd += ["--risk", kind, "--scenarios", str(scenarios), "--measure", measure]
        cmd += ["--out", str(Path(tmp) / "run")]
        if measure == "discounted":
            cmd += ["--discount-rate", "0.05"]
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        status, usage = _wait(proc, timeout)
        wall = time.perf_counter() - t0
    return {
        "status": status,
        "wall_s": round(wall, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1) if usage else float("nan"),
        "peak_mb": round(usage.ru_maxrss / 1024) if usage else float("nan"),
        "load": round(load, 2),
    }


def _wait(proc: subprocess.Popen[bytes], timeout: float) -> tuple[str, os.struct_rusage | None]:
    """The process's exit as words and its own resource use (os.wait4), or 'timeout'."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        pid, code, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(code)
            return ("ok" if proc.returncode == 0 else f"exit {proc.returncode}"), usage
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = -9
    return f"timeout {timeout:g} s", usage


def main() -> None:
    """Measure each MEASURE:SCENARIOS and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", type=Path, default=BASELINE)
    parser.add_argument("--kind", default="cvar", choices=["cvar", "worst-case"])
    parser.add_argument("--runs", nargs="+", default=["final:250", "final:1000", "cumulative:100"])
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = []
    print(
        "| measure | scenarios | rows/scen | nnz/scen | nnz added | wall s | CPU s | peak MB "
        "| load | status |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for item in args.runs:
        measure, count = item.split(":")
        scenarios = int(count)
        r, _, nz = per_scenario(args.inputs, args.kind, measure)
        row: dict[str, object] = {"measure": measure, "scenarios": scenarios, "rows": r}
        row |= {"nnz": nz, "added": nz * scenarios}
        row |= measure_run(args.inputs, args.kind, measure, scenarios, args.timeout)
        rows.append(row)
        print(
            f"| {measure} | {scenarios:,} | {r} | {nz:,} | {nz * scenarios:,} | {row['wall_s']} "
            f"| {row['cpu_s']} | {row['peak_mb']} | {row['load']} | {row['status']} |",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
