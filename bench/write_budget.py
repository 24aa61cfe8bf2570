"""What writing a run costs at scale (issue 19): the CSV tables, workbook.xlsx as allocator writes
it (xlsxwriter, summary sheets for tables over `book.SHEET_ROW_LIMIT` rows), the same workbook
with every cell (the limit lifted), and report.html. (The hand-written writer it replaced took
4.3 s for every cell at 1e6 nonzeros; with summary sheets xlsxwriter takes 1.2 s, so it is gone.)

    python bench/generate.py /tmp/big --nnz 1e6 && python bench/write_budget.py /tmp/big
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", type=Path, help="a dataset folder (bench/generate.py writes one)")
    args = ap.parse_args(argv)

    from allocator.data.inputs import load_inputs
    from allocator.pipeline import sheets_of, solve_inputs, tables_of
    from allocator.report import book
    from allocator.report import write as w
    from allocator.report.html import assumptions_of, write_report

    def clock(label: str, start: float) -> None:
        print(f"{label:<48} {time.perf_counter() - start:7.2f} s", flush=True)

    t = time.perf_counter()
    inp = load_inputs(args.inputs)
    clock("load", t)
    t = time.perf_counter()
    sol, _ = solve_inputs(inp, "jobs", targets="off")
    clock("solve (every pass, ranging)", t)
    t = time.perf_counter()
    tables = tables_of(inp, sol)
    sheets = sheets_of(inp, sol, tables)
    clock("tables", t)
    cells = sum(f.size for f in sheets.values())
    print(f"workbook cells: {cells:,}; nonzeros: {sol.solver.get('nonzeros')}")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        t = time.perf_counter()
        for name, frame in tables.items():
            w.write_csv(frame, d / f"{name}.csv")
        clock("CSV tables", t)
        t = time.perf_counter()
        w.write_workbook(sheets, d / "workbook.xlsx")
        clock("workbook.xlsx (xlsxwriter, summaries)", t)
        limit = book.SHEET_ROW_LIMIT
        book.SHEET_ROW_LIMIT = sys.maxsize
        t = time.perf_counter()
        w.write_workbook(sheets, d / "full.xlsx")
        clock("workbook.xlsx (xlsxwriter, every cell)", t)
        book.SHEET_ROW_LIMIT = limit
        t = time.perf_counter()
        info = {"objective": {"value": sol.objective_value, "unit": sol.objective_unit}}
        write_report(d, tables, info, assumptions_of(inp))
        clock("report.html", t)


if __name__ == "__main__":
    main()
