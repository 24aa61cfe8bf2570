"""What writing a run costs at scale (issues 19 and 30): the CSV tables, workbook.xlsx as allocator
writes it (xlsxwriter, summary sheets for tables over `book.SHEET_ROW_LIMIT` rows), the same
workbook with every cell (the limit lifted; once), and report.html. Each step is repeated and
reported as the median wall time and the median CPU time of this process: on a machine shared
with other work the wall clock shows the contention, the CPU seconds do not.

    python bench/generate.py /tmp/big --nnz 1e6 && python bench/write_budget.py /tmp/big

Run it with another checkout's `src` on PYTHONPATH to measure that version's writers on the same
tables (the solve is the same).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def timed(step: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median wall s, median CPU s) of `repeat` runs of `step`; what it prints is dropped."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        with contextlib.redirect_stderr(io.StringIO()):
            step()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", type=Path, help="a dataset folder (bench/generate.py writes one)")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each write step (median)")
    args = ap.parse_args(argv)

    import allocator
    from allocator.data.inputs import load_inputs
    from allocator.pipeline import sheets_of, solve_inputs, tables_of
    from allocator.report import book
    from allocator.report import write as w
    from allocator.report.html import assumptions_of, write_report

    print(f"allocator from {Path(allocator.__file__).parent}")
    t = time.perf_counter()
    inp = load_inputs(args.inputs)
    sol, _ = solve_inputs(inp, "jobs", targets="off")
    tables = tables_of(inp, sol)
    sheets = sheets_of(inp, sol, tables)
    print(f"load, solve and tables: {time.perf_counter() - t:.1f} s (not part of the budget)")
    cells = sum(f.size for f in tables.values())
    print(f"CSV cells: {cells:,}; nonzeros: {sol.solver.get('nonzeros')}")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)

        def csvs() -> None:
            for name, frame in tables.items():
                w.write_csv(frame, d / f"{name}.csv")

        def every_cell() -> None:
            limit, book.SHEET_ROW_LIMIT = book.SHEET_ROW_LIMIT, sys.maxsize
            try:
                w.write_workbook(sheets, d / "full.xlsx")
            finally:
                book.SHEET_ROW_LIMIT = limit

        info = {"objective": {"value": sol.objective_value, "unit": sol.objective_unit}}
        steps = {
            "CSV tables": csvs,
            "workbook.xlsx (xlsxwriter, summaries)": lambda: w.write_workbook(
                sheets, d / "workbook.xlsx"
            ),
            "report.html": lambda: write_report(d, tables, info, assumptions_of(inp)),
            "workbook.xlsx (xlsxwriter, every cell), once": every_cell,
        }
        print(f"{'step (median of ' + str(args.repeat) + ')':<48}{'wall s':>9}{'CPU s':>9}")
        for label, step in steps.items():
            wall, cpu = timed(step, 1 if label.endswith("once") else args.repeat)
            print(f"{label:<48}{wall:9.2f}{cpu:9.2f}", flush=True)


if __name__ == "__main__":
    main()
